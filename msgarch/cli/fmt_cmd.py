"""`msgarch fmt`: rewrite files in the canonical layout, or say which would change."""

from __future__ import annotations

import difflib
import os
import stat
import sys
import tempfile

import click

from msgarch import api
from msgarch.cli.common import read_stdin_if_needed, use_colour
from msgarch.diagnostics import InputError, Span, input_error
from msgarch.model.loader import STDIN_PATH


def _report(error: InputError) -> None:
    from msgarch.output import text
    from msgarch.output.report import Report

    report = Report(error.diagnostics, len(error.sources), error.sources)
    for diagnostic in error.diagnostics:
        click.echo("\n".join(text.format_diagnostic(diagnostic, report, use_colour(sys.stderr))), err=True)


def _read(path: str, walked: set[str]) -> str:
    from msgarch.dsl.parser import decode_source
    from msgarch.model.loader import read_file, read_root_file

    try:
        data = (read_file if path in walked else read_root_file)(path)
    except OSError as exc:
        raise InputError([input_error("E001", f"cannot read '{path}': {exc.strerror or exc}",
                                      Span.point(path))]) from None
    return decode_source(path, data)


def _write(path: str, text: str) -> None:
    """Replace the file's content atomically (a temporary file in its directory renamed
    over it), keeping its permissions; a symbolic link stays a link to the rewritten file."""
    target = os.path.realpath(path)
    mode = stat.S_IMODE(os.stat(target).st_mode)
    directory, name = os.path.split(target)
    fd, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".fmt-tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def _diff(original: str, formatted: str, path: str) -> str:
    out = []
    for line in difflib.unified_diff(original.splitlines(keepends=True), formatted.splitlines(keepends=True),
                                     path, path):
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


@click.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--check", is_flag=True, help="Write nothing; name the files that would change and exit 1 if any.")
@click.option("--diff", "show_diff", is_flag=True,
              help="Write nothing; print a unified diff of the changes and exit 1 if any.")
def fmt(paths, check, show_diff):
    """Rewrite PATHS in the canonical layout, comments kept (docs/fmt.md).

    PATHS are .msgarch files, directories (every .msgarch below) or - (stdin, written to
    stdout). A file that does not parse is never rewritten. Exit codes: 0 formatted (or,
    with --check or --diff, nothing to change), 1 a file would change, 2 unusable input.
    """
    from msgarch.fmt import FormatError, format_source

    unusable = False
    try:
        stdin_text = read_stdin_if_needed(paths)
    except InputError as error:
        _report(error)
        sys.exit(2)
    files, problems, walked = api.walk_paths(paths)
    if problems:
        _report(InputError(problems))
        unusable = True
    if not files and not problems:
        _report(InputError([input_error("E001", "no .msgarch files found in the paths given", None)]))
        sys.exit(2)
    changed = unchanged = failed = 0
    broken = False
    for path in files:
        try:
            original = stdin_text if path == STDIN_PATH else _read(path, walked)
            formatted = format_source(original, path)
        except InputError as error:
            _report(error)
            unusable = True
            failed += 1
            continue
        except FormatError as error:
            click.echo(f"msgarch fmt: cannot format '{path}' safely: {error}. This is a bug in msgarch; "
                       "the file is left as it was.", err=True)
            broken = True
            failed += 1
            continue
        if formatted == original:
            unchanged += 1
            if path == STDIN_PATH and not (check or show_diff):
                click.echo(formatted, nl=False)
            continue
        changed += 1
        if show_diff:
            click.echo(_diff(original, formatted, path), nl=False)
        if check:
            click.echo(f"would reformat {path}")
        if check or show_diff:
            continue
        if path == STDIN_PATH:
            click.echo(formatted, nl=False)
            continue
        try:
            _write(path, formatted)
        except OSError as exc:
            _report(InputError([input_error("E001", f"cannot write '{path}': {exc.strerror or exc}",
                                            Span.point(path))]))
            unusable = True
            continue
        click.echo(f"reformatted {path}", err=True)
    if any(p != STDIN_PATH for p in files):
        would = check or show_diff
        click.echo(f"{_plural(changed, 'file')} {'would be reformatted' if would else 'reformatted'}, "
                   f"{_plural(unchanged, 'file')} {'already formatted' if would else 'left unchanged'}"
                   + (f", {_plural(failed, 'file')} not formatted (see above)" if failed else ""), err=True)
    if broken or unusable:
        sys.exit(2)  # never 3: a file fmt cannot format safely is left as it was, and said so
    sys.exit(1 if changed and (check or show_diff) else 0)
