"""Chinese versions of the notebooks' markdown cells, kept beside the notebooks.

The notebooks are written in English (bilingual headings); the Chinese report set replaces each
markdown cell by its Chinese version from a translation store, one YAML file per notebook::

    notebooks/locale/zh/<notebook stem>.yml
        <cell id>:
          source_sha: <sha256 of the English cell source, UTF-8, hex>
          zh: |
            <the Chinese markdown>

A translation is *up to date* when ``source_sha`` is the hash of the cell's English source as it
is now. A missing or stale one (the English changed since it was translated) is never used: the
report keeps the English cell, logs a warning naming notebook, cell id and first line, and
``python -m helpers.report.translate --check`` (and ``tests/test_translations.py``) lists it.
``--todo STEM`` prints a YAML skeleton of the cells still to translate (headings pre-filled with
their Chinese part, :func:`helpers.i18n.chinese_part`).

Only cells that reach the report count as needing a translation: cells tagged with one of
:data:`helpers.notebooks.COURSE_TAGS` (exercises, solutions, checks, teaching notes) are dropped
from the PDFs, so their translation is optional (used by nothing today).

Sentences computed in code cells are not markdown cells: they go through the catalog,
``display(Markdown(tr("... {n:,} ...", n=n)))`` with an entry in ``helpers/locale/zh.yml``
(:func:`helpers.i18n.tr`); :func:`english_outputs` lists the markdown outputs of an executed
notebook that are still English.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import yaml

from ..i18n import chinese_part, load_unique_yaml
from ..notebooks import COURSE_TAGS, find_notebooks
from ..paths import NOTEBOOKS
from .layout import LAYOUT_MARK

__all__ = [
    "LOCALE_DIR", "TRANSLATED_MARK", "Problem", "source_sha", "store_path", "load_store", "reaches_report",
    "translate_cells", "check", "english_outputs", "todo_yaml", "parse_sections", "write_store",
    "ALLOWED_WORDS", "ChineseShare", "chinese_share",
]

LOCALE_DIR: Path = NOTEBOOKS / "locale"
"""Root of the translation stores: ``<LOCALE_DIR>/<lang>/<notebook stem>.yml``."""

LOG = logging.getLogger(__name__)

TRANSLATED_MARK = "crm_translated"
"""Cell metadata key set on a markdown cell replaced by its translation (value: the language)."""

_CJK = re.compile(r"[\u4e00-\u9fff]")
_HEADING = re.compile(r"^(\s{0,3}#{1,6}\s+)(.+?)\s*$")


@dataclass(frozen=True)
class Problem:
    """A report-visible markdown cell without an up-to-date translation."""

    notebook: str
    cell_id: str
    kind: str  # "missing", "stale" or "orphan" (a stored id with no cell)
    first_line: str

    def __str__(self) -> str:
        return f"{self.notebook}  {self.cell_id}  {self.kind}: {self.first_line}"


def source_sha(text: str) -> str:
    """SHA-256 (hex) of a cell source as UTF-8: what a translation was made from."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def store_path(stem: str, lang: str = "zh", locale_dir: Path | None = None) -> Path:
    """The translation store of notebook ``stem`` (``01_acquisition``) in ``lang``."""
    return Path(locale_dir or LOCALE_DIR) / lang / f"{stem}.yml"


def load_store(stem: str, lang: str = "zh", locale_dir: Path | None = None) -> dict[str, dict[str, str]]:
    """Cell id → ``{"source_sha", "zh"}`` of one notebook (empty if it has no store).

    Raises
    ------
    ValueError
        If the file is not a mapping of cell id to a mapping with string ``source_sha`` and
        ``zh``, or repeats a cell id.
    """
    path = store_path(stem, lang, locale_dir)
    if not path.exists():
        return {}
    data = load_unique_yaml(path) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of cell id to {{source_sha, zh}}")
    for cid, entry in data.items():
        if not (isinstance(entry, dict) and isinstance(entry.get("source_sha"), str)
                and isinstance(entry.get(lang), str)):
            raise ValueError(f"{path}: entry {cid!r} needs string fields source_sha and {lang}")
    return {str(k): v for k, v in data.items()}


def reaches_report(cell: nbformat.NotebookNode) -> bool:
    """Whether a cell is a markdown cell that the PDF report shows (no course-kit tag)."""
    tags = set(cell.get("metadata", {}).get("tags", []))
    return cell.cell_type == "markdown" and not tags & COURSE_TAGS


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")[:80]


def _template_stem(nb: nbformat.NotebookNode, stem: str) -> str:
    """The source notebook's stem: papermill records it (knowledge reports are named per customer)."""
    given = nb.get("metadata", {}).get("papermill", {}).get("input_path")
    return Path(given).stem if given else stem


def translate_cells(nb: nbformat.NotebookNode, stem: str, lang: str = "zh",
                    locale_dir: Path | None = None, log: bool = True) -> tuple[nbformat.NotebookNode, list[Problem]]:
    """Replace every markdown cell that has an up-to-date ``lang`` translation (in place).

    Parameters
    ----------
    nb
        A notebook (source or executed by papermill: then the store is the one of its input).
    stem
        The notebook's stem, used when papermill did not record an input path.
    lang
        ``"en"`` changes nothing; another language reads its store.

    Returns
    -------
    (notebook, problems)
        The same notebook, and the report-visible cells left in English (missing or stale
        translation), each also logged as a warning (unless ``log=False``).
    """
    if lang == "en":
        return nb, []
    stem = _template_stem(nb, stem)
    store = load_store(stem, lang, locale_dir)
    problems = []
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        entry = store.get(cell.get("id", ""))
        if entry is not None and entry["source_sha"] == source_sha(cell.source):
            cell.source = entry[lang].rstrip("\n")
            cell.metadata[TRANSLATED_MARK] = lang
        elif reaches_report(cell) and not cell.metadata.get(LAYOUT_MARK):  # arrange()'s own headings
            kind = "missing" if entry is None else "stale"
            problems.append(Problem(stem, cell.get("id", "?"), kind, _first_line(cell.source)))
    for p in problems if log else []:
        LOG.warning("%s translation, English shown: %s", p.kind, p)
    return nb, problems


def check(lang: str = "zh", notebooks_dir: Path | None = None, locale_dir: Path | None = None,
          stems: list[str] | None = None) -> list[Problem]:
    """Report-visible markdown cells of the numbered notebooks without an up-to-date translation.

    Also lists store entries whose cell id no longer exists (kind ``"orphan"``).
    """
    folder = Path(notebooks_dir or NOTEBOOKS)
    paths = find_notebooks(folder)
    if (folder / "knowledge_report.ipynb").exists():
        paths.append(folder / "knowledge_report.ipynb")
    problems: list[Problem] = []
    for path in paths:
        if stems and path.stem not in stems:
            continue
        nb = nbformat.read(path, as_version=4)
        _, found = translate_cells(_copy(nb), path.stem, lang, locale_dir, log=False)
        problems += found
        ids = {c.get("id") for c in nb.cells}
        problems += [Problem(path.stem, cid, "orphan", "(no such cell)")
                     for cid in load_store(path.stem, lang, locale_dir) if cid not in ids]
    return problems


def _copy(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    return nbformat.from_dict(nbformat.reads(nbformat.writes(nb), as_version=4))


def english_outputs(nb: nbformat.NotebookNode, min_words: int = 4) -> list[tuple[str, str]]:
    """Markdown outputs of code cells that are English prose: ``(cell id, first words)``.

    A markdown output counts as English when it has no Chinese character and at least
    ``min_words`` Latin words of 3+ letters (a computed sentence not routed through ``tr``).
    """
    found = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            text = out.get("data", {}).get("text/markdown")
            if text is None:
                continue
            text = "".join(text) if isinstance(text, list) else text
            if not _CJK.search(text) and len(re.findall(r"[A-Za-z]{3,}", text)) >= min_words:
                found.append((cell.get("id", "?"), " ".join(text.split()[:8])))
    return found


def todo_yaml(stem: str, lang: str = "zh", notebooks_dir: Path | None = None,
              locale_dir: Path | None = None, course: bool = False) -> str:
    """A YAML skeleton for the cells of ``stem`` still to translate (headings pre-filled).

    The ``zh`` text is the English source with each heading replaced by its Chinese part;
    the prose is left for the translator. ``course=True`` includes the course-kit cells.
    """
    nb = nbformat.read(Path(notebooks_dir or NOTEBOOKS) / f"{stem}.ipynb", as_version=4)
    store = load_store(stem, lang, locale_dir)
    todo: dict[str, Any] = {}
    for cell in nb.cells:
        if cell.cell_type != "markdown" or not (course or reaches_report(cell)):
            continue
        entry = store.get(cell.id)
        if entry is not None and entry["source_sha"] == source_sha(cell.source):
            continue
        lines = [(m.group(1) + (chinese_part(m.group(2)) or m.group(2))) if (m := _HEADING.match(ln)) else ln
                 for ln in cell.source.split("\n")]
        todo[cell.id] = {"source_sha": source_sha(cell.source), lang: "\n".join(lines) + "\n"}
    return yaml.safe_dump(todo, allow_unicode=True, sort_keys=False, width=100, default_style=None)


class _Literal(str):
    """A multi-line string written as a YAML literal block (``|``)."""


def _literal(dumper: yaml.SafeDumper, text: _Literal) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|")


class _StoreDumper(yaml.SafeDumper):
    """Safe YAML with multi-line translations as literal blocks (the global SafeDumper untouched)."""


_StoreDumper.add_representer(_Literal, _literal)


def parse_sections(text: str) -> dict[str, str]:
    """``=== <cell id>`` sections of a plain text file → cell id → text (the translator's format)."""
    out: dict[str, str] = {}
    current = None
    for line in text.split("\n"):
        if line.startswith("=== "):
            current = line[4:].strip()
            if current in out:
                raise ValueError(f"cell {current!r} given twice")
            out[current] = ""
        elif current is not None:
            out[current] += line + "\n"
    return {k: v.strip("\n") + "\n" for k, v in out.items()}


def write_store(stem: str, translations: dict[str, str], lang: str = "zh", notebooks_dir: Path | None = None,
                locale_dir: Path | None = None) -> Path:
    """Add or replace translations of cells of ``stem``, stamped with the cells' current English hash.

    Only for translations made from the English as it is now: stamping says "up to date".

    Raises
    ------
    ValueError
        If a cell id is not a markdown cell of the notebook.
    """
    nb = nbformat.read(Path(notebooks_dir or NOTEBOOKS) / f"{stem}.ipynb", as_version=4)
    cells = {c.get("id"): c for c in nb.cells if c.cell_type == "markdown"}
    unknown = sorted(set(translations) - set(cells))
    if unknown:
        raise ValueError(f"{stem}: no markdown cell with id {', '.join(unknown)}")
    store = load_store(stem, lang, locale_dir)
    for cid, text in translations.items():
        lines = "\n".join(line.rstrip() for line in text.strip("\n").split("\n")) + "\n"
        store[cid] = {"source_sha": source_sha(cells[cid].source), lang: lines}
    order = [c.get("id") for c in nb.cells]
    ordered = {cid: {"source_sha": e["source_sha"], lang: _Literal(e[lang])}
               for cid, e in sorted(store.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))}
    path = store_path(stem, lang, locale_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = (f"# Chinese versions of the markdown cells of notebooks/{stem}.ipynb, by cell id.\n"
              "# source_sha: sha256 of the English cell source they translate (helpers.report.translations).\n")
    path.write_text(header + yaml.dump(ordered, Dumper=_StoreDumper, allow_unicode=True, sort_keys=False, width=10_000),
                    encoding="utf-8")
    return path


ALLOWED_WORDS: frozenset[str] = frozenset("""
cdnow xiaomi miui mitalk simulated pymc marketing jupyterlab duckdb parquet excel qualtrics google forms spss
jieba sklearn scikit learn statsmodels lifetimes pandas seaborn html chromium
fader hardie schmittlein morrison colombo wilson heiberger robbins cronbach feldt woodruff salih tavakol dennick
kaiser meyer olkin bartlett pearson fisher holm cramér goodman gold malhotra segars wayland cole
batislam denizel filiztekin shang hughes wübben wangenheim kotler keller chen sain manning raghavan schütze seung
newcombe gibbert leibold probst gdpr pipl
pareto gamma beta poisson hessian logit varimax
""".split())
"""Words (4+ letters) the Chinese report keeps in Latin script: datasets, products, software,
authors, distributions and the label SIMULATED; not counted as English prose by :func:`chinese_share`."""

_CODE_TOKEN = re.compile(r"\w[_/\\.=@:]\w|^[_/\\.]|[A-Z]{2,}\d|\w-\w")
_WORD = re.compile(r"[A-Za-zÀ-ÿ]{4,}")


@dataclass(frozen=True)
class ChineseShare:
    """How Chinese a text reads: ``cjk / (cjk + latin)``."""

    cjk: int
    latin: int

    @property
    def share(self) -> float:
        total = self.cjk + self.latin
        return self.cjk / total if total else 0.0


def chinese_share(text: str, allowed: frozenset[str] = ALLOWED_WORDS) -> ChineseShare:
    """Chinese characters against English prose letters in a text (e.g. a zh PDF read back).

    ``cjk`` counts CJK Unified Ideographs (U+4E00–U+9FFF). ``latin`` counts the letters of Latin
    words of 4+ letters (shorter ones are units, symbols and acronyms: ``CLV``, ``RFM``, ``km``),
    leaving out words in ``allowed`` (names, products, software; case-insensitive) and every
    whitespace-separated token that looks like code or a file name (``helpers.clv``,
    ``data/raw``, ``customer_id``, ``p_alive``, ``x=1``, ``a-b``). share = cjk / (cjk + latin).
    """
    cjk = len(_CJK.findall(text))
    latin = 0
    for token in text.split():
        if _CODE_TOKEN.search(token):
            continue
        latin += sum(len(w) for w in _WORD.findall(token) if w.lower() not in allowed)
    return ChineseShare(cjk, latin)
