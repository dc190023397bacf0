"""`msgarch check` and `msgarch lint`."""

from __future__ import annotations

import importlib
import sys

import click

from msgarch import api
from msgarch.cli.common import COLOR_CHOICES, read_stdin_if_needed, split_codes, use_colour
from msgarch.cli.completion import complete_rule_selectors
from msgarch.diagnostics import InputError, Severity
from msgarch.lint.config import FAIL_ON, load_config
from msgarch.output.report import Report

#: format name -> module with `render(report, colour, with_statistics) -> str`
FORMATS = {
    "text": "msgarch.output.text",
    "concise": "msgarch.output.concise",
    "json": "msgarch.output.json_format",
    "sarif": "msgarch.output.sarif",
    "github": "msgarch.output.github",
    "junit": "msgarch.output.junit",
    "gitlab": "msgarch.output.gitlab",
}
#: the formats a person reads: `--quiet` and `--show` thin them; machine formats carry every finding
HUMAN = ("text", "concise", "github")
SHOW = ("error", "warning", "info")


class _Output:
    """Where the report goes: stdout, or the `--output-file` (written once, at the end)."""

    def __init__(self, path: str | None, colour: str):
        self.path = path
        self.colour = use_colour(None, colour) if path is None else colour == "always"

    def write(self, text: str, inputs=()) -> None:
        if self.path is None:
            click.echo(text, nl=False, color=self.colour)  # click would strip forced colour off a pipe
            return
        from msgarch.cli.common import check_output, write_output

        check_output(self.path, inputs, "lint")
        write_output(self.path, text, "lint")


def _emit(report: Report, output_format: str, statistics: bool, out: _Output, inputs=()) -> None:
    module = importlib.import_module(FORMATS[output_format])
    out.write(module.render(report, colour=out.colour, with_statistics=statistics), inputs)


def _say_config(config, verbose: bool, start: str = ".") -> None:
    """`-v`: the configuration file used, or why none was (where the search stopped)."""
    if verbose:
        from msgarch.textsafe import line

        if config.path:
            where = f"'{line(config.path)}'"
        else:
            from msgarch.lint.config import search_config

            where = (f"none found ({line(search_config(start).stopped)}); defaults: every rule, "
                     "fail on errors")
        click.echo(f"msgarch: configuration: {where}", err=True)


def _unusable(error: InputError, output_format: str, out: _Output) -> None:
    report = Report(error.diagnostics, len(error.sources), error.sources)
    _emit(report, output_format, False, out)
    sys.exit(2)


def _paths(paths, stdin_filename):
    """No path: `.` (as ruff), or stdin when `--stdin-filename` names it."""
    if not paths:
        return ("-",) if stdin_filename else (".",)
    return paths


def _stdin(paths, stdin_filename):
    """(paths with `-` standing for NAME, stdin text) for `--stdin-filename NAME`."""
    text = read_stdin_if_needed(paths)
    if stdin_filename and text is not None:
        paths = tuple(stdin_filename if p == "-" else p for p in paths)
        return paths, {stdin_filename: text}
    return paths, text


def _first(paths) -> str:
    return next((p for p in paths if p != "-"), ".")


_COMMON = [
    click.option("--format", "output_format", type=click.Choice(sorted(FORMATS)), default="text",
                 show_default=True, help="Output format."),
    click.option("-o", "--output-file", "output_file", type=click.Path(dir_okay=False), default=None,
                 help="Write the output to this file instead of stdout (never over an input of the run)."),
    click.option("--color", "color", type=click.Choice(COLOR_CHOICES), default="auto", show_default=True,
                 help="Colour the text and concise formats: auto (a terminal, unless NO_COLOR is set; "
                      "FORCE_COLOR forces it), always or never."),
    click.option("--stdin-filename", default=None, metavar="NAME",
                 help="The file name of the source read from stdin (`-`): used in messages, for "
                      "includes, per-file-ignores and finding the configuration."),
    click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
                 help="Configuration file (default: .msgarch.toml or pyproject.toml found walking up)."),
    click.option("-v", "--verbose", is_flag=True, help="Say on stderr which configuration file was used."),
]


def _common(function):
    for option in reversed(_COMMON):
        function = option(function)
    return function


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@_common
def check(paths, output_format, output_file, color, stdin_filename, config_path, verbose):
    """Parse and build PATHS, and check names and references (S001, S002, T703): no analysis.

    PATHS are .msgarch files, directories (every .msgarch below) or - for stdin;
    none: the current directory. Exit codes: 0 fine, 1 unknown or duplicate names,
    2 unusable input.
    """
    from msgarch.lint.runner import exit_code

    out = _Output(output_file, color)
    paths = _paths(paths, stdin_filename)
    try:
        paths, stdin_text = _stdin(paths, stdin_filename)
        config = load_config(_first(paths), config_path)
    except InputError as error:
        _unusable(error, output_format, out)
    _say_config(config, verbose, _first(paths))
    report = api.check(paths, config, stdin_text)
    _emit(report, output_format, False, out, _inputs(report, config))
    sys.exit(exit_code(list(report.diagnostics), "error"))


def _explain(ctx, param, value):
    """`--explain CODE`: the rule's page, as `msgarch rule CODE` prints it; no PATHS needed."""
    if value is None or ctx.resilient_parsing:
        return
    from msgarch.cli.rules_cmd import explain

    explain(value)
    ctx.exit(0)


def _inputs(report: Report, config) -> list[str]:
    return [p for p in report.sources if p != "-"] + ([config.path] if config.path else [])


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--explain", metavar="CODE", callback=_explain, expose_value=False, is_eager=True,
              help="Print the full documentation of rule CODE (as `msgarch rule CODE` does) and exit.")
@click.option("--select", multiple=True, shell_complete=complete_rule_selectors,
              help="Rules to run: codes, prefixes (B, B2) or names; comma-separated.")
@click.option("--ignore", multiple=True, shell_complete=complete_rule_selectors, help="Rules not to run.")
@click.option("--extend-select", multiple=True, shell_complete=complete_rule_selectors,
              help="Rules to run in addition to the selection.")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default=None,
              help="Lowest severity that makes the exit code 1 (default: error).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even with findings (2 still means unusable input).")
@click.option("-q", "--quiet", is_flag=True,
              help="List only the findings at or above --fail-on, and one line counting the rest "
                   "(text, concise, github).")
@click.option("--show", type=click.Choice(SHOW), default=None,
              help="Lowest severity listed (text, concise, github; default: info, or the --fail-on "
                   "level with --quiet). The exit code and the closing count still cover every finding.")
@click.option("--statistics", is_flag=True, help="Print only the number of findings of each rule, and the total.")
@_common
def lint(paths, select, ignore, extend_select, fail_on, exit_zero, quiet, show, statistics, output_format,
         output_file, color, stdin_filename, config_path, verbose):
    """Lint PATHS: parse, build, analyse and run every selected rule.

    PATHS are .msgarch files, directories (every .msgarch below) or - for stdin;
    none: the current directory. Exit codes: 0 no finding at or above --fail-on,
    1 findings, 2 unusable input.
    """
    from msgarch.lint.runner import exit_code

    out = _Output(output_file, color)
    paths = _paths(paths, stdin_filename)
    try:
        paths, stdin_text = _stdin(paths, stdin_filename)
        config = load_config(_first(paths), config_path).merged(
            select=split_codes(select), ignore=split_codes(ignore),
            extend_select=split_codes(extend_select), fail_on=fail_on)
        from msgarch.lint.config import check_selectors

        problems = [p for option, values in (("--select", config.select), ("--ignore", config.ignore),
                                             ("--extend-select", config.extend_select))
                    for p in check_selectors(values, option)]
        if problems:
            raise click.UsageError("; ".join(problems))
    except InputError as error:
        _unusable(error, output_format, out)
    _say_config(config, verbose, _first(paths))
    report = api.lint(paths, config, stdin_text)
    code = exit_code(list(report.diagnostics), config.fail_on)
    lowest = show or (_quiet_level(config.fail_on) if quiet else "info")
    shown = report.showing(Severity.parse(lowest)) if output_format in HUMAN and lowest != "info" else report
    _emit(shown, output_format, statistics, out, _inputs(report, config))
    sys.exit(0 if exit_zero and code == 1 else code)


def _quiet_level(fail_on: str) -> str:
    """`--quiet` lists what fails the run; with `--fail-on never`, the errors."""
    return "error" if fail_on == "never" else fail_on
