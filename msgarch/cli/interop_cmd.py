"""`msgarch import ...` and `msgarch export ...`: other descriptions of a system to and from .msgarch.

Two click groups, ``import_group`` (command `import`) and ``export_group`` (command
`export`). A format adds itself as a subcommand of either group::

    from msgarch.cli.interop_cmd import export_group, import_group, emit

    @import_group.command("rabbitmq")
    ...

``emit(output, text, inputs, command)`` writes the result to ``-o FILE`` (or stdout for
``-``), refusing to write over any of ``inputs`` (exit 2). Unusable input raises
``InputError``; ``fail_with`` prints it with file:line:col and exits 2.
"""

from __future__ import annotations

import sys
import time

import click

from msgarch.cli.common import check_output, fail_with, write_output
from msgarch.diagnostics import InputError


class _FormatGroup(click.Group):
    """Subcommands listed in a fixed order; formats registered by other modules are imported first."""

    #: modules that add subcommands to these groups (imported on first use, if present)
    PLUGINS = ("msgarch.cli.broker_interop_cmd",)

    def _load(self) -> None:
        import importlib

        for module in self.PLUGINS:
            try:
                importlib.import_module(module)
            except ModuleNotFoundError as exc:
                if exc.name != module:
                    raise

    def list_commands(self, ctx):
        self._load()
        return sorted(self.commands)

    def get_command(self, ctx, name):
        self._load()
        return self.commands.get(name)


@click.group("import", cls=_FormatGroup)
def import_group() -> None:
    """Write a .msgarch model from other descriptions (AsyncAPI documents, broker configuration)."""


@click.group("export", cls=_FormatGroup)
def export_group() -> None:
    """Write other descriptions (AsyncAPI documents, broker configuration) from a .msgarch model."""


def emit(output: str, text: str, inputs, command: str) -> None:
    """Write ``text`` to OUTPUT (`-`: stdout), never over one of ``inputs``."""
    check_output(output, inputs, command)
    write_output(output, text, command)


@import_group.command("asyncapi")
@click.argument("paths", metavar="FILE...", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("-o", "--output", default="-", show_default=True, metavar="FILE",
              help="The .msgarch file to write (`-`: stdout); never one of the inputs.")
@click.option("--root", "root", default=None, type=click.Path(file_okay=False),
              help="The tree `$ref`s may read from (default: the working directory when every FILE is "
                   "under it, else the folder holding all of them).")
@click.option("--timing", is_flag=True, help="Print how long the import took to stderr.")
def import_asyncapi(paths, output, root, timing):
    """One .msgarch model from AsyncAPI 2.x or 3.x documents (YAML or JSON), one per application.

    Servers become brokers, channels on a server become channels (one per address and
    server, whichever document names it), send/receive operations become publishes and
    consumes of the document's application, a reply makes the send request-reply.
    Local `$ref`s are followed (sibling files too) inside the root tree; URLs are never
    fetched. Rates and capacities come only from `x-msgarch` extensions. Every line
    says which document and JSON pointer it came from.
    """
    from msgarch.interop.asyncapi_import import import_documents

    started = time.perf_counter()
    try:
        result = import_documents(list(paths), root=root)
    except InputError as error:
        fail_with(error)
    emit(output, result.text, result.inputs, "import asyncapi")
    for note in result.notes:
        click.echo(f"msgarch import asyncapi: note: {note}", err=True)
    if timing:
        click.echo(f"msgarch import asyncapi: {len(paths)} document(s) in "
                   f"{time.perf_counter() - started:.3f} s", err=True)
    sys.exit(0)


@export_group.command("asyncapi")
@click.argument("path", metavar="FILE")
@click.option("-o", "--output", default="-", show_default=True, metavar="OUT",
              help="With --single: the document to write (`-`: stdout). Otherwise a directory that "
                   "receives one COMPONENT.asyncapi.yaml per component (`-`: every document to stdout, "
                   "separated by `---`).")
@click.option("--single", is_flag=True, help="One document for the whole system instead of one per component.")
@click.option("--format", "output_format", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="Configuration file, for `profiles` directories.")
def export_asyncapi(path, output, single, output_format, config_path):
    """AsyncAPI 3.0 documents for the model in FILE: one per component, or one with --single.

    Brokers become servers (with bindings for the kinds that have them), channels become
    channels, publishes and consumes become send and receive operations; rates, sizes,
    needs and capacity that AsyncAPI has no field for go into `x-msgarch` extensions.
    """
    from msgarch.interop.asyncapi_export import export_model

    try:
        documents, inputs = export_model(path, single=single, config_path=config_path, output_format=output_format)
    except InputError as error:
        fail_with(error)
    if single or output == "-":
        text = "---\n".join(text for _, text in documents) if output_format == "yaml" else (
            documents[0][1] if len(documents) == 1 else "[\n" + ",\n".join(t.rstrip("\n") for _, t in documents) + "\n]\n")
        emit(output, text, inputs, "export asyncapi")
        sys.exit(0)
    import os

    try:
        os.makedirs(output, exist_ok=True)
    except OSError as exc:
        click.echo(f"msgarch export asyncapi: cannot create '{output}': {exc.strerror or exc}", err=True)
        sys.exit(2)
    suffix = ".asyncapi.yaml" if output_format == "yaml" else ".asyncapi.json"
    for component, text in documents:
        emit(os.path.join(output, component + suffix), text, inputs, "export asyncapi")
    sys.exit(0)
