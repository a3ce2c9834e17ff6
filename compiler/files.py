"""How dectprov reads a file it did not just write (a site file, a state, a provisioning
file, a file to import): only a plain file, and no more of it than it needs. A pipe would
make the read wait for ever and a device may never end, so neither is opened.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path


def read_plain(path: Path | str, limit: int | None = None,
               follow_links: bool = False) -> bytes | None:
    """The file's bytes (at most `limit` + 1 of them, so that a caller sees it is too
    large), or None when it is not a plain file: a link (unless `follow_links`, for a file
    the user names outside the tree), a pipe, a device. A directory raises
    IsADirectoryError, as open() would; a missing or unreadable file raises its OSError."""
    # Before open(), which waits on a pipe; and open() itself follows no link, in case
    # one is put in the file's place meanwhile.
    mode = (os.stat if follow_links else os.lstat)(path).st_mode
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), os.fspath(path))
    if not stat.S_ISREG(mode):
        return None
    flags = os.O_RDONLY | (0 if follow_links else getattr(os, "O_NOFOLLOW", 0))
    try:
        descriptor = os.open(path, flags | getattr(os, "O_NONBLOCK", 0))
    except OSError as err:
        if err.errno == errno.ELOOP:  # a link put in its place since
            return None
        raise
    with open(descriptor, "rb") as stream:
        if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
            return None
        return stream.read() if limit is None else stream.read(limit + 1)
