"""The sharing end under load: profile-page latency at 1 and 20 users, and 20 staff saving notes at once.

    python benchmarks/bench_sharing.py                       # a SIMULATED 10,000-customer world, built here
    python benchmarks/bench_sharing.py --kb data/processed/xiaomi_sim/knowledge.duckdb   # a built knowledge base

**Data.** By default a SIMULATED world of ``--customers`` customers (``tests/kbworld.py``'s ``build_world``, the
world the sharing end's tests use) in a temporary processed folder; ``--kb`` copies a knowledge base notebook 07
built (e.g. the bundled data's, 10,000 customers) into the temporary folder instead. The sharing file (notes and
audit) and the accounts (one ``sales`` account per virtual user, random passwords, argon2-hashed in a temporary
users file) live there too and are deleted at the end.

**Server.** The real server: ``crm-knowledge serve`` (``helpers.sharing.cli``; gunicorn, ``--workers`` processes of
``--threads`` threads, rate limit and CSRF on) in a child process, on a free port of 127.0.0.1; the load generator is
a second process, so client and server share this machine's cores, as on a laptop serving its office.

**Load.** One signed-in ``requests`` session per virtual user, closed loop, no think time, each user on its own
customers (a seeded random sample, no customer twice in a run): ``--warmup`` untimed requests each, then
``--requests`` timed ones (``--single`` for the one-user run); the server closes each connection after its
response (``helpers.sharing.server``), so each request opens a new one, as a browser's would. Measured: the profile page's HTML; the *full
view*, the page and then its figure (SVG), as a browser loads them (each figure is drawn once, on first request);
and the **baseline**, the sign-in page (a template with no data, anonymous sessions) under the same load. Ratios
are candidate / baseline percentiles of the same run; throughput is completed requests (views) per second; the
spread of the users' mean latencies shows users served slower than others (e.g. on a busier server process).

**Writers.** ``--writers`` users, each saving ``--notes`` notes on random customers through the page's form
(POST with the CSRF token); afterwards the notes in the sharing file and the ``add_note`` events of the audit trail
are counted against the number sent: every note must be there once, and any response other than the redirect
after a save is listed.

The Markdown table goes to the screen and ``reports/benchmarks.md``. ``--profile FILE`` profiles the server
(cProfile in each request thread; pstats written to FILE and its top functions printed): timings are then
inflated and the run is not recorded; it runs one waitress process with the application instead of the server.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _record import machine, record  # noqa: E402
from kbworld import build_world  # noqa: E402
from webserver import LiveServer, csrf_token, free_port, process_tree, start_serve  # noqa: E402

from helpers.sharing.server import DEFAULT_THREADS, DEFAULT_WORKERS  # noqa: E402

DATASET = "benchkb"
FIGURE = re.compile(r'<img class="figure" src="([^"]+\.svg)"')
REDIRECT = (302, 303)


# ------------------------------------------------------------------ the server process

class _Profiled:
    """A WSGI wrapper profiling every request in its own thread (cProfile watches one thread per profiler)."""

    def __init__(self, app):
        self.app, self.local, self.all, self.lock = app, threading.local(), [], threading.Lock()

    def __call__(self, environ, start_response):
        import cProfile

        prof = getattr(self.local, "prof", None)
        if prof is None:
            prof = self.local.prof = cProfile.Profile()
            with self.lock:
                self.all.append(prof)
        prof.enable()
        try:
            result = self.app(environ, start_response)
            body = list(result)
            if hasattr(result, "close"):
                result.close()
            return body
        finally:
            prof.disable()

    def dump(self, path: str) -> None:
        import io
        import pstats

        with self.lock:
            if not self.all:
                return
            stats = pstats.Stats(self.all[0])
            for prof in self.all[1:]:
                stats.add(prof)
        stats.dump_stats(path)
        out = io.StringIO()
        pstats.Stats(path, stream=out).sort_stats("cumulative").print_stats(45)
        Path(path + ".txt").write_text(out.getvalue())


def _serve(kb: str, users: str, sharing: str, threads: int, port: int, secret: str, profile: str | None,
           queue) -> None:
    """A server process: the application under waitress until SIGTERM, listening on ``port`` (0: a free one)
    with ``SO_REUSEPORT``, so that several processes can share one port; sends its port on ``queue``."""
    import logging
    import signal
    import socket

    import waitress

    from helpers.sharing import create_app

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "task queue depth": the load is meant to queue
    os.environ["CRM_SECRET_KEY"] = secret  # every process signs sessions with the same key
    app = create_app(DATASET, users, kb_path=kb, sharing_path=sharing)
    wsgi = _Profiled(app) if profile else app
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(1024)
    server = waitress.create_server(wsgi, sockets=[sock], threads=threads, ident="crm-bench")

    def stop(*_):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    queue.put(sock.getsockname()[1])
    try:
        server.run()
    except SystemExit:
        pass
    finally:
        server.close()
        if profile:
            wsgi.dump(profile)


def _wait_until_served(proc: subprocess.Popen, port: int, timeout: float = 300) -> None:
    """Wait until the server answers its sign-in page (it prints its line once gunicorn listens)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise SystemExit(f"the server stopped: {proc.stdout.read()}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/sign-in", timeout=30).status_code == 200:
                return
        except requests.ConnectionError:
            time.sleep(0.5)
    raise SystemExit(f"the server did not answer on port {port} within {timeout:.0f} s")


# ------------------------------------------------------------------ load

def _percentiles(ms: list[float]) -> dict[str, float]:
    a = np.asarray(ms)
    return {"p50": float(np.percentile(a, 50)), "p95": float(np.percentile(a, 95)), "p99": float(np.percentile(a, 99))}


def _cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far (Linux ``/proc``; NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _closed_loop(sessions: list, work: list[list], warmup: int, one, server: Callable[[], list[int]], think: float = 0.0,
                 seed: int = 0) -> dict:
    """Each session runs its list of work items back to back (the first ``warmup`` untimed), all sessions
    starting together; ``one(session, item)`` returns ``True`` or what went wrong. ``think``: mean seconds a user
    reads before the next request (exponential, seeded per user; 0 = none), not counted in the latency. Returns
    latencies (ms), wall seconds, what went wrong, and the CPU seconds the ``server`` processes and this (client)
    process used."""
    start = threading.Barrier(len(sessions) + 1)
    latencies: list[float] = []
    means: list[float] = []
    odd: list[str] = []
    lock = threading.Lock()

    def attempt(s, item):
        try:
            return one(s, item)
        except requests.RequestException as exc:  # counted as a failure, never a silently shorter run
            return type(exc).__name__

    def user(s, items, pauses):
        for item in items[:warmup]:
            attempt(s, item)
        start.wait()
        mine, bad = [], []
        for item, pause in zip(items[warmup:], pauses):
            time.sleep(pause)
            t = time.perf_counter()
            status = attempt(s, item)
            mine.append((time.perf_counter() - t) * 1000)
            if status is not True:
                bad.append(f"{status} {item}")
        with lock:
            latencies.extend(mine)
            means.append(float(np.mean(mine)) if mine else float("nan"))
            odd.extend(bad)

    rng = np.random.default_rng(seed)
    pauses = [rng.exponential(think, len(w)) if think > 0 else np.zeros(len(w)) for w in work]
    threads = [threading.Thread(target=user, args=(s, w, z)) for s, w, z in zip(sessions, work, pauses)]
    for t in threads:
        t.start()
    start.wait()
    pids = server()  # the server's processes, asked once the load runs (gunicorn replaces a worker rarely)
    t0, cpu0, client0 = time.perf_counter(), sum(map(_cpu_seconds, pids)), time.process_time()
    for t in threads:
        t.join()
    return {"ms": latencies, "user_means": means, "wall": time.perf_counter() - t0, "odd": odd,
            "server_cpu": sum(map(_cpu_seconds, pids)) - cpu0, "client_cpu": time.process_time() - client0}


def _views(url: str):
    """The three kinds of request: the sign-in page (baseline), the profile page, page + figure."""

    def sign_in_page(s, _item):
        r = s.get(f"{url}/sign-in", timeout=120, allow_redirects=False)
        return True if r.status_code == 200 and "csrf_token" in r.text else r.status_code

    def profile(s, cid):
        r = s.get(f"{url}/customers/{cid}", timeout=120, allow_redirects=False)
        return True if r.status_code == 200 and FIGURE.search(r.text) else r.status_code

    def full(s, cid):
        r = s.get(f"{url}/customers/{cid}", timeout=120, allow_redirects=False)
        found = FIGURE.search(r.text) if r.status_code == 200 else None
        if not found:
            return r.status_code
        svg = s.get(url + found.group(1).replace("&amp;", "&"), timeout=120, allow_redirects=False)
        return True if svg.status_code == 200 and svg.content.lstrip().startswith((b"<?xml", b"<svg")) \
            else f"svg {svg.status_code}"

    return {"sign-in page (baseline)": sign_in_page, "profile page": profile, "full view (page + figure SVG)": full}


def _write_notes(url: str, sessions: list, names: list[str], per: int, rng: np.random.Generator, ids: np.ndarray,
                 server: Callable[[], list[int]]) -> tuple[dict, set[tuple[str, str]]]:
    """Each writer saves ``per`` notes on random customers through the form; returns the closed-loop result and
    the ``(customer, text)`` of every note sent (each text names its writer and number: all differ)."""
    work, sent = [], set()
    for w, s in enumerate(sessions):
        token = csrf_token(s.get(f"{url}/customers/{ids[rng.integers(len(ids))]}", timeout=120).text)
        items = []
        for k in range(per):
            note = (str(ids[rng.integers(len(ids))]), f"benchmark note by {names[w]}, number {k + 1} of {per}")
            items.append((*note, token))
            sent.add(note)
        work.append(items)

    def post(s, item):
        cid, text, token = item
        r = s.post(f"{url}/customers/{cid}/notes", data={"text": text, "code": "", "csrf_token": token},
                   timeout=120, allow_redirects=False)
        return True if r.status_code in REDIRECT else r.status_code

    return _closed_loop(sessions, work, 0, post, server), sent


def _accounted(sharing: Path, sent: set[tuple[str, str]]) -> dict[str, int]:
    """The notes in the sharing file against those sent: stored, lost, duplicated; ``add_note`` and
    ``note_refused`` events of the audit trail."""
    from helpers.knowledge import SharingStore

    store = SharingStore(sharing)
    notes = store.notes()
    stored = list(zip(notes["customer_id"], notes["text"]))
    return {"stored": len(stored), "lost": len(sent - set(stored)), "duplicated": len(stored) - len(set(stored)),
            "audited": store.audit(limit=1, action="add_note")[1],
            "refused": store.audit(limit=1, action="note_refused")[1]}


# ------------------------------------------------------------------ the run

def _world(folder: Path, args) -> Path:
    """The knowledge base to serve: a copy of ``--kb``, or a SIMULATED world of ``--customers`` customers."""
    target = folder / DATASET / "knowledge.duckdb"
    if args.kb:
        target.parent.mkdir(parents=True)
        shutil.copyfile(args.kb, target)
        return target
    return build_world(folder, DATASET, customers_n=args.customers, seed=args.seed)["path"]


def _customer_ids(kb: Path) -> tuple[np.ndarray, str]:
    import duckdb

    con = duckdb.connect(str(kb), read_only=True)
    try:
        ids = np.array([r[0] for r in con.execute("SELECT customer_id FROM customer_profile ORDER BY customer_id")
                        .fetchall()], dtype=object)
        label = dict(con.execute("SELECT key, value FROM meta").fetchall()).get("label", "")
    finally:
        con.close()
    return ids, label


def _accounts(users_file: Path, names: list[str]) -> dict[str, str]:
    from helpers.sharing import Accounts

    users, passwords = Accounts(users_file), {}
    for name in names:
        passwords[name] = secrets.token_urlsafe(16)
        users.add(name, passwords[name], "sales")
    return passwords


def _row(load: str, page: str, res: dict, base: dict | None) -> str:
    p = _percentiles(res["ms"])
    ratio = (f"{p['p50'] / _percentiles(base['ms'])['p50']:.1f}× | {p['p95'] / _percentiles(base['ms'])['p95']:.1f}×"
             if base is not None else "1.0× | 1.0×")
    n = len(res["ms"])
    return (f"| {load} | {page} | {n:,} | {p['p50']:.0f} | {p['p95']:.0f} | {p['p99']:.0f} | {n / res['wall']:.1f} | "
            f"{ratio} | {res['server_cpu'] / n * 1000:.1f} | {res['client_cpu'] / n * 1000:.1f} | {len(res['odd'])} |")


def _ceiling(res: dict, users: int) -> str:
    """What the measured CPU per page allows on this machine's cores (Little's law: a closed loop of ``users``
    without think time waits ``users / throughput`` per request on average)."""
    cpu = (res["server_cpu"] + res["client_cpu"]) / len(res["ms"])
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    best = cores / cpu
    return (f"Server and client used {cpu * 1000:.0f} ms of CPU per page; {cores} cores allow at most {best:.0f} "
            f"pages/s, so {users} users without think time wait at least {users / best * 1000:.0f} ms per page on "
            f"average (Little's law), if nothing else ran.")


def _fairness(res: dict) -> str:
    """The spread of the users' mean latencies: users who wait longer than others because their connection sits
    on a busier server process show here, not in the percentiles of all requests together."""
    means = sorted(m for m in res["user_means"] if np.isfinite(m))
    if len(means) < 2:
        return ""
    return (f"The users' mean latencies ranged from {means[0]:.0f} to {means[-1]:.0f} ms (slowest / fastest "
            f"{means[-1] / means[0]:.2f}×).")


def _loads(args, url: str, names: list[str], passwords: dict[str, str], ids: np.ndarray,
           server: Callable[[], list[int]]) -> dict:
    """The read loads (1 user, then ``--users``) and the writers; rows of the table and results by load."""
    live = LiveServer(None, url=url)  # the server runs in its own process: only the client side is used here
    rng = np.random.default_rng(args.seed)
    order = iter(np.resize(rng.permutation(ids), 10 * len(ids)))  # each customer once, while they last

    def work(users: int, per: int) -> list[list]:
        return [[next(order) for _ in range(args.warmup + per)] for _ in range(users)]

    rows, results = [], {}
    for users, per in ((1, args.single), (args.users, args.requests)):
        signed = [live.sign_in(names[i], passwords[names[i]]) for i in range(users)]
        anonymous = [requests.Session() for _ in range(users)]
        base = None
        for page, one in _views(url).items():
            if page.startswith("full") and not args.full:
                continue
            think = args.think if users > 1 else 0.0
            res = _closed_loop(signed if base else anonymous, work(users, per), args.warmup, one, server, think,
                               args.seed)
            results[(users, page)] = res
            rows.append(_row(f"{users} user{'s' if users > 1 else ''}"
                             + (f", reading {think:g} s between pages" if think else ""), page, res, base))
            print(rows[-1], flush=True)
            base = base or res
    writers = [live.sign_in(name, passwords[name]) for name in names[:args.writers]]
    wrote, sent = _write_notes(url, writers, names, args.notes, rng, ids, server)
    return {"rows": rows, "results": results, "wrote": wrote, "sent": sent}


def run(args) -> list[str]:
    """Build or copy the knowledge base, serve it, run the loads, count the notes; the Markdown section."""
    load_before = os.getloadavg()[0]
    folder = Path(tempfile.mkdtemp(prefix="bench_sharing_"))
    servers: list = []
    try:
        t = time.perf_counter()
        kb = _world(folder, args)
        ids, label = _customer_ids(kb)
        built = time.perf_counter() - t
        print(f"knowledge base: {len(ids):,} customers ({label}), ready in {built:.1f} s", flush=True)
        users_file, sharing = folder / "users.sqlite", folder / DATASET / "sharing.sqlite"
        names = [f"bench{i:02d}" for i in range(1, max(args.users, args.writers) + 1)]
        passwords = _accounts(users_file, names)
        if args.profile:  # one waitress process with the profiling wrapper
            ctx, queue = mp.get_context("spawn"), None
            queue = ctx.Queue()
            servers.append(ctx.Process(target=_serve, args=(str(kb), str(users_file), str(sharing), args.threads, 0,
                                                            secrets.token_hex(32), args.profile, queue), daemon=True))
            servers[-1].start()
            port = queue.get(timeout=300)
        else:  # the real server: `crm-knowledge serve` (gunicorn, --workers processes)
            port = free_port()
            servers.append(start_serve(users_file, folder, DATASET, port, args.workers, args.threads, cwd=ROOT))
            _wait_until_served(servers[-1], port)
        out = _loads(args, f"http://127.0.0.1:{port}", names, passwords, ids, lambda: process_tree(servers[0].pid))
        for p in servers:
            p.terminate()
            p.wait(timeout=60) if isinstance(p, subprocess.Popen) else p.join(timeout=60)
        notes = _accounted(sharing, out["sent"])
    finally:
        for p in servers:
            if (p.poll() is None) if isinstance(p, subprocess.Popen) else p.is_alive():
                p.kill()
        shutil.rmtree(folder, ignore_errors=True)
    if args.profile:
        print(Path(args.profile + ".txt").read_text())
        return []
    results, wrote = out["results"], out["wrote"]
    p95 = _percentiles(results[(args.users, "profile page")]["ms"])["p95"]
    wp = _percentiles(wrote["ms"])
    odd = sorted(set(wrote["odd"] + [o for r in results.values() for o in r["odd"]]))
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    loop = (f"{args.users} users reading a mean {args.think:g} s (exponential) between pages, " if args.think
            else "no think time, ")
    return [
        "",  # a blank line after the section before it
        f"## Sharing end: profile pages at 1 and {args.users} users, {args.writers} note writers, "
        f"{len(ids):,} customers ({when})",
        f"Machine: {machine()}. Command: `{' '.join(['python benchmarks/bench_sharing.py', *sys.argv[1:]])}`. "
        f"Data: {label or 'a copy of ' + args.kb} ({len(ids):,} customers), ready in {built:.0f} s. Server: "
        f"`helpers.sharing.create_app` ({args.threads} threads per process), "
        f"{'one waitress process (profiled)' if args.profile else f'`crm-knowledge serve`: gunicorn, {args.workers} worker process(es)'} on 127.0.0.1; "
        f"clients: signed-in `requests` sessions in threads of a second process, closed loop, {loop}"
        f"{args.warmup} untimed requests each first, a new customer on every request (seed {args.seed}); client "
        f"and server share the machine's cores (load average {load_before:.1f} before the run, "
        f"{os.getloadavg()[0]:.1f} after). Baseline: the sign-in page (no data) under the same load.",
        "",
        "| load | request | timed requests | p50 ms | p95 ms | p99 ms | per second | p50 / baseline | "
        "p95 / baseline | server CPU ms each | client CPU ms each | failed |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
        *out["rows"],
        "",
        f"Target: profile page p95 < 300 ms at {args.users} users — {p95:.0f} ms, "
        f"{'met' if p95 < 300 else 'not met'}."
        + ("" if args.think else f" {_ceiling(results[(args.users, 'profile page')], args.users)}")
        + f" {_fairness(results[(args.users, 'profile page')])}",
        "",
        "| writers | notes each | sent | stored | lost | duplicated | audit `add_note` | refused | other responses | "
        "write p50 ms | write p95 ms | writes per second |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
        f"| {args.writers} | {args.notes} | {len(out['sent']):,} | {notes['stored']:,} | {notes['lost']} | "
        f"{notes['duplicated']} | {notes['audited']:,} | {notes['refused']} | {len(wrote['odd'])} | {wp['p50']:.0f} | "
        f"{wp['p95']:.0f} | {len(wrote['ms']) / wrote['wall']:.1f} |",
        "",
        *([f"Responses other than expected: {', '.join(odd[:20])}{' …' if len(odd) > 20 else ''}.", ""] if odd
          else []),
    ]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kb", help="serve a copy of this knowledge base (default: build a SIMULATED world)")
    p.add_argument("--customers", type=int, default=10_000, help="customers of the SIMULATED world (default 10,000)")
    p.add_argument("--users", type=int, default=20, help="concurrent users of the second load (default 20)")
    p.add_argument("--requests", type=int, default=25, help="timed requests per user at --users (default 25)")
    p.add_argument("--single", type=int, default=100, help="timed requests of the one-user load (default 100)")
    p.add_argument("--warmup", type=int, default=3, help="untimed requests per user first (default 3)")
    p.add_argument("--writers", type=int, default=20, help="concurrent note writers (default 20)")
    p.add_argument("--notes", type=int, default=25, help="notes per writer (default 25)")
    p.add_argument("--threads", type=int, default=DEFAULT_THREADS,
                   help=f"threads per server process (default {DEFAULT_THREADS}, as `crm-knowledge serve`)")
    p.add_argument("--workers", type=int, default=DEFAULT_WORKERS,
                   help=f"server processes (default {DEFAULT_WORKERS}, as `crm-knowledge serve` on this machine)")
    p.add_argument("--full", action=argparse.BooleanOptionalAction, default=True,
                   help="also measure the full view, page + figure (most of the run's time; default on)")
    p.add_argument("--think", type=float, default=0.0,
                   help="mean seconds each of --users reads before the next page (exponential; default 0: none)")
    p.add_argument("--seed", type=int, default=18)
    p.add_argument("--profile", metavar="FILE", help="profile the server (pstats to FILE); the run is not recorded")
    args = p.parse_args(argv)
    if args.profile and args.workers != 1:
        p.error("--profile profiles one server process: pass --workers 1")
    lines = run(args)
    return record(lines) if lines else 0


if __name__ == "__main__":
    raise SystemExit(main())
