"""The application: each command as a function of a root and its options that returns
values and prints nothing. The command line is a shell around it; a program can call it
as well, as often as it likes: `plan` and `check` change nothing under the root.

One command's flow: the site files are found (paths), each site is compiled (site.run:
from the cache, or afresh, in worker processes when there are many), the fleet pass
settles what needs every site (fleet.settle), and a build renames the staged files into
place (write). This module owns the lock and the cache.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compiler import site as site_stage
from compiler.cache import Cache
from compiler.diagnostics import (
    ADVICE_RULES,
    Diagnostic,
    Severity,
    has_errors,
    sorted_diagnostics,
)
from compiler.fleet import Fleet, settle
from compiler.paths import (
    BUILD_DIR,
    SECRETS_FILE,
    SITES_DIR,
    STATE_FILE,
    SourceFile,
    fleet_file,
    site_files,
)
from compiler.plan import Options, SitePlan
from compiler.removal import delete, removed_sites
from compiler.shared import Shared, read_shared
from compiler.site import Job, SiteResult
from compiler.workers import WorkerLost
from compiler.write import (
    Faults,
    build_lock,
    discard,
    signals_held,
    stopped_after,
    sweep,
    sweep_staged,
    write_results,
)

if TYPE_CHECKING:
    from compiler.effect import Effect
    from compiler.importer import FileOutput, Request
    from compiler.model import Site
    from compiler.publish import Publication
    from compiler.secrets_command import SecretsCommand
    from compiler.state import State
    from compiler.validate import Identity

CACHE_ENVIRONMENT = "DECTPROV_CACHE"  # "off": every site is compiled afresh
STRICT_RULES = ADVICE_RULES  # warnings that `validate --strict` makes errors
# Sites are compiled in worker processes, one per core and one more, once there are this
# many to compile: below it, starting the workers costs more than it saves (bench/).
PARALLEL_FROM = 24
# Told (sites done, sites in all) as the sites are compiled, for a progress line.
Progress = Callable[[int, int], None]


class Outcome(str, Enum):
    DONE = "done"
    INVALID = "invalid"  # nothing was written: the diagnostics say why
    FAILED = "failed"  # writing failed: every file is as it was or complete
    BUSY = "busy"  # another build of the root holds the lock
    NO_LOCK = "no-lock"  # the lock could not be taken: `problem` says why
    UNCHECKED = "unchecked"  # publish: `check` fails, so nothing is published


@dataclass(frozen=True)
class Planned:
    diagnostics: tuple[Diagnostic, ...]  # the files' and the fleet's; the plans hold theirs
    plans: tuple[SitePlan, ...]  # none when a file is invalid

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)

    @property
    def refused(self) -> bool:
        return any(plan.refused for plan in self.plans)

    @property
    def changed(self) -> bool:
        return any(plan.content_changed for plan in self.plans)


@dataclass(frozen=True)
class Built:
    outcome: Outcome
    diagnostics: tuple[Diagnostic, ...] = ()  # shown whether or not it wrote
    plans: tuple[SitePlan, ...] = ()
    written: tuple[Path, ...] = ()  # in the order they were renamed into place
    deleted: tuple[Path, ...] = ()  # the files of removed sites' builds (--force)
    problem: str = ""  # NO_LOCK: the system's words

    @property
    def changed(self) -> int:
        return sum(1 for plan in self.plans if plan.content_changed)


@dataclass(frozen=True)
class Checked:
    """What `validate` and `check` find: every problem, and how many sites are valid."""

    diagnostics: tuple[Diagnostic, ...]
    sites: int

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)


@dataclass(frozen=True)
class Published:
    outcome: Outcome
    diagnostics: tuple[Diagnostic, ...] = ()
    publications: tuple[Publication, ...] = ()  # what was written, in order
    problem: str = ""  # FAILED: the file, the system's words, what was and was not written


@dataclass(frozen=True)
class Imported:
    outcome: Outcome
    diagnostics: tuple[Diagnostic, ...] = ()
    written: tuple[FileOutput, ...] = ()
    problem: str = ""  # FAILED: the file and the system's words


@dataclass(frozen=True)
class Models:
    diagnostics: tuple[Diagnostic, ...]  # the files' and the fleet's
    sites: tuple[Site, ...]  # every valid site, whole, in file order


def now() -> datetime:
    """The clock, to the minute, as the plan uses it."""
    return datetime.now(UTC).replace(second=0, microsecond=0)


# -- the commands ------------------------------------------------------------------------


def validate(root: Path, files: Sequence[Path] = (), strict: bool = False,
             progress: Progress | None = None) -> Checked:
    """Every problem of every file, the refusals of their plans against build/ (what a
    build without its flags refuses, validate fails on), and the warnings of the plans
    that have a state to plan against."""
    fleet = _fleet(root, site_files(root, list(files)), Options(now=now()), progress=progress)
    plans = fleet.plans
    plan_diagnostics = sorted_diagnostics(d for plan in plans for d in plan.diagnostics)
    known = sorted_diagnostics(d for plan in plans if plan.state is not None
                               for d in plan.diagnostics)
    diagnostics = [*fleet.diagnostics, *(d for r in fleet.results for d in r.advice),
                   *(d for d in plan_diagnostics if d.rule == "state" or d.is_error),
                   *(d for d in known if not d.is_error)]
    if strict:
        diagnostics = [replace(d, severity=Severity.ERROR) if d.rule in STRICT_RULES else d
                       for d in diagnostics]
    valid = sum(1 for result in fleet.results if result.site is not None)
    return Checked(tuple(diagnostics), valid)


def models(root: Path, files: Sequence[Path] = ()) -> Models:
    """Every site file loaded, validated and modelled, whole, with the fleet's checks;
    nothing is planned. (For programs and tests: a whole fleet's models take memory.)"""
    sources = site_files(root, list(files))
    shared = _shared(root)
    if not shared.ok:
        return Models(shared.diagnostics, ())
    results = [site_stage.check_site(s, shared) for s in sources if s.refusal is None]
    fleet = settle(sources, results, lambda result: result.identities)
    return Models(fleet.diagnostics, tuple(r.site for r in results if r.site is not None))


def plan(root: Path, files: Sequence[Path] = (), options: Options | None = None,
         progress: Progress | None = None) -> Planned:
    """What a build would change on each device, against build/<site>/state.json."""
    options = options or Options(now=now())
    sources = site_files(root, list(files))
    fleet = _fleet(root, sources, options, changes=True, progress=progress)
    removed = removed_sites(root, sources, options) if fleet.ok and not files else ()
    return Planned(fleet.diagnostics, fleet.plans + removed)


def check(root: Path, progress: Progress | None = None) -> Checked:
    """Whether every site is valid and build/ holds what a build would write, and
    nothing else."""
    sources = site_files(root)
    fleet = _fleet(root, sources, Options(now=now()), progress=progress)
    return Checked(_check_diagnostics(root, sources, fleet), len(fleet.planned))


@dataclass(frozen=True)
class Compared:
    """What `plan --base-ref` and `check --base-ref` find: what `check` finds, and the
    effect of moving from the revision's build/ to this tree's."""

    checked: Checked
    effect: Effect

    @property
    def ok(self) -> bool:
        return self.checked.ok and self.effect.ok


def compare(root: Path, ref: str, moment: datetime | None = None) -> Compared:
    """The effect on each device of its file changing from the one committed at git
    revision `ref` to the one in this tree's build/, computed from the two files and
    states; with everything `check` fails on."""
    from compiler import effect

    sources = site_files(root)
    fleet = _fleet(root, sources, Options(now=moment or now()))
    checked = Checked(_check_diagnostics(root, sources, fleet), len(fleet.planned))
    sites = {r.site.name: r.site for r in fleet.results if r.site is not None}
    return Compared(checked, effect.compare(root, ref, sites, checked.diagnostics))


def build(root: Path, files: Sequence[Path] = (), options: Options | None = None,
          wait: bool = True, on_wait: Callable[[], None] | None = None,
          before_writing: Callable[[Sequence[Diagnostic]], None] | None = None,
          progress: Progress | None = None) -> Built:
    """Compile every site and write build/<site>/, all of it or nothing, under the
    root's lock (`wait` False: give up at once when another build holds it; `on_wait` is
    called before waiting). `before_writing` is given the build's warnings once it is
    known to be fine, before the first file is renamed into place: a build stopped while
    it writes has shown them."""
    options = options or Options(now=now())
    sources = site_files(root, list(files))
    if not sources:  # not a project: no lock file is left here
        return Built(Outcome.INVALID, _compile(root, sources, options, None)[1].diagnostics)
    try:
        with build_lock(root, wait=wait, on_wait=on_wait) as held:
            if not held:
                return Built(Outcome.BUSY)
            return _build_locked(root, sources, options, Faults.from_environment(),
                                 before_writing, everything=not files, progress=progress)
    except OSError as err:
        return Built(Outcome.NO_LOCK, problem=err.strerror or str(err))


def _build_locked(root: Path, sources: Sequence[SourceFile], options: Options,
                  faults: Faults,
                  before_writing: Callable[[Sequence[Diagnostic]], None] | None,
                  everything: bool = True, progress: Progress | None = None) -> Built:
    """The build, under the lock: files are staged as the sites are compiled, and renamed
    into place once every site is known to be fine. A build of every site file
    (`everything`) also deletes the builds of sites removed, with --force."""
    cache = _cache(root)
    try:
        jobs, fleet = _compile(root, sources, options, cache, stage=faults, progress=progress)
        results = fleet.planned
        removed = removed_sites(root, sources, options) if fleet.ok and everything else ()
        failure = next((r.failure for r in fleet.results if r.failure is not None), None)
        diagnostics = [*fleet.diagnostics,
                       *sorted_diagnostics(d for r in results for d in r.plan.diagnostics),
                       *(d for plan in removed for d in plan.diagnostics)]
        if not fleet.ok or failure is not None or has_errors(diagnostics):
            discard(fleet.results)
            _save(cache)
            shown = fleet.diagnostics if not fleet.ok else (failure,) if failure else diagnostics
            return Built(Outcome.INVALID, tuple(shown))
        if before_writing is not None:
            before_writing(tuple(diagnostics))
    except BaseException:  # a signal or a dead worker: nothing staged is written
        sweep(root)
        raise
    written, problem = write_results(results, faults)
    with stopped_after(written):
        return _after_writing(root, jobs, fleet, cache, options, removed, diagnostics,
                              written, problem)


def _after_writing(root: Path, jobs: Sequence[Job], fleet: Fleet, cache: Cache | None,
                   options: Options, removed: tuple[SitePlan, ...],
                   diagnostics: list[Diagnostic], written: tuple[Path, ...],
                   problem: Diagnostic | None) -> Built:
    """The builds of removed sites deleted, the cache told what was written."""
    deleted: tuple[Path, ...] = ()
    if problem is None and removed:
        deleted, failed = delete(root, removed)
        if failed is not None:
            problem = Diagnostic(f"{BUILD_DIR}/", None, None, Severity.ERROR, "write-failed",
                                 "", failed)
    if cache is not None and problem is None:  # what was written has nothing left to do
        for job, result in zip(jobs, fleet.results):
            if result.strays or any(output.staged for output in result.outputs):
                cache.remember(job, result.written(options))
    _save(cache)
    if problem is not None:
        return Built(Outcome.FAILED, (*diagnostics, problem), fleet.plans + removed, written,
                     deleted=deleted)
    return Built(Outcome.DONE, tuple(diagnostics), fleet.plans + removed, written,
                 deleted=deleted)


def publish(root: Path, to: Path, sites: Sequence[str] = (),
            secrets: Path | None = None, command: SecretsCommand | None = None,
            ) -> Published:
    """build/'s files with their secrets resolved, written into `to`: all of the chosen
    sites (default: every site), or nothing. `check` must pass first; every site is
    compiled afresh for it, without the cache. The secrets come from the environment,
    then from `command`'s output, or `secrets`, or secrets.yaml in the root."""
    sources = site_files(root)
    jobs, fleet = _compile(root, sources, Options(now=now()), None)
    diagnostics = _check_diagnostics(root, sources, fleet)
    if has_errors(diagnostics):
        return Published(Outcome.UNCHECKED, diagnostics)
    from compiler import publish as publish_stage
    from compiler.secrets import load_store

    chosen, unknown = _choose(fleet.planned, sites)
    store, problems = load_store(root, secrets, command)
    if any(problem.rule == "secret-command" for problem in problems):
        # The command gave nothing: every secret would be said to be missing besides.
        return Published(Outcome.INVALID, tuple(sorted_diagnostics(problems + unknown)))
    by_source = {job.source.display: job.source for job in jobs}
    wholes, changed = _whole_sites(chosen, by_source, jobs[0].shared if jobs else None)
    publications, missing = publish_stage.resolve(root, wholes, store, to)
    problems += unknown + changed + missing + _shared_variables(wholes)
    if problems:
        return Published(Outcome.INVALID, tuple(sorted_diagnostics(problems)))
    try:
        publish_stage.write(publications)
    except publish_stage.WriteFailed as failed:
        return Published(Outcome.FAILED, publications=failed.written, problem=failed.problem)
    return Published(Outcome.DONE, publications=tuple(publications))


def _shared_variables(wholes: Sequence[tuple[State, Site]]) -> list[Diagnostic]:
    """Secrets of two sites read from one environment variable (`care/home-1` and
    `care-home/1`): one site would be given the other's password."""
    from compiler.secrets import SecretRef, collision_message, collisions

    where: dict[str, Site] = {}
    for _, site in wholes:
        for handset in site.handsets:
            if isinstance(handset.password, SecretRef):
                where.setdefault(handset.password.name, site)
        for secret in site.settings.secrets:
            where.setdefault(secret.ref.name, site)
    return [Diagnostic(where[name].source, None, None, Severity.ERROR, "secret-collision", "",
                       collision_message(name, earlier, f" (in {where[earlier].source})"))
            for name, earlier in collisions(where) if where[name] is not where[earlier]]


def _choose(results: Sequence[SiteResult], names: Sequence[str],
            ) -> tuple[list[SiteResult], list[Diagnostic]]:
    if not names:
        return list(results), []
    known = {result.name for result in results}
    unknown = [Diagnostic("--site", None, None, Severity.ERROR, "site-unknown", "",
                          f"no site is named '{name}'") for name in names if name not in known]
    return [result for result in results if result.name in names], unknown


def _whole_sites(results: Sequence[SiteResult], sources: dict[str, SourceFile],
                 shared: Shared | None = None,
                 ) -> tuple[list[tuple[State, Site]], list[Diagnostic]]:
    """Each chosen site's state and whole model (a summary has no handsets, which say
    where each secret is used): the site file is compiled again for it."""
    wholes, problems = [], []
    for result in results:
        assert result.plan is not None and result.plan.state is not None
        whole = site_stage.check_site(sources[result.source], shared).site
        if whole is None or whole.name != result.name:
            problems.append(Diagnostic(result.source, None, None, Severity.ERROR, "stale",
                                       "", "the site file changed while it was published; "
                                       "publish again"))
            continue
        wholes.append((result.plan.state, whole))
    return wholes, problems


def import_site(request: Request, moment: datetime | None = None,
                on_wait: Callable[[], None] | None = None) -> Imported:
    """An existing provisioning file becomes a site: its site file, its secrets and its
    build/<site>/, under the root's lock; all of it, or nothing."""
    from compiler import importer

    diagnostics: tuple[Diagnostic, ...] = ()
    try:
        with build_lock(request.root, wait=True, on_wait=on_wait):
            # What a killed import staged: its site file, its secrets, its build.
            secrets = request.secrets or request.root / SECRETS_FILE
            sweep_staged(secrets.parent, glob.escape(secrets.name))
            sweep_staged((request.out or request.root / SITES_DIR / "x").parent, "*.yaml")
            sweep(request.root)
            prepared = importer.prepare(request, moment or now())
            diagnostics = tuple(prepared.diagnostics)
            if not prepared.ok:
                return Imported(Outcome.INVALID, diagnostics)
            written = importer.write(prepared)
    except OSError as err:
        return Imported(Outcome.FAILED, diagnostics,
                        problem=f"{err.filename or request.root}: {err.strerror}")
    return Imported(Outcome.DONE, diagnostics, tuple(written))


# -- compiling a fleet -------------------------------------------------------------------


def _cache(root: Path) -> Cache | None:
    """The cache of this root, unless DECTPROV_CACHE=off."""
    if os.environ.get(CACHE_ENVIRONMENT, "").lower() in ("off", "0", "no"):
        return None
    return Cache.open(root)


def _save(cache: Cache | None) -> None:
    if cache is not None:
        cache.save()


def _fleet(root: Path, sources: Sequence[SourceFile], options: Options,
           changes: bool = False, progress: Progress | None = None) -> Fleet:
    """Every site compiled with the root's cache, which is saved, and the fleet settled."""
    cache = _cache(root)
    _, fleet = _compile(root, sources, options, cache, changes=changes, progress=progress)
    _save(cache)
    return fleet


def _compile(root: Path, sources: Sequence[SourceFile], options: Options,
             cache: Cache | None, stage: Faults | None = None, changes: bool = False,
             progress: Progress | None = None) -> tuple[list[Job], Fleet]:
    """Every site of `sources` compiled, and the fleet settled, with the job of each
    result. `changes` keeps every change of each plan, to be shown."""
    shared = _shared(root, cache)
    if not shared.ok:  # every site may take from it: none is compiled until it is right
        return [], Fleet((), tuple(sorted_diagnostics(shared.diagnostics)))
    jobs = [Job(source, root, options, stage, changes, shared) for source in sources
            if source.refusal is None]
    by_source = {job.source.display: job for job in jobs}

    def places(result: SiteResult) -> Sequence[Identity]:
        return site_stage.check_site(by_source[result.source].source, shared).identities

    results = _results(jobs, cache, progress)
    disjoint = cache.disjoint(jobs) if cache is not None else frozenset()
    fleet = settle(sources, results, places, disjoint)
    if cache is not None and fleet.disjoint:
        cache.remember_disjoint(jobs)
    return jobs, fleet


def _shared(root: Path, cache: Cache | None = None) -> Shared:
    """fleet.yaml, read once for the run; a run without one, or with the one the cache
    knows, parses no YAML for it."""
    if fleet_file(root) is None:
        return Shared()
    shared = read_shared(root, cache.fleet_digests if cache is not None else lambda _: None)
    if cache is not None:
        cache.remember_fleet(shared)
    return shared


def _results(jobs: list[Job], cache: Cache | None,
             progress: Progress | None = None) -> list[SiteResult]:
    """Every site's result, in order: from the cache, or compiled afresh, in worker
    processes when there are enough of them and more than one core."""
    recalled = [cache.recall(job) if cache is not None else None for job in jobs]
    missing = [job for job, result in zip(jobs, recalled) if result is None]
    told = _told(progress, len(jobs) - len(missing), len(jobs))
    fresh = iter(_run_all(missing, told))
    results = []
    for job, result in zip(jobs, recalled):
        if result is None:
            result = next(fresh)
            if cache is not None:
                cache.remember(job, result)
        results.append(result)
    return results


def _told(progress: Progress | None, recalled: int, total: int) -> Callable[[], None]:
    """What to call as each site is compiled afresh (the recalled ones are done)."""
    if progress is None:
        return lambda: None
    done = [recalled]
    progress(recalled, total)

    def one_more() -> None:
        done[0] += 1
        progress(done[0], total)
    return one_more


def _run_all(jobs: list[Job], told: Callable[[], None] = lambda: None) -> list[SiteResult]:
    cores = os.cpu_count() or 1
    if cores == 1 or len(jobs) < PARALLEL_FROM:
        return [_counted(site_stage.run(job), told) for job in jobs]
    import multiprocessing  # only for a fleet: a one-site run does without them
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    from compiler import workers
    from compiler.validate import prepare_validation

    prepare_validation()  # once, before the workers fork, rather than in each of them
    context = multiprocessing.get_context("fork")
    # One worker more than the cores: a worker waits for the file system while it stages.
    pool = ProcessPoolExecutor(min(cores + 1, 8), mp_context=context,
                               initializer=workers.started, initargs=(os.getpid(),))
    try:
        with signals_held():  # a stop that lands while a worker is forked waits for it
            pending = pool.map(workers.run, jobs, chunksize=4)
        results = [_counted(result, told) for result in pending]
    except BrokenProcessPool as broken:
        pool.shutdown(wait=True, cancel_futures=True)
        raise WorkerLost() from broken
    except BaseException:
        # Stopped by a signal: the workers are ended rather than waited for (a worker
        # forked while the pool's thread held a lock may never start), and the pool's
        # thread, which then finds them gone, ends quietly.
        _end_workers(pool)
        raise
    pool.shutdown(wait=True)
    return results


def _counted(result: SiteResult, told: Callable[[], None]) -> SiteResult:
    told()
    return result


def _end_workers(pool: Any) -> None:
    """Kill the pool's workers and shut it down. The pool's own threads, which find them
    gone (now or while the process ends), say nothing: the command's line has said it."""
    import multiprocessing
    import threading

    previous = threading.excepthook

    def quiet(args: Any) -> None:
        name = type(args.thread).__name__ if args.thread is not None else ""
        if name != "_ExecutorManagerThread" and not (
                args.thread is not None and args.thread.name.startswith("QueueFeederThread")):
            previous(args)

    threading.excepthook = quiet
    for child in multiprocessing.active_children():
        child.kill()
    pool.shutdown(wait=True, cancel_futures=True)


# -- check -------------------------------------------------------------------------------


def _check_diagnostics(root: Path, sources: Sequence[SourceFile],
                       fleet: Fleet) -> tuple[Diagnostic, ...]:
    """What `check` (and publish, before it writes) fails on: invalid files, refused plans,
    build/ not as a build would leave it, and what in build/ belongs to no site."""
    errors = [d for d in sorted_diagnostics(d for p in fleet.plans for d in p.diagnostics)
              if d.is_error]
    return (*fleet.diagnostics, *errors, *stale(fleet.planned), *_strangers(root, sources))


def _strangers(root: Path, sources: Sequence[SourceFile]) -> list[Diagnostic]:
    """What is under build/ but belongs to no site file: the build of a site whose file
    was deleted or renamed, or a file put there by hand. A reviewer could not tell what
    the provisioning server would be given."""
    try:
        entries = sorted(os.listdir(os.path.join(root, BUILD_DIR)))
    except OSError:
        return []  # no build/ (or not a directory: the plan says so)
    sites = {source.stem for source in sources}
    return [Diagnostic(f"{BUILD_DIR}/{entry}", None, None, Severity.ERROR, "stale", "",
                       "belongs to no site file (a site file was deleted or renamed, or this "
                       "was put here by hand): the build of a removed site is deleted by a "
                       "build with --force; anything else, delete from git")
            for entry in entries if entry not in sites]


def stale(results: Sequence[SiteResult]) -> list[Diagnostic]:
    """Files under build/ that differ from what a build would write, and files a build
    would remove."""
    found = []
    for result in results:
        assert result.plan is not None
        for output in result.outputs:
            if output.on_disk:
                continue
            what = "is missing" if output.missing else "is out of date"
            if not output.missing and not result.plan.content_changed and \
                    output.name != STATE_FILE:
                what = "was edited by hand (its sha256 is not the one in the state)"
            found.append(_stale(output.path, f"{what}; run 'dectprov build' and commit build/"))
        found += [_stale(path, "is not written by the build (an old MAC, or a crashed "
                         "write); run 'dectprov build', which removes it, and commit build/")
                  for path in result.strays]
    return found


def _stale(path: Path, message: str) -> Diagnostic:
    return Diagnostic("/".join(path.parts[-3:]), None, None, Severity.ERROR, "stale", "",
                      message)
