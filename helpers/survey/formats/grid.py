"""Every cell of a CSV or Excel export as text, and the one-row header most exports have.

Shared by the formats read as a grid of cells (all but SPSS): :func:`read_grid` decodes the file
(acquisition's readers: encoding detected by :func:`helpers.acquire.decode_text`; the file type
from :func:`helpers.paths.file_format`), :func:`respondent_rows` cuts off the header rows and
:func:`split_one_row_header` is the header of a plain, Google Forms or Wenjuanxing export.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ...acquire import as_text
from ...acquire.formats import FORMATS, ReadOptions
from ...acquire.formats.excel import check_workbook
from ...errors import DataError
from ...paths import file_format


def read_grid(path: Path, encoding: str | None, sheet: str | int | None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Every cell of a CSV or Excel sheet as text (``string`` dtype), no header interpretation.

    Read by acquisition's file readers (:data:`helpers.acquire.FORMATS`: encoding detection, delimiter
    sniffing, the Excel engines) with ``header=None``, so a survey export is decoded exactly as an order
    export is.
    """
    kind = file_format(path)
    if kind not in ("csv", "excel"):
        raise DataError(f"unknown file type {path.suffix.lower()!r}", file=path,
                        hint="survey exports are read from .csv/.txt/.tsv, .xlsx/.xls or .sav")
    if kind == "excel":
        check_workbook(path)
    raw = FORMATS[kind].read(path, ReadOptions(encoding=encoding, sheet=sheet, header=None))
    info: dict[str, Any] = {"encoding": raw.encoding, "sheet": None if kind == "csv" else str(0 if sheet is None
                                                                                            else sheet)}
    grid = raw.frame.apply(as_text)
    filled = grid.notna().any(axis=1).to_numpy()
    if filled.any():  # Excel sheets often end in formatted but empty rows: not respondents
        grid = grid.iloc[: int(filled.nonzero()[0].max()) + 1]
    return grid, info


def first_row(grid: pd.DataFrame) -> list[str]:
    """The first row's cells as text, empty cells as ``""`` (what format recognisers look at)."""
    return [str(v) for v in grid.iloc[0].fillna("")]


def respondent_rows(grid: pd.DataFrame, name: str, rows: int, path: Path) -> pd.DataFrame:
    """The rows after the ``rows`` header rows of format ``name``, columns numbered 0, 1, …

    Raises :class:`~helpers.errors.DataError` when the grid holds nothing but the header.
    """
    if len(grid) <= rows:
        raise DataError(f"has {len(grid)} row(s): the {name} header takes {rows}, so there are no respondents",
                        file=path, hint="export the responses too")
    data = grid.iloc[rows:].reset_index(drop=True)
    data.columns = range(data.shape[1])
    return data


def split_one_row_header(grid: pd.DataFrame, name: str, path: Path) -> tuple[list[str], pd.DataFrame]:
    """Header (first row, stripped; empty cells as ``""``) and respondent rows of a one-header-row export."""
    data = respondent_rows(grid, name, 1, path)
    header = [str(h).strip() if pd.notna(h) else "" for h in grid.iloc[0]]
    return header, data
