"""Write: the last stage. Files are written to a temporary name in the same directory,
flushed to disk and renamed, so that a crash leaves the old file or the new one, never
half; a lock keeps two builds of one root from interleaving.
"""

from __future__ import annotations

import errno
import fcntl
import os
import signal
import stat
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from compiler.diagnostics import Diagnostic, Severity
from compiler.paths import BUILD_DIR, LOCK_FILE

if TYPE_CHECKING:
    from compiler.site import SiteResult

FAULT_ENVIRONMENT = "DECTPROV_FAULT"
PAUSE_SECONDS = 0.1
STOPPING_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)  # each a Stopped


@dataclass
class Faults:
    """A fault-injection hook for the crash tests, inert unless DECTPROV_FAULT is set:
    `kill:rename:3` kills the process with SIGKILL at the third rename; `pause:write:1`
    waits a moment at the first write of each site, as a slow disk; `ENOSPC:write:1`
    fails the first write as a full disk would (any errno name: EROFS, EACCES ...).
    Points: `write` (before a temporary file is filled), `rename` (before it replaces
    the file) and `compile` (before a worker compiles a site)."""

    action: str = ""
    point: str = ""
    at: int = 0
    seen: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_environment(cls) -> Faults:
        action, _, rest = os.environ.get(FAULT_ENVIRONMENT, "").partition(":")
        point, _, at = rest.partition(":")
        return cls(action, point, int(at) if at.isdigit() else 1)

    def reach(self, point: str) -> None:
        if point != self.point:
            return
        self.seen[point] = self.seen.get(point, 0) + 1
        if self.seen[point] != self.at:
            return
        if self.action == "kill":  # pragma: no cover - the crash tests run it in a child
            os.kill(os.getpid(), signal.SIGKILL)
        if self.action == "pause":  # pragma: no cover - as a slow disk, for a signal to land
            time.sleep(PAUSE_SECONDS)
        code = getattr(errno, self.action, None)
        if isinstance(code, int):
            raise OSError(code, os.strerror(code))


def write_atomic(path: Path, data: bytes, faults: Faults | None = None,
                 mode: int = 0o644, durable: bool = True) -> None:
    """Replace `path` with `data`, or leave it as it was and raise OSError. `durable`
    flushes it to the disk before the rename (not needed for a cache, which may be lost)."""
    commit(stage(path, data, faults, mode, durable), path, faults, durable)


def stage(path: Path, data: bytes, faults: Faults | None = None, mode: int = 0o644,
          durable: bool = True) -> Path:
    """Write `data` to a temporary file beside `path`, to be renamed over it by `commit`;
    nothing is left behind when this fails."""
    faults = faults or Faults()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            faults.reach("write")
            stream.write(data)
            stream.flush()
            if durable:
                os.fsync(stream.fileno())
        os.chmod(temporary, mode)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return Path(temporary)


def commit(staged: Path, path: Path, faults: Faults | None = None,
           durable: bool = True) -> None:
    """Rename a staged file over its target: the old file or the new one, never half."""
    try:
        (faults or Faults()).reach("rename")
        os.replace(staged, path)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    if durable:
        sync_directory(path.parent)


def write_together(files: Sequence[tuple[Path, bytes, int]],
                   faults: Faults | None = None) -> None:
    """Write (path, bytes, mode) files as one: every file staged first, then all renamed
    into place, in order, with the stopping signals held. A failure or a signal while
    staging leaves nothing staged and nothing written."""
    faults = faults or Faults.from_environment()
    staged: list[tuple[Path, Path]] = []
    try:
        for path, data, mode in files:
            staged.append((stage(path, data, faults, mode), path))
        with signals_held():
            for index, (temporary, path) in enumerate(staged):
                commit(temporary, path, faults)
                staged[index] = (path, path)  # renamed: nothing left to remove
    except BaseException:
        for temporary, path in staged:
            if temporary != path:
                temporary.unlink(missing_ok=True)
        raise


def sync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# The lock descriptors this process holds: a forked child (a worker) closes its copies, so
# that the lock is free once this process ends, whatever the child is doing then.
_held_locks: set[int] = set()


def _close_held_locks() -> None:
    for descriptor in _held_locks:
        try:
            os.close(descriptor)
        except OSError:
            pass
    _held_locks.clear()


os.register_at_fork(after_in_child=_close_held_locks)


@contextmanager
def build_lock(root: Path, wait: bool, on_wait: object = None) -> Iterator[bool]:
    """Hold the root's build lock while the block runs; yields False when another build
    holds it and `wait` is False. `on_wait()` is called once before blocking. The lock
    file is never followed out of the root: a symlink or anything but a plain file there
    is an OSError naming it."""
    descriptor = _open_lock(root / LOCK_FILE)
    _held_locks.add(descriptor)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                yield False
                return
            if callable(on_wait):
                on_wait()
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield True
    finally:
        _held_locks.discard(descriptor)
        os.close(descriptor)  # closing releases the lock


def _open_lock(path: Path) -> int:
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        descriptor = os.open(path, flags, 0o644)
    except OSError as err:
        if err.errno == errno.ELOOP:
            raise OSError(err.errno, "it is a symbolic link, which a build never follows; "
                          "delete it", str(path)) from err
        raise
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise OSError(errno.EINVAL, "it is not a plain file; delete it", str(path))
    return descriptor


# -- stopped by a signal -------------------------------------------------------------------


class Stopped(BaseException):  # as KeyboardInterrupt: not an error
    """SIGINT, SIGTERM or SIGHUP stopped the run (the command line turns them into this).
    `written`: the files renamed into place before it stopped, each site whole."""

    def __init__(self, signal_number: int) -> None:
        super().__init__(signal_number)
        self.signal_number = signal_number
        self.written: tuple[Path, ...] = ()


@contextmanager
def stopped_after(written: Sequence[Path]) -> Iterator[None]:
    """A stop in the block comes after `written` were written."""
    try:
        yield
    except Stopped as stop:
        stop.written = stop.written or tuple(written)
        raise


@contextmanager
def signals_held() -> Iterator[None]:
    """The stopping signals wait in this block: while a site's files are renamed (a
    stopped build leaves every site at its old revision or its new one), and while worker
    processes are forked (a stop raised in a fork's own handlers would be lost)."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def sweep_staged(folder: Path, pattern: str) -> None:
    """Remove the staged files (`.<name>.<random>.tmp`) a killed run left in `folder` for
    the files named by `pattern` (a glob of names): plain files only, never through a
    link. A staged secrets file holds passwords: it must not outlive the run."""
    if folder.is_symlink() or not folder.is_dir():
        return
    for path in folder.glob(f".{pattern}.*.tmp"):
        if path.is_file() and not path.is_symlink():
            path.unlink(missing_ok=True)


def sweep(root: Path) -> None:
    """Remove every staged file under build/<site>/, and the directories left empty, when a
    build under the lock is stopped before it knows which files it staged (they are in
    results that a signal or a dead worker took away)."""
    build = root / BUILD_DIR
    if build.is_symlink() or not build.is_dir():
        return
    for directory in build.iterdir():
        if directory.is_symlink() or not directory.is_dir():
            continue
        for path in directory.glob(".*.tmp"):
            if path.is_file() and not path.is_symlink():
                path.unlink(missing_ok=True)
        _remove_if_empty(directory)
    _remove_if_empty(build)


def _remove_if_empty(directory: Path) -> None:
    try:
        directory.rmdir()
    except OSError:
        pass  # not empty


# -- a build's files ----------------------------------------------------------------------


def write_results(results: Sequence[SiteResult], faults: Faults | None = None,
                  ) -> tuple[tuple[Path, ...], Diagnostic | None]:
    """Rename every staged file over its target, the provisioning file before its state,
    and remove what the build no longer writes. Stops at the first failure: every file is
    then either as it was or complete, the rest of the staged files are removed, and the
    next build repairs what is left."""
    written: list[Path] = []
    number = 0
    try:
        for number, result in enumerate(results):
            try:
                with signals_held():
                    written += _write_site(result, faults or Faults())
            except OSError as err:
                discard(results[number:])
                return tuple(written), write_failed(result.name, err)
    except BaseException as stop:  # a signal, between two sites
        discard(results[number:])
        if isinstance(stop, Stopped):
            stop.written = tuple(written)
        raise
    return tuple(written), None


def _write_site(result: SiteResult, faults: Faults) -> list[Path]:
    """A site's staged files renamed into place, in order, and what it no longer writes
    removed; then each directory they are in flushed to the disk once, rather than once
    a rename (the staged files' bytes were flushed as they were staged)."""
    written = []
    for output in result.outputs:
        if output.staged is None:
            continue
        try:
            commit(output.staged, output.path, faults, durable=False)
        except OSError as err:  # name the file, not its temporary twin
            raise OSError(err.errno, err.strerror, str(output.path)) from err
        written.append(output.path)
    for path in result.strays:
        path.unlink(missing_ok=True)
    for directory in dict.fromkeys(path.parent for path in (*written, *result.strays)):
        sync_directory(directory)
    return written


def discard(results: Iterable[SiteResult]) -> None:
    """Remove the staged files of results that will not be written, then the directories
    made for them once they are empty."""
    for result in results:
        for output in result.outputs:
            if output.staged is not None:
                output.staged.unlink(missing_ok=True)
        for output in result.outputs:
            for directory in output.made:
                try:
                    directory.rmdir()
                except OSError:
                    break  # not empty (another file of the site is staged there), or gone


def write_failed(site: str | None, err: OSError) -> Diagnostic:
    """A file of build/<site>/ could not be staged or renamed into place: every file is as
    it was or complete, and nothing is left staged."""
    where = Path(err.filename).name if err.filename else "its files"
    reason = err.strerror or str(err)
    return Diagnostic(f"{BUILD_DIR}/{site}", None, None, Severity.ERROR,
                      "write-failed", "", f"cannot write {where}: {reason}. Every file is "
                      "as it was or complete; fix the cause and build again")
