"""Secrets: a password can be a reference, `{secret: NAME}`. Everything up to build/ sees
only a placeholder that names it; `publish` resolves it, from the environment or the
secrets file, at the last moment, and no output ever shows a value.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path

from compiler.diagnostics import Diagnostic, Severity
from compiler.paths import SECRETS_FILE

ENVIRONMENT_PREFIX = "DECTPROV_SECRET_"
PLACEHOLDER = re.compile(r"\$\{secret:([a-z0-9][a-z0-9._/-]*)\}")


@dataclass(frozen=True)
class SecretRef:
    """A password that lives outside git, by name."""

    name: str

    @property
    def placeholder(self) -> str:
        """What build/ holds instead of the value."""
        return "${secret:" + self.name + "}"


def environment_name(name: str) -> str:
    """`acme-hq/1013` -> `DECTPROV_SECRET_ACME_HQ_1013`."""
    return ENVIRONMENT_PREFIX + re.sub(r"[^A-Z0-9]", "_", name.upper())


@dataclass(frozen=True)
class SecretStore:
    """Where values come from, first match wins: the environment, then the secrets file."""

    environment: dict[str, str]
    file_values: dict[str, str]

    def value(self, name: str) -> str | None:
        found = self.environment.get(environment_name(name))
        return found if found is not None else self.file_values.get(name)


def load_store(root: Path, given: Path | None) -> tuple[SecretStore, list[Diagnostic]]:
    """The store for a run: the environment, and `given` or secrets.yaml in the root (a
    flat mapping of name to text). A value YAML would type must be quoted."""
    path = given if given is not None else root / SECRETS_FILE
    environment = {k: v for k, v in os.environ.items() if k.startswith(ENVIRONMENT_PREFIX)}
    if given is None and not path.exists():
        return SecretStore(environment, {}), []
    # Named as the user knows it: as given, or relative to the root like the site files.
    display = given.as_posix() if given is not None else SECRETS_FILE
    from compiler.load import load_site  # a secrets file is read by publish and import only

    loaded = load_site(path, display)
    if loaded.data is None:  # an empty secrets file holds no secrets; anything else is wrong
        problems = [_reworded(d) for d in loaded.diagnostics if d.rule != "site-empty"]
        return SecretStore(environment, {}), problems
    values: dict[str, str] = {}
    problems = []
    for name, value in loaded.data.items():
        if not PLACEHOLDER.fullmatch("${secret:" + name + "}"):
            why, loc = ("is not a secret name (lower-case letters, digits and . _ / -, "
                        "starting with a letter or digit)"), loaded.data.key_locs[name]
        elif not isinstance(value, str):
            why, loc = _not_text(value), loaded.data.value_locs[name]
        else:
            values[name] = value
            continue
        problems.append(Diagnostic(display, loc.line, loc.column, Severity.ERROR,
                                   "secret-file", name[:60], f"secret '{name[:60]}' {why}"))
    return SecretStore(environment, values), problems


def _not_text(value: object) -> str:
    """Why a value is not taken, without showing it."""
    if isinstance(value, dict | list):
        kind = "a mapping" if isinstance(value, dict) else "a list"
        return f"is {kind}, not text: give the value as quoted text"
    if value is None:
        return "has no value: give it as quoted text"
    kind = "true/false" if isinstance(value, bool) else (
        "a number" if isinstance(value, int) else "a decimal number")
    return f"is not text: YAML reads the value as {kind}; quote it"


def _reworded(diagnostic: Diagnostic) -> Diagnostic:
    """The loader speaks of site files and may quote a value it cannot read: here the
    values are secrets, so say what is wrong without them."""
    if diagnostic.rule == "site-not-mapping":
        return replace(diagnostic, rule="secret-file", message="the secrets file must be a "
                       "mapping of secret names to quoted values, one 'name: \"value\"' a line")
    if diagnostic.rule == "yaml-value":
        return replace(diagnostic, message=f"secret '{diagnostic.path}' is not valid YAML as "
                       "written; quote the value")
    return diagnostic
