"""GitLab Code Quality (a subset of the Code Climate issue format) for
`msgarch lint --format gitlab`, to upload as `artifacts: reports: codequality`.

A JSON array of issues with what GitLab requires (`description`, `check_name`,
`fingerprint`, `severity`, `location.path`, `location.lines.begin`) and the Code
Climate fields beside them (`type: "issue"`, `categories`, `content` with the rule's doc
link). Paths are relative to the repository root; the fingerprint is SARIF's
line-independent hash, so an issue keeps its identity when lines above it move.
Severities: error -> major, warning -> minor, info -> info.
"""

from __future__ import annotations

import json
import os

from msgarch.diagnostics import Diagnostic, Severity
from msgarch.links import rule_doc_url
from msgarch.output.report import Report
from msgarch.output.sarif import fingerprint, repository_root
from msgarch.textsafe import block

SEVERITY = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}
#: rule family -> Code Climate category (the spec's fixed list)
CATEGORY = {"S": "Clarity", "P": "Bug Risk", "B": "Compatibility", "C": "Performance", "L": "Performance",
            "R": "Bug Risk", "D": "Bug Risk", "T": "Bug Risk", "E": "Bug Risk"}


def _path(path: str, root: str) -> str:
    relative = os.path.relpath(os.path.abspath(path), root).replace(os.sep, "/")
    return path.replace(os.sep, "/") if relative.startswith("../") else relative


def issue(d: Diagnostic, report: Report, root: str, seen: dict[str, int]) -> dict:
    path = _path(d.span.path, root) if d.span is not None and d.span.path != "-" else (
        d.span.path if d.span is not None else ".")
    begin = d.span.line if d.span is not None else 1
    end = d.span.end_line if d.span is not None else 1
    source = report.source_line(d.span.path, d.span.line) if d.span is not None else None
    digest = fingerprint(d, path, source)
    seen[digest] = seen.get(digest, 0) + 1
    body = f"{d.hint}\n\n" if d.hint else ""
    return {
        "type": "issue",
        "check_name": d.code,
        "description": block(f"{d.code} {d.message}"),
        "content": {"body": block(body + f"[{d.code} {d.name}]({rule_doc_url(d.code, d.name)})")},
        "categories": [CATEGORY.get(d.code[:1], "Bug Risk")],
        "location": {"path": block(path), "lines": {"begin": begin, "end": max(begin, end)}},
        "severity": SEVERITY[d.severity],
        "fingerprint": f"{digest}{seen[digest]:02d}" if seen[digest] > 1 else digest,
    }


def render(report: Report, colour: bool = False, with_statistics: bool = False, root: str | None = None) -> str:
    root = root or repository_root()
    seen: dict[str, int] = {}
    return json.dumps([issue(d, report, root, seen) for d in report.diagnostics], indent=2,
                      ensure_ascii=False) + "\n"
