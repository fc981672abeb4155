"""The one CSV reader (issue 20): Arrow reads the regular files, with pandas' values; the rest goes to :mod:`csv`.

:func:`helpers.acquire.formats.arrow.arrow_frame` must give exactly what ``pandas.read_csv(dtype=str,
keep_default_na=False, na_values=[""], skipinitialspace=True)`` gives (the reader's definition since issue 2), and
step aside (``None``) wherever Arrow could read a file differently, so that :func:`helpers.acquire.read_table`
keeps splitting those lines with :mod:`csv` (malformed lines marked, unclosed quotes refused).
"""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from helpers.acquire import read_table
from helpers.acquire.formats.arrow import arrow_frame
from helpers.acquire.formats.csv import decode_text
from helpers.acquire.formats.direct import read_direct
from helpers.errors import DataError

READ_BY_ARROW = {
    "plain": "a,b,c\n1,2,3\n4,5,6\n",
    "quoted delimiters and quotes": 'a,b,c\n"¥1,999.00","say ""hi""",x\n"",,"z"\n',
    "line breaks inside quotes": 'a,b\n"two\nlines",1\n"crlf\r\ninside",2\nlast,3\n',
    "crlf, blank lines, no last line end": "a,b\r\n1,2\r\n\r\n3,4",
    "repeated and blank header names": "a,a,,b\n1,2,3,4\n",
    "non-ASCII, NA-like words kept": "客户ID,金额\nNA,null\n１２,¥8\n",
    "quote inside a value": 'a,b\nab"c,"q"x\nlast,1\n',
}
TO_CSV_MODULE = {
    "space after a delimiter": "a,b\n1, 2\n",
    "old Mac line ends": "a,b\r1,2\r",
    "a malformed line": "a,b,c\n1,2\n",
    "empty fields past the header": "a,b\n1,2,\n",
    "quote never closed": 'a,b\n1,"open\n2,3\n',
    "one column": 'a\n""\n1\n',
}


@pytest.mark.parametrize("text", READ_BY_ARROW.values(), ids=READ_BY_ARROW.keys())
def test_arrow_reader_reads_as_pandas(text):
    expected = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""],
                           skipinitialspace=True)
    got = arrow_frame(text, ",")
    assert got is not None
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


@pytest.mark.parametrize("text", TO_CSV_MODULE.values(), ids=TO_CSV_MODULE.keys())
def test_arrow_reader_steps_aside_where_it_could_differ(text, tmp_path):
    assert arrow_frame(text, ",") is None
    path = tmp_path / "orders.csv"
    path.write_text(text, encoding="utf-8", newline="")
    if text.startswith("a,b\n1,\"open"):
        with pytest.raises(DataError, match="never closed|EOF inside string"):
            read_table(path)
    elif text == "a,b,c\n1,2\n":
        with pytest.raises(DataError, match="row 1"):  # read_table refuses; read_transactions marks it
            read_table(path)
    else:
        frame, _ = read_table(path)
        assert len(frame) >= 1


def test_gb18030_export_read_by_arrow_keeps_every_value(tmp_path):
    rows = pd.DataFrame({"订单号": ["0012", "0013", "0013"], "客户ID": ["张三", "李四", None],
                         "实付金额": ["¥1,999.00", "￥８", ""],
                         "下单时间": ["2013/4/9 12:00", "2013-04-09 12:00:00", ""]})
    path = tmp_path / "orders.csv"
    rows.to_csv(path, index=False, encoding="gb18030")
    frame, prov = read_table(path)
    assert prov.encoding == "gb18030"
    assert frame["订单号"].tolist() == ["0012", "0013", "0013"]  # leading zeros: text stays text
    assert frame["实付金额"].tolist()[:2] == ["¥1,999.00", "￥８"] and frame["实付金额"].isna().tolist()[2]
    assert frame["客户ID"].isna().tolist() == [False, False, True]


#: Files read from their bytes (``formats.direct``), by their encoding: the text path reads the same values.
ENCODINGS = {"utf-8": b"", "utf-8-sig": b"\xef\xbb\xbf", "gb18030": b""}


@pytest.mark.parametrize("encoding", ENCODINGS, ids=ENCODINGS.keys())
@pytest.mark.parametrize("text", READ_BY_ARROW.values(), ids=READ_BY_ARROW.keys())
def test_bytes_reader_reads_what_the_text_path_reads(text, encoding, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes(ENCODINGS[encoding] + text.encode("gb18030" if encoding == "gb18030" else "utf-8"))
    decoded, used = decode_text(path)
    expected = arrow_frame(decoded, ",")
    got = read_direct(path, path.read_bytes(), ",", None)
    assert got is not None and got[1] == used
    pd.testing.assert_frame_equal(got[0], expected, check_exact=True)


#: Files whose bytes the direct reader leaves to the text path, which decides otherwise or refuses them.
STEPS_ASIDE = {
    "UTF-16 with its mark": "a,b\n1,2\n".encode("utf-16"),
    "a second byte-order mark": b"\xef\xbb\xbf\xef\xbb\xbfa,b\n1,2\n",
    "a NUL byte": b"a,b\n1,\x002\n",
    "neither UTF-8 nor GB18030": b"a,b\n1,\xff\xff\n",
    "a title block": "订单导出 2024-01-01,,\na,b,c\n1,2,3\n".encode("gb18030"),
    "| in GB18030 (a second byte)": "a|b\n甲|乙\n".encode("gb18030"),
    **{name: text.encode() for name, text in TO_CSV_MODULE.items()},
}


@pytest.mark.parametrize("raw", STEPS_ASIDE.values(), ids=STEPS_ASIDE.keys())
def test_bytes_reader_steps_aside_where_the_text_path_decides(raw, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes(raw)
    sep = "|" if b"|" in raw else ","
    assert read_direct(path, raw, sep, None) is None


def test_times_read_from_their_bytes_are_the_times_pandas_reads():
    """:func:`helpers.clean.timeshapes.fixed_times` reads each plain date format of :data:`DATE_FORMATS` from the
    bytes (month and day with or without their leading zero): every value it reads is the time
    ``pd.to_datetime(format=...)`` reads, and it reads every well-formed one; a 31 April, a 29 February of a common
    year, a month 13, an hour 24, a one-digit hour or a year beyond pandas' times it leaves to pandas."""
    import numpy as np

    from helpers.clean.timeshapes import fixed_times, layouts
    from helpers.schema import DATE_FORMATS

    read = [fmt for fmt in DATE_FORMATS if layouts(fmt)]
    assert {"%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y.%m.%d"} <= set(read)
    assert not layouts("%Y%m%d") and not layouts("%Y年%m月%d日") and not layouts("%Y-%m-%d %H:%M:%S.%f")
    for fmt in read:
        texts, expected = [], []
        for y, m, d, hour in [(y, m, d, h) for y in (2012, 2013, 2262) for m in range(0, 14)
                              for d in range(0, 33) for h in ("07", "7", "24")[:3 if y == 2013 else 1]]:
            for ms, ds in {(str(m), str(d)), (f"{m:02d}", f"{d:02d}"), (str(m), f"{d:02d}"), (f"{m:02d}", str(d))}:
                texts.append(fmt.replace("%Y", str(y)).replace("%m", ms).replace("%d", ds).replace("%H", hour)
                             .replace("%M", "05").replace("%S", "59"))
                day_ok = 1 <= m <= 12 and 1 <= d <= pd.Period(f"{y}-{max(m, 1):02d}").days_in_month
                expected.append(y < 2262 and day_ok and (hour == "07" or "%H" not in fmt))
        mine = fixed_times(pd.Series(pd.array(texts, dtype="string[pyarrow]")), fmt)
        theirs = pd.to_datetime(pd.Series(texts), format=fmt, errors="coerce").to_numpy(dtype="datetime64[ns]")
        took = ~np.isnat(mine)
        assert (took == np.array(expected)).all(), fmt
        assert (mine[took] == theirs[took]).all(), fmt


@pytest.mark.parametrize("few, words", [(1.0, 256), (1.0, 0), (0.0, 256)],
                         ids=["distinct values one by one", "distinct values joined", "every value"])
def test_gb18030_parsed_as_bytes_decodes_to_the_transcoded_text(monkeypatch, few, words):
    """A GB18030 file is parsed as bytes and its non-ASCII columns decoded (``formats.transcode``): the same text,
    block by block, as its UTF-8 copy read as text, four-byte characters (𠀀, €), full-width digits, missing values
    and quoted line breaks included; a byte no GB18030 character has makes it step aside (``None``). Each chunk of
    few distinct values is decoded on those (``transcode.FEW``; a few dozen one by one, ``transcode.WORDS``), or value by
    value: the same text either way; an ASCII column is its own bytes (a chunk sliced past the header included)."""
    from helpers.acquire.formats import transcode
    from helpers.acquire.formats.arrow import string_table

    monkeypatch.setattr(transcode, "FEW", few)
    monkeypatch.setattr(transcode, "WORDS", words)

    header = ["订单号", "客户", "备注"]
    lines = [f'{i:04d},"{name}","{note}"' for i, (name, note) in enumerate(
        [("张三", "第一行\n第二行"), ("", "€ 𠀀 ｘ１２"), ("李四", ""), ("abc", "plain"), ("王五", "¥1,999.00")] * 40)]
    text = ",".join(header) + "\n" + "\n".join(lines) + "\n"
    expected = string_table(text.encode("utf-8"), header, ",", block_size=1 << 10)
    got = string_table(text.encode("gb18030"), header, ",", block_size=1 << 10, encoding="gb18030")
    assert got.column(0).num_chunks > 1 and got.schema == expected.schema
    assert all(a.equals(b) for a, b in zip(got.columns, expected.columns))
    assert got.column(1).null_count == 40 and "第一行\n第二行" in got.column(2).to_pylist()
    broken = text.encode("gb18030").replace("李四".encode("gb18030"), b"\x81\x20", 1)
    assert string_table(broken, header, ",", block_size=1 << 10, encoding="gb18030") is None


def test_the_ingest_allocates_arrow_memory_from_the_system_allocator_and_gives_the_pool_back():
    """``clean.system_arrow_memory`` (the ingest's Arrow memory, see its docstring): the system pool inside, the
    caller's pool after, an error included; buffers made inside stay valid after."""
    import pyarrow as pa

    from helpers.clean import system_arrow_memory

    before = pa.default_memory_pool()
    with pytest.raises(ValueError):
        with system_arrow_memory():
            assert pa.default_memory_pool().backend_name == pa.system_memory_pool().backend_name
            made = pa.array(["a", "b"] * 1000)
            raise ValueError
    assert pa.default_memory_pool() is before or pa.default_memory_pool().backend_name == before.backend_name
    assert made.to_pylist()[:2] == ["a", "b"]


def test_the_bytes_reader_finds_the_last_line_and_utf8_as_the_whole_text_does():
    """``direct.last_line`` looks in growing windows from the end and ``direct.is_utf8`` decodes a small first
    window: the same answers as the whole text gives, whatever the windows cut (a character, a long last line, a
    run of line breaks)."""
    from helpers.acquire.formats import direct

    first = direct.FIRST_WINDOW
    for text in ["a\n" + "x" * 100_000 + "\n\r\n", "only one line", "h\n" + "\n" * 200_000, "a,b\n1,2\n" * 30_000,
                 "a\n" + "é" * 70_000 + "\r\n", "\n" * 10]:
        raw = text.encode("utf-8")
        assert direct.last_line(memoryview(raw), "utf-8-sig") == text.rstrip("\r\n").rsplit("\n", 1)[-1][-(8 << 20):]
        assert direct.is_utf8(raw)
    split = b"a" * (first - 1) + "é".encode() + b"b" * 10  # a character across the first window's end
    assert direct.is_utf8(split) and direct.is_utf8(b"") and not direct.is_utf8(split + b"\xff")
    assert not direct.is_utf8(b"a" * (first + 5) + "é".encode()[:1]) and not direct.is_utf8("订单".encode("gb18030"))


@pytest.mark.parametrize("first", [16, 200, 1 << 12])
def test_a_small_head_decides_as_the_whole_head_does(first, monkeypatch, tmp_path):
    """``direct._start`` decides on ``FIRST_HEAD_BYTES`` only when those lines decide as ``HEAD_BYTES`` would (22
    lines, one record more than looked at, some text): the same frame, or the same stepping aside, either way —
    long first lines, records spanning lines, blank lines and a title block at the head included."""
    from helpers.acquire.formats import direct

    def sniff(text: str) -> str:  # as the text path's sniffer: the first 20 lines, a comma when they do not tell
        try:
            return csv.Sniffer().sniff("\n".join(text.splitlines()[:20]), delimiters=",;").delimiter
        except csv.Error:
            return ","

    body = "".join(f"{i},C{i % 7},2024-01-0{i % 9 + 1},{i}.00\n" for i in range(300))
    texts = {"plain": "order_id,customer_id,date,amount\n" + body,
             "long first line": "order_id,customer_id,date,note\n" + f'1,C1,2024-01-02,{"x" * 9000}\n' + body,
             "records over lines": 'order_id,customer_id,date,note\n' + '1,C1,2024-01-02,"a\nb\nc"\n' * 12 + body,
             "quoted lines at the head": 'order_id,customer_id,date,note\n1,C1,2024-01-02,"' + "l\n" * 40 + '"\n' + body,
             "blank lines first": "\n" * 30 + "order_id,customer_id,date,amount\n" + body,
             "a title block": "订单导出\n\norder_id,customer_id,date,amount\n" + body,
             "semicolons": ("order_id;customer_id;date;amount\n" + body).replace(",", ";"),
             "short": "order_id,customer_id,date,amount\n1,C1,2024-01-02,5\n"}
    for name, text in texts.items():
        for encoding in ("utf-8", "gb18030"):
            path = tmp_path / "orders.csv"
            path.write_bytes(text.encode(encoding))
            raw = path.read_bytes()
            monkeypatch.setattr(direct, "FIRST_HEAD_BYTES", direct.HEAD_BYTES)  # one head, as before
            expected = read_direct(path, raw, None, sniff)
            monkeypatch.setattr(direct, "FIRST_HEAD_BYTES", first)
            got = read_direct(path, raw, None, sniff)
            assert (got is None) == (expected is None), (name, encoding)
            if got is not None:
                assert got[1] == expected[1]
                pd.testing.assert_frame_equal(got[0], expected[0], check_exact=True)


def test_a_space_after_a_delimiter_is_found_wherever_the_windows_cut():
    """``has_space_after_delimiter`` reads the bytes in windows of 1 MiB: a space or tab after the delimiter or a line
    break is found at each window's edges as a regular expression over the whole bytes finds it."""
    import re

    from helpers.acquire.formats.arrow import has_space_after_delimiter

    base = bytearray(b"a,b\n2024-01-02 10:00,x\n" * 100_000)  # spaces in values only: none after a delimiter
    assert not has_space_after_delimiter(bytes(base), ",") and len(base) > 2 * (1 << 20)
    for at in (1, 2, (1 << 20) - 1, 1 << 20, (1 << 20) + 1, (1 << 20) + 2, 2 * (1 << 20) + 1, len(base) - 1):
        for pair in (b", ", b",\t", b"\n ", b"\r\t", b"a ", b";\t"):
            data = bytes(base[:at - 1] + pair + base[at + 1:])
            expected = bool(re.search(rb"[,\r\n][ \t]", data)) or data[:1] in (b" ", b"\t")
            assert has_space_after_delimiter(data, ",") == expected, (at, pair)
            assert has_space_after_delimiter(memoryview(data), ",") == expected
    assert has_space_after_delimiter(b" a,b\n", ",") and not has_space_after_delimiter(b"", ",")
    assert has_space_after_delimiter("a§ b".encode("latin-1"), "§") and not has_space_after_delimiter(b"a b", "\u20ac")
