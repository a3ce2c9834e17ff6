"""Where things are under a root: the site files, build/ and each site's state. Every
module that needs a place asks here, so that import and publish need no pipeline.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

SITES_DIR = "sites"
BUILD_DIR = "build"
STATE_FILE = "state.json"
LOCK_FILE = ".dectprov.lock"
CACHE_DIR = ".dectprov-cache"
SECRETS_FILE = "secrets.yaml"


@dataclass(frozen=True)
class SourceFile:
    """A site file as a run knows it."""

    path: Path
    display: str  # how diagnostics and the generated file name it: relative to the root
    escapes_root: bool = False  # a symlink that leads out of the root

    @property
    def stem(self) -> str:
        return self.path.stem


def site_files(root: Path, given: list[Path] | None = None) -> list[SourceFile]:
    """The files named on the command line, or every sites/*.yaml under the root."""
    paths = given or sorted((root / SITES_DIR).glob("*.yaml"), key=os.fspath)
    prefix = os.path.join(os.path.abspath(root), "")
    found: dict[str, SourceFile] = {}
    for path in paths:  # a file named twice (`a.yaml ./a.yaml`) is one site file
        display = _display(prefix, path)
        found.setdefault(display, SourceFile(path, display, _escapes(root, path)))
    return list(found.values())


def _display(prefix: str, path: Path) -> str:
    """The path as the user knows it: relative to the root (`prefix`, ending in a
    separator), symlinks not followed."""
    absolute = os.path.abspath(path)
    if absolute.startswith(prefix):
        return absolute[len(prefix):].replace(os.sep, "/")
    return path.as_posix()


def _escapes(root: Path, path: Path) -> bool:
    if not path.is_symlink():
        return False
    return not path.resolve().is_relative_to(root.resolve())


def site_directory(root: Path | str, site: str) -> Path:
    """build/<site>/: the site's provisioning file and its state."""
    return Path(root, BUILD_DIR, site)


def state_path(site_directory: Path) -> Path:
    return site_directory / STATE_FILE


def shown(root: Path, path: Path) -> str:
    """A path under the root as messages name it: relative, with '/'."""
    try:
        return Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        return path.as_posix()
