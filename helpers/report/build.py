"""The whole workbook: every numbered notebook run in order, each turned into its PDF report.

The notebooks are :func:`helpers.notebooks.find_notebooks`'s (``NN_*.ipynb``, in number order);
each report language gets its own folder (:data:`LANG_SUBDIR`: the Chinese set goes to
``reports/zh/`` with its own ``tables/`` and ``figures/``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from ..i18n import LANGUAGES
from ..notebooks import find_notebooks
from .headings import language_error
from .pdf import find_chromium, notebook_to_pdf
from .run import NotebookResult, run_notebook

logger = logging.getLogger(__name__)

LANG_SUBDIR = {"en": "", "zh": "zh"}
"""Where each language's report set goes, under the reports folder (English: the folder itself)."""


def report_language(parameters: dict[str, Any]) -> str:
    """The report language from the notebook parameters (``lang``, default ``"en"``), checked.

    Raises
    ------
    ValueError
        If ``lang`` is not ``"en"`` or ``"zh"`` (any case, spaces around allowed).
    """
    lang = str(parameters.get("lang", "en")).strip().lower()
    if lang not in LANGUAGES:
        raise language_error(parameters["lang"])
    return lang


def attach_pdf(result: NotebookResult, out_dir: Path, lang: str = "en") -> None:
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
    lang = report_language(parameters)
    runs = [(nb.name, nb, parameters, None) for nb in notebooks]
    return run_batch(runs, out_dir, lang, pdf=pdf, progress=progress, kernel_name=kernel_name,
                     desc="notebooks", unit="nb")


def run_batch(
    runs: Sequence[tuple[str, Path, dict[str, Any], str | None]],
    out_dir: Path,
    lang: str,
    *,
    pdf: bool,
    progress: bool,
    kernel_name: str | None,
    desc: str,
    unit: str,
) -> list[NotebookResult]:
    """Run notebooks in order into ``out_dir``, each followed by its PDF (:func:`attach_pdf`).

    Parameters
    ----------
    runs
        ``(label shown on the progress bar, notebook, parameters, output file name or None)``
        per run (see :func:`~helpers.report.run.run_notebook`).
    out_dir
        Where executed notebooks, HTML and PDFs go (created).
    lang
        Language of the report headings.
    pdf, progress, kernel_name
        As in :func:`build_reports`; ``desc`` and ``unit`` label the progress bar.

    Returns
    -------
    list of NotebookResult
        One per run, in order; a failure does not stop the others.

    Raises
    ------
    RuntimeError
        Up front, if ``pdf`` is true and Chromium is not installed.
    """
    if pdf:
        find_chromium()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    results: list[NotebookResult] = []
    bar = tqdm(runs, desc=desc, unit=unit, disable=not progress)
    for label, nb, parameters, output_name in bar:
        bar.set_postfix_str(label, refresh=True)
        result = run_notebook(nb, out_dir, parameters, kernel_name=kernel_name, output_name=output_name)
        if pdf:
            attach_pdf(result, out_dir, lang)
        results.append(result)
    bar.close()
    return results
