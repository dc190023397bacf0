"""The stable JSON format of `msgarch lint --format json` (fields are added, never renamed)."""

from __future__ import annotations

import json

from msgarch import __version__
from msgarch.diagnostics import Diagnostic
from msgarch.output.report import Report
from msgarch.textsafe import block


def finding(d: Diagnostic) -> dict:
    span = d.span
    return {
        "code": d.code, "name": d.name, "severity": d.severity.label,
        "message": block(d.message), "hint": block(d.hint) if d.hint is not None else None,
        "path": block(span.path) if span else None,
        "line": span.line if span else None, "column": span.column if span else None,
        "end_line": span.end_line if span else None, "end_column": span.end_column if span else None,
        "related": [{"path": block(r.span.path), "line": r.span.line, "column": r.span.column, "note": block(r.note)}
                    for r in d.related],
    }


def render(report: Report, colour: bool = False, with_statistics: bool = False) -> str:
    document = {
        "msgarch": __version__,
        "findings": [finding(d) for d in report.diagnostics],
        "summary": {**report.counts(), "files": report.files},
    }
    if with_statistics:
        document["statistics"] = [{"code": c, "name": n, "count": k} for c, n, k in report.by_rule()]
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
