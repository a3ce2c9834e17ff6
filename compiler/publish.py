"""Publish: the deploy step after a build. It takes the files under build/ exactly as
reviewed, replaces each secret placeholder with its value, and writes the result where the
provisioning server serves it. Values are checked against the device's rules and never
shown; a missing one stops everything before a file is written.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from compiler.diagnostics import Diagnostic, Severity
from compiler.paths import site_directory
from compiler.secrets import PLACEHOLDER, SecretRef, SecretStore, environment_name
from compiler.targets import Target, target_for
from compiler.write import write_atomic

if TYPE_CHECKING:
    from compiler.model import Site
    from compiler.state import State

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


def resolve(root: Path, sites: Iterable[tuple[State, Site]], store: SecretStore,
            destination: Path) -> tuple[list[Publication], list[Diagnostic]]:
    """Every site's deployable file, or the reasons it cannot be made. Each site comes with
    the state of its build (check has shown it current) and its whole model, whose
    handsets say where each secret is used; the file is the one under build/ as reviewed,
    with every placeholder resolved."""
    publications, problems = [], []
    for state, site in sites:
        target = target_for(site.model)
        assert target is not None, "check passed: the site is valid"
        built = site_directory(root, site.name) / state.file
        text = built.read_bytes().decode(target.encoding)
        resolved, missing = _substitute(text, target, store, site)
        problems += missing
        if not missing:
            publications.append(Publication(site.name, state.revision, site.mac,
                                            destination / state.file,
                                            resolved.encode(target.encoding)))
    return publications, problems


def _substitute(text: str, target: Target, store: SecretStore, site: Site,
                ) -> tuple[str, list[Diagnostic]]:
    """The file with each password's placeholder replaced by its value, escaped for the
    file; or, when a value is missing or the device cannot take it, why not (located at
    the handset that names the secret)."""
    problems: list[Diagnostic] = []
    values: dict[str, str] = {}
    references: Counter[str] = Counter()
    for handset in site.handsets:
        if not isinstance(handset.password, SecretRef):
            continue
        name = handset.password.name
        references[name] += 1
        value = store.value(name)
        problem = _problem(target, name, value)
        if problem is None and value is not None:
            values[name] = value
            continue
        problems.append(Diagnostic(site.source, handset.line, None, Severity.ERROR, "secret",
                                   f"handsets[{handset.position}].password",
                                   f"secret '{name}' of site {site.name} {problem}"))
    # A placeholder the passwords do not account for is in some other text (a display name,
    # an extra value, a literal password): resolving it there would show the secret on the
    # device or break the file, so nothing is resolved.
    for name in sorted(Counter(PLACEHOLDER.findall(text)) - references):
        problems.append(Diagnostic(
            site.source, None, None, Severity.ERROR, "secret-placeholder", "",
            f"site {site.name} has '${{secret:{name}}}' in a text that is not a "
            "{secret: NAME} password; publish resolves secrets in passwords only: change "
            "that text"))
    if problems:
        return text, problems
    return PLACEHOLDER.sub(lambda match: target.escape_text(values[match.group(1)]), text), []


def _problem(target: Target, name: str, value: str | None) -> str | None:
    """Why a value cannot be published, in words that do not give it away."""
    if value is None:
        return (f"is not set: export {environment_name(name)}, or add '{name}' to the "
                "secrets file")
    if not value:
        return "is empty"
    return password_problem(target, value)


def password_problem(target: Target, value: str) -> str | None:
    """Why the device cannot take this password, without giving it away."""
    problem = target.text_problem(value, secret=True)
    if problem is not None:
        return problem
    limit = target.text_limit(PASSWORD_FIELD)
    if len(value) > limit:
        return f"is longer than the {limit} characters the device takes"
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
        path.mkdir(mode=DIRECTORY_MODE)
        os.chmod(path, DIRECTORY_MODE)  # mkdir's mode is narrowed by the umask only
