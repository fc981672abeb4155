"""Links in the README, docs, course materials and notebooks resolve to files inside the repository.

Every markdown link ``[text](target)`` (and ``<a href>`` / ``<img src>``) to a local file must name a file that
exists and lies inside the repository; an anchor into a markdown file (``docs/references.md#paper1``) must
exist there (an ``<a id>`` or a heading). No text may point at the machine's own folders (``/work/…``,
``../shared``) or the seed notes (``SEEDS.md``), and the helpers' docstrings that cite
``docs/references.md#anchor`` must name an existing anchor.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|(?:href|src)=\"([^\"]+)\"")
OUTSIDE = re.compile(r"(?<![\w.])/work/|\.\./shared\b|\bSEEDS\.md\b")
ANCHOR = re.compile(r'<a id="([^"]+)"')


def _documents() -> list[tuple[Path, str]]:
    """(file, markdown text) of the README, docs/, course/, data READMEs and every notebook's markdown cells."""
    files = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md")), *sorted((ROOT / "course").rglob("*.md")),
             *sorted((ROOT / "data").rglob("README.md"))]
    docs = [(p, p.read_text(encoding="utf-8")) for p in files if p.exists()]
    for nb_path in [*sorted((ROOT / "notebooks").glob("*.ipynb")), *sorted((ROOT / "course").glob("*.ipynb"))]:
        nb = nbformat.read(nb_path, as_version=4)
        docs.append((nb_path, "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")))
    return docs


def _slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    heads = re.findall(r"^#{1,6}\s+(.+?)\s*$", text, re.M)
    return set(ANCHOR.findall(text)) | {_slug(h) for h in heads}


def local_links(text: str) -> list[str]:
    out = []
    for m in LINK.finditer(re.sub(r"```.*?```", "", text, flags=re.S)):
        target = m.group(1) or m.group(2)
        if not re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # http:, https:, mailto:, data: …
            out.append(target)
    return out


def broken(path: Path, text: str) -> list[str]:
    """What is wrong with the local links of one document (empty when all resolve inside the repo)."""
    problems = []
    for target in local_links(text):
        file, _, anchor = target.partition("#")
        dest = (path.parent / file).resolve() if file else path.resolve()
        if not dest.is_relative_to(ROOT):
            problems.append(f"{target}: outside the repository")
        elif not dest.exists():
            problems.append(f"{target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            problems.append(f"{target}: no anchor #{anchor}")
    problems += [f"points outside the repository: {m.group(0)!r}" for m in OUTSIDE.finditer(text)]
    return problems


@pytest.fixture(scope="module")
def documents():
    return _documents()


def test_every_local_link_resolves_inside_the_repository(documents):
    assert len(documents) > 10
    bad = {str(p.relative_to(ROOT)): b for p, t in documents if (b := broken(p, t))}
    assert not bad, bad


def test_helpers_cite_existing_reference_anchors():
    known = anchors(ROOT / "docs" / "references.md")
    cited = {}
    for path in sorted((ROOT / "helpers").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert not OUTSIDE.search(text), f"{path.relative_to(ROOT)} points outside the repository"
        for anchor in re.findall(r"docs/references\.md#([\w-]+)", text):
            cited.setdefault(anchor, path.relative_to(ROOT))
    assert {"paper1", "paper2"} <= set(cited)
    assert set(cited) <= known, {a: str(p) for a, p in cited.items() if a not in known}


def test_references_list_each_work_once_with_the_required_entries():
    text = (ROOT / "docs" / "references.md").read_text(encoding="utf-8")
    ids = ANCHOR.findall(text)
    assert len(ids) == len(set(ids))
    entries = re.findall(r'<a id="[^"]+"></a>(.*?)(?=\n- <a id=|\n## |\Z)', text, re.S)
    firsts = [re.sub(r"\s+", " ", e)[:60] for e in entries]
    assert len(firsts) == len(set(firsts))
    for anchor, must in {"paper1": ["小米公司的客户关系管理", "2014"], "paper2": ["小米科技公司客户知识管理概述"],
                         "fader-hardie-lee-2005a": ["Marketing Science", "24(2)"],
                         "fader-hardie-lee-2005b": ["RFM and CLV"], "schmittlein-1987": ["Management Science"],
                         "wayland-cole-1997": ["Customer Connections"], "batislam-2007": ["24(3)"],
                         "fader-hardie-shang-2010": ["29(6)"], "fader-hardie-2007a": ["How to project"],
                         "wilson-1927": ["Probable inference"]}.items():
        entry = entries[ids.index(anchor)]
        assert all(m in entry for m in must), anchor


def test_the_link_check_can_fail(tmp_path):
    doc = ROOT / "docs" / "x.md"
    text = ("[a](references.md#paper1) [b](references.md#nope) [c](../../outside.md) [d](missing.md) "
            "[e](https://example.org) see ../shared/SEEDS.md")
    problems = broken(doc, text)
    assert len(problems) == 5 and not any("paper1" in p or "example.org" in p for p in problems)


CITE = re.compile(r"\b((?:von )?[A-Z][a-zA-Zü\-]+)((?:, (?:von )?[A-Z][a-zü]+)*(?: (?:&|and|与) (?:von )?[A-Z][a-zü]+)?"
                  r"(?: et al\.)?),? \(?((?:18|19|20)\d\d)[a-z]?\b")
#: "Name YYYY" that are not citations (sheet names, product events, file formats, a data set's name) …
NOT_CITATIONS = {"Year", "SpreadsheetML", "Excel", "December", "Donations", "Festival", "Day", "NBD"}
#: … and the abbreviations the docstrings use for a paper's authors.
ABBREVIATIONS = {"FHL": "Fader", "FHS": "Fader", "SMC": "Schmittlein", "Fader-Hardie": "Fader"}


def test_every_work_cited_in_helpers_and_notebooks_is_in_the_references():
    """Each "Author (Year)" / "Author & Author Year" / "Author et al. Year" in a docstring, the glossary or a
    notebook has an entry in docs/references.md naming that first author and year."""
    texts = [p.read_text(encoding="utf-8") for p in [*sorted((ROOT / "helpers").rglob("*.py")),
                                                     *sorted((ROOT / "helpers").rglob("*.yml"))]]
    texts += ["\n".join(c.source for c in nbformat.read(p, as_version=4).cells)
              for p in sorted((ROOT / "notebooks").glob("*.ipynb"))]
    reference = (ROOT / "docs" / "references.md").read_text(encoding="utf-8")
    entries = re.findall(r'<a id="[^"]+"></a>(.*?)(?=\n- <a id=|\n## |\Z)', reference, re.S)
    cited = {(ABBREVIATIONS.get(m.group(1), m.group(1).removeprefix("von ")), m.group(3))
             for text in texts for m in CITE.finditer(text) if m.group(1) not in NOT_CITATIONS}
    assert len(cited) > 30
    missing = sorted(c for c in cited if not any(c[0] in e and c[1] in e for e in entries))
    assert not missing, f"cited but not in docs/references.md: {missing}"
