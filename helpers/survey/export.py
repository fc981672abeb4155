"""Writing the tidy respondent table back out: a plain export (codes or labels) and an SPSS ``.sav``.

Both read back through :func:`helpers.survey.read_survey` to the same table (tests check the round
trips); ``data/raw/survey/samples/make_samples.py`` writes the SPSS sample with :func:`write_sav`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .codebook import MULTI_SEP, Codebook


def to_export_frame(responses: pd.DataFrame, codebook: Codebook, *, labels: str | None = None) -> pd.DataFrame:
    """The tidy table as a plain export: codes (``labels=None``) or ``"en"`` / ``"zh"`` answer labels."""
    out = responses.copy()
    for column in out.columns:
        if column == "respondent_id" or labels is None or MULTI_SEP in column or column not in codebook.items:
            continue
        scale = codebook.items[column].scale
        mapping = {lv.code: getattr(lv, labels) for lv in scale.levels}
        out[column] = out[column].astype(object).map(lambda v, m=mapping: m.get(v, v) if pd.notna(v) else v)
    for column in out.columns:
        if isinstance(out[column].dtype, pd.CategoricalDtype):
            out[column] = out[column].astype(object)
    return out


def write_sav(responses: pd.DataFrame, codebook: Codebook, path: str | Path) -> Path:
    """Write the tidy table as an SPSS ``.sav`` with variable labels (wording) and value labels.

    Attributes (text codes) are stored as numeric positions 1, 2, … with the codebook's English
    labels as value labels, the way survey tools write SPSS files.
    """
    import pyreadstat

    frame = pd.DataFrame({"respondent_id": responses["respondent_id"].astype(str)})
    variable_labels = {"respondent_id": "Respondent id"}
    value_labels: dict[str, dict[float, str]] = {}
    for column in responses.columns:
        if column == "respondent_id":
            continue
        item = codebook.item_of_column(column)
        if item.kind == "attribute":
            pos = {lv.code: k for k, lv in enumerate(item.scale.levels, start=1)}
            frame[column] = responses[column].astype(object).map(lambda v, p=pos: p.get(v) if pd.notna(v) else None)
            frame[column] = frame[column].astype("float64")
            value_labels[column] = {float(k): lv.en for k, lv in enumerate(item.scale.levels, start=1)}
        else:
            frame[column] = responses[column].astype("float64")
            if item.kind != "multi":
                value_labels[column] = {float(lv.code): lv.en for lv in item.scale.levels}
        variable_labels[column] = item.text_en if item.kind != "multi" else (
            f"{item.text_en} - {item.scale.level(column.split(MULTI_SEP)[1]).en}")
    path = Path(path)
    pyreadstat.write_sav(frame, str(path), column_labels=variable_labels, variable_value_labels=value_labels)
    return path
