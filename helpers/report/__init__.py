"""Run every numbered notebook with papermill and turn each executed copy into a PDF report.

Each ``notebooks/NN_*.ipynb`` is executed with papermill (kernel working directory = the
notebook's own folder, parameters injected after the cell tagged ``parameters``) into
``reports/NN_*.ipynb``. That executed copy is exported to HTML by nbconvert (code, prompts and
course-kit cells hidden; A4 stylesheet) and printed to an A4 PDF by headless Chromium, offline.
It needs ``apt-get install -y --no-install-recommends chromium fonts-noto-cjk libjs-mathjax
poppler-utils`` (:data:`APT_INSTALL_LINE`). A notebook that fails does not stop the others; its
PDF shows where it stopped, and the summary names the failing cell.

Modules
-------
- :mod:`~helpers.report.run`        papermill run of one notebook (:func:`run_notebook`, :class:`NotebookResult`,
  :class:`FailingCell`), the kernels' environment (matplotlib inline, SVG figures);
- :mod:`~helpers.report.pdf`        HTML and PDF export (:func:`notebook_to_html`, :func:`html_to_pdf`,
  :func:`notebook_to_pdf`, :func:`find_chromium`, :data:`PRINT_CSS`) — the route, and why;
- :mod:`~helpers.report.headings`   headings in the report's language (:func:`localise_headings`);
- :mod:`~helpers.report.layout`     report order: ``summary`` cells after the title, ``appendix`` cells at the end
  (:func:`arrange`), stderr outputs dropped (:func:`drop_stderr`);
- :mod:`~helpers.report.summary`    the executive summary: data label, period, funnel (:func:`data_facts`),
  :class:`Finding`, :func:`render`;
- :mod:`~helpers.report.findings`   each notebook's findings computed from its result tables;
- :mod:`~helpers.report.build`      the whole workbook in order (:func:`build_reports`), the language folders;
- :mod:`~helpers.report.knowledge`  per-customer / per-segment knowledge reports (:func:`build_knowledge_reports`);
- :mod:`~helpers.report.cli`        the command line (:func:`main`).

Which notebooks there are, and which cell tags mark course cells, is :mod:`helpers.notebooks`'s
one rule (:func:`find_notebooks`, :data:`COURSE_TAGS`).

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

from ..notebooks import COURSE_TAGS, KNOWLEDGE_TEMPLATE, find_notebooks
from .build import LANG_SUBDIR, build_reports
from .cli import main, parse_parameter_value
from . import findings, summary
from .headings import localise_headings, localise_markdown
from .layout import arrange, drop_stderr
from .summary import Finding, compare, data_facts, render, stored_facts
from .knowledge import (KNOWLEDGE_SUBDIR, build_knowledge_reports, knowledge_jobs, knowledge_summary,
                        parse_knowledge_spec)
from .pdf import (APT_INSTALL_LINE, CHROMIUM_ENV_VAR, CHROMIUM_FLAGS, CHROMIUM_TIMEOUT_S, MATHJAX_URL, PRINT_CSS,
                  SVG_DATA_IMG, find_chromium, html_to_pdf, notebook_to_html, notebook_to_pdf)
from .run import KERNEL_FIGURE_FORMAT, KERNEL_MPLBACKEND, FailingCell, NotebookResult, run_notebook

__all__ = [
    "APT_INSTALL_LINE",
    "CHROMIUM_ENV_VAR",
    "CHROMIUM_FLAGS",
    "CHROMIUM_TIMEOUT_S",
    "COURSE_TAGS",
    "KERNEL_FIGURE_FORMAT",
    "KERNEL_MPLBACKEND",
    "KNOWLEDGE_SUBDIR",
    "KNOWLEDGE_TEMPLATE",
    "LANG_SUBDIR",
    "MATHJAX_URL",
    "PRINT_CSS",
    "SVG_DATA_IMG",
    "FailingCell",
    "Finding",
    "NotebookResult",
    "arrange",
    "build_knowledge_reports",
    "build_reports",
    "compare",
    "data_facts",
    "drop_stderr",
    "find_chromium",
    "findings",
    "find_notebooks",
    "html_to_pdf",
    "knowledge_jobs",
    "knowledge_summary",
    "localise_headings",
    "localise_markdown",
    "main",
    "notebook_to_html",
    "notebook_to_pdf",
    "parse_knowledge_spec",
    "parse_parameter_value",
    "render",
    "run_notebook",
    "stored_facts",
    "summary",
]
