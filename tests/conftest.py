"""Shared test helpers: write models to temporary files, run the CLI in-process."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from msgarch.cli.main import cli

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
EXAMPLES = ROOT / "examples"


@pytest.fixture
def write(tmp_path):
    """write("a.msgarch", source) -> path of a file with dedented source."""

    def _write(name: str, source: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")
        return path

    return _write


@pytest.fixture
def run():
    """run(*args, input=None) -> click Result (exit_code, output)."""

    def _run(*args, input=None):
        return CliRunner().invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)

    return _run


def pytest_addoption(parser):
    parser.addoption("--update-goldens", action="store_true", default=False,
                     help="Rewrite golden files (tests/golden/) from the current output instead of comparing.")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes more than a few seconds (still runs in CI)")


@pytest.fixture
def update_goldens(request) -> bool:
    """True when the run was started with --update-goldens."""
    return request.config.getoption("--update-goldens")


GIT = ["git", "-c", "user.name=msgarch tests", "-c", "user.email=tests@example.invalid",
       "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"]

#: what a clone of this repository holds, less what a test run adds
_NOT_IN_A_CLONE = ("__pycache__", "*.egg-info", ".pytest_cache", ".hypothesis", "*.pyc", ".git", ".cache",
                   "build", "dist")


@pytest.fixture(scope="session")
def project_clone(tmp_path_factory):
    """A git repository holding this project's files as they are now (committed or not),
    committed: what `git clone` of this repository gives. Returns (path, commit sha)."""
    import shutil
    import subprocess

    repo = tmp_path_factory.mktemp("clone") / "msgarch"
    shutil.copytree(ROOT, repo, ignore=shutil.ignore_patterns(*_NOT_IN_A_CLONE))
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "snapshot for the tests"]):
        subprocess.run([*GIT, *args], cwd=repo, check=True, capture_output=True)
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, check=True, capture_output=True,
                         text=True).stdout.strip()
    return repo, sha


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory):
    """One pre-commit cache for the session: msgarch is installed into it once per clone."""
    return tmp_path_factory.mktemp("pre-commit-home")
