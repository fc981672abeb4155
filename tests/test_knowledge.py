"""Tests for :mod:`helpers.knowledge` and the knowledge-report batch of :mod:`helpers.report`.

A small simulated world (customers, orders, community, topics, and segment/CLV tables shaped like
notebooks 03–04's outputs) is integrated into a knowledge base in a temporary folder; the tests check
the joins (row counts, no customer lost, every coded post has a valid code), the code scheme, the
polarity rule, the recommended actions, and — with Chromium — one per-customer and one per-segment
report read back from their PDFs (Chinese headings present, no raw personal data).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import duckdb
import numpy as np
import pandas as pd
import pytest

from kbworld import DATASET, TEST_KEY, build_world

from helpers import community as cm
from helpers import knowledge as kn
from helpers import paths, report, store
from helpers.errors import DataError
NEEDS_CHROMIUM = pytest.mark.skipif(
    os.environ.get("CI") != "true" and not (shutil.which("chromium") or os.environ.get("CRM_CHROMIUM")),
    reason="Chromium not installed (make test installs it as root); in CI this never skips",
)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A small SIMULATED world integrated into a knowledge base under a temporary processed folder."""
    return build_world(tmp_path_factory.mktemp("kb"))


@pytest.fixture()
def con(world):
    c = kn.open_knowledge_base(DATASET, world["path"])
    yield c
    c.close()


# --------------------------------------------------------------------------- the code scheme


def test_code_scheme_covers_every_kind_and_category():
    table = kn.code_scheme_table()
    assert len(table) == len(kn.KINDS) * len(kn.CATEGORIES) == 36
    assert table["code"].is_unique
    assert table["code"].str.match(kn.CODE_PATTERN).all()
    assert kn.CODE_SCHEME["C-03"]["说明"] == "发热方面的投诉/抱怨"
    assert kn.CODE_SCHEME["S-05"]["category_zh"] == "系统更新"


@pytest.mark.parametrize("text, expected", [
    ("电池续航太差了，一天要充电两次", "complaint"),
    ("网络很稳定，在高铁上也很少断网", "praise"),
    ("联通网络不稳定，网页打不开", "complaint"),
    ("屏幕素质很好，没有偏色和漏光", "praise"),
    ("申请换货被拒绝，理由说不清楚", "complaint"),
    ("售后服务很好，换货第二天就寄出了", "praise"),
])
def test_polarity_rule(text, expected):
    assert kn.polarity([text]).iloc[0] == expected


def test_polarity_matches_the_planted_polarity_on_the_simulated_posts():
    com = cm.load_community(key=TEST_KEY)
    truth = cm.read_posts_truth().set_index("post_id").loc[com.posts["post_id"]]
    exp = (com.posts["post_type"] == "experience").to_numpy()
    got = kn.polarity(com.posts["title"][exp] + "。" + com.posts["text"][exp])
    assert (got.to_numpy() == truth["polarity"].to_numpy()[exp]).mean() > 0.95


def test_topic_categories_by_keyword_weight_and_other():
    terms = pd.DataFrame({"topic": [0, 0, 0, 1, 1, 1], "term": ["电池", "续航", "感觉", "天气", "心情", "屏幕"],
                          "weight": [3.0, 2.0, 1.0, 5.0, 4.0, 0.5]})
    cats = kn.topic_categories(terms).set_index("topic")
    assert cats.loc[0, "category"] == "01" and cats.loc[0, "score"] == pytest.approx(5 / 6, abs=1e-3)
    assert cats.loc[1, "category"] == "99"  # 屏幕 carries only 5% of the weight: left for a human coder


def test_code_posts_gives_valid_codes_and_kinds_by_type(world):
    coded = kn.code_posts(world["inputs"].community.posts, world["assigned"],
                          kn.topic_categories(world["inputs"].top_terms))
    assert coded["code"].isin(list(kn.CODE_SCHEME)).all()
    kind_of = {"question": {"N"}, "suggestion": {"S"}, "experience": {"C", "P"}}
    assert all(k in kind_of[t] for t, k in zip(coded["post_type"], coded["kind"]))
    with pytest.raises(DataError, match="no topic assignment"):
        kn.code_posts(world["inputs"].community.posts, world["assigned"].iloc[:-1],
                      kn.topic_categories(world["inputs"].top_terms))


def test_codes_recover_the_planted_topics(world):
    coded = kn.code_posts(world["inputs"].community.posts, world["assigned"],
                          kn.topic_categories(world["inputs"].top_terms))
    acc = kn.coding_accuracy(coded, world["sim"].truth_posts).set_index("measure")["value"]
    assert acc["category = planted topic (%)"] > 90


# --------------------------------------------------------------------------- the knowledge base


def test_knowledge_base_has_the_documented_tables_and_views(con):
    schema = kn.schema_table(con)
    assert set(kn.KB_TABLES) | set(kn.KB_VIEWS) <= set(schema["name"])
    assert (schema["description"] != "").all()


def test_join_checks_pass(con):
    checks = kn.join_checks(con)
    assert len(checks) >= 8
    assert (checks["offending rows"] == 0).all(), checks


def test_row_counts_and_no_customer_lost(world, con):
    inputs = world["inputs"]
    n_customers = con.execute("SELECT count(*) FROM customers").fetchone()[0]
    assert n_customers == len(inputs.customers) + 1  # + the orphan seen only in orders
    assert con.execute("SELECT count(*) FROM customer_profile").fetchone()[0] == n_customers
    ids = set(con.execute("SELECT customer_id FROM customer_profile").df()["customer_id"])
    for frame in (world["seg"], world["clv"], world["tx"]):
        assert set(frame["customer_id"].astype(str)) <= ids
    orphan = con.execute("SELECT in_customer_table, orders FROM customer_profile WHERE customer_id = '99999999'"
                         ).fetchone()
    assert orphan == (False, 1)
    assert con.execute("SELECT count(*) FROM segments").fetchone()[0] == len(world["seg"])
    assert con.execute("SELECT count(*) FROM posts_coded").fetchone()[0] == len(inputs.community.posts)
    assert con.execute("SELECT count(*) FROM orders").fetchone()[0] == world["tx"]["order_id"].nunique()
    revenue = con.execute("SELECT sum(revenue) FROM orders_summary").fetchone()[0]
    assert revenue == pytest.approx(world["tx"]["amount"].sum(), rel=1e-9)


def test_every_coded_post_has_a_valid_code_and_its_members_customer(world, con):
    assert con.execute("SELECT count(*) FROM posts_coded WHERE NOT regexp_full_match(code, '[NCSP]-(0[1-8]|99)')"
                       ).fetchone()[0] == 0
    coded = con.execute("SELECT post_id, member_id, customer_id FROM posts_coded").df()
    members = world["inputs"].community.members.set_index("member_id")["customer_id"]
    expected = coded["member_id"].map(members)
    assert (coded["customer_id"].fillna("-") == expected.fillna("-")).all()


def test_profile_joins_clv_and_segment_values(world, con):
    prof = con.execute("SELECT customer_id, clv, p_alive, rfm_segment, posts FROM customer_profile "
                       "WHERE clv IS NOT NULL").df().set_index("customer_id")
    clv = world["clv"].set_index("customer_id")
    assert np.allclose(prof["clv"], clv.loc[prof.index, "clv"])
    eng = cm.engagement(world["inputs"].customers, world["inputs"].community).set_index("customer_id")
    both = prof.index.intersection(eng.index)
    assert (prof.loc[both, "posts"].to_numpy() == eng.loc[both, "posts"].to_numpy()).all()


def test_no_personal_data_in_the_knowledge_base(world, con):
    blob = []
    for name in con.execute("SELECT table_name FROM information_schema.tables").df()["table_name"]:
        blob.append(con.execute(f'SELECT * FROM "{name}"').df().astype(str).to_csv(index=False))
    text = "\n".join(blob)
    raw = world["raw"]
    assert not set(raw["phone"]) & set(re.findall(r"\d{11}", text))
    assert "@example.com" not in text
    nicks = set(world["sim"].tables["members"]["nickname"])
    assert not any(n in text for n in list(nicks)[:300])


def test_knowledge_base_without_community(tmp_path, world):
    from helpers import plotting

    plotting.set_theme()
    inputs = world["inputs"]
    plain = kn.KnowledgeInputs("plain", "plain (real)", False, "USD",
                               pd.DataFrame({"customer_id": world["tx"]["customer_id"].drop_duplicates()}),
                               world["tx"], world["seg"], world["clv"])
    path = kn.build_knowledge_base(plain, tmp_path / "k.duckdb")
    con = kn.open_knowledge_base("plain", path)
    try:
        assert not kn.has_table(con, "posts_coded")
        assert (kn.join_checks(con)["offending rows"] == 0).all()
        rep = kn.customer_report(con, kn.example_customer(con))
        assert rep["feedback"].empty
        sections = kn.customer_sections(rep)
        assert any("not available" in str(c) for _, c in sections)
    finally:
        con.close()
    assert inputs.community is not None


def test_gather_inputs_reads_the_hand_overs_through_the_store(world, tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "PROCESSED", tmp_path / "processed")
    monkeypatch.setattr(paths, "INTERIM", tmp_path / "interim")
    tx = world["tx"]
    store.save_processed("handover", tx, tx.iloc[:0], pd.DataFrame({"rows": [len(tx)]}),
                         {"label": "hand-over test (SIMULATED)", "simulated": True, "currency": "CNY"})
    store.save_clv("handover", world["clv"], {"horizon": "52 W"})
    store.save_segments("handover", world["seg"])
    inputs = kn.gather_inputs("handover")
    assert inputs.community is None and inputs.top_terms is None  # no community export for this dataset
    assert (inputs.label, inputs.simulated, inputs.currency, inputs.horizon) == \
        ("hand-over test (SIMULATED)", True, "CNY", "52 weeks")
    assert len(inputs.clv) == len(world["clv"]) and len(inputs.segments) == len(world["seg"])
    assert set(inputs.customers["customer_id"]) == set(tx["customer_id"].astype(str))
    pd.testing.assert_frame_equal(inputs.clv, store.load_clv("handover"))  # the one CLV fit, read as stored
    path = kn.ensure_knowledge_base("handover")
    assert path == store.knowledge_path("handover") and path.exists()
    store.save_clv("handover", world["clv"].iloc[:-1], {"horizon": "52 W"})  # segments now rest on old scores
    with pytest.raises(DataError, match="earlier version of the CLV scores"):
        kn.gather_inputs("handover")


def test_profile_columns_lists_the_profile_view(con):
    cols = kn.profile_columns(con)
    assert cols == list(con.execute("SELECT * FROM customer_profile LIMIT 0").df().columns)
    assert cols[0] == "customer_id" and {"clv", "p_alive", "rfm_segment", "level"} <= set(cols)


def test_open_missing_knowledge_base_says_what_to_run(tmp_path):
    with pytest.raises(DataError, match="07_customer_knowledge"):
        kn.open_knowledge_base("nothing", tmp_path / "none.duckdb")


# --------------------------------------------------------------------------- apply: actions


def test_segment_rules_fire_on_their_evidence():
    metrics = pd.DataFrame([
        {"segment": "all", "customers": 100, "mean_clv": 100.0, "mean_p_alive": 0.6, "mean_revenue": 500.0,
         "member_share": 0.4, "suggester_share": 0.1, "posts": 300, "complaint_share": 0.2, "price_share": 0.1},
        {"segment": "stars", "customers": 40, "mean_clv": 200.0, "mean_p_alive": 0.8, "mean_revenue": 900.0,
         "member_share": 0.5, "suggester_share": 0.3, "posts": 50, "complaint_share": 0.4,
         "top_complaint": "发热", "top_complaint_share": 0.5, "price_share": 0.05},
        {"segment": "sleepers", "customers": 30, "mean_clv": 50.0, "mean_p_alive": 0.3, "mean_revenue": 600.0,
         "member_share": 0.2, "suggester_share": 0.05, "posts": 10, "complaint_share": 0.5, "price_share": 0.5},
        {"segment": "plain", "customers": 50, "mean_clv": 100.0, "mean_p_alive": 0.6, "mean_revenue": 400.0,
         "member_share": 0.4, "suggester_share": 0.1, "posts": 100, "complaint_share": 0.2, "price_share": 0.1},
    ])
    actions = kn.segment_actions(metrics)
    rules = actions.groupby("segment")["rule"].apply(set).to_dict()
    assert rules["stars"] == {"R1", "R3", "R5"}
    assert rules["sleepers"] == {"R2"}  # few posts: R3/R6 need ≥ 20 posts; p_alive < 0.5 blocks R4
    assert rules["plain"] == {"R0"}
    tiny = metrics.assign(customers=[100, 5, 30, 50])
    assert set(kn.segment_actions(tiny).query("segment == 'stars'")["rule"]) == {"R1", "R3"}  # R5 needs 30
    r1 = actions.loc[(actions["segment"] == "stars") & (actions["rule"] == "R1")].iloc[0]
    assert "200.00" in r1["evidence"] and "100.00" in r1["evidence"] and "customer_profile.clv" in r1["source"]
    assert (actions["basis"] != "").all()


def test_customer_actions_cite_the_customers_numbers():
    fb = pd.DataFrame({"kind": ["C"], "category_zh": ["发热"], "posts": [2], "last_post": [pd.Timestamp("2014-06-01")]})
    got = kn.customer_actions({"p_alive": 0.2, "orders": 5, "suggestions": 1, "adopted": 1, "member": True},
                              fb, pd.Timestamp("2014-06-30"))
    assert len(got) == 3
    assert "0.20" in got["evidence"].iloc[0] and "发热" in got["evidence"].iloc[1]
    loyal = kn.customer_actions({"p_alive": 0.9, "orders": 3, "frequency": 2, "member": False, "abc_class": "A"})
    assert set(loyal["行动"]) == {"重点客户关怀：优先服务与新品优先购", "邀请加入小米社区与同城会"}
    # BG/NBD gives every one-time buyer P(alive) = 1: that alone must not trigger anything
    once = kn.customer_actions({"p_alive": 1.0, "orders": 1, "frequency": 0, "member": False, "abc_class": "A"})
    assert list(once["行动"]) == ["常规维护"]


def test_segment_metrics_and_report(con):
    metrics = kn.segment_metrics(con)
    assert metrics["segment"].iloc[0] == "all"
    assert metrics.loc[metrics["segment"] != "all", "customers"].sum() == metrics["customers"].iloc[0]
    rep = kn.segment_report(con, "champions", top=5)
    assert len(rep["top"]) == 5 and rep["top"]["clv"].is_monotonic_decreasing
    assert (rep["top"]["rfm_segment"] == "champions").all()
    assert len(rep["actions"]) >= 1
    with pytest.raises(DataError, match="not a value"):
        kn.segment_report(con, "no such segment")


def test_customer_report_matches_the_tables(world, con):
    cid = kn.example_customer(con)
    rep = kn.customer_report(con, cid)
    posts = con.execute("SELECT count(*) FROM posts_coded WHERE customer_id = ?", [cid]).fetchone()[0]
    assert posts > 0 and rep["feedback"]["posts"].sum() == posts
    assert len(rep["orders"]) == world["tx"].loc[world["tx"]["customer_id"] == cid, "order_id"].nunique()
    assert len(rep["actions"]) >= 1
    with pytest.raises(DataError, match="not in the knowledge base"):
        kn.customer_report(con, "no-such-id")


def test_customer_community_has_each_meetup_vote_and_adoption_newest_first(world, con, tmp_path):
    """The page reads a customer's community rows from ``customer_community``, built with the file: as many as
    their meet-ups, poll votes and adopted suggestions, newest first; a file built before that table refuses."""
    cid = con.execute("SELECT customer_id FROM customer_community GROUP BY 1 HAVING count(DISTINCT part) >= 2 "
                      "ORDER BY count(*) DESC, 1 LIMIT 1").fetchone()[0]
    expected = sum(con.execute(q, [cid]).fetchone()[0] for q in (
        "SELECT count(*) FROM attendance a JOIN meetups m USING (meetup_id) WHERE a.customer_id = ?",
        "SELECT count(*) FROM votes v JOIN polls p USING (poll_id, option_id) WHERE v.customer_id = ?",
        "SELECT count(*) FROM adoptions a JOIN posts_coded p USING (post_id) WHERE p.customer_id = ?"))
    rep = kn.customer_report(con, cid)
    assert len(rep["community"]) == expected > 1
    assert pd.to_datetime(rep["community"]["date"]).is_monotonic_decreasing
    old = tmp_path / "old.duckdb"
    shutil.copy(world["path"], old)
    with duckdb.connect(str(old)) as w:
        w.execute("DROP TABLE customer_community")
    c = kn.open_knowledge_base(DATASET, old)
    try:
        with pytest.raises(DataError, match="earlier version"):
            kn.customer_report(c, cid)
    finally:
        c.close()


# --------------------------------------------------------------------------- the batch command


def test_parse_knowledge_spec():
    spec = report.parse_knowledge_spec(["segment=champions", "top=3", "customer=1,2", "customer=3", "by=cn8_segment"])
    assert spec == {"customers": ["1", "2", "3"], "segment": "champions", "top": 3, "segment_by": "cn8_segment"}
    with pytest.raises(ValueError, match="unknown key"):
        report.parse_knowledge_spec(["colour=red"])


def test_knowledge_jobs_pick_the_top_customers_of_a_segment(world, monkeypatch):
    monkeypatch.setattr(paths, "PROCESSED", world["tmp"])
    jobs = report.knowledge_jobs(DATASET, customers=["x1"], segment="champions", top=3)
    assert len(jobs) == 5  # x1, three customers, the segment
    assert jobs[0][1] == {"dataset": DATASET, "customer_id": "x1"}
    assert jobs[-1] == (f"knowledge_{DATASET}_segment_champions", {"dataset": DATASET, "segment": "champions"})


def test_numbered_run_skips_the_report_template():
    names = [p.name for p in report.find_notebooks(paths.NOTEBOOKS)]
    assert "knowledge_report.ipynb" not in names
    assert (paths.NOTEBOOKS / report.KNOWLEDGE_TEMPLATE).exists()


STAFF_NOTE = "Phone ran hot while gaming; offered the cooling case."


@pytest.fixture(scope="module")
def built_reports(world, tmp_path_factory):
    out = tmp_path_factory.mktemp("knowledge_reports")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CRM_PROCESSED_DIR", str(world["tmp"]))
        mp.setattr(paths, "PROCESSED", world["tmp"])
        con = kn.open_knowledge_base(DATASET)
        cid = kn.example_customer(con)
        con.close()
        # what staff shared on the sharing end is part of the next knowledge report
        kn.SharingStore.of(DATASET).create().add_note(cid, "ling", "sales", STAFF_NOTE, "C-03")
        results = report.build_knowledge_reports(paths.NOTEBOOKS, out, dataset=DATASET, customers=[cid],
                                                 segment="champions", top=0, progress=False)
    return {"results": results, "cid": cid}


def _pdf_text(pdf) -> str:
    return subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


@NEEDS_CHROMIUM
def test_per_customer_and_per_segment_pdfs_have_chinese_headings_and_no_personal_data(world, built_reports):
    results = built_reports["results"]
    assert len(results) == 2 and all(r.ok for r in results), [r.describe_failure() for r in results]
    customer_pdf, segment_pdf = (r.pdf_path for r in results)
    assert customer_pdf.name == f"knowledge_{DATASET}_customer_{built_reports['cid']}.pdf"
    assert customer_pdf.with_suffix(".html").exists() and segment_pdf.with_suffix(".html").exists()
    squash = lambda s: re.sub(r"\s+", "", s)  # noqa: E731
    ctext, stext = squash(_pdf_text(customer_pdf)), squash(_pdf_text(segment_pdf))
    for heading in ("客户个人知识报告", "客户概况", "购买历史", "客户价值", "预计购买与活跃概率", "反馈主题", "社区互动",
                    "建议行动", "员工笔记", "C-03", "ling", squash(STAFF_NOTE), "SIMULATED", built_reports["cid"]):
        assert squash(heading) in ctext, heading
    for heading in ("细分客户知识报告", "细分概况", "价值分布", "重点客户", "建议行动", "champions"):
        assert squash(heading) in stext, heading
    raw = world["raw"]
    blob = ctext + stext
    assert not set(raw["phone"]) & set(re.findall(r"\d{11}", blob))
    assert "@example.com" not in blob
    windows = {run[i:i + k] for run in re.findall(r"[\u4e00-\u9fff]{3,}", blob) for k in (3, 4)
               for i in range(len(run) - k + 1)}
    names = {n for n in raw["name"] if len(n) >= 3}
    assert not names & windows, sorted(names & windows)[:5]
    nicks = set(world["sim"].tables["members"]["nickname"])
    assert not [n for n in nicks if squash(n) in blob]
    pseudonym = world["inputs"].customers.set_index("customer_id").loc[built_reports["cid"], "name"]
    assert pseudonym in ctext


# --------------------------------------------------------------------------- the sharing end's queries and notes


def test_search_customers_obeys_every_filter_and_pages(con):
    prof = con.execute("SELECT * FROM customer_profile").df()
    fb = con.execute("SELECT customer_id, code FROM customer_feedback").df()
    topic = fb["code"].value_counts().index[0]
    lo, hi = prof["clv"].quantile([0.2, 0.95])
    rows, total = kn.search_customers(con, segment="champions", clv_min=lo, clv_max=f"{hi:,.2f}", topic=topic,
                                      per_page=5)
    want = prof.loc[(prof["rfm_segment"] == "champions") & prof["clv"].between(lo, round(hi, 2))
                    & prof["customer_id"].isin(fb.loc[fb["code"] == topic, "customer_id"])]
    assert total == len(want) > 5
    assert list(rows["customer_id"]) == list(want.sort_values(["clv", "customer_id"], ascending=[False, True])
                                              ["customer_id"].head(5))
    page2, _ = kn.search_customers(con, segment="champions", clv_min=lo, clv_max=f"{hi:,.2f}", topic=topic,
                                   per_page=5, page=2)
    assert not set(page2["customer_id"]) & set(rows["customer_id"])
    one = prof["customer_id"].iloc[3]
    assert one in set(kn.search_customers(con, q=one[:6], per_page=1000)[0]["customer_id"])
    assert kn.search_customers(con, q="%")[1] == 0  # a wildcard is a character, not a pattern
    for bad, message in (({"clv_min": "lots"}, "must be a number"), ({"clv_min": 9, "clv_max": 1}, "above the highest"),
                         ({"page": 0}, "1 or more"), ({"page": "2; --"}, "whole number")):
        with pytest.raises(DataError, match=message):
            kn.search_customers(con, **bad)


def test_knowledge_entries_filter_by_kind_code_and_words(con):
    posts = con.execute("SELECT * FROM posts_coded").df()
    rows, total = kn.knowledge_entries(con, kind="C", per_page=10)
    assert total == int((posts["kind"] == "C").sum()) and set(rows["code"].str[0]) == {"C"}
    assert rows["timestamp"].is_monotonic_decreasing
    word = posts["title"].iloc[0][:2]
    _, total = kn.knowledge_entries(con, q=word)
    assert total == int((posts["title"].str.contains(word, regex=False)
                         | posts["text"].str.contains(word, regex=False)).sum())


def test_segment_overview_gives_each_segment_its_size_and_treatment(con):
    overview = kn.segment_overview(con)
    sizes = con.execute("SELECT rfm_segment, count(*) FROM customer_profile WHERE rfm_segment IS NOT NULL "
                        "GROUP BY 1").fetchall()
    assert dict(zip(overview["segment"], overview["customers"])) == dict(sizes)
    assert overview.loc[overview["segment"] == "champions", "treatment"].iloc[0]


def test_sharing_store_keeps_notes_and_an_append_only_audit(tmp_path):
    store_ = kn.SharingStore(tmp_path / "sharing.sqlite")
    assert store_.notes().empty and store_.audit()[1] == 0  # no file yet: nothing, no error
    store_.create()
    first = store_.add_note("c1", "ann", "sales", "  Asked for a repair slot.  ", "N-08")
    store_.add_note("c2", "bo", "analyst", "", "C-03")
    notes = store_.notes()
    assert notes["note_id"].tolist() == [first, first + 1]
    assert notes.iloc[0][["customer_id", "author", "role", "code", "text"]].tolist() == \
        ["c1", "ann", "sales", "N-08", "Asked for a repair slot."]
    assert store_.notes("c2")["code"].tolist() == ["C-03"]
    with pytest.raises(kn.InvalidNote, match="not in the code scheme"):
        store_.add_note("c1", "ann", "sales", "x", "C-42")
    with pytest.raises(ValueError, match="unknown audit action"):
        store_.log("delete_everything", "ann", "sales")
    for action in ("view_profile", "add_note", "view_profile"):
        store_.log(action, "ann", "sales", "c1")
    events, total = store_.audit(limit=2, action="view_profile")
    assert total == 2 and len(events) == 2 and events["event_id"].is_monotonic_decreasing


def test_one_row_gives_the_values_a_one_row_dataframe_gives(con):
    """``one_row`` (the profile page's lookup, without ``.df()``) equals ``.df().iloc[0].to_dict()`` for every
    customer: timestamps as Timestamps (NaT when missing), floats (NaN when missing), the rest as it is."""
    sql = "SELECT * FROM customer_profile WHERE customer_id = ?"
    ids = [r[0] for r in con.execute("SELECT customer_id FROM customer_profile ORDER BY customer_id").fetchall()]
    kinds = set()
    for cid in ids:
        fast, slow = kn.one_row(con, sql, [cid]), con.execute(sql, [cid]).df().iloc[0].to_dict()
        assert list(fast) == list(slow)
        for column, want in slow.items():
            got = fast[column]
            kinds.add(type(want).__name__)
            if want is pd.NaT or (isinstance(want, float) and np.isnan(want)):
                assert got is pd.NaT if want is pd.NaT else np.isnan(got), (cid, column, got)
            else:
                assert got == want and isinstance(got, pd.Timestamp) == isinstance(want, pd.Timestamp), (cid, column)
    assert {"Timestamp", "NaTType", "float", "str"} <= kinds  # the test met each kind of value
    assert kn.one_row(con, sql, ["no-such-customer"]) is None
    assert kn.has_customer(con, ids[0]) and not kn.has_customer(con, "no-such-customer")
