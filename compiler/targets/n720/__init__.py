"""The N720 target: a Gigaset N720 DM PRO takes one ISO-8859-1 XML file of SYMB_ITEMs,
and keeps handsets in a positional database of 100 slots (slot x = SIP account x+1).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from compiler.ipui import ZERO
from compiler.targets import Place
from compiler.targets.common import (
    MAX_WINDOW_SECONDS_SHARED,
    STAMP_FORMAT_SHARED,
    TEXT_LIMITS_SHARED,
    WINDOW_YEARS_SHARED,
    Problem,
    comment,
    escape_attribute,
    header,
    is_control,
    providers_of,
    refused_provider_settings,
    text_of,
    unsupported,
    utc_offset,
    year_offsets,
)
from compiler.targets.n720 import params as P
from compiler.text import value_at

if TYPE_CHECKING:
    from compiler.model import Directory, ExtraValue, Handset, Provider, Site
    from compiler.plan import SlotAssignment
    from compiler.targets import Importer, Revision

ENCODING = "iso-8859-1"
# The file around its items: the VERSION line (at a revision with a stamp), the firmware
# elements and the items (`body`) are whole lines, each ending in its newline. A format
# string, not a template: a file is some 1,100 lines built in Python, and a one-site run
# would otherwise start a template engine to wrap them.
_FILE = """\
<?xml version="1.0" encoding="ISO-8859-1"?>
<!-- {header} -->
<ProviderFrame xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" \
xsi:noNamespaceSchemaLocation="N720_general.xsd">
 <Provider>
  <MAC_ADDRESS value="{mac}"/>
{version}  <PROFILE_NAME class="string" value="{profile_name}"/>
{elements}{body} </Provider>
</ProviderFrame>
"""
_ITEM = re.compile(r'<SYMB_ITEM ID="([^"]*)" class="symb_item" '
                   r"""value=(?:'([^']*)'|"([^"]*)")\s*/>""")  # the ID, then the value
_PROFILE = re.compile(r'<PROFILE_NAME class="string" value="(?P<value>[^"]*)"\s*/>')
_ZONE_TITLE = re.compile(r"<!-- site settings, zone (?P<zone>\S+) -->")
# The firmware elements (not SYMB_ITEMs), read back by their element name.
_ELEMENT = re.compile(r'<(S_SPECIAL_DATA_SRV_(?:IWU|SAT)) class="string" '
                      r"""value=(?:'([^']*)'|"([^"]*)")\s*/>""")
_WELL_FORMED_END = re.compile(r"</ProviderFrame>\s*$")
_ENTITIES = {"&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'", "&amp;": "&"}
_ENTITY = re.compile("|".join(_ENTITIES))


def _unescape(value: str) -> str:
    return _ENTITY.sub(lambda match: _ENTITIES[match.group()], value) if "&" in value \
        else value

# Longest text per site field. The vendor publishes none but PROFILE_NAME (20); the rest
# follow other Gigaset fields (74 for server addresses, 50 for digest credentials) and
# what a handset screen shows. The table is shared with the families that publish none.
TEXT_LIMITS = TEXT_LIMITS_SHARED


# What the N720 stores in its quoted strings: ISO-8859-1 without control characters and
# without the double quote (the characters _unstorable refuses, one by one).
_STORABLE = re.compile('[\x20\x21\x23-\x7e\xa0-\xff]*')


def _unstorable(character: str) -> bool:
    return character == '"' or ord(character) > 0xFF or is_control(character)


def _attr(text: str) -> str:
    """Escape for a double-quoted attribute (PROFILE_NAME, which cannot hold '"')."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape(text: str) -> str:
    """Escape the text of a device string for its single-quoted attribute."""
    if "&" not in text and "<" not in text and ">" not in text and "'" not in text:
        return text  # most texts: no copies
    return _attr(text).replace("'", "&apos;")


def _string(text: str) -> str:
    """A device string: double quotes inside a single-quoted attribute, `'"1013"'`."""
    return f"'\"{_escape(text)}\"'"


def _number(value: int) -> str:
    return f'"{value}"'


def _bytes(data: bytes | tuple[int, ...]) -> str:
    return '"' + ",".join(map("0x{:02X}".format, data)) + '"'


# A file is a list of entries: a section's title (None, its text) or an item (its ID, its
# value as the file writes it, delimiters included). The lines are built from them here
# as text, not looped over in the template: a file holds some 1,100 items and a fleet
# renders thousands of files. The plan compares the same entries as item dictionaries.
Entry = tuple[str | None, str]


@functools.lru_cache(maxsize=4096)
def _opening(item_id: str) -> str:
    """A SYMB_ITEM line up to its value; the value, with its delimiters, and "/>" follow.
    Every file writes the same IDs for its slots and providers: each is formatted once."""
    return f'  <SYMB_ITEM ID="{item_id}" class="symb_item" value='


def _line(entry: Entry) -> str:
    item_id, text = entry
    if item_id is None:
        return f"  <!-- {comment(text)} -->\n"
    return _opening(item_id) + text + "/>\n"


@functools.cache
def _param_id(template: str, slot: int, provider: int) -> str:
    return template.format(slot=slot, provider=provider)


def _item(param: P.Param, value: str, slot: int = 0, provider: int = 0) -> Entry:
    return _param_id(param.id, slot, provider), value


class _Rendering:
    """One site's file, its items built once: written at a revision (only the header
    and VERSION depend on it), or read as the plan compares it."""

    def __init__(self, site: Site, entries: list[Entry], elements: list[Entry]) -> None:
        self.site = site
        self.entries = entries
        self.elements = elements  # the firmware elements: element name, value
        self.body = "".join(map(_line, entries))

    def file(self, revision: Revision | None) -> bytes:
        site = self.site
        stamp = revision.stamp if revision is not None else None
        return _FILE.format(
            header=comment(header(site.source, revision.number if revision else None)),
            mac=site.mac,
            version=f'  <VERSION value="{stamp}"/>\n' if stamp else "",
            profile_name=escape_attribute(site.profile_name),
            elements="".join(f'  <{name} class="string" value={value}/>\n'
                             for name, value in self.elements),
            body=self.body,
        ).encode(ENCODING)

    def items(self) -> dict[str, str]:
        """ID -> value as written, without its delimiters: what read_items reads back."""
        found = {item_id: _unescape(text[1:-1]) for item_id, text in
                 (*self.entries, *self.elements) if item_id is not None}
        found["PROFILE_NAME"] = self.site.profile_name
        if writes_zone(self.site):
            found[P.ZONE_NAME] = self.site.timezone
        return found


class N720:
    family = "n720"
    capacity = {"N720": P.SLOTS}
    database_slots: int | None = P.SLOTS  # slot x is SIP account x+1
    # Moving an IPUI between slots deregisters the handset, and the customer must then
    # register it again by hand.
    refused_kinds = frozenset({"move", "swap"})
    min_ipui_firmware: int | None = 108
    stamp_format = STAMP_FORMAT_SHARED  # VERSION: DDMMYYHHMM, DM local time
    # acIPUIRegistrationTimestamp: a 2-digit year; ulIPUIRegistrationDuration: 32 bits.
    window_years = WINDOW_YEARS_SHARED
    max_window_seconds = MAX_WINDOW_SECONDS_SHARED
    window_never_closes = True  # ulIPUIRegistrationDuration 0 keeps the window open
    encoding = ENCODING

    @property
    def importer(self) -> Importer:
        """Imported when first asked for: a build never reads a file back."""
        from compiler.targets.n720.importer import read_file

        return read_file

    def escape_text(self, text: str) -> str:
        """How a text is written inside a value of this file (for publish's secrets)."""
        return _escape(text)

    def text_limit(self, field: str) -> int:
        return TEXT_LIMITS[field]

    def text_problem(self, text: str, secret: bool = False) -> str | None:
        if _STORABLE.fullmatch(text):  # the common case, at C speed
            return None
        for character in text:
            if secret and _unstorable(character):
                return ("contains a character the N720 cannot store (a double quote, a "
                        "control character, or a letter outside ISO-8859-1)")
            shown = f"'{character}'"
            if character == '"':
                return ("contains '\"', which the N720 cannot store inside its quoted strings")
            if is_control(character):
                code = "" if secret else f" (U+{ord(character):04X})"
                return f"contains a control character{code}; use plain text on one line"
            if ord(character) > 0xFF:
                detail = "" if secret else f" (U+{ord(character):04X})"
                return (f"contains {shown}{detail} outside ISO-8859-1, the only character "
                        "set of the N720 file")
        return None

    def extra_problem(self, param_id: str, value: Any) -> tuple[str, str] | None:
        owner = P.owning_field(param_id)
        if owner is not None:
            return "extra-owned", f"is written by the compiler from '{owner}'; set it there instead"
        if value == []:
            return "extra-value", "an empty list is no byte array; give at least one byte"
        return None

    def site_warnings(self, data: dict[str, Any]) -> list[tuple[tuple[str | int, ...], str, str]]:
        return []  # what the N720 cannot write, it refuses (site_problems)

    def site_problems(self, data: dict[str, Any]) -> list[tuple[tuple[str | int, ...], str, str]]:
        found = _provider_problems(data) + _setting_problems(data)
        if data.get("authoritative") is True:
            found.insert(0, (("authoritative",), "authoritative-unsupported",
                             ("authoritative mode belongs to the Nx70 family; on the N720 the "
                              "compiler deregisters a removed handset by zeroing its slot")))
        return found

    def file_name(self, site: Site) -> str:
        return f"{site.mac}.xml"

    def read_items(self, content: bytes) -> dict[str, str]:
        """The settings of a file this target wrote (ID -> value as written), for the plan's
        comparison. This reads the target's own lines, which is many times faster than an
        XML parser on a fleet; a file that is not well-formed has none."""
        text = content.decode(ENCODING)
        if not _WELL_FORMED_END.search(text):
            return {}
        # One of the two values is empty: the attribute's quotes were the other kind.
        items = {item: _unescape(single or double)
                 for item, single, double in (*_ITEM.findall(text), *_ELEMENT.findall(text))}
        profile = _PROFILE.search(text)
        if profile is not None:
            items["PROFILE_NAME"] = _unescape(profile["value"])
        zone = _ZONE_TITLE.search(text)
        if zone is not None:
            items[P.ZONE_NAME] = zone["zone"]
        return items

    def item_scope(self, item_id: str) -> tuple[str, int | None, str]:
        return P.scope(item_id)

    def places(self, content: bytes) -> dict[int | str, Place]:
        fields: dict[int, dict[str, str]] = {}
        for item, value in self.read_items(content).items():
            kind, slot, name = P.scope(item)
            if kind == "slot" and isinstance(slot, int) and name in ("ipui", "login",
                                                                     "enabled"):
                fields.setdefault(slot, {})[name] = value
        return {slot: _place(found) for slot, found in sorted(fields.items())}

    def prepare(self, site: Site, slots: tuple[SlotAssignment, ...]) -> _Rendering:
        return _Rendering(site, self._entries(site, slots), _firmware_elements(site))

    def render(self, site: Site, slots: tuple[SlotAssignment, ...],
               revision: Revision | None) -> bytes:
        return self.prepare(site, slots).file(revision)

    def _entries(self, site: Site, slots: tuple[SlotAssignment, ...]) -> list[Entry]:
        """The file's titles and items in order: PIN, window, site settings, providers,
        slots, extra."""
        entries = self._site_entries(site) + _setting_entries(site)
        for provider in site.providers:
            entries += self._provider_entries(provider)
        entries += _all_providers_entries(site)
        for assignment in slots:
            entries += self._slot_entries(assignment)
        if site.extra:
            entries.append((None, "extra parameters"))
            entries += ((param.id, _extra_value(param.value)) for param in site.extra)
        return entries

    def _site_entries(self, site: Site) -> list[Entry]:
        lines: list[Entry] = []
        if site.pin is not None:
            lines += [(None, "registration PIN"),
                      _item(P.PIN_RANDOM, _number(int(site.pin.is_random)))]
            if site.pin.digits is not None:
                lines.append(_item(P.PIN_CODE, _bytes(bytes.fromhex(site.pin.digits))))
        if site.window is not None:
            start = site.window.start
            stamp = start.strftime("%d%m%y%H%M").encode("ascii")
            lines += [  # the title says the start as a reviewer reads it, beside its bytes
                (None, f"registration window: opens {start:%Y-%m-%d %H:%M} on the DM's "
                       f"clock; the start below is '{stamp.decode()}' (DDMMYYHHMM) in ASCII"),
                _item(P.WINDOW_START, _bytes(stamp)),
                _item(P.WINDOW_DURATION, _number(site.window.duration_seconds)),
            ]
        return lines

    def _provider_entries(self, provider: Provider) -> list[Entry]:
        n = provider.index
        outbound = provider.outbound_proxy
        lines = [
            (None, f"provider {n}: {provider.name}"),
            _item(P.PROVIDER_NAME, _string(provider.name), provider=n),
            _item(P.PROVIDER_DOMAIN, _string(provider.domain), provider=n),
            _item(P.PROVIDER_PROXY, _string(provider.proxy.host), provider=n),
            _item(P.PROVIDER_PROXY_PORT, _number(provider.proxy.port), provider=n),
            _item(P.PROVIDER_REGISTRAR, _string(provider.registrar.host), provider=n),
            _item(P.PROVIDER_REGISTRAR_PORT, _number(provider.registrar.port), provider=n),
            _item(P.PROVIDER_REREGISTER, _number(provider.reregister_seconds), provider=n),
            _item(P.PROVIDER_OUTBOUND_MODE, _number(
                P.OUTBOUND_PROXY_NEVER if outbound is None else P.OUTBOUND_PROXY_ALWAYS),
                provider=n),
            _item(P.PROVIDER_OUTBOUND, _string(outbound.host if outbound else ""), provider=n),
        ]
        if outbound is not None:
            lines.append(_item(P.PROVIDER_OUTBOUND_PORT, _number(outbound.port), provider=n))
        lines.append(_item(P.PROVIDER_TRANSPORT, _number(
            P.TRANSPORT_CODES[provider.transport or "udp"]), provider=n))
        return lines + _stun_entries(provider)

    def _slot_entries(self, assignment: SlotAssignment) -> list[Entry]:
        slot, handset = assignment.slot, assignment.handset
        released = assignment.released_ipui
        if handset is None:
            title = f"slot {slot}: free"
            items = _emptied_account(slot)
        else:
            title = f"slot {slot}: {handset.login} ({handset.display_name})"
            items = _account(slot, handset)
        if handset is not None and handset.ipui is not None:
            title += f", handset {handset.ipui.hex}"
            items.append(_item(P.HANDSET_CODE, _bytes(handset.ipui.code), slot=slot))
        elif released is not None:
            title += f", handset {released.hex} deregistered"
            items.append(_item(P.HANDSET_CODE, _bytes(ZERO.code), slot=slot))
        return [(None, title), *items]


# -- typed provider settings -------------------------------------------------------------

_WRITTEN: dict[str, Collection[str] | None] = {
    "transport": P.TRANSPORT_CODES, "dtmf": P.DTMF_CODES, "srtp": None, "codecs": None}
_MISSING = {
    "transport": f"no public source gives its code, only UDP's ({P.TRANSPORT_UDP})",
    "srtp": "no public source gives its parameter",
    "codecs": "it keeps one codec list for all its providers "
              "(BS_VOIP_Data.ucI_SIP_AVAILABLE_VOCODER), and no public source says which of "
              "its codes is which codec",
}


def _stun_entries(provider: Provider) -> list[Entry]:
    """STUN as the site sets it: off is the switch alone; on, the server and its port, and
    the refresh timer when the site gives one."""
    n, stun = provider.index, provider.stun
    if stun is None:
        return []
    if isinstance(stun, bool):  # false: off (validation refuses true)
        return [_item(P.PROVIDER_STUN, _number(0), provider=n)]
    lines = [_item(P.PROVIDER_STUN, _number(1), provider=n),
             _item(P.PROVIDER_STUN_SERVER, _string(stun.server.host), provider=n),
             _item(P.PROVIDER_STUN_PORT, _number(stun.server.port), provider=n)]
    if stun.refresh_seconds is not None:
        lines.append(_item(P.PROVIDER_STUN_REFRESH, _number(stun.refresh_seconds), provider=n))
    return lines


def _all_providers_entries(site: Site) -> list[Entry]:
    """The DTMF mode, one for all providers (validation made every provider give the same):
    automatic, or a fixed mode's bit with the automatic mode off."""
    mode = next((p.dtmf for p in site.providers if p.dtmf is not None), None)
    if mode is None:
        return []
    code = P.DTMF_CODES[mode]
    lines = [(None, f"DTMF of all providers: {mode}"),
             _item(P.DTMF_AUTO, _number(int(code is None)))]
    if code is not None:
        lines.append(_item(P.DTMF_MODE, _number(code)))
    return lines


def _provider_problems(data: dict[str, Any]) -> list[Problem]:
    """What the N720 does not write of the typed provider settings, and its DTMF mode: one
    for all its providers, so every provider must give the same."""
    found = refused_provider_settings(data, _WRITTEN, _MISSING)
    # A value the schema refuses is reported there.
    modes = [(index, provider.get("dtmf")) for index, provider in providers_of(data)
             if provider.get("dtmf") in (None, *P.DTMF_CODES)]
    first = next(((index, mode) for index, mode in modes if mode is not None), None)
    if first is None:
        return found
    for index, mode in modes:
        if mode == first[1]:
            continue
        where: tuple[str | int, ...] = ("providers", index) + (("dtmf",) if mode else ())
        found.append((where, "setting-global", (
            f"the N720 has one DTMF mode for all its providers, and providers[{first[0]}] "
            f"sets dtmf: {first[1]}: give every provider the same")))
    return found


def _place(fields: dict[str, str]) -> Place:
    """A slot as its items write it: the handset code as bytes (`0x03,0x28,...`), the login
    as a quoted string, the account switch as 0 or 1."""
    text = fields.get("ipui")
    try:
        code = bytes(int(byte, 0) for byte in text.split(",")).hex().upper() if text else ""
    except ValueError:  # not bytes as this target writes them: a file edited by hand
        code = text or ""
    login = fields.get("login", "").strip('"')
    return Place(ipui=code if code and code != ZERO.hex else None, login=login or None,
                 enabled=fields.get("enabled") == "1", deregisters=code == ZERO.hex)


def _account(slot: int, handset: Handset) -> list[Entry]:
    mailbox = handset.voicemail
    return [
        _item(P.ACCOUNT_ACTIVE, _number(int(handset.enabled)), slot=slot),
        _item(P.ACCOUNT_LOGIN, _string(handset.login), slot=slot),
        _item(P.ACCOUNT_PASSWORD, _string(text_of(handset.password)), slot=slot),
        _item(P.ACCOUNT_USER_ID, _string(handset.user_id), slot=slot),
        _item(P.ACCOUNT_DISPLAY_NAME, _string(handset.display_name), slot=slot),
        _item(P.ACCOUNT_PROVIDER, _number(handset.provider), slot=slot),
        _item(P.ACCOUNT_MAILBOX, _string(mailbox or ""), slot=slot),
        _item(P.ACCOUNT_MAILBOX_ON, _number(int(mailbox is not None)), slot=slot),
        _item(P.ACCOUNT_NAME, _string(handset.account_name), slot=slot),
    ]


def _emptied_account(slot: int) -> list[Entry]:
    """A slot whose handset is gone keeps no credentials on the device."""
    return [
        _item(P.ACCOUNT_ACTIVE, _number(0), slot=slot),
        *(_item(param, _string(""), slot=slot) for param in (
            P.ACCOUNT_LOGIN, P.ACCOUNT_PASSWORD, P.ACCOUNT_USER_ID, P.ACCOUNT_DISPLAY_NAME,
            P.ACCOUNT_NAME)),
    ]


def _extra_value(value: ExtraValue) -> str:
    if isinstance(value, bool):
        return _number(int(value))
    if isinstance(value, int):
        return _number(value)
    if isinstance(value, str):
        return _string(value)
    return _bytes(value)


TARGET = N720()


# -- site settings ------------------------------------------------------------------------


def _hex(value: int) -> str:
    """An integer as the sources write these items: `"0x1b"`."""
    return f'"0x{value:x}"'


def writes_zone(site: Site) -> bool:
    """Whether the file sets the DM's zone: whenever the site names it, and whenever a
    registration window is written, because the DM reads the window's start in its own
    zone (without `timezone:`, the site's zone is UTC, and so is the DM's)."""
    return site.settings.timezone is not None or site.window is not None


def zone_index(zone: str) -> int | None:
    """The DM's zone index for an IANA zone: by its UTC offset without daylight saving
    time, from the published table; None when the table has no such offset."""
    standard, _ = year_offsets(zone)
    sign = -1 if standard < 0 else 1
    hours, minutes = divmod(abs(standard), 60)
    return P.ZONE_INDEX.get((sign * hours, sign * minutes))


def _setting_entries(site: Site) -> list[Entry]:
    """The site settings' items; none for a setting the site does not set."""
    settings = site.settings
    items: list[Entry] = []
    if writes_zone(site):
        index = zone_index(site.timezone)
        assert index is not None, "validation refuses a zone without an index"
        standard, summer = year_offsets(site.timezone)
        dst = settings.dst if settings.dst is not None else standard != summer
        items += [_item(P.ZONE, _hex(index)), _item(P.DST, _number(int(dst)))]
    elif settings.dst is not None:
        items.append(_item(P.DST, _number(int(settings.dst))))
    if settings.ntp_server is not None:
        items += [_item(P.NTP_SERVER, _string(settings.ntp_server)),
                  _item(P.NTP_SYNC, _number(1))]
    if settings.admin_password is not None:
        items.append(_item(P.ADMIN_PASSWORD, _string(text_of(settings.admin_password))))
    if settings.provisioning_server is not None:
        items.append(_item(P.DATA_SERVER, _string(settings.provisioning_server)))
    if settings.check_updates is not None:
        items.append(_item(P.CHECK_UPDATES, _number(int(settings.check_updates))))
    if settings.vlan is not None:
        items.append(_item(P.VLAN_ON, _number(1)))
        if settings.vlan.priority is not None:
            items.append(_item(P.VLAN_PRIORITY, _number(settings.vlan.priority)))
        items.append(_item(P.VLAN_ID, _hex(settings.vlan.id)))
    if settings.tones is not None:
        items.append(_item(P.TONES, _number(P.TONE_CODES[settings.tones])))
    if settings.dial_plan_country is not None:
        items.append(_item(P.DIAL_PLAN, _hex(P.DIAL_PLAN_CODES[settings.dial_plan_country])))
    if settings.directory is not None:
        items += _directory_entries(settings.directory)
    # The zone's name is in the title: the index alone does not say it, and import reads
    # it back from a file dectprov wrote.
    title = f"site settings, zone {site.timezone}" if writes_zone(site) else "site settings"
    return [(None, title), *items] if items else []


def _directory_entries(directory: Directory) -> list[Entry]:
    if directory.kind == "ldap":
        return [
            _item(P.LDAP_NAME, _string(directory.name)),
            _item(P.LDAP_USER, _string(directory.user or "")),
            _item(P.LDAP_PASSWORD, _string(text_of(directory.password)
                                           if directory.password else "")),
            _item(P.LDAP_SERVER, _string(directory.server or "")),
            _item(P.LDAP_PORT, _number(directory.port or P.LDAP_DEFAULT_PORT)),
            _item(P.LDAP_BASE_DN, _string(directory.base_dn or "")),
        ]
    # As Wazo's template writes its phonebook; the lists' names are the directory's.
    return [
        *(_item(param, _hex(value)) for param, value in P.XML_DIRECTORY_FIXED),
        _item(P.XML_DIRECTORY_NAME, _string(directory.name)),
        *(_item(param, _string(directory.name if "Private" in param.id else ""))
          for param in P.XML_DIRECTORY_LISTS),
        _item(P.XML_DIRECTORY_USER, _string("")),
        _item(P.XML_DIRECTORY_PASSWORD, _string("")),
        _item(P.XML_DIRECTORY_URL, _string(directory.url or "")),
        _item(P.XML_DIRECTORY_AUTH, _number(0)),
        _item(P.XML_DIRECTORY_COUNTRY, _string("")),
        *(_item(param, _number(value)) for param, value in P.XML_DIRECTORY_CAPABILITIES),
    ]


def _firmware_elements(site: Site) -> list[Entry]:
    """The firmware files' elements, after PROFILE_NAME as Wazo's template writes them.
    Gigaset's and Wazo's templates write a raw '&' in these URLs; a well-formed file needs
    '&amp;' (whether the DM decodes it is not verified: see UNVERIFIED_FACTS)."""
    firmware = site.settings.firmware_update
    if firmware is None:
        return []
    return [(param.id, _string(url)) for param, url in (
        (P.FIRMWARE_IWU, firmware.iwu), (P.FIRMWARE_SAT, firmware.sat)) if url is not None]


# Keys of the Nx70's firmware_update, which the N720 does not take.
_NX70_FIRMWARE_KEYS = ("version", "url")


def _setting_problems(data: dict[str, Any]) -> list[tuple[tuple[str | int, ...], str, str]]:
    """What the site's settings ask that the N720 cannot be told."""
    found: list[tuple[tuple[str | int, ...], str, str]] = []
    zone = data.get("timezone", "UTC")
    if (isinstance(zone, str) and _known_zone(zone)
            and ("timezone" in data or "window" in _mapping(data.get("registration")))
            and zone_index(zone) is None):
        found.append((("timezone",), "timezone-unsupported", _zone_problem(zone)))
    server = value_at(data, ("provisioning", "server"))
    if isinstance(server, str) and "://" in server:
        why = ("the N720 takes its data server without a scheme, as Gigaset's template "
               f"writes it (profile.gigaset.net/device): remove '{server.split('://')[0]}://'")
        found.append((("provisioning", "server"), "setting-value", why))
    for key in _NX70_FIRMWARE_KEYS:
        if value_at(data, ("firmware_update", key)) is not None:
            found.append((("firmware_update", key), "setting-unsupported", unsupported(
                f"firmware_update.{key}", "N720", "it is the Nx70's firmware file; the N720 "
                "takes the URLs of its two files, iwu and sat")))
    if value_at(data, ("directory", "type")) == "xml":
        for key in ("user", "password"):
            if value_at(data, ("directory", key)) is not None:
                found.append((("directory", key), "setting-unsupported", unsupported(
                    f"directory.{key}", "N720", "no public source gives the code of "
                    "ucAuthPossibilities for an XML directory that logs in")))
    return found


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _known_zone(zone: str) -> bool:
    try:
        year_offsets(zone)
    except (ValueError, KeyError, OSError):  # validate reports an unknown zone
        return False
    return True


def _zone_problem(zone: str) -> str:
    standard, _ = year_offsets(zone)
    offsets = sorted(sign_h * 60 + sign_m for sign_h, sign_m in P.ZONE_INDEX)
    below = max((o for o in offsets if o < standard), default=None)
    above = min((o for o in offsets if o > standard), default=None)
    nearest = " and ".join(utc_offset(o) for o in (below, above) if o is not None)
    return (f"'{zone}' is {utc_offset(standard)} without daylight saving time, and the "
            f"N720's zone list as published has no index for that offset; the nearest are "
            f"{nearest}. Choose a zone with one of those offsets, or remove 'timezone:' "
            "(with no registration window either, the DM's zone is left as it is) and set "
            "the zone in the DM's web UI")
