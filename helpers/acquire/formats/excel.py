"""Excel workbooks (.xlsx, .xlsm; legacy .xls through calamine): every sheet, or the one asked for.

Cells keep the type Excel stored (dates as datetimes); acquisition turns them into text.

**Which sheets.** Without ``sheet=`` a workbook is read *whole*: its sheets that hold anything must share
one header (the same column names in the same order, as the yearly sheets of the "Online Retail II"
workbook do), and are stacked in workbook order; :attr:`RawTable.parts` lists ``(sheet, rows)`` so that
each row's lineage names its sheet (``source_file`` ``online_retail_II.xlsx#Year 2010-2011``, rows counted
from 1 in each sheet), and a provenance note lists the sheets and their rows. Sheets with nothing in them
are skipped, with a note. Sheets whose headers differ are a :class:`~helpers.errors.DataError` naming
them (never a silent first-sheet read that loses the others). ``sheet=`` (a name or a position) reads
that one sheet, as before: lineage is the file name and the provenance's ``sheet`` the sheet's name. Rows
read as data (``ReadOptions(header=None)``, the survey grids) come from the asked or first sheet.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ...errors import DataError
from .base import FileFormat, RawTable, ReadOptions


def _read_book(path: Path, sheet: str | int | None, header: int | None) -> dict[str, pd.DataFrame] | pd.DataFrame:
    engine = "calamine" if path.suffix.lower() == ".xls" else "openpyxl"
    try:
        return pd.read_excel(path, sheet_name=sheet, header=header, dtype=object, engine=engine)
    except ValueError as exc:
        raise DataError(f"cannot read this Excel sheet ({exc})", file=path,
                        hint="check the sheet name or export the data again") from exc
    except Exception as exc:  # zip/BIFF errors come in many types
        raise DataError(f"is not a readable Excel workbook ({type(exc).__name__}: {exc})",
                        file=path, hint="open and re-save it in Excel, or export it as CSV") from exc


def _header_text(df: pd.DataFrame, most: int = 6) -> str:
    names = [str(c).strip() for c in df.columns]
    return "[" + ", ".join(names[:most]) + (", …" if len(names) > most else "") + "]"


def _whole_book(path: Path, book: dict[str, pd.DataFrame]) -> RawTable:
    """Every sheet with something in it, stacked when they share one header (module docstring)."""
    if not book:
        raise DataError("workbook has no sheets", file=path)
    used = {name: df for name, df in book.items() if len(df.columns) or len(df)}
    notes = []
    empty = [name for name in book if name not in used]
    if empty:
        notes.append("empty sheet(s) skipped: " + ", ".join(repr(n) for n in empty))
    if not used:
        first = next(iter(book))
        return RawTable(book[first], sheet=str(first), notes=notes)
    if len(used) == 1:
        name, df = next(iter(used.items()))
        return RawTable(df, sheet=str(name), notes=notes)
    headers: dict[tuple[str, ...], list[str]] = {}
    for name, df in used.items():
        headers.setdefault(tuple(str(c).strip() for c in df.columns), []).append(str(name))
    if len(headers) > 1:
        groups = "; ".join(", ".join(repr(n) for n in names) + " " + _header_text(used[names[0]])
                           for names in headers.values())
        raise DataError(f"its sheets have different headers ({groups}), so they cannot be read as one table",
                        file=path, hint="pass sheet='<name>' to read one sheet, or give every sheet the same header")
    frames = [df.set_axis(list(next(iter(headers))), axis=1) for df in used.values()]
    parts = [(str(name), len(df)) for name, df in used.items()]
    notes.append(f"workbook read whole: {len(parts)} sheets with the same header, stacked in workbook order ("
                 + ", ".join(f"{name!r}: {rows} rows" for name, rows in parts)
                 + "); each row's source_file names its sheet (<file>#<sheet>), source_row counts from 1 per sheet")
    frame = pd.concat(frames, ignore_index=True)
    return RawTable(frame, sheet=", ".join(name for name, _ in parts), notes=notes, parts=parts)


def read(path: Path, options: ReadOptions) -> RawTable:
    """A workbook: every sheet sharing one header (``options.sheet`` ``None``), or the sheet asked for."""
    sheet = options.sheet
    if sheet is None and options.header is not None:
        return _whole_book(path, _read_book(path, None, options.header))
    book = _read_book(path, sheet, options.header)
    if isinstance(book, dict):
        if not book:
            raise DataError("workbook has no sheets", file=path)
        used_sheet, df = next(iter(book.items()))
    else:
        used_sheet, df = str(sheet), book
    return RawTable(df, sheet=used_sheet)


FORMAT = FileFormat("excel", "Excel (.xlsx/.xls)", read)
