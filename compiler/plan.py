"""Plan: the model against the state the last build left. Decides which slot each handset
takes, what that does to real handsets, and what is refused; deciding only, the words are
render_plan's job.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import Enum
from itertools import chain
from zoneinfo import ZoneInfo

from compiler.diagnostics import Diagnostic, Severity
from compiler.ipui import Ipui
from compiler.model import Handset, Site, wall_time
from compiler.state import HISTORY_LENGTH, HistoryEntry, Key, SlotRecord, State


class ChangeKind(str, Enum):
    REGISTER = "register"  # a new handset in a slot: registers in the window
    ADD = "add"  # a new account without IPUI: its handset registers with the PIN
    REPLACE = "replace"  # same slot, new IPUI: the old handset is deregistered
    DEREGISTER = "deregister"  # an IPUI leaves its slot; with the entry gone, the account too
    REMOVE = "remove"  # an account without IPUI is gone: disabled and emptied
    MOVE = "move"  # an IPUI changes slot: the customer registers it again by hand
    SWAP = "swap"  # two IPUIs trade slots: both must be registered again by hand
    ACCOUNT = "account"  # SIP account fields of a slot changed
    PROFILE = "profile"
    PIN = "pin"
    WINDOW = "window"
    PROVIDER = "provider"
    EXTRA = "extra"
    AUTHORITATIVE = "authoritative"  # Nx70: the DM removes handsets the file does not list
    SETTING = "setting"  # site settings (time, admin password, provisioning ...) changed
    DEVICE = "device"  # a new DM (MAC or model): its database is empty, every handset anew
    SITE_REMOVED = "site-removed"  # the site file is gone: its DM is no longer provisioned
    # A deregistration (or an emptied slot) written for the site's retention is no longer
    # written, and its IPUI is forgotten: by the next build that changes the site anyway.
    RETIRE = "retire"


NEEDS_WINDOW = frozenset({ChangeKind.REGISTER, ChangeKind.REPLACE, ChangeKind.MOVE,
                          ChangeKind.SWAP})
LOSES_HANDSET = frozenset({ChangeKind.REPLACE, ChangeKind.DEREGISTER, ChangeKind.MOVE,
                           ChangeKind.SWAP})


@dataclass(frozen=True)
class Holder:
    """Who a slot holds, as the plan shows it: never a password."""

    ipui: str | None
    login: str | None


@dataclass(frozen=True)
class Since:
    """When a build first wrote what later builds kept writing: its revision, and the
    time of its stamp (the DM's local time)."""

    revision: int
    at: datetime  # naive


@dataclass(frozen=True)
class Change:
    slot: Key | None  # the slot, or the IPUI on targets keyed by IPUI; None: site-level
    kind: ChangeKind
    before: Holder | None = None
    after: Holder | None = None
    # device: the last build's DM ("N720 with MAC 7C2F80123456"); site-removed: handsets
    fields: tuple[str, ...] = ()
    other_slot: Key | None = None  # move: where the IPUI was; swap: the other slot
    index: int | None = None  # provider changes: which profile
    refused: bool = False
    since: Since | None = None  # retire: since when the retired release was written
    # setting: the keys (among `fields`) the new file no longer writes: the DM keeps them
    removed: tuple[str, ...] = ()
    # A field change's items as the files write them: (item, old, new), by item (a
    # slot's by field name); None where a file has no such item. Build files hold secret
    # references, never values. What makes two changes the same (render_plan groups
    # them, across sites and slots); not compared.
    values: tuple[tuple[str, str | None, str | None], ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class SlotAssignment:
    """One handset place as the next file writes it: a database slot, or an IPUI on
    targets keyed by IPUI."""

    slot: Key
    handset: Handset | None  # None: the slot's entry is gone
    released_ipui: Ipui | None = None  # an IPUI the compiler deregistered here
    released_in_revision: int | None = None
    released_at: str | None = None  # its stamp; None: not recorded (an older state)
    freed_in_revision: int | None = None  # no handset: the revision that freed the place
    freed_at: str | None = None


@dataclass(frozen=True)
class Revision:
    number: int
    stamp: str  # in the target's stamp_format, DM local time


@dataclass(frozen=True)
class Options:
    now: datetime  # aware
    allow_reregistration: bool = False
    force: bool = False
    replace_device: bool = False  # the site's MAC or model may name a new DM


@dataclass(frozen=True)
class SitePlan:
    site: Site
    state: State | None
    slots: tuple[SlotAssignment, ...]
    changes: tuple[Change, ...]
    diagnostics: tuple[Diagnostic, ...] = ()
    revision: Revision | None = None  # set once the content is known
    content_changed: bool = False
    allowed: tuple[str, ...] = ()  # the refusals the options lifted, by rule

    @property
    def refused(self) -> bool:
        return any(d.is_error for d in self.diagnostics)

    # Set by slim(): what the slots said, once they are dropped.
    arriving: bytes | None = None  # the 5-byte codes of the IPUIs this plan registers

    @classmethod
    def nothing_to_do(cls, site: Site, state: State,
                      diagnostics: tuple[Diagnostic, ...]) -> SitePlan:
        """The summary of a site whose build/ already holds what it would write, at the
        state's revision: a cache recalls it so, and a build leaves it so."""
        return cls(site, state, (), (), diagnostics, Revision(state.revision, state.stamp),
                   False, arriving=b"")

    def arriving_codes(self) -> Iterator[bytes]:
        """The IPUIs this site's file newly registers (they need the window)."""
        if self.arriving is not None:
            return (self.arriving[i:i + 5] for i in range(0, len(self.arriving), 5))
        new = {c.after.ipui for c in self.changes if c.kind in NEEDS_WINDOW and c.after}
        return iter(sorted(a.handset.ipui.code for a in self.slots
                           if a.handset is not None and a.handset.ipui is not None
                           and a.handset.ipui.hex in new))

    def slim(self, summary: Site, changes: bool = True) -> SitePlan:
        """The plan once its files are rendered, without what a fleet cannot hold for every
        site at once: the handsets, the slots, the state's records and, unless they are to
        be shown (`changes`), the changes. What the checks across sites need stays: the
        IPUIs registered and the handsets lost."""
        kept = self.changes if changes else tuple(
            c for c in self.changes if c.kind in LOSES_HANDSET)
        state = replace(self.state, slots=(), history=()) if self.state else None
        return replace(self, site=summary, state=state, slots=(), changes=kept,
                       arriving=b"".join(self.arriving_codes()))


# -- slot assignment ----------------------------------------------------------------------


def assign_slots(site: Site, state: State | None, slots: int) -> dict[int, Handset]:
    """A handset keeps its slot for life: its pin, else its IPUI's slot, else its login's
    slot (a replacement), else the lowest slot nobody holds, each rule in file order.
    `slots`: how many the target's database has."""
    previous = state.in_use() if state else {}
    # An IPUI that comes back takes back the slot that was zeroed for it.
    # (A slot another handset holds is not taken back: that one keeps its slot.)
    slot_of_ipui = {r.released: r.key for r in (state.slots if state else ())
                    if r.released is not None and isinstance(r.key, int)
                    and (not r.in_use or r.ipui is None)}
    slot_of_ipui.update({r.ipui: s for s, r in previous.items() if r.ipui is not None})
    slot_of_login = {r.login: s for s, r in previous.items() if r.login is not None}
    claimed = {h.ipui for h in site.handsets if h.ipui is not None}
    taken: dict[int, Handset] = {h.slot: h for h in site.handsets if h.slot is not None}
    waiting = [h for h in site.handsets if h.slot is None]
    for rule in (
        lambda h: slot_of_ipui.get(h.ipui) if h.ipui is not None else None,
        lambda h: _login_slot(h, slot_of_login, previous, claimed),
    ):
        still_waiting = []
        for handset in waiting:
            slot = rule(handset)
            if slot is not None and slot not in taken:
                taken[slot] = handset
            else:
                still_waiting.append(handset)
        waiting = still_waiting
    # Slots this build frees come last: reusing one at once replaces a handset just
    # removed, and without them a site that renews every handset would run out of slots.
    free = [s for s in chain((s for s in range(slots) if s not in taken and s not in previous),
                             (s for s in range(slots) if s not in taken and s in previous))]
    # An account without IPUI writes no handset code, so it would leave a slot's zero code
    # standing: it takes a slot that deregisters nobody while there is one.
    zeroed = {r.key for r in (state.slots if state else ()) if r.released is not None}
    for handset in waiting:
        slot = free[0] if handset.ipui is not None else next(
            (s for s in free if s not in zeroed), free[0])
        free.remove(slot)
        taken[slot] = handset
    return taken


def _login_slot(handset: Handset, slot_of_login: dict[str, int],
                previous: dict[int, SlotRecord], claimed: set[Ipui]) -> int | None:
    slot = slot_of_login.get(handset.login)
    if slot is None:
        return None
    held = previous[slot].ipui
    if held is not None and held != handset.ipui and held in claimed:
        return None  # that handset is still in the site: it keeps its slot
    return slot


def assign(site: Site, state: State | None, slots: int | None) -> dict[Key, Handset]:
    """Where each handset goes: a slot of a positional database of `slots` slots, or its
    own IPUI when the target keeps handsets by IPUI (`slots` is None)."""
    if slots is None:
        return {h.ipui.hex: h for h in site.handsets if h.ipui is not None}
    return dict(assign_slots(site, state, slots))


def slot_table(assigned: dict[Key, Handset], state: State | None, revision: Revision,
               ) -> tuple[SlotAssignment, ...]:
    """Every place the next file (of `revision`) writes: the assigned ones, and the ones
    the compiler freed or whose IPUI it deregistered, written again until a handset takes
    the place or a build retires them (see `retiring`): a DM that skipped the revision
    that deregistered it still deregisters it with a later one (even once the handset
    belongs to another site: that is another DM)."""
    records = {r.key: r for r in state.slots} if state else {}
    placed = {h.ipui for h in assigned.values() if h.ipui is not None}
    table = []
    for key in sorted(set(assigned) | set(records)):
        handset, record = assigned.get(key), records.get(key)
        released, since, at = _released(handset, record, revision, placed)
        if handset is None and released is None and isinstance(key, str):
            continue  # an identity-keyed place exists only while something is written
        freed: tuple[int | None, str | None] = (None, None)
        if handset is None:
            freed = ((record.freed_in_revision, record.freed_at) if record is not None and
                     not record.in_use else (revision.number, revision.stamp))
        table.append(SlotAssignment(key, handset, released, since, at, *freed))
    return tuple(table)


def _released(handset: Handset | None, record: SlotRecord | None, revision: Revision,
              placed: set[Ipui]) -> tuple[Ipui | None, int | None, str | None]:
    """The IPUI this place deregisters, since which revision, and that revision's stamp.
    An IPUI that leaves a place is deregistered there, even when it moves to another
    slot. A place a new handset takes remembers the IPUI it replaced (a DM that skipped
    that revision still holds it there, so it may not come back in another slot unseen);
    only the new handset's code is written. One that moved within the site (`placed`) was
    named as a move: it is not remembered."""
    if record is None:
        return None, None, None
    if handset is not None and handset.ipui is not None:
        if record.in_use and record.ipui is not None and record.ipui not in placed:
            return record.ipui, revision.number, revision.stamp
        if record.released is not None and record.released != handset.ipui:
            return record.released, record.released_in_revision, record.released_at
        return None, None, None
    if record.in_use and record.ipui is not None:
        return record.ipui, revision.number, revision.stamp
    if record.released is not None:
        return record.released, record.released_in_revision, record.released_at
    return None, None, None


# -- retirement ------------------------------------------------------------------------


def retiring(site: Site, state: State, now: datetime, stamp_format: str,
             ) -> tuple[SlotRecord, ...]:
    """The last build's places whose release (a deregistration, an emptied slot) has been
    written for the site's retention by `now`. Asked only by a build that changes the
    site anyway: time alone never changes a file, so `check` stays green as it passes."""
    local = now.astimezone(ZoneInfo(site.timezone)).replace(tzinfo=None)
    retention = timedelta(seconds=site.deregistration_retention)
    return tuple(record for record in state.slots
                 if (record.released is not None or not record.in_use)
                 and first_written(state, record, stamp_format).at + retention <= local)


def first_written(state: State, record: SlotRecord, stamp_format: str) -> Since:
    """When the files first wrote this place's release. A state written before the stamps
    were recorded has only the revision, or (imported) not even that: the history's stamp
    of that revision, else the last build's, which is later, so that the retention is
    never cut short."""
    revision, stamp = _when(state, *record.written_since())
    return Since(revision, datetime.strptime(stamp, stamp_format))


def _when(state: State, revision: int | None, stamp: str | None) -> tuple[int, str]:
    if revision is not None and stamp is not None:
        return revision, stamp
    found = next((entry.stamp for entry in state.history if entry.revision == revision),
                 state.stamp)
    return (revision if revision is not None else state.revision), found


def without(state: State, retired: Iterable[SlotRecord]) -> State:
    """The state as the build plans against it, its retired releases forgotten: a freed
    place is no longer written at all, and a place in use no longer remembers the IPUI it
    replaced. A retired IPUI that comes back is a new handset."""
    gone = {record.key for record in retired}
    slots = []
    for record in state.slots:
        if record.key not in gone:
            slots.append(record)
        elif record.in_use:
            slots.append(replace(record, released=None, released_in_revision=None,
                                 released_at=None))
    return replace(state, slots=tuple(slots))


def retirements(retired: Iterable[SlotRecord], state: State, assigned: dict[Key, Handset],
                stamp_format: str) -> list[Change]:
    """A change for each retired release: the IPUI it deregistered (none for an emptied
    account), who holds the place now (nobody: the place is no longer written), and
    since when it was written."""
    return [Change(record.key, ChangeKind.RETIRE,
                   Holder(record.released.hex, None) if record.released else None,
                   _holder(handset=assigned.get(record.key)),
                   since=first_written(state, record, stamp_format))
            for record in retired]


def _order(key: Key | None) -> tuple[int, int, str]:
    """Site-level first, then slots by number, then IPUIs: a total order for any mix."""
    if key is None:
        return (0, 0, "")
    return (1, key, "") if isinstance(key, int) else (2, 0, key)


# -- changes ---------------------------------------------------------------------------


def handset_changes(assigned: dict[Key, Handset], state: State | None) -> list[Change]:
    """What happens to real handsets, slot by slot, in the device's terms."""
    previous = state.in_use() if state else {}
    was_in = {r.ipui: s for s, r in previous.items() if r.ipui is not None}
    # An IPUI deregistered in one slot may still be there on a DM that skipped that
    # revision: back in another slot, it moves there (the positional database only).
    was_in = {r.released: r.key for r in (state.slots if state else ())
              if r.released is not None and isinstance(r.key, int)} | was_in
    now_in = {h.ipui: s for s, h in assigned.items() if h.ipui is not None}
    moved = {ipui: (was_in[ipui], slot) for ipui, slot in now_in.items()
             if ipui in was_in and was_in[ipui] != slot}
    changes = _moves(moved, previous, assigned)
    for slot in sorted(set(previous) | set(assigned)):
        change = _slot_change(slot, previous.get(slot), assigned.get(slot), moved, now_in)
        if change is not None:
            changes.append(change)
    return in_order(changes)


def in_order(changes: Iterable[Change]) -> list[Change]:
    """Changes by place (site, then slots, then IPUIs), then by kind."""
    return sorted(changes, key=lambda c: (_order(c.slot), c.kind.value))


def _holder(record: SlotRecord | None = None, handset: Handset | None = None) -> Holder | None:
    if handset is not None:
        return Holder(handset.ipui.hex if handset.ipui else None, handset.login)
    if record is not None:
        return Holder(record.ipui.hex if record.ipui else None, record.login)
    return None


def _moves(moved: dict[Ipui, tuple[Key, Key]], previous: dict[Key, SlotRecord],
           assigned: dict[Key, Handset]) -> list[Change]:
    changes = []
    for _ipui, (source, target) in sorted(moved.items(), key=lambda item: item[1]):
        partner = previous[target].ipui if target in previous else None
        if partner is not None and moved.get(partner) == (target, source):
            if source < target:
                changes.append(Change(source, ChangeKind.SWAP, _holder(previous[source]),
                                      _holder(handset=assigned[source]), other_slot=target))
            continue
        changes.append(Change(target, ChangeKind.MOVE, _holder(previous.get(target)),
                              _holder(handset=assigned[target]), other_slot=source))
    return changes


def _slot_change(slot: Key, record: SlotRecord | None, handset: Handset | None,
                 moved: dict[Ipui, tuple[Key, Key]], now_in: dict[Ipui, Key]) -> Change | None:
    before, after = _holder(record), _holder(handset=handset)
    old = record.ipui if record is not None else None
    new = handset.ipui if handset is not None else None
    old_gone = old is not None and old not in now_in  # not moved elsewhere either
    if handset is None:
        if record is None:
            return None
        # An IPUI that moved away is named by its move; the account left here is emptied.
        return Change(slot, ChangeKind.DEREGISTER if old_gone else ChangeKind.REMOVE,
                      before, None)
    if new is not None and new in moved:
        return Change(slot, ChangeKind.DEREGISTER, before, after) if old_gone else None
    if record is None:
        return Change(slot, ChangeKind.REGISTER if new else ChangeKind.ADD, None, after)
    if new == old:
        return None
    if new is None:
        return Change(slot, ChangeKind.DEREGISTER, before, after) if old_gone else None
    return Change(slot, ChangeKind.REPLACE if old_gone else ChangeKind.REGISTER, before, after)


def field_changes(old_items: dict[str, str], new_items: dict[str, str],
                  scope_of: Callable[[str], tuple[str, Key | None, str]],
                  identity: Iterable[Change], state: State | None,
                  assigned: dict[Key, Handset]) -> list[Change]:
    """What else the new file changes, item by item, grouped as the user thinks of it.
    Slots whose identity change already says everything (new, gone, moved) are not
    repeated; a handset code is an identity change, never a field."""
    implied = _implied_slots(identity)
    grouped: dict[tuple[str, Key | None], set[str]] = {}
    values: dict[tuple[str, Key | None], list[tuple[str, str | None, str | None]]] = {}
    existed: set[tuple[str, Key | None]] = set()
    written: set[str] = set()  # the site settings the new file still writes
    # In no particular order: the changes are sorted below, and the names in each.
    for item in old_items.keys() | new_items.keys():
        kind, index, name = scope_of(item)
        old = old_items.get(item)
        if old is not None:
            existed.add((kind, index))
        if kind == "setting" and item in new_items:
            written.add(name)
        if old == new_items.get(item):
            continue
        if kind == "slot" and (index in implied or name == "ipui"):
            continue
        grouped.setdefault((kind, index), set()).add(name)
        # A slot's items are named by field, so that the same change of two slots (or
        # of two sites' slots) is the same change: the item names the slot.
        values.setdefault((kind, index), []).append(
            (name if kind == "slot" else item, old, new_items.get(item)))
    previous = state.in_use() if state else {}
    # A scope the old file did not have at all is new: its fields are not listed. Items of
    # every provider at once (index None) are fields of providers that were there. The site
    # settings are one scope of independent keys: each is named.
    existed.add(("provider", None))
    return [replace(_field_change(kind, index, tuple(sorted(names))
                                  if (kind, index) in existed or kind == "setting" else (),
                                  previous, assigned, tuple(sorted(names - written))),
                    values=tuple(sorted(values[kind, index])))
            for (kind, index), names in sorted(grouped.items(), key=_scope_order)]


def _implied_slots(identity: Iterable[Change]) -> set[Key | None]:
    implied: set[Key | None] = set()
    for change in identity:
        if change.kind in (ChangeKind.REGISTER, ChangeKind.ADD, ChangeKind.REMOVE,
                           ChangeKind.MOVE, ChangeKind.SWAP) or (
                change.kind in (ChangeKind.DEREGISTER, ChangeKind.RETIRE)
                and change.after is None):
            implied.add(change.slot)
        if change.kind is ChangeKind.SWAP:
            implied.add(change.other_slot)
    return implied


def _scope_order(item: tuple[tuple[str, Key | None], set[str]]) -> tuple[str, tuple[int, int, str]]:
    (kind, index), _ = item
    return (kind, _order(index))


def _field_change(kind: str, index: Key | None, names: tuple[str, ...],
                  previous: dict[Key, SlotRecord], assigned: dict[Key, Handset],
                  gone: tuple[str, ...] = ()) -> Change:
    if kind == "slot" and index is not None:
        return Change(index, ChangeKind.ACCOUNT, _holder(previous.get(index)),
                      _holder(handset=assigned.get(index)), fields=names)
    if kind == "provider":
        return Change(None, ChangeKind.PROVIDER, fields=names,
                      index=index if isinstance(index, int) else None)
    return Change(None, ChangeKind(kind), fields=names,
                  removed=gone if kind == "setting" else ())


# -- safety -------------------------------------------------------------------------------


def refusals(site: Site, state: State | None, assigned: dict[Key, Handset],
             changes: list[Change], options: Options,
             refused_kinds: frozenset[str]) -> tuple[list[Change], list[Diagnostic]]:
    """Mark what the device would make the customer redo by hand, unless allowed: the
    target says which kinds of change those are."""
    diagnostics = []
    marked = []
    places = {h.login: h.slot_at or _entry(h) for h in site.handsets}  # the pin at fault
    for change in changes:
        if change.kind.value in refused_kinds and not options.allow_reregistration:
            change = replace(change, refused=True)
            at = places.get(change.after.login if change.after else "")
            diagnostics.append(_error(site, at, "reregistration", _reregistration(change)))
        marked.append(change)
    if diagnostics:
        diagnostics.append(_error(site, None, "reregistration", _REREGISTRATION_ADVICE))
    threshold = _threshold(site, state, assigned, options)
    return marked, diagnostics + threshold


_REREGISTRATION_ADVICE = (
    "the DM deregisters a handset whose IPUI changes slot, and the customer must then "
    "register it again by hand. Drop the 'slot:' pins and let the compiler keep handsets "
    "where they are, or build with --allow-reregistration")


def allowed(site: Site, state: State | None, assigned: dict[Key, Handset],
            changes: list[Change], options: Options, refused_kinds: frozenset[str],
            ) -> tuple[str, ...]:
    """The refusals this build's options lifted, by rule: recorded in the revision's
    history, so that a review of the files alone sees that it was allowed."""
    found = []
    if options.allow_reregistration and any(c.kind.value in refused_kinds for c in changes):
        found.append("reregistration")
    if options.force and _breach(site, state, assigned) is not None:
        found.append("deregistration-threshold")
    return tuple(found)


def _breach(site: Site, state: State | None,
            assigned: dict[Key, Handset]) -> tuple[int, int, float] | None:
    """(lost, in use, share) when a build takes more handsets off than the threshold."""
    previous = state.in_use() if state else {}
    lost = sum(1 for slot, record in previous.items() if loses_handset(record, assigned.get(slot)))
    share = 100.0 * lost / len(previous) if previous else 0.0
    if len(previous) < 4 or share <= site.deregistration_threshold:
        return None
    return lost, len(previous), share


def _threshold(site: Site, state: State | None, assigned: dict[Key, Handset],
               options: Options) -> list[Diagnostic]:
    """octoDNS-style: a build that takes too many handsets off a site needs --force."""
    breach = _breach(site, state, assigned)
    if breach is None or options.force:
        return []
    lost, in_use, share = breach
    return [_error(site, None, "deregistration-threshold",
                   f"{site.name}: {lost} of {in_use} handsets ({share:.1f}%) would be "
                   f"deregistered, over the {site.deregistration_threshold:g}% threshold; use "
                   "--force (or set deregistration_threshold)")]


def loses_handset(record: SlotRecord, handset: Handset | None) -> bool:
    """A slot loses its handset when its entry goes, or its IPUI is no longer bound there."""
    if handset is None:
        return True
    return record.ipui is not None and handset.ipui != record.ipui


def _reregistration(change: Change) -> str:
    after = change.after or Holder(None, None)
    if change.kind is ChangeKind.SWAP:
        before = change.before or Holder(None, None)
        return (f"handsets {before.ipui} (login {before.login}) and {after.ipui} "
                f"(login {after.login}) would swap slots {change.slot} and "
                f"{change.other_slot}, and both must then be registered again by hand")
    return (f"handset {after.ipui} (login {after.login}) would move from slot "
            f"{change.other_slot} to slot {change.slot}, and must then be registered again "
            "by hand")


def _entry(handset: Handset) -> tuple[int, int] | None:
    return handset.at or ((handset.line, 1) if handset.line else None)


def _error(site: Site, at: tuple[int, int] | None, rule: str, message: str,
           severity: Severity = Severity.ERROR) -> Diagnostic:
    """A diagnostic at the key `at` (line, column), or else at `handsets:`."""
    line, column = at or site.handsets_at or (site.line, 1)
    return Diagnostic(site.source, line, column, severity, rule, "", message)


# -- warnings ------------------------------------------------------------------------------


def warnings(site: Site, changes: list[Change], options: Options) -> list[Diagnostic]:
    """What the people at the site will run into: handsets that cannot register now, PINs
    they must type, a window that never closes."""
    registering = sum(2 if c.kind is ChangeKind.SWAP else 1
                      for c in changes if c.kind in NEEDS_WINDOW)
    found = []
    window = site.window
    if registering:
        handsets = f"{registering} handset{'s' if registering != 1 else ''}"
        cannot = f"{handsets} cannot register by {'themselves' if registering != 1 else 'itself'}"
        if window is None:
            found.append(_error(site, None, "window-missing",
                                f"no registration window is set; {cannot}", Severity.WARNING))
        # Compared as instants: in the hour a zone repeats, the offset says which.
        elif not window.always_open and options.now >= window.end:
            found.append(_error(site, site.window_at, "window-closed", "registration window closed "
                                f"at {wall_time(window.end, site.timezone)}; {cannot}",
                                Severity.WARNING))
        if site.pin is not None and site.pin.digits != "0000":
            how = "a random PIN (read it on the DM)" if site.pin.is_random else "the PIN"
            found.append(_error(site, site.pin_at, "pin-typed",
                                f"the registration PIN is not 0000: {handsets} register only "
                                f"after someone types {how} on each", Severity.WARNING))
    if site.authoritative and changes:
        found.append(_error(site, site.authoritative_at, "authoritative",
                            "authoritative: the DM removes every handset this file does not "
                            "list, handsets registered by hand included; how many that is "
                            "cannot be seen from here", Severity.WARNING))
    if window is not None:
        found += _window_and_pin(site, changes)
    if window is not None and window.always_open:
        found.append(_error(site, site.window_at, "window-always-open",
                            "the registration window never closes: any handset whose IPUI is "
                            "provisioned can register at any time", Severity.WARNING))
    return found


def _window_and_pin(site: Site, changes: list[Change]) -> list[Diagnostic]:
    """Wazo took the window items out of its N720 template because with them handsets could
    not register (wazo-provd-plugins, commit ebc32d40): say so when this build adds accounts
    whose handsets register with the PIN, having no IPUI, and writes a window."""
    added = {change.after.login for change in changes
             if change.kind is ChangeKind.ADD and change.after is not None}
    by_pin = [handset for handset in site.handsets
              if handset.ipui is None and handset.enabled and handset.login in added]
    if not by_pin:
        return []
    count = (f"{len(by_pin)} new handsets register" if len(by_pin) != 1
             else "1 new handset registers")
    return [_error(site, _entry(by_pin[0]), "window-pin-handsets",
                   f"{count} with the PIN (no ipui; first: login {by_pin[0].login}), and a "
                   "registration window is written: Wazo removed the window items from its N720 "
                   "template because they made handset registration impossible "
                   "(wazo-provd-plugins commit ebc32d40); register those handsets before "
                   "adding the window, or give them their ipui", Severity.WARNING)]


def cross_site_moves(plans: list[SitePlan]) -> list[Diagnostic]:
    """An IPUI that one site deregisters and another registers is a move between sites."""
    leaving = [(plan, change, change.before.ipui) for plan in plans for change in plan.changes
               if change.kind in LOSES_HANDSET and change.before and change.before.ipui]
    if not leaving:  # the common case: no fleet-wide index of registered IPUIs is built
        return []
    wanted = {bytes.fromhex(ipui) for _, _, ipui in leaving}
    registered = {code: plan for plan in plans for code in plan.arriving_codes()
                  if code in wanted}
    found = []
    for plan, change, ipui in leaving:
        other = registered.get(bytes.fromhex(ipui))
        if other is not None and other is not plan:
            found.append(_error(
                plan.site, None, "ipui-site-move",
                f"handset {ipui} leaves {plan.site.name}{_at(change.slot)} and is "
                f"registered by {other.site.name}: deploy {plan.site.name} first, so the "
                "handset is released before it registers again", Severity.WARNING))
    return found


def _at(key: Key | None) -> str:
    return f" (slot {key})" if isinstance(key, int) else ""


# -- revisions -----------------------------------------------------------------------------


def next_revision(site: Site, state: State | None, now: datetime,
                  stamp_format: str) -> Revision:
    """One more than the last, stamped with `now` in the DM's time (in the target's
    `stamp_format`), and always later than the last stamp (the stamp is the device's only
    hint that the file is new)."""
    local = now.astimezone(ZoneInfo(site.timezone)).replace(tzinfo=None, second=0,
                                                             microsecond=0)
    if state is None:
        return Revision(1, local.strftime(stamp_format))
    last = datetime.strptime(state.stamp, stamp_format)
    if local <= last:
        local = last + timedelta(minutes=1)
    return Revision(state.revision + 1, local.strftime(stamp_format))


def new_state(plan: SitePlan, file: str, sha256: str) -> State:
    revision = plan.revision
    assert revision is not None
    records = []
    for assignment in plan.slots:
        if plan.content_changed:  # an unchanged site's state is left as it is
            assignment = _stamped(assignment, plan.state, revision)
        handset = assignment.handset
        slot = assignment.slot if isinstance(assignment.slot, int) else None
        if handset is not None:
            records.append(SlotRecord(slot, True, handset.ipui, handset.login,
                                      handset.enabled, assignment.released_ipui,
                                      assignment.released_in_revision,
                                      assignment.released_at))
        else:
            records.append(SlotRecord(slot, False, None, None, True, assignment.released_ipui,
                                      assignment.released_in_revision,
                                      assignment.released_at, assignment.freed_in_revision,
                                      assignment.freed_at))
    history = plan.state.history if plan.state else ()
    if plan.content_changed:
        counts: dict[str, int] = {}
        for change in plan.changes:
            counts[change.kind.value] = counts.get(change.kind.value, 0) + 1
        history = (*history, HistoryEntry(revision.number, revision.stamp,
                                          tuple(sorted(counts.items())),
                                          plan.allowed))[-HISTORY_LENGTH:]
    return State(site=plan.site.name, mac=plan.site.mac, model=plan.site.model, file=file,
                 revision=revision.number, stamp=revision.stamp, sha256=sha256,
                 slots=tuple(records), history=history)


def _stamped(assignment: SlotAssignment, state: State | None,
             revision: Revision) -> SlotAssignment:
    """The place with the stamps an older state did not record, as `first_written` counts
    them; an imported file's releases are first written by the import's revision."""
    def when(number: int | None, stamp: str | None) -> tuple[int, str]:
        if number is not None and stamp is not None:
            return number, stamp
        if state is None or number == revision.number:
            return number if number is not None else revision.number, revision.stamp
        return _when(state, number, stamp)

    released = assignment.released_ipui
    if released is not None:
        number, stamp = when(assignment.released_in_revision, assignment.released_at)
        assignment = replace(assignment, released_in_revision=number, released_at=stamp)
    if assignment.handset is None:
        if assignment.freed_in_revision is None and released is not None:
            number, stamp = assignment.released_in_revision, assignment.released_at
        else:
            number, stamp = when(assignment.freed_in_revision, assignment.freed_at)
        assignment = replace(assignment, freed_in_revision=number, freed_at=stamp)
    return assignment
