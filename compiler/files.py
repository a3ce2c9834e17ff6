"""How dectprov reads a file it did not just write (a site file, a state, a provisioning
file, a file to import): only a plain file, and no more of it than it needs. A pipe would
make the read wait for ever and a device may never end, so neither is opened.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path


def read_plain(path: Path | str, limit: int | None = None) -> bytes | None:
    """The file's bytes (at most `limit` + 1 of them, so that a caller sees it is too
    large), or None when it is not a plain file. A directory raises IsADirectoryError, as
    open() would; a missing or unreadable file raises its OSError."""
    mode = os.stat(path).st_mode  # before open(), which waits on a pipe
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), os.fspath(path))
    if not stat.S_ISREG(mode):
        return None
    with open(path, "rb") as stream:
        return stream.read() if limit is None else stream.read(limit + 1)
