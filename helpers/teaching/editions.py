"""Student and instructor editions of the numbered notebooks, written from cell tags.

``python -m helpers.teaching editions --out editions/`` (``make editions``) writes both
editions of every numbered notebook (:func:`write_editions`).

Cell tags (the course's design; the tag names are :mod:`helpers.notebooks`'s)
--------------------------------------------------------------------------------
``exercise``       markdown: the question (English, key Chinese terms). Kept in both editions.
``solution``       code: the worked solution; it sets the answer variable(s). The cell's
                   ``metadata.teaching.stub`` holds the blank student version (``share_a = None
                   # your answer: …``). Instructor edition: kept; student edition: replaced by the
                   stub and re-tagged ``answer``.
``answer``         code: the student's blank answer cell (only in the student edition).
``check``          code: calls a ``check_*`` helper with the expected value computed from the
                   notebook's data. Kept in both editions.
``teaching-note``  markdown: timing, common mistakes, discussion prompts. Instructor edition only.

Every course cell carries ``metadata.teaching.exercise`` (e.g. ``"03.1"``). The numbered
notebooks in ``notebooks/`` *are* the instructor edition's source (solutions filled in), so
they run top to bottom and every check says "Right". The PDF reports drop all course cells
(:data:`helpers.notebooks.COURSE_TAGS`, see :mod:`helpers.report`). A solution must not define
anything a later non-check cell needs: the student edition, with blank answers, still runs to
the end.
"""

from __future__ import annotations

import ast
import copy
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd

from ..errors import DataError
from ..notebooks import (ANSWER_TAG, CHECK_TAG, COURSE_TAGS, EXERCISE_TAG, NOTE_TAG, SOLUTION_TAG, TEMPLATES,
                         find_notebooks)
from ..paths import NOTEBOOKS
from .chinese import chinese_edition, chinese_template, glossary_markdown_zh
from .glossary import glossary_markdown
from .nbgrading import NBGRADER_CONFIG, nbgrader_metadata, solution_source

EDITIONS = ("student", "instructor")
"""The editions :func:`write_editions` can write."""
LANGS = ("en", "zh")
"""The languages of the editions: English in ``<out>/<edition>/``, Chinese (:mod:`helpers.teaching.chinese`) in
``<out>/zh/<edition>/``."""
EXTRA_NOTEBOOKS = TEMPLATES
"""Unnumbered notebooks copied unchanged into both editions (notebook 07's report template)."""


def _tags(cell: Any) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _teaching(cell: Any) -> dict[str, Any]:
    return dict(cell.get("metadata", {}).get("teaching", {}))


def assigned_names(source: str) -> set[str]:
    """The names a code cell's source assigns (``=``, annotated and augmented assignments)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else []
        for target in targets:
            names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


def _all_none(source: str) -> bool:
    """True when every assignment in ``source`` assigns the constant ``None``."""
    tree = ast.parse(source)
    return all(isinstance(node.value, ast.Constant) and node.value.value is None
               for node in ast.walk(tree) if isinstance(node, ast.Assign))


def _blank_body(fn: ast.FunctionDef) -> bool:
    """A stub's body: a docstring, then only ``...``, ``pass`` or ``raise NotImplementedError``."""
    body = fn.body[1:] if fn.body and isinstance(fn.body[0], ast.Expr) and isinstance(
        getattr(fn.body[0], "value", None), ast.Constant) and isinstance(fn.body[0].value.value, str) else fn.body
    return all(isinstance(n, ast.Pass) or (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)
                                           and n.value.value is Ellipsis)
               or (isinstance(n, ast.Raise) and "NotImplementedError" in ast.unparse(n)) for n in body)


def stub_names(stub: str) -> set[str] | None:
    """The answer names a stub sets: variables set to ``None``, or functions with a blank body
    (write-it-yourself exercises); ``None`` when the stub is neither."""
    tree = ast.parse(stub)
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    if functions:
        others = [n for n in tree.body if not isinstance(n, (ast.FunctionDef, ast.Import, ast.ImportFrom))]
        return {f.name for f in functions} if all(map(_blank_body, functions)) and not others else None
    names = assigned_names(stub)
    return names if names and _all_none(stub) else None


def defined_names(source: str) -> set[str]:
    """Names a solution defines at the top level: assignments (outside function bodies) and functions."""
    body = ast.parse(source).body
    functions = {n.name for n in body if isinstance(n, ast.FunctionDef)}
    return functions.union(*(assigned_names(ast.unparse(n)) for n in body if not isinstance(n, ast.FunctionDef)))


def exercises_of(nb: Any, where: str = "notebook") -> pd.DataFrame:
    """The exercises of a (source) notebook, checked for a complete structure.

    Every exercise id must have exactly one ``exercise`` markdown cell, then one ``solution``
    code cell whose ``metadata.teaching.stub`` sets the solution's answer variable(s) to ``None``,
    then one ``check`` code cell; ``teaching-note`` cells are optional.

    Returns
    -------
    pandas.DataFrame
        One row per exercise: ``exercise, question, variables, cells`` (cell indices); ``variables``
        are the answer variables the stub sets (a solution may also set helper variables).

    Raises
    ------
    DataError
        Naming the notebook, the exercise and what is wrong.
    """
    found: dict[str, dict[str, list[int]]] = {}
    for i, cell in enumerate(nb.cells):
        course = _tags(cell) & COURSE_TAGS
        if not course:
            continue
        ex = _teaching(cell).get("exercise")
        if not ex:
            raise DataError(f"cell {i} is tagged {sorted(course)} but has no metadata.teaching.exercise", file=where,
                            row=i, hint='add metadata {"teaching": {"exercise": "NN.k"}}')
        for tag in course:
            found.setdefault(str(ex), {}).setdefault(tag, []).append(i)
    rows = []
    for ex, cells in found.items():
        for tag, kind in ((EXERCISE_TAG, "markdown"), (SOLUTION_TAG, "code"), (CHECK_TAG, "code")):
            idx = cells.get(tag, [])
            if len(idx) != 1 or nb.cells[idx[0]].cell_type != kind:
                raise DataError(f"exercise {ex} needs exactly one {kind} cell tagged {tag!r}, has {len(idx)}",
                                file=where, row=ex, hint="see helpers/teaching/editions.py for the cell layout")
        q, s, c = cells[EXERCISE_TAG][0], cells[SOLUTION_TAG][0], cells[CHECK_TAG][0]
        if not q < s < c:
            raise DataError(f"exercise {ex}: cells must come in the order exercise → solution → check",
                            file=where, row=ex, hint="move the cells")
        stub = _teaching(nb.cells[s]).get("stub", "")
        variables = stub_names(stub) if stub else None
        if not variables or not variables <= defined_names(nb.cells[s].source):
            raise DataError(f"exercise {ex}: the stub {stub!r} must set the solution's answer variable(s) to None "
                            "or define its function(s) with a blank body", file=where, row=ex,
                            hint="metadata.teaching.stub, e.g. 'share_a = None  # your answer: …' or "
                                 "'def abc_classes(customers, cutoffs):\\n    raise NotImplementedError'")
        rows.append({"exercise": ex, "question": exercise_title(nb.cells[q].source),
                     "variables": sorted(variables), "cells": sorted(i for v in cells.values() for i in v)})
    return pd.DataFrame(rows, columns=["exercise", "question", "variables", "cells"])


def exercise_title(source: str) -> str:
    """The exercise's own heading ("✏️ Exercise 04.1 · Class A customers A 类客户"), not a section
    heading such as "Exercises 练习" above it."""
    lines = [x.strip() for x in source.strip().splitlines() if x.strip()]
    own = [x for x in lines if re.match(r"#*\s*(✏️\s*)?(Exercise|练习)\s+\d", x.lstrip("#").strip())]
    return (own or [x for x in lines if x.startswith("#")] or lines)[0].lstrip("#").strip()


def _clean(nb: Any) -> Any:
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def _banner(nb: Any, edition: str, exercises: pd.DataFrame) -> Any:
    items = "\n".join(f"- {q.lstrip('#').strip()}" for q in exercises["question"]) or "- (none)"
    if edition == "student":
        text = ("> **Student edition 学生版.** Run the notebooks in order (01 → 07): each reads what the previous one "
                "wrote. At each ✏️ exercise, replace `None` in the answer cell with your answer (a number, a text, "
                "a set of ids or True/False, as the comment says) or write the function whose body raises "
                "`NotImplementedError` (✏️ Write it yourself), run it, then run the check below it: it says "
                "✅ Right 正确 or ✏️ Not yet 还不对 with a hint, never the answer. The key terms are defined in "
                "`glossary.md` beside this notebook.\n\n**Exercises 练习:**\n" + items)
    else:
        text = ("> **Instructor edition 教师版** — worked solutions (the cells the student edition leaves blank) and "
                "teaching notes 教学提示 (timing, common mistakes, discussion prompts). Every check here should say "
                "✅ Right; expected values are computed from this run's data, so they follow the dataset and "
                "parameters you choose. Hand out `editions/student/` to students.\n\n**Exercises 练习:**\n" + items)
    cell = nbformat.v4.new_markdown_cell(text)
    cell["id"] = f"{edition}-edition-banner"
    cell.metadata["tags"] = [f"{edition}-banner"]
    nb.cells.insert(1, cell)
    return nb


def _with_nbgrader(nb: Any, edition: str) -> Any:
    """nbgrader cell metadata (:mod:`helpers.teaching.nbgrading`) on the course cells; in the instructor
    edition each answer cell becomes the stub + the worked solution as a solution region."""
    for cell in nb.cells:
        meta = nbgrader_metadata(cell, str(cell.get("id", "")))
        if meta is None:
            continue
        if edition == "instructor" and SOLUTION_TAG in _tags(cell):
            cell.source = solution_source(_teaching(cell)["stub"], cell.source)
        cell.metadata["nbgrader"] = meta
    return nb


def instructor_edition(nb: Any, where: str = "notebook") -> Any:
    """The instructor edition of a source notebook: everything, plus a banner and nbgrader metadata; no outputs."""
    exercises = exercises_of(nb, where)
    return _with_nbgrader(_banner(_clean(copy.deepcopy(nb)), "instructor", exercises), "instructor")


def student_edition(nb: Any, where: str = "notebook") -> Any:
    """The student edition: teaching notes removed, each solution replaced by its blank stub."""
    exercises = exercises_of(nb, where)
    out = _clean(copy.deepcopy(nb))
    cells = []
    for cell in out.cells:
        tags = _tags(cell)
        if NOTE_TAG in tags:
            continue
        if SOLUTION_TAG in tags:
            teaching = _teaching(cell)
            cell.source = teaching.pop("stub")
            cell.metadata["teaching"] = teaching
            cell.metadata["tags"] = [ANSWER_TAG if t == SOLUTION_TAG else t for t in cell.metadata["tags"]]
        cells.append(cell)
    out.cells = cells
    return _with_nbgrader(_banner(out, "student", exercises), "student")


def edition_folder(out_dir: str | Path, edition: str, lang: str = "en") -> Path:
    """Where an edition is written: ``<out>/<edition>/`` (English) or ``<out>/<lang>/<edition>/``."""
    return Path(out_dir) / edition if lang == "en" else Path(out_dir) / lang / edition


def _localise(nb: Any, src: Path, edition: str, lang: str) -> Any:
    """An edition notebook in ``lang`` (English: unchanged; Chinese: :func:`helpers.teaching.chinese_edition`)."""
    if lang == "en":
        return nb
    return chinese_edition(nb, src.stem, edition, exercises_of(nbformat.read(src, as_version=4), src.name))


def write_editions(out_dir: str | Path, notebooks_dir: str | Path = NOTEBOOKS,
                   editions: Sequence[str] = EDITIONS, langs: Sequence[str] = LANGS) -> dict[str, list[Path]]:
    """Write ``<out_dir>/student/`` and ``<out_dir>/instructor/`` from the numbered notebooks (and ``zh/…``).

    Each edition folder gets every ``NN_*.ipynb`` (transformed), the unnumbered notebooks of
    :data:`EXTRA_NOTEBOOKS` (unchanged) and ``glossary.md``. Notebooks are written without
    outputs and run from their folder (data paths come from :mod:`helpers.paths`); the instructor folder also
    gets ``nbgrader_config.py`` (:data:`helpers.teaching.nbgrading.NBGRADER_CONFIG`). The Chinese
    editions (``langs`` with ``"zh"``) go to ``<out_dir>/zh/<edition>/`` (:func:`edition_folder`).

    Returns
    -------
    dict
        Edition name → written notebook paths, in order; Chinese editions as ``"zh/<edition>"``.
    """
    makers = {"student": student_edition, "instructor": instructor_edition}
    unknown = set(editions) - set(makers)
    if unknown:
        raise ValueError(f"unknown edition(s) {sorted(unknown)}: choose from {list(makers)}")
    if set(langs) - set(LANGS):
        raise ValueError(f"unknown language(s) {sorted(set(langs) - set(LANGS))}: choose from {list(LANGS)}")
    sources = find_notebooks(notebooks_dir)
    if not sources:
        raise FileNotFoundError(f"no NN_*.ipynb notebooks in {notebooks_dir}")
    written: dict[str, list[Path]] = {}
    handouts = {"en": glossary_markdown(), "zh": glossary_markdown_zh()}
    for lang in langs:
        for edition in editions:
            folder = edition_folder(out_dir, edition, lang)
            folder.mkdir(parents=True, exist_ok=True)
            paths = []
            for src in sources:
                nb = _localise(makers[edition](nbformat.read(src, as_version=4), where=src.name), src, edition, lang)
                nbformat.write(nb, folder / src.name)
                paths.append(folder / src.name)
            for name in EXTRA_NOTEBOOKS:
                if (Path(notebooks_dir) / name).exists():
                    extra = _clean(nbformat.read(Path(notebooks_dir) / name, as_version=4))
                    nbformat.write(extra if lang == "en" else chinese_template(extra, Path(name).stem), folder / name)
                    paths.append(folder / name)
            (folder / "glossary.md").write_text(handouts[lang], encoding="utf-8")
            if edition == "instructor":
                (folder / "nbgrader_config.py").write_text(NBGRADER_CONFIG, encoding="utf-8")
            written[edition if lang == "en" else f"{lang}/{edition}"] = paths
    return written
