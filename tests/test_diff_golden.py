"""Golden tests of `msgarch diff --format markdown` (the pull-request comment), and of the
text and JSON formats for the cases in OTHER_FORMATS.

Each case is `tests/golden/diff/NAME.old.msgarch` -> `NAME.new.msgarch`, expected in
`NAME.md` (and `NAME.txt`, `NAME.json`). Rewrite the expectations with
`pytest --update-goldens` and review the diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parent / "golden" / "diff"
CASES = sorted(p.name[: -len(".old.msgarch")] for p in GOLDEN.glob("*.old.msgarch"))
EXIT = {"subscriber-dropped": 1, "broker-swap": 1, "message-too-large": 1, "reordered": 0,
        "queue-consumer-added": 1, "unchanged-error-kept": 0, "channels": 1}
#: Cases also kept in the text and JSON formats (language v2: channels, routes, endpoints).
OTHER_FORMATS = {"channels": ("text", "json")}
_SUFFIX = {"text": "txt", "json": "json"}


def _config(name: str) -> tuple[str, ...]:
    """`NAME.toml`, when the case has one, limits the lint rules its expectation shows."""
    return ("--config", f"{name}.toml") if (GOLDEN / f"{name}.toml").exists() else ()


def test_every_case_has_an_expected_exit_code():
    assert set(CASES) == set(EXIT)


@pytest.mark.parametrize("name", CASES)
def test_markdown_golden(name, run, monkeypatch, update_goldens):
    monkeypatch.chdir(GOLDEN)
    monkeypatch.delenv("NO_COLOR", raising=False)
    result = run("diff", f"{name}.old.msgarch", f"{name}.new.msgarch", "--format", "markdown", *_config(name))
    assert result.exit_code == EXIT[name], result.output
    expected = GOLDEN / f"{name}.md"
    if update_goldens:
        expected.write_text(result.output, encoding="utf-8")
    assert expected.exists(), f"{expected} is missing: run `pytest --update-goldens` and review it"
    assert result.output == expected.read_text(encoding="utf-8"), (
        f"{expected.relative_to(GOLDEN.parent.parent.parent)} differs from the output; if the change is "
        "intended, run `pytest --update-goldens` and review the diff")


@pytest.mark.parametrize("name,output_format", [(n, f) for n, formats in sorted(OTHER_FORMATS.items())
                                                for f in formats])
def test_other_format_golden(name, output_format, run, monkeypatch, update_goldens):
    monkeypatch.chdir(GOLDEN)
    monkeypatch.setenv("NO_COLOR", "1")
    result = run("diff", f"{name}.old.msgarch", f"{name}.new.msgarch", "--format", output_format, *_config(name))
    assert result.exit_code == EXIT[name], result.output
    output = result.output
    if output_format == "json":  # the version changes with every release: not part of the expectation
        import json

        from msgarch import __version__

        assert json.loads(output)["msgarch"] == __version__
        output = output.replace(f'"msgarch": "{__version__}"', '"msgarch": "VERSION"', 1)
    expected = GOLDEN / f"{name}.{_SUFFIX[output_format]}"
    if update_goldens:
        expected.write_text(output, encoding="utf-8")
    assert expected.exists(), f"{expected} is missing: run `pytest --update-goldens` and review it"
    assert output == expected.read_text(encoding="utf-8"), (
        f"{expected.relative_to(GOLDEN.parent.parent.parent)} differs from the output; if the change is "
        "intended, run `pytest --update-goldens` and review the diff")
