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
from msgarch.cli.lint_cmd import FORMATS as _FINDING_FORMATS  # lint's output formats, for the findings
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
@click.option("--format", "output_format", type=click.Choice(sorted(_FINDING_FORMATS)), default="text",
              show_default=True, help="Format of the findings (X804 binding mismatches), as lint's.")
@click.option("--report", "report_path", default=None, metavar="FILE",
              help="Write the findings to FILE instead of stderr (never one of the inputs or the model).")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info", "never"]), default="error",
              show_default=True, help="Lowest severity of a finding that makes the exit code 1.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even with findings (2 still means unusable input).")
def import_asyncapi(paths, output, root, timing, output_format, report_path, fail_on, exit_zero):
    """One .msgarch model from AsyncAPI 2.x or 3.x documents (YAML or JSON), one per application.

    Servers become brokers, channels on a server become channels (one per address and
    server, whichever document names it), send/receive operations become publishes and
    consumes of the document's application, a reply makes the send request-reply.
    Local `$ref`s are followed (sibling files too) inside the root tree; URLs are never
    fetched. Rates and capacities come only from `x-msgarch` extensions. Every line
    says which document and JSON pointer it came from.

    Two documents that give one channel different binding values are finding X804
    (binding-mismatch), at the second document's line with the first's as a related
    location, on stderr (or --report) in the --format chosen; the model is still written,
    keeping the first document's value. Exit codes: 0 no finding at or above --fail-on,
    1 findings, 2 unusable input.
    """
    from msgarch.interop.asyncapi_import import import_documents
    from msgarch.lint.runner import exit_code

    started = time.perf_counter()
    if report_path is not None and (report_path == output == "-" or (
            "-" not in (report_path, output) and _same(report_path, output))):
        click.echo("msgarch import asyncapi: --report and -o name the same file (the model and the findings "
                   "cannot share one)", err=True)
        sys.exit(2)
    try:
        result = import_documents(list(paths), root=root)
    except InputError as error:
        fail_with(error)
    if report_path is not None:
        check_output(report_path, result.inputs, "import asyncapi")
    emit(output, result.text, result.inputs, "import asyncapi")
    for note in result.notes:
        click.echo(f"msgarch import asyncapi: note: {note}", err=True)
    if result.findings or output_format != "text" or report_path is not None:
        import importlib

        from msgarch.output.report import Report

        report = Report(tuple(result.findings), len(result.inputs), result.sources)
        rendered = importlib.import_module(_FINDING_FORMATS[output_format]).render(
            report, colour=False, with_statistics=False)
        if report_path is None:
            click.echo(rendered, err=True, nl=False)
        else:
            write_output(report_path, rendered, "import asyncapi")
    if timing:
        click.echo(f"msgarch import asyncapi: {len(paths)} document(s) in "
                   f"{time.perf_counter() - started:.3f} s", err=True)
    code = exit_code(list(result.findings), fail_on)
    sys.exit(0 if exit_zero else code)


def _same(a: str, b: str) -> bool:
    import os

    return os.path.realpath(a) == os.path.realpath(b)


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
