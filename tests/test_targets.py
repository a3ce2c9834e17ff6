"""Each target's item dictionary, which the plan compares with the last file's, is what
the target's own reader reads back from the file it renders: for the example sites and
for generated valid sites of every model, with handsets present and removed."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from helpers import REPO
from hypothesis import given
from hypothesis import strategies as st
from test_fuzz import FUZZ, sites

from compiler.app import models
from compiler.model import Site, build_site
from compiler.plan import Revision, SitePlan, SlotAssignment, assign, new_state, slot_table
from compiler.targets import Target, target_for

REVISION = Revision(3, "0101260000")


def _target(site: Site) -> Target:
    target = target_for(site.model)
    assert target is not None
    return target


def _read_back(site: Site, slots: tuple[SlotAssignment, ...]) -> dict[str, str]:
    target = _target(site)
    return target.read_items(target.render(site, slots, REVISION))


def _first_and_next(site: Site, kept: list[bool]) -> list[tuple[Site, tuple[SlotAssignment, ...]]]:
    """The site's first file, and the next after the handsets not `kept` are removed."""
    target = _target(site)
    first = slot_table(assign(site, None, target.database_slots), None,
                       Revision(1, REVISION.stamp))
    plan = SitePlan(site, None, first, (), (), Revision(1, REVISION.stamp), True)
    state = new_state(plan, target.file_name(site), "0" * 64)
    fewer = replace(site, handsets=tuple(h for h, keep in zip(site.handsets, kept) if keep))
    after = slot_table(assign(fewer, state, target.database_slots), state,
                       Revision(2, REVISION.stamp))
    return [(site, first), (fewer, after)]


def test_the_examples_items_are_what_their_files_say() -> None:
    examples = models(REPO).sites
    assert {site.model for site in examples} >= {"N720", "N870"}
    for example in examples:
        kept = [index % 3 != 1 for index in range(len(example.handsets))]
        for site, slots in _first_and_next(example, kept):
            assert _target(site).prepare(site, slots).items() == _read_back(site, slots)


@FUZZ
@given(sites(), st.data())
def test_generated_sites_items_are_what_their_files_say(data: dict[str, Any],
                                                        draw: st.DataObject) -> None:
    site = build_site(data, "sites/generated.yaml")
    kept = draw.draw(st.lists(st.booleans(), min_size=len(site.handsets),
                              max_size=len(site.handsets)))
    for version, slots in _first_and_next(site, kept):
        assert _target(version).prepare(version, slots).items() == _read_back(version, slots)


def test_a_header_reads_back_as_it_was_written() -> None:
    from compiler.targets.common import comment, header, read_header

    for source in ("sites/care-home.yaml", "sites/a--b-.yaml"):
        written = f" {comment(header(source, 7))} "  # inside <!-- ... -->
        assert read_header(written) == (source, 7)
    assert read_header(f" {comment(header('sites/x.yaml', None))} ") is None
    assert read_header(" Made by hand. ") is None


def test_each_family_names_the_models_its_target_builds() -> None:
    from compiler.targets import FAMILIES, all_targets

    assert [models for _, models in FAMILIES] == [tuple(target.capacity)
                                                  for target in all_targets()]
    assert all(target_for(model) is target for target in all_targets()
               for model in target.capacity)
    assert target_for("N510") is None
