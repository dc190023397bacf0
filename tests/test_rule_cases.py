"""One generic test over the YAML case files in tests/rules/: failing and passing cases per rule."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from msgarch import api
from msgarch.lint.config import Config
from msgarch.lint.registry import RULES

CASES_DIR = Path(__file__).parent / "rules"


def _cases():
    for path in sorted(CASES_DIR.glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in document["cases"]:
            yield pytest.param(document["rule"], case, id=f"{path.stem}-{case['name']}")


@pytest.mark.parametrize(("code", "case"), list(_cases()))
def test_rule_case(tmp_path, code, case):
    for name, text in (case.get("files") or {}).items():
        (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    root = tmp_path / "case.msgarch"
    root.write_text(textwrap.dedent(case["source"]), encoding="utf-8")
    report = api.lint([str(root)], Config(select=tuple(case.get("select", [code]))))
    assert not [d for d in report.diagnostics if d.is_input_error], report.diagnostics
    found = [d for d in report.diagnostics if d.code == code]
    assert len(found) == case["expect"], [d.message for d in found]
    for fragment in case.get("contains", []):
        assert any(fragment in d.message or fragment in d.hint for d in found), (fragment, [d.message for d in found])
    if "line" in case:
        assert found[0].span.line == case["line"]
    if "severity" in case:
        assert all(d.severity.label == case["severity"] for d in found)


def test_every_rule_has_failing_and_passing_cases():
    covered: dict[str, set[bool]] = {}
    for path in CASES_DIR.glob("*.yaml"):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in document["cases"]:
            covered.setdefault(document["rule"], set()).add(case["expect"] > 0)
    missing = [r.code for r in RULES if covered.get(r.code) != {True, False}]
    assert not missing, f"rules without both a failing and a passing case: {missing}"
