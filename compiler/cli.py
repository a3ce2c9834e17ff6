"""The command line: arguments in, exit code out. It parses the arguments, calls the
application (app.py), prints what it returns and picks the exit code from one table; it
decides nothing else.

What only one command uses (the plan's renderers) is imported in that command: every
command starts faster, and CI runs them on every commit.
"""

from __future__ import annotations

import gc
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

from compiler import __version__
from compiler import app as application
from compiler.app import CACHE_ENVIRONMENT, Outcome
from compiler.diagnostics import (
    Diagnostic,
    Severity,
    render_json,
    render_text,
    sorted_diagnostics,
)
from compiler.paths import LOCK_FILE
from compiler.plan import ChangeKind, Options, SitePlan
from compiler.schema import FLEET_SCHEMA, SITE_SCHEMA, schema_text
from compiler.workers import WorkerLost
from compiler.write import STOPPING_SIGNALS, Stopped

if TYPE_CHECKING:
    from compiler.publish import Publication

EXIT_OK = 0
EXIT_INVALID = 1  # invalid input, refused change, stale build
EXIT_CHANGES = 2  # plan --detailed-exitcode only
EXIT_USAGE = 64  # wrong command-line usage (sysexits' EX_USAGE)
__all__ = ["CACHE_ENVIRONMENT", "main"]

app = typer.Typer(
    name="dectprov",
    help="Compile Gigaset DECT site YAML into provisioning files.",
    add_completion=True,  # --install-completion, --show-completion (README)
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class DiagnosticFormat(str, Enum):
    text = "text"
    json = "json"


Files = Annotated[list[Path] | None, typer.Argument(
    help="Site files; default: every sites/*.yaml under the root.", show_default=False)]
Root = Annotated[Path, typer.Option("--root", help="Where sites/ and build/ are.",
                                    file_okay=False)]
Now = Annotated[str | None, typer.Option(
    "--now", help="The moment for window checks and the version stamp: "
    "'YYYY-MM-DD HH:MM', optionally with an ISO 8601 offset (default: the clock, UTC).",
    show_default=False)]


def _now(text: str | None) -> datetime:
    if text is None:
        return application.now()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter("expected 'YYYY-MM-DD HH:MM', optionally with an offset "
                                 "such as +01:00", param_hint="--now") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if not 2000 <= moment.year <= 2098:  # a stamp's year has two digits; any zone fits
        raise typer.BadParameter("expected a moment from 2000 to 2098: the device's version "
                                 "stamps write the year in two digits", param_hint="--now")
    return moment.astimezone(UTC)


def _count(count: int, noun: str) -> str:
    """'1 site', '2 sites', '0 files', '2,000 sites': the noun in the number's form."""
    return f"{count} {noun}" if count == 1 else f"{count:,} {noun}s"


def _sites(count: int) -> str:
    return _count(count, "site")


def _out(text: str) -> None:
    sys.stdout.write(text)


def _err(text: str) -> None:
    sys.stderr.write(text)


PROGRESS_AFTER = 1.0  # seconds: a quicker run shows no progress line
_PROGRESS_EVERY = 0.1  # seconds between two updates of the line


class Progress:
    """How many sites are compiled, on one line of standard error rewritten in place, once
    a run has taken PROGRESS_AFTER seconds, and only when standard error is a terminal
    (never in a pipe, a file or CI). The line is erased when the sites are done."""

    def __init__(self, stream: TextIO, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.clock = clock
        self.start = clock()
        self.shown_at: float | None = None
        self.terminal = _is_terminal(stream)

    def __call__(self, done: int, total: int) -> None:
        if not self.terminal:
            return
        moment = self.clock()
        if done >= total:
            self.close()
        elif moment - self.start >= PROGRESS_AFTER and (
                self.shown_at is None or moment - self.shown_at >= _PROGRESS_EVERY):
            self.shown_at = moment
            self.stream.write(f"\rdectprov: {done:,} of {total:,} sites compiled\x1b[K")
            self.stream.flush()

    def close(self) -> None:
        if self.shown_at is not None:
            self.shown_at = None
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no such method, or closed
        return False


@contextmanager
def _progress() -> Iterator[Progress]:
    shown = Progress(sys.stderr)
    try:
        yield shown
    finally:
        shown.close()


class PlanFormat(str, Enum):
    text = "text"
    markdown = "markdown"
    json = "json"


AllowReregistration = Annotated[bool, typer.Option(
    "--allow-reregistration",
    help="Build even when handsets move between slots and must be registered again by "
         "hand.")]
Force = Annotated[bool, typer.Option("--force",
                                     help="Build past the deregistration threshold.")]
ReplaceDevice = Annotated[bool, typer.Option(
    "--replace-device",
    help="Build a site whose MAC or model changed: a new DM, on which every handset "
         "registers again.")]
BaseRef = Annotated[str | None, typer.Option(
    "--base-ref", help="Compare this tree's build/ with the one committed at this git "
    "revision (read from the root's repository): what each device does when its file "
    "changes from the one to the other.", show_default=False)]


@app.command()
def validate(files: Files = None, root: Root = Path("."),
             format: Annotated[DiagnosticFormat, typer.Option(
                 "--format", help="How to print the diagnostics.")] = DiagnosticFormat.text,
             strict: Annotated[bool, typer.Option(
                 "--strict", help="Passwords written in a site file are errors, not "
                 "warnings.")] = False,
             ) -> int:
    """Check site files; print every problem of every file, and the plan's warnings."""
    with _one_document(format is DiagnosticFormat.json, render_json), \
            _progress() as progress:
        validated = application.validate(root, files or (), strict, progress)
    if format is DiagnosticFormat.json:
        _out(render_json(validated.diagnostics))
    else:
        _err(render_text(validated.diagnostics))
        if validated.ok:
            _out(f"{_sites(validated.sites)} valid.\n")
    return EXIT_OK if validated.ok else EXIT_INVALID


@app.command()
def plan(files: Files = None, root: Root = Path("."), now: Now = None,
         format: Annotated[PlanFormat, typer.Option(
             "--format", help="text for people, markdown for a pull-request comment, json "
             "for tools.")] = PlanFormat.text,
         detailed_exitcode: Annotated[bool, typer.Option(
             "--detailed-exitcode", help="Exit 2 when there are changes, 0 when none.")] = False,
         allow_reregistration: AllowReregistration = False, force: Force = False,
         replace_device: ReplaceDevice = False, base_ref: BaseRef = None,
         ) -> int:
    """Show what a build would change on each device, against build/<site>/state.json."""
    if base_ref is not None:
        if files or allow_reregistration or force or replace_device:
            raise typer.BadParameter("compares every site's files, built: it takes no site "
                                     "files, --allow-reregistration, --force or "
                                     "--replace-device",
                                     param_hint="--base-ref")
        return _plan_against(root, base_ref, _now(now), format, detailed_exitcode)
    options = Options(_now(now), allow_reregistration, force, replace_device)
    from compiler import render_plan

    with _one_document(format is PlanFormat.json,
                       lambda found: render_plan.render_json([], found)), \
            _progress() as progress:
        planned = application.plan(root, files or (), options, progress)

    if format is PlanFormat.json:  # one document, whatever the exit code
        _out(render_plan.render_json(list(planned.plans), planned.diagnostics))
    if not planned.ok:
        _err(render_text(planned.diagnostics))
        return EXIT_INVALID
    if format is not PlanFormat.json:
        _out(_pick(format, render_plan.render_text, render_plan.render_markdown,
                   render_plan.render_json)(list(planned.plans)))
    if planned.refused:
        return EXIT_INVALID
    return EXIT_CHANGES if detailed_exitcode and planned.changed else EXIT_OK


@contextmanager
def _one_document(json: bool, render: Callable[[list[Diagnostic]], str]) -> Iterator[None]:
    """With `json`, a run that a lost worker or a signal ends still prints its one JSON
    document (`render` of a diagnostic that says so) before main says it on stderr."""
    try:
        yield
    except (WorkerLost, Stopped) as ended:
        if json:
            message = (f"stopped by {signal.Signals(ended.signal_number).name}"
                       if isinstance(ended, Stopped) else
                       "a worker process ended before it returned its sites")
            _out(render([Diagnostic("", None, None, Severity.ERROR, "interrupted", "",
                                    message + "; nothing was written")]))
        raise


def _pick(format: PlanFormat, text: Callable[[Any], str], markdown: Callable[[Any], str],
          json: Callable[[Any], str]) -> Callable[[Any], str]:
    return {PlanFormat.text: text, PlanFormat.markdown: markdown, PlanFormat.json: json}[format]


def _plan_against(root: Path, ref: str, moment: datetime, format: PlanFormat,
                  detailed_exitcode: bool) -> int:
    """plan --base-ref: the effect, and on standard error what check finds that no site's
    section shows."""
    from compiler import render_plan

    with _one_document(format is PlanFormat.json,
                       lambda found: render_plan.render_json([], found)):
        compared = application.compare(root, ref, moment)
    effect = compared.effect

    shown = {d for site in effect.sites for d in site.stale}
    unshown = [d for d in compared.checked.diagnostics if d not in shown]
    if format is PlanFormat.json:  # one document, whatever the exit code
        _out(render_plan.render_effect_json(effect, unshown if effect.commit else ()))
    if not effect.commit:
        _err(render_text(effect.diagnostics))
        return EXIT_INVALID
    if format is not PlanFormat.json:
        _out(_pick(format, render_plan.render_effect_text, render_plan.render_effect_markdown,
                   render_plan.render_effect_json)(effect))
    _err(render_text([*unshown, *effect.diagnostics]))
    if not compared.ok:
        return EXIT_INVALID
    return EXIT_CHANGES if detailed_exitcode and effect.changed else EXIT_OK


def _removal(plan: SitePlan) -> bool:
    return any(change.kind is ChangeKind.SITE_REMOVED for change in plan.changes)


@app.command()
def build(files: Files = None, root: Root = Path("."), now: Now = None,
          allow_reregistration: AllowReregistration = False, force: Force = False,
          replace_device: ReplaceDevice = False,
          no_wait: Annotated[bool, typer.Option(
              "--no-wait", help="Exit 1 at once when another build of this root is "
                                "running, instead of waiting for it.")] = False,
          ) -> int:
    """Validate and plan the sites, then write build/<site>/<MAC>.xml and state.json."""
    options = Options(_now(now), allow_reregistration, force, replace_device)
    shown: list[Diagnostic] = []

    def warn(diagnostics: Sequence[Diagnostic]) -> None:  # before anything is written
        _err(render_text(diagnostics))
        shown.extend(diagnostics)

    with _progress() as progress:
        built = application.build(root, files or (), options, wait=not no_wait,
                                  on_wait=_waiting, before_writing=warn, progress=progress)
    if built.outcome is Outcome.BUSY:
        _err(f"dectprov: another build of this root holds the lock ({LOCK_FILE}); "
             "nothing was written\n")
        return EXIT_INVALID
    if built.outcome is Outcome.NO_LOCK:
        _err(f"dectprov: cannot lock {root / LOCK_FILE}: {built.problem}; nothing was "
             "written\n")
        return EXIT_INVALID
    if built.outcome is Outcome.INVALID:
        return _nothing_written(built.diagnostics)
    _err(render_text(d for d in built.diagnostics if d not in shown))
    if built.outcome is Outcome.FAILED:
        return EXIT_INVALID
    removed = [plan.site.name for plan in built.plans if _removal(plan)]
    sites = len(built.plans) - len(removed)
    changed = built.changed - len(removed)
    gone = "".join(f"; build/{name}/ deleted" for name in removed)
    _out(f"Built {_sites(sites)}: {changed} changed, {sites - changed} unchanged "
         f"({_count(len(built.written), 'file')} written{gone}).\n")
    return EXIT_OK


def _waiting() -> None:
    _err(f"dectprov: waiting for another build of this root ({LOCK_FILE})...\n")


def _nothing_written(diagnostics: Sequence[Diagnostic]) -> int:
    _err(render_text(diagnostics))
    _err("Nothing was written: fix the errors above.\n")
    return EXIT_INVALID


@app.command()
def check(root: Root = Path("."), base_ref: Annotated[str | None, typer.Option(
              "--base-ref", help="Also fail when, from the build/ committed at this git "
              "revision to this tree's, a device would move, swap or lose handsets, or keep "
              "one it should deregister, without a build that was allowed to.",
              show_default=False)] = None) -> int:
    """For CI: fail when a site is invalid or build/ is not what a build would write."""
    if base_ref is not None:
        return _check_against(root, base_ref)
    with _progress() as progress:
        checked = application.check(root, progress)
    _err(render_text(checked.diagnostics))
    if not checked.ok:
        return EXIT_INVALID
    _out(f"{_sites(checked.sites)} valid; build/ is up to date.\n")
    return EXIT_OK


def _check_against(root: Path, ref: str) -> int:
    compared = application.compare(root, ref)
    effect = compared.effect
    _err(render_text(sorted_diagnostics([
        *compared.checked.diagnostics, *effect.diagnostics,
        *(d for site in effect.sites for d in site.diagnostics)])))
    if not compared.ok:
        return EXIT_INVALID
    _out(f"{_sites(compared.checked.sites)} valid; build/ is up to date; from {ref}, no "
         "device moves, swaps or loses handsets, or keeps one it should deregister, "
         "unless a build was allowed to.\n")
    return EXIT_OK


@app.command()
def publish(
    to: Annotated[Path, typer.Option("--to", help="Where the provisioning server serves the "
                                     "files from.", file_okay=False)],
    root: Root = Path("."),
    site: Annotated[list[str] | None, typer.Option(
        "--site", help="Publish only this site (repeatable).", show_default=False)] = None,
    secrets: Annotated[Path | None, typer.Option(
        "--secrets", help="The secrets file (default: secrets.yaml in the root, if any).",
        dir_okay=False, show_default=False)] = None,
    secrets_command: Annotated[str | None, typer.Option(
        "--secrets-command", metavar="CMD", help="Read the secrets YAML from this command's "
        "output instead of a file, e.g. 'sops -d secrets.enc.yaml'; run without a shell.",
        show_default=False)] = None,
    secrets_shell: Annotated[bool, typer.Option(
        "--secrets-shell", help="Run --secrets-command with /bin/sh -c (pipes, $VARS).",
    )] = False,
    secrets_timeout: Annotated[float | None, typer.Option(
        "--secrets-timeout", metavar="SECONDS", min=0.001, help="How long --secrets-command "
        "may take (default: 60).", show_default=False)] = None,
) -> int:
    """Resolve the secrets of the files under build/ and write them to the server's folder."""
    from compiler.publish import Interrupted, stopping_on_signals
    from compiler.secrets_command import DEFAULT_TIMEOUT, SecretsCommand

    command = None
    if secrets_command is not None:
        if secrets is not None:
            raise typer.BadParameter("give the secrets as a file or as a command's output, "
                                     "not both", param_hint="--secrets-command")
        command = SecretsCommand(secrets_command, secrets_shell,
                                 secrets_timeout or DEFAULT_TIMEOUT)
    elif secrets_shell or secrets_timeout is not None:
        raise typer.BadParameter("says how to run --secrets-command, which is not given",
                                 param_hint="--secrets-shell" if secrets_shell
                                 else "--secrets-timeout")
    try:
        with stopping_on_signals():
            published = application.publish(root, to, site or (), secrets, command)
    except Interrupted as stop:  # SIGINT, SIGTERM, SIGHUP: 128 + the signal, as a shell says
        _published(stop.written)
        _err(f"dectprov: {stop.summary}\n")
        return 128 + stop.signum
    if published.outcome is Outcome.UNCHECKED:
        _err(render_text(published.diagnostics))
        _err("Nothing was published: 'dectprov check' must pass first.\n")
        return EXIT_INVALID
    if published.outcome is Outcome.INVALID:
        _err(render_text(published.diagnostics))
        _err("Nothing was published.\n")
        return EXIT_INVALID
    _published(published.publications)
    if published.outcome is Outcome.FAILED:
        _err(f"dectprov: cannot write {published.problem}\n")
        return EXIT_INVALID
    return EXIT_OK


def _published(publications: Sequence[Publication]) -> None:
    for item in publications:
        _out(f"Published {item.site}: revision {item.revision}, MAC {item.mac} -> "
             f"{item.path}\n")


@app.command(name="import")
def import_(
    file: Annotated[Path, typer.Argument(help="The N720 provisioning file to import.",
                                         dir_okay=False)],
    root: Root = Path("."),
    site: Annotated[str | None, typer.Option(
        "--site", help="The site's name (default: the one a file dectprov wrote names).",
        show_default=False)] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", help="The site file to write (default: sites/<site>.yaml under the root).",
        dir_okay=False, show_default=False)] = None,
    secrets: Annotated[Path | None, typer.Option(
        "--secrets", help="Where the passwords go (default: secrets.yaml in the root).",
        dir_okay=False, show_default=False)] = None,
    provider: Annotated[str | None, typer.Option(
        "--provider", help="For a file that sets no provider profile: the domain of the "
        "PBX its accounts use, written as provider 0.", show_default=False)] = None,
    profile: Annotated[str | None, typer.Option(
        "--profile", help="A profile of fleet.yaml the site takes; what it gives is left "
        "out of the site file.", show_default=False)] = None,
    now: Now = None,
) -> int:
    """Import an existing N720 file: write the site, its secrets and build/<site>/."""
    from compiler.importer import Request

    imported = application.import_site(
        Request(file, root, site, out, secrets, provider, profile), _now(now),
        on_wait=_waiting)
    if imported.outcome is Outcome.INVALID:
        return _nothing_written(imported.diagnostics)
    _err(render_text(imported.diagnostics))
    if imported.outcome is Outcome.FAILED:
        _err(f"dectprov: cannot write {imported.problem}\n")
        return EXIT_INVALID
    for output in imported.written:
        _out(f"Wrote {output.display}" + (f" ({output.note})" if output.note else "") + "\n")
    return EXIT_OK


@app.command()
def schema(fleet: Annotated[bool, typer.Option(
        "--fleet", help="Print the schema of fleet.yaml instead.")] = False) -> int:
    """Print the JSON Schema of a site file (--fleet: of fleet.yaml)."""
    _out(schema_text(FLEET_SCHEMA if fleet else SITE_SCHEMA))
    return EXIT_OK


def _print_version(wanted: bool) -> None:
    if wanted:
        _out(f"dectprov {__version__}\n")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _options(version: Annotated[bool, typer.Option(
        "--version", help="Print the compiler's version and exit.", is_eager=True,
        callback=_print_version)] = False) -> None:
    """Compile Gigaset DECT site YAML into provisioning files."""


@app.command(hidden=True)
def version() -> int:
    """Print the compiler's version."""
    _out(f"dectprov {__version__}\n")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """The console script: run a command and return the contract's exit code."""
    # A fleet's models are many small objects that live for the whole run and form no
    # cycles: collecting them over and over cost more than the compiling (bench/).
    gc.set_threshold(100_000, 50, 1000)
    with _stopped_by_signals():
        try:
            return _run(argv)
        except Stopped as stop:
            _err(_stopped(stop))
            return 128 + stop.signal_number
        except WorkerLost:
            _err("dectprov: error: a worker process ended before it returned its sites "
                 "(killed, or out of memory); nothing was written\n")
            return EXIT_INVALID


def _run(argv: list[str] | None) -> int:
    command = typer.main.get_command(app)
    try:
        result = command.main(args=argv, prog_name="dectprov", standalone_mode=False)
    except typer.Abort:
        _err("dectprov: aborted\n")
        return EXIT_INVALID
    except Exception as error:
        # Usage errors are click's exception classes, which typer re-exports only in part
        # and has vendored in newer releases: recognise them by their interface.
        if not hasattr(error, "format_message") or not hasattr(error, "exit_code"):
            raise
        message = error.format_message()
        if message.startswith("Usage:"):  # no command given: the help is the answer
            _err(message + "\n")
            return EXIT_USAGE
        _err(f"dectprov: error: {message}\n")
        context = getattr(error, "ctx", None)
        if context is not None:
            _err(f"Try '{context.command_path} --help'.\n")
        return EXIT_USAGE
    return result if isinstance(result, int) else EXIT_OK


def _stopped(stop: Stopped) -> str:
    name = signal.Signals(stop.signal_number).name
    if not stop.written:
        return f"dectprov: stopped by {name} before writing: nothing was written\n"
    return (f"dectprov: stopped by {name} while writing: {_count(len(stop.written), 'file')} "
            "written, every other as it was, each site at its "
            "old revision or its new one; build again\n")


@contextmanager
def _stopped_by_signals() -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP raise Stopped, once: what they interrupt removes what it
    staged, and the exit code is 128 and the signal's number."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(number: int, _frame: object) -> None:
        for each in STOPPING_SIGNALS:  # the cleaning up is not interrupted
            signal.signal(each, signal.SIG_IGN)
        raise Stopped(number)

    previous = {number: signal.signal(number, stop) for number in STOPPING_SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
