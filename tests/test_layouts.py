"""Tests for the export-layout registry (:data:`helpers.acquire.layouts.LAYOUTS`), issue 16.

Every registered layout reads its sample exports (``tests/data/layouts``, written by ``make_samples.py``
the way each system exports) with ``read_transactions(path)`` alone, and cleaning gives exactly the
outcome ``expected.json`` works out from the samples' made-up orders: rows in, every quarantined row with
its reason, rows kept, net spend per customer to the cent, first and last purchase. Then the pieces the
layouts rely on: malformed CSV lines, workbooks read whole, cancellation netting, unpaid orders, personal
data kept out, and that the bundled data and generic files are not taken for a layout.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from helpers import paths
from helpers.acquire import CANONICAL, LINEAGE, read_transactions
from helpers.acquire.layouts import LAYOUTS, Layout, detect_layout
from helpers.acquire.read import read_raw
from helpers.clean import (STATUS_VALUES, check_accounting, clean_transactions, normalise_status, row_accounting)
from helpers.errors import DataError
from helpers.privacy import find_personal_data, pseudonym

SAMPLES = Path(__file__).resolve().parent / "data" / "layouts"
EXPECTED = json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8"))
TEST_KEY = b"unit-test-key-not-the-project-key"

#: Raw columns holding personal data in each layout's samples: none of their values may reach the canonical table.
PERSONAL_COLUMNS = {
    "taobao": ["买家会员名", "买家支付宝账号", "收货人姓名", "收货地址", "联系手机", "买家留言"],
    "shopify": ["Email", "Billing Name", "Billing Street", "Billing Phone", "Shipping Name", "Shipping Street",
                "Shipping Phone"],
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def raw_frame(path: Path) -> pd.DataFrame:
    """A sample as plain text cells, read without the package (csv module / openpyxl), for independent checks."""
    if path.suffix == ".xlsx":
        frames = []
        for ws in openpyxl.load_workbook(path, read_only=True).worksheets:
            rows = list(ws.iter_rows(values_only=True))
            frames.append(pd.DataFrame(rows[1:], columns=[str(c).strip() for c in rows[0]]))
        return pd.concat(frames, ignore_index=True).astype(object)
    data = path.read_bytes()
    text = data.decode("gb18030" if b"\xb6\xa9" in data else "utf-8")  # 订 in GB18030
    rows = list(csv.reader(io.StringIO(text, newline="")))
    width = len(rows[0])
    return pd.DataFrame([(r + [""] * width)[:width] for r in rows[1:]], columns=[c.strip() for c in rows[0]])


# --------------------------------------------------------------------------- the registry, one test over all


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_every_registered_layout_reads_its_samples_to_the_expected_totals_and_row_account(name):
    layout = LAYOUTS[name]
    assert isinstance(layout, Layout) and layout.name == name
    assert all([layout.title, layout.header, layout.columns, layout.customer_key, layout.amount,
                layout.not_purchase, layout.personal])
    assert EXPECTED.get(name), f"write a sample export of layout {name!r} in tests/data/layouts/make_samples.py"
    for file, want in EXPECTED[name].items():
        path = SAMPLES / file
        before = sha256(path)
        raw, _ = read_raw(path, malformed="mark")
        assert [entry.name for entry in LAYOUTS.values() if entry.matches(raw.frame.columns)] == [name], file
        df = read_transactions(path, key=TEST_KEY)  # no column map
        prov = df.attrs["provenance"]
        assert prov["notes"][0].startswith(f"recognised as the {layout.title} (layout {name!r})"), file
        assert prov["columns"] == layout.columns
        assert set(df.columns) <= {*CANONICAL, *LINEAGE, "malformed_line"}, file
        assert len(df) == want["rows_in"] and dict(Counter(df["source_file"])) == want["rows_by_source"], file

        clean, quarantine = clean_transactions(df)
        check_accounting(df, clean, quarantine)
        account = row_accounting(df, clean, quarantine).set_index("step")["rows"]
        assert account["rows in"] == len(df) == len(clean) + len(quarantine) and account["difference (must be 0)"] == 0
        assert quarantine["reason"].notna().all()
        got = {f"{f}|{r}": reason for f, r, reason in zip(quarantine["source_file"], quarantine["source_row"],
                                                          quarantine["reason"])}
        assert got == want["quarantined"], file
        assert len(clean) == want["kept"], file

        kind = want["customer_kind"]
        expected = {(k if kind is None else pseudonym(k, kind, TEST_KEY)): Decimal(v) for k, v in want["totals"].items()}
        totals = clean.groupby("customer_id")["amount"].sum()
        assert {k: Decimal(f"{v:.2f}") for k, v in totals.items()} == expected, file
        assert np.allclose(totals.sort_index().to_numpy(), [float(expected[k]) for k in totals.sort_index().index],
                           rtol=0, atol=1e-9)
        assert str(clean["timestamp"].min()) == want["first"] and str(clean["timestamp"].max()) == want["last"], file

        assert find_personal_data(df, clean, quarantine).empty, file
        cells = pd.concat([df[c].astype("string") for c in df.columns if c not in LINEAGE]).dropna()
        personal = raw_frame(path)[PERSONAL_COLUMNS.get(name, [])].stack()
        leaked = {str(v) for v in personal if len(str(v).strip(" '")) >= 3 and cells.str.contains(
            str(v).strip(" '"), regex=False).any()}
        assert not leaked, f"{file}: personal data in the canonical table: {sorted(leaked)}"
        assert sha256(path) == before  # the raw file is never modified


def test_the_bundled_data_and_generic_files_are_not_taken_for_a_layout(tmp_path):
    raw = paths.RAW / "xiaomi_sim"
    for file, sheet in (("orders_online_mall.csv", None), ("orders_offline_stores.csv", None),
                        ("orders_carrier_contract.xlsx", "合约机订单"), ("customers.csv", None)):
        table, _ = read_raw(raw / file, sheet=sheet)
        assert detect_layout(table.frame.columns) is None, file
    assert detect_layout(["customer_id", "date", "number_of_cds", "dollar_value"]) is None  # CDNOW
    # a generic file sharing some of a layout's names is read by the aliases, as before
    path = tmp_path / "orders.csv"
    path.write_text("InvoiceNo,CustomerID,InvoiceDate,amount\nA1,00042,2013-04-09,19.99\n", encoding="utf-8")
    df = read_transactions(path)
    assert df.attrs["provenance"]["columns"] == {"customer_id": "CustomerID", "order_id": "InvoiceNo",
                                                 "timestamp": "InvoiceDate", "amount": "amount"}
    assert not any(n.startswith("recognised") for n in df.attrs["provenance"]["notes"])


def test_an_explicit_column_map_wins_over_the_layout_and_says_so():
    path = SAMPLES / "Online Retail.xlsx"
    df = read_transactions(path, columns={"customer_id": "CustomerID", "timestamp": "InvoiceDate",
                                          "amount": "UnitPrice", "order_id": "InvoiceNo"})
    assert df["amount"].iloc[0] == "2.55"  # the unit price, as asked
    assert any("column map given was used instead" in n and "uci_online_retail" in n
               for n in df.attrs["provenance"]["notes"])


# --------------------------------------------------------------------------- UCI Online Retail


def test_a_line_with_a_lost_field_is_quarantined_as_malformed_not_as_a_bad_date():
    path = SAMPLES / "online_retail.csv"
    line = path.read_text(encoding="iso-8859-1").splitlines()[28]
    assert len(next(csv.reader([line]))) == 7  # the sample's line 28 lost its Description
    df = read_transactions(path)
    clean, quarantine = clean_transactions(df)
    row = quarantine.set_index("source_row").loc[28]
    assert (row["reason"], row["detail"]) == ("malformed_line", "7 fields where the header has 8")
    assert "malformed_line" not in quarantine.columns and "malformed_line" not in clean.columns
    # its fields slid one column left: unmarked, it would have passed for a bad date of customer "United Kingdom"
    assert (row["timestamp"], row["customer_id"]) == ("2.95", "United Kingdom")
    _, unmarked = clean_transactions(df.drop(columns="malformed_line"))
    assert unmarked.set_index("source_row").loc[28, "reason"] == "unparseable_date"


def test_uci_amounts_are_exact_products_and_ids_agree_between_csv_and_workbook():
    csv_df = read_transactions(SAMPLES / "online_retail.csv")
    xlsx_df = read_transactions(SAMPLES / "Online Retail.xlsx")
    raw = raw_frame(SAMPLES / "Online Retail.xlsx")
    products = [Decimal(str(q)) * Decimal(str(p)) for q, p in zip(raw["Quantity"], raw["UnitPrice"])]
    assert [Decimal(a) for a in xlsx_df["amount"]] == products and xlsx_df["amount"].iloc[0] == "15.30"
    sound = csv_df["malformed_line"].isna()
    for column in ("customer_id", "order_id", "timestamp", "amount", "product", "status"):
        assert csv_df.loc[sound, column].tolist() == xlsx_df.loc[sound, column].tolist(), column
    assert xlsx_df["customer_id"].iloc[0] == "17850" and raw["CustomerID"].iloc[0] == 17850.0
    cancelled = xlsx_df["order_id"].str.startswith("C")
    assert (xlsx_df.loc[cancelled, "status"] == "returned").all() and (xlsx_df.loc[~cancelled, "status"] ==
                                                                      "completed").all()
    assert csv_df.loc[csv_df["order_id"] == "581587", "timestamp"].iloc[0] == "2011-12-09 12:50:00"  # month first


def test_rows_around_a_malformed_line_read_as_pandas_reads_them(tmp_path):
    """The lines of a file with a malformed line are split by the csv module; every sound line must come out
    exactly as the pandas reader gives it for the file without that line (quotes, blank lines, spaces)."""
    good = ('\ufeffcustomer_id,date,amount,note\n00042,2013-04-09,"1,999.00", quoted "inner"\n\n'
            '  00043 ,2013-04-10,5,"two\nlines"\n   \n00044,2013-04-11,,\n')
    bad = good.replace("00044,", "00045,2013-04-11\n00044,")
    (tmp_path / "good.csv").write_text(good, encoding="utf-8")
    (tmp_path / "bad.csv").write_text(bad, encoding="utf-8")
    expected, _ = read_raw(tmp_path / "good.csv")  # every line sound: pandas reads it
    got, prov = read_raw(tmp_path / "bad.csv", malformed="mark")
    assert got.malformed == {2: "2 fields where the header has 4"}
    pd.testing.assert_frame_equal(got.frame.drop(index=2).reset_index(drop=True), expected.frame)
    assert any("1 malformed line(s)" in n for n in prov.notes)
    with pytest.raises(DataError, match="row 3.*2 fields where the header has 4"):
        read_raw(tmp_path / "bad.csv")
    # empty fields beyond the header's last column hold nothing: dropped, with a note
    (tmp_path / "trailing.csv").write_text("customer_id,date,amount\nC1,2013-04-09,5,,\nC2,2013-04-10,6\n",
                                           encoding="utf-8")
    df = read_transactions(tmp_path / "trailing.csv")
    assert df["amount"].tolist() == ["5", "6"] and "malformed_line" not in df.columns
    assert any("ended in empty fields beyond" in n for n in df.attrs["provenance"]["notes"])


# --------------------------------------------------------------------------- Online Retail II: the whole workbook


def test_a_workbook_whose_sheets_share_a_header_is_read_whole_every_row_accounted():
    path = SAMPLES / "online_retail_II.xlsx"
    book = openpyxl.load_workbook(path, read_only=True)
    sheet_rows = {ws.title: ws.max_row - 1 for ws in book.worksheets}
    assert list(sheet_rows) == ["Year 2009-2010", "Year 2010-2011"]
    df = read_transactions(path)
    assert len(df) == sum(sheet_rows.values())
    assert dict(Counter(df["source_file"])) == {f"{path.name}#{s}": n for s, n in sheet_rows.items()}
    for sheet, n in sheet_rows.items():
        assert df.loc[df["source_file"] == f"{path.name}#{sheet}", "source_row"].tolist() == list(range(1, n + 1))
    prov = df.attrs["provenance"]
    assert prov["sheet"] == "Year 2009-2010, Year 2010-2011" and prov["rows"] == len(df)
    assert any("'Year 2009-2010': 11 rows" in n and "'Year 2010-2011': 8 rows" in n for n in prov["notes"])
    clean, quarantine = clean_transactions(df)
    check_accounting(df, clean, quarantine)
    # the December-2010 lines that both sheets hold are counted once
    dup = quarantine[quarantine["reason"] == "duplicate"]
    assert set(dup["source_file"]) == {f"{path.name}#Year 2010-2011"} and len(dup) == 3
    assert set(clean.loc[clean["order_id"].isin(["536365", "536367"]), "source_file"]) == {
        f"{path.name}#Year 2009-2010"}


def test_sheet_reads_one_sheet_as_before():
    path = SAMPLES / "online_retail_II.xlsx"
    df = read_transactions(path, sheet="Year 2010-2011")
    assert len(df) == 8 and set(df["source_file"]) == {path.name}
    assert df.attrs["provenance"]["sheet"] == "Year 2010-2011"


def test_sheets_with_different_headers_are_refused_naming_them(tmp_path):
    path = tmp_path / "book.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "orders"
    wb.active.append(["customer_id", "date", "amount"])
    wb.active.append(["C1", "2013-04-09", 5])
    wb.create_sheet("Sheet2")  # empty: skipped
    notes = wb.create_sheet("说明 README")
    notes.append(["这是说明"])
    wb.save(path)
    with pytest.raises(DataError) as info:
        read_transactions(path)
    message = str(info.value)
    assert "book.xlsx" in message and "'orders'" in message and "'说明 README'" in message and "sheet=" in message
    df = read_transactions(path, sheet="orders")
    assert df["customer_id"].tolist() == ["C1"]
    del wb["说明 README"]
    wb.save(path)
    df = read_transactions(path)
    assert df["customer_id"].tolist() == ["C1"] and set(df["source_file"]) == {"book.xlsx"}
    assert any("empty sheet(s) skipped: 'Sheet2'" in n for n in df.attrs["provenance"]["notes"])


# --------------------------------------------------------------------------- Taobao


def test_taobao_ids_keep_their_digits_and_times_follow_payment():
    path = SAMPLES / "ExportOrderList202311121030.csv"
    raw = raw_frame(path)
    assert raw["订单编号"].str.match(r'^="\d{19}"$').all()  # Excel-protected in the file
    df = read_transactions(path, key=TEST_KEY)
    assert df.attrs["provenance"]["encoding"] == "gb18030"
    assert df["order_id"].tolist() == raw["订单编号"].str[2:-1].tolist()
    paid = raw["订单付款时间"] != ""
    assert df["timestamp"].tolist() == raw["订单付款时间"].where(paid, raw["订单创建时间"]).tolist()
    assert df["amount"].tolist() == raw["买家实际支付金额"].tolist()
    assert df["customer_id"].tolist() == [pseudonym(b, "name", TEST_KEY) for b in raw["买家会员名"]]
    assert normalise_status(df["status"]).value_counts().to_dict() == {"completed": 9, "cancelled": 2, "unpaid": 2}


# --------------------------------------------------------------------------- Shopify


def shopify_rows() -> list[list[str]]:
    return list(csv.reader(io.StringIO((SAMPLES / "orders_export_1.csv").read_text(encoding="utf-8"))))


def write_rows(path: Path, rows: list[list[str]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def test_shopify_counts_each_order_total_once_and_nets_refunds():
    rows = shopify_rows()
    header, data = rows[0], rows[1:]
    col = {name: j for j, name in enumerate(header)}
    df = read_transactions(SAMPLES / "orders_export_1.csv", key=TEST_KEY)
    orders = df[~df["source_file"].str.endswith("#Refunded Amount")]
    assert orders["order_id"].tolist() == list(dict.fromkeys(r[col["Name"]] for r in data))  # one row per order
    # #1010 has two line items; its Total (54.50) is written once and counted once
    items = [r for r in data if r[col["Name"]] == "#1010"]
    assert len(items) == 2 and [r[col["Total"]] for r in items] == ["54.50", ""]
    o1010 = orders.set_index("order_id").loc["#1010"]
    assert (o1010["amount"], o1010["quantity"], o1010["timestamp"]) == ("54.50", "3", "2024-03-05 10:31:25")
    assert o1010["product"] == "Linen Shirt - M | Ceramic Mug"
    clean, quarantine = clean_transactions(df)
    kept = clean.set_index("order_id")
    assert kept.loc["#1009", "amount"] == pytest.approx(100.0) and kept.loc["#1009", "returned_amount"] == 20.0
    reasons = dict(zip(quarantine["order_id"] + "/" + quarantine["source_file"], quarantine["reason"]))
    assert reasons["#1008/orders_export_1.csv"] == "fully_returned"
    assert reasons["#1008/orders_export_1.csv#Refunded Amount"] == "return_netted"
    assert {o: reasons[o + "/orders_export_1.csv"] for o in ("#1011", "#1007", "#1006", "#1005", "#1004")} == {
        "#1011": "not_paid", "#1007": "not_paid", "#1006": "not_paid", "#1005": "cancelled", "#1004": "cancelled"}
    assert not any(re.search(r"@", str(v)) for v in df.astype(str).to_numpy().ravel())


def test_shopify_order_with_two_different_totals_or_two_currencies_is_refused(tmp_path):
    rows = shopify_rows()
    col = {name: j for j, name in enumerate(rows[0])}
    second = next(i for i, r in enumerate(rows) if r[col["Name"]] == "#1010" and not r[col["Total"]])
    bad = [list(r) for r in rows]
    bad[second][col["Total"]] = "99.00"
    with pytest.raises(DataError, match=r"#1010 has 2 different Totals"):
        read_transactions(write_rows(tmp_path / "totals.csv", bad))
    mixed = [list(r) for r in rows]
    mixed[1][col["Currency"]] = "EUR"
    with pytest.raises(DataError, match=r"currencies \(EUR, USD\)"):
        read_transactions(write_rows(tmp_path / "currencies.csv", mixed))


# --------------------------------------------------------------------------- cleaning rules the layouts need


def canon(rows: list[tuple]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["customer_id", "order_id", "timestamp", "amount", "product", "status"]).astype(
        "string")
    df["source_file"] = pd.Series(["orders.csv"] * len(df), dtype="string")
    df["source_row"] = np.arange(1, len(df) + 1, dtype="int64")
    return df


def test_a_cancellation_order_nets_against_the_latest_earlier_sales_of_its_product():
    df = canon([
        ("C1", "X0", "2011-01-01 09:00", "-10", "P", "returned"),   # before any sale of P: unmatched
        ("C1", "O1", "2011-01-02 09:00", "50", "P", "completed"),
        ("C1", "O2", "2011-01-03 09:00", "30", "P", "completed"),
        ("C1", "O2", "2011-01-03 09:00", "7", "Q", "completed"),
        ("C1", "X1", "2011-01-04 09:00", "-40", "P", "returned"),   # takes 30 from O2, then 10 from O1
        ("C2", "X2", "2011-01-04 09:00", "-5", "P", "returned"),    # another customer's: unmatched
        ("C1", "O3", "2011-01-05 09:00", "20", "P", "completed"),   # later sale: untouched
        ("C1", "X3", "2011-01-06 09:00", "-100", "P", "returned"),  # more than is left: netted, excess said
    ])
    clean, quarantine = clean_transactions(df)
    check_accounting(df, clean, quarantine)
    reasons = quarantine.set_index("source_row")
    assert reasons.loc[1, "reason"] == "return_unmatched" and reasons.loc[6, "reason"] == "return_unmatched"
    assert (reasons.loc[5, "reason"], reasons.loc[5, "detail"]) == ("return_netted", "X1 → O2, O1")
    assert reasons.loc[3, "reason"] == "fully_returned"
    assert reasons.loc[8, "detail"] == "X3 → O3, O1 (returned more than sold by 40.0)"
    assert reasons.loc[[2, 7], "reason"].tolist() == ["fully_returned", "fully_returned"]
    assert clean["source_row"].tolist() == [4] and clean["amount"].tolist() == [7.0]
    # kept as negative lines when asked
    clean_neg, q_neg = clean_transactions(df, returns="negative")
    assert q_neg.empty and (clean_neg["amount"] < 0).sum() == 4


def test_a_return_in_an_order_with_sales_is_still_netted_within_that_order():
    df = canon([("C1", "O1", "2011-01-02 09:00", "50", "P", "completed"),
                ("C1", "O2", "2011-01-03 09:00", "30", "P", "completed"),
                ("C1", "O2", "2011-01-04 09:00", "-40", "P", "returned")])  # O2 has a sale: nets within O2 only
    clean, quarantine = clean_transactions(df)
    assert quarantine.set_index("source_row")["reason"].to_dict() == {2: "fully_returned", 3: "return_netted"}
    assert quarantine.set_index("source_row").loc[3, "detail"] == "O2 (returned more than sold by 10.0)"
    assert clean["amount"].tolist() == [50.0]


def test_unpaid_orders_are_quarantined_as_not_paid(tmp_path):
    assert {"等待买家付款", "pending", "authorized", "expired"} <= STATUS_VALUES["unpaid"]
    statuses = pd.Series(["等待买家付款", "买家已付款，等待卖家发货", "卖家已发货，等待买家确认", "PENDING", "交易关闭"])
    assert normalise_status(statuses).tolist() == ["unpaid", "completed", "completed", "unpaid", "cancelled"]
    path = tmp_path / "orders.csv"
    path.write_text("订单号,客户ID,下单时间,实付金额,订单状态\nA1,1,2013-04-09,10,等待买家付款\nA2,1,2013-04-09,20,交易成功\n"
                    "A3,1,2013-04-09,30,交易关闭\n", encoding="gb18030")
    df = read_transactions(path)
    clean, quarantine = clean_transactions(df)
    assert dict(zip(quarantine["source_row"], quarantine["reason"])) == {1: "not_paid", 3: "cancelled"}
    assert quarantine.set_index("source_row").loc[1, "detail"] == "等待买家付款"
    assert clean["amount"].tolist() == [20.0]


def test_readme_lists_every_layout():
    readme = (paths.PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Exports the workbook reads as they come", 1)[1].split("\n## ", 1)[0]
    for name in LAYOUTS:
        assert f"`{name}`" in section, f"README table: add a row for layout {name!r}"
