"""A GB18030 export parsed as bytes and only its non-ASCII columns transcoded (issue 20).

Arrow's CSV reader transcodes a whole GB18030 file through Python's codec before it parses (``ReadOptions(encoding=
"gb18030")``): a 55 MB export spent 0.3 s of its 0.45 s there, on one core. The bytes that split a GB18030 file
into lines and fields — the delimiter (``,``, tab, ``;``: below ``0x30``, :func:`helpers.acquire.formats.direct.
read_direct` sends the others to the text path), the quote, CR and LF — are never part of a multi-byte character
(its later bytes are ``0x30``–``0x39`` or ``0x40`` and up), and an ASCII byte is the same character in GB18030 and
UTF-8. So Arrow parses the bytes as they are (``binary`` columns), a column of ASCII bytes only is already its
UTF-8 text, and each other column is decoded at once: its values joined by a NUL byte (no export holds one: the
reader refuses it before), decoded strictly and encoded as UTF-8, split again at the NULs. Each value is decoded
whole, so the text is the one transcoding the file gives, and a value that does not decode (a byte no GB18030
character has) makes :func:`decoded` return ``None``, for the caller to read the file as before.

A chunk of few distinct values (prices, status words: :data:`FEW`, judged on its first :data:`SAMPLE` values) is
decoded on those values only and spread to its rows (Arrow's ``dictionary_encode``, then ``take``): each distinct
value decoded whole as above, so the same text, at a fraction of the cost (the status and amount columns of the
benchmark's 1M-line export: 0.13 s → 0.03 s of one core).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ...clean import used_bytes

#: A chunk is decoded on its distinct values (module docstring) when its first :data:`SAMPLE` values hold fewer than
#: this share of distinct ones.
FEW = 0.1
SAMPLE = 2_000
#: Distinct values up to this many are decoded one by one in Python (:func:`_decoded_words`), not joined.
WORDS = 256


def _decoded_chunk(chunk: pa.Array, encoding: str) -> pa.Array | None:
    """One ``large_binary`` chunk as ``large_string`` text decoded from ``encoding`` (module docstring)."""
    used = used_bytes(chunk)
    if not len(used) or used.max() < 0x80:  # ASCII: the same bytes in UTF-8, valid UTF-8 (no cast validating it)
        return pa.Array.from_buffers(pa.large_string(), len(chunk), chunk.buffers(), null_count=chunk.null_count,
                                     offset=chunk.offset)
    sample = chunk.slice(0, SAMPLE)
    if pc.count_distinct(sample, mode="all").as_py() < FEW * len(sample):
        encoded = pc.dictionary_encode(chunk)  # missing values: missing indices, spread as missing
        few = len(encoded.dictionary) <= WORDS
        words = (_decoded_words if few else _decoded_values)(encoded.dictionary, encoding)
        return None if words is None else words.take(encoded.indices)
    return _decoded_values(chunk, encoding)


def _decoded_words(words: pa.Array, encoding: str) -> pa.Array | None:
    """A few distinct values (a dictionary: no missing value) decoded one by one, as :func:`_decoded_values` decodes
    them: each whole and strictly, ``None`` when one does not decode or holds a NUL. Python's loop over a few dozen
    words costs less than :func:`_decoded_values`'s arrays (the benchmark export's amount and status columns, 56
    chunks each: ~5 ms a column)."""
    values = words.to_pylist()
    if any(b"\x00" in value for value in values):
        return None
    try:
        return pa.array([value.decode(encoding) for value in values], pa.large_string())
    except UnicodeDecodeError:
        return None


def _decoded_values(chunk: pa.Array, encoding: str) -> pa.Array | None:
    """Each value of a ``large_binary`` chunk decoded whole from ``encoding``, as ``large_string``; ``None`` when one
    does not decode."""
    n = len(chunk)
    offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int64, count=n + 1, offset=8 * chunk.offset)
    used = used_bytes(chunk)
    joined = np.zeros(len(used) + n, dtype=np.uint8)  # each value followed by a NUL
    keep = np.ones(len(joined), dtype=bool)
    keep[offsets[1:] - offsets[0] + np.arange(n)] = False
    joined[keep] = used
    try:
        text = np.frombuffer(joined.tobytes().decode(encoding).encode("utf-8"), dtype=np.uint8)
    except UnicodeDecodeError:
        return None
    ends = np.flatnonzero(text == 0)
    if len(ends) != n:  # a NUL of the values' own (the reader refuses those first): not split here
        return None
    # the lasting buffers in Arrow's pool (released with the rest of Arrow's memory), the temporaries in numpy's
    starts = pc.add(pa.array(np.concatenate([[0], ends - np.arange(n)])), 0).buffers()[1]
    values = pa.array(text).filter(pa.array(text != 0)).buffers()[1]
    valid = None
    if chunk.null_count:
        valid = pc.is_valid(chunk)
        if valid.offset:
            return None
        valid = valid.buffers()[1]
    return pa.Array.from_buffers(pa.large_string(), n, [valid, starts, values], null_count=chunk.null_count)


def decoded(table: pa.Table, encoding: str) -> pa.Table | None:
    """``table`` (``large_binary`` columns of a GB18030 file's fields) as ``large_string`` columns of the text,
    ``None`` when a value does not decode (module docstring)."""
    columns = []
    for column in table.columns:
        chunks = [_decoded_chunk(chunk, encoding) for chunk in column.chunks]
        if any(chunk is None for chunk in chunks):
            return None
        columns.append(pa.chunked_array(chunks, pa.large_string()))
    return pa.table(columns, names=table.column_names)
