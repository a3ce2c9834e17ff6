"""The site settings read backwards, for `dectprov import`: the items of an N720 file that
a typed site key writes (time, provisioning, network, locale, firmware_update) become that
key. An item the key cannot say exactly is not imported: the built file leaves it out, so
the DM keeps its value, and a warning says which key manages it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from compiler.targets.common import utc_offset, year_offsets
from compiler.targets.n720 import params as P

if TYPE_CHECKING:
    from compiler.targets.n720.mapping import _Mapper
    from compiler.targets.n720.reader import Element

# The items each typed key is built from, by the key's path.
_TONES = {code: name for name, code in P.TONE_CODES.items()}
_DIAL_PLANS = {code: name for name, code in P.DIAL_PLAN_CODES.items()}
_DIRECTORY = tuple(p for p in P.SETTING_PARAMS if p.field.startswith("directory"))
_LDAP = (P.LDAP_NAME, P.LDAP_USER, P.LDAP_PASSWORD, P.LDAP_SERVER, P.LDAP_PORT, P.LDAP_BASE_DN)
_XML = tuple(p for p in _DIRECTORY if p not in _LDAP)
# The zone a file dectprov wrote names in its settings' title (the N720 target's).
_ZONE_TITLE = re.compile(r" site settings, zone (?P<zone>[A-Za-z0-9_+/-]+) ")


def import_settings(mapper: _Mapper, bad: object) -> None:
    """Set the typed keys the file's setting items give; warn about the rest."""
    data = mapper.result.data
    values = {param: found for (param, index), found in mapper.values.items()
              if index is None and param in P.SETTING_PARAMS and found[0] is not bad}
    time = _time(mapper, values)
    if time:
        data["time"] = time
    _one(mapper, values, P.DATA_SERVER, ("provisioning", "server"), str)
    _one(mapper, values, P.CHECK_UPDATES, ("provisioning", "check_updates"), bool)
    _vlan(mapper, values)
    _coded(mapper, values, P.TONES, ("locale", "tones"), _TONES)
    _coded(mapper, values, P.DIAL_PLAN, ("locale", "dial_plan_country"), _DIAL_PLANS)
    _firmware(mapper)
    # The admin password is the mapper's own step (admin_password): a secret reference.
    _directory(mapper, values)


def _put(mapper: _Mapper, path: tuple[str, ...], value: Any, element: Element) -> None:
    parent = mapper.result.data
    for key in path[:-1]:
        parent = parent.setdefault(key, {})
    parent[path[-1]] = value
    mapper.origin(path, element)


def _left_out(mapper: _Mapper, element: Element, key: str, why: str = "") -> None:
    mapper.warning(element, "import-setting", f"not imported{why}: the site's '{key}' "
                   "writes it; the DM keeps its value until the site sets that key")


def _one(mapper: _Mapper, values: dict[P.Param, tuple[Any, Element]], param: P.Param,
         path: tuple[str, ...], kind: type) -> None:
    if param in values:
        value, element = values[param]
        _put(mapper, path, kind(value), element)


def _coded(mapper: _Mapper, values: dict[P.Param, tuple[Any, Element]], param: P.Param,
           path: tuple[str, ...], names: dict[int, str]) -> None:
    if param not in values:
        return
    value, element = values[param]
    if value in names:
        _put(mapper, path, names[value], element)
    else:
        _left_out(mapper, element, ".".join(path), f" (no published name for code {value})")


def _time(mapper: _Mapper, values: dict[P.Param, tuple[Any, Element]]) -> dict[str, Any]:
    """The zone as an IANA zone of its offset, the NTP server and daylight saving time."""
    time: dict[str, Any] = {}
    window = mapper.result.data.get("registration", {}).get("window")
    if window is not None and P.ZONE not in values:
        element = mapper.element(P.WINDOW_START) or mapper.element(P.WINDOW_DURATION)
        if element is not None:
            mapper.warning(element, "import-timezone", "a registration window and no zone: "
                           f"the first build also writes the DM's zone, UTC ({P.ZONE.id} = "
                           f"0x{P.ZONE_INDEX[(0, 0)]:x}), because the DM reads the window's "
                           "start in its own zone; set timezone: to the DM's zone")
    zone = None
    if P.ZONE in values:
        index, element = values[P.ZONE]
        zone = _named_zone(mapper, index) or _zone_of(index)
        if zone is None:
            _left_out(mapper, element, "timezone", f" (index 0x{index:x} is in no published "
                      "table)")
        elif zone != "UTC" or window is None:  # UTC with a window: the default says it
            _put(mapper, ("timezone",), zone, element)
        if zone is not None and _named_zone(mapper, index) is None and zone != "UTC":
            mapper.warning(element, "import-timezone", f"zone index 0x{index:x} is "
                           f"{utc_offset(year_offsets(zone)[0])}: imported as '{zone}'; name "
                           "the DM's own zone (such as Europe/Berlin) for the window checks to "
                           "follow its daylight saving time")
    if P.DST in values:
        dst = bool(values[P.DST][0])
        standard, summer = year_offsets(zone) if zone is not None else (0, 0)
        if zone is None or dst != (standard != summer):  # else the zone's own, the default
            time["dst"] = dst
            mapper.origin(("time", "dst"), values[P.DST][1])
    server, sync = values.get(P.NTP_SERVER), values.get(P.NTP_SYNC)
    if server is not None and (sync is None or sync[0] == 1):
        time["ntp_server"] = server[0]
        mapper.origin(("time", "ntp_server"), server[1])
    elif sync is not None:
        _left_out(mapper, sync[1], "time.ntp_server", " (the site says a server, and the "
                  "DM then synchronises with it)")
    if server is not None and sync is None:
        mapper.warning(server[1], "import-setting", "the first build also writes "
                       f"{P.NTP_SYNC.id} = 1: the DM synchronises with this server")
    return time


def _named_zone(mapper: _Mapper, index: int) -> str | None:
    """The zone a file dectprov wrote names beside this index, if it does."""
    if mapper.result.revision is None:
        return None
    from compiler.targets.n720 import zone_index

    for comment in mapper.read.comments:
        named = _ZONE_TITLE.fullmatch(comment)
        if named is not None and _known(named["zone"]) and zone_index(named["zone"]) == index:
            return named["zone"]
    return None


def _known(zone: str) -> bool:
    try:
        year_offsets(zone)
    except (ValueError, KeyError, OSError):
        return False
    return True


def _zone_of(index: int) -> str | None:
    """An IANA zone of the index's offset, without daylight saving time: Etc/GMT-1 for
    UTC+01:00 (Etc names count west), or the first zone of that fixed offset."""
    offsets = [hours * 60 + minutes for (hours, minutes), code in P.ZONE_INDEX.items()
               if code == index]
    if not offsets:
        return None
    offset = offsets[0]
    if offset == 0:
        return "UTC"
    if offset % 60 == 0:
        return f"Etc/GMT{-offset // 60:+d}"
    from zoneinfo import available_timezones

    return next((zone for zone in sorted(available_timezones())
                 if "/" in zone and year_offsets(zone) == (offset, offset)), None)


def _vlan(mapper: _Mapper, values: dict[P.Param, tuple[Any, Element]]) -> None:
    on, number = values.get(P.VLAN_ON), values.get(P.VLAN_ID)
    priority = values.get(P.VLAN_PRIORITY)
    if on is not None and on[0] == 1 and number is not None and 1 <= number[0] <= 4094:
        vlan = {"id": number[0]}
        if priority is not None:
            vlan["priority"] = priority[0]
        _put(mapper, ("network", "vlan"), vlan, on[1])
        mapper.origin(("network", "vlan", "id"), number[1])
        if priority is not None:  # a priority out of range is said at its line
            mapper.origin(("network", "vlan", "priority"), priority[1])
        return
    for found in (on, number, priority):
        if found is not None:
            _left_out(mapper, found[1], "network.vlan", " (the key writes an enabled VLAN "
                      "with its ID)")


def _firmware(mapper: _Mapper) -> None:
    from compiler.targets.n720.mapping import _string

    for param, key in ((P.FIRMWARE_IWU, "iwu"), (P.FIRMWARE_SAT, "sat")):
        element = mapper.elements.get(param.id)
        if element is None:
            continue
        url = _string(element.value)
        if isinstance(url, str) and url.startswith(("http://", "https://")):
            _put(mapper, ("firmware_update", key), url, element)
        else:
            _left_out(mapper, element, f"firmware_update.{key}", f" ({param.id}: not an "
                      "http:// or https:// URL in double quotes)")


def _directory(mapper: _Mapper, values: dict[P.Param, tuple[Any, Element]]) -> None:
    """A directory in the very form the site's `directory` writes: an XML directory as
    Wazo's template has it, or an LDAP one as Gigaset's; anything else is left out, with
    one warning."""
    found = [param for param in _DIRECTORY if param in values]
    if not found:
        return
    directory = _xml_directory(values) if found[0] in _XML else _ldap_directory(values)
    first = min((values[param][1] for param in found), key=lambda element: element.line)
    if directory is None or len(found) != len(_XML if found[0] in _XML else _LDAP):
        lines = sorted(values[param][1].line for param in found)
        mapper.warning(first, "import-setting", f"the directory items (lines {lines[0]} to "
                       f"{lines[-1]}) are not imported: they are not in the form the site's "
                       "'directory' writes; the DM keeps their values")
        return
    _put(mapper, ("directory",), directory, first)


def _xml_directory(values: dict[P.Param, tuple[Any, Element]]) -> dict[str, Any] | None:
    value = {param: found[0] for param, found in values.items()}
    name, url = value.get(P.XML_DIRECTORY_NAME), value.get(P.XML_DIRECTORY_URL)
    expected = {**dict(P.XML_DIRECTORY_FIXED), **dict(P.XML_DIRECTORY_CAPABILITIES),
                P.XML_DIRECTORY_USER: "", P.XML_DIRECTORY_PASSWORD: "",
                P.XML_DIRECTORY_AUTH: 0, P.XML_DIRECTORY_COUNTRY: "",
                **{param: name if "Private" in param.id else "" for param in
                   P.XML_DIRECTORY_LISTS}}
    if not name or not isinstance(url, str) or any(
            value.get(param) != wanted for param, wanted in expected.items()):
        return None
    return {"type": "xml", "name": name, "url": url}


def _ldap_directory(values: dict[P.Param, tuple[Any, Element]]) -> dict[str, Any] | None:
    value = {param: found[0] for param, found in values.items()}
    if not value.get(P.LDAP_NAME) or not value.get(P.LDAP_SERVER) or not value.get(
            P.LDAP_BASE_DN):
        return None
    directory = {"type": "ldap", "name": value[P.LDAP_NAME], "server": value[P.LDAP_SERVER],
                 "base_dn": value[P.LDAP_BASE_DN]}
    if value.get(P.LDAP_PORT, P.LDAP_DEFAULT_PORT) != P.LDAP_DEFAULT_PORT:
        directory["port"] = value[P.LDAP_PORT]
    if value.get(P.LDAP_USER):
        directory["user"] = value[P.LDAP_USER]
    if value.get(P.LDAP_PASSWORD):  # the importer makes it a secret reference
        directory["password"] = value[P.LDAP_PASSWORD]
    return directory
