"""A fleet big enough for the worker processes gives what one process gives: the same plan,
the same diagnostics, the same exit codes and the same bytes under build/, with the cache
and without it. The workers plan each site before the fleet's claims are known; the
cases here are the ones where that matters: a handset moved between sites, an IPUI still
deregistered that another site now claims, a duplicate IPUI, a refusal, a full disk.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from compiler import app
from compiler.cli import CACHE_ENVIRONMENT, EXIT_INVALID, EXIT_OK
from compiler.write import FAULT_ENVIRONMENT
from tests.test_scenarios import Repo, ipui

# (name, workers, cache): the plain way first, then the ways the figures depend on.
MODES = (("sequential, no cache", False, False), ("workers, no cache", True, False),
         ("workers, cache", True, True))
ZERO_LINE = '.aucHandsetCode[0]" class="symb_item" value="0x00,0x00,0x00,0x00,0x00"/>'


def sites() -> int:
    return app.PARALLEL_FROM + 4  # enough for the workers on a machine of 2 cores


def name(index: int) -> str:
    return f"site-{index:02d}"


def handset(n: int) -> dict[str, Any]:
    return {"ipui": ipui(n), "login": f"2{n:03d}", "password": {"secret": f"shared/pw-{n}"}}


class Fleet:
    """The same fleet in one root per mode, and each command run in every root."""

    def __init__(self, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                 monkeypatch: pytest.MonkeyPatch) -> None:
        self.repos = {mode: Repo(tmp_path / mode.replace(", ", "-").replace(" ", "_"), capsys)
                      for mode, _, _ in MODES}
        self.monkeypatch = monkeypatch
        for index in range(sites()):
            self.site(index, [3 * index + n for n in (1, 2, 3)])

    def site(self, index: int, handsets: list[int], profile: str = "",
             **slots: int) -> None:
        """Site `index` with handsets numbered as `ipui` numbers them; `h<n>=<slot>` pins
        handset n to a slot."""
        top = {"profile_name": profile} if profile else {}
        for repo in self.repos.values():
            repo.site([{**handset(n), **({"slot": slots[f"h{n}"]} if f"h{n}" in slots else {})}
                       for n in handsets], name=name(index), mac=f"7C2F80{index:06X}", **top)

    def run(self, *argv: str, environment: dict[str, str] | None = None,
            ) -> tuple[int, str, str]:
        """The command in every mode; every mode must say and write the same."""
        seen: dict[str, tuple[int, str, str, dict[str, str]]] = {}
        for mode, workers, cache in MODES:
            repo = self.repos[mode]
            with self.monkeypatch.context() as patch:
                patch.setattr(app, "PARALLEL_FROM",
                              app.PARALLEL_FROM if workers else 10**9)
                patch.setenv(CACHE_ENVIRONMENT, "on" if cache else "off")
                for key, value in (environment or {}).items():
                    patch.setenv(key, value)
                code = repo.run(argv[0], "--root", str(repo.root), *argv[1:])
            seen[mode] = (code, repo.out.replace(str(repo.root), "ROOT"),
                          repo.err.replace(str(repo.root), "ROOT"), repo.tree())
        first = seen[MODES[0][0]]
        for mode, result in seen.items():
            assert result == first, f"{mode} differs from {MODES[0][0]}"
        return first[:3]

    def xml(self, index: int) -> str:
        return next(iter(self.repos.values())).xml(name(index), f"7C2F80{index:06X}.xml")

    def leftovers(self) -> list[str]:
        """Staged files and directories a refused build must not leave behind."""
        found = []
        for repo in self.repos.values():
            build = repo.root / "build"
            found += [p.name for p in build.rglob("*.tmp")]
            found += [p.name for p in build.iterdir() if p.is_dir() and not any(p.iterdir())]
        return found


@pytest.fixture
def fleet(tmp_path: Path, capsys: pytest.CaptureFixture[str],
          monkeypatch: pytest.MonkeyPatch) -> Fleet:
    if (os.cpu_count() or 1) < 2:
        pytest.skip("the worker processes need more than one core")
    fleet = Fleet(tmp_path, capsys, monkeypatch)
    code, out, _ = fleet.run("build", "--now", "2026-11-26 12:00")
    assert (code, out) == (EXIT_OK, f"Built {sites()} sites: {sites()} changed, 0 unchanged "
                                    f"({2 * sites()} files written).\n")
    return fleet


Step = Callable[[Fleet], None]


def test_a_handset_moved_between_sites_is_planned_alike_and_its_zero_code_stays(
        fleet: Fleet) -> None:
    fleet.site(0, [1, 3])  # handset 2 leaves site 0 ...
    fleet.site(1, [4, 5, 6, 2])  # ... for site 1
    code, out, _ = fleet.run("plan", "--now", "2026-11-27 12:00", "--format", "json")
    assert code == EXIT_OK and '"rule": "ipui-site-move"' in out
    code, _, err = fleet.run("build", "--now", "2026-11-27 12:00")
    assert code == EXIT_OK and "[ipui-site-move]" in err
    assert ZERO_LINE in fleet.xml(0)  # site 0 deregisters it in this run

    # The next run changes nothing: site 0 keeps deregistering it (its DM may have
    # skipped the revision that did), whoever has it now, with workers and without.
    assert fleet.run("check")[0] == EXIT_OK
    assert fleet.run("plan", "--detailed-exitcode", "--now", "2026-11-28 12:00")[0] == EXIT_OK
    code, out, _ = fleet.run("build", "--now", "2026-11-28 12:00")
    assert (code, out) == (EXIT_OK, f"Built {sites()} sites: 0 changed, {sites()} "
                                    "unchanged (0 files written).\n")
    assert ZERO_LINE in fleet.xml(0)


def test_a_duplicate_ipui_in_a_new_site_writes_nothing_and_leaves_no_directory(
        fleet: Fleet) -> None:
    fleet.site(sites(), [5, 100])  # a new site with site 1's handset 5
    code, out, err = fleet.run("build", "--now", "2026-11-27 12:00")
    assert (code, out) == (EXIT_INVALID, "")
    assert "[ipui-duplicate-site]" in err and "Nothing was written" in err
    assert fleet.leftovers() == []
    assert not any((repo.root / "build" / name(sites())).exists()
                   for repo in fleet.repos.values())


def test_an_edited_site_claiming_another_sites_ipui_is_refused(fleet: Fleet) -> None:
    """With the cache, only the edited site's IPUIs are searched for in the fleet."""
    assert fleet.run("build", "--now", "2026-11-27 12:00")[0] == EXIT_OK  # the cache knows
    fleet.site(5, [16, 17, 18, 20])  # handset 20 is site 6's
    code, out, err = fleet.run("build", "--now", "2026-11-27 12:00")
    assert (code, out) == (EXIT_INVALID, "")
    assert err.count("[ipui-duplicate-site]") == 1 and "site-05.yaml" in err
    assert fleet.leftovers() == []


def test_a_refused_site_writes_nothing_anywhere(fleet: Fleet) -> None:
    for index in range(sites()):  # every site changes, and one is refused
        fleet.site(index, [3 * index + n for n in (1, 2, 3)], profile="Renamed")
    fleet.site(2, [7, 8, 9], h7=1, h8=0)  # handsets 7 and 8 would swap slots
    code, out, err = fleet.run("build", "--now", "2026-11-27 12:00")
    assert (code, out) == (EXIT_INVALID, "")
    assert "[reregistration]" in err and "Nothing was written" in err
    assert fleet.leftovers() == []


def test_a_full_disk_in_a_worker_is_a_clear_error_and_leaves_nothing_staged(
        fleet: Fleet) -> None:
    for index in range(sites()):
        fleet.site(index, [3 * index + n for n in (1, 2, 3)], profile="Renamed")
    code, out, err = fleet.run("build", "--now", "2026-11-27 12:00",
                               environment={FAULT_ENVIRONMENT: "ENOSPC:write:3"})
    assert (code, out) == (EXIT_INVALID, "")
    assert "[write-failed]" in err and os.strerror(28) in err and "Traceback" not in err
    assert fleet.leftovers() == []
    code, out, _ = fleet.run("build", "--now", "2026-11-27 12:00")
    assert (code, out) == (EXIT_OK, f"Built {sites()} sites: {sites()} changed, 0 unchanged "
                                    f"({2 * sites()} files written).\n")


def test_a_skipped_revision_and_a_linked_build_are_seen_alike_with_a_warm_cache(
        fleet: Fleet) -> None:
    """A site's build put back at an older revision (files' times kept, as a checkout of an
    old commit leaves them), and another site's build/<site> moved away and linked back:
    the workers and the warm cache must see both as the plain way does."""
    old = {mode: {path.name: (path.read_bytes(), path.stat())
                  for path in (repo.root / "build" / name(0)).iterdir()}
           for mode, repo in fleet.repos.items()}
    fleet.site(0, [1, 2, 3], profile="Renamed")
    assert fleet.run("build", "--now", "2026-11-27 12:00")[0] == EXIT_OK
    assert fleet.run("check")[0] == EXIT_OK  # the cache is warm
    for mode, repo in fleet.repos.items():
        for file, (content, info) in old[mode].items():
            path = repo.root / "build" / name(0) / file
            path.write_bytes(content)
            os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
        linked = repo.root / "build" / name(1)
        linked.rename(repo.root / "moved")
        linked.symlink_to(repo.root / "moved")
    code, _, err = fleet.run("check")
    assert code == EXIT_INVALID
    assert f"build/{name(0)}/7C2F80000000.xml: error: is out of date" in err
    assert f"build/{name(1)}: error: build/{name(1)} is a symlink" in err
    for repo in fleet.repos.values():
        linked = repo.root / "build" / name(1)
        linked.unlink()
        (repo.root / "moved").rename(linked)
    code, out, _ = fleet.run("build", "--now", "2026-11-28 12:00")
    assert (code, out) == (EXIT_OK, f"Built {sites()} sites: 1 changed, {sites() - 1} "
                                    "unchanged (2 files written).\n")
    assert "Renamed" in fleet.xml(0) and fleet.run("check")[0] == EXIT_OK
