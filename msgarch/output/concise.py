"""One line per finding: `FILE:LINE:COL: CODE [severity] message`."""

from __future__ import annotations

import click

from msgarch.output.report import Report
from msgarch.output.text import _COLOURS, closing, statistics, summary_line
from msgarch.textsafe import line as safe


def render(report: Report, colour: bool = False, with_statistics: bool = False) -> str:
    """One line per finding (coloured as the text format when ``colour``), then the count;
    with ``with_statistics`` only the counts by rule and the count."""
    if with_statistics:
        lines = [statistics(report)] if report.diagnostics or report.hidden else []
        return "\n".join([*lines, summary_line(report)]) + "\n"
    style = click.style if colour else (lambda text, **kw: text)
    lines = []
    for d in report.diagnostics:
        where = f"{safe(d.span.path)}:{d.span.line}:{d.span.column}" if d.span else "msgarch"
        level = style(d.severity.label, fg=_COLOURS[d.severity], bold=True)
        lines.append(f"{style(where, bold=True)}: {style(d.code, bold=True)} [{level}] {safe(d.message)}")
    lines.extend(closing(report))
    return "\n".join(lines) + "\n"
