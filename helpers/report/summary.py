"""The executive summary of a report: the data's label, period and customer funnel, then the findings.

A summary cell (tagged ``summary``, see :mod:`helpers.report.layout`) ends each notebook's analysis::

    display(Markdown(report.render(report.findings.clv_findings(scores, act, mod, currency),
                                   report.stored_facts(dataset, modelled=len(scores)))))

:class:`Finding` is one sentence with the numbers it rests on: an English template (a catalog key
of :mod:`helpers.i18n`, Chinese in ``helpers/locale/zh.yml``) and its values. Words that state a
direction or a rank ("more"/"fewer", "a majority"/"a minority") are chosen by comparing numbers
(:func:`compare`), never written into the template. :func:`data_facts` (from what a notebook
holds) and :func:`stored_facts` (from the store) give the
label (SIMULATED / real / own), the period (first–last order date of the clean lines) and the
funnel rows read → kept → customers with a purchase → customers modelled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .. import paths, store
from ..i18n import tr, tr_dataset, tr_given


@dataclass(frozen=True)
class Finding:
    """One sentence of a summary: ``template`` (English catalog key with ``str.format`` fields) and ``values``."""

    template: str
    values: dict[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        """The sentence in the current language (:func:`helpers.i18n.tr`); text values (segment,
        channel and reason names, bilingual labels) through :func:`helpers.i18n.tr_given`."""
        return tr(self.template, **{k: tr_given(v) if isinstance(v, str) else v for k, v in self.values.items()})


#: Word pairs chosen by :func:`compare`: (larger, smaller, equal); each word goes through the catalog.
WORDS: dict[str, tuple[str, str, str]] = {
    "more": ("more", "fewer", "as many"),
    "grew": ("grew", "fell", "stayed level"),
    "majority": ("a majority", "a minority", "exactly half"),
    "above": ("above", "below", "equal to"),
    "error": ("does not beat", "beats", "ties with"),  # compare(error of a forecast, error of another)
}


def compare(a: float, b: float, kind: str = "more", places: int | None = None) -> str:
    """The word of :data:`WORDS` ``kind`` saying how ``a`` relates to ``b`` (translated).

    ``places``: compare the numbers as the sentence shows them, rounded to that many decimals
    (fractions shown as whole percentages: 2), so "23% above 23%" cannot be written.
    """
    if places is not None:
        a, b = round(a, places), round(b, places)
    larger, smaller, equal = WORDS[kind]
    return tr(larger if a > b else smaller if a < b else equal)


def data_kind(meta: dict[str, Any]) -> str:
    """``"SIMULATED"`` for simulated data, ``"real data"`` for the bundled research data (its label
    says so), ``"own data"`` otherwise (a user's export)."""
    if meta.get("simulated") is True:
        return "SIMULATED"
    return "real data" if "real data" in str(meta.get("label", "")) else "own data"


def data_facts(meta: dict[str, Any], read: int | None = None, kept: int | None = None,
               lines: pd.DataFrame | None = None, modelled: int | None = None) -> dict[str, Any]:
    """Label, kind, period and customer funnel from what a notebook has in hand.

    Parameters
    ----------
    meta
        The dataset's metadata (``label``, ``simulated``, ``currency``): the store's, or
        :meth:`helpers.store.Acquired.metadata`.
    read
        Transaction rows read (the row account's ``rows in``; the customer table is not counted).
    kept
        Rows kept by cleaning (the row account's ``kept (clean)``).
    lines
        Clean order lines (``customer_id``, ``timestamp``): the period and the customers with a purchase.
    modelled
        Customers modelled or segmented.

    Returns
    -------
    dict
        ``label``, ``kind`` (:func:`data_kind`), ``currency``, ``first``/``last`` (first and last order date, or
        ``None``), ``funnel``: (step, count) pairs — rows read (sum of the source files' rows), rows
        kept, customers with a purchase, customers modelled — for the steps given.
    """
    facts: dict[str, Any] = {"label": meta.get("label", meta.get("dataset", "")), "kind": data_kind(meta),
                             "first": None, "last": None, "funnel": [], "currency": meta.get("currency", "")}
    if read is not None:
        facts["funnel"].append(("rows read", int(read)))
    if kept is not None:
        facts["funnel"].append(("rows kept", int(kept)))
    if isinstance(lines, pd.DataFrame) and len(lines):
        when = pd.to_datetime(lines["timestamp"])
        facts["first"], facts["last"] = when.min().date(), when.max().date()
        facts["funnel"].append(("customers with a purchase", int(lines["customer_id"].nunique())))
    if modelled is not None:
        facts["funnel"].append(("customers modelled", int(modelled)))
    return facts


def stored_facts(dataset: str, modelled: int | None = None) -> dict[str, Any]:
    """:func:`data_facts` of a cleaned dataset, read from the store (notebooks 03 on).

    Raises :class:`helpers.errors.DataError` (from :func:`helpers.store.load_processed`) when
    notebook 02 has not run.
    """
    tx, meta = store.load_processed(dataset)
    account = paths.processed_dir(dataset) / "row_accounting.csv"
    steps = pd.read_csv(account).set_index("step")["rows"] if account.exists() else pd.Series(dtype=int)
    read, kept = (int(steps[k]) if k in steps else None for k in ("rows in", "kept (clean)"))
    return data_facts(meta, read, kept, tx if isinstance(tx, pd.DataFrame) else None, modelled)


def render(findings: list[Finding], facts: dict[str, Any]) -> str:
    """Markdown of the summary: a data line (label, kind, period), the funnel, one bullet per finding."""
    label = tr_dataset(facts["label"]) or facts["label"]
    if facts["kind"].split()[0].lower() in str(facts["label"]).lower():  # the label says it already
        head = tr("**Data:** {label}.", label=label)
    else:
        head = tr("**Data:** {label} ({kind}).", label=label, kind=tr(facts["kind"]))
    if facts.get("first") is not None:
        head += " " + tr("**Period:** {first} – {last}.", first=facts["first"], last=facts["last"])
    parts = [head]
    if facts.get("funnel"):
        steps = " → ".join(f"{tr(step)} {n:,}" for step, n in facts["funnel"])
        parts.append(tr("**Customer funnel:** {steps}.", steps=steps))
    return "\n\n".join(parts) + "\n\n" + "\n".join(f"- {f.text()}" for f in findings) + "\n"
