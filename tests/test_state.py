"""build/<site>/state.json is input: read against the state schema, each problem a located
`state` diagnostic, never a traceback and never a state that some of it was trusted from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

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
         "deregistered_in_revision": 2},
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
