"""State: what the last build gave the device, read from and written to
build/<site>/state.json. It holds no secret: slots by IPUI and login, revisions, hashes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compiler.diagnostics import Diagnostic, Severity
from compiler.files import read_plain
from compiler.ipui import Ipui, parse_ipui
from compiler.paths import STATE_FILE, state_path
from compiler.targets import target_for

if TYPE_CHECKING:
    from compiler.model import Site
    from compiler.targets import Target

FORMAT_VERSION = 1
HISTORY_LENGTH = 20


Key = int | str  # a database slot, or an IPUI's hex digits for targets keyed by IPUI


@dataclass(frozen=True)
class SlotRecord:
    """A handset place the compiler manages: a database slot (N720), or an IPUI for the
    families that keep handsets by identity. In use by an entry, or freed by a build. A
    place whose IPUI was deregistered keeps `released` until a handset takes it again, so
    that a device that skipped a revision still deregisters it."""

    slot: int | None  # None for targets keyed by IPUI
    in_use: bool
    ipui: Ipui | None = None  # in use: the handset bound here
    login: str | None = None  # in use only
    enabled: bool = True
    released: Ipui | None = None  # the IPUI deregistered here
    released_in_revision: int | None = None

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


def read_state(site_directory: Path, display: str, site: Site, target: Target) -> StateRead:
    """The previous state, or None for a first build; a state that cannot be trusted is an
    error (the plan would otherwise redo slots that real handsets hold): one it cannot
    read, or one this site's device cannot have left (`target` says what its device
    keeps)."""
    path = state_path(site_directory)
    shown = f"{display}/{STATE_FILE}"
    try:
        data = read_plain(path)
        if data is None:  # a pipe would wait for ever, a device never end: not opened
            return _unreadable(shown, "cannot read the state: it is not a plain file; "
                               "restore it from git (git checkout -- build/)")
        text = data.decode("utf-8")
    except FileNotFoundError:
        return StateRead(None)
    except (OSError, UnicodeDecodeError) as err:
        return _unreadable(shown, f"cannot read the state: {err}")
    try:
        state = _from_json(json.loads(text), target.stamp_format)
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        return _unreadable(shown, f"the state is damaged ({err}); restore it from git "
                           "(git checkout -- build/) rather than deleting it, or every "
                           "handset is planned anew")
    problem = _foreign(state, display, site, target)
    return _unreadable(shown, problem) if problem else StateRead(state)


def _foreign(state: State, display: str, site: Site, target: Target) -> str | None:
    """Why this state cannot be what this site's device was last given: another site's,
    another DM's, another family's, another file's, or slots the device does not have (a
    hand-edited state would otherwise become a file the device misreads)."""
    shown = f"{display}/{STATE_FILE}"
    if state.site != site.name:
        return (f"the state belongs to site '{state.site}', not '{site.name}': restore "
                f"{display}/ from git, or, if it was copied from another site, delete it so "
                "that this site is planned as new")
    if state.mac != site.mac:
        return (f"the state is for the DM with MAC {state.mac}, but the site now says "
                f"{site.mac}. A new MAC is a new device: its database is empty, so every "
                f"handset must be registered again. If that is intended, delete {shown} and "
                "build (the plan then shows every handset as new); if not, fix the MAC")
    if target_for(state.model) is not target:
        return (f"the state is for a {state.model[:20]!r}, but the site now says "
                f"{site.model}, a DM of another family with a database of its own: every "
                f"handset must be registered again. If that is intended, delete {shown} and "
                "build (the plan then shows every handset as new); if not, fix the model")
    if state.file != target.file_name(site):
        return (f"the state names the file {state.file[:40]!r}, not this site's "
                f"{target.file_name(site)}; restore it from git (git checkout -- build/)")
    slots = target.database_slots
    wrong = [r.slot for r in state.slots if (r.slot is None) != (slots is None) or
             r.slot is not None and slots is not None and not 0 <= r.slot < slots]
    if wrong:
        where = "no slots" if slots is None else f"slots 0 to {slots - 1}"
        return (f"the state holds slot {str(wrong[0])[:12]}, but the {site.model} has "
                f"{where}; restore it from git (git checkout -- build/)")
    return None


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


def _from_json(data: dict[str, Any], stamp_format: str) -> State:
    if data.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"format_version {data.get('format_version')!r} is not "
                         f"{FORMAT_VERSION}")
    slots = tuple(sorted((
        SlotRecord(
            slot=None if item.get("slot") is None else int(item["slot"]),
            in_use=item["status"] == "in-use",
            ipui=_ipui(item.get("ipui")),
            login=item.get("login"),
            enabled=bool(item.get("enabled", True)),
            released=_ipui(item.get("deregistered_ipui")),
            released_in_revision=item.get("deregistered_in_revision"),
        ) for item in data["slots"]), key=lambda record: record.key))
    history = tuple(
        HistoryEntry(int(item["revision"]), str(item["stamp"]),
                     tuple(sorted((str(k), int(v)) for k, v in item["changes"].items())))
        for item in data.get("history", []))
    stamp = str(data["stamp"])
    datetime.strptime(stamp, stamp_format)  # the next stamp is computed from it
    return State(
        site=str(data["site"]), mac=str(data["mac"]), model=str(data["model"]),
        file=str(data["file"]), revision=int(data["revision"]), stamp=stamp,
        sha256=str(data["sha256"]), slots=slots, history=history,
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
        "history": [{"revision": entry.revision, "stamp": entry.stamp,
                     "changes": dict(entry.changes)} for entry in state.history],
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
