"""plan, called directly: which slot each handset takes, what that does to real handsets,
what is refused, what is warned about, and the revision and state a build leaves. The
inputs are the model's and the state's own dataclasses, made by the small builders below;
every expectation is written out in full."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from compiler.diagnostics import Diagnostic, Severity
from compiler.ipui import Ipui, parse_ipui
from compiler.model import Endpoint, Handset, Pin, Provider, RegistrationWindow, Site
from compiler.plan import (
    Change,
    ChangeKind,
    Holder,
    Options,
    Revision,
    Since,
    SitePlan,
    SlotAssignment,
    assign_slots,
    cross_site_moves,
    field_changes,
    first_written,
    handset_changes,
    new_state,
    next_revision,
    refusals,
    retirements,
    retiring,
    slot_table,
    warnings,
    without,
)
from compiler.state import HistoryEntry, Key, SlotRecord, State

SOURCE = "sites/ward.yaml"
SITE_LINE = 20  # where `handsets:` starts; each entry is on a line of its own below it
PBX = Provider(0, "PBX", "pbx.example.net", Endpoint("pbx.example.net", 5060),
               Endpoint("pbx.example.net", 5060), None, 180)
# Until 3 Dec, 08:00 UTC.
WINDOW = RegistrationWindow(datetime(2026, 12, 1, 8, 0), 2 * 86400, timedelta(0))
PIN = Pin("0000")  # handsets register with no one typing it
STAMP = "%d%m%y%H%M"  # the N720's VERSION: DDMMYYHHMM
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
N720_REFUSED = frozenset({"move", "swap"})
NX70_REFUSED: frozenset[str] = frozenset()
CAPACITY = 100
ADVICE = ("the DM deregisters a handset whose IPUI changes slot, and the customer must then "
          "register it again by hand. Drop the 'slot:' pins and let the compiler keep handsets "
          "where they are, or build with --allow-reregistration")


# -- builders -------------------------------------------------------------------------------


def ipui(n: int) -> Ipui:
    """The warehouse's handset number n: IPUI 0328D41A<n>."""
    parsed = parse_ipui(f"0328D41A{n:02X}")
    assert isinstance(parsed, Ipui)
    return parsed


def hexa(n: int) -> str:
    return ipui(n).hex


def handset(login: str, n: int | None = None, *, slot: int | None = None,
            enabled: bool = True) -> Handset:
    """An entry with login `login`, bound to handset `n` (none: an account without IPUI)."""
    return Handset(position=0, line=0, slot=slot, ipui=None if n is None else ipui(n),
                   login=login, password=f"pw-{login}", user_id=login, display_name=login,
                   account_name=login, provider=0, voicemail=None, enabled=enabled)


def site(*handsets: Handset, window: RegistrationWindow | None = WINDOW,
         pin: Pin | None = PIN, threshold: float = 30.0, timezone: str = "UTC",
         authoritative: bool = False, name: str = "ward") -> Site:
    """A site listing `handsets` in this order, each on the line after the previous one."""
    entries = tuple(replace(h, position=i, line=SITE_LINE + 1 + i)
                    for i, h in enumerate(handsets))
    return Site(name=name, model="N720", mac="7C2F80000042", profile_name=name,
                firmware=110, timezone=timezone, providers=(PBX,), window=window, pin=pin,
                handsets=entries, extra=(), deregistration_threshold=threshold,
                source=f"sites/{name}.yaml", line=SITE_LINE, authoritative=authoritative)


def used(slot: int, login: str, n: int | None = None, *, released: int | None = None,
         since: int | None = None, at: str | None = None) -> SlotRecord:
    """A slot the last build gave to `login`, bound to handset `n`; `released`: the
    handset it replaced, in revision `since`, stamped `at`."""
    return SlotRecord(slot, True, None if n is None else ipui(n), login,
                      released=None if released is None else ipui(released),
                      released_in_revision=since, released_at=at)


def freed(slot: int | None, released: int | None = None, since: int | None = None,
          at: str | None = None) -> SlotRecord:
    """A slot with no entry (None: a place kept by IPUI), freed in revision `since`,
    stamped `at`; `released`: the handset it still deregisters, since then (as a state
    file reads)."""
    return SlotRecord(slot, False, released=None if released is None else ipui(released),
                      released_in_revision=since if released is not None else None,
                      released_at=at if released is not None else None,
                      freed_in_revision=since, freed_at=at)


def state(*records: SlotRecord, revision: int = 2, stamp: str = "0112260800",
          history: tuple[HistoryEntry, ...] = ()) -> State:
    return State(site="ward", mac="7C2F80000042", model="N720", file="7C2F80000042.xml",
                 revision=revision, stamp=stamp, sha256="0" * 64,
                 slots=tuple(sorted(records, key=lambda r: r.key)), history=history)


def state_of(assigned: dict[int, Handset]) -> State:
    """The state a build of `assigned` leaves (every slot in use)."""
    return state(*(SlotRecord(slot, True, h.ipui, h.login) for slot, h in assigned.items()))


def logins(assigned: dict[int, Handset]) -> dict[int, str]:
    return {slot: h.login for slot, h in sorted(assigned.items())}


def holder(login: str, n: int | None = None) -> Holder:
    return Holder(None if n is None else hexa(n), login)


def error(rule: str, message: str, line: int = SITE_LINE) -> Diagnostic:
    return Diagnostic(SOURCE, line, 1, Severity.ERROR, rule, "", message)


def warning(rule: str, message: str) -> Diagnostic:
    return Diagnostic(SOURCE, SITE_LINE, 1, Severity.WARNING, rule, "", message)


def options(now: datetime = NOW, *, allow_reregistration: bool = False,
            force: bool = False) -> Options:
    return Options(now=now, allow_reregistration=allow_reregistration, force=force)


REGISTER = Change(0, ChangeKind.REGISTER, None, holder("2101", 1))


# -- assign_slots: the four rules -----------------------------------------------------------


def test_a_first_build_fills_the_slots_from_0_in_file_order() -> None:
    ward = site(handset("2103", 3), handset("2101", 1), handset("2190"))
    assert logins(assign_slots(ward, None, CAPACITY)) == {0: "2103", 1: "2101", 2: "2190"}


def test_rule_1_a_pinned_slot_is_taken_before_any_other_rule() -> None:
    # 2102's handset was in slot 0; 2101 pins slot 0 and comes later in the file.
    previous = state(used(0, "2102", 2), used(1, "2101", 1))
    ward = site(handset("2102", 2), handset("2101", 1, slot=0))
    assert logins(assign_slots(ward, previous, CAPACITY)) == {0: "2101", 2: "2102"}


def test_rule_1_a_pin_to_a_slot_nobody_held_is_kept() -> None:
    ward = site(handset("2101", 1), handset("2102", 2, slot=7))
    assert logins(assign_slots(ward, None, CAPACITY)) == {0: "2101", 7: "2102"}


def test_rule_2_an_ipui_keeps_its_slot_whatever_its_login_becomes() -> None:
    previous = state(used(0, "2101", 1), used(5, "2102", 2))
    ward = site(handset("2201", 2), handset("2101", 1))  # 2102's handset is now 2201's
    assert logins(assign_slots(ward, previous, CAPACITY)) == {0: "2101", 5: "2201"}


def test_rule_2_an_ipui_follows_itself_not_its_old_login() -> None:
    # Two logins trade handsets: each handset stays, the accounts move.
    previous = state(used(0, "2101", 1), used(1, "2102", 2))
    ward = site(handset("2101", 2), handset("2102", 1))
    assert logins(assign_slots(ward, previous, CAPACITY)) == {0: "2102", 1: "2101"}


def test_rule_3_a_login_with_a_new_ipui_keeps_its_slot_as_a_replacement() -> None:
    previous = state(used(0, "2101", 1), used(4, "2102", 2))
    ward = site(handset("2101", 1), handset("2102", 9))
    assert logins(assign_slots(ward, previous, CAPACITY)) == {0: "2101", 4: "2102"}


def test_rule_3_an_account_keeps_its_slot_when_it_gains_or_loses_an_ipui() -> None:
    previous = state(used(3, "2101"), used(6, "2102", 2))
    ward = site(handset("2101", 1), handset("2102"))
    assert logins(assign_slots(ward, previous, CAPACITY)) == {3: "2101", 6: "2102"}


def test_rule_3_a_login_does_not_take_a_slot_whose_ipui_is_still_in_the_site() -> None:
    # Handset 1 is pinned away to slot 5 but still listed: slot 0 stays its old place, so
    # 2101's new handset does not go there; it takes the lowest slot nobody held.
    previous = state(used(0, "2101", 1), used(1, "2102", 2))
    ward = site(handset("2101", 9), handset("2102", 2), handset("2103", 1, slot=5))
    assert logins(assign_slots(ward, previous, CAPACITY)) == {1: "2102", 2: "2101", 5: "2103"}


def test_rule_4_a_new_entry_takes_the_lowest_slot_nobody_holds() -> None:
    previous = state(used(0, "2101", 1), used(2, "2102", 2), used(3, "2103", 3))
    ward = site(handset("2101", 1), handset("2102", 2), handset("2103", 3),
                handset("2104", 4), handset("2105", 5, slot=4), handset("2106"))
    assert logins(assign_slots(ward, previous, CAPACITY)) == {
        0: "2101", 1: "2104", 2: "2102", 3: "2103", 4: "2105", 5: "2106"}


def test_the_ipui_rule_runs_over_every_entry_before_the_login_rule() -> None:
    # Slot 0 zeroed handset 1 and is now 2101's account without IPUI. Handset 1 comes back
    # under 2102, later in the file: it takes slot 0 back, before 2101's login is looked at.
    previous = state(used(0, "2101", released=1, since=2), used(1, "2109", 9))
    ward = site(handset("2101"), handset("2102", 1), handset("2109", 9))
    assert logins(assign_slots(ward, previous, CAPACITY)) == {0: "2102", 1: "2109", 2: "2101"}


# -- assign_slots: what the rules add up to -------------------------------------------------


def test_a_released_ipui_that_comes_back_takes_its_old_slot_back() -> None:
    previous = state(used(0, "2101", 1), freed(3, released=4, since=2), used(5, "2102", 2))
    ward = site(handset("2101", 1), handset("2102", 2), handset("2201"), handset("2104", 4))
    assert logins(assign_slots(ward, previous, CAPACITY)) == {
        0: "2101", 1: "2201", 3: "2104", 5: "2102"}


def test_slots_this_build_frees_are_taken_last() -> None:
    # 2101's handset goes: its slot 0 is not reused for the new 2201 while another is free.
    previous = state(used(0, "2101", 1), used(1, "2102", 2))
    ward = site(handset("2102", 2), handset("2201", 9))
    assert logins(assign_slots(ward, previous, CAPACITY)) == {1: "2102", 2: "2201"}


def test_slots_this_build_frees_are_taken_when_nothing_else_is_free() -> None:
    # A site that renews every handset at once still fits: the new ones take the freed
    # slots, lowest first.
    previous = state(used(0, "2101", 1), used(1, "2102", 2), used(2, "2103", 3))
    ward = site(handset("2201", 11), handset("2202", 12), handset("2203", 13))
    assert logins(assign_slots(ward, previous, 4)) == {0: "2202", 1: "2203", 3: "2201"}


def test_reordering_or_removing_entries_moves_no_handset() -> None:
    entries = [handset("2101", 1), handset("2102", 2), handset("2103"), handset("2104", 4),
               handset("2105", 5), handset("2190")]
    first = assign_slots(site(*entries), None, CAPACITY)
    previous = state_of(first)
    slot_of = {h.login: slot for slot, h in first.items()}
    for reordered in (entries[::-1], entries[3:] + entries[:3], entries[1::2] + entries[::2]):
        again = assign_slots(site(*reordered), previous, CAPACITY)
        assert {h.login: slot for slot, h in again.items()} == slot_of
    fewer = assign_slots(site(*entries[:1], *entries[2:]), previous, CAPACITY)
    assert {h.login: slot for slot, h in fewer.items()} == {
        login: slot for login, slot in slot_of.items() if login != "2102"}


# -- handset_changes ------------------------------------------------------------------------


def test_a_new_handset_registers_and_a_new_account_is_added() -> None:
    assigned = {0: handset("2101", 1), 1: handset("2190")}
    assert handset_changes(assigned, None) == [
        Change(0, ChangeKind.REGISTER, None, holder("2101", 1)),
        Change(1, ChangeKind.ADD, None, holder("2190")),
    ]


def test_a_new_ipui_in_a_slot_replaces_the_handset_there() -> None:
    assigned = {0: handset("2101", 2)}
    assert handset_changes(assigned, state(used(0, "2101", 1))) == [
        Change(0, ChangeKind.REPLACE, holder("2101", 1), holder("2101", 2))]


def test_an_ipui_in_a_slot_that_had_none_registers() -> None:
    assigned = {0: handset("2101", 2)}
    assert handset_changes(assigned, state(used(0, "2101"))) == [
        Change(0, ChangeKind.REGISTER, holder("2101"), holder("2101", 2))]


def test_an_ipui_removed_from_an_entry_is_deregistered_and_the_account_stays() -> None:
    assigned = {0: handset("2101")}
    assert handset_changes(assigned, state(used(0, "2101", 1))) == [
        Change(0, ChangeKind.DEREGISTER, holder("2101", 1), holder("2101"))]


def test_an_entry_gone_with_its_ipui_is_deregistered_and_emptied() -> None:
    assert handset_changes({}, state(used(0, "2101", 1))) == [
        Change(0, ChangeKind.DEREGISTER, holder("2101", 1), None)]


def test_an_entry_gone_without_ipui_is_removed() -> None:
    assert handset_changes({}, state(used(0, "2190"))) == [
        Change(0, ChangeKind.REMOVE, holder("2190"), None)]


def test_an_ipui_that_changes_slot_is_a_move_and_its_old_account_is_removed() -> None:
    assigned = {3: handset("2101", 1, slot=3)}
    assert handset_changes(assigned, state(used(0, "2101", 1))) == [
        Change(0, ChangeKind.REMOVE, holder("2101", 1), None),
        Change(3, ChangeKind.MOVE, None, holder("2101", 1), other_slot=0),
    ]


def test_a_move_onto_a_handset_that_goes_deregisters_that_one() -> None:
    assigned = {1: handset("2101", 1, slot=1)}
    previous = state(used(0, "2101", 1), used(1, "2102", 2))
    assert handset_changes(assigned, previous) == [
        Change(0, ChangeKind.REMOVE, holder("2101", 1), None),
        Change(1, ChangeKind.DEREGISTER, holder("2102", 2), holder("2101", 1)),
        Change(1, ChangeKind.MOVE, holder("2102", 2), holder("2101", 1), other_slot=0),
    ]


def test_a_new_ipui_where_a_moved_one_was_registers_without_replacing() -> None:
    # Handset 1 is moved out of slot 0, not deregistered: 2101's new handset registers.
    assigned = {0: handset("2101", 2), 4: handset("2102", 1, slot=4)}
    assert handset_changes(assigned, state(used(0, "2101", 1))) == [
        Change(0, ChangeKind.REGISTER, holder("2101", 1), holder("2101", 2)),
        Change(4, ChangeKind.MOVE, None, holder("2102", 1), other_slot=0),
    ]


def test_two_ipuis_that_trade_slots_are_one_swap() -> None:
    assigned = {0: handset("2102", 2, slot=0), 1: handset("2101", 1, slot=1)}
    previous = state(used(0, "2101", 1), used(1, "2102", 2))
    assert handset_changes(assigned, previous) == [
        Change(0, ChangeKind.SWAP, holder("2101", 1), holder("2102", 2), other_slot=1)]


def test_the_same_handsets_in_the_same_slots_change_nothing() -> None:
    previous = state(used(0, "2101", 1), used(1, "2190"), used(2, "2102", 2))
    # A login, or the enabled flag, is the account's business: no handset changes.
    assigned = {0: handset("2201", 1), 1: handset("2190"), 2: handset("2102", 2, enabled=False)}
    assert handset_changes(assigned, previous) == []


# -- refusals: moves and swaps --------------------------------------------------------------


def test_a_move_is_refused_and_names_the_handset_at_its_entry() -> None:
    ward = site(handset("2102", 2), handset("2101", 1, slot=3))
    previous = state(used(0, "2101", 1), used(1, "2102", 2))
    assigned = assign_slots(ward, previous, CAPACITY)
    changes, diagnostics = refusals(ward, previous, assigned,
                                    handset_changes(assigned, previous), options(),
                                    N720_REFUSED)
    assert changes == [
        Change(0, ChangeKind.REMOVE, holder("2101", 1), None),
        Change(3, ChangeKind.MOVE, None, holder("2101", 1), other_slot=0, refused=True),
    ]
    assert diagnostics == [
        error("reregistration", "handset 0328D41A01 (login 2101) would move from slot 0 to "
              "slot 3, and must then be registered again by hand", line=SITE_LINE + 2),
        error("reregistration", ADVICE),
    ]


def test_a_swap_is_refused_once_for_both_handsets() -> None:
    ward = site(handset("2101", 1, slot=1), handset("2102", 2, slot=0))
    previous = state(used(0, "2101", 1), used(1, "2102", 2))
    assigned = assign_slots(ward, previous, CAPACITY)
    changes, diagnostics = refusals(ward, previous, assigned,
                                    handset_changes(assigned, previous), options(),
                                    N720_REFUSED)
    assert changes == [Change(0, ChangeKind.SWAP, holder("2101", 1), holder("2102", 2),
                              other_slot=1, refused=True)]
    assert diagnostics == [
        error("reregistration", "handsets 0328D41A01 (login 2101) and 0328D41A02 (login "
              "2102) would swap slots 0 and 1, and both must then be registered again by "
              "hand", line=SITE_LINE + 2),
        error("reregistration", ADVICE),
    ]


def test_allow_reregistration_lets_moves_and_swaps_through() -> None:
    ward = site(handset("2101", 1, slot=1), handset("2102", 2, slot=0),
                handset("2103", 3, slot=9))
    previous = state(used(0, "2101", 1), used(1, "2102", 2), used(2, "2103", 3))
    assigned = assign_slots(ward, previous, CAPACITY)
    identity = handset_changes(assigned, previous)
    changes, diagnostics = refusals(ward, previous, assigned, identity,
                                    options(allow_reregistration=True), N720_REFUSED)
    assert [c.kind for c in changes] == [ChangeKind.SWAP, ChangeKind.REMOVE, ChangeKind.MOVE]
    assert changes == identity and diagnostics == []


def test_a_target_that_refuses_nothing_marks_nothing() -> None:
    ward = site(handset("2101", 1, slot=3))
    previous = state(used(0, "2101", 1))
    assigned = assign_slots(ward, previous, CAPACITY)
    identity = handset_changes(assigned, previous)
    assert refusals(ward, previous, assigned, identity, options(), NX70_REFUSED) == (
        identity, [])


# -- refusals: the deregistration threshold -------------------------------------------------


def _threshold(total: int, lost: int, threshold: float = 30.0,
               force: bool = False) -> list[Diagnostic]:
    """The diagnostics of a site with `total` handsets in use of which the last `lost` go."""
    previous = state(*(used(slot, f"2{slot:03d}", slot + 1) for slot in range(total)))
    ward = site(*(handset(f"2{slot:03d}", slot + 1) for slot in range(total - lost)),
                threshold=threshold)
    assigned = assign_slots(ward, previous, CAPACITY)
    _, diagnostics = refusals(ward, previous, assigned, handset_changes(assigned, previous),
                              options(force=force), N720_REFUSED)
    return diagnostics


def test_deregistering_over_30_percent_is_refused_with_the_figures() -> None:
    assert _threshold(10, 4) == [error(
        "deregistration-threshold", "ward: 4 of 10 handsets (40.0%) would be deregistered, "
        "over the 30% threshold; use --force (or set deregistration_threshold)")]


def test_deregistering_exactly_30_percent_is_allowed() -> None:
    assert _threshold(10, 3) == []


def test_sites_with_fewer_than_4_handsets_have_no_threshold() -> None:
    assert _threshold(3, 3) == []
    assert _threshold(4, 2) == [error(
        "deregistration-threshold", "ward: 2 of 4 handsets (50.0%) would be deregistered, "
        "over the 30% threshold; use --force (or set deregistration_threshold)")]


def test_a_site_sets_its_own_threshold() -> None:
    assert _threshold(10, 5, threshold=50) == []
    assert _threshold(8, 2, threshold=12.5) == [error(
        "deregistration-threshold", "ward: 2 of 8 handsets (25.0%) would be deregistered, "
        "over the 12.5% threshold; use --force (or set deregistration_threshold)")]


def test_force_builds_over_the_threshold() -> None:
    assert _threshold(10, 10, force=True) == []


def test_the_threshold_counts_handsets_lost_not_accounts_changed() -> None:
    # Of 4: one entry gone, one IPUI replaced, one IPUI dropped from its entry: 3 lost.
    # The fourth changes its login only, and is not counted.
    previous = state(used(0, "2101", 1), used(1, "2102", 2), used(2, "2103", 3),
                     used(3, "2104", 4))
    ward = site(handset("2102", 9), handset("2103"), handset("2204", 4))
    assigned = assign_slots(ward, previous, CAPACITY)
    _, diagnostics = refusals(ward, previous, assigned, handset_changes(assigned, previous),
                              options(), N720_REFUSED)
    assert diagnostics == [error(
        "deregistration-threshold", "ward: 3 of 4 handsets (75.0%) would be deregistered, "
        "over the 30% threshold; use --force (or set deregistration_threshold)")]


# -- warnings -------------------------------------------------------------------------------


def test_no_window_warns_when_handsets_must_register() -> None:
    assert warnings(site(window=None), [REGISTER], options()) == [warning(
        "window-missing", "no registration window is set; 1 handset cannot register by "
        "itself")]


def test_a_swap_counts_two_handsets_that_must_register() -> None:
    swap = Change(0, ChangeKind.SWAP, holder("2101", 1), holder("2102", 2), other_slot=1)
    assert warnings(site(window=None), [swap], options()) == [warning(
        "window-missing", "no registration window is set; 2 handsets cannot register by "
        "themselves")]


def test_no_window_is_fine_when_nobody_registers() -> None:
    changes = [Change(0, ChangeKind.ADD, None, holder("2190")),
               Change(1, ChangeKind.DEREGISTER, holder("2101", 1), None),
               Change(2, ChangeKind.ACCOUNT, holder("2102", 2), holder("2102", 2),
                      fields=("display_name",))]
    assert warnings(site(window=None, pin=Pin("1234")), changes, options()) == []


def test_a_window_that_closed_warns_with_when_it_closed() -> None:
    closed = warning("window-closed", "registration window closed at 2026-12-03 08:00; "
                     "1 handset cannot register by itself")
    assert warnings(site(), [REGISTER], options(datetime(2026, 12, 3, 8, 0, tzinfo=UTC))) == [
        closed]
    assert warnings(site(), [REGISTER], options(datetime(2026, 12, 3, 7, 59, tzinfo=UTC))) == []


def test_the_window_closes_in_the_sites_time() -> None:
    # 07:00 UTC is 08:00 in Berlin in December: the window has just closed there.
    berlin = site(timezone="Europe/Berlin",
                  window=RegistrationWindow(WINDOW.start, WINDOW.duration_seconds,
                                            timedelta(hours=1)))
    assert warnings(berlin, [REGISTER], options(datetime(2026, 12, 3, 7, 0, tzinfo=UTC))) == [
        warning("window-closed", "registration window closed at 2026-12-03 08:00; 1 handset "
                "cannot register by itself")]
    assert warnings(berlin, [REGISTER], options(datetime(2026, 12, 3, 6, 59, tzinfo=UTC))) == []


def test_a_window_in_the_repeated_hour_closes_at_its_instant_not_its_wall_time() -> None:
    # Berlin shows 02:00-03:00 twice on 25 Oct 2026. A window from the first 02:30 (+02:00,
    # 00:30 UTC) for an hour has closed at 01:45 UTC, though the wall clock then shows the
    # second 02:45, before the window's wall-clock end of 03:30. It closed at the second
    # 02:30, and the warning says which one.
    first = RegistrationWindow(datetime(2026, 10, 25, 2, 30), 3600, timedelta(hours=2))
    berlin = site(timezone="Europe/Berlin", window=first)
    assert warnings(berlin, [REGISTER], options(datetime(2026, 10, 25, 1, 45, tzinfo=UTC))) == [
        warning("window-closed", "registration window closed at 2026-10-25 02:30+01:00; 1 "
                "handset cannot register by itself")]
    assert warnings(berlin, [REGISTER], options(datetime(2026, 10, 25, 1, 29, tzinfo=UTC))) == []


def test_a_window_across_a_change_of_the_clocks_closes_when_its_seconds_have_passed() -> None:
    # From 24 Oct 20:00 (+02:00, 18:00 UTC) for 12h: 06:00 UTC, 07:00 on the clocks that went
    # back in the night, not 08:00.
    night = RegistrationWindow(datetime(2026, 10, 24, 20, 0), 12 * 3600, timedelta(hours=2))
    berlin = site(timezone="Europe/Berlin", window=night)
    assert warnings(berlin, [REGISTER], options(datetime(2026, 10, 25, 6, 0, tzinfo=UTC))) == [
        warning("window-closed", "registration window closed at 2026-10-25 07:00; 1 handset "
                "cannot register by itself")]


def test_a_pin_other_than_0000_warns_that_someone_must_type_it() -> None:
    two = [REGISTER, Change(1, ChangeKind.REPLACE, holder("2102", 2), holder("2102", 3))]
    assert warnings(site(pin=Pin("1234")), two, options()) == [warning(
        "pin-typed", "the registration PIN is not 0000: 2 handsets register only after "
        "someone types the PIN on each")]
    assert warnings(site(pin=Pin(None)), [REGISTER], options()) == [warning(
        "pin-typed", "the registration PIN is not 0000: 1 handset register only after "
        "someone types a random PIN (read it on the DM) on each")]
    assert warnings(site(pin=Pin("0000")), two, options()) == []
    assert warnings(site(pin=None), two, options()) == []


def test_a_window_that_never_closes_always_warns() -> None:
    always = RegistrationWindow(datetime(2026, 12, 1, 8, 0), 0, timedelta(0))
    never_closes = warning("window-always-open", "the registration window never closes: any "
                           "handset whose IPUI is provisioned can register at any time")
    assert warnings(site(window=always), [], options()) == [never_closes]
    later = options(datetime(2030, 1, 1, tzinfo=UTC))
    assert warnings(site(window=always), [REGISTER], later) == [never_closes]


def test_accounts_added_for_pin_registration_under_a_window_warn() -> None:
    """Wazo removed the window items from its N720 template because they made handset
    registration impossible (wazo-provd-plugins commit ebc32d40): a build that adds
    accounts whose handsets register with the PIN, and writes a window, says so."""
    ward = site(handset("2101", 1), handset("2102"), handset("2103"),
                handset("2104", enabled=False))
    added = [REGISTER, *(Change(n, ChangeKind.ADD, None, holder(login))
                         for n, login in ((1, "2102"), (2, "2103"), (3, "2104")))]
    assert warnings(ward, added, options()) == [Diagnostic(
        SOURCE, SITE_LINE + 2, 1, Severity.WARNING, "window-pin-handsets", "",
        "2 new handsets register with the PIN (no ipui; first: login 2102), and a "
        "registration window is written: Wazo removed the window items from its N720 template "
        "because they made handset registration impossible (wazo-provd-plugins commit "
        "ebc32d40); register those handsets before adding the window, or give them their "
        "ipui")]
    assert warnings(site(*ward.handsets, window=None), added[1:], options()) == []
    assert warnings(ward, [REGISTER], options()) == []  # the PIN handsets were added before
    disabled_only = [Change(3, ChangeKind.ADD, None, holder("2104"))]
    assert warnings(ward, disabled_only, options()) == []  # a spare: nobody registers it yet


def test_authoritative_mode_warns_when_anything_changes() -> None:
    pin = Change(None, ChangeKind.PIN, fields=("pin",))
    assert warnings(site(authoritative=True), [pin], options()) == [warning(
        "authoritative", "authoritative: the DM removes every handset this file does not "
        "list, handsets registered by hand included; how many that is cannot be seen from "
        "here")]
    assert warnings(site(authoritative=True), [], options()) == []


def test_warnings_come_in_a_fixed_order() -> None:
    always = RegistrationWindow(datetime(2026, 12, 1, 8, 0), 0, timedelta(0))
    found = warnings(site(window=always, pin=Pin("1234"), authoritative=True), [REGISTER],
                     options())
    assert [d.rule for d in found] == ["pin-typed", "authoritative", "window-always-open"]
    found = warnings(site(window=None, pin=Pin("1234")), [REGISTER], options())
    assert [d.rule for d in found] == ["window-missing", "pin-typed"]


# -- slot_table -----------------------------------------------------------------------------


REV3 = Revision(3, "0212260900")
REV4 = Revision(4, "0312260900")
AT1, AT2 = "0111260800", "0112260800"  # the stamps of revisions 1 and 2


def test_the_table_lists_assigned_slots_and_the_ones_left_behind() -> None:
    kept, new = handset("2102", 2), handset("2201", 9)
    previous = state(used(0, "2101", 1), used(1, "2102", 2), used(2, "2190"))
    assert slot_table({1: kept, 3: new}, previous, REV3) == (
        # Its IPUI is deregistered from revision 3, and the slot freed.
        SlotAssignment(0, None, ipui(1), 3, REV3.stamp, 3, REV3.stamp),
        SlotAssignment(1, kept),
        # An account without IPUI: only emptied.
        SlotAssignment(2, None, freed_in_revision=3, freed_at=REV3.stamp),
        SlotAssignment(3, new),
    )


def test_an_ipui_leaving_its_slot_is_released_there_even_when_it_moves() -> None:
    moved, stays = handset("2101", 1, slot=4), handset("2102")
    previous = state(used(0, "2101", 1), used(1, "2102", 2))
    assert slot_table({1: stays, 4: moved}, previous, REV3) == (
        SlotAssignment(0, None, ipui(1), 3, REV3.stamp, 3, REV3.stamp),
        SlotAssignment(1, stays, ipui(2), 3, REV3.stamp),  # the entry stays, without its IPUI
        SlotAssignment(4, moved),
    )


def test_a_released_ipui_is_kept_until_a_handset_retakes_the_slot() -> None:
    previous = state(freed(0, released=1, since=2, at=AT2), freed(1, released=2, since=2),
                     freed(2, released=3, since=1, at=AT1))
    account, retaken = handset("2190"), handset("2201", 9)
    assert slot_table({1: account, 2: retaken}, previous, REV4) == (
        # Still written as zeros, since revision 2 (its stamp, when the state has it).
        SlotAssignment(0, None, ipui(1), 2, AT2, 2, AT2),
        SlotAssignment(1, account, ipui(2), 2),  # an account without IPUI retakes nothing
        # Its code is written; the IPUI it replaced is remembered, not written.
        SlotAssignment(2, retaken, ipui(3), 1, AT1),
    )


def test_a_released_ipui_stays_deregistered_until_its_place_is_taken() -> None:
    """Whoever claims it now (another site is another DM), a DM that skipped the revision
    that deregistered it must still be told so by every later one."""
    previous = state(freed(0, released=1, since=2), freed(1, released=2, since=2),
                     used(2, "2103", 3))
    assert slot_table({1: handset("2104", 4)}, previous, REV4) == (
        SlotAssignment(0, None, ipui(1), 2, None, 2),
        # Taken: the new handset's code is written, and the IPUI it replaced remembered.
        SlotAssignment(1, handset("2104", 4), ipui(2), 2),
        SlotAssignment(2, None, ipui(3), 4, REV4.stamp, 4, REV4.stamp),  # leaving now
    )


def test_a_place_kept_by_ipui_is_dropped_only_when_its_handset_comes_back() -> None:
    previous = state(freed(None, released=1, since=2, at=AT2),
                     freed(None, released=2, since=2, at=AT2))
    back = handset("2101", 1)
    table = slot_table({hexa(1): back}, previous, REV3)
    assert table == (SlotAssignment(hexa(1), back),
                     SlotAssignment(hexa(2), None, ipui(2), 2, AT2, 2, AT2))


# -- retirement -----------------------------------------------------------------------------


def test_a_release_retires_once_written_for_the_retention() -> None:
    """Counted from the stamp of the revision that first wrote it (the DM's local time):
    a freed slot from its freeing, a slot in use from the IPUI it replaced."""
    previous = state(used(0, "2101", 1), used(1, "2102", 2, released=5, since=1, at=AT1),
                     freed(2, released=3, since=2, at=AT2), freed(3, since=2, at=AT2),
                     used(4, "2190"), revision=2, stamp=AT2)
    month = replace(site(), deregistration_retention=30 * 86400)
    first = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # AT1 + 30 days
    assert retiring(month, previous, first - timedelta(minutes=1), STAMP) == ()
    assert retiring(month, previous, first, STAMP) == (previous.slots[1],)
    assert retiring(month, previous, datetime(2027, 1, 1, tzinfo=UTC), STAMP) == (
        previous.slots[1:4])
    berlin = replace(month, timezone="Europe/Berlin")  # 08:00 there is 07:00 in UTC
    assert retiring(berlin, previous, first - timedelta(hours=1), STAMP) == (
        previous.slots[1],)


def test_a_state_without_stamps_counts_from_its_history_or_its_last_build() -> None:
    history = (HistoryEntry(2, AT2, (("deregister", 1),)),)
    previous = state(freed(1, released=2, since=2), freed(2, released=3, since=1),
                     freed(3), revision=3, stamp="0512260800", history=history)
    assert [first_written(previous, record, STAMP) for record in previous.slots] == [
        Since(2, datetime(2026, 12, 1, 8, 0)),  # the history's stamp of revision 2
        Since(1, datetime(2026, 12, 5, 8, 0)),  # not in the history: the last build's
        Since(3, datetime(2026, 12, 5, 8, 0)),  # no revision recorded (an import)
    ]


def test_a_retired_release_is_forgotten_and_named() -> None:
    previous = state(used(0, "2101", 1), used(1, "2102", 2, released=5, since=1, at=AT1),
                     freed(2, released=3, since=2, at=AT2), freed(3, since=2, at=AT2))
    retired = previous.slots[1:]
    assert without(previous, retired).slots == (used(0, "2101", 1), used(1, "2102", 2))
    assert without(previous, ()) == previous
    assigned = {0: handset("2101", 1), 1: handset("2102", 2)}
    assert retirements(retired, previous, assigned, STAMP) == [
        Change(1, ChangeKind.RETIRE, Holder(hexa(5), None), holder("2102", 2),
               since=Since(1, datetime(2026, 11, 1, 8, 0))),
        Change(2, ChangeKind.RETIRE, Holder(hexa(3), None), None,
               since=Since(2, datetime(2026, 12, 1, 8, 0))),
        Change(3, ChangeKind.RETIRE, None, None, since=Since(2, datetime(2026, 12, 1, 8, 0))),
    ]


# -- field_changes --------------------------------------------------------------------------


def scope(item: str) -> tuple[str, Key | None, str]:
    """Items named `kind:index:name` for these tests; an empty index is the site's."""
    kind, index, name = item.split(":")
    return kind, int(index) if index else None, name


def _fields(old: dict[str, str], new: dict[str, str], identity: list[Change] | None = None,
            ) -> list[Change]:
    previous = state(used(2, "2102", 2), used(10, "2110", 10))
    assigned = {2: handset("2102", 2), 10: handset("2110", 10)}
    return field_changes(old, new, scope, identity or [], previous, assigned)


def test_changed_account_fields_are_named_per_slot_in_slot_order() -> None:
    old = {"slot:10:display_name": "Ward", "slot:2:user_id": "2102",
           "slot:2:display_name": "Nurse", "slot:2:account_name": "nurse"}
    new = {"slot:10:display_name": "Ward 2", "slot:2:user_id": "u2102",
           "slot:2:display_name": "Night", "slot:2:account_name": "nurse"}
    assert _fields(old, new) == [
        Change(2, ChangeKind.ACCOUNT, holder("2102", 2), holder("2102", 2),
               fields=("display_name", "user_id")),
        Change(10, ChangeKind.ACCOUNT, holder("2110", 10), holder("2110", 10),
               fields=("display_name",)),
    ]


def test_the_same_items_change_nothing() -> None:
    items = {"slot:2:display_name": "Nurse", "pin::pin": "0000"}
    assert _fields(items, dict(items)) == []


def test_site_level_changes_come_first_by_kind() -> None:
    old = {"pin::pin": "0000", "window::start": "2026-12-01 08:00", "window::duration": "2d",
           "extra::0x12": "1", "profile::name": "ward"}
    new = {"pin::pin": "1234", "window::start": "2026-12-02 08:00", "window::duration": "2d",
           "profile::name": "ward 2", "slot:2:display_name": "Nurse"}
    assert _fields(old, new) == [
        Change(None, ChangeKind.EXTRA, fields=("0x12",)),  # gone from the new file
        Change(None, ChangeKind.PIN, fields=("pin",)),
        Change(None, ChangeKind.PROFILE, fields=("name",)),
        Change(2, ChangeKind.ACCOUNT, holder("2102", 2), holder("2102", 2)),  # new: no names
        Change(None, ChangeKind.WINDOW, fields=("start",)),
    ]


def test_a_new_provider_lists_no_fields_and_a_changed_one_its_fields() -> None:
    old = {"provider:0:domain": "pbx.example.net", "provider:0:port": "5060"}
    new = {"provider:0:domain": "pbx2.example.net", "provider:0:port": "5060",
           "provider:1:domain": "backup.example.net", "provider:1:port": "5061"}
    assert _fields(old, new) == [
        Change(None, ChangeKind.PROVIDER, fields=("domain",), index=0),
        Change(None, ChangeKind.PROVIDER, fields=(), index=1),
    ]


def test_a_handset_code_is_never_a_field() -> None:
    assert _fields({"slot:2:ipui": "0328D41A02"}, {"slot:2:ipui": "0328D41A09"}) == []


def test_slots_an_identity_change_explains_are_not_repeated() -> None:
    old = {f"slot:{n}:display_name": "old" for n in range(7)}
    new = {f"slot:{n}:display_name": "new" for n in range(7)}
    identity = [
        Change(0, ChangeKind.REGISTER, None, holder("2101", 1)),
        Change(1, ChangeKind.ADD, None, holder("2190")),
        Change(2, ChangeKind.REMOVE, holder("2102", 2), None),
        Change(3, ChangeKind.MOVE, None, holder("2103", 3), other_slot=9),
        Change(4, ChangeKind.SWAP, holder("2104", 4), holder("2105", 5), other_slot=5),
        Change(6, ChangeKind.DEREGISTER, holder("2106", 6), None),
    ]
    assert _fields(old, new, identity) == []


def test_slots_whose_entry_stays_still_show_their_fields() -> None:
    old = {"slot:2:display_name": "old", "slot:10:display_name": "old"}
    new = {"slot:2:display_name": "new", "slot:10:display_name": "new"}
    identity = [Change(2, ChangeKind.REPLACE, holder("2102", 1), holder("2102", 2)),
                Change(10, ChangeKind.DEREGISTER, holder("2110", 10), holder("2110"))]
    assert [(c.slot, c.kind, c.fields) for c in _fields(old, new, identity)] == [
        (2, ChangeKind.ACCOUNT, ("display_name",)), (10, ChangeKind.ACCOUNT, ("display_name",))]


# -- cross_site_moves -----------------------------------------------------------------------


def _plan(name: str, changes: tuple[Change, ...], slots: tuple[SlotAssignment, ...] = (),
          ) -> SitePlan:
    return SitePlan(site(name=name), None, slots, changes)


def test_an_ipui_one_site_deregisters_and_another_registers_is_a_move_between_sites() -> None:
    leaving = _plan("ward", (Change(4, ChangeKind.DEREGISTER, holder("2101", 1), None),))
    arriving = _plan("annex", (Change(0, ChangeKind.REGISTER, None, holder("3101", 1)),),
                     (SlotAssignment(0, handset("3101", 1)),))
    assert cross_site_moves([leaving, arriving]) == [warning(
        "ipui-site-move", "handset 0328D41A01 leaves ward (slot 4) and is registered by "
        "annex: deploy ward first, so the handset is released before it registers again")]


def test_a_slim_plan_still_shows_the_ipuis_it_registers() -> None:
    leaving = _plan("ward", (Change(4, ChangeKind.REPLACE, holder("2101", 1),
                                    holder("2101", 2)),))
    arriving = replace(_plan("annex", ()), arriving=ipui(1).code)
    assert [d.rule for d in cross_site_moves([arriving, leaving])] == ["ipui-site-move"]


def test_a_place_kept_by_ipui_is_not_named_as_a_slot() -> None:
    leaving = _plan("ward", (Change(hexa(1), ChangeKind.DEREGISTER, holder("2101", 1), None),))
    arriving = replace(_plan("annex", ()), arriving=ipui(1).code)
    assert [d.message for d in cross_site_moves([leaving, arriving])] == [(
        "handset 0328D41A01 leaves ward and is registered by annex: deploy ward first, so the "
        "handset is released before it registers again")]


def test_no_warning_within_one_site_or_for_an_ipui_no_other_site_registers() -> None:
    itself = _plan("ward", (Change(0, ChangeKind.DEREGISTER, holder("2101", 1), None),
                            Change(5, ChangeKind.REGISTER, None, holder("2105", 1))),
                   (SlotAssignment(5, handset("2105", 1)),))
    gone = _plan("annex", (Change(0, ChangeKind.DEREGISTER, holder("3101", 3), None),))
    assert cross_site_moves([itself, gone]) == []
    assert cross_site_moves([_plan("ward", (REGISTER,))]) == []


# -- next_revision --------------------------------------------------------------------------


def test_the_first_revision_is_stamped_with_now_in_the_sites_time() -> None:
    berlin = site(timezone="Europe/Berlin",
                  window=RegistrationWindow(WINDOW.start, WINDOW.duration_seconds,
                                            timedelta(hours=1)))
    now = datetime(2026, 12, 1, 9, 0, 59, tzinfo=UTC)
    assert next_revision(berlin, None, now, STAMP) == Revision(1, "0112261000")


def test_the_next_revision_is_one_more_and_stamped_now() -> None:
    previous = state(revision=2, stamp="0112260800")
    assert next_revision(site(), previous, NOW, STAMP) == Revision(3, "0112260900")


def test_a_stamp_is_always_later_than_the_last_even_when_the_clock_is_not() -> None:
    same_minute = state(revision=2, stamp="0112260900")
    assert next_revision(site(), same_minute, NOW, STAMP) == Revision(3, "0112260901")
    half_a_minute_on = datetime(2026, 12, 1, 9, 0, 30, tzinfo=UTC)
    assert next_revision(site(), same_minute, half_a_minute_on, STAMP) == Revision(
        3, "0112260901")
    ahead = state(revision=7, stamp="3112262359")  # a clock that ran ahead, across a year
    assert next_revision(site(), ahead, NOW, STAMP) == Revision(8, "0101270000")


def test_the_stamp_is_read_and_written_in_the_targets_format() -> None:
    previous = state(revision=2, stamp="202612010900")
    assert next_revision(site(), previous, NOW, "%Y%m%d%H%M") == Revision(3, "202612010901")


# -- new_state ------------------------------------------------------------------------------


def test_the_new_state_records_every_slot_and_the_revisions_counts() -> None:
    previous = state(used(0, "2101", 1), used(1, "2102", 2), revision=2,
                     history=(HistoryEntry(2, "0112260800", (("register", 2),)),))
    slots = (SlotAssignment(0, None, ipui(1), 3),
             SlotAssignment(1, handset("2102", 2, enabled=False)),
             SlotAssignment(2, handset("2190"), ipui(4), 1),
             SlotAssignment(3, handset("2201", 9)))
    changes = (Change(0, ChangeKind.DEREGISTER, holder("2101", 1), None),
               Change(1, ChangeKind.ACCOUNT, holder("2102", 2), holder("2102", 2),
                      fields=("enabled",)),
               Change(3, ChangeKind.REGISTER, None, holder("2201", 9)),
               Change(None, ChangeKind.PIN, fields=("pin",)),
               Change(None, ChangeKind.WINDOW, fields=("start",)))
    plan = SitePlan(site(), previous, slots, changes, (), Revision(3, "0212260900"), True)
    assert new_state(plan, "7C2F80000042.xml", "a" * 64) == State(
        site="ward", mac="7C2F80000042", model="N720", file="7C2F80000042.xml", revision=3,
        stamp="0212260900", sha256="a" * 64,
        # Each release with the stamp of the revision that first wrote it; one the last
        # state recorded without (an older state) counts from the history's stamp of its
        # revision, else from the last build's.
        slots=(SlotRecord(0, False, released=ipui(1), released_in_revision=3,
                          released_at="0212260900", freed_in_revision=3,
                          freed_at="0212260900"),
               SlotRecord(1, True, ipui(2), "2102", enabled=False),
               SlotRecord(2, True, None, "2190", released=ipui(4), released_in_revision=1,
                          released_at="0112260800"),
               SlotRecord(3, True, ipui(9), "2201")),
        history=(HistoryEntry(2, "0112260800", (("register", 2),)),
                 HistoryEntry(3, "0212260900", (("account", 1), ("deregister", 1), ("pin", 1),
                                                ("register", 1), ("window", 1)))))


def test_an_unchanged_file_adds_no_history() -> None:
    history = (HistoryEntry(2, "0112260800", (("register", 1),)),)
    previous = state(used(0, "2101", 1), revision=2, history=history)
    plan = SitePlan(site(), previous, (SlotAssignment(0, handset("2101", 1)),), (), (),
                    Revision(2, "0112260800"), False)
    assert new_state(plan, "7C2F80000042.xml", "b" * 64) == replace(
        previous, sha256="b" * 64)


def test_the_history_keeps_the_last_20_revisions() -> None:
    history = tuple(HistoryEntry(n, f"01122608{n:02d}", (("account", 1),)) for n in range(1, 21))
    previous = state(revision=20, stamp="0112260820", history=history)
    plan = SitePlan(site(), previous, (), (Change(None, ChangeKind.PIN, fields=("pin",)),),
                    (), Revision(21, "0112260900"), True)
    after = new_state(plan, "7C2F80000042.xml", "c" * 64).history
    assert [entry.revision for entry in after] == list(range(2, 22))
    assert after[-1] == HistoryEntry(21, "0112260900", (("pin", 1),))


def test_a_place_kept_by_ipui_is_recorded_without_a_slot() -> None:
    plan = SitePlan(site(), None, (SlotAssignment(hexa(1), None, ipui(1), 2),
                                   SlotAssignment(hexa(3), handset("2103", 3))), (), (),
                    Revision(3, "0112260900"), True)
    assert new_state(plan, "7c2f80000042.xml", "d" * 64).slots == (
        SlotRecord(None, False, released=ipui(1), released_in_revision=2,
                   released_at="0112260900", freed_in_revision=2, freed_at="0112260900"),
        SlotRecord(None, True, ipui(3), "2103"))


def test_an_ipui_back_in_another_slot_than_it_left_is_a_move() -> None:
    """A DM that skipped the revision which deregistered it in slot 0 still holds it
    there: registered in slot 1 now, it would move, and the customer register it by hand.
    Named as a move, refused like one; back in its own slot it is no move."""
    previous = state(used(0, "2101", 9, released=1, since=2))
    back = handset("2102", 1)
    changes = handset_changes({0: handset("2101", 9), 1: back}, previous)
    assert [(c.slot, c.kind, c.other_slot) for c in changes] == [(1, ChangeKind.MOVE, 0)]
    freed_previous = state(freed(0, released=1, since=2))
    assert [(c.slot, c.kind) for c in handset_changes({0: back}, freed_previous)] == [
        (0, ChangeKind.REGISTER)]


def test_an_account_without_ipui_takes_a_slot_that_deregisters_nobody() -> None:
    """It writes no handset code, so in a zeroed slot it would leave the zero code
    standing, for ever, under a handset registered with the PIN. An IPUI takes the
    lowest free slot as before: its own code replaces the zeros."""
    previous = state(used(0, "2101", 1), freed(1, released=2, since=2), used(2, "2103", 3))
    ward = site(handset("2101", 1), handset("2103", 3), handset("2199"))
    assert logins(assign_slots(ward, previous, CAPACITY)) == {0: "2101", 2: "2103", 3: "2199"}
    ward = site(handset("2101", 1), handset("2103", 3), handset("2199"), handset("2104", 4))
    assert logins(assign_slots(ward, previous, CAPACITY)) == {
        0: "2101", 2: "2103", 3: "2199", 1: "2104"}
    full = state(used(0, "2101", 1), freed(1, released=2, since=2))
    assert logins(assign_slots(site(handset("2101", 1), handset("2199")), full, 2)) == {
        0: "2101", 1: "2199"}  # no other slot: the zeroed one, as before
