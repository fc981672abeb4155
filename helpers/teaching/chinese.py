"""The Chinese editions (中文版): prose, teaching notes, banner and glossary handout in Chinese.

A Chinese edition is an edition of :mod:`helpers.teaching.editions` (student or instructor) whose
markdown cells are replaced by their Chinese versions from the notebooks' translation stores
(``notebooks/locale/zh/<stem>.yml``, :mod:`helpers.report.translations`: the same Chinese the
report set uses, kept up to date by ``python -m helpers.report.translate --check``), including the
course cells (questions, teaching notes 教学提示) the reports leave out; its banner is written in
Chinese; its ``parameters`` cell says ``lang = "zh"`` so labels, figures and computed sentences
are Chinese too; and it carries a Chinese-first glossary handout (:func:`glossary_markdown_zh`).

A markdown cell without an up-to-date translation stays English and is listed by
:func:`english_cells` (``tests/test_teaching_zh.py`` measures the Chinese share of every cell).
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from ..report.translations import ALLOWED_WORDS, chinese_share, translate_cells
from .glossary import glossary

__all__ = ["ZH_MIN_SHARE", "chinese_edition", "chinese_template", "english_cells", "glossary_markdown_zh", "glossary_words"]

ZH_MIN_SHARE = 0.6
"""A Chinese edition's markdown cell reads as Chinese when CJK characters are at least this share of
CJK + English prose letters (:func:`helpers.report.translations.chinese_share`, glossary terms allowed)."""

_LANG_LINE = re.compile(r'^(lang\s*=\s*)"en"', re.MULTILINE)
_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)

_BANNER_ZH = {
    "student": ("> **学生版 Student edition。** 请按顺序运行笔记本（01 → 07）：每个笔记本读取前一个写下的结果。"
                "在每个 ✏️ 练习处，把答案单元格中的 `None` 换成你的答案（数字、文字、编号集合或 True/False，"
                "按注释要求），运行它，再运行下方的检查单元格：它会显示 ✅ 正确 或 ✏️ 还不对 并给出提示，"
                "但从不显示答案。关键术语的定义见本笔记本旁的 `glossary.md`（术语表）。"),
    "instructor": ("> **教师版 Instructor edition** —— 含参考解答（学生版留空的单元格）和教学提示（时间安排、"
                   "常见错误、讨论题）。这里的每个检查都应显示 ✅ 正确；期望值由本次运行的数据计算，"
                   "因此会随你选择的数据集和参数而变。请把 `editions/zh/student/` 发给学生。"),
}


def glossary_words() -> frozenset[str]:
    """The English words (4+ letters, lower case) of the glossary's English terms, allowed in Chinese prose
    beside :data:`helpers.report.translations.ALLOWED_WORDS` (a term is often given in both languages)."""
    words = set()
    for term in glossary()["en"]:
        words |= {w.lower() for w in re.findall(r"[A-Za-zÀ-ÿ]{4,}", term)}
    return frozenset(words) | ALLOWED_WORDS


def _exercise_line(zh: str, exercise: str, fallback: str) -> str:
    """The line of a translated question naming its exercise id (``04.1``), else the English one."""
    line = next((x for x in zh.splitlines() if exercise in x), fallback)
    return line.lstrip("#").strip()


def _zh_banner(nb: Any, edition: str, exercises: pd.DataFrame) -> None:
    """Replace the edition's banner (the cell tagged ``<edition>-banner``) by its Chinese version."""
    tag = f"{edition}-banner"
    banner = next((c for c in nb.cells if tag in c.get("metadata", {}).get("tags", [])), None)
    if banner is None:
        return
    questions = {str(c["metadata"]["teaching"]["exercise"]): c.source for c in nb.cells
                 if "exercise" in c.get("metadata", {}).get("tags", [])}
    items = "\n".join(f"- {_exercise_line(questions.get(ex, ''), ex, q)}"
                      for ex, q in zip(exercises["exercise"], exercises["question"])) or "- （无）"
    banner.source = _BANNER_ZH[edition] + "\n\n**练习 Exercises：**\n" + items


def chinese_edition(nb: Any, stem: str, edition: str, exercises: pd.DataFrame) -> Any:
    """The Chinese version of an edition notebook (in place): translated markdown, Chinese banner, ``lang = "zh"``.

    Parameters
    ----------
    nb
        An edition notebook as :func:`helpers.teaching.student_edition` or
        :func:`helpers.teaching.instructor_edition` writes it.
    stem
        The source notebook's stem (``04_segmentation``): which translation store to read.
    edition
        ``"student"`` or ``"instructor"``: which banner.
    exercises
        :func:`helpers.teaching.exercises_of` of the source notebook (the banner lists them).
    """
    chinese_template(nb, stem)
    _zh_banner(nb, edition, exercises)
    return nb


def chinese_template(nb: Any, stem: str) -> Any:
    """A notebook's Chinese version (in place): markdown from the translation store, ``lang = "zh"`` in its
    ``parameters`` cell (the unnumbered templates of the editions get only this)."""
    translate_cells(nb, stem, "zh", log=False)
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            cell.source = _LANG_LINE.sub(r'\1"zh"', cell.source)
    return nb


def english_cells(nb: Any, min_share: float = ZH_MIN_SHARE) -> list[tuple[int, float, str]]:
    """Markdown cells of a Chinese edition that do not read as Chinese: ``(index, share, first line)``.

    The share is :func:`helpers.report.translations.chinese_share` of the cell without its code
    (fenced blocks and `spans`), with the glossary's English words allowed (:func:`glossary_words`)."""
    allowed = glossary_words()
    out = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        share = chinese_share(_CODE.sub(" ", cell.source), allowed).share  # code blocks and spans are not prose
        if share < min_share:
            out.append((i, round(share, 2), cell.source.strip().splitlines()[0][:80] if cell.source.strip() else ""))
    return out


def _cell(text: str) -> str:
    return text.replace("|", "\\|").strip()


def glossary_markdown_zh(terms: pd.DataFrame | None = None) -> str:
    """The glossary handout of the Chinese editions (markdown): Chinese first, English beside it."""
    terms = glossary() if terms is None else terms
    sources = terms.attrs.get("sources", {})
    lines = ["# 术语表 Glossary", "", "本工作簿的关键术语（中文与英文），附定义和使用它们的笔记本。", "",
             "| 中文 | English | 定义 | 笔记本 |", "|---|---|---|---|"]
    for t in terms.itertuples():
        lines.append(f"| {_cell(t.zh)} | {_cell(t.en)} | {_cell(t.definition_zh)} | "
                     f"{', '.join(t.notebooks) or '–'} |")
    lines += ["", "来源：完整书目见仓库的 `docs/references.md`（参考文献）。", ""] + \
        [f"- `{k}`：{v}" for k, v in sources.items()]
    return "\n".join(lines) + "\n"
