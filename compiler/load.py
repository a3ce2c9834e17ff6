"""Load: the first stage. A site file's bytes become plain data (dicts, lists, scalars)
in which every mapping value and sequence item remembers its file:line:col.

The data is built from the parser's event stream, not from PyYAML's constructor, so that
duplicate keys, unknown tags, merge keys, alias bombs and deep nesting are diagnostics
instead of silent surprises or exceptions, and nothing here recurses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from yaml import events
from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode
from yaml.reader import Reader
from yaml.resolver import Resolver

from compiler.diagnostics import Diagnostic, PathPart, Severity, is_secret
from compiler.files import read_plain
from compiler.text import clip, shown_path

# Bounds that keep a hostile file from costing more than a real one ever could.
# A site of 250 handsets is about 40 KiB and 6,000 nodes.
MAX_FILE_BYTES = 1024 * 1024
MAX_NODES = 100_000  # counted after alias expansion: a billion-laughs file stops here
MAX_DEPTH = 64

try:  # libyaml's C parser is several times faster; the pure-Python one is the fallback
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_TAG + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
_MERGE_TAG = _TAG + "merge"
_STR_TAG = _TAG + "str"
_NUMBER_TAGS = {_TAG + "int", _TAG + "float"}
_MAX_NUMBER_CHARS = 100  # a longer 1:2:3... sexagesimal int costs quadratic time to build
# The characters both parsers refuse, and a byte order mark past the start (PyYAML gives it
# no column, libyaml one; in a key it would be an invisible difference).
_NOT_ALLOWED = re.compile(f"{Reader.NON_PRINTABLE.pattern}|\ufeff")
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")  # what the parsers count as one
# UTF-16 and UTF-32 ("Unicode" in some Windows editors): a byte order mark, or the NUL bytes
# of ASCII text at the start, where a UTF-8 YAML file has none.
_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff")


class Loc(NamedTuple):
    """Where a value starts (1-based). `raw` is the source text of a plain scalar, so that
    a message can say `write "0000"` when YAML turned `0000` into the number 0. (A tuple:
    a site has one per value, and a tuple is the cheapest immutable record to make.)"""

    line: int
    column: int
    raw: str | None = None
    file: str | None = None  # set on a value merged in from another file (fleet.yaml)


class LocatedDict(dict):  # type: ignore[type-arg]
    """A mapping that remembers where it, each key and each value start."""

    loc: Loc
    key_locs: dict[str, Loc]
    value_locs: dict[str, Loc]
    has_float: bool  # set on a file's top level: whether any value in the file is a float


class LocatedList(list):  # type: ignore[type-arg]
    """A sequence that remembers where it and each item start."""

    loc: Loc
    item_locs: list[Loc]


@dataclass
class LoadResult:
    data: LocatedDict | None
    diagnostics: list[Diagnostic] = field(default_factory=list)


def _child(node: Any, part: PathPart) -> tuple[Loc, Any] | None:
    if isinstance(node, LocatedDict) and isinstance(part, str) and part in node:
        return node.value_locs[part], node[part]
    if (isinstance(node, LocatedList) and isinstance(part, int) and not isinstance(part, bool)
            and 0 <= part < len(node)):
        return node.item_locs[part], node[part]
    return None


def locate(root: Any, path: tuple[PathPart, ...] | list[PathPart]) -> Loc | None:
    """The location of the value at `path`, or of its deepest existing ancestor."""
    node, loc = root, getattr(root, "loc", None)
    for part in path:
        child = _child(node, part)
        if child is None:
            break
        loc, node = child
    return loc


def locate_key(root: Any, path: tuple[PathPart, ...] | list[PathPart]) -> Loc | None:
    """The location of the last key of `path` (for 'unknown key' and the like)."""
    parent = root
    for part in path[:-1]:
        child = _child(parent, part)
        if child is None:
            return locate(root, path)
        parent = child[1]
    if isinstance(parent, LocatedDict) and path and path[-1] in parent.key_locs:
        return parent.key_locs[path[-1]]  # type: ignore[index]
    return locate(root, path)


def load_site(path: Path, display: str, max_bytes: int = MAX_FILE_BYTES,
              max_nodes: int | None = None) -> LoadResult:
    """Read one site file. `display` is how diagnostics name it (a path relative to the root)."""
    problems = _Problems(display)
    try:
        data = _read(path, max_bytes)
    except OSError as err:
        problems.add(None, "file-unreadable", f"cannot read the file: {err.strerror or err}")
        return LoadResult(None, problems.items)
    if data is None:
        problems.add(None, "file-unreadable", "cannot read the file: it is a pipe, a socket "
                     "or a device, not a file; put the site's YAML in a plain file")
        return LoadResult(None, problems.items)
    return load_bytes(data, display, problems, max_bytes, max_nodes)


def load_bytes(data: bytes, display: str, problems: _Problems | None = None,
               max_bytes: int = MAX_FILE_BYTES, max_nodes: int | None = None) -> LoadResult:
    """Site-file YAML given as bytes (a command's output): the checks load_site makes."""
    problems = problems if problems is not None else _Problems(display)
    if len(data) > max_bytes:
        problems.add(
            Loc(1, 1), "file-too-large",
            f"the file is over {max_bytes // 1024} KiB; a site file is never that large",
        )
        return LoadResult(None, problems.items)
    text = _decode(data, problems)
    if text is None:
        return LoadResult(None, problems.items)
    builder = _Builder(problems, max_nodes)
    root = builder.build(text)
    if isinstance(root, LocatedDict):
        root.has_float = builder.has_float
    if not problems.items:
        if root is None and (builder.root_loc is None or builder.root_loc.raw == ""):
            problems.add(Loc(1, 1), "site-empty", "the file holds no site (it is empty)")
        elif not isinstance(root, LocatedDict):  # a list, a scalar, or an explicit null
            problems.add(builder.root_loc or Loc(1, 1), "site-not-mapping",
                         "the top level must be a mapping of keys such as 'site:' and "
                         "'handsets:'")
    return LoadResult(root if not problems.has_errors() else None, problems.items)


def _read(path: Path, max_bytes: int = MAX_FILE_BYTES) -> bytes | None:
    """At most `max_bytes` + 1 bytes, or None for a pipe, socket or device (never
    opened). A directory raises what open() would say of it."""
    return read_plain(path, max_bytes)


class _Problems:
    def __init__(self, display: str) -> None:
        self.display = display
        self.items: list[Diagnostic] = []

    def add(self, loc: Loc | None, rule: str, message: str,
            path: tuple[PathPart, ...] = ()) -> None:
        self.items.append(Diagnostic(
            self.display, loc.line if loc else None, loc.column if loc else None,
            Severity.ERROR, rule, shown_path(path), message,
        ))

    def has_errors(self) -> bool:
        return bool(self.items)


def _decode(data: bytes, problems: _Problems) -> str | None:
    if data.startswith(_WIDE_BOMS) or b"\x00" in data[:4]:
        problems.add(Loc(1, 1), "file-encoding", "the file is UTF-16 or UTF-32 (some editors "
                     "call it 'Unicode'), not UTF-8; save it as UTF-8")
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        before = data[:err.start].decode("utf-8", errors="replace")
        problems.add(_position(before, len(before)), "file-encoding",
                     f"the file is not UTF-8 (byte 0x{data[err.start]:02X}); save it as UTF-8")
        return None
    # Checked here rather than left to the parser: libyaml reports a byte offset, PyYAML a
    # character index.
    bad = _NOT_ALLOWED.search(text, 1 if text.startswith("\ufeff") else 0)
    if bad:
        where = " except at the very start" if bad.group() == "\ufeff" else ""
        problems.add(_position(text, bad.start()), "yaml-syntax",
                     f"character #x{ord(bad.group()):04X} is not allowed in a YAML file{where}")
        return None
    return text


def _position(text: str, index: int) -> Loc:
    """Line and column of `text[index]`, counted the way both YAML parsers count them."""
    line, start = 1, 0
    for match in _LINE_BREAK.finditer(text, 0, index):
        line, start = line + 1, match.end()
    if start == 0 and text.startswith("\ufeff"):
        start = 1  # a byte order mark takes no column
    return Loc(line, index - start + 1)


def _quoted(shown: str) -> str:
    return shown if shown == "the value" else f"'{shown}'"


def _loc(mark: Any, raw: str | None = None) -> Loc:
    return Loc(mark.line + 1, mark.column + 1, raw)


class _Frame:
    """A mapping or sequence being built, with what is needed to finish it."""

    __slots__ = ("anchor", "height", "key", "key_loc", "size", "value")

    def __init__(self, value: LocatedDict | LocatedList, anchor: str | None) -> None:
        self.value = value
        self.anchor = anchor
        self.size = 1  # values in it, itself included, after alias expansion
        self.height = 1  # levels of nesting in it, itself included, after alias expansion
        self.key: Any = _NO_KEY
        self.key_loc: Loc | None = None


_SCALAR = events.ScalarEvent
# The first characters of the plain scalars that YAML may read as anything but text (a
# number, a boolean, null, a date, '<<'): any other plain scalar is text, as the resolver
# would say, without asking it.
_RESOLVED_FROM = frozenset(Resolver.yaml_implicit_resolvers)
assert None not in _RESOLVED_FROM, "a resolver for every first character: none is known"
_NO_KEY = object()  # the frame's next scalar is a key
_BAD_KEY = object()  # the key was refused: drop its value
_REFUSED = object()  # a scalar already reported (bad tag, merge key)


class _Builder:
    """Turns parser events into located data, iteratively, with bounds."""

    def __init__(self, problems: _Problems, max_nodes: int | None = None) -> None:
        self.problems = problems
        self.max_nodes = MAX_NODES if max_nodes is None else max_nodes
        self.resolver = Resolver()
        self.constructor = SafeConstructor()
        self.anchors: dict[str, tuple[Any, int, int]] = {}  # value, size, height
        self.stack: list[_Frame] = []
        self.plain_tags: dict[str, str] = {}  # what a plain scalar's text resolves to
        self.nodes = 0
        self.root: Any = None
        self.root_loc: Loc | None = None
        self.documents = 0
        self.has_float = False  # whether any value is a float (the validator asks)

    def build(self, text: str) -> Any:
        parser = _Loader(text)
        try:
            # The parser's own loop, not yaml.parse's generator: a site has tens of
            # thousands of events, and each generator step costs a third of an event.
            get_event = parser.get_event
            while (event := get_event()) is not None:
                # Most events are untagged text inside a collection: handled inline, the
                # rest by _handle. (A site has about a thousand of them per handset line.)
                if (type(event) is _SCALAR and event.tag is None and event.anchor is None
                        and self.stack and self.nodes < self.max_nodes and self._text(event)):
                    continue
                if not self._handle(event):
                    return None
        except yaml.MarkedYAMLError as err:
            self._syntax_error(err)
            return None
        except yaml.YAMLError as err:  # ReaderError: _decode already refuses what it refuses
            self.problems.add(Loc(1, 1), "yaml-syntax", str(err))
            return None
        finally:
            parser.dispose()
        return self.root

    def _text(self, event: events.ScalarEvent) -> bool:
        """An untagged scalar that resolves to text, put in place; False (and nothing done)
        for any other, which _scalar handles."""
        value = event.value
        mark = event.start_mark
        if event.style:  # quoted: always text
            loc = Loc(mark.line + 1, mark.column + 1, None)
        elif value and value[0] not in _RESOLVED_FROM or self.plain_tags.get(value) == _STR_TAG:
            loc = Loc(mark.line + 1, mark.column + 1, value)
        else:
            return False
        self.nodes += 1
        frame = self.stack[-1]
        frame.size += 1
        collection = frame.value
        if type(collection) is LocatedList:
            collection.item_locs.append(loc)
            collection.append(value)
        elif frame.key is _NO_KEY:
            if value in collection.key_locs:
                self._set_key(frame, value, loc, event)  # the duplicate, reported there
            else:
                frame.key = value
                frame.key_loc = loc
                collection.key_locs[value] = loc
        else:
            if frame.key is not _BAD_KEY:
                collection[frame.key] = value
                collection.value_locs[frame.key] = loc
            frame.key = _NO_KEY
        return True

    def _handle(self, event: events.Event) -> bool:
        kind = type(event)  # both parsers make events of these exact classes
        if kind is events.ScalarEvent:
            return self._scalar(event)  # type: ignore[arg-type]
        if kind is events.MappingEndEvent or kind is events.SequenceEndEvent:
            frame = self.stack.pop()
            if frame.anchor is not None:
                self.anchors[frame.anchor] = (frame.value, frame.size, frame.height)
            return self._add(frame.value, frame.value.loc, frame.size, frame.height, event)
        if kind is events.MappingStartEvent or kind is events.SequenceStartEvent:
            return self._start(event)  # type: ignore[arg-type]
        if kind is events.AliasEvent:
            return self._alias(event)  # type: ignore[arg-type]
        if kind is events.DocumentStartEvent:
            self.documents += 1
            if self.documents > 1:
                self.problems.add(_loc(event.start_mark), "yaml-multiple-documents",
                                  "a site file holds one YAML document; remove the second '---'")
                return False
        return True

    def _scalar(self, event: events.ScalarEvent) -> bool:
        tag = event.tag
        plain = not event.style  # the C parser says '', the Python one None
        if tag is None:
            tag = self._resolve(event, plain)
        elif tag == "!":  # the non-specific tag: what its style says, never from a cache
            tag = self.resolver.resolve(ScalarNode, event.value, event.implicit)
        loc = _loc(event.start_mark, event.value if plain else None)
        if tag == _STR_TAG:
            value: Any = event.value  # text needs no constructor: most scalars end here
        elif tag == _MERGE_TAG:
            self.problems.add(loc, "yaml-merge-key",
                              "merge keys ('<<') are not supported; use 'defaults:' or "
                              "write the keys out", tuple(self.path))
            value = _REFUSED
        elif tag not in _SCALAR_TAGS:
            self._bad_tag(event, tag, loc)
            value = _REFUSED
        elif tag == _TAG + "timestamp":
            value = event.value  # dates stay text: the validator parses them with its own rules
        else:
            value = self._construct(event, tag, loc)
        if event.anchor is not None:
            self.anchors[event.anchor] = (value, 1, 0)
        return self._count(1, loc) and self._add(value, loc, 1, 0, event)

    def _resolve(self, event: events.ScalarEvent, plain: bool) -> str:
        """The tag YAML gives an untagged scalar; quoted text is always a string."""
        if not plain:
            return self.resolver.resolve(ScalarNode, event.value, event.implicit)
        tag = self.plain_tags.get(event.value)
        if tag is None:
            tag = self.resolver.resolve(ScalarNode, event.value, event.implicit)
            if len(self.plain_tags) < 4096:
                self.plain_tags[event.value] = tag
        return tag

    def _construct(self, event: events.ScalarEvent, tag: str, loc: Loc) -> Any:
        """The scalar's value; a value its tag cannot read (`0x_`, `!!int abc`) is reported."""
        kind = tag.replace(_TAG, "")
        shown = clip(event.value)
        if is_secret(self.path):
            shown = "the value"
        if tag in _NUMBER_TAGS and len(event.value) > _MAX_NUMBER_CHARS:
            problem = f"{_quoted(shown)} is too long to be a number ({kind})"
        else:
            node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
            try:
                value = self.constructor.construct_object(node, deep=True)
                self.has_float = self.has_float or isinstance(value, float)
                return value
            except (ValueError, KeyError, IndexError, TypeError, yaml.YAMLError):
                problem = f"{_quoted(shown)} is not a valid {kind}"
        if event.tag is None:  # resolved from the text: quoting makes it a string
            problem += "; quote it if it is meant as text"
        self.problems.add(loc, "yaml-value", problem, tuple(self.path))
        return _REFUSED

    def _alias(self, event: events.AliasEvent) -> bool:
        loc = _loc(event.start_mark)
        if event.anchor not in self.anchors:
            self.problems.add(loc, "yaml-syntax", f"alias '*{clip(event.anchor)}' names no anchor "
                              "defined before it", tuple(self.path))
            return False
        value, size, height = self.anchors[event.anchor]
        if len(self.stack) + height > MAX_DEPTH:
            self._too_deep(loc)
            return False
        return self._count(size, loc) and self._add(value, loc, size, height, event)

    def _start(self, event: events.CollectionStartEvent) -> bool:
        is_map = isinstance(event, events.MappingStartEvent)
        tag = event.tag
        expected = _TAG + ("map" if is_map else "seq")
        loc = _loc(event.start_mark)
        if tag not in (None, "!", expected):
            self._bad_tag(event, tag, loc)  # read on: the data is dropped, other problems shown
        if len(self.stack) >= MAX_DEPTH:
            self._too_deep(loc)
            return False
        if not self._count(1, loc):
            return False
        value: LocatedDict | LocatedList
        if is_map:
            value = LocatedDict()
            value.key_locs, value.value_locs = {}, {}
        else:
            value = LocatedList()
            value.item_locs = []
        value.loc = loc
        self.stack.append(_Frame(value, event.anchor))
        return True

    def _too_deep(self, loc: Loc) -> None:
        self.problems.add(loc, "yaml-too-deep",
                          f"the file nests deeper than {MAX_DEPTH} levels", tuple(self.path))

    def _count(self, size: int, loc: Loc) -> bool:
        """Count values as they are read (a collection when it starts, an alias in full)."""
        self.nodes += size
        if self.nodes > self.max_nodes:
            self.problems.add(loc, "yaml-too-large",
                              f"the document expands to more than {self.max_nodes} values "
                              "(aliases repeated too often?)", tuple(self.path))
            return False
        return True

    def _add(self, value: Any, loc: Loc, size: int, height: int, event: events.Event) -> bool:
        """Put a finished value in its place: a list item, a key, or a key's value."""
        if not self.stack:
            self.root, self.root_loc = value, loc
            return True
        frame = self.stack[-1]
        frame.size += size
        frame.height = max(frame.height, height + 1)
        if isinstance(frame.value, LocatedList):
            frame.value.item_locs.append(loc)
            frame.value.append(value)
        elif frame.key is _NO_KEY:
            self._set_key(frame, value, loc, event)
        else:
            if frame.key is not _BAD_KEY:
                frame.value[frame.key] = value
                frame.value.value_locs[frame.key] = loc
            frame.key = _NO_KEY
        return True

    def _set_key(self, frame: _Frame, key: Any, loc: Loc, event: events.Event) -> None:
        mapping = frame.value
        assert isinstance(mapping, LocatedDict)
        frame.key = _BAD_KEY
        if key is _REFUSED:
            return  # already reported
        if isinstance(key, (LocatedDict, LocatedList)):
            what = "mapping" if isinstance(key, LocatedDict) else "list"
            self.problems.add(loc, "yaml-key", f"a {what} cannot be a key; keys are names",
                              tuple(self.path))
        elif not isinstance(key, str):
            shown = clip(loc.raw if loc.raw is not None else str(key))
            self.problems.add(loc, "yaml-key", f"key {shown!r} is not text; "
                              "quote it if it is meant as a name", tuple(self.path))
        elif key in mapping.key_locs:
            first = mapping.key_locs[key]
            self.problems.add(loc, "duplicate-key",
                              f"duplicate key '{clip(key)}' (first at line {first.line}); "
                              "YAML would silently keep only the last one",
                              tuple(self.path) + (key,))
        else:
            frame.key, frame.key_loc = key, loc
            mapping.key_locs[key] = loc

    @property
    def path(self) -> list[PathPart]:
        """The YAML path of the value being read, for diagnostics raised while loading;
        worked out only when one is raised."""
        path: list[PathPart] = []
        for frame in self.stack:
            if isinstance(frame.value, LocatedList):
                path.append(len(frame.value))
            elif isinstance(frame.key, str):
                path.append(frame.key)
        return path

    def _bad_tag(self, event: events.NodeEvent, tag: str | None, loc: Loc) -> None:
        shown = clip((tag or "").replace(_TAG, "!!"))
        self.problems.add(loc, "yaml-tag", f"tag '{shown}' is not allowed in a site file; "
                          "remove it", tuple(self.path))

    def _syntax_error(self, err: yaml.MarkedYAMLError) -> None:
        mark = err.problem_mark or err.context_mark
        if "maximum nesting depth" in (err.problem or ""):  # libyaml's own bound, past ours
            self._too_deep(_loc(mark) if mark else Loc(1, 1))
            return
        message = err.problem or "invalid YAML"
        if err.context and err.context_mark and err.context_mark is not mark:
            message += f" ({err.context} at line {err.context_mark.line + 1})"
        self.problems.add(_loc(mark) if mark else Loc(1, 1), "yaml-syntax", message)
