"""Site data back to YAML, for `dectprov import`: keys in the order of the site format,
and every string quoted where YAML would read it as something else, so that the file
loads back to exactly the data it was written from.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.reader import Reader

SCHEMA_LINE = "# yaml-language-server: $schema=../schemas/site.schema.json"
SITE_KEYS = ("site", "model", "mac", "profile", "profile_name", "firmware", "timezone",
             "deregistration_threshold", "authoritative", "time", "admin_password",
             "provisioning", "firmware_update", "directory", "network", "locale",
             "providers", "registration", "defaults", "handsets", "extra")
_ORDER = {
    "": SITE_KEYS,
    "providers": ("name", "domain", "proxy", "registrar", "outbound_proxy",
                  "reregister_seconds"),
    "registration": ("window", "pin"),
    "time": ("ntp_server", "dst"),
    "provisioning": ("server", "check_updates"),
    "firmware_update": ("iwu", "sat", "version", "url"),
    "vlan": ("id", "priority"),
    "directory": ("type", "name", "url", "server", "port", "base_dn", "user", "password"),
    "locale": ("tones", "dial_plan_country"),
    "window": ("start", "duration"),
    "handsets": ("slot", "ipui", "login", "password", "user_id", "display_name",
                 "account_name", "provider", "voicemail", "enabled"),
}
_SECTIONS = frozenset({"providers", "registration", "defaults", "handsets", "extra"})
# Identities are always quoted, as the examples write them: unquoted, YAML turns some of
# them into numbers (0000, 001122334455, 1013).
ALWAYS_QUOTED = frozenset({"mac", "pin", "ipui", "login"})
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\t": "\\t", "\n": "\\n", "\r": "\\r"}
# Escaped in a quoted scalar: what YAML cannot hold raw, and the no-break space, which a
# reader could not see.
_NEEDS_ESCAPE = re.compile(f'[\\\\"]|{Reader.NON_PRINTABLE.pattern}|[\x85\xa0\u2028\u2029\ufeff]')


def site_yaml(data: dict[str, Any]) -> str:
    """The site file: the schema line, then the site's keys in the format's order."""
    lines = [SCHEMA_LINE]
    for key in _ordered(data, SITE_KEYS):
        if key in _SECTIONS:
            lines.append("")
        lines += _entry(key, data[key], 0, "")
    return "\n".join(lines) + "\n"


def quoted(text: str) -> str:
    """A double-quoted YAML scalar that reads back as exactly `text`."""
    def escape(match: re.Match[str]) -> str:
        character = match.group()
        if character in _ESCAPES:
            return _ESCAPES[character]
        code = ord(character)
        return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}" if code <= 0xFFFF else (
            f"\\U{code:08x}")
    return '"' + _NEEDS_ESCAPE.sub(escape, text) + '"'


def scalar(value: Any, force_quotes: bool = False) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if not force_quotes and _plain(value):
        return value
    return quoted(value)


def _plain(text: str) -> bool:
    """Whether YAML reads `text` unquoted as this very string (PyYAML's own analysis); a
    no-break space is quoted too, where a reader can see it."""
    dumped = yaml.safe_dump(text, allow_unicode=True, width=1 << 30)
    return "\xa0" not in text and dumped == text + "\n...\n"


def _ordered(data: dict[str, Any], order: tuple[str, ...]) -> list[str]:
    known = [key for key in order if key in data]
    return known + sorted(key for key in data if key not in order)


def _entry(key: str, value: Any, indent: int, parent: str) -> list[str]:
    pad = " " * indent
    name = scalar(key)
    if isinstance(value, dict) and set(value) == {"secret"}:  # a password's reference
        return [f"{pad}{name}: {{secret: {scalar(value['secret'])}}}"]
    if isinstance(value, list) and all(isinstance(v, int) for v in value) and value:
        return [f"{pad}{name}: [{', '.join(f'0x{byte:02X}' for byte in value)}]"]
    if isinstance(value, dict):
        lines = [f"{pad}{name}:"]
        order = _ORDER.get(key, ()) if parent != "extra" else ()
        for child in _ordered(value, order) if key != "extra" else list(value):
            lines += _entry(child, value[child], indent + 2, key)
        return lines
    if isinstance(value, list):
        lines = [f"{pad}{name}:"]
        for item in value:
            lines += _item(item, indent + 2, key)
        return lines
    return [f"{pad}{name}: {scalar(value, key in ALWAYS_QUOTED)}"]


def _item(item: dict[str, Any] | str, indent: int, key: str) -> list[str]:
    """One entry of `providers:` or `handsets:`: '- ' before its first key; a fleet
    provider's name on its own."""
    if isinstance(item, str):
        return [" " * indent + "- " + scalar(item)]
    lines = []
    for child in _ordered(item, _ORDER.get(key, ())):
        lines += _entry(child, item[child], indent + 2, key)
    lines[0] = " " * indent + "- " + lines[0].lstrip()
    return lines
