"""Every msgarch example in docs/channels.md parses, builds and lints without an input error."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from msgarch import api
from msgarch.lint.config import Config

DOC = Path(__file__).resolve().parent.parent / "docs" / "channels.md"
BLOCKS = re.findall(r"```msgarch\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_the_page_has_an_example_per_family():
    assert len(BLOCKS) >= 10


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_example_lints_without_input_errors(tmp_path, index):
    path = tmp_path / "example.msgarch"
    path.write_text(BLOCKS[index], encoding="utf-8")
    report = api.lint([str(path)], Config())
    assert not [d for d in report.diagnostics if d.is_input_error], [d.message for d in report.diagnostics]
    errors = [d for d in report.diagnostics if d.severity.label == "error"]
    assert not errors, [d.message for d in errors]
