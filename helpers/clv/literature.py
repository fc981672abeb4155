"""The published numbers the models must reproduce: CDNOW prepared as Fader, Hardie & Lee (2005).

:func:`cdnow_fhl_summary` prepares the bundled CDNOW 2,357-customer sample as the papers did;
:func:`literature_check` fits every model of :data:`PUBLISHED` on it and sets each estimate beside
its published value, rounded to the printed digits.

Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers" the easy way: an
alternative to the Pareto/NBD model. *Marketing Science* 24(2), 275–284.
Fader, P. S. & Hardie, B. G. S. (2013). The Gamma-Gamma model of monetary value.
http://brucehardie.com/notes/025/
"""

from __future__ import annotations

import pandas as pd

from ..acquire import load_cdnow
from ..clean import clean_transactions
from .models import MODELS
from .summary import rfm_summary
from .units import summary_unit, unit_attrs

#: Published maximum-likelihood estimates on the CDNOW 2,357-customer sample (calibration
#: 1997-01-01..1997-09-30, weeks), by registry key (:data:`helpers.clv.models.MODELS`): Fader,
#: Hardie & Lee (2005) for BG/NBD and Pareto/NBD, Fader & Hardie (2013 note) for Gamma-Gamma on the
#: 946 repeat customers.
PUBLISHED: dict[str, dict[str, float]] = {
    "bg_nbd": {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426, "log-likelihood": -9582.4},
    "pareto_nbd": {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669, "log-likelihood": -9595.0},
    "gamma_gamma": {"p": 6.25, "q": 3.74, "v": 15.44},
}
#: FHL (2005): E[X(39) | x=2, t_x=30.43, T=38.86] under their BG/NBD estimates.
PUBLISHED_CHECK = {"x": 2.0, "t_x": 30.43, "T": 38.86, "t": 39.0, "value": 1.226}
CDNOW_CALIBRATION_END = "1997-09-30"


def cdnow_fhl_summary() -> pd.DataFrame:
    """The CDNOW 2,357-customer sample prepared as Fader, Hardie & Lee (2005): bundled raw file →
    :func:`helpers.clean.clean_transactions` → :func:`rfm_summary` with same-day purchases merged,
    calibration end 1997-09-30, weeks = days / 7, repeat-spend ``monetary_value``."""
    clean = clean_transactions(load_cdnow("sample").transactions).clean
    return rfm_summary(clean, monetary_value_col="amount", observation_period_end=CDNOW_CALIBRATION_END,
                       time_unit="D", time_scaler=7)


def _decimals(value: float) -> int:
    text = repr(float(value))
    return len(text.split(".")[1].rstrip("0")) if "." in text else 0


def literature_check(summary: pd.DataFrame | None = None) -> pd.DataFrame:
    """Fit BG/NBD, Pareto/NBD and Gamma-Gamma (every model of :data:`PUBLISHED`) on the FHL-prepared
    CDNOW sample and set each estimate beside its published value, rounded to the printed digits.

    Returns ``model, quantity, published, fitted, fitted (printed digits), match``; ``model`` is the
    registry's display name ("BG/NBD", "Pareto/NBD", "Gamma-Gamma").
    """
    summary = cdnow_fhl_summary() if summary is None else summary
    fitted = {key: MODELS[key].model().fit(summary) for key in PUBLISHED}
    rows = []
    for key, published in PUBLISHED.items():
        model = fitted[key]
        for quantity, value in published.items():
            got = model.log_likelihood_ if quantity == "log-likelihood" else float(model.params_[quantity])
            rows.append((MODELS[key].name, quantity, value, got))
    check = pd.DataFrame({"frequency": [PUBLISHED_CHECK["x"]], "recency": [PUBLISHED_CHECK["t_x"]],
                          "T": [PUBLISHED_CHECK["T"]]})
    check.attrs = unit_attrs(summary_unit(summary))  # FHL's history is in the summary's weeks
    rows.append((MODELS["bg_nbd"].name, "E[X(39) | x=2, t_x=30.43, T=38.86]", PUBLISHED_CHECK["value"],
                 float(fitted["bg_nbd"].expected_purchases(PUBLISHED_CHECK["t"], check).iloc[0])))
    table = pd.DataFrame(rows, columns=["model", "quantity", "published", "fitted"])
    table["fitted (printed digits)"] = [round(f, _decimals(p)) for p, f in zip(table["published"], table["fitted"])]
    table["match"] = table["fitted (printed digits)"] == table["published"]
    table.attrs = {"customers": len(summary), "repeat customers": int((summary["frequency"] > 0).sum())}
    return table


# ---- issue 19 (evaluate): the holdout checks of FHL (2005), computed in helpers.clv.holdout.fhl_holdout_check
#: End of FHL (2005)'s 39-week holdout on CDNOW (week 78 of the cohort's tracking, their Figure 3).
FHL_HOLDOUT_END = "1998-06-30"
#: What the ``source`` column of :func:`helpers.clv.holdout.fhl_holdout_check` says: FHL (2005) show the holdout
#: checks (histogram, Figure 2; tracking to week 78, Figure 3; conditional expectations, Figure 4) as figures, and
#: their printed values, if any, could not be verified here; no number from memory is set beside the computed ones.
FHL_HOLDOUT_SOURCE = "computed, no published value"
