"""The default human format: location, code, severity, message, source line and caret."""

from __future__ import annotations

import unicodedata

import click

from msgarch.diagnostics import Diagnostic, Severity
from msgarch.output.report import Report
from msgarch.textsafe import line as safe

_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}


def _cells(text: str) -> int:
    """Terminal columns the text takes: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _location(d: Diagnostic) -> str:
    if d.span is None:
        return "msgarch"
    return f"{safe(d.span.path)}:{d.span.line}:{d.span.column}"


def format_diagnostic(d: Diagnostic, report: Report, colour: bool = False) -> list[str]:
    style = (lambda text, **kw: click.style(text, **kw)) if colour else (lambda text, **kw: text)
    level = style(d.severity.label, fg=_COLOURS[d.severity], bold=True)
    if d.is_input_error:
        head = f"{style(_location(d), bold=True)}: {level}: {safe(d.message)} [{d.code}]"
    else:
        head = f"{style(_location(d), bold=True)}: {style(d.code, bold=True)} [{level}] {safe(d.message)}"
    lines = [head]
    if d.span is not None:
        source = report.source_line(d.span.path, d.span.line)
        if source is not None:
            source = safe(source.expandtabs(1))
            gutter = str(d.span.line)
            start = d.span.column - 1
            end = d.span.end_column - 1 if d.span.end_line == d.span.line else len(source)
            caret = " " * _cells(source[:start]) + "^" * max(1, _cells(source[start:end]))
            lines.append(f" {gutter} | {source}")
            lines.append(f" {' ' * len(gutter)} | {style(caret, fg=_COLOURS[d.severity])}")
    if d.hint:
        lines.append(f"  {style('hint', bold=True)}: {safe(d.hint)}")
    for related in d.related:
        s = related.span
        lines.append(f"  note: {safe(s.path)}:{s.line}:{s.column}: {safe(related.note)}")
    return lines


def _severity_counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {level}" + ("s" if n != 1 and level != "info" else "") for level, n in counts.items())


def summary_line(report: Report) -> str:
    counts = report.counts()
    total = sum(counts.values())
    files = f"{report.files} file" + ("" if report.files == 1 else "s")
    if total == 0:
        return f"All checks passed ({files})."
    found = f"Found {total} problem{'s' if total != 1 else ''} ({_severity_counts(counts)})"
    if report.files == 0:
        return f"{found}; no file could be read."
    return f"{found} in {files}."


def hidden_line(report: Report) -> str | None:
    """`--quiet`: one line counting the findings below the level shown."""
    hidden = report.hidden_counts()
    if not hidden:
        return None
    return (f"Not shown: {_severity_counts(hidden)} below {report.shown_from} "
            f"(`--show info` lists every finding).")


def closing(report: Report) -> list[str]:
    """The summary line, and the count of what `--quiet` left out."""
    extra = hidden_line(report)
    return [summary_line(report)] + ([extra] if extra else [])


def statistics(report: Report) -> str:
    rows = report.by_rule()
    if not rows:
        return ""
    return "\n".join(f"{n:5d}  {code}  {name}" for code, name, n in rows)


def render(report: Report, colour: bool = False, with_statistics: bool = False) -> str:
    """Every finding with its source line and caret, then the count; with
    ``with_statistics`` only the counts by rule (as `ruff --statistics`) and the count."""
    out: list[str] = []
    if with_statistics:
        if report.diagnostics or report.hidden:
            out.append(statistics(report))
        out.append(summary_line(report))
        return "\n".join(out) + "\n"
    for d in report.diagnostics:
        out.extend(format_diagnostic(d, report, colour))
        out.append("")
    out.extend(closing(report))
    return "\n".join(out) + "\n"
