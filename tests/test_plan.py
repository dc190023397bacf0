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
    assert finding.message.startswith("36 x M/M/1 at peak 1450/s")
    assert "year 2" in finding.message and "(6 in all)" in finding.message


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
