"""The codebook (编码簿) of a survey instrument: items, their scales and answer labels, dimensions.

A **codebook** (YAML, :func:`load_codebook`) lists every item of an instrument: its id, English
and Chinese wording, scale and answer labels, reverse-coding and the dimension it measures.
Every reader (:func:`helpers.survey.read_survey`) maps an export onto it; :func:`normalise` is the
comparable form of a header or answer that both the codebook's checks and the readers use.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from ..errors import DataError
from ..i18n import add_values
from ..paths import RAW, resolve_user_path

SURVEY_DIR: Path = RAW / "survey"
CODEBOOK_PATH: Path = SURVEY_DIR / "codebook.yml"
SAMPLES_DIR: Path = SURVEY_DIR / "samples"
"""Sample exports of every format (test fixtures, :data:`helpers.survey.FORMATS` names them)."""

KINDS = ("attribute", "statement", "likert", "multi")
SCALE_TYPES = ("binary", "likert", "nominal", "ordinal", "multi")
MULTI_SEP = "__"
"""Tidy column of one option of a multi-select item: ``<item>__<option code>``."""


@dataclass(frozen=True)
class Level:
    """One answer option: its code (as stored), English and Chinese labels, accepted spellings."""

    code: Any
    en: str
    zh: str
    aliases: tuple[str, ...] = ()

    def spellings(self) -> tuple[str, ...]:
        """Every text that means this level: code, labels and aliases."""
        return (str(self.code), self.en, self.zh, *self.aliases)


@dataclass(frozen=True)
class Scale:
    """An answer scale shared by items: ``binary``, ``likert``, ``nominal``, ``ordinal`` or ``multi``."""

    name: str
    type: str
    levels: tuple[Level, ...]

    @property
    def codes(self) -> list[Any]:
        return [lv.code for lv in self.levels]

    @property
    def ordered(self) -> bool:
        return self.type in ("likert", "ordinal")

    def level(self, code: Any) -> Level:
        for lv in self.levels:
            if lv.code == code:
                return lv
        raise KeyError(f"{code!r} is not a level of scale {self.name!r}")


@dataclass(frozen=True)
class Item:
    """One question of the instrument (see the codebook file for the meaning of each field)."""

    id: str
    kind: str
    scale: Scale
    text_en: str
    text_zh: str
    short_en: str
    short_zh: str
    dimension: str | None = None
    reverse: bool = False
    source: str | None = None
    published_share: float | None = None
    assumption: str | None = None

    @property
    def columns(self) -> list[str]:
        """Tidy column(s): the id, or ``<id>__<option>`` per option of a multi-select item."""
        if self.kind == "multi":
            return [f"{self.id}{MULTI_SEP}{code}" for code in self.scale.codes]
        return [self.id]

    def label(self, lang: str = "en") -> str:
        """Short label, ``"en"``, ``"zh"`` or ``"both"`` (``English · 中文``)."""
        if lang == "zh":
            return self.short_zh
        if lang == "both":
            return f"{self.short_en} · {self.short_zh}"
        return self.short_en


@dataclass
class Codebook:
    """The instrument: items in questionnaire order, their scales, dimensions and the assumptions made."""

    path: Path | None
    meta: dict[str, Any]
    scales: dict[str, Scale]
    items: dict[str, Item]
    dimensions: dict[str, dict[str, str]]
    assumptions: dict[str, str]
    references: dict[str, str]

    def items_of(self, *kinds: str) -> list[Item]:
        """Items of the given kinds (all items when none given), in codebook order."""
        return [it for it in self.items.values() if not kinds or it.kind in kinds]

    @property
    def columns(self) -> list[str]:
        """All tidy columns in codebook order (without ``respondent_id``)."""
        return [c for it in self.items.values() for c in it.columns]

    def item_of_column(self, column: str) -> Item:
        """The item a tidy column belongs to (``sources__forum`` → ``sources``)."""
        return self.items[column.split(MULTI_SEP)[0]]

    def dimension_label(self, dimension: str, lang: str = "both") -> str:
        d = self.dimensions.get(dimension, {"en": dimension, "zh": dimension})
        return {"en": d["en"], "zh": d["zh"]}.get(lang, f"{d['en']} · {d['zh']}")

    def table(self) -> pd.DataFrame:
        """One row per item: id, kind, dimension, scale, reverse, English and Chinese wording, source."""
        rows = [{
            "id": it.id, "kind": it.kind, "dimension": it.dimension or "", "scale": it.scale.name,
            "reverse": "R" if it.reverse else "", "text_en": it.text_en, "text_zh": it.text_zh,
            "source": it.source or "", "assumption": it.assumption or "",
        } for it in self.items.values()]
        return pd.DataFrame(rows)

    def assumptions_table(self) -> pd.DataFrame:
        """The instrument's documented assumptions (id, text)."""
        return pd.DataFrame({"assumption": list(self.assumptions), "text": list(self.assumptions.values())})


def _codebook_error(problem: str, path: Path | None, item: str | None = None) -> DataError:
    return DataError(problem, file=path, column=item, hint="fix the codebook YAML (see data/raw/survey/codebook.yml)")


def load_codebook(path: str | Path | None = None) -> Codebook:
    """Read and validate a codebook YAML (default: the staff survey's, ``data/raw/survey/codebook.yml``).

    Parameters
    ----------
    path
        The YAML file: keys ``scales`` (name → ``type`` and ``levels`` of ``code, en, zh,
        aliases``), ``items`` (``id, kind, scale, text_en, text_zh, short_en, short_zh`` and
        optionally ``dimension, reverse, source, published_share, assumption``), and optionally
        ``dimensions``, ``assumptions``, ``references``.

    Returns
    -------
    Codebook

    Raises
    ------
    DataError
        Unknown scale or kind, duplicate ids or codes, reverse-coding on a non-Likert item,
        a published share outside [0, 1], or a spelling that means two levels of one scale.
    """
    path = resolve_user_path(path) if path is not None else CODEBOOK_PATH
    if not path.exists():
        raise DataError("codebook not found", file=path, hint="pass the path of your codebook YAML")
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    scales: dict[str, Scale] = {}
    for name, spec in (raw.get("scales") or {}).items():
        if spec.get("type") not in SCALE_TYPES:
            raise _codebook_error(f"scale {name!r} has type {spec.get('type')!r}; use one of {SCALE_TYPES}", path)
        levels = tuple(Level(code=lv["code"], en=str(lv["en"]), zh=str(lv["zh"]),
                             aliases=tuple(str(a) for a in lv.get("aliases") or ())) for lv in spec["levels"])
        codes = [lv.code for lv in levels]
        if len(set(map(str, codes))) != len(codes):
            raise _codebook_error(f"scale {name!r} has duplicate codes {codes}", path)
        seen: dict[str, Any] = {}
        for lv in levels:
            for spelling in lv.spellings():
                key = normalise(spelling)
                if key in seen and seen[key] != lv.code:
                    raise _codebook_error(f"scale {name!r}: {spelling!r} would mean both {seen[key]!r} and "
                                          f"{lv.code!r}", path)
                seen[key] = lv.code
        scales[name] = Scale(name=name, type=spec["type"], levels=levels)
    items: dict[str, Item] = {}
    for spec in raw.get("items") or []:
        item_id = str(spec.get("id", ""))
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", item_id) or MULTI_SEP in item_id:
            raise _codebook_error(f"item id {item_id!r} must be letters, digits and single '_'", path, item_id)
        if item_id in items:
            raise _codebook_error(f"duplicate item id {item_id!r}", path, item_id)
        if spec.get("kind") not in KINDS:
            raise _codebook_error(f"kind {spec.get('kind')!r} is not one of {KINDS}", path, item_id)
        if spec.get("scale") not in scales:
            raise _codebook_error(f"scale {spec.get('scale')!r} is not defined under 'scales'", path, item_id)
        scale = scales[spec["scale"]]
        if (spec["kind"] == "multi") != (scale.type == "multi"):
            raise _codebook_error("multi-select items (kind: multi) need a scale of type multi, and only they",
                                  path, item_id)
        if spec.get("reverse") and scale.type != "likert":
            raise _codebook_error("only Likert items can be reverse-coded", path, item_id)
        share = spec.get("published_share")
        if share is not None and not 0 <= float(share) <= 1:
            raise _codebook_error(f"published_share {share} must be a proportion in [0, 1]", path, item_id)
        items[item_id] = Item(
            id=item_id, kind=spec["kind"], scale=scale, text_en=str(spec.get("text_en", item_id)),
            text_zh=str(spec.get("text_zh", "")), short_en=str(spec.get("short_en", item_id)),
            short_zh=str(spec.get("short_zh", "")), dimension=spec.get("dimension"),
            reverse=bool(spec.get("reverse", False)), source=spec.get("source"),
            published_share=None if share is None else float(share), assumption=spec.get("assumption"),
        )
    if not items:
        raise _codebook_error("codebook has no items", path)
    meta = {k: v for k, v in raw.items() if k not in ("scales", "items", "dimensions", "assumptions", "references")}
    assumptions = {a["id"]: str(a["text"]) for a in raw.get("assumptions") or []}
    dimensions = raw.get("dimensions") or {}
    # what the Chinese set shows for the codebook's English wording (tables, summary sentences)
    add_values({it.text_en: it.text_zh for it in items.values() if it.text_zh}
               | {it.short_en: it.short_zh for it in items.values()}
               | {lv.en: lv.zh for sc in scales.values() for lv in sc.levels if lv.zh}
               | {lv.code: lv.zh for sc in scales.values() for lv in sc.levels if lv.zh and isinstance(lv.code, str)}
               | {str(d.get("en", k)): str(d["zh"]) for k, d in dimensions.items() if isinstance(d, dict) and "zh" in d}
               | {str(k): str(d["zh"]) for k, d in dimensions.items() if isinstance(d, dict) and "zh" in d})
    return Codebook(path=path, meta=meta, scales=scales, items=items, dimensions=dimensions,
                    assumptions=assumptions, references=raw.get("references") or {})


def normalise(text: Any) -> str:
    """Comparable form of a header or answer: NFKC (full-width → half-width), case-folded, only letters
    and digits kept (Chinese characters are letters), so ``"1、 Agree!"`` and ``"1agree"`` compare equal."""
    text = unicodedata.normalize("NFKC", str(text)).casefold()
    return "".join(ch for ch in text if ch.isalnum())

