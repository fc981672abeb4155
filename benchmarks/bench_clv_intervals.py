"""Per-customer bootstrap intervals (``clv.customer_intervals``) at 100k customers: target under 30 s (issue 19).

Candidate: :func:`helpers.clv.customer_intervals` — P(alive), expected purchases and CLV (52 weeks, 10 % a year)
with 90 % intervals from 128 parameter draws — for every transaction model of the registry fitted on RFM data,
with Gamma-Gamma spend. Baseline, in the same process on the same customers: the point estimates alone
(:func:`helpers.clv.customer_quantities`: the same three quantities at the fitted parameters, the CLV summed step
by step), so the ratio says what the intervals cost over one scoring.

Customers: an exact BG/NBD sample (FHL's CDNOW estimates r 0.243, α 4.414, a 0.793, b 2.426; T uniform on 20–130
weeks; Gamma-Gamma spend p 6.25, q 3.74, γ 15.44), in two shapes: times in continuous weeks (every history
distinct: the worst case) and times rounded to whole days as :func:`helpers.clv.rfm_summary` gives them for a log
(weeks = days / 7: fewer distinct histories, since one-time buyers differ only by their first day).

Run: ``.venv/bin/python benchmarks/bench_clv_intervals.py --customers 100k``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _record import machine, record  # noqa: E402

from helpers import clv  # noqa: E402
from helpers.clv.models import MODELS  # noqa: E402
from helpers.clv.models.base import aggregate_rows  # noqa: E402

TARGET_S = 30.0


def customers(n: int, days: bool, seed: int = 1):
    """An exact BG/NBD sample of ``n`` customers with spend, in weeks; times rounded to whole days if ``days``."""
    T = np.random.default_rng(0).uniform(20, 130, n)
    s = clv.simulate_bgnbd(n, 0.243, 4.414, 0.793, 2.426, T=T, seed=seed)
    s["monetary_value"] = clv.simulate_spend(s["frequency"].to_numpy(), 6.25, 3.74, 15.44, seed=seed + 1)
    if days:
        s["T"] = np.floor(s["T"] * 7) / 7
        s["recency"] = np.minimum(np.floor(s["recency"] * 7) / 7, s["T"])
    return clv.with_time_unit(s, "D", 7)


def parse_count(text: str) -> int:
    text = text.lower()
    scale = 1_000_000 if text.endswith("m") else 1_000 if text.endswith("k") else 1
    return int(float(text.rstrip("mk")) * scale)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", default="100k", help="customers (100k, 1M, …)")
    parser.add_argument("--draws", type=int, default=128, help="parameter draws (a power of 2)")
    args = parser.parse_args(argv)
    n = parse_count(args.customers)
    rows = []
    for shape, days in (("continuous weeks (all histories distinct)", False), ("whole days / 7 (as from a log)", True)):
        summary = customers(n, days)
        distinct = len(aggregate_rows({c: summary[c].to_numpy() for c in ("frequency", "recency", "T",
                                                                            "monetary_value")})[1])
        spend = clv.GammaGamma().fit(summary)
        for key, spec in MODELS.items():
            if spec.kind != "transaction" or spec.data != "rfm":
                continue
            model = spec.model().fit(summary)
            start = time.perf_counter()
            clv.customer_quantities(model, summary, spend)
            base = time.perf_counter() - start
            start = time.perf_counter()
            clv.customer_intervals(model, summary, spend, draws=args.draws, seed=0)
            took = time.perf_counter() - start
            rows.append(f"| {spec.name} | {shape} | {n:,} | {distinct:,} | {base:.2f} | {took:.1f} | "
                        f"{took / base:.0f}× | {'yes' if took < TARGET_S else 'no'} |")
            print(rows[-1], flush=True)
    lines = [f"\n## Bootstrap intervals per customer ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})",
             f"Machine: {machine()}. Command: `python benchmarks/bench_clv_intervals.py --customers {args.customers}"
             f"{'' if args.draws == 128 else f' --draws {args.draws}'}`.", "",
             f"`clv.customer_intervals`: P(alive), expected purchases and CLV (52 weeks, 10% a year) with 90% intervals "
             f"from {args.draws} parameter draws (scrambled Sobol', log scale), Gamma-Gamma spend, CLV sum per draw at 4 "
             f"nodes; baseline: the same three point estimates once (`clv.customer_quantities`, CLV step by step). "
             f"Target: under {TARGET_S:.0f} s at 100k customers.", "",
             "| model | times | customers | distinct histories | point estimates s | intervals s | ratio | under "
             f"{TARGET_S:.0f} s |", "|---|---|---|---|---|---|---|---|", *rows]
    return record(lines)


if __name__ == "__main__":
    raise SystemExit(main())
