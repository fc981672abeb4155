"""The one table formatter (helpers.tables): each rule on small frames, in English and Chinese."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from helpers import i18n, outputs, plotting, tables


@pytest.fixture(autouse=True)
def _english_after():
    yield
    i18n.set_language("en")


def _cells(styler) -> list[str]:
    """The text of every body cell of the rendered table."""
    return [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td\b[^>]*>(.*?)</td>", styler.to_html(), re.S)]


def _headers(styler) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<th\b[^>]*>(.*?)</th>", styler.to_html(), re.S)]


def test_default_index_is_hidden_and_a_meaningful_index_becomes_a_column():
    plain = pd.DataFrame({"x": [1, 2]})
    assert _headers(tables.show(plain)) == ["x"] and _cells(tables.show(plain)) == ["1", "2"]
    named = pd.DataFrame({"x": [1, 2]}, index=pd.Index(["a", "b"], name="item"))
    assert _headers(tables.show(named)) == ["item", "x"] and _cells(tables.show(named)) == ["a", "1", "b", "2"]
    unnamed = pd.DataFrame({"x": [1, 2]}, index=["A", "B"])  # labels matter even without a name
    assert _cells(tables.show(unnamed))[::2] == ["A", "B"]


def test_canonical_columns_get_labels_with_units_in_english_and_chinese():
    df = pd.DataFrame({"monetary_value": [1.0], "T": [3.0], "customer_id": ["c1"], "my_column": [1]})
    assert _headers(tables.show(df, currency="CNY", period="week")) == [
        "mean spend per repeat purchase (CNY)", "customer age (weeks)", "customer", "my column"]
    assert _headers(tables.show(df)) [:2] == ["mean spend per repeat purchase", "customer age"]  # no empty ()
    i18n.set_language("zh", strict=True)
    assert _headers(tables.show(df, currency="CNY", period="week")) == [
        "每次复购平均消费 (CNY)", "客户年龄 (周)", "客户", "my column"]
    assert _headers(tables.show(df, labels={"my_column": "customers"}))[-1] == "客户数"


def test_numbers_by_unit_with_thousands_separators_and_no_e_notation():
    df = pd.DataFrame({"amount": [22047.891, 1234567.0], "customers": [10005, 8327],
                       "p_alive": [0.12345, 0.9], "revenue_share": [0.5412, 0.0012],
                       "rate (%)": [54.12, 3.0], "upper 95%": [0.5, 1.5], "tiny": [4.2e-7, 1.0], "huge": [1.5e12, 2.25]})
    cells = _cells(tables.show(df))
    assert cells[:8] == ["22,047.89", "10,005", "0.123", "54.1%", "54.1%", "0.50", "0.00000042",
                         "1,500,000,000,000.00"]
    assert cells[8:] == ["1,234,567.00", "8,327", "0.900", "0.1%", "3.0%", "1.50", "1.000", "2.25"]
    assert not any(re.search(r"\de[+-]\d", c) for c in cells)
    assert df["amount"].tolist() == [22047.891, 1234567.0], "the numbers themselves are not changed"


def test_missing_values_show_a_dash_and_booleans_ticks():
    df = pd.DataFrame({"a": [1.5, np.nan], "b": pd.array([1, None], dtype="Int64"), "c": ["x", None],
                       "d": [True, False], "e": pd.array([True, None], dtype="boolean"),
                       "f": [pd.Timestamp("2024-01-02"), pd.NaT], "g": ["True", "nan"]})
    cells = _cells(tables.show(df))
    assert cells == ["1.50", "1", "x", "✓", "✓", "2024-01-02", "✓", "—", "—", "—", "✗", "—", "—", "—"]
    html = tables.to_html(df)
    for word in ("NaN", "<NA>", "None", "True", "False", "NaT"):
        assert f">{word}<" not in html


def test_numbers_and_short_tokens_never_break_and_prose_wraps_between_words_only():
    df = pd.DataFrame({"note": ["a long description of the segment"], "revenue": [22047.89],
                       "order_id": ["1120101013733"]})
    html = tables.to_html(df)
    uuid = re.search(r'<table id="(T_\w+)"', html).group(1)

    def rule(col: int) -> str:
        return re.search(rf"#{uuid} td\.col{col} \{{([^}}]*)\}}", html).group(1)

    assert "white-space: nowrap !important" in rule(1) and "text-align: right" in rule(1)
    assert "white-space: nowrap !important" in rule(2), "an id is one token: never split"
    assert "nowrap" not in rule(0) and "word-break: normal !important" in rule(0)
    assert tables.to_html(df) == tables.to_html(df.copy()), "same table, same HTML (no random ids)"


def test_long_tables_are_cut_with_a_pointer_to_the_full_csv(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_REPORTS_DIR", str(tmp_path))
    df = pd.DataFrame({"customer_id": [f"c{i}" for i in range(40)], "clv": np.arange(40) * 1000.5})
    styler = tables.show(df, "demo_long", label="demo data")
    assert len(_cells(styler)) == 2 * tables.MAX_ROWS and styler.crm_hidden_rows == 25
    assert "25 more rows in" in styler.to_html() and "demo_long.csv" in styler.to_html()
    saved = pd.read_csv(tmp_path / "tables" / "demo_long.csv", encoding="utf-8-sig")
    assert len(saved) == 40 and saved["dataset"].eq("demo data").all()
    # a table saved before is pointed at, not written again
    other = df.assign(clv=df["clv"] + 1)
    path = outputs.save_table(other, "demo_saved")
    assert outputs.saved_path(other) == path and outputs.saved_path(other.copy()) is None
    assert "demo_saved.csv" in tables.to_html(other)
    assert "25 more rows not shown" in tables.to_html(other.copy())
    assert len(_cells(tables.show(df, max_rows=None))) == 80
    i18n.set_language("zh", strict=True)
    assert "另有 25 行见" in tables.show(df, "demo_long").to_html()


def test_statistics_table_replaces_a_describe_dump():
    summary = pd.DataFrame({"customer_id": list("abcd"), "frequency": [0.0, 1.0, 2.0, 7.0],
                            "monetary_value": [0.0, 10.0, 30.0, np.nan]})
    stats = tables.statistics_table(summary, currency="USD")
    assert stats["measure"].tolist() == ["repeat purchases", "mean spend per repeat purchase (USD)"]
    assert stats["values"].tolist() == [4, 3] and stats["mean"].tolist() == [2.5, pytest.approx(40 / 3)]
    assert stats.loc[0, "90th percentile"] == pytest.approx(np.percentile([0, 1, 2, 7], 90))
    assert stats.loc[1, "maximum"] == 30.0
    assert not any("%" in c for c in _cells(tables.show(stats))), "a percentile is not a percent"
    i18n.set_language("zh", strict=True)
    assert tables.statistics_table(summary)["measure"].tolist() == ["复购次数", "每次复购平均消费"]


def test_series_and_multiindex_columns_are_shown_flat():
    s = pd.Series([0.25, 0.75], index=pd.Index(["A", "B"], name="abc_class"), name="revenue_share")
    assert _headers(tables.show(s)) == ["abc class", "share of revenue"]
    assert _cells(tables.show(s)) == ["A", "25.0%", "B", "75.0%"]
    wide = pd.DataFrame([[1, 2]], columns=pd.MultiIndex.from_tuples([("n", "x"), ("n", "y")]))
    assert _headers(tables.show(wide)) == ["n x", "n y"]


def test_notebook_display_of_a_dataframe_goes_through_the_formatter():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        df = pd.DataFrame({"flag": [True], "share": [0.5]}, index=pd.Index(["k"], name="key"))
        for lang in ("en", "zh"):
            plotting.set_theme(lang=lang)
            html = shell.display_formatter.format(df)[0]["text/html"]
            assert html == tables.to_html(df) and "✓" in html and "50.0%" in html
    finally:
        InteractiveShell.clear_instance()
        i18n.set_language("en")


def test_cells_and_headers_are_text_not_markup_and_long_words_wrap_at_joints():
    df = pd.DataFrame({"<b>x</b>": ["<script>alert(1)</script> and more words"],
                       "source_file": ["orders_online_mall.csv"], "n": [1]})
    html = tables.to_html(df)
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;x&lt;/b&gt;" in html
    assert "orders_<wbr>online_<wbr>mall.csv" in html
    assert _cells(tables.show(df))[2] == "1"


def test_known_values_show_in_chinese_in_the_zh_set_only_and_files_keep_the_codes(tmp_path, monkeypatch):
    """Issue 17: table values of known vocabularies (quarantine reasons with their code, row-account steps,
    channels, segment names, the codebook's wording) are Chinese in the zh set; English and saved CSVs unchanged."""
    from helpers import schema, segment, survey  # noqa: F401  (registering their vocabularies is part of importing them)
    monkeypatch.setenv("CRM_REPORTS_DIR", str(tmp_path))
    statement = next(it for it in survey.load_codebook().items.values() if it.kind == "statement" and it.text_zh)
    df = pd.DataFrame({"reason": ["unparseable_date", "duplicate"] * 10,
                       "step": ["quarantined: unparseable_date", "rows in"] * 10,
                       "channel": ["online_mall", "my own shop"] * 10,
                       "segment": ["champions", "at risk"] * 10,
                       "text": [statement.text_en, "free text"] * 10,
                       "rows": range(20)})
    english = _cells(tables.show(df, max_rows=None))
    assert english[:6] == ["unparseable_date", "quarantined: unparseable_date", "online_mall", "champions",
                           statement.text_en, "0"]
    i18n.set_language("zh", strict=True)
    zh = _cells(tables.show(df, "demo_reasons"))
    assert zh[:6] == [f"{schema.REASONS_ZH['unparseable_date']} (unparseable_date)",
                      f"隔离：{schema.REASONS_ZH['unparseable_date']} (unparseable_date)",
                      "线上商城 (online_mall)", segment.SEGMENT_ZH["champions"], statement.text_zh, "0"]
    assert zh[6:12] == [f"{schema.REASONS_ZH['duplicate']} (duplicate)", "读入行数", "my own shop",
                        segment.SEGMENT_ZH["at risk"], "free text", "1"]  # a user's own value stays as it is
    saved = pd.read_csv(tmp_path / "tables" / "demo_reasons.csv", encoding="utf-8-sig")
    assert saved["reason"].tolist() == df["reason"].tolist() and saved["segment"].tolist() == df["segment"].tolist()
    # a source string of the catalog is no data value: the knowledge-base table "customers" is not 客户数
    assert i18n.catalog()["customers"] == "客户数" and _cells(tables.show(pd.DataFrame({"table": ["customers"]}))) == [
        "customers"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_html_written_directly_is_the_stylers_byte_for_byte(lang, tmp_path, monkeypatch):
    """``ReportTable.to_html`` (the sharing end, notebooks' DataFrames) writes exactly the Styler's markup."""
    monkeypatch.setattr(outputs, "reports_dir", lambda: tmp_path)
    i18n.set_language(lang)
    frames = {
        "mixed": pd.DataFrame({"customer_id": ["a1", "b2"], "amount": [1.5, 2000.25], "p_alive": [0.5, np.nan],
                               "note": ["a note with <b>markup</b> & words", "orders_online_mall.csv"],
                               "flag": [True, False], "when": pd.to_datetime(["2024-01-02 00:00", "2024-03-04 10:30"])}),
        "cut, with a caption": pd.DataFrame({"segment": ["champions", "hibernating"] * 20, "share": np.linspace(0, 1, 40)}),
        "empty rows": pd.DataFrame({"customers": pd.Series([], dtype="int64")}),
        "no columns": pd.DataFrame(),
        "headers that repeat once translated": pd.DataFrame({"share": [0.1], "customer_share": [0.2]}),
        "named index": pd.Series([3, 1], index=pd.Index(["x", "y"], name="code"), name="posts"),
    }
    for name, frame in frames.items():
        table = tables.format_table(frame)
        assert table.to_html() == table.styler().to_html() == table.styler()._repr_html_(), name
        assert tables.to_html(frame) == tables.show(frame).to_html(), name
    assert tables.format_table(frames["cut, with a caption"]).crm_hidden_rows == 25
