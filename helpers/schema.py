"""The canonical transaction schema and the vocabularies every step shares.

One place for what a transaction line is (:data:`CANONICAL`, :data:`LINEAGE`), which header
names mean which column (:data:`ALIASES`, :func:`resolve_columns`), which status words mean what
(:data:`STATUS_VALUES`), why a row is quarantined (:data:`REASONS`; which of those acquisition marks,
:data:`ACQUISITION_MARKS`), how ids are compared (:func:`clean_cell`, shared with the survey reader;
:func:`strictly_increasing`, the fast check of a table's ids) and what personal data looks like
(:data:`PHONE_PATTERN`, :data:`EMAIL_PATTERN`). Acquisition, cleaning (pandas and DuckDB paths), the large-log
reader and the privacy checks all read these tables, so a new alias, status word or reason is added once.

Part of the bottom layer (``docs/architecture.md``): imports no analysis module.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import i18n
from .errors import DataError

# --------------------------------------------------------------------------- transactions

REQUIRED = ("customer_id", "order_id", "timestamp", "amount")
OPTIONAL = ("quantity", "product", "category", "channel", "status")
CANONICAL = REQUIRED + OPTIONAL
LINEAGE = ("source_file", "source_row")
"""``source_file`` (file name, or path inside a log folder) and ``source_row`` (1-based data row,
header excluded): every kept or quarantined row can be found again in the raw file."""

#: The column in which acquisition marks a malformed raw line (what is wrong with it, e.g. "7 fields where the
#: header has 8"; missing for sound lines). Cleaning quarantines marked lines first, as ``malformed_line``.
MALFORMED = "malformed_line"

#: The sheet part of a workbook's ``source_file`` (``book.xlsx#Year 2010-2011``): the sheets of one workbook are
#: one file for the duplicate rule. A regular expression valid in Python and in DuckDB (RE2); group 1 is the file.
SHEET_SUFFIX = r"(\.(?:xlsx|xlsm|xls))#.*$"

#: Header names recognised without a column map (compared case- and space-insensitively).
ALIASES: dict[str, tuple[str, ...]] = {
    "customer_id": ("customer_id", "customer", "customerid", "cust_id", "client_id", "user_id",
                    "member_id", "客户id", "客户编号", "客户号", "用户id", "会员id", "会员号"),
    "order_id": ("order_id", "orderid", "order_no", "order_number", "transaction_id", "invoice",
                 "invoiceno", "订单号", "订单编号", "单号"),
    "timestamp": ("timestamp", "datetime", "date", "order_date", "order_time", "invoicedate",
                  "下单时间", "订单时间", "日期", "交易时间", "购买时间"),
    "amount": ("amount", "sales", "revenue", "total", "monetary_value", "dollar_value",
               "实付金额", "金额", "订单金额", "销售额", "支付金额"),
    "quantity": ("quantity", "qty", "units", "number_of_cds", "数量", "件数"),
    "product": ("product", "item", "sku", "product_name", "description", "商品", "商品名称", "产品"),
    "category": ("category", "product_category", "品类", "类别", "商品类别"),
    "channel": ("channel", "sales_channel", "渠道", "销售渠道"),
    "status": ("status", "order_status", "state", "订单状态", "状态"),
}


#: Header names of a *unit* price (compared as :data:`ALIASES`). Never a line's amount by itself: a file with a
#: unit price and a quantity but no amount column gets amount = unit price × quantity
#: (:func:`amount_from_unit_price`); with no quantity it is refused (:func:`resolve_columns`).
UNIT_PRICE_ALIASES: tuple[str, ...] = ("price", "unit_price", "unitprice", "price_each", "item_price",
                                       "单价", "商品单价", "成交单价", "销售单价", "售价", "价格")


def normalise_header(name: str) -> str:
    """A header as compared with aliases: stripped, lower case, runs of spaces and dashes → ``_``."""
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower())


def resolve_columns(
    available: Iterable[str],
    columns: Mapping[str, str] | None,
    *,
    file: str | Path | None = None,
) -> dict[str, str]:
    """Map canonical names to the file's columns: the user's map first, then known aliases.

    Returns ``{canonical name: column in file}``. Raises :class:`DataError` naming the file and
    the column when a mapped column is absent, a key is not canonical, or a required column
    (``customer_id``, ``timestamp``, ``amount``) cannot be found. ``order_id`` may be absent:
    it is then generated from the row number. A unit price (:data:`UNIT_PRICE_ALIASES`: ``price``, ``单价`` …)
    is never taken for the amount: without an amount column the error says so (the reader computes unit price
    × quantity where both are there, :func:`amount_from_unit_price`).
    """
    available = list(available)
    mapping: dict[str, str] = {}
    for canonical, column in (columns or {}).items():
        if canonical not in CANONICAL:
            raise DataError(
                f"column map key {canonical!r} is not part of the schema", file=file,
                hint=f"use keys from {list(CANONICAL)}: {{'customer_id': '客户ID', ...}}",
            )
        if column not in available:
            close = difflib.get_close_matches(str(column), available, n=3, cutoff=0.5)
            raise DataError(
                f"column {column!r} (mapped to {canonical!r}) is not in the file", file=file,
                column=str(column),
                hint=(f"did you mean {close}? " if close else "") + f"columns present: {_short(available)}",
            )
        mapping[canonical] = column
    for canonical, aliases in ALIASES.items():
        if canonical not in mapping:
            found = _find_alias(available, aliases, mapping.values())
            if found is not None:
                mapping[canonical] = found
    for canonical in ("customer_id", "timestamp", "amount"):
        if canonical not in mapping:
            price = _find_alias(available, UNIT_PRICE_ALIASES, mapping.values()) if canonical == "amount" else None
            if price is not None:
                raise DataError(
                    f"no amount column: {price!r} is a unit price, not what a line cost, and there is no quantity "
                    "column to multiply it by", file=file, column="amount",
                    hint=f"add the quantity column, or pass columns={{'amount': {price!r}}} if every line is one unit",
                )
            raise DataError(
                "required column is missing (not in the column map, and no column has a known name for it)",
                file=file, column=canonical,
                hint=f"pass columns={{'{canonical}': '<your column>'}}; columns present: {_short(available)}",
            )
    return mapping


def _find_alias(available: list[str], aliases: Iterable[str], taken: Iterable[str]) -> str | None:
    """The first of ``available`` whose name is one of ``aliases`` (in alias order) and not ``taken``."""
    normalised = {normalise_header(c): c for c in available}
    taken = set(taken)
    for alias in aliases:
        found = normalised.get(normalise_header(alias))
        if found is not None and found not in taken:
            return found
    return None


def _short(names: list[str], most: int = 12) -> str:
    """Column names for a message: the first ``most``, each cut to 30 characters."""
    cut = [n if len(str(n)) <= 30 else str(n)[:29] + "…" for n in names[:most]]
    return str(cut) + (f" and {len(names) - most} more" if len(names) > most else "")


def amount_from_unit_price(available: Iterable[str], columns: Mapping[str, str] | None) -> tuple[str, str] | None:
    """``(unit price column, quantity column)`` when a line's amount must be computed as their product: neither
    the column map nor an amount alias names an amount column, and the file has a unit-price column
    (:data:`UNIT_PRICE_ALIASES`) and a quantity column (mapped, or :data:`ALIASES` ``quantity``). ``None``
    otherwise (an amount column is there, or the product cannot be formed: :func:`resolve_columns` then says why).
    """
    available = [str(c) for c in available]
    columns = dict(columns or {})
    if "amount" in columns or _find_alias(available, ALIASES["amount"], columns.values()) is not None:
        return None
    quantity = columns.get("quantity") or _find_alias(available, ALIASES["quantity"], columns.values())
    if quantity is None or quantity not in available:
        return None
    price = _find_alias(available, UNIT_PRICE_ALIASES, [*columns.values(), quantity])
    return (price, quantity) if price is not None else None


# --------------------------------------------------------------------------- status words and reasons

#: Status words understood (after lower-casing and NFKC normalisation, so written here with ASCII
#: punctuation: Taobao's ``买家已付款，等待卖家发货`` arrives as ``买家已付款,等待卖家发货``), by canonical status.
#: ``unpaid``: an order placed and never paid (Taobao's 等待买家付款; Shopify's pending, authorized and
#: expired financial statuses), which cleaning quarantines as ``not_paid``.
STATUS_VALUES: dict[str, set[str]] = {
    "completed": {"completed", "complete", "paid", "success", "successful", "delivered", "shipped", "done",
                  "ok", "normal", "sale", "已完成", "完成", "交易成功", "成功", "已签收", "已发货", "已付款",
                  "已支付", "正常", "已收货", "买家已付款,等待卖家发货", "卖家已发货,等待买家确认"},
    "unpaid": {"unpaid", "not paid", "pending", "authorized", "expired", "等待买家付款", "待付款", "未付款"},
    "cancelled": {"cancelled", "canceled", "cancel", "void", "voided", "closed", "已取消", "取消", "交易关闭",
                  "已关闭", "关闭", "作废"},
    "returned": {"returned", "return", "refunded", "refund", "退货", "已退货", "退款", "已退款", "退货退款",
                 "退货成功"},
}
#: ``{status word: canonical status}``, the inverse of :data:`STATUS_VALUES`.
STATUS_LOOKUP: dict[str, str] = {word: status for status, words in STATUS_VALUES.items() for word in words}

#: Customer ids of staff test accounts (``test_007``, ``QA-1``, ``测试…``, ``内部…``).
DEFAULT_TEST_ID_PATTERN = r"(?i)^(?:test|qa|staff|demo)[-_ ]?\d*|^测试|^内部"

#: Quarantine reason codes, in the order cleaning applies its rules (first rule that applies wins).
REASONS: dict[str, str] = {
    "malformed_line": "line does not split into the header's columns (wrong number of fields, stray quote)",
    "repeated_header": "a copy of the header row inside the data",
    "summary_row": "a totals row (合计, Total …) below or between the orders",
    "duplicate": "exact copy of an earlier row in the same file",
    "test_account": "staff / test account",
    "missing_customer": "no customer id (guest order or blank)",
    "missing_date": "no order date",
    "unparseable_date": "order date could not be read as a date",
    "implausible_date": "order date outside the plausible range (a placeholder such as 9999-12-31)",
    "missing_amount": "no amount",
    "unparseable_amount": "amount could not be read as a number",
    "implausible_amount": "amount not finite or far beyond any order (overflow, an id in the amount column)",
    "currency_mismatch": "amount written in another currency than the dataset's",
    "unknown_status": "order status not recognised",
    "not_paid": "order never paid (waiting for payment, pending, expired)",
    "cancelled": "order cancelled",
    "return_netted": "return line netted into its sale line",
    "fully_returned": "sale line fully returned (net amount ≤ 0)",
    "return_unmatched": "return with no sale line to net against",
}
REASONS_ZH: dict[str, str] = {
    "malformed_line": "行格式错误（字段数不符）", "repeated_header": "数据中重复的表头行", "summary_row": "合计/小计行",
    "implausible_date": "日期不合理（占位日期）", "implausible_amount": "金额不合理（溢出或非金额）",
    "currency_mismatch": "币种与数据集不符", "not_paid": "订单未付款",
    "duplicate": "重复行", "test_account": "内部测试账号", "missing_customer": "缺少客户ID（游客订单）",
    "missing_date": "缺少日期", "unparseable_date": "日期无法解析", "missing_amount": "缺少金额",
    "unparseable_amount": "金额无法解析", "unknown_status": "未知订单状态", "cancelled": "已取消订单",
    "return_netted": "退货已冲抵", "fully_returned": "全额退货", "return_unmatched": "无对应销售的退货",
}
# In the Chinese set a table shows a reason as "日期无法解析 (unparseable_date)": the Chinese, and the code that
# finds its rows in the quarantine CSV; its English description as the Chinese. Files keep the codes.
i18n.add_values({code: f"{zh} ({code})" for code, zh in REASONS_ZH.items()})
i18n.add_values({REASONS[code]: zh for code, zh in REASONS_ZH.items() if code in REASONS})

#: The reasons acquisition can tell from the raw file alone. :func:`helpers.acquire.read_transactions` marks such
#: a row in a column named by the code, holding the detail (``"7 fields where the header has 8"``, ``"its cells
#: repeat the header"``, ``"first cell '合计'"``), missing on other rows; the column is there only when a row has
#: the mark. Cleaning quarantines a marked row with that reason before any other rule looks at its values.
ACQUISITION_MARKS: tuple[str, ...] = (MALFORMED, "repeated_header", "summary_row")
#: First cells that make a row a totals / averages row (compared case-insensitively, NFKC, letters and digits
#: only): an order export's 合计 row, a survey export's 平均 row.
SUMMARY_WORDS: tuple[str, ...] = (
    "Total", "Totals", "Grand total", "Subtotal", "Sum", "Average", "Mean", "Avg", "Count", "Overall",
    "合计", "总计", "小计", "总和", "汇总", "平均", "平均值", "平均分", "均值", "计数",
)

#: Date formats tried, in order, for text dates (besides ISO 8601 and Excel serial numbers).
DATE_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d",
    "%Y.%m.%d %H:%M:%S", "%Y.%m.%d %H:%M", "%Y.%m.%d",
    "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日", "%Y年%m月%d日%H:%M",
    "%Y%m%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d %H:%M:%S.%f",
)

#: Order times outside ``[start, end)`` are implausible for a customer purchase: placeholders (``9999-12-31``,
#: ``1900-01-01``, ``0000-00-00``), Unix time zero (1970-01-01) or a year typed wrong. Rows with such a time are
#: quarantined as ``implausible_date`` (e-commerce exports start in the 1990s; CDNOW's log starts in 1997).
PLAUSIBLE_DATES: tuple[pd.Timestamp, pd.Timestamp] = (pd.Timestamp("1980-01-01"), pd.Timestamp("2100-01-01"))

#: A line amount larger than this in absolute value (in the dataset's currency), or not finite, is implausible
#: for a customer purchase (an overflow such as ``1e308``, an id or a phone number in the amount column): the row
#: is quarantined as ``implausible_amount``. 10⁹ stays below the ~9.0 × 10⁹ a customer's spend may reach in the
#: CLV summaries (2⁵³ millionths, :mod:`helpers.clv.units`).
AMOUNT_LIMIT: float = 1e9

#: Currency marks written in or next to amounts (compared after NFKC and lower-casing, so ``￥`` is ``¥``) and the
#: ISO 4217 currencies each can mean. A mark that can mean several (``¥``: yuan or yen; ``$``: US, Hong Kong,
#: Taiwan … dollars) agrees with any of them; an amount whose mark cannot mean the dataset's currency is
#: quarantined as ``currency_mismatch``, and a file whose marks agree on no single currency needs the dataset's
#: currency stated (``clean_transactions(currency=...)``).
CURRENCY_MARKS: dict[str, frozenset[str]] = {
    **dict.fromkeys(("元", "圆", "人民币", "rmb", "cny"), frozenset({"CNY"})),
    "¥": frozenset({"CNY", "JPY"}),
    **dict.fromkeys(("円", "jpy"), frozenset({"JPY"})),
    "$": frozenset({"USD", "HKD", "TWD", "SGD", "AUD", "CAD", "NZD", "MXN"}),
    **dict.fromkeys(("us$", "usd"), frozenset({"USD"})),
    **dict.fromkeys(("hk$", "hkd", "港币", "港元"), frozenset({"HKD"})),
    **dict.fromkeys(("nt$", "twd", "新台币"), frozenset({"TWD"})),
    **dict.fromkeys(("€", "eur", "欧元"), frozenset({"EUR"})),
    **dict.fromkeys(("£", "gbp", "英镑"), frozenset({"GBP"})),
    **dict.fromkeys(("₩", "krw"), frozenset({"KRW"})),
    **dict.fromkeys(("₹", "inr"), frozenset({"INR"})),
    **dict.fromkeys(("₽", "rub"), frozenset({"RUB"})),
    "chf": frozenset({"CHF"}), "美元": frozenset({"USD"}), "日元": frozenset({"JPY"}),
}

# --------------------------------------------------------------------------- identifiers

#: Characters that show as nothing (zero-width space, joiners, word joiner, a BOM inside text).
ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


def clean_cell(value: Any) -> Any:
    """A cell as ids (customer, order, respondent) and answers are compared: Unicode NFKC (full-width ``１２`` →
    ``12``, no-break space → space), zero-width characters removed, surrounding spaces stripped; missing stays
    missing (``pd.NA``). Acquisition applies it to customer and order ids, the survey reader to ids and answers."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
        return pd.NA
    return unicodedata.normalize("NFKC", str(value)).translate(ZERO_WIDTH).strip()


# --------------------------------------------------------------------------- personal data

PERSONAL_KINDS = ("name", "phone", "email")
#: A mainland-China mobile number, optionally with the +86 prefix (Python ``re``; look-arounds).
PHONE_PATTERN = r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d{9}(?!\d)"
#: The same without look-arounds, for RE2 (DuckDB's regex engine): explicit non-digit boundaries.
PHONE_PATTERN_RE2 = r"(^|[^0-9])(\+?86[- ]?)?1[3-9][0-9]{9}([^0-9]|$)"
#: An e-mail address (``\w`` is ASCII in RE2 as in addresses, so DuckDB reads it as is).
EMAIL_PATTERN = r"[\w.+-]+@[\w-]+\.[\w.-]+"

# --------------------------------------------------------------------------- per-customer summary

#: The per-customer summary's columns, PyMC-Marketing's names (``clv.rfm_summary``).
SUMMARY_COLUMNS = ["customer_id", "frequency", "recency", "T", "monetary_value"]
#: The CLV scores' columns beside the summary's in ``clv.parquet`` (``clv.score_customers``, ``clv.score_population``).
SCORE_COLUMNS = ["p_alive", "expected_purchases", "expected_spend", "clv"]


def strictly_increasing(ids: pd.Series) -> bool:
    """True when the ids are sorted ascending with no repeats and no missing values.

    One vectorised comparison of neighbours in Arrow (0.04 s for 12.9M string ids), so it is
    tried before a hash-based uniqueness check (2–5 s): customer tables built from
    ``clv.rfm_summary`` are sorted by id. Strings compare by code point, as in Python and pandas.
    """
    if len(ids) < 2:
        return not ids.isna().any()
    try:
        arr = pa.array(ids, from_pandas=True)
        return arr.null_count == 0 and bool(pc.all(pc.less(arr[:-1], arr[1:])).as_py())
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):  # mixed objects, categories …
        return False
