"""`msgarch plan FILE`: the capacity plan year by year, as text, Markdown or JSON."""

from __future__ import annotations

import sys

import click

from msgarch.cli.common import fail_with, read_stdin_if_needed
from msgarch.diagnostics import InputError


@click.command()
@click.argument("path")
@click.option("--format", "output_format", type=click.Choice(["text", "markdown", "json"]),
              default="text", show_default=True, help="Output format.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="Configuration file, for its `profiles` directories "
                   "(default: .msgarch.toml or pyproject.toml found walking up).")
def plan(path, output_format, config_path):
    """Capacity plan for PATH year by year over the system's horizon.

    For each consumer component: load at peak, utilisation, waits and the instances
    needed; for each broker: msg/s, MB/s, storage and the nodes needed; and the year
    each resource passes the headroom. PATH is one .msgarch file, or - for stdin.
    """
    from msgarch import api
    from msgarch.lint.config import load_config
    from msgarch.plan import build, render

    try:
        stdin_text = read_stdin_if_needed([path])
        config = load_config(path if path != "-" else ".", config_path)
        model = api.load_one(path, stdin_text, config.profiles)
        profile_of = api.profile_lookup(model, config.profiles, strict_kinds=True)
        for name in sorted(model.brokers):
            profile_of(name)  # an invalid profile file stops here, with its location
        data = build(model, profile_of)
    except InputError as error:
        fail_with(error)
    click.echo(render(data, output_format), nl=False)
    sys.exit(0)
