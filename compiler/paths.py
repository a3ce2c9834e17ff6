"""Where things are under a root: the site files, fleet.yaml, build/ and each site's
state. Every module that needs a place asks here, so that import and publish need no
pipeline.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

SITES_DIR = "sites"
BUILD_DIR = "build"
STATE_FILE = "state.json"
LOCK_FILE = ".dectprov.lock"
SECRETS_FILE = "secrets.yaml"
FLEET_FILE = "fleet.yaml"  # optional: shared providers, site defaults, profiles


@dataclass(frozen=True)
class SourceFile:
    """A site file as a run knows it."""

    path: Path
    display: str  # how diagnostics and the generated file name it: relative to the root
    # Why it is not read at all, as (rule, message): a link (never followed, wherever it
    # leads), or a name that is not UTF-8. None: it is read.
    refusal: tuple[str, str] | None = None

    @property
    def stem(self) -> str:
        return self.path.stem


def site_files(root: Path, given: list[Path] | None = None) -> list[SourceFile]:
    """The files named on the command line, or every sites/*.yaml under the root. A
    `sites/` that is a link is not listed: it stands for itself, refused."""
    folder = root / SITES_DIR
    if not given and folder.is_symlink():
        return [SourceFile(folder, f"{SITES_DIR}/", ("site-symlink", _LINK.format(
            what=f"{SITES_DIR}/ is a symlink", keep="keep the site files in a real sites/ "
            "folder of the repository")))]
    paths = given or sorted(folder.glob("*.yaml"), key=os.fspath)
    prefix = os.path.join(os.path.abspath(root), "")
    found: dict[str, SourceFile] = {}
    for path in paths:  # a file named twice (`a.yaml ./a.yaml`) is one site file
        display = _display(prefix, path)
        found.setdefault(display, SourceFile(path, display, _refusal(path)))
    return list(found.values())


_LINK = "{what}; dectprov follows no link, wherever it leads: {keep}"


def _display(prefix: str, path: Path) -> str:
    """The path as the user knows it: relative to the root (`prefix`, ending in a
    separator), symlinks not followed; a byte that is not UTF-8 shown escaped."""
    absolute = os.path.abspath(path)
    shown = absolute[len(prefix):].replace(os.sep, "/") if absolute.startswith(prefix) \
        else path.as_posix()
    return os.fsencode(shown).decode("utf-8", "backslashreplace")


def _refusal(path: Path) -> tuple[str, str] | None:
    if path.is_symlink():
        return "site-symlink", _LINK.format(what="the site file is a symlink",
                                            keep="keep site files in the repository as files")
    if not _utf8(os.fspath(path)):
        return "file-name", "the file name is not UTF-8; rename it"
    return None


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # a byte os.fsdecode kept as a lone surrogate
        return False
    return True


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


def fleet_file(root: Path) -> SourceFile | None:
    """fleet.yaml beside sites/, when there is one (a link stands for itself, refused)."""
    path = Path(root, FLEET_FILE)
    if not path.is_symlink() and not path.exists():
        return None
    refusal = ("site-symlink", _LINK.format(what=f"{FLEET_FILE} is a symlink",
                                            keep=f"keep {FLEET_FILE} in the repository as a file")
               ) if path.is_symlink() else None
    return SourceFile(path, FLEET_FILE, refusal)
