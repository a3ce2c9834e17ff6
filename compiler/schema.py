"""The schemas (schemas/): validate checks sites against the site schema and every
command checks build states against the state schema; the cache fingerprints both, and
`dectprov schema` prints the site's. A module of its own so that reading one loads no
validator.
"""

from __future__ import annotations

from pathlib import Path

_SCHEMA_FOLDERS = (
    Path(__file__).resolve().parent / "schemas",  # installed wheel
    Path(__file__).resolve().parent.parent / "schemas",  # source tree
)
SITE_SCHEMA = "site.schema.json"
STATE_SCHEMA = "state.schema.json"  # build/<site>/state.json, read as untrusted input


def schema_text(name: str = SITE_SCHEMA) -> str:
    for folder in _SCHEMA_FOLDERS:
        if (folder / name).is_file():
            return (folder / name).read_text(encoding="utf-8")
    raise FileNotFoundError(f"{name} is not installed with the compiler")
