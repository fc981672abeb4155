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
from typing import Callable

import pandas as pd


@dataclass(frozen=True)
class ReadOptions:
    """The reading options: text ``encoding`` and ``sep`` (CSV), ``sheet`` (Excel), ``header``: the row
    holding the column names (0, the first), or ``None`` to read every row as data (survey exports with
    several header rows, :mod:`helpers.survey.formats.grid`), and ``malformed``: what a delimited file's
    line that does not split into the header's columns does, ``"error"`` (a :class:`DataError` naming the
    row) or ``"mark"`` (the line is kept, its fields filled left to right, and listed in
    :attr:`RawTable.malformed` for cleaning to quarantine as ``malformed_line``)."""

    encoding: str | None = None
    sheet: str | int | None = None
    sep: str | None = None
    header: int | None = 0
    malformed: str = "error"


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
