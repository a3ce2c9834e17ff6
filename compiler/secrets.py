"""Secrets: a password can be a reference, `{secret: NAME}`. Everything up to build/ sees
only a placeholder that names it; `publish` resolves it, from the environment or the
secrets file, at the last moment, and no output ever shows a value.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from compiler.diagnostics import Diagnostic, Severity
from compiler.load import load_site

SECRETS_FILE = "secrets.yaml"
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
    display = path.as_posix()
    loaded = load_site(path, display)
    if loaded.data is None:  # an empty secrets file holds no secrets; anything else is wrong
        problems = [d for d in loaded.diagnostics if d.rule != "site-empty"]
        return SecretStore(environment, {}), problems
    values: dict[str, str] = {}
    problems = []
    for name, value in loaded.data.items():
        loc = loaded.data.value_locs[name]
        if isinstance(value, str) and PLACEHOLDER.fullmatch("${secret:" + name + "}"):
            values[name] = value
            continue
        why = ("is not text: YAML typed it; quote the value" if not isinstance(value, str)
               else "is not a secret name (lower-case letters, digits and . _ / -)")
        problems.append(Diagnostic(display, loc.line, loc.column, Severity.ERROR,
                                   "secret-file", name[:60], f"secret '{name[:60]}' {why}"))
    return SecretStore(environment, values), problems
