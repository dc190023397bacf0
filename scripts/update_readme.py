"""Refresh the README's example output from the real tool (tests/test_readme.py checks it)."""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
SOURCE = re.compile(r"<!-- readme-example:source -->\n```msgarch\n(.*?)```\n<!-- /readme-example:source -->", re.S)
OUTPUT = re.compile(r"(<!-- readme-example:output -->\n```text\n)(.*?)(```\n<!-- /readme-example:output -->)", re.S)


def example_output(readme: str) -> str:
    """What `msgarch lint checkout.msgarch` prints for the README's example source."""
    from msgarch.cli.main import cli

    source = SOURCE.search(readme).group(1)
    previous = os.getcwd()
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "checkout.msgarch").write_text(source, encoding="utf-8")
        os.chdir(folder)
        try:
            return CliRunner().invoke(cli, ["lint", "checkout.msgarch"], catch_exceptions=False).output
        finally:
            os.chdir(previous)


def main() -> int:
    path = ROOT / "README.md"
    readme = path.read_text(encoding="utf-8")
    path.write_text(OUTPUT.sub(lambda m: m.group(1) + example_output(readme) + m.group(3), readme), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
