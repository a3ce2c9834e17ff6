"""Secrets: `{secret: NAME}` names a password that lives outside git. The environment
comes first, then the secrets file; build/ holds a placeholder, so validate, plan and build
need no secret, and no value reaches any output but the published files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from helpers import REPO, copy_sites, tree

from compiler.cli import EXIT_INVALID, EXIT_OK, main
from compiler.diagnostics import Diagnostic, Severity
from compiler.secrets import (
    ENVIRONMENT_PREFIX,
    MAX_SECRETS_BYTES,
    SECRETS_FILE,
    SecretRef,
    SecretStore,
    environment_name,
    load_store,
)

NOW = "2026-11-26 12:00"
CARE_HOME_HANDSETS = [f"care-home/{login}" for login in (
    "2101", "2102", "2103", "2104", "2105", "2106", "2107", "2108", "2109", "2110", "2111",
    "2112", "2190", "2191")]
CLINIC_NORTH_HANDSETS = [f"clinic-north/{login}" for login in (
    "4101", "4102", "4110", "4111", "4120", "4190")]
# Every example secret: the handsets' passwords and the DM's admin password.
CARE_HOME = [*CARE_HOME_HANDSETS, "care-home/admin"]
CLINIC_NORTH = [*CLINIC_NORTH_HANDSETS, "clinic-north/admin"]
N720_PASSWORD = "BS_VOIP_Data.astVoipAccounts[{slot}].aucS_SIP_PASSWORD[0]"


# Whatever the machine exports, each test starts with no secret in the environment.
pytestmark = pytest.mark.usefixtures("no_secrets_in_environment")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return copy_sites(tmp_path)


# -- names -------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "variable"), [
    ("acme-hq/1013", "DECTPROV_SECRET_ACME_HQ_1013"),
    ("care-home/2101", "DECTPROV_SECRET_CARE_HOME_2101"),
    ("pbx.main_trunk", "DECTPROV_SECRET_PBX_MAIN_TRUNK"),
    ("a/b.c-d_e", "DECTPROV_SECRET_A_B_C_D_E"),
    ("0", "DECTPROV_SECRET_0"),
])
def test_environment_name(name: str, variable: str) -> None:
    assert environment_name(name) == variable


def test_placeholder_names_the_secret() -> None:
    assert SecretRef("acme-hq/1013").placeholder == "${secret:acme-hq/1013}"


# -- where values come from ----------------------------------------------------------------


def test_store_takes_the_environment_first_then_the_file() -> None:
    store = SecretStore({"DECTPROV_SECRET_A_1": "from-env", "DECTPROV_SECRET_EMPTY": ""},
                        {"a/1": "from-file", "b/2": "only-file", "empty": "file-value"})
    assert store.value("a/1") == "from-env"
    assert store.value("b/2") == "only-file"
    assert store.value("empty") == ""  # set, though empty: the environment still wins
    assert store.value("c/3") is None


def test_load_store_reads_the_environment_and_secrets_yaml_in_the_root(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / SECRETS_FILE).write_text('a/1: "file-a"\nb/2: "file-b"\n', encoding="utf-8")
    monkeypatch.setenv("DECTPROV_SECRET_A_1", "env-a")
    monkeypatch.setenv("OTHER_VARIABLE", "not-a-secret")
    store, problems = load_store(tmp_path, None)
    assert problems == []
    assert store.environment == {"DECTPROV_SECRET_A_1": "env-a"}
    assert store.file_values == {"a/1": "file-a", "b/2": "file-b"}
    assert (store.value("a/1"), store.value("b/2")) == ("env-a", "file-b")


def test_load_store_without_a_secrets_file_has_only_the_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DECTPROV_SECRET_B_2", "env-b")
    store, problems = load_store(tmp_path, None)
    assert (store.environment, store.file_values, problems) == (
        {"DECTPROV_SECRET_B_2": "env-b"}, {}, [])


def test_given_secrets_file_replaces_the_one_in_the_root(tmp_path: Path) -> None:
    (tmp_path / SECRETS_FILE).write_text("- not: read\n", encoding="utf-8")  # would be an error
    given = tmp_path / "elsewhere.yaml"
    given.write_text('a/1: "given"\n', encoding="utf-8")
    store, problems = load_store(tmp_path, given)
    assert (store.file_values, problems) == ({"a/1": "given"}, [])


def test_given_secrets_file_that_is_missing_is_an_error(tmp_path: Path) -> None:
    given = tmp_path / "missing.yaml"
    store, problems = load_store(tmp_path, given)
    assert store.file_values == {}
    assert [d.to_text() for d in problems] == [
        f"{given.as_posix()}: error: cannot read the file: No such file or directory "
        "[file-unreadable]"]


def test_values_are_taken_exactly_as_given(tmp_path: Path) -> None:
    (tmp_path / SECRETS_FILE).write_text(
        "a: \"  spaced  \"\nb: '0000'\nc: \"1.10\"\nd: 'yes'\ne: 'with # hash'\n"
        "f: \"Grüße & <tags> 'q'\"\ng: 2026-11-26\n", encoding="utf-8")
    store, problems = load_store(tmp_path, None)
    assert problems == []
    assert store.file_values == {"a": "  spaced  ", "b": "0000", "c": "1.10", "d": "yes",
                                 "e": "with # hash", "f": "Grüße & <tags> 'q'",
                                 "g": "2026-11-26"}


# -- a secrets file that is wrong: located, and never showing a value -----------------------


def _problems(tmp_path: Path, text: str) -> list[Diagnostic]:
    (tmp_path / SECRETS_FILE).write_text(text, encoding="utf-8")
    return load_store(tmp_path, None)[1]


@pytest.mark.parametrize("text", ["", "# only a comment\n", "\n\n"])
def test_empty_secrets_file_holds_no_secrets(tmp_path: Path, text: str) -> None:
    (tmp_path / SECRETS_FILE).write_text(text, encoding="utf-8")
    store, problems = load_store(tmp_path, None)
    assert (store.file_values, problems) == ({}, [])


NOT_MAPPING = ("secrets.yaml:{line}:1: error: the secrets file must be a mapping of secret "
               "names to quoted values, one 'name: \"value\"' a line [secret-file]")


@pytest.mark.parametrize(("text", "line"), [
    ("- Kx7hunter\n", 1),
    ("Kx7hunter\n", 1),
    ("~\n", 1),
    ("# a list\n- a: Kx7hunter\n", 2),
])
def test_secrets_file_not_a_mapping(tmp_path: Path, text: str, line: int) -> None:
    problems = _problems(tmp_path, text)
    assert [d.to_text() for d in problems] == [NOT_MAPPING.format(line=line)]
    assert "Kx7hunter" not in problems[0].to_text()


@pytest.mark.parametrize(("raw", "kind"), [
    ("1.10", "a decimal number"),
    ("yes", "true/false"),
    ("123", "a number"),
    ("0123", "a number"),
    ("off", "true/false"),
])
def test_typed_value_says_quote_it_without_showing_it(tmp_path: Path, raw: str,
                                                      kind: str) -> None:
    problems = _problems(tmp_path, f'pbx/desk: "fine"\nacme/phone: {raw}\n')
    assert [d.to_text() for d in problems] == [
        f"secrets.yaml:2:13: error: acme/phone: secret 'acme/phone' is not text: YAML reads "
        f"the value as {kind}; quote it [secret-file]"]
    assert raw not in problems[0].message
    assert raw not in json.dumps(problems[0].to_json())


@pytest.mark.parametrize(("raw", "why"), [
    ("{a: b}", "is a mapping, not text: give the value as quoted text"),
    ("[a, b]", "is a list, not text: give the value as quoted text"),
    ("", "has no value: give it as quoted text"),
])
def test_structured_or_missing_value(tmp_path: Path, raw: str, why: str) -> None:
    problems = _problems(tmp_path, f"acme/phone: {raw}\n")
    column = 13 if raw else 12  # the null starts after "acme/phone: "
    assert [d.to_text() for d in problems] == [
        f"secrets.yaml:1:{column}: error: acme/phone: secret 'acme/phone' {why} [secret-file]"]


@pytest.mark.parametrize("raw", ["0x_", "9" * 120])
def test_value_yaml_cannot_read_is_not_shown(tmp_path: Path, raw: str) -> None:
    problems = _problems(tmp_path, f"acme/phone: {raw}\n")
    assert [d.to_text() for d in problems] == [
        "secrets.yaml:1:13: error: acme/phone: secret 'acme/phone' is not valid YAML as "
        "written; quote the value [yaml-value]"]
    assert raw[:10] not in problems[0].to_text()


@pytest.mark.parametrize("name", ["Acme/phone", "-acme", "acme phone", "acme:phone", "ümlaut"])
def test_bad_secret_name_is_located_at_the_name(tmp_path: Path, name: str) -> None:
    problems = _problems(tmp_path, f'ok/1: "a"\n"{name}": "Kx7hunter"\n')
    assert [d.to_text() for d in problems] == [
        f"secrets.yaml:2:1: error: {name}: secret '{name}' is not a secret name (lower-case "
        "letters, digits and . _ / -, starting with a letter or digit) [secret-file]"]
    assert "Kx7hunter" not in problems[0].to_text()


def test_duplicate_key_is_located(tmp_path: Path) -> None:
    problems = _problems(tmp_path, 'a/1: "Kx7first"\nb/2: "x"\na/1: "Kx7second"\n')
    assert [d.to_text() for d in problems] == [
        "secrets.yaml:3:1: error: a/1: duplicate key 'a/1' (first at line 1); YAML would "
        "silently keep only the last one [duplicate-key]"]


@pytest.mark.parametrize("raw", [
    "!Pa55word", "*Pa55word", "&Pa55word", "!!binary Pa55word", "'Pa55word",
    "Pa55word: x", "{Pa55word: 1}", "[Pa55word, 1]", "@Pa55word", "`Pa55word",
    '"Pa55word', "|\n Pa55word\nx y: 1", "%Pa55word", "{Pa55word: 1, Pa55word: 2}",
    "Pa55\x07word",
])
def test_no_yaml_diagnostic_quotes_a_value(tmp_path: Path, raw: str) -> None:
    """A tag, an alias, an anchor, a stray quote: the loader would quote what it stumbled
    on, which in a secrets file is the password."""
    problems = _problems(tmp_path, f'acme/phone: {raw}\nacme/desk: "x"\n')
    assert problems, raw
    for problem in problems:
        assert problem.line is not None and problem.column is not None, problem
        assert "Pa55" not in problem.to_text() and "Pa55" not in json.dumps(problem.to_json())


def test_a_tag_or_an_alias_names_the_secret_and_says_quote_it(tmp_path: Path) -> None:
    problems = _problems(tmp_path, 'acme/desk: !Pa55word\nacme/phone: *Pa55word\n')
    assert [d.to_text() for d in problems] == [
        "secrets.yaml:1:12: error: acme/desk: secret 'acme/desk' starts with '!', which YAML "
        "reads as a tag; quote the value [yaml-tag]",
        "secrets.yaml:2:13: error: acme/phone: secret 'acme/phone' is not valid YAML as "
        "written (a value starting with ! & * or another YAML sign, or holding ': ' or ' #', "
        "is read as YAML); quote the value [yaml-syntax]"]


def test_publish_never_prints_a_value_the_secrets_file_cannot_hold(
        root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "--root", str(root), "--now", NOW]) == EXIT_OK
    (root / SECRETS_FILE).write_text(
        'care-home/2101: !Pa55word\ncare-home/2102: *Pa56word\n', encoding="utf-8")
    code = main(["publish", "--root", str(root), "--to", str(root / "out")])
    captured = capsys.readouterr()
    assert code == EXIT_INVALID
    assert "secrets.yaml:1:17: error: " in captured.err
    assert "Pa55word" not in captured.out + captured.err
    assert "Pa56word" not in captured.out + captured.err
    assert "Traceback" not in captured.err


@pytest.mark.parametrize(("first", "second"), [
    ("care.home/2101", "care-home/2101"),
    ("a/b", "a_b"),
    ("shared/x-y", "shared/x.y"),
])
def test_names_that_share_an_environment_variable_are_an_error(
        tmp_path: Path, first: str, second: str) -> None:
    problems = _problems(tmp_path, f'{first}: "Kx7one"\nok/1: "x"\n{second}: "Kx7two"\n')
    assert [d.to_text() for d in problems] == [
        f"secrets.yaml:3:1: error: {second}: secret '{second}' and '{first}' (line 1) are both "
        f"read from the environment variable {environment_name(first)}: rename one of them "
        "[secret-collision]"]
    assert "Kx7" not in problems[0].to_text()


def _special(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / SECRETS_FILE
    if kind == "symbolic link":
        target = tmp_path / "real.yaml"
        target.write_text('a/1: "Kx7hunter"\n', encoding="utf-8")
        path.symlink_to(target)
    elif kind == "dangling link":
        path.symlink_to(tmp_path / "nowhere.yaml")
    elif kind == "pipe":
        os.mkfifo(path)
    else:
        path.mkdir()
    return path


@pytest.mark.parametrize(("kind", "what"), [
    ("symbolic link", "a symbolic link"),
    ("dangling link", "a symbolic link"),
    ("pipe", "a pipe, a socket or a device"),
    ("directory", "a directory"),
])
@pytest.mark.parametrize("given", [False, True])
def test_a_secrets_file_that_is_not_a_plain_file_is_not_read(
        tmp_path: Path, kind: str, what: str, given: bool) -> None:
    path = _special(tmp_path, kind)
    store, problems = load_store(tmp_path, path if given else None)  # a pipe would hang
    display = path.as_posix() if given else SECRETS_FILE
    assert store.file_values == {}
    assert [d.to_text() for d in problems] == [
        f"{display}: error: the secrets file is {what}, not a plain file; give the plain file "
        "itself [secret-file]"]


def test_a_device_is_not_read(tmp_path: Path) -> None:
    store, problems = load_store(tmp_path, Path("/dev/zero"))
    assert [d.rule for d in problems] == ["secret-file"]
    assert "a pipe, a socket or a device" in problems[0].message


def test_a_secrets_file_over_the_limit_is_not_read(tmp_path: Path) -> None:
    (tmp_path / SECRETS_FILE).write_text('a/1: "' + "x" * MAX_SECRETS_BYTES + '"\n',
                                         encoding="utf-8")
    assert [d.to_text() for d in _problems_of(tmp_path)] == [
        "secrets.yaml: error: the secrets file is over 16 MiB; a secrets file is never that "
        "large [secret-file]"]


def _fleet_secrets(count: int) -> str:
    """A provider's secrets: 25 handsets a site, one line each."""
    return "".join(f'"site-{n // 25:04d}/handset-{n % 25:02d}": "pw-{n:06d}-Xk9!q"\n'
                   for n in range(count))


def test_sixty_thousand_secrets_load_in_one_file(tmp_path: Path) -> None:
    """2,400 sites of 25 handsets: over the 1 MiB and 100,000 values a site file may have,
    well within what one secrets file may hold; read in about a second."""
    text = _fleet_secrets(60_000)
    assert len(text.encode()) > 2 * 1024 * 1024
    (tmp_path / SECRETS_FILE).write_text(text, encoding="utf-8")
    started = time.monotonic()
    store, problems = load_store(tmp_path, None)
    assert time.monotonic() - started < 10
    assert problems == [] and len(store.file_values) == 60_000
    assert store.value("site-2399/handset-24") == "pw-059999-Xk9!q"
    assert store.places["site-2399/handset-24"] == (60_000, 1)


def test_a_secrets_file_whose_aliases_expand_over_the_cap_is_not_read(tmp_path: Path) -> None:
    """A small file whose aliases repeat to over 1,600,000 values: a clear error, at once."""
    hundred = ", ".join(["x"] * 100)
    (tmp_path / SECRETS_FILE).write_text(
        f"a/1: &a [{hundred}]\n"
        f"a/2: &b [{', '.join(['*a'] * 100)}]\n"
        f"a/3: &c [{', '.join(['*b'] * 100)}]\n"
        f"a/4: [{', '.join(['*c'] * 2)}]\n", encoding="utf-8")
    started = time.monotonic()
    assert [d.to_text() for d in _problems_of(tmp_path)] == [
        "secrets.yaml:4:7: error: the secrets file holds more than 1,600,000 values (its "
        "aliases expanded), about 800,000 secrets; a secrets file never holds that many "
        "[yaml-too-large]"]
    assert time.monotonic() - started < 10


def _problems_of(tmp_path: Path) -> list[Diagnostic]:
    return load_store(tmp_path, None)[1]


def test_problems_of_a_given_file_name_it_as_given(tmp_path: Path) -> None:
    given = tmp_path / "ci-secrets.yaml"
    given.write_text("acme/phone: 1.10\n", encoding="utf-8")
    _, problems = load_store(tmp_path, given)
    assert [(d.file, d.line, d.column, d.severity, d.rule) for d in problems] == [
        (given.as_posix(), 1, 13, Severity.ERROR, "secret-file")]


# -- the site format ---------------------------------------------------------------------------


LITERAL_WARNING = ("sites/vendor-example.yaml:32:15: warning: handsets[1].password: 2 handsets "
                   "keep their password in this file, and so in git; write {secret: NAME} and "
                   "keep the value in the environment or secrets.yaml [literal-password]\n")


@pytest.mark.parametrize(("written", "diagnostic"), [
    ("{secret: Bad Name}", "sites/vendor-example.yaml:27:24: error: handsets[0].password.secret: "
     "'Bad Name' is not a secret name (lower-case letters, digits and . _ / -, such as "
     "'acme-hq/1013') [format]"),
    ('{secret: "-x"}', "sites/vendor-example.yaml:27:24: error: handsets[0].password.secret: "
     "'-x' is not a secret name (lower-case letters, digits and . _ / -, such as "
     "'acme-hq/1013') [format]"),
    ("{secret: vendor-example/1, other: b}", "sites/vendor-example.yaml:27:42: error: "
     "handsets[0].password.other: unknown key 'other'; allowed here: secret [unknown-key]"),
    ("{}", "sites/vendor-example.yaml:27:15: error: handsets[0].password: 'secret' is "
     "required here [required]"),
])
def test_bad_secret_reference_is_a_located_error(root: Path, written: str, diagnostic: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = root / "sites" / "vendor-example.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("password: Password", f"password: {written}", 1),
                    encoding="utf-8")
    assert main(["validate", "--root", str(root), str(path)]) == EXIT_INVALID
    assert capsys.readouterr().err == diagnostic + "\n" + LITERAL_WARNING


# -- build/ holds placeholders ---------------------------------------------------------------


def test_references_are_placeholders_in_both_families(root: Path) -> None:
    assert main(["build", "--root", str(root), "--now", NOW]) == EXIT_OK
    n720 = ElementTree.parse(root / "build" / "care-home" / "7C2F80123456.xml").getroot()
    items = {item.get("ID"): item.get("value") for item in n720.iter("SYMB_ITEM")}
    assert [items[N720_PASSWORD.format(slot=slot)] for slot in range(14)] == [
        f'"${{secret:{name}}}"' for name in CARE_HOME_HANDSETS]
    assert items["BS_CUSTOM.WebUIPassword"] == '"${secret:care-home/admin}"'
    nx70 = ElementTree.parse(root / "build" / "clinic-north" / "7c2f809a0b11.xml").getroot()
    passwords = {param.get("name"): param.get("value") for param in nx70.iter("param")
                 if param.get("name", "").endswith(".AuthPassword")}
    assert passwords == {
        "SipAccount.0332a11b01.AuthPassword": "${secret:clinic-north/4101}",
        "SipAccount.0332a11b02.AuthPassword": "${secret:clinic-north/4102}",
        "SipAccount.0332a11b0c.AuthPassword": "${secret:clinic-north/4110}",
        "SipAccount.0332a11b04.AuthPassword": "${secret:clinic-north/4111}",
        "SipAccount.0332a11b05.AuthPassword": "${secret:clinic-north/4120}",
        "SipAccount.0332a11b06.AuthPassword": "${secret:clinic-north/4190}",
    }
    admin = [param.get("value") for param in nx70.iter("param")
             if param.get("name") == "WebUIAccounts.1.Password"]
    assert admin == ["${secret:clinic-north/admin}"]


def _set_all(monkeypatch: pytest.MonkeyPatch, root: Path, tag: str) -> None:
    """Every example secret: care-home's from the environment, clinic-north's from the file."""
    for name in CARE_HOME:
        monkeypatch.setenv(environment_name(name), f"env-{tag}-{name}")
    (root / SECRETS_FILE).write_text(
        "".join(f'{name}: "file-{tag}-{name}"\n' for name in CLINIC_NORTH), encoding="utf-8")


def test_secret_values_change_nothing_under_build(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    without, with_values = tmp_path / "without", tmp_path / "with"
    for directory in (without, with_values):
        copy_sites(directory)
    assert main(["build", "--root", str(without), "--now", NOW]) == EXIT_OK
    _set_all(monkeypatch, with_values, "one")
    assert main(["build", "--root", str(with_values), "--now", NOW]) == EXIT_OK
    assert tree(with_values / "build") == tree(without / "build")
    capsys.readouterr()
    _set_all(monkeypatch, with_values, "two")  # every value changes, in both places
    assert main(["build", "--root", str(with_values), "--now", "2026-11-27 09:00"]) == EXIT_OK
    assert capsys.readouterr().out == "Built 3 sites: 0 changed, 3 unchanged (0 files written).\n"
    assert tree(with_values / "build") == tree(without / "build")


def test_validate_plan_build_and_check_need_no_secrets(
        root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # No secret in the environment, and a secrets file that publish would refuse: the other
    # commands never read it.
    (root / SECRETS_FILE).write_text("- not a mapping\n", encoding="utf-8")
    assert main(["validate", "--root", str(root)]) == EXIT_OK
    assert main(["plan", "--root", str(root), "--now", NOW]) == EXIT_OK
    assert main(["build", "--root", str(root), "--now", NOW]) == EXIT_OK
    assert main(["check", "--root", str(root)]) == EXIT_OK
    output = capsys.readouterr()
    assert "error" not in output.err
    assert output.out.endswith("3 sites valid; build/ is up to date.\n")


# -- the leak test: a run with known values shows them nowhere but in the published files ---


# Distinctive values, one per secret: care-home's in the environment, clinic-north's in the
# secrets file, and a file value for care-home/2101 that the environment shadows.
def _value(name: str) -> str:
    return "Qz" + name.replace("/", "Xq").replace("-", "Vv") + "Wk9"


SHADOWED = "QzShadowedFileValueWk9"


def _run(root: Path, environment: dict[str, str], *arguments: str) -> tuple[int, str]:
    process = subprocess.run([sys.executable, "-m", "compiler", *arguments, "--root", str(root)],
                             capture_output=True, text=True, env=environment, check=False,
                             cwd=root)
    return process.returncode, process.stdout + process.stderr


def test_no_secret_value_appears_in_any_output_or_file(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    copy_sites(root)
    environment = {k: v for k, v in os.environ.items() if not k.startswith(ENVIRONMENT_PREFIX)}
    environment["PYTHONPATH"] = str(REPO)
    environment.update({environment_name(name): _value(name) for name in CARE_HOME})
    (root / SECRETS_FILE).write_text(
        f'care-home/2101: "{SHADOWED}"\n'
        + "".join(f'{name}: "{_value(name)}"\n' for name in CLINIC_NORTH), encoding="utf-8")
    published = tmp_path / "published"
    values = [_value(name) for name in CARE_HOME + CLINIC_NORTH] + [SHADOWED]

    runs = [
        ("validate",), ("validate", "--format", "json"),
        ("plan", "--now", NOW), ("plan", "--now", NOW, "--format", "markdown"),
        ("plan", "--now", NOW, "--format", "json"),
        ("build", "--now", NOW), ("check",),
        ("publish", "--to", str(published)),
        ("publish", "--to", str(published), "--site", "clinic-north"),
        ("publish", "--to", str(published), "--secrets", str(root / SECRETS_FILE)),
        ("validate", "--strict"),
    ]
    outputs = []
    for arguments in runs:
        code, output = _run(root, environment, *arguments)
        assert code == (EXIT_INVALID if "--strict" in arguments else EXIT_OK), (arguments, output)
        outputs.append(output)
    # And the failures: a value the device cannot take, a secret that is missing.
    too_long = dict(environment, DECTPROV_SECRET_CARE_HOME_2102=_value("care-home/2102") * 3)
    code, output = _run(root, too_long, "publish", "--to", str(tmp_path / "refused"))
    assert code == EXIT_INVALID and "is longer than the 50 characters" in output
    outputs.append(output)
    missing = dict(environment)
    del missing[environment_name("care-home/2103")]
    code, output = _run(root, missing, "publish", "--to", str(tmp_path / "refused"),
                        "--secrets", str(tmp_path / "none.yaml"))
    assert code == EXIT_INVALID and "is not set" in output
    outputs.append(output)
    assert not (tmp_path / "refused").exists()

    everything = "\n".join(outputs)
    assert "Published care-home: revision 1, MAC 7C2F80123456" in everything
    kept = {path: data for path, data in tree(root).items() if path != SECRETS_FILE}
    assert "build/care-home/state.json" in kept and "sites/care-home.yaml" in kept
    for value in values:
        assert value not in everything
        for path, data in kept.items():
            assert value.encode() not in data, path
    deployed = b"".join(tree(published).values())
    for value in values:
        assert (value.encode() in deployed) is (value != SHADOWED)
