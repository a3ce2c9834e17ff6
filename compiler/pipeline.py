"""The pipeline, end to end: find the site files, then load, validate, model, plan and
render each, and write. Each step calls one stage; the CLI calls these and prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from compiler.diagnostics import Diagnostic, Severity, has_errors, sorted_diagnostics
from compiler.load import load_site
from compiler.model import Site, build_site
from compiler.plan import assign_slots
from compiler.targets import target_for
from compiler.validate import Identity, validate_fleet, validate_site
from compiler.write import write_atomic

SITES_DIR = "sites"
BUILD_DIR = "build"


@dataclass(frozen=True)
class SourceFile:
    path: Path
    display: str  # how diagnostics and the generated file name it: relative to the root

    @property
    def stem(self) -> str:
        return self.path.stem


@dataclass
class Checked:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    sites: list[Site] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)


@dataclass(frozen=True)
class Output:
    site: Site
    path: Path  # build/<site>/<file name>
    content: bytes


def site_files(root: Path, given: list[Path]) -> list[SourceFile]:
    """The files named on the command line, or every sites/*.yaml under the root."""
    paths = given or sorted((root / SITES_DIR).glob("*.yaml"))
    return [SourceFile(path, _display(root, path)) for path in paths]


def _display(root: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def check(files: list[SourceFile]) -> Checked:
    """Load, validate and model every site; every problem of every file is collected."""
    result = Checked()
    identities: list[Identity] = []
    names: dict[str, SourceFile] = {}
    for source in files:
        loaded = load_site(source.path, source.display)
        result.diagnostics += loaded.diagnostics
        if loaded.data is None:
            continue
        site_check = validate_site(loaded.data, source.display, source.stem)
        result.diagnostics += site_check.diagnostics
        identities += site_check.identities
        if has_errors(site_check.diagnostics):
            continue
        site = build_site(loaded.data, source.display)
        if site.name in names:
            result.diagnostics.append(Diagnostic(
                source.display, None, None, Severity.ERROR, "site-duplicate", "site",
                f"site '{site.name}' is also defined by {names[site.name].display}"))
            continue
        names[site.name] = source
        result.sites.append(site)
    result.diagnostics += validate_fleet(identities)
    result.diagnostics = sorted_diagnostics(result.diagnostics)
    return result


def render(root: Path, site: Site) -> Output:
    target = target_for(site.model)
    assert target is not None, "validation admits only models with a target"
    content = target.render(site, assign_slots(site), None)
    return Output(site, root / BUILD_DIR / site.name / target.file_name(site), content)


def write(outputs: list[Output]) -> list[Output]:
    """Write what differs from what is on disk; return the outputs that were written."""
    written = []
    for output in outputs:
        if output.path.is_file() and output.path.read_bytes() == output.content:
            continue
        write_atomic(output.path, output.content)
        written.append(output)
    return written
