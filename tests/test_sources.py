"""Every parameter a target writes names a public source that the sources table cites."""

from __future__ import annotations

from pathlib import Path

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


def _unverified_table() -> dict[tuple[str, str], list[str]]:
    """The README's table of unverified facts: (family, key) -> the row's cells."""
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Device facts not verified\n", 1)[1].split("\n## ", 1)[0]
    rows: dict[tuple[str, str], list[str]] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 4 and cells[1].startswith("`"):
            key = (cells[0].lower(), cells[1].strip("`"))
            assert key not in rows, f"{key} is listed twice"
            rows[key] = cells
    return rows


def test_the_readme_table_lists_every_unverified_fact_and_no_other() -> None:
    """Each key of a family's UNVERIFIED_FACTS has its row, saying what dectprov does about
    it; a row whose fact the code no longer holds is stale."""
    in_code = {("n720", key) for key in n720.UNVERIFIED_FACTS}
    in_code |= {("nx70", key) for key in nx70.UNVERIFIED_FACTS}
    rows = _unverified_table()
    assert sorted(in_code - rows.keys()) == [], "facts the README does not list"
    assert sorted(rows.keys() - in_code) == [], "README rows the code does not hold"
    for key, (_, _, unconfirmed, done) in rows.items():
        assert unconfirmed and done, f"{key}: say what is not confirmed and what dectprov does"


def test_parameters_known_only_from_third_parties_are_marked() -> None:
    """A parameter whose form no source confirms is `verified=False` in its table."""
    assert not n720.PROVIDER_OUTBOUND_MODE.verified
    assert not nx70.PROVIDER_OUTBOUND_MODE.verified
    assert not nx70.WINDOW_DM_PASSWORD.verified
