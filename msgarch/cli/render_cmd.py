"""`msgarch render FILE -o OUT`: the topology as SVG, PNG, PDF, DOT, Mermaid or an HTML report."""

from __future__ import annotations

import os
import sys

import click

from msgarch.cli.common import fail_with, read_stdin_if_needed
from msgarch.diagnostics import InputError

#: format -> needs Graphviz's programs
FORMATS = {"svg": True, "png": True, "pdf": True, "dot": False, "mmd": False, "html": True}
LAYOUTS = ("auto", "dot", "neato", "fdp", "sfdp", "circo", "twopi")
GROUPS = ("zone", "broker", "none")
BINARY = ("png", "pdf")


@click.command()
@click.argument("path", metavar="FILE")
@click.option("-o", "--output", required=True, metavar="OUT",
              help="File to write; its suffix picks the format. `-` writes to stdout (text formats).")
@click.option("--format", "output_format", type=click.Choice(sorted(FORMATS)), default=None,
              help="Output format (default: from OUT's suffix; `dot` for `-o -`).")
@click.option("--group", type=click.Choice(GROUPS), default="zone", show_default=True,
              help="Cluster components by zone, by the one broker they use, or not at all.")
@click.option("--heat", is_flag=True,
              help="Colour consumers and brokers by utilisation at peak (green, amber above "
                   "headroom, red at 100%).")
@click.option("--layout", type=click.Choice(LAYOUTS), default="auto", show_default=True,
              help="Graphviz layout engine; auto: dot, or sfdp past 300 nodes or 800 edges.")
@click.option("--legend/--no-legend", default=True, show_default=True, help="Draw the legend.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="Configuration file, for rule selection and `profiles` directories "
                   "(default: .msgarch.toml or pyproject.toml found walking up).")
def render(path, output, output_format, group, heat, layout, legend, config_path):
    """Draw the topology of FILE (a .msgarch file, or - for stdin) into OUT.

    Formats: .svg .png .pdf (need Graphviz), .dot (Graphviz source), .mmd (Mermaid
    flowchart), .html (one self-contained page: diagram, findings, load table, legend;
    needs Graphviz). Findings of `msgarch lint` are drawn on the elements they concern.
    """
    output_format = _format(output, output_format)
    if output == "-" and output_format in BINARY:
        raise click.UsageError(f"{output_format} is binary: give a file name to -o, not -")
    try:
        stdin_text = read_stdin_if_needed([path])
        scene = build(path, stdin_text, config_path, group=group, heat=heat)
    except InputError as error:
        fail_with(error)
    from msgarch.render import GraphvizFailed, GraphvizUnavailable, draw

    try:
        data = draw(scene, output_format, layout=layout, legend=legend)
    except GraphvizUnavailable as exc:
        click.echo(f"msgarch render: .{output_format} needs Graphviz: {exc}", err=True)
        sys.exit(2)
    except GraphvizFailed as exc:
        click.echo(f"msgarch render: {exc}", err=True)
        sys.exit(3)
    if output_format == "mmd":
        from msgarch.render.mermaid import too_large

        problem = too_large(data, scene)
        if problem:
            click.echo(f"msgarch render: warning: Mermaid will not draw this diagram: {problem}", err=True)
    _write(output, data)
    sys.exit(0)


def build(path: str, stdin_text: str | None = None, config_path: str | None = None, *,
          group: str = "zone", heat: bool = False):
    """Load FILE, lint it and size it; return the Scene every format is drawn from."""
    from msgarch import api
    from msgarch.analysis.load import broker_loads, consumer_loads
    from msgarch.lint.config import load_config
    from msgarch.lint.runner import lint_model
    from msgarch.render import Loads, build_scene

    config = load_config(path if path != "-" else ".", config_path)
    model = api.load_one(path, stdin_text)
    profile_of = _profile_lookup(model, config.profiles)
    try:
        from msgarch.analysis import brokerfacts
    except ImportError:  # drawing must not depend on the broker profiles being there
        brokerfacts = None
    if brokerfacts is not None:
        facts = brokerfacts.broker_facts(model, profile_of)
        consumers = consumer_loads(model, per_partition=brokerfacts.per_partition_brokers(facts))
        brokers = broker_loads(model, brokerfacts.capacities(facts))
        sources = {name: item.capacity_source for name, item in facts.items()}
        models = {name: item.model for name, item in facts.items() if item.model}
    else:
        consumers = consumer_loads(model)
        brokers = broker_loads(model, {})
        sources = {name: "declared capacity per node" for name, b in model.brokers.items()
                   if b.capacity_per_node is not None}
        models = {}
    findings = lint_model(model, config)
    return build_scene(model, findings, Loads(consumers, brokers, sources), group=group,
                       heat=heat, broker_models=models)


def _profile_lookup(model, profile_dirs):
    """broker name -> its resolved profile, or None (unknown kind, broken profile file:
    lint reports those; the diagram is still drawn)."""
    try:
        from msgarch import brokers
    except ImportError:
        return lambda name: None
    cache: dict = {}

    def profile_of(name: str):
        if name not in cache:
            try:
                cache[name] = brokers.resolve_profile(model.brokers[name], profile_dirs)
            except (KeyError, brokers.ProfileError):
                cache[name] = None
        return cache[name]

    return profile_of


def _format(output: str, explicit: str | None) -> str:
    if explicit is not None:
        return explicit
    if output == "-":
        return "dot"
    suffix = os.path.splitext(output)[1].lower().lstrip(".")
    if suffix == "mermaid":
        return "mmd"
    if suffix == "gv":
        return "dot"
    if suffix not in FORMATS:
        raise click.UsageError(
            f"cannot tell the format from '{output}': use a suffix among "
            f"{', '.join('.' + f for f in FORMATS)} or give --format")
    return suffix


def _write(output: str, data: str | bytes) -> None:
    if output == "-":
        if isinstance(data, bytes):
            sys.stdout.buffer.write(data)
        else:
            click.echo(data, nl=False)
        return
    try:
        if isinstance(data, bytes):
            with open(output, "wb") as handle:
                handle.write(data)
        else:
            with open(output, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(data)
    except OSError as exc:
        click.echo(f"msgarch render: cannot write '{output}': {exc.strerror or exc}", err=True)
        sys.exit(2)
