"""Plan: the model against what the last build gave the device. Decides which slot each
handset takes and what changes; deciding only, printing is render_plan's job.
"""

from __future__ import annotations

from dataclasses import dataclass

from compiler.ipui import Ipui
from compiler.model import Handset, Site

SLOTS = 100


@dataclass(frozen=True)
class SlotAssignment:
    """One database slot as the next file writes it."""

    slot: int
    handset: Handset | None  # None: the slot's entry is gone
    released_ipui: Ipui | None = None  # an IPUI the compiler deregistered here


def assign_slots(site: Site) -> tuple[SlotAssignment, ...]:
    """Pinned slots first, then the lowest free slot, in file order, as the device does."""
    taken = {handset.slot for handset in site.handsets if handset.slot is not None}
    free = (slot for slot in range(SLOTS) if slot not in taken)
    assignments = [
        SlotAssignment(handset.slot if handset.slot is not None else next(free), handset)
        for handset in site.handsets
    ]
    return tuple(sorted(assignments, key=lambda a: a.slot))
