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


def summary_line(report: Report) -> str:
    counts = report.counts()
    total = sum(counts.values())
    files = f"{report.files} file" + ("" if report.files == 1 else "s")
    if total == 0:
        return f"All checks passed ({files})."
    parts = ", ".join(f"{n} {level}" + ("s" if n != 1 and level != "info" else "") for level, n in counts.items())
    return f"Found {total} problem{'s' if total != 1 else ''} ({parts}) in {files}."


def statistics(report: Report) -> str:
    rows = report.by_rule()
    if not rows:
        return ""
    width = max(len(name) for _, name, _ in rows)
    return "\n".join(f"{n:5d}  {code}  {name:<{width}}" for code, name, n in rows)


def render(report: Report, colour: bool = False, with_statistics: bool = False) -> str:
    out: list[str] = []
    for d in report.diagnostics:
        out.extend(format_diagnostic(d, report, colour))
        out.append("")
    if with_statistics and report.diagnostics:
        out.append(statistics(report))
        out.append("")
    out.append(summary_line(report))
    return "\n".join(out) + "\n"
