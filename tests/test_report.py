"""Tests for :mod:`helpers.report`: papermill runs, failure reporting, the CLI and the PDF route.

The PDF tests build tiny notebooks in ``tmp_path``, run them for real (papermill + ipykernel),
print them with headless Chromium and read the PDF back (pypdf, and pdftotext when present).
They skip only where Chromium is missing *and* ``CI`` is not ``"true"``; in CI they always run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from pypdf import PdfReader

from helpers import report
from helpers.report import (
    NotebookResult,
    build_reports,
    find_chromium,
    find_notebooks,
    main,
    parse_parameter_value,
    run_notebook,
)

# --------------------------------------------------------------------------- fixtures & helpers

ENGLISH_HEADING = "Customer identification"
CHINESE_HEADING = "客户识别"
TABLE_VALUE = "Zebra4217"
TABLE_COLUMN = "segment_label"
CODE_MARKER = "secret_code_marker"
HIDDEN_OUTPUT = "hidden_output_marker_9931"
PARAM_VALUE = "Walrus-2718"


def _chromium_available() -> bool:
    try:
        find_chromium()
    except RuntimeError:
        return False
    return True


needs_chromium = pytest.mark.skipif(
    not _chromium_available() and os.environ.get("CI", "").lower() != "true",
    reason=(
        "headless Chromium not installed (apt-get install -y --no-install-recommends chromium "
        "fonts-noto-cjk libjs-mathjax poppler-utils); in CI (CI=true) this test never skips"
    ),
)


def _write_notebook(path: Path, cells: list) -> Path:
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def _params_cell(source: str):
    return new_code_cell(source, metadata={"tags": ["parameters"]})


def _demo_notebook(path: Path) -> Path:
    """English + Chinese markdown, LaTeX, a DataFrame, a CJK-titled figure, hidden code."""
    return _write_notebook(path, [
        _params_cell('run_label = "default-label"'),
        new_markdown_cell(
            "# Demo report\n\n"
            f"## {CHINESE_HEADING} {ENGLISH_HEADING}\n\n"
            "Customer lifetime value:\n\n"
            "$$CLV = \\sum_t m/(1+d)^t$$\n"
        ),
        new_code_cell(
            "import pandas as pd\n"
            "from IPython.display import display\n"
            f"{CODE_MARKER} = 1\n"
            f"df = pd.DataFrame({{'{TABLE_COLUMN}': ['{TABLE_VALUE}', 'Quokka'], 'clv': [123.45, 67.8]}})\n"
            "display(df)"
        ),
        new_code_cell(
            "import matplotlib.pyplot as plt\n"
            "plt.rcParams['font.family'] = ['DejaVu Sans', 'Noto Sans CJK SC']\n"
            "plt.rcParams['axes.unicode_minus'] = False\n"
            "fig, ax = plt.subplots(figsize=(5, 3))\n"
            "ax.bar(['A', 'B'], [3, 5])\n"
            "ax.set_title('客户价值 Customer value')\n"
            "plt.show()"
        ),
        new_code_cell("print('PARAM=' + run_label)"),
        new_code_cell(f"print('{HIDDEN_OUTPUT}')", metadata={"tags": ["remove-output"]}),
    ])


def _pdf_text(pdf: Path) -> str:
    """Text of every page via pypdf, plus pdftotext's reading when poppler-utils is there."""
    text = "\n".join(page.extract_text() or "" for page in PdfReader(pdf).pages)
    if shutil.which("pdftotext"):
        text += "\n" + subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
    return text


def _outputs_text(executed: Path) -> str:
    nb = nbformat.read(executed, as_version=4)
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", ""))
            parts.append(str(out.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


@pytest.fixture(scope="module")
def demo_build(tmp_path_factory) -> tuple[list[NotebookResult], Path]:
    """One real build of the demo notebook (executed once, shared by the PDF tests)."""
    return _build_one(tmp_path_factory, "demo", _demo_notebook, "01_demo.ipynb", {"run_label": PARAM_VALUE})


def _build_one(tmp_path_factory, name: str, write, file_name: str, parameters: dict) -> tuple[list[NotebookResult], Path]:
    """Write one notebook with ``write`` into a fresh folder and build its report for real."""
    if not _chromium_available() and os.environ.get("CI", "").lower() != "true":
        pytest.skip("headless Chromium not installed")
    root = tmp_path_factory.mktemp(name)
    write(root / "notebooks" / file_name)
    return build_reports(root / "notebooks", root / "reports", parameters, progress=False), root


@pytest.fixture(scope="module")
def failing_build(tmp_path_factory) -> tuple[list[NotebookResult], Path]:
    """01 raises in its 3rd cell (after a parameters cell); 02 is fine."""
    if not _chromium_available() and os.environ.get("CI", "").lower() != "true":
        pytest.skip("headless Chromium not installed")
    root = tmp_path_factory.mktemp("failing")
    _write_failing_pair(root / "notebooks")
    results = build_reports(root / "notebooks", root / "reports", {"threshold": 3}, progress=False)
    return results, root


def _write_failing_pair(folder: Path) -> None:
    _write_notebook(folder / "01_breaks.ipynb", [
        _params_cell("threshold = 1"),
        new_markdown_cell("# This notebook breaks"),
        new_code_cell("total = threshold * 2\nraise ValueError(f'boom in cell three: {total}')"),
        new_code_cell("print('never reached')"),
    ])
    _write_notebook(folder / "02_fine.ipynb", [
        new_markdown_cell("# Still here"),
        new_code_cell("print('second notebook ran with threshold', threshold)"),
    ])


# --------------------------------------------------------------------------- PDF route


@needs_chromium
def test_demo_pdf_is_a4_and_carries_headings_table_and_figure(demo_build):
    results, root = demo_build
    [result] = results
    assert result.ok, result.error
    assert result.pdf_path == (root / "reports" / "01_demo.pdf").resolve()
    assert result.pdf_path.stat().st_size > 1000
    assert result.html_path is not None and result.html_path.exists()
    assert result.pdf_seconds is not None and result.pdf_seconds > 0

    reader = PdfReader(result.pdf_path)
    for page in reader.pages:
        box = page.mediabox
        assert float(box.width) == pytest.approx(595, abs=1.5)
        assert float(box.height) == pytest.approx(842, abs=1.5)

    text = _pdf_text(result.pdf_path)
    assert ENGLISH_HEADING in text
    assert CHINESE_HEADING in text
    assert TABLE_VALUE in text
    assert TABLE_COLUMN in text
    assert "123.45" in text
    assert len([img for page in reader.pages for img in page.images]) >= 1


@needs_chromium
def test_demo_pdf_hides_code_and_remove_output_cells(demo_build):
    results, _ = demo_build
    text = _pdf_text(results[0].pdf_path)
    assert CODE_MARKER not in text
    assert "import " not in text
    assert "plt.subplots" not in text
    assert HIDDEN_OUTPUT not in text
    assert "In [" not in text and "Out[" not in text


@needs_chromium
def test_demo_html_is_offline_and_uses_local_mathjax(demo_build):
    results, _ = demo_build
    html = results[0].html_path.read_text(encoding="utf-8")
    assert report.MATHJAX_URL.split("?")[0] in html
    assert "cdnjs.cloudflare.com/ajax/libs/mathjax" not in html
    assert "require.min.js" not in html
    assert "Noto Sans CJK SC" in html and "size: A4" in html


@needs_chromium
def test_parameter_reaches_notebook_output_and_pdf(demo_build):
    results, _ = demo_build
    result = results[0]
    executed = nbformat.read(result.executed_path, as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and PARAM_VALUE in injected[0].source
    assert f"PARAM={PARAM_VALUE}" in _outputs_text(result.executed_path)
    assert f"PARAM={PARAM_VALUE}" in _pdf_text(result.pdf_path)


@needs_chromium
def test_failing_notebook_reports_cell_and_others_still_build(failing_build):
    results, root = failing_build
    assert [r.notebook.name for r in results] == ["01_breaks.ipynb", "02_fine.ipynb"]
    broken, fine = results

    assert broken.ok is False
    cell = broken.failing_cell
    assert cell is not None
    assert cell.index == 2 and cell.number == 3  # the parameters cell injected by papermill is not counted
    assert cell.first_line == "total = threshold * 2"
    assert cell.ename == "ValueError"
    assert cell.evalue == "boom in cell three: 6"  # the injected threshold=3 was used
    assert broken.error == "ValueError: boom in cell three: 6"
    assert "01_breaks.ipynb failed in cell 3: total = threshold * 2: ValueError" in broken.describe_failure()
    # the executed copy (with the traceback) and a PDF of it are still written
    assert broken.executed_path == (root / "reports" / "01_breaks.ipynb").resolve()
    assert broken.pdf_path is not None and broken.pdf_path.exists()
    assert "ValueError" in _pdf_text(broken.pdf_path)

    assert fine.ok, fine.error
    assert fine.failing_cell is None
    assert fine.pdf_path is not None and fine.pdf_path.exists()
    assert "second notebook ran with threshold 3" in _pdf_text(fine.pdf_path)


def test_main_returns_1_and_names_the_failing_cell(tmp_path, capsys):
    _write_failing_pair(tmp_path / "nbs")
    code = main([
        "--notebooks", str(tmp_path / "nbs"), "--out", str(tmp_path / "out"),
        "--no-pdf", "-q", "-p", "threshold", "4",
    ])
    out = capsys.readouterr().out
    assert code == 1
    assert "01_breaks.ipynb" in out and "FAILED" in out
    assert "notebook 01_breaks.ipynb failed in cell 3: total = threshold * 2: ValueError: boom in cell three: 8" in out
    assert "02_fine.ipynb" in out
    assert (tmp_path / "out" / "02_fine.ipynb").exists()
    assert not list((tmp_path / "out").glob("*.pdf"))


def test_failing_cell_index_without_parameters_cell(tmp_path):
    """Papermill injects parameters at the top here; the index must still be the source one."""
    nb = _write_notebook(tmp_path / "05_np.ipynb", [
        new_markdown_cell("# no parameters cell"),
        new_code_cell("x = 1"),
        new_code_cell("y = 2"),
        new_code_cell("\n# comment line first\n1 / 0"),
    ])
    result = run_notebook(nb, tmp_path / "out", {"seed": 7})
    assert not result.ok
    assert result.failing_cell is not None
    assert result.failing_cell.index == 3
    assert result.failing_cell.first_line == "# comment line first"
    assert result.failing_cell.ename == "ZeroDivisionError"
    assert result.executed_path == (tmp_path / "out" / "05_np.ipynb").resolve()


def test_successful_run_has_no_error(tmp_path):
    nb = _write_notebook(tmp_path / "07_ok.ipynb", [
        _params_cell("n = 1"),
        new_code_cell("import os\nprint('cwd=' + os.getcwd())\nprint('n=%d' % n)"),
    ])
    (tmp_path / "out").mkdir()
    result = run_notebook(nb, tmp_path / "out", {"n": 42})
    assert result.ok and result.error is None and result.failing_cell is None
    assert result.seconds > 0
    text = _outputs_text(result.executed_path)
    assert "n=42" in text
    assert f"cwd={tmp_path}" in text  # kernel runs in the notebook's folder, not the caller's


# --------------------------------------------------------------------------- CLI and discovery


def test_find_notebooks_orders_by_number_and_filters(tmp_path):
    for name in ["10_later.ipynb", "02_b.ipynb", "1_first.ipynb", "notes.ipynb", "03_c-checkpoint.ipynb",
                 "04_data.csv"]:
        (tmp_path / name).write_text("{}")
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / "02_b-checkpoint.ipynb").write_text("{}")

    assert [p.name for p in find_notebooks(tmp_path)] == ["1_first.ipynb", "02_b.ipynb", "10_later.ipynb"]
    assert [p.name for p in find_notebooks(tmp_path, only=["2"])] == ["02_b.ipynb"]
    assert [p.name for p in find_notebooks(tmp_path, only=["10", "01"])] == ["1_first.ipynb", "10_later.ipynb"]
    assert [p.name for p in find_notebooks(tmp_path, only=["02_b"])] == ["02_b.ipynb"]
    with pytest.raises(ValueError, match="99"):
        find_notebooks(tmp_path, only=["99"])
    with pytest.raises(FileNotFoundError):
        find_notebooks(tmp_path / "missing")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("42", 42),
        ("-3", -3),
        ("2.5", 2.5),
        ("1e3", 1000.0),
        ("True", True),
        ("false", False),
        ("None", None),
        ("cdnow", "cdnow"),
        ("2024-01-01", "2024-01-01"),
        ("[1, 2]", [1, 2]),
        ('{"a": 1}', {"a": 1}),
        ("[not json", "[not json"),
        ("", ""),
    ],
)
def test_parse_parameter_value(raw, expected):
    value = parse_parameter_value(raw)
    assert value == expected
    assert type(value) is type(expected)


def test_cli_parameters_reach_notebook_with_types_and_only(tmp_path, capsys):
    _write_notebook(tmp_path / "nbs" / "01_types.ipynb", [
        _params_cell("n = 0\nrate = 0.0\nname = ''\nflag = None\nraw = ''\nfrom_yaml = None\nfrom_file = None"),
        new_code_cell(
            "print('TYPES', type(n).__name__, type(rate).__name__, type(name).__name__, "
            "type(flag).__name__, type(raw).__name__)\n"
            "print('VALUES', repr(n), repr(rate), repr(name), repr(flag), repr(raw), repr(from_yaml), "
            "repr(from_file))"
        ),
    ])
    _write_notebook(tmp_path / "nbs" / "02_skipped.ipynb", [new_code_cell("raise RuntimeError('should not run')")])
    params_file = tmp_path / "p.yaml"
    params_file.write_text("from_file: file-value\nn: 1\n", encoding="utf-8")

    code = main([
        "--notebooks", str(tmp_path / "nbs"), "--out", str(tmp_path / "out"), "--no-pdf", "-q",
        "--only", "01",
        "-f", str(params_file),
        "-y", "{from_yaml: [1, 2], rate: 9.9}",
        "-p", "n", "12", "-p", "rate", "0.25", "-p", "name", "Xiaomi", "-p", "flag", "True",
        "-r", "raw", "007",
    ])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "01_types.ipynb" in out and "ok" in out
    assert not (tmp_path / "out" / "02_skipped.ipynb").exists()
    text = _outputs_text(tmp_path / "out" / "01_types.ipynb")
    assert "TYPES int float str bool str" in text
    assert "VALUES 12 0.25 'Xiaomi' True '007' [1, 2] 'file-value'" in text


def test_main_reports_bad_only_selector(tmp_path, capsys):
    _write_notebook(tmp_path / "01_a.ipynb", [new_code_cell("1")])
    assert main(["--notebooks", str(tmp_path), "--out", str(tmp_path / "o"), "--no-pdf", "--only", "42"]) == 1
    assert "42" in capsys.readouterr().err


def test_missing_chromium_names_the_install_line(monkeypatch, tmp_path):
    monkeypatch.delenv(report.CHROMIUM_ENV_VAR, raising=False)
    monkeypatch.setattr(shutil, "which", lambda name: None)  # the one shutil module report.pdf uses
    with pytest.raises(RuntimeError, match="apt-get install -y --no-install-recommends chromium fonts-noto-cjk"):
        report.notebook_to_pdf(tmp_path / "x.ipynb", tmp_path / "x.pdf")
    _write_notebook(tmp_path / "nbs" / "01_a.ipynb", [new_code_cell("1")])
    with pytest.raises(RuntimeError, match="libjs-mathjax poppler-utils"):
        build_reports(tmp_path / "nbs", tmp_path / "out", {}, progress=False)
    assert not (tmp_path / "out" / "01_a.ipynb").exists()  # fails before spending time executing


def test_chromium_env_override(monkeypatch, tmp_path):
    fake = tmp_path / "my-chrome"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    monkeypatch.setenv(report.CHROMIUM_ENV_VAR, str(fake))
    assert find_chromium() == str(fake)
    monkeypatch.setenv(report.CHROMIUM_ENV_VAR, str(tmp_path / "nope"))
    with pytest.raises(RuntimeError, match=report.CHROMIUM_ENV_VAR):
        find_chromium()


# --------------------------------------------------------------------------- report layout: summary and appendix

SUMMARY_MARKER = "SummaryFinding-4711"
APPENDIX_MARKER = "GlossaryTerm-0815"
BODY_MARKER = "BodyResult-2025"
STDERR_MARKER = "NoisyStderr-1234"


def _layout_notebook(path: Path) -> Path:
    """Student order: title, appendix text, body, a stderr warning, the summary at the end of the analysis."""
    return _write_notebook(path, [
        new_markdown_cell("# 09 · Layout demo 版式示例\n\nOne sentence of purpose."),
        new_markdown_cell(f"### Learning objectives 学习目标\n\n{APPENDIX_MARKER} means something.",
                          metadata={"tags": ["appendix"]}),
        _params_cell("n = 3"),
        new_markdown_cell("## 1 · Body section 正文"),
        new_code_cell(f"import sys\nsys.stderr.write('Warning: {STDERR_MARKER}\\n')\nprint('{BODY_MARKER}', n)"),
        new_code_cell("from IPython.display import Markdown, display\n"
                      f"display(Markdown('- {SUMMARY_MARKER}: ' + str(n * 14)))", metadata={"tags": ["summary"]}),
        new_markdown_cell("## 2 · Last body section 结尾\n\nThe end of the body."),
    ])


@pytest.fixture(scope="module")
def layout_build(tmp_path_factory) -> tuple[list[NotebookResult], Path]:
    return _build_one(tmp_path_factory, "layout", _layout_notebook, "09_layout.ipynb", {})


@needs_chromium
def test_report_moves_summary_after_title_and_appendix_to_the_end(layout_build):
    results, root = layout_build
    assert results[0].ok, results[0].error
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(results[0].pdf_path), "-"], capture_output=True,
                          text=True, check=True).stdout
    order = [text.index(s) for s in ("Layout demo", "Summary", SUMMARY_MARKER, "Body section", BODY_MARKER,
                                     "Last body section", "Appendix", APPENDIX_MARKER)]
    assert order == sorted(order), order
    assert f"{SUMMARY_MARKER}: 42" in text
    page1 = PdfReader(results[0].pdf_path).pages[0].extract_text()
    assert "Summary" in page1 and SUMMARY_MARKER in page1
    # the executed notebook (what students open) keeps its own order
    executed = nbformat.read(root / "reports" / "09_layout.ipynb", as_version=4)
    tags = [c.metadata.get("tags", []) for c in executed.cells]
    assert tags.index(["appendix"]) < tags.index(["summary"])


@needs_chromium
def test_report_drops_stderr_and_localises_the_section_headings(layout_build):
    results, root = layout_build
    assert STDERR_MARKER in _outputs_text(root / "reports" / "09_layout.ipynb")  # the kernel did write it
    assert STDERR_MARKER not in _pdf_text(results[0].pdf_path)
    html = report.notebook_to_html(root / "reports" / "09_layout.ipynb", root / "zh" / "09_layout.html", lang="zh")
    body = html.read_text(encoding="utf-8")
    assert ">摘要<" in body.replace("¶", "") or "摘要</h2>" in body
    assert "附录" in body and "Summary 摘要" not in body and STDERR_MARKER not in body


def test_arrange_leaves_untagged_notebooks_alone_and_finds_a_title_shown_by_code():
    plain = new_notebook(cells=[new_markdown_cell("# T"), new_code_cell("1")])
    assert [c.source for c in report.arrange(plain).cells] == ["# T", "1"]
    title_by_code = new_code_cell("show_title()")
    title_by_code.outputs = [nbformat.v4.new_output("display_data", data={"text/markdown": "# Customer report"})]
    nb = new_notebook(cells=[_params_cell("x = 1"), title_by_code, new_code_cell("body"),
                             new_code_cell("facts", metadata={"tags": ["summary"]})])
    sources = [c.source for c in report.arrange(nb).cells]
    assert sources == ["x = 1", "show_title()", "## Summary 摘要", "facts", "body"]
