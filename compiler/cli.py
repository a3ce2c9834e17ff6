"""The command line: arguments in, exit code out. It calls the pipeline, prints what the
stages return and picks the exit code from one table; it decides nothing else.

What only one command uses (the plan's renderers, publish, the importer) is imported in
that command: every command starts faster, and CI runs them on every commit.
"""

from __future__ import annotations

import gc
import os
import sys
from dataclasses import replace
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from compiler import __version__, pipeline
from compiler.cache import Cache
from compiler.diagnostics import (
    ADVICE_RULES,
    Diagnostic,
    Severity,
    has_errors,
    render_json,
    render_text,
    sorted_diagnostics,
)
from compiler.plan import Options
from compiler.schema import schema_text
from compiler.write import LOCK_FILE, Faults, build_lock

EXIT_OK = 0
EXIT_INVALID = 1  # invalid input, refused change, stale build
EXIT_CHANGES = 2  # plan --detailed-exitcode only
EXIT_USAGE = 64  # wrong command-line usage (sysexits' EX_USAGE)
STRICT_RULES = ADVICE_RULES  # warnings that --strict makes errors
CACHE_ENVIRONMENT = "DECTPROV_CACHE"  # "off": every site is checked and planned afresh

app = typer.Typer(
    name="dectprov",
    help="Compile Gigaset DECT site YAML into provisioning files.",
    add_completion=False,
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
        return datetime.now(UTC).replace(second=0, microsecond=0)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter("expected 'YYYY-MM-DD HH:MM', optionally with an offset "
                                 "such as +01:00", param_hint="--now") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _sites(count: int) -> str:
    return f"{count} site" if count == 1 else f"{count} sites"


def _out(text: str) -> None:
    sys.stdout.write(text)


def _err(text: str) -> None:
    sys.stderr.write(text)


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


def _checked(root: Path, sources: list[pipeline.SourceFile], cached: bool = True,
             planning: pipeline.Planning | None = None) -> pipeline.Checked:
    """Every site checked, and planned with `planning`."""
    return pipeline.check(sources, _cache(root) if cached else None, planning)


def _cache(root: Path) -> Cache | None:
    """The per-site cache under the root, unless DECTPROV_CACHE=off."""
    if os.environ.get(CACHE_ENVIRONMENT, "").lower() in ("off", "0", "no"):
        return None
    return Cache.open(root)


def _planned(root: Path, files: list[Path] | None, options: Options, cached: bool = True,
             changes: bool = False) -> tuple[pipeline.Checked, list[pipeline.Planned]]:
    """Every site checked and planned; `changes` keeps each plan's changes, to show them."""
    checked = _checked(root, pipeline.site_files(root, files or []), cached,
                       pipeline.Planning(root, options, changes=changes))
    planned = pipeline.plan(root, checked, options, changes=changes) if checked.ok else []
    if checked.cache is not None:
        checked.cache.save()
    return checked, planned


def _plan_diagnostics(planned: list[pipeline.Planned]) -> list[Diagnostic]:
    return sorted_diagnostics(d for item in planned for d in item.plan.diagnostics)


@app.command()
def validate(files: Files = None, root: Root = Path("."),
             format: Annotated[DiagnosticFormat, typer.Option(
                 "--format", help="How to print the diagnostics.")] = DiagnosticFormat.text,
             strict: Annotated[bool, typer.Option(
                 "--strict", help="Passwords written in a site file are errors, not "
                 "warnings.")] = False,
             ) -> int:
    """Check site files; print every problem of every file, and the plan's warnings."""
    checked, planned = _planned(root, files, Options(now=_now(None)))
    # Refusals belong to plan and build; validate reports the input and the warnings.
    # The plan's warnings count where there is a state to plan against.
    known = [item for item in planned if item.plan.state is not None]
    diagnostics = checked.diagnostics + checked.advice + [
        d for d in _plan_diagnostics(planned) if d.rule == "state"] + [
        d for d in _plan_diagnostics(known) if not d.is_error]
    if strict:
        diagnostics = [replace(d, severity=Severity.ERROR) if d.rule in STRICT_RULES else d
                       for d in diagnostics]
    if format is DiagnosticFormat.json:
        _out(render_json(diagnostics))
    else:
        _err(render_text(diagnostics))
        if not has_errors(diagnostics):
            _out(f"{_sites(len(checked.sites))} valid.\n")
    return EXIT_INVALID if has_errors(diagnostics) else EXIT_OK


@app.command()
def plan(files: Files = None, root: Root = Path("."), now: Now = None,
         format: Annotated[PlanFormat, typer.Option(
             "--format", help="text for people, markdown for a pull-request comment, json "
             "for tools.")] = PlanFormat.text,
         detailed_exitcode: Annotated[bool, typer.Option(
             "--detailed-exitcode", help="Exit 2 when there are changes, 0 when none.")] = False,
         allow_reregistration: AllowReregistration = False, force: Force = False,
         ) -> int:
    """Show what a build would change on each device, against build/<site>/state.json."""
    options = Options(_now(now), allow_reregistration, force)
    checked, planned = _planned(root, files, options, changes=True)
    if not checked.ok:
        _err(render_text(checked.diagnostics))
        return EXIT_INVALID
    plans = [item.plan for item in planned]
    from compiler import render_plan

    renderer = {PlanFormat.text: render_plan.render_text,
                PlanFormat.markdown: render_plan.render_markdown,
                PlanFormat.json: render_plan.render_json}[format]
    _out(renderer(plans))
    if any(p.refused for p in plans):
        return EXIT_INVALID
    changed = any(p.content_changed for p in plans)
    return EXIT_CHANGES if detailed_exitcode and changed else EXIT_OK


@app.command()
def build(files: Files = None, root: Root = Path("."), now: Now = None,
          allow_reregistration: AllowReregistration = False, force: Force = False,
          no_wait: Annotated[bool, typer.Option(
              "--no-wait", help="Exit 1 at once when another build of this root is "
                                "running, instead of waiting for it.")] = False,
          ) -> int:
    """Validate and plan the sites, then write build/<site>/<MAC>.xml and state.json."""
    options = Options(_now(now), allow_reregistration, force)
    sources = pipeline.site_files(root, files or [])
    if not sources:  # not a project: no lock file is left here
        return _nothing_written(_checked(root, sources).diagnostics)
    try:
        with build_lock(root, wait=not no_wait, on_wait=_waiting) as held:
            if not held:
                _err(f"dectprov: another build of this root holds the lock ({LOCK_FILE}); "
                     "nothing was written\n")
                return EXIT_INVALID
            return _build_locked(root, sources, options)
    except OSError as err:
        _err(f"dectprov: cannot lock {root / LOCK_FILE}: {err.strerror}; nothing was "
             "written\n")
        return EXIT_INVALID


def _waiting() -> None:
    _err(f"dectprov: waiting for another build of this root ({LOCK_FILE})...\n")


def _build_locked(root: Path, sources: list[pipeline.SourceFile], options: Options) -> int:
    """The build, under the lock: files are staged as the sites are planned."""
    faults = Faults.from_environment()
    checked = _checked(root, sources, planning=pipeline.Planning(
        root, options, stage=faults, changes=False))
    if not checked.ok:
        _save(checked)
        return _nothing_written(checked.diagnostics)
    try:
        planned = pipeline.plan(root, checked, options, stage=faults, changes=False)
    except OSError as err:  # staging a file failed: nothing is left staged
        _save(checked)
        return _nothing_written([pipeline.staging_failed(err)])
    diagnostics = checked.diagnostics + _plan_diagnostics(planned)
    if has_errors(diagnostics):
        pipeline.discard(planned)
        _save(checked)
        return _nothing_written(diagnostics)
    _err(render_text(diagnostics))
    written, failures = pipeline.write(planned, faults)
    if checked.cache is not None and not failures:
        for item in planned:
            if item.outputs:
                pipeline.remember_clean(checked.cache, item)
    _save(checked)
    if failures:
        _err(render_text(failures))
        return EXIT_INVALID
    changed = sum(1 for item in planned if item.plan.content_changed)
    _out(f"Built {_sites(len(planned))}: {changed} changed, {len(planned) - changed} "
         f"unchanged ({len(written)} files written).\n")
    return EXIT_OK


def _save(checked: pipeline.Checked) -> None:
    if checked.cache is not None:
        checked.cache.save()


def _nothing_written(diagnostics: list[Diagnostic]) -> int:
    _err(render_text(diagnostics))
    _err("Nothing was written: fix the errors above.\n")
    return EXIT_INVALID


@app.command()
def check(root: Root = Path(".")) -> int:
    """For CI: fail when a site is invalid or build/ is not what a build would write."""
    _, planned, diagnostics = _check(root)
    _err(render_text(diagnostics))
    if has_errors(diagnostics):
        return EXIT_INVALID
    _out(f"{_sites(len(planned))} valid; build/ is up to date.\n")
    return EXIT_OK


def _check(root: Path, cached: bool = True,
           ) -> tuple[pipeline.Checked, list[pipeline.Planned], list[Diagnostic]]:
    checked, planned = _planned(root, None, Options(now=_now(None)), cached)
    diagnostics = checked.diagnostics + [d for d in _plan_diagnostics(planned) if d.is_error]
    return checked, planned, diagnostics + pipeline.stale(planned)


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
) -> int:
    """Resolve the secrets of the files under build/ and write them to the server's folder."""
    # The deploy step takes its time: every site checked afresh, whole models to the end.
    _, planned, diagnostics = _check(root, cached=False)
    if has_errors(diagnostics):
        _err(render_text(diagnostics))
        _err("Nothing was published: 'dectprov check' must pass first.\n")
        return EXIT_INVALID
    chosen, unknown = _choose(planned, site or [])
    from compiler import publish as publish_stage
    from compiler.secrets import load_store

    store, problems = load_store(root, secrets)
    publications, missing = publish_stage.resolve(root, chosen, store, to)
    problems += unknown + missing
    if problems:
        _err(render_text(sorted_diagnostics(problems)))
        _err("Nothing was published.\n")
        return EXIT_INVALID
    try:
        publish_stage.write(publications)
    except OSError as err:
        _err(f"dectprov: cannot write {err.filename or to}: {err.strerror}\n")
        return EXIT_INVALID
    for item in publications:
        _out(f"Published {item.site}: revision {item.revision}, MAC {item.mac} -> "
             f"{item.path}\n")
    return EXIT_OK


def _choose(planned: list[pipeline.Planned], names: list[str],
            ) -> tuple[list[pipeline.Planned], list[Diagnostic]]:
    if not names:
        return planned, []
    known = {item.plan.site.name for item in planned}
    unknown = [Diagnostic("--site", None, None, Severity.ERROR, "site-unknown", "",
                          f"no site is named '{name}'") for name in names if name not in known]
    return [item for item in planned if item.plan.site.name in names], unknown


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
    now: Now = None,
) -> int:
    """Import an existing N720 file: write the site, its secrets and build/<site>/."""
    from compiler import importer

    request = importer.Request(file, root, site, out, secrets)
    try:
        with build_lock(root, wait=True, on_wait=_waiting):
            imported = importer.prepare(request, _now(now))
            if not imported.ok:
                return _nothing_written(imported.diagnostics)
            _err(render_text(imported.diagnostics))
            written = importer.write(imported)
    except OSError as err:
        _err(f"dectprov: cannot write {err.filename or root}: {err.strerror}\n")
        return EXIT_INVALID
    for output in written:
        _out(f"Wrote {output.display}" + (f" ({output.note})" if output.note else "") + "\n")
    return EXIT_OK


@app.command()
def schema() -> int:
    """Print the JSON Schema of a site file."""
    _out(schema_text())
    return EXIT_OK


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
