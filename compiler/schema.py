"""The schemas (schemas/): validate checks sites against the site schema, fleet.yaml
against the fleet schema, and every command checks build states against the state schema;
the cache fingerprints them, and `dectprov schema` prints the site's (`--fleet`: the
fleet's). A module of its own so that reading one loads no validator.
"""

from __future__ import annotations

import copy
import hashlib
import importlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

_SCHEMA_FOLDERS = (
    Path(__file__).resolve().parent / "schemas",  # installed wheel
    Path(__file__).resolve().parent.parent / "schemas",  # source tree
)
SITE_SCHEMA = "site.schema.json"
FLEET_SCHEMA = "fleet.schema.json"  # made from the site schema by fleet_schema()
STATE_SCHEMA = "state.schema.json"  # build/<site>/state.json, read as untrusted input

# The site keys fleet.yaml cannot give: they are what makes a site this site.
SITE_OWN_KEYS = ("site", "mac", "handsets", "profile")
# fastjsonschema's code of the schemas every run checks, as modules of the package
# (compiler/compiled/), written by `make golden`: a run then compiles no schema.
COMPILED = {SITE_SCHEMA: "site_schema", FLEET_SCHEMA: "fleet_schema",
            STATE_SCHEMA: "state_schema"}


def schema_text(name: str = SITE_SCHEMA) -> str:
    for folder in _SCHEMA_FOLDERS:
        if (folder / name).is_file():
            return (folder / name).read_text(encoding="utf-8")
    raise FileNotFoundError(f"{name} is not installed with the compiler")


def fast_validator(name: str) -> Callable[[Any], Any]:
    """The schema compiled to Python by fastjsonschema: its module in compiler/compiled/
    when that was made from this schema by this fastjsonschema, else compiled now (a
    schema edited since `make golden`, another fastjsonschema)."""
    import fastjsonschema

    text = schema_text(name)
    module = importlib.import_module(f"compiler.compiled.{COMPILED[name]}")
    if (module.SCHEMA_SHA256, module.VERSION) == (_sha256(text), fastjsonschema.VERSION):
        return module.validate  # type: ignore[no-any-return]
    return fastjsonschema.compile(json.loads(text))  # type: ignore[no-any-return]


def compiled_module(name: str) -> str:
    """The text of compiler/compiled/'s module for the schema `name`, as `make golden`
    writes it: fastjsonschema's code, after the schema's sha256."""
    import fastjsonschema
    from fastjsonschema.ref_resolver import RefResolver

    text = schema_text(name)
    schema = json.loads(text)
    root = RefResolver.from_schema(schema, store={}).get_scope_name()  # as compile() finds it
    return (f'"""fastjsonschema\'s code for schemas/{name}, written by `make golden`: do not '
            f'edit."""\n# ruff: noqa\nSCHEMA_SHA256 = "{_sha256(text)}"\n'
            f"{fastjsonschema.compile_to_code(schema)}\n\nvalidate = {root}\n")


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def fleet_schema(site: dict[str, Any]) -> dict[str, Any]:
    """The schema of fleet.yaml, made from the site schema so that the two never differ on
    a key: `providers:` holds the site's provider entries; `sites:` and each profile hold
    any site key but the site's own, none of them required. A provider list there may
    name a fleet provider by a plain string. (schemas/fleet.schema.json is this, written
    out by `make golden`; a test keeps it so.)"""
    provider = copy.deepcopy(site["properties"]["providers"]["items"])
    partial = {key: copy.deepcopy(value) for key, value in site["properties"].items()
               if key not in SITE_OWN_KEYS}
    partial["providers"]["items"] = {
        "if": {"type": "object"}, "then": {"$ref": "#/$defs/provider"},
        "else": {"type": "string", "minLength": 1,
                 "description": "The name of a provider of fleet.yaml's 'providers:'."}}
    partial_site = {
        "type": "object", "additionalProperties": False, "properties": partial,
        "description": "Part of a site: any top-level site key but site, mac, handsets and "
                       "profile. A site takes each key it does not set; mappings merge key by "
                       "key, lists replace."}
    return {
        "$schema": site["$schema"],
        "$id": site["$id"].replace(SITE_SCHEMA, FLEET_SCHEMA),
        "title": "dectprov fleet",
        "description": "fleet.yaml, optional, beside sites/: provider definitions shared by "
                       "name, defaults for every site, and named profiles a site picks with "
                       "'profile:'. Precedence: the site, then its profile, then 'sites:', "
                       "then the built-in defaults. Unknown keys are errors.",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "providers": {
                "description": "Providers a site names by a plain string in its "
                               "'providers:' list; each name is unique here.",
                "type": "array", "items": {"$ref": "#/$defs/provider"}},
            "sites": {"$ref": "#/$defs/partialSite"},
            "profiles": {
                "description": "Named partial sites; a site picks one with 'profile: NAME'.",
                "type": "object",
                "propertyNames": {"minLength": 1},
                "additionalProperties": {"$ref": "#/$defs/partialSite"}},
        },
        "$defs": {**copy.deepcopy(site["$defs"]), "provider": provider,
                  "partialSite": partial_site},
    }
