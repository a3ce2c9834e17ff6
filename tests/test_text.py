"""Text helpers: values, keys and paths as messages show them, and values found by path."""

from __future__ import annotations

from typing import Any

import pytest

from compiler.diagnostics import PathPart
from compiler.text import MAX_SHOWN, MAX_SHOWN_KEY, clip, shown_path, value_at


def test_clip_keeps_short_text() -> None:
    assert clip("x" * MAX_SHOWN) == "x" * MAX_SHOWN


def test_clip_cuts_long_text() -> None:
    assert clip("x" * (MAX_SHOWN + 1)) == "x" * MAX_SHOWN + "..."
    assert clip("abcdef", 3) == "abc..."


def test_shown_path_clips_long_keys_only() -> None:
    key = "k" * (MAX_SHOWN_KEY + 5)
    assert shown_path(("extra", key)) == f"extra.{'k' * MAX_SHOWN_KEY}..."
    assert shown_path(["handsets", 2, "ipui"]) == "handsets[2].ipui"


DATA = {"handsets": [{"ipui": "0328D41A01"}], "defaults": None}


@pytest.mark.parametrize(("path", "value"), [
    (("handsets", 0, "ipui"), "0328D41A01"),
    (("handsets", 1, "ipui"), None),  # past the end
    (("handsets", -1, "ipui"), None),  # no index from the end
    (("handsets", "0"), None),  # a key where a list has items
    (("defaults", "enabled"), None),  # through a null
    ((), DATA),
])
def test_value_at(path: tuple[PathPart, ...], value: Any) -> None:
    assert value_at(DATA, path) == value
