"""Which codebook item an export's column header means (表头匹配).

In order: an exact item id or tidy column name (``sha1``, ``sources__forum``); then the wording with
numbering (``1、``, ``Q3.``, ``第3题``), full-width punctuation, case, spaces and punctuation removed,
compared with the codebook's ``text_en`` / ``text_zh`` (and, for matrix rows and multi-select
options, the part in brackets or after `` - ``). :func:`closest_items` suggests close wordings for
the error message when nothing matches. (The user's ``columns={...}`` map comes first; the reader
applies it, :func:`helpers.survey.read_survey`.)
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from .codebook import MULTI_SEP, Codebook, Item, normalise

_NUMBERING = re.compile(r"^\s*(?:第\s*\d+\s*题|Q\s*\d+(?:[._]\d+)*\s*[.:、)\-]?|\d+\s*[、.．:：)）])\s*", re.I)
_BRACKETED = re.compile(r"^\s*[(（](.*)[)）]\s*$", re.S)
_GRID = re.compile(r"^(.*?)\s*\[(.*)\]\s*$", re.S)


def _header_parts(header: str) -> tuple[str, str | None]:
    """``(stem, sub)`` of a header: numbering removed; ``sub`` is a matrix row or option text if any.

    ``"7、(I share …)"`` → ``("", "I share …")``; ``"第6题(小米社区论坛)"`` → ``("", "小米社区论坛")``;
    ``"Title [Row]"`` → ``("Title", "Row")``; ``"Stem - Row"`` → ``("Stem", "Row")``.
    """
    text = unicodedata.normalize("NFKC", str(header)).strip()
    text = _NUMBERING.sub("", text, count=1)
    text = re.sub(r"\s+-\s+Selected Choice$", "", text)  # Qualtrics multi-select question text
    match = _BRACKETED.match(text)
    if match:
        return "", match.group(1)
    match = _GRID.match(text)
    if match:
        return match.group(1), match.group(2)
    if " - " in text:
        stem, sub = text.rsplit(" - ", 1)
        return stem, sub
    return text, None


@dataclass(frozen=True)
class Target:
    """Where an export column goes: an item, and for a 0/1 multi-select column, the option code."""

    item: str
    option: Any = None

    @property
    def column(self) -> str:
        return self.item if self.option is None else f"{self.item}{MULTI_SEP}{self.option}"


def _text_index(codebook: Codebook) -> dict[str, str]:
    index: dict[str, str] = {}
    for it in codebook.items.values():
        for text in (it.id, it.text_en, it.text_zh):
            if text:
                index.setdefault(normalise(text), it.id)
    return index


def _option_of(item: Item, text: str) -> Any:
    key = normalise(text)
    for lv in item.scale.levels:
        if key in {normalise(s) for s in lv.spellings()}:
            return lv.code
    return None


def match_header(header: str, codebook: Codebook) -> Target | None:
    """The item (and option) an export header refers to, or ``None`` (see the module docstring)."""
    header = str(header).strip()
    if header in codebook.items:
        return Target(header)
    if MULTI_SEP in header:
        base, _, option = header.partition(MULTI_SEP)
        if base in codebook.items and codebook.items[base].kind == "multi":
            code = _option_of(codebook.items[base], option)
            if code is not None:
                return Target(base, code)
    index = _text_index(codebook)
    key = normalise(_NUMBERING.sub("", unicodedata.normalize("NFKC", header), count=1))
    key = key.removesuffix("selectedchoice")
    if key in index:
        return Target(index[key])
    stem, sub = _header_parts(header)
    if sub is None:
        return None
    if normalise(sub) in index and codebook.items[index[normalise(sub)]].kind != "multi":
        return Target(index[normalise(sub)])  # a matrix row: the row text is the item
    multis = [it for it in codebook.items_of("multi")]
    if stem and normalise(stem) in index:
        parent = codebook.items[index[normalise(stem)]]
        multis = [parent] if parent.kind == "multi" else []
    hits = [(it.id, code) for it in multis if (code := _option_of(it, sub)) is not None]
    if len(hits) == 1:
        return Target(*hits[0])
    return None


def closest_items(header: str, codebook: Codebook) -> str:
    """Up to two items whose wording is close to the header's, as ``'id' (wording); …`` (``""``: none)."""
    texts = {it.text_en: it.id for it in codebook.items.values()}
    texts.update({it.text_zh: it.id for it in codebook.items.values() if it.text_zh})
    stem, sub = _header_parts(header)
    probe = sub or stem or header
    close = difflib.get_close_matches(probe, list(texts), n=2, cutoff=0.4)
    return "; ".join(f"{texts[c]!r} ({c})" for c in close)
