"""Crash safety and concurrency: a build killed at any point leaves every site either at its
old revision or at its new one (or `check` names what is inconsistent and the next build
repairs it); two builds of one root never interleave; a failing disk writes nothing half.
These run real processes: `python -m compiler build` with the fault-injection hook."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import REPO, copy_sites, tree

from compiler.cli import EXIT_INVALID, EXIT_OK, main
from compiler.write import FAULT_ENVIRONMENT, LOCK_FILE

OLD, NEW = "2026-11-26 12:00", "2026-11-27 12:00"


def _repaired(files: dict[str, bytes]) -> dict[str, object]:
    """A tree as a repair must restore it. The history's change counts are left out: after
    a kill between a site's XML and its state, the repair compares with the new XML."""
    result: dict[str, object] = {}
    for name, content in files.items():
        if name.endswith("state.json"):
            state = json.loads(content)
            state["history"] = [(e["revision"], e["stamp"]) for e in state["history"]]
            result[name] = state
        else:
            result[name] = content
    return result


def _site_trees(files: dict[str, bytes]) -> dict[str, dict[str, bytes]]:
    sites: dict[str, dict[str, bytes]] = {}
    for name, content in files.items():
        site, _, file = name.partition("/")
        sites.setdefault(site, {})[file] = content
    return sites


def _run(root: Path, *args: str, fault: str | None = None,
         environment: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **(environment or {})}
    environment.pop(FAULT_ENVIRONMENT, None)
    if fault is not None:
        environment[FAULT_ENVIRONMENT] = fault
    return subprocess.run([sys.executable, "-m", "compiler", *args, "--root", str(root)],
                          capture_output=True, text=True, env=environment, check=False,
                          cwd=REPO)


def _edit_every_site(root: Path) -> None:
    for path in (root / "sites").glob("*.yaml"):
        path.write_text(path.read_text().replace("display_name: ", "display_name: X", 1))


@pytest.fixture
def fleet(tmp_path: Path) -> tuple[Path, dict[str, bytes], dict[str, bytes]]:
    """A root built at OLD with every site then edited, and the tree a clean build at NEW
    gives (built in a copy)."""
    root = tmp_path / "root"
    copy_sites(root)
    assert _run(root, "build", "--now", OLD).returncode == EXIT_OK
    old = tree(root / "build")
    _edit_every_site(root)
    clean = tmp_path / "clean"
    shutil.copytree(root, clean)
    assert _run(clean, "build", "--now", NEW).returncode == EXIT_OK
    return root, old, tree(clean / "build")


def test_a_clean_build_leaves_no_temporary_file(
        fleet: tuple[Path, dict[str, bytes], dict[str, bytes]]) -> None:
    root, _, new = fleet
    assert _run(root, "build", "--now", NEW).returncode == EXIT_OK
    assert tree(root / "build") == new
    assert not [p for p in (root / "build").rglob("*") if p.name.endswith(".tmp")]


def test_kill_at_every_rename_leaves_each_site_whole_or_repairable(
        fleet: tuple[Path, dict[str, bytes], dict[str, bytes]], tmp_path: Path) -> None:
    root, old, new = fleet
    renames = len(new)  # one rename per file: XML and state of every site
    for at in range(1, renames + 1):
        work = tmp_path / f"kill-{at}"
        shutil.copytree(root, work)
        killed = _run(work, "build", "--now", NEW, fault=f"kill:rename:{at}")
        assert killed.returncode == -signal.SIGKILL
        _assert_whole_or_named(work, old, new)
        assert _run(work, "build", "--now", NEW).returncode == EXIT_OK
        assert _repaired(tree(work / "build")) == _repaired(new), \
            f"a kill at rename {at}: no repair"
        assert _run(work, "check").returncode == EXIT_OK


def _assert_whole_or_named(root: Path, old: dict[str, bytes], new: dict[str, bytes]) -> None:
    """Each site is at its old or its new revision; otherwise `check` names its files."""
    olds, news = _site_trees(old), _site_trees(new)
    now = _site_trees({k: v for k, v in tree(root / "build").items() if not k.endswith(".tmp")})
    torn = [site for site, files in now.items() if files not in (olds[site], news[site])]
    if not torn:
        return
    check = _run(root, "check")
    assert check.returncode == EXIT_INVALID
    for site in torn:
        assert f"build/{site}/" in check.stderr


def test_real_sigkill_at_random_moments_never_tears_a_file(
        fleet: tuple[Path, dict[str, bytes], dict[str, bytes]], tmp_path: Path) -> None:
    root, old, new = fleet
    for attempt, delay in enumerate((0.05, 0.15, 0.3, 0.45, 0.6)):
        work = tmp_path / f"sigkill-{attempt}"
        shutil.copytree(root, work)
        process = subprocess.Popen(
            [sys.executable, "-m", "compiler", "build", "--root", str(work), "--now", NEW],
            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        files = {k: v for k, v in tree(work / "build").items() if not k.endswith(".tmp")}
        for name, content in files.items():  # every file is one of the two versions
            assert content in (old.get(name), new.get(name)), name
        _assert_whole_or_named(work, old, new)
        assert _run(work, "build", "--now", NEW).returncode == EXIT_OK
        assert _repaired(tree(work / "build")) == _repaired(new)


@pytest.mark.parametrize("fault", ["ENOSPC:write:1", "ENOSPC:write:3", "EROFS:rename:2",
                                   "EACCES:write:1"])
def test_a_failing_disk_is_a_clear_error_and_writes_nothing_half(
        fleet: tuple[Path, dict[str, bytes], dict[str, bytes]], fault: str) -> None:
    root, old, new = fleet
    result = _run(root, "build", "--now", NEW, fault=fault)
    assert result.returncode == EXIT_INVALID
    assert "Traceback" not in result.stderr
    reason = os.strerror(getattr(__import__("errno"), fault.split(":")[0]))
    assert "cannot write " in result.stderr and reason in result.stderr
    assert "[write-failed]" in result.stderr
    files = tree(root / "build")
    assert not [name for name in files if name.endswith(".tmp")]
    for name, content in files.items():
        assert content in (old.get(name), new.get(name)), name
    assert _run(root, "build", "--now", NEW).returncode == EXIT_OK
    assert _repaired(tree(root / "build")) == _repaired(new)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_a_read_only_build_directory_is_a_clear_error(
        fleet: tuple[Path, dict[str, bytes], dict[str, bytes]]) -> None:
    root, old, _ = fleet
    site = next((root / "build").iterdir())
    site.chmod(0o555)
    try:
        result = _run(root, "build", "--now", NEW)
    finally:
        site.chmod(0o755)
    assert result.returncode == EXIT_INVALID
    assert "[write-failed]" in result.stderr and "Traceback" not in result.stderr


def test_a_site_directory_removed_mid_run_is_a_clear_error_and_repaired(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    from compiler import app

    root = tmp_path / "root"
    copy_sites(root)
    assert main(["build", "--root", str(root), "--now", OLD]) == EXIT_OK
    _edit_every_site(root)
    settle = app.settle

    def settle_then_remove(*args: object, **kwargs: object) -> object:
        result = settle(*args, **kwargs)  # type: ignore[arg-type]
        shutil.rmtree(root / "build" / "vendor-example")  # with the files staged in it
        return result

    monkeypatch.setattr(app, "settle", settle_then_remove)
    capsys.readouterr()
    assert main(["build", "--root", str(root), "--now", NEW]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert "build/vendor-example: error: cannot write 7C2F80CA21E4.xml: No such file or " \
           "directory" in err and "[write-failed]" in err and "Traceback" not in err
    assert not [p for p in (root / "build").rglob("*.tmp")]  # nothing left staged
    monkeypatch.undo()
    assert main(["build", "--root", str(root), "--now", NEW]) == EXIT_OK
    capsys.readouterr()
    assert main(["check", "--root", str(root)]) == EXIT_OK


def _hold_lock(root: Path) -> subprocess.Popen[str]:
    """Another process that holds the build lock until its standard input closes."""
    code = ("import sys; from pathlib import Path; from compiler.write import build_lock\n"
            f"with build_lock(Path({str(root)!r}), wait=True):\n"
            "    print('held', flush=True); sys.stdin.read()\n")
    holder = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    return holder


def test_no_wait_exits_1_while_another_build_holds_the_lock(tmp_path: Path) -> None:
    root = tmp_path / "root"
    copy_sites(root)
    holder = _hold_lock(root)
    try:
        result = _run(root, "build", "--now", NEW, "--no-wait")
    finally:
        holder.communicate("")
    assert result.returncode == EXIT_INVALID
    assert result.stderr == (f"dectprov: another build of this root holds the lock "
                             f"({LOCK_FILE}); nothing was written\n")
    assert not (root / "build").exists()


def test_a_second_build_waits_for_the_first(tmp_path: Path) -> None:
    root = tmp_path / "root"
    copy_sites(root)
    holder = _hold_lock(root)
    waiting = subprocess.Popen(
        [sys.executable, "-m", "compiler", "build", "--root", str(root), "--now", NEW],
        cwd=REPO, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.0)
    assert waiting.poll() is None, "the second build did not wait"
    assert not (root / "build").exists()
    holder.communicate("")
    out, err = waiting.communicate(timeout=60)
    assert waiting.returncode == EXIT_OK
    assert err.startswith(f"dectprov: waiting for another build of this root ({LOCK_FILE})")
    assert out.startswith("Built ")


def test_two_builds_at_once_give_the_same_tree_as_one(tmp_path: Path) -> None:
    root = tmp_path / "root"
    copy_sites(root)
    clean = tmp_path / "clean"
    shutil.copytree(root, clean)
    assert _run(clean, "build", "--now", NEW).returncode == EXIT_OK
    processes = [subprocess.Popen(
        [sys.executable, "-m", "compiler", "build", "--root", str(root), "--now", NEW],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(3)]
    assert [p.wait(timeout=120) for p in processes] == [EXIT_OK] * 3
    assert tree(root / "build") == tree(clean / "build")


def test_the_fault_hook_is_inert_without_its_variable(tmp_path: Path) -> None:
    root = tmp_path / "root"
    copy_sites(root)
    assert _run(root, "build", "--now", NEW).returncode == EXIT_OK
    digest = hashlib.sha256(b"".join(tree(root / "build").values())).hexdigest()
    again = tmp_path / "again"
    copy_sites(again)
    assert _run(again, "build", "--now", NEW, fault="").returncode == EXIT_OK
    assert hashlib.sha256(b"".join(tree(again / "build").values())).hexdigest() == digest


def test_a_build_killed_while_it_writes_has_shown_its_warnings(tmp_path: Path) -> None:
    """The warnings are printed once the build is known to be fine, before the first
    rename: a build stopped while it writes leaves them in the log."""
    root = copy_sites(tmp_path / "root")
    result = _run(root, "build", "--now", OLD, fault="kill:rename:1")
    assert result.returncode == -signal.SIGKILL
    assert "[window-closed]" in result.stderr and "Built" not in result.stdout
    complete = _run(root, "build", "--now", OLD)
    assert complete.returncode == EXIT_OK
    assert complete.stderr.count("[window-closed]") == result.stderr.count("[window-closed]")


# -- publish stopped by a signal -----------------------------------------------------------

PUBLISH_SITES = 50
# The child: publish with every staging and rename slowed as on a slow disk, so that a
# signal can be sent at a chosen point of the write.
SLOW_PUBLISH = (
    "import sys, time\n"
    "from compiler import write\n"
    "reach = write.Faults.reach\n"
    "def slow(self, point):\n"
    "    time.sleep(0.01)\n"
    "    reach(self, point)\n"
    "write.Faults.reach = slow\n"
    "from compiler.cli import main\n"
    "raise SystemExit(main(sys.argv[1:]))\n")


def _publish_fleet(root: Path) -> None:
    import yaml

    for index in range(PUBLISH_SITES):
        handsets = [{"ipui": f"0328D41A{2 * index + n:02X}", "login": f"2{2 * index + n:03d}",
                     "password": {"secret": f"site-{index:02d}/pw-{n}"}} for n in (1, 2)]
        site = {"site": f"site-{index:02d}", "model": "N720", "mac": f"7C2F80{index:06X}",
                "firmware": 110, "timezone": "Europe/Berlin",
                "providers": [{"name": "PBX", "domain": "pbx.example.net"}],
                "handsets": handsets}
        path = root / "sites" / f"site-{index:02d}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(site, sort_keys=False))


def _secrets(generation: str) -> dict[str, str]:
    return {f"DECTPROV_SECRET_SITE_{index:02d}_PW_{n}": f"Pw{index}x{n}{generation}Zq9"
            for index in range(PUBLISH_SITES) for n in (1, 2)}


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory,
              ) -> tuple[Path, dict[str, bytes], dict[str, bytes]]:
    """A root of 50 sites built, the target folder published with the old passwords, and
    the files the new passwords give."""
    base = tmp_path_factory.mktemp("publish")
    root = base / "root"
    _publish_fleet(root)
    assert _run(root, "build", "--now", OLD).returncode == EXIT_OK
    for generation in ("old", "new"):
        result = _run(root, "publish", "--to", str(base / generation),
                      environment=_secrets(generation))
        assert result.returncode == EXIT_OK, result.stderr
    return root, tree(base / "old"), tree(base / "new")


def _publisher(root: Path, to: Path) -> subprocess.Popen[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DECTPROV_")}
    environment.update(_secrets("new"))
    return subprocess.Popen([sys.executable, "-c", SLOW_PUBLISH, "publish", "--root",
                             str(root), "--to", str(to)], cwd=REPO, env=environment,
                            text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for(to: Path, new: dict[str, bytes], point: str, count: int) -> None:
    """Until `count` files are staged, or renamed into place with the new passwords."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if point == "staged":
            seen = len([p for p in to.iterdir() if ".publish-" in p.name])
        else:
            seen = sum(1 for name, content in new.items()  # final files never go
                       if (to / name).exists() and (to / name).read_bytes() == content)
        if seen >= count:
            return
        time.sleep(0.002)
    raise AssertionError(f"never {count} {point}")


def _wait_until_it_catches(pid: int, number: int) -> None:
    """Until the process has its own handler for the signal (Linux says so in /proc)."""
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        pytest.skip("no /proc to tell when the handlers are in place")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        caught = next(line for line in status.read_text().splitlines()
                      if line.startswith("SigCgt:"))
        if int(caught.split()[1], 16) & (1 << (number - 1)):
            return
        time.sleep(0.005)
    raise AssertionError("the handler was never installed")


def _assert_passwords_only_in_final_files(where: Path, to: Path) -> None:
    values = [v.encode() for v in (*_secrets("old").values(), *_secrets("new").values())]
    for path in where.rglob("*"):
        if path.is_file() and not (path.parent == to and not path.name.startswith(".")):
            content = path.read_bytes()
            assert not any(value in content for value in values), path


@pytest.mark.parametrize(("sent", "point", "count"), [
    (signal.SIGTERM, "staged", 3), (signal.SIGTERM, "renamed", 1),
    (signal.SIGTERM, "renamed", 30), (signal.SIGINT, "staged", 40),
    (signal.SIGINT, "renamed", 10), (signal.SIGHUP, "renamed", 20),
])
def test_publish_stopped_by_a_signal_leaves_old_or_new_files_and_nothing_staged(
        published: tuple[Path, dict[str, bytes], dict[str, bytes]], tmp_path: Path,
        sent: signal.Signals, point: str, count: int) -> None:
    root, old, new = published
    to = tmp_path / "to"
    to.mkdir()
    for name, content in old.items():
        (to / name).write_bytes(content)
    process = _publisher(root, to)
    _wait_for(to, new, point, count)
    process.send_signal(sent)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 128 + sent
    files = tree(to)
    assert sorted(files) == sorted(new)  # nothing staged is left
    assert all(content in (old[name], new[name]) for name, content in files.items())
    renamed = sorted(name for name, content in files.items() if content == new[name]
                     and content != old[name])
    assert len(renamed) >= (count if point == "renamed" else 0)
    assert out.count("Published ") == len(renamed)
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"dectprov: stopped by {sent.name}: written {len(renamed)} of "
                          f"{PUBLISH_SITES} (")
    _assert_passwords_only_in_final_files(tmp_path, to)
    _assert_passwords_only_in_final_files(root, to)


def test_publish_stopped_before_it_writes_says_nothing_was_written(
        published: tuple[Path, dict[str, bytes], dict[str, bytes]], tmp_path: Path) -> None:
    root, _, _ = published
    to = tmp_path / "to"
    process = _publisher(root, to)
    _wait_until_it_catches(process.pid, signal.SIGTERM)
    time.sleep(0.1)  # compiling the sites
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM
    assert err.count("\n") == 1 and "nothing was written" in err, err
    assert not to.exists()


@pytest.mark.parametrize(("point", "count"), [("staged", 5), ("staged", 45),
                                              ("renamed", 25)])
def test_what_a_sigkilled_publish_stages_is_private_and_removed_by_the_next(
        published: tuple[Path, dict[str, bytes], dict[str, bytes]], tmp_path: Path,
        point: str, count: int) -> None:
    root, old, new = published
    to = tmp_path / "to"
    to.mkdir()
    for name, content in old.items():
        (to / name).write_bytes(content)
    (to / ".7C2F80000000.xml.abcd1234.tmp").write_text("not publish's")
    (to / "README").write_text("the server's")
    process = _publisher(root, to)
    _wait_for(to, new, point, count)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    staged = [p for p in to.iterdir() if ".publish-" in p.name]
    assert staged and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in staged)
    for name, content in tree(to).items():
        if ".publish-" not in name and name in new:
            assert content in (old[name], new[name]), name
    again = _run(root, "publish", "--to", str(to), environment=_secrets("new"))
    assert again.returncode == EXIT_OK, again.stderr
    assert tree(to) == {**new, ".7C2F80000000.xml.abcd1234.tmp": b"not publish's",
                        "README": b"the server's"}
    _assert_passwords_only_in_final_files(tmp_path, to)
