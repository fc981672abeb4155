"""The workbook's figure theme draws Chinese, and plot helpers label what they show."""

from __future__ import annotations

import os
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from helpers import clean, plotting  # noqa: E402


def _needs_cjk():
    if plotting.find_cjk_font() is None and os.environ.get("CI") != "true":
        pytest.skip("no CJK font installed (make test installs fonts-noto-cjk as root)")


def test_theme_draws_chinese_without_missing_glyphs():
    _needs_cjk()
    font = plotting.set_theme()
    assert font is not None and font in plt.rcParams["font.family"]
    fig, ax = plt.subplots()
    ax.set_title("客户识别 Customer identification")
    ax.set_xlabel("年龄 (years)")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
    plt.close(fig)
    missing = [w for w in caught if "missing from font" in str(w.message) or "Glyph" in str(w.message)]
    assert not missing, [str(w.message) for w in missing]


def test_weekly_plot_leaves_out_an_incomplete_last_week_and_labels_units():
    plotting.set_theme()
    times = pd.Series(pd.date_range("2024-01-01", "2024-03-04", freq="D"))  # ends on a Monday
    fig = plotting.plot_weekly(times, title="Lines per week", ylabel="lines per week (行/周)", label="TEST (SIMULATED)")
    ax = fig.axes[0]
    y = ax.lines[0].get_ydata()
    assert y.min() == 7, "a partial week would show a false drop"
    assert "SIMULATED" in ax.get_title(loc="left") and "行/周" in ax.get_ylabel()
    plt.close(fig)


def test_row_accounting_figure_shows_every_reason():
    plotting.set_theme()
    raw = pd.DataFrame({"customer_id": ["a", None, "b"], "order_id": ["1", "2", "3"],
                        "timestamp": ["2024-01-01", "2024-01-02", "不详"], "amount": ["1", "2", "3"],
                        "source_file": "f.csv", "source_row": [1, 2, 3]})
    result = clean.clean_transactions(raw)
    table = clean.row_accounting(raw, *result)
    fig = clean.plot_row_accounting(table, label="demo")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert any("missing_customer" in t for t in labels) and any("unparseable_date" in t for t in labels)
    assert "difference 0" in fig.axes[0].get_title(loc="left")
    plt.close(fig)
