"""Time-invariant covariates for BG/NBD and Pareto/NBD (Fader & Hardie 2007, note 019).

Fader, P. S. & Hardie, B. G. S. (2007). Incorporating time-invariant covariates into the Pareto/NBD and
BG/NBD models. http://brucehardie.com/notes/019/

The note keeps each model's likelihood and lets the *scale* parameters differ by customer, as in a
proportional-hazards model. With ``x₁ᵢ`` the customer's purchase covariates and ``x₂ᵢ`` their dropout
covariates (two lists of columns of the summary, which may overlap):

- **BG/NBD**: ``αᵢ = α₀ exp(−γ₁ᵀx₁ᵢ)``, ``aᵢ = a₀ exp(γ₂ᵀx₂ᵢ)``, ``bᵢ = b₀ exp(γ₃ᵀx₂ᵢ)``;
- **Pareto/NBD**: ``αᵢ = α₀ exp(−γ₁ᵀx₁ᵢ)``, ``βᵢ = β₀ exp(−γ₂ᵀx₂ᵢ)``;

``r`` (and Pareto/NBD's ``s``) are shared. A positive ``γ₁`` raises the mean purchase rate ``r/αᵢ`` by the
factor ``exp(γ₁)`` per unit of the covariate; in Pareto/NBD a positive ``γ₂`` raises the mean dropout rate
``s/βᵢ``; in BG/NBD the mean dropout probability after a purchase is ``aᵢ/(aᵢ+bᵢ)``, so ``γ₂ > γ₃`` makes it larger.
The customer's likelihood is the model's own (FHL 2005 eq. 6; Fader-Hardie 2005 note eq. 22) at their ``αᵢ,
aᵢ, bᵢ`` (``αᵢ, βᵢ``), and so is every prediction. PyMC-Marketing 0.19 (``BetaGeoModel``, ``ParetoNBDModel``)
uses the same parametrisation and the same option names, ``purchase_covariate_cols`` and
``dropout_covariate_cols``; its ``alpha_scale``/``a_scale``… are the note's ``α₀``/``a₀``… here.

:class:`CovariateOptions` is the part both models share (the covariates are options of :class:`BetaGeo` and
:class:`ParetoNBD`, not models of their own: without covariates they are the registry's models, computed by
the same code). The parameters are then ``r, alpha0, a0, b0, gamma1[col]…, gamma2[col]…, gamma3[col]…``
(BG/NBD) or ``r, alpha0, s, beta0, gamma1[col]…, gamma2[col]…`` (Pareto/NBD); the coefficients are real
numbers (:meth:`real_valued`), with Wald intervals ``γ ± z·SE``. Covariates must be numbers in every row
(categories as 0/1 dummy columns, one level left out) and must vary; columns that are constant or a linear
combination of the others (all the dummies of a category) are refused: their effects are not identified.
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np
import pandas as pd

from ...errors import DataError
from .base import aggregate_rows
from .checks import check_ids, plain, rfm_arrays, summary_column

#: What covariates may not be: the data the model explains.
RESERVED = ("customer_id", "frequency", "recency", "T", "monetary_value")
#: Subscripts of the coefficient vectors, in the note's order.
COEFFICIENTS = {"purchase": "gamma1", "dropout": "gamma2", "dropout_b": "gamma3"}


def covariate_matrix(summary: pd.DataFrame, columns: tuple[str, ...], fit: bool = False) -> np.ndarray:
    """The ``columns`` of ``summary`` as an ``n × k`` float matrix, checked.

    Refused with a :class:`DataError` naming the column (and the row): a missing column, a value that is not a
    finite number (text, a category, a missing value), and — when ``fit`` — a constant column or one that is a
    linear combination of the others and of the intercept (not identifiable: its coefficient could be anything).
    """
    if not columns:
        return np.zeros((len(summary), 0))
    for column in columns:
        if column not in summary.columns:
            raise DataError("covariate column is missing", file="summary", column=column,
                            hint="join the customers' covariates to the summary first (clv.with_covariates)")
    X = np.column_stack([summary_column(summary, column) for column in columns])
    if fit:
        for j, column in enumerate(columns):
            if np.ptp(X[:, j]) == 0:
                raise DataError(f"covariate is constant ({X[0, j]:g} for all {len(X):,} customers): its effect "
                                "cannot be told apart from the baseline parameter (not identifiable)", file="summary",
                                column=column, hint="leave it out of the covariate columns")
        centred = X - X.mean(axis=0)
        scale = np.linalg.norm(centred, axis=0)
        diag = np.abs(np.diag(np.linalg.qr(centred / scale, mode="r")))
        if (diag < 1e-9).any():
            j = int(np.argmax(diag < 1e-9))
            raise DataError(f"covariate is a linear combination of {list(columns[:j])} and a constant (e.g. every "
                            "dummy of one category): the effects are not identifiable", file="summary",
                            column=columns[j], hint="leave one category's dummy out (the reference level)")
    return X


def with_covariates(summary: pd.DataFrame, covariates: pd.DataFrame, columns: Iterable[str] | None = None,
                    on: str = "customer_id") -> pd.DataFrame:
    """``summary`` with covariate ``columns`` of ``covariates`` (one row per customer) joined by ``on``.

    The summary's rows, index and ``attrs`` (its time unit) are kept. Refused: a covariate table with a repeated
    or missing customer, and a customer of the summary it does not list (named), rather than a row silently
    dropped or a covariate silently missing.
    """
    columns = [c for c in covariates.columns if c != on] if columns is None else list(columns)
    for column in [on, *columns]:
        if column not in covariates.columns:
            raise DataError("column is missing from the covariate table", file="covariates", column=column)
    if on not in summary.columns:
        raise DataError("the summary has no customer column to join on", file="summary", column=on)
    table = covariates[[on, *columns]]
    if table[on].isna().any() or table[on].duplicated().any():
        bad = table[on].isna() | table[on].duplicated()
        raise DataError(f"{int(bad.sum())} row(s) with a missing or repeated customer", file="covariates", column=on,
                        row=int(bad.to_numpy().argmax()) + 1, hint="one row per customer is expected")
    known = summary[on].isin(table[on])
    if not known.all():
        i = int((~known).to_numpy().argmax())
        raise DataError(f"{int((~known).sum())} customer(s) of the summary have no covariates, e.g. "
                        f"{plain(summary[on].iloc[i])!r}", file="covariates", column=on, row=summary.index[i],
                        hint="add their rows to the covariate table, or leave them out of the summary")
    out = summary.copy()
    lookup = table.set_index(on)
    for column in columns:
        out[column] = summary[on].map(lookup[column]).to_numpy()
    out.attrs = dict(summary.attrs)
    return out


class CovariateOptions:
    """The covariate options of a transaction model: ``purchase_covariate_cols`` and ``dropout_covariate_cols``.

    A model class mixing this in states ``covariate_links``: which of its parameters each covariate group scales,
    with the sign of the note's exponent, e.g. BG/NBD ``(("purchase", "alpha", -1), ("dropout", "a", 1),
    ("dropout_b", "b", 1))`` (``dropout_b``: the same dropout covariates, a second coefficient vector). Without
    covariates nothing changes: same parameters, same code.
    """

    covariate_links: tuple[tuple[str, str, int], ...] = ()

    def __init__(self, *args: Any, purchase_covariate_cols: Iterable[str] = (),
                 dropout_covariate_cols: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.purchase_covariate_cols = self._columns(purchase_covariate_cols, "purchase_covariate_cols")
        self.dropout_covariate_cols = self._columns(dropout_covariate_cols, "dropout_covariate_cols")
        for group in ("purchase", "dropout"):
            if self._group(group) and not any(g.startswith(group) for g, _, _ in self.covariate_links):
                raise ValueError(f"{type(self).__name__} takes no {group} covariates (the note's parametrisation "
                                 "is written for BG/NBD and Pareto/NBD)")
        if self.has_covariates:
            base = type(self).param_names
            scaled = {name for group, name, _ in self.covariate_links if self._group(group)}
            names = [f"{p}0" if p in scaled else p for p in base]
            labels = {f"{p}0" if p in scaled else p: type(self).param_labels[p] + (" at covariates 0" if p in scaled
                                                                                  else "") for p in base}
            for group, name, sign in self.covariate_links:
                exponent = "exp(−γᵀx)" if sign < 0 else "exp(γᵀx)"
                for column in self._group(group):
                    names.append(f"{COEFFICIENTS[group]}[{column}]")
                    labels[names[-1]] = f"{group.split('_')[0]} covariate {column!r}: {name} = {name}0·{exponent}"
            self.param_names = tuple(names)
            self.param_labels = labels

    @staticmethod
    def _columns(columns: Iterable[str], option: str) -> tuple[str, ...]:
        columns = (columns,) if isinstance(columns, str) else tuple(columns)
        for column in columns:
            if column in RESERVED:
                raise ValueError(f"{option}: {column!r} is what the model explains (or the customer key), "
                                 "not a covariate")
        if len(set(columns)) < len(columns):
            raise ValueError(f"{option} lists a column twice: {list(columns)}")
        return columns

    @property
    def has_covariates(self) -> bool:
        """Whether the model was given covariate columns."""
        return bool(self.purchase_covariate_cols or self.dropout_covariate_cols)

    @property
    def covariate_cols(self) -> tuple[str, ...]:
        """Every covariate column the model reads (purchase first), each once."""
        return tuple(dict.fromkeys(self.purchase_covariate_cols + self.dropout_covariate_cols))

    def _group(self, group: str) -> tuple[str, ...]:
        return self.purchase_covariate_cols if group == "purchase" else self.dropout_covariate_cols

    def real_valued(self) -> np.ndarray:
        """The coefficients γ are real numbers; the baseline parameters stay positive."""
        return np.array(["[" in name and name.split("[")[0] in COEFFICIENTS.values() for name in self.param_names],
                        dtype=bool)

    def covariate_model_data(self, summary: pd.DataFrame) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Distinct ``(x, t_x, T, covariates)`` rows with their counts; ``data["X"]`` is the covariate matrix of
        those rows (columns :attr:`covariate_cols`)."""
        x, t_x, T = rfm_arrays(summary)
        X = covariate_matrix(summary, self.covariate_cols, fit=True)
        columns = {"x": x, "t_x": t_x, "T": T, **{f"cov{j}": X[:, j] for j in range(X.shape[1])}}
        data, weights, _ = aggregate_rows(columns)
        data["X"] = np.column_stack([data.pop(f"cov{j}") for j in range(X.shape[1])])
        return data, weights

    def row_params(self, theta: np.ndarray, X: np.ndarray) -> tuple[Any, ...]:
        """The model's own parameters for each row of the covariate matrix ``X`` (columns :attr:`covariate_cols`),
        from ``theta`` = baseline parameters then coefficients: e.g. ``(r, αᵢ, aᵢ, bᵢ)`` for BG/NBD, with
        ``αᵢ = α₀ exp(−γ₁ᵀx₁ᵢ)`` … (note 019). Shared parameters stay scalars."""
        base = type(self).param_names
        values: list[Any] = [float(v) for v in theta[:len(base)]]
        k = len(base)
        for group, name, sign in self.covariate_links:
            cols = self._group(group)
            gamma = np.asarray(theta[k:k + len(cols)], dtype=float)
            k += len(cols)
            index = [self.covariate_cols.index(c) for c in cols]
            values[base.index(name)] = values[base.index(name)] * np.exp(sign * (X[:, index] @ gamma))
        return tuple(values)

    def chain_rule(self, theta: np.ndarray, X: np.ndarray, row_params: tuple[Any, ...],
                   row_scores: tuple[np.ndarray, ...], weights: np.ndarray) -> np.ndarray:
        """The score in ``theta`` (baseline parameters, then coefficients) from the per-row derivatives of the
        log-likelihood with respect to the model's own parameters (``row_scores``, in :attr:`param_names` order of
        the model without covariates, at ``row_params``): a scaled parameter ``pᵢ = p₀ exp(±γᵀxᵢ)`` gives
        ``∂/∂p₀ = Σ wᵢ ∂ℓᵢ/∂pᵢ · pᵢ/p₀`` and ``∂/∂γ = ±Σ wᵢ ∂ℓᵢ/∂pᵢ · pᵢ xᵢ``."""
        base = type(self).param_names
        grad = [float(np.dot(weights, row_scores[j])) for j in range(len(base))]
        for group, name, sign in self.covariate_links:
            j = base.index(name)
            weighted = weights * row_scores[j] * row_params[j]
            grad[j] = float(weighted.sum() / theta[j])
            index = [self.covariate_cols.index(c) for c in self._group(group)]
            grad.extend(sign * (weighted @ X[:, index]))
        return np.array(grad, dtype=float)

    def customer_params(self, summary: pd.DataFrame) -> tuple[Any, ...]:
        """Each customer's parameters (arrays aligned with ``summary``) read from their covariates; the fitted
        parameters themselves for a model without covariates."""
        if not self.has_covariates:
            return self.fitted_params()
        self._check_fitted()
        check_ids(summary)
        X = covariate_matrix(summary, self.covariate_cols)
        return self.row_params(self.params_.to_numpy(), X)

    def fitted_params(self) -> tuple[float, ...]:
        """The fitted parameters; refused for a model with covariates, whose parameters differ by customer."""
        if self.has_covariates:
            raise ValueError(f"{type(self).__name__} was fitted with covariates {list(self.covariate_cols)}: its "
                             "parameters differ by customer, so this prediction needs each customer's covariates — "
                             "use expected_purchases(t, summary) or probability_alive(summary) (customer_params("
                             "summary) gives each customer's parameters)")
        return super().fitted_params()

    def expected_purchases(self, t: float, summary: pd.DataFrame) -> pd.Series:
        """E[Y(t) | x, t_x, T] for each customer of ``summary`` in the next ``t`` model periods, at the
        customer's own parameters when the model has covariates."""
        if not self.has_covariates:
            return super().expected_purchases(t, summary)
        x, t_x, T = self.histories(summary)
        values = self.conditional_expected_purchases(float(t), x, t_x, T, params=self.customer_params(summary))
        return pd.Series(values, index=self.summary_index(summary), name="expected_purchases")
