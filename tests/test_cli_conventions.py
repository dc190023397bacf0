"""The command-line conventions of ruff and Spectral (issue 14, items 2 and 3): quiet
output, output files, colour, default path, stdin file names, statistics, did-you-mean,
shell completion, one error style, JUnit and GitLab formats, SARIF links, `msgarch config`."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from tests.conftest import ROOT

ANSI = re.compile(r"\x1b\[[0-9;]*m")

#: one error (C301) and several info findings: the shape that buried an error in pre-commit
MIXED = """\
system "Checkout" { headroom 70% }
broker events : kafka { nodes 3  replication 3 }
component web      { instances 2 }
component payments { instances 2  capacity 150/s }
message ChargeCard { size 2KB }
flow web -> payments : ChargeCard {
  via events
  pattern queue
  rate 120/s
  peak 400/s
  delivery at-least-once
}
"""


def msgarch(*args, cwd=None, env=None, input=None):
    """msgarch as its own process (a pipe, not a terminal), as a hook or CI runs it."""
    return subprocess.run([sys.executable, "-m", "msgarch", *map(str, args)], cwd=cwd, input=input,
                          capture_output=True, text=True, timeout=120,
                          env={**{k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")},
                               "PYTHONPATH": str(ROOT), **(env or {})})


@pytest.fixture
def mixed(write):
    return write("checkout.msgarch", MIXED)


# -- item 2: quiet output ---------------------------------------------------------------------

def test_quiet_lists_what_fails_and_counts_the_rest(run, mixed):
    full = run("lint", mixed)
    assert full.exit_code == 1 and "[info]" in full.output
    quiet = run("lint", "-q", mixed)
    assert quiet.exit_code == 1
    assert "C301 [error]" in quiet.output and "[info]" not in quiet.output
    last = quiet.output.splitlines()
    hidden = sum(1 for line in full.output.splitlines() if re.match(r"\S+:\d+:\d+: \w+ \[info\]", line))
    assert last[-2] == full.output.splitlines()[-1]  # the same closing count as without --quiet
    assert last[-1] == f"Not shown: {hidden} info below error (`--show info` lists every finding)."
    assert run("lint", "--quiet", "--show", "info", mixed).output == full.output


def test_quiet_follows_fail_on_and_show_alone_filters(run, mixed):
    quiet = run("lint", "-q", "--fail-on", "info", mixed, "--format", "concise")
    assert "[info]" in quiet.output and "Not shown" not in quiet.output
    shown = run("lint", "--show", "error", mixed, "--format", "concise")
    assert shown.exit_code == 1
    assert [line for line in shown.output.splitlines() if "[" in line and ":" in line][0].count("C301") == 1
    assert "Not shown:" in shown.output


def test_quiet_keeps_machine_formats_whole(run, mixed):
    full = json.loads(run("lint", mixed, "--format", "json").output)
    quiet = json.loads(run("lint", "-q", mixed, "--format", "json").output)
    assert quiet == full


def test_shipped_hook_is_quiet():
    import yaml

    hook = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))[0]
    assert hook["entry"].split()[-1] in ("--quiet", "-q")


# -- item 3: options ----------------------------------------------------------------------------

def test_output_file(run, mixed, tmp_path):
    out = tmp_path / "report.sarif"
    result = run("lint", mixed, "--format", "sarif", "-o", out)
    assert result.exit_code == 1 and result.output == ""
    assert json.loads(out.read_text(encoding="utf-8"))["version"] == "2.1.0"
    result = run("lint", mixed, "--output-file", mixed)
    assert result.exit_code == 2 and "it is an input of this run" in result.output
    assert mixed.read_text(encoding="utf-8") == MIXED


@pytest.mark.parametrize("fmt", ["text", "concise"])
def test_colour_choices(mixed, fmt):
    assert ANSI.search(msgarch("lint", mixed, "--format", fmt, "--color", "always").stdout)
    assert not ANSI.search(msgarch("lint", mixed, "--format", fmt).stdout)  # a pipe: auto means none
    assert ANSI.search(msgarch("lint", mixed, "--format", fmt, env={"FORCE_COLOR": "1"}).stdout)
    assert not ANSI.search(msgarch("lint", mixed, "--format", fmt, env={"FORCE_COLOR": "1", "NO_COLOR": "1"}).stdout)
    assert not ANSI.search(msgarch("lint", mixed, "--format", fmt, "--color", "never",
                                   env={"FORCE_COLOR": "1"}).stdout)
    coloured = msgarch("lint", mixed, "--format", fmt, "--color", "always").stdout
    assert ANSI.sub("", coloured) == msgarch("lint", mixed, "--format", fmt).stdout


def test_colour_in_an_output_file_only_when_asked(mixed, tmp_path):
    msgarch("lint", mixed, "-o", tmp_path / "a.txt", env={"FORCE_COLOR": "1"})
    assert not ANSI.search((tmp_path / "a.txt").read_text(encoding="utf-8"))
    msgarch("lint", mixed, "-o", tmp_path / "b.txt", "--color", "always")
    assert ANSI.search((tmp_path / "b.txt").read_text(encoding="utf-8"))


def test_default_path_is_the_current_directory(mixed, tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "other.msgarch").write_text("component lonely\n", encoding="utf-8")
    done = msgarch("lint", "--format", "concise", cwd=tmp_path)
    assert done.returncode == 1
    assert "checkout.msgarch:" in done.stdout and "other.msgarch:1:1: S003" in done.stdout
    assert done.stdout == msgarch("lint", ".", "--format", "concise", cwd=tmp_path).stdout
    assert msgarch("check", cwd=tmp_path).returncode == 0


def test_stdin_filename(write, tmp_path):
    write("arch/flows.msgarch", "flow web -> payments : ChargeCard { via events  pattern queue  rate 1/s }\n")
    write("pyproject.toml", '[tool.msgarch]\nper-file-ignores = { "arch/root.msgarch" = ["S003"] }\n')
    source = 'use "flows.msgarch"\nbroker events : kafka\ncomponent web\ncomponent payments\n' \
             'component lonely\nmessage ChargeCard { size 1KB }\n'
    done = msgarch("lint", "--stdin-filename", "arch/root.msgarch", "--format", "concise", "-", cwd=tmp_path,
                   input=source)
    assert done.returncode in (0, 1), done.stderr
    assert "arch/root.msgarch:" in done.stdout and "-:" not in done.stdout  # named, includes resolved
    assert "S003" not in done.stdout  # per-file-ignores matched the name
    plain = msgarch("lint", "--format", "concise", "-", cwd=tmp_path, input=source)
    assert plain.returncode == 2 and "flows.msgarch" in plain.stdout  # `-` resolves includes from .
    alone = msgarch("lint", "--stdin-filename", "arch/root.msgarch", "--format", "concise", cwd=tmp_path,
                    input=source)
    assert alone.stdout == done.stdout  # no path: stdin, when it has a name


def test_statistics_prints_only_counts(run, mixed):
    for fmt in ("text", "concise"):
        out = run("lint", mixed, "--statistics", "--format", fmt).output.splitlines()
        assert out[-1].startswith("Found ")
        assert all(re.fullmatch(r" *\d+  [A-Z]\d{3}  [a-z-]+", line) for line in out[:-1]), out
        assert any(" C301  " in line for line in out)


def test_did_you_mean_for_a_command(run):
    result = run("lnt")
    assert result.exit_code == 2 and "No such command 'lnt'. Did you mean 'lint'?" in result.output
    result = run("zzzz")
    assert result.exit_code == 2 and "Did you mean" not in result.output


def _complete(words: str, env_extra=None) -> list[str]:
    cword = len(words.split()) - (0 if words.endswith(" ") else 1)
    done = msgarch(env={"_MSGARCH_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(cword),
                        **(env_extra or {})})
    return [line.split(",", 1)[1] for line in done.stdout.splitlines() if "," in line]


def test_completion_of_broker_kinds_rule_codes_and_selectors():
    assert _complete("msgarch broker rabb") == ["rabbitmq", "rabbitmq-quorum", "rabbitmq-stream"]
    codes = _complete("msgarch rule C30")
    assert codes and all(c.startswith("C30") for c in codes) and "C301" in codes
    assert "lint" in _complete("msgarch li")
    assert "B203" in _complete("msgarch lint --select B20")
    assert "S001,B203" in _complete("msgarch lint --ignore S001,B20")
    assert "no-priority" in _complete("msgarch lint --select no-pr")


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_documented_bash_completion_works_in_bash(tmp_path):
    """The README's line, sourced by a real bash, completes through its function."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    line = next(ln for ln in readme.splitlines() if "_MSGARCH_COMPLETE=bash_source" in ln)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "msgarch").write_text(f"#!/bin/sh\nexec {sys.executable} -m msgarch \"$@\"\n")
    (bindir / "msgarch").chmod(0o755)
    script = (f"{line.split('#')[0].strip()}\n"
              "COMP_WORDS=(msgarch broker kaf); COMP_CWORD=2; _msgarch_completion msgarch\n"
              'printf "%s\\n" "${COMPREPLY[@]}"\n')
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PATH": f"{bindir}:{os.environ['PATH']}", "PYTHONPATH": str(ROOT)})
    assert done.stdout.split() == ["kafka"], done.stderr


def test_render_to_stdout(write):
    path = write("a.msgarch", MIXED)
    done = msgarch("render", path, "-o", "-", "--format", "mmd")
    assert done.returncode == 0 and "\nflowchart " in done.stdout, done.stderr
    done = msgarch("render", path, "-o", "-")
    assert done.returncode == 0 and "\ndigraph msgarch {" in done.stdout, done.stderr
    assert msgarch("render", path, "-o", "-", "--format", "png").returncode == 2


@pytest.mark.parametrize("source", ["component {\n", None])
def test_one_error_style_across_commands(write, tmp_path, source):
    path = write("bad.msgarch", source) if source else tmp_path / "missing.msgarch"
    lint = msgarch("lint", path)
    assert lint.returncode == 2
    for command in (["render", path, "-o", tmp_path / "x.svg"], ["plan", path], ["recommend", path]):
        done = msgarch(*command)
        assert done.returncode == 2
        assert done.stderr == lint.stdout, command
    if source is None:
        assert lint.stdout.splitlines()[-1] == ("Found 1 problem (1 error, 0 warnings, 0 info); "
                                                "no file could be read.")


def test_junit_read_by_a_junit_parser(run, mixed, write, tmp_path):
    junitparser = pytest.importorskip("junitparser", reason="pip install -e '.[test]' installs junitparser")
    write("clean.msgarch", "broker b : rabbitmq\ncomponent a\ncomponent c { idempotent }\n"
          "message M { size 1KB }\nflow a -> c : M { via b  pattern queue }\n")
    result = run("lint", tmp_path, "--format", "junit")
    out = tmp_path / "junit.xml"
    out.write_text(result.output, encoding="utf-8")
    findings = json.loads(run("lint", tmp_path, "--format", "json").output)["findings"]
    xml = junitparser.JUnitXml.fromfile(str(out))
    suites = {suite.name: suite for suite in xml}
    assert set(suites) == {str(mixed), str(tmp_path / "clean.msgarch")}
    cases = [case for case in suites[str(mixed)]]
    assert len(cases) == len([f for f in findings if f["path"] == str(mixed)])
    assert all(not case.is_passed for case in cases)
    assert {case.result[0].type for case in cases} >= {"error", "info"}
    assert any(case.name.startswith("C301 ") for case in cases)
    clean = list(suites[str(tmp_path / "clean.msgarch")])
    assert (len(clean) == 1 and clean[0].is_passed) or all(not c.is_passed for c in clean)
    root = ET.fromstring(result.output.encode())
    assert int(root.get("failures")) == len(findings)


def test_junit_neutralises_control_characters(run, write):
    path = write("a.msgarch", "component lonely # \u202e note\n")
    result = run("lint", path, "--format", "junit")
    ET.fromstring(result.output.encode())  # well-formed whatever the input


#: The Code Climate issue (https://github.com/codeclimate/platform/blob/master/spec/analyzers/SPEC.md#issues)
#: with the fields GitLab requires of a Code Quality report (description, check_name,
#: fingerprint, severity, location.path, location.lines.begin).
CODE_CLIMATE_ISSUE = {
    "type": "object",
    "required": ["type", "check_name", "description", "categories", "location", "severity", "fingerprint"],
    "properties": {
        "type": {"const": "issue"},
        "check_name": {"type": "string", "minLength": 1},
        "description": {"type": "string", "minLength": 1},
        "content": {"type": "object", "required": ["body"], "properties": {"body": {"type": "string"}}},
        "categories": {"type": "array", "minItems": 1, "uniqueItems": True, "items": {"enum": [
            "Bug Risk", "Clarity", "Compatibility", "Complexity", "Duplication", "Performance",
            "Security", "Style"]}},
        "location": {"type": "object", "required": ["path", "lines"], "properties": {
            "path": {"type": "string", "minLength": 1, "not": {"pattern": "^/"}},
            "lines": {"type": "object", "required": ["begin"], "properties": {
                "begin": {"type": "integer", "minimum": 1}, "end": {"type": "integer", "minimum": 1}}}}},
        "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
        "fingerprint": {"type": "string", "minLength": 1},
    },
}


def test_gitlab_code_quality_fields(run, mixed, tmp_path, monkeypatch):
    import jsonschema

    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    issues = json.loads(run("lint", "checkout.msgarch", "--format", "gitlab").output)
    jsonschema.validate(issues, {"type": "array", "items": CODE_CLIMATE_ISSUE})
    findings = json.loads(run("lint", "checkout.msgarch", "--format", "json").output)["findings"]
    assert len(issues) == len(findings)
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    c301 = next(i for i in issues if i["check_name"] == "C301")
    assert c301["severity"] == "major" and c301["location"] == {"path": "checkout.msgarch",
                                                                  "lines": {"begin": 4, "end": 4}}
    moved = tmp_path / "checkout.msgarch"
    moved.write_text("\n\n" + MIXED, encoding="utf-8")
    again = json.loads(run("lint", "checkout.msgarch", "--format", "gitlab").output)
    assert [i["fingerprint"] for i in again] == [i["fingerprint"] for i in issues]  # lines moved, same ids


def _github_slug(heading: str) -> str:
    return re.sub(r"[^a-z0-9 _-]", "", heading.strip().lower()).replace(" ", "-")


def test_sarif_rules_link_to_their_docs_page(run, mixed):
    from msgarch.links import REPOSITORY

    driver = json.loads(run("lint", mixed, "--format", "sarif").output)["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == REPOSITORY and "pypi" not in driver["informationUri"]
    prefix = f"{REPOSITORY}/blob/main/"
    for rule in driver["rules"]:
        uri = rule["helpUri"]
        assert uri.startswith(prefix), uri
        page, _, anchor = uri[len(prefix):].partition("#")
        text = (ROOT / page).read_text(encoding="utf-8")
        slugs = {_github_slug(line.lstrip("#")) for line in text.splitlines() if line.startswith("#")}
        assert anchor in slugs, (rule["id"], uri)


# -- msgarch config (issue 13, item 7) ---------------------------------------------------------

def test_config_command_names_the_file_and_its_settings(tmp_path):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "arch").mkdir()
    (repo / "arch" / "a.msgarch").write_text(MIXED, encoding="utf-8")
    (tmp_path / ".msgarch.toml").write_text('fail-on = "never"\n', encoding="utf-8")  # above the repository
    done = msgarch("config", "arch", cwd=repo)
    assert done.returncode == 0
    assert done.stdout.startswith("configuration: none")
    assert f"the root of the repository (.git)" in done.stdout and "fail-on: error" in done.stdout
    (repo / "pyproject.toml").write_text('[tool.msgarch]\nfail-on = "warning"\nignore = ["C305"]\n',
                                         encoding="utf-8")
    done = msgarch("config", "arch/a.msgarch", cwd=repo)
    assert done.stdout.splitlines()[0] == f"configuration: {repo / 'pyproject.toml'}"
    assert "fail-on: warning" in done.stdout and "ignore: C305" in done.stdout
    data = json.loads(msgarch("config", "--format", "json", cwd=repo).stdout)
    assert data["file"] == str(repo / "pyproject.toml") and "C305" not in data["rules_enabled"]
    verbose = msgarch("lint", "-v", "arch", cwd=repo)
    assert f"msgarch: configuration: '{repo / 'pyproject.toml'}'" in verbose.stderr
    (repo / "pyproject.toml").unlink()
    verbose = msgarch("lint", "-v", "arch", cwd=repo)
    assert "none found (stopped at" in verbose.stderr and "root of the repository" in verbose.stderr


def test_config_command_reports_a_bad_file(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".msgarch.toml").write_text('fial-on = "error"\n', encoding="utf-8")
    done = msgarch("config", cwd=tmp_path)
    assert done.returncode == 2 and "did you mean 'fail-on'" in done.stderr and "[E004]" in done.stderr
