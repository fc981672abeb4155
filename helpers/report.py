"""Run every numbered notebook with papermill and turn each executed copy into a PDF report.

The route, and why
------------------
Each ``notebooks/NN_*.ipynb`` is executed with :func:`papermill.execute_notebook` (kernel working
directory = the notebook's own folder, parameters injected after the cell tagged ``parameters``)
into ``reports/NN_*.ipynb``. That executed copy is then exported twice:

1. **nbconvert HTML** (the JupyterLab template) with the code hidden (``exclude_input``, i.e.
   ``jupyter nbconvert --no-input``), the In/Out prompts hidden, and the outputs of cells tagged
   ``remove-output`` removed (cells tagged ``remove-cell`` disappear entirely). MathJax is loaded
   from Debian's ``libjs-mathjax`` through a ``file://`` URL and require.js is replaced by an empty
   ``data:`` script, so the page asks nothing of the network. A small stylesheet makes the page A4
   with 15 mm margins, puts "Noto Sans CJK SC" in every font stack (Chinese headings and table
   cells render instead of tofu), shrinks and wraps wide pandas tables so they never run off the
   page, and scales figures to the page width.
2. **Headless Chromium** (Debian's ``chromium``) prints that HTML to PDF with
   ``--print-to-pdf``; a fresh ``--user-data-dir`` in a temporary folder keeps runs independent,
   and ``--virtual-time-budget`` gives MathJax time to typeset before printing.

This is the route measured as best on this machine (see ``/work/shared/notes/pdf-reports.md``):
it works offline, keeps pandas' HTML tables (the pandoc/typst route turns them into monospace
text), renders LaTeX (WeasyPrint has no JavaScript, so math stays raw), and renders Chinese
(the xelatex route silently drops every CJK character unless a special template is used). It
needs ``apt-get install -y --no-install-recommends chromium fonts-noto-cjk libjs-mathjax
poppler-utils``; nothing is downloaded at run time.

A notebook that fails does not stop the others: papermill still writes the executed copy with
the traceback (and a red banner linking to the failing cell), and that copy is still turned into
a PDF so the reader sees where it stopped. The failing cell is reported by its position in the
*source* notebook (papermill's ``PapermillExecutionError.cell_index`` counts the injected
parameters cell, which this module subtracts) together with its first source line.

Matplotlib in the kernels
-------------------------
Kernels inherit this process's environment. ``MPLBACKEND`` is set to matplotlib-inline's backend
(``module://matplotlib_inline.backend_inline``) while notebooks run: it never opens a window, and,
unlike ``MPLBACKEND=Agg`` (which ipykernel respects, so figures are silently *not* displayed and
vanish from the report), it puts every figure into the notebook's outputs.

Command line
------------
``python -m helpers.report`` or ``crm-report``::

    crm-report                                   # all notebooks → reports/*.ipynb, *.html, *.pdf
    crm-report --only 01 03 -p seed 7 -p dataset cdnow
    crm-report -y "{start: '2024-01-01', n_customers: 500}" --no-pdf
    crm-report --knowledge-reports segment=champions top=20     # per-customer knowledge reports
    crm-report --knowledge-reports customer=12345678 -p dataset xiaomi_sim

``--lang zh`` makes the Chinese report set (:func:`localise_headings`): every notebook gets the
parameter ``lang = "zh"`` (figure titles, axis labels, legends and table headers in Chinese via
:mod:`helpers.i18n`), every markdown heading is shown in its Chinese form ("## 3 · Differentiation
by value: ABC analysis ABC 分类" → "## 3 · ABC 分类"), and the set goes to ``reports/zh/`` (its own
``tables/`` and ``figures/``; CSV column names stay English). ``--lang en`` (default) keeps the
bilingual headings as written and writes to ``reports/``::

    crm-report --lang zh                         # → reports/zh/*.pdf
    crm-report --lang zh --only 01 02 03

Figures are inline SVG in report runs (``CRM_FIGURE_FORMAT=svg``, honoured by
:func:`helpers.plotting.set_theme`) with ``svg.fonttype = "none"``: titles, axis labels and tick
labels are text in the HTML and in the PDF's text layer, drawn by Chromium with the same fonts.

``--knowledge-reports`` runs ``notebooks/knowledge_report.ipynb`` (not numbered, so the workbook
run skips it) once per customer — the top N of a segment by CLV, or given ids — and once for the
segment, into ``reports/knowledge/`` with a progress bar (:func:`build_knowledge_reports`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import papermill
import yaml
from papermill.exceptions import PapermillExecutionError
from papermill.iorw import NoDatesSafeLoader
from tqdm.auto import tqdm

# course-kit cells (COURSE_TAGS) are for students: dropped from HTML/PDF
from .notebooks import COURSE_TAGS, INJECTED_PARAMETERS_TAG, REMOVE_CELL_TAG, REMOVE_OUTPUT_TAG, find_notebooks
from .paths import NOTEBOOKS as _DEFAULT_NOTEBOOKS

from .paths import REPORTS as _DEFAULT_REPORTS

__all__ = [
    "APT_INSTALL_LINE",
    "FailingCell",
    "NotebookResult",
    "build_knowledge_reports",
    "build_reports",
    "find_chromium",
    "find_notebooks",
    "html_to_pdf",
    "knowledge_jobs",
    "localise_headings",
    "main",
    "notebook_to_html",
    "notebook_to_pdf",
    "parse_knowledge_spec",
    "parse_parameter_value",
    "run_notebook",
]

logger = logging.getLogger(__name__)

APT_INSTALL_LINE = (
    "apt-get install -y --no-install-recommends chromium fonts-noto-cjk libjs-mathjax poppler-utils"
)
"""The Debian packages the PDF route needs (run ``apt-get update`` first)."""

MATHJAX_URL = "file:///usr/share/javascript/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"
"""Debian ``libjs-mathjax``: math renders without a CDN."""

# require.js is only needed by widgets; the template always links it from a CDN otherwise.
_EMPTY_SCRIPT_URL = "data:text/javascript,"

KERNEL_MPLBACKEND = "module://matplotlib_inline.backend_inline"
"""Headless and inline: figures end up in the executed notebook (``Agg`` would drop them)."""

KERNEL_FIGURE_FORMAT = "svg"
"""``CRM_FIGURE_FORMAT`` for report kernels: SVG figures whose text stays text (searchable PDF)."""

LANG_SUBDIR = {"en": "", "zh": "zh"}
"""Where each language's report set goes, under the reports folder (English: the folder itself)."""

CHROMIUM_ENV_VAR = "CRM_CHROMIUM"
CHROMIUM_TIMEOUT_S = 180.0
CHROMIUM_FLAGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-pdf-header-footer",
    "--virtual-time-budget=10000",
)

_PAPERMILL_ERROR_TAG = "papermill-error-cell-tag"


PRINT_CSS = """
@page { size: A4; margin: 15mm; }
:root {
  --jp-content-font-family: "Noto Sans", "DejaVu Sans", "Noto Sans CJK SC", sans-serif;
  --jp-ui-font-family: "Noto Sans", "DejaVu Sans", "Noto Sans CJK SC", sans-serif;
  --jp-code-font-family: "DejaVu Sans Mono", "Noto Sans Mono CJK SC", monospace;
  --jp-content-font-size1: 10.5pt;
  --jp-ui-font-size1: 9pt;
  --jp-code-font-size: 8pt;
}
html, body {
  font-family: "Noto Sans", "DejaVu Sans", "Noto Sans CJK SC", sans-serif;
  background: white !important;
  margin: 0 !important;
  padding: 0 !important;
  -webkit-print-color-adjust: exact;
  print-color-adjust: exact;
}
body.jp-Notebook, main { padding: 0 !important; overflow: visible !important; }
/* hide the generic Jupyter prompt columns and the collapser bars */
.jp-InputPrompt, .jp-OutputPrompt, .jp-OutputArea-prompt, .jp-Collapser {
  display: none !important;
}
.jp-Cell, .jp-Cell-inputWrapper, .jp-Cell-outputWrapper, .jp-OutputArea-child {
  padding-left: 0 !important;
  margin-left: 0 !important;
}
.jp-OutputArea-output, .jp-RenderedHTMLCommon, .jp-Cell-outputArea {
  overflow: visible !important;
  max-width: 100% !important;
}
h1, h2, h3, h4 { page-break-after: avoid; break-after: avoid; }
/* tables: readable, never wider than the page (wide DataFrames shrink and wrap) */
.jp-RenderedHTMLCommon table, table.dataframe {
  table-layout: auto !important;
  width: auto !important;
  max-width: 100% !important;
  margin-left: 0 !important;
  border-collapse: collapse;
  font-size: 8pt !important;
}
.jp-RenderedHTMLCommon td, .jp-RenderedHTMLCommon th,
table.dataframe td, table.dataframe th {
  padding: 2px 5px !important;
  white-space: normal !important;
  overflow-wrap: anywhere;
  word-break: break-word;
  border-bottom: 0.5pt solid #ccc;
}
table.dataframe thead th { border-bottom: 1pt solid #555; }
/* many columns: shrink further (pandas shows at most 20 by default) */
table.dataframe:has(tr > :nth-child(9)) { font-size: 7pt !important; }
table.dataframe:has(tr > :nth-child(14)) { font-size: 6pt !important; }
table.dataframe:has(tr > :nth-child(14)) :is(td, th) { padding: 1px 2px !important; }
tr { page-break-inside: avoid; break-inside: avoid; }
/* figures: scale to the page width, keep on one page */
img, svg, .jp-RenderedImage img {
  max-width: 100% !important;
  height: auto !important;
  page-break-inside: avoid;
  break-inside: avoid;
}
pre { white-space: pre-wrap !important; overflow-wrap: anywhere; }
"""
"""Stylesheet injected into the exported HTML before printing."""


@dataclass(frozen=True)
class FailingCell:
    """Where and how a notebook stopped.

    Attributes
    ----------
    index
        0-based position of the cell in the *source* notebook (injected cells not counted).
    execution_count
        The ``In [n]`` number the cell got, if any.
    first_line
        First non-blank line of the cell's source.
    ename, evalue
        Exception class name and message, as the kernel reported them.
    """

    index: int
    execution_count: int | None
    first_line: str
    ename: str
    evalue: str

    @property
    def number(self) -> int:
        """1-based cell number ("cell 3" is the third cell of the notebook)."""
        return self.index + 1

    def describe(self) -> str:
        """One line: ``cell N: <first line>: <ExceptionName>: <message>``."""
        message = f"{self.ename}: {self.evalue}" if self.evalue else self.ename
        return f"cell {self.number}: {self.first_line}: {message}"


@dataclass
class NotebookResult:
    """Outcome of running (and converting) one notebook.

    Attributes
    ----------
    notebook
        The source notebook.
    executed_path
        The executed copy papermill wrote (``None`` if it never got written).
    pdf_path, html_path
        The report and its intermediate HTML (``None`` when not produced).
    ok
        True when the notebook ran without error and, if asked for, the PDF was made.
    error
        ``"<ExceptionName>: message"`` of the first problem, else ``None``.
    failing_cell
        The cell that raised, when the failure came from a cell.
    seconds
        Wall time of the papermill run.
    pdf_seconds
        Wall time of the HTML + PDF conversion (``None`` when not attempted).
    """

    notebook: Path
    executed_path: Path | None
    pdf_path: Path | None
    html_path: Path | None
    ok: bool
    error: str | None
    failing_cell: FailingCell | None
    seconds: float
    pdf_seconds: float | None = None

    def describe_failure(self) -> str | None:
        """``notebook X failed in cell N: <first line>: <ExceptionName>: message`` (or ``None``)."""
        if self.ok:
            return None
        if self.failing_cell is not None:
            return f"notebook {self.notebook.name} failed in {self.failing_cell.describe()}"
        return f"notebook {self.notebook.name} failed: {self.error}"


# --------------------------------------------------------------------------- running


@contextlib.contextmanager
def _environ(**values: str) -> Iterator[None]:
    """Temporarily set environment variables (inherited by kernels started meanwhile)."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def _first_line(source: str) -> str:
    for line in source.splitlines():
        if line.strip():
            return line.strip()
    return "<empty cell>"


def _source_index(executed: nbformat.NotebookNode | None, executed_index: int) -> int:
    """Map a cell index of the executed notebook back to the source notebook.

    Papermill inserts an ``injected-parameters`` cell; its error-marker cells are added only
    after the exception object is built, so they need no correction (but are skipped anyway).
    """
    if executed is None:
        return executed_index
    added = 0
    for cell in executed.cells[:executed_index]:
        tags = cell.get("metadata", {}).get("tags", [])
        if INJECTED_PARAMETERS_TAG in tags or _PAPERMILL_ERROR_TAG in tags:
            added += 1
    return executed_index - added


def _failing_cell_from_error(
    error: PapermillExecutionError, executed_path: Path
) -> FailingCell:
    executed = None
    if executed_path.exists():
        executed = nbformat.read(executed_path, as_version=4)
        # The file on disk already carries papermill's error markers (a banner at the top and an
        # anchor before the failing cell); drop them so indices match the exception's notebook.
        executed.cells = [
            c for c in executed.cells if _PAPERMILL_ERROR_TAG not in c.get("metadata", {}).get("tags", [])
        ]
    return FailingCell(
        index=_source_index(executed, error.cell_index),
        execution_count=error.exec_count,
        first_line=_first_line(error.source or ""),
        ename=error.ename,
        evalue=error.evalue,
    )


def run_notebook(
    nb: Path,
    out_dir: Path,
    parameters: dict[str, Any],
    kernel_name: str | None = None,
    output_name: str | None = None,
) -> NotebookResult:
    """Execute one notebook with papermill into ``out_dir/<stem>.ipynb``.

    Parameters
    ----------
    nb
        The source notebook; the kernel's working directory is its folder.
    out_dir
        Where the executed copy goes (created if needed).
    parameters
        Injected after the cell tagged ``parameters`` (or at the top if there is none).
    kernel_name
        Kernel to use; ``None`` means the notebook's own kernelspec (``python3``, which is
        the venv's ipykernel when this runs from the venv).
    output_name
        File name of the executed copy (default: the notebook's own name); lets one
        template run many times into one folder (e.g. one knowledge report per customer).

    Returns
    -------
    NotebookResult
        ``ok=False`` with ``error``/``failing_cell`` set when execution failed; never raises
        for notebook errors. ``pdf_path``/``html_path`` are ``None``.
    """
    nb = Path(nb).resolve()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    executed_path = (out_dir / (output_name or nb.name)).resolve()
    if executed_path == nb:
        raise ValueError(f"out_dir would overwrite the source notebook {nb}")
    error: str | None = None
    failing: FailingCell | None = None
    start = time.perf_counter()
    logger.info("executing %s -> %s", nb, executed_path)
    try:
        with _environ(MPLBACKEND=KERNEL_MPLBACKEND, CRM_REPORTS_DIR=str(out_dir.resolve()),
                      CRM_FIGURE_FORMAT=KERNEL_FIGURE_FORMAT):
            papermill.execute_notebook(
                str(nb),
                str(executed_path),
                parameters=dict(parameters),
                kernel_name=kernel_name,
                cwd=str(nb.parent),
                progress_bar=False,
                log_output=False,
            )
    except PapermillExecutionError as exc:
        failing = _failing_cell_from_error(exc, executed_path)
        error = f"{exc.ename}: {exc.evalue}" if exc.evalue else exc.ename
        logger.warning("%s failed in %s", nb.name, failing.describe())
    except Exception as exc:  # kernel died, timeout, missing kernelspec, bad notebook JSON …
        error = f"{type(exc).__name__}: {exc}"
        logger.warning("%s failed: %s", nb.name, error)
    seconds = time.perf_counter() - start
    return NotebookResult(
        notebook=nb,
        executed_path=executed_path if executed_path.exists() else None,
        pdf_path=None,
        html_path=None,
        ok=error is None,
        error=error,
        failing_cell=failing,
        seconds=seconds,
    )


# --------------------------------------------------------------------------- HTML and PDF


def find_chromium() -> str:
    """Locate a Chromium/Chrome executable.

    ``$CRM_CHROMIUM`` wins; otherwise ``chromium``, ``chromium-browser`` or ``google-chrome``
    on ``PATH``.

    Returns
    -------
    str
        Path of the executable.

    Raises
    ------
    RuntimeError
        If none is found, naming the Debian packages to install.
    """
    override = os.environ.get(CHROMIUM_ENV_VAR)
    if override:
        resolved = shutil.which(override)
        if resolved is None:
            raise RuntimeError(f"${CHROMIUM_ENV_VAR}={override!r} is not an executable")
        return resolved
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if found is None:
        raise RuntimeError(
            "PDF reports need a headless Chromium, and none was found (looked for chromium, "
            f"chromium-browser, google-chrome; or set ${CHROMIUM_ENV_VAR}). Install it with:\n"
            f"    sudo apt-get update && sudo {APT_INSTALL_LINE}\n"
            "or run without PDFs (--no-pdf)."
        )
    return found


def _html_exporter() -> Any:
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_all_outputs_tags = {REMOVE_OUTPUT_TAG}
    config.TagRemovePreprocessor.remove_cell_tags = {REMOVE_CELL_TAG, *COURSE_TAGS}
    exporter = HTMLExporter(config=config, template_name="lab")
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.mathjax_url = MATHJAX_URL
    exporter.require_js_url = _EMPTY_SCRIPT_URL
    exporter.register_preprocessor(TagRemovePreprocessor(config=config), enabled=True)
    # nbconvert logs through traitlets' application logger; route it through ours instead.
    exporter.log = logging.getLogger(f"{__name__}.nbconvert")
    return exporter


_TH_TEXT = re.compile(r"(<th\b[^>]*>)([^<]*)(</th>)")


def _breakable_headers(html: str) -> str:
    """Let table headers wrap after ``_`` (``last_<wbr>purchase_<wbr>date``), not mid-word."""
    return _TH_TEXT.sub(lambda m: m.group(1) + m.group(2).replace("_", "_<wbr>") + m.group(3), html)


_SVG_IMG = re.compile(r'<img\b[^>]*?src="data:image/svg\+xml;base64,([A-Za-z0-9+/=\s]+)"[^>]*>')


def _inline_svg(html: str) -> str:
    """Put SVG figures into the page as ``<svg>`` elements instead of base64 ``<img>`` (nbconvert's way).

    Inline, their text inherits the page's language and fonts, so Chromium writes it into the
    PDF's text layer as the characters it is (inside an ``<img>``, Noto CJK glyphs such as 行 or
    户 come back from the PDF as Kangxi radicals ⾏ ⼾). Matplotlib gives every SVG's ids a
    random salt, so several figures on one page do not clash.
    """
    import base64

    def one(m: re.Match) -> str:
        try:
            svg = base64.b64decode(m.group(1)).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return m.group(0)
        start = svg.find("<svg")
        return m.group(0) if start < 0 else svg[start:]

    return _SVG_IMG.sub(one, html)


def _inject_css(html: str, css: str = PRINT_CSS) -> str:
    style = f'<style type="text/css" id="crm-print-css">{css}</style>\n'
    if "</head>" in html:
        return html.replace("</head>", style + "</head>", 1)
    return style + html


_HEADING_LINE = re.compile(r"^(\s{0,3}#{1,6}\s+)(.+?)\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


def _localise_markdown(text: str, lang: str) -> str:
    """Headings of one markdown text in ``lang`` (code fences left alone)."""
    from helpers.i18n import chinese_part

    if lang == "en":
        return text
    lines, fenced = [], False
    for line in text.split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
        m = None if fenced else _HEADING_LINE.match(line)
        if m:
            line = m.group(1) + (chinese_part(m.group(2)) or m.group(2))
        lines.append(line)
    return "\n".join(lines)


def localise_headings(nb: nbformat.NotebookNode, lang: str) -> nbformat.NotebookNode:
    """The notebook with every markdown heading in ``lang`` (in place; also returned).

    The workbook's headings are bilingual, "English 中文" (``## 3 · Differentiation by value:
    ABC analysis ABC 分类``). ``"zh"`` keeps the section number and the Chinese part
    (``## 3 · ABC 分类``, see :func:`helpers.i18n.chinese_part`) in markdown cells and in
    markdown outputs; a heading without Chinese stays as written. ``"en"`` changes nothing:
    English reports show the bilingual headings, as the notebooks do.

    Raises
    ------
    ValueError
        If ``lang`` is not ``"en"`` or ``"zh"``.
    """
    from helpers.i18n import LANGUAGES

    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(repr(x) for x in LANGUAGES)}, not {lang!r}")
    if lang == "en":
        return nb
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = _localise_markdown(cell.source, lang)
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "text/markdown" in data:
                text = data["text/markdown"]
                data["text/markdown"] = _localise_markdown("".join(text) if isinstance(text, list) else text, lang)
    return nb


def notebook_to_html(executed_nb: Path, html_path: Path, lang: str = "en") -> Path:
    """Export an executed notebook to print-ready HTML (code and prompts hidden, A4 CSS).

    Parameters
    ----------
    executed_nb
        The executed notebook.
    html_path
        Where to write the HTML (its folder is created).
    lang
        ``"zh"``: headings in their Chinese form (:func:`localise_headings`); ``"en"``: as written.

    Returns
    -------
    Path
        ``html_path``.
    """
    nb = localise_headings(nbformat.read(Path(executed_nb), as_version=4), lang)
    body, _resources = _html_exporter().from_notebook_node(
        nb, resources={"metadata": {"name": Path(executed_nb).stem}}
    )
    html_path = Path(html_path)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    html_path.write_text(_inject_css(_inline_svg(_breakable_headers(body))), encoding="utf-8")
    return html_path


def _run_chromium(cmd: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    """Run Chromium in its own process group so a timeout can kill its helpers too."""
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise RuntimeError(f"chromium did not finish printing within {timeout:.0f} s") from None
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def html_to_pdf(html_path: Path, pdf_path: Path, timeout: float = CHROMIUM_TIMEOUT_S) -> Path:
    """Print an HTML file to PDF with headless Chromium (page size from the CSS ``@page``).

    Parameters
    ----------
    html_path
        A local HTML file.
    pdf_path
        The PDF to write (replaced if it exists).
    timeout
        Seconds before Chromium is killed.

    Returns
    -------
    Path
        ``pdf_path``.

    Raises
    ------
    RuntimeError
        If Chromium is missing, fails, times out or writes no PDF.
    """
    chromium = find_chromium()
    pdf_path = Path(pdf_path).resolve()
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    pdf_path.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="crm-chromium-") as profile:
        cmd = [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--print-to-pdf={pdf_path}",
            Path(html_path).resolve().as_uri(),
        ]
        done = _run_chromium(cmd, timeout)
    if done.returncode != 0 or not pdf_path.exists() or pdf_path.stat().st_size == 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        raise RuntimeError(
            f"chromium failed to print {html_path} (exit code {done.returncode}):\n{tail}"
        )
    return pdf_path


def notebook_to_pdf(executed_nb: Path, pdf_path: Path, lang: str = "en") -> Path:
    """Turn an executed notebook into an A4 PDF report, code hidden.

    The intermediate HTML is written next to the PDF as ``<stem>.html``.

    Parameters
    ----------
    executed_nb
        The executed notebook (e.g. papermill's output).
    pdf_path
        The PDF to write.
    lang
        Language of the headings (see :func:`notebook_to_html`).

    Returns
    -------
    Path
        ``pdf_path``.

    Raises
    ------
    RuntimeError
        If Chromium is missing (the message names the ``apt-get install`` line) or fails.
    """
    find_chromium()  # fail before exporting when the browser is missing
    pdf_path = Path(pdf_path)
    html_path = notebook_to_html(executed_nb, pdf_path.with_suffix(".html"), lang=lang)
    return html_to_pdf(html_path, pdf_path)


# --------------------------------------------------------------------------- the whole workbook


def _lang_of(parameters: dict[str, Any]) -> str:
    """The report language from the notebook parameters (``lang``, default ``"en"``), checked."""
    from helpers.i18n import LANGUAGES

    lang = str(parameters.get("lang", "en")).strip().lower()
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(repr(x) for x in LANGUAGES)}, not {parameters['lang']!r}")
    return lang


def _convert(result: NotebookResult, out_dir: Path, lang: str = "en") -> None:
    """Attach a PDF to ``result`` (in place); a failed conversion marks the result failed."""
    if result.executed_path is None:
        return
    pdf_path = out_dir / f"{result.executed_path.stem}.pdf"
    start = time.perf_counter()
    try:
        result.pdf_path = notebook_to_pdf(result.executed_path, pdf_path, lang=lang)
        result.html_path = pdf_path.with_suffix(".html").resolve()
    except Exception as exc:  # keep going: the other notebooks still deserve their reports
        logger.warning("PDF of %s failed: %s", result.notebook.name, exc)
        if result.ok:
            result.ok = False
            result.error = f"PDF conversion failed: {type(exc).__name__}: {exc}"
    finally:
        result.pdf_seconds = time.perf_counter() - start


def build_reports(
    notebooks_dir: Path,
    out_dir: Path,
    parameters: dict[str, Any],
    only: Sequence[str] | None = None,
    pdf: bool = True,
    progress: bool = True,
    kernel_name: str | None = None,
) -> list[NotebookResult]:
    """Run every numbered notebook in order and make its PDF report.

    Parameters
    ----------
    notebooks_dir
        Folder of ``NN_*.ipynb`` notebooks.
    out_dir
        Where executed notebooks, HTML and PDFs go (``<stem>.ipynb/.html/.pdf``).
    parameters
        Passed to every notebook; ``lang`` (``"en"``/``"zh"``) also sets the language of the
        report headings (:func:`localise_headings`).
    only
        Number prefixes or stems to run (see :func:`find_notebooks`).
    pdf
        Also make the PDFs (also for failed notebooks, so the reader sees where they stopped).
    progress
        Show a tqdm bar across notebooks.
    kernel_name
        Kernel override (default: each notebook's kernelspec).

    Returns
    -------
    list of NotebookResult
        One per notebook, in order; a failure does not stop the others.

    Raises
    ------
    RuntimeError
        Up front, if ``pdf`` is true and Chromium is not installed.
    """
    notebooks = find_notebooks(Path(notebooks_dir), only)
    lang = _lang_of(parameters)
    if pdf:
        find_chromium()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    results: list[NotebookResult] = []
    bar = tqdm(notebooks, desc="notebooks", unit="nb", disable=not progress)
    for nb in bar:
        bar.set_postfix_str(nb.name, refresh=True)
        result = run_notebook(nb, out_dir, parameters, kernel_name=kernel_name)
        if pdf:
            _convert(result, out_dir, lang)
        results.append(result)
    bar.close()
    return results


# --------------------------------------------------------------------------- knowledge reports

KNOWLEDGE_TEMPLATE = "knowledge_report.ipynb"
"""The parameterised per-customer / per-segment knowledge report (not numbered: the workbook run skips it)."""
KNOWLEDGE_SUBDIR = "knowledge"


def _safe_stem(value: Any) -> str:
    return re.sub(r"[^\w\-]+", "_", str(value), flags=re.UNICODE).strip("_") or "x"


def knowledge_jobs(
    dataset: str,
    customers: Sequence[str] = (),
    segment: str | None = None,
    top: int = 20,
    segment_by: str | None = None,
    segment_report: bool = True,
) -> list[tuple[str, dict[str, Any]]]:
    """The reports a batch makes: ``[(output stem, notebook parameters), ...]``.

    One per-customer report for each id in ``customers`` and, when ``segment`` is given, for
    each of the ``top`` customers of that segment by CLV (read from the knowledge base that
    notebook 07 builds), plus the segment's own report when ``segment_report``.
    """
    ids = [str(c) for c in customers]
    if segment is not None and top > 0:
        from helpers import knowledge

        con = knowledge.open_knowledge_base(dataset)
        try:
            ids += [i for i in knowledge.customers_by_clv(con, segment, segment_by, top)["customer_id"].astype(str)
                    if i not in ids]
        finally:
            con.close()
    base = {"dataset": dataset} | ({"segment_by": segment_by} if segment_by else {})
    jobs = [(f"knowledge_{_safe_stem(dataset)}_customer_{_safe_stem(i)}", base | {"customer_id": i}) for i in ids]
    if segment is not None and segment_report:
        jobs.append((f"knowledge_{_safe_stem(dataset)}_segment_{_safe_stem(segment)}", base | {"segment": segment}))
    return jobs


def build_knowledge_reports(
    notebooks_dir: Path,
    out_dir: Path,
    dataset: str = "xiaomi_sim",
    customers: Sequence[str] = (),
    segment: str | None = None,
    top: int = 20,
    segment_by: str | None = None,
    segment_report: bool = True,
    pdf: bool = True,
    progress: bool = True,
    kernel_name: str | None = None,
    lang: str = "en",
) -> list[NotebookResult]:
    """Run ``knowledge_report.ipynb`` once per customer (and segment) and make each PDF + HTML.

    Parameters
    ----------
    notebooks_dir
        Folder holding :data:`KNOWLEDGE_TEMPLATE`.
    out_dir
        Where ``knowledge_<dataset>_customer_<id>.ipynb/.html/.pdf`` and
        ``knowledge_<dataset>_segment_<name>.*`` go.
    dataset
        Dataset whose knowledge base (``data/processed/<dataset>/knowledge.duckdb``) is read.
    customers, segment, top, segment_by, segment_report
        What to report on (see :func:`knowledge_jobs`).
    pdf, progress, kernel_name
        As in :func:`build_reports` (the progress bar counts reports).
    lang
        ``"en"`` or ``"zh"``: passed to the template as ``lang`` and used for the headings.

    Returns
    -------
    list of NotebookResult
        One per report, in order; a failure does not stop the others.
    """
    template = Path(notebooks_dir) / KNOWLEDGE_TEMPLATE
    if not template.exists():
        raise FileNotFoundError(f"knowledge report template not found: {template}")
    lang = _lang_of({"lang": lang})
    jobs = [(stem, params | ({"lang": lang} if lang != "en" else {}))
            for stem, params in knowledge_jobs(dataset, customers, segment, top, segment_by, segment_report)]
    if not jobs:
        raise ValueError("nothing to report: give customer=<id> and/or segment=<name>")
    if pdf:
        find_chromium()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    results: list[NotebookResult] = []
    bar = tqdm(jobs, desc="knowledge reports", unit="report", disable=not progress)
    for stem, params in bar:
        bar.set_postfix_str(stem, refresh=True)
        result = run_notebook(template, out_dir, params, kernel_name=kernel_name, output_name=f"{stem}.ipynb")
        if pdf:
            _convert(result, out_dir, lang)
        results.append(result)
    bar.close()
    return results


def parse_knowledge_spec(items: Sequence[str]) -> dict[str, Any]:
    """``["segment=champions", "top=20", "customer=123,456"]`` → keyword arguments of the batch.

    Keys: ``customer`` (comma-separated ids, repeatable), ``segment``, ``top`` (int), ``by``
    (segment column), ``segment_report`` (true/false).
    """
    spec: dict[str, Any] = {"customers": []}
    for item in items:
        if "=" not in item:
            raise ValueError(f"--knowledge-reports: expected KEY=VALUE, got {item!r}")
        key, value = (part.strip() for part in item.split("=", 1))
        if key in ("customer", "customers", "customer_id"):
            spec["customers"] += [v for v in value.split(",") if v]
        elif key == "segment":
            spec["segment"] = value
        elif key == "top":
            spec["top"] = int(value)
        elif key in ("by", "segment_by"):
            spec["segment_by"] = value
        elif key == "segment_report":
            spec["segment_report"] = value.lower() in ("1", "true", "yes")
        else:
            raise ValueError(f"--knowledge-reports: unknown key {key!r} (use customer, segment, top, by, segment_report)")
    return spec


# --------------------------------------------------------------------------- command line


def parse_parameter_value(text: str) -> Any:
    """Parse a ``-p NAME VALUE`` value the way ``papermill -p`` does, plus JSON/YAML spellings.

    ``True``/``False``/``None``, ints and floats as papermill's CLI; additionally
    ``true``/``false``/``null`` and JSON lists/objects (``[1, 2]``, ``{"a": 1}``).
    Anything else stays a string (dates too: ``2024-01-01`` is a string).

    Parameters
    ----------
    text
        The raw command-line value.

    Returns
    -------
    Any
        bool, None, int, float, list, dict or str.
    """
    keywords = {"True": True, "true": True, "False": False, "false": False, "None": None, "null": None}
    if text in keywords:
        return keywords[text]
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    if text.startswith(("[", "{")):
        with contextlib.suppress(json.JSONDecodeError):
            return json.loads(text)
    return text


def _load_yaml_mapping(text: str, origin: str) -> dict[str, Any]:
    data = yaml.load(text, Loader=NoDatesSafeLoader)  # noqa: S506 - a SafeLoader subclass
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError(f"{origin}: expected a YAML mapping of name: value, got {type(data).__name__}")
    return data


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crm-report",
        description=(
            "Run the numbered notebooks with papermill (in order, each in its own folder) and "
            "write executed copies and A4 PDF reports, code hidden."
        ),
    )
    parser.add_argument("--notebooks", type=Path, default=_DEFAULT_NOTEBOOKS, metavar="DIR",
                        help="folder of NN_*.ipynb notebooks (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help=f"output folder (default: {_DEFAULT_REPORTS} for English, "
                             f"{_DEFAULT_REPORTS / LANG_SUBDIR['zh']} for --lang zh)")
    parser.add_argument("--lang", choices=("en", "zh"), default=None,
                        help="language of figure titles, axis labels, table headers and report headings "
                             "(passed to every notebook as -p lang; default en, or the -p lang given)")
    parser.add_argument("-p", "--parameter", nargs=2, action="append", default=[],
                        metavar=("NAME", "VALUE"),
                        help="parameter for every notebook; VALUE parsed like papermill -p (repeatable)")
    parser.add_argument("-r", "--parameter-raw", nargs=2, action="append", default=[],
                        metavar=("NAME", "VALUE"), help="parameter kept as a string (repeatable)")
    parser.add_argument("-y", "--parameters-yaml", action="append", default=[], metavar="TEXT",
                        help="YAML mapping of parameters (repeatable)")
    parser.add_argument("-f", "--parameters-file", action="append", default=[], type=Path,
                        metavar="FILE", help="YAML/JSON file of parameters (repeatable)")
    parser.add_argument("--only", nargs="+", metavar="NN",
                        help="run only these notebooks (number prefix or stem)")
    parser.add_argument("--no-pdf", action="store_true", help="execute only, no HTML/PDF")
    parser.add_argument("--kernel", metavar="NAME", help="kernel name (default: the notebook's)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--knowledge-reports", nargs="*", metavar="KEY=VALUE", default=None,
                        help="instead of the numbered notebooks, make per-customer / per-segment knowledge reports "
                             "from notebooks/knowledge_report.ipynb into <out>/knowledge/, e.g. "
                             "'segment=champions top=20' or 'customer=12345678'; the dataset is -p dataset "
                             "(default xiaomi_sim); notebook 07 must have built its knowledge base")
    return parser


def _collect_parameters(args: argparse.Namespace) -> dict[str, Any]:
    """Merge parameters with papermill's precedence: file < YAML < -p < -r."""
    merged: dict[str, Any] = {}
    for file in args.parameters_file:
        merged.update(_load_yaml_mapping(Path(file).read_text(encoding="utf-8"), str(file)))
    for text in args.parameters_yaml:
        merged.update(_load_yaml_mapping(text, "--parameters-yaml"))
    for name, value in args.parameter:
        merged[name] = parse_parameter_value(value)
    for name, value in args.parameter_raw:
        merged[name] = value
    return merged


def _summary(results: Sequence[NotebookResult], by_output: bool = False) -> str:
    rows = [("report" if by_output else "notebook", "status", "run s", "pdf s", "PDF")]
    for r in results:
        rows.append((
            r.executed_path.name if by_output and r.executed_path is not None else r.notebook.name,
            "ok" if r.ok else "FAILED",
            f"{r.seconds:.1f}",
            "-" if r.pdf_seconds is None else f"{r.pdf_seconds:.1f}",
            str(r.pdf_path) if r.pdf_path else "-",
        ))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    failures = [(f"{r.executed_path.name}: " if by_output and r.executed_path is not None else "")
                + (r.describe_failure() or "") for r in results if not r.ok]
    if failures:
        lines.append("")
        lines.extend(f for f in failures if f)
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point (``python -m helpers.report`` / ``crm-report``).

    Parameters
    ----------
    argv
        Arguments without the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 if every notebook ran (and its PDF was made), 1 otherwise.
    """
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger(f"{__name__}.nbconvert").setLevel(logging.ERROR)  # e.g. "alt text missing"
    try:
        parameters = _collect_parameters(args)
        if args.lang is not None:
            parameters["lang"] = args.lang
        lang = _lang_of(parameters)
        if lang == "en":
            parameters.pop("lang", None)  # the notebooks' default: English runs stay as before
        out = Path(args.out) if args.out is not None else _DEFAULT_REPORTS / LANG_SUBDIR[lang]
        if args.knowledge_reports is not None:
            spec = parse_knowledge_spec(args.knowledge_reports)
            results = build_knowledge_reports(
                args.notebooks, out / KNOWLEDGE_SUBDIR, dataset=str(parameters.get("dataset", "xiaomi_sim")),
                pdf=not args.no_pdf, progress=not args.quiet, kernel_name=args.kernel, lang=lang, **spec)
            print(_summary(results, by_output=True))
            return 0 if all(r.ok for r in results) else 1
        results = build_reports(
            args.notebooks,
            out,
            parameters,
            only=args.only,
            pdf=not args.no_pdf,
            progress=not args.quiet,
            kernel_name=args.kernel,
        )
    except (RuntimeError, ValueError, FileNotFoundError, yaml.YAMLError) as exc:
        print(f"crm-report: {exc}", file=sys.stderr)
        return 1
    if not results:
        print(f"crm-report: no NN_*.ipynb notebooks in {args.notebooks}", file=sys.stderr)
        return 1
    print(_summary(results))
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
