"""CSV, TSV and TXT exports: decoding (UTF-8, UTF-8 with BOM, GB18030/GBK, detected) and delimiter sniffing.

Values are read as text (nothing converted, empty cells missing), so ids keep their leading zeros.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from ...errors import DataError
from .base import FileFormat, RawTable, ReadOptions


def _row_of_offset(raw: bytes, offset: int) -> int | str:
    """1-based data row (header excluded) containing byte ``offset``, or ``"header"``."""
    row = raw.count(b"\n", 0, offset)
    return row if row > 0 else "header"


def decode_text(path: Path, encoding: str | None = None) -> tuple[str, str]:
    """Decode a text file, returning ``(text, encoding used)``.

    An explicit ``encoding`` always wins. Otherwise strict UTF-8 (``utf-8-sig``, which
    also removes a byte-order mark), then strict GB18030 (a superset of GBK and GB2312),
    and only then a statistical detector (charset-normalizer), because detectors guess
    wrong on short Chinese files (one guessed Korean cp949 for a GB18030 CSV).
    """
    raw = path.read_bytes()
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
    for candidate in ("utf-8-sig", "gb18030"):
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
        hint="open it in a text editor, re-save it as UTF-8, or pass encoding='...' explicitly",
    )


def _sniff_sep(text: str) -> str:
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",\t;|").delimiter
    except csv.Error:
        return ","


def read(path: Path, options: ReadOptions) -> RawTable:
    """A delimited text file as text columns; the delimiter is ``options.sep``, a tab for ``.tsv``, else sniffed."""
    text, used_encoding = decode_text(path, options.encoding)
    if not text.strip():
        raise DataError("file contains no text", file=path, hint="export the data again")
    delimiter = options.sep or ("\t" if path.suffix.lower() == ".tsv" else _sniff_sep(text))
    try:
        df = pd.read_csv(io.StringIO(text), sep=delimiter, header=options.header, dtype=str, keep_default_na=False,
                         na_values=[""], skipinitialspace=True,
                         engine="python" if len(delimiter) > 1 else "c")
    except pd.errors.ParserError as exc:
        match = re.search(r"line (\d+)", str(exc))
        row = int(match.group(1)) - 1 if match else None
        raise DataError(f"is not a well-formed delimited file ({exc})", file=path, row=row,
                        hint="check the delimiter (pass sep=...) and quoting around that row") from exc
    return RawTable(df, encoding=used_encoding)


FORMAT = FileFormat("csv", "CSV (.csv/.txt/.tsv)", read)
