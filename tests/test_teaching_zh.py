"""The Chinese editions (中文版): prose, teaching notes and banner in Chinese, labels through ``lang = "zh"``.

The editions are written once (zh only, a few seconds) to a temporary folder; no notebook is run here
(the English editions' nbval run in ``tests/test_teaching.py`` runs the same code cells).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from helpers import teaching
from helpers.report.translations import chinese_share

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def zh_editions(tmp_path_factory) -> dict[str, list[Path]]:
    return teaching.write_editions(tmp_path_factory.mktemp("editions"), langs=("zh",))


def _tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def test_zh_editions_are_written_beside_the_english_ones(zh_editions, tmp_path):
    assert set(zh_editions) == {"zh/student", "zh/instructor"}
    for key, paths in zh_editions.items():
        edition = key.split("/")[1]
        assert {p.parent for p in paths} == {teaching.edition_folder(paths[0].parents[2], edition, "zh")}
        assert [p.name for p in paths if p.name[:2].isdigit()] == [p.name for p in NOTEBOOKS]
        handout = (paths[0].parent / "glossary.md").read_text(encoding="utf-8")
        assert handout.startswith("# 术语表") and handout.count("\n| ") >= len(teaching.glossary())
    with pytest.raises(ValueError, match="language"):
        teaching.write_editions(tmp_path, langs=("fr",))


def test_every_markdown_cell_of_a_zh_edition_reads_as_chinese(zh_editions):
    """Prose, questions, teaching notes and banner: CJK ≥ ZH_MIN_SHARE of each cell's prose letters."""
    seen_notes = 0
    for key, paths in zh_editions.items():
        for path in paths:
            nb = nbformat.read(path, as_version=4)
            assert teaching.english_cells(nb) == [], f"{key}/{path.name}: cells still English"
            seen_notes += sum("teaching-note" in _tags(c) for c in nb.cells)
            for cell in nb.cells:
                if cell.cell_type == "markdown":
                    assert HAN.search(cell.source), f"{key}/{path.name}: a markdown cell without Chinese"
    assert seen_notes >= len(NOTEBOOKS), "the instructor edition's teaching notes are there, in Chinese"


def test_english_cells_finds_an_untranslated_cell(zh_editions):
    """The measure can fail: an English cell (say, a note added without its translation) is reported."""
    nb = nbformat.read(zh_editions["zh/instructor"][3], as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("**Teaching note** (10 min). Ask students why the segment "
                                                  "with the highest mean value should get the meet-up seats."))
    assert [i for i, _, _ in teaching.english_cells(nb)] == [len(nb.cells) - 1]
    # glossary terms and code stay allowed in Chinese prose
    assert chinese_share("客户终身价值（customer lifetime value）用 `clv.fit_models` 计算。",
                         teaching.chinese.glossary_words()).share >= teaching.ZH_MIN_SHARE


def test_zh_banner_lists_the_exercises_in_chinese_and_parameters_say_zh(zh_editions):
    for key, paths in zh_editions.items():
        edition = key.split("/")[1]
        for path, source in zip(paths, NOTEBOOKS):
            nb = nbformat.read(path, as_version=4)
            src = nbformat.read(source, as_version=4)
            banner = nb.cells[1]
            assert f"{edition}-banner" in _tags(banner) and banner.source.startswith("> **")
            ids = list(teaching.exercises_of(src, source.name)["exercise"])
            listed = [line for line in banner.source.splitlines() if line.startswith("- ")]
            assert len(listed) == len(ids) and all(i in line for i, line in zip(ids, listed))
            assert all(HAN.search(line) for line in listed)
            params = next(c for c in nb.cells if "parameters" in _tags(c))
            if re.search(r'^lang\s*=', next(c for c in src.cells if "parameters" in _tags(c)).source, re.M):
                assert re.search(r'^lang\s*=\s*"zh"', params.source, re.M), f"{key}/{path.name}"
            # the code is the English edition's: only the parameters cell's language differs
            maker = teaching.student_edition if edition == "student" else teaching.instructor_edition
            english = maker(src, source.name)
            assert [c.source for c in english.cells if c.cell_type == "code" and "parameters" not in _tags(c)] == \
                [c.source for c in nb.cells if c.cell_type == "code" and "parameters" not in _tags(c)]
