"""The VS Code extension under editors/vscode: its grammar (generated, and tested with
vscode-tmgrammar-test on annotated fixtures) and its packaging with @vscode/vsce.

The npm tools are installed by the test into a cache directory (MSGARCH_NPM_CACHE, else
~/.cache/msgarch-test/npm); without npm the tests that need it skip, saying how to run them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXTENSION = ROOT / "editors" / "vscode"
GRAMMAR = EXTENSION / "syntaxes" / "msgarch.tmLanguage.json"
TOOLS = {"@vscode/vsce": "3.9.2", "vscode-tmgrammar-test": "0.1.3"}


def cache_dir() -> Path:
    return Path(os.environ.get("MSGARCH_NPM_CACHE") or Path.home() / ".cache" / "msgarch-test" / "npm")


@pytest.fixture(scope="module")
def npm_bin() -> Path:
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("needs npm to run vsce and vscode-tmgrammar-test: apt-get install -y npm "
                    "(scripts/test.sh installs it)")
    prefix = cache_dir()
    marker = prefix / f"installed-{'-'.join(f'{k}@{v}' for k, v in TOOLS.items()).replace('/', '_')}"
    if not marker.exists():
        prefix.mkdir(parents=True, exist_ok=True)
        done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefix", str(prefix),
                               *(f"{k}@{v}" for k, v in TOOLS.items())],
                              capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            pytest.skip(f"could not install {', '.join(TOOLS)} with npm (offline?): {done.stderr[-500:]}")
        marker.write_text("ok\n")
    return prefix / "node_modules" / ".bin"


def test_grammar_is_what_the_generator_writes():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import gen_vscode_grammar
    finally:
        sys.path.pop(0)
    assert GRAMMAR.read_text(encoding="utf-8") == gen_vscode_grammar.render(), \
        "run python scripts/gen_vscode_grammar.py"


def test_grammar_knows_every_property_keyword():
    from msgarch.dsl.parser import BLOCK_PROPERTIES

    import re

    pattern = re.compile(json.loads(GRAMMAR.read_text())["repository"]["property"]["match"])
    for keyword in {w for block in BLOCK_PROPERTIES.values() for w in block}:
        assert pattern.fullmatch(keyword), keyword


def test_manifest_and_language_configuration():
    manifest = json.loads((EXTENSION / "package.json").read_text())
    (language,) = manifest["contributes"]["languages"]
    assert language["extensions"] == [".msgarch"]
    (grammar,) = manifest["contributes"]["grammars"]
    assert (EXTENSION / grammar["path"]).is_file() and grammar["scopeName"] == "source.msgarch"
    configuration = json.loads((EXTENSION / language["configuration"]).read_text())
    assert configuration["comments"]["lineComment"] == "#"
    assert ["{", "}"] in configuration["brackets"] and configuration["folding"]["markers"]


def tmgrammar_test(npm_bin: Path, *cases: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(npm_bin / "vscode-tmgrammar-test"), "-g", str(GRAMMAR), *map(str, cases)],
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def test_grammar_fixtures_pass(npm_bin):
    cases = sorted((EXTENSION / "test").glob("*.test.msgarch"))
    assert len(cases) >= 2
    done = tmgrammar_test(npm_bin, *cases)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("run successfuly") == len(cases)


def test_grammar_test_fails_on_a_wrong_scope(npm_bin, tmp_path):
    case = tmp_path / "wrong.test.msgarch"
    case.write_text('# SYNTAX TEST "source.msgarch" "a wrong expectation"\n'
                    "component audit\n"
                    "# <--------- constant.numeric.msgarch\n", encoding="utf-8")
    done = tmgrammar_test(npm_bin, case)
    assert done.returncode != 0 and "missing required scopes" in done.stdout


def test_extension_packages_with_vsce(npm_bin, tmp_path):
    work = tmp_path / "vscode"
    shutil.copytree(EXTENSION, work)
    npm = shutil.which("npm")
    done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--omit=dev", "--cache",
                           str(cache_dir() / "npm-cache")], cwd=work, capture_output=True, text=True,
                          timeout=600, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        pytest.skip(f"could not install the extension's dependencies with npm (offline?): {done.stderr[-500:]}")
    done = subprocess.run([str(npm_bin / "vsce"), "package", "--out", str(tmp_path / "msgarch.vsix")],
                          cwd=work, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stdout + done.stderr
    with zipfile.ZipFile(tmp_path / "msgarch.vsix") as vsix:
        names = set(vsix.namelist())
        manifest = json.loads(vsix.read("extension/package.json"))
    assert {"extension/extension.js", "extension/syntaxes/msgarch.tmLanguage.json",
            "extension/language-configuration.json", "extension/node_modules/vscode-languageclient/package.json",
            "extension.vsixmanifest"} <= names
    assert not any(n.startswith("extension/test/") for n in names)
    assert manifest["name"] == "msgarch" and manifest["main"] == "./extension.js"
