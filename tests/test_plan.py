"""`msgarch plan`: figures, formats, agreement with the C rules, bad input."""

from __future__ import annotations

import json

import pytest

from msgarch import api
from msgarch.brokers import resolve_profile
from msgarch.lint.config import Config
from msgarch.plan import build, render_markdown, render_text
from tests.conftest import EXAMPLES

REQUIRED = {"component", "year", "load_per_s", "utilisation", "p_wait", "wait_mean_s",
            "wait_p99_s", "instances_needed", "model"}

# Oracle case 1 of analysis.md: c = 4, mu = 50/s, lambda = 150/s.
ORACLE = """
system "Oracle" { growth 10% per year  horizon 2 years  headroom 70% }
broker bus : rabbitmq { nodes 3 }
component web
component work { instances 4  capacity 50/s }
message Job { size 1KB }
flow web -> work : Job { via bus  pattern queue  rate 100/s  peak 150/s }
"""


def plan_json(run, path, *extra):
    result = run("plan", path, "--format", "json", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def entries(data, component):
    return [row for row in data["components"] if row["component"] == component]


def test_oracle_case_reproduced_to_four_significant_figures(write, run):
    data = plan_json(run, write("oracle.msgarch", ORACLE))
    today = entries(data, "work")[0]
    assert REQUIRED <= set(today)
    assert today["model"] == "M/M/4" and today["year"] == 0
    assert today["load_per_s"] == 150
    assert today["utilisation"] == pytest.approx(0.75, rel=1e-4)
    assert today["p_wait"] == pytest.approx(0.509434, rel=1e-4)
    assert today["wait_mean_s"] == pytest.approx(0.0101887, rel=1e-4)
    assert today["wait_p99_s"] == pytest.approx(0.0786143, rel=1e-4)
    # 75% is over the 70% headroom: 5 instances (capacity.md: rho <= 0.7 needs 5).
    assert today["instances_needed"] == 5
    assert data["runway"][0]["first_year_over"] == 0


def test_every_year_of_the_horizon_at_peak(write, run):
    data = plan_json(run, write("oracle.msgarch", ORACLE))
    rows = entries(data, "work")
    assert [row["year"] for row in rows] == [0, 1, 2]
    assert [row["load_per_s"] for row in rows] == pytest.approx([150, 165, 181.5], rel=1e-5)
    assert all(REQUIRED <= set(row) for row in rows)
    # Utilisation and waits never fall as the load grows.
    for earlier, later in zip(rows, rows[1:]):
        assert later["utilisation"] >= earlier["utilisation"]
        assert later["instances_needed"] >= earlier["instances_needed"]


def test_unstable_years_report_backlog_growth_not_a_wait(write, run):
    source = ORACLE.replace("peak 150/s", "peak 250/s").replace("headroom 70%", "headroom 100%")
    data = plan_json(run, write("unstable.msgarch", source))
    today = entries(data, "work")[0]
    assert today["utilisation"] == pytest.approx(1.25)
    assert today["stable"] is False and today["p_wait"] == 1
    assert today["wait_mean_s"] is None and today["wait_p99_s"] is None
    assert today["backlog_growth_per_s"] == pytest.approx(50)
    assert today["instances_needed"] == 6  # the oracle: 4b needs 6
    text = render_text(_build(write("unstable2.msgarch", source)))
    assert "unstable" in text and "backlog +50/s" in text


def test_partitions_are_one_mm1_each_and_too_few_partitions_say_so(write, run):
    source = """
    system "P" { growth 50% per year  horizon 2 years  headroom 70% }
    broker events : kafka { nodes 3 }
    component web
    component work { instances 4  capacity 100/s }
    message Job { size 1KB }
    flow web -> work : Job { via events  partitions 4  peak 240/s }
    """
    data = plan_json(run, write("p.msgarch", source))
    rows = entries(data, "work")
    assert rows[0]["model"] == "4 x M/M/1" and rows[0]["partitions"] == 4
    assert rows[0]["utilisation"] == pytest.approx(0.6)
    # Year 1: 360/s over 4 partitions is 90/s each, 90%: more consumers cannot help.
    assert rows[1]["partitions_needed"] == 6 and rows[1]["instances_needed"] == 6
    assert "6 partitions" in render_text(_build(write("p2.msgarch", source)))


def test_brokers_carry_messages_bytes_storage_and_nodes(write, run):
    source = """
    system "S" { growth 50% per year  horizon 3 years  headroom 70% }
    broker events : kafka { nodes 3  replication 3  capacity 10k/s per node  storage 100GB per node }
    component a
    component b { instances 10  capacity 1k/s }
    message M { size 1KB }
    flow a -> b : M { via events  pattern pubsub  rate 1k/s  peak 4k/s  retention 1d }
    """
    data = plan_json(run, write("b.msgarch", source))
    rows = [row for row in data["brokers"] if row["broker"] == "events"]
    assert [row["year"] for row in rows] == [0, 1, 2, 3]
    today = rows[0]
    assert today["messages_per_s"] == 8000  # 4k produced + 4k delivered
    assert today["bytes_per_s"] == 8_000_000
    assert today["storage_bytes"] == pytest.approx(1000 * 1000 * 86400 * 3)  # rate x size x 1 d x RF 3
    assert today["utilisation"] == pytest.approx(8000 / 30000, rel=1e-5)
    # Storage 259.2 GB on 300 GB is 86%: over the headroom today.
    storage = next(e for e in data["runway"] if e["kind"] == "broker storage")
    assert storage["first_year_over"] == 0 and storage["needed_that_year"] == 4
    throughput = next(e for e in data["runway"] if e["kind"] == "broker throughput")
    # 8k x 1.5^t against 70% of 30k = 21k: 18k in year 2, 27k in year 3.
    assert throughput["first_year_over"] == 3 and throughput["needed_that_year"] == 4
    assert rows[3]["utilisation"] == pytest.approx(8000 * 1.5 ** 3 / 30000, rel=1e-5)
    assert rows[3]["nodes_needed"] >= rows[0]["nodes_needed"]


def test_text_names_the_model_and_assumptions_once(write):
    text = render_text(_build(write("oracle.msgarch", ORACLE)))
    assert text.count("Poisson arrivals, exponential service") == 1
    assert "M/M/c (Erlang C)" in text and "M/M/4" in text
    assert "Compound growth" in text
    assert "work: at or over 70% today (75%); 5 instances needed now" in text


def test_markdown_has_tables(write):
    text = render_markdown(_build(write("oracle.msgarch", ORACLE)))
    assert text.startswith('# Capacity plan for "Oracle"')
    assert "| component | year | load/s | model |" in text
    assert "| work | 0 | 150 | M/M/4 | 75% |" in text


def test_output_is_deterministic(run):
    path = EXAMPLES / "order-platform.msgarch"
    for output_format in ("text", "markdown", "json"):
        first = run("plan", path, "--format", output_format).output
        assert first == run("plan", path, "--format", output_format).output


def test_plan_and_lint_agree_on_the_growth_runway(run):
    path = EXAMPLES / "order-platform.msgarch"
    data = plan_json(run, path)
    runway = next(e for e in data["runway"] if e["resource"] == "notifications")
    assert runway["first_year_over"] == 2 and runway["needed_that_year"] == 6
    report = api.lint([str(path)], Config(select=("C304",)))
    [finding] = [d for d in report.diagnostics if d.code == "C304"]
    # 36 partitions over 4 consumers: 4 M/M/1 queues (9 partitions each), labelled so.
    assert finding.message.startswith("4 x M/M/1 at peak 1450/s over 36 partitions")
    assert "year 2" in finding.message and "(6 in all)" in finding.message


NO_COMPETING_CONSUMERS = """
system "Ticks" { growth 30% per year  horizon 4 years  headroom 70% }
broker bus : redis-pubsub { nodes 3 }
component pub
component sub { instances 4  capacity 100/s }
message Tick { size 100B }
flow pub -> sub : Tick { via bus  pattern pubsub  rate 60/s  delivery at-most-once }
"""


def test_without_competing_consumers_the_plan_asks_for_a_faster_handler(write, run):
    path = write("ticks.msgarch", NO_COMPETING_CONSUMERS)
    data = plan_json(run, path)
    rows = entries(data, "sub")
    assert rows[0]["model"] == "4 x M/M/1" and rows[0]["utilisation"] == pytest.approx(0.6)
    assert rows[0]["capacity_needed_per_instance"] is None
    assert rows[1]["instances_needed"] == 4
    assert rows[1]["capacity_needed_per_instance"] == pytest.approx(78 / 0.7, rel=1e-5)
    broker = [row for row in data["brokers"] if row["broker"] == "bus"][0]
    assert broker["messages_per_s"] == 60 + 4 * 60  # a copy to every instance
    text = render_text(_build(path))
    assert "sub: passes 70% in year 1" in text
    assert ("more instances do not help (each instance receives every message, as "
            "redis-pubsub has no competing consumers); a handler faster than 111.4/s by "
            "year 1") in text
    assert "capacity >111.4/s" in text
    assert "every instance receives every message: one M/M/1 per instance" in text
    # plan and lint agree
    report = api.lint([str(path)], Config(select=("C304",)))
    [finding] = report.diagnostics
    assert "a handler faster than 111.4/s" in finding.message


def _long_runs(text: str) -> list[str]:
    """Digit runs of 9 or more (float noise) and decimals below 0.0001 written out."""
    import re

    return re.findall(r"\d{9,}|0\.0000\d*", text)


@pytest.mark.parametrize("name", ["trading", "order-platform", "iot-telemetry", "celery-tasks"])
def test_printed_figures_are_rounded(name):
    model = api.load_one(str(EXAMPLES / f"{name}.msgarch"))
    profiles = {n: resolve_profile(b) for n, b in model.brokers.items()}
    data = build(model, profiles.get)
    for text in (render_text(data), render_markdown(data)):
        assert not _long_runs(text), _long_runs(text)[:5]


def test_tiny_probabilities_and_waits_are_not_long_decimals(tmp_path):
    # M/M/40 at 1%, P(wait) about 1e-64 (the trading example's blotter was this before its
    # ZeroMQ PUB/SUB was sized per instance).
    path = tmp_path / "tiny.msgarch"
    path.write_text("broker bus : artemis { capacity 40k/s per node }\n"
                    "component feed\ncomponent blotter { instances 40  capacity 5k/s }\n"
                    "message Quote { size 200B }\n"
                    "flow feed -> blotter : Quote { via bus  pattern queue  rate 2k/s }\n",
                    encoding="utf-8")
    model = api.load_one(str(path))
    profiles = {n: resolve_profile(b) for n, b in model.brokers.items()}
    data = build(model, profiles.get)
    blotter = [row for row in data["components"] if row["component"] == "blotter"][0]
    assert blotter["p_wait"] < 1e-50  # JSON keeps the float
    line = next(line for line in render_text(data).splitlines() if line.startswith("blotter "))
    assert "<0.0001" in line and "<0.001 us" in line


def test_huge_inputs_print_exponents_not_float_noise(write, run):
    source = """
    broker k : kafka { nodes 3 }
    component p
    component c { instances 1  capacity 0.0001/s }
    message M { size 1KB }
    flow p -> c : M { via k  pattern queue  rate 1000000000000000/s  partitions 1 }
    """
    path = write("huge.msgarch", source)
    for output_format in ("text", "markdown"):
        text = run("plan", path, "--format", output_format).output
        assert not _long_runs(text), _long_runs(text)[:5]
        assert "1.43e19 partitions" in text and "1e15" in text
    lint = run("lint", path, "--select", "C301,C303").output
    assert not _long_runs(lint), _long_runs(lint)[:5]
    assert "1.43e19 partitions and 1.43e19 consumers" in lint and "2e15/s at peak" in lint


def test_external_and_unknown_capacity_are_not_planned(write, run):
    source = """
    broker bus : activemq { nodes 2 }
    component web
    component partner { external }
    component audit
    message M { size 1KB }
    flow web -> partner, audit : M { via bus  pattern pubsub  rate 10/s }
    """
    data = plan_json(run, write("u.msgarch", source))
    assert data["components"] == []
    assert [c["component"] for c in data["not_planned"]["components"]] == ["audit"]
    assert [b["broker"] for b in data["not_planned"]["brokers"]] == ["bus"]
    text = run("plan", write("u2.msgarch", source)).output
    assert "Not planned (missing inputs are never guessed)" in text
    assert "partner" not in text.split("Not planned")[1]


def test_bad_input_is_a_located_error_with_exit_2(write, run, tmp_path):
    broken = run("plan", write("bad.msgarch", "component a {\n"))
    assert broken.exit_code == 2 and "bad.msgarch:1:" in broken.output and "[E001]" in broken.output
    unknown = run("plan", write("kind.msgarch", "broker b : kafak\ncomponent a\n"))
    assert unknown.exit_code == 2 and "kind.msgarch:1:12:" in unknown.output and "kafka" in unknown.output
    assert run("plan", tmp_path).exit_code == 2
    assert run("plan", tmp_path / "missing.msgarch").exit_code == 2
    assert run("plan", write("ok.msgarch", ORACLE), "--format", "yaml").exit_code == 2


def test_plan_reads_stdin(run):
    text = (EXAMPLES / "celery-tasks.msgarch").read_text(encoding="utf-8")
    result = run("plan", "-", input=text)
    assert result.exit_code == 0 and "worker-default" in result.output


@pytest.mark.parametrize("name", ["order-platform", "iot-telemetry", "trading", "celery-tasks"])
def test_every_example_plans(run, name):
    data = plan_json(run, EXAMPLES / f"{name}.msgarch")
    assert data["components"] and data["brokers"]
    assert all(REQUIRED <= set(row) for row in data["components"])


def _build(path):
    model = api.load_one(str(path))
    profiles = {name: resolve_profile(broker) for name, broker in model.brokers.items()}
    return build(model, profiles.get)
