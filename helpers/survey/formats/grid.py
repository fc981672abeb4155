"""Every cell of a CSV or Excel export as text, and the one-row header most exports have.

Shared by the formats read as a grid of cells (all but SPSS): :func:`read_grid` decodes the file
(encoding detected by :func:`helpers.acquire.decode_text`; the file type from
:func:`helpers.paths.file_format`), :func:`respondent_rows` cuts off the header rows and
:func:`split_one_row_header` is the header of a plain, Google Forms or Wenjuanxing export.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pandas as pd

from ...acquire import as_text, decode_text
from ...errors import DataError
from ...paths import file_format


def read_grid(path: Path, encoding: str | None, sheet: str | int | None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Every cell of a CSV or Excel sheet as text (``string`` dtype), no header interpretation."""
    suffix = path.suffix.lower()
    kind = file_format(path)
    info: dict[str, Any] = {"encoding": None, "sheet": None}
    if kind == "csv":
        text, info["encoding"] = decode_text(path, encoding)
        if not text.strip():
            raise DataError("file contains no text", file=path, hint="export the data again")
        sample = "\n".join(text.splitlines()[:10])
        try:
            sep = "\t" if suffix == ".tsv" else csv.Sniffer().sniff(sample, delimiters=",\t;").delimiter
        except csv.Error:
            sep = ","
        try:
            grid = pd.read_csv(io.StringIO(text), sep=sep, header=None, dtype=str, keep_default_na=False,
                               na_values=[""])
        except pd.errors.ParserError as exc:
            raise DataError(f"is not a well-formed CSV file ({exc})", file=path,
                            hint="check the delimiter and quoting") from exc
    elif kind == "excel":
        try:
            grid = pd.read_excel(path, header=None, dtype=object, sheet_name=0 if sheet is None else sheet,
                                 engine="calamine" if suffix == ".xls" else "openpyxl")
        except Exception as exc:  # zip/BIFF/sheet errors come in many types
            raise DataError(f"is not a readable Excel sheet ({type(exc).__name__}: {exc})", file=path,
                            hint="check the sheet name, or save the sheet as CSV") from exc
        info["sheet"] = str(0 if sheet is None else sheet)
    else:
        raise DataError(f"unknown file type {suffix!r}", file=path,
                        hint="survey exports are read from .csv/.txt/.tsv, .xlsx/.xls or .sav")
    grid = grid.apply(as_text)
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
