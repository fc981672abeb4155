"""Read-back of the Chinese report set: ``reports/zh/*.pdf`` read as Chinese (issue 17).

One session fixture builds the seven numbered reports in Chinese (``python -m helpers.report --lang zh``,
about 4 minutes on two shared cores; 1–2 minutes on an idle machine) into a temporary folder. Each PDF is read
back with ``pdftotext`` and measured with :func:`helpers.report.translations.chinese_share`:

    share = CJK characters / (CJK characters + letters of Latin words of 4+ letters),

code tokens (file names, identifiers) and the names, products and units of
:data:`~helpers.report.translations.ALLOWED_WORDS` left out. Before the markdown cells had Chinese versions the
seven PDFs measured 0.10–0.21; with them 0.33–0.76 (figures in ``FLOORS``). What is still English comes from
computed sentences in code cells (to go through ``helpers.i18n.tr``) and table values; each floor is what the
markdown translation achieves today, so a report-visible cell falling back to English shows here.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import nbformat
import pytest

from helpers.paths import NOTEBOOKS, PROJECT_ROOT
from helpers.report.translations import chinese_share, load_store, reaches_report

NEEDS_TOOLS = pytest.mark.skipif(
    not (shutil.which("chromium") or os.environ.get("CRM_CHROMIUM")) or not shutil.which("pdftotext"),
    reason="needs Chromium (or CRM_CHROMIUM) and pdftotext")

FLOORS = {
    "01_acquisition": 0.70,           # measured 0.755 (before: 0.195)
    "02_cleaning": 0.45,              # 0.466 (0.196)
    "03_customer_lifetime_value": 0.55,  # 0.607 (0.103)
    "04_segmentation": 0.50,          # 0.530 (0.198)
    "05_staff_survey": 0.30,          # 0.333 (0.161)
    "06_community_interaction": 0.50,  # 0.548 (0.214)
    "07_customer_knowledge": 0.35,    # 0.394 (0.188)
}

_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{4,}")


@pytest.fixture(scope="session")
def zh_reports(tmp_path_factory):
    out = tmp_path_factory.mktemp("zh_reports")
    env = os.environ | {
        "PYTHONPATH": os.pathsep.join(p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")) if p),
        "CRM_REPORTS_DIR": str(out), "CRM_INTERIM_DIR": str(out / "interim"),
        "CRM_PROCESSED_DIR": str(out / "processed"),
    }
    done = subprocess.run([sys.executable, "-m", "helpers.report", "--lang", "zh", "--out", str(out)],
                          cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out, done.stderr


def _text(pdf):
    return subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


@NEEDS_TOOLS
@pytest.mark.parametrize("stem", sorted(FLOORS))
def test_zh_pdf_is_mostly_chinese(zh_reports, stem):
    out, _ = zh_reports
    share = chinese_share(_text(out / f"{stem}.pdf"))
    assert share.share >= FLOORS[stem], f"{stem}: {share} share {share.share:.3f} < {FLOORS[stem]}"


@NEEDS_TOOLS
@pytest.mark.parametrize("stem", sorted(FLOORS))
def test_every_translated_cell_reaches_the_zh_pdf(zh_reports, stem):
    out, stderr = zh_reports
    assert "English shown" not in stderr, stderr
    text = "".join(_text(out / f"{stem}.pdf").split())
    shown = {c.id for c in nbformat.read(NOTEBOOKS / f"{stem}.ipynb", as_version=4).cells if reaches_report(c)}
    missing = []
    for cid, entry in load_store(stem).items():
        if cid not in shown:
            continue
        first = next((ln for ln in entry["zh"].splitlines() if _CJK_RUN.search(ln)), None)
        if first is None:
            continue
        run = max(_CJK_RUN.findall(first), key=len)
        if run not in text:
            missing.append((cid, run))
    assert not missing, f"{stem}: translated text not found in the PDF: {missing}"
