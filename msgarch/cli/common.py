"""Helpers shared by commands: reading stdin, colour, printing unusable-input errors."""

from __future__ import annotations

import os
import sys

import click

from msgarch.diagnostics import InputError
from msgarch.dsl.parser import decode_source
from msgarch.model.loader import STDIN_PATH
from msgarch.output.report import Report


def use_colour(stream=None) -> bool:
    stream = stream or sys.stdout
    return not os.environ.get("NO_COLOR") and hasattr(stream, "isatty") and stream.isatty()


def read_stdin_if_needed(paths) -> str | None:
    """The text of stdin when `-` is among the paths; InputError when it is not UTF-8."""
    if STDIN_PATH not in paths:
        return None
    return decode_source(STDIN_PATH, sys.stdin.buffer.read())


def fail_with(error: InputError) -> None:
    """Print unusable-input diagnostics to stderr in the text format and exit 2."""
    from msgarch.output import text

    report = Report(error.diagnostics, len(error.sources), error.sources)
    for d in error.diagnostics:
        click.echo("\n".join(text.format_diagnostic(d, report, use_colour(sys.stderr))), err=True)
    sys.exit(2)


def split_codes(values) -> tuple[str, ...] | None:
    """`--select B2,S001 --select C` -> ("B2", "S001", "C"); None when not given."""
    if not values:
        return None
    return tuple(code.strip() for value in values for code in value.split(",") if code.strip())
