"""``plain``: a CSV or Excel table with one header row, as a user or another tool writes it.

Headers are item ids (``sha1``, ``sources__forum``) or question wording; answers are codes (``4``)
or labels (``Agree`` / ``同意``); a multi-select item is one 0/1 column per option or one column of
choices joined by ``┋``, ``;`` or ``|``. The fallback for any CSV or Excel file no other format
recognises.
"""

from __future__ import annotations

from .base import SurveyFormat

METADATA: tuple[str, ...] = ("respondent_id", "data_note", "submitted_at")

PLAIN = SurveyFormat(
    name="plain",
    description="CSV or Excel, one header row; headers are item ids (``sha1``, ``sources__forum``) or question "
                "wording; answers are codes (``4``) or labels (``Agree`` / ``同意``)",
    recognise=None,
    metadata=METADATA,
    id_columns=("respondent_id",),
    multi_separators=("┋", ";", "|"),
    samples=("plain_codes.csv", "plain_labels.xlsx"),
)
