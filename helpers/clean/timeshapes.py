"""Times written in a plain numeric shape, read from their bytes (issue 20): the common spellings of an order time,
``2013-04-09 12:00:00``, ``2013/4/9 12:00``, without a regular expression, ``strptime`` or a Python object per value.

:func:`fixed_times` is what :func:`helpers.clean.parse.parse_timestamps` tries first, at each format's turn, for a
format :func:`layouts` can read (``%Y``, ``%m``, ``%d``, ``%H``, ``%M``, ``%S`` between ASCII separators, e.g.
``%Y-%m-%d %H:%M:%S``, ``%Y/%m/%d %H:%M``, ``%Y.%m.%d``); what it does not read goes on to pandas
(``pd.to_datetime(format=fmt)``), as before. It takes a value only when it is written exactly in the format: a
four-digit year inside pandas' nanosecond times (1678–2261), month and day of one or two digits naming a day of
that month (no 31 April, no 29 February of a common year), hours 00–23, minutes and seconds 00–59 of two digits
(no leap second); pandas reads each such value as the same time (checked on every month and day written both
ways, ``tests/test_ingest_reader.py``), computed here from the digits.

:func:`stripped` is ``str.strip()`` of a text column, skipped when no value starts or ends with anything but a
printable ASCII character other than the space (read from the Arrow buffers: nothing to strip).
"""

from __future__ import annotations

import functools
import itertools
import re

import numpy as np
import pandas as pd
import pyarrow as pa

from .textforms import edge_bytes

#: Digits each field of a format takes (fewest, most): months and days may be written without their leading zero.
_DIGITS = {"Y": (4, 4), "m": (1, 2), "d": (1, 2), "H": (2, 2), "M": (2, 2), "S": (2, 2)}
#: The whole years of pandas' nanosecond times (1677–2262, cut short at both ends).
FIRST_YEAR, LAST_YEAR = pd.Timestamp.min.year + 1, pd.Timestamp.max.year - 1
#: The range of each field besides the year (inclusive; the day is checked against its month as well).
_RANGES = {"m": (1, 12), "d": (1, 31), "H": (0, 23), "M": (0, 59), "S": (0, 59)}


def _arrow(text: pd.Series) -> pa.Array:
    """A text column as one Arrow ``large_string`` array (no copy when it is one already)."""
    arrow = pa.array(text.array)
    arrow = arrow.combine_chunks() if isinstance(arrow, pa.ChunkedArray) else arrow
    return arrow if arrow.type == pa.large_string() else arrow.cast(pa.large_string())


def _buffers(arrow: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """``(offsets, bytes, valid)`` of a ``large_string`` array, ``None`` when it holds no byte."""
    if arrow.buffers()[2] is None or len(arrow) == 0:
        return None
    offsets = np.frombuffer(arrow.buffers()[1], dtype=np.int64, count=len(arrow) + 1, offset=8 * arrow.offset)
    valid = np.ones(len(arrow), dtype=bool) if arrow.null_count == 0 else \
        arrow.is_valid().to_numpy(zero_copy_only=False)
    return offsets, np.frombuffer(arrow.buffers()[2], dtype=np.uint8), valid


@functools.lru_cache(maxsize=64)
def layouts(fmt: str) -> tuple[tuple[int, tuple[tuple[str, tuple[int, ...]], ...], tuple[tuple[int, str], ...]], ...]:
    """Every byte layout of a value written in ``fmt``: ``(width, ((field, positions of its digits) …), ((position,
    separator) …))``, one per choice of one or two digits for the month and the day; ``()`` for a format
    :func:`fixed_times` does not read (another field, a separator that is not ASCII or is a digit, two fields side by
    side, a field twice)."""
    parts = re.findall(r"%.|[^%]", fmt)
    fields = [p[1] for p in parts if p.startswith("%")]
    if (not fields or any(f not in _DIGITS for f in fields) or len(set(fields)) != len(fields)
            or any(len(p) == 1 and (not p.isascii() or p.isdigit()) for p in parts)
            or any(a.startswith("%") and b.startswith("%") for a, b in zip(parts, parts[1:]))):
        return ()
    out = []
    for widths in itertools.product(*[range(_DIGITS[f][0], _DIGITS[f][1] + 1) for f in fields]):
        at, digits, marks, chosen = 0, [], [], dict(zip(fields, widths))
        for part in parts:
            if part.startswith("%"):
                digits.append((part[1], tuple(range(at, at + chosen[part[1]]))))
                at += chosen[part[1]]
            else:
                marks.append((at, part))
                at += 1
        out.append((at, tuple(digits), tuple(marks)))
    return tuple(out)


class TimeText:
    """A text column's bytes (one Arrow ``large_string`` array: offsets, bytes, valid, lengths), taken once and read
    in each format's layouts in turn (:meth:`read`): :func:`helpers.clean.parse.parse_timestamps` tries formats one
    after the other on the values still unread, by their positions (no copy of those values per format)."""

    def __init__(self, text: pd.Series) -> None:
        self.arrow = _arrow(text)
        found = _buffers(self.arrow)
        self.size, self.found = len(text), found
        self.lengths = None if found is None else np.diff(found[0])
        self.all_valid = self.arrow.null_count == 0

    def values(self, rows: np.ndarray) -> pa.Array:
        """The values at ``rows`` (positions, distinct and rising), as Arrow text."""
        return self.arrow if len(rows) == self.size else self.arrow.take(pa.array(rows))

    def read(self, fmt: str, rows: np.ndarray | None = None) -> np.ndarray:
        """``datetime64[ns]`` of the values at ``rows`` (positions; default every value) written exactly in ``fmt``
        (module docstring; a format :func:`layouts` reads), ``NaT`` for every other value. Read :data:`BLOCK`
        values at a time (the temporaries stay small and are reused)."""
        rows = np.arange(self.size) if rows is None else rows  # distinct and rising: all of them when as many
        out = np.full(len(rows), np.datetime64("NaT"), dtype="datetime64[ns]")
        if self.found is None or not len(rows):
            return out
        offsets, data, valid = self.found
        every = len(rows) == self.size
        starts, lengths = (offsets[:-1], self.lengths) if every else (offsets[rows], self.lengths[rows])
        widths = [width for width, _, _ in layouts(fmt)]
        for width, fields, marks in layouts(fmt):
            at = np.flatnonzero(lengths == width)
            if not self.all_valid:
                at = at[valid[rows[at]]]
            if widths.count(width) > 1:  # another layout of this width may have read some
                at = at[np.isnat(out[at])]
            for position, mark in marks[:1]:  # the first separator: most values of another shape fail here
                at = at[data[starts[at] + position] == ord(mark)]
            if not len(at):
                continue
            windows = np.lib.stride_tricks.sliding_window_view(data, width)  # row i: the bytes from i on (a view)
            for first in range(0, len(at), BLOCK):
                block = at[first:first + BLOCK]
                seconds, ok = _seconds(windows[starts[block]], dict(fields), dict(marks))
                out[block[ok]] = (seconds[ok] * 1_000_000_000).view("datetime64[ns]")
        return out


def fixed_times(text: pd.Series, fmt: str) -> np.ndarray:
    """``datetime64[ns]`` of each value of ``text`` written exactly in ``fmt`` (module docstring; a format
    :func:`layouts` reads), ``NaT`` for every other value (left for pandas to read): :meth:`TimeText.read`."""
    return TimeText(text).read(fmt)


#: Values :meth:`TimeText.read` reads at a time.
BLOCK = 1 << 16
#: Days from 1970-01-01 to the first day of each month from January :data:`FIRST_YEAR` to January after
#: :data:`LAST_YEAR`: a month's first day and length by lookup (numpy's ``datetime64[M]`` → ``[D]`` conversions of
#: every value took 18 of the 41 ms a million values cost to read).
_MONTH_STARTS = np.arange((FIRST_YEAR - 1970) * 12, (LAST_YEAR + 1 - 1970) * 12 + 1).astype(
    "datetime64[M]").astype("datetime64[D]").astype(np.int64)


def _seconds(table: np.ndarray, fields: dict[str, tuple[int, ...]], marks: dict[int, str]
             ) -> tuple[np.ndarray, np.ndarray]:
    """``(seconds since 1970-01-01, read)`` of values of one layout given as a table of their bytes, a value per row;
    a field the format does not have is its first (January, day 1, midnight)."""
    # a row per byte position, so that each read below is contiguous (1.56 → 1.26 ms a block of 65,536 values)
    columns = np.ascontiguousarray(table.T)
    ok = np.ones(len(table), dtype=bool)
    for position, mark in marks.items():
        ok &= columns[position] == ord(mark)
    digits = columns - np.uint8(ord("0"))  # wraps above 9 for any other byte
    numbers = {"m": 1, "d": 1, "H": 0, "M": 0, "S": 0}
    for name, positions in fields.items():
        value = np.zeros(len(table), dtype=np.int32)
        for position in positions:
            ok &= digits[position] <= 9
            value = value * 10 + digits[position]
        low, high = _RANGES.get(name, (FIRST_YEAR, LAST_YEAR))
        ok &= (value >= low) & (value <= high)
        numbers[name] = value
    month = np.where(ok, (numbers["Y"] - FIRST_YEAR) * 12 + numbers["m"] - 1, 0)  # inside the table when read
    first = _MONTH_STARTS[month]
    ok &= numbers["d"] <= _MONTH_STARTS[month + 1] - first
    return (first + numbers["d"] - 1) * 86_400 + numbers["H"] * 3_600 + numbers["M"] * 60 + numbers["S"], ok


def stripped(text: pd.Series) -> pd.Series:
    """``text.str.strip()``, or ``text`` itself when every value starts and ends with a printable ASCII character
    other than the space (``!`` to ``~``: nothing to strip; missing values stay missing either way)."""
    first, last = edge_bytes(text)
    plain = (first > 0x20) & (first < 0x7F) & (last > 0x20) & (last < 0x7F)
    return text if (plain | text.isna().to_numpy()).all() else text.str.strip()
