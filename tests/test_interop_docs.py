"""docs/interop.md: the worked examples are what the commands really write."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "interop.md"
BLOCK = re.compile(r"<!-- (file|import|findings|export): ([^>]*?) -->\n```\w+\n(.*?)```", re.S)


def _blocks():
    return [(kind, args.split(), body) for kind, args, body in BLOCK.findall(DOC.read_text(encoding="utf-8"))]


def _run(*args, cwd):
    return subprocess.run([sys.executable, "-m", "msgarch.cli.main", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


def _codes(output: str) -> list[str]:
    import json

    return sorted(d["code"] for d in json.loads(output)["findings"])


def test_the_worked_examples_are_real(tmp_path):
    blocks = _blocks()
    assert {kind for kind, _, _ in blocks} == {"file", "import", "findings", "export"}
    for kind, args, body in blocks:
        if kind == "file":
            (tmp_path / args[0]).write_text(body, encoding="utf-8")
        elif kind == "import":
            result = _run("import", "asyncapi", *args, cwd=tmp_path)
            assert result.returncode == 0, result.stderr
            assert result.stdout == body
        elif kind == "findings":
            result = _run("import", "asyncapi", *args, "-o", "model.msgarch", cwd=tmp_path)
            assert result.returncode == 1, result.stderr
            assert result.stderr == body
            assert "# MISMATCH X804 " in (tmp_path / "model.msgarch").read_text(encoding="utf-8")
        else:
            model, component = args
            result = _run("export", "asyncapi", model, "-o", "out", cwd=tmp_path)
            assert result.returncode == 0, result.stderr
            assert (tmp_path / "out" / f"{component}.asyncapi.yaml").read_text(encoding="utf-8") == body
            again = _run("import", "asyncapi", *sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "out").glob("*.yaml")),
                         cwd=tmp_path)
            assert again.returncode == 0, again.stderr
            (tmp_path / "again.msgarch").write_text(again.stdout, encoding="utf-8")
            findings = [_codes(_run("lint", "--format", "json", name, cwd=tmp_path).stdout)
                        for name in (model, "again.msgarch")]
            assert findings[0] == findings[1]


def test_the_broker_configuration_heading_is_there():
    assert "\n## Broker configuration\n" in DOC.read_text(encoding="utf-8")
