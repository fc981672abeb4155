"""Figures a reader can read on an A4 page (issue 17): every report figure, drawn from real-shaped data.

Each figure the notebooks and the knowledge reports draw is made here from the bundled SIMULATED
Xiaomi-like export (orders, customers, community, staff survey) through the same concept functions
the notebooks call, in English and in Chinese, and checked as it will be printed:

* the PDF route shrinks a figure wider than the page's text width (A4 210 mm − 2 × 15 mm margins =
  180 mm = 7.09 in; ``max-width: 100%`` in ``helpers.report.pdf.PRINT_CSS``) and prints a narrower
  one at its own size, so every text prints at ``fontsize × min(1, 7.09 / width)`` points, where
  ``width`` is the saved (``bbox_inches="tight"``) width; that must be ≥ 8 pt for every visible
  text: titles, axis labels, tick labels, legends, annotations, colour-bar labels, table cells;
* no two tick labels of one axis overlap, and no tick label overlaps its axis label (bounding
  boxes from the renderer after ``fig.canvas.draw()``);
* the figure is at least three quarters of the text width wide and no taller than 60 % of the page's
  text height (267 mm; figures are kept on one page, so a taller one after a few lines of text moves
  to the next page and leaves this one half blank; no exceptions);
* the dataset label (SIMULATED …) is in a title, and drawing it raises no warning (it would print in the PDF).

A notebook that calls a ``plot_*`` function this file does not draw fails
:func:`test_every_figure_the_notebooks_draw_is_covered`.
"""

from __future__ import annotations

import inspect
import itertools
import re
import warnings
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")
import duckdb  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from helpers import (acquire, clean, clv, community, i18n, knowledge, paths, plotting, segment, simulate,  # noqa: E402
                     survey, topics)
from helpers.paths import NOTEBOOKS  # noqa: E402

PAGE_WIDTH_IN = 7.09  # 180 mm: A4 minus two 15 mm margins (PRINT_CSS: @page { size: A4; margin: 15mm })
PAGE_HEIGHT_IN = 10.51  # 267 mm: a figure is kept on one page (break-inside: avoid), so it must fit one
MIN_PT = 8.0
MAX_FIGURE_HEIGHT_IN = 0.6 * PAGE_HEIGHT_IN  # 6.3 in: fits below a heading and a paragraph (no half-blank page)
PLOT_MODULES = (plotting, acquire, clean, segment, clv, survey, community, knowledge, topics)


# --------------------------------------------------------------------------- the checks


def effective_scale(fig: Figure, renderer) -> tuple[float, float]:
    """``(width in inches as saved with bbox_inches="tight", print scale min(1, page / width))``."""
    width = fig.get_tightbbox(renderer).width
    return width, min(1.0, PAGE_WIDTH_IN / width)


def visible_texts(fig: Figure) -> list[Text]:
    """Every visible, non-empty text artist of the figure (ticks, labels, legends, annotations, cells)."""
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()
            and (t.axes is None or t.axes.get_visible())]


def too_small(fig: Figure, renderer) -> list[tuple[float, str]]:
    """Texts that print below :data:`MIN_PT`: ``(effective points, text)``."""
    _, scale = effective_scale(fig, renderer)
    return [(round(t.get_fontsize() * scale, 2), t.get_text()[:40]) for t in visible_texts(fig)
            if t.get_fontsize() * scale < MIN_PT - 1e-9]


def overlaps(fig: Figure, renderer) -> list[tuple[str, str]]:
    """Pairs of tick labels on one axis whose boxes overlap, tick labels overlapping the axis label, and
    annotations of one axes (bar labels, cell values, notes) overlapping each other."""
    found = []
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        for axis in (ax.xaxis, ax.yaxis):
            ticks = [t for t in axis.get_ticklabels() if t.get_visible() and t.get_text().strip()]
            boxes = [t.get_window_extent(renderer) for t in ticks]
            for (a, box_a), (b, box_b) in itertools.combinations(zip(ticks, boxes), 2):
                if box_a.overlaps(box_b):
                    found.append((a.get_text()[:30], b.get_text()[:30]))
            if axis.label.get_visible() and axis.label.get_text().strip():
                label_box = axis.label.get_window_extent(renderer)
                found += [(f"axis label {axis.label.get_text()[:30]!r}", t.get_text()[:30])
                          for t, box in zip(ticks, boxes) if label_box.overlaps(box)]
        notes = [t for t in ax.texts if t.get_visible() and t.get_text().strip()]  # annotations, bar labels
        boxes = [t.get_window_extent(renderer) for t in notes]
        found += [(a.get_text()[:30], b.get_text()[:30]) for (a, box_a), (b, box_b)
                  in itertools.combinations(zip(notes, boxes), 2) if box_a.overlaps(box_b)]
    return found


def titles(fig: Figure) -> str:
    """All figure and axes titles, joined."""
    parts = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        parts += [ax.get_title(loc=loc) for loc in ("left", "center", "right")]
    return "\n".join(parts)


# --------------------------------------------------------------------------- real-shaped inputs


def build_inputs() -> SimpleNamespace:
    """The notebooks' inputs, computed from the bundled SIMULATED export (a few seconds)."""
    d = SimpleNamespace()
    d.acq = acquire.load_xiaomi_sim()
    d.label, d.currency = d.acq.label, d.acq.currency
    result = clean.clean_transactions(d.acq.transactions, test_accounts=d.acq.test_accounts, currency=d.acq.currency)
    d.accounting = clean.row_accounting(d.acq.transactions, result.clean, result.quarantine)
    d.tx = tx = result.clean
    # 03: one BG/NBD fit on calibration / holdout, whole-history scores
    cal_end = clv.default_calibration_end("xiaomi_sim", tx)
    d.split = clv.rfm_train_test_split(tx, train_period_end=cal_end, time_unit="D", time_scaler=7,
                                       monetary_value_col="amount")
    d.bg = clv.BetaGeo().fit(d.split)
    d.cal_end = cal_end
    d.summary = clv.rfm_summary(tx, monetary_value_col="amount", time_unit="D", time_scaler=7)
    d.scores = clv.score_customers(d.summary, horizon=52, time_unit="W", discount_rate=0.10, seed=0)
    truth = pd.read_csv(paths.RAW / "xiaomi_sim" / "truth" / "customers_truth.csv", dtype={"customer_id": str})
    groups = d.summary["customer_id"].astype(str).map(truth.set_index("customer_id")["group"])
    d.by_group = clv.fit_by_group(d.summary, groups)
    d.contracts = simulate.carrier_contract_cohorts()
    # 04: the customer table and its segments
    rfm = segment.rfm_table(clv.rfm_summary(tx, monetary_value_col="amount", include_first_transaction=True))
    d.rfm = rfm
    d.customers = cust = segment.customer_table(tx, rfm, d.scores, summary=d.summary)
    d.rfm_s = segment.rfm_scores(rfm, 5)
    for scheme, column in segment.SEGMENT_COLUMNS.items():
        cust[column] = segment.assign_rfm_segments(rfm, scheme)["segment"].to_numpy()
    cust["rfm_segment"] = cust[segment.SEGMENT_COLUMNS["rfm10"]]
    cust["lifecycle_stage"] = segment.lifecycle_stage(cust).to_numpy()
    d.clusters = segment.CustomerClusters(k_range=(2, 8), seed=0, order_by="clv").fit(cust)
    # 05
    d.survey = survey.load_survey()
    # 06 / 07
    d.com = community.load_community()
    d.eng = community.engagement(d.acq.customers, d.com)
    d.model, d.assigned = topics.fit_post_topics(d.com.posts, n_topics=8, seed=2014)
    d.con = duckdb.connect()
    coded = knowledge.code_posts(d.com.posts, d.assigned, knowledge.topic_categories(d.model.top_terms_))
    d.con.register("coded", coded)
    d.con.execute("CREATE TABLE posts_coded AS SELECT * FROM coded")
    d.con.register("profile", cust[["customer_id", "rfm_segment", "clv", "p_alive"]])
    d.con.execute("CREATE TABLE customer_profile AS SELECT * FROM profile")
    return d


@pytest.fixture(scope="module")
def data() -> SimpleNamespace:
    d = build_inputs()
    yield d
    d.con.close()


def _card(d):
    """The holdout scorecard of the SIMULATED export, computed once (issue 19)."""
    if not hasattr(d, "card"):
        d.card = clv.scorecard(clv.holdout_split(d.tx, d.cal_end))
    return d.card


def _top_customer_orders(d) -> pd.DataFrame:
    top = d.customers.sort_values("clv", ascending=False)["customer_id"].iloc[0]
    return d.tx.loc[d.tx["customer_id"] == top, ["timestamp", "amount"]].sort_values("timestamp")


FIGURES = {
    # 01 acquisition
    "plot_weekly": lambda d: plotting.plot_weekly(
        weekly=acquire.weekly_lines(d.acq.transactions), title="Order lines per week 每周订单行数",
        ylabel="order lines per week (行/周)", label=d.label, events=simulate.event_markers()),
    "plot_customer_profile": lambda d: acquire.plot_customer_profile(d.acq.customers, label=d.label),
    # 02 cleaning
    "plot_row_accounting": lambda d: clean.plot_row_accounting(d.accounting, label=d.label),
    # 03 customer lifetime value
    "plot_period_transactions": lambda d: clv.plot_period_transactions(
        clv.period_transactions(d.bg, d.split), label=d.label, model_name="BG/NBD"),
    "plot_calibration_holdout": lambda d: clv.plot_calibration_holdout(
        clv.calibration_vs_holdout(d.bg, d.split), unit="week", holdout_length=d.split["test_T"].iloc[0],
        label=d.label, model_name="BG/NBD"),
    "plot_tracking": lambda d: clv.plot_tracking(clv.tracking(d.bg, d.tx, calibration_end=d.cal_end, time_unit="D"),
                                                 label=d.label, model_name="BG/NBD"),
    "plot_matrix": lambda d: clv.plot_matrix(
        clv.frequency_recency_matrix(d.bg, t=52, summary=d.split),
        title="Expected purchases in the next 52 weeks 预期购买次数", colorbar="expected purchases in 52 weeks",
        unit="week", label=d.label),
    "plot_parameter_recovery": lambda d: clv.plot_parameter_recovery(d.by_group, clv.group_truth(period_days=7),
                                                                     label=d.label),
    "plot_clv_distribution": lambda d: clv.plot_clv_distribution(d.scores, currency=d.currency, label=d.label),
    # ---- issue 19 (evaluate): the holdout scorecard, intervals and segment migration
    "plot_scorecard": lambda d: clv.plot_scorecard(_card(d), label=d.label),
    "plot_decile_calibration": lambda d: clv.plot_decile_calibration(_card(d), label=d.label),
    "plot_gain_curve": lambda d: clv.plot_gain_curve(_card(d), label=d.label),
    "plot_customer_intervals": lambda d: clv.plot_customer_intervals(
        clv.customer_intervals(d.bg, d.split, clv.GammaGamma().fit(d.split), draws=32), currency=d.currency,
        label=d.label),
    "plot_migration": lambda d: segment.plot_migration(segment.segment_migration(
        *(clv.rfm_summary(d.tx, monetary_value_col="amount", observation_period_end=end, time_scaler=7,
                          include_first_transaction=True) for end in (d.cal_end, d.tx["timestamp"].max()))),
        label=d.label),
    # ---- end issue 19 (evaluate)
    "plot_contract_survival": lambda d: clv.plot_contract_survival(  # 03 Part 2: the SIMULATED carrier contracts
        clv.contract_curves(d.contracts, clv.sbg_models(d.contracts, by="plan"), by="plan", horizon=10),
        title="Carrier contracts by plan 运营商合约留存", label=d.contracts.attrs["label"]),
    # 04 segmentation
    "plot_value_need": lambda d: segment.plot_value_need(segment.value_need_matrix(d.customers, value_col="clv"),
                                                         label=d.label, value_name=f"CLV ({d.currency}, 1 year)"),
    "plot_pareto": lambda d: segment.plot_pareto(segment.abc_classes(d.customers, "revenue", (0.8, 0.95)),
                                                 label=d.label, value_name=f"revenue ({d.currency})"),
    "plot_score_distribution": lambda d: segment.plot_score_distribution(d.rfm_s, label=d.label),
    "plot_segment_sizes": lambda d: segment.plot_segment_sizes(
        segment.segment_profile(d.customers, "rfm_segment"), label=d.label,
        title=f"Segments 客户群: {segment.SCHEMES['rfm10']}"),
    "plot_rf_heatmap": lambda d: segment.plot_rf_heatmap(d.rfm_s, label=d.label),
    "plot_cluster_selection": lambda d: segment.plot_cluster_selection(d.clusters.selection_, d.clusters.k_,
                                                                       label=d.label),
    "plot_cluster_centres": lambda d: segment.plot_cluster_centres(d.clusters, d.clusters.profile(d.customers)["name"],
                                                                   label=d.label),
    "plot_lifecycle": lambda d: segment.plot_lifecycle(d.customers, label=d.label),
    "explorer_static": lambda d: segment.show_explorer(d.customers, interactive=False, label=d.label,
                                                       abc_cutoffs=(0.8, 0.95)),
    # 05 staff survey
    "plot_statements": lambda d: survey.plot_statements(survey.suppress(survey.statement_table(d.survey)),
                                                        d.survey.codebook, label=d.survey.label),
    "plot_likert": lambda d: survey.plot_likert(survey.suppress(survey.likert_table(d.survey)), d.survey.codebook,
                                                title="Likert items 李克特量表题 (R = reverse-worded)",
                                                label=d.survey.label),
    "plot_group_shares": lambda d: survey.plot_group_shares(survey.suppress(survey.group_shares(d.survey)),
                                                            d.survey.codebook,
                                                            title="Saying yes, by group 分组回答“是”的比例",
                                                            label=d.survey.label),
    "plot_loadings": lambda d: survey.plot_loadings(survey.efa_loadings(d.survey), d.survey.codebook,
                                                    label=d.survey.label),
    # 06 community
    "plot_funnel": lambda d: community.plot_funnel(community.funnel(d.eng), label=d.com.label),
    "plot_activity": lambda d: community.plot_activity(community.activity_by_month(d.com), label=d.com.label),
    "plot_lead_times": lambda d: community.plot_lead_times(community.adoption_lead_times(d.com), label=d.com.label),
    "plot_topics": lambda d: topics.plot_topics(d.model, label=d.com.label),
    "plot_polls": lambda d: community.plot_polls(community.poll_results(d.com), label=d.com.label),
    "plot_value_by_engagement": lambda d: community.plot_value_by_engagement(
        community.value_by_engagement(d.eng, d.customers), d.currency, label=d.com.label),
    "plot_meetups": lambda d: community.plot_meetups(community.meetup_panel(d.com, d.tx, window_days=180),
                                                     label=d.com.label),
    # 07 customer knowledge and the knowledge reports
    "plot_code_matrix": lambda d: knowledge.plot_code_matrix(knowledge.code_matrix(d.con), label=d.com.label),
    "plot_customer_history": lambda d: knowledge.plot_customer_history(_top_customer_orders(d), currency=d.currency,
                                                                       label=d.label),
    "plot_segment_distribution": lambda d: knowledge.plot_segment_distribution(d.con, "champions",
                                                                               column="rfm_segment", label=d.label),
}
"""Every report figure: ``plot_*`` name → how its notebook draws it (``d``: the :func:`data` fixture)."""


# --------------------------------------------------------------------------- the tests


@pytest.fixture(autouse=True)
def _english_afterwards():
    yield
    plotting.set_theme(lang="en")
    plt.close("all")


def test_theme_draws_chinese_at_readable_sizes():
    cjk = plotting.set_theme(lang="en")
    assert cjk, "no CJK font: Chinese labels would print as empty boxes"
    assert plt.rcParams["font.family"][-1] == cjk and plt.rcParams["font.family"][0] == "DejaVu Sans"
    assert plotting.FIGSIZE[0] <= PAGE_WIDTH_IN and plotting.FIGURE_WIDTH <= PAGE_WIDTH_IN
    for key in ("font.size", "axes.labelsize", "axes.titlesize", "xtick.labelsize", "ytick.labelsize",
                "legend.fontsize", "legend.title_fontsize", "figure.titlesize"):
        size = matplotlib.font_manager.FontProperties(size=plt.rcParams[key]).get_size_in_points()
        assert size >= MIN_PT, f"{key} = {size} pt"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_report_figure_is_readable_at_a4_width(data, lang):
    """Each figure: text ≥ 8 pt as printed, no overlapping tick labels, the page width used, the data labelled."""
    plotting.set_theme(lang=lang)
    problems = []
    for name, draw in FIGURES.items():
        with warnings.catch_warnings(record=True) as caught:  # a warning prints into the PDF next to the figure
            warnings.simplefilter("always")
            fig = draw(data)
            assert isinstance(fig, Figure), name
            fig.canvas.draw()
            renderer = fig.canvas.get_renderer()
            fig.get_tightbbox(renderer)
        if said := [str(w.message)[:80] for w in caught if issubclass(w.category, UserWarning)]:
            problems.append(f"{name}: warns {said[:2]}")
        width, _ = effective_scale(fig, renderer)
        if small := too_small(fig, renderer):
            problems.append(f"{name}: {len(small)} texts below {MIN_PT} pt at width {width:.2f} in, e.g. {small[:3]}")
        if clash := overlaps(fig, renderer):
            problems.append(f"{name}: overlapping labels {clash[:3]}")
        height = fig.get_tightbbox(renderer).height * min(1.0, PAGE_WIDTH_IN / width)
        if height > PAGE_HEIGHT_IN:
            problems.append(f"{name}: prints {height:.1f} in tall, more than the A4 text height {PAGE_HEIGHT_IN} in")
        elif height > MAX_FIGURE_HEIGHT_IN:
            problems.append(f"{name}: prints {height:.1f} in tall, more than {MAX_FIGURE_HEIGHT_IN:.1f} in: it cannot "
                            "follow a few lines of text and leaves the page before it half blank")
        if width < 0.75 * PAGE_WIDTH_IN:
            problems.append(f"{name}: {width:.2f} in wide, leaves the page width unused")
        label = i18n.tr_dataset(data.survey.label if name in ("plot_statements", "plot_likert", "plot_group_shares",
                                                              "plot_loadings") else
                                data.contracts.attrs["label"] if name == "plot_contract_survival" else
                                data.com.label if name in ("plot_funnel", "plot_activity", "plot_lead_times",
                                                           "plot_topics", "plot_polls", "plot_value_by_engagement",
                                                           "plot_meetups", "plot_code_matrix") else data.label)
        if label.split(" ")[0] not in titles(fig).replace("\n", " "):
            problems.append(f"{name}: the dataset label {label!r} is not in a title")
        plt.close(fig)
    assert not problems, "\n".join(problems)


def test_the_checks_catch_small_text_and_overlapping_labels():
    """The audit itself: a 5 pt label, a figure twice the page width and crowded ticks are all reported."""
    plotting.set_theme(lang="en")
    fig, ax = plt.subplots(figsize=(PAGE_WIDTH_IN, 3))
    ax.set_xticks(range(6), [f"a long category name {i}" for i in range(6)])
    ax.set_ylabel("value", fontsize=5)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    assert [t for _, t in too_small(fig, renderer)] == ["value"]
    assert len(overlaps(fig, renderer)) >= 5
    wide, ax2 = plt.subplots(figsize=(2 * PAGE_WIDTH_IN, 3))
    ax2.set_xlabel("9 pt printed smaller", fontsize=9)
    wide.canvas.draw()
    width, scale = effective_scale(wide, wide.canvas.get_renderer())
    assert width > 1.5 * PAGE_WIDTH_IN and scale == pytest.approx(PAGE_WIDTH_IN / width)
    assert "9 pt printed smaller" in [t for _, t in too_small(wide, wide.canvas.get_renderer())]


def _notebook_plot_calls() -> set[str]:
    """``plot_*`` functions the notebooks call (and ``explorer_static`` for ``show_explorer``); a figure drawn
    with pyplot directly in a notebook cell is refused, since this file could not check it."""
    calls = set()
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                assert not re.search(r"\b(plt|pyplot)\.\w+\(|\.plot\(", cell.source), \
                    f"{path.name} cell {cell.get('id')} draws with pyplot: move the figure into a tested plot_* helper"
                calls |= set(re.findall(r"\b(plot_\w+)\s*\(", cell.source))
                calls |= {"explorer_static"} if re.search(r"\bshow_explorer\s*\(", cell.source) else set()
    return calls


def test_every_figure_the_notebooks_draw_is_covered():
    calls = _notebook_plot_calls()
    assert len(calls) >= 25, sorted(calls)  # the seven notebooks draw about thirty figures
    assert calls <= set(FIGURES), f"notebook figures this test does not check: {sorted(calls - set(FIGURES))}"
    report_calls = set(re.findall(r"\b(plot_\w+)\s*\(", inspect.getsource(knowledge.reports)))
    assert report_calls <= set(FIGURES), sorted(report_calls - set(FIGURES))
    defined = {name for module in PLOT_MODULES for name, fn in inspect.getmembers(module, inspect.isfunction)
               if name.startswith("plot_") and fn.__module__.startswith(module.__name__)}
    assert defined <= set(FIGURES), f"plot helpers without a readability check: {sorted(defined - set(FIGURES))}"


def test_wrap_label_keeps_words_and_splits_languages():
    assert plotting.wrap_label("Does not understand CKM · 不了解客户知识管理", 20) == \
        "Does not understand\nCKM\n不了解客户知识管理"
    assert plotting.wrap_label("short", 20) == "short"
    assert max(len(line) for line in plotting.wrap_label("企业文化与客户知识管理的匹配是成功的关键", 20).split("\n")) <= 10
    assert plotting.row_height(["one", "two\nlines"]) > plotting.row_height(["one"])
