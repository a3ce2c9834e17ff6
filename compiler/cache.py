"""The per-site cache that keeps a fleet's no-op and one-site builds cheap. It never
decides anything: it remembers what the stages said about inputs it has seen, keyed by
everything that affects their answer, and forgets whatever it cannot trust.

- check: the site file's bytes, its name, and the compiler itself (its code, templates
  and schema) -> the diagnostics, the IPUIs the site claims, and the site without its
  handsets (a site planned afresh is checked afresh: its model is never stored);
- plan: that, plus the state's bytes, the provisioning file's size and time, and the
  directory's listing -> "nothing to do", for a site whose build/ matches its file.

It lives in .dectprov-cache/ under the root (git-ignored); deleting it only costs time.
Every file in it is signed with a key kept outside the repository (in the user's cache
directory), and a file whose signature does not match is ignored: a cache committed into
a pull request cannot make CI load data, let alone run code, that this machine did not
write.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import pickle
import secrets
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from compiler.diagnostics import Diagnostic
from compiler.model import Site
from compiler.paths import CACHE_DIR
from compiler.write import write_atomic

if TYPE_CHECKING:
    from compiler.validate import Identity

INDEX = "index.pickle"
FORMAT = 4


@functools.cache
def fingerprint() -> str:
    """The compiler as it is on disk: any change to its code, templates or schema is a new
    compiler, whose answers the cache must not reuse."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256(str(FORMAT).encode())
    files = sorted(p for p in package.rglob("*") if p.suffix in (".py", ".j2", ".json"))
    from compiler.schema import schema_text  # the schema may live beside the package

    for path in files:
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    digest.update(schema_text().encode())
    return digest.hexdigest()


KEY_ENVIRONMENT = "DECTPROV_CACHE_KEY_FILE"  # where the signing key lives, for tests


def _key_file() -> Path:
    configured = os.environ.get(KEY_ENVIRONMENT)
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "dectprov" / "cache-key"


@functools.cache
def _signing_key() -> bytes | None:
    """This machine's key, made on first use; None when it cannot be kept (no cache)."""
    path = _key_file()
    try:
        key = path.read_bytes()
        if len(key) == 32:
            return key
    except OSError:
        pass
    key = secrets.token_bytes(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomic(path, key, mode=0o600)
    except OSError:
        return None
    return key


def _sign(data: bytes) -> bytes | None:
    key = _signing_key()
    return None if key is None else hmac.new(key, data, "sha256").digest() + data


def _verified(blob: bytes) -> bytes | None:
    key = _signing_key()
    if key is None or len(blob) < 32:
        return None
    mac, data = blob[:32], blob[32:]
    return data if hmac.compare_digest(mac, hmac.new(key, data, "sha256").digest()) else None


def _load(path: Path) -> object:
    """A file this machine signed, unpickled; anything else is None."""
    try:
        data = _verified(path.read_bytes())
        return None if data is None else pickle.loads(data)
    except (OSError, pickle.PickleError, EOFError, ValueError, TypeError, AttributeError,
            ImportError, IndexError):
        return None


def _dump(path: Path, value: object) -> None:
    signed = _sign(pickle.dumps(value, protocol=5))
    if signed is not None:
        try:
            write_atomic(path, signed, durable=False)
        except OSError:
            pass  # no cache, no harm


@dataclass
class CheckEntry:
    key: str
    diagnostics: list[Diagnostic]
    advice: list[Diagnostic]
    # Only in a fresh check's own entry: emptied before the entry is kept or sent on (a
    # duplicate's places are found by reading its file again).
    identities: list[Identity]
    summary: Site | None  # the site without its handsets; None when it has errors
    codes: bytes = b""  # the 5-byte codes of the IPUIs claimed, for the checks across sites

    @classmethod
    def of(cls, key: str, diagnostics: list[Diagnostic], advice: list[Diagnostic],
           identities: list[Identity], summary: Site | None) -> CheckEntry:
        codes = b"".join(identity.ipui.code for identity in identities)
        return cls(key, diagnostics, advice, identities, summary, codes)


@dataclass
class PlanEntry:
    key: str
    diagnostics: tuple[Diagnostic, ...]
    revision: int
    stamp: str
    file: str
    sha256: str
    released: frozenset[bytes]  # IPUIs this site still deregisters: another site may claim one


@dataclass
class Cache:
    directory: Path
    checks: dict[str, CheckEntry] = field(default_factory=dict)
    plans: dict[str, PlanEntry] = field(default_factory=dict)
    # The fleet last found to claim no IPUI twice: each file's check key.
    unique_fleet: dict[str, str] = field(default_factory=dict)
    dirty: bool = False

    @classmethod
    def open(cls, root: Path) -> Cache:
        directory = root / CACHE_DIR
        index = _load(directory / INDEX)
        if isinstance(index, tuple) and len(index) == 4 and index[0] == (FORMAT, fingerprint()):
            return cls(directory, index[1], index[2], index[3])
        return cls(directory)  # a cache that cannot be read or trusted is an empty one

    def remember_unique(self, fleet: dict[str, str]) -> None:
        """No two of these files (file -> check key) claim one IPUI."""
        if self.unique_fleet != fleet:
            self.unique_fleet = fleet
            self.dirty = True

    # -- check -----------------------------------------------------------------------------

    @staticmethod
    def check_key(display: str, content: bytes) -> str:
        return hashlib.sha256(display.encode() + b"\0" + content).hexdigest()

    def check(self, display: str, key: str) -> CheckEntry | None:
        entry = self.checks.get(display)
        return entry if entry is not None and entry.key == key else None

    def adopt_check(self, display: str, entry: CheckEntry) -> None:
        """Remember a site's check: what every run needs, not the places of its IPUIs
        (wanted only to report a duplicate, for which the file is read again)."""
        self.checks[display] = replace(entry, identities=[])
        self.dirty = True

    # -- plan ------------------------------------------------------------------------------

    @staticmethod
    def plan_key(check_key: str, directory: str | Path, file: str) -> str | None:
        """What a no-op answer depends on beyond the site file; None when build/<site> is
        not there to compare with."""
        try:
            with open(os.path.join(directory, "state.json"), "rb") as stream:
                state = stream.read()
            info = os.stat(os.path.join(directory, file))
            listing = sorted(os.listdir(directory))
        except OSError:
            return None
        digest = hashlib.sha256(check_key.encode())
        digest.update(state)
        digest.update(f"{info.st_size}:{info.st_mtime_ns}:{listing}".encode())
        return digest.hexdigest()

    def plan(self, display: str, key: str | None) -> PlanEntry | None:
        entry = self.plans.get(display)
        return entry if entry is not None and key is not None and entry.key == key else None

    def remember_plan(self, display: str, entry: PlanEntry) -> None:
        self.plans[display] = entry
        self.dirty = True

    def forget_plan(self, display: str) -> None:
        if self.plans.pop(display, None) is not None:
            self.dirty = True

    def save(self) -> None:
        if not self.dirty:
            return
        _dump(self.directory / INDEX, ((FORMAT, fingerprint()), self.checks, self.plans,
                                       self.unique_fleet))
        shutil.rmtree(self.directory / "models", ignore_errors=True)  # format 1 kept models
        self.dirty = False
