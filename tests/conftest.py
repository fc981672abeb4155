"""Fixtures shared by several test files."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from helpers.i18n import STRICT_ENV_VAR
from helpers.paths import PROJECT_ROOT


@pytest.fixture(scope="session")
def zh_reports(tmp_path_factory):
    """The seven numbered reports built once in Chinese (``python -m helpers.report --lang zh``) in strict mode (a
    missing translation fails the notebook), for ``test_zh_reports.py`` and ``test_i18n.py``: ``(folder, stderr)``."""
    out = tmp_path_factory.mktemp("zh_reports")
    env = os.environ | {
        "PYTHONPATH": os.pathsep.join(p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")) if p),
        "CRM_REPORTS_DIR": str(out), "CRM_INTERIM_DIR": str(out / "interim"),
        "CRM_PROCESSED_DIR": str(out / "processed"), STRICT_ENV_VAR: "1",
    }
    done = subprocess.run([sys.executable, "-m", "helpers.report", "--lang", "zh", "--out", str(out)],
                          cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out, done.stderr
