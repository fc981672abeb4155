"""What every benchmark script does last: name the machine, print its result and append it to the record.

Shared by ``bench_acquire_clean.py``, ``bench_clv.py`` and ``bench_scale.py`` so that their sections of
``reports/benchmarks.md`` describe the machine the same way.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from helpers.outputs import append_markdown  # noqa: E402


def machine(extra: str = "") -> str:
    """The machine and versions a benchmark ran on, for the line above its table."""
    import duckdb
    import pandas as pd

    mem = ""
    try:
        with open("/proc/meminfo") as fh:
            mem = f", {int(fh.readline().split()[1]) / 2**20:.0f} GiB RAM"
    except OSError:
        pass
    return (f"{platform.machine()}, {os.cpu_count()} cores{mem}, Python {platform.python_version()}, "
            f"pandas {pd.__version__}, DuckDB {duckdb.__version__}{extra}")


def record(lines: list[str]) -> int:
    """Print a benchmark's Markdown section and append it to ``reports/benchmarks.md``; exit status 0."""
    text = "\n".join(lines) + "\n"
    print(text)
    append_markdown(text, "benchmarks.md")
    return 0


def in_subprocess(target, *args) -> dict:
    """``target(*args, queue)`` run in a fresh (spawned) process; what it puts on the queue (one engine per
    process, so that peaks and caches are its own)."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result
