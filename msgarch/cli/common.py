"""Helpers shared by commands: reading stdin, colour, printing unusable-input errors."""

from __future__ import annotations

import errno
import os
import sys

import click

from msgarch.diagnostics import InputError
from msgarch.dsl.parser import decode_source
from msgarch.fsread import leaves
from msgarch.model.loader import STDIN_PATH
from msgarch.output.report import Report
from msgarch.textsafe import line


#: `--color` values, as ruff spells them
COLOR_CHOICES = ("auto", "always", "never")


def use_colour(stream=None, choice: str = "auto") -> bool:
    """Colour or not: `--color always|never` decides; with `auto`, a non-empty `NO_COLOR`
    turns it off (https://no-color.org), a non-empty `FORCE_COLOR` turns it on
    (https://force-color.org), else colour when the stream is a terminal."""
    if choice == "always":
        return True
    if choice == "never":
        return False
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    stream = stream or sys.stdout
    return hasattr(stream, "isatty") and stream.isatty()


def read_stdin_if_needed(paths) -> str | None:
    """The text of stdin when `-` is among the paths; InputError when it is not UTF-8."""
    if STDIN_PATH not in paths:
        return None
    from msgarch.diagnostics import Span, input_error
    from msgarch.fsread import read_stream

    stream = getattr(sys.stdin, "buffer", None)
    try:
        if stream is None:
            raise OSError(errno.EBADF, "stdin is closed")
        data = read_stream(stream)
    except (OSError, ValueError) as exc:  # ValueError: a closed file object
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "stdin is closed"
        raise InputError([input_error("E001", f"cannot read stdin: {reason}", Span.point(STDIN_PATH))]) from None
    return decode_source(STDIN_PATH, data)


def fail_with(error: InputError) -> None:
    """Print unusable-input diagnostics to stderr exactly as `msgarch lint` prints them
    (the text format, with its closing count) and exit 2."""
    from msgarch.output import text

    report = Report(error.diagnostics, len(error.sources), error.sources)
    click.echo(text.render(report, colour=use_colour(sys.stderr)), err=True, nl=False)
    sys.exit(2)


def split_codes(values) -> tuple[str, ...] | None:
    """`--select B2,S001 --select C` -> ("B2", "S001", "C"); None when not given."""
    if not values:
        return None
    codes = tuple(code.strip() for value in values for code in value.split(",") if code.strip())
    return codes or ("",)  # given but empty: reported as a selector that matches nothing


def input_paths(models, config=None) -> list[str]:
    """Every file a run read: each model's files, its `profile` files, the configuration
    and the files of its `profiles` directories (an output must never overwrite one)."""
    from msgarch.brokers.profiles import USER_PROFILE_SUFFIXES

    paths: list[str] = []
    for model in models:
        paths += [f for f in model.files if f != STDIN_PATH]
        paths += [os.path.join(os.path.dirname(b.span.path), b.profile_path)
                  for b in model.brokers.values() if b.profile_path]
    if config is not None:
        paths += [config.path] if config.path else []
        for directory in config.profiles:
            try:
                paths += [os.path.join(directory, n) for n in os.listdir(directory)
                          if n.lower().endswith(USER_PROFILE_SUFFIXES)]
            except OSError:
                pass
    return paths


def check_output(output: str, inputs, command: str, force: bool = False) -> None:
    """Exit 2 before anything is drawn when OUT is an input of the run (whatever --force
    says), or when it is a symbolic link leading out of the working directory (unless --force)."""
    if output == "-":
        return
    for path in inputs:
        try:
            same = os.path.abspath(output) == os.path.abspath(path) or os.path.samefile(output, path)
        except OSError:
            same = False
        if same:
            click.echo(f"msgarch {command}: refusing to write '{line(output)}': it is an input of this run "
                       f"('{line(path)}'); choose another output file", err=True)
            sys.exit(2)
    if not force and os.path.islink(output) and leaves(output, "."):
        click.echo(f"msgarch {command}: refusing to write '{line(output)}': it is a symbolic link leading "
                   "outside the working directory; remove it, or give --force to write through it", err=True)
        sys.exit(2)


def draw_to(output: str, scene, output_format: str, command: str, **options) -> None:
    """Draw a render Scene in ``output_format`` and write it to ``output`` (`-`: stdout).
    Graphviz missing: exit 2 naming the package; Graphviz failing on our DOT: exit 3."""
    from msgarch.render import GraphvizFailed, GraphvizUnavailable, draw

    try:
        data = draw(scene, output_format, **options)
    except GraphvizUnavailable as exc:
        click.echo(f"msgarch {command}: .{output_format} needs Graphviz: {exc}", err=True)
        sys.exit(2)
    except GraphvizFailed as exc:
        click.echo(f"msgarch {command}: {exc}", err=True)
        sys.exit(3)
    if output_format == "mmd":
        from msgarch.render.mermaid import too_large

        problem = too_large(data, scene)
        if problem:
            click.echo(f"msgarch {command}: warning: Mermaid will not draw this diagram: {problem}", err=True)
    write_output(output, data, command)


def write_output(output: str, data: str | bytes, command: str) -> None:
    """Write text (UTF-8, LF) or bytes to a file, or to stdout for `-`; exit 2 when it cannot."""
    if output == "-":
        if isinstance(data, bytes):
            sys.stdout.buffer.write(data)
        else:
            click.echo(data, nl=False)
        return
    try:
        if isinstance(data, bytes):
            with open(output, "wb") as handle:
                handle.write(data)
        else:
            with open(output, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(data)
    except OSError as exc:
        click.echo(f"msgarch {command}: cannot write '{output}': {exc.strerror or exc}", err=True)
        sys.exit(2)
