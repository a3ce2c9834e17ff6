"""Hostile input: every file under tests/hostile/, and every recipe of
tests/hostile/generated.py, is a site file with something wrong with it, named for what.
Adding a file (or a recipe) adds a case.

Each case is built next to two valid sites of both families, whose build/ is already
there, and must give: exit code 1; errors `sites/<name>.yaml:<line>:` of exactly the rules
of its `# expect:` line (`rule@line` pins the line), so that a case cannot pass by being
wrong in some other way; no traceback; no control character and no line longer than
MAX_LINE in the output; nothing of its `# absent:` line (a password) in the output; and
build/ byte for byte as it was. `# says:` is a text one of the errors must hold (such as
"quote it"). `# as: <stem>` copies the file to sites/<stem>.yaml instead of
sites/<file name>.yaml, for the cases about names.

Every case runs in-process; every 10th one also runs as `python -m compiler` in a
subprocess. The attacks that need a symlink, a pipe or a directory are made here.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from helpers import run, small_fleet

from compiler.cli import main

REPO = Path(__file__).resolve().parents[1]
HOSTILE = REPO / "tests" / "hostile"
SEEDS = ("care-home", "clinic-north")  # one site of each family, built before each case
NOW = "2026-11-26 12:00"
SUBPROCESS_EVERY = 10
DIRECTIVE = re.compile(r"# (expect|as|absent|says): (.*)")
# What must never reach a terminal from a diagnostic: C0 controls but the line feed, DEL, C1.
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")
MAX_LINE = 1000  # a 1 MB value or key must not become a 1 MB diagnostic


def _generated() -> ModuleType:
    spec = importlib.util.spec_from_file_location("hostile_generated", HOSTILE / "generated.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GENERATED = _generated()


@dataclass(frozen=True)
class Case:
    name: str
    content: Callable[[], bytes]
    expected: tuple[str, ...]  # rule or rule@line
    stem: str  # the file is copied to sites/<stem>.yaml
    absent: tuple[str, ...] = ()  # texts the output must not hold
    says: str = ""  # what one of its errors must say


def _directives(data: bytes) -> dict[str, str]:
    """The `# key: value` lines that open a committed case (after any byte order mark)."""
    found: dict[str, str] = {}
    for line in data.lstrip(b"\xef\xbb\xbf").split(b"\n"):
        if not line.startswith(b"# "):
            break
        match = DIRECTIVE.fullmatch(line.decode("utf-8", errors="replace"))
        if match:
            found[match.group(1)] = match.group(2)
    return found


def _committed(path: Path) -> Case:
    data = path.read_bytes()
    found = _directives(data)
    assert "expect" in found, f"{path.name}: the first lines must say '# expect: <rule> ...'"
    return Case(path.stem, lambda: data, tuple(found["expect"].split()),
                found.get("as", path.stem), tuple(found.get("absent", "").split()),
                found.get("says", ""))


def _cases() -> list[Case]:
    committed = [_committed(path) for path in sorted(HOSTILE.glob("*.yaml"))]
    generated = [Case(name, make, GENERATED.EXPECTED[name], name)
                 for name, make in GENERATED.RECIPES.items()]
    return committed + generated


CASES = _cases()


def test_corpus_is_large_small_and_uniquely_named() -> None:
    names = [case.name for case in CASES]
    assert len(names) == len(set(names)), "a recipe has the name of a committed file"
    assert len(list(HOSTILE.glob("*.yaml"))) >= 60
    assert sum(path.stat().st_size for path in HOSTILE.iterdir() if path.is_file()) < 200_000


# -- the root each case runs in ---------------------------------------------------------


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A root with the seed sites and their build/, built once and copied for each case."""
    root = tmp_path_factory.mktemp("seeded")
    (root / "sites").mkdir()
    for name in SEEDS:
        shutil.copy(REPO / "sites" / f"{name}.yaml", root / "sites")
    shutil.copy(REPO / "fleet.yaml", root)  # what the examples share
    assert main(["build", "--root", str(root), "--now", NOW]) == 0
    assert all(any((root / "build" / name).iterdir()) for name in SEEDS)
    return root


@pytest.fixture
def root(seeded: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "root"
    shutil.copytree(seeded, copy, symlinks=True)
    return copy


def tree(directory: Path) -> dict[str, str]:
    """Every entry under `directory`: a file's sha256, a symlink's target, or 'dir'."""
    found: dict[str, str] = {}
    for path in sorted(directory.rglob("*")):
        name = path.relative_to(directory).as_posix()
        if path.is_symlink():
            found[name] = "-> " + os.readlink(path)
        elif path.is_dir():
            found[name] = "dir"
        else:
            found[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def build_in_process(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["build", "--root", str(root), "--now", NOW])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def build_in_subprocess(root: Path, timeout: float = 120) -> tuple[int, str, str]:
    result = subprocess.run(
        [sys.executable, "-m", "compiler", "build", "--root", str(root), "--now", NOW],
        capture_output=True, text=True, errors="replace", timeout=timeout, cwd=REPO,
        check=False)
    return result.returncode, result.stdout, result.stderr


def assert_refused(case: Case, code: int, out: str, err: str, *, lines: bool = True) -> None:
    """Exit 1, exactly the expected errors at the file (and line), and nothing a terminal
    or a reader should not see. `lines=False`: the file has no lines (a pipe, a link)."""
    output = out + err
    assert "Traceback" not in output, output[-3000:]
    assert code == 1, output[-3000:]
    display = f"sites/{case.stem}.yaml"
    located = [line for line in err.splitlines() if re.match(
        re.escape(display) + (r":[0-9]+:[0-9]+: error: " if lines else r": error: "), line)]
    assert located, f"no error names {display}{':<line>' if lines else ''}:\n{err[:3000]}"
    rules = {line.rpartition("[")[2].rstrip("]") for line in located}
    assert rules == {expected.partition("@")[0] for expected in case.expected}, located
    for expected in case.expected:
        rule, _, line = expected.partition("@")
        if line:
            assert any(text.startswith(f"{display}:{line}:") and text.endswith(f"[{rule}]")
                       for text in located), f"[{rule}] not at line {line}: {located}"
    assert any(case.says in line for line in located), f"no error says {case.says!r}"
    for secret in case.absent:
        assert secret not in output
    assert not CONTROL.search(output), repr(CONTROL.search(output))
    assert max(len(line) for line in output.splitlines()) <= MAX_LINE


# -- the corpus --------------------------------------------------------------------------

# Cases that show a bug outside load.py and validate.py: name -> reason.
KNOWN_BUGS: dict[str, str] = {}


def _param(case: Case) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[case.name])] \
        if case.name in KNOWN_BUGS else []
    return pytest.param(case, id=case.name, marks=marks)


@pytest.mark.parametrize("case", [_param(case) for case in CASES])
def test_hostile_file_is_refused(case: Case, root: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    (root / "sites" / f"{case.stem}.yaml").write_bytes(case.content())
    before = tree(root / "build")
    code, out, err = build_in_process(root, capsys)
    assert_refused(case, code, out, err)
    assert tree(root / "build") == before


@pytest.mark.parametrize("case", [_param(case) for case in CASES[::SUBPROCESS_EVERY]])
def test_hostile_file_is_refused_by_the_command(case: Case, root: Path) -> None:
    (root / "sites" / f"{case.stem}.yaml").write_bytes(case.content())
    before = tree(root / "build")
    code, out, err = build_in_subprocess(root)
    assert_refused(case, code, out, err)
    assert tree(root / "build") == before


# -- attacks through the file system ------------------------------------------------------

# A valid site of each family that no seed site conflicts with.
ANNEX = {
    "N720": 'site: annex\nmodel: N720\nmac: 7C:2F:80:AA:01:01\nproviders:\n  - name: PBX\n'
            '    domain: pbx.example.net\nhandsets:\n  - ipui: "0301000101"\n    login: "1101"\n'
            '    password: Secret-1101\n',
    "N870": 'site: annex\nmodel: N870\nmac: 7C:2F:80:AA:01:02\nproviders:\n  - name: PBX\n'
            '    domain: pbx.example.net\nhandsets:\n  - ipui: "0301000102"\n    login: "1102"\n'
            '    password: Secret-1102\n',
}


def _annex(*rules: str) -> Case:
    return Case("annex", lambda: b"", rules, "annex")


@pytest.mark.parametrize("model", sorted(ANNEX))
def test_site_file_symlink_to_outside_the_root(model: str, root: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "annex.yaml").write_text(ANNEX[model], encoding="utf-8")
    (root / "sites" / "annex.yaml").symlink_to(outside / "annex.yaml")
    before, elsewhere = tree(root / "build"), tree(outside)
    code, out, err = build_in_process(root, capsys)
    assert_refused(_annex("site-symlink"), code, out, err, lines=False)
    assert tree(root / "build") == before
    assert tree(outside) == elsewhere


@pytest.mark.parametrize("model", sorted(ANNEX))
def test_build_directory_symlink_to_outside_the_root(model: str, root: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """Written through, the link would put the files elsewhere, and the build would delete
    what it finds there as strays."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.txt").write_text("not the compiler's\n", encoding="utf-8")
    (root / "sites" / "annex.yaml").write_text(ANNEX[model], encoding="utf-8")
    (root / "build" / "annex").symlink_to(outside, target_is_directory=True)
    before, elsewhere = tree(root / "build"), tree(outside)
    code, out, err = build_in_process(root, capsys)
    assert "Traceback" not in out + err
    assert code == 1
    assert re.search(r"^build/annex: error: .*symlink.* \[build-symlink\]$", err, re.MULTILINE), err
    assert tree(outside) == elsewhere
    assert tree(root / "build") == before


def test_site_file_that_is_a_directory(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (root / "sites" / "annex.yaml").mkdir()
    before = tree(root / "build")
    code, out, err = build_in_process(root, capsys)
    assert_refused(_annex("file-unreadable"), code, out, err, lines=False)
    assert tree(root / "build") == before


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_site_file_that_is_a_named_pipe_does_not_hang(root: Path) -> None:
    """Opening a pipe for reading waits for a writer: the loader must not open it. A
    subprocess, so that a hang is a timeout rather than a stuck test run."""
    os.mkfifo(root / "sites" / "annex.yaml")
    before = tree(root / "build")
    code, out, err = build_in_subprocess(root, timeout=20)
    assert_refused(_annex("file-unreadable"), code, out, err, lines=False)
    assert tree(root / "build") == before


@pytest.mark.parametrize(("target", "rule"), [
    ("/dev/zero", "site-symlink"),  # endless, and outside the root
    ("annex-is-gone.yaml", "site-symlink"),  # dangling, inside the root
    ("annex.yaml", "site-symlink"),  # itself: a loop
    ("care-home.yaml", "site-symlink"),  # another site file: links are never followed
])
def test_site_file_symlink_to_a_device_or_nothing(target: str, rule: str, root: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    if target.startswith("/dev/") and not Path(target).exists():
        pytest.skip(f"no {target} here")
    (root / "sites" / "annex.yaml").symlink_to(target)
    before = tree(root / "build")
    code, out, err = build_in_process(root, capsys)
    assert_refused(_annex(rule), code, out, err, lines=False)
    assert tree(root / "build") == before


def test_a_sites_folder_that_is_a_link_is_not_read(root: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """Its files would be read from outside the root, and their values echoed in
    diagnostics."""
    outside = tmp_path / "outside"
    (root / "sites").rename(outside)
    (outside / "secret.yaml").write_text("site: secret\nvalue: hunter2\n", encoding="utf-8")
    (root / "sites").symlink_to(outside, target_is_directory=True)
    before = tree(root / "build")
    code, out, err = build_in_process(root, capsys)
    assert code == 1 and out == "" and "Traceback" not in err
    assert err.splitlines()[0] == (
        "sites/: error: sites/ is a symlink; dectprov follows no link, wherever it leads: keep "
        "the site files in a real sites/ folder of the repository [site-symlink]")
    assert "hunter2" not in err
    assert tree(root / "build") == before


@pytest.mark.parametrize("cache", ["on", "off"])
def test_a_site_file_name_that_is_not_utf8_is_named_not_a_traceback(
        cache: str, root: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    if cache == "off":
        monkeypatch.setenv("DECTPROV_CACHE", "off")
    name = os.fsdecode(b"annex\xff.yaml")
    try:
        (root / "sites" / name).write_text(ANNEX["N720"], encoding="utf-8")
    except (UnicodeEncodeError, OSError):
        pytest.skip("this file system takes only UTF-8 names")
    before = tree(root / "build")
    code, out, err = build_in_process(root, capsys)
    assert code == 1 and "Traceback" not in err
    assert "sites/annex\\xff.yaml: error: the file name is not UTF-8; rename it [file-name]" \
        in err
    assert tree(root / "build") == before


@pytest.mark.parametrize("linked", ["state.json", "7C2F80123456.xml"])
def test_a_link_in_a_sites_build_is_never_followed(linked: str, root: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """A committed link at build/<site>/state.json (or its file) to a file outside the
    root: read through, its content would be trusted, or echoed."""
    assert build_in_process(root, capsys)[0] == 0
    path = root / "build" / "care-home" / linked
    outside = tmp_path / "outside"
    outside.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(outside)
    code, _, err = build_in_process(root, capsys)
    if linked == "state.json":
        assert code == 1
        assert "build/care-home/state.json: error: cannot read the state: it is not a plain " \
               "file (a link, a pipe or a device)" in err
    else:  # the file is written anew, in place of the link, never through it
        assert code == 0, err
        assert not path.is_symlink() and path.read_bytes() == outside.read_bytes()
    assert outside.read_bytes() == path.read_bytes() or linked == "state.json"


@pytest.mark.parametrize("digits", [21, 150, 5000])
def test_an_imported_number_no_device_item_holds_is_refused(digits: int, tmp_path: Path) -> None:
    """5,000 digits were a traceback (int() stops at 4,300); 150 were written into the
    site file, which build then refused."""
    text = (REPO / "build" / "vendor-example" / "7C2F80CA21E4.xml").read_text("iso-8859-1")
    (tmp_path / "dm.xml").write_text(text.replace(" </Provider>", (
        f'  <SYMB_ITEM ID="BS_X.uiBig" class="symb_item" value="{"9" * digits}"/>\n'
        " </Provider>")), "iso-8859-1")
    root = tmp_path / "root"
    root.mkdir()
    code, out, err = run("import", str(tmp_path / "dm.xml"), "--root", str(root),
                        "--site", "annex")
    assert code == 1 and out == "" and "Traceback" not in err
    assert f"is a number of {digits} characters; no item of the device holds more than 20 " \
           "digits (64 bits) [import-value]" in err
    assert [p.name for p in root.iterdir() if p.name != ".dectprov.lock"] == []


@pytest.mark.parametrize("moment", ["9999-12-31 23:59", "9999-12-31 23:59-01:00",
                                    "0001-01-01 00:00+01:00", "2099-01-01 00:00",
                                    "1999-12-31 23:59"])
def test_a_moment_the_stamps_cannot_write_is_a_usage_error(moment: str, root: Path) -> None:
    """Was a traceback (OverflowError) once a site changed."""
    text = (root / "sites" / "care-home.yaml").read_text(encoding="utf-8")
    (root / "sites" / "care-home.yaml").write_text(
        text.replace("profile_name:", "profile_name: Other\n# was:", 1), encoding="utf-8")
    for command in ("plan", "build"):
        code, out, err = run(command, "--root", str(root), "--now", moment)
        assert (code, out) == (64, "") and "Traceback" not in err
        assert "expected a moment from 2000 to 2098" in err


def test_with_workers_a_hostile_state_leaves_nothing_staged(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Enough sites for worker processes, some edited (so their files are staged) and
    some states damaged: the build is refused, and no staged file is left anywhere."""
    monkeypatch.setenv("DECTPROV_CACHE", "off")
    root = small_fleet(tmp_path / "root", 30)
    assert run("build", "--root", str(root), "--now", NOW)[0] == 0
    before = tree(root / "build")
    for n in (3, 7, 11, 19):
        state = root / "build" / f"v{n:02d}" / "state.json"
        state.write_text(state.read_text(encoding="utf-8").replace('"revision": 1',
                                                                   '"revision": "x"'))
    for n in range(20, 30):
        site = root / "sites" / f"v{n:02d}.yaml"
        site.write_text(site.read_text(encoding="utf-8") + "profile_name: Edited\n",
                        encoding="utf-8")
    code, _, err = run("build", "--root", str(root), "--now", NOW)
    assert code == 1 and err.count("[state]") == 8  # the revision, and in its history
    assert sorted(p.name for p in root.rglob("*.tmp")) == []
    assert {k: v for k, v in tree(root / "build").items() if not k.endswith("state.json")} == {
        k: v for k, v in before.items() if not k.endswith("state.json")}


def test_a_committed_cache_folder_or_link_is_never_used(
        root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A committed .dectprov-cache link to ../victim made check delete ../victim/models/
    and write a pickle there. The cache lives in the user's cache directory: whatever the
    tree holds under that name is neither read nor written."""
    victim = tmp_path / "victim"
    (victim / "models").mkdir(parents=True)
    (victim / "models" / "keep.txt").write_text("mine", encoding="utf-8")
    (root / ".dectprov-cache").symlink_to(victim, target_is_directory=True)
    before = tree(victim)
    for command in (["build", "--now", NOW], ["check"], ["plan", "--now", NOW]):
        assert main([*command, "--root", str(root)]) in (0, 2)
        capsys.readouterr()
    assert tree(victim) == before
    assert (root / ".dectprov-cache").is_symlink()
