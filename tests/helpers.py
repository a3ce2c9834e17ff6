"""What several test modules need: a root holding the example sites, the command line run
in this process with its output captured, and the files under a directory as one value to
compare. Imported as `from helpers import ...`: pytest puts tests/ on the path.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import shutil
from collections.abc import Iterator
from pathlib import Path

from compiler.cli import main

REPO = Path(__file__).resolve().parents[1]


def copy_sites(root: Path) -> Path:
    """`root`, holding a copy of the example sites/ and their fleet.yaml, and nothing built
    yet."""
    shutil.copytree(REPO / "sites", root / "sites")
    shutil.copy(REPO / "fleet.yaml", root / "fleet.yaml")
    return root


def small_fleet(root: Path, count: int) -> Path:
    """`root` holding `count` small N720 sites (v00, v01 ...), one handset each, enough
    for worker processes from 24 on."""
    (root / "sites").mkdir(parents=True, exist_ok=True)
    for n in range(count):
        (root / "sites" / f"v{n:02d}.yaml").write_text(
            f"site: v{n:02d}\nmodel: N720\nmac: \"7C2F80CA22{n:02X}\"\nproviders:\n"
            "  - name: PBX\n    domain: pbx.example.net\nhandsets:\n"
            f"  - ipui: \"03{n:02X}0000A1\"\n    login: \"1\"\n    password: pw-1\n",
            encoding="utf-8")
    return root


def run(*argv: str) -> tuple[int, str, str]:
    """`dectprov argv...` in this process: the exit code, standard output, standard error."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def tree(directory: Path) -> dict[str, bytes]:
    """Every file under `directory`, by its path relative to it, to its bytes; empty when
    there is no such directory."""
    return {name: path.read_bytes() for name, path in _files(directory)}


def tree_digests(directory: Path) -> dict[str, str]:
    """tree(), each file's content kept as its sha256: cheap to hold for many builds."""
    return {name: hashlib.sha256(path.read_bytes()).hexdigest()
            for name, path in _files(directory)}


def tree_with_mtimes(directory: Path) -> dict[str, tuple[bytes, int]]:
    """tree(), with each file's modification time: a rewrite of the same bytes shows."""
    return {name: (path.read_bytes(), path.stat().st_mtime_ns)
            for name, path in _files(directory)}


def _files(directory: Path) -> Iterator[tuple[str, Path]]:
    for path in sorted(directory.rglob("*")):
        if path.is_file():
            yield path.relative_to(directory).as_posix(), path


def secret_line(root: Path, secret: str) -> str:
    """Where publish shows a problem with `secret`: line and column of the `password:` key
    that names it in the example site (the examples' other keys move it as they grow)."""
    lines = (root / "sites" / f"{secret.split('/')[0]}.yaml").read_text(
        encoding="utf-8").splitlines()
    named = next(n for n, line in enumerate(lines) if f"{{secret: {secret}}}" in line)
    return f"{named + 1}:{lines[named].index('password:') + 1}"
