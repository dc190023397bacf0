"""The README stays true: its two commands and its example output."""

from __future__ import annotations

import sys

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import update_readme  # noqa: E402


def test_readme_starts_with_the_two_commands():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    block = lines[lines.index("```sh") + 1: lines.index("```sh") + 3]
    assert block[0] == "pip install . && msgarch lint examples/order-platform.msgarch"
    assert block[1].startswith("bash scripts/test.sh")
    assert (ROOT / "examples" / "order-platform.msgarch").is_file()
    assert "scripts/test.sh" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_example_output_is_the_real_output():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = update_readme.OUTPUT.search(readme).group(2)
    assert shown == update_readme.example_output(readme), "run `python scripts/update_readme.py`"
