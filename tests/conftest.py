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
