"""`msgarch brokers` (the capability matrix), `msgarch broker KIND` (one cited profile),
and `msgarch export-schema profile` (the JSON Schema user profiles are validated against)."""

from __future__ import annotations

from importlib import resources

import click

from msgarch.brokers import builtin_ids, load_builtin
from msgarch.brokers.matrix import FORMATS, render_matrix, render_profile
from msgarch.cli.completion import complete_broker_kinds


@click.command()
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--width", type=click.IntRange(min=40), default=120, show_default=True,
              help="Text format: cut the matrix into blocks of brokers at most this wide.")
def brokers(output_format, width):
    """The matrix of every built-in broker profile: rows capabilities, columns brokers."""
    click.echo(render_matrix(fmt=output_format, width=width), nl=False)


@click.command()
@click.argument("kind", shell_complete=complete_broker_kinds)
@click.option("--version", "version", default=None, help='Apply the profile\'s overrides for a version, e.g. "3.13".')
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="text", show_default=True)
def broker(kind, version, output_format):
    """One built-in profile (KIND such as rabbitmq-quorum), every figure with its source."""
    import difflib

    from msgarch.brokers.profiles import _builtin_base, transport_ids

    if kind in transport_ids() and kind not in builtin_ids():
        # a transport that is not a broker (websocket, http-stream): shown, never compared
        click.echo(render_profile(_builtin_base(kind), fmt=output_format), nl=False)
        return
    if kind not in builtin_ids():
        close = difflib.get_close_matches(kind, builtin_ids() + transport_ids(), n=1)
        raise click.UsageError(f"no built-in broker '{kind}'" + (f" (did you mean '{close[0]}'?)" if close else "")
                               + "; `msgarch brokers` lists them")
    from msgarch.brokers import ProfileError

    try:
        profile = load_builtin(kind, version)
    except ProfileError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(render_profile(profile, fmt=output_format), nl=False)


@click.command("export-schema")
@click.argument("what", type=click.Choice(["profile"]))
def export_schema(what):
    """Print a JSON Schema msgarch publishes (`profile`: the broker profile schema)."""
    click.echo(resources.files("msgarch").joinpath("brokers/profile.schema.json").read_text(encoding="utf-8"), nl=False)
