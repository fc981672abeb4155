"""Knowledge reports: ``notebooks/knowledge_report.ipynb`` run once per customer and per segment.

``crm-report --knowledge-reports`` runs the template (not numbered, so the workbook run skips it)
once per customer — the top N of a segment by CLV, read from the knowledge base notebook 07
builds (:mod:`helpers.knowledge`), or given ids — and once for the segment, into
``reports/knowledge/`` with a progress bar (:func:`build_knowledge_reports`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..knowledge import customers_by_clv, open_knowledge_base
from ..notebooks import KNOWLEDGE_TEMPLATE
from .build import report_language, run_batch
from .findings import customer_findings, segment_report_findings
from .run import NotebookResult
from .summary import data_facts, render

KNOWLEDGE_SUBDIR = "knowledge"
"""Where the knowledge reports go, under the reports folder."""


def _safe_stem(value: Any) -> str:
    return re.sub(r"[^\w\-]+", "_", str(value), flags=re.UNICODE).strip("_") or "x"


def knowledge_summary(rep: dict[str, Any], mode: str) -> str:
    """The computed summary (Markdown) of one knowledge report: the data line from the knowledge base's own
    ``meta`` (label, SIMULATED or real, currency) and the findings of a customer (``mode="customer"``:
    :func:`~.findings.customer_findings`) or a segment (:func:`~.findings.segment_report_findings`).

    The one source of the summary for ``notebooks/knowledge_report.ipynb`` and the sharing end's pages.
    """
    m = rep["meta"]  # the knowledge base's meta table: strings
    facts = data_facts({"label": m.get("label"), "simulated": m.get("simulated") == "true",
                        "currency": m.get("currency", "")})
    if mode == "customer":
        found = customer_findings(rep["row"], rep["orders"], facts["currency"])
    elif mode == "segment":
        found = segment_report_findings(rep["summary"], rep["segment"])
    else:
        raise ValueError(f"mode must be 'customer' or 'segment', not {mode!r}")
    return render(found, facts)


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
        con = open_knowledge_base(dataset)
        try:
            ids += [i for i in customers_by_clv(con, segment, segment_by, top)["customer_id"].astype(str)
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
    lang = report_language({"lang": lang})
    jobs = [(stem, params | ({"lang": lang} if lang != "en" else {}))
            for stem, params in knowledge_jobs(dataset, customers, segment, top, segment_by, segment_report)]
    if not jobs:
        raise ValueError("nothing to report: give customer=<id> and/or segment=<name>")
    runs = [(stem, template, params, f"{stem}.ipynb") for stem, params in jobs]
    return run_batch(runs, out_dir, lang, pdf=pdf, progress=progress, kernel_name=kernel_name,
                     desc="knowledge reports", unit="report")


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
