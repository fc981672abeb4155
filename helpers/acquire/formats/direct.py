"""A regular delimited export read by Arrow straight from its bytes (issue 20): no Python string of the file.

:func:`read_direct` is what :func:`helpers.acquire.formats.csv.read` tries first for a file with a header row
and no encoding given. It decides what the general path decides — the encoding (UTF-8, with or without its
byte-order mark, else GB18030: :func:`~helpers.acquire.formats.csv.decode_text`'s order), the delimiter (sniffed
on the first lines), no title block, every line of the header's number of fields and no value starting with a
space (:func:`~helpers.acquire.formats.arrow.arrow_frame`'s conditions) — on the bytes and on the text of the
first lines and of the last line only, and hands the bytes to ``pyarrow.csv``, which transcodes GB18030 in
chunks itself (``ReadOptions(encoding="gb18030")``, strict: an undecodable byte stops it). The values are
:func:`~helpers.acquire.formats.arrow.arrow_frame`'s (:func:`~helpers.acquire.formats.arrow.arrow_table_frame`,
one conversion for both).

Wherever the general path could decide otherwise — a byte-order mark of UTF-16/32 or a second one, a NUL byte,
neither UTF-8 nor GB18030, a title block, a blank or one-column header, a line Arrow splits differently, a
quote open at the end, a ``|`` delimiter in GB18030 (whose two-byte characters may hold that byte) — it returns
``None`` and the caller decodes the text and reads it as before, with the same errors and marks. Measured on a
55 MB GB18030 export of a million lines (``benchmarks/bench_acquire_clean.py``): the decoded text (~110 MB as a
Python string) and its UTF-8 copy are never held.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pandas as pd

from .arrow import arrow_table_frame, first_records, has_space_after_delimiter, open_quote_at_end, string_table
from .base import TITLE_ROWS, header_position

#: How many bytes from the start are decoded to sniff the delimiter and find the header (cut at a line end).
HEAD_BYTES = 1 << 20
#: ... tried first: enough when its lines decide as the :data:`HEAD_BYTES` would (:func:`_start`).
FIRST_HEAD_BYTES = 1 << 16
#: What :func:`_start` says when its first lines cannot decide.
_MORE = "more"
#: A UTF-8 file is checked in windows of this many bytes (strict decoding, nothing kept).
CHECK_WINDOW = 8 << 20
#: ... but first this many (:func:`is_utf8`).
FIRST_WINDOW = 1 << 16
_GB18030_BOM = b"\x84\x31\x95\x33"


def is_utf8(raw: bytes | memoryview) -> bool:
    """Whether ``raw`` decodes as strict UTF-8 (in windows: no string of the file's size). The first window is
    :data:`FIRST_WINDOW`: a file that is not UTF-8 (GB18030) fails in its first lines, and the decoder copies its
    window (and the error its input) before it fails (a 55 MB GB18030 export: ~9 ms → well under 1)."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    view = memoryview(raw)
    start, size = 0, FIRST_WINDOW
    try:
        while start < len(view):
            decoder.decode(view[start:start + size], final=start + size >= len(view))
            start, size = start + size, CHECK_WINDOW
    except UnicodeDecodeError:
        return False
    return True


def _encoding(raw: bytes) -> tuple[str, int] | None:
    """``(encoding, bytes to skip)``: ``("utf-8-sig", 3 or 0)`` for strict UTF-8, ``("gb18030", 0)`` to be tried
    next (checked by the read itself); ``None`` where :func:`~helpers.acquire.formats.csv.decode_text` would
    decide on something else or the text would keep a byte-order mark."""
    if raw[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) or raw[:4] == codecs.BOM_UTF32_BE:
        return None
    skip = len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0
    if raw.startswith(codecs.BOM_UTF8, skip) or raw.startswith(_GB18030_BOM):
        return None  # a second mark: the text path strips it once more
    if is_utf8(memoryview(raw)[skip:]):
        return "utf-8-sig", skip
    return "gb18030", 0


def _head(raw: memoryview, encoding: str, size: int = HEAD_BYTES) -> tuple[str, bool] | None:
    """``(text of the first lines, whether it is the whole file)``: at least ``size`` bytes cut after a
    line end (a line break is one byte in both encodings, never part of another character)."""
    while True:
        if size >= len(raw):
            chunk, whole = bytes(raw), True
            break
        chunk = bytes(raw[:size])
        cut = chunk.rfind(b"\n")
        if cut >= 0:
            chunk, whole = chunk[:cut + 1], False
            break
        size *= 4
    try:
        return chunk.decode("utf-8" if encoding == "utf-8-sig" else encoding), whole
    except UnicodeDecodeError:
        return None


def _start(view: memoryview, encoding: str, delimiter: str | None, sniff, size: int):
    """``(delimiter, first records)`` of a file decided on its first ``size`` bytes (:func:`_head`), ``None`` when
    the bytes reader steps aside, or :data:`_MORE` when a head of less than :data:`HEAD_BYTES` and not the whole
    file cannot decide as :data:`HEAD_BYTES` would: no text in it, not the 22 lines the sniffer needs (its first 20
    and whole), or not one record more than the :data:`~helpers.acquire.formats.base.TITLE_ROWS` + 2 looked at (so
    that those are whole). A smaller head is a prefix of the larger one cut at a line end, so what it decides on
    is the same; the first 64 KiB of the benchmark's GB18030 export decide, with no 1 MiB decoded and split into
    lines (~12 ms)."""
    head = _head(view, encoding, size)
    if head is None:  # a byte that does not decode: in the larger head as well
        return None
    text, whole = head
    final = whole or size >= HEAD_BYTES
    enough = whole or len(text.splitlines()) > 21  # the sniffer reads 20 lines
    if not final and not (text.strip() and enough):
        return _MORE
    if not text.strip() or not enough:
        return None
    delimiter = delimiter or sniff(text)
    if len(delimiter) != 1 or delimiter in "\"\r\n" or text[:1] in (" ", "\t"):
        return None
    if encoding == "gb18030" and (ord(delimiter) >= 0x40 or "0" <= delimiter <= "9"):
        return None  # a byte a GB18030 character may hold after its first
    records, _ = first_records(text, delimiter, TITLE_ROWS + (2 if final else 3))
    if not final and len(records) < TITLE_ROWS + 3:
        return _MORE
    records = records[:TITLE_ROWS + 2]
    if len(records) < TITLE_ROWS + 2 and not whole:
        return None  # the first lines are not enough to decide as the text path does
    return delimiter, records


def last_line(raw: memoryview, encoding: str) -> str | None:
    """The text of the file's last line (trailing line breaks stripped), as ``text.rstrip("\\r\\n")`` splits it,
    searched for in the file's last 8 MiB: in growing windows from the end (a copy of the last 64 KiB holds an
    export's last line; the whole 8 MiB copied and stripped: ~10 ms)."""
    low, size = max(0, len(raw) - (8 << 20)), 1 << 16
    while True:
        start = max(low, len(raw) - size)
        tail = bytes(raw[start:]).rstrip(b"\r\n")
        at = tail.rfind(b"\n")
        if at >= 0 or start == low:  # a line break in the window: the same as in the 8 MiB, stripped alike
            break
        size *= 8
    try:
        return tail[at + 1:].decode("utf-8" if encoding == "utf-8-sig" else encoding)
    except UnicodeDecodeError:
        return None


def read_direct(path: Path, raw: bytes, delimiter: str | None, sniff) -> tuple[pd.DataFrame, str] | None:
    """``(frame, encoding used)`` of a regular delimited export read by Arrow from its bytes ``raw`` (module
    docstring), or ``None`` for the caller to decode and read the text. ``delimiter``: the one given or implied
    by the file's ending, else ``sniff(head text)`` finds it."""
    found = _encoding(raw)
    if found is None or b"\x00" in raw:
        return None
    encoding, skip = found
    view = memoryview(raw)[skip:]
    start = _start(view, encoding, delimiter, sniff, FIRST_HEAD_BYTES)
    if start is _MORE:
        start = _start(view, encoding, delimiter, sniff, HEAD_BYTES)
    if start is None or start is _MORE:
        return None
    delimiter, records = start
    if header_position(records[:TITLE_ROWS + 1]) != 0:
        return None  # a title block: the text path skips it
    header = next((record for record in records[:TITLE_ROWS] if record), [])
    if len(header) < 2 or has_space_after_delimiter(raw, delimiter):  # a UTF-8 mark holds neither
        return None
    if b"\r" in raw and raw.count(b"\r") != raw.count(b"\r\n"):
        return None
    table = string_table(view, header, delimiter, block_size=1 << 20,  # transcoded a MiB at a time
                         encoding="utf8" if encoding == "utf-8-sig" else encoding)
    if table is None:
        return None
    last = last_line(view, encoding)
    if last is None or open_quote_at_end(table, last, delimiter):
        return None
    return arrow_table_frame(table, header), encoding
