"""The editions follow nbgrader's conventions, checked with nbgrader's own code (no server, no gradebook).

nbgrader's metadata validator (schema 3) accepts every cell of the instructor and student editions; its
``ClearSolutions`` (with the course's ``nbgrader_config.py``), ``LockCells``, ``ClearOutput`` and
``CheckCellMetadata`` preprocessors, after the course's ``DropTeachingNotes``, turn the instructor edition into
the student edition, cell for cell: what ``nbgrader generate_assignment`` does to the instructor edition.
"""

from __future__ import annotations

import nbformat
import pytest
from nbgrader.nbgraderformat import MetadataValidator
from nbgrader.preprocessors import CheckCellMetadata, ClearOutput, ClearSolutions, LockCells
from traitlets.config.loader import PyFileConfigLoader

from helpers import teaching
from helpers.teaching.nbgrading import DropTeachingNotes


@pytest.fixture(scope="module")
def editions(tmp_path_factory):
    return teaching.write_editions(tmp_path_factory.mktemp("nbgrader"), langs=("en",))


def _numbered(paths):
    return [p for p in paths if p.name[:2].isdigit()]


def test_nbgrader_validates_the_metadata_of_both_editions(editions):
    validator = MetadataValidator()
    for edition in ("instructor", "student"):
        for path in _numbered(editions[edition]):
            nb = nbformat.read(path, as_version=4)
            validator.validate_nb(nb)
            graded = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
            solutions = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
            assert graded and all("check" in c.metadata["tags"] for c in graded), path.name
            assert len(solutions) == len(graded) and all(c.cell_type == "code" for c in solutions)
            assert all(c.metadata["nbgrader"]["locked"] for c in nb.cells
                       if set(c.metadata.get("tags", [])) & {"exercise", "check"})


def test_a_broken_metadata_is_refused_by_nbgrader(editions):
    nb = nbformat.read(_numbered(editions["instructor"])[0], as_version=4)
    check = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade"))
    del check.metadata["nbgrader"]["points"]
    with pytest.raises(Exception, match="points"):
        MetadataValidator().validate_nb(nb)


def test_generate_assignment_preprocessors_turn_the_instructor_into_the_student_edition(editions, monkeypatch):
    monkeypatch.setenv(teaching.AUTOGRADE_ENV, "0")  # the config only sets it when unset
    folder = editions["instructor"][0].parent
    config = PyFileConfigLoader("nbgrader_config.py", path=str(folder)).load_config()
    assert DropTeachingNotes in config.GenerateAssignment.preprocessors
    chain = [DropTeachingNotes(), LockCells(), ClearSolutions(config=config), ClearOutput(), CheckCellMetadata()]
    for instructor, student in zip(_numbered(editions["instructor"]), _numbered(editions["student"])):
        nb, resources = nbformat.read(instructor, as_version=4), {}
        for step in chain:
            nb, resources = step.preprocess(nb, resources)
        want = nbformat.read(student, as_version=4)
        got = [(c.get("id"), c.source.replace("\n# YOUR CODE HERE", "")) for c in nb.cells[2:]]
        assert got == [(c.get("id"), c.source) for c in want.cells[2:]], instructor.name
        assert all(c.metadata.get("editable") is False for c in nb.cells if "check" in c.metadata.get("tags", []))
