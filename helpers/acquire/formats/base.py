"""What an entry of the file-format registry is (:data:`helpers.acquire.formats.FORMATS`).

A :class:`FileFormat` names a format, says how the error for an unknown file lists it, and reads a
file of that format into a :class:`RawTable`: a DataFrame of raw values plus what the read found
out (the encoding used, the sheet read, notes for the provenance). The options a user may give
(:class:`ReadOptions`) are passed to every reader; each uses the ones that mean something for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd


@dataclass(frozen=True)
class ReadOptions:
    """The reading options: text ``encoding`` and ``sep`` (CSV), ``sheet`` (Excel), and ``header``: the row
    holding the column names (0, the first), or ``None`` to read every row as data (survey exports with
    several header rows, :mod:`helpers.survey.formats.grid`)."""

    encoding: str | None = None
    sheet: str | int | None = None
    sep: str | None = None
    header: int | None = 0


@dataclass
class RawTable:
    """What a reader returns: raw values as read, and what the provenance should record about the read."""

    frame: pd.DataFrame
    encoding: str | None = None
    sheet: str | None = None
    notes: list[str] = field(default_factory=list)


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
