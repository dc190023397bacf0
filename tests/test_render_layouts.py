"""Clusters (zones, broker boxes, the external components' box) under every Graphviz
layout, and the legend in PNG and PDF (issue 14, item 5). dot and fdp keep the clusters;
an engine that cannot draw them (sfdp, circo, twopi) or keep them apart (neato), and
`--layout auto` switching a large diagram to sfdp, are said on stderr with the way to
keep them. Real Graphviz: the SVG's cluster groups are counted and measured."""

from __future__ import annotations

import re
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from msgarch.cli.render_cmd import build
from msgarch.render import draw
from msgarch.render.dot import CLUSTER_LAYOUTS, LOOSE_CLUSTER_LAYOUTS, cluster_summary, resolve_layout

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


def test_auto_on_a_large_zoned_diagram_says_the_zones_go_and_how_to_keep_them(tmp_path, run, zoned):
    source = zoned(1_000)  # 336 nodes and 999 lines: large
    scene = build(str(source))
    assert resolve_layout(scene) == "sfdp" and cluster_summary(scene) == "the 5 zones"
    out = tmp_path / "big.dot"
    result = run("render", source, "-o", out)
    assert result.exit_code == 0, result.output
    assert "layout=sfdp" in out.read_text(encoding="utf-8")
    assert ("`--layout auto` draws with sfdp instead of dot, edge labels move into the tooltips; sfdp cannot draw "
            "the 5 zones: `--layout fdp` keeps them (slower, and its layout of clusters varies from run to run), "
            "`--zone z0` draws one zone; `--layout dot`") in result.output
    # the same model without zones: the switch is said, and no word about zones
    plain = tmp_path / "plain.msgarch"
    plain.write_text(re.sub(r"  zone z[0-9]+ }", " }", source.read_text(encoding="utf-8")), encoding="utf-8")
    quiet = run("render", plain, "-o", tmp_path / "plain.dot")
    assert "draws with sfdp instead of dot, edge labels move into the tooltips; `--layout dot`" in quiet.output
    explicit = run("render", source, "-o", tmp_path / "fdp.dot", "--layout", "fdp")
    assert "instead of dot" not in explicit.output and "cannot draw" not in explicit.output
    assert "layout=fdp" in (tmp_path / "fdp.dot").read_text(encoding="utf-8")


@needs_dot
def test_fdp_keeps_the_zones_of_a_large_diagram(tmp_path, run, zoned):
    out = tmp_path / "zoned.svg"
    result = run("render", zoned(1_000), "-o", out, "--layout", "fdp")
    assert result.exit_code == 0, result.output
    assert set(cluster_groups(out)) == {c.id for c in build(str(zoned(1_000))).clusters}
    assert len(cluster_groups(out)) == 5


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@needs_dot
@pytest.mark.parametrize("layout", ["fdp", "sfdp", "neato", "circo", "twopi"])
def test_png_and_pdf_carry_the_legend_under_every_layout(layout):
    from msgarch.render import legend_dot, pin_legend, run_graphviz, to_dot

    scene = build(str(ORDERS))
    boxes = layout in CLUSTER_LAYOUTS + LOOSE_CLUSTER_LAYOUTS
    laid = run_graphviz(to_dot(scene, layout, legend=False, tooltips=False, name_layout=False, boxes=boxes),
                        "dot", layout).decode()
    key = run_graphviz(legend_dot(scene), "dot", "dot").decode()
    merged = pin_legend(laid, key)
    # drawn as it lies: the same picture as PNG and as SVG, whose positions can be read
    svg = ET.fromstring(run_graphviz(merged, "svg", positioned=True))
    tops, bottoms = {}, {}
    for g in svg.iter(f"{SVG}g"):
        if g.get("class") == "node":
            ys = [float(y) for _, y in re.findall(r"(-?[\d.]+),(-?[\d.]+)", " ".join(
                el.get("points") or el.get("d") or "" for el in g.iter() if el.tag in (f"{SVG}polygon", f"{SVG}path")))]
            ys += [float(e.get("cy")) + s * float(e.get("ry")) for e in g.iter(f"{SVG}ellipse") for s in (-1, 1)]
            ys += [float(t.get("y")) for t in g.iter(f"{SVG}text")]
            tops[g.get("id")], bottoms[g.get("id")] = min(ys), max(ys)
    legend_ids = {i for i in tops if i.startswith("legend_")}
    diagram_ids = set(tops) - legend_ids
    assert diagram_ids == {n.id for n in scene.nodes} and {"legend_component", "legend_colours"} <= legend_ids
    assert min(tops[i] for i in legend_ids) > max(bottoms[i] for i in diagram_ids)  # below, covering nothing
    assert bool(cluster_groups_of(svg)) == boxes
    # the engines' own layout is kept: node centres as the engine put them, up to one translation
    plain = {line.split()[1]: (float(line.split()[2]), float(line.split()[3]))
             for line in run_graphviz(merged, "plain", positioned=True).decode().splitlines()
             if line.startswith("node ") and not line.split()[1].startswith("legend_")}
    alone = {m.group(1): tuple(map(float, m.group(2, 3))) for m in
             re.finditer(r'^\t+"?(\w+)"?\s+\[[^;]*?pos="(-?[\d.]+),(-?[\d.]+)"', laid, re.S | re.M)}
    some = sorted(set(plain) & set(alone))[:5]
    assert len(some) >= 3
    offsets = {(round(plain[i][0] * 72 - alone[i][0]), round(plain[i][1] * 72 - alone[i][1])) for i in some}
    assert len(offsets) == 1, offsets
    # PNG and PDF through draw(): taller than without the legend, and byte-identical twice
    from msgarch.render import draw

    with_key, without = png_size(draw(scene, "png", layout)), png_size(draw(scene, "png", layout, legend=False))
    assert with_key[1] > without[1] + 50 and with_key[0] >= without[0] - 2
    pdf = draw(scene, "pdf", layout)
    assert pdf[:5] == b"%PDF-"
    if layout != "fdp":  # fdp's layout of clusters varies between runs (Graphviz 2.43): docs/render.md
        assert pdf == draw(scene, "pdf", layout) and draw(scene, "png", layout) == draw(scene, "png", layout)


def cluster_groups_of(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == "cluster"]
