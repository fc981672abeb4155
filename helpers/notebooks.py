"""The workbook's notebooks: one numbering rule, one list of cell tags.

The report command (:mod:`helpers.report`) runs the numbered notebooks in order and drops the
course-kit cells from the PDFs; the course kit (:mod:`helpers.teaching`) writes editions of the
same notebooks and reads their key-terms tables by number. Both ask this module which notebooks
there are, what number each has and which tags mark course cells, so the two cannot disagree.

A numbered notebook is ``<digits>_<name>.ipynb`` (``03_customer_lifetime_value.ipynb``); its number
is written with two digits (``"03"``). Notebooks without a number (``knowledge_report.ipynb``) are
templates, run by the report command on request.

Part of the bottom layer (``docs/architecture.md``): imports no other module of the package.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

NUMBERED = re.compile(r"^(\d+)_.+\.ipynb$")
"""The one rule: a numbered notebook's file name."""

EXERCISE_TAG, SOLUTION_TAG, ANSWER_TAG, CHECK_TAG, NOTE_TAG = "exercise", "solution", "answer", "check", "teaching-note"
COURSE_TAGS: frozenset[str] = frozenset({EXERCISE_TAG, SOLUTION_TAG, ANSWER_TAG, CHECK_TAG, NOTE_TAG})
"""Cell tags of the course kit; the PDF reports drop cells carrying any of them."""

SUMMARY_TAG, APPENDIX_TAG = "summary", "appendix"
REPORT_SECTION_TAGS: dict[str, str] = {SUMMARY_TAG: "## Summary 摘要", APPENDIX_TAG: "## Appendix 附录"}
"""Report layout tags and the heading each section gets: the PDF/HTML route moves cells tagged ``summary``
to right after the title cell and cells tagged ``appendix`` to the end (the notebooks keep their order)."""



def intro_cell(nb):
    """The markdown cell holding a notebook's learning objectives and key-terms table.

    The first cell tagged ``appendix`` (the report shows it at the end; students see it right after
    the title), or the first cell in a notebook that has none.
    """
    tagged = (c for c in nb.cells
              if c.cell_type == "markdown" and APPENDIX_TAG in c.get("metadata", {}).get("tags", []))
    return next(tagged, nb.cells[0])


PARAMETERS_TAG = "parameters"
REMOVE_OUTPUT_TAG = "remove-output"
REMOVE_CELL_TAG = "remove-cell"
INJECTED_PARAMETERS_TAG = "injected-parameters"

KNOWLEDGE_TEMPLATE = "knowledge_report.ipynb"
"""The parameterised per-customer / per-segment knowledge report (not numbered: the workbook run skips it)."""

TEMPLATES = (KNOWLEDGE_TEMPLATE,)
"""Unnumbered notebooks: parameterised templates (notebook 07's per-customer knowledge report)."""


def number_of(path: str | Path) -> str | None:
    """``"03"`` for ``03_customer_lifetime_value.ipynb``; ``None`` for a file that is not numbered."""
    match = NUMBERED.match(Path(str(path)).name)
    return f"{int(match.group(1)):02d}" if match else None


def notebook_number(notebook: str | Path) -> str:
    """``"03"`` for ``notebooks/03_customer_lifetime_value.ipynb`` (or for ``"3"``/``"03"``).

    Raises
    ------
    ValueError
        ``notebook`` is neither a numbered notebook nor a number.
    """
    number = number_of(notebook)
    if number is not None:
        return number
    name = Path(str(notebook)).name
    if name.isdigit():
        return f"{int(name):02d}"
    raise ValueError(f"{notebook!r} is not a numbered notebook (NN_name.ipynb)")


def _selects(path: Path, selector: str) -> bool:
    """True when ``selector`` names ``path`` by number (``"1"``, ``"01"``) or stem/file name."""
    selector = selector.strip()
    if selector in (path.stem, path.name):
        return True
    number = number_of(path)
    return number is not None and selector.isdigit() and int(selector) == int(number)


def find_notebooks(notebooks_dir: str | Path, only: Sequence[str] | None = None) -> list[Path]:
    """List the numbered notebooks ``NN_*.ipynb`` of a folder, in number order.

    Parameters
    ----------
    notebooks_dir
        Folder holding the notebooks (not searched recursively, so
        ``.ipynb_checkpoints`` copies are never picked up).
    only
        Keep only notebooks named here, by number prefix (``"3"`` or ``"03"``),
        stem (``"03_clean"``) or file name.

    Returns
    -------
    list of Path
        Sorted by the numeric prefix, then by name.

    Raises
    ------
    FileNotFoundError
        If ``notebooks_dir`` does not exist.
    ValueError
        If an ``only`` selector matches no notebook.
    """
    notebooks_dir = Path(notebooks_dir)
    if not notebooks_dir.is_dir():
        raise FileNotFoundError(f"notebook folder not found: {notebooks_dir}")
    found = [p for p in notebooks_dir.iterdir()
             if p.is_file() and number_of(p) is not None and "-checkpoint" not in p.stem]
    found.sort(key=lambda p: (int(number_of(p) or 0), p.name))
    if only is None:
        return found
    selectors = [str(s) for s in only]
    unknown = [s for s in selectors if not any(_selects(p, s) for p in found)]
    if unknown:
        names = ", ".join(p.name for p in found) or "none"
        raise ValueError(f"--only {' '.join(unknown)}: no such notebook in {notebooks_dir} (have: {names})")
    return [p for p in found if any(_selects(p, s) for s in selectors)]
