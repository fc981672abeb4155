"""Tests for the executive summary: :mod:`helpers.report.summary` and :mod:`helpers.report.findings`.

Small tables shaped like the concept packages' results; where a finding states a direction or a
rank, a second table flips it and the sentence must change with it.
"""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import i18n
from helpers.report import Finding, data_facts, findings, render, stored_facts
from helpers.report.summary import WORDS


@pytest.fixture
def zh():
    i18n.set_language("zh", strict=True)
    yield
    i18n.set_language("en")


def _texts(found: list[Finding]) -> str:
    return "\n".join(f.text() for f in found)


def _accounting(kept: int, cancelled: int, duplicate: int) -> pd.DataFrame:
    read = kept + cancelled + duplicate
    return pd.DataFrame({"step": ["rows in", "kept (clean)", "quarantined: duplicate", "quarantined: cancelled",
                                  "quarantined (total)", "difference (must be 0)"],
                         "rows": [read, kept, duplicate, cancelled, cancelled + duplicate, 0]})


def test_cleaning_findings_name_the_largest_reason_and_channel_and_follow_the_data():
    revenue = pd.DataFrame({"channel": ["online_mall", "offline_store"], "revenue": [700.0, 300.0]})
    extreme = pd.DataFrame({"total": [75981.0, 61557.0]})
    text = _texts(findings.cleaning_findings(_accounting(880, 90, 30), revenue, extreme, "CNY"))
    assert "880 of 1,000 rows kept (88.0%)" in text
    assert "The largest quarantine reason is cancelled: 90 rows (9.0% of rows read)" in text
    assert "2 extreme order(s) flagged for a decision, the largest 75,981 CNY" in text
    assert "online_mall brings the most revenue: 70%, above half" in text
    flipped = pd.DataFrame({"channel": ["online_mall", "offline_store"], "revenue": [200.0, 300.0]})
    text = _texts(findings.cleaning_findings(_accounting(880, 10, 110), flipped, extreme.iloc[:0], "CNY"))
    assert "The largest quarantine reason is duplicate: 110 rows" in text
    assert "offline_store brings the most revenue: 60%, above half" in text
    assert "No extreme order flagged." in text
    even = pd.DataFrame({"channel": ["a", "b", "c"], "revenue": [40.0, 35.0, 25.0]})
    assert "a brings the most revenue: 40%, below half" in _texts(findings.cleaning_findings(
        _accounting(880, 90, 30), even))


def _scores(clv: list[float], p_alive: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"customer_id": [str(i) for i in range(len(clv))], "clv": clv, "p_alive": p_alive})


def test_clv_findings_concentration_majority_and_holdout_direction_flip():
    scores = _scores([1000.0] + [10.0] * 9, [0.9] * 3 + [0.2] * 7)
    text = _texts(findings.clv_findings(scores, actual=100.0, predicted=120.0, currency="CNY"))
    assert "Expected value of the 10 customers: 1,090 CNY (mean 109.00, median 10.00)" in text
    assert "The top 10% of customers (1) hold 92% of the total CLV, 9.2 times their head-count share" in text
    assert "70% of customers are more likely gone than active (P(alive) < 0.5): a majority of customers" in text
    assert "BG/NBD predicted more repeat purchases than observed: 120 vs 100 (+20.0%)" in text
    flipped = _scores([10.0] * 10, [0.9] * 8 + [0.2] * 2)
    text = _texts(findings.clv_findings(flipped, actual=100.0, predicted=80.0))
    assert "hold 10% of the total CLV, 1.0 times" in text
    assert "20% of customers are more likely gone than active (P(alive) < 0.5): a minority of customers" in text
    assert "BG/NBD predicted fewer repeat purchases than observed: 80 vs 100 (-20.0%)" in text


def _metrics(model_mae: float, naive_mae: float) -> pd.DataFrame:
    """A holdout scorecard's metrics (helpers.clv.Scorecard.metrics): all customers and one frequency group."""
    return pd.DataFrame({"forecast": ["BG/NBD", "BG/NBD", "naive: past rate", "naive: past rate"],
                         "group": ["all", "0", "all", "0"], "customers": [500, 300, 500, 300],
                         "mae": [model_mae, 0.1, naive_mae, 0.05]})


def test_scorecard_finding_says_beats_only_when_the_error_is_lower_as_shown():
    text = _texts(findings.scorecard_findings(_metrics(0.8, 1.0)))
    assert ("On the holdout, BG/NBD beats the naive past-rate forecast of each customer's purchases: a mean absolute "
            "error of 0.800 against 1.000 purchases per customer (-20%, 500 customers).") in text
    assert "BG/NBD does not beat the naive past-rate forecast" in _texts(findings.scorecard_findings(_metrics(1.1, 1.0)))
    assert "(+10%, 500 customers)" in _texts(findings.scorecard_findings(_metrics(1.1, 1.0)))
    assert "BG/NBD ties with the naive" in _texts(findings.scorecard_findings(_metrics(1.0001, 1.0)))  # 1.000 = 1.000
    with pytest.raises(KeyError, match="Pareto/NBD"):
        findings.scorecard_findings(_metrics(0.8, 1.0), model="Pareto/NBD")


def _profile(rows: list[tuple[str, int, float]]) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=["segment", "customers", "revenue_share"])
    table["share"] = table["customers"] / table["customers"].sum()
    return table


def _abc(a_customers: int, total: int, a_value: float) -> pd.DataFrame:
    return pd.DataFrame({"class": ["A", "B", "C"], "customers": [a_customers, 1, total - a_customers - 1],
                         "customer_share": [a_customers / total, 1 / total, (total - a_customers - 1) / total],
                         "value_share": [a_value, 0.1, 0.9 - a_value]})


def test_segmentation_findings_rank_segments_and_call_class_a_a_minority_or_majority():
    profile = _profile([("champions", 100, 0.6), ("hibernating", 600, 0.1), ("loyal", 300, 0.3)])
    clusters = pd.DataFrame({"name": ["high value", "low value"], "share": [0.2, 0.8], "revenue_share": [0.7, 0.3]})
    text = _texts(findings.segmentation_findings(profile, _abc(200, 1000, 0.8), clusters))
    assert "The segment with the most revenue is champions: 60% of revenue from 10% of customers (100)" in text
    assert "Class A is a minority of customers (20%, 200) and brings 80% of revenue" in text
    assert "The largest segment by head-count, hibernating (60% of customers), brings 10% of revenue" in text
    assert "k-means found 2 clusters; high value brings the most revenue (70%) from 20% of customers" in text
    text = _texts(findings.segmentation_findings(_profile([("loyal", 600, 0.7), ("new", 400, 0.3)]),
                                                 _abc(540, 1000, 0.8)))
    assert "Class A is a majority of customers (54%, 540)" in text
    assert "largest segment by head-count" not in text  # loyal leads both ways: said once


def test_survey_findings_name_the_weakest_and_strongest_statement_with_intervals():
    statements = pd.DataFrame({"text": ["Incentives are enough", "Knowledge is shared", "Unanswered"],
                               "share": [0.31, 0.78, None], "ci_low": [0.23, 0.69, None],
                               "ci_high": [0.41, 0.85, None]})
    likert = pd.DataFrame({"label": ["I share", "I apply"], "agree_share": [0.62, 0.44]})
    text = _texts(findings.survey_findings(statements, likert, 100))
    assert "100 respondents answered." in text
    assert "The weakest statement: Incentives are enough (31% yes, 95% interval 23%–41%)" in text
    assert "The strongest statement: Knowledge is shared (78% yes, 95% interval 69%–85%)" in text
    assert "Likert agreement ranges from 44% (I apply) to 62% (I share)" in text


def _activity(posts: list[int], members: list[int]) -> pd.DataFrame:
    months = pd.date_range("2024-01-01", periods=len(posts), freq="MS")
    return pd.concat([pd.DataFrame({"month": months, "series": "question", "count": posts}),
                      pd.DataFrame({"month": months, "series": "new members", "count": members})])


def test_community_findings_trend_words_follow_the_months():
    funnel = pd.DataFrame({"stage": ["customers", "forum members", "posters", "suggesters", "adopted suggesters"],
                           "customers": [1000, 400, 200, 50, 10]})
    text = _texts(findings.community_findings(funnel, _activity([10, 12, 30, 40], [50, 40, 20, 5])))
    assert "400 of 1,000 customers are forum members (40%); 200 have posted" in text
    assert "10 of 50 suggesters had a suggestion adopted (20%)" in text
    assert "Posts per month grew from 10 in the first 1 month(s) to 40 in the last 1" in text
    assert "New members per month fell from 50 in the first 1 month(s) to 5 in the last 1" in text
    text = _texts(findings.community_findings(funnel, _activity([40, 30, 12, 10], [5, 20, 40, 50])))
    assert "Posts per month fell from 40" in text and "New members per month grew from 5" in text


def test_knowledge_and_customer_findings():
    posts = pd.DataFrame({"kind": ["C", "S", "C", "Q"]})
    metrics = pd.DataFrame({"segment": ["all", "champions", "at risk"], "customers": [30, 10, 20],
                            "complaint_share": [0.3, 0.1, 0.5]})
    actions = pd.DataFrame({"segment": ["champions", "at risk", "at risk"], "rule": ["R0", "R2", "R3"]})
    text = _texts(findings.knowledge_findings(posts, metrics, actions))
    assert "4 posts coded; 50% are complaints." in text
    assert "The knowledge base profiles 30 customers in 2 segments." in text
    assert "at risk complains most: 50% of its posts are complaints." in text
    assert "1 of 2 segments trigger a specific action" in text
    row = {"orders": 3, "revenue": 1234.5, "clv": 456.78, "p_alive": 0.31, "rfm_segment": "at risk"}
    orders = pd.DataFrame({"timestamp": ["2024-01-05", "2024-03-01", "2023-12-30"]})
    text = _texts(findings.customer_findings(row, orders, "CNY"))
    assert "3 orders, 1,234.50 CNY spent, from 2023-12-30 to 2024-03-01." in text
    assert "P(alive) 31%: below the 50% line." in text
    assert "P(alive) 80%: above the 50% line." in _texts(findings.customer_findings({**row, "p_alive": 0.8}, orders))
    summary = pd.DataFrame({"all": [30, 100.0, 0.3], "at risk": [20, 60.0, 0.5]},
                           index=["customers", "mean_clv", "complaint_share"])
    text = _texts(findings.segment_report_findings(summary, "at risk"))
    assert "at risk: 20 customers, 67% of all." in text
    assert "Mean CLV 60.00, below the 100.00 of all customers." in text
    assert "Complaint share 50%, above the 30% of all customers." in text


def test_data_facts_and_render_give_label_period_and_funnel():
    lines = pd.DataFrame({"customer_id": ["a", "b", "a"], "timestamp": pd.to_datetime(["2024-01-02 09:00", "2024-05-31 10:00", "2024-03-01 12:00"])})
    meta = {"label": "Xiaomi-like CRM export (SIMULATED · 模拟数据)", "simulated": True, "currency": "CNY"}
    facts = data_facts(meta, read=5, kept=3, lines=lines, modelled=2)
    assert facts["kind"] == "SIMULATED" and str(facts["first"]) == "2024-01-02" and str(facts["last"]) == "2024-05-31"
    assert facts["funnel"] == [("rows read", 5), ("rows kept", 3), ("customers with a purchase", 2),
                               ("customers modelled", 2)]
    md = render([Finding("{n:,} respondents answered.", {"n": 1200})], facts)
    assert md.startswith("**Data:** Xiaomi-like CRM export (SIMULATED · 模拟数据). **Period:** 2024-01-02 – 2024-05-31.")
    assert "rows read 5 → rows kept 3 → customers with a purchase 2 → customers modelled 2" in md
    assert "- 1,200 respondents answered." in md
    own = data_facts({"label": "my_orders.csv", "simulated": False})
    assert own["kind"] == "own data" and "my_orders.csv (own data)" in render([], own)
    assert data_facts({"label": "CDNOW sample (real data, Fader & Hardie)"})["kind"] == "real data"


def test_stored_facts_refuse_a_dataset_that_was_not_cleaned(tmp_path, monkeypatch):
    from helpers.errors import DataError
    monkeypatch.setenv("CRM_PROCESSED_DIR", str(tmp_path))
    with pytest.raises(DataError, match="has not been cleaned"):
        stored_facts("no_such_dataset_here")


def test_summary_is_chinese_in_the_chinese_set(zh):
    facts = data_facts({"label": "my_orders.csv"}, read=10, kept=8)
    revenue = pd.DataFrame({"channel": ["online_mall", "offline_store"], "revenue": [200.0, 300.0]})
    md = render(findings.cleaning_findings(_accounting(880, 90, 30), revenue), facts)
    assert "**数据：** my_orders.csv（自有数据）" in md
    assert "读取行数 10 → 保留行数 8" in md
    # issue 17: reasons and channels in Chinese, with the code that finds their rows in the CSV
    assert "最主要的隔离原因是 已取消订单 (cancelled)：90 行" in md
    assert "线下门店 (offline_store) 贡献的收入最多：60%，高于一半" in md
    assert "BG/NBD 优于朴素的历史速率预测" in _texts(findings.scorecard_findings(_metrics(0.8, 1.0)))
    for words in WORDS.values():
        assert all(i18n.tr(w) != w for w in words)


def test_direction_words_compare_the_numbers_as_shown():
    """23% against 23% is not "above", even when the unrounded shares differ."""
    summary = pd.DataFrame({"all": [100, 50.0, 0.228], "champions": [10, 50.004, 0.231]},
                           index=["customers", "mean_clv", "complaint_share"])
    text = _texts(findings.segment_report_findings(summary, "champions"))
    assert "Complaint share 23%, equal to the 23% of all customers." in text
    assert "Mean CLV 50.00, equal to the 50.00 of all customers." in text
    scores = _scores([10.0] * 4, [0.2, 0.2, 0.9, 0.9])
    assert "50% of customers are more likely gone than active (P(alive) < 0.5): exactly half" in _texts(
        findings.clv_findings(scores))


def test_names_in_findings_follow_the_language(zh):
    likert = pd.DataFrame({"label": ["I share · 我分享", "I apply · 我运用"], "agree_share": [0.62, 0.44]})
    statements = pd.DataFrame({"text": ["A"], "share": [0.5], "ci_low": [0.4], "ci_high": [0.6]})
    text = _texts(findings.survey_findings(statements, likert, 100))
    assert "李克特题的同意比例从 44%（我运用）到 62%（我分享）" in text


def test_survey_statements_are_quoted_in_chinese_in_the_zh_set(zh):
    """Issue 17: the 05 summary quotes the weakest/strongest statement in the codebook's Chinese wording."""
    from helpers import survey
    items = [it for it in survey.load_codebook().items.values() if it.kind == "statement" and it.text_zh][:2]
    statements = pd.DataFrame({"text": [it.text_en for it in items], "share": [0.31, 0.78], "ci_low": [0.23, 0.69],
                               "ci_high": [0.41, 0.85]})
    text = _texts(findings.survey_findings(statements, None, 100))
    assert items[0].text_zh in text and items[1].text_zh in text
    assert items[0].text_en not in text and items[1].text_en not in text
