"""The schemas (schemas/): validate checks sites against the site schema, fleet.yaml
against the fleet schema, and every command checks build states against the state schema;
the cache fingerprints them, and `dectprov schema` prints the site's (`--fleet`: the
fleet's). A module of its own so that reading one loads no validator.
"""

from __future__ import annotations

import copy
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


def schema_text(name: str = SITE_SCHEMA) -> str:
    for folder in _SCHEMA_FOLDERS:
        if (folder / name).is_file():
            return (folder / name).read_text(encoding="utf-8")
    raise FileNotFoundError(f"{name} is not installed with the compiler")


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
