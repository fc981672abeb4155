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

**What the file is.** Before any Excel reader sees it, :func:`check_workbook` looks at its first bytes: an
HTML page, an XML file or a text file under an Excel name is refused saying what it is, and so is a
password-protected workbook (an OLE2 compound file holding an ``EncryptedPackage`` stream); a legacy BIFF
workbook is read by calamine whatever its name. With ``ReadOptions(titles=True)`` (transaction exports) a
title block above a sheet's header (``订单导出 2024-01-01`` in a merged first row) is cut off, with a note
(:func:`~helpers.acquire.formats.base.header_position`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ...errors import DataError
from .base import TITLE_ROWS, FileFormat, RawTable, ReadOptions, header_position, title_note, unique_names
from .csv import decode_text

ZIP = b"PK\x03\x04"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: How an Excel file starts: a ZIP archive (.xlsx, .xlsm) or an OLE2 compound file (.xls).
WORKBOOK_SIGNATURES = (ZIP, OLE2)
#: The stream a password-protected (encrypted) Office file keeps the workbook in, as its directory spells it.
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


def check_workbook(path: Path) -> None:
    """Refuse a file named ``.xlsx``/``.xls`` that is no workbook we can read, saying what it is instead.

    Web systems often send an HTML table or a CSV file under an Excel name; Excel opens those
    with a warning, the Excel readers fail with "File is not a zip file". The message names the
    real content: HTML, SpreadsheetML 2003 XML, or text (with its encoding and delimiter, as the
    CSV reader would read it). A workbook saved with a password is not a ZIP archive but an OLE2
    compound file holding an ``EncryptedPackage`` stream (ECMA-376 encryption): refused as such.
    """
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head.startswith(OLE2) and ENCRYPTED_PACKAGE in path.read_bytes():
        raise DataError("is password-protected (an encrypted Office file), so its cells cannot be read",
                        file=path, hint="open it in Excel with the password and save a copy without one "
                                        "(File → Info → Protect Workbook), or export the data as CSV")
    if head.startswith(WORKBOOK_SIGNATURES):
        return
    if not head:
        raise DataError("file is empty (0 bytes)", file=path, hint="export the data again")
    probe = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if probe.startswith((b"<!doctype html", b"<html", b"<table", b"<meta")):
        what = "an HTML page (a web table saved under an Excel name)"
    elif probe.startswith(b"<?xml"):
        what = "an XML file (e.g. Excel 2003 SpreadsheetML)"
    else:
        try:
            text, encoding = decode_text(path)
        except DataError:
            what = "neither a workbook nor readable text"
        else:
            first = text.splitlines()[0] if text.strip() else ""
            names = {",": "comma", "\t": "tab", ";": "semicolon", "|": "bar"}
            sep = max(names, key=first.count)
            what = f"a text file ({encoding}" + (f", {names[sep]}-separated)" if first.count(sep) else ")")
    raise DataError(f"is named {path.suffix} but is not an Excel workbook: it is {what}", file=path,
                    hint="rename it to .csv (text) or open it in Excel and save it as .xlsx")


def _read_book(path: Path, sheet: str | int | None, header: int | None) -> dict[str, pd.DataFrame] | pd.DataFrame:
    check_workbook(path)
    with open(path, "rb") as fh:
        legacy = fh.read(len(OLE2)) == OLE2  # a BIFF .xls, whatever its name says
    engine = "calamine" if legacy or path.suffix.lower() == ".xls" else "openpyxl"
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


def _below_title(df: pd.DataFrame, where: str = "") -> tuple[pd.DataFrame, str]:
    """``(sheet, note)``: the sheet with a title block above its header cut off (:func:`header_position`; the
    header becomes the row below it), or the sheet as read and ``""``."""
    names = ["" if str(c).startswith("Unnamed: ") else c for c in df.columns]
    rows = [names] + df.head(TITLE_ROWS).astype(object).values.tolist()
    position = header_position(rows)
    if position == 0:
        return df, ""
    body = df.iloc[position:].reset_index(drop=True)
    body.columns = unique_names(df.iloc[position - 1].tolist())
    return body, title_note(rows, position, where)


def _whole_book(path: Path, book: dict[str, pd.DataFrame], titles: bool = False) -> RawTable:
    """Every sheet with something in it, stacked when they share one header (module docstring)."""
    if not book:
        raise DataError("workbook has no sheets", file=path)
    used = {name: df for name, df in book.items() if len(df.columns) or len(df)}
    notes = []
    if titles:
        for name in used:
            used[name], note = _below_title(used[name], f"sheet {name!r}: " if len(used) > 1 else "")
            notes += [note] if note else []
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
        return _whole_book(path, _read_book(path, None, options.header), options.titles)
    book = _read_book(path, sheet, options.header)
    if isinstance(book, dict):
        if not book:
            raise DataError("workbook has no sheets", file=path)
        used_sheet, df = next(iter(book.items()))
    else:
        used_sheet, df = str(sheet), book
    note = ""
    if options.titles and options.header is not None:
        df, note = _below_title(df)
    return RawTable(df, sheet=used_sheet, notes=[note] if note else [])


FORMAT = FileFormat("excel", "Excel (.xlsx/.xls)", read)
