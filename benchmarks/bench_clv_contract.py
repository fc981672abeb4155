"""Fit times of the issue-19 contract work: BG/NBD and Pareto/NBD with covariates, and the sBG.

    python benchmarks/bench_clv_contract.py                    # covariates at 10k and 100k customers
    python benchmarks/bench_clv_contract.py --sizes 10k        # a quick run

**Covariates.** Summaries drawn exactly from BG/NBD and Pareto/NBD with the covariate effects of
``helpers.clv.COVARIATE_TRUTH`` (``simulate_with_covariates``; ages uniform on 30–104 weeks), fitted without
covariates and with them (four purchase covariates; one dropout covariate for BG/NBD's a and b, two for
Pareto/NBD's β). A summary with continuous recency and T has as many distinct rows as customers, so the fit's
cost grows with the customers. BG/NBD with covariates uses the analytic score (the per-row derivatives and the
chain rule); Pareto/NBD's gradient is numerical, as without covariates.

**sBG.** ``ShiftedBetaGeo`` fitted per plan (``clv.fit_by_plan``) on the SIMULATED carrier contract table at
1× and 100× the default cohort sizes: the likelihood reads one count per cohort and period, so the time does not
depend on the number of customers.

Times are the best of ``--repeat`` runs in this process. Results are appended to ``reports/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _record import machine, record  # noqa: E402

from helpers import clv, simulate  # noqa: E402


def parse_size(text: str) -> int:
    text = text.strip().lower()
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("km")) * factor)


def best(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["10k", "100k"])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    blas = f", OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}"
    lines = [f"\n## CLV: covariates and the sBG ({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC)",
             f"Machine: {machine(blas)}. Command: `python benchmarks/bench_clv_contract.py --sizes "
             f"{' '.join(args.sizes)}`.",
             "", "| model | customers | parameters | fit s without covariates | fit s with covariates | ratio | "
             "effects in their 95% interval |", "|---|---|---|---|---|---|---|"]
    for key, cls in (("bg_nbd", clv.BetaGeo), ("pareto_nbd", clv.ParetoNBD)):
        purchase, dropout = clv.covariate_columns(clv.COVARIATE_TRUTH[key])
        for size in map(parse_size, args.sizes):
            T = np.random.default_rng(100).uniform(30, 104, size)
            summary = clv.simulate_with_covariates(key, size, T=T, seed=0)
            plain_s, _ = best(lambda: cls().fit(summary), args.repeat)
            cov_s, model = best(lambda: cls(purchase_covariate_cols=purchase, dropout_covariate_cols=dropout)
                                .fit(summary), args.repeat)
            ci = model.confidence_intervals_()
            effects = [p for p in model.params_.index if p.startswith("gamma")]
            truth = summary.attrs["true_params"]
            inside = sum(ci.loc[p].iloc[0] <= truth[p] <= ci.loc[p].iloc[1] for p in effects)
            lines.append(f"| {clv.model_name(cls)} | {size:,} | {len(model.param_names)} | {plain_s:.2f} | "
                         f"{cov_s:.2f} | {cov_s / plain_s:.1f}× | {inside} of {len(effects)} |")
    lines += ["", "| sBG table | cohorts | customers | fit s (3 plans) |", "|---|---|---|---|"]
    for scale in (1, 100):
        table = simulate.carrier_contract_cohorts(scale=scale)
        seconds, fitted = best(lambda: clv.fit_by_plan(table), args.repeat)
        customers = int(fitted.groupby("group")["customers"].first().sum())
        cohorts = table.groupby(["plan", "cohort"]).ngroups
        lines.append(f"| carrier contracts ×{scale} | {cohorts} | {customers:,} | {seconds:.2f} |")
    return record(lines)


if __name__ == "__main__":
    raise SystemExit(main())
