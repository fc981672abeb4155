"""Reading one file into the canonical schema: :func:`read_table` (raw values and provenance, through
the format registry), :func:`to_canonical` (mapped columns, lineage, text) and :func:`read_transactions`.

Values are carried *as read* (text stays text): parsing dates and amounts is cleaning's job
(:mod:`helpers.clean`), where a value that does not parse sends its row to quarantine with a
reason instead of becoming a silent ``NaN``. Columns that are not mapped onto the schema are not
carried forward: names, phone numbers and e-mails in an order export stop here.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from ..errors import DataError
from ..paths import display_path, file_format, resolve_user_path, sha256_of
from ..schema import CANONICAL, LINEAGE, resolve_columns
from ..store import Provenance, read_time
from .formats import FORMATS, ReadOptions, supported_formats


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
    format registry's entry for the path (:data:`helpers.acquire.formats.FORMATS`).

    Raises
    ------
    DataError
        File missing, unknown format, empty, header-only, or undecodable.
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
    raw = fmt.read(path, ReadOptions(encoding=encoding, sheet=sheet, sep=sep))
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
    return df, prov


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
) -> pd.DataFrame:
    """Select and rename mapped columns into the canonical order, adding lineage columns."""
    out = pd.DataFrame(index=pd.RangeIndex(len(df)))
    for canonical in CANONICAL:
        if canonical in mapping:
            out[canonical] = df[mapping[canonical]].to_numpy()
    rows = pd.Series(range(1, len(df) + 1), dtype="int64")
    if "order_id" not in mapping:
        out["order_id"] = (source + ":" + rows.astype(str)).to_numpy()
    out["source_file"] = pd.Series([source] * len(df), dtype="string")
    out["source_row"] = rows.to_numpy()
    # every value column becomes text, as read: ids keep leading zeros, Excel date cells
    # become ISO text, and cleaning parses all sources the same way
    for column in out.columns:
        if column in LINEAGE:
            continue
        out[column] = as_text(out[column])
    for column in ("customer_id", "order_id"):
        out.loc[out[column].str.strip().fillna("") == "", column] = pd.NA
    ordered = [c for c in CANONICAL if c in out.columns] + list(LINEAGE)
    return out[ordered]


def read_transactions(
    path: str | Path,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    *,
    sheet: str | int | None = None,
    sep: str | None = None,
) -> pd.DataFrame:
    """Read a user's transaction export into the canonical schema.

    Parameters
    ----------
    path
        CSV/TSV/TXT (UTF-8, UTF-8 with BOM, GB18030/GBK detected or given), Excel
        (.xlsx, .xls: the first sheet unless ``sheet`` is given) or Parquet (file or
        hive-partitioned folder).
    columns
        ``{canonical name: your column}``, e.g. ``{"customer_id": "客户ID",
        "timestamp": "下单时间", "amount": "实付金额"}``. Unmapped canonical columns are
        looked up by common English and Chinese names (:data:`~helpers.schema.ALIASES`).
    encoding
        Text encoding of a CSV; detected when ``None``.
    sheet, sep
        Excel sheet; CSV delimiter (sniffed when ``None``).

    Returns
    -------
    DataFrame
        Columns ``customer_id, order_id, timestamp, amount`` (+ mapped optional columns)
        ``, source_file, source_row``, raw values as read; ``df.attrs["provenance"]`` holds
        the :class:`Provenance` as a dict.
    """
    raw, prov = read_table(path, encoding=encoding, sheet=sheet, sep=sep)
    mapping = resolve_columns(raw.columns, columns, file=path)
    out = to_canonical(raw, mapping, source=resolve_user_path(path).name)
    prov.columns = dict(mapping)
    if "order_id" not in mapping:
        prov.notes.append("no order id column: order_id generated as '<file>:<row>' "
                          "(exact duplicates cannot then be told from repeated purchases)")
    out.attrs["provenance"] = prov.to_dict()
    return out
