"""Smoke test with a real editor: headless Neovim's built-in LSP client against `msgarch lsp`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from msgarch import api
from msgarch.lint.config import load_config

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tests" / "fixtures" / "lsp" / "nvim_diagnostics.lua"


@pytest.mark.skipif(shutil.which("nvim") is None,
                    reason="needs Neovim: apt-get install -y neovim (scripts/test.sh installs it)")
def test_neovim_receives_the_lint_findings(tmp_path):
    pytest.importorskip("pygls", reason="pip install -e '.[lsp]'")
    example = ROOT / "examples" / "order-platform.msgarch"
    out = tmp_path / "diagnostics.json"
    env = {**os.environ, "MSGARCH_FILE": str(example), "MSGARCH_OUT": str(out),
           "MSGARCH_CMD": json.dumps([sys.executable, "-m", "msgarch", "lsp"]),
           "XDG_STATE_HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path)}
    done = subprocess.run(["nvim", "--headless", "-u", "NONE", "-i", "NONE", "-n", "-c", f"luafile {SCRIPT}"],
                          env=env, capture_output=True, text=True, timeout=90, stdin=subprocess.DEVNULL, cwd=tmp_path)
    assert out.exists(), done.stderr + done.stdout
    received = json.loads(out.read_text())
    expected = [d for d in api.lint([str(example)], load_config(str(example))).diagnostics
                if d.span is not None and d.span.path.endswith("order-platform.msgarch")]
    assert expected, "the example has findings to deliver"
    assert sorted((d["code"], d["line"] + 1, d["col"] + 1) for d in received) == sorted(
        (d.code, d.span.line, d.span.column) for d in expected)
    assert all(d["source"] == "msgarch" for d in received)
