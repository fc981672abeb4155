"""The segment explorer (客户分群浏览): an ipywidgets explorer for JupyterLab and its static stand-in.

:class:`SegmentExplorer` / :func:`segment_explorer` — ABC cut-offs, RFM scheme and segment as
controls over the ABC table, Pareto curve and segment profiles; :func:`explorer_static` — the same
content as one figure for papermill and PDF; :func:`show_explorer` — the widget in a live Jupyter
kernel when asked for, else the figure.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from .. import i18n
from ..errors import DataError
from ..largelog import progress
from .. import plotting
from ..plotting import FIGURE_WIDTH
from .abc import abc_classes, abc_summary, plot_pareto
from .profiles import plot_segment_sizes, segment_profile, share_bars
from .schemes import RFM_SCHEMES, SCHEMES, SEGMENT_COLUMNS

ROW_IN = 0.2
"""Printed height of one segment's pair of bars in :func:`explorer_static` (inches; 8 pt labels need ≥ 0.14)."""
PANEL_ROWS = 3
"""Rows' worth of height a panel's title and axis labels take in :func:`explorer_static`."""


def _profile_for(customers: pd.DataFrame, scheme: str) -> pd.DataFrame:
    return segment_profile(customers, SEGMENT_COLUMNS[scheme])


class SegmentExplorer:
    """Controller of the interactive explorer; :attr:`widget` is the ipywidgets box.

    Controls: ABC cut-offs (range slider), RFM scheme (dropdown), segment (dropdown, refilled
    when the scheme changes). Two output areas show the ABC table + Pareto curve and the chosen
    segment's profile row + segment-size chart. The latest tables are kept in
    ``abc_table_``, ``profile_`` and ``selected_`` (useful in tests, which run without a frontend).
    """

    def __init__(self, customers: pd.DataFrame, *, label: str | None = None, value_col: str = "revenue",
                 abc_cutoffs: tuple[float, float] = (0.8, 0.95), scheme: str = "rfm10") -> None:
        import ipywidgets as w

        missing = [c for c in SEGMENT_COLUMNS.values() if c not in customers.columns]
        if missing:
            raise DataError(f"explorer needs the segment columns {missing}", column=missing[0],
                            hint="add them with segment.assign_rfm_segments for each scheme")
        self.customers = customers
        self.label = label
        self.value_col = value_col
        self.cutoffs = w.FloatRangeSlider(value=tuple(abc_cutoffs), min=0.5, max=0.99, step=0.01,
                                          description="ABC cut-offs", readout_format=".0%", continuous_update=False,
                                          layout=w.Layout(width="420px"))
        self.scheme = w.Dropdown(options=[(f"{k}: {v}", k) for k, v in SCHEMES.items()], value=scheme,
                                 description="RFM scheme", layout=w.Layout(width="520px"))
        self.segment = w.Dropdown(description="segment", layout=w.Layout(width="420px"))
        self.abc_out = w.Output()
        self.segment_out = w.Output()
        self._refill_segments()
        self.cutoffs.observe(lambda _: self.update_abc(), names="value")
        self.scheme.observe(lambda _: (self._refill_segments(), self.update_segments()), names="value")
        self.segment.observe(lambda _: self.update_segments(), names="value")
        self.widget = w.VBox([w.HTML("<b>Segment explorer 客户分群浏览</b>"), self.cutoffs, self.abc_out,
                              w.HBox([self.scheme, self.segment]), self.segment_out])
        self.update_abc()
        self.update_segments()

    def _refill_segments(self) -> None:
        self.profile_ = _profile_for(self.customers, self.scheme.value)
        options = list(self.profile_["segment"])
        self.segment.options = options
        if self.segment.value not in options:
            self.segment.value = options[0] if options else None

    def update_abc(self) -> None:
        """Recompute ABC classes for the slider's cut-offs and redraw."""
        lo, hi = self.cutoffs.value
        if hi <= lo:
            hi = min(lo + 0.01, 1.0)
        classified = abc_classes(self.customers, self.value_col, (lo, hi))
        self.abc_table_ = abc_summary(classified)
        self.abc_out.clear_output(wait=True)
        with self.abc_out:
            from IPython.display import display

            display(self.abc_table_)
            fig = plot_pareto(classified, label=self.label, value_name=self.value_col)
            display(fig)
            plt.close(fig)

    def update_segments(self) -> None:
        """Show the selected segment's profile row and the segment sizes of the scheme."""
        self.profile_ = _profile_for(self.customers, self.scheme.value)
        self.selected_ = self.profile_.loc[self.profile_["segment"] == self.segment.value]
        self.segment_out.clear_output(wait=True)
        with self.segment_out:
            from IPython.display import display

            display(self.selected_)
            fig = plot_segment_sizes(self.profile_, label=self.label, title=f"Segments: {SCHEMES[self.scheme.value]}")
            display(fig)
            plt.close(fig)

    def _repr_mimebundle_(self, **kwargs):  # display(explorer) shows the widget
        return self.widget._repr_mimebundle_(**kwargs)


def segment_explorer(customers: pd.DataFrame, **kwargs: Any):
    """The interactive explorer widget (``ipywidgets.VBox``) for JupyterLab; see :class:`SegmentExplorer`.

    The returned box carries its controller as ``box.explorer``.
    """
    controller = SegmentExplorer(customers, **kwargs)
    box = controller.widget
    box.explorer = controller
    return box


def explorer_static(customers: pd.DataFrame, *, label: str | None = None, value_col: str = "revenue",
                    abc_cutoffs: tuple[float, float] = (0.8, 0.95)) -> Figure:
    """Static stand-in for the explorer (PDF / papermill): every scheme's customer and revenue shares
    per segment (one panel per scheme, its height by the scheme's number of segments), with the ABC
    class shares at ``abc_cutoffs`` in the title (the Pareto curve itself is :func:`plot_pareto`).

    The panels sit in two columns (the scheme with most segments left, the others stacked right), so
    the figure prints at about half the A4 text height (``ROW_IN`` inches per segment, 8 pt labels;
    the segment's name alone, in the report's language)."""
    summary = abc_summary(abc_classes(customers, value_col, abc_cutoffs)).set_index("class")
    schemes = sorted(RFM_SCHEMES.values(), key=lambda s: -len(s.segments))
    columns: list[list] = [[], []]
    for scheme in schemes:  # greedy: each scheme into the column with fewer rows so far
        rows = [sum(len(s.segments) + PANEL_ROWS for s in c) for c in columns]
        columns[rows.index(min(rows))].append(scheme)
    rows = max(sum(len(s.segments) + PANEL_ROWS for s in c) for c in columns)
    fig = plt.figure(figsize=(FIGURE_WIDTH - 0.4, 1.2 + ROW_IN * rows), layout="constrained")  # ticks overhang
    panels = []
    for sub, column in zip(fig.subfigures(1, 2), columns):  # a blank spacer keeps rows equally tall
        ratios = [len(s.segments) + PANEL_ROWS for s in column]
        axes = sub.subplots(len(column) + 1, 1, squeeze=False,
                            gridspec_kw={"height_ratios": ratios + [max(rows - sum(ratios), 1e-3)]})[:, 0]
        axes[-1].remove()  # its slot stays empty
        panels += list(zip(column, axes))
    for scheme, ax in progress(panels, len(customers), "explorer: segment schemes"):
        share_bars(ax, segment_profile(customers, scheme.column, clv_col=None, channel_col=None), labels=False,
                   fontsize=8)
        ax.set_title(plotting.wrap_label(scheme.name, 34), loc="right", fontsize=9)  # over the labels
        ax.set_yticks(ax.get_yticks(), [t.get_text().split(" · ")[0] for t in ax.get_yticklabels()],
                      fontsize=8)
        handles, names = ax.get_legend_handles_labels()
        ax.get_legend().remove()  # one legend for the figure, below it
    fig.legend(handles, names, loc="outside lower center", ncol=2, fontsize=8, frameon=False)
    abc_text = "; ".join(f"{c} {r['customer_share']:.0%} → {r['value_share']:.0%}" for c, r in summary.iterrows())
    fig.suptitle(i18n.with_label("Segment explorer (static) 客户分群浏览", label) + "\n"
                 f"ABC at {abc_cutoffs[0]:.0%}/{abc_cutoffs[1]:.0%} (customers → {value_col}):\n{abc_text}",
                 x=0.01, ha="left", fontsize=10, fontweight="bold")
    return fig


def _has_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def show_explorer(customers: pd.DataFrame, interactive: bool = False, **kwargs: Any):
    """The widget when ``interactive`` and running in a Jupyter kernel, else :func:`explorer_static`'s figure.

    Widgets need a live frontend (JupyterLab); papermill runs and PDFs have none, so the
    notebook passes its ``interactive`` parameter (``False`` by default) and gets figures there.
    """
    if interactive and _has_kernel():
        return segment_explorer(customers, **kwargs)
    static_kwargs = {k: v for k, v in kwargs.items() if k in ("label", "value_col", "abc_cutoffs")}
    return explorer_static(customers, **static_kwargs)
