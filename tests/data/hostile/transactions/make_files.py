"""Write the hostile order exports of this folder (test fixtures; made-up orders, no real customer).

Every file is the same six orders of three customers (:data:`ORDERS`: 10042 spent 258.50, 20077 1387.80,
30015 57.60, in yuan) exported the way real exports break: ids typed with full-width digits and invisible
spaces, 19-digit ids in Parquet with a null, only a unit price and a quantity, a title row above the header
and a totals row below, two exports appended, a workbook saved under a text name, Excel's "Unicode text",
a password-protected workbook, epoch times, continental or foreign-currency amounts, placeholder dates …
``cases.yml`` says what reading each must give; ``tests/test_hostile_transactions.py`` checks it. Files too
big or too odd to commit (a 20 MB line, a symbolic-link loop, a folder without data) are made by the test.

The output is byte-identical on every run (fixed timestamps in the workbooks, gzip without a time, seeded
bytes). Run from the project root: ``.venv/bin/python tests/data/hostile/transactions/make_files.py``.
"""

from __future__ import annotations

import base64
import codecs
import datetime as dt
import gzip
import random
import struct
import zipfile
from io import BytesIO
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import xlwt
from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
HEADER = ["customer_id", "order_id", "order_date", "amount"]
#: The six orders every file holds (customer, order, time, amount in yuan).
ORDERS = [
    ("10042", "A1001", "2024-01-02 10:00:00", "199.00"),
    ("20077", "A1002", "2024-01-03 09:15:00", "1299.00"),
    ("30015", "A1003", "2024-01-05 16:45:00", "12.00"),
    ("10042", "A1004", "2024-01-09 11:30:00", "59.50"),
    ("30015", "A1005", "2024-01-20 12:00:00", "45.60"),
    ("20077", "A1006", "2024-02-01 14:00:00", "88.80"),
]
#: Unit price and quantity of each order's line (price × quantity = the order's amount).
LINES = [("99.50", "2"), ("1299.00", "1"), ("6.00", "2"), ("11.90", "5"), ("15.20", "3"), ("22.20", "4")]
WHEN = dt.datetime(2024, 1, 1, 8, 0, 0)  # the workbooks' creation time, fixed so the bytes are


def rows(orders=ORDERS) -> list[list[str]]:
    return [list(o) for o in orders]


def write(name: str, table: list[list[str]], *, sep: str = ",", encoding: str = "utf-8", newline: str = "\n") -> None:
    (HERE / name).write_bytes((newline.join(sep.join(r) for r in table) + newline).encode(encoding))


def with_amounts(amounts: list[str]) -> list[list[str]]:
    return [HEADER] + [[c, o, t, a] for (c, o, t, _), a in zip(ORDERS, amounts)]


def save_book(book: Workbook, name: str) -> None:
    """An openpyxl workbook with fixed document times and zip entry times: the same bytes on every run."""
    book.properties.created = book.properties.modified = WHEN
    buffer = BytesIO()
    book.save(buffer)
    out = BytesIO()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps "modified" with the time of saving
                text = data.decode("utf-8")
                start = text.index("<dcterms:modified")
                end = text.index("</dcterms:modified>") + len("</dcterms:modified>")
                data = (text[:start] + '<dcterms:modified xsi:type="dcterms:W3CDTF">2024-01-01T08:00:00Z'
                        "</dcterms:modified>" + text[end:]).encode("utf-8")
            fixed = zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 8, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, data)
    (HERE / name).write_bytes(out.getvalue())


def orders_book() -> Workbook:
    """The six orders as an Excel export writes them: date cells, number cells."""
    book = Workbook()
    sheet = book.active
    sheet.title = "orders"
    sheet.append(HEADER)
    for c, o, t, a in ORDERS:
        sheet.append([int(c), o, dt.datetime.fromisoformat(t), float(a)])
    return book


# --------------------------------------------------------------------------- who is who

def identities() -> None:
    # customer 10042, 20077, 30015 each written three ways: full-width digits, zero-width and no-break spaces,
    # trailing spaces; two order numbers with a full-width letter or a zero-width space
    ids = ["\uff11\uff10\uff10\uff14\uff12", "\u00a020077", "30015\u200b", "10042   ", "\u200b\uff13\uff10\uff10\uff11\uff15",
           "20077\u00a0"]
    orders = ["\uff211001", "A1002\u200b", "A1003", "A1004", "A1005", "A1006"]
    write("id_variants.csv", [HEADER] + [[i, o, t, a] for i, o, (_, _, t, a) in zip(ids, orders, ORDERS)])
    # 19-digit ids (a platform's user ids) in int64 columns, one guest order with no customer: pandas makes the
    # column float64, and 1234567890123456789 and 1234567890123456790 both become 1.2345678901234568e+18
    big = {"10042": 1234567890123456789, "20077": 1234567890123456790, "30015": 42}
    customers = [big[c] for c, *_ in ORDERS] + [None]
    orders64 = [2024010200000000001 + i for i in range(7)]
    times = [dt.datetime.fromisoformat(t) for _, _, t, _ in ORDERS] + [dt.datetime(2024, 1, 21, 9, 0)]
    amounts = [float(a) for *_, a in ORDERS] + [30.0]
    table = pa.table({"customer_id": pa.array(customers, pa.int64()), "order_id": pa.array(orders64, pa.int64()),
                      "order_date": pa.array(times, pa.timestamp("s")), "amount": pa.array(amounts, pa.float64())})
    pq.write_table(table, HERE / "long_ids_with_null.parquet", compression="snappy")
    # the same ids after a pandas round trip wrote them back as float64: the digits are gone already
    floats = pa.table({"customer_id": pa.array([None if c is None else float(c) for c in customers], pa.float64()),
                       "order_id": pa.array(orders64, pa.int64()), "order_date": pa.array(times, pa.timestamp("s")),
                       "amount": pa.array(amounts, pa.float64())})
    pq.write_table(floats, HERE / "float_ids.parquet", compression="snappy")
    # Excel showed 19-digit member ids as 1.23457E+18 and the file was saved as CSV that way
    shown = {"10042": "1.23457E+18", "20077": "1.23457E+18", "30015": "42"}
    write("excel_scientific_ids.csv", [HEADER] + [[shown[c], o, t, a] for c, o, t, a in ORDERS])


# --------------------------------------------------------------------------- what the amount is

def unit_prices() -> None:
    head = ["customer_id", "order_id", "order_date", "product", "price", "qty"]
    products = ["手机壳", "Redmi Note 13", "数据线", "贴膜", "充电头", "耳机套"]
    body = [[c, o, t, p, price, q] for (c, o, t, _), p, (price, q) in zip(ORDERS, products, LINES)]
    write("price_and_qty_only.csv", [head] + body)
    zh = ["客户ID", "订单号", "下单时间", "商品名称", "单价", "数量"]
    write("unit_price_quantity_zh.csv", [zh] + body, encoding="gb18030")
    write("price_without_quantity.csv", [head[:5]] + [r[:5] for r in body])


# --------------------------------------------------------------------------- rows that are not orders

def titles_and_totals() -> None:
    total = "1703.90"
    # "Save as CSV" from Excel: every row as wide as the table, a BOM, CRLF
    table = [["订单导出 2024-01-01", "", "", ""], HEADER] + rows() + [["", "", "", ""], ["合计", "", "", total]]
    write("title_and_totals.csv", table, encoding="utf-8-sig", newline="\r\n")
    book = Workbook()
    sheet = book.active
    sheet.title = "订单"
    sheet.append(["订单导出 2024-01-01"])
    sheet.merge_cells("A1:D1")
    sheet.append([])
    sheet.append(HEADER)
    for c, o, t, a in ORDERS:
        sheet.append([int(c), o, dt.datetime.fromisoformat(t), float(a)])
    sheet.append([])
    sheet.append(["合计", None, None, float(total)])
    save_book(book, "title_and_totals.xlsx")
    # a title spread over two cells: not told from a header by its shape
    write("title_in_two_cells.csv", [["订单导出", "2024-01-01", "", ""], HEADER] + rows())
    # two overlapping downloads appended: orders 1–4, the header again, orders 3–6
    write("repeated_header.csv", [HEADER] + rows()[:4] + [HEADER] + rows()[2:])


# --------------------------------------------------------------------------- encodings and file types

def encodings_and_types() -> None:
    plain = "\n".join(",".join(r) for r in [HEADER] + rows()) + "\n"
    text = "\r\n".join("\t".join(r) for r in [HEADER] + rows()) + "\r\n"
    (HERE / "excel_unicode_text.txt").write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    (HERE / "csv_named.xlsx").write_bytes(plain.encode("utf-8"))
    save_book(orders_book(), "xlsx_named.csv")
    cells = "".join(f"<tr>{''.join(f'<td>{c}</td>' for c in r)}</tr>" for r in [HEADER] + rows())
    (HERE / "html_named.xls").write_text(f"<html><head><meta charset='utf-8'></head><body><table>{cells}"
                                         "</table></body></html>\n", encoding="utf-8")
    cut = plain.index("\n30015,") + 1  # 64 NUL bytes at the start of data row 3
    (HERE / "nul_bytes.csv").write_bytes(plain[:cut].encode() + b"\x00" * 64 + plain[cut:].encode())
    (HERE / "empty.csv").write_bytes(b"")
    write("header_only.csv", [HEADER])
    (HERE / "orders.csv.gz").write_bytes(gzip.compress(plain.encode("utf-8"), mtime=0))
    legacy = xlwt.Workbook(encoding="utf-8")
    sheet = legacy.add_sheet("orders")
    when = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm:ss")
    for j, name in enumerate(HEADER):
        sheet.write(0, j, name)
    for i, (c, o, t, a) in enumerate(ORDERS, start=1):
        sheet.write(i, 0, c)
        sheet.write(i, 1, o)
        sheet.write(i, 2, dt.datetime.fromisoformat(t), when)
        sheet.write(i, 3, float(a))
    buffer = BytesIO()
    legacy.save(buffer)
    (HERE / "legacy.xls").write_bytes(buffer.getvalue())
    (HERE / "password_protected.xlsx").write_bytes(encrypted_container())


def encrypted_container() -> bytes:
    """What Excel writes for a workbook saved with a password: not a ZIP but an OLE compound file (CFB, MS-CFB
    version 3) holding an ``EncryptionInfo`` stream (ECMA-376 agile encryption: version 4.4, then the XML
    key description) and an ``EncryptedPackage`` stream (the workbook's size, then its AES ciphertext). The
    salts and the ciphertext are seeded random bytes: the reader refuses the file from its container and
    never decrypts, so no key is needed to test it."""
    rng = random.Random(16)

    def b64(n: int) -> str:
        return base64.b64encode(rng.randbytes(n)).decode()

    algorithm = ('saltSize="16" blockSize="16" keyBits="256" hashSize="64" cipherAlgorithm="AES" '
                 'cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512"')
    xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
           '<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption" '
           'xmlns:p="http://schemas.microsoft.com/office/2006/keyEncryptor/password">'
           f'<keyData {algorithm} saltValue="{b64(16)}"/>'
           f'<dataIntegrity encryptedHmacKey="{b64(64)}" encryptedHmacValue="{b64(64)}"/>'
           '<keyEncryptors><keyEncryptor uri="http://schemas.microsoft.com/office/2006/keyEncryptor/password">'
           f'<p:encryptedKey spinCount="100000" {algorithm} saltValue="{b64(16)}" '
           f'encryptedVerifierHashInput="{b64(16)}" encryptedVerifierHashValue="{b64(64)}" '
           f'encryptedKeyValue="{b64(32)}"/></keyEncryptor></keyEncryptors></encryption>')
    info = struct.pack("<HHI", 4, 4, 0x40) + xml.encode("utf-8")
    plain_size = 5 * 1024
    package = struct.pack("<Q", plain_size) + rng.randbytes(plain_size + 4096 - plain_size % 4096)
    return compound_file({"EncryptionInfo": info, "EncryptedPackage": package})


def compound_file(streams: dict[str, bytes]) -> bytes:
    """An MS-CFB version 3 file (512-byte sectors, 64-byte mini sectors, cutoff 4096) holding two streams: the
    first smaller than the cutoff (kept in the mini stream), the second larger (regular sectors)."""
    (small_name, small), (large_name, large) = streams.items()
    assert len(small) < 4096 <= len(large)
    free, end, fat_sector, nostream = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF

    def sectors(data: bytes) -> int:
        return -(-len(data) // 512)

    mini = small + b"\x00" * (-len(small) % 64)  # the mini stream: the small stream in 64-byte mini sectors
    n_mini = len(mini) // 64
    mini_start, large_start = 3, 3 + sectors(mini)  # 0 FAT, 1 directory, 2 mini FAT, then the data
    fat = [fat_sector, end, end]
    for start, count in ((mini_start, sectors(mini)), (large_start, sectors(large))):
        fat += [start + i + 1 for i in range(count - 1)] + [end]
    assert len(fat) <= 128
    fat += [free] * (128 - len(fat))
    minifat = [i + 1 for i in range(n_mini - 1)] + [end] + [free] * (128 - n_mini)

    def entry(name: str, kind: int, color: int, left: int, right: int, child: int, start: int, size: int) -> bytes:
        encoded = (name + "\x00").encode("utf-16-le")
        return (encoded.ljust(64, b"\x00") + struct.pack("<HBB3I", len(encoded), kind, color, left, right, child)
                + b"\x00" * 36 + struct.pack("<IQ", start, size))

    # red-black tree of the root's children, compared by name length first: the longer name at the top (black)
    directory = (entry("Root Entry", 5, 1, nostream, nostream, 2, mini_start, len(mini))
                 + entry(small_name, 2, 0, nostream, nostream, nostream, 0, len(small))
                 + entry(large_name, 2, 1, 1, nostream, nostream, large_start, len(large))
                 + b"\x00" * 68 + struct.pack("<3I", nostream, nostream, nostream) + b"\x00" * 48)
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\x00" * 6
              + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, 2, 1, end, 0)
              + struct.pack("<109I", 0, *[free] * 108))

    def pad(data: bytes) -> bytes:
        return data + b"\x00" * (-len(data) % 512)

    return (header + struct.pack("<128I", *fat) + pad(directory) + struct.pack("<128I", *minifat)
            + pad(mini) + pad(large))


# --------------------------------------------------------------------------- times and values

def times_and_values() -> None:
    seconds = [str(int(dt.datetime.fromisoformat(t).replace(tzinfo=dt.timezone.utc).timestamp())) for *_, t, _ in
               ORDERS]
    write("epoch_seconds.csv", [HEADER] + [[c, o, s, a] for (c, o, _, a), s in zip(ORDERS, seconds)])
    write("epoch_milliseconds.csv", [HEADER] + [[c, o, s + "000", a] for (c, o, _, a), s in zip(ORDERS, seconds)])
    # 1,299.00 written without quotes in a comma-separated file: one field too many on that line
    table = [HEADER] + rows()
    table[2][3] = "1,299.00"
    write("unquoted_thousands.csv", table)
    # a German/French Excel's CSV: semicolons, decimal commas, dots grouping thousands
    write("continental_semicolon.csv", [HEADER] + [[c, o, t, a.replace(".", ",")] for c, o, t, a in ORDERS[:1]]
          + [[ORDERS[1][0], ORDERS[1][1], ORDERS[1][2], "1.299,00"]]
          + [[c, o, t, a.replace(".", ",")] for c, o, t, a in ORDERS[2:]], sep=";")
    write("ambiguous_thousands.csv", with_amounts(["199.00", "1.299", "12.00", "59.50", "45.60", "88.80"]))
    write("huge_amounts.csv", with_amounts(["1e308", "inf", "1e309", "59.50", "45.60", "88.80"]))
    write("foreign_currency.csv", with_amounts(["$199.00", "€1299.00", "£12.00", "USD 59.50", "45.60 EUR", "88.80"]))
    write("yuan_amounts.csv", with_amounts(["¥199.00", '"￥1,299.00"', "12元", "RMB 59.50", "人民币45.60",
                                            "CNY 88.80"]))
    placeholder = [HEADER] + rows()
    for row, when in zip(placeholder[1:4], ("9999-12-31", "1900-01-01", "0000-00-00")):
        row[2] = when
    write("placeholder_dates.csv", placeholder)
    chinese = ["2024年1月2日 10:00", "2024年1月3日 9:15", "2024年01月05日 16:45:00", "2024年1月9日11:30",
               "2024年1月20日", "2024年2月1日 14:00"]
    write("chinese_dates.csv", [HEADER] + [[c, o, d, a] for (c, o, _, a), d in zip(ORDERS, chinese)])


if __name__ == "__main__":
    identities()
    unit_prices()
    titles_and_totals()
    encodings_and_types()
    times_and_values()
