"""The CLV models, one file each over a shared maximum-likelihood base, and their registry.

==================  =======================================================================
module              holds
==================  =======================================================================
``base``            :class:`MaximumLikelihoodModel` (fit, standard errors, ``summary()``,
                    what a fit needs, the time-unit check), :class:`TransactionModel`,
                    :class:`ConvergenceError`
``checks``          what makes a summary valid (one row per customer, no negative
                    frequency, spend or T, recency within T)
``beta_geo``        :class:`BetaGeo`, BG/NBD (Fader, Hardie & Lee 2005)
``pareto_nbd``      :class:`ParetoNBD`, Pareto/NBD (Schmittlein, Morrison & Colombo 1987)
``gamma_gamma``     :class:`GammaGamma`, spend per transaction (Fader & Hardie 2013)
``covariates``      time-invariant covariates of BG/NBD and Pareto/NBD (Fader & Hardie
                    2007 note 019): :class:`CovariateOptions`, :func:`with_covariates`
``shifted_beta_geo`` :class:`ShiftedBetaGeo`, sBG contract retention (Fader & Hardie 2007),
                    :func:`cohort_table`
==================  =======================================================================

and ``modified_beta_geo`` (:class:`ModifiedBetaGeo`, MBG/NBD, Batislam, Denizel & Filiztekin 2007),
``beta_geo_beta_binom`` (:class:`BetaGeoBetaBinom`, BG/BB at discrete opportunities, Fader, Hardie &
Shang 2010, fitted on per-customer or per-pattern tables checked by ``checks.discrete_arrays``).

:data:`MODELS` is the registry: one :class:`ModelSpec` per model, keyed ``"bg_nbd"``,
``"pareto_nbd"``, ``"gamma_gamma"``, ``"mbg_nbd"``, ``"bg_bb"``. Whatever goes through every model — the parameter and fit
tables' names (:func:`model_name`), the choice of transaction model in
:func:`helpers.clv.score_customers` and :func:`helpers.clv.fit_by_group` (:func:`find_model`), the
literature check, the one test that fits every model (``tests/test_clv.py``) — reads it. Adding a
model is one file here and one entry below.

A model's ``kind`` says what it predicts and so which methods it offers:

- ``"transaction"`` — how many purchases, and whether the customer is still active: a
  :class:`~helpers.clv.models.base.TransactionModel` with ``probability_alive(summary)``,
  ``expected_purchases(t, summary)``, ``conditional_expected_purchases(t, x, t_x, T)``,
  ``expected_purchases_new_customer(t)``, ``probability_of_n_purchases(t, n)``;
- ``"spend"`` — value per purchase: ``expected_spend(summary)``, ``population_mean_spend()``;
- ``"retention"`` — survival and retention of contract customers: ``churn_probability(t)``, ``survival(t)``,
  ``retention_rate(t)``, ``expected_lifetime()``, ``discounted_expected_lifetime(d)``,
  ``expected_survivors(table, horizon)``.

Every model refuses a summary that is not one (:mod:`~helpers.clv.models.checks`) or is in another time
unit than the one it was fitted in, and its class states what a fit needs beyond that
(``requirements``: repeat buyers; Gamma-Gamma also positive spend), each with the reason; the registry's
test breaks every rule and requirement for every model.

Its ``data`` says what it is fitted on (:data:`DATA`): ``"rfm"`` (:func:`helpers.clv.rfm_summary`'s
``frequency, recency, T`` of a non-contractual, continuous-time log), ``"rfm_spend"`` (the
same summary's ``frequency`` and ``monetary_value``), ``"discrete"`` (counts of discrete purchase
opportunities, :func:`helpers.clv.discrete_summary`: BG/BB, whose ``T`` argument of the transaction
methods is the number of opportunities ``n``) and ``"contract"`` (a cohort survival table of contract
renewals: ``cohort, period, survivors``, :func:`cohort_table`: the sBG). A function that needs one kind of
data filters the registry on it (:func:`helpers.clv.score_customers` takes ``"rfm"`` models only).
Covariates are options of BG/NBD and Pareto/NBD (``purchase_covariate_cols``, ``dropout_covariate_cols``),
not entries of their own: without them the models are these entries, computed by the same code; with them
the summary also carries the covariate columns.
"""

from __future__ import annotations

from dataclasses import dataclass

from .base import ConvergenceError, MaximumLikelihoodModel, TransactionModel
from .beta_geo import BetaGeo
from .gamma_gamma import GammaGamma
from .pareto_nbd import ParetoNBD
# ---- issue 19 (discrete)
from .beta_geo_beta_binom import BetaGeoBetaBinom
from .modified_beta_geo import ModifiedBetaGeo
# ---- end issue 19 (discrete)
# --- issue 19, contract (sBG) and covariates
from .covariates import CovariateOptions, with_covariates
from .shifted_beta_geo import ShiftedBetaGeo, cohort_table, fit_by_plan
# --- end issue 19, contract

#: What a model is fitted on (:attr:`ModelSpec.data`).
DATA: dict[str, str] = {
    "rfm": "per-customer summary of a non-contractual log in continuous time: frequency, recency, T "
           "(helpers.clv.rfm_summary)",
    "rfm_spend": "the same summary's frequency and monetary_value (mean spend of the repeat purchases)",
    # ---- issue 19 (discrete)
    "discrete": "per-customer (or per-pattern, with weights) frequency, recency and n_periods of purchase "
                "opportunities in discrete time (helpers.clv.discrete_summary, discrete_patterns)",
    # ---- end issue 19 (discrete)
    # --- issue 19, contract
    "contract": "a cohort survival table of contract renewals: cohort, period, survivors (customers still under "
                "contract after each renewal decision; helpers.clv.cohort_table)",
    # --- end issue 19, contract
}
#: What a model predicts (:attr:`ModelSpec.kind`).
KINDS: dict[str, str] = {
    "transaction": "number of purchases and P(alive)",
    "spend": "spend per purchase",
    # --- issue 19, contract
    "retention": "survival and retention of contract customers",
    # --- end issue 19, contract
}


@dataclass(frozen=True)
class ModelSpec:
    """One entry of the registry: a model class and what the workbook needs to know about it."""

    key: str                              # registry key, e.g. "bg_nbd"
    model: type[MaximumLikelihoodModel]   # the class
    name: str                             # display name, e.g. "BG/NBD" (tables, figures)
    kind: str                             # a key of KINDS
    data: str                             # a key of DATA: what it is fitted on
    columns: tuple[str, ...]              # summary columns the fit reads
    paper: str                            # where the model and its equations come from
    aliases: tuple[str, ...] = ()         # other accepted spellings; the first is the one error messages show

    def accepts(self, name: str) -> bool:
        """Whether ``name`` (any case, with or without ``/ _ -``) means this model."""
        spelled = _normalise(name)
        return spelled in {_normalise(self.key), _normalise(self.name), *map(_normalise, self.aliases)}


def _normalise(name: str) -> str:
    return str(name).lower().replace("/", "").replace("_", "").replace("-", "")


MODELS: dict[str, ModelSpec] = {spec.key: spec for spec in (
    ModelSpec("bg_nbd", BetaGeo, "BG/NBD", "transaction", "rfm", ("frequency", "recency", "T"),
              "Fader, Hardie & Lee (2005), Marketing Science 24(2), 275–284", aliases=("bgnbd",)),
    ModelSpec("pareto_nbd", ParetoNBD, "Pareto/NBD", "transaction", "rfm", ("frequency", "recency", "T"),
              "Schmittlein, Morrison & Colombo (1987), Management Science 33(1), 1–24; "
              "Fader & Hardie (2005 note), http://brucehardie.com/notes/009/", aliases=("pareto", "paretonbd")),
    ModelSpec("gamma_gamma", GammaGamma, "Gamma-Gamma", "spend", "rfm_spend", ("frequency", "monetary_value"),
              "Fader & Hardie (2013 note), http://brucehardie.com/notes/025/; Colombo & Jiang (1999)"),
    # ---- issue 19 (discrete)
    ModelSpec("mbg_nbd", ModifiedBetaGeo, "MBG/NBD", "transaction", "rfm", ("frequency", "recency", "T"),
              "Batislam, Denizel & Filiztekin (2007), International Journal of Research in Marketing 24(3), "
              "201–209; Wagner & Hoppe (2008), IJRM 25(3), 225–226", aliases=("mbgnbd", "mbg")),
    ModelSpec("bg_bb", BetaGeoBetaBinom, "BG/BB", "transaction", "discrete", ("frequency", "recency", "n_periods"),
              "Fader, Hardie & Shang (2010), Marketing Science 29(6), 1086–1108", aliases=("bgbb",)),
    # ---- end issue 19 (discrete)
    # --- issue 19, contract
    ModelSpec("sbg", ShiftedBetaGeo, "sBG", "retention", "contract", ("cohort", "period", "survivors"),
              "Fader & Hardie (2007), Journal of Interactive Marketing 21(1), 76–90; DEL: Fader & Hardie (2010), "
              "Marketing Science 29(1), 85–93", aliases=("shifted_beta_geo", "shiftedbetageo")),
    # --- end issue 19, contract
)}


def find_model(name: str, kind: str | None = None) -> ModelSpec | None:
    """The registry entry that ``name`` means (key, display name or alias), of ``kind`` if given; else None."""
    return next((spec for spec in MODELS.values() if spec.accepts(name) and kind in (None, spec.kind)), None)


def model_name(model: MaximumLikelihoodModel | type) -> str:
    """Display name of a model (instance or class) from the registry; the class name if it is not registered."""
    cls = model if isinstance(model, type) else type(model)
    return next((spec.name for spec in MODELS.values() if spec.model is cls), cls.__name__)


__all__ = ["BetaGeo", "ConvergenceError", "DATA", "GammaGamma", "KINDS", "MODELS", "MaximumLikelihoodModel",
           "ModelSpec", "ParetoNBD", "TransactionModel", "find_model", "model_name",
           "BetaGeoBetaBinom", "ModifiedBetaGeo",  # issue 19 (discrete)
           # --- issue 19, contract
           "CovariateOptions", "ShiftedBetaGeo", "cohort_table", "fit_by_plan", "with_covariates",
           ]
