"""`msgarch render FILE -o OUT`: the topology as SVG, PNG, PDF, DOT, Mermaid or an HTML report."""

from __future__ import annotations

import os
import sys

import click

from msgarch.cli.common import check_output, draw_to, fail_with, input_paths, read_stdin_if_needed
from msgarch.diagnostics import InputError

#: format -> needs Graphviz's programs
FORMATS = {"svg": True, "png": True, "pdf": True, "dot": False, "mmd": False, "html": True}
LAYOUTS = ("auto", "dot", "neato", "fdp", "sfdp", "circo", "twopi")
GROUPS = ("zone", "broker", "none")
VIEWS = ("channels", "logical", "brokers")
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
              help="Graphviz layout engine; auto: dot, or past 300 nodes or 800 edges fdp (keeps zones) up to 1,000 nodes with clusters, else sfdp. sfdp, circo and twopi draw no zones; neato does not keep them apart.")
@click.option("--view", type=click.Choice(VIEWS), default=None,
              help="channels (default): producers -> channels -> consumers (v1 flows via their broker, as "
                   "before); logical: producer -> consumer only, channels and brokers left out (for "
                   "large systems); brokers: every flow, derived ones too, via its broker.")
@click.option("--legend/--no-legend", default=True, show_default=True, help="Draw the legend.")
@click.option("--focus", metavar="NAME", default=None,
              help="Draw only the component or channel NAME and its neighbours (see --depth).")
@click.option("--depth", type=click.IntRange(min=0), default=1, show_default=True,
              help="With --focus: how many lines away a neighbour may be.")
@click.option("--zone", metavar="NAME", default=None,
              help="Draw only the components of zone NAME, the lines touching them and what they reach.")
@click.option("--broker", "broker_name", metavar="NAME", default=None,
              help="Draw only what broker NAME carries: it, its channels and the lines touching them.")
@click.option("--docs-url", metavar="URL", default=None,
              help="Where the HTML report's rule codes link to (default: the project's docs/rules).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="Configuration file, for rule selection and `profiles` directories "
                   "(default: .msgarch.toml or pyproject.toml found walking up).")
@click.option("--force", is_flag=True,
              help="Write OUT even when it is a symbolic link leading out of the working directory "
                   "(an input of the run is never overwritten).")
def render(path, output, output_format, group, heat, layout, view, legend, focus, depth, zone, broker_name,
           docs_url, config_path, force):
    """Draw the topology of FILE (a .msgarch file, or - for stdin) into OUT.

    Formats: .svg .png .pdf (need Graphviz), .dot (Graphviz source), .mmd (Mermaid
    flowchart), .html (one self-contained page: diagram, findings, channels, load table,
    legend; needs Graphviz). Findings of `msgarch lint` are drawn on the elements they
    concern.
    """
    output_format = _format(output, output_format)
    if output == "-" and output_format in BINARY:
        raise click.UsageError(f"{output_format} is binary: give a file name to -o, not -")
    from msgarch.render.html import docs_url_ok
    from msgarch.render.scope import ScopeError

    if docs_url is not None and not docs_url_ok(docs_url):
        raise click.BadParameter("give an http(s) URL or a path", param_hint="--docs-url")
    try:
        stdin_text = read_stdin_if_needed([path])
        inputs: list[str] = []
        scene = build(path, stdin_text, config_path, group=group, heat=heat, view=view, inputs=inputs,
                      focus=focus, depth=depth, zone=zone, broker=broker_name)
    except InputError as error:
        fail_with(error)
    except ScopeError as error:
        click.echo(f"msgarch render: error: {error}", err=True)
        sys.exit(2)
    if not scene.nodes:
        what = f"its {scene.scope}" if scene.scope else "it"
        click.echo(f"msgarch render: nothing to draw: {'-' if path == '-' else path} declares no component, "
                   f"broker or channel in {what} (a file of kinds and messages is drawn through a file that "
                   "`use`s it); nothing written", err=True)
        sys.exit(2)
    check_output(output, inputs, "render", force)
    _suggest_logical(scene, view)
    _say_layout(scene, layout, output_format)
    options = {"docs_url": docs_url} if docs_url else {}
    draw_to(output, scene, output_format, "render", layout=layout, legend=legend, **options)
    sys.exit(0)


def build(path: str, stdin_text: str | None = None, config_path: str | None = None, *,
          group: str = "zone", heat: bool = False, view: str | None = None, inputs: list | None = None,
          focus: str | None = None, depth: int = 1, zone: str | None = None, broker: str | None = None,
          merge: bool = True):
    """Load FILE, lint it and size it; return the Scene every format is drawn from
    (``inputs`` receives every file the run read): parallel lines merged (``merge``) and
    restricted to ``focus``/``zone``/``broker`` (``msgarch.render.scope``)."""
    from msgarch import api
    from msgarch.lint.config import load_config
    from msgarch.render import Loads, build_scene

    config = load_config(path if path != "-" else ".", config_path)
    model = api.load_one(path, stdin_text, config.profiles)
    if inputs is not None:
        inputs += input_paths([model], config)
    analysis = api.analyse(model, config)
    from msgarch.render.scope import merge_parallel, restrict

    scene = build_scene(analysis.model, analysis.findings,
                        Loads(analysis.consumers, analysis.brokers, analysis.capacity_sources),
                        group=group, heat=heat, broker_models=analysis.broker_models, view=view)
    scene = restrict(scene, analysis.model, focus=focus, depth=depth, zone=zone, broker=broker)
    return merge_parallel(scene, analysis.model) if merge else scene


def _say_layout(scene, layout: str, output_format: str) -> None:
    """Say on stderr what the layout does to the picture: `--layout auto` switching from
    dot to sfdp on a large diagram (and the clusters sfdp then drops), and an engine asked
    for that cannot draw clusters (sfdp, circo, twopi) or does not keep them apart (neato)."""
    from msgarch.render.dot import (CLUSTER_LAYOUTS, LARGE_EDGES, LARGE_NODES, LOOSE_CLUSTER_LAYOUTS,
                                    cluster_summary, is_large, resolve_layout)

    if output_format == "mmd":
        return  # Mermaid lays out by itself
    engine = resolve_layout(scene, layout)
    boxes = cluster_summary(scene) if scene.clusters else ""
    zones = sorted(c.label for c in scene.clusters if c.kind == "zone")
    one_zone = f"`--zone {zones[0]}` draws one zone" if zones else ""
    fdp = "`--layout fdp` keeps them (slower, and its layout of clusters varies from run to run)"
    if layout == "auto" and is_large(scene):
        said = (f"msgarch render: note: {len(scene.nodes)} nodes and {len(scene.edges)} lines (past {LARGE_NODES} "
                f"nodes or {LARGE_EDGES} lines): `--layout auto` draws with sfdp instead of dot, edge labels move "
                "into the tooltips; ")
        if boxes:
            said += f"sfdp cannot draw {boxes}: {fdp}" + (f", {one_zone}" if one_zone else "") + "; "
        click.echo(said + "`--layout dot` for the layered picture, `--focus`, `--zone` or `--broker` to draw "
                   "part of it", err=True)
    elif layout != "auto" and boxes and engine in LOOSE_CLUSTER_LAYOUTS:
        click.echo(f"msgarch render: note: `--layout {engine}` does not keep clusters apart: it draws a box around "
                   f"each of {boxes} where its nodes fall, and a box can hold another's nodes; `--layout fdp` "
                   "keeps them apart, as does dot" + (f"; {one_zone}" if one_zone else ""), err=True)
    elif layout != "auto" and boxes and engine not in CLUSTER_LAYOUTS:
        click.echo(f"msgarch render: note: `--layout {engine}` cannot draw clusters, so {boxes} "
                   f"{'is' if len(scene.clusters) == 1 else 'are'} not drawn; `--layout fdp` keeps them, as does "
                   "dot" + (f"; {one_zone}" if one_zone else ""), err=True)


def _suggest_logical(scene, view: str | None) -> None:
    """A large channel diagram drawn by default: say that the logical view is smaller."""
    from msgarch.render.dot import is_large

    if view is None and scene.channels and is_large(scene):
        click.echo(f"msgarch render: note: {len(scene.nodes)} nodes and {len(scene.edges)} lines; "
                   "`--view logical` draws producer -> consumer only", err=True)


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
