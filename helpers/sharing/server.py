"""Serving the sharing end: gunicorn worker processes on POSIX, waitress elsewhere.

A profile page is mostly Python (pandas, the table formatter, templates), which one process runs on one core at a
time however many threads it has. So :func:`serve` runs ``workers`` processes (default: one per core), each with
``threads`` threads, under **gunicorn** (pre-fork, the ``gthread`` worker; each worker builds its own application
after the fork, with its own DuckDB and SQLite connections). What the workers share lives in files: the knowledge
base (read-only), notes and audit trail (SQLite, WAL), the accounts, the session key and the sign-in counters
(:mod:`.ratelimit`). gunicorn does not run on Windows; there :func:`serve` runs one waitress process with threads.

Connections are closed after each response (gunicorn ``keepalive = 0``). With keep-alive, a browser's connection
stays with the worker that accepted it, so the users split unevenly between the processes (with 20 users and 2
workers, 13 on one and 7 on the other about one run in four), and the users of the busier process waited up to
half as long again as the others (``benchmarks/bench_sharing.py`` reports the users' mean latencies). A new
connection per request goes to whichever worker accepts it first, which evens the load out for the price of a
TCP handshake (well under a millisecond on the machine or the office network).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

import waitress
from flask import Flask

DEFAULT_WORKERS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
"""Worker processes by default: the cores this process may run on."""

DEFAULT_THREADS = 4
"""Threads per worker process by default. A page holds Python's lock for most of its ~18 ms of CPU, so more
threads per process add switching rather than throughput (``benchmarks/bench_sharing.py --threads``)."""


KEEPALIVE_SECONDS = 0
"""gunicorn's ``keepalive``: 0 closes each connection after its response (see the module docstring)."""


def serve(factory: Callable[[], Flask], host: str, port: int, workers: int = DEFAULT_WORKERS, threads: int = DEFAULT_THREADS,
          ready: Callable[[], Any] | None = None) -> None:
    """Serve the application ``factory()`` builds on ``host:port`` until stopped (Ctrl-C or SIGTERM).

    ``workers`` processes of ``threads`` threads each (gunicorn; waitress with one process on Windows). ``ready``
    is called once the server listens."""
    if workers < 1 or threads < 1:
        raise ValueError(f"workers and threads must be at least 1, not {workers} and {threads}")
    if sys.platform == "win32":  # pragma: no cover - gunicorn is POSIX-only
        app = factory()
        server = waitress.create_server(app, host=host, port=port, threads=threads, ident="crm-knowledge")
        if ready is not None:
            ready()
        server.run()
        return
    from gunicorn.app.base import BaseApplication  # POSIX-only third-party import, not a helpers import

    class Gunicorn(BaseApplication):
        def load_config(self) -> None:
            settings = {"bind": f"{host}:{port}", "workers": workers, "threads": threads, "worker_class": "gthread",
                        "keepalive": KEEPALIVE_SECONDS,
                        "preload_app": False, "timeout": 120, "graceful_timeout": 10, "accesslog": None,
                        "errorlog": "-", "loglevel": "warning", "proc_name": "crm-knowledge"}
            if ready is not None:
                settings["when_ready"] = lambda _arbiter: ready()
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self) -> Flask:
            return factory()

    Gunicorn().run()
