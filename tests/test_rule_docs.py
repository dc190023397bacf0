"""docs/rules/*.md and the matrix in docs/brokers.md stay in step with the code that generates them."""

from __future__ import annotations

import importlib.util
import inspect

from msgarch.lint.registry import RULES

from conftest import ROOT

_spec = importlib.util.spec_from_file_location("gen_rule_docs", ROOT / "scripts" / "gen_rule_docs.py")
gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen)


def test_generated_docs_are_in_step():
    stale = gen.stale(gen.generate())
    assert not stale, f"out of step with the docstrings or profiles: {stale}; run `python scripts/gen_rule_docs.py`"


def test_every_registered_rule_has_a_section_on_its_family_page():
    pages = gen.rule_pages()
    for rule in RULES:
        page = pages[str(ROOT / "docs" / "rules" / f"{rule.code[0]}.md")]
        assert f"## {rule.code} {rule.name}" in page
        assert f"Default severity: **{rule.severity.label}**" in page


def test_every_rule_docstring_has_failing_and_passing_examples():
    for rule in RULES:
        doc = inspect.cleandoc(rule.__doc__ or "")
        assert "\nFails:" in doc and "\nPasses:" in doc, rule.code


def test_docstring_examples_become_fenced_blocks():
    doc = """Title line.

    Why: because.

    Fails:

        broker a : kafka
        flow x -> y : M { via a }

    Passes:

        flow x -> y : M
    """
    assert gen._docstring_markdown(doc) == [
        "Title line.", "", "Why: because.", "", "**Fails:**", "",
        "```msgarch", "broker a : kafka", "flow x -> y : M { via a }", "```", "",
        "**Passes:**", "", "```msgarch", "flow x -> y : M", "```",
    ]


def test_check_mode_reports_a_stale_page(tmp_path, monkeypatch):
    monkeypatch.setattr(gen, "RULES_DIR", str(tmp_path))
    monkeypatch.setattr(gen, "BROKERS_DOC", str(tmp_path / "brokers.md"))
    assert gen.main(["--check"]) == 1
    assert gen.main([]) == 0
    assert gen.main(["--check"]) == 0
    (tmp_path / "B.md").write_text("edited by hand\n", encoding="utf-8")
    assert gen.main(["--check"]) == 1
