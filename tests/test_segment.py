"""Tests for :mod:`helpers.segment`: ABC/Pareto, RFM scores and segments, clusters, value × need,
lifecycle, profiles with treatments, and the explorer (built without a frontend).

Small hand-made tables pin the documented rules (boundary customer, ties, thresholds); Hypothesis
checks the properties that must hold for any input (ties share a score, row order never
matters, ABC's class A is the smallest top group reaching the cut-off, Gini equals the
mean-absolute-difference formula). Synthetic frames have the columns of ``clv.rfm_summary``
and ``clv.score_customers``, so nothing here depends on fitting a model.
"""

from __future__ import annotations

import itertools
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from helpers import plotting, segment  # noqa: E402
from helpers.errors import DataError  # noqa: E402


@pytest.fixture(autouse=True)
def _theme_and_close_figures():
    plotting.set_theme()  # CJK fonts, as in the notebooks
    yield
    plt.close("all")


def frame(values, ids=None, column="revenue") -> pd.DataFrame:
    ids = ids if ids is not None else [f"c{i:03d}" for i in range(len(values))]
    return pd.DataFrame({"customer_id": ids, column: values})


def rfm_frame(n: int = 200, seed: int = 0) -> pd.DataFrame:
    """RFM table in segmentation meaning (recency = days since last purchase), realistic ties."""
    rng = np.random.default_rng(seed)
    freq = 1 + rng.geometric(0.45, n) - 1
    return pd.DataFrame({
        "customer_id": [f"{i:05d}" for i in range(n)],
        "recency": rng.integers(0, 700, n).astype(float),
        "frequency": freq.astype(float),
        "monetary_value": rng.choice([99.0, 149.0, 799.0, 1499.0, 1999.0, 2299.0], n) * rng.uniform(0.8, 1.2, n).round(1),
    })


def customers_frame(n: int = 300, seed: int = 1) -> pd.DataFrame:
    """A customer table as segment.customer_table returns it, plus the three scheme columns."""
    rfm = rfm_frame(n, seed)
    rng = np.random.default_rng(seed)
    out = rfm.copy()
    out["revenue"] = out["monetary_value"] * out["frequency"]
    out["orders"] = out["frequency"].astype(int)
    out["n_categories"] = pd.array(rng.integers(1, 6, n), dtype="Int64")
    out["last_channel"] = rng.choice(["online_mall", "offline_store", "carrier"], n)
    out["weeks_since_first"] = out["recency"] / 7 + rng.uniform(0, 50, n)
    out["weeks_since_last"] = out["recency"] / 7
    out["p_alive"] = rng.uniform(0, 1, n)
    out["clv"] = out["revenue"] * rng.uniform(0.05, 1.0, n)
    for scheme, column in segment.SEGMENT_COLUMNS.items():
        out[column] = segment.assign_rfm_segments(rfm, scheme)["segment"].to_numpy()
    return out


# =========================================================================== ABC / Pareto


def test_abc_boundary_customer_who_crosses_the_cutoff_belongs_to_the_higher_class():
    # shares: 40, 30, 15, 10, 5 → before-shares 0, .40, .70, .85, .95
    out = segment.abc_classes(frame([15, 40, 5, 30, 10]), "revenue")
    by_value = dict(zip(out["value"], out["abc_class"]))
    assert by_value == {40: "A", 30: "A", 15: "A", 10: "B", 5: "C"}
    assert list(out["rank"]) == [1, 2, 3, 4, 5] and list(out["value"]) == [40, 30, 15, 10, 5]
    summary = segment.abc_summary(out).set_index("class")
    assert summary.loc["A", "customers"] == 3 and summary.loc["A", "value_share"] == pytest.approx(0.85)
    assert summary.loc["B", "value_share"] == pytest.approx(0.10)
    assert summary.loc["C", "customer_share"] == pytest.approx(0.2)
    assert summary["customer_share"].sum() == pytest.approx(1) and summary["value_share"].sum() == pytest.approx(1)
    assert summary.loc["A", "中文"].startswith("A")


def test_abc_customer_exactly_at_the_cutoff_starts_the_next_class():
    out = segment.abc_classes(frame([50, 30, 20]), "revenue")  # before-shares 0, .5, .8
    assert list(out["abc_class"]) == ["A", "A", "B"]


def test_abc_ties_at_a_boundary_stay_together_and_are_reported():
    out = segment.abc_classes(frame([40, 30, 10, 10, 10]), "revenue")  # block of 10s starts at .70
    assert set(out.loc[out["value"] == 10, "abc_class"]) == {"A"}
    ties = out.attrs["boundary_ties"]
    assert ties and ties[0]["cutoff"] == 0.8 and ties[0]["customers"] == 3 and ties[0]["class"] == "A"


def test_abc_empty_classes_are_listed_with_zero():
    summary = segment.abc_summary(segment.abc_classes(frame([10, 10, 10]), "revenue"))
    assert list(summary["class"]) == ["A", "B", "C"]
    assert list(summary["customers"]) == [3, 0, 0]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 60), min_size=1, max_size=60).filter(lambda v: sum(v) > 0),
       st.randoms(use_true_random=False))
def test_abc_properties(values, rnd):
    cut = (0.8, 0.95)
    df = frame(values)
    out = segment.abc_classes(df, "revenue", cut)
    total = sum(values)
    a = out.loc[out["abc_class"] == "A", "value"]
    # A reaches the cut-off, and is minimal: without its last tie block it would not
    assert a.sum() / total >= cut[0] - 1e-9
    last = a.min()
    assert a[a > last].sum() / total < cut[0] + 1e-9
    # equal values, equal class; classes never go back up as value falls
    assert out.groupby("value")["abc_class"].nunique().max() == 1
    order = out["abc_class"].map({"A": 0, "B": 1, "C": 2}).to_numpy()
    assert (np.diff(order) >= 0).all()
    # row order does not matter
    shuffled = df.sample(frac=1, random_state=rnd.randint(0, 10_000))
    again = segment.abc_classes(shuffled, "revenue", cut)
    assert again.set_index("customer_id")["abc_class"].equals(out.set_index("customer_id")["abc_class"].loc[
        again["customer_id"]])


def test_abc_classes_are_indexed_like_the_customers_so_assignment_aligns():
    cust = frame([15, 40, 5, 30, 10], ids=["e", "a", "d", "b", "c"]).set_axis([10, 11, 12, 13, 14])
    out = segment.abc_classes(cust, "revenue")
    assert list(out.index) == [11, 13, 10, 14, 12]  # rank order, the customers' own labels
    cust["abc_class"] = out["abc_class"]
    assert dict(zip(cust["customer_id"], cust["abc_class"])) == {"a": "A", "b": "A", "e": "A", "c": "B", "d": "C"}
    # sorted ids take the stable-sort path, unsorted ones the two-key sort: same ranking, ties by id
    tied = frame([5, 7, 5, 7, 5], ids=["c", "b", "a", "e", "d"])
    for table in (tied, tied.sort_values("customer_id")):
        assert list(segment.abc_classes(table, "revenue")["customer_id"]) == ["b", "e", "a", "c", "d"]


@pytest.mark.parametrize("bad, column", [([10, -1, 3], "revenue"), ([10, np.nan, 3], "revenue")])
def test_abc_bad_values_raise_dataerror_naming_column_and_customer(bad, column):
    with pytest.raises(DataError) as err:
        segment.abc_classes(frame(bad), column)
    assert "'revenue'" in str(err.value) and "c001" in str(err.value) and "row 2" in str(err.value)


def test_abc_rejects_zero_total_bad_cutoffs_missing_column_and_duplicates():
    with pytest.raises(DataError, match="total value is zero"):
        segment.abc_classes(frame([0, 0]), "revenue")
    with pytest.raises(ValueError):
        segment.abc_classes(frame([1, 2]), "revenue", (0.95, 0.8))
    with pytest.raises(ValueError):
        segment.abc_classes(frame([1, 2]), "revenue", (0.8,))
    with pytest.raises(DataError, match="clv"):
        segment.abc_classes(frame([1, 2]), "clv")
    with pytest.raises(DataError, match="more than once"):
        segment.abc_classes(frame([1, 2], ids=["x", "x"]), "revenue")


def test_gini_known_values():
    assert segment.gini([5, 5, 5, 5]) == pytest.approx(0.0)
    assert segment.gini([0, 0, 0, 10]) == pytest.approx(3 / 4)  # (n − 1)/n
    assert segment.gini([1, 2, 3, 4]) == pytest.approx(0.25)  # Σ|xi−xj| = 20, 2 n² mean = 80
    with pytest.raises(DataError):
        segment.gini([])
    with pytest.raises(DataError):
        segment.gini([1, -1, 3])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=40).filter(lambda v: sum(v) > 1e-3),
       st.floats(0.01, 100))
def test_gini_matches_mean_absolute_difference_and_is_scale_free(values, scale):
    x = np.asarray(values)
    mad = np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean())
    g = segment.gini(x)
    assert g == pytest.approx(mad, abs=1e-9)
    assert g == pytest.approx(segment.gini(x * scale), abs=1e-9)
    assert -1e-12 <= g <= (len(x) - 1) / len(x) + 1e-12
    curve = segment.pareto_curve(x)
    area = np.trapezoid(curve["value_share"], curve["customer_share"])
    assert g == pytest.approx(2 * area - 1, abs=1e-9)  # the Pareto curve is the Lorenz curve turned round


def test_pareto_curve_shape_and_plot():
    curve = segment.pareto_curve(np.array([1.0, 7.0, 2.0]))
    assert curve.iloc[0].tolist() == [0.0, 0.0] and curve.iloc[-1].tolist() == [1.0, 1.0]
    assert curve["value_share"].tolist()[1] == pytest.approx(0.7)
    assert (np.diff(np.diff(curve["value_share"])) <= 1e-12).all()  # concave: biggest customers first
    fig = segment.plot_pareto(segment.abc_classes(frame([40, 30, 15, 10, 5]), "revenue"), label="TEST label")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert "TEST label" in ax.get_title(loc="left")
    assert any(len(line.get_ydata()) == 2 and np.allclose(line.get_ydata(), [80, 80]) for line in ax.lines), \
        "no 80% line"


# =========================================================================== RFM scores


def test_quantile_scores_equal_groups_for_distinct_values():
    s = segment.quantile_scores(pd.Series(np.arange(10.0)[::-1]), 5)
    assert s.value_counts().sort_index().tolist() == [2] * 5
    assert s.tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]


def test_quantile_scores_tie_methods_by_hand():
    values = pd.Series([1, 1, 1, 1, 1, 1, 2, 3, 4, 5], dtype=float)
    assert segment.quantile_scores(values, 5).tolist() == [1] * 6 + [4, 4, 5, 5]  # min: score 2, 3 skipped
    assert segment.quantile_scores(values, 5, ties="average").tolist() == [2] * 6 + [4, 4, 5, 5]
    first = segment.quantile_scores(values, 5, ties="first", ids=pd.Series(list("jihgfedcba")))
    # no ties: equal groups; among the six 1s, ids ordered f < g < h < i < j
    assert first.tolist()[:6] == [3, 3, 2, 2, 1, 1] and first.value_counts().tolist() == [2] * 5


def test_recency_is_reversed():
    s = segment.quantile_scores(pd.Series([0.0, 10, 20, 30, 400]), 5, higher_is_better=False)
    assert s.tolist() == [5, 4, 3, 2, 1]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 8), min_size=1, max_size=80), st.integers(2, 9),
       st.sampled_from(["min", "average"]), st.booleans(), st.randoms(use_true_random=False))
def test_quantile_scores_properties(values, q, ties, higher, rnd):
    x = pd.Series(values, dtype=float, index=[f"id{i}" for i in range(len(values))])
    s = segment.quantile_scores(x, q, ties=ties, higher_is_better=higher)
    assert s.between(1, q).all()
    assert (pd.DataFrame({"v": x, "s": s}).groupby("v")["s"].nunique() == 1).all(), "ties must share a score"
    ordered = pd.DataFrame({"v": x if higher else -x, "s": s}).sort_values("v")
    assert ordered["s"].is_monotonic_increasing
    perm = x.sample(frac=1, random_state=rnd.randint(0, 9999))
    again = segment.quantile_scores(perm, q, ties=ties, higher_is_better=higher)
    assert again.reindex(s.index).equals(s)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.integers(-5, 5).map(float), st.floats(-1e6, 1e6)), min_size=1, max_size=60),
       st.sampled_from(["min", "average"]))
def test_tie_ranks_equal_pandas_rank(values, method):
    x = np.asarray(values, dtype=float)
    assert np.array_equal(segment.rfm.tie_ranks(x, method), pd.Series(x).rank(method=method).to_numpy())


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=2, max_size=50), st.randoms(use_true_random=False))
def test_first_ties_are_deterministic_whatever_the_row_order(values, rnd):
    ids = pd.Series([f"k{i:03d}" for i in range(len(values))])
    x = pd.Series(values, dtype=float)
    s = segment.quantile_scores(x, 4, ties="first", ids=ids)
    perm = rnd.sample(range(len(values)), len(values))
    s2 = segment.quantile_scores(x.iloc[perm].reset_index(drop=True), 4, ties="first",
                                 ids=ids.iloc[perm].reset_index(drop=True))
    assert dict(zip(ids.iloc[perm], s2)) == dict(zip(ids, s))


def test_quantile_scores_rejects_bad_q_ties_and_nan():
    with pytest.raises(ValueError):
        segment.quantile_scores(pd.Series([1.0, 2.0]), 10)
    with pytest.raises(ValueError):
        segment.quantile_scores(pd.Series([1.0, 2.0]), 5, ties="dense")
    with pytest.raises(DataError):
        segment.quantile_scores(pd.Series([1.0, np.nan], name="frequency"), 5)


def test_rfm_scores_string_and_columns():
    rfm = pd.DataFrame({"customer_id": ["a", "b", "c", "d", "e"], "recency": [1.0, 50, 100, 200, 300],
                        "frequency": [9.0, 4, 3, 2, 1], "monetary_value": [10.0, 500, 40, 30, 20]})
    out = segment.rfm_scores(rfm, 5)
    assert out.set_index("customer_id").loc["a", "rfm_score"] == "551"
    assert out.set_index("customer_id").loc["b", "rfm_score"] == "445"
    assert out.attrs == {"q": 5, "ties": "min"}
    with pytest.raises(DataError, match="monetary_value"):
        segment.rfm_scores(rfm.drop(columns="monetary_value"))


def test_rfm_table_converts_the_model_summary_to_segmentation_meaning():
    summary = pd.DataFrame({"customer_id": ["a", "b"], "frequency": [0.0, 3.0], "recency": [0.0, 10.0],
                            "T": [20.0, 12.0], "monetary_value": [50.0, 80.0]})
    summary.attrs.update({"period_days": 7.0, "observation_period_end": "2014-06-30"})
    out = segment.rfm_table(summary)
    assert out["recency"].tolist() == [140.0, 14.0]  # (T − recency) weeks × 7 = days since last purchase
    assert out["frequency"].tolist() == [1.0, 4.0]
    assert out.attrs["recency_unit"] == "days" and out.attrs["observation_period_end"] == "2014-06-30"


# =========================================================================== named segments


def test_rf_grid_covers_every_cell_once_with_the_ten_segments():
    assert len(segment.RF_GRID) == 25
    assert set(segment.RF_GRID.values()) == {
        "champions", "loyal customers", "potential loyalists", "new customers", "promising", "need attention",
        "about to sleep", "at risk", "can't lose", "hibernating"}
    expected = {(5, 5): "champions", (5, 4): "champions", (4, 5): "loyal customers", (3, 4): "loyal customers",
                (5, 1): "new customers", (4, 1): "promising", (3, 3): "need attention", (3, 2): "about to sleep",
                (1, 5): "can't lose", (2, 3): "at risk", (1, 1): "hibernating", (4, 2): "potential loyalists",
                (5, 3): "potential loyalists"}
    for cell, name in expected.items():
        assert segment.RF_GRID[cell] == name
    assert all(name in segment.SEGMENT_ZH for name in segment.RF_GRID.values())


def test_rf_segments_and_overrides():
    scores = pd.DataFrame({"r_score": [5, 1, 3], "f_score": [5, 5, 3]})
    scores.attrs["q"] = 5
    assert segment.rf_segments(scores).tolist() == ["champions", "can't lose", "need attention"]
    custom = segment.rf_segments(scores, {r"5.": "recent", r"[1-4].": "older"})
    assert custom.tolist() == ["recent", "older", "older"]
    grid = segment.rf_segments(scores, {(5, 5): "top"})
    assert grid.tolist() == ["top", "Other", "Other"]
    with pytest.raises(ValueError, match="more than one"):
        segment.rf_segments(scores, {r"5.": "a", r".5": "b"})
    scores.attrs["q"] = 4
    with pytest.raises(ValueError, match="5-point"):
        segment.rf_segments(scores)


def test_pymc_segment_lists_match_pymc_marketing_rules():
    codes = [c for v in segment.PYMC_SEGMENTS.values() for c in v]
    assert len(codes) == len(set(codes)) == 46
    assert set(segment.PYMC_SEGMENTS["Premium Customer"]) == {"".join(p) for p in itertools.product("34", repeat=3)}
    for code in segment.PYMC_SEGMENTS["Inactive Customer"]:
        assert sum(c == "1" for c in code) >= 2  # bottom quartile in two or more
    for code in segment.PYMC_SEGMENTS["At Risk Customer"]:
        assert sum(c in "12" for c in code) >= 2  # bottom two quartiles in two or more


def test_pymc_quartiles_equal_rank_quartiles_without_ties_and_compress_with_ties():
    n = 16
    rfm = pd.DataFrame({"customer_id": [f"{i:02d}" for i in range(n)], "recency": np.arange(n, dtype=float),
                        "frequency": np.arange(n, dtype=float) + 1, "monetary_value": np.arange(n, dtype=float) * 3})
    q = segment.pymc_quartile_scores(rfm)
    assert q["f_quartile"].tolist() == segment.quantile_scores(rfm["frequency"], 4).tolist()
    assert q["r_quartile"].tolist() == segment.quantile_scores(rfm["recency"], 4, higher_is_better=False).tolist()
    assert q["rfm_score"].iloc[0] == "411" and q["rfm_score"].iloc[-1] == "144"
    # 10 of 16 customers bought once: quartile edges collapse, PyMC relabels to 1..2 and ties share a score
    rfm["frequency"] = [1.0] * 10 + [2, 2, 3, 4, 5, 6]
    q = segment.pymc_quartile_scores(rfm)
    assert set(q.loc[:9, "f_quartile"]) == {1} and q["f_quartile"].max() < 4
    assert q.attrs["compressed"] == {"f_quartile": q["f_quartile"].max()}
    assert segment.assign_rfm_segments(rfm, "pymc5").attrs["compressed"] == q.attrs["compressed"]
    seg = segment.pymc_segments(rfm)
    assert set(seg["segment"]) <= set(segment.PYMC_SEGMENTS) | {"Other"}
    mapping = {c: name for name, codes in segment.PYMC_SEGMENTS.items() for c in codes}
    assert (seg["segment"] == seg["rfm_score"].map(mapping).fillna("Other")).all()


def test_rfm8_high_low_against_the_mean():
    rfm = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "recency": [10.0, 300, 20, 400],
                        "frequency": [5.0, 5, 1, 1], "monetary_value": [900.0, 100, 900, 100]})
    out = segment.rfm8_segments(rfm).set_index("customer_id")
    assert out.loc["a", "中文"] == "重要价值客户"
    assert out.loc["b", "中文"] == "一般保持客户"  # R low, F high, M low
    assert out.loc["c", "中文"] == "重要发展客户"  # R high, F low, M high
    assert out.loc["d", "中文"] == "一般挽留客户"
    # exactly at the mean is "low"
    tie = pd.DataFrame({"customer_id": ["x", "y"], "recency": [5.0, 5], "frequency": [2.0, 2],
                        "monetary_value": [3.0, 3]})
    assert segment.rfm8_segments(tie)["segment"].tolist() == ["general win-back"] * 2


def test_assign_rfm_segments_all_schemes_have_chinese_names():
    rfm = rfm_frame(400)
    for scheme in segment.SCHEMES:
        out = segment.assign_rfm_segments(rfm, scheme)
        assert len(out) == 400 and out["customer_id"].tolist() == rfm["customer_id"].tolist()
        assert out["中文"].str.contains(r"[\u4e00-\u9fff]").all(), scheme
    with pytest.raises(ValueError):
        segment.assign_rfm_segments(rfm, "rfm11")


@pytest.mark.parametrize("key", list(segment.RFM_SCHEMES))
def test_every_registered_scheme_assigns_one_named_segment_per_customer(key):
    scheme = segment.RFM_SCHEMES[key]
    assert scheme.key == key and segment.SCHEMES[key] == scheme.name and f"{segment.SCHEMES[key]}" == scheme.name
    rfm = rfm_frame(400)
    out = segment.assign_rfm_segments(rfm, key)
    # every customer of the table, once, with exactly one segment the scheme declares
    assert out["customer_id"].tolist() == rfm["customer_id"].tolist()
    assert out["segment"].notna().all() and set(out["segment"]) <= set(scheme.segments)
    assert out.attrs["scheme"] == key and isinstance(out.attrs["compressed"], dict)
    # every segment it can produce has a Chinese name and a full treatment, seen through the package's views
    assert scheme.segments and set(scheme.treatments) == set(scheme.segments)
    for name in scheme.segments:
        assert re.search(r"[\u4e00-\u9fff]", scheme.names_zh[name]), name
        assert segment.SEGMENT_ZH[name] == scheme.names_zh[name]
        assert len(scheme.treatments[name]) == 3 and all(scheme.treatments[name]), name
        assert segment.TREATMENTS[name] == scheme.treatments[name]
    # its column name is its own
    columns = [s.column for s in segment.RFM_SCHEMES.values()]
    assert columns.count(scheme.column) == 1 and segment.SEGMENT_COLUMNS[key] == scheme.column


def test_score_and_segment_plots_return_figures():
    rfm = rfm_frame(300)
    scores = segment.rfm_scores(rfm)
    fig = segment.plot_score_distribution(scores, label="L")
    assert len(fig.axes) == 3 and sum(p.get_height() for p in fig.axes[1].patches) == 300
    heat = segment.plot_rf_heatmap(scores)
    cells = [t.get_text().split("\n", 1) for t in heat.axes[0].texts]  # count, then the name (wrapped to fit the cell)
    assert len(cells) == 25
    assert {"champions", "hibernating", "new customers"} <= {name.replace("\n", " ") for _, name in cells}
    assert sum(int(n.replace(",", "")) for n, _ in cells) == 300


# =========================================================================== customer table


def test_customer_table_revenue_categories_channel_and_scores():
    tx = pd.DataFrame({
        "customer_id": ["a", "a", "a", "b", "c"],
        "order_id": ["1", "1", "2", "3", "4"],
        "timestamp": pd.to_datetime(["2014-01-01", "2014-01-01", "2014-06-01", "2014-03-01", "2014-06-30"]),
        "amount": [100.0, 50.0, 30.0, 1999.0, 10.0],
        "category": ["手机", "耳机", None, None, "服饰"],
        "channel": ["online_mall", "online_mall", "offline_store", "carrier", "online_mall"],
    })
    rfm = pd.DataFrame({"customer_id": ["a", "b", "c"], "recency": [29.0, 121.0, 0.0], "frequency": [2.0, 1, 1],
                        "monetary_value": [90.0, 1999.0, 10.0]})
    rfm.attrs["observation_period_end"] = "2014-06-30"
    scores = pd.DataFrame({"customer_id": ["c", "b", "a"], "p_alive": [0.9, 0.5, 0.7], "expected_purchases": [1, 2, 3],
                           "expected_spend": [1, 1, 1], "clv": [5.0, 6.0, 7.0]})
    out = segment.customer_table(tx, rfm, scores).set_index("customer_id")
    assert out.loc["a", "revenue"] == 180.0 and out.loc["a", "orders"] == 2
    assert out.loc["a", "n_categories"] == 2  # the missing category is not counted
    assert out.loc["b", "n_categories"] == 1  # only uncategorised (carrier) purchases still make one need
    assert out.loc["a", "last_channel"] == "offline_store"
    assert out.loc["a", "clv"] == 7.0 and out.loc["c", "p_alive"] == 0.9
    assert out.loc["a", "weeks_since_first"] == pytest.approx((pd.Timestamp("2014-06-30") - pd.Timestamp("2014-01-01")).days / 7)
    assert out.loc["a", "weeks_since_last"] == pytest.approx(29 / 7)
    no_cat = segment.customer_table(tx.drop(columns="category"), rfm)
    assert no_cat["n_categories"].isna().all() and not no_cat.attrs["has_categories"]
    assert segment.need_measure(no_cat)[0] == "frequency"
    with pytest.raises(DataError, match="no CLV score"):
        segment.customer_table(tx, rfm, scores.iloc[:2])
    with pytest.raises(DataError, match="no transaction"):
        segment.customer_table(tx[tx["customer_id"] != "c"], rfm)



def test_customer_table_reads_weeks_since_first_from_the_summary_by_customer_id():
    tx = pd.DataFrame({"customer_id": ["a", "b", "c"], "order_id": ["1", "2", "3"], "amount": [10.0, 20.0, 30.0],
                       "timestamp": pd.to_datetime(["2014-01-01", "2014-03-01", "2014-06-30"])})
    rfm = pd.DataFrame({"customer_id": ["a", "b", "c"], "recency": [180.0, 121.0, 0.0], "frequency": [1.0, 1, 1],
                        "monetary_value": [10.0, 20.0, 30.0]})
    summary = pd.DataFrame({"customer_id": ["c", "a"], "T": [0.0, 3.0]})  # another order, "b" missing
    summary.attrs["period_days"] = 14.0
    out = segment.customer_table(tx, rfm, summary=summary)
    assert out["weeks_since_first"].tolist()[::2] == [6.0, 0.0] and np.isnan(out["weeks_since_first"].iloc[1])

# =========================================================================== clustering


def blobs(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    centres = [(10, 8, 2000, 5000), (200, 2, 500, 300), (600, 1, 50, 5)]
    parts = []
    for i, (r, f, m, c) in enumerate(centres):
        n = 120
        parts.append(pd.DataFrame({
            "customer_id": [f"g{i}-{j:03d}" for j in range(n)],
            "recency": r * np.exp(rng.normal(0, 0.1, n)),
            "frequency": np.maximum(1.0, np.round(f * np.exp(rng.normal(0, 0.1, n)))),
            "monetary_value": m * np.exp(rng.normal(0, 0.1, n)), "clv": c * np.exp(rng.normal(0, 0.1, n)),
            "group": i}))
    out = pd.concat(parts, ignore_index=True)
    out["revenue"] = out["monetary_value"] * out["frequency"]
    return out


def test_clusters_find_separated_groups_numbered_by_value_and_are_deterministic():
    data = blobs()
    model = segment.CustomerClusters(k_range=(2, 6), seed=3, order_by="clv").fit(data)
    assert model.k_ == 3
    assert list(model.selection_["k"]) == [2, 3, 4, 5, 6]
    assert model.selection_.set_index("k")["silhouette"].idxmax() == 3
    assert model.selection_["inertia"].is_monotonic_decreasing
    # one cluster per planted group; cluster 1 = the highest CLV group
    assert pd.crosstab(data["group"], model.labels_).gt(0).sum(axis=1).eq(1).all()
    assert set(model.labels_[data["group"] == 0]) == {1} and set(model.labels_[data["group"] == 2]) == {3}
    again = segment.CustomerClusters(k_range=(2, 6), seed=3, order_by="clv").fit(data.sample(frac=1, random_state=1))
    assert again.labels_.reindex(data.index).equals(model.labels_)
    profile = model.profile(data)
    assert profile["customers"].sum() == len(data) and profile["share"].sum() == pytest.approx(1)
    assert profile["revenue_share"].sum() == pytest.approx(1)
    # names carry the value rank and what it ranks by (issue 17: no "mid"/"low" tiers for nearly equal values)
    assert profile.loc[0, "name"].startswith("value #1 of 3 (mean CLV) · recent")
    assert profile.loc[2, "name"].startswith("value #3 of 3 (mean CLV) · dormant · one-time")
    assert profile.attrs["rank_by"] == "mean_clv"
    assert profile["name"].is_unique and profile["中文"].str.contains("价值").all()
    fig = segment.plot_cluster_selection(model.selection_, model.k_)
    assert len(fig.axes) == 2
    assert isinstance(segment.plot_cluster_centres(model, profile["name"]), Figure)


def test_clusters_reject_too_few_customers_bad_range_and_negative_features():
    data = blobs().head(3)
    with pytest.raises(DataError, match="too few"):
        segment.CustomerClusters(k_range=(3, 5)).fit(data)
    with pytest.raises(ValueError):
        segment.CustomerClusters(k_range=(1, 5)).fit(blobs())
    bad = blobs()
    bad.loc[5, "clv"] = -3.0
    with pytest.raises(DataError, match="clv"):
        segment.CustomerClusters().fit(bad)


# =========================================================================== value × need


def test_value_need_quadrants_split_strictly_above_the_median():
    cust = pd.DataFrame({"customer_id": list("abcdef"), "clv": [1.0, 2, 3, 10, 20, 30],
                         "n_categories": pd.array([1, 2, 2, 2, 3, 1], dtype="Int64")})
    m = segment.value_need_matrix(cust)
    assert m.attrs["value_threshold"] == pytest.approx(6.5) and m.attrs["need_threshold"] == 2
    got = dict(zip(m["customer_id"], m["quadrant"]))
    assert got == {"a": "basic customers", "b": "basic customers", "c": "basic customers",
                   "d": "focused high-value", "e": "core customers", "f": "focused high-value"}
    assert m.loc[m["quadrant"] == "core customers", "中文"].iloc[0].startswith("核心客户")
    table = segment.quadrant_summary(m, revenue=pd.Series([1.0] * 6))
    assert table["customers"].sum() == 6 and table["share"].sum() == pytest.approx(1)
    assert table.set_index("quadrant").loc["potential customers", "customers"] == 0
    assert table["revenue_share"].sum() == pytest.approx(1)
    with pytest.raises(ValueError):
        segment.value_need_matrix(cust, value_quantile=1.0)


def test_value_need_falls_back_to_frequency_and_plot_samples_at_most_max_points():
    cust = customers_frame(900)
    cust["n_categories"] = pd.array([pd.NA] * len(cust), dtype="Int64")
    m = segment.value_need_matrix(cust)
    assert m.attrs["need_col"] == "frequency" and "engagement" in m.attrs["need_label"]
    fig = segment.plot_value_need(m, max_points=500, label="L")
    ax = fig.axes[0]
    assert sum(len(c.get_offsets()) for c in ax.collections) == 500
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    fig2 = segment.plot_value_need(m, max_points=500, label="L")
    assert np.array_equal(fig2.axes[0].collections[0].get_offsets(), ax.collections[0].get_offsets())  # seeded


# =========================================================================== lifecycle


def test_lifecycle_rules_in_order():
    cust = pd.DataFrame({
        "weeks_since_first": [5.0, 80, 80, 80, 80, 80, 80],
        "weeks_since_last": [5.0, 60, 2, 30, 2, 2, 10],
        "p_alive": [0.1, 1.0, 0.2, 0.9, 0.5, 0.95, 0.6],
    })
    stages = segment.lifecycle_stage(cust).tolist()
    # new wins over everything; one-time buyer with P(alive)=1 but 60 weeks silent is lapsed
    assert stages == ["new", "lapsed", "lapsed", "at risk", "at risk", "active", "active"]
    without_p = segment.lifecycle_stage(cust.drop(columns="p_alive")).tolist()
    assert without_p == ["new", "lapsed", "active", "at risk", "active", "active", "active"]
    assert segment.lifecycle_stage(cust, new_weeks=1).iloc[0] == "lapsed"
    with pytest.raises(ValueError):
        segment.lifecycle_stage(cust, lapsed_p=0.8, at_risk_p=0.5)
    assert set(segment.LIFECYCLE_STAGES) == {"new", "active", "at risk", "lapsed"}


def test_plot_lifecycle():
    cust = customers_frame(100)
    cust["lifecycle_stage"] = segment.lifecycle_stage(cust)
    fig = segment.plot_lifecycle(cust)
    assert sum(p.get_height() for p in fig.axes[0].patches) == 100


# =========================================================================== profiles & treatments


def test_every_named_segment_has_a_treatment_and_chinese_name():
    names = set(segment.RF_GRID.values()) | set(segment.PYMC_SEGMENTS) | {"Other"} \
        | {en for en, _ in segment.CN8_SEGMENTS.values()} | {v[0] for v in segment.QUADRANTS.values()} \
        | set(segment.LIFECYCLE_STAGES) | {"A", "B", "C"}
    missing = sorted(n for n in names if n not in segment.TREATMENTS)
    assert not missing
    assert all(len(t) == 3 and all(t) for t in segment.TREATMENTS.values())
    assert "小米社区" in segment.TREATMENTS["champions"][1] + segment.TREATMENTS["champions"][2]
    assert "channel they last used" in segment.TREATMENTS["at risk"][2]


def test_segment_profile_shares_sum_to_one_and_carry_treatments():
    cust = customers_frame(500)
    prof = segment.segment_profile(cust, "rfm10_segment")
    assert list(prof.columns) == ["segment", "中文", "customers", "share", "revenue_share", "mean_clv", "main_channel",
                                  "service", "marketing", "channel"]
    assert prof["customers"].sum() == 500
    assert prof["share"].sum() == pytest.approx(1) and prof["revenue_share"].sum() == pytest.approx(1)
    assert prof["revenue_share"].is_monotonic_decreasing
    champ = prof.set_index("segment").loc["champions"]
    assert champ["mean_clv"] == pytest.approx(cust.loc[cust["rfm10_segment"] == "champions", "clv"].mean())
    assert champ["中文"].startswith("冠军")
    assert champ["main_channel"].split(" (")[0] in {"online_mall", "offline_store", "carrier"}
    stages = segment.segment_profile(cust.assign(stage=segment.lifecycle_stage(cust)), "stage",
                                     order=list(segment.LIFECYCLE_STAGES))
    assert list(stages["segment"]) == [s for s in segment.LIFECYCLE_STAGES if s in set(stages["segment"])]
    assert stages.set_index("segment").loc["at risk", "中文"] == segment.LIFECYCLE_STAGES["at risk"]
    assert "main_channel" not in segment.segment_profile(cust.drop(columns="last_channel"), "rfm10_segment")
    cust.loc[:9, "rfm10_segment"] = "my own group"
    other = segment.segment_profile(cust, "rfm10_segment").set_index("segment").loc["my own group"]
    assert other["service"] == "—" and other["中文"] == "my own group"


def test_segment_profile_main_channel_tie_goes_to_the_channel_seen_first():
    cust = pd.DataFrame({"customer_id": list("abcdefgh"), "seg": ["x", "x", "y", "y", "x", "y", None, "x"],
                         "revenue": [1.0] * 8, "last_channel": ["b", "a", "a", "b", "a", "b", "a", "b"]})
    prof = segment.segment_profile(cust, "seg", clv_col=None).set_index("segment")
    assert prof.loc["x", "main_channel"] == "b (50%)"  # x: b, a, a, b → tie, b seen first
    assert prof.loc["y", "main_channel"] == "b (67%)"
    assert prof["customers"].sum() == 7 and prof["share"].sum() == pytest.approx(7 / 8)


# =========================================================================== explorer


def test_explorer_builds_without_a_frontend_and_reacts_to_controls():
    import ipywidgets as w

    cust = customers_frame(300)
    box = segment.segment_explorer(cust, label="TEST")
    assert isinstance(box, w.VBox)
    ex = box.explorer
    a_share = ex.abc_table_.set_index("class").loc["A", "value_share"]
    assert a_share >= 0.8
    ex.cutoffs.value = (0.5, 0.9)
    assert ex.abc_table_.set_index("class").loc["A", "value_share"] < a_share
    assert set(ex.segment.options) == set(cust["rfm10_segment"])
    ex.scheme.value = "pymc5"
    assert set(ex.segment.options) == set(cust["pymc5_segment"])
    ex.segment.value = ex.segment.options[-1]
    assert ex.selected_["segment"].tolist() == [ex.segment.options[-1]]


def test_show_explorer_falls_back_to_static_figures_without_a_kernel():
    cust = customers_frame(200)
    for interactive in (False, True):  # no IPython kernel in pytest: always static
        fig = segment.show_explorer(cust, interactive=interactive, label="TEST")
        assert isinstance(fig, Figure) and len(fig.axes) == 3
        assert "A " in fig._suptitle.get_text() and "→" in fig._suptitle.get_text()  # ABC shares
    with pytest.raises(DataError, match="segment columns"):
        segment.segment_explorer(cust.drop(columns="cn8_segment"))


def test_the_customer_table_goes_to_the_store_one_row_per_customer(tmp_path, monkeypatch):
    from helpers import paths, store

    monkeypatch.setattr(paths, "PROCESSED", tmp_path)
    cust = customers_frame(50)
    path = store.save_segments("demo", cust[["customer_id", "rfm10_segment", "clv"]])
    back = pd.read_parquet(path)
    assert path == tmp_path / "demo" / "segments.parquet" and len(back) == 50
    assert list(store.load_segments("demo")["rfm10_segment"]) == list(cust["rfm10_segment"])
    with pytest.raises(DataError):
        store.save_segments("demo", pd.concat([cust, cust]))


def test_style_table_formats_shares_as_percent_without_changing_numbers():
    table = pd.DataFrame({"segment": ["a", "b"], "customers": [3, 1], "revenue_share": [0.75, 0.25],
                          "mean_clv": [1234.5, 2.0]})
    html = segment.style_table(table).to_html()
    assert "75%" in html and "1,234.5" in html and "revenue %" in html and "text-align: left" in html
    assert table["revenue_share"].tolist() == [0.75, 0.25]
