"""The pipeline, end to end: find the site files, then load, validate, model, plan and
render each, and write. Each step calls one stage; the CLI calls these and prints.

A fleet goes through it one site at a time, in worker processes when it is large: a site
is loaded, validated, modelled, planned, rendered and (for a build) staged beside its
target in one step, while its model is in memory, and only a summary of its plan comes
back. What needs the whole fleet comes after: the IPUIs claimed by two sites, a handset
moving between sites, and the check of what each early plan assumed (that no other site
claims an IPUI it deregisters). Nothing is renamed into place until every site is known
to be fine. The cache answers for sites whose file, state and build/ are unchanged.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import stat
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from compiler.cache import Cache, CheckEntry, PlanEntry
from compiler.diagnostics import Diagnostic, Severity, has_errors, sorted_diagnostics
from compiler.ipui import Ipui
from compiler.model import Site, build_site
from compiler.plan import (
    Options,
    Revision,
    SitePlan,
    SlotAssignment,
    assign,
    cross_site_moves,
    field_changes,
    handset_changes,
    new_state,
    next_revision,
    refusals,
    slot_table,
    warnings,
)
from compiler.paths import BUILD_DIR, SITES_DIR, STATE_FILE, SourceFile, site_files, state_path
from compiler.state import State, read_state, to_json
from compiler.targets import Target, target_for
from compiler.write import Faults, commit
from compiler.write import stage as stage_file

if TYPE_CHECKING:
    from compiler.validate import Identity



@dataclass(frozen=True)
class Planning:
    """A pass that plans each site in the same step that checks it, while its model is in
    memory (in a worker process, for a fleet): only the slim plan comes back."""

    root: Path
    options: Options
    stage: Faults | None = None  # a build: stage each new file beside its target
    changes: bool = True  # keep every change, to be shown; a build keeps only what it needs


@dataclass
class Early:
    """A site planned while it was checked, before the fleet's claims were known: the plan
    assumed that no other site claims the IPUIs in `asked`, and holds if none does."""

    planned: Planned | None
    asked: frozenset[bytes] = frozenset()
    failure: OSError | None = None  # staging its files failed; nothing of it is staged


@dataclass
class Claims:
    """The IPUIs each site file claims, in file order, as the cache keeps them: 5-byte codes
    end to end. Who claims an IPUI first is looked up when a plan asks, which is rare."""

    files: list[tuple[str, bytes]]  # (file, its codes)
    sites_of: dict[str, str]  # file -> the name of the site it defines
    first: dict[bytes, str | None] = field(default_factory=dict)  # code -> file, once asked

    def elsewhere(self, code: bytes, site: str) -> bool:
        """Whether a site other than `site` claims the IPUI first."""
        if code not in self.first:
            self.first[code] = next((file for file, codes in self.files
                                     if _find(codes, code) >= 0), None)
        claimer = self.first[code]
        return claimer is not None and self.sites_of.get(claimer, site) != site


@dataclass
class Checked:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    sites: list[Site] = field(default_factory=list)
    advice: list[Diagnostic] = field(default_factory=list)  # what only `validate` says
    claims: Claims = field(default_factory=lambda: Claims([], {}))
    # Sites the cache answered for, or planned early: `sites` holds them without handsets,
    # and their file, checked again, gives the whole model if the plan needs it.
    cached: dict[str, CheckEntry] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)  # site name -> the cache's check key
    cache: Cache | None = None
    early: dict[str, Early] = field(default_factory=dict)  # site name -> its early plan

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)


@dataclass(frozen=True)
class Output:
    """One file a build writes. Its bytes are not kept: a fleet's files would not fit in
    memory at once. A build stages them beside their target, to be renamed in `write`."""

    path: Path  # build/<site>/<file name>
    sha256: str
    on_disk: bool  # the file under build/ holds exactly these bytes already
    missing: bool  # there is no such file under build/
    staged: Path | None = None  # the temporary file holding the bytes, when staged
    made: tuple[Path, ...] = ()  # directories made to stage it, innermost first


@dataclass
class Planned:
    plan: SitePlan
    outputs: list[Output]  # the provisioning file, then the state; none when refused
    strays: list[Path] = field(default_factory=list)  # files to remove from build/<site>/
    check_key: str | None = None  # the site file as the cache knows it


def check(files: list[SourceFile], cache: Cache | None = None,
          planning: Planning | None = None) -> Checked:
    """Load, validate and model every site; every problem of every file is collected. With
    `planning`, each site checked afresh is planned in the same step (see `plan`)."""
    result = Checked(cache=cache)
    if not files:
        result.diagnostics.append(Diagnostic(
            f"{SITES_DIR}/", None, None, Severity.ERROR, "no-sites",
            "", "no site files found (sites/*.yaml under the root); is --root right?"))
    entries: list[tuple[SourceFile, CheckEntry]] = []
    names: dict[str, SourceFile] = {}
    inside = [source for source in files if not source.escapes_root]
    for source in files:
        if source.escapes_root:
            result.diagnostics.append(Diagnostic(
                source.display, None, None, Severity.ERROR, "site-symlink", "",
                "the site file is a symlink to a file outside the root; keep site files "
                "in the repository"))
    unclaimed: list[Early] = []  # early plans of sites that will not be planned
    for source, (entry, model, early) in zip(inside, _check_all(inside, cache, planning)):
        result.diagnostics += entry.diagnostics
        result.advice += entry.advice
        entries.append((source, entry))
        site = entry.summary
        if site is None:
            continue
        if site.name in names:
            result.diagnostics.append(Diagnostic(
                source.display, None, None, Severity.ERROR, "site-duplicate", "site",
                f"site '{site.name}' is also defined by {names[site.name].display}"))
            unclaimed += [early] if early is not None else []
            continue
        names[site.name] = source
        if entry.key:
            result.keys[site.name] = entry.key
        if early is not None:
            result.early[site.name] = early
        if model is None:
            result.cached[site.name] = entry
        result.sites.append(model or site)
    asked = set().union(*(early.asked for early in result.early.values()))
    known = cache.unique_fleet if cache is not None else {}
    result.claims, duplicated = _claims(entries, names, asked, known)
    if cache is not None and not duplicated and all(entry.key for _, entry in entries):
        cache.remember_unique({source.display: entry.key for source, entry in entries})
    if duplicated:
        from compiler.validate import validate_fleet

        result.diagnostics += validate_fleet(_identities(entries, duplicated))
    result.diagnostics = sorted_diagnostics(result.diagnostics)
    _discard_early(unclaimed)
    if not result.ok:  # nothing will be planned: what was staged goes
        _discard_early(list(result.early.values()))
        result.early.clear()
    return result


def _discard_early(early: list[Early]) -> None:
    discard([item.planned for item in early if item.planned is not None])


def _claims(entries: list[tuple[SourceFile, CheckEntry]], names: dict[str, SourceFile],
            asked: set[bytes], known: dict[str, str]) -> tuple[Claims, set[bytes]]:
    """The IPUIs each file claims, those claimed by more than one file, and who claims the
    IPUIs the early plans `asked` about. `known` is a fleet (file -> check key) in which
    no IPUI is claimed twice: files that are as they were there are not searched against
    each other, only the others against all (a one-site edit searches one site's IPUIs)."""
    files = [(source.display, entry.codes) for source, entry in entries]
    sites_of = {source.display: name for name, source in names.items()}
    changed = [codes for (source, entry), (_, codes) in zip(entries, files)
               if not entry.key or known.get(source.display) != entry.key]
    if len(changed) <= _SEARCH_ONE_BY_ONE and len(asked) <= _ASK_ONE_BY_ONE:
        return Claims(files, sites_of), _claimed_again(files, changed)
    seen: set[bytes] = set()
    duplicated: set[bytes] = set()
    first: dict[bytes, str | None] = dict.fromkeys(asked)
    for source, entry in entries:
        codes = entry.codes
        mine = {codes[start:start + 5] for start in range(0, len(codes), 5)}
        duplicated |= seen & mine
        seen |= mine
        for code in asked & mine:
            if first[code] is None:
                first[code] = source.display
    return Claims(files, sites_of, first), duplicated


def _claimed_again(files: list[tuple[str, bytes]], changed: list[bytes]) -> set[bytes]:
    """The IPUIs of the changed files that another file claims too, found by searching all
    the fleet's codes at once for each."""
    everything = b"".join(codes for _, codes in files)
    duplicated = set()
    for codes in changed:
        for start in range(0, len(codes), 5):
            code = codes[start:start + 5]
            first = _find(everything, code)
            if first >= 0 and _find(everything, code, first + 5) >= 0:
                duplicated.add(code)
    return duplicated


def _find(codes: bytes, code: bytes, start: int = 0) -> int:
    """Where 5-byte codes end to end hold `code` (at a multiple of 5), or -1."""
    at = codes.find(code, start)
    while at >= 0 and at % 5:
        at = codes.find(code, at + 1)
    return at


# Up to this many IPUIs asked about are looked up one by one, and up to this many changed
# files searched IPUI by IPUI, each a scan of the fleet's codes; more are answered in one
# pass over them.
_ASK_ONE_BY_ONE = 32
_SEARCH_ONE_BY_ONE = 8


def _identities(entries: list[tuple[SourceFile, CheckEntry]], codes: set[bytes],
                ) -> list[Identity]:
    """The claims of the duplicated IPUIs, with their places, in file order: the site
    files are checked again for them (a fleet's places are not kept)."""
    found = []
    for source, entry in entries:
        if not any(entry.codes[i:i + 5] in codes for i in range(0, len(entry.codes), 5)):
            continue
        identities = _check_site(source)[0].identities
        found += [identity for identity in identities if identity.ipui.code in codes]
    return found


# Sites are checked in worker processes, one per core, once there are this many to check:
# below it, starting the workers costs more than it saves (bench/).
PARALLEL_FROM = 24


def _check_all(sources: list[SourceFile], cache: Cache | None, planning: Planning | None,
               ) -> list[tuple[CheckEntry, Site | None, Early | None]]:
    """Every site's check, in file order: from the cache, or done afresh, in parallel when
    there are enough of them and more than one core. With `planning`, a site the cache
    cannot also recall as "nothing to do" is checked and planned afresh, in one step."""
    results: list[tuple[CheckEntry, Site | None, Early | None] | None] = []
    keys = []
    for source in sources:
        key = _cache_key(source) if cache is not None else None
        entry = cache.check(source.display, key) if cache is not None and key else None
        keys.append(key)
        if entry is None:
            results.append(None)
        elif planning is None or entry.summary is None:  # nothing to plan, or not now
            results.append((entry, None, None))
        else:
            recalled = _recall_early(planning.root, entry, cache)  # type: ignore[arg-type]
            results.append((entry, None, recalled) if recalled is not None else None)
    missing = [i for i, result in enumerate(results) if result is None]
    jobs = [(sources[i], keys[i], planning) for i in missing]
    # One worker more than the cores: a worker waits for the file system while it stages.
    workers = min((os.cpu_count() or 1) + 1, 8)
    if (os.cpu_count() or 1) > 1 and len(jobs) >= PARALLEL_FROM:
        from compiler.validate import prepare_validation

        prepare_validation()  # once, before the workers fork, rather than in each of them
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            fresh = list(pool.map(_check_fresh, jobs, chunksize=4))
    else:
        fresh = [_check_fresh(job) for job in jobs]
    for i, checked in zip(missing, fresh):
        results[i] = checked
        if cache is not None and keys[i] is not None:
            cache.adopt_check(sources[i].display, checked[0])
    return [result for result in results if result is not None]


def _cache_key(source: SourceFile) -> str | None:
    content = _regular_file_bytes(source.path)
    return Cache.check_key(source.display, content) if content is not None else None


def _check_fresh(job: tuple[SourceFile, str | None, Planning | None],
                 ) -> tuple[CheckEntry, Site | None, Early | None]:
    """One site checked afresh, and planned when asked to. What comes back is small: the
    places of its IPUIs stay behind, and a planned model goes."""
    source, key, planning = job
    entry, model = _check_site(source, key)
    entry = replace(entry, identities=[])
    if planning is None or model is None:
        return entry, model, None
    return entry, None, _plan_early(model, entry, planning)


def _recall_early(root: Path, entry: CheckEntry, cache: Cache) -> Early | None:
    """A cached site whose state and build/ are also as the cache last saw them, with
    nothing to do: recalled, not planned, assuming that no other site claims an IPUI it
    still deregisters (those are what the early plan asked)."""
    site = entry.summary
    assert site is not None
    target = target_for(site.model)
    assert target is not None
    directory = os.path.join(root, BUILD_DIR, site.name)  # a string: every site, every run
    recalled = cache.plan(site.source,
                          Cache.plan_key(entry.key, directory, target.file_name(site)))
    if recalled is None:
        return None
    state = State(site.name, site.mac, site.model, recalled.file, recalled.revision,
                  recalled.stamp, recalled.sha256, slots=())
    revision = Revision(recalled.revision, recalled.stamp)
    plan = SitePlan(site, state, (), (), recalled.diagnostics, revision, False,
                    released=recalled.released)
    return Early(Planned(plan, [], check_key=entry.key), recalled.released)


def _plan_early(model: Site, entry: CheckEntry, planning: Planning) -> Early:
    """Plan a site before the fleet's claims are known: assume that no other site claims an
    IPUI this one deregisters, and note which were asked about."""
    asked: set[bytes] = set()

    def elsewhere(ipui: Ipui) -> bool:
        asked.add(ipui.code)
        return False

    try:
        item = _plan_site(planning.root, model, planning.options, elsewhere, planning.stage)
    except OSError as err:
        return Early(None, failure=err)
    item.check_key = entry.key or None
    assert entry.summary is not None
    item.plan = item.plan.slim(entry.summary, planning.changes)
    return Early(item, frozenset(asked))


def _check_site(source: SourceFile, key: str | None = None) -> tuple[CheckEntry, Site | None]:
    """One site through load, validate and model: the entry holds the site without its
    handsets, and the model is the whole site (None when it has errors)."""
    from compiler.load import load_site  # loaded when a site is first read: a run the
    from compiler.validate import validate_site  # cache answers needs neither

    loaded = load_site(source.path, source.display)
    model = None
    if loaded.data is None:
        return CheckEntry.of(key or "", loaded.diagnostics, [], [], None), None
    site_check = validate_site(loaded.data, source.display, source.stem)
    if not has_errors(site_check.diagnostics):
        model = build_site(loaded.data, source.display)
    entry = CheckEntry.of(key or "", loaded.diagnostics + site_check.diagnostics,
                          site_check.advice, site_check.identities,
                          replace(model, handsets=()) if model is not None else None)
    return entry, model


def _regular_file_bytes(path: Path) -> bytes | None:
    """The file's bytes when it is a plain file the loader would read; a pipe or a device
    is left to the loader, which refuses it without reading."""
    try:  # os and open rather than pathlib: this runs for every site of every run
        if not stat.S_ISREG(os.stat(path).st_mode):  # before open(), which waits on a pipe
            return None
        with open(path, "rb") as stream:
            return stream.read()
    except OSError:
        return None


def plan(root: Path, checked: Checked, options: Options, stage: Faults | None = None,
         changes: bool = True) -> list[Planned]:
    """Plan every checked site against its state, render what the plan decided, and say
    what would be written. Nothing is written under its name here: with `stage` (a build),
    each new file is staged beside its target, for `write` to rename or `discard` to
    remove. Raises OSError when staging fails, after removing what it staged.

    A site planned early, while it was checked, keeps that plan unless another site claims
    an IPUI it assumed was free; it is planned again then. `changes=False` keeps of each
    plan only what a build needs."""
    early = checked.early
    failed = next((item.failure for item in early.values() if item.failure), None)
    if failed is not None:
        _discard_early(list(early.values()))
        early.clear()
        raise failed
    planned: list[Planned] = []
    try:
        for index, site in enumerate(checked.sites):
            item = _take_early(early.pop(site.name, None), site.name, checked.claims)
            if item is None:
                item = _plan_now(root, site, options, checked, stage, changes)
            elif checked.cache is not None:
                _remember_if_clean(checked.cache, item)
            planned.append(item)
            if site.handsets:  # the plan keeps what it needs; the model may go
                checked.sites[index] = replace(site, handsets=())
    except OSError:
        discard(planned)
        _discard_early(list(early.values()))
        raise
    moves = cross_site_moves([p.plan for p in planned])
    for item in planned:
        mine = tuple(d for d in moves if d.file == item.plan.site.source)
        if mine:
            item.plan = replace(item.plan, diagnostics=item.plan.diagnostics + mine)
    return planned


def _take_early(early: Early | None, name: str, claims: Claims) -> Planned | None:
    """The early plan, if what it assumed holds; else None, and its staged files are gone."""
    if early is None or early.planned is None:
        return None
    if any(claims.elsewhere(code, name) for code in early.asked):
        discard([early.planned])
        return None
    return early.planned


def _plan_now(root: Path, site: Site, options: Options, checked: Checked,
              stage: Faults | None, changes: bool = True) -> Planned:
    """Plan a site that was not planned early, or whose early plan (or recall) assumed that
    an IPUI is free which another site claims; the claims are known now."""
    if site.name in checked.cached:  # the model is not kept: check the file again
        model = _check_site(SourceFile(root / site.source, site.source))[1]
        assert model is not None, "a cached site without errors has a model"
        site = model
    claims = checked.claims
    item = _plan_site(root, site, options,
                      lambda ipui: claims.elsewhere(ipui.code, site.name), stage)
    cache, item.check_key = checked.cache, checked.keys.get(site.name)
    if cache is not None and item.check_key is not None:
        _remember_if_clean(cache, item)
    item.plan = item.plan.slim(replace(site, handsets=()), changes)
    return item


def _remember_if_clean(cache: Cache, item: Planned) -> None:
    """A site with nothing to do, whose build/ holds exactly what a build would write, is
    remembered as such; any other is forgotten."""
    plan = item.plan
    clean = (plan.state is not None and not plan.content_changed and not plan.refused
             and not item.strays and all(output.on_disk for output in item.outputs))
    if clean:
        remember_clean(cache, item)
    else:
        cache.forget_plan(plan.site.source)


def remember_clean(cache: Cache, item: Planned) -> None:
    """After its files were written (or found as they should be), a site's plan is "nothing
    to do" until its file, its state or its build/ directory change."""
    plan, key = item.plan, item.check_key
    if key is None or not item.outputs or plan.revision is None:
        return
    xml = item.outputs[0]
    plan_key = Cache.plan_key(key, xml.path.parent, xml.path.name)
    if plan_key is None:
        return
    released = plan.released_codes()
    warnings_only = tuple(d for d in plan.diagnostics if not d.is_error)
    cache.remember_plan(plan.site.source, PlanEntry(
        plan_key, warnings_only, plan.revision.number, plan.revision.stamp, xml.path.name,
        xml.sha256, released))


def _plan_site(root: Path, site: Site, options: Options, elsewhere: Callable[[Ipui], bool],
               stage: Faults | None = None) -> Planned:
    """One site planned and rendered; `elsewhere` says whether another site of the run
    claims an IPUI (one this site deregistered)."""
    target = target_for(site.model)
    assert target is not None, "validation admits only models with a target"
    directory = root / BUILD_DIR / site.name
    unsafe = _unsafe_directory(root, directory, site)
    if unsafe is not None:
        return Planned(SitePlan(site, None, (), (), (unsafe,)), [])
    read = read_state(directory, f"{BUILD_DIR}/{site.name}", site.name, site.mac)
    if read.diagnostics:  # nothing is planned against a state that cannot be trusted
        return Planned(SitePlan(site, None, (), (), read.diagnostics), [])
    state = read.state
    assigned = assign(site, state, target.keyed_by, target.capacity[site.model])
    slots = slot_table(assigned, state, state.revision + 1 if state else 1, elsewhere)
    identity, refused = refusals(site, state, assigned, handset_changes(assigned, state),
                                 options, target.refused_kinds)
    content, revision, changed = _content(target, site, slots, state, options)
    previous = _read_bytes(directory / state.file) if state else None
    changes = identity
    if changed:  # an unchanged file changes no field
        changes = identity + field_changes(
            target.read_items(previous) if previous else {}, target.read_items(content),
            target.item_scope, identity, state, assigned)
    diagnostics = (*refused, *warnings(site, changes, options))
    site_plan = SitePlan(site, state, slots, tuple(changes), diagnostics, revision, changed)
    file_name = target.file_name(site)
    digest = hashlib.sha256(content).hexdigest()
    state_bytes = to_json(new_state(site_plan, file_name, digest))
    strays = _strays(directory, {file_name, STATE_FILE})  # before anything is staged there
    outputs = [_output(directory / file_name, content, stage, digest)]
    try:
        outputs.append(_output(state_path(directory), state_bytes, stage))
    except OSError:
        discard([Planned(site_plan, outputs)])
        raise
    return Planned(site_plan, outputs, strays)


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
    return Output(path, sha256 or hashlib.sha256(content).hexdigest(), on_disk == content,
                  on_disk is None, staged, made)


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


def _content(target: Target, site: Site, slots: tuple[SlotAssignment, ...],
             state: State | None, options: Options) -> tuple[bytes, Revision, bool]:
    """The file, its revision, and whether its content changed. Rendering with the last
    revision shows whether anything but the revision would change."""
    if state is not None:
        content = target.render(site, slots, state)
        if hashlib.sha256(content).hexdigest() == state.sha256:
            return content, Revision(state.revision, state.stamp), False
    revision = next_revision(site, state, options.now)
    return target.render(site, slots, revision), revision, True


def _strays(directory: Path, keep: set[str]) -> list[Path]:
    """Files a build no longer writes: a file named for an old MAC, a crashed write's
    temporary file."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.is_file() and p.name not in keep)


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def stale(planned: list[Planned]) -> list[Diagnostic]:
    """What `check` reports: outputs on disk that differ from what a build would write,
    and files a build would remove."""
    found = []
    for item in planned:
        for output in item.outputs:
            if output.on_disk:
                continue
            what = "is missing" if output.missing else "is out of date"
            if not output.missing and not item.plan.content_changed and \
                    output.path.name != STATE_FILE:
                what = "was edited by hand (its sha256 is not the one in the state)"
            found.append(_stale(output.path, f"{what}; run 'make build' and commit build/"))
        found += [_stale(path, "is not written by the build (an old MAC, or a crashed "
                         "write); run 'make build', which removes it, and commit build/")
                  for path in item.strays]
    return found


def _stale(path: Path, message: str) -> Diagnostic:
    return Diagnostic("/".join(path.parts[-3:]), None, None, Severity.ERROR, "stale", "",
                      message)


def write(planned: list[Planned], faults: Faults | None = None,
          ) -> tuple[list[Output], list[Diagnostic]]:
    """Rename every staged file over its target, the provisioning file before its state,
    and remove what the build no longer writes. Stops at the first failure: every file is
    then either as it was or complete, the rest of the staged files are removed, and the
    next build repairs what is left."""
    written: list[Output] = []
    for number, item in enumerate(planned):
        try:
            written += _write_site(item, faults or Faults())
        except OSError as err:
            discard(planned[number:])
            return written, [_write_failed(item, err)]
    return written, []


def _write_site(item: Planned, faults: Faults) -> list[Output]:
    written = []
    for output in item.outputs:
        if output.staged is None:
            continue
        try:
            commit(output.staged, output.path, faults)
        except OSError as err:  # name the file, not its temporary twin
            raise OSError(err.errno, err.strerror, str(output.path)) from err
        written.append(output)
    for path in item.strays:
        path.unlink(missing_ok=True)
    return written


def discard(planned: list[Planned]) -> None:
    """Remove the staged files of a build that will not be written."""
    for item in planned:
        for output in item.outputs:
            if output.staged is not None:
                output.staged.unlink(missing_ok=True)
        for output in item.outputs:  # the directories staging made, once they are empty
            _remove_empty(output.made)


def staging_failed(err: OSError) -> Diagnostic:
    """A file could not be staged: nothing was written, and nothing is left staged."""
    path = Path(err.filename) if err.filename else Path(BUILD_DIR)
    reason = err.strerror or str(err)
    return Diagnostic("/".join(path.parts[-3:-1]) or BUILD_DIR, None, None, Severity.ERROR,
                      "write-failed", "", f"cannot write {path.name}: {reason}. Every file "
                      "is as it was or complete; fix the cause and build again")


def _write_failed(item: Planned, err: OSError) -> Diagnostic:
    where = Path(err.filename).name if err.filename else "its files"
    reason = err.strerror or str(err)
    return Diagnostic(f"{BUILD_DIR}/{item.plan.site.name}", None, None, Severity.ERROR,
                      "write-failed", "", f"cannot write {where}: {reason}. Every file is "
                      "as it was or complete; fix the cause and build again")
