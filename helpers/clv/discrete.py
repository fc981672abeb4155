"""Discrete purchase opportunities: the summary BG/BB is fitted on, the donation data, and a simulator.

A customer meets a sequence of **purchase opportunities** — the years of a charity's appeals, the weeks of a
shop, the flash sales (抢购) of a phone launch, where buying is possible only while a sale runs — and at each
either buys or not. :func:`discrete_summary` counts them in a transaction log, one row per customer
(``customer_id, frequency, recency, n_periods``, lifetimes' names for the BG/BB), and :func:`discrete_patterns`
reduces those rows to the sufficient-statistic table (one row per pattern with its number of customers,
``weights``), which is all :class:`~helpers.clv.models.beta_geo_beta_binom.BetaGeoBetaBinom` needs: a cohort
of a million customers is a few hundred rows.

:func:`load_donations` reads the table Fader, Hardie & Shang (2010) introduced the BG/BB on (the bundled
``data/raw/donations/``: 11,104 first-time donors of 1995, six yearly opportunities 1996–2001);
:func:`simulate_bgbb` draws customers, or their transaction log, exactly from the BG/BB process.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..errors import DataError
from ..paths import RAW, display_path, sha256_of
from .models.checks import discrete_arrays
from .sql import prepare_frame
from .units import EPOCH, as_timestamp, period_ordinals

#: What one opportunity is, by ``period``: calendar periods of the purchase times, or sale events.
OPPORTUNITY_PERIODS: dict[str, str] = {
    "D": "calendar day", "W": "ISO week (Monday–Sunday)", "M": "calendar month", "Q": "calendar quarter",
    "Y": "calendar year", "event": "sale event (one opportunity per event named in opportunity_col)"}
DONATIONS_DIR = RAW / "donations"
#: SHA-256 of the bundled ``donations.csv`` (lifetimes 0.11.3's ``datasets/donations.csv``, unmodified).
DONATIONS_SHA256 = "82c25f26a201ff047e1cd5fe3d7967a45db92a025ecedee72ff8940e50104544"
DISCRETE_SUMMARY_COLUMNS = ["customer_id", "frequency", "recency", "n_periods"]


def calendar_ordinals(ts: pd.Series, period: str) -> np.ndarray:
    """Number of the calendar period (since 1970) holding each naive timestamp: days, ISO weeks (Mondays),
    months, quarters or years; differences of two are whole periods."""
    days = ((ts.dt.normalize() - EPOCH) // pd.Timedelta(days=1)).to_numpy(dtype=np.int64)
    if period in ("D", "W", "M"):  # the RFM summary's own period numbers (helpers.clv.units)
        return period_ordinals(days, period)
    year, month = ts.dt.year.to_numpy(dtype=np.int64), ts.dt.month.to_numpy(dtype=np.int64)
    return {"Q": year * 4 + (month - 1) // 3, "Y": year}[period]


def _refuse_missing(frame: pd.DataFrame, column: str, what: str) -> None:
    missing = frame[column].isna().to_numpy()
    if missing.any():
        raise DataError(f"{int(missing.sum())} transaction(s) without {what}", file="transactions DataFrame",
                        column=column, row=frame.index[np.argmax(missing)],
                        hint="clean the log first (helpers.clean.clean_transactions): nothing is dropped silently")


def discrete_summary(transactions: pd.DataFrame, period: str = "Y", customer_id_col: str = "customer_id",
                     datetime_col: str = "timestamp", monetary_value_col: str | None = None,
                     observation_period_end: Any = None, *, opportunity_col: str | None = None,
                     opportunities: Sequence[Any] | None = None, tz: str | None = None) -> pd.DataFrame:
    """One row per customer of a log counted in discrete purchase opportunities (FHS 2010's data).

    An opportunity is a calendar period of the purchase time (``period`` "D", "W" ISO week, "M", "Q", "Y") or,
    with ``period="event"``, a sale event: each line names its event in ``opportunity_col`` and
    ``opportunities`` lists every event in order (a flash sale nobody bought at is still an opportunity).
    A customer's first purchase opportunity is their opportunity 0; after it:

    - ``frequency`` ``x`` — opportunities with a purchase (several purchases in one count once);
    - ``recency`` ``t_x`` — the last of them, counted from the first (0 when ``x = 0``);
    - ``n_periods`` ``n`` — opportunities observed: from the first to the end of the window.

    The window ends with ``observation_period_end``'s period (default: the last line's), or with the last
    listed event; lines of later periods are left out and counted (``attrs["lines_after_end"]``).
    With ``monetary_value_col``, lines with a negative amount (refunds) are not purchases, as in
    :func:`helpers.clv.rfm_summary`; customers with refunds only are left out and counted
    (``attrs["refund_only_customers"]``). A missing customer id, time, event or amount, and an event not in
    ``opportunities``, are errors naming the row. Times with a zone are read on ``tz``'s clock (else their
    own), as :func:`helpers.clv.rfm_summary` does.

    Returns ``customer_id, frequency, recency, n_periods`` (int64), sorted by customer id; ``attrs`` say what
    one opportunity is (``period``, ``opportunity``, ``opportunity_col``), the window's end and the counts
    above. :func:`discrete_patterns` turns it into the table of patterns with ``weights``.
    """
    if not isinstance(transactions, pd.DataFrame):
        raise TypeError("transactions must be a pandas DataFrame (read a file with helpers.acquire first)")
    if period not in OPPORTUNITY_PERIODS:
        raise ValueError(f"period must be one of {list(OPPORTUNITY_PERIODS)}, not {period!r}")
    event = period == "event"
    if event and (opportunity_col is None or opportunities is None):
        raise ValueError("period='event' needs opportunity_col (the event of each line) and opportunities "
                         "(every event, in order)")
    if event and observation_period_end is not None:
        raise ValueError("with period='event' the window ends with the last of opportunities; list the events "
                         "up to the end you want instead of observation_period_end")
    when = opportunity_col if event else datetime_col
    columns = [customer_id_col, when] + ([monetary_value_col] if monetary_value_col else [])
    if len(set(columns)) != len(columns):
        raise ValueError(f"customer, time/event and monetary columns must differ, got {columns}")
    missing = [c for c in columns if c not in transactions.columns]
    if missing:
        raise DataError("required column is missing", file="transactions DataFrame", column=missing[0],
                        hint=f"pass the right column name (columns present: {list(transactions.columns)[:12]})")
    frame = transactions[columns] if event else prepare_frame(transactions, columns, datetime_col, tz)
    for column, what in [(customer_id_col, "a customer id"), (when, "an event" if event else "a time")] + (
            [(monetary_value_col, "an amount")] if monetary_value_col else []):
        _refuse_missing(frame, column, what)
    attrs: dict[str, Any] = {"period": period, "opportunity": OPPORTUNITY_PERIODS[period], "opportunity_col": opportunity_col}
    if event:
        calendar = pd.Index(list(opportunities))
        if calendar.has_duplicates or len(calendar) == 0:
            raise ValueError("opportunities must list each event once (and at least one)")
        opp = calendar.get_indexer(frame[opportunity_col])
        unknown = opp < 0
        if unknown.any():
            raise DataError(f"{int(unknown.sum())} line(s) name an event not in opportunities, e.g. "
                            f"{frame[opportunity_col].iloc[np.argmax(unknown)]!r}", file="transactions DataFrame",
                            column=opportunity_col, row=frame.index[np.argmax(unknown)],
                            hint="list every sale event in opportunities, in order")
        end = len(calendar) - 1
        attrs.update(n_opportunities=len(calendar), last_opportunity=str(calendar[-1]))
    else:
        opp = calendar_ordinals(frame[datetime_col], period)
        if observation_period_end is None:
            end = int(opp.max()) if len(opp) else 0
            end_day = frame[datetime_col].max()
        else:
            end_day = as_timestamp(observation_period_end, "observation_period_end", tz)
            end = int(calendar_ordinals(pd.Series([end_day]), period)[0])
        attrs.update(observation_period_end=None if pd.isna(end_day) else str(pd.Timestamp(end_day).date()), tz=tz)
    inside = opp <= end
    attrs["lines_after_end"] = int((~inside).sum())
    buys = inside.copy()
    if monetary_value_col:
        amount = pd.to_numeric(frame[monetary_value_col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        if not np.isfinite(amount).all():
            bad = ~np.isfinite(amount)
            raise DataError("an amount must be a finite number", file="transactions DataFrame",
                            column=monetary_value_col, row=frame.index[np.argmax(bad)])
        buys &= amount >= 0
    codes, ids = pd.factorize(frame[customer_id_col], sort=True)
    seen = np.bincount(codes[inside], minlength=len(ids)) > 0
    out = _per_customer(codes[buys], np.asarray(opp)[buys], len(ids), end)
    buyers = out["n_purchase_periods"] > 0
    attrs["refund_only_customers"] = int((seen & ~buyers).sum())
    table = pd.DataFrame({"customer_id": ids[buyers], "frequency": out["n_purchase_periods"][buyers] - 1,
                          "recency": out["last"][buyers] - out["first"][buyers],
                          "n_periods": end - out["first"][buyers]})
    table.attrs = attrs
    return table


def _per_customer(codes: np.ndarray, opp: np.ndarray, n_customers: int, end: int) -> dict[str, np.ndarray]:
    """First and last purchase opportunity and number of distinct ones per customer code (0 when none)."""
    lo = int(opp.min()) if len(opp) else 0
    span = max(end - lo + 1, 1)
    keys = np.sort(codes.astype(np.int64) * span + (opp.astype(np.int64) - lo))
    keys = keys[np.r_[True, keys[1:] != keys[:-1]]] if len(keys) else keys  # distinct (customer, opportunity)
    cust, when = keys // span, keys % span + lo
    count = np.bincount(cust, minlength=n_customers)
    first = np.zeros(n_customers, dtype=np.int64)
    last = np.zeros(n_customers, dtype=np.int64)
    starts = np.cumsum(count) - count
    has = count > 0
    first[has] = when[starts[has]]
    last[has] = when[starts[has] + count[has] - 1]
    return {"n_purchase_periods": count, "first": first, "last": last}


def discrete_patterns(summary: pd.DataFrame) -> pd.DataFrame:
    """The sufficient-statistic table of a :func:`discrete_summary`: one row per ``(frequency, recency,
    n_periods)`` with ``weights`` = its number of customers (int64), sorted; ``attrs`` kept, plus
    ``customers``. BG/BB's likelihood depends on a customer only through that pattern, so fitting the table
    gives the per-customer fit's estimates."""
    x, t_x, n, w = discrete_arrays(summary)
    grouped = (pd.DataFrame({"frequency": x, "recency": t_x, "n_periods": n, "weights": w}).astype(np.int64)
               .groupby(["frequency", "recency", "n_periods"], sort=True)["weights"].sum().reset_index())
    grouped.attrs = {**summary.attrs, "customers": int(grouped["weights"].sum())}
    return grouped


def load_donations(raw_dir=DONATIONS_DIR) -> pd.DataFrame:
    """The donation data of Fader, Hardie & Shang (2010) as their sufficient-statistic table (real data).

    The 11,104 people who first gave to a US non-profit in 1995, followed over the six yearly opportunities
    1996–2001: 22 rows of ``frequency`` (years with a gift), ``recency`` (the last such year, 1996 = 1),
    ``n_periods`` (6) and ``weights`` (donors with that pattern). The bundled file is lifetimes 0.11.3's
    ``datasets/donations.csv`` (columns ``frequency, recency, periods, weights``; ``periods`` is read as
    ``n_periods``), checked against its SHA-256 (``data/raw/donations/PROVENANCE.md``). ``attrs``: ``period``
    "Y", the source file and its SHA-256, ``customers``.
    """
    path = raw_dir / "donations.csv"
    if not path.exists():
        raise DataError("file not found", file=display_path(path), hint="restore data/raw/donations from git")
    digest = sha256_of(path)
    if digest != DONATIONS_SHA256:
        raise DataError(f"SHA-256 {digest[:16]}… is not the bundled file's ({DONATIONS_SHA256[:16]}…): the raw "
                        "data were changed", file=display_path(path), hint="restore it from git (raw data are "
                        "never edited)")
    raw = pd.read_csv(path)
    if list(raw.columns) != ["frequency", "recency", "periods", "weights"]:
        raise DataError(f"unexpected header {list(raw.columns)}", file=display_path(path),
                        hint="expected frequency, recency, periods, weights")
    table = raw.rename(columns={"periods": "n_periods"})
    discrete_arrays(table)  # whole numbers, 0 ≤ x ≤ t_x ≤ n
    table.attrs = {"period": "Y", "opportunity": "calendar year (1996–2001; first gift in 1995)",
                   "opportunity_col": None, "source": display_path(path), "sha256": digest,
                   "customers": int(table["weights"].sum()),
                   "label": "Donations, 1995 cohort (real data; Fader, Hardie & Shang 2010)"}
    return table


def simulate_bgbb(n_customers: int, alpha: float, beta: float, gamma: float, delta: float, n_periods: int,
                  seed: int = 0, log: bool = False, start: str = "2024-01-01", period: str = "W") -> pd.DataFrame:
    """Customers drawn exactly from the BG/BB process (FHS 2010), all first buying at opportunity 0.

    ``p ~ Beta(α, β)``, ``θ ~ Beta(γ, δ)``; at the start of each opportunity ``1..n_periods`` an alive customer
    dies with probability θ, else buys with probability p. ``log=False``: the per-customer
    :func:`discrete_summary` (``attrs``: ``true_params``, ``alive`` at the last opportunity). ``log=True``:
    their transaction log (``customer_id``, ``timestamp``) with opportunities as calendar ``period``\\ s from
    ``start`` (a purchase at a random day of its period; opportunity 0 is the first purchase), for
    :func:`discrete_summary` to count back.
    """
    rng = np.random.default_rng(seed)
    p = rng.beta(alpha, beta, n_customers)
    theta = rng.beta(gamma, delta, n_customers)
    dies_at = rng.geometric(theta)  # first opportunity at whose start the customer is dead
    t = np.arange(1, n_periods + 1)
    buys = (t[None, :] < dies_at[:, None]) & (rng.random((n_customers, n_periods)) < p[:, None])
    if not log:
        counts = buys.sum(axis=1)
        last = np.where(counts > 0, n_periods - np.argmax(buys[:, ::-1], axis=1), 0)
        out = pd.DataFrame({"customer_id": np.arange(n_customers), "frequency": counts.astype(np.int64),
                            "recency": last.astype(np.int64), "n_periods": np.int64(n_periods)})
        out.attrs = {"period": period, "opportunity": OPPORTUNITY_PERIODS[period], "opportunity_col": None,
                     "true_params": {"alpha": alpha, "beta": beta, "gamma": gamma, "delta": delta},
                     "alive": dies_at > n_periods}
        return out
    cust, opp = np.nonzero(buys)
    cust = np.r_[np.arange(n_customers), cust]
    opp = np.r_[np.zeros(n_customers, dtype=np.int64), opp + 1]
    base = pd.Timestamp(start).to_period(period)
    periods = pd.PeriodIndex.from_ordinals(base.ordinal + opp, freq=base.freq)
    first_day = periods.to_timestamp()
    days = (periods.to_timestamp(how="end").normalize() - first_day).days.to_numpy() + 1
    offset = pd.to_timedelta(np.floor(rng.random(len(opp)) * days), unit="D")
    order = np.lexsort((opp, cust))
    return pd.DataFrame({"customer_id": cust[order], "timestamp": (first_day + offset)[order]})
