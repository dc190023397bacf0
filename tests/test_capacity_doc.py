"""docs/capacity.md pastes real output of the tool: keep it in step.

Blocks marked `<!-- capacity-doc: ARGS -->` must equal what `msgarch ARGS` prints, up to
source positions (the examples are edited independently); blocks marked
`<!-- capacity-doc: excerpt ARGS -->` must consist of lines of that output.
"""

from __future__ import annotations

import re
import shlex

import pytest

from tests.conftest import ROOT

DOC = ROOT / "docs" / "capacity.md"
BLOCK = re.compile(r"<!-- capacity-doc: (.*?) -->\n```text\n(.*?)```", re.S)


def _normalised(text: str) -> list[str]:
    lines = []
    for line in text.splitlines():
        line = re.sub(r"(\.msgarch):\d+:\d+:", r"\1:L:C:", line)
        line = re.sub(r"^\s*\d*\s\|", " |", line)
        lines.append(line.rstrip())
    return lines


def _blocks():
    for match in BLOCK.finditer(DOC.read_text(encoding="utf-8")):
        yield pytest.param(match.group(1), match.group(2), id=match.group(1))


@pytest.mark.parametrize(("command", "pasted"), list(_blocks()))
def test_pasted_output_is_real(run, monkeypatch, command, pasted):
    monkeypatch.chdir(ROOT)
    args = shlex.split(command)
    excerpt = args[0] == "excerpt"
    if excerpt:
        args = args[1:]
    output = run(*args).output
    if excerpt:
        real = set(_normalised(output))
        missing = [line for line in _normalised(pasted) if line not in real]
        assert not missing, missing
    else:
        assert _normalised(pasted) == _normalised(output)


def test_the_doc_has_a_worked_example():
    assert len(list(_blocks())) >= 2
