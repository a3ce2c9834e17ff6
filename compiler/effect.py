"""Effect: what each device does when its provisioning file changes from the one committed
at a git revision to the one in this tree's build/, read from the two files and their
states alone, not from the site files: build/ is what the provisioning server hands out,
so this is what a reviewer approves. After the build, beside the plan: deciding only (the
words are render_plan's), and asking each target what its files say.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import Enum
from pathlib import Path

from compiler.diagnostics import Diagnostic, Severity, has_errors, sorted_diagnostics
from compiler.files import read_plain
from compiler.ipui import Ipui, parse_ipui
from compiler.model import (
    DEFAULT_DEREGISTRATION_RETENTION,
    DEFAULT_DEREGISTRATION_THRESHOLD,
    Handset,
    Site,
)
from compiler.paths import BUILD_DIR, STATE_FILE
from compiler.plan import (
    Change,
    ChangeKind,
    Holder,
    field_changes,
    first_written,
    handset_changes,
    in_order,
    loses_handset,
    without,
)
from compiler.state import (
    FILE_LIMIT,
    STATE_LIMIT,
    HistoryEntry,
    Key,
    SlotRecord,
    State,
    load_state,
    parse_state,
)
from compiler.targets import Place, Target, target_for
from compiler.text import clip


class Status(str, Enum):
    CHANGED = "changed"  # in both, the same device: the changes say what it does
    ADDED = "added"  # only in this tree: every handset in its file registers
    REMOVED = "removed"  # only at the revision: its file is no longer published
    DEVICE_CHANGE = "device-change"  # another DM (model or MAC): every handset registers again


@dataclass(frozen=True)
class SiteEffect:
    name: str
    source: str  # the site file, or build/<site> when there is none
    status: Status
    before: int | None  # the revision the file at the base revision has
    after: int | None  # the revision this tree's file has
    changes: tuple[Change, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()  # what the effect itself is refused for, or warns of
    stale: tuple[Diagnostic, ...] = ()  # what `check` says of this site's build/
    allowed: tuple[str, ...] = ()  # the refusals the builds since the base revision lifted
    # The site as its file says it, when that file describes this tree's build/ (it is
    # valid and not stale): the words of site-level changes name its values.
    site: Site | None = None
    handsets: int = 0  # removed: how many handsets its last file held

    @property
    def refused(self) -> bool:
        return has_errors(self.diagnostics)

    @property
    def shown(self) -> bool:
        return bool(self.changes or self.diagnostics or self.stale or
                    self.status is not Status.CHANGED)


@dataclass(frozen=True)
class Effect:
    ref: str
    commit: str  # the commit the ref names; empty when it names none
    sites: tuple[SiteEffect, ...] = ()  # by name
    diagnostics: tuple[Diagnostic, ...] = ()  # reading git; a site's own are in the site's

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics) and not any(s.refused for s in self.sites)

    @property
    def changed(self) -> bool:
        return any(site.changes or site.status is not Status.CHANGED for site in self.sites)


@dataclass(frozen=True)
class _Build:
    """One site's build/<site>/: its state and the provisioning file the state names."""

    state: State
    content: bytes
    shown: str  # how messages name the file: build/<site>/<file>, or REF:build/<site>/<file>


# -- the effect ----------------------------------------------------------------------------


def compare(root: Path, ref: str, sites: Mapping[str, Site],
            stale: Sequence[Diagnostic] = ()) -> Effect:
    """The effect of moving every site's build from `ref`'s build/ to this tree's. `sites`:
    the valid site files of this tree, by name (the words of site-level changes and the
    deregistration thresholds); `stale`: what `check` says, of which each site is shown
    what concerns its build/."""
    git = _Git(root)
    commit, problems = git.commit(ref)
    if commit is None:
        return Effect(ref, "", (), tuple(problems))
    base, problems = _base_builds(git, ref, commit)
    here, local = _tree_builds(root)
    problems += [d for d in local if d not in stale]  # `check` reads the same states
    renamed = _renamed(base, here)
    effects = []
    for name in sorted((base.keys() | here.keys()) - set(renamed.values())):
        shown = tuple(d for d in stale if _concerns(d, name))
        own = tuple(d for d in problems if _concerns(d, name, ref))
        site = sites.get(name)
        old, new = base.get(renamed.get(name, name)), here.get(name)
        if name in base and old is None or name in here and new is None:
            source = site.source if site is not None else f"{BUILD_DIR}/{name}"
            effect = SiteEffect(name, source, Status.CHANGED, _revision(old), _revision(new))
        else:  # an unreadable build shows its problems, and no effect
            effect = _site_effect(ref, name, old, new, site, site if not shown else None,
                                  renamed.get(name))
        effects.append(replace(effect, stale=shown,
                               diagnostics=sorted_diagnostics([*effect.diagnostics, *own])))
    rest = [d for d in problems if not any(_concerns(d, e.name, ref) for e in effects)]
    return Effect(ref, commit, tuple(effects), tuple(sorted_diagnostics(rest)))


def _renamed(base: Mapping[str, _Build | None], here: Mapping[str, _Build | None],
             ) -> dict[str, str]:
    """Sites renamed since the revision, new name -> old name: a build/<site>/ only at the
    revision and one only in this tree that give the same DM its file (the provisioning
    server hands it out by the file's name). The device reads the one and then the other,
    so they are compared as one site's files, not as a site removed and one added."""
    def by_file(builds: Mapping[str, _Build | None], others: Mapping[str, _Build | None],
                ) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for name, build in builds.items():
            if name not in others and build is not None:
                found.setdefault(build.state.file, []).append(name)
        return found

    gone, added = by_file(base, here), by_file(here, base)
    return {added[file][0]: names[0] for file, names in gone.items()
            if len(names) == 1 and len(added.get(file, ())) == 1}


def _concerns(diagnostic: Diagnostic, name: str, ref: str | None = None) -> bool:
    """Whether a diagnostic is about build/<name>/ (at `ref`, when given)."""
    folder = f"{ref}:{BUILD_DIR}/{name}" if ref is not None else f"{BUILD_DIR}/{name}"
    return diagnostic.file == folder or diagnostic.file.startswith(folder + "/")


def _site_effect(ref: str, name: str, old: _Build | None, new: _Build | None,
                 site: Site | None, words: Site | None,
                 renamed_from: str | None = None) -> SiteEffect:
    source = site.source if site is not None else f"{BUILD_DIR}/{name}"
    if renamed_from is not None:
        assert old is not None and new is not None
        effect = _site_effect(ref, name, old, new, site, words)
        return replace(effect, diagnostics=(*effect.diagnostics, Diagnostic(
            new.shown, None, None, Severity.WARNING, "effect", "",
            f"{name}: was {renamed_from} at {ref}; both give the DM with MAC "
            f"{new.state.mac} its file, so the changes shown are from {old.shown} to this "
            "one")))
    if new is None:
        assert old is not None
        held = _in_use_count(old)
        return SiteEffect(name, source, Status.REMOVED, old.state.revision, None,
                          handsets=held)
    old_target = target_for(old.state.model) if old else None
    target = target_for(new.state.model)
    if target is None or old is not None and old_target is None:
        unknown = new if target is None else old
        assert unknown is not None
        return SiteEffect(name, source, Status.CHANGED, _revision(old), new.state.revision,
                          diagnostics=(_error(unknown.shown, "state", (
                              f"{name}: no target builds files for the model "
                              f"{clip(unknown.state.model)!r}")),))
    allowed = _allowed_since(new.state, old.state if old else None)
    if old is not None and (old_target is not target or old.state.file != new.state.file):
        return _device_change(ref, name, source, old, new, target, allowed, words)
    status = Status.ADDED if old is None else Status.CHANGED
    found = _changes(ref, name, old, new, target, site, allowed)
    if isinstance(found, Diagnostic):
        return SiteEffect(name, source, status, _revision(old), new.state.revision,
                          diagnostics=(found,))
    changes, diagnostics = found
    shown_allowed = allowed if changes else ()
    return SiteEffect(name, source, status, _revision(old), new.state.revision,
                      tuple(changes), tuple(diagnostics), allowed=shown_allowed, site=words)


def _revision(build: _Build | None) -> int | None:
    return build.state.revision if build is not None else None


def _allowed_since(state: State, base: State | None) -> tuple[str, ...]:
    """What the builds after the base revision's were allowed to do, as their history
    records it: the entries of the revisions after the base's, up to this state's own, that
    the base's history does not hold. An entry dated after its state's revision, or one
    the base already held, was written by hand (and would otherwise allow every later
    change, once merged)."""
    return tuple(sorted({rule for entry in _history_since(state, base)
                         for rule in entry.allowed}))


def _history_since(state: State, base: State | None) -> list[HistoryEntry]:
    """The history entries of the revisions after the base's, up to this state's own,
    that the base's history does not hold (one it held, or one dated after its state's
    revision, was written by hand)."""
    after = base.revision if base is not None else 0
    held = set(base.history) if base is not None else set()
    return [entry for entry in state.history
            if after < entry.revision <= state.revision and entry not in held]


def _device_change(ref: str, name: str, source: str, old: _Build, new: _Build,
                   target: Target, allowed: tuple[str, ...], words: Site | None) -> SiteEffect:
    """Another DM takes the site: every handset in the new file registers on it, and the
    old one is given no file any more."""
    found = _changes(ref, name, None, new, target, None, allowed)
    changes = found[0] if not isinstance(found, Diagnostic) else []
    diagnostics: list[Diagnostic] = [found] if isinstance(found, Diagnostic) else []
    if "device-change" not in allowed:
        diagnostics.append(_error(new.shown, "device-change", (
            f"{name}: between {ref} and this tree the site moves from the DM given "
            f"{old.shown} ({old.state.model}, MAC {old.state.mac}) to a new one "
            f"({new.state.model}, MAC {new.state.mac}), on which every handset must register "
            f"again; no build since {ref} records --replace-device")))
    return SiteEffect(name, source, Status.DEVICE_CHANGE, old.state.revision,
                      new.state.revision, tuple(changes), tuple(diagnostics), allowed=allowed,
                      site=words)


def _changes(ref: str, name: str, old: _Build | None, new: _Build, target: Target,
             site: Site | None, allowed: tuple[str, ...],
             ) -> tuple[list[Change], list[Diagnostic]] | Diagnostic:
    """The plan's changes from the old file to the new one, and what is refused of them."""
    if old is not None and old.content == new.content:
        return [], []
    old_items = target.read_items(old.content) if old is not None else {}
    new_items = target.read_items(new.content)
    for build, items in ((old, old_items), (new, new_items)):
        if build is not None and build.content and not items:
            return _error(build.shown, "effect", f"{name}: the file holds no setting a "
                          f"{build.state.model} file has; it was not written by dectprov")
    old_places = target.places(old.content) if old is not None else {}
    new_places = target.places(new.content)
    try:
        before = _before(old, old_places)
    except ValueError as err:
        assert old is not None
        return _error(old.shown, "effect", f"{name}: {err}")
    try:
        assigned = _device_view(old_places, new_places, _keeps_unlisted(target, new_items))
    except ValueError as err:
        return _error(new.shown, "effect", f"{name}: {err}")
    retired: list[Change] = []
    forgotten: set[Key] = set()
    if old is not None and before is not None:
        forgotten = _forgotten(old.state, new.state, site, target)
        retired = _retirements(old.state, old_places, new_places, target)
        before = without(before, [r for r in before.slots if r.key in forgotten])
    identity = handset_changes(assigned, before)
    changes = in_order(identity + retired)
    changes += field_changes(old_items, new_items, target.item_scope, changes, before,
                             assigned)
    marked, diagnostics = _refused_moves(ref, name, new.shown, changes, target, allowed)
    if old is not None:
        threshold = site.deregistration_threshold if site else DEFAULT_DEREGISTRATION_THRESHOLD
        diagnostics += _threshold(ref, name, new.shown, before, assigned, threshold, allowed)
        diagnostics += _dropped(ref, name, new.shown, old, old_places, new_places, forgotten)
    return marked, diagnostics


# -- the device's side of each file ------------------------------------------------------


def _in_use(place: Place) -> bool:
    return place.login is not None or place.ipui is not None


def _in_use_count(build: _Build) -> int:
    target = target_for(build.state.model)
    if target is None:
        return sum(1 for record in build.state.slots if record.in_use)
    return sum(1 for place in target.places(build.content).values() if _in_use(place))


def _ipui(text: str, key: Key) -> Ipui:
    """A handset code read from a file; ValueError for one that is no IPUI (a file edited
    by hand), which the caller reports."""
    parsed = parse_ipui(text)
    if not isinstance(parsed, Ipui):
        raise ValueError(  # noqa: TRY004 - a value read from a file, not a wrong type
            f"{_where(key)} holds the handset code {clip(text)!r}, which is "
                         "no IPUI")
    return parsed


def _before(old: _Build | None, places: dict[Key, Place]) -> State | None:
    """The old state, its places as the old file writes them: what the device was told.
    Which IPUI a place's zero code deregisters only the state says."""
    if old is None:
        return None
    recorded = {record.key: record for record in old.state.slots}
    records = []
    for key, place in places.items():
        slot = key if isinstance(key, int) else None
        record = recorded.get(key)
        released = record.released if record is not None else None
        since = record.released_in_revision if record is not None else None
        if _in_use(place):
            ipui = _ipui(place.ipui, key) if place.ipui else None
            records.append(SlotRecord(slot, True, ipui, place.login, place.enabled,
                                      released, since))
        elif place.deregisters:
            if slot is None:
                released = _ipui(str(key), key)
            records.append(SlotRecord(slot, False, released=released,
                                      released_in_revision=since))
    return replace(old.state, slots=tuple(records))


def _retirements(state: State, old: dict[Key, Place], new: dict[Key, Place],
                 target: Target) -> list[Change]:
    """The releases the old file wrote that the new one no longer writes, with no handset
    taking their place: a freed slot not written at all, a zero code or a ToDeReg gone.
    A build retires them once they have been written for the site's retention (whether
    this one did is `_forgotten`'s question)."""
    recorded = {record.key: record for record in state.slots}
    found = []
    for key, place in old.items():
        after = new.get(key)
        if _no_longer_released(place, after):
            record = recorded.get(key)
            released = record.released if record is not None else None
            if released is None and place.deregisters and isinstance(key, str):
                released = _ipui(key, key)
            since = first_written(state, record, target.stamp_format) if record else None
            found.append(Change(key, ChangeKind.RETIRE,
                                Holder(released.hex, None) if released else None,
                                Holder(None, after.login) if after else None, since=since))
    return found


def _no_longer_released(place: Place, after: Place | None) -> bool:
    """A freed place the new file does not write at all, or a zero code it no longer
    writes under an account without IPUI."""
    if after is None:
        return not _in_use(place)
    return (place.deregisters and not after.deregisters and after.ipui is None
            and after.login is not None)


def _forgotten(base: State, state: State, site: Site | None, target: Target) -> set[Key]:
    """The places whose release, recorded at the base revision, the builds since retired:
    this tree's state no longer records it there, and a build after the base's that
    retired something did so once the release had been written for the site's retention.
    A release dropped otherwise (build/ edited by hand) is not forgotten."""
    retention = timedelta(seconds=site.deregistration_retention if site is not None
                          else DEFAULT_DEREGISTRATION_RETENTION)
    retiring = [datetime.strptime(entry.stamp, target.stamp_format)
                for entry in _history_since(state, base)
                if dict(entry.changes).get(ChangeKind.RETIRE.value)]
    if not retiring:
        return set()
    latest = max(retiring)
    now = {record.key: record for record in state.slots}
    forgotten = set()
    for record in base.slots:
        if record.released is None and record.in_use:
            continue
        kept = now.get(record.key)
        if kept is not None and (kept.released == record.released and record.released
                                 or not kept.in_use and not record.in_use):
            continue  # still written, or remembered, there
        if first_written(base, record, target.stamp_format).at + retention <= latest:
            forgotten.add(record.key)
    return forgotten


def _keeps_unlisted(target: Target, new_items: Iterable[str]) -> bool:
    """Whether the device keeps a handset the new file does not name: unless the file
    tells it to remove every handset it does not list."""
    return not any(target.item_scope(item)[0] == ChangeKind.AUTHORITATIVE.value
                   for item in new_items)


def _device_view(old: dict[Key, Place], new: dict[Key, Place],
                 keeps_unlisted: bool) -> dict[Key, Handset]:
    """Who each place holds once the device has read the new file. A place the new file
    does not write, or writes without a handset code, keeps the handset the device had
    there; a deregistering place (a zero code, ToDeReg) holds none."""
    bound = {place.ipui for place in new.values() if place.ipui}
    view: dict[Key, Handset] = {}
    for key in sorted(old.keys() | new.keys(), key=str):
        before, after = old.get(key), new.get(key)
        if after is None:
            if before is not None and keeps_unlisted and _in_use(before):
                kept = before.ipui if before.ipui not in bound else None
                view[key] = _handset(key, kept, before.login, before.enabled)
            continue
        ipui = after.ipui
        if ipui is None and not after.deregisters and before is not None and before.ipui \
                and before.ipui not in bound:
            ipui = before.ipui
        if after.login is None and ipui is None:
            continue
        view[key] = _handset(key, ipui, after.login, after.enabled)
    return view


def _handset(key: Key, ipui: str | None, login: str | None, enabled: bool) -> Handset:
    """A place as the plan's functions take a handset: only its IPUI and login count."""
    code = _ipui(ipui, key) if ipui else None
    account = login or ""
    return Handset(position=0, line=0, slot=key if isinstance(key, int) else None, ipui=code,
                   login=account, password="", user_id=account, display_name=account,
                   account_name=account, provider=0, voicemail=None, enabled=enabled)


# -- what is refused ---------------------------------------------------------------------


def _refused_moves(ref: str, name: str, shown: str, changes: list[Change], target: Target,
                   allowed: tuple[str, ...]) -> tuple[list[Change], list[Diagnostic]]:
    """Moves and swaps the device makes the customer redo by hand (the target says which),
    unless a build since `ref` was allowed them."""
    if "reregistration" in allowed:
        return changes, []
    marked, diagnostics = [], []
    for change in changes:
        if change.kind.value in target.refused_kinds:
            change = replace(change, refused=True)
            diagnostics.append(_error(shown, "reregistration", _reregistration(
                ref, name, change)))
        marked.append(change)
    return marked, diagnostics


def _reregistration(ref: str, name: str, change: Change) -> str:
    after = change.after
    before = change.before
    since = (f"; no build since {ref} records --allow-reregistration (build/ edited by "
             "hand?)")
    if change.kind is ChangeKind.SWAP:
        return (f"{name}: between {ref} and this tree, handsets {_who(before)} and "
                f"{_who(after)} swap {_where(change.slot)} and {_where(change.other_slot)}, "
                f"and both must then be registered again by hand{since}")
    return (f"{name}: between {ref} and this tree, handset {_who(after)} moves from "
            f"{_where(change.other_slot)} to {_where(change.slot)}, and must then be "
            f"registered again by hand{since}")


def _who(holder: object) -> str:
    ipui = getattr(holder, "ipui", None)
    login = getattr(holder, "login", None)
    return f"{ipui} (login {login})" if login else str(ipui)


def _where(key: Key | None) -> str:
    return f"slot {key}" if isinstance(key, int) else f"handset {key}"


def _threshold(ref: str, name: str, shown: str, before: State | None,
               assigned: dict[Key, Handset], threshold: float,
               allowed: tuple[str, ...]) -> list[Diagnostic]:
    if before is None or "deregistration-threshold" in allowed:
        return []
    previous = before.in_use()
    lost = sum(1 for key, record in previous.items()
               if loses_handset(record, assigned.get(key)))
    share = 100.0 * lost / len(previous) if previous else 0.0
    if len(previous) < 4 or share <= threshold:
        return []
    return [_error(shown, "deregistration-threshold", (
        f"{name}: between {ref} and this tree, {lost} of {len(previous)} handsets "
        f"({share:.1f}%) are deregistered, over the {threshold:g}% threshold; no build "
        f"since {ref} records --force"))]


def _dropped(ref: str, name: str, shown: str, old: _Build, old_places: dict[Key, Place],
             new_places: dict[Key, Place], retired: set[Key]) -> list[Diagnostic]:
    """Deregistrations the old file still wrote and the new one drops while no new handset
    takes the place, unless a build retired them (`retired`) after the site's retention:
    a DM that skipped the revisions up to `ref` would keep that handset."""
    recorded = {record.key: record.released for record in old.state.slots}
    found = []
    for key, place in old_places.items():
        if not place.deregisters or key in retired:
            continue
        after = new_places.get(key)
        if after is not None and (after.deregisters or after.ipui is not None):
            continue
        released = recorded.get(key)
        which = f" ({released.hex})" if released is not None and isinstance(key, int) else ""
        found.append(_error(shown, "deregistration-dropped", (
            f"{name}: the file at {ref} still deregisters the handset at {_where(key)}"
            f"{which}, and this tree's file no longer does although no new handset takes "
            "that place: a DM that has not applied the file at "
            f"{ref} keeps the handset registered. Build with dectprov rather than editing "
            "build/ by hand")))
    return found


def _error(shown: str, rule: str, message: str) -> Diagnostic:
    return Diagnostic(shown, None, None, Severity.ERROR, rule, "", message)


# -- this tree's build/ ------------------------------------------------------------------


def _tree_builds(root: Path) -> tuple[dict[str, _Build | None], list[Diagnostic]]:
    """Every build/<site>/ of this tree that holds a state; None for one that cannot be
    read, with the diagnostics that say why."""
    try:
        entries = sorted(os.listdir(root / BUILD_DIR))
    except OSError:
        return {}, []
    builds: dict[str, _Build | None] = {}
    problems: list[Diagnostic] = []
    for name in entries:
        directory = root / BUILD_DIR / name
        if directory.is_symlink() or not directory.is_dir():
            continue
        shown = f"{BUILD_DIR}/{name}"
        try:
            read = load_state(directory / STATE_FILE, f"{shown}/{STATE_FILE}")
        except FileNotFoundError:
            continue
        builds[name] = None
        if read.state is None:
            problems += read.diagnostics
            continue
        file = f"{shown}/{read.state.file}"
        try:
            content = read_plain(directory / read.state.file, FILE_LIMIT)
        except OSError as err:
            problems.append(_error(file, "effect", f"cannot read it: {err.strerror or err}"))
            continue
        if content is None or len(content) > FILE_LIMIT:
            problems.append(_error(file, "effect",
                                   f"is not a plain file of at most {FILE_LIMIT >> 20} MiB"))
            continue
        builds[name] = _Build(read.state, content, file)
    return builds, problems


# -- the build/ of a revision, read with git ---------------------------------------------


_REGULAR = ("100644", "100755")


@dataclass(frozen=True)
class _Blob:
    mode: str
    oid: str
    size: int


class _Git:
    """git, run on the root's repository with an argument list (never a shell)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.prefix = ""  # the root's path in its repository, '/' at the end

    def run(self, *args: str, stdin: bytes | None = None,
            ) -> subprocess.CompletedProcess[bytes] | str:
        """git's answer, or why git could not be run."""
        environment = dict(os.environ, GIT_LITERAL_PATHSPECS="1", GIT_OPTIONAL_LOCKS="0",
                           LC_ALL="C")
        try:
            return subprocess.run(["git", "-C", os.fspath(self.root), *args], input=stdin,
                                  capture_output=True, check=False, env=environment)
        except OSError as err:
            return f"git cannot be run: {err.strerror or err}; is it installed?"

    def commit(self, ref: str) -> tuple[str | None, list[Diagnostic]]:
        """The commit `ref` names (and the root's place in its repository), or why not."""
        if not ref or ref.startswith("-") or any(c in ref for c in "\0\n"):
            return None, [_ref_problem(f"{clip(ref)!r} is not a revision: a branch, tag or "
                                       "commit never begins with '-'")]
        answer = self.run("rev-parse", "--show-prefix")
        if isinstance(answer, str) or answer.returncode != 0:
            why = answer if isinstance(answer, str) else _said(answer)
            return None, [_ref_problem(f"the root {os.fspath(self.root)!r} is not in a git "
                                       f"repository ({why}); --base-ref reads the "
                                       "revision's build/ with git")]
        self.prefix = os.fsdecode(answer.stdout).removesuffix("\n")
        answer = self.run("rev-parse", "--verify", "--quiet", "--end-of-options",
                          f"{ref}^{{commit}}")
        if isinstance(answer, str) or answer.returncode != 0:
            return None, [_ref_problem(f"{clip(ref)!r} names no commit in the repository of "
                                       "the root (with a shallow clone, fetch it first)")]
        return os.fsdecode(answer.stdout).strip(), []

    def files(self, commit: str, folder: str) -> dict[str, _Blob] | str:
        """Every file under `folder` of the root at `commit`, by its path below it."""
        answer = self.run("ls-tree", "-r", "-z", "--long", "--full-tree", commit, "--",
                          self.prefix + folder + "/")
        if isinstance(answer, str):
            return answer
        if answer.returncode != 0:
            return _said(answer)
        found = {}
        start = len(self.prefix) + len(folder) + 1
        for line in answer.stdout.split(b"\0"):
            head, _, path = line.partition(b"\t")
            fields = head.split()
            if len(fields) != 4 or not fields[3].isdigit():
                continue  # a submodule has no size: nothing dectprov writes
            mode, _, oid, size = (os.fsdecode(field) for field in fields)
            found[os.fsdecode(path)[start:]] = _Blob(mode, oid, int(size))
        return found

    def read(self, blobs: Sequence[_Blob]) -> dict[str, bytes] | str:
        """The blobs' bytes, by object name, read by one git process."""
        if not blobs:
            return {}
        answer = self.run("cat-file", "--batch",
                          stdin=b"".join(blob.oid.encode() + b"\n" for blob in blobs))
        if isinstance(answer, str):
            return answer
        if answer.returncode != 0:
            return _said(answer)
        found, output, at = {}, answer.stdout, 0
        while at < len(output):
            end = output.index(b"\n", at)
            header = output[at:end].split()
            if len(header) != 3:  # "<oid> missing"
                at = end + 1
                continue
            size = int(header[2])
            found[os.fsdecode(header[0])] = output[end + 1:end + 1 + size]
            at = end + 1 + size + 1
        return found


def _said(answer: subprocess.CompletedProcess[bytes]) -> str:
    lines = answer.stderr.decode("utf-8", "replace").strip().splitlines()
    return clip(lines[0] if lines else f"git exited with {answer.returncode}", 200)


def _ref_problem(message: str) -> Diagnostic:
    return Diagnostic("--base-ref", None, None, Severity.ERROR, "base-ref", "", message)


def _base_builds(git: _Git, ref: str, commit: str,
                 ) -> tuple[dict[str, _Build | None], list[Diagnostic]]:
    """Every build/<site>/ that holds a state at the revision, each state read as the
    untrusted input it is; None for one that cannot be read, with the diagnostics that
    say why."""
    files = git.files(commit, BUILD_DIR)
    if isinstance(files, str):
        return {}, [_ref_problem(f"cannot list {ref}:{BUILD_DIR}/: {files}")]
    states = {path.split("/")[0]: blob for path, blob in files.items()
              if path.count("/") == 1 and path.endswith("/" + STATE_FILE)}
    problems: list[Diagnostic] = []
    wanted = [blob for name, blob in sorted(states.items())
              if _readable(blob, STATE_LIMIT, f"{ref}:{BUILD_DIR}/{name}/{STATE_FILE}",
                           problems)]
    data = git.read(wanted)
    if isinstance(data, str):
        return {}, [_ref_problem(f"cannot read {ref}:{BUILD_DIR}/: {data}")]
    read: dict[str, State] = {}
    for name, blob in sorted(states.items()):
        if blob.oid not in data:
            continue
        parsed = parse_state(data[blob.oid], f"{ref}:{BUILD_DIR}/{name}/{STATE_FILE}")
        problems += parsed.diagnostics
        if parsed.state is not None:
            read[name] = parsed.state
    return _base_files(git, ref, files, read, set(states), problems)


def _base_files(git: _Git, ref: str, files: dict[str, _Blob], states: dict[str, State],
                unreadable: set[str], problems: list[Diagnostic],
                ) -> tuple[dict[str, _Build | None], list[Diagnostic]]:
    """The provisioning file each state names, beside it."""
    wanted: dict[str, _Blob] = {}
    for name, state in states.items():
        shown = f"{ref}:{BUILD_DIR}/{name}/{state.file}"
        blob = files.get(f"{name}/{state.file}")
        if blob is None:
            problems.append(_error(f"{ref}:{BUILD_DIR}/{name}/{STATE_FILE}", "state",
                                   f"names the file {state.file}, which is not beside it"))
        elif _readable(blob, FILE_LIMIT, shown, problems):
            wanted[name] = blob
    data = git.read(list(wanted.values()))
    if isinstance(data, str):
        return {}, [*problems, _ref_problem(f"cannot read {ref}:{BUILD_DIR}/: {data}")]
    builds: dict[str, _Build | None] = dict.fromkeys(unreadable | states.keys())
    builds.update((name, _Build(states[name], data[blob.oid],
                                f"{ref}:{BUILD_DIR}/{name}/{states[name].file}"))
                  for name, blob in wanted.items() if blob.oid in data)
    return builds, problems


def _readable(blob: _Blob, limit: int, shown: str, problems: list[Diagnostic]) -> bool:
    if blob.mode not in _REGULAR:
        problems.append(_error(shown, "effect", "is not a plain file (a symlink?)"))
        return False
    if blob.size > limit:
        problems.append(_error(shown, "effect", f"is over {limit >> 10} KiB, which no build "
                               "writes"))
        return False
    return True
