"""Parsing raw values the way exports write them: dates, money amounts and status words.

:func:`parse_timestamps`, :func:`parse_amounts` and :func:`normalise_status` turn the text that
acquisition carried forward *as read* into typed values; a value that does not parse becomes
``NaT`` / ``NaN`` / ``<NA>``. Each parses the distinct values once and spreads the result back
(prices and days repeat).

**Value checks: the one definition of what a raw value means.** :func:`check_timestamps`,
:func:`check_amounts` and :func:`check_statuses` return, for a Series of raw values, the parsed
value plus a quarantine ``reason`` (a code of :data:`~helpers.schema.REASONS`) and ``detail`` per
value (:class:`Checked`); :func:`value_checks` lists them by canonical column. Cleaning uses them
and nothing else for value-level rules, on the DISTINCT raw values of a column, joined back in DuckDB
(:func:`helpers.clean.statements.clean_views`, for a DataFrame and a large log alike). A new value rule (a reason that depends on one value only) is added here, once,
and applies to both paths; :func:`first_reason` orders reasons as :data:`~helpers.schema.REASONS`
lists them (first rule wins).
"""

from __future__ import annotations

import re
from typing import Callable, Iterable, NamedTuple

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from ..errors import DataError, clip
from ..schema import AMOUNT_LIMIT, CURRENCY_MARKS, DATE_FORMATS, PLAUSIBLE_DATES, REASONS, STATUS_LOOKUP
from .textforms import SPACES, has_odd_spaces, missing_text, nfkc
from .timeshapes import TimeText, layouts, stripped

_EXCEL_SERIAL = re.compile(r"^[2-6]\d{4}(\.\d+)?$")  # 20000–69999: 1954-10-03 … 2091-08-05 (< 29221: before
# 1980, read and then quarantined as implausible_date)
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


#: Columns of at least this many rows are checked or parsed on their distinct values when those are few.
DISTINCT_MIN_ROWS = 100_000


def _on_uniques(values: pd.Series, parse):
    """Apply ``parse`` (a Series → Series or DataFrame function) to the distinct values only and spread
    the result back (prices, days repeat)."""
    if len(values) > DISTINCT_MIN_ROWS and values.iloc[:20_000].nunique() > 0.7 * 20_000:
        return parse(values)  # nearly every value distinct (times to the second): factorising buys nothing
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if len(uniques) == 0 or len(uniques) > 0.7 * len(values):
        return parse(values)
    parsed = parse(pd.Series(uniques, dtype=values.dtype))
    if (codes < 0).any():  # what a missing value gives (an integer column holds none: object)
        missing = values.iloc[[int(np.argmax(codes < 0))]].reset_index(drop=True)
        parsed = pd.concat([parsed, parse(missing)], ignore_index=True)
    out = parsed.iloc[np.where(codes < 0, len(uniques), codes)]
    out.index = values.index
    return out


def _as_ns(values: pd.Series) -> pd.Series:
    """Typed times as ``datetime64[ns]``; times outside its range (``9999-12-31`` in a ``TIMESTAMP`` column)
    become ``NaT``, as the same time written as text does, instead of an overflow error."""
    if values.dtype == "datetime64[ns]" or getattr(values.dtype, "tz", None) is not None:
        return values.astype("datetime64[ns]")
    if values.empty or (values.min() >= pd.Timestamp.min and values.max() <= pd.Timestamp.max):
        return values.astype("datetime64[ns]")  # all inside (NaT is): no element-wise test
    inside = (values >= pd.Timestamp.min) & (values <= pd.Timestamp.max)
    return values.where(inside).astype("datetime64[ns]")


def parse_timestamps(values: pd.Series, formats: Iterable[str] = DATE_FORMATS) -> pd.Series:
    """Parse mixed date representations (see :func:`_parse_timestamps`), once per distinct value."""
    formats = tuple(formats)
    if pd.api.types.is_datetime64_any_dtype(values):
        return _as_ns(values)
    return _on_uniques(values, lambda v: _parse_timestamps(v, formats))


def _parse_timestamps(values: pd.Series, formats: Iterable[str] = DATE_FORMATS) -> pd.Series:
    """Parse mixed date representations; values that match nothing become ``NaT``.

    Accepted: datetime objects (e.g. Excel date cells); text in any of ``formats`` (ISO,
    ``2013/4/9 12:00``, ``2013.04.09``, ``2013年4月9日 12:00``, ``20130409``); Excel serial
    day numbers as text of five digits from 20000 to 69999 (days since 1899-12-30, i.e. 1954–2091;
    other numbers are not dates). Day-first forms such as
    ``09/04/2013`` are deliberately not guessed: they are ambiguous, so they do not parse.
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        return _as_ns(values)
    out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[ns]")  # filled by position
    if pd.api.types.is_string_dtype(values) and values.dtype != object:
        is_dt = np.zeros(len(values), dtype=bool)
    else:  # object column: Excel cells may hold datetimes next to text
        is_dt = values.map(lambda v: isinstance(v, (pd.Timestamp, np.datetime64))
                           or (hasattr(v, "year") and not isinstance(v, str))).to_numpy(dtype=bool)
    if is_dt.any():
        out[is_dt] = _as_ns(pd.to_datetime(values[is_dt].astype(object), errors="coerce")).to_numpy()  # 9999: NaT
    at = np.flatnonzero(~is_dt & values.notna().to_numpy(dtype=bool))
    text = stripped(nfkc((values if len(at) == len(values) else values.iloc[at]).astype("string")))
    if has_odd_spaces(text):  # other white space than single spaces
        text = text.str.replace(SPACES, " ", regex=True)
    reader, rest = TimeText(text), np.arange(len(text))  # rest: the positions in text still unread
    counts: dict[str, np.ndarray] = {}  # each separator's count in the values, taken once (rest only shrinks)
    for fmt in formats:
        if not len(rest):
            break
        if layouts(fmt):  # the common spellings, read from their bytes; what is not read goes on to pandas
            parsed = reader.read(fmt, rest)
            hit = ~np.isnat(parsed)
            out[at[rest[hit]]] = parsed[hit]
            rest = rest[~hit]
            if not len(rest):
                break
        marks = [c for c in re.sub("%.", "", fmt) if not c.isspace() and not c.isalpha()]
        new = [mark for mark in dict.fromkeys(marks) if mark not in counts]
        if new:  # counted on the values still unread (those of later formats are among them)
            unread = reader.values(rest)
            for mark in new:
                counts[mark] = np.zeros(len(text), dtype=np.int32)
                counts[mark][rest] = pc.count_substring(unread, mark).to_numpy(zero_copy_only=False)
        tried = np.ones(len(rest), dtype=bool)  # only values holding the format's separators (- / . : …) as often
        for mark in dict.fromkeys(marks):  # as it does: the others fail
            tried &= counts[mark][rest] >= marks.count(mark)
        if not tried.any():
            continue
        parsed = _as_ns(pd.to_datetime(text.iloc[rest[tried]], format=fmt, errors="coerce")).to_numpy()  # 9999: NaT
        hit = np.zeros(len(rest), dtype=bool)
        hit[np.flatnonzero(tried)[~np.isnat(parsed)]] = True
        out[at[rest[hit]]] = parsed[~np.isnat(parsed)]
        rest = rest[~hit]
    remaining, at = text.iloc[rest], at[rest]
    if not remaining.empty:
        serial = remaining.str.match(_EXCEL_SERIAL).to_numpy(dtype=bool)
        if serial.any():
            days = remaining[serial].astype(float)
            out[at[serial]] = (pd.Timestamp("1899-12-30") + pd.to_timedelta(days, unit="D")).to_numpy(
                dtype="datetime64[ns]")
    return pd.Series(out, index=values.index)


def parse_amounts(values: pd.Series) -> pd.Series:
    """Parse money amounts (see :func:`amount_parts`), once per distinct value; what does not parse
    (ambiguous amounts included) becomes ``NaN``."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.astype(float)
    return amount_parts(values)["value"]


def amount_parts(values: pd.Series) -> pd.DataFrame:
    """Money amounts as exports write them, read once per distinct value: a frame (same index) of
    ``value`` (float, dataset currency; ``NaN`` where the text is no amount), ``currencies`` (the ISO codes
    the amount's currency marks can mean, ``|``-joined, e.g. ``CNY|JPY`` for ``¥``; ``?`` when its marks
    agree on none; ``<NA>`` without a mark; :data:`~helpers.schema.CURRENCY_MARKS`) and ``ambiguous``
    (``True`` for an amount that reads as two different numbers).

    Read: numbers; ``¥1,999.00``, full-width ``￥１９９９``, ``1999元``, ``RMB 1,999``, ``45.60 EUR``;
    accounting negatives ``(199.00)``; English grouping ``1,234.50`` (and Indian ``1,23,456``); the
    continental convention ``1.234,50``, ``1.234.567`` and a decimal comma with one or two decimals
    (``1999,00``); Swiss ``1'234.50``; ``inf`` and overflowing exponents as infinite (implausible, not
    unparseable). **Ambiguous:** one dot followed by exactly three digits and nothing else (``1.299``) is
    1299 in the continental convention and 1.299 in the English one; it is not guessed. A comma followed
    by three digits is a thousands separator (``1,299`` is 1299, as Chinese and English exports write it).
    """
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return pd.DataFrame({"value": values.astype(float), "currencies": pd.Series(pd.NA, index=values.index,
                                                                                    dtype="string"),
                             "ambiguous": False}, index=values.index)
    return _on_uniques(values, _amount_parts)


_MARK = "|".join(map(re.escape, sorted(CURRENCY_MARKS, key=len, reverse=True)))
_LEADING_MARKS = rf"^(?P<sign>[+-]?)\s*(?:(?:{_MARK})\s*)+"  # ¥1,999  -¥12  RMB 1,999
_TRAILING_MARKS = rf"(?:\s*(?:{_MARK}))+$"  # 1999元  45.60 EUR
_NOT_NUMBER = r"[\d.,+\-\s'’()]"  # what is left of an amount without them: its currency marks (or junk)
_CONTINENTAL = r"^[+-]?\d{1,3}(?:\.\d{3})+,\d{1,2}$|^[+-]?\d{1,3}(?:\.\d{3}){2,}$"  # 1.234,50  1.234.567
_DECIMAL_COMMA = r"^[+-]?\d+,\d{1,2}$"  # 1999,00  49,9
_GROUPED = r"^[+-]?(?:[1-9]\d{0,2}(?:,\d{3})+|[1-9]\d?(?:,\d{2})+,\d{3})(?:\.\d*)?$"  # 1,234.50  1,23,456
_AMBIGUOUS = r"^[+-]?[1-9]\d{0,2}\.\d{3}$"  # 1.299: 1299 or 1.299
_INFINITE = r"^[+-]?inf(?:inity)?$"


def _currencies(marks: list[str]) -> str | None:
    """The currencies a value's marks can all mean, ``|``-joined (``?``: none), ``None`` without marks."""
    if not marks:
        return None
    common = frozenset.intersection(*(CURRENCY_MARKS[m] for m in marks))
    return "|".join(sorted(common)) or "?"


def _amount_parts(values: pd.Series) -> pd.DataFrame:
    """:func:`amount_parts` on every value (no de-duplication)."""
    out = pd.DataFrame({"value": np.nan, "currencies": pd.Series(pd.NA, index=values.index, dtype="string"),
                        "ambiguous": False}, index=values.index)
    if pd.api.types.is_string_dtype(values) and values.dtype != object:
        numeric = pd.Series(np.nan, index=values.index)
    else:  # object column: numbers (Excel cells) next to text
        numeric = pd.to_numeric(values.where(values.map(lambda v: isinstance(v, (int, float, np.number))
                                                        and not isinstance(v, bool)).astype(bool)),
                                errors="coerce")
    out["value"] = numeric.astype(float)
    text = values[numeric.isna() & values.notna()].astype("string")
    if text.empty:
        return out
    norm = nfkc(text).str.strip().str.lower()
    negative = norm.str.match(r"^\(.*\)$").fillna(False).to_numpy(dtype=bool)
    norm = norm.str.strip("()")
    residue = norm.str.replace(_NOT_NUMBER, "", regex=True)  # "¥", "rmb", "元", "n/a": few distinct
    marks = {r: _currencies(re.findall(_MARK, r)) for r in residue.dropna().unique()}
    out.loc[text.index, "currencies"] = residue.map(marks).astype("string")
    norm = norm.str.replace(_LEADING_MARKS, r"\g<sign>", regex=True).str.replace(_TRAILING_MARKS, "", regex=True)
    norm = norm.str.replace(r"\s+", "", regex=True)  # marks inside a number (1元2) stay: no amount
    norm = norm.str.replace(r"(?<=\d)['’](?=\d{3}(?!\d))", "", regex=True)  # Swiss 1'234.50
    number = norm.where(~norm.str.match(_CONTINENTAL).fillna(False),
                        norm.str.replace(".", "", regex=False).str.replace(",", ".", regex=False))
    number = number.where(~norm.str.match(_DECIMAL_COMMA).fillna(False), norm.str.replace(",", ".", regex=False))
    number = number.where(~norm.str.match(_GROUPED).fillna(False), norm.str.replace(",", "", regex=False))
    ambiguous = norm.str.match(_AMBIGUOUS).fillna(False)
    infinite = number.str.match(_INFINITE).fillna(False)
    valid = number.str.match(_NUMBER).fillna(False) & ~ambiguous
    parsed = pd.to_numeric(number.where(valid & ~infinite), errors="coerce")
    parsed = pd.Series(parsed.to_numpy(dtype=float, na_value=np.nan), index=norm.index)
    parsed[infinite.to_numpy(dtype=bool)] = np.where(number[infinite].str.startswith("-"), -np.inf, np.inf)
    parsed = parsed.where(~negative, -parsed)
    parsed[negative & number.str.startswith("-").fillna(False).to_numpy(dtype=bool)] = np.nan  # (-60): which sign?
    out.loc[text.index, "value"] = parsed
    out.loc[text.index, "ambiguous"] = ambiguous.to_numpy(dtype=bool)
    return out


def normalise_status(values: pd.Series) -> pd.Series:
    """Canonical status (``completed`` / ``unpaid`` / ``cancelled`` / ``returned``: the keys of
    :data:`~helpers.schema.STATUS_VALUES`), ``<NA>`` if unknown.

    Missing values mean ``completed``.
    """
    def lookup(v: pd.Series) -> pd.Series:
        text = nfkc(v.astype("string")).str.strip().str.lower()
        return text.map(STATUS_LOOKUP).where(v.notna(), "completed").astype("string")

    return _on_uniques(values, lookup).astype("string")


# --------------------------------------------------------------------------- value checks (both cleaning paths)

#: Canonical statuses that are not purchases, and the quarantine reason each gives.
STATUS_REASONS: dict[str, str] = {"unpaid": "not_paid", "cancelled": "cancelled"}

#: A reason code's place in :data:`~helpers.schema.REASONS` (the order rules apply in).
REASON_RANK: dict[str, int] = {code: i for i, code in enumerate(REASONS)}


class Checked(NamedTuple):
    """Raw values checked (same index as the input).

    ``value``: the parsed value (``NaT`` / ``NaN`` / ``<NA>`` where it cannot be used);
    ``reason``: a code of :data:`~helpers.schema.REASONS` where the value sends its row to
    quarantine, else ``<NA>``; ``detail``: what to show next to the reason (the offending value
    as text), else ``<NA>``.
    """

    value: pd.Series
    reason: pd.Series
    detail: pd.Series


Rule = tuple[pd.Series, str, "pd.Series | str | None"]


def first_reason(index: pd.Index, rules: Iterable[Rule]) -> tuple[pd.Series, pd.Series]:
    """``(reason, detail)`` per row: of the rules ``(mask, code, detail)`` that hold, the one whose
    code comes first in :data:`~helpers.schema.REASONS` (rules of one code: the first given)."""
    reason, detail = missing_text(index), missing_text(index)
    for mask, code, info in sorted(rules, key=lambda rule: REASON_RANK[rule[1]]):
        take = mask.fillna(False).to_numpy(dtype=bool) & reason.isna().to_numpy()
        if not take.any():
            continue
        reason[take] = code
        if isinstance(info, pd.Series):
            detail[take] = info[take].astype("string")
        elif info is not None:
            detail[take] = info
    return reason, detail


def _raw_text(values: pd.Series) -> pd.Series:
    """Raw values as text for a ``detail`` (as read; missing stays missing; typed times as acquisition writes them)."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.strftime("%Y-%m-%d %H:%M:%S").astype("string")
    return values.astype("string")


def _checked(value: pd.Series, raw: pd.Series, rules: list[tuple[pd.Series, str, "bool | pd.Series"]]) -> Checked:
    """A :class:`Checked` from rules ``(mask, code, detail)``: ``detail`` ``True`` shows the raw value, a Series
    its own text, ``False`` nothing; the raw text is made only for the values a rule sends to quarantine (a
    large log's distinct times are millions)."""
    hits = [(mask.fillna(False).to_numpy(dtype=bool), code, show) for mask, code, show in rules]
    hit = np.logical_or.reduce([h for h, _, _ in hits]) if hits else np.zeros(len(raw), dtype=bool)
    if not hit.any():  # the common case: every value usable
        return Checked(value, missing_text(raw.index), missing_text(raw.index))
    text = missing_text(raw.index)
    text[hit] = _raw_text(raw[hit]).to_numpy()
    reason, detail = first_reason(raw.index, [
        (pd.Series(h, index=raw.index), code, show if isinstance(show, pd.Series) else text if show else None)
        for h, code, show in hits])
    return Checked(value, reason, detail)


def _years(values: pd.Series) -> pd.Series:
    """The year a raw time is written in, where one can be seen (``9999-12-31``, ``0000-00-00 00:00``,
    ``99991231``, a datetime object beyond pandas' range), else ``NaN``."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.year.astype(float)
    years = pd.Series(np.nan, index=values.index)
    objects = values.map(lambda v: not isinstance(v, str) and hasattr(v, "year")).astype(bool)
    if objects.any():
        years[objects] = [float(v.year) for v in values[objects]]
    text = nfkc(values[~objects & values.notna()].astype("string")).str.strip()
    if not text.empty:
        found = text.str.extract(r"^(\d{4})(?:[-/.年]|\d{4}(?:\D|$))", expand=False)
        years[found.index] = pd.to_numeric(found, errors="coerce").astype(float)
    return years


def check_timestamps(values: pd.Series, formats: Iterable[str] = DATE_FORMATS) -> Checked:
    """Order times (:func:`parse_timestamps` with ``formats``); reasons ``missing_date`` (no value),
    ``unparseable_date`` and ``implausible_date`` (a time outside :data:`~helpers.schema.PLAUSIBLE_DATES`,
    read or seen in its year: ``9999-12-31``, ``1900-01-01``, ``0000-00-00``, Unix time zero; detail: the
    raw value)."""
    parsed = parse_timestamps(values, formats)
    missing = values.isna()
    start, end = PLAUSIBLE_DATES
    implausible = parsed.notna() & ((parsed < start) | (parsed >= end))
    unread = parsed.isna() & ~missing
    if unread.any():
        years = _years(values[unread])
        implausible[years.index] = ((years < start.year) | (years >= end.year)).to_numpy()
    return _checked(parsed, values, [(missing, "missing_date", False),
                                     (unread & ~implausible, "unparseable_date", True),
                                     (implausible, "implausible_date", True)])


class MixedCurrencies(DataError):
    """Amounts in more than one currency and no dataset currency given. ``at``: the index label of the first
    amount (in the order given) whose marks agree with none before it; ``marked``: the currencies of every
    marked amount (index label → ``CNY|JPY``) and ``raw`` the raw values, so a caller that knows the file
    order can name the first such row in the file (:func:`mixed_currencies`)."""

    def __init__(self, problem: str, *, at, marked: pd.Series, raw: pd.Series) -> None:
        self.at, self.marked, self.raw = at, marked, raw
        super().__init__(problem, column="amount", hint="pass the dataset's currency (currency='CNY'); amounts in "
                                                        "another go to quarantine as currency_mismatch")


def mixed_currencies(marked: pd.Series, raw: pd.Series) -> MixedCurrencies | None:
    """The error for marked amounts (``marked``: their currencies as :func:`amount_parts` gives them, in file
    order; ``raw``: the raw values by the same labels) that agree on no one currency, or ``None`` when they
    agree (``¥``, ``元`` and ``RMB``: yuan). Loops over the distinct currency sets only."""
    firsts = marked[~marked.duplicated()]
    common, first = None, None
    for at, code in firsts.items():
        these = set(code.split("|"))
        if common is not None and not common & these:
            here, before = _raw_text(raw[[at, first]]).tolist()
            return MixedCurrencies(f"amounts in more than one currency and no dataset currency given: "
                                   f"{clip(here, 24)!r} here, {clip(before, 24)!r} before it", at=at, marked=marked,
                                   raw=raw)
        common, first = (these, at) if common is None else (common & these, first)
    return None


def dataset_currency(currency: str) -> str:
    """``currency`` as an ISO 4217 code: three letters (``cny`` → ``CNY``), or a mark that means one currency
    only (``RMB``, ``元`` → ``CNY``); anything else is refused rather than left to match no amount's mark."""
    text = str(currency).strip()
    known = CURRENCY_MARKS.get(text.lower())
    if known is not None and len(known) == 1:
        return next(iter(known))
    if re.fullmatch(r"[A-Za-z]{3}", text):
        return text.upper()
    raise DataError(f"currency {currency!r} is not an ISO 4217 code", column="amount",
                    hint="give the dataset's currency as three letters, e.g. currency='CNY'")


def _agree(codes: pd.Series, currency: str) -> pd.Series:
    """Whether each value's currencies (``CNY|JPY``) include ``currency``; ``<NA>`` (no mark) agrees."""
    uniques = {c: currency in c.split("|") for c in codes.dropna().unique()}
    return codes.map(uniques).fillna(True).astype(bool)


def check_amounts(values: pd.Series, currency: str | None = None) -> Checked:
    """Line amounts (:func:`amount_parts`, dataset currency ``currency``, an ISO 4217 code); reasons
    ``missing_amount``; ``unparseable_amount`` (detail: the raw value; an ambiguous ``1.299`` says so);
    ``implausible_amount`` (not finite, or beyond ±:data:`~helpers.schema.AMOUNT_LIMIT`: ``1e308``, ``inf``);
    ``currency_mismatch`` (the amount's currency marks cannot mean ``currency``: ``$199.00`` in a CNY
    dataset; marks that agree on no currency, ``$12 EUR``, always).

    Without ``currency`` the marks must agree on one currency (``¥``, ``元`` and ``RMB`` do); amounts in
    several currencies raise :class:`MixedCurrencies` (which currency the dataset is in cannot be guessed).
    """
    parts = amount_parts(values)
    parsed, codes = parts["value"], parts["currencies"]
    missing = values.isna()
    unparseable = parsed.isna() & ~missing
    implausible = parsed.notna() & ~(parsed.abs() <= AMOUNT_LIMIT)
    ambiguous = parts["ambiguous"].to_numpy(dtype=bool)
    note = pd.Series(pd.NA, index=values.index, dtype="string")
    if ambiguous.any():
        note[ambiguous] = _raw_text(values[ambiguous]) + " (ambiguous: a dot grouping thousands or a decimal point?)"
    if currency is None:
        marked = codes.notna() & (codes != "?")
        error = mixed_currencies(codes[marked], values) if marked.any() else None
        if error is not None:
            raise error
        mismatch = codes == "?"
    else:
        mismatch = ~_agree(codes, dataset_currency(currency))
    return _checked(parsed, values, [(missing, "missing_amount", False),
                                     (unparseable & ambiguous, "unparseable_amount", note),
                                     (unparseable & ~ambiguous, "unparseable_amount", True),
                                     (implausible, "implausible_amount", True),
                                     (mismatch.fillna(False), "currency_mismatch", True)])


def check_statuses(values: pd.Series) -> Checked:
    """Canonical statuses (:func:`normalise_status`; missing means ``completed``); reasons
    ``unknown_status`` and ``not_paid`` (detail: the raw word) and ``cancelled`` — the statuses that are
    not purchases, :data:`STATUS_REASONS`."""
    status = normalise_status(values)
    rules = [(status.isna(), "unknown_status", True)]
    rules += [((status == word).fillna(False), code, code == "not_paid") for word, code in STATUS_REASONS.items()]
    return _checked(status, values, rules)


def parse_quantities(values: pd.Series) -> pd.Series:
    """Units per line as numbers (``pd.to_numeric``; what does not parse becomes missing, no reason)."""
    return pd.to_numeric(values, errors="coerce")


def value_checks(date_formats: Iterable[str] = DATE_FORMATS,
                 currency: str | None = None) -> dict[str, Callable[[pd.Series], Checked]]:
    """The value-level checks of cleaning by canonical column, the one definition both paths apply:
    ``timestamp`` (:func:`check_timestamps` with ``date_formats``), ``amount`` (:func:`check_amounts` with
    the dataset's ``currency``), ``status`` (:func:`check_statuses`)."""
    formats = tuple(date_formats)
    return {"timestamp": lambda values: check_timestamps(values, formats),
            "amount": lambda values: check_amounts(values, currency), "status": check_statuses}
