"""Acquisition and cleaning throughput as ratios against bare pandas baselines, in one process.

    python benchmarks/bench_acquire_clean.py --rows 1000000

Generates a SIMULATED order log of about ``--rows`` lines (helpers.simulate, scaled), writes it as a
GB18030 CSV with Chinese headers and mall-style values (``¥1,999.00``, ``2013/4/9 12:00``), then times
(best of ``--repeat``) and records peak traced memory of:

- acquisition: ``read_transactions`` vs ``pandas.read_csv(dtype=str)`` of the same file;
- cleaning: ``clean_transactions`` vs parsing the date and amount columns with one known format each.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _record import machine, record  # noqa: E402

from helpers.acquire import read_transactions  # noqa: E402
from helpers.clean import clean_transactions  # noqa: E402
from helpers.simulate import simulate_transactions  # noqa: E402

LINES_PER_CUSTOMER = 3.5  # about what the simulation yields


def make_file(rows: int, folder: Path) -> Path:
    tx = simulate_transactions(max(100, int(rows / LINES_PER_CUSTOMER)))
    rng = np.random.default_rng(0)
    ts = pd.to_datetime(tx["timestamp"])
    slash = (ts.dt.year.astype(str) + "/" + ts.dt.month.astype(str) + "/" + ts.dt.day.astype(str) + " "
             + ts.dt.strftime("%H:%M"))
    frame = pd.DataFrame({
        "订单号": tx["order_id"], "客户ID": tx["customer_id"],
        "下单时间": np.where(rng.random(len(tx)) < 0.15, slash, ts.dt.strftime("%Y-%m-%d %H:%M:%S")),
        "实付金额": [f"¥{v:,.2f}" for v in tx["amount"]], "订单状态": "已完成",
    })
    path = folder / "orders.csv"
    frame.to_csv(path, index=False, encoding="gb18030")
    return path


def measure(fn, repeat: int) -> tuple[float, float, object]:
    """Best wall seconds over ``repeat`` runs and peak traced memory (MiB) of one run."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return best, peak, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = make_file(args.rows, Path(tmp))
        columns = {"customer_id": "客户ID", "order_id": "订单号", "timestamp": "下单时间", "amount": "实付金额",
                   "status": "订单状态"}
        t_read, m_read, tx = measure(lambda: read_transactions(path, columns=columns), args.repeat)
        t_base, m_base, raw = measure(lambda: pd.read_csv(path, dtype=str, encoding="gb18030"), args.repeat)

        def floor():
            a = pd.to_datetime(raw["下单时间"], format="%Y-%m-%d %H:%M:%S", errors="coerce")
            b = pd.to_numeric(raw["实付金额"].str.replace("¥", "").str.replace(",", ""), errors="coerce")
            return a, b

        t_clean, m_clean, result = measure(lambda: clean_transactions(tx), args.repeat)
        t_floor, m_floor, _ = measure(floor, args.repeat)
    n = len(tx)
    assert len(result.clean) + len(result.quarantine) == n
    rows = [
        ("acquire: read_transactions / pandas.read_csv", t_read, t_base, m_read, m_base),
        ("clean: clean_transactions / fixed-format parse", t_clean, t_floor, m_clean, m_floor),
    ]
    lines = [f"\n## Acquisition and cleaning, {n:,} order lines ({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC)",
             f"Machine: {machine()}. Command: `python benchmarks/bench_acquire_clean.py --rows {args.rows}`.",
             "", "| step | time ratio | candidate s | baseline s | memory ratio | candidate MiB | baseline MiB |",
             "|---|---|---|---|---|---|---|"]
    for name, tc, tb, mc, mb in rows:
        lines.append(f"| {name} | {tc / tb:.2f} | {tc:.2f} | {tb:.2f} | {mc / mb:.2f} | {mc:.0f} | {mb:.0f} |")
    return record(lines)


if __name__ == "__main__":
    raise SystemExit(main())
