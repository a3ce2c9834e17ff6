"""build/<site>/state.json is input: read against the state schema, each problem a located
`state` diagnostic, never a traceback and never a state that some of it was trusted from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import run, tree

from compiler.jsonpos import position_of, positions
from compiler.state import STATE_LIMIT, load_state, parse_state, to_json

STATE = {
    "file": "7C2F80CA21E4.xml", "format_version": 1, "mac": "7C2F80CA21E4", "model": "N720",
    "revision": 3, "sha256": "0" * 64, "site": "acme", "stamp": "0112261000",
    "history": [{"changes": {"register": 2}, "revision": 3, "stamp": "0112261000",
                 "allowed": ["reregistration"]}],
    "slots": [
        {"enabled": True, "ipui": "0328D41A01", "login": "2101", "slot": 0,
         "status": "in-use"},
        {"enabled": False, "ipui": None, "login": "2102", "slot": 1, "status": "in-use"},
        {"slot": 2, "status": "freed", "deregistered_ipui": "0328D41A03",
         "deregistered_in_revision": 2, "deregistered_at": "3011261000"},
        {"slot": 3, "status": "freed", "freed_in_revision": 1, "freed_at": "2911261000"},
        {"slot": 4, "status": "freed", "deregistered_ipui": "0328D41A05",
         "deregistered_in_revision": 1, "deregistered_at": "2911261000",
         "freed_in_revision": 3, "freed_at": "0112261000"},
    ],
}


def _text(edit: Any = None) -> str:
    data = json.loads(json.dumps(STATE))
    if edit is not None:
        edit(data)
    return json.dumps(data, indent=2)


def test_a_written_state_reads_back_as_itself() -> None:
    read = parse_state(_text().encode(), "s")
    assert read.diagnostics == ()
    assert read.state is not None
    assert json.loads(to_json(read.state)) == STATE
    assert read.state.history[0].allowed == ("reregistration",)


@pytest.mark.parametrize(("edit", "path", "detail"), [
    (lambda s: s["slots"][0].update(slot=-1), ("slots", 0, "slot"),
     "slots[0].slot: -1 is not within range (too small)"),
    (lambda s: s["slots"][1].update(slot=10**30), ("slots", 1, "slot"),
     f"slots[1].slot: {10**30} is not within range (too large)"),
    (lambda s: s["slots"][0].update(ipui="0328d41a01"), ("slots", 0, "ipui"),
     "slots[0].ipui: '0328d41a01' is not an IPUI (10 upper-case hex digits) or null"),
    (lambda s: s["slots"][0].update(login=["2101"]), ("slots", 0, "login"),
     "slots[0].login: ['2101'] is not of type string"),
    (lambda s: s.update(file="\x00.xml"), ("file",),
     "file: '\\x00.xml' is not a provisioning file name (<MAC>.xml)"),
    (lambda s: s.update(file="../../etc/passwd"), ("file",),
     "file: '../../etc/passwd' is not a provisioning file name (<MAC>.xml)"),
    (lambda s: s["slots"][2].update(ipui="0328D41A03"), ("slots", 2),
     "slots[2]: a freed slot records no ipui, login or enabled flag"),
    (lambda s: s["slots"][0].update(freed_in_revision=1, freed_at="2911261000"), ("slots", 0),
     "slots[0]: a slot in use records no freed_in_revision or freed_at"),
    (lambda s: s["slots"][2].update(deregistered_at="30-11-2026"),
     ("slots", 2, "deregistered_at"),
     "slots[2].deregistered_at: '30-11-2026' is not a stamp of 10 digits"),
    (lambda s: s["slots"][3].pop("freed_at"), ("slots", 3),
     "slots[3]: 'freed_at' is a dependency of 'freed_in_revision'"),
    (lambda s: s["slots"][2].update(slot=0), ("slots", 2),
     "slot 0 is recorded twice, also in slots[0]"),
    (lambda s: s["slots"][1].update(ipui="0328D41A01"), ("slots", 1, "ipui"),
     "IPUI 0328D41A01 is in use twice, also in slots[0]"),
    (lambda s: s["slots"][1].pop("slot"), ("slots",),
     "some records have a slot and some do not"),
    (lambda s: s["history"][0]["changes"].update(register=1.5), ("history", 0, "changes",
                                                                  "register"),
     "history[0].changes.register: 1.5 is not of type integer"),
    (lambda s: s.update(surprise=1), (),
     "unknown key ['surprise']"),
    # When: every stamp is a time no later than the state's, every revision no later than
    # its own, a release stamped as the history records its revision (a hand-edited one
    # would retire a deregistration early, or write it for ever, unseen).
    (lambda s: s["slots"][2].update(deregistered_at="9999999999"),
     ("slots", 2, "deregistered_at"), "slots[2].deregistered_at: '9999999999' is no time"),
    (lambda s: s["slots"][3].update(freed_at="0000000000"),
     ("slots", 3, "freed_at"), "slots[3].freed_at: '0000000000' is no time"),
    (lambda s: s["history"][0].update(stamp="3102261000"),
     ("history", 0, "stamp"), "history[0].stamp: '3102261000' is no time"),
    (lambda s: s["slots"][2].update(deregistered_at="0101271000"),
     ("slots", 2, "deregistered_at"),
     "slots[2].deregistered_at: '0101271000' is later than the state's stamp"),
    (lambda s: s["slots"][2].update(deregistered_in_revision=999999999),
     ("slots", 2, "deregistered_in_revision"),
     "slots[2].deregistered_in_revision: 999999999 is later than the state's revision 3"),
    (lambda s: s["slots"][4].update(freed_at="0101701000"),
     ("slots", 4, "freed_at"),
     "slots[4].freed_at: '0101701000' is not the stamp of revision 3, '0112261000' in the "
     "history"),
    (lambda s: s["slots"][2].update(deregistered_in_revision="2"),
     ("slots", 2, "deregistered_in_revision"),
     "slots[2].deregistered_in_revision: '2' is not a revision (a whole number from 1) or "
     "null"),
])
def test_each_violation_is_located_and_named(edit: Any, path: tuple[Any, ...],
                                             detail: str) -> None:
    text = _text(edit)
    read = parse_state(text.encode(), "build/acme/state.json")
    assert read.state is None
    [found] = read.diagnostics
    assert (found.file, found.rule, found.severity.value) == (
        "build/acme/state.json", "state", "error")
    assert found.message.startswith(f"the state is damaged ({detail}")
    assert found.message.endswith("restore it from git (git checkout -- build/) rather than "
                                  "deleting it, or every handset is planned anew")
    assert (found.line, found.column) == position_of(positions(text), path)


def test_when_a_release_was_first_written_is_read_as_recorded() -> None:
    """A freed slot records its own revision only when it is not its deregistration's;
    a state written before the stamps were recorded has none, and reads so."""
    read = parse_state(_text().encode(), "s")
    assert read.state is not None
    slots = read.state.slots
    assert [record.written_since() for record in slots] == [
        (None, None), (None, None), (2, "3011261000"), (1, "2911261000"),
        (3, "0112261000")]
    assert (slots[2].freed_in_revision, slots[4].released_in_revision) == (2, 1)

    def older(data: dict[str, Any]) -> None:
        for record in data["slots"]:
            record.pop("deregistered_at", None)
    read = parse_state(_text(older).encode(), "s")
    assert read.state is not None
    assert read.state.slots[2].written_since() == (2, None)
    assert json.loads(to_json(read.state))["slots"][2] == {
        "slot": 2, "status": "freed", "deregistered_ipui": "0328D41A03",
        "deregistered_in_revision": 2}


@pytest.mark.parametrize(("text", "detail"), [
    ("[" * 100_000 + "]" * 100_000, "not JSON: nested too deeply"),
    ('{"revision": NaN}', "not JSON: NaN is not a number a state holds"),
    (_text().replace('"revision": 3', '"revision": 1e400'),
     "history[0].revision: 1E+400 is not of type integer"),
    ("\xff", "not JSON: not UTF-8"),
    ("", "not JSON: Expecting value"),
])
def test_what_is_no_state_at_all_is_said_so(text: str, detail: str) -> None:
    read = parse_state(text.encode("latin-1"), "s")
    assert read.state is None
    assert read.diagnostics[0].message.startswith(f"the state is damaged ({detail}")


def test_every_problem_is_said_in_one_run() -> None:
    def edit(s: dict[str, Any]) -> None:
        s["slots"][0]["slot"] = -1
        s["slots"][1]["login"] = 7
        s["mac"] = "nope"

    read = parse_state(_text(edit).encode(), "s")
    assert [d.message.split(":")[0] for d in read.diagnostics] == [
        "the state is damaged (mac", "the state is damaged (slots[0].slot",
        "the state is damaged (slots[1].login"]
    assert len({d.line for d in read.diagnostics}) == 3


def test_a_state_too_large_or_not_a_plain_file_is_not_read(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (STATE_LIMIT + 1))
    assert "is over 1024 KiB" in load_state(big, "s").diagnostics[0].message
    (tmp_path / "dir.json").mkdir()
    assert "cannot read the state" in load_state(tmp_path / "dir.json", "s").diagnostics[0].message
    with pytest.raises(FileNotFoundError):
        load_state(tmp_path / "none.json", "s")


def test_positions_name_line_and_column() -> None:
    text = '{\n  "a": [1, {"b": "x"}],\n\t"c": null}'
    table = positions(text)
    assert table[()] == (1, 1)
    assert table[("a",)] == (2, 8)
    assert table[("a", 1, "b")] == (2, 18)
    assert table[("c",)] == (3, 7)
    assert position_of(table, ("a", 5)) == (2, 8)  # the nearest enclosing value
    assert positions('{"a": ') == {}
    assert positions("[1, 2]", limit=2) == {}


# -- a state that disagrees with the file written with it ----------------------------------


@pytest.fixture
def built(built_examples: Path) -> Path:
    return built_examples


NOW = "2026-11-27 12:00"


def _edit(root: Path, site: str, edit: Any) -> str:
    path = root / "build" / site / "state.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    edit(data)
    text = to_json_text(data)
    path.write_text(text, encoding="utf-8")
    return text


def to_json_text(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def _swap_first_two(data: dict[str, Any]) -> None:
    first, second = data["slots"][0], data["slots"][1]
    for key in ("ipui", "login"):
        first[key], second[key] = second[key], first[key]


def test_a_swap_made_in_the_state_is_refused_by_every_command(built: Path) -> None:
    """Swapping the ipui/login of two slots in a committed state gave a build that swaps
    the two handsets on the device (both deregistered), while check passed."""
    text = _edit(built, "care-home", _swap_first_two)
    before = tree(built / "build")
    code, out, _ = run("plan", "--root", str(built), "--now", NOW)
    assert code == 1
    assert out.count("error: the state records handset") == 2
    for command in (("build", "--now", NOW), ("check",)):
        code, _, err = run(*command, "--root", str(built))
        assert code == 1, command
        lines = [line for line in err.splitlines() if ": error: " in line]
        assert lines[:2] == [
            f"build/care-home/state.json:{line}:{column}: error: the state records handset "
            f"{ipui} with account {login} at slot {slot}, but build/care-home/7C2F80123456.xml, "
            f"the file written with it, writes handset {other} with account {other_login} "
            "there: the state was edited by hand, and a build would tell the device what a "
            "reviewer does not see; restore it from git (git checkout -- build/) rather than "
            "deleting it, or every handset is planned anew [state]"
            for (line, column), slot, ipui, login, other, other_login in (
                (position_of(positions(text), ("slots", 0)), 0, "0328D41A08", "2102",
                 "0328D41A07", "2101"),
                (position_of(positions(text), ("slots", 1)), 1, "0328D41A07", "2101",
                 "0328D41A08", "2102"))], command
        assert len(lines) == 2
    assert tree(built / "build") == before


def test_a_deregistration_added_to_an_nx70_state_is_refused(built: Path) -> None:
    """A freed record appended with any IPUI made the Nx70 file deregister that handset."""
    _edit(built, "clinic-north", lambda s: s["slots"].append(
        {"status": "freed", "deregistered_ipui": "0332A11B99", "deregistered_in_revision": 1}))
    code, _, err = run("build", "--root", str(built), "--now", NOW)
    assert code == 1
    assert ("the state records a deregistration at IPUI 0332A11B99, but "
            "build/clinic-north/7c2f809a0b11.xml, the file written with it, writes nothing "
            "there") in err
    assert "ToDeReg" not in (built / "build" / "clinic-north" / "7c2f809a0b11.xml").read_text()


@pytest.mark.parametrize("edit", [
    lambda s: s["slots"][10].update(enabled=True),  # a disabled account turned on
    lambda s: s["slots"][3].update(login="9999"),
    lambda s: s["slots"].pop(4),  # a handset the file still binds
    lambda s: s["slots"].append({"slot": 50, "status": "freed"}),
])
def test_any_slot_the_state_changes_behind_its_file_is_named(built: Path, edit: Any) -> None:
    _edit(built, "care-home", edit)
    code, _, err = run("check", "--root", str(built))
    assert code == 1
    assert "the state was edited by hand" in err


def test_a_file_edited_instead_of_its_state_is_stale_not_a_state_error(built: Path) -> None:
    """The file's sha256 is not the state's: the file is what was edited, and a build
    writes it anew from the state."""
    xml = built / "build" / "care-home" / "7C2F80123456.xml"
    xml.write_bytes(xml.read_bytes().replace(b"0x03,0x28,0xD4,0x1A,0x07",
                                             b"0x03,0x28,0xD4,0x1A,0x08"))
    code, _, err = run("check", "--root", str(built))
    assert code == 1
    assert "[stale]" in err and "[state]" not in err
    assert run("build", "--root", str(built), "--now", NOW)[0] == 0
    assert b"0x03,0x28,0xD4,0x1A,0x07" in xml.read_bytes()
    assert run("check", "--root", str(built))[0] == 0
