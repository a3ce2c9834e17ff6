"""Targets: one per device family. A target owns everything device-specific (models and
capacities, how handsets are kept, stamps and window bounds, text limits and character
set, parameter IDs, how its file is written and named, reading it back); the pipeline asks it
through the small interface below and never tests a model name itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from pathlib import Path

    from compiler.diagnostics import Diagnostic
    from compiler.ipui import Ipui
    from compiler.model import Site
    from compiler.plan import SlotAssignment


class Revision(Protocol):
    @property
    def number(self) -> int: ...

    @property
    def stamp(self) -> str:
        """In the target's stamp_format, the DM's local time."""
        ...


class Rendering(Protocol):
    def file(self, revision: Revision | None) -> bytes:
        """The file's bytes at this revision (None: no revision is written)."""
        ...

    def items(self) -> dict[str, str]:
        """The settings the file holds, by ID, exactly as read_items reads them back from
        it: the plan compares them with the last file's, without reading its own output."""
        ...


@dataclass(frozen=True)
class Place:
    """A handset place as a provisioning file writes it, read back from the file alone:
    what the device is told about that slot (N720) or that IPUI (Nx70)."""

    ipui: str | None  # the handset bound here, 10 upper-case hex digits; None: none
    login: str | None  # the SIP account's login; None: no account (or an emptied one)
    enabled: bool  # the account is on (the Nx70 has no such switch: always on)
    deregisters: bool  # the file deregisters a handset here (an all-zero code; ToDeReg)


class Target(Protocol):
    family: str
    capacity: dict[str, int]  # model -> how many handsets it holds
    # Handsets in a positional database of this many slots (the plan gives each a slot for
    # life); None: the device keeps handsets by IPUI, and the plan places them by IPUI.
    database_slots: int | None
    refused_kinds: frozenset[str]  # plan changes refused unless --allow-reregistration
    min_ipui_firmware: int | None  # below this firmware no IPUI may be provisioned
    stamp_format: str  # strftime format of a revision's stamp, in the DM's local time
    window_years: range  # the years a registration window may start in
    max_window_seconds: int  # the longest registration window the device stores
    window_never_closes: bool  # a duration of 0 keeps the window open (`duration: always`)

    encoding: str  # of the provisioning file

    @property
    def importer(self) -> Importer | None:
        """What reads this family's provisioning files back for `dectprov import`, or None
        when nothing does."""
        ...

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

    def site_warnings(self, data: dict[str, Any]) -> list[tuple[tuple[str | int, ...], str, str]]:
        """(path, rule, message) for what this family leaves out of a valid site's file
        without refusing it."""
        ...

    def file_name(self, site: Site) -> str: ...

    def read_items(self, content: bytes) -> dict[str, str]:
        """The settings in a file this target wrote, by ID: the last build's file, which
        the state does not describe item by item, for the plan's comparison."""
        ...

    def item_scope(self, item_id: str) -> tuple[str, int | str | None, str]:
        """(slot|provider|pin|window|profile|extra, index, field) of a setting's ID."""
        ...

    def places(self, content: bytes) -> dict[int | str, Place]:
        """The handset places a file this target wrote holds, by slot or by IPUI: the
        device's side of what the state records, read from the file alone."""
        ...

    def prepare(self, site: Site, slots: tuple[SlotAssignment, ...]) -> Rendering:
        """The file of this site and these slots, built once: written at any revision,
        and read as the plan compares it."""
        ...

    def render(self, site: Site, slots: tuple[SlotAssignment, ...],
               revision: Revision | None) -> bytes:
        """prepare(site, slots).file(revision)."""
        ...


# Each family's module, with the models it builds (its target's capacity says the same;
# a test keeps them so): a run imports only the families its sites are of.
FAMILIES = (
    ("compiler.targets.n720", ("N720",)),
    ("compiler.targets.nx70", ("N870", "N870E", "N770", "N670", "N610")),
)


def all_targets() -> tuple[Target, ...]:
    return tuple(_target(module) for module, _ in FAMILIES)


def target_for(model: str) -> Target | None:
    """The target that builds files for `model`, or None for a model nobody builds."""
    for module, models in FAMILIES:
        if model in models:
            return _target(module)
    return None


def _target(module: str) -> Target:
    import importlib

    return importlib.import_module(module).TARGET  # type: ignore[no-any-return]


def importing_target() -> tuple[Target, Importer]:
    """The target whose files `dectprov import` reads, with its importer: the one family
    that has one (with a second, the file or the user would have to say which family)."""
    found = [(target, importer) for target in all_targets()
             if (importer := target.importer) is not None]
    assert len(found) == 1, "import reads the files of one family"
    return found[0]


# -- reading a file back, for `dectprov import` ---------------------------------------------


class Importer(Protocol):
    def __call__(self, path: Path, display: str, provider: str | None = None) -> ReadBack:
        """The provisioning file at `path` as site data; `display` names it in diagnostics,
        `provider` the domain of the PBX a file without any provider profile uses."""
        ...


@dataclass(frozen=True)
class Origin:
    """The item a piece of site data comes from, and where it starts."""

    line: int
    id: str
    column: int


@dataclass(frozen=True)
class MappedSlot:
    slot: int
    handset: dict[str, Any] | None  # a `handsets:` entry, the password as the file has it;
    # None: a freed slot (an emptied, disabled account)
    released: Ipui | None  # the IPUI its zero handset code deregisters, when the file says
    origin: Origin


@dataclass
class Mapped:
    data: dict[str, Any] = field(default_factory=dict)  # site data but site, model, handsets
    slots: list[MappedSlot] = field(default_factory=list)  # ascending
    stamp: str | None = None  # the file's revision stamp (the N720's VERSION), if it has one
    header_site: str | None = None  # the site a file dectprov wrote names in its header
    revision: int | None = None  # and its revision
    where: dict[str, Origin] = field(default_factory=dict)  # site path, as shown -> item
    diagnostics: list[Diagnostic] = field(default_factory=list)


@dataclass(frozen=True)
class ReadBack:
    """A provisioning file read back by its target's importer."""

    model: str  # the model the site names
    mapped: Mapped | None  # None: the file cannot be read at all, and the diagnostics say why
    diagnostics: tuple[Diagnostic, ...]  # of reading the file, then of mapping it
