"""`msgarch check` and `msgarch lint`."""

from __future__ import annotations

import importlib
import sys

import click

from msgarch import api
from msgarch.cli.common import read_stdin_if_needed, split_codes, use_colour
from msgarch.diagnostics import InputError
from msgarch.lint.config import FAIL_ON, load_config
from msgarch.output.report import Report

#: format name -> module with `render(report, colour, with_statistics) -> str`
FORMATS = {
    "text": "msgarch.output.text",
    "concise": "msgarch.output.concise",
    "json": "msgarch.output.json_format",
    "sarif": "msgarch.output.sarif",
    "github": "msgarch.output.github",
}


def _emit(report: Report, output_format: str, statistics: bool) -> None:
    module = importlib.import_module(FORMATS[output_format])
    click.echo(module.render(report, colour=use_colour(), with_statistics=statistics), nl=False)


def _say_config(config, verbose: bool) -> None:
    if verbose:
        from msgarch.textsafe import line

        where = f"'{line(config.path)}'" if config.path else "none found (defaults: every rule, fail on errors)"
        click.echo(f"msgarch: configuration: {where}", err=True)


def _unusable(error: InputError, output_format: str) -> None:
    report = Report(error.diagnostics, len(error.sources), error.sources)
    _emit(report, output_format, False)
    sys.exit(2)


@click.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "output_format", type=click.Choice(sorted(FORMATS)), default="text",
              show_default=True, help="Output format.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="Configuration file, for its `profiles` directories (default: found walking up).")
@click.option("-v", "--verbose", is_flag=True, help="Say on stderr which configuration file was used.")
def check(paths, output_format, config_path, verbose):
    """Parse and build PATHS, and check names and references (S001, S002, T703): no analysis.

    PATHS are .msgarch files, directories (every .msgarch below) or - for stdin.
    Exit codes: 0 fine, 1 unknown or duplicate names, 2 unusable input.
    """
    from msgarch.lint.runner import exit_code

    try:
        stdin_text = read_stdin_if_needed(paths)
        config = load_config(next((p for p in paths if p != "-"), "."), config_path)
    except InputError as error:
        _unusable(error, output_format)
    _say_config(config, verbose)
    report = api.check(paths, config, stdin_text)
    _emit(report, output_format, False)
    sys.exit(exit_code(list(report.diagnostics), "error"))


def _explain(ctx, param, value):
    """`--explain CODE`: the rule's page, as `msgarch rule CODE` prints it; no PATHS needed."""
    if value is None or ctx.resilient_parsing:
        return
    from msgarch.cli.rules_cmd import explain

    explain(value)
    ctx.exit(0)


@click.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--explain", metavar="CODE", callback=_explain, expose_value=False, is_eager=True,
              help="Print the full documentation of rule CODE (as `msgarch rule CODE` does) and exit.")
@click.option("--format", "output_format", type=click.Choice(sorted(FORMATS)), default="text",
              show_default=True, help="Output format.")
@click.option("--select", multiple=True, help="Rules to run: codes, prefixes (B, B2) or names; comma-separated.")
@click.option("--ignore", multiple=True, help="Rules not to run.")
@click.option("--extend-select", multiple=True, help="Rules to run in addition to the selection.")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default=None,
              help="Lowest severity that makes the exit code 1 (default: error).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even with findings (2 still means unusable input).")
@click.option("--statistics", is_flag=True, help="Count the findings by rule.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="Configuration file (default: .msgarch.toml or pyproject.toml found walking up).")
@click.option("-v", "--verbose", is_flag=True, help="Say on stderr which configuration file was used.")
def lint(paths, output_format, select, ignore, extend_select, fail_on, exit_zero, statistics, config_path,
         verbose):
    """Lint PATHS: parse, build, analyse and run every selected rule.

    PATHS are .msgarch files, directories (every .msgarch below) or - for stdin.
    Exit codes: 0 no finding at or above --fail-on, 1 findings, 2 unusable input.
    """
    from msgarch.lint.runner import exit_code

    try:
        stdin_text = read_stdin_if_needed(paths)
        first = next((p for p in paths if p != "-"), ".")
        config = load_config(first, config_path).merged(
            select=split_codes(select), ignore=split_codes(ignore),
            extend_select=split_codes(extend_select), fail_on=fail_on)
        from msgarch.lint.config import check_selectors

        problems = [p for option, values in (("--select", config.select), ("--ignore", config.ignore),
                                             ("--extend-select", config.extend_select))
                    for p in check_selectors(values, option)]
        if problems:
            raise click.UsageError("; ".join(problems))
    except InputError as error:
        _unusable(error, output_format)
    _say_config(config, verbose)
    report = api.lint(paths, config, stdin_text)
    _emit(report, output_format, statistics)
    code = exit_code(list(report.diagnostics), config.fail_on)
    sys.exit(0 if exit_zero and code == 1 else code)
