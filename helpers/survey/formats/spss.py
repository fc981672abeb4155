"""``spss``: an SPSS ``.sav`` file (read with pyreadstat).

Variable names or variable labels (the question wording) name the items; the cells are the stored
codes, and each item's **value labels** are matched to the codebook's answer labels
(:func:`decode_labelled`):

- labels that agree with the codes (``1 = Strongly disagree … 5 = Strongly agree``, some values
  perhaps unlabelled) → the codes are read as they are;
- labels that run the other way on an ordered scale (``1 = Strongly agree … 5 = Strongly
  disagree``, often only the two ends labelled) → every code ``v`` becomes ``lo + hi − v``, the
  unlabelled middle included, and the source's notes say so (before, a labelled end was mapped
  and the unlabelled middle kept its raw code: two meanings in one column);
- any other labelling → the labels are applied; a value without a label is then an error naming
  the variable (its meaning cannot be told).

User-missing values (declared in SPSS, e.g. ``9 = no answer``) are read as missing by pyreadstat.
A ``.sav`` written by another tool may carry that tool's metadata: the plain, Qualtrics and
Wenjuanxing metadata columns are all dropped, and Qualtrics previews are excluded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ...errors import DataError
from ..codebook import Item, normalise
from . import plain, qualtrics, wjx
from .base import Export, SurveyFormat


def _code_text(v: Any) -> Any:
    if v is None or (isinstance(v, float) and v != v):
        return pd.NA
    if isinstance(v, (int, float)):
        return str(int(v)) if float(v).is_integer() else str(v)
    return str(v)


def read_spss(path: Path) -> Export:
    """Headers (variable names), respondent rows as text (the stored codes), ``info`` with the file's
    encoding, the variable labels as the second name of each column, and each column's value labels."""
    import pyreadstat

    try:
        frame, meta = pyreadstat.read_sav(str(path), apply_value_formats=False)
    except Exception as exc:
        raise DataError(f"is not a readable SPSS .sav file ({type(exc).__name__}: {str(exc)[:120]})", file=path,
                        hint="save it again from SPSS, or export CSV") from exc
    labels = dict(zip(meta.column_names, meta.column_labels or [None] * len(meta.column_names)))
    value_labels = meta.variable_value_labels or {}
    data = pd.DataFrame({j: frame[name].map(_code_text).astype("string") for j, name in enumerate(frame.columns)},
                        index=frame.index)
    header = list(frame.columns)
    alt = [labels.get(name) or "" for name in header]  # variable labels: question wording
    vls = [{float(k): str(v) for k, v in value_labels.get(name, {}).items()} for name in header]
    return Export(header, data, {"encoding": meta.file_encoding, "sheet": None}, alt, vls)


def _number(text: Any) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def decode_labelled(values: pd.Series, labels: dict[float, str], item: Item, *, path: Path,
                    column: str) -> tuple[pd.Series, str | None]:
    """One SPSS column as text the reader decodes, and a note when its value labels reverse the scale.

    See the module docstring for the three cases. ``values`` are the stored codes as text;
    ``labels`` the variable's value labels. A label the codebook does not know is passed on as
    text, so using that value is the reader's usual "not in the codebook" error.
    """
    if not labels:
        return values, None
    lookup = {normalise(s): lv.code for lv in item.scale.levels for s in lv.spellings()}
    known = {v: lookup[normalise(t)] for v, t in labels.items() if normalise(t) in lookup}
    codes = item.scale.codes
    numeric = all(isinstance(c, int) and not isinstance(c, bool) for c in codes)

    def unknown_as_text(text: Any) -> Any:
        v = _number(text)
        return labels[v] if v in labels and v not in known else text

    if numeric and known and all(code == v for v, code in known.items()):
        return values.map(unknown_as_text).astype("string"), None
    lo, hi = (min(codes), max(codes)) if numeric else (0, 0)
    if numeric and item.scale.ordered and len(known) >= 2 and all(code == lo + hi - v for v, code in known.items()):
        def flip(text: Any) -> Any:
            v = _number(text)
            if v is None or (v in labels and v not in known):
                return unknown_as_text(text)
            return str(int(lo + hi - v)) if v.is_integer() and lo <= v <= hi else text  # outside: an error later

        ends = " … ".join(f"{v:g} = {labels[v]!r}" for v in (min(known), max(known)))
        note = (f"{column}: value labels run the other way ({ends}); codes read as {lo + hi} − code "
                "(unlabelled codes too) to match the codebook")
        return values.map(flip).astype("string"), note
    used = sorted({v for v in values.map(_number).dropna()})
    unlabelled = [v for v in used if v not in labels]
    if known and unlabelled:
        mapping = ", ".join(f"{v:g} → {code}" for v, code in sorted(known.items())[:4])
        raise DataError(
            f"value labels give {mapping} (not the codebook's codes), and values "
            f"{', '.join(f'{v:g}' for v in unlabelled[:5])} have no label: their meaning cannot be told",
            file=path, column=column,
            hint="label every value of this variable in SPSS (Variable View → Values), or remove its value labels",
        )
    return values.map(lambda t: labels.get(_number(t), t)).astype("string"), None


SPSS = SurveyFormat(
    name="spss",
    description="SPSS ``.sav`` (pyreadstat): variable names or labels name the items; value labels are matched "
                "to the codebook's labels (a reversed labelling is detected), otherwise codes are used",
    file_types=("spss",),
    recognise=None,
    header_rows=None,
    read_file=read_spss,
    metadata=plain.METADATA + qualtrics.METADATA + wjx.METADATA,
    id_columns=("respondent_id", "ResponseId", "序号"),
    multi_separators=(";", "┋"),
    test_values={"Status": qualtrics.TEST_STATUS},
    samples=("spss.sav",),
)
