"""What notebook 03's evaluation sections show (issue 19, ``helpers.clv.evaluation_report``): the scorecard tables, the
intervals of the top customers, and the sentences computed from the scorecard, the intervals, the sensitivity table and
the FHL (2005) holdout checks — on the CDNOW sample (real data), each word checked against the numbers it cites, and
flipped where the numbers are flipped."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from helpers import clv, i18n
from helpers.clv.evaluation_report import GROUP_HEADER, SCORECARD_HEADERS
from helpers.errors import DataError

CAL_END, HOLDOUT_END = "1997-09-30", "1998-06-30"


@pytest.fixture(scope="module")
def tx() -> pd.DataFrame:
    from helpers.acquire import load_cdnow
    from helpers.clean import clean_transactions

    return clean_transactions(load_cdnow("sample").transactions).clean


@pytest.fixture(scope="module")
def card(tx) -> clv.Scorecard:
    split = clv.holdout_split(tx, CAL_END, HOLDOUT_END)
    return clv.scorecard(split, models={"BG/NBD": clv.BetaGeo().fit(split), "Pareto/NBD": clv.ParetoNBD().fit(split)})


@pytest.fixture(scope="module")
def scored(tx):
    summary = clv.rfm_summary(tx, monetary_value_col="amount", time_unit="D", time_scaler=7)
    return summary, clv.score_customers(summary, horizon=52, time_unit="W", max_fit_customers=2000, seed=3)


@pytest.fixture
def zh():
    i18n.set_language("zh", strict=True)  # a sentence without a catalog entry raises
    yield
    i18n.set_language("en")


def _with_mae(card: clv.Scorecard, forecast: str, mae: float) -> clv.Scorecard:
    metrics = card.metrics.copy()
    metrics.loc[(metrics["forecast"] == forecast) & (metrics["group"] == "all"), "mae"] = mae
    return clv.Scorecard(card.predictions, metrics, card.deciles, card.gini, attrs=card.attrs)


# --------------------------------------------------------------------------- the scorecard as tables


def test_scorecard_table_is_the_metrics_and_gini_of_all_customers(card):
    table = clv.scorecard_table(card)
    assert list(table["forecast"]) == card.forecasts
    overall = card.metrics.loc[card.metrics["group"] == "all"].set_index("forecast")
    shown = table.set_index("forecast")
    for metric, header in SCORECARD_HEADERS.items():
        expected = card.gini.set_index("forecast")[metric] if metric == "normalised_gini" else overall[metric]
        np.testing.assert_array_equal(shown[header], expected.reindex(shown.index))
    assert (shown["customers"] == 2357).all()


def test_scorecard_table_by_group_has_every_groups_mae_all_first(card):
    table = clv.scorecard_table(card, by="group").set_index(GROUP_HEADER)
    assert list(table.index) == ["all", *[g[0] for g in clv.FREQUENCY_GROUPS]]
    assert table.loc["all", "customers"] == table["customers"].drop("all").sum() == 2357
    by_hand = card.predictions.groupby("group").apply(lambda p: (p["naive: past rate"] - p["actual"]).abs().mean())
    np.testing.assert_allclose(table["naive past-rate"].drop("all"), by_hand.reindex(table.index.drop("all")))
    assert list(table.columns) == ["customers", "BG/NBD", "Pareto/NBD", "naive past-rate", "naive last-period"]
    with pytest.raises(ValueError, match="by must be"):
        clv.scorecard_table(card, by="decile")


def test_scorecard_best_claim_names_the_best_forecast_of_each_metric_and_follows_it(card):
    text, numbers = clv.scorecard_best_claim(card)
    overall = card.metrics.loc[card.metrics["group"] == "all"].set_index("forecast")
    assert numbers["best"]["mae"] == overall["mae"].idxmin()
    assert numbers["best"]["rmse"] == overall["rmse"].idxmin()
    assert numbers["best"]["bias"] == overall["bias"].abs().idxmin()
    assert numbers["best"]["gini"] == card.gini.set_index("forecast")["normalised_gini"].idxmax()
    assert f"mean absolute error is that of {numbers['best']['mae']} ({overall['mae'].min():.3f})" in text
    flipped = _with_mae(card, "naive: last period", overall["mae"].min() / 2)
    text, numbers = clv.scorecard_best_claim(flipped)
    assert numbers["best"]["mae"] == "naive: last period" and "that of the naive last-period forecast (" in text


# --------------------------------------------------------------------------- intervals of the top customers


def test_top_customer_intervals_are_around_the_scores_of_the_top_decile(scored):
    summary, scores = scored
    iv = clv.top_customer_intervals(summary, scores, share=0.10, max_fit_customers=2000, seed=3)
    n_top = math.ceil(0.10 * len(scores))
    assert len(iv) == iv.attrs["top_customers"] == n_top and iv.attrs["customers"] == len(scores)
    np.testing.assert_allclose(iv["clv"], scores.loc[iv.index, "clv"], rtol=1e-12)
    assert iv["clv"].is_monotonic_decreasing  # highest CLV first
    assert iv["clv"].min() >= scores["clv"].drop(iv.index).max()  # nobody left out is worth more
    for q in ("p_alive", "expected_purchases", "clv"):
        assert (iv[f"{q}_lower"] <= iv[q] + 1e-12).all() and (iv[q] <= iv[f"{q}_upper"] + 1e-12).all()
    capped = clv.top_customer_intervals(summary, scores, share=0.10, max_customers=25, max_fit_customers=2000, seed=3)
    assert list(capped.index) == list(iv.index[:25])


def test_top_customer_intervals_refuse_scores_made_otherwise(scored):
    summary, scores = scored
    with pytest.raises(DataError, match="max_fit_customers and seed"):
        clv.top_customer_intervals(summary, scores, max_fit_customers=None)  # the scores were fitted on a sample
    with pytest.raises(DataError, match="horizon, time_unit and discount_rate"):
        clv.top_customer_intervals(summary, scores, horizon=26, max_fit_customers=2000, seed=3)
    with pytest.raises(DataError, match="indexed alike"):
        clv.top_customer_intervals(summary.iloc[1:], scores, max_fit_customers=2000, seed=3)
    with pytest.raises(ValueError, match="share"):
        clv.top_customer_intervals(summary, scores, share=0)


def test_interval_claim_reads_the_widths_it_cites():
    iv = pd.DataFrame({"clv": [100.0, 50.0, 10.0, 0.0], "clv_lower": [90.0, 40.0, 9.0, 0.0],
                       "clv_upper": [110.0, 55.0, 13.0, 0.0], "expected_purchases": [4.0, 2.0, 1.0, 0.0],
                       "expected_purchases_lower": [3.8, 1.8, 0.9, 0.0],
                       "expected_purchases_upper": [4.2, 2.2, 1.2, 0.0], "p_alive": [0.9, 0.8, 0.7, 0.2],
                       "p_alive_lower": [0.88, 0.75, 0.6, 0.1], "p_alive_upper": [0.92, 0.85, 0.75, 0.3]})
    iv.attrs = {"level": 0.9, "customers": 40}
    text, numbers = clv.interval_claim(iv)
    widths = [0.2, 0.3, 0.4]  # (upper − lower) / CLV of the three customers with a positive CLV
    assert numbers["clv_median"] == pytest.approx(np.median(widths))
    assert numbers["clv_p10"] == pytest.approx(np.quantile(widths, 0.1))
    assert numbers["purchases_median"] == pytest.approx(0.2)
    assert numbers["p_alive_median"] == pytest.approx(0.1)
    assert "For the 4 customers with the highest CLV (10% of 40)" in text and "a median 30% of the point" in text
    with pytest.raises(DataError, match="positive CLV"):
        clv.interval_claim(iv.assign(clv=0.0))


# --------------------------------------------------------------------------- sensitivity


def test_sample_log_keeps_every_line_of_a_seeded_sample_of_customers(tx):
    sample = clv.sample_log(tx, 500, seed=7)
    kept = set(sample["customer_id"])
    assert len(kept) == sample.attrs["sampled_customers"] == 500
    assert len(sample) == tx["customer_id"].isin(kept).sum()  # all their lines
    assert sample.index.is_monotonic_increasing  # the log's order
    pd.testing.assert_frame_equal(sample, clv.sample_log(tx, 500, seed=7))
    assert set(clv.sample_log(tx, 500, seed=8)["customer_id"]) != kept
    whole = clv.sample_log(tx, 10_000)
    assert whole.attrs["sampled_customers"] is None and len(whole) == len(tx) and "sampled_customers" not in tx.attrs


def test_sample_log_of_a_log_on_disk_draws_the_same_customers(tx, tmp_path):
    from helpers.largelog import ParquetLog

    tx.to_parquet(tmp_path / "log.parquet", index=False)
    log = ParquetLog.open(tmp_path / "log.parquet")
    on_disk, in_memory = clv.sample_log(log, 300, seed=5), clv.sample_log(tx, 300, seed=5)
    assert on_disk.attrs["sampled_customers"] == 300 and len(on_disk) == len(in_memory)
    assert set(on_disk["customer_id"].astype(str)) == set(in_memory["customer_id"].astype(str))
    assert list(on_disk["source_row"]) == sorted(on_disk["source_row"])  # the log's order (one file)
    whole = clv.sample_log(log, 10_000)
    assert whole.attrs["sampled_customers"] is None and len(whole) == len(tx)


def _sensitivity(window: float, months: float) -> pd.DataFrame:
    rows = [("default", "days / 7, given calibration end, 10% a year", 100, 1.0, 1.0), ("time unit", "days", 100, 1.0, 1.0),
            ("time unit", "calendar months", 100, 0.97, months), ("calibration window", "26 weeks", 90, 0.8, window),
            ("discount rate", "0% a year", 100, 0.999, 0.99), ("discount rate", "20% a year", 100, 0.999, 0.98)]
    return pd.DataFrame(rows, columns=["aspect", "setting", "customers", "spearman", "top_decile_overlap"])


def test_sensitivity_claim_names_the_choice_that_moves_the_ranking_most_and_least():
    text, numbers = clv.sensitivity_claim(_sensitivity(window=0.6, months=0.9))
    assert numbers["most"][:3] == ("calibration window", "26 weeks", 0.6)
    assert numbers["least"][:3] == ("discount rate", "20% a year", 0.98)
    assert "60.0% stay in the top 10% when the calibration window is 26 weeks" in text
    assert "98.0% when the discount rate is 20% a year" in text
    text, numbers = clv.sensitivity_claim(_sensitivity(window=0.995, months=0.5))
    assert numbers["most"][:2] == ("time unit", "calendar months") and numbers["least"][0] == "calibration window"
    with pytest.raises(ValueError, match="two aspects"):
        clv.sensitivity_claim(_sensitivity(0.6, 0.9).iloc[:3])


def test_sensitivity_table_shows_the_table_in_words(zh):
    table = _sensitivity(0.6, 0.9)
    shown = clv.sensitivity_table(table)
    assert list(shown["setting"])[2:4] == ["日历月", "26 周"] and list(table["setting"])[2] == "calendar months"
    np.testing.assert_array_equal(shown["share of the top 10% kept"], table["top_decile_overlap"])
    assert "Spearman rank correlation" in shown.columns


def test_sensitivity_claim_on_the_cdnow_sample(tx):
    table = clv.clv_sensitivity(tx, CAL_END)
    text, numbers = clv.sensitivity_claim(table)
    variants = table.loc[table["aspect"] != "default"]
    assert numbers["most"][2] == variants["top_decile_overlap"].min()
    worst = variants.groupby("aspect")["top_decile_overlap"].min()
    assert numbers["least"][2] == worst.max() and numbers["least"][0] == worst.idxmax()


# --------------------------------------------------------------------------- FHL (2005) holdout checks


@pytest.fixture(scope="module")
def fhl(tx) -> pd.DataFrame:
    return clv.fhl_holdout_check(tx)


def test_fhl_claim_cites_the_computed_values_and_its_words_follow_them(fhl):
    text, numbers = clv.fhl_claim(fhl)
    got = fhl.set_index(["model", "quantity"])["computed"]
    bg = numbers["models"]["BG/NBD"]
    assert bg["chi2"] == got[("BG/NBD", "repeat-purchase histogram χ² (calibration; classes 0–6, 7+)")]
    assert bg["tracking"] == got[("BG/NBD", "week 78 tracking error: (predicted − actual) / actual")]
    assert numbers["zero_actual"] == got[("CDNOW sample", "zero class: customers without a holdout purchase, actual")]
    for model, v in numbers["models"].items():
        word = "not rejected" if v["p"] >= 0.05 else "rejected"
        assert f"{model}: histogram χ² {v['chi2']:.2f} (p = {v['p']:.3f}, {word} at 5%)" in text
    closest = min(numbers["models"], key=lambda m: abs(numbers["models"][m]["tracking"]))
    assert numbers["closest"] == closest and f"{closest} tracks the cumulative repeat transactions more closely" in text
    assert "no published value is entered" in text
    flipped = fhl.copy()
    p_rows = flipped["quantity"].str.startswith("histogram χ² p-value")
    flipped.loc[p_rows, "computed"] = np.where(flipped.loc[p_rows, "computed"] < 0.05, 0.5, 0.01)
    track = flipped["quantity"].str.contains("tracking error")
    flipped.loc[track, "computed"] = flipped.loc[track, "computed"].to_numpy()[::-1]
    text2, numbers2 = clv.fhl_claim(flipped)
    assert numbers2["closest"] != numbers["closest"]
    for model, v in numbers2["models"].items():
        assert (v["p"] < 0.05) != (numbers["models"][model]["p"] < 0.05)
        assert f"(p = {v['p']:.3f}, {'rejected' if v['p'] < 0.05 else 'not rejected'} at 5%)" in text2
    flipped.loc[track, "computed"] = 0.02
    assert "equally closely" in clv.fhl_claim(flipped)[0]


def test_the_claims_are_chinese_in_the_chinese_set(card, fhl, zh):
    texts = [clv.scorecard_best_claim(card)[0], clv.fhl_claim(fhl)[0],
             clv.sensitivity_claim(_sensitivity(0.6, 0.9))[0]]
    assert "排序最好的是" in texts[0] and "没有填入任何文献值" in texts[1] and "当校准窗口为“26 周”时" in texts[2]
    assert all(" the " not in t for t in texts)


def test_top_customer_intervals_fit_the_models_the_scores_were_made_with(scored):
    """The intervals fit through clv.fit_models, as score_customers does: a repeat buyer whose repeat purchases
    cost nothing is left out of the spend fit in both, so intervals exist wherever scores do."""
    summary, _ = scored
    free = summary.copy()
    free.loc[free.index[int(np.argmax(free["frequency"].to_numpy() > 0))], "monetary_value"] = 0.0
    scores = clv.score_customers(free, horizon=52, time_unit="W", seed=3)
    iv = clv.top_customer_intervals(free, scores, share=0.05, seed=3, draws=16)
    np.testing.assert_allclose(iv["clv"], scores.loc[iv.index, "clv"], rtol=1e-12)
    with pytest.raises(DataError, match="transaction_params"):
        stripped = scores.copy()
        stripped.attrs = {k: v for k, v in scores.attrs.items() if k != "transaction_params"}
        clv.top_customer_intervals(free, stripped, seed=3)
