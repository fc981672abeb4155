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

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

SPACES = "[" + "".join(c for c in map(chr, range(0x3001)) if c.isspace()) + "]+"
ODD_SPACES = "[" + "".join(c for c in map(chr, range(0x3001)) if c.isspace() and c != " ") + "]|  "
#: The bytes of :data:`ODD_SPACES`'s ASCII characters (tab, line breaks, form feed, separators ``\x1c``–``\x1f``).
_ODD_BYTES = np.zeros(256, dtype=bool)
_ODD_BYTES[[ord(c) for c in map(chr, range(128)) if c.isspace() and c != " "]] = True


def _arrow(text: pd.Series) -> pa.ChunkedArray:
    arrow = pa.array(text.astype("string[pyarrow]").array)
    return arrow if isinstance(arrow, pa.ChunkedArray) else pa.chunked_array([arrow])


def nfkc(text: pd.Series) -> pd.Series:
    """NFKC-normalised text, vectorised with Arrow's utf8_normalize (no Python string per value)."""
    arr = _arrow(text)
    if pc.all(pc.string_is_ascii(arr)).as_py() is not False:  # ASCII is its own NFKC form
        return pd.Series(pd.arrays.ArrowStringArray(arr), index=text.index)
    return pd.Series(pd.arrays.ArrowStringArray(pc.utf8_normalize(arr, form="NFKC")), index=text.index)


def has_odd_spaces(text: pd.Series) -> bool:
    """Whether some value holds white space other than single spaces (:data:`ODD_SPACES`: two spaces, a tab, a
    line break, a no-break or ideographic space …). An ASCII column is answered from its bytes: no ASCII byte of
    those (an Arrow buffer may hold bytes outside its values: then the expression decides) and no two spaces."""
    arr = _arrow(text)
    if len(arr) == 0:
        return False
    if pc.any(pc.match_substring(arr, "  ")).as_py():
        return True
    if pc.all(pc.string_is_ascii(arr)).as_py() is not False:
        buffers = [chunk.buffers()[2] for chunk in arr.chunks if chunk.buffers()[2] is not None]
        if not any(_ODD_BYTES[np.frombuffer(data, dtype=np.uint8)].any() for data in buffers):
            return False
    return bool(text.str.contains(ODD_SPACES, regex=True).any())
