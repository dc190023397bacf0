"""Scene + finished SVGs -> one self-contained HTML page: diagram, findings, load table, legend.

The page is a small tool: click an element of the diagram for its findings and load,
click a finding to highlight its element, sort and filter the findings, zoom and pan the
diagram. One fixed script does that (``SCRIPT``, allowed by its SHA-256 in the page's
Content-Security-Policy, which forbids every other script and every external resource),
so the page opens offline. The script reads the page's own elements and writes only
``textContent``, classes and attributes it names: nothing taken from the model becomes
markup or code. Every piece of model text goes through ``html_text``; the SVGs come from
``svg.finish_svg``.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any, Mapping

from msgarch.analysis.figures import plural
from msgarch.links import DOCS_REF, REPOSITORY
from msgarch.render.scene import Scene, broker_id, component_id
from msgarch.render.text import html_text, mangle, percent, rate

#: Where the rule documentation lives (`render --docs-url` overrides): a rule code links
#: to ``{DOCS_URL}/{letter}.md#{code}-{name}``, the page `scripts/gen_rule_docs.py` writes.
DOCS_URL = f"{REPOSITORY}/blob/{DOCS_REF}/docs/rules"  # the same pages as SARIF's helpUri

SCRIPT = r"""
(function () {
  "use strict";
  var doc = document;
  var figure = doc.getElementById("diagram-figure");
  var svg = figure ? figure.querySelector("svg") : null;
  var details = doc.getElementById("details");
  var findings = doc.getElementById("findings-table");
  var body = findings ? findings.tBodies[0] : null;
  var rows = body ? Array.prototype.slice.call(body.querySelectorAll("tr[data-code]")) : [];
  var selected = [];

  function targets(element) {
    var value = element.getAttribute("data-targets") || "";
    return value ? value.split(" ") : [];
  }
  function drawn(id) {
    if (!svg || !id) return null;
    var found = svg.querySelector("#" + CSS.escape(id));
    return found && found.matches("g.node, g.edge, g.cluster") ? found : null;
  }
  function clearSelection() {
    selected.forEach(function (g) { g.classList.remove("msg-selected"); });
    selected = [];
  }
  function highlight(ids) {
    clearSelection();
    ids.forEach(function (id) {
      var g = drawn(id);
      if (g) { g.classList.add("msg-selected"); selected.push(g); }
    });
    if (selected.length) centre(selected[0]);
    return selected.length;
  }
  function tooltipOf(g) {
    var title = g.querySelector(":scope > title");
    return title ? title.textContent : g.id;
  }
  function fill(tableId, sourceRows) {
    var table = doc.getElementById(tableId);
    var tbody = table.tBodies[0];
    while (tbody.firstChild) tbody.removeChild(tbody.firstChild);
    sourceRows.forEach(function (row) {
      var copy = row.cloneNode(true);
      copy.removeAttribute("id");
      copy.querySelectorAll("[id]").forEach(function (e) { e.removeAttribute("id"); });
      tbody.appendChild(copy);
    });
    table.hidden = sourceRows.length === 0;
  }
  function show(id) {
    var g = drawn(id);
    if (!g || !details) return;
    highlight([id]);
    doc.getElementById("details-name").textContent = tooltipOf(g).split("\n")[0];
    doc.getElementById("details-tip").textContent = tooltipOf(g);
    var mine = function (row) { return targets(row).indexOf(id) >= 0; };
    var found = rows.filter(mine);
    fill("details-findings", found);
    var loads = Array.prototype.slice.call(doc.querySelectorAll("#consumer-load tbody tr[data-targets], #broker-load tbody tr[data-targets]")).filter(mine);
    fill("details-load", loads);
    doc.getElementById("details-summary").textContent =
      (found.length ? found.length + (found.length === 1 ? " finding" : " findings") : "No findings") +
      (loads.length ? "; load at peak below." : ".");
    details.hidden = false;
  }

  // --- zoom and pan: the SVG's viewBox -------------------------------------------------
  var full = null, view = null;
  if (svg && svg.viewBox && svg.viewBox.baseVal && svg.viewBox.baseVal.width) {
    var base = svg.viewBox.baseVal;
    full = {x: base.x, y: base.y, w: base.width, h: base.height};
    view = {x: full.x, y: full.y, w: full.w, h: full.h};
  }
  function apply() {
    if (!view) return;
    svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].map(function (n) { return n.toFixed(2); }).join(" "));
    var level = doc.getElementById("zoom-level");
    if (level) level.textContent = Math.round(100 * full.w / view.w) + "%";
  }
  function zoom(factor, cx, cy) {
    if (!view) return;
    var w = Math.min(full.w * 4, Math.max(full.w / 64, view.w / factor));
    var h = w * full.h / full.w;
    if (cx === undefined) { cx = view.x + view.w / 2; cy = view.y + view.h / 2; }
    view.x = cx - (cx - view.x) * w / view.w;
    view.y = cy - (cy - view.y) * h / view.h;
    view.w = w; view.h = h;
    apply();
  }
  function pan(dx, dy) {
    if (!view) return;
    view.x += dx; view.y += dy;
    apply();
  }
  function reset() {
    if (!view) return;
    view = {x: full.x, y: full.y, w: full.w, h: full.h};
    apply();
  }
  function centre(g) {
    if (!view || view.w >= full.w) return;
    var box = g.getBBox();
    var matrix = g.getCTM(), root = svg.getCTM();
    if (!matrix || !root) return;
    var local = root.inverse().multiply(matrix);
    var x = local.a * (box.x + box.width / 2) + local.c * (box.y + box.height / 2) + local.e;
    var y = local.b * (box.x + box.width / 2) + local.d * (box.y + box.height / 2) + local.f;
    view.x = x - view.w / 2; view.y = y - view.h / 2;
    apply();
  }
  function svgPoint(event) {
    var box = svg.getBoundingClientRect();
    return {x: view.x + (event.clientX - box.left) * view.w / box.width,
            y: view.y + (event.clientY - box.top) * view.h / box.height};
  }
  var drag = null, dragged = false;
  if (svg && view) {
    svg.addEventListener("wheel", function (event) {
      event.preventDefault();
      var at = svgPoint(event);
      zoom(event.deltaY < 0 ? 1.25 : 0.8, at.x, at.y);
    }, {passive: false});
    svg.addEventListener("pointerdown", function (event) {
      if (event.button !== 0) return;
      drag = {x: event.clientX, y: event.clientY, vx: view.x, vy: view.y};
      dragged = false;
    });
    svg.addEventListener("pointermove", function (event) {
      if (!drag) return;
      var box = svg.getBoundingClientRect();
      var dx = event.clientX - drag.x, dy = event.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) dragged = true;
      if (dragged) {
        view.x = drag.vx - dx * view.w / box.width;
        view.y = drag.vy - dy * view.h / box.height;
        apply();
      }
    });
    var stop = function () { drag = null; };
    svg.addEventListener("pointerup", stop);
    svg.addEventListener("pointerleave", stop);
    svg.addEventListener("click", function (event) {
      if (dragged) { dragged = false; return; }
      var g = event.target.closest("g.node, g.edge, g.cluster");
      if (g && g.id) show(g.id);
    });
    figure.addEventListener("keydown", function (event) {
      var step = view.w / 10, handled = true;
      if (event.key === "+" || event.key === "=") zoom(1.25);
      else if (event.key === "-" || event.key === "_") zoom(0.8);
      else if (event.key === "0") reset();
      else if (event.key === "ArrowLeft") pan(-step, 0);
      else if (event.key === "ArrowRight") pan(step, 0);
      else if (event.key === "ArrowUp") pan(0, -step);
      else if (event.key === "ArrowDown") pan(0, step);
      else handled = false;
      if (handled) event.preventDefault();
    });
  }
  doc.querySelectorAll("button[data-zoom]").forEach(function (button) {
    button.addEventListener("click", function () {
      var how = button.getAttribute("data-zoom");
      if (how === "in") zoom(1.25); else if (how === "out") zoom(0.8); else reset();
    });
  });

  // --- the text alternative: one button per element ------------------------------------
  doc.querySelectorAll("button[data-element-id]").forEach(function (button) {
    var id = button.getAttribute("data-element-id");
    button.addEventListener("click", function () { show(id); });
    button.addEventListener("focus", function () { show(id); });
  });

  // --- findings: highlight, sort, filter ------------------------------------------------
  rows.forEach(function (row) {
    var button = row.querySelector("button.locate");
    if (!button) return;
    button.addEventListener("click", function () {
      var ids = targets(row);
      rows.forEach(function (r) { r.classList.remove("msg-current"); });
      row.classList.add("msg-current");
      var count = highlight(ids);
      var status = doc.getElementById("locate-status");
      status.textContent = count ? "Highlighted " + count + (count === 1 ? " element" : " elements") +
        " of the diagram." : "This finding is not drawn on an element of this diagram.";
      if (count) figure.scrollIntoView({block: "nearest"});
    });
  });
  var sortState = {key: "", descending: false};
  function sortKey(row, key) {
    if (key === "severity") return Number(row.getAttribute("data-rank"));
    if (key === "where" || key === "order") return Number(row.getAttribute("data-order"));
    return (row.getAttribute("data-" + key) || "").toLowerCase();
  }
  doc.querySelectorAll("#findings-table th button[data-sort]").forEach(function (button) {
    button.addEventListener("click", function () {
      var key = button.getAttribute("data-sort");
      sortState.descending = sortState.key === key ? !sortState.descending : false;
      sortState.key = key;
      var sign = sortState.descending ? -1 : 1;
      rows.slice().sort(function (a, b) {
        var x = sortKey(a, key), y = sortKey(b, key);
        if (x < y) return -sign;
        if (x > y) return sign;
        return sortKey(a, "order") - sortKey(b, "order");
      }).forEach(function (row) { body.appendChild(row); });
      doc.querySelectorAll("#findings-table th[aria-sort]").forEach(function (th) {
        th.setAttribute("aria-sort", "none");
      });
      button.parentNode.setAttribute("aria-sort", sortState.descending ? "descending" : "ascending");
    });
  });
  var severity = doc.getElementById("filter-severity");
  var code = doc.getElementById("filter-code");
  var element = doc.getElementById("filter-element");
  function filter() {
    var shown = 0, wanted = element.value.trim().toLowerCase();
    rows.forEach(function (row) {
      var ok = (!severity.value || row.getAttribute("data-severity") === severity.value) &&
               (!code.value || row.getAttribute("data-code") === code.value) &&
               (!wanted || (row.getAttribute("data-element") || "").toLowerCase().indexOf(wanted) >= 0);
      row.hidden = !ok;
      if (ok) shown += 1;
    });
    doc.getElementById("filter-count").textContent = shown + " of " + rows.length + " shown";
  }
  if (severity && code && element) {
    severity.addEventListener("change", filter);
    code.addEventListener("change", filter);
    element.addEventListener("input", filter);
  }
})();
""".strip()

#: The script's hash, the one script the page's policy allows.
SCRIPT_HASH = "sha256-" + base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode("ascii")

CSP = f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src '{SCRIPT_HASH}'"

STYLE = """
:root { color-scheme: light; }
body { font-family: Helvetica, Arial, sans-serif; color: #1f2a30; margin: 0; background: #ffffff; }
header, section { padding: 0.5rem 1.5rem; }
main { display: block; }
header { border-bottom: 1px solid #cfd8dc; background: #f4f6f8; }
h1 { font-size: 1.4rem; margin: 0.4rem 0; }
h2 { font-size: 1.15rem; margin: 1rem 0 0.5rem; }
h3 { font-size: 1rem; margin: 0.8rem 0 0.4rem; }
p.meta, p.note, caption { color: #455a64; font-size: 0.85rem; }
caption { caption-side: bottom; text-align: left; padding-top: 0.3rem; }
figure { margin: 0; overflow: hidden; border: 1px solid #cfd8dc; border-radius: 6px; background: #fff; }
figure.diagram { touch-action: none; cursor: grab; }
figure.diagram:focus { outline: 3px solid #0b57d0; outline-offset: 2px; }
figure svg { display: block; max-width: 100%; height: auto; margin: 0 auto; }
figure.diagram g.node, figure.diagram g.edge, figure.diagram g.cluster { cursor: pointer; }
g.msg-selected path, g.msg-selected polygon, g.msg-selected ellipse, g.msg-selected polyline
  { stroke: #6a1b9a; stroke-width: 4px; }
.toolbar { display: flex; flex-wrap: wrap; gap: 0.4rem; align-items: center; margin: 0.3rem 0; font-size: 0.85rem; }
button { font: inherit; color: #1f2a30; background: #eceff1; border: 1px solid #78909c; border-radius: 4px;
  padding: 0.15rem 0.5rem; cursor: pointer; }
button:focus-visible, select:focus-visible, input:focus-visible, a:focus-visible
  { outline: 3px solid #0b57d0; outline-offset: 1px; }
button.locate { background: none; border: none; padding: 0; text-align: left; color: #0b57d0;
  text-decoration: underline; overflow-wrap: anywhere; }
th button { background: none; border: none; padding: 0; font-weight: bold; }
th[aria-sort="ascending"] button::after { content: " \\25B2"; }
th[aria-sort="descending"] button::after { content: " \\25BC"; }
aside#details { border: 1px solid #b0bec5; border-radius: 6px; background: #f4f6f8; padding: 0.4rem 0.8rem;
  margin-top: 0.5rem; }
aside#details pre { white-space: pre-wrap; overflow-wrap: anywhere; font-size: 0.8rem; margin: 0.3rem 0; }
ul.elements { columns: 18rem; font-size: 0.85rem; padding-left: 1.2rem; }
ul.elements button { background: none; border: none; padding: 0; color: #0b57d0; text-decoration: underline;
  text-align: left; overflow-wrap: anywhere; }
table { border-collapse: collapse; font-size: 0.85rem; margin-bottom: 0.5rem; max-width: 100%; }
th, td { border: 1px solid #cfd8dc; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top;
  overflow-wrap: anywhere; }
th { background: #eceff1; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.hint { color: #546e7a; }
tr.error td.severity { color: #c62828; font-weight: bold; }
tr.warning td.severity { color: #995c00; font-weight: bold; }
tr.info td.severity { color: #455a64; }
tr.msg-current td { background: #ede7f6; }
td.status-ok { background: #c8e6c9; }
td.status-hot { background: #ffe08a; }
td.status-over { background: #f4a3a3; }
a { color: #0b57d0; }
code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.85em; overflow-wrap: anywhere; }
""".strip()

DASH = "\u2014"
VIEW_NAMES = {"channels": "producers \u2192 channels \u2192 consumers",
              "logical": "logical (producer \u2192 consumer; channels and brokers left out)",
              "brokers": "producer \u2192 broker \u2192 consumer"}
STATUS = {"ok": "within headroom", "hot": "above headroom", "over": "overloaded"}
SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}
_RULE_CODE = re.compile(r"[A-Z][0-9]{3}")
_SAFE_URL = re.compile(r"(https?://|\.{0,2}/)[^\s\"'<>`]*|[A-Za-z0-9_.-][^\s\"'<>`:]*")


def docs_url_ok(url: str) -> bool:
    """A docs base the report may link to: http(s), or a relative or absolute path (never
    ``javascript:`` or another scheme)."""
    return bool(_SAFE_URL.fullmatch(url))


def rule_link(code: str, name: str, docs_url: str) -> str:
    """``{docs_url}/{letter}.md#{anchor}``, the generated rule page's heading anchor
    (GitHub's: lower case, spaces as hyphens); "" for a code that is not a rule code."""
    if not _RULE_CODE.fullmatch(code) or not docs_url_ok(docs_url):
        return ""
    anchor = re.sub(r"[^a-z0-9 _-]", "", f"{code} {name}".lower()).replace(" ", "-")
    page = "index" if code.startswith("E") else code[0]  # input errors are described on the index
    return f"{docs_url.rstrip('/')}/{page}.md#{anchor}"


def html_rich(text: str) -> str:
    """``html_text``, with each pair of backticks (`like this`) shown as code."""
    parts = str(text).split("`")
    if len(parts) < 3:
        return html_text(text)
    out = []
    for index, part in enumerate(parts):
        if index % 2 and index < len(parts) - 1:
            out.append(f"<code>{html_text(part)}</code>")
        else:
            out.append(("`" if index % 2 else "") + html_text(part))
    return "".join(out)


def element_index(scene: Scene) -> dict[str, list[str]]:
    """Each tooltip line -> the ids of the drawn elements whose tooltip has it: a finding's
    line (``CODE name (severity): message``) names every element it is drawn on."""
    index: dict[str, list[str]] = {}
    tips = [(node.id, node.tooltip) for node in scene.nodes]
    tips += [(edge.id, edge.tooltip) for edge in scene.edges]
    tips += [(cluster.id, cluster.tooltip) for cluster in scene.clusters if cluster.kind == "channels"]
    for element_id, tip in tips:
        for line in dict.fromkeys(tip.split("\n")):
            index.setdefault(line, []).append(element_id)
    return index


def _svg_with_role(svg: str, label_id: str) -> str:
    """The SVG as an image for assistive technology: ``role="img"`` named by ``label_id``."""
    if not svg.startswith("<svg"):
        return svg
    return f'<svg role="img" aria-labelledby="{label_id}" focusable="false"' + svg[len("<svg"):]


def to_html(scene: Scene, diagram_svg: str, legend_svg: str = "", docs_url: str = DOCS_URL) -> str:
    """The report page. ``diagram_svg`` and ``legend_svg`` must be finished SVG
    (``svg.finish_svg(..., declaration=False)``): they are embedded as they are.
    ``docs_url``: where rule codes link to (see DOCS_URL)."""
    components = sum(1 for n in scene.nodes if n.element == "component")
    brokers = sum(1 for n in scene.nodes if n.element == "broker")
    flows = sum(1 for e in scene.edges if e.role == "produce")
    counts = scene.counts
    if counts:
        summary = (", ".join(plural(counts[key], *words) for key, *words in (
            ("components", "component"), ("brokers", "broker"), ("channels", "channel"), ("routes", "route"),
            ("publishes", "publish", "publishes"), ("consumes", "consume")))
            + f"; {plural(counts['flows'], 'flow')} resolved ({counts['derived']} derived from the channels)")
    else:
        summary = (f"{plural(components, 'component')}, {plural(brokers, 'broker')}, "
                   f"{plural(flows, 'flow')} resolved")
    view = html_text(VIEW_NAMES.get(scene.view, scene.view))
    scope = f" Showing {html_text(scene.scope)}." if scene.scope else ""
    drawn = (f"{len(scene.nodes)} nodes and {len(scene.edges)} lines")
    legend_svg = legend_svg.replace(' id="', ' id="key-')  # the legend's ids never clash with the diagram's
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
        f'<p class="meta">From <code>{html_text(scene.root)}</code>: {summary}. Click an element of the '
        "diagram (or a name in the list under it) for its details, findings and load; click a finding's "
        "element to highlight it." + (f" View: {view}." if counts else "") + scope + "</p>",
        "</header>",
        "<main>",
        '<section id="diagram" aria-labelledby="diagram-heading">',
        '<h2 id="diagram-heading">Topology</h2>',
        '<div class="toolbar" role="group" aria-label="Zoom">'
        '<button type="button" data-zoom="in" aria-label="Zoom in">+</button>'
        '<button type="button" data-zoom="out" aria-label="Zoom out">\u2212</button>'
        '<button type="button" data-zoom="reset">Fit</button>'
        '<span id="zoom-level" aria-live="polite">100%</span>'
        '<span class="hint">Wheel or +/\u2212 to zoom, drag or arrow keys to pan, 0 to fit.</span></div>',
        f'<p id="diagram-alt" class="note">Diagram of {html_text(scene.title)}'
        + (f" ({html_text(scene.scope)})" if scene.scope else "")
        + f": {drawn}. The list of elements below describes it in text.</p>",
        '<figure class="diagram" id="diagram-figure" tabindex="0" aria-label="Topology diagram: '
        'use + and \u2212 to zoom, arrow keys to pan">',
        _svg_with_role(diagram_svg, "diagram-alt"),
        "</figure>",
        '<aside id="details" aria-live="polite" aria-labelledby="details-name" hidden>',
        '<h3 id="details-name">Selected element</h3>',
        '<p id="details-summary"></p>',
        '<pre id="details-tip"></pre>',
        '<table id="details-findings" hidden><caption>Findings on this element.</caption>'
        "<thead><tr><th>Severity</th><th>Rule</th><th>Element</th><th>Message</th><th>Where</th>"
        "</tr></thead><tbody></tbody></table>",
        '<table id="details-load" hidden><caption>Load at peak (see the tables below for the columns).</caption>'
        "<thead><tr><th>Name</th><th colspan=\"7\">Figures</th></tr></thead><tbody></tbody></table>",
        "</aside>",
        *_element_list(scene),
        "</section>",
        '<section id="findings" aria-labelledby="findings-heading">',
        f'<h2 id="findings-heading">Findings ({len(scene.findings)})</h2>',
        *_findings_table(scene, docs_url),
        "</section>",
        *_channels_section(scene),
        '<section id="capacity">',
        "<h2>Load and capacity at peak</h2>",
        *_capacity_tables(scene),
        "</section>",
        '<section id="legend">',
        "<h2>Legend</h2>",
        (f'<p id="legend-alt" class="note">Legend: the shapes, lines and colours of the diagram, '
         "described in the list below.</p>" if legend_svg else ""),
        f'<figure class="legend">\n{_svg_with_role(legend_svg, "legend-alt")}\n</figure>' if legend_svg else "",
        *_legend_notes(scene),
        "</section>",
        "</main>",
        f"<script>{SCRIPT}</script>",
        "</body>",
        "</html>",
    ]
    return "\n".join(part for part in parts if part) + "\n"


def _element_list(scene: Scene) -> list[str]:
    """The diagram as text: one button per node and line (focus or click shows its
    tooltip, findings and load), so every tooltip is reachable from the keyboard."""
    items = []
    for node in scene.nodes:
        items.append(f'<li><button type="button" data-element-id="{html_text(node.id)}">'
                     f"{html_text(node.element)} {html_text(node.name)}</button>"
                     + (f" ({html_text(node.severity)})" if node.severity else "") + "</li>")
    for cluster in scene.clusters:
        if cluster.kind == "channels":
            items.append(f'<li><button type="button" data-element-id="{html_text(cluster.id)}">'
                         f"broker {html_text(cluster.label.partition(':')[0])}</button>"
                         + (f" ({html_text(cluster.severity)})" if cluster.severity else "") + "</li>")
    names = {node.id: node.name for node in scene.nodes}
    for edge in scene.edges:
        what = edge.message.replace("\n", ", ")
        items.append(f'<li><button type="button" data-element-id="{html_text(edge.id)}">'
                     f"{html_text(names.get(edge.tail, edge.tail))} \u2192 {html_text(names.get(edge.head, edge.head))}"
                     "</button>" + (f": {html_text(what)}" if what else "")
                     + (f" ({html_text(edge.severity)})" if edge.severity else "") + "</li>")
    return ['<details id="elements">',
            f"<summary>Elements of the diagram ({len(items)}), as text</summary>",
            '<ul class="elements">', *items, "</ul>", "</details>"]


def _findings_table(scene: Scene, docs_url: str = DOCS_URL) -> list[str]:
    index = element_index(scene)
    rows = []
    codes: dict[str, str] = {}
    for order, item in enumerate(scene.findings):
        d = item.diagnostic
        where = (f"{d.span.path}:{d.span.line}:{d.span.column}" if d.span is not None else "")
        hint = f'<br><span class="hint">{html_rich(d.hint)}</span>' if d.hint else ""
        line = f"{d.code} {d.name} ({d.severity.label}): {d.message}"
        targets = " ".join(index.get(line, []))
        codes.setdefault(d.code, d.name)
        link = rule_link(d.code, d.name, docs_url)
        code = (f'<a href="{html_text(link)}"><code>{html_text(d.code)}</code></a>' if link
                else f"<code>{html_text(d.code)}</code>")
        element = html_text(item.element) or DASH
        if targets:
            element = f'<button type="button" class="locate">{element}</button>'
        rows.append(
            f'<tr class="{d.severity.label}" data-severity="{d.severity.label}" '
            f'data-rank="{SEVERITY_RANK.get(d.severity.label, 3)}" data-code="{html_text(d.code)}" '
            f'data-element="{html_text(item.element)}" data-message="{html_text(d.message)}" '
            f'data-order="{order}" data-targets="{html_text(targets)}">'
            f'<td class="severity">{d.severity.label}</td>'
            f"<td>{code} {html_text(d.name)}</td>"
            f"<td>{element}</td>"
            f"<td>{html_rich(d.message)}{hint}</td>"
            f"<td><code>{html_text(where)}</code></td></tr>")
    if not rows:
        rows.append('<tr><td colspan="5">No findings.</td></tr>')
    severities = [s for s in SEVERITY_RANK if any(f.diagnostic.severity.label == s for f in scene.findings)]
    options = "".join(f'<option value="{s}">{s}</option>' for s in severities)
    code_options = "".join(f'<option value="{html_text(c)}">{html_text(c)} {html_text(codes[c])}</option>'
                           for c in sorted(codes))
    controls = [] if not scene.findings else [
        '<div class="toolbar" role="group" aria-label="Filter the findings">'
        f'<label>Severity <select id="filter-severity"><option value="">all</option>{options}</select></label>'
        f'<label>Rule <select id="filter-code"><option value="">all</option>{code_options}</select></label>'
        '<label>Element <input id="filter-element" type="search" placeholder="name contains"></label>'
        f'<span id="filter-count" aria-live="polite">{len(rows)} of {len(rows)} shown</span>'
        '<span id="locate-status" class="hint" aria-live="polite"></span></div>']

    def header(key: str, text: str) -> str:
        return f'<th aria-sort="none"><button type="button" data-sort="{key}">{text}</button></th>'

    return [*controls, '<table id="findings-table">',
            "<thead><tr>" + header("severity", "Severity") + header("code", "Rule")
            + header("element", "Element") + header("message", "Message") + header("where", "Where")
            + "</tr></thead>",
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
            f'<tr data-targets="{html_text(component_id(name))}">'
            f"<td>{html_text(name)}</td><td class=\"num\">{load.instances}</td>"
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
            f'<tr data-targets="{html_text(broker_id(name))} {html_text("cluster_broker_" + mangle(name))}">'
            f"<td>{html_text(name)}</td><td>{html_text(load.kind)}</td>"
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
