"""The command line of the simulation: ``python -m helpers.simulate`` (see :func:`main`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from .crm import simulate_transactions
from .export import write_export
from .groups import DEFAULT_SEED
from .large import write_large_log


def main(argv: list[str] | None = None) -> int:
    """Command line: regenerate the committed export, or write a large clean log for benchmarks."""
    parser = argparse.ArgumentParser(description="Simulate a Xiaomi-like CRM export (SIMULATED data).")
    parser.add_argument("--out", type=Path, default=Path("data/raw/xiaomi_sim"))
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--seasonality", type=float, default=1.0)
    parser.add_argument("--parquet", action="store_true",
                        help="write only clean canonical transactions to <out>/transactions.parquet (benchmarks)")
    parser.add_argument("--large-log", metavar="ROWS", type=lambda v: int(float(v.rstrip("Mm")) * 1e6)
                        if v[-1] in "Mm" else int(v),
                        help="write a SIMULATED log of ROWS lines (e.g. 50M) as a hive-partitioned Parquet "
                             "folder <out>/year=YYYY/… in chunks of --chunk-customers customers")
    parser.add_argument("--chunk-customers", type=int, default=500_000)
    args = parser.parse_args(argv)
    if args.large_log:
        manifest = write_large_log(args.out, args.large_log, seed=args.seed, chunk_customers=args.chunk_customers,
                                   seasonality=args.seasonality)
        print(f"{manifest['rows']:,} SIMULATED lines of {manifest['customers']:,} customers → {args.out}")
        return 0
    if args.parquet:
        args.out.mkdir(parents=True, exist_ok=True)
        tx = simulate_transactions(args.customers, seed=args.seed, seasonality=args.seasonality)
        tx.to_parquet(args.out / "transactions.parquet", index=False)
        print(f"{len(tx):,} SIMULATED transaction lines → {args.out / 'transactions.parquet'}")
        return 0
    manifest = write_export(args.out, n_customers=args.customers, seed=args.seed, seasonality=args.seasonality)
    print(f"SIMULATED export written to {args.out}: {manifest['rows']}")
    return 0
