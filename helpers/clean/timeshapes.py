"""Times written in one fixed shape, read from their bytes (issue 20): the common spelling of an order time,
``2013-04-09 12:00:00``, without a regular expression, ``strptime`` or a Python object per value.

:func:`fixed_times` is what :func:`helpers.clean.parse.parse_timestamps` tries first for a format of
:data:`FIXED_FORMATS`; what it does not read goes on to pandas (``pd.to_datetime(format=fmt)``), as before. It
takes a value only when it is written exactly in the format, zero-padded (``%Y-%m-%d %H:%M:%S``: 19 ASCII
characters, ``YYYY-MM-DD HH:MM:SS``), names a day of its month (no 31 April, no 29 February of a common year), a
time of the day (hours 00–23, minutes and seconds 00–59: no leap second) and a year inside pandas' nanosecond
times (1678–2261): then the time it names is the one pandas reads, computed here from the digits.

:func:`stripped` is ``str.strip()`` of a text column, skipped when no value starts or ends with anything but a
printable ASCII character other than the space (read from the Arrow buffers: nothing to strip).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from .textforms import edge_bytes

#: Formats :func:`fixed_times` reads, each as ``(positions of its digits by field, {position: separator})``.
FIXED_FORMATS = {"%Y-%m-%d %H:%M:%S": ({"Y": (0, 1, 2, 3), "m": (5, 6), "d": (8, 9), "H": (11, 12), "M": (14, 15),
                                        "S": (17, 18)}, {4: "-", 7: "-", 10: " ", 13: ":", 16: ":"})}
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


def fixed_times(text: pd.Series, fmt: str) -> np.ndarray:
    """``datetime64[ns]`` of each value of ``text`` written exactly in ``fmt`` (one of :data:`FIXED_FORMATS`; module
    docstring), ``NaT`` for every other value (left for pandas to read). Read :data:`BLOCK` values at a time (the
    temporaries stay small and are reused)."""
    out = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[ns]")
    arrow = _arrow(text)
    found = _buffers(arrow)
    if found is None:
        return out
    offsets, data, valid = found
    width = 1 + max(max(max(p) for p in FIXED_FORMATS[fmt][0].values()), max(FIXED_FORMATS[fmt][1]))
    rows = np.flatnonzero(valid & (np.diff(offsets) == width))
    for at in range(0, len(rows), BLOCK):
        block = rows[at:at + BLOCK]
        if len(block) and offsets[block[-1]] - offsets[block[0]] == width * (len(block) - 1):  # side by side
            table = data[offsets[block[0]]:offsets[block[0]] + width * len(block)].reshape(len(block), width)
        else:
            table = data[offsets[block][:, None] + np.arange(width)]
        seconds, ok = _seconds(table, fmt)
        out[block[ok]] = (seconds[ok] * 1_000_000_000).view("datetime64[ns]")
    return out


#: Values :func:`fixed_times` reads at a time.
BLOCK = 1 << 16


def _seconds(table: np.ndarray, fmt: str) -> tuple[np.ndarray, np.ndarray]:
    """``(seconds since 1970-01-01, read)`` of values of ``fmt`` given as a table of their bytes, a value per row."""
    fields, marks = FIXED_FORMATS[fmt]
    ok = np.ones(len(table), dtype=bool)
    for position, mark in marks.items():
        ok &= table[:, position] == ord(mark)
    digits = table[:, [p for field in fields.values() for p in field]] - np.uint8(ord("0"))  # wraps for a non-digit
    ok &= (digits <= 9).all(axis=1)
    numbers, at = {}, 0
    for name, field in fields.items():
        numbers[name] = digits[:, at:at + len(field)].astype(np.int64) @ (10 ** np.arange(len(field) - 1, -1, -1))
        at += len(field)
        low, high = _RANGES.get(name, (FIRST_YEAR, LAST_YEAR))
        ok &= (numbers[name] >= low) & (numbers[name] <= high)
    month = np.where(ok, (numbers["Y"] - 1970) * 12 + numbers["m"] - 1, 0)
    first = month.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)  # days since 1970-01-01
    ok &= numbers["d"] <= (month + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64) - first
    return (first + numbers["d"] - 1) * 86_400 + numbers["H"] * 3_600 + numbers["M"] * 60 + numbers["S"], ok


def stripped(text: pd.Series) -> pd.Series:
    """``text.str.strip()``, or ``text`` itself when every value starts and ends with a printable ASCII character
    other than the space (``!`` to ``~``: nothing to strip; missing values stay missing either way)."""
    first, last = edge_bytes(text)
    plain = (first > 0x20) & (first < 0x7F) & (last > 0x20) & (last < 0x7F)
    return text if (plain | text.isna().to_numpy()).all() else text.str.strip()
