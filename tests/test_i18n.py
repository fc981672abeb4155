"""English / Chinese figures, table headers and report headings (helpers.i18n, issue 7 part B).

Every figure-making helper is drawn in Chinese *strict* mode (a missing catalog entry raises),
its texts are read back from the returned Figure, and the same call in English gives the
English source text. A Chinese report build of notebooks 01–03 is read back from its PDF.
"""

from __future__ import annotations

import inspect
import json
import re
import shutil
import subprocess

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from helpers import acquire, clean, clv, community, i18n, knowledge, plotting, report, segment, survey, topics  # noqa: E402
from helpers.paths import NOTEBOOKS  # noqa: E402

CJK = re.compile(r"[\u4e00-\u9fff]")
PLOT_MODULES = (plotting, acquire, clean, segment, clv, survey, community, knowledge, topics)


@pytest.fixture(autouse=True)
def _english_afterwards():
    yield
    i18n.set_language("en")
    i18n.clear_missing()
    plt.close("all")


# --------------------------------------------------------------------------- the catalog and the API


def test_catalog_is_well_formed():
    cat = i18n.catalog()
    assert len(cat) > 200
    for key, value in cat.items():
        assert value.strip() and value == value.strip() or key.startswith(" "), key
        assert i18n.placeholders(key) == i18n.placeholders(value), f"placeholders differ in {key!r} → {value!r}"
        if re.search(r"[a-z]{2}", re.sub(r"\{[^}]*\}", "", key)):  # English words: the Chinese must say it in Chinese
            assert CJK.search(value), f"{key!r} → {value!r} has no Chinese"
        if "SIMULATED" in key:
            assert "SIMULATED" in value and "模拟数据" in value, f"simulated data must stay labelled: {value!r}"


def test_catalog_refuses_duplicate_keys(tmp_path, monkeypatch):
    bad = tmp_path / "zh.yml"
    bad.write_text("a b: 甲\na b: 乙\n", encoding="utf-8")
    monkeypatch.setattr(i18n, "CATALOG_PATH", bad)
    i18n.catalog.cache_clear()
    try:
        with pytest.raises(ValueError, match="duplicate"):
            i18n.catalog()
    finally:
        monkeypatch.undo()
        i18n.catalog.cache_clear()


@pytest.mark.parametrize("bad", ["fr", "ZH-TW", "", "english", None])
def test_set_language_names_the_allowed_values(bad):
    with pytest.raises(ValueError, match="'en', 'zh'"):
        i18n.set_language(bad)
    with pytest.raises(ValueError, match="'en', 'zh'"):
        plotting.set_theme(lang=bad)


def test_tr_translates_formats_and_passes_english_through():
    assert i18n.set_language(" ZH ") == "zh" and i18n.get_language() == "zh"
    assert i18n.tr("customers (客户数)") == "客户数"
    assert i18n.tr("{total:,} customers", total=12345) == "12,345 位客户"
    assert i18n.tr("{total:,} customers").format(total=7) == "7 位客户"
    assert i18n.tr("小米商城") == "小米商城" and i18n.tr("2014") == "2014"  # nothing to translate
    i18n.set_language("en")
    assert i18n.tr("{total:,} customers", total=12345) == "12,345 customers"
    assert i18n.tr("no such string anywhere") == "no such string anywhere"


def test_missing_translation_falls_back_records_and_raises_in_strict_mode(monkeypatch):
    monkeypatch.delenv(i18n.STRICT_ENV_VAR, raising=False)
    i18n.set_language("zh")
    assert i18n.tr("A label nobody translated") == "A label nobody translated"
    assert "A label nobody translated" in i18n.missing()
    monkeypatch.setenv(i18n.STRICT_ENV_VAR, "1")
    with pytest.raises(i18n.MissingTranslation, match="zh.yml"):
        i18n.tr("A label nobody translated")
    i18n.set_language("zh", strict=False)  # an explicit choice wins over the environment
    assert i18n.tr("A label nobody translated") == "A label nobody translated"
    # dataset labels and headers of a user's own data never raise
    i18n.set_language("zh", strict=True)
    assert i18n.tr_dataset("My shop 2024") == "My shop 2024"
    assert i18n.tr_header("my_column") == "my_column"
    assert i18n.tr_dataset("Xiaomi-like CRM export (SIMULATED · 模拟数据)") == "类小米 CRM 导出数据（模拟数据 SIMULATED）"


def test_table_headers_are_translated_for_display_only():
    df = pd.DataFrame({"customer_id": ["a"], "clv": [1.5], "my_own": [1]}).set_index("customer_id")
    i18n.set_language("zh")
    shown = i18n.tr_columns(df)
    assert list(shown.columns) == ["客户终身价值", "my_own"] and shown.index.name == "客户编号"
    assert list(df.columns) == ["clv", "my_own"], "the original frame must not change"
    html = plotting.translate_table_html(segment.style_table(df.reset_index()).to_html())
    assert ">客户终身价值 CLV</th>" in html and ">my own</th>" in html  # the formatter's label (issue 17)
    i18n.set_language("en")
    assert i18n.tr_columns(df) is df


@pytest.mark.parametrize("heading, zh", [
    ("# 03 · Customer identification and differentiation 客户识别与客户区分", "# 03 · 客户识别与客户区分"),
    ("## 3 · Differentiation by value: ABC analysis ABC 分类", "## 3 · ABC 分类"),
    ("## 4 · RFM analysis RFM 分析", "## 4 · RFM 分析"),
    ("## 2 · Identification: value × needs 客户识别：价值 × 需求", "## 2 · 客户识别：价值 × 需求"),
    ("## 2 · Integrate 整合: classify and code 分类、编码", "## 2 · 整合：分类、编码"),
    ("### Only English", "### Only English"),
])
def test_headings_become_chinese_in_zh_and_stay_in_en(heading, zh):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell(f"{heading}\n\nBody text with 中文 stays.\n```\n# not a heading\n```"),
        nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output(
            "display_data", data={"text/markdown": f"{heading}\nmore"})]),
    ])
    en = report.localise_headings(nbformat.from_dict(json.loads(json.dumps(nb))), "en")
    assert en.cells[0].source.splitlines()[0] == heading
    out = report.localise_headings(nb, "zh")
    lines = out.cells[0].source.splitlines()
    assert lines[0] == zh and lines[2] == "Body text with 中文 stays." and "# not a heading" in lines
    assert out.cells[1].outputs[0]["data"]["text/markdown"].splitlines()[0] == zh
    with pytest.raises(ValueError):
        report.localise_headings(nb, "de")


NUMBERED = report.find_notebooks(NOTEBOOKS)


@pytest.mark.parametrize("path", NUMBERED, ids=lambda p: p.stem)
def test_every_heading_of_every_notebook_has_a_chinese_part(path):
    nb = nbformat.read(path, as_version=4)
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert params and re.search(r'^lang = "en"', params[0].source, re.M), "parameters cell lacks lang = \"en\""
    assert any("plotting.set_theme(lang=lang)" in c.source for c in nb.cells if c.cell_type == "code")
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in report.localise_markdown(cell.source, "en").splitlines():
            m = re.match(r"^\s{0,3}#{1,6}\s+(.+)$", line)
            if m:
                zh = i18n.chinese_part(m.group(1))
                assert zh and CJK.search(zh), f"{path.name}: heading without Chinese: {line!r}"


# --------------------------------------------------------------------------- every figure helper


def _customers(n: int = 240, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    freq = rng.integers(1, 12, n).astype(float)
    out = pd.DataFrame({
        "customer_id": [f"c{i:04d}" for i in range(n)],
        "recency": rng.integers(1, 500, n).astype(float), "frequency": freq,
        "monetary_value": rng.gamma(2.0, 300.0, n),
        "weeks_since_first": rng.uniform(1, 120, n), "weeks_since_last": rng.uniform(0, 100, n),
        "p_alive": rng.uniform(0, 1, n), "n_categories": rng.integers(1, 6, n),
    })
    out["revenue"] = out["monetary_value"] * freq
    out["clv"] = out["revenue"] * rng.uniform(0.1, 2.0, n)
    return out


def _survey_figures():
    data = survey.load_survey()
    cb = data.codebook
    st = survey.suppress(survey.statement_table(data))
    lk = survey.suppress(survey.likert_table(data))
    gs = survey.suppress(survey.group_shares(data))
    return {
        "plot_statements": survey.plot_statements(st, cb, label=data.label),
        "plot_likert": survey.plot_likert(lk, cb, title="Likert items 李克特量表题 (R = reverse-worded)",
                                          label=data.label),
        "plot_group_shares": survey.plot_group_shares(gs, cb, title="Saying yes, by group 分组回答“是”的比例",
                                                      label=data.label),
        "plot_loadings": survey.plot_loadings(survey.efa_loadings(data), cb, label=data.label),
    }


def _all_figures() -> dict[str, Figure]:
    """One figure from every plot_* helper, drawn in the current language."""
    sim_label = "Xiaomi-like CRM export (SIMULATED · 模拟数据)"
    cust = _customers()
    figs: dict[str, Figure] = {}
    # plotting
    times = pd.Series(pd.date_range("2024-01-01", "2024-03-31", freq="D"))
    figs["plot_weekly"] = plotting.plot_weekly(times, title="Order lines per week 每周订单行数",
                                               ylabel="order lines per week (行/周)", label=sim_label)
    profile = pd.DataFrame({"age": [20, 25, 31, 44, 52], "channel": ["online mall", "小米商城", "online mall",
                                                                      "carrier contract", "offline store"],
                            "miui_user": ["是", "否", "是", "是", "否"], "forum_member": ["是", "否", "否", "是", "否"]})
    figs["plot_customer_profile"] = acquire.plot_customer_profile(profile, label=sim_label)
    from helpers import clean
    raw = pd.DataFrame({"customer_id": ["a", None, "b"], "order_id": ["1", "2", "3"],
                        "timestamp": ["2024-01-01", "2024-01-02", "不详"], "amount": ["1", "2", "3"],
                        "source_file": "f.csv", "source_row": [1, 2, 3]})
    figs["plot_row_accounting"] = clean.plot_row_accounting(clean.row_accounting(raw, *clean.clean_transactions(raw)),
                                                               label=sim_label)
    # segment
    figs["plot_pareto"] = segment.plot_pareto(segment.abc_classes(cust[["customer_id", "revenue"]], "revenue"),
                                              label=sim_label, value_name="revenue")
    scores = segment.rfm_scores(cust[["customer_id", "recency", "frequency", "monetary_value"]])
    figs["plot_score_distribution"] = segment.plot_score_distribution(scores, label=sim_label)
    figs["plot_rf_heatmap"] = segment.plot_rf_heatmap(scores, label=sim_label)
    seg = segment.assign_rfm_segments(cust[["customer_id", "recency", "frequency", "monetary_value"]], "rfm10")
    cust["rfm_segment"] = seg["segment"].to_numpy()
    figs["plot_segment_sizes"] = segment.plot_segment_sizes(segment.segment_profile(cust, "rfm_segment"),
                                                            label=sim_label)
    model = segment.CustomerClusters(k_range=(2, 4), seed=0).fit(cust)
    figs["plot_cluster_selection"] = segment.plot_cluster_selection(model.selection_, model.k_, label=sim_label)
    figs["plot_cluster_centres"] = segment.plot_cluster_centres(model, model.profile(cust)["name"], label=sim_label)
    figs["plot_value_need"] = segment.plot_value_need(segment.value_need_matrix(cust), label=sim_label)
    cust["lifecycle_stage"] = segment.lifecycle_stage(cust)
    figs["plot_lifecycle"] = segment.plot_lifecycle(cust, label=sim_label)
    # clv
    figs["plot_period_transactions"] = clv.plot_period_transactions(
        pd.DataFrame({"repeat purchases": ["0", "1", "2+"], "actual": [50, 30, 20], "model": [48, 31, 21]}),
        label=sim_label, model_name="BG/NBD")
    figs["plot_calibration_holdout"] = clv.plot_calibration_holdout(
        pd.DataFrame({"calibration repeat purchases": [0, 1, 2], "actual": [0.2, 0.6, 1.1], "model": [0.25, 0.55, 1.0]}),
        holdout_length=39, label=sim_label, model_name="BG/NBD")
    track = pd.DataFrame({"step_end": pd.date_range("2024-01-07", periods=10, freq="W"),
                          "actual_cumulative": np.arange(10) * 3.0, "model_cumulative": np.arange(10) * 2.9,
                          "actual_incremental": np.full(10, 3.0), "model_incremental": np.full(10, 2.9)})
    track.attrs.update(step_days=7, calibration_end="2024-02-01")
    figs["plot_tracking"] = clv.plot_tracking(track, label=sim_label, model_name="BG/NBD")
    matrix = pd.DataFrame(np.arange(12, dtype=float).reshape(3, 4), columns=[0.0, 1.0, 2.0, 3.0])
    matrix.attrs["T"] = 3.0
    figs["plot_matrix"] = clv.plot_matrix(matrix, title="Probability still active P(alive) 存活概率",
                                          colorbar="P(alive)", label=sim_label)
    figs["plot_clv_distribution"] = clv.plot_clv_distribution(cust, currency="CNY", label=sim_label)
    fitted = pd.DataFrame({"group": ["fans", "fans"], "parameter": ["r", "alpha"], "estimate": [1.0, 2.0],
                           "lower 95%": [0.8, 1.5], "upper 95%": [1.2, 2.5]})
    truth = pd.DataFrame({"group": ["fans", "fans"], "parameter": ["r", "alpha"], "true": [1.1, 1.9]})
    figs["plot_parameter_recovery"] = clv.plot_parameter_recovery(fitted, truth, label=sim_label)
    # ---- issue 19 (evaluate): scorecard, intervals, segment migration
    split = clv.with_time_unit(clv.simulate_bgnbd(600, 0.25, 4.0, 0.8, 2.5, T=39.0, seed=1), "D", 7)
    split["monetary_value"] = clv.simulate_spend(split["frequency"].to_numpy(), 6.0, 3.5, 15.0, seed=1)
    split["test_frequency"] = np.random.default_rng(1).poisson(split["frequency"].to_numpy() * 0.8 + 0.2)
    split["test_T"], split["last_frequency"] = 39.0, split["frequency"]
    bg, gg = clv.BetaGeo().fit(split), clv.GammaGamma().fit(split)
    card = clv.scorecard(split, models={"BG/NBD": bg})
    figs["plot_scorecard"] = clv.plot_scorecard(card, label=sim_label)
    figs["plot_decile_calibration"] = clv.plot_decile_calibration(card, label=sim_label)
    figs["plot_gain_curve"] = clv.plot_gain_curve(card, label=sim_label)
    figs["plot_customer_intervals"] = clv.plot_customer_intervals(clv.customer_intervals(bg, split, gg, draws=16),
                                                                  currency="CNY", label=sim_label)
    names = ["champions", "hibernating"]
    shares = pd.DataFrame([[0.7, 0.3], [0.1, 0.9]], index=pd.Index(names, name="calibration"),
                          columns=pd.Index(names, name="holdout end"))
    back = pd.DataFrame({"segment": names, "customers": [10, 10], "came_back": [7, 1], "share_came_back": [0.7, 0.1],
                         "mean_later_purchases": [2.0, 0.1]})
    figs["plot_migration"] = segment.plot_migration(segment.Migration(pd.DataFrame(), shares * 10, shares, back,
                                                                      pd.DataFrame(), pd.DataFrame(), "rfm10"),
                                                    label=sim_label)
    # ---- end issue 19 (evaluate)
    contracts = clv.cohort_table({"2012Q1": [100, 60, 45, 40], "2013Q1": [200, 130, 100]}, period_days=365.25)
    contracts["plan"] = "unicom_1y"
    figs["plot_contract_survival"] = clv.plot_contract_survival(
        clv.contract_curves(contracts, clv.sbg_models(contracts, by="plan"), by="plan", horizon=6),
        title="Carrier contracts by plan 运营商合约留存", label="Carrier contract cohorts (SIMULATED · 模拟数据)")
    # survey
    figs.update(_survey_figures())
    # community
    com_label = "Xiaomi-like community export (SIMULATED · 模拟数据)"
    figs["plot_funnel"] = community.plot_funnel(pd.DataFrame({
        "stage": ["buyers", "members"], "阶段": ["购买客户", "会员"], "customers": [1000, 300],
        "share_of_previous": [np.nan, 30.0]}), label=com_label)
    months = pd.date_range("2013-01-01", periods=3, freq="MS")
    figs["plot_activity"] = community.plot_activity(pd.DataFrame({
        "month": list(months) * 4, "series": ["experience"] * 3 + ["question"] * 3 + ["suggestion"] * 3
        + ["new members"] * 3, "count": np.arange(12)}), label=com_label)
    figs["plot_lead_times"] = community.plot_lead_times(pd.DataFrame({"lead_days": [7, 14, 21, 30]}), label=com_label)
    figs["plot_polls"] = community.plot_polls(pd.DataFrame({
        "poll_id": ["P1", "P1"], "feature": ["通知栏", "通知栏"], "option": ["方案A", "方案B"],
        "share (%)": [60.0, 40.0], "ci low (%)": [50.0, 30.0], "ci high (%)": [70.0, 50.0]}), label=com_label)
    figs["plot_value_by_engagement"] = community.plot_value_by_engagement(pd.DataFrame({
        "level": ["non-member", "member", "poster"], "mean clv": [100.0, 150.0, 220.0], "ci low": [90.0, 130.0, 180.0],
        "ci high": [110.0, 170.0, 260.0], "customers": [500, 200, 50]}), "CNY", label=com_label)
    figs["plot_meetups"] = community.plot_meetups(pd.DataFrame({
        "attended": [True, True, False, False], "before": [1.0, 2.0, 1.0, 1.5], "after": [2.0, 3.0, 1.0, 1.6]}),
        label=com_label)
    # knowledge
    table = pd.DataFrame([[3, 1, 2], [0, 4, 1]], index=["电池", "相机"],
                         columns=[f"{k} {v[1]}" for k, v in list(knowledge.KINDS.items())[:3]])
    figs["plot_code_matrix"] = knowledge.plot_code_matrix(table, label=com_label)
    figs["plot_customer_history"] = knowledge.plot_customer_history(pd.DataFrame({
        "timestamp": pd.date_range("2013-01-01", periods=4, freq="60D"), "amount": [1999.0, 99.0, 49.0, 1499.0]}),
        currency="CNY", label=sim_label)
    import duckdb
    con = duckdb.connect()
    con.register("cp", cust[["rfm_segment", "clv", "p_alive"]])
    con.execute("CREATE TABLE customer_profile AS SELECT * FROM cp")
    figs["plot_segment_distribution"] = knowledge.plot_segment_distribution(con, "champions", column="rfm_segment",
                                                                           label=sim_label)
    con.close()
    # topics
    texts = pd.Series(["电池续航太差，电池发热", "相机拍照清晰，夜景相机好", "电池充电慢，电池不耐用",
                       "相机对焦快，相机色彩好", "信号差，信号经常断", "信号弱，地铁里没有信号"] * 3)
    figs["plot_topics"] = topics.plot_topics(topics.TopicModel(n_topics=3, min_df=1, seed=0).fit(texts), n_terms=3,
                                             label=com_label)
    return figs


def _texts(fig: Figure) -> dict[str, list[str]]:
    """The texts a reader sees: titles, axis labels, legends, categorical tick labels, annotations."""
    out: dict[str, list[str]] = {"title": [t.get_text() for t in fig.texts], "label": [], "legend": [], "ticks": [],
                                 "other": []}
    for ax in fig.axes:
        out["title"] += [ax.get_title(loc=loc) for loc in ("left", "center", "right")]
        out["label"] += [ax.get_xlabel(), ax.get_ylabel()]
        legend = ax.get_legend()
        if legend is not None:
            out["legend"] += [legend.get_title().get_text()] + [t.get_text() for t in legend.get_texts()]
        for tick in (*ax.get_xticklabels(), *ax.get_yticklabels()):
            out["ticks"].append(tick.get_text())
        out["other"] += [t.get_text() for t in ax.texts]
    for legend in fig.legends:
        out["legend"] += [t.get_text() for t in legend.get_texts()]
    return {k: [t for t in v if t and t.strip()] for k, v in out.items()}


def test_every_plot_helper_is_covered_here():
    defined = {name for module in PLOT_MODULES for name, fn in inspect.getmembers(module, inspect.isfunction)
               if name.startswith("plot_") and fn.__module__.startswith(module.__name__)}
    source = inspect.getsource(_all_figures) + inspect.getsource(_survey_figures)
    covered = set(re.findall(r'figs\["(plot_\w+)"\]', source)) | set(re.findall(r'"(plot_\w+)":', source))
    assert len(defined) >= 30
    assert defined <= covered, f"plot helpers without a Chinese/English figure test: {sorted(defined - covered)}"


# English words a Chinese figure may keep: model and statistic names, units, abbreviations.
ALLOWED_EN = {"log", "alive", "silhouette", "mean"}


@pytest.fixture(scope="module")
def zh_figures():
    plotting.set_theme(lang="zh")
    i18n.set_language("zh", strict=True)  # a label without a catalog entry raises here
    try:
        figs = {name: _texts(fig) for name, fig in _all_figures().items()}
    finally:
        i18n.set_language("en")
        plt.close("all")
    return figs


@pytest.fixture(scope="module")
def en_figures():
    plotting.set_theme(lang="en")
    try:
        figs = {name: _texts(fig) for name, fig in _all_figures().items()}
    finally:
        plt.close("all")
    return figs


def test_chinese_figures_have_chinese_titles_labels_and_legends(zh_figures):
    assert len(zh_figures) >= 30
    for name, texts in zh_figures.items():
        titles = [t for t in texts["title"] if not re.fullmatch(r"[A-Za-z]{1,6}", t)]  # parameter symbols: r, alpha
        # the title itself, without the dataset label that i18n.with_label adds (the label has Chinese either way)
        heads = [re.split(r"\n| — ", t)[0] for t in titles]
        assert heads and all(CJK.search(t) for t in heads), f"{name}: title not in Chinese: {heads}"
        for kind in ("label", "legend"):
            for text in texts[kind]:
                if re.search(r"[A-Za-z]{3,}", text) and not CJK.search(text):
                    words = set(re.findall(r"[a-z]{4,}", text.lower())) - ALLOWED_EN
                    assert not words, f"{name}: English {kind} in a Chinese figure: {text!r}"
        english_words = [w for t in heads + texts["label"] for w in re.findall(r"\b[a-z]{5,}\b", t.lower())
                         if w not in ALLOWED_EN]
        assert not english_words, f"{name}: English words {english_words} left in titles/labels"
        assert any("SIMULATED" in t and "模拟数据" in t for t in titles), f"{name}: the data must say SIMULATED"


def test_chinese_category_labels(zh_figures):
    assert {"参会前", "参会后"} <= set(zh_figures["plot_meetups"]["ticks"])
    assert any("流失风险客户" in t for t in zh_figures["plot_lifecycle"]["ticks"])
    assert any("冠军客户" in t or "沉睡客户" in t for t in zh_figures["plot_segment_sizes"]["ticks"])
    assert "核心客户（高价值·多需求）" in " ".join(zh_figures["plot_value_need"]["legend"])
    assert "客户数" in zh_figures["plot_rf_heatmap"]["label"] or "客户数" in zh_figures["plot_lifecycle"]["label"]
    assert "按价值排序的客户（累计 %，客户累计占比）" in zh_figures["plot_pareto"]["label"]


def test_english_figures_keep_the_english_source_text(en_figures):
    assert len(en_figures) >= 30
    for name, texts in en_figures.items():
        heads = [re.split(r"\n| — ", t)[0] for t in texts["title"]]  # without the dataset label
        assert any(re.search(r"[A-Za-z]{3,}", t) for t in heads), f"{name}: no English title"
    assert "customers, ranked by value (cumulative %, 客户累计占比)" in en_figures["plot_pareto"]["label"]
    assert ["before 参会前", "after 参会后"] == en_figures["plot_meetups"]["ticks"][:2]
    assert any("Xiaomi-like CRM export (SIMULATED · 模拟数据)" in t for t in en_figures["plot_pareto"]["title"])


# --------------------------------------------------------------------------- a Chinese report, read back

NEEDS_CHROMIUM = pytest.mark.skipif(
    not shutil.which("chromium") and not __import__("os").environ.get("CRM_CHROMIUM")
    and __import__("os").environ.get("CI") != "true",
    reason="Chromium not installed (make test installs it as root); in CI this never skips")


def _pdf_text(pdf) -> str:
    raw = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    return re.sub(r"\s+", "", raw)


@NEEDS_CHROMIUM
def test_chinese_report_has_chinese_headings_and_figure_labels(zh_reports):
    out, _ = zh_reports  # built in strict mode: a missing translation fails the build (tests/conftest.py)
    text04 = _pdf_text(out / "04_segmentation.pdf")
    for heading in ("04·客户识别与客户区分", "3·ABC分类", "4·RFM分析", "2·客户识别：价值×需求"):
        assert heading in text04, f"Chinese heading {heading!r} missing"
    assert "Differentiationbyvalue" not in text04, "the English heading should not be in the Chinese report"
    # figure text is text in the PDF: a translated axis label, a title with the SIMULATED dataset label
    assert "按价值排序的客户（累计%，客户累计占比）" in text04
    assert "ABC分类：帕累托曲线" in text04 and "类小米CRM导出数据（模拟数据SIMULATED）" in text04
    assert "客户终身价值" in text04  # a translated table header (clv)
    text01 = _pdf_text(out / "01_acquisition.pdf")
    assert "01·客户数据获取" in text01 and "1·自带数据" in text01 and "每周订单行数" in text01
    html = (out / "04_segmentation.html").read_text(encoding="utf-8")
    assert "<svg" in html and not report.SVG_DATA_IMG.search(html), "figures should be inline SVG"
    assert (out / "tables").is_dir() and any((out / "tables").glob("04_*.csv"))
    header = (out / "tables" / "02_row_accounting_xiaomi_sim.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert "step" in header and "rows" in header, "CSV files keep their English column names"


def test_value_catalog_is_well_formed_and_tr_value_translates_known_values_only():
    """Issue 17: helpers/locale/zh_values.yml (table values) is a flat mapping with Chinese values; tr_value
    passes English and unknown values through, and never records them as missing."""
    values = i18n.value_catalog()
    assert values and all(re.search(r"[\u4e00-\u9fff]", v) for v in values.values())
    assert not set(values) & set(i18n.catalog()), "a value belongs in one of the two files"
    i18n.set_language("en")
    assert i18n.tr_value("online_mall") == "online_mall"
    i18n.set_language("zh", strict=True)
    i18n.clear_missing()
    assert i18n.tr_value("online_mall") == values["online_mall"]
    assert i18n.tr_value("my own shop") == "my own shop" and i18n.tr_value(3) == 3
    assert i18n.tr_value("rows in: mystery") == "rows in: mystery"  # both parts must be known
    assert i18n.missing() == []
    i18n.set_language("en")


def test_clv_horizon_in_words_in_both_languages():
    from helpers import clv
    assert clv.horizon_text("52 W") == "52 weeks" and clv.horizon_text("6 M") == "6 months"
    i18n.set_language("zh", strict=True)
    assert clv.horizon_text("52 W") == "52 周" and clv.horizon_text("2 Y") == "2 年"
    assert clv.horizon_text("soon") == "soon"
    i18n.set_language("en")


def test_tr_value_keeps_a_known_values_share():
    i18n.set_language("zh", strict=True)
    assert i18n.tr_value("online_mall (76%)") == f"{i18n.value_catalog()['online_mall']} (76%)"
    assert i18n.tr_value("my shop (76%)") == "my shop (76%)"
    i18n.set_language("en")
    assert i18n.tr_value("online_mall (76%)") == "online_mall (76%)"


def test_language_is_per_thread_and_restored():
    import threading
    seen = {}

    def reader(lang: str) -> None:
        with i18n.language(lang):
            barrier.wait()
            seen[lang] = (i18n.get_language(), i18n.tr("Customers"))

    before = i18n.get_language()
    barrier = threading.Barrier(2)
    threads = [threading.Thread(target=reader, args=(lang,)) for lang in ("en", "zh")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"en": ("en", "Customers"), "zh": ("zh", "客户")}
    assert i18n.get_language() == before
    with pytest.raises(ValueError, match="lang must be one of"):
        with i18n.language("fr"):
            pass
