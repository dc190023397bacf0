"""Render sizes of a 300-flow model in each view (issue 14, item 5): a script, not a test.

The model is the benchmark generator's (benchmarks/bench_lint.py) with 300 flows, its 100
components spread over five zones. Each view is drawn as SVG with the automatic layout;
the table gives the drawing's size in points and in pixels at 96 dpi (what `-o x.png`
gives), the nodes and lines drawn, and the layout engine used.

With --layouts, instead: the SVG drawing time of `--layout sfdp` (which drops the zones)
and `--layout fdp` (which keeps them) on the same zoned model at 300, 1,000, 3,000 and
10,000 flows (Graphviz's CPU time and the wall time of `draw`, median of --runs): what
`--layout fdp` costs to keep the zones (docs/render.md, "Large architectures").

Run: python benchmarks/bench_render_views.py [--flows N] [--layouts [--runs N]]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_lint import generated_model  # noqa: E402

VIEWS = [
    ("channels (default)", {}),
    ("brokers", {"view": "brokers"}),
    ("logical", {"view": "logical"}),
    ("--focus svc-3 --depth 1", {"focus": "svc-3", "depth": 1}),
    ("--focus svc-3 --depth 2", {"focus": "svc-3", "depth": 2}),
    ("--zone z1", {"zone": "z1"}),
    ("--broker bus", {"broker": "bus"}),
    ("--view logical --zone z1", {"view": "logical", "zone": "z1"}),
]


def zoned_model(flows: int) -> str:
    lines = []
    for line in generated_model(flows).splitlines():
        match = re.match(r"component svc-(\d+) \{ (.*) \}$", line)
        if match:
            line = f"component svc-{match.group(1)} {{ {match.group(2)}  zone z{int(match.group(1)) % 5} }}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def compare_layouts(runs: int) -> None:
    import resource
    import statistics
    import time

    from msgarch.cli.render_cmd import build
    from msgarch.render import draw

    print(f"model: benchmarks generator with 5 zones; SVG with the legend; median of {runs} runs; "
          "Graphviz CPU (children) and wall time of draw()")
    with tempfile.TemporaryDirectory() as folder:
        for flows in (300, 1_000, 3_000, 10_000):
            source = Path(folder) / f"model-{flows}.msgarch"
            source.write_text(zoned_model(flows), encoding="utf-8")
            scene = build(str(source))
            row = {}
            for layout in ("sfdp", "fdp"):
                cpu, wall = [], []
                for _ in range(runs):
                    before = resource.getrusage(resource.RUSAGE_CHILDREN)
                    start = time.perf_counter()
                    svg = draw(scene, "svg", layout)
                    wall.append(time.perf_counter() - start)
                    after = resource.getrusage(resource.RUSAGE_CHILDREN)
                    cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
                row[layout] = (statistics.median(cpu), statistics.median(wall), svg.count('class="cluster"'))
            (s_cpu, s_wall, s_boxes), (f_cpu, f_wall, f_boxes) = row["sfdp"], row["fdp"]
            print(f"{flows:>6} flows, {len(scene.nodes):>5} nodes, {len(scene.edges):>5} lines: "
                  f"sfdp {s_cpu:.2f} s CPU / {s_wall:.2f} s wall ({s_boxes} zone boxes), "
                  f"fdp {f_cpu:.2f} s CPU / {f_wall:.2f} s wall ({f_boxes} zone boxes); "
                  f"fdp / sfdp {f_cpu / s_cpu:.1f}x CPU, {f_wall / s_wall:.1f}x wall", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flows", type=int, default=300)
    parser.add_argument("--layouts", action="store_true", help="time sfdp against fdp at several sizes")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.layouts:
        compare_layouts(args.runs)
        return
    from msgarch.cli.render_cmd import build
    from msgarch.render import draw
    from msgarch.render.dot import resolve_layout

    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "model.msgarch"
        source.write_text(zoned_model(args.flows), encoding="utf-8")
        print(f"model: benchmarks generator, {args.flows} flows, {max(2, args.flows // 3)} components in 5 zones, "
              "3 brokers; SVG, --layout auto, legend on")
        print(f"{'view':28} {'nodes':>5} {'lines':>5} {'layout':>6} {'points':>13} {'pixels (96 dpi)':>16}")
        for name, options in VIEWS:
            scene = build(str(source), **options)
            svg = draw(scene, "svg")
            match = re.search(r'<svg[^>]*width="([\d.]+)pt" height="([\d.]+)pt"', svg)
            width, height = float(match.group(1)), float(match.group(2))
            print(f"{name:28} {len(scene.nodes):5} {len(scene.edges):5} {resolve_layout(scene):>6} "
                  f"{width:6.0f}x{height:<6.0f} {width * 4 / 3:7.0f}x{height * 4 / 3:<7.0f}")


if __name__ == "__main__":
    main()
