"""The half-blank page measure of issue 17, shared by ``test_pdf_reports.py`` (English set) and
``test_zh_reports.py`` (Chinese set).

A page is *half blank* when its content ends above half the page height: pages rendered at 30 dpi by
poppler's ``pdftoppm`` in grey, read with PIL; content = a row with a pixel darker than 200/255, looked for
inside the 3 % top and bottom margins. The last page is excluded, and so is a page the next section starts
after: the first text line of the next page (``pdftotext -raw``) is a numbered heading "5 · …", Summary,
Appendix or an exercise, in English or Chinese.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
from PIL import Image

SECTION = re.compile(r"^\s*(?:\d+\s*·|Summary|摘要|Appendix|附录|Exercises?|练习|✏️)")
"""First line of a page that starts a new section."""
DARK = 200
"""Grey level (0–255) below which a pixel is content."""


def page_text(pdf: Path, page: int = 1) -> str:
    """Text of one page (1-based), ``pdftotext -raw``."""
    return subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", "-f", str(page), "-l", str(page), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout


def content_ends(pdf: Path, folder: Path) -> list[float]:
    """Per page: where the content ends, as a fraction of the page height from the top (0 = empty page).
    The page images are written into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "30", "-gray", "-png", str(pdf), str(folder / "p")], check=True)
    ends = []
    for png in sorted(folder.glob("p-*.png"), key=lambda p: int(p.stem.split("-")[-1])):
        pixels = np.asarray(Image.open(png).convert("L"))
        h = pixels.shape[0]
        top, bottom = int(h * 0.03), int(h * 0.97)
        dark = np.flatnonzero((pixels[top:bottom] < DARK).any(axis=1))
        ends.append((top + int(dark.max())) / h if dark.size else 0.0)
    return ends


def half_blank_pages(pdf: Path, folder: Path) -> list[int]:
    """Pages (1-based) more than half blank, the last page and pages before a new section excluded."""
    ends = content_ends(pdf, folder)
    first_lines = [next((line for line in page_text(pdf, n + 1).splitlines() if line.strip()), "")
                   for n in range(1, len(ends))]  # the first line of pages 2 … last
    return [n + 1 for n, end in enumerate(ends[:-1]) if end < 0.5 and not SECTION.match(first_lines[n])]


def probe_pdf(folder: Path, html_to_pdf) -> Path:
    """A PDF the measure must flag on page 1: one line, then a block too tall to follow it on the page."""
    folder.mkdir(parents=True, exist_ok=True)
    probe = folder / "blank_probe.html"
    probe.write_text('<p>One line.</p><div style="height: 260mm; background: black; break-inside: avoid"></div>'
                     '<p>Last page.</p>', encoding="utf-8")
    return html_to_pdf(probe, probe.with_suffix(".pdf"))
