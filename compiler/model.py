"""Model: validated site data becomes frozen dataclasses, with every default resolved here,
once. Later stages never look at YAML again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from compiler.ipui import Ipui, parse_ipui
from compiler.secrets import SecretRef

DEFAULT_SIP_PORT = 5060
DEFAULT_REREGISTER_SECONDS = 180
DEFAULT_STUN_PORT = 3478  # STUN's port (RFC 5389), and the N720 template's 0x0d96
DEFAULT_DEREGISTRATION_THRESHOLD = 30.0
DEFAULT_DEREGISTRATION_RETENTION = 30 * 86400  # seconds a deregistration is written
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"([0-9]+)([smhd])")
WINDOW_START_FORMAT = "%Y-%m-%d %H:%M"
# A window start: its wall time, and optionally the UTC offset that says which of a repeated
# hour is meant (`2026-10-25 02:30+01:00`).
WINDOW_START = re.compile(r"(?P<wall>[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2})"
                          r"(?P<offset>[+-][0-9]{2}:[0-9]{2})?")


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int

    @classmethod
    def parse(cls, text: str, default_port: int = DEFAULT_SIP_PORT) -> Endpoint:
        host, _, port = text.partition(":")
        return cls(host, int(port) if port else default_port)


@dataclass(frozen=True)
class Stun:
    """STUN on, for a provider: the server, and how often to ask it again (None: as the
    device has it)."""

    server: Endpoint
    refresh_seconds: int | None = None


@dataclass(frozen=True)
class Provider:
    index: int
    name: str
    domain: str
    proxy: Endpoint
    registrar: Endpoint
    outbound_proxy: Endpoint | None
    reregister_seconds: int
    # The typed settings below: None when the site does not set them, and then nothing new
    # is written for them (the transport's UDP excepted, which every file writes).
    transport: str | None = None  # udp | tcp | tls
    srtp: bool | None = None
    codecs: tuple[str, ...] | None = None  # in order of preference
    dtmf: str | None = None  # auto | inband | rfc2833 | sip-info
    stun: Stun | bool | None = None  # a Stun: on; False: off


@dataclass(frozen=True)
class RegistrationWindow:
    """When handsets with a provisioned IPUI may register by themselves: the start as the
    DM's clock shows it, and the UTC offset of the site's zone at that moment (the one the
    site file names, where the hour occurs twice)."""

    start: datetime  # wall time, no zone
    duration_seconds: int  # 0: the window never closes
    offset: timedelta  # the zone's UTC offset at the start

    @property
    def always_open(self) -> bool:
        return self.duration_seconds == 0

    @property
    def instant(self) -> datetime:
        """The moment the window opens, as an aware datetime."""
        return self.start.replace(tzinfo=timezone(self.offset))

    @property
    def end(self) -> datetime:
        """The moment the window closes (its duration counted in seconds, not on the wall
        clock: a window across a change of the clocks closes an hour earlier or later on
        it)."""
        return self.instant + timedelta(seconds=self.duration_seconds)


def wall_time(instant: datetime, zone: str) -> str:
    """`instant` on the clocks of `zone`, 'YYYY-MM-DD HH:MM', with its offset when the zone
    shows that time twice: a reviewer must see which of the two is meant."""
    local = instant.astimezone(ZoneInfo(zone))
    other = local.replace(fold=1 - local.fold)
    shown = f"{local:%Y-%m-%d %H:%M}"
    if other.utcoffset() == local.utcoffset():
        return shown
    offset = local.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{shown}{sign}{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class Pin:
    """The registration PIN: four digits, or None for a random one chosen by the DM."""

    digits: str | None

    @property
    def is_random(self) -> bool:
        return self.digits is None


@dataclass(frozen=True)
class Handset:
    """One entry of `handsets:`: a SIP account, and the handset bound to it by IPUI."""

    position: int  # index in the file's list, for diagnostics
    line: int
    slot: int | None  # pinned with `slot:`; otherwise the plan assigns one
    ipui: Ipui | None
    login: str
    password: str | SecretRef  # a reference is resolved only by publish
    user_id: str
    display_name: str
    account_name: str
    provider: int  # index into Site.providers
    voicemail: str | None  # mailbox number, None when off
    enabled: bool
    at: tuple[int, int] | None = None  # line and column of the entry, for diagnostics
    slot_at: tuple[int, int] | None = None  # line and column of its `slot:` key
    password_at: tuple[int, int] | None = None  # of its `password:` key, when it has one


ExtraValue = str | int | bool | tuple[int, ...]


@dataclass(frozen=True)
class ExtraParam:
    id: str
    value: ExtraValue


# -- site settings: what the DM is told beyond its accounts ----------------------------


@dataclass(frozen=True)
class SiteSecret:
    """A site setting's secret reference, and where the site names it."""

    path: str  # `admin_password`, `directory.password`
    ref: SecretRef
    line: int
    column: int | None = None


@dataclass(frozen=True)
class FirmwareUpdate:
    """Where the DM finds its firmware: the N720's two files, or the Nx70's one."""

    iwu: str | None = None  # N720: the DECT manager's firmware file (URL)
    sat: str | None = None  # N720: the base stations' firmware file (URL)
    version: str | None = None  # Nx70: the version the file holds
    url: str | None = None  # Nx70: the firmware file


@dataclass(frozen=True)
class Directory:
    """A network directory the handsets search."""

    kind: str  # xml | ldap
    name: str
    url: str | None  # xml: the server's URL
    server: str | None  # ldap: host name
    port: int | None  # ldap
    base_dn: str | None  # ldap
    user: str | None
    password: SecretRef | None


@dataclass(frozen=True)
class Vlan:
    id: int
    priority: int | None


@dataclass(frozen=True)
class Settings:
    """The site-level settings; None: the site does not set it, and nothing is written."""

    timezone: str | None = None  # as the site gives it (Site.timezone holds the default)
    ntp_server: str | None = None
    dst: bool | None = None
    admin_password: SecretRef | None = None
    provisioning_server: str | None = None
    check_updates: bool | None = None
    firmware_update: FirmwareUpdate | None = None
    directory: Directory | None = None
    vlan: Vlan | None = None
    tones: str | None = None
    dial_plan_country: str | None = None
    secrets: tuple[SiteSecret, ...] = ()  # every reference above, in the file's order


@dataclass(frozen=True)
class Site:
    name: str
    model: str
    mac: str  # 12 upper-case hex digits
    profile_name: str
    firmware: int | None
    timezone: str
    providers: tuple[Provider, ...]
    window: RegistrationWindow | None
    pin: Pin | None  # None: the PIN is left as the device has it
    handsets: tuple[Handset, ...]
    extra: tuple[ExtraParam, ...]  # sorted by id
    deregistration_threshold: float
    source: str  # the site file, relative to the root
    line: int = 1  # where `handsets:` starts, for diagnostics about the whole site
    authoritative: bool = False  # Nx70: the DM removes every handset the file does not list
    mac_at: tuple[int, int] | None = None  # line and column of the MAC, for the fleet's checks
    name_at: tuple[int, int] | None = None  # of the `site:` key, for the fleet's checks
    # Line and column of the keys the plan's diagnostics point at.
    handsets_at: tuple[int, int] | None = None
    window_at: tuple[int, int] | None = None  # registration.window
    pin_at: tuple[int, int] | None = None  # registration.pin
    authoritative_at: tuple[int, int] | None = None
    # How long a build keeps writing a deregistration (or an emptied slot), in seconds,
    # from the revision that first wrote it: the next build that changes the site after
    # that retires it.
    deregistration_retention: int = DEFAULT_DEREGISTRATION_RETENTION
    settings: Settings = Settings()


def parse_duration(value: int | str) -> int:
    """`72000`, `"90s"`, `"30m"`, `"20h"`, `"2d"`; `0` and `"always"` mean never closing."""
    if isinstance(value, int):
        return value
    if value == "always":
        return 0
    match = _DURATION.fullmatch(value)
    if match is None:
        return int(value)
    return int(match.group(1)) * _DURATION_UNITS[match.group(2)]


def parse_window_start(text: str) -> datetime:
    """The wall time of a window start, without its offset; ValueError when it is no date."""
    match = WINDOW_START.fullmatch(text)
    if match is None:
        raise ValueError(f"not a window start: {text!r}")
    return datetime.strptime(match["wall"].replace("T", " "), WINDOW_START_FORMAT)


def parse_window_offset(text: str) -> timedelta | None:
    """The UTC offset a window start names (`+02:00`), or None when it names none."""
    match = WINDOW_START.fullmatch(text)
    if match is None or match["offset"] is None:
        return None
    offset = match["offset"]
    size = timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6]))
    return -size if offset[0] == "-" else size


def zone_offsets(wall: datetime, zone: ZoneInfo) -> tuple[timedelta, ...]:
    """The UTC offsets at which `zone`'s clocks show `wall`: none in the hour they skip,
    two (the earlier moment's first) in the hour they repeat, one otherwise."""
    found: list[timedelta] = []
    for fold in (0, 1):
        offset = wall.replace(tzinfo=zone, fold=fold).utcoffset()
        assert offset is not None
        # A wall time the clocks skip comes back from UTC as another wall time.
        shown = (wall - offset).replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)
        if shown == wall and offset not in found:
            found.append(offset)
    return tuple(found)


def normalise_mac(text: str) -> str:
    return re.sub(r"[:-]", "", text).upper()


def build_site(data: dict[str, Any], source: str) -> Site:
    """Only for data that passed validation: every value here is known to be well-formed."""
    providers = tuple(_provider(i, p) for i, p in enumerate(data["providers"]))
    registration = data.get("registration", {})
    defaults = data.get("defaults", {})
    provider_index = {p.name: p.index for p in providers}
    handsets = tuple(
        replace(_handset(i, {**defaults, **entry}, provider_index, _line_of(data["handsets"], i)),
                at=_item_at(data["handsets"], i), slot_at=_key_at(entry, "slot"),
                password_at=_key_at(entry, "password"))
        for i, entry in enumerate(data.get("handsets", []))
    )
    return Site(
        name=data["site"],
        model=data["model"],
        mac=normalise_mac(data["mac"]),
        profile_name=data.get("profile_name", data["site"]),
        firmware=data.get("firmware"),
        timezone=data.get("timezone", "UTC"),
        providers=providers,
        window=_window(registration.get("window"), data.get("timezone", "UTC")),
        pin=_pin(registration.get("pin")),
        handsets=handsets,
        extra=tuple(ExtraParam(k, _extra_value(v))
                    for k, v in sorted(data.get("extra", {}).items())),
        deregistration_threshold=float(
            data.get("deregistration_threshold", DEFAULT_DEREGISTRATION_THRESHOLD)),
        source=source,
        line=_key_line(data, "handsets"),
        mac_at=_value_at(data, "mac"),
        name_at=_key_at(data, "site"),
        handsets_at=_key_at(data, "handsets"),
        window_at=_key_at(registration, "window"),
        pin_at=_key_at(registration, "pin"),
        authoritative_at=_key_at(data, "authoritative"),
        authoritative=data.get("authoritative", False),
        deregistration_retention=parse_duration(data["deregistration_retention"])
        if "deregistration_retention" in data else DEFAULT_DEREGISTRATION_RETENTION,
        settings=build_settings(data),
    )


def _key_line(data: dict[str, Any], key: str) -> int:
    locs = getattr(data, "key_locs", {})
    return locs[key].line if key in locs else 1


def _value_at(data: dict[str, Any], key: str) -> tuple[int, int] | None:
    locs = getattr(data, "value_locs", {})
    return (locs[key].line, locs[key].column) if key in locs else None


def _key_at(data: Any, key: str) -> tuple[int, int] | None:
    locs = getattr(data, "key_locs", {})
    return (locs[key].line, locs[key].column) if key in locs else None


def _item_at(items: Any, index: int) -> tuple[int, int] | None:
    locs = getattr(items, "item_locs", None)
    return (locs[index].line, locs[index].column) if locs else None


def _line_of(items: Any, index: int) -> int:
    locs = getattr(items, "item_locs", None)
    return locs[index].line if locs else 0


def _provider(index: int, data: dict[str, Any]) -> Provider:
    # The domain is a name, not host[:port]: without a proxy it is the host, on port 5060.
    proxy = (Endpoint.parse(data["proxy"]) if "proxy" in data
             else Endpoint(data["domain"], DEFAULT_SIP_PORT))
    registrar = Endpoint.parse(data["registrar"]) if "registrar" in data else proxy
    outbound = data.get("outbound_proxy")
    return Provider(
        index=index,
        name=data["name"],
        domain=data["domain"],
        proxy=proxy,
        registrar=registrar,
        outbound_proxy=Endpoint.parse(outbound) if outbound else None,
        reregister_seconds=data.get("reregister_seconds", DEFAULT_REREGISTER_SECONDS),
        **_provider_settings(data),
    )


def _provider_settings(data: dict[str, Any]) -> dict[str, Any]:
    """The typed settings a provider sets; the others stay None."""
    found: dict[str, Any] = {key: data[key] for key in ("transport", "srtp", "dtmf")
                             if key in data}
    if "codecs" in data:
        found["codecs"] = tuple(data["codecs"])
    stun = data.get("stun")
    if isinstance(stun, dict):
        found["stun"] = Stun(Endpoint.parse(stun["server"], DEFAULT_STUN_PORT),
                             stun.get("refresh_seconds"))
    elif stun is False:
        found["stun"] = False
    return found


def _handset(position: int, data: dict[str, Any], providers: dict[str, int], line: int) -> Handset:
    login = data["login"]
    ipui = parse_ipui(data["ipui"]) if "ipui" in data else None
    voicemail = data.get("voicemail", False)
    return Handset(
        position=position,
        line=line,
        slot=data.get("slot"),
        ipui=ipui if isinstance(ipui, Ipui) else None,
        login=login,
        password=_password(data["password"]),
        user_id=data.get("user_id", login),
        display_name=data.get("display_name", login),
        account_name=data.get("account_name", login),
        provider=providers[data["provider"]] if "provider" in data else 0,
        voicemail=voicemail if isinstance(voicemail, str) else None,
        enabled=data.get("enabled", True),
    )


def _password(value: str | dict[str, str]) -> str | SecretRef:
    return value if isinstance(value, str) else SecretRef(value["secret"])


def _window(data: dict[str, Any] | None, zone: str) -> RegistrationWindow | None:
    if data is None:
        return None
    start = parse_window_start(data["start"])
    # Validation has made sure the zone shows this wall time, once or at the offset named.
    offset = parse_window_offset(data["start"])
    if offset is None:
        offset = zone_offsets(start, ZoneInfo(zone))[0]
    return RegistrationWindow(start, parse_duration(data["duration"]), offset)


def _pin(value: str | None) -> Pin | None:
    if value is None:
        return None
    return Pin(None if value == "random" else value)


def _extra_value(value: Any) -> ExtraValue:
    return tuple(value) if isinstance(value, list) else value


def build_settings(data: dict[str, Any]) -> Settings:
    """The site settings of valid site data."""
    time, provisioning = data.get("time", {}), data.get("provisioning", {})
    locale, firmware = data.get("locale", {}), data.get("firmware_update")
    vlan = data.get("network", {}).get("vlan")
    admin = data.get("admin_password")
    return Settings(
        timezone=data.get("timezone"),
        ntp_server=time.get("ntp_server"),
        dst=time.get("dst"),
        admin_password=SecretRef(admin["secret"]) if admin else None,
        provisioning_server=provisioning.get("server"),
        check_updates=provisioning.get("check_updates"),
        firmware_update=FirmwareUpdate(**firmware) if firmware else None,
        directory=_directory(data.get("directory")),
        vlan=Vlan(vlan["id"], vlan.get("priority")) if vlan else None,
        tones=locale.get("tones"),
        dial_plan_country=locale.get("dial_plan_country"),
        secrets=tuple(_site_secrets(data)),
    )


def _directory(data: dict[str, Any] | None) -> Directory | None:
    if data is None:
        return None
    password = data.get("password")
    return Directory(kind=data["type"], name=data["name"], url=data.get("url"),
                     server=data.get("server"), port=data.get("port"),
                     base_dn=data.get("base_dn"), user=data.get("user"),
                     password=SecretRef(password["secret"]) if password else None)


# The site settings that hold a secret reference, by their path.
SECRET_SETTINGS = (("admin_password",), ("directory", "password"))


def _site_secrets(data: dict[str, Any]) -> list[SiteSecret]:
    found = []
    for path in SECRET_SETTINGS:
        parent: Any = data
        for key in path[:-1]:
            parent = parent.get(key, {})
        reference = parent.get(path[-1])
        if reference:
            at = _key_at(parent, path[-1])
            found.append(SiteSecret(".".join(path), SecretRef(reference["secret"]),
                                    *(at or (1, None))))
    return found
