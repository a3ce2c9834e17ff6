"""Targets: one per device family. A target owns everything device-specific (models and
capacities, text limits and character set, parameter IDs, templates, file names); the
pipeline asks it through the small interface below and never tests a model name itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from compiler.model import Site
    from compiler.plan import SlotAssignment


class Revision(Protocol):
    @property
    def number(self) -> int: ...

    @property
    def stamp(self) -> str:
        """DDMMYYHHMM in the DM's local time."""
        ...


class Target(Protocol):
    family: str
    capacity: dict[str, int]  # model -> how many handsets it holds
    min_ipui_firmware: int | None  # below this firmware no IPUI may be provisioned

    def text_limit(self, field: str) -> int:
        """The longest text the device takes for a site field (`login`, `profile_name` ...)."""
        ...

    def text_problem(self, text: str, secret: bool = False) -> str | None:
        """Why the device cannot take this text, or None."""
        ...

    def extra_owner(self, param_id: str) -> str | None:
        """The site key that owns a parameter ID, or None when `extra:` may set it."""
        ...

    def file_name(self, site: Site) -> str: ...

    def read_items(self, content: bytes) -> dict[str, str]:
        """The settings in a file this target wrote, by ID, for the plan's comparison."""
        ...

    def item_scope(self, item_id: str) -> tuple[str, int | None, str]:
        """(slot|provider|pin|window|profile|extra, index, field) of a setting's ID."""
        ...

    def render(self, site: Site, slots: tuple[SlotAssignment, ...],
               revision: Revision | None) -> bytes: ...


def _targets() -> tuple[Target, ...]:
    from compiler.targets.n720 import TARGET as N720

    return (N720,)


def target_for(model: str) -> Target | None:
    """The target that builds files for `model`, or None for a model nobody builds."""
    for target in _targets():
        if model in target.capacity:
            return target
    return None
