"""Secrets: a password can be a reference, `{secret: NAME}`. Everything up to build/ sees
only a placeholder that names it; `publish` resolves it, from the environment or the
secrets file, at the last moment, and no output ever shows a value.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from compiler.diagnostics import Diagnostic, Severity
from compiler.paths import SECRETS_FILE

if TYPE_CHECKING:
    from compiler.load import LoadResult
    from compiler.secrets_command import SecretsCommand

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
    source: str = "the secrets file"  # where file_values come from, as a user is told
    # Line and column of each name in the secrets file (or the command's output).
    places: dict[str, tuple[int, int]] = field(default_factory=dict)

    def value(self, name: str) -> str | None:
        found = self.environment.get(environment_name(name))
        return found if found is not None else self.file_values.get(name)


# One source holds a provider's secrets: 2,000 sites of 25 handsets are 50,000 and more,
# about 2 MiB. The cap is far above that and still a bound: the site file's 1 MiB and
# 100,000 values, times 16.
MAX_SECRETS_BYTES = 16 * 1024 * 1024
MAX_SECRETS_NODES = 16 * 100_000  # a name and its value are two; the mapping one more
SHARED_SCOPE = "shared"  # names any site may use; every other name is one site's


def in_scope(name: str, site: str) -> bool:
    """Whether a site may name this secret: its own, `<site>/...`, or `shared/...`. One
    site's file must never be able to publish another site's password."""
    return any(name.startswith(scope + "/") and len(name) > len(scope) + 1
               for scope in (site, SHARED_SCOPE))


def collisions(names: Iterable[str]) -> list[tuple[str, str]]:
    """Each name whose environment variable an earlier, different name has already:
    (name, earlier). `care.home/1` and `care-home/1` would read one variable."""
    first: dict[str, str] = {}
    found = []
    for name in names:
        earlier = first.setdefault(environment_name(name), name)
        if earlier != name:
            found.append((name, earlier))
    return found


def collision_message(name: str, earlier: str, where: str) -> str:
    return (f"secret '{name}' and '{earlier}'{where} are both read from the environment "
            f"variable {environment_name(name)}: rename one of them")


def load_store(root: Path, given: Path | None, command: SecretsCommand | None = None,
               ) -> tuple[SecretStore, list[Diagnostic]]:
    """The store for a run: the environment, and then one source of YAML, a flat mapping of
    name to text: the output of `command`, or `given`, or else secrets.yaml in the root. A
    value YAML would type must be quoted."""
    environment = {k: v for k, v in os.environ.items() if k.startswith(ENVIRONMENT_PREFIX)}
    if command is not None:
        return _from_command(environment, given, command)
    path = given if given is not None else root / SECRETS_FILE
    if given is None and not os.path.lexists(path):
        return SecretStore(environment, {}), []
    # Named as the user knows it: as given, or relative to the root like the site files.
    display = given.as_posix() if given is not None else SECRETS_FILE
    refusal = _not_plain(path, display)
    if refusal is not None:
        return SecretStore(environment, {}), [refusal]
    from compiler.load import load_site  # a secrets file is read by publish and import only

    loaded = load_site(path, display, MAX_SECRETS_BYTES, MAX_SECRETS_NODES)
    values, problems = _values(loaded, display, _lines(path), _FILE)
    return SecretStore(environment, values, places=_places(loaded)), problems


_FILE = "the secrets file"
_OUTPUT = "the secrets command's output"


def _from_command(environment: dict[str, str], given: Path | None, command: SecretsCommand,
                  ) -> tuple[SecretStore, list[Diagnostic]]:
    """The command's output read as the secrets file is; the command's problems, or the
    file's, never quote a byte of it."""
    from compiler.load import load_bytes
    from compiler.secrets_command import DISPLAY, RULE, run

    if given is not None:
        return SecretStore(environment, {}, _OUTPUT), [Diagnostic(
            DISPLAY, None, None, Severity.ERROR, RULE, "",
            "give the secrets as a file (--secrets) or as a command's output "
            "(--secrets-command), not both")]
    output, problem = run(command, MAX_SECRETS_BYTES)
    if output is None:
        assert problem is not None
        return SecretStore(environment, {}, _OUTPUT), [problem]
    lines = output.decode("utf-8", "replace").splitlines()
    loaded = load_bytes(output, DISPLAY, None, MAX_SECRETS_BYTES, MAX_SECRETS_NODES)
    values, problems = _values(loaded, DISPLAY, lines, _OUTPUT)
    return SecretStore(environment, values, _OUTPUT, _places(loaded)), problems


def _places(loaded: LoadResult) -> dict[str, tuple[int, int]]:
    if loaded.data is None:
        return {}
    return {name: (loc.line, loc.column) for name, loc in loaded.data.key_locs.items()}


def _values(loaded: LoadResult, display: str, lines: list[str], what: str,
            ) -> tuple[dict[str, str], list[Diagnostic]]:
    """The secrets of loaded YAML, or its problems, in words that quote no value."""
    if loaded.data is None:  # an empty secrets file holds no secrets; anything else is wrong
        return {}, [_reworded(d, lines, what) for d in loaded.diagnostics
                    if d.rule != "site-empty"]
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
    for name, earlier in collisions(values):
        loc, first = loaded.data.key_locs[name], loaded.data.key_locs[earlier]
        problems.append(Diagnostic(display, loc.line, loc.column, Severity.ERROR,
                                   "secret-collision", name, collision_message(
                                       name, earlier, f" (line {first.line})")))
    return values, problems


def _not_plain(path: Path, display: str) -> Diagnostic | None:
    """Why the secrets file is not read: only a plain file of its own is. A link could
    make publish read (and import append to) a file elsewhere, and a pipe or a device
    would make it wait or read for ever."""
    try:
        mode = os.lstat(path)
    except OSError as err:
        return Diagnostic(display, None, None, Severity.ERROR, "file-unreadable", "",
                          f"cannot read the file: {err.strerror or err}")
    what = ("a symbolic link" if stat.S_ISLNK(mode.st_mode)
            else "a directory" if stat.S_ISDIR(mode.st_mode)
            else None if stat.S_ISREG(mode.st_mode) else "a pipe, a socket or a device")
    if what is not None:
        return Diagnostic(display, None, None, Severity.ERROR, "secret-file", "",
                          f"the secrets file is {what}, not a plain file; give the plain "
                          "file itself")
    if mode.st_size > MAX_SECRETS_BYTES:
        return Diagnostic(display, None, None, Severity.ERROR, "secret-file", "", _TOO_LARGE)
    return None


def _lines(path: Path) -> list[str]:
    """The file's lines, to tell a secret's name from a value's text (see _reworded)."""
    try:
        return path.read_bytes()[:MAX_SECRETS_BYTES].decode("utf-8", "replace").splitlines()
    except OSError:
        return []


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


_TOO_LARGE = (f"the secrets file is over {MAX_SECRETS_BYTES >> 20} MiB; a secrets file is "
              "never that large")
_TOO_MANY = (f"the secrets file holds more than {MAX_SECRETS_NODES:,} values (its aliases "
             f"expanded), about {MAX_SECRETS_NODES // 2:,} secrets; a secrets file never holds "
             "that many")

# What each loading problem says in a secrets file. The loader's own words may quote the
# text it stumbled on (a tag, an alias, a key, a character), and there that text is a secret.
_LOADING_WORDS = {
    "site-not-mapping": "the secrets file must be a mapping of secret names to quoted "
                        "values, one 'name: \"value\"' a line",
    "yaml-value": "is not valid YAML as written; quote the value",
    "yaml-tag": "starts with '!', which YAML reads as a tag; quote the value",
    "yaml-syntax": "is not valid YAML as written (a value starting with ! & * or another "
                   "YAML sign, or holding ': ' or ' #', is read as YAML); quote the value",
    "file-too-large": _TOO_LARGE,
    "yaml-too-large": _TOO_MANY,
    "file-encoding": "the secrets file is not UTF-8 text; save it as UTF-8",
    "duplicate-key": "is set twice; YAML would silently keep only the last value",
}
_LOADING_DEFAULT = ("the secrets file must be a flat mapping of secret names to quoted "
                    "values, one 'name: \"value\"' a line")
_SECRETS_RULE = {"site-not-mapping": "secret-file"}


def _reworded(diagnostic: Diagnostic, lines: list[str], what: str) -> Diagnostic:
    """The loader's diagnostic, in words that quote nothing of the file. It names the
    secret only when its line starts with that name as a key (a path into a value's
    mapping would show the value's text)."""
    if diagnostic.rule == "file-unreadable":
        return diagnostic  # the system's reason, about the file
    words = _LOADING_WORDS.get(diagnostic.rule, _LOADING_DEFAULT).replace(_FILE, what)
    name = _name_on_line(diagnostic, lines)
    if name is not None and diagnostic.rule == "duplicate-key":
        return diagnostic  # it quotes the key, here a secret's name, and no value
    if diagnostic.rule in {"yaml-value", "yaml-tag", "yaml-syntax"}:
        words = (f"secret '{name}' " if name is not None else "the value ") + words
    return replace(diagnostic, rule=_SECRETS_RULE.get(diagnostic.rule, diagnostic.rule),
                   path=name or "", message=words)


def _name_on_line(diagnostic: Diagnostic, lines: list[str]) -> str | None:
    name = diagnostic.path
    line = diagnostic.line
    if not name or line is None or not 0 < line <= len(lines):
        return None
    key = re.match(r"""\s*(["']?)([a-z0-9][a-z0-9._/-]*)\1\s*:""", lines[line - 1])
    return name if key is not None and key[2] == name else None
