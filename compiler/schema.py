"""The site schema (schemas/site.schema.json): validate checks sites against it, the
cache fingerprints it, and `dectprov schema` prints it. A module of its own so that
reading it loads no validator.
"""

from __future__ import annotations

from pathlib import Path

_SCHEMA_LOCATIONS = (
    Path(__file__).resolve().parent / "schemas" / "site.schema.json",  # installed wheel
    Path(__file__).resolve().parent.parent / "schemas" / "site.schema.json",  # source tree
)


def schema_text() -> str:
    for location in _SCHEMA_LOCATIONS:
        if location.is_file():
            return location.read_text(encoding="utf-8")
    raise FileNotFoundError("site.schema.json is not installed with the compiler")
