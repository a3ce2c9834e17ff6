"""The loader: a site file's bytes become located plain data, or diagnostics, never an exception."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler import load
from compiler.load import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    LoadResult,
    Loc,
    LocatedDict,
    LocatedList,
    load_site,
    locate,
    locate_key,
)

HAS_LIBYAML = hasattr(yaml, "CSafeLoader")

SITE = """\
site:
  name: Acme HQ
  pin: 0000
  code: "0000"
handsets:
  - ipui: 02B6EC8AA1
    name: Reception
  - {ipui: 02B6EC8AA2, name: Lab}
"""


@pytest.fixture(params=["python", "libyaml"])
def loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Runs the test with the pure-Python parser and with libyaml's; gives the name."""
    if request.param == "libyaml":
        if not HAS_LIBYAML:
            pytest.skip("PyYAML was built without libyaml")
        monkeypatch.setattr(load, "_Loader", yaml.CSafeLoader)
    else:
        monkeypatch.setattr(load, "_Loader", yaml.SafeLoader)
    return str(request.param)


def write(tmp_path: Path, content: str | bytes, name: str = "site.yaml") -> Path:
    file = tmp_path / name
    file.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return file


def load_text(tmp_path: Path, content: str | bytes) -> LoadResult:
    return load_site(write(tmp_path, content), "site.yaml")


def errors(tmp_path: Path, content: str | bytes) -> list[str]:
    result = load_text(tmp_path, content)
    assert result.data is None
    return [d.to_text() for d in result.diagnostics]


def all_locs(value: Any) -> list[tuple[str, Loc]]:
    """Every location in a loaded tree, in reading order, without recursion."""
    found: list[tuple[str, Loc]] = [("", value.loc)]
    todo: list[tuple[str, Any]] = [("", value)]
    while todo:
        where, node = todo.pop()
        if isinstance(node, LocatedDict):
            for key in node:
                found.append((f"{where}.{key}:key", node.key_locs[key]))
                found.append((f"{where}.{key}", node.value_locs[key]))
                todo.append((f"{where}.{key}", node[key]))
        elif isinstance(node, LocatedList):
            for index, item in enumerate(node):
                found.append((f"{where}[{index}]", node.item_locs[index]))
                todo.append((f"{where}[{index}]", item))
    return found


# --- a valid file ----------------------------------------------------------------------


def test_valid_file_is_plain_data(tmp_path: Path, loader: str) -> None:
    result = load_text(tmp_path, SITE)
    assert result.diagnostics == []
    assert result.data == {
        "site": {"name": "Acme HQ", "pin": 0, "code": "0000"},
        "handsets": [
            {"ipui": "02B6EC8AA1", "name": "Reception"},
            {"ipui": "02B6EC8AA2", "name": "Lab"},
        ],
    }
    assert isinstance(result.data, LocatedDict)
    assert isinstance(result.data["handsets"], LocatedList)


def test_valid_file_locations(tmp_path: Path, loader: str) -> None:
    data = load_text(tmp_path, SITE).data
    assert data is not None
    assert data.loc == Loc(1, 1)
    assert data.key_locs == {"site": Loc(1, 1, "site"), "handsets": Loc(5, 1, "handsets")}
    assert data.value_locs == {"site": Loc(2, 3), "handsets": Loc(6, 3)}
    site = data["site"]
    assert site.loc == Loc(2, 3)
    assert site.key_locs["code"] == Loc(4, 3, "code")
    assert site.value_locs == {
        "name": Loc(2, 9, "Acme HQ"), "pin": Loc(3, 8, "0000"), "code": Loc(4, 9, None),
    }
    handsets = data["handsets"]
    assert handsets.item_locs == [Loc(6, 5), Loc(8, 5)]
    assert handsets[0].value_locs["name"] == Loc(7, 11, "Reception")
    assert handsets[1].key_locs == {"ipui": Loc(8, 6, "ipui"), "name": Loc(8, 24, "name")}
    assert handsets[1].value_locs == {"ipui": Loc(8, 12, "02B6EC8AA2"), "name": Loc(8, 30, "Lab")}


def test_raw_is_kept_for_plain_scalars_only(tmp_path: Path, loader: str) -> None:
    data = load_text(tmp_path, "a: 0000\nb: \"0000\"\nc: '0000'\nd: |\n  0000\ne:\n").data
    assert data == {"a": 0, "b": "0000", "c": "0000", "d": "0000\n", "e": None}
    assert [data.value_locs[k].raw for k in "abcde"] == ["0000", None, None, None, ""]


def test_positions_agree_between_loaders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not HAS_LIBYAML:
        pytest.skip("PyYAML was built without libyaml")
    content = SITE + "extra:\n- [1, {x: 'é', y: *x}]\n- &x ok\n- ? z\n  : |\n    block\n"
    content = content.replace("*x", "zz")  # the alias would precede its anchor
    locs = {}
    for name, cls in (("python", yaml.SafeLoader), ("libyaml", yaml.CSafeLoader)):
        monkeypatch.setattr(load, "_Loader", cls)
        result = load_text(tmp_path, content)
        assert result.diagnostics == []
        locs[name] = all_locs(result.data)
    assert len(locs["python"]) == 34
    assert locs["python"] == locs["libyaml"]


def test_locate_nested_paths(tmp_path: Path) -> None:
    data = load_text(tmp_path, SITE).data
    assert locate(data, ()) == Loc(1, 1)
    assert locate(data, ("site", "pin")) == Loc(3, 8, "0000")
    assert locate(data, ("handsets", 1)) == Loc(8, 5)
    assert locate(data, ["handsets", 1, "name"]) == Loc(8, 30, "Lab")


def test_locate_missing_path_gives_deepest_ancestor(tmp_path: Path) -> None:
    data = load_text(tmp_path, SITE).data
    assert locate(data, ("handsets", 1, "nope")) == Loc(8, 5)
    assert locate(data, ("handsets", 7, "name")) == Loc(6, 3)
    assert locate(data, ("handsets", -1, "name")) == Loc(6, 3)
    assert locate(data, ("site", "pin", "deeper")) == Loc(3, 8, "0000")
    assert locate(data, ("nope",)) == Loc(1, 1)
    assert locate(None, ("site",)) is None


def test_locate_key(tmp_path: Path) -> None:
    data = load_text(tmp_path, SITE).data
    assert locate_key(data, ("handsets", 0, "name")) == Loc(7, 5, "name")
    assert locate_key(data, ("site",)) == Loc(1, 1, "site")
    assert locate_key(data, ("site", "missing")) == Loc(2, 3)
    assert locate_key(data, ("handsets", 0)) == Loc(6, 5)


def test_locate_key_refuses_negative_index(tmp_path: Path) -> None:
    data = load_text(tmp_path, SITE).data
    assert locate_key(data, ("handsets", -1, "name")) == locate(data, ("handsets",)) == Loc(6, 3)


def test_dates_and_times_stay_strings(tmp_path: Path, loader: str) -> None:
    content = "at: 2017-04-24 10:00:00\nday: 2017-04-24\nt: 2001-12-14t21:59:43.10-05:00\n"
    data = load_text(tmp_path, content).data
    assert data == {"at": "2017-04-24 10:00:00", "day": "2017-04-24",
                    "t": "2001-12-14t21:59:43.10-05:00"}
    assert data.value_locs["at"] == Loc(1, 5, "2017-04-24 10:00:00")


def test_colon_separated_number_is_sexagesimal_int(tmp_path: Path, loader: str) -> None:
    data = load_text(tmp_path, "mac: 10:22:33:44:55:59\n").data
    assert data == {"mac": ((((10 * 60 + 22) * 60 + 33) * 60 + 44) * 60 + 55) * 60 + 59}
    assert data.value_locs["mac"] == Loc(1, 6, "10:22:33:44:55:59")


def test_utf8_bom_is_accepted(tmp_path: Path, loader: str) -> None:
    data = load_text(tmp_path, b"\xef\xbb\xbfsite: x\nname: y\n").data
    assert data == {"site": "x", "name": "y"}
    assert data.key_locs["site"] == Loc(1, 1, "site")
    assert data.value_locs["site"] == Loc(1, 7, "x")


def test_alias_within_limits_expands_to_equal_values(tmp_path: Path, loader: str) -> None:
    data = load_text(tmp_path, "defaults: &d {codec: g722, volume: 5}\nn: &n 7\n"
                               "handsets:\n  - *d\n  - *d\nm: *n\n").data
    assert data == {"defaults": {"codec": "g722", "volume": 5}, "n": 7, "m": 7,
                    "handsets": [{"codec": "g722", "volume": 5}] * 2}
    assert data["handsets"].item_locs == [Loc(4, 5), Loc(5, 5)]
    assert data.value_locs["m"] == Loc(6, 4)


def test_exactly_max_depth_is_allowed(tmp_path: Path) -> None:
    nested = "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)  # under the top-level mapping
    result = load_text(tmp_path, f"a: {nested}\n")
    assert result.diagnostics == []
    assert result.data is not None


# --- duplicate keys ----------------------------------------------------------------------


def test_duplicate_key_at_top_level(tmp_path: Path, loader: str) -> None:
    assert errors(tmp_path, "name: a\nsite: x\nname: b\n") == [
        "site.yaml:3:1: error: name: duplicate key 'name' (first at line 1); "
        "YAML would silently keep only the last one [duplicate-key]",
    ]


def test_duplicate_key_in_list_item(tmp_path: Path, loader: str) -> None:
    assert errors(tmp_path, "handsets:\n  - ipui: A\n  - ipui: B\n    name: x\n    ipui: C\n") == [
        "site.yaml:5:5: error: handsets[1].ipui: duplicate key 'ipui' (first at line 3); "
        "YAML would silently keep only the last one [duplicate-key]",
    ]


def test_duplicate_key_in_nested_mapping(tmp_path: Path, loader: str) -> None:
    assert errors(tmp_path, "site:\n  radio: {power: 1,\n    power: 2}\n") == [
        "site.yaml:3:5: error: site.radio.power: duplicate key 'power' (first at line 2); "
        "YAML would silently keep only the last one [duplicate-key]",
    ]


def test_several_problems_all_reported(tmp_path: Path, loader: str) -> None:
    assert errors(tmp_path, "a: 1\na: 2\n1013: x\nb: !foo {c: 1, c: 2}\nd: 0x_\n") == [
        "site.yaml:2:1: error: a: duplicate key 'a' (first at line 1); "
        "YAML would silently keep only the last one [duplicate-key]",
        "site.yaml:3:1: error: key '1013' is not text; quote it if it is meant as a name "
        "[yaml-key]",
        "site.yaml:4:4: error: b: tag '!foo' is not allowed in a site file; remove it [yaml-tag]",
        "site.yaml:4:16: error: b.c: duplicate key 'c' (first at line 4); "
        "YAML would silently keep only the last one [duplicate-key]",
        "site.yaml:5:4: error: d: '0x_' is not a valid int; quote it if it is meant as text "
        "[yaml-value]",
    ]


# --- broken YAML -------------------------------------------------------------------------


def test_unclosed_flow_sequence(tmp_path: Path, loader: str) -> None:
    expected = {
        "python": "expected ',' or ']', but got '<stream end>'",
        "libyaml": "did not find expected ',' or ']'",
    }[loader]
    assert errors(tmp_path, "a: [1, 2\n") == [
        f"site.yaml:2:1: error: {expected} (while parsing a flow sequence at line 1) [yaml-syntax]",
    ]


def test_tab_used_for_indentation(tmp_path: Path, loader: str) -> None:
    expected = {
        "python": "found character '\\t' that cannot start any token",
        "libyaml": "found character that cannot start any token "
                   "(while scanning for the next token at line 2)",
    }[loader]
    assert errors(tmp_path, "site:\n\tname: x\n") == [
        f"site.yaml:2:1: error: {expected} [yaml-syntax]",
    ]


def test_nul_byte(tmp_path: Path, loader: str) -> None:
    assert errors(tmp_path, "a: 1\nname: café\x00\n") == [
        "site.yaml:2:11: error: character #x0000 is not allowed in a YAML file [yaml-syntax]",
    ]


def test_control_character_after_non_ascii_is_placed_by_character(tmp_path: Path,
                                                                   loader: str) -> None:
    assert errors(tmp_path, "a: éé\x07\n") == [
        "site.yaml:1:6: error: character #x0007 is not allowed in a YAML file [yaml-syntax]",
    ]


def test_byte_order_mark_inside_the_file(tmp_path: Path, loader: str) -> None:
    assert errors(tmp_path, "\ufeffa: 1\nb\ufeff: 2\n") == [
        "site.yaml:2:2: error: character #xFEFF is not allowed in a YAML file except at the "
        "very start [yaml-syntax]",
    ]


def test_non_utf8_byte(tmp_path: Path) -> None:
    assert errors(tmp_path, b"site:\n  name: caf\xe9\n") == [
        "site.yaml:2:12: error: the file is not UTF-8 (byte 0xE9); save it as UTF-8 "
        "[file-encoding]",
    ]


def test_non_utf8_byte_column_counts_characters(tmp_path: Path) -> None:
    assert errors(tmp_path, "a: 1\r\nname: café".encode() + b"\xff\n") == [
        "site.yaml:2:11: error: the file is not UTF-8 (byte 0xFF); save it as UTF-8 "
        "[file-encoding]",
    ]


def test_non_utf8_byte_after_cr_line_ends(tmp_path: Path) -> None:
    assert errors(tmp_path, b"a: 1\rb: 2\rc: \x80\r") == [
        "site.yaml:3:4: error: the file is not UTF-8 (byte 0x80); save it as UTF-8 [file-encoding]",
    ]


@pytest.mark.parametrize("content", ["", "\n\n", "# only\n  # comments\n", "---\n", "---\n...\n"])
def test_empty_file(tmp_path: Path, loader: str, content: str) -> None:
    assert errors(tmp_path, content) == [
        "site.yaml:1:1: error: the file holds no site (it is empty) [site-empty]",
    ]


@pytest.mark.parametrize(("content", "where"), [
    ("- site: x\n", "1:1"),
    ("# a comment\nhello\n", "2:1"),
    ("\n  42\n", "2:3"),
    ("~\n", "1:1"),
    ("'quoted'\n", "1:1"),
])
def test_top_level_not_a_mapping(tmp_path: Path, loader: str, content: str, where: str) -> None:
    assert errors(tmp_path, content) == [
        f"site.yaml:{where}: error: the top level must be a mapping of keys such as 'site:' and "
        "'handsets:' [site-not-mapping]",
    ]


def test_two_documents(tmp_path: Path, loader: str) -> None:
    assert errors(tmp_path, "---\na: 1\n---\nb: 2\n") == [
        "site.yaml:3:1: error: a site file holds one YAML document; remove the second '---' "
        "[yaml-multiple-documents]",
    ]


@pytest.mark.parametrize(("content", "where", "tag"), [
    ("x: !!python/object/apply:os.system [echo hi]\n", "1:4", "!!python/object/apply:os.system"),
    ("x: !!python/object:os.system {}\n", "1:4", "!!python/object:os.system"),
    ("x: !foo bar\n", "1:4", "!foo"),
    ("x: !!binary aGk=\n", "1:4", "!!binary"),
    ("x: !!set {a, b}\n", "1:4", "!!set"),
    ("x: !!map [a]\n", "1:4", "!!map"),
])
def test_custom_tag(tmp_path: Path, loader: str, content: str, where: str, tag: str) -> None:
    assert errors(tmp_path, content) == [
        f"site.yaml:{where}: error: x: tag '{tag}' is not allowed in a site file; remove it "
        "[yaml-tag]",
    ]


def test_custom_tag_in_first_list_item_has_item_path(tmp_path: Path, loader: str) -> None:
    assert errors(tmp_path, "handsets:\n  - !foo x\n  - [!bar y]\n") == [
        "site.yaml:2:5: error: handsets[0]: tag '!foo' is not allowed in a site file; remove it "
        "[yaml-tag]",
        "site.yaml:3:6: error: handsets[1][0]: tag '!bar' is not allowed in a site file; "
        "remove it [yaml-tag]",
    ]


def test_merge_key(tmp_path: Path, loader: str) -> None:
    assert errors(tmp_path, "base: &base {a: 1}\nsite:\n  <<: *base\n  b: 2\n") == [
        "site.yaml:3:3: error: site: merge keys ('<<') are not supported; use 'defaults:' or "
        "write the keys out [yaml-merge-key]",
    ]


@pytest.mark.parametrize(("content", "shown"), [
    ("1013: x\n", "1013"), ("yes: x\n", "yes"), ("~: x\n", "~"), ("1.5: x\n", "1.5"),
])
def test_key_not_text(tmp_path: Path, loader: str, content: str, shown: str) -> None:
    assert errors(tmp_path, "site:\n  " + content) == [
        f"site.yaml:2:3: error: site: key '{shown}' is not text; quote it if it is meant as a name "
        "[yaml-key]",
    ]


def test_quoted_number_key_is_text(tmp_path: Path) -> None:
    assert load_text(tmp_path, "'1013': x\n").data == {"1013": "x"}


def test_collection_as_key(tmp_path: Path, loader: str) -> None:
    assert errors(tmp_path, "? [a, b]\n: x\n? {c: 1}\n: y\n") == [
        "site.yaml:1:3: error: a list cannot be a key; keys are names [yaml-key]",
        "site.yaml:3:3: error: a mapping cannot be a key; keys are names [yaml-key]",
    ]


def test_undefined_alias(tmp_path: Path, loader: str) -> None:
    assert errors(tmp_path, "a: [1, *nope]\n") == [
        "site.yaml:1:8: error: a[1]: alias '*nope' names no anchor defined before it [yaml-syntax]",
    ]


@pytest.mark.parametrize(("content", "expected"), [
    ("a: 0b_\n", "1:4: error: a: '0b_' is not a valid int; quote it if it is meant as text"),
    ("a: !!int foo\n", "1:4: error: a: 'foo' is not a valid int"),
    ("a: !!int ''\n", "1:4: error: a: '' is not a valid int"),
    ("a: !!float x\n", "1:4: error: a: 'x' is not a valid float"),
    ("a: !!bool maybe\n", "1:4: error: a: 'maybe' is not a valid bool"),
    ("a: " + "1" * 5000 + "\n",
     "1:4: error: a: '" + "1" * 40 + "...' is too long to be a number (int); "
     "quote it if it is meant as text"),
])
def test_value_its_type_cannot_read(tmp_path: Path, loader: str, content: str,
                                    expected: str) -> None:
    assert errors(tmp_path, content) == [f"site.yaml:{expected} [yaml-value]"]


def test_huge_sexagesimal_number_is_refused_quickly(tmp_path: Path) -> None:
    assert errors(tmp_path, "a: 1" + ":59" * 300_000 + "\n") == [
        "site.yaml:1:4: error: a: '1" + ":59" * 13 + "...' is too long to be a number (int); "
        "quote it if it is meant as text [yaml-value]",
    ]


# --- bounds ------------------------------------------------------------------------------


def test_alias_bomb(tmp_path: Path, loader: str) -> None:
    lines = ["a: &a [" + ", ".join(['"lol"'] * 10) + "]"]
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    # a is 11 values, b 111, c 1111, d 11111: the eighth *d in e crosses 100000
    assert errors(tmp_path, "\n".join(lines) + "\n") == [
        "site.yaml:5:36: error: e[7]: the document expands to more than 100000 values "
        "(aliases repeated too often?) [yaml-too-large]",
    ]


def test_node_count_is_not_inflated_by_nesting(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    content = "a: [[1, 2], [3]]\nb: c\n"  # ten values, the top-level mapping included
    monkeypatch.setattr(load, "MAX_NODES", 10)
    assert load_text(tmp_path, content).diagnostics == []
    monkeypatch.setattr(load, "MAX_NODES", 9)
    assert errors(tmp_path, content) == [
        "site.yaml:2:4: error: b: the document expands to more than 9 values "
        "(aliases repeated too often?) [yaml-too-large]",
    ]


def test_flow_nesting_deeper_than_max_depth(tmp_path: Path, loader: str) -> None:
    depth = MAX_DEPTH + 1
    assert errors(tmp_path, "[" * depth + "]" * depth + "\n") == [
        f"site.yaml:1:{depth}: error: {'[0]' * MAX_DEPTH}: the file nests deeper than "
        f"{MAX_DEPTH} levels [yaml-too-deep]",
    ]


def test_block_nesting_deeper_than_max_depth(tmp_path: Path, loader: str) -> None:
    content = "".join("  " * i + f"k{i}:\n" for i in range(MAX_DEPTH)) + "  " * MAX_DEPTH + "x: 1\n"
    path = ".".join(f"k{i}" for i in range(MAX_DEPTH))
    assert errors(tmp_path, content) == [
        f"site.yaml:{MAX_DEPTH + 1}:{2 * MAX_DEPTH + 1}: error: {path}: the file nests deeper "
        f"than {MAX_DEPTH} levels [yaml-too-deep]",
    ]


def test_nesting_built_from_aliases(tmp_path: Path, loader: str) -> None:
    deep = "[" * 60 + "]" * 60  # 61 levels with the top-level mapping
    assert load_text(tmp_path, f"a: &a {deep}\nb: [[[*a]]]\n").diagnostics == []
    assert errors(tmp_path, f"a: &a {deep}\nb: [[[[*a]]]]\n") == [
        f"site.yaml:2:8: error: b[0][0][0][0]: the file nests deeper than {MAX_DEPTH} levels "
        "[yaml-too-deep]",
    ]


def test_file_just_over_max_size(tmp_path: Path) -> None:
    content = "a: 1\n#" + "x" * (MAX_FILE_BYTES - 7) + "\n"
    assert len(content) == MAX_FILE_BYTES
    assert load_text(tmp_path, content).data == {"a": 1}
    assert errors(tmp_path, content + "\n") == [
        "site.yaml:1:1: error: the file is over 1024 KiB; a site file is never that large "
        "[file-too-large]",
    ]


def test_large_file_is_not_read_in_full(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from compiler import files

    file = write(tmp_path, b"#" * (4 * MAX_FILE_BYTES))
    read: list[int] = []

    def spy_open(path: Any, *args: Any, **kwargs: Any) -> Any:
        stream = open(path, *args, **kwargs)  # noqa: SIM115 - closed by the reader
        real_read = stream.read

        def spy_read(size: int = -1) -> bytes:
            chunk = real_read(size)
            read.append(len(chunk))
            return chunk

        stream.read = spy_read
        return stream

    monkeypatch.setattr(files, "open", spy_open, raising=False)
    result = load_site(file, "site.yaml")
    assert [d.rule for d in result.diagnostics] == ["file-too-large"]
    assert 0 < sum(read) <= MAX_FILE_BYTES + 1


def test_missing_file(tmp_path: Path) -> None:
    result = load_site(tmp_path / "nope.yaml", "sites/nope.yaml")
    assert result.data is None
    assert [d.to_text() for d in result.diagnostics] == [
        "sites/nope.yaml: error: cannot read the file: No such file or directory [file-unreadable]",
    ]


def test_directory_instead_of_file(tmp_path: Path) -> None:
    result = load_site(tmp_path, "sites")
    assert [d.to_text() for d in result.diagnostics] == [
        "sites: error: cannot read the file: Is a directory [file-unreadable]",
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_named_pipe_is_refused_without_opening_it(tmp_path: Path) -> None:
    """Opening a pipe for reading waits for a writer: here, forever."""
    os.mkfifo(tmp_path / "site.yaml")
    result = load_site(tmp_path / "site.yaml", "sites/site.yaml")
    assert [d.to_text() for d in result.diagnostics] == [
        "sites/site.yaml: error: cannot read the file: it is a pipe, a socket or a device, "
        "not a file; put the site's YAML in a plain file [file-unreadable]",
    ]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_are_named(tmp_path: Path, encoding: str) -> None:
    assert errors(tmp_path, "site: acme-hq\n".encode(encoding)) == [
        "site.yaml:1:1: error: the file is UTF-16 or UTF-32 (some editors call it 'Unicode'), "
        "not UTF-8; save it as UTF-8 [file-encoding]",
    ]


@pytest.mark.skipif(not HAS_LIBYAML, reason="libyaml's own depth bound")
def test_libyaml_depth_bound_is_too_deep(tmp_path: Path) -> None:
    """libyaml refuses 1000 levels of flow nesting before our bound sees them."""
    assert errors(tmp_path, "a: " + "[" * 5000) == [
        f"site.yaml:1:1003: error: a[0]: the file nests deeper than {MAX_DEPTH} levels "
        "[yaml-too-deep]",
    ]


def test_messages_clip_huge_keys_and_tags(tmp_path: Path) -> None:
    key, tag = "k" * 500_000, "!" + "t" * 1000  # a plain key is at most 1024: '? ' it
    found = errors(tmp_path, f"? {key}\n: 1\n? {key}\n: 2\nb: {tag} x\n")
    assert found == [
        f"site.yaml:3:3: error: {'k' * 100}...: duplicate key '{'k' * 40}...' (first at "
        "line 1); YAML would silently keep only the last one [duplicate-key]",
        f"site.yaml:5:4: error: b: tag '{tag[:40]}...' is not allowed in a site file; "
        "remove it [yaml-tag]",
    ]


# --- never an exception ------------------------------------------------------------------


def mutations(seed: int, count: int) -> Iterator[bytes]:
    rng = random.Random(seed)
    base = (SITE + "x: &x [1, {y: 2}]\nw: *x\nz: !!int 0x1f\n").encode()
    alphabet = b"[]{}:,-?!&*|>'\"#%@`\t\r\n \\0x_.:\x00\xff\xc3\xef\xbb\xbf"
    for _ in range(count):
        data = bytearray(base)
        for _ in range(rng.randint(1, 8)):
            at = rng.randrange(len(data) + 1)
            op = rng.random()
            if op < 0.4:
                data[at:at] = bytes([rng.choice(alphabet)])
            elif op < 0.7:
                del data[at:at + rng.randint(1, 4)]
            else:
                data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 3)))
        yield bytes(data)


def test_never_raises_on_mutated_files(tmp_path: Path, loader: str) -> None:
    outcomes = set()
    for content in mutations(seed=20240424, count=300):
        result = load_text(tmp_path, content)
        assert (result.data is None) == bool(result.diagnostics), content
        assert all(d.line is None or (d.line >= 1 and d.column >= 1) for d in result.diagnostics)
        outcomes.update(d.rule for d in result.diagnostics)
        outcomes.add("ok" if result.data is not None else "refused")
    assert {"ok", "refused", "yaml-syntax", "file-encoding"} <= outcomes
