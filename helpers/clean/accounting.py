"""The row account (行数核对): every input row kept or quarantined, exactly once.

:func:`row_accounting` tabulates rows in, kept and quarantined by reason; :func:`check_accounting`
asserts the one-to-one match of input rows and output rows (in SQL for a large log);
:func:`quarantine_summary`, :func:`quarantine_examples` and :func:`compare_with_planted` show what
went to quarantine and why; :func:`plot_row_accounting` draws the account.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from .. import i18n, plotting
from ..i18n import tr
from ..largelog import ParquetLog
from ..schema import REASONS, REASONS_ZH
from .large import check_log_accounting

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_SUMMARY_COLUMNS = ["reason", "meaning", "含义", "source_file", "rows"]
_REASON_ORDER = {code: i for i, code in enumerate(REASONS)}  # the order the rules apply in

def row_accounting(raw: pd.DataFrame, clean: pd.DataFrame, quarantine: pd.DataFrame) -> pd.DataFrame:
    """The row account: rows in, kept, quarantined by reason, and the check.

    One row per line item with columns ``step``, ``step_zh``, ``rows`` and ``share`` of
    rows in. The last line, ``difference``, is rows in − kept − quarantined and must be 0.
    """
    n_in = len(raw)
    rows = [("rows in", "输入行数", n_in), ("kept (clean)", "保留（干净数据）", len(clean))]
    counts = _reason_counts(quarantine)
    for code in REASONS:
        if counts.get(code, 0):
            rows.append((f"quarantined: {code}", f"隔离：{REASONS_ZH[code]}", int(counts[code])))
    rows.append(("quarantined (total)", "隔离合计", len(quarantine)))
    rows.append(("difference (must be 0)", "差额（应为0）", n_in - len(clean) - len(quarantine)))
    table = pd.DataFrame(rows, columns=["step", "step_zh", "rows"])
    table["share"] = (table["rows"] / n_in).round(4) if n_in else 0.0
    return table


def _reason_counts(quarantine: pd.DataFrame | ParquetLog) -> pd.Series:
    """Quarantined rows per reason code (a Series; counted by DuckDB for a large log)."""
    if isinstance(quarantine, ParquetLog):
        table = quarantine.query("SELECT reason, count(*) AS n FROM log GROUP BY ALL")
        return table.set_index("reason")["n"].astype(int)
    return quarantine["reason"].value_counts() if len(quarantine) else pd.Series(dtype=int)


def check_accounting(raw: pd.DataFrame, clean: pd.DataFrame, quarantine: pd.DataFrame) -> None:
    """Raise :class:`AssertionError` unless each input row is in exactly one output table."""
    if isinstance(raw, ParquetLog):
        return check_log_accounting(raw, clean, quarantine)
    ids_in = set(zip(raw["source_file"], raw["source_row"]))
    ids_clean = list(zip(clean["source_file"], clean["source_row"]))
    ids_q = list(zip(quarantine["source_file"], quarantine["source_row"]))
    if len(ids_in) != len(raw):
        raise AssertionError("input rows are not uniquely identified by (source_file, source_row)")
    if len(raw) != len(clean) + len(quarantine):
        raise AssertionError(f"{len(raw)} rows in ≠ {len(clean)} kept + {len(quarantine)} quarantined")
    if set(ids_clean) & set(ids_q):
        raise AssertionError("a row is both kept and quarantined")
    if set(ids_clean) | set(ids_q) != ids_in:
        raise AssertionError("kept ∪ quarantined differs from the input rows")


def quarantine_summary(quarantine: pd.DataFrame) -> pd.DataFrame:
    """Quarantined rows by reason and source file, with the reason's meaning in English and Chinese."""
    if isinstance(quarantine, ParquetLog):
        table = quarantine.query("SELECT reason, source_file, count(*) AS rows FROM log GROUP BY ALL")
        return _reason_table(table)
    if quarantine.empty:
        return pd.DataFrame(columns=_SUMMARY_COLUMNS)
    table = (quarantine.groupby(["reason", "source_file"], observed=True).size()
             .rename("rows").reset_index())
    return _reason_table(table)


def _reason_table(table: pd.DataFrame) -> pd.DataFrame:
    if table.empty:
        return pd.DataFrame(columns=_SUMMARY_COLUMNS)
    table.insert(1, "meaning", table["reason"].map(REASONS))
    table.insert(2, "含义", table["reason"].map(REASONS_ZH))
    return table.sort_values(["reason", "source_file"],
                             key=lambda s: s.map(_REASON_ORDER) if s.name == "reason" else s,
                             kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- reporting helpers


def quarantine_examples(quarantine: pd.DataFrame, per_reason: int = 1) -> pd.DataFrame:
    """The first ``per_reason`` quarantined rows of each reason, raw values as read."""
    if isinstance(quarantine, ParquetLog):
        quarantine = quarantine.query(f"SELECT * FROM log QUALIFY row_number() OVER (PARTITION BY reason "
                                      f"ORDER BY source_file, source_row) <= {int(per_reason)}")
    if quarantine.empty:
        return quarantine
    ranked = quarantine.assign(_o=quarantine["reason"].map(_REASON_ORDER)).sort_values(
        ["_o", "source_file", "source_row"], kind="stable")
    return ranked.groupby("reason", sort=False).head(per_reason).drop(columns="_o").reset_index(drop=True)


def compare_with_planted(quarantine: pd.DataFrame, planted: dict[str, int]) -> pd.DataFrame:
    """Quarantined rows by reason next to the numbers a simulation planted (``manifest.yml``)."""
    found = quarantine["reason"].value_counts()
    reasons = [r for r in REASONS if r in planted or r in found.index]
    table = pd.DataFrame({
        "reason": reasons,
        "含义": [REASONS_ZH[r] for r in reasons],
        "planted": [int(planted.get(r, 0)) for r in reasons],
        "quarantined": [int(found.get(r, 0)) for r in reasons],
    })
    table["match"] = table["planted"] == table["quarantined"]
    return table


def plot_row_accounting(accounting: pd.DataFrame, *, label: str | None = None) -> Figure:
    """Rows in → kept + quarantined by reason, as horizontal bars (from :func:`row_accounting`)."""
    table = accounting[~accounting["step"].str.startswith("difference")].copy()
    table["kind"] = table["step"].map(lambda s: "in" if s == "rows in" else ("kept" if s.startswith("kept")
                                                                                else "quarantined"))
    if i18n.get_language() == "zh":  # the accounting table carries its own Chinese step names
        table["what"] = table["step_zh"].str.replace("隔离：", "", regex=False)
    else:
        table["what"] = table["step"].str.replace("quarantined: ", "", regex=False) + " · " + table[
            "step_zh"].str.replace("隔离：", "", regex=False)
    import matplotlib.pyplot as plt

    colors = {"in": "#4C72B0", "kept": "#55A868", "quarantined": "#C44E52"}
    fig, ax = plt.subplots(figsize=(plotting.FIGSIZE[0], 0.6 + 0.38 * len(table)))
    ax.barh(table["what"], table["rows"], color=table["kind"].map(colors))
    for y, value in enumerate(table["rows"]):
        ax.text(value, y, f" {value:,}", va="center", fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("symlog", linthresh=10)
    ax.set_xlim(0, max(float(table["rows"].max()), 10.0) * 8)  # room for the count after the longest bar
    ax.set_xlabel(tr("rows (行, symmetric log scale)"))
    diff = int(accounting.loc[accounting["step"].str.startswith("difference"), "rows"].iloc[0])
    plotting.set_title(ax, tr("Row accounting 行数核对: in = kept + quarantined (difference {diff})", diff=diff), label)
    fig.tight_layout()
    return fig
