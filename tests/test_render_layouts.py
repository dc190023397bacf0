"""Clusters (zones, broker boxes, the external components' box) under every Graphviz
layout (issue 14, item 5): `--layout auto` takes fdp, which keeps them, for a large
diagram with clusters up to FDP_MAX_NODES nodes and says so; an engine that cannot draw
them (sfdp, circo, twopi) is named on stderr with the way to keep them. Real Graphviz:
the SVG's cluster groups are counted."""

from __future__ import annotations

import re
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from msgarch.cli.render_cmd import build
from msgarch.render import draw
from msgarch.render.dot import CLUSTER_LAYOUTS, FDP_MAX_NODES, LOOSE_CLUSTER_LAYOUTS, cluster_summary, resolve_layout

ROOT = Path(__file__).resolve().parent.parent
ORDERS = ROOT / "examples" / "order-platform.msgarch"
SVG = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed (apt-get install graphviz)")

sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_render_views import zoned_model  # noqa: E402


def cluster_groups(svg_path: Path) -> dict[str, ET.Element]:
    """The diagram's cluster groups, not the legend's box (under dot it is in the graph)."""
    root = ET.parse(svg_path).getroot()
    diagram = root.find(f"{SVG}svg[@id='diagram']")
    return {g.get("id"): g for g in (diagram if diagram is not None else root).iter(f"{SVG}g")
            if g.get("class") == "cluster" and g.get("id") != "cluster_legend"}


def box(group: ET.Element) -> tuple[float, float, float, float]:
    """The bounding box of a cluster's outline (a path when rounded, else a polygon)."""
    outline = group.find(f"{SVG}path")
    outline = outline.get("d") if outline is not None else group.find(f"{SVG}polygon").get("points")
    points = [(float(x), float(y)) for x, y in re.findall(r"(-?[\d.]+),(-?[\d.]+)", outline)]
    xs, ys = [x for x, _ in points], [y for _, y in points]
    return min(xs), min(ys), max(xs), max(ys)


@pytest.fixture(scope="module")
def zoned(tmp_path_factory):
    """The benchmark generator's model with its components in five zones."""
    folder = tmp_path_factory.mktemp("zoned")

    def model(flows: int) -> Path:
        path = folder / f"zoned-{flows}.msgarch"
        if not path.exists():
            path.write_text(zoned_model(flows), encoding="utf-8")
        return path

    return model


@needs_dot
@pytest.mark.parametrize("layout", CLUSTER_LAYOUTS)
def test_the_cluster_layouts_draw_every_zone_around_its_components(tmp_path, run, layout):
    out = tmp_path / f"orders-{layout}.svg"
    result = run("render", ORDERS, "-o", out, "--layout", layout)
    assert result.exit_code == 0, result.output
    assert "cannot draw clusters" not in result.output
    scene = build(str(ORDERS))
    groups = cluster_groups(out)
    assert set(groups) == {c.id for c in scene.clusters} and {c.kind for c in scene.clusters} >= {"zone", "external"}
    # each zone's box holds its components' centres and no other component's
    root = ET.parse(out).getroot()
    centres = {}
    for g in root.iter(f"{SVG}g"):
        if g.get("class") == "node" and g.get("id", "").startswith("c_"):
            text = g.find(f"{SVG}text")
            centres[g.get("id")] = (float(text.get("x")), float(text.get("y")))
    for cluster in scene.clusters:
        left, top, right, bottom = box(groups[cluster.id])
        members = {n.id for n in scene.nodes if n.cluster == cluster.id}
        inside = {node for node, (x, y) in centres.items() if left < x < right and top < y < bottom}
        assert members <= inside and not (inside - members) & {n.id for n in scene.nodes if n.cluster}, cluster.id


@needs_dot
@pytest.mark.parametrize("layout", ["sfdp", "circo", "twopi"])
def test_a_layout_that_drops_the_zones_says_so_and_how_to_keep_them(tmp_path, run, layout):
    out = tmp_path / f"orders-{layout}.svg"
    result = run("render", ORDERS, "-o", out, "--layout", layout)
    assert result.exit_code == 0
    assert not cluster_groups(out), f"{layout} now draws clusters: add it to CLUSTER_LAYOUTS"
    assert (f"`--layout {layout}` cannot draw clusters, so the 6 zones and the external components' box are not "
            "drawn; `--layout fdp` keeps them, as does dot; `--zone core` draws one zone") in result.output
    # nothing to lose, nothing said; Mermaid lays out by itself
    flat = tmp_path / "flat.msgarch"
    flat.write_text('broker bus : rabbitmq\nmessage M\ncomponent a\ncomponent b\nflow a -> b : M { via bus }\n',
                    encoding="utf-8")
    assert "cannot draw" not in run("render", flat, "-o", tmp_path / "flat.svg", "--layout", layout).output
    assert "cannot draw" not in run("render", ORDERS, "-o", tmp_path / "o.mmd", "--layout", layout).output


@needs_dot
@pytest.mark.parametrize("layout", LOOSE_CLUSTER_LAYOUTS)
def test_neato_draws_the_boxes_but_is_said_not_to_keep_them_apart(tmp_path, run, layout):
    out = tmp_path / f"orders-{layout}.svg"
    result = run("render", ORDERS, "-o", out, "--layout", layout)
    assert result.exit_code == 0
    assert set(cluster_groups(out)) == {c.id for c in build(str(ORDERS)).clusters}
    assert (f"`--layout {layout}` does not keep clusters apart: it draws a box around each of the 6 zones and the "
            "external components' box where its nodes fall, and a box can hold another's nodes; `--layout fdp` "
            "keeps them apart, as does dot; `--zone core` draws one zone") in result.output


@needs_dot
def test_auto_keeps_the_zones_of_a_large_diagram_with_fdp(tmp_path, run, zoned):
    source = zoned(1_000)  # 336 nodes and 999 lines: large
    scene = build(str(source))
    assert len(scene.nodes) <= FDP_MAX_NODES and resolve_layout(scene) == "fdp"
    assert cluster_summary(scene) == "the 5 zones"
    out = tmp_path / "zoned.svg"
    result = run("render", source, "-o", out)
    assert result.exit_code == 0, result.output
    assert "`--layout auto` draws with fdp instead of dot, which keeps the 5 zones (sfdp, faster, would not)" \
        in result.output
    assert set(cluster_groups(out)) == {c.id for c in scene.clusters} and len(scene.clusters) == 5
    assert {"diagram", "legend"} == {s.get("id") for s in ET.parse(out).getroot().findall(f"{SVG}svg")}


def test_auto_past_the_fdp_limit_takes_sfdp_and_says_the_zones_go(tmp_path, run, zoned):
    source = zoned(3_000)  # 1,003 nodes
    out = tmp_path / "big.dot"
    result = run("render", source, "-o", out)
    assert result.exit_code == 0, result.output
    assert "layout=sfdp" in out.read_text(encoding="utf-8")
    assert ("`--layout auto` draws with sfdp instead of dot, edge labels move into the tooltips; sfdp cannot draw "
            f"the 5 zones (past {FDP_MAX_NODES:,} nodes fdp, which can, is several times slower): `--layout fdp` "
            "keeps them, `--zone z0` draws one zone") in result.output
    # the same model without zones: sfdp, and no word about zones
    plain = tmp_path / "plain.msgarch"
    plain.write_text(re.sub(r"  zone z[0-9]+ }", " }", source.read_text(encoding="utf-8")), encoding="utf-8")
    quiet = run("render", plain, "-o", tmp_path / "plain.dot", "--group", "none")
    assert "draws with sfdp instead of dot, edge labels move into the tooltips; `--layout dot`" in quiet.output
    explicit = run("render", source, "-o", tmp_path / "fdp.dot", "--layout", "fdp")
    assert "instead of dot" not in explicit.output and "cannot draw" not in explicit.output
    assert "layout=fdp" in (tmp_path / "fdp.dot").read_text(encoding="utf-8")
