"""nbgrader conventions in the editions: cell metadata, solution regions, the course's nbgrader config.

The instructor edition is an nbgrader *source* notebook and the student edition what
``nbgrader generate_assignment`` makes of it (nbgrader 0.9, cell metadata schema 3,
https://nbgrader.readthedocs.io/en/stable/contributor_guide/metadata.html):

* **solution cells** (the answer cells; ``solution: true, grade: false``): in the instructor
  edition the student's stub followed by the worked solution between ``### BEGIN SOLUTION`` and
  ``### END SOLUTION``; nbgrader's ``ClearSolutions`` (with the stub ``# YOUR CODE HERE`` set in
  :data:`NBGRADER_CONFIG`) leaves the stub, which is the student edition's cell;
* **autograded test cells** (the checks; ``grade: true, solution: false, locked: true``, with
  ``points``): under ``CRM_AUTOGRADE=1`` (set by the config) a check that is not right raises,
  so the autograder scores it 0;
* **read-only cells** (``locked: true``): the exercise questions and the edition banner;
* teaching notes are dropped from the release by :class:`DropTeachingNotes`, a preprocessor the
  config puts first in ``GenerateAssignment.preprocessors``.

Nothing here imports nbgrader: the metadata are plain JSON, and the test suite validates them with
nbgrader's own validator and preprocessors.
"""

from __future__ import annotations

from typing import Any

from nbconvert.preprocessors import Preprocessor

from ..notebooks import CHECK_TAG, EXERCISE_TAG, NOTE_TAG, SOLUTION_TAG

__all__ = ["BEGIN", "END", "NBGRADER_CONFIG", "POINTS", "DropTeachingNotes", "nbgrader_metadata", "solution_source"]

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
"""nbgrader's default solution delimiters."""
POINTS = 1
"""Points of each check (autograded test cell)."""

NBGRADER_CONFIG = '''"""nbgrader configuration for the CRM workbook's course (`python -m helpers.teaching editions`).

Put the instructor edition's notebooks in source/<assignment>/ of an nbgrader course folder with this
file, then `nbgrader generate_assignment <assignment>` and, after collecting, `nbgrader autograde`.
"""
import os

from nbgrader import preprocessors as pp

from helpers.teaching.nbgrading import DropTeachingNotes

c = get_config()  # noqa: F821 (nbgrader's config loader defines it)
# the answer cells keep their own stub (`share_a = None`, `def abc_classes(...): raise NotImplementedError`)
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE"}
# teaching notes stay with the instructor
c.GenerateAssignment.preprocessors = [DropTeachingNotes, pp.IncludeHeaderFooter, pp.InstantiateTests, pp.LockCells,
                                     pp.ClearSolutions, pp.ClearOutput, pp.CheckCellMetadata, pp.ComputeChecksums,
                                     pp.SaveCells, pp.ClearHiddenTests, pp.ClearMarkScheme, pp.ComputeChecksums,
                                     pp.CheckCellMetadata]
# a check that is not right raises when the autograder runs it (the cell then scores 0)
os.environ.setdefault("CRM_AUTOGRADE", "1")
'''
"""The ``nbgrader_config.py`` written beside the instructor edition."""


class DropTeachingNotes(Preprocessor):
    """Remove the cells tagged ``teaching-note`` (nbgrader has no cell type for instructor-only text)."""

    def preprocess(self, nb: Any, resources: Any) -> tuple[Any, Any]:
        nb.cells = [c for c in nb.cells if NOTE_TAG not in c.get("metadata", {}).get("tags", [])]
        return nb, resources


def solution_source(stub: str, solution: str) -> str:
    """The instructor edition's answer cell: the stub, then the worked solution as a solution region."""
    return f"{stub.rstrip()}\n{BEGIN}\n{solution.strip()}\n{END}"


def nbgrader_metadata(cell: Any, grade_id: str) -> dict[str, Any] | None:
    """The ``metadata.nbgrader`` of a course cell (schema 3), or ``None`` for a cell nbgrader leaves alone."""
    tags = set(cell.get("metadata", {}).get("tags", []))
    base = {"grade_id": grade_id, "schema_version": 3}
    if tags & {SOLUTION_TAG, "answer"}:
        return {**base, "solution": True, "grade": False, "locked": False}
    if CHECK_TAG in tags:
        return {**base, "solution": False, "grade": True, "locked": True, "points": POINTS}
    if EXERCISE_TAG in tags or any(t.endswith("-banner") for t in tags):
        return {**base, "solution": False, "grade": False, "locked": True}
    return None
