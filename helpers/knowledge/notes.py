"""What staff share back (共享/运用): notes and codes on customers, and the audit trail of the sharing end.

The knowledge base has two files per dataset. ``knowledge.duckdb`` is *built* from notebooks 01–06 and
rebuilt by notebook 07 whenever they change; ``sharing.sqlite`` (:func:`helpers.store.sharing_path`) holds
what people *add*: a note or a code from the code scheme (:data:`~.coding.CODE_SCHEME`) on a customer, with
author, role and time, and the append-only audit trail (who viewed or wrote what, when). Written knowledge
must survive every rebuild, so it never lives in the built file. The knowledge report reads the notes
(:func:`helpers.knowledge.customer_report`), so a note is part of the next report.

Why SQLite (the standard library's ``sqlite3``) and not the DuckDB file: DuckDB lets one process write a
file and then no other process open it, while the sharing end writes while ``make report`` reads. SQLite in
WAL mode lets any number of processes read while one writes, and queues concurrent writers (``BEGIN
IMMEDIATE`` with a busy timeout), so 20 people saving at once all get their note stored
(``benchmarks/bench_sharing.py`` counts them). Every statement is parameterised.

Connections: each thread keeps one open connection per file (:class:`helpers.engines.SQLiteConnections`), because
opening and closing one per call costs more than the statement (closing the last connection of a WAL file
checkpoints it).
"""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from .. import store
from ..engines import SQLiteConnections
from ..i18n import tr
from ..schema import EMAIL_PATTERN, PHONE_PATTERN
from .coding import CODE_SCHEME

NOTE_MAX_CHARS = 1000
"""Longest note, in characters (a note is a remark for colleagues, not a document)."""

AUDIT_ACTIONS: dict[str, str] = {
    "sign_in": "signed in", "sign_in_refused": "sign-in refused (wrong name or password)", "sign_out": "signed out",
    "view_profile": "viewed a customer profile", "add_note": "added a note or code to a customer",
    "note_refused": "a note was refused (invalid input)", "download_pdf": "downloaded a customer's PDF report",
    "view_segment": "viewed a segment", "view_entries": "viewed the coded knowledge entries",
    "download_table": "downloaded a table", "add_user": "added a user", "set_role": "changed a user's role",
    "disable_user": "disabled a user", "view_audit": "viewed the audit trail",
}
"""Every action the audit trail records, with what it means."""

READ_ACTIONS = frozenset({"view_profile", "view_segment", "view_entries", "view_audit", "download_pdf",
                          "download_table"})
"""Audit actions that record a reading, not a change: committed without waiting for the disk
(:meth:`SharingStore.log`); the events of writes, sign-ins and account changes wait for it."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS staff_notes (
    note_id     INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id TEXT NOT NULL,
    created_at  TEXT NOT NULL,     -- UTC, ISO 8601
    author      TEXT NOT NULL,
    role        TEXT NOT NULL,
    code        TEXT,              -- a code of the code scheme, or NULL
    text        TEXT NOT NULL      -- may be '' when a code is given
);
CREATE INDEX IF NOT EXISTS staff_notes_customer ON staff_notes (customer_id);
CREATE TABLE IF NOT EXISTS audit (
    event_id    INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,     -- UTC, ISO 8601
    user        TEXT,
    role        TEXT,
    action      TEXT NOT NULL,
    customer_id TEXT,
    detail      TEXT NOT NULL DEFAULT ''
);
CREATE TRIGGER IF NOT EXISTS audit_append_only_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_append_only_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
"""

NOTE_COLUMNS = ["note_id", "customer_id", "created_at", "author", "role", "code", "text"]
AUDIT_COLUMNS = ["event_id", "at", "user", "role", "action", "customer_id", "detail"]
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class InvalidNote(ValueError):
    """A note the sharing end refuses, with the reason (shown to the writer as is)."""


def now() -> str:
    """The current time, UTC, ISO 8601 to the microsecond (the order of notes and audit events)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def validate_note(text: str | None, code: str | None) -> tuple[str, str | None]:
    """The note's text and code as stored, or :class:`InvalidNote` saying what is wrong.

    Rules: text at most :data:`NOTE_MAX_CHARS` characters (blanks at the ends dropped), no control
    characters; the code, when given, one of the code scheme's; at least one of the two; and no phone
    number or e-mail address (the knowledge base holds pseudonyms only, ``schema.PHONE_PATTERN`` and
    ``EMAIL_PATTERN``). Markup is stored as typed and shown as text (every page escapes it).
    """
    text = (text or "").strip()
    code = (code or "").strip() or None
    if code is not None and code not in CODE_SCHEME:
        raise InvalidNote(tr("code {code} is not in the code scheme (e.g. C-03, S-01)", code=repr(code[:20])))
    if not text and code is None:
        raise InvalidNote(tr("write a note or choose a code"))
    if len(text) > NOTE_MAX_CHARS:
        raise InvalidNote(tr("a note has at most {limit:,} characters; this one has {n:,}", limit=NOTE_MAX_CHARS,
                             n=len(text)))
    if _CONTROL.search(text):
        raise InvalidNote(tr("the note holds control characters"))
    if re.search(PHONE_PATTERN, text) or re.search(EMAIL_PATTERN, text):
        raise InvalidNote(tr("a note must not hold a phone number or e-mail address: the knowledge base keeps "
                             "pseudonyms only"))
    return text, code


class SharingStore:
    """The sharing file of one dataset: staff notes and the audit trail (see the module docstring).

    Each thread uses its own connection (:class:`helpers.engines.SQLiteConnections`), so one store serves many threads and processes.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._connections = SQLiteConnections(self.path)

    @classmethod
    def of(cls, dataset: str) -> SharingStore:
        """The store at :func:`helpers.store.sharing_path` of ``dataset``."""
        return cls(store.sharing_path(dataset))

    def create(self) -> SharingStore:
        """Create the file and its tables if missing (WAL mode: readers never wait for a writer)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=60, isolation_level=None)) as con:
            con.execute("PRAGMA busy_timeout = 60000")
            con.execute("PRAGMA journal_mode = WAL")
            con.executescript(_SCHEMA)
        return self

    def _insert(self, sql: str, values: tuple, synced: bool = True) -> int:
        """Insert one row, one statement in its own transaction (autocommit); ``synced``: the commit waits until
        the row is on disk (``synchronous = FULL``). Unsynced commits (``NORMAL``, for page views) survive a crash
        of the application, and are on disk with the next synced commit or checkpoint; a power cut may lose the
        last ones (SQLite's documented WAL trade-off), never corrupt the file.

        The write lock is held for one statement (plus the ``synchronous`` pragma when this connection's mode
        changes): each SQLite call lets go of Python's lock, and a thread coming back for it waits while another
        thread of its process runs Python, so every extra call under the lock kept the other process's writers
        waiting too."""
        con = self._connections.get()
        mode = "FULL" if synced else "NORMAL"
        with self._connections.writing():  # writers queue on a lock, not in SQLite's busy handler (which sleeps)
            if self._connections.setting(con, "synchronous") != mode:
                con.execute(f"PRAGMA synchronous = {mode}")
                self._connections.remember(con, "synchronous", mode)
            cur = con.execute(sql, values)
        return int(cur.lastrowid)

    def add_note(self, customer_id: str, author: str, role: str, text: str | None = "", code: str | None = None) -> int:
        """Store a note and/or code on a customer (checked by :func:`validate_note`); returns its ``note_id``."""
        text, code = validate_note(text, code)
        return self._insert("INSERT INTO staff_notes (customer_id, created_at, author, role, code, text) "
                            "VALUES (?, ?, ?, ?, ?, ?)", (str(customer_id), now(), author, role, code, text))

    def log(self, action: str, user: str | None = None, role: str | None = None, customer_id: str | None = None,
            detail: str = "") -> int:
        """Append one event to the audit trail (``action`` one of :data:`AUDIT_ACTIONS`)."""
        if action not in AUDIT_ACTIONS:
            raise ValueError(f"unknown audit action {action!r}; one of {', '.join(AUDIT_ACTIONS)}")
        return self._insert("INSERT INTO audit (at, user, role, action, customer_id, detail) VALUES (?, ?, ?, ?, ?, ?)",
                            (now(), user, role, action, None if customer_id is None else str(customer_id),
                             str(detail)[:500]), synced=action not in READ_ACTIONS)

    def _frame(self, sql: str, params: tuple, columns: list[str]) -> pd.DataFrame:
        if not self.path.exists():
            return pd.DataFrame(columns=columns)
        rows = self._connections.get().execute(sql, params).fetchall()
        return pd.DataFrame(rows, columns=columns)

    def notes(self, customer_id: str | None = None) -> pd.DataFrame:
        """Notes, oldest first: one customer's, or all (``None``). Columns :data:`NOTE_COLUMNS`."""
        where, params = ("WHERE customer_id = ?", (str(customer_id),)) if customer_id is not None else ("", ())
        return self._frame(f"SELECT {', '.join(NOTE_COLUMNS)} FROM staff_notes {where} ORDER BY note_id", params,
                           NOTE_COLUMNS)

    def audit(self, limit: int = 100, offset: int = 0, user: str | None = None,
              action: str | None = None) -> tuple[pd.DataFrame, int]:
        """Audit events, newest first (a page of ``limit`` from ``offset``), and how many match in all."""
        clauses, params = [], []
        if user:
            clauses.append("user = ?")
            params.append(user)
        if action:
            clauses.append("action = ?")
            params.append(action)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        page = self._frame(f"SELECT {', '.join(AUDIT_COLUMNS)} FROM audit {where} ORDER BY event_id DESC "
                           "LIMIT ? OFFSET ?", (*params, int(limit), int(offset)), AUDIT_COLUMNS)
        total = self._frame(f"SELECT count(*) FROM audit {where}", tuple(params), ["n"])
        return page, int(total["n"].iloc[0]) if len(total) else 0


def customer_notes(dataset: str, customer_id: str) -> pd.DataFrame:
    """One customer's staff notes in ``dataset``'s sharing file, oldest first (empty when there is none)."""
    return SharingStore.of(dataset).notes(customer_id)
