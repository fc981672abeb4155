"""Tables and figures of notebook 01: where the data came from and a first look at it, before cleaning.

:func:`provenance_table` and :func:`column_map_table` show each source's provenance and column map;
:func:`weekly_lines` counts order lines per week (dates parsed as cleaning will parse them,
:func:`peek_timestamps`); :func:`plot_customer_profile` draws a customer table's profile.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from typing import TYPE_CHECKING

import pandas as pd

from .. import i18n
from ..clean import parse_timestamps
from ..i18n import tr
from ..largelog import ParquetLog, weekly_totals
from ..plotting import FIGURE_WIDTH
from ..schema import CANONICAL
from ..store import Provenance

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def provenance_table(provenance: Iterable[Provenance]) -> pd.DataFrame:
    """One row per source file: name, format, encoding, rows, sha256 (first 16 hex digits)."""
    rows = [{
        "file": Path(p.path).name, "format": p.format, "encoding": p.encoding or "",
        "sheet": p.sheet or "", "rows": p.rows, "sha256": p.sha256[:16] + "…",
    } for p in provenance]
    return pd.DataFrame(rows)


def column_map_table(provenance: Iterable[Provenance]) -> pd.DataFrame:
    """Each source's column map side by side: one row per canonical column, one column per file.

    Empty cells mean the file has no column for it.
    """
    maps = {Path(p.path).name: p.columns for p in provenance if p.columns}
    names: list[str] = [c for c in CANONICAL if any(c in m for m in maps.values())]
    names += [c for m in maps.values() for c in m if c not in names]
    table = pd.DataFrame({file: [m.get(c, "") for c in names] for file, m in maps.items()}, index=names)
    table.index.name = "canonical column"
    return table


def weekly_lines(transactions: pd.DataFrame | ParquetLog) -> pd.Series:
    """Order lines per week (weeks start Monday) at a first look, before cleaning.

    ``attrs``: ``rows``, ``unparsed`` (dates that do not parse), ``first``, ``last``. A large
    log is counted by DuckDB; a DataFrame's raw dates are parsed as cleaning will parse them
    (:func:`peek_timestamps`). Both through :func:`helpers.largelog.weekly_totals`.
    """
    if isinstance(transactions, ParquetLog):
        return weekly_totals(transactions)
    return weekly_totals(peek_timestamps(transactions))


def peek_timestamps(transactions: pd.DataFrame) -> pd.Series:
    """Parse the raw ``timestamp`` column for a first look (``NaT`` where it does not parse).

    Uses the same parser as cleaning (:func:`helpers.clean.parse_timestamps`); nothing is dropped.
    """
    return parse_timestamps(transactions["timestamp"])


def plot_customer_profile(customers: pd.DataFrame, *, label: str | None = None) -> Figure:
    """Age distribution (years), acquisition channel and community membership of customers."""
    import matplotlib.pyplot as plt  # here, not at the top: reading a file (this package) never draws
    import seaborn as sns

    fig, axes = plt.subplots(1, 3, figsize=(FIGURE_WIDTH, 3.4), gridspec_kw={"width_ratios": [1.2, 1, 1]})
    ages = pd.to_numeric(customers["age"], errors="coerce").dropna()
    sns.histplot(ages, bins=range(int(ages.min()), int(ages.max()) + 2), ax=axes[0])
    axes[0].axvspan(18, 36, color="orange", alpha=0.12, label="18–35")
    axes[0].legend(loc="upper right", fontsize=8)
    axes[0].set_xlabel(tr("age (years, 年龄)"))
    axes[0].set_ylabel(tr("customers (客户数)"))
    axes[0].set_title(tr("Age 年龄"), loc="left")
    shares = customers["channel"].value_counts(normalize=True).mul(100).rename("share").reset_index()
    shares["channel"] = i18n.tr_labels(shares["channel"].astype(str), lenient=True)
    sns.barplot(data=shares, y="channel", x="share", hue="channel", legend=False, ax=axes[1])
    axes[1].set_xlabel(tr("share of customers (%)"))
    axes[1].set_ylabel("")
    axes[1].set_title(tr("Acquisition channel 获客渠道"), loc="left")
    member = pd.DataFrame({
        "membership": i18n.tr_labels(["MIUI user", "forum member 论坛会员"]),
        "share": [customers["miui_user"].eq("是").mean() * 100, customers["forum_member"].eq("是").mean() * 100],
    })
    sns.barplot(data=member, y="membership", x="share", hue="membership", legend=False, ax=axes[2])
    axes[2].set_xlim(0, 100)
    axes[2].set_xlabel(tr("share of customers (%)"))
    axes[2].set_ylabel("")
    axes[2].set_title(tr("Community 社区"), loc="left")
    if label:
        fig.suptitle(i18n.with_label(tr("Customer profile 客户画像"), label), x=0.01, ha="left",
                     fontweight="bold")
    fig.tight_layout()
    return fig
