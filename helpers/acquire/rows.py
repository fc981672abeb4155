"""Rows of an order export that are not orders, told from the raw table before any value is read.

:func:`helpers.acquire.read_transactions` asks here, for every file it reads:

- **empty rows** (:func:`empty_rows`): every cell blank, as Excel leaves above a totals row or at the end of
  a sheet (a CSV's blank lines are skipped by the parser alike). They hold nothing and are skipped, with a
  provenance note giving their rows; the other rows keep their ``source_row``.
- **marks** (:func:`structural_marks`), for cleaning to quarantine with the reason of the mark's name
  (:data:`helpers.schema.ACQUISITION_MARKS`; the detail is the mark's text):

  - ``repeated_header``: a copy of the header inside the data (two exports appended): at least two
    filled cells, each equal to its own column's name (surrounding spaces ignored);
  - ``summary_row``: a totals row (``合计``, ``总计``, ``小计``, ``Total``, ``Sum`` …: its first filled cell,
    in column order, is one of :data:`helpers.schema.SUMMARY_WORDS`, compared without spaces, case or a
    trailing colon), wherever it stands (appended exports carry one each).

- **a header further down** (:func:`likely_header`): when the first row is not a header the column map can
  resolve, the first rows are searched for one that is, so the error can name it (a title block of single
  cells above the header is skipped by the file readers, :func:`~helpers.acquire.formats.base.header_position`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..clean import edge_bytes, missing_text
from ..errors import DataError
from ..schema import SUMMARY_WORDS, resolve_columns
from .formats.base import TITLE_ROWS, filled

_SUMMARY = {w.replace(" ", "").lower() for w in SUMMARY_WORDS}
#: The marks :func:`structural_marks` sets (the reasons of :data:`helpers.schema.ACQUISITION_MARKS` told from
#: a row's cells; ``malformed_line`` is the delimited-text reader's).
ROW_MARKS = ("repeated_header", "summary_row")


def filled_start(first: np.ndarray) -> np.ndarray:
    """``True`` at each byte (``uint8``, a cell's first: :func:`~helpers.clean.edge_bytes`) that starts, in UTF-8,
    only characters that are no space to Arrow (``utf8_is_space``, ``utf8_trim_whitespace``: the ASCII spaces,
    U+0085, U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000, whose first bytes are below
    ``0x21``, ``0xC2``, ``0xE1``, ``0xE2``, ``0xE3``): printable ASCII, ``0xC3``–``0xE0`` and ``0xE4``–``0xF4``. A
    cell starting with one is filled, with no look at the rest (a column of Chinese words: ~10 ms of Arrow a 1M-line
    column); ``tests/test_ingest_rows.py`` checks it against every code point. Ranges in wrapping ``uint8``
    arithmetic: a third of a lookup table's time."""
    return (((first - np.uint8(0x21)) < 0x5E) | ((first - np.uint8(0xC3)) < 0x1E)
            | ((first - np.uint8(0xE4)) < 0x11))


def _stripped(values: pd.Series) -> pd.Series | None:
    """A text column stripped of surrounding spaces (in its own string dtype: Arrow-backed columns stay fast),
    ``None`` for a column that is not text."""
    if pd.api.types.is_string_dtype(values) and values.dtype != object:
        return values.str.strip()
    if values.dtype == object:
        return values.astype("string").str.strip()
    return None


def empty_rows(frame: pd.DataFrame) -> pd.Series:
    """``True`` on each row whose every cell is missing or only spaces (columns checked one by one, each on the
    rows still in doubt: a row drops out at its first filled cell)."""
    missing = frame.isna().to_numpy()
    empty = missing.all(axis=1)
    doubt = np.flatnonzero(~empty)
    for j in range(frame.shape[1]):
        if not len(doubt):
            break
        values = frame.iloc[:, j] if len(doubt) == len(frame) else frame.iloc[doubt, j]  # no copy of a whole column
        arrow = _arrow_text(values)
        if arrow is not None:  # blank in Arrow, no stripped copy (utf8_is_space: the characters strip() strips)
            held = ~pc.fill_null(pc.or_(pc.equal(arrow, ""), pc.utf8_is_space(arrow)), True).to_numpy(
                zero_copy_only=False)
        else:
            text = _stripped(values)
            held = values.notna().to_numpy() if text is None else text.fillna("").ne("").to_numpy(dtype=bool)
        doubt = doubt[~held]
    empty[doubt] = True
    return pd.Series(empty, index=frame.index)


def _arrow_text(values: pd.Series) -> pa.ChunkedArray | None:
    """The Arrow strings behind an Arrow-backed text column (no copy), ``None`` for any other column."""
    dtype = values.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        column = pa.array(values.array)
        return column if isinstance(column, pa.ChunkedArray) else pa.chunked_array([column])
    return None


def _column_cells(values: pd.Series, name: str,
                  alive: np.ndarray) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray] | None]:
    """``(present, repeats, edges)`` of one column: a cell holds something (not missing, not only spaces), and it is
    the column's name (surrounding spaces ignored). An Arrow text column is checked in Arrow, and only on the rows
    still ``alive`` (every filled cell before repeats its name: the others are no header), stripping only the
    cells that hold the name (``utf8_is_space`` and ``utf8_trim_whitespace`` agree on what a space is); ``edges``
    are its :func:`~helpers.clean.edge_bytes` (``None`` for another column), for :func:`_summary_cells` to reuse
    (read once a column: ~5 ms a 1M-line column)."""
    arrow = _arrow_text(values)
    key = str(name).strip()
    if arrow is None:
        present = values.notna().to_numpy(copy=True)
        text = _stripped(values)
        repeats = np.zeros(len(values), dtype=bool)
        if text is not None:
            present &= text.fillna("").ne("").to_numpy(dtype=bool)
            repeats = (text == key).fillna(False).to_numpy(dtype=bool) & present
        return present, repeats, None
    first, last = edge_bytes(arrow)
    present = filled_start(first) | ((last - np.uint8(0x21)) < 0x5E)  # no space first, or a printable ASCII end
    doubt = np.flatnonzero(~present)
    if len(doubt):  # the others are blank when missing, empty or only spaces
        cells = arrow if len(doubt) == len(values) else arrow.take(pa.array(doubt))
        blank = pc.fill_null(pc.or_(pc.equal(cells, ""), pc.utf8_is_space(cells)), True)
        present[doubt] = ~blank.to_numpy(zero_copy_only=False)
    repeats = np.zeros(len(values), dtype=bool)
    rows = np.zeros(0, dtype=np.intp)
    if key:  # a cell starting with a printable ASCII character (no space) other than the key's is none
        rows = np.flatnonzero(alive & present & ((first < 0x21) | (first > 0x7E) | (first == key.encode("utf-8")[0])))
    if len(rows):
        cells = arrow if len(rows) == len(values) else arrow.take(pa.array(rows))
        hit = rows[pc.fill_null(pc.match_substring(cells, key), False).to_numpy(zero_copy_only=False)]
        if len(hit):
            same = pc.equal(pc.utf8_trim_whitespace(arrow.take(pa.array(hit))), key)
            repeats[hit] = pc.fill_null(same, False).to_numpy(zero_copy_only=False) & present[hit]
    return present, repeats, (first, last)


def _first_cells(values: pd.Series, rows: np.ndarray) -> pa.Array:
    """The cells of ``values`` at ``rows`` as text, stripped (a row's first filled cell)."""
    arrow = _arrow_text(values)
    if arrow is not None:
        cells = arrow if len(rows) == len(values) else arrow.take(pa.array(rows))
        return pc.utf8_trim_whitespace(cells.combine_chunks() if isinstance(cells, pa.ChunkedArray) else cells)
    text = _stripped(values)
    if text is None:
        return pa.array([str(v) for v in values.iloc[rows].to_numpy(dtype=object)], pa.string())
    return pa.array(text.iloc[rows].astype("string").array)


def _summary_cells(values: pd.Series, rows: np.ndarray | None,
                   edges: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """:func:`_is_summary` of the cells of ``values`` at ``rows`` (``None``: every row); in an Arrow text column a cell holding an ASCII
    digit (an id, an amount: no totals word has one, stripped or not) is passed over before any cell is stripped:
    first a cell whose first or last byte is one (the column's :func:`~helpers.clean.edge_bytes`, ``edges`` when
    the caller has them), then by a regular expression over the rest. The last byte passes over the ids that start
    with letters (``MD120101229667``: 231k cells of the benchmark's 1M-line export, 42 ms of expression)."""
    arrow = _arrow_text(values)
    if arrow is None:
        return _is_summary(_first_cells(values, np.arange(len(values)) if rows is None else rows))
    whole = rows is None or len(rows) == len(values)
    cells = arrow if whole else arrow.take(pa.array(rows))
    out = np.zeros(len(cells), dtype=bool)
    if edges is None:
        first, last = edge_bytes(cells)
    else:
        first, last = edges if whole else (edges[0][rows], edges[1][rows])
    maybe = np.flatnonzero(((first < ord("0")) | (first > ord("9"))) & ((last < ord("0")) | (last > ord("9"))))
    if len(maybe):
        digits = pc.fill_null(pc.match_substring_regex(cells.take(pa.array(maybe)), "[0-9]"), False)
        maybe = maybe[~digits.to_numpy(zero_copy_only=False)]
    if len(maybe):
        out[maybe] = _is_summary(pc.utf8_trim_whitespace(cells.take(pa.array(maybe)).combine_chunks()))
    return out


def structural_marks(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """``{"repeated_header": detail, "summary_row": detail}``: per row the mark's detail text, missing where
    the row has no such mark (module docstring)."""
    return marks_and_empty_rows(frame)[0]


def marks_and_empty_rows(frame: pd.DataFrame) -> tuple[dict[str, pd.Series], pd.Series]:
    """``(marks, empty)``: :func:`structural_marks` and :func:`empty_rows` of ``frame`` at once. The marks look at
    whether each cell is filled (the same test as :func:`empty_rows`: not missing, not only spaces), so a row with
    no filled cell is an empty row, and the columns are not read a second time (the benchmark's 1M-line export:
    14 ms of :func:`empty_rows`). Counts and column numbers are ``int32`` (half the fresh memory of ``int64``,
    paid in page faults in a fresh process), every row's index is never listed when every row is taken, and no
    mark is written when no row has it (the 1M-line export: ~15 ms)."""
    n = len(frame)
    matches = np.zeros(n, dtype=np.int32)
    cells = np.zeros(n, dtype=np.int32)
    first = np.full(n, -1, dtype=np.int32)  # the column of each row's first filled cell
    summary = np.zeros(n, dtype=bool)  # that cell is a totals word
    alive = np.ones(n, dtype=bool)  # every filled cell so far repeats its column's name
    for j, name in enumerate(frame.columns):
        values = frame.iloc[:, j]
        present, repeats, edges = _column_cells(values, name, alive)
        if repeats.any():
            matches += repeats
        alive &= ~present | repeats
        take = (first < 0) & present
        if take.any():
            first[take] = j
            summary[take] = _summary_cells(values, None if take.all() else np.flatnonzero(take), edges)
        cells += present
    header = (matches >= 2) & (matches == cells)
    summary &= ~header
    said = missing_text(frame.index)
    where = said.copy()  # Arrow arrays are never changed in place: a new one for each that gets a mark
    if header.any():
        said[header] = "its cells repeat the header"
    rows = np.flatnonzero(summary)
    if len(rows):
        where[summary] = ["first cell " + repr(str(_first_cells(frame.iloc[:, first[i]], np.array([i]))[0].as_py()))
                          for i in rows]
    return dict(zip(ROW_MARKS, (said, where))), pd.Series(cells == 0, index=frame.index)


def _is_summary(first: pa.Array) -> np.ndarray:
    """Whether each cell (a row's first filled cell, as text) is a totals word (:data:`_SUMMARY`: spaces, case
    and a trailing colon ignored)."""
    out = np.zeros(len(first), dtype=bool)
    maybe = np.flatnonzero(~pc.fill_null(pc.ascii_is_decimal(first), False).to_numpy(zero_copy_only=False))
    if len(maybe):  # a cell of digits only (an id, an amount) is no totals word
        cells = first.take(pa.array(maybe))
        key = pc.utf8_lower(pc.utf8_rtrim(pc.replace_substring_regex(cells, r"\s+", ""), ":："))
        out[maybe] = pc.fill_null(pc.is_in(key, pa.array(sorted(_SUMMARY))), False).to_numpy(zero_copy_only=False)
    return out


def likely_header(frame: pd.DataFrame, columns: Mapping[str, str] | None) -> int | None:
    """The first of a table's first :data:`~helpers.acquire.formats.base.TITLE_ROWS` data rows (0-based) whose
    cells, taken as column names, resolve the required columns (:func:`helpers.schema.resolve_columns`), or
    ``None``."""
    for i in range(min(TITLE_ROWS, len(frame))):
        names = ["" if not filled(v) else str(v).strip() for v in frame.iloc[i].tolist()]
        if sum(1 for v in names if v) < 2:
            continue
        try:
            resolve_columns(names, columns)
        except DataError:
            continue
        return i
    return None


def header_below(frame: pd.DataFrame, columns: Mapping[str, str] | None, path) -> DataError | None:
    """The error for a table whose header is not its first row but one of the next (:func:`likely_header`),
    naming that row of the file and the cells above it, or ``None`` when no row below looks like a header."""
    found = likely_header(frame, columns)
    if found is None:
        return None
    cells = [str(c) for c in frame.columns if not str(c).startswith("Unnamed: ")]
    header = [str(v).strip() for v in frame.iloc[found].tolist() if filled(v)]
    return DataError(
        f"the column names seem to be on row {found + 2} of the file ({_cells(header)}), below "
        f"{found + 1} row(s) that are not a header ({_cells(cells)})", file=path,
        hint="delete the row(s) above the header in a copy of the file (a title, an export date), "
             "or export the table without them",
    )


def _cells(values: list[str], most: int = 4) -> str:
    shown = [v if len(v) <= 24 else v[:23] + "…" for v in values[:most]]
    return ", ".join(repr(v) for v in shown) + (", …" if len(values) > most else "")
