"""An executed notebook → print-ready HTML → A4 PDF, code hidden.

The route, and why
------------------
The executed copy of a notebook is exported twice:

1. **nbconvert HTML** (the JupyterLab template) with the code hidden (``exclude_input``, i.e.
   ``jupyter nbconvert --no-input``), the In/Out prompts hidden, and the outputs of cells tagged
   ``remove-output`` removed (cells tagged ``remove-cell`` disappear entirely, and so do the
   course-kit cells, :data:`helpers.notebooks.COURSE_TAGS`). MathJax is loaded from Debian's
   ``libjs-mathjax`` through a ``file://`` URL and require.js is replaced by an empty ``data:``
   script, so the page asks nothing of the network. A small stylesheet (:data:`PRINT_CSS`) makes
   the page A4 with 15 mm margins, puts "Noto Sans CJK SC" in every font stack (Chinese headings
   and table cells render instead of tofu), shrinks and wraps wide pandas tables so they never
   run off the page, and scales figures to the page width.
2. **Headless Chromium** (Debian's ``chromium``) prints that HTML to PDF with
   ``--print-to-pdf``; a fresh ``--user-data-dir`` in a temporary folder keeps runs independent,
   and ``--virtual-time-budget`` gives MathJax time to typeset before printing.

This is the route measured as best on this machine (against pandoc/typst, WeasyPrint and xelatex):
it works offline, keeps pandas' HTML tables (the pandoc/typst route turns them into monospace
text), renders LaTeX (WeasyPrint has no JavaScript, so math stays raw), and renders Chinese
(the xelatex route silently drops every CJK character unless a special template is used). It
needs ``apt-get install -y --no-install-recommends chromium fonts-noto-cjk libjs-mathjax
poppler-utils``; nothing is downloaded at run time.

Figures are inline SVG in report runs (``CRM_FIGURE_FORMAT=svg``) with ``svg.fonttype = "none"``:
titles, axis labels and tick labels are text in the HTML and in the PDF's text layer, drawn by
Chromium with the same fonts (``_inline_svg``).
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import nbformat

from ..notebooks import COURSE_TAGS, REMOVE_CELL_TAG, REMOVE_OUTPUT_TAG
from ..plotting import TABLE_HEADER
from .headings import localise_headings
from .layout import arrange, drop_stderr

NBCONVERT_LOGGER = f"{__package__}.nbconvert"
"""The logger nbconvert's messages go to (the command line quiets it: e.g. "alt text missing")."""

APT_INSTALL_LINE = (
    "apt-get install -y --no-install-recommends chromium fonts-noto-cjk libjs-mathjax poppler-utils"
)
"""The Debian packages the PDF route needs (run ``apt-get update`` first)."""

MATHJAX_URL = "file:///usr/share/javascript/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"
"""Debian ``libjs-mathjax``: math renders without a CDN."""

# require.js is only needed by widgets; the template always links it from a CDN otherwise.
_EMPTY_SCRIPT_URL = "data:text/javascript,"


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
h1, h2, h3, h4 { page-break-after: avoid; break-after: avoid; break-inside: avoid; }
/* a heading's cell stays with the output that follows it (the next cell) */
.jp-MarkdownCell:has(h1, h2, h3, h4):not(:has(p, ul, ol, table)) { break-after: avoid; page-break-after: avoid; }
/* figures are never cut in two (tables may break between rows: keeping them whole leaves pages half blank) */
.jp-RenderedSVG, .jp-RenderedImage, figure { break-inside: avoid; page-break-inside: avoid; }
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
/* an output may split between pages (nbconvert's lab print CSS keeps each output whole, its
   `overflow: hidden` table box cannot split at all): a long table then breaks between rows instead of
   moving whole to the next page and leaving the rest of this one blank; figures stay whole (above) */
.jp-OutputArea-child { display: block !important; overflow: visible !important;
  break-inside: auto !important; page-break-inside: auto !important; }
.jp-OutputArea-output { display: block !important; }
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
    exporter.log = logging.getLogger(NBCONVERT_LOGGER)
    return exporter


def _breakable_headers(html: str) -> str:
    """Let table headers wrap after ``_`` (``last_<wbr>purchase_<wbr>date``), not mid-word."""
    return TABLE_HEADER.sub(lambda m: m.group(1) + m.group(2).replace("_", "_<wbr>") + m.group(3), html)


SVG_DATA_IMG = re.compile(r'<img\b[^>]*?src="data:image/svg\+xml;base64,([A-Za-z0-9+/=\s]+)"[^>]*>')
"""An ``<img>`` showing a base64 SVG (nbconvert's way); group 1 is the base64 text."""


def _inline_svg(html: str) -> str:
    """Put SVG figures into the page as ``<svg>`` elements instead of base64 ``<img>`` (nbconvert's way).

    Inline, their text inherits the page's language and fonts, so Chromium writes it into the
    PDF's text layer as the characters it is (inside an ``<img>``, Noto CJK glyphs such as 行 or
    户 come back from the PDF as Kangxi radicals ⾏ ⼾). Matplotlib gives every SVG's ids a
    random salt, so several figures on one page do not clash.
    """
    def one(m: re.Match) -> str:
        try:
            svg = base64.b64decode(m.group(1)).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return m.group(0)
        start = svg.find("<svg")
        return m.group(0) if start < 0 else svg[start:]

    return SVG_DATA_IMG.sub(one, html)


def _inject_css(html: str, css: str = PRINT_CSS) -> str:
    style = f'<style type="text/css" id="crm-print-css">{css}</style>\n'
    if "</head>" in html:
        return html.replace("</head>", style + "</head>", 1)
    return style + html


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

    Before export the cells are put in report order (:func:`helpers.report.layout.arrange`: the
    ``summary`` cells after the title, the ``appendix`` cells at the end) and stderr outputs
    (warnings, progress bars) are dropped (:func:`helpers.report.layout.drop_stderr`).

    Returns
    -------
    Path
        ``html_path``.
    """
    nb = localise_headings(arrange(drop_stderr(nbformat.read(Path(executed_nb), as_version=4))), lang,
                           stem=Path(executed_nb).stem)
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


def html_to_pdf(html_path: Path, pdf_path: Path, timeout: float = CHROMIUM_TIMEOUT_S, query: str = "") -> Path:
    """Print an HTML file to PDF with headless Chromium (page size from the CSS ``@page``).

    Parameters
    ----------
    html_path
        A local HTML file.
    pdf_path
        The PDF to write (replaced if it exists).
    timeout
        Seconds before Chromium is killed.
    query
        Appended to the file's URL, e.g. ``"?print-pdf"`` (reveal.js' print layout for slides).

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
            Path(html_path).resolve().as_uri() + query,
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
