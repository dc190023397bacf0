"""Diagrams at scale (issue 14, item 5): `render --focus/--depth`, `--zone`, `--broker`,
parallel lines merged with a count, the legend apart from force-directed layouts, the
layout switch said, Mermaid's edge count with the legend's links, and a file with
nothing to draw."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from msgarch.cli.render_cmd import build
from msgarch.render import build_scene, to_mermaid
from msgarch.render.mermaid import MERMAID_MAX_EDGES, too_large
from msgarch.render.scope import ScopeError, merge_parallel, restrict

ROOT = Path(__file__).resolve().parent.parent
ORDERS = str(ROOT / "examples" / "order-platform.msgarch")
CHANNELS = str(ROOT / "tests" / "fixtures" / "render" / "channels.msgarch")
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed (apt-get install graphviz)")
SVG = "{http://www.w3.org/2000/svg}"


def names(scene, element=None) -> set[str]:
    return {n.name for n in scene.nodes if element is None or n.element == element}


def test_focus_keeps_the_neighbours_to_the_depth_asked():
    one = build(ORDERS, focus="inventory", depth=1)
    # inventory's lines go through brokers; at depth 1 those brokers, at depth 2 who uses them
    assert names(one, "component") == {"inventory"} and names(one, "broker") <= {"bus", "jobs", "events"}
    assert names(one, "broker")
    two = build(ORDERS, focus="inventory", depth=2)
    assert {"storefront", "orders", "inventory"} <= names(two, "component")
    everything = build(ORDERS)
    assert len(two.nodes) <= len(everything.nodes) and len(one.nodes) < len(two.nodes)
    for edge in two.edges:  # every line kept has both ends drawn
        assert {edge.tail, edge.head} <= {n.id for n in two.nodes}
    assert two.scope == "inventory and its neighbours to depth 2"
    zero = build(ORDERS, focus="inventory", depth=0)
    assert names(zero) == {"inventory"} and not zero.edges


def test_focus_on_a_channel_and_in_the_logical_view():
    scene = build(CHANNELS, focus="orders", depth=1)
    ids = {n.id for n in scene.nodes}
    assert "ch_orders" in ids
    assert all("ch_orders" in (e.tail, e.head) for e in scene.edges)
    logical = build(CHANNELS, view="logical", focus="checkout", depth=1)
    assert "checkout" in names(logical) and all(n.element == "component" for n in logical.nodes)
    with pytest.raises(ScopeError, match="channels view only"):
        build(CHANNELS, view="logical", focus="orders")


def test_zone_keeps_its_components_and_what_they_reach():
    scene = build(ORDERS, zone="finance")
    components = names(scene, "component")
    assert {"payments", "payment-repair"} <= components
    member_ids = {n.id for n in scene.nodes if n.name in ("payments", "payment-repair")}
    assert scene.edges and all(e.tail in member_ids or e.head in member_ids for e in scene.edges)
    assert scene.scope == "zone finance"
    # the findings follow: none on a component the zone's lines do not reach
    drawn_tips = "\n".join(n.tooltip for n in scene.nodes) + "\n".join(e.tooltip for e in scene.edges)
    for item in scene.findings:
        d = item.diagnostic
        assert item.element in ("", "system") or f"{d.code} {d.name}" in drawn_tips
    assert set(scene.loads.consumers) <= components


def test_broker_keeps_what_it_carries():
    scene = build(ORDERS, broker="events")
    assert "events" in names(scene, "broker") and names(scene, "broker") == {"events"}
    assert all("b_events" in (e.tail, e.head) for e in scene.edges)
    assert set(scene.loads.brokers) == {"events"}
    logical = build(CHANNELS, view="logical", broker="bus")
    everything = build(CHANNELS, view="logical")
    assert 0 < len(logical.edges) < len(everything.edges)
    from msgarch import api

    model = api.load_one(CHANNELS)
    via = {f.id for f in model.flows if f.via == "bus"}
    assert all(via.intersection(e.flows) for e in logical.edges)


@pytest.mark.parametrize("option, value, message", [
    ("focus", "inventroy", "did you mean 'inventory'"),
    ("zone", "finanse", "did you mean 'finance'"),
    ("broker", "event", "did you mean 'events'"),
])
def test_unknown_names_are_errors_with_a_suggestion(run, tmp_path, option, value, message):
    with pytest.raises(ScopeError, match=message):
        build(ORDERS, **{option: value})
    result = run("render", ORDERS, "-o", tmp_path / "x.dot", f"--{option}", value)
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "x.dot").exists()


PARALLEL = """
system "Parallel" {}
broker bus : rabbitmq
component web
component worker { capacity 100/s }
message A
message B
flow web -> worker : A { via bus  rate 20/s  peak 30/s }
flow web -> worker : B { via bus  rate 5/s }
"""


def test_parallel_lines_are_merged_with_a_count(tmp_path, run):
    source = tmp_path / "p.msgarch"
    source.write_text(PARALLEL, encoding="utf-8")
    unmerged = build(str(source), merge=False)
    assert sum(1 for e in unmerged.edges if e.role == "produce") == 2
    scene = build(str(source))
    produce = [e for e in scene.edges if e.role == "produce"]
    deliver = [e for e in scene.edges if e.role == "deliver"]
    assert len(produce) == 1 and len(deliver) == 1
    assert produce[0].message == "A, B" and produce[0].rate_label == "25/s, peak 35/s (2 flows)"
    assert deliver[0].rate_label == "2 flows"
    assert "flow web->worker:A" in produce[0].tooltip and "flow web->worker:B" in produce[0].tooltip
    dot = run("render", source, "-o", "-").stdout
    assert dot.count('"c_web" -> "b_bus"') == 1 and "(2 flows)" in dot


def test_the_automatic_layout_switch_is_said(tmp_path, run):
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_lint import generated_model

    source = tmp_path / "big.msgarch"
    source.write_text(generated_model(1000), encoding="utf-8")
    result = run("render", source, "-o", tmp_path / "big.dot")
    assert result.exit_code == 0
    assert "`--layout auto` draws with sfdp instead of dot" in result.output
    assert "layout=sfdp" in (tmp_path / "big.dot").read_text()
    quiet = run("render", source, "-o", tmp_path / "big2.dot", "--layout", "dot")
    assert "instead of dot" not in quiet.output
    small = run("render", ORDERS, "-o", tmp_path / "small.dot")
    assert "instead of dot" not in small.output


def test_mermaid_counts_the_legend_links(tmp_path):
    from msgarch import api

    # 249 producers -> one broker -> 249 consumers: 498 real edges, under Mermaid's 500
    lines = ['system "M" {}', "broker bus : rabbitmq", "message M"]
    for i in range(249):
        lines += [f"component p{i}", f"component c{i}", f"flow p{i} -> c{i} : M {{ via bus }}"]
    source = tmp_path / "m.msgarch"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    scene = build_scene(api.load_one(str(source)))
    assert len(scene.edges) == 498 < MERMAID_MAX_EDGES
    text = to_mermaid(scene)
    legend_links = len(re.findall(r" ~~~ ", text))
    assert legend_links >= 3
    problem = too_large(text, scene)
    assert problem.startswith(f"{498 + legend_links} edges (498 lines and {legend_links} in the legend)")
    assert too_large(to_mermaid(scene, legend=False), scene) == ""


def test_a_file_with_nothing_to_draw_says_so(tmp_path, run):
    out = tmp_path / "common.svg"
    result = run("render", ROOT / "examples" / "iot-common.msgarch", "-o", out)
    assert result.exit_code == 2
    assert "nothing to draw" in result.output and "declares no component, broker or channel" in result.output
    assert not out.exists()


@needs_dot
@pytest.mark.parametrize("layout", ["neato", "sfdp", "fdp", "circo", "twopi"])
def test_the_legend_stays_under_the_diagram_in_every_layout(tmp_path, run, layout):
    out = tmp_path / f"orders-{layout}.svg"
    result = run("render", ORDERS, "-o", out, "--layout", layout)
    assert result.exit_code == 0, result.output
    root = ET.parse(out).getroot()
    diagram, legend = root.findall(f"{SVG}svg")
    assert diagram.get("id") == "diagram" and legend.get("id") == "legend"
    # the legend starts below the diagram's box, so it covers nothing
    assert float(legend.get("y")) >= float(diagram.get("y")) + float(diagram.get("height"))
    assert not [g for g in diagram.iter(f"{SVG}g") if (g.get("id") or "").startswith("legend_")]
    assert {g.get("id") for g in legend.iter(f"{SVG}g")} >= {"legend_component", "legend_colours"}
    total = [float(v) for v in root.get("viewBox").split()]
    assert total[3] >= float(legend.get("y")) + float(legend.get("height")) - 0.01


@needs_dot
def test_the_html_report_of_a_part(tmp_path, run):
    out = tmp_path / "finance.html"
    result = run("render", ORDERS, "-o", out, "--zone", "finance", "--heat")
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "Showing zone finance." in html and 'id="c_payments"' in html and 'id="c_storefront"' not in html


def test_restrict_with_nothing_asked_is_the_scene():
    from msgarch import api

    model = api.load_one(ORDERS)
    scene = build_scene(model)
    assert restrict(scene, model) is scene and merge_parallel(scene, model).nodes == scene.nodes


# --- the SVG pass without a tree (issue 13, item 12) ------------------------------------


@needs_dot
def test_the_fast_svg_pass_agrees_with_the_tree_and_refuses_what_it_does_not_know():
    from msgarch.render import run_graphviz, to_dot
    from msgarch.render import svg as svg_module

    scene = build(ORDERS)
    drawn = run_graphviz(to_dot(scene, "dot", legend=False, tooltips=False), "svg", "dot").decode("utf-8")
    fast = svg_module._finish_fast(drawn, scene, True)
    assert fast is not None and "<!--" not in fast and "<!DOCTYPE" not in fast
    root = ET.fromstring(fast.encode("utf-8"))
    tips = svg_module.tooltips(scene)
    titles = {g.get("id"): g.find(f"{SVG}title").text for g in root.iter(f"{SVG}g")
              if g.get("class") in ("node", "edge", "cluster")}
    assert titles and all(titles[i] == svg_module.clean(tips[i]) for i in titles if i in tips)
    assert root.find(f"{SVG}g/{SVG}title").text == scene.title
    # the same titles as the tree-walking pass (which an element outside its list, <desc>, forces)
    forced = drawn.replace("</svg>", "<desc>d</desc></svg>")
    assert svg_module._finish_fast(forced, scene, True) is None
    slow = ET.fromstring(svg_module.finish_svg(forced, scene).encode("utf-8"))
    assert {g.get("id"): g.find(f"{SVG}title").text for g in slow.iter(f"{SVG}g")
            if g.get("class") in ("node", "edge", "cluster")} == titles
    for hostile in ('<g id="x" class="node"><a xlink:href="https://example.org">x</a></g>',
                    '<g id="x" class="node" onload="alert(1)"></g>', "<script>alert(1)</script>",
                    "<image href='x'/>", '<text x="1">a < b</text>', "<foreignObject></foreignObject>",
                    "<!DOCTYPE svg [<!ENTITY e 'x'>]>", '<text x="1">&e;</text>'):
        spoiled = drawn.replace("</svg>", hostile + "</svg>")
        assert svg_module._finish_fast(spoiled, scene, True) is None, hostile
        finished = svg_module.finish_svg(spoiled, scene) if "ENTITY" not in hostile and "&e;" not in hostile \
            and "a < b" not in hostile else ""
        assert "<script" not in finished and "onload" not in finished and "href" not in finished
