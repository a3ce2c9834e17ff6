"""The command line: arguments in, exit code out. It calls the pipeline, prints what the
stages return and picks the exit code from one table; it decides nothing else.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from compiler import __version__, pipeline
from compiler.diagnostics import has_errors, render_json, render_text
from compiler.validate import schema_text

EXIT_OK = 0
EXIT_INVALID = 1  # invalid input, refused change, stale build
EXIT_CHANGES = 2  # plan --detailed-exitcode only
EXIT_USAGE = 64  # wrong command-line usage (sysexits' EX_USAGE)

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


def _out(text: str) -> None:
    sys.stdout.write(text)


def _err(text: str) -> None:
    sys.stderr.write(text)


@app.command()
def validate(files: Files = None, root: Root = Path("."),
             format: Annotated[DiagnosticFormat, typer.Option(
                 "--format", help="How to print the diagnostics.")] = DiagnosticFormat.text,
             ) -> int:
    """Check site files; print every problem of every file."""
    sources = pipeline.site_files(root, files or [])
    checked = pipeline.check(sources)
    if format is DiagnosticFormat.json:
        _out(render_json(checked.diagnostics))
    else:
        _err(render_text(checked.diagnostics))
        if checked.ok:
            _out(f"{len(checked.sites)} sites valid.\n")
    return EXIT_OK if checked.ok else EXIT_INVALID


@app.command()
def build(files: Files = None, root: Root = Path("."), now: Now = None,
          allow_reregistration: Annotated[bool, typer.Option(
              "--allow-reregistration",
              help="Build even when handsets move between slots and must be registered "
                   "again by hand.")] = False,
          force: Annotated[bool, typer.Option(
              "--force", help="Build past the deregistration threshold.")] = False,
          ) -> int:
    """Validate the sites and write build/<site>/<MAC>.xml for each."""
    _now(now)
    sources = pipeline.site_files(root, files or [])
    checked = pipeline.check(sources)
    _err(render_text(checked.diagnostics))
    if has_errors(checked.diagnostics):
        _err("Nothing was written: fix the errors above.\n")
        return EXIT_INVALID
    outputs = [pipeline.render(root, site) for site in checked.sites]
    written = pipeline.write(outputs)
    _out(f"Built {len(outputs)} sites: {len(written)} written, "
         f"{len(outputs) - len(written)} unchanged.\n")
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
