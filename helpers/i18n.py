"""Language of figures, table headers and report headings: English (``en``) or Chinese (``zh``).

The workbook's text lives in the code in English (with the Chinese term in brackets where a
student meets it, as the course's instructors do). One catalog, ``helpers/locale/zh.yml``,
maps each such English *source string* to its Chinese form, using the CRM terms of the two
Xiaomi course papers (客户识别, 客户区分, 客户终身价值, 复购, 流失 …). Plot helpers pass every
title, axis label, legend title and category label through :func:`tr`::

    from helpers.i18n import tr
    ax.set_xlabel(tr("customers (客户数)"))                      # "customers (客户数)" or "客户数"
    ax.set_title(tr("Value × needs ({shown})", shown=text))       # placeholders: str.format
    ax.set_title(tr("Customers by segment ({n:,})").format(n=n))  # same thing, formatted later

Rules
-----
- ``en`` (the default) returns the source string unchanged, so English reports look as before.
- ``zh`` returns the catalog's Chinese string. Text with no Latin letter (numbers, text that is
  already Chinese, e.g. a channel called 小米商城) needs no entry and is returned as is.
- A **missing** translation falls back to English and is recorded (:func:`missing`). In
  **strict** mode (environment ``CRM_I18N_STRICT=1`` or ``set_language("zh", strict=True)``)
  it raises :class:`MissingTranslation`, which the test suite uses so that a new English label
  without a Chinese entry fails CI.
- Dataset labels (:func:`tr_dataset`) and table headers (:func:`tr_header`, :func:`tr_columns`)
  are looked up too but never raise: they also hold names of a user's own data, which no
  catalog can know. Simulated data keep the word SIMULATED in both languages
  ("… 模拟数据 SIMULATED"); the catalog test enforces it.

CSV files written by :func:`helpers.outputs.save_table` keep their stable English column names
in both languages (they are machine-readable outputs); only what a reader sees is translated.
"""

from __future__ import annotations

import os
import re
import string
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "CATALOG_PATH",
    "LANGUAGES",
    "MissingTranslation",
    "catalog",
    "chinese_part",
    "clear_missing",
    "get_language",
    "language",
    "load_unique_yaml",
    "is_strict",
    "missing",
    "placeholders",
    "set_language",
    "tr",
    "tr_columns",
    "tr_dataset",
    "tr_given",
    "tr_header",
    "tr_labels",
    "tr_value",
    "add_values",
    "value_catalog",
    "with_label",
]

LANGUAGES: tuple[str, ...] = ("en", "zh")
"""The languages the workbook speaks: English and (simplified) Chinese."""

CATALOG_PATH = Path(__file__).with_name("locale") / "zh.yml"
VALUES_PATH = Path(__file__).with_name("locale") / "zh_values.yml"
STRICT_ENV_VAR = "CRM_I18N_STRICT"

_state: dict[str, Any] = {"lang": "en", "strict": None}
_local = threading.local()  # a thread's own language (language()), over the process-wide _state
_missing: set[str] = set()
_values: dict[str, str] = {}
_LATIN = re.compile(r"[A-Za-z]")
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
_WITH_SHARE = re.compile(r"(.+?) \((\d+(?:\.\d+)?%)\)")
_NUMBERED = re.compile(r"^(\s*\d+[A-Za-z]?\s*·\s*)(.*)$", re.S)


class MissingTranslation(LookupError):
    """A source string has no entry in ``helpers/locale/zh.yml`` (raised in strict mode only)."""


class _UniqueKeyLoader(yaml.SafeLoader):
    """A SafeLoader that refuses duplicate keys (a second entry would silently win)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise ValueError(f"{getattr(loader, 'source_name', CATALOG_PATH.name)}: duplicate entry {key!r} "
                             f"(line {key_node.start_mark.line + 1})")
        seen[key] = loader.construct_object(value_node, deep=deep)
    return seen


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_unique_yaml(path: Path) -> Any:
    """A YAML file (UTF-8) read safely, refusing a key repeated in any mapping (``ValueError`` naming
    the file and line), where ``yaml.safe_load`` would silently keep the last value."""
    loader = _UniqueKeyLoader(Path(path).read_text(encoding="utf-8"))
    loader.source_name = Path(path).name
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


@lru_cache(maxsize=1)
def catalog() -> dict[str, str]:
    """The English → Chinese catalog (``helpers/locale/zh.yml``), loaded once.

    Raises
    ------
    ValueError
        If the file is not a flat mapping of strings to strings or repeats a key.
    """
    data = load_unique_yaml(CATALOG_PATH)
    if not isinstance(data, dict):
        raise ValueError(f"{CATALOG_PATH}: expected a mapping of English source string: Chinese string")
    bad = [k for k, v in data.items() if not isinstance(k, str) or not isinstance(v, str)]
    if bad:
        raise ValueError(f"{CATALOG_PATH}: keys and values must be strings; check {bad[:3]!r} (quote them)")
    return data


def set_language(lang: str = "en", strict: bool | None = None) -> str:
    """Set the language of figures, table headers and report headings; return it.

    Parameters
    ----------
    lang
        ``"en"`` or ``"zh"`` (case and surrounding blanks ignored).
    strict
        Raise :class:`MissingTranslation` for a missing Chinese entry instead of falling back
        to English. ``None`` (default) follows the environment variable ``CRM_I18N_STRICT``.

    Raises
    ------
    ValueError
        For any other language, naming the allowed values.
    """
    value = str(lang).strip().lower() if lang is not None else ""
    if value not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(repr(x) for x in LANGUAGES)}, not {lang!r}")
    _state["lang"] = value
    _state["strict"] = strict
    return value


def get_language() -> str:
    """The current language, ``"en"`` or ``"zh"``: the thread's own (:func:`language`), else the process's."""
    return getattr(_local, "lang", None) or _state["lang"]


@contextmanager
def language(lang: str) -> Iterator[str]:
    """Speak ``lang`` in this thread only, for the ``with`` block: a web server answers two readers in
    two languages at once (:mod:`helpers.sharing`), while :func:`set_language` sets the whole process's.

    Raises
    ------
    ValueError
        For a language other than :data:`LANGUAGES`.
    """
    value = str(lang).strip().lower() if lang is not None else ""
    if value not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(repr(x) for x in LANGUAGES)}, not {lang!r}")
    before = getattr(_local, "lang", None)
    _local.lang = value
    try:
        yield value
    finally:
        _local.lang = before


def is_strict() -> bool:
    """Whether a missing translation raises (``strict=True`` or ``CRM_I18N_STRICT=1``)."""
    if _state["strict"] is not None:
        return bool(_state["strict"])
    return os.environ.get(STRICT_ENV_VAR, "").strip().lower() in ("1", "true", "yes")


def missing() -> list[str]:
    """Source strings looked up in Chinese since the last :func:`clear_missing` that had no entry."""
    return sorted(_missing)


def clear_missing() -> None:
    """Forget the recorded missing translations."""
    _missing.clear()


def placeholders(text: str) -> set[str]:
    """Names of the ``str.format`` fields in ``text`` (``"{n:,} of {total}"`` → ``{"n", "total"}``)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def chinese_part(text: str) -> str | None:
    """The Chinese form of a bilingual string such as a heading, or ``None`` if it has no Chinese.

    The workbook writes bilingual text as "English 中文" (``"3 · Differentiation by value: ABC
    analysis ABC 分类"``). The Chinese part starts at the first word that contains a Chinese
    character, together with the acronyms right before it (``ABC``, ``RFM``); inside it, ordinary
    English words (any word with a lower-case letter) are dropped, acronyms, numbers, symbols and
    Chinese are kept. A leading number ``"3 · "`` is kept.

    Examples
    --------
    >>> chinese_part("3 · Differentiation by value: ABC analysis ABC 分类")
    '3 · ABC 分类'
    >>> chinese_part("2 · Integrate 整合: classify and code 分类、编码")
    '2 · 整合：分类、编码'
    >>> chinese_part("The bundled data") is None
    True
    """
    m = _NUMBERED.match(text)
    prefix, body = (m.group(1), m.group(2)) if m else ("", text)
    tokens = body.split()
    first = next((i for i, t in enumerate(tokens) if _CJK.search(t)), None)
    if first is None:
        return None
    while first > 0 and re.fullmatch(r"[A-Z][A-Z0-9×/&\-]+", tokens[first - 1]):
        first -= 1
    kept = [t for t in tokens[first:] if _CJK.search(t) or not re.search(r"[a-z]", t)]
    out = " ".join(kept)
    out = re.sub(r"\s*[:：]\s*", "：", out)  # full-width colon, no blank around it
    out = re.sub(r"(?<=[\u4e00-\u9fff）)])\s+(?=[\u4e00-\u9fff（(])", "", out)  # no blank between Chinese words
    return (prefix + out.rstrip("：:,， ")).strip()


def _needs_entry(text: str) -> bool:
    return bool(_LATIN.search(text))


def _lookup(text: str, lenient: bool) -> str:
    found = catalog().get(text)
    if found is not None:
        return found
    if not _needs_entry(text):
        return text
    if lenient:
        return text
    _missing.add(text)
    if is_strict():
        raise MissingTranslation(
            f"no Chinese translation for {text!r}: add a line `{_yaml_key(text)}: <中文>` to {CATALOG_PATH} "
            f"(or unset {STRICT_ENV_VAR} to fall back to English)")
    return text


def _yaml_key(text: str) -> str:
    return yaml.safe_dump(text, allow_unicode=True, width=10_000).strip().removesuffix("...").strip()


def tr(text: str, /, **fields: Any) -> str:
    """``text`` in the current language; ``fields`` fill its ``str.format`` placeholders.

    Parameters
    ----------
    text
        The English source string (a catalog key), possibly with placeholders such as
        ``"{n:,}"``; the Chinese entry carries the same placeholders.
    **fields
        Values for the placeholders (without them the string is returned unformatted, so
        ``tr(s).format(...)`` works too).

    Raises
    ------
    MissingTranslation
        In Chinese strict mode, when the catalog has no entry for ``text``.
    """
    out = text if get_language() == "en" else _lookup(text, lenient=False)
    return out.format(**fields) if fields else out


def tr_given(text: str | None) -> str | None:
    """Text a caller passed in (e.g. a notebook's figure title) in the current language.

    In Chinese: the catalog entry if there is one, else a known data value (:func:`tr_value`),
    else the Chinese part of a bilingual
    string (:func:`chinese_part`), else the text unchanged. Never raises: the caller owns
    the text (a notebook can pass ``tr("…")`` itself for a full translation).
    """
    if text is None or get_language() == "en":
        return text
    found = catalog().get(text)
    if found is None and tr_value(text) != text:  # a data value: a segment, a reason, a level with its share
        found = tr_value(text)
    if found is not None:
        return found
    return chinese_part(text) or text


def add_values(names: Mapping[str, str]) -> None:
    """Register the Chinese names of data values a package owns: value (a code or an English name,
    e.g. a quarantine reason, a segment, a survey statement's wording) → Chinese. ``helpers.schema``
    registers the reasons, ``helpers.segment`` the segment names and treatments, ``helpers.survey``
    the codebook's wording, ``helpers.knowledge`` the kinds and categories; other vocabularies are
    in ``helpers/locale/zh_values.yml``. Read by :func:`tr_value` and :func:`tr_given`.
    """
    _values.update({str(k): str(v) for k, v in names.items() if str(v).strip()})


@lru_cache(maxsize=1)
def value_catalog() -> dict[str, str]:
    """The data-value vocabulary ``helpers/locale/zh_values.yml`` (value → Chinese), loaded once; a
    separate file from the catalog of source strings, so that a value is translated only where it is
    known as a value (the catalog's "customers" → 客户数 is a header, not the knowledge-base table
    ``customers``). Raises ``ValueError`` like :func:`catalog`."""
    data = load_unique_yaml(VALUES_PATH)
    if not isinstance(data, dict) or any(not isinstance(k, str) or not isinstance(v, str) for k, v in data.items()):
        raise ValueError(f"{VALUES_PATH}: expected a mapping of value: Chinese, strings only (quote them)")
    return data


def _known_value(text: str) -> str | None:
    found = _values.get(text)
    return value_catalog().get(text) if found is None else found


def tr_value(value: Any) -> Any:
    """A data value (a table cell) in the current language: in Chinese its registered name
    (:func:`add_values`) or its entry in ``zh_values.yml`` (:func:`value_catalog`) — also for
    ``"word: value"`` when both parts are known (``"quarantined: duplicate"``) and for a known value
    with its share (``"employee (35%)"``) —, else the value
    unchanged (never recorded as missing: a user's own data are no catalog's business). Non-strings
    are returned as they are. Saved files keep the values: this is for display only."""
    if get_language() == "en" or not isinstance(value, str):
        return value
    found = _known_value(value)
    share = _WITH_SHARE.fullmatch(value)
    if found is None and share and _known_value(share.group(1)) is not None:  # "employee (35%)": a value and its share
        found = f"{_known_value(share.group(1))} ({share.group(2)})"
    if found is None and ": " in value:
        head, tail = value.split(": ", 1)
        head_zh, tail_zh = catalog().get(head, _known_value(head)), _known_value(tail)
        found = f"{head_zh}：{tail_zh}" if head_zh is not None and tail_zh is not None else None
    return value if found is None else found


def tr_labels(labels: Iterable[Any], lenient: bool = False) -> list[str]:
    """Category or tick labels in the current language (non-strings are turned into strings).

    ``lenient=True`` for labels that come from the data (a user's own category names):
    translated when the catalog knows them, kept otherwise, never recorded as missing.
    """
    if get_language() == "en":
        return [str(x) for x in labels]
    return [_lookup(str(x), lenient=lenient) for x in labels]


def tr_dataset(label: str | None) -> str | None:
    """A dataset label (which says SIMULATED for simulated data) in the current language.

    Known labels (the bundled datasets) are translated; a user's own dataset keeps its name.
    """
    if label is None or get_language() == "en":
        return label
    return _lookup(str(label), lenient=True)


def with_label(title: str, label: str | None, sep: str = "\n") -> str:
    """A figure title followed by the dataset label (:func:`tr_dataset`) after ``sep``, or the title
    alone without a label: the one rule every figure of the workbook uses to say which data it shows."""
    label = tr_dataset(label)
    return title if not label else f"{title}{sep}{label}"


def tr_header(name: Any) -> Any:
    """A table header or index label in the current language; unknown names are kept as they are."""
    if get_language() == "en" or not isinstance(name, str):
        return name
    return _lookup(name, lenient=True)


def tr_columns(table: Any) -> Any:
    """A copy of a DataFrame with its column (and index) names in the current language.

    For display only: keep English names in files (``save_table``) so they stay machine-readable.
    """
    if get_language() == "en":
        return table
    out = table.rename(columns=tr_header)
    out.columns.names = [tr_header(n) for n in out.columns.names]
    out.index.names = [tr_header(n) for n in out.index.names]
    return out
