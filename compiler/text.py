"""Text helpers for messages about site data: how a value, a key or a path is shown, and
what loaded data holds at a path. Shared by the loader, the validator and the targets, so
that a target needs no loader to speak of the data it checks.
"""

from __future__ import annotations

from typing import Any

from compiler.diagnostics import PathPart, format_path

# What a message shows of a value, and of a key in a path (device parameter IDs run to
# 60 characters); a 1 MB value or key stays a short line.
MAX_SHOWN = 40
MAX_SHOWN_KEY = 100


def clip(text: str, limit: int = MAX_SHOWN) -> str:
    """A value or key as a message shows it: at most `limit` characters and '...'."""
    return text if len(text) <= limit else text[:limit] + "..."


def shown_path(path: tuple[PathPart, ...] | list[PathPart]) -> str:
    """`handsets[2].ipui`, with a key longer than MAX_SHOWN_KEY clipped."""
    return format_path([clip(part, MAX_SHOWN_KEY) if isinstance(part, str) else part
                        for part in path])


def value_at(data: Any, path: tuple[PathPart, ...]) -> Any:
    """The value at `path` in loaded data, or None where the path leads nowhere (the data
    may be anything the schema has not vouched for yet)."""
    for part in path:
        if isinstance(data, dict) and isinstance(part, str):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data
