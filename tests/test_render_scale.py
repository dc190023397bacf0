"""A generated estate of 1,000 components and 3,000 flows renders to SVG in under 60 s."""

from __future__ import annotations

import random
import shutil
import time
import xml.etree.ElementTree as ET

import pytest

BUDGET_S = 60.0
KINDS = ("kafka", "rabbitmq", "rabbitmq-quorum", "nats", "sqs", "postgres", "zeromq", "pulsar", "mqtt",
         "redis-streams", "artemis", "sns")


def generated_estate(components: int = 1000, flows: int = 3000, brokers: int = 12, zones: int = 25,
                     seed: int = 7) -> str:
    """A reproducible model: every kind of broker, zones, queue, pub/sub and
    request-reply flows between random components, a message type per flow."""
    rnd = random.Random(seed)
    out = ['system "Generated estate" {', "  growth 10% per year", "  headroom 70%", "}"]
    out += [f"broker bus{b} : {KINDS[b % len(KINDS)]} {{ nodes 3 }}" for b in range(brokers)]
    for c in range(components):
        out.append(f"component svc{c} {{ instances {rnd.randint(1, 8)}  capacity {rnd.randint(50, 5000)}/s"
                   f"  zone z{c % zones}  owner \"team {c % 40}\" }}")
    out += [f"message M{m} {{ size {rnd.randint(100, 5000)}B }}" for m in range(flows)]
    for f in range(flows):
        producer = rnd.randrange(components)
        consumers = sorted({rnd.randrange(components) for _ in range(rnd.choice((1, 1, 1, 2, 3)))} - {producer})
        consumers = consumers or [(producer + 1) % components]
        pattern = rnd.choice(("queue", "pubsub", "request-reply")) if len(consumers) == 1 else "pubsub"
        out.append(f"flow svc{producer} -> {', '.join(f'svc{c}' for c in consumers)} : M{f} "
                   f"{{ via bus{rnd.randrange(brokers)}  pattern {pattern}  rate {rnd.randint(1, 200)}/s }}")
    return "\n".join(out) + "\n"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("sfdp") is None, reason="Graphviz is not installed (apt-get install graphviz)")
def test_a_thousand_components_render_to_svg_in_time(tmp_path, run, record_property):
    source = tmp_path / "estate.msgarch"
    source.write_text(generated_estate(), encoding="utf-8")
    out = tmp_path / "estate.svg"
    started = time.perf_counter()
    result = run("render", source, "-o", out, "--heat")
    elapsed = time.perf_counter() - started
    record_property("render_seconds", round(elapsed, 1))
    print(f"\n1,000 components, 3,000 flows -> SVG: {elapsed:.1f} s (whole command: load, lint, loads, sfdp)")
    assert result.exit_code == 0, result.output
    assert elapsed < BUDGET_S, f"took {elapsed:.1f} s"
    root = ET.fromstring(out.read_bytes())
    groups = [g for g in root.iter("{http://www.w3.org/2000/svg}g")]
    components = [g for g in groups if g.get("class") == "node" and g.get("id", "").startswith("c_")]
    edges = [g for g in groups if g.get("class") == "edge" and g.get("id", "").startswith("e_")]
    assert len(components) == 1000
    assert len(edges) >= 3000 * 2  # a produce edge and at least one delivery per flow


def test_the_large_model_still_gives_dot_and_mermaid_quickly(tmp_path, run):
    source = tmp_path / "estate.msgarch"
    source.write_text(generated_estate(components=400, flows=900), encoding="utf-8")
    result = run("render", source, "-o", "-", "--format", "dot")
    assert result.exit_code == 0 and "layout=sfdp" in result.stdout and "splines=false" in result.stdout
    mermaid = run("render", source, "-o", tmp_path / "estate.mmd")
    assert mermaid.exit_code == 0
    assert "Mermaid will not draw this diagram" in mermaid.stderr
