"""`msgarch diff` on language v2 models: channels, routes, endpoints and groups, each change
classified with its reason, and the derived flows they change reported once, on the cause."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from msgarch.cli.diff_cmd import compare
from msgarch.diff import json_format, markdown, text
from msgarch.diff.changes import Level
from msgarch.diff.sources import Loaded
from msgarch.lint.config import Config
from msgarch.model.loader import load_model

B, R, S = Level.BREAKING, Level.RISKY, Level.SAFE

RABBIT = """\
broker bus : rabbitmq { nodes 3  version "4.1" }
channel orders on bus : exchange { type topic  durable }
channel billing on bus : queue { type classic  durable  dead-letter billing-failed  delivery-limit 5  max-priority 3 }
channel billing-failed on bus : queue { type quorum }
route orders -> billing { key "order.*.paid" }
message OrderPaid { size 2KB }
component checkout {
  publishes OrderPaid to orders { key "order.eu.paid"  rate 50/s  confirms  persistent }
}
component billing-svc {
  instances 4  capacity 100/s
  consumes OrderPaid from billing { ack after-processing  prefetch 20 }
}
component triage { consumes OrderPaid from billing-failed { ack after-processing } }
"""

KAFKA = """\
broker log : kafka { nodes 3  replication 3 }
channel payments on log : topic { partitions 12  min-insync-replicas 2  retention 7d }
message PaymentRequested { size 1KB }
component checkout { publishes PaymentRequested to payments { key by order_id  acks all  rate 300/s } }
component ledger {
  instances 6  capacity 80/s
  consumes PaymentRequested from payments { group ledger  offset-reset earliest  auto-commit off }
}
component fraud {
  instances 2  capacity 500/s
  consumes PaymentRequested from payments { group fraud  offset-reset earliest  auto-commit off }
}
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


def texts(element) -> str:
    return " | ".join(r.text for r in element.all_reasons)


def no_derived_flow_changes(result) -> None:
    """Derived flows are reported on the declaration that changed them, never as flows too."""
    assert not [c.name for c in result.changes if c.category == "flow" and "@" in c.name]


# --------------------------------------------------------------------------- channels


def test_a_channel_model_against_itself_is_unchanged():
    for source in (RABBIT, KAFKA):
        result = diff_texts(source, source)
        assert result.changes == () and result.level is None


def test_channel_added_is_safe():
    result = diff_texts(RABBIT, RABBIT + "channel audit-log on bus : queue { type quorum }\n")
    element = change(result, "channel", "audit-log")
    assert element.change == "added" and element.level == S


def test_channel_removed_is_breaking_for_its_publishers_and_consumers():
    new = RABBIT.replace("channel billing-failed on bus : queue { type quorum }\n", "").replace(
        "component triage { consumes OrderPaid from billing-failed { ack after-processing } }\n", "").replace(
        "dead-letter billing-failed  ", "")
    element = change(diff_texts(RABBIT, new), "channel", "billing-failed")
    assert element.change == "removed" and element.level == B
    assert "consumers (triage)" in texts(element)


def test_channel_removed_that_nothing_used_is_safe():
    old = RABBIT + "channel spare on bus : queue\n"
    element = change(diff_texts(old, RABBIT), "channel", "spare")
    assert element.level == S


def test_queue_type_changed_is_a_risky_migration():
    result = diff_texts(RABBIT, RABBIT.replace("type classic", "type quorum"))
    element = change(result, "channel", "billing")
    assert prop(element, "type").level == R
    assert "cannot be changed in place" in texts(element)


def test_exchange_type_changed_is_risky():
    result = diff_texts(RABBIT, RABBIT.replace("{ type topic  durable }", "{ type fanout  durable }"))
    element = change(result, "channel", "orders")
    assert prop(element, "type").before == "topic" and prop(element, "type").after == "fanout"
    assert element.level == R and "exchange's type cannot be changed in place" in texts(element)


def test_partitions_up_is_risky_and_down_on_kafka_is_breaking():
    up = change(diff_texts(KAFKA, KAFKA.replace("partitions 12", "partitions 24")), "channel", "payments")
    assert up.level == R and "key-to-partition mapping" in texts(up)
    down = change(diff_texts(KAFKA, KAFKA.replace("partitions 12", "partitions 6")), "channel", "payments")
    assert down.level == B and "Kafka cannot remove partitions" in texts(down)


def test_partitions_from_the_default():
    """Declaring partitions where there were none compares with the profile's default (1 on Kafka)."""
    element = change(diff_texts(KAFKA.replace("partitions 12  ", ""), KAFKA), "channel", "payments")
    assert prop(element, "partitions").before == 1 and prop(element, "partitions").after == 12
    assert element.level == R


def test_durable_removed_is_breaking_added_is_safe():
    result = diff_texts(RABBIT, RABBIT.replace("{ type topic  durable }", "{ type topic }"))
    element = change(result, "channel", "orders")
    assert prop(element, "durable").before is True and prop(element, "durable").after is False
    assert element.level == B and "not declared: the rabbitmq default" in texts(element)
    back = change(diff_texts(RABBIT.replace("{ type topic  durable }", "{ type topic }"), RABBIT), "channel", "orders")
    assert back.level == S


def test_durable_left_to_a_durable_default_is_no_change():
    """A quorum queue is always durable: dropping the word changes nothing."""
    old = RABBIT.replace("type classic  durable", "type quorum  durable")
    assert diff_texts(old, old.replace("type quorum  durable", "type quorum")).changes == ()


def test_dead_letter_removed_is_risky_and_delivery_limit_removed_is_breaking():
    """Issue 15 item 4: a delivery limit removed lets a poison message loop forever."""
    result = diff_texts(RABBIT, RABBIT.replace("dead-letter billing-failed  delivery-limit 5  ", ""))
    element = change(result, "channel", "billing")
    assert prop(element, "dead-letter").level == R
    assert prop(element, "delivery-limit").level == B and "redelivered forever" in texts(element)


def test_retention_shortened_is_risky_lengthened_is_safe():
    shorter = change(diff_texts(KAFKA, KAFKA.replace("retention 7d", "retention 1d")), "channel", "payments")
    assert shorter.level == R
    longer = change(diff_texts(KAFKA, KAFKA.replace("retention 7d", "retention 30d")), "channel", "payments")
    assert longer.level == S


def test_other_channel_settings_are_safe():
    element = change(diff_texts(RABBIT, RABBIT.replace("max-priority 3", "max-priority 5")), "channel", "billing")
    assert element.level == S


def test_min_insync_replicas_down_to_one_is_breaking():
    element = change(diff_texts(KAFKA, KAFKA.replace("min-insync-replicas 2", "min-insync-replicas 1")),
                     "channel", "payments")
    assert element.level == B


# --------------------------------------------------------------------------- routes


def test_route_added_to_a_queue_whose_consumers_take_the_type_is_safe():
    new = RABBIT + ('channel archive on bus : queue { type quorum }\nroute orders -> archive { key "#" }\n'
                    "component archiver { consumes OrderPaid from archive }\n")
    result = diff_texts(RABBIT, new)
    assert change(result, "route", "orders->archive").level == S
    no_derived_flow_changes(result)


def test_route_added_sending_a_new_type_to_consumers_that_do_not_declare_it_is_risky():
    new = RABBIT + ('channel refunds on bus : queue { type quorum }\nroute orders -> refunds { key "order.#" }\n'
                    "message Refund { size 1KB }\ncomponent refunder { consumes Refund from refunds }\n")
    element = change(diff_texts(RABBIT, new), "route", "orders->refunds")
    assert element.level == R
    assert "OrderPaid now reaches refunds" in texts(element) and "(refunder)" in texts(element)


def test_route_removed_is_breaking_for_the_consumers_that_lose_messages():
    result = diff_texts(RABBIT, RABBIT.replace('route orders -> billing { key "order.*.paid" }\n', ""))
    element = change(result, "route", "orders->billing")
    assert element.change == "removed" and element.level == B
    assert "billing-svc no longer receives any OrderPaid" in texts(element)
    assert element.flows == (("checkout->billing-svc:OrderPaid@billing", "removed", ()),)
    no_derived_flow_changes(result)


def test_route_removed_that_fed_no_consumer_is_safe():
    old = RABBIT + 'channel spare on bus : queue\nroute orders -> spare { key "x.y" }\n'
    element = change(diff_texts(old, RABBIT), "route", "orders->spare")
    assert element.level == S


def test_route_key_changed_is_risky_when_the_consumer_still_receives():
    result = diff_texts(RABBIT, RABBIT.replace('key "order.*.paid"', 'key "order.#"'))
    element = change(result, "route", "orders->billing")
    assert prop(element, "key").level == R and element.level == R
    assert result.level == R


def test_route_key_changed_is_breaking_when_a_consumer_loses_all_its_messages():
    result = diff_texts(RABBIT, RABBIT.replace('key "order.*.paid"', 'key "order.*.refunded"'))
    element = change(result, "route", "orders->billing")
    assert element.level == B and "loses all its messages" in texts(element)
    no_derived_flow_changes(result)


def test_dead_letter_routes_are_judged_on_the_channel():
    result = diff_texts(RABBIT, RABBIT.replace("dead-letter billing-failed  ", ""))
    assert [c.category for c in result.changes if c.category == "route"] == []
    assert change(result, "channel", "billing").level == R


# --------------------------------------------------------------------------- endpoints


@pytest.mark.parametrize("old,new,prop_name", [
    ("rate 50/s  confirms  persistent", "rate 50/s  persistent", "confirms"),
    ("rate 50/s  confirms  persistent", "rate 50/s  confirms", "persistent"),
    ("ack after-processing  prefetch 20", "ack before-processing  prefetch 20", "ack"),
    ("ack after-processing  prefetch 20", "ack auto  prefetch 20", "ack"),
])
def test_publisher_and_consumer_guarantees_removed_are_breaking(old, new, prop_name):
    result = diff_texts(RABBIT, RABBIT.replace(old, new))
    changed = [c for c in result.changes if c.category == "endpoint"]
    assert len(changed) == 1
    assert prop(changed[0], prop_name).level == B


def test_ack_mode_strengthened_is_safe():
    old = RABBIT.replace("ack after-processing  prefetch 20", "ack auto  prefetch 20")
    element = change(diff_texts(old, RABBIT), "endpoint", "billing-svc consumes OrderPaid from billing")
    assert element.level == S


@pytest.mark.parametrize("acks", ["1", "0"])
def test_kafka_acks_below_all_is_breaking(acks):
    element = change(diff_texts(KAFKA, KAFKA.replace("acks all", f"acks {acks}")),
                     "endpoint", "checkout publishes PaymentRequested to payments")
    assert prop(element, "acks").level == B


def test_auto_commit_turned_on_is_breaking_also_by_falling_back_to_the_default():
    explicit = diff_texts(KAFKA, KAFKA.replace("group ledger  offset-reset earliest  auto-commit off",
                                               "group ledger  offset-reset earliest  auto-commit on"))
    element = change(explicit, "endpoint", "ledger consumes PaymentRequested from payments")
    assert prop(element, "auto-commit").level == B
    implicit = diff_texts(KAFKA, KAFKA.replace("group ledger  offset-reset earliest  auto-commit off",
                                               "group ledger  offset-reset earliest"))
    element = change(implicit, "endpoint", "ledger consumes PaymentRequested from payments")
    assert prop(element, "auto-commit").before is False and prop(element, "auto-commit").after is True
    assert "kafka default" in texts(element)


def test_prefetch_changed_is_safe():
    result = diff_texts(RABBIT, RABBIT.replace("prefetch 20", "prefetch 200"))
    element = change(result, "endpoint", "billing-svc consumes OrderPaid from billing")
    assert element.level == S and prop(element, "prefetch").before == 20
    assert result.changes == (element,)


def test_consumer_moved_to_another_group_is_breaking():
    result = diff_texts(KAFKA, KAFKA.replace("group fraud", "group ledger"))
    element = change(result, "endpoint", "fraud consumes PaymentRequested from payments")
    assert element.level == B and "ledger loses the messages fraud takes" in texts(element)
    no_derived_flow_changes(result)


def test_new_consumer_joining_an_existing_group_is_breaking():
    new = KAFKA + "component audit { consumes PaymentRequested from payments { group ledger } }\n"
    element = change(diff_texts(KAFKA, new), "endpoint", "audit consumes PaymentRequested from payments")
    assert element.change == "added" and element.level == B
    assert "ledger loses the messages audit takes" in texts(element)


def test_new_consumer_on_a_queue_competes_with_the_existing_one():
    """As the v1 rule for a new queue consumer says."""
    new = RABBIT + "component audit { consumes OrderPaid from billing }\n"
    element = change(diff_texts(RABBIT, new), "endpoint", "audit consumes OrderPaid from billing")
    assert element.level == B and "billing-svc loses the messages audit takes" in texts(element)


def test_new_consumer_in_its_own_group_is_safe():
    new = KAFKA + "component audit { consumes PaymentRequested from payments { group audit } }\n"
    element = change(diff_texts(KAFKA, new), "endpoint", "audit consumes PaymentRequested from payments")
    assert element.level == S


def test_consumer_leaving_a_group_is_risky():
    old = KAFKA + "component audit { consumes PaymentRequested from payments { group ledger } }\n"
    result = diff_texts(old, KAFKA)
    element = change(result, "endpoint", "audit consumes PaymentRequested from payments")
    assert element.change == "removed" and element.level == R
    assert "ledger takes its share" in texts(element)


def test_publish_removed_is_risky_and_names_who_no_longer_receives():
    new = RABBIT.replace('  publishes OrderPaid to orders { key "order.eu.paid"  rate 50/s  confirms  persistent }\n',
                         "")
    result = diff_texts(RABBIT, new)
    element = change(result, "endpoint", "checkout publishes OrderPaid to orders")
    assert element.level == R and "billing-svc no longer receives OrderPaid from checkout" in texts(element)
    no_derived_flow_changes(result)


def test_publish_key_changed_so_the_consumer_loses_everything_is_breaking():
    result = diff_texts(RABBIT, RABBIT.replace('key "order.eu.paid"', 'key "order.eu.refunded"'))
    element = change(result, "endpoint", "checkout publishes OrderPaid to orders")
    assert prop(element, "key").level == R and element.level == B
    no_derived_flow_changes(result)


def test_consume_moved_to_another_channel_is_paired_with_its_old_self():
    old = RABBIT + 'channel billing-2 on bus : queue { type quorum }\nroute orders -> billing-2 { key "order.#" }\n'
    new = old.replace("consumes OrderPaid from billing {", "consumes OrderPaid from billing-2 {")
    result = diff_texts(old, new)
    element = change(result, "endpoint", "billing-svc consumes OrderPaid from billing-2")
    assert element.previous_name == "billing-svc consumes OrderPaid from billing"
    assert prop(element, "channel").before == "billing" and prop(element, "channel").after == "billing-2"
    assert element.level == R
    no_derived_flow_changes(result)


def test_endpoint_needs_are_judged_as_v1_flow_requirements():
    old = RABBIT.replace("ack after-processing  prefetch 20", "ack after-processing  prefetch 20  durable")
    element = change(diff_texts(old, RABBIT), "endpoint", "billing-svc consumes OrderPaid from billing")
    assert prop(element, "durable").level == B


# --------------------------------------------------------------------------- derived flows


def test_a_rate_change_is_reported_on_the_publish_with_the_derived_flow_it_changes():
    result = diff_texts(RABBIT, RABBIT.replace("rate 50/s", "rate 60/s"))
    assert [c.category for c in result.changes] == ["endpoint"]
    element = result.changes[0]
    assert element.flows == (("checkout->billing-svc:OrderPaid@billing", "changed", ("rate",)),)
    assert prop(element, "rate").level == S


def test_capacity_past_the_headroom_goes_on_the_publish():
    result = diff_texts(RABBIT, RABBIT.replace("rate 50/s", "rate 350/s"))
    element = change(result, "endpoint", "checkout publishes OrderPaid to orders")
    assert element.level == R and "past the 70% headroom" in texts(element)
    no_derived_flow_changes(result)


def test_v1_flows_beside_channels_are_still_reported_as_flows():
    v1 = ("component web\ncomponent worker { capacity 100/s }\nmessage Job { size 1KB }\n"
          "flow web -> worker : Job { via bus  rate 10/s  durable }\n")
    result = diff_texts(RABBIT + v1, RABBIT + v1.replace("  durable", ""))
    element = change(result, "flow", "web->worker:Job")
    assert prop(element, "durable").level == B


# --------------------------------------------------------------------------- formats


def test_every_format_shows_the_declaration_changes_and_their_flows():
    result = diff_texts(RABBIT, RABBIT.replace('route orders -> billing { key "order.*.paid" }\n', ""))
    plain = text.render([result])
    assert "route orders->billing  removed  [breaking]" in plain
    assert "derived flow checkout->billing-svc:OrderPaid@billing: removed" in plain
    md = markdown.render([result])
    assert "| route `orders->billing` | removed | **breaking** |" in md
    assert "- derived flow `checkout->billing-svc:OrderPaid@billing`: removed" in md
    document = json.loads(json_format.render([result]))
    route = next(c for c in document["diffs"][0]["changes"] if c["category"] == "route")
    assert route["level"] == "breaking"
    assert route["flows"] == [{"name": "checkout->billing-svc:OrderPaid@billing", "change": "removed",
                               "properties": []}]


def test_json_keeps_v1_changes_as_they_were():
    """No `flows` field on the v1 categories: v1 output is unchanged."""
    old = "component a\ncomponent b\nmessage M\nbroker bus : rabbitmq\nflow a -> b : M { via bus durable }\n"
    document = json.loads(json_format.render([diff_texts(old, old.replace(" durable", ""))]))
    assert all("flows" not in c for c in document["diffs"][0]["changes"])


# --------------------------------------------------------------------------- fixtures


FIXTURES = sorted((Path(__file__).resolve().parent / "fixtures" / "channels").glob("*.msgarch"))


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_spec_example_removed_and_added_back_mirror(path):
    """Everything of a spec example removed is the mirror of everything added, and nothing of
    it shows as a derived flow change."""
    source = path.read_text(encoding="utf-8")
    empty = "\n"
    gone, back = diff_texts(source, empty), diff_texts(empty, source)
    assert {(c.category, c.name) for c in gone.changes} == {(c.category, c.name) for c in back.changes}
    assert {c.change for c in gone.changes} == {"removed"} and {c.change for c in back.changes} == {"added"}
    no_derived_flow_changes(gone)
    no_derived_flow_changes(back)


# --------------------------------------------------------------------------- v1 <-> channels

V1_JOB = """\
broker bus : rabbitmq { nodes 3 }
component web
component worker { instances 2  capacity 100/s }
message Job { size 1KB }
flow web -> worker : Job { via bus  rate 10/s  durable  delivery at-least-once }
"""
V2_JOB = """\
broker bus : rabbitmq { nodes 3 }
component web { publishes Job to jobs { rate 10/s  confirms  persistent } }
component worker { instances 2  capacity 100/s  consumes Job from jobs { durable  delivery at-least-once } }
message Job { size 1KB }
channel jobs on bus : queue { type quorum }
"""


def test_a_v1_flow_rewritten_as_channels_with_the_same_needs_is_safe():
    result = diff_texts(V1_JOB, V2_JOB)
    assert result.level == S
    assert {c.category for c in result.changes} == {"channel", "endpoint"}


def test_a_v1_flow_rewritten_as_channels_keeps_its_requirements_compared():
    result = diff_texts(V1_JOB, V2_JOB.replace("{ durable  delivery", "{ delivery"))
    element = change(result, "flow", "web->worker:Job@jobs")
    assert element.previous_name == "web->worker:Job"
    assert prop(element, "durable").level == B


def test_channels_rewritten_as_a_v1_flow_lose_nothing():
    result = diff_texts(V2_JOB, V1_JOB)
    assert result.level == R  # the queue deleted: what is still in it is lost
    assert change(result, "endpoint", "web publishes Job to jobs").level == S
    assert change(result, "endpoint", "worker consumes Job from jobs").level == S


def test_a_finding_on_a_channel_is_matched_by_the_channel_not_by_its_text():
    """T702's text names the retention; changing the retention does not resolve and reintroduce it."""
    source = """\
broker log : kafka { nodes 3 }
channel payments on log : topic { partitions 3  retention 7d }
message P { size 1KB }
component checkout { publishes P to payments { rate 10/s } }
"""
    result = diff_texts(source, source.replace("retention 7d", "retention 1d"))
    assert change(result, "channel", "payments").level == R
    assert result.findings_introduced == () and result.findings_resolved == ()


def test_a_publish_moved_to_another_channel_names_the_consumers_it_no_longer_reaches():
    old = RABBIT + "channel direct-billing on bus : queue { type quorum }\n"
    new = old.replace("publishes OrderPaid to orders {", "publishes OrderPaid to direct-billing {")
    result = diff_texts(old, new)
    element = change(result, "endpoint", "checkout publishes OrderPaid to direct-billing")
    assert element.previous_name == "checkout publishes OrderPaid to orders"
    assert element.level == B and "billing-svc no longer receives any OrderPaid on billing" in texts(element)
    no_derived_flow_changes(result)


def test_a_consume_moved_to_a_channel_nothing_reaches_loses_everything():
    old = RABBIT + "channel unused on bus : queue { type quorum }\n"
    new = old.replace("consumes OrderPaid from billing {", "consumes OrderPaid from unused {")
    element = change(diff_texts(old, new), "endpoint", "billing-svc consumes OrderPaid from unused")
    assert element.level == B and "loses all its messages" in texts(element)


def test_routes_between_two_channels_are_one_element_with_their_keys():
    """One binding of several removed: the route changes, and the consumer of that key's type
    loses all its messages of that type (breaking)."""
    base = """\
broker bus : rabbitmq { nodes 3 }
channel events on bus : exchange { type direct  durable }
channel ordering on bus : queue { type quorum }
route events -> ordering { key "OrderPaid" }
route events -> ordering { key "OrderShipped" }
message OrderPaid { size 1KB }
message OrderShipped { size 1KB }
component shop {
  publishes OrderPaid to events { key "OrderPaid"  rate 5/s }
  publishes OrderShipped to events { key "OrderShipped"  rate 5/s }
}
component ordering-api { consumes OrderPaid, OrderShipped from ordering }
"""
    result = diff_texts(base, base.replace('route events -> ordering { key "OrderShipped" }\n', ""))
    element = change(result, "route", "events->ordering")
    assert element.change == "changed" and element.level == B
    assert "binding key OrderShipped removed" in texts(element)
    assert "ordering-api no longer receives any OrderShipped on ordering" in texts(element)
    assert element.flows == (("shop->ordering-api:OrderShipped@ordering", "removed", ()),)


def test_a_new_publish_names_who_receives_it():
    new = RABBIT.replace("component checkout {\n", "component checkout {\n"
                         '  publishes OrderPaid to orders { key "order.us.paid"  rate 5/s }\n')
    result = diff_texts(RABBIT, new)
    added = [c for c in result.changes if c.category == "endpoint"]
    assert [c.change for c in added] == ["added"], [(c.name, c.change) for c in added]
    assert added[0].level == S and "received by billing-svc" in texts(added[0])


# --------------------------------------------------------------------------- --render


def test_render_marks_channels_routes_and_endpoints(tmp_path):
    from msgarch.diff.highlight import highlight

    golden = Path(__file__).resolve().parent / "golden" / "diff"
    kept: list = []
    result = compare(Loaded(load_model(str(golden / "channels.old.msgarch")), "old"),
                     Loaded(load_model(str(golden / "channels.new.msgarch")), "new"), Config(), kept)
    scene = highlight(kept[0].scene(), kept[1].scene(), result)
    nodes = {n.id: n.change for n in scene.nodes}
    edges = {e.id: e.change for e in scene.edges}
    assert nodes["ch_refunds"] == "added" and nodes["ch_orders"] == "changed"
    assert edges["rt_orders_to_shipping_removed"] == "removed"  # the route removed, kept dashed
    assert edges["rt_orders_to_refunds"] == "added"
    assert edges["d_billing_to_audit"] == "added"
    assert edges["p_checkout_to_payments"] == "changed"


def test_defaults_come_from_the_configured_profile_directories(tmp_path):
    """A user profile that says Kafka consumers do not auto-commit: dropping `auto-commit off`
    is then no change."""
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "kafka.json").write_text(json.dumps({"id": "kafka", "endpoints": {"consume": {"auto-commit": {
        "value": "flag", "default": False, "vendor": "enable.auto.commit", "means": "our clients commit by hand",
        "source": "https://example.org/our-kafka-clients"}}}}), encoding="utf-8")
    new = KAFKA.replace("group ledger  offset-reset earliest  auto-commit off", "group ledger  offset-reset earliest")
    config = Config(profiles=(str(profiles),))
    result = compare(Loaded(load_model("old.msgarch", text=KAFKA), "old.msgarch"),
                     Loaded(load_model("new.msgarch", text=new), "new.msgarch"), config)
    assert [c for c in result.changes if c.category == "endpoint"] == []
    assert diff_texts(KAFKA, new).level == B  # the built-in default: auto-commit on


def test_a_new_consumer_of_another_type_on_a_queue_still_competes():
    """On a queue every consumer takes any message, whatever type it declares."""
    new = RABBIT + "message Refund { size 1KB }\ncomponent refunds { consumes Refund from billing }\n"
    element = change(diff_texts(RABBIT, new), "endpoint", "refunds consumes Refund from billing")
    assert element.level == B and "billing-svc loses the messages refunds takes" in texts(element)


def test_a_consumer_adding_a_type_on_its_own_queue_joins_no_one_new():
    new = RABBIT.replace("component billing-svc {", "message Refund { size 1KB }\ncomponent billing-svc {\n"
                         "  consumes Refund from billing")
    result = diff_texts(RABBIT, new)
    element = change(result, "endpoint", "billing-svc consumes Refund from billing")
    assert element.level == S, texts(element)
