"""Validate: the second stage. The JSON Schema checks structure; the rules here check what
a schema cannot say (identities, references, device limits). Every problem of a site is
reported, each at the file:line:col of the value it is about, with a stable rule id.
"""

from __future__ import annotations

import difflib
import functools
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jsonschema

from compiler.diagnostics import Diagnostic, PathPart, Severity, format_path
from compiler.ipui import Ipui, parse_ipui
from compiler.load import Loc, LocatedDict, locate, locate_key
from compiler.model import WINDOW_START_FORMAT, parse_duration
from compiler.targets import Target, target_for

_SCHEMA_LOCATIONS = (
    Path(__file__).resolve().parent / "schemas" / "site.schema.json",  # installed wheel
    Path(__file__).resolve().parent.parent / "schemas" / "site.schema.json",  # source tree
)
_HANDSET_TEXT = ("login", "password", "user_id", "display_name", "account_name", "voicemail")
_PROVIDER_TEXT = ("name", "domain", "proxy", "registrar", "outbound_proxy")
_SECRET_KEYS = frozenset({"password"})
MAX_DURATION_SECONDS = 0xFFFFFFFF  # ulIPUIRegistrationDuration is 32 bits


def schema_text() -> str:
    for location in _SCHEMA_LOCATIONS:
        if location.is_file():
            return location.read_text(encoding="utf-8")
    raise FileNotFoundError("site.schema.json is not installed with the compiler")


@functools.cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(schema_text()))


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


class _Report:
    def __init__(self, file: str, data: LocatedDict) -> None:
        self.file = file
        self.data = data
        self.items: list[Diagnostic] = []

    def error(self, path: tuple[PathPart, ...], rule: str, message: str,
              loc: Loc | None = None, severity: Severity = Severity.ERROR) -> None:
        where = loc or locate(self.data, path)
        self.items.append(Diagnostic(self.file, where.line if where else None,
                                     where.column if where else None, severity, rule,
                                     format_path(path), message))


def validate_site(data: LocatedDict, file: str, stem: str) -> SiteCheck:
    report = _Report(file, data)
    for error in _validator().iter_errors(data):
        _schema_error(report, error)
    target = target_for(data["model"]) if isinstance(data.get("model"), str) else None
    if data.get("site") != stem and isinstance(data.get("site"), str):
        report.error(("site",), "site-name", f"site '{data['site']}' must equal the file "
                     f"name '{stem}': rename one of them")
    _providers(report)
    identities = _handsets(report, target)
    _registration(report)
    _timezone(report)
    if target is not None:
        _texts(report, target)
        _extra(report, target)
        _firmware(report, target, identities)
    return SiteCheck(report.items, identities)


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
                f"IPUI {identity.ipui.hex} is also in {other.file}{line} ({other.path}); "
                "a handset registers with one DECT manager only"))
    return problems


# -- the schema, in a user's words ----------------------------------------------------


def _schema_error(report: _Report, error: jsonschema.ValidationError) -> None:
    path = tuple(error.absolute_path)
    keyword, instance, expected = error.validator, error.instance, error.validator_value
    if keyword == "required":
        for key in expected:
            if isinstance(instance, dict) and key not in instance:
                report.error(path, "required", f"'{key}' is required here")
    elif keyword == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        for key in instance:
            if key not in allowed:
                report.error(path + (key,), "unknown-key", _unknown_key(key, allowed),
                             loc=locate_key(report.data, path + (key,)))
    elif keyword == "type":
        report.error(path, "type", _wrong_type(report, path, instance, expected))
    elif keyword == "pattern":
        _pattern_error(report, error, path)
    elif keyword == "enum":
        choices = ", ".join(str(choice) for choice in expected)
        report.error(path, "enum", f"'{instance}' is not one of: {choices}")
    elif keyword in ("minimum", "maximum"):
        side = "at least" if keyword == "minimum" else "at most"
        report.error(path, "range", f"{_shown(path, instance)} is out of range: must be "
                     f"{side} {expected}")
    elif keyword in ("minItems", "maxItems"):
        side = "at least" if keyword == "minItems" else "at most"
        report.error(path, "count", f"has {len(instance)} entries; {side} {expected} allowed")
    elif keyword == "minLength":
        report.error(path, "empty", "must not be empty")
    else:  # pragma: no cover - a keyword the schema does not use yet
        report.error(path, "schema", error.message)


def _pattern_error(report: _Report, error: jsonschema.ValidationError,
                   path: tuple[PathPart, ...]) -> None:
    hint = error.schema.get("x-hint", f"of the form {error.validator_value}")
    if error.schema_path and "propertyNames" in error.schema_path:
        key_path = path + (error.instance,)
        report.error(key_path, "format", f"'{error.instance}' is not {hint}",
                     loc=locate_key(report.data, key_path))
    else:
        report.error(path, "format", f"{_shown(path, error.instance)} is not {hint}")


def _unknown_key(key: str, allowed: list[str]) -> str:
    message = f"unknown key '{key}'"
    close = difflib.get_close_matches(key, allowed, n=1)
    if close:
        return message + f"; did you mean '{close[0]}'?"
    return message + f"; allowed here: {', '.join(allowed)}"


_TYPE_NAMES = {"string": "text", "integer": "a whole number", "number": "a number",
               "boolean": "true or false", "object": "a mapping", "array": "a list",
               "null": "nothing"}


def _wrong_type(report: _Report, path: tuple[PathPart, ...], instance: Any,
                expected: str | list[str]) -> str:
    wanted = [expected] if isinstance(expected, str) else list(expected)
    names = " or ".join(_TYPE_NAMES.get(name, name) for name in wanted)
    loc = locate(report.data, path)
    raw = loc.raw if loc is not None else None
    if "string" in wanted and raw is not None and isinstance(instance, (int, float, bool)):
        if _is_secret(path):
            return f"must be {names}; YAML read it as {_kind(instance)}: quote the value"
        return (f"must be {names}, but YAML reads {raw} as {_kind(instance)}: "
                f"quote it, \"{raw}\"")
    return f"must be {names}, not {_kind(instance)}"


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "text"


def _is_secret(path: tuple[PathPart, ...]) -> bool:
    return bool(path) and path[-1] in _SECRET_KEYS


def _shown(path: tuple[PathPart, ...], value: Any) -> str:
    if _is_secret(path):
        return "the value"
    return f"'{value}'" if isinstance(value, str) else str(value)


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
                             f"provider '{name}' is already defined as providers[{names[name]}]")
            names.setdefault(name, index)
    references: list[tuple[PathPart, ...]] = [("defaults", "provider")]
    references += [("handsets", i, "provider") for i, _ in _entries(report.data, "handsets")]
    for path in references:
        value = _get(report.data, path)
        if isinstance(value, str) and names and value not in names:
            report.error(path, "provider-unknown", f"no provider is named '{value}' "
                         f"(providers: {', '.join(names)})")


def _get(data: Any, path: tuple[PathPart, ...]) -> Any:
    for part in path:
        if isinstance(data, dict) and isinstance(part, str):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            return None
    return data


def _handsets(report: _Report, target: Target | None) -> list[Identity]:
    identities: list[Identity] = []
    seen: dict[tuple[str, Any], int] = {}
    handsets = list(_entries(report.data, "handsets"))
    for index, handset in handsets:
        for key, rule, what in (("login", "login-duplicate", "login"),
                                ("slot", "slot-duplicate", "slot")):
            value = handset.get(key)
            if isinstance(value, str | int) and not isinstance(value, bool):
                first = seen.setdefault((key, value), index)
                if first != index:
                    report.error(("handsets", index, key), rule,
                                 f"{what} {value} is already used by handsets[{first}]")
        if handset.get("voicemail") is True:
            report.error(("handsets", index, "voicemail"), "voicemail-value",
                         "voicemail: true names no mailbox; give its number, e.g. \"*2\", "
                         "or false")
        identity = _ipui(report, index, handset)
        if identity is not None:
            first = seen.setdefault(("ipui", identity.ipui), index)
            if first != index:
                report.error(("handsets", index, "ipui"), "ipui-duplicate",
                             f"IPUI {identity.ipui.hex} is already used by handsets[{first}]")
            else:
                identities.append(identity)
    capacity = target.capacity.get(report.data["model"]) if target else None
    entries = report.data.get("handsets")
    if capacity is not None and isinstance(entries, list) and len(entries) > capacity:
        report.error(("handsets",), "handset-capacity",
                     f"{len(report.data['handsets'])} handsets, but an "
                     f"{report.data['model']} holds {capacity}")
    if report.data.get("defaults", {}) and _get(report.data, ("defaults", "voicemail")) is True:
        report.error(("defaults", "voicemail"), "voicemail-value",
                     "voicemail: true names no mailbox; give its number, e.g. \"*2\", or false")
    return identities


def _ipui(report: _Report, index: int, handset: dict[str, Any]) -> Identity | None:
    text = handset.get("ipui")
    if not isinstance(text, str):
        return None
    path: tuple[PathPart, ...] = ("handsets", index, "ipui")
    parsed = parse_ipui(text)
    if isinstance(parsed, Ipui):
        return Identity(parsed, report.file, locate(report.data, path), format_path(path))
    report.error(path, parsed.rule, parsed.message)
    return None


def _registration(report: _Report) -> None:
    start = _get(report.data, ("registration", "window", "start"))
    path: tuple[PathPart, ...] = ("registration", "window", "start")
    if isinstance(start, str) and len(start) == 16:
        try:
            moment = datetime.strptime(start.replace("T", " "), WINDOW_START_FORMAT)
        except ValueError:
            report.error(path, "window-start", f"'{start}' is not a real date and time")
        else:
            if not 2000 <= moment.year <= 2099:
                report.error(path, "window-start", f"year {moment.year} is out of range: the "
                             "DM stores a 2-digit year, so 2000..2099")
    duration = _get(report.data, ("registration", "window", "duration"))
    if isinstance(duration, int | str) and not isinstance(duration, bool):
        try:
            seconds = parse_duration(duration)
        except ValueError:
            return  # the schema's pattern reports it
        if seconds > MAX_DURATION_SECONDS:
            report.error(("registration", "window", "duration"), "window-duration",
                         f"{seconds} seconds is longer than the DM can store "
                         f"({MAX_DURATION_SECONDS}); use 'always' for a window that never "
                         "closes")


def _timezone(report: _Report) -> None:
    zone = report.data.get("timezone")
    if not isinstance(zone, str) or not zone:
        return
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        report.error(("timezone",), "timezone", f"'{zone}' is not an IANA time zone "
                     "(such as 'Europe/Berlin' or 'UTC')")


def _text_fields(data: dict[str, Any]) -> Iterator[tuple[tuple[PathPart, ...], str]]:
    """Every site value that reaches the device as text, with its limit's field name."""
    yield ("profile_name",), "profile_name"
    for index, _ in _entries(data, "providers"):
        for key in _PROVIDER_TEXT:
            yield ("providers", index, key), f"providers.{key}"
    for key in _HANDSET_TEXT:
        yield ("defaults", key), f"handsets.{key}"
    for index, _ in _entries(data, "handsets"):
        for key in _HANDSET_TEXT:
            yield ("handsets", index, key), f"handsets.{key}"
    extra = data.get("extra")
    if isinstance(extra, dict):
        for key in extra:
            yield ("extra", key), "extra"


def _texts(report: _Report, target: Target) -> None:
    for path, field in _text_fields(report.data):
        value = _get(report.data, path)
        if not isinstance(value, str):
            continue
        problem = target.text_problem(value, secret=_is_secret(path))
        if problem is not None:
            report.error(path, "text-charset", problem)
        limit = target.text_limit(field)
        if len(value) > limit:
            report.error(path, "text-length", f"is {len(value)} characters long; the "
                         f"{report.data['model']} takes at most {limit}")


def _extra(report: _Report, target: Target) -> None:
    extra = report.data.get("extra")
    if not isinstance(extra, dict):
        return
    for key, value in extra.items():
        owner = target.extra_owner(key)
        if owner is not None:
            report.error(("extra", key), "extra-owned", f"{key} is written by the compiler "
                         f"from '{owner}'; set it there instead",
                         loc=locate_key(report.data, ("extra", key)))
        elif value == []:
            report.error(("extra", key), "extra-value", "an empty list is no byte array; "
                         "give at least one byte")


def _firmware(report: _Report, target: Target, identities: list[Identity]) -> None:
    firmware = report.data.get("firmware")
    minimum = target.min_ipui_firmware
    if isinstance(firmware, int) and minimum is not None and firmware < minimum and identities:
        report.error(("firmware",), "firmware-ipui", f"firmware {firmware} cannot take "
                     f"handset IPUIs (they need {minimum} or newer), and {len(identities)} "
                     "handsets set one: update the DM, or remove the ipui lines and "
                     "register those handsets with the PIN")
