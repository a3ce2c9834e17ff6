"""Compile one site: its file and its build/ directory in, one frozen SiteResult out.
This is the only module that reads a site file. It loads, validates, models, plans
against the state, renders, and (for a build) stages the new files beside their targets;
worker processes run `run` and nothing else.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from compiler.diagnostics import Diagnostic, Severity, has_errors
from compiler.files import read_plain
from compiler.model import Site, build_site
from compiler.paths import BUILD_DIR, STATE_FILE, SourceFile, site_directory, state_path
from compiler.plan import (
    Change,
    ChangeKind,
    Options,
    Revision,
    SitePlan,
    SlotAssignment,
    allowed,
    assign,
    field_changes,
    handset_changes,
    in_order,
    new_state,
    next_revision,
    refusals,
    retirements,
    retiring,
    slot_table,
    warnings,
    without,
)
from compiler.shared import SITES_PART
from compiler.state import FILE_LIMIT, Key, SlotRecord, State, StateRead, read_state, to_json
from compiler.targets import Rendering, Target, target_for
from compiler.write import Faults, write_failed
from compiler.write import stage as stage_file

if TYPE_CHECKING:
    from datetime import datetime

    from compiler.model import Handset
    from compiler.shared import Shared
    from compiler.validate import Identity


@dataclass(frozen=True)
class Job:
    """Everything a site's compile depends on besides the files it reads."""

    source: SourceFile
    root: Path
    options: Options
    stage: Faults | None = None  # a build: stage each new file beside its target
    changes: bool = True  # keep every change, to be shown; a build keeps only what it needs
    shared: Shared | None = None  # fleet.yaml, as the run read it


@dataclass(frozen=True)
class Output:
    """One file a build writes. Its bytes are not kept: a fleet's files would not fit in
    memory at once. A build stages them beside their target, to be renamed by `write`."""

    file: str  # build/<site>/<file name>, as an os path (a fleet's cache holds thousands)
    sha256: str
    on_disk: bool  # the file under build/ holds exactly these bytes already
    missing: bool  # there is no such file under build/
    staged: Path | None = None  # the temporary file holding the bytes, when staged
    made: tuple[Path, ...] = ()  # directories made to stage it, innermost first

    @property
    def path(self) -> Path:
        return Path(self.file)

    @property
    def name(self) -> str:
        return os.path.basename(self.file)


@dataclass(frozen=True)
class SiteResult:
    """What one site file compiles to. `site` and `plan` are None when the file has errors;
    a summary (`summary()`) keeps the site without its handsets and the plan without its
    slots, which is what a fleet holds for every site at once."""

    source: str  # the site file, as diagnostics name it
    diagnostics: tuple[Diagnostic, ...] = ()  # loading and validating
    advice: tuple[Diagnostic, ...] = ()  # what only `validate` says
    claims: bytes = b""  # the 5-byte codes of the IPUIs the file claims, in file order
    site: Site | None = None
    plan: SitePlan | None = None
    outputs: tuple[Output, ...] = ()  # the provisioning file, then the state
    strays: tuple[Path, ...] = ()  # files under build/<site>/ a build removes
    failure: Diagnostic | None = None  # staging a file failed: nothing of it is staged
    identities: tuple[Identity, ...] = field(default=(), compare=False)  # whole results only
    # The parts of fleet.yaml the site took (merge.py), for the cache alone.
    fleet_parts: tuple[str, ...] = field(default=(), compare=False)

    @property
    def name(self) -> str | None:
        return self.site.name if self.site is not None else None

    def summary(self, changes: bool = True) -> SiteResult:
        """The result without what a fleet cannot hold for every site: the handsets, the
        slots, the places of the IPUIs and, unless they are to be shown, the changes."""
        if self.site is None:
            return replace(self, identities=())
        site = replace(self.site, handsets=())
        plan = self.plan.slim(site, changes) if self.plan is not None else None
        return replace(self, site=site, plan=plan, identities=())

    def written(self, options: Options) -> SiteResult:
        """The result as the next run finds it once this one's files are written: nothing
        to do, at the revision this one wrote."""
        plan = self.plan
        assert plan is not None and plan.revision is not None and self.site is not None
        xml = self.outputs[0]
        state = State(self.site.name, self.site.mac, self.site.model, xml.name,
                      plan.revision.number, plan.revision.stamp, xml.sha256, slots=())
        quiet = SitePlan.nothing_to_do(plan.site, state, tuple(warnings(plan.site, [], options)))
        outputs = tuple(replace(output, on_disk=True, missing=False, staged=None, made=())
                        for output in self.outputs)
        return replace(self, plan=quiet, outputs=outputs, strays=())


def run(job: Job) -> SiteResult:
    """What a worker does for one site: compile it, and keep the summary."""
    return compile_site(job).summary(job.changes)


def compile_site(job: Job) -> SiteResult:
    """One site through every stage; nothing is written under its own name (a build's new
    files are staged). A staging failure is a `write-failed` error, with nothing left
    staged."""
    checked = check_site(job.source, job.shared)
    if checked.site is None:
        return checked
    try:
        planned = _plan(job, checked.site)
    except OSError as err:
        return replace(checked, failure=write_failed(checked.site.name, err))
    return replace(checked, plan=planned.plan, outputs=planned.outputs,
                   strays=planned.strays)


def check_site(source: SourceFile, shared: Shared | None = None) -> SiteResult:
    """Load, merge with fleet.yaml, validate and model the site file: the whole site, or
    its diagnostics."""
    from compiler.load import load_site  # loaded when a site is first read: a run the
    from compiler.merge import merge  # cache answers needs none of them
    from compiler.validate import validate_site

    loaded = load_site(source.path, source.display)
    if loaded.data is None:  # unread, it takes what every site takes
        return SiteResult(source.display, tuple(loaded.diagnostics),
                          fleet_parts=(SITES_PART,))
    merged = merge(loaded.data, shared, source.display)
    if merged.data is None:
        return SiteResult(source.display, (*loaded.diagnostics, *merged.diagnostics),
                          fleet_parts=merged.parts)
    checked = validate_site(merged.data, source.display, source.stem)
    diagnostics = (*loaded.diagnostics, *checked.diagnostics)
    claims = b"".join(identity.ipui.code for identity in checked.identities)
    model = None if has_errors(diagnostics) else build_site(merged.data, source.display)
    return SiteResult(source.display, diagnostics, tuple(checked.advice), claims, model,
                      identities=tuple(checked.identities), fleet_parts=merged.parts)


# -- planning and rendering ------------------------------------------------------------


@dataclass(frozen=True)
class _Planned:
    plan: SitePlan
    outputs: tuple[Output, ...] = ()  # none when refused or unplanned
    strays: tuple[Path, ...] = ()


def _plan(job: Job, site: Site) -> _Planned:
    """The site against its state: slots, changes, refusals, warnings, and its files."""
    target = target_for(site.model)
    assert target is not None, "validation admits only models with a target"
    directory = site_directory(job.root, site.name)
    unsafe = _unsafe_directory(job.root, directory, site)
    if unsafe is not None:
        return _Planned(SitePlan(site, None, (), (), (unsafe,)))
    read = read_state(directory, f"{BUILD_DIR}/{site.name}", site, target)
    if read.diagnostics:  # nothing is planned against a state that cannot be trusted
        return _Planned(SitePlan(site, None, (), (), read.diagnostics))
    state = read.state
    device: list[Change] = []
    refused_device: tuple[Diagnostic, ...] = ()
    if state is not None and read.other_device is not None:
        # The new DM's database is empty; the revisions and their history go on. Planned
        # either way, so that the plan shows what --replace-device would do.
        state = replace(state, mac=site.mac, model=site.model, file=target.file_name(site),
                        slots=())
        allow = job.options.replace_device
        device = [Change(None, ChangeKind.DEVICE, fields=(read.other_device,),
                         refused=not allow)]
        refused_device = () if allow else (_device_change(site, read),)
    placed = _place(target, site, state, job.options.now)
    planned, assigned, rendering = placed.state, placed.assigned, placed.rendering
    moves = handset_changes(assigned, planned)
    marked, refused = refusals(site, planned, assigned, moves, job.options,
                               target.refused_kinds)
    retire = retirements(placed.retired, state, assigned, target.stamp_format) if state else []
    identity = in_order(marked + retire)
    lifted = allowed(site, planned, assigned, moves, job.options, target.refused_kinds)
    lifted += ("device-change",) if device and not refused_device else ()
    changes = device + identity
    if placed.changed:  # an unchanged file changes no field
        previous = _read_bytes(directory / state.file) if state else None
        changes = device + identity + field_changes(
            target.read_items(previous) if previous else {}, rendering.items(),
            target.item_scope, identity, planned, assigned)
    diagnostics = (*refused_device, *refused, *warnings(site, changes, job.options))
    plan = SitePlan(site, state, placed.slots, tuple(changes), diagnostics, placed.revision,
                    placed.changed, lifted)
    return _files(job, target, directory, plan, placed.content)


def _device_change(site: Site, read: StateRead) -> Diagnostic:
    line, column = site.mac_at or (site.line, 1)
    return Diagnostic(site.source, line, column, Severity.ERROR, "device-change", "",
                      f"the last build was for the {read.other_device}; the site now says "
                      f"{site.model} with MAC {site.mac}: a new DM, whose database is empty, on "
                      "which every handset must register again, while the old one's file "
                      "is no longer written. If that is intended, build with "
                      "--replace-device; if not, fix the MAC or the model")


def _files(job: Job, target: Target, directory: Path, plan: SitePlan,
           content: bytes) -> _Planned:
    """The provisioning file and the new state, compared with build/ and, for a build,
    staged; and the files there that a build no longer writes."""
    file_name = target.file_name(plan.site)
    digest = hashlib.sha256(content).hexdigest()
    state_bytes = to_json(new_state(plan, file_name, digest))
    strays = _strays(directory, {file_name, STATE_FILE})  # before anything is staged there
    xml = _output(directory / file_name, content, job.stage, digest)
    try:
        state = _output(state_path(directory), state_bytes, job.stage)
    except OSError:
        if xml.staged is not None:
            xml.staged.unlink(missing_ok=True)
        _remove_empty(xml.made)
        raise
    return _Planned(plan, (xml, state), strays)


@dataclass(frozen=True)
class _Placed:
    """Where each handset goes, and the file that makes."""

    state: State | None  # what the build plans against: the last state, less what it retires
    assigned: dict[Key, Handset]
    slots: tuple[SlotAssignment, ...]
    rendering: Rendering
    content: bytes
    revision: Revision
    changed: bool
    retired: tuple[SlotRecord, ...] = ()  # the last state's releases this build retires


def _place(target: Target, site: Site, state: State | None, now: datetime) -> _Placed:
    """The handsets placed against the last state; and when the file changes the site
    anyway, placed again against the state less the releases written for the site's
    retention by `now`. Time alone never changes a file, so `check` stays green."""
    upcoming = next_revision(site, state, now, target.stamp_format)
    assigned = assign(site, state, target.database_slots)
    slots = slot_table(assigned, state, upcoming)
    rendering, content, revision, changed = _content(target, site, slots, state, upcoming)
    retired = retiring(site, state, now, target.stamp_format) if changed and state else ()
    if state is None or not retired:
        return _Placed(state, assigned, slots, rendering, content, revision, changed)
    planned = without(state, retired)
    assigned = assign(site, planned, target.database_slots)
    slots = slot_table(assigned, planned, upcoming)
    rendering = target.prepare(site, slots)
    return _Placed(planned, assigned, slots, rendering, rendering.file(revision), revision,
                   True, retired)


def _content(target: Target, site: Site, slots: tuple[SlotAssignment, ...],
             state: State | None, upcoming: Revision,
             ) -> tuple[Rendering, bytes, Revision, bool]:
    """The file, its bytes, its revision (`upcoming` when it changes), and whether its
    content changed. Written with the last revision, it shows whether anything but the
    revision would change."""
    rendering = target.prepare(site, slots)
    if state is not None:
        content = rendering.file(state)
        if hashlib.sha256(content).hexdigest() == state.sha256:
            return rendering, content, Revision(state.revision, state.stamp), False
    return rendering, rendering.file(upcoming), upcoming, True


def _unsafe_directory(root: Path, directory: Path, site: Site) -> Diagnostic | None:
    """build/ and build/<site> must be real directories: a symlink would send the files
    (and the state that decides which handsets are deregistered) somewhere else."""
    for path in (root / BUILD_DIR, directory):
        if path.is_symlink():
            shown = Path(os.path.relpath(path, root)).as_posix()
            return Diagnostic(shown, None, None, Severity.ERROR, "build-symlink", "",
                              f"{shown} is a symlink; dectprov writes {site.name}'s files "
                              "only into real directories under the root: replace it with "
                              "a directory")
    return None


def _strays(directory: Path, keep: set[str]) -> tuple[Path, ...]:
    """Files a build no longer writes: a file named for an old MAC, a crashed write's
    temporary file."""
    if not directory.is_dir():
        return ()
    return tuple(sorted(p for p in directory.iterdir() if p.is_file() and p.name not in keep))


def _read_bytes(path: Path) -> bytes | None:
    """A file under build/, or None when there is no plain file to read (beyond the cap,
    only its start: it is then no file the build would write)."""
    try:
        return read_plain(path, FILE_LIMIT)
    except OSError:
        return None


# -- staging ---------------------------------------------------------------------------


def _output(path: Path, content: bytes, stage: Faults | None,
            sha256: str | None = None) -> Output:
    """Compare with what is on disk now, and stage the bytes when a build will need them.
    `sha256` is the content's, when known already."""
    on_disk = _read_bytes(path)
    staged, made = None, ()
    if stage is not None and on_disk != content:
        made = _missing_directories(path.parent)
        try:
            staged = stage_file(path, content, stage)
        except OSError as err:  # name the file, not its temporary twin
            _remove_empty(made)
            raise OSError(err.errno, err.strerror, str(path)) from err
    return Output(os.fspath(path), sha256 or hashlib.sha256(content).hexdigest(),
                  on_disk == content, on_disk is None, staged, made)


def _missing_directories(directory: Path) -> tuple[Path, ...]:
    """The directories that staging a file in `directory` makes, innermost first."""
    missing = []
    while not directory.is_dir() and directory != directory.parent:
        missing.append(directory)
        directory = directory.parent
    return tuple(missing)


def _remove_empty(directories: tuple[Path, ...]) -> None:
    for directory in directories:
        try:
            directory.rmdir()
        except OSError:
            return  # not empty (another file of the site is staged there), or gone


def file_bytes(path: Path) -> bytes | None:
    """A site file's bytes when it is a plain file the loader would read; a pipe or a
    device is left to the loader, which refuses it without reading."""
    try:
        return read_plain(path)
    except OSError:
        return None
