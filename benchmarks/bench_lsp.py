"""Benchmark the language server's re-lint after an edit, in-process (a script, not a timed test).

What an editor waits for after a keystroke, once the debounce has passed: the edited
buffer re-parsed (its includes and the broker profiles are kept from the previous
request), the model rebuilt and linted as `msgarch lint` lints it, and the findings
turned into protocol diagnostics (UTF-16 ranges, related information, rule links).

  largest   the largest example (by size), one figure changed per edit
  generated a generated model of 1,000 flows (benchmarks/bench_lint.py), one `rate` changed per edit

The issue's goals (issue 12, item 3): median under 100 ms for the largest example, under
1 s for 1,000 flows. The CPU time is printed too: on a shared machine the wall time
includes waiting for a core. Also printed: the cold first lint, and the ratio to a plain
`load_model` + `lint_model` of the same text (what the server adds).

Run: python benchmarks/bench_lsp.py [--runs N]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_lint import ROOT, generated_model  # noqa: E402


def edits(text: str, runs: int) -> list[str]:
    """``runs`` versions of ``text``, each with the first `rate` (else `prefetch`, `instances`
    or `nodes`) set to another value: an edit that changes the model, not only the text."""
    match = re.search(r"(\brate )(\d+)", text) or re.search(r"(\b(?:prefetch|instances|nodes) )(\d+)", text)
    if match is None:
        raise SystemExit("no figure to edit")
    return [text[:match.start(2)] + str(int(match.group(2)) + i + 1) + text[match.end(2):] for i in range(runs)]


def bench(path: Path, runs: int) -> dict:
    from msgarch.lint.config import load_config
    from msgarch.lint.runner import lint_model
    from msgarch.lsp.project import Project
    from msgarch.lsp.server import MsgarchServer
    from msgarch.model.loader import load_model

    server = MsgarchServer()
    server._project = Project([str(path.parent)])
    text = path.read_text(encoding="utf-8")
    server.project.open(str(path), text)
    start = time.perf_counter()
    published = server.relint(str(path))
    cold = time.perf_counter() - start
    times, cpu, plain = [], [], []
    for version in edits(text, runs):
        server.project.change(str(path), version)
        start, start_cpu = time.perf_counter(), time.process_time()
        published = server.relint(str(path))
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        config = load_config(str(path))
        start = time.perf_counter()
        lint_model(load_model(str(path), text=version, profile_dirs=config.profiles), config)
        plain.append(time.perf_counter() - start)
    return {"cold": cold, "median": statistics.median(times), "cpu": statistics.median(cpu), "plain": statistics.median(plain),
            "diagnostics": sum(len(items) for _, items in published), "lines": text.count("\n")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    examples = sorted(ROOT.glob("examples/**/*.msgarch"), key=lambda p: (p.stat().st_size, str(p)))
    largest = examples[-1]
    with tempfile.TemporaryDirectory() as scratch:
        generated = Path(scratch) / "generated-1000.msgarch"
        generated.write_text(generated_model(1000), encoding="utf-8")
        for label, path, goal in (("largest", largest, 0.1), ("generated", generated, 1.0)):
            found = bench(path, args.runs)
            print(f"{label:9} {path.name} ({found['lines']} lines, {found['diagnostics']} diagnostics): "
                  f"re-lint median {found['median'] * 1000:.1f} ms over {args.runs} edits "
                  f"(goal < {goal * 1000:.0f} ms: {found['median'] / goal:.2f} of it), CPU {found['cpu'] * 1000:.1f} ms; cold {found['cold'] * 1000:.1f} ms; "
                  f"plain load+lint {found['plain'] * 1000:.1f} ms (server/plain {found['median'] / found['plain']:.2f})")


if __name__ == "__main__":
    main()
