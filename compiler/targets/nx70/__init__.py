"""The Nx70 target: the Gigaset N870, N870E, N770, N670 and N610 DECT managers take one
UTF-8 XML file of named parameters, and keep handsets by IPUI rather than by slot.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

from compiler.model import parse_duration
from compiler.targets import Place
from compiler.targets.common import (
    MAX_WINDOW_SECONDS_SHARED,
    STAMP_FORMAT_SHARED,
    TEXT_LIMITS_SHARED,
    WINDOW_YEARS_SHARED,
    comment,
    escape_attribute,
    header,
    is_control,
    refused_provider_settings,
    text_of,
    unsupported,
)
from compiler.targets.nx70 import params as P
from compiler.text import clip, value_at

if TYPE_CHECKING:
    from compiler.model import ExtraValue, Handset, Provider, Site
    from compiler.plan import SlotAssignment
    from compiler.targets import Importer, Revision

ENCODING = "utf-8"
PIN_ITEM = "hs.*.DECT_AC"  # the site PIN as read_items shows it, once for all handsets

# Longest text per site field. The vendor publishes none: the family shares the N720's
# table, so that a site can move between the families unchanged.
TEXT_LIMITS = TEXT_LIMITS_SHARED


@dataclass(frozen=True)
class Item:
    name: str
    value: str


@dataclass(frozen=True)
class Section:
    title: str
    params: tuple[Item, ...]
    register: str | None = None  # the IPUI an add_hs operation registers


def _not_xml(character: str) -> bool:
    """XML 1.0 has no surrogates, U+FFFE or U+FFFF: YAML lets "\\uFFFE" through, and a file
    holding one does not parse."""
    return 0xD800 <= ord(character) <= 0xDFFF or character in "\ufffe\uffff"


def _never_closes(duration: object) -> bool:
    """`always` or 0, as the site file gives the duration (anything else: not this rule's)."""
    if isinstance(duration, bool) or not isinstance(duration, int | str):
        return False
    try:
        return parse_duration(duration) == 0
    except ValueError:
        return False  # the schema reports it


def _ipui(handset: Handset) -> str:
    assert handset.ipui is not None, "validation refuses Nx70 handsets without IPUI"
    return handset.ipui.hex.lower()


class Nx70:
    family = "nx70"
    capacity = dict(P.CAPACITY)
    database_slots: int | None = None  # handsets are kept by IPUI
    refused_kinds: frozenset[str] = frozenset()  # a handset keeps its IPUI wherever it is
    min_ipui_firmware: int | None = None
    # The file has no stamp and the vendor publishes no window bounds: the N720's, so that
    # a site can move between the families unchanged.
    stamp_format = STAMP_FORMAT_SHARED
    window_years = WINDOW_YEARS_SHARED
    max_window_seconds = MAX_WINDOW_SECONDS_SHARED
    # Gigaset's wiki: the window is open from RegStart to RegStart + RegDuration, so 0 closes
    # it as it opens; no source gives a longest window either.
    window_never_closes = False
    importer: Importer | None = None  # no reader of Nx70 files yet
    encoding = ENCODING

    def escape_text(self, text: str) -> str:
        """How a text is written inside a value of this file (for publish's secrets)."""
        return escape_attribute(text)

    def text_limit(self, field: str) -> int:
        return TEXT_LIMITS[field]

    def text_problem(self, text: str, secret: bool = False) -> str | None:
        if text.isprintable():  # the common case, at C speed: no control character, no
            return None  # surrogate, no U+FFFE or U+FFFF (none of them is printable)
        for character in text:
            if is_control(character):
                code = "" if secret else f" (U+{ord(character):04X})"
                return f"contains a control character{code}; use plain text on one line"
            if _not_xml(character):
                if secret:
                    return ("contains a code point that is not a character; an XML file "
                            "cannot carry it")
                return (f"contains U+{ord(character):04X}, which is not a character; an XML "
                        "file cannot carry it")
        return None

    def extra_problem(self, name: str, value: Any) -> tuple[str, str] | None:
        owner = P.owning_field(name)
        if owner is not None:
            return "extra-owned", f"is written by the compiler from '{owner}'; set it there instead"
        if not P.EXTRA_NAME.fullmatch(name):
            return "extra-name", ("is not an Nx70 parameter name (dotted words such as "
                                  "'DmGlobal.0.HSIdleDisplay')")
        if isinstance(value, list):
            return "extra-value", "the Nx70 file has no byte arrays; give text or a number"
        return None

    def site_warnings(self, data: dict[str, Any]) -> list[tuple[tuple[str | int, ...], str, str]]:
        """A zone no source lists for the Nx70 is left out of its file, and said."""
        zone = data.get("timezone")
        if not isinstance(zone, str) or zone in P.ZONES:
            return []
        return [(("timezone",), "timezone-not-written",
                 (f"'{clip(zone)}' is not written to the {data.get('model')}: the only public "
                  "list of the zones it takes (Wazo's Nx70 plugin) does not name it, so the "
                  "DM keeps the zone it has; choose a listed zone with the same rules (for "
                  "UTC: Greenwich) or set it in the DM's web UI. The registration window is "
                  "unaffected (RegStart is UTC)"))]

    def site_problems(self, data: dict[str, Any]) -> list[tuple[tuple[str | int, ...], str, str]]:
        """What the site asks that an Nx70 cannot do, or that this compiler does not yet
        write because its form is not verified."""
        model = data.get("model")
        found: list[tuple[tuple[str | int, ...], str, str]] = []
        handsets = data.get("handsets")
        for index, handset in enumerate(handsets if isinstance(handsets, list) else []):
            if not isinstance(handset, dict):
                continue
            if "slot" in handset:
                found.append((("handsets", index, "slot"), "slot-unsupported",
                              f"slot: is the N720's database position; the {model} keeps "
                              "handsets by IPUI, so remove it"))
            if "ipui" not in handset:
                found.append((("handsets", index), "ipui-required",
                              f"on the {model} every handset needs an ipui: registration "
                              "without one is not supported yet (its file form is not "
                              "verified)"))
        for path in [("defaults", "enabled")] + [("handsets", i, "enabled") for i in range(
                len(handsets) if isinstance(handsets, list) else 0)]:
            if value_at(data, path) is False:
                found.append((path, "enabled-unsupported",
                              f"the {model} file has no documented way to disable an "
                              "account; remove the entry to deregister its handset"))
        if value_at(data, ("registration", "pin")) == "random":
            found.append((("registration", "pin"), "pin-random-unsupported",
                          f"the {model} takes a fixed PIN per handset; give 4 digits"))
        if _never_closes(value_at(data, ("registration", "window", "duration"))):
            found.append((("registration", "window", "duration"), "window-always-unsupported",
                          (f"the {model} has no window that never closes: Gigaset's wiki "
                           "defines it as open from RegStart to RegStart + RegDuration, so "
                           "RegDuration 0 would close it as it opens, and no source gives the "
                           "longest window the DM takes; give a duration such as \"2d\", and "
                           "move the start on when it has closed")))
        return (found + refused_provider_settings(data, _WRITTEN, _MISSING)
                + _setting_problems(data, str(model)))

    def file_name(self, site: Site) -> str:
        return f"{site.mac.lower()}.xml"

    def prepare(self, site: Site, slots: tuple[SlotAssignment, ...]) -> _File:
        return _File.of(site, slots)

    def render(self, site: Site, slots: tuple[SlotAssignment, ...],
               revision: Revision | None) -> bytes:
        return self.prepare(site, slots).file(revision)

    def read_items(self, content: bytes) -> dict[str, str]:
        """The settings of a file this target wrote (name -> value), for the plan's
        comparison; a file that does not parse has none."""
        try:
            root = ElementTree.fromstring(content)
        except ElementTree.ParseError:
            return {}
        items: dict[str, str] = {}
        for element in root.iter("oper"):
            name = element.get("name", "")
            if name == P.REGISTER.name:
                items[f"{name}:{element.get('value', '')}"] = "ToReg"
            elif name == P.AUTHORITATIVE.name:
                items[name] = ""
        for element in root.iter("param"):
            name = element.get("name", "")
            if name == P.REGISTER_STATUS.name:
                continue
            items[_item_name(name)] = element.get("value", "")
        for element in root.iterfind("firmware/file"):
            items[P.FIRMWARE_VERSION.name] = element.get("version", "")
            items[P.FIRMWARE_URL.name] = element.get("url", "")
        return items

    def places(self, content: bytes) -> dict[int | str, Place]:
        """ToReg with the account's items, or ToDeReg, by IPUI (the file writes it in
        lower case, the state in upper case)."""
        registered: dict[str, str | None] = {}
        deregistered: set[str] = set()
        logins: dict[str, str] = {}
        for item, value in self.read_items(content).items():
            kind, ipui, name = self.item_scope(item)
            if kind != "slot" or not isinstance(ipui, str):
                continue
            if name == "ipui" and value == "ToReg":
                registered[ipui] = None
            elif name == "ipui" and value == "ToDeReg":
                deregistered.add(ipui)
            elif name == "login":
                logins[ipui] = value
        found: dict[int | str, Place] = {
            ipui: Place(ipui, logins.get(ipui) or None, True, False) for ipui in registered}
        found.update((ipui, Place(None, None, True, True)) for ipui in deregistered
                     if ipui not in found)
        return dict(sorted(found.items()))

    def item_scope(self, name: str) -> tuple[str, int | str | None, str]:
        if name == PIN_ITEM:
            return "pin", None, "pin"
        if name.startswith(P.REGISTER.name + ":"):
            return "slot", name.split(":", 1)[1].upper(), "ipui"
        if name == P.AUTHORITATIVE.name:
            return "authoritative", None, "authoritative"
        found = P.match(name)
        if found is None:
            return "extra", None, name
        match, field = found
        leaf = field.rsplit(".", 1)[-1].removeprefix("handsets[]").removeprefix("providers[]")
        if field == "registration.pin":
            return "pin", None, "pin"
        if "ipui" in match.groupdict():
            return "slot", match["ipui"].upper(), leaf or "ipui"
        if "provider" in match.groupdict():
            return "provider", int(match["provider"]), leaf or "transport"
        if field in P.SETTING_FIELDS:
            return "setting", None, field
        return "window", None, leaf


def _item_name(name: str) -> str:
    """A parameter's name as the plan compares it: every handset carries the site's PIN,
    compared once, so that adding or removing a handset is not also a change of the PIN."""
    found = P.match(name)
    return PIN_ITEM if found is not None and found[1] == P.PIN.field else name


def _param_line(item: Item) -> str:
    return (f'    <param name="{escape_attribute(item.name)}" '
            f'value="{escape_attribute(item.value)}"/>')


@dataclass(frozen=True)
class _File:
    """What one site's file holds, in its order: written at a revision (only the header
    comment depends on it), or read as the plan compares it. The file is its lines, built
    here as the N720's are: a template engine would be started for a few loops."""

    site: Site
    deregistered: list[str]  # the IPUIs whose handsets are removed, lower case, sorted
    sections: list[Section]  # providers, then handsets by IPUI
    window: list[Item]
    extra: list[Item]
    firmware: list[Item]  # the <firmware><file> attributes: version, url

    def file(self, revision: Revision | None) -> bytes:
        said = header(self.site.source, revision.number if revision else None)
        lines = ['<?xml version="1.0" encoding="UTF-8"?>', f"<!-- {comment(said)} -->",
                 '<provisioning version="1.1" productID="e2">']
        if self.firmware:
            firmware = {item.name.removeprefix("firmware."): item.value
                        for item in self.firmware}
            lines += ["  <firmware>",
                      f'    <file version="{escape_attribute(firmware["version"])}" '
                      f'url="{escape_attribute(firmware["url"])}"/>',
                      "  </firmware>"]
        lines.append("  <nvm>")
        if self.site.authoritative:
            lines.append('    <oper name="DeleteNotProvisionedHS"/>')
        lines += [f'    <param name="hs.{ipui}.RegStatus" value="ToDeReg"/>'
                  for ipui in self.deregistered]
        for section in self.sections:
            lines.append(f"    <!-- {comment(section.title)} -->")
            if section.register:
                lines += [f'    <oper name="add_hs" value="{section.register}">',
                          '      <param name="hs.RegStatus" value="ToReg"/>', "    </oper>"]
            lines += map(_param_line, section.params)
        if self.window:
            lines += ["    <!-- registration window -->",
                      '    <oper name="update_dm" value="local">',
                      *(f'      <param name="{item.name}" value="{item.value}"/>'
                        for item in self.window),
                      "    </oper>"]
        if self.extra:
            lines += ["    <!-- extra parameters -->", *map(_param_line, self.extra)]
        lines += ["  </nvm>", "</provisioning>", ""]
        return "\n".join(lines).encode(ENCODING)

    def items(self) -> dict[str, str]:
        """Name -> value, as read_items reads them back: the operations, then the
        parameters in order."""
        found = {P.AUTHORITATIVE.name: ""} if self.site.authoritative else {}
        found.update((f"{P.REGISTER.name}:{section.register}", "ToReg")
                     for section in self.sections if section.register)
        found.update((P.DEREGISTER.name.format(ipui=ipui), "ToDeReg")
                     for ipui in self.deregistered)
        for item in (*(i for s in self.sections for i in s.params), *self.window, *self.extra):
            found[_item_name(item.name)] = item.value
        found.update((item.name, item.value) for item in self.firmware)
        return found

    @classmethod
    def of(cls, site: Site, slots: tuple[SlotAssignment, ...]) -> _File:
        handsets = [a.handset for a in slots if a.handset is not None]
        deregistered = sorted(a.released_ipui.hex.lower() for a in slots
                              if a.handset is None and a.released_ipui is not None)
        sections = _setting_sections(site)
        sections += [_provider_section(provider) for provider in site.providers]
        sections += [_handset_section(site, handset) for handset in
                     sorted(handsets, key=_ipui)]
        return cls(site, deregistered, sections, _window(site),
                   [Item(p.id, _extra_value(p.value)) for p in site.extra], _firmware(site))


def _item(param: P.Param, value: object, ipui: str = "", provider: int = 0) -> Item:
    return Item(param.name.format(ipui=ipui, provider=provider), str(value))


def _provider_section(provider: Provider) -> Section:
    n, outbound = provider.index, provider.outbound_proxy
    items = [
        _item(P.PROVIDER_NAME, provider.name, provider=n),
        _item(P.PROVIDER_DOMAIN, provider.domain, provider=n),
        _item(P.PROVIDER_PROXY, provider.proxy.host, provider=n),
        _item(P.PROVIDER_PROXY_PORT, provider.proxy.port, provider=n),
        _item(P.PROVIDER_REGISTRAR, provider.registrar.host, provider=n),
        _item(P.PROVIDER_REGISTRAR_PORT, provider.registrar.port, provider=n),
        _item(P.PROVIDER_REREGISTER, provider.reregister_seconds, provider=n),
        _item(P.PROVIDER_TRANSPORT, P.TRANSPORT_CODES[provider.transport or "udp"],
              provider=n),
        _item(P.PROVIDER_OUTBOUND_MODE, P.OUTBOUND_PROXY_NEVER if outbound is None
              else P.OUTBOUND_PROXY_ALWAYS, provider=n),
    ]
    if outbound is not None:  # an empty value can upset the device: leave it out
        items += [_item(P.PROVIDER_OUTBOUND, outbound.host, provider=n),
                  _item(P.PROVIDER_OUTBOUND_PORT, outbound.port, provider=n)]
    items += _provider_settings(provider)
    return Section(f"provider {n}: {provider.name}", tuple(items))


# -- typed provider settings -------------------------------------------------------------

_WRITTEN: dict[str, Collection[str] | None] = {
    "dtmf": P.DTMF_CODES, "codecs": None, "stun": None}
_MISSING = {
    "dtmf": "no public source gives a code for it (the family's: "
            f"{', '.join(P.DTMF_CODES)})",
    "codecs": "no public source gives its parameters (the Nx70 templates write none)",
    "stun": "no public source gives its parameters",
}


def _provider_settings(provider: Provider) -> list[Item]:
    """SRTP and DTMF as the site sets them (the transport is written with the profile):
    SRTP as Wazo's template pairs it, SRTP_Enabled with AcceptNonSRTPCalls 0."""
    n, items = provider.index, []
    if provider.srtp is not None:
        items += [_item(P.PROVIDER_SRTP, int(provider.srtp), provider=n),
                  _item(P.PROVIDER_SRTP_ONLY, P.SRTP_ACCEPT_PLAIN, provider=n)]
    if provider.dtmf is not None:
        items.append(_item(P.PROVIDER_DTMF, P.DTMF_CODES[provider.dtmf], provider=n))
    return items


def _handset_section(site: Site, handset: Handset) -> Section:
    ipui = _ipui(handset)
    items = []
    if site.pin is not None and site.pin.digits is not None:
        items.append(_item(P.PIN, site.pin.digits, ipui))
    items += [
        _item(P.AUTH_NAME, handset.login, ipui),
        _item(P.AUTH_PASSWORD, text_of(handset.password), ipui),
        _item(P.USER_NAME, handset.user_id, ipui),
        _item(P.DISPLAY_NAME, handset.display_name, ipui),
        _item(P.PROVIDER_ID, handset.provider, ipui),
    ]
    if handset.voicemail is not None:
        items += [_item(P.MAILBOX, handset.voicemail, ipui),
                  _item(P.MAILBOX_ON, P.MAILBOX_ACTIVE, ipui)]
    else:  # switched off, not left as the DM has it; no empty mailbox number is written
        items.append(_item(P.MAILBOX_ON, P.MAILBOX_INACTIVE, ipui))
    return Section(f"handset {ipui}: {handset.login} ({handset.display_name})", tuple(items),
                   register=ipui)


def _window(site: Site) -> list[Item]:
    """RegStart is Unix seconds: the moment the start names in the site's zone, at the
    offset the site file gives where that hour occurs twice."""
    window = site.window
    if window is None:
        return []
    assert not window.always_open, "validation refuses a window that never closes"
    return [_item(P.WINDOW_START, int(window.instant.timestamp())),
            _item(P.WINDOW_DURATION, window.duration_seconds),
            _item(P.WINDOW_DM_PASSWORD, P.DM_PASSWORD)]


def _extra_value(value: ExtraValue) -> str:
    if isinstance(value, bool):
        return str(int(value))
    return str(value)


# -- site settings ------------------------------------------------------------------------


def _setting_sections(site: Site) -> list[Section]:
    """The site settings' params, as one section before the providers; none for a setting
    the site does not set. The zone only when the site names it: RegStart is UTC, so the
    window needs none."""
    settings = site.settings
    items = []
    if settings.timezone is not None and settings.timezone in P.ZONES:
        items.append(_item(P.ZONE, settings.timezone))
    if settings.ntp_server is not None:
        items.append(_item(P.NTP_SERVER, settings.ntp_server))
    if settings.admin_password is not None:
        items.append(_item(P.ADMIN_PASSWORD, text_of(settings.admin_password)))
    if settings.provisioning_server is not None:
        items.append(_item(P.PROVISIONING_SERVER, settings.provisioning_server))
    if settings.tones is not None:
        items.append(_item(P.TONES, P.TONE_SCHEMES[settings.tones]))
    directory = settings.directory
    if directory is not None and directory.url is not None:
        # As Wazo's template writes its phonebook; the list's name is the directory's.
        items += [_item(P.DIRECTORY_ON, 1), _item(P.DIRECTORY_NAME, directory.name),
                  _item(P.DIRECTORY_URL, directory.url),
                  _item(P.DIRECTORY_LIST, directory.name), _item(P.DIRECTORY_START, 1)]
    return [Section("site settings", tuple(items))] if items else []


def _firmware(site: Site) -> list[Item]:
    firmware = site.settings.firmware_update
    if firmware is None or firmware.version is None or firmware.url is None:
        return []
    return [_item(P.FIRMWARE_VERSION, firmware.version), _item(P.FIRMWARE_URL, firmware.url)]


def _setting_problems(data: dict[str, Any], model: str,
                      ) -> list[tuple[tuple[str | int, ...], str, str]]:
    """What the site's settings ask that an Nx70 cannot be told, or that no source shows
    how to tell it."""
    found: list[tuple[tuple[str | int, ...], str, str]] = []
    for path, why in _UNSUPPORTED:
        if value_at(data, path) is not None:
            found.append((path, "setting-unsupported", unsupported(".".join(map(str, path)),
                                                                   model, why)))
    if value_at(data, ("directory", "type")) == "ldap":
        found.append((("directory", "type"), "setting-unsupported", unsupported(
            "directory.type: ldap", model)))
    server = value_at(data, ("provisioning", "server"))
    if isinstance(server, str) and not server.startswith(("http://", "https://")):
        why = (f"the {model} takes its provisioning server as a URL, as Wazo's template "
               "writes it: start it with http:// or https://")
        found.append((("provisioning", "server"), "setting-value", why))
    firmware = data.get("firmware_update")
    if isinstance(firmware, dict) and ("version" in firmware) != ("url" in firmware):
        why = (f"version and url go together: the {model} updates when the file's version "
               "is newer than its own")
        found.append((("firmware_update",), "required", why))
    tones = value_at(data, ("locale", "tones"))
    if isinstance(tones, str) and tones not in P.TONE_SCHEMES:
        why = (f"the {model} takes the tone schemes {', '.join(P.TONE_SCHEMES)}; no public "
               f"source gives the name of '{tones}'")
        found.append((("locale", "tones"), "setting-unsupported", why))
    return found


_DST = "its zone (DmGlobal.0.TimeZone, an IANA name) carries the daylight-saving rule"
_UNSUPPORTED: tuple[tuple[tuple[str | int, ...], str], ...] = (
    (("time", "dst"), _DST),
    (("provisioning", "check_updates"), "no public source gives its parameter"),
    (("firmware_update", "iwu"), "it is the N720's; the Nx70 takes one file, version and url"),
    (("firmware_update", "sat"), "it is the N720's; the Nx70 takes one file, version and url"),
    (("directory", "user"), "no public source gives its parameter"),
    (("directory", "password"), "no public source gives its parameter"),
    (("network",), "no public source gives its parameters"),
    (("locale", "dial_plan_country"), "no public source gives its parameter"),
)


TARGET = Nx70()
