"""SARIF 2.1.0 for `msgarch lint --format sarif`, as GitHub code scanning reads it.

Every rule of the registry is described (short description: its summary; full
description: its docstring up to the examples; help: the whole docstring, also as
Markdown), URIs are relative to the repository root with ``uriBaseId`` ``%SRCROOT%``,
and each result carries a ``partialFingerprints`` entry that does not depend on line
numbers, so a finding keeps its identity when the lines above it move.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import re
from urllib.parse import quote

from msgarch import __version__
from msgarch.diagnostics import INPUT_ERROR_CODES, Diagnostic, Severity, Span
from msgarch.links import REPOSITORY as INFORMATION_URI
from msgarch.links import rule_doc_url
from msgarch.output.report import Report
from msgarch.textsafe import block

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT = "msgarchFindingHash/v1"
_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_PROBLEM_SEVERITY = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "recommendation"}

#: The reserved input-error codes are not rules, but a result needs a rule to point at.
INPUT_ERROR_HELP = {
    "E001": ("the input could not be read or parsed",
             "A file could not be read, is not UTF-8, or does not parse (a syntax error or a quantity with a "
             "missing or wrong unit). Nothing else is checked until it parses."),
    "E002": ("an include is missing, cyclic or leaves the tree",
             "A `use` names a file that cannot be read, that includes itself through a cycle, or that lies "
             "outside the directory of the file being checked."),
    "E003": ("a broker profile is invalid",
             "A user broker profile file cannot be read or fails the profile schema; the message names the "
             "JSON pointer and the file."),
    "E004": ("the configuration is invalid",
             "The `[tool.msgarch]` table or `.msgarch.toml` has an unknown key or a value of the wrong type."),
}


def repository_root(start: str = ".") -> str:
    """The nearest directory upwards holding `.git` (the checkout GitHub analyses), else ``start``."""
    folder = os.path.abspath(start)
    while True:
        if os.path.exists(os.path.join(folder, ".git")):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return os.path.abspath(start)
        folder = parent


def artifact_location(path: str, root: str) -> dict | None:
    """A URI relative to ``root`` with ``uriBaseId``; an absolute file URI for a file outside it."""
    if path == "-":
        return None
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute, root).replace(os.sep, "/")
    # quoted from the file name's bytes: a name that is not UTF-8 is still a valid URI
    if relative == ".." or relative.startswith("../"):
        return {"uri": "file://" + quote(os.fsencode(absolute.replace(os.sep, "/")), safe="/:")}
    return {"uri": quote(os.fsencode(relative), safe="/"), "uriBaseId": SRCROOT}


def _region(span: Span) -> dict:
    return {"startLine": span.line, "startColumn": span.column, "endLine": span.end_line,
            "endColumn": span.end_column}


def _physical(span: Span, root: str) -> dict | None:
    artifact = artifact_location(span.path, root)
    if artifact is None:
        return None
    return {"physicalLocation": {"artifactLocation": artifact, "region": _region(span)}}


def split_doc(rule) -> tuple[str, str]:
    """(full description: the docstring before its examples, the whole docstring)."""
    doc = inspect.cleandoc(rule.__doc__ or "")
    head = re.split(r"\n(?=Fails:|Passes:)", doc, maxsplit=1)[0].strip()
    return head or rule.summary, doc or rule.summary


def doc_markdown(doc: str, language: str = "msgarch") -> str:
    """The docstring with its indented examples as fenced code blocks (in ``language``)."""
    out: list[str] = []
    in_code = False
    for line in doc.splitlines():
        indented = line.startswith("    ")
        if indented and not in_code:
            out.append(f"```{language}")
            in_code = True
        elif not indented and line.strip() and in_code:
            while out and not out[-1].strip():
                out.pop()
            out.append("```")
            out.append("")
            in_code = False
        out.append(line[4:] if in_code else line)
    if in_code:
        while out and not out[-1].strip():
            out.pop()
        out.append("```")
    return "\n".join(out).strip() + "\n"


def rule_descriptors() -> list[dict]:
    """Every rule of the registry, then the input-error codes, as SARIF reportingDescriptors."""
    from msgarch.lint.registry import CATALOGUE

    out = []
    for rule in CATALOGUE:
        full, doc = split_doc(rule)
        out.append({
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": full},
            "help": {"text": doc, "markdown": doc_markdown(doc, getattr(rule, "example_language", "msgarch"))},
            "helpUri": rule_doc_url(rule.code, rule.name),
            "defaultConfiguration": {"level": _LEVELS[rule.severity]},
            "properties": {"tags": ["msgarch", "architecture"],
                           "problem.severity": _PROBLEM_SEVERITY[rule.severity]},
        })
    for code, name in INPUT_ERROR_CODES.items():
        short, full = INPUT_ERROR_HELP[code]
        out.append({
            "id": code, "name": name,
            "shortDescription": {"text": short}, "fullDescription": {"text": full},
            "help": {"text": full, "markdown": full},
            "helpUri": rule_doc_url(code, name),
            "defaultConfiguration": {"level": "error"},
            "properties": {"tags": ["msgarch", "input"], "problem.severity": "error"},
        })
    return out


def fingerprint(d: Diagnostic, uri: str, source_line: str | None) -> str:
    """A hash of what the finding is (code, file, message, the text of its line), not where."""
    text = "\0".join((d.code, uri, d.message, (source_line or "").strip()))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _result(d: Diagnostic, index: dict[str, int], report: Report, root: str, seen: dict[str, int]) -> dict:
    result: dict = {
        "ruleId": d.code,
        "level": _LEVELS[d.severity],
        "message": {"text": block(d.message + (f"\nhint: {d.hint}" if d.hint else ""))},
    }
    if d.code in index:
        result["ruleIndex"] = index[d.code]
    uri = ""
    if d.span is not None:
        location = _physical(d.span, root)
        if location is not None:
            result["locations"] = [location]
            uri = location["physicalLocation"]["artifactLocation"]["uri"]
    related = []
    for i, r in enumerate(d.related, 1):
        location = _physical(r.span, root)
        if location is not None:
            related.append({"id": i, **location, "message": {"text": block(r.note)}})
    if related:
        result["relatedLocations"] = related
    line = report.source_line(d.span.path, d.span.line) if d.span is not None else None
    digest = fingerprint(d, uri, line)
    seen[digest] = seen.get(digest, 0) + 1
    result["partialFingerprints"] = {FINGERPRINT: f"{digest}:{seen[digest]}"}
    return result


def document(report: Report, root: str | None = None) -> dict:
    root = root or repository_root()
    rules = rule_descriptors()
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    seen: dict[str, int] = {}
    results = [_result(d, index, report, root, seen) for d in report.diagnostics]
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "msgarch", "version": __version__, "semanticVersion": __version__,
                "informationUri": INFORMATION_URI, "rules": rules,
            }},
            "originalUriBaseIds": {SRCROOT: {"description": {"text": "The root of the repository checked."}}},
            "invocations": [{"executionSuccessful": not any(d.is_input_error for d in report.diagnostics)}],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


def render(report: Report, colour: bool = False, with_statistics: bool = False) -> str:
    return json.dumps(document(report), indent=2, ensure_ascii=False) + "\n"
