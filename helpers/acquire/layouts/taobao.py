"""The Taobao / Tmall seller order export (淘宝/天猫 卖家中心 → 已卖出的宝贝 → 批量导出 → 订单报表).

One row per order, a GB18030 CSV with Chinese headers (``订单编号, 买家会员名, 买家支付宝账号, 支付交易号,
买家应付货款, 买家应付邮费, 买家支付积分, 总金额, 返点积分, 买家实际支付金额, 买家实际支付积分, 订单状态, 买家留言,
收货人姓名, 收货地址, 运送方式, 联系电话, 联系手机, 订单创建时间, 订单付款时间, 宝贝标题, 宝贝种类, 物流单号, 物流公司,
订单备注, 宝贝总数量, 店铺Id, 店铺名称, 订单关闭原因, …``; some headers end in a space, which the reader strips).
Long numbers are written as Excel formulas, ``="2023123456789"``, so that Excel keeps their digits; the
wrapper is removed (:func:`.base.unwrap_excel_text`) and the id kept as text.

Read as:

- ``customer_id`` = ``买家会员名`` (the buyer's member name), replaced at once by its keyed pseudonym
  (:func:`helpers.privacy.pseudonymise`, kind ``name``), like any personal identifier;
- ``order_id`` = ``订单编号``; ``amount`` = ``买家实际支付金额`` (what the buyer actually paid, yuan);
  ``product`` = ``宝贝标题``; ``quantity`` = ``宝贝总数量``;
- ``timestamp`` = ``订单付款时间`` (when the buyer paid) when there is one, else ``订单创建时间`` (when the
  order was placed: unpaid orders have no payment time);
- ``status`` = ``订单状态`` as written, which cleaning reads through :data:`helpers.schema.STATUS_VALUES`:
  ``交易成功``, ``买家已付款，等待卖家发货`` and ``卖家已发货，等待买家确认`` are paid purchases (completed);
  ``交易关闭`` (closed: never paid, or fully refunded) is ``cancelled``; ``等待买家付款`` is ``unpaid``, which
  cleaning quarantines as ``not_paid``. Partial refunds are not in this report (Taobao lists them in its
  separate refund report), so amounts are what was paid.
- ``买家支付宝账号``, ``收货人姓名``, ``收货地址``, ``联系电话``, ``联系手机``, ``买家留言`` and every other column never
  leave acquisition (not carried).
"""

from __future__ import annotations

import pandas as pd

from ...privacy import pseudonymise
from .base import Converted, Layout, keep_lineage, text_of, unwrap_excel_text

#: Columns holding personal data that a Taobao export may have; none is carried (named in the provenance).
PERSONAL = ("买家会员名", "买家支付宝账号", "收货人姓名", "收货地址", "联系电话", "联系手机", "买家留言", "订单备注",
            "修改后的收货地址", "买家姓名", "买家身份证号", "买家手机号")


def _column(text: pd.DataFrame, name: str) -> pd.Series:
    if name not in text.columns:
        return pd.Series(pd.NA, index=text.index, dtype="string")
    values = unwrap_excel_text(text_of(text, name)).str.strip()
    return values.mask(values == "")


def _convert(text: pd.DataFrame, lineage: pd.DataFrame, key: bytes | None) -> Converted:
    buyers = _column(text, "买家会员名")
    customers = pseudonymise(pd.DataFrame({"customer_id": buyers}), {"customer_id": "name"}, key=key)["customer_id"]
    paid_at = _column(text, "订单付款时间")
    status = _column(text, "订单状态")
    out = pd.DataFrame({
        "customer_id": customers,
        "order_id": _column(text, "订单编号"),
        "timestamp": paid_at.fillna(_column(text, "订单创建时间")),
        "amount": _column(text, "买家实际支付金额"),
        "quantity": _column(text, "宝贝总数量"),
        "product": _column(text, "宝贝标题"),
        "status": status,
    })
    counts = status.fillna("(blank)").value_counts(sort=False)
    left = [c for c in PERSONAL[1:] if c in text.columns]
    notes = [
        "customer_id = 买家会员名, replaced by its keyed pseudonym (kind 'name'); amount = 买家实际支付金额 (yuan); "
        "order_id = 订单编号 (Excel's =\"…\" wrapper removed); timestamp = 订单付款时间, or 订单创建时间 when unpaid",
        "订单状态: " + ", ".join(f"{word} {n}" for word, n in counts.items()),
        "personal data not carried: " + ", ".join(left),
    ]
    return Converted(keep_lineage(out, lineage), notes)


LAYOUT = Layout(
    name="taobao",
    title="Taobao / Tmall seller order export (淘宝/天猫 订单报表)",
    header=("订单编号", "买家会员名", "买家实际支付金额", "订单状态", "订单创建时间", "订单付款时间"),
    columns={"customer_id": "买家会员名 (pseudonymised)", "order_id": "订单编号", "timestamp": "订单付款时间 or 订单创建时间",
             "amount": "买家实际支付金额", "quantity": "宝贝总数量", "product": "宝贝标题", "status": "订单状态"},
    convert=_convert,
    customer_key="`买家会员名`, pseudonymised (kind `name`)",
    amount="`买家实际支付金额` per order (yuan); time `订单付款时间`, else `订单创建时间`",
    not_purchase="`交易关闭`: `cancelled`; `等待买家付款`: `not_paid`",
    personal="`买家会员名` pseudonymised; `买家支付宝账号`, `收货人姓名`, `收货地址`, `联系电话`, `联系手机`, `买家留言` not carried",
)
