"""The capacity models of issue 10 (items 14-16) and issue 15 (item 3), each against a
design whose answer is worked out by hand in the test.

- per-connection pub/sub (ZeroMQ SUB, Redis SUBSCRIBE, NATS plain subscriptions, MQTT
  non-shared subscriptions): a v1 `pattern pubsub` flow gives every subscribing instance
  the full rate, where a broker with consumer groups (Kafka) still shares it;
- brokerless kinds (zeromq) have no nodes: the busiest process is sized against the
  library's per-process figure, and neither C303 nor `msgarch plan` asks for nodes;
- a flow without `partitions` does not hide another flow's partition bottleneck;
- `concurrency`, `prefetch` and retries (`failure-rate` with `on-error`) in the capacity
  taken from `processing`.
"""

from __future__ import annotations

import json

import pytest

from msgarch import api
from msgarch.lint.config import Config


def lint(write, source: str, *codes: str):
    path = write("model.msgarch", source)
    report = api.lint([str(path)], Config(select=codes))
    assert not [d for d in report.diagnostics if d.is_input_error], report.diagnostics
    return [d for d in report.diagnostics if d.code in codes]


def plan(write, run, source: str) -> dict:
    path = write("model.msgarch", source)
    result = run("plan", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


# --- item 14: per-connection pub/sub sizes every instance at the full rate -------------

PUBSUB = """
system "S" {{ headroom 70% }}
broker bus : {kind}
component pub
component sub {{ instances 4  capacity 100/s }}
message Tick {{ size 100B }}
flow pub -> sub : Tick {{ via bus  pattern pubsub  peak 150/s  delivery at-most-once }}
"""


@pytest.mark.parametrize("kind", ["zeromq", "nats", "mqtt", "redis-pubsub"])
def test_per_connection_pubsub_gives_each_instance_the_full_rate(write, kind):
    # 150/s to each of 4 instances of 100/s: 150% each, overloaded (shared it would be 38%)
    found = lint(write, PUBSUB.format(kind=kind), "C301", "C302")
    assert [d.code for d in found] == ["C301"], [d.message for d in found]
    message = found[0].message
    assert "into each of 4 instances x 100/s" in message and "150%" in message
    assert "more instances cannot help" in message
    text = found[0].message + (found[0].hint or "")
    # redis-pubsub was already sized so (its profile has no competing consumers at all)
    assert "patterns.pubsub.per-instance" in text or "redis-pubsub has no competing consumers" in text


def test_consumer_groups_still_share_a_pubsub_flow(write):
    # Kafka: one consumer group per subscribing component, shared by its instances
    assert lint(write, PUBSUB.format(kind="kafka"), "C301", "C302") == []


def test_per_connection_pubsub_counts_a_copy_per_instance_in_broker_traffic(write, run):
    data = plan(write, run, PUBSUB.format(kind="nats"))
    today = next(row for row in data["brokers"] if row["broker"] == "bus" and row["year"] == 0)
    assert today["messages_per_s"] == pytest.approx(150 + 4 * 150)  # produced + 4 copies


def test_the_assumption_is_said_for_kinds_with_groups_the_user_did_not_write(write):
    found = lint(write, PUBSUB.format(kind="nats"), "C301")
    text = found[0].message + (found[0].hint or "")
    assert "plain subscriptions" in text and "queue group" in text


# --- item 15: brokerless kinds size the busiest process, not nodes ----------------------

BROKERLESS = """
system "S" { headroom 70% }
broker md : zeromq
component feed { instances 1 }
component screens { instances 4  capacity 5M/s }
message Tick { size 50B }
flow feed -> screens : Tick { via md  pattern pubsub  peak 500k/s  delivery at-most-once }
"""


def test_brokerless_c303_sizes_the_busiest_process_and_names_the_figure(write):
    # feed sends 500k/s to each of 4 SUB connections: 2M/s in one process against the
    # profile's 2.6M/s (one stream, 0MQ 0.2, 2008): 77%, above the 70% headroom
    found = lint(write, BROKERLESS, "C303")
    assert len(found) == 1, [d.message for d in found]
    message = found[0].message
    assert "no broker process" in message and "no nodes to add" in message
    assert "busiest process" in message and "'feed'" in message and "2M/s" in message
    assert "77%" in message
    assert " nodes keep it" not in message and "node x" not in message
    assert "2,600,000" in message and "2008" in message and "stream" in message
    assert "2 instances of 'feed' share it" in message


def test_brokerless_plan_has_no_nodes(write, run):
    data = plan(write, run, BROKERLESS)
    rows = [row for row in data["brokers"] if row["broker"] == "md"]
    assert all(row["nodes"] is None and row["nodes_needed"] is None for row in rows)
    assert rows[0]["busiest_process"] == "feed" and rows[0]["instances_needed"] == 2
    runway = next(entry for entry in data["runway"] if entry["resource"] == "md")
    assert runway["unit"] == "instances of 'feed'"
    text = run("plan", str(write("model.msgarch", BROKERLESS))).output
    line = next(line for line in text.splitlines() if line.strip().startswith("md ("))
    assert "node" not in line and "instances of 'feed'" in line, line


def test_brokerless_subscribers_that_each_receive_everything_cannot_be_spread(write):
    source = BROKERLESS.replace("peak 500k/s", "peak 2M/s").replace("capacity 5M/s", "capacity 50M/s")
    source = source.replace("component feed { instances 1 }", "component feed { instances 8 }")
    # feed: 8 instances share 2M/s x 4 copies = 1M/s each; every screens instance
    # receives 2M/s = 77% of 2.6M/s, which more screens cannot lower
    found = lint(write, source, "C303")
    assert len(found) == 1
    assert "'screens'" in found[0].message and "cannot help" in found[0].message


# --- item 16: a flow without partitions does not hide a partition bottleneck ------------

MIXED = """
system "S" { headroom 70% }
broker events : kafka { nodes 3 }
broker rpc : rabbitmq
component producer
component worker { instances 10  capacity 100/s }
message Job
message Ask
flow producer -> worker : Job { via events  pattern queue  partitions 4  peak 300/s }
"""


def test_a_shared_flow_added_keeps_the_partition_bottleneck(write):
    alone = lint(write, MIXED, "C302")
    assert len(alone) == 1 and "75%" in alone[0].message
    # a 10/s request-reply flow without partitions: the busiest consumer still holds a
    # partition at 75/s, plus 10/s over 10 instances: 76% (M/M/10 said 31%)
    both = lint(write, MIXED + "flow producer -> worker : Ask { via rpc  pattern request-reply  peak 10/s }\n",
                "C302")
    assert len(both) == 1, [d.message for d in both]
    assert "76%" in both[0].message and "300/s over 4 partitions" in both[0].message
    assert "each flow on its own partitions" in both[0].hint


def test_an_unknown_partition_count_is_called_optimistic(write):
    source = MIXED + "flow producer -> worker : Ask { via events  pattern queue  peak 100/s }\n"
    # Job on its 4 partitions (75/s) + Ask, count unknown, shared by 10: 85%
    found = lint(write, source, "C302")
    assert len(found) == 1 and "85%" in found[0].message
    assert "partition count unknown for producer->worker:Ask: shared over the instances (optimistic)" in found[0].hint


# --- issue 15 item 3: concurrency, prefetch and retries --------------------------------

TASKS = """
system "S" {{ headroom 70% }}
broker tasks : {kind}
channel jobs on tasks : queue
message Job {{ size 1KB }}
component web {{ publishes Job to jobs {{ rate 100/s }} }}
component worker {{
  instances 2
  consumes Job from jobs {{ processing 100ms  ack after-processing  {settings} }}
}}
"""


def test_without_concurrency_an_instance_handles_one_message_at_a_time(write):
    # 100/s into 2 x 1/100 ms = 20/s: overloaded; the note names Celery's own default
    found = lint(write, TASKS.format(kind="celery-redis", settings=""), "C301")
    assert len(found) == 1 and "2 x 10/s" in found[0].message
    assert "worker_concurrency" in found[0].hint and "CPU core" in found[0].hint


def test_concurrency_multiplies_what_an_instance_handles(write):
    # 8 handlers of 100 ms: 80/s per instance, 100/s into 160/s = 62.5%: fits
    assert lint(write, TASKS.format(kind="celery-redis", settings="concurrency 8"), "C301", "C302") == []
    # 6 handlers: 60/s per instance, 100/120 = 83%: above the headroom
    found = lint(write, TASKS.format(kind="celery-redis", settings="concurrency 6"), "C302")
    assert len(found) == 1 and "83%" in found[0].message and "2 x 60/s" in found[0].message
    assert "6 handlers at work at once" in found[0].hint


def test_a_per_consumer_prefetch_bounds_the_handlers(write):
    # RabbitMQ basic.qos prefetch_count 2 per consumer: 2 of the 8 handlers at work
    found = lint(write, TASKS.format(kind="rabbitmq", settings="concurrency 8  prefetch 2"), "C301")
    assert len(found) == 1 and "2 x 20/s" in found[0].message
    assert "bounded by prefetch 2 (basic.qos prefetch_count, written)" in found[0].hint


def test_a_celery_prefetch_multiplier_never_binds(write):
    # worker_prefetch_multiplier 1 reserves 1 x concurrency tasks: all 8 handlers work
    assert lint(write, TASKS.format(kind="celery-redis", settings="concurrency 8  prefetch 1"),
                "C301", "C302") == []


def test_retries_add_their_traffic_only_with_a_written_failure_rate(write):
    settings = "concurrency 8  on-error retry 3 backoff 1s..10s then drop"
    # 100/s into 160/s: 62.5%, and the model says retry traffic was left out
    assert lint(write, TASKS.format(kind="celery-redis", settings=settings), "C302") == []
    # failure-rate 20%: 1 + 0.2 + 0.04 + 0.008 = 1.248 deliveries a message: 124.8/160 = 78%
    found = lint(write, TASKS.format(kind="celery-redis", settings=settings + "  failure-rate 20%"), "C302")
    assert len(found) == 1 and "78%" in found[0].message, [d.message for d in found]
    assert "failure-rate 20% (written)" in found[0].hint and "x1.248" in found[0].hint


def test_retry_traffic_left_out_is_said(write, run):
    path = write("model.msgarch", TASKS.format(
        kind="celery-redis", settings="concurrency 6  on-error retry 3 then drop"))
    found = [d for d in api.lint([str(path)], Config(select=("C302",))).diagnostics if d.code == "C302"]
    assert "retry traffic left out" in found[0].hint and "never assumes one" in found[0].hint


@pytest.mark.parametrize(("setting", "words"), [
    ("failure-rate 100%", "below 100%"),
    ("failure-rate 5", "'%'"),
    ("concurrency 0", "at least one handler"),
])
def test_bad_settings_are_input_errors(write, run, setting, words):
    path = write("model.msgarch", TASKS.format(kind="celery-redis", settings=setting))
    result = run("lint", str(path))
    assert result.exit_code == 2, result.output
    assert words in result.output and "Traceback" not in result.output
