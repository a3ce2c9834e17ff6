"""The site schema: well-formed, documented, and accepting/refusing the right documents."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "schemas" / "site.schema.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
VALIDATOR = Draft202012Validator(SCHEMA)
Schema = dict[str, Any]
SchemaPath = tuple[str, ...]  # keys from the schema's root to a subschema

# The contract's example site (docs: CONTRACT.md, "A site file").
EXAMPLE: dict[str, Any] = {
    "site": "acme-hq",
    "model": "N720",
    "mac": "7C:2F:80:12:34:56",
    "profile_name": "ACME HQ",
    "firmware": 108,
    "timezone": "Europe/Berlin",
    "providers": [
        {
            "name": "PBX",
            "domain": "pbx.example.net",
            "proxy": "pbx.example.net",
            "registrar": "pbx.example.net",
            "outbound_proxy": "sbc.example.net:5060",
            "reregister_seconds": 180,
        }
    ],
    "registration": {"window": {"start": "2017-04-24 10:00", "duration": "20h"}, "pin": "0000"},
    "defaults": {"voicemail": "*2"},
    "handsets": [
        {
            "slot": 0,
            "ipui": "02B6EC8AA5",
            "login": "1013",
            "password": "Password",
            "user_id": "1013",
            "display_name": "N720_1013",
            "account_name": "1013",
            "provider": "PBX",
            "voicemail": "*2",
            "enabled": True,
        }
    ],
    "extra": {
        "BS_IP_Data.aucS_TIME_NTP_SERVER[%]": "pool.ntp.org",
        "BS_IP_Data.ucB_TIME_USE_AUTOMATIC_NTP_SYN": 1,
        "BS_CUSTOM.aucKdsPin[0]": [0x12, 0x34],
    },
}
MINIMAL: dict[str, Any] = {
    "site": "a",
    "model": "N720",
    "mac": "7c2f80123456",
    "providers": [{"name": "PBX", "domain": "pbx.example.net"}],
}
DELETE = object()
DocPath = tuple[str | int, ...]  # a location in a document, as jsonschema's absolute_path
H: DocPath = ("handsets", 0)
P: DocPath = ("providers", 0)
W: DocPath = ("registration", "window")
PIN = "BS_CUSTOM.aucKdsPin[0]"


def changed(doc: dict[str, Any], path: DocPath, value: Any) -> dict[str, Any]:
    """A deep copy of `doc` with the value at `path` replaced (or removed, for DELETE)."""
    result = copy.deepcopy(doc)
    *parents, last = path
    target: Any = result
    for key in parents:
        target = target[key]
    if value is DELETE:
        del target[last]
    else:
        target[last] = value
    return result


def subschemas(schema: Schema, path: SchemaPath = ()) -> Iterator[tuple[SchemaPath, Schema]]:
    """Every schema object inside `schema`, with its path, `schema` itself first."""
    yield path, schema
    for key in ("items", "additionalProperties", "propertyNames"):
        if isinstance(schema.get(key), dict):
            yield from subschemas(schema[key], (*path, key))
    for key in ("properties", "$defs"):
        for name, sub in schema.get(key, {}).items():
            yield from subschemas(sub, (*path, key, name))


ALL = list(subschemas(SCHEMA))


def test_schema_is_valid_2020_12() -> None:
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(SCHEMA)


def test_file_is_formatted() -> None:
    text = SCHEMA_PATH.read_text(encoding="utf-8")
    assert text == json.dumps(SCHEMA, indent=2, ensure_ascii=False) + "\n"


def test_every_property_has_a_description() -> None:
    missing = [p for p, s in ALL if p[-2:-1] == ("properties",) and not s.get("description")]
    assert not missing


def test_every_object_is_closed_except_extra() -> None:
    open_objects = [
        p for p, s in ALL
        if s.get("type") == "object" and s.get("additionalProperties") is not False
    ]
    assert open_objects == [("properties", "extra")]


def test_every_pattern_has_a_hint_and_compiles() -> None:
    patterned = [(p, s) for p, s in ALL if "pattern" in s]
    assert len(patterned) >= 6
    for path, sub in patterned:
        assert sub.get("x-hint"), path
        re.compile(sub["pattern"])


def test_no_combinators() -> None:
    text = SCHEMA_PATH.read_text(encoding="utf-8")
    for keyword in ("oneOf", "anyOf", "allOf", "not", "if"):
        assert f'"{keyword}":' not in text


@pytest.mark.parametrize(
    "doc",
    [
        EXAMPLE,
        MINIMAL,
        changed(MINIMAL, ("mac",), "7c-2f-80-12-34-56"),
        changed(MINIMAL, ("handsets",), [{"login": "1", "password": "", "voicemail": False}]),
        changed(EXAMPLE, W, {"start": "2017-04-24T10:00", "duration": 0}),
        changed(EXAMPLE, (*W, "duration"), "always"),
        changed(EXAMPLE, (*W, "duration"), 72000),
        changed(EXAMPLE, ("registration", "pin"), "random"),
        changed(EXAMPLE, (*P, "proxy"), "192.0.2.10:5062"),
        changed(EXAMPLE, ("defaults",), {"provider": "PBX", "enabled": False, "voicemail": False}),
        changed(EXAMPLE, ("deregistration_threshold",), 12.5),
    ],
)
def test_valid(doc: dict[str, Any]) -> None:
    assert [e.message for e in VALIDATOR.iter_errors(doc)] == []


@pytest.mark.parametrize(
    ("path", "value", "keyword", "where"),  # where=None: the error is at `path` itself
    [
        (("colour",), "red", "additionalProperties", ()),
        ((*H, "pasword"), "x", "additionalProperties", H),
        (("defaults", "slot"), 3, "additionalProperties", ("defaults",)),
        (("mac",), "zz", "pattern", None),
        (("mac",), "7C:2F:80-12:34:56", "pattern", None),
        (("mac",), 1122334455, "type", None),
        (("site",), "Acme", "pattern", None),
        (("model",), "N730", "enum", None),
        (("providers",), [], "minItems", None),
        ((*P, "domain"), DELETE, "required", P),
        ((*P, "proxy"), "sbc.example.net:", "pattern", None),
        ((*P, "reregister_seconds"), 5, "minimum", None),
        ((*H, "slot"), 100, "maximum", None),
        ((*H, "password"), DELETE, "required", H),
        ((*H, "voicemail"), 2, "type", None),
        ((*W, "duration"), "20x", "pattern", None),
        ((*W, "duration"), -1, "minimum", None),
        ((*W, "start"), "24.04.2017 10:00", "pattern", None),
        (("registration", "pin"), "12345", "pattern", None),
        (("registration", "pin"), 0, "type", None),
        (("deregistration_threshold",), 101, "maximum", None),
        (("extra", "NTP_SERVER"), "x", "pattern", ("extra",)),
        (("extra", PIN), [256], "maximum", ("extra", PIN, 0)),
    ],
)
def test_invalid(path: DocPath, value: Any, keyword: str, where: DocPath | None) -> None:
    errors = list(VALIDATOR.iter_errors(changed(EXAMPLE, path, value)))
    expected = path if where is None else where
    assert [(e.validator, tuple(e.absolute_path)) for e in errors] == [(keyword, expected)]
