"""`msgarch rules` lists every rule; `msgarch rule CODE` explains one from its docstring."""

from __future__ import annotations

import inspect

import click

from msgarch.lint.registry import RULES, find_rule


@click.command()
def rules():
    """List every lint rule: code, name, default severity and summary."""
    width = max(len(r.name) for r in RULES)
    for rule in RULES:
        click.echo(f"{rule.code}  {rule.name:<{width}}  {rule.severity.label:<7}  {rule.summary}")


@click.command()
@click.argument("code")
def rule(code):
    """Explain one rule (by CODE such as B203, or by name such as no-priority)."""
    found = find_rule(code)
    if found is None:
        raise click.UsageError(f"no rule '{code}'; `msgarch rules` lists them")
    click.echo(f"{found.code} {found.name} ({found.severity.label})\n")
    click.echo(f"{found.summary}\n")
    click.echo(inspect.cleandoc(found.__doc__ or ""))
