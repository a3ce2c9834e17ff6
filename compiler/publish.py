"""Publish: the deploy step after a build. It takes the files under build/ exactly as
reviewed, replaces each secret placeholder with its value, and writes the result where the
provisioning server serves it. Values are checked against the device's rules and never
shown; a missing one stops everything before a file is written.

Writing is all or nothing as far as a machine allows: every file is staged beside its
target first (mode 0600, under a name only publish uses), then renamed into place. A full
disk, SIGTERM, SIGINT or SIGHUP removes what is staged and says which files were written;
what a SIGKILL leaves is removed by the next publish to that folder.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import signal
import subprocess
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from secrets import token_hex
from types import FrameType
from typing import TYPE_CHECKING

from compiler.diagnostics import Diagnostic, Severity
from compiler.paths import BUILD_DIR, site_directory
from compiler.secrets import PLACEHOLDER, SecretRef, SecretStore, environment_name
from compiler.targets import Target, target_for
from compiler.write import Faults, sync_directory

if TYPE_CHECKING:
    from compiler.model import Site
    from compiler.state import State

FILE_MODE = 0o600
DIRECTORY_MODE = 0o700
PASSWORD_FIELD = "handsets.password"  # a handset's secret field; a site setting's is its path
STOPPING_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# A file publish stages: `.<target name>.publish-<16 hex digits>.tmp`. Nothing else in the
# target folder matches it, so the next publish removes these and only these.
STAGED_NAME = re.compile(r"\.(?P<target>.+)\.publish-[0-9a-f]{16}\.tmp")


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
    publications, problems = [], list(_inside_repository(root, destination))
    for state, site in sites:
        target = target_for(site.model)
        assert target is not None, "check passed: the site is valid"
        content, unread = _built(root, state, site.name)
        if unread is not None:
            problems.append(unread)
            continue
        text = content.decode(target.encoding)
        resolved, missing = _substitute(text, target, store, site)
        missing = [_in_file(d, text, target, state, site) for d in missing]
        problems += missing
        if not missing:
            publications.append(Publication(site.name, state.revision, site.mac,
                                            destination / state.file,
                                            resolved.encode(target.encoding)))
    return publications, problems


def _built(root: Path, state: State, name: str) -> tuple[bytes, Diagnostic | None]:
    """The file as check saw it; or why not, when it was removed or changed since."""
    path = site_directory(root, name) / state.file
    where = f"{BUILD_DIR}/{name}/{state.file}"
    try:
        content = path.read_bytes()
    except OSError as err:
        return b"", Diagnostic(where, None, None, Severity.ERROR, "stale", "",
                               f"cannot read it: {err.strerror or err}; it went after check "
                               "passed: build and check again, then publish")
    if hashlib.sha256(content).hexdigest() != state.sha256:
        return b"", Diagnostic(where, None, None, Severity.ERROR, "stale", "",
                               "it changed after check passed: build and check again, then "
                               "publish")
    return content, None


def _inside_repository(root: Path, destination: Path) -> list[Diagnostic]:
    """Real passwords must not land where git could pick them up: a target inside the root,
    or inside the git work tree that holds it, is refused (symlinks resolved first)."""
    target = destination.resolve()
    for tree in dict.fromkeys([root.resolve(), *_work_tree(root)]):
        if target.is_relative_to(tree):
            return [Diagnostic("--to", None, None, Severity.ERROR, "publish-target", "",
                               f"{destination} is inside the repository ({tree}); publish "
                               "writes real passwords there: choose a folder outside it")]
    return []


def _work_tree(root: Path) -> list[Path]:
    try:
        found = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=root,
                               capture_output=True, text=True, check=False, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return []  # no git: the root alone is the repository
    top = found.stdout.strip()
    return [Path(top).resolve()] if found.returncode == 0 and top else []


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
        problem = _problem(target, name, value, store.source)
        if problem is None and value is not None:
            values[name] = value
            continue
        line, column = handset.password_at or handset.at or (handset.line, None)
        problems.append(Diagnostic(site.source, line, column, Severity.ERROR, "secret",
                                   f"handsets[{handset.position}].password",
                                   f"secret '{name}' of site {site.name} {problem}"))
    for secret in site.settings.secrets:  # the admin password, a directory's password
        name = secret.ref.name
        references[name] += 1
        value = store.value(name)
        problem = _problem(target, name, value, store.source, secret.path)
        if problem is None and value is not None:
            values[name] = value
            continue
        problems.append(Diagnostic(site.source, secret.line, secret.column, Severity.ERROR,
                                   "secret",
                                   secret.path, f"secret '{name}' of site {site.name} "
                                   f"{problem}"))
    # A placeholder the passwords do not account for is in some other text (a display name,
    # an extra value, a literal password): resolving it there would show the secret on the
    # device or break the file, so nothing is resolved.
    for name in sorted(Counter(PLACEHOLDER.findall(text)) - references):
        problems.append(Diagnostic(
            site.source, None, None, Severity.ERROR, "secret-placeholder", name,
            f"site {site.name} has '${{secret:{name}}}' in a text that is not a "
            "{secret: NAME} password; publish resolves secrets in passwords only: change "
            "that text"))
    if problems:
        return text, problems
    return PLACEHOLDER.sub(lambda match: target.escape_text(values[match.group(1)]), text), []


def _in_file(diagnostic: Diagnostic, text: str, target: Target, state: State,
             site: Site) -> Diagnostic:
    """A stray placeholder's diagnostic, at its place in the built file (its path held the
    secret's name until here); any other as it is."""
    if diagnostic.rule != "secret-placeholder":
        return diagnostic
    line, column = _stray_at(text, target, site, diagnostic.path)
    return Diagnostic(f"{BUILD_DIR}/{site.name}/{state.file}", line, column,
                      diagnostic.severity, diagnostic.rule, "", diagnostic.message)


def _stray_at(text: str, target: Target, site: Site, name: str) -> tuple[int, int]:
    """Line and column of the first `${secret:NAME}` in the built file that is not in the
    item of a password that names it (the targets write one item a line); else of the
    first one."""
    own = _password_items(text, target, site, name)
    found = []
    for match in re.finditer(re.escape("${secret:" + name + "}"), text):
        start = text.rfind("\n", 0, match.start()) + 1
        end = text.find("\n", match.end())
        line = text[start:end if end >= 0 else len(text)]
        found.append((text.count("\n", 0, start) + 1, match.start() - start + 1))
        if not any(f'"{item}"' in line for item in own):
            return found[-1]
    return found[0]


def _password_items(text: str, target: Target, site: Site, name: str) -> set[str]:
    """The IDs of the items that hold the passwords that name this secret: the slots (or
    IPUIs) of the handsets that name it, and the settings that do."""
    ref = SecretRef(name)
    content = text.encode(target.encoding)
    logins = {h.login for h in site.handsets if h.password == ref}
    places = {key for key, place in target.places(content).items() if place.login in logins}
    settings = {secret.path.split(".")[0] for secret in site.settings.secrets
                if secret.ref == ref}
    own = set()
    for item in target.read_items(content):
        scope, index, field = target.item_scope(item)
        if (scope == "slot" and field == "password" and (
                index in places)) or (
                scope == "setting" and field.split(".")[0] in settings):
            own.add(item)
    return own


def _problem(target: Target, name: str, value: str | None, source: str,
             field: str = PASSWORD_FIELD) -> str | None:
    """Why a value cannot be published, in words that do not give it away."""
    if value is None:
        return f"is not set: export {environment_name(name)}, or add '{name}' to {source}"
    if not value:
        return "is empty"
    return password_problem(target, value, field)


def password_problem(target: Target, value: str, field: str = PASSWORD_FIELD) -> str | None:
    """Why the device cannot take this password, without giving it away."""
    problem = target.text_problem(value, secret=True)
    if problem is not None:
        return problem
    limit = target.text_limit(field)
    if len(value) > limit:
        return f"is longer than the {limit} characters the device takes"
    return None


# -- writing ------------------------------------------------------------------------------


class Interrupted(BaseException):
    """A stopping signal arrived: `written` are in place, `unwritten` are as they were,
    and nothing is left staged."""

    def __init__(self, signum: int, written: tuple[Publication, ...] = (),
                 unwritten: tuple[Publication, ...] = ()) -> None:
        super().__init__(signum)
        self.signum, self.written, self.unwritten = signum, written, unwritten

    @property
    def summary(self) -> str:
        name = signal.Signals(self.signum).name
        if not self.written and not self.unwritten:
            return f"stopped by {name} before writing: nothing was written"
        return f"stopped by {name}: {progress(self.written, self.unwritten)}"


class WriteFailed(OSError):
    """A file could not be staged or renamed: `problem` names it and says which files were
    written and which not; nothing is left staged."""

    def __init__(self, err: OSError, written: tuple[Publication, ...],
                 unwritten: tuple[Publication, ...]) -> None:
        super().__init__(err.errno, f"{err.strerror or err}; {progress(written, unwritten)}",
                         err.filename)
        self.written = written

    @property
    def problem(self) -> str:
        return f"{self.filename or 'the target folder'}: {self.strerror}"


def progress(written: tuple[Publication, ...], unwritten: tuple[Publication, ...]) -> str:
    """Which files are in place and which are as they were, by name."""
    total = len(written) + len(unwritten)

    def names(publications: tuple[Publication, ...]) -> str:
        return ", ".join(p.path.name for p in publications) if publications else "none"

    return (f"written {len(written)} of {total} ({names(written)}); not written "
            f"{len(unwritten)} of {total} ({names(unwritten)})")


class SignalStop:
    """The handler of the stopping signals while publish runs: it raises Interrupted at
    once, except while files are staged or renamed, when it only records the signal for
    `write` to stop at the next file. It knows what `write` has written so far."""

    def __init__(self) -> None:
        self.received: int | None = None
        self.deferring = False
        self.written: tuple[Publication, ...] = ()
        self.unwritten: tuple[Publication, ...] = ()

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.received = signum
        if not self.deferring:
            raise Interrupted(signum, self.written, self.unwritten)

    def stop_here(self) -> None:
        if self.received is not None:
            raise Interrupted(self.received, self.written, self.unwritten)


@contextmanager
def stopping_on_signals() -> Iterator[SignalStop]:
    """SIGINT, SIGTERM and SIGHUP raise Interrupted in the block instead of ending the
    process where it stands; the previous handlers come back after it."""
    stop = SignalStop()
    previous = {number: signal.signal(number, stop) for number in STOPPING_SIGNALS}
    try:
        yield stop
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def write(publications: list[Publication], faults: Faults | None = None) -> None:
    """Stage every file beside its target, then rename each into place; directories created
    here are private. Raises WriteFailed or Interrupted, with nothing left staged."""
    faults = faults or Faults.from_environment()
    stop = signal.getsignal(signal.SIGTERM)
    if not isinstance(stop, SignalStop):
        stop = SignalStop()  # no handler of ours: a signal acts as it would anyway
    stop.unwritten = tuple(publications)
    staged: list[Path] = []
    stop.deferring = True
    try:
        with ExitStack() as folders:
            _write_staged(publications, faults, stop, staged, folders)
    except OSError as err:
        raise WriteFailed(err, stop.written, stop.unwritten) from None
    finally:
        for path in staged:
            path.unlink(missing_ok=True)
        stop.deferring = False
    stop.stop_here()  # a signal in the last rename: said, though everything is written


def _write_staged(publications: list[Publication], faults: Faults, stop: SignalStop,
                  staged: list[Path], folders: ExitStack) -> None:
    for folder in dict.fromkeys(p.path.parent for p in publications):
        _make_private_directories(folder)
        folders.enter_context(_folder_lock(folder))  # two publishes to a folder take turns
        remove_leftovers(folder)
    for publication in publications:
        stop.stop_here()
        staged.append(_staged_path(publication.path))
        with _naming(publication.path):
            _stage(staged[-1], publication.content, faults)
    for number, publication in enumerate(publications):
        stop.stop_here()
        with _naming(publication.path):
            faults.reach("rename")
            os.replace(staged[number], publication.path)
        stop.written, stop.unwritten = stop.written + (publication,), stop.unwritten[1:]
    for folder in dict.fromkeys(p.path.parent for p in publications):
        sync_directory(folder)


@contextmanager
def _naming(target: Path) -> Iterator[None]:
    """An OSError names the file it was for, not its staged twin."""
    try:
        yield
    except OSError as err:
        raise OSError(err.errno, err.strerror, str(target)) from err


def _staged_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.publish-{token_hex(8)}.tmp")


def _is_staged(path: Path) -> bool:
    return STAGED_NAME.fullmatch(path.name) is not None


def _stage(path: Path, content: bytes, faults: Faults) -> None:
    """The file, private from its first byte, flushed to the disk."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW,
                         FILE_MODE)
    with os.fdopen(descriptor, "wb") as stream:
        faults.reach("write")
        stream.write(content)
        stream.flush()
        os.fsync(stream.fileno())
    os.chmod(path, FILE_MODE)  # O_CREAT's mode is narrowed by the umask only


def remove_leftovers(folder: Path) -> list[Path]:
    """Remove the staged files an earlier publish to `folder` left when it was killed: only
    plain files named as publish names them, nothing else in the folder."""
    removed = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if _is_staged(Path(entry.name)) and entry.is_file(follow_symlinks=False):
                Path(entry.path).unlink(missing_ok=True)
                removed.append(Path(entry.path))
    return removed


@contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def _make_private_directories(directory: Path) -> None:
    missing = []
    while not directory.exists():
        missing.append(directory)
        directory = directory.parent
    for path in reversed(missing):
        path.mkdir(mode=DIRECTORY_MODE)
        os.chmod(path, DIRECTORY_MODE)  # mkdir's mode is narrowed by the umask only
