"""Targets: one per device family. A target owns everything device-specific (models and
capacities, how handsets are kept, stamps and window bounds, text limits and character
set, parameter IDs, templates, file names); the pipeline asks it through the small
interface below and never tests a model name itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from compiler.model import Site
    from compiler.plan import SlotAssignment


class Revision(Protocol):
    @property
    def number(self) -> int: ...

    @property
    def stamp(self) -> str:
        """In the target's stamp_format, the DM's local time."""
        ...


class Target(Protocol):
    family: str
    capacity: dict[str, int]  # model -> how many handsets it holds
    keyed_by: str  # "slot": a positional database (N720); "ipui": handsets by identity
    # Handsets in a positional database of this many slots (the plan gives each a slot for
    # life); None: the device keeps handsets by IPUI, and the plan places them by IPUI.
    database_slots: int | None
    refused_kinds: frozenset[str]  # plan changes refused unless --allow-reregistration
    min_ipui_firmware: int | None  # below this firmware no IPUI may be provisioned
    stamp_format: str  # strftime format of a revision's stamp, in the DM's local time
    window_years: range  # the years a registration window may start in
    max_window_seconds: int  # the longest registration window the device stores

    encoding: str  # of the provisioning file

    def escape_text(self, text: str) -> str:
        """How a text is written inside a value of this file (publish resolves secrets)."""
        ...

    def text_limit(self, field: str) -> int:
        """The longest text the device takes for a site field (`login`, `profile_name` ...)."""
        ...

    def text_problem(self, text: str, secret: bool = False) -> str | None:
        """Why the device cannot take this text, or None."""
        ...

    def extra_problem(self, param_id: str, value: Any) -> tuple[str, str] | None:
        """(rule, message) when `extra:` may not set this parameter to this value."""
        ...

    def site_problems(self, data: dict[str, Any]) -> list[tuple[tuple[str | int, ...], str, str]]:
        """(path, rule, message) for what a valid site asks that this family cannot do."""
        ...

    def file_name(self, site: Site) -> str: ...

    def read_items(self, content: bytes) -> dict[str, str]:
        """The settings in a file this target wrote, by ID, for the plan's comparison."""
        ...

    def item_scope(self, item_id: str) -> tuple[str, int | str | None, str]:
        """(slot|provider|pin|window|profile|extra, index, field) of a setting's ID."""
        ...

    def render(self, site: Site, slots: tuple[SlotAssignment, ...],
               revision: Revision | None) -> bytes: ...


def all_targets() -> tuple[Target, ...]:
    from compiler.targets.n720 import TARGET as N720
    from compiler.targets.nx70 import TARGET as NX70

    return (N720, NX70)


def target_for(model: str) -> Target | None:
    """The target that builds files for `model`, or None for a model nobody builds."""
    for target in all_targets():
        if model in target.capacity:
            return target
    return None
