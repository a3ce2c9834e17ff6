"""A deregistration's lifecycle: written for the site's retention from the revision that
first wrote it, then retired by the next build that changes the site anyway, and never by
time alone. Scenarios on a temporary root (the helpers of test_scenarios), the device
model as the oracle of what a DM does with the files, and a fleet built with workers and
the cache.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from device_model import N720Device, Nx70Device
from helpers import run, small_fleet, tree
from test_scenarios import (
    BUILT_UNCHANGED,
    Repo,
    account_lines,
    change,
    emptied_lines,
    folded,
    freed,
    handset,
    holder,
    in_use,
    ipui,
    slot_lines,
    slots_in,
    summary,
    zeroed_lines,
)
from test_scenarios_nx70 import Nx70Repo, deregister_line, head, key, registered

from compiler import app
from compiler.cli import EXIT_CHANGES, EXIT_OK

DAY_0 = "2026-12-01 09:00"  # revision 1 and 2: 10:00 and 10:01 in Berlin
DAY_10 = "2026-12-11 09:00"
DAY_40 = "2027-01-10 09:00"
DAY_41 = "2027-01-11 09:00"
RETIRED_2 = "deregistration of 0328D41A02 retired (written since revision 2, 2026-12-01)"


def removed(slot: int, n: int, revision: int = 2, date: str = "2026-12-01",
            after: dict[str, Any] | None = None) -> dict[str, Any]:
    """The plan's retire change of slot `slot`, which deregistered handset `n`."""
    return change("retire", slot, before={"ipui": ipui(n), "login": None}, after=after,
                  since={"revision": revision, "date": date})


def far_future(monkeypatch: pytest.MonkeyPatch) -> None:
    """`check` runs with the clock: here, years after every build."""
    monkeypatch.setattr(app, "now", lambda: datetime(2030, 6, 1, tzinfo=UTC))


@pytest.fixture
def repo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Repo:
    return Repo(tmp_path, capsys)


def two_removed(repo: Repo, **top: Any) -> None:
    """Handsets 1 to 4 built, then handset 2 removed, both on day 0: slot 1 zeroed since
    revision 2."""
    repo.site([handset(n) for n in (1, 2, 3, 4)], **top)
    assert repo.build(now=DAY_0) == EXIT_OK
    repo.site([handset(1), handset(3), handset(4)], **top)
    assert repo.build(now=DAY_0) == EXIT_OK
    assert slot_lines(repo.xml(), 1) == zeroed_lines(1, 2)
    assert repo.state()["slots"][1] == freed(1, 2, 2)


# -- the N720 --------------------------------------------------------------------------


def test_a_deregistration_is_retired_by_the_first_change_after_its_retention(
        repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    two_removed(repo)

    # Ten days on, a change: still within 30 days, the zero code is written again.
    repo.site([handset(1), handset(3, display_name="Night"), handset(4)])
    assert repo.changes(repo.plan(now=DAY_10)) == [
        change("account", 2, before=holder(3), after=holder(3), fields=["display_name"])]
    assert repo.build(now=DAY_10) == EXIT_OK
    assert slot_lines(repo.xml(), 1) == zeroed_lines(1, 2)
    assert repo.state()["slots"][1] == freed(1, 2, 2)

    # Forty days on, nothing changed: nothing to retire, nothing written, check green.
    built = repo.tree()
    plan = repo.plan("--detailed-exitcode", now=DAY_40)
    assert (repo.code, folded(plan["summary"])) == (EXIT_OK, summary())
    assert repo.build(now=DAY_40) == EXIT_OK
    assert repo.out == BUILT_UNCHANGED
    assert repo.tree() == built
    far_future(monkeypatch)
    assert repo.check() == EXIT_OK

    # A change forty days on retires it, in its own change.
    repo.site([handset(1), handset(3, display_name="Night Desk"), handset(4)])
    plan = repo.plan("--detailed-exitcode", now=DAY_40)
    assert repo.code == EXIT_CHANGES
    assert repo.changes(plan) == [
        removed(1, 2),
        change("account", 2, before=holder(3), after=holder(3), fields=["display_name"])]
    assert repo.descriptions(plan)[0] == RETIRED_2
    assert folded(plan["summary"]) == summary(change=1, retire=1)
    assert [d for d in repo.diagnostics(plan) if d[0] == "error"] == []
    assert repo.plan_text("text", now=DAY_40) == EXIT_OK
    assert f"  slot 1   retire      {RETIRED_2}\n" in repo.out
    assert repo.out.endswith("Plan: 1 to change, 1 to retire.\n")
    assert repo.plan_text("markdown", now=DAY_40) == EXIT_OK
    assert f"| slot 1 | retire | {RETIRED_2} |\n" in repo.out

    assert repo.build(now=DAY_40) == EXIT_OK
    xml = repo.xml()
    assert slots_in(xml) == [0, 2, 3]  # slot 1 is no longer written at all
    assert slot_lines(xml, 1) == []
    assert slot_lines(xml, 2) == account_lines(2, 3, display_name="Night Desk")
    state = repo.state()
    assert state["slots"] == [in_use(0, 1), in_use(2, 3), in_use(3, 4)]
    assert state["history"][-1]["changes"] == {"account": 1, "retire": 1}
    assert repo.check() == EXIT_OK  # years later still
    plan = repo.plan("--detailed-exitcode", now="2030-06-01 09:00")
    assert (repo.code, folded(plan["summary"])) == (EXIT_OK, summary())


def test_the_retention_counts_from_the_revision_that_first_wrote_it(repo: Repo) -> None:
    """72h from revision 2 (day 0, 10:01 in Berlin): a change a minute before keeps it."""
    two_removed(repo, deregistration_retention="72h")
    repo.site([handset(1), handset(3, display_name="Night"), handset(4)],
              deregistration_retention="72h")
    assert removed(1, 2) not in repo.changes(repo.plan(now="2026-12-04 09:00"))
    assert repo.changes(repo.plan(now="2026-12-04 09:01"))[0] == removed(1, 2)
    assert repo.build(now="2026-12-04 09:00") == EXIT_OK
    assert slot_lines(repo.xml(), 1) == zeroed_lines(1, 2)

    # Written once more by revision 3: still counted from revision 2.
    repo.site([handset(1), handset(3, display_name="Night Desk"), handset(4)],
              deregistration_retention="72h")
    assert repo.changes(repo.plan(now="2026-12-04 09:05"))[0] == removed(1, 2)


def test_an_emptied_account_is_retired_too(repo: Repo) -> None:
    repo.site([handset(1), {"login": "2099", "password": "Pw99-Secret!"}, handset(3)])
    assert repo.build(now=DAY_0) == EXIT_OK
    repo.site([handset(1), handset(3)])
    assert repo.build(now=DAY_0) == EXIT_OK
    assert slot_lines(repo.xml(), 1) == emptied_lines(1)
    repo.site([handset(1), handset(3, display_name="Night")])
    plan = repo.plan(now=DAY_40)
    assert repo.changes(plan)[0] == change(
        "retire", 1, since={"revision": 2, "date": "2026-12-01"})
    assert repo.descriptions(plan)[0] == (
        "emptied account retired (written since revision 2, 2026-12-01)")
    assert repo.build(now=DAY_40) == EXIT_OK
    assert slots_in(repo.xml()) == [0, 2]
    assert [s["slot"] for s in repo.state()["slots"]] == [0, 2]


def test_a_retired_ipui_that_comes_back_is_a_new_handset(repo: Repo) -> None:
    """Within the retention, handset 2 pinned to slot 7 is a move, refused; once retired
    it is a plain registration, in the same build that retires it or a later one."""
    two_removed(repo)
    repo.site([handset(1), handset(2, slot=7), handset(3), handset(4)])
    plan = repo.plan(now=DAY_10)
    assert [(c["slot"], c["kind"], c["refused"]) for c in repo.changes(plan)] == [
        (7, "move", True)]

    plan = repo.plan(now=DAY_40)
    assert repo.changes(plan) == [removed(1, 2), change("register", 7, after=holder(2))]
    assert [d for d in repo.diagnostics(plan) if d[0] == "error"] == []
    assert repo.build(now=DAY_40) == EXIT_OK
    assert slots_in(repo.xml()) == [0, 2, 3, 7]
    assert slot_lines(repo.xml(), 7) == account_lines(7, 2)


def test_a_replaced_ipui_is_forgotten_after_the_retention(repo: Repo) -> None:
    """A slot a new handset took remembers the IPUI it held: within the retention it may
    not come back elsewhere unseen; after it, the memory is retired with a change."""
    repo.site([handset(n) for n in (1, 2, 3, 4)])
    assert repo.build(now=DAY_0) == EXIT_OK
    repo.site([handset(1), handset(5, login="2002"), handset(3), handset(4)])
    assert repo.build(now=DAY_0) == EXIT_OK
    assert repo.state()["slots"][1] == in_use(1, 5, "2002", replaced=(2, 2))
    repo.site([handset(1), handset(5, login="2002"), handset(3), handset(4),
               handset(2, login="2092")])
    assert [c["kind"] for c in repo.changes(repo.plan(now=DAY_10))] == ["move"]

    plan = repo.plan(now=DAY_40)
    assert repo.changes(plan) == [
        removed(1, 2, after=holder(5, "2002")),
        change("register", 4, after=holder(2, "2092"))]
    assert repo.descriptions(plan)[0] == RETIRED_2
    assert repo.build(now=DAY_40) == EXIT_OK
    assert repo.state()["slots"][1] == in_use(1, 5, "2002")


def test_a_state_without_stamps_counts_from_its_history(
        repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """A state written before the stamps were recorded: unchanged, it stays byte for byte
    (check green); the first change counts from the history's stamp of the revision."""
    two_removed(repo)
    path = repo.root / "build" / "acme" / "state.json"
    path.write_text(path.read_text().replace('"deregistered_at": "0112261001", ', ""))
    built = repo.tree()
    assert repo.build(now=DAY_40) == EXIT_OK
    assert repo.tree() == built
    far_future(monkeypatch)
    assert repo.check() == EXIT_OK
    repo.site([handset(1), handset(3, display_name="Night"), handset(4)])
    assert repo.changes(repo.plan(now=DAY_10))[0]["kind"] == "account"
    assert repo.build(now=DAY_10) == EXIT_OK
    assert repo.state()["slots"][1] == freed(1, 2, 2)  # the stamp is recorded now
    repo.site([handset(1), handset(3, display_name="Night Desk"), handset(4)])
    assert repo.changes(repo.plan(now=DAY_40))[0] == removed(1, 2)


# -- a handset registered by hand on site ----------------------------------------------


def _apply(device: N720Device, repo: Repo, when: str) -> None:
    moment = datetime.strptime(when, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
    assert device.apply(repo.xml().encode("iso-8859-1"), moment)


def test_a_handset_registered_by_hand_survives_once_its_slot_is_retired(repo: Repo) -> None:
    """The web UI puts it into the first free or disabled slot: the one whose handset the
    compiler deregistered. While that deregistration is written, the next file wipes it;
    once retired, the slot is not written and the handset keeps it, until the site adopts
    it there with `slot:`."""
    device = N720Device()
    repo.site([handset(n) for n in (1, 2, 3, 4)])
    assert repo.build(now=DAY_0) == EXIT_OK
    _apply(device, repo, DAY_0)
    repo.site([handset(1), handset(3), handset(4)])
    assert repo.build(now=DAY_0) == EXIT_OK
    _apply(device, repo, DAY_0)
    assert device.handsets() == {ipui(1): "2001", ipui(3): "2003", ipui(4): "2004"}

    by_hand = ipui(42)
    assert device.register_by_hand(by_hand, "2042") == 1
    wiping = copy.deepcopy(device)  # what this DM does with a file of day 10
    # Within the retention a change writes slot 1 again: the handset is wiped.
    repo.site([handset(1), handset(3, display_name="Night"), handset(4)])
    assert repo.build(now=DAY_10) == EXIT_OK
    _apply(wiping, repo, DAY_10)
    assert by_hand not in wiping.handsets()
    assert by_hand in wiping.lost

    # After it, the change that retires slot 1 leaves it alone.
    repo.site([handset(1), handset(3, display_name="Night Desk"), handset(4)])
    assert repo.build(now=DAY_40) == EXIT_OK
    _apply(device, repo, DAY_40)
    assert device.handsets()[by_hand] == "2042"
    assert device.slot_of(by_hand) == 1

    # Adopted: its IPUI in the site file, in that slot; nothing is lost.
    repo.site([handset(1), handset(42, slot=1), handset(3, display_name="Night Desk"),
               handset(4)])
    plan = repo.plan(now=DAY_41)
    assert repo.changes(plan) == [change("register", 1, after=holder(42))]
    assert repo.build(now=DAY_41) == EXIT_OK
    _apply(device, repo, DAY_41)
    assert device.lost == frozenset()
    assert device.handsets()[by_hand] == "2042"
    assert device.slot_of(by_hand) == 1


def test_a_dm_that_misses_fetches_within_the_retention_still_deregisters(
        repo: Repo) -> None:
    """A DM that applied revision 1 and then nothing until revision 3 (written on day 20)
    still loses handset 2; the retirement by revision 4 changes nothing on either DM."""
    repo.site([handset(n) for n in (1, 2, 3, 4)])
    assert repo.build(now=DAY_0) == EXIT_OK
    current, late = N720Device(), N720Device()
    _apply(current, repo, DAY_0)
    _apply(late, repo, DAY_0)
    repo.site([handset(1), handset(3), handset(4)])
    assert repo.build(now=DAY_0) == EXIT_OK
    _apply(current, repo, DAY_0)
    repo.site([handset(1), handset(3, display_name="Night"), handset(4)])
    assert repo.build(now="2026-12-21 09:00") == EXIT_OK
    _apply(current, repo, "2026-12-21 09:00")
    _apply(late, repo, "2026-12-21 09:00")
    assert ipui(2) not in late.handsets()
    repo.site([handset(1), handset(3, display_name="Night Desk"), handset(4)])
    assert repo.build(now=DAY_40) == EXIT_OK
    for device in (current, late):
        _apply(device, repo, DAY_40)
        assert device.handsets() == {ipui(1): "2001", ipui(3): "2003", ipui(4): "2004"}
        assert device.lost == frozenset()


# -- the Nx70 --------------------------------------------------------------------------


@pytest.fixture
def nx70(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Nx70Repo:
    return Nx70Repo(tmp_path, capsys)


def test_nx70_todereg_is_dropped_once_retired(
        nx70: Nx70Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    device = Nx70Device()
    nx70.site([handset(n) for n in (1, 2, 3, 4)])
    assert nx70.build(now=DAY_0) == EXIT_OK
    device.apply(nx70.xml().encode(), datetime(2026, 12, 1, 9, tzinfo=UTC))
    missing = copy.deepcopy(device)  # a DM that fetches nothing for the whole retention
    nx70.site([handset(1), handset(3), handset(4)])
    assert nx70.build(now=DAY_0) == EXIT_OK
    assert head(nx70.xml()) == [deregister_line(2)]
    device.apply(nx70.xml().encode(), datetime(2026, 12, 1, 9, tzinfo=UTC))
    built = nx70.tree()
    assert nx70.build(now=DAY_40) == EXIT_OK
    assert nx70.tree() == built
    far_future(monkeypatch)
    assert nx70.check() == EXIT_OK

    nx70.site([handset(1), handset(3, display_name="Night"), handset(4)])
    plan = nx70.plan(now=DAY_40)
    assert nx70.changes(plan) == [
        removed(None, 2),  # type: ignore[arg-type]
        change("account", None, before=holder(3), after=holder(3), fields=["display_name"])]
    assert nx70.descriptions(plan)[0] == RETIRED_2
    assert nx70.plan_text("text", now=DAY_40) == EXIT_OK
    assert f"  handset  retire      {RETIRED_2}\n" in nx70.out
    assert nx70.build(now=DAY_40) == EXIT_OK
    xml = nx70.xml()
    assert head(xml) == []
    assert deregister_line(2) not in xml
    assert registered(xml) == [key(1), key(3), key(4)]
    assert [s.get("ipui") for s in nx70.state()["slots"]] == [ipui(1), ipui(3), ipui(4)]
    assert nx70.check() == EXIT_OK
    device.apply(nx70.xml().encode(), datetime(2027, 1, 10, 9, tzinfo=UTC))
    assert ipui(2) not in device.handsets()
    # The risk the retention bounds: a DM silent for all of it keeps the handset.
    missing.apply(nx70.xml().encode(), datetime(2027, 1, 10, 9, tzinfo=UTC))
    assert ipui(2) in missing.handsets()

    # Back later: a plain registration.
    nx70.site([handset(1), handset(2), handset(3, display_name="Night"), handset(4)])
    assert nx70.changes(nx70.plan(now=DAY_41)) == [change("register", None, after=holder(2))]


# -- a fleet: workers, the cache, two sites, a skipped revision ------------------------


def _site(root: Path, n: int, handsets: str) -> None:
    (root / "sites" / f"v{n:02d}.yaml").write_text(
        f"site: v{n:02d}\nmodel: N720\nmac: \"7C2F80CA22{n:02X}\"\nproviders:\n"
        "  - name: PBX\n    domain: pbx.example.net\nhandsets:\n" + handsets,
        encoding="utf-8")


def _handsets(*codes: str) -> str:
    return "".join(f"  - ipui: \"{code}\"\n    login: \"{i}\"\n    password: pw-{i}\n"
                   for i, code in enumerate(codes, 1))


def _fleet_story(root: Path) -> dict[str, bytes]:
    """Thirty sites: v00 and v01 each deregister a handset on day 0. On day 40 only v00
    changes: it retires; v01, unchanged by that build (its revision skipped), keeps
    writing its zero code, and check stays green years on, until v01's own change on day
    41. What build/ holds at the end."""
    root = small_fleet(root, 30)
    for n in (0, 1):
        _site(root, n, _handsets(f"03{n:02X}0000A1", f"03{n:02X}0000A2"))

    def build(when: str) -> None:
        code, out, err = run("build", "--root", str(root), "--now", when)
        assert code == EXIT_OK, out + err

    build(DAY_0)
    for n in (0, 1):
        _site(root, n, _handsets(f"03{n:02X}0000A1"))
    build(DAY_0)
    zero = b'astAccounts[1].aucHandsetCode[0]" class="symb_item" value="0x00,0x00,0x00,0x00,0x00"'
    xml = {n: root / "build" / f"v{n:02d}" / f"7C2F80CA22{n:02X}.xml" for n in (0, 1)}
    assert all(zero in path.read_bytes() for path in xml.values())

    before = tree(root / "build")
    code, out, _ = run("plan", "--root", str(root), "--now", DAY_40, "--detailed-exitcode")
    assert (code, out) == (EXIT_OK, "Plan: no changes.\n")
    build(DAY_40)
    assert tree(root / "build") == before
    with pytest.MonkeyPatch.context() as clock:
        far_future(clock)
        assert run("check", "--root", str(root))[0] == EXIT_OK

    _site(root, 0, _handsets("03000000A1", "03000000A3"))
    code, out, _ = run("plan", "--root", str(root), "--now", DAY_40)
    assert [line for line in out.splitlines() if "retire" in line] == [
        "  slot 1   retire      deregistration of 03000000A2 retired (written since "
        "revision 2, 2026-12-01)", "Plan: 1 to register, 1 to retire."]
    build(DAY_40)
    # The new handset takes the lowest free slot: the retired one.
    assert (b'astAccounts[1].aucHandsetCode[0]" class="symb_item" '
            b'value="0x03,0x00,0x00,0x00,0xA3"') in xml[0].read_bytes()
    assert zero in xml[1].read_bytes()
    changed = {name for name, data in tree(root / "build").items() if before.get(name) != data}
    assert changed == {"v00/7C2F80CA2200.xml", "v00/state.json"}
    with pytest.MonkeyPatch.context() as clock:
        far_future(clock)
        assert run("check", "--root", str(root))[0] == EXIT_OK

    v01 = root / "sites" / "v01.yaml"  # its own change: a new password
    v01.write_text(v01.read_text().replace("password: pw-1", "password: pw-one"))
    build(DAY_41)
    assert zero not in xml[1].read_bytes()
    assert b"astAccounts[1]" not in xml[1].read_bytes()
    return tree(root / "build")


def test_a_fleet_retires_each_site_by_its_own_change(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same story with the cache (which recalls the sites with nothing to do), without
    it in worker processes (every site compiled afresh), and without it in this process:
    the same bytes."""
    with_cache = _fleet_story(tmp_path / "cache")
    monkeypatch.setenv("DECTPROV_CACHE", "off")
    monkeypatch.setattr(app.os, "cpu_count", lambda: 2)  # workers on any machine
    with_workers = _fleet_story(tmp_path / "workers")
    monkeypatch.setattr(app, "PARALLEL_FROM", 10**9)
    in_process = _fleet_story(tmp_path / "one process")
    assert with_cache == with_workers == in_process
