"""Publish: the deploy step after the pipeline. It takes the files under build/ exactly as
reviewed, replaces each secret placeholder with its value, and writes the result where the
provisioning server serves it. Values are checked against the device's rules and never
shown; a missing one stops everything before a file is written.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from compiler.diagnostics import Diagnostic, Severity
from compiler.pipeline import Planned
from compiler.secrets import PLACEHOLDER, SecretStore, environment_name
from compiler.targets import Target, target_for
from compiler.write import write_atomic

FILE_MODE = 0o600
DIRECTORY_MODE = 0o700
PASSWORD_FIELD = "handsets.password"  # the only secret field the site format has


@dataclass(frozen=True)
class Publication:
    site: str
    revision: int
    mac: str
    path: Path
    content: bytes


def resolve(planned: list[Planned], store: SecretStore, destination: Path,
            ) -> tuple[list[Publication], list[Diagnostic]]:
    """Every site's deployable file, or the reasons it cannot be made. The files are those
    under build/ (check has shown them current), with every placeholder resolved."""
    publications, problems = [], []
    for item in planned:
        site, state = item.plan.site, item.plan.state
        target = target_for(site.model)
        assert target is not None and state is not None, "check passed: built and valid"
        xml = item.outputs[0]
        text = xml.content.decode(target.encoding)
        resolved, missing = _substitute(text, target, store, site.name, site.source)
        problems += missing
        if not missing:
            publications.append(Publication(site.name, state.revision, site.mac,
                                            destination / xml.path.name,
                                            resolved.encode(target.encoding)))
    return publications, problems


def _substitute(text: str, target: Target, store: SecretStore, site: str, source: str,
                ) -> tuple[str, list[Diagnostic]]:
    problems: list[Diagnostic] = []

    def value_of(match: object) -> str:
        name = match.group(1)  # type: ignore[attr-defined]
        value = store.value(name)
        problem = _problem(target, name, value)
        if problem is not None:
            problems.append(Diagnostic(source, None, None, Severity.ERROR, "secret",
                                       "", f"secret '{name}' of site {site} {problem}"))
            return ""
        return target.escape_text(value or "")

    return PLACEHOLDER.sub(value_of, text), problems


def _problem(target: Target, name: str, value: str | None) -> str | None:
    """Why a value cannot be published, in words that do not give it away."""
    if value is None:
        return (f"is not set: export {environment_name(name)}, or add '{name}' to the "
                "secrets file")
    problem = target.text_problem(value, secret=True)
    if problem is not None:
        return problem
    limit = target.text_limit(PASSWORD_FIELD)
    if len(value) > limit:
        return f"is longer than the {limit} characters the device takes"
    if not value:
        return "is empty"
    return None


def write(publications: list[Publication]) -> None:
    """Write each file atomically, readable by its owner only; directories created here
    are private too."""
    for publication in publications:
        _make_private_directories(publication.path.parent)
        write_atomic(publication.path, publication.content, mode=FILE_MODE)


def _make_private_directories(directory: Path) -> None:
    missing = []
    while not directory.exists():
        missing.append(directory)
        directory = directory.parent
    for path in reversed(missing):
        path.mkdir()
        os.chmod(path, DIRECTORY_MODE)
