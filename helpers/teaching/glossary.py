"""The course glossary (``helpers/glossary.yml``) and the key-terms tables it writes.

Every key term in Chinese and English with a one-sentence definition in each language, its
source and the notebooks that use it. :func:`glossary` loads and checks it; :func:`terms_table`
renders a notebook's "| 中文 | English |" table; :func:`sync_terms` rewrites those tables in the
notebooks (or, with ``check``, only reports drift), so the glossary is the single source;
:func:`glossary_markdown` is the bilingual handout the editions carry.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import nbformat
import pandas as pd

from ..errors import DataError
from ..i18n import load_unique_yaml
from ..notebooks import find_notebooks, intro_cell, notebook_number
from ..paths import NOTEBOOKS

GLOSSARY_PATH: Path = Path(__file__).parent.parent / "glossary.yml"
"""``helpers/glossary.yml`` (package data, beside the modules of :mod:`helpers`)."""
TERMS_HEADER = "| 中文 | English |"
TERMS_RULE = "|---|---|"


_REQUIRED = ("id", "zh", "en", "definition_en", "definition_zh", "source", "notebooks")


def _is_number(value: object) -> bool:
    """True for a notebook number as :func:`helpers.notebooks.notebook_number` writes it (``"03"``)."""
    try:
        return notebook_number(str(value)) == str(value)
    except ValueError:
        return False


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> tuple[pd.DataFrame, dict[str, str]]:
    raw = load_unique_yaml(Path(path)) or {}
    sources = raw.get("sources") or {}
    terms = raw.get("terms") or []
    for i, term in enumerate(terms, start=1):
        missing = [k for k in _REQUIRED if term.get(k) in (None, "")]
        if missing:
            raise DataError(f"term {term.get('id', '?')!r} lacks {', '.join(missing)}", file=path, row=i,
                            hint="give every term id, zh, en, definition_en, definition_zh, source, notebooks")
        if term["source"] not in sources:
            raise DataError(f"term {term['id']!r} names source {term['source']!r}, which `sources` does not define",
                            file=path, column="source", row=i, hint="add it under `sources:`")
        bad = [n for n in term["notebooks"] if not _is_number(n)]
        if bad:
            raise DataError(f"term {term['id']!r}: notebooks must be two-digit numbers, got {bad}", file=path,
                            column="notebooks", row=i, hint='write e.g. notebooks: ["03", "04"]')
    frame = pd.DataFrame([{**{k: t[k] for k in _REQUIRED}, "notebooks": [str(n) for n in t["notebooks"]]}
                          for t in terms], columns=list(_REQUIRED))
    for column in ("id", "zh", "en"):
        dup = frame.loc[frame[column].duplicated(), column].tolist()
        if dup:
            raise DataError(f"duplicate {column} in the glossary: {dup}", file=path, column=column,
                            hint="every term needs its own id, Chinese and English name")
    return frame, {str(k): str(v) for k, v in sources.items()}


def glossary(path: str | Path = GLOSSARY_PATH) -> pd.DataFrame:
    """The course glossary, one row per term.

    Parameters
    ----------
    path
        The glossary YAML (default ``helpers/glossary.yml``).

    Returns
    -------
    pandas.DataFrame
        Columns ``id, zh, en, definition_en, definition_zh, source, notebooks`` (``notebooks``
        holds lists of two-digit numbers), in file order; ``attrs["sources"]`` maps source keys
        to full references.

    Raises
    ------
    DataError
        A term lacks a field, names an unknown source, or repeats an id, Chinese or English name.
    """
    path = Path(path)
    frame, sources = _load(str(path), path.stat().st_mtime)
    frame = frame.copy()
    frame.attrs["sources"] = dict(sources)
    return frame


def notebook_terms(notebook: str | Path, terms: pd.DataFrame | None = None) -> pd.DataFrame:
    """The glossary terms a notebook's key-terms table lists, in glossary order."""
    terms = glossary() if terms is None else terms
    number = notebook_number(notebook)
    return terms.loc[terms["notebooks"].map(lambda ns: number in ns)].reset_index(drop=True)


def _cell_text(text: str) -> str:
    return text.replace("|", "\\|").strip()


def terms_table(notebook: str | Path, terms: pd.DataFrame | None = None) -> str:
    """The markdown key-terms table of a notebook: header ``| 中文 | English |``, one row per term."""
    rows = notebook_terms(notebook, terms)
    lines = [TERMS_HEADER, TERMS_RULE] + [f"| {_cell_text(r.zh)} | {_cell_text(r.en)} |" for r in rows.itertuples()]
    return "\n".join(lines)


def _table_span(lines: list[str]) -> tuple[int, int] | None:
    """Line range [start, end) of the key-terms table in a cell's lines."""
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == TERMS_HEADER)
    except StopIteration:
        return None
    end = start + 1
    while end < len(lines) and lines[end].strip().startswith("|"):
        end += 1
    return start, end


def table_rows(source: str) -> list[tuple[str, str]]:
    """The ``(中文, English)`` rows of the key-terms table in a markdown cell's source."""
    lines = source.splitlines()
    span = _table_span(lines)
    if span is None:
        return []
    rows = []
    for line in lines[span[0] + 2:span[1]]:
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        if len(cells) >= 2:
            rows.append((cells[0], cells[1]))
    return rows


def _with_table(source: str, table: str) -> str:
    lines = source.splitlines()
    span = _table_span(lines)
    if span is None:
        return source.rstrip() + "\n\n" + table
    return "\n".join(lines[:span[0]] + table.splitlines() + lines[span[1]:])


def sync_terms(notebooks_dir: str | Path = NOTEBOOKS, check: bool = False) -> list[Path]:
    """Rewrite (or, with ``check``, only compare) each notebook's key-terms table from the glossary.

    Each notebook is read, the table of its intro cell (:func:`helpers.notebooks.intro_cell`: the
    cell tagged ``appendix`` with the objectives and key terms) replaced and written back at once
    (the other cells are untouched).

    Returns
    -------
    list of Path
        The notebooks whose table differed from the glossary (rewritten unless ``check``).
    """
    terms = glossary()
    changed = []
    for path in find_notebooks(notebooks_dir):
        nb = nbformat.read(path, as_version=4)
        first = intro_cell(nb)
        new = _with_table(first.source, terms_table(path, terms))
        if new != first.source:
            changed.append(path)
            if not check:
                first.source = new
                nbformat.write(nb, path)
    return changed


def glossary_markdown(terms: pd.DataFrame | None = None) -> str:
    """A bilingual glossary handout (markdown): term, definitions, source and notebooks."""
    terms = glossary() if terms is None else terms
    sources = terms.attrs.get("sources", {})
    lines = ["# Glossary 术语表", "",
             "The key terms of the CRM workbook, in Chinese and English, with the notebooks that use them.", "",
             "| 中文 | English | definition | 定义 | notebooks |", "|---|---|---|---|---|"]
    for t in terms.itertuples():
        lines.append(f"| {_cell_text(t.zh)} | {_cell_text(t.en)} | {_cell_text(t.definition_en)} | "
                     f"{_cell_text(t.definition_zh)} | {', '.join(t.notebooks) or '–'} |")
    lines += ["", "Sources 来源:", ""] + [f"- `{k}`: {v}" for k, v in sources.items()]
    return "\n".join(lines) + "\n"
