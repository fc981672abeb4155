"""Rows of an export that are not respondents, and respondents submitted twice (问卷筛查).

:func:`helpers.survey.read_survey` counts every respondent once and says what it left out. Each row
of the export is either a respondent or an **excluded** row with a reason (:data:`EXCLUSIONS`, in the
order the rules apply), listed in :attr:`helpers.survey.SurveyData.excluded` and counted in the
source's notes, so ``rows read = respondents + excluded`` always holds:

- ``empty_row``: no cell filled at all (no id, no time, no answer), e.g. a spacer row an Excel user
  left above a totals row. A respondent who answered nothing still has an id or a time.
- ``repeated_header``: a copy of the header inside the data (two exports appended), or a second
  header row (item ids over question wording): every filled answer cell names its own column's item.
- ``summary_row``: a totals / averages row below the respondents, its first filled cell a word such
  as ``Total``, ``Average``, ``合计``, ``平均`` (:data:`SUMMARY_WORDS`); only at the end of the file.
- ``test_account``: a response the survey tool itself flags as a preview, test or spam
  (:attr:`~helpers.survey.SurveyFormat.test_values`; Qualtrics ``Status`` = ``Survey Preview`` or
  ``1``, as rOpenSci's ``excluder`` package reads it).
- ``duplicate``: the same respondent id again (after :func:`clean_cell`), with the same answers — a
  resubmission, or two overlapping exports appended. The same id with *different* answers is an
  error unless ``duplicates="first"`` or ``"last"`` says which submission counts
  (:func:`find_duplicates`).

``repeated_header``, ``test_account`` and ``duplicate`` are the codes of
:data:`helpers.schema.REASONS` for the same situations in order exports.

**Limits.** A tool that gives every submission a new id (Wenjuanxing ``序号``, Qualtrics
``ResponseId``) cannot show a person who submitted twice; only repeated ids are found. Exports
without an id column but with the tool's metadata (Google Forms' ``Timestamp``) are checked for
rows identical in every cell, time included; a table with neither (answers only) cannot be checked:
two respondents may well give the same answers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Mapping

import pandas as pd

from ..errors import DataError
from ..schema import SUMMARY_WORDS as SUMMARY_WORDING
from ..schema import clean_cell
from .codebook import Codebook, normalise
from .formats import PART_SEP, SurveyFormat
from .matching import Target, match_header

#: Why a row of an export is not counted as a respondent, in the order the rules apply.
EXCLUSIONS: dict[str, str] = {
    "empty_row": "no cell filled (no id, no time, no answer)",
    "repeated_header": "a copy of the header row (or a second header row) inside the data",
    "summary_row": "a totals / averages row below the respondents",
    "test_account": "a preview, test or spam response flagged by the survey tool",
    "duplicate": "the same respondent id submitted again",
}
EXCLUSIONS_ZH: dict[str, str] = {
    "empty_row": "空行", "repeated_header": "重复的表头行", "summary_row": "合计/平均行",
    "test_account": "预览/测试/垃圾答卷", "duplicate": "同一答卷人重复提交",
}
#: First cells that mark a totals / averages row (compared after :func:`~helpers.survey.normalise`).
SUMMARY_WORDS = frozenset(normalise(w) for w in SUMMARY_WORDING)  # helpers.schema's, shared with order exports
DUPLICATE_POLICIES = ("identical", "first", "last")


def respondent_ids(header: list[str], data: pd.DataFrame,
                   fmt: SurveyFormat) -> tuple[pd.Series, pd.Series, int, str | None]:
    """``(ids, given, how many were cleaned, id column)``: the format's id column cleaned by :func:`clean_cell`,
    the data row number (``"1"``, ``"2"`` …) where it is absent or blank (``given`` False there)."""
    numbers = pd.Series([str(i) for i in range(1, len(data) + 1)], index=data.index, dtype="string")
    plain = [h.split(PART_SEP)[0] for h in header]
    column = next((c for c in fmt.id_columns if c in plain), None)
    if column is None:
        return numbers, pd.Series(False, index=data.index), 0, None
    raw = data[plain.index(column)]
    ids = raw.map(clean_cell).astype("string")
    ids = ids.where(ids.fillna("") != "", pd.NA)
    changed = int((ids.notna() & (ids != raw.str.strip(" \t"))).sum())
    return ids.fillna(numbers), ids.notna(), changed, column


def _is_header_row(cells: Mapping[int, str], header: list[str], targets: Mapping[int, Target],
                   codebook: Codebook) -> bool:
    filled = {j: c for j, c in cells.items() if j in targets and c}
    if len(filled) < min(2, len(targets)):
        return False
    for j, cell in filled.items():
        names = {normalise(p) for p in header[j].split(PART_SEP) if p}
        if normalise(cell) in names or cell.startswith('{"ImportId"'):
            continue
        target = match_header(cell, codebook)
        if target is None or target.item != targets[j].item:
            return False
    return True


def screen_rows(header: list[str], data: pd.DataFrame, targets: Mapping[int, Target], fmt: SurveyFormat,
                codebook: Codebook) -> pd.DataFrame:
    """Rows that are not respondents (``empty_row``, ``repeated_header``, ``summary_row``, ``test_account``):
    one row each with ``row`` (1-based data row), ``reason`` and ``detail``. Read before answers are decoded."""
    plain = [h.split(PART_SEP)[0] for h in header]
    tests = {plain.index(c): set(v) for c, v in fmt.test_values.items() if c in plain}
    found: dict[int, tuple[str, str]] = {}
    texts = [["" if pd.isna(v) else clean_cell(v) for v in row] for row in data.itertuples(index=False)]
    last_respondent = None
    for pos in range(len(texts) - 1, -1, -1):  # summary rows: only below the last respondent
        row = texts[pos]
        first = next((c for c in row if c), "")
        if not first:
            found[pos] = ("empty_row", "every cell blank")
        elif normalise(first) in SUMMARY_WORDS:
            found[pos] = ("summary_row", f"first cell {first[:20]!r}")
        else:
            last_respondent = pos
            break
    for pos in range(len(texts) if last_respondent is None else last_respondent + 1):
        cells = dict(enumerate(texts[pos]))
        if not any(cells.values()):
            found[pos] = ("empty_row", "every cell blank")
        elif _is_header_row(cells, header, targets, codebook):
            found[pos] = ("repeated_header", "its cells name the columns' items")
        else:
            flagged = [(header[j], cells[j]) for j, values in tests.items() if cells[j] in values]
            if flagged:
                found[pos] = ("test_account", f"{flagged[0][0]} = {flagged[0][1]!r}")
    rows = sorted(found)
    return _frame([int(data.index[p]) + 1 for p in rows], [found[p][0] for p in rows], [found[p][1] for p in rows])


def find_duplicates(responses: pd.DataFrame, rows: pd.Series, policy: str, *, path: Path,
                    id_column: str | None, raw: pd.DataFrame | None = None) -> pd.DataFrame:
    """Repeated respondents among the decoded ``responses`` (``rows``: their 1-based data rows).

    With an id column: a repeated id with the same answers is a ``duplicate`` (the later copy is
    excluded); with different answers it raises :class:`DataError` naming the id, both rows and the
    columns that differ, unless ``policy`` is ``"first"`` or ``"last"`` (that submission counts, the
    others are excluded, their differences in ``detail``). Without one: rows of ``raw`` (given only when
    the export has the tool's metadata, e.g. a time) identical in every cell are duplicates.
    Returns the excluded rows (``row``, ``reason``, ``detail``).
    """
    if policy not in DUPLICATE_POLICIES:
        raise DataError(f"duplicates={policy!r} is not one of {DUPLICATE_POLICIES}", file=path)
    records: list[tuple[int, str]] = []  # (data row, detail)
    if id_column is None:
        if raw is not None:
            copies = raw.astype("string").fillna("\x00").duplicated(keep="first").to_numpy()
            for pos in copies.nonzero()[0]:
                records.append((int(rows.iat[pos]), "every cell equal to an earlier row"))
        return _duplicates(records)
    answers = responses.drop(columns="respondent_id").astype("string").fillna("")
    for rid, positions in responses.groupby("respondent_id", sort=False).indices.items():
        if len(positions) < 2:
            continue
        keep = positions[-1] if policy == "last" else positions[0]
        for pos in positions:
            if pos == keep:
                continue
            differ = [c for c in answers.columns if answers.iat[pos, answers.columns.get_loc(c)]
                      != answers.iat[keep, answers.columns.get_loc(c)]]
            if differ and policy == "identical":
                raise DataError(
                    f"respondent {rid!r} appears in rows {int(rows.iat[keep])} and {int(rows.iat[pos])} with "
                    f"different answers ({_listed(differ)}): submitted twice, or two respondents share an id",
                    file=path, column=id_column, row=int(rows.iat[pos]),
                    hint="fix the ids, or say which submission counts: duplicates='first' or 'last'",
                )
            what = f"differs in {_listed(differ)}" if differ else "same answers"
            records.append((int(rows.iat[pos]), f"id {rid!r} again ({what}); row {int(rows.iat[keep])} kept"))
    return _duplicates(sorted(records))


def _listed(columns: Iterable[str], n: int = 3) -> str:
    columns = list(columns)
    return ", ".join(columns[:n]) + (f" and {len(columns) - n} more" if len(columns) > n else "")


def _frame(rows: list[int], reasons: list[str], details: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"row": pd.Series(rows, dtype="int64"), "reason": pd.Series(reasons, dtype=object),
                         "detail": pd.Series(details, dtype=object)})


def _duplicates(records: list[tuple[int, str]]) -> pd.DataFrame:
    return _frame([r for r, _ in records], ["duplicate"] * len(records), [d for _, d in records])


def exclusion_notes(excluded: pd.DataFrame, cleaned_ids: int, rows_read: int, kept: int) -> list[str]:
    """One sentence per kind of excluded row, and for ids cleaned by :func:`clean_cell`, for the provenance."""
    notes = [f"{rows_read} data rows read: {kept} respondents, {len(excluded)} excluded"] if len(excluded) else []
    for reason, text in EXCLUSIONS.items():
        rows = excluded.loc[excluded["reason"] == reason, "row"].tolist()
        if rows:
            shown = ", ".join(map(str, rows[:5])) + (" …" if len(rows) > 5 else "")
            notes.append(f"{len(rows)} row(s) excluded as {reason} ({text}): data row(s) {shown}")
    if cleaned_ids:
        notes.append(f"{cleaned_ids} respondent id(s) written with full-width characters, no-break or zero-width "
                     "spaces were normalised (NFKC) before ids were compared")
    return notes
