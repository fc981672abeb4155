"""CSV, TSV and TXT exports: decoding (UTF-8, UTF-8 with BOM, GB18030/GBK, detected) and delimiter sniffing.

Values are read as text (nothing converted, empty cells missing), so ids keep their leading zeros.

In a file with a header row every line's number of fields is counted first (Python's :mod:`csv`
module, RFC 4180 quoting, as the pandas C parser reads it): a line with more or fewer fields than
the header (a lost delimiter, a stray one, an unquoted ``1,234.50``) is never padded silently, which
would shift its values into the wrong columns. With ``ReadOptions(malformed="error")`` it is a
:class:`~helpers.errors.DataError` naming the row; with ``"mark"`` (transaction exports) the line is kept,
filled left to right, and listed in :attr:`RawTable.malformed` (``"7 fields where the header has 8"``)
for cleaning to quarantine as ``malformed_line``. Empty fields beyond the header's last column
(``a,b,c,`` under ``a,b,c``) hold no value and are dropped, with a provenance note.

A gzip-compressed file (``orders.csv.gz``, or gzip bytes under any text name) is read decompressed, at most
:data:`MAX_DECOMPRESSED` bytes, with a note. With ``ReadOptions(titles=True)`` (transaction exports) a title
block above the header (lines of at most one filled field: ``订单导出 2024-01-01,,,``) is skipped, with a note
(:func:`~helpers.acquire.formats.base.header_position`).
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import re
import zlib
from collections import Counter
from pathlib import Path

import pandas as pd

from ...errors import DataError
from .arrow import arrow_frame, first_records
from .direct import read_direct
from .base import TITLE_ROWS, FileFormat, RawTable, ReadOptions, header_position, title_note, unique_names


def _row_of_offset(raw: bytes, offset: int) -> int | str:
    """1-based data row (header excluded) containing byte ``offset``, or ``"header"``."""
    row = raw.count(b"\n", 0, offset)
    return row if row > 0 else "header"


MAX_LINE_BYTES = 4 << 20
"""Longest line (bytes) a text export may have: 4 MiB. A file with a longer line is refused before any parsing
(a 50 MB line with no newline made the delimiter sniffer and the parser hang)."""

#: Starts of files that are not text, and what they are (a workbook or data file given a text file's name).
BINARY_SIGNATURES = {b"PK\x03\x04": "a ZIP archive (an Excel .xlsx workbook is one)",
                     b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1": "an old Excel workbook (.xls)",
                     b"$FL2": "an SPSS data file (.sav)", b"$FL3": "an SPSS data file (.zsav)",
                     b"PAR1": "a Parquet file"}
#: Byte-order marks, longest first (UTF-32's starts with UTF-16's): Excel's "Unicode text" is UTF-16 LE with a BOM.
BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"))


GZIP_MAGIC = b"\x1f\x8b"
MAX_DECOMPRESSED = 1 << 30
"""Most bytes a gzip-compressed text export may decompress to (1 GiB): read whole in memory, a larger one
belongs in Parquet (and a small file that inflates without end is a decompression bomb)."""


def is_gzip(path: Path) -> bool:
    """Whether the file is gzip-compressed (by its first two bytes, whatever its name)."""
    with open(path, "rb") as fh:
        return fh.read(2) == GZIP_MAGIC


def read_bytes(path: Path) -> bytes:
    """The file's bytes, decompressed when it is gzip-compressed (``orders.csv.gz``), at most
    :data:`MAX_DECOMPRESSED` bytes (a :class:`DataError` beyond)."""
    if not is_gzip(path):
        return path.read_bytes()
    try:
        with gzip.open(path, "rb") as fh:
            raw = fh.read(MAX_DECOMPRESSED + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"is a damaged gzip file ({type(exc).__name__}: {str(exc)[:80]})", file=path,
                        hint="download or compress it again") from exc
    if len(raw) > MAX_DECOMPRESSED:
        raise DataError(f"decompresses to more than {MAX_DECOMPRESSED >> 30} GiB, too much to read in memory",
                        file=path, hint="decompress it and convert it to Parquet (a file or a folder of files)")
    return raw


def text_suffix(path: Path) -> str:
    """The ending that says what a text file holds: ``.tsv`` for ``orders.tsv`` and ``orders.tsv.gz``."""
    suffix = path.suffix.lower()
    return Path(path.stem).suffix.lower() if suffix == ".gz" else suffix


def _check_bytes(path: Path, raw: bytes) -> None:
    """Refuse a binary file named as text, and a line longer than :data:`MAX_LINE_BYTES` (never quoting it)."""
    for magic, what in BINARY_SIGNATURES.items():
        if raw.startswith(magic):
            raise DataError(f"is {what}, not a text file", file=path,
                            hint="give the file its real ending (e.g. .xlsx) or export it again as CSV")
    start = 0
    while start + MAX_LINE_BYTES < len(raw):  # start is always a line start; each window holds a line break
        end = max(raw.rfind(b"\n", start, start + MAX_LINE_BYTES), raw.rfind(b"\r", start, start + MAX_LINE_BYTES))
        if end < 0:
            length = next((i for i in (raw.find(b"\n", start), raw.find(b"\r", start)) if i >= 0), len(raw)) - start
            raise DataError(f"has a line of {length / (1 << 20):.1f} MiB with no line break (from byte {start}), "
                            f"longer than any export line (limit {MAX_LINE_BYTES >> 20} MiB)",
                            file=path, row=_row_of_offset(raw, start),
                            hint="this is not a line-per-record export (or its line breaks were lost): export again")
        start = end + 1


def _utf16_hint(raw: bytes) -> str:
    """``"; it looks like UTF-16 …"`` when NUL bytes are common (1 in 32 or more: the ASCII letters, digits,
    commas and line breaks of UTF-16 text) and nearly all on one side of each byte pair, else ``""``."""
    even, odd = raw[0::2].count(0), raw[1::2].count(0)
    many = max(4, len(raw) // 32)
    endian = "le" if odd >= many and odd > 4 * even else "be" if even >= many and even > 4 * odd else ""
    return f"; it looks like UTF-16 without a byte-order mark: pass encoding='utf-16-{endian}'" if endian else ""


def _check_nul(path: Path, raw: bytes, text: str, used: str) -> None:
    """Refuse text holding NUL characters (a damaged file, or UTF-16 without a byte-order mark)."""
    if b"\x00" not in raw or "\x00" not in text:  # U+0000 is written with zero bytes in every encoding
        return
    at = raw.find(b"\x00")
    raise DataError(f"contains {text.count(chr(0))} NUL character(s) (first at byte {at}, read as {used})",
                    file=path, row=_row_of_offset(raw, max(at, 0)),
                    hint="a text export never holds NUL: the file is damaged or not text" + _utf16_hint(raw))


def decode_text(path: Path, encoding: str | None = None) -> tuple[str, str]:
    """Decode a text file, returning ``(text, encoding used)``.

    An explicit ``encoding`` always wins. Otherwise a byte-order mark decides (UTF-16 and
    UTF-32: Excel's "Unicode text" export is UTF-16 LE with a BOM, tab-separated), then strict
    UTF-8 (``utf-8-sig``, which also removes a UTF-8 byte-order mark), then strict GB18030 (a
    superset of GBK and GB2312), and only then a statistical detector (charset-normalizer),
    because detectors guess wrong on short Chinese files (one guessed Korean cp949 for a
    GB18030 CSV).

    Refused with a :class:`~helpers.errors.DataError` before decoding: a workbook, SPSS or
    Parquet file named as text (:data:`BINARY_SIGNATURES`), and a line longer than
    :data:`MAX_LINE_BYTES`; after decoding: NUL characters (the message says where, and
    suggests UTF-16 when every other byte is NUL). Messages never quote the offending line.
    """
    raw = read_bytes(path)
    _check_bytes(path, raw)
    return _decode_checked(path, raw, encoding)


def _decode_checked(path: Path, raw: bytes, encoding: str | None) -> tuple[str, str]:
    text, used = _decode(path, raw, encoding)
    _check_nul(path, raw, text, used)
    return text, used


def _decode(path: Path, raw: bytes, encoding: str | None) -> tuple[str, str]:
    if encoding is not None:
        try:
            return raw.decode(encoding), encoding
        except LookupError as exc:
            raise DataError(f"unknown encoding {encoding!r}", file=path,
                            hint="use e.g. 'utf-8', 'gb18030' or 'gbk'") from exc
        except UnicodeDecodeError as exc:
            raise DataError(
                f"cannot be decoded as {encoding} (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
                file=path, row=_row_of_offset(raw, exc.start),
                hint="check the file's encoding; leave encoding=None to detect UTF-8 or GB18030",
            ) from exc
    bom = next((name for mark, name in BOMS if raw.startswith(mark)), None)
    for candidate in (bom,) if bom else ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(candidate), candidate
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is not None and best.encoding and (best.percent_coherence or 0) >= 50:
        return str(best), best.encoding
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    else:  # pragma: no cover - utf-8 succeeded above
        first_bad = 0
    raise DataError(
        "is neither UTF-8 nor GB18030 and no other encoding could be recognised "
        f"(first undecodable byte 0x{raw[first_bad]:02x} at offset {first_bad})",
        file=path, row=_row_of_offset(raw, first_bad),
        hint="open it in a text editor, re-save it as UTF-8, or pass encoding='...' explicitly" + _utf16_hint(raw),
    )


def _head(text: str, lines: int) -> str:
    """The first ``lines`` lines of ``text`` (:meth:`str.splitlines`), joined by ``\\n``, without splitting the
    whole text (a file of a million lines)."""
    size = 1 << 16
    while True:
        found = text[:size].splitlines()
        if len(found) > lines or size >= len(text):  # a line after the last one taken: those are whole
            return "\n".join(found[:lines])
        size *= 4


def _sniff_sep(text: str) -> str:
    sample = _head(text, 20)
    try:
        return csv.Sniffer().sniff(sample, delimiters=",\t;|").delimiter
    except csv.Error:
        return ","


def _fields_text(n: int) -> str:
    return f"{n} field" + ("" if n == 1 else "s")


def _scan(text: str, delimiter: str, path: Path, keep: bool) -> tuple[list, int]:
    """The records of a delimited text (``keep``) or only their numbers of fields, blank lines skipped (as
    pandas skips them), and the line the last record starts on."""
    limit = csv.field_size_limit()
    csv.field_size_limit(2**31 - 1)  # one long text cell is data, not an error
    out: list = []
    last_start = start = 0
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True)
        for record in reader:
            if len(record) <= 1 and not "".join(record).strip():
                start = reader.line_num
                continue
            out.append(record if keep else len(record))
            last_start, start = start, reader.line_num
    except csv.Error as exc:
        raise DataError(f"is not a well-formed delimited file ({exc})", file=path, row=len(out),
                        hint="check the delimiter (pass sep=...) and quoting around that row") from exc
    finally:
        csv.field_size_limit(limit)
    return out, last_start


def _split_records(text: str, delimiter: str, path: Path) -> tuple[list[str], list[list[str]]]:
    """``(header, data records)`` of a delimited text, split by :mod:`csv`."""
    records, last_start = _scan(text, delimiter, path, keep=True)
    if records and any("\n" in field or "\r" in field for field in records[-1]):
        # a quote opened on the last record and never closed swallows the rest of the file: strict parsing
        # of that record's lines tells it from a last cell that legitimately spans lines
        tail = "".join(io.StringIO(text, newline="").readlines()[last_start:])
        try:
            list(csv.reader(io.StringIO(tail, newline=""), delimiter=delimiter, skipinitialspace=True, strict=True))
        except csv.Error as exc:
            raise DataError(f"is not a well-formed delimited file (a quote opened in row {len(records) - 1} "
                            f"is never closed: {exc})", file=path, row=len(records) - 1,
                            hint="check the quoting around that row") from exc
    if not records:
        return [], []
    return records[0], records[1:]


def _read_with_header(path: Path, text: str, delimiter: str, options: ReadOptions, used_encoding: str) -> RawTable:
    """A delimited text with a header row, each line's fields counted (module docstring).

    When every line has the header's number of fields (nearly every file), pandas' C parser reads the text
    as it always has; otherwise the lines are split by :mod:`csv` and the malformed ones marked or refused.
    """
    text = text.removeprefix("\ufeff")  # a BOM kept by encoding="utf-8"
    frame = arrow_frame(text, delimiter)
    if frame is not None:  # every line has the header's fields and no value starts with a space: nearly every file
        return RawTable(frame, encoding=used_encoding)
    fields, _ = _scan(text, delimiter, path, keep=False)
    if fields and all(n == fields[0] for n in fields):
        df = _pandas_read(path, text, delimiter, options.header)
        if len(df) == len(fields) - 1:  # pandas and csv agree on the lines
            return RawTable(df, encoding=used_encoding)
    header, records = _split_records(text, delimiter, path)
    width = len(header)
    malformed: dict[int, str] = {}
    trimmed = 0
    for i, record in enumerate(records):
        n = len(record)
        if n == width:
            continue
        if n > width and not any(field.strip() for field in record[width:]):
            records[i] = record[:width]
            trimmed += 1
            continue
        detail = f"{_fields_text(n)} where the header has {width}"
        if options.malformed != "mark":
            raise DataError(f"line has {detail}", file=path, row=i + 1,
                            hint="check the delimiter (pass sep=...) and quoting around that row")
        malformed[i] = detail
        records[i] = (record + [""] * width)[:width]
    columns = unique_names(header)
    data = {name: [record[j] for record in records] for j, name in enumerate(columns)}
    df = pd.DataFrame({name: pd.Series(values, dtype="str").replace("", pd.NA) for name, values in data.items()},
                      columns=columns, index=pd.RangeIndex(len(records)))
    notes = []
    if trimmed:
        notes.append(f"{trimmed} line(s) ended in empty fields beyond the header's {width} columns; "
                     f"those empty fields were dropped")
    if malformed:
        counts = Counter(malformed.values())
        notes.append(f"{len(malformed)} malformed line(s) kept for cleaning to quarantine as malformed_line: "
                     + "; ".join(f"{n} × {what}" for what, n in sorted(counts.items())))
    return RawTable(df, encoding=used_encoding, notes=notes, malformed=malformed)


def read(path: Path, options: ReadOptions) -> RawTable:
    """A delimited text file as text columns; the delimiter is ``options.sep``, a tab for ``.tsv``, else sniffed.

    With a header row (``options.header == 0``) and a one-character delimiter each line's fields are
    counted (module docstring); otherwise (every row as data, or a longer delimiter) pandas reads the
    text, as before.
    """
    raw = read_bytes(path)
    _check_bytes(path, raw)
    notes = ["gzip-compressed: read decompressed"] if is_gzip(path) else []
    if options.header == 0 and options.encoding is None:  # a regular export: Arrow reads the bytes
        direct = read_direct(path, raw, options.sep or ("\t" if text_suffix(path) == ".tsv" else None), _sniff_sep)
        if direct is not None:
            return RawTable(direct[0], encoding=direct[1], notes=notes)
    text, used_encoding = _decode_checked(path, raw, options.encoding)
    del raw
    if not text.strip():
        raise DataError("file contains no text", file=path, hint="export the data again")
    delimiter = options.sep or ("\t" if text_suffix(path) == ".tsv" else _sniff_sep(text))
    if options.header == 0 and options.titles and len(delimiter) == 1:
        text, skipped = _skip_title(text, delimiter)
        if skipped:
            notes.append(skipped)
            delimiter = options.sep or ("\t" if text_suffix(path) == ".tsv" else _sniff_sep(text))
    if options.header == 0 and len(delimiter) == 1:
        raw = _read_with_header(path, text, delimiter, options, used_encoding)
    else:
        raw = RawTable(_pandas_read(path, text, delimiter, options.header), encoding=used_encoding)
    raw.notes[:0] = notes
    return raw


def _skip_title(text: str, delimiter: str) -> tuple[str, str]:
    """``(text from the header line on, note)`` when a title block stands above the header
    (:func:`~helpers.acquire.formats.base.header_position`), else ``(text, "")``."""
    first, ends = first_records(text, delimiter, TITLE_ROWS + 1)
    position = header_position(first)
    if position == 0:
        return text, ""
    lines = io.StringIO(text, newline="").readlines()
    return "".join(lines[ends[position - 1]:]), title_note(first, position)


def _pandas_read(path: Path, text: str, delimiter: str, header: int | None) -> pd.DataFrame:
    """The text as pandas reads it: every value text, empty cells missing, spaces after a delimiter skipped."""
    try:
        return pd.read_csv(io.StringIO(text), sep=delimiter, header=header, dtype=str, keep_default_na=False,
                           na_values=[""], skipinitialspace=True, engine="python" if len(delimiter) > 1 else "c")
    except pd.errors.ParserError as exc:
        match = re.search(r"line (\d+)", str(exc))
        row = int(match.group(1)) - 1 if match else None
        raise DataError(f"is not a well-formed delimited file ({exc})", file=path, row=row,
                        hint="check the delimiter (pass sep=...) and quoting around that row") from exc


FORMAT = FileFormat("csv", "CSV (.csv/.txt/.tsv)", read)
