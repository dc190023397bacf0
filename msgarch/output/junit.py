"""JUnit XML for `msgarch lint --format junit` (CI dashboards: GitLab, Jenkins, Azure).

The shape ruff writes: one `<testsuite>` per file read, one `<testcase>` per finding
(named by its rule code and name, with `file` and `line`), each a `<failure>` whose
`type` is the severity; a file with no finding is one passing test case, so a dashboard
counts every file checked. Text is neutralised (no control characters: XML 1.0 cannot
carry them) and escaped by the standard library's serialiser.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from msgarch.diagnostics import Diagnostic
from msgarch.output.report import Report
from msgarch.textsafe import block, line


def _xml_text(text: str) -> str:
    """XML 1.0 allows TAB, LF, CR and no other C0 control; `block` keeps TAB and LF only."""
    return block(text).replace("\ufffe", "\ufffd").replace("\uffff", "\ufffd")


def _case(d: Diagnostic, classname: str) -> ET.Element:
    attrs = {"name": f"{d.code} {d.name}", "classname": classname}
    if d.span is not None:
        attrs.update(file=line(d.span.path), line=str(d.span.line))
    case = ET.Element("testcase", attrs)
    where = f"{d.span.path}:{d.span.line}:{d.span.column}: " if d.span else ""
    failure = ET.SubElement(case, "failure", {"type": d.severity.label, "message": line(d.message)})
    failure.text = _xml_text(f"{where}{d.code} [{d.severity.label}] {d.message}"
                             + (f"\nhint: {d.hint}" if d.hint else ""))
    return case


def render(report: Report, colour: bool = False, with_statistics: bool = False) -> str:
    by_file: dict[str, list[Diagnostic]] = {path: [] for path in sorted(report.sources)}
    for d in report.diagnostics:
        by_file.setdefault(d.span.path if d.span else "msgarch", []).append(d)
    root = ET.Element("testsuites", {"name": "msgarch", "tests": "0", "failures": "0", "errors": "0"})
    tests = failures = 0
    for path, findings in by_file.items():
        classname = line(path)
        suite = ET.SubElement(root, "testsuite", {
            "name": classname, "tests": str(max(1, len(findings))), "failures": str(len(findings)),
            "errors": "0", "skipped": "0"})
        if findings:
            suite.extend(_case(d, classname) for d in findings)
        else:
            ET.SubElement(suite, "testcase", {"name": "no problems", "classname": classname, "file": classname})
        tests += max(1, len(findings))
        failures += len(findings)
    if not by_file:
        suite = ET.SubElement(root, "testsuite", {"name": "msgarch", "tests": "1", "failures": "0",
                                                   "errors": "0", "skipped": "0"})
        ET.SubElement(suite, "testcase", {"name": "no files", "classname": "msgarch"})
        tests = 1
    root.set("tests", str(tests))
    root.set("failures", str(failures))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
