"""Tests for :mod:`helpers.clean`: parsing, rule precedence, returns, extreme orders, row accounting.

Small canonical tables are built by hand for each rule; a Hypothesis property test throws
messy tables at :func:`clean_transactions` and checks that every input row is accounted for.
The bundled datasets are checked against what was planted (``manifest.yml``) or documented.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers.acquire import LINEAGE, load_cdnow, load_xiaomi_sim, read_manifest, read_transactions
from helpers.clean import (
    MixedCurrencies,
    REASONS,
    REASONS_ZH,
    check_accounting,
    check_amounts,
    check_statuses,
    check_timestamps,
    clean_transactions,
    compare_with_planted,
    flag_extreme_orders,
    net_returns,
    normalise_status,
    parse_amounts,
    parse_timestamps,
    row_accounting,
    value_checks,
)
from helpers.errors import DataError

TEST_KEY = b"unit-test-key-not-the-project-key"


def canon(rows: list[dict], source: str = "orders.csv") -> pd.DataFrame:
    """A canonical table as :func:`read_transactions` returns it: text values plus lineage."""
    df = pd.DataFrame(rows)
    for column in df.columns:
        df[column] = df[column].astype("string")
    df["source_file"] = pd.Series([source] * len(df), dtype="string")
    df["source_row"] = np.arange(1, len(df) + 1, dtype="int64")
    return df


def line(customer="C1", order="O1", when="2013-04-09 12:00:00", amount="100", status="已完成", **extra):
    return {"customer_id": customer, "order_id": order, "timestamp": when, "amount": amount, "status": status,
            **extra}


def reason_of(quarantine: pd.DataFrame, row: int) -> str:
    hit = quarantine.loc[quarantine["source_row"] == row, "reason"]
    assert len(hit) == 1, f"row {row} is not quarantined exactly once"
    return hit.iloc[0]


def kept(clean: pd.DataFrame, row: int) -> pd.Series:
    hit = clean.loc[clean["source_row"] == row]
    assert len(hit) == 1, f"row {row} is not kept exactly once"
    return hit.iloc[0]


# --------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(("raw", "expected"), [
    ("2013-04-09 12:00:00", "2013-04-09 12:00:00"),
    ("2013-04-09 12:00", "2013-04-09 12:00:00"),
    ("2013/4/9", "2013-04-09 00:00:00"),
    ("2013/4/9 20:15", "2013-04-09 20:15:00"),
    ("2013.04.09", "2013-04-09 00:00:00"),
    ("2013年4月9日 12:00", "2013-04-09 12:00:00"),
    ("2013年4月9日", "2013-04-09 00:00:00"),
    ("20130409", "2013-04-09 00:00:00"),
    ("2013-04-09T12:00:00", "2013-04-09 12:00:00"),
    ("  2013-04-09   12:00 ", "2013-04-09 12:00:00"),
    ("２０１３－０４－０９", "2013-04-09 00:00:00"),  # full-width digits (NFKC)
    ("41373", "2013-04-09 00:00:00"),  # Excel serial day (1899-12-30 + 41373 days)
    ("41373.5", "2013-04-09 12:00:00"),
])
def test_parse_timestamps_accepts(raw, expected):
    assert parse_timestamps(pd.Series([raw], dtype=object)).iloc[0] == pd.Timestamp(expected)


@pytest.mark.parametrize("raw", [
    "09/04/2013",  # day-first: ambiguous, never guessed
    "04/09/2013",
    "2013-02-30",  # no such day
    "2013-02-30 10:00:00",
    "0000-00-00 00:00:00",
    "2013-13-01",
    "未知", "#VALUE!", "yesterday", "", "2013", "1234",
])
def test_parse_timestamps_rejects(raw):
    assert pd.isna(parse_timestamps(pd.Series([raw], dtype=object)).iloc[0])


def test_parse_timestamps_datetime_objects_and_missing():
    values = pd.Series([dt.datetime(2013, 4, 9, 1, 2, 3), pd.Timestamp("2014-01-01"), None, pd.NA, np.nan],
                       dtype=object)
    parsed = parse_timestamps(values)
    assert parsed.dtype == "datetime64[ns]"
    assert parsed.iloc[0] == pd.Timestamp("2013-04-09 01:02:03")
    assert parsed.iloc[1] == pd.Timestamp("2014-01-01")
    assert parsed.iloc[2:].isna().all()
    assert parsed.index.equals(values.index)


def test_parse_timestamps_keeps_index_alignment():
    values = pd.Series(["garbage", "2013/4/9", "20130410", "2013年4月11日"], index=[10, 3, 7, 1], dtype="string")
    parsed = parse_timestamps(values)
    assert parsed.index.tolist() == [10, 3, 7, 1]
    assert pd.isna(parsed.loc[10])
    assert parsed.loc[[3, 7, 1]].dt.day.tolist() == [9, 10, 11]


@pytest.mark.parametrize(("raw", "expected"), [
    ("￥1,999.00", 1999.0),
    ("¥1,999.00", 1999.0),
    ("￥１９９９", 1999.0),
    ("1,999元", 1999.0),
    ("1999元", 1999.0),
    ("RMB 1,999", 1999.0),
    ("$12.00", 12.0),
    ("(199.00)", -199.0),
    ("(￥199)", -199.0),
    ("-5", -5.0),
    ("－199", -199.0),  # full-width minus
    ("0.01", 0.01),
    (".5", 0.5),
    (" 7 ", 7.0),
    ("1e3", 1000.0),
    (3.5, 3.5),
    (7, 7.0),
])
def test_parse_amounts_accepts(raw, expected):
    assert parse_amounts(pd.Series([raw], dtype=object)).iloc[0] == pytest.approx(expected)


@pytest.mark.parametrize("raw", ["N/A", "待定", "--", "¥--", "1.2.3", "abc", "", "  ", None, True, "12,34,5x"])
def test_parse_amounts_rejects(raw):
    assert math.isnan(parse_amounts(pd.Series([raw], dtype=object)).iloc[0])


def test_normalise_status():
    raw = pd.Series(["已完成", "Completed", " PAID ", "ＣＯＭＰＬＥＴＥＤ", "交易成功", "已取消", "已关闭", "Cancelled",
                     "退货", "已退货", "Returned", "refund", None, "weird", "待发货"], dtype=object)
    expected = ["completed"] * 5 + ["cancelled"] * 3 + ["returned"] * 4 + ["completed", None, None]
    got = normalise_status(raw)
    assert [None if pd.isna(v) else v for v in got] == expected


# --------------------------------------------------------------------------- value checks (both paths)


def test_value_checks_give_value_reason_and_detail_per_value():
    when = check_timestamps(pd.Series(["2013年01月02日", "20130102", None, "02/01/2013", "9999-12-31"],
                                      dtype="string"))
    assert when.value.iloc[0] == when.value.iloc[1] == pd.Timestamp("2013-01-02")
    assert when.reason.iloc[:2].isna().all()
    assert when.reason.iloc[2:].tolist() == ["missing_date", "unparseable_date", "implausible_date"]
    assert pd.isna(when.detail.iloc[2]) and when.detail.iloc[3] == "02/01/2013"
    assert check_timestamps(pd.Series(["02/01/2013"]), ("%d/%m/%Y",)).reason.isna().all()  # the caller's formats
    typed = check_timestamps(pd.Series(pd.to_datetime(["2013-01-02"]).astype("datetime64[us]")))
    assert typed.value.dtype == "datetime64[ns]" and typed.reason.isna().all()
    money = check_amounts(pd.Series(["¥1,999.00", "1999,00", None, "N/A"], dtype="string"))
    assert money.value.iloc[:2].tolist() == [1999.0, 1999.0]
    assert money.reason.iloc[2:].tolist() == ["missing_amount", "unparseable_amount"] and money.detail.iloc[3] == "N/A"
    status = check_statuses(pd.Series(["已完成", "已取消", "退货", None, "待审核"], dtype="string"))
    assert status.value.tolist()[:4] == ["completed", "cancelled", "returned", "completed"]
    assert status.reason.tolist()[1] == "cancelled" and status.reason.tolist()[4] == "unknown_status"
    assert status.detail.tolist()[4] == "待审核" and pd.isna(status.detail.iloc[1])
    assert set(value_checks()) == {"timestamp", "amount", "status"}
    codes = {code for check in (when, money, status) for code in check.reason.dropna()}
    assert codes <= set(REASONS)


def test_amounts_in_either_convention_and_the_ambiguous_one_not_guessed():
    raw = pd.Series(["1.234,50", "1.299,00", "1.234.567", "199,00", "1,234.50", "1,23,456", "1'234.50", "0.125",
                     "1.299", "-1.299", "12,34,5", "1.234,567", "(1.299,00)"], dtype="string")
    money = check_amounts(raw)
    assert money.value.iloc[:8].tolist() == [1234.5, 1299.0, 1234567.0, 199.0, 1234.5, 123456.0, 1234.5, 0.125]
    assert money.reason.iloc[:8].isna().all()
    assert money.reason.iloc[8:12].tolist() == ["unparseable_amount"] * 4
    assert "ambiguous" in money.detail.iloc[8] and money.detail.iloc[8].startswith("1.299")
    assert money.detail.iloc[10] == "12,34,5"  # not ambiguous: simply no amount
    assert money.value.iloc[12] == -1299.0
    assert np.isnan(parse_amounts(raw).iloc[8])  # the public parser does not guess either


def test_implausible_amounts_and_dates_are_quarantined_not_kept():
    money = check_amounts(pd.Series(["1e308", "inf", "-Infinity", "1e309", "1000000001", "999999999.99"]))
    assert money.reason.tolist()[:5] == ["implausible_amount"] * 5 and pd.isna(money.reason.iloc[5])
    assert money.detail.iloc[0] == "1e308"
    typed = check_amounts(pd.Series([np.inf, 12.0, -2e12]))
    assert typed.reason.tolist()[0] == "implausible_amount" and typed.reason.tolist()[2] == "implausible_amount"
    when = check_timestamps(pd.Series(["9999-12-31", "1900-01-01", "0000-00-00 00:00:00", "1970-01-01 00:00:00",
                                       "99991231", "2099-12-31", "1980-01-01", "2013-02-30"]))
    assert when.reason.tolist()[:5] == ["implausible_date"] * 5
    assert when.reason.iloc[5:7].isna().all() and when.reason.iloc[7] == "unparseable_date"
    assert when.detail.iloc[2] == "0000-00-00 00:00:00"
    objects = check_timestamps(pd.Series([dt.datetime(9999, 12, 31), dt.datetime(2013, 1, 2)], dtype=object))
    assert objects.reason.iloc[0] == "implausible_date" and pd.isna(objects.reason.iloc[1])


def test_amounts_in_another_currency_than_the_datasets_are_quarantined():
    raw = pd.Series(["¥1,999.00", "1999元", "RMB 12", "$199.00", "€1299.00", "£12.00", "USD 59.50", "45.60 EUR",
                     "88.80", "$12 EUR", "￥12"], dtype="string")
    money = check_amounts(raw, "CNY")
    assert money.reason.isna().tolist() == [True, True, True] + [False] * 5 + [True, False, True]
    assert set(money.reason.dropna()) == {"currency_mismatch"} and money.detail.iloc[3] == "$199.00"
    assert money.value.iloc[7] == 45.6  # read; its currency is what keeps it out
    usd = check_amounts(raw, "usd")
    assert usd.reason.isna().tolist() == [False] * 3 + [True, False, False, True, False, True, False, False]
    assert check_amounts(pd.Series(["¥12", "12元", "12"]), None).reason.isna().all()  # ¥ and 元 agree: yuan
    with pytest.raises(MixedCurrencies, match=r"'\$199.00' here, '¥1,999.00' before it") as info:
        check_amounts(raw)
    assert info.value.at == 3 and "currency='CNY'" in str(info.value) and len(str(info.value)) <= 300
    assert check_amounts(raw, "RMB").reason.equals(money.reason)  # a mark of one currency names it
    with pytest.raises(DataError, match="currency 'yuan' is not an ISO 4217 code"):
        check_amounts(raw, "yuan")


def test_amounts_that_are_no_number_stay_unparseable():
    """Marks inside a number, a sign inside accounting brackets, a zero before a thousands comma, groups of
    the wrong size: not read as some number."""
    raw = pd.Series(["0,500", "-0,125", "(-60)", "1元2", "12¥34", "1'2345", "1,234,56,789", "1,2345", "¥(60"],
                    dtype="string")
    money = check_amounts(raw, "CNY")
    assert money.reason.tolist() == ["unparseable_amount"] * len(raw), money.value.tolist()
    fine = check_amounts(pd.Series(["-¥12", "¥ -12", "- ¥12", "+5", "1e3", "12.", ".5", " 12 ", "(¥60.00)", "1,999",
                                    "12,345,678.9", "0.500"], dtype="string"), "CNY")
    assert fine.value.tolist() == [-12, -12, -12, 5, 1000, 12, 0.5, 12, -60, 1999, 12345678.9, 0.5]
    assert fine.reason.isna().all()


def test_parsing_once_per_distinct_value_keeps_integer_columns():
    days = pd.Series([20130409] * 6 + [20130410] * 2)
    assert parse_timestamps(days).tolist() == [pd.Timestamp("2013-04-09")] * 6 + [pd.Timestamp("2013-04-10")] * 2
    assert normalise_status(pd.Series([1] * 5)).isna().all()
    with_missing = parse_timestamps(pd.Series(["20130409"] * 5 + [None], dtype="string"))
    assert with_missing.iloc[:5].notna().all() and pd.isna(with_missing.iloc[5])


def test_mixed_currencies_without_a_dataset_currency_name_the_file_and_row():
    df = pd.DataFrame({"customer_id": ["C1", "C2", "C3"], "order_id": ["A1", "A2", "A3"],
                       "timestamp": ["2013-01-02"] * 3, "amount": ["¥10", "12", "$5"],
                       "source_file": "orders.csv", "source_row": [1, 2, 3]})
    with pytest.raises(DataError, match=r"orders.csv, column 'amount', row 3: amounts in more than one currency .*"
                                        r"'\$5' here, '¥10' before it"):
        clean_transactions(df)
    clean, quarantine = clean_transactions(df, currency="CNY")
    assert len(clean) == 2 and quarantine["reason"].tolist() == ["currency_mismatch"]


def test_netting_allocates_in_file_order_whatever_the_row_order():
    """Two sale lines of one key, one return: the earlier line in its file gives first, however the
    frame is ordered (both paths hand the lines over in their own order)."""
    lines = pd.DataFrame({"customer_id": ["C1"] * 3, "order_id": ["O1"] * 3, "amount": [50.0, 80.0, -100.0],
                          "is_return": [False, False, True], "valid": True, "source_file": ["a.csv"] * 3,
                          "source_row": [9, 2, 12]}, index=[0, 1, 2])
    for frame in (lines, lines.iloc[::-1]):
        out = net_returns(frame, ["customer_id", "order_id"])
        assert out.loc[1, "returned_amount"] == 80.0 and out.loc[1, "reason"] == "fully_returned"
        assert out.loc[0, "returned_amount"] == 20.0 and out.loc[0, "amount"] == 30.0 and pd.isna(out.loc[0, "reason"])
        assert out.loc[2, "reason"] == "return_netted" and out.loc[2, "detail"] == "O1"


# --------------------------------------------------------------------------- rules and precedence


def test_duplicate_of_cancelled_order():
    rows = [line(order="O1", status="已取消"), line(order="O1", status="已取消"), line(order="O2")]
    clean, quarantine = clean_transactions(canon(rows))
    assert reason_of(quarantine, 1) == "cancelled"
    assert reason_of(quarantine, 2) == "duplicate"
    assert kept(clean, 3)["order_id"] == "O2"


def test_duplicates_are_per_file_and_need_every_column_equal():
    a = canon([line(order="O1"), line(order="O1"), line(order="O1", amount="101")], source="a.csv")
    b = canon([line(order="O1")], source="b.csv")
    clean, quarantine = clean_transactions(pd.concat([a, b], ignore_index=True))
    assert quarantine[["source_file", "source_row", "reason"]].values.tolist() == [["a.csv", 2, "duplicate"]]
    assert len(clean) == 3


def test_duplicates_of_a_table_in_memory_are_decided_by_values_not_hashes(monkeypatch):
    """A table in memory finds its candidate duplicates by the rows' hashes (``statements._repeated``, of the parsed
    times and amounts, not the file: ``statements._candidate_key``); the window over the candidates decides on the
    values as written: with every row a candidate (as if every hash collided) the outcome is the same, and a row
    whose hash is repeated by no other row is never a duplicate."""
    from helpers.clean import statements

    a = canon([line(order="O1"), line(order="O1"), line(order="O1", amount="101"), line(order="O2"),
               line(order="O2", customer=None), line(order="O2", customer=None),
               line(order="O3", when="2013/4/9 12:00", amount="¥100.00"), line(order="O3")], source="a.csv")
    b = canon([line(order="O1")], source="b.csv")
    sheets = canon([line(order="O4")] * 2, source="book.xlsx#2023")
    sheets.loc[1, "source_file"] = "book.xlsx#2024"  # two sheets of one workbook are one file
    table = pd.concat([a, b, sheets], ignore_index=True)
    expected = clean_transactions(table)
    assert expected.quarantine[["source_file", "source_row", "reason"]].values.tolist() == [
        ["a.csv", 2, "duplicate"], ["a.csv", 5, "missing_customer"], ["a.csv", 6, "duplicate"],
        ["book.xlsx#2024", 2, "duplicate"]]  # O3's lines: the same time and amount written two ways, no copy
    monkeypatch.setattr(statements, "_repeated", lambda positions, hashes: pa.array(positions.astype("int64")))
    every = clean_transactions(table)
    pd.testing.assert_frame_equal(every.clean, expected.clean, check_exact=True)
    pd.testing.assert_frame_equal(every.quarantine, expected.quarantine, check_exact=True)
    monkeypatch.setattr(statements, "_repeated", lambda positions, hashes: pa.array([], pa.int64()))
    assert "duplicate" not in set(clean_transactions(table).quarantine["reason"])


def test_ids_of_a_table_in_memory_are_normalised_whether_or_not_their_bytes_are_ascii():
    """``frame.ascii_ids`` spares the scan for non-ASCII ids when a column's bytes are ASCII; a full-width or
    invisible-space id in a hand-built table is still normalised as acquisition normalises it (NFKC, stripped)."""
    from helpers.clean.frame import ascii_ids

    plain = canon([line(customer="C1"), line(customer="C2", order="O2")])
    wide = canon([line(customer="Ｃ１"), line(customer="C1\u200b", order="O2")])
    assert ascii_ids(pa.Table.from_pandas(plain)) == ["customer_id", "order_id"]
    assert ascii_ids(pa.Table.from_pandas(wide)) == ["order_id"]
    assert clean_transactions(wide).clean["customer_id"].tolist() == ["C1", "C1"]
    assert clean_transactions(plain).clean["customer_id"].tolist() == ["C1", "C2"]


def test_ascii_ids_reads_the_bytes_the_values_span_not_the_whole_buffer():
    """A column's Arrow buffer may hold bytes of no value of its own (Arrow's CSV reader shares a block between
    columns; a slice keeps its parent's buffer): ``ascii_ids`` judges the bytes its values span, and a non-ASCII
    byte inside them still counts."""
    from helpers.clean.frame import ascii_ids
    from helpers.clean.textforms import ascii_only

    shared = pa.py_buffer("C1C2订单".encode("utf-8"))  # ASCII ids followed by another column's text
    ids = pa.Array.from_buffers(pa.large_string(), 2, [None, pa.py_buffer(np.array([0, 2, 4], dtype=np.int64))
                                                       .slice(0), shared])
    wide = pa.array(["C1", "订单"], pa.large_string())
    table = pa.table({"customer_id": ids, "order_id": wide, "timestamp": ["2024-01-01"] * 2})
    assert ascii_ids(table) == ["customer_id"]
    assert ascii_only(pa.chunked_array([wide.slice(0, 1)])) and not ascii_only(pa.chunked_array([wide.slice(1)]))
    assert ascii_only(pa.chunked_array([pa.array([None, None], pa.large_string())]))


def test_odd_spaces_are_told_from_the_values_bytes():
    """``has_odd_spaces``: bytes outside the values (a shared buffer's line breaks) say nothing; two spaces across
    two values are no value's; a tab, two spaces or a no-break space inside one are."""
    from helpers.clean.textforms import has_odd_spaces

    def column(values: list[str], data: bytes) -> pd.Series:
        offsets, at = [0], 0
        for v in values:
            at = data.index(v.encode(), at) + len(v.encode())
            offsets.append(at)
        offsets[0] = data.index(values[0].encode())
        arrow = pa.Array.from_buffers(pa.large_string(), len(values),
                                      [None, pa.py_buffer(np.array(offsets, dtype=np.int64)), pa.py_buffer(data)])
        return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([arrow])))

    assert not has_odd_spaces(column(["2024-01-01 10:00", "2024-01-02 11:00"], b"\n2024-01-01 10:002024-01-02 11:00\t"))
    assert not has_odd_spaces(pd.Series(["a ", " b"], dtype="string[pyarrow]"))
    for odd in ("a\tb", "a  b", "a\u00a0b", "a\u3000b"):
        assert has_odd_spaces(pd.Series(["x", odd], dtype="string[pyarrow]")), odd


def test_the_readers_ascii_ids_are_taken_from_the_input_by_position(tmp_path, monkeypatch):
    """The ids of an export read by :func:`read_transactions` (a GB18030 file: the id columns share Arrow's buffers
    with Chinese text) are found ASCII, so the kept lines take them from the input instead of a scan and a fetch."""
    from helpers.clean import frame

    path = tmp_path / "orders.csv"
    path.write_bytes("订单号,客户ID,下单时间,实付金额,订单状态\n".encode("gb18030")
                     + "".join(f"O{i},C{i % 7},2024-01-{1 + i % 28:02d} 10:00:00,¥{i}.00,已完成\n"
                               for i in range(200)).encode("gb18030"))
    seen, original = {}, frame.given_ids
    monkeypatch.setattr(frame, "given_ids", lambda *args: seen.setdefault("given", original(*args)))
    tx = read_transactions(path, columns={"customer_id": "客户ID", "order_id": "订单号", "timestamp": "下单时间",
                                          "amount": "实付金额", "status": "订单状态"})
    result = clean_transactions(tx)
    assert seen["given"] == ["customer_id", "order_id"]
    assert result.clean["customer_id"].tolist() == tx["customer_id"].iloc[
        result.clean["source_row"].to_numpy() - 1].tolist()


def test_candidate_duplicates_are_hashed_from_the_raw_columns_only_where_canon_holds_them_unchanged():
    """``frame.raw_key``: the side thread hashes the input's own columns only when the cleaning's ``canon`` holds the
    same values (text columns, ids ASCII and unpadded); a padded or full-width id, or a typed time, leaves it to the
    rule's own hashes of ``canon`` — and either way a copy that differs only in an id's padding is a duplicate."""
    from helpers.clean.frame import ascii_ids, raw_key, unpadded_ids

    def key_of(frame: pd.DataFrame):
        table = pa.Table.from_pandas(frame, preserve_index=False)
        return raw_key(table, unpadded_ids(table), ascii_ids(table))

    plain = canon([line(order="O1"), line(order="O1")])
    assert key_of(plain) == [c for c in ("customer_id", "order_id", "timestamp", "amount", "status")
                             if c in plain.columns]
    assert key_of(canon([line(customer=" C1"), line()])) is None
    assert key_of(canon([line(customer="Ｃ１"), line()])) is None
    typed = plain.assign(timestamp=pd.to_datetime(plain["timestamp"]))
    assert key_of(typed) is None
    padded = clean_transactions(canon([line(customer=" C1", order="O1"), line(customer="C1", order="O1")]))
    assert padded.quarantine["reason"].tolist() == ["duplicate"]


def test_rows_at_takes_as_take_does_a_block_at_a_time(monkeypatch):
    """``frame.rows_at`` (the quarantine's rows, taken a block at a time so that Arrow does not join a column's chunks
    into one copy) gives what ``DataFrame.take`` gives, positions on block edges, a block with none, every row; positions
    that do not rise, or count from the end, go to ``DataFrame.take`` itself."""
    from helpers.clean import frame

    monkeypatch.setattr(frame, "TAKE_BLOCK", 7)
    text = pa.chunked_array([pa.array([f"v{i}" if i % 5 else None for i in range(j, j + 9)], pa.large_string())
                             for j in range(0, 45, 9)])
    table = pd.DataFrame({"text": pd.Series(pd.arrays.ArrowStringArray(text)), "n": np.arange(45),
                          "file": pd.Series(["a.csv"] * 45, dtype="string")}, index=pd.RangeIndex(45))
    for positions in ([0, 6, 7, 13, 14, 44], [20], list(range(45)), [1, 2, 3, 30, 31], [], [30, 2, 2], [-1, 3]):
        at = np.array(positions, dtype=np.int64)
        pd.testing.assert_frame_equal(frame.rows_at(table, at), table.take(at), check_exact=True)


def test_test_account_beats_bad_date():
    rows = [line(customer="test01", when="not a date"), line(customer="STAFF_3", amount="N/A"),
            line(customer="测试账号1"), line(customer="90000001", when="garbage"), line(customer="C1")]
    clean, quarantine = clean_transactions(canon(rows), test_accounts=["90000001"])
    assert [reason_of(quarantine, i) for i in (1, 2, 3, 4)] == ["test_account"] * 4
    assert kept(clean, 5)["customer_id"] == "C1"


def test_pattern_can_be_disabled():
    clean, quarantine = clean_transactions(canon([line(customer="test01")]), test_id_pattern=None)
    assert len(clean) == 1 and quarantine.empty


def test_each_rule_and_raw_values_kept_in_quarantine():
    rows = [
        line(customer=None),                                 # 1 missing customer
        line(customer="  ", order="O2"),                     # 2 blank customer
        line(order="O3", when=None),                         # 3 missing date
        line(order="O4", when="2013-02-30 10:00:00"),        # 4 impossible date
        line(order="O5", amount=None),                       # 5 missing amount
        line(order="O6", amount="¥--"),                      # 6 unparseable amount
        line(order="O7", status="待审核"),                    # 7 unknown status
        line(order="O8", status="已取消"),                    # 8 cancelled
        line(customer=None, when="garbage", amount="x"),     # 9 first rule wins
        line(order="O10", when="09/04/2013"),                # 10 day-first
    ]
    clean, quarantine = clean_transactions(canon(rows))
    assert clean.empty
    expected = ["missing_customer", "missing_customer", "missing_date", "unparseable_date", "missing_amount",
                "unparseable_amount", "unknown_status", "cancelled", "missing_customer", "unparseable_date"]
    assert [reason_of(quarantine, i) for i in range(1, 11)] == expected
    assert set(quarantine["reason"]) <= set(REASONS)
    # raw values are kept as read, with the offending value in detail
    q = quarantine.set_index("source_row")
    assert q.loc[4, "timestamp"] == "2013-02-30 10:00:00" and q.loc[4, "detail"] == "2013-02-30 10:00:00"
    assert q.loc[6, "amount"] == "¥--" and q.loc[6, "detail"] == "¥--"
    assert q.loc[7, "status"] == "待审核" and q.loc[7, "detail"] == "待审核"
    assert q.loc[10, "timestamp"] == "09/04/2013"
    assert q.loc[8, "amount"] == "100"


def test_clean_values_are_typed():
    rows = [line(order="O1", when="2013年4月9日 12:00", amount="￥1,999.00", status="交易成功", quantity="2"),
            line(order="O2", when="41373", amount="(0.00)", status=None, quantity="1")]
    clean, quarantine = clean_transactions(canon(rows))
    assert quarantine.empty
    assert clean["timestamp"].dtype == "datetime64[ns]"
    assert kept(clean, 1)["amount"] == 1999.0 and kept(clean, 2)["amount"] == 0.0
    assert kept(clean, 1)["timestamp"] == pd.Timestamp("2013-04-09 12:00")
    assert kept(clean, 2)["timestamp"] == pd.Timestamp("2013-04-09 00:00")
    assert clean["source_row"].tolist() == [2, 1]  # sorted by time
    assert clean["status"].tolist() == ["completed", "completed"]
    assert kept(clean, 1)["quantity"] == 2 and kept(clean, 2)["quantity"] == 1
    assert clean["returned_amount"].tolist() == [0.0, 0.0]
    assert not clean["flag_extreme"].any()


def test_missing_status_column_means_completed():
    df = canon([line(order="O1"), line(order="O2")]).drop(columns="status")
    clean, quarantine = clean_transactions(df)
    assert quarantine.empty and clean["status"].tolist() == ["completed", "completed"]


def test_not_a_canonical_table():
    with pytest.raises(DataError, match="source_row"):
        clean_transactions(pd.DataFrame({"customer_id": ["1"], "order_id": ["1"], "timestamp": ["2013-01-01"],
                                         "amount": ["1"], "source_file": ["x"]}))
    with pytest.raises(ValueError):
        clean_transactions(canon([line()]), returns="gross")


def test_a_hand_built_table_that_repeats_a_source_row_is_refused_naming_it():
    """The rules find each row by its lineage: two rows with one (source_file, source_row) cannot be accounted
    for one by one, so cleaning refuses instead of losing or doubling one of them."""
    df = canon([line(order="O1"), line(order="O2", amount="-50"), line(order="O3")])
    df.loc[2, "source_row"] = df.loc[1, "source_row"]
    with pytest.raises(DataError, match=r"2 rows share their source_file and source_row .*row 2"):
        clean_transactions(df)


# --------------------------------------------------------------------------- returns


def test_partial_return_is_netted():
    rows = [line(order="O1", amount="300", product="耳机", quantity="3"),
            line(order="O1", amount="-100", product="耳机", quantity="-1", status="退货",
                 when="2013-04-12 10:00:00"),
            line(order="O1", amount="1999", product="小米手机2S", quantity="1")]
    clean, quarantine = clean_transactions(canon(rows))
    sale = kept(clean, 1)
    assert sale["amount"] == pytest.approx(200.0)
    assert sale["returned_amount"] == pytest.approx(100.0)
    assert sale["status"] == "completed"
    assert sale["timestamp"] == pd.Timestamp("2013-04-09 12:00:00")  # the sale keeps its own date
    phone = kept(clean, 3)
    assert phone["amount"] == 1999.0 and phone["returned_amount"] == 0.0  # other product untouched
    assert reason_of(quarantine, 2) == "return_netted"


def test_return_with_positive_amount_is_netted_too():
    rows = [line(order="O1", amount="300"), line(order="O1", amount="100", status="Returned")]
    clean, quarantine = clean_transactions(canon(rows))
    assert kept(clean, 1)["amount"] == pytest.approx(200.0)
    assert reason_of(quarantine, 2) == "return_netted"


def test_full_return_quarantines_both_lines():
    rows = [line(order="O1", amount="1999", product="phone"),
            line(order="O1", amount="-1999", product="phone", status="已退货"),
            line(order="O2", amount="50")]
    clean, quarantine = clean_transactions(canon(rows))
    assert reason_of(quarantine, 1) == "fully_returned"
    assert reason_of(quarantine, 2) == "return_netted"
    assert clean["order_id"].tolist() == ["O2"]
    # the sale's raw amount is kept in quarantine
    assert quarantine.set_index("source_row").loc[1, "amount"] == "1999"


def test_two_partial_returns_add_up_to_full():
    rows = [line(order="O1", amount="90"), line(order="O1", amount="-30", status="退货"),
            line(order="O1", amount="-60", status="退货")]
    clean, quarantine = clean_transactions(canon(rows))
    assert clean.empty
    assert [reason_of(quarantine, i) for i in (1, 2, 3)] == ["fully_returned", "return_netted", "return_netted"]


def test_unmatched_returns():
    rows = [line(order="O1", amount="-100", status="退货"),                     # no sale at all
            line(order="O2", amount="50", status="已取消"),                      # sale cancelled
            line(order="O2", amount="-50", status="退货"),
            line(order="O3", amount="80", product="case"),
            line(order="O3", amount="-20", product="film", status="退货"),       # other product
            line(customer="C2", order="O4", amount="70"),
            line(customer="C3", order="O4", amount="-70", status="退货")]        # other customer
    clean, quarantine = clean_transactions(canon(rows))
    for row in (1, 3, 5, 7):
        assert reason_of(quarantine, row) == "return_unmatched"
    assert kept(clean, 4)["amount"] == 80.0
    assert kept(clean, 6)["amount"] == 70.0


def test_negative_amount_with_completed_status_is_a_return():
    rows = [line(order="O1", amount="500"), line(order="O1", amount="(120.00)", status="已完成"),
            line(order="O9", amount="-5", status="已完成")]
    clean, quarantine = clean_transactions(canon(rows))
    assert kept(clean, 1)["amount"] == pytest.approx(380.0)
    assert reason_of(quarantine, 2) == "return_netted"
    assert reason_of(quarantine, 3) == "return_unmatched"


def test_returns_negative_keeps_return_lines():
    rows = [line(order="O1", amount="300"),
            line(order="O1", amount="100", status="退货", when="2013-04-12 10:00:00"),
            line(order="O2", amount="-40", status="已完成"),
            line(order="O3", amount="60")]
    clean, quarantine = clean_transactions(canon(rows), returns="negative")
    assert quarantine.empty
    assert kept(clean, 1)["amount"] == 300.0 and kept(clean, 1)["status"] == "completed"
    ret = kept(clean, 2)
    assert ret["amount"] == -100.0 and ret["status"] == "returned"
    assert ret["timestamp"] == pd.Timestamp("2013-04-12 10:00:00")  # at its own date
    assert kept(clean, 3)["amount"] == -40.0 and kept(clean, 3)["status"] == "returned"
    assert clean["amount"].sum() == pytest.approx(300 - 100 - 40 + 60)


# --------------------------------------------------------------------------- extreme orders


def test_bulk_order_flagged_and_kept():
    rng = np.random.default_rng(1)
    rows = [line(customer=f"C{i}", order=f"O{i}", amount=str(float(rng.choice([19, 49, 99, 799, 1999]))))
            for i in range(300)]
    rows += [line(customer="CORP", order="BULK", amount=str(60 * 1999.0), product="phone", quantity="60"),
             line(customer="CORP", order="BULK", amount="39", product="case", quantity="1")]
    clean, quarantine = clean_transactions(canon(rows))
    assert quarantine.empty
    flagged = clean.loc[clean["flag_extreme"], "order_id"]
    assert flagged.tolist() == ["BULK", "BULK"]  # every line of the order, and nothing else
    assert clean["flag_extreme"].sum() == 2


def test_flag_extreme_orders_flags_a_table_as_the_cleaning_did():
    """The public rule and the cleaning run one definition: on the cleaned lines it flags the same lines."""
    rng = np.random.default_rng(2)
    rows = [line(customer=f"C{i}", order=f"O{i % 150}", amount=str(float(rng.choice([19, 99, 1999]))))
            for i in range(300)]
    rows += [line(customer="CORP", order="BULK", amount=str(80 * 1999.0))]
    clean, _ = clean_transactions(canon(rows))
    assert clean["flag_extreme"].sum() == 1
    for factor in (5.0, 1.5):
        again, _ = clean_transactions(canon(rows), extreme_factor=factor)
        assert flag_extreme_orders(again, factor=factor).tolist() == again["flag_extreme"].tolist()


def test_extreme_factor_is_respected():
    rows = [line(customer=f"C{i}", order=f"O{i}", amount="100") for i in range(200)]
    rows.append(line(customer="X", order="BIG", amount="450"))
    clean, _ = clean_transactions(canon(rows))
    assert not clean["flag_extreme"].any()  # 450 < 5 × 100
    clean, _ = clean_transactions(canon(rows), extreme_factor=4.0)
    assert clean.loc[clean["flag_extreme"], "order_id"].tolist() == ["BIG"]


# --------------------------------------------------------------------------- row accounting


def test_row_accounting_and_check():
    rows = [line(order="O1"), line(order="O1"), line(order="O2", status="已取消"), line(order="O3"),
            line(customer=None, order="O4")]
    raw = canon(rows)
    clean, quarantine = clean_transactions(raw)
    check_accounting(raw, clean, quarantine)
    table = row_accounting(raw, clean, quarantine)
    steps = dict(zip(table["step"], table["rows"]))
    assert steps["rows in"] == 5 and steps["kept (clean)"] == 2
    assert steps["quarantined: duplicate"] == 1 and steps["quarantined: cancelled"] == 1
    assert steps["quarantined: missing_customer"] == 1 and steps["quarantined (total)"] == 3
    assert table.iloc[-1]["step"].startswith("difference") and table.iloc[-1]["rows"] == 0
    assert set(table["step_zh"]) >= {f"隔离：{REASONS_ZH['duplicate']}"}

    # inconsistent tables are caught
    with pytest.raises(AssertionError):
        check_accounting(raw, clean.iloc[1:], quarantine)  # a row lost
    with pytest.raises(AssertionError):
        check_accounting(raw, clean, pd.concat([quarantine, clean.iloc[[0]]], ignore_index=True))  # in both
    swapped = clean.copy()
    swapped.loc[0, "source_row"] = 99  # right count, wrong row
    with pytest.raises(AssertionError):
        check_accounting(raw, swapped, quarantine)
    with pytest.raises(AssertionError):
        check_accounting(pd.concat([raw, raw.iloc[[0]]], ignore_index=True), clean, quarantine)  # ids not unique
    broken = row_accounting(raw, clean.iloc[1:], quarantine)
    assert broken.iloc[-1]["rows"] == 1


def test_compare_with_planted():
    raw = canon([line(order="O1"), line(order="O1"), line(order="O2", status="已取消")])
    _, quarantine = clean_transactions(raw)
    table = compare_with_planted(quarantine, {"duplicate": 1, "cancelled": 2})
    assert table.set_index("reason")["match"].to_dict() == {"duplicate": True, "cancelled": False}


# --------------------------------------------------------------------------- bundled data


@pytest.fixture(scope="module")
def xiaomi_cleaned():
    acquired = load_xiaomi_sim(key=TEST_KEY)
    return acquired, clean_transactions(acquired.transactions, test_accounts=acquired.test_accounts)


def test_simulated_export_quarantine_matches_planted(xiaomi_cleaned):
    acquired, (clean, quarantine) = xiaomi_cleaned
    injected = read_manifest()["injected"]
    assert quarantine["reason"].value_counts().to_dict() == injected
    check_accounting(acquired.transactions, clean, quarantine)
    assert row_accounting(acquired.transactions, clean, quarantine).iloc[-1]["rows"] == 0
    assert clean["timestamp"].notna().all() and clean["amount"].notna().all()
    assert (clean["amount"] > 0).all()
    assert clean["timestamp"].min() >= pd.Timestamp("2012-01-01")
    assert clean["timestamp"].max() < pd.Timestamp("2014-07-01")


def test_simulated_bulk_orders_are_the_flagged_ones(xiaomi_cleaned):
    _, (clean, _) = xiaomi_cleaned
    bulk = set(clean.loc[clean["quantity"] >= 30, "order_id"])
    assert len(bulk) == 3  # helpers.simulate plants three corporate bulk orders
    assert set(clean.loc[clean["flag_extreme"], "order_id"]) == bulk


def test_cdnow_master_nothing_quarantined():
    raw = load_cdnow("master").transactions
    clean, quarantine = clean_transactions(raw)
    assert quarantine.empty
    assert len(clean) == 69_659
    assert int((clean["amount"] == 0).sum()) == 80
    assert clean["timestamp"].min() == pd.Timestamp("1997-01-01")
    assert clean["timestamp"].max() == pd.Timestamp("1998-06-30")
    assert clean["customer_id"].nunique() == 23_570
    check_accounting(raw, clean, quarantine)


def test_end_to_end_from_a_file(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(
        "订单号,客户ID,下单时间,实付金额,订单状态,商品名称\n"
        "A1,00042,2013-04-09 12:00:00,\"¥1,999.00\",已完成,小米手机2S\n"
        "A1,00042,2013-04-09 12:00:00,\"¥1,999.00\",已完成,小米手机2S\n"
        "A2,,2013/4/10 20:15,99,已完成,耳机\n"
        "A3,00043,2013年4月11日 09:30,(49.00),退货,耳机\n"
        "A4,00044,09/04/2013,10,已完成,贴膜\n", encoding="gb18030")
    raw = read_transactions(path)
    clean, quarantine = clean_transactions(raw)
    check_accounting(raw, clean, quarantine)
    assert clean["customer_id"].tolist() == ["00042"] and clean["amount"].tolist() == [1999.0]
    assert dict(zip(quarantine["source_row"], quarantine["reason"])) == {
        2: "duplicate", 3: "missing_customer", 4: "return_unmatched", 5: "unparseable_date"}


# --------------------------------------------------------------------------- property test

IDS = ["C1", "C2", "00042", "C3 ", "", "   ", None, "test01", "QA_7", "测试账号", "内部1", "staff"]
STATUSES = ["已完成", "交易成功", "Completed", "paid", None, "已取消", "Cancelled", "退货", "已退货", "Returned",
            "refund", "待审核", "lost", "", "???"]
GARBAGE_DATES = ["", "未知", "#VALUE!", "0000-00-00 00:00:00", "2013-02-30", "09/04/2013", "yesterday", None]
GARBAGE_AMOUNTS = ["", "N/A", "待定", "--", "¥--", "1.2.3", "abc", None]


@st.composite
def timestamps(draw):
    kind = draw(st.sampled_from(["iso", "slash", "zh", "dotted", "compact", "serial", "garbage"]))
    if kind == "garbage":
        return draw(st.sampled_from(GARBAGE_DATES))
    when = draw(st.datetimes(min_value=dt.datetime(2005, 1, 1), max_value=dt.datetime(2030, 12, 31)))
    when = when.replace(second=0, microsecond=0)
    return {
        "iso": f"{when:%Y-%m-%d %H:%M:%S}",
        "slash": f"{when.year}/{when.month}/{when.day} {when:%H:%M}",
        "zh": f"{when.year}年{when.month}月{when.day}日 {when:%H:%M}",
        "dotted": f"{when:%Y.%m.%d}",
        "compact": f"{when:%Y%m%d}",
        "serial": str((when.date() - dt.date(1899, 12, 30)).days),
    }[kind]


@st.composite
def amounts(draw):
    kind = draw(st.sampled_from(["plain", "yen", "fullwidth", "yuan", "paren", "negative", "garbage", "zero"]))
    if kind == "garbage":
        return draw(st.sampled_from(GARBAGE_AMOUNTS))
    if kind == "zero":
        return "0"
    value = draw(st.decimals(min_value="0.01", max_value="100000", places=2, allow_nan=False))
    return {
        "plain": f"{value}",
        "yen": f"¥{value:,}",
        "fullwidth": f"￥{value}",
        "yuan": f"{value}元",
        "paren": f"({value})",
        "negative": f"-{value}",
    }[kind]


@st.composite
def messy_tables(draw):
    n = draw(st.integers(min_value=0, max_value=25))
    with_product = draw(st.booleans())
    with_status = draw(st.booleans())
    products = ["phone", "case", "film", None]
    rows = []
    for _ in range(n):
        row = {
            "customer_id": draw(st.sampled_from(IDS)),
            "order_id": draw(st.sampled_from(["O1", "O2", "O3", "O4", None])),
            "timestamp": draw(timestamps()),
            "amount": draw(amounts()),
        }
        if with_status:
            row["status"] = draw(st.sampled_from(STATUSES))
        if with_product:
            row["product"] = draw(st.sampled_from(products))
        rows.append(row)
    # returns that match an earlier sale line (same customer, order, product)
    for _ in range(draw(st.integers(min_value=0, max_value=4)) if rows else 0):
        sale = dict(draw(st.sampled_from(rows)))
        sale["amount"] = draw(st.sampled_from(["-10", "(5.00)", "￥-1", "100000", "-0.01"]))
        sale["timestamp"] = draw(timestamps())
        if with_status:
            sale["status"] = draw(st.sampled_from(["退货", "Returned", "已完成"]))
        rows.append(sale)
    # exact duplicates
    for _ in range(draw(st.integers(min_value=0, max_value=3)) if rows else 0):
        rows.append(dict(draw(st.sampled_from(rows))))
    order = draw(st.permutations(range(len(rows))))
    rows = [rows[i] for i in order]
    columns = ["customer_id", "order_id", "timestamp", "amount"] + (["status"] if with_status else []) + (
        ["product"] if with_product else [])
    df = pd.DataFrame(rows, columns=columns)
    for column in columns:
        df[column] = df[column].astype("string")
    n_rows = len(df)
    split = draw(st.integers(min_value=0, max_value=n_rows))  # two source files
    df["source_file"] = pd.Series(["a.csv"] * split + ["b.xlsx"] * (n_rows - split), dtype="string")
    df["source_row"] = np.concatenate([np.arange(1, split + 1), np.arange(1, n_rows - split + 1)]).astype("int64")
    return df


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(df=messy_tables(), returns=st.sampled_from(["net", "negative"]),
       test_accounts=st.sampled_from([(), ("C2",)]))
def test_every_row_is_accounted_for(df, returns, test_accounts):
    raw = df.copy(deep=True)
    clean, quarantine = clean_transactions(df, returns=returns, test_accounts=test_accounts)
    pd.testing.assert_frame_equal(df, raw)  # input untouched

    assert len(clean) + len(quarantine) == len(df)
    check_accounting(df, clean, quarantine)
    ids_in = set(zip(df["source_file"], df["source_row"]))
    ids_clean = set(zip(clean["source_file"], clean["source_row"]))
    ids_q = set(zip(quarantine["source_file"], quarantine["source_row"]))
    assert ids_clean | ids_q == ids_in and not ids_clean & ids_q
    assert row_accounting(df, clean, quarantine).iloc[-1]["rows"] == 0

    assert clean["timestamp"].notna().all()
    assert clean["amount"].notna().all()
    assert clean["customer_id"].notna().all() and (clean["customer_id"].str.strip() != "").all()
    assert set(clean["status"]) <= {"completed", "returned"}
    assert set(quarantine["reason"]) <= set(REASONS)
    assert quarantine["reason"].notna().all()
    if "C2" in test_accounts:
        assert not (clean["customer_id"] == "C2").any()
    assert not clean["customer_id"].str.contains("test|QA|测试|内部|staff", case=False, regex=True).any()

    # quarantined rows keep the raw values exactly as read
    by_id = df.set_index(["source_file", "source_row"])
    for _, q in quarantine.iterrows():
        original = by_id.loc[(q["source_file"], q["source_row"])]
        for column in df.columns:
            if column in LINEAGE:
                continue
            assert (pd.isna(q[column]) and pd.isna(original[column])) or q[column] == original[column]

    # kept lines: the parsed raw amount is the kept amount plus what returns took off
    lineage = pd.MultiIndex.from_frame(df[list(LINEAGE)])
    parsed = pd.Series(parse_amounts(df["amount"]).to_numpy(), index=lineage)
    status = (normalise_status(df["status"]) if "status" in df.columns
              else pd.Series("completed", index=df.index, dtype="string"))
    status = pd.Series(status.to_numpy(), index=lineage)
    for _, c in clean.iterrows():
        key = (c["source_file"], c["source_row"])
        raw_amount = parsed.loc[key]
        is_return = status.loc[key] == "returned" or raw_amount < 0
        if returns == "net":
            assert not is_return and c["status"] == "completed"
            assert c["amount"] + c["returned_amount"] == pytest.approx(raw_amount, abs=1e-6)
            assert c["amount"] >= 0
            if c["returned_amount"] > 0:
                assert c["amount"] > 0
        else:
            assert c["returned_amount"] == 0
            assert c["status"] == ("returned" if is_return else "completed")
            assert c["amount"] == pytest.approx(-abs(raw_amount) if is_return else raw_amount)
