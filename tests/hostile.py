"""What the two hostile corpora (``tests/data/hostile/transactions`` and ``tests/data/hostile/survey``) share:
the digest that proves a raw file was not modified, and the files too big or too odd to commit, made in a
temporary folder by the test that reads them."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def sha(path: Path) -> str | None:
    """SHA-256 of a file, or of a folder's files in order; ``None`` for a link that cannot be followed."""
    if path.is_symlink() and not path.exists():
        return None
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.name.encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def generate(kind: str, folder: Path, name: str, header: bytes) -> Path:
    """The file ``name`` in ``folder`` for ``kind``: ``symlink_loop`` (a link to itself), ``long_line`` (``header``,
    then a 20 MB line with quotes and commas and no line break) or ``folder_without_data`` (a folder holding a
    text note only)."""
    path = folder / name
    if kind == "symlink_loop":
        os.symlink(path, path)
    elif kind == "long_line":
        path.write_bytes(header + b"\n" + b'1,"a ""b"", ' * (20 * (1 << 20) // 12))
    elif kind == "folder_without_data":
        path.mkdir()
        (path / "notes.txt").write_text("exported by hand; the orders are still to come\n", encoding="utf-8")
    else:  # pragma: no cover - a typo in cases.yml
        raise ValueError(kind)
    return path
