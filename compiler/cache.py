"""The per-site cache that keeps a fleet's no-op and one-site builds cheap: it memoises
`site.run` by its inputs, and nothing else knows it exists. It never decides anything:
it remembers two kinds of answer, keyed by everything they depend on, and forgets
whatever it cannot trust.

- a site file with errors: keyed by the file's bytes, its name, the parts of fleet.yaml
  it took (merge.py: `sites:`, its profile, the providers it names), and the compiler
  itself (its code, templates and schemas);
- a site with nothing to do, whose build/ holds what a build writes: keyed by that, plus
  the state's bytes, the provisioning file's size and the directory's listing; the
  provisioning file's bytes are taken as they were when its time is, and hashed against
  the state's sha256 when it is not (a fresh clone, whose files all have new times, then
  reuses a cache restored by CI).

Any other site is compiled afresh. The cache lives in the user's cache directory, one
folder per root, never in the tree; deleting it only costs time. Its index is signed with
a key kept there too, and an index whose signature does not match is ignored.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import pickle
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from compiler.files import read_plain
from compiler.paths import BUILD_DIR, STATE_FILE
from compiler.plan import SitePlan
from compiler.shared import Shared
from compiler.site import Job, Output, SiteResult, file_bytes
from compiler.state import STATE_LIMIT
from compiler.write import write_atomic

if TYPE_CHECKING:
    from compiler.diagnostics import Diagnostic
    from compiler.model import Site
    from compiler.state import State

INDEX = "index.pickle"
FORMAT = 8


@functools.cache
def fingerprint() -> str:
    """The compiler as it is on disk: any change to its code, templates or schema is a new
    compiler, whose answers the cache must not reuse."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256(str(FORMAT).encode())
    files = sorted(p for p in package.rglob("*") if p.suffix in (".py", ".j2", ".json"))
    from compiler.schema import FLEET_SCHEMA, STATE_SCHEMA, schema_text  # may live beside it

    for path in files:
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    digest.update(schema_text().encode())
    digest.update(schema_text(STATE_SCHEMA).encode())
    digest.update(schema_text(FLEET_SCHEMA).encode())
    return digest.hexdigest()


KEY_ENVIRONMENT = "DECTPROV_CACHE_KEY_FILE"  # where the signing key lives, for tests


def _home() -> Path:
    """dectprov's folder in the user's cache directory."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "dectprov"


def directory_of(root: Path) -> Path:
    """Where the cache of a root lives: outside the tree, one folder per root."""
    name = hashlib.sha256(os.fsencode(os.path.realpath(root))).hexdigest()[:32]
    return _home() / "roots" / name


def _key_file() -> Path:
    configured = os.environ.get(KEY_ENVIRONMENT)
    return Path(configured) if configured else _home() / "cache-key"


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


def _verified(blob: bytes) -> memoryview | None:
    """The signed data, without a copy of it (an index is megabytes)."""
    key = _signing_key()
    if key is None or len(blob) < 32:
        return None
    mac, data = blob[:32], memoryview(blob)[32:]
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


class Quiet(NamedTuple):
    """A result with nothing to do, as few objects (a fleet's index is loaded on every
    run: fewer objects load faster); `result` makes the result again."""

    source: str
    site: Site
    claims: bytes
    diagnostics: tuple[Diagnostic, ...]
    advice: tuple[Diagnostic, ...]
    warnings: tuple[Diagnostic, ...]
    state: State  # its summary: the state without its slots
    xml_file: str
    state_file: str
    state_sha256: str

    @classmethod
    def of(cls, result: SiteResult) -> Quiet:
        plan = result.plan
        assert result.site is not None and plan is not None and plan.state is not None
        xml, state = result.outputs
        return cls(result.source, result.site, result.claims, result.diagnostics,
                   result.advice, plan.diagnostics, plan.state,
                   xml.file, state.file, state.sha256)

    def result(self) -> SiteResult:
        plan = SitePlan.nothing_to_do(self.site, self.state, self.warnings)
        outputs = (Output(self.xml_file, self.state.sha256, True, False),
                   Output(self.state_file, self.state_sha256, True, False))
        return SiteResult(self.source, self.diagnostics, self.advice, self.claims, self.site,
                          plan, outputs)


@dataclass(frozen=True)
class Entry:
    file_key: str  # the site file's name and bytes
    # A file with errors: None, and its result. A site with nothing to do: build/<site>/
    # as it was found, and what its result is made again from.
    build_key: str | None
    answer: SiteResult | Quiet
    # The parts of fleet.yaml the site took, and what they were: a change to any of them
    # (and to nothing else of fleet.yaml) compiles the site again.
    fleet_parts: tuple[str, ...] = ()
    fleet_key: str = ""
    # The provisioning file's time when its bytes were last known to be the state's.
    provisioning_time: int | None = None

    @property
    def result(self) -> SiteResult:
        return self.answer if isinstance(self.answer, SiteResult) else self.answer.result()


@dataclass
class Cache:
    directory: Path
    entries: dict[str, Entry] = field(default_factory=dict)  # site file -> its answer
    # The last fleet found to claim no IPUI twice: each site file's key.
    disjoint_fleet: dict[str, str] = field(default_factory=dict)
    dirty: bool = False
    # The file keys this run computed, so that a site compiled afresh is not read again.
    seen: dict[str, str] = field(default_factory=dict)
    # The last fleet.yaml found valid: its bytes' sha256, and the digests of its parts.
    fleet: tuple[str, dict[str, str]] | None = None

    @classmethod
    def open(cls, root: Path) -> Cache:
        directory = directory_of(root)
        index = _load(directory / INDEX)
        if isinstance(index, tuple) and len(index) == 4 and index[0] == (FORMAT, fingerprint()):
            return cls(directory, index[1], index[2], fleet=index[3])
        return cls(directory)  # a cache that cannot be read or trusted is an empty one

    @staticmethod
    def file_key(display: str, content: bytes) -> str:
        return hashlib.sha256(display.encode() + b"\0" + content).hexdigest()

    def recall(self, job: Job) -> SiteResult | None:
        """The site's result, when its file (and, for a site with nothing to do, its
        build/) is as it was when the result was remembered."""
        display = job.source.display
        content = file_bytes(job.source.path)
        if content is None:
            return None
        key = self.seen[display] = self.file_key(display, content)
        entry = self.entries.get(display)
        if entry is None or entry.file_key != key or entry.fleet_key != _fleet_key(
                job, entry.fleet_parts):
            return None
        if entry.build_key is None:
            return entry.result
        quiet = entry.answer
        assert isinstance(quiet, Quiet)
        now = _build_key(job.root, key, quiet.site, quiet.state.file)
        if now is None or entry.build_key != now[0]:
            return None
        if entry.provisioning_time != now[1]:
            if not _holds(job.root, quiet):
                return None
            self.entries[display] = replace(entry, provisioning_time=now[1])
            self.dirty = True
        return quiet.result()

    def remember(self, job: Job, result: SiteResult) -> None:
        """Keep a result with errors in its file, or one with nothing to do; forget any
        other."""
        display = job.source.display
        entry = self._entry(job, result)
        if entry is None:
            self.dirty |= self.entries.pop(display, None) is not None
        elif self.entries.get(display) != entry:
            self.entries[display] = entry
            self.dirty = True

    def _entry(self, job: Job, result: SiteResult) -> Entry | None:
        """What to keep of a result: one whose staging failed is not kept."""
        key = self.seen.get(job.source.display)
        if key is None or result.failure is not None:
            return None
        parts = result.fleet_parts
        if result.site is None:
            return Entry(key, None, result, parts, _fleet_key(job, parts))
        if not _nothing_to_do(result):
            return None
        quiet = Quiet.of(result)
        build_key = _build_key(job.root, key, quiet.site, quiet.state.file)
        return Entry(key, build_key[0], quiet, parts, _fleet_key(job, parts), build_key[1]) \
            if build_key is not None else None

    def disjoint(self, jobs: list[Job]) -> frozenset[str]:
        """The site files, among these, that are as they were in the last fleet found to
        claim no IPUI twice: no two of them claim one IPUI."""
        return frozenset(job.source.display for job in jobs
                         if self.disjoint_fleet.get(job.source.display, "")
                         == self.seen.get(job.source.display))

    def remember_disjoint(self, jobs: list[Job]) -> None:
        """These site files, as this run read them, claim no IPUI twice."""
        fleet = {job.source.display: self.seen.get(job.source.display, "") for job in jobs}
        if all(fleet.values()) and fleet != self.disjoint_fleet:
            self.disjoint_fleet = fleet
            self.dirty = True

    def fleet_digests(self, sha256: str) -> dict[str, str] | None:
        """The parts of a fleet.yaml found valid before, by its bytes' sha256."""
        return self.fleet[1] if self.fleet is not None and self.fleet[0] == sha256 else None

    def remember_fleet(self, shared: Shared) -> None:
        if shared.content is None or not shared.ok:
            return
        fleet = (hashlib.sha256(shared.content).hexdigest(), dict(shared.digests))
        if fleet != self.fleet:
            self.fleet, self.dirty = fleet, True

    def save(self) -> None:
        if not self.dirty:
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError:
            return  # no cache, no harm
        _dump(self.directory / INDEX, ((FORMAT, fingerprint()), self.entries,
                                       self.disjoint_fleet, self.fleet))
        self.dirty = False


def _fleet_key(job: Job, parts: tuple[str, ...]) -> str:
    return (job.shared or Shared()).key(parts)


def _nothing_to_do(result: SiteResult) -> bool:
    plan = result.plan
    return (plan is not None and plan.state is not None and not plan.content_changed
            and not plan.refused and not result.strays and bool(result.outputs)
            and all(output.on_disk for output in result.outputs))


def _build_key(root: Path, file_key: str, site: Site, file: str) -> tuple[str, int] | None:
    """What a "nothing to do" answer depends on beyond the site file: the state, the
    provisioning file's size, and the listing of build/<site>/; with the provisioning
    file's time. None when it is not there to compare with."""
    directory = os.path.join(root, BUILD_DIR, site.name)  # os, not pathlib: every site, every run
    if os.path.islink(directory) or os.path.islink(os.path.dirname(directory)):
        return None  # the plan refuses a symlinked build/ or build/<site>: never recalled
    try:
        state = read_plain(os.path.join(directory, STATE_FILE), STATE_LIMIT)
        if state is None:
            return None  # not a plain file: the plan says so
        info = os.stat(os.path.join(directory, file))
        listing = sorted(os.listdir(directory))
    except OSError:
        return None
    digest = hashlib.sha256(file_key.encode())
    digest.update(state)
    digest.update(f"{info.st_size}:{listing}".encode())
    return digest.hexdigest(), info.st_mtime_ns


def _holds(root: Path, quiet: Quiet) -> bool:
    """Whether the provisioning file holds the bytes its state was written with."""
    try:
        content = read_plain(os.path.join(root, BUILD_DIR, quiet.site.name, quiet.state.file))
    except OSError:
        return False
    return content is not None and hashlib.sha256(content).hexdigest() == quiet.state.sha256
