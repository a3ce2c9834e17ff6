"""Diagnostics: every stage reports problems as values, collected and printed together.

A diagnostic prints the way compilers print them, so editors and CI can jump to it:
``sites/acme-hq.yaml:14:11: error: handsets[2].ipui: '02B6EC8AA' is not an IPUI ... [ipui-format]``
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from enum import Enum

PathPart = str | int

# Keys whose values are secrets: no diagnostic may show them, whatever is wrong.
SECRET_KEYS = frozenset({"password", "admin_password"})


# Said by `validate` alone (once per site), not by every build: a choice, not a fault.
ADVICE_RULES = frozenset({"literal-password", "extra-password"})


def is_secret(path: Sequence[PathPart]) -> bool:
    return bool(path) and path[-1] in SECRET_KEYS


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


def format_path(path: Sequence[PathPart]) -> str:
    """`("handsets", 2, "ipui")` -> `handsets[2].ipui`."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem, located in a source file. Ordering sorts by file, line, column."""

    file: str
    line: int | None
    column: int | None
    severity: Severity
    rule: str
    path: str
    message: str

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file, self.line or 0, self.column or 0, self.rule, self.message)

    def to_text(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        subject = f"{self.path}: " if self.path else ""
        return f"{where}: {self.severity.value}: {subject}{self.message} [{self.rule}]"

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["severity"] = self.severity.value
        return data


def sorted_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """File and line order, each problem once."""
    return sorted(set(diagnostics), key=Diagnostic.sort_key)


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)


def render_text(diagnostics: Iterable[Diagnostic]) -> str:
    return "".join(d.to_text() + "\n" for d in diagnostics)


def render_json(diagnostics: Iterable[Diagnostic]) -> str:
    return json.dumps([d.to_json() for d in diagnostics], indent=2, ensure_ascii=False) + "\n"
