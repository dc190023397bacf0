"""Benchmark `msgarch lint` (a script, not a timed test).

Reports:
  (a) median wall time of `msgarch lint` on the largest example divided by the median
      of `python -c "import lark, networkx, click"`, the floor set by the dependencies
      (goal: at most 1.5);
  (b) lint time on generated models of 100, 1,000 and 10,000 flows, in a fresh process
      each (goal: linear growth, 10x the flows at most 12x the time; 10,000 under 10 s).

Run: python benchmarks/bench_lint.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


#: Children run as a user's Python does: writing bytecode caches. (Some sandboxes set
#: PYTHONDONTWRITEBYTECODE, which makes every run recompile msgarch from source while the
#: dependencies, compiled by pip at install, load from bytecode: an unfair comparison.)
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def median_wall(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, cwd=ROOT,
                       env=CHILD_ENV)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def generated_model(flows: int) -> str:
    """A model with `flows` flows over flows/3 components and 3 brokers of different kinds."""
    components = max(2, flows // 3)
    lines = ['system "generated" {', "  growth 15% per year", "  horizon 5 years", "}",
             "broker bus : rabbitmq { nodes 3 }", "broker events : kafka { nodes 3  replication 3 }",
             "broker cache : redis-streams"]
    lines += [f"component svc-{i} {{ instances {1 + i % 4}  capacity {200 + i % 7 * 50}/s }}"
              for i in range(components)]
    lines += [f"message Msg{i} {{ size {1 + i % 9}KB }}" for i in range(flows)]
    brokers = ("bus", "events", "cache")
    for i in range(flows):
        producer = i % components
        consumers = sorted({(i * 7 + 1) % components, (i * 13 + 2) % components} - {producer}) or [(producer + 1) % components]
        names = ", ".join(f"svc-{c}" for c in consumers)
        lines += [f"flow svc-{producer} -> {names} : Msg{i} {{",
                  f"  via {brokers[i % 3]}", f"  rate {1 + i % 50}/s", "  durable" if i % 2 else "  delivery at-least-once",
                  "}"]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    examples = sorted((ROOT / "examples").glob("*.msgarch"), key=lambda p: p.stat().st_size)
    largest = examples[-1]
    lint = [sys.executable, "-m", "msgarch", "lint", str(largest)]
    floor = [sys.executable, "-c", "import lark, networkx, click"]
    median_wall(lint, 2)  # warm the grammar cache, the bytecode caches and the OS file cache
    floor_time = median_wall(floor, args.runs)
    lint_time = median_wall(lint, args.runs)
    print(f"(a) lint {largest.name}: {lint_time * 1000:.0f} ms median over {args.runs} runs; "
          f"import floor {floor_time * 1000:.0f} ms; ratio {lint_time / floor_time:.2f} (goal <= 1.5)")
    previous = None
    with tempfile.TemporaryDirectory() as folder:
        for flows in (100, 1_000, 10_000):
            path = Path(folder) / f"gen-{flows}.msgarch"
            path.write_text(generated_model(flows), encoding="utf-8")
            elapsed = median_wall([sys.executable, "-m", "msgarch", "lint", "--exit-zero", str(path)],
                                  3 if flows < 10_000 else 1)
            growth = f"; x{elapsed / previous:.1f} for 10x the flows (goal <= 12)" if previous else ""
            print(f"(b) {flows:>6} flows: {elapsed:.2f} s{growth}")
            previous = elapsed


if __name__ == "__main__":
    main()
