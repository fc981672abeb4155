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
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from ..clean.rules import MALFORMED
from ..errors import DataError
from ..paths import display_path, file_format, resolve_user_path, sha256_of
from ..schema import CANONICAL, LINEAGE, resolve_columns
from ..store import Provenance, read_time
from .formats import FORMATS, RawTable, ReadOptions, supported_formats
from .layouts import detect_layout


def read_raw(
    path: str | Path,
    *,
    encoding: str | None = None,
    sheet: str | int | None = None,
    sep: str | None = None,
    malformed: str = "error",
) -> tuple[RawTable, Provenance]:
    """What the format registry's reader returns for a file (:class:`RawTable`), checked, and its provenance.

    ``malformed`` (``"error"`` or ``"mark"``): what a delimited file's malformed line does
    (:class:`~helpers.acquire.formats.ReadOptions`). Raises :class:`DataError` as :func:`read_table`.
    """
    path = resolve_user_path(path)
    if not path.exists():
        raise DataError("file not found", file=path,
                        hint="check the path (relative paths are tried from the current folder, "
                             "then from the project root)")
    if path.is_file() and path.stat().st_size == 0:
        raise DataError("file is empty (0 bytes)", file=path, hint="export the data again")
    fmt = FORMATS.get(file_format(path))
    if fmt is None:
        suffix = path.suffix.lower()
        raise DataError(f"unknown format {suffix or '(no extension)'!r}", file=path,
                        hint=f"supported: {supported_formats()}")
    raw = fmt.read(path, ReadOptions(encoding=encoding, sheet=sheet, sep=sep, malformed=malformed))
    df = raw.frame
    df.columns = [str(c).strip() for c in df.columns]
    if len(df.columns) == 0:
        raise DataError("has no columns", file=path, hint="export the data again with a header row")
    if len(df) == 0:
        raise DataError("has a header but no data rows", file=path,
                        hint=f"columns found: {list(df.columns)}; export the data rows too")
    prov = Provenance(
        path=display_path(path), sha256=sha256_of(path), rows=len(df), format=fmt.name, encoding=raw.encoding,
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
    """``source_file``, ``source_row`` and ``malformed_line`` of each row of ``raw.frame`` (module docstring)."""
    if raw.parts:
        files = [f"{source}#{name}" for name, rows in raw.parts for _ in range(rows)]
        rows = [i for _, n in raw.parts for i in range(1, n + 1)]
    else:
        files, rows = [source] * len(raw.frame), list(range(1, len(raw.frame) + 1))
    malformed = pd.Series(pd.NA, index=pd.RangeIndex(len(raw.frame)), dtype="string")
    for position, what in raw.malformed.items():
        malformed.iloc[position] = what
    return pd.DataFrame({"source_file": pd.Series(files, dtype="string"),
                         "source_row": pd.Series(rows, dtype="int64"), MALFORMED: malformed})


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
) -> pd.DataFrame:
    """Select and rename mapped columns into the canonical order, adding lineage columns.

    ``lineage`` (from :func:`raw_lineage`) gives each row's ``source_file``/``source_row`` and marks
    malformed lines; without it every row comes from ``source``, rows numbered from 1.
    """
    out = pd.DataFrame(index=pd.RangeIndex(len(df)))
    for canonical in CANONICAL:
        if canonical in mapping:
            out[canonical] = df[mapping[canonical]].to_numpy()
    if lineage is None:
        lineage = pd.DataFrame({"source_file": pd.Series([source] * len(df), dtype="string"),
                                "source_row": pd.Series(range(1, len(df) + 1), dtype="int64")})
    if "order_id" not in mapping:
        out["order_id"] = (lineage["source_file"].astype(str) + ":" + lineage["source_row"].astype(str)).to_numpy()
    for column in lineage.columns:
        out[column] = lineage[column].to_numpy()
    return finish_canonical(out)


def finish_canonical(out: pd.DataFrame) -> pd.DataFrame:
    """Canonical columns as text in the canonical order, then lineage (and ``malformed_line`` when a line is).

    Every value column becomes text, as read: ids keep leading zeros, Excel date cells become ISO
    text, and cleaning parses all sources the same way; blank ids become missing.
    """
    out = out.reset_index(drop=True)
    for column in out.columns:
        if column in LINEAGE:
            continue
        out[column] = as_text(out[column])
    out["source_file"] = out["source_file"].astype("string")
    out["source_row"] = out["source_row"].astype("int64")
    for column in ("customer_id", "order_id"):
        if column in out.columns:
            out.loc[out[column].str.strip().fillna("") == "", column] = pd.NA
    marked = MALFORMED in out.columns and out[MALFORMED].notna().any()
    ordered = [c for c in CANONICAL if c in out.columns] + list(LINEAGE) + ([MALFORMED] if marked else [])
    return out[ordered]


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
        ``, source_file, source_row`` (+ ``malformed_line`` when a line is malformed), raw values
        as read; ``df.attrs["provenance"]`` holds the :class:`Provenance` as a dict (the layout
        applied, if any, in its notes).
    """
    raw, prov = read_raw(path, encoding=encoding, sheet=sheet, sep=sep, malformed="mark")
    source = resolve_user_path(path).name
    lineage = raw_lineage(raw, source)
    layout = detect_layout(raw.frame.columns)
    if layout is not None and columns is None:
        text = pd.DataFrame({name: as_text(raw.frame.iloc[:, j]).to_numpy()
                             for j, name in enumerate(raw.frame.columns)}, index=pd.RangeIndex(len(raw.frame)))
        converted = layout.convert(text, lineage, key)
        out = finish_canonical(converted.frame)
        prov.columns = dict(layout.columns)
        prov.notes = [f"recognised as the {layout.title} (layout {layout.name!r}): read with no column map",
                      *prov.notes, *converted.notes]
    else:
        mapping = resolve_columns(raw.frame.columns, columns, file=path)
        out = to_canonical(raw.frame, mapping, source=source, lineage=lineage)
        prov.columns = dict(mapping)
        if layout is not None:
            prov.notes.append(f"the header is the {layout.title}'s (layout {layout.name!r}), but the column map "
                              f"given was used instead (read without columns= to apply the layout)")
        if "order_id" not in mapping:
            prov.notes.append("no order id column: order_id generated as '<file>:<row>' "
                              "(exact duplicates cannot then be told from repeated purchases)")
    out.attrs["provenance"] = prov.to_dict()
    return out
