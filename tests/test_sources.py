"""Every parameter a target writes names a public source that the sources table cites."""

from __future__ import annotations

import pytest

from compiler.targets.n720 import params as n720
from compiler.targets.nx70 import params as nx70
from compiler.targets.sources import SOURCES


@pytest.mark.parametrize("param", n720.ALL_PARAMS + nx70.ALL_PARAMS,
                         ids=lambda p: getattr(p, "id", None) or p.name)
def test_every_parameter_cites_a_known_source(param: object) -> None:
    assert param.source in SOURCES  # type: ignore[attr-defined]


def test_every_source_is_cited_with_where_to_read_it() -> None:
    for key, citation in SOURCES.items():
        assert len(citation) > 30, key
        assert "wazo-platform" in citation or "Gigaset" in citation or "OpenScape" in citation
