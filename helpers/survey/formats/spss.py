"""``spss``: an SPSS ``.sav`` file (read with pyreadstat).

Variable names or variable labels (the question wording) name the items; value labels, where
present, are matched to the codebook's labels, otherwise the codes are used. A ``.sav`` written by
another tool may carry that tool's metadata: the plain, Qualtrics and Wenjuanxing metadata columns
are all dropped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ...errors import DataError
from . import plain, qualtrics, wjx
from .base import Export, SurveyFormat


def read_spss(path: Path) -> Export:
    """Headers (variable names), respondent rows as text (value labels applied where they exist),
    ``info`` with the file's encoding, and the variable labels as the second name of each column."""
    import pyreadstat

    try:
        frame, meta = pyreadstat.read_sav(str(path), apply_value_formats=False)
    except Exception as exc:
        raise DataError(f"is not a readable SPSS .sav file ({type(exc).__name__}: {exc})", file=path,
                        hint="save it again from SPSS, or export CSV") from exc
    labels = dict(zip(meta.column_names, meta.column_labels or [None] * len(meta.column_names)))
    value_labels = meta.variable_value_labels or {}
    data = pd.DataFrame(index=frame.index)
    for j, name in enumerate(frame.columns):
        vl = {float(k): str(v) for k, v in value_labels.get(name, {}).items()}

        def cell(v: Any, vl: dict[float, str] = vl) -> Any:
            if v is None or (isinstance(v, float) and v != v):
                return pd.NA
            if isinstance(v, (int, float)):
                return vl.get(float(v), str(int(v)) if float(v).is_integer() else str(v))
            return str(v)

        data[j] = frame[name].map(cell).astype("string")
    header = list(frame.columns)
    alt = [labels.get(name) or "" for name in header]  # variable labels: question wording
    return Export(header, data, {"encoding": meta.file_encoding, "sheet": None}, alt)


SPSS = SurveyFormat(
    name="spss",
    description="SPSS ``.sav`` (pyreadstat): variable names or labels name the items; value labels, where present, "
                "are matched to the codebook's labels, otherwise codes are used",
    file_types=("spss",),
    recognise=None,
    header_rows=None,
    read_file=read_spss,
    metadata=plain.METADATA + qualtrics.METADATA + wjx.METADATA,
    id_columns=("respondent_id", "ResponseId", "序号"),
    multi_separators=(";", "┋"),
    samples=("spss.sav",),
)
