"""Accounts of the sharing end: user names, roles and argon2 password hashes in one SQLite file.

The file is :func:`helpers.paths.users_file` (``CRM_USERS_FILE``, default ``data/processed/users.sqlite``,
git-ignored). Passwords are hashed by ``argon2-cffi`` (:class:`argon2.PasswordHasher`: Argon2id, a random
salt per hash, the library's current parameters; hashes made with older parameters are re-hashed at the
next sign-in). No account exists until someone adds one (``crm-knowledge add-user NAME --role ROLE``); there
is no default password.
"""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ..engines import SQLiteConnections
from ..i18n import tr
from ..store import read_time

ROLES: dict[str, str] = {
    "sales": "search customers, read profiles and segments, add notes",
    "analyst": "also the coded knowledge entries and table downloads",
    "admin": "also user management and the audit trail",
}
"""The roles, lowest first; each may do what the ones before it may."""

MIN_PASSWORD = 10
"""Shortest password accepted, in characters."""

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")

_HASHER = PasswordHasher()
_DUMMY_HASH = _HASHER.hash("a password nobody has")  # unknown names cost one verification too

_SCHEMA = """CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL, active INTEGER NOT NULL DEFAULT 1)"""


class AccountError(ValueError):
    """An account request that cannot be honoured (bad name, role or password), with the reason."""


@dataclass(frozen=True)
class User:
    """A signed-in member of staff (what the pages know of them: never the password hash)."""

    name: str
    role: str

    def may(self, role: str) -> bool:
        """Whether this user's role includes ``role`` (admin ⊃ analyst ⊃ sales)."""
        order = list(ROLES)
        return order.index(self.role) >= order.index(role)


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(tr("role must be one of {roles}, not {given}", roles=", ".join(ROLES), given=repr(role)))
    return role


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(tr("a password needs at least {n} characters", n=MIN_PASSWORD))
    if password.strip() != password or "\n" in password:
        raise AccountError(tr("a password must not start or end with a blank or hold a line break"))
    return password


class Accounts:
    """The users file (see the module docstring). Each change opens its own connection; :meth:`get`, asked on
    every request, uses the thread's open one (thread-safe either way)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._connections = SQLiteConnections(self.path)

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        con.execute(_SCHEMA)
        return con

    def count(self, active_only: bool = True) -> int:
        """How many (active) accounts exist; 0 when the file does not exist yet."""
        if not self.path.exists():
            return 0
        with closing(self._connect()) as con:
            sql = "SELECT count(*) FROM users" + (" WHERE active = 1" if active_only else "")
            return int(con.execute(sql).fetchone()[0])

    def add(self, name: str, password: str, role: str) -> User:
        """Add an account (name: 2–32 of ``a-z 0-9 . _ -``, starting with a letter or digit)."""
        name = name.strip()
        if not NAME_PATTERN.match(name):
            raise AccountError(tr("a user name has 2–32 characters: a-z, 0-9, '.', '_' or '-', starting with a "
                                  "letter or digit"))
        check_role(role)
        check_password(password)
        with closing(self._connect()) as con:
            try:
                con.execute("INSERT INTO users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)",
                            (name, role, _HASHER.hash(password), read_time()))
            except sqlite3.IntegrityError:
                raise AccountError(tr("user {name} exists already", name=repr(name))) from None
        return User(name, role)

    def set_role(self, name: str, role: str) -> None:
        check_role(role)
        self._update(name, "UPDATE users SET role = ? WHERE name = ?", (role, name))

    def set_active(self, name: str, active: bool) -> None:
        self._update(name, "UPDATE users SET active = ? WHERE name = ?", (int(active), name))

    def set_password(self, name: str, password: str) -> None:
        check_password(password)
        self._update(name, "UPDATE users SET password_hash = ? WHERE name = ?", (_HASHER.hash(password), name))

    def _update(self, name: str, sql: str, values: tuple) -> None:
        with closing(self._connect()) as con:
            if con.execute(sql, values).rowcount != 1:
                raise AccountError(tr("no user {name}", name=repr(name)))

    def get(self, name: str) -> User | None:
        """The active user of that name, or ``None`` (asked on every request: through this thread's open
        connection, :class:`helpers.engines.SQLiteConnections`)."""
        if not self.path.exists():
            return None
        row = self._connections.get().execute("SELECT name, role FROM users WHERE name = ? AND active = 1",
                                              (name,)).fetchone()
        return User(*row) if row else None

    def verify(self, name: str, password: str) -> User | None:
        """The user when ``name`` and ``password`` match an active account, else ``None`` (the same answer, and
        one argon2 verification either way, whether the name exists or not: no user enumeration)."""
        with closing(self._connect()) as con:
            row = con.execute("SELECT name, role, password_hash FROM users WHERE name = ? AND active = 1",
                              (str(name).strip(),)).fetchone()
        stored = row[2] if row else _DUMMY_HASH
        try:
            _HASHER.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if row is None:
            return None
        if _HASHER.check_needs_rehash(stored):
            self.set_password(row[0], password)
        return User(row[0], row[1])

    def table(self) -> pd.DataFrame:
        """Every account: ``name, role, created_at, active`` (no hashes)."""
        with closing(self._connect()) as con:
            rows = con.execute("SELECT name, role, created_at, active FROM users ORDER BY name").fetchall()
        return pd.DataFrame(rows, columns=["name", "role", "created_at", "active"]).astype({"active": bool})
