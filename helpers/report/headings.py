"""Report headings in the report's language: the Chinese report set shows the Chinese part.

The workbook's markdown headings are bilingual, "English 中文". ``--lang zh`` reports keep the
section number and the Chinese part of each (:func:`helpers.i18n.chinese_part`); English reports
show them as written.
"""

from __future__ import annotations

import re
from typing import Any

import nbformat

from ..i18n import LANGUAGES, chinese_part
from .translations import TRANSLATED_MARK, translate_cells


def language_error(given: Any) -> ValueError:
    """The error for a report language that is not one of :data:`helpers.i18n.LANGUAGES`."""
    return ValueError(f"lang must be one of {', '.join(repr(x) for x in LANGUAGES)}, not {given!r}")


_HEADING_LINE = re.compile(r"^(\s{0,3}#{1,6}\s+)(.+?)\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


def localise_markdown(text: str, lang: str) -> str:
    """Headings of one markdown text in ``lang`` (code fences left alone)."""
    if lang == "en":
        return text
    lines, fenced = [], False
    for line in text.split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
        m = None if fenced else _HEADING_LINE.match(line)
        if m:
            line = m.group(1) + (chinese_part(m.group(2)) or m.group(2))
        lines.append(line)
    return "\n".join(lines)


def localise_headings(nb: nbformat.NotebookNode, lang: str, stem: str | None = None) -> nbformat.NotebookNode:
    """The notebook with every markdown heading in ``lang`` (in place; also returned).

    The workbook's headings are bilingual, "English 中文" (``## 3 · Differentiation by value:
    ABC analysis ABC 分类``). ``"zh"`` keeps the section number and the Chinese part
    (``## 3 · ABC 分类``, see :func:`helpers.i18n.chinese_part`) in markdown cells and in
    markdown outputs; a heading without Chinese stays as written. ``"en"`` changes nothing:
    English reports show the bilingual headings, as the notebooks do.

    Given the notebook's ``stem``, markdown cells with an up-to-date translation in
    ``notebooks/locale/<lang>/<stem>.yml`` are first replaced by it
    (:func:`helpers.report.translations.translate_cells`; missing or stale ones stay English and
    are logged); their headings are the translator's and are kept as translated.

    Raises
    ------
    ValueError
        If ``lang`` is not ``"en"`` or ``"zh"``.
    """
    if lang not in LANGUAGES:
        raise language_error(lang)
    if lang == "en":
        return nb
    if stem is not None:
        translate_cells(nb, stem, lang)
    for cell in nb.cells:
        if cell.cell_type == "markdown" and not cell.metadata.get(TRANSLATED_MARK):
            cell.source = localise_markdown(cell.source, lang)
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "text/markdown" in data:
                text = data["text/markdown"]
                data["text/markdown"] = localise_markdown("".join(text) if isinstance(text, list) else text, lang)
    return nb
