"""The reader's shortcuts over Arrow buffers (issue 20) give what the plain ways give: :func:`helpers.clean.edge_bytes`
against the bytes of each value, and :mod:`helpers.acquire.rows` over Arrow-backed columns against the same rows
read as Python objects (the path with no shortcut)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from helpers.acquire.rows import empty_rows, marks_and_empty_rows, structural_marks
from helpers.clean import edge_bytes

VALUES = ["MD120101229667", "1120101444547", "合计", " Total: ", "Sum", "MD12a", "x9", "", None, "  ", "\u3000",
          "总计：", "TOTAL", "9x", "已完成", "a", "¥38.00", "\u00a0合计\u00a0", "Total 1", "小计", "\t"]


def _edges(values: list[str | None]) -> tuple[list[int], list[int]]:
    encoded = [v.encode("utf-8") if v else b"" for v in values]
    return [v[0] if v else 0 for v in encoded], [v[-1] if v else 0 for v in encoded]


@pytest.mark.parametrize("kind", [pa.string(), pa.large_string(), pa.large_binary()])
def test_edge_bytes_are_each_values_first_and_last_bytes(kind):
    values = VALUES + ["", None]  # an empty and a missing value at the very end of the buffer
    convert = (lambda v: v.encode("utf-8") if v is not None else None) if kind == pa.large_binary() else (lambda v: v)
    arrow = pa.array([convert(v) for v in values], kind)
    assert tuple(map(list, edge_bytes(arrow))) == _edges(values)
    chunked = pa.chunked_array([arrow.slice(3, 5), arrow.slice(0, 0), pa.array([None, ""], kind), arrow.slice(9)])
    sliced = values[3:8] + [None, ""] + values[9:]
    assert tuple(map(list, edge_bytes(chunked))) == _edges(sliced)
    assert tuple(map(list, edge_bytes(pa.array(["", None, ""], kind)))) == ([0, 0, 0], [0, 0, 0])
    assert [len(e) for e in edge_bytes(pa.array([], kind))] == [0, 0]
    series = pd.Series(values, dtype="string[pyarrow]")
    assert tuple(map(list, edge_bytes(series))) == _edges(values)


def test_marks_over_arrow_columns_are_the_marks_over_objects():
    """The Arrow path passes over cells with an ASCII digit at either end before any expression (``MD123`` ids are
    no totals row; ``合计``, ``Total:``, ``总计：`` are, with or without spaces) and finds what the object path finds."""
    rng = np.random.default_rng(7)
    n = 400
    columns = {name: [VALUES[i] for i in rng.integers(0, len(VALUES), n)] for name in ("order", "customer", "amount")}
    columns["order"][:4] = [None, "", "  ", None]  # rows whose first filled cell is further right
    columns["customer"][:4] = ["合计", None, "MD123", None]
    columns["amount"][:4] = ["5", "Total:", "合计", None]
    arrow = pd.DataFrame({k: pd.Series(v, dtype=pd.StringDtype("pyarrow", na_value=np.nan)) for k, v in columns.items()})
    plain = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in columns.items()})
    got, want = structural_marks(arrow), structural_marks(plain)
    for mark in want:
        assert got[mark].fillna("-").tolist() == want[mark].fillna("-").tolist(), mark
    summary = got["summary_row"]
    assert summary.iloc[:4].fillna("-").tolist() == ["first cell '合计'", "first cell 'Total:'", "-", "-"]
    ids = arrow["order"].isin(["MD120101229667", "MD12a", "x9", "9x", "1120101444547"]).to_numpy()
    assert summary[ids].isna().all() and summary.notna().sum() > 20
    empty = empty_rows(plain).tolist()
    assert empty_rows(arrow).tolist() == empty and sum(empty) > 0
    for frame in (arrow, plain):  # the marks' filled cells tell the empty rows
        assert marks_and_empty_rows(frame)[1].tolist() == empty


@pytest.mark.parametrize("values", [["C1", "MD120101229667", "1120101444547"],  # plain ASCII: kept as it is
                                    ["C1", " C1 ", "", "  ", None, "\t7"],  # ASCII to strip, blanks
                                    ["C1", "~!", "x\x7fy", "a b"], ["AAA", ""], ["C1", None],  # told from bytes
                                    ["１００４２", "C\u200b2", "\u00a0C3", "C1", "客户", None, " 合计 "]])
def test_ids_are_normalised_as_clean_cell_says(values):
    from helpers.acquire.values import normalise_ids
    from helpers.schema import clean_cell

    frame = pd.DataFrame({"customer_id": pd.Series(values, dtype="string[pyarrow]"),
                          "order_id": pd.Series(values[::-1], dtype=pd.StringDtype("pyarrow", na_value=np.nan))})
    notes = normalise_ids(frame)
    for column, raw in (("customer_id", values), ("order_id", values[::-1])):
        want = [pd.NA if v is None or clean_cell(v) == "" else clean_cell(v) for v in raw]
        assert frame[column].dtype == "string" and frame[column].tolist() == want, column
    assert bool(notes) == any(v is not None and clean_cell(v) != v.strip(" \t") for v in values)


def test_a_cell_starting_with_a_filled_start_byte_is_no_blank_to_arrow():
    """:func:`helpers.acquire.rows.filled_start` against every code point: a character whose UTF-8 first byte it
    marks is no space to ``utf8_is_space`` (nor stripped by ``utf8_trim_whitespace``)."""
    import pyarrow.compute as pc

    from helpers.acquire.rows import filled_start

    points = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    text = pa.array([chr(c) for c in points], pa.large_string())
    space = pc.utf8_is_space(text).to_numpy(zero_copy_only=False)
    space |= pc.equal(pc.utf8_trim_whitespace(text), "").to_numpy(zero_copy_only=False)
    first = edge_bytes(text)[0]
    marked = filled_start(first)
    assert not (marked & space).any() and marked.sum() > 1_000_000  # nearly every code point starts a filled cell
    words = ["已完成", "合计", "a", "é", "¥1", "\u3000a", "\u00a0a", " a", "\ta"]  # ¥ shares 0xC2 with U+00A0
    starts = np.array([w.encode()[0] for w in words], dtype=np.uint8)
    assert filled_start(starts).tolist() == [True, True, True, True, False, False, False, False, False]
    assert filled_start(np.arange(256, dtype=np.uint8)).sum() == 0x5E + 0x1E + 0x11
