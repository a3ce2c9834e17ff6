"""Publish: the files under build/, exactly as reviewed, with each secret placeholder
replaced by its value escaped for the file, written privately and atomically; refused
whole when check fails or any secret is missing or unfit for the device."""

from __future__ import annotations

import os
import shutil
import stat
import xml.etree.ElementTree as ElementTree
from datetime import UTC, datetime
from pathlib import Path

import pytest
from helpers import copy_sites, secret_line
from test_secrets import (
    CARE_HOME,
    CARE_HOME_HANDSETS,
    CLINIC_NORTH,
    CLINIC_NORTH_HANDSETS,
    N720_PASSWORD,
)

from compiler import app
from compiler.app import CACHE_ENVIRONMENT
from compiler.cli import EXIT_INVALID, EXIT_OK, main
from compiler.plan import Options
from compiler.secrets import SECRETS_FILE, environment_name
from compiler.write import FAULT_ENVIRONMENT

NOW = "2026-11-26 12:00"
CLINIC_IPUIS = ["0332a11b01", "0332a11b02", "0332a11b0c", "0332a11b04", "0332a11b05",
                "0332a11b06"]
N720_FILE, NX70_FILE, VENDOR_FILE = "7C2F80123456.xml", "7c2f809a0b11.xml", "7C2F80CA21E4.xml"
PUBLISHED = ("Published care-home: revision 1, MAC 7C2F80123456 -> {to}/7C2F80123456.xml\n"
             "Published clinic-north: revision 1, MAC 7C2F809A0B11 -> {to}/7c2f809a0b11.xml\n"
             "Published vendor-example: revision 1, MAC 7C2F80CA21E4 -> {to}/7C2F80CA21E4.xml\n")
REFUSED = "Nothing was published.\n"
CHECK_FIRST = "Nothing was published: 'dectprov check' must pass first.\n"


def n720_value(name: str) -> str:
    """Everything the N720 takes that the file must escape: & < > and '."""
    return f"N7&<{name[-4:]}>'q"


def nx70_value(name: str) -> str:
    """The Nx70 also takes '"' and any letter."""
    return f"X&<\"{name[-4:]}\">'ü€"


# Whatever the machine exports, each test starts with no secret in the environment.
pytestmark = pytest.mark.usefixtures("no_secrets_in_environment")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    template = copy_sites(tmp_path_factory.mktemp("built"))
    assert main(["build", "--root", str(template), "--now", NOW]) == EXIT_OK
    return template


@pytest.fixture
def root(built: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "repo"
    shutil.copytree(built, copy)
    return copy


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Every example secret, from the environment."""
    values = {name: n720_value(name) for name in CARE_HOME}
    values.update({name: nx70_value(name) for name in CLINIC_NORTH})
    for name, value in values.items():
        monkeypatch.setenv(environment_name(name), value)
    return values


def publish(root: Path, to: Path, *arguments: str) -> int:
    return main(["publish", "--root", str(root), "--to", str(to), *arguments])


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- what it writes ------------------------------------------------------------------------


def test_writes_every_site_under_its_target_name(root: Path, tmp_path: Path,
                                                 secrets: dict[str, str],
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    to = tmp_path / "out"
    assert publish(root, to) == EXIT_OK
    assert capsys.readouterr().out == PUBLISHED.format(to=to)
    assert sorted(p.name for p in to.iterdir()) == [N720_FILE, VENDOR_FILE, NX70_FILE]


def test_published_file_is_the_build_with_each_placeholder_escaped(
        root: Path, tmp_path: Path, secrets: dict[str, str]) -> None:
    to = tmp_path / "out"
    assert publish(root, to) == EXIT_OK
    n720 = (root / "build" / "care-home" / N720_FILE).read_bytes().decode("iso-8859-1")
    for name in CARE_HOME:  # the N720's device strings sit in single-quoted attributes
        escaped = (secrets[name].replace("&", "&amp;").replace("<", "&lt;")
                   .replace(">", "&gt;").replace("'", "&apos;"))
        n720 = n720.replace(f"${{secret:{name}}}", escaped)
    assert (to / N720_FILE).read_bytes() == n720.encode("iso-8859-1")
    nx70 = (root / "build" / "clinic-north" / NX70_FILE).read_text(encoding="utf-8")
    for name in CLINIC_NORTH:  # the Nx70's values sit in double-quoted attributes
        escaped = (secrets[name].replace("&", "&amp;").replace("<", "&lt;")
                   .replace(">", "&gt;").replace('"', "&quot;"))
        nx70 = nx70.replace(f"${{secret:{name}}}", escaped)
    assert (to / NX70_FILE).read_bytes() == nx70.encode("utf-8")
    # No secret reference: the file as built, byte for byte.
    assert (to / VENDOR_FILE).read_bytes() == (
        root / "build" / "vendor-example" / VENDOR_FILE).read_bytes()


def test_passwords_read_back_to_the_values(root: Path, tmp_path: Path,
                                           secrets: dict[str, str]) -> None:
    to = tmp_path / "out"
    assert publish(root, to) == EXIT_OK
    n720 = ElementTree.parse(to / N720_FILE).getroot()
    items = {item.get("ID"): item.get("value") for item in n720.iter("SYMB_ITEM")}
    assert [items[N720_PASSWORD.format(slot=slot)] for slot in range(14)] == [
        f'"{secrets[name]}"' for name in CARE_HOME_HANDSETS]
    assert items[N720_PASSWORD.format(slot=5)] == "\"N7&<2106>'q\""
    # The admin password, a site setting's secret, as Wazo's templates write it.
    assert items["BS_CUSTOM.WebUIPassword"] == "\"N7&<dmin>'q\""
    nx70 = ElementTree.parse(to / NX70_FILE).getroot()
    params = {param.get("name"): param.get("value") for param in nx70.iter("param")}
    assert [params[f"SipAccount.{ipui}.AuthPassword"] for ipui in CLINIC_IPUIS] == [
        secrets[name] for name in CLINIC_NORTH_HANDSETS]
    assert params["SipAccount.0332a11b0c.AuthPassword"] == "X&<\"4110\">'ü€"
    assert params["WebUIAccounts.1.Password"] == "X&<\"dmin\">'ü€"


def test_values_come_from_the_secrets_file_too(root: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CARE_HOME:
        monkeypatch.setenv(environment_name(name), "from-env")
    (root / SECRETS_FILE).write_text(
        'care-home/2101: "shadowed"\n'
        + "".join(f'{name}: "file-{name[-4:]}"\n' for name in CLINIC_NORTH), encoding="utf-8")
    to = tmp_path / "out"
    assert publish(root, to) == EXIT_OK
    params = {p.get("name"): p.get("value")
              for p in ElementTree.parse(to / NX70_FILE).getroot().iter("param")}
    assert params["SipAccount.0332a11b01.AuthPassword"] == "file-4101"
    items = {i.get("ID"): i.get("value")
             for i in ElementTree.parse(to / N720_FILE).getroot().iter("SYMB_ITEM")}
    assert items[N720_PASSWORD.format(slot=0)] == '"from-env"'  # the environment wins


def test_secrets_option_replaces_the_root_secrets_file(root: Path, tmp_path: Path,
                                                       secrets: dict[str, str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(environment_name("clinic-north/4101"))
    (root / SECRETS_FILE).write_text('clinic-north/4101: "from-root"\n', encoding="utf-8")
    given = tmp_path / "ci.yaml"
    given.write_text('clinic-north/4101: "from-given"\n', encoding="utf-8")
    to = tmp_path / "out"
    assert publish(root, to, "--secrets", str(given)) == EXIT_OK
    params = {p.get("name"): p.get("value")
              for p in ElementTree.parse(to / NX70_FILE).getroot().iter("param")}
    assert params["SipAccount.0332a11b01.AuthPassword"] == "from-given"


def test_modes_private_files_and_created_directories(root: Path, tmp_path: Path,
                                                     secrets: dict[str, str]) -> None:
    to = tmp_path / "a" / "b" / "out"
    assert publish(root, to) == EXIT_OK
    assert [_mode(path) for path in (tmp_path / "a", tmp_path / "a" / "b", to)] == [0o700] * 3
    assert sorted(_mode(path) for path in to.iterdir()) == [0o600] * 3


def test_existing_directory_keeps_its_mode(root: Path, tmp_path: Path,
                                           secrets: dict[str, str]) -> None:
    to = tmp_path / "served"
    to.mkdir()
    os.chmod(to, 0o751)
    assert publish(root, to) == EXIT_OK
    assert _mode(to) == 0o751
    assert sorted(_mode(path) for path in to.iterdir()) == [0o600] * 3


def test_existing_file_is_replaced_atomically(root: Path, tmp_path: Path,
                                              secrets: dict[str, str]) -> None:
    to = tmp_path / "served"
    to.mkdir()
    old = to / N720_FILE
    old.write_bytes(b"the previous revision")
    os.chmod(old, 0o644)
    before = old.stat().st_ino
    os.link(old, tmp_path / "reader-holds-this")  # a reader that opened the old file
    assert publish(root, to) == EXIT_OK
    assert old.stat().st_ino != before  # a new file renamed into place, not rewritten
    assert (tmp_path / "reader-holds-this").read_bytes() == b"the previous revision"
    assert old.read_bytes().startswith(b'<?xml version="1.0" encoding="ISO-8859-1"?>')
    assert _mode(old) == 0o600
    assert sorted(p.name for p in to.iterdir()) == [N720_FILE, VENDOR_FILE, NX70_FILE]


def test_publishing_twice_gives_identical_bytes(root: Path, tmp_path: Path,
                                                secrets: dict[str, str]) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    assert publish(root, first) == EXIT_OK
    assert publish(root, second) == EXIT_OK
    assert publish(root, first) == EXIT_OK
    for name in (N720_FILE, NX70_FILE, VENDOR_FILE):
        assert (first / name).read_bytes() == (second / name).read_bytes()


def test_site_option_limits_it(root: Path, tmp_path: Path, secrets: dict[str, str],
                               capsys: pytest.CaptureFixture[str]) -> None:
    to = tmp_path / "out"
    assert publish(root, to, "--site", "clinic-north") == EXIT_OK
    assert capsys.readouterr().out == (
        f"Published clinic-north: revision 1, MAC 7C2F809A0B11 -> {to}/7c2f809a0b11.xml\n")
    assert [p.name for p in to.iterdir()] == [NX70_FILE]
    assert publish(root, to, "--site", "vendor-example", "--site", "care-home") == EXIT_OK
    assert capsys.readouterr().out == (
        f"Published care-home: revision 1, MAC 7C2F80123456 -> {to}/7C2F80123456.xml\n"
        f"Published vendor-example: revision 1, MAC 7C2F80CA21E4 -> {to}/7C2F80CA21E4.xml\n")


def test_site_option_needs_secrets_of_the_chosen_sites_only(
        root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    to = tmp_path / "out"
    assert publish(root, to, "--site", "vendor-example") == EXIT_OK  # literal passwords
    assert capsys.readouterr().out == (
        f"Published vendor-example: revision 1, MAC 7C2F80CA21E4 -> {to}/7C2F80CA21E4.xml\n")


def test_unknown_site_is_an_error(root: Path, tmp_path: Path, secrets: dict[str, str],
                                  capsys: pytest.CaptureFixture[str]) -> None:
    to = tmp_path / "out"
    assert publish(root, to, "--site", "care-home", "--site", "nope") == EXIT_INVALID
    assert capsys.readouterr() == ("", "--site: error: no site is named 'nope' "
                                   "[site-unknown]\n" + REFUSED)
    assert not to.exists()


# -- what it refuses -----------------------------------------------------------------------


def _errors(err: str) -> list[str]:
    """The error lines (warnings depend on today's date: window checks use the clock)."""
    return [line for line in err.splitlines() if ": error: " in line]


def test_refused_when_a_site_changed_without_a_build(root: Path, tmp_path: Path,
                                                     secrets: dict[str, str],
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    path = root / "sites" / "care-home.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Night Nurse", "Night Nurse 2"),
                    encoding="utf-8")
    to = tmp_path / "out"
    assert publish(root, to) == EXIT_INVALID
    output = capsys.readouterr()
    assert output.out == ""
    assert _errors(output.err) == [
        "build/care-home/7C2F80123456.xml: error: is out of date; run 'dectprov build' and commit "
        "build/ [stale]",
        "build/care-home/state.json: error: is out of date; run 'dectprov build' and commit "
        "build/ [stale]"]
    assert output.err.endswith(CHECK_FIRST)
    assert not to.exists()


def test_refused_when_a_site_is_invalid(root: Path, tmp_path: Path, secrets: dict[str, str],
                                        capsys: pytest.CaptureFixture[str]) -> None:
    path = root / "sites" / "vendor-example.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        'ipui: "02B6EC8AA5"', 'ipui: "02B6EC8AA"'), encoding="utf-8")
    to = tmp_path / "out"
    assert publish(root, to) == EXIT_INVALID
    output = capsys.readouterr()
    assert output.out == ""
    assert _errors(output.err) == [
        "sites/vendor-example.yaml:25:11: error: handsets[0].ipui: '02B6EC8AA' is not an IPUI "
        "(10 hex digits, or a 13-digit IPEI) [ipui-format]"]
    assert output.err.endswith(CHECK_FIRST)
    assert not to.exists()


def test_missing_secret_names_secret_and_site_and_nothing_is_written(
        root: Path, tmp_path: Path, secrets: dict[str, str], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("DECTPROV_SECRET_CLINIC_NORTH_4110")
    to = tmp_path / "out"
    assert publish(root, to) == EXIT_INVALID
    line = secret_line(root, "clinic-north/4110")
    assert capsys.readouterr() == ("", (
        f"sites/clinic-north.yaml:{line}: error: handsets[2].password: secret "
        "'clinic-north/4110' of site clinic-north is not set: export "
        "DECTPROV_SECRET_CLINIC_NORTH_4110, or add 'clinic-north/4110' to the secrets file "
        "[secret]\n" + REFUSED))
    assert not to.exists()  # not even the sites whose secrets are all there


def test_without_any_secret_every_reference_is_named(root: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    to = tmp_path / "out"
    assert publish(root, to) == EXIT_INVALID
    lines = capsys.readouterr().err.splitlines()
    assert lines[-1] == REFUSED.strip()
    # By line: each site's admin password comes before its handsets.
    assert [line.split(" of site ")[0].rsplit("secret ", 1)[1] for line in lines[:-1]] == [
        f"'{name}'" for name in ("care-home/admin", *CARE_HOME_HANDSETS, "clinic-north/admin",
                                 *CLINIC_NORTH_HANDSETS)]
    admin = (root / "sites" / "care-home.yaml").read_text(encoding="utf-8").splitlines().index(
        "admin_password: {secret: care-home/admin}") + 1
    assert lines[0] == (f"sites/care-home.yaml:{admin}:1: error: admin_password: secret "
                        "'care-home/admin' of site care-home is not set: export "
                        "DECTPROV_SECRET_CARE_HOME_ADMIN, or add 'care-home/admin' to the "
                        "secrets file [secret]")
    assert not to.exists()


def test_existing_files_stay_when_refused(root: Path, tmp_path: Path,
                                          secrets: dict[str, str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    to = tmp_path / "out"
    assert publish(root, to) == EXIT_OK
    before = {p.name: p.read_bytes() for p in to.iterdir()}
    monkeypatch.setenv("DECTPROV_SECRET_CARE_HOME_2101", "changed")
    monkeypatch.delenv("DECTPROV_SECRET_CLINIC_NORTH_4190")
    assert publish(root, to) == EXIT_INVALID
    assert {p.name: p.read_bytes() for p in to.iterdir()} == before


N720_CHARACTER = ("contains a character the N720 cannot store (a double quote, a control "
                  "character, or a letter outside ISO-8859-1)")


@pytest.mark.parametrize(("secret", "value", "rule"), [
    ("care-home/2104", "Kq" + "x" * 49, "is longer than the 50 characters the device takes"),
    ("care-home/2104", 'Kq"quoted', N720_CHARACTER),
    ("care-home/2104", "Kq€uro", N720_CHARACTER),
    ("care-home/2104", "Kqłódź", N720_CHARACTER),
    ("care-home/2104", "Kq\ttab", N720_CHARACTER),
    ("care-home/2104", "", "is empty"),
    ("clinic-north/4111", "Kq" + "ü" * 49, "is longer than the 50 characters the device takes"),
    ("clinic-north/4111", "Kq\x07bell", "contains a control character; use plain text on one "
     "line"),
    ("clinic-north/4111", "Kq\u0085next", "contains a control character; use plain text on "
     "one line"),
])
def test_value_the_device_cannot_take_names_the_rule_not_the_value(
        root: Path, tmp_path: Path, secrets: dict[str, str], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], secret: str, value: str, rule: str) -> None:
    monkeypatch.setenv(environment_name(secret), value)
    to = tmp_path / "out"
    assert publish(root, to) == EXIT_INVALID
    site = secret.split("/")[0]
    line, position = secret_line(root, secret), 3
    output = capsys.readouterr()
    assert output == ("", f"sites/{site}.yaml:{line}: error: handsets[{position}].password: "
                      f"secret '{secret}' of site {site} {rule} [secret]\n" + REFUSED)
    if value:
        assert value not in output.err and value[2:] not in output.err
    assert not to.exists()


def test_fitting_values_of_each_family(root: Path, tmp_path: Path, secrets: dict[str, str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The limits are inclusive, and each family takes its whole character set."""
    monkeypatch.setenv("DECTPROV_SECRET_CARE_HOME_2104", "ÿ" * 50)
    monkeypatch.setenv("DECTPROV_SECRET_CLINIC_NORTH_4111", "Łódź \"😀\" " + "x" * 40)
    to = tmp_path / "out"
    assert publish(root, to) == EXIT_OK
    items = {i.get("ID"): i.get("value")
             for i in ElementTree.parse(to / N720_FILE).getroot().iter("SYMB_ITEM")}
    assert items[N720_PASSWORD.format(slot=3)] == '"' + "ÿ" * 50 + '"'
    params = {p.get("name"): p.get("value")
              for p in ElementTree.parse(to / NX70_FILE).getroot().iter("param")}
    assert params["SipAccount.0332a11b04.AuthPassword"] == "Łódź \"😀\" " + "x" * 40


def test_value_that_looks_like_a_placeholder_is_taken_literally(
        root: Path, tmp_path: Path, secrets: dict[str, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DECTPROV_SECRET_CARE_HOME_2101", "${secret:care-home/2102}")
    to = tmp_path / "out"
    assert publish(root, to) == EXIT_OK
    items = {i.get("ID"): i.get("value")
             for i in ElementTree.parse(to / N720_FILE).getroot().iter("SYMB_ITEM")}
    assert items[N720_PASSWORD.format(slot=0)] == '"${secret:care-home/2102}"'
    assert items[N720_PASSWORD.format(slot=1)] == f'"{secrets["care-home/2102"]}"'


@pytest.mark.parametrize(("old", "new", "at"), [
    # The handset's comment names it first, then its display name's item.
    ("display_name: Night Nurse", 'display_name: "${secret:care-home/2101}"', "103:22"),
    ("xml\n  name: Sunnyside", 'xml\n  name: "${secret:care-home/2101}"', "34:100"),
    # In a password, but of another handset (slot 2's): not one that names the secret.
    ("password: {secret: care-home/2103}", 'password: "${secret:care-home/2101}"', "106:98"),
])
def test_placeholder_outside_a_password_is_refused(
        root: Path, tmp_path: Path, secrets: dict[str, str], old: str, new: str, at: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A text that reads like a placeholder would put the secret on a handset's screen, in a
    device parameter, or into an XML comment where '--' breaks the file. Said at its place
    in the built file."""
    path = root / "sites" / "care-home.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    assert main(["build", "--root", str(root), "--now", NOW]) == EXIT_OK
    capsys.readouterr()
    to = tmp_path / "out"
    assert publish(root, to) == EXIT_INVALID
    assert capsys.readouterr() == ("", (
        f"build/care-home/7C2F80123456.xml:{at}: error: site care-home has "
        "'${secret:care-home/2101}' in a text that is not a {secret: NAME} password; publish "
        "resolves secrets in passwords only: change that text [secret-placeholder]\n"
        + REFUSED))
    assert not to.exists()


def test_publish_after_a_build_the_cache_answered_resolves_the_same(
        root: Path, tmp_path: Path, secrets: dict[str, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A result the cache recalls holds its site without handsets: publish compiles each
    chosen site file again for its whole model, which says where each secret is used."""
    monkeypatch.setenv(CACHE_ENVIRONMENT, "off")
    cold = app.publish(root, tmp_path / "cold")
    monkeypatch.delenv(CACHE_ENVIRONMENT)
    for _ in range(2):  # the second build is answered by the cache
        assert app.build(root, options=Options(now=datetime(2026, 11, 26, tzinfo=UTC))
                         ).outcome is app.Outcome.DONE
    warm = app.publish(root, tmp_path / "warm")
    assert cold.outcome is warm.outcome is app.Outcome.DONE
    assert [p.content for p in warm.publications] == [p.content for p in cold.publications]
    assert [p.site for p in cold.publications] == ["care-home", "clinic-north",
                                                   "vendor-example"]
    assert b"value='\"N7&amp;&lt;2101&gt;&apos;q\"'" in cold.publications[0].content


def test_output_never_holds_a_value(root: Path, tmp_path: Path, secrets: dict[str, str],
                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert publish(root, tmp_path / "out") == EXIT_OK
    output = capsys.readouterr()
    assert output.err == ""
    for value in secrets.values():
        assert value not in output.out
        assert value[3:-3] not in output.out


def test_bad_secrets_file_refuses_before_writing(root: Path, tmp_path: Path,
                                                 secrets: dict[str, str],
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    (root / SECRETS_FILE).write_text("unused/one: yes\n", encoding="utf-8")
    to = tmp_path / "out"
    assert publish(root, to) == EXIT_INVALID
    assert capsys.readouterr() == ("", (
        "secrets.yaml:1:13: error: unused/one: secret 'unused/one' is not text: YAML reads "
        "the value as true/false; quote it [secret-file]\n" + REFUSED))
    assert not to.exists()


def test_unwritable_destination_is_an_error(root: Path, tmp_path: Path,
                                            secrets: dict[str, str],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "file").write_text("not a directory")
    assert publish(root, tmp_path / "file" / "out") == EXIT_INVALID
    output = capsys.readouterr()
    assert output.out == ""
    assert output.err.startswith(f"dectprov: cannot write {tmp_path}/file/out")


# -- where it writes, and what a failure says ----------------------------------------------


@pytest.mark.parametrize("inside", ["build/care-home", ".", "sites/../out"])
def test_a_target_inside_the_root_is_refused(root: Path, secrets: dict[str, str],
                                             capsys: pytest.CaptureFixture[str],
                                             inside: str) -> None:
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    assert publish(root, root / inside) == EXIT_INVALID
    err = capsys.readouterr().err
    assert "[publish-target]" in err and err.endswith(REFUSED)
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


def test_a_link_into_the_root_and_the_git_work_tree_above_it_are_refused(
        root: Path, tmp_path: Path, secrets: dict[str, str],
        capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "link").symlink_to(root / "build")
    assert publish(root, tmp_path / "link" / "out") == EXIT_INVALID
    assert "[publish-target]" in capsys.readouterr().err
    if shutil.which("git") is None:
        return
    import subprocess

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    assert publish(root, tmp_path / "served") == EXIT_INVALID
    assert "[publish-target]" in capsys.readouterr().err
    assert not (tmp_path / "served").exists()


def test_a_built_file_removed_after_check_is_an_error_not_a_traceback(
        root: Path, tmp_path: Path, secrets: dict[str, str], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    whole_sites = app._whole_sites

    def then_remove(*args: object) -> object:
        found = whole_sites(*args)  # type: ignore[arg-type]
        (root / "build" / "care-home" / N720_FILE).unlink()
        (root / "build" / "clinic-north" / NX70_FILE).write_text("changed")
        return found

    monkeypatch.setattr(app, "_whole_sites", then_remove)
    to = tmp_path / "out"
    assert publish(root, to) == EXIT_INVALID
    err = capsys.readouterr().err
    assert f"build/care-home/{N720_FILE}: error: cannot read it: No such file or directory" \
           in err and "[stale]" in err and "Traceback" not in err
    assert f"build/clinic-north/{NX70_FILE}: error: it changed after check passed" in err
    assert not to.exists()


def test_only_publish_leftovers_are_removed(root: Path, tmp_path: Path,
                                            secrets: dict[str, str]) -> None:
    to = tmp_path / "out"
    to.mkdir()
    leftover = to / f".{N720_FILE}.publish-0123456789abcdef.tmp"
    leftover.write_text("resolved passwords")
    others = {".7C2F80123456.xml.k3j_x9a2.tmp": "a build's", "notes.txt": "kept",
              ".x.publish-0123.tmp": "not ours", f".{N720_FILE}.publish-XYZ.tmp": "nor this"}
    for name, text in others.items():
        (to / name).write_text(text)
    (to / ".a.publish-00000000000000ff.tmp").symlink_to(tmp_path / "elsewhere")
    assert publish(root, to) == EXIT_OK
    assert not leftover.exists()
    assert all((to / name).read_text() == text for name, text in others.items())
    assert (to / ".a.publish-00000000000000ff.tmp").is_symlink()


def test_a_full_disk_while_staging_writes_nothing_and_says_so(
        root: Path, tmp_path: Path, secrets: dict[str, str], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    to = tmp_path / "out"
    monkeypatch.setenv(FAULT_ENVIRONMENT, "ENOSPC:write:2")
    assert publish(root, to) == EXIT_INVALID
    output = capsys.readouterr()
    assert output.out == ""
    assert output.err == (
        f"dectprov: cannot write {to}/{NX70_FILE}: No space left on device; written 0 of 3 "
        f"(none); not written 3 of 3 ({N720_FILE}, {NX70_FILE}, {VENDOR_FILE})\n")
    assert list(to.iterdir()) == []


def test_a_failed_rename_says_which_files_were_written(
        root: Path, tmp_path: Path, secrets: dict[str, str], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    to = tmp_path / "out"
    monkeypatch.setenv(FAULT_ENVIRONMENT, "EROFS:rename:2")
    assert publish(root, to) == EXIT_INVALID
    output = capsys.readouterr()
    assert output.out == PUBLISHED.format(to=to).splitlines(keepends=True)[0]
    assert output.err == (
        f"dectprov: cannot write {to}/{NX70_FILE}: Read-only file system; written 1 of 3 "
        f"({N720_FILE}); not written 2 of 3 ({NX70_FILE}, {VENDOR_FILE})\n")
    assert sorted(p.name for p in to.iterdir()) == [N720_FILE]


def test_secrets_of_two_sites_read_from_one_variable_are_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`care/home-1` in site care and `care-home/1` in site care-home both read
    DECTPROV_SECRET_CARE_HOME_1: one site would be given the other's password."""
    from helpers import run

    root = tmp_path / "root"
    (root / "sites").mkdir(parents=True)
    for n, (site, secret) in enumerate((("care", "care/home-1"), ("care-home", "care-home/1"))):
        (root / "sites" / f"{site}.yaml").write_text(
            f"site: {site}\nmodel: N720\nmac: \"7C2F80CA230{n}\"\nproviders:\n"
            "  - name: PBX\n    domain: pbx.example.net\nhandsets:\n"
            f"  - ipui: \"030{n}0000A1\"\n    login: \"1\"\n    password: {{secret: {secret}}}\n",
            encoding="utf-8")
    assert run("build", "--root", str(root), "--now", "2026-11-27 12:00")[0] == 0
    monkeypatch.setenv("DECTPROV_SECRET_CARE_HOME_1", "Sh4red-value")
    code, out, err = run("publish", "--root", str(root), "--to", str(tmp_path / "out"))
    assert code == 1
    assert err.splitlines()[0] == (
        "sites/care.yaml: error: secret 'care/home-1' and 'care-home/1' (in "
        "sites/care-home.yaml) are both read from the environment variable "
        "DECTPROV_SECRET_CARE_HOME_1: rename one of them [secret-collision]")
    assert "Sh4red-value" not in out + err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
