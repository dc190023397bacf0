"""The delivery chain (D601-D608) on five kinds: a fully configured at-least-once chain lints
clean, and removing one link gives exactly the one finding that names it."""

from __future__ import annotations

import textwrap

import pytest

from msgarch import api
from msgarch.lint.config import Config

CHAINS = {
    "rabbitmq": """
        broker bus : rabbitmq { nodes 3  version "4.1" }
        channel orders on bus : exchange { type topic  durable }
        channel billing on bus : queue { type quorum  durable  dead-letter parked  delivery-limit 5 }
        channel parked on bus : queue { type quorum  durable }
        route orders -> billing { key "order.*.paid" }
        message OrderPaid { size 2KB }
        component checkout { publishes OrderPaid to orders { key "order.eu.paid"  confirms  persistent } }
        component billing-svc {
          instances 2
          consumes OrderPaid from billing { delivery at-least-once  ack after-processing  prefetch 10
                                            on-error retry 3 then dead-letter  processing 50ms max 5s }
        }
        component triage { consumes OrderPaid from parked { ack after-processing } }
    """,
    "kafka": """
        broker log : kafka { nodes 3  replication 3 }
        channel payments on log : topic { partitions 12  replication 3  min-insync-replicas 2 }
        message Payment { size 1KB }
        component checkout { publishes Payment to payments { key by order_id  acks all } }
        component ledger {
          instances 3
          consumes Payment from payments { group ledger  offset-reset earliest  auto-commit off
                                           delivery at-least-once  ordered by order_id  processing 20ms max 30s }
        }
    """,
    "sqs": """
        broker work : sqs
        channel jobs on work : queue { visibility-timeout 60s  dead-letter jobs-dlq  max-receive-count 5 }
        channel jobs-dlq on work : queue
        message Job { size 1KB }
        component api { publishes Job to jobs }
        component worker { consumes Job from jobs { delivery at-least-once  on-error requeue  processing 1s max 10s } }
        component triage { consumes Job from jobs-dlq }
    """,
    "celery-redis": """
        broker tasks : celery-redis { visibility-timeout 1h }
        channel builds on tasks : queue
        message Build { size 2KB }
        component web { publishes Build to builds }
        component builder {
          instances 4
          consumes Build from builds { ack after-processing  prefetch 1  processing 1min max 10min
                                       delivery at-least-once }
        }
    """,
    "nats-jetstream": """
        broker js : nats-jetstream { nodes 3 }
        channel ORDERS on js : stream { subjects "orders.>"  replicas 3 }
        message Order { size 1KB }
        component shop { publishes Order to ORDERS { key "orders.created" } }
        component fulfil {
          instances 2
          consumes Order from ORDERS { group fulfil  ack explicit  max-deliver 5  on-error requeue
                                       processing 100ms max 5s  delivery at-least-once }
        }
    """,
}

#: (kind, what is changed: (old text, new text), the one finding expected)
BREAKS = [
    ("rabbitmq", ('confirms  persistent', 'persistent'), "D601"),
    ("rabbitmq", ('type topic  durable', 'type topic  durable off'), "D601"),
    ("rabbitmq", ('ack after-processing  prefetch 10', 'ack auto  prefetch 10'), "D601"),
    ("rabbitmq", ('component triage { consumes OrderPaid from parked { ack after-processing } }', ''), "D603"),
    ("rabbitmq", ('type quorum  durable  dead-letter parked  delivery-limit 5', 'type classic  durable  dead-letter parked'),
     None),
    ("rabbitmq", ('on-error retry 3 then dead-letter', 'on-error requeue'), None),
    ("kafka", ('acks all', 'acks 1'), "D601"),
    ("kafka", ('min-insync-replicas 2', 'min-insync-replicas 1'), "D601"),
    ("kafka", ('offset-reset earliest', 'offset-reset latest'), "D605"),
    ("kafka", ('key by order_id', 'key by customer_id'), "D607"),
    ("kafka", ('processing 20ms max 30s', 'processing 20ms max 6min'), "D604"),
    ("sqs", ('  max-receive-count 5', ''), "D602"),
    ("sqs", ('component triage { consumes Job from jobs-dlq }', ''), "D603"),
    ("sqs", ('processing 1s max 10s', 'processing 1s max 2min'), "D604"),
    ("celery-redis", ('ack after-processing  prefetch 1', 'prefetch 1'), "D601"),
    ("celery-redis", ('processing 1min max 10min', 'processing 1min max 2h'), "D604"),
    ("nats-jetstream", ('max-deliver 5  ', ''), "D602"),
    ("nats-jetstream", ('ack explicit', 'ack none'), "D601"),
    ("nats-jetstream", ('group fulfil', 'group fulfil  deliver-policy new'), "D605"),
    ("nats-jetstream", ('processing 100ms max 5s', 'processing 100ms max 1min'), "D604"),
]


def _d_findings(tmp_path, text: str):
    path = tmp_path / "chain.msgarch"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    report = api.lint([str(path)], Config(select=("D",)))
    assert not [d for d in report.diagnostics if d.is_input_error], [d.message for d in report.diagnostics]
    return [d for d in report.diagnostics if d.code.startswith("D") and d.severity.label != "info"]


@pytest.mark.parametrize("kind", sorted(CHAINS))
def test_a_fully_configured_chain_lints_clean(tmp_path, kind):
    assert _d_findings(tmp_path, CHAINS[kind]) == []


@pytest.mark.parametrize(("kind", "change", "code"), BREAKS,
                         ids=[f"{k}-{c or 'special'}-{i}" for i, (k, _, c) in enumerate(BREAKS)])
def test_removing_one_link_gives_exactly_its_finding(tmp_path, kind, change, code):
    old, new = change
    text = textwrap.dedent(CHAINS[kind])
    assert old in text
    text = text.replace(old, new)
    found = _d_findings(tmp_path, text)
    if code is None:  # classic queue with a bounded retry: fine; classic with requeue: D602 below
        assert found == [] or [d.code for d in found] == ["D602"]
        return
    assert [d.code for d in found] == [code], [d.message for d in found]


def test_classic_queue_requeue_is_a_loop(tmp_path):
    text = textwrap.dedent(CHAINS["rabbitmq"]).replace(
        "type quorum  durable  dead-letter parked  delivery-limit 5", "type classic  durable  dead-letter parked").replace(
        "on-error retry 3 then dead-letter", "on-error requeue")
    assert [d.code for d in _d_findings(tmp_path, text)] == ["D602"]


def test_quorum_queues_have_a_default_delivery_limit_from_4_0(tmp_path):
    text = textwrap.dedent(CHAINS["rabbitmq"]).replace("  delivery-limit 5", "").replace(
        "on-error retry 3 then dead-letter", "on-error requeue")
    assert _d_findings(tmp_path, text) == []


def test_a_verdict_on_a_default_says_so(tmp_path):
    text = textwrap.dedent(CHAINS["kafka"]).replace("offset-reset earliest  ", "")
    [finding] = _d_findings(tmp_path, text)
    assert "the default: the file does not set it" in finding.message
    assert "kafka profile, endpoints.consume.offset-reset: latest (auto.offset.reset)" in finding.message
