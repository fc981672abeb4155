"""Segments of every customer of a log too large for a per-customer pandas table (issue 20, notebook 04).

Notebook 04 analyses a seeded sample of customers when the log has more than ``max_customers``
(:func:`helpers.clv.analysis_sample`), but ``segments.parquet`` must cover every customer.
:func:`population_segments` computes the columns notebook 04 writes for the whole log with **the same
definitions**, never holding more than one chunk of customers in pandas:

1. the customers are cut into ranges of ids (:func:`customer_ranges`, about ``chunk_customers`` each); a large log
   (:class:`~helpers.largelog.ParquetLog`) is split by range in one DuckDB pass (:func:`split_log`), each range a
   log of its own that DuckDB aggregates as it would the whole log (a log in memory: each range's lines); each
   range goes through the notebook's own steps — the RFM summary (``summarise``, the notebook's
   ``clv.rfm_summary`` call), :func:`~helpers.segment.rfm.rfm_table`, notebook 03's scores of those customers
   (:func:`helpers.store.load_clv` with ``customers=``) and :func:`~helpers.segment.customers.customer_table` —
   and the chunk's customer table is written to a temporary Parquet file;
2. what depends on every customer is computed over every customer, one numeric column at a time (a float array,
   8 bytes a customer, in customer-id order as the whole table would hold it) by the functions the pandas path
   calls: RFM scores (:func:`~helpers.segment.rfm.quantile_scores`), PyMC-Marketing's quartiles
   (:func:`~helpers.segment.schemes.pymc.quartile_codes`), the 8-class means
   (:func:`~helpers.segment.schemes.cn8.rfm8_splits`), ABC classes by revenue and by CLV
   (:func:`~helpers.segment.abc.abc_class_codes`) and the value × needs medians
   (:func:`~helpers.segment.value_need.quadrant_splits`); only small integer codes (1 byte a customer) are kept;
3. chunk by chunk, the row-wise rules finish each customer's row — score strings, the three schemes' names, the
   lifecycle stage (:func:`~helpers.segment.lifecycle.lifecycle_stage`), the quadrant, and the cluster predicted
   by the k-means fitted on the sample (:meth:`~helpers.segment.clusters.CustomerClusters.predict`) — and are
   appended to one Parquet file (``pyarrow.parquet.ParquetWriter``), sorted by customer id, which
   :func:`helpers.store.save_customer_file` moves into the store with its sidecar.

What is computed on the sample, by design: the k-means (its k, scaler and centres) and the cluster names.
A failure on the way leaves no ``segments.parquet`` behind (never one covering only part of the customers).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .. import paths, store
from ..engines import chunk_rows, frame_of, spill_directory, sql_ident, sql_str
from ..errors import DataError
from ..largelog import ParquetLog, progress
from .abc import abc_class_codes
from .arrays import ID, digit_strings, lookup, mapped, numeric, text_array
from .clusters import CustomerClusters
from .customers import customer_table
from .lifecycle import lifecycle_stage
from .rfm import quantile_scores, rfm_table
from .schemes import RFM_SCHEMES, SEGMENT_COLUMNS, SEGMENT_ZH, rf_segments
from .schemes.cn8 import CN8_CELLS, rfm8_code, rfm8_highs, rfm8_splits
from .schemes.pymc import pymc_names, quartile_codes
from .value_need import QUADRANT_CELLS, quadrant_codes, quadrant_splits

#: The columns :func:`population_segments` can write (notebook 04's ``keep``).
COLUMNS = ("customer_id", "abc_class", "abc_class_clv", "r_score", "f_score", "m_score", "rfm_score", "rfm_segment",
           "rfm_segment_zh", *SEGMENT_COLUMNS.values(), "cluster", "cluster_name", "value_need_quadrant",
           "lifecycle_stage", "revenue", "flagged_orders", "flagged_amount")

#: Bytes a customer costs in pandas while its chunk is read and segmented (its lines, the RFM summary, the customer
#: table and the segments; measured on the generated logs, ~4 lines a customer): sizes the chunks.
CUSTOMER_BYTES = 2_000


def _rf_grid(table: pd.DataFrame, codes: dict[str, np.ndarray], splits: dict[str, Any]) -> Any:
    grid = pd.DataFrame({"r_score": codes["r5"].astype(np.int64), "f_score": codes["f5"].astype(np.int64)})
    return text_array(rf_segments(grid))


def _pymc(table: pd.DataFrame, codes: dict[str, np.ndarray], splits: dict[str, Any]) -> Any:
    return text_array(pymc_names(codes["r_quartile"], codes["f_quartile"], codes["m_quartile"]))


def _cn8(table: pd.DataFrame, codes: dict[str, np.ndarray], splits: dict[str, Any]) -> Any:
    highs = rfm8_highs(*(table[c].to_numpy(dtype=float) for c in ("recency", "frequency", "monetary_value")),
                       splits["cn8"])
    return text_array(lookup([en for en, _ in CN8_CELLS], rfm8_code(*highs)))


#: Each registered scheme's segments of a chunk (:data:`helpers.segment.RFM_SCHEMES`), from the chunk's customer
#: table and the population's codes and splits: the scheme's own functions, its population-wide part (5-point
#: scores, quartiles, means) computed over every customer. A scheme added to the registry needs its entry here.
SCHEME_RULES: dict[str, Callable[[pd.DataFrame, dict, dict], Any]] = {"rfm10": _rf_grid, "pymc5": _pymc,
                                                                            "cn8": _cn8}


def log_facts(population: pd.DataFrame | ParquetLog, analysed: pd.DataFrame | ParquetLog,
              customers: pd.DataFrame) -> dict[str, Any]:
    """``customers``, ``lines`` and ``revenue`` (total net amount, the dataset's currency) of the whole log, for the
    notebook's data sentence. When the analysis runs on the log itself (``analysed is population``): the customer
    table's count and revenue and the log's lines, as notebook 04 always counted them; when it runs on a sample
    (:func:`helpers.clv.analysis_sample`): the log's counts the sample records and the log's revenue (DuckDB's
    ``fsum``, a compensated sum, over a large log)."""
    if analysed is population:
        return {"customers": len(customers), "lines": len(analysed), "revenue": customers["revenue"].sum()}
    if isinstance(population, ParquetLog):
        revenue = population.query("SELECT fsum(amount) AS revenue FROM log")["revenue"].iloc[0]
    else:
        revenue = population["amount"].sum()
    return {"customers": int(analysed.attrs["population_customers"]), "lines": int(analysed.attrs["population_lines"]),
            "revenue": float(revenue)}


def customer_ranges(population: pd.DataFrame | ParquetLog, chunk_customers: int, dataset: str | None = None) -> list[Any]:
    """The first customer id of each range of ``chunk_customers`` customers, in the order of the ids (their own
    type: the order ``clv.rfm_summary`` sorts by); DuckDB numbers the distinct ids of a large log.

    ``dataset``: a large log with text ids takes every ``chunk_customers``-th id of the store's scores instead
    (:func:`helpers.store.customer_id_steps`: ``clv.parquet`` holds every customer, sorted by id; ~7 s fewer at
    12.9M customers). They only place the boundaries: :func:`split_log` puts every line in a range whatever its id."""
    step = max(1, int(chunk_customers))
    if dataset is not None and isinstance(population, ParquetLog) and population.query(
            f"SELECT typeof({sql_ident(ID)}) AS t FROM log LIMIT 1")["t"].eq("VARCHAR").all():
        return store.customer_id_steps(dataset, "clv", step)
    if isinstance(population, ParquetLog):
        firsts = population.query(f"SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM "
                                  f"(SELECT DISTINCT {ID} AS id FROM log WHERE {ID} IS NOT NULL)) "
                                  f"WHERE i % {step} = 0 ORDER BY id")["id"]
        return firsts.tolist()
    return np.unique(population[ID].dropna().to_numpy())[::step].tolist()


def range_lines(population: pd.DataFrame | ParquetLog, first: Any, end: Any | None) -> pd.DataFrame:
    """Every line of the customers with ``first <= id < end`` (``end=None``: no upper end), in the log's order,
    as :func:`helpers.clv.analysis_sample` gives a sample's lines (a large log: ordered by ``source_file,
    source_row``)."""
    if isinstance(population, ParquetLog):
        con = population.connect()
        try:
            upper = f" AND {sql_ident(ID)} < $end" if end is not None else ""
            params = {"first": first, **({"end": end} if end is not None else {})}
            return frame_of(con.sql(f"SELECT * FROM log WHERE {sql_ident(ID)} >= $first{upper} "
                                    f"ORDER BY source_file, source_row", params=params))
        finally:
            con.close()
    ids = population[ID]
    mask = (ids >= first) & ((ids < end) if end is not None else True)
    return population.loc[mask].copy()


def split_log(log: ParquetLog, firsts: list[Any], folder: Path) -> list[ParquetLog] | None:
    """The lines of each range of customers (:func:`customer_ranges`' ``firsts``) as a log of its own under
    ``folder``, written by one DuckDB pass (``PARTITION_BY``, the log's order kept), with the columns the summary
    and the customer table read and the lineage; None when the ids are neither text nor numbers (each range is
    then read from the log by :func:`range_lines`). DuckDB then aggregates each range as it would the whole log."""
    if not all(isinstance(v, str) for v in firsts) and not all(isinstance(v, (int, float)) for v in firsts):
        return None
    literal = sql_str if isinstance(firsts[0], str) else repr
    key = sql_ident(ID)

    def part_of(lo: int, hi: int) -> str:  # the range of an id among firsts[lo:hi]: a binary search, log₂ comparisons
        if hi - lo == 1:
            return str(lo)
        mid = (lo + hi) // 2
        return f"CASE WHEN {key} < {literal(firsts[mid])} THEN {part_of(lo, mid)} ELSE {part_of(mid, hi)} END"

    part = part_of(0, len(firsts))
    columns = [c for c in (ID, "order_id", "timestamp", "amount", "category", "channel", "flag_extreme", "source_file",
                           "source_row") if c in log.columns]
    con = log.connect()
    try:
        con.execute("SET preserve_insertion_order = true")  # each customer's lines in the log's order
        con.execute(f"COPY (SELECT {', '.join(map(sql_ident, columns))}, {part} AS part FROM log) TO "
                    f"{sql_str(folder.as_posix())} (FORMAT parquet, PARTITION_BY (part))")
    finally:
        con.close()
    return [ParquetLog.open(folder / f"part={i}") for i in range(len(firsts))]


def population_segments(dataset: str, population: pd.DataFrame | ParquetLog,
                        summarise: Callable[[Any], pd.DataFrame], keep: Sequence[str], *,
                        scores: pd.DataFrame, clusters: CustomerClusters, cluster_profile: pd.DataFrame, q: int = 5,
                        scheme: str = "rfm10", abc_cutoffs: Sequence[float] = (0.80, 0.95),
                        need_col: str = "n_categories", quantiles: tuple[float, float] = (0.5, 0.5),
                        chunk_customers: int | None = None) -> tuple[Path, int]:
    """Write ``segments.parquet`` of ``dataset`` for every customer of ``population`` (see the module docstring);
    returns its path and the number of customers.

    Parameters
    ----------
    summarise
        The RFM summary of a range's lines (a :class:`~helpers.largelog.ParquetLog` of them, or a DataFrame when
        ``population`` is one), as the notebook computes the sample's: ``clv.rfm_summary`` with the amount, the
        first purchase included and the **whole log's** end (``observation_period_end``).
    keep
        The columns to write (notebook 04's list; each one of :data:`COLUMNS`).
    scores
        Notebook 03's scores as the notebook loaded them: their fingerprint is recorded, and each chunk's scores
        must come from the same file.
    clusters, cluster_profile
        The k-means fitted on the sample and its profile (cluster names).
    q, scheme, abc_cutoffs, need_col
        The notebook's ``n_quantiles``, ``rfm_scheme``, ``abc_cutoffs`` and the needs column of its value × needs
        matrix (``matrix.attrs["need_col"]``).
    quantiles
        Where that matrix splits value and needs (``matrix.attrs["value_quantile"]``, ``["need_quantile"]``;
        :func:`~helpers.segment.value_need.value_need_matrix`), taken over every customer.
    chunk_customers
        Customers per chunk; default: :data:`CUSTOMER_BYTES` a customer in a quarter of the pandas part of the
        memory budget (:func:`helpers.engines.chunk_rows`).
    """
    unknown = [c for c in keep if c not in COLUMNS]
    if unknown or scheme not in RFM_SCHEMES:
        raise ValueError(f"population_segments writes {list(COLUMNS)} with a scheme of {list(RFM_SCHEMES)}; "
                         f"asked for {unknown or scheme!r}")
    missing = [key for key in RFM_SCHEMES if key not in SCHEME_RULES]
    if missing:
        raise ValueError(f"scheme(s) {missing} have no rule for every customer of a large log: add them to "
                         "helpers.segment.population.SCHEME_RULES")
    chunk = int(chunk_customers or chunk_rows(CUSTOMER_BYTES, share=0.25))
    work = Path(tempfile.mkdtemp(prefix="segments-", dir=paths.ensure(spill_directory())))
    partial = paths.ensure(paths.processed_dir(dataset)) / ".segments.partial.parquet"
    try:
        files = _customer_chunks(dataset, population, summarise, scores, chunk, work)
        codes, splits = _population_codes(files, q, tuple(abc_cutoffs), need_col, tuple(quantiles))
        names = cluster_profile.set_index("cluster")["name"]
        rows = _write_segments(files, codes, splits, partial, list(keep), clusters=clusters, names=names, q=q,
                               scheme=scheme, need_col=need_col)
        path = store.save_customer_file(dataset, "segments", partial, {"analysed_customers": len(clusters.labels_)},
                                        scores=scores)
        return path, rows
    finally:
        partial.unlink(missing_ok=True)
        shutil.rmtree(work, ignore_errors=True)


def _customer_chunks(dataset: str, population: pd.DataFrame | ParquetLog, summarise: Callable, scores: pd.DataFrame,
                     chunk: int, work: Path) -> list[Path]:
    """Step 1: each range's customer table (numeric columns and flags), in id order, one Parquet file each."""
    firsts = customer_ranges(population, chunk, dataset)
    parts = split_log(population, firsts, work / "lines") if isinstance(population, ParquetLog) else None
    files = []
    for i in progress(range(len(firsts)), len(firsts) * chunk, "customer tables of every customer (chunks)"):
        lines = (parts[i] if parts is not None
                 else range_lines(population, firsts[i], firsts[i + 1] if i + 1 < len(firsts) else None))
        rfm = rfm_table(summarise(lines))
        part = store.load_clv(dataset, customers=rfm[ID])
        if part.attrs.get("sha256") != scores.attrs.get("sha256"):
            raise DataError("clv.parquet changed while notebook 04 ran (its fingerprint differs from the scores the "
                            "sample used)", file="clv.parquet", hint="re-run notebooks/04_segmentation.ipynb")
        table = customer_table(lines, rfm, part, summary=part)
        table = table.drop(columns=[c for c in ("last_channel",) if c in table.columns])
        table.attrs = {}
        files.append(work / f"customers-{i:05d}.parquet")
        table.to_parquet(files[-1], index=False)
        del lines, rfm, part, table
    return files


def _column(files: list[Path], column: str, what: str, *, nonnegative: bool = True) -> np.ndarray:
    """One column of every customer, in id order, as floats (``numeric``'s refusal of missing, infinite and
    (when ``nonnegative``) negative values, naming the customer)."""
    return np.concatenate([numeric(pq.read_table(f, columns=[ID, column]).to_pandas(), column, what,
                                   nonnegative=nonnegative) for f in files])  # checked by chunk: names the customer


def _population_codes(files: list[Path], q: int, abc_cutoffs: tuple[float, ...], need_col: str,
                      quantiles: tuple[float, float]) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Step 2: every rule that depends on all customers, over all customers, as int8 codes in id order (scores,
    quartiles, classes) and splits (the 8-class means, the value × needs medians)."""
    codes: dict[str, np.ndarray] = {}
    rfm_values = {}
    for column, key, better in (("recency", "r", False), ("frequency", "f", True), ("monetary_value", "m", True)):
        values = _column(files, column, "rfm_scores")
        for levels in sorted({int(q), 5}):
            codes[f"{key}{levels}"] = quantile_scores(pd.Series(values), levels, higher_is_better=better).to_numpy(
                dtype=np.int8)
        codes[f"{key}_quartile"] = quartile_codes(values, column)[0].astype(np.int8)
        rfm_values[key] = values  # kept until the 8-class means are taken
    splits: dict[str, Any] = {"cn8": rfm8_splits(rfm_values["r"], rfm_values["f"], rfm_values["m"])}
    del rfm_values
    codes["abc_revenue"] = abc_class_codes(_column(files, "revenue", "abc_classes"), abc_cutoffs)
    clv = _column(files, "clv", "abc_classes")  # ABC by CLV refuses a negative CLV, as notebook 04 does
    splits["quadrant"] = quadrant_splits(clv, _column(files, need_col, "value_need_matrix"), *quantiles)
    codes["abc_clv"] = abc_class_codes(clv, abc_cutoffs)
    return codes, splits


def _write_segments(files: list[Path], codes: dict[str, np.ndarray], splits: dict[str, Any], out: Path,
                    keep: list[str], *, clusters: CustomerClusters, names: pd.Series, q: int, scheme: str,
                    need_col: str) -> int:
    """Step 3: the row-wise rules, chunk by chunk, appended to ``out``; returns the customers written."""
    start, writer = 0, None
    try:
        for path in progress(files, len(codes["abc_revenue"]), "segments of every customer (chunks)"):
            table = pd.read_parquet(path)
            at = slice(start, start + len(table))
            start += len(table)
            part = _segment_rows(table, {k: v[at] for k, v in codes.items()}, splits, clusters=clusters, names=names,
                                 q=q, scheme=scheme, need_col=need_col)[keep]
            arrow = pa.Table.from_pandas(part, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(out, arrow.schema)
            writer.write_table(arrow.cast(writer.schema))
    finally:
        if writer is not None:
            writer.close()
    return start


def _segment_rows(table: pd.DataFrame, codes: dict[str, np.ndarray], splits: dict[str, Any], *,
                  clusters: CustomerClusters, names: pd.Series, q: int, scheme: str, need_col: str) -> pd.DataFrame:
    """One chunk's segments (notebook 04's columns and types) from its customer table and its population codes."""
    abc_labels = ("A", "B", "C")
    out = pd.DataFrame({ID: table[ID]})
    out["abc_class"] = lookup(abc_labels, codes["abc_revenue"])
    out["abc_class_clv"] = lookup(abc_labels, codes["abc_clv"])
    r, f, m = (codes[f"{k}{int(q)}"].astype(np.int64) for k in "rfm")
    out["r_score"], out["f_score"], out["m_score"] = r, f, m
    out["rfm_score"] = digit_strings(r, f, m)
    for key, column in SEGMENT_COLUMNS.items():
        out[column] = SCHEME_RULES[key](table, codes, splits)
    out["rfm_segment"] = out[SEGMENT_COLUMNS[scheme]]
    out["rfm_segment_zh"] = mapped(out["rfm_segment"], SEGMENT_ZH)
    out["cluster"] = clusters.predict(table).to_numpy()
    out["cluster_name"] = mapped(out["cluster"], names.to_dict())
    value, need = table["clv"].to_numpy(dtype=float), table[need_col].to_numpy(dtype=float)
    out["value_need_quadrant"] = lookup([cell[0] for cell in QUADRANT_CELLS],
                                        quadrant_codes(value, need, *splits["quadrant"]))
    out["lifecycle_stage"] = text_array(lifecycle_stage(table))
    for column in ("revenue", "flagged_orders", "flagged_amount"):
        if column in table.columns:
            out[column] = table[column].to_numpy()
    return out
