"""The report's order of cells: the computed summary on page 1, the appendix at the end.

Students read a notebook top to bottom: title, analysis, the computed summary (it needs the
results), exercises, then reference material (objectives, glossary, codebook). A manager reads
the report: title, the summary, the analysis, and the reference material last. :func:`arrange`
turns the first order into the second for the PDF/HTML route only, by cell tag
(:data:`helpers.notebooks.REPORT_SECTION_TAGS`): cells tagged ``summary`` move to right after the
title cell under "## Summary 摘要", cells tagged ``appendix`` to the end under "## Appendix 附录"
(:func:`helpers.report.headings.localise_headings` then shows "摘要"/"附录" in the Chinese set).
:func:`drop_stderr` removes what a kernel wrote to stderr (warnings, progress bars): a report
shows results, not the machine's complaints.
"""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_markdown_cell

from ..notebooks import APPENDIX_TAG, REPORT_SECTION_TAGS, SUMMARY_TAG

LAYOUT_MARK = "crm_layout"
"""Metadata key of the heading cells :func:`arrange` adds ("## Summary 摘要", "## Appendix 附录"): not notebook
cells, so they have no stored translation and are localised like any bilingual heading."""


def _tags(cell: nbformat.NotebookNode) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _opens_with_title(cell: nbformat.NotebookNode) -> bool:
    """A markdown cell starting with a level-1 heading, or a code cell whose first markdown output does."""
    if cell.cell_type == "markdown":
        return cell.source.lstrip().startswith("# ")
    for out in cell.get("outputs", []):
        text = out.get("data", {}).get("text/markdown")
        if text is not None:
            return ("".join(text) if isinstance(text, list) else text).lstrip().startswith("# ")
    return False


def _title_index(cells: list) -> int:
    """Index of the title cell: the first cell showing a level-1 heading (-1 when none does)."""
    return next((i for i, cell in enumerate(cells) if _opens_with_title(cell)), -1)


def arrange(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook with its ``summary`` cells after the title and its ``appendix`` cells at the end.

    Each moved group gets its heading cell (:data:`REPORT_SECTION_TAGS`); cells keep their
    relative order within a group. The title cell is the first cell showing a level-1 heading (a
    markdown cell, or a code cell that displays its title as the knowledge report does); without
    one the summary opens the report. A notebook without tagged cells is
    returned unchanged. Works in place; also returned.
    """
    cells = list(nb.cells)
    summary = [c for c in cells if SUMMARY_TAG in _tags(c)]
    appendix = [c for c in cells if APPENDIX_TAG in _tags(c) and SUMMARY_TAG not in _tags(c)]
    if not summary and not appendix:
        return nb
    moved = {id(c) for c in summary + appendix}
    body = [c for c in cells if id(c) not in moved]
    head_end = _title_index(body) + 1
    out = body[:head_end]
    if summary:
        out += [new_markdown_cell(REPORT_SECTION_TAGS[SUMMARY_TAG], metadata={LAYOUT_MARK: True}), *summary]
    out += body[head_end:]
    if appendix:
        out += [new_markdown_cell(REPORT_SECTION_TAGS[APPENDIX_TAG], metadata={LAYOUT_MARK: True}), *appendix]
    nb.cells = out
    return nb


def drop_stderr(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook without stderr stream outputs (warnings, progress bars); in place, also returned."""
    for cell in nb.cells:
        if "outputs" in cell:
            cell.outputs = [o for o in cell.outputs
                            if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    return nb
