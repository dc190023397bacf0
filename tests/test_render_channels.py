"""`msgarch render` on language v2 models: producers -> channels -> consumers, the logical
view, findings on channels, routes and endpoints, goldens, determinism, every format."""

from __future__ import annotations

import os
import random
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from msgarch.analysis.load import broker_loads, consumer_loads
from msgarch.diagnostics import Diagnostic, Severity
from msgarch.model.loader import load_model
from msgarch.render import Loads, build_scene, draw, to_dot, to_html, to_mermaid
from msgarch.render.dot import is_large, resolve_layout
from tests.test_render import GOLDEN, STUB_DIAGRAM, STUB_LEGEND, check_golden, example_scene

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = "tests/fixtures/render/channels.msgarch"
SPEC = ["tests/fixtures/channels/spec-1.msgarch", "tests/fixtures/channels/spec-2.msgarch"]
EXAMPLES = sorted(p.stem for p in (ROOT / "examples").glob("*.msgarch"))
HAS_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAS_DOT, reason="Graphviz `dot` is not installed (apt-get install graphviz)")


def load(path: str):
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        return load_model(path)
    finally:
        os.chdir(cwd)


def scene_of(path: str = FIXTURE, findings=(), **options):
    """As the goldens draw it: the analysers' loads (declared capacities only), no lint findings."""
    model = load(path)
    loads = Loads(consumer_loads(model), broker_loads(model, {}))
    return build_scene(model, findings, loads, heat=True, **options)


def edge(scene, edge_id):
    return next(e for e in scene.edges if e.id == edge_id)


def node(scene, node_id):
    return next(n for n in scene.nodes if n.id == node_id)


# --- goldens ------------------------------------------------------------------------


def test_channel_goldens(update_goldens):
    scene = scene_of()
    check_golden(GOLDEN / "channels.dot", to_dot(scene, "dot"), update_goldens)
    check_golden(GOLDEN / "channels.mmd", to_mermaid(scene), update_goldens)
    check_golden(GOLDEN / "channels.html", to_html(scene, STUB_DIAGRAM, STUB_LEGEND), update_goldens)


def test_logical_goldens(update_goldens):
    scene = scene_of(view="logical")
    check_golden(GOLDEN / "channels-logical.dot", to_dot(scene, "dot"), update_goldens)
    check_golden(GOLDEN / "channels-logical.mmd", to_mermaid(scene), update_goldens)


# --- the channel view ---------------------------------------------------------------


def test_channels_are_drawn_in_their_broker_cluster_with_a_shape_per_kind():
    scene = scene_of()
    shapes = {n.name: n.shape for n in scene.nodes if n.element == "channel"}
    assert shapes == {"orders": "exchange", "billing": "queue", "billing-failed": "queue", "shipping": "queue",
                      "payments": "topic", "order-events": "topic", "refunds": "queue", "refunds-dlq": "queue",
                      "telemetry": "subject", "ticks": "socket"}
    assert set(scene.channel_shapes) == {"exchange", "queue", "topic", "subject", "socket"}
    assert node(scene, "ch_billing").cluster == "cluster_broker_bus"
    assert node(scene, "ch_refunds").cluster == "cluster_broker_work"
    clusters = {c.id: c for c in scene.clusters}
    assert clusters["cluster_broker_bus"].kind == "channels"
    assert clusters["cluster_broker_bus"].label.startswith("bus: rabbitmq x3")
    # brokers whose channels are drawn are their cluster; a broker that carries a v1
    # flow keeps its node
    brokers = {n.name for n in scene.nodes if n.element == "broker"}
    assert brokers == {"jobs"}
    dot = to_dot(scene, "dot")
    assert '"ch_orders" [id=ch_orders' in dot and "shape=diamond" in dot
    assert "shape=cds" in dot and "shape=octagon" in dot
    assert 'label=<<B>broker bus: rabbitmq x3' in dot


def test_publishes_routes_and_consumes_are_edges_merged_per_pair():
    scene = scene_of()
    publish = edge(scene, "p_checkout_to_orders")
    assert (publish.role, publish.tail, publish.head) == ("publish", "c_checkout", "ch_orders")
    assert publish.message == "OrderPaid, OrderShipped" and publish.rate_label == "70/s, peak 220/s"
    assert [e.id for e in scene.edges if (e.tail, e.head) == ("c_checkout", "ch_orders")] == [publish.id]
    shipping = edge(scene, "d_shipping_to_shipper")
    assert shipping.message == "OrderPaid, OrderShipped" and shipping.rate_label == "70/s, peak 220/s"
    route = edge(scene, "rt_orders_to_billing")
    assert (route.role, route.message, route.rate_label) == ("route", "order.*.paid", "50/s, peak 200/s")
    assert edge(scene, "rt_orders_to_shipping").message == "order.#"
    dead = edge(scene, "dl_billing_to_billing_hfailed")
    assert dead.role == "dead-letter" and dead.message == "dead-letter"
    dot = to_dot(scene, "dot")
    line = next(l for l in dot.splitlines() if "id=dl_billing_to_billing_hfailed," in l)
    assert "style=dashed" in line
    assert "id=rt_orders_to_billing, style=solid" in dot
    consume = edge(scene, "d_billing_to_billing_hsvc")
    assert consume.flows == ("checkout->billing-svc:OrderPaid@billing",)
    # broadcast channels say that every instance receives the full rate
    assert edge(scene, "d_ticks_to_pricer").rate_label == "5k/s per instance"
    assert edge(scene, "d_ticks_to_pricer").pattern == "pubsub"


def test_cross_broker_routes_join_the_two_clusters():
    scene = scene_of()
    route = edge(scene, "rt_order_hevents_to_refunds")
    assert node(scene, route.tail).cluster == "cluster_broker_notify"
    assert node(scene, route.head).cluster == "cluster_broker_work"
    assert route.message == "type = refund" and "across brokers: notify -> work" in route.tooltip
    assert route.rate_label == "2/s"


def test_v1_flows_keep_their_drawing_beside_the_channels():
    scene = scene_of()
    produce = edge(scene, "e_billing_hsvc_h_3e_auditor_3a_Audit")
    assert (produce.role, produce.head) == ("produce", "b_jobs")
    assert edge(scene, produce.id + "_to_auditor").role == "deliver"


@pytest.mark.parametrize("name", EXAMPLES)
def test_v1_models_draw_the_same_in_the_channel_and_broker_views(name):
    channels, brokers = example_scene(name), example_scene(name, view="brokers")
    assert channels.view == "channels"
    assert to_dot(channels) == to_dot(brokers)
    assert to_mermaid(channels) == to_mermaid(brokers)
    assert to_html(channels, STUB_DIAGRAM) == to_html(brokers, STUB_DIAGRAM)


def test_the_legend_names_the_channel_shapes_and_route_lines():
    scene = scene_of()
    dot = to_dot(scene, "dot")
    for sample in ("legend_channel_exchange", "legend_channel_queue", "legend_channel_topic",
                   "legend_channel_subject", "legend_channel_socket", "legend_route_from", "legend_dead_hletter_from"):
        assert sample.replace("_hletter", "_letter") in dot
    mermaid = to_mermaid(scene)
    assert "dead-letter (brown)" in mermaid and "legend_channel_socket((" in mermaid
    html = to_html(scene, STUB_DIAGRAM)
    assert "a diamond for an exchange" in html


# --- findings -----------------------------------------------------------------------


def test_findings_colour_the_channel_route_and_endpoint_they_concern():
    model = load(FIXTURE)
    billing = model.channels["billing"]
    dead = next(r for r in model.routes if r.dead_letter and r.source == "refunds")
    publish = next(p for p in model.publishes if p.message == "OrderShipped")
    consume = next(c for c in model.consumes if c.component == "billing-svc")
    diagnostics = [
        Diagnostic("T702", "dead-channel", Severity.WARNING, "billing is read by nothing", billing.span),
        Diagnostic("D603", "dead-letter-unread", Severity.WARNING, "nobody reads it", dead.span),
        Diagnostic("T701", "unroutable-publish", Severity.ERROR, "no route", publish.prop_spans["key"]),
        Diagnostic("D601", "delivery-chain-broken", Severity.ERROR, "auto ack", consume.prop_spans["ack"]),
        Diagnostic("C305", "hotspot", Severity.WARNING, "bus is hot", model.brokers["bus"].span),
    ]
    scene = scene_of(findings=diagnostics)
    elements = {f.diagnostic.code: f.element for f in scene.findings}
    assert elements == {"T702": "channel billing", "D603": "route refunds->refunds-dlq",
                        "T701": "checkout publishes OrderShipped to orders",
                        "D601": "billing-svc consumes OrderPaid from billing", "C305": "broker bus"}
    assert node(scene, "ch_billing").severity == "warning" and "T702 dead-channel" in node(scene, "ch_billing").tooltip
    assert edge(scene, "dl_refunds_to_refunds_hdlq").severity == "warning"
    assert edge(scene, "p_checkout_to_orders").severity == "error"
    assert edge(scene, "d_billing_to_billing_hsvc").severity == "error"
    assert edge(scene, "d_shipping_to_shipper").severity is None
    bus = next(c for c in scene.clusters if c.id == "cluster_broker_bus")
    assert bus.severity == "warning" and "C305 hotspot" in bus.tooltip
    dot = to_dot(scene, "dot")
    assert re.search(r'subgraph "cluster_broker_bus" \{\n    graph \[id="cluster_broker_bus".*color="#e08600", penwidth=3',
                     dot)
    mermaid = to_mermaid(scene)
    assert re.search(r"^  class (\S+,)?cluster_broker_bus(,\S+)? zonewarning$", mermaid, re.M)
    # the logical view draws what the derived flows were made from
    logical = build_scene(model, diagnostics, view="logical")
    assert edge(logical, "l_checkout_to_billing_hsvc").severity == "error"  # the consume's D601
    assert edge(logical, "l_checkout_to_shipper").severity == "error"  # the publish's T701
    assert edge(logical, "l_checkout_to_ledger").severity is None


# --- the logical view ---------------------------------------------------------------


def test_the_logical_view_is_producer_to_consumer_only():
    scene = scene_of(view="logical")
    assert {n.element for n in scene.nodes} == {"component"}
    assert {e.role for e in scene.edges} == {"link"}
    assert not [c for c in scene.clusters if c.kind in ("broker", "channels")]
    link = edge(scene, "l_checkout_to_shipper")
    assert link.message == "OrderPaid, OrderShipped" and link.rate_label == "70/s, peak 220/s"
    assert edge(scene, "l_gateway_to_pricer").rate_label == "5k/s"  # each instance's share is the full rate
    assert edge(scene, "l_billing_hsvc_to_auditor").flows == ("billing-svc->auditor:Audit",)  # v1 flows too
    pairs = [(e.tail, e.head) for e in scene.edges]
    assert len(pairs) == len(set(pairs))
    assert "triage" not in {e.head.removeprefix("c_") for e in scene.edges}  # nothing derived reaches it
    text = to_dot(scene, "dot")
    assert "ch_" not in text and '"b_' not in text


def test_views_are_checked():
    with pytest.raises(ValueError):
        scene_of(view="physical")


def test_large_channel_models_keep_the_automatic_layout(tmp_path):
    lines = ["broker bus : rabbitmq", "channel ex on bus : exchange { type direct }", "message M"]
    for i in range(120):
        lines += [f"channel q{i} on bus : queue", f'route ex -> q{i} {{ key "k{i}" }}',
                  f'component p{i} {{ publishes M to ex {{ key "k{i}"  rate 1/s }} }}',
                  f"component c{i} {{ consumes M from q{i} }}"]
    path = tmp_path / "big.msgarch"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    model = load_model(str(path))
    channels, logical = build_scene(model), build_scene(model, view="logical")
    assert is_large(channels) and resolve_layout(channels) == "sfdp"
    assert len(logical.edges) == 120 and not is_large(logical) and resolve_layout(logical) == "dot"


# --- determinism --------------------------------------------------------------------


@pytest.mark.parametrize("view", ["channels", "logical", "brokers"])
def test_two_runs_are_byte_identical(view):
    first, second = scene_of(view=view), scene_of(view=view)
    assert to_dot(first) == to_dot(second)
    assert to_mermaid(first) == to_mermaid(second)
    assert to_html(first, STUB_DIAGRAM) == to_html(second, STUB_DIAGRAM)


def test_statement_order_does_not_change_the_drawing(write):
    parts = ["broker bus : rabbitmq", "broker log : kafka",
             "channel ex on bus : exchange { type topic }", "channel q1 on bus : queue", "channel q2 on bus : queue",
             "channel t on log : topic { partitions 3 }",
             'route ex -> q1 { key "a.*" }', 'route ex -> q2 { key "#" }',
             "message M", "message N",
             'publish a -> ex : M { key "a.b"  rate 5/s }', 'publish a -> ex : N { key "c.d"  rate 1/s }',
             "publish b -> t : N { rate 2/s }",
             "consume q1 -> c : M", "consume q2 -> c : M, N", "consume t -> d : N { group g }",
             "component a", "component b", "component c", "component d"]
    shuffled = parts[:]
    random.Random(3).shuffle(shuffled)
    forward = load_model(str(write("one.msgarch", "\n".join(parts) + "\n")))
    other = load_model(str(write("one.msgarch", "\n".join(shuffled) + "\n")))
    for view in ("channels", "logical"):
        assert to_dot(build_scene(forward, view=view)) == to_dot(build_scene(other, view=view))
        assert to_mermaid(build_scene(forward, view=view)) == to_mermaid(build_scene(other, view=view))


# --- every format -------------------------------------------------------------------


@pytest.mark.parametrize("path", SPEC + [FIXTURE])
@pytest.mark.parametrize("view", ["channels", "logical", "brokers"])
def test_the_spec_examples_render_as_text(path, view):
    scene = scene_of(path, view=view)
    assert to_dot(scene).startswith("// msgarch render")
    assert to_mermaid(scene).startswith("%% msgarch render")
    assert "<!DOCTYPE html>" in to_html(scene, STUB_DIAGRAM)


@needs_dot
@pytest.mark.parametrize("path", SPEC + [FIXTURE])
@pytest.mark.parametrize("view", ["channels", "logical"])
def test_the_spec_examples_render_in_every_graphviz_format(path, view):
    scene = scene_of(path, view=view)
    svg = draw(scene, "svg")
    root = ET.fromstring(svg.encode("utf-8"))
    ns = "{http://www.w3.org/2000/svg}"
    titles = {g.get("id"): g.find(ns + "title").text for g in root.iter(ns + "g")
              if g.get("class") in ("node", "edge", "cluster") and g.get("id")}
    for item in (*scene.nodes, *scene.edges):
        assert titles[item.id] == item.tooltip
    for cluster in scene.clusters:
        if cluster.tooltip:
            assert titles[cluster.id] == cluster.tooltip
    assert draw(scene, "png")[:8] == b"\x89PNG\r\n\x1a\n"
    assert draw(scene, "pdf")[:5] == b"%PDF-"
    html = draw(scene, "html")
    assert html.count("<svg") == 2 and html.lower().count("<script") == 1 and 'id="channels-table"' in html


@needs_dot
def test_the_legend_sits_below_a_channel_diagram():
    from msgarch.render import _diagram, run_graphviz

    plain = run_graphviz(_diagram(scene_of(), "dot", legend=True), "plain").decode()
    rows = [line.split() for line in plain.splitlines() if line.startswith("node ")]
    heights = {parts[1]: (float(parts[3]), float(parts[5])) for parts in rows}
    legend_top = max(y + h / 2 for n, (y, h) in heights.items() if n.startswith("legend_"))
    diagram_bottom = min(y - h / 2 for n, (y, h) in heights.items() if not n.startswith("legend_"))
    assert legend_top < diagram_bottom


# --- the report ---------------------------------------------------------------------


def test_the_html_report_lists_the_channels():
    html = to_html(scene_of(), STUB_DIAGRAM, STUB_LEGEND)
    table = html[html.index('<table id="channels-table">'):]
    table = table[:table.index("</table>")]
    assert table.count("<tr><td><code>") == 10
    assert "checkout: OrderPaid key &quot;order.eu.paid&quot;, 50/s, peak 200/s (confirms, persistent)" in table
    assert "→ billing: key &quot;order.*.paid&quot;, 50/s, peak 200/s" in table
    assert "type quorum<br>dead-letter billing-failed<br>delivery-limit 5" in table
    assert "pricer: Tick, 5k/s per instance" in table
    assert "10 channels, 5 routes, 6 publishes, 8 consumes" in html


def test_cli_view_option_and_the_large_model_note(tmp_path, run):
    out = tmp_path / "x.dot"
    assert run("render", ROOT / FIXTURE, "-o", out, "--view", "logical").exit_code == 0
    assert "l_checkout_to_shipper" in out.read_text() and "ch_orders" not in out.read_text()
    result = run("render", ROOT / FIXTURE, "-o", "-", "--view", "channels")
    assert result.exit_code == 0 and "ch_orders" in result.stdout
    assert run("render", ROOT / FIXTURE, "-o", out, "--view", "nope").exit_code == 2
    lines = ["broker bus : rabbitmq", "channel ex on bus : exchange { type direct }", "message M"]
    for i in range(160):
        lines += [f"channel q{i} on bus : queue", f'route ex -> q{i} {{ key "k{i}" }}',
                  f'component p{i} {{ publishes M to ex {{ key "k{i}" }} }}', f"component c{i} {{ consumes M from q{i} }}"]
    big = tmp_path / "big.msgarch"
    big.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("render", big, "-o", tmp_path / "big.dot")
    assert result.exit_code == 0 and "--view logical" in result.stderr
    assert "--view logical" not in run("render", big, "-o", tmp_path / "big.dot", "--view", "channels").stderr


def test_lint_findings_on_the_spec_example_colour_its_channels(run):
    """As `msgarch render` does it: T702 (dead-channel) warnings mark the channel nodes."""
    from msgarch.cli.render_cmd import build

    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        scene = build(SPEC[1])
    finally:
        os.chdir(cwd)
    warned = {n.name for n in scene.nodes if n.severity == "warning"}
    assert "order-events" in warned  # fed by nothing
    assert "T702 dead-channel" in node(scene, "ch_order_hevents").tooltip
    t705 = next(f for f in scene.findings if f.diagnostic.code == "T705")
    assert t705.element == "pricer consumes Tick from ticks"
    assert "T705" in edge(scene, "d_ticks_to_pricer").tooltip


def test_long_lists_in_labels_take_a_line_each(write):
    """A direct exchange with a binding per event type: the route's keys and the publish's
    types stack instead of stretching the diagram sideways."""
    names = [f"OrderStatusChangedTo{s}IntegrationEvent" for s in ("Paid", "Shipped", "Cancelled", "Stocked", "Held")]
    lines = ["broker bus : rabbitmq", "channel bus-ex on bus : exchange { type direct }", "channel q on bus : queue",
             "route bus-ex -> q { key " + " ".join(f'"{n}"' for n in names) + " }"]
    lines += [f"message {n}" for n in names]
    lines += ["component p {"] + [f'  publishes {n} to bus-ex {{ key "{n}" }}' for n in names] + ["}"]
    lines += ["component c { consumes " + ", ".join(names) + " from q }"]
    scene = build_scene(load_model(str(write("long.msgarch", "\n".join(lines) + "\n"))))
    route = edge(scene, "rt_bus_hex_to_q")
    assert route.message.split("\n") == [*sorted(names, key=names.index)[:3], "+2 more"]
    assert edge(scene, "p_p_to_bus_hex").message.split("\n")[-1] == "+2 more"
    assert "<BR/>" in next(l for l in to_dot(scene).splitlines() if "id=rt_bus_hex_to_q," in l)
    short = edge(scene_of(), "p_checkout_to_orders")
    assert short.message == "OrderPaid, OrderShipped"  # short lists stay on one line
