"""A real server for the sharing end's tests and benchmark: the application under waitress on a free local port,
in a thread, with one account per role; and a signed-in ``requests`` session per account."""

from __future__ import annotations

import itertools
import os
import re
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import requests
import waitress
from flask import Flask

from helpers.sharing import Accounts, create_app
from helpers.sharing.ratelimit import storage_uri

PASSWORDS = {"sales": "sales-pass-0001", "analyst": "analyst-pass-0001", "admin": "admin-pass-0001"}
"""One account per role, named after it (test-only passwords, never defaults of the application)."""

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = _TOKEN.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


@dataclass
class LiveServer:
    """The sharing end served by waitress on 127.0.0.1 (a free port) in a background thread."""

    app: Flask
    threads: int = 8
    url: str = ""
    _server: object = field(default=None, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    def start(self) -> LiveServer:
        self._server = waitress.create_server(self.app, host="127.0.0.1", port=0, threads=self.threads,
                                              ident="crm-knowledge-test")
        self.url = f"http://127.0.0.1:{self._server.effective_port}"
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def sign_in(self, name: str, password: str | None = None) -> requests.Session:
        """A session signed in as ``name`` (password: :data:`PASSWORDS` of the role named ``name``)."""
        s = requests.Session()
        page = s.get(f"{self.url}/sign-in", timeout=30)
        r = s.post(f"{self.url}/sign-in", data={"name": name, "password": password or PASSWORDS[name],
                                                "csrf_token": csrf_token(page.text)}, timeout=30)
        assert r.status_code == 200 and r.url.endswith("/customers"), (r.status_code, r.url)
        return s


_APPS = itertools.count()


def sharing_app(dataset: str, users_file: Path, rate_limit: bool = True, own_limits: bool = True, **kwargs) -> Flask:
    """The application of ``dataset`` (knowledge base and sharing file at their default paths: set
    ``paths.PROCESSED`` and ``CRM_PROCESSED_DIR`` first) with one account per role (:data:`PASSWORDS`).
    ``own_limits``: the sign-in counters in a file of this application's own (a test's attempts do not count
    against the next test's), else in the one beside the users file that every process serving it shares."""
    users = Accounts(users_file)
    for role, password in PASSWORDS.items():
        if users.get(role) is None:
            users.add(role, password, role)
    config = {"RATELIMIT_ENABLED": rate_limit}
    if own_limits:
        config["RATELIMIT_STORAGE_URI"] = storage_uri(users_file.with_name(f"limits-{os.getpid()}-{next(_APPS)}.sqlite"))
    return create_app(dataset, users_file, config=config, **kwargs)


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_serve(users_file: Path, processed: Path, dataset: str, port: int, workers: int,
                threads: int, cwd: Path | None = None) -> subprocess.Popen:
    """``crm-knowledge serve`` (the real command line: gunicorn) in a child process on ``port``, reading the
    knowledge base under ``processed``; its output (the line printed once it listens) on ``stdout``."""
    return subprocess.Popen(
        [sys.executable, "-c", "import sys; from helpers.sharing import main; sys.exit(main())",
         "--users-file", str(users_file), "serve", "--dataset", dataset, "--port", str(port), "--workers",
         str(workers), "--threads", str(threads)], cwd=cwd, env={**os.environ, "CRM_PROCESSED_DIR": str(processed)},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (gunicorn's master and workers), from Linux ``/proc``."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            todo += [int(c) for t in Path(f"/proc/{p}/task").iterdir() for c in (t / "children").read_text().split()]
        except OSError:
            pass
    return out
