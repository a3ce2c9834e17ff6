"""`publish --secrets-command CMD`: the secrets YAML is a command's standard output (`sops
-d`, `vault kv get`, a password manager). The command runs without a shell unless
--secrets-shell asks for one; its stderr passes through; its stdout is never shown, whatever
goes wrong: a failure, YAML that is not valid, a hang, a missing program, too much output,
a signal. The output obeys the secrets file's rules."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path
from xml.etree import ElementTree

import pytest
from helpers import REPO, copy_sites, secret_line, tree

from compiler.cli import EXIT_INVALID, EXIT_OK, EXIT_USAGE, main
from compiler.secrets import ENVIRONMENT_PREFIX, environment_name

NOW = "2026-11-26 12:00"
CARE_HOME = [*(f"care-home/{login}" for login in (
    "2101", "2102", "2103", "2104", "2105", "2106", "2107", "2108", "2109", "2110", "2111",
    "2112", "2190", "2191")), "care-home/admin"]
CLINIC_NORTH = [*(f"clinic-north/{login}" for login in (
    "4101", "4102", "4110", "4111", "4120", "4190")), "clinic-north/admin"]
N720_PASSWORD = "BS_VOIP_Data.astVoipAccounts[{slot}].aucS_SIP_PASSWORD[0]"
LEAK = "QzLeakedSecretWk9"  # a value that must never be seen outside a published file


def _value(name: str) -> str:
    return "Qz" + name.replace("/", "Xq").replace("-", "Vv") + "Wk9"


ALL_SECRETS = "".join(f'{name}: "{_value(name)}"\n' for name in CARE_HOME + CLINIC_NORTH)


# Whatever the machine exports, each test starts with no secret in the environment.
pytestmark = pytest.mark.usefixtures("no_secrets_in_environment")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = copy_sites(tmp_path / "repo")
    assert main(["build", "--root", str(root), "--now", NOW]) == EXIT_OK
    return root


def _script(tmp_path: Path, body: str, name: str = "secrets.py") -> str:
    """A command that runs `body` with this Python: the stand-in for sops or vault."""
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return f"{shlex.quote(sys.executable)} {shlex.quote(str(path))}"


def _printing(tmp_path: Path, text: str, then: str = "") -> str:
    return _script(tmp_path, f"import sys\nsys.stdout.write({text!r})\nsys.stdout.flush()\n"
                   + then)


def _publish(root: Path, to: Path, *arguments: str) -> int:
    return main(["publish", "--root", str(root), "--to", str(to), *arguments])


def _n720_items(path: Path) -> dict[str | None, str | None]:
    document = ElementTree.parse(path).getroot()
    return {item.get("ID"): item.get("value") for item in document.iter("SYMB_ITEM")}


# -- it works -----------------------------------------------------------------------------


def test_the_commands_output_is_the_secrets_file(root: Path, tmp_path: Path,
                                                 capfd: pytest.CaptureFixture[str]) -> None:
    published = tmp_path / "published"
    assert _publish(root, published, "--secrets-command",
                    _printing(tmp_path, ALL_SECRETS)) == EXIT_OK
    items = _n720_items(published / "7C2F80123456.xml")
    assert [items[N720_PASSWORD.format(slot=slot)] for slot in range(14)] == [
        f'"{_value(name)}"' for name in CARE_HOME[:14]]
    assert items["BS_CUSTOM.WebUIPassword"] == f'"{_value("care-home/admin")}"'
    nx70 = ElementTree.parse(published / "7c2f809a0b11.xml").getroot()
    passwords = {param.get("name"): param.get("value") for param in nx70.iter("param")}
    assert passwords["SipAccount.0332a11b01.AuthPassword"] == _value("clinic-north/4101")
    output = capfd.readouterr()
    assert "Published care-home: revision 1" in output.out
    for name in CARE_HOME + CLINIC_NORTH:
        assert _value(name) not in output.out + output.err


def test_a_providers_sixty_thousand_secrets_come_from_one_command(
        root: Path, tmp_path: Path) -> None:
    """One command's output holds every secret of a provider's fleet: the examples' among
    60,000 others, over what a site file may hold."""
    fleet = "".join(f'"site-{n // 25:04d}/handset-{n % 25:02d}": "pw-{n:06d}"\n'
                    for n in range(60_000))
    (tmp_path / "all.yaml").write_text(fleet + ALL_SECRETS, encoding="utf-8")
    published = tmp_path / "published"
    started = time.monotonic()
    assert _publish(root, published, "--secrets-command", _script(
        tmp_path, f"import sys\nsys.stdout.write(open({str(tmp_path / 'all.yaml')!r}).read())\n"
    )) == EXIT_OK
    assert time.monotonic() - started < 30
    items = _n720_items(published / "7C2F80123456.xml")
    assert items[N720_PASSWORD.format(slot=0)] == f'"{_value("care-home/2101")}"'


def test_the_environment_comes_before_the_command(root: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(environment_name("care-home/2101"), "FromTheEnvironment")
    published = tmp_path / "published"
    assert _publish(root, published, "--secrets-command",
                    _printing(tmp_path, ALL_SECRETS)) == EXIT_OK
    items = _n720_items(published / "7C2F80123456.xml")
    assert items[N720_PASSWORD.format(slot=0)] == '"FromTheEnvironment"'
    assert items[N720_PASSWORD.format(slot=1)] == f'"{_value("care-home/2102")}"'


def test_the_command_replaces_secrets_yaml_in_the_root(root: Path, tmp_path: Path) -> None:
    (root / "secrets.yaml").write_text("- not: read\n", encoding="utf-8")  # an error if read
    assert _publish(root, tmp_path / "published", "--secrets-command",
                    _printing(tmp_path, ALL_SECRETS)) == EXIT_OK


def test_the_command_runs_without_a_shell(root: Path, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Words split as a shell would, but `$VAR`, `;` and `|` reach the program as text."""
    monkeypatch.setenv("DECTPROV_TEST_WORD", "expanded")
    seen = tmp_path / "argv.txt"
    command = _script(tmp_path, "import json, sys\n"
                      f"open({str(seen)!r}, 'w').write(json.dumps(sys.argv[1:]))\n"
                      f"sys.stdout.write({ALL_SECRETS!r})\n")
    arguments = "'two words' $DECTPROV_TEST_WORD ';' '|' \"x y\""
    assert _publish(root, tmp_path / "published", "--secrets-command",
                    f"{command} {arguments}") == EXIT_OK
    assert seen.read_text(encoding="utf-8") == (
        '["two words", "$DECTPROV_TEST_WORD", ";", "|", "x y"]')


def test_secrets_shell_runs_it_with_the_shell(root: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "plain.yaml"
    source.write_text(ALL_SECRETS, encoding="utf-8")
    monkeypatch.setenv("DECTPROV_TEST_SOURCE", str(source))
    published = tmp_path / "published"
    assert _publish(root, published, "--secrets-shell", "--secrets-command",
                    'cat "$DECTPROV_TEST_SOURCE" | grep -v "^#"') == EXIT_OK
    items = _n720_items(published / "7C2F80123456.xml")
    assert items[N720_PASSWORD.format(slot=0)] == f'"{_value("care-home/2101")}"'


def test_the_commands_stderr_passes_through(root: Path, tmp_path: Path,
                                            capfd: pytest.CaptureFixture[str]) -> None:
    command = _printing(tmp_path, ALL_SECRETS,
                        "sys.stderr.write('decrypting with age key\\n')\n")
    assert _publish(root, tmp_path / "published", "--secrets-command", command) == EXIT_OK
    assert "decrypting with age key\n" in capfd.readouterr().err


# -- it fails, and says why without showing the output --------------------------------------


def _refused(root: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str],
             *arguments: str) -> str:
    """Publish with these arguments: refused, nothing written, no value of the output shown;
    the diagnostics on stderr."""
    published = tmp_path / "published"
    assert _publish(root, published, *arguments) == EXIT_INVALID
    assert not published.exists()
    output = capfd.readouterr()
    assert LEAK not in output.out + output.err
    assert output.err.endswith("Nothing was published.\n")
    return output.err


def test_a_failing_command_is_an_error_and_its_output_is_not_read(
        root: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    command = _printing(tmp_path, f'care-home/2101: "{LEAK}"\n',
                        "sys.stderr.write('sops: no key could decrypt the data\\n')\n"
                        "sys.exit(3)\n")
    err = _refused(root, tmp_path, capfd, "--secrets-command", command)
    assert err == (
        "sops: no key could decrypt the data\n"
        "--secrets-command: error: the secrets command 'python3' failed with exit status 3; "
        "its output is not read (its messages, if any, are above) [secret-command]\n"
        "Nothing was published.\n").replace("python3", Path(sys.executable).name)


def test_a_command_ended_by_a_signal_is_an_error(root: Path, tmp_path: Path,
                                                 capfd: pytest.CaptureFixture[str]) -> None:
    command = _printing(tmp_path, f'care-home/2101: "{LEAK}"\n',
                        "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n")
    err = _refused(root, tmp_path, capfd, "--secrets-command", command)
    assert "was ended by SIGKILL; its output is not read" in err


def test_a_command_that_is_not_found(root: Path, tmp_path: Path,
                                     capfd: pytest.CaptureFixture[str]) -> None:
    err = _refused(root, tmp_path, capfd, "--secrets-command",
                   f"dectprov-no-such-program --token {LEAK}")
    assert err == (
        "--secrets-command: error: the secrets command 'dectprov-no-such-program' was not "
        "found: is it installed, and on the PATH? [secret-command]\nNothing was published.\n")


def test_a_command_that_cannot_be_run(root: Path, tmp_path: Path,
                                      capfd: pytest.CaptureFixture[str]) -> None:
    program = tmp_path / "not-executable"
    program.write_text("#!/bin/sh\n", encoding="utf-8")
    program.chmod(0o600)
    err = _refused(root, tmp_path, capfd, "--secrets-command", str(program))
    assert "the secrets command 'not-executable' cannot be run: Permission denied" in err


@pytest.mark.parametrize(("command", "why"), [
    ("sops -d 'secrets.enc.yaml", "cannot be split into words: No closing quotation; "
                                  "quote it as a POSIX shell would"),
    ("   ", "the secrets command is empty"),
])
def test_a_command_that_is_not_words(root: Path, tmp_path: Path,
                                     capfd: pytest.CaptureFixture[str], command: str,
                                     why: str) -> None:
    assert why in _refused(root, tmp_path, capfd, "--secrets-command", command)


def test_a_command_that_hangs_is_stopped_at_the_timeout(
        root: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """The command and what it started are ended: nothing outlives publish."""
    pids = tmp_path / "pids"
    command = (f"sleep 60 & echo $$ $! > {shlex.quote(str(pids))}; "
               f"printf 'care-home/2101: \"{LEAK}\"\\n'; wait")
    started = time.monotonic()
    err = _refused(root, tmp_path, capfd, "--secrets-shell", "--secrets-timeout", "1",
                   "--secrets-command", command)
    assert time.monotonic() - started < 20
    assert err == (
        "--secrets-command: error: the secrets command did not finish within 1 second and "
        "was stopped; it must not wait for input (it has none). Give it longer with "
        "--secrets-timeout SECONDS [secret-command]\nNothing was published.\n")
    _assert_gone(pids)


def test_a_command_that_waits_for_input_gets_none(root: Path, tmp_path: Path,
                                                  capfd: pytest.CaptureFixture[str]) -> None:
    """Its standard input is empty: a prompt reads end-of-file rather than waiting."""
    command = _script(tmp_path, "import sys\nanswer = sys.stdin.read()\n"
                      f"sys.stdout.write({ALL_SECRETS!r} if answer == '' else 'x: [')\n")
    assert _publish(root, tmp_path / "published", "--secrets-timeout", "20",
                    "--secrets-command", command) == EXIT_OK


def test_output_over_the_cap_stops_the_command(root: Path, tmp_path: Path,
                                               capfd: pytest.CaptureFixture[str]) -> None:
    command = _script(tmp_path, "import sys, time\n"
                      f"sys.stdout.write('a/b: \"{LEAK}\"\\n' * 700000)\nsys.stdout.flush()\n"
                      "time.sleep(60)\n")
    started = time.monotonic()
    err = _refused(root, tmp_path, capfd, "--secrets-command", command)
    assert time.monotonic() - started < 20  # the cap, not the timeout, stopped it
    assert ("printed over 16 MiB; secrets are never that large. It was stopped, and its "
            "output is not read [secret-command]") in err


def _assert_gone(pids: Path) -> None:
    numbers = [int(word) for word in pids.read_text(encoding="utf-8").split()]
    assert numbers
    for _ in range(100):
        alive = [pid for pid in numbers if _alive(pid)]
        if not alive:
            return
        time.sleep(0.05)
    raise AssertionError(f"still running: {alive}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is gone, only not yet reaped by its parent
        state = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1]
    except OSError:
        return False
    return state.split()[0] != "Z"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_signal_while_the_command_runs_stops_it_and_publishes_nothing(
        root: Path, tmp_path: Path, signum: signal.Signals) -> None:
    pids, published = tmp_path / "pids", tmp_path / "published"
    command = _script(tmp_path, "import os, sys, time\n"
                      f"open({str(pids)!r}, 'w').write(str(os.getpid()))\n"
                      f"sys.stdout.write('care-home/2101: \"{LEAK}\"\\n')\nsys.stdout.flush()\n"
                      "time.sleep(60)\n")
    environment = {k: v for k, v in os.environ.items() if not k.startswith(ENVIRONMENT_PREFIX)}
    environment["PYTHONPATH"] = str(REPO)
    process = subprocess.Popen(
        [sys.executable, "-m", "compiler", "publish", "--root", str(root), "--to",
         str(published), "--secrets-command", command],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment)
    deadline = time.monotonic() + 30
    while not (pids.exists() and pids.read_text(encoding="utf-8")):
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.02)
    process.send_signal(signum)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 128 + signum
    assert err == (f"dectprov: stopped by {signal.Signals(signum).name} before writing: "
                   "nothing was written\n")
    assert LEAK not in out + err
    assert not published.exists()
    _assert_gone(pids)


# -- the output obeys the secrets file's rules, and is never quoted -------------------------


@pytest.mark.parametrize(("text", "diagnostic"), [
    (f"care-home/2101: !{LEAK}\n",
     "--secrets-command:1:17: error: care-home/2101: secret 'care-home/2101' starts with "
     "'!', which YAML reads as a tag; quote the value [yaml-tag]"),
    (f"care-home/2101: {LEAK}: more\n",
     "--secrets-command:1:34: error: the value is not valid YAML as written (a value "
     "starting with ! & * or another YAML sign, or holding ': ' or ' #', is read as YAML); "
     "quote the value [yaml-syntax]"),
    (f"- {LEAK}\n",
     "--secrets-command:1:1: error: the secrets command's output must be a mapping of secret "
     "names to quoted values, one 'name: \"value\"' a line [secret-file]"),
    ("care-home/2101: 0123\n",
     "--secrets-command:1:17: error: care-home/2101: secret 'care-home/2101' is not text: "
     "YAML reads the value as a number; quote it [secret-file]"),
    (f"Care-Home/2101: \"{LEAK}\"\n",
     "--secrets-command:1:1: error: Care-Home/2101: secret 'Care-Home/2101' is not a "
     "secret name (lower-case letters, digits and . _ / -, starting with a letter or "
     "digit) [secret-file]"),
    (f'care-home/a.b: "{LEAK}"\ncare-home/a-b: "{LEAK}"\n',
     "--secrets-command:2:1: error: care-home/a-b: secret 'care-home/a-b' and "
     "'care-home/a.b' (line 1) are both read from the environment variable "
     "DECTPROV_SECRET_CARE_HOME_A_B: rename one of them [secret-collision]"),
    (f'care-home/2101: "{LEAK}"\ncare-home/2101: "{LEAK}"\n',
     "--secrets-command:2:1: error: care-home/2101: duplicate key 'care-home/2101' "),
])
def test_the_output_obeys_the_secrets_files_rules(root: Path, tmp_path: Path,
                                                  capfd: pytest.CaptureFixture[str],
                                                  text: str, diagnostic: str) -> None:
    err = _refused(root, tmp_path, capfd, "--secrets-command", _printing(tmp_path, text))
    assert err.startswith(diagnostic), err


def test_output_that_is_not_utf8(root: Path, tmp_path: Path,
                                 capfd: pytest.CaptureFixture[str]) -> None:
    command = _script(tmp_path, "import sys\nsys.stdout.buffer.write(b'a/b: \"\\xff\\xfe\"\\n')\n")
    err = _refused(root, tmp_path, capfd, "--secrets-command", command)
    assert "the secrets command's output is not UTF-8 text; save it as UTF-8" in err


def test_a_value_the_device_cannot_take_is_refused_unseen(
        root: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    text = ALL_SECRETS.replace(_value("care-home/2102"), LEAK * 4)  # over 50 characters
    err = _refused(root, tmp_path, capfd, "--secrets-command", _printing(tmp_path, text))
    assert "secret 'care-home/2102' of site care-home is longer than the 50" in err


def test_a_missing_secret_says_to_add_it_to_the_commands_output(
        root: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    text = ALL_SECRETS.replace(f'care-home/2103: "{_value("care-home/2103")}"\n', "")
    err = _refused(root, tmp_path, capfd, "--secrets-command", _printing(tmp_path, text))
    assert err.splitlines()[:-1] == [
        f"sites/care-home.yaml:{secret_line(root, 'care-home/2103')}: error: "
        "handsets[2].password: secret 'care-home/2103' of "
        "site care-home is not set: export DECTPROV_SECRET_CARE_HOME_2103, or add "
        "'care-home/2103' to the secrets command's output [secret]"]


# -- the options ------------------------------------------------------------------------------


@pytest.mark.parametrize("arguments", [
    ("--secrets-shell",),
    ("--secrets-timeout", "5"),
    ("--secrets", "secrets.yaml", "--secrets-command", "true"),
    ("--secrets-command", "true", "--secrets-timeout", "0"),
])
def test_options_that_do_not_go_together(root: Path, tmp_path: Path,
                                         capfd: pytest.CaptureFixture[str],
                                         arguments: tuple[str, ...]) -> None:
    assert _publish(root, tmp_path / "published", *arguments) == EXIT_USAGE
    assert not (tmp_path / "published").exists()
    assert "Try 'dectprov publish --help'." in capfd.readouterr().err


def test_nothing_but_the_published_files_holds_a_value(root: Path, tmp_path: Path,
                                                       capfd: pytest.CaptureFixture[str],
                                                       ) -> None:
    before = tree(root)
    assert _publish(root, tmp_path / "published", "--secrets-command",
                    _printing(tmp_path, ALL_SECRETS)) == EXIT_OK
    assert tree(root) == before
    deployed = b"".join(tree(tmp_path / "published").values())
    for name in CARE_HOME + CLINIC_NORTH:
        assert _value(name).encode() in deployed
