"""The registry of survey export formats (问卷导出格式): :data:`FORMATS`, and :func:`detect_format`.

================ ====================== ================================================================
format           module                 what the export looks like
================ ====================== ================================================================
``plain``        :mod:`.plain`          CSV or Excel, one header row; headers are item ids (``sha1``,
                                        ``sources__forum``) or question wording; answers are codes
                                        (``4``) or labels (``Agree`` / ``同意``)
``qualtrics``    :mod:`.qualtrics`      Qualtrics CSV: three header rows (export tag, question text,
                                        ``{"ImportId": …}``); metadata ``StartDate … ResponseId …``;
                                        matrix rows as ``stem - statement``; multi-select as one column
                                        of comma-joined choices; previews (``Status``) are excluded
``google_forms`` :mod:`.google_forms`   Google Forms CSV: ``Timestamp`` first, headers are question
                                        titles, grid rows as ``title [row]``, answers as words,
                                        checkboxes joined by ``", "``
``wjx_text``     :mod:`.wjx`            Wenjuanxing (问卷星) text export ("按选项文本"), CSV in GB18030 or
                                        Excel: metadata ``序号, 提交答卷时间, 所用时间, 来源, 来源详情, 来自IP``; headers
                                        ``1、题目``; matrix rows ``第7题(行)`` or ``7、(行)``; multi-select
                                        joined by ``┋``
``wjx_code``     :mod:`.wjx`            Wenjuanxing code export ("按选项序号"): answers are option
                                        *positions* 1, 2, …; multi-select as 0/1 columns ``第6题(选项)``;
                                        ``-2`` / ``-3`` = skipped / not shown by the questionnaire's
                                        logic
``spss``         :mod:`.spss`           SPSS ``.sav`` (pyreadstat): variable names or labels name the
                                        items; value labels are matched to the codebook's labels
                                        (labels that reverse the scale are detected and the codes
                                        reversed, with a note), otherwise codes are used
================ ====================== ================================================================

Each entry is a :class:`~.base.SurveyFormat` (:mod:`.base`): how the export is recognised, how many
header rows it has and how they split into item headers, its metadata and respondent-id columns,
and how answers are coded. CSV and Excel cells are read by :mod:`.grid`.

**Adding a format** = one file here defining its ``SurveyFormat`` (and a sample export with the six
respondents of ``expected.csv`` in ``data/raw/survey/samples/``, named in ``samples``) + one entry
in :data:`FORMATS`. The tests read every entry's samples.
"""

from __future__ import annotations

from pathlib import Path

from ...acquire import existing_source
from ...paths import file_format, resolve_user_path
from .base import PART_SEP, Export, SurveyFormat
from .google_forms import GOOGLE_FORMS
from .grid import read_grid
from .plain import PLAIN
from .qualtrics import QUALTRICS
from .spss import SPSS
from .wjx import WJX_CODE, WJX_EMPTY, WJX_SKIPPED, WJX_TEXT

#: Every export format :func:`helpers.survey.read_survey` reads, by name.
FORMATS: dict[str, SurveyFormat] = {f.name: f for f in (PLAIN, QUALTRICS, GOOGLE_FORMS, WJX_TEXT, WJX_CODE, SPSS)}

# Views of the registry by attribute (the names the reader had before the registry).
#: Metadata columns each tool adds (not carried forward; IP addresses and e-mails are personal data).
METADATA: dict[str, tuple[str, ...]] = {name: f.metadata for name, f in FORMATS.items()}
#: Column holding the respondent id, per format (absent: the data row number is used).
ID_COLUMNS: dict[str, tuple[str, ...]] = {name: f.id_columns for name, f in FORMATS.items()}
#: Header rows before the first respondent, per format read as lines (not SPSS).
HEADER_ROWS: dict[str, int] = {name: f.header_rows for name, f in FORMATS.items() if f.header_rows is not None}
#: How the choices of a multi-select item are joined in one cell, per format.
MULTI_SEPARATORS: dict[str, tuple[str, ...]] = {name: f.multi_separators for name, f in FORMATS.items()}


def existing_export(path: str | Path) -> Path:
    """The user's path, resolved; a clear error for a missing or empty file and a symbolic-link loop
    (acquisition's check, :func:`helpers.acquire.existing_source`)."""
    return existing_source(path)


def detect_format(path: str | Path, encoding: str | None = None, sheet: str | int | None = None) -> str:
    """Guess the export format from the file (see the module docstring); ``plain`` when nothing fits.

    ``.sav`` → ``spss``; row 3 starting ``{"ImportId"`` → ``qualtrics``; first header ``Timestamp``
    (or ``时间戳记``) → ``google_forms``; ``序号`` and ``提交答卷时间`` → Wenjuanxing, ``wjx_code`` when it
    has ``第N题(…)`` columns holding only 0/1/-2/-3 or when every answer is a number, else ``wjx_text``.

    In general: the formats that come as the file's type (:func:`helpers.paths.file_format`) are
    asked in :data:`FORMATS` order whether they recognise the grid of cells; the one without a
    test (``plain`` for CSV and Excel, ``spss`` for ``.sav``) takes the file when none does.
    """
    path = resolve_user_path(path)
    kind = file_format(path)
    candidates = [f for f in FORMATS.values() if kind in f.file_types]
    testers = [f for f in candidates if f.recognise is not None]
    if testers or not candidates:
        grid, _ = read_grid(path, encoding, sheet)  # an unknown file type is an error here
        for fmt in testers:
            if fmt.recognise(grid):
                return fmt.name
    return next((f.name for f in candidates if f.recognise is None), "plain")


__all__ = [
    "FORMATS", "Export", "HEADER_ROWS", "ID_COLUMNS", "METADATA", "MULTI_SEPARATORS", "PART_SEP", "SurveyFormat",
    "WJX_EMPTY", "WJX_SKIPPED", "detect_format", "existing_export",
]
