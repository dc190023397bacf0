"""The shipped pre-commit hook, run by the real pre-commit (`pre-commit try-repo`).

The hook repository is a temporary git repository holding a copy of this project (so the
test sees the working tree, committed or not); the checked repository is another one.
pre-commit installs msgarch into its own virtualenv from the copy, once per test session.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
import yaml

from tests.conftest import GIT, ROOT

pytestmark = pytest.mark.skipif(shutil.which("pre-commit") is None or shutil.which("git") is None,
                                reason="needs pre-commit and git")


CLEAN_ROOT = """\
use "flows.msgarch"

broker bus : rabbitmq
component web { instances 2  capacity 100/s }
component orders { instances 2  capacity 100/s  idempotent }
message PlaceOrder { size 1KB }
"""
CLEAN_FLOWS = """\
flow web -> orders : PlaceOrder {
  via bus
  pattern queue
  rate 10/s
}
"""
BROKEN_FLOWS = CLEAN_FLOWS.replace("web -> orders", "web -> order")


def _git(*args: str, cwd: Path) -> None:
    subprocess.run([*GIT, *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="session")
def hook_repo(project_clone) -> Path:
    """A git repository with this project's files as they are now, committed."""
    return project_clone[0]


def _target(tmp_path: Path, files: dict[str, str]) -> Path:
    repo = tmp_path / "project"
    repo.mkdir()
    for name, text in files.items():
        (repo / name).write_text(textwrap.dedent(text), encoding="utf-8")
    _git("init", "-q", cwd=repo)
    _git("add", "-A", cwd=repo)
    return repo


def _try_repo(target: Path, hook_repo: Path, home: Path, *extra: str, hook: str = "msgarch-lint"
              ) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PRE_COMMIT", "GIT_"))}
    env.update(PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never")
    return subprocess.run(["pre-commit", "try-repo", str(hook_repo), hook, "--color", "never", *extra],
                          cwd=target, env=env, capture_output=True, text=True, timeout=900)


def test_manifest_declares_the_lint_hook():
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = next(h for h in hooks if h["id"] == "msgarch-lint")
    assert hook["files"] == r"\.msgarch$"
    assert hook["pass_filenames"] is False  # the whole model, even when one included file changed
    assert hook["language"] == "python"


def test_a_clean_model_passes(tmp_path, hook_repo, pre_commit_home):
    target = _target(tmp_path, {"arch.msgarch": CLEAN_ROOT, "flows.msgarch": CLEAN_FLOWS})
    done = _try_repo(target, hook_repo, pre_commit_home, "--all-files")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "msgarch lint" in done.stdout and "Passed" in done.stdout


def test_a_model_with_errors_fails(tmp_path, hook_repo, pre_commit_home):
    target = _target(tmp_path, {"arch.msgarch": CLEAN_ROOT, "flows.msgarch": BROKEN_FLOWS})
    done = _try_repo(target, hook_repo, pre_commit_home, "--all-files")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Failed" in done.stdout
    assert "S001" in done.stdout and "'order' is not declared" in done.stdout


def test_only_the_included_file_changed_lints_the_whole_model(tmp_path, hook_repo, pre_commit_home):
    """flows.msgarch alone names undeclared things; linted as part of arch.msgarch it is clean."""
    target = _target(tmp_path, {"arch.msgarch": CLEAN_ROOT, "flows.msgarch": CLEAN_FLOWS})
    done = _try_repo(target, hook_repo, pre_commit_home, "--files", "flows.msgarch")
    assert done.returncode == 0, done.stdout + done.stderr
    (target / "flows.msgarch").write_text(BROKEN_FLOWS, encoding="utf-8")
    done = _try_repo(target, hook_repo, pre_commit_home, "--files", "flows.msgarch")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "flows.msgarch" in done.stdout and "S001" in done.stdout


def test_the_hook_skips_commits_without_msgarch_files(tmp_path, hook_repo, pre_commit_home):
    target = _target(tmp_path, {"arch.msgarch": CLEAN_ROOT.replace("use", "usse"), "notes.txt": "hello\n"})
    done = _try_repo(target, hook_repo, pre_commit_home, "--files", "notes.txt")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no files to check" in done.stdout.lower()


def test_the_hook_lists_what_fails_and_counts_the_rest(tmp_path, hook_repo, pre_commit_home):
    """`--quiet` in the shipped hook: the error is shown, the info findings are counted."""
    noisy = CLEAN_ROOT.replace("  idempotent }", " }") + "component lonely\n"
    target = _target(tmp_path, {"arch.msgarch": noisy, "flows.msgarch": BROKEN_FLOWS})
    done = _try_repo(target, hook_repo, pre_commit_home, "--all-files")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "S001 [error]" in done.stdout
    assert "[warning]" not in done.stdout and "[info]" not in done.stdout
    assert re.search(r"^Not shown: \d+ warnings?(, \d+ info)? below error", done.stdout, re.M), done.stdout


# --- msgarch-fmt ---------------------------------------------------------------------

MESSY = "component web{instances 2;capacity 100/s}  # the storefront\nmessage PlaceOrder{size 1KB}\n"
TIDY = "component web { instances 2  capacity 100/s }  # the storefront\nmessage PlaceOrder { size 1KB }\n"


def test_manifest_declares_the_fmt_hook():
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = next(h for h in hooks if h["id"] == "msgarch-fmt")
    assert hook["files"] == r"\.msgarch$" and hook["entry"] == "msgarch fmt"
    assert hook.get("pass_filenames", True) is True  # the staged files, one by one


def test_the_fmt_hook_rewrites_then_passes(tmp_path, hook_repo, pre_commit_home):
    target = _target(tmp_path, {"arch.msgarch": MESSY, "tidy.msgarch": TIDY})
    done = _try_repo(target, hook_repo, pre_commit_home, "--all-files", hook="msgarch-fmt")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "msgarch fmt" in done.stdout and "Failed" in done.stdout and "files were modified" in done.stdout
    assert (target / "arch.msgarch").read_text(encoding="utf-8") == TIDY
    _git("add", "-A", cwd=target)
    done = _try_repo(target, hook_repo, pre_commit_home, "--all-files", hook="msgarch-fmt")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Passed" in done.stdout


def test_the_fmt_hook_leaves_a_broken_file_alone(tmp_path, hook_repo, pre_commit_home):
    broken = "component web {\n  instances 2\n"
    target = _target(tmp_path, {"arch.msgarch": broken})
    done = _try_repo(target, hook_repo, pre_commit_home, "--all-files", hook="msgarch-fmt")
    assert done.returncode == 1, done.stdout + done.stderr  # pre-commit reports any failure as 1
    assert "arch.msgarch:2:14: error:" in done.stdout and "[E001]" in done.stdout
    assert (target / "arch.msgarch").read_text(encoding="utf-8") == broken
