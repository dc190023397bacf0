"""Topology diagrams: pure functions from a model (with its findings and loads) to DOT,
Mermaid and HTML text; ``graphviz_run`` is the one place that runs Graphviz.

    scene = build_scene(model, findings, Loads(consumers, brokers), heat=True)
    to_dot(scene)      # Graphviz source
    to_mermaid(scene)  # Mermaid flowchart
    draw(scene, "html")  # runs Graphviz for the embedded SVG
"""

from __future__ import annotations

from msgarch.render.dot import CLUSTER_LAYOUTS, LAYOUTS, LOOSE_CLUSTER_LAYOUTS, last_rank, legend_dot, pin_legend, resolve_layout, to_dot
from msgarch.render.graphviz_run import GraphvizFailed, GraphvizUnavailable, run_graphviz
from msgarch.render.html import to_html
from msgarch.render.mermaid import to_mermaid
from msgarch.render.scene import GROUPS, Loads, Scene, broker_model, build_scene, locate_findings
from msgarch.render.svg import finish_svg, stack_svg

TEXT_FORMATS = ("dot", "mmd")
GRAPHVIZ_FORMATS = ("svg", "png", "pdf", "html")


def draw(scene: Scene, output_format: str, layout: str = "auto", legend: bool = True,
         docs_url: str | None = None) -> str | bytes:
    """``scene`` in ``output_format``: text for dot, mmd, svg and html; bytes for png and pdf.

    Raises GraphvizUnavailable when a Graphviz format is asked for and Graphviz is missing.
    """
    layout = resolve_layout(scene, layout)
    if output_format == "dot":
        return to_dot(scene, layout, legend)
    if output_format == "mmd":
        return to_mermaid(scene, legend)
    if output_format == "svg":
        if legend and layout != "dot":
            # The force-directed and circular engines ignore rank constraints: a legend drawn
            # into their graph covers the canvas or scatters. Draw it apart, with dot, and
            # stack it under the diagram.
            diagram = finish_svg(run_graphviz(to_dot(scene, layout, legend=False, tooltips=False), "svg", layout),
                                 scene, declaration=False)
            key = finish_svg(run_graphviz(legend_dot(scene), "svg", "dot"), None, declaration=False)
            return stack_svg(diagram, key)
        return finish_svg(run_graphviz(_diagram(scene, layout, legend), "svg", layout), scene)
    if output_format in ("png", "pdf"):
        if legend and layout != "dot":
            # As the SVG: the diagram laid out without its legend, the legend with dot,
            # the legend moved under the diagram, and both drawn as they lie.
            # An engine that ignores clusters writes them without boxes, which `neato -n2`
            # would then draw around the whole picture: leave their subgraphs out.
            laid = run_graphviz(to_dot(scene, layout, legend=False, tooltips=False, name_layout=False,
                                       boxes=layout in CLUSTER_LAYOUTS + LOOSE_CLUSTER_LAYOUTS), "dot", layout)
            key = run_graphviz(legend_dot(scene), "dot", "dot")
            return run_graphviz(pin_legend(laid.decode("utf-8"), key.decode("utf-8")), output_format, positioned=True)
        return run_graphviz(_diagram(scene, layout, legend), output_format, layout)
    if output_format == "html":
        diagram = finish_svg(run_graphviz(to_dot(scene, layout, legend=False, tooltips=False), "svg", layout),
                             scene, declaration=False)
        key = finish_svg(run_graphviz(legend_dot(scene), "svg", "dot"), None,
                         declaration=False) if legend else ""
        return to_html(scene, diagram, key, **({"docs_url": docs_url} if docs_url else {}))
    raise ValueError(f"unknown output format {output_format!r}")


def _diagram(scene: Scene, layout: str, legend: bool) -> str:
    """The DOT to draw. With `dot` and a legend, the diagram is laid out once without it
    first: whichever nodes end on the last rank (a cycle can put a producer there) hold
    the legend below them, so it never sits beside the diagram's bottom row."""
    if not legend or layout != "dot":
        return to_dot(scene, layout, legend, tooltips=False)
    plain = run_graphviz(to_dot(scene, layout, legend=False, tooltips=False), "plain", layout).decode("utf-8", "replace")
    return to_dot(scene, layout, legend, legend_below=last_rank(plain) or None, tooltips=False)


__all__ = [
    "GRAPHVIZ_FORMATS", "GROUPS", "LAYOUTS", "TEXT_FORMATS", "GraphvizFailed", "GraphvizUnavailable",
    "Loads", "Scene", "broker_model", "build_scene", "draw", "finish_svg", "legend_dot",
    "locate_findings", "pin_legend", "resolve_layout", "run_graphviz", "stack_svg", "to_dot", "to_html", "to_mermaid",
]
