"""The real notebooks, run by the report command, read back from their PDFs.

Builds notebooks 01 and 02 once per session into a temporary folder (data folders redirected
there too), then checks each PDF the way a reader would see it: headings in English and
Chinese, a figure (vector SVG: its axis labels are text in the PDF), a table whose numbers are
the ones the run computed, and no code. Also runs the workbook on a user's own GB18030 export
through papermill parameters, and checks that no personal data from the raw customer file
reaches any output.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

import pdfpages
from helpers import paths, report
from helpers.paths import NOTEBOOKS, RAW

NEEDS_CHROMIUM = pytest.mark.skipif(
    os.environ.get("CI") != "true" and not (shutil.which("chromium") or os.environ.get("CRM_CHROMIUM")),
    reason="Chromium not installed (make test installs it as root); in CI this never skips",
)

EXPECTED = {
    "01_acquisition": {"headings": ["Acquisition of customer data", "客户数据获取", "The bundled data",
                                    "自带数据", "Customers and privacy", "客户与隐私"], "axis_label": "week (周)"},
    "02_cleaning": {"headings": ["Cleaning with exact row accounting", "数据清洗与行数核对", "Row accounting",
                                 "行数核对", "Returns and extreme orders"],
                     "axis_label": "rows (行, symmetric log scale)"},
}
CODE_MARKERS = ["from helpers import", "import pandas", "import numpy", "acquire.acquire(",
                "clean.clean_transactions(", "save_table(", "save_figure(", "plotting.set_theme(", "display(Markdown"]


def _code_seen(pdf: Path) -> list[str]:
    """Code markers found in the PDF's text (whitespace normalised to single spaces)."""
    text = re.sub(r"\s+", " ", _raw_text(pdf))
    return [m for m in CODE_MARKERS if m in text]


def _isolated_env(tmp: Path) -> dict[str, str]:
    return {"CRM_INTERIM_DIR": str(tmp / "interim"), "CRM_PROCESSED_DIR": str(tmp / "processed")}


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("reports")
    out = tmp / "reports"
    with pytest.MonkeyPatch.context() as mp:
        for key, value in _isolated_env(tmp).items():
            mp.setenv(key, value)
        results = report.build_reports(NOTEBOOKS, out, {}, progress=False)
    return {"out": out, "tmp": tmp, "results": {r.notebook.stem: r for r in results}}


def _raw_text(pdf: Path) -> str:
    """The PDF's text layer as poppler's ``pdftotext`` reads it (pypdf maps some CJK glyphs that
    Noto shares with Kangxi radicals, e.g. 户, to the radical ⼾; poppler reads them right)."""
    return subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def _text(pdf: Path) -> str:
    """Text layer with all whitespace removed, so headings wrapped over two lines read as one."""
    return _squash(_raw_text(pdf))


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _image_count(pdf: Path) -> int:
    return sum(len(page.images) for page in PdfReader(pdf).pages)


_SVG_TEXT = re.compile(r"<text\b[^>]*>([^<]+)</text>")


def _figure_texts(html: str) -> list[str]:
    """Texts of the matplotlib figures inlined as SVG (titles, axis and tick labels)."""
    import html as html_lib

    figures = [m.group(0) for m in re.finditer(r"<svg\b.*?</svg>", html, re.S) if "Matplotlib" in m.group(0)]
    return [html_lib.unescape(t).strip() for fig in figures for t in _SVG_TEXT.findall(fig) if t.strip()]


def _has_figure(result) -> bool:
    """A figure is in the report: a vector figure (inline SVG) whose words are in the PDF's text layer,
    or a raster image in the PDF."""
    html = result.html_path.read_text(encoding="utf-8")
    words = [t for t in _figure_texts(html) if len(re.findall(r"[A-Za-z\u4e00-\u9fff]", t)) >= 4]
    if words:
        text = _text(result.pdf_path)
        return any(_squash(w) in text for w in words)
    return _image_count(result.pdf_path) >= 1


NUMBERED = [p.stem for p in report.find_notebooks(NOTEBOOKS)]


def _title(stem: str) -> str:
    """The notebook's H1 title, e.g. '04 · Customer identification … 客户识别 …'."""
    first = json.loads((NOTEBOOKS / f"{stem}.ipynb").read_text(encoding="utf-8"))["cells"][0]
    line = "".join(first["source"]).splitlines()[0]
    assert line.startswith("# "), f"{stem}: the first cell must open with an H1 title"
    return line[2:].strip()


@NEEDS_CHROMIUM
def test_every_notebook_ran_and_made_a_pdf(built):
    assert set(EXPECTED) <= set(NUMBERED)
    for stem in NUMBERED:
        result = built["results"][stem]
        assert result.ok, result.describe_failure()
        assert result.pdf_path is not None and result.pdf_path.exists()


@NEEDS_CHROMIUM
@pytest.mark.parametrize("stem", NUMBERED)
def test_every_pdf_has_its_bilingual_title_a_figure_a_table_and_no_code(built, stem):
    pdf = built["results"][stem].pdf_path
    text = _text(pdf)
    title = _title(stem)
    assert re.search(r"[\u4e00-\u9fff]", title), f"{stem}: the title has no Chinese part"
    assert _squash(title) in text, f"{stem}.pdf lacks its title {title!r}"
    assert _has_figure(built["results"][stem]), f"{stem}.pdf has no figure"
    html = built["results"][stem].html_path.read_text(encoding="utf-8")
    assert "<table" in html, f"{stem}: no table in the report"
    leaked = _code_seen(pdf)
    assert not leaked, f"code visible in {stem}.pdf: {leaked}"


@NEEDS_CHROMIUM
@pytest.mark.parametrize("stem", list(EXPECTED))
def test_pdf_is_a4_with_headings_figure_and_no_code(built, stem):
    pdf = built["results"][stem].pdf_path
    reader = PdfReader(pdf)
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 595) < 2 and abs(float(box.height) - 842) < 2, "not A4"
    text = _text(pdf)
    for heading in EXPECTED[stem]["headings"]:
        assert _squash(heading) in text, f"{stem}.pdf lacks the heading {heading!r}"
    assert "SIMULATED" in text, "the simulated dataset must be labelled as simulated"
    assert _has_figure(built["results"][stem]), f"{stem}.pdf has no figure"
    # figures are vector: their axis labels are text in the PDF
    assert _squash(EXPECTED[stem]["axis_label"]) in text, f"{stem}.pdf lacks the figure label {EXPECTED[stem]['axis_label']!r}"
    leaked = _code_seen(pdf)
    assert not leaked, f"code visible in {stem}.pdf: {leaked}"


@NEEDS_CHROMIUM
def test_pdf_tables_show_the_numbers_this_run_computed(built):
    tables = built["out"] / "tables"
    accounting = pd.read_csv(tables / "02_row_accounting_xiaomi_sim.csv", encoding="utf-8-sig")
    text = _text(built["results"]["02_cleaning"].pdf_path)
    rows = accounting.set_index("step")["rows"]
    assert rows["difference (must be 0)"] == 0
    for step in ("rows in", "kept (clean)", "quarantined (total)"):
        assert str(int(rows[step])) in text.replace(",", ""), f"{step} = {rows[step]} not shown in the PDF table"
    assert "输入行数" in text and "隔离合计" in text  # the table's Chinese column survived
    provenance = pd.read_csv(tables / "01_provenance_xiaomi_sim.csv", encoding="utf-8-sig")
    text01 = _text(built["results"]["01_acquisition"].pdf_path)
    for name in provenance["file"]:
        assert _squash(name) in text01


@NEEDS_CHROMIUM
def test_pdf_text_layer_is_read_by_a_second_reader(built):
    """pypdf too finds the Chinese heading (after NFKC, which folds the Kangxi radical ⼾ to 戶)."""
    import unicodedata

    raw = "".join(page.extract_text() or "" for page in PdfReader(built["results"]["01_acquisition"].pdf_path).pages)
    text = _squash(unicodedata.normalize("NFKC", raw)).replace("戶", "户")
    assert "客户数据获取" in text


@NEEDS_CHROMIUM
def test_no_personal_data_reaches_any_output(built):
    raw = pd.read_csv(RAW / "xiaomi_sim" / "customers.csv", encoding="gb18030", dtype=str)
    phones = set(raw["手机号"])
    emails = set(raw["邮箱"])
    names = {n for n in raw["姓名"] if len(n) >= 3}
    texts = []
    for path in built["out"].rglob("*"):
        if path.suffix in {".ipynb", ".html", ".csv", ".md"}:
            texts.append(path.read_text(encoding="utf-8-sig", errors="replace"))
        elif path.suffix == ".pdf":
            texts.append(_raw_text(path))
    for path in built["tmp"].rglob("*.parquet"):
        frame = pd.read_parquet(path)
        texts.append(frame.astype(str).to_csv(index=False))
    blob = "\n".join(texts)
    assert not phones & set(re.findall(r"\d{11}", blob)), "a raw phone number reached an output"
    assert not emails & set(re.findall(r"[\w.+-]+@[\w.-]+", blob)), "a raw e-mail address reached an output"
    # every 3- and 4-character window of every run of Chinese characters, against the raw names
    windows = {run[i:i + k] for run in re.findall(r"[\u4e00-\u9fff]{3,}", blob)
               for k in (3, 4) for i in range(len(run) - k + 1)}
    assert not names & windows, f"raw customer names reached an output: {sorted(names & windows)[:5]}"



# --------------------------------------------------------------------------- report structure: summary, appendix, clean text

NOISE_MARKERS = ["Warning", "warn(", "Traceback", "broken on this machine", "<helpers.", "object at 0x"]
_NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?%?")


def _page_text(pdf: Path, page: int = 1) -> str:
    return subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", "-f", str(page), "-l", str(page), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout


def _summary_numbers(page1: str) -> list[str]:
    """Numbers on page 1 after the "Summary" heading (the title's own number excluded)."""
    return _NUMBER.findall(page1[page1.index("Summary"):])


@pytest.fixture(scope="session")
def built_knowledge(built) -> list:
    """One customer and one segment knowledge report, from the knowledge base the numbered run built."""
    with pytest.MonkeyPatch.context() as mp:
        for key, value in _isolated_env(built["tmp"]).items():
            mp.setenv(key, value)
        mp.setattr(paths, "PROCESSED", built["tmp"] / "processed")  # this process picks the customers
        return report.build_knowledge_reports(NOTEBOOKS, built["out"] / "knowledge", dataset="xiaomi_sim",
                                              segment="champions", top=1, progress=False)


@NEEDS_CHROMIUM
@pytest.mark.parametrize("stem", NUMBERED)
def test_page_one_has_the_computed_summary_with_label_and_numbers(built, stem):
    page1 = _page_text(built["results"][stem].pdf_path)
    assert "Summary" in page1 and "摘要" in page1, f"{stem}: no summary on page 1"
    assert "SIMULATED" in page1, f"{stem}: the data label is not on page 1"
    numbers = _summary_numbers(page1)
    assert len(numbers) >= 3, f"{stem}: page 1 summary shows {numbers}"
    # the summary's numbers are this run's: e.g. 02's kept rows are the row account's
    if stem == "02_cleaning":
        rows = pd.read_csv(built["out"] / "tables" / "02_row_accounting_xiaomi_sim.csv",
                           encoding="utf-8-sig").set_index("step")["rows"]
        assert f"{int(rows['kept (clean)']):,} of {int(rows['rows in']):,} rows kept" in " ".join(page1.split())


@NEEDS_CHROMIUM
@pytest.mark.parametrize("stem", NUMBERED)
def test_appendix_comes_after_the_last_body_section(built, stem):
    text = _text(built["results"][stem].pdf_path)
    source = json.loads((NOTEBOOKS / f"{stem}.ipynb").read_text(encoding="utf-8"))
    sections = [line[3:].strip() for cell in source["cells"] if cell["cell_type"] == "markdown"
                and "appendix" not in cell["metadata"].get("tags", [])
                for line in "".join(cell["source"]).splitlines() if re.match(r"## \d+ · ", line)]
    last = _squash(sections[-1])
    assert "Appendix附录" in text, f"{stem}: no appendix"
    assert text.rindex(last) < text.index("Appendix附录"), f"{stem}: the appendix is not after {sections[-1]!r}"
    assert text.index("Summary摘要") < text.index(_squash(sections[0])), f"{stem}: the summary is not first"
    assert "Learningobjectives" in text[text.index("Appendix附录"):], f"{stem}: learning objectives not in the appendix"


@NEEDS_CHROMIUM
def test_no_pdf_shows_warnings_tracebacks_build_notes_or_reprs(built, built_knowledge):
    pdfs = [r.pdf_path for r in built["results"].values()] + [r.pdf_path for r in built_knowledge]
    for pdf in pdfs:
        raw = _raw_text(pdf)
        found = [m for m in NOISE_MARKERS if m in raw or _squash(m) in _squash(raw)]
        assert not found, f"{pdf.name} shows {found}"


@NEEDS_CHROMIUM
def test_knowledge_reports_open_with_the_customers_key_numbers(built, built_knowledge):
    assert built_knowledge and all(r.ok for r in built_knowledge), [r.describe_failure() for r in built_knowledge]
    customer = next(r for r in built_knowledge if "_customer_" in r.pdf_path.name)
    cid = customer.pdf_path.stem.rsplit("_", 1)[-1]
    clv = pd.read_csv(built["out"] / "tables" / "03_clv_xiaomi_sim.csv", encoding="utf-8-sig",
                      dtype={"customer_id": str}).set_index("customer_id").loc[cid, "clv"]
    for r in built_knowledge:
        page1 = " ".join(_page_text(r.pdf_path).split())
        assert "Summary" in page1 and "SIMULATED" in page1, r.pdf_path.name
        assert len(_summary_numbers(page1)) >= 3, r.pdf_path.name
    page1 = " ".join(_page_text(customer.pdf_path).split())
    assert f"Expected value (CLV): {clv:,.2f} CNY" in page1
    assert re.search(r"\d[\d,]* orders, [\d,]+\.\d\d CNY spent", page1)

def test_workbook_runs_on_a_users_own_gb18030_export(tmp_path, monkeypatch):
    """papermill parameters alone point notebooks 01–02 at a user's file with a column map."""
    for key, value in _isolated_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    own = tmp_path / "我的订单.csv"
    frame = pd.DataFrame({
        "客户ID": ["A1", "A1", "B2", "", "C3", "C3"],
        "订单号": ["o1", "o2", "o3", "o4", "o5", "o5"],
        "下单时间": ["2024-01-05 10:00", "2024/2/6 11:00", "2024年3月7日 12:00", "2024-03-08", "不详", "不详"],
        "实付金额": ["¥199.00", "1,299元", "￥59", "99", "10", "10"],
    })
    frame.to_csv(own, index=False, encoding="gb18030")
    before = own.read_bytes()
    params = {"dataset": "my_shop", "source_path": str(own), "currency": "CNY",
              "columns": {"customer_id": "客户ID", "order_id": "订单号", "timestamp": "下单时间", "amount": "实付金额"}}
    results = report.build_reports(NOTEBOOKS, tmp_path / "out", params, only=["01", "02"], pdf=False,
                                   progress=False)
    assert all(r.ok for r in results), [r.describe_failure() for r in results]
    accounting = pd.read_csv(tmp_path / "out" / "tables" / "02_row_accounting_my_shop.csv", encoding="utf-8-sig")
    rows = accounting.set_index("step")["rows"]
    assert rows["rows in"] == 6 and rows["kept (clean)"] == 3
    assert rows["quarantined: missing_customer"] == 1 and rows["quarantined: duplicate"] == 1
    assert rows["quarantined: unparseable_date"] == 1
    assert own.read_bytes() == before, "the user's raw file was modified"


@NEEDS_CHROMIUM
def test_pdf_tables_show_no_reprs_and_no_number_is_split_across_lines(built):
    """Every page of every PDF (issue 17): no ``NaN``, ``<NA>``, e-notation anywhere; no ``None``/``True``/
    ``False`` as a table cell (a word standing alone between column gaps of ``pdftotext -layout``; prose such
    as "None of them" is not a cell); and no number broken over two lines inside a table cell.

    A split number is read from the words' boxes (``pdftotext -bbox``): a numeric fragment with another
    numeric fragment right below it (no line gap between the two boxes, same left or right edge, as a cell
    aligns its lines) where either a word of another column sits half-way between them (a table row with a
    two-line cell is centred on both lines) or both fragments start and end with digits. Rows of a table are
    a padding apart, and prose lines do not start with a number at the same edge as a number above.
    """
    import html as html_lib

    def split_numbers(pdf: Path) -> list[tuple[int, str]]:
        xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True,
                             check=True).stdout
        number_shape = re.compile(r"[-+−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?")
        word = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')
        found = []
        for number, page in enumerate(re.split(r"<page\b", xml)[1:], start=1):
            words = [(float(a), float(b), float(c), float(d), html_lib.unescape(t)) for a, b, c, d, t in word.findall(page)]
            for x0, y0, x1, y1, first in words:
                if not re.fullmatch(r"[-+−]?[\d,.]*\d[\d,.]*", first):
                    continue
                h = y1 - y0
                for u0, v0, u1, v1, second in words:
                    gap = v0 - y1
                    if not (-0.05 * h <= gap <= 0.15 * h and re.fullmatch(r"\d[\d,.]*%?", second)
                            and (abs(u0 - x0) < 1 or abs(u1 - x1) < 1)):
                        continue
                    if not number_shape.fullmatch(first + second):  # two whole numbers wrapped in prose
                        continue
                    top, bottom = (y0 + y1) / 2, (v0 + v1) / 2
                    centred = any((a > x1 + 1 or c < x0 - 1) and top + 0.25 * h < (b + d) / 2 < bottom - 0.25 * h
                                  for a, b, c, d, _ in words)
                    if centred or (first[0].isdigit() and first[-1].isdigit() and gap <= 0.1 * h):
                        found.append((number, f"{first}|{second}"))
        return found

    # the check finds a split it is shown: a number wrapped in a narrow cell, printed by the same route
    probe = built["tmp"] / "split_probe.html"
    probe.write_text('<table style="font-size:8pt"><tr><td>alpha</td><td style="width:28px;max-width:28px;'
                     'overflow-wrap:anywhere">22047.89</td><td>x</td></tr><tr><td>beta</td><td>100</td><td>y</td>'
                     '</tr></table><p>Prose ending in 2024\nand 15 more.</p>', encoding="utf-8")
    probed = split_numbers(report.html_to_pdf(probe, probe.with_suffix(".pdf")))
    assert [pair.replace("|", "") for _, pair in probed] == ["22047.89"], probed

    reprs = re.compile(r"<NA>|\bNaN\b|\d\.\d+e[+-]\d|(?:^|\s{2})\s*(?:None|True|False)(?=\s{2}|\s*$)")
    pdfs = sorted(built["out"].rglob("*.pdf"))
    assert len(pdfs) >= 7
    problems = []
    for pdf in pdfs:
        layout = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                                text=True, check=True).stdout
        for number, page in enumerate(layout.split("\f"), start=1):
            problems += [f"{pdf.name} p{number}: {line.strip()[:120]!r}" for line in page.splitlines()
                         if reprs.search(line)]
        problems += [f"{pdf.name} p{number}: number split over two lines {pair!r}" for number, pair in split_numbers(pdf)]
    assert not problems, "\n".join(problems[:40])


def test_no_page_is_more_than_half_blank_except_before_a_new_section(built):
    """Issue 17: no page of a numbered PDF is more than half blank, except the last page and a page the
    next section starts after (its first text line is a numbered heading "5 · …", Summary, Appendix or an
    exercise). The measure: :func:`pdfpages.half_blank_pages` (shared with the Chinese set's test)."""
    probe = pdfpages.probe_pdf(built["tmp"] / "blank", report.html_to_pdf)
    assert pdfpages.half_blank_pages(probe, built["tmp"] / "blank" / "probe") == [1]  # the measure itself

    pdfs = [built["results"][stem].pdf_path for stem in sorted(built["results"])]
    assert len(pdfs) == 7
    problems = {pdf.name: pages for pdf in pdfs
                if (pages := pdfpages.half_blank_pages(pdf, built["tmp"] / "blank" / pdf.stem))}
    assert not problems, f"pages more than half blank (not before a new section): {problems}"
