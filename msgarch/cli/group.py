"""The click group: each command is imported only when it runs (or when --help on the
group lists them: `msgarch --help` itself is answered from msgarch.cli.main's static text)."""

from __future__ import annotations

import importlib

import click

from msgarch import __version__
from msgarch.cli.main import COMMANDS


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, attribute = target.split(":")
        return getattr(importlib.import_module(module), attribute)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="msgarch")
def cli() -> None:
    """Design message-driven systems as code and check them against broker capabilities."""
