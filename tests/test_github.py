"""`msgarch lint --format github`: workflow-command annotations with the toolkit's escaping
and GitHub's per-step limit of 10 annotations of each kind."""

from __future__ import annotations

import re

from msgarch.diagnostics import Diagnostic, Severity, Span
from msgarch.output.github import PER_KIND, command, escape_data, escape_property, render
from msgarch.output.report import Report


def test_escaping_follows_the_actions_toolkit():
    assert escape_data("50% of a\r\nb: c, d") == "50%25 of a%0D%0Ab: c, d"
    assert escape_property("50% of a\r\nb: c, d") == "50%25 of a%0D%0Ab%3A c%2C d"
    assert command("error", {"file": "a,b:c.msgarch", "line": 3, "title": "S001 x"}, "m\n%") == \
        "::error file=a%2Cb%3Ac.msgarch,line=3,title=S001 x::m%0A%25"
    assert command("notice", {}, "plain") == "::notice::plain"


def _diagnostic(i: int, severity: Severity, path: str = "arch.msgarch") -> Diagnostic:
    return Diagnostic("S001", "unknown-reference", severity, f"problem {i}: a, b",
                      Span(path, i + 1, 2, i + 1, 9), hint="fix it")


def test_one_annotation_per_finding_with_location_and_title(tmp_path):
    report = Report((_diagnostic(0, Severity.ERROR),), 1)
    lines = render(report, root=str(tmp_path)).splitlines()
    assert lines[0] == ("::error file=arch.msgarch,line=1,col=2,endLine=1,endColumn=9,"
                        "title=S001 unknown-reference::problem 0: a, b%0Ahint: fix it")
    assert lines[-1].startswith("Found 1 problem")


def test_paths_are_relative_to_the_repository_root(tmp_path, monkeypatch):
    (tmp_path / "arch").mkdir()
    monkeypatch.chdir(tmp_path / "arch")
    report = Report((_diagnostic(0, Severity.WARNING, "shop.msgarch"),), 1)
    assert render(report, root=str(tmp_path)).startswith("::warning file=arch/shop.msgarch,")


def test_at_most_ten_of_each_kind_and_a_notice_for_the_rest(tmp_path):
    diagnostics = tuple([_diagnostic(i, Severity.ERROR) for i in range(13)]
                        + [_diagnostic(20 + i, Severity.WARNING) for i in range(4)]
                        + [_diagnostic(40 + i, Severity.INFO) for i in range(12)])
    lines = render(Report(diagnostics, 1), root=str(tmp_path)).splitlines()
    kinds = [re.match(r"::(\w+)", line).group(1) for line in lines if line.startswith("::")]
    assert kinds.count("error") == PER_KIND
    assert kinds.count("warning") == 4
    assert kinds.count("notice") == PER_KIND  # 9 findings + the closing summary
    summary = [line for line in lines if line.startswith("::notice title=msgarch%3A")]
    assert len(summary) == 1
    assert "6 more findings (3 error, 3 info)" in summary[0]
    assert "arch.msgarch:11:2: S001 [error] problem 10%3A a, b" not in summary[0]  # data, not property escaping
    assert "arch.msgarch:11:2: S001 [error] problem 10: a, b" in summary[0]
    assert lines[-1].startswith("Found 29 problems")


def test_no_summary_when_everything_fits(tmp_path):
    diagnostics = tuple(_diagnostic(i, Severity.INFO) for i in range(PER_KIND))
    lines = render(Report(diagnostics, 1), root=str(tmp_path)).splitlines()
    assert sum(line.startswith("::notice") for line in lines) == PER_KIND
    assert not any("more findings" in line for line in lines)


def test_cli_format_github(write, run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write("a.msgarch", "component a\nflow a -> b : M\n")
    result = run("lint", "--format", "github", "a.msgarch")
    assert result.exit_code == 1
    assert any(line.startswith("::error file=a.msgarch,line=2,") for line in result.output.splitlines())
