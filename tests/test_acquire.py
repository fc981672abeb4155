"""Tests for :mod:`helpers.acquire`: reading exports of every supported kind into the canonical schema.

Small files are written to ``tmp_path`` in each format and encoding and read back; the bundled
datasets are checked against their documented facts (``shared/notes/clv-references.md``) and
against the raw files they come from.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xlwt

from helpers import acquire, paths, store
from helpers.acquire import (
    BUNDLED,
    CANONICAL,
    FORMATS,
    LINEAGE,
    bundled_sources,
    load_cdnow,
    load_xiaomi_sim,
    read_manifest,
    read_transactions,
)
from helpers.errors import DataError
from helpers.privacy import EMAIL_PATTERN, KEY_ENV, PHONE_PATTERN

TEST_KEY = b"unit-test-key-not-the-project-key"

ZH_HEADER = "客户ID,下单时间,实付金额,订单号"
ZH_ROWS = [
    ("00042", "2013-04-09 12:00:00", "￥1999.00", "A0001"),
    ("10086", "2013/4/10 20:15", "99", "A0002"),
    ("00007", "2013年4月11日 09:30", "1,299元", "A0003"),
]
ZH_MAP = {"customer_id": "客户ID", "timestamp": "下单时间", "amount": "实付金额", "order_id": "订单号"}


def zh_csv_text(rows=ZH_ROWS, header=ZH_HEADER, newline="\n") -> str:
    def cell(value: str) -> str:
        return f'"{value}"' if "," in value else value

    return newline.join([header, *(",".join(cell(v) for v in r) for r in rows)]) + newline


def write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def fingerprint(path: Path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


def expected_zh_frame(source: str) -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": [r[0] for r in ZH_ROWS],
        "order_id": [r[3] for r in ZH_ROWS],
        "timestamp": [r[1] for r in ZH_ROWS],
        "amount": [r[2] for r in ZH_ROWS],
        "source_file": [source] * len(ZH_ROWS),
        "source_row": list(range(1, len(ZH_ROWS) + 1)),
    })


def assert_values(df: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(df.columns) == list(expected.columns)
    for column in expected.columns:
        assert df[column].tolist() == expected[column].tolist(), column


# --------------------------------------------------------------------------- CSV encodings


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [("utf-8", "utf-8-sig"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030"), ("gbk", "gb18030")],
)
def test_csv_encodings_are_detected(tmp_path, encoding, detected):
    path = write_bytes(tmp_path / f"orders_{encoding}.csv", zh_csv_text().encode(encoding))
    if encoding in ("gb18030", "gbk"):  # really not UTF-8: detection has work to do
        with pytest.raises(UnicodeDecodeError):
            path.read_bytes().decode("utf-8")
    df = read_transactions(path)
    assert_values(df, expected_zh_frame(path.name))
    prov = df.attrs["provenance"]
    assert prov["encoding"] == detected
    assert prov["format"] == "csv"
    assert prov["rows"] == len(ZH_ROWS)
    # the Chinese headers were recognised without a map
    assert prov["columns"] == ZH_MAP


@pytest.mark.parametrize("encoding", ["gb18030", "gbk"])
def test_csv_explicit_encoding_wins(tmp_path, encoding):
    path = write_bytes(tmp_path / "orders.csv", zh_csv_text().encode(encoding))
    df = read_transactions(path, columns=ZH_MAP, encoding=encoding)
    assert_values(df, expected_zh_frame("orders.csv"))
    assert df.attrs["provenance"]["encoding"] == encoding


def test_utf8_bom_is_not_part_of_the_first_header(tmp_path):
    path = write_bytes(tmp_path / "bom.csv", zh_csv_text().encode("utf-8-sig"))
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    for encoding in (None, "utf-8-sig", "utf-8"):
        df = read_transactions(path, encoding=encoding)
        assert df["customer_id"].tolist() == ["00042", "10086", "00007"]


def test_crlf_and_semicolon_files(tmp_path):
    crlf = write_bytes(tmp_path / "crlf.csv", zh_csv_text(newline="\r\n").encode("gb18030"))
    assert_values(read_transactions(crlf), expected_zh_frame("crlf.csv"))
    semi = tmp_path / "semi.csv"
    semi.write_text("customer_id;date;amount\n00042;2013-04-09;19.99\n00043;2013-04-10;5\n", encoding="utf-8")
    df = read_transactions(semi)
    assert df["customer_id"].tolist() == ["00042", "00043"]
    assert df["amount"].tolist() == ["19.99", "5"]


def test_quoted_thousands_separators_stay_in_one_cell(tmp_path):
    path = tmp_path / "quoted.csv"
    path.write_text('客户ID,下单时间,实付金额\n00042,2013-04-09 12:00,"1,999.00"\n00043,2013-04-10,"¥2,299.00"\n',
                    encoding="utf-8")
    df = read_transactions(path)
    assert df["amount"].tolist() == ["1,999.00", "¥2,299.00"]
    assert df["timestamp"].tolist() == ["2013-04-09 12:00", "2013-04-10"]


# --------------------------------------------------------------------------- Excel and Parquet


def test_xlsx_with_datetime_cells(tmp_path):
    path = tmp_path / "orders.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "订单"
    ws.append(["客户ID", "下单时间", "实付金额", "订单号", "数量"])
    ws.append(["00042", dt.datetime(2013, 4, 9, 12, 0, 5), 1999.0, "A1", 2])
    ws.append(["00043", "2013-04-10", 99.5, "A2", 1])
    wb.save(path)
    assert isinstance(openpyxl.load_workbook(path).active["B2"].value, dt.datetime)

    df = read_transactions(path)
    assert df["customer_id"].tolist() == ["00042", "00043"]  # text cells keep leading zeros
    assert df["timestamp"].tolist() == ["2013-04-09 12:00:05", "2013-04-10"]  # date cell → ISO text
    assert df["amount"].tolist() == ["1999", "99.5"]
    assert df["quantity"].tolist() == ["2", "1"]
    assert df["source_row"].tolist() == [1, 2]
    prov = df.attrs["provenance"]
    assert prov["format"] == "excel" and prov["sheet"] == "订单" and prov["encoding"] is None


def test_xlsx_second_sheet_by_name(tmp_path):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        pd.DataFrame({"说明": ["README"]}).to_excel(writer, sheet_name="说明", index=False)
        pd.DataFrame({"Member ID": ["007"], "Order Date": ["2013-04-09"], "Amount": [5]}).to_excel(
            writer, sheet_name="orders", index=False)
    with pytest.raises(DataError):  # first sheet has no transaction columns
        read_transactions(path)
    df = read_transactions(path, columns={"customer_id": "Member ID", "timestamp": "Order Date"}, sheet="orders")
    assert df["customer_id"].tolist() == ["007"]
    assert df.attrs["provenance"]["sheet"] == "orders"


def test_xls_written_with_xlwt(tmp_path):
    path = tmp_path / "legacy.xls"
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("订单")
    for j, name in enumerate(["会员号", "订单时间", "金额", "单号"]):
        sheet.write(0, j, name)
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD HH:MM")
    sheet.write(1, 0, "00042")
    sheet.write(1, 1, dt.datetime(2013, 4, 9, 12, 0), date_style)
    sheet.write(1, 2, 1999.0)
    sheet.write(1, 3, "MD1")
    sheet.write(2, 0, "00043")
    sheet.write(2, 1, "2013/4/10")
    sheet.write(2, 2, 99.5)
    sheet.write(2, 3, "MD2")
    book.save(str(path))
    assert path.read_bytes()[:8] == bytes.fromhex("d0cf11e0a1b11ae1")  # a real BIFF/OLE2 file

    df = read_transactions(path)
    assert_values(df, pd.DataFrame({
        "customer_id": ["00042", "00043"], "order_id": ["MD1", "MD2"],
        "timestamp": ["2013-04-09 12:00:00", "2013/4/10"], "amount": ["1999", "99.5"],
        "source_file": ["legacy.xls"] * 2, "source_row": [1, 2],
    }))
    assert df.attrs["provenance"]["format"] == "excel"


PARQUET_FRAME = pd.DataFrame({
    "customer_id": ["00042", "00043", "00044", "00045"],
    "order_id": ["A1", "A2", "A3", "A4"],
    "timestamp": pd.to_datetime(["2013-04-09 12:00:00", "2013-04-10 00:00:00", "2014-01-01 08:30:00",
                                 "2014-02-01 00:00:00"]),
    "amount": [1999.0, 99.0, 5.5, 12.0],
    "channel": ["mall", "mall", "store", "store"],
})


def test_parquet_file(tmp_path):
    path = tmp_path / "orders.parquet"
    PARQUET_FRAME.to_parquet(path, index=False)
    df = read_transactions(path)
    assert df["customer_id"].tolist() == PARQUET_FRAME["customer_id"].tolist()
    assert df["timestamp"].tolist() == ["2013-04-09 12:00:00", "2013-04-10 00:00:00", "2014-01-01 08:30:00",
                                        "2014-02-01 00:00:00"]
    assert df["amount"].tolist() == ["1999", "99", "5.5", "12"]
    assert df["channel"].tolist() == PARQUET_FRAME["channel"].tolist()
    assert df.attrs["provenance"]["format"] == "parquet"
    assert df.attrs["provenance"]["rows"] == 4


def test_hive_partitioned_parquet_folder(tmp_path):
    folder = tmp_path / "orders_dataset"
    pq.write_to_dataset(pa.Table.from_pandas(PARQUET_FRAME, preserve_index=False), folder,
                        partition_cols=["channel"])
    assert sorted(p.name for p in folder.iterdir()) == ["channel=mall", "channel=store"]
    df = read_transactions(folder)
    assert len(df) == 4
    by_order = df.set_index("order_id")
    # the partition column comes back as an ordinary (text) column, one value per row
    assert by_order.loc[["A1", "A2", "A3", "A4"], "channel"].tolist() == ["mall", "mall", "store", "store"]
    assert by_order.loc["A1", "customer_id"] == "00042"
    assert sorted(df["source_row"]) == [1, 2, 3, 4]
    prov = df.attrs["provenance"]
    assert prov["format"] == "parquet"
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.read_bytes())
    assert prov["sha256"] == digest.hexdigest()


# --------------------------------------------------------------------------- the file-format registry

REGISTRY_FRAME = pd.DataFrame({
    "客户ID": ["00042", "10086"],
    "下单时间": [dt.datetime(2013, 4, 9, 12, 0, 5), dt.datetime(2013, 4, 10, 20, 15)],
    "实付金额": [1999.5, 99.25],
    "订单号": ["A0001", "A0002"],
})

#: How the test writes a small file of each registered format (a new format needs a writer here).
FORMAT_WRITERS = {
    "csv": ("orders.csv", lambda frame, path: frame.to_csv(path, index=False, encoding="gb18030")),
    "excel": ("orders.xlsx", lambda frame, path: frame.to_excel(path, index=False, sheet_name="订单")),
    "parquet": ("orders.parquet", lambda frame, path: frame.to_parquet(path, index=False)),
}


@pytest.mark.parametrize("name", list(FORMATS))
def test_every_registered_format_reads_to_the_same_canonical_table(tmp_path, name):
    assert name in FORMAT_WRITERS, f"add a writer for the format {name!r} to FORMAT_WRITERS"
    file, write = FORMAT_WRITERS[name]
    path = tmp_path / file
    write(REGISTRY_FRAME, path)
    assert paths.file_format(path) == name  # the registry is keyed by the one detection by ending
    df = read_transactions(path)
    assert_values(df, pd.DataFrame({
        "customer_id": ["00042", "10086"], "order_id": ["A0001", "A0002"],
        "timestamp": ["2013-04-09 12:00:05", "2013-04-10 20:15:00"], "amount": ["1999.5", "99.25"],
        "source_file": [file] * 2, "source_row": [1, 2],
    }))
    prov = df.attrs["provenance"]
    assert prov["format"] == name and prov["rows"] == 2 and prov["columns"] == ZH_MAP
    assert prov["sha256"] == paths.sha256_of(path) == hashlib.sha256(path.read_bytes()).hexdigest()
    assert prov["path"].endswith(file) and dt.datetime.fromisoformat(prov["read_at"]).tzinfo is not None


# --------------------------------------------------------------------------- column mapping and lineage


def test_chinese_column_map_onto_canonical_schema(tmp_path):
    path = tmp_path / "mall.csv"
    path.write_text("订单编码,买家,支付时间,支付款,商品名,备注,收货人手机\n"
                    "X1,00042,2013-04-09,1999,小米手机2S,加急,13800138000\n", encoding="gb18030")
    columns = {"order_id": "订单编码", "customer_id": "买家", "timestamp": "支付时间", "amount": "支付款",
               "product": "商品名"}
    df = read_transactions(path, columns=columns)
    assert list(df.columns) == ["customer_id", "order_id", "timestamp", "amount", "product", *LINEAGE]
    assert df.iloc[0][["customer_id", "order_id", "timestamp", "amount", "product"]].tolist() == [
        "00042", "X1", "2013-04-09", "1999", "小米手机2S"]
    # unmapped columns (a phone number here) are not carried forward
    assert not df.astype(str).apply(lambda s: s.str.contains("13800138000")).any().any()
    assert df.attrs["provenance"]["columns"] == columns


def test_automatic_english_aliases(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("Invoice,Customer ID,Order Date,Sales,Qty,Order Status,Sales-Channel\n"
                    "INV1,0099,2013-04-09,10.5,2,paid,web\n", encoding="utf-8")
    df = read_transactions(path)
    assert df.attrs["provenance"]["columns"] == {
        "customer_id": "Customer ID", "order_id": "Invoice", "timestamp": "Order Date", "amount": "Sales",
        "quantity": "Qty", "channel": "Sales-Channel", "status": "Order Status"}
    assert df.iloc[0][["customer_id", "order_id", "quantity", "status", "channel"]].tolist() == [
        "0099", "INV1", "2", "paid", "web"]


def test_explicit_map_overrides_alias_and_alias_not_reused(tmp_path):
    path = tmp_path / "two_amounts.csv"
    path.write_text("customer_id,date,amount,实付金额\n1,2013-04-09,100,90\n", encoding="utf-8")
    df = read_transactions(path, columns={"amount": "实付金额"})
    assert df["amount"].tolist() == ["90"]
    assert df.attrs["provenance"]["columns"]["amount"] == "实付金额"


def test_leading_zeros_and_generated_order_ids(tmp_path):
    path = tmp_path / "no_order_id.csv"
    path.write_text("customer_id,date,amount\n00042,2013-04-09,1\n00042,2013-04-09,1\n0,2013-04-10,2\n",
                    encoding="utf-8")
    df = read_transactions(path)
    assert df["customer_id"].tolist() == ["00042", "00042", "0"]
    assert df["order_id"].tolist() == ["no_order_id.csv:1", "no_order_id.csv:2", "no_order_id.csv:3"]
    notes = " ".join(df.attrs["provenance"]["notes"])
    assert "order_id" in notes and "generated" in notes


def test_lineage_is_one_based_data_row(tmp_path):
    lines = ["客户ID,下单时间,实付金额"] + [f"C{i:03d},2013-04-{i:02d},{i}" for i in range(1, 8)]
    path = tmp_path / "lineage.csv"
    path.write_text("\n".join(lines) + "\n", encoding="gb18030")
    df = read_transactions(path)
    assert df["source_file"].tolist() == ["lineage.csv"] * 7
    assert df["source_row"].tolist() == list(range(1, 8))
    # source_row n is line n + 1 of the file (the header is line 1)
    file_lines = path.read_text(encoding="gb18030").splitlines()
    for _, row in df.iterrows():
        cells = file_lines[row["source_row"]].split(",")
        assert cells[0] == row["customer_id"] and cells[2] == row["amount"]


def test_blank_ids_become_missing(tmp_path):
    path = tmp_path / "blanks.csv"
    path.write_text("customer_id,order_id,date,amount\n,O1,2013-04-09,1\n   ,O2,2013-04-09,1\nC3,,2013-04-09,1\n",
                    encoding="utf-8")
    df = read_transactions(path)
    assert df["customer_id"].isna().tolist() == [True, True, False]
    assert df["order_id"].isna().tolist() == [False, False, True]


# --------------------------------------------------------------------------- provenance


def test_provenance_sha256_rows_format_encoding(tmp_path):
    data = zh_csv_text().encode("gb18030")
    path = write_bytes(tmp_path / "prov.csv", data)
    prov = read_transactions(path).attrs["provenance"]
    assert prov["sha256"] == hashlib.sha256(data).hexdigest()
    assert prov["rows"] == 3 and prov["format"] == "csv" and prov["encoding"] == "gb18030"
    assert prov["path"].endswith("prov.csv")
    assert dt.datetime.fromisoformat(prov["read_at"]).tzinfo is not None

    xlsx = tmp_path / "prov.xlsx"
    pd.DataFrame({"customer_id": ["1"], "date": ["2013-04-09"], "amount": [1]}).to_excel(xlsx, index=False)
    prov = read_transactions(xlsx).attrs["provenance"]
    assert prov["sha256"] == hashlib.sha256(xlsx.read_bytes()).hexdigest()
    assert prov["rows"] == 1 and prov["format"] == "excel"


# --------------------------------------------------------------------------- errors


def _error(path, **kwargs) -> DataError:
    with pytest.raises(DataError) as info:
        read_transactions(path, **kwargs)
    assert isinstance(info.value, ValueError)
    return info.value


def test_error_file_not_found(tmp_path):
    err = _error(tmp_path / "missing_orders.csv")
    assert "missing_orders.csv" in str(err) and "not found" in str(err)


def test_error_unknown_format(tmp_path):
    path = tmp_path / "orders.json"
    path.write_text('[{"customer_id": 1}]', encoding="utf-8")
    err = _error(path)
    assert "orders.json" in str(err) and ".json" in err.problem
    assert "CSV" in str(err)  # says what is supported
    assert all(fmt.title in err.hint for fmt in FORMATS.values())


def test_error_empty_file(tmp_path):
    path = write_bytes(tmp_path / "empty.csv", b"")
    err = _error(path)
    assert "empty.csv" in str(err) and "empty" in err.problem


def test_error_header_only_csv(tmp_path):
    path = tmp_path / "header_only.csv"
    path.write_text(ZH_HEADER + "\n", encoding="gb18030")
    err = _error(path)
    assert "header_only.csv" in str(err) and "no data rows" in str(err)
    assert "客户ID" in str(err)  # lists the columns found


def test_error_header_only_xlsx(tmp_path):
    path = tmp_path / "header_only.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["客户ID", "下单时间", "实付金额"])
    wb.save(path)
    err = _error(path)
    assert "header_only.xlsx" in str(err) and "no data rows" in str(err)


def test_error_missing_required_column(tmp_path):
    path = tmp_path / "no_customer.csv"
    path.write_text("buyer,下单时间,实付金额\n1,2013-04-09,5\n", encoding="utf-8")
    err = _error(path)
    assert err.column == "customer_id"
    assert "no_customer.csv" in str(err) and "'customer_id'" in str(err)
    assert "buyer" in str(err)  # lists the columns present


def test_error_mapped_column_absent_suggests_close_match(tmp_path):
    path = write_bytes(tmp_path / "orders.csv", zh_csv_text().encode("gb18030"))
    err = _error(path, columns={"customer_id": "客户id", "timestamp": "下单时间", "amount": "实付金额"})
    assert err.column == "客户id"
    assert "orders.csv" in str(err) and "'客户id'" in str(err)
    assert "did you mean" in str(err) and "客户ID" in err.hint


def test_error_column_map_key_not_canonical(tmp_path):
    path = write_bytes(tmp_path / "orders.csv", zh_csv_text().encode("utf-8"))
    err = _error(path, columns={"customer": "客户ID"})
    assert "orders.csv" in str(err) and "'customer'" in str(err) and "customer_id" in err.hint


def test_error_undecodable_bytes_names_the_row(tmp_path):
    text = "customer_id,date,amount,product\nC1,2013-04-09,5,case\nC2,2013-04-10,6,小米手机\n"
    path = write_bytes(tmp_path / "gb_in_utf8.csv", text.encode("gb18030"))
    err = _error(path, encoding="utf-8")
    assert err.row == 2
    assert "gb_in_utf8.csv" in str(err) and "row 2" in str(err) and "utf-8" in str(err)
    # detection reads the same file
    assert read_transactions(path)["product"].tolist() == ["case", "小米手机"]


def test_error_unknown_encoding_name(tmp_path):
    path = write_bytes(tmp_path / "orders.csv", zh_csv_text().encode("utf-8"))
    err = _error(path, encoding="klingon-8")
    assert "klingon-8" in str(err) and "orders.csv" in str(err)


def test_error_neither_utf8_nor_gb18030(tmp_path):
    data = b"customer_id,date,amount\nC1,2013-04-09,\xff\x80\xff\x80\xff\n"
    for enc in ("utf-8", "gb18030"):
        with pytest.raises(UnicodeDecodeError):
            data.decode(enc)
    path = write_bytes(tmp_path / "garbled.csv", data)
    err = _error(path)
    assert "garbled.csv" in str(err) and err.row == 1 and "row 1" in str(err)
    assert "0xff" in str(err)


def test_malformed_csv_line_names_row_or_reaches_cleaning_marked(tmp_path):
    """A line with more (or fewer) fields than the header: read_table refuses it naming the row; a
    transaction export keeps it, marked, for cleaning to quarantine as malformed_line (issue 16)."""
    path = tmp_path / "ragged.csv"
    path.write_text("customer_id,date,amount\nC1,2013-04-09,5\nC2,2013-04-10,6,7,8\nC3,2013-04-11\n",
                    encoding="utf-8")
    with pytest.raises(DataError) as info:
        acquire.read_table(path)
    err = info.value
    assert "ragged.csv" in str(err) and err.row == 2 and "row 2" in str(err) and "5 fields where the header has 3" \
        in str(err)
    df = read_transactions(path)
    assert df["malformed_line"].fillna("-").tolist() == ["-", "5 fields where the header has 3",
                                                         "2 fields where the header has 3"]
    assert df["customer_id"].tolist() == ["C1", "C2", "C3"] and df["amount"].tolist()[:2] == ["5", "6"]
    unterminated = tmp_path / "quote.csv"
    unterminated.write_text('customer_id,date,amount\nC1,2013-04-09,"5\nC2,2013-04-10,6\n', encoding="utf-8")
    err = _error(unterminated)
    assert "quote.csv" in str(err) and "well-formed" in str(err)


def test_error_corrupt_excel(tmp_path):
    path = write_bytes(tmp_path / "broken.xlsx", b"this is not a zip archive at all")
    err = _error(path)
    assert "broken.xlsx" in str(err)


# --------------------------------------------------------------------------- raw files never modified


def test_reading_never_modifies_the_input(tmp_path):
    csv_path = write_bytes(tmp_path / "orders.csv", zh_csv_text().encode("gb18030"))
    xlsx = tmp_path / "orders.xlsx"
    pd.DataFrame({"customer_id": ["1"], "date": [dt.datetime(2013, 4, 9)], "amount": [1]}).to_excel(xlsx, index=False)
    parquet = tmp_path / "orders.parquet"
    PARQUET_FRAME.to_parquet(parquet, index=False)
    for path in (csv_path, xlsx, parquet):
        os.utime(path, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
        before = fingerprint(path)
        read_transactions(path)
        assert fingerprint(path) == before, path.name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["orders.csv", "orders.parquet", "orders.xlsx"]


def _raw_files() -> list[Path]:
    return sorted(p for p in (paths.RAW).rglob("*") if p.is_file())


def test_bundled_raw_files_unchanged_by_loading():
    before = {p: fingerprint(p) for p in _raw_files()}
    load_xiaomi_sim(key=TEST_KEY)
    load_cdnow("master")
    load_cdnow("sample")
    after = {p: fingerprint(p) for p in _raw_files()}
    assert after == before


# --------------------------------------------------------------------------- bundled data


@pytest.fixture(scope="module")
def xiaomi():
    return load_xiaomi_sim(key=TEST_KEY)


@pytest.fixture(scope="module")
def cdnow_master():
    return load_cdnow("master")


def test_cdnow_master_documented_facts(cdnow_master):
    tx = cdnow_master.transactions
    assert len(tx) == 69_659
    assert tx["customer_id"].nunique() == 23_570
    dates = pd.to_datetime(tx["timestamp"], format="%Y%m%d")
    assert dates.min() == pd.Timestamp("1997-01-01") and dates.max() == pd.Timestamp("1998-06-30")
    amounts = pd.to_numeric(tx["amount"])
    assert int((amounts == 0).sum()) == 80
    assert int(tx.duplicated(["customer_id", "timestamp"]).sum()) == 2_068
    assert tx["customer_id"].str.len().eq(5).all()  # zero-padded ids kept as text
    assert cdnow_master.currency == "USD" and not cdnow_master.simulated
    assert cdnow_master.provenance[0].rows == 69_659
    raw = acquire.CDNOW_DIR / "CDNOW_master.txt"
    assert cdnow_master.provenance[0].sha256 == hashlib.sha256(raw.read_bytes()).hexdigest()
    # every row is traceable to its line: line source_row + 1 of the file (header is line 1)
    lines = raw.read_text(encoding="ascii").splitlines()
    for i in (0, 1234, len(tx) - 1):
        row = tx.iloc[i]
        fields = lines[row["source_row"]].split()
        assert fields[0] == row["customer_id"] and fields[1] == row["timestamp"] and fields[3] == row["amount"]


def test_cdnow_sample_documented_facts():
    sample = load_cdnow("sample")
    tx = sample.transactions
    assert len(tx) == 6_919
    assert tx["customer_id"].nunique() == 2_357
    dates = pd.to_datetime(tx["timestamp"], format="%Y%m%d")
    assert dates.min() >= pd.Timestamp("1997-01-01") and dates.max() <= pd.Timestamp("1998-06-30")
    assert dates.min() < pd.Timestamp("1997-04-01")  # the cohort's first purchases are in Q1 1997
    assert tx["source_row"].tolist() == list(range(1, 6_920))
    with pytest.raises(ValueError):
        load_cdnow("everything")


@pytest.mark.parametrize("name", list(BUNDLED))
def test_every_bundled_dataset_loads_and_says_simulated_iff_simulated(monkeypatch, name):
    monkeypatch.setenv(KEY_ENV, TEST_KEY.decode())
    entry = BUNDLED[name]
    acq = acquire.acquire(name)
    assert acq.name == name
    assert acq.simulated is entry.simulated
    assert ("SIMULATED" in acq.label) is entry.simulated
    assert list(acq.transactions.columns)[-2:] == list(LINEAGE) and len(acq.transactions) > 0
    # the registry's raw files are the ones the loader read, with the rows it read
    assert {Path(p.path).name: p.rows for p in acq.provenance} == {path.name: n for path, n in entry.files()}
    listed = bundled_sources()
    mine = listed.loc[listed["dataset"] == entry.raw_dir.name]
    assert {path.name for path, _ in entry.files()} <= set(mine["file"])
    assert set(mine["kind"]) == {entry.kind} and ("SIMULATED" in entry.kind) is entry.simulated


def test_xiaomi_transactions_have_canonical_columns(xiaomi):
    tx = xiaomi.transactions
    assert list(tx.columns) == list(CANONICAL) + list(LINEAGE)
    manifest = read_manifest()
    order_rows = {k: v for k, v in manifest["rows"].items() if k != "customers"}
    assert len(tx) == sum(order_rows.values())
    files = {spec["file"]: spec["channel"] for spec in manifest["orders"]}
    counts = tx["source_file"].value_counts().to_dict()
    assert counts == {f: manifest["rows"][ch] for f, ch in files.items()}
    # lineage is unique and 1-based within each file
    assert not tx.duplicated(list(LINEAGE)).any()
    for _, part in tx.groupby("source_file"):
        assert sorted(part["source_row"]) == list(range(1, len(part) + 1))
    assert xiaomi.simulated and xiaomi.currency == "CNY"
    assert not find_leaks(tx)


def find_leaks(df: pd.DataFrame) -> list[str]:
    leaks = []
    for column in df.columns:
        text = df[column].dropna().astype(str)
        if text.str.contains(PHONE_PATTERN, regex=True).any() or text.str.contains(EMAIL_PATTERN, regex=True).any():
            leaks.append(column)
    return leaks


def test_xiaomi_customers_are_pseudonymised(xiaomi):
    spec = read_manifest()["customers"]
    raw = pd.read_csv(acquire.XIAOMI_DIR / spec["file"], encoding="gb18030", dtype=str)
    customers = xiaomi.customers
    assert len(customers) == len(raw)
    personal = {canonical: spec["columns"][canonical] for canonical in spec["personal"]}
    # the raw file really holds personal data that must not come through
    assert raw[personal["phone"]].str.fullmatch(PHONE_PATTERN).all()
    assert raw[personal["email"]].str.fullmatch(EMAIL_PATTERN).all()
    assert not find_leaks(customers)
    for canonical, raw_column in personal.items():
        pseudonyms = customers[canonical]
        assert pseudonyms.dropna().str.startswith(canonical + "_").all()
        assert not set(pseudonyms.dropna()) & set(raw[raw_column].dropna())
        # the same person keeps the same pseudonym, different people stay apart
        assert pseudonyms.nunique() == raw[raw_column].nunique()
    every_value = set(customers.astype(str).to_numpy().ravel())
    for column in personal.values():
        assert not every_value & set(raw[column].dropna())
    # ids are not personal data and are kept, as are the test-account markers
    assert customers["customer_id"].tolist() == raw[spec["columns"]["customer_id"]].tolist()
    is_test = raw[spec["columns"]["account_type"]].isin(spec["test_account_values"])
    assert sorted(xiaomi.test_accounts) == sorted(raw.loc[is_test, spec["columns"]["customer_id"]])
    assert len(xiaomi.test_accounts) == 5


def test_xiaomi_pseudonyms_depend_on_key(xiaomi):
    other = load_xiaomi_sim(key=b"another key")
    assert not set(other.customers["phone"].dropna()) & set(xiaomi.customers["phone"].dropna())
    pd.testing.assert_frame_equal(other.transactions, xiaomi.transactions)


# --------------------------------------------------------------------------- interim round trip


def test_save_and_load_interim_round_trip(tmp_path, xiaomi):
    out = store.save_interim(xiaomi, out_dir=tmp_path / "xiaomi_sim")
    assert {p.name for p in out.iterdir()} == {"transactions.parquet", "customers.parquet", "metadata.json"}
    back = store.load_interim("xiaomi_sim", in_dir=out)
    pd.testing.assert_frame_equal(back.transactions, xiaomi.transactions, check_dtype=False)
    assert back.transactions["customer_id"].tolist() == xiaomi.transactions["customer_id"].tolist()
    pd.testing.assert_frame_equal(back.customers, xiaomi.customers, check_dtype=False)
    assert back.metadata() == xiaomi.metadata()
    assert back.test_accounts == xiaomi.test_accounts


def test_save_interim_without_customers_removes_stale_table(tmp_path, xiaomi):
    folder = tmp_path / "own"
    store.save_interim(xiaomi, out_dir=folder)
    path = write_bytes(tmp_path / "own.csv", zh_csv_text().encode("gb18030"))
    own = acquire.acquire("own", source_path=path)
    store.save_interim(own, out_dir=folder)
    back = store.load_interim("own", in_dir=folder)
    assert back.customers is None
    assert back.transactions["customer_id"].tolist() == ["00042", "10086", "00007"]
    assert back.label == "own data: own.csv" and not back.simulated


def test_load_interim_missing_dataset_says_run_notebook_01(tmp_path):
    with pytest.raises(DataError) as info:
        store.load_interim("never_acquired", in_dir=tmp_path / "never_acquired")
    message = str(info.value)
    assert "never_acquired" in message and "01_acquisition" in message
    assert re.search(r"metadata\.json", message)


def test_acquire_unknown_dataset_is_a_data_error():
    with pytest.raises(DataError, match="unknown dataset"):
        acquire.acquire("nonsense")


# --------------------------------------------------------------------------- the rules behind the hostile corpus
# (issue 16; tests/test_hostile_transactions.py reads the corpus, these pin each rule's edges)


def test_unit_price_is_multiplied_by_quantity_never_taken_for_the_amount(tmp_path):
    lines = "customer_id,date,price,qty\nC1,2024-01-02,19.90,3\nC2,2024-01-03,5,\nC3,2024-01-04,abc,2\n"
    df = read_transactions(write_bytes(tmp_path / "lines.csv", lines.encode()))
    assert df["amount"].tolist()[0] == "59.70" and df["amount"].isna().tolist() == [False, True, False]
    assert df["amount"].iloc[2] == "abc × 2"  # cleaning cannot parse it: unparseable_amount, both values shown
    assert df.attrs["provenance"]["columns"]["amount"] == "price × qty"
    # a total column is the amount; an explicit map wins; a unit price alone is refused with the way out
    with_total = "customer_id,date,price,qty,total\nC1,2024-01-02,19.90,3,50.00\n"
    assert read_transactions(write_bytes(tmp_path / "t.csv", with_total.encode()))["amount"].tolist() == ["50.00"]
    alone = write_bytes(tmp_path / "alone.csv", b"customer_id,date,unit_price\nC1,2024-01-02,19.90\n")
    err = _error(alone)
    assert err.column == "amount" and "'unit_price' is a unit price" in str(err)
    assert read_transactions(alone, columns={"amount": "unit_price"})["amount"].tolist() == ["19.90"]


def test_ids_are_compared_as_people_read_them_with_one_shared_function(tmp_path):
    from helpers import schema, survey

    assert survey.clean_cell is schema.clean_cell  # survey ids and order ids: one definition
    text = "customer_id,order_id,date,amount\n\uff10\uff10\uff10\uff14\uff12,A\u200b1,2024-01-02,1\n00042 ,A1,2024-01-02,1\n"
    df = read_transactions(write_bytes(tmp_path / "ids.csv", text.encode()))
    assert df["customer_id"].tolist() == ["00042", "00042"] and df["order_id"].tolist() == ["A1", "A1"]
    notes = df.attrs["provenance"]["notes"]
    assert any(n.startswith("customer_id: 1 value(s)") for n in notes)  # trailing spaces alone are not worth a note
    plain = read_transactions(write_bytes(tmp_path / "plain.csv", b"customer_id,date,amount\n00042,2024-01-02,1\n"))
    assert not any("normalised" in n for n in plain.attrs["provenance"]["notes"])


def test_parquet_integer_ids_keep_every_digit(tmp_path):
    ids = [9007199254740993, 9007199254740992, None]  # 2**53 + 1 and 2**53: one float64
    table = pa.table({"customer_id": pa.array(ids, pa.int64()), "n": pa.array([1, 2, 3], pa.int64()),
                      "date": ["2024-01-02"] * 3, "amount": [1.0, 2.0, 3.0]})
    pq.write_table(table, tmp_path / "ids.parquet")
    raw, _ = acquire.read_table(tmp_path / "ids.parquet")
    assert raw["n"].dtype == "int64"  # integers without nulls keep their dtype
    df = read_transactions(tmp_path / "ids.parquet")
    assert df["customer_id"].tolist()[:2] == ["9007199254740993", "9007199254740992"] and pd.isna(df["customer_id"][2])
    folder = tmp_path / "log" / "year=2024"
    folder.mkdir(parents=True)
    pq.write_table(table, folder / "part-0.parquet")
    assert read_transactions(tmp_path / "log")["customer_id"].tolist()[:2] == ["9007199254740993", "9007199254740992"]


def test_a_title_block_is_skipped_only_when_it_is_shaped_like_one(tmp_path):
    from helpers.acquire.formats.base import header_position

    assert header_position([["订单导出 2024-01-01", "", ""], [], ["a", "b", "c"]]) == 2
    assert header_position([["a", "b", "c"], ["1", "2", "3"]]) == 0
    assert header_position([["only one"]] * 12 + [["a", "b"]]) == 0  # further down than a title block goes
    text = "导出时间：2024-01-01\n\ncustomer_id,date,amount\nC1,2024-01-02,5\n"
    df = read_transactions(write_bytes(tmp_path / "t.csv", text.encode()))
    assert df["customer_id"].tolist() == ["C1"] and df["source_row"].tolist() == [1]
    with pytest.raises(DataError, match="where the header has 1"):  # read_table reads the first row as the header
        acquire.read_table(tmp_path / "t.csv")


def test_marks_name_only_rows_that_are_not_orders(tmp_path):
    text = ("customer_id,order_id,date,amount\nC1,customer_id,2024-01-02,5\n"  # one cell equal to a header name
            "Total:,,,5\nC2,A2,2024-01-03,合计\n,合计,,\n")  # 合计 in the last cell is no mark; the first filled is
    df = read_transactions(write_bytes(tmp_path / "m.csv", text.encode()))
    assert "repeated_header" not in df.columns
    assert df["summary_row"].fillna("-").tolist() == ["-", "first cell 'Total:'", "-", "first cell '合计'"]


def test_epoch_times_need_the_whole_column(tmp_path):
    from helpers.acquire.values import epoch_times

    seconds = pd.Series(["1704189600", None, " 1706796000 "], dtype="string")
    out, note = epoch_times(seconds)
    assert out.tolist()[0] == "2024-01-02 10:00:00" and pd.isna(out[1]) and "UTC" in note
    assert epoch_times(pd.Series(["1704189600123"]))[0].tolist() == ["2024-01-02 10:00:00.123"]
    for values in (["1704189600", "2024-01-02"], ["1704189600", "1704189600000"], ["20240102"], ["45000"]):
        unchanged, note = epoch_times(pd.Series(values, dtype="string"))
        assert unchanged.tolist() == values and note is None, values
    skip = pd.Series([False, True])
    assert epoch_times(pd.Series(["1704189600", "order_date"]), skip)[0].tolist() == ["2024-01-02 10:00:00",
                                                                                       "order_date"]


def test_gzip_and_workbook_signatures(tmp_path, monkeypatch):
    import gzip

    from helpers.acquire.formats import csv as csv_format

    text = b"customer_id,date,amount\nC1,2024-01-02,5\n"
    assert paths.file_format("a.csv.gz") == "csv" and paths.file_format("a.parquet.gz") is None
    hidden = write_bytes(tmp_path / "named_plain.csv", gzip.compress(text, mtime=0))  # gzip under a .csv name
    assert read_transactions(hidden)["amount"].tolist() == ["5"]
    monkeypatch.setattr(csv_format, "MAX_DECOMPRESSED", 16)
    assert "decompresses to more than" in str(_error(hidden))
    monkeypatch.undo()
    write_bytes(tmp_path / "broken.csv.gz", gzip.compress(text, mtime=0)[:-12])
    assert "damaged gzip" in str(_error(tmp_path / "broken.csv.gz"))
    # a legacy .xls saved under .xlsx is read by calamine, as its bytes say
    book = xlwt.Workbook()
    sheet = book.add_sheet("s")
    for j, v in enumerate(["customer_id", "date", "amount"]):
        sheet.write(0, j, v)
        sheet.write(1, j, ["C1", "2024-01-02", 5.0][j])
    book.save(str(tmp_path / "old.xls"))
    (tmp_path / "old.xlsx").write_bytes((tmp_path / "old.xls").read_bytes())
    assert read_transactions(tmp_path / "old.xlsx")["amount"].tolist() == ["5"]


def test_a_folder_and_a_broken_link_are_named_for_what_they_are(tmp_path):
    (tmp_path / "empty_folder").mkdir()
    assert "nor any other file" in str(_error(tmp_path / "empty_folder"))
    (tmp_path / "link.csv").symlink_to(tmp_path / "gone.csv")
    assert "symbolic link that cannot be followed" in str(_error(tmp_path / "link.csv"))


def test_a_known_layout_never_sees_the_rows_that_are_not_orders(tmp_path):
    header = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"
    line = "536365,85123A,WHITE HANGING HEART,6,12/1/2010 8:26,2.55,17850,United Kingdom"
    text = "\n".join([header, line, header, line.replace("536365", "536366"), "Total,,,12,,,,"]) + "\n"
    df = read_transactions(write_bytes(tmp_path / "Online Retail.csv", text.encode()))
    assert df.attrs["provenance"]["notes"][0].startswith("recognised as the UCI")
    assert df["order_id"].fillna("-").tolist() == ["536365", "536366", "-", "-"]  # marked rows after the orders
    assert df["repeated_header"].notna().sum() == 1 and df["summary_row"].notna().sum() == 1
    marked = df["repeated_header"].notna() | df["summary_row"].notna()
    assert df.loc[marked, "source_row"].tolist() == [2, 4] and df.loc[marked, "customer_id"].isna().all()
    assert df.loc[~marked, "amount"].tolist() == ["15.30", "15.30"]
