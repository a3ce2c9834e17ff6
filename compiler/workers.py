"""The worker processes that compile a large fleet's sites (app._run_all): none of them
outlives the process that started them, holds its lock, or answers its signals.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import TYPE_CHECKING

from compiler import site as site_stage
from compiler.write import STOPPING_SIGNALS, Faults

if TYPE_CHECKING:
    from compiler.site import Job, SiteResult

_PR_SET_PDEATHSIG = 1  # linux/prctl.h


class WorkerLost(Exception):
    """A worker process ended before it returned its sites (killed, or out of memory)."""


def started(parent: int) -> None:
    """The initializer of every worker: it dies with `parent`. The signals that stop a run
    are the parent's to handle; the parent then stops the workers between two sites."""
    for number in STOPPING_SIGNALS:
        signal.signal(number, signal.SIG_IGN)
    if not _kill_me_with_parent():  # not Linux: watch the parent instead
        threading.Thread(target=_watch, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # the parent died before the worker could ask
        os._exit(1)


def _kill_me_with_parent() -> bool:
    import ctypes  # only in a worker

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _watch(parent: int) -> None:  # pragma: no cover - Linux asks the kernel instead
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def run(job: Job) -> SiteResult:
    """One site, in a worker (the fault hook's point `compile`: a slow site, a crash)."""
    Faults.from_environment().reach("compile")
    return site_stage.run(job)
