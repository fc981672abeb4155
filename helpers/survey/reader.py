"""Survey exports → one tidy respondent table, item by item as the codebook says (问卷数据读取).

:func:`read_survey` reads an export from one of the tools staff surveys are run with (the format
registry :data:`helpers.survey.FORMATS`) and maps it onto a codebook (:mod:`.codebook`).

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
matrix rows and multi-select options, the part in brackets or after `` - ``) — :mod:`.matching`.
Close wordings are suggested in the error message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import pandas as pd

from ..errors import DataError
from ..paths import display_path, resolve_user_path, sha256_of
from ..store import read_time
from .codebook import Codebook, Item, load_codebook, normalise
from .formats import FORMATS, PART_SEP, WJX_EMPTY, SurveyFormat, detect_format
from .matching import Target, closest_items, match_header


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
    name = format or detect_format(path, encoding, sheet)
    if name not in FORMATS:
        raise DataError(f"unknown survey format {name!r}", file=path, hint=f"use one of {tuple(FORMATS)}")
    fmt = FORMATS[name]
    header, data, info, alt_header = fmt.read(path, encoding, sheet)
    columns = dict(columns or {})
    ignore = set(ignore)
    metadata = set(fmt.metadata)

    # respondent ids
    ids = pd.Series([str(i) for i in range(1, len(data) + 1)], dtype="string")
    for id_column in fmt.id_columns:
        plain_header = [h.split(PART_SEP)[0] for h in header]
        if id_column in plain_header:
            raw_ids = data[plain_header.index(id_column)]
            ids = raw_ids.fillna(pd.Series([str(i) for i in range(1, len(data) + 1)], dtype="string"))
            break

    # columns → targets
    targets: dict[int, Target] = {}
    dropped: list[str] = []
    for j, head in enumerate(header):
        shown = head.replace(PART_SEP, " / ")
        tag, _, text = head.partition(PART_SEP)
        if tag in metadata or head in metadata:
            if (tag or head) not in fmt.id_columns:
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
            for key in ((tag, text) if fmt.match_parts else (head,)) + ((alt_header[j],) if alt_header else ()):
                if key and (target := match_header(key, codebook)) is not None:
                    break
        if target is None:
            close = closest_items(text or (alt_header[j] if alt_header else "") or head, codebook)
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
        col_name = header[j].replace(PART_SEP, " / ")
        decoded, n_blank, n_skip = _decode_column(data[j], item, target, fmt, path=path, column=col_name,
                                                 ids=ids, first_line=fmt.first_data_line)
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
        "path": display_path(path), "format": fmt.name, "sha256": sha256_of(path), "encoding": info.get("encoding"),
        "sheet": info.get("sheet"), "rows": len(out), "read_at": read_time(),
    }
    return SurveyData(responses=out, codebook=codebook, label=label or path.name, simulated=simulated,
                      source=source, column_map=pd.DataFrame(column_rows), dropped=dropped, missing=missing)


def _allowed(item: Item, positions: bool) -> str:
    if positions:
        return ", ".join(f"{k}={lv.zh or lv.en}" for k, lv in enumerate(item.scale.levels, start=1))
    return ", ".join(f"{lv.code} / {lv.en} / {lv.zh}" for lv in item.scale.levels)


def _decode_column(
    values: pd.Series, item: Item, target: Target, fmt: SurveyFormat, *, path: Path, column: str,
    ids: pd.Series, first_line: int | None,
) -> tuple[dict[str, list[Any]], int, int]:
    """Decode one export column into tidy column(s); returns ``(columns, n blank, n skipped)``.

    Answers are read as the format codes them (:class:`~helpers.survey.formats.base.SurveyFormat`:
    option positions or codes/labels, its multi-select separators, its "skipped" tokens); ``(空)``
    (:data:`~helpers.survey.formats.wjx.WJX_EMPTY`) is a blank answer in every format.
    """
    positions = fmt.positions
    lookup: dict[str, Any] = {}
    for lv in item.scale.levels:
        for spelling in lv.spellings():
            lookup.setdefault(normalise(spelling), lv.code)
    skip_tokens = fmt.skipped
    seps = fmt.multi_separators
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
