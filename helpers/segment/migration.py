"""Segment migration (客户迁移): do the segments mean what their names say? RFM segments and lifecycle stages of
the calibration period against what the same customers did afterwards.

:func:`segment_migration` takes two per-customer summaries of one log — at the end of the calibration period and
at the end of the holdout (``clv.rfm_summary(..., include_first_transaction=True)`` at each date) — segments the
customers at both dates with a scheme of :data:`~helpers.segment.RFM_SCHEMES` (and, when P(alive) is given or
not, with :func:`~helpers.segment.lifecycle_stage`), and returns the transition matrix (calibration segment →
holdout-end segment) and, per calibration segment, the share of customers who **came back** (made at least one
purchase after the calibration end). "Champions" of whom few come back, or "hibernating" customers of whom many do,
are names the data do not bear out.

Why here: the segments are this package's (:func:`~helpers.segment.rfm_table`,
:func:`~helpers.segment.assign_rfm_segments`, :func:`~helpers.segment.lifecycle_stage`), and ``helpers.clv`` may
not import ``helpers.segment`` (``ALLOWED`` in ``scripts/architecture.py``); like the rest of the package it takes
the summaries ``clv`` computes as plain tables, so the notebook cell calls ``clv.rfm_summary`` twice (and, for
lifecycle stages from P(alive), a fitted model's ``probability_alive``) and hands the results over.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from .. import i18n
from ..errors import DataError
from ..i18n import tr
from ..plotting import FIGURE_WIDTH, PALETTE, set_title
from .arrays import ID, customer_ids, numeric, period_days, require, weeks_since_first
from .lifecycle import LIFECYCLE_STAGES, lifecycle_stage
from .rfm import rfm_table
from .schemes import RFM_SCHEMES, SEGMENT_ZH, assign_rfm_segments


@dataclass
class Migration:
    """What :func:`segment_migration` returns.

    ``customers``: one row per calibration customer — ``customer_id``, ``segment`` (calibration), ``segment_later``
    (holdout end), ``stage`` and ``stage_later`` (lifecycle), ``came_back`` (bool), ``later_purchases`` (purchase
    periods after the calibration end). ``transitions``: customers by calibration segment (rows) and holdout-end
    segment (columns), in the scheme's order; ``shares`` the same as row shares. ``came_back``: per calibration
    segment ``customers, came_back, share_came_back, mean_later_purchases``; ``stages`` the same per lifecycle stage.
    """

    customers: pd.DataFrame
    transitions: pd.DataFrame
    shares: pd.DataFrame
    came_back: pd.DataFrame
    stages: pd.DataFrame
    stage_transitions: pd.DataFrame
    scheme: str


def segment_migration(calibration: pd.DataFrame, later: pd.DataFrame, *, scheme: str = "rfm10",
                      p_alive: pd.Series | None = None, p_alive_later: pd.Series | None = None,
                      **lifecycle_thresholds: Any) -> Migration:
    """RFM segments and lifecycle stages at the calibration end and at the holdout end, for the same customers.

    Parameters
    ----------
    calibration, later
        ``clv.rfm_summary(log, monetary_value_col=..., include_first_transaction=True, time_unit="D", ...)`` with
        ``observation_period_end`` the calibration end and the holdout end. Both must count days (``attrs``
        ``time_unit="D"``): a later purchase is then one more purchase day; with weeks or months a purchase in the
        period of the calibration end would merge with one before it. Every calibration customer must be in
        ``later`` with at least the purchases and age they had (else it is no later summary of the same log:
        :class:`~helpers.errors.DataError`). ``later`` is segmented as it is — pass all customers at that date,
        as the firm would segment them then (quantile scores depend on who is compared); the tables cover the
        calibration customers.
    scheme
        A key of :data:`~helpers.segment.RFM_SCHEMES` (``"rfm10"``, ``"pymc5"``, ``"cn8"``).
    p_alive, p_alive_later
        Optional P(alive) per customer (Series indexed by ``customer_id``) at each date, for the lifecycle rules;
        without it only the recency rules of :func:`~helpers.segment.lifecycle_stage` apply.
    lifecycle_thresholds
        Passed to :func:`~helpers.segment.lifecycle_stage`.
    """
    if scheme not in RFM_SCHEMES:
        raise ValueError(f"scheme must be one of {list(RFM_SCHEMES)}, not {scheme!r}")
    for name, frame in (("calibration", calibration), ("later", later)):
        require(frame, [ID, "frequency", "recency", "T", "monetary_value"], f"segment_migration ({name})",
                hint="build it with clv.rfm_summary(..., monetary_value_col='amount', include_first_transaction=True)")
        customer_ids(frame, f"segment_migration ({name})")
        if frame.attrs.get("time_unit") != "D":
            raise DataError(f"the {name} summary counts {frame.attrs.get('time_unit')!r} periods, not days: a "
                            "purchase after the calibration end could merge with one before it in the same period",
                            file=name, hint="build both summaries with clv.rfm_summary(..., time_unit='D') (any "
                            "time_scaler)")
    ids = calibration[ID]
    at = pd.Index(later[ID].to_numpy()).get_indexer(ids.to_numpy())  # one hash of the later ids, reused below
    missing = at < 0
    if missing.any():
        raise DataError(f"{int(missing.sum())} calibration customer(s) are not in the later summary, e.g. "
                        f"{ids[missing].iloc[0]!r}", file="later", column=ID,
                        hint="summarise the same log at the holdout end (all customers up to that date)")
    days_cal, days_later = period_days(calibration, "calibration"), period_days(later, "later")
    n_cal = numeric(calibration, "frequency", "segment_migration")
    n_later = numeric(later, "frequency", "segment_migration")[at]
    age_cal = numeric(calibration, "T", "segment_migration") * days_cal
    age_later = numeric(later, "T", "segment_migration")[at] * days_later
    bad = (n_later < n_cal) | (age_later < age_cal)
    if bad.any():
        raise DataError(f"{int(bad.sum())} customer(s) have fewer purchases or a shorter history in the later summary "
                        f"than in the calibration one, e.g. {ids[bad].iloc[0]!r}: it is not a later summary of the "
                        "same log", file="later", column="frequency", hint="summarise the same log at a later date")

    seg_cal = assign_rfm_segments(rfm_table(calibration), scheme)["segment"].to_numpy()
    seg_later = assign_rfm_segments(rfm_table(later), scheme)["segment"].to_numpy()[at]
    stage_cal = lifecycle_stage(_weeks(calibration, p_alive), **lifecycle_thresholds).to_numpy()
    stage_later = lifecycle_stage(_weeks(later, p_alive_later), **lifecycle_thresholds).to_numpy()[at]
    customers = pd.DataFrame({ID: ids.to_numpy(), "segment": seg_cal, "segment_later": seg_later,
                              "stage": stage_cal, "stage_later": stage_later,
                              "later_purchases": n_later - n_cal, "came_back": n_later > n_cal})
    order = [s for s in RFM_SCHEMES[scheme].segments if s in set(seg_cal) | set(seg_later)]
    order += sorted((set(seg_cal) | set(seg_later)) - set(order))  # a custom segment_map's names, if any
    stages = list(LIFECYCLE_STAGES)
    transitions, shares = _crosstab(customers["segment"], customers["segment_later"], order)
    stage_transitions, _ = _crosstab(customers["stage"], customers["stage_later"], stages)
    return Migration(customers, transitions, shares, _came_back(customers, "segment", order),
                     _came_back(customers, "stage", stages), stage_transitions, scheme)


def _weeks(summary: pd.DataFrame, p_alive: pd.Series | None) -> pd.DataFrame:
    """The columns :func:`lifecycle_stage` reads: weeks since the first and the last purchase, and P(alive)."""
    days = period_days(summary, "summary")
    T, recency = numeric(summary, "T", "segment_migration"), numeric(summary, "recency", "segment_migration")
    out = pd.DataFrame({ID: summary[ID].to_numpy(), "weeks_since_first": weeks_since_first(summary, "segment_migration"),
                        "weeks_since_last": (T - recency) * days / 7.0}, index=summary.index)
    if p_alive is not None:
        values = pd.Series(p_alive).reindex(summary[ID].to_numpy())
        if values.isna().any():
            raise DataError(f"P(alive) is missing for {int(values.isna().sum())} customer(s), e.g. "
                            f"{values.index[values.isna().to_numpy()][0]!r}", column="p_alive",
                            hint="pass P(alive) for every customer of the summary, indexed by customer_id")
        out["p_alive"] = values.to_numpy(dtype=float)
    return out


def _crosstab(rows: pd.Series, columns: pd.Series, order: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counts (every segment of ``order`` as a row and a column, zeros included) and row shares."""
    counts = pd.crosstab(pd.Categorical(rows, categories=order), pd.Categorical(columns, categories=order),
                         dropna=False).reindex(index=order, columns=order, fill_value=0)
    counts.index.name, counts.columns.name = "calibration", "holdout end"
    totals = counts.sum(axis=1).to_numpy(dtype=float)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = pd.DataFrame(np.where(totals > 0, counts.to_numpy() / totals, np.nan), index=counts.index,
                              columns=counts.columns)
    return counts, shares


def _came_back(customers: pd.DataFrame, by: str, order: list[str]) -> pd.DataFrame:
    """Per group of ``by``: customers, how many came back, the share, and the mean purchases after the end."""
    grouped = customers.groupby(by, observed=True).agg(customers=("came_back", "size"),
                                                        came_back=("came_back", "sum"),
                                                        mean_later_purchases=("later_purchases", "mean"))
    grouped = grouped.reindex([g for g in order if g in grouped.index])
    grouped["came_back"] = grouped["came_back"].astype(int)
    grouped.insert(2, "share_came_back", grouped["came_back"] / grouped["customers"])
    grouped.index.name = by
    return grouped.reset_index()


def plot_migration(migration: Migration, *, label: str | None = None) -> Figure:
    """Left: where each calibration segment's customers are at the holdout end (row shares, %); right: the share of
    each calibration segment who came back (made a purchase after the calibration end, %)."""
    shares = migration.shares
    names = [_shown(s) for s in shares.index]  # segments ("at risk" is the segment, not the lifecycle stage)
    fig, (left, right) = plt.subplots(1, 2, figsize=(FIGURE_WIDTH, 1.6 + 0.36 * len(shares)),
                                      gridspec_kw={"width_ratios": [2.6, 1]})
    values = shares.to_numpy(dtype=float) * 100
    left.imshow(np.ma.masked_invalid(values), cmap="Blues", vmin=0, vmax=100, aspect="auto")
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            if np.isfinite(values[i, j]) and values[i, j] >= 0.5:
                left.text(j, i, f"{values[i, j]:.0f}", ha="center", va="center", fontsize=8,
                          color="white" if values[i, j] > 55 else "black")
    left.set_xticks(range(len(names)), names, rotation=90)
    left.set_yticks(range(len(names)), names)
    left.set_xlabel(tr("segment at the holdout end"))
    left.set_ylabel(tr("segment at the calibration end"))
    left.grid(False)
    back = migration.came_back.set_index("segment")["share_came_back"].reindex(shares.index) * 100
    right.barh(np.arange(len(back)), back.to_numpy(), color=sns.color_palette(PALETTE)[0])  # the theme's first colour
    right.set_yticks(np.arange(len(back)), [""] * len(back))
    right.set_ylim(len(back) - 0.5, -0.5)
    right.set_xlim(0, 100)
    right.set_xlabel(tr("came back (% of segment)"))
    set_title(left, tr("Segment migration: calibration → holdout end (% of row) 客户群迁移"), label)
    fig.tight_layout()
    return fig


# ---- issue 19 (evalnb): the names against what customers did, in words

#: What the names of each scheme's segments say about buying again: ``(named as buying now, named as slipping away
#: or gone)``; a segment in neither says nothing either way (rfm10's "need attention", pymc5's "Top Spender" and
#: "Repeat Customer", whose rules admit customers of any recency, and "Other"). rfm10: recency score ≥ 4 (loyal
#: customers: 3–4) against ≤ 3 ("about to sleep") or ≤ 2 (:data:`~helpers.segment.RF_SEGMENT_MAP`); cn8: recency
#: above against below the mean (:data:`~helpers.segment.CN8_SEGMENTS`).
NAMED_ACTIVE_SLIPPING: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "rfm10": (("champions", "loyal customers", "potential loyalists", "new customers", "promising"),
              ("about to sleep", "at risk", "can't lose", "hibernating")),
    "pymc5": (("Premium Customer",), ("At Risk Customer", "Inactive Customer")),
    "cn8": (("important value", "important development", "general value", "general development"),
            ("important retention", "important win-back", "general retention", "general win-back")),
}
#: The lifecycle stages in the order their names say customers buy again ("new" apart: too young to say).
STAGE_ORDER: tuple[str, ...] = ("active", "at risk", "lapsed")


def _shown(name: str, stage: bool = False) -> str:
    """A segment (or, with ``stage``, a lifecycle stage) name in the current language."""
    if i18n.get_language() != "zh":
        return name
    return (LIFECYCLE_STAGES if stage else SEGMENT_ZH).get(name, name)


def migration_claim(migration: Migration) -> tuple[str, dict[str, Any]]:
    """Do the segments mean what their names say? ``(sentence, numbers)`` from ``migration.came_back`` and
    ``migration.stages`` (shares compared as shown, in whole percent):

    - the segments that came back most and least often;
    - whether every segment named as buying now (:data:`NAMED_ACTIVE_SLIPPING`) came back at least as often as every
      segment named as slipping away; if not, the pair that contradicts the names most, and how many pairs do;
    - whether the lifecycle stages present come back in the order of :data:`STAGE_ORDER` (active ≥ at risk ≥ lapsed).
    """
    shares = migration.came_back.set_index("segment")["share_came_back"]
    sizes = migration.came_back.set_index("segment")["customers"]
    shown = shares.round(2)  # as the sentence shows them: a contradiction must be visible in the numbers
    top, bottom = str(shares.idxmax()), str(shares.idxmin())
    active, slipping = NAMED_ACTIVE_SLIPPING[migration.scheme]
    active = [s for s in active if s in shares.index]
    slipping = [s for s in slipping if s in shares.index]
    pairs = [(a, s) for a in active for s in slipping]
    against = sorted(((a, s) for a, s in pairs if shown[a] < shown[s]), key=lambda p: shown[p[0]] - shown[p[1]])
    stages = migration.stages.set_index("stage")["share_came_back"].reindex(list(STAGE_ORDER)).dropna()
    stage_order = bool((stages.round(2).diff().dropna() <= 0).all()) if len(stages) >= 2 else None
    numbers = {"shares": shares.to_dict(), "top": top, "bottom": bottom, "pairs": len(pairs), "against": against,
               "names_hold": not against if pairs else None, "stages": stages.to_dict(), "stage_order_holds": stage_order}
    parts = [tr("{top} came back most often ({top_share:.0%} bought again after the calibration end), {bottom} least "
                "often ({bottom_share:.0%}).", top=_shown(top), top_share=shares[top], bottom=_shown(bottom),
                bottom_share=shares[bottom])]
    if pairs and not against:
        parts.append(tr("Every segment named as buying now came back at least as often as every segment named as "
                        "slipping away: here the names hold."))
    elif against:
        a, s = against[0]
        parts.append(tr("The names do not hold everywhere: {a} ({sa:.0%} of {na:,}) came back less often than {s} "
                        "({ss:.0%} of {ns:,}), though one is named as buying now and the other as slipping away "
                        "({k} of {total} such pairs are the wrong way round).", a=_shown(a), sa=shares[a],
                        na=int(sizes[a]), s=_shown(s), ss=shares[s], ns=int(sizes[s]), k=len(against),
                        total=len(pairs)))
    if stage_order is not None:
        listing = ("，" if i18n.get_language() == "zh" else ", ").join(
            f"{_shown(stage, stage=True)} {share:.0%}" for stage, share in stages.items())
        parts.append(tr("By lifecycle stage: {listing}, in the order the names say." if stage_order else
                        "By lifecycle stage: {listing}, not in the order the names say.", listing=listing))
    text = " ".join(parts)
    return (text[:1].upper() + text[1:] if i18n.get_language() == "en" else text), numbers
