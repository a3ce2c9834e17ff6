"""A site file deleted: its build/<site>/ is a planned change (`site removed`, with its
handset count), refused like a mass deregistration unless --force, which deletes it;
plan, plan --detailed-exitcode and check agree, with workers and the cache alike."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers import copy_sites, run, small_fleet, tree

NOW = "2026-11-27 12:00"


@pytest.fixture
def root(built_examples: Path) -> Path:
    (built_examples / "sites" / "vendor-example.yaml").unlink()
    return built_examples


def test_a_removed_site_is_planned_and_refused_without_force(root: Path) -> None:
    before = tree(root)
    code, out, _ = run("plan", "--root", str(root), "--now", NOW)
    assert code == 1
    assert out.splitlines()[:3] == [
        "vendor-example (build/vendor-example/state.json, removed)",
        "  site     site-removed site removed: its 2 handsets are no longer provisioned (the "
        "DM keeps what it has, and its file is no longer written); build/vendor-example/ is "
        "deleted [refused]",
        "  build/vendor-example/state.json: error: site 'vendor-example' has no site file any "
        "more: the N720 with MAC 7C2F80CA21E4 and its 2 handsets are no longer provisioned. "
        "If that DM is retired, build with --force, which deletes build/vendor-example/; if "
        "not, restore sites/vendor-example.yaml [site-removed]"]
    assert out.endswith("Plan: 1 to remove; 1 refused.\n")
    document = json.loads(run("plan", "--root", str(root), "--now", NOW, "--format",
                              "json")[1])
    [site] = [s for s in document["sites"] if s["site"] == "vendor-example"]
    assert [(c["kind"], c["refused"]) for c in site["changes"]] == [("site-removed", True)]
    assert document["summary"]["remove"] == 1
    code, _, err = run("build", "--root", str(root), "--now", NOW)
    assert code == 1 and "[site-removed]" in err and "Nothing was written" in err
    code, _, err = run("check", "--root", str(root))
    assert code == 1 and "build/vendor-example: error: belongs to no site file" in err
    assert tree(root) == before


def test_force_deletes_the_build_and_then_everything_agrees(root: Path) -> None:
    code, out, _ = run("plan", "--root", str(root), "--now", NOW, "--force")
    assert code == 0 and "  allowed: --force: the site's DM is no longer provisioned" in out
    assert run("plan", "--root", str(root), "--now", NOW, "--force",
               "--detailed-exitcode")[0] == 2
    code, out, _ = run("build", "--root", str(root), "--now", NOW, "--force")
    assert (code, out) == (0, "Built 2 sites: 0 changed, 2 unchanged (0 files written; "
                              "build/vendor-example/ deleted).\n")
    assert sorted(p.name for p in (root / "build").iterdir()) == ["care-home", "clinic-north"]
    assert run("check", "--root", str(root))[0] == 0
    assert run("plan", "--root", str(root), "--now", NOW, "--detailed-exitcode")[0] == 0
    assert run("build", "--root", str(root), "--now", NOW)[1].endswith(
        "(0 files written).\n")


def test_a_build_of_some_site_files_removes_nothing(root: Path) -> None:
    code, _, _ = run("build", "--root", str(root), "--now", NOW, "--force",
                     str(root / "sites" / "care-home.yaml"))
    assert code == 0
    assert (root / "build" / "vendor-example" / "state.json").is_file()


def test_a_link_in_a_removed_build_is_removed_never_followed(root: Path,
                                                            tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("mine", encoding="utf-8")
    (root / "build" / "vendor-example" / "link").symlink_to(outside / "keep.txt")
    assert run("build", "--root", str(root), "--now", NOW, "--force")[0] == 0
    assert not (root / "build" / "vendor-example").exists()
    assert (outside / "keep.txt").read_text(encoding="utf-8") == "mine"


def test_a_folder_in_a_removed_build_is_left_and_said(root: Path) -> None:
    (root / "build" / "vendor-example" / "notes").mkdir()
    code, _, err = run("build", "--root", str(root), "--now", NOW, "--force")
    assert code == 1
    assert "build/vendor-example/notes is a folder; dectprov deletes only the files it " \
           "wrote" in err
    assert (root / "build" / "vendor-example" / "notes").is_dir()


def test_what_is_not_a_removed_sites_build_is_never_deleted(root: Path) -> None:
    """Another site's state, a damaged state, a stray file: check names them, build with
    --force leaves them."""
    shutil.copytree(root / "build" / "care-home", root / "build" / "ghost")
    (root / "build" / "evil.xml").write_text("<x/>", encoding="utf-8")
    (root / "build" / "broken").mkdir()
    (root / "build" / "broken" / "state.json").write_text("{", encoding="utf-8")
    assert run("build", "--root", str(root), "--now", NOW, "--force")[0] == 0
    for name in ("ghost", "evil.xml", "broken"):
        assert (root / "build" / name).exists()
    code, _, err = run("check", "--root", str(root))
    assert code == 1 and all(f"build/{name}: error" in err
                             for name in ("ghost", "evil.xml", "broken"))


def test_a_removed_site_among_many_is_the_same_with_workers(tmp_path: Path) -> None:
    """Enough sites for worker processes: the removal is planned and done alike."""
    root = small_fleet(copy_sites(tmp_path / "root"), 30)
    code, _, err = run("build", "--root", str(root), "--now", NOW)
    assert code == 0, err
    for n in (3, 17):
        (root / "sites" / f"v{n:02d}.yaml").unlink()
    assert run("build", "--root", str(root), "--now", NOW)[0] == 1
    code, out, _ = run("build", "--root", str(root), "--now", NOW, "--force")
    assert code == 0 and "build/v03/ deleted; build/v17/ deleted" in out
    assert run("check", "--root", str(root))[0] == 0
