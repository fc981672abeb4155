"""An ordinal logistic (proportional-odds) model of one Likert attitude on respondent attributes.

:class:`AttitudeModel` fits statsmodels' ``OrderedModel``, reports odds ratios with intervals and
the model's predicted agreement per observed group, refuses groups too small to report, and
explains itself in plain words, including what the survey design cannot separate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..i18n import get_language, tr, tr_given
from .reader import SurveyData
from .shares import AGREE_CODES


@dataclass
class AttitudeModel:
    """Proportional-odds (ordinal logistic) model of one Likert item on respondent attributes.

    ``log P(Y ≤ j) / P(Y > j) = θ_j − x'β``: a positive ``β`` shifts answers towards agreement, and
    ``exp(β)`` is the odds ratio of answering *higher* (more agreement) for that group against the
    reference group, the same for every cut-point (McCullagh 1980). Fitted with statsmodels'
    ``OrderedModel`` (``distr="logit"``), on the item *as worded* (not reverse-coded).

    Parameters
    ----------
    item
        The Likert item (default ``"sha3"``: "Because sales rewards are paid quarterly, I keep useful
        customer information to myself").
    predictors
        Attributes; each is dummy-coded against a reference level.
    references
        ``{predictor: reference level}``; default (or a level absent from the data): the most
        frequent level.
    min_group_size
        Every level of every predictor, and every predictor combination reported, must have at least
        this many respondents; otherwise the model is not fitted (``skipped_`` says why).

    Attributes
    ----------
    result_ : statsmodels results, or None
    odds_ratios_ : DataFrame
        ``term, level, reference, n, odds_ratio, ci_low, ci_high, p_value``.
    cells_ : DataFrame
        Observed predictor combinations: ``n``, observed and model-predicted share agreeing (4–5).
    n_ : int
    skipped_ : str or None
    """

    item: str = "sha3"
    predictors: tuple[str, ...] = ("role", "channel")
    min_group_size: int = 5
    references: dict[str, str] | None = None

    def fit(self, data: SurveyData) -> AttitudeModel:
        from statsmodels.miscmodels.ordinal_model import OrderedModel

        self.codebook_ = data.codebook
        self.result_ = None
        self.skipped_ = None
        self.odds_ratios_ = pd.DataFrame(columns=["term", "level", "reference", "n", "odds_ratio", "ci_low",
                                                  "ci_high", "p_value"])
        self.cells_ = pd.DataFrame(columns=["group", *self.predictors, "n", "observed_agree", "predicted_agree"])
        self.cells_.attrs.update(group_col="group", table_cols=[], partition_cols=[])
        self.odds_ratios_.attrs.update(group_col=None)
        needed = [self.item, *self.predictors]
        absent = [c for c in needed if c not in data.responses]
        if absent:
            self.skipped_ = f"the data have no column(s) {absent}"
            self.n_ = 0
            return self
        frame = data.responses[needed].dropna().copy()
        self.n_ = len(frame)
        self.references_ = {}
        for p in self.predictors:
            frame[p] = frame[p].astype(str)
            counts = frame[p].value_counts()
            if len(counts) < 2:
                self.skipped_ = f"{p} has a single level in the data"
                return self
            if counts.min() < self.min_group_size:
                self.skipped_ = (f"a level of {p} has fewer than {self.min_group_size} respondents "
                                 "(not reported, to protect anonymity)")
                return self
            wanted = (self.references or {}).get(p)
            self.references_[p] = wanted if wanted in counts.index else counts.index[0]
        observed = sorted(frame[self.item].astype(int).unique())
        if len(observed) < 3:
            self.skipped_ = f"{self.item} has fewer than three distinct answers"
            return self
        frame["y"] = pd.Categorical(frame[self.item].astype(int), categories=observed, ordered=True)
        terms = " + ".join(f"C({p}, Treatment({self.references_[p]!r}))" for p in self.predictors)
        model = OrderedModel.from_formula(f"y ~ {terms}", frame, distr="logit")
        self.result_ = model.fit(method="bfgs", disp=False, maxiter=500)
        self.frame_ = frame
        params, conf, pvals = self.result_.params, self.result_.conf_int(), self.result_.pvalues
        rows = []
        for name in params.index:
            if "[T." not in name:
                continue
            p = next(q for q in self.predictors if name.startswith(f"C({q},"))
            level = name.split("[T.")[1].rstrip("]")
            rows.append({"term": p, "level": level, "reference": self.references_[p],
                         "n": int((frame[p] == level).sum()), "odds_ratio": float(np.exp(params[name])),
                         "ci_low": float(np.exp(conf.loc[name, 0])), "ci_high": float(np.exp(conf.loc[name, 1])),
                         "p_value": float(pvals[name])})
        self.odds_ratios_ = pd.DataFrame(rows)
        self.odds_ratios_.attrs.update(group_col=None)
        cells = frame.groupby(list(self.predictors), observed=True).agg(
            n=("y", "size"), observed_agree=(self.item, lambda s: float(s.astype(int).isin(AGREE_CODES).mean())))
        cells = cells.reset_index()
        probs = self.result_.model.predict(self.result_.params, exog=self._exog(cells))
        agree_cols = [j for j, c in enumerate(observed) if c in AGREE_CODES]
        cells["predicted_agree"] = probs[:, agree_cols].sum(axis=1)
        cells.insert(0, "group", cells[list(self.predictors)].astype(str).agg(" · ".join, axis=1))
        cells.attrs.update(group_col="group", table_cols=[], partition_cols=[])
        self.cells_ = cells
        return self

    def _exog(self, cells: pd.DataFrame) -> np.ndarray:
        names = self.result_.model.exog_names[: self.result_.model.exog.shape[1]]  # thresholds follow
        x = np.zeros((len(cells), len(names)))
        for j, name in enumerate(names):
            p = next(q for q in self.predictors if name.startswith(f"C({q},"))
            level = name.split("[T.")[1].rstrip("]")
            x[:, j] = (cells[p].astype(str) == level).to_numpy()
        return x

    def interpret(self) -> str:
        """The model in plain words (Markdown), with its caveats (including design confounding)."""
        item = self.codebook_.items.get(self.item) if hasattr(self, "codebook_") else None
        zh = get_language() == "zh"
        wording = f"“{item.text_zh if zh else item.text_en}”" if item else self.item
        if self.skipped_:
            return tr("The ordinal model of {wording} was not fitted: {reason}.", wording=wording, reason=self.skipped_)
        lines = [tr("Ordinal logistic model of agreement with {wording} (n = {n}):", wording=wording, n=self.n_)]
        for r in self.odds_ratios_.itertuples():
            scale = self.codebook_.items[r.term].scale
            lvl, ref = scale.level(r.level), scale.level(r.reference)
            sure = tr("the interval excludes 1, so the direction is clear" if (r.ci_low > 1 or r.ci_high < 1)
                      else "the interval includes 1, so these data cannot tell whether the effect is up or down")
            lines.append(tr("- **{term}** — {level} (n = {n}) compared with {reference}: the odds of answering one step "
                            "higher on the agreement scale are multiplied by **{ratio:.2f}** (95% CI {low:.2f}–{high:.2f}, "
                            "p = {p:.3f}), the other predictor held fixed; {sure}.", term=tr_given(r.term),
                            level=lvl.zh if zh else lvl.en, n=r.n, reference=ref.zh if zh else ref.en.lower(),
                            ratio=r.odds_ratio, low=r.ci_low, high=r.ci_high, p=r.p_value, sure=sure))
        if len(self.predictors) == 2:
            a, b = self.predictors
            table = pd.crosstab(self.frame_[a], self.frame_[b])
            empty = [(i, j) for i in table.index for j in table.columns if table.loc[i, j] == 0]
            if empty:
                cells = ", ".join(f"{i} · {j}" for i, j in empty)
                lines.append(tr("- Nobody in the data is {cells}: the two predictors are partly confounded by the survey "
                                "design, so each effect is estimated only from the respondents where the other one "
                                "varies — which is why the intervals are wide. The raw difference between groups can be "
                                "clear while its attribution to one predictor is not.", cells=cells))
        lines.append(tr("- The odds ratio is assumed equal at every step of the scale (proportional odds), not checked "
                        "here; with groups of a few dozen people, intervals this wide are normal."))
        return "\n".join(lines)
