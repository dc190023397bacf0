"""Golden tests of `msgarch diff --format markdown` (the pull-request comment).

Each case is `tests/golden/diff/NAME.old.msgarch` -> `NAME.new.msgarch`, expected in
`NAME.md`. Rewrite the expectations with `pytest --update-goldens` and review the diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parent / "golden" / "diff"
CASES = sorted(p.name[: -len(".old.msgarch")] for p in GOLDEN.glob("*.old.msgarch"))
EXIT = {"subscriber-dropped": 1, "broker-swap": 1, "message-too-large": 1, "reordered": 0,
        "queue-consumer-added": 1, "unchanged-error-kept": 0}


def test_every_case_has_an_expected_exit_code():
    assert set(CASES) == set(EXIT)


@pytest.mark.parametrize("name", CASES)
def test_markdown_golden(name, run, monkeypatch, update_goldens):
    monkeypatch.chdir(GOLDEN)
    monkeypatch.delenv("NO_COLOR", raising=False)
    result = run("diff", f"{name}.old.msgarch", f"{name}.new.msgarch", "--format", "markdown")
    assert result.exit_code == EXIT[name], result.output
    expected = GOLDEN / f"{name}.md"
    if update_goldens:
        expected.write_text(result.output, encoding="utf-8")
    assert expected.exists(), f"{expected} is missing: run `pytest --update-goldens` and review it"
    assert result.output == expected.read_text(encoding="utf-8"), (
        f"{expected.relative_to(GOLDEN.parent.parent.parent)} differs from the output; if the change is "
        "intended, run `pytest --update-goldens` and review the diff")
