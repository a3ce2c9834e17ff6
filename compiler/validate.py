"""Validate: the second stage. The JSON Schema checks structure; the rules here check what
a schema cannot say (identities, references, device limits). Every problem of a site is
reported, each at the file:line:col of the value it is about, with a stable rule id.
"""

from __future__ import annotations

import difflib
import functools
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from compiler.diagnostics import (
    ADVICE_RULES,
    Diagnostic,
    PathPart,
    Severity,
    is_secret,
)
from compiler.ipui import Ipui, parse_ipui
from compiler.load import Loc, LocatedDict, locate, locate_key
from compiler.model import (
    SECRET_SETTINGS,
    WINDOW_START,
    parse_duration,
    parse_window_offset,
    parse_window_start,
    zone_offsets,
)
from compiler.schema import (
    FLEET_SCHEMA,
    SITE_OWN_KEYS,
    SITE_SCHEMA,
    fast_validator,
    schema_text,
)
from compiler.secrets import PLACEHOLDER, SHARED_SCOPE, collision_message, collisions, in_scope
from compiler.targets import Target, all_targets, target_for
from compiler.targets.common import SECRET_ID, is_control
from compiler.text import clip, shown_path, value_at

if TYPE_CHECKING:  # both are imported when a site is first validated: a no-op build never
    import jsonschema  # validates, and its start is a fifth of its time

_HANDSET_TEXT = ("login", "password", "user_id", "display_name", "account_name", "voicemail")
_PROVIDER_TEXT = ("name", "domain", "proxy", "registrar", "outbound_proxy")
_HANDSET_LIMITS = {key: f"handsets.{key}" for key in _HANDSET_TEXT}
_ENDPOINTS = ("proxy", "registrar", "outbound_proxy")
_PORT = re.compile(r"[0-9]{1,5}")
# Fields left out take another field's value (model.py), which must then fit them too.
_LOGIN_FILLS = ("user_id", "display_name", "account_name")
# Names Windows keeps for devices: a build/<site>/ of that name cannot be checked out
# there, and a path to it leads to the device.
_DEVICE_NAMES = re.compile(r"(con|prn|aux|nul|com[0-9]|lpt[0-9])", re.IGNORECASE)


def _is_integer(_: Any, value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(_: Any, value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and not (
        isinstance(value, float) and math.isnan(value))


@functools.cache
def _validator(name: str = SITE_SCHEMA) -> jsonschema.Draft202012Validator:
    """Draft 2020-12 with YAML's numbers kept apart: 7200.0 is no integer here (the model
    would carry the float to the device), and .nan is no number (it passes every limit)."""
    import jsonschema

    types = jsonschema.Draft202012Validator.TYPE_CHECKER.redefine_many(
        {"integer": _is_integer, "number": _is_number})
    validator = jsonschema.validators.extend(jsonschema.Draft202012Validator, type_checker=types)
    return validator(json.loads(schema_text(name)))


@functools.cache
def _fast_validator(name: str = SITE_SCHEMA) -> Callable[[Any], Any]:
    """The same schema compiled to Python: many times faster on the common valid file.
    Only its yes matters; a no is explained by the full validator above."""
    return fast_validator(name)


def prepare_validation() -> None:
    """Compile the schema now (worker processes forked afterwards share it)."""
    _fast_validator()


def _schema_errors(data: Any, name: str = SITE_SCHEMA) -> list[jsonschema.ValidationError]:
    import fastjsonschema

    try:
        _fast_validator(name)(data)
    except fastjsonschema.JsonSchemaException:
        return list(_validator(name).iter_errors(data))
    if getattr(data, "has_float", True) and _has_float(data):
        # JSON Schema's integers include 7200.0; ours do not. (The loader says whether the
        # file has a float at all.)
        return list(_validator(name).iter_errors(data))
    return []


def _has_float(value: Any) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(_has_float(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_float(item) for item in value)
    return False


@dataclass(frozen=True)
class Identity:
    """An IPUI claimed by a handset entry, for the checks across sites."""

    ipui: Ipui
    file: str
    loc: Loc | None
    path: str


@dataclass
class SiteCheck:
    diagnostics: list[Diagnostic]
    identities: list[Identity]
    advice: list[Diagnostic] = field(default_factory=list)  # for `validate` only




class _Report:
    def __init__(self, file: str, data: LocatedDict) -> None:
        self.file = file
        self.data = data
        self.items: list[Diagnostic] = []

    def error(self, path: tuple[PathPart, ...], rule: str, message: str,
              loc: Loc | None = None, severity: Severity = Severity.ERROR) -> None:
        where = loc or locate(self.data, path)
        file = self.file
        if where is not None and where.file is not None and where.file != file:
            # A value merged in from fleet.yaml: said there, naming the site it is wrong for.
            file, message = where.file, f"{message} (used by {self.file})"
        self.items.append(Diagnostic(file, where.line if where else None,
                                     where.column if where else None, severity, rule,
                                     _one_line(shown_path(path)), _one_line(message)))


_LINE_BREAKING = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _one_line(text: str) -> str:
    """A diagnostic is one line: a control character in a quoted value is shown escaped."""
    return _LINE_BREAKING.sub(lambda match: match.group().encode("unicode_escape").decode(),
                              text)


def validate_site(data: LocatedDict, file: str, stem: str) -> SiteCheck:
    report = _Report(file, data)
    for error in _schema_errors(data):
        _schema_error(report, error)
    target = target_for(data["model"]) if isinstance(data.get("model"), str) else None
    _site_name(report, stem)
    _providers(report)
    _ports(report)
    _provider_settings(report)
    identities = _handsets(report, target)
    _literal_passwords(report)
    _secret_references(report)
    _registration(report, target)
    _retention(report)
    _timezone(report)
    _directory(report)
    if target is not None:
        _texts(report, target)
        _defaulted_texts(report, target)
        _extra(report, target)
        _firmware(report, target, identities)
        _target_rules(report, target)
    else:  # the model is wrong (said above): what holds for every model is still checked,
        _texts_any_model(report)  # so that the file is fixed in one round
        _extra_passwords(report)
    advice = [d for d in report.items if d.rule in ADVICE_RULES]
    return SiteCheck([d for d in report.items if d.rule not in ADVICE_RULES], identities, advice)


def validate_shared(data: LocatedDict, file: str) -> list[Diagnostic]:
    """fleet.yaml on its own: its schema, and one definition per provider name. (What its
    values mean for a site is checked in each site that takes them.)"""
    report = _Report(file, data)
    for error in _schema_errors(data, FLEET_SCHEMA):
        path = tuple(error.absolute_path)
        own = [key for key in error.instance if key in SITE_OWN_KEYS] if (
            error.validator == "additionalProperties" and path[:1] in (("sites",), ("profiles",))
            and len(path) == (1 if path[0] == "sites" else 2)) else []
        for key in own:  # not a typo: a key only a site file can hold
            report.error(path + (key,), "unknown-key", f"'{key}' is each site's own: write it "
                         "in the site file", loc=locate_key(data, path + (key,)))
        _schema_error(report, error, skip=frozenset(own))
    providers = data.get("providers")
    seen: dict[str, int] = {}
    for index, provider in enumerate(providers if isinstance(providers, list) else []):
        name = provider.get("name") if isinstance(provider, dict) else None
        if not isinstance(name, str):
            continue
        if name in seen:
            report.error(("providers", index, "name"), "provider-duplicate",
                         f"provider '{clip(name)}' is defined twice (first: providers"
                         f"[{seen[name]}]); a site names it, so it must be one definition")
        seen.setdefault(name, index)
    return report.items


def _site_name(report: _Report, stem: str) -> None:
    name = report.data.get("site")
    if not isinstance(name, str):
        return  # the schema reports it
    if name != stem:
        report.error(("site",), "site-name", f"site '{clip(name)}' must equal the file "
                     f"name '{clip(stem)}': rename one of them")
    if _DEVICE_NAMES.fullmatch(name):
        report.error(("site",), "site-name", f"'{name}' is a device name on Windows (CON, "
                     f"PRN, AUX, NUL, COM0-9, LPT0-9): build/{name}/ could not be checked out "
                     "there; choose another site name and file name")


def validate_fleet(identities: Iterable[Identity]) -> list[Diagnostic]:
    """An IPUI can be registered to one DECT manager only: no two sites may claim it."""
    first: dict[Ipui, Identity] = {}
    problems = []
    for identity in identities:
        other = first.setdefault(identity.ipui, identity)
        if other.file != identity.file:
            line = f":{other.loc.line}" if other.loc else ""
            problems.append(Diagnostic(
                identity.file, identity.loc.line if identity.loc else None,
                identity.loc.column if identity.loc else None, Severity.ERROR,
                "ipui-duplicate-site", identity.path,
                f"IPUI {identity.ipui.hex} (IPEI {identity.ipui.ipei}) is also in "
                f"{other.file}{line} ({other.path}); "
                "a handset registers with one DECT manager only"))
    return problems


# -- the schema, in a user's words ----------------------------------------------------


def _schema_error(report: _Report, error: jsonschema.ValidationError,
                  skip: frozenset[str] = frozenset()) -> None:
    path = tuple(error.absolute_path)
    keyword, instance, expected = error.validator, error.instance, error.validator_value
    if keyword == "required":
        for key in expected:
            if isinstance(instance, dict) and key not in instance:
                report.error(path, "required", f"'{key}' is required here")
    elif keyword == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        for key in instance:
            if key not in allowed and key not in skip:
                report.error(path + (key,), "unknown-key", _unknown_key(key, allowed),
                             loc=locate_key(report.data, path + (key,)))
    elif keyword == "type":
        report.error(path, "type", _wrong_type(report, error, path))
    elif keyword == "pattern":
        _pattern_error(report, error, path)
    elif keyword == "enum":
        choices = ", ".join(str(choice) for choice in expected)
        if isinstance(instance, str):
            report.error(path, "enum", f"'{clip(instance)}' is not one of: {choices}")
        else:
            report.error(path, "enum", f"must be one of: {choices}, not {_kind(instance)}")
    elif keyword in ("minimum", "maximum"):
        side = "at least" if keyword == "minimum" else "at most"
        report.error(path, "range", f"{_shown(path, instance)} is out of range: must be "
                     f"{side} {expected}")
    elif keyword in ("minItems", "maxItems"):
        bound = f"at least {expected} needed" if keyword == "minItems" else (
            f"at most {expected} allowed")
        report.error(path, "count", f"has {_count(len(instance), 'entry', 'entries')}; "
                     f"{bound}")
    elif keyword == "minLength":
        report.error(path, "empty", "must not be empty")
    else:  # pragma: no cover - a keyword the schema does not use yet
        report.error(path, "schema", error.message)


def _pattern_error(report: _Report, error: jsonschema.ValidationError,
                   path: tuple[PathPart, ...]) -> None:
    hint = error.schema.get("x-hint", f"of the form {error.validator_value}")
    if error.schema_path and "propertyNames" in error.schema_path:
        key_path = path + (error.instance,)
        report.error(key_path, "format", f"'{clip(error.instance)}' is not {hint}",
                     loc=locate_key(report.data, key_path))
    else:
        report.error(path, "format", f"{_shown(path, error.instance)} is not {hint}")


def _unknown_key(key: str, allowed: list[str]) -> str:
    message = f"unknown key '{clip(key)}'"
    close = difflib.get_close_matches(key, allowed, n=1)
    if close:
        return message + f"; did you mean '{close[0]}'?"
    return message + f"; allowed here: {', '.join(allowed)}"


_TYPE_NAMES = {"string": "text", "integer": "a whole number", "number": "a number",
               "boolean": "true/false", "object": "a mapping", "array": "a list",
               "null": "nothing"}


def _type_names(expected: str | list[str]) -> str:
    """`text`, `true or false`, `a whole number or text`, `text, true/false or a list`."""
    if expected == "boolean":
        return "true or false"
    names = [_TYPE_NAMES.get(name, name) for name in _listed(expected)]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _wrong_type(report: _Report, error: jsonschema.ValidationError,
                path: tuple[PathPart, ...]) -> str:
    """YAML 1.1 reads `0000`, `001122334455` and `yes` as numbers and booleans: where the
    text as written is valid, say to quote it; where it is not, say what is expected."""
    names, instance = _type_names(error.validator_value), error.instance
    if is_secret(path):
        names = ("text or {secret: NAME}" if "string" in _listed(error.validator_value)
                 else "{secret: NAME}")
    loc = locate(report.data, path)
    raw = loc.raw if loc is not None else None
    if raw is None or not isinstance(instance, int | float | bool) or (
            "string" not in _listed(error.validator_value)):
        return f"must be {names}, not {_kind(instance)}"
    if is_secret(path):
        return f"must be {names}, but YAML reads the value as {_kind(instance)}: quote it"
    if _validator().evolve(schema=error.schema).is_valid(raw):
        return (f"must be {names}, but YAML reads {raw} as {_kind(instance)}: "
                f"quote it, \"{raw}\"")
    return f"{raw} is not {error.schema.get('x-hint', 'valid here')}"


def _listed(expected: str | list[str]) -> list[str]:
    return [expected] if isinstance(expected, str) else list(expected)


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, float):
        return "infinity" if math.isinf(value) else "a decimal number"
    if isinstance(value, int):
        return "a number"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "text"


def _shown(path: tuple[PathPart, ...], value: Any) -> str:
    if is_secret(path):
        return "the value"
    return f"'{clip(value)}'" if isinstance(value, str) else str(value)


# -- rules the schema cannot say -------------------------------------------------------


def _entries(data: dict[str, Any], key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    items = data.get(key)
    if isinstance(items, list):
        for index, item in enumerate(items):
            if isinstance(item, dict):
                yield index, item


def _providers(report: _Report) -> None:
    names: dict[str, int] = {}
    for index, provider in _entries(report.data, "providers"):
        name = provider.get("name")
        if isinstance(name, str):
            if name in names:
                report.error(("providers", index, "name"), "provider-duplicate",
                             f"provider '{clip(name)}' is already defined as "
                             f"providers[{names[name]}]")
            names.setdefault(name, index)
    references: list[tuple[tuple[PathPart, ...], Any]] = [
        (("defaults", "provider"), value_at(report.data, ("defaults", "provider")))]
    references += [(("handsets", i, "provider"), handset.get("provider"))
                   for i, handset in _entries(report.data, "handsets")]
    for path, value in references:
        if isinstance(value, str) and names and value not in names:
            report.error(path, "provider-unknown", f"no provider is named '{clip(value)}' "
                         f"(providers: {', '.join(clip(name) for name in names)})")


def _ports(report: _Report) -> None:
    for index, provider in _entries(report.data, "providers"):
        for key in _ENDPOINTS:
            value = provider.get(key)
            port = value.rpartition(":")[2] if isinstance(value, str) and ":" in value else ""
            if _PORT.fullmatch(port) and not 1 <= int(port) <= 65535:
                report.error(("providers", index, key), "range", f"port {int(port)} is out "
                             "of range: must be 1 to 65535")


def _provider_settings(report: _Report) -> None:
    """The typed provider settings, beyond their schema; which family writes which is the
    target's to say (site_problems)."""
    for index, provider in _entries(report.data, "providers"):
        stun = provider.get("stun")
        if stun is True:
            report.error(("providers", index, "stun"), "stun-value", "stun: true names no "
                         "server; give {server: host[:port]}, or false to turn STUN off")
        server = stun.get("server") if isinstance(stun, dict) else None
        port = server.rpartition(":")[2] if isinstance(server, str) and ":" in server else ""
        if _PORT.fullmatch(port) and not 1 <= int(port) <= 65535:
            report.error(("providers", index, "stun", "server"), "range", f"port {int(port)} "
                         "is out of range: must be 1 to 65535")
        codecs = provider.get("codecs")
        seen: set[str] = set()
        for position, codec in enumerate(codecs if isinstance(codecs, list) else []):
            if not isinstance(codec, str):
                continue  # the schema reports it
            if codec in seen:
                report.error(("providers", index, "codecs", position), "codec-duplicate",
                             f"'{clip(codec)}' is already in the list; name each codec once")
            seen.add(codec)


def _handsets(report: _Report, target: Target | None) -> list[Identity]:
    identities: list[Identity] = []
    seen: dict[tuple[str, Any], int] = {}
    for index, handset in _entries(report.data, "handsets"):
        _unique(report, seen, index, handset)
        if handset.get("voicemail") is True:
            _voicemail_true(report, ("handsets", index, "voicemail"))
        identity = _ipui(report, index, handset)
        if identity is None:
            continue
        first = seen.setdefault(("ipui", identity.ipui), index)
        if first == index:
            identities.append(identity)
        else:
            report.error(("handsets", index, "ipui"), "ipui-duplicate",
                         f"IPUI {identity.ipui.hex} (IPEI {identity.ipui.ipei}) is already "
                         f"used by handsets[{first}]")
    _capacity(report, target)
    if value_at(report.data, ("defaults", "voicemail")) is True:
        _voicemail_true(report, ("defaults", "voicemail"))
    return identities


def _unique(report: _Report, seen: dict[tuple[str, Any], int], index: int,
            handset: dict[str, Any]) -> None:
    """A login is one SIP account and a slot one database entry: each at most once."""
    for key, kind, rule, shown in (("login", str, "login-duplicate", "login '{}'"),
                                   ("slot", int, "slot-duplicate", "slot {}")):
        value = handset.get(key)
        if not isinstance(value, kind) or isinstance(value, bool):
            continue  # the schema reports a wrong type
        first = seen.setdefault((key, value), index)
        if first != index:
            report.error(("handsets", index, key), rule,
                         f"{shown.format(value)} is already used by handsets[{first}]")


def _voicemail_true(report: _Report, path: tuple[PathPart, ...]) -> None:
    report.error(path, "voicemail-value", "voicemail: true names no mailbox; give its "
                 "number, e.g. \"*2\", or false")


def _capacity(report: _Report, target: Target | None) -> None:
    capacity = target.capacity.get(report.data["model"]) if target else None
    entries = report.data.get("handsets")
    if capacity is not None and isinstance(entries, list) and len(entries) > capacity:
        report.error(("handsets",), "handset-capacity", f"{len(entries)} handsets, but an "
                     f"{report.data['model']} holds {capacity}")


def _ipui(report: _Report, index: int, handset: dict[str, Any]) -> Identity | None:
    text = handset.get("ipui")
    if not isinstance(text, str):
        return None
    path: tuple[PathPart, ...] = ("handsets", index, "ipui")
    parsed = parse_ipui(text)
    if isinstance(parsed, Ipui):
        locs = getattr(handset, "value_locs", None)  # the value's place, without a search
        loc = locs["ipui"] if locs is not None else locate(report.data, path)
        return Identity(parsed, report.file, loc, f"handsets[{index}].ipui")
    report.error(path, parsed.rule, parsed.message.replace(f"'{text}'", f"'{clip(text)}'"))
    return None


def _registration(report: _Report, target: Target | None) -> None:
    years, longest = _window_bounds(target)
    start = value_at(report.data, ("registration", "window", "start"))
    if isinstance(start, str) and WINDOW_START.fullmatch(start):  # else the schema says
        _window_start(report, start, years)
    duration = value_at(report.data, ("registration", "window", "duration"))
    if isinstance(duration, int | str) and not isinstance(duration, bool):
        try:
            seconds = parse_duration(duration)
        except ValueError:
            return  # the schema's pattern reports it
        if seconds > longest:
            never = target is None or target.window_never_closes
            report.error(("registration", "window", "duration"), "window-duration",
                         f"{seconds} seconds is longer than the DM can store ({longest})"
                         + ("; use 'always' for a window that never closes" if never else ""))


def _window_start(report: _Report, text: str, years: range) -> None:
    path: tuple[PathPart, ...] = ("registration", "window", "start")
    try:
        wall = parse_window_start(text)
    except ValueError:
        report.error(path, "window-start", f"'{text}' is not a real date and time")
        return
    if wall.year not in years:
        report.error(path, "window-start", f"year {wall.year} is out of range: the "
                     f"DM stores a 2-digit year, so {years.start}..{years.stop - 1}")
        return
    zone_name = report.data.get("timezone", "UTC")
    if not isinstance(zone_name, str):
        return  # the schema reports it
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        return  # _timezone reports it
    problem = _local_time_problem(text, wall, parse_window_offset(text), zone_name, zone)
    if problem is not None:
        report.error(path, "window-start", problem)


def _local_time_problem(text: str, wall: datetime, given: timedelta | None,
                        zone_name: str, zone: ZoneInfo) -> str | None:
    """Why the site's zone cannot place this window start: its clocks skip that wall time,
    show it twice and no offset says which, or are not at the offset given."""
    offsets = zone_offsets(wall, zone)
    day = f"{wall:%Y-%m-%d}"
    if not offsets:
        before, after = _clock_change(wall, zone)
        return (f"'{text}' does not exist in {zone_name}: on {day} the clocks jump from "
                f"{before} to {after}; choose a time before {before} or from {after}")
    if given is None and len(offsets) > 1:
        before, after = _clock_change(wall, zone)
        first, second = (f"'{wall:%Y-%m-%d %H:%M}{_offset_text(o)}'" for o in offsets)
        return (f"'{text}' occurs twice in {zone_name}: on {day} the clocks go back from "
                f"{before} to {after}; add the offset of the one you mean, {first} (the "
                f"first) or {second} (the second)")
    if given is not None and given not in offsets:
        wall_text = f"{wall:%Y-%m-%d %H:%M}"
        have = " or ".join(_offset_text(offset) for offset in offsets)
        choices = [f"'{wall_text}{_offset_text(offset)}'" for offset in offsets]
        if len(offsets) == 1:
            choices.append(f"'{wall_text}'")
        return (f"'{text}': {zone_name} is at {have} at that time, not "
                f"{_offset_text(given)}; write {' or '.join(choices)}")
    return None


def _clock_change(wall: datetime, zone: ZoneInfo) -> tuple[str, str]:
    """The wall times just before and just after the change of offset next to `wall`
    ("02:00", "03:00" for a spring night in Berlin; "03:00", "02:00" for an autumn one)."""
    before = wall.replace(tzinfo=zone, fold=0).utcoffset()
    after = wall.replace(tzinfo=zone, fold=1).utcoffset()
    assert before is not None and after is not None and before != after
    # The change lies between these two moments: the offset is `before` at low and
    # `after` at high. Halve the interval down to the second.
    low = int((wall - max(before, after)).replace(tzinfo=UTC).timestamp())
    high = int((wall - min(before, after)).replace(tzinfo=UTC).timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).utcoffset() == before:
            low = middle
        else:
            high = middle
    change = datetime.fromtimestamp(high, UTC).replace(tzinfo=None)
    # A zone that skips a whole day (Samoa, 30 December 2011) shows the same hour on both
    # sides: then the dates say it.
    shown = "%H:%M" if (change + before).date() == (change + after).date() else "%Y-%m-%d %H:%M"
    return f"{change + before:{shown}}", f"{change + after:{shown}}"


def _offset_text(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


# A deregistration is written for at least a day, so that a DM that misses a night's
# fetches still applies it; and for at most ten years, a time a date can still count.
MIN_RETENTION_SECONDS = 86400
MAX_RETENTION_SECONDS = 3650 * 86400
_RETENTION = re.compile("[0-9]+[hd]", re.ASCII)


def _retention(report: _Report) -> None:
    value = report.data.get("deregistration_retention")
    if not isinstance(value, str) or not _RETENTION.fullmatch(value):
        return  # absent, or the schema's pattern reports it
    seconds = parse_duration(value)
    if seconds < MIN_RETENTION_SECONDS:
        report.error(("deregistration_retention",), "deregistration-retention",
                     f"{clip(value)} is shorter than a day: a DM that misses the fetches of one "
                     "night would keep the handset; give at least 1d")
    elif seconds > MAX_RETENTION_SECONDS:
        report.error(("deregistration_retention",), "deregistration-retention",
                     f"{clip(value)} is longer than ten years (3650d), the longest retention")


def _window_bounds(target: Target | None) -> tuple[range, int]:
    """The years a window may start in and its longest duration: the target's, or, when the
    model is unknown (an error already), what every target can store."""
    if target is not None:
        return target.window_years, target.max_window_seconds
    every = all_targets()
    return (range(max(t.window_years.start for t in every),
                  min(t.window_years.stop for t in every)),
            min(t.max_window_seconds for t in every))


# Names the zone database answers that are no fixed zone: `localtime` is the machine's
# own (a build's output would depend on where it ran), `posixrules` and `Factory` are no
# place's, and `posix/` and `right/` are copies of the zones under other names.
_NOT_A_ZONE = re.compile(r"localtime|posixrules|Factory|(?:posix|right)/.*")


def _timezone(report: _Report) -> None:
    zone = report.data.get("timezone")
    if not isinstance(zone, str) or not zone:
        return
    if _NOT_A_ZONE.fullmatch(zone):
        report.error(("timezone",), "timezone", f"'{clip(zone)}' is not a zone of its own: "
                     "name the site's IANA time zone (such as 'Europe/Berlin' or 'UTC')")
        return
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        report.error(("timezone",), "timezone", f"'{clip(zone)}' is not an IANA time zone "
                     "(such as 'Europe/Berlin' or 'UTC')")


# What each kind of directory needs, and the keys that belong to the other kind.
_DIRECTORY_KEYS = {"xml": (("url",), ("server", "port", "base_dn")),
                   "ldap": (("server", "base_dn"), ("url",))}


def _directory(report: _Report) -> None:
    directory = report.data.get("directory")
    kind = directory.get("type") if isinstance(directory, dict) else None
    if not isinstance(kind, str) or kind not in _DIRECTORY_KEYS:
        return  # the schema reports it
    needed, foreign = _DIRECTORY_KEYS[kind]
    for key in needed:
        if key not in directory:
            report.error(("directory",), "required", f"'{key}' is required for a "
                         f"directory of type {kind}")
    for key in foreign:
        if key in directory:
            report.error(("directory", key), "directory-key", f"'{key}' belongs to the "
                         f"other type of directory, not to type {kind}",
                         loc=locate_key(report.data, ("directory", key)))


def _text_fields(data: dict[str, Any],
                 ) -> Iterator[tuple[tuple[PathPart, ...], str, Any]]:
    """Every site value that reaches the device as text: its path, its limit's field name,
    and the value (anything: the schema has not vouched for it)."""
    yield ("profile_name",), "profile_name", data.get("profile_name")
    for index, provider in _entries(data, "providers"):
        for key in _PROVIDER_TEXT:
            if key in provider:
                yield ("providers", index, key), f"providers.{key}", provider[key]
        stun = provider.get("stun")
        if isinstance(stun, dict) and "server" in stun:
            yield ("providers", index, "stun", "server"), "providers.stun", stun["server"]
    defaults = data.get("defaults")
    if isinstance(defaults, dict):
        for key in _HANDSET_TEXT:
            if key in defaults:
                yield ("defaults", key), _HANDSET_LIMITS[key], defaults[key]
    for index, handset in _entries(data, "handsets"):
        for key in _HANDSET_TEXT:
            if key in handset:
                yield ("handsets", index, key), _HANDSET_LIMITS[key], handset[key]
    extra = data.get("extra")
    if isinstance(extra, dict):
        for key, value in extra.items():
            yield ("extra", key), "extra", value
    yield from _setting_texts(data)


# The site settings' texts, by path; each path is also its limit's name.
SETTING_TEXTS = (
    ("time", "ntp_server"), ("provisioning", "server"), ("firmware_update", "iwu"),
    ("firmware_update", "sat"), ("firmware_update", "version"), ("firmware_update", "url"),
    ("directory", "name"), ("directory", "url"), ("directory", "server"),
    ("directory", "base_dn"), ("directory", "user"),
)


def _setting_texts(data: dict[str, Any]) -> Iterator[tuple[tuple[PathPart, ...], str, Any]]:
    for path in SETTING_TEXTS:
        value = value_at(data, path)
        if value is not None:
            yield path, ".".join(path), value


def _texts(report: _Report, target: Target) -> None:
    for path, limit_name, value in _text_fields(report.data):
        if not isinstance(value, str):
            continue
        problem = target.text_problem(value, secret=is_secret(path))
        if problem is not None:
            report.error(path, "text-charset", problem)
        limit = target.text_limit(limit_name)
        if len(value) > limit:
            report.error(path, "text-length", f"is {len(value)} characters long; the "
                         f"{report.data['model']} takes at most {limit}")


def _texts_any_model(report: _Report) -> None:
    """Without a model: a control character, which no model takes, and a text longer than
    the longest any model takes for its field."""
    targets = all_targets()
    for path, limit_name, value in _text_fields(report.data):
        if not isinstance(value, str):
            continue
        control = next((character for character in value if is_control(character)), None)
        if control is not None:
            code = "" if is_secret(path) else f" (U+{ord(control):04X})"
            report.error(path, "text-charset",
                         f"contains a control character{code}; use plain text on one line")
        limit = max(target.text_limit(limit_name) for target in targets)
        if len(value) > limit:
            report.error(path, "text-length", f"is {len(value)} characters long; no model "
                         f"takes more than {limit}")


def _defaulted_texts(report: _Report, target: Target) -> None:
    """The site name is the profile name when none is given, and a handset's login its
    user_id, display_name and account_name (unless defaults: sets them)."""
    fills: list[tuple[tuple[PathPart, ...], Any, list[str]]] = []  # path, value, fields
    if "profile_name" not in report.data:
        fills.append((("site",), report.data.get("site"), ["profile_name"]))
    defaults = report.data.get("defaults")
    given = set(defaults) if isinstance(defaults, dict) else set()
    for index, handset in _entries(report.data, "handsets"):
        fills.append((("handsets", index, "login"), handset.get("login"),
                      [key for key in _LOGIN_FILLS if key not in handset and key not in given]))
    for path, value, fields in fills:
        if isinstance(value, str):
            _filled_length(report, target, path, value, fields)


def _filled_length(report: _Report, target: Target, path: tuple[PathPart, ...], value: str,
                   fields: list[str]) -> None:
    field_prefix = "" if path == ("site",) else "handsets."
    if field_prefix and len(value) > target.text_limit(field_prefix + str(path[-1])):
        return  # too long for its own field: reported once, by _texts
    too_short = [key for key in fields if len(value) > target.text_limit(field_prefix + key)]
    if not too_short:
        return
    limit = min(target.text_limit(field_prefix + key) for key in too_short)
    names = " and ".join(too_short)
    report.error(path, "text-length", f"is {len(value)} characters long and also fills "
                 f"{names}, where the {report.data['model']} takes at most {limit}: set "
                 f"{names} explicitly")


def _extra(report: _Report, target: Target) -> None:
    extra = report.data.get("extra")
    if not isinstance(extra, dict):
        return
    for key, value in extra.items():
        problem = target.extra_problem(key, value)
        if problem is not None:
            rule, message = problem
            # A bad value is shown at the value; a bad or owned name at the name.
            at_value = rule == "extra-value"
            report.error(("extra", key), rule, message,
                         loc=None if at_value else locate_key(report.data, ("extra", key)))
        else:
            _extra_password(report, key, value)


def _extra_passwords(report: _Report) -> None:
    """Without a model: the items that name a password (the others are the model's)."""
    extra = report.data.get("extra")
    for key, value in extra.items() if isinstance(extra, dict) else ():
        _extra_password(report, key, value)


def _extra_password(report: _Report, key: str, value: Any) -> None:
    if isinstance(key, str) and SECRET_ID.search(key) and value not in ("", [], 0, False):
        # Said as a literal handset password is: import refuses such an item.
        report.error(("extra", key), "extra-password", "names a password: its value is "
                     "in this file and in build/, and so in git (extra: has no secret "
                     "reference); set it on the device instead",
                     loc=locate_key(report.data, ("extra", key)), severity=Severity.WARNING)


def _literal_passwords(report: _Report) -> None:
    """Allowed, for small teams, but said once per site: such a password is in git."""
    literal = [i for i, handset in _entries(report.data, "handsets")
               if isinstance(handset.get("password"), str)]
    if literal:
        count = (f"{len(literal)} handsets keep their" if len(literal) != 1
                 else "1 handset keeps its")
        report.error(("handsets", literal[0], "password"), "literal-password",
                     f"{count} password in this file, and so in git; write "
                     "{secret: NAME} and keep the value in the environment or secrets.yaml",
                     severity=Severity.WARNING)


def _secret_references(report: _Report) -> None:
    """A site names only its own secrets (`<site>/...`) or shared ones (`shared/...`):
    otherwise its file, or a file imported into it, could publish another site's password.
    And no two of its names may share an environment variable, or one would take the
    other's value."""
    site = report.data.get("site")
    if not isinstance(site, str):
        return  # the schema reports it
    named: dict[str, tuple[PathPart, ...]] = {}
    for path in _secret_paths(report.data):
        reference = value_at(report.data, path)
        name = reference.get("secret") if isinstance(reference, dict) else None
        if not isinstance(name, str) or not PLACEHOLDER.fullmatch("${secret:" + name + "}"):
            continue  # not a reference, or one the schema reports
        if not in_scope(name, site):
            report.error(path + ("secret",), "secret-scope", f"secret '{clip(name)}' is not "
                         f"this site's: a site names its own secrets, '{site}/...', or "
                         f"shared ones, '{SHARED_SCOPE}/...'")
        named.setdefault(name, path)
    for name, earlier in collisions(named):
        report.error(named[name] + ("secret",), "secret-collision",
                     collision_message(name, earlier, f" ({_secret_owner(named[earlier])})"))


def _secret_owner(path: tuple[PathPart, ...]) -> str:
    """`handsets[2]` for a handset's password, the setting's path for a site setting's."""
    return shown_path(path[:2] if path[0] == "handsets" else path)


def _secret_paths(data: dict[str, Any]) -> Iterator[tuple[PathPart, ...]]:
    """Where a site may name a secret: each handset's password, then the site settings
    that hold one."""
    for index, _ in _entries(data, "handsets"):
        yield ("handsets", index, "password")
    yield from SECRET_SETTINGS


def _target_rules(report: _Report, target: Target) -> None:
    """What this device family cannot do with an otherwise valid site."""
    for path, rule, message in target.site_problems(report.data):
        report.error(path, rule, message)
    for path, rule, message in target.site_warnings(report.data):
        report.error(path, rule, message, severity=Severity.WARNING)


def _firmware(report: _Report, target: Target, identities: list[Identity]) -> None:
    firmware = report.data.get("firmware")
    minimum = target.min_ipui_firmware
    if (isinstance(firmware, int) and not isinstance(firmware, bool) and minimum is not None
            and firmware < minimum and identities):
        report.error(("firmware",), "firmware-ipui", f"firmware {firmware} cannot take "
                     f"handset IPUIs (they need {minimum} or newer), and {len(identities)} "
                     "handsets set one: update the DM, or remove the ipui lines and "
                     "register those handsets with the PIN")
