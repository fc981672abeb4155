"""One figure style for the whole workbook: seaborn's theme with fonts that draw Chinese.

Call :func:`set_theme` once at the top of a notebook. Matplotlib only falls back glyph by
glyph across an explicit ``font.family`` *list*, so the theme sets
``["DejaVu Sans", <CJK font>]``: Latin text in DejaVu Sans, Chinese in the CJK font
(Noto Sans CJK SC from Debian's ``fonts-noto-cjk``, or another CJK font found on the
machine). ``sns.set_theme`` resets fonts, which is why the fonts are set after it.

Plot functions here take tidy DataFrames, return the :class:`matplotlib.figure.Figure`,
label axes with units, and put the dataset label (which says SIMULATED for simulated data)
in the title.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib import font_manager
from matplotlib.figure import Figure

CJK_FONT_NAMES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
                  "WenQuanYi Zen Hei", "Microsoft YaHei", "SimHei", "PingFang SC", "Heiti SC",
                  "Noto Sans CJK JP", "AR PL UMing CN")
CJK_FONT_FILES = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                  "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
                  "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
INSTALL_HINT = "apt-get install -y --no-install-recommends fonts-noto-cjk"
PALETTE = "deep"
FIGSIZE = (8.0, 4.2)


def find_cjk_font() -> str | None:
    """Name of an installed font that covers Chinese, registering known font files if needed."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for name in CJK_FONT_NAMES:
        if name in installed:
            return name
    for path in CJK_FONT_FILES:  # installed after matplotlib built its font cache
        if Path(path).exists():
            font_manager.fontManager.addfont(path)
            installed = {f.name for f in font_manager.fontManager.ttflist}
            for name in CJK_FONT_NAMES:
                if name in installed:
                    return name
    return None


def set_theme(context: str = "notebook") -> str | None:
    """Apply the workbook's seaborn theme with CJK-capable fonts; return the CJK font used.

    Warns (once) with the install line when no CJK font is found: Chinese labels would
    otherwise silently become empty boxes.
    """
    sns.set_theme(context=context, style="whitegrid", palette=PALETTE)
    cjk = find_cjk_font()
    families = ["DejaVu Sans"] + ([cjk] if cjk else [])
    plt.rcParams["font.family"] = families
    plt.rcParams["axes.unicode_minus"] = False
    plt.rcParams["figure.figsize"] = FIGSIZE
    plt.rcParams["figure.dpi"] = 110
    plt.rcParams["savefig.dpi"] = 150
    plt.rcParams["savefig.bbox"] = "tight"
    plt.rcParams["axes.titleweight"] = "bold"
    plt.rcParams["axes.titlesize"] = 12
    if cjk is None:
        warnings.warn(f"No CJK font found: Chinese text in figures will not render. Install one: {INSTALL_HINT}",
                      stacklevel=2)
    return cjk


def _title(ax, title: str, label: str | None) -> None:
    ax.set_title(title if not label else f"{title}\n{label}", loc="left")


def plot_weekly(
    timestamps: pd.Series,
    values: pd.Series | None = None,
    *,
    title: str,
    ylabel: str,
    label: str | None = None,
    events: list[tuple[str, str]] | None = None,
) -> Figure:
    """Weekly totals of ``values`` (or counts of rows) over time, with optional event markers.

    ``events`` is a list of ``(date, short label)`` drawn as dotted vertical lines.
    """
    frame = pd.DataFrame({"t": pd.to_datetime(timestamps), "v": 1 if values is None else values}).dropna()
    weekly = frame.set_index("t")["v"].resample("W-MON", label="left", closed="left").sum()
    if len(weekly) > 2 and frame["t"].max() < weekly.index[-1] + pd.Timedelta(days=6):
        weekly = weekly.iloc[:-1]  # the last week is incomplete: leave it out rather than show a false drop
    fig, ax = plt.subplots()
    ax.plot(weekly.index, weekly.to_numpy(), lw=1.2, color=sns.color_palette(PALETTE)[0])
    ax.fill_between(weekly.index, weekly.to_numpy(), alpha=0.15, color=sns.color_palette(PALETTE)[0])
    top = float(weekly.max()) if len(weekly) else 1.0
    for day, text in events or []:
        ts = pd.Timestamp(day)
        if len(weekly) and weekly.index.min() <= ts <= weekly.index.max():
            ax.axvline(ts, color="grey", ls=":", lw=0.9)
            ax.text(ts, top * 0.98, text, rotation=90, va="top", ha="right", fontsize=7, color="dimgrey")
    locator = mdates.AutoDateLocator(maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_xlabel("week (周)")
    ax.set_ylabel(ylabel)
    _title(ax, title, label)
    ax.margins(x=0.01)
    fig.tight_layout()
    return fig


def plot_customer_profile(customers: pd.DataFrame, *, label: str | None = None) -> Figure:
    """Age distribution (years), acquisition channel and community membership of customers."""
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.6), gridspec_kw={"width_ratios": [1.4, 1, 1]})
    ages = pd.to_numeric(customers["age"], errors="coerce").dropna()
    sns.histplot(ages, bins=range(int(ages.min()), int(ages.max()) + 2), ax=axes[0])
    axes[0].axvspan(18, 36, color="orange", alpha=0.12, label="18–35")
    axes[0].legend(loc="upper right", fontsize=8)
    axes[0].set_xlabel("age (years, 年龄)")
    axes[0].set_ylabel("customers (客户数)")
    axes[0].set_title("Age 年龄", loc="left")
    shares = customers["channel"].value_counts(normalize=True).mul(100).rename("share").reset_index()
    sns.barplot(data=shares, y="channel", x="share", hue="channel", legend=False, ax=axes[1])
    axes[1].set_xlabel("share of customers (%)")
    axes[1].set_ylabel("")
    axes[1].set_title("Acquisition channel 获客渠道", loc="left")
    member = pd.DataFrame({
        "membership": ["MIUI user", "forum member 论坛会员"],
        "share": [customers["miui_user"].eq("是").mean() * 100, customers["forum_member"].eq("是").mean() * 100],
    })
    sns.barplot(data=member, y="membership", x="share", hue="membership", legend=False, ax=axes[2])
    axes[2].set_xlim(0, 100)
    axes[2].set_xlabel("share of customers (%)")
    axes[2].set_ylabel("")
    axes[2].set_title("Community 社区", loc="left")
    if label:
        fig.suptitle(f"Customer profile 客户画像 — {label}", x=0.01, ha="left", fontweight="bold")
    fig.tight_layout()
    return fig


def plot_row_accounting(accounting: pd.DataFrame, *, label: str | None = None) -> Figure:
    """Rows in → kept + quarantined by reason, as horizontal bars (from :func:`clean.row_accounting`)."""
    table = accounting[~accounting["step"].str.startswith("difference")].copy()
    table["kind"] = table["step"].map(lambda s: "in" if s == "rows in" else ("kept" if s.startswith("kept")
                                                                                else "quarantined"))
    table["what"] = table["step"].str.replace("quarantined: ", "", regex=False) + " · " + table["step_zh"].str.replace(
        "隔离：", "", regex=False)
    colors = {"in": "#4C72B0", "kept": "#55A868", "quarantined": "#C44E52"}
    fig, ax = plt.subplots(figsize=(FIGSIZE[0], 0.6 + 0.38 * len(table)))
    ax.barh(table["what"], table["rows"], color=table["kind"].map(colors))
    for y, value in enumerate(table["rows"]):
        ax.text(value, y, f" {value:,}", va="center", fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("symlog", linthresh=10)
    ax.set_xlabel("rows (行, symmetric log scale)")
    diff = int(accounting.loc[accounting["step"].str.startswith("difference"), "rows"].iloc[0])
    _title(ax, f"Row accounting 行数核对: in = kept + quarantined (difference {diff})", label)
    fig.tight_layout()
    return fig
