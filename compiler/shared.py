"""fleet.yaml as one run read it (merge.py reads it): small, and free of YAML, so that the
cache can weigh a site's parts of it without loading a parser.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from compiler.diagnostics import Diagnostic, has_errors

if TYPE_CHECKING:
    from compiler.load import LocatedDict

SITES_PART = "sites"  # the part of fleet.yaml that reaches every site
_ABSENT = "-"


@dataclass(frozen=True)
class Shared:
    """fleet.yaml: its data, every place in it marked as fleet.yaml's; its problems; and a
    digest of each part a site can take (`sites`, `profile:NAME`, `provider:NAME`)."""

    data: LocatedDict | None = None  # None: no fleet.yaml (or one with errors)
    diagnostics: tuple[Diagnostic, ...] = ()
    digests: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)

    def key(self, parts: Iterable[str]) -> str:
        """What the parts of fleet.yaml a site took are now: equal keys, equal parts."""
        digest = hashlib.sha256()
        for part in parts:
            digest.update(f"{part}\0{self.digests.get(part, _ABSENT)}\0".encode())
        return digest.hexdigest()
