"""The course map and the syllabus (course/syllabus.md, course/syllabus.zh.md) it writes.

The syllabus must name every session's notebook and every learning objective id of the course map in
both languages, and be what ``python -m helpers.teaching syllabus`` writes now (so it cannot drift
silently from the notebooks: regenerate it after changing objectives, exercises or teaching notes).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from helpers import teaching

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SYLLABI = {"en": ROOT / "course" / "syllabus.md", "zh": ROOT / "course" / "syllabus.zh.md"}
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def course_objectives():
    numbers = sorted({p.notebook for s in teaching.SESSIONS for p in s.parts})
    return {lang: {n: teaching.objectives(n, lang) for n in numbers} for lang in ("en", "zh")}


def test_the_course_map_has_six_sessions_over_every_numbered_notebook():
    assert [s.number for s in teaching.SESSIONS] == list(range(6))
    taught = {p.notebook for s in teaching.SESSIONS for p in s.parts}
    assert taught == {p.name[:2] for p in NOTEBOOKS}


def test_objectives_are_read_from_every_notebook_in_both_languages(course_objectives):
    for number, en in course_objectives["en"].items():
        zh = course_objectives["zh"][number]
        intro = next(c for c in nbformat.read(next(p for p in NOTEBOOKS if p.name[:2] == number), 4).cells
                     if "appendix" in c.metadata.get("tags", []))
        listed = re.findall(r"^(\d+)\. ", intro.source.split("Learning objectives")[1].split("| 中文")[0], re.M)
        assert list(en["number"]) == [int(n) for n in listed] and len(en) >= 4, number
        assert list(zh["id"]) == list(en["id"]), number
        assert all(HAN.search(t) for t in zh["text"])


def test_every_exercise_belongs_to_exactly_one_session():
    taken = [e for s in teaching.SESSIONS for e in teaching.session_exercises(s)["exercise"]]
    every = [e for p in NOTEBOOKS for e in teaching.exercises_of(nbformat.read(p, 4), p.name)["exercise"]]
    assert sorted(taken) == sorted(every)
    first = teaching.session_exercises(teaching.SESSIONS[0])
    assert (first["minutes"] > 0).all(), "every exercise's minutes come from its teaching note"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_syllabus_names_every_notebook_and_objective(lang, course_objectives):
    text = SYLLABI[lang].read_text(encoding="utf-8")
    sessions = re.split(r"^## ", text, flags=re.M)[1:1 + len(teaching.SESSIONS)]
    assert len(sessions) == len(teaching.SESSIONS)
    for session, block in zip(teaching.SESSIONS, sessions):
        for part in session.parts:
            name = next(p.name for p in NOTEBOOKS if p.name[:2] == part.notebook)
            assert f"`{name}`" in block, (lang, session.number, name)
            objs = course_objectives[lang][part.notebook]
            wanted = objs if part.objectives is None else objs[objs["number"].isin(part.objectives)]
            for row in wanted.itertuples():
                assert f"**{row.id}** {row.text}" in block, (lang, row.id)
        assert re.search(r"\*\*(total|合计) \d+\*\*", block)
    every = {i for objs in course_objectives[lang].values() for i in objs["id"]}
    assert every <= set(re.findall(r"\*\*(LO\d\d\.\d+)\*\*", text))
    if lang == "zh":
        prose = re.sub(r"\[[^\]]*\]\([^)]*\)|`[^`]*`|^- .*↗.*$", "", text, flags=re.M)  # readings stay as published
        assert len(HAN.findall(prose)) > len(re.findall(r"[A-Za-z]", prose)) / 2


def test_syllabus_is_what_the_course_map_writes_now(tmp_path):
    assert teaching.write_syllabus(ROOT / "course", check=True) == [], \
        "course/syllabus*.md drifted: run python -m helpers.teaching syllabus"
    assert teaching.main(["syllabus", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "syllabus.md").read_text(encoding="utf-8") == SYLLABI["en"].read_text(encoding="utf-8")
    assert teaching.main(["syllabus", "--out", str(tmp_path / "empty"), "--check"]) == 1
