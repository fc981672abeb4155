"""The customer funnel behind the counts different reports show: export → raw log → kept purchase → modelled.

:func:`count_numbers` counts, :func:`count_text` says it (in the report's language), :func:`count_claim` does both.
:func:`dataset_count_claim` counts a dataset of the store, and keeps the numbers in the store
(:func:`helpers.store.save_counts`) with the fingerprints of what they were counted from — notebook 01's acquisition,
notebook 02's clean log and notebook 03's scores: notebooks 04, 06 and 07 read them back instead of recounting a
large log (~15 s at 50M lines), and count again whenever one of those fingerprints differs.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import store
from ..engines import run_with_progress, sql_ident
from ..i18n import get_language, tr
from ..largelog import LARGE_ROWS, ParquetLog


def count_numbers(clean: pd.DataFrame | ParquetLog, modelled: pd.DataFrame, *,
                  export_customers: pd.DataFrame | None = None, raw_transactions: pd.DataFrame | None = None,
                  test_accounts: Iterable[str] = (), customer_id_col: str = "customer_id") -> dict:
    """The funnel's numbers: customers in the export (``export_customers``, e.g. ``store.load_interim(...).customers``)
    and its internal test accounts, customers with an order in the raw log (``raw_transactions``), customers with a
    kept purchase after cleaning (``clean``) and customers modelled (``modelled``: the CLV scores).

    Keys: ``with_kept_purchase``, ``modelled``, ``not_modelled`` (customers with a kept purchase and no score); with
    an export ``export``, ``test_accounts``, ``export_real`` (export minus test accounts), ``without_purchase`` (real
    export customers with no kept purchase); with a raw log ``with_order``.
    """
    def ids(frame: pd.DataFrame) -> pa.Array:  # distinct ids as Arrow text: sets of 26M ids would take GiBs
        return pc.unique(pa.array(frame[customer_id_col].dropna().astype(str), type=pa.large_string()))

    def isin(values: pa.Array, others: pa.Array) -> np.ndarray:
        return pc.is_in(values, value_set=others).to_numpy(zero_copy_only=False)

    scored = ids(modelled) if not isinstance(clean, ParquetLog) else pa.array(  # (unique by the store's contract;
        modelled[customer_id_col].dropna().astype(str), type=pa.large_string())  # DuckDB counts them distinct)
    test_ids = pa.array(sorted({str(t) for t in test_accounts}), type=pa.large_string())
    export = None if export_customers is None else ids(export_customers)
    real = None if export is None else export.filter(pa.array(~isin(export, test_ids)))
    if isinstance(clean, ParquetLog):  # a log on disk: DuckDB counts, its ids never reach Python
        n_kept, n_scored, unscored, without = _log_counts(clean, scored, real, customer_id_col)
    else:
        kept = ids(clean)
        n_kept, n_scored, unscored = len(kept), len(scored), int((~isin(kept, scored)).sum())
        without = None if real is None else int((~isin(real, kept)).sum())
    numbers: dict = {"with_kept_purchase": n_kept, "modelled": n_scored, "not_modelled": unscored}
    if export is not None:
        numbers.update(export=len(export), test_accounts=len(export) - len(real), export_real=len(real),
                       without_purchase=without)
    if raw_transactions is not None:
        numbers["with_order"] = int((~isin(ids(raw_transactions), test_ids)).sum())
    return numbers


def count_text(numbers: dict) -> str:
    """:func:`count_numbers`' funnel as a sentence, in the current language (:func:`helpers.i18n.tr`)."""
    n_kept, n_scored, unscored = numbers["with_kept_purchase"], numbers["modelled"], numbers["not_modelled"]
    parts = []
    if "export" in numbers:
        tests, real = numbers["test_accounts"], numbers["export_real"]
        parts.append(tr("The export lists {n:,} customers", n=numbers["export"])
                     + (tr(" ({t:,} internal test accounts, so {r:,} real)", t=tests, r=real) if tests else ""))
    if "with_order" in numbers:
        parts.append(tr("{n:,} customers have an order in the raw log", n=numbers["with_order"]))
    lost = numbers.get("with_order", n_kept) - n_kept
    parts.append(tr("{n:,} have a purchase kept by cleaning (the other {d:,} had every order quarantined: cancelled, "
                    "returned, duplicates …)", n=n_kept, d=lost) if lost > 0
                 else tr("{n:,} have a purchase kept by cleaning", n=n_kept))
    same = unscored == 0 and n_scored == n_kept
    parts.append(tr("{n:,} are modelled", n=n_scored)
                 + (tr(" (every customer with a kept purchase)") if same else
                    tr(" ({d:,} customers with a kept purchase are not)", d=unscored)))
    zh = get_language() == "zh"
    text = ("；" if zh else "; ").join(parts) + ("。" if zh else ".")
    if numbers.get("without_purchase") or lost > 0:
        text += ("" if zh else " ") + tr("Customers without a kept purchase have no CLV and no segment; they appear "
                                         "only in tables of the whole customer base (community, knowledge base).")
    return text


def count_claim(clean: pd.DataFrame | ParquetLog, modelled: pd.DataFrame, *, export_customers: pd.DataFrame | None = None,
                raw_transactions: pd.DataFrame | None = None, test_accounts: Iterable[str] = (),
                customer_id_col: str = "customer_id") -> tuple[str, dict]:
    """The customer funnel behind the counts different reports show, as a sentence with its numbers
    (:func:`count_numbers`, :func:`count_text`)."""
    numbers = count_numbers(clean, modelled, export_customers=export_customers, raw_transactions=raw_transactions,
                            test_accounts=test_accounts, customer_id_col=customer_id_col)
    return count_text(numbers), numbers


def _log_counts(log: ParquetLog, scored: pa.Array, real: pa.Array | None, customer_id_col: str) -> tuple:
    """(customers with a line in ``log``, distinct ``scored`` ids, the log's customers not in ``scored``, ``real``
    export ids with no line), by DuckDB anti-joins over the log's distinct ids as text (missing ids are not customers;
    ``None`` for the last without an export)."""
    con = log.connect()
    try:
        con.register("scored", pa.table({"id": scored}))
        con.register("exported", pa.table({"id": real if real is not None else pa.array([], pa.large_string())}))
        kept = (f"(SELECT DISTINCT CAST({sql_ident(customer_id_col)} AS VARCHAR) AS id FROM log "
                f"WHERE {sql_ident(customer_id_col)} IS NOT NULL)")
        sql = (f"WITH kept AS {kept} SELECT (SELECT count(*) FROM kept), (SELECT count(DISTINCT id) FROM scored), "
               f"(SELECT count(*) FROM kept ANTI JOIN scored USING (id)), "
               f"(SELECT count(*) FROM exported ANTI JOIN kept USING (id))")
        n_kept, n_scored, unscored, without = run_with_progress(
            con, sql, f"customers of {log.rows:,} lines (DuckDB)", fetch="all", disable=log.rows <= LARGE_ROWS)[0]
    finally:
        con.close()
    return int(n_kept), int(n_scored), int(unscored), None if real is None else int(without)


def dataset_count_claim(dataset: str, scores: pd.DataFrame | None = None) -> tuple[str, dict]:
    """:func:`count_claim` for a dataset of the store: notebook 01's export (customers, raw log, test
    accounts; when acquired), notebook 02's clean transactions and notebook 03's CLV scores (``scores``,
    default :func:`helpers.store.load_clv`; the whole file too when ``scores`` holds only some customers' rows, e.g.
    notebook 04's sample). A large log (:class:`~helpers.largelog.ParquetLog`) is counted without the raw-log step.

    When ``scores`` are the store's (``None``, or read by :func:`helpers.store.load_clv`: the same ``sha256``), the
    numbers are read back from the store if they were counted from the same acquisition, clean log and scores
    (:func:`helpers.store.load_counts`), else counted and stored; other scores (e.g. notebook 03's table before it
    writes the store's) are counted and not stored. The sentence is written anew, in the current language."""
    stored = store.clv_metadata(dataset).get("sha256")
    mine = scores is None or (stored is not None and scores.attrs.get("sha256") == stored)
    inputs = store.count_inputs(dataset) if mine else None
    numbers = store.load_counts(dataset, inputs) if mine else None
    if numbers is None:
        clean_tx, _ = store.load_processed(dataset)
        if scores is None or len(scores) != scores.attrs.get("rows", len(scores)):  # a sample's rows: count them all
            scores = store.load_clv(dataset, columns=["customer_id"])
        export = raw = None
        tests: Iterable[str] = ()
        if store.has_interim(dataset):
            acq = store.load_interim(dataset)
            export, tests = acq.customers, acq.test_accounts or ()
            raw = acq.transactions if isinstance(acq.transactions, pd.DataFrame) else None
        numbers = count_numbers(clean_tx, scores, export_customers=export, raw_transactions=raw, test_accounts=tests)
        if mine:
            store.save_counts(dataset, numbers, inputs)
    return count_text(numbers), numbers
