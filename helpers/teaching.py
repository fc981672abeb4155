"""The course kit: one glossary, self-checking exercises, and student / instructor editions.

Course instructors are one of the workbook's three user groups. This module gives them

* **one glossary** (``helpers/glossary.yml``): every key term in Chinese and English with a
  one-sentence definition in each language, its source and the notebooks that use it.
  :func:`glossary` loads it; :func:`terms_table` renders a notebook's "| 中文 | English |"
  table; ``python -m helpers.teaching sync-terms`` rewrites those tables in the notebooks
  (``--check`` only reports drift), so the glossary is the single source;
* **self-checking exercises**: :func:`check_number`, :func:`check_choice`, :func:`check_set`
  and :func:`check_bool` compare a student's answer with an expected value computed from the
  run's own data and return a :class:`CheckResult` that shows "✅ Right 正确" or
  "Not yet 还不对" with a hint — never the expected value;
* **editions**: ``python -m helpers.teaching editions --out editions/`` (``make editions``)
  writes a student and an instructor edition of every numbered notebook from cell tags.

Cell tags (the course's design)
-------------------------------
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
(:data:`COURSE_TAGS`, see :mod:`helpers.report`). A solution must not define anything a later
non-check cell needs: the student edition, with blank answers, still runs to the end.

Checks also append ``{"exercise", "status"}`` as a JSON line to the file named by the
environment variable ``CRM_CHECK_LOG`` when it is set (the test suite uses it to see that
student checks say "not yet" and instructor checks "right"; the expected value is never logged).
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import math
import os
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd

from .errors import DataError
from .i18n import load_unique_yaml
from .notebooks import (ANSWER_TAG, CHECK_TAG, COURSE_TAGS, EXERCISE_TAG, NOTE_TAG, SOLUTION_TAG, TEMPLATES,
                        find_notebooks, notebook_number)
from .paths import NOTEBOOKS, PROJECT_ROOT

__all__ = [
    "COURSE_TAGS",
    "GLOSSARY_PATH",
    "CheckResult",
    "check_bool",
    "check_choice",
    "check_number",
    "check_set",
    "exercises_of",
    "glossary",
    "glossary_markdown",
    "instructor_edition",
    "main",
    "notebook_terms",
    "student_edition",
    "sync_terms",
    "table_rows",
    "terms_table",
    "write_editions",
]

GLOSSARY_PATH: Path = Path(__file__).with_name("glossary.yml")
TERMS_HEADER = "| 中文 | English |"
TERMS_RULE = "|---|---|"


CHECK_LOG_ENV = "CRM_CHECK_LOG"
EDITIONS = ("student", "instructor")
EXTRA_NOTEBOOKS = TEMPLATES
"""Unnumbered notebooks copied unchanged into both editions (notebook 07's report template)."""

_REQUIRED = ("id", "zh", "en", "definition_en", "definition_zh", "source", "notebooks")
_HAN = re.compile(r"[\u4e00-\u9fff]")


# --------------------------------------------------------------------------- glossary


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> tuple[pd.DataFrame, dict[str, str]]:
    raw = load_unique_yaml(Path(path)) or {}
    sources = raw.get("sources") or {}
    terms = raw.get("terms") or []
    for i, term in enumerate(terms, start=1):
        missing = [k for k in _REQUIRED if term.get(k) in (None, "")]
        if missing:
            raise DataError(f"term {term.get('id', '?')!r} lacks {', '.join(missing)}", file=path, row=i,
                            hint="give every term id, zh, en, definition_en, definition_zh, source, notebooks")
        if term["source"] not in sources:
            raise DataError(f"term {term['id']!r} names source {term['source']!r}, which `sources` does not define",
                            file=path, column="source", row=i, hint="add it under `sources:`")
        bad = [n for n in term["notebooks"] if not re.fullmatch(r"\d\d", str(n))]
        if bad:
            raise DataError(f"term {term['id']!r}: notebooks must be two-digit numbers, got {bad}", file=path,
                            column="notebooks", row=i, hint='write e.g. notebooks: ["03", "04"]')
    frame = pd.DataFrame([{**{k: t[k] for k in _REQUIRED}, "notebooks": [str(n) for n in t["notebooks"]]}
                          for t in terms], columns=list(_REQUIRED))
    for column in ("id", "zh", "en"):
        dup = frame.loc[frame[column].duplicated(), column].tolist()
        if dup:
            raise DataError(f"duplicate {column} in the glossary: {dup}", file=path, column=column,
                            hint="every term needs its own id, Chinese and English name")
    return frame, {str(k): str(v) for k, v in sources.items()}


def glossary(path: str | Path = GLOSSARY_PATH) -> pd.DataFrame:
    """The course glossary, one row per term.

    Parameters
    ----------
    path
        The glossary YAML (default ``helpers/glossary.yml``).

    Returns
    -------
    pandas.DataFrame
        Columns ``id, zh, en, definition_en, definition_zh, source, notebooks`` (``notebooks``
        holds lists of two-digit numbers), in file order; ``attrs["sources"]`` maps source keys
        to full references.

    Raises
    ------
    DataError
        A term lacks a field, names an unknown source, or repeats an id, Chinese or English name.
    """
    path = Path(path)
    frame, sources = _load(str(path), path.stat().st_mtime)
    frame = frame.copy()
    frame.attrs["sources"] = dict(sources)
    return frame


def notebook_terms(notebook: str | Path, terms: pd.DataFrame | None = None) -> pd.DataFrame:
    """The glossary terms a notebook's key-terms table lists, in glossary order."""
    terms = glossary() if terms is None else terms
    number = notebook_number(notebook)
    return terms.loc[terms["notebooks"].map(lambda ns: number in ns)].reset_index(drop=True)


def _cell_text(text: str) -> str:
    return text.replace("|", "\\|").strip()


def terms_table(notebook: str | Path, terms: pd.DataFrame | None = None) -> str:
    """The markdown key-terms table of a notebook: header ``| 中文 | English |``, one row per term."""
    rows = notebook_terms(notebook, terms)
    lines = [TERMS_HEADER, TERMS_RULE] + [f"| {_cell_text(r.zh)} | {_cell_text(r.en)} |" for r in rows.itertuples()]
    return "\n".join(lines)


def _table_span(lines: list[str]) -> tuple[int, int] | None:
    """Line range [start, end) of the key-terms table in a cell's lines."""
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == TERMS_HEADER)
    except StopIteration:
        return None
    end = start + 1
    while end < len(lines) and lines[end].strip().startswith("|"):
        end += 1
    return start, end


def table_rows(source: str) -> list[tuple[str, str]]:
    """The ``(中文, English)`` rows of the key-terms table in a markdown cell's source."""
    lines = source.splitlines()
    span = _table_span(lines)
    if span is None:
        return []
    rows = []
    for line in lines[span[0] + 2:span[1]]:
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        if len(cells) >= 2:
            rows.append((cells[0], cells[1]))
    return rows


def _with_table(source: str, table: str) -> str:
    lines = source.splitlines()
    span = _table_span(lines)
    if span is None:
        return source.rstrip() + "\n\n" + table
    return "\n".join(lines[:span[0]] + table.splitlines() + lines[span[1]:])


def numbered_notebooks(notebooks_dir: str | Path = NOTEBOOKS) -> list[Path]:
    """``NN_*.ipynb`` of a folder, in order (:func:`helpers.report.find_notebooks`: a missing folder is an error)."""
    return find_notebooks(Path(notebooks_dir))


def sync_terms(notebooks_dir: str | Path = NOTEBOOKS, check: bool = False) -> list[Path]:
    """Rewrite (or, with ``check``, only compare) each notebook's key-terms table from the glossary.

    Each notebook is read, its first cell's table replaced and written back at once (the other
    cells are untouched).

    Returns
    -------
    list of Path
        The notebooks whose table differed from the glossary (rewritten unless ``check``).
    """
    terms = glossary()
    changed = []
    for path in numbered_notebooks(notebooks_dir):
        nb = nbformat.read(path, as_version=4)
        first = nb.cells[0]
        new = _with_table(first.source, terms_table(path, terms))
        if new != first.source:
            changed.append(path)
            if not check:
                first.source = new
                nbformat.write(nb, path)
    return changed


def glossary_markdown(terms: pd.DataFrame | None = None) -> str:
    """A bilingual glossary handout (markdown): term, definitions, source and notebooks."""
    terms = glossary() if terms is None else terms
    sources = terms.attrs.get("sources", {})
    lines = ["# Glossary 术语表", "",
             "The key terms of the CRM workbook, in Chinese and English, with the notebooks that use them.", "",
             "| 中文 | English | definition | 定义 | notebooks |", "|---|---|---|---|---|"]
    for t in terms.itertuples():
        lines.append(f"| {_cell_text(t.zh)} | {_cell_text(t.en)} | {_cell_text(t.definition_en)} | "
                     f"{_cell_text(t.definition_zh)} | {', '.join(t.notebooks) or '–'} |")
    lines += ["", "Sources 来源:", ""] + [f"- `{k}`: {v}" for k, v in sources.items()]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- checks


@dataclass(frozen=True)
class CheckResult:
    """What a check says to the student.

    Attributes
    ----------
    exercise
        Exercise id, e.g. ``"03.1"``.
    status
        ``"right"``, ``"not_yet"`` (a wrong answer), ``"blank"`` (nothing written yet) or
        ``"n/a"`` (the exercise does not apply to this dataset).
    message
        The text shown; it never contains the expected value.
    """

    exercise: str
    status: str
    message: str

    @property
    def right(self) -> bool:
        return self.status == "right"

    def __bool__(self) -> bool:
        return self.right

    def __repr__(self) -> str:
        return self.message

    def _repr_markdown_(self) -> str:
        return self.message


_BLANK = "write your answer in the cell above 请在上方单元格作答"


def _finish(exercise: str, status: str, detail: str, hint: str) -> CheckResult:
    prefix = f"**Exercise {exercise}** · " if exercise else ""
    if status == "right":
        message = f"{prefix}✅ Right 正确"
    elif status == "n/a":
        message = f"{prefix}ℹ️ This exercise is written for the simulated Xiaomi data (dataset = \"xiaomi_sim\"); {detail}"
    else:
        message = f"{prefix}✏️ Not yet 还不对 — {detail}" + (f" Hint 提示: {hint}" if hint else "")
    result = CheckResult(exercise, status, message)
    log = os.environ.get(CHECK_LOG_ENV)
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(json.dumps({"exercise": exercise, "status": status}) + "\n")
    return result


def _is_blank(answer: Any) -> bool:
    return answer is None or answer is Ellipsis


def _not_applicable(exercise: str) -> CheckResult:
    return _finish(exercise, "n/a", "there is nothing to check for this dataset.", "")


def _as_float(value: Any) -> float | None:
    if isinstance(value, (bool, str, bytes)) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def check_number(exercise: str, answer: Any, expected: float | None, *, tol: float = 0.01,
                 hint: str = "") -> CheckResult:
    """Check a numeric answer: right when ``|answer − expected| ≤ tol``.

    Parameters
    ----------
    exercise
        Exercise id shown with the result.
    answer
        The student's value (``None`` = not answered yet).
    expected
        The value computed from the run's data; ``None`` when the exercise does not apply to the
        dataset.
    tol
        Absolute tolerance, in the answer's unit (e.g. 0.01 = one percentage point for a share).
    hint
        Shown with "Not yet"; must not contain the answer.

    Returns
    -------
    CheckResult
        Never contains ``expected``. An answer 100 times the expected share gets the note that
        a share is asked for, not a percentage.
    """
    if expected is None:
        return _not_applicable(exercise)
    if _is_blank(answer):
        return _finish(exercise, "blank", _BLANK + ".", hint)
    value = _as_float(answer)
    if value is None:
        return _finish(exercise, "not_yet", f"the answer should be a number, not a {type(answer).__name__}.", hint)
    if math.isnan(value):
        return _finish(exercise, "not_yet", "your answer is NaN (not a number): check the calculation.", hint)
    if abs(value - float(expected)) <= tol:
        return _finish(exercise, "right", "", hint)
    if 0 < abs(float(expected)) <= 1 and abs(value / 100 - float(expected)) <= tol:
        return _finish(exercise, "not_yet", "give a share between 0 and 1, not a percentage.", hint)
    return _finish(exercise, "not_yet", "that is not the value the data give.", hint)


def _norm_text(value: Any) -> str:
    return re.sub(r"\s+", " ", str(value)).strip().casefold()


def check_choice(exercise: str, answer: Any, expected: Any, *, hint: str = "",
                 choices: Sequence[Any] | None = None) -> CheckResult:
    """Check a one-of-several answer (a segment name, a channel, a topic number …).

    Text is compared without regard to case or repeated spaces; numbers by their text
    (``3`` equals ``"3"``). ``choices``, when given, are the options the question lists: an
    answer outside them is told so.
    """
    if expected is None:
        return _not_applicable(exercise)
    if _is_blank(answer) or (isinstance(answer, str) and not answer.strip()):
        return _finish(exercise, "blank", _BLANK + ".", hint)
    if isinstance(answer, float) and answer.is_integer():
        answer = int(answer)
    given = _norm_text(answer)
    if choices is not None and given not in {_norm_text(c) for c in choices}:
        return _finish(exercise, "not_yet", "that is not one of the options the question lists.", hint)
    if given == _norm_text(expected):
        return _finish(exercise, "right", "", hint)
    return _finish(exercise, "not_yet", "that is not the one the data point to.", hint)


def check_set(exercise: str, answer: Any, expected: Iterable[Any] | None, *, hint: str = "") -> CheckResult:
    """Check a set of ids (customer ids, poll ids …); order and repeats do not matter.

    Ids are compared as text. The message says whether ids are missing or do not belong, never
    which ones.
    """
    if expected is None:
        return _not_applicable(exercise)
    if _is_blank(answer):
        return _finish(exercise, "blank", _BLANK + ".", hint)
    if isinstance(answer, (str, bytes)) or not isinstance(answer, Iterable):
        return _finish(exercise, "not_yet", "the answer should be a collection of ids (a set, list or Series).", hint)
    from .largelog import step_bar

    expected = list(expected)
    bar = step_bar(len(expected), f"checking {exercise}", 3)  # sets of millions of ids (a 50M-line log)
    given = {str(v).strip() for v in answer}
    bar.update()
    target = {str(v).strip() for v in expected}
    bar.update()
    same = given == target
    bar.update()
    bar.close()
    if same:
        return _finish(exercise, "right", "", hint)
    parts = []
    if target - given:
        parts.append("some ids are missing")
    if given - target:
        parts.append("some of your ids do not belong")
    return _finish(exercise, "not_yet", " and ".join(parts) + ".", hint)


def check_bool(exercise: str, answer: Any, expected: bool | None, *, hint: str = "") -> CheckResult:
    """Check a yes/no answer given as ``True`` or ``False``."""
    if expected is None:
        return _not_applicable(exercise)
    if _is_blank(answer):
        return _finish(exercise, "blank", _BLANK + ".", hint)
    if not isinstance(answer, bool) and type(answer).__name__ != "bool_":
        return _finish(exercise, "not_yet", "answer True or False.", hint)
    if bool(answer) == bool(expected):
        return _finish(exercise, "right", "", hint)
    return _finish(exercise, "not_yet", "the data say otherwise.", hint)


# --------------------------------------------------------------------------- editions


def _tags(cell: Any) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _teaching(cell: Any) -> dict[str, Any]:
    return dict(cell.get("metadata", {}).get("teaching", {}))


def _assigned(source: str) -> set[str]:
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
                                file=where, row=ex, hint="see helpers/teaching.py for the cell layout")
        q, s, c = cells[EXERCISE_TAG][0], cells[SOLUTION_TAG][0], cells[CHECK_TAG][0]
        if not q < s < c:
            raise DataError(f"exercise {ex}: cells must come in the order exercise → solution → check",
                            file=where, row=ex, hint="move the cells")
        stub = _teaching(nb.cells[s]).get("stub", "")
        variables = _assigned(stub) if stub else set()
        if not variables or not variables <= _assigned(nb.cells[s].source) or not _all_none(stub):
            raise DataError(f"exercise {ex}: the stub {stub!r} must set the solution's answer variable(s) to None",
                            file=where, row=ex, hint="metadata.teaching.stub, e.g. 'share_a = None  # your answer: …'")
        lines = nb.cells[q].source.strip().splitlines()
        rows.append({"exercise": ex, "question": next((x for x in lines if "Exercise" in x), lines[0]),
                     "variables": sorted(variables), "cells": sorted(i for v in cells.values() for i in v)})
    return pd.DataFrame(rows, columns=["exercise", "question", "variables", "cells"])


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
                "a set of ids or True/False, as the comment says), run it, then run the check below it: it says "
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


def instructor_edition(nb: Any, where: str = "notebook") -> Any:
    """The instructor edition of a source notebook: everything, plus a banner; no outputs."""
    exercises = exercises_of(nb, where)
    return _banner(_clean(copy.deepcopy(nb)), "instructor", exercises)


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
    return _banner(out, "student", exercises)


def write_editions(out_dir: str | Path, notebooks_dir: str | Path = NOTEBOOKS,
                   editions: Sequence[str] = EDITIONS) -> dict[str, list[Path]]:
    """Write ``<out_dir>/student/`` and ``<out_dir>/instructor/`` from the numbered notebooks.

    Each edition folder gets every ``NN_*.ipynb`` (transformed), the unnumbered notebooks of
    :data:`EXTRA_NOTEBOOKS` (unchanged) and ``glossary.md``. Notebooks are written without
    outputs and run from their folder (data paths come from :mod:`helpers.paths`).

    Returns
    -------
    dict
        Edition name → written notebook paths, in order.
    """
    makers = {"student": student_edition, "instructor": instructor_edition}
    unknown = set(editions) - set(makers)
    if unknown:
        raise ValueError(f"unknown edition(s) {sorted(unknown)}: choose from {list(makers)}")
    sources = numbered_notebooks(notebooks_dir)
    if not sources:
        raise FileNotFoundError(f"no NN_*.ipynb notebooks in {notebooks_dir}")
    written: dict[str, list[Path]] = {}
    handout = glossary_markdown()
    for edition in editions:
        folder = Path(out_dir) / edition
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for src in sources:
            nb = makers[edition](nbformat.read(src, as_version=4), where=src.name)
            nbformat.write(nb, folder / src.name)
            paths.append(folder / src.name)
        for name in EXTRA_NOTEBOOKS:
            if (Path(notebooks_dir) / name).exists():
                nbformat.write(_clean(nbformat.read(Path(notebooks_dir) / name, as_version=4)), folder / name)
                paths.append(folder / name)
        (folder / "glossary.md").write_text(handout, encoding="utf-8")
        written[edition] = paths
    return written


# --------------------------------------------------------------------------- command line


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m helpers.teaching {editions,sync-terms,glossary}``."""
    parser = argparse.ArgumentParser(prog="python -m helpers.teaching", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    ed = sub.add_parser("editions", help="write student and instructor editions of every numbered notebook")
    ed.add_argument("--out", type=Path, default=PROJECT_ROOT / "editions", help="output folder (default: %(default)s)")
    ed.add_argument("--notebooks", type=Path, default=NOTEBOOKS, help="source notebooks (default: %(default)s)")
    ed.add_argument("--only", choices=EDITIONS, help="write one edition only")
    sy = sub.add_parser("sync-terms", help="rewrite each notebook's key-terms table from helpers/glossary.yml")
    sy.add_argument("--notebooks", type=Path, default=NOTEBOOKS)
    sy.add_argument("--check", action="store_true", help="only report notebooks whose table differs; exit 1 if any")
    sub.add_parser("glossary", help="print the bilingual glossary handout (markdown)")
    args = parser.parse_args(argv)
    try:
        if args.command == "editions":
            written = write_editions(args.out, args.notebooks, (args.only,) if args.only else EDITIONS)
            for edition, paths in written.items():
                print(f"{edition}: {len(paths)} notebooks + glossary.md in {Path(args.out) / edition}")
            return 0
        if args.command == "sync-terms":
            changed = sync_terms(args.notebooks, check=args.check)
            verb = "differs from the glossary" if args.check else "rewritten"
            for path in changed:
                print(f"{path.name}: key-terms table {verb}")
            return 1 if (args.check and changed) else 0
        print(glossary_markdown(), end="")
        return 0
    except (DataError, FileNotFoundError, ValueError) as exc:
        print(f"helpers.teaching: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
