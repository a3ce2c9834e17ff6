"""`make lint` runs ruff with the rules pyproject.toml names, and the code passes them."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from helpers import REPO


def test_make_lint_runs_ruff() -> None:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    dry = subprocess.run(["make", "-n", "-W", "pyproject.toml", "lint"], cwd=REPO,
                         capture_output=True, text=True, check=False)
    assert "ruff check compiler tests bench" in dry.stdout


def test_the_code_passes_the_linter() -> None:
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "compiler", "tests",
                             "bench"], cwd=REPO, capture_output=True, text=True, check=False)
    assert (result.returncode, result.stdout) == (0, "All checks passed!\n")
