"""The N720's half of `dectprov import`: an N720 provisioning file is read (reader.py) and
its items mapped to site data (mapping.py). compiler/importer.py does the rest, for any
family: it names the site and its secrets, pins slots and prepares build/<site>/.
"""

from __future__ import annotations

from pathlib import Path

from compiler.diagnostics import Diagnostic, Severity
from compiler.files import read_plain
from compiler.targets import ReadBack
from compiler.targets.n720 import mapping, reader

MODEL = "N720"  # the family's one model: an N720 file names no other
# What leaves nothing to map: the file is not an N720 file that can be read safely.
_FATAL = frozenset({"import-unreadable", "import-too-large", "import-encoding", "import-xml",
                    "import-dtd", "import-structure"})


def read_file(path: Path, display: str, provider: str | None = None) -> ReadBack:
    """The file as site data, with every problem of every item; `display` names the file,
    `provider` the PBX of a file that sets no provider profile."""
    data, problems = _read(path, display)
    if data is None:
        return ReadBack(MODEL, None, tuple(problems))
    read = reader.read(data, display)
    if any(d.rule in _FATAL for d in read.diagnostics):
        return ReadBack(MODEL, None, tuple(read.diagnostics))
    mapped = mapping.to_site(read, display, provider)
    return ReadBack(MODEL, mapped, (*read.diagnostics, *mapped.diagnostics))


def _read(path: Path, display: str) -> tuple[bytes | None, list[Diagnostic]]:
    def problem(rule: str, message: str) -> tuple[None, list[Diagnostic]]:
        return None, [Diagnostic(display, None, None, Severity.ERROR, rule, "", message)]
    try:
        data = read_plain(path, reader.MAX_FILE_BYTES, follow_links=True)
    except OSError as err:
        return problem("import-unreadable", f"cannot read the file: {err.strerror or err}")
    if data is None:
        return problem("import-unreadable", "cannot read the file: it is not a plain file")
    if len(data) > reader.MAX_FILE_BYTES:
        return problem("import-too-large", f"the file is over {reader.MAX_FILE_BYTES // 1024} "
                       "KiB; an N720 file is never that large")
    return data, []
