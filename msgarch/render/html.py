"""Scene + finished SVGs -> one self-contained HTML page: diagram, findings, load table, legend.

No script, no external resource, and a Content-Security-Policy that forbids both, so
the page opens offline and nothing taken from the model can run in it. Every piece
of model text goes through ``html_text``; the SVGs come from ``svg.finish_svg``.
"""

from __future__ import annotations

from typing import Any, Mapping

from msgarch.render.scene import Scene
from msgarch.render.text import html_text, percent, rate

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

STYLE = """
:root { color-scheme: light; }
body { font-family: Helvetica, Arial, sans-serif; color: #1f2a30; margin: 0; background: #ffffff; }
header, section { padding: 0.5rem 1.5rem; }
header { border-bottom: 1px solid #cfd8dc; background: #f4f6f8; }
h1 { font-size: 1.4rem; margin: 0.4rem 0; }
h2 { font-size: 1.15rem; margin: 1rem 0 0.5rem; }
h3 { font-size: 1rem; margin: 0.8rem 0 0.4rem; }
p.meta, p.note, caption { color: #455a64; font-size: 0.85rem; }
caption { caption-side: bottom; text-align: left; padding-top: 0.3rem; }
figure { margin: 0; overflow: auto; border: 1px solid #cfd8dc; border-radius: 6px; background: #fff; }
figure svg { display: block; max-width: 100%; height: auto; margin: 0 auto; }
table { border-collapse: collapse; font-size: 0.85rem; margin-bottom: 0.5rem; }
th, td { border: 1px solid #cfd8dc; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #eceff1; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.hint { color: #546e7a; }
tr.error td.severity { color: #c62828; font-weight: bold; }
tr.warning td.severity { color: #b36b00; font-weight: bold; }
tr.info td.severity { color: #455a64; }
td.status-ok { background: #c8e6c9; }
td.status-hot { background: #ffe08a; }
td.status-over { background: #f4a3a3; }
code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.85em; }
""".strip()

DASH = "\u2014"
VIEW_NAMES = {"channels": "producers \u2192 channels \u2192 consumers",
              "logical": "logical (producer \u2192 consumer; channels and brokers left out)",
              "brokers": "producer \u2192 broker \u2192 consumer"}
STATUS = {"ok": "within headroom", "hot": "above headroom", "over": "overloaded"}


def to_html(scene: Scene, diagram_svg: str, legend_svg: str = "") -> str:
    """The report page. ``diagram_svg`` and ``legend_svg`` must be finished SVG
    (``svg.finish_svg(..., declaration=False)``): they are embedded as they are."""
    components = sum(1 for n in scene.nodes if n.element == "component")
    brokers = sum(1 for n in scene.nodes if n.element == "broker")
    flows = sum(1 for e in scene.edges if e.role == "produce")
    counts = scene.counts
    if counts:
        summary = (f"{counts['components']} components, {counts['brokers']} brokers, "
                   f"{counts['channels']} channels, {counts['routes']} routes, {counts['publishes']} publishes, "
                   f"{counts['consumes']} consumes; {counts['flows']} flows resolved "
                   f"({counts['derived']} derived from the channels)")
    else:
        summary = f"{components} components, {brokers} brokers, {flows} flows resolved"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="msgarch render">',
        f"<title>{html_text(scene.title)} \u2014 msgarch</title>",
        f"<style>\n{STYLE}\n</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{html_text(scene.title)}</h1>",
        f'<p class="meta">From <code>{html_text(scene.root)}</code>: {summary}. Hover an element of the '
        "diagram for its details and the codes of its findings."
        + (f" View: {html_text(VIEW_NAMES.get(scene.view, scene.view))}." if counts else "") + "</p>",
        "</header>",
        '<section id="diagram">',
        "<h2>Topology</h2>",
        f'<figure class="diagram">\n{diagram_svg}\n</figure>',
        "</section>",
        '<section id="findings">',
        f"<h2>Findings ({len(scene.findings)})</h2>",
        *_findings_table(scene),
        "</section>",
        *_channels_section(scene),
        '<section id="capacity">',
        "<h2>Load and capacity at peak</h2>",
        *_capacity_tables(scene),
        "</section>",
        '<section id="legend">',
        "<h2>Legend</h2>",
        f'<figure class="legend">\n{legend_svg}\n</figure>' if legend_svg else "",
        *_legend_notes(scene),
        "</section>",
        "</body>",
        "</html>",
    ]
    return "\n".join(part for part in parts if part) + "\n"


def _findings_table(scene: Scene) -> list[str]:
    rows = []
    for item in scene.findings:
        d = item.diagnostic
        where = (f"{d.span.path}:{d.span.line}:{d.span.column}" if d.span is not None else "")
        hint = f'<br><span class="hint">{html_text(d.hint)}</span>' if d.hint else ""
        rows.append(
            f'<tr class="{d.severity.label}"><td class="severity">{d.severity.label}</td>'
            f"<td><code>{html_text(d.code)}</code> {html_text(d.name)}</td>"
            f"<td>{html_text(item.element) or DASH}</td>"
            f"<td>{html_text(d.message)}{hint}</td>"
            f"<td><code>{html_text(where)}</code></td></tr>")
    if not rows:
        rows.append('<tr><td colspan="5">No findings.</td></tr>')
    return ['<table id="findings-table">',
            "<thead><tr><th>Severity</th><th>Rule</th><th>Element</th><th>Message</th>"
            "<th>Where</th></tr></thead>",
            "<tbody>", *rows, "</tbody>", "</table>"]


def _rates(entry: Mapping[str, Any]) -> str:
    value, peak = entry.get("rate_per_s"), entry.get("peak_per_s")
    text = ""
    if value is not None and peak is not None and peak != value:
        text = f"{rate(value)}, peak {rate(peak)}"
    elif value is not None or peak is not None:
        text = rate(value if value is not None else peak) if value is not None else f"peak {rate(peak)}"
    if entry.get("without_rate"):
        text = (text + " + " if text else "") + f"{entry['without_rate']} without a rate"
    return text


def _cell_lines(lines: list[str]) -> str:
    return "<br>".join(html_text(line) for line in lines) or DASH


def _channels_section(scene: Scene) -> list[str]:
    """Per channel: broker, type, settings, routes, publishes into it, consumes out of it,
    and the rates derivation gives."""
    if not scene.channels:
        return []
    rows = []
    for row in scene.channels:
        publishes = []
        for p in row["publishes"]:
            key = (" key " + " ".join(f'"{k}"' for k in p["keys"]) if p["keys"]
                   else f" key by {p['key_by']}" if p["key_by"] else "")
            figure = _rates(p)
            publishes.append(f"{p['component']}: {p['message']}{key}" + (f", {figure}" if figure else "")
                             + (f" ({', '.join(p['settings_written'])})" if p["settings_written"] else ""))
        routes = [f"\u2192 {r['to']}: {r['match']}" + (f", {_rates(r)}" if _rates(r) else "")
                  for r in row["routes_out"]]
        routes += [f"\u2190 {r['from']}: {r['match']}" + (f", {_rates(r)}" if _rates(r) else "")
                   for r in row["routes_in"]]
        consumes = []
        for c in row["consumes"]:
            figure = _rates(c)
            consumes.append(f"{c['component']}: {c['message']}" + (f" (group {c['group']})" if c["group"] else "")
                            + (f", {figure}" + (" per instance" if c["per_instance"] else "") if figure else "")
                            + (f" ({', '.join(c['settings_written'])})" if c["settings_written"] else ""))
        kind = f" ({row['broker_kind']})" if row["broker_kind"] else ""
        rows.append(
            f'<tr><td><code>{html_text(row["channel"])}</code></td>'
            f"<td>{html_text(row['broker'] + kind)}</td>"
            f"<td>{html_text(row['type'])}<br><span class=\"hint\">{html_text(row['delivery_means'] or '')}</span></td>"
            f"<td>{_cell_lines(row['settings_written'])}</td>"
            f"<td>{_cell_lines(publishes)}</td>"
            f"<td>{_cell_lines(routes)}</td>"
            f"<td>{_cell_lines(consumes)}</td>"
            f"<td class=\"num\">{html_text(_rates(row['into'])) or DASH}</td></tr>")
    return ['<section id="channels">',
            f"<h2>Channels ({len(scene.channels)})</h2>",
            '<p class="note">Rates are derived: each publish counted on every channel its messages reach '
            "(directly or through routes; a publish with several keys split evenly over them), each consume "
            "receiving its group's share.</p>",
            '<table id="channels-table">',
            "<thead><tr><th>Channel</th><th>Broker</th><th>Type</th><th>Settings</th>"
            "<th>Publishes into it</th><th>Routes</th><th>Consumes from it</th><th>In</th></tr></thead>",
            "<tbody>", *rows, "</tbody>", "</table>", "</section>"]


def _status(utilisation: float | None, headroom: float) -> tuple[str, str]:
    if utilisation is None:
        return "", "capacity unknown"
    level = "over" if utilisation >= 1 else "hot" if utilisation > headroom else "ok"
    return f"status-{level}", STATUS[level]


def _capacity_tables(scene: Scene) -> list[str]:
    headroom = scene.headroom
    loads = scene.loads
    out = [f'<p class="note">Headroom {percent(headroom)} (from the system '
           f"<code>{html_text(scene.title)}</code>). Utilisation at peak: green up to the "
           "headroom, amber above it, red at or above 100%.</p>",
           "<h3>Consumers</h3>"]
    rows = []
    consumer_model = ""
    for name in sorted(loads.consumers):
        load = loads.consumers[name]
        consumer_model = consumer_model or str(load.model).partition("; queue: ")[0]
        estimate = load.estimate
        utilisation = None if estimate is None else estimate.utilisation
        css, status = _status(utilisation, headroom)
        rows.append(
            f"<tr><td>{html_text(name)}</td><td class=\"num\">{load.instances}</td>"
            f"<td class=\"num\">{html_text(rate(load.capacity)) if load.capacity else '?'}</td>"
            f"<td class=\"num\">{html_text(rate(load.peak))}</td>"
            f"<td class=\"num {css}\">{percent(utilisation) if utilisation is not None else '?'}</td>"
            f"<td class=\"{css}\">{status}</td>"
            f"<td>{html_text(estimate.model) if estimate is not None else 'none (capacity unknown)'}</td></tr>")
    if not rows:
        rows.append('<tr><td colspan="7">No component receives a resolved flow.</td></tr>')
    out += ['<table id="consumer-load">',
            "<thead><tr><th>Component</th><th>Instances</th><th>Capacity per instance</th>"
            "<th>Arrivals at peak</th><th>Utilisation at peak</th><th>Status</th>"
            "<th>Queue model</th></tr></thead>",
            "<tbody>", *rows, "</tbody>",
            f"<caption>Model: {html_text(consumer_model)}.</caption>" if consumer_model else "",
            "</table>",
            "<h3>Brokers</h3>"]
    rows = []
    broker_model = ""
    for name in sorted(loads.brokers):
        load = loads.brokers[name]
        broker_model = broker_model or str(load.model)
        css, status = _status(load.utilisation, headroom)
        source = loads.capacity_sources.get(name, "")
        rows.append(
            f"<tr><td>{html_text(name)}</td><td>{html_text(load.kind)}</td>"
            f"<td class=\"num\">{load.nodes}</td>"
            f"<td class=\"num\">{html_text(rate(load.capacity)) if load.capacity else '?'}</td>"
            f"<td>{html_text(source) if load.capacity else 'unknown: no figure declared or in the profile'}</td>"
            f"<td class=\"num\">{html_text(rate(load.peak.messages))}</td>"
            f"<td class=\"num {css}\">{percent(load.utilisation) if load.utilisation is not None else '?'}</td>"
            f"<td class=\"{css}\">{status}</td></tr>")
    if not rows:
        rows.append('<tr><td colspan="8">No brokers.</td></tr>')
    out += ['<table id="broker-load">',
            "<thead><tr><th>Broker</th><th>Kind</th><th>Nodes</th><th>Capacity</th>"
            "<th>Capacity from</th><th>Messages at peak (in + out)</th>"
            "<th>Utilisation at peak</th><th>Status</th></tr></thead>",
            "<tbody>", *rows, "</tbody>",
            f"<caption>Model: {html_text(broker_model)}.</caption>" if broker_model else "",
            "</table>"]
    return [line for line in out if line]


def _legend_notes(scene: Scene) -> list[str]:
    notes = [
        "Components are boxes labelled with their name and instance count; external "
        "components are dashed and grey, in a cluster of their own.",
        "Brokers have a shape per messaging model: hexagon for a broker, a box over a strip "
        "of log segments for a log (Kafka-like), a dashed ellipse for brokerless messaging, "
        "a cylinder for a database, a trapezium for a managed service, a parallelogram "
        "for a task layer.",
        "Lines run producer \u2192 broker \u2192 consumer, labelled with the message type (and "
        "the rate on the producer's side): solid for a queue, dashed for pub/sub, bold for "
        "request-reply with a dotted grey reply line back to the requester.",
        "A red border or line marks an error finding on that element, amber a warning; "
        "the codes are in its tooltip and in the findings table.",
    ]
    if scene.channels and scene.view == "channels":
        notes.append("Channels sit in the cluster of their broker: a diamond for an exchange (routes only), "
                     "a box with message slots for a queue (competing consumers), a box over log segments for "
                     "a topic or stream (a copy per group), an arrow box for a subject (a copy per "
                     "subscriber), an octagon for a socket (ZeroMQ).")
        notes.append("Lines run publisher \u2192 channel \u2192 route \u2192 channel \u2192 consumer, one "
                     "line per pair labelled with the message types and their summed rate; routes are blue "
                     "and labelled with their keys or filter, dead-letter routes dashed brown.")
    elif scene.view == "logical":
        notes.append("Logical view: one line per producer and consumer, labelled with the message types and "
                     "the rate the consumer receives; channels and brokers are left out (see the tooltips).")
    if scene.heat:
        notes.append("Fill colours show utilisation at peak: green up to the headroom, amber "
                     "above it, red at or above 100%; white where the capacity is unknown.")
    grouping = {"zone": "Grey clusters are zones.",
                "broker": "Clusters hold each broker with the components that use only it.",
                "none": "Only external components are grouped."}[scene.group]
    return ["<ul>", *(f"<li>{html_text(note)}</li>" for note in notes + [grouping]), "</ul>"]
