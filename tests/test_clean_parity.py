"""One cleaning, whatever the size: the pandas path and the large (DuckDB) path give the same answer.

The same messy export goes through :func:`helpers.clean.clean_transactions` on a DataFrame and, forced
onto the large path by a small threshold (``acquire.acquire(..., max_rows_in_memory=10)``), on a
:class:`~helpers.largelog.ParquetLog`; the kept lines (values, lineage, ``returned_amount``,
``flag_extreme``, column order, row order), the quarantined rows, their reasons and details must be
equal exactly, for ``returns="negative"`` and ``returns="net"``. Exports: the bundled SIMULATED export,
a hand-made messy file (with and without an order id column), a typed log, and random messy tables
(Hypothesis).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import acquire, clean, paths
from helpers.clean import DATE_FORMATS, REASONS
from helpers.clean import frame as clean_frame
from helpers.errors import DataError
from helpers.largelog import ParquetLog

TEST_KEY = b"unit-test-key-not-the-project-key"
KEY = ["source_file", "source_row"]


# --------------------------------------------------------------------------- comparing the two paths


def _text(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Text columns as Python objects with ``None`` for missing (pandas ``string`` vs Arrow strings)."""
    out = frame.copy()
    for c in columns:
        out[c] = out[c].astype(object).where(out[c].notna(), None)
    return out


def assert_same_cleaning(expected: clean.Cleaned, got) -> None:
    """The pandas result ``expected`` equals the large path's ``got`` (two ParquetLogs), exactly."""
    kept_pd, q_pd = expected
    kept_log = pd.read_parquet(got.clean.path)
    q_log = pd.read_parquet(got.quarantine.path)
    # kept lines: same columns in the same order, same rows in the same order, same values
    assert list(kept_log.columns) == list(kept_pd.columns)
    for column, kind in {"amount": "f", "returned_amount": "f", "flag_extreme": "b", "source_row": "i",
                         "timestamp": "M"}.items():
        assert kept_log[column].dtype.kind == kept_pd[column].dtype.kind == kind, column
    text = [c for c in kept_pd.columns if c in clean.CANONICAL and c not in ("timestamp", "amount", "quantity")]
    a = _text(kept_pd.reset_index(drop=True), text + ["source_file"])
    b = _text(kept_log, text + ["source_file"])
    b["timestamp"] = b["timestamp"].astype("datetime64[ns]")
    if "quantity" in a:
        a["quantity"] = a["quantity"].astype(float)
        b["quantity"] = b["quantity"].astype(float)
    pd.testing.assert_frame_equal(a, b, check_dtype=False, check_exact=True)
    # quarantine: same rows (in file order), raw values as text, reason and detail
    assert list(q_log.columns) == list(q_pd.columns)
    cols = [c for c in q_pd.columns if c != "source_row"]
    a = _text(q_pd.sort_values(KEY).reset_index(drop=True), cols)
    b = _text(q_log, cols)
    pd.testing.assert_frame_equal(a, b, check_dtype=False, check_exact=True)
    assert got.counts == {k: int(v) for k, v in q_pd["reason"].value_counts().items()}


def both_paths(path, tmp_path, monkeypatch, **options):
    """``(pandas result, large-path result)`` of the file at ``path``, acquired both ways (a CNY dataset unless
    ``currency`` says otherwise)."""
    options.setdefault("currency", "CNY")
    monkeypatch.setattr(paths, "PROCESSED", tmp_path / "processed")
    small = acquire.acquire("mine", source_path=path, max_rows_in_memory=None)
    large = acquire.acquire("mine", source_path=path, max_rows_in_memory=1)  # forced onto the large path
    assert isinstance(small.transactions, pd.DataFrame) and isinstance(large.transactions, ParquetLog)
    expected = clean.clean_transactions(small.transactions, **options)
    kept, quarantine = clean.clean_transactions(large.transactions, **options)  # dispatches to clean_log
    assert isinstance(kept, ParquetLog)
    counts = quarantine.query("SELECT reason, count(*) AS n FROM log GROUP BY ALL")
    got = type("Got", (), {"clean": kept, "quarantine": quarantine,
                           "counts": dict(zip(counts["reason"], counts["n"].astype(int)))})
    clean.check_accounting(large.transactions, kept, quarantine)
    return expected, got


# --------------------------------------------------------------------------- the bundled SIMULATED export


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    acquired = acquire.load_xiaomi_sim(key=TEST_KEY)
    path = tmp_path_factory.mktemp("sim") / "xiaomi_sim.parquet"
    acquired.transactions.to_parquet(path, index=False)  # the canonical table, lineage included
    return acquired, path


@pytest.mark.parametrize("returns", ["net", "negative"])
def test_simulated_export_cleans_the_same_on_both_paths(simulated, returns, tmp_path, monkeypatch):
    acquired, path = simulated
    monkeypatch.setattr(paths, "PROCESSED", tmp_path)
    options = {"test_accounts": acquired.test_accounts, "returns": returns}
    expected = clean.clean_transactions(acquired.transactions, **options)
    log = acquire.acquire("sim_large", source_path=path, max_rows_in_memory=10).transactions
    assert isinstance(log, ParquetLog) and log.lineage  # the export's own lineage (three files)
    got = clean.clean_log(log, tmp_path / "out", progress=False, **options)
    assert_same_cleaning(expected, got)
    reasons = set(expected.quarantine["reason"])
    assert {"duplicate", "test_account", "missing_customer", "unparseable_date", "unparseable_amount",
            "cancelled"} <= reasons
    if returns == "net":
        assert {"return_netted", "fully_returned"} <= reasons
        assert (expected.clean["returned_amount"] > 0).sum() > 100
    else:
        assert (expected.clean["status"] == "returned").sum() > 500
    assert expected.clean["flag_extreme"].sum() > 0


# --------------------------------------------------------------------------- a hand-made messy export

SALE, RETURN = "已完成", "退货"


def messy_rows() -> list[dict]:
    """A messy export as people have them: every problem the rules look for, text as read from a CSV."""
    rows = [  # customer, order, when, amount, status, product, quantity
        ("C1", "A1", "2013年01月02日", "¥1,999.00", "已完成", "phone", "1"),
        ("C1", "A1", "2013年01月02日", "¥1,999.00", "已完成", "phone", "1"),          # duplicate of the line above
        ("C2", "A2", "20130102", "1999,00", "Completed", "phone", "1"),               # compact date, decimal comma
        ("C3", "A3", "2013年1月2日 10:30", "49,9", " PAID ", "case", "2"),
        ("C4", "A4", "２０１３－０１－０３", "￥１９９９", "ＣＯＭＰＬＥＴＥＤ", "phone", "1"),  # full-width
        ("C5", "A5", "2013/1/4 20:15", "RMB 1,999", "交易成功", "phone", "1"),
        ("C6", "A6", "41278", "1999元", "已完成", "phone", "1"),                       # Excel serial day
        ("C7", "A7", "2013.01.05", "$12.00", "paid", "film", "1"),
        ("C8", "A8", "02/01/2013", "99", "已完成", "film", "1"),                       # day-first: not guessed
        ("C9", "A9", "9999-12-31", "99", "已完成", "film", "1"),                       # placeholder date
        ("C10", "A10", None, "99", "已完成", "film", "1"),                             # no date
        ("C11", "A11", "  ", "99", "已完成", "film", "1"),                             # blank date
        ("C12", "A12", "2013-01-06 09:00:00", None, "已完成", "film", "1"),            # no amount
        ("C13", "A13", "2013-01-06 09:00:00", "N/A", "已完成", "film", "1"),
        ("C14", "A14", "2013-01-06 09:00:00", "¥--", "已完成", "film", "1"),
        ("C15", "A15", "2013-01-06 09:00:00", "99", "待审核", "film", "1"),            # unknown status
        ("C16", "A16", "2013-01-06 09:00:00", "99", "等待买家付款", "film", "1"),       # not paid
        ("C17", "A17", "2013-01-06 09:00:00", "99", "已取消", "film", "1"),
        ("C18", "A18", "2013-01-06 09:00:00", "99", "Cancelled", "film", "1"),
        ("C19", "A19", "2013-01-06 09:00:00", "99", "交易关闭", "film", "1"),
        (None, "A20", "2013-01-07 09:00:00", "99", "已完成", "film", "1"),             # guest
        ("  ", "A21", "2013-01-07 09:00:00", "99", "已完成", "film", "1"),             # blank id
        ("\u3000", "A22", "2013-01-07 09:00:00", "99", "已完成", "film", "1"),         # full-width space id
        ("\tC23 ", "A23", "2013-01-07 09:00:00", "99", "已完成", "film", "1"),         # padded id: kept, stripped
        ("test01", "A24", "not a date", "99", "已完成", "film", "1"),                  # test account beats date
        ("QA_7", "A25", "2013-01-07 09:00:00", "99", "已完成", "film", "1"),
        ("测试账号", "A26", "2013-01-07 09:00:00", "99", "已完成", "film", "1"),
        ("C_STAFF", "A27", "2013-01-07 09:00:00", "99", "已完成", "film", "1"),        # listed test account
        ("C30", "A30", "2013-01-08 10:00:00", "300", "已完成", "case", "3"),           # partial return
        ("C30", "A30", "2013-01-09 10:00:00", "-100", "退货", "case", "-1"),
        ("C30", "A30", "2013-01-08 10:00:00", "1999", "已完成", "phone", "1"),         # other product untouched
        ("C31", "A31", "2013-01-08 10:00:00", "1999", "已完成", "phone", "1"),         # full return
        ("C31", "A31", "2013-01-10 10:00:00", "-1999", "已退货", "phone", "1"),
        ("C32", "A32", "2013-01-08 10:00:00", "90", "已完成", "case", "1"),            # two returns, more than sold
        ("C32", "A32", "2013-01-11 10:00:00", "60", "Returned", "case", "1"),
        ("C32", "A32", "2013-01-12 10:00:00", "(60.00)", "refund", "case", "1"),
        ("C33", "A33", "2013-01-08 10:00:00", "-5", "已完成", "case", "1"),            # refund with no sale
        ("C34", "A34", "2013-01-08 10:00:00", "500", "已完成", "case", "x"),           # netted by a negative line
        ("C34", "A34", "2013-01-09 10:00:00", "(120.00)", "已完成", "case", "1"),
        ("C35", "  ", "2013-01-08 10:00:00", "80", "已完成", None, None),              # blank order id
        ("C35", None, "2013-01-09 10:00:00", "-80", "退货", None, None),
        ("C36", "A36", "2013-01-08 10:00:00", "50", "已取消", "case", "1"),            # return of a cancelled sale
        ("C36", "A36", "2013-01-09 10:00:00", "-50", "退货", "case", "1"),
        ("CORP", "BULK", "2013-02-01 10:00:00", "119,940.00", "已完成", "phone", "60"),  # an extreme order
        ("CORP", "BULK", "2013-02-01 10:00:00", "39", None, "case", "1"),
        ("\xa0C40\u2003", " A40\t", "2013-01-20 10:00:00", "10", "已完成", " case\u3000", "1"),  # padded: stripped
        ("C41", "A41", "2013-01-21 10:00:00", "1.234,50", "已完成", "case", "1"),    # continental convention
        ("C42", "A42", "2013-01-21 10:00:00", "1.299", "已完成", "case", "1"),       # ambiguous: not guessed
        ("C43", "A43", "2013-01-21 10:00:00", "1e308", "已完成", "case", "1"),       # implausible amount
        ("C44", "A44", "2013-01-21 10:00:00", "€12.00", "已完成", "case", "1"),      # another currency
        ("C45", "A45", "0000-00-00 00:00:00", "12", "已完成", "case", "1"),          # placeholder date
        ("C46", "A46", "1970-01-01 08:00:00", "12", "已完成", "case", "1"),          # Unix time zero (UTC+8)
    ]
    rng = np.random.default_rng(7)
    for i in range(120):  # ordinary lines, so that the 99th percentile means something
        day = dt.date(2013, 1, 1) + dt.timedelta(days=int(rng.integers(0, 300)))
        rows.append((f"R{i % 40}", f"B{i}", f"{day:%Y-%m-%d} 12:{i % 60:02d}:00",
                     str(rng.choice(["19", "49.9", "99", "799", "1,999.00"])), SALE,
                     str(rng.choice(["phone", "case", "film"])), "1"))
    columns = ["客户ID", "订单号", "下单时间", "实付金额", "订单状态", "商品名称", "数量"]
    return [dict(zip(columns, row)) for row in rows]


@pytest.fixture(scope="module", params=["order ids", "no order id column"])
def messy_file(request, tmp_path_factory):
    frame = pd.DataFrame(messy_rows(), dtype="string")
    if request.param == "no order id column":
        frame = frame.drop(columns="订单号")
    path = tmp_path_factory.mktemp("messy") / "orders_export.parquet"
    frame.to_parquet(path, index=False)
    return request.param, path


@pytest.mark.parametrize("returns", ["net", "negative"])
def test_messy_export_cleans_the_same_on_both_paths(messy_file, returns, tmp_path, monkeypatch):
    kind, path = messy_file
    expected, got = both_paths(path, tmp_path, monkeypatch, returns=returns, test_accounts=["C_STAFF"])
    assert_same_cleaning(expected, got)
    kept, quarantine = expected
    reason = dict(zip(quarantine["source_row"], quarantine["reason"]))
    detail = dict(zip(quarantine["source_row"], quarantine["detail"]))
    # the date and amount spellings parse on both paths (the large path ignored date_formats before)
    assert set(kept["source_row"]) >= {3, 4, 5, 6, 7, 24, 47}
    assert kept.loc[kept["source_row"] == 47, "amount"].tolist() == [1234.5]
    assert reason[8] == "currency_mismatch" and detail[8] == "$12.00"
    assert reason[9] == "unparseable_date" and detail[9] == "02/01/2013"
    assert reason[10] == "implausible_date" and detail[10] == "9999-12-31"
    assert reason[11] == "missing_date" and reason[12] == "unparseable_date"
    assert reason[48] == "unparseable_amount" and "ambiguous" in detail[48]
    assert (reason[49], detail[49]) == ("implausible_amount", "1e308")
    assert (reason[50], detail[50]) == ("currency_mismatch", "€12.00")
    assert [reason[r] for r in (51, 52)] == ["implausible_date"] * 2
    assert reason[14] == "unparseable_amount" and detail[14] == "N/A"
    assert reason[16] == "unknown_status" and detail[16] == "待审核"
    assert [reason[r] for r in (18, 19, 20)] == ["cancelled"] * 3
    assert [reason[r] for r in (21, 22, 23)] == ["missing_customer"] * 3
    assert [reason[r] for r in (25, 26, 27, 28)] == ["test_account"] * 4 and detail[25] == "test01"
    assert kept.loc[kept["source_row"] == 24, "customer_id"].tolist() == ["C23"]
    padded = kept.loc[kept["source_row"] == 46].iloc[0]
    assert (padded["customer_id"], padded["product"]) == ("C40", "case")
    assert padded["order_id"] == ("A40" if kind == "order ids" else "orders_export.parquet:46")
    flagged = kept.loc[kept["flag_extreme"], "source_row"].tolist()
    assert sorted(flagged) == ([44] if kind == "no order id column" else [44, 45])  # every line of the order
    if kind == "no order id column":  # every line its own order: no exact copies; a return line is an order
        # without sales (a cancellation order), netted into the customer's latest earlier sale of its product
        assert kept["order_id"].str.fullmatch(r"orders_export\.parquet:\d+").all()
        assert 2 not in reason
        if returns == "net":
            assert [reason[r] for r in (30, 33, 35, 36, 39)] == ["return_netted"] * 5
            assert detail[30] == "orders_export.parquet:30 → orders_export.parquet:29"
            assert detail[36] == ("orders_export.parquet:36 → orders_export.parquet:34 "
                                  "(returned more than sold by 30.0)")
            assert reason[32] == "fully_returned"  # the phone returned in full
            assert [reason[r] for r in (37, 41, 43)] == ["return_unmatched"] * 3  # no sale / no product / cancelled
        return
    assert reason[2] == "duplicate" and detail[2] == "copy of an earlier row"
    if returns == "negative":
        assert kept.loc[kept["source_row"] == 30, "amount"].tolist() == [-100.0]
        return
    assert kept.loc[kept["source_row"] == 29, ["amount", "returned_amount"]].values.tolist() == [[200.0, 100.0]]
    assert reason[30] == "return_netted" and detail[30] == "A30"
    assert reason[32] == "fully_returned" and detail[32] == "1999.0"
    assert detail[36] == "A32 (returned more than sold by 30.0)"
    assert reason[37] == "return_unmatched" and reason[43] == "return_unmatched"
    assert kept.loc[kept["source_row"] == 38, "amount"].tolist() == [380.0]
    assert reason[40] == "fully_returned" and reason[41] == "return_netted"  # blank and missing order id match


def test_date_formats_reach_the_large_path(messy_file, tmp_path, monkeypatch):
    _, path = messy_file
    formats = ("%d/%m/%Y", *DATE_FORMATS)  # this export writes day-first dates
    expected, got = both_paths(path, tmp_path, monkeypatch, date_formats=formats)
    assert_same_cleaning(expected, got)
    day_first = expected.clean.loc[expected.clean["source_row"] == 9, "timestamp"]
    assert day_first.tolist() == [pd.Timestamp("2013-01-02")]


def test_every_reason_is_chosen_in_the_order_of_the_reasons_table(tmp_path, monkeypatch):
    """A row that breaks several rules gets the first in REASONS on both paths (test account before date,
    missing customer before amount, date before amount, amount before status)."""
    rows = [{"customer_id": c, "order_id": f"O{i}", "timestamp": t, "amount": a, "status": s}
            for i, (c, t, a, s) in enumerate([("test01", "x", "x", "x"), (None, "x", "x", "x"),
                                               ("C1", "x", "x", "x"), ("C1", "2013-01-01", "x", "x"),
                                               ("C1", "2013-01-01", "1", "x"), ("C1", "2013-01-01", "1", "已取消"),
                                               ("C1", None, None, None), ("C1", "2013-01-01", None, "x")])]
    path = tmp_path / "order.parquet"
    pd.DataFrame(rows, dtype="string").to_parquet(path, index=False)
    expected, got = both_paths(path, tmp_path, monkeypatch)
    assert_same_cleaning(expected, got)
    assert expected.quarantine["reason"].tolist() == ["test_account", "missing_customer", "unparseable_date",
                                                      "unparseable_amount", "unknown_status", "cancelled",
                                                      "missing_date", "missing_amount"]
    rank = [list(REASONS).index(r) for r in ("test_account", "missing_customer", "unparseable_date",
                                             "unparseable_amount", "unknown_status", "cancelled")]
    assert rank == sorted(rank)


def test_amounts_in_several_currencies_are_refused_naming_the_same_row_on_both_paths(tmp_path, monkeypatch):
    """No dataset currency and amounts in two: both paths refuse, naming the first row (in file order) whose
    amount disagrees with those before it; with the currency given, the other currency is quarantined."""
    amounts = ["12", "$5.00", "¥10", "20元", "$7.00", "RMB 3"]
    rows = [{"customer_id": f"C{i}", "order_id": f"O{i}", "timestamp": "2013-01-02", "amount": a}
            for i, a in enumerate(amounts)]
    path = tmp_path / "mixed.parquet"
    pd.DataFrame(rows, dtype="string").to_parquet(path, index=False)
    for limit in (None, 1):
        monkeypatch.setattr(paths, "PROCESSED", tmp_path / f"p{limit}")
        acquired = acquire.acquire("mine", source_path=path, max_rows_in_memory=limit)
        with pytest.raises(DataError, match=r"mixed.parquet, column 'amount', row 3: amounts in more than one "
                                            r"currency .*'¥10' here, '\$5.00' before it"):
            clean.clean_transactions(acquired.transactions)
    expected, got = both_paths(path, tmp_path, monkeypatch, currency="USD")
    assert_same_cleaning(expected, got)
    assert expected.quarantine["reason"].tolist() == ["currency_mismatch"] * 3


# --------------------------------------------------------------------------- a user's CSV: one reader for both paths


@pytest.fixture(scope="module", params=["Arrow-read lines", "lines with padded values (csv module)"])
def messy_csv(request, tmp_path_factory):
    """The messy export as a GB18030 CSV under a title, with a repeated header and a totals row; without its padded
    values the Arrow reader reads it, with them (and a malformed line) the csv module does."""
    frame = pd.DataFrame(messy_rows(), dtype="string")
    if request.param == "Arrow-read lines":
        padded = frame.apply(lambda c: c.str.match(r"^\s")).fillna(False).any(axis=1)
        frame = frame[~padded.to_numpy(dtype=bool)]
    body = frame.to_csv(index=False, lineterminator="\r\n")
    header = body.split("\r\n", 1)[0]
    lines = body.rstrip("\r\n").split("\r\n")
    lines[20:20] = [header] if request.param == "Arrow-read lines" else ["C98,A98,2013-01-02,99", header]
    lines.append("合计,,,\"¥999,999.00\",,,")
    path = tmp_path_factory.mktemp("csv") / "订单导出.csv"
    path.write_bytes(("订单导出 2013-01-01\r\n" + "\r\n".join(lines) + "\r\n").encode("gb18030"))
    return request.param, path


def test_a_csv_is_read_once_and_cleans_the_same_on_both_paths(messy_csv, tmp_path, monkeypatch):
    """A CSV past ``max_rows_in_memory`` is read by the same reader (encoding, title, marks, lineage) and its
    canonical table staged as Parquet for DuckDB: kept lines, quarantine, reasons and details equal the
    in-memory path's, the marked rows included (returns netted for one file, kept negative for the other)."""
    kind, path = messy_csv
    returns = "net" if kind == "Arrow-read lines" else "negative"
    monkeypatch.setattr(paths, "INTERIM", tmp_path / "interim")
    expected, got = both_paths(path, tmp_path, monkeypatch, returns=returns, test_accounts=["C_STAFF"])
    assert_same_cleaning(expected, got)
    reasons = set(expected.quarantine["reason"])
    assert {"repeated_header", "summary_row", "duplicate", "test_account"} <= reasons
    assert ("malformed_line" in reasons) == (kind != "Arrow-read lines")
    staged = acquire.acquire("mine", source_path=path, max_rows_in_memory=1)
    assert "read" in staged.transactions.path.parts and staged.provenance[0].encoding == "gb18030"
    assert any("cleaned there by DuckDB" in note for note in staged.provenance[0].notes)


@pytest.mark.parametrize("messy_csv", ["lines with padded values (csv module)"], indirect=True)
def test_a_table_in_memory_cleans_the_same_checked_row_by_row_or_by_distinct_values(messy_csv, tmp_path,
                                                                                   monkeypatch):
    """A DataFrame's value checks reach DuckDB row by row (a short table, or times nearly all distinct), checked on
    the distinct values and spread to the rows in Arrow (a long text column of few values, ``SPREAD``) or as a
    map of the distinct values joined back in DuckDB (as on the large path): the same kept lines and quarantine,
    exactly (``helpers.clean.frame.row_checks``)."""
    monkeypatch.setattr(paths, "PROCESSED", tmp_path / "processed")
    monkeypatch.setattr(paths, "INTERIM", tmp_path / "interim")
    tx = acquire.acquire("mine", source_path=messy_csv[1], max_rows_in_memory=None).transactions
    options = {"currency": "CNY", "test_accounts": ["C_STAFF"]}
    assert set(clean_frame.row_checks(tx, **{k: v for k, v in options.items() if k == "currency"})) >= {
        "_value_timestamp", "_reason_amount", "_detail_status"}
    by_row = clean.clean_transactions(tx, **options)
    monkeypatch.setattr(clean_frame, "DISTINCT_MIN_ROWS", 1)  # every column "long"
    monkeypatch.setattr(clean_frame, "ROW_BY_ROW", 2.0)  # and none mostly distinct: every check on distinct values
    spread = clean_frame.row_checks(tx, currency="CNY")
    assert {"_value_timestamp", "_value6_amount", "_detail_status"} <= set(spread)
    assert all(isinstance(v, pa.Array) for v in spread.values())  # from the distinct values, not row by row
    by_spread = clean.clean_transactions(tx, **options)
    monkeypatch.setattr(clean_frame, "SPREAD", False)  # each joined back in DuckDB
    assert clean_frame.row_checks(tx, currency="CNY") == {}
    by_map = clean.clean_transactions(tx, **options)
    assert len(by_row.quarantine) and len(by_row.clean)
    assert {"unparseable_amount", "unknown_status"} & set(by_row.quarantine["reason"])
    for other in (by_spread, by_map):
        for a, b in zip(by_row, other):
            pd.testing.assert_frame_equal(a, b, check_exact=True)


# --------------------------------------------------------------------------- a typed log


def test_typed_log_cleans_the_same_on_both_paths(tmp_path, monkeypatch):
    """Typed Parquet (TIMESTAMP, DOUBLE, BIGINT): values the checks leave as they are need no mapping row,
    and still come out as the pandas path gives them; a placeholder 9999-12-31 and an infinite amount are
    quarantined, not a crash or a kept line."""
    rng = np.random.default_rng(5)
    n = 400
    frame = pd.DataFrame({
        "customer_id": pd.array([f"M{i:04d}" for i in rng.integers(0, 120, n)], dtype="string"),
        "order_id": pd.array([f"O{i:05d}" for i in range(n)], dtype="string"),
        "timestamp": (pd.Timestamp("2013-01-01") + pd.to_timedelta(rng.integers(0, 400 * 86400, n), unit="s"))
        .astype("datetime64[us]"),
        "amount": np.round(rng.gamma(2.0, 80.0, n), 2),
        "quantity": rng.integers(1, 4, n),
        "status": pd.array(rng.choice(["completed", "completed", "cancelled", "returned"], n), dtype="string"),
    })
    frame.loc[3, "timestamp"] = pd.NaT
    frame.loc[4, "amount"] = np.nan
    frame.loc[5, "amount"] = -20.0
    frame.loc[7, "amount"] = np.inf
    frame.loc[8, ["amount", "status"]] = [20.0, "cancelled"]
    frame["timestamp"] = frame["timestamp"].astype(object)
    frame.loc[6, "timestamp"] = dt.datetime(9999, 12, 31)
    path = tmp_path / "typed.parquet"
    pq.write_table(pa.Table.from_pandas(frame, schema=pa.schema([
        ("customer_id", pa.string()), ("order_id", pa.string()), ("timestamp", pa.timestamp("us")),
        ("amount", pa.float64()), ("quantity", pa.int64()), ("status", pa.string())]), preserve_index=False), path)
    for returns in ("net", "negative"):
        expected, got = both_paths(path, tmp_path / returns, monkeypatch, returns=returns)
        assert_same_cleaning(expected, got)  # the quarantine's raw values too, as text as acquisition writes them
        q = expected.quarantine.set_index("source_row")
        assert q.loc[4, "reason"] == "missing_date" and q.loc[5, "reason"] == "missing_amount"
        assert q.loc[7, "reason"] == "implausible_date" and q.loc[7, "detail"] == "9999-12-31 00:00:00"
        assert q.loc[8, "reason"] == "implausible_amount" and q.loc[8, "detail"] == "inf"
        assert q.loc[9, "amount"] == "20"  # a whole number written without ".0", as acquisition writes it


# --------------------------------------------------------------------------- random messy tables

IDS = ["C1", "C2", " C2", "00042", "", "   ", None, "test01", "QA_7", "测试账号", "C3\u3000"]
STATUSES = ["已完成", "Completed", None, "已取消", "退货", "Returned", "refund", "待审核", ""]
DATES = ["2013-04-09 12:00:00", "2013/4/9", "2013年4月9日", "20130409", "41373", "", "09/04/2013", "2013-02-30",
         None, "2013-04-10 08:00"]
AMOUNTS = ["100", "¥1,999.00", "1999,00", "(5.00)", "-10", "￥1", "N/A", "", None, "0", "99元", "-0.01"]


@st.composite
def messy_tables(draw):
    n = draw(st.integers(min_value=1, max_value=30))
    with_status, with_product = draw(st.booleans()), draw(st.booleans())
    rows = []
    for _ in range(n):
        row = {"customer_id": draw(st.sampled_from(IDS)), "order_id": draw(st.sampled_from(["O1", "O2", " ", None])),
               "timestamp": draw(st.sampled_from(DATES)), "amount": draw(st.sampled_from(AMOUNTS))}
        if with_status:
            row["status"] = draw(st.sampled_from(STATUSES))
        if with_product:
            row["product"] = draw(st.sampled_from(["phone", "case", None]))
        rows.append(row)
    for _ in range(draw(st.integers(min_value=0, max_value=3))):  # exact copies
        rows.append(dict(draw(st.sampled_from(rows))))
    order = draw(st.permutations(range(len(rows))))
    return pd.DataFrame([rows[i] for i in order], dtype="string")


@settings(max_examples=25, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(frame=messy_tables(), returns=st.sampled_from(["net", "negative"]))
def test_random_messy_tables_clean_the_same_on_both_paths(frame, returns, tmp_path_factory):
    folder = tmp_path_factory.mktemp("random")
    path = folder / "t.parquet"
    frame.to_parquet(path, index=False)
    expected = clean.clean_transactions(acquire.read_transactions(path), returns=returns, test_accounts=["C1"])
    got = clean.clean_log(ParquetLog.open(path), folder / "out", returns=returns, test_accounts=["C1"],
                          progress=False)
    assert_same_cleaning(expected, got)
