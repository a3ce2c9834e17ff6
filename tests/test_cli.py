"""The command line: one exit-code table for every command, usage errors as 64, and
output that is quiet on success."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import REPO, copy_sites, tree

from compiler import app
from compiler.cli import EXIT_CHANGES, EXIT_INVALID, EXIT_OK, EXIT_USAGE, main
from compiler.write import FAULT_ENVIRONMENT, LOCK_FILE, build_lock

NOW = "2026-11-26 12:00"
SITES = len(list((REPO / "sites").glob("*.yaml")))


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return copy_sites(tmp_path)


def _break(root: Path) -> None:
    path = root / "sites" / "vendor-example.yaml"
    path.write_text(path.read_text().replace('ipui: "02B6EC8AA5"', 'ipui: "02B6EC8AA"'))


def test_validate_valid_sites(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--root", str(root)]) == EXIT_OK
    assert capsys.readouterr().out == f"{SITES} sites valid.\n"


LITERAL = ("sites/vendor-example.yaml:27:15: {severity}: handsets[0].password: 3 handsets "
           "keep their password in this file, and so in git; write {{secret: NAME}} and keep "
           "the value in the environment or secrets.yaml [literal-password]\n")


def test_validate_invalid_site_exits_1_with_located_diagnostic(
        root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _break(root)
    assert main(["validate", "--root", str(root)]) == EXIT_INVALID
    assert capsys.readouterr().err == (
        "sites/vendor-example.yaml:25:11: error: handsets[0].ipui: '02B6EC8AA' is not an IPUI "
        "(10 hex digits, or a 13-digit IPEI) [ipui-format]\n"
        + LITERAL.format(severity="warning"))


def test_validate_warns_once_per_site_with_literal_passwords(
        root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--root", str(root)]) == EXIT_OK
    assert capsys.readouterr().err == LITERAL.format(severity="warning")
    assert main(["validate", "--root", str(root), "--strict"]) == EXIT_INVALID
    assert capsys.readouterr().err == LITERAL.format(severity="error")
    assert main(["build", "--root", str(root), "--now", NOW]) == EXIT_OK
    assert "literal-password" not in capsys.readouterr().err  # validate's advice only


def test_validate_json_format(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _break(root)
    assert main(["validate", "--root", str(root), "--format", "json"]) == EXIT_INVALID
    assert json.loads(capsys.readouterr().out)[0] == {
        "file": "sites/vendor-example.yaml", "line": 25, "column": 11, "severity": "error",
        "rule": "ipui-format", "path": "handsets[0].ipui",
        "message": "'02B6EC8AA' is not an IPUI (10 hex digits, or a 13-digit IPEI)"}


def test_validate_named_file_only(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _break(root)
    care_home = str(root / "sites" / "care-home.yaml")
    assert main(["validate", "--root", str(root), care_home]) == EXIT_OK
    assert capsys.readouterr().out == "1 site valid.\n"


def test_missing_file_is_a_diagnostic(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--root", str(root), str(root / "sites" / "nope.yaml")]) == 1
    assert capsys.readouterr().err == (
        "sites/nope.yaml: error: cannot read the file: No such file or directory "
        "[file-unreadable]\n")


def test_no_sites_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--root", str(tmp_path)]) == EXIT_INVALID
    assert "no site files found" in capsys.readouterr().err


def test_build_of_a_root_without_sites_leaves_no_lock_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A build takes its lock before it reads the sites, but not in a directory that holds
    none: a mistyped --root gets the diagnostic, and no file appears there."""
    assert main(["build", "--root", str(tmp_path)]) == EXIT_INVALID
    assert "no site files found" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_build_writes_files_and_one_summary_line(root: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "--root", str(root), "--now", NOW]) == EXIT_OK
    out = capsys.readouterr().out
    assert out == (f"Built {SITES} sites: {SITES} changed, 0 unchanged "
                   f"({2 * SITES} files written).\n")
    assert sorted(tree(root / "build")) == sorted(
        f"{path.parent.name}/{path.name}" for path in (REPO / "build").glob("*/*"))
    assert main(["build", "--root", str(root), "--now", NOW]) == EXIT_OK
    assert capsys.readouterr().out == (f"Built {SITES} sites: 0 changed, {SITES} unchanged "
                                       "(0 files written).\n")


def test_build_of_invalid_site_writes_nothing(root: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "--root", str(root), "--now", NOW]) == EXIT_OK
    before = tree(root / "build")
    _break(root)
    (root / "sites" / "care-home.yaml").write_text(
        (root / "sites" / "care-home.yaml").read_text().replace("Night Nurse", "Night Nurse 2"))
    assert main(["build", "--root", str(root), "--now", NOW]) == EXIT_INVALID
    assert "Nothing was written" in capsys.readouterr().err
    assert tree(root / "build") == before


def test_check_fails_when_stale_and_passes_after_build(
        root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--root", str(root)]) == EXIT_INVALID
    assert "is missing; run 'dectprov build' and commit build/" in capsys.readouterr().err
    assert main(["build", "--root", str(root), "--now", NOW]) == EXIT_OK
    assert main(["check", "--root", str(root)]) == EXIT_OK
    xml = root / "build" / "care-home" / "7C2F80123456.xml"
    xml.write_bytes(xml.read_bytes().replace(b"Caretaker", b"Janitor"))
    capsys.readouterr()
    assert main(["check", "--root", str(root)]) == EXIT_INVALID
    assert capsys.readouterr().err == (
        "build/care-home/7C2F80123456.xml: error: was edited by hand (its sha256 is not the "
        "one in the state); run 'dectprov build' and commit build/ [stale]\n")


def test_plan_detailed_exitcode(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--root", str(root), "--now", NOW]) == EXIT_OK
    assert main(["plan", "--root", str(root), "--now", NOW, "--detailed-exitcode"]) == \
        EXIT_CHANGES
    main(["build", "--root", str(root), "--now", NOW])
    assert main(["plan", "--root", str(root), "--now", NOW, "--detailed-exitcode"]) == EXIT_OK
    assert capsys.readouterr().out.endswith("Plan: no changes.\n")


def test_plan_of_invalid_site_exits_1(root: Path) -> None:
    _break(root)
    assert main(["plan", "--root", str(root), "--now", NOW, "--detailed-exitcode"]) == \
        EXIT_INVALID


def test_schema_prints_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == EXIT_OK
    assert capsys.readouterr().out == (REPO / "schemas" / "site.schema.json").read_text()


@pytest.mark.parametrize("argv", [
    ["bogus"],
    ["validate", "--bogus"],
    ["build", "--now", "yesterday"],
    ["plan", "--format", "yaml"],
    [],
])
def test_usage_errors_exit_64(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.startswith("dectprov: error: ") or err.startswith("Usage:")


def test_now_with_offset_is_converted_to_utc(root: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "--root", str(root), "--now", "2026-11-26 13:00+01:00",
                 str(root / "sites" / "vendor-example.yaml")]) == EXIT_OK
    state = json.loads((root / "build" / "vendor-example" / "state.json").read_text())
    assert state["stamp"] == "2611261200"  # the vendor example's DM runs on UTC


def test_python_dash_m_compiler_is_the_same_command(root: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "compiler", "validate", "--root", str(root)],
                            capture_output=True, text=True, check=False)
    assert (result.returncode, result.stdout) == (0, f"{SITES} sites valid.\n")
    result = subprocess.run([sys.executable, "-m", "compiler", "frobnicate"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == EXIT_USAGE


def test_version_option(capsys: pytest.CaptureFixture[str]) -> None:
    from compiler import __version__

    assert main(["--version"]) == EXIT_OK
    assert capsys.readouterr().out == f"dectprov {__version__}\n"
    assert main(["version"]) == EXIT_OK  # the older spelling stays
    assert capsys.readouterr().out == f"dectprov {__version__}\n"


def test_shell_completion_script_and_answers() -> None:
    """`--show-completion SHELL` prints the script the README says to install; the script
    calls dectprov back with _DECTPROV_COMPLETE set, and gets the command names."""
    script = subprocess.run([sys.executable, "-m", "compiler", "--show-completion", "bash"],
                            capture_output=True, text=True, check=False)
    assert script.returncode == 0
    assert "_DECTPROV_COMPLETE=complete_bash" in script.stdout
    answer = subprocess.run(
        [sys.executable, "-m", "compiler"], capture_output=True, text=True, check=False,
        env={**os.environ, "_DECTPROV_COMPLETE": "complete_bash",
             "COMP_WORDS": "dectprov va", "COMP_CWORD": "1"})
    assert (answer.returncode, answer.stdout) == (0, "validate\n")


def test_one_file_written_is_singular(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    care_home = str(root / "sites" / "care-home.yaml")
    assert main(["build", "--root", str(root), "--now", NOW, care_home]) == EXIT_OK
    (root / "build" / "care-home" / "7C2F80123456.xml").unlink()
    capsys.readouterr()
    assert main(["build", "--root", str(root), "--now", NOW, care_home]) == EXIT_OK
    assert capsys.readouterr().out == "Built 1 site: 0 changed, 1 unchanged (1 file written).\n"


def test_build_no_wait_while_another_build_holds_the_lock(
        root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with build_lock(root, wait=False):
        assert main(["build", "--root", str(root), "--now", NOW, "--no-wait"]) == EXIT_INVALID
    assert capsys.readouterr().err == (
        f"dectprov: another build of this root holds the lock ({LOCK_FILE}); nothing was "
        "written\n")
    assert not (root / "build").exists()


def test_build_that_cannot_take_the_lock_writes_nothing(
        root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(app, "build_lock", refuse)
    assert main(["build", "--root", str(root), "--now", NOW]) == EXIT_INVALID
    assert capsys.readouterr().err == (
        f"dectprov: cannot lock {root / LOCK_FILE}: Permission denied; nothing was written\n")
    assert not (root / "build").exists()


def test_build_on_a_full_disk_says_which_file(root: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(FAULT_ENVIRONMENT, "ENOSPC:write:1")
    assert main(["build", "--root", str(root), "--now", NOW]) == EXIT_INVALID
    assert capsys.readouterr().err.endswith(
        "build/care-home: error: cannot write 7C2F80123456.xml: No space left on device. "
        "Every file is as it was or complete; fix the cause and build again [write-failed]\n"
        "Nothing was written: fix the errors above.\n")  # it failed while staging
    assert tree(root / "build") == {}


# -- progress -------------------------------------------------------------------------------


def _terminal() -> tuple[int, Any]:
    """A pseudo-terminal: its reading end, and its writing end as a text stream."""
    import pty

    reader, writer = pty.openpty()
    return reader, open(writer, "w", encoding="utf-8")  # noqa: SIM115 - closed by the test


def _shown(reader: int) -> str:
    import select

    found = b""
    while select.select([reader], [], [], 0.05)[0]:
        found += os.read(reader, 65536)
    return found.decode()


def test_progress_shows_on_a_terminal_after_a_second_and_is_erased() -> None:
    from compiler.cli import Progress

    reader, stream = _terminal()
    moments = iter([0.0, 0.5, 1.2, 1.25, 1.4, 1.5])
    progress = Progress(stream, clock=lambda: next(moments))
    progress(1, 10)  # at 0.5 s: too soon
    assert _shown(reader) == ""
    progress(2, 10)  # 1.2 s
    progress(3, 10)  # 1.25 s: within a tenth of a second of the last line
    progress(4, 10)  # 1.4 s
    # A terminal's line discipline may turn \r into \r\n on the reading side: compare
    # what is written, not how it is echoed.
    assert _shown(reader).replace("\r\n", "\r") == (
        "\rdectprov: 2 of 10 sites compiled\x1b[K\rdectprov: 4 of 10 sites compiled\x1b[K")
    progress(10, 10)  # done: the line is erased before anything else is printed
    assert _shown(reader).replace("\r\n", "\r") == "\r\x1b[K"
    stream.close()
    os.close(reader)


def test_progress_is_silent_when_standard_error_is_no_terminal(tmp_path: Path) -> None:
    from compiler.cli import Progress

    with (tmp_path / "err").open("w", encoding="utf-8") as stream:
        moments = iter([0.0, 5.0, 6.0, 7.0])
        progress = Progress(stream, clock=lambda: next(moments))
        progress(1, 3)
        progress(2, 3)
        progress(3, 3)
    assert (tmp_path / "err").read_text(encoding="utf-8") == ""


def test_a_build_shows_its_progress_on_a_terminal_only(
        root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from compiler import cli

    reader, stream = _terminal()
    monkeypatch.setattr(sys, "stderr", stream)
    assert main(["build", "--root", str(root), "--now", NOW]) == EXIT_OK
    assert "sites compiled" not in _shown(reader)  # quicker than a second: nothing
    monkeypatch.setattr(cli, "PROGRESS_AFTER", 0.0)  # as if it took longer
    (root / "build").rename(root / "old")
    assert main(["build", "--root", str(root), "--now", NOW,
                 "--no-wait"]) == EXIT_OK
    shown = _shown(reader)
    assert f"dectprov: 0 of {SITES} sites compiled\x1b[K" in shown
    assert "\x1b[K" in shown.rsplit("sites compiled", 1)[1]  # erased again
    stream.close()
    os.close(reader)
    # In a pipe, never: standard error holds the diagnostics alone.
    result = subprocess.run([sys.executable, "-m", "compiler", "validate", "--root",
                             str(root)], capture_output=True, text=True, check=False,
                            env={**os.environ, "DECTPROV_CACHE": "off"})
    assert "sites compiled" not in result.stderr

def test_plan_json_of_an_invalid_site_is_one_document_with_the_diagnostics(
        root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _break(root)
    assert main(["plan", "--root", str(root), "--now", NOW, "--format", "json"]) == \
        EXIT_INVALID
    document = json.loads(capsys.readouterr().out)
    assert document["sites"] == [] and document["summary"]["refused"] == 0
    assert [(d["file"], d["line"], d["rule"]) for d in document["diagnostics"]] == [
        ("sites/vendor-example.yaml", 25, "ipui-format")]


def test_plan_json_without_sites_or_git_is_one_document(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--root", str(tmp_path), "--format", "json"]) == EXIT_INVALID
    assert [d["rule"] for d in json.loads(capsys.readouterr().out)["diagnostics"]] == [
        "no-sites"]
    assert main(["plan", "--root", str(tmp_path), "--base-ref", "HEAD",
                 "--format", "json"]) == EXIT_INVALID
    document = json.loads(capsys.readouterr().out)
    assert (document["sites"], [d["rule"] for d in document["diagnostics"]]) == (
        [], ["base-ref"])


def test_validate_json_without_sites_is_one_document(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--root", str(tmp_path), "--format", "json"]) == EXIT_INVALID
    assert [d["rule"] for d in json.loads(capsys.readouterr().out)] == ["no-sites"]


@pytest.mark.parametrize("command", ["plan", "validate"])
def test_json_of_a_run_whose_worker_is_lost_is_still_one_document(
        root: Path, command: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from compiler.workers import WorkerLost

    def lost(*_args: object) -> None:
        raise WorkerLost

    monkeypatch.setattr(app, command, lost)
    assert main([command, "--root", str(root), "--format", "json"]) == EXIT_INVALID
    out, err = capsys.readouterr()
    document = json.loads(out)
    found = document if command == "validate" else document["diagnostics"]
    assert [(d["rule"], d["message"]) for d in found] == [
        ("interrupted", "a worker process ended before it returned its sites; nothing was "
                        "written")]
    assert "a worker process ended" in err
