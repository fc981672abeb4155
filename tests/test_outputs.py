"""Tables and figures written under the reports folder."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from helpers import outputs


def test_save_table_labels_the_dataset_and_keeps_chinese_for_excel(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_REPORTS_DIR", str(tmp_path))
    table = pd.DataFrame({"步骤": ["输入行数"], "rows": [3]})
    path = outputs.save_table(table, "t1", label="Xiaomi-like CRM export (SIMULATED · 模拟数据)")
    assert path == tmp_path / "tables" / "t1.csv"
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel shows the Chinese headers
    back = pd.read_csv(path, encoding="utf-8-sig")
    assert list(back.columns) == ["dataset", "步骤", "rows"]
    assert back.loc[0, "dataset"].endswith("(SIMULATED · 模拟数据)")
    assert list(table.columns) == ["步骤", "rows"], "the caller's table was modified"


def test_save_figure_writes_a_png(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_REPORTS_DIR", str(tmp_path))
    fig, ax = plt.subplots()
    ax.plot([1, 2])
    path = outputs.save_figure(fig, "f1")
    plt.close(fig)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("bad", ["../escape", "a/b", "名字 空格", ""])
def test_output_names_cannot_escape_the_folder(tmp_path, monkeypatch, bad):
    monkeypatch.setenv("CRM_REPORTS_DIR", str(tmp_path))
    with pytest.raises(ValueError):
        outputs.save_table(pd.DataFrame({"a": [1]}), bad)


def test_append_markdown_appends_in_order(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_REPORTS_DIR", str(tmp_path))
    outputs.append_markdown("## run 1\n")
    path = outputs.append_markdown("## run 2 · 基准\n")
    assert path.read_text(encoding="utf-8") == "## run 1\n## run 2 · 基准\n"


def test_very_large_tables_go_to_parquet_and_replace_an_older_csv(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_REPORTS_DIR", str(tmp_path))
    monkeypatch.setattr(outputs, "CSV_MAX_ROWS", 10)
    small = outputs.save_table(pd.DataFrame({"x": range(5)}), "t", label="SIMULATED demo")
    assert small.suffix == ".csv"
    big = outputs.save_table(pd.DataFrame({"x": range(50)}), "t", label="SIMULATED demo")
    assert big.suffix == ".parquet" and not small.exists()
    back = pd.read_parquet(big)
    assert len(back) == 50 and (back["dataset"] == "SIMULATED demo").all()


def test_write_parquet_in_row_groups_equals_pandas_and_keeps_dtypes(tmp_path, monkeypatch):
    from helpers import largelog

    monkeypatch.setattr(largelog, "LARGE_CUSTOMERS", 10)  # chunked path with a bar above 10 rows
    n = 45
    table = pd.DataFrame({"customer_id": pd.array([f"c{i:03d}" for i in range(n)], dtype="str"),
                          "clv": np.linspace(0, 1, n),
                          "segment": pd.Categorical(["a", "b", "c"] * (n // 3)),
                          "note": [None] * (n - 1) + ["late text"]})
    path = outputs.write_parquet(table, tmp_path / "big.parquet", chunk_rows=7)
    import pyarrow.parquet as pq

    assert pq.ParquetFile(path).metadata.num_row_groups == 7
    table.to_parquet(tmp_path / "ref.parquet", index=False)
    pd.testing.assert_frame_equal(pd.read_parquet(path), pd.read_parquet(tmp_path / "ref.parquet"))


# --------------------------------------------------------------------------- formula (CSV) injection

FORMULAS = ['=HYPERLINK("http://example.com","click")', "+1-555-0100", "@SUM(A1:A9)", "-2+3", "\t=1+1", "\r=1+1",
            "=cmd|' /C calc'!A0"]


def test_save_table_writes_formula_text_neutralised_and_numbers_unchanged(tmp_path, monkeypatch):
    """OWASP CSV injection: text starting with = + - @ tab CR gets a leading ', numbers never change."""
    monkeypatch.setenv("CRM_REPORTS_DIR", str(tmp_path))
    n = len(FORMULAS) + 3
    table = pd.DataFrame({
        "product": FORMULAS + ["小米 13", "-12.5", None],
        "revenue": [-1.5, 2.0, -300000.0, 0.0, 1e-9, -7.25, 3.0, -0.5, 12.0, -99.0],
        "orders": np.arange(-5, n - 5),
        "segment": pd.Categorical(["=champions", "loyal"] * (n // 2)),
    })
    original = table.copy(deep=True)
    path = outputs.save_table(table, "formulas", label="=SIMULATED")
    pd.testing.assert_frame_equal(table, original)  # the caller's table is not modified
    back = pd.read_csv(path, encoding="utf-8-sig", dtype={"product": str, "segment": str, "dataset": str},
                       keep_default_na=False)
    assert len(back) == n, "a carriage return inside a cell must not break the table's rows"
    assert back["product"].tolist() == ["'" + f for f in FORMULAS] + ["小米 13", "-12.5", ""]
    assert back["segment"].tolist() == ["'=champions", "loyal"] * (n // 2)
    assert (back["dataset"] == "'=SIMULATED").all()
    pd.testing.assert_series_equal(back["revenue"], table["revenue"])  # negative numbers stay numbers
    pd.testing.assert_series_equal(back["orders"], table["orders"])


def test_neutralise_formulas_covers_headers_and_index_and_leaves_other_types(tmp_path):
    table = pd.DataFrame({"=total": [1.0, -2.0], "when": pd.to_datetime(["2024-01-01", "2024-01-02"]),
                          "flag": [True, False]}, index=pd.Index(["@home", "ok"], name="shop"))
    out = outputs.neutralise_formulas(table)
    assert list(out.columns) == ["'=total", "when", "flag"] and list(out.index) == ["'@home", "ok"]
    assert out["'=total"].tolist() == [1.0, -2.0]
    assert out["when"].tolist() == table["when"].tolist() and out["when"].dtype == table["when"].dtype
    assert out["flag"].tolist() == [True, False] and out["flag"].dtype == bool
    assert outputs.neutralise_formulas(out).equals(out), "neutralising twice changes nothing more"


def test_save_table_writes_crlf_lines(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_REPORTS_DIR", str(tmp_path))
    path = outputs.save_table(pd.DataFrame({"post": ["a\rb", "c\nd"], "n": [1, 2]}), "lines")
    assert path.read_bytes() == b'\xef\xbb\xbfpost,n\r\n"a\rb",1\r\n"c\nd",2\r\n'
