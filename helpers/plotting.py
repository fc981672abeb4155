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

import html as _html
import math
import os
import re
import textwrap
import unicodedata
import warnings
from pathlib import Path

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import i18n, tables
from .i18n import tr
from .largelog import weekly_totals

if TYPE_CHECKING:
    from matplotlib.figure import Figure

CJK_FONT_NAMES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
                  "WenQuanYi Zen Hei", "Microsoft YaHei", "SimHei", "PingFang SC", "Heiti SC",
                  "Noto Sans CJK JP", "AR PL UMing CN")
CJK_FONT_FILES = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                  "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
                  "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
INSTALL_HINT = "apt-get install -y --no-install-recommends fonts-noto-cjk"
FIGURE_FORMAT_ENV_VAR = "CRM_FIGURE_FORMAT"
"""``svg`` (set by the report command): inline figures as SVG with text as text."""
PALETTE = "deep"
PAGE_WIDTH_IN = 7.09
"""Text width of an A4 report page (210 mm − 2 × 15 mm margins = 180 mm) in inches: the PDF route
shrinks a wider figure to it (``max-width: 100%`` in :data:`helpers.report.pdf.PRINT_CSS`), which
scales every font by ``PAGE_WIDTH_IN / width``; a narrower figure is printed at its own size."""
FIGURE_WIDTH = 7.0
"""Width of every workbook figure (inches, ≤ :data:`PAGE_WIDTH_IN`): fonts print at their size."""
FIGSIZE = (FIGURE_WIDTH, 3.6)
MIN_FONT_PT = 8.0
"""Smallest text in a printed figure (points); the theme's sizes and every explicit ``fontsize`` ≥ it."""
FONT_SIZES = {"font.size": 9.0, "axes.labelsize": 9.0, "axes.titlesize": 10.0, "xtick.labelsize": 8.5,
              "ytick.labelsize": 8.5, "legend.fontsize": 8.5, "legend.title_fontsize": 8.5,
              "figure.titlesize": 10.5}
"""Theme font sizes (points), set after seaborn's context (which would scale them)."""


def find_cjk_font() -> str | None:
    """Name of an installed font that covers Chinese, registering known font files if needed."""
    from matplotlib import font_manager

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


def set_theme(context: str = "notebook", lang: str = "en") -> str | None:
    """Apply the workbook's seaborn theme with CJK-capable fonts and the language; return the CJK font used.

    Parameters
    ----------
    context
        seaborn context (``"notebook"``, ``"paper"``, ``"talk"``).
    lang
        ``"en"`` or ``"zh"``: language of figure titles, axis labels, legend and category labels
        (:mod:`helpers.i18n`) and of table headers shown in the notebook (an IPython HTML formatter
        shows every displayed DataFrame through :func:`helpers.tables.show`, and in ``"zh"`` translates
        the headers of Stylers; the CSV files of :func:`helpers.outputs.save_table` keep English names).

    Report runs (``CRM_FIGURE_FORMAT=svg``, set by :mod:`helpers.report`) also switch inline
    figures to SVG with text kept as text (``svg.fonttype = "none"``), so figure titles and axis
    labels are real text in the PDF. Warns (once) with the install line when no CJK font is
    found: Chinese labels would otherwise silently become empty boxes.

    Raises
    ------
    ValueError
        If ``lang`` is not ``"en"`` or ``"zh"``.
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    i18n.set_language(lang)
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
    plt.rcParams.update(FONT_SIZES)
    if os.environ.get(FIGURE_FORMAT_ENV_VAR, "").strip().lower() == "svg":
        _use_svg_figures()
    _register_table_formatters(i18n.get_language())
    if cjk is None:
        warnings.warn(f"No CJK font found: Chinese text in figures will not render. Install one: {INSTALL_HINT}",
                      stacklevel=2)
    return cjk


def _use_svg_figures() -> None:
    """Inline figures as SVG whose text stays text (searchable and selectable in the PDF).

    ``svg.fonttype = "none"`` writes ``<text>`` elements with the font family list instead of
    glyph outlines; the browser that prints the report draws them with the same fonts
    (DejaVu Sans, Noto Sans CJK SC).
    """
    import matplotlib.pyplot as plt

    plt.rcParams["svg.fonttype"] = "none"
    try:
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # pragma: no cover - IPython is always there in a kernel
        return
    if get_ipython() is not None:
        set_matplotlib_formats("svg")


TABLE_HEADER = re.compile(r"(<th\b[^>]*>)([^<]*)(</th>)")
"""A ``<th>`` cell with plain text: groups opening tag, text, closing tag (the PDF reports use it too)."""


def translate_table_html(html: str) -> str:
    """Translate the text of every ``<th>`` (column headers, index names and labels) via the catalog.

    Unknown headers (e.g. a user's own column names) are kept unchanged.
    """
    def one(m: re.Match) -> str:
        text = _html.unescape(m.group(2))
        new = i18n.tr_header(text.strip())
        return m.group(0) if new == text.strip() else m.group(1) + _html.escape(new, quote=False) + m.group(3)

    return TABLE_HEADER.sub(one, html)


def _dataframe_html(df: pd.DataFrame) -> str | None:
    """A displayed DataFrame through the one table formatter (:func:`helpers.tables.show`)."""
    return tables.to_html(df)


def _styler_html(styler) -> str | None:
    """A Styler's (or :class:`helpers.tables.ReportTable`'s) HTML with its headers translated."""
    return translate_table_html(styler._repr_html_())


def _register_table_formatters(lang: str) -> None:
    """In a notebook, show every DataFrame through :func:`helpers.tables.show` (no index, human headers in
    ``lang``, numbers by unit, long tables cut) and translate the headers of Stylers in Chinese."""
    try:
        from IPython import get_ipython
        from pandas.io.formats.style import Styler
    except ImportError:  # pragma: no cover
        return
    shell = get_ipython()
    if shell is None:
        return
    html = shell.display_formatter.formatters["text/html"]
    html.for_type(pd.DataFrame, _dataframe_html)
    if lang == "en":
        html.type_printers.pop(Styler, None)
        html.type_printers.pop(tables.ReportTable, None)
        return
    html.for_type(Styler, _styler_html)
    html.for_type(tables.ReportTable, _styler_html)


def wrap_label(text: str, width: int = 30) -> str:
    """Break a long category label into lines of at most ``width`` columns (a Chinese character counts 2).

    A bilingual ``"English · 中文"`` label puts each language on its own line first; words are not
    split unless one is longer than a line.
    """
    lines: list[str] = []
    for part in str(text).split(" · "):
        wide = sum(unicodedata.east_asian_width(ch) in "WF" for ch in part)
        if wide > len(part) / 2:  # Chinese: no spaces to break at; lines of equal length, no orphan character
            n = math.ceil(len(part) / max(4, width // 2))
            cols = math.ceil(len(part) / n)
            lines += [part[i:i + cols] for i in range(0, len(part), cols)] or [part]
        else:
            lines += textwrap.wrap(part, width, break_long_words=False) or [part]
    return "\n".join(lines)


def row_height(labels, pt: float = 8.0) -> float:
    """Height (inches) of one bar row that holds the tallest of ``labels`` (lines of ``pt``-point text,
    1.2 line spacing, plus a gap), so wrapped tick labels of neighbouring rows do not overlap."""
    lines = max((str(t).count("\n") + 1 for t in labels), default=1)
    return max(0.28, lines * pt * 1.2 / 72 + 0.07)


def row_positions(labels, pt: float = 8.0) -> tuple[np.ndarray, np.ndarray]:
    """Rows as tall as their own label: ``(centres, edges)`` in inches from the top (``len(edges) = n + 1``).

    Row ``i`` is :func:`row_height` of its label alone, so a one-line label does not take the room of
    the tallest; draw with the y axis in these units, top row first (``ax.set_ylim(edges[-1], 0)``).
    """
    heights = np.array([row_height([t], pt) for t in labels], dtype=float)
    edges = np.concatenate([[0.0], np.cumsum(heights)])
    return (edges[:-1] + edges[1:]) / 2, edges


def set_title(ax, title: str, label: str | None) -> None:
    """Left-aligned title, already translated, with the (translated) dataset label on a second line."""
    ax.set_title(i18n.with_label(title, label), loc="left", wrap=True)  # a long title breaks at the figure edge


def plot_weekly(
    timestamps: pd.Series | None = None,
    values: pd.Series | None = None,
    *,
    title: str,
    ylabel: str,
    label: str | None = None,
    events: list[tuple[str, str]] | None = None,
    weekly: pd.Series | None = None,
) -> Figure:
    """Weekly totals of ``values`` (or counts of rows) over time, with optional event markers.

    Give ``timestamps`` (and ``values``), or ``weekly`` totals already computed (by
    :func:`helpers.largelog.weekly_totals`, in pandas or by DuckDB for a large log).
    ``events`` is a list of ``(date, short label)`` drawn as dotted vertical lines.
    """
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    import seaborn as sns

    if weekly is None:
        frame = pd.DataFrame({"timestamp": timestamps, "value": values})
        weekly = weekly_totals(frame, None if values is None else "value")
    last = weekly.attrs.get("last")
    if len(weekly) > 2 and last is not None and pd.Timestamp(last) < weekly.index[-1] + pd.Timedelta(days=6):
        weekly = weekly.iloc[:-1]  # the last week is incomplete: leave it out rather than show a false drop
    fig, ax = plt.subplots()
    ax.plot(weekly.index, weekly.to_numpy(), lw=1.2, color=sns.color_palette(PALETTE)[0])
    ax.fill_between(weekly.index, weekly.to_numpy(), alpha=0.15, color=sns.color_palette(PALETTE)[0])
    top = float(weekly.max()) if len(weekly) else 1.0
    span = (weekly.index.max() - weekly.index.min()) if len(weekly) else pd.Timedelta(0)
    previous = None
    for day, text in events or []:
        ts = pd.Timestamp(day)
        if len(weekly) and weekly.index.min() <= ts <= weekly.index.max():
            ax.axvline(ts, color="grey", ls=":", lw=0.9)
            # an event close to the previous one writes its label on the other side of its line
            close = previous is not None and previous[1] == "right" and ts - previous[0] < span * 0.03
            side = "left" if close else "right"
            ax.text(ts, top * 0.98, i18n.tr_given(text), rotation=90, va="top", ha=side, fontsize=8, color="dimgrey")
            previous = (ts, side)
    locator = mdates.AutoDateLocator(maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_xlabel(tr("week (周)"))
    ax.set_ylabel(i18n.tr_given(ylabel))
    set_title(ax, i18n.tr_given(title), label)
    ax.margins(x=0.01)
    fig.tight_layout()
    return fig
