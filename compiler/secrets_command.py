"""The secrets command of `publish --secrets-command CMD`: a program (`sops -d ...`, `vault
kv get ...`, a password manager's CLI) whose standard output is the secrets YAML. This
module only runs it and returns its output; secrets.py reads that output as it reads the
secrets file.

The command is split into words as a POSIX shell would (shlex) and run without a shell,
unless the shell is asked for. Its stderr is the user's terminal or the CI log; its stdout
is read into memory, at most MAX_OUTPUT_BYTES of it, and never printed: no message here
quotes a byte of it. It runs in a process group of its own, without standard input, so
that a timeout, an output over the cap or a stopping signal ends it and every process it
started.
"""

from __future__ import annotations

import os
import selectors
import shlex
import signal
import subprocess
import time
from dataclasses import dataclass

from compiler.diagnostics import Diagnostic, Severity

DISPLAY = "--secrets-command"  # how diagnostics name the command and its output
RULE = "secret-command"
DEFAULT_TIMEOUT = 60.0  # seconds: a decryption or a vault read takes a few
END_GRACE = 2.0  # seconds between SIGTERM and SIGKILL when the command is stopped
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class SecretsCommand:
    """How publish gets the secrets YAML: `command` run as words, or by /bin/sh when `shell`."""

    command: str
    shell: bool = False
    timeout: float = DEFAULT_TIMEOUT


def size(limit: int) -> str:
    """A size cap as a message says it: `16 MiB`, `512 KiB`."""
    return f"{limit >> 20} MiB" if limit % (1 << 20) == 0 else f"{limit >> 10} KiB"


def run(spec: SecretsCommand, limit: int) -> tuple[bytes | None, Diagnostic | None]:
    """The command's standard output, or why there is none. Output over `limit` bytes, a
    non-zero exit, a signal or the timeout give no output at all."""
    argv, name, problem = _argv(spec)
    if problem is not None:
        return None, problem
    deadline = time.monotonic() + spec.timeout
    try:
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   process_group=0)
    except FileNotFoundError:
        return None, _problem(f"{name} was not found: is it installed, and on the PATH?")
    except OSError as err:
        return None, _problem(f"{name} cannot be run: {err.strerror or err}")
    done = False
    try:  # a stopping signal raises in here, and the command is ended too
        output = _read(process, deadline, limit)
        if output is None:
            return None, _problem(
                f"{name} printed over {size(limit)}; secrets are never that large. "
                "It was stopped, and its output is not read")
        try:
            code = process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            code = None
        if code is None:
            return None, _timed_out(name, spec.timeout)
        done = True
    except _TimedOut:
        return None, _timed_out(name, spec.timeout)
    finally:
        if not done:
            _end(process)
    if code < 0:
        return None, _problem(f"{name} was ended by {_signal_name(-code)}; its output is "
                              "not read (its messages, if any, are above)")
    if code > 0:
        return None, _problem(f"{name} failed with exit status {code}; its output is not "
                              "read (its messages, if any, are above)")
    return output, None


class _TimedOut(Exception):
    pass


def _timed_out(name: str, timeout: float) -> Diagnostic:
    unit = "second" if timeout == 1 else "seconds"
    return _problem(f"{name} did not finish within {timeout:g} {unit} and was stopped; "
                    "it must not wait for input (it has none). Give it longer with "
                    "--secrets-timeout SECONDS")


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _read(process: subprocess.Popen[bytes], deadline: float, limit: int) -> bytes | None:
    """Everything the command prints on stdout up to its end, or None past `limit` bytes.
    Raises _TimedOut at the deadline."""
    assert process.stdout is not None
    descriptor = process.stdout.fileno()
    os.set_blocking(descriptor, False)
    chunks: list[bytes] = []
    size = 0
    with selectors.DefaultSelector() as selector, process.stdout:
        selector.register(descriptor, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise _TimedOut
            if not selector.select(left):
                continue
            try:
                chunk = os.read(descriptor, _CHUNK)
            except BlockingIOError:
                continue
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)


def _argv(spec: SecretsCommand) -> tuple[list[str], str, Diagnostic | None]:
    if spec.shell:
        words = ["/bin/sh", "-c", spec.command]
        return words, "the secrets command", (
            _problem("the secrets command is empty") if not spec.command.strip() else None)
    try:
        words = shlex.split(spec.command)
    except ValueError as err:  # "No closing quotation": it quotes nothing of the command
        return [], "", _problem(f"the secrets command cannot be split into words: {err}; "
                                "quote it as a POSIX shell would")
    if not words:
        return [], "", _problem("the secrets command is empty")
    # The program only: an argument could be a token.
    return words, f"the secrets command '{os.path.basename(words[0])}'", None


def _end(process: subprocess.Popen[bytes]) -> None:
    """Stop the command and whatever it started (its process group): SIGTERM, then SIGKILL."""
    for number, grace in ((signal.SIGTERM, END_GRACE), (signal.SIGKILL, None)):
        try:
            os.killpg(process.pid, number)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            process.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


def _problem(message: str) -> Diagnostic:
    return Diagnostic(DISPLAY, None, None, Severity.ERROR, RULE, "", message)
