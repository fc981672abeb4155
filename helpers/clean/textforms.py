"""Text as the value checks compare it (:mod:`helpers.clean.parse`): NFKC and white space, in Arrow.

- :func:`nfkc`: NFKC-normalised text (full-width ``￥１９９９`` → ``¥1999``) with Arrow's ``utf8_normalize``; a
  column of ASCII only is its own NFKC form and is returned as it is.
- :data:`SPACES`, :data:`ODD_SPACES`: Python's white space (``str.isspace``, what ``re``'s ``\\s`` matches in
  text) as character classes Arrow's regular expressions (RE2) run — RE2's own ``\\s`` is ASCII only, and pandas
  runs ``\\s`` in Python, value by value; :func:`has_odd_spaces` says whether a column holds white space other
  than single spaces (what :data:`ODD_SPACES` matches), reading an ASCII column's bytes instead of running the
  expression on every value (issue 20).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

SPACES = "[" + "".join(c for c in map(chr, range(0x3001)) if c.isspace()) + "]+"
ODD_SPACES = "[" + "".join(c for c in map(chr, range(0x3001)) if c.isspace() and c != " ") + "]|  "
#: Every ASCII character of :data:`ODD_SPACES` (tab, line breaks, form feed, separators ``\x1c``–``\x1f``) is
#: below this byte.
_BELOW = 0x20
assert all(ord(c) < _BELOW for c in map(chr, range(128)) if c.isspace() and c != " ")
_TWO_SPACES = re.compile(b"  ")


def _arrow(text: pd.Series) -> pa.ChunkedArray:
    arrow = pa.array(text.astype("string[pyarrow]").array)
    return arrow if isinstance(arrow, pa.ChunkedArray) else pa.chunked_array([arrow])


def ascii_only(arr: pa.ChunkedArray) -> bool:
    """Whether every value of a text column is ASCII: read as the largest byte of each chunk's values (``max``
    over the bytes its offsets span, ~0.4 ms a million values, against ~4.5 ms for ``string_is_ascii`` on every
    value); a chunk with a byte from ``0x80`` up there (or bytes a missing value spans, which Arrow allows), or of
    another layout, is asked of ``string_is_ascii``, value by value."""
    for chunk in arr.chunks:
        data = used_bytes(chunk)
        if (data is None or data.max(initial=0) >= 0x80) and pc.all(pc.string_is_ascii(chunk)).as_py() is False:
            return False
    return True


def used_bytes(chunk: pa.Array) -> np.ndarray | None:
    """The bytes a ``string``/``large_string``/``binary``/``large_binary`` chunk's values span (a view; empty without
    a data buffer), ``None`` for another layout."""
    wide = pa.types.is_large_string(chunk.type) or pa.types.is_large_binary(chunk.type)
    if not (wide or pa.types.is_string(chunk.type) or pa.types.is_binary(chunk.type)):
        return None
    if chunk.buffers()[2] is None or len(chunk) == 0:
        return np.zeros(0, dtype=np.uint8)
    offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int64 if wide else np.int32, count=len(chunk) + 1,
                            offset=(8 if wide else 4) * chunk.offset)
    return np.frombuffer(chunk.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[-1]]


def nfkc(text: pd.Series) -> pd.Series:
    """NFKC-normalised text, vectorised with Arrow's utf8_normalize (no Python string per value)."""
    arr = _arrow(text)
    if ascii_only(arr):  # ASCII is its own NFKC form
        return pd.Series(pd.arrays.ArrowStringArray(arr), index=text.index)
    return pd.Series(pd.arrays.ArrowStringArray(pc.utf8_normalize(arr, form="NFKC")), index=text.index)


def has_odd_spaces(text: pd.Series) -> bool:
    """Whether some value holds white space other than single spaces (:data:`ODD_SPACES`: two spaces, a tab, a
    line break, a no-break or ideographic space …). An ASCII column is answered from the bytes its values span: no
    byte below :data:`_BELOW` and no two spaces in a row there means none in any value; otherwise (a control
    character, or two spaces that may be one value's last and the next one's first) the expression decides."""
    arr = _arrow(text)
    if len(arr) == 0:
        return False
    if ascii_only(arr):
        spans = [used_bytes(chunk) for chunk in arr.chunks]  # the bytes the values span (a buffer may hold others)
        if all(span is not None for span in spans) and not any(
                len(span) and (span.min() < _BELOW or _TWO_SPACES.search(memoryview(span))) for span in spans):
            return False  # searched in place (the bytes' copy and search took 18 ms a million values, this 6)
    return bool(text.str.contains(ODD_SPACES, regex=True).any())


def missing_text(index: pd.Index) -> pd.Series:
    """A ``string`` Series of missing values on ``index``: what ``pd.Series(pd.NA, index=index, dtype="string")``
    gives, built as Arrow nulls (pandas repeats the scalar, ~30 ms a million rows)."""
    values = pd.arrays.ArrowStringArray(pa.chunked_array([pa.nulls(len(index), pa.large_string())]))
    return pd.Series(values, index=index)


def edge_bytes(text: pd.Series | pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """``(first, last)``: the first and the last byte (UTF-8) of each value of a text column, ``0`` for a missing or
    empty value; read from the Arrow buffers chunk by chunk (no string per value, no copy of the column).

    Each byte is gathered straight into the result (``np.take(..., mode="clip")``: an empty or missing value reads a
    byte it does not own, set to 0 afterwards, and only when the chunk has such values), with no index or
    ``np.where`` temporaries: 4.5 ms → 2.2 ms a 1M-value column, and a read and clean of the benchmark's export
    calls it about ten times (issue 20)."""
    arrow = text if isinstance(text, (pa.ChunkedArray, pa.Array)) else pa.array(text.array)
    chunks = arrow.chunks if isinstance(arrow, pa.ChunkedArray) else [arrow]
    first, last = np.zeros(len(arrow), dtype=np.uint8), np.zeros(len(arrow), dtype=np.uint8)
    at = 0
    for chunk in chunks:
        n = len(chunk)
        buffers = chunk.buffers()
        if n and buffers[2] is not None and buffers[2].size:
            wide = pa.types.is_large_string(chunk.type) or pa.types.is_large_binary(chunk.type)
            offsets = np.frombuffer(buffers[1], dtype=np.int64 if wide else np.int32, count=n + 1,
                                    offset=(8 if wide else 4) * chunk.offset)
            data = np.frombuffer(buffers[2], dtype=np.uint8)
            heads, tails = first[at:at + n], last[at:at + n]
            np.take(data, offsets[:-1], out=heads, mode="clip")
            np.take(data, offsets[1:] - 1, out=tails, mode="clip")
            unfilled = offsets[1:] == offsets[:-1]
            if chunk.null_count:
                unfilled |= ~chunk.is_valid().to_numpy(zero_copy_only=False)
            if unfilled.any():
                heads[unfilled] = 0
                tails[unfilled] = 0
        at += n
    return first, last
