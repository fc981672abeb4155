"""What notebook 03's evaluation sections show (issue 19): the scorecard as tables, the intervals of the most valuable
customers, and sentences computed from the numbers of the scorecard, the intervals, the sensitivity table and the
holdout checks of Fader, Hardie & Lee (2005).

Every ``*_claim`` returns ``(sentence, numbers)``: the sentence in the current language (:func:`helpers.i18n.tr`,
catalog ``helpers/locale/zh.yml``) and the numbers it rests on; a word that ranks or judges ("lowest", "most",
"rejected") is chosen by comparing those numbers, so the sentence changes when the data do
(``tests/test_clv_evaluation_report.py`` checks the words against the numbers).

- :func:`scorecard_table` — the scorecard's metrics over all customers, one row per forecast, or the mean absolute
  error by calibration frequency group; :func:`scorecard_best_claim` — which forecast is best on each metric.
- :func:`top_customer_intervals` — :func:`~helpers.clv.customer_intervals` for the top customers by CLV, from the
  very models :func:`~helpers.clv.score_customers` fitted; :func:`interval_claim` — how wide those intervals are.
- :func:`sample_log` — the lines of a seeded sample of customers (a cheap sensitivity run on a large log);
  :func:`sensitivity_table` — :func:`~helpers.clv.clv_sensitivity`'s table to show; :func:`sensitivity_claim` —
  which choice moves the CLV ranking most and least.
- :func:`fhl_claim` — the FHL (2005) holdout checks (:func:`~helpers.clv.fhl_holdout_check`) in words.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ..engines import connect, frame_of, sql_ident
from ..errors import DataError
from ..i18n import tr
from ..largelog import ParquetLog
from .intervals import customer_intervals
from .models import MODELS
from .scorecard import ALL, BASELINE_WORDS, Scorecard
from .value import fit_models

Claim = tuple[str, dict[str, Any]]

#: Headers of :func:`scorecard_table` (English; Chinese in the catalog): metric column → header.
SCORECARD_HEADERS: dict[str, str] = {
    "mae": "MAE (purchases per customer)", "rmse": "RMSE (purchases per customer)", "correlation": "correlation",
    "bias": "bias (purchases per customer)", "normalised_gini": "normalised Gini",
}
#: The header of the group column of ``scorecard_table(card, by="group")``.
GROUP_HEADER = "repeat purchases in the calibration period"
#: Headers of the interval bounds of :func:`~helpers.clv.customer_intervals` (``labels`` of
#: :func:`helpers.tables.show`; the point estimates keep their canonical headers).
INTERVAL_HEADERS: dict[str, str] = {
    "p_alive_lower": "P(alive), lower", "p_alive_upper": "P(alive), upper",
    "expected_purchases_lower": "expected purchases, lower", "expected_purchases_upper": "expected purchases, upper",
    "clv_lower": "CLV, lower", "clv_upper": "CLV, upper",
}


def scorecard_table(card: Scorecard, by: str = "forecast") -> pd.DataFrame:
    """The scorecard as a table to show.

    ``by="forecast"``: one row per forecast over all customers — ``forecast``, ``customers`` and the MAE, RMSE,
    correlation and bias of :attr:`Scorecard.metrics` (purchases per customer in the holdout) with the normalised Gini
    of :attr:`Scorecard.gini`. ``by="group"``: the mean absolute error by calibration frequency group — one row per
    group (``all`` first), its ``customers``, one column per forecast (a baseline headed by its words,
    :data:`~helpers.clv.scorecard.BASELINE_WORDS`: "naive past-rate"). Columns are headed in words
    (:data:`SCORECARD_HEADERS`, :data:`GROUP_HEADER`), catalog entries for the Chinese set.
    """
    metrics = card.metrics
    if by == "forecast":
        overall = metrics.loc[metrics["group"] == ALL].drop(columns="group")
        table = overall.merge(card.gini[["forecast", "normalised_gini"]], on="forecast", how="left")
        return table.rename(columns=SCORECARD_HEADERS).reset_index(drop=True)
    if by == "group":
        wide = metrics.pivot(index="group", columns="forecast", values="mae")[card.forecasts]
        sizes = metrics.drop_duplicates("group").set_index("group")["customers"]
        order = list(dict.fromkeys(metrics["group"]))  # "all" first, then the groups in their order
        table = wide.reindex(order)
        table.insert(0, "customers", sizes.reindex(order).astype(int))
        table.columns.name = None
        return table.rename(columns=BASELINE_WORDS).rename_axis(GROUP_HEADER).reset_index()
    raise ValueError(f"by must be 'forecast' or 'group', not {by!r}")


def scorecard_best_claim(card: Scorecard) -> Claim:
    """Which forecast has, over all customers, the lowest mean absolute error, the lowest root mean squared error, the
    bias closest to 0 and the best ranking (highest normalised Gini); ties at the digits shown go to the first
    forecast of the scorecard (the models come first)."""
    table = scorecard_table(card).set_index("forecast")
    scores = {"mae": table[SCORECARD_HEADERS["mae"]].round(3), "rmse": table[SCORECARD_HEADERS["rmse"]].round(3),
              "bias": table[SCORECARD_HEADERS["bias"]].abs().round(3),
              "gini": -table[SCORECARD_HEADERS["normalised_gini"]].round(2)}
    best = {k: str(v.idxmin()) for k, v in scores.items()}
    numbers = {"best": best, "customers": int(table["customers"].iloc[0]),
               "mae": float(table.loc[best["mae"], SCORECARD_HEADERS["mae"]]),
               "rmse": float(table.loc[best["rmse"], SCORECARD_HEADERS["rmse"]]),
               "bias": float(table.loc[best["bias"], SCORECARD_HEADERS["bias"]]),
               "gini": float(table.loc[best["gini"], SCORECARD_HEADERS["normalised_gini"]])}
    text = tr("Over all {n:,} customers the lowest mean absolute error is that of {mae_best} ({mae:.3f}), the lowest "
              "root mean squared error that of {rmse_best} ({rmse:.3f}), the bias closest to 0 that of {bias_best} "
              "({bias:+.3f}) and the best ranking that of {gini_best} (normalised Gini {gini:.2f}).",
              n=numbers["customers"], mae=numbers["mae"], rmse=numbers["rmse"], bias=numbers["bias"],
              gini=numbers["gini"], **{f"{k}_best": _forecast_words(v) for k, v in best.items()})
    return text, numbers


def _forecast_words(forecast: str) -> str:
    """A forecast as a sentence names it: a model by its name, a baseline as "the naive past-rate forecast"."""
    if forecast in BASELINE_WORDS:
        return tr("the {baseline} forecast", baseline=tr(BASELINE_WORDS[forecast]))
    return forecast


def top_customer_intervals(summary: pd.DataFrame, scores: pd.DataFrame, *, share: float = 0.10,
                           max_customers: int = 10_000, horizon: int = 52, time_unit: str = "W",
                           discount_rate: float = 0.10, max_fit_customers: int | None = None, seed: int = 0,
                           level: float = 0.90, draws: int = 128) -> pd.DataFrame:
    """:func:`~helpers.clv.customer_intervals` for the top ``share`` of customers by CLV in ``scores`` (at most
    ``max_customers``; ties in CLV broken by customer id), highest CLV first.

    ``scores`` is :func:`~helpers.clv.score_customers` of ``summary`` with the same ``horizon``, ``time_unit``,
    ``discount_rate``, ``max_fit_customers`` and ``seed``: its transaction model (``attrs["transaction_model"]``)
    and Gamma-Gamma are fitted again on the same customers, and refused (:class:`~helpers.errors.DataError`) unless
    they give the scores' parameters and CLVs, so the intervals are around the very values the scores hold.
    ``attrs`` add ``customers`` (all scored) and ``top_customers`` (with intervals) to the intervals' own.
    """
    if not 0 < share <= 1:
        raise ValueError(f"share must be in (0, 1], not {share!r}")
    if not scores.index.equals(summary.index):
        raise DataError("scores and summary are not indexed alike: pass score_customers(summary, ...) with its summary",
                        file="scores")
    name = scores.attrs.get("transaction_model")
    spec = next((s for s in MODELS.values() if s.model.__name__ == name), None)
    if spec is None:
        raise DataError(f"scores do not name a registered transaction model (attrs transaction_model = {name!r})",
                        file="scores", hint="pass the output of clv.score_customers")
    if "transaction_params" not in scores.attrs:
        raise DataError("scores do not carry their model's parameters (attrs transaction_params)", file="scores",
                        hint="pass the output of clv.score_customers")
    model, spend, _, _ = fit_models(summary, spec.key, max_fit_customers=max_fit_customers, seed=seed)
    expected = pd.Series(scores.attrs["transaction_params"], dtype=float)
    if not np.allclose(model.params_.reindex(expected.index).to_numpy(), expected.to_numpy(), rtol=1e-8, atol=0):
        raise DataError(f"{name} fitted again gives {model.params_.round(6).to_dict()}, not the scores' "
                        f"{expected.round(6).to_dict()}: pass the max_fit_customers and seed the scores were made with",
                        file="scores")
    n_top = min(int(max_customers), math.ceil(share * len(scores)))
    top = summary.loc[_top_by_clv(scores, n_top)]
    out = customer_intervals(model, top, spend, horizon=horizon, time_unit=time_unit, discount_rate=discount_rate,
                             level=level, draws=draws, seed=seed)
    if not np.allclose(out["clv"].to_numpy(), scores.loc[top.index, "clv"].to_numpy(), rtol=1e-9, atol=1e-9):
        raise DataError("the intervals' CLV differs from the scores': pass the horizon, time_unit and discount_rate "
                        "the scores were made with", file="scores", column="clv")
    out.attrs.update({"customers": len(scores), "top_customers": n_top})
    return out


def _top_by_clv(scores: pd.DataFrame, n: int) -> pd.Index:
    """Index labels of the ``n`` highest CLVs of ``scores``, highest first, ties by customer id (as text): only the
    customers at or above the ``n``-th value are sorted, not millions (every customer when a CLV is missing)."""
    clv = scores["clv"].to_numpy(dtype=float)
    keep = np.ones(len(clv), dtype=bool)
    if 0 < n < len(clv) and not np.isnan(clv).any():
        keep = clv >= -np.partition(-clv, n - 1)[n - 1]  # the n-th largest and every tie with it
    ids = scores["customer_id"].iloc[np.flatnonzero(keep)].astype(str).to_numpy()
    order = pd.DataFrame({"clv": clv[keep], "id": ids}, index=scores.index[keep]).sort_values(
        ["clv", "id"], ascending=[False, True], kind="mergesort")
    return order.index[:n]


def interval_claim(intervals: pd.DataFrame) -> Claim:
    """How wide the intervals of :func:`top_customer_intervals` are: the median relative width of the CLV interval,
    ``(upper − lower) / CLV``, with its 10th and 90th percentiles over the customers, the median relative width of
    the expected-purchases interval and the median width of the P(alive) interval (probability points)."""
    positive = intervals.loc[intervals["clv"] > 0]
    if positive.empty:
        raise DataError("no customer with a positive CLV: relative widths are undefined", file="intervals",
                        column="clv")
    clv_width = (positive["clv_upper"] - positive["clv_lower"]) / positive["clv"]
    bought = positive.loc[positive["expected_purchases"] > 0]
    purchases = (bought["expected_purchases_upper"] - bought["expected_purchases_lower"]) / bought["expected_purchases"]
    alive = positive["p_alive_upper"] - positive["p_alive_lower"]
    n, total = len(intervals), int(intervals.attrs.get("customers", len(intervals)))
    numbers = {"customers": n, "of": total, "share": n / total, "level": float(intervals.attrs.get("level", 0.9)),
               "clv_median": float(clv_width.median()), "clv_p10": float(clv_width.quantile(0.1)),
               "clv_p90": float(clv_width.quantile(0.9)), "purchases_median": float(purchases.median()),
               "p_alive_median": float(alive.median())}
    text = tr("For the {n:,} customers with the highest CLV ({share:.0%} of {total:,}), the {level:.0%} interval of CLV "
              "spans a median {clv:.0%} of the point estimate ({p10:.0%} to {p90:.0%} for the middle 80% of them), the "
              "interval of expected purchases a median {purchases:.0%}; P(alive) intervals are a median {alive:.3f} "
              "wide.", n=n, share=numbers["share"], total=total, level=numbers["level"], clv=numbers["clv_median"],
              p10=numbers["clv_p10"], p90=numbers["clv_p90"], purchases=numbers["purchases_median"],
              alive=numbers["p_alive_median"])
    return text, numbers


def sample_log(transactions: pd.DataFrame | ParquetLog, max_customers: int, *, seed: int = 0,
               customer_id_col: str = "customer_id") -> pd.DataFrame:
    """All lines of a seeded random sample of ``max_customers`` customers (every customer when there are no more), in
    the log's order, as a DataFrame; ``attrs["sampled_customers"]`` says how many customers were kept (``None``: all).

    The customers are drawn from the sorted distinct ids (as text) with ``numpy.random.default_rng(seed)``, so a
    large log on disk (:class:`~helpers.largelog.ParquetLog`, its canonical columns read by DuckDB, ordered by
    ``source_file, source_row``) gives the same customers as the same log in memory."""
    if isinstance(transactions, ParquetLog):
        return _sample_parquet_log(transactions, int(max_customers), seed, customer_id_col)
    ids = pd.unique(transactions[customer_id_col].astype(str))
    if len(ids) <= int(max_customers):
        out = transactions.copy(deep=False)
        out.attrs = {**transactions.attrs, "sampled_customers": None}
        return out
    keep = _drawn(ids, max_customers, seed)
    out = transactions.loc[transactions[customer_id_col].astype(str).isin(set(keep))].copy()
    out.attrs = {**transactions.attrs, "sampled_customers": int(max_customers)}
    return out


def _sample_parquet_log(log: ParquetLog, max_customers: int, seed: int, customer_id_col: str) -> pd.DataFrame:
    """:func:`sample_log` of a log on disk without bringing its customers to Python: DuckDB sorts the distinct ids
    (text, byte order = the code-point order of ``numpy.sort``), numpy draws ``max_customers`` positions with
    ``seed`` (the positions :func:`_drawn` draws: ``Generator.choice`` of an array takes those of its length), and
    only the lines of the drawn customers are read and ordered by ``source_file, source_row``."""
    cid = f"CAST({sql_ident(customer_id_col)} AS VARCHAR)"
    con = connect()
    try:
        con.execute(f"CREATE TEMP TABLE ids AS SELECT DISTINCT {cid} AS id FROM ({log.select_sql()})")
        n_ids = con.execute("SELECT count(*) FROM ids").fetchall()[0][0]
        where = ""
        if n_ids > max_customers:
            picks = pd.DataFrame({"i": np.random.default_rng(seed).choice(n_ids, max_customers, replace=False)})
            con.register("picks", picks)
            con.execute("CREATE TEMP TABLE keep AS SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 "
                        "AS i FROM ids) WHERE i IN (SELECT i FROM picks)")
            where = f"WHERE {cid} IN (SELECT id FROM keep)"
        out = frame_of(con.sql(f"SELECT * FROM ({log.select_sql()}) {where} ORDER BY source_file, source_row"))
    finally:
        con.close()
    out.attrs = {"sampled_customers": max_customers if n_ids > max_customers else None}
    return out


def _drawn(ids: np.ndarray, n: int, seed: int) -> np.ndarray:
    """``n`` of the distinct ids (text), drawn without replacement from their sorted order with ``seed``."""
    return np.random.default_rng(seed).choice(np.sort(np.asarray(ids, dtype=str)), int(n), replace=False)


def sensitivity_table(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`~helpers.clv.clv_sensitivity`'s table to show: aspects and settings in the current language (catalog),
    Spearman's correlation and the top-decile overlap headed in words (the overlap as a share)."""
    out = table.copy()
    for column in ("aspect", "setting"):
        out[column] = [tr(v) for v in out[column]]
    return out.rename(columns={"spearman": "Spearman rank correlation",
                               "top_decile_overlap": "share of the top 10% kept"})


def sensitivity_claim(table: pd.DataFrame) -> Claim:
    """Which choice of :func:`~helpers.clv.clv_sensitivity` moves the CLV ranking most and which least.

    Each aspect (time unit, calibration window, discount rate) is judged by its setting with the lowest top-decile
    overlap (then Spearman); the aspect whose worst setting keeps the fewest of the default's top 10 % moves the
    ranking most, the one that keeps the most moves it least."""
    variants = table.loc[table["aspect"] != "default"]
    if variants["aspect"].nunique() < 2:
        raise ValueError("a sensitivity table with at least two aspects besides the default is needed")
    worst = (variants.sort_values(["top_decile_overlap", "spearman"], kind="mergesort")
             .drop_duplicates("aspect").sort_values(["top_decile_overlap", "spearman"], kind="mergesort"))
    most, least = worst.iloc[0], worst.iloc[-1]
    numbers = {"most": (most["aspect"], most["setting"], float(most["top_decile_overlap"]), float(most["spearman"])),
               "least": (least["aspect"], least["setting"], float(least["top_decile_overlap"]),
                         float(least["spearman"])),
               "customers": int(table["customers"].iloc[0])}
    text = tr("Of the default's top 10% of customers by CLV ({n:,} customers scored), {most_overlap:.1%} stay in the top "
              "10% when the {most_aspect} is {most_setting} (Spearman {most_rho:.3f}), the choice that moves the "
              "ranking most, and {least_overlap:.1%} when the {least_aspect} is {least_setting} (Spearman "
              "{least_rho:.3f}), the one that moves it least.", n=numbers["customers"], most_setting=tr(most["setting"]),
              most_aspect=tr(most["aspect"]), most_overlap=numbers["most"][2], most_rho=numbers["most"][3],
              least_setting=tr(least["setting"]), least_aspect=tr(least["aspect"]),
              least_overlap=numbers["least"][2], least_rho=numbers["least"][3])
    return text, numbers


def fhl_claim(table: pd.DataFrame, alpha: float = 0.05) -> Claim:
    """The FHL (2005) holdout checks of :func:`~helpers.clv.fhl_holdout_check` in words: per model the histogram χ²
    (rejected or not at level ``alpha``), the per-customer correlation, the zero class and the week-78 tracking error;
    which model tracks the cumulative repeat transactions more closely. Says that the values are computed and no
    published value is entered."""
    got = table.set_index(["model", "quantity"])["computed"]

    def value(model: str, start: str) -> float:
        hits = [q for m, q in got.index if m == model and q.startswith(start)]
        if len(hits) != 1:
            raise KeyError(f"{model!r}: no single quantity starting {start!r} in the FHL table")
        return float(got[(model, hits[0])])

    models = [m for m in dict.fromkeys(table["model"]) if m != "CDNOW sample"]
    if "holdout_weeks" not in table.attrs:
        raise DataError("the table does not say how long its holdout is (attrs holdout_weeks)", file="fhl table",
                        hint="pass the output of clv.fhl_holdout_check")
    numbers: dict[str, Any] = {"weeks": float(table.attrs["holdout_weeks"]),
                               "zero_actual": value("CDNOW sample", "zero class: customers without"), "models": {}}
    for m in models:
        numbers["models"][m] = {"chi2": value(m, "repeat-purchase histogram"), "p": value(m, "histogram χ² p-value"),
                                "correlation": value(m, "correlation"), "zero": value(m, "zero class: customers without"),
                                "tracking": value(m, f"week {_week(table)} tracking")}
    parts = []
    for m, v in numbers["models"].items():
        verdict = tr("rejected") if v["p"] < alpha else tr("not rejected")
        parts.append(tr("{model}: histogram χ² {chi2:.2f} (p = {p:.3f}, {verdict} at {alpha:.0%}), correlation {corr:.2f}, "
                        "{zero:,.0f} predicted without a purchase, week-{week} tracking error {err:+.1%}.", model=m,
                        chi2=v["chi2"], p=v["p"], verdict=verdict, alpha=alpha, corr=v["correlation"], zero=v["zero"],
                        week=_week(table), err=v["tracking"]))
    errors = {m: round(abs(v["tracking"]), 3) for m, v in numbers["models"].items()}
    closest = [m for m, e in errors.items() if e == min(errors.values())]
    numbers["closest"] = closest[0] if len(closest) == 1 else None
    ending = (tr("{model} tracks the cumulative repeat transactions more closely.", model=closest[0])
              if len(closest) == 1 else tr("The models track the cumulative repeat transactions equally closely."))
    text = " ".join([tr("FHL (2005) holdout checks on the CDNOW sample ({weeks:g}-week holdout; {zero:,.0f} customers made "
                        "no holdout purchase), computed in this run — the paper shows them as figures, so no published "
                        "value is entered:", weeks=numbers["weeks"], zero=numbers["zero_actual"]), *parts, ending])
    return text, numbers


def _week(table: pd.DataFrame) -> int:
    """The last week of the tracking in the FHL table (78 on the CDNOW sample)."""
    quantity = next(q for q in table["quantity"] if q.startswith("week ") and "tracking error" in q)
    return int(quantity.split()[1])
