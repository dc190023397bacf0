"""One line per finding: `FILE:LINE:COL: CODE [severity] message`."""

from __future__ import annotations

from msgarch.output.report import Report
from msgarch.output.text import statistics, summary_line
from msgarch.textsafe import line as safe


def render(report: Report, colour: bool = False, with_statistics: bool = False) -> str:
    lines = []
    for d in report.diagnostics:
        where = f"{safe(d.span.path)}:{d.span.line}:{d.span.column}" if d.span else "msgarch"
        lines.append(f"{where}: {d.code} [{d.severity.label}] {safe(d.message)}")
    if with_statistics and report.diagnostics:
        lines.append(statistics(report))
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"
