"""Reading one file into the canonical schema: :func:`read_table` (raw values and provenance, through
the format registry), :func:`to_canonical` (mapped columns, lineage, text) and :func:`read_transactions`
(a known export layout, detected by its header, or the generic column map).

Values are carried *as read* (text stays text): parsing dates and amounts is cleaning's job
(:mod:`helpers.clean`), where a value that does not parse sends its row to quarantine with a
reason instead of becoming a silent ``NaN``. Columns that are not mapped onto the schema are not
carried forward: names, phone numbers and e-mails in an order export stop here.

Lineage: ``source_file`` is the file's name (``<file>#<sheet>`` for the rows of a workbook read whole
from several sheets) and ``source_row`` the 1-based data row (per sheet). A delimited file's line that
does not split into the header's columns is kept, its fields filled left to right, with a
``malformed_line`` column saying what is wrong (``"7 fields where the header has 8"``); cleaning
quarantines such rows first (reason ``malformed_line``). The column is there only when a line is malformed.
The same holds for the other marks of :data:`helpers.schema.ACQUISITION_MARKS` (``repeated_header``,
``summary_row``: :mod:`helpers.acquire.rows`): a column named by the reason code, holding the detail.

What a transaction export can hold besides orders, and how :func:`read_transactions` meets it (the hostile
corpus, ``tests/data/hostile/transactions``, holds one file of each):

- the path: a symbolic link that cannot be followed, a folder without data files, an empty file
  (:func:`existing_source`); a file that is not what its name says, a password-protected workbook, UTF-16,
  NUL bytes, a line of megabytes, a ``.csv.gz`` (the format readers, :mod:`helpers.acquire.formats`);
- rows: a title block above the header (skipped, with a note) or a title shaped like a header (an error
  naming the row the header seems to be on), empty rows (skipped, with a note), a header repeated mid-file
  and a totals row (marked), :mod:`helpers.acquire.rows`;
- values: ids typed with full-width digits or invisible spaces (normalised), ids whose digits are already
  lost (refused), a unit price and a quantity instead of an amount (multiplied), Unix times (read as UTC),
  :mod:`helpers.acquire.values`.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa

from ..clean import missing_text, system_arrow_memory
from ..errors import DataError
from ..paths import display_path, file_format, resolve_user_path, sha256_of
from ..schema import ACQUISITION_MARKS, CANONICAL, LINEAGE, MALFORMED, amount_from_unit_price, resolve_columns
from ..store import Provenance, read_time
from .formats import FORMATS, RawTable, ReadOptions, supported_formats
from .layouts import LINEAGE_COLUMNS, Layout, detect_layout
from .rows import ROW_MARKS, header_below, marks_and_empty_rows
from .values import check_ids, epoch_times, normalise_ids, unit_price_amount


def existing_source(path: str | Path) -> Path:
    """The user's path resolved (:func:`helpers.paths.resolve_user_path`), or a clear :class:`DataError`: a
    symbolic link that cannot be followed (a loop, a missing target), a path that does not exist, an empty
    file, a folder with no data files in it."""
    path = resolve_user_path(path)
    if path.is_symlink():
        try:
            path.resolve(strict=True)
        except (OSError, RuntimeError) as exc:  # ELOOP (Python 3.13) or "Symlink loop" (3.11)
            raise DataError(f"is a symbolic link that cannot be followed ({type(exc).__name__}: a loop or a "
                            "missing target)", file=path, hint="point the link at the export itself") from exc
    if not path.exists():
        raise DataError("file not found", file=path,
                        hint="check the path (relative paths are tried from the current folder, "
                             "then from the project root)")
    if path.is_file() and path.stat().st_size == 0:
        raise DataError("file is empty (0 bytes)", file=path, hint="export the data again")
    if path.is_dir() and file_format(path) is None:
        found = sorted({p.suffix.lower() or "(no extension)" for p in path.rglob("*") if p.is_file()})
        raise DataError("is a folder with no Parquet files (*.parquet) in it" + (
            f"; it holds {', '.join(found[:5])} files" if found else ", nor any other file"), file=path,
            hint="give one file (CSV, Excel, Parquet), or a folder of Parquet files (a hive-partitioned log)")
    return path


def read_raw(
    path: str | Path,
    *,
    encoding: str | None = None,
    sheet: str | int | None = None,
    sep: str | None = None,
    malformed: str = "error",
    titles: bool = False,
) -> tuple[RawTable, Provenance]:
    """What the format registry's reader returns for a file (:class:`RawTable`), checked, and its provenance.

    ``malformed`` (``"error"`` or ``"mark"``): what a delimited file's malformed line does; ``titles``: whether
    a title block above the header is skipped (:class:`~helpers.acquire.formats.ReadOptions`). Raises
    :class:`DataError` as :func:`read_table`.
    """
    path = existing_source(path)
    fmt = FORMATS.get(file_format(path))
    if fmt is None:
        suffix = path.suffix.lower()
        raise DataError(f"unknown format {suffix or '(no extension)'!r}", file=path,
                        hint=f"supported: {supported_formats()}")
    with ThreadPoolExecutor(1) as hashing:  # the file's hash is taken while it is parsed (hashlib frees the GIL)
        digest = hashing.submit(sha256_of, path)
        raw = fmt.read(path, ReadOptions(encoding=encoding, sheet=sheet, sep=sep, malformed=malformed, titles=titles))
    df = raw.frame
    df.columns = [str(c).strip() for c in df.columns]
    if len(df.columns) == 0:
        raise DataError("has no columns", file=path, hint="export the data again with a header row")
    if len(df) == 0:
        names = list(df.columns)
        raise DataError("has a header but no data rows", file=path,
                        hint=f"columns found: {names[:12]}{' …' if len(names) > 12 else ''}; export the data rows too")
    prov = Provenance(
        path=display_path(path), sha256=digest.result(), rows=len(df), format=fmt.name, encoding=raw.encoding,
        read_at=read_time(), sheet=raw.sheet, notes=list(raw.notes),
    )
    return raw, prov


def read_table(
    path: str | Path,
    *,
    encoding: str | None = None,
    sheet: str | int | None = None,
    sep: str | None = None,
) -> tuple[pd.DataFrame, Provenance]:
    """Read any supported file into a DataFrame of raw values plus its :class:`Provenance`.

    CSV values are read as text (nothing converted, empty cells missing); Excel cells keep
    the type Excel stored (dates as datetimes); Parquet keeps its schema. The reader is the
    format registry's entry for the path (:data:`helpers.acquire.formats.FORMATS`). A workbook
    is read whole when its sheets share one header (:mod:`helpers.acquire.formats.excel`).

    Raises
    ------
    DataError
        File missing, unknown format, empty, header-only, undecodable, a delimited line that does
        not split into the header's columns (naming the row), or sheets with different headers.
    """
    raw, prov = read_raw(path, encoding=encoding, sheet=sheet, sep=sep)
    return raw.frame, prov


def raw_lineage(raw: RawTable, source: str) -> pd.DataFrame:
    """``source_file``, ``source_row`` and ``malformed_line`` of each row of ``raw.frame`` (module docstring);
    :func:`read_transactions` adds the other marks (:func:`~helpers.acquire.rows.structural_marks`)."""
    if raw.parts:
        files = [f"{source}#{name}" for name, rows in raw.parts for _ in range(rows)]
        rows = [i for _, n in raw.parts for i in range(1, n + 1)]
        file = pd.Series(files, dtype="string")
    else:  # one file: its name repeated in Arrow, no Python string per row (pa.repeat: slower in a fresh process)
        n = len(raw.frame)
        name = source.encode("utf-8")  # the name n times, built as Arrow buffers
        offsets = pa.py_buffer(np.arange(n + 1, dtype=np.int64) * len(name))
        file = pd.Series(pd.arrays.ArrowStringArray(pa.Array.from_buffers(pa.large_string(), n, [None, offsets,
                                                                                                 pa.py_buffer(name * n)])))
        rows = np.arange(1, n + 1, dtype=np.int64)
    malformed = missing_text(pd.RangeIndex(len(raw.frame)))
    for position, what in raw.malformed.items():
        malformed.iloc[position] = what
    # columns built here for this frame only: not copied again (a 1M-line file: ~8 ms of copies and numpy buffers)
    return pd.DataFrame({"source_file": file, "source_row": pd.Series(rows, dtype="int64", copy=False),
                         MALFORMED: malformed}, copy=False)


def _cell_text(value: Any) -> Any:
    if value is None or value is pd.NaT or value is pd.NA:
        return pd.NA
    if isinstance(value, float):
        if value != value:
            return pd.NA
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, (pd.Timestamp, datetime)):
        return pd.Timestamp(value).isoformat(sep=" ")
    if hasattr(value, "isoformat"):  # datetime.date, datetime.time
        return value.isoformat()
    return str(value)


def as_text(values: pd.Series) -> pd.Series:
    """Values as text (``string`` dtype), missing stays missing; dates as ISO text."""
    if pd.api.types.is_string_dtype(values) and values.dtype != object:
        return values.astype("string")
    if pd.api.types.is_datetime64_any_dtype(values):
        text = values.dt.strftime("%Y-%m-%d %H:%M:%S")
        return text.astype("string")
    return values.astype(object).map(_cell_text).astype("string")


def to_canonical(
    df: pd.DataFrame,
    mapping: Mapping[str, str],
    *,
    source: str,
    lineage: pd.DataFrame | None = None,
    notes: list[str] | None = None,
) -> pd.DataFrame:
    """Select and rename mapped columns into the canonical order, adding lineage columns.

    ``lineage`` (from :func:`raw_lineage`) gives each row's ``source_file``/``source_row`` and its marks
    (:data:`~helpers.schema.ACQUISITION_MARKS`); without it every row comes from ``source``, rows numbered
    from 1. ``notes`` collects what :func:`finish_canonical` says about the values.
    """
    out = pd.DataFrame(index=pd.RangeIndex(len(df)))
    for canonical in CANONICAL:
        if canonical in mapping:
            column = df[mapping[canonical]]
            text = pd.api.types.is_string_dtype(column) and column.dtype != object
            out[canonical] = column.array if text else column.to_numpy()  # text stays in Arrow, no objects
    if lineage is None:
        lineage = pd.DataFrame({"source_file": pd.Series([source] * len(df), dtype="string"),
                                "source_row": pd.Series(range(1, len(df) + 1), dtype="int64")})
    if "order_id" not in mapping:
        out["order_id"] = (lineage["source_file"].astype(str) + ":" + lineage["source_row"].astype(str)).to_numpy()
    for column in lineage.columns:
        out[column] = pd.Series(lineage[column].array, index=out.index)  # keeps its dtype (marks: string)
    return finish_canonical(out, notes)


def finish_canonical(out: pd.DataFrame, notes: list[str] | None = None) -> pd.DataFrame:
    """Canonical columns as text in the canonical order, then lineage, then the marks some row has.

    Every value column becomes text, as read: ids keep leading zeros, Excel date cells become ISO
    text, and cleaning parses all sources the same way. Customer and order ids are compared as people
    read them (:func:`~helpers.acquire.values.normalise_ids`: full-width digits, zero-width and no-break
    spaces; a note in ``notes`` when any changed); blank ids become missing. A mark column
    (:data:`~helpers.schema.ACQUISITION_MARKS`) is kept only when some row has that mark.
    """
    out = out.reset_index(drop=True)
    for column in out.columns:
        if column in LINEAGE:
            continue
        out[column] = as_text(out[column])
    out["source_file"] = out["source_file"].astype("string")
    out["source_row"] = out["source_row"].astype("int64")
    said = normalise_ids(out)
    if notes is not None:
        notes.extend(said)
    marks = [c for c in ACQUISITION_MARKS if c in out.columns and out[c].notna().any()]
    ordered = [c for c in CANONICAL if c in out.columns] + list(LINEAGE) + marks
    return out[ordered]


@system_arrow_memory()  # the kernel time of fresh buffers: see its docstring
def read_transactions(
    path: str | Path,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    *,
    sheet: str | int | None = None,
    sep: str | None = None,
    key: bytes | None = None,
) -> pd.DataFrame:
    """Read a user's transaction export into the canonical schema.

    A known export (:data:`helpers.acquire.layouts.LAYOUTS`: UCI Online Retail and Online Retail II,
    the Taobao/Tmall order report, the Shopify orders export) is recognised by its header and read
    as that layout says, with no column map; any other file is mapped by ``columns`` and the aliases.

    Parameters
    ----------
    path
        CSV/TSV/TXT (UTF-8, UTF-8 with BOM, GB18030/GBK detected or given), Excel
        (.xlsx, .xls: every sheet when they share one header, else ``sheet``) or Parquet (file or
        hive-partitioned folder).
    columns
        ``{canonical name: your column}``, e.g. ``{"customer_id": "客户ID",
        "timestamp": "下单时间", "amount": "实付金额"}``. Unmapped canonical columns are
        looked up by common English and Chinese names (:data:`~helpers.schema.ALIASES`). Given,
        it is used even for a file whose header is a known layout's (the provenance says so).
    encoding
        Text encoding of a CSV; detected when ``None``.
    sheet, sep
        Excel sheet (one sheet only); CSV delimiter (sniffed when ``None``).
    key
        Pseudonymisation key for the customer keys a layout pseudonymises (Taobao member names,
        Shopify e-mails); default the project key (:func:`helpers.privacy.load_key`).

    Returns
    -------
    DataFrame
        Columns ``customer_id, order_id, timestamp, amount`` (+ mapped optional columns)
        ``, source_file, source_row`` (+ a mark column, ``malformed_line``, ``repeated_header`` or
        ``summary_row``, when some row has that mark), raw values
        as read; ``df.attrs["provenance"]`` holds the :class:`Provenance` as a dict (the layout
        applied, if any, in its notes).
    """
    raw, prov = read_raw(path, encoding=encoding, sheet=sheet, sep=sep, malformed="mark", titles=True)
    source = resolve_user_path(path).name
    frame, lineage, notes = _order_rows(raw, source, path, spreadsheet=prov.format != "parquet")
    layout = detect_layout(frame.columns)
    if layout is not None and columns is None:
        out, said = _apply_layout(layout, frame, lineage, key)
        prov.columns = dict(layout.columns)
        prov.notes = [f"recognised as the {layout.title} (layout {layout.name!r}): read with no column map",
                      *prov.notes, *said, *notes]
    else:
        derived = amount_from_unit_price(frame.columns, columns)
        if derived is not None:
            amount, note = unit_price_amount(frame, *derived)
            name = " × ".join(derived)
            frame = frame.assign(**{name: amount.to_numpy()})
            columns = {**(columns or {}), "amount": name}
            notes.append(note)
        try:
            mapping = resolve_columns(frame.columns, columns, file=path)
        except DataError as exc:
            below = header_below(frame, columns, path) if exc.column in ("customer_id", "timestamp", "amount") else None
            if below is not None:
                raise below from exc
            raise
        check_ids(frame, mapping, path)
        out = to_canonical(frame, mapping, source=source, lineage=lineage, notes=notes)
        marked = out[[c for c in ACQUISITION_MARKS if c in out.columns]].notna().any(axis=1)
        out["timestamp"], epoch = epoch_times(out["timestamp"], skip=marked)
        prov.columns = dict(mapping)
        prov.notes += notes + ([epoch] if epoch else [])
        if layout is not None:
            prov.notes.append(f"the header is the {layout.title}'s (layout {layout.name!r}), but the column map "
                              f"given was used instead (read without columns= to apply the layout)")
        if "order_id" not in mapping:
            prov.notes.append("no order id column: order_id generated as '<file>:<row>' "
                              "(exact duplicates cannot then be told from repeated purchases)")
    out.attrs["provenance"] = prov.to_dict()
    return out


def _order_rows(raw: RawTable, source: str, path: str | Path,
                spreadsheet: bool = True) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """``(frame, lineage, notes)``: the raw rows that can be orders, each with its lineage and marks
    (:mod:`helpers.acquire.rows`: repeated headers and totals rows marked, empty rows skipped, with a note).

    Only for files people edit (``spreadsheet``: CSV, Excel): a Parquet file is written by a program, so its
    rows are all data, as the large-log path (:func:`helpers.clean.clean_log`, which reads Parquet in place)
    takes them — an all-empty row there is a line without a customer, quarantined as such."""
    frame = raw.frame
    lineage = raw_lineage(raw, source)
    if not spreadsheet:
        for mark in ROW_MARKS:
            lineage[mark] = missing_text(lineage.index)
        return frame, lineage, []
    marks, empty = marks_and_empty_rows(frame)
    for mark, detail in marks.items():
        lineage[mark] = pd.Series(detail.array, index=lineage.index)
    empty = (empty & lineage[MALFORMED].isna()).to_numpy()
    notes = []
    if empty.any():
        rows = lineage.loc[empty, "source_row"].tolist()
        shown = ", ".join(map(str, rows[:10])) + (" …" if len(rows) > 10 else "")
        notes.append(f"{len(rows)} empty row(s) skipped (every cell blank; source_row {shown})")
        frame = frame.loc[~empty].reset_index(drop=True)
        lineage = lineage.loc[~empty].reset_index(drop=True)
        if frame.empty:
            raise DataError("has a header but no data rows (every row below it is empty)", file=path,
                            hint="export the data rows too")
    for mark in ROW_MARKS:
        if lineage[mark].notna().any():
            notes.append(f"{int(lineage[mark].notna().sum())} row(s) marked {mark} "
                         f"({lineage[mark].dropna().iloc[0]}) for cleaning to quarantine")
    return frame, lineage, notes


def _apply_layout(layout: Layout, frame: pd.DataFrame, lineage: pd.DataFrame,
                  key: bytes | None) -> tuple[pd.DataFrame, list[str]]:
    """A layout's conversion of the rows that can be orders; rows marked as a repeated header or a totals
    row never reach it (a layout would read them as orders) and come back with only their lineage and mark."""
    structural = lineage[list(ROW_MARKS)].notna().any(axis=1).to_numpy()
    text = pd.DataFrame({name: as_text(frame.iloc[:, j]).to_numpy() for j, name in enumerate(frame.columns)},
                        index=pd.RangeIndex(len(frame)))
    converted = layout.convert(text.loc[~structural].reset_index(drop=True),
                               lineage.loc[~structural, list(LINEAGE_COLUMNS)].reset_index(drop=True), key)
    result = converted.frame
    if structural.any():
        result = pd.concat([result, lineage.loc[structural]], ignore_index=True)
    notes: list[str] = []
    out = finish_canonical(result, notes)
    return out, [*converted.notes, *notes]
