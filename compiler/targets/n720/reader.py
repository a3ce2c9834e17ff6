"""Reading an N720 provisioning file back, for `dectprov import`: bytes in, the file's
elements and items out, each with its line and column. Safe on hostile input: no DTD, no entities
but XML's own, no external anything (expat with handlers that refuse them, as defusedxml
does), and only ISO-8859-1 or ASCII, the N720's character sets.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from xml.parsers import expat

from compiler.diagnostics import Diagnostic, Severity
from compiler.targets.n720 import ENCODING

MAX_FILE_BYTES = 4 * 1024 * 1024  # a full N720 file of 100 slots is about 150 KiB
_ENCODINGS = {"iso8859-1": "ISO-8859-1", "ascii": "US-ASCII"}  # codec name -> as shown
_DECLARED = re.compile(rb"<\?xml[^>]*?\sencoding\s*=\s*[\"']([^\"']*)[\"']")
ROOT = "ProviderFrame"
PROVIDER = "Provider"
ELEMENTS = ("MAC_ADDRESS", "VERSION", "PROFILE_NAME", "S_SPECIAL_DATA_SRV_IWU",
            "S_SPECIAL_DATA_SRV_SAT", "SYMB_ITEM")


@dataclass(frozen=True)
class Element:
    """A child of <Provider>: its name, the `ID` (SYMB_ITEM) and `value` attributes as
    XML decodes them, and where it starts (its '<')."""

    name: str
    id: str
    value: str
    line: int
    column: int


@dataclass
class ReadFile:
    elements: list[Element] = field(default_factory=list)  # in file order
    header: str | None = None  # the comment before the root element
    comments: list[str] = field(default_factory=list)  # the comments inside the root
    provider_at: tuple[int, int] | None = None  # where <Provider> starts
    root_at: tuple[int, int] | None = None  # where the root element starts
    diagnostics: list[Diagnostic] = field(default_factory=list)


class _Refused(Exception):
    """The file uses something refused outright; nothing after it is read."""

    def __init__(self, rule: str, message: str, at: tuple[int, int] | None = None) -> None:
        super().__init__(message)
        self.rule = rule
        self.at = at  # where the refused thing starts; None: where the parser stopped


def read(data: bytes, display: str) -> ReadFile:
    """Parse the bytes of an N720 file; every problem is a diagnostic of `display`."""
    result = ReadFile()
    problem = _encoding_problem(data)
    if problem is not None:
        result.diagnostics.append(_error(display, problem[0], "import-encoding", problem[1]))
        return result
    parser = expat.ParserCreate(encoding=ENCODING.upper())
    _Handlers(parser, result, display).install()
    try:
        parser.Parse(data, True)
    except _Refused as refused:
        at = refused.at or (_doctype_at(data) if refused.rule == "import-dtd" else None)
        result.diagnostics.append(_error(display, at or _at(parser), refused.rule,
                                         str(refused)))
    except expat.ExpatError as err:
        message = expat.ErrorString(err.code) or "not well-formed"
        result.diagnostics.append(_error(display, (err.lineno, err.offset + 1), "import-xml",
                                         f"the file is not well-formed XML: {message}"))
    return result


def _at(parser: expat.XMLParserType) -> tuple[int, int]:
    """Where the parser is, as line and column from 1: the start of what it reports."""
    return parser.CurrentLineNumber, parser.CurrentColumnNumber + 1


def _doctype_at(data: bytes) -> tuple[int, int] | None:
    """Where `<!DOCTYPE` starts (expat tells where it finished reading it)."""
    start = data.find(b"<!DOCTYPE")
    if start < 0:  # pragma: no cover - a DTD comes only with a DOCTYPE
        return None
    return data.count(b"\n", 0, start) + 1, start - data.rfind(b"\n", 0, start)


def _error(display: str, at: tuple[int, int], rule: str, message: str,
           path: str = "") -> Diagnostic:
    return Diagnostic(display, at[0], at[1], Severity.ERROR, rule, path, message)


def _encoding_problem(data: bytes) -> tuple[tuple[int, int], str] | None:
    """((line, column), message) when the bytes are not an N720 file's ISO-8859-1 or
    ASCII."""
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4]:
        return (1, 1), ("the file starts with a byte order mark or is UTF-16/32; an N720 file "
                        "is ISO-8859-1")
    declared = _DECLARED.match(data)
    if declared is None:
        name, shown = "ascii", "no encoding, so XML reads it as UTF-8,"
    else:
        text = declared[1].decode("ascii", "replace")
        try:
            name = codecs.lookup(text).name
        except LookupError:
            name = ""
        if name not in _ENCODINGS:
            return (1, declared.start(1) + 1), (
                f"the file declares encoding '{text[:40]}'; an N720 file is "
                       "ISO-8859-1 (or ASCII)")
        shown = _ENCODINGS[name]
    if name == "ascii":
        wide = re.search(rb"[\x80-\xff]", data)
        if wide is not None:
            line = data.count(b"\n", 0, wide.start()) + 1
            column = wide.start() - data.rfind(b"\n", 0, wide.start())
            return (line, column), (f"the file declares {shown} but byte 0x{wide[0][0]:02X} is not "
                          "ASCII; declare encoding=\"ISO-8859-1\" if the file is Latin-1")
    return None


class _Handlers:
    """expat callbacks: the three levels of an N720 file, and nothing that a DTD brings."""

    def __init__(self, parser: expat.XMLParserType, result: ReadFile, display: str) -> None:
        self.parser = parser
        self.result = result
        self.display = display
        self.stack: list[str] = []
        self.seen_root = False

    def install(self) -> None:
        parser = self.parser
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = self._doctype
        parser.EntityDeclHandler = self._entity
        parser.UnparsedEntityDeclHandler = self._entity
        parser.ExternalEntityRefHandler = self._external
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CommentHandler = self._comment

    def _doctype(self, *_: object) -> None:
        raise _Refused("import-dtd", "the file has a DOCTYPE; an N720 file has none, and "
                       "DTDs and entity declarations are refused (they can expand without "
                       "bound or read other files)")

    # Entities are declared, and external ones referred to, only in a DTD, which _doctype
    # refuses first: these are a second lock on the same door.
    def _entity(self, *_: object) -> None:  # pragma: no cover
        raise _Refused("import-dtd", "the file declares an entity; entity declarations are "
                       "refused")

    def _external(self, *_: object) -> int:  # pragma: no cover
        raise _Refused("import-dtd", "the file refers to an external entity; external "
                       "entities are refused")

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        at = _at(self.parser)
        depth = len(self.stack)
        self.stack.append(name)
        if depth == 0 and name != ROOT:
            raise _Refused("import-structure", f"the root element is <{name}>, not <{ROOT}>: "
                           "this is not an N720 provisioning file", at)
        expected = (ROOT,) if depth == 0 else (PROVIDER,) if depth == 1 else ELEMENTS
        if depth > 2 or name not in expected or depth == 1 and self.result.provider_at:
            self._problem(at, "import-structure", f"unexpected element <{name}> inside "
                          f"<{self.stack[-2]}>; "
                          f"an N720 file is <{ROOT}><{PROVIDER}> with "
                          f"{', '.join(ELEMENTS)} in it")
            return
        if depth == 0:
            self.seen_root = True
            self.result.root_at = at
        elif depth == 1:
            self.result.provider_at = at
        else:
            self._element(name, attributes, at)

    def _element(self, name: str, attributes: dict[str, str], at: tuple[int, int]) -> None:
        needed = ("ID", "value") if name == "SYMB_ITEM" else ("value",)
        missing = [attribute for attribute in needed if attribute not in attributes]
        if missing:
            self._problem(at, "import-structure",
                          f"<{name}> has no {' and no '.join(missing)} attribute")
            return
        self.result.elements.append(
            Element(name, attributes.get("ID", name), attributes["value"], *at))

    def _end(self, _: str) -> None:
        self.stack.pop()

    def _comment(self, text: str) -> None:
        if not self.stack and not self.seen_root and self.result.header is None:
            self.result.header = text
        elif self.stack:
            self.result.comments.append(text)

    def _problem(self, at: tuple[int, int], rule: str, message: str) -> None:
        self.result.diagnostics.append(_error(self.display, at, rule, message))
