"""msgarch.render: the scene, DOT, Mermaid and HTML writers, golden files for the examples."""

from __future__ import annotations

import os
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from msgarch.analysis.load import broker_loads, consumer_loads
from msgarch.diagnostics import Diagnostic, Severity, Span
from msgarch.model.loader import load_model
from msgarch.render import (
    Loads, build_scene, draw, finish_svg, legend_dot, locate_findings, to_dot, to_html, to_mermaid,
)
from msgarch.render.dot import is_large, resolve_layout
from msgarch.render.mermaid import too_large
from msgarch.render.scene import broker_model
from msgarch.render.text import count, dot_html, mangle, mermaid_text, rate

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "render"
EXAMPLES = sorted(p.stem for p in (ROOT / "examples").glob("*.msgarch"))
HAS_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAS_DOT, reason="Graphviz `dot` is not installed (apt-get install graphviz)")

#: Stand-ins for Graphviz's SVG in the HTML goldens, which must not depend on the
#: installed Graphviz version.
STUB_DIAGRAM = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><title>diagram</title></svg>'
STUB_LEGEND = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><title>legend</title></svg>'


def example_model(name: str):
    """An example loaded by its relative path, as a user would give it."""
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        return load_model(f"examples/{name}.msgarch")
    finally:
        os.chdir(cwd)


def example_scene(name: str, **options):
    """The scene the goldens are drawn from: loads from the analysers alone (the broker's
    declared capacity, no profile figures) and no lint findings, so the goldens change
    when the model or the drawing changes, not when a rule or a profile does."""
    model = example_model(name)
    loads = Loads(consumer_loads(model), broker_loads(model, {}))
    return build_scene(model, (), loads, heat=True, **options)


def check_golden(path: Path, text: str, update: bool) -> None:
    if update or not path.exists():
        if not update:
            pytest.fail(f"golden file {path.relative_to(ROOT)} is missing: run `pytest --update-goldens`")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        return
    expected = path.read_text(encoding="utf-8")
    assert text == expected, (f"{path.relative_to(ROOT)} differs from the output; if the change is "
                              "intended, run `pytest --update-goldens` and review the diff")


# --- goldens ------------------------------------------------------------------------


@pytest.mark.parametrize("name", EXAMPLES)
def test_dot_golden(name, update_goldens):
    check_golden(GOLDEN / f"{name}.dot", to_dot(example_scene(name), "dot"), update_goldens)


@pytest.mark.parametrize("name", EXAMPLES)
def test_mermaid_golden(name, update_goldens):
    check_golden(GOLDEN / f"{name}.mmd", to_mermaid(example_scene(name)), update_goldens)


@pytest.mark.parametrize("name", EXAMPLES)
def test_html_golden(name, update_goldens):
    check_golden(GOLDEN / f"{name}.html", to_html(example_scene(name), STUB_DIAGRAM, STUB_LEGEND),
                 update_goldens)


def test_every_golden_belongs_to_an_example():
    stale = [p.name for p in GOLDEN.glob("*") if p.stem not in EXAMPLES
             and not p.stem.startswith(("showcase", "channels"))]
    assert not stale, f"golden files of no example: {stale}"


# --- determinism --------------------------------------------------------------------


@pytest.mark.parametrize("name", EXAMPLES)
def test_output_is_byte_identical_across_runs(name):
    first, second = example_scene(name), example_scene(name)
    assert to_dot(first) == to_dot(second)
    assert to_mermaid(first) == to_mermaid(second)
    assert to_html(first, STUB_DIAGRAM) == to_html(second, STUB_DIAGRAM)


def test_declaration_order_does_not_change_the_output(write):
    parts = ["broker bus : rabbitmq", "component a { zone z }", "component b { zone z }",
             "component c { zone y }", "message M", "message N",
             "flow a -> b : M { rate 5/s }", "flow a -> c : N { pattern pubsub  rate 1/s }"]
    forward = load_model(str(write("one.msgarch", "\n".join(parts) + "\n")))
    backward = load_model(str(write("one.msgarch", "\n".join(reversed(parts)) + "\n")))
    assert to_dot(build_scene(forward)) == to_dot(build_scene(backward))
    assert to_mermaid(build_scene(forward)) == to_mermaid(build_scene(backward))


# --- the visual language ------------------------------------------------------------


def test_components_brokers_and_flows_are_drawn():
    scene = example_scene("order-platform")
    dot = to_dot(scene, "dot")
    assert '<B>orders x6</B>' in dot
    assert '"b_events" [id=b_events, tooltip=' in dot and 'shape=plain' in dot  # kafka: a log
    assert '"b_jobs"' in dot and "shape=hexagon" in dot
    produce = [e for e in scene.edges if e.role == "produce" and e.message == "OrderPlaced"]
    assert produce and produce[0].tail == "c_orders" and produce[0].head == "b_events"
    assert produce[0].rate_label == "120/s, peak 600/s"
    delivered = {e.head for e in scene.edges if e.role == "deliver" and e.message == "OrderPlaced"}
    assert delivered == {"c_analytics", "c_audit", "c_notifications"}


def test_patterns_are_distinguishable():
    dot = to_dot(example_scene("order-platform"), "dot")
    scene = example_scene("order-platform")
    by_pattern = {}
    for edge in scene.edges:
        line = next(l for l in dot.splitlines() if f"id={edge.id}," in l)
        style = re.search(r"style=(\w+), arrowhead=(\w+)", line).groups()
        by_pattern.setdefault("reply" if edge.role == "reply" else edge.pattern, set()).add(style)
    assert by_pattern["queue"] == {("solid", "normal")}
    assert by_pattern["pubsub"] == {("dashed", "vee")}
    assert by_pattern["request-reply"] == {("bold", "normal")}
    assert by_pattern["reply"] == {("dotted", "onormal")}
    replies = [e for e in scene.edges if e.role == "reply"]
    assert {(e.tail, e.head) for e in replies} == {("b_bus", "c_storefront"), ("b_bus", "c_orders")}


def test_broker_shapes_follow_the_messaging_model():
    assert broker_model("kafka", "broker") == "log"
    assert broker_model("redis-streams") == "log"
    assert broker_model("rabbitmq", "broker") == "broker"
    assert broker_model("zeromq") == "brokerless"
    assert broker_model("postgres") == "database"
    assert broker_model("sqs") == "managed-service"
    assert broker_model("celery-redis") == "task-layer"
    assert broker_model("my-own", "database") == "database"
    assert broker_model("my-own") == "broker"
    shapes = {n.name: n.shape for n in example_scene("trading").nodes if n.element == "broker"}
    assert shapes == {"md": "brokerless", "oms-bus": "broker", "risk-link": "brokerless",
                      "street": "brokerless"}
    shapes = {n.name: n.shape for n in example_scene("celery-tasks").nodes if n.element == "broker"}
    assert shapes == {"db": "database", "tasks": "task-layer"}


def test_external_components_stand_apart_in_every_grouping():
    for group in ("zone", "broker", "none"):
        scene = example_scene("iot-telemetry", group=group)
        externals = [n for n in scene.nodes if n.shape == "external"]
        assert {n.name for n in externals} == {"devices", "ops-app"}
        assert {n.cluster for n in externals} == {"cluster_external"}


def test_grouping_by_zone_broker_and_none():
    by_zone = example_scene("order-platform", group="zone")
    assert {c.label for c in by_zone.clusters if c.kind == "zone"} == {
        "core", "data", "edge", "engagement", "finance", "logistics"}
    assert next(n for n in by_zone.nodes if n.name == "orders").cluster == "cluster_zone_core"
    by_broker = example_scene("order-platform", group="broker")
    members = {n.name: n.cluster for n in by_broker.nodes}
    assert members["events"] == "cluster_broker_events"
    assert members["audit"] == "cluster_broker_events"  # uses only events
    assert members["payment-repair"] == "cluster_broker_jobs"
    assert members["orders"] is None  # uses bus, jobs and events
    flat = example_scene("order-platform", group="none")
    assert [c.kind for c in flat.clusters] == ["external"]
    with pytest.raises(ValueError):
        example_scene("order-platform", group="team")


def test_heat_colours_by_utilisation_against_headroom(write):
    model = load_model(str(write("heat.msgarch", """
        system "S" { headroom 70% }
        broker bus : rabbitmq { nodes 1  capacity 100/s per node }
        component p
        component cool { capacity 100/s }
        component warm { capacity 100/s }
        component hot { capacity 100/s }
        component unknown
        message M
        flow p -> cool : M { via bus  rate 70/s }
        flow p -> warm : M { via bus  rate 71/s }
        flow p -> hot : M { via bus  rate 100/s }
        flow p -> unknown : M { via bus  rate 1/s }
        """)))
    loads = Loads(consumer_loads(model), broker_loads(model, {}))
    scene = build_scene(model, (), loads, heat=True)
    heat = {n.name: n.heat for n in scene.nodes}
    assert heat == {"cool": "ok", "warm": "hot", "hot": "over", "unknown": None, "p": None, "bus": "over"}
    assert next(n for n in scene.nodes if n.name == "warm").heat_line == "71% at peak"
    cold = build_scene(model, (), loads, heat=False)
    assert {n.heat for n in cold.nodes} == {None}
    dot = to_dot(scene, "dot")
    assert 'fillcolor="#ffe08a"' in dot and 'fillcolor="#f4a3a3"' in dot and 'fillcolor="#c8e6c9"' in dot
    mermaid = to_mermaid(scene)
    assert "classDef heathot" in mermaid and re.search(r"^  class (\S+,)?c_warm(,\S+)? heathot$", mermaid, re.M)


def test_findings_land_on_the_element_they_concern(write):
    path = write("f.msgarch", """
        broker bus : rabbitmq
        component a
        component b
        component lonely
        message M { size 1KB }
        flow a -> b : M { via bus  rate 5/s }
        """)
    model = load_model(str(path))
    flow = model.flows[0]
    diagnostics = [
        Diagnostic("S003", "orphan-component", Severity.WARNING, "lonely is alone", model.components["lonely"].span),
        Diagnostic("B201", "some-rule", Severity.ERROR, "bad rate", flow.prop_spans["rate"]),
        Diagnostic("X001", "note", Severity.INFO, "about b", model.components["b"].span),
        Diagnostic("M001", "msg", Severity.WARNING, "size", model.messages["M"].prop_spans["size"]),
        Diagnostic("Z001", "nowhere", Severity.ERROR, "no place", None),
    ]
    located = {item.diagnostic.code: item.element for item in locate_findings(model, diagnostics)}
    assert located == {"S003": "component lonely", "B201": f"flow {flow.id}", "X001": "component b",
                       "M001": "message M", "Z001": ""}
    scene = build_scene(model, diagnostics)
    nodes = {n.name: n for n in scene.nodes}
    assert nodes["lonely"].severity == "warning" and "S003 orphan-component" in nodes["lonely"].tooltip
    assert nodes["b"].severity is None and "X001" in nodes["b"].tooltip  # info: tooltip only
    edges = [e for e in scene.edges if e.role == "produce"]
    assert edges[0].severity == "error" and "B201" in edges[0].tooltip and "M001" in edges[0].tooltip
    dot = to_dot(scene, "dot")
    assert 'color="#c62828"' in dot and 'color="#e08600"' in dot
    html = to_html(scene, STUB_DIAGRAM)
    assert html.count('<tr class="error" ') == 2 and "component lonely" in html


SHOWCASE = ROOT / "tests" / "fixtures" / "render" / "showcase.msgarch"


def showcase_scene(**options):
    """Every shape, pattern, heat level and finding colour, with fixed findings."""
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        model = load_model("tests/fixtures/render/showcase.msgarch")
    finally:
        os.chdir(cwd)
    api_flow = next(f for f in model.flows if f.message == "Charge")
    diagnostics = [
        Diagnostic("C301", "consumer-overload", Severity.ERROR, "ledger is over capacity",
                   model.components["ledger"].prop_spans["capacity"], "add an instance"),
        Diagnostic("R502", "single-point-of-failure", Severity.WARNING, "ledger runs one instance",
                   model.components["ledger"].span),
        Diagnostic("B209", "ordering-at-risk", Severity.WARNING, "order may be lost", api_flow.prop_spans["rate"]),
        Diagnostic("B205", "message-too-large", Severity.ERROR, "Export is large", model.messages["Export"].span),
        Diagnostic("C305", "hotspot", Severity.INFO, "rabbit carries most traffic", model.brokers["rabbit"].span),
        Diagnostic("S007", "unused-suppression", Severity.INFO, "nothing to silence",
                   Span(model.root, 1, 1, 1, 2)),
    ]
    loads = Loads(consumer_loads(model), broker_loads(model, {"mesh": 2.6e6, "db": 10_000}),
                  {"mesh": "zeromq profile: 2.6M/s per node", "db": "postgres profile: 10k/s per node"})
    return build_scene(model, diagnostics, loads, heat=True, **options)


def test_showcase_golden(update_goldens):
    """Findings, heat and every shape together, from fixed diagnostics (no rule can change it)."""
    scene = showcase_scene()
    assert set(scene.broker_models) == {"broker", "log", "brokerless", "database", "managed-service", "task-layer"}
    assert {n.heat for n in scene.nodes} >= {"ok", "over", None}
    assert {n.severity for n in scene.nodes} >= {"error"} and {e.severity for e in scene.edges} >= {"error", "warning"}
    check_golden(GOLDEN / "showcase.dot", to_dot(scene, "dot"), update_goldens)
    check_golden(GOLDEN / "showcase.mmd", to_mermaid(scene), update_goldens)
    check_golden(GOLDEN / "showcase.html", to_html(scene, STUB_DIAGRAM, STUB_LEGEND), update_goldens)
    check_golden(GOLDEN / "showcase-by-broker.dot", to_dot(showcase_scene(group="broker"), "dot"), update_goldens)


def test_large_diagrams_drop_edge_labels_and_switch_to_sfdp():
    scene = example_scene("order-platform")
    assert not is_large(scene) and resolve_layout(scene) == "dot"
    labelled = to_dot(scene, "dot")
    compact = to_dot(scene, "dot", large=True)
    assert "label=<OrderPlaced" in labelled and "label=<OrderPlaced" not in compact
    assert "splines=line" in compact
    assert "layout=neato" in to_dot(scene, "neato")
    with pytest.raises(ValueError):
        to_dot(scene, "spring")


def test_mermaid_limits_are_reported():
    scene = example_scene("order-platform")
    assert too_large(to_mermaid(scene), scene) == ""


# --- text ---------------------------------------------------------------------------


@pytest.mark.parametrize("per_second, text", [
    (120, "120/s"), (1500, "1.5k/s"), (400_000, "400k/s"), (1.5e6, "1.5M/s"),
    (250_000 / 60, "250k/min"), (30 / 3600, "30/h"), (5 / 60, "5/min"), (3000 / 86400, "125/h"),
    (5000 / 86400, "5k/day"), (1234.5678, "1.23k/s"), (0, "0/s"), (None, "?"),
])
def test_rates_read_as_written(per_second, text):
    assert rate(per_second) == text


def test_counts_and_identifiers():
    assert count(6) == "6" and count(250_000) == "250k"
    names = ["a-b", "a_b", "a__b", "a_hb", "ab", "A-B"]
    assert len({mangle(n) for n in names}) == len(names)
    assert all(re.fullmatch(r"[A-Za-z0-9_]+", mangle(n)) for n in names + ["zöne <x>"])


def test_escaping_helpers():
    assert dot_html('a<b>&"c"\\N]]') == "a&lt;b&gt;&amp;&quot;c&quot;\\\\N&#93;&#93;"
    assert dot_html("x\ny") == "x<BR/>y"
    assert mermaid_text('a "b" <c> | ; # %% 70%') == "a #34;b#34; #60;c#62; #124; #59; #35; #37;#37; 70%"
    assert "\x01" not in dot_html("a\x01b") and "\ufffd" in dot_html("a\x01b")


# --- Graphviz -----------------------------------------------------------------------


@needs_dot
@pytest.mark.parametrize("name", EXAMPLES)
def test_graphviz_accepts_every_example_in_every_format(name):
    scene = example_scene(name)
    svg = draw(scene, "svg")
    root = ET.fromstring(svg.encode("utf-8"))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert draw(scene, "png")[:8] == b"\x89PNG\r\n\x1a\n"
    assert draw(scene, "pdf")[:5] == b"%PDF-"
    html = draw(scene, "html")
    assert html.count("<svg") == 2 and html.lower().count("<script") == 1


@needs_dot
@pytest.mark.parametrize("layout", ["dot", "neato", "fdp", "sfdp", "circo", "twopi"])
def test_every_layout_engine_runs(layout):
    svg = draw(example_scene("celery-tasks"), "svg", layout=layout)
    assert 'id="c_web"' in svg and 'id="b_tasks"' in svg


@needs_dot
def test_svg_titles_are_the_exact_tooltips():
    scene = example_scene("order-platform")
    svg = draw(scene, "svg")
    root = ET.fromstring(svg.encode("utf-8"))
    ns = "{http://www.w3.org/2000/svg}"
    titles = {g.get("id"): g.find(ns + "title").text for g in root.iter(ns + "g")
              if g.get("class") in ("node", "edge", "cluster") and g.get("id")}
    for node in scene.nodes:
        assert titles[node.id] == node.tooltip
    for edge in scene.edges:
        assert titles[edge.id] == edge.tooltip
    assert not list(root.iter(ns + "a")), "graphviz's <a> wrappers are unwrapped"
    assert root.find(f"{ns}g/{ns}title").text == "Order platform"


@needs_dot
def test_graphviz_svg_is_deterministic():
    scene = example_scene("iot-telemetry")
    assert draw(scene, "svg") == draw(scene, "svg")
    assert draw(scene, "html") == draw(scene, "html")


@needs_dot
def test_legend_graph_renders():
    svg = finish_svg(draw_legend(example_scene("order-platform")), None, declaration=False)
    assert svg.startswith("<svg") and "legend_log" in svg


def draw_legend(scene):
    from msgarch.render import run_graphviz

    return run_graphviz(legend_dot(scene), "svg")


@needs_dot
@pytest.mark.parametrize("name", EXAMPLES + ["showcase"])
def test_the_legend_sits_below_the_whole_diagram(name):
    from msgarch.render import _diagram, run_graphviz
    from msgarch.render.dot import last_rank

    scene = showcase_scene() if name == "showcase" else example_scene(name)
    plain = run_graphviz(_diagram(scene, "dot", legend=True), "plain").decode()
    rows = [line.split() for line in plain.splitlines() if line.startswith("node ")]
    heights = {parts[1]: (float(parts[3]), float(parts[5])) for parts in rows}
    legend_top = max(y + h / 2 for node, (y, h) in heights.items() if node.startswith("legend_"))
    diagram_bottom = min((y - h / 2 for node, (y, h) in heights.items() if not node.startswith("legend_")),
                         default=legend_top + 1)
    assert legend_top < diagram_bottom, name
    assert last_rank("node a 1 2 1 1\nnode b 3 2.001 1 1\nnode c 1 5 1 1\nedge a c\n") == ["a", "b"]
