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

**Every respondent once.** Rows that are no respondent (a blank row, a repeated or second header
row, a totals row, a tool's preview) and a respondent id submitted again with the same answers are
left out with a reason, listed in :attr:`SurveyData.excluded` and counted in ``source["notes"]``;
the same id with different answers is an error unless ``duplicates=`` says which submission counts
(:mod:`.screening`). Ids and answers are compared after NFKC normalisation with zero-width
characters removed, so ``"１２"``, ``"12\u00a0"`` and ``"\u200b12"`` are the same respondent.

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

import numpy as np
import pandas as pd

from ..errors import DataError, clip
from ..paths import display_path, sha256_of
from ..schema import clean_cell
from ..store import read_time
from .codebook import Codebook, Item, load_codebook, normalise
from .formats import FORMATS, PART_SEP, WJX_EMPTY, SurveyFormat, detect_format, existing_export
from .formats.spss import decode_labelled
from .matching import Target, closest_items, match_header
from .screening import exclusion_notes, find_duplicates, respondent_ids, screen_rows


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
        Provenance: path, format, sha256, encoding, sheet, ``rows`` (respondents), ``rows_read``
        (data rows in the export), ``excluded`` (count per reason), ``notes``, read_at.
    column_map
        Export column → tidy column, one row per mapped column.
    dropped
        Metadata columns not carried forward (times, IP addresses, e-mails, …).
    missing
        Per tidy column: ``blank`` (no answer) and ``skipped`` (not asked by the questionnaire's
        logic) counts; missing by design, never an error.
    excluded
        Data rows not counted as respondents: ``row`` (1-based data row), ``respondent_id``,
        ``reason`` (:data:`helpers.survey.EXCLUSIONS`) and ``detail``. ``rows_read = n + len(excluded)``.
    """

    responses: pd.DataFrame
    codebook: Codebook
    label: str
    simulated: bool = False
    source: dict[str, Any] = field(default_factory=dict)
    column_map: pd.DataFrame = field(default_factory=pd.DataFrame)
    dropped: list[str] = field(default_factory=list)
    missing: pd.DataFrame = field(default_factory=pd.DataFrame)
    excluded: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["row", "respondent_id", "reason", "detail"]))

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
    duplicates: str = "identical",
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
    duplicates
        A respondent id that occurs more than once: ``"identical"`` (default) leaves out later copies
        with the same answers and refuses copies with different answers; ``"first"`` / ``"last"``
        keeps that submission of each id. Left-out copies are in :attr:`SurveyData.excluded`.

    Returns
    -------
    SurveyData

    Raises
    ------
    DataError
        Unreadable, empty or respondent-less file, a symbolic-link loop; a column that maps onto no
        item (named, with close matches); two columns mapping onto one item; an answer outside the
        codebook (named with its column, respondent row and respondent id, and the answers
        allowed); SPSS value labels that leave codes unexplained; a respondent id with two
        different sets of answers (``duplicates="identical"``).
    """
    codebook = codebook or load_codebook()
    path = existing_export(path)
    name = format or detect_format(path, encoding, sheet)
    if name not in FORMATS:
        raise DataError(f"unknown survey format {name!r}", file=path, hint=f"use one of {tuple(FORMATS)}")
    fmt = FORMATS[name]
    export = fmt.read(path, encoding, sheet)
    header, data, info, alt_header = export.header, export.data, export.info, export.alt_header
    if len(data) == 0:
        raise DataError("has no respondents (no data rows)", file=path, hint="export the responses too")
    columns = dict(columns or {})
    ignore = set(ignore)
    metadata = set(fmt.metadata)
    ids, given_ids, cleaned_ids, id_column = respondent_ids(header, data, fmt)

    # columns → targets
    targets: dict[int, Target] = {}
    dropped: list[str] = []
    for j, head in enumerate(header):
        shown = _short(head.replace(PART_SEP, " / "))
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

    # rows that are no respondent, then the answers of the others
    excluded = screen_rows(header, data, targets, fmt, codebook)
    kept = data.index[~data.index.isin(excluded["row"] - 1)]
    named = ids.where(given_ids, pd.NA)  # the ids the export gives, for the excluded rows' table
    ids, given_ids = ids.loc[kept], given_ids.loc[kept]
    out = pd.DataFrame({"respondent_id": ids.to_numpy()})
    skipped: dict[str, list[bool]] = {}
    column_rows = []
    notes: list[str] = []
    for j, target in targets.items():
        item = codebook.items[target.item]
        col_name = _short(header[j].replace(PART_SEP, " / "))
        values = data.loc[kept, j]
        if export.value_labels is not None and target.option is None:
            values, note = decode_labelled(values, export.value_labels[j], item, path=path, column=col_name)
            notes += [note] if note else []
        decoded, skip = _decode_column(values, item, target, fmt, path=path, column=col_name, ids=ids,
                                       first_line=fmt.first_data_line)
        for tidy, column_values in decoded.items():
            out[tidy] = column_values
            skipped[tidy] = skip
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

    # respondents submitted twice
    rows = pd.Series(kept + 1)
    given = given_ids.to_numpy() if id_column else np.ones(len(out), dtype=bool)
    stamped = any(h.split(PART_SEP)[0] in metadata for h in header)  # a time etc. tells submissions apart
    twice = find_duplicates(out[given].reset_index(drop=True), rows[given].reset_index(drop=True), duplicates,
                            path=path, id_column=id_column,
                            raw=data.loc[kept].reset_index(drop=True) if not id_column and stamped else None)
    counted = ~rows.isin(twice["row"]).to_numpy()
    out = out[counted].reset_index(drop=True)
    excluded = pd.concat([excluded, twice], ignore_index=True).sort_values("row", kind="stable", ignore_index=True)
    excluded.insert(1, "respondent_id", named.loc[excluded["row"] - 1].astype(object).to_numpy())
    missing = pd.DataFrame([{"column": tidy, "blank": int((out[tidy].isna().to_numpy() & ~skip[counted]).sum()),
                             "skipped": int(skip[counted].sum())}
                            for tidy, skip in ((t, np.array(v, dtype=bool)) for t, v in skipped.items())],
                           columns=["column", "blank", "skipped"])
    missing = missing.set_index("column").reindex([c for c in ordered if c in skipped]).reset_index()
    source = {
        "path": display_path(path), "format": fmt.name, "sha256": sha256_of(path), "encoding": info.get("encoding"),
        "sheet": info.get("sheet"), "rows": len(out), "rows_read": len(data),
        "excluded": {r: int(k) for r, k in excluded["reason"].value_counts(sort=False).items()},
        "notes": exclusion_notes(excluded, cleaned_ids, len(data), len(out)) + notes, "read_at": read_time(),
    }
    return SurveyData(responses=out, codebook=codebook, label=label or path.name, simulated=simulated,
                      source=source, column_map=pd.DataFrame(column_rows), dropped=dropped, missing=missing,
                      excluded=excluded)


def _short(text: str, limit: int = 160) -> str:
    """A header as messages show it: at most ``limit`` characters (a broken file can make one header of a
    whole line), its start and end kept."""
    return text if len(text) <= limit else text[: limit // 2] + "…" + text[-(limit // 2 - 1):]


def _allowed(item: Item, positions: bool) -> str:
    levels = item.scale.levels
    if positions:
        return ", ".join(f"{k}={lv.zh or lv.en}" for k, lv in enumerate(levels, start=1))
    codes = item.scale.codes
    if item.scale.ordered and len(levels) > 3 and all(isinstance(c, int) for c in codes):
        first, last = levels[0], levels[-1]
        return f"codes {min(codes)}–{max(codes)} ({first.code} = {first.en} … {last.code} = {last.en}) or their labels"
    return ", ".join(f"{lv.code} / {lv.en} / {lv.zh}" for lv in levels)


FLAGS = {"1": 1, "0": 0, "1.0": 1, "0.0": 0, "true": 1, "false": 0}
"""How a 0/1 option column of a multi-select item may write chosen / not chosen."""


def _decode_column(
    values: pd.Series, item: Item, target: Target, fmt: SurveyFormat, *, path: Path, column: str,
    ids: pd.Series, first_line: int | None,
) -> tuple[dict[str, list[Any]], list[bool]]:
    """Decode one export column into tidy column(s); returns ``(columns, skipped)``, ``skipped`` saying per
    respondent whether the answer was skipped by the questionnaire's logic (a missing answer that is not).

    ``values`` keeps the export's row index (0-based data rows), so errors name the data row even when
    rows before it were excluded; ``ids`` has the same index. Each cell is compared after
    :func:`~helpers.schema.clean_cell` (full-width digits, no-break and zero-width spaces).
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

    def fail(raw: str, row: int, what: str) -> DataError:
        line = f", file line {row + first_line - 1}" if first_line else ""
        shown = clip(raw, 40)
        return DataError(
            f"{what} {shown!r} is not in the codebook for item {item.id!r}; respondent {ids.loc[row - 1]!r}{line}",
            file=path, column=column, row=row,
            hint=f"allowed: {_allowed(item, positions and target.option is None and item.kind != 'multi')}; "
                 "fix the export or add the spelling as an alias in the codebook",
        )

    def code_of(text: str, row: int) -> Any:
        if positions:
            if re.fullmatch(r"\d+", text) and 1 <= int(text) <= len(item.scale.levels):
                return item.scale.levels[int(text) - 1].code
            raise fail(text, row, "option position")
        if re.fullmatch(r"-?\d+(\.0+)?", text):
            text = str(int(float(text)))
        for lv in item.scale.levels:
            if str(lv.code) == text:
                return lv.code
        key = normalise(text)
        if key in lookup:
            return lookup[key]
        raise fail(text, row, "answer")

    multi = item.kind == "multi" and target.option is None  # one column holding the chosen options, joined
    cols: dict[str, list[Any]] = {c: [] for c in (item.columns if multi else [target.column])}
    skipped: list[bool] = []
    for index, raw in values.items():
        row = int(index) + 1
        text = "" if pd.isna(raw) else clean_cell(raw)
        skipped.append(text in skip_tokens)
        if not text or text in WJX_EMPTY or text in skip_tokens:
            for c in cols:
                cols[c].append(pd.NA)
        elif target.option is not None:  # one 0/1 column of a multi-select item
            flag = FLAGS.get(text.casefold())
            if flag is None:
                raise fail(text, row, "0/1 flag")
            cols[target.column].append(flag)
        elif multi:
            chosen = {_multi_position(p, item, fail, row) if positions else code_of(p, row)
                      for p in _split_choices(text, seps, lookup)}
            for code, c in zip(item.scale.codes, item.columns):
                cols[c].append(int(code in chosen))
        else:
            cols[target.column].append(code_of(text, row))
    return cols, skipped


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
