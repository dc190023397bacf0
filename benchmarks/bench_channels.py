"""Benchmark lint on a language v2 channel model against an equal-sized v1 model.

The channel model has 1,000 publishes, 200 channels (40 topic exchanges and 100
queues on RabbitMQ, 60 Kafka topics) and 1,000 consumes, with routing keys and binding
patterns. The v1 model is written from the channel model's *derived* flows, one
`flow` each, with the same producers, consumers, messages, brokers and rates: the same
work for every analyser, without channels and routing. Both are linted in a fresh
process each; the report is the median wall time of each and their ratio
(goal: channels at most 1.5x v1).

Run: python benchmarks/bench_channels.py [--runs N] [--scale K]
(--scale multiplies every count, e.g. --scale 10 for 10,000 publishes.)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_lint import median_wall  # noqa: E402


def channel_model(scale: int = 1) -> str:
    exchanges, queues, topics = 40 * scale, 100 * scale, 60 * scale
    publishes, consumes = 1000 * scale, 1000 * scale
    components = 200 * scale
    lines = ['system "channels" { growth 15% per year  horizon 5 years }',
             'broker bus : rabbitmq { nodes 3  version "4.1" }',
             "broker log : kafka { nodes 3  replication 3 }"]
    lines += [f"component svc-{i} {{ instances {1 + i % 4}  capacity {300 + i % 7 * 50}/s }}"
              for i in range(components)]
    lines += [f"message Msg{i} {{ size {1 + i % 9}KB }}" for i in range(publishes)]
    lines += [f"channel ex-{i} on bus : exchange {{ type topic  durable }}" for i in range(exchanges)]
    lines += [f"channel q-{i} on bus : queue {{ type quorum  durable }}" for i in range(queues)]
    lines += [f"channel t-{i} on log : topic {{ partitions 12 }}" for i in range(topics)]
    for i in range(queues):
        lines.append(f'route ex-{i % exchanges} -> q-{i} {{ key "ev.{i % 10}.*" }}')
    # every publish is one message type; consumes read the message where it lands
    landing: list[tuple[str, int]] = []
    for i in range(publishes):
        producer = i % components
        if i % 5 < 3:
            exchange = i % exchanges
            key = f"ev.{i % 10}.k{i}"
            lines.append(f"component svc-{producer} {{ publishes Msg{i} to ex-{exchange} "
                         f'{{ key "{key}"  rate {1 + i % 40}/s  confirms  persistent }} }}')
            bound = [q for q in range(queues) if q % exchanges == exchange and q % 10 == i % 10]
            landing += [(f"q-{q}", i) for q in bound]
        else:
            topic = i % topics
            lines.append(f"component svc-{producer} {{ publishes Msg{i} to t-{topic} "
                         f"{{ key by id  rate {1 + i % 40}/s  acks all }} }}")
            landing.append((f"t-{topic}", i))
    for n in range(consumes):
        channel, message = landing[n % len(landing)]
        consumer = (n * 7 + 3) % components
        group = f"  group g{n % 3}" if channel.startswith("t-") else ""
        lines.append(f"component svc-{consumer} {{ consumes Msg{message} from {channel} "
                     f"{{ delivery at-least-once{group} }} }}")
    return _merge_components("\n".join(lines) + "\n")


def _merge_components(text: str) -> str:
    """Fold repeated `component NAME { ... }` lines into one block per component."""
    blocks: dict[str, list[str]] = {}
    others: list[str] = []
    for line in text.splitlines():
        if line.startswith("component "):
            name, _, body = line[len("component "):].partition(" { ")
            blocks.setdefault(name, []).append(body.rstrip().removesuffix("}").strip())
        else:
            others.append(line)
    components = [f"component {name} {{\n  " + "\n  ".join(parts) + "\n}" for name, parts in blocks.items()]
    return "\n".join(others[:3] + components + others[3:]) + "\n"


def v1_equivalent(channel_text: str, folder: Path) -> str:
    """The same system as v1 flows: one `flow` per derived flow of the channel model."""
    from msgarch.model.loader import load_model

    source = folder / "channels-for-v1.msgarch"
    source.write_text(channel_text, encoding="utf-8")
    model = load_model(str(source))
    lines = ['system "v1" { growth 15% per year  horizon 5 years }',
             'broker bus : rabbitmq-quorum { nodes 3  version "4.1" }',
             "broker log : kafka { nodes 3  replication 3 }"]
    for component in model.components.values():
        lines.append(f"component {component.name} {{ instances {component.instances}  "
                     f"capacity {component.capacity:g}/s }}")
    for message in model.messages.values():
        lines.append(f"message {message.name} {{ size {message.size / 1000:g}KB }}")
    for flow in model.flows:
        pattern = "pubsub" if flow.pattern == "pubsub" else "queue"
        partitions = f"  partitions {flow.partitions}" if flow.partitions else ""
        lines.append(f"flow {flow.producer} -> {', '.join(flow.consumers)} : {flow.message} "
                     f"{{ via {flow.via}  pattern {pattern}  rate {flow.rate:g}/s  delivery at-least-once{partitions} }}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--scale", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        channels = channel_model(args.scale)
        (folder / "channels.msgarch").write_text(channels, encoding="utf-8")
        (folder / "v1.msgarch").write_text(v1_equivalent(channels, folder), encoding="utf-8")
        lint = [sys.executable, "-m", "msgarch", "lint", "--fail-on", "never"]
        median_wall(lint + [str(folder / "v1.msgarch")], 1)  # warm caches
        v1 = median_wall(lint + [str(folder / "v1.msgarch")], args.runs)
        v2 = median_wall(lint + [str(folder / "channels.msgarch")], args.runs)
        from msgarch.model.loader import load_model

        model = load_model(str(folder / "channels.msgarch"))
        print(f"channel model: {len(model.publishes)} publishes, {len(model.channels)} channels, "
              f"{len(model.consumes)} consumes, {len(model.routes)} routes -> {len(model.flows)} derived flows")
        print(f"lint v1 equivalent: {v1 * 1000:.0f} ms; lint channel model: {v2 * 1000:.0f} ms "
              f"(median of {args.runs}); ratio {v2 / v1:.2f} (goal <= 1.5)")


if __name__ == "__main__":
    main()
