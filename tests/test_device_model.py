"""The compiler against an independent model of the devices (tests/device_model.py).

A fleet of two sites (both N720, both Nx70, or one of each) goes through random edits, each
planned and built with the command line. Each device fetches a random part of the files
built for it, in order, as a device that misses some fetches does. After each file it
takes, the model must hold exactly the handsets the site file intends, and must have lost
exactly the handsets the plans since its last file named as deregistered, replaced, moved
or swapped. The examples first pin the model itself, and show that it fails a wrong file.

`DECTPROV_FUZZ_EXAMPLES` sets the number of examples of the property (`make fuzz`: 2000).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from device_model import N720Device, Nx70Device, device_for
from helpers import run
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

EXIT_OK, EXIT_INVALID = 0, 1  # the README's exit codes
EXAMPLES = int(os.environ.get("DECTPROV_FUZZ_EXAMPLES", "50"))
# A failure found in the bounded run is reported as found: shrinking a sequence of builds
# takes minutes. `make fuzz` (any DECTPROV_FUZZ_EXAMPLES) shrinks it to a minimal one.
PHASES = [phase for phase in Phase if "DECTPROV_FUZZ_EXAMPLES" in os.environ
          or phase is not Phase.shrink]
PROPERTY = settings(max_examples=EXAMPLES, deadline=None, phases=PHASES, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
WINDOW = {"start": "2026-12-01 00:00", "duration": "30d"}  # open for every step's `now`
SHELF = [f"0328D41A{n:02X}" for n in range(1, 25)]  # the handsets the warehouse has
NX70_MODELS = ["N870", "N870E", "N770", "N670", "N610"]
MOST_HANDSETS = 6  # per site: an N610 holds 8
# What a plan's error asks for, as the option that allows it; any other error fails.
OPTIONS = {"reregistration": "--allow-reregistration", "deregistration-threshold": "--force",
           "device-change": "--replace-device", "site-removed": "--force"}
LOSING = {"deregister", "replace", "move", "swap"}  # the kinds that end a registration


# -- the fleet, as YAML -------------------------------------------------------------------


@dataclass(frozen=True)
class Handset:
    ipui: str
    login: str


@dataclass(frozen=True)
class Site:
    name: str
    model: str
    mac: str
    handsets: tuple[Handset, ...]
    authoritative: bool = False

    @property
    def family(self) -> str:
        return "N720" if self.model == "N720" else "Nx70"

    def yaml(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "site": self.name, "model": self.model, "mac": self.mac,
            "providers": [{"name": "PBX", "domain": "pbx.example.net"}],
            "registration": {"window": WINDOW, "pin": "0000"},
            "handsets": [{"ipui": h.ipui, "login": h.login, "password": f"pw-{h.login}"}
                         for h in self.handsets],
        }
        if self.family == "Nx70":
            data["authoritative"] = self.authoritative
        return data

    def intended(self) -> dict[str, str]:
        return {handset.ipui: handset.login for handset in self.handsets}


Fleet = dict[str, Site]


def _write(root: Path, fleet: Fleet) -> None:
    sites = root / "sites"
    sites.mkdir(parents=True, exist_ok=True)
    for path in sites.glob("*.yaml"):
        if path.stem not in fleet:
            path.unlink()
    for site in fleet.values():
        (sites / f"{site.name}.yaml").write_text(yaml.safe_dump(site.yaml(), sort_keys=False))


# -- one step: plan, then build with what the plan asks for --------------------------------


@dataclass(frozen=True)
class Build:
    """What one build gave one site: its file, what it intends, and what its plan said."""

    content: bytes
    device: tuple[str, str]  # family and MAC: another pair is another device
    intended: dict[str, str]  # IPUI -> login
    named: frozenset[str]  # IPUIs the plan deregisters, replaces, moves or swaps
    moved: frozenset[str]  # IPUIs the plan moves or swaps
    positions: dict[str, object]  # IPUI -> slot (N720) or "held" (Nx70), as the plans say


def _now(step: int) -> datetime:
    return START + timedelta(hours=step)


def _step(root: Path, fleet: Fleet, step: int,
          previous: dict[str, Build]) -> dict[str, Build]:
    _write(root, fleet)
    now = _now(step).strftime("%Y-%m-%d %H:%M")
    code, out, err = run("plan", "--root", str(root), "--now", now, "--format", "json")
    assert code in (EXIT_OK, EXIT_INVALID) and out, (code, err, fleet)
    plan = json.loads(out)
    options = sorted({OPTIONS.get(d["rule"], f"unexpected {d['rule']}: {d['message']}")
                      for entry in plan["sites"] for d in entry["diagnostics"]
                      if d["severity"] == "error"})
    assert all(option.startswith("--") for option in options), (options, fleet)
    code, out, err = run("build", "--root", str(root), "--now", now, *options)
    assert code == EXIT_OK, (out, err, fleet)
    changes = {entry["site"]: entry["changes"] for entry in plan["sites"]}
    return {name: _record(root, site, changes.get(name, []), previous.get(name))
            for name, site in fleet.items()}


def _record(root: Path, site: Site, changes: list[dict[str, Any]],
            previous: Build | None) -> Build:
    device = (site.family, site.mac.upper())
    mac = site.mac.replace(":", "").replace("-", "")  # the file the device asks for
    name = mac.upper() if site.family == "N720" else mac.lower()
    path = root / "build" / site.name / f"{name}.xml"
    positions = dict(previous.positions) if previous and previous.device == device else {}
    named, moved = set(), set()
    for change in changes:  # what leaves first, then what takes a place
        before = (change["before"] or {}).get("ipui")
        if before and change["kind"] in ("deregister", "remove", "replace"):
            positions.pop(before, None)
    for change in changes:
        before, after = ((change[key] or {}).get("ipui") for key in ("before", "after"))
        if after:
            positions[after] = "held" if change["slot"] is None else change["slot"]
        if change["kind"] in LOSING:
            named |= {after} if change["kind"] == "move" else {before}
        if change["kind"] == "swap":
            named |= {before, after}
        if change["kind"] in ("move", "swap"):
            moved.add(after)
    return Build(path.read_bytes(), device, site.intended(), frozenset(named - {None}),
                 frozenset(moved - {None}), positions)


# -- a device that misses some fetches -----------------------------------------------------


@dataclass
class Fetcher:
    """One device in the field, and the builds of its site since it was put in."""

    device: N720Device | Nx70Device
    builds: list[Build] = field(default_factory=list)
    last: int | None = None  # index of the last build it took

    def fetch(self, at: datetime) -> None:
        """Fetch the newest build and check the device against the site and its plans."""
        current = len(self.builds) - 1
        build = self.builds[current]
        stranded = set(self.device.stranded)
        if not self.device.apply(build.content, at):
            # A device skips only what it already holds: every change of content is a
            # new revision.
            assert self.last is not None and build.content == self.builds[self.last].content
            return
        since = self.builds[0 if self.last is None else self.last + 1:]
        before = {} if self.last is None else self.builds[self.last].positions
        check_device(self.device, build, since, before, stranded,
                     frozenset().union(*(b.moved for b in self.builds[:current + 1])))
        self.last = current


def check_device(device: N720Device | Nx70Device, build: Build, since: list[Build],
                 before: dict[str, object], stranded: set[str],
                 moved: frozenset[str]) -> None:
    """The model after `build`: the handsets the site intends are registered, with their
    logins, but for those lost for good by a move; what the plans since the last file took
    away, and only that, lost its registration."""
    named = frozenset().union(*(b.named for b in since))
    expected_lost = {ipui for ipui in named if ipui in before and ipui not in stranded
                     and build.positions.get(ipui) != before[ipui]}
    assert device.lost == expected_lost, \
        f"registrations ended: {sorted(device.lost)} on the device, {sorted(expected_lost)} " \
        "by the plans since its last file"
    assert device.stranded <= moved, f"lost by a move no plan named: {device.stranded - moved}"
    intended = {ipui: login for ipui, login in build.intended.items()
                if ipui not in device.stranded}
    assert device.handsets() == intended, "registered on the device (left), in the site file"
    assert set(build.positions) == set(build.intended), "the plans lost track of a handset"
    if isinstance(device, N720Device):
        for ipui in device.registered:
            assert device.slot_of(ipui) == build.positions[ipui], ipui


# -- edits ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Edit:
    possible: Callable[[Fleet], bool]
    apply: Callable[[st.DataObject, Fleet, int], Fleet]


def _in_use(fleet: Fleet) -> set[str]:
    return {h.ipui for site in fleet.values() for h in site.handsets}


def _pick_site(data: st.DataObject, fleet: Fleet, can: Callable[[Site], bool]) -> Site:
    return data.draw(st.sampled_from([s for s in fleet.values() if can(s)]), label="site")


def _free_ipui(data: st.DataObject, fleet: Fleet) -> str:
    """An IPUI no site holds now: a new one, or one that was there before."""
    used = _in_use(fleet)
    return data.draw(st.sampled_from([ipui for ipui in SHELF if ipui not in used]),
                     label="ipui")


def _with(fleet: Fleet, site: Site, handsets: list[Handset] | tuple[Handset, ...]) -> Fleet:
    return {**fleet, site.name: replace(site, handsets=tuple(handsets))}


def _add(data: st.DataObject, fleet: Fleet, step: int) -> Fleet:
    site = _pick_site(data, fleet, lambda s: len(s.handsets) < MOST_HANDSETS)
    at = data.draw(st.integers(0, len(site.handsets)))
    handset = Handset(_free_ipui(data, fleet), f"{5000 + step}")
    return _with(fleet, site, site.handsets[:at] + (handset,) + site.handsets[at:])


def _index(data: st.DataObject, site: Site) -> int:
    return data.draw(st.integers(0, len(site.handsets) - 1), label="handset")


def _remove(data: st.DataObject, fleet: Fleet, step: int) -> Fleet:
    site = _pick_site(data, fleet, lambda s: bool(s.handsets))
    index = _index(data, site)
    return _with(fleet, site, site.handsets[:index] + site.handsets[index + 1:])


def _replace(data: st.DataObject, fleet: Fleet, step: int) -> Fleet:
    """A broken handset: a new IPUI, the same login."""
    site = _pick_site(data, fleet, lambda s: bool(s.handsets))
    handsets = list(site.handsets)
    index = _index(data, site)
    handsets[index] = replace(handsets[index], ipui=_free_ipui(data, fleet))
    return _with(fleet, site, handsets)


def _swap_logins(data: st.DataObject, fleet: Fleet, step: int) -> Fleet:
    site = _pick_site(data, fleet, lambda s: len(s.handsets) >= 2)
    first, second = data.draw(st.lists(st.integers(0, len(site.handsets) - 1), min_size=2,
                                       max_size=2, unique=True), label="swap")
    handsets = list(site.handsets)
    handsets[first], handsets[second] = (replace(handsets[first], login=handsets[second].login),
                                         replace(handsets[second], login=handsets[first].login))
    return _with(fleet, site, handsets)


def _move(data: st.DataObject, fleet: Fleet, step: int) -> Fleet:
    """A handset, IPUI and login, taken to the other site."""
    source = _pick_site(data, fleet, lambda s: bool(s.handsets))
    target = next(s for s in fleet.values() if s.name != source.name)
    index = _index(data, source)
    handset = source.handsets[index]
    fleet = _with(fleet, source, source.handsets[:index] + source.handsets[index + 1:])
    return _with(fleet, target, target.handsets + (handset,))


def _nx70_model(data: st.DataObject, fleet: Fleet, step: int) -> Fleet:
    site = _pick_site(data, fleet, lambda s: s.family == "Nx70")
    model = data.draw(st.sampled_from([m for m in NX70_MODELS if m != site.model]))
    return {**fleet, site.name: replace(site, model=model)}


def _remove_site(data: st.DataObject, fleet: Fleet, step: int) -> Fleet:
    site = _pick_site(data, fleet, lambda s: True)
    return {name: other for name, other in fleet.items() if name != site.name}


def _replace_device(data: st.DataObject, fleet: Fleet, step: int) -> Fleet:
    """Another DM on the site: the other family, or the same model with another MAC."""
    site = _pick_site(data, fleet, lambda s: True)
    model = data.draw(st.sampled_from(["N720", site.model, *NX70_MODELS]))
    mac = site.mac if model != site.model and data.draw(st.booleans()) else \
        f"7C2F80{0x100000 + step * 16 + len(site.name):06X}"
    return {**fleet, site.name: replace(site, model=model, mac=mac)}


def _two(fleet: Fleet) -> bool:
    return len(fleet) == 2


EDITS: dict[str, Edit] = {
    "add": Edit(lambda f: any(len(s.handsets) < MOST_HANDSETS for s in f.values())
                and len(_in_use(f)) < len(SHELF), _add),
    "remove": Edit(lambda f: any(s.handsets for s in f.values()), _remove),
    "replace": Edit(lambda f: any(s.handsets for s in f.values())
                    and len(_in_use(f)) < len(SHELF), _replace),
    "swap-logins": Edit(lambda f: any(len(s.handsets) >= 2 for s in f.values()), _swap_logins),
    "move": Edit(lambda f: _two(f) and all(len(s.handsets) < MOST_HANDSETS for s in f.values())
                 and any(s.handsets for s in f.values()), _move),
    "nx70-model": Edit(lambda f: any(s.family == "Nx70" for s in f.values()), _nx70_model),
}
# Operations the compiler is gaining. They join EDITS when `build --help` lists
# --replace-device; add here what comes next.
FUTURE_EDITS: dict[str, Edit] = {
    "remove-site": Edit(lambda f: len(f) > 1, _remove_site),
    "replace-device": Edit(lambda f: bool(f), _replace_device),
}


def _edits() -> dict[str, Edit]:
    _, out, err = run("build", "--help")
    return {**EDITS, **FUTURE_EDITS} if "--replace-device" in out + err else dict(EDITS)


# -- the property --------------------------------------------------------------------------


@st.composite
def fleets(draw: st.DrawFn) -> Fleet:
    families = draw(st.sampled_from([("N720", "N720"), ("Nx70", "Nx70"), ("N720", "Nx70")]),
                    label="families")
    shelf = iter(SHELF)
    fleet = {}
    for number, family in enumerate(families):
        name = f"site-{'ab'[number]}"
        model = "N720" if family == "N720" else draw(st.sampled_from(NX70_MODELS))
        handsets = tuple(Handset(next(shelf), f"{1000 * (number + 1) + n}")
                         for n in range(draw(st.integers(0, 3))))
        fleet[name] = Site(name, model, f"7C2F800000{number + 1:02X}", handsets,
                           family == "Nx70" and draw(st.booleans(), label="authoritative"))
    return fleet


@PROPERTY
@given(fleet=fleets(), data=st.data())
def test_devices_hold_what_the_sites_say(tmp_path_factory: pytest.TempPathFactory,
                                         fleet: Fleet, data: st.DataObject) -> None:
    root = tmp_path_factory.mktemp("root")
    edits = _edits()
    fetchers: dict[str, Fetcher] = {}
    builds: dict[str, Build] = {}
    steps = data.draw(st.integers(1, 6), label="edits")
    for step in range(steps + 1):
        if step:
            kind = data.draw(st.sampled_from([k for k, e in edits.items() if e.possible(fleet)]),
                             label="edit")
            fleet = edits[kind].apply(data, fleet, step)
        builds = _step(root, fleet, step, builds)
        fetchers = {name: fetchers[name] if name in fetchers and
                    fetchers[name].builds[-1].device == build.device
                    else Fetcher(device_for(build.content))
                    for name, build in builds.items()}
        for name, build in builds.items():
            fetcher = fetchers[name]
            fetcher.builds.append(build)
            if step == steps or data.draw(st.booleans(), label=f"{name} fetches"):
                fetcher.fetch(_now(step) + timedelta(minutes=5))


# -- the model itself ----------------------------------------------------------------------


def _fleet(*sites: Site) -> Fleet:
    return {site.name: site for site in sites}


A, B, C = (Handset(SHELF[n], f"{1001 + n}") for n in range(3))
WARD = Site("ward", "N720", "7C2F80000042", (A, B))
CLINIC = Site("clinic", "N870", "7C2F80000043", (A, B))


def _item(content: bytes, needle: bytes) -> bytes:
    """The one line of `content` that holds `needle`."""
    (line,) = [line for line in content.splitlines(keepends=True) if needle in line]
    return line


def test_n720_registers_in_the_window_and_a_zero_code_deregisters(tmp_path: Path) -> None:
    first = _step(tmp_path, _fleet(WARD), 0, {})["ward"]
    device = N720Device()
    assert device.apply(first.content, _now(0))
    assert device.handsets() == {A.ipui: "1001", B.ipui: "1002"}
    assert device.lost == frozenset() and device.slot_of(B.ipui) == 1
    second = _step(tmp_path, _fleet(replace(WARD, handsets=(B,))), 1, {"ward": first})["ward"]
    assert b'astAccounts[0].aucHandsetCode[0]" class="symb_item" value="0x00,0x00,0x00,0x00,' \
           b'0x00"' in second.content
    assert device.apply(second.content, _now(1))
    assert device.handsets() == {B.ipui: "1002"}
    assert device.lost == {A.ipui} and device.stranded == set()
    assert second.named == {A.ipui}


def test_n720_a_moved_ipui_is_lost_for_good(tmp_path: Path) -> None:
    first = _step(tmp_path, _fleet(WARD), 0, {})["ward"]
    device = N720Device()
    device.apply(first.content, _now(0))
    # Pinned elsewhere: the plan refuses, the step builds with --allow-reregistration.
    pinned = _pinned(tmp_path, {A.login: 5})
    device.apply(pinned, _now(1))
    assert device.lost == {A.ipui} and device.stranded == {A.ipui}
    assert device.handsets() == {B.ipui: "1002"}
    later = _step(tmp_path, _fleet(replace(WARD, handsets=(A, B, C))), 2, {})["ward"]
    assert device.apply(later.content, _now(2))  # the window is open: A stays lost
    assert device.handsets() == {B.ipui: "1002", C.ipui: "1003"}
    assert device.lost == frozenset()


def test_n720_two_swapped_ipuis_are_both_lost(tmp_path: Path) -> None:
    first = _step(tmp_path, _fleet(WARD), 0, {})["ward"]
    device = N720Device()
    device.apply(first.content, _now(0))
    device.apply(_pinned(tmp_path, {A.login: 1, B.login: 0}), _now(1))
    assert device.lost == {A.ipui, B.ipui} and device.stranded == {A.ipui, B.ipui}
    assert device.handsets() == {}


def _pinned(root: Path, slots: dict[str, int]) -> bytes:
    """The ward built again with `slot:` pins, past the reregistration refusal."""
    data = WARD.yaml()
    for handset in data["handsets"]:
        if handset["login"] in slots:
            handset["slot"] = slots[handset["login"]]
    (root / "sites" / "ward.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    code, out, err = run("build", "--root", str(root), "--now", "2026-12-01 10:00")
    assert code == EXIT_INVALID and "[reregistration]" in out + err
    code, out, err = run("build", "--root", str(root), "--now", "2026-12-01 10:00",
                         "--allow-reregistration")
    assert code == EXIT_OK, out + err
    return (root / "build" / "ward" / "7C2F80000042.xml").read_bytes()


def test_n720_registers_only_while_the_window_is_open(tmp_path: Path) -> None:
    content = _step(tmp_path, _fleet(WARD), 0, {})["ward"].content
    early, device = N720Device(), N720Device()
    assert early.apply(content, datetime(2026, 11, 30, 23, 59, tzinfo=UTC))
    assert early.handsets() == {}  # provisioned, waiting for the window
    assert device.apply(content, datetime(2026, 12, 31, 0, 0, tzinfo=UTC))
    assert device.handsets() == {}  # 30 days later: closed
    # A later file with the window open again registers the waiting handsets.
    later = _step(tmp_path, _fleet(replace(WARD, handsets=(A, B, C))), 1, {})["ward"]
    assert early.apply(later.content, _now(1))
    assert early.handsets() == {A.ipui: "1001", B.ipui: "1002", C.ipui: "1003"}


def test_n720_skips_a_file_not_newer_and_a_file_of_another_mac(tmp_path: Path) -> None:
    first = _step(tmp_path, _fleet(WARD), 0, {})["ward"]
    second = _step(tmp_path, _fleet(replace(WARD, handsets=(B,))), 1, {})["ward"]
    device = N720Device()
    assert device.apply(second.content, _now(1))
    assert not device.apply(first.content, _now(2))
    assert not device.apply(second.content, _now(2))
    assert device.handsets() == {B.ipui: "1002"} and device.applied == 1
    other = N720Device(mac="7C2F80FFFFFF")
    assert not other.apply(first.content, _now(0))
    assert other.handsets() == {} and other.applied == 0


def test_nx70_todereg_deregisters_and_forgets_the_account(tmp_path: Path) -> None:
    first = _step(tmp_path, _fleet(CLINIC), 0, {})["clinic"]
    device = Nx70Device()
    assert device.apply(first.content, _now(0))
    assert device.handsets() == {A.ipui: "1001", B.ipui: "1002"}
    second = _step(tmp_path, _fleet(replace(CLINIC, handsets=(B,))), 1, {})["clinic"]
    assert b'<param name="hs.%s.RegStatus" value="ToDeReg"/>' % A.ipui.lower().encode() \
        in second.content
    assert device.apply(second.content, _now(1))
    assert device.handsets() == {B.ipui: "1002"} and device.lost == {A.ipui}
    assert A.ipui not in device.logins
    assert not device.apply(first.content, _now(2))  # revision 1 after revision 2


def test_nx70_authoritative_removes_what_the_file_does_not_list(tmp_path: Path) -> None:
    fleet = _fleet(replace(CLINIC, authoritative=True))
    first = _step(tmp_path, fleet, 0, {})["clinic"]
    second = _step(tmp_path, _fleet(replace(fleet["clinic"], handsets=(B,))), 1, {})["clinic"]
    # Without its ToDeReg line, DeleteNotProvisionedHS alone still removes A.
    without = second.content.replace(_item(second.content, b"ToDeReg"), b"")
    device = Nx70Device()
    device.apply(first.content, _now(0))
    assert device.apply(without, _now(1))
    assert device.handsets() == {B.ipui: "1002"} and device.lost == {A.ipui}
    # Not authoritative, the same file keeps A.
    plain = Nx70Device()
    plain.apply(first.content, _now(0))
    plain.apply(without.replace(_item(without, b"DeleteNotProvisionedHS"), b""), _now(1))
    assert plain.handsets() == {A.ipui: "1001", B.ipui: "1002"} and plain.lost == frozenset()


@pytest.mark.parametrize("site, needle", [(WARD, b"astAccounts[0].aucHandsetCode"),
                                          (CLINIC, b"ToDeReg")])
def test_the_oracle_fails_a_file_that_keeps_a_removed_handset(
        tmp_path: Path, site: Site, needle: bytes) -> None:
    first = _step(tmp_path, _fleet(site), 0, {})[site.name]
    second = _step(tmp_path, _fleet(replace(site, handsets=(B,))), 1,
                   {site.name: first})[site.name]
    fetcher = Fetcher(device_for(first.content), [first])
    fetcher.fetch(_now(0))
    wrong = replace(second, content=second.content.replace(_item(second.content, needle), b""))
    fetcher.builds.append(wrong)
    with pytest.raises(AssertionError, match=A.ipui):
        fetcher.fetch(_now(1))
    # The file as built passes.
    fetcher = Fetcher(device_for(first.content), [first])
    fetcher.fetch(_now(0))
    fetcher.builds.append(second)
    fetcher.fetch(_now(1))
    assert fetcher.device.handsets() == {B.ipui: "1002"} and fetcher.last == 1
