"""GitHub Actions workflow-command annotations for `msgarch lint --format github`.

One ``::error``/``::warning``/``::notice`` line per finding, escaped as the actions toolkit
escapes them (data: ``%``, CR, LF; properties also ``:`` and ``,``). GitHub shows at most
10 error, 10 warning and 10 notice annotations per step: the first ones of each kind are
emitted (in report order) and the rest are listed in one closing notice, so none is lost
from the log.
"""

from __future__ import annotations

import os

from msgarch.diagnostics import Diagnostic, Severity
from msgarch.output.report import Report
from msgarch.output.sarif import repository_root
from msgarch.output.text import closing
from msgarch.textsafe import block, line

#: Annotations of one kind GitHub shows per step.
PER_KIND = 10
_COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """The toolkit's escaping, after control and bidi characters are neutralised (the log
    viewer obeys terminal escapes)."""
    return block(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, properties: dict[str, object], message: str) -> str:
    """``::name key=value,...::message`` with the toolkit's escaping."""
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def workspace_path(path: str, root: str) -> str:
    """The path GitHub matches annotations against: relative to the repository root."""
    if path == "-":
        return path
    relative = os.path.relpath(os.path.abspath(path), root).replace(os.sep, "/")
    return path.replace(os.sep, "/") if relative.startswith("../") else relative


def annotation(d: Diagnostic, root: str) -> str:
    properties: dict[str, object] = {}
    if d.span is not None:
        properties.update(file=workspace_path(d.span.path, root), line=d.span.line, col=d.span.column,
                          endLine=d.span.end_line, endColumn=d.span.end_column)
    properties["title"] = f"{d.code} {d.name}"
    message = d.message + (f"\nhint: {d.hint}" if d.hint else "")
    return command(_COMMANDS[d.severity], properties, message)


def _where(d: Diagnostic, root: str) -> str:
    if d.span is None:
        return "msgarch"
    return f"{workspace_path(d.span.path, root)}:{d.span.line}:{d.span.column}"


def render(report: Report, colour: bool = False, with_statistics: bool = False, root: str | None = None) -> str:
    root = root or repository_root()
    shown: dict[Severity, int] = {s: 0 for s in _COMMANDS}
    lines: list[str] = []
    rest: list[Diagnostic] = []
    overflow = any(sum(d.severity == s for d in report.diagnostics) > PER_KIND for s in _COMMANDS)
    for d in report.diagnostics:
        # the closing notice takes one notice slot when anything is left over
        limit = PER_KIND - 1 if d.severity == Severity.INFO and overflow else PER_KIND
        if shown[d.severity] < limit:
            shown[d.severity] += 1
            lines.append(annotation(d, root))
        else:
            rest.append(d)
    if rest:
        counts = {s.label: sum(d.severity == s for d in rest) for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)}
        head = ", ".join(f"{n} {label}" for label, n in counts.items() if n)
        listing = "\n".join(f"{line(_where(d, root))}: {d.code} [{d.severity.label}] {line(d.message)}" for d in rest)
        lines.append(command("notice", {"title": f"msgarch: {len(rest)} more findings"},
                             f"{len(rest)} more findings ({head}) are not annotated: GitHub shows at most "
                             f"{PER_KIND} annotations of each kind per step.\n{listing}"))
    lines.extend(closing(report))
    return "\n".join(lines) + "\n"
