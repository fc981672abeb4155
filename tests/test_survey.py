"""Tests for :mod:`helpers.survey`: the simulation, the paper's table, tests, models, reliability, anonymity.

Besides the simulation, the statistics are checked on real respondent-level data nobody here wrote:
pingouin's bundled ``cronbach_alpha`` questionnaire (alpha 0.592 published in pingouin's docs and
real-statistics.com), its ``cronbach_wide_missing`` binary items, its ``chi2_independence`` (UCI
heart disease) patients, and statsmodels' ``anes96`` survey (American National Election Study 1996).
pingouin is GPL-3 and a test-only dependency: it checks our implementations, it is not used by them.
"""

from __future__ import annotations

import math
import os
import runpy
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import papermill
import pingouin as pg
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from helpers import plotting, survey
from helpers.paths import NOTEBOOKS
from helpers.survey import (
    SAMPLES_DIR,
    SIM_DESIGN,
    SIM_PATH,
    STATEMENT_COLUMNS,
    AttitudeModel,
    compare_groups,
    cronbach_alpha,
    groups_to_withhold,
    load_codebook,
    load_survey,
    read_survey,
    simulate_responses,
    statement_table,
    suppress,
)

PUBLISHED = [0.56, 0.86, 0.73, 0.45, 0.86, 0.76]  # paper 2, staff survey table
CB = load_codebook()


@pytest.fixture(scope="module")
def sim():
    return load_survey()


@pytest.fixture()
def theme():
    """The workbook's figure theme (CJK fonts); figures closed afterwards."""
    import matplotlib.pyplot as plt

    plotting.set_theme()
    yield
    plt.close("all")


# --------------------------------------------------------------------------- the simulation


def test_simulation_is_seeded_and_the_committed_file_is_its_output(tmp_path):
    a, b = simulate_responses(seed=7), simulate_responses(seed=7)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(simulate_responses(seed=8))
    regenerated = survey.write_simulated(tmp_path / "sim.csv")
    assert regenerated.read_bytes() == SIM_PATH.read_bytes(), "run `python -m helpers.survey` to regenerate"


def test_python_m_helpers_survey_regenerates_the_file(tmp_path, capsys):
    out = tmp_path / "sim.csv"
    with pytest.MonkeyPatch.context() as mp, pytest.raises(SystemExit) as done:
        mp.setattr("sys.argv", ["python -m helpers.survey", "--out", str(out)])
        runpy.run_module("helpers.survey", run_name="__main__")
    assert done.value.code == 0 and f"wrote {out}" in capsys.readouterr().out
    assert out.read_bytes() == SIM_PATH.read_bytes()


def test_simulated_file_says_simulated_on_every_row_and_in_its_label(sim):
    raw = pd.read_csv(SIM_PATH, dtype=str)
    assert len(raw) == 100 and raw["data_note"].str.contains("SIMULATED").all()
    assert sim.simulated and "SIMULATED" in sim.label
    assert "data_note" in sim.dropped


def test_simulation_fills_the_assumed_design_cells(sim):
    r = sim.responses
    counts = r.groupby(["channel", "role", "department"], observed=True).size()
    for channel, role, department, k in SIM_DESIGN["cells"]:
        assert counts[(channel, role, department)] == k
    assert sim.n == sum(k for *_, k in SIM_DESIGN["cells"]) == 100


@pytest.mark.parametrize("seed", [survey.SIM_SEED, 1, 99, 12345])
def test_every_seed_reproduces_the_published_shares_exactly(seed):
    frame = simulate_responses(seed=seed)
    shares = [frame[it.id].mean() for it in CB.items_of("statement")]
    assert shares == PUBLISHED


def test_simulation_follows_the_papers_narrative_without_being_clean(sim):
    r = sim.responses
    counter = r["role"] == "counter_sales"
    material = r["incentive_pref"] == "material"
    # counter staff prefer material incentives (the paper) — but not all of them
    assert material[counter].mean() > material[~counter].mean() + 0.1
    assert 0 < material[counter].mean() < 1 and 0 < material[~counter].mean() < 1
    # knowledge hoarding under quarterly rewards: counter staff agree more with sha3, share less
    assert r.loc[counter, "sha3"].mean() > r.loc[~counter, "sha3"].mean()
    assert r.loc[counter, "sha1"].mean() < r.loc[~counter, "sha1"].mean()
    # not perfectly clean: every group has some of each answer
    assert r.loc[counter, "sha3"].nunique() >= 3 and r.loc[~counter, "sha3"].nunique() >= 3


def test_load_survey_with_a_seed_simulates_afresh_and_unknown_names_are_errors():
    data = load_survey(seed=5)
    assert data.simulated and "seed 5" in data.label and data.n == 100
    with pytest.raises(Exception, match="unknown survey"):
        load_survey("my_survey")


# --------------------------------------------------------------------------- the paper's table


def test_statement_table_reproduces_the_papers_shares_with_wilson_intervals(sim):
    table = statement_table(sim)
    assert list(table.columns) == STATEMENT_COLUMNS
    assert table["share"].tolist() == PUBLISHED
    assert table["published_share"].tolist() == PUBLISHED
    assert (table["n"] == 100).all() and table["count"].tolist() == [56, 86, 73, 45, 86, 76]
    low, high = proportion_confint(table["count"], table["n"], alpha=0.05, method="wilson")
    np.testing.assert_allclose(table["ci_low"], low, rtol=0, atol=1e-12)
    np.testing.assert_allclose(table["ci_high"], high, rtol=0, atol=1e-12)
    for row in table.itertuples():  # and scipy agrees
        ci = stats.binomtest(row.count, row.n).proportion_ci(method="wilson")
        assert math.isclose(row.ci_low, ci.low, abs_tol=1e-9) and math.isclose(row.ci_high, ci.high, abs_tol=1e-9)
    # the values in shared/notes/survey-libraries.md (56% → 46.2–65.3, 45% → 35.6–54.8)
    assert round(table["ci_low"][0] * 100, 1) == 46.2 and round(table["ci_high"][0] * 100, 1) == 65.3
    assert round(table["ci_low"][3] * 100, 1) == 35.6 and round(table["ci_high"][3] * 100, 1) == 54.8


def test_statement_table_counts_only_answers():
    data = read_survey(SAMPLES_DIR / "wjx_code.csv")
    frame = data.responses.copy()
    frame.loc[0, "s1_ckm_unknown"] = pd.NA
    data.responses = frame
    table = statement_table(data)
    assert table.loc[0, "n"] == 5 and table.loc[0, "count"] == 2


def test_margin_of_error_for_n_100_is_9_8_points():
    assert round(survey.margin_of_error(100) * 100, 1) == 9.8
    assert survey.margin_of_error(400) == pytest.approx(survey.margin_of_error(100) / 2)


def test_compare_with_published(sim):
    check = survey.compare_with_published(statement_table(sim))
    assert (check["difference (points)"] == 0).all() and check["published inside 95% CI"].all()


# --------------------------------------------------------------------------- anonymity


def _group_table(sizes: dict[str, int], items=("a", "b")) -> pd.DataFrame:
    rows = [{"grouping": "dept", "group": g, "item": i, "n": k, "count": k // 2, "share": 0.5}
            for i in items for g, k in sizes.items()]
    table = pd.DataFrame(rows)
    table.attrs.update(group_col="group", table_cols=["grouping", "item"], partition_cols=["grouping"])
    return table


def test_small_groups_are_blanked_and_a_complementary_group_too():
    out = suppress(_group_table({"rnd": 20, "mkt": 15, "sales": 61, "supply": 4}), 5)
    blanked = set(out.loc[out["n"].isna(), "group"])
    assert blanked == {"supply", "mkt"}  # 4 < 5, and the smallest other group
    assert out.loc[out["group"].isin(blanked), ["count", "share"]].isna().all().all()
    assert out.loc[~out["group"].isin(blanked), "n"].notna().all()
    assert ("supply", "n < 5") in out.attrs["suppressed"] and out.attrs["min_group_size"] == 5
    assert list(out.columns) == ["grouping", "group", "item", "n", "count", "share"]


def test_no_complementary_suppression_when_two_groups_are_already_blanked():
    out = suppress(_group_table({"a": 3, "b": 4, "c": 30, "d": 40}), 5)
    assert set(out.loc[out["n"].isna(), "group"]) == {"a", "b"}


def test_complement_is_found_in_every_sub_table_even_when_the_usual_group_is_absent():
    table = _group_table({"rnd": 20, "mkt": 15, "sales": 61, "supply": 4})
    table = table[~((table["item"] == "b") & (table["group"] == "mkt"))]  # nobody in mkt answered b
    out = suppress(table, 5)
    for _, sub in out.groupby("item"):
        assert sub["n"].isna().sum() == 2
    assert set(out.loc[(out["item"] == "b") & out["n"].isna(), "group"]) == {"supply", "rnd"}


def test_nothing_is_blanked_when_every_group_is_large_enough(sim):
    table = statement_table(sim)
    out = suppress(table, 5)
    pd.testing.assert_frame_equal(out, table)
    assert out.attrs["suppressed"] == []


def test_rows_of_a_table_without_groups_are_blanked_on_their_own_n():
    table = pd.DataFrame({"item": ["x", "y"], "n": [4, 30], "share": [0.5, 0.4]})
    out = suppress(table, 5)
    assert out["share"].isna().tolist() == [True, False]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=40), min_size=2, max_size=6), st.integers(3, 10))
def test_no_single_group_can_be_derived_from_the_total(sizes, threshold):
    groups = {f"g{i}": k for i, k in enumerate(sizes)}
    out = suppress(_group_table(groups), threshold)
    for _, sub in out.groupby("item"):
        hidden = sub["n"].isna().sum()
        assert hidden != 1, "one blanked group = total minus the others"
        assert (sub.loc[sub["n"].notna(), "n"] >= threshold).all()
    withheld = groups_to_withhold(pd.Series(groups), threshold)
    assert set(withheld) == set(out.loc[out["n"].isna(), "group"])


def test_figures_refuse_unsuppressed_tables(sim, theme):
    with pytest.raises(ValueError, match="suppress"):
        survey.plot_statements(statement_table(sim), CB)
    with pytest.raises(ValueError, match="suppress"):
        survey.plot_likert(survey.likert_table(sim), CB, title="x")
    with pytest.raises(ValueError, match="suppress"):
        survey.plot_group_shares(survey.group_shares(sim), CB, title="x")


def test_figures_from_suppressed_tables(sim, theme):
    shares = suppress(survey.group_shares(sim), 5)
    fig = survey.plot_group_shares(shares, CB, title="x", label=sim.label)
    legend_text = " ".join(t.get_text().replace("\n", " ")  # entries wrap to the panel's width
                           for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts())
    assert "Supply chain: suppressed" in legend_text and "Marketing: suppressed" in legend_text
    assert "R&D / MIUI (n=20)" in legend_text
    for maker, table in [(survey.plot_statements, suppress(statement_table(sim))),
                         (survey.plot_likert, suppress(survey.likert_table(sim)))]:
        fig = maker(table, CB, label=sim.label, **({"title": "t"} if maker is survey.plot_likert else {}))
        # the Likert panels share one figure title (issue 17: two columns of panels by dimension)
        assert isinstance(fig, Figure) and "SIMULATED" in fig.get_suptitle() + fig.axes[0].get_title(loc="left")


def test_anonymity_statement_names_the_rule_and_the_groups(sim):
    profile = suppress(survey.respondent_profile(sim), 5)
    text = survey.anonymity_statement(5, [profile])
    assert "fewer than 5" in text and "supply_chain (n < 5)" in text and "marketing (complementary" in text
    assert "no group had to be suppressed" in survey.anonymity_statement(5, [suppress(statement_table(sim))])


# --------------------------------------------------------------------------- subgroup tests


def test_compare_groups_statistics_match_scipy_and_holm(sim):
    tests = compare_groups(sim)
    assert len(tests) == 3 * (6 + 21 + 1 + 6)
    tested = tests[tests["p_value"].notna()]
    _, holm, _, _ = multipletests(tested["p_value"], method="holm")
    np.testing.assert_allclose(tested["p_holm"], holm)
    # Holm by hand: sorted p times (m - rank), running maximum, capped at 1
    p = tested["p_value"].to_numpy()
    order = np.argsort(p)
    adjusted = np.minimum(1, np.maximum.accumulate(p[order] * (len(p) - np.arange(len(p)))))
    np.testing.assert_allclose(np.sort(tested["p_holm"].to_numpy()), adjusted)
    assert (tested["p_holm"] >= tested["p_value"]).all()
    row = tests[(tests["grouping"] == "role") & (tests["item"] == "incentive_pref")].iloc[0]
    observed = pd.crosstab(sim.responses["role"], sim.responses["incentive_pref"]).to_numpy()
    chi2, p_chi, _, expected = stats.chi2_contingency(observed, correction=False)
    assert row["statistic"] == pytest.approx(chi2)
    assert row["cramers_v"] == pytest.approx(stats.contingency.association(observed, method="cramer"))
    assert row["p_value"] == pytest.approx(p_chi if (expected >= 5).all() else stats.fisher_exact(observed).pvalue)


def test_compare_groups_leaves_out_small_and_complementary_groups(sim):
    tests = compare_groups(sim, by=["department"])
    assert (tests["excluded"] == "supply_chain (n < 5), marketing (complementary)").all()
    assert (tests["n"] == 100 - 4 - 15).all()
    assert not tests["highest"].str.contains("marketing|supply_chain").any()


def test_compare_groups_is_deterministic_with_monte_carlo(sim):
    a, b = compare_groups(sim, seed=3), compare_groups(sim, seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert (a["test"] == "Fisher exact (Monte Carlo)").any()


@pytest.mark.filterwarnings("ignore:Low count:UserWarning")
def test_compare_groups_on_real_patient_data_matches_pingouin(tmp_path):
    """UCI heart disease (pingouin's chi2_independence data): sex against chest-pain type and diagnosis."""
    heart = pg.read_dataset("chi2_independence")
    codebook = tmp_path / "heart.yml"
    codebook.write_text(
        "scales:\n"
        "  sex: {type: nominal, levels: [{code: 0, en: female, zh: 女}, {code: 1, en: male, zh: 男}]}\n"
        "  cp: {type: nominal, levels: [{code: 0, en: typical, zh: 典型}, {code: 1, en: atypical, zh: 非典型},"
        " {code: 2, en: non-anginal, zh: 非心绞痛}, {code: 3, en: asymptomatic, zh: 无症状}]}\n"
        "  yn: {type: binary, levels: [{code: 1, en: 'Yes', zh: 是}, {code: 0, en: 'No', zh: 否}]}\n"
        "items:\n"
        "  - {id: sex, kind: attribute, scale: sex}\n"
        "  - {id: cp, kind: attribute, scale: cp}\n"
        "  - {id: target, kind: statement, scale: yn}\n", encoding="utf-8")
    heart[["sex", "cp", "target"]].to_csv(tmp_path / "heart.csv", index=False)
    data = read_survey(tmp_path / "heart.csv", "plain", codebook=load_codebook(codebook))
    tests = compare_groups(data, by=["sex"], items=["cp", "target"]).set_index("item")
    for item in ("cp", "target"):
        _, _, result = pg.chi2_independence(heart, x="sex", y=item, correction=False)
        pearson = result.set_index("test").loc["pearson"]
        assert tests.loc[item, "statistic"] == pytest.approx(pearson["chi2"])
        assert tests.loc[item, "cramers_v"] == pytest.approx(pearson["cramer"])
        assert tests.loc[item, "test"] == "chi-square" and tests.loc[item, "p_value"] == pytest.approx(pearson["pval"])


def test_describe_tests_counts_what_survives_holm(sim):
    tests = compare_groups(sim)
    text = survey.describe_tests(tests, CB)
    assert f"**{int(tests['significant'].sum())}** remain significant" in text
    assert f"{int(tests['p_value'].notna().sum())} tests were run" in text


# --------------------------------------------------------------------------- ordinal model


def test_attitude_model_direction_and_plain_words(sim):
    model = AttitudeModel("sha3", ("role", "channel"), references={"role": "employee", "channel": "online"}).fit(sim)
    assert model.skipped_ is None and model.n_ == 100
    ors = model.odds_ratios_.set_index("term")
    assert ors.loc["role", "reference"] == "employee" and ors.loc["role", "level"] == "counter_sales"
    assert ors.loc["role", "n"] == 52 and ors.loc["channel", "n"] == 40
    assert (ors["odds_ratio"] > 1).all() and (ors["ci_low"] < ors["odds_ratio"]).all()
    # the model's coefficients are statsmodels' own: log odds ratio = params
    params = model.result_.params
    assert np.log(ors.loc["role", "odds_ratio"]) == pytest.approx(params.iloc[0])
    cells = model.cells_.set_index("group")
    assert cells.loc["counter_sales · offline", "n"] == 40
    assert cells["predicted_agree"].between(0, 1).all()
    assert cells.loc["counter_sales · offline", "predicted_agree"] > cells.loc["employee · online", "predicted_agree"]
    text = model.interpret()
    assert "multiplied by" in text and "Nobody in the data is employee · offline" in text


def test_attitude_model_is_skipped_for_small_groups():
    data = read_survey(SAMPLES_DIR / "wjx_code.csv")
    model = AttitudeModel().fit(data)
    assert model.result_ is None and "fewer than 5" in model.skipped_
    assert "not fitted" in model.interpret()
    assert list(suppress(model.cells_).columns) == ["group", "role", "channel", "n", "observed_agree",
                                                    "predicted_agree"]


# --------------------------------------------------------------------------- reliability and structure


def test_cronbach_alpha_on_pingouins_real_questionnaire_is_0_592():
    long = pg.read_dataset("cronbach_alpha")
    wide = long.pivot(index="Subj", columns="Items", values="Scores")
    alpha, (low, high) = cronbach_alpha(wide)
    assert round(alpha, 3) == 0.592
    ref_alpha, ref_ci = pg.cronbach_alpha(data=wide)
    assert alpha == pytest.approx(ref_alpha)
    assert [round(low, 3), round(high, 3)] == list(ref_ci) == [0.195, 0.84]


def test_cronbach_alpha_on_real_binary_items_with_missing_answers():
    data = pg.read_dataset("cronbach_wide_missing")
    alpha, _ = cronbach_alpha(data)
    assert alpha == pytest.approx(pg.cronbach_alpha(data=data, nan_policy="listwise")[0])
    assert round(alpha, 4) == 0.8017  # pingouin's documented listwise value


def test_cronbach_alpha_on_the_anes96_survey_matches_pingouin_and_the_formula():
    anes = sm.datasets.anes96.load_pandas().data
    items = anes[["selfLR", "DoleLR", "PID"]]  # 7-point scales of the 1996 election study
    alpha, (low, high) = cronbach_alpha(items)
    ref_alpha, ref_ci = pg.cronbach_alpha(data=items)
    assert alpha == pytest.approx(ref_alpha) and [round(low, 3), round(high, 3)] == list(ref_ci)
    k = items.shape[1]
    by_hand = k / (k - 1) * (1 - items.var().sum() / items.sum(axis=1).var())
    assert alpha == pytest.approx(by_hand)
    assert low < alpha < high


def test_reliability_table_reverse_codes_and_agrees_with_pingouin(sim):
    table = survey.reliability_table(sim).set_index("dimension")
    assert list(table.index) == ["acquisition", "integration", "sharing", "application", "culture", "structure",
                                 "incentives"]
    scored = survey.reverse_coded(sim)
    assert (scored["sha3"] == 6 - sim.responses["sha3"].astype(float)).all()
    for dim, row in table.iterrows():
        ids = row["items"].split(", ")
        assert row["alpha"] == pytest.approx(pg.cronbach_alpha(data=scored[ids])[0])
        assert row["ci_low"] < row["alpha"] < row["ci_high"]
    raw_alpha = pg.cronbach_alpha(data=sim.responses[["sha1", "sha2", "sha3"]].astype(float))[0]
    assert table.loc["sharing", "alpha"] > raw_alpha  # reverse-coding sha3 matters


def _kmo(x: pd.DataFrame) -> float:
    r = x.corr().to_numpy()
    inv = np.linalg.inv(r)
    partial = -inv / np.sqrt(np.outer(np.diag(inv), np.diag(inv)))
    off = ~np.eye(len(r), dtype=bool)
    return float((r[off] ** 2).sum() / ((r[off] ** 2).sum() + (partial[off] ** 2).sum()))


def test_kmo_and_bartlett_match_their_formulas(sim):
    from factor_analyzer.factor_analyzer import calculate_kmo

    anes = sm.datasets.anes96.load_pandas().data[["selfLR", "ClinLR", "DoleLR", "PID", "TVnews"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert calculate_kmo(anes)[1] == pytest.approx(_kmo(anes))  # the library, on real survey data
    table = survey.factorability(sim).set_index("n", append=True).reset_index("n")
    x = survey.reverse_coded(sim)
    assert table["value"].iloc[0] == pytest.approx(_kmo(x))
    n, p = x.shape
    chi2 = -(n - 1 - (2 * p + 5) / 6) * np.log(np.linalg.det(x.corr().to_numpy()))
    assert table["value"].iloc[1] == pytest.approx(chi2)
    assert table["df"].iloc[1] == p * (p - 1) / 2


def test_efa_recovers_the_simulated_dimensions(sim):
    loadings = survey.efa_loadings(sim)
    factor_cols = [c for c in loadings.columns if c.startswith("F")]
    assert len(factor_cols) == 7
    assert loadings["on_own_factor"].mean() >= 0.8
    assert {c.split(" ", 1)[1] for c in factor_cols} == set(loadings["dimension"])
    assert loadings["communality"].between(0, 1.0001).all()


def test_factor_analyzer_fit_is_broken_here_which_is_why_sklearn_gives_the_loadings():
    """If this starts failing, factor_analyzer works again: efa_loadings could use it (see its docstring)."""
    import sklearn
    from factor_analyzer import FactorAnalyzer

    if tuple(int(v) for v in sklearn.__version__.split(".")[:2]) < (1, 8):
        pytest.skip("only broken with scikit-learn >= 1.8")
    with pytest.raises(TypeError, match="force_all_finite"):
        FactorAnalyzer(n_factors=2, rotation="varimax").fit(np.random.default_rng(0).normal(size=(50, 6)))


# --------------------------------------------------------------------------- the notebook


def _run_notebook(tmp_path: Path, **parameters) -> Path:
    out = tmp_path / "reports"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CRM_REPORTS_DIR", str(out))
        mp.setenv("MPLBACKEND", "Agg")
        papermill.execute_notebook(str(NOTEBOOKS / "05_staff_survey.ipynb"), str(tmp_path / "05.ipynb"),
                                   parameters=parameters, cwd=str(NOTEBOOKS), progress_bar=False,
                                   kernel_name="python3")
    return out


def test_notebook_writes_the_papers_table_whatever_dataset_the_report_passes(tmp_path):
    out = _run_notebook(tmp_path, dataset="cdnow")  # the report command passes -p dataset to every notebook
    raw = (out / "tables" / "survey_statements.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # save_table writes UTF-8 with BOM
    table = pd.read_csv(out / "tables" / "survey_statements.csv", encoding="utf-8-sig")
    assert list(table.columns) == STATEMENT_COLUMNS
    assert table["share"].tolist() == PUBLISHED and table["published_share"].tolist() == PUBLISHED
    respondents = pd.read_csv(out / "tables" / "survey_respondents.csv", encoding="utf-8-sig")
    assert respondents.loc[respondents["group"] == "supply_chain", "n"].isna().all()


def test_notebook_runs_on_a_users_wenjuanxing_export(tmp_path):
    out = _run_notebook(tmp_path, survey="my_survey", survey_path=str(SAMPLES_DIR / "wjx_code.csv"))
    table = pd.read_csv(out / "tables" / "survey_statements.csv", encoding="utf-8-sig")
    assert (table["n"] == 6).all() and table["count"].tolist() == [3, 5, 4, 3, 5, 4]
    profile = pd.read_csv(out / "tables" / "survey_respondents.csv", encoding="utf-8-sig")
    assert profile["n"].isna().all()  # 6 respondents: every group is under 5 or complementary
    assert os.path.exists(out / "figures" / "survey_likert.png")
