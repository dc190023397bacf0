"""The wheel carries the grammar (kept in grammar/ at the top of the repository, installed as
the package msgarch.grammar), the profile schema and every built-in profile; installed from
the wheel alone, msgarch parses, caches its compiled grammar and lints."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

import pytest

from tests.conftest import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
                   check=True, capture_output=True)
    (built,) = out.glob("msgarch-*.whl")
    return built


def test_wheel_ships_grammar_and_profiles(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "msgarch/grammar/msgarch.lark" in names and "msgarch/grammar/__init__.py" in names
    assert not any(n.startswith("grammar/") for n in names)  # mapped into the package, not a top-level one
    assert "msgarch/brokers/profile.schema.json" in names
    assert len([n for n in names if n.startswith("msgarch/brokers/profiles/") and n.endswith(".json")]) == 25
    assert {"msgarch/brokers/transports/websocket.json", "msgarch/brokers/transports/http-stream.json"} <= names
    assert any(n.endswith("entry_points.txt") for n in names)
    assert (ROOT / "grammar" / "msgarch.lark").is_file() and not (ROOT / "msgarch" / "grammar").exists()


@pytest.mark.slow
def test_installed_wheel_parses_caches_and_lints(wheel, tmp_path):
    """A fresh virtualenv with the wheel (its dependencies from this environment's site
    packages): the grammar is found in the package, compiled once into the user cache,
    loaded from it the second time, and the result is the same."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    with zipfile.ZipFile(wheel) as archive:  # what pip does with a pure wheel: unpack into site-packages
        archive.extractall(site)
    deps = subprocess.run([sys.executable, "-c", "import lark, os; print(os.path.dirname(os.path.dirname(lark.__file__)))"],
                          capture_output=True, text=True, check=True).stdout.strip()
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "PYTHONPATH": deps}  # dependencies only: msgarch itself must come from the wheel
    work = tmp_path / "work"
    work.mkdir()
    (work / "a.msgarch").write_text((ROOT / "examples" / "order-platform.msgarch").read_text(encoding="utf-8"))
    where = subprocess.run([str(python), "-c", "import msgarch, msgarch.grammar; print(msgarch.__file__); "
                            "print(msgarch.grammar.__file__)"], cwd=work, env=env, capture_output=True, text=True)
    assert where.returncode == 0, where.stderr
    assert all(line.startswith(site) for line in where.stdout.split()), where.stdout
    first = subprocess.run([str(python), "-m", "msgarch", "lint", "a.msgarch", "--format", "concise"], cwd=work,
                           env=env, capture_output=True, text=True)
    assert first.returncode == 0 and "Found 7 problems" in first.stdout, first.stderr
    cached = list((tmp_path / "cache" / "msgarch").glob("grammar-*.pickle"))
    assert len(cached) == 1
    again = subprocess.run([str(python), "-m", "msgarch", "lint", "a.msgarch", "--format", "concise"], cwd=work,
                           env=env, capture_output=True, text=True)
    assert again.stdout == first.stdout
    assert list((tmp_path / "cache" / "msgarch").glob("grammar-*.pickle")) == cached


def test_gen_grammar_works_on_the_top_level_grammar():
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_grammar.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
