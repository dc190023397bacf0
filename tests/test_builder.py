"""The builder: units become msg/s, bytes and seconds; kinds apply; every problem is collected."""

from __future__ import annotations

import pytest

from msgarch.diagnostics import InputError
from msgarch.model.loader import load_model
from tests.test_parser import SPEC_EXAMPLE


def model_of(write, source, name="m.msgarch"):
    return load_model(str(write(name, source)))


def problems_of(write, source):
    with pytest.raises(InputError) as caught:
        model_of(write, source)
    return caught.value.diagnostics


def test_spec_example_builds_with_typed_units(write):
    model = model_of(write, SPEC_EXAMPLE)
    assert model.system.growth == pytest.approx(0.15) and model.system.horizon == 5
    assert model.system.headroom == pytest.approx(0.70)
    assert model.components["orders"].capacity == 500 and model.components["billing"].zone == "finance"
    assert model.messages["PlaceOrder"].size == 2000 and model.messages["OrderPlaced"].max_size == 64000
    web, fanout = model.flows
    assert web.pattern == "request-reply" and web.peak == 1200 and web.latency == pytest.approx(0.05)
    assert fanout.id == "orders->audit,billing,shipping:OrderPlaced"
    assert fanout.retention == 7 * 86400 and fanout.ordered_by == "order_id" and fanout.durable


@pytest.mark.parametrize(("text", "expected"), [
    ("12k/s", 12000), ("1.5M/min", 25000), ("3600/h", 1), ("86400/day", 1), ("300/s", 300),
])
def test_rates(write, text, expected):
    model = model_of(write, f"component a\ncomponent b\nmessage M\nflow a -> b : M {{ rate {text} }}\n")
    assert model.flows[0].rate == pytest.approx(expected)


@pytest.mark.parametrize(("text", "expected"), [
    ("1B", 1), ("2KB", 2000), ("3MB", 3e6), ("1GB", 1e9), ("1KiB", 1024), ("1MiB", 1048576), ("2GiB", 2 * 1024**3),
])
def test_sizes(write, text, expected):
    model = model_of(write, f"message M {{ size {text} }}\n")
    assert model.messages["M"].size == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("200us", 200e-6), ("200µs", 200e-6), ("5ms", 0.005), ("2s", 2), ("15min", 900), ("4h", 14400), ("7d", 604800),
])
def test_durations(write, text, expected):
    model = model_of(write, f"component a\ncomponent b\nmessage M\nflow a -> b : M {{ ttl {text} }}\n")
    assert model.flows[0].ttl == pytest.approx(expected)


def test_kind_defaults_and_flow_wins(write):
    model = model_of(write, """
        kind critical { durable; delivery at-least-once; latency 100ms }
        component a
        component b
        message M
        flow a -[critical]-> b : M { latency 20ms }
    """)
    flow = model.flows[0]
    assert flow.durable and flow.delivery == "at-least-once" and flow.latency == pytest.approx(0.02)
    assert flow.kind == "critical"


def test_pattern_inference(write):
    model = model_of(write, "component a\ncomponent b\ncomponent c\nmessage M\nflow a -> b : M\nflow a -> b, c : M\n")
    single, fanout = model.flows
    assert (single.pattern, single.pattern_declared) == ("queue", False)
    assert (fanout.pattern, fanout.pattern_declared) == ("pubsub", False)


def test_only_broker_is_implied(write):
    model = model_of(write, "broker bus : rabbitmq\ncomponent a\ncomponent b\nmessage M\nflow a -> b : M\n")
    assert model.flows[0].via == "bus" and not model.flows[0].via_declared


def test_every_problem_is_collected(write):
    problems = problems_of(write, """
        component a { instances 0 }
        message M { size 5 }
        flow a -> b : M { pattern pubsb; delivery exactly; rate 3kb/s; priority 1 }
    """)
    messages = " | ".join(p.message for p in problems)
    assert len(problems) == 6, messages
    assert "expected one of queue, pubsub, request-reply" in messages and "did you mean 'pubsub'" in messages
    assert "at-most-once, at-least-once, exactly-once" in messages
    assert "a size needs a unit" in messages


def test_number_without_unit_names_the_units(write):
    (problem,) = problems_of(write, "component a { capacity 200 }\n")
    assert "a rate such as 300/s" in problem.message and (problem.span.line, problem.span.column) == (1, 24)


def test_property_given_twice(write):
    (problem,) = problems_of(write, "component a {\n instances 2\n instances 3\n}\n")
    assert "given twice" in problem.message and problem.related[0].span.line == 2


def test_duplicates_are_kept_for_s002(write):
    model = model_of(write, "component a { instances 2 }\ncomponent a { instances 3 }\n")
    assert model.components["a"].instances == 2
    assert model.duplicates[0].first.line == 1 and model.duplicates[0].span.line == 2


def test_flow_ids_are_unique_and_independent_of_consumer_order(write):
    model = model_of(write, "component a\ncomponent b\ncomponent c\nmessage M\n"
                            "flow a -> c, b : M\nflow a -> b, c : M\n")
    assert [f.id for f in model.flows] == ["a->b,c:M", "a->b,c:M#2"]


def test_bad_escape_is_reported(write):
    (problem,) = problems_of(write, 'component a { description "tab\\t" }\n')
    assert "unknown escape" in problem.message


def test_version_must_start_with_a_number(write):
    (problem,) = problems_of(write, 'broker b : rabbitmq { version "latest" }\n')
    assert "does not start with a version number" in problem.message and problem.span.column == 31
    model = model_of(write, 'broker b : rabbitmq { version "v3.13.2-management" }\n', "ok.msgarch")
    assert model.brokers["b"].version == "v3.13.2-management"


def test_sizing_uses_the_larger_of_contradictory_figures(write):
    model = model_of(write, "component a\ncomponent b\nmessage M { size 5MB  max-size 1KB }\n"
                            "flow a -> b : M { rate 100/s  peak 10/s }\n")
    assert model.flows[0].peak_rate == 100 and model.messages["M"].largest == 5e6


def test_growth_is_bounded(write):
    (problem,) = problems_of(write, 'system "s" { growth 100000000000% per year }\n')
    assert "between 0% and 1000%" in problem.message
