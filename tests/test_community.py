"""Tests for :mod:`helpers.community`: the simulated community export, loading own exports, and the analyses.

The committed export is regenerated into a temporary folder and compared with the files; the
loaders are tested on small files written in every supported format and encoding; the analyses
are checked against the planted truth and against hand-made tables whose answers are known.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import community as cm
from helpers.acquire import XIAOMI_DIR
from helpers.errors import DataError
from helpers.simulate import SIMULATED_NOTE, simulate_customers

TEST_KEY = b"unit-test-key-not-the-project-key"
DIR = cm.COMMUNITY_DIR


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    out = tmp_path_factory.mktemp("community")
    with open(DIR / "manifest.yml", encoding="utf-8") as fh:
        committed = yaml.safe_load(fh)
    fresh = cm.write_community_export(out, n_customers=committed["n_customers"], seed=committed["seed"],
                                      seasonality=committed["seasonality"])
    return out, committed, fresh


@pytest.fixture(scope="module")
def com():
    return cm.load_community(key=TEST_KEY)


@pytest.fixture(scope="module")
def customers():
    raw = pd.read_csv(XIAOMI_DIR / "customers.csv", encoding="gb18030", dtype=str)
    return raw.rename(columns={"客户ID": "customer_id"}).loc[lambda d: d["账号类型"] != "内部测试"]


# --------------------------------------------------------------------------- the committed export


@pytest.mark.parametrize("name", ["members.csv", "posts.csv", "polls.csv", "truth/posts_truth.csv", "README.md"])
def test_committed_text_files_are_reproducible(regenerated, name):
    out, _, _ = regenerated
    assert (out / name).read_bytes() == (DIR / name).read_bytes()


@pytest.mark.parametrize("name", ["replies.parquet", "poll_votes.parquet"])
def test_committed_parquet_files_are_reproducible(regenerated, name):
    out, _, _ = regenerated
    pd.testing.assert_frame_equal(pd.read_parquet(out / name), pd.read_parquet(DIR / name))


@pytest.mark.parametrize("name", ["miui_releases.xlsx", "meetups.xlsx"])
def test_committed_workbooks_are_reproducible(regenerated, name):
    out, _, _ = regenerated
    committed = pd.read_excel(DIR / name, sheet_name=None, dtype=object, engine="openpyxl")
    fresh = pd.read_excel(out / name, sheet_name=None, dtype=object, engine="openpyxl")
    assert list(committed) == list(fresh)
    for sheet in committed:
        pd.testing.assert_frame_equal(committed[sheet], fresh[sheet])


def test_committed_manifest_is_reproducible_and_describes_the_files(regenerated):
    out, committed, fresh = regenerated
    assert fresh == committed
    assert committed["simulated"] is True and "SIMULATED" in committed["label"]
    assert "python -m helpers.community" in committed["command"]
    posts = pd.read_csv(DIR / "posts.csv", encoding="gb18030")
    assert committed["rows"]["posts"] == len(posts)
    shares = {k: v["share"] for k, v in committed["parameters"]["topics"].items()}
    assert abs(sum(shares.values()) - 1) < 1e-9


def test_export_is_small():
    total = sum(p.stat().st_size for p in DIR.rglob("*") if p.is_file())
    assert total < 5_000_000, f"community export is {total / 1e6:.1f} MB"


def test_every_file_says_simulated():
    assert "SIMULATED" in (DIR / "README.md").read_text(encoding="utf-8")
    for name, enc in (("members.csv", "gb18030"), ("posts.csv", "gb18030"), ("polls.csv", "utf-8-sig")):
        table = pd.read_csv(DIR / name, encoding=enc, dtype=str)
        assert (table["数据说明"] == SIMULATED_NOTE).all(), name
    for name in ("replies.parquet", "poll_votes.parquet"):
        assert (pd.read_parquet(DIR / name)["data_note"] == SIMULATED_NOTE).all(), name
    for name in ("miui_releases.xlsx", "meetups.xlsx"):
        book = pd.read_excel(DIR / name, sheet_name=None, dtype=str, engine="openpyxl")
        assert SIMULATED_NOTE in book["说明 README"].iloc[:, 0].tolist()
        for sheet, frame in book.items():
            if sheet != "说明 README":
                assert (frame["数据说明"] == SIMULATED_NOTE).all(), (name, sheet)


def test_encodings_are_what_the_manifest_promises():
    for name in ("members.csv", "posts.csv"):
        data = (DIR / name).read_bytes()
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
        assert "帖子" in data.decode("gb18030") or "会员" in data.decode("gb18030")
    assert (DIR / "polls.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_forum_members_are_exactly_the_flagged_customers(customers, com):
    flagged = set(customers.loc[customers["论坛会员"] == "是", "customer_id"])
    linked = set(com.members["customer_id"].dropna())
    assert linked == flagged
    assert com.members["customer_id"].isna().sum() > 0, "there should be forum-only members"


def test_same_seed_same_tables_other_seed_other_tables():
    cust = simulate_customers(600, seed=3)
    a = cm.simulate_community(cust, seed=3, activity=3.0)
    b = cm.simulate_community(cust, seed=3, activity=3.0)
    c = cm.simulate_community(cust, seed=4, activity=3.0)
    for kind in a.tables:
        pd.testing.assert_frame_equal(a.tables[kind], b.tables[kind])
    assert not a.tables["posts"]["text"].equals(c.tables["posts"]["text"])


# --------------------------------------------------------------------------- planted structure


def test_planted_topic_shares_are_realised(com):
    truth = cm.read_posts_truth()
    n = len(truth)
    observed = truth["topic"].value_counts(normalize=True)
    for code, topic in cm.TOPICS.items():
        se = np.sqrt(topic.share * (1 - topic.share) / n)
        assert abs(observed[code] - topic.share) < 4 * se, code


def test_posts_are_chinese_and_use_their_topic_keywords(com):
    truth = cm.read_posts_truth().set_index("post_id")
    posts = com.posts.set_index("post_id")
    hits = [any(k in posts.at[pid, "title"] + posts.at[pid, "text"] for k in cm.TOPICS[t].keywords)
            for pid, t in truth["topic"].items()]
    assert np.mean(hits) > 0.99
    assert posts["text"].str.contains(r"[\u4e00-\u9fff]").all()
    assert set(posts["post_type"]) == {"experience", "question", "suggestion"}
    assert set(posts["board"]) <= set(cm.BOARDS)


def test_adoptions_ship_in_friday_builds_after_the_post(com):
    lead = cm.adoption_lead_times(com)
    assert len(lead) > 50
    assert (lead["release_date"].dt.day_of_week == 4).all(), "developer builds ship on Fridays"
    assert (lead["lead_days"] >= 0).all()
    assert (lead["version"] == [cm.dev_build_version(d) for d in lead["release_date"]]).all()
    assert set(lead["version"]) <= set(com.releases["version"])
    types = lead["post_id"].map(com.posts.set_index("post_id")["post_type"])
    assert (types == "suggestion").all()
    assert cm.dev_build_version(pd.Timestamp("2013-05-17")) == "3.5.17"


def test_meetups_are_the_seeds_city_clubs_and_attendees_live_there(com):
    assert set(com.meetups["city"]) == {"济宁", "通辽", "北京", "惠州", "淄博"}
    att = com.attendance.merge(com.meetups, on="meetup_id").merge(com.members, on="member_id", suffixes=("", "_m"))
    assert (att["city"] == att["city_m"]).all()
    assert (att["join_date"] < att["date"]).all()
    assert (com.meetups["date"].dt.day_of_week == 5).all()


def test_one_vote_per_member_and_poll_and_shares_near_planted(com):
    assert not com.votes.duplicated(["poll_id", "member_id"]).any()
    results = cm.poll_results(com)
    for poll in cm.POLLS:
        got = results.loc[results["poll_id"] == poll["poll_id"]].set_index("option_id")
        for oid, (_, share) in poll["options"].items():
            assert got.at[oid, "ci low (%)"] <= 100 * share <= got.at[oid, "ci high (%)"], (poll["poll_id"], oid)


def test_reply_counts_match_the_replies_table(com):
    counts = com.replies["post_id"].value_counts()
    assert (com.posts.set_index("post_id")["replies"] == counts.reindex(com.posts["post_id"]).fillna(0)
            .astype(int).to_numpy()).all()
    assert (com.replies["timestamp"] >= com.replies["post_id"].map(com.posts.set_index("post_id")["timestamp"])).all()


# --------------------------------------------------------------------------- loading


def test_nicknames_are_pseudonymised_at_load(com):
    raw = pd.read_csv(DIR / "members.csv", encoding="gb18030", dtype=str)
    assert not set(raw["昵称"]) & set(com.members["nickname"])
    assert com.members["nickname"].str.startswith("name_").all()


def test_no_community_for_other_datasets():
    assert cm.load_community(None, "cdnow") is None


def _own_posts() -> pd.DataFrame:
    return pd.DataFrame({"主题ID": ["t1", "t2", "t3"], "作者ID": ["u1", "u2", "u1"],
                         "主题分类": ["体验", "求助", "建议"], "正文": ["电池很耐用", "信号不好怎么办？", "建议增加护眼模式"],
                         "时间": ["2024-01-05 10:00", "2024/2/6", "2024年3月7日 12:00"], "点赞": ["3", "0", "12"]})


def _own_members() -> pd.DataFrame:
    return pd.DataFrame({"UID": ["u1", "u2"], "客户编号": ["C001", ""], "用户名": ["张三丰", "李四光"],
                         "注册日期": ["2023-12-01", "2024-01-02"]})


@pytest.mark.parametrize("fmt", ["gb18030", "utf-8-sig", "xlsx", "parquet"])
def test_reads_a_users_own_export_in_every_format(tmp_path, fmt):
    files = {}
    for kind, frame in (("posts", _own_posts()), ("members", _own_members())):
        if fmt == "xlsx":
            path = tmp_path / f"{kind}.xlsx"
            frame.to_excel(path, index=False, sheet_name="导出")
        elif fmt == "parquet":
            path = tmp_path / f"{kind}.parquet"
            frame.to_parquet(path, index=False)
        else:
            path = tmp_path / f"{kind}.csv"
            frame.to_csv(path, index=False, encoding=fmt)
        files[kind] = path
    source = {"posts": {"file": files["posts"], "columns": {"post_id": "主题ID", "member_id": "作者ID"}},
              "members": {"file": files["members"], "columns": {"member_id": "UID"}}}
    c = cm.load_community(source, key=TEST_KEY)
    assert list(c.posts["post_type"]) == ["experience", "question", "suggestion"]
    assert list(c.posts["timestamp"].dt.strftime("%Y-%m-%d")) == ["2024-01-05", "2024-02-06", "2024-03-07"]
    assert list(c.posts["likes"]) == [3, 0, 12]
    assert c.members["customer_id"].isna().tolist() == [False, True]
    assert not {"张三丰", "李四光"} & set(c.members["nickname"])
    assert c.adoptions.empty and list(c.adoptions.columns) == list(cm.SCHEMA["adoptions"])
    eng = cm.engagement(pd.DataFrame({"customer_id": ["C001", "C002"]}), c)
    assert eng.set_index("customer_id").loc["C001", "posts"] == 2


def test_bad_date_names_file_column_and_row(tmp_path):
    posts = _own_posts()
    posts.loc[1, "时间"] = "上周三"
    path = tmp_path / "posts.csv"
    posts.to_csv(path, index=False, encoding="gb18030")
    with pytest.raises(DataError) as err:
        cm.read_community_table(path, "posts", {"post_id": "主题ID", "member_id": "作者ID"}, key=TEST_KEY)
    msg = str(err.value)
    assert "posts.csv" in msg and "时间" in msg and "row 2" in msg


def test_unknown_post_type_and_missing_column_are_data_errors(tmp_path):
    posts = _own_posts()
    posts.loc[2, "主题分类"] = "灌水"
    path = tmp_path / "posts.csv"
    posts.to_csv(path, index=False, encoding="utf-8")
    with pytest.raises(DataError, match="column '主题分类', row 3"):
        cm.read_community_table(path, "posts", {"post_id": "主题ID", "member_id": "作者ID"}, key=TEST_KEY)
    posts.drop(columns="作者ID").to_csv(path, index=False, encoding="utf-8")
    with pytest.raises(DataError, match="column 'member_id'"):
        cm.read_community_table(path, "posts", {"post_id": "主题ID"}, key=TEST_KEY)


def test_posts_of_unknown_members_are_a_data_error(tmp_path):
    members = _own_members().iloc[:1]
    (tmp_path / "m.csv").write_text(members.to_csv(index=False), encoding="utf-8")
    _own_posts().to_csv(tmp_path / "p.csv", index=False, encoding="utf-8")
    with pytest.raises(DataError, match="not in the members table"):
        cm.load_community({"posts": {"file": tmp_path / "p.csv", "columns": {"post_id": "主题ID", "member_id": "作者ID"}},
                           "members": {"file": tmp_path / "m.csv", "columns": {"member_id": "UID"}}}, key=TEST_KEY)


# --------------------------------------------------------------------------- analyses


def test_funnel_is_monotone_and_counts_customers(customers, com):
    eng = cm.engagement(customers, com)
    fun = cm.funnel(eng)
    assert fun["customers"].iloc[0] == len(customers)
    assert fun["customers"].is_monotonic_decreasing
    assert fun["customers"].iloc[1] == (customers["论坛会员"] == "是").sum()
    assert (eng.loc[eng["level"] == "adopted", "adopted"] > 0).all()
    assert (eng.loc[~eng["member"], "level"] == "non-member").all()
    assert ((eng["level"] == "member") == (eng["member"] & (eng["posts"] == 0))).all()


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=20, max_value=2000), st.floats(min_value=0.05, max_value=0.45))
def test_poll_winner_test_separates_clear_from_close_votes(n, gap):
    k1 = int(round(n * (0.5 + gap / 2)))
    polls = pd.DataFrame({"poll_id": ["X", "X"], "feature": ["f", "f"], "option_id": ["A", "B"], "option": ["a", "b"]})
    votes = pd.DataFrame({"poll_id": "X", "member_id": [f"m{i}" for i in range(n)],
                          "option_id": ["A"] * k1 + ["B"] * (n - k1)})
    c = cm.Community("t", False, {**{k: cm.empty_table(k) for k in cm.SCHEMA}, "polls": polls, "votes": votes}, [])
    w = cm.poll_winners(c).iloc[0]
    from scipy.stats import binomtest

    assert w["distinguishable"] == (binomtest(max(k1, n - k1), n, 0.5).pvalue < 0.05)
    assert w["ci low"] <= w["difference (points)"] <= w["ci high"]


def test_meetup_comparison_recovers_a_known_difference_in_differences():
    rng = np.random.default_rng(0)
    n = 4000
    attended = rng.random(n) < 0.2
    before = rng.poisson(np.where(attended, 2.0, 1.0))
    after = rng.poisson(np.where(attended, 2.0, 1.0)) + np.where(attended, 1, 0)  # true effect +1 order
    panel = pd.DataFrame({"meetup_id": "M", "customer_id": [str(i) for i in range(n)], "attended": attended,
                          "before": before, "after": after, "change": after - before})
    table = cm.meetup_effects(panel).set_index("comparison")
    did = table.loc["difference in differences 双重差分"]
    assert did["ci low"] < 1 < did["ci high"]
    naive = table.loc["naive difference after 参会后差异（未调整）"]
    assert naive["estimate"] > 1.5  # selection (attendees buy twice as often anyway) inflates it
    groups = cm.meetup_groups(panel).set_index("group")
    assert groups.iloc[0]["pairs"] == attended.sum()
    # reweighting on orders before makes the comparison's "before" match the attendees'
    assert abs(groups.iloc[2]["before"] - groups.iloc[0]["before"]) < abs(groups.iloc[1]["before"]
                                                                        - groups.iloc[0]["before"])


def test_meetup_panel_counts_orders_in_the_windows(com):
    members = com.members.loc[com.members["customer_id"].notna()]
    meet = com.meetups.iloc[5]
    d = meet["date"]
    cid = members.loc[(members["city"] == meet["city"]) & (members["join_date"] < d), "customer_id"].iloc[0]
    tx = pd.DataFrame({"customer_id": [cid] * 4, "order_id": ["a", "b", "c", "d"],
                       "timestamp": [d - pd.Timedelta(days=400), d - pd.Timedelta(days=10), d + pd.Timedelta(days=1),
                                     d + pd.Timedelta(days=500)]})
    panel = cm.meetup_panel(com, tx, window_days=180)
    row = panel.loc[(panel["meetup_id"] == meet["meetup_id"]) & (panel["customer_id"] == cid)]
    assert len(row) == 1
    assert int(row["before"].iloc[0]) == 1 and int(row["after"].iloc[0]) == 1
    assert set(panel["customer_id"]) == {cid}


def test_value_by_engagement_intervals_and_unmatched():
    eng = pd.DataFrame({"customer_id": list("abcdef"), "level": pd.Categorical(
        ["member", "member", "poster", "poster", "poster", "member"], categories=list(cm.ENGAGEMENT_LEVELS))})
    value = pd.DataFrame({"customer_id": list("abcde"), "clv": [1.0, 3.0, 10.0, 12.0, 14.0], "p_alive": 0.5})
    table = cm.value_by_engagement(eng, value).set_index("level")
    assert table.loc["poster", "mean clv"] == 12.0 and table.loc["member", "customers"] == 2
    assert (table["ci low"] <= table["mean clv"]).all() and (table["mean clv"] <= table["ci high"]).all()
    assert table.attrs["unmatched"] == 1


def test_adoption_summary_lead_time_quantiles(com):
    summary = cm.adoption_summary(com).set_index("measure")["value"]
    lead = cm.adoption_lead_times(com)["lead_days"]
    assert summary["lead time, median (days)"] == lead.median()
    assert summary["adopted 被采纳"] == len(com.adoptions)


def test_command_line_runs_as_a_module():
    done = subprocess.run([sys.executable, "-m", "helpers.community", "--help"], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0 and "--customers" in done.stdout and "SIMULATED" in done.stdout
