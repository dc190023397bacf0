"""Scene -> Mermaid flowchart text (GitHub renders it inside a ```mermaid block)."""

from __future__ import annotations

from msgarch.render.dot import (
    BROKER_FILL, BROKER_INK, CHANGE_INK, CHANNEL_FILL, CLUSTER_FILL, COMPONENT_FILL, DEAD_LETTER_INK, EDGE_INK,
    EXTERNAL_FILL, HEAT_FILL, INK, MODEL_NAMES, PATTERN_NAMES, ROUTE_INK, SEVERITY_INK, cluster_caption,
    legend_sample,
)
from msgarch.render.scene import Node, Scene
from msgarch.render.text import mermaid_text

#: Mermaid's default limits (GitHub keeps them): past these a diagram does not render.
MERMAID_MAX_EDGES = 500
MERMAID_MAX_TEXT = 50_000

#: Node brackets by scene shape.
BRACKETS = {
    "component": ('["', '"]'),
    "external": ('["', '"]'),
    "broker": ('{{"', '"}}'),
    "log": ('[["', '"]]'),
    "brokerless": ('(["', '"])'),
    "database": ('[("', '")]'),
    "managed-service": ('[/"', '"\\]'),
    "task-layer": ('[/"', '"/]'),
    # channels
    "exchange": ('{"', '"}'),
    "queue": ('("', '")'),
    "topic": ('[["', '"]]'),
    "subject": ('>"', '"]'),
    "socket": ('(("', '"))'),
}

#: Link syntax by pattern; replies are dotted like pub/sub but grey and labelled.
LINKS = {"queue": "-->", "pubsub": "-.->", "request-reply": "==>", "reply": "-.->", "route": "-->",
         "dead-letter": "-.->"}

CLASSES = {
    "component": f"fill:{COMPONENT_FILL},stroke:{INK},color:#1f2a30",
    "external": f"fill:{EXTERNAL_FILL},stroke:{INK},stroke-dasharray:5 4,color:#455a64",
    "broker": f"fill:{BROKER_FILL},stroke:{BROKER_INK},color:#1f2a30",
    "brokerless": f"fill:{BROKER_FILL},stroke:{BROKER_INK},stroke-dasharray:5 4,color:#1f2a30",
    "zone": "fill:#f4f6f8,stroke:#b0bec5",
    "externalzone": "fill:#fafafa,stroke:#b0bec5,stroke-dasharray:5 4",
    "legend": "fill:#ffffff,stroke:#b0bec5",
    "heatok": f"fill:{HEAT_FILL['ok']}",
    "heathot": f"fill:{HEAT_FILL['hot']}",
    "heatover": f"fill:{HEAT_FILL['over']}",
    "error": f"stroke:{SEVERITY_INK['error']},stroke-width:3px",
    "warning": f"stroke:{SEVERITY_INK['warning']},stroke-width:3px",
}

#: Channel views: defined only in diagrams that use them, so v1 diagrams keep their text.
CHANNEL_CLASSES = {
    "channel": f"fill:{CHANNEL_FILL},stroke:{BROKER_INK},color:#1f2a30",
    "brokerzone": f"fill:{CLUSTER_FILL['channels']},stroke:#90a4ae",
}
#: Finding and heat colours of a broker's cluster (after the rest, so they win).
CLUSTER_CLASSES = {
    "zoneheatok": f"fill:{HEAT_FILL['ok']}",
    "zoneheathot": f"fill:{HEAT_FILL['hot']}",
    "zoneheatover": f"fill:{HEAT_FILL['over']}",
    "zoneerror": f"stroke:{SEVERITY_INK['error']},stroke-width:3px",
    "zonewarning": f"stroke:{SEVERITY_INK['warning']},stroke-width:3px",
}

#: `msgarch diff --render` marks, defined only in diagrams that use them.
CHANGE_CLASSES = {
    "added": f"stroke:{CHANGE_INK['added']},stroke-width:3px",
    "removed": f"stroke:{CHANGE_INK['removed']},stroke-width:3px,stroke-dasharray:6 4",
    "changed": f"stroke:{CHANGE_INK['changed']},stroke-width:3px",
}

PATTERN_LINES = {"queue": "—— queue", "pubsub": "- - ▷ pub/sub", "request-reply": "══ request-reply",
                 "reply": "··· reply (grey)", "route": "—— route (blue): binding, subscription",
                 "dead-letter": "- - ▷ dead-letter (brown)"}


def to_mermaid(scene: Scene, legend: bool = True) -> str:
    """A Mermaid ``flowchart TB`` of ``scene``; tooltips are not carried (Mermaid on
    GitHub shows none), findings and heat are colours as in the DOT diagram."""
    out = [f"%% msgarch render of {mermaid_text(scene.root)}",
           "%% generated: edit the .msgarch file, not this one",
           f"%% {mermaid_text(scene.title)}",
           "flowchart TB"]
    classes: dict[str, list[str]] = {}
    for cluster in scene.clusters:
        caption = cluster_caption(cluster)
        out.append(f'  subgraph {cluster.id}["{mermaid_text(caption)}"]')
        for node in scene.nodes_in(cluster.id):
            out.append("    " + _node(node, classes))
        out.append("  end")
        classes.setdefault({"external": "externalzone", "channels": "brokerzone"}.get(cluster.kind, "zone"),
                           []).append(cluster.id)
        if cluster.heat:
            classes.setdefault("zoneheat" + cluster.heat, []).append(cluster.id)
        if cluster.severity:
            classes.setdefault("zone" + cluster.severity, []).append(cluster.id)
    for node in scene.nodes_in(None):
        out.append("  " + _node(node, classes))
    link_styles: dict[str, list[int]] = {}
    for index, edge in enumerate(scene.edges):
        kind = edge.role if edge.role in ("reply", "route", "dead-letter") else edge.pattern
        if edge.role in ("produce", "publish", "consume", "link", "route"):
            label = "\n".join(part for part in (edge.message, edge.rate_label) if part)
        elif edge.role == "deliver":
            label = "\n".join(part for part in (edge.message, edge.rate_label) if part)
        elif edge.role == "dead-letter":
            label = "dead-letter"
        else:
            label = "reply"
        if label or edge.role != "route":
            out.append(f'  {edge.tail} {LINKS[kind]}|"{mermaid_text(label)}"| {edge.head}')
        else:
            out.append(f'  {edge.tail} {LINKS[kind]} {edge.head}')
        if edge.change:
            dashes = ",stroke-dasharray:6 4" if edge.change == "removed" else ""
            link_styles.setdefault(f"stroke:{CHANGE_INK[edge.change]},stroke-width:2.5px{dashes}", []).append(index)
        elif edge.severity:
            link_styles.setdefault(f"stroke:{SEVERITY_INK[edge.severity]},stroke-width:2.5px", []).append(index)
        elif kind == "reply":
            link_styles.setdefault("stroke:#90a4ae", []).append(index)
        elif kind == "route":
            link_styles.setdefault(f"stroke:{ROUTE_INK}", []).append(index)
        elif kind == "dead-letter":
            link_styles.setdefault(f"stroke:{DEAD_LETTER_INK},stroke-dasharray:6 4", []).append(index)
        else:
            link_styles.setdefault(f"stroke:{EDGE_INK}", []).append(index)
    if legend:
        out += _legend(scene, classes)
    for name, style in CLASSES.items():
        out.append(f"  classDef {name} {style}")
    for name in CLASSES:
        if classes.get(name):
            out.append(f"  class {','.join(classes[name])} {name}")
    for name, style in (*CHANNEL_CLASSES.items(), *CLUSTER_CLASSES.items(), *CHANGE_CLASSES.items()):
        if classes.get(name):
            out.append(f"  classDef {name} {style}")
            out.append(f"  class {','.join(classes[name])} {name}")
    for style, indexes in sorted(link_styles.items()):
        out.append(f"  linkStyle {','.join(map(str, indexes))} {style}")
    return "\n".join(out) + "\n"


def too_large(text: str, scene: Scene) -> str:
    """Why GitHub's Mermaid would refuse this diagram, or ""."""
    # Mermaid counts every link, the legend's invisible `~~~` ones too
    links = len(scene.edges) + sum(1 for line in text.splitlines() if " ~~~ " in line)
    if links > MERMAID_MAX_EDGES:
        legend = links - len(scene.edges)
        return (f"{links} edges ({len(scene.edges)} lines" + (f" and {legend} in the legend" if legend else "")
                + f"): Mermaid draws at most {MERMAID_MAX_EDGES} by default "
                "(GitHub keeps that limit); use .svg, `--no-legend`, or `--focus`/`--zone`/`--broker` "
                "to draw part of it")
    if len(text) > MERMAID_MAX_TEXT:
        return (f"{len(text)} characters: Mermaid reads at most {MERMAID_MAX_TEXT} by default; "
                "use .svg for a diagram this large")
    return ""


def _node(node: Node, classes: dict[str, list[str]]) -> str:
    lines = [f"{node.name} {node.detail}" if node.element == "component" else node.name]
    if node.element != "component":
        lines.append(node.detail)
    if node.heat_line:
        lines.append(node.heat_line)
    opening, closing = BRACKETS[node.shape]
    style = ("channel" if node.element == "channel" else
             node.shape if node.shape in ("component", "external", "brokerless") else "broker")
    classes.setdefault(style, []).append(node.id)
    if node.heat:
        classes.setdefault("heat" + node.heat, []).append(node.id)
    if node.severity:
        classes.setdefault(node.severity, []).append(node.id)
    if node.change:
        classes.setdefault(node.change, []).append(node.id)
    return f"{node.id}{opening}{mermaid_text(chr(10).join(lines))}{closing}"


def _legend(scene: Scene, classes: dict[str, list[str]]) -> list[str]:
    shapes = (["component"] + (["external"] if scene.has_external else []) + list(scene.broker_models)
              + [f"channel-{shape}" for shape in scene.channel_shapes])
    out = ['  subgraph legend["Legend"]', "    direction LR"]
    for shape in shapes:
        out.append("    " + _node(legend_sample(shape, f"legend_{shape.replace('-', '_')}", False), classes))
    patterns = list(scene.patterns) or ["queue"]
    if scene.has_replies:
        patterns.append("reply")
    patterns += list(scene.route_roles)
    out.append(f'    legend_lines["{mermaid_text(chr(10).join(PATTERN_LINES[p] for p in patterns))}"]')
    classes.setdefault("legend", []).append("legend_lines")
    if scene.heat:
        headroom = f"{scene.headroom * 100:.0f}%"
        for level, text in (("ok", f"up to headroom ({headroom}) at peak"),
                            ("hot", f"above headroom ({headroom})"), ("over", "at or above 100%")):
            out.append(f'    legend_heat_{level}["{mermaid_text(text)}"]')
            classes.setdefault("legend", []).append(f"legend_heat_{level}")
            classes.setdefault("heat" + level, []).append(f"legend_heat_{level}")
    for level in ("error", "warning"):
        out.append(f'    legend_{level}["{mermaid_text(level + " finding")}"]')
        classes.setdefault("legend", []).append(f"legend_{level}")
        classes.setdefault(level, []).append(f"legend_{level}")
    for change in scene.changes:
        out.append(f'    legend_{change}["{mermaid_text(change + " since the old version")}"]')
        classes.setdefault("legend", []).append(f"legend_{change}")
        classes.setdefault(change, []).append(f"legend_{change}")
    # Invisible links keep the samples on rows instead of one tall column; they come
    # after every real link, so the real links' linkStyle numbers do not move.
    samples = [line.split("[", 1)[0].split("{", 1)[0].split("(", 1)[0].split(">", 1)[0].strip()
               for line in out[2:]]
    for first in range(0, len(samples), 4):
        row = samples[first:first + 4]
        out += [f"    {left} ~~~ {right}" for left, right in zip(row, row[1:])]
    out.append("  end")
    classes.setdefault("zone", []).append("legend")
    return out

