"""``google_forms``: a Google Forms CSV (responses downloaded from the form or its sheet).

``Timestamp`` (Chinese interface: ``时间戳记``) is the first column; headers are the question
titles, grid rows read ``title [row]``; answers are words; checkboxes are joined by ``", "`` (an
option whose own label holds ``", "`` stays whole). The e-mail column is metadata.
"""

from __future__ import annotations

import pandas as pd

from .base import SurveyFormat
from .grid import first_row

METADATA: tuple[str, ...] = ("Timestamp", "Email Address", "Email address", "Score", "时间戳记", "时间戳",
                             "电子邮件地址", "分数")


def recognise(grid: pd.DataFrame) -> bool:
    """The first header is ``Timestamp`` (or ``时间戳记`` / ``时间戳``)."""
    first = first_row(grid)
    return bool(first) and first[0].strip() in ("Timestamp", "时间戳记", "时间戳")


GOOGLE_FORMS = SurveyFormat(
    name="google_forms",
    description="Google Forms CSV: ``Timestamp`` first, headers are question titles, grid rows as ``title [row]``, "
                "answers as words, checkboxes joined by ``\", \"``",
    recognise=recognise,
    metadata=METADATA,
    id_columns=(),
    multi_separators=(", ",),
    samples=("google_forms.csv",),
)
