"""``wjx_text`` and ``wjx_code``: the two exports of Wenjuanxing (问卷星).

Both are CSV in GB18030 (or Excel, ``.xlsx`` / ``.xls``) with the metadata ``序号, 提交答卷时间,
所用时间, 来源, 来源详情, 来自IP`` first; headers read ``1、题目``, matrix rows ``第7题(行)`` or ``7、(行)``.

- ``wjx_text`` ("按选项文本"): answers are the option texts; multi-select joined by ``┋``.
- ``wjx_code`` ("按选项序号"): answers are option *positions* 1, 2, …; multi-select as 0/1 columns
  ``第6题(选项)``.

In both, ``-2`` / ``-3`` / ``(跳过)`` mean skipped / not shown by the questionnaire's logic
(:data:`WJX_SKIPPED`: missing by design), and ``(空)`` an empty answer (:data:`WJX_EMPTY`).

References
----------
Wenjuanxing export layout as documented in its help pages and used by e.g. the ``reportgen``
package (``-2``/``-3`` as not-answered codes, ``┋`` for multi-select, ``第N题(选项)`` columns).
"""

from __future__ import annotations

import re

import pandas as pd

from ...schema import clean_cell
from .base import SurveyFormat
from .grid import first_row

METADATA: tuple[str, ...] = ("序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP", "总分", "答题序号",
                             "用户ID", "昵称")
WJX_SKIPPED = {"-2": "skipped", "-3": "not shown", "(跳过)": "skipped"}
"""Wenjuanxing's codes for a question the respondent's path skipped (missing by design)."""
WJX_EMPTY = {"(空)"}
"""Wenjuanxing's mark of an empty answer (blank in every format: the reader treats it as no answer)."""


def is_wjx(grid: pd.DataFrame) -> bool:
    """The first row holds ``序号`` and ``提交答卷时间``."""
    first = first_row(grid)
    return "序号" in first and "提交答卷时间" in first


def is_code_export(grid: pd.DataFrame) -> bool:
    """A Wenjuanxing export of option positions: ``第N题(…)`` columns holding only 0/1/-2/-3, or every
    answer a whole number."""
    first = first_row(grid)
    answers = grid.iloc[1:, [j for j, h in enumerate(first) if h not in METADATA]]
    values = {clean_cell(v) for v in answers.stack().dropna()}  # as the reader compares them
    option_cols = [j for j, h in enumerate(first) if re.match(r"^第\s*\d+\s*题", h)]
    zero_one = all({clean_cell(v) for v in grid.iloc[1:, j].dropna()} <= {"0", "1", "-2", "-3"} for j in option_cols)
    return bool(option_cols and zero_one) or all(re.fullmatch(r"-?\d+", v) for v in values)


WJX_TEXT = SurveyFormat(
    name="wjx_text",
    description="Wenjuanxing (问卷星) text export (\"按选项文本\"), CSV in GB18030 or Excel: metadata ``序号, 提交答卷时间, "
                "所用时间, 来源, 来源详情, 来自IP``; headers ``1、题目``; matrix rows ``第7题(行)`` or ``7、(行)``; "
                "multi-select joined by ``┋``",
    recognise=lambda grid: is_wjx(grid) and not is_code_export(grid),
    metadata=METADATA,
    id_columns=("序号",),
    multi_separators=("┋",),
    skipped=WJX_SKIPPED,
    samples=("wjx_text.csv",),
)

WJX_CODE = SurveyFormat(
    name="wjx_code",
    description="Wenjuanxing code export (\"按选项序号\"): answers are option *positions* 1, 2, …; multi-select as 0/1 "
                "columns ``第6题(选项)``; ``-2`` / ``-3`` = skipped / not shown by the questionnaire's logic",
    recognise=lambda grid: is_wjx(grid) and is_code_export(grid),
    metadata=METADATA,
    id_columns=("序号",),
    multi_separators=("┋",),
    skipped=WJX_SKIPPED,
    positions=True,
    samples=("wjx_code.csv",),
)
