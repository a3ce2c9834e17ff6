"""Diagnostics: how a problem prints as text and JSON, and the order problems come out in."""

from __future__ import annotations

import json

import pytest

from compiler.diagnostics import (
    Diagnostic,
    PathPart,
    Severity,
    format_path,
    has_errors,
    render_json,
    render_text,
    sorted_diagnostics,
)


def error(file: str = "sites/acme-hq.yaml", line: int | None = 14, column: int | None = 11,
          rule: str = "ipui-format", path: str = "handsets[2].ipui",
          message: str = "'02B6EC8AA' is not an IPUI") -> Diagnostic:
    return Diagnostic(file, line, column, Severity.ERROR, rule, path, message)


def warning(line: int | None = 3, message: str = "slot 4 is moved") -> Diagnostic:
    return Diagnostic("sites/acme-hq.yaml", line, None, Severity.WARNING, "slot-move", "",
                      message)


@pytest.mark.parametrize(("path", "text"), [
    (("handsets", 2, "ipui"), "handsets[2].ipui"),
    (("registration", "window", "start"), "registration.window.start"),
    (("providers", 0), "providers[0]"),
    (("site",), "site"),
    ((0, "login"), "[0].login"),
    ((), ""),
])
def test_format_path(path: tuple[PathPart, ...], text: str) -> None:
    assert format_path(path) == text


def test_to_text_with_line_and_column() -> None:
    assert error().to_text() == (
        "sites/acme-hq.yaml:14:11: error: handsets[2].ipui: '02B6EC8AA' is not an IPUI "
        "[ipui-format]")


def test_to_text_with_line_only() -> None:
    assert error(column=None).to_text() == (
        "sites/acme-hq.yaml:14: error: handsets[2].ipui: '02B6EC8AA' is not an IPUI "
        "[ipui-format]")


def test_to_text_without_line() -> None:
    assert error(line=None, column=None).to_text() == (
        "sites/acme-hq.yaml: error: handsets[2].ipui: '02B6EC8AA' is not an IPUI "
        "[ipui-format]")


def test_to_text_column_ignored_without_line() -> None:
    assert error(line=None, column=4).to_text() == (
        "sites/acme-hq.yaml: error: handsets[2].ipui: '02B6EC8AA' is not an IPUI "
        "[ipui-format]")


def test_to_text_without_path() -> None:
    assert warning().to_text() == "sites/acme-hq.yaml:3: warning: slot 4 is moved [slot-move]"


def test_is_error() -> None:
    assert error().is_error is True
    assert warning().is_error is False


def test_has_errors() -> None:
    assert has_errors([warning(), error()]) is True
    assert has_errors([warning()]) is False
    assert has_errors([]) is False


def test_to_json() -> None:
    assert error().to_json() == {
        "file": "sites/acme-hq.yaml",
        "line": 14,
        "column": 11,
        "severity": "error",
        "rule": "ipui-format",
        "path": "handsets[2].ipui",
        "message": "'02B6EC8AA' is not an IPUI",
    }


def test_render_json() -> None:
    text = render_json([error(), warning(line=None)])
    assert text.endswith("]\n")
    assert json.loads(text) == [
        {"file": "sites/acme-hq.yaml", "line": 14, "column": 11, "severity": "error",
         "rule": "ipui-format", "path": "handsets[2].ipui",
         "message": "'02B6EC8AA' is not an IPUI"},
        {"file": "sites/acme-hq.yaml", "line": None, "column": None, "severity": "warning",
         "rule": "slot-move", "path": "", "message": "slot 4 is moved"},
    ]


def test_render_json_keeps_non_ascii() -> None:
    text = render_json([error(message="Büro")])
    assert '"message": "Büro"' in text


def test_render_json_empty() -> None:
    assert render_json([]) == "[]\n"


def test_render_text() -> None:
    assert render_text([error(), warning()]) == (
        "sites/acme-hq.yaml:14:11: error: handsets[2].ipui: '02B6EC8AA' is not an IPUI "
        "[ipui-format]\n"
        "sites/acme-hq.yaml:3: warning: slot 4 is moved [slot-move]\n")


def test_render_text_empty() -> None:
    assert render_text([]) == ""


def test_sorted_by_file_line_column() -> None:
    first = error(file="a.yaml", line=20, column=1)
    second = error(file="b.yaml", line=2, column=9)
    third = error(file="b.yaml", line=3, column=1)
    fourth = error(file="b.yaml", line=3, column=5)
    assert sorted_diagnostics([fourth, second, third, first]) == [first, second, third, fourth]


def test_sorted_without_line_first() -> None:
    located = error(line=1, column=1)
    unlocated = error(line=None, column=None)
    assert sorted_diagnostics([located, unlocated]) == [unlocated, located]


def test_sorted_then_by_rule_and_message() -> None:
    b_rule = error(rule="b-rule", message="a")
    a_rule_z = error(rule="a-rule", message="z")
    a_rule_a = error(rule="a-rule", message="a")
    assert sorted_diagnostics([b_rule, a_rule_z, a_rule_a]) == [a_rule_a, a_rule_z, b_rule]


def test_sorted_drops_duplicates() -> None:
    assert sorted_diagnostics([error(), warning(), error()]) == [warning(), error()]


def test_sorted_keeps_same_place_different_message() -> None:
    assert sorted_diagnostics([error(message="b"), error(message="a")]) == [
        error(message="a"), error(message="b")]
