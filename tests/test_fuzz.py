"""Fuzzing the whole tool through its command line.

1. Valid sites, generated for every model: random handsets and IPUIs in both notations,
   1 to 3 providers, every optional key, and strings that are legal but hostile to XML
   and YAML. A build exits 0, writes well-formed XML in the target's encoding, and the
   file reads back to exactly the site's values; a second build gives the same bytes.
2. The example sites, mutated line by line and byte by byte: a build answers 0 or 1,
   with a diagnostic when 1, and never an exception.

`DECTPROV_FUZZ_EXAMPLES` sets the number of examples per test (`make fuzz` runs 2000).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from helpers import REPO, run, tree, tree_with_mtimes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler.cli import EXIT_INVALID, EXIT_OK
from compiler.ipui import Ipui
from compiler.targets.n720 import ENCODING as N720_ENCODING
from compiler.targets.n720 import TARGET as N720_TARGET
from compiler.targets.n720 import TEXT_LIMITS as N720_LIMITS
from compiler.targets.n720 import params as N720
from compiler.targets.nx70 import ENCODING as NX70_ENCODING
from compiler.targets.nx70 import TEXT_LIMITS as NX70_LIMITS
from compiler.targets.nx70 import params as NX70

EXAMPLES = int(os.environ.get("DECTPROV_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
NOW = "2026-11-26 12:00"

CAPACITY = {"N720": N720.SLOTS, **NX70.CAPACITY}
LIMITS = {"N720": N720_LIMITS, **{model: NX70_LIMITS for model in NX70.CAPACITY}}
# Site names Windows keeps for devices are refused: build/con/ cannot be checked out there.
WINDOWS_DEVICES = re.compile(r"con|prn|aux|nul|com[0-9]|lpt[0-9]")
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]
# What the N720 is told of each zone: its index in Wazo's table (by the UTC offset without
# daylight saving time), as Wazo writes it, and whether the zone has daylight saving time.
# Lord Howe (UTC+10:30) has no index: the N720 refuses it.
N720_ZONES = {"UTC": ("0x1a", "0"), "Europe/Berlin": ("0x1b", "1"),
              "America/New_York": ("0xd", "1"), "Asia/Kolkata": ("0x30", "0")}
# Of those, the names Wazo's Nx70 plugin writes (its _VALID_TZ_GIGASET): the only ones an
# Nx70 is told; the others are left to the DM.
NX70_LISTED_ZONES = {"Europe/Berlin", "America/New_York"}

# Legal, and each hostile to something: XML markup and entities, comments, YAML's
# indicators and its 1.1 booleans and numbers, the two quotes.
HOSTILE = ["O'Brien & Sons", "<b>", "a--b", "]]>", "&#0;", "<!--", "-->", "-", "--", "'",
           "&amp;", "&lt;", "\\", "yes", "null", "~", "0000", "1e3", "0x1F", "1:2:3", " lead",
           "trail ", "# hash", "key: value", "- item", "*alias", "&anchor", "!tag", "%", "@",
           "`", "{a: 1}", "[1]", "|", ">", "?", "Müller", "ÿ", "\u00a0"]
NX70_HOSTILE = ['"', 'say "hi"', "Łukasiewicz", "日本語", "😀", "\u200f", "\u202e", "\u2028",
                "\u2029", "\U0010fffd", "\ufdd0", "\ufeff", "a\u0301"]


def _is_n720(model: str) -> bool:
    return model == "N720"


# -- valid sites --------------------------------------------------------------------------


def _alphabet(model: str) -> st.SearchStrategy[str]:
    if _is_n720(model):  # ISO-8859-1 without '"' and without control characters
        return st.characters(min_codepoint=0x20, max_codepoint=0xFF,
                             blacklist_categories=("Cc",), blacklist_characters='"')
    # Any character but controls, and but the code points XML 1.0 has no room for
    return st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\ufffe\uffff")


def _text(model: str, limit: int, min_size: int = 0) -> st.SearchStrategy[str]:
    pieces = HOSTILE + ([] if _is_n720(model) else NX70_HOSTILE)
    free = st.text(_alphabet(model), max_size=limit)
    joined = st.lists(st.sampled_from(pieces) | free, min_size=1, max_size=4).map("".join)
    full = st.text(_alphabet(model), min_size=limit, max_size=limit)  # exactly the limit
    return st.one_of(joined.map(lambda text: text[:limit]), full).filter(
        lambda text: len(text) >= min_size)


HOST = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9.-]{0,50}[A-Za-z0-9])?", fullmatch=True)


@st.composite
def _endpoint(draw: st.DrawFn) -> str:
    host = draw(HOST)
    if draw(st.booleans()):
        return host
    port = draw(st.integers(1, 65535))
    return f"{host}:{port:0{draw(st.integers(1, 5))}d}"  # leading zeros are legal


@st.composite
def _providers(draw: st.DrawFn, model: str) -> list[dict[str, Any]]:
    limits = LIMITS[model]
    names = draw(st.lists(_text(model, limits["providers.name"], 1), min_size=1, max_size=3,
                          unique=True))
    providers = []
    for name in names:
        provider: dict[str, Any] = {"name": name,
                                    "domain": draw(_text(model, limits["providers.domain"], 1))}
        for key in ("proxy", "registrar", "outbound_proxy"):
            if draw(st.booleans()):
                provider[key] = draw(_endpoint())
        if draw(st.booleans()):
            provider["reregister_seconds"] = draw(st.integers(10, 86400))
        providers.append(_shuffled(draw, provider))
    return providers


def _shuffled(draw: st.DrawFn, mapping: dict[str, Any]) -> dict[str, Any]:
    """The same mapping with its keys in a random order: order must not matter."""
    return dict(draw(st.permutations(list(mapping.items()))))


def _separated(draw: st.DrawFn, compact: str) -> str:
    """Random case, and a space, '-' or ':' between any two digits."""
    text = compact[0]
    for character in compact[1:]:
        text += draw(st.sampled_from(["", "", "", " ", "-", ":"])) + character
    text = "".join(c.lower() if draw(st.booleans()) else c for c in text)
    return draw(st.sampled_from(["", " "])) + text + draw(st.sampled_from(["", " "]))


def _ipui_text(draw: st.DrawFn, code: int) -> str:
    ipui = Ipui(code.to_bytes(5, "big"))
    notation = draw(st.sampled_from(["hex", "ipei", "ipei-separated"]))
    if notation == "hex":
        return _separated(draw, ipui.hex)
    if notation == "ipei":
        return ipui.ipei  # as the label prints it
    return _separated(draw, ipui.ipei.replace(" ", ""))


@st.composite
def _voicemail(draw: st.DrawFn, model: str) -> str | bool:
    return draw(st.just(False) | _text(model, LIMITS[model]["handsets.voicemail"]))


@st.composite
def _handset_fields(draw: st.DrawFn, model: str, names: list[str]) -> dict[str, Any]:
    """The fields `defaults:` may set, each present or not."""
    limits = LIMITS[model]
    fields: dict[str, Any] = {}
    for key in ("user_id", "display_name", "account_name"):
        if draw(st.booleans()):
            fields[key] = draw(_text(model, limits[f"handsets.{key}"]))
    if draw(st.booleans()):
        fields["provider"] = draw(st.sampled_from(names))
    if draw(st.booleans()):
        fields["voicemail"] = draw(_voicemail(model))
    if draw(st.booleans()):
        fields["enabled"] = draw(st.booleans()) if _is_n720(model) else True
    return fields


@st.composite
def _handsets(draw: st.DrawFn, model: str, names: list[str],
              defaults: dict[str, Any]) -> list[dict[str, Any]]:
    limits, capacity = LIMITS[model], CAPACITY[model]
    count = draw(st.integers(0, min(capacity, 8)), label="handsets")
    logins = draw(st.lists(_text(model, limits["handsets.login"], 1), min_size=count,
                           max_size=count, unique=True))
    codes = draw(st.lists(st.integers(1, 2**36 - 1), min_size=count, max_size=count,
                          unique=True))
    free_slots = list(range(capacity))
    handsets = []
    for login, code in zip(logins, codes):
        handset = draw(_handset_fields(model, names))
        handset["login"] = login
        handset["password"] = draw(_text(model, limits["handsets.password"]))
        # A login fills user_id, display_name and account_name when neither the entry nor
        # the defaults set them, so it must then fit them too.
        for key in ("user_id", "display_name", "account_name"):
            if key not in handset and key not in defaults and \
                    len(login) > limits[f"handsets.{key}"]:
                handset[key] = draw(_text(model, limits[f"handsets.{key}"]))
        if not _is_n720(model) or draw(st.booleans()):
            handset["ipui"] = _ipui_text(draw, code)
        if _is_n720(model) and draw(st.booleans()):
            handset["slot"] = draw(st.sampled_from(free_slots))
            free_slots.remove(handset["slot"])
        handsets.append(_shuffled(draw, handset))
    if draw(st.integers(0, 4)) == 0:  # now and then a full device
        handsets += _padding(model, capacity - count, set(logins), set(codes))
    return handsets


def _padding(model: str, count: int, logins: set[str], codes: set[int]) -> list[dict[str, Any]]:
    """Plain handsets that fill the device to its capacity."""
    padding = []
    number, code = 0, 0x0123400000
    for _ in range(count):
        while f"§{number}" in logins:
            number += 1
        while code in codes:
            code += 1
        handset = {"login": f"§{number}", "password": f"pw{number}"}
        if not _is_n720(model) or number % 3:
            handset["ipui"] = Ipui(code.to_bytes(5, "big")).hex
        padding.append(handset)
        number, code = number + 1, code + 1
    return padding


def _offsets(wall: datetime, zone: str) -> list[timedelta]:
    """The UTC offsets at which `zone` shows `wall`: none where its clocks skip it, two
    where they show it twice."""
    found = []
    for fold in (0, 1):
        offset = wall.replace(tzinfo=ZoneInfo(zone), fold=fold).utcoffset()
        assert offset is not None
        back = (wall - offset).replace(tzinfo=UTC).astimezone(ZoneInfo(zone))
        if back.replace(tzinfo=None) == wall and offset not in found:
            found.append(offset)
    return found


def _offset_text(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    return f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


@st.composite
def _window(draw: st.DrawFn, model: str, zone: str) -> dict[str, Any]:
    """A window start that exists in the site's zone, with the offset of one of the two
    where it occurs twice (and, now and then, where it does not need one); a duration that
    never closes only on the N720, whose window has one."""
    start = draw(st.datetimes(datetime(2000, 1, 1), datetime(2099, 12, 31, 23, 59)).filter(
        lambda wall: bool(_offsets(wall, zone))))
    start_text = start.strftime("%Y-%m-%d" + draw(st.sampled_from([" ", "T"])) + "%H:%M")
    offsets = _offsets(start, zone)
    if len(offsets) > 1 or draw(st.booleans()):
        start_text += _offset_text(draw(st.sampled_from(offsets)))
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    unit = draw(st.sampled_from(sorted(units)))
    low = 0 if _is_n720(model) else 1
    duration = draw(st.one_of(
        st.integers(low, 0xFFFFFFFF),
        st.sampled_from(["always", "0"] if _is_n720(model) else ["90s"]),
        st.integers(low, 0xFFFFFFFF // units[unit]).map(lambda n: f"{n}{unit}"),
    ))
    return {"start": start_text, "duration": duration}


@st.composite
def _extra(draw: st.DrawFn, model: str) -> dict[str, Any]:
    word = st.from_regex(r"[A-Za-z0-9_]{1,12}", fullmatch=True)
    values: list[st.SearchStrategy[Any]] = [
        _text(model, LIMITS[model]["extra"]), st.integers(-2**40, 2**40), st.booleans()]
    if _is_n720(model):
        index = st.sampled_from(["", "[%]", "[0]", "[12]"])
        key = st.builds(lambda a, i, b, j: f"ZZ_{a}{i}.auc{b}{j}", word, index, word, index)
        values.append(st.lists(st.integers(0, 255), min_size=1, max_size=8))
    else:
        key = st.builds(lambda a, b, c: f"Fz{a}.{b}.{c}", word, word, word)
    return draw(st.dictionaries(key, st.one_of(values), max_size=4))


@st.composite
def sites(draw: st.DrawFn) -> dict[str, Any]:
    """A valid site of a random model, as the data `yaml.safe_dump` writes."""
    model = draw(st.sampled_from(sorted(CAPACITY)), label="model")
    limits = LIMITS[model]
    data: dict[str, Any] = {
        "site": draw(st.from_regex(r"[a-z0-9][a-z0-9-]{0,62}", fullmatch=True).filter(
            lambda name: not WINDOWS_DEVICES.fullmatch(name))),
        "model": model,
        "mac": draw(st.sampled_from(["", ":", "-"])).join(
            draw(st.from_regex(r"[0-9A-Fa-f]{2}", fullmatch=True)) for _ in range(6)),
    }
    if len(data["site"]) > limits["profile_name"] or draw(st.booleans()):
        data["profile_name"] = draw(_text(model, limits["profile_name"], 1))
    if draw(st.booleans()):
        data["timezone"] = draw(st.sampled_from(sorted(N720_ZONES) if _is_n720(model)
                                                else ZONES))
    if draw(st.booleans()):
        data["deregistration_threshold"] = draw(st.integers(0, 100) | st.floats(0, 100))
    if not _is_n720(model) and draw(st.booleans()):
        data["authoritative"] = draw(st.booleans())
    data["providers"] = draw(_providers(model))
    names = [provider["name"] for provider in data["providers"]]
    registration: dict[str, Any] = {}
    if draw(st.booleans()):
        registration["window"] = draw(_window(model, data.get("timezone", "UTC")))
    if draw(st.booleans()):
        pins = st.from_regex(r"[0-9]{4}", fullmatch=True)
        registration["pin"] = draw(pins | st.just("random") if _is_n720(model) else pins)
    if registration or draw(st.booleans()):
        data["registration"] = registration
    defaults = draw(_handset_fields(model, names))
    if defaults or draw(st.booleans()):
        data["defaults"] = defaults
    handsets = draw(_handsets(model, names, defaults))
    if handsets or draw(st.booleans()):  # `handsets:` may be left out
        data["handsets"] = handsets
    has_ipui = any("ipui" in handset for handset in handsets)
    if draw(st.booleans()):
        minimum = N720_TARGET.min_ipui_firmware if _is_n720(model) and has_ipui else None
        data["firmware"] = draw(st.integers(minimum or 0, 999))
    extra = draw(_extra(model))
    if extra:
        data["extra"] = extra
    return _shuffled(draw, data)


# -- what the file must say ---------------------------------------------------------------


def _field(handset: dict[str, Any], defaults: dict[str, Any], key: str, default: Any) -> Any:
    return handset.get(key, defaults.get(key, default))


def _host_port(text: str) -> tuple[str, int]:
    host, _, port = text.partition(":")
    return host, int(port) if port else 5060


def _expected_slots(handsets: list[dict[str, Any]]) -> list[int]:
    """A first build: pinned entries take their slot, then the others, in file order, the
    lowest free one."""
    taken = {h["slot"] for h in handsets if "slot" in h}
    free = iter(s for s in range(N720.SLOTS) if s not in taken)
    return [h["slot"] if "slot" in h else next(free) for h in handsets]


def _ipui_code(text: str) -> bytes:
    compact = re.sub("[ :-]", "", text)
    if len(compact) == 10:
        return bytes.fromhex(compact)
    number = (int(compact[:5]) << 20) | int(compact[5:12])
    return number.to_bytes(5, "big")


def _byte_list(data: bytes | list[int]) -> str:
    return ",".join(f"0x{byte:02X}" for byte in data)


def _n720_expected(data: dict[str, Any]) -> dict[str, str]:
    """Every item of the N720 file, ID -> value; a string without its inner quotes."""
    items = {"PROFILE_NAME": data.get("profile_name", data["site"])}
    registration = data.get("registration", {})
    if "pin" in registration:
        pin = registration["pin"]
        items[N720.PIN_RANDOM.id] = str(int(pin == "random"))
        if pin != "random":
            items[N720.PIN_CODE.id] = _byte_list(bytes.fromhex(pin))
    if "window" in registration:
        start = _start(registration["window"]["start"])
        items[N720.WINDOW_START.id] = _byte_list(start.strftime("%d%m%y%H%M").encode())
        items[N720.WINDOW_DURATION.id] = str(_seconds(registration["window"]["duration"]))
    if "timezone" in data or "window" in registration:  # the DM reads the window in its zone
        items[N720.ZONE.id], items[N720.DST.id] = N720_ZONES[data.get("timezone", "UTC")]
    for index, provider in enumerate(data["providers"]):
        proxy, registrar, outbound = _endpoints(provider)
        values = {
            N720.PROVIDER_NAME: provider["name"],
            N720.PROVIDER_DOMAIN: provider["domain"],
            N720.PROVIDER_PROXY: proxy[0],
            N720.PROVIDER_PROXY_PORT: proxy[1],
            N720.PROVIDER_REGISTRAR: registrar[0],
            N720.PROVIDER_REGISTRAR_PORT: registrar[1],
            N720.PROVIDER_REREGISTER: provider.get("reregister_seconds", 180),
            N720.PROVIDER_OUTBOUND_MODE: N720.OUTBOUND_PROXY_NEVER if outbound is None
            else N720.OUTBOUND_PROXY_ALWAYS,
            N720.PROVIDER_OUTBOUND: _host_port(outbound)[0] if outbound else "",
            N720.PROVIDER_TRANSPORT: N720.TRANSPORT_UDP,
        }
        if outbound:
            values[N720.PROVIDER_OUTBOUND_PORT] = _host_port(outbound)[1]
        items.update({param.id.format(provider=index): str(value)
                      for param, value in values.items()})
    defaults = data.get("defaults", {})
    names = [provider["name"] for provider in data["providers"]]
    handsets = data.get("handsets", [])
    for handset, slot in zip(handsets, _expected_slots(handsets)):
        login = handset["login"]
        provider = _field(handset, defaults, "provider", None)
        voicemail = _field(handset, defaults, "voicemail", False)
        values = {
            N720.ACCOUNT_ACTIVE: int(_field(handset, defaults, "enabled", True)),
            N720.ACCOUNT_LOGIN: login,
            N720.ACCOUNT_PASSWORD: handset["password"],
            N720.ACCOUNT_USER_ID: _field(handset, defaults, "user_id", login),
            N720.ACCOUNT_DISPLAY_NAME: _field(handset, defaults, "display_name", login),
            N720.ACCOUNT_PROVIDER: 0 if provider is None else names.index(provider),
            N720.ACCOUNT_MAILBOX: voicemail or "",
            N720.ACCOUNT_MAILBOX_ON: int(voicemail is not False),
            N720.ACCOUNT_NAME: _field(handset, defaults, "account_name", login),
        }
        if "ipui" in handset:
            values[N720.HANDSET_CODE] = _byte_list(_ipui_code(handset["ipui"]))
        items.update({param.id.format(slot=slot): str(value) for param, value in values.items()})
    for key, value in data.get("extra", {}).items():
        items[key] = _byte_list(value) if isinstance(value, list) else str(
            int(value) if isinstance(value, bool) else value)
    return items


def _n720_read(content: bytes) -> tuple[str, dict[str, str]]:
    """The MAC and the items of an N720 file, read as the device would."""
    root = ElementTree.fromstring(content)
    assert root.tag == "ProviderFrame"
    (provider,) = root
    mac = provider.find("MAC_ADDRESS")
    assert mac is not None
    items = {}
    for element in provider.iter("SYMB_ITEM"):
        item_id, value = element.get("ID", ""), element.get("value", "")
        assert item_id not in items, f"{item_id} written twice"
        if value.startswith('"'):  # a device string: '"text"'
            assert value.endswith('"') and len(value) >= 2, value
            value = value[1:-1]
        items[item_id] = value
    for element in provider.iter("PROFILE_NAME"):
        items["PROFILE_NAME"] = element.get("value", "")
    return mac.get("value", ""), items


@dataclass(frozen=True)
class Nx70File:
    params: dict[str, str]  # the <param>s directly under <nvm>
    opers: list[tuple[str, str | None, dict[str, str]]]  # name, value, their params


def _endpoints(provider: dict[str, Any]) -> tuple[tuple[str, int], tuple[str, int], Any]:
    """Proxy and registrar as (host, port), and the outbound proxy, with the format's
    defaults: the proxy is the domain on 5060, the registrar the proxy."""
    proxy = _host_port(provider["proxy"]) if "proxy" in provider else (provider["domain"], 5060)
    registrar = _host_port(provider["registrar"]) if "registrar" in provider else proxy
    return proxy, registrar, provider.get("outbound_proxy")


def _nx70_expected(data: dict[str, Any]) -> Nx70File:
    params: dict[str, str] = {}
    if data.get("timezone") in NX70_LISTED_ZONES:
        params[NX70.ZONE.name] = data["timezone"]
    for index, provider in enumerate(data["providers"]):
        proxy, registrar, outbound = _endpoints(provider)
        values = {
            NX70.PROVIDER_NAME: provider["name"],
            NX70.PROVIDER_DOMAIN: provider["domain"],
            NX70.PROVIDER_PROXY: proxy[0],
            NX70.PROVIDER_PROXY_PORT: proxy[1],
            NX70.PROVIDER_REGISTRAR: registrar[0],
            NX70.PROVIDER_REGISTRAR_PORT: registrar[1],
            NX70.PROVIDER_REREGISTER: provider.get("reregister_seconds", 180),
            NX70.PROVIDER_TRANSPORT: NX70.TRANSPORT_UDP,
            NX70.PROVIDER_OUTBOUND_MODE: NX70.OUTBOUND_PROXY_NEVER if outbound is None
            else NX70.OUTBOUND_PROXY_ALWAYS,
        }
        if outbound:
            values[NX70.PROVIDER_OUTBOUND] = _host_port(outbound)[0]
            values[NX70.PROVIDER_OUTBOUND_PORT] = _host_port(outbound)[1]
        params.update({param.name.format(provider=index): str(value)
                       for param, value in values.items()})
    defaults = data.get("defaults", {})
    names = [provider["name"] for provider in data["providers"]]
    registration = data.get("registration", {})
    opers: list[tuple[str, str | None, dict[str, str]]] = []
    if data.get("authoritative"):
        opers.append((NX70.AUTHORITATIVE.name, None, {}))
    ipuis = []
    for handset in data.get("handsets", []):
        ipui = _ipui_code(handset["ipui"]).hex()
        ipuis.append(ipui)
        login = handset["login"]
        provider = _field(handset, defaults, "provider", None)
        voicemail = _field(handset, defaults, "voicemail", False)
        values: dict[NX70.Param, Any] = {
            NX70.AUTH_NAME: login,
            NX70.AUTH_PASSWORD: handset["password"],
            NX70.USER_NAME: _field(handset, defaults, "user_id", login),
            NX70.DISPLAY_NAME: _field(handset, defaults, "display_name", login),
            NX70.PROVIDER_ID: 0 if provider is None else names.index(provider),
        }
        if "pin" in registration:
            values[NX70.PIN] = registration["pin"]
        if voicemail is not False:
            values[NX70.MAILBOX] = voicemail
            values[NX70.MAILBOX_ON] = 1
        else:
            values[NX70.MAILBOX_ON] = 0
        params.update({param.name.format(ipui=ipui): str(value)
                       for param, value in values.items()})
    opers += [(NX70.REGISTER.name, ipui, {NX70.REGISTER_STATUS.name: "ToReg"})
              for ipui in sorted(ipuis)]
    if "window" in registration:
        window = registration["window"]
        wall = _start(window["start"])
        given = window["start"][16:]
        zone = data.get("timezone", "UTC")
        offset = (timedelta(hours=int(given[1:3]), minutes=int(given[4:6])) * (
            -1 if given[0] == "-" else 1) if given else _offsets(wall, zone)[0])
        start = wall.replace(tzinfo=timezone(offset))
        opers.append((NX70.WINDOW.name, "local", {
            NX70.WINDOW_START.name: str(int(start.timestamp())),
            NX70.WINDOW_DURATION.name: str(_seconds(window["duration"])),
            NX70.WINDOW_DM_PASSWORD.name: "Gigaset"}))
    for key, value in data.get("extra", {}).items():
        params[key] = str(int(value) if isinstance(value, bool) else value)
    return Nx70File(params, opers)


def _nx70_read(content: bytes) -> Nx70File:
    root = ElementTree.fromstring(content)
    assert root.tag == "provisioning"
    (nvm,) = root
    params: dict[str, str] = {}
    opers = []
    for element in nvm:
        name = element.get("name", "")
        if element.tag == "param":
            assert name not in params, f"{name} written twice"
            params[name] = element.get("value", "")
        else:
            assert element.tag == "oper", element.tag
            opers.append((name, element.get("value"),
                          {p.get("name", ""): p.get("value", "") for p in element}))
    return Nx70File(params, opers)


def _start(text: str) -> datetime:
    """The wall time of a window start, without its offset."""
    return datetime.strptime(text[:16].replace("T", " "), "%Y-%m-%d %H:%M")


def _seconds(duration: int | str) -> int:
    if isinstance(duration, int) or duration == "0":
        return int(duration)
    if duration == "always":
        return 0
    return int(duration[:-1]) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[duration[-1]]


# -- running the tool ---------------------------------------------------------------------


def _build(root: Path) -> tuple[int, str, str]:
    return run("build", "--root", str(root), "--now", NOW)


def _contents(files: dict[str, tuple[bytes, int]]) -> dict[str, bytes]:
    return {path: content for path, (content, _) in files.items()}


def _write_site(root: Path, name: str, content: bytes) -> None:
    (root / "sites").mkdir(parents=True, exist_ok=True)
    (root / "sites" / f"{name}.yaml").write_bytes(content)


def _check_encoding(model: str, content: bytes) -> None:
    encoding = N720_ENCODING if _is_n720(model) else NX70_ENCODING
    declared = re.match(rb'<\?xml version="1.0" encoding="([^"]+)"\?>\n', content)
    assert declared is not None and declared[1].decode().lower() == encoding
    content.decode(encoding)  # strict: raises on a byte the encoding does not have
    ElementTree.fromstring(content)  # well-formed


@FUZZ
@given(data=sites(), allow_unicode=st.booleans())
def test_valid_sites_build_and_read_back_exactly(data: dict[str, Any],
                                                 allow_unicode: bool) -> None:
    text = yaml.safe_dump(data, allow_unicode=allow_unicode, sort_keys=False)
    if "\ufeff" in text:  # the loader refuses a raw byte order mark past the start
        text = yaml.safe_dump(data, sort_keys=False)
    assert yaml.safe_load(text) == data, "the generator's YAML does not round-trip"
    model = data["model"]
    with tempfile.TemporaryDirectory() as first, tempfile.TemporaryDirectory() as second:
        built = []
        for root in (Path(first), Path(second)):
            _write_site(root, data["site"], text.encode("utf-8"))
            code, out, err = _build(root)
            assert code == EXIT_OK, err
            assert "Traceback" not in out + err
            assert " error: " not in err, err
            built.append(tree_with_mtimes(root / "build"))
        # The same inputs give the same bytes in another directory, and a second build
        # in the same one rewrites nothing.
        assert _contents(built[0]) == _contents(built[1])
        code, out, err = _build(Path(first))
        assert code == EXIT_OK, err
        assert tree_with_mtimes(Path(first) / "build") == built[0]
    mac = re.sub("[:-]", "", data["mac"])
    name = f"{mac.upper()}.xml" if _is_n720(model) else f"{mac.lower()}.xml"
    directory = data["site"]
    assert sorted(built[0]) == [f"{directory}/{name}", f"{directory}/state.json"]
    content = built[0][f"{directory}/{name}"][0]
    _check_encoding(model, content)
    if _is_n720(model):
        written_mac, items = _n720_read(content)
        assert written_mac == mac.upper()
        assert items == _n720_expected(data)
    else:
        assert _nx70_read(content) == _nx70_expected(data)


# -- mutated sites ------------------------------------------------------------------------

SEEDS = {path.stem: path.read_bytes() for path in sorted((REPO / "sites").glob("*.yaml"))}
JUNK = [b"\x00", b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xef\xbb\xbf", b"\xef\xbf\xbe",
        b"\xc2\x85", b"\xe2\x80\xa8", b"\x1b", b"\x7f", b"\t", b"\r", b"\r\n", b"\n",
        b"*alias", b"*a ", b"&anchor ", b"&a ", b"!!str ", b"!!int ", b"!!binary ",
        b"!!python/object/apply:os.system ['true'] ", b"!custom ", b"!!set ", b"<<: ",
        b"<<: *a\n", b"{", b"}", b"[", b"]", b"'", b'"', b"---\n", b"...\n", b"%YAML 1.1\n",
        b"? ", b": ", b"- ", b"|\n", b">-\n", b"#", b"\\", b'"\\uFFFE"', b'"\\ud800"',
        b'"\\x00"', b'"\\t"', b"0x", b"1:2:3", b".nan", b".inf", b"~", b"9" * 120,
        b"2026-02-30 10:00", b"2099-12-31T23:59"]
SCALARS = ["42", "-1", "0", "1.5", "1e400", "true", "no", "null", "~", "''", '""', "[]",
           "[1, 2]", "{}", "{a: 1}", "0o17", "0x1F", "1_000", "12:30:45", "2026-01-01",
           "2026-01-01 10:00:00", ".nan", "-.inf", "99999999999999999999999", "!!binary aGk=",
           "[[[[]]]]", "'0000'", "x" * 300, "'O''Brien & <b> ]]> -- &#0;'", "'\"'",
           '"\\u00e9"', '"\\uFFFE"', '"\\uFDD0"', '"a\\u2028b"', '"\\u202e"', '"\\x85"',
           '"\\U0001F600"', '"a\\nb"']
DIAGNOSTIC = re.compile(r"^[^\s:][^:]*(:[0-9]+(:[0-9]+)?)?: error: .* \[[a-z0-9-]+\]$",
                        re.MULTILINE)
_KEY_VALUE = re.compile(rb"^(\s*(?:- )?[A-Za-z_][^:]*: )(.+)$")


def _indent(line: bytes) -> int:
    return len(line) - len(line.lstrip(b" "))


@st.composite
def _mutated(draw: st.DrawFn, text: bytes) -> bytes:
    lines = text.split(b"\n")
    for _ in range(draw(st.integers(1, 4), label="mutations")):
        kind = draw(st.sampled_from(["delete-line", "delete-node", "duplicate", "retype",
                                     "swap", "indent", "junk", "alias"]), label="mutation")
        lines = lines or [b""]
        at = draw(st.integers(0, len(lines) - 1))
        line = lines[at]
        if kind == "delete-line":
            del lines[at]
        elif kind == "delete-node":
            end = at + 1
            while end < len(lines) and (not lines[end].strip() or
                                        _indent(lines[end]) > _indent(line)):
                end += 1
            del lines[at:end]
        elif kind == "duplicate":
            lines.insert(draw(st.integers(0, len(lines))), line)
        elif kind == "retype":
            match = _KEY_VALUE.match(line)
            scalar = draw(st.sampled_from(SCALARS + ["BLOCK-LIST", "BLOCK-MAP"]))
            if scalar.startswith("BLOCK-"):
                inner = b" " * (_indent(line) + 2)
                scalar = ("\n" + inner.decode() + ("- a\n" + inner.decode() + "- b"
                          if scalar == "BLOCK-LIST" else "a: 1\n" + inner.decode() + "b: 2"))
            if match:
                lines[at] = match[1] + scalar.encode()
        elif kind == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], line
        elif kind == "indent":  # less, more, or a tab instead
            if draw(st.booleans()):
                line = line.lstrip(b" ")
            lines[at] = draw(st.sampled_from([b"", b" ", b"  ", b"    ", b"\t", b"- "])) + line
        elif kind == "junk":
            junk = draw(st.sampled_from(JUNK) | st.binary(min_size=1, max_size=8))
            column = draw(st.integers(0, len(line)))
            lines[at] = line[:column] + junk + line[column:]
        else:  # an anchor on one value, an alias of it in place of another
            other = draw(st.integers(0, len(lines) - 1))
            first, second = _KEY_VALUE.match(line), _KEY_VALUE.match(lines[other])
            if first and second:
                lines[at] = first[1] + b"&fz " + first[2]
                lines[other] = second[1] + b"*fz"
    return b"\n".join(lines)


@FUZZ
@given(data=st.data(), stem=st.sampled_from(sorted(SEEDS)), others=st.booleans())
def test_mutated_sites_give_diagnostics_not_exceptions(data: st.DataObject, stem: str,
                                                       others: bool) -> None:
    content = data.draw(_mutated(SEEDS[stem]), label="content")
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        _write_site(root, stem, content)
        if others:  # the other examples too: checks across sites
            for name, text in SEEDS.items():
                if name != stem:
                    _write_site(root, name, text)
        code, out, err = _build(root)
        assert code in (EXIT_OK, EXIT_INVALID), (code, out, err)
        assert "Traceback" not in out + err
        if code == EXIT_INVALID:
            assert DIAGNOSTIC.search(err), err
        else:
            for path, written in tree(root / "build").items():
                if path.endswith(".xml"):  # the model the build recorded in its state
                    state = json.loads(
                        (root / "build" / Path(path).parent / "state.json").read_text())
                    _check_encoding(state["model"], written)
