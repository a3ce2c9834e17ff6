"""Shared test options, and a cache directory of the test run's own."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

# dectprov keeps a cache per root in the user's cache directory: the many roots of a test
# run (and the processes the tests start, which inherit this) use a folder of their own.
_CACHE_HOME = tempfile.mkdtemp(prefix="dectprov-test-cache-")
os.environ["XDG_CACHE_HOME"] = _CACHE_HOME


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_CACHE_HOME, ignore_errors=True)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="Rewrite tests/golden from the current compiler (then review the diff).")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(params=["cache", "no cache"])
def built_examples(request: pytest.FixtureRequest, tmp_path: Path,
                   monkeypatch: pytest.MonkeyPatch) -> Path:
    """A root holding the example sites, built, once with the cache and once without."""
    from helpers import copy_sites, run

    if request.param == "no cache":
        monkeypatch.setenv("DECTPROV_CACHE", "off")
    root = copy_sites(tmp_path / "root")
    assert run("build", "--root", str(root), "--now", "2026-11-27 12:00")[0] == 0
    return root


@pytest.fixture
def no_secrets_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No DECTPROV_SECRET_* variable of the machine running the tests reaches a test."""
    from compiler.secrets import ENVIRONMENT_PREFIX

    for name in list(os.environ):
        if name.startswith(ENVIRONMENT_PREFIX):
            monkeypatch.delenv(name)
