"""The store: the one place that saves and loads what one notebook hands to the next.

Like Cookiecutter Data Science's ``dataset.py``, every hand-over between notebooks goes through
here, so each file has one writer, one reader and one place that knows its name (the knowledge base
is the one file written elsewhere: :func:`helpers.knowledge.build_knowledge_base` builds the DuckDB file
at :func:`knowledge_path`):

=====================================  ===========================  =====================================
file (under ``data/``)                 written by                   read by
=====================================  ===========================  =====================================
``interim/<d>/transactions.parquet``   01 acquisition               02 (:func:`load_interim`)
``interim/<d>/customers.parquet``      01 acquisition               06, 07 (customer master)
``processed/<d>/transactions.parquet`` 02 cleaning                  03, 04, 06, 07 (:func:`load_processed`)
``processed/<d>/quarantine.parquet``   02 cleaning                  the row account
``processed/<d>/clv.parquet``          03 customer lifetime value   04, 06, 07 (:func:`load_clv`)
``processed/<d>/segments.parquet``     04 segmentation              06, 07 (:func:`load_segments`)
``processed/<d>/counts.json``          03 or 04 (the first count)   04, 06, 07 (:func:`load_counts`)
``processed/<d>/sample.parquet``       03 (a large log's sample)    04 (:func:`load_sample`)
``processed/<d>/post_topics.parquet``  06 community                 07 (:func:`load_topics`)
``processed/<d>/knowledge.duckdb``     07 knowledge                 knowledge reports
=====================================  ===========================  =====================================

Each file has a JSON sidecar with the dataset's label (which says SIMULATED for simulated data), its
sources (the raw files and their SHA-256) and the fingerprints (SHA-256) of the hand-overs it was computed
from. A reader checks those fingerprints: CLV scores computed from an earlier cleaning of the dataset, or
segments computed from other CLV scores, are refused with a clear error instead of being joined silently
to the wrong customers. Tables are written without pandas ``attrs``, so identical runs write identical
files (and fingerprints).

Part of the bottom layer (``docs/architecture.md``): imports no analysis module.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from . import paths
from .errors import DataError
from .engines import connect, sql_str
from .largelog import ParquetLog
from .schema import strictly_increasing
from .outputs import write_parquet

#: The notebook that writes each hand-over (named in the error when it is missing or stale).
PRODUCERS: dict[str, str] = {
    "interim": "01_acquisition.ipynb",
    "processed": "02_cleaning.ipynb",
    "clv": "03_customer_lifetime_value.ipynb",
    "segments": "04_segmentation.ipynb",
    "topics": "06_community_interaction.ipynb",
    "knowledge": "07_customer_knowledge.ipynb",
}


def _rerun(what: str) -> str:
    return (f"run notebooks/{PRODUCERS[what]} with the same dataset parameter first "
            "(or `make report`, which runs the notebooks in order)")


# --------------------------------------------------------------------------- acquired data


def read_time() -> str:
    """Now (UTC, to the second, ISO 8601): when a source was read, as :class:`Provenance` records it."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class Provenance:
    """Where a table came from: enough to re-read it and to know it is the same file."""

    path: str
    sha256: str
    rows: int
    format: str
    encoding: str | None
    read_at: str
    columns: dict[str, str] = field(default_factory=dict)
    sheet: str | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Acquired:
    """The result of acquiring one dataset: canonical transactions, optional customer table."""

    name: str
    label: str
    simulated: bool
    currency: str
    transactions: pd.DataFrame | ParquetLog
    customers: pd.DataFrame | None
    provenance: list[Provenance]
    test_accounts: list[str] = field(default_factory=list)

    @property
    def large(self) -> bool:
        """``True`` when the transactions stay on disk (a :class:`~helpers.largelog.ParquetLog`)."""
        return isinstance(self.transactions, ParquetLog)

    @property
    def bundled_simulation(self) -> bool:
        """``True`` for the bundled simulated export, whose planted problems ``manifest.yml`` lists."""
        return self.simulated and self.name == "xiaomi_sim"

    def metadata(self) -> dict[str, Any]:
        return {
            "dataset": self.name,
            "label": self.label,
            "simulated": self.simulated,
            "currency": self.currency,
            "test_accounts": self.test_accounts,
            "sources": [p.to_dict() for p in self.provenance],
        }


def _write_table(table: pd.DataFrame, path: Path) -> None:
    """Write ``table`` as Parquet without its ``attrs``: pandas would store them in the file's metadata, and
    a run-dependent value there (a read time) would change the file's fingerprint between identical runs."""
    table = table.copy(deep=False)
    table.attrs = {}
    write_parquet(table, path)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str), encoding="utf-8")


def _replace_json(path: Path, data: dict[str, Any]) -> None:
    """:func:`_write_json` whole or not at all: a temporary file renamed over ``path``."""
    partial = path.with_name(path.name + ".partial")
    _write_json(partial, data)
    partial.replace(path)


def _read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def save_interim(acquired: Acquired, out_dir: Path | None = None) -> Path:
    """Write an acquired dataset to ``data/interim/<name>/`` (Parquet + ``metadata.json``).

    A large log (:class:`~helpers.largelog.ParquetLog`) is not copied: ``metadata.json``
    records its path and column map, and the raw files are read in place (never modified).
    """
    out = paths.ensure(out_dir or paths.interim_dir(acquired.name))
    meta = acquired.metadata()
    if acquired.large:
        log = acquired.transactions
        (out / "transactions.parquet").unlink(missing_ok=True)
        meta["log"] = {"path": str(log.path), "mapping": log.mapping, "rows": log.rows}
    else:
        _write_table(acquired.transactions, out / "transactions.parquet")
    if acquired.customers is not None:
        _write_table(acquired.customers, out / "customers.parquet")
    else:
        (out / "customers.parquet").unlink(missing_ok=True)
    _write_json(out / "metadata.json", meta)
    return out


def has_interim(dataset: str) -> bool:
    """``True`` when notebook 01 has acquired ``dataset``."""
    return (paths.interim_dir(dataset) / "metadata.json").exists()


def load_interim(dataset: str, in_dir: Path | None = None) -> Acquired:
    """Read back what :func:`save_interim` wrote; a clear error if notebook 01 has not run."""
    folder = in_dir or paths.interim_dir(dataset)
    meta_path = folder / "metadata.json"
    if not meta_path.exists():
        raise DataError(f"dataset {dataset!r} has not been acquired yet", file=meta_path, hint=_rerun("interim"))
    meta = _read_json(meta_path)
    customers = pd.read_parquet(folder / "customers.parquet") if (folder / "customers.parquet").exists() else None
    if "log" in meta:  # a large log, read in place
        transactions = ParquetLog(path=Path(meta["log"]["path"]), mapping=meta["log"]["mapping"],
                                  rows=int(meta["log"]["rows"]))
    else:
        transactions = pd.read_parquet(folder / "transactions.parquet")
    return Acquired(
        name=meta["dataset"], label=meta["label"], simulated=meta["simulated"], currency=meta["currency"],
        transactions=transactions, customers=customers,
        provenance=[Provenance(**p) for p in meta["sources"]], test_accounts=meta.get("test_accounts", []),
    )


def load_customers(dataset: str, transactions: pd.DataFrame | ParquetLog | None = None) -> pd.DataFrame:
    """The customers of a dataset: notebook 01's customer table without staff test accounts, or —
    when the dataset has none (CDNOW, a user's order file) — the customer ids of the clean transactions
    (``transactions``, or :func:`load_processed`'s)."""
    if has_interim(dataset):
        acq = load_interim(dataset)
        if acq.customers is not None:
            return acq.customers.loc[~acq.customers["customer_id"].isin(acq.test_accounts)].reset_index(drop=True)
    tx = load_processed(dataset)[0] if transactions is None else transactions
    if isinstance(tx, ParquetLog):
        ids = tx.query("SELECT DISTINCT customer_id FROM log ORDER BY customer_id")["customer_id"]
    else:
        ids = tx["customer_id"].drop_duplicates()
    return pd.DataFrame({"customer_id": ids.astype("string").reset_index(drop=True)})


# --------------------------------------------------------------------------- clean transactions


def save_processed(dataset: str, clean: pd.DataFrame | ParquetLog, quarantine: pd.DataFrame | ParquetLog,
                   accounting: pd.DataFrame, metadata: dict | None = None) -> Path:
    """Write ``data/processed/<dataset>/``: clean lines and quarantine (Parquet), the row account (CSV)
    and ``metadata.json`` (the dataset's label and provenance, plus the clean file's SHA-256, which
    the later hand-overs record as what they were computed from).

    A large log's outputs (written by :func:`helpers.clean.clean_log` in a staging folder) are moved
    into place, not copied.
    """
    out = paths.ensure(paths.processed_dir(dataset))
    metadata = dict(metadata or {})
    if isinstance(clean, ParquetLog):
        for log, name in ((clean, "transactions.parquet"), (quarantine, "quarantine.parquet")):
            if log.path != out / name:
                log.path.replace(out / name)
                log.path = out / name
        metadata["large"] = True
    else:
        _write_table(clean, out / "transactions.parquet")
        _write_table(quarantine, out / "quarantine.parquet")
    accounting.to_csv(out / "row_accounting.csv", index=False, encoding="utf-8")
    metadata["transactions_sha256"] = paths.sha256_of(out / "transactions.parquet")
    _write_json(out / "metadata.json", metadata)
    return out


def processed_metadata(dataset: str) -> dict[str, Any]:
    """The clean dataset's ``metadata.json`` (label, simulated, currency, sources …); ``{}`` before 02 ran."""
    return _read_json(paths.processed_dir(dataset) / "metadata.json")


def load_processed(dataset: str) -> tuple[pd.DataFrame | ParquetLog, dict]:
    """Clean transactions of a dataset and its metadata; a clear error if notebook 02 has not run.

    A large dataset stays on disk (a :class:`~helpers.largelog.ParquetLog` scanned by DuckDB).
    """
    path = paths.processed_dir(dataset) / "transactions.parquet"
    if not path.exists():
        raise DataError(f"dataset {dataset!r} has not been cleaned yet", file=path, hint=_rerun("processed"))
    meta = processed_metadata(dataset)
    if meta.get("large"):
        return ParquetLog.open(path), meta
    return pd.read_parquet(path), meta


# --------------------------------------------------------------------------- per-customer tables


def require_unique_ids(table: pd.DataFrame, what: str) -> None:
    """:class:`DataError` unless ``table`` has a ``customer_id`` column without repeats or gaps."""
    if "customer_id" not in table.columns:
        raise DataError(f"{what}: the table has no customer_id column", column="customer_id")
    ids = table["customer_id"]
    if strictly_increasing(ids):  # sorted by id, as every summary and score table is: unique, none missing
        return
    if ids.isna().any():
        raise DataError(f"{what}: {int(ids.isna().sum()):,} rows have no customer_id", column="customer_id")
    repeated = ids.duplicated()
    if repeated.any():
        first = str(ids[repeated].iloc[0])
        raise DataError(f"{what}: {int(repeated.sum()):,} customer ids appear more than once (e.g. {first!r})",
                        column="customer_id", row=int(repeated.to_numpy().argmax()) + 1,
                        hint="one row per customer is expected")


#: The inputs a per-customer table is computed from, by table: fingerprint key → what it is.
INPUTS: dict[str, dict[str, str]] = {
    "clv": {"transactions_sha256": "the clean transactions (notebook 02)"},
    "segments": {"transactions_sha256": "the clean transactions (notebook 02)",
                 "clv_sha256": "the CLV scores (notebook 03)"},
}


def _current_inputs(dataset: str, kind: str) -> dict[str, str | None]:
    """The fingerprints of ``kind``'s inputs as they are in the store now (``None``: not there)."""
    now = {"transactions_sha256": processed_metadata(dataset).get("transactions_sha256"),
           "clv_sha256": clv_metadata(dataset).get("sha256")}
    return {key: now[key] for key in INPUTS[kind]}


def _lineage(dataset: str, kind: str, **given: str | None) -> dict[str, Any]:
    """Label, provenance and inputs of a per-customer table: the clean data's label and sources (the raw files
    with their SHA-256), and the fingerprint of every input (``None`` for one that was not in the store)."""
    meta = processed_metadata(dataset)
    keep = {k: meta[k] for k in ("label", "simulated", "currency", "sources") if k in meta}
    return {"dataset": dataset, **keep, "inputs": {**_current_inputs(dataset, kind), **given}}


def _save_customer_table(dataset: str, kind: str, table: pd.DataFrame, metadata: dict[str, Any]) -> Path:
    require_unique_ids(table, f"{kind}.parquet")
    folder = paths.ensure(paths.processed_dir(dataset))
    path = folder / f"{kind}.parquet"
    _write_table(table, path)
    _write_sidecar(path, kind, metadata, len(table), list(table.columns))
    return path


def _write_sidecar(path: Path, kind: str, metadata: dict[str, Any], rows: int, columns: list[str]) -> None:
    """``<kind>_metadata.json`` beside the table ``path``: ``metadata`` plus its rows, columns and SHA-256."""
    meta = {**metadata, "rows": int(rows), "columns": columns, "sha256": paths.sha256_of(path)}
    _write_json(path.with_name(f"{kind}_metadata.json"), meta)


def save_customer_file(dataset: str, kind: str, source: Path, metadata: dict[str, Any], *,
                       scores: pd.DataFrame | None = None) -> Path:
    """Move a per-customer Parquet file written elsewhere in chunks (a table too large for pandas: notebook 03's
    scores and notebook 04's segments of every customer of a large log) into the store as ``<kind>.parquet``
    (``kind``: ``"clv"`` or ``"segments"``), with the sidecar :func:`save_clv` / :func:`save_segments` write.

    The ids are checked by DuckDB as :func:`require_unique_ids` checks a DataFrame's (no missing, no repeated
    customer id); ``scores`` as in :func:`save_segments`. ``source`` must be on the store's file system.
    """
    if kind not in INPUTS:
        raise ValueError(f"kind must be one of {sorted(INPUTS)}, not {kind!r}")
    source = Path(source)
    scan = f"read_parquet({sql_str(source.as_posix())})"
    con = connect()
    try:
        columns = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()]
        if "customer_id" not in columns:
            raise DataError(f"{kind}.parquet: the table has no customer_id column", file=source, column="customer_id")
        rows, missing, distinct = con.execute(f"SELECT count(*), count(*) - count(customer_id), "
                                              f"count(DISTINCT customer_id) FROM {scan}").fetchone()
        example = con.execute(f"SELECT customer_id FROM {scan} WHERE customer_id IS NOT NULL GROUP BY customer_id "
                              f"HAVING count(*) > 1 LIMIT 1").fetchone() if distinct != rows - missing else None
    finally:
        con.close()
    if missing:
        raise DataError(f"{kind}.parquet: {missing:,} rows have no customer_id", file=source, column="customer_id")
    if distinct != rows - missing:
        raise DataError(f"{kind}.parquet: {rows - distinct:,} customer ids appear more than once (e.g. {example[0]!r})",
                        file=source, column="customer_id", hint="one row per customer is expected")
    given = {} if scores is None else {"clv_sha256": scores.attrs.get("sha256")}
    folder = paths.ensure(paths.processed_dir(dataset))
    path = folder / f"{kind}.parquet"
    source.replace(path)
    _write_sidecar(path, kind, {**metadata, **_lineage(dataset, kind, **given)}, rows, columns)
    return path


def _check_inputs(dataset: str, kind: str, meta: dict[str, Any]) -> None:
    """Refuse a table computed from other inputs than the ones now in the store: an input that changed, that
    appeared since (the table was computed before it existed) or that is gone, and a table without its
    sidecar (written before the store recorded inputs, or by hand)."""
    path = paths.processed_dir(dataset) / f"{kind}.parquet"
    if "inputs" not in meta:
        raise DataError(f"{kind}.parquet of dataset {dataset!r} has no record of what it was computed from "
                        f"({kind}_metadata.json is missing or from an older version of the workbook)", file=path,
                        hint=f"re-run notebooks/{PRODUCERS[kind]}")
    for key, now in _current_inputs(dataset, kind).items():
        then = meta["inputs"].get(key)
        if then != now:
            what = INPUTS[kind][key]
            problem = (f"was computed from an earlier version of {what}" if then and now else
                       f"was computed before {what} existed" if now else f"was computed from {what}, which are gone")
            raise DataError(f"{kind}.parquet of dataset {dataset!r} {problem}", file=path,
                            hint=f"re-run notebooks/{PRODUCERS[kind]} so that it rests on the current data")


def _load_customer_table(dataset: str, kind: str, customers: Any = None, columns: list[str] | None = None) -> pd.DataFrame:
    path = paths.processed_dir(dataset) / f"{kind}.parquet"
    if not path.exists():
        raise DataError(f"{kind}.parquet for dataset {dataset!r} does not exist yet", file=path, hint=_rerun(kind))
    meta = _read_json(path.with_name(f"{kind}_metadata.json"))
    _check_inputs(dataset, kind, meta)
    if columns is not None:
        columns = ["customer_id", *[c for c in columns if c != "customer_id"]]
    frame = (pd.read_parquet(path, columns=columns, to_pandas_kwargs={"self_destruct": True, "split_blocks": True})
             if customers is None else _read_customers(path, customers))  # (Arrow's columns freed as converted)
    frame = frame if columns is None else frame[columns]
    if "customer_id" not in frame.columns:
        raise DataError("has no customer_id column", file=path, column="customer_id", hint=_rerun(kind))
    frame["customer_id"] = frame["customer_id"].astype("string")
    frame.attrs = meta
    return frame


def customer_id_steps(dataset: str, kind: str, step: int) -> list[Any]:
    """Every ``step``-th customer id of ``<kind>.parquet`` (``"clv"`` or ``"segments"``: sorted by id), in order,
    read by DuckDB: where chunks of ``step`` customers begin, without bringing 12.9M ids to Python (~0.25 GiB).
    Only boundaries: the rows of a chunk are read with :func:`load_clv`'s checks."""
    if kind not in INPUTS:
        raise ValueError(f"kind must be one of {sorted(INPUTS)}, not {kind!r}")
    path = paths.processed_dir(dataset) / f"{kind}.parquet"
    if not path.exists():
        raise DataError(f"{path.name} is not in the store yet", file=path, hint=_rerun(kind))
    con = connect()
    try:
        rows = con.execute(f"SELECT customer_id FROM read_parquet({sql_str(path.as_posix())}, file_row_number = true) "
                           f"WHERE file_row_number % {max(1, int(step))} = 0 ORDER BY file_row_number").fetchall()
    finally:
        con.close()
    return [row[0] for row in rows]


def _read_customers(path: Path, customers: Any) -> pd.DataFrame:
    """The rows of ``path`` whose ``customer_id`` is one of ``customers``, in the file's order: pyarrow reads only
    the rows between the smallest and the largest id asked for (the file is sorted by id: row groups outside are
    skipped by their statistics; the whole table never reaches pandas), then keeps those asked for (one hash set;
    in the scan's filter it is built again for every batch: 2.5× slower for a million ids of 12.9M). An id the
    file does not hold is refused, not dropped."""
    wanted = pa.array(pd.Series(customers, dtype="string").dropna().unique(), pa.string())
    data = ds.dataset(path, format="parquet")
    key, kind = ds.field("customer_id"), data.schema.field("customer_id").type
    if (pa.types.is_string(kind) or pa.types.is_large_string(kind)) and len(wanted):  # row groups outside skipped
        wanted = wanted.cast(kind)
        table = data.to_table(filter=(key >= pc.min(wanted)) & (key <= pc.max(wanted)))
        table = table.filter(pc.is_in(table.column("customer_id"), value_set=wanted))
    else:  # ids compared as text, as loaded
        table = data.to_table(filter=key.cast(pa.string()).isin(wanted))
    if table.num_rows != len(wanted):
        found = {str(c) for c in table.column("customer_id").to_pylist()}
        absent = next(c for c in wanted.to_pylist() if c not in found)
        raise DataError(f"{path.name} has no row for customer {absent!r} ({len(wanted) - len(found):,} of the "
                        f"{len(wanted):,} customers asked for are missing)", file=path, column="customer_id",
                        hint="ask for customers of the same clean transactions the table was computed from")
    return table.to_pandas()


def save_clv(dataset: str, table: pd.DataFrame, metadata: dict[str, Any]) -> Path:
    """Write ``clv.parquet`` (one row per customer) and ``clv_metadata.json``: ``metadata`` (units,
    horizon, discount rate, fitted parameters …) plus the dataset's label and the fingerprint of the
    clean transactions the scores were computed from."""
    return _save_customer_table(dataset, "clv", table, {**metadata, **_lineage(dataset, "clv")})


def clv_metadata(dataset: str) -> dict[str, Any]:
    """``clv_metadata.json`` (horizon, units, parameters, label, fingerprints); ``{}`` before 03 ran."""
    return _read_json(paths.processed_dir(dataset) / "clv_metadata.json")


def load_clv(dataset: str, customers: Any = None, columns: list[str] | None = None) -> pd.DataFrame:
    """The CLV scores (``customer_id, frequency, recency, T, monetary_value, p_alive, expected_purchases,
    expected_spend, clv``), with :func:`clv_metadata` as ``attrs`` (``period_days``, ``horizon``,
    ``discount_rate_annual``, fitted parameters, label, ``sha256`` of the whole file …); refused when they rest on
    an earlier cleaning of the dataset.

    ``customers``: ids (any iterable; repeats and missing values ignored) to keep, e.g. the customers of notebook
    04's analysis sample: only their rows are read (pyarrow filters the file while reading, so the scores of 26M
    customers never reach pandas), in the file's order; an id without a row is refused (:class:`DataError`).
    ``columns``: only these columns (``customer_id`` always first), e.g. the ids alone to count the customers."""
    return _load_customer_table(dataset, "clv", customers, columns)


def save_segments(dataset: str, table: pd.DataFrame, metadata: dict[str, Any] | None = None, *,
                  scores: pd.DataFrame | None = None) -> Path:
    """Write ``segments.parquet`` (one row per customer, every classification) with the fingerprints of
    the clean transactions and of the CLV scores it used.

    Parameters
    ----------
    scores
        The CLV scores the segments were computed from, as :func:`load_clv` returned them: their
        fingerprint (``attrs["sha256"]``) is recorded, so that scores re-written by notebook 03 between
        the load and this save are not taken for the ones used. Without it, the scores now in the store.

    Raises
    ------
    DataError
        No ``customer_id`` column, missing or repeated customer ids.
    """
    given = {} if scores is None else {"clv_sha256": scores.attrs.get("sha256")}
    return _save_customer_table(dataset, "segments", table,
                                {**(metadata or {}), **_lineage(dataset, "segments", **given)})


def load_segments(dataset: str) -> pd.DataFrame:
    """The segment table; refused when it rests on other clean transactions or CLV scores than the
    ones now in the store."""
    return _load_customer_table(dataset, "segments")


def load_value(dataset: str) -> pd.DataFrame:
    """CLV scores joined with the segments on ``customer_id``: one row per customer of either table (an outer
    join; both come from the same clean transactions, which the store checks, so they cover the same customers).

    CLV is computed once (notebook 03); a column both tables carry is taken from the CLV table.
    """
    clv = load_clv(dataset)
    seg = load_segments(dataset)
    seg = seg.drop(columns=[c for c in seg.columns if c in clv.columns and c != "customer_id"])
    return clv.merge(seg, on="customer_id", how="outer")


# --------------------------------------------------------------------------- the analysis sample of a large log


def save_sample(dataset: str, lines: pd.DataFrame, key: dict[str, Any]) -> Path:
    """Write ``sample.parquet`` (the lines of notebook 03's seeded sample of a large log,
    :func:`helpers.clv.analysis_sample`) and ``sample.json`` (``key``: the clean log's fingerprint and the draw's
    settings; the sample's ``attrs``), so notebook 04 reads the same sample instead of drawing it again."""
    folder = paths.ensure(paths.processed_dir(dataset))
    (folder / "sample.json").unlink(missing_ok=True)  # no moment where an earlier key names these lines
    partial = folder / "sample.parquet.partial"
    _write_table(lines, partial)
    partial.replace(folder / "sample.parquet")
    _replace_json(folder / "sample.json", {"key": key, "attrs": dict(lines.attrs)})
    return folder / "sample.parquet"


def load_sample(dataset: str, key: dict[str, Any]) -> pd.DataFrame | None:
    """The lines :func:`save_sample` wrote, with their ``attrs``, when they were drawn with ``key`` (the same clean
    log and settings); ``None`` otherwise."""
    folder = paths.processed_dir(dataset)
    meta = _read_json(folder / "sample.json")
    if key.get("transactions_sha256") is None or meta.get("key") != key or not (folder / "sample.parquet").exists():
        return None
    lines = pd.read_parquet(folder / "sample.parquet")
    lines.attrs = meta["attrs"]
    return lines


# --------------------------------------------------------------------------- the customer counts


def count_inputs(dataset: str) -> dict[str, str | None]:
    """The fingerprints the customer funnel (:func:`helpers.clv.dataset_count_claim`) is counted from: notebook 01's
    folder (``interim_sha256``: every file of it, its ``metadata.json`` with the sources' SHA-256 included),
    the clean transactions' and the CLV scores' recorded fingerprints (``None``: not in the store)."""
    folder = paths.interim_dir(dataset)
    return {"interim_sha256": paths.sha256_of(folder) if (folder / "metadata.json").exists() else None,
            "transactions_sha256": processed_metadata(dataset).get("transactions_sha256"),
            "clv_sha256": clv_metadata(dataset).get("sha256")}


def save_counts(dataset: str, numbers: dict[str, Any], inputs: dict[str, str | None]) -> Path:
    """Write ``counts.json``: the funnel's numbers and the :func:`count_inputs` they were counted from
    (written whole or not at all: a temporary file renamed)."""
    path = paths.ensure(paths.processed_dir(dataset)) / "counts.json"
    _replace_json(path, {"inputs": inputs, "numbers": numbers})
    return path


def load_counts(dataset: str, inputs: dict[str, str | None]) -> dict[str, Any] | None:
    """The numbers :func:`save_counts` wrote, or ``None`` when there are none or they were counted from other
    inputs than ``inputs`` (any fingerprint differs, or one of them is missing)."""
    path = paths.processed_dir(dataset) / "counts.json"
    if inputs.get("transactions_sha256") is None or inputs.get("clv_sha256") is None or not path.exists():
        return None
    saved = _read_json(path)
    return saved.get("numbers") if saved.get("inputs") == inputs else None


# --------------------------------------------------------------------------- topics, knowledge base


def topic_paths(dataset: str) -> tuple[Path, Path]:
    """Where notebook 06 keeps its topic results: ``post_topics.parquet`` and ``topic_terms.parquet``."""
    folder = paths.processed_dir(dataset)
    return folder / "post_topics.parquet", folder / "topic_terms.parquet"


def save_topics(dataset: str, assigned: pd.DataFrame, terms: pd.DataFrame) -> Path:
    """Write the posts' topic assignments and the topics' top terms; returns the assignments' path."""
    posts_path, terms_path = topic_paths(dataset)
    paths.ensure(posts_path.parent)
    assigned.to_parquet(posts_path, index=False)
    terms.to_parquet(terms_path, index=False)
    return posts_path


def load_topics(dataset: str) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """``(terms, assigned)`` as :func:`save_topics` wrote them, or ``None`` when there are none."""
    posts_path, terms_path = topic_paths(dataset)
    if not (posts_path.exists() and terms_path.exists()):
        return None
    return pd.read_parquet(terms_path), pd.read_parquet(posts_path)


def knowledge_path(dataset: str) -> Path:
    """``data/processed/<dataset>/knowledge.duckdb``, the customer knowledge base (notebook 07)."""
    return paths.processed_dir(dataset) / "knowledge.duckdb"


def sharing_path(dataset: str) -> Path:
    """``data/processed/<dataset>/sharing.sqlite``: what staff share back into the knowledge base (notes and
    codes on customers) and the audit trail of the sharing end (:mod:`helpers.knowledge.notes`). Never rebuilt:
    notebook 07 rebuilds ``knowledge.duckdb`` from notebooks 01–06, and staff's notes must survive that."""
    return paths.processed_dir(dataset) / "sharing.sqlite"
