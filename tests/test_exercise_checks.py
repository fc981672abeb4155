"""Every exercise check (helpers.exercises.check): right for the worked answer, "not yet" for a wrong one and a
blank, never the expected value in its output; the write-it-yourself checks name the typical slips.

The data are small real-shaped tables built here (lines, customers, a survey table, coded posts in DuckDB, a
BG/NBD fit on 300 simulated customers, a topic model on 60 Chinese posts); one module-scoped fixture builds them.
"""

from __future__ import annotations

import math
import re

import duckdb
import numpy as np
import pandas as pd
import pytest

from helpers import clv, exercises, segment, teaching, topics


def _renderings(x) -> set[str]:
    """A number as a report or a message might print it: rounded, percent, with separators."""
    x = float(x)
    forms = {f"{x:.2f}", f"{x:.3f}", f"{x:.4f}", f"{x:.1%}", f"{x:.2%}", f"{x:,.2f}", f"{x * 100:.1f}", f"{x:g}",
             f"{x:,.0f}", repr(x)}
    if x.is_integer():
        forms |= {f"{int(x)}", f"{int(x):,}"}
    return {f for f in forms if len(f.replace(",", "").replace(".", "").replace("%", "")) >= 3}


def _values(expected) -> set[str]:
    """Every rendering of every value of an expected answer (number, text, set, tuple, Series, DataFrame)."""
    if expected is None:
        return set()
    if isinstance(expected, (pd.Series, pd.DataFrame)):
        flat = np.ravel(expected.to_numpy())
    elif isinstance(expected, (set, frozenset, list, tuple, np.ndarray)):
        flat = np.concatenate([np.ravel(np.asarray(v, dtype=object)) for v in expected]) if len(expected) else []
    else:
        flat = [expected]
    out: set[str] = set()
    for v in flat:
        if isinstance(v, (bool, np.bool_)):
            continue
        if isinstance(v, (int, float, np.number)) and math.isfinite(float(v)):
            out |= _renderings(v)
        elif isinstance(v, str) and len(v) >= 3:
            out.add(v)
    return out


@pytest.fixture(scope="module")
def data() -> dict:
    rng = np.random.default_rng(7)
    n = 60
    ids = [f"C{i:04d}" for i in range(n)]
    days = pd.Timestamp("2024-01-03") + pd.to_timedelta(rng.integers(0, 120, 400), unit="D")
    lines = pd.DataFrame({"customer_id": rng.choice(ids, 400), "timestamp": days + pd.to_timedelta(
        rng.integers(8, 20, 400), unit="h"), "amount": rng.choice([99.0, 199.0, 1999.0, 49.5], 400),
        "channel": rng.choice(["online_mall", "offline_store", "carrier"], 400)})
    lines = pd.concat([lines, lines.iloc[:5].assign(timestamp=lines["timestamp"].iloc[:5] + pd.Timedelta("1h"))])
    summary = clv.rfm_summary(lines, time_unit="D", time_scaler=7)
    customers = summary[["customer_id"]].assign(
        revenue=lines.groupby("customer_id")["amount"].sum().reindex(summary["customer_id"]).to_numpy(),
        clv=rng.gamma(2.0, 300.0, len(summary)), p_alive=rng.uniform(0, 1, len(summary)),
        n_categories=rng.integers(1, 4, len(summary)))
    customers["abc_class"] = segment.abc_classes(customers, "revenue")["abc_class"]
    customers["rfm_segment"] = ["champions"] * 10 + ["loyal"] * (len(customers) - 10)
    customers["value_need_quadrant"] = segment.value_need_matrix(customers, need_col="n_categories")["quadrant"]
    rfm = segment.rfm_table(clv.rfm_summary(lines, monetary_value_col="amount", include_first_transaction=True))
    # BG/NBD on 300 simulated customers (weeks)
    T = rng.uniform(20, 52, 300)
    x = rng.poisson(2.0, 300) * (rng.uniform(size=300) < 0.7)
    t_x = np.where(x > 0, T * rng.uniform(0.2, 1.0, 300), 0.0)
    split = pd.DataFrame({"customer_id": [f"B{i}" for i in range(300)], "frequency": x.astype(float),
                          "recency": t_x, "T": T})
    bg = clv.BetaGeo().fit(split)
    words = ["电池", "续航", "耗电", "屏幕", "发热", "价格", "贵", "快递", "物流", "客服", "系统", "更新", "相机", "拍照"]
    posts = pd.DataFrame({"post_id": [f"P{i}" for i in range(60)], "title": ["反馈"] * 60,
                          "text": ["，".join(rng.choice(words, 6)) for _ in range(60)],
                          "board": rng.choice(["建议反馈", "玩机交流"], 60),
                          "customer_id": rng.choice(ids[:30] + [None], 60)})
    model, assigned = topics.fit_post_topics(posts, n_topics=2)
    coded = posts[["post_id", "customer_id"]].assign(kind=rng.choice(list("NSCP"), 60),
                                                     category=rng.choice(["01", "06"], 60),
                                                     category_zh=rng.choice(["续航", "价格"], 60))
    con = duckdb.connect()
    con.register("coded_df", coded)
    con.execute("CREATE TABLE posts_coded AS SELECT * FROM coded_df")
    profile = customers[["customer_id", "rfm_segment", "clv", "p_alive", "revenue"]].assign(frequency=1.0)
    con.register("profile_df", profile)
    con.execute("CREATE TABLE customer_profile AS SELECT * FROM profile_df")
    con.execute("CREATE VIEW customer_feedback AS SELECT customer_id, kind, category, category_zh, count(*) AS posts "
                "FROM posts_coded WHERE customer_id IS NOT NULL GROUP BY ALL")
    statements = pd.DataFrame({"item": ["s6_no_incentive_hurts", "s1"], "count": [76.0, 31.0], "n": [100.0, 97.0]})
    low, high = teaching_wilson = exercises.wilson_task(statements).expected
    statements = statements.assign(ci_low=low, ci_high=high)
    del teaching_wilson
    responses = pd.DataFrame({"role": rng.choice(["counter_sales", "employee"], 80),
                              "incentive_pref": rng.choice(["material", "career", "recognition"], 80)})
    tests = pd.DataFrame({"item": ["incentive_pref"], "grouping": ["role"], "p_holm": [0.0123]})
    engagement = pd.DataFrame({"posts": rng.integers(0, 4, 70), "suggestions": rng.integers(0, 2, 70)})
    effects = pd.DataFrame({"comparison": ["difference in differences 双重差分"], "ci low": [0.123], "ci high": [0.789]})
    track = pd.DataFrame({"period": ["holdout"] * 3, "model_incremental": [1.0, 2.0, 3.0],
                          "actual_incremental": [1.5, 2.5, 3.5]})
    provenance = pd.DataFrame({"file": ["raw/online_mall_orders.csv"], "encoding": ["gb18030"]})
    quarantine = pd.DataFrame({"reason": ["cancelled"] * 123 + ["duplicate"] * 4})
    scores = customers[["customer_id", "clv", "p_alive"]]
    return {"lines": lines, "customers": customers, "rfm": rfm, "split": split, "bg": bg, "posts": posts,
            "model": model, "assigned": assigned, "coded": coded, "con": con, "statements": statements,
            "responses": responses, "tests": tests, "engagement": engagement, "effects": effects, "track": track,
            "provenance": provenance, "quarantine": quarantine, "scores": scores}


def _cases(d: dict) -> dict:
    """Exercise → (data keywords, the expected answers, a wrong answer for each, the worked answers)."""
    c, e = d["customers"], exercises
    return {
        "01.1": ({"provenance": d["provenance"]}, [e.source_encoding(d["provenance"])], ["utf-8"], ["gb18030"]),
        "01.2": ({"transactions": d["lines"]}, [e.channel_line_share(d["lines"])], [0.9],
                 [(d["lines"]["channel"] == "online_mall").mean()]),
        "02.1": ({"quarantine": d["quarantine"]}, [123], [127], [123]),
        "02.2": ({"clean": d["lines"]}, [e.channel_revenue_share(d["lines"])], [0.99, True],
                 [e.channel_revenue_share(d["lines"]), e.channel_majority(d["lines"])]),
        "03.1": ({"scores": d["scores"]}, [e.p_alive_of_top_clv(d["scores"])], [2.0],
                 [d["scores"].sort_values("clv")["p_alive"].iloc[-1]]),
        "03.2": ({"scores": d["scores"]}, [e.n_below(d["scores"])], [1000], [int((d["scores"]["p_alive"] < .5).sum())]),
        "03.3": ({"track": d["track"]}, ["fewer"], ["more"], ["fewer"]),
        "04.1": ({"customers": c}, [e.abc_revenue_share(c), *e.abc_class_ids(c)], [{"nobody"}, 0.01],
                 [e.abc_class_ids(c), e.abc_revenue_share(c)]),
        "04.2": ({"customers": c}, [e.best_segment_by_clv(c)], ["champions"], [e.best_segment_by_clv(c)]),
        "04.3": ({"customers": c}, [e.quadrant_size(c)], [10_000], [e.quadrant_size(c)]),
        "05.1": ({"statements": d["statements"]}, [e.statement_bound(d["statements"], "s6_no_incentive_hurts")],
                 [0.9, False], [e.statement_bound(d["statements"], "s6_no_incentive_hurts"), True]),
        "05.2": ({"responses": d["responses"]},
                 [e.group_choice_share(d["responses"], "incentive_pref", "material", "role", "counter_sales")], [1.5],
                 [e.group_choice_share(d["responses"], "incentive_pref", "material", "role", "counter_sales")]),
        "05.3": ({"tests": d["tests"]}, [0.0123], [False], [True]),
        "06.1": ({"posts": d["posts"], "assigned": d["assigned"]},
                 [e.largest_topic_on_board(d["posts"], d["assigned"])], [99],
                 [e.largest_topic_on_board(d["posts"], d["assigned"])]),
        "06.2": ({"engagement": d["engagement"]}, [e.step_share(d["engagement"])], [3.0],
                 [e.step_share(d["engagement"])]),
        "06.3": ({"effects": d["effects"]}, [0.123, 0.789], [False], [True]),
        "07.1": ({"posts_coded": d["coded"]}, [e.kind_share(d["coded"])], [0.999], [e.kind_share(d["coded"])]),
        "07.2": ({"con": d["con"], "segment_by": "rfm_segment"}, [e.segment_top_complaint(d["con"])], ["物流"],
                 [e.segment_top_complaint(d["con"])]),
    }


def _tasks(d: dict) -> dict:
    """Write-it-yourself exercise → (data keywords, its Task)."""
    c, e = d["customers"], exercises
    return {
        "02.3": ({"clean": d["lines"]}, [e.weekly_revenue_task(d["lines"])]),
        "03.4": ({"transactions": d["lines"], "period_days": 7}, [e.summary_task(d["lines"], 7)]),
        "03.5": ({"split": d["split"], "model": d["bg"]},
                 [e.bgnbd_loglik_task(d["split"], d["bg"]), e.bgnbd_fit_task(d["split"], d["bg"])]),
        "04.4": ({"customers": c, "need_col": "n_categories"}, [e.value_need_task(c, "n_categories")]),
        "04.5": ({"customers": c, "cutoffs": (0.8, 0.95)}, [e.abc_task(c, (0.8, 0.95))]),
        "04.6": ({"rfm": d["rfm"], "q": 5}, [e.rfm_task(d["rfm"], 5)]),
        "05.4": ({"statements": d["statements"]}, [e.wilson_task(d["statements"])]),
        "06.4": ({"model": d["model"], "posts": d["posts"]}, [e.tfidf_task(d["model"], d["posts"])]),
        "07.3": ({"con": d["con"], "segment_by": "rfm_segment"}, [e.complaint_task(d["con"], "rfm_segment")]),
    }


def _shown(result: teaching.CheckResult, out: str) -> str:
    return repr(result) + result._repr_markdown_() + out


def test_every_exercise_has_a_check_here():
    assert set(exercises.CHECKS) == {"01.1", "01.2", "02.1", "02.2", "02.3", "03.1", "03.2", "03.3", "03.4", "03.5",
                                     "04.1", "04.2", "04.3", "04.4", "04.5", "04.6", "05.1", "05.2", "05.3", "05.4",
                                     "06.1", "06.2", "06.3", "06.4", "07.1", "07.2", "07.3"}


def test_value_checks_say_right_not_yet_blank_and_never_show_the_answer(data, capsys):
    cases = _cases(data)
    for ex in set(exercises.CHECKS) & set(cases):
        kw, expected, wrong, worked = cases[ex]
        assert exercises.check(ex, *worked, **kw).status == "right", ex
        hidden = set().union(*(_values(v) for v in expected))
        for answers, status in ((wrong, "not_yet"), ([None] * len(wrong), "blank")):
            result = exercises.check(ex, *answers, **kw)
            shown = _shown(result, capsys.readouterr().out)
            assert result.status == status, (ex, answers, shown)
            leaked = sorted(h for h in hidden if h in shown)
            assert not leaked, f"{ex}: the check shows {leaked}: {shown}"
        assert exercises.check(ex, *wrong, **{k: None for k in kw}).status == "n/a"


def _wrong(task: teaching.Task):
    """A function returning something of the expected kind, but wrong."""
    expected = task.expected
    if isinstance(expected, pd.DataFrame):
        return lambda *a, **k: expected.iloc[::-1].set_axis(expected.index) * 0 + 1
    if isinstance(expected, pd.Series):
        return lambda *a, **k: expected.iloc[::-1].set_axis(expected.index) if expected.nunique() > 1 else expected + "x"
    if isinstance(expected, tuple):
        return lambda *a, **k: tuple(np.asarray(v) * 0.5 + 0.01 for v in expected)
    if isinstance(expected, list):
        return lambda *a, **k: ["不对"] * len(expected)
    return lambda *a, **k: expected * 3 + 1


def test_function_checks_run_the_students_function_and_never_show_the_answer(data, capsys):
    for ex, (kw, tasks) in _tasks(data).items():
        hidden = set().union(*(_values(t.expected) for t in tasks))
        right = [lambda *a, t=t, **k: t.expected for t in tasks]
        assert exercises.check(ex, *right, **kw).status == "right", ex
        broken = [lambda *a, **k: 1 / 0] * len(tasks)
        for answers, status in (([_wrong(t) for t in tasks], "not_yet"), (broken, "not_yet"),
                                ([None] * len(tasks), "blank"), ([lambda *a, **k: None] * len(tasks), "blank"),
                                ([lambda *a, **k: (_ for _ in ()).throw(NotImplementedError)] * len(tasks), "blank")):
            result = exercises.check(ex, *answers, **kw)
            shown = _shown(result, capsys.readouterr().out)
            assert result.status == status, (ex, status, shown)
            leaked = sorted(h for h in hidden if h in shown)
            assert not leaked, f"{ex}: the check shows {leaked}: {shown}"
        for task in tasks:  # every typical slip is recognised, with its own hint, and shows nothing either
            for i, mistake in enumerate(task.mistakes):
                if any(teaching.same(mistake.value, other, rtol=task.rtol, atol=task.atol)
                       for other in [task.expected, *(m.value for m in task.mistakes[:i])]):
                    continue  # this data set cannot tell the slip apart (e.g. no tie at a cut-off)
                got = teaching.check_function(ex, lambda *a, m=mistake, **k: m.value, task)
                assert got.status == "not_yet" and mistake.hint in repr(got), (ex, mistake.hint)
                assert not sorted(h for h in hidden if h in repr(got)), (ex, mistake.hint)


def test_typical_slips_are_told_apart(data):
    """The wrong variants really differ from the right answer on data that has the trap (ties, one-time buyers)."""
    c = data["customers"].assign(revenue=[100.0] * 10 + [1.0] * (len(data["customers"]) - 10))
    abc = exercises.abc_task(c, (0.8, 0.95))
    assert not teaching.same(abc.mistakes[1].value, abc.expected)  # ties split by row order
    rfm = exercises.rfm_task(data["rfm"], 5)
    assert not teaching.same(rfm.mistakes[0].value, rfm.expected)  # rank "first"
    summary = exercises.summary_task(data["lines"], 7)
    assert all(not teaching.same(m.value, summary.expected) for m in summary.mistakes)
    loglik = exercises.bgnbd_loglik_task(data["split"], data["bg"])
    assert loglik.expected == pytest.approx(data["bg"].log_likelihood_, rel=1e-9)
    assert exercises.bgnbd_log_likelihood(data["bg"].params_, *(data["split"][k] for k in ("frequency", "recency",
                                                                                          "T"))) == \
        pytest.approx(loglik.expected, rel=1e-9)


def test_check_cells_show_no_expression_that_gives_the_answer():
    """Check cells are one call of exercises.check with names of the notebook's data: no helper that returns
    an expected value (exercises.abc_revenue_share(...) …) appears in a student-visible cell."""
    import nbformat

    from helpers.notebooks import find_notebooks
    from helpers.paths import NOTEBOOKS

    answer_functions = set(exercises.__all__) - {"check", "CHECKS"}
    for path in find_notebooks(NOTEBOOKS):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code" and "check" in cell.metadata.get("tags", []):
                assert cell.source.startswith("exercises.check("), (path.name, cell.source)
                used = set(re.findall(r"exercises\.(\w+)", cell.source))
                assert not used & answer_functions, (path.name, used & answer_functions)


def test_autograde_mode_raises_on_a_wrong_answer(data, monkeypatch):
    monkeypatch.setenv(teaching.AUTOGRADE_ENV, "1")
    with pytest.raises(AssertionError, match="Not yet"):
        exercises.check("02.1", 127, quarantine=data["quarantine"])
    assert exercises.check("02.1", 123, quarantine=data["quarantine"]).right


def test_checks_speak_chinese_in_the_chinese_editions(data):
    """Under lang = "zh" (strict: a missing catalog entry raises) every message and hint is Chinese."""
    from helpers import i18n

    before = i18n.get_language()
    i18n.set_language("zh", strict=True)
    try:
        for ex, (kw, expected, wrong, worked) in _cases(data).items():
            for answers in (wrong, [None] * len(wrong)):
                shown = repr(exercises.check(ex, *answers, **kw))
                assert re.search(r"[\u4e00-\u9fff]{4}", shown.split("—", 1)[-1]), (ex, shown)
        for ex, (kw, tasks) in _tasks(data).items():
            for task in tasks:
                for mistake in task.mistakes:
                    assert re.search(r"[\u4e00-\u9fff]", i18n.tr(mistake.hint)), mistake.hint
            for answers in ([_wrong(t) for t in tasks], [None] * len(tasks), [lambda *a, **k: 1 / 0] * len(tasks)):
                shown = repr(exercises.check(ex, *answers, **kw))
                assert "Hint" not in shown or re.search(r"提示: .*[\u4e00-\u9fff]", shown), (ex, shown)
    finally:
        i18n.set_language(before, strict=False)


def test_a_log_too_large_for_pandas_is_not_judged(data, tmp_path):
    from helpers.largelog import ParquetLog

    data["lines"].to_parquet(tmp_path / "lines.parquet", index=False)
    log = ParquetLog.open(tmp_path / "lines.parquet")
    assert exercises.check("02.3", lambda lines: None, clean=log).status == "n/a"
    assert exercises.check("03.4", lambda tx, days: None, transactions=log, period_days=7).status == "n/a"


def test_a_large_table_is_checked_on_a_seeded_sample_of_customers(data, monkeypatch):
    """Above CHECK_CUSTOMERS the write-it-yourself checks run the student's function on a seeded sample of customers
    (whole histories for lines; the reference fit redone on the same customers): a right function is still right, a
    wrong one still caught, and the function sees only the sample."""
    from helpers.exercises import tasks as t

    monkeypatch.setattr(t, "CHECK_CUSTOMERS", 40)
    seen = []

    def rfm_scores(rfm, q):
        seen.append(len(rfm))
        return segment.rfm_scores(rfm, q)[["r_score", "f_score", "m_score"]].set_axis(rfm.index)

    assert len(data["rfm"]) > 40 and exercises.check("04.6", rfm_scores, rfm=data["rfm"], q=5).status == "right"
    assert seen == [40]
    assert exercises.check("04.6", lambda rfm, q: rfm_scores(rfm, q) * 0 + 1, rfm=data["rfm"], q=5).status == "not_yet"
    lines = t.checked_lines(data["lines"])
    assert lines["customer_id"].nunique() == 40 and t.checked_lines(data["lines"]).equals(lines)  # seeded
    whole = data["lines"].loc[data["lines"]["customer_id"].isin(set(lines["customer_id"]))]
    assert len(whole) == len(lines)  # every line of each sampled customer
    fits = []

    def fit(x, tx, T):
        fits.append(len(x))
        return tuple(clv.BetaGeo().fit(pd.DataFrame({"frequency": x, "recency": tx, "T": T})).params_)

    loglik = exercises.bgnbd_log_likelihood
    assert exercises.check("03.5", loglik, fit, split=data["split"], model=data["bg"]).status == "right"
    assert fits == [40]
