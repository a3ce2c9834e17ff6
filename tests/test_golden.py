"""Golden files: the example sites, built into a fresh root at a fixed moment, must give
exactly the files under tests/golden/. `make golden` rewrites them; review the diff.

- tests/golden/<site>/: the first build of each example site.
- tests/golden/replace-and-remove/<site>/: the next revision of each example, planned and
  built against its committed build/<site>/ after one handset is replaced (same login, new
  IPUI) and one entry is deleted.
- tests/golden/import/: an N720 file that looks written by hand (the committed build of
  vendor-example with another header comment), imported as a new site."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import fastjsonschema
import pytest
import yaml
from helpers import copy_sites, tree

from compiler.cli import EXIT_INVALID, EXIT_OK, main
from compiler.ipui import Ipui, parse_ipui
from compiler.schema import (
    COMPILED,
    FLEET_SCHEMA,
    compiled_module,
    fast_validator,
    schema_text,
)

REPO = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden"
NOW = "2026-11-26 12:00"
EXAMPLES = sorted(path.stem for path in (REPO / "sites").glob("*.yaml"))
PLAN_FORMATS = (("plan.txt", "text"), ("plan.md", "markdown"), ("plan.json", "json"))

# The golden directories that are not a first build; no example site may take their names.
REVISION = "replace-and-remove"
IMPORT = "import"
# After the committed builds, and before the examples' windows open: the new handsets can
# register in them.
NEXT_NOW = "2026-11-30 12:00"


def _matches_golden(files: dict[str, bytes], expected_dir: Path, update_golden: bool,
                    tmp_path: Path) -> None:
    """Compare the files (by path under expected_dir) with the golden ones; with
    --update-golden, write them first."""
    for name, content in files.items():
        assert str(tmp_path).encode() not in content, f"{name} names the test's directory"
    if update_golden:
        shutil.rmtree(expected_dir, ignore_errors=True)
        for name, content in files.items():
            (expected_dir / name).parent.mkdir(parents=True, exist_ok=True)
            (expected_dir / name).write_bytes(content)
    expected = tree(expected_dir)
    assert sorted(files) == sorted(expected)
    for name in files:
        assert files[name] == expected[name], (
            f"{expected_dir.relative_to(GOLDEN)}/{name} differs: run 'make golden' and review")


def _plans(root: Path, capsys: pytest.CaptureFixture[str], *options: str) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for name, fmt in PLAN_FORMATS:
        assert main(["plan", "--root", str(root), "--format", fmt, *options]) == EXIT_OK
        files[name] = capsys.readouterr().out.encode()
    return files


def _built(root: Path, site: str) -> dict[str, bytes]:
    return tree(root / "build" / site)


# -- the first build of each example ------------------------------------------------------


def _outputs(root: Path, site: str, capsys: pytest.CaptureFixture[str]) -> dict[str, bytes]:
    (root / "sites").mkdir(parents=True)
    shutil.copy(REPO / "sites" / f"{site}.yaml", root / "sites")
    shutil.copy(REPO / "fleet.yaml", root)  # what the examples share
    files: dict[str, bytes] = {}
    for name, fmt in PLAN_FORMATS:
        main(["plan", "--root", str(root), "--now", NOW, "--format", fmt])
        files[name] = capsys.readouterr().out.encode()
    assert main(["build", "--root", str(root), "--now", NOW]) == 0
    capsys.readouterr()
    return files | _built(root, site)


@pytest.mark.parametrize("site", EXAMPLES)
def test_example_matches_golden(site: str, tmp_path: Path, update_golden: bool,
                                capsys: pytest.CaptureFixture[str]) -> None:
    files = _outputs(tmp_path / "root", site, capsys)
    _matches_golden(files, GOLDEN / site, update_golden, tmp_path)


# -- the next revision: a handset replaced and an entry deleted -----------------------------


@dataclass(frozen=True)
class Revision:
    replace: tuple[str, str]  # (login, its new IPUI): the same login on a new handset
    remove: str  # the login whose entry is deleted
    written: tuple[str, ...]  # lines the new XML must hold: what the device is told to do
    edits: tuple[tuple[str, str], ...] = ()  # other text to replace, once each
    options: tuple[str, ...] = ()  # for plan and build


REVISIONS = {
    # N720: slot 7 gets a new handset code; slot 9's code is zeroed and its account emptied.
    "care-home": Revision(replace=("2108", "031A2B3C60"), remove="2110", written=(
        '<SYMB_ITEM ID="BS_Accounts.astAccounts[7].aucHandsetCode[0]" class="symb_item" '
        'value="0x03,0x1A,0x2B,0x3C,0x60"/>',
        '<SYMB_ITEM ID="BS_VOIP_Data.astVoipAccounts[9].ucB_SIP_ACCOUNT_IS_ACTIVE_1" '
        'class="symb_item" value="0"/>',
        '<SYMB_ITEM ID="BS_VOIP_Data.astVoipAccounts[9].aucS_SIP_LOGIN_ID[0]" '
        'class="symb_item" value=\'""\'/>',
        '<SYMB_ITEM ID="BS_Accounts.astAccounts[9].aucHandsetCode[0]" class="symb_item" '
        'value="0x00,0x00,0x00,0x00,0x00"/>')),
    # Nx70: 0332A11B02 and 0332A11B05 get ToDeReg, 0332A11B07 is added. That is 2 of 6
    # handsets deregistered, over the 30% threshold: the build is forced, as an engineer
    # would after reading the refusal.
    "clinic-north": Revision(replace=("4102", "0332A11B07"), remove="4120", written=(
        '<param name="hs.0332a11b02.RegStatus" value="ToDeReg"/>',
        '<param name="hs.0332a11b05.RegStatus" value="ToDeReg"/>',
        '<oper name="add_hs" value="0332a11b07">'), options=("--force",)),
    # N720: slot 0's handset (pinned with slot: 0) leaves, slot 1 gets a new handset. The
    # example's window closed in 2017: it is moved, so that the new handset can register.
    "vendor-example": Revision(replace=("1014", "029E74A5A0"), remove="1013", written=(
        '<SYMB_ITEM ID="BS_Accounts.astAccounts[0].aucHandsetCode[0]" class="symb_item" '
        'value="0x00,0x00,0x00,0x00,0x00"/>',
        '<SYMB_ITEM ID="BS_VOIP_Data.astVoipAccounts[0].ucB_SIP_ACCOUNT_IS_ACTIVE_1" '
        'class="symb_item" value="0"/>',
        '<SYMB_ITEM ID="BS_Accounts.astAccounts[1].aucHandsetCode[0]" class="symb_item" '
        'value="0x02,0x9E,0x74,0xA5,0xA0"/>'),
        edits=(("start: 2017-04-24 10:00", "start: 2026-12-01 08:00"),)),
}
_ENTRY = re.compile(r"^  - .*\n(?:    .*\n)*", re.MULTILINE)


def _entry(text: str, login: str) -> str:
    """The handset entry (a list item with its indented lines) of the login."""
    found = [m[0] for m in _ENTRY.finditer(text)
             if re.search(rf'^(?:  - |    )login: "{login}"$', m[0], re.MULTILINE)]
    assert len(found) == 1, f"login {login}: {len(found)} entries"
    return found[0]


def _replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} appears {text.count(old)} times"
    return text.replace(old, new)


def _ipuis_in_examples() -> set[str]:
    found = set()
    for path in (REPO / "sites").glob("*.yaml"):
        for handset in yaml.safe_load(path.read_text(encoding="utf-8"))["handsets"]:
            if "ipui" in handset:
                ipui = parse_ipui(handset["ipui"])
                assert isinstance(ipui, Ipui)
                found.add(ipui.hex)
    return found


def _revised(text: str, revision: Revision) -> str:
    login, new_ipui = revision.replace
    assert isinstance(parse_ipui(new_ipui), Ipui)
    assert new_ipui not in _ipuis_in_examples()
    entry = _entry(text, login)
    assert entry.count("ipui: ") == 1
    text = _replace_once(text, entry, re.sub(r'ipui: "[^"]*"', f'ipui: "{new_ipui}"', entry))
    text = _replace_once(text, _entry(text, revision.remove), "")
    for old, new in revision.edits:
        text = _replace_once(text, old, new)
    return text


def test_every_example_has_a_revision() -> None:
    assert sorted(REVISIONS) == EXAMPLES


@pytest.mark.parametrize("site", EXAMPLES)
def test_next_revision_matches_golden(site: str, tmp_path: Path, update_golden: bool,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "root"
    (root / "sites").mkdir(parents=True)
    shutil.copy(REPO / "sites" / f"{site}.yaml", root / "sites")
    shutil.copy(REPO / "fleet.yaml", root)  # what the examples share
    shutil.copytree(REPO / "build" / site, root / "build" / site)
    revision = REVISIONS[site]
    now = ["--now", NEXT_NOW, *revision.options]
    # The committed build is what the device holds, and it is up to date with its site.
    assert main(["plan", "--root", str(root), "--detailed-exitcode", *now]) == EXIT_OK, (
        f"build/{site}/ is not up to date: run 'make build'")
    capsys.readouterr()
    source = root / "sites" / f"{site}.yaml"
    source.write_text(_revised(source.read_text(encoding="utf-8"), revision), encoding="utf-8")
    if "--force" in revision.options:
        assert main(["plan", "--root", str(root), "--now", NEXT_NOW]) == EXIT_INVALID
        assert "[deregistration-threshold]" in capsys.readouterr().out
    files = _plans(root, capsys, *now)
    assert main(["build", "--root", str(root), *now]) == EXIT_OK
    capsys.readouterr()
    built = _built(root, site)
    xml = next(content for name, content in built.items() if name.endswith(".xml"))
    for line in revision.written:
        assert line.encode() in xml, line
    assert main(["plan", "--root", str(root), "--detailed-exitcode", *now]) == EXIT_OK
    capsys.readouterr()
    _matches_golden(files | built, GOLDEN / REVISION / site, update_golden, tmp_path)


# -- import of a hand-written N720 file ------------------------------------------------------

IMPORT_SOURCE = "vendor-example"
IMPORT_SITE = "acme-hq"
_HEADER = re.compile(rb"<!-- Generated by dectprov from [^\n]* -->\n")
# .gitignore keeps every secrets.yaml out of git: the golden copy has another name.
GOLDEN_NAMES = {"secrets.yaml": "secrets.yaml.golden"}


def test_import_matches_golden(tmp_path: Path, update_golden: bool,
                               monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    """The root is the current directory and the file is named relative to it, so that
    what import prints names no directory of the test's."""
    root = tmp_path / "root"
    root.mkdir()
    monkeypatch.chdir(root)
    committed = next((REPO / "build" / IMPORT_SOURCE).glob("*.xml"))
    xml, count = _HEADER.subn(b"<!-- ACME HQ: DM PRO provisioning, kept by hand -->\n",
                              committed.read_bytes())
    assert count == 1
    (root / committed.name).write_bytes(xml)
    assert main(["import", committed.name, "--site", IMPORT_SITE, "--root", ".",
                 "--now", NEXT_NOW]) == EXIT_OK
    out, err = capsys.readouterr()
    assert err == ""
    files = {"stdout.txt": out.encode()}
    files |= {GOLDEN_NAMES.get(name, name): content for name, content in tree(root).items()
              if name != committed.name and not name.startswith(".dectprov")}
    # The import changes nothing, and a build after it writes nothing.
    assert main(["plan", "--root", ".", "--detailed-exitcode", "--now", NEXT_NOW]) == EXIT_OK
    assert capsys.readouterr() == ("Plan: no changes.\n", "")
    assert main(["build", "--root", ".", "--now", NEXT_NOW]) == EXIT_OK
    assert capsys.readouterr().out == (
        "Built 1 site: 0 changed, 1 unchanged (0 files written).\n")
    _matches_golden(files, GOLDEN / IMPORT, update_golden, tmp_path)


# -- no stray golden directory (after the tests above, which --update-golden lets write them)


def test_every_golden_directory_has_a_site() -> None:
    assert not {REVISION, IMPORT} & set(EXAMPLES), "an example site takes a golden directory"
    assert sorted(path.name for path in GOLDEN.iterdir()) == sorted([*EXAMPLES, REVISION, IMPORT])
    assert sorted(path.name for path in (GOLDEN / REVISION).iterdir()) == EXAMPLES


# -- the same bytes from anywhere -------------------------------------------------------------


def test_build_is_the_same_from_another_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    root = copy_sites(tmp_path / "root")
    monkeypatch.chdir(tmp_path)
    assert main(["build", "--root", "root", "--now", NOW]) == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    second = copy_sites(tmp_path / "second")
    assert main(["build", "--root", str(second), "--now", NOW]) == 0
    capsys.readouterr()
    first = tree(root / "build")
    assert first == tree(second / "build")
    assert len(first) == 2 * len(EXAMPLES)


# -- the schemas' compiled code ----------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(COMPILED))
def test_the_compiled_schema_is_what_fastjsonschema_makes_of_the_schema(
        name: str, update_golden: bool) -> None:
    """A run takes fastjsonschema's code of a schema from the package instead of compiling
    the schema: the module must be what fastjsonschema makes of the schema now."""
    path = REPO / "compiler" / "compiled" / f"{COMPILED[name]}.py"
    made = compiled_module(name)
    if update_golden:
        path.write_text(made, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == made, "run make golden"


@pytest.mark.parametrize("name", sorted(COMPILED))
def test_a_schema_its_compiled_code_was_not_made_from_is_compiled(
        name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    from compiler import schema

    module = importlib.import_module(f"compiler.compiled.{COMPILED[name]}")
    assert fast_validator(name) is module.validate
    edited = schema_text(name).replace('"type": "object"', '"type": "array"', 1)
    monkeypatch.setattr(schema, "schema_text", lambda _: edited)
    compiled = fast_validator(name)
    assert compiled is not module.validate
    with pytest.raises(fastjsonschema.JsonSchemaException):
        compiled({})
    monkeypatch.setattr(module, "VERSION", "0")
    monkeypatch.setattr(schema, "schema_text", lambda _: schema_text(name))
    assert fast_validator(name) is not module.validate


def _mutations(value: object) -> list[object]:
    """The document with one value replaced by a value of each wrong kind, or one key
    added to a mapping, at every place in it."""
    wrong: list[object] = [None, True, 0, -1, 10**6, "", "x" * 300, "*", [], [1], {}, {"k": 1}]
    found: list[object] = [*wrong] if not isinstance(value, dict) else [
        {**value, "unknown": 1}, *wrong]
    children = value.items() if isinstance(value, dict) else enumerate(value) \
        if isinstance(value, list) else ()
    for key, child in children:
        for changed in _mutations(child):
            if isinstance(value, dict):
                found.append({**value, key: changed})
            else:
                assert isinstance(value, list) and isinstance(key, int)
                found.append([*value[:key], changed, *value[key + 1:]])
    return found


def test_the_compiled_fleet_schema_says_yes_where_the_full_validator_finds_nothing() -> None:
    """fleet.yaml is checked by the compiled schema first, and only a no asks the full
    validator: the two agree on the examples' fleet.yaml changed in every place."""
    from compiler.validate import _validator

    fleet = yaml.safe_load((REPO / "fleet.yaml").read_text(encoding="utf-8"))
    fast, full = fast_validator(FLEET_SCHEMA), _validator(FLEET_SCHEMA)
    documents = _mutations(fleet)
    assert len(documents) > 200
    for document in documents:
        try:
            fast(document)
            said_yes = True
        except fastjsonschema.JsonSchemaException:
            said_yes = False
        assert said_yes == (not list(full.iter_errors(document))), document
