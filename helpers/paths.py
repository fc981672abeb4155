"""Project folders, user paths and file hashes, following Cookiecutter Data Science's
raw → interim → processed → reports flow.

``data/raw`` is immutable: nothing in this package writes there except the simulation's
own regeneration command, and nothing ever edits a raw file in place. The generated folders
follow ``CRM_INTERIM_DIR``, ``CRM_PROCESSED_DIR`` and ``CRM_REPORTS_DIR`` when set (the report
command and the tests run in folders of their own).

Part of the bottom layer (``docs/architecture.md``): imports no other module of the package.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

PROJECT_ROOT: Path = Path(__file__).resolve().parents[1]
NOTEBOOKS: Path = PROJECT_ROOT / "notebooks"
DATA: Path = PROJECT_ROOT / "data"
RAW: Path = DATA / "raw"
INTERIM: Path = Path(os.environ.get("CRM_INTERIM_DIR", DATA / "interim"))
PROCESSED: Path = Path(os.environ.get("CRM_PROCESSED_DIR", DATA / "processed"))
REPORTS: Path = Path(os.environ.get("CRM_REPORTS_DIR", PROJECT_ROOT / "reports"))
FIGURES: Path = REPORTS / "figures"
TABLES: Path = REPORTS / "tables"


def interim_dir(dataset: str) -> Path:
    """Folder of one dataset's acquired (pseudonymised, not yet cleaned) tables."""
    return INTERIM / dataset


def processed_dir(dataset: str) -> Path:
    """Folder of one dataset's cleaned tables, its quarantine and what later notebooks hand on."""
    return PROCESSED / dataset


def reports_dir() -> Path:
    """The current reports folder (``CRM_REPORTS_DIR``, read at call time, or ``reports/``)."""
    return Path(os.environ.get("CRM_REPORTS_DIR", REPORTS))


USERS_ENV = "CRM_USERS_FILE"


def users_file() -> Path:
    """The sharing end's accounts (``CRM_USERS_FILE``, read at call time, or ``data/processed/users.sqlite``;
    git-ignored like everything under ``data/processed``)."""
    given = os.environ.get(USERS_ENV, "").strip()
    return Path(given) if given else PROCESSED / "users.sqlite"


def ensure(path: Path) -> Path:
    """Create ``path`` (a folder) if needed and return it."""
    path.mkdir(parents=True, exist_ok=True)
    return path


def resolve_user_path(path: str | Path) -> Path:
    """A user's path as given if it exists, else relative to the project root if that exists.

    Notebooks run with ``notebooks/`` as their working folder, while users think of paths from
    the project root (``data/raw/my_orders.csv``): both work.
    """
    path = Path(path).expanduser()
    if path.exists() or path.is_absolute():
        return path
    from_root = PROJECT_ROOT / path
    return from_root if from_root.exists() else path


def display_path(path: str | Path) -> str:
    """Path relative to the project root when inside it (reports then show no home folders)."""
    resolved = Path(path).resolve()
    try:
        return resolved.relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return str(path)


#: File formats by file-name ending: the one place that tells a CSV from an Excel workbook, a Parquet
#: file or folder and an SPSS file (acquisition, the CLV summary's SQL source and survey exports ask here).
FILE_FORMATS: dict[str, tuple[str, ...]] = {
    "csv": (".csv", ".txt", ".tsv"),
    "excel": (".xlsx", ".xlsm", ".xls"),
    "parquet": (".parquet", ".pq"),
    "spss": (".sav",),
}


#: Formats whose files may come gzip-compressed (``orders.csv.gz``): the ending before ``.gz`` says the format.
GZIP_FORMATS = ("csv",)


def file_format(path: str | Path) -> str | None:
    """``"csv"``, ``"excel"``, ``"parquet"`` or ``"spss"`` by the file's ending (:data:`FILE_FORMATS`), ``"parquet"``
    for a folder holding Parquet files (a hive-partitioned dataset), ``None`` for anything else. A ``.gz`` file
    is the format of the ending before it when that format may be compressed (:data:`GZIP_FORMATS`:
    ``orders.csv.gz`` is ``"csv"``)."""
    path = Path(path)
    if path.is_dir():
        return "parquet" if any(path.rglob("*.parquet")) else None
    suffix = path.suffix.lower()
    if suffix == ".gz":
        inner = Path(path.stem).suffix.lower()
        return next((name for name in GZIP_FORMATS if inner in FILE_FORMATS[name]), None)
    return next((name for name, endings in FILE_FORMATS.items() if suffix in endings), None)


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, or of every file of a folder in sorted order (hex digest)."""
    digest = hashlib.sha256()
    path = Path(path)
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        with open(file, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()
