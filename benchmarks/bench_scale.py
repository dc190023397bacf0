"""Benchmark lint, diff and render at scale (a script, not a timed test).

For generated models of 1,000, 10,000 and (with --large) 100,000 flows, each command in a
fresh process, median wall time over --runs runs (one run at 100,000):

  lint    `msgarch lint --exit-zero NEW`
  diff    `msgarch diff OLD NEW` (NEW: every tenth flow's rate doubled, one broker's kind changed)
  dot     `msgarch render NEW -o OUT.dot` (no Graphviz)
  svg     `msgarch render NEW -o OUT.svg` (Graphviz; skipped at 100,000 flows and without `dot`)
  svg-logical  `msgarch render NEW -o OUT.svg --view logical` (Graphviz; goal at 100,000 flows: 5 min)

and the ratios the issue sets goals for (issue 13, items 11 and 12):
  growth of each command for 10x the flows (goal: at most 12x),
  diff / (2 x lint) at the same size (goal: at most 1),
  render svg / lint at 10,000 flows (goal: at most 2),
  render svg-logical at 100,000 flows (goal: under 300 s).

Run: python benchmarks/bench_scale.py [--runs N] [--large]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_lint import CHILD_ENV, ROOT, generated_model, median_wall  # noqa: E402


def changed_model(flows: int) -> str:
    """The generated model with every tenth flow's rate doubled and the cache broker's kind changed."""
    lines = generated_model(flows).splitlines()
    out, flow_index = [], -1
    for line in lines:
        if line.startswith("flow "):
            flow_index += 1
        if line.strip().startswith("rate ") and flow_index % 10 == 0:
            value = int(line.strip()[5:].split("/")[0])
            line = f"  rate {value * 2}/s"
        if line == "broker cache : redis-streams":
            line = "broker cache : rabbitmq"
        out.append(line)
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--large", action="store_true", help="also 100,000 flows (several minutes)")
    args = parser.parse_args()
    sizes = (1_000, 10_000, 100_000) if args.large else (1_000, 10_000)
    has_dot = shutil.which("dot") is not None
    msgarch = [sys.executable, "-m", "msgarch"]
    median_wall([*msgarch, "--version"], 1)  # warm the bytecode caches
    table: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for flows in sizes:
            old, new = Path(folder) / f"old-{flows}.msgarch", Path(folder) / f"new-{flows}.msgarch"
            old.write_text(generated_model(flows), encoding="utf-8")
            new.write_text(changed_model(flows), encoding="utf-8")
            runs = args.runs if flows < 100_000 else 1
            commands = {
                "lint": [*msgarch, "lint", "--exit-zero", str(new)],
                "diff": [*msgarch, "diff", str(old), str(new), "--fail-on", "never"],
                "dot": [*msgarch, "render", str(new), "-o", str(Path(folder) / "out.dot")],
            }
            if has_dot and flows < 100_000:
                commands["svg"] = [*msgarch, "render", str(new), "-o", str(Path(folder) / "out.svg")]
            if has_dot:  # the view for large systems (issue 13, item 12: under 5 minutes at 100,000 flows)
                commands["svg-logical"] = [*msgarch, "render", str(new), "-o", str(Path(folder) / "logical.svg"),
                                           "--view", "logical"]
            check = subprocess.run(commands["diff"], capture_output=True, cwd=ROOT, env=CHILD_ENV) \
                if flows < 100_000 else None  # checked where it is cheap
            if check is not None and check.returncode != 0:
                sys.exit(f"diff failed at {flows} flows: {check.stderr.decode()[-500:]}")
            table[flows] = {name: median_wall(command, runs) for name, command in commands.items()}
            row = table[flows]
            print(f"{flows:>7} flows: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in row.items())
                  + f"; diff / (2 x lint) {row['diff'] / (2 * row['lint']):.2f}"
                  + (f"; svg / lint {row['svg'] / row['lint']:.2f}" if "svg" in row else ""), flush=True)
    for small, large in zip(sizes, sizes[1:]):
        growth = ", ".join(f"{name} x{table[large][name] / table[small][name]:.1f}"
                           for name in table[large] if name in table[small])
        print(f"{small:,} -> {large:,} flows (10x): {growth} (goal: at most x12)")


if __name__ == "__main__":
    main()
