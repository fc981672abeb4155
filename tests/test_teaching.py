"""The course kit: one glossary, self-checking exercises, student and instructor editions.

The last test writes both editions of every numbered notebook to a temporary folder and runs
them under nbval in order (01 acquires, 02 cleans, 03 segments …), with the data folders and the
check log redirected there: the student edition, its answers blank, must run to the end with
every check saying "not yet"; the instructor edition must say "right" everywhere. The instructor
edition carries the source notebooks' code unchanged, so this run is also the suite's nbval run
of the numbered notebooks (see pyproject.toml: testpaths).
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import report, teaching
from helpers.errors import DataError
from helpers.notebooks import intro_cell

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
HAN = re.compile(r"[\u4e00-\u9fff]")


def _nb(path: Path):
    return nbformat.read(path, as_version=4)


def _tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


# --------------------------------------------------------------------------- glossary


def test_glossary_is_well_formed():
    g = teaching.glossary()
    assert len(g) >= 60
    for column in ("id", "zh", "en"):
        assert g[column].is_unique, column
    assert g["id"].str.fullmatch(r"[a-z][a-z0-9_]*").all()
    assert g["zh"].map(lambda s: bool(HAN.search(s))).all(), "every term needs Chinese"
    assert not g["en"].map(lambda s: bool(HAN.search(s))).any(), "English names must not contain Chinese"
    assert g["definition_zh"].map(lambda s: bool(HAN.search(s)) and s.endswith("。")).all()
    assert g["definition_en"].map(lambda s: len(HAN.findall(s)) < 0.2 * len(s)).all(), "English definitions in English"
    assert g["definition_en"].str.endswith(".").all()
    assert set(g["source"]) <= set(g.attrs["sources"])
    used = {n for ns in g["notebooks"] for n in ns}
    assert {teaching.notebook_number(p) for p in NOTEBOOKS} <= used, "a notebook lists no glossary term"


def test_glossary_covers_the_seed_terms():
    zh = set(teaching.glossary()["zh"])
    for term in ("客户识别", "客户区分", "客户互动", "客户知识管理", "客户终身价值", "小米社区", "同城会",
                 "显性知识", "隐性知识", "获取", "整合", "共享", "运用", "客户个人知识报告", "物质激励"):
        assert term in zh, term


def test_glossary_rejects_duplicates_and_unknown_sources(tmp_path):
    term = {"id": "a", "zh": "客户", "en": "customer", "definition_en": "x.", "definition_zh": "x。",
            "source": "s", "notebooks": ["01"]}
    path = tmp_path / "g.yml"
    path.write_text(json.dumps({"sources": {"s": "S"}, "terms": [term, {**term, "zh": "别的"}]}), encoding="utf-8")
    with pytest.raises(DataError, match="duplicate id"):
        teaching.glossary(path)
    path.write_text(json.dumps({"sources": {}, "terms": [term]}), encoding="utf-8")
    with pytest.raises(DataError, match="source"):
        teaching.glossary(path)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_key_terms_table_is_generated_from_the_glossary(path: Path):
    first = intro_cell(_nb(path)).source
    assert teaching.TERMS_HEADER + "\n" + teaching.TERMS_RULE in first
    g = teaching.glossary()
    known = set(zip(g["zh"], g["en"]))
    rows = teaching.table_rows(first)
    unknown = [r for r in rows if r not in known]
    assert not unknown, f"{path.name} lists terms the glossary lacks: {unknown} (add them to helpers/glossary.yml)"
    assert teaching.terms_table(path) in first, (
        f"{path.name}: the key-terms table drifted from helpers/glossary.yml; run `python -m helpers.teaching sync-terms`")


def test_sync_terms_rewrites_a_drifted_table(tmp_path):
    nb = _nb(NOTEBOOKS[0])
    intro = intro_cell(nb)
    intro.source = intro.source.replace(teaching.TERMS_RULE, teaching.TERMS_RULE + "\n| 假词 | fake term |")
    nbformat.write(nb, tmp_path / NOTEBOOKS[0].name)
    assert teaching.sync_terms(tmp_path, check=True) == [tmp_path / NOTEBOOKS[0].name]
    teaching.sync_terms(tmp_path)
    assert teaching.sync_terms(tmp_path, check=True) == []
    assert "假词" not in intro_cell(_nb(tmp_path / NOTEBOOKS[0].name)).source
    assert teaching.main(["sync-terms", "--check"]) == 0


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_learning_objectives_say_what_the_student_can_do(path: Path):
    first = intro_cell(_nb(path)).source
    objectives = re.findall(r"^\d+\.\s+(\S+)", first.split("**Learning objectives**")[1], flags=re.M)
    assert len(objectives) >= 3
    vague = [o for o in objectives if o.lower() in {"understand", "know", "learn", "appreciate", "see"}]
    assert not vague, f"{path.name}: objectives should name an action a student can show, not {vague}"


# --------------------------------------------------------------------------- checks


def test_checks_say_right_not_yet_blank_and_not_applicable():
    assert teaching.check_number("e", 0.5, 0.504, tol=0.005).status == "right"
    assert teaching.check_number("e", 0.6, 0.5, hint="look again").status == "not_yet"
    blank = teaching.check_number("e", None, 0.5, hint="sum the revenue")
    assert blank.status == "blank" and "Not yet" in repr(blank) and "write your answer" in repr(blank)
    assert "sum the revenue" in repr(blank)
    assert teaching.check_number("e", 50, 0.5).status == "not_yet"
    assert "percentage" in repr(teaching.check_number("e", 50, 0.5))
    assert "number" in repr(teaching.check_number("e", "0.5", 0.5))
    assert teaching.check_number("e", 0.5, None).status == "n/a"
    assert teaching.check_choice("e", " Champions ", "champions").right
    assert teaching.check_choice("e", 3, "3").right
    assert not teaching.check_choice("e", "maybe", "more", choices=["more", "fewer"])
    assert teaching.check_set("e", ["2", 1, 1], {"1", "2"}).right
    assert teaching.check_set("e", None, {"1"}).status == "blank"
    assert teaching.check_bool("e", False, False).right
    assert teaching.check_bool("e", "yes", True).status == "not_yet"
    right = teaching.check_bool("e", True, True)
    assert "Right" in right._repr_markdown_() and "正确" in repr(right)


def test_check_log_records_status_but_never_the_answer(tmp_path, monkeypatch):
    log = tmp_path / "checks.jsonl"
    monkeypatch.setenv(teaching.CHECK_LOG_ENV, str(log))
    teaching.check_number("07.1", 0.3, 0.2234567)
    teaching.check_number("07.1", None, 0.2234567)
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [r["status"] for r in records] == ["not_yet", "blank"]
    assert "2234" not in log.read_text(encoding="utf-8")


def _renderings(x: float) -> set[str]:
    forms = {repr(x), f"{x:.2f}", f"{x:.3f}", f"{x:.1%}", f"{x:.0%}", f"{x * 100:.1f}", f"{x:g}"}
    return {f for f in forms if len(f) >= 3}


HINT = "compare the right columns of the table"


@settings(max_examples=200, deadline=None)
@given(expected=st.floats(0.01, 0.99), answer=st.one_of(st.none(), st.floats(-5, 5), st.text(max_size=5)))
def test_check_number_never_shows_the_expected_value(expected, answer):
    result = teaching.check_number("ex", answer, expected, tol=0.001, hint=HINT)
    shown = repr(result) + result._repr_markdown_()
    assert not any(form in shown for form in _renderings(expected)), shown
    assert result.status in {"right", "not_yet", "blank"}


@settings(max_examples=200, deadline=None)
@given(expected=st.floats(-1e6, 1e6, allow_nan=False), delta=st.floats(0, 2))
def test_check_number_applies_the_tolerance(expected, delta):
    tol = 1.0
    assert teaching.check_number("ex", expected + delta * 0.99 * tol / 2, expected, tol=tol).right
    if delta > 1.01:
        assert not teaching.check_number("ex", expected + delta * tol, expected, tol=tol).right


ids = st.sets(st.from_regex(r"C[0-9]{5}", fullmatch=True), min_size=1, max_size=20)


@settings(max_examples=200, deadline=None)
@given(expected=ids, answer=st.one_of(st.none(), ids))
def test_check_set_never_lists_ids(expected, answer):
    result = teaching.check_set("ex", answer, expected, hint=HINT)
    shown = repr(result)
    assert not any(i in shown for i in expected | (answer or set()))
    assert result.right == (answer == expected)


@settings(max_examples=200, deadline=None)
@given(expected=st.from_regex(r"seg_[a-z]{4}", fullmatch=True), answer=st.from_regex(r"seg_[a-z]{4}", fullmatch=True))
def test_check_choice_and_bool_never_show_the_expected_value(expected, answer):
    result = teaching.check_choice("ex", answer, expected, hint=HINT)
    assert expected not in repr(result)
    assert result.right == (answer == expected)
    assert "True" not in repr(teaching.check_bool("ex", False, True, hint=HINT))


# --------------------------------------------------------------------------- exercises in the notebooks


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_each_notebook_has_two_to_six_well_formed_exercises(path: Path):
    nb = _nb(path)
    exercises = teaching.exercises_of(nb, path.name)
    assert 2 <= len(exercises) <= 6, f"{path.name} has {len(exercises)} exercises"
    number = teaching.notebook_number(path)
    assert exercises["exercise"].str.startswith(number + ".").all()
    for cell in nb.cells:
        tags = _tags(cell)
        if "exercise" in tags:
            assert HAN.search(cell.source), "the question should carry the key Chinese term"
        if "check" in tags:
            assert cell.source.startswith("exercises.check("), (
                "a check is one call of exercises.check: the expected value is computed inside, never shown")
            tree = ast.parse(cell.source)
            tols = {id(k.value) for k in ast.walk(tree) if isinstance(k, ast.keyword) and k.arg == "tol"}
            typed = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and id(n) not in tols
                     and isinstance(n.value, float) and len(repr(n.value).split(".")[1]) >= 2]
            assert not typed, f"expected values are computed, never typed in: {typed}"
        if "solution" in tags:
            assert "# ✏️ Exercise" in cell.metadata["teaching"]["stub"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_solutions_define_nothing_later_cells_need(path: Path):
    """The PDF report drops solution cells and the student edition blanks them: nothing else may use them."""
    cells = _nb(path).cells
    for i, cell in enumerate(cells):
        if "solution" not in _tags(cell):
            continue
        defined = teaching.defined_names(cell.source)
        for later in cells[i + 1:]:
            if later.cell_type != "code" or _tags(later) & teaching.COURSE_TAGS:
                continue
            used = {n.id for n in ast.walk(ast.parse(later.source)) if isinstance(n, ast.Name)}
            assert not defined & used, f"{path.name}: solution cell {i} sets {defined & used}, used later"


# --------------------------------------------------------------------------- editions


@pytest.fixture(scope="module")
def editions(tmp_path_factory) -> dict[str, list[Path]]:
    return teaching.write_editions(tmp_path_factory.mktemp("editions"))


def test_editions_have_the_expected_cells(editions):
    assert [p.name for p in editions["student"]] == [p.name for p in editions["instructor"]]
    for source in NOTEBOOKS:
        src = _nb(source)
        exercises = teaching.exercises_of(src, source.name)
        student = _nb(next(p for p in editions["student"] if p.name == source.name))
        instructor = _nb(next(p for p in editions["instructor"] if p.name == source.name))
        for nb, edition in ((student, "student"), (instructor, "instructor")):
            assert nb.cells[0].source == src.cells[0].source
            assert f"{edition}-banner" in _tags(nb.cells[1])
            code = [c for c in nb.cells if c.cell_type == "code"]
            assert "parameters" in _tags(code[0])
            assert all(not c.outputs and c.execution_count is None for c in code)
            assert len({c["id"] for c in nb.cells}) == len(nb.cells)
            assert sum("check" in _tags(c) for c in nb.cells) == len(exercises)
            assert sum("exercise" in _tags(c) for c in nb.cells) == len(exercises)
            assert all(len(c.source.strip().splitlines()) <= 15 for c in code  # the student's own functions may be longer
                       if not _tags(c) & {"solution", "answer"})
        assert not [c for c in student.cells if _tags(c) & {"solution", "teaching-note"}]
        answers = [c for c in student.cells if "answer" in _tags(c)]
        stubs = [c.metadata["teaching"]["stub"] for c in src.cells if "solution" in _tags(c)]
        assert [c.source for c in answers] == stubs
        assert sum("solution" in _tags(c) for c in instructor.cells) == len(exercises)
        assert sum("teaching-note" in _tags(c) for c in instructor.cells) >= len(exercises)
        assert len(instructor.cells) == len(src.cells) + 1
    folder = editions["student"][0].parent
    assert (folder / "glossary.md").read_text(encoding="utf-8").count("\n| ") >= len(teaching.glossary())


def test_editions_command(tmp_path, capsys):
    assert teaching.main(["editions", "--out", str(tmp_path), "--only", "student"]) == 0
    assert "student" in capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "student").glob("[0-9][0-9]_*.ipynb")) == [p.name for p in NOTEBOOKS]
    assert not (tmp_path / "instructor").exists()


def test_broken_exercise_structure_is_refused():
    nb = _nb(NOTEBOOKS[2])
    nb.cells = [c for c in nb.cells if "check" not in _tags(c)]
    with pytest.raises(DataError, match="check"):
        teaching.student_edition(nb, "03")


def test_report_drops_course_cells(tmp_path):
    assert report.COURSE_TAGS == teaching.COURSE_TAGS
    nb = nbformat.v4.new_notebook()
    question = nbformat.v4.new_markdown_cell("### Exercise QQQ-QUESTION")
    question.metadata["tags"] = ["exercise"]
    check = nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output(
        "display_data", data={"text/markdown": "Not yet CHECK-OUTPUT"})])
    check.metadata["tags"] = ["check"]
    nb.cells = [nbformat.v4.new_markdown_cell("# Kept heading"), question, check]
    nbformat.write(nb, tmp_path / "x.ipynb")
    html = report.notebook_to_html(tmp_path / "x.ipynb", tmp_path / "x.html").read_text(encoding="utf-8")
    assert "Kept heading" in html and "QQQ-QUESTION" not in html and "CHECK-OUTPUT" not in html


# --------------------------------------------------------------------------- both editions, run


@pytest.fixture(scope="module")
def edition_runs(editions, tmp_path_factory):
    """Both editions under nbval, started together (two kernels on two cores; each in its own data folders):
    edition → ``(returncode, stdout, stderr, checks log)``."""
    started = {}
    for edition in teaching.EDITIONS:
        folder, tmp = editions[edition][0].parent, tmp_path_factory.mktemp(f"nbval-{edition}")
        log = tmp / "checks.jsonl"
        env = {**os.environ, "CRM_INTERIM_DIR": str(tmp / "interim"), "CRM_PROCESSED_DIR": str(tmp / "processed"),
               "CRM_REPORTS_DIR": str(tmp / "reports"), teaching.CHECK_LOG_ENV: str(log)}
        started[edition] = (subprocess.Popen(
            [sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env", "-p", "no:cacheprovider", "-q",
             "-x", "--rootdir", str(folder), str(folder)], cwd=folder, env=env, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True), log)
    runs = {}
    for edition, (proc, log) in started.items():
        out, err = proc.communicate(timeout=1200)
        runs[edition] = (proc.returncode, out, err, log)
    return runs


@pytest.mark.parametrize("edition", teaching.EDITIONS)
def test_edition_runs_under_nbval_and_checks_answer(edition, edition_runs):
    code, out, err, log = edition_runs[edition]
    assert code == 0, f"{edition} edition failed under nbval:\n{out[-4000:]}\n{err[-2000:]}"
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    checked = {r["exercise"] for r in records}
    expected_ids = {e for p in NOTEBOOKS for e in teaching.exercises_of(_nb(p), p.name)["exercise"]}
    assert checked == expected_ids, f"checks that never ran: {expected_ids - checked}"
    statuses = {r["status"] for r in records}
    assert statuses == ({"blank"} if edition == "student" else {"right"}), records


# --------------------------------------------------------------------------- write-it-yourself exercises, banner, zh


def test_banner_lists_the_exercises_not_the_section_heading(editions):
    for edition in ("student", "instructor", "zh/student", "zh/instructor"):
        for path in editions[edition]:
            if not path.name[:2].isdigit():
                continue
            banner = _nb(path).cells[1].source
            items = [line[2:] for line in banner.splitlines() if line.startswith("- ")]
            ids = list(teaching.exercises_of(_nb(ROOT / "notebooks" / path.name), path.name)["exercise"])
            assert len(items) == len(ids), (edition, path.name, items)
            word = "练习" if edition.startswith("zh") else "Exercise"
            assert all(re.match(rf"✏️ {word} {re.escape(i)} · \S", item) for i, item in zip(ids, items)), items
            assert not any(item.startswith("Exercises") for item in items)


def test_function_stubs_are_accepted_and_a_stub_that_answers_is_refused():
    nb = nbformat.v4.new_notebook()
    question = nbformat.v4.new_markdown_cell("### ✏️ Exercise 09.1 · Write it yourself 练习")
    solution = nbformat.v4.new_code_cell("def f(x):\n    return x + 1")
    check = nbformat.v4.new_code_cell('exercises.check("09.1", f, x=1)')
    for cell, tag in ((question, "exercise"), (solution, "solution"), (check, "check")):
        cell.metadata.update({"tags": [tag], "teaching": {"exercise": "09.1"}})
    nb.cells = [question, solution, check]
    for stub in ('def f(x):\n    """Add one."""\n    raise NotImplementedError', "def f(x):\n    ...",
                 "import numpy as np\n\n\ndef f(x):\n    pass"):
        solution.metadata["teaching"]["stub"] = stub
        found = teaching.exercises_of(nb, "09")
        assert found["variables"].iloc[0] == ["f"] and found["question"].iloc[0].startswith("✏️ Exercise 09.1")
        student = teaching.student_edition(nb, "09")
        assert student.cells[2].source == stub
        instructor = teaching.instructor_edition(nb, "09")
        assert instructor.cells[2].source == f"{stub}\n### BEGIN SOLUTION\ndef f(x):\n    return x + 1\n### END SOLUTION"
    for stub in ("def f(x):\n    return x + 1", "def g(x):\n    ...", "f = 1"):
        solution.metadata["teaching"]["stub"] = stub
        with pytest.raises(DataError, match="stub"):
            teaching.exercises_of(nb, "09")


def test_zh_editions_run_in_chinese_with_chinese_exercise_texts(editions):
    translated = total = 0
    for path in editions["zh/student"]:
        if not path.name[:2].isdigit():
            continue
        nb = _nb(path)
        params = next(c for c in nb.cells if "parameters" in _tags(c)).source
        assert re.search(r'^lang = "zh"', params, flags=re.M), path.name
        for cell in nb.cells:
            if "exercise" in _tags(cell):
                total += 1
                text = re.sub(r"`[^`]*`|\$[^$]*\$", "", cell.source)
                translated += len(HAN.findall(text)) >= len(re.findall(r"[A-Za-z]", text))  # Chinese, English names allowed
    assert total >= 27 and translated == total, f"{translated} of {total} exercise texts are Chinese"
    en = _nb(editions["student"][0])
    assert re.search(r'^lang = "en"', next(c for c in en.cells if "parameters" in _tags(c)).source, flags=re.M)
