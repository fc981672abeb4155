"""Keyed pseudonyms for personal data (names, phone numbers, e-mail addresses).

Personal identifiers are replaced at acquisition (notebook 01) by
``HMAC-SHA256(key, kind + ":" + normalised value)``, base32-encoded and truncated to 13
characters (65 bits), prefixed with the kind, e.g. ``phone_k3fa2cd4bqe7x``. Base32 has no
digits 0, 1, 8 or 9, so a pseudonym can never be mistaken for a phone number by the leak check. The same person gets the same
pseudonym in every file of a run (so records can still be linked), but without the key
nobody can recompute or look the value up in a table of phone numbers, which an
unkeyed hash would allow (China's mobile numbers are only ~10^9 values).

The key comes from the environment variable ``CRM_PSEUDONYM_KEY`` or, failing that,
from the git-ignored file ``.pseudonym_key`` at the project root, which is created
with 256 random bits the first time it is needed. Keep it out of version control and
away from anyone who receives the reports.

Part of the bottom layer (``docs/architecture.md``): imports no analysis module. The patterns
of personal data live in :mod:`helpers.schema`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import unicodedata
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from .engines import sql_ident, sql_str
from .largelog import LARGE_ROWS, ParquetLog
from .paths import PROJECT_ROOT
from .schema import EMAIL_PATTERN, PERSONAL_KINDS, PHONE_PATTERN, PHONE_PATTERN_RE2

KEY_ENV = "CRM_PSEUDONYM_KEY"
KEY_FILE = PROJECT_ROOT / ".pseudonym_key"


def load_key(key_file: Path = KEY_FILE) -> bytes:
    """Return the pseudonymisation key (env var first, then key file, else create the file)."""
    env = os.environ.get(KEY_ENV)
    if env:
        return env.encode("utf-8")
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip().encode("utf-8")
    token = secrets.token_hex(32)
    key_file.write_text(token + "\n", encoding="utf-8")
    try:
        key_file.chmod(0o600)
    except OSError:  # pragma: no cover - e.g. on filesystems without modes
        pass
    return token.encode("utf-8")


def _normalise(value: str, kind: str) -> str:
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if kind == "email":
        return text.lower()
    if kind == "phone":
        digits = "".join(ch for ch in text if ch.isdigit())
        # +86 / 0086 country prefix on an 11-digit mobile number
        if len(digits) == 13 and digits.startswith("86"):
            digits = digits[2:]
        elif len(digits) == 15 and digits.startswith("0086"):
            digits = digits[4:]
        return digits
    return " ".join(text.split())


def pseudonym(value: object, kind: str, key: bytes) -> str | None:
    """Keyed pseudonym of one value; missing values stay missing.

    ``kind`` is one of ``name``, ``phone``, ``email`` and is part of the hashed text,
    so a name and an e-mail that happen to be equal still get different pseudonyms.
    """
    if kind not in PERSONAL_KINDS:
        raise ValueError(f"kind must be one of {PERSONAL_KINDS}, not {kind!r}")
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return None
    text = _normalise(value, kind)
    if not text:
        return None
    digest = hmac.new(key, f"{kind}:{text}".encode("utf-8"), hashlib.sha256).digest()
    # base32 (letters a–z and digits 2–7): 65 bits, and never a run that looks like a phone number
    return f"{kind}_{base64.b32encode(digest).decode('ascii')[:13].lower()}"


def pseudonymise(
    df: pd.DataFrame,
    columns: dict[str, str],
    key: bytes | None = None,
) -> pd.DataFrame:
    """Return a copy of ``df`` with personal columns replaced by keyed pseudonyms.

    Parameters
    ----------
    df
        Table holding personal data.
    columns
        ``{column name: kind}`` with kind ``name``, ``phone`` or ``email``.
    key
        The key; defaults to :func:`load_key`.
    """
    key = load_key() if key is None else key
    out = df.copy()
    for column, kind in columns.items():
        if column not in out.columns:
            continue
        values = out[column]
        uniques = pd.unique(values.dropna())
        mapping = {v: pseudonym(v, kind, key) for v in uniques}
        out[column] = values.map(mapping).astype("string")
    return out


def find_personal_data(*frames: pd.DataFrame | None) -> pd.DataFrame:
    """Count values that look like mainland mobile numbers or e-mail addresses, per column.

    A check to run on anything about to leave acquisition (tables, reports): it should be
    empty. Takes one or more tables (``None`` is skipped) and returns ``table, column, kind,
    values`` (``table`` is the argument's position) for columns with at least one hit.
    """
    rows = []
    for position, df in enumerate(frames):
        if df is None:
            continue
        if isinstance(df, ParquetLog):  # a large log: every text column of every line, scanned in SQL
            rows += personal_data_in_log(df).assign(table=position).to_dict("records")
            continue
        for column in df.columns:
            values = df[column]
            if not (pd.api.types.is_string_dtype(values) or values.dtype == object):
                continue
            text = values.dropna().astype(str)
            for kind, pattern in (("phone", PHONE_PATTERN), ("email", EMAIL_PATTERN)):
                hits = int(text.str.contains(pattern, regex=True).sum())
                if hits:
                    rows.append({"table": position, "column": column, "kind": kind, "values": hits})
    return pd.DataFrame(rows, columns=["table", "column", "kind", "values"])


def personal_data_in_log(log: ParquetLog) -> pd.DataFrame:
    """:func:`find_personal_data` over every text column of a whole large log, in SQL (DuckDB).

    RE2 (DuckDB's regex engine) has no look-arounds, so the phone pattern is
    :data:`helpers.schema.PHONE_PATTERN_RE2` (explicit non-digit boundaries); the e-mail pattern is
    used as is. Same columns as :func:`find_personal_data` (``table, column, kind, values``).
    """
    con = log.connect()
    try:
        types = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE log)").fetchall())
        text = [c for c, t in types.items() if t == "VARCHAR" and c != "source_file"]
        rows = []
        for c in tqdm(text, desc="personal-data scan (DuckDB)", unit="column", disable=log.rows < LARGE_ROWS):
            counts = con.execute(f"SELECT count_if(regexp_matches({sql_ident(c)}, {sql_str(PHONE_PATTERN_RE2)})), "
                                 f"count_if(regexp_matches({sql_ident(c)}, {sql_str(EMAIL_PATTERN)})) "
                                 f"FROM log").fetchone()
            rows += [{"table": 0, "column": c, "kind": k, "values": int(n)}
                     for k, n in zip(("phone", "email"), counts) if n]
    finally:
        con.close()
    return pd.DataFrame(rows, columns=["table", "column", "kind", "values"])
