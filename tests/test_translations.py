"""Chinese versions of the notebooks' markdown cells (issue 17: the Chinese report set is Chinese).

The store ``notebooks/locale/zh/<stem>.yml`` maps cell id → {source_sha, zh}. Every markdown cell that
reaches a report must have an up-to-date translation; the replacement, the fallback to English with
a logged problem, and the catalog route for computed sentences (``display(Markdown(tr(...)))`` in a
Chinese kernel) are tried on small real notebooks.
"""

from __future__ import annotations

import logging
import os

import nbformat
import pytest
import yaml
from nbclient import NotebookClient

from helpers import i18n
from helpers.paths import NOTEBOOKS, PROJECT_ROOT
from helpers.report.headings import localise_headings
from helpers.report.layout import LAYOUT_MARK, arrange
from helpers.report.translate import main as translate_main
from helpers.report.translations import (
    ALLOWED_WORDS, TRANSLATED_MARK, chinese_share, check, english_outputs, load_store, parse_sections,
    source_sha, store_path, translate_cells, write_store,
)


def test_every_report_markdown_cell_has_an_up_to_date_translation():
    problems = check("zh")
    assert not problems, "markdown cells without an up-to-date Chinese version " \
        "(write them, then `python -m helpers.report.translate --import STEM FILE`):\n" + \
        "\n".join(str(p) for p in problems)


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("0*.ipynb")), ids=lambda p: p.stem)
def test_stored_translations_are_chinese_and_keep_math_code_and_numbers(path):
    nb = nbformat.read(path, as_version=4)
    cells = {c.id: c.source for c in nb.cells if c.cell_type == "markdown"}
    for cid, entry in load_store(path.stem).items():
        en, zh = cells[cid], entry["zh"]
        prose = "\n".join(line for part in zh.split("```")[0::2] for line in part.splitlines()
                           if not line.lstrip().startswith("|"))  # bilingual glossary tables and code blocks aside
        share = chinese_share(prose)
        assert share.cjk > 0 and share.share > 0.6, (path.stem, cid, share)
        for mark in ("$$", "```", "SIMULATED", "|---|"):
            assert en.count(mark) == zh.count(mark), (path.stem, cid, mark)
        flat = " ".join(zh.split())
        for span in (" ".join(s.split()) for s in en.split("`")[1::2] if s.strip()):
            assert span in flat, (path.stem, cid, span)
        assert en.lstrip().startswith("#") == zh.lstrip().startswith("#"), (path.stem, cid)


# -- a small notebook of our own -----------------------------------------------------------------

def _small_notebook(folder):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# 01 · Acquisition of customer data 客户数据获取\n\nOne dataset comes in."),
        nbformat.v4.new_markdown_cell("## 1 · The bundled data 自带数据\n\nTwo datasets ship with the workbook."),
        nbformat.v4.new_markdown_cell("The first rows as read."),
        nbformat.v4.new_markdown_cell("**Exercise.** Count the rows."),
        nbformat.v4.new_code_cell("x = 1"),
    ]
    nb.cells[3].metadata["tags"] = ["exercise"]
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell{i}"
    path = folder / "01_small.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.fixture()
def small(tmp_path):
    path = _small_notebook(tmp_path)
    locale = tmp_path / "locale"
    write_store("01_small", parse_sections(
        "=== cell0\n# 01 · 客户数据获取\n\n引入一个数据集。\n"
        "=== cell1\n## 1 · 自带数据（xiaomi_sim）\n\n工作簿自带两个数据集。\n"),
        notebooks_dir=tmp_path, locale_dir=locale)
    return path, locale


def test_store_file_is_keyed_by_cell_id_with_the_english_hash(small):
    path, locale = small
    data = yaml.safe_load(store_path("01_small", locale_dir=locale).read_text(encoding="utf-8"))
    nb = nbformat.read(path, as_version=4)
    assert list(data) == ["cell0", "cell1"]
    assert data["cell1"]["source_sha"] == source_sha(nb.cells[1].source)
    assert data["cell1"]["zh"].startswith("## 1 · 自带数据（xiaomi_sim）")


def test_up_to_date_cells_are_replaced_missing_ones_stay_english_and_are_logged(small, caplog):
    path, locale = small
    nb = nbformat.read(path, as_version=4)
    with caplog.at_level(logging.WARNING, logger="helpers.report.translations"):
        nb, problems = translate_cells(nb, "01_small", "zh", locale_dir=locale)
    assert nb.cells[0].source == "# 01 · 客户数据获取\n\n引入一个数据集。"
    assert nb.cells[1].metadata[TRANSLATED_MARK] == "zh"
    assert nb.cells[2].source == "The first rows as read."          # missing: English kept
    assert nb.cells[3].source == "**Exercise.** Count the rows."    # course kit: not in the report
    assert [(p.cell_id, p.kind, p.first_line) for p in problems] == [("cell2", "missing", "The first rows as read.")]
    assert "cell2" in caplog.text and "The first rows as read." in caplog.text


def test_the_report_layouts_own_headings_are_not_reported_as_untranslated(small):
    """arrange() adds "## Summary 摘要" / "## Appendix 附录" cells: no notebook cell, so no stored translation."""
    path, locale = small
    nb = nbformat.read(path, as_version=4)
    nb.cells[2].metadata["tags"] = ["summary"]
    nb, problems = translate_cells(arrange(nb), "01_small", "zh", locale_dir=locale)
    added = [c for c in nb.cells if c.metadata.get(LAYOUT_MARK)]
    assert [c.source for c in added] == ["## Summary 摘要"]
    assert [p.cell_id for p in problems] == ["cell2"]   # the moved English cell is still listed, the heading is not
    localised = localise_headings(nb, "zh")
    assert "## 摘要" in [c.source for c in localised.cells]


def test_a_stale_translation_is_not_used(small):
    path, locale = small
    nb = nbformat.read(path, as_version=4)
    nb.cells[1].source = "## 1 · The bundled data 自带数据\n\nThree datasets ship with the workbook."
    nb, problems = translate_cells(nb, "01_small", "zh", locale_dir=locale)
    assert "Three datasets" in nb.cells[1].source
    assert ("cell1", "stale") in {(p.cell_id, p.kind) for p in problems}


def test_english_reports_are_untouched(small):
    path, locale = small
    nb = nbformat.read(path, as_version=4)
    before = nbformat.writes(nb)
    nb, problems = translate_cells(nb, "01_small", "en", locale_dir=locale)
    assert nbformat.writes(nb) == before and problems == []


def test_translated_headings_stay_as_translated_others_get_their_chinese_part(small):
    path, locale = small
    nb, _ = translate_cells(nbformat.read(path, as_version=4), "01_small", "zh", locale_dir=locale)
    nb.cells[2].source = "## 2 · Acquire the chosen dataset 获取所选数据\n\nText."
    localise_headings(nb, "zh")
    assert nb.cells[1].source.splitlines()[0] == "## 1 · 自带数据（xiaomi_sim）"  # not cut to its Chinese part
    assert nb.cells[2].source.splitlines()[0] == "## 2 · 获取所选数据"


def test_papermill_output_uses_the_store_of_its_input_notebook(small):
    path, locale = small
    nb = nbformat.read(path, as_version=4)
    nb.metadata["papermill"] = {"input_path": str(path)}
    nb, _ = translate_cells(nb, "knowledge_customer_42", "zh", locale_dir=locale)
    assert nb.cells[0].metadata.get(TRANSLATED_MARK) == "zh"


def test_check_lists_notebook_cell_and_first_line_and_orphans(small, tmp_path):
    path, locale = small
    store = store_path("01_small", locale_dir=locale)
    store.write_text(store.read_text(encoding="utf-8")
                     + "gone:\n  source_sha: abc\n  zh: 旧的\n", encoding="utf-8")
    found = {(p.notebook, p.cell_id, p.kind, p.first_line) for p in check("zh", tmp_path, locale)}
    assert found == {("01_small", "cell2", "missing", "The first rows as read."),
                     ("01_small", "gone", "orphan", "(no such cell)")}


def test_check_command_exit_status(capsys):
    assert translate_main(["--check"]) == 0
    assert "0 markdown cell(s)" in capsys.readouterr().out


def test_a_malformed_store_is_refused(tmp_path):
    (tmp_path / "zh").mkdir()
    (tmp_path / "zh" / "01_small.yml").write_text("cell0: 只有文字\n", encoding="utf-8")
    with pytest.raises(ValueError, match="cell0"):
        load_store("01_small", locale_dir=tmp_path)
    (tmp_path / "zh" / "01_small.yml").write_text(
        "cell0: {source_sha: a, zh: 甲}\ncell0: {source_sha: b, zh: 乙}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="duplicate"):
        load_store("01_small", locale_dir=tmp_path)


def test_write_store_refuses_an_unknown_cell(small, tmp_path):
    _, locale = small
    with pytest.raises(ValueError, match="nosuch"):
        write_store("01_small", {"nosuch": "文字"}, notebooks_dir=tmp_path, locale_dir=locale)


# -- computed sentences: the catalog inside a Chinese kernel ----------------------------------------

def test_tr_in_display_markdown_gives_chinese_in_a_zh_kernel_and_english_sentences_are_found():
    key = "Row accounting 行数核对: in = kept + quarantined (difference {diff})"
    assert key in i18n.catalog()
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("from IPython.display import Markdown, display\nfrom helpers import plotting\n"
                                  "from helpers.i18n import tr\nplotting.set_theme(lang='zh')"),
        nbformat.v4.new_code_cell(f"display(Markdown(tr({key!r}, diff=0)))"),
        nbformat.v4.new_code_cell("n = 3\ndisplay(Markdown(f'The largest segment holds {n} customers today.'))"),
    ]
    for i, cell in enumerate(nb.cells):
        cell.id = f"c{i}"
    env_path = os.environ.get("PYTHONPATH", "")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_ROOT), env_path) if p)
    try:
        NotebookClient(nb, timeout=120, kernel_name="python3",
                       resources={"metadata": {"path": str(PROJECT_ROOT)}}).execute()
    finally:
        os.environ["PYTHONPATH"] = env_path
    shown = nb.cells[1].outputs[0]["data"]["text/markdown"]
    assert shown == i18n.catalog()[key].format(diff=0)
    assert english_outputs(nb) == [("c2", "The largest segment holds 3 customers today.")]


def test_chinese_share_counts_prose_not_code_names_or_units():
    text = "客户终身价值 CLV 由 `helpers.clv.score_customers` 计算（Fader 与 Hardie），单位 km。"
    m = chinese_share(text)
    assert m.latin == 0 and m.cjk == len([c for c in text if "\u4e00" <= c <= "\u9fff"])
    m = chinese_share("客户 customers who bought")
    assert (m.cjk, m.latin) == (2, len("customers") + len("bought"))
    assert "simulated" in ALLOWED_WORDS and "customer" not in ALLOWED_WORDS
