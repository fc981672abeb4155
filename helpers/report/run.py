"""Run one notebook with papermill and say where it stopped.

Each ``notebooks/NN_*.ipynb`` is executed with :func:`papermill.execute_notebook` (kernel working
directory = the notebook's own folder, parameters injected after the cell tagged ``parameters``)
into ``reports/NN_*.ipynb``.

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
vanish from the report), it puts every figure into the notebook's outputs. Figures are SVG in
report runs (``CRM_FIGURE_FORMAT=svg``, honoured by :func:`helpers.plotting.set_theme`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import papermill
from papermill.exceptions import PapermillExecutionError

from ..notebooks import INJECTED_PARAMETERS_TAG

logger = logging.getLogger(__name__)

KERNEL_MPLBACKEND = "module://matplotlib_inline.backend_inline"
"""Headless and inline: figures end up in the executed notebook (``Agg`` would drop them)."""

KERNEL_FIGURE_FORMAT = "svg"
"""``CRM_FIGURE_FORMAT`` for report kernels: SVG figures whose text stays text (searchable PDF)."""

KERNEL_QUIET_ARGUMENTS: tuple[str, ...] = ("--IPKernelApp.log_level=CRITICAL",)
"""Added to every kernel's command line: the kernel's own log stays out of the report command's
output — "Kernel is running over TCP without encryption" (every local kernel, WARNING) and
"KeyboardInterrupt caught in kernel." (ERROR, logged when the kernel is interrupted while it shuts
down after the last cell). A failing cell is still reported: its exception reaches papermill in the
execute reply (:class:`FailingCell`), not through this log."""


_PAPERMILL_ERROR_TAG = "papermill-error-cell-tag"


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
                extra_arguments=list(KERNEL_QUIET_ARGUMENTS),
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
