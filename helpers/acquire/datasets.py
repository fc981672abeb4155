"""Acquiring a dataset by name (:func:`acquire`), the way notebook 01's parameters choose it.

A bundled dataset (:data:`~helpers.acquire.bundled.BUNDLED`), or the user's own file or folder. A
Parquet source larger than ``max_rows_in_memory`` lines stays on disk as a
:class:`~helpers.largelog.ParquetLog` that the later steps scan with DuckDB; a text or Excel export that large
is read by the one reader (:func:`~helpers.acquire.read.read_transactions`: encoding, column map, lineage,
marks) and its canonical table written as Parquet (:func:`stage_log`), so both cleaning paths clean what that
reader read. A source is labelled SIMULATED when the ``manifest.yml`` beside it says so, own data otherwise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Mapping

from .. import paths
from ..errors import DataError
from ..largelog import LARGE_ROWS, ParquetLog
from ..outputs import write_parquet
from ..paths import display_path, file_format, resolve_user_path, sha256_of
from ..store import Acquired, Provenance, read_time
from .bundled import BUNDLED, read_manifest
from .read import read_transactions


def acquire(
    dataset: str = "xiaomi_sim",
    *,
    source_path: str | Path | None = None,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    currency: str = "CNY",
    test_accounts: Iterable[str] = (),
    max_rows_in_memory: int | None = LARGE_ROWS,
) -> Acquired:
    """Acquire a dataset by name, the way notebook 01's parameters choose it.

    ``dataset`` is a bundled dataset's name (:data:`~helpers.acquire.bundled.BUNDLED`: ``"cdnow"``,
    ``"cdnow_sample"``, ``"xiaomi_sim"``), or any other name together with ``source_path`` (and
    usually ``columns``) for the user's own file.

    A Parquet source (file or hive-partitioned folder) with more than ``max_rows_in_memory``
    lines is not loaded: ``transactions`` is then a :class:`~helpers.largelog.ParquetLog` that
    the later steps scan with DuckDB (``None``: always load). A folder whose ``manifest.yml``
    says ``simulated: true`` (e.g. from ``python -m helpers.simulate --large-log 50M``) is
    labelled SIMULATED.
    """
    parquet = source_path and file_format(resolve_user_path(source_path)) == "parquet"
    if parquet and max_rows_in_memory is not None:
        log = ParquetLog.open(source_path, columns)
        if len(log) > max_rows_in_memory:
            return _acquire_log(dataset, log, currency, test_accounts)
    if source_path:
        tx = read_transactions(source_path, columns=columns, encoding=encoding, sheet=sheet)
        prov = Provenance(**tx.attrs["provenance"])
        tx.attrs = {}
        simulated, label = _source_label(resolve_user_path(source_path))
        if max_rows_in_memory is not None and len(tx) > max_rows_in_memory:
            tx = stage_log(tx, _own_name(dataset))
            prov.notes.append(f"{len(tx):,} lines, more than {max_rows_in_memory:,}: the lines as read written to "
                              f"{display_path(tx.path)} and cleaned there by DuckDB")
        return Acquired(name=_own_name(dataset), label=label, simulated=simulated,
                        currency=currency, transactions=tx, customers=None, provenance=[prov],
                        test_accounts=list(test_accounts))
    if dataset in BUNDLED:
        return BUNDLED[dataset].load()
    raise DataError(
        f"unknown dataset {dataset!r}",
        hint=f"use {', '.join(repr(name) for name in BUNDLED)}, "
             "or give source_path= (and columns=) for your own file",
    )


def stage_log(tx, dataset: str) -> ParquetLog:
    """The canonical table ``tx`` (:func:`~helpers.acquire.read.read_transactions`: text as read, lineage, marks)
    written to ``data/interim/<dataset>/read/transactions.parquet`` and opened as a
    :class:`~helpers.largelog.ParquetLog`: the large path (:func:`helpers.clean.clean_log`) then cleans the values
    this reader read, as the in-memory path does (``tests/test_clean_parity.py``)."""
    folder = paths.ensure(paths.interim_dir(dataset) / "read")
    path = folder / "transactions.parquet"
    write_parquet(tx, path, desc="staging the log as Parquet")  # in row groups, with a bar, when large
    return ParquetLog.open(path)


def _own_name(dataset: str) -> str:
    """The name of a user's source: ``dataset``, unless that is a bundled dataset's name (then ``"own"``)."""
    return dataset if dataset not in BUNDLED else "own"


def _source_label(path: Path) -> tuple[bool, str]:
    """``(simulated, label)`` of a user's source: a folder (or a file next to a ``manifest.yml``)
    whose manifest says ``simulated: true`` is SIMULATED, whatever its size; anything else is own data."""
    folder = path if path.is_dir() else path.parent
    manifest = (read_manifest(folder) or {}) if (folder / "manifest.yml").exists() else {}
    if not manifest.get("simulated"):
        return False, f"own data: {path.name}"
    given = str(manifest.get("label", path.name))
    return True, given if "SIMULATED" in given else f"SIMULATED: {given}"


def _acquire_log(dataset: str, log: ParquetLog, currency: str, test_accounts: Iterable[str]) -> Acquired:
    """A large Parquet log, acquired without loading it: provenance, label, lineage by file row."""
    simulated, label = _source_label(log.path)
    files = sorted(log.path.rglob("*.parquet")) if log.path.is_dir() else [log.path]
    prov = Provenance(path=display_path(log.path), sha256=sha256_of(log.path), rows=len(log),
                      format="parquet (hive folder)" if log.path.is_dir() else "parquet", encoding=None,
                      read_at=read_time(), columns=dict(log.mapping),
                      notes=[f"{len(files)} Parquet file(s), scanned by DuckDB, not loaded into memory"])
    return Acquired(name=_own_name(dataset), label=label, simulated=simulated, currency=currency, transactions=log,
                    customers=None, provenance=[prov], test_accounts=list(test_accounts))
