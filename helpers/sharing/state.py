"""What the sharing end's pages share: the knowledge base, the stores, the figure cache, who is signed in.

:class:`KnowledgeBase` (read-only DuckDB, reopened when notebook 07 rebuilt the file), :class:`FigureCache`,
:class:`LoginUser` (Flask-Login's view of an account), :func:`requires` (a role check on a view) and the
accessors of what :func:`helpers.sharing.create_app` set up.
"""

from __future__ import annotations

import functools
import os
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
from flask import abort, current_app, redirect, request
from flask_login import current_user, login_url

from .. import store
from ..engines import sql_str
from ..errors import DataError
from ..knowledge import SharingStore, use_memo
from .accounts import ROLES, Accounts, User

SECRET_ENV = "CRM_SECRET_KEY"
SIGN_IN_LIMITS = "5 per minute;30 per hour"
"""Failed sign-ins allowed per client address and, separately, per user name."""

CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                           "script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
                           "form-action 'self'")


class LoginUser:
    """Flask-Login's view of a :class:`~.accounts.User`."""

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, user: User):
        self.user = user
        self.name, self.role = user.name, user.role

    def get_id(self) -> str:
        return self.user.name

    def may(self, role: str) -> bool:
        return self.user.may(role)


KB_THREADS = 1
"""DuckDB threads per query of the sharing end. A page asks about ten small questions (one customer's rows);
the server answers several pages at once, one per server thread, and DuckDB runs a query without Python's
lock, so one thread per query keeps every core busy with whole requests instead of splitting a millisecond
query over all of them (measured by ``benchmarks/bench_sharing.py``)."""


def require_knowledge_base(dataset: str, path: Path | None = None) -> Path:
    """The knowledge base file of ``dataset`` (or ``path``), or :class:`~helpers.errors.DataError` saying how to build
    it. Opens nothing: ``crm-knowledge serve`` asks it before gunicorn forks its workers (DuckDB must not be
    opened in a process that forks: a child inherits its threads' locks)."""
    path = Path(path) if path is not None else store.knowledge_path(dataset)
    if not path.exists():
        raise DataError(f"the knowledge base of dataset {dataset!r} has not been built yet",
                        file=path, hint="run `make report` (notebook 07 builds it) with the same dataset")
    return path


class KnowledgeBase:
    """The dataset's knowledge base, read-only, reopened when notebook 07 rebuilt the file.

    :meth:`cursor` gives each request its own DuckDB cursor (a connection is not shared across threads), with
    the memo of the build it reads (:func:`helpers.knowledge.use_memo`: the schema, ``meta`` and the data's end
    are looked up once per build, not on every request).

    Each build is attached read-only (as ``kb``) to a database of its own in memory: DuckDB hands a file that
    is open in the process back as it was opened, so ``duckdb.connect(path)`` after a rebuild would go on
    serving the previous build for as long as a request held a cursor of it.
    """

    def __init__(self, dataset: str, path: Path | None = None):
        self.dataset = dataset
        self.path = Path(path) if path is not None else store.knowledge_path(dataset)
        self._lock = threading.Lock()
        self._con = None
        self._memo: dict = {}
        self._stamp: int | None = None
        self.stamp  # fails now, with the hint, when the knowledge base is missing

    @property
    def stamp(self) -> int:
        """The file's modification time (ns): changes when the knowledge base is rebuilt."""
        with self._lock:
            require_knowledge_base(self.dataset, self.path)
            stamp = self.path.stat().st_mtime_ns
            if stamp != self._stamp:
                con = duckdb.connect(":memory:")
                con.execute(f"SET threads = {KB_THREADS}")
                con.execute(f"ATTACH {sql_str(self.path.as_posix())} AS kb (READ_ONLY)")
                old, self._con, self._memo, self._stamp = self._con, con, {}, stamp
                if old is not None:
                    old.close()
            return stamp

    @contextmanager
    def cursor(self) -> Iterator[Any]:
        self.stamp
        with self._lock:
            cur, memo = self._con.cursor(), self._memo
        cur.execute("USE kb")
        use_memo(cur, memo)
        try:
            yield cur
        finally:
            use_memo(cur, None)
            cur.close()


class FigureCache:
    """Drawn figures (SVG bytes) by key, the most recently used ``size`` kept: a figure is drawn once per
    customer, language and build of the knowledge base."""

    def __init__(self, size: int = 512):
        self.size = size
        self._items: OrderedDict[tuple, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self.draw_lock = threading.Lock()  # matplotlib's pyplot is not thread-safe: one figure at a time

    def cached(self, key: tuple) -> bytes | None:
        """The figure drawn under ``key``, or ``None`` when it is not (or no longer) kept."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def get(self, key: tuple, make: Callable[[], bytes]) -> bytes:
        kept = self.cached(key)
        if kept is not None:
            return kept
        with self.draw_lock:
            value = make()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


def secret_key(users_file: Path) -> bytes:
    """``CRM_SECRET_KEY``, else a random key kept beside the users file (created once, readable by the owner
    only), so sessions survive a restart and never rest on a key in the code."""
    given = os.environ.get(SECRET_ENV, "").strip()
    if given:
        return given.encode()
    path = users_file.with_name(users_file.name + ".secret")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def crm() -> dict[str, Any]:
    """The application's knowledge base, stores and caches (set up by :func:`helpers.sharing.create_app`)."""
    return current_app.extensions["crm"]


def accounts() -> Accounts:
    return crm()["accounts"]


def sharing() -> SharingStore:
    return crm()["sharing"]


def requires(role: str) -> Callable:
    """A view for signed-in users whose role includes ``role`` (others: sign-in page, or 403)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")

    def wrap(view: Callable) -> Callable:
        @functools.wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return redirect(login_url("sign_in", request.full_path))
            if not current_user.may(role):
                abort(403)
            return view(*args, **kwargs)
        return checked
    return wrap
