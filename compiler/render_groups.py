"""Which changes of a fleet's plan are the same on many sites, so that render_plan says
each once with the sites it holds. Rendering only: the plan decides, this module sorts
what it decided for a reader.

Two changes are the same when they have the same kind, scope (which provider, or the site
settings ...) and fields, the same words in the plan, and the same old and new values of
every item they change, as the files write them. Site-level settings are grouped, and so
are handset accounts whose fields change the same way (a fleet-wide voicemail number):
those say which slots of each site they hold. Changes a reviewer must see per site
(handsets registered, replaced, deregistered, moved, swapped, accounts added or removed,
retirements, a new device, a site removed, anything refused) never are, and neither is
any change of a site that is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from compiler.plan import Change, ChangeKind
from compiler.state import Key

GROUPED_KINDS = frozenset({ChangeKind.PROVIDER, ChangeKind.PIN, ChangeKind.WINDOW,
                           ChangeKind.SETTING, ChangeKind.EXTRA, ChangeKind.PROFILE,
                           ChangeKind.AUTHORITATIVE})
# Fewer sites than this share a change: it stays in each site's own section.
MINIMUM_SITES = 2


@dataclass(frozen=True)
class Row:
    """One site as a plan renderer sees it."""

    name: str
    changes: tuple[Change, ...]
    describe: Callable[[Change], str]
    groupable: bool  # False: the site is refused, new, gone or a new device: shown whole


@dataclass(frozen=True)
class Group:
    """One change that `sites` share, numbered in the order the plan shows the groups."""

    number: int
    kind: ChangeKind
    description: str
    change: Change  # the first site's: its fields, provider and values
    sites: tuple[str, ...]
    # An account change: the slots (or handsets) it holds on each site, as `sites` lists
    # them. Empty for a site-level change.
    places: tuple[tuple[Key, ...], ...] = ()

    @property
    def accounts(self) -> int:
        return sum(len(places) for places in self.places)


@dataclass(frozen=True)
class Grouped:
    groups: tuple[Group, ...]
    own: dict[str, tuple[Change, ...]]  # each site's changes no group holds, in plan order
    shared: dict[str, tuple[int, ...]]  # each site's groups, by number
    # Each site's account groups, by number: the slots (or handsets) each holds there.
    places: dict[str, dict[int, tuple[Key, ...]]] = field(default_factory=dict)

    def own_changes(self, name: str, changes: Iterable[Change]) -> tuple[Change, ...]:
        return self.own.get(name, tuple(changes))


_Key = tuple[ChangeKind, int | None, tuple[str, ...], str,
             tuple[tuple[str, str | None, str | None], ...]]


def account_words(change: Change) -> str:
    """An account change in words that hold for any slot: a group's."""
    return f"accounts: {', '.join(change.fields)} changed"


def _key(change: Change, description: str) -> _Key | None:
    if change.refused or not change.values:
        return None
    if change.kind is ChangeKind.ACCOUNT and change.slot is not None and change.fields:
        return (change.kind, None, change.fields, account_words(change), change.values)
    if change.kind not in GROUPED_KINDS or change.slot is not None:
        return None
    return (change.kind, change.index, change.fields, description, change.values)


def group(rows: Iterable[Row]) -> Grouped:
    """The changes at least MINIMUM_SITES sites share, largest group first (then in the
    order the plan first shows them), and what each site keeps for its own section."""
    rows = list(rows)
    # Each key's sites, in plan order, with the slots it holds on each (accounts).
    members: dict[_Key, dict[str, list[Key]]] = {}
    firsts: dict[_Key, Change] = {}
    keyed: dict[str, list[tuple[Change, _Key | None]]] = {}
    for row in rows:
        pairs = []
        for change in row.changes:
            key = _key(change, row.describe(change)) if row.groupable else None
            if key is not None:
                places = members.setdefault(key, {}).setdefault(row.name, [])
                if change.slot is not None:
                    places.append(change.slot)
                firsts.setdefault(key, change)
            pairs.append((change, key))
        keyed[row.name] = pairs
    order = {key: position for position, key in enumerate(members)}
    chosen = sorted((key for key, sites in members.items() if len(sites) >= MINIMUM_SITES),
                    key=lambda key: (-len(members[key]), order[key]))
    number = {key: position + 1 for position, key in enumerate(chosen)}
    groups = tuple(Group(number[key], key[0], key[3], firsts[key], tuple(members[key]),
                         tuple(tuple(places) for places in members[key].values())
                         if key[0] is ChangeKind.ACCOUNT else ())
                   for key in chosen)
    own = {name: tuple(change for change, key in pairs if key not in number)
           for name, pairs in keyed.items()}
    shared = {name: tuple(sorted({number[key] for _, key in pairs if key in number}))
              for name, pairs in keyed.items()}
    places: dict[str, dict[int, tuple[Key, ...]]] = {}
    for shared_change in (g for g in groups if g.places):
        for name, held in zip(shared_change.sites, shared_change.places, strict=True):
            places.setdefault(name, {})[shared_change.number] = held
    return Grouped(groups, own, shared, places)
