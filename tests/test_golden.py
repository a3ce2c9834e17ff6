"""Golden files: every example site, built into a fresh root at a fixed moment, must give
exactly the files under tests/golden/. `make golden` rewrites them; review the diff."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from compiler.cli import main

REPO = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden"
NOW = "2026-11-26 12:00"
EXAMPLES = sorted(path.stem for path in (REPO / "sites").glob("*.yaml"))


def _outputs(root: Path, site: str, capsys: pytest.CaptureFixture[str]) -> dict[str, bytes]:
    (root / "sites").mkdir(parents=True)
    shutil.copy(REPO / "sites" / f"{site}.yaml", root / "sites")
    files: dict[str, bytes] = {}
    for name, fmt in (("plan.txt", "text"), ("plan.md", "markdown"), ("plan.json", "json")):
        main(["plan", "--root", str(root), "--now", NOW, "--format", fmt])
        files[name] = capsys.readouterr().out.encode()
    assert main(["build", "--root", str(root), "--now", NOW]) == 0
    capsys.readouterr()
    for path in sorted((root / "build" / site).iterdir()):
        files[path.name] = path.read_bytes()
    return files


@pytest.mark.parametrize("site", EXAMPLES)
def test_example_matches_golden(site: str, tmp_path: Path, update_golden: bool,
                                capsys: pytest.CaptureFixture[str]) -> None:
    files = _outputs(tmp_path / "root", site, capsys)
    expected_dir = GOLDEN / site
    if update_golden:
        shutil.rmtree(expected_dir, ignore_errors=True)
        expected_dir.mkdir(parents=True)
        for name, content in files.items():
            (expected_dir / name).write_bytes(content)
    expected = {path.name: path.read_bytes() for path in sorted(expected_dir.iterdir())}
    assert sorted(files) == sorted(expected)
    for name in files:
        assert files[name] == expected[name], f"{site}/{name} differs: run 'make golden' and review"


def test_every_golden_directory_has_a_site() -> None:
    assert sorted(path.name for path in GOLDEN.iterdir()) == EXAMPLES


def test_build_is_the_same_from_another_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "root"
    shutil.copytree(REPO / "sites", root / "sites")
    monkeypatch.chdir(tmp_path)
    assert main(["build", "--root", "root", "--now", NOW]) == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    shutil.copytree(REPO / "sites", tmp_path / "second" / "sites")
    assert main(["build", "--root", str(tmp_path / "second"), "--now", NOW]) == 0
    capsys.readouterr()
    first = {p.relative_to(root): p.read_bytes() for p in (root / "build").rglob("*")
             if p.is_file()}
    second = {p.relative_to(tmp_path / "second"): p.read_bytes()
              for p in (tmp_path / "second" / "build").rglob("*") if p.is_file()}
    assert first == second
    assert len(first) == 2 * len(EXAMPLES)
