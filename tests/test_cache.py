"""The cache never changes an answer: a generated fleet built with the cache cold, warm,
and off, in one process or in several, gives the same bytes; and an edit to any input the
cache keys on is seen."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from helpers import REPO, copy_sites, tree

from compiler.cache import directory_of
from compiler.cli import CACHE_ENVIRONMENT, EXIT_INVALID, EXIT_OK, main

NOW, LATER = "2026-11-26 12:00", "2026-11-27 12:00"


def _bench() -> object:
    spec = importlib.util.spec_from_file_location("bench", REPO / "bench" / "bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def fleet(tmp_path: Path) -> Path:
    root = tmp_path / "fleet"
    _bench().generate(root, 12, 20)  # type: ignore[attr-defined]
    return root


def _build(root: Path, *args: str, cache: bool = True, now: str = NOW) -> int:
    environment = dict(os.environ)
    if not cache:
        environment[CACHE_ENVIRONMENT] = "off"
    return subprocess.run([sys.executable, "-m", "compiler", "build", "--root", str(root),
                           "--now", now, *args], cwd=REPO, env=environment,
                          capture_output=True, check=False).returncode


def _edit(root: Path, site: str, old: str, new: str) -> None:
    path = root / "sites" / f"{site}.yaml"
    path.write_text(path.read_text().replace(old, new, 1))


def test_cold_warm_and_off_give_the_same_bytes(fleet: Path, tmp_path: Path) -> None:
    off = tmp_path / "off"
    shutil.copytree(fleet, off)
    assert _build(off, cache=False) == EXIT_OK
    assert _build(fleet) == EXIT_OK  # cold
    assert directory_of(fleet).is_dir() and not directory_of(off).exists()
    assert not [path for path in fleet.rglob("*") if "cache" in path.name]  # not in the tree
    assert tree(fleet / "build") == tree(off / "build")
    assert _build(fleet) == EXIT_OK  # warm: nothing to do
    assert tree(fleet / "build") == tree(off / "build")
    for root in (fleet, off):
        _edit(root, "site-00003", "profile_name: Customer 3", "profile_name: Customer three")
        _edit(root, "site-00007", 'login: "1004"', 'login: "2004"')
        assert _build(root, now=LATER, cache=root is fleet) == EXIT_OK
    assert tree(fleet / "build") == tree(off / "build")


def test_in_process_and_across_processes_agree(fleet: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "other"
    shutil.copytree(fleet, other)
    assert main(["build", "--root", str(fleet), "--now", NOW]) == EXIT_OK
    assert main(["build", "--root", str(fleet), "--now", NOW]) == EXIT_OK
    capsys.readouterr()
    assert _build(other) == EXIT_OK
    assert tree(fleet / "build") == tree(other / "build")


def test_an_edited_build_file_is_seen_though_the_site_is_cached(fleet: Path) -> None:
    assert _build(fleet) == EXIT_OK
    assert _build(fleet) == EXIT_OK
    xml = next((fleet / "build" / "site-00002").glob("*.xml"))
    xml.write_bytes(xml.read_bytes().replace(b"Customer 2", b"Customer X"))
    check = subprocess.run([sys.executable, "-m", "compiler", "check", "--root", str(fleet)],
                           cwd=REPO, capture_output=True, text=True, check=False)
    assert check.returncode == EXIT_INVALID
    assert "build/site-00002/" in check.stderr and "edited by hand" in check.stderr


def test_a_state_restored_from_git_is_planned_again(fleet: Path) -> None:
    assert _build(fleet) == EXIT_OK
    state = fleet / "build" / "site-00001" / "state.json"
    before = state.read_bytes()
    _edit(fleet, "site-00001", "profile_name: Customer 1", "profile_name: Customer one")
    assert _build(fleet, now=LATER) == EXIT_OK
    assert state.read_bytes() != before
    state.write_bytes(before)  # as `git checkout -- build/site-00001/state.json` would
    _edit(fleet, "site-00001", "profile_name: Customer one", "profile_name: Customer 1")
    check = subprocess.run([sys.executable, "-m", "compiler", "check", "--root", str(fleet)],
                           cwd=REPO, capture_output=True, text=True, check=False)
    assert check.returncode == EXIT_INVALID  # the XML is still the edited one


def test_a_new_site_claiming_a_cached_sites_ipui_is_refused(fleet: Path) -> None:
    assert _build(fleet) == EXIT_OK
    assert _build(fleet) == EXIT_OK
    source = (fleet / "sites" / "site-00000.yaml").read_text()
    copy = source.replace("site: site-00000", "site: site-99999").replace(
        "7C:2F:00:00:00", "7C:2F:99:99:99")
    (fleet / "sites" / "site-99999.yaml").write_text(copy)
    result = subprocess.run([sys.executable, "-m", "compiler", "validate", "--root",
                             str(fleet)], cwd=REPO, capture_output=True, text=True,
                            check=False)
    assert result.returncode == EXIT_INVALID
    assert "[ipui-duplicate-site]" in result.stderr
    assert "sites/site-00000.yaml" in result.stderr and "sites/site-99999.yaml" in result.stderr


def test_a_damaged_cache_is_an_empty_one(fleet: Path) -> None:
    assert _build(fleet) == EXIT_OK
    (directory_of(fleet) / "index.pickle").write_bytes(b"not a pickle")
    before = tree(fleet / "build")
    assert _build(fleet) == EXIT_OK
    assert tree(fleet / "build") == before


def test_a_cache_this_machine_did_not_sign_is_never_loaded(fleet: Path, tmp_path: Path) -> None:
    """A pull request could commit .dectprov-cache/: unpickling it would run its code."""
    import pickle

    assert _build(fleet) == EXIT_OK
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.system, (f"touch {marker}",))

    planted = pickle.dumps(Exploit())
    (directory_of(fleet) / "index.pickle").write_bytes(b"\0" * 32 + planted)
    before = tree(fleet / "build")
    assert _build(fleet) == EXIT_OK
    assert not marker.exists()
    assert tree(fleet / "build") == before


def test_checking_in_worker_processes_gives_the_bytes_of_one_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from compiler import app

    sites = app.PARALLEL_FROM + 6  # enough for the workers (on a machine with 2 cores)
    parallel, sequential = tmp_path / "parallel", tmp_path / "sequential"
    _bench().generate(parallel, sites, 5)  # type: ignore[attr-defined]
    shutil.copytree(parallel, sequential)
    assert _build(parallel, cache=False) == EXIT_OK
    monkeypatch.setattr(app, "PARALLEL_FROM", 10**9)
    monkeypatch.setenv(CACHE_ENVIRONMENT, "off")
    assert main(["build", "--root", str(sequential), "--now", NOW]) == EXIT_OK
    capsys.readouterr()
    assert tree(parallel / "build") == tree(sequential / "build")
    assert len(tree(parallel / "build")) == 2 * sites


def _modules_of_a_build(root: Path) -> tuple[str, str]:
    """A build's last output line, and the stages' modules it imported."""
    probe = ("import sys\nfrom compiler.cli import main\n"
             f"code = main(['build', '--root', {str(root)!r}, '--now', {NOW!r}])\n"
             "print(code, sorted(m for m in sys.modules if m.split('.')[0] in "
             "('yaml', 'jinja2', 'jsonschema', 'fastjsonschema', 'pydantic') "
             "or m in ('compiler.load', 'compiler.validate', 'compiler.importer')))")
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True,
                            text=True, check=False)
    return result.stdout, result.stdout.splitlines()[-1] if result.stdout else result.stderr


def test_a_build_the_cache_answers_loads_no_stage_it_does_not_run(fleet: Path) -> None:
    """What makes a no-op build cheap: it reads no YAML, validates and renders nothing, so
    it must not even import the loader, the validators or the template engine."""
    assert _build(fleet) == EXIT_OK
    output, modules = _modules_of_a_build(fleet)
    assert modules == f"{EXIT_OK} []"
    assert "0 changed" in output


def test_a_fresh_clone_with_a_restored_cache_compiles_nothing(fleet: Path) -> None:
    """A clone gives every file a new time: the cache CI restores still answers, once the
    provisioning files' bytes are found to be the ones their states were written with."""
    assert _build(fleet) == EXIT_OK
    later = 2_000_000_000 * 10**9
    for path in (fleet / "build").rglob("*"):
        os.utime(path, ns=(later, later))
    output, modules = _modules_of_a_build(fleet)
    assert modules == f"{EXIT_OK} []"
    assert "0 changed" in output
    xml = next((fleet / "build" / "site-00003").glob("*.xml"))  # the same size, new bytes
    xml.write_bytes(xml.read_bytes().replace(b"Customer 3", b"Customer X"))
    os.utime(xml, ns=(later + 1, later + 1))
    check = subprocess.run([sys.executable, "-m", "compiler", "check", "--root", str(fleet)],
                           cwd=REPO, capture_output=True, text=True, check=False)
    assert check.returncode == EXIT_INVALID
    assert "build/site-00003/" in check.stderr and "edited by hand" in check.stderr


def test_a_recalled_result_is_the_result_it_remembers(tmp_path: Path) -> None:
    """The cache keeps a site with nothing to do as a few flat values and makes its result
    again from them: equal to compiling the site afresh, after a build and after a run
    that compiled it."""
    from compiler import app
    from compiler.cache import Cache
    from compiler.paths import site_files
    from compiler.plan import Options
    from compiler.shared import read_shared
    from compiler.site import Job, run

    root = copy_sites(tmp_path / "root")
    options = Options(now=datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    assert app.build(root, options=options).outcome is app.Outcome.DONE  # remembers what
    shared = read_shared(root, lambda _: None)  # the examples' fleet.yaml
    jobs = [Job(source, root, options, shared=shared) for source in site_files(root)]
    fresh = [run(job) for job in jobs]
    assert all(result.plan and not result.plan.content_changed for result in fresh)
    cache = Cache.open(root)
    assert [cache.recall(job) for job in jobs] == fresh
    app.plan(root, options=options)  # forgets nothing: the same answers
    cache = Cache.open(root)
    assert [cache.recall(job) for job in jobs] == fresh


def test_a_build_directory_replaced_by_a_symlink_is_refused_with_the_cache_warm(
        tmp_path: Path) -> None:
    """`mv` keeps the files' times: a build/<site> moved away and linked back looks as
    before to the cache, which must not recall the site."""
    root = copy_sites(tmp_path / "root")
    assert main(["build", "--root", str(root), "--now", NOW]) == EXIT_OK
    assert main(["check", "--root", str(root)]) == EXIT_OK  # the cache is warm
    site = root / "build" / "care-home"
    site.rename(tmp_path / "elsewhere")
    site.symlink_to(tmp_path / "elsewhere")
    assert main(["check", "--root", str(root)]) == EXIT_INVALID
    assert main(["build", "--root", str(root), "--now", NOW]) == EXIT_INVALID
