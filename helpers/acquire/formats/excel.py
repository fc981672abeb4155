"""Excel workbooks (.xlsx, .xlsm; legacy .xls through calamine): the first sheet, or the one asked for.

Cells keep the type Excel stored (dates as datetimes); acquisition turns them into text.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ...errors import DataError
from .base import FileFormat, RawTable, ReadOptions


def read(path: Path, options: ReadOptions) -> RawTable:
    """One sheet of a workbook: ``options.sheet`` (name or position), else the first."""
    sheet = options.sheet
    engine = "calamine" if path.suffix.lower() == ".xls" else "openpyxl"
    try:
        book = pd.read_excel(path, sheet_name=None if sheet is None else sheet, header=options.header, dtype=object,
                             engine=engine)
    except ValueError as exc:
        raise DataError(f"cannot read this Excel sheet ({exc})", file=path,
                        hint="check the sheet name or export the data again") from exc
    except Exception as exc:  # zip/BIFF errors come in many types
        raise DataError(f"is not a readable Excel workbook ({type(exc).__name__}: {exc})",
                        file=path, hint="open and re-save it in Excel, or export it as CSV") from exc
    if isinstance(book, dict):
        if not book:
            raise DataError("workbook has no sheets", file=path)
        used_sheet, df = next(iter(book.items()))
    else:
        used_sheet, df = str(sheet), book
    return RawTable(df, sheet=used_sheet)


FORMAT = FileFormat("excel", "Excel (.xlsx/.xls)", read)
