"""The C, L and R rules on the shipped examples: what their header comments say a linter
should find (overloads, latency breaches, runways, cycles, SPOFs), and nothing else at
warning or error level. Cases the examples lack are covered by fixtures below and by
tests/rules/*.yaml."""

from __future__ import annotations

import json

import pytest

from msgarch import api
from msgarch.diagnostics import Severity
from msgarch.lint.config import Config
from tests.conftest import EXAMPLES

FAMILIES = ("C", "L", "R")

#: example -> the (code, line of the declaration) expected at warning or error level.
EXPECTED = {
    "order-platform": {("R502", "inventory"), ("C304", "notifications")},
    "iot-telemetry": {("C304", "mqtt-bridge"), ("C304", "stream")},
    # feed-handler: both instances listen to the whole venue feed on tibco-rv (no
    # competing consumers), so each is at 1.5M/3M = 50% today and 60% in year 1.
    # blotter: ZeroMQ PUB/SUB sends every conflated quote to each of the 40 GUIs
    # (2k/s into 5k/s each), 40% today and past 60% in year 3.
    "trading": {("R502", "risk"), ("C304", "feed-handler"), ("C304", "blotter")},
    "celery-tasks": set(),
}

#: example -> components that R504 (info) should name.
DUPLICATES = {
    "order-platform": {"audit"},
    "iot-telemetry": {"mqtt-bridge"},
    "trading": set(),
    "celery-tasks": {"webhooks"},
}

NEVER_ON_EXAMPLES = ("C301", "C302", "C303", "L401", "L402", "R501", "R503", "R505")


def lint(path, *select):
    report = api.lint([str(path)], Config(select=select or FAMILIES))
    assert not [d for d in report.diagnostics if d.is_input_error], report.diagnostics
    return report.diagnostics


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_warnings_and_errors_are_exactly_what_the_header_says(name):
    path = EXAMPLES / f"{name}.msgarch"
    found = [d for d in lint(path) if d.severity >= Severity.WARNING]
    got = set()
    source = path.read_text(encoding="utf-8").splitlines()
    for d in found:
        # The finding points into the declaration of the element it is about.
        declaration = next(source[i] for i in range(d.span.line - 1, -1, -1)
                           if source[i].startswith(("component ", "broker ", "flow ")))
        got.add((d.code, declaration.split()[1]))
    assert got == EXPECTED[name], [f"{d.code} {d.message}" for d in found]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_overloads_breaches_cycles_and_chains_only_where_they_exist(name):
    codes = {d.code for d in lint(EXAMPLES / f"{name}.msgarch")}
    assert not codes & set(NEVER_ON_EXAMPLES)


@pytest.mark.parametrize("name", sorted(DUPLICATES))
def test_duplicate_delivery_notes(name):
    found = lint(EXAMPLES / f"{name}.msgarch", "R504")
    named = {d.message.split("'")[1] for d in found}
    assert named == DUPLICATES[name]


def test_header_figures_of_the_runways():
    storage, iot = lint(EXAMPLES / "iot-telemetry.msgarch", "C304")
    assert "retains 12.3 TB today, 62% of 5 x 4 TB" in storage.message
    assert "passes the 75% headroom in year 1 (16 TB, 80%)" in storage.message
    assert "M/M/2 at peak 20k/s into 2 x 16k/s: utilisation 63% today" in iot.message
    assert "passes the 75% headroom in year 1" in iot.message
    [orders] = [d for d in lint(EXAMPLES / "order-platform.msgarch", "C304")]
    assert "at peak 1450/s" in orders.message and "into 4 x 600/s" in orders.message
    assert "60% today" in orders.message and "passes the 70% headroom in year 2" in orders.message


def test_single_points_of_failure_name_who_waits():
    [inventory] = lint(EXAMPLES / "order-platform.msgarch", "R502")
    assert "orders and storefront wait on it" in inventory.message
    [risk] = lint(EXAMPLES / "trading.msgarch", "R502")
    assert "oms, ops-console and strategies wait on it" in risk.message


def test_missing_inputs_give_one_note_per_model():
    [note] = lint(EXAMPLES / "order-platform.msgarch", "C307")
    assert "no `capacity` on 2 components (audit and storefront)" in note.message
    # the mqtt profile has no per-node throughput figure since issue 10 (the EMQX test gives none)
    [mqtt] = lint(EXAMPLES / "iot-telemetry.msgarch", "C307")
    assert "no throughput figure for 1 broker (edge: mqtt profile" in mqtt.message


# --- fixtures for what the examples do not contain ------------------------------------

TROUBLED = """
system "Troubled" { growth 20% per year  horizon 3 years  headroom 70% }
broker bus : rabbitmq { nodes 1  capacity 2k/s per node }
component web { instances 2 }
component billing { instances 2  capacity 100/s }
component pricing { instances 1  capacity 1k/s }
component stock { instances 2  capacity 1k/s }
message Invoice { size 1KB }
message Quote { size 200B }
message Level { size 200B }
flow web -> billing : Invoice { via bus  durable  rate 150/s  peak 300/s  backlog 1min }
flow web -> pricing : Quote { via bus  pattern request-reply  peak 500/s  latency 2ms  timeout 3ms }
flow pricing -> stock : Level { via bus  pattern request-reply  peak 500/s }
flow stock -> pricing : Quote { via bus  pattern request-reply  peak 100/s }
"""


def test_a_troubled_model_trips_every_family(write, run):
    path = write("troubled.msgarch", TROUBLED)
    codes = {d.code for d in lint(path)}
    assert {"C301", "C303", "L401", "L402", "R501", "R502", "R505", "R506"} <= codes
    result = run("lint", path, "--select", "C,L,R", "--format", "json")
    assert result.exit_code == 1
    findings = json.loads(result.output)["findings"]
    cycle = next(f for f in findings if f["code"] == "R501")
    assert cycle["message"].startswith("request-reply cycle pricing -> stock -> pricing")
    broker = next(f for f in findings if f["code"] == "C303")
    assert broker["severity"] == "error" and "declared `capacity 2000/s per node`" in broker["message"]


def test_rules_are_deterministic(write):
    path = write("troubled.msgarch", TROUBLED)
    assert lint(path) == lint(path)
