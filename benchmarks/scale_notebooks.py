"""Notebooks 01–04 on a generated log: wall time and peak RSS of the whole process tree, per notebook.

Used by ``bench_scale.py --notebook-sizes 10M 50M 100M`` (issue 20, "Bounded memory": 100M lines under
8 GiB, 50M lines in under 8 minutes). Each notebook runs through the report command
(``python -m helpers.report --only NN --no-pdf``) in its own process tree, one after the other, handing
over through the store as ``make report`` does; the tree's resident memory (the report process, the
Jupyter kernel, anything they start) is summed every 0.2 s with psutil and its maximum recorded — shared
pages counted once per process, so the figure is an upper bound. The store, the spill folder and the
executed notebooks live under ``data/interim/bench/notebooks/<size>/``, deleted after the run unless
``keep``; the generated log (``data/interim/generated/xiaomi_sim_<size>/``, ``make large-log``) is kept.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ("01", "02", "03", "04")
#: Targets of issue 20.
PEAK_TARGET_GIB = 8.0
WALL_TARGET_S = {50_000_000: 8 * 60}


def tree_rss(proc: psutil.Process) -> int:
    """Resident bytes of ``proc`` and all its descendants (processes that vanish meanwhile count 0)."""
    total = 0
    try:
        family = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    for p in family:
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def run_measured(cmd: list[str], env: dict[str, str], log: Path, poll: float = 0.2) -> tuple[float, int, int]:
    """Run ``cmd``; (wall seconds, peak resident bytes of its process tree, exit status)."""
    start = time.perf_counter()
    with open(log, "w", encoding="utf-8") as out:
        proc = psutil.Popen(cmd, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        peak = 0
        while proc.poll() is None:
            peak = max(peak, tree_rss(proc))
            time.sleep(poll)
    return time.perf_counter() - start, peak, proc.returncode


def run_notebooks(log_dir: Path, work: Path, name: str, budget: str | None = None, keep: bool = False) -> list[dict]:
    """Notebooks 01–04 on the log folder ``log_dir`` as dataset ``name``; one dict per notebook
    (``notebook``, ``seconds``, ``peak`` bytes, ``status``). Stops at the first notebook that fails."""
    work, log_dir = Path(work).resolve(), Path(log_dir).resolve()  # the report runs each notebook in its folder
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CRM_INTERIM_DIR": str(work / "interim"),
           "CRM_PROCESSED_DIR": str(work / "processed"), "CRM_REPORTS_DIR": str(work / "reports")}
    params = ["-p", "dataset", name, "-p", "source_path", str(log_dir)]
    if budget:
        params += ["-r", "memory_budget", budget]
    rows = []
    try:
        for nb in NOTEBOOKS:
            cmd = [sys.executable, "-m", "helpers.report", "--only", nb, "--no-pdf", "-q", "--out",
                   str(work / "reports"), *params]
            seconds, peak, status = run_measured(cmd, env, work / f"run_{nb}.log")
            rows.append({"notebook": nb, "seconds": seconds, "peak": peak, "status": status})
            print(f"  {nb}: {seconds:.1f} s, peak {peak / 2**30:.2f} GiB, exit {status}", flush=True)
            if status:
                print((work / f"run_{nb}.log").read_text(encoding="utf-8", errors="replace")[-3000:], flush=True)
                break
    finally:
        if not keep:
            for sub in ("interim", "processed"):
                shutil.rmtree(work / sub, ignore_errors=True)
    return rows


def table_lines(size: int, rows: list[dict], size_label: str) -> list[str]:
    """Markdown rows for one log size: one per notebook, then the total with the targets."""
    lines = []
    for r in rows:
        lines.append(f"| {size_label} | {r['notebook']} | {r['seconds']:.1f} | {r['peak'] / 2**30:.2f} | "
                     f"{'ok' if r['status'] == 0 else 'FAILED (exit ' + str(r['status']) + ')'} |")
    wall = sum(r["seconds"] for r in rows)
    peak = max((r["peak"] for r in rows), default=0) / 2**30
    done = len(rows) == len(NOTEBOOKS) and all(r["status"] == 0 for r in rows)
    verdicts = [f"peak {'<' if peak < PEAK_TARGET_GIB else '≥'} {PEAK_TARGET_GIB:g} GiB "
                f"{'✓' if done and peak < PEAK_TARGET_GIB else '✗'}"]
    if size in WALL_TARGET_S:
        limit = WALL_TARGET_S[size]
        verdicts.append(f"wall {'<' if wall < limit else '≥'} {limit // 60} min {'✓' if done and wall < limit else '✗'}")
    lines.append(f"| **{size_label}** | **01–04** | **{wall:.1f}** ({int(wall // 60)} min {wall % 60:.0f} s) | "
                 f"**{peak:.2f}** | {'completed' if done else 'did not complete'}; {'; '.join(verdicts)} |")
    return lines
