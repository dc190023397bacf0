"""Source spans and the frozen Diagnostic every stage of msgarch reports through."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class Severity(IntEnum):
    """How serious a finding is; ordered so that ``ERROR > WARNING > INFO``."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (expected error, warning or info)") from None


@dataclass(frozen=True, order=True)
class Span:
    """A region of a source file: 1-based line and column, end exclusive."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def point(cls, path: str, line: int = 1, column: int = 1) -> "Span":
        return cls(path, line, column, line, column + 1)


@dataclass(frozen=True)
class Related:
    """A second location that explains a diagnostic ("first declared here")."""

    span: Span
    note: str


#: Reserved codes for input that cannot be used. They are not rules: they cannot be
#: selected or silenced, and any of them makes the command exit with code 2.
INPUT_ERROR_CODES = {
    "E001": "syntax-error",
    "E002": "include-error",
    "E003": "invalid-profile",
    "E004": "invalid-configuration",
}


@dataclass(frozen=True)
class Diagnostic:
    """One finding about one place in the model, or one reason the input is unusable."""

    code: str
    name: str
    severity: Severity
    message: str
    span: Span | None
    hint: str = ""
    related: tuple[Related, ...] = field(default=())

    @property
    def is_input_error(self) -> bool:
        return self.code in INPUT_ERROR_CODES

    def sort_key(self) -> tuple:
        if self.span is None:
            return ("", 0, 0, self.code, self.message)
        return (self.span.path, self.span.line, self.span.column, self.code, self.message)


def input_error(code: str, message: str, span: Span | None, hint: str = "",
                related: tuple[Related, ...] = ()) -> Diagnostic:
    """Build an E-code diagnostic (always an error, never silenced)."""
    return Diagnostic(code, INPUT_ERROR_CODES[code], Severity.ERROR, message, span, hint, related)


class InputError(Exception):
    """Raised when input cannot be used at all; carries the diagnostics that say why."""

    def __init__(self, diagnostics: list[Diagnostic] | tuple[Diagnostic, ...],
                 sources: dict[str, str] | None = None):
        self.diagnostics = tuple(diagnostics)
        self.sources = dict(sources or {})  # path -> text of the files read, for carets
        super().__init__("; ".join(d.message for d in self.diagnostics))
