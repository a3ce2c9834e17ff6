"""Which changes of a fleet's plan are the same on many sites, so that render_plan says
each once with the sites it holds. Rendering only: the plan decides, this module sorts
what it decided for a reader.

Two changes are the same when they have the same kind, scope (which provider, or the site
settings ...) and fields, the same words in the plan, and the same old and new values of
every item they change, as the files write them. Only site-level settings are grouped:
changes a reviewer must see per site (handsets registered, replaced, deregistered, moved,
swapped, accounts, retirements, a new device, a site removed, anything refused) never
are, and neither is any change of a site that is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from compiler.plan import Change, ChangeKind

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


@dataclass(frozen=True)
class Grouped:
    groups: tuple[Group, ...]
    own: dict[str, tuple[Change, ...]]  # each site's changes no group holds, in plan order
    shared: dict[str, tuple[int, ...]]  # each site's groups, by number

    def own_changes(self, name: str, changes: Iterable[Change]) -> tuple[Change, ...]:
        return self.own.get(name, tuple(changes))


_Key = tuple[ChangeKind, int | None, tuple[str, ...], str,
             tuple[tuple[str, str | None, str | None], ...]]


def _key(change: Change, description: str) -> _Key | None:
    if (change.kind not in GROUPED_KINDS or change.slot is not None or change.refused
            or not change.values):
        return None
    return (change.kind, change.index, change.fields, description, change.values)


def group(rows: Iterable[Row]) -> Grouped:
    """The changes at least MINIMUM_SITES sites share, largest group first (then in the
    order the plan first shows them), and what each site keeps for its own section."""
    rows = list(rows)
    members: dict[_Key, list[str]] = {}
    firsts: dict[_Key, Change] = {}
    keyed: dict[str, list[tuple[Change, _Key | None]]] = {}
    for row in rows:
        pairs = []
        for change in row.changes:
            description = row.describe(change)
            key = _key(change, description) if row.groupable else None
            if key is not None:
                members.setdefault(key, []).append(row.name)
                firsts.setdefault(key, change)
            pairs.append((change, key))
        keyed[row.name] = pairs
    order = {key: position for position, key in enumerate(members)}
    chosen = sorted((key for key, names in members.items() if len(names) >= MINIMUM_SITES),
                    key=lambda key: (-len(members[key]), order[key]))
    number = {key: position + 1 for position, key in enumerate(chosen)}
    groups = tuple(Group(number[key], key[0], key[3], firsts[key], tuple(members[key]))
                   for key in chosen)
    own = {name: tuple(change for change, key in pairs if key not in number)
           for name, pairs in keyed.items()}
    shared = {name: tuple(sorted(number[key] for _, key in pairs if key in number))
              for name, pairs in keyed.items()}
    return Grouped(groups, own, shared)
