"""fleet.yaml as one run read it (merge.py reads it): small, and free of YAML, so that the
cache can weigh a site's parts of it without loading a parser.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from compiler.diagnostics import Diagnostic, Severity, has_errors
from compiler.files import read_plain
from compiler.paths import FLEET_FILE, fleet_file

if TYPE_CHECKING:
    from pathlib import Path

    from compiler.load import LocatedDict

MAX_FLEET_BYTES = 1024 * 1024  # as a site file (load.MAX_FILE_BYTES)
SITES_PART = "sites"  # the part of fleet.yaml that reaches every site
_ABSENT = "-"


@dataclass(frozen=True)
class Shared:
    """fleet.yaml: its bytes (its data, every place in it marked as fleet.yaml's, is
    `data`); its problems; and a digest of each part a site can take (`sites`,
    `profile:NAME`, `provider:NAME`)."""

    content: bytes | None = None  # fleet.yaml's bytes; None: there is none (or it is wrong)
    diagnostics: tuple[Diagnostic, ...] = ()
    digests: Mapping[str, str] = field(default_factory=dict)

    @property
    def data(self) -> LocatedDict | None:
        """The data, parsed when a site first takes from it (in each process): a run the
        cache answers never parses it."""
        if self.content is None:
            return None
        from compiler.merge import parsed

        return parsed(self.content)

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)

    def key(self, parts: Iterable[str]) -> str:
        """What the parts of fleet.yaml a site took are now: equal keys, equal parts."""
        digest = hashlib.sha256()
        for part in parts:
            digest.update(f"{part}\0{self.digests.get(part, _ABSENT)}\0".encode())
        return digest.hexdigest()


def read_shared(root: Path, known: Callable[[str], Mapping[str, str] | None]) -> Shared:
    """fleet.yaml under the root, read and checked; an empty Shared when there is none.
    `known` gives the digests of a fleet.yaml found valid before, by its bytes' sha256:
    such a file is not parsed here."""
    source = fleet_file(root)
    if source is None:
        return Shared()
    if source.refusal is not None:
        return _refused(*source.refusal)
    try:
        content = read_plain(source.path, MAX_FLEET_BYTES)
    except OSError as err:
        return _refused("file-unreadable", f"cannot read the file: {err.strerror or err}")
    if content is None:
        return _refused("file-unreadable", "cannot read the file: it is a pipe, a socket or "
                        "a device, not a file; put the fleet's YAML in a plain file")
    digests = known(hashlib.sha256(content).hexdigest())
    if digests is not None:
        return Shared(content, (), digests)
    from compiler.merge import checked  # YAML is parsed only for a fleet.yaml not seen

    return checked(content)


def _refused(rule: str, message: str) -> Shared:
    return Shared(diagnostics=(Diagnostic(FLEET_FILE, None, None, Severity.ERROR, rule, "",
                                          message),))
