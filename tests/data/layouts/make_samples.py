"""Write the small sample exports in this folder (test fixtures) and ``expected.json``, what reading them must give.

Each sample is written the way its system exports (header spelling and order, date format, encoding,
quoting, Excel cell types), from the made-up orders below; ``expected.json`` is worked out from the same
orders by the plain rules each export documents (an oracle written here, not by the package): per
sample, the canonical rows in, the quarantined rows with their reasons (``"<source_file>|<source_row>"``),
the kept rows, the exact net spend per customer (raw customer key; the test pseudonymises it where the
layout does) and the first and last kept timestamps. ``tests/test_layouts.py`` reads every sample with
``read_transactions(path)`` alone and checks it against this file. Run from the project root:
``.venv/bin/python tests/data/layouts/make_samples.py``.

- ``online_retail.csv`` and ``Online Retail.xlsx``: UCI "Online Retail" (the CSV copy: month-first dates,
  one line with a lost field; the workbook: Excel cells, CustomerID a float);
- ``online_retail_II.xlsx``: UCI "Online Retail II", one sheet per year, overlapping in December 2010;
- ``ExportOrderList202311121030.csv``: a Taobao seller order report (GB18030, CRLF, ``="…"`` ids);
- ``orders_export_1.csv``: a Shopify orders export (one row per line item, newest order first).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
D = Decimal

# ----------------------------------------------------------------------------------------------- UCI retail

# (invoice, date M/D/YYYY H:MM, customer or None, country, [(stock code, description, quantity, unit price)])
UCI_INVOICES = [
    ("536365", "12/1/2010 8:26", "17850", "United Kingdom", [
        ("85123A", "WHITE HANGING HEART T-LIGHT HOLDER", 6, "2.55"), ("71053", "WHITE METAL LANTERN", 6, "3.39"),
        ("84406B", "CREAM CUPID HEARTS COAT HANGER", 8, "2.75"),
        ("84029G", "KNITTED UNION FLAG HOT WATER BOTTLE", 6, "3.39"),
        ("84029E", "RED WOOLLY HOTTIE WHITE HEART.", 6, "3.39"), ("22752", "SET 7 BABUSHKA NESTING BOXES", 2, "7.65"),
        ("21730", "GLASS STAR FROSTED T-LIGHT HOLDER", 6, "4.25")]),
    ("536366", "12/1/2010 8:28", "17850", "United Kingdom", [
        ("22633", "HAND WARMER UNION JACK", 6, "1.85"), ("22632", "HAND WARMER RED POLKA DOT", 6, "1.85")]),
    ("536367", "12/1/2010 8:34", "13047", "United Kingdom", [
        ("84879", "ASSORTED COLOUR BIRD ORNAMENT", 32, "1.69"), ("22745", "POPPY'S PLAYHOUSE BEDROOM", 6, "2.1"),
        ("22748", "POPPY'S PLAYHOUSE KITCHEN", 6, "2.1")]),
    ("536370", "12/1/2010 8:45", "12583", "France", [
        ("22728", "ALARM CLOCK BAKELIKE PINK", 24, "3.75"), ("22727", "ALARM CLOCK BAKELIKE RED", 24, "3.75"),
        ("POST", "POSTAGE", 3, "18")]),
    ("C536379", "12/1/2010 9:41", "14527", "United Kingdom", [("D", "Discount", -1, "27.5")]),
    ("536381", "12/1/2010 9:41", "15311", "United Kingdom", [
        ("35004C", "SET OF 3 COLOURED  FLYING DUCKS", 2, "4.65"), ("22139", "RETROSPOT TEA SET CERAMIC 11 PC", 3, "4.95")]),
    ("C536383", "12/1/2010 9:49", "15311", "United Kingdom", [("35004C", "SET OF 3 COLOURED  FLYING DUCKS", -1, "4.65")]),
    ("536390", "12/1/2010 10:19", "17511", "United Kingdom", [
        ("22941", "CHRISTMAS LIGHTS 10 REINDEER", 2, "8.5"), ("21786", "POLKADOT RAIN HAT", 12, "0.42")]),
    ("C536391", "12/1/2010 10:24", "17511", "United Kingdom", [("22941", "CHRISTMAS LIGHTS 10 REINDEER", -2, "8.5")]),
    ("536409", "12/1/2010 11:45", "17908", "United Kingdom", [
        ("21866", "UNION JACK FLAG LUGGAGE TAG", 1, "1.25"), ("21866", "UNION JACK FLAG LUGGAGE TAG", 1, "1.25"),
        ("22866", "HAND WARMER SCOTTY DOG DESIGN", 1, "2.1"), ("22900", "SET 2 TEA TOWELS I LOVE LONDON", 1, "2.95"),
        ("22111", "SCOTTIE DOG HOT WATER BOTTLE, SMALL", 1, "4.95")]),
    ("536412", "12/1/2010 11:49", "17920", "United Kingdom", [
        ("22327", "ROUND SNACK BOXES SET OF 4 SKULLS", 2, "2.95"), ("21448", "ASSORTED BOTTLE TOP  MAGNETS", 12, "0.42")]),
    ("536540", "12/1/2010 14:05", "13047", "United Kingdom", [("84879", "ASSORTED COLOUR BIRD ORNAMENT", 24, "1.69")]),
    ("536544", "12/1/2010 14:32", None, "United Kingdom", [
        ("21773", "DECORATIVE ROSE BATHROOM BOTTLE", 1, "2.51"), ("21774", "DECORATIVE CATS BATHROOM BOTTLE", 2, "2.51")]),
    ("C536548", "12/1/2010 14:33", "13047", "Germany", [("84879", "ASSORTED COLOUR BIRD ORNAMENT", -12, "1.69")]),
    ("C556000", "6/1/2011 10:00", "17850", "United Kingdom", [("23084", "RABBIT NIGHT LIGHT", -1, "2.08")]),
    ("A563185", "8/12/2011 14:50", None, "United Kingdom", [("B", "Adjust bad debt", 1, "11062.06")]),
    ("573585", "10/31/2011 14:41", None, "United Kingdom", [("23084", "RABBIT NIGHT LIGHT", 2, "4.13")]),
    ("575000", "11/8/2011 12:00", "12583", "France", [("POST", "POSTAGE", 1, "18")]),
    ("580000", "12/5/2011 9:00", "17850", "United Kingdom", [("23084", "RABBIT NIGHT LIGHT", 4, "2.08")]),
    ("C581000", "12/8/2011 10:00", "12583", "France", [("POST", "POSTAGE", -4, "18")]),
    ("581587", "12/9/2011 12:50", "12680", "France", [
        ("22899", "CHILDREN'S APRON DOLLY GIRL", 6, "2.1"), ("23254", "CHILDRENS CUTLERY DOLLY GIRL", 4, "4.15")]),
]
#: The CSV copy lost a field on this line (the Description): 7 fields where the header has 8.
UCI_MALFORMED = ("536412", "22327")
UCI_HEADER = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"]


def uci_lines(invoices):
    """One dict per invoice line, in file order."""
    return [{"invoice": inv, "date": date, "customer": cust, "country": country, "stock": stock, "desc": desc,
             "qty": qty, "price": price}
            for inv, date, cust, country, items in invoices for stock, desc, qty, price in items]


def uci_time(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%m/%d/%Y %H:%M")


def uci_oracle(lines, sources, malformed=()):
    """The documented outcome of UCI retail lines: malformed, duplicate, guest, cancellations netted against
    the customer's latest earlier purchase of the same stock code; net spend per customer."""
    fate, left, seen = {}, {}, set()
    for i, ln in enumerate(lines):
        same = (ln["invoice"], ln["stock"], ln["desc"], ln["qty"], ln["date"], ln["price"], ln["customer"])
        if i in malformed:
            fate[i] = "malformed_line"
        elif same in seen:
            fate[i] = "duplicate"
        elif ln["customer"] is None:
            fate[i] = "missing_customer"
        seen.add(same)
        if i not in fate and not ln["invoice"].startswith("C"):
            left[i] = D(ln["qty"]) * D(ln["price"])
    netted = set()
    cancels = sorted((i for i, ln in enumerate(lines) if i not in fate and ln["invoice"].startswith("C")),
                     key=lambda i: (uci_time(lines[i]["date"]), i))
    for r in cancels:
        ln = lines[r]
        earlier = [i for i in left if lines[i]["customer"] == ln["customer"] and lines[i]["stock"] == ln["stock"]
                   and uci_time(lines[i]["date"]) <= uci_time(ln["date"])]
        if not earlier:
            fate[r] = "return_unmatched"
            continue
        fate[r] = "return_netted"
        owed = -D(ln["qty"]) * D(ln["price"])
        for i in sorted(earlier, key=lambda i: (uci_time(lines[i]["date"]), i), reverse=True):
            take = min(owed, left[i])
            left[i] -= take
            owed -= take
            netted.add(i)
    totals = defaultdict(D)
    kept_times = []
    for i, amount in left.items():
        if i in netted and amount <= 0:
            fate[i] = "fully_returned"
            continue
        totals[lines[i]["customer"]] += amount
        kept_times.append(uci_time(lines[i]["date"]))
    return expected_entry(lines, fate, totals, kept_times, sources)


def expected_entry(lines, fate, totals, kept_times, sources, kind=None):
    return {
        "rows_in": len(lines),
        "kept": len(lines) - len(fate),
        "quarantined": {f"{sources[i][0]}|{sources[i][1]}": reason for i, reason in sorted(fate.items())},
        "rows_by_source": dict(Counter(src for src, _ in sources)),
        "totals": {str(k): str(v) for k, v in sorted(totals.items())},
        "customer_kind": kind,
        "first": min(kept_times).isoformat(sep=" "), "last": max(kept_times).isoformat(sep=" "),
    }


def csv_field(value) -> str:
    text = "" if value is None else str(value)
    return f'"{text}"' if ("," in text or '"' in text) else text


def write_uci_csv(path: Path, lines) -> dict:
    """The CSV copy as circulated (ISO-8859-1, month-first dates, minimal quoting, CustomerID as text)."""
    out = [",".join(UCI_HEADER)]
    malformed = set()
    for i, ln in enumerate(lines):
        fields = [ln["invoice"], ln["stock"], ln["desc"], ln["qty"], ln["date"], ln["price"], ln["customer"],
                  ln["country"]]
        if (ln["invoice"], ln["stock"]) == UCI_MALFORMED:
            del fields[2]  # the Description went missing with its delimiter
            malformed.add(i)
        out.append(",".join(csv_field(f) for f in fields))
    path.write_bytes(("\n".join(out) + "\n").encode("iso-8859-1"))
    return uci_oracle(lines, [(path.name, i + 1) for i in range(len(lines))], malformed)


def excel_cell_code(text: str):
    """Excel holds an all-digit code as a number (22752), any other as text (85123A)."""
    return int(text) if text.isdigit() else text


def write_uci_sheet(ws, header, lines) -> None:
    ws.append(header)
    for ln in lines:
        ws.append([excel_cell_code(ln["invoice"]), excel_cell_code(ln["stock"]), ln["desc"], ln["qty"],
                   uci_time(ln["date"]), float(ln["price"]), None if ln["customer"] is None else float(ln["customer"]),
                   ln["country"]])
        ws.cell(ws.max_row, 5).number_format = "m/d/yyyy h:mm"


def write_uci_xlsx(path: Path, lines) -> dict:
    """The workbook as published (one sheet 'Online Retail'; numbers, dates and a float CustomerID as cells)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Online Retail"
    write_uci_sheet(ws, UCI_HEADER, lines)
    save_workbook(wb, path)
    return uci_oracle(lines, [(path.name, i + 1) for i in range(len(lines))])


def save_workbook(wb, path: Path) -> None:
    """Save with fixed document and archive times, so that running this script twice writes the same bytes
    (openpyxl stamps the save time into docProps/core.xml and the zip entries)."""
    wb.properties.created = dt.datetime(2024, 1, 1)
    buffer = io.BytesIO()
    wb.save(buffer)
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2024-01-01T00:00:00Z", data)
            out.writestr(zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0)), data,
                         compress_type=zipfile.ZIP_DEFLATED)


# ----------------------------------------------------------------------------------------- Online Retail II

II_HEADER = ["Invoice", "StockCode", "Description", "Quantity", "InvoiceDate", "Price", "Customer ID", "Country"]
_OVERLAP = [
    ("536365", "12/1/2010 8:26", "17850", "United Kingdom", [
        ("85123A", "WHITE HANGING HEART T-LIGHT HOLDER", 6, "2.55"), ("71053", "WHITE METAL LANTERN", 6, "3.39")]),
    ("536367", "12/1/2010 8:34", "13047", "United Kingdom", [("84879", "ASSORTED COLOUR BIRD ORNAMENT", 32, "1.69")]),
]
II_SHEETS = {
    "Year 2009-2010": [
        ("489434", "12/1/2009 7:45", "13085", "United Kingdom", [
            ("85048", "15CM CHRISTMAS GLASS BALL 20 LIGHTS", 12, "6.95"), ("79323P", "PINK CHERRY LIGHTS", 12, "6.75"),
            ("22041", 'RECORD FRAME 7" SINGLE SIZE', 48, "2.1")]),
        ("489435", "12/1/2009 7:46", "13085", "United Kingdom", [("22350", "CAT BOWL", 12, "2.55")]),
        ("C489449", "12/1/2009 10:33", "16321", "Australia", [("22087", "PAPER BUNTING WHITE LACE", -12, "2.95")]),
        ("489450", "12/1/2009 10:35", None, "United Kingdom", [("22086", "PAPER CHAIN KIT 50'S CHRISTMAS", 4, "2.95")]),
        ("490000", "12/3/2009 11:00", "16321", "Australia", [("22087", "PAPER BUNTING WHITE LACE", 24, "2.95")]),
        ("C490100", "12/4/2009 9:00", "16321", "Australia", [("22087", "PAPER BUNTING WHITE LACE", -6, "2.95")]),
        *_OVERLAP,
    ],
    "Year 2010-2011": [
        *_OVERLAP,
        ("C536391", "12/1/2010 10:24", "17548", "United Kingdom", [("22556", "PLASTERS IN TIN CIRCUS PARADE", -12, "1.65")]),
        ("575000", "11/8/2011 12:00", "13085", "United Kingdom", [("85048", "15CM CHRISTMAS GLASS BALL 20 LIGHTS", 12, "6.95")]),
        ("C575100", "11/10/2011 10:00", "13085", "United Kingdom", [
            ("85048", "15CM CHRISTMAS GLASS BALL 20 LIGHTS", -12, "6.95")]),
        ("581587", "12/9/2011 12:50", "12680", "France", [
            ("22899", "CHILDREN'S APRON DOLLY GIRL", 6, "2.1"), ("23254", "CHILDRENS CUTLERY DOLLY GIRL", 4, "4.15")]),
    ],
}


def write_online_retail_ii(path: Path) -> dict:
    """The workbook as distributed: one sheet per year with the same header."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    lines, sources = [], []
    for sheet, invoices in II_SHEETS.items():
        sheet_lines = uci_lines(invoices)
        write_uci_sheet(wb.create_sheet(sheet), II_HEADER, sheet_lines)
        lines += sheet_lines
        sources += [(f"{path.name}#{sheet}", i + 1) for i in range(len(sheet_lines))]
    save_workbook(wb, path)
    return uci_oracle(lines, sources)


# ----------------------------------------------------------------------------------------------- Taobao

TAOBAO_HEADER = [
    "订单编号", "买家会员名", "买家支付宝账号", "支付交易号", "买家应付货款", "买家应付邮费", "买家支付积分", "总金额", "返点积分",
    "买家实际支付金额", "买家实际支付积分", "订单状态", "买家留言", "收货人姓名", "收货地址 ", "运送方式", "联系电话 ", "联系手机",
    "订单创建时间", "订单付款时间 ", "宝贝标题 ", "宝贝种类 ", "物流单号 ", "物流公司", "订单备注", "宝贝总数量", "店铺Id", "店铺名称",
    "订单关闭原因", "卖家服务费", "买家服务费", "发票抬头", "是否手机订单", "分阶段订单信息", "特权订金订单id", "是否上传合同照片",
    "是否上传小票", "是否代付", "定金排名", "修改后的sku", "修改后的收货地址", "异常信息", "天猫卡券抵扣", "集分宝抵扣", "是否是O2O交易",
]
# buyer: (alipay account, receiver, address, mobile)
TAOBAO_BUYERS = {
    "tb_小鱼儿2019": ("xiaoyu2019@163.com", "王小鱼", "浙江省 杭州市 西湖区 文三路100号 (310012)", "13812345678"),
    "快乐购物狂": ("13905710001", "陈静", "上海 上海市 浦东新区 张杨路500号 (200120)", "13905710001"),
    "li_lei_88": ("lilei88@qq.com", "李雷", "北京 北京市 海淀区 中关村大街1号 (100080)", "15001234567"),
    "韩梅梅mm": ("hmm@126.com", "韩梅梅", "广东省 广州市 天河区 体育西路 8号 (510620)", "18620001234"),
    "zhangsan_001": ("zhangsan@sina.com", "张三", "四川省 成都市 武侯区 人民南路四段 (610041)", "17708001122"),
}
# order id, buyer, status, payable, paid amount, created, paid at, title, quantity
TAOBAO_ORDERS = [
    ("3591234567890123456", "tb_小鱼儿2019", "交易成功", "150.00", "128.00", "2023-11-11 00:01:12", "2023-11-11 00:01:30",
     "加厚羊羔绒外套女冬季新款", 1),
    ("3591234567890123457", "快乐购物狂", "交易成功", "59.90", "59.90", "2023-11-11 00:03:05", "2023-11-11 00:03:40",
     "家用不锈钢保温杯 500ml", 2),
    ("3591234567890123458", "li_lei_88", "交易关闭", "89.00", "89.00", "2023-11-11 08:20:00", "",
     "无线蓝牙耳机 降噪", 1),
    ("3591234567890123459", "韩梅梅mm", "等待买家付款", "199.00", "199.00", "2023-11-11 09:15:21", "",
     "真丝连衣裙 夏季", 1),
    ("3591234567890123460", "tb_小鱼儿2019", "买家已付款，等待卖家发货", "36.80", "36.80", "2023-11-11 10:02:44",
     "2023-11-11 10:03:01", "手机壳 适用 iPhone 15", 2),
    ("3591234567890123461", "zhangsan_001", "卖家已发货，等待买家确认", "268.00", "268.00", "2023-11-11 11:11:11",
     "2023-11-11 11:12:09", "机械键盘 青轴 104键", 1),
    ("3591234567890123462", "快乐购物狂", "交易成功", "1299.00", "1249.00", "2023-11-11 12:30:00", "2023-11-11 12:31:15",
     "小米手机 13 8GB+256GB", 1),
    ("3591234567890123463", "快乐购物狂", "交易关闭", "45.00", "45.00", "2023-11-11 13:45:10", "2023-11-11 13:45:30",
     "加湿器 卧室 静音", 1),
    ("3591234567890123464", "li_lei_88", "等待买家付款", "15.50", "15.50", "2023-11-12 08:00:00", "",
     "中性笔 0.5mm 12支装", 3),
    ("3591234567890123465", "li_lei_88", "交易成功", "88.00", "88.00", "2023-11-12 09:30:12", "2023-11-12 09:31:00",
     "运动速干T恤 男", 2),
    ("3591234567890123466", "zhangsan_001", "交易成功", "32.00", "29.90", "2023-11-12 10:10:10", "2023-11-12 10:10:55",
     "抽纸 3层 24包", 1),
    ("3591234567890123467", "韩梅梅mm", "交易成功", "420.00", "399.00", "2023-11-12 20:20:20", "2023-11-12 20:21:05",
     "护肤套装 补水保湿", 1),
    ("3591234567890123468", "tb_小鱼儿2019", "交易成功", "9.90", "9.90", "2023-11-12 21:00:00", "2023-11-12 21:00:30",
     "数据线 Type-C 1米", 1),
]
TAOBAO_PURCHASE = {"交易成功", "买家已付款，等待卖家发货", "卖家已发货，等待买家确认"}
TAOBAO_REASON = {"交易关闭": "cancelled", "等待买家付款": "not_paid"}


def write_taobao(path: Path) -> dict:
    """The seller order report: GB18030, CRLF, every field unquoted unless it holds a comma, long ids as ="…"."""
    out = [",".join(TAOBAO_HEADER)]
    fate, totals, kept_times = {}, defaultdict(D), []
    for i, (oid, buyer, status, payable, paid, created, paid_at, title, qty) in enumerate(TAOBAO_ORDERS):
        alipay, receiver, address, mobile = TAOBAO_BUYERS[buyer]
        shipped = status in ("交易成功", "卖家已发货，等待买家确认")
        row = {
            "订单编号": f'="{oid}"', "买家会员名": buyer, "买家支付宝账号": alipay,
            "支付交易号": f'="2023111122001{i:015d}"' if paid_at else "", "买家应付货款": payable, "买家应付邮费": "0.00",
            "买家支付积分": "0", "总金额": payable, "返点积分": "0", "买家实际支付金额": paid, "买家实际支付积分": "0",
            "订单状态": status, "买家留言": "请尽快发货，电话" + mobile if i == 2 else "", "收货人姓名": receiver,
            "收货地址 ": address, "运送方式": "快递", "联系电话 ": "", "联系手机": "'" + mobile, "订单创建时间": created,
            "订单付款时间 ": paid_at, "宝贝标题 ": title, "宝贝种类 ": "1",
            "物流单号 ": f'="YT{7000000000000 + i}"' if shipped else "", "物流公司": "圆通速递" if shipped else "",
            "订单备注": "", "宝贝总数量": str(qty), "店铺Id": "12345678", "店铺名称": "示例小店",
            "订单关闭原因": ("买家未付款" if not paid_at else "退款") if status == "交易关闭" else "订单未关闭",
            "卖家服务费": "0", "买家服务费": "0", "发票抬头": "", "是否手机订单": "手机订单", "分阶段订单信息": "",
            "特权订金订单id": "", "是否上传合同照片": "否", "是否上传小票": "否", "是否代付": "否", "定金排名": "",
            "修改后的sku": "", "修改后的收货地址": "", "异常信息": "", "天猫卡券抵扣": "", "集分宝抵扣": "", "是否是O2O交易": "",
        }
        out.append(",".join(csv_field(row[h]) if not row[h].startswith('="') else row[h] for h in TAOBAO_HEADER))
        if status in TAOBAO_PURCHASE:
            totals[buyer] += D(paid)
            kept_times.append(dt.datetime.fromisoformat(paid_at or created))
        else:
            fate[i] = TAOBAO_REASON[status]
    path.write_bytes(("\r\n".join(out) + "\r\n").encode("gb18030"))
    sources = [(path.name, i + 1) for i in range(len(TAOBAO_ORDERS))]
    return expected_entry(TAOBAO_ORDERS, fate, totals, kept_times, sources, kind="name")


# ----------------------------------------------------------------------------------------------- Shopify

SHOPIFY_HEADER = [
    "Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at", "Accepts Marketing",
    "Currency", "Subtotal", "Shipping", "Taxes", "Total", "Discount Code", "Discount Amount", "Shipping Method",
    "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem compare at price", "Lineitem sku",
    "Lineitem requires shipping", "Lineitem taxable", "Lineitem fulfillment status", "Billing Name", "Billing Street",
    "Billing Address1", "Billing Address2", "Billing Company", "Billing City", "Billing Zip", "Billing Province",
    "Billing Country", "Billing Phone", "Shipping Name", "Shipping Street", "Shipping Address1", "Shipping Address2",
    "Shipping Company", "Shipping City", "Shipping Zip", "Shipping Province", "Shipping Country", "Shipping Phone",
    "Notes", "Note Attributes", "Cancelled at", "Payment Method", "Payment Reference", "Refunded Amount", "Vendor",
    "Outstanding Balance", "Employee", "Location", "Device ID", "Id", "Tags", "Risk Level", "Source",
    "Lineitem discount", "Tax 1 Name", "Tax 1 Value", "Tax 2 Name", "Tax 2 Value", "Tax 3 Name", "Tax 3 Value",
    "Tax 4 Name", "Tax 4 Value", "Tax 5 Name", "Tax 5 Value", "Phone", "Receipt Number", "Duties",
    "Billing Province Name", "Shipping Province Name", "Payment ID", "Payment Terms Name", "Next Payment Due At",
    "Payment References",
]
# name, email, financial status, created, paid at, cancelled at, subtotal, shipping, taxes, total, discount,
# refunded, [(quantity, name, price, sku)], (billing name, street, city, zip, province, phone)
SHOPIFY_ORDERS = [
    ("#1011", "erin@example.com", "expired", "2024-03-06 18:02:11 -0500", "", "", "30.00", "5.00", "2.80", "37.80",
     "0.00", "", [(1, "Canvas Tote - Natural", "30.00", "TOTE-NAT")],
     ("Erin Walsh", "12 Elm St", "Boston", "02115", "MA", "+1 617-555-0199")),
    ("#1010", "jane@example.com", "paid", "2024-03-05 10:31:22 -0500", "2024-03-05 10:31:25 -0500", "", "45.00", "5.00",
     "4.50", "54.50", "0.00", "", [(1, "Linen Shirt - M", "25.00", "LS-M"), (2, "Ceramic Mug", "10.00", "MUG-01")],
     ("Jane Doe", "1 Main St", "New York", "10001", "NY", "+1 212-555-0101")),
    ("#1009", "Li.Wei@Example.cn", "partially_refunded", "2024-03-04 09:12:40 -0500", "2024-03-04 09:12:44 -0500", "",
     "108.00", "0.00", "12.00", "120.00", "12.00", "20.00",
     [(2, "Wool Socks - Grey", "12.00", "SOCK-G"), (1, "Beanie - Navy", "36.00", "BEAN-N"),
      (3, "Lip Balm", "20.00", "LB-03")],
     ("Wei Li", "88 Pine Ave", "Seattle", "98101", "WA", "+1 206-555-0142")),
    ("#1008", "bob@example.com", "refunded", "2024-03-03 15:40:00 -0500", "2024-03-03 15:40:05 -0500", "", "30.00",
     "5.00", "0.00", "35.00", "0.00", "35.00", [(1, "Leather Wallet", "30.00", "WAL-01")],
     ("Bob Stone", "5 Oak Rd", "Austin", "73301", "TX", "+1 512-555-0110")),
    ("#1007", "jane@example.com", "pending", "2024-03-02 12:00:00 -0500", "", "", "80.00", "0.00", "0.00", "80.00",
     "0.00", "", [(4, "Candle - Fig", "20.00", "CAN-FIG")],
     ("Jane Doe", "1 Main St", "New York", "10001", "NY", "+1 212-555-0101")),
    ("#1006", "carol@example.com", "authorized", "2024-03-01 08:05:09 -0500", "", "", "60.00", "0.00", "0.00", "60.00",
     "0.00", "", [(1, "Desk Lamp", "60.00", "LAMP-1")],
     ("Carol King", "9 Bay St", "Miami", "33101", "FL", "+1 305-555-0177")),
    ("#1005", "dave@example.com", "voided", "2024-02-28 17:30:00 -0500", "", "", "25.00", "5.00", "0.00", "30.00",
     "0.00", "", [(1, "Notebook A5", "25.00", "NB-A5")],
     ("Dave Kim", "3 Hill Ln", "Denver", "80201", "CO", "+1 303-555-0123")),
    ("#1004", "carol@example.com", "refunded", "2024-02-27 11:11:11 -0500", "2024-02-27 11:11:15 -0500",
     "2024-02-27 16:00:00 -0500", "40.00", "0.00", "0.00", "40.00", "0.00", "40.00",
     [(2, "Hand Cream", "20.00", "HC-02")],
     ("Carol King", "9 Bay St", "Miami", "33101", "FL", "+1 305-555-0177")),
    ("#1003", "bob@example.com", "paid", "2024-02-26 14:22:00 -0500", "2024-02-26 14:22:03 -0500", "", "58.00", "6.00",
     "0.00", "64.00", "0.00", "", [(1, "Phone Stand", "18.00", "PS-01"), (2, "USB-C Cable, 2m", "20.00", "USBC-2")],
     ("Bob Stone", "5 Oak Rd", "Austin", "73301", "TX", "+1 512-555-0110")),
    ("#1002", "", "paid", "2024-02-25 10:00:00 -0500", "2024-02-25 10:00:00 -0500", "", "12.00", "0.00", "0.00", "12.00",
     "0.00", "", [(1, "Gift Card Sleeve", "12.00", "GCS")], ("", "", "", "", "", "")),
    ("#1001", "li.wei@example.cn", "paid", "2024-02-24 19:45:30 -0500", "2024-02-24 19:45:33 -0500", "", "90.00", "0.00",
     "0.00", "90.00", "10.00", "", [(1, "Rain Jacket - S", "100.00", "RJ-S")],
     ("Wei Li", "88 Pine Ave", "Seattle", "98101", "WA", "+1 206-555-0142")),
]
SHOPIFY_REASON = {"pending": "not_paid", "authorized": "not_paid", "expired": "not_paid", "voided": "cancelled"}


def write_shopify(path: Path) -> dict:
    """The orders export: UTF-8, one row per line item, order-level fields on the order's first row only."""
    out = [",".join(SHOPIFY_HEADER)]
    fate, totals, kept_times, sources = {}, defaultdict(D), [], []
    n_orders = 0
    for k, (name, email, fin, created, paid_at, cancelled, subtotal, shipping, taxes, total, discount, refunded,
            items, (bname, street, city, zip_, prov, phone)) in enumerate(SHOPIFY_ORDERS):
        first_row = len(out)  # 1-based data row of the order's first line item
        for j, (qty, item, price, sku) in enumerate(items):
            row = dict.fromkeys(SHOPIFY_HEADER, "")
            row.update({"Name": name, "Email": email, "Created at": created, "Lineitem quantity": str(qty),
                        "Lineitem name": item, "Lineitem price": price, "Lineitem compare at price": "",
                        "Lineitem sku": sku, "Lineitem requires shipping": "true", "Lineitem taxable": "true",
                        "Lineitem fulfillment status": "pending", "Vendor": "Example Goods", "Lineitem discount": "0.00"})
            if j == 0:
                row.update({"Financial Status": fin, "Paid at": paid_at, "Fulfillment Status": "unfulfilled",
                            "Accepts Marketing": "no", "Currency": "USD", "Subtotal": subtotal, "Shipping": shipping,
                            "Taxes": taxes, "Total": total, "Discount Code": "WELCOME10" if discount != "0.00" else "",
                            "Discount Amount": discount, "Shipping Method": "Standard" if shipping != "0.00" else "",
                            "Billing Name": bname, "Billing Street": street, "Billing Address1": street,
                            "Billing City": city, "Billing Zip": zip_, "Billing Province": prov,
                            "Billing Country": "US" if bname else "", "Billing Phone": phone, "Shipping Name": bname,
                            "Shipping Street": street, "Shipping Address1": street, "Shipping City": city,
                            "Shipping Zip": zip_, "Shipping Province": prov, "Shipping Country": "US" if bname else "",
                            "Shipping Phone": phone, "Cancelled at": cancelled, "Payment Method": "Shopify Payments",
                            "Refunded Amount": refunded or "0.00", "Outstanding Balance": "0.00",
                            "Id": str(5521234567800 + k), "Risk Level": "Low", "Source": "web",
                            "Tax 1 Name": "NY State Tax 4.5%" if taxes != "0.00" else "",
                            "Tax 1 Value": taxes if taxes != "0.00" else ""})
            out.append(",".join(csv_field(row[h]) for h in SHOPIFY_HEADER))
        n_orders += 1
        sale = len(sources)
        sources.append((path.name, first_row))
        time = dt.datetime.strptime((paid_at or created)[:19], "%Y-%m-%d %H:%M:%S")
        if not email:
            fate[sale] = "missing_customer"
        elif cancelled:
            fate[sale] = "cancelled"
        elif fin in SHOPIFY_REASON:
            fate[sale] = SHOPIFY_REASON[fin]
        else:
            refund = D(refunded or "0") or (D(total) if fin == "refunded" else D(0))
            if refund:
                fate[len(sources)] = "return_netted"
                sources.append((path.name + "#Refunded Amount", first_row))
            net = D(total) - refund
            if net <= 0:
                fate[sale] = "fully_returned"
            else:
                totals[email.lower()] += net
                kept_times.append(time)
    path.write_bytes(("\n".join(out) + "\n").encode("utf-8"))
    entry = expected_entry(sources, fate, totals, kept_times, sources, kind="email")
    entry["file_rows"] = len(out) - 1
    entry["orders"] = n_orders
    return entry


def main() -> None:
    lines = uci_lines(UCI_INVOICES)
    expected = {
        "uci_online_retail": {
            "online_retail.csv": write_uci_csv(HERE / "online_retail.csv", lines),
            "Online Retail.xlsx": write_uci_xlsx(HERE / "Online Retail.xlsx", lines),
        },
        "online_retail_ii": {"online_retail_II.xlsx": write_online_retail_ii(HERE / "online_retail_II.xlsx")},
        "taobao": {"ExportOrderList202311121030.csv": write_taobao(HERE / "ExportOrderList202311121030.csv")},
        "shopify": {"orders_export_1.csv": write_shopify(HERE / "orders_export_1.csv")},
    }
    (HERE / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
