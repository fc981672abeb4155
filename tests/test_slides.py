"""Slides per session (:mod:`helpers.teaching.slides`): one small session's deck, en and zh, from a notebook
executed here by papermill in both languages; the HTML opens in headless Chromium with the network unreachable
(a proxy on a dead port), reveal.js initialises from the local npm copy, and the PDF print has one page per slide.

Needs npm (reveal.js, require.js and MathJax come from the npm registry at build time), Debian's ``chromium`` and
``chromium-driver`` (``scripts/system-deps.sh`` installs them as root; in CI these tests never skip).
"""

from __future__ import annotations

import json
import os
import shutil
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import papermill as pm
import pytest
from pypdf import PdfReader
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

from helpers.errors import DataError
from helpers.notebooks import find_notebooks
from helpers.paths import NOTEBOOKS
from helpers.report.translations import write_store
from helpers.teaching import slides
from helpers.teaching.course import SESSIONS, Part, Session

CHROMIUM = os.environ.get("CRM_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
pytestmark = pytest.mark.skipif(
    os.environ.get("CI") != "true" and not (shutil.which("npm") and Path(CHROMIUM).exists()
                                            and Path(CHROMEDRIVER).exists()),
    reason="npm, Chromium or chromium-driver not installed (scripts/system-deps.sh as root); in CI never skipped")

SESSION = Session(9, "A tiny session", "小课", "", "", (Part("01"),), ())
SLIDE = {"slideshow": {"slide_type": "slide"}}
ZH_PROSE = "第一部分的中文说明。"


def tiny_notebook() -> nbformat.NotebookNode:
    """Six cells: five on slides (title, a section, a figure with printed language, an output taller than a slide,
    a formula), one not."""
    cells = [
        nbformat.v4.new_code_cell('lang = "en"', id="t-params", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_markdown_cell("# 01 · Tiny notebook 小笔记本\n\nA deck of four slides.", id="t-title",
                                      metadata=SLIDE),
        nbformat.v4.new_markdown_cell("## 1 · Part one 第一部分\n\nEnglish prose of part one.", id="t-one",
                                      metadata=SLIDE),
        nbformat.v4.new_code_cell('print("NOT ON A SLIDE")', id="t-skip"),
        nbformat.v4.new_code_cell(
            "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\nfrom IPython.display import display\n"
            "fig, ax = plt.subplots(figsize=(4, 2))\nax.bar(['a', 'b'], [3, 5])\n"
            "print('figure language:', lang)\ndisplay(fig)\nplt.close(fig)", id="t-fig", metadata=SLIDE),
        nbformat.v4.new_code_cell("for i in range(60):\n    print(f'tall output line {i}')", id="t-tall", metadata=SLIDE),
        nbformat.v4.new_markdown_cell("## 2 · Part two 第二部分\n\nThe share $s = \\frac{a}{a+b}$.", id="t-two",
                                      metadata={"slideshow": {"slide_type": "subslide"}}),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The tiny notebook, its Chinese translation, its executed copies (en, zh) and the decks built from them."""
    tmp = tmp_path_factory.mktemp("slides")
    notebooks, locale, reports, out = tmp / "notebooks", tmp / "locale", tmp / "reports", tmp / "slides"
    notebooks.mkdir()
    source = notebooks / "01_tiny.ipynb"
    nbformat.write(tiny_notebook(), source)
    write_store("01_tiny", {"t-one": f"## 1 · 第一部分\n\n{ZH_PROSE}"}, notebooks_dir=notebooks, locale_dir=locale)
    executed = {"en": reports, "zh": reports / "zh"}
    for lang, folder in executed.items():
        folder.mkdir(parents=True, exist_ok=True)
        pm.execute_notebook(str(source), str(folder / source.name), parameters={"lang": lang}, kernel_name="python3",
                            progress_bar=False, cwd=str(tmp))
    written = slides.build_slides(out, executed, [SESSION], notebooks_dir=notebooks, locale_dir=locale)
    return {"tmp": tmp, "out": out, "written": written, "notebooks": notebooks, "reports": reports, "locale": locale}


def deck(built, lang: str, suffix: str = ".html") -> Path:
    return built["out"] / lang / f"{SESSION.name}{suffix}"


class _Refs(HTMLParser):
    """Every asset a page loads: script src, link href, img src (and the sections' first headings)."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.sections = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section":
            self.sections += 1
        if tag in ("script", "img") and a.get("src"):
            self.refs.append(a["src"])
        if tag == "link" and a.get("href"):
            self.refs.append(a["href"])


def _refs(path: Path) -> _Refs:
    parser = _Refs()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_deck_loads_only_local_files(built, lang):
    page = deck(built, lang)
    parser = _refs(page)
    remote = [r for r in parser.refs if r.startswith(("http:", "https:", "//"))]
    assert not remote, f"{page.name} loads from the network: {remote}"
    local = [r for r in parser.refs if not r.startswith(("data:", "#"))]
    assert any("reveal.js-5.2.1/dist/reveal.css" in r for r in local) and any("require.js" in r for r in local)
    missing = [r for r in local if not (page.parent / r).resolve().is_file()]
    assert not missing, f"{page.name} points at files that are not there: {missing}"
    for asset in ("reveal.js-5.2.1/dist/reveal.js", "reveal.js-5.2.1/plugin/notes/notes.js",
                  "requirejs-2.3.7/require.js", "mathjax-3.2.2/es5/tex-svg.js"):
        assert (built["out"] / "assets" / asset).is_file(), asset
    text = page.read_text(encoding="utf-8")
    assert "@import url(http" not in text and "fonts.googleapis" not in text


def test_deck_has_the_tagged_cells_in_order(built):
    text = deck(built, "en").read_text(encoding="utf-8")
    order = ["Session 9 · A tiny session", "Tiny notebook", "English prose of part one", "figure language: en",
             "tall output line 59", "Part two"]
    positions = [text.find(s) for s in order]
    assert all(p >= 0 for p in positions), dict(zip(order, positions))
    assert positions == sorted(positions)
    assert "NOT ON A SLIDE" not in text  # a cell without slideshow metadata stays out
    assert "print(" not in text  # code hidden
    # title slide + 4 slides + 1 subslide: reveal's nesting gives one <section> per slide plus one per vertical stack
    assert _refs(deck(built, "en")).sections >= 6


def test_chinese_deck_uses_the_translations_and_the_zh_run(built):
    text = deck(built, "zh").read_text(encoding="utf-8")
    assert "第 9 讲 · 小课" in text and ZH_PROSE in text and "figure language: zh" in text
    assert "English prose of part one" not in text
    assert "第二部分" in text and "Part two" not in text  # untranslated heading: its Chinese part


@pytest.fixture(scope="module")
def offline_browser():
    """Headless Chromium whose every network request goes to a proxy on a dead port (nothing listens on 9)."""
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900",
                "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>"):
        options.add_argument(arg)
    options.binary_location = CHROMIUM
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_deck_opens_offline_and_reveal_initialises(built, offline_browser, lang):
    d = offline_browser
    d.get(deck(built, lang).resolve().as_uri())
    WebDriverWait(d, 20).until(lambda drv: drv.execute_script("return !!(window.Reveal && Reveal.isReady())"))
    assert d.execute_script("return Reveal.getTotalSlides()") == 6
    zooms = d.execute_script("return Array.from(document.querySelectorAll('.reveal .slides section'))"
                             ".filter(s => s.innerText.includes('tall output line 59')).map(s => s.style.zoom)")
    assert zooms and 0 < float(zooms[-1]) < 1  # the slide taller than the deck is zoomed out to fit
    WebDriverWait(d, 20).until(lambda drv: drv.execute_script("return !!document.querySelector('mjx-container svg')"))
    resources = d.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert not [r for r in resources if r.startswith("http")], resources
    failed = [e["message"] for e in d.get_log("browser") if "Failed to load" in e["message"] or "ERR_" in e["message"]]
    assert not failed, failed


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_pdf_has_one_page_per_slide(built, lang):
    reader = PdfReader(deck(built, lang, ".pdf"))
    assert len(reader.pages) == 6
    first = reader.pages[0].mediabox
    assert float(first.width) > float(first.height)  # slide-shaped pages, not A4
    tall = "tall output line 59"  # on its page, zoomed out; and the page after it is not blank
    words = {"en": ["Session 9", "Tiny notebook", "Part one", "figure language: en", tall, "Part two"],
             "zh": ["第 9 讲", "小笔记本", "中文说明", "figure language: zh", tall, "第二部分"]}[lang]
    for page, word in zip(reader.pages, words):  # NFKC: CJK glyphs read back as Kangxi radicals (⼩ for 小)
        text = " ".join(unicodedata.normalize("NFKC", page.extract_text()).split())
        assert word in text, (word, text[:200])


def test_stale_missing_or_other_language_runs_are_refused(built, tmp_path):
    notebooks = tmp_path / "notebooks"
    shutil.copytree(built["notebooks"], notebooks)
    path = notebooks / "01_tiny.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    next(c for c in nb["cells"] if c["id"] == "t-fig")["source"] = "print('changed since the run')"
    path.write_text(json.dumps(nb), encoding="utf-8")
    with pytest.raises(DataError, match="ran other code in cell 't-fig'"):
        slides.session_deck(SESSION, built["reports"], "en", notebooks)
    with pytest.raises(DataError, match="no executed copy of 01_tiny"):
        slides.session_deck(SESSION, tmp_path / "nothing", "en", built["notebooks"])
    with pytest.raises(DataError, match="executed in 'en', not 'zh'"):
        slides.session_deck(SESSION, built["reports"], "zh", built["notebooks"], built["locale"])


def test_every_session_of_the_course_map_has_slides_in_the_notebooks():
    """The six sessions cover every numbered notebook, and each part has cells tagged for slides."""
    assert [s.number for s in SESSIONS] == list(range(6))
    numbers = {p.notebook for s in SESSIONS for p in s.parts}
    assert numbers == {p.name[:2] for p in find_notebooks(NOTEBOOKS)}
    for session in SESSIONS:
        for part in session.parts:
            nb = nbformat.read(find_notebooks(NOTEBOOKS, [part.notebook])[0], as_version=4)
            chosen = slides.slide_cells(nb, part.numbers)
            assert len(chosen) >= 3, (session.title, part)
            assert all(not c.get("metadata", {}).get("tags") or "parameters" not in c.metadata.tags for c in chosen)


def test_the_same_run_gives_the_same_deck(built, tmp_path):
    deck_nb = slides.session_deck(SESSION, built["reports"], "en", built["notebooks"], built["locale"])
    assets = slides.install_assets(built["out"] / "assets")  # already there: nothing fetched
    first = slides.export_html(deck_nb, tmp_path / "a" / "deck.html", assets).read_bytes()
    again = slides.session_deck(SESSION, built["reports"], "en", built["notebooks"], built["locale"])
    assert slides.export_html(again, tmp_path / "b" / "deck.html", assets).read_bytes() == first


def test_a_tarball_that_is_not_the_pinned_one_is_refused(tmp_path):
    """npm handing over another reveal.js (a changed release, a mirror) stops the build instead of shipping it."""
    fake = tmp_path / "npm"
    fake.write_text("#!/bin/sh\n# npm pack --silent --pack-destination DIR SPEC...\ndest=$4; shift 4\n"
                    "for spec in \"$@\"; do name=$(echo \"$spec\" | sed 's/@/-/'); echo other > \"$dest/$name.tgz\"; done\n")
    fake.chmod(0o755)
    with pytest.raises(RuntimeError, match="is not the pinned sha512-"):
        slides.install_assets(tmp_path / "assets", npm=str(fake))
    assert not (tmp_path / "assets" / "reveal.js-5.2.1").exists()
