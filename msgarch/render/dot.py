"""Scene -> Graphviz DOT text: shapes, line styles and colours of the visual language."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Sequence

from msgarch.render.scene import Cluster, Edge, Node, Scene
from msgarch.render.text import clean, dot_html, dot_string

#: Graphviz engines; ``auto`` is `dot` (layered, with clusters) unless the diagram is large.
LAYOUTS = ("auto", "dot", "neato", "fdp", "sfdp", "circo", "twopi")

#: Past this many nodes or edges a diagram is drawn for completion, not for reading:
#: no edge labels (they stay in tooltips), straight edges, and under ``auto`` the
#: multilevel force-directed `sfdp`, which lays out thousands of nodes in seconds where
#: `dot` either takes minutes or, bounded, flattens a hub-and-spoke estate into a ribbon
#: a few ranks high and hundreds of nodes wide.
LARGE_NODES = 300
LARGE_EDGES = 800

#: The engines that lay out clusters (zones, broker groups, a broker's channels, the
#: external components) as boxes holding their nodes and only them. `sfdp`, `circo` and
#: `twopi` ignore clusters (https://graphviz.org/doc/info/lang.html, "Subgraphs and
#: Clusters": clusters are a convention only some engines follow; fdp's:
#: https://graphviz.org/Gallery/undirected/fdpclust.html). `neato` (Graphviz 2.43) draws
#: a box around each cluster's nodes where they fall, and a box can then hold another
#: zone's components (order-platform's finance box holds `delivery`). Checked in
#: tests/test_render_layouts.py.
CLUSTER_LAYOUTS = ("dot", "fdp")
#: Engines that draw the boxes without keeping the clusters apart.
LOOSE_CLUSTER_LAYOUTS = ("neato",)

# Why ``auto`` does not take `fdp` for a large diagram with clusters: its drawing of
# clusters is not the same from one run to the next (Graphviz 2.43: the same DOT gave
# 5 different layouts in 8 runs, with or without a `start` seed; without clusters it is
# stable), and msgarch's output must be byte-identical for the same input. It is also
# slower: 3.2x sfdp's CPU time at 1,000 flows (336 nodes), 7.0x at 3,000 (1,003 nodes)
# on the benchmark generator's zoned model (`benchmarks/bench_render_views.py --layouts`).

FONT = "Helvetica,Arial,sans-serif"
INK = "#37474f"
EDGE_INK = "#546e7a"
COMPONENT_FILL = "#ffffff"
EXTERNAL_FILL = "#eeeeee"
BROKER_FILL = "#dde7f7"
BROKER_INK = "#2b4f81"
HEAT_FILL = {"ok": "#c8e6c9", "hot": "#ffe08a", "over": "#f4a3a3"}
SEVERITY_INK = {"error": "#c62828", "warning": "#e08600"}
#: `msgarch diff --render`: added green, removed red (and dashed), changed amber.
CHANGE_INK = {"added": "#2e7d32", "removed": "#c62828", "changed": "#ef8f00"}
CLUSTER_FILL = {"zone": "#f4f6f8", "broker": "#f1f4fb", "external": "#fafafa", "channels": "#f1f4fb"}
#: Channel nodes: the broker's blue, a shade lighter; routes in the broker's ink,
#: dead-letter routes dashed in brown.
CHANNEL_FILL = "#e8eefa"
ROUTE_INK = "#2b4f81"
DEAD_LETTER_INK = "#8d6e63"

#: Node shape and style by scene shape (``log`` is drawn as an HTML table).
SHAPES = {
    "component": ("box", "rounded,filled"),
    "external": ("box", "rounded,dashed,filled"),
    "broker": ("hexagon", "filled"),
    "brokerless": ("ellipse", "dashed,filled"),
    "database": ("cylinder", "filled"),
    "managed-service": ("trapezium", "filled"),
    "task-layer": ("parallelogram", "filled"),
    # channels (``topic`` and ``queue`` are drawn as HTML tables)
    "exchange": ("diamond", "filled"),
    "subject": ("cds", "filled"),
    "socket": ("octagon", "filled"),
}

#: Edge style by pattern and role: (style, arrowhead, penwidth).
EDGE_STYLES = {
    "queue": ("solid", "normal", "1.2"),
    "pubsub": ("dashed", "vee", "1.2"),
    "request-reply": ("bold", "normal", "2"),
    "reply": ("dotted", "onormal", "1.2"),
    "route": ("solid", "normal", "1.2"),
    "dead-letter": ("dashed", "empty", "1.2"),
}

PATTERN_NAMES = {"queue": "queue", "pubsub": "pub/sub", "request-reply": "request-reply",
                 "reply": "reply", "route": "route (binding, subscription)", "dead-letter": "dead-letter"}
MODEL_NAMES = {"component": "component x instances", "external": "external component",
               "broker": "broker", "log": "log (Kafka-like)", "brokerless": "brokerless",
               "database": "database", "managed-service": "managed service",
               "task-layer": "task layer", "exchange": "exchange", "queue": "queue",
               "topic": "topic / stream", "subject": "subject", "socket": "socket"}
#: The small line of a channel's legend sample.
CHANNEL_SAMPLES = {"exchange": "routes only", "queue": "competing consumers", "topic": "a copy per group",
                   "subject": "a copy per subscriber", "socket": "ZeroMQ"}


def is_large(scene: Scene) -> bool:
    return len(scene.nodes) > LARGE_NODES or len(scene.edges) > LARGE_EDGES


def resolve_layout(scene: Scene, layout: str = "auto") -> str:
    """The Graphviz engine for ``layout``: ``auto`` is `dot`, or `sfdp` for a large diagram
    (`sfdp` draws no clusters: ``render`` says so and how to keep them)."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, not {layout!r}")
    if layout == "auto":
        return "sfdp" if is_large(scene) else "dot"
    return layout


def cluster_summary(scene: Scene) -> str:
    """What the scene's clusters are, counted: "the 5 zones and the external components' box"."""
    counts: dict[str, int] = {}
    for cluster in scene.clusters:
        counts[cluster.kind] = counts.get(cluster.kind, 0) + 1
    names = {"zone": ("zone", "zones"), "broker": ("broker group", "broker groups"),
             "channels": ("broker box (its channels)", "broker boxes (their channels)"),
             "external": ("external components' box", "external components' boxes")}
    parts = []
    for kind in ("zone", "broker", "channels", "external"):
        if kind in counts:
            one, many = names[kind]
            parts.append(f"the {one}" if counts[kind] == 1 else f"the {counts[kind]} {many}")
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def to_dot(scene: Scene, layout: str = "auto", legend: bool = True, large: bool | None = None,
           legend_below: Sequence[str] | None = None, tooltips: bool = True, name_layout: bool = True,
           boxes: bool = True) -> str:
    """The DOT source of ``scene`` for the Graphviz engine ``layout`` (named in the
    source's ``layout`` attribute, so `dot -Tsvg` on the file uses the same engine).

    ``large`` (default: decided by size) trades edge labels and curved edges for speed.
    ``legend_below``: the nodes the legend must go under (default: the consumers that
    produce nothing; ``draw`` passes those a first layout put on the last rank).
    ``tooltips=False`` leaves the scene's tooltips out (``svg.finish_svg`` puts them into
    the SVG exactly, from the scene): Graphviz then writes no `<a>` wrappers and a
    fraction of the text, which is most of its time on a large diagram.
    ``name_layout=False`` leaves the ``layout`` attribute out (the engine is then the
    program that runs it; ``pin_legend`` needs a laid-out graph that names none).
    ``boxes=False`` writes the clusters' nodes without their subgraphs (for an engine
    that ignores clusters: its ``-Tdot`` output would hold subgraphs without boxes).
    """
    layout = resolve_layout(scene, layout)
    large = is_large(scene) if large is None else large
    out = [f"// msgarch render of {clean(scene.root).replace(chr(10), ' ')}",
           "// generated: edit the .msgarch file, not this one",
           "digraph msgarch {"]
    out += ["  " + line for line in _graph_attributes(scene, layout, large, name_layout)]
    if not tooltips:
        scene = replace(scene, nodes=tuple(replace(n, tooltip="") for n in scene.nodes),
                        edges=tuple(replace(e, tooltip="") for e in scene.edges),
                        clusters=tuple(replace(c, tooltip="") for c in scene.clusters))
    members: dict[str | None, list[Node]] = {}
    for node in scene.nodes:
        members.setdefault(node.cluster, []).append(node)
    for cluster in scene.clusters:
        if boxes:
            out += _cluster(cluster, tuple(members.get(cluster.id, ())), scene, tooltips)
        else:  # the same nodes in the same order, so an engine that ignores clusters lays out the same
            out += ["  " + _node(node) for node in members.get(cluster.id, ())]
    for node in members.get(None, ()):
        out.append("  " + _node(node))
    for edge in scene.edges:
        out.append("  " + _edge(edge, large))
    if legend and layout == "dot":
        # Invisible edges from the bottom nodes to the middle of the legend's first row
        # put the legend, centred, below the diagram. (rank=sink does not reach into a
        # cluster; edges from every node would pull the whole layout onto one rank; with
        # weight 0 Graphviz does not hold them across clusters.) Without a first layout
        # to tell, the bottom nodes are taken to be the pure consumers; should another
        # node end up on the legend's rank, the two sit side by side, never overlapping.
        if legend_below is None:
            producers = {edge.tail for edge in scene.edges if edge.role != "reply"}
            legend_below = [node.id for node in scene.nodes if node.id not in producers]
        row = _legend_first_row(scene)
        anchor = row[(len(row) - 1) // 2]
        out += [f'  "{node_id}" -> "{anchor}" [style=invis];' for node_id in legend_below]
    if legend:
        out += _legend(scene)
    out.append("}")
    return "\n".join(out) + "\n"


def last_rank(plain: str) -> list[str]:
    """The nodes on the lowest row of a top-to-bottom layout, from Graphviz's ``plain``
    output (``node NAME X Y ...``, Y growing upwards)."""
    rows = []
    for line in plain.splitlines():
        parts = line.split()
        if len(parts) > 3 and parts[0] == "node":
            rows.append((float(parts[3]), parts[1].strip('"')))
    if not rows:
        return []
    lowest = min(y for y, _ in rows)
    return sorted(name for y, name in rows if y - lowest < 0.01)


def legend_dot(scene: Scene) -> str:
    """A DOT graph of the legend alone (the HTML report shows it beside its tables)."""
    out = ["digraph legend {",
           f'  graph [rankdir=TB, fontname="{FONT}", bgcolor="transparent", pad="0.1", nodesep="0.35", ranksep="0.3"];',
           f'  node [fontname="{FONT}", fontsize=10];',
           f'  edge [fontname="{FONT}", fontsize=9];']
    out += _legend(scene, framed=False)
    out.append("}")
    return "\n".join(out) + "\n"


_BB = re.compile(r'\bbb="(-?[\d.]+),(-?[\d.]+),(-?[\d.]+),(-?[\d.]+)"')
_POSITIONS = re.compile(r'\b(?:pos|lp)="[^"]*"')
_POINT = re.compile(r"(-?[\d.]+),(-?[\d.]+)")
#: Graphviz's own defaults for what the diagram's `node [...]` and `edge [...]` set and the
#: legend does not: the legend keeps the look (and so the sizes) it was laid out with.
_LEGEND_DEFAULTS = ('  node [color=black, fontcolor=black, penwidth=1, margin="0.11,0.055"];',
                    "  edge [color=black, fontcolor=black, arrowsize=1];")


def pin_legend(diagram: str, legend: str, gap: float = 12.0) -> str:
    """One laid-out DOT graph: ``diagram`` (Graphviz's ``-Tdot`` output of ``to_dot(...,
    legend=False, name_layout=False)`` under any engine) with ``legend`` (``-Tdot`` of
    ``legend_dot`` under dot) moved, centred, ``gap`` points below it; drawn with
    `neato -n2` (``run_graphviz(..., positioned=True)``), which keeps every position, it
    is the picture the SVG stacks, as one PNG or PDF. Only the legend's coordinates are
    rewritten: its text is msgarch's own, never the model's."""
    box, key_box = _BB.search(diagram), _BB.search(legend)
    if box is None or key_box is None or "{" not in legend:
        raise ValueError("pin_legend needs two laid-out graphs (Graphviz's -Tdot output)")
    left, bottom, right, _ = map(float, box.groups())
    key_left, _, key_right, key_top = map(float, key_box.groups())
    dx = left + (right - left - (key_right - key_left)) / 2 - key_left
    dy = bottom - gap - key_top

    def moved(match: re.Match) -> str:
        return _POINT.sub(lambda p: f"{float(p.group(1)) + dx:.2f},{float(p.group(2)) + dy:.2f}", match.group(0))

    body = legend[legend.index("{") + 1:legend.rindex("}")]
    body = re.sub(r"\s*graph \[[^\]]*\];", "", body, count=1)  # its bb, pad, bgcolor: the diagram's hold
    body = _POSITIONS.sub(moved, body)
    end = diagram.rindex("}")
    return diagram[:end] + '  subgraph "legend" {\n' + "\n".join(_LEGEND_DEFAULTS) + body + "  }\n}\n"


def _graph_attributes(scene: Scene, layout: str, large: bool, name_layout: bool = True) -> list[str]:
    graph = [f"layout={layout}"] if name_layout else []
    graph += [f'fontname="{FONT}"', "fontsize=16", "labelloc=t",
             f"label=<<B>{dot_html(scene.title)}</B>>", 'bgcolor="white"', 'pad="0.3"',
             "outputorder=edgesfirst"]
    if layout == "dot":
        graph += ["rankdir=TB", 'nodesep="0.35"', 'ranksep="0.6"']
        if large:
            # Straight edges and bounded crossing minimisation: minutes become seconds.
            graph += ["splines=line", "mclimit=0.3", "nslimit=2", "nslimit1=2", "searchsize=10",
                      "remincross=false"]
    elif layout in ("neato", "fdp", "sfdp"):
        graph += ["overlap=false" if not large else "overlap=prism", 'sep="+8"',
                  "splines=" + ("false" if large else "true")]
        if layout == "sfdp":
            graph += ["beautify=true"] if not large else []
    else:  # circo, twopi
        graph += ["overlap=false", "splines=" + ("false" if large else "true")]
    return [f"graph [{', '.join(graph)}];",
            f'node [fontname="{FONT}", fontsize=11, color="{INK}", fontcolor="#1f2a30", '
            f'penwidth=1.2, margin="0.12,0.06"];',
            f'edge [fontname="{FONT}", fontsize=9, color="{EDGE_INK}", fontcolor="#33434c", '
            f'arrowsize=0.8];']


def cluster_caption(cluster: Cluster) -> str:
    return {"zone": "zone ", "broker": "on broker ", "channels": "broker "}.get(cluster.kind, "") + cluster.label


def _cluster(cluster: Cluster, nodes: tuple[Node, ...], scene: Scene, tooltips: bool = True) -> list[str]:
    style = "dashed,rounded" if cluster.kind == "external" else "rounded,filled"
    caption = cluster_caption(cluster)
    if cluster.kind == "channels":
        ink = SEVERITY_INK.get(cluster.severity or "", "#90a4ae")
        fill = HEAT_FILL.get(cluster.heat or "", CLUSTER_FILL["channels"])
        width = ", penwidth=3" if cluster.severity else ""
        lines = [f'  subgraph "{cluster.id}" {{',
                 f'    graph [id="{cluster.id}", label=<<B>{dot_html(caption)}</B>>, labeljust=l, fontsize=11, '
                 f'style="{style}", color="{ink}"{width}, fillcolor="{fill}"'
                 + (f', tooltip="{dot_string(cluster.tooltip or caption)}"' if tooltips else "") + "];"]
        lines += ["    " + _node(node) for node in nodes]
        lines.append("  }")
        return lines
    lines = [f'  subgraph "{cluster.id}" {{',
             f'    graph [id="{cluster.id}", label=<<I>{dot_html(caption)}</I>>, labeljust=l, fontsize=11, '
             f'style="{style}", color="#b0bec5", fillcolor="{CLUSTER_FILL[cluster.kind]}"'
             + (f', tooltip="{dot_string(caption)}"' if tooltips else "") + "];"]
    lines += ["    " + _node(node) for node in nodes]
    lines.append("  }")
    return lines


def _node(node: Node) -> str:
    fill = HEAT_FILL.get(node.heat or "", EXTERNAL_FILL if node.shape == "external" else
                         COMPONENT_FILL if node.element == "component" else
                         CHANNEL_FILL if node.element == "channel" else BROKER_FILL)
    ink = SEVERITY_INK.get(node.severity or "", INK if node.element == "component" else BROKER_INK)
    width = "3" if node.severity else "1.2"
    if node.change:
        ink, width = CHANGE_INK[node.change], "3"
    attrs = {"id": node.id}
    if node.tooltip:
        attrs["tooltip"] = f'"{dot_string(node.tooltip)}"'
    name = f"<B>{dot_html(node.name)}</B>"
    small = [dot_html(node.detail)] if node.element != "component" else []
    if node.heat_line:
        small.append(dot_html(node.heat_line))
    if node.shape == "log" or (node.element == "channel" and node.shape == "topic"):
        attrs.update(shape="plain", label=_log_label(name, small, fill, ink, width))
    elif node.element == "channel" and node.shape == "queue":
        attrs.update(shape="plain", label=_queue_label(name, small, fill, ink, width))
    else:
        shape, style = SHAPES[node.shape]
        if node.change == "removed" and "dashed" not in style:
            style += ",dashed"
        # One font per line: browsers measure text differently from Graphviz, and a
        # bold run followed by a regular one on the same line can then overlap.
        head = name if node.element != "component" else f"<B>{dot_html(node.name + ' ' + node.detail)}</B>"
        label = head + "".join(f'<BR/><FONT POINT-SIZE="9">{line}</FONT>' for line in small)
        attrs.update(shape=shape, style=f'"{style}"', fillcolor=f'"{fill}"', color=f'"{ink}"',
                     penwidth=width, label=f"<{label}>")
        if node.shape == "external":
            attrs["fontcolor"] = '"#455a64"'
    return f'"{node.id}" [{_attributes(attrs)}];'


def _log_label(name: str, small: list[str], fill: str, ink: str, width: str) -> str:
    """A log broker: its name over a strip of segments, the append-only log."""
    text = name + "".join(f'<BR/><FONT POINT-SIZE="9">{line}</FONT>' for line in small)
    border = "3" if width != "1.2" else "1"
    segments = "".join('<TD WIDTH="10" HEIGHT="8" BGCOLOR="white"></TD>' for _ in range(6))
    return (f'<<TABLE BORDER="{border}" COLOR="{ink}" CELLBORDER="0" CELLSPACING="0" '
            f'CELLPADDING="3" BGCOLOR="{fill}" STYLE="rounded">'
            f'<TR><TD COLSPAN="6" CELLPADDING="4">{text}</TD></TR>'
            f'<TR><TD COLSPAN="6" CELLPADDING="2"><TABLE BORDER="0" CELLBORDER="1" '
            f'CELLSPACING="0" COLOR="{ink}"><TR>{segments}</TR></TABLE></TD></TR></TABLE>>')


def _queue_label(name: str, small: list[str], fill: str, ink: str, width: str) -> str:
    """A queue: its name beside a row of waiting messages, the queue of the AMQP pictures."""
    text = name + "".join(f'<BR/><FONT POINT-SIZE="9">{line}</FONT>' for line in small)
    border = "3" if width != "1.2" else "1"
    slots = "".join('<TD WIDTH="8" HEIGHT="18" BGCOLOR="white"></TD>' for _ in range(4))
    return (f'<<TABLE BORDER="{border}" COLOR="{ink}" CELLBORDER="0" CELLSPACING="0" '
            f'CELLPADDING="3" BGCOLOR="{fill}">'
            f'<TR><TD CELLPADDING="4">{text}</TD><TD CELLPADDING="3"><TABLE BORDER="0" CELLBORDER="1" '
            f'CELLSPACING="0" COLOR="{ink}"><TR>{slots}</TR></TABLE></TD></TR></TABLE>>')


def _edge(edge: Edge, large: bool) -> str:
    if edge.role in ("publish", "consume", "route", "dead-letter", "link"):
        return _channel_edge(edge, large)
    style, arrowhead, width = EDGE_STYLES["reply" if edge.role == "reply" else edge.pattern]
    attrs = {"id": edge.id, "style": style, "arrowhead": arrowhead, "penwidth": width}
    if edge.tooltip:
        attrs["tooltip"] = f'"{dot_string(edge.tooltip)}"'
    if edge.severity:
        attrs["color"] = f'"{SEVERITY_INK[edge.severity]}"'
        attrs["penwidth"] = "2.5"
    if edge.role == "reply":
        attrs["color"] = '"#90a4ae"'
    if edge.change:
        attrs["color"] = f'"{CHANGE_INK[edge.change]}"'
        attrs["penwidth"] = "2.5"
        if edge.change == "removed":
            attrs["style"] = "dashed"
    if not large:
        if edge.role == "produce":
            rate_line = f"<BR/>{dot_html(edge.rate_label)}" if edge.rate_label else ""
            attrs["label"] = f"<{dot_html(edge.message)}{rate_line}>"
        elif edge.role == "deliver":
            count = f"<BR/>{dot_html(edge.rate_label)}" if edge.rate_label else ""  # merged: "3 flows"
            attrs["label"] = f'<<FONT COLOR="#607d8b">{dot_html(edge.message)}{count}</FONT>>'
        else:
            attrs["label"] = '<<FONT COLOR="#78909c">reply</FONT>>'
    return f'"{edge.tail}" -> "{edge.head}" [{_attributes(attrs)}];'


def _channel_edge(edge: Edge, large: bool) -> str:
    """The lines of the channel and logical views: publishes and consumes styled by the
    pattern of the flows they carry, routes solid in the broker's ink, dead-letter
    routes dashed."""
    kind = edge.role if edge.role in ("route", "dead-letter") else edge.pattern
    style, arrowhead, width = EDGE_STYLES[kind]
    attrs = {"id": edge.id, "style": style, "arrowhead": arrowhead, "penwidth": width}
    if edge.tooltip:
        attrs["tooltip"] = f'"{dot_string(edge.tooltip)}"'
    if edge.role == "route":
        attrs["color"] = f'"{ROUTE_INK}"'
    elif edge.role == "dead-letter":
        attrs["color"] = f'"{DEAD_LETTER_INK}"'
    if edge.severity:
        attrs["color"] = f'"{SEVERITY_INK[edge.severity]}"'
        attrs["penwidth"] = "2.5"
    if edge.change:
        attrs["color"] = f'"{CHANGE_INK[edge.change]}"'
        attrs["penwidth"] = "2.5"
        if edge.change == "removed":
            attrs["style"] = "dashed"
    if not large:
        rate_line = f"<BR/>{dot_html(edge.rate_label)}" if edge.rate_label else ""
        if edge.role in ("publish", "link"):
            attrs["label"] = f"<{dot_html(edge.message)}{rate_line}>"
        elif edge.role == "consume":
            attrs["label"] = f'<<FONT COLOR="#607d8b">{dot_html(edge.message)}{rate_line}</FONT>>'
        elif edge.role == "route":
            text = f"<I>{dot_html(edge.message)}</I>" if edge.message else ""
            rate_text = (("<BR/>" if text else "") + dot_html(edge.rate_label)) if edge.rate_label else ""
            if text or rate_text:
                attrs["label"] = f'<<FONT COLOR="{ROUTE_INK}">{text}{rate_text}</FONT>>'
        else:
            attrs["label"] = f'<<FONT COLOR="{DEAD_LETTER_INK}"><I>dead-letter</I></FONT>>'
    return f'"{edge.tail}" -> "{edge.head}" [{_attributes(attrs)}];'


def _attributes(attrs: dict[str, str]) -> str:
    return ", ".join(f"{key}={value}" for key, value in attrs.items())


def _legend_shapes(scene: Scene) -> list[str]:
    return (["component"] + (["external"] if scene.has_external else []) + list(scene.broker_models)
            + [f"channel-{shape}" for shape in scene.channel_shapes])


def legend_sample(shape: str, node_id: str, tooltip: bool = True) -> Node:
    """The sample node of a legend entry (``channel-queue``: a channel shape)."""
    if shape.startswith("channel-"):
        kind = shape[len("channel-"):]
        return Node(id=node_id, element="channel", name=MODEL_NAMES[kind], shape=kind,
                    detail=CHANNEL_SAMPLES[kind], heat_line="", tooltip=MODEL_NAMES[kind] if tooltip else "",
                    cluster=None, heat=None, severity=None)
    is_component = shape in ("component", "external")
    return Node(id=node_id, element="component" if is_component else "broker",
                name=MODEL_NAMES[shape].replace(" x instances", ""), shape=shape,
                detail="x instances" if is_component else "kind x nodes", heat_line="",
                tooltip=MODEL_NAMES[shape] if tooltip else "", cluster=None, heat=None, severity=None)


def _legend_first_row(scene: Scene) -> list[str]:
    return [f"legend_{shape.replace('-', '_')}" for shape in _legend_shapes(scene)] + ["legend_colours"]


def _legend(scene: Scene, framed: bool = True) -> list[str]:
    """Samples of every shape, line and colour the diagram uses: the shapes and the
    colours on one row, the line styles on a second."""
    shapes = _legend_shapes(scene)
    indent = "    " if framed else "  "
    lines = []
    if framed:
        lines += ['  subgraph "cluster_legend" {',
                  '    graph [id="cluster_legend", label=<<B>Legend</B>>, labeljust=l, fontsize=11, '
                  'style="rounded", color="#b0bec5", fillcolor="white", tooltip="legend"];']
    first_row = []
    for shape in shapes:
        node_id = f"legend_{shape.replace('-', '_')}"
        first_row.append(node_id)
        lines.append(indent + _node(legend_sample(shape, node_id)))
    second_row: list[str] = []
    sample_edges = {}
    patterns = list(scene.patterns) or ["queue"]
    if scene.has_replies:
        patterns.append("reply")
    patterns += list(scene.route_roles)
    for pattern in patterns:
        key = pattern.replace("-", "_")
        style, arrowhead, width = EDGE_STYLES[pattern]
        tail, head = f"legend_{key}_from", f"legend_{key}_to"
        second_row += [tail, head]
        colour = {"reply": ', color="#90a4ae"', "route": f', color="{ROUTE_INK}"',
                  "dead-letter": f', color="{DEAD_LETTER_INK}"'}.get(pattern, "")
        lines.append(f'{indent}"{tail}" [id={tail}, shape=point, width=0.06, tooltip="{pattern}"];')
        lines.append(f'{indent}"{head}" [id={head}, shape=plaintext, fontsize=10, margin="0.08,0", '
                     f'label=<{PATTERN_NAMES[pattern]}>, tooltip="{pattern}"];')
        sample_edges[(tail, head)] = (f'[style={style}, arrowhead={arrowhead}, penwidth={width}, '
                                      f'minlen=1, tooltip="{pattern}"{colour}]')
    cells = []
    if scene.heat:
        headroom = f"{scene.headroom * 100:.0f}%"
        cells += [(f'BGCOLOR="{HEAT_FILL["ok"]}"', f"utilisation at peak up to the headroom ({headroom})"),
                  (f'BGCOLOR="{HEAT_FILL["hot"]}"', "above the headroom"),
                  (f'BGCOLOR="{HEAT_FILL["over"]}"', "at or above 100%")]
    cells += [(f'BORDER="3" COLOR="{SEVERITY_INK[level]}"', f"{level} finding (code in the tooltip)")
              for level in ("error", "warning")]
    cells += [(f'BGCOLOR="{CHANGE_INK[change]}"', f"{change} since the old version" + (" (dashed)" if change == "removed" else ""))
              for change in scene.changes]
    table = "".join(f'<TR><TD {cell} WIDTH="16" HEIGHT="10"></TD>'
                    f'<TD ALIGN="LEFT">{text}</TD></TR>' for cell, text in cells)
    lines.append(f'{indent}"legend_colours" [id=legend_colours, shape=plain, tooltip="colours", fontsize=10, '
                 f'label=<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" CELLPADDING="1">{table}</TABLE>>];')
    first_row.append("legend_colours")
    for row in (first_row, second_row):
        lines.append(f'{indent}{{ rank=same; {" ".join(chr(34) + n + chr(34) for n in row)} }}')
    for row in (first_row, second_row):
        for left, right in zip(row, row[1:]):
            lines.append(f'{indent}"{left}" -> "{right}" {sample_edges.get((left, right), "[style=invis]")};')
    lines.append(f'{indent}"{first_row[0]}" -> "{second_row[0]}" [style=invis];')
    if framed:
        lines.append("  }")
    return lines
