"""Survey exports → one tidy respondent table, item by item as the codebook says (问卷数据读取).

A **codebook** (编码簿, YAML, :func:`load_codebook`) lists every item of an instrument: its id,
English and Chinese wording, scale and answer labels, reverse-coding and the dimension it
measures. :func:`read_survey` reads an export from one of the tools staff surveys are run with
and maps it onto that codebook:

============== =================================================================================
format         what the export looks like
============== =================================================================================
``plain``      CSV or Excel, one header row; headers are item ids (``sha1``, ``sources__forum``)
               or question wording; answers are codes (``4``) or labels (``Agree`` / ``同意``)
``qualtrics``  Qualtrics CSV: three header rows (export tag, question text, ``{"ImportId": …}``);
               metadata ``StartDate … ResponseId …``; matrix rows as ``stem - statement``;
               multi-select as one column of comma-joined choices
``google_forms`` Google Forms CSV: ``Timestamp`` first, headers are question titles, grid rows as
               ``title [row]``, answers as words, checkboxes joined by ``", "``
``wjx_text``   Wenjuanxing (问卷星) text export ("按选项文本"), CSV in GB18030 or Excel: metadata
               ``序号, 提交答卷时间, 所用时间, 来源, 来源详情, 来自IP``; headers ``1、题目``;
               matrix rows ``第7题(行)`` or ``7、(行)``; multi-select joined by ``┋``
``wjx_code``   Wenjuanxing code export ("按选项序号"): answers are option *positions* 1, 2, …;
               multi-select as 0/1 columns ``第6题(选项)``; ``-2`` / ``-3`` = skipped / not
               shown by the questionnaire's logic
``spss``       SPSS ``.sav`` (pyreadstat): variable names or labels name the items; value labels,
               where present, are matched to the codebook's labels, otherwise codes are used
============== =================================================================================

The result (:class:`SurveyData`) has one row per respondent: ``respondent_id``, attributes as
pandas Categoricals of the codebook's codes, yes/no and Likert items as nullable integers
(``Int64``) of the codebook's codes, and multi-select items as one 0/1 column per option
(``sources__forum``). Metadata columns (times, IP addresses, e-mails) are **not** carried
forward; they are listed in :attr:`SurveyData.dropped`.

**Nothing becomes a silent NaN.** An answer the codebook does not know, or a column that maps
onto no item, raises :class:`~helpers.errors.DataError` naming the file, the column and the
respondent row (1-based data row, header rows excluded) with what to do. Blank answers (item
non-response) and answers skipped by the questionnaire's own logic (Wenjuanxing ``-2``/``-3``,
``(跳过)``) are missing *by design*: they are counted per item in :attr:`SurveyData.missing`.

Matching columns to items
-------------------------
In order: the user's ``columns={"export column": "item id"}``; an exact item id or tidy column
name; then the wording with numbering (``1、``, ``Q3.``, ``第3题``), full-width punctuation, case,
spaces and punctuation removed, compared with the codebook's ``text_en`` / ``text_zh`` (and, for
matrix rows and multi-select options, the part in brackets or after `` - ``). Close wordings are
suggested in the error message.

References
----------
Wenjuanxing export layout as documented in its help pages and used by e.g. the ``reportgen``
package (``-2``/``-3`` as not-answered codes, ``┋`` for multi-select, ``第N题(选项)`` columns).
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping

import pandas as pd
import yaml

from .acquire import as_text, decode_text
from .paths import display_path, resolve_user_path, sha256_of
from .errors import DataError
from .paths import RAW

SURVEY_DIR: Path = RAW / "survey"
CODEBOOK_PATH: Path = SURVEY_DIR / "codebook.yml"
SAMPLES_DIR: Path = SURVEY_DIR / "samples"

FORMATS = ("plain", "qualtrics", "google_forms", "wjx_text", "wjx_code", "spss")
KINDS = ("attribute", "statement", "likert", "multi")
SCALE_TYPES = ("binary", "likert", "nominal", "ordinal", "multi")
MULTI_SEP = "__"
"""Tidy column of one option of a multi-select item: ``<item>__<option code>``."""

#: Metadata columns each tool adds (not carried forward; IP addresses and e-mails are personal data).
METADATA: dict[str, tuple[str, ...]] = {
    "plain": ("respondent_id", "data_note", "submitted_at"),
    "qualtrics": ("StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)",
                  "Finished", "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName",
                  "RecipientEmail", "ExternalReference", "LocationLatitude", "LocationLongitude",
                  "DistributionChannel", "UserLanguage", "Q_RecaptchaScore", "Q_RelevantIDDuplicate",
                  "Q_RelevantIDDuplicateScore", "Q_RelevantIDFraudScore", "Q_RelevantIDLastStartDate",
                  "Q_DataPolicyViolations"),
    "google_forms": ("Timestamp", "Email Address", "Email address", "Score", "时间戳记", "时间戳",
                     "电子邮件地址", "分数"),
    "wjx": ("序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP", "总分", "答题序号", "用户ID",
            "昵称"),
}
METADATA["wjx_text"] = METADATA["wjx_code"] = METADATA["wjx"]
METADATA["spss"] = METADATA["plain"] + METADATA["qualtrics"] + METADATA["wjx"]

#: Column holding the respondent id, per format (absent: the data row number is used).
ID_COLUMNS: dict[str, tuple[str, ...]] = {
    "plain": ("respondent_id",), "qualtrics": ("ResponseId",), "google_forms": (),
    "wjx_text": ("序号",), "wjx_code": ("序号",), "spss": ("respondent_id", "ResponseId", "序号"),
}
HEADER_ROWS = {"qualtrics": 3}
MULTI_SEPARATORS: dict[str, tuple[str, ...]] = {
    "plain": ("┋", ";", "|"), "qualtrics": (",",), "google_forms": (", ",), "wjx_text": ("┋",),
    "wjx_code": ("┋",), "spss": (";", "┋"),
}
WJX_SKIPPED = {"-2": "skipped", "-3": "not shown", "(跳过)": "skipped"}
"""Wenjuanxing's codes for a question the respondent's path skipped (missing by design)."""
WJX_EMPTY = {"(空)"}


# --------------------------------------------------------------------------- the codebook


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
    return Codebook(path=path, meta=meta, scales=scales, items=items, dimensions=raw.get("dimensions") or {},
                    assumptions=assumptions, references=raw.get("references") or {})


# --------------------------------------------------------------------------- text matching


def normalise(text: Any) -> str:
    """Comparable form of a header or answer: NFKC (full-width → half-width), case-folded, only letters
    and digits kept (Chinese characters are letters), so ``"1、 Agree!"`` and ``"1agree"`` compare equal."""
    text = unicodedata.normalize("NFKC", str(text)).casefold()
    return "".join(ch for ch in text if ch.isalnum())


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


def _suggest(header: str, codebook: Codebook) -> str:
    texts = {it.text_en: it.id for it in codebook.items.values()}
    texts.update({it.text_zh: it.id for it in codebook.items.values() if it.text_zh})
    stem, sub = _header_parts(header)
    probe = sub or stem or header
    close = difflib.get_close_matches(probe, list(texts), n=2, cutoff=0.4)
    return "; ".join(f"{texts[c]!r} ({c})" for c in close)


# --------------------------------------------------------------------------- reading the file


@dataclass
class SurveyData:
    """A survey mapped onto its codebook.

    Attributes
    ----------
    responses
        One row per respondent: ``respondent_id`` then the tidy item columns present in the
        export, in codebook order (attributes Categorical, items ``Int64``, options 0/1).
    codebook
        The codebook used.
    label
        Dataset label for titles; says SIMULATED for simulated data.
    simulated
        True for simulated data.
    source
        Provenance: path, format, sha256, encoding, sheet, rows, read_at.
    column_map
        Export column → tidy column, one row per mapped column.
    dropped
        Metadata columns not carried forward (times, IP addresses, e-mails, …).
    missing
        Per tidy column: ``blank`` (no answer) and ``skipped`` (not asked by the questionnaire's
        logic) counts; missing by design, never an error.
    """

    responses: pd.DataFrame
    codebook: Codebook
    label: str
    simulated: bool = False
    source: dict[str, Any] = field(default_factory=dict)
    column_map: pd.DataFrame = field(default_factory=pd.DataFrame)
    dropped: list[str] = field(default_factory=list)
    missing: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def n(self) -> int:
        """Number of respondents."""
        return len(self.responses)

    def items(self, *kinds: str) -> list[Item]:
        """Codebook items of the given kinds that are present in the data."""
        present = set(self.responses.columns)
        return [it for it in self.codebook.items_of(*kinds) if set(it.columns) & present]


def _read_grid(path: Path, encoding: str | None, sheet: str | int | None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Every cell of a CSV or Excel sheet as text (``string`` dtype), no header interpretation."""
    suffix = path.suffix.lower()
    info: dict[str, Any] = {"encoding": None, "sheet": None}
    if suffix in (".csv", ".txt", ".tsv"):
        text, info["encoding"] = decode_text(path, encoding)
        if not text.strip():
            raise DataError("file contains no text", file=path, hint="export the data again")
        sample = "\n".join(text.splitlines()[:10])
        try:
            sep = "\t" if suffix == ".tsv" else csv.Sniffer().sniff(sample, delimiters=",\t;").delimiter
        except csv.Error:
            sep = ","
        try:
            grid = pd.read_csv(io.StringIO(text), sep=sep, header=None, dtype=str, keep_default_na=False,
                               na_values=[""])
        except pd.errors.ParserError as exc:
            raise DataError(f"is not a well-formed CSV file ({exc})", file=path,
                            hint="check the delimiter and quoting") from exc
    elif suffix in (".xlsx", ".xlsm", ".xls"):
        try:
            grid = pd.read_excel(path, header=None, dtype=object, sheet_name=0 if sheet is None else sheet,
                                 engine="calamine" if suffix == ".xls" else "openpyxl")
        except Exception as exc:  # zip/BIFF/sheet errors come in many types
            raise DataError(f"is not a readable Excel sheet ({type(exc).__name__}: {exc})", file=path,
                            hint="check the sheet name, or save the sheet as CSV") from exc
        info["sheet"] = str(0 if sheet is None else sheet)
    else:
        raise DataError(f"unknown file type {suffix!r}", file=path,
                        hint="survey exports are read from .csv/.txt/.tsv, .xlsx/.xls or .sav")
    grid = grid.apply(as_text)
    filled = grid.notna().any(axis=1).to_numpy()
    if filled.any():  # Excel sheets often end in formatted but empty rows: not respondents
        grid = grid.iloc[: int(filled.nonzero()[0].max()) + 1]
    return grid, info


def _split_header(grid: pd.DataFrame, fmt: str, path: Path) -> tuple[list[str], pd.DataFrame]:
    rows = HEADER_ROWS.get(fmt, 1)
    if len(grid) <= rows:
        raise DataError(f"has {len(grid)} row(s): the {fmt} header takes {rows}, so there are no respondents",
                        file=path, hint="export the responses too")
    if fmt == "qualtrics":
        third = str(grid.iat[2, 0] if pd.notna(grid.iat[2, 0]) else "")
        if not third.startswith("{"):
            raise DataError("is not a Qualtrics export with three header rows (row 3 should hold "
                            '{"ImportId": …})', file=path, row="header",
                            hint="export with 'Use numeric values'/'Use choice text' and keep all header rows, "
                                 "or read it with format='plain'")
        header = [str(grid.iat[0, j]) for j in range(grid.shape[1])]
        text = [str(grid.iat[1, j]) if pd.notna(grid.iat[1, j]) else "" for j in range(grid.shape[1])]
        header = [h if h in METADATA["qualtrics"] else f"{h}::{t}" for h, t in zip(header, text)]
    else:
        header = [str(h).strip() if pd.notna(h) else "" for h in grid.iloc[0]]
    data = grid.iloc[rows:].reset_index(drop=True)
    data.columns = range(data.shape[1])
    return header, data


def detect_format(path: str | Path, encoding: str | None = None, sheet: str | int | None = None) -> str:
    """Guess the export format from the file (see the module docstring); ``plain`` when nothing fits.

    ``.sav`` → ``spss``; row 3 starting ``{"ImportId"`` → ``qualtrics``; first header ``Timestamp``
    (or ``时间戳记``) → ``google_forms``; ``序号`` and ``提交答卷时间`` → Wenjuanxing, ``wjx_code`` when it
    has ``第N题(…)`` columns holding only 0/1/-2/-3 or when every answer is a number, else ``wjx_text``.
    """
    path = resolve_user_path(path)
    if path.suffix.lower() == ".sav":
        return "spss"
    grid, _ = _read_grid(path, encoding, sheet)
    first = [str(v) for v in grid.iloc[0].fillna("")]
    if len(grid) > 2 and str(grid.iat[2, 0]).startswith('{"ImportId"'):
        return "qualtrics"
    if first and first[0].strip() in ("Timestamp", "时间戳记", "时间戳"):
        return "google_forms"
    if "序号" in first and "提交答卷时间" in first:
        answers = grid.iloc[1:, [j for j, h in enumerate(first) if h not in METADATA["wjx"]]]
        values = set(answers.stack().dropna().astype(str))
        option_cols = [j for j, h in enumerate(first) if re.match(r"^第\s*\d+\s*题", h)]
        zero_one = all(set(grid.iloc[1:, j].dropna()) <= {"0", "1", "-2", "-3"} for j in option_cols)
        if (option_cols and zero_one) or all(re.fullmatch(r"-?\d+", v) for v in values):
            return "wjx_code"
        return "wjx_text"
    return "plain"


def _read_spss(path: Path) -> tuple[list[str], pd.DataFrame, dict[str, Any], list[str]]:
    import pyreadstat

    try:
        frame, meta = pyreadstat.read_sav(str(path), apply_value_formats=False)
    except Exception as exc:
        raise DataError(f"is not a readable SPSS .sav file ({type(exc).__name__}: {exc})", file=path,
                        hint="save it again from SPSS, or export CSV") from exc
    labels = dict(zip(meta.column_names, meta.column_labels or [None] * len(meta.column_names)))
    value_labels = meta.variable_value_labels or {}
    data = pd.DataFrame(index=frame.index)
    for j, name in enumerate(frame.columns):
        vl = {float(k): str(v) for k, v in value_labels.get(name, {}).items()}

        def cell(v: Any, vl: dict[float, str] = vl) -> Any:
            if v is None or (isinstance(v, float) and v != v):
                return pd.NA
            if isinstance(v, (int, float)):
                return vl.get(float(v), str(int(v)) if float(v).is_integer() else str(v))
            return str(v)

        data[j] = frame[name].map(cell).astype("string")
    header = list(frame.columns)
    alt = [labels.get(name) or "" for name in header]  # variable labels: question wording
    return header, data, {"encoding": meta.file_encoding, "sheet": None}, alt


def read_survey(
    path: str | Path,
    format: str | None = None,
    *,
    codebook: Codebook | None = None,
    columns: Mapping[str, str] | None = None,
    ignore: Iterable[str] = (),
    encoding: str | None = None,
    sheet: str | int | None = None,
    label: str | None = None,
    simulated: bool = False,
) -> SurveyData:
    """Read a survey export and map it onto the codebook.

    Parameters
    ----------
    path
        The export: ``.csv`` / ``.txt`` (UTF-8, UTF-8 with BOM or GB18030 detected), ``.xlsx`` /
        ``.xls`` or ``.sav``.
    format
        One of :data:`FORMATS`; detected by :func:`detect_format` when ``None``.
    codebook
        Default: the staff survey's codebook.
    columns
        ``{export column: item id or tidy column}`` for headers that are not matched automatically,
        e.g. ``{"Q12_3": "sha3", "第6题(论坛)": "sources__forum"}``.
    ignore
        Export columns to leave out on purpose (e.g. an open "other, please specify" text).
    encoding, sheet
        Text encoding of a CSV (detected when ``None``); Excel sheet (default: the first).
    label, simulated
        Dataset label for titles (default: the file name) and whether the data are simulated.

    Returns
    -------
    SurveyData

    Raises
    ------
    DataError
        Unreadable file; a column that maps onto no item (named, with close matches); two columns
        mapping onto one item; an answer outside the codebook (named with its column, respondent
        row and respondent id, and the answers allowed).
    """
    codebook = codebook or load_codebook()
    path = resolve_user_path(path)
    if not path.exists():
        raise DataError("file not found", file=path, hint="check the path (tried as given and from the project root)")
    fmt = format or detect_format(path, encoding, sheet)
    if fmt not in FORMATS:
        raise DataError(f"unknown survey format {fmt!r}", file=path, hint=f"use one of {FORMATS}")
    alt_header: list[str] | None = None
    if fmt == "spss":
        header, data, info, alt_header = _read_spss(path)
    else:
        grid, info = _read_grid(path, encoding, sheet)
        header, data = _split_header(grid, fmt, path)
    first_data_line = HEADER_ROWS.get(fmt, 1) + 1 if fmt != "spss" else None
    columns = dict(columns or {})
    ignore = set(ignore)
    metadata = set(METADATA[fmt])

    # respondent ids
    ids = pd.Series([str(i) for i in range(1, len(data) + 1)], dtype="string")
    for name in ID_COLUMNS[fmt]:
        plain_header = [h.split("::")[0] for h in header]
        if name in plain_header:
            raw_ids = data[plain_header.index(name)]
            ids = raw_ids.fillna(pd.Series([str(i) for i in range(1, len(data) + 1)], dtype="string"))
            break

    # columns → targets
    targets: dict[int, Target] = {}
    dropped: list[str] = []
    for j, head in enumerate(header):
        shown = head.replace("::", " / ")
        tag, _, text = head.partition("::")
        if tag in metadata or head in metadata:
            if (tag or head) not in ID_COLUMNS[fmt]:
                dropped.append(tag or head)
            continue
        if head in ignore or tag in ignore or (not head.strip() and data[j].isna().all()):
            continue
        target = None
        for key in (head, tag, text):
            if key and key in columns:
                target = match_header(columns[key], codebook)
                if target is None:
                    raise DataError(f"column map gives {columns[key]!r}, which is not an item id or tidy column",
                                    file=path, column=key, hint=f"item ids: {list(codebook.items)}")
                break
        if target is None:
            for key in ((tag, text) if fmt == "qualtrics" else (head,)) + ((alt_header[j],) if alt_header else ()):
                if key and (target := match_header(key, codebook)) is not None:
                    break
        if target is None:
            close = _suggest(text or (alt_header[j] if alt_header else "") or head, codebook)
            raise DataError(
                "column is not in the codebook (no item has this id or wording)", file=path, column=shown,
                hint=(f"closest items: {close}. " if close else "")
                + f"Map it with columns={{{(tag or head)!r}: '<item id>'}}, leave it out with "
                  f"ignore=[{(tag or head)!r}], or add the item to the codebook",
            )
        clash = [header[k] for k, t in targets.items() if t.column == target.column
                 or (t.item == target.item and (t.option is None) != (target.option is None))]
        if clash:
            raise DataError(f"maps onto item {target.column!r}, as does column {clash[0]!r}", file=path,
                            column=shown, hint="map one of them elsewhere with columns={...} or ignore=[...]")
        targets[j] = target

    # values
    out = pd.DataFrame({"respondent_id": ids})
    blank: dict[str, int] = {}
    skipped: dict[str, int] = {}
    column_rows = []
    for j, target in targets.items():
        item = codebook.items[target.item]
        col_name = header[j].replace("::", " / ")
        decoded, n_blank, n_skip = _decode_column(data[j], item, target, fmt, path=path, column=col_name,
                                                  ids=ids, first_line=first_data_line)
        for tidy, values in decoded.items():
            out[tidy] = values
            blank[tidy] = blank.get(tidy, 0) + n_blank
            skipped[tidy] = skipped.get(tidy, 0) + n_skip
            column_rows.append({"column": col_name, "item": item.id, "tidy_column": tidy})
    ordered = ["respondent_id"] + [c for c in codebook.columns if c in out.columns]
    out = out[ordered]
    for it in codebook.items.values():
        for c in it.columns:
            if c not in out.columns:
                continue
            if it.kind == "attribute":
                out[c] = pd.Categorical(out[c], categories=it.scale.codes, ordered=it.scale.ordered)
            else:
                out[c] = out[c].astype("Int64")
    missing = pd.DataFrame({"column": list(blank), "blank": list(blank.values()),
                            "skipped": [skipped[c] for c in blank]})
    missing = missing.set_index("column").reindex([c for c in ordered if c in blank]).reset_index()
    source = {
        "path": display_path(path), "format": fmt, "sha256": sha256_of(path), "encoding": info.get("encoding"),
        "sheet": info.get("sheet"), "rows": len(out), "read_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    return SurveyData(responses=out, codebook=codebook, label=label or path.name, simulated=simulated,
                      source=source, column_map=pd.DataFrame(column_rows), dropped=dropped, missing=missing)


def _allowed(item: Item, positions: bool) -> str:
    if positions:
        return ", ".join(f"{k}={lv.zh or lv.en}" for k, lv in enumerate(item.scale.levels, start=1))
    return ", ".join(f"{lv.code} / {lv.en} / {lv.zh}" for lv in item.scale.levels)


def _decode_column(
    values: pd.Series, item: Item, target: Target, fmt: str, *, path: Path, column: str,
    ids: pd.Series, first_line: int | None,
) -> tuple[dict[str, list[Any]], int, int]:
    """Decode one export column into tidy column(s); returns ``(columns, n blank, n skipped)``."""
    positions = fmt == "wjx_code"
    lookup: dict[str, Any] = {}
    for lv in item.scale.levels:
        for spelling in lv.spellings():
            lookup.setdefault(normalise(spelling), lv.code)
    skip_tokens = WJX_SKIPPED if fmt.startswith("wjx") else {}
    seps = MULTI_SEPARATORS[fmt]
    n_blank = n_skip = 0

    def fail(raw: str, row: int, what: str) -> DataError:
        line = f", file line {row + first_line - 1}" if first_line else ""
        return DataError(
            f"{what} {raw!r} is not in the codebook for item {item.id!r} ({item.short_en}); "
            f"respondent {ids.iat[row - 1]!r}{line}", file=path, column=column, row=row,
            hint=f"allowed answers: {_allowed(item, positions and target.option is None and item.kind != 'multi')}; "
                 "fix the export, or add the spelling as an alias of the right level in the codebook",
        )

    def code_of(raw: str, row: int) -> Any:
        text = raw.strip()
        if positions:
            if re.fullmatch(r"\d+", text) and 1 <= int(text) <= len(item.scale.levels):
                return item.scale.levels[int(text) - 1].code
            raise fail(raw, row, "option position")
        if re.fullmatch(r"-?\d+(\.0+)?", text):
            text = str(int(float(text)))
        for lv in item.scale.levels:
            if str(lv.code) == text:
                return lv.code
        key = normalise(text)
        if key in lookup:
            return lookup[key]
        raise fail(raw, row, "answer")

    if target.option is not None:  # one 0/1 column of a multi-select item
        result: list[Any] = []
        for row, raw in enumerate(values, start=1):
            if pd.isna(raw) or not str(raw).strip() or str(raw).strip() in WJX_EMPTY:
                result.append(pd.NA)
                n_blank += 1
            elif str(raw).strip() in skip_tokens:
                result.append(pd.NA)
                n_skip += 1
            else:
                text = str(raw).strip()
                flag = {"1": 1, "0": 0, "1.0": 1, "0.0": 0, "true": 1, "false": 0}.get(text.casefold())
                if flag is None:
                    raise fail(raw, row, "0/1 flag")
                result.append(flag)
        return {target.column: result}, n_blank, n_skip

    if item.kind == "multi":  # one column holding the chosen options, joined
        cols = {c: [] for c in item.columns}
        for row, raw in enumerate(values, start=1):
            text = "" if pd.isna(raw) else str(raw).strip()
            if not text or text in WJX_EMPTY or text in skip_tokens:
                for c in cols:
                    cols[c].append(pd.NA)
                n_skip += int(text in skip_tokens)
                n_blank += int(text not in skip_tokens)
                continue
            chosen = {_multi_position(p, item, fail, row) if positions else code_of(p, row)
                      for p in _split_choices(text, seps, lookup)}
            for code, c in zip(item.scale.codes, item.columns):
                cols[c].append(int(code in chosen))
        return cols, n_blank, n_skip

    result = []
    for row, raw in enumerate(values, start=1):
        text = "" if pd.isna(raw) else str(raw).strip()
        if not text or text in WJX_EMPTY:
            result.append(pd.NA)
            n_blank += 1
        elif text in skip_tokens:
            result.append(pd.NA)
            n_skip += 1
        else:
            result.append(code_of(text, row))
    return {target.column: result}, n_blank, n_skip


def _split_choices(text: str, seps: tuple[str, ...], lookup: Mapping[str, Any]) -> list[str]:
    """Split joined choices, re-joining neighbours when an option's own label contains the separator
    (Google Forms joins with ``", "``, and ``"Social media (Weibo, WeChat)"`` is one option)."""
    sep = next((s for s in seps if s in text), None)
    if sep is None:
        return [text.strip()]
    tokens = text.split(sep)
    parts, i = [], 0
    while i < len(tokens):
        for j in range(len(tokens), i, -1):  # longest run of tokens that is a known answer
            joined = sep.join(tokens[i:j]).strip()
            if normalise(joined) in lookup:
                break
        else:
            j, joined = i + 1, tokens[i].strip()
        if joined:
            parts.append(joined)
        i = j
    return parts


def _multi_position(part: str, item: Item, fail: Any, row: int) -> Any:
    if re.fullmatch(r"\d+", part) and 1 <= int(part) <= len(item.scale.levels):
        return item.scale.levels[int(part) - 1].code
    raise fail(part, row, "option position")


# --------------------------------------------------------------------------- writing (plain and SPSS)


def to_export_frame(responses: pd.DataFrame, codebook: Codebook, *, labels: str | None = None) -> pd.DataFrame:
    """The tidy table as a plain export: codes (``labels=None``) or ``"en"`` / ``"zh"`` answer labels."""
    out = responses.copy()
    for column in out.columns:
        if column == "respondent_id" or labels is None or MULTI_SEP in column or column not in codebook.items:
            continue
        scale = codebook.items[column].scale
        mapping = {lv.code: getattr(lv, labels) for lv in scale.levels}
        out[column] = out[column].astype(object).map(lambda v, m=mapping: m.get(v, v) if pd.notna(v) else v)
    for column in out.columns:
        if isinstance(out[column].dtype, pd.CategoricalDtype):
            out[column] = out[column].astype(object)
    return out


def write_sav(responses: pd.DataFrame, codebook: Codebook, path: str | Path) -> Path:
    """Write the tidy table as an SPSS ``.sav`` with variable labels (wording) and value labels.

    Attributes (text codes) are stored as numeric positions 1, 2, … with the codebook's English
    labels as value labels, the way survey tools write SPSS files.
    """
    import pyreadstat

    frame = pd.DataFrame({"respondent_id": responses["respondent_id"].astype(str)})
    variable_labels = {"respondent_id": "Respondent id"}
    value_labels: dict[str, dict[float, str]] = {}
    for column in responses.columns:
        if column == "respondent_id":
            continue
        item = codebook.item_of_column(column)
        if item.kind == "attribute":
            pos = {lv.code: k for k, lv in enumerate(item.scale.levels, start=1)}
            frame[column] = responses[column].astype(object).map(lambda v, p=pos: p.get(v) if pd.notna(v) else None)
            frame[column] = frame[column].astype("float64")
            value_labels[column] = {float(k): lv.en for k, lv in enumerate(item.scale.levels, start=1)}
        else:
            frame[column] = responses[column].astype("float64")
            if item.kind != "multi":
                value_labels[column] = {float(lv.code): lv.en for lv in item.scale.levels}
        variable_labels[column] = item.text_en if item.kind != "multi" else (
            f"{item.text_en} - {item.scale.level(column.split(MULTI_SEP)[1]).en}")
    path = Path(path)
    pyreadstat.write_sav(frame, str(path), column_labels=variable_labels, variable_value_labels=value_labels)
    return path
