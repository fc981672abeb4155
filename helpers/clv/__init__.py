"""Customer lifetime value (客户终身价值, CLV): per-customer summaries, BTYD models, CLV.

Here CLV is the expected, discounted value of a customer's *future* purchases over a horizon
("buy till you die" models): a transaction model predicts how many purchases a customer still
makes — and whether they are still active — from their history, a spend model what each
purchase is worth, and the two are summed step by step with a discount rate.

Three layers, each usable on its own:

1. **Summaries** — :func:`rfm_summary` and :func:`rfm_train_test_split` turn a transaction
   log into one row per customer (``customer_id, frequency, recency, T[, monetary_value]``,
   PyMC-Marketing's names and meaning). They run as SQL on an embedded DuckDB engine, over a
   pandas DataFrame (DuckDB's replacement scan reads it in place) or directly over a Parquet
   file / hive-partitioned folder or a CSV file, so a 50-million-row log fits on a laptop:
   only the per-customer result comes back to pandas. With ``engine="spark"`` the same SQL
   text, transpiled by sqlglot, runs on Apache Spark for logs in a cluster
   (:mod:`helpers.engines`). :func:`rfm_summary_reference` is the plain pandas reference the
   tests and benchmarks compare against.
2. **Models** — :class:`BetaGeo` (BG/NBD), :class:`ParetoNBD` and :class:`GammaGamma`,
   maximum-likelihood fitters written with numpy/scipy over one base
   (:class:`~helpers.clv.models.base.MaximumLikelihoodModel`), with standard errors, confidence
   intervals and a ``summary()`` table; the registry :data:`MODELS` lists them. BG/NBD and Pareto/NBD
   take time-invariant covariates (``purchase_covariate_cols``, ``dropout_covariate_cols``; Fader & Hardie
   2007 note 019); :class:`ShiftedBetaGeo` (sBG, Fader & Hardie 2007) models contract renewals by cohort.
3. **Value** — :func:`customer_lifetime_value` (explicit time units and discounting) and the
   one-call :func:`score_customers`; plus the classic diagnostics (period transactions,
   calibration vs holdout, tracking, frequency/recency and P(alive) matrices) with plots.

Which module holds what:

=================  ==========================================================================
module             holds
=================  ==========================================================================
``summary``        :func:`rfm_summary`, :func:`rfm_train_test_split`
``reference``      :func:`rfm_summary_reference` (plain pandas, for tests and benchmarks)
``sql``            the summary's SQL and the DuckDB source of a log (time zones)
``spark``          the Spark engine: session (UTC) and source; :func:`score_customers_spark` (models
                   fitted on the driver, customers scored with ``mapInPandas``)
``units``          :class:`TimeUnit` (the unit a summary and a model carry, and the check between
                   them), :func:`with_time_unit`, :data:`TIME_UNIT_DAYS`, :data:`MONTH_DAYS`,
                   :data:`STEP_DAYS`, :data:`DAYS_PER_YEAR`, dates, money in millionths
``models``         the registry :data:`MODELS`; ``base`` (fit, standard errors, ``summary()``,
                   :class:`ConvergenceError`), ``beta_geo``, ``pareto_nbd``, ``gamma_gamma``;
                   ``covariates`` (:func:`with_covariates`), ``shifted_beta_geo`` (:class:`ShiftedBetaGeo`,
                   :func:`cohort_table`, :func:`fit_by_plan`)
``value``          :func:`per_step_discount`, :func:`customer_lifetime_value`,
                   :func:`score_customers`, :func:`sample_customers`, :func:`write_scores`
``diagnostics``    :func:`period_transactions`, :func:`calibration_vs_holdout`, :func:`tracking`,
                   :func:`frequency_recency_matrix`, :func:`probability_alive_matrix`,
                   :func:`fit_by_group`
``plots``          every ``plot_*``
``discrete``       :func:`discrete_summary` (purchase opportunities: calendar periods or sale
                   events), :func:`discrete_patterns` (the BG/BB's sufficient statistics),
                   :func:`load_donations` (FHS 2010's data), :func:`simulate_bgbb`; with
                   :class:`ModifiedBetaGeo` (MBG/NBD) and :class:`BetaGeoBetaBinom` (BG/BB) in
                   ``models`` (issue 19)
``literature``     the published CDNOW estimates and :func:`literature_check`; the sBG's worked example
                   (:data:`SBG_SURVIVORS`, :data:`SBG_PUBLISHED`, :func:`sbg_literature_check`)
``simulation``     :func:`simulate_bgnbd`, :func:`simulate_spend`, :func:`group_truth`,
                   :func:`recovery_table`; :func:`simulate_pareto_nbd`, :func:`simulate_with_covariates`
                   (known covariate effects, :data:`COVARIATE_TRUTH`)
``intervals``      :func:`customer_intervals` (parametric bootstrap of P(alive), expected purchases and
                   CLV per customer), :func:`interval_coverage`, :func:`customer_quantities`,
                   :func:`parameter_draws`, :func:`with_params`
``scorecard``      :func:`holdout_split`, :func:`scorecard` (every transaction model of the registry vs the
                   naive baselines :data:`BASELINES` on a holdout), :func:`scorecard_claim`,
                   :func:`normalised_gini`
``evaluation_plots`` :func:`plot_scorecard`, :func:`plot_decile_calibration`, :func:`plot_gain_curve`,
                   :func:`plot_customer_intervals`
``holdout``        :func:`fhl_holdout_check` (the holdout checks of FHL 2005, computed),
                   :func:`conditional_zero_probability`, :func:`histogram_chi_square`
``sensitivity``    :func:`clv_sensitivity` (CLV ranking vs time unit, calibration window, discount rate)
``settings``       notebook 03's Part 2 (issue 19): :func:`bgbb_claim`, :func:`donation_claim`,
                   :func:`p_alive_by_history`, :func:`mbg_claim`, :func:`sbg_models`, :func:`contract_curves`,
                   :func:`sbg_projection`, :func:`sbg_claim`, :func:`contract_recovery_claim`,
                   :func:`literature_claim`; ``covariate_tables``: :func:`customer_covariates`,
                   :func:`covariate_effects`, :func:`covariate_claim`
``evaluation_report`` what notebook 03's evaluation sections show: :func:`scorecard_table`,
                   :func:`scorecard_best_claim`, :func:`top_customer_intervals`, :func:`interval_claim`,
                   :func:`sample_log`, :func:`sensitivity_table`, :func:`sensitivity_claim`, :func:`fhl_claim`,
                   :data:`INTERVAL_HEADERS`
``tables``         :func:`describe_transactions`, :func:`default_calibration_end`,
                   :func:`parameter_table`, :func:`fit_summary_table`, :func:`top_customers`, :func:`flagged_top_claim`
``counts``         :func:`count_claim` / :func:`dataset_count_claim` (the customer funnel behind the counts, kept in
                   the store), :func:`count_numbers`, :func:`count_text`
=================  ==========================================================================

Why write the fitters here rather than use a library: ``lifetimes`` (the classic MLE package)
is archived and no longer imports on current Python; PyMC-Marketing is Bayesian, pulls in
PyMC/PyTensor (~1 GB), takes ~30 s to compile a MAP fit of the CDNOW sample and, with its
default priors, does not land on the published maximum-likelihood estimates. The models are
small closed-form likelihoods; a few hundred lines of numpy/scipy reproduce the published numbers
to the printed digits in well under a second (``tests/test_clv.py`` checks this).

Time units
----------
A summary's ``recency`` and ``T`` are in *model periods*: ``time_unit`` ("D" days, "W" ISO
weeks or "M" calendar months, with ``month_days`` = 365.25/12 days stated) divided by ``time_scaler``;
e.g. ``time_unit="D", time_scaler=7`` gives weeks with fractional days, the Fader-Hardie-Lee preparation
of CDNOW. The summary carries its unit in ``attrs`` (``time_unit``, ``time_scaler``, ``period_days``) and
the fitted models keep it (``time_unit_``, ``period_days_``): every prediction, the CLV and the diagnostics
check a summary's unit against the model's — converting exactly when only ``time_scaler`` differs,
refusing with both units named otherwise, and refusing a summary without a unit for a model that has one
(state it with :func:`with_time_unit`) — and :func:`customer_lifetime_value` converts a horizon in any unit.

No silent wrong number
----------------------
Summaries with a repeated customer id, a negative frequency or spend, a recency beyond T or a negative T
are refused by every model; a model that cannot be estimated from a summary says why (no repeat buyers;
Gamma-Gamma and a repeat buyer without positive spend). Refunds kept as negative lines are never
purchases; money is added exactly (in millionths), so the same log gives the same bytes on every engine
and thread count; times with a zone are counted on one stated clock (``tz``).

References
----------
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers" the easy way:
an alternative to the Pareto/NBD model. *Marketing Science* 24(2), 275–284.
Fader, P. S. & Hardie, B. G. S. (2005). A note on deriving the Pareto/NBD model and related
expressions. http://brucehardie.com/notes/009/
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). RFM and CLV: using iso-value curves for
customer base analysis. *Journal of Marketing Research* 42(4), 415–430.
Fader, P. S. & Hardie, B. G. S. (2013). The Gamma-Gamma model of monetary value.
http://brucehardie.com/notes/025/
Fader, P. S. & Hardie, B. G. S. (2007). How to project customer retention. *Journal of Interactive
Marketing* 21(1), 76–90.
Fader, P. S. & Hardie, B. G. S. (2007). Incorporating time-invariant covariates into the Pareto/NBD and
BG/NBD models. http://brucehardie.com/notes/019/
Fader, P. S. & Hardie, B. G. S. (2010). Customer-base valuation in a contractual setting: the perils of
ignoring heterogeneity. *Marketing Science* 29(1), 85–93.
Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). Counting your customers: who are
they and what will they do next? *Management Science* 33(1), 1–24.
"""

from ..engines import duckdb_settings
from ..schema import SUMMARY_COLUMNS
from .diagnostics import (calibration_vs_holdout, fit_by_group, frequency_recency_matrix, period_transactions,
                          probability_alive_matrix, tracking)
from .literature import CDNOW_CALIBRATION_END, PUBLISHED, PUBLISHED_CHECK, cdnow_fhl_summary, literature_check
from .models import MODELS, ModelSpec, find_model, model_name
from .models.base import ConvergenceError, MaximumLikelihoodModel, TransactionModel
from .models.beta_geo import BetaGeo
from .models.gamma_gamma import GammaGamma
from .models.pareto_nbd import ParetoNBD
# --- issue 19, contract (sBG) and covariates
from .literature import SBG_FIT_YEARS, SBG_PUBLISHED, SBG_SURVIVORS, sbg_literature_check, sbg_table
from .models import ShiftedBetaGeo, cohort_table, fit_by_plan, with_covariates
from .simulation import (COVARIATE_TRUTH, covariate_columns, simulate_pareto_nbd, simulate_with_covariates,
                         simulated_covariates)
# --- end issue 19, contract
from .plots import (plot_calibration_holdout, plot_clv_distribution, plot_matrix, plot_parameter_recovery,
                    plot_period_transactions, plot_tracking)
from .simulation import group_truth, recovery_table, simulate_bgnbd, simulate_spend, simulated_groups
from .reference import rfm_summary_reference
from .summary import rfm_summary, rfm_train_test_split
from .counts import count_claim, count_numbers, count_text, dataset_count_claim
from .tables import (default_calibration_end, flagged_top_claim, describe_transactions, fit_summary_table, parameter_table,
                     top_customers)
from .units import DAYS_PER_YEAR, MONTH_DAYS, STEP_DAYS, TIME_UNIT_DAYS, TimeUnit, horizon_text, with_time_unit
from .spark import SCORE_SCHEMA, score_customers_spark
from .value import (customer_lifetime_value, fit_attrs, fit_for_scoring, fit_models, per_step_discount,
                    sample_customers, score_customers, score_with_models, spend_sample, write_scores)
# ---- issue 19 (discrete)
from .discrete import OPPORTUNITY_PERIODS, discrete_patterns, discrete_summary, load_donations, simulate_bgbb
from .literature import DISCRETE_PUBLISHED, discrete_literature_check
from .models.beta_geo_beta_binom import BetaGeoBetaBinom
from .models.modified_beta_geo import ModifiedBetaGeo
# ---- end issue 19 (discrete)
# ---- issue 19 (evaluate): intervals, holdout scorecard, FHL holdout checks, sensitivity
from .evaluation_plots import plot_customer_intervals, plot_decile_calibration, plot_gain_curve, plot_scorecard
from .holdout import conditional_zero_probability, fhl_holdout_check, histogram_chi_square
from .intervals import customer_intervals, customer_quantities, interval_coverage, parameter_draws, with_params
from .scorecard import (BASELINES, FREQUENCY_GROUPS, Scorecard, holdout_split, normalised_gini, scorecard,
                        scorecard_claim)
from .sensitivity import clv_sensitivity
# ---- end issue 19 (evaluate)
# ---- issue 19 (Part 2 of notebook 03): tables, sentences and the contract figure
from .covariate_tables import (COVARIATE_NAMES, covariate_claim, covariate_effects, covariate_fit_data,
                               customer_covariates)
from .plots import plot_contract_survival
from .settings import (LITERATURE_KINDS, SBG_EXAMPLE_LABEL, bgbb_claim, contract_curves, contract_recovery_claim,
                       donation_claim, literature_claim, mbg_claim, p_alive_by_history, sbg_claim, sbg_models,
                       sbg_projection)
# ---- end issue 19 (Part 2)
# ---- issue 19 (evalnb): notebook 03's evaluation sections
from .evaluation_report import (INTERVAL_HEADERS, fhl_claim, interval_claim, sample_log, scorecard_best_claim,
                                scorecard_table, sensitivity_claim, sensitivity_table, top_customer_intervals)
# ---- end issue 19 (evalnb)
from .sampling import ANALYSIS_CUSTOMERS, analysis_sample, is_sample, sample_claim  # issue 20: large logs
from .population import every_customer, score_population

__all__ = [
    # summaries
    "rfm_summary", "rfm_train_test_split", "rfm_summary_reference", "SUMMARY_COLUMNS",
    "TIME_UNIT_DAYS", "MONTH_DAYS", "TimeUnit", "with_time_unit", "horizon_text", "STEP_DAYS", "DAYS_PER_YEAR",
    "duckdb_settings",
    # models
    "BetaGeo", "ParetoNBD", "GammaGamma", "MaximumLikelihoodModel", "TransactionModel", "ConvergenceError",
    "MODELS", "ModelSpec", "find_model", "model_name",
    # value
    "per_step_discount", "customer_lifetime_value", "score_customers", "fit_models", "fit_for_scoring", "fit_attrs", "score_with_models", "score_customers_spark", "SCORE_SCHEMA", "spend_sample", "sample_customers", "write_scores",
    # diagnostics
    "period_transactions", "calibration_vs_holdout", "tracking", "frequency_recency_matrix",
    "probability_alive_matrix", "fit_by_group",
    # plots
    "plot_period_transactions", "plot_calibration_holdout", "plot_tracking", "plot_matrix",
    "plot_clv_distribution", "plot_parameter_recovery",
    # literature, simulation, tables
    "PUBLISHED", "PUBLISHED_CHECK", "CDNOW_CALIBRATION_END", "cdnow_fhl_summary", "literature_check",
    "simulate_bgnbd", "simulate_spend", "simulated_groups", "group_truth", "recovery_table",
    "describe_transactions", "default_calibration_end", "parameter_table", "fit_summary_table", "top_customers",
    "count_claim", "count_numbers", "count_text", "dataset_count_claim", "flagged_top_claim",
    # issue 19 (discrete): MBG/NBD, BG/BB and discrete purchase opportunities
    "ModifiedBetaGeo", "BetaGeoBetaBinom", "OPPORTUNITY_PERIODS", "discrete_summary", "discrete_patterns",
    "load_donations", "simulate_bgbb", "DISCRETE_PUBLISHED", "discrete_literature_check",
    # issue 19, contract: the sBG, covariates
    "ShiftedBetaGeo", "cohort_table", "fit_by_plan", "with_covariates", "SBG_FIT_YEARS", "SBG_PUBLISHED", "SBG_SURVIVORS",
    "sbg_literature_check", "sbg_table", "COVARIATE_TRUTH", "covariate_columns", "simulate_pareto_nbd",
    "simulate_with_covariates", "simulated_covariates",
    # ---- issue 19 (evaluate): uncertainty and evaluation
    "customer_intervals", "customer_quantities", "interval_coverage", "parameter_draws", "with_params",
    "holdout_split", "scorecard", "scorecard_claim", "Scorecard", "BASELINES", "FREQUENCY_GROUPS", "normalised_gini",
    "fhl_holdout_check", "conditional_zero_probability", "histogram_chi_square", "clv_sensitivity",
    "plot_scorecard", "plot_decile_calibration", "plot_gain_curve", "plot_customer_intervals",
    # ---- end issue 19 (evaluate)
    # issue 19, Part 2 of notebook 03: tables, sentences and the contract figure
    "customer_covariates", "covariate_fit_data", "covariate_effects", "covariate_claim", "COVARIATE_NAMES", "plot_contract_survival",
    "LITERATURE_KINDS", "SBG_EXAMPLE_LABEL", "bgbb_claim", "donation_claim", "p_alive_by_history", "mbg_claim", "sbg_models",
    "contract_curves", "sbg_projection", "sbg_claim", "contract_recovery_claim", "literature_claim",
    # ---- issue 19 (evalnb): notebook 03's evaluation sections
    "scorecard_table", "scorecard_best_claim", "top_customer_intervals", "interval_claim", "sample_log",
    "sensitivity_table", "sensitivity_claim", "fhl_claim", "INTERVAL_HEADERS",
    # ---- end issue 19 (evalnb)
    # issue 20: notebooks 03–04 on more customers than memory holds
    "ANALYSIS_CUSTOMERS", "analysis_sample", "is_sample", "sample_claim", "score_population", "every_customer",
]
