"""The sign-in rate limit's counters in a SQLite file, so that every server process counts the same attempts.

Flask-Limiter keeps its counters in a storage of the ``limits`` library. Its memory storage is per process: with
two worker processes (``crm-knowledge serve --workers 2``) an attacker would get twice the attempts, half in
each. ``limits`` ships storages for Redis, Memcached and MongoDB, each a server to install and run beside a small
application; none for a file. :class:`SQLiteLimitStorage` is the fixed-window counter (the strategy the sharing
end uses) in a SQLite file next to the users file: one row per key with its count and the time its window ends,
incremented inside ``BEGIN IMMEDIATE`` so that concurrent processes never lose an attempt. It registers the
URI scheme ``crm-sqlite://`` (``crm-sqlite:///abs/path/limits.sqlite``) with ``limits``.
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from pathlib import Path

from limits.storage import Storage

from ..engines import SQLiteConnections

SCHEME = "crm-sqlite"

_SCHEMA = """CREATE TABLE IF NOT EXISTS counters (
    key TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    window_end REAL NOT NULL      -- UNIX seconds: the counter is void from then on
)"""


def storage_uri(path: str | Path) -> str:
    """The Flask-Limiter ``storage_uri`` of the counters file ``path``."""
    return f"{SCHEME}://{Path(path).resolve().as_posix()}"


class SQLiteLimitStorage(Storage):
    """Fixed-window rate-limit counters in a SQLite file (see the module docstring)."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        path = Path((uri or "").split("://", 1)[1])
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(path, timeout=60, isolation_level=None)) as con:
            con.execute("PRAGMA journal_mode = WAL")
            con.execute(_SCHEMA)
        self.path = path
        self._connections = SQLiteConnections(path)
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        """Add ``amount`` to the key's count, opening a new window of ``expiry`` seconds when the last one ended."""
        now = time.time()
        with self._connections.transaction() as con:  # writers queue as the notes' do (helpers.engines.SQLiteConnections)
            con.execute("DELETE FROM counters WHERE key = ? AND window_end <= ?", (key, now))
            con.execute("INSERT INTO counters (key, count, window_end) VALUES (?, ?, ?) "
                        "ON CONFLICT (key) DO UPDATE SET count = count + excluded.count", (key, amount, now + expiry))
            count = con.execute("SELECT count FROM counters WHERE key = ?", (key,)).fetchone()[0]
        return int(count)

    def get(self, key: str) -> int:
        row = self._connections.get().execute("SELECT count FROM counters WHERE key = ? AND window_end > ?",
                                              (key, time.time())).fetchone()
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._connections.get().execute("SELECT window_end FROM counters WHERE key = ? AND window_end > ?",
                                              (key, time.time())).fetchone()
        return float(row[0]) if row else time.time()

    def check(self) -> bool:
        try:
            self._connections.get().execute("SELECT 1 FROM counters LIMIT 1")
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        with self._connections.transaction() as con:
            n = con.execute("SELECT count(*) FROM counters").fetchone()[0]
            con.execute("DELETE FROM counters")
        return int(n)

    def clear(self, key: str) -> None:
        with self._connections.writing():
            self._connections.get().execute("DELETE FROM counters WHERE key = ?", (key,))
