"""Inline suppression comments: `# msgarch: ignore[CODE, ...]` and bare `# msgarch: ignore`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from msgarch.diagnostics import Span

_DIRECTIVE = re.compile(r"msgarch:\s*ignore(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)


@dataclass(frozen=True)
class Suppression:
    """One ignore comment: the line it applies to and the codes (empty: every rule)."""

    span: Span  # where the comment is
    target_line: int
    codes: tuple[str, ...]


def _comment_start(line: str) -> int | None:
    """Index of the `#` that starts a comment, skipping `#` inside strings."""
    in_string = escaped = False
    for i, ch in enumerate(line):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "#":
            return i
    return None


def find_suppressions(path: str, text: str) -> list[Suppression]:
    found: list[Suppression] = []
    pending: list[tuple[Span, tuple[str, ...]]] = []  # comment-only lines waiting for their line
    for number, line in enumerate(text.splitlines(), 1):
        start = _comment_start(line)
        code_part = line if start is None else line[:start]
        if start is not None:
            match = _DIRECTIVE.search(line, start)
            if match:
                codes = tuple(c.strip() for c in (match["codes"] or "").split(",") if c.strip())
                span = Span(path, number, start + 1, number, len(line) + 1)
                if code_part.strip():
                    found.append(Suppression(span, number, codes))
                else:
                    pending.append((span, codes))
                    continue
        if code_part.strip() and pending:
            found.extend(Suppression(span, number, codes) for span, codes in pending)
            pending = []
    # comments with no declaration after them silence nothing: kept so S007 reports them
    found.extend(Suppression(span, span.line, codes) for span, codes in pending)
    return found
