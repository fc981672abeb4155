"""A real server for the sharing end's tests and benchmark: the application under waitress on a free local port,
in a thread, with one account per role; and a signed-in ``requests`` session per account."""

from __future__ import annotations

import itertools
import os
import re
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
