"""What an entry of the file-format registry is (:data:`helpers.acquire.formats.FORMATS`).

A :class:`FileFormat` names a format, says how the error for an unknown file lists it, and reads a
file of that format into a :class:`RawTable`: a DataFrame of raw values plus what the read found
out (the encoding used, the sheet(s) read, the malformed lines, notes for the provenance). The options a
user may give (:class:`ReadOptions`) are passed to every reader; each uses the ones that mean something
for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from ...errors import clip


@dataclass(frozen=True)
class ReadOptions:
    """The reading options: text ``encoding`` and ``sep`` (CSV), ``sheet`` (Excel), ``header``: the row
    holding the column names (0, the first), or ``None`` to read every row as data (survey exports with
    several header rows, :mod:`helpers.survey.formats.grid`), and ``malformed``: what a delimited file's
    line that does not split into the header's columns does, ``"error"`` (a :class:`DataError` naming the
    row) or ``"mark"`` (the line is kept, its fields filled left to right, and listed in
    :attr:`RawTable.malformed` for cleaning to quarantine as ``malformed_line``), and ``titles``: whether rows
    above the header that hold at most one filled cell (an export's title, ``订单导出 2024-01-01``) are
    skipped, with a note (:func:`header_position`; transaction exports)."""

    encoding: str | None = None
    sheet: str | int | None = None
    sep: str | None = None
    header: int | None = 0
    malformed: str = "error"
    titles: bool = False


@dataclass
class RawTable:
    """What a reader returns: raw values as read, and what the provenance should record about the read.

    ``malformed`` maps a row of ``frame`` (0-based position) to what is wrong with its line (``"7 fields
    where the header has 8"``), for the lines a reader kept with ``ReadOptions(malformed="mark")``.
    ``parts`` is ``[(sheet name, rows), …]`` in ``frame``'s order when the frame stacks several sheets of
    one workbook (the rows' lineage then names the sheet), ``None`` otherwise.
    """

    frame: pd.DataFrame
    encoding: str | None = None
    sheet: str | None = None
    notes: list[str] = field(default_factory=list)
    malformed: dict[int, str] = field(default_factory=dict)
    parts: list[tuple[str, int]] | None = None


#: How many rows from the top a header may sit below a title block (:func:`header_position`).
TITLE_ROWS = 10


def header_position(rows: list[list]) -> int:
    """Where the header is among a table's first rows (0-based): 0, unless the first rows are a **title block**,
    rows holding at most one filled cell each (a title such as ``订单导出 2024-01-01``, a date line, blank rows),
    followed within :data:`TITLE_ROWS` rows by a row with two or more filled cells: that row is the header.

    A table whose first row has two or more filled cells starts with its header, whatever it says (a title
    spread over two cells is not told from a header by its shape: the reader's column check then names the
    row that looks like the header instead).
    """
    for i, row in enumerate(rows[:TITLE_ROWS + 1]):
        if sum(1 for cell in row if filled(cell)) >= 2:
            return i
    return 0


def filled(cell: Any) -> bool:
    """Whether a cell holds anything: not missing, not only spaces."""
    if cell is None or (not isinstance(cell, (str, bytes)) and pd.api.types.is_scalar(cell) and pd.isna(cell)):
        return False
    return bool(str(cell).strip())


def title_note(rows: list[list], position: int, where: str = "") -> str:
    """The provenance note for a title block skipped above the header (``rows[:position]``)."""
    words = [str(c).strip() for row in rows[:position] for c in row if filled(c)]
    title = " / ".join(words)
    title = clip(title, 60)
    return (f"{where}{position} row(s) above the header skipped as a title block ({title!r}): the header is "
            f"row {position + 1} of the file, source_row counts the data rows below it")


def unique_names(header: list) -> list[str]:
    """Column names as pandas names them: ``Unnamed: i`` for a blank one, ``a.1``, ``a.2`` for repeats."""
    names: list[str] = []
    seen: set[str] = set()
    for i, name in enumerate(header):
        name = str(name) if filled(name) else ""
        name = name if name.strip() else f"Unnamed: {i}"
        candidate, k = name, 0
        while candidate in seen:
            k += 1
            candidate = f"{name}.{k}"
        seen.add(candidate)
        names.append(candidate)
    return names


@dataclass(frozen=True)
class FileFormat:
    """One entry of the registry.

    ``name`` is the key (what :func:`helpers.paths.file_format` says of a path, recorded as the
    provenance's ``format``); ``title`` is how the unknown-format error lists it; ``read`` reads
    a file (or folder) of this format.
    """

    name: str
    title: str
    read: Callable[[Path, ReadOptions], RawTable]
