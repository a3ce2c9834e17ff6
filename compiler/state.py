"""State: what the last build gave the device, read from and written to
build/<site>/state.json. It holds no secret: slots by IPUI and login, revisions, hashes.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compiler.diagnostics import Diagnostic, PathPart, Severity
from compiler.files import read_plain
from compiler.ipui import Ipui, parse_ipui
from compiler.jsonpos import position_of, positions
from compiler.paths import STATE_FILE, state_path
from compiler.schema import STATE_SCHEMA, fast_validator, schema_text
from compiler.targets import target_for
from compiler.targets.common import STAMP_FORMAT_SHARED
from compiler.text import clip, shown_path

if TYPE_CHECKING:
    from collections.abc import Callable

    from compiler.model import Site
    from compiler.targets import Target

FORMAT_VERSION = 1
HISTORY_LENGTH = 20


Key = int | str  # a database slot, or an IPUI's hex digits for targets keyed by IPUI


@dataclass(frozen=True)
class SlotRecord:
    """A handset place the compiler manages: a database slot (N720), or an IPUI for the
    families that keep handsets by identity. In use by an entry, or freed by a build. A
    place whose IPUI was deregistered keeps `released` until a handset takes it again, or
    until a build retires it once it has been written for the site's retention, so that a
    device that skipped some revisions still deregisters it.

    The revision that first wrote a release comes with its stamp (`*_at`, in the state's
    stamp format): the retention counts from it. A state written before the stamps were
    recorded has none (and an imported one no revision either); the plan then counts from
    the history, or from the last build."""

    slot: int | None  # None for targets keyed by IPUI
    in_use: bool
    ipui: Ipui | None = None  # in use: the handset bound here
    login: str | None = None  # in use only
    enabled: bool = True
    released: Ipui | None = None  # the IPUI deregistered here
    released_in_revision: int | None = None
    released_at: str | None = None  # the stamp of released_in_revision
    # Freed places only: the revision that first wrote the place emptied, and its stamp.
    # On a place that deregisters an IPUI it is nearly always the deregistration's own.
    freed_in_revision: int | None = None
    freed_at: str | None = None

    def written_since(self) -> tuple[int | None, str | None]:
        """The revision (and its stamp) since which the files have written this place's
        release as they write it now: a freed place since it was freed, a place in use
        since its IPUI was deregistered; the retention counts from it."""
        if not self.in_use and self.freed_in_revision is not None:
            return self.freed_in_revision, self.freed_at
        return self.released_in_revision, self.released_at

    @property
    def key(self) -> Key:
        if self.slot is not None:
            return self.slot
        identity = self.ipui or self.released
        if identity is None:
            raise ValueError(f"slot record {self} has neither a slot nor an IPUI")
        return identity.hex


@dataclass(frozen=True)
class HistoryEntry:
    revision: int
    stamp: str
    changes: tuple[tuple[str, int], ...]  # (kind, count), sorted by kind
    # What this build was allowed to do that is otherwise refused, by the refusal's rule
    # (reregistration, deregistration-threshold, device-change): the option was given.
    allowed: tuple[str, ...] = ()


@dataclass(frozen=True)
class State:
    site: str
    mac: str
    model: str
    file: str  # the provisioning file's name beside the state
    revision: int
    stamp: str  # in the target's stamp_format, DM local time
    sha256: str  # of the provisioning file written with this state
    slots: tuple[SlotRecord, ...]  # sorted by key
    history: tuple[HistoryEntry, ...] = field(default=())

    @property
    def number(self) -> int:  # a State is the previous build's revision, for the targets
        return self.revision

    def in_use(self) -> dict[int, SlotRecord]:
        return {record.key: record for record in self.slots if record.in_use}

    def freed(self) -> dict[int, SlotRecord]:
        return {record.key: record for record in self.slots if not record.in_use}


@dataclass(frozen=True)
class StateRead:
    state: State | None
    diagnostics: tuple[Diagnostic, ...] = ()
    # The last build was for another DM (another MAC, or a model of another family, whose
    # database is its own): "N720 with MAC 7C2F80123456".
    other_device: str | None = None


# A state of 100 slots and 20 revisions is some 15 KB; anything near this is not one.
STATE_LIMIT = 1 << 20
# How many problems one state reports: a damaged file would otherwise list every slot.
MAX_PROBLEMS = 20


def read_state(site_directory: Path, display: str, site: Site, target: Target) -> StateRead:
    """The previous state, or None for a first build; a state that cannot be trusted is an
    error (the plan would otherwise redo slots that real handsets hold): one it cannot
    read, one that breaks the state schema, or one this site's device cannot have left
    (checked against the device it names). A site whose MAC changed, or whose model is of
    another family (`target` is the new one's), is on another DM, which `other_device`
    describes; another model of the same family with the same MAC is the same DM, its
    model corrected."""
    shown = f"{display}/{STATE_FILE}"
    try:
        data = load_state(state_path(site_directory), shown)
    except FileNotFoundError:
        return StateRead(None)
    state = data.state
    if state is None:
        return data
    own = target_for(state.model)
    assert own is not None, "the state schema admits only models with a target"
    problem = _foreign(state, display, site, own)
    if problem:
        return _unreadable(shown, problem)
    other = None
    if state.mac != site.mac or own is not target:  # another DM, another database
        other = f"{state.model} with MAC {state.mac}"
    elif state.model != site.model:  # the same DM (its MAC says so), its model corrected
        state = replace(state, model=site.model)
    return StateRead(state, tuple(_disagreements(site_directory, display, state, own)), other)


def load_state(path: Path, shown: str) -> StateRead:
    """A state file checked against the state schema and read, with a located diagnostic
    for each problem (`shown` names the file); FileNotFoundError when there is none."""
    try:
        data = read_plain(path, STATE_LIMIT)
    except FileNotFoundError:
        raise
    except OSError as err:
        return _unreadable(shown, f"cannot read the state: {err.strerror or err}")
    if data is None:  # a pipe would wait for ever, a device never end: not opened
        return _unreadable(shown, "cannot read the state: it is not a plain file (a link, a "
                           "pipe or a device); "
                           "restore it from git (git checkout -- build/)")
    if len(data) > STATE_LIMIT:
        return _unreadable(shown, f"the state is over {STATE_LIMIT >> 10} KiB, which no "
                           "build writes; restore it from git (git checkout -- build/)")
    return parse_state(data, shown)


def parse_state(data: bytes, shown: str) -> StateRead:
    """A state's bytes, checked against the state schema and read; the stamp format is the
    same for every family."""
    try:
        text = data.decode("utf-8")
        loaded = json.loads(text, parse_float=Decimal, parse_constant=_no_constant)
    except (ValueError, RecursionError) as err:  # UnicodeDecodeError is a ValueError
        where = _json_error_position(err)
        return StateRead(None, (_located(shown, where, _damaged(f"not JSON: {_reason(err)}")),))
    problems = _schema_problems(loaded) or _record_problems(loaded) or _time_problems(loaded)
    if problems:
        table = positions(text)
        return StateRead(None, tuple(_located(shown, position_of(table, path), message)
                                     for path, message in problems[:MAX_PROBLEMS]))
    return StateRead(_from_json(loaded))


_RESTORE = ("restore it from git (git checkout -- build/) rather than deleting it, or every "
            "handset is planned anew")


def _damaged(detail: str) -> str:
    return f"the state is damaged ({detail}); {_RESTORE}"


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a state holds")


def _reason(err: Exception) -> str:
    if isinstance(err, RecursionError):
        return "nested too deeply"
    if isinstance(err, UnicodeDecodeError):
        return "not UTF-8"
    return clip(str(getattr(err, "msg", err)), 80)


def _json_error_position(err: Exception) -> tuple[int, int] | None:
    if isinstance(err, json.JSONDecodeError):
        return err.lineno, err.colno
    return None


def _located(shown: str, where: tuple[int, int] | None, message: str) -> Diagnostic:
    line, column = where if where is not None else (None, None)
    return Diagnostic(shown, line, column, Severity.ERROR, "state", "", message)


@functools.cache
def _fast_validator() -> Callable[[Any], Any]:
    return fast_validator(STATE_SCHEMA)


def _schema_problems(data: Any) -> list[tuple[tuple[PathPart, ...], str]]:
    """(path, message) for each way the data breaks the state schema."""
    import fastjsonschema

    try:
        _fast_validator()(data)
        return []
    except fastjsonschema.JsonSchemaException:
        pass
    import jsonschema  # only to explain a no

    validator = jsonschema.Draft7Validator(json.loads(schema_text(STATE_SCHEMA)))
    problems: dict[tuple[PathPart, ...], str] = {}  # a value's first problem says enough
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.path))):
        path = tuple(error.absolute_path)
        if path in problems:
            continue
        subject = f"{shown_path(path)}: " if path else ""
        problems[path] = _damaged(f"{subject}{_schema_message(error)}")
    return list(problems.items())


def _schema_message(error: Any) -> str:
    """What is wrong, in a line: a hand-edited value is shown clipped, never whole."""
    value = error.instance
    shown = clip(str(value) if isinstance(value, Decimal) else repr(value), 40)
    kind = error.validator
    if kind in ("type", "pattern", "enum", "const", "minimum", "maximum", "minLength",
                "maxLength", "anyOf"):
        return f"{shown} is not {_EXPECTED.get(kind, 'allowed here')}" if kind not in (
            "pattern", "anyOf", "type") else f"{shown} is not {_expected(error)}"
    if kind == "not":  # a freed slot holds nobody; a slot in use was not freed
        if isinstance(value, dict) and value.get("status") == "in-use":
            return "a slot in use records no freed_in_revision or freed_at"
        return "a freed slot records no ipui, login or enabled flag"
    if kind == "required":
        return clip(error.message, 80)
    if kind == "additionalProperties":
        return "unknown key " + clip(str(sorted(set(value) - set(error.schema.get(
            "properties", {})))), 60)
    return clip(error.message, 100)


_EXPECTED = {
    "enum": "one of the allowed values", "const": "the value this format has",
    "minimum": "within range (too small)", "maximum": "within range (too large)",
    "minLength": "long enough", "maxLength": "short enough",
}


_FORMS = {
    "site": "a site name", "mac": "a MAC of 12 upper-case hex digits",
    "file": "a provisioning file name (<MAC>.xml)", "stamp": "a stamp of 10 digits",
    "sha256": "a SHA-256 in lower-case hex", "ipui": "an IPUI (10 upper-case hex digits)",
    "deregistered_ipui": "an IPUI (10 upper-case hex digits)",
    "deregistered_at": "a stamp of 10 digits", "freed_at": "a stamp of 10 digits",
    "changes": "the name of a kind of change",
}


def _expected(error: Any) -> str:
    if error.validator == "type":
        return f"of type {error.validator_value}"
    if error.validator == "anyOf":
        if error.absolute_path and error.absolute_path[-1] == "deregistered_in_revision":
            return "a revision (a whole number from 1) or null"
        return "an IPUI (10 upper-case hex digits) or null"
    keys = [part for part in error.absolute_path if isinstance(part, str)]
    return _FORMS.get(keys[-1] if keys else "", "of the form this format has")


def _record_problems(data: dict[str, Any]) -> list[tuple[tuple[PathPart, ...], str]]:
    """What the schema cannot say: every record keyed the same way (by slot, or by IPUI),
    each key once, each IPUI in use once."""
    problems = []
    records = data["slots"]
    by_slot = {("slot" in record) for record in records}
    if len(by_slot) > 1:
        return [(("slots",), _damaged("some records have a slot and some do not: a state is "
                                      "keyed by slot (N720) or by IPUI (Nx70), never both"))]
    keys: dict[Any, int] = {}
    in_use: dict[str, int] = {}
    for index, record in enumerate(records):
        key = record.get("slot", record.get("ipui") or record.get("deregistered_ipui"))
        if key is None:
            problems.append((("slots", index), _damaged("a record without slot names no "
                                                         "IPUI")))
        elif key in keys:
            problems.append((("slots", index), _damaged(
                f"{_key_name(key)} is recorded twice, also in slots[{keys[key]}]")))
        keys.setdefault(key, index)
        ipui = record.get("ipui")
        if ipui is not None and ipui in in_use:
            problems.append((("slots", index, "ipui"), _damaged(
                f"IPUI {ipui} is in use twice, also in slots[{in_use[ipui]}]")))
        if ipui is not None:
            in_use.setdefault(ipui, index)
    return problems


def _time_problems(data: dict[str, Any]) -> list[tuple[tuple[PathPart, ...], str]]:
    """What no build writes, about when: a stamp that is no time (the retention and the
    next revision are computed from each), a revision or a stamp later than the state's
    own, and a release stamped otherwise than the history records its revision. A state
    edited so would retire a deregistration early, or write it for ever, unseen."""
    problems: list[tuple[tuple[PathPart, ...], str]] = []
    last = _stamp_time(data["stamp"])
    if last is None:
        return [(("stamp",), _damaged(f"stamp: {data['stamp']!r} is no time"))]
    revision = data["revision"]
    recorded: dict[int, str] = {}
    for index, entry in enumerate(data.get("history", [])):
        found = _when_problems(("history", index), "revision", entry["revision"], "stamp",
                               entry["stamp"], revision, last)
        problems += found
        if not found:
            recorded.setdefault(entry["revision"], entry["stamp"])
    for index, record in enumerate(data["slots"]):
        for number_key, stamp_key in (("deregistered_in_revision", "deregistered_at"),
                                      ("freed_in_revision", "freed_at")):
            number, stamp = record.get(number_key), record.get(stamp_key)
            where = ("slots", index)
            found = _when_problems(where, number_key, number, stamp_key, stamp, revision, last)
            if not found and None not in (number, stamp) and recorded.get(number,
                                                                          stamp) != stamp:
                found = [((*where, stamp_key), _damaged(
                    f"{shown_path((*where, stamp_key))}: {stamp!r} is not the stamp of "
                    f"revision {number}, {recorded[number]!r} in the history"))]
            problems += found
    return problems


def _when_problems(where: tuple[PathPart, ...], number_key: str, number: Any, stamp_key: str,
                   stamp: Any, revision: int, last: datetime,
                   ) -> list[tuple[tuple[PathPart, ...], str]]:
    if isinstance(number, int) and number > revision:
        return [((*where, number_key), _damaged(
            f"{shown_path((*where, number_key))}: {number} is later than the state's "
            f"revision {revision}"))]
    if stamp is None:
        return []
    time = _stamp_time(stamp)
    if time is None:
        return [((*where, stamp_key), _damaged(
            f"{shown_path((*where, stamp_key))}: {stamp!r} is no time"))]
    if time > last:
        return [((*where, stamp_key), _damaged(
            f"{shown_path((*where, stamp_key))}: {stamp!r} is later than the state's stamp"))]
    return []


def _stamp_time(stamp: str) -> datetime | None:
    try:
        return datetime.strptime(stamp, STAMP_FORMAT_SHARED)
    except ValueError:
        return None


def _key_name(key: Any) -> str:
    return f"slot {key}" if isinstance(key, int) else f"IPUI {key}"


def _foreign(state: State, display: str, site: Site, target: Target) -> str | None:
    """Why this state cannot be what the device it names (`target`: its family) was last
    given for this site: another site's, another file's, or slots that device does not
    have (a hand-edited state would otherwise become a file the device misreads)."""
    if state.site != site.name:
        return (f"the state belongs to site '{state.site}', not '{site.name}': restore "
                f"{display}/ from git, or, if it was copied from another site, delete it so "
                "that this site is planned as new")
    expected = target.file_name(replace(site, mac=state.mac, model=state.model))
    if state.file != expected:
        return (f"the state names the file {state.file[:40]!r}, not {expected}, the file of "
                f"the DM it is for; restore it from git (git checkout -- build/)")
    try:
        datetime.strptime(state.stamp, target.stamp_format)  # the next is computed from it
    except ValueError:
        return _damaged(f"stamp: {state.stamp!r} is no time")
    slots = target.database_slots
    wrong = [r.slot for r in state.slots if (r.slot is None) != (slots is None) or
             r.slot is not None and slots is not None and not 0 <= r.slot < slots]
    if wrong:
        where = "no slots" if slots is None else f"slots 0 to {slots - 1}"
        return (f"the state holds slot {str(wrong[0])[:12]}, but the {state.model} has "
                f"{where}; restore it from git (git checkout -- build/)")
    return None


# A provisioning file of 250 handsets is some 200 KB.
FILE_LIMIT = 16 << 20


def _disagreements(site_directory: Path, display: str, state: State,
                   target: Target) -> list[Diagnostic]:
    """Where the state disagrees with the file written with it (its sha256 says which)
    about a handset place: the state was edited by hand, and the plan, which trusts it,
    would tell the device something else than a reviewer reads. No file, or another file:
    a build writes it anew (and check says so)."""
    path = site_directory / state.file
    shown = f"{display}/{STATE_FILE}"
    try:
        content = read_plain(path, FILE_LIMIT)
    except FileNotFoundError:
        return []
    except OSError as err:
        return [_located(shown, None, f"cannot read {display}/{state.file} to check the state "
                         f"against it: {err.strerror or err}")]
    if content is None or len(content) > FILE_LIMIT:
        return []  # a link, a pipe, a device, a huge file: a build writes the file anew
    if hashlib.sha256(content).hexdigest() != state.sha256:
        return []  # the file was edited, not the state: a build writes it anew (check says so)
    written = target.places(content)
    recorded = {record.key: _recorded(record) for record in state.slots}
    wrong = [key for key in sorted(recorded.keys() | written.keys(), key=_key_order)
             if recorded.get(key) != _as_written(written.get(key))]
    if not wrong:
        return []
    table = _record_positions(path.with_name(STATE_FILE))
    return [_located(shown, table.get(key), _disagreement(key, recorded.get(key),
                                                          _as_written(written.get(key)),
                                                          f"{display}/{state.file}"))
            for key in wrong[:MAX_PROBLEMS]]


_Seen = tuple[str | None, str | None, bool | None, bool]  # ipui, login, enabled, deregisters


def _recorded(record: SlotRecord) -> _Seen:
    if record.in_use:
        return (record.ipui.hex if record.ipui else None, record.login, record.enabled,
                record.ipui is None and record.released is not None)
    return None, None, None, record.released is not None


def _as_written(place: Any) -> _Seen | None:
    if place is None:
        return None
    return (place.ipui, place.login, place.enabled if place.login else None,
            place.deregisters)


def _key_order(key: Key) -> tuple[int, str]:
    return (key, "") if isinstance(key, int) else (-1, key)


def _disagreement(key: Key, recorded: _Seen | None, written: _Seen | None, file: str) -> str:
    where = f"slot {key}" if isinstance(key, int) else f"IPUI {key}"
    return (f"the state records {_seen(recorded)} at {where}, but {file}, the file written "
            f"with it, writes {_seen(written)} there: the state was edited by hand, and a "
            f"build would tell the device what a reviewer does not see; {_RESTORE}")


def _seen(seen: _Seen | None) -> str:
    if seen is None:
        return "nothing there"
    ipui, login, enabled, deregisters = seen
    parts = []
    if ipui is not None:
        parts.append(f"handset {ipui}")
    if login is not None:
        parts.append(f"account {clip(login, 20)}{'' if enabled else ' (disabled)'}")
    if deregisters:
        parts.append("a deregistration")
    return " with ".join(parts) if parts else "an emptied account"


def _record_positions(path: Path) -> dict[Key, tuple[int, int]]:
    """Where each slot record sits in the state file (read once more, on this error path)."""
    try:
        text = (read_plain(path, STATE_LIMIT) or b"").decode("utf-8")
        records = json.loads(text)["slots"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    table = positions(text)
    found: dict[Key, tuple[int, int]] = {}
    for index, record in enumerate(records):
        key = record.get("slot", record.get("ipui") or record.get("deregistered_ipui"))
        if ("slots", index) in table:
            found.setdefault(key, table[("slots", index)])
    return found


def _unreadable(display: str, message: str) -> StateRead:
    return StateRead(None, (Diagnostic(display, None, None, Severity.ERROR, "state", "",
                                       message),))


def _ipui(text: str | None) -> Ipui | None:
    if text is None:
        return None
    parsed = parse_ipui(text)
    if not isinstance(parsed, Ipui):
        raise ValueError(f"bad IPUI {text!r}")
    return parsed


def _from_json(data: dict[str, Any]) -> State:
    """The state from data the schema and the record checks have vouched for."""
    slots = tuple(sorted((
        SlotRecord(
            slot=item.get("slot"),
            in_use=item["status"] == "in-use",
            ipui=_ipui(item.get("ipui")),
            login=item.get("login"),
            enabled=item.get("enabled", True),
            released=_ipui(item.get("deregistered_ipui")),
            released_in_revision=item.get("deregistered_in_revision"),
            released_at=item.get("deregistered_at"),
            # Not recorded when it is the deregistration's own.
            freed_in_revision=item.get("freed_in_revision", item.get(
                "deregistered_in_revision")) if item["status"] == "freed" else None,
            freed_at=item.get("freed_at", item.get("deregistered_at"))
            if item["status"] == "freed" else None,
        ) for item in data["slots"]), key=lambda record: record.key))
    history = tuple(
        HistoryEntry(item["revision"], item["stamp"], tuple(sorted(item["changes"].items())),
                     tuple(item.get("allowed", ())))
        for item in data.get("history", []))
    return State(
        site=data["site"], mac=data["mac"], model=data["model"], file=data["file"],
        revision=data["revision"], stamp=data["stamp"], sha256=data["sha256"], slots=slots,
        history=history,
    )


def _slot_json(record: SlotRecord) -> dict[str, Any]:
    data: dict[str, Any] = {} if record.slot is None else {"slot": record.slot}
    if record.in_use:
        data.update(status="in-use", ipui=record.ipui.hex if record.ipui else None,
                    login=record.login, enabled=record.enabled)
    else:
        data.update(status="freed")
    if record.released is not None:
        data.update(deregistered_ipui=record.released.hex,
                    deregistered_in_revision=record.released_in_revision)
        if record.released_at is not None:
            data.update(deregistered_at=record.released_at)
    freed = (record.freed_in_revision, record.freed_at)
    if not record.in_use and freed != (None, None) and (
            record.released is None or freed != (record.released_in_revision,
                                                  record.released_at)):
        data.update(freed_in_revision=record.freed_in_revision, freed_at=record.freed_at)
    return data


def _history_json(entry: HistoryEntry) -> dict[str, Any]:
    data: dict[str, Any] = {"revision": entry.revision, "stamp": entry.stamp,
                            "changes": dict(entry.changes)}
    if entry.allowed:
        data["allowed"] = list(entry.allowed)
    return data


def to_json(state: State) -> bytes:
    """Sorted keys, slots in order, one slot a line: a change to a slot is a one-line diff
    in review (and the C encoder writes each line: a fleet's states cost little)."""
    data = {
        "format_version": FORMAT_VERSION,
        "site": state.site,
        "mac": state.mac,
        "model": state.model,
        "file": state.file,
        "revision": state.revision,
        "stamp": state.stamp,
        "sha256": state.sha256,
        "slots": [_slot_json(record) for record in state.slots],
        "history": [_history_json(entry) for entry in state.history],
    }
    lines = []
    for key in sorted(data):
        value = data[key]
        if isinstance(value, list):
            items = ",\n".join(f"    {_compact(item)}" for item in value)
            lines.append(f'  "{key}": [\n{items}\n  ]' if value else f'  "{key}": []')
        else:
            lines.append(f'  "{key}": {_compact(value)}')
    return ("{\n" + ",\n".join(lines) + "\n}\n").encode()


# One encoder for every line: json.dumps with options makes a new one per call.
_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(", ", ": "))
_compact = _ENCODER.encode
