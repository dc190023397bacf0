"""`msgarch plan` on language v2 models: every channel with its broker, type, settings,
routes, publishes, consumes and derived rates, in text, Markdown and JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "render" / "channels.msgarch"
SPEC = [ROOT / "tests" / "fixtures" / "channels" / f"spec-{i}.msgarch" for i in (1, 2)]


def plan(run, path, output_format="text"):
    result = run("plan", path, "--format", output_format)
    assert result.exit_code == 0, result.output
    return result.output


def test_json_lists_every_channel_with_its_derived_rates(run):
    data = json.loads(plan(run, FIXTURE, "json"))
    rows = {row["channel"]: row for row in data["channels"]}
    assert list(rows) == sorted(rows) and len(rows) == 10
    orders = rows["orders"]
    assert (orders["broker"], orders["broker_kind"], orders["type"], orders["delivery"]) == (
        "bus", "rabbitmq", "exchange", "route")
    assert orders["settings"] == {"durable": True, "type": "topic"}
    assert orders["settings_written"] == ["type topic", "durable"]
    assert orders["into"] == {"rate_per_s": 70, "peak_per_s": 220, "without_rate": 0}
    assert [p["message"] for p in orders["publishes"]] == ["OrderPaid", "OrderShipped"]
    assert orders["publishes"][0]["keys"] == ["order.eu.paid"]
    out = {r["to"]: r for r in orders["routes_out"]}
    assert out["billing"]["match"] == 'key "order.*.paid"' and out["billing"]["peak_per_s"] == 200
    assert out["shipping"]["rate_per_s"] == 70
    billing = rows["billing"]
    assert billing["routes_out"] == [{"to": "billing-failed", "match": "dead-letter", "dead_letter": True,
                                      "rate_per_s": None, "peak_per_s": None, "without_rate": 0}]
    assert billing["consumes"][0]["component"] == "billing-svc"
    assert billing["consumes"][0]["rate_per_s"] == 50 and billing["consumes"][0]["peak_per_s"] == 200
    assert "ack after-processing" in billing["consumes"][0]["settings_written"]
    assert rows["ticks"]["consumes"][0]["per_instance"] is True
    assert rows["refunds"]["routes_in"][0]["from"] == "order-events"  # across brokers: SNS -> SQS
    assert rows["refunds"]["into"]["rate_per_s"] == 2
    assert rows["payments"]["consumes"][0]["group"] == "ledger"


def test_text_and_markdown_list_the_channels(run):
    text = plan(run, FIXTURE)
    section = text[text.index("Channels (today's rates"):text.index("Runway:")]
    assert "orders on bus (rabbitmq): exchange { type topic  durable }" in section
    assert 'in:  checkout publishes OrderPaid key "order.eu.paid", 50/s, peak 200/s (confirms, persistent)' in section
    assert 'route -> billing: key "order.*.paid", 50/s, peak 200/s' in section
    assert "out: pricer consumes Tick, receives 5k/s per instance" in section
    assert "out: triage consumes OrderPaid, nothing derived reaches it" in section
    markdown = plan(run, FIXTURE, "markdown")
    assert "## Channels" in markdown
    assert "| `orders` | bus (rabbitmq) | exchange | type topic<br>durable |" in markdown


@pytest.mark.parametrize("path", SPEC, ids=["spec-1", "spec-2"])
@pytest.mark.parametrize("output_format", ["text", "markdown", "json"])
def test_the_spec_examples_plan(run, path, output_format):
    out = plan(run, path, output_format)
    assert ("channels" in json.loads(out)) if output_format == "json" else ("Channels" in out)


def test_v1_plans_have_no_channel_section(run):
    path = ROOT / "examples" / "order-platform.msgarch"
    assert "channels" not in json.loads(plan(run, path, "json"))
    assert "Channels" not in plan(run, path)


def test_a_route_with_a_pipe_in_its_filter_keeps_the_markdown_table(write, run):
    path = write("m.msgarch", """
        broker notify : sns
        broker work : sqs
        channel events on notify : topic
        channel jobs on work : queue
        route events -> jobs { filter "a | b" }
        message M
        component p { publishes M to events { rate 1/s } }
        component c { consumes M from jobs }
        """)
    markdown = plan(run, path, "markdown")
    row = next(line for line in markdown.splitlines() if line.startswith("| `events`"))
    assert row.count(" | ") == 7 and 'a \\| b' in row
