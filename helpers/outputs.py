"""Writing result tables and figures under ``reports/`` (generated, never committed).

Tables are CSV in UTF-8 with a byte-order mark, so that Excel, which many CRM teams open
them in, shows the Chinese headers correctly; pandas, DuckDB and R read them as UTF-8. Lines
end in CRLF (RFC 4180), so a text cell holding a line break or a carriage return is quoted and
the table keeps its rows (with ``"\n"`` line ends Python's writer leaves a lone CR unquoted).
The folder follows ``CRM_REPORTS_DIR`` when the report command sets it
(:func:`helpers.paths.reports_dir`).

**No live formulas.** A product name, a post or a customer's text that starts like a formula
(``=HYPERLINK(…)``, ``+1-555…``, ``@SUM(…)``, ``-2+3``) would run as one when the CSV is opened in
Excel, LibreOffice or Google Sheets (CSV or formula injection). :func:`save_table` writes every
such *text* cell with a leading ``'``, as OWASP's CSV-injection guidance says
(:func:`neutralise_formulas`); numbers are never touched, and text that is a plain number
(``"-12.5"``) neither, since a spreadsheet reads it as that number, not as a formula. Reading the
CSV back with pandas gives the text with its ``'``; Parquet tables keep the values as they are.

Part of the bottom layer (``docs/architecture.md``): imports no analysis module.
"""

from __future__ import annotations

import json
import re
import weakref
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from . import largelog
from .paths import reports_dir

if TYPE_CHECKING:  # a figure is only saved here: matplotlib is not loaded for it (the ingest never draws)
    from matplotlib.figure import Figure


def _safe(name: str) -> str:
    if not re.fullmatch(r"[\w.\-]+", name):
        raise ValueError(f"output name {name!r} must be letters, digits, '_', '-' or '.'")
    return name


#: First characters that make a spreadsheet read a CSV cell as a formula (OWASP, "CSV Injection"):
#: equals, plus, minus, at, tab, carriage return.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def _neutral(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def neutralise_formulas(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` whose text cells, column names and index labels that start with a formula
    character (:data:`FORMULA_START`) begin with ``'`` instead: the OWASP CSV-injection defence.

    Only text is changed (object, string and categorical columns; text that is a plain number stays as
    it is): numbers, dates and booleans are never altered, so a negative amount stays a number. The
    ``'`` is what Excel itself writes to keep a cell as text; it shows in other readers.
    (``defusedcsv`` does the same for Python's ``csv`` writer; pandas' own writer is kept here so the
    tables' bytes, e.g. how floats are written, do not change.)
    """
    out = table.copy()
    for column in out.columns:
        values = out[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            out[column] = values.cat.rename_categories(lambda c: _neutral(c))
        elif pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values):
            out[column] = values.map(_neutral, na_action="ignore").astype(values.dtype)
    for axis in ("columns", "index"):
        labels = getattr(out, axis)
        if not isinstance(labels, pd.MultiIndex) and (pd.api.types.is_object_dtype(labels)
                                                      or pd.api.types.is_string_dtype(labels)):
            setattr(out, axis, labels.map(_neutral))
    return out


#: Tables with more rows than this are written as Parquet instead of CSV (a per-customer table of a
#: 50M-line log has 12.9M rows: 2.2 GB and two minutes as CSV, a few hundred MB and seconds as Parquet).
CSV_MAX_ROWS = 1_000_000


def write_parquet(table: pd.DataFrame, path: Path, *, desc: str | None = None, chunk_rows: int = 1_000_000,
                  label: str | None = None) -> Path:
    """``table.to_parquet(path, index=False)``, written in row groups of ``chunk_rows`` with a tqdm bar
    when the table has more rows than :data:`helpers.largelog.LARGE_CUSTOMERS` (e.g. 12.9M customers:
    ~10 s). The file is the same as pandas writes (one schema, pandas metadata); only the row groups
    differ. ``label``: a first column ``dataset`` holding it, as :func:`save_table` adds — chunk by chunk, so a
    table of 26M customers is not copied whole to carry it."""
    def labelled(part: pd.DataFrame) -> pd.DataFrame:
        if label is None:
            return part
        part = part.copy(deep=False)
        part.insert(0, "dataset", label)
        return part

    if len(table) <= largelog.LARGE_CUSTOMERS:
        labelled(table).to_parquet(path, index=False)
        return path
    schema = pa.Schema.from_pandas(table, preserve_index=False)  # types from all rows (object columns)
    if label is not None:  # the label's field and pandas metadata, as pandas gives them to the whole labelled table
        first = pa.Schema.from_pandas(labelled(table.iloc[:1]), preserve_index=False)
        meta = json.loads(schema.metadata[b"pandas"])
        meta["columns"] = json.loads(first.metadata[b"pandas"])["columns"][:1] + meta["columns"]
        schema = schema.insert(0, first.field("dataset")).with_metadata({b"pandas": json.dumps(meta).encode()})
    starts = range(0, len(table), chunk_rows)
    with pq.ParquetWriter(path, schema) as writer:
        for start in largelog.progress(starts, len(table), desc or f"writing {Path(path).name}"):
            writer.write_table(pa.Table.from_pandas(labelled(table.iloc[start:start + chunk_rows]), schema=schema,
                                                    preserve_index=False))
    return path


#: id of a table passed to :func:`save_table` → (weak reference to it, path written): lets the table formatter
#: (:func:`helpers.tables.show`) point a cut table at its full CSV without writing it twice.
_SAVED: dict[int, tuple[weakref.ref, Path]] = {}


def saved_path(table: object) -> Path | None:
    """The file :func:`save_table` last wrote this very table object to (``None`` if it was not saved)."""
    found = _SAVED.get(id(table))
    return found[1] if found is not None and found[0]() is table else None


def _remember(table: pd.DataFrame, path: Path) -> None:
    try:
        ref = weakref.ref(table)
    except TypeError:  # pragma: no cover - pandas objects take weak references
        return
    for key in [k for k, (r, _) in _SAVED.items() if r() is None]:
        del _SAVED[key]
    _SAVED[id(table)] = (ref, path)


def save_table(table: pd.DataFrame, name: str, index: bool = False, label: str | None = None) -> Path:
    """Write ``table`` to ``reports/tables/<name>.csv`` and return the path.

    ``label`` (e.g. a dataset label that says SIMULATED) is written as a first column
    ``dataset``, so a table that leaves the report still says where its numbers come from.
    The ``table`` passed in is not modified. Text cells that would be read as formulas get a
    leading ``'`` in the CSV (:func:`neutralise_formulas`). Above :data:`CSV_MAX_ROWS` rows the table goes to
    ``<name>.parquet`` instead (same columns), and a CSV of the same name left by an earlier run
    is removed so the folder never holds two versions.
    """
    folder = reports_dir() / "tables"
    folder.mkdir(parents=True, exist_ok=True)
    big = len(table) > CSV_MAX_ROWS
    path = folder / f"{_safe(name)}.{'parquet' if big else 'csv'}"
    (folder / f"{_safe(name)}.{'csv' if big else 'parquet'}").unlink(missing_ok=True)
    _remember(table, path)
    if big and not index:  # the label added chunk by chunk: no copy of a large table
        write_parquet(table, path, label=label)
        return path
    if label is not None:
        table = table.copy()
        table.insert(0, "dataset", label)
    if big:
        table.to_parquet(path, index=True)
    else:
        neutralise_formulas(table).to_csv(path, index=index, encoding="utf-8-sig", lineterminator="\r\n")
    return path


def save_figure(fig: Figure, name: str) -> Path:
    """Write ``fig`` to ``reports/figures/<name>.png`` and return the path."""
    folder = reports_dir() / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{_safe(name)}.png"
    fig.savefig(path)
    return path


def append_markdown(text: str, name: str = "benchmarks.md") -> Path:
    """Append ``text`` to ``reports/<name>`` (e.g. a benchmark's result table) and return the path."""
    folder = reports_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / _safe(name)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(text)
    return path
