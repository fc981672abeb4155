"""Slides per session of the course, generated from the notebooks: reveal.js HTML that opens offline, and its PDF.

Which cells make a deck
-----------------------
A cell is on a slide when its metadata carries Jupyter's slideshow type,
``metadata.slideshow.slide_type`` (``"slide"`` starts a slide, ``"subslide"`` a vertical one,
``"-"`` continues the current one, ``"notes"`` is a speaker note) — set in JupyterLab's property
inspector; no cell source is changed. Cells without it are left out (Jupyter would show them).
The selection is read from the **source** notebooks (``notebooks/``), the outputs (figures,
tables, computed sentences) from an **executed** copy of the same notebook in the deck's language
(``python -m helpers.report --no-pdf --lang en|zh`` writes them to ``reports/`` and ``reports/zh/``),
matched by cell id; code is hidden. A tagged code cell whose executed copy is missing, has no
such cell, ran in another language or ran other code is refused (:class:`~helpers.errors.DataError`
naming the notebook, the cell and the command to re-run): a slide never shows stale numbers.

Sessions
--------
:data:`~helpers.teaching.course.SESSIONS` is the course map (six sessions): each is a list of
(notebook, sections) parts (``Part.numbers``); notebook 04's sections 1–2 are session 1 (identification), its
sections 3–9 session 2 (differentiation, after notebook 03). A cell belongs to the section of the
last ``## N · …`` heading above it (0 before the first). Each deck opens with a generated title slide.

Chinese decks
-------------
``lang="zh"``: the markdown cells are replaced by their Chinese versions
(:func:`helpers.report.translations.translate_cells`, ``notebooks/locale/zh/``), headings show their
Chinese part (:func:`helpers.report.localise_headings`), and the outputs come from the ``--lang zh``
run (Chinese figures, tables and computed sentences).

Offline
-------
The assets come from the npm registry at build time (:data:`ASSETS`: ``reveal.js`` 5.2.1 — the
``dist/`` + ``plugin/notes/`` layout nbconvert's reveal template expects; 6.x moved the plugins —,
``requirejs`` (the template loads reveal.js through require.js) and ``mathjax`` 3 (``tex-svg.js``:
one file, glyphs drawn as SVG paths, no font downloads)), each ``npm pack``-ed, checked against
its pinned SHA-512 and unpacked into ``<out>/assets/`` (git-ignored), and referenced by relative
URLs: the ``slides/`` folder opens from a USB stick. jQuery, mermaid and the widget manager of the
template (CDN links) are dropped (:data:`TEMPLATE`).

The PDF is Chromium's print of the deck (``?print-pdf``, reveal.js' print layout, one page per slide:
``pdfMaxPagesPerSlide: 1``, fragments not separated), through :func:`helpers.report.html_to_pdf`.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import nbformat
from jinja2 import DictLoader

from ..errors import DataError
from ..i18n import LANGUAGES
from ..notebooks import find_notebooks
from ..paths import NOTEBOOKS
from ..report import drop_stderr, html_to_pdf, localise_headings
from ..report.translations import translate_cells
from .course import SESSIONS, Session

SLIDE_TYPES = frozenset({"slide", "subslide", "fragment", "-", "notes"})
"""``metadata.slideshow.slide_type`` values that put a cell on a deck (``"skip"`` and no value leave it out)."""


@dataclass(frozen=True)
class Asset:
    """An npm package the decks load, pinned by version and tarball SHA-512, and the files kept from it."""

    package: str
    version: str
    integrity: str
    members: tuple[str, ...]  # paths inside the tarball's package/ folder (a trailing / keeps a folder)

    @property
    def folder(self) -> str:
        return f"{self.package}-{self.version}"


ASSETS: dict[str, Asset] = {
    "reveal": Asset("reveal.js", "5.2.1",
                    "sha512-r7//6mIM5p34hFiDMvYfXgyjXqGRta+/psd9YtytsgRlrpRzFv4RbH76TXd2qD+7ZPZEbpBDhdRhJaFgfQ7zNQ==",
                    ("dist/", "plugin/notes/", "LICENSE")),
    "require": Asset("requirejs", "2.3.7",
                     "sha512-DouTG8T1WanGok6Qjg2SXuCMzszOo0eHeH9hDZ5Y4x8Je+9JB38HdTLT4/VA8OaUhBa0JPVHJ0pyBkM1z+pDsw==",
                     ("require.js",)),
    "mathjax": Asset("mathjax", "3.2.2",
                     "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw==",
                     ("es5/tex-svg.js", "LICENSE")),
}
"""The npm packages of the decks (``npm pack <package>@<version>``), unpacked into ``<out>/assets/<folder>/``."""

SLIDE_CSS = """
.reveal .slides section { text-align: left; }
.reveal .jp-RenderedImage img, .reveal .jp-RenderedSVG svg, .reveal .jp-RenderedSVG img {
  max-height: 470px; width: auto; max-width: 100%; }
.reveal table { font-size: 13px; }
.reveal .jp-Collapser { display: none; }
.reveal .jp-RenderedHTMLCommon, .reveal .jp-OutputArea-output { overflow: visible; }  /* no scroll bars on slides */
.reveal .jp-RenderedHTMLCommon p, .reveal .jp-RenderedHTMLCommon li { font-size: 19px; line-height: 1.35; }
.reveal .slides h1, .reveal .slides h2, .reveal .slides h3 { text-transform: none; }  /* the theme comes later */
.reveal h1 { font-size: 40px; } .reveal h2 { font-size: 30px; } .reveal h3 { font-size: 24px; }
:root { --jp-content-font-family: "Noto Sans", "DejaVu Sans", "Noto Sans CJK SC", sans-serif; }
"""
"""Sizes that keep a notebook cell on a 960 × 700 slide (figures ≤ 470 px high, small tables)."""

TEMPLATE = r"""{%- extends 'index.html.j2' -%}
{% block html_head_js %}<script src="{{ resources.crm.require }}"></script>{% endblock html_head_js %}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{% block html_head_js_mathjax %}
<script>window.MathJax = {tex: {inlineMath: [['$', '$'], ['\\(', '\\)']], displayMath: [['$$', '$$'], ['\\[', '\\]']]},
  svg: {fontCache: 'global'}, startup: {typeset: true}};</script>
<script src="{{ resources.crm.mathjax }}"></script>
<style type="text/css">{{ resources.crm.css }}</style>
{% endblock html_head_js_mathjax %}
{% block footer_js %}
<script>
if (/print-pdf/i.test(window.location.search)) {  // headless printing runs on virtual time, which drives timers,
  window.requestAnimationFrame = function (cb) {   // not frames: reveal's print layout waits for two frames
    return window.setTimeout(function () { cb(window.performance.now()); }, 16);
  };
}
function crmFitSlides(width, height) {  // a slide taller than the deck is zoomed out to fit (else print pages go blank)
  document.querySelectorAll('.reveal .slides section').forEach(function (s) {
    if (s.querySelector('section')) return;  // a stack of vertical slides: each is fitted
    var chain = [s];  // the slide and the stack holding it are hidden until reveal.js lays them out
    if (s.parentElement.tagName === 'SECTION') chain.push(s.parentElement);
    var saved = chain.map(function (e) { return e.getAttribute('style'); });
    chain.forEach(function (e) { e.style.display = 'block'; e.style.width = width + 'px'; e.style.position = 'absolute'; });
    var h = s.scrollHeight;
    chain.forEach(function (e, i) { if (saved[i] === null) e.removeAttribute('style'); else e.setAttribute('style', saved[i]); });
    if (h > height) s.style.zoom = (height / h).toFixed(3);
  });
}
require(["{{ reveal_url_prefix }}/dist/reveal.js", "{{ reveal_url_prefix }}/plugin/notes/notes.js"],
  function (Reveal, RevealNotes) {
    window.Reveal = Reveal;
    var loaded = new Promise(function (done) {
      if (document.readyState === 'complete') done(); else window.addEventListener('load', done);
    });
    var typeset = window.MathJax && MathJax.startup ? MathJax.startup.promise : Promise.resolve();
    Promise.all([loaded, typeset]).then(function () {
      crmFitSlides({{ reveal_width }}, 0.94 * {{ reveal_height }});
      Reveal.initialize({controls: true, progress: true, hash: true, transition: "none", slideNumber: "c/t",
        plugins: [RevealNotes], width: {{ reveal_width }}, height: {{ reveal_height }},
        pdfMaxPagesPerSlide: 1, pdfSeparateFragments: false});
    });
  });
</script>
{% endblock footer_js %}
"""
"""nbconvert's reveal template with every CDN link replaced: require.js, MathJax and reveal.js local
(``resources.crm``), jQuery, mermaid and the widget manager dropped; one page per slide in print. Once the page
has loaded and MathJax has typeset, a slide taller than the deck is zoomed out to fit (CSS ``zoom``): a slide that
overflows its page makes Chromium's print of the whole deck come out blank."""

TEMPLATE_NAME = "crm_slides.html.j2"
_SECTION = re.compile(r"^##\s+(\d+)\s*·", re.MULTILINE)


def slide_type(cell: nbformat.NotebookNode) -> str | None:
    """The cell's ``metadata.slideshow.slide_type`` when it puts the cell on a deck, else ``None``."""
    kind = cell.get("metadata", {}).get("slideshow", {}).get("slide_type")
    return kind if kind in SLIDE_TYPES else None


def section_numbers(nb: nbformat.NotebookNode) -> list[int]:
    """The section of every cell: the number of the last ``## N · …`` heading above it or on it (0 before the first)."""
    current, out = 0, []
    for cell in nb.cells:
        if cell.cell_type == "markdown" and (found := _SECTION.findall(cell.source)):
            current = int(found[0])
        out.append(current)
    return out


def slide_cells(nb: nbformat.NotebookNode, sections: Iterable[int] | None = None) -> list[nbformat.NotebookNode]:
    """The cells of ``nb`` that make slides (:func:`slide_type`), in order, within ``sections`` (``None``: all)."""
    keep = None if sections is None else set(sections)
    return [cell for cell, section in zip(nb.cells, section_numbers(nb))
            if slide_type(cell) and (keep is None or section in keep)]


def _executed_cell(executed: nbformat.NotebookNode | None, source_cell, where: Path, stem: str, lang: str):
    """The executed copy of a tagged code cell; refuses a missing or stale one."""
    rerun = f"run `python -m helpers.report --no-pdf --lang {lang}` (from notebook 01: the store hands over) first"
    if executed is None:
        raise DataError(f"no executed copy of {stem}.ipynb: its slides show outputs", file=where, hint=rerun)
    match = next((c for c in executed.cells if c.get("id") == source_cell.get("id")), None)
    if match is None or match.source != source_cell.source:
        state = "has no cell" if match is None else "ran other code in cell"
        raise DataError(f"the executed copy {state} {source_cell.get('id')!r} (older than the notebook?)",
                        file=where, hint=rerun)
    return match


def _executed_language(executed: nbformat.NotebookNode) -> str:
    return str(executed.get("metadata", {}).get("papermill", {}).get("parameters", {}).get("lang", "en"))


def session_deck(session: Session, executed_dir: Path, lang: str = "en", notebooks_dir: Path | None = None,
                 locale_dir: Path | None = None) -> nbformat.NotebookNode:
    """One session's deck as a notebook: a title slide, then each part's slide cells with their outputs.

    Parameters
    ----------
    session
        One of :data:`SESSIONS` (or another :class:`Session`).
    executed_dir
        Folder of the executed notebooks in ``lang`` (``reports/`` or ``reports/zh/``).
    lang
        ``"en"`` or ``"zh"`` (markdown from ``notebooks/locale/zh/``, headings in Chinese).
    notebooks_dir, locale_dir
        The source notebooks (default ``notebooks/``) and translation stores (default ``notebooks/locale``).

    Raises
    ------
    DataError
        A part's notebook has no slide cells, or a tagged code cell has no up-to-date executed copy
        in ``lang``.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    folder = Path(notebooks_dir or NOTEBOOKS)
    title = session.title_zh if lang == "zh" else session.title
    heading = f"第 {session.number} 讲 · {title}" if lang == "zh" else f"Session {session.number} · {title}"
    cells = [nbformat.v4.new_markdown_cell(f"# {heading}", id=f"{session.name}-title",
                                           metadata={"slideshow": {"slide_type": "slide"}})]
    for part in session.parts:
        path = find_notebooks(folder, [part.notebook])[0]
        source = nbformat.read(path, as_version=4)
        chosen = slide_cells(source, part.numbers)
        if not chosen:
            raise DataError(f"no cell of sections {part.numbers or 'all'} carries metadata.slideshow.slide_type",
                            file=path, hint="mark the deck's cells in JupyterLab's property inspector (Slide Type)")
        where = Path(executed_dir) / path.name
        executed = nbformat.read(where, as_version=4) if where.exists() else None
        if executed is not None and _executed_language(executed) != lang:
            raise DataError(f"executed in {_executed_language(executed)!r}, not {lang!r}", file=where,
                            hint=f"run `python -m helpers.report --no-pdf --lang {lang}` into this folder")
        part_nb = nbformat.v4.new_notebook(cells=[copy.deepcopy(c) for c in chosen])
        for cell in part_nb.cells:
            if cell.cell_type == "code":
                cell.outputs = copy.deepcopy(_executed_cell(executed, cell, where, path.stem, lang).outputs)
        translate_cells(part_nb, path.stem, lang, locale_dir)  # "en": unchanged
        cells += part_nb.cells
    deck = nbformat.v4.new_notebook(cells=cells, metadata={"title": heading, "language_info": {"name": "python"}})
    return localise_headings(drop_stderr(deck), lang)


def _sha512(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def install_assets(dest: Path, npm: str | None = None) -> dict[str, Path]:
    """``npm pack`` each of :data:`ASSETS` (unless already unpacked), check its SHA-512, unpack its files into ``dest``.

    Returns
    -------
    dict
        Asset key → its unpacked folder (``dest/reveal.js-5.2.1``, …).

    Raises
    ------
    RuntimeError
        npm is missing or fails, or a tarball's SHA-512 is not the pinned one.
    """
    dest = Path(dest)
    out = {key: dest / asset.folder for key, asset in ASSETS.items()}
    todo = {k: a for k, a in ASSETS.items() if not (out[k] / ".installed").exists()}
    if not todo:
        return out
    npm = npm or shutil.which("npm")
    if npm is None:
        raise RuntimeError("slides need npm for reveal.js (apt-get install -y --no-install-recommends npm, "
                           "or scripts/system-deps.sh as root)")
    with tempfile.TemporaryDirectory(prefix="crm-npm-") as tmp:
        specs = [f"{a.package}@{a.version}" for a in todo.values()]
        done = subprocess.run([npm, "pack", "--silent", "--pack-destination", tmp, *specs],
                              capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise RuntimeError(f"npm pack {' '.join(specs)} failed:\n{done.stderr.strip()[-2000:]}")
        for key, asset in todo.items():
            tarball = Path(tmp) / f"{asset.package.replace('/', '-')}-{asset.version}.tgz"
            if _sha512(tarball) != asset.integrity:
                raise RuntimeError(f"{tarball.name}: SHA-512 {_sha512(tarball)} is not the pinned {asset.integrity}")
            shutil.rmtree(out[key], ignore_errors=True)
            with tarfile.open(tarball) as tar:
                members = [m for m in tar.getmembers() if m.isfile() and any(
                    m.name == f"package/{p}" or (p.endswith("/") and m.name.startswith(f"package/{p}"))
                    for p in asset.members)]
                for m in members:
                    m.name = m.name.removeprefix("package/")
                tar.extractall(out[key], members=members, filter="data")
            (out[key] / ".installed").write_text(f"{asset.package}@{asset.version} {asset.integrity}\n")
    return out


def _relative(target: Path, start: Path) -> str:
    return Path(os.path.relpath(target, start)).as_posix()


def export_html(deck: nbformat.NotebookNode, html_path: Path, assets: dict[str, Path]) -> Path:
    """The deck as reveal.js HTML (nbconvert's SlidesExporter, :data:`TEMPLATE`), code hidden, assets relative."""
    from nbconvert import SlidesExporter

    html_path = Path(html_path)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    here = html_path.parent.resolve()
    exporter = SlidesExporter(extra_loaders=[DictLoader({TEMPLATE_NAME: TEMPLATE})], template_file=TEMPLATE_NAME)
    exporter.exclude_input = exporter.exclude_input_prompt = exporter.exclude_output_prompt = True
    exporter.reveal_theme = "white"  # its fonts ship with reveal.js ("simple" imports Google Fonts)
    exporter.reveal_url_prefix = _relative(assets["reveal"].resolve(), here)
    crm = {"require": _relative(assets["require"].resolve() / "require.js", here),
           "mathjax": _relative(assets["mathjax"].resolve() / "es5" / "tex-svg.js", here), "css": SLIDE_CSS}
    body, _ = exporter.from_notebook_node(deck, resources={"crm": crm, "metadata": {"name": deck.metadata["title"]}})
    html_path.write_text(body, encoding="utf-8")
    return html_path


def print_pdf(html_path: Path, pdf_path: Path) -> Path:
    """Chromium's print of a deck in reveal.js' print layout (``?print-pdf``): one page per slide."""
    return html_to_pdf(html_path, pdf_path, query="?print-pdf")


def build_slides(out: Path, executed: dict[str, Path], sessions: Sequence[Session] = SESSIONS, pdf: bool = True,
                 notebooks_dir: Path | None = None, locale_dir: Path | None = None) -> list[Path]:
    """Write every session's deck (``<out>/<lang>/session-N.html``, and ``.pdf``) for each language of ``executed``.

    Parameters
    ----------
    out
        Output folder; its ``assets/`` gets the npm packages (:func:`install_assets`).
    executed
        Language → folder of that language's executed notebooks (``{"en": reports, "zh": reports/zh}``).

    Returns
    -------
    list of Path
        The files written, HTML then PDF per deck.
    """
    assets = install_assets(Path(out) / "assets")
    written = []
    for lang, folder in executed.items():
        for session in sessions:
            deck = session_deck(session, folder, lang, notebooks_dir, locale_dir)
            html = export_html(deck, Path(out) / lang / f"{session.name}.html", assets)
            written.append(html)
            if pdf:
                written.append(print_pdf(html, html.with_suffix(".pdf")))
    return written
