"""The write-it-yourself exercises: inputs, the workbook's own result, and the typical wrong results.

Each ``*_task`` function takes objects a numbered notebook already holds and returns a
:class:`helpers.teaching.Task`: the inputs the student's function is called with, ``expected`` —
computed by the workbook's own helper (``segment.abc_classes``, ``clv.rfm_summary``,
``clv.BetaGeo``, ``survey.wilson_ci``, the topic model's ``TfidfVectorizer``,
``knowledge.segment_metrics`` …) — and the typical mistakes, each computed from the same inputs,
so the check can name the slip (ties split by row order, frequency off by one, days instead of
weeks, a Wald interval instead of Wilson's) without ever showing the expected value.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from .. import clv, knowledge, segment, topics
from .. import survey as sv
from ..largelog import ParquetLog, weekly_totals
from ..teaching import Mistake, Task

__all__ = ["abc_task", "bgnbd_fit_task", "bgnbd_loglik_task", "complaint_task", "rfm_task", "summary_task",
           "tfidf_task", "value_need_task", "weekly_revenue_task", "wilson_task", "bgnbd_log_likelihood"]


# 02 · cleaning: weekly net revenue
def weekly_revenue_task(clean: pd.DataFrame) -> Task:
    """02.3: net revenue per week starting Monday, labelled by its Monday, empty weeks 0
    (:func:`helpers.largelog.weekly_totals`)."""
    if isinstance(clean, ParquetLog):
        return Task(applies=False)
    lines = clean[["timestamp", "amount"]].copy()
    t = pd.to_datetime(lines["timestamp"])
    amount = lines["amount"].astype(float)
    by_sunday = amount.groupby(t.dt.to_period("W-SUN").dt.end_time.dt.normalize()).sum()
    by_monday_end = amount.groupby(t.dt.to_period("W-MON").dt.end_time.dt.normalize()).sum()
    return Task(args=(lines,), expected=weekly_totals(clean, "amount").rename("amount"),
                mistakes=(Mistake(by_sunday, "resample('W') labels each week by its last day, a Sunday: label weeks "
                                             "by their Monday (e.g. resample('W-MON', label='left', closed='left') or "
                                             "dt.to_period('W').dt.start_time)."),
                          Mistake(by_monday_end, "a 'W-MON' week ends on Monday: the workbook's weeks start on Monday "
                                                 "(ISO weeks).")),
                hint="one row per week from the first to the last week, labelled by its Monday; weeks without "
                     "sales count 0.")


# 03 · CLV: the per-customer summary and BG/NBD
#: The write-it-yourself exercises (03.4, 03.5, 04.4–04.6) run the student's function on at most this many customers:
#: a seeded sample of a larger table (every row of the bundled datasets, the largest of which has 23,570). A function
#: that is right on 25,000 customers is right; on a large log's 1,000,000 the checks took half a minute.
CHECK_CUSTOMERS = 25_000


def checked_rows(table: pd.DataFrame, n: int | None = None, seed: int = 0) -> pd.DataFrame:
    """``table`` (one row per customer) itself when it has at most ``n`` rows, else a seeded sample of ``n`` of its
    rows in their order (``n``: default :data:`CHECK_CUSTOMERS`; the draw of :func:`helpers.clv.sample_customers`)."""
    return clv.sample_customers(table, CHECK_CUSTOMERS if n is None else int(n), seed=seed)


def checked_lines(tx: pd.DataFrame | ParquetLog, n: int | None = None, seed: int = 0) -> pd.DataFrame | ParquetLog:
    """Every line of at most ``n`` customers of ``tx`` (all when there are no more; a seeded sample of whole
    histories, :func:`helpers.clv.sample_log`, otherwise); a log on disk as it is (its exercise does not apply)."""
    n = CHECK_CUSTOMERS if n is None else int(n)
    if isinstance(tx, ParquetLog) or tx["customer_id"].nunique() <= n:
        return tx
    return clv.sample_log(tx, n, seed=seed)


def summary_task(tx: pd.DataFrame, period_days: float) -> Task:
    """03.4: ``frequency`` (repeat purchase days), ``recency`` and ``T`` in periods of ``period_days``
    days, by ``customer_id``; observation end = the last day of the data (``clv.rfm_summary``); not for a
    log too large for pandas."""
    if isinstance(tx, ParquetLog):
        return Task(applies=False)
    lines = tx[["customer_id", "timestamp", "amount"]].copy()
    ref = clv.rfm_summary(lines, time_unit="D", time_scaler=period_days).set_index("customer_id")
    expected = ref[["frequency", "recency", "T"]].astype(float)
    expected.index = expected.index.astype(str)
    lines_per = lines.groupby(lines["customer_id"].astype(str)).size().reindex(expected.index).astype(float)
    slips = [(expected.assign(frequency=expected["frequency"] + 1),
              "frequency counts *repeat* purchase days: the first purchase day is not counted (off by one)."),
             (expected.assign(frequency=lines_per - 1),
              "count purchase *days* (all lines of one customer on one day are one purchase), not lines."),
             (expected.assign(recency=expected["T"] - expected["recency"]),
              "recency here is the time from the first to the last purchase (the BG/NBD meaning), not the time "
              "since the last purchase.")]
    if period_days != 1:
        slips.append((expected.assign(recency=expected["recency"] * period_days, T=expected["T"] * period_days),
                      "recency and T are in periods of period_days days (weeks when it is 7), not in days."))
    return Task(args=(lines, period_days), expected=expected, mistakes=tuple(Mistake(v, h) for v, h in slips),
                rtol=1e-6, atol=1e-6,
                hint="one row per customer_id with frequency, recency and T; the end of observation is the last "
                     "day in the data.")


def bgnbd_log_likelihood(params: Any, frequency: Any, recency: Any, T: Any, *, indicator: bool = True) -> float:
    """Total BG/NBD log-likelihood (Fader, Hardie & Lee 2005, eq. 6), natural log, summed over customers.

    ``LL_i = ln Γ(r+x) − ln Γ(r) + r ln α + ln[ B(a, b+x)/B(a, b) · (α+T)^−(r+x)
    + 1{x>0} · B(a+1, b+x−1)/B(a, b) · (α+tₓ)^−(r+x) ]``; ``indicator=False`` drops the ``1{x>0}``
    (the typical slip: one-time buyers then get a dropout term they cannot have).
    """
    r, alpha, a, b = (float(v) for v in params)
    x, tx, t = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = special.betaln(a, b + x) - special.betaln(a, b) - (r + x) * np.log(alpha + t)
    with np.errstate(invalid="ignore", divide="ignore"):
        a3 = special.betaln(a + 1, np.maximum(b + x - 1, 1e-300)) - special.betaln(a, b) - (r + x) * np.log(alpha + tx)
    if indicator:
        a3 = np.where(x > 0, a3, -np.inf)
    return float(np.sum(a1 + np.logaddexp(a2, a3)))


def _columns(split: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return tuple(split[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))  # type: ignore[return-value]


def bgnbd_loglik_task(split: pd.DataFrame, model: Any) -> Task:
    """03.5 (a): the total log-likelihood at the fitted parameters, as ``clv.BetaGeo`` computes it."""
    x, tx, t = _columns(split)
    params = tuple(float(v) for v in model.params_)
    data, weights = clv.BetaGeo().model_data(split)
    expected = float(np.dot(weights, clv.BetaGeo().loglikeobs(np.array(params), data)))
    wrong = bgnbd_log_likelihood(params, x, tx, t, indicator=False)
    return Task(args=(params, x, tx, t), expected=expected, rtol=1e-6, atol=1e-6,
                mistakes=(Mistake(-expected, "return the log-likelihood itself; minimise its negative only in the "
                                             "fit."),
                          Mistake(expected / len(x), "sum over customers, not the mean."),
                          Mistake(wrong, "the dropout term B(a+1, b+x−1)… applies only to customers with x > 0 "
                                         "(one-time buyers cannot have dropped out after a repeat purchase).")),
                hint="FHL (2005) eq. 6, summed over customers; use scipy.special.gammaln and betaln, and "
                     "np.logaddexp for the log of the sum.")


def bgnbd_fit_task(split: pd.DataFrame, model: Any) -> Task:
    """03.5 (b): maximum-likelihood ``(r, alpha, a, b)``, within 2% of ``clv.BetaGeo``'s fit."""
    x, tx, t = _columns(split)
    return Task(args=(x, tx, t), expected=tuple(float(v) for v in model.params_), rtol=0.02, atol=1e-4,
                hint="minimise the negative log-likelihood over log-parameters (so they stay positive) with "
                     "scipy.optimize.minimize, starting e.g. from r = 1, alpha = mean T, a = 1, b = 1; check "
                     "that the optimiser reports success.")


# 04 · segmentation: value × needs, ABC, RFM
def value_need_task(customers: pd.DataFrame, need_col: str) -> Task:
    """04.4: quadrant of each customer by CLV and ``need_col``, each split at its median, "high" = strictly above."""
    data = customers[["customer_id", "clv", need_col]].copy()
    matrix = segment.value_need_matrix(data, value_col="clv", need_col=need_col)
    ids = data["customer_id"].astype(str).to_numpy()
    expected = pd.Series(matrix["quadrant"].astype(str).to_numpy(), index=ids, name="quadrant")
    names = {k: v[0] for k, v in segment.QUADRANTS.items()}

    def quadrants(value_high: np.ndarray, need_high: np.ndarray) -> pd.Series:
        return pd.Series([names[(bool(v), bool(n))] for v, n in zip(value_high, need_high)], index=ids, name="quadrant")

    value, need = data["clv"].astype(float).to_numpy(), data[need_col].astype(float).to_numpy()
    return Task(args=(data, need_col), expected=expected,
                mistakes=(Mistake(quadrants(value >= np.median(value), need >= np.median(need)),
                                  "'high' means strictly above the median: customers at the median are low."),
                          Mistake(quadrants(value > value.mean(), need > need.mean()),
                                  "split each axis at its median, not its mean (CLV is very skewed).")),
                hint="a Series of quadrant names (segment.QUADRANTS) indexed by customer_id.")


def _abc(values: np.ndarray, ids: np.ndarray, cutoffs: tuple[float, ...], *, crossing_in: bool,
         ties: bool) -> np.ndarray:
    order = np.lexsort((ids.astype(str), -values))
    v = values[order]
    cum = np.cumsum(v) / v.sum()
    before = cum - v / v.sum()
    if ties:
        starts = np.flatnonzero(np.r_[True, v[1:] != v[:-1]])
        block = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(v)]))
        before = np.minimum.reduceat(before, starts)[block]
    share = before if crossing_in else cum
    labels = np.array(["A", "B", "C"])
    k = (np.searchsorted(np.array(cutoffs) - 1e-12, share, side="right") if crossing_in
         else np.searchsorted(np.array(cutoffs) + 1e-12, share, side="left"))
    out = np.empty(len(v), dtype=object)
    out[order] = labels[np.minimum(k, 2)]
    return out


def abc_task(customers: pd.DataFrame, cutoffs: tuple[float, float]) -> Task:
    """04.5: ABC class by revenue (``segment.abc_classes``), a Series indexed like ``customers``."""
    data = customers[["customer_id", "revenue"]].copy()
    expected = segment.abc_classes(data, "revenue", tuple(cutoffs))["abc_class"].astype(str).reindex(data.index)
    values, ids = data["revenue"].astype(float).to_numpy(), data["customer_id"].astype(str).to_numpy()

    def variant(**kw: bool) -> pd.Series:
        return pd.Series(_abc(values, ids, tuple(cutoffs), **kw), index=data.index, name="abc_class")

    return Task(args=(data, tuple(cutoffs)), expected=expected.rename("abc_class"),
                mistakes=(Mistake(variant(crossing_in=False, ties=True),
                                  "the customer who crosses a cut-off still belongs to the better class (A at 80%): "
                                  "compare the share of revenue *before* the customer with the cut-off."),
                          Mistake(variant(crossing_in=True, ties=False),
                                  "customers with exactly the same revenue must share a class: a tie block at a "
                                  "cut-off goes up as a whole."),
                          Mistake(variant(crossing_in=False, ties=False),
                                  "two slips: the customer who crosses a cut-off belongs to the better class, and "
                                  "customers with the same revenue share a class.")),
                hint="sort by revenue, largest first; class by the cumulative share of revenue before each customer.")


def rfm_task(rfm: pd.DataFrame, q: int) -> Task:
    """04.6: R, F, M scores 1..q with the tie rule ``min`` and recency reversed (``segment.rfm_scores``)."""
    data = rfm[["customer_id", "recency", "frequency", "monetary_value"]].copy()
    cols = ["r_score", "f_score", "m_score"]

    def scores(**kw: Any) -> pd.DataFrame:
        return segment.rfm_scores(data, q, **kw)[cols].set_axis(data.index)

    def score(column: str, **kw: Any) -> np.ndarray:
        return segment.quantile_scores(data[column], q, **kw).to_numpy()

    flipped = scores().assign(r_score=score("recency", higher_is_better=True))
    return Task(args=(data, q), expected=scores(),
                mistakes=(Mistake(scores(ties="first"), "customers with equal values must get equal scores (rank "
                                                        "method 'min'), not be spread by row order ('first')."),
                          Mistake(scores(ties="average"), "ties get the score of the *lowest* rank of their block "
                                                          "(method='min'), not the average rank."),
                          Mistake(flipped, "recency is days since the last purchase: fewer days = more recent = the "
                                           "highest R score.")),
                hint="score = floor(q·(rank − 1)/n) + 1 with rank(method='min'); a DataFrame with r_score, f_score "
                     "and m_score, indexed like rfm.")


# 05 · staff survey: Wilson intervals
def wilson_task(statements: pd.DataFrame) -> Task:
    """05.4: Wilson 95% interval (low, high) of each statement's share (``survey.wilson_ci``)."""
    rows = statements.dropna(subset=["count", "n"])
    count, n = rows["count"].to_numpy(dtype=float), rows["n"].to_numpy(dtype=float)
    low, high = sv.wilson_ci(count, n)
    p = count / n
    wald = 1.959963984540054 * np.sqrt(p * (1 - p) / n)
    z90 = 1.6448536269514722
    mid = (p + z90**2 / (2 * n)) / (1 + z90**2 / n)
    half = z90 * np.sqrt(p * (1 - p) / n + z90**2 / (4 * n**2)) / (1 + z90**2 / n)
    return Task(args=(count, n), expected=(np.asarray(low), np.asarray(high)), rtol=1e-6, atol=1e-6,
                mistakes=(Mistake((p - wald, p + wald), "that is the Wald interval p ± z·√(p(1−p)/n); Wilson's centre "
                                                         "moves towards 1/2 and its width uses z²/(4n²)."),
                          Mistake((mid - half, mid + half), "a 95% interval uses z = 1.96, not 1.645 (90%)."),
                          Mistake((np.asarray(low) * 100, np.asarray(high) * 100), "give shares between 0 and 1, not "
                                                                                     "percentages."),
                          Mistake((np.asarray(high), np.asarray(low)), "return (low, high), in that order.")),
                hint="Wilson (1927): centre (p + z²/2n)/(1 + z²/n), half-width z·√(p(1−p)/n + z²/4n²)/(1 + z²/n).")


# 06 · community: TF-IDF top words
def tfidf_task(model: Any, posts: pd.DataFrame, n: int = 10) -> Task:
    """06.4: the ``n`` words with the largest total TF-IDF weight over the posts, with the topic model's
    vectorizer settings (``model.vectorizer_``: tokens split on spaces, sublinear tf, min_df, max_df); the
    student's function gets the posts as the model saw them (``topics.segment``: jieba, stop words removed)."""
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

    docs = topics.segment(topics.post_texts(posts), topics.load_stopwords())

    def top(matrix: Any, terms: np.ndarray) -> list[str]:
        total = np.asarray(matrix.sum(axis=0)).ravel()
        order = sorted(range(len(terms)), key=lambda j: (-round(float(total[j]), 9), str(terms[j])))
        return [str(terms[j]) for j in order[:n]]

    vec = model.vectorizer_
    expected = top(vec.transform(docs), vec.get_feature_names_out())
    settings = {"token_pattern": r"(?u)[^ ]+", "lowercase": False, "min_df": vec.min_df, "max_df": vec.max_df}
    counts = CountVectorizer(**settings)
    plain = TfidfVectorizer(**settings)
    default = TfidfVectorizer(sublinear_tf=True, min_df=vec.min_df, max_df=vec.max_df)
    slips = [(lambda v: top(v.fit_transform(docs), v.get_feature_names_out()))(v) for v in (counts, plain, default)]
    return Task(args=(list(docs), n), expected=expected,
                mistakes=(Mistake(slips[0], "raw counts favour words that are everywhere: weight them by inverse "
                                            "document frequency (TF-IDF)."),
                          Mistake(slips[1], "use sublinear tf (1 + log tf), as the workbook's vectorizer does."),
                          Mistake(slips[2], "the posts are already segmented: split tokens on spaces "
                                            "(token_pattern r'(?u)[^ ]+'); the default pattern drops one-character "
                                            "Chinese words.")),
                hint="TfidfVectorizer(token_pattern=r'(?u)[^ ]+', lowercase=False, sublinear_tf=True, min_df, max_df "
                     "as in model.vectorizer_), sum each word's weight over posts, keep the n largest.")


# 07 · knowledge: complaint share per segment
def complaint_task(con: Any, column: str) -> Task:
    """07.3: share of each segment's coded posts that are complaints (kind C), as ``knowledge.segment_metrics``."""
    if not knowledge.has_table(con, "posts_coded"):
        return Task(applies=False)
    posts = con.execute("SELECT post_id, customer_id, kind, category_zh FROM posts_coded").df()
    profile = con.execute(f'SELECT customer_id, "{column}" AS segment FROM customer_profile').df()
    metrics = knowledge.segment_metrics(con, column).set_index("segment")
    expected = metrics.drop(index="all")["complaint_share"].dropna().rename("complaint_share")
    known = profile.dropna(subset=["segment"])
    joined = posts.merge(known, on="customer_id")
    by_customer = joined.assign(c=joined["kind"] == "C").groupby(["segment", "customer_id"])["c"].any()
    per_customer = by_customer.groupby("segment").mean().reindex(expected.index)
    of_all = (joined["kind"] == "C").groupby(joined["segment"]).sum().reindex(expected.index) / len(posts)
    return Task(args=(posts, profile), expected=expected,
                mistakes=(Mistake(per_customer, "the share is of *posts* (complaints / coded posts of the segment), "
                                                "not of customers."),
                          Mistake(of_all, "divide by the segment's own coded posts, not by all posts.")),
                hint="join posts to profile on customer_id (posts without a customer have no segment), then per "
                     "segment: posts of kind 'C' / all its posts; a Series indexed by segment.")
