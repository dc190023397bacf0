"""The click group: each command is imported only when it runs (or when --help on the
group lists them: `msgarch --help` itself is answered from msgarch.cli.main's static text)."""

from __future__ import annotations

import gc
import importlib

import click

from msgarch import __version__
from msgarch.cli.main import COMMANDS


#: Set by msgarch.cli.main.main (a process of its own), never in a long-lived host
#: such as a test run, where frozen garbage would never be collected.
FREEZE_AFTER_IMPORT = False


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, attribute = target.split(":")
        command = getattr(importlib.import_module(module), attribute)
        if FREEZE_AFTER_IMPORT:
            gc.freeze()  # the command's modules: kept out of the cyclic collector's work
        return command

    def resolve_command(self, ctx, args):
        """An unknown command: say which one was probably meant (`msgarch lnt`)."""
        name = args[0] if args else ""
        if name and not name.startswith("-") and name not in COMMANDS:
            import difflib

            close = difflib.get_close_matches(name, sorted(COMMANDS), n=3, cutoff=0.6)
            hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            ctx.fail(f"No such command '{name}'.{hint} `msgarch --help` lists the commands.")
        return super().resolve_command(ctx, args)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="msgarch")
def cli() -> None:
    """Design message-driven systems as code and check them against broker capabilities."""
