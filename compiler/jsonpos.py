"""Where a value sits in a JSON text, for diagnostics: `json` parses without positions, so
a file that failed a check is scanned once more, only then, to name the line and column
of each value. A text `json` could not parse has no positions to give.
"""

from __future__ import annotations

import json.decoder
import re

from compiler.diagnostics import PathPart

_SPACE = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_WORDS = ("true", "false", "null")

Position = tuple[int, int]  # line and column, both from 1


def positions(text: str, limit: int = 100_000) -> dict[tuple[PathPart, ...], Position]:
    """The position of every value (and of every key's value) by its path, for at most
    `limit` values; {} when the text is not JSON as this scanner reads it."""
    found: dict[tuple[PathPart, ...], int] = {}
    try:
        _value(text, _skip(text, 0), (), found, limit)
    except (ValueError, IndexError, RecursionError):
        return {}
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    return {path: _line_column(starts, offset) for path, offset in found.items()}


def position_of(table: dict[tuple[PathPart, ...], Position],
                path: tuple[PathPart, ...]) -> Position | None:
    """The position of the value at `path`, else of its nearest enclosing value."""
    while True:
        if path in table:
            return table[path]
        if not path:
            return None
        path = path[:-1]


def _line_column(starts: list[int], offset: int) -> Position:
    low, high = 0, len(starts) - 1
    while low < high:  # the last line start at or before offset
        middle = (low + high + 1) // 2
        if starts[middle] <= offset:
            low = middle
        else:
            high = middle - 1
    return low + 1, offset - starts[low] + 1


def _skip(text: str, at: int) -> int:
    match = _SPACE.match(text, at)
    assert match is not None  # the pattern matches the empty string
    return match.end()


def _value(text: str, at: int, path: tuple[PathPart, ...], found: dict[tuple[PathPart, ...], int],
           limit: int) -> int:
    """Scan the value at `at` (no space before it); return where it ends."""
    if len(found) >= limit:
        raise ValueError("too many values")
    found[path] = at
    char = text[at]
    if char == "{":
        return _object(text, at, path, found, limit)
    if char == "[":
        return _array(text, at, path, found, limit)
    if char == '"':
        return json.decoder.scanstring(text, at + 1)[1]
    for word in _WORDS:
        if text.startswith(word, at):
            return at + len(word)
    match = _NUMBER.match(text, at)
    if match is None:
        raise ValueError(f"no value at {at}")
    return match.end()


def _object(text: str, at: int, path: tuple[PathPart, ...],
            found: dict[tuple[PathPart, ...], int], limit: int) -> int:
    at = _skip(text, at + 1)
    if text[at] == "}":
        return at + 1
    while True:
        if text[at] != '"':
            raise ValueError(f"no key at {at}")
        key, at = json.decoder.scanstring(text, at + 1)
        at = _skip(text, at)
        if text[at] != ":":
            raise ValueError(f"no ':' at {at}")
        at = _skip(text, _value(text, _skip(text, at + 1), (*path, key), found, limit))
        if text[at] == "}":
            return at + 1
        if text[at] != ",":
            raise ValueError(f"no ',' at {at}")
        at = _skip(text, at + 1)


def _array(text: str, at: int, path: tuple[PathPart, ...],
           found: dict[tuple[PathPart, ...], int], limit: int) -> int:
    at = _skip(text, at + 1)
    if text[at] == "]":
        return at + 1
    index = 0
    while True:
        at = _skip(text, _value(text, at, (*path, index), found, limit))
        if text[at] == "]":
            return at + 1
        if text[at] != ",":
            raise ValueError(f"no ',' at {at}")
        at = _skip(text, at + 1)
        index += 1
