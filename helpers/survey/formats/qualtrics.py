"""``qualtrics``: a Qualtrics CSV export with its three header rows.

Row 1 holds the export tags (``Q12_3``), row 2 the question text, row 3 ``{"ImportId": …}``;
metadata ``StartDate … ResponseId …`` come first; matrix rows read ``stem - statement``; a
multi-select question is one column of comma-joined choices (question text ``… - Selected Choice``).
Each header becomes ``"<tag>::<text>"`` and both parts are matched to the codebook.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ...errors import DataError
from .base import PART_SEP, SurveyFormat
from .grid import respondent_rows

HEADER_ROWS = 3
METADATA: tuple[str, ...] = (
    "StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)", "Finished",
    "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName", "RecipientEmail",
    "ExternalReference", "LocationLatitude", "LocationLongitude", "DistributionChannel", "UserLanguage",
    "Q_RecaptchaScore", "Q_RelevantIDDuplicate", "Q_RelevantIDDuplicateScore", "Q_RelevantIDFraudScore",
    "Q_RelevantIDLastStartDate", "Q_DataPolicyViolations",
)


#: ``Status`` (response type) values of responses that are no respondent's: the survey-maker's previews and
#: test responses, and what Qualtrics flags as spam. ``1`` is "Survey Preview" in a numeric-values export (as
#: rOpenSci's ``excluder`` package reads it).
TEST_STATUS: tuple[str, ...] = ("Survey Preview", "Survey Test", "Spam", "Survey Preview Spam",
                                "Offline Survey Preview", "1")


def recognise(grid: pd.DataFrame) -> bool:
    """Row 3 starts with ``{"ImportId"``."""
    return len(grid) > 2 and str(grid.iat[2, 0]).startswith('{"ImportId"')


def split_header(grid: pd.DataFrame, name: str, path: Path) -> tuple[list[str], pd.DataFrame]:
    """``"<tag>::<question text>"`` per column (metadata: the tag alone) and the respondent rows."""
    data = respondent_rows(grid, name, HEADER_ROWS, path)
    third = str(grid.iat[2, 0] if pd.notna(grid.iat[2, 0]) else "")
    if not third.startswith("{"):
        raise DataError("is not a Qualtrics export with three header rows (row 3 should hold "
                        '{"ImportId": …})', file=path, row="header",
                        hint="export with 'Use numeric values'/'Use choice text' and keep all header rows, "
                             "or read it with format='plain'")
    header = [str(grid.iat[0, j]) for j in range(grid.shape[1])]
    text = [str(grid.iat[1, j]) if pd.notna(grid.iat[1, j]) else "" for j in range(grid.shape[1])]
    header = [h if h in METADATA else f"{h}{PART_SEP}{t}" for h, t in zip(header, text)]
    return header, data


QUALTRICS = SurveyFormat(
    name="qualtrics",
    description="Qualtrics CSV: three header rows (export tag, question text, ``{\"ImportId\": …}``); metadata "
                "``StartDate … ResponseId …``; matrix rows as ``stem - statement``; multi-select as one column "
                "of comma-joined choices",
    recognise=recognise,
    header_rows=HEADER_ROWS,
    split_header=split_header,
    metadata=METADATA,
    id_columns=("ResponseId",),
    multi_separators=(",",),
    test_values={"Status": TEST_STATUS},
    match_parts=True,
    samples=("qualtrics.csv",),
)
