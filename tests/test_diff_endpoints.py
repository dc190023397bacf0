"""Issue 15 item 4: `msgarch diff` on endpoint settings of the delivery chain.

Publisher confirms or manual ack removed, `on-error` changed to drop, a delivery limit
removed, `offset-reset` (or JetStream `deliver-policy`) moved to latest: breaking.
`prefetch` or `processing` changed: risky or safe, with the capacity delta shown.
And issue 10 item 23's rule holds for endpoints too: a change that resolves a lint error
about the declaration is never breaking for that reason alone.
"""

from __future__ import annotations

import pytest

from msgarch.cli.diff_cmd import compare
from msgarch.diff.changes import Level
from msgarch.diff.sources import Loaded
from msgarch.lint.config import Config
from msgarch.model.loader import load_model

B, R, S = Level.BREAKING, Level.RISKY, Level.SAFE

RABBIT = """\
broker bus : rabbitmq { nodes 3  version "4.1" }
channel jobs on bus : queue { type classic  durable  dead-letter parked  delivery-limit 5 }
channel parked on bus : queue { type quorum }
message Job { size 1KB }
component web { publishes Job to jobs { rate 20/s  confirms  persistent } }
component worker {
  instances 4
  consumes Job from jobs { ack after-processing  prefetch 10  on-error dead-letter  processing 50ms }
}
component triage { consumes Job from parked { ack after-processing } }
"""

KAFKA = """\
broker log : kafka { nodes 3  replication 3 }
channel payments on log : topic { partitions 12  min-insync-replicas 2 }
message Payment { size 1KB }
component checkout { publishes Payment to payments { key by order_id  acks all  rate 300/s } }
component ledger {
  instances 6  capacity 80/s
  consumes Payment from payments { group ledger  offset-reset earliest  auto-commit off }
}
"""

JETSTREAM = """\
broker js : nats-jetstream { nodes 3 }
channel orders on js : stream { subjects "orders.>"  replicas 3 }
message Order { size 1KB }
component shop { publishes Order to orders { rate 10/s } }
component billing { consumes Order from orders { group billing  ack explicit  deliver-policy all  max-deliver 5 } }
"""

SQS = """\
broker q : sqs
channel jobs on q : queue { dead-letter jobs-dlq  max-receive-count 5 }
channel jobs-dlq on q : queue
message Job { size 1KB }
component web { publishes Job to jobs { rate 5/s } }
component worker { consumes Job from jobs { ack after-processing } }
component triage { consumes Job from jobs-dlq { ack after-processing } }
"""


def diff_texts(old: str, new: str):
    return compare(Loaded(load_model("old.msgarch", text=old), "old.msgarch"),
                   Loaded(load_model("new.msgarch", text=new), "new.msgarch"), Config())


def change(result, category: str, name: str):
    found = [c for c in result.changes if c.category == category and c.name == name]
    assert found, [(c.category, c.name) for c in result.changes]
    return found[0]


def prop(element, name: str):
    found = [p for p in element.properties if p.name == name]
    assert found, [p.name for p in element.properties]
    return found[0]


def text(p) -> str:
    return " | ".join(r.text for r in p.reasons)


WORKER = "worker consumes Job from jobs"


@pytest.mark.parametrize("old,new", [
    ("on-error dead-letter", "on-error drop"),
    ("on-error dead-letter", "on-error retry 3 backoff 1s..10s then drop"),
])
def test_on_error_to_drop_is_breaking(old, new):
    element = change(diff_texts(RABBIT, RABBIT.replace(old, new)), "endpoint", WORKER)
    p = prop(element, "on-error")
    assert p.level == B and "lost" in text(p)


def test_on_error_drop_to_dead_letter_is_safe():
    old = RABBIT.replace("on-error dead-letter", "on-error drop")
    assert prop(change(diff_texts(old, RABBIT), "endpoint", WORKER), "on-error").level == S


def test_on_error_from_a_bounded_retry_to_requeue_with_no_limit_left_is_breaking():
    old = RABBIT.replace("dead-letter parked  delivery-limit 5", "dead-letter parked").replace(
        "on-error dead-letter", "on-error retry 3 then dead-letter")
    new = old.replace("on-error retry 3 then dead-letter", "on-error requeue")
    p = prop(change(diff_texts(old, new), "endpoint", WORKER), "on-error")
    assert p.level == B and "loops forever" in text(p)


def test_on_error_to_requeue_is_risky_while_the_channel_keeps_a_delivery_limit():
    old = RABBIT.replace("on-error dead-letter", "on-error retry 3 then dead-letter")
    new = old.replace("on-error retry 3 then dead-letter", "on-error requeue")
    p = prop(change(diff_texts(old, new), "endpoint", WORKER), "on-error")
    assert p.level == R and "delivery-limit 5" in text(p)


def test_quorum_default_delivery_limit_counts_as_a_limit():
    """RabbitMQ 4.x quorum queues have a delivery limit of 20 by default (profile)."""
    old = RABBIT.replace("type classic  durable  dead-letter parked  delivery-limit 5",
                         "type quorum  dead-letter parked").replace(
        "on-error dead-letter", "on-error retry 3 then dead-letter")
    new = old.replace("on-error retry 3 then dead-letter", "on-error requeue")
    p = prop(change(diff_texts(old, new), "endpoint", WORKER), "on-error")
    assert p.level == R and "delivery-limit 20" in text(p) and "default" in text(p)


def test_delivery_limit_removed_is_breaking_on_sqs():
    result = diff_texts(SQS, SQS.replace("  max-receive-count 5", ""))
    p = prop(change(result, "channel", "jobs"), "max-receive-count")
    assert p.level == B and "redelivered forever" in text(p)


def test_max_deliver_removed_is_breaking_on_jetstream():
    result = diff_texts(JETSTREAM, JETSTREAM.replace("  max-deliver 5", ""))
    p = prop(change(result, "endpoint", "billing consumes Order from orders"), "max-deliver")
    assert p.level == B


def test_offset_reset_to_latest_is_breaking_also_by_falling_back_to_the_default():
    explicit = diff_texts(KAFKA, KAFKA.replace("offset-reset earliest", "offset-reset latest"))
    p = prop(change(explicit, "endpoint", "ledger consumes Payment from payments"), "offset-reset")
    assert p.level == B and "skips" in text(p)
    implicit = diff_texts(KAFKA, KAFKA.replace("offset-reset earliest  ", ""))
    p = prop(change(implicit, "endpoint", "ledger consumes Payment from payments"), "offset-reset")
    assert p.level == B and p.after == "latest" and "kafka" in text(p)
    back = diff_texts(KAFKA.replace("offset-reset earliest", "offset-reset latest"), KAFKA)
    assert prop(change(back, "endpoint", "ledger consumes Payment from payments"), "offset-reset").level == S


def test_deliver_policy_to_new_is_breaking_on_jetstream():
    result = diff_texts(JETSTREAM, JETSTREAM.replace("deliver-policy all", "deliver-policy new"))
    assert prop(change(result, "endpoint", "billing consumes Order from orders"), "deliver-policy").level == B


@pytest.mark.parametrize("old,new,name", [
    ("confirms  persistent", "persistent", "confirms"),
    ("ack after-processing  prefetch", "ack auto  prefetch", "ack"),
])
def test_confirms_or_manual_ack_removed_is_breaking(old, new, name):
    result = diff_texts(RABBIT, RABBIT.replace(old, new, 1))
    element = [c for c in result.changes if c.category == "endpoint"][0]
    assert prop(element, name).level == B


def test_jetstream_ack_none_is_breaking():
    result = diff_texts(JETSTREAM, JETSTREAM.replace("ack explicit", "ack none"))
    assert prop(change(result, "endpoint", "billing consumes Order from orders"), "ack").level == B


# --------------------------------------------------------------------------- capacity


def test_processing_slower_within_the_headroom_is_safe_with_the_utilisation_delta():
    """4 instances, 20/s, 50 ms -> 100 ms: one message at a time, 25% -> 50% utilisation."""
    result = diff_texts(RABBIT, RABBIT.replace("processing 50ms", "processing 100ms"))
    p = prop(change(result, "endpoint", WORKER), "processing")
    assert p.level == S
    assert "utilisation at peak 25% -> 50%" in text(p) and "model:" in text(p)


def test_processing_slower_past_the_headroom_is_risky_with_the_utilisation_delta():
    result = diff_texts(RABBIT, RABBIT.replace("processing 50ms", "processing 180ms"))
    p = prop(change(result, "endpoint", WORKER), "processing")
    assert p.level == R and "25% -> 90%" in text(p) and "past the headroom" in text(p)


def test_processing_slower_than_a_declared_capacity_allows_is_risky():
    old = RABBIT.replace("instances 4\n", "instances 4  capacity 20/s\n")
    result = diff_texts(old, old.replace("processing 50ms", "processing 200ms"))
    p = prop(change(result, "endpoint", WORKER), "processing")
    assert p.level == R and "concurrency 4" in text(p)


def test_prefetch_lowered_below_what_the_peak_needs_is_risky():
    """prefetch 1 at 50 ms per message: 4 instances complete at most 80/s (Little's law);
    at 70 msg/s that is past the 70% headroom."""
    old = RABBIT.replace("rate 20/s", "rate 70/s").replace("processing 50ms", "processing 10ms")
    new = old.replace("prefetch 10", "prefetch 1").replace("processing 10ms", "processing 50ms")
    old = old.replace("processing 10ms", "processing 50ms").replace("instances 4\n", "instances 4  capacity 100/s\n")
    new = new.replace("instances 4\n", "instances 4  capacity 100/s\n")
    p = prop(change(diff_texts(old, new), "endpoint", WORKER), "prefetch")
    assert p.level == R and "800/s -> 80/s" in text(p) and "Little's law" in text(p)


def test_prefetch_raised_is_safe_and_says_how_long_a_message_waits_in_the_buffer():
    p = prop(change(diff_texts(RABBIT, RABBIT.replace("prefetch 10", "prefetch 40")), "endpoint", WORKER), "prefetch")
    assert p.level == S and "waits up to 1950ms" in text(p)


# --------------------------------------------------------------------------- issue 10 item 23


def test_a_change_that_resolves_a_lint_error_on_the_endpoint_is_not_breaking():
    """The publisher has no confirms, so D601 says the consume's at-least-once is not
    delivered; declaring at-most-once resolves the error: a weakened need, not a break."""
    old = RABBIT.replace("rate 20/s  confirms  persistent", "rate 20/s  persistent  confirms off").replace(
        "ack after-processing  prefetch 10", "delivery at-least-once  ack after-processing  prefetch 10")
    new = old.replace("delivery at-least-once  ack", "delivery at-most-once  ack")
    result = diff_texts(old, new)
    assert any(d.code == "D601" for d in result.findings_resolved)
    assert not [d for d in result.findings_introduced if d.severity.name == "ERROR"]
    element = change(result, "endpoint", WORKER)
    assert element.level == R and "resolves lint error D601" in " ".join(r.text for r in element.all_reasons)
