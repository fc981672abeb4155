"""What one survey export format is (:class:`SurveyFormat`), and what reading its file gives (:class:`Export`).

An entry of the registry :data:`helpers.survey.FORMATS` says how to recognise an export, how many
header rows it has and how to split them into item headers, which columns are the tool's metadata
and which one holds the respondent id, and how answers are coded (words or codes, option
positions, separators of multi-select answers, codes for "skipped by the questionnaire's logic").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, NamedTuple

import pandas as pd

from .grid import read_grid, split_one_row_header

PART_SEP = "::"
"""Joins the two parts of a header read from two header rows (Qualtrics: ``"<export tag>::<question text>"``)."""


class Export(NamedTuple):
    """A survey export as read from its file, before any matching to a codebook."""

    header: list[str]
    """One header per column (Qualtrics: ``"<export tag>::<question text>"``, :data:`PART_SEP`)."""
    data: pd.DataFrame
    """Respondent rows, every cell as text (``string`` dtype), columns numbered 0, 1, …"""
    info: dict[str, Any]
    """``encoding`` and ``sheet`` the file was read with (``None`` where they do not apply)."""
    alt_header: list[str] | None = None
    """A second name per column (SPSS: the variable labels, i.e. the question wording)."""
    value_labels: list[dict[float, str]] | None = None
    """Value labels per column (SPSS: ``{1.0: "Strongly agree", …}``); ``data`` then holds the codes, and the
    reader applies the labels item by item (:func:`helpers.survey.formats.spss.decode_labelled`)."""


@dataclass(frozen=True)
class SurveyFormat:
    """One export format of a survey tool: how to recognise it, read it and decode its answers.

    Attributes
    ----------
    name
        Registry key, the ``format=`` of :func:`helpers.survey.read_survey`.
    description
        What the export looks like (one paragraph, for the documentation).
    file_types
        File types it comes as, by :func:`helpers.paths.file_format` (``csv``, ``excel``, ``spss``).
    recognise
        Test on the grid of cells (:func:`~helpers.survey.formats.grid.read_grid`) saying the file is
        this format; ``None``: the format is the fallback for its file types (``plain`` for CSV and
        Excel, ``spss`` for ``.sav``).
    header_rows
        Header rows before the first respondent (``None``: not a grid of lines, e.g. SPSS).
    split_header
        ``(grid, name, path) → (headers, respondent rows)``; default: one header row.
    read_file
        ``path → Export`` for a format not read as a grid of cells (SPSS); ``None``: :func:`read_grid`
        then :attr:`split_header`.
    metadata
        Columns the tool adds (times, IP addresses, e-mails): not carried forward, listed in
        :attr:`helpers.survey.SurveyData.dropped` (personal data stays behind).
    id_columns
        Columns that may hold the respondent id, first found wins (none: the data row number).
    multi_separators
        How the chosen options of a multi-select item are joined in one cell (first found is used).
    skipped
        Answers meaning "not asked by the questionnaire's logic" (missing by design, counted).
    positions
        Answers are option *positions* 1, 2, … rather than codes or labels (Wenjuanxing code export).
    test_values
        ``{column: values}`` marking a response the tool itself flags as a preview, test or spam (Qualtrics
        ``Status``): excluded as ``test_account`` (:mod:`helpers.survey.screening`).
    match_parts
        Match the two parts of a ``tag::text`` header (:data:`PART_SEP`) separately (Qualtrics: export tag, question text)
        rather than the whole header.
    samples
        Sample exports of this format in ``data/raw/survey/samples/`` (:data:`helpers.survey.SAMPLES_DIR`);
        each reads to ``expected.csv`` (tests).
    """

    name: str
    description: str
    file_types: tuple[str, ...] = ("csv", "excel")
    recognise: Callable[[pd.DataFrame], bool] | None = None
    header_rows: int | None = 1
    split_header: Callable[[pd.DataFrame, str, Path], tuple[list[str], pd.DataFrame]] = split_one_row_header
    read_file: Callable[[Path], Export] | None = None
    metadata: tuple[str, ...] = ()
    id_columns: tuple[str, ...] = ()
    multi_separators: tuple[str, ...] = ()
    skipped: Mapping[str, str] = field(default_factory=dict)
    positions: bool = False
    test_values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    match_parts: bool = False
    samples: tuple[str, ...] = ()

    @property
    def first_data_line(self) -> int | None:
        """File line of the first respondent (1-based), ``None`` when the file has no lines (SPSS)."""
        return None if self.header_rows is None else self.header_rows + 1

    def read(self, path: Path, encoding: str | None = None, sheet: str | int | None = None) -> Export:
        """Read an export of this format: its headers and respondent rows, every cell as text."""
        if self.read_file is not None:
            return self.read_file(path)
        grid, info = read_grid(path, encoding, sheet)
        header, data = self.split_header(grid, self.name, path)
        return Export(header, data, info)
