"""Arrow's CSV reader for the regular delimited files (issue 20): the same values as pandas, without a Python
object per value.

:func:`arrow_frame` reads a decoded text whose every line has the header's number of fields and whose values
start with no space (nearly every export) with ``pyarrow.csv``: what ``pandas.read_csv(dtype=str,
keep_default_na=False, na_values=[""], skipinitialspace=True)`` gives, in a tenth of the time. Wherever Arrow
could read a file differently (a space after a delimiter, old Mac line ends, a malformed line, a quote open at
the end, one column) it returns ``None`` and :mod:`helpers.acquire.formats.csv` splits the lines with
:mod:`csv` as before, marking or refusing the malformed ones. One reader either way: the large-log path cleans
what this reader read (:func:`helpers.acquire.datasets.stage_log`).
"""

from __future__ import annotations

import csv
import io
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from .base import TITLE_ROWS, unique_names
from .transcode import decoded

#: How much of a text's end is searched for its last line (twice the longest line a text export may have).
TAIL = 8 << 20


#: Text that may mean a space pandas and :mod:`csv` skip after a delimiter (``skipinitialspace``) but Arrow keeps.
_SPACE_AFTER = (" ", "\t")


def arrow_frame(text: str, delimiter: str) -> pd.DataFrame | None:
    """The delimited ``text`` (header on its first line) read by Arrow's CSV reader, every value text, empty
    cells missing, columns named as pandas names them (:func:`unique_names`); ``None`` when Arrow could read it
    differently from :mod:`csv` and pandas: a line with another number of fields than the header (or a
    blank-looking line, a quote Arrow cannot close), or a space or tab after a delimiter or at a line start (the
    others skip it, Arrow keeps it). The caller (:mod:`helpers.acquire.formats.csv`) then splits the lines with
    :mod:`csv`.

    The same values as ``pandas.read_csv(dtype=str, keep_default_na=False, na_values=[""],
    skipinitialspace=True)`` (RFC 4180 quoting, CR, LF and CRLF line ends, empty lines skipped), in a tenth of
    the time: no Python object per value (``tests/test_ingest_reader.py::test_arrow_reader_reads_as_pandas``).
    """
    if len(delimiter) != 1 or delimiter in "\"\r\n" or text[:1] in _SPACE_AFTER:
        return None
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        return None
    if has_space_after_delimiter(data, delimiter):
        return None
    if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):  # old Mac line ends: pandas reads "\r,a" oddly
        return None
    records, _ = first_records(text, delimiter, TITLE_ROWS)
    header = next((record for record in records if record), [])
    if len(header) < 2:  # one column: a line "" is a blank line to the others, an empty value to Arrow
        return None
    table = string_table(data, header, delimiter, block_size=1 << 24)
    if table is None:
        return None
    if open_quote_at_end(table, text[-TAIL:].rstrip("\r\n").rsplit("\n", 1)[-1], delimiter):
        return None
    return arrow_table_frame(table, header)


def string_table(data: Any, header: list[str], delimiter: str, *, block_size: int,
                 encoding: str | None = None) -> pa.Table | None:
    """The lines after the header of a delimited file's bytes ``data`` as Arrow ``large_string`` columns (``""`` →
    null, quoted line breaks kept), read in blocks of ``block_size`` bytes, from ``encoding`` when given (GB18030:
    parsed as bytes, the non-ASCII columns decoded, :mod:`~helpers.acquire.formats.transcode`); ``None`` when
    Arrow cannot read them or its first row is not ``header`` (then the text path decides)."""
    names = [f"c{i}" for i in range(len(header))]
    binary = encoding is not None and encoding.lower().replace("-", "").replace("_", "") != "utf8"
    options = pa_csv.ReadOptions(column_names=names, block_size=block_size,
                                 **({"encoding": encoding} if encoding and not binary else {}))
    kind = pa.large_binary() if binary else pa.large_string()
    try:
        table = pa_csv.read_csv(
            pa.py_buffer(data), read_options=options,
            parse_options=pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(column_types={n: kind for n in names}, null_values=[""],
                                                  strings_can_be_null=True, quoted_strings_can_be_null=True))
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    if table.num_rows == 0:
        return None
    first = [table.column(i)[0].as_py() for i in range(len(names))]
    try:
        first = [v.decode(encoding) if isinstance(v, bytes) else v for v in first]
    except UnicodeDecodeError:
        return None
    if first != [h or None for h in header]:
        return None
    return decoded(table.slice(1), encoding) if binary else table.slice(1)


def arrow_table_frame(table: pa.Table, header: list[str]) -> pd.DataFrame:
    """Arrow's string columns as the reader's DataFrame: Arrow-backed ``str`` columns (no copy) named as pandas
    names ``header`` (:func:`unique_names`)."""
    dtype = pd.StringDtype("pyarrow", na_value=np.nan)
    return pd.DataFrame({name: pd.Series(table.column(i).to_pandas(types_mapper={pa.large_string(): dtype}.get), copy=False)
                         for i, name in enumerate(unique_names(header))}, index=pd.RangeIndex(table.num_rows))


def has_space_after_delimiter(data: bytes | memoryview, delimiter: str) -> bool:
    """Whether a space or tab follows the delimiter or a line break anywhere in ``data`` (UTF-8, or GB18030 with a
    delimiter below ``0x30``: bytes no character of either holds after its first), or starts it (looked at in
    windows of 1 MiB, into one reused mask: no copy of the file's size, and each window's arrays stay in the
    processor's cache: a 55 MB export 35 -> 26 ms in a fresh process)."""
    if data[:1] in (b" ", b"\t"):
        return True
    tab = b"\t" in data if isinstance(data, bytes) else True  # (a memoryview's "in" compares its items, not bytes)
    before_space = np.zeros(256, dtype=bool)  # the bytes a skipped space may follow
    before_space[[b for b in (ord(delimiter), ord("\r"), ord("\n")) if b < 256]] = True
    window = 1 << 20
    mask = np.empty(min(window, len(data)), dtype=bool)
    for start in range(1, len(data), window):
        octets = np.frombuffer(data, dtype=np.uint8, count=min(window, len(data) - start), offset=start)
        spaces = np.equal(octets, ord(" "), out=mask[:len(octets)])
        if tab:
            spaces |= octets == ord("\t")
        at = np.flatnonzero(spaces)
        if not len(at):
            continue
        before = np.frombuffer(data, dtype=np.uint8, count=len(octets), offset=start - 1)[at]
        if before_space[before].any():
            return True
    return False


def open_quote_at_end(table: pa.Table, line: str, delimiter: str) -> bool:
    """Whether the file may end inside a quoted value (pandas and :func:`_split_records` refuse it, Arrow reads
    it): the last record holds a line break, or its ``line`` (the text's last line, trailing line breaks
    stripped) does not parse with strict quoting."""
    if table.num_rows == 0:
        return False
    last = [table.column(i)[-1].as_py() for i in range(table.num_columns)]
    if any(v is not None and ("\n" in v or "\r" in v) for v in last):
        return True
    if '"' not in line:
        return False
    try:
        list(csv.reader([line], delimiter=delimiter, skipinitialspace=True, strict=True))
    except csv.Error:
        return True
    return False


def first_records(text: str, delimiter: str, n: int) -> tuple[list[list[str]], list[int]]:
    """The first ``n`` records of a delimited text (:mod:`csv`) and the line each ends on, read from the start
    of the text only (a record may span lines: the start read holds one record more than those returned)."""
    size = 1 << 16
    while True:
        reader = csv.reader(io.StringIO(text[:size], newline=""), delimiter=delimiter, skipinitialspace=True)
        records, ends = [], []
        for record in reader:
            records.append(record)
            ends.append(reader.line_num)
            if len(records) > n:
                break
        if len(records) > n or size >= len(text):
            return records[:n], ends[:n]
        size *= 4
