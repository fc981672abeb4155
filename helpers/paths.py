"""Project folders, following Cookiecutter Data Science's raw → interim → processed → reports flow.

``data/raw`` is immutable: nothing in this package writes there except the simulation's
own regeneration command, and nothing ever edits a raw file in place.
"""

from __future__ import annotations

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
    """Folder of one dataset's cleaned tables and its quarantine."""
    return PROCESSED / dataset


def ensure(path: Path) -> Path:
    """Create ``path`` (a folder) if needed and return it."""
    path.mkdir(parents=True, exist_ok=True)
    return path
