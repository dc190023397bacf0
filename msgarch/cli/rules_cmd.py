"""`msgarch rules` lists every rule; `msgarch rule CODE` explains one from its docstring."""

from __future__ import annotations

import inspect

import click

from msgarch.cli.completion import complete_rule_codes
from msgarch.diagnostics import INPUT_ERROR_CODES
from msgarch.lint.registry import CATALOGUE, DRIFT_RULES, IMPORT_RULES, RULES, find_rule

#: The reserved E codes: input that cannot be used. Not rules: never silenced, exit code 2.
INPUT_ERRORS = {
    "E001": "the file does not parse: a bad token, a missing brace, a quantity without a valid unit, "
            "a value outside its allowed set, a file that is not UTF-8 text",
    "E002": "a `use` include is missing, cyclic, or leaves the directory of the file given",
    "E003": "a broker profile file fails its JSON Schema (the message names the JSON pointer), "
            "or a `profile` path leaves the directory of the file given",
    "E004": "the configuration has an unknown key or a bad value",
}


@click.command()
def rules():
    """List every lint rule: code, name, default severity and summary."""
    width = max(len(r.name) for r in CATALOGUE)
    for rule in RULES:
        click.echo(f"{rule.code}  {rule.name:<{width}}  {rule.severity.label:<7}  {rule.summary}")
    click.echo("\nDrift against a broker (`msgarch drift` only, never run by lint):")
    for rule in DRIFT_RULES:
        click.echo(f"{rule.code}  {rule.name:<{width}}  {rule.severity.label:<7}  {rule.summary}")
    click.echo("\nBetween AsyncAPI documents (`msgarch import asyncapi` only, never run by lint):")
    for rule in IMPORT_RULES:
        click.echo(f"{rule.code}  {rule.name:<{width}}  {rule.severity.label:<7}  {rule.summary}")
    click.echo("\nReserved for input that cannot be used (never silenced; exit code 2):")
    for code, text in INPUT_ERRORS.items():
        click.echo(f"{code}  {INPUT_ERROR_CODES[code]:<{width}}  {'error':<7}  {text}")


@click.command()
@click.argument("code", shell_complete=complete_rule_codes)
def rule(code):
    """Explain one rule (by CODE such as B203, or by name such as no-priority)."""
    explain(code)


def explain(code: str) -> None:
    """Print the page of one rule or reserved E code: `msgarch rule CODE` and
    `msgarch lint --explain CODE` print the same."""
    wanted = code.strip().upper()
    if wanted in INPUT_ERRORS or code.strip().lower() in INPUT_ERROR_CODES.values():
        wanted = wanted if wanted in INPUT_ERRORS else next(
            c for c, n in INPUT_ERROR_CODES.items() if n == code.strip().lower())
        click.echo(f"{wanted} {INPUT_ERROR_CODES[wanted]} (error, not a rule)\n")
        click.echo(f"Fires when {INPUT_ERRORS[wanted]}.\n")
        click.echo("Input that cannot be used stops the command with exit code 2 and a located message "
                   "(FILE:LINE:COL, the source line and a caret). It cannot be selected, ignored or "
                   "silenced: fix the input.")
        return
    found = find_rule(code)
    if found is None:
        raise click.UsageError(f"no rule '{code}'; `msgarch rules` lists them")
    click.echo(f"{found.code} {found.name} ({found.severity.label})\n")
    click.echo(f"{found.summary}\n")
    click.echo(inspect.cleandoc(found.__doc__ or ""))
