"""Consumer and broker load, flow latency and burst backlog, on models built in code."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, strategies as st

from msgarch.analysis.load import (
    BURST_S, backlog_drain_time, broker_loads, consumer_backlog, consumer_loads,
    delivery_shares, flow_latency,
)
from msgarch.diagnostics import Span
from msgarch.model.model import Broker, Component, Flow, Message, Model, System

SPAN = Span.point("t.msgarch")
MS = 1e-3
TB = 1e12


def component(name: str, instances: int = 1, capacity: float | None = None,
              external: bool = False) -> Component:
    return Component(name, SPAN, instances=instances, capacity=capacity, external=external)


def flow(producer: str, consumers: str, message: str = "Msg", via: str | None = "bus",
         pattern: str = "queue", tag: str = "", **props) -> Flow:
    names = tuple(consumers.split(","))
    return Flow(id=f"{producer}->{consumers}:{message}{tag}", producer=producer,
                consumers=names, message=message, span=SPAN, via=via, pattern=pattern,
                **props)


def model(components: list[Component], flows: list[Flow], brokers: list[Broker] | None = None,
          messages: list[Message] | None = None, system: System | None = None) -> Model:
    brokers = brokers if brokers is not None else [Broker("bus", "rabbitmq", SPAN)]
    messages = messages if messages is not None else [Message("Msg", SPAN, size=1000)]
    return Model(
        root="t.msgarch",
        system=system or System(),
        brokers={b.name: b for b in brokers},
        components={c.name: c for c in components},
        messages={m.name: m for m in messages},
        kinds={},
        flows=tuple(flows),
    )


# --- consumer load -----------------------------------------------------------------


def test_pubsub_delivers_the_full_rate_to_each_subscribing_component():
    m = model([component("web"), component("a", 2, 100), component("b", 1, 500)],
              [flow("web", "a,b", pattern="pubsub", rate=100, peak=150)])
    loads = consumer_loads(m)
    assert list(loads) == ["a", "b"]
    for name in ("a", "b"):
        assert loads[name].rate == 100 and loads[name].peak == 150
        assert loads[name].flows == ("web->a,b:Msg",)
    assert loads["a"].estimate.servers == 2
    assert loads["a"].estimate.utilisation == pytest.approx(0.75)


def test_a_queue_is_shared_by_the_instances_of_its_consumers():
    m = model([component("web"), component("a", 1, 100), component("b", 3, 100)],
              [flow("web", "a,b", rate=100)])
    loads = consumer_loads(m)
    assert loads["a"].rate == pytest.approx(25) and loads["b"].rate == pytest.approx(75)
    assert delivery_shares(m, m.flows[0]) == {"a": 0.25, "b": 0.75}


def test_request_reply_is_a_queue_into_the_replier_and_not_load_on_the_requester():
    m = model([component("web", 1, 10), component("orders", 4, 50)],
              [flow("web", "orders", pattern="request-reply", rate=100, peak=150)])
    loads = consumer_loads(m)
    assert list(loads) == ["orders"]
    assert loads["orders"].peak == 150


def test_external_components_and_unresolved_flows_are_skipped():
    m = model([component("web"), component("partner", external=True), component("a", 1, 10)],
              [flow("web", "partner", rate=5),
               flow("web", "a", via="nowhere", rate=5),
               flow("web", "ghost", rate=5)])
    assert consumer_loads(m) == {}


def test_sums_rate_and_peak_and_lists_flows_without_them():
    m = model([component("web"), component("a", 4, 50)],
              [flow("web", "a", tag="1", rate=100, peak=150),
               flow("web", "a", tag="2", peak=30),
               flow("web", "a", tag="3")])
    load = consumer_loads(m)["a"]
    assert load.rate == 100 and load.peak == 180
    assert load.unrated_flows == ("web->a:Msg2", "web->a:Msg3")
    assert load.unknown_flows == ("web->a:Msg3",)


def test_estimate_at_peak_matches_the_oracle_and_at_rate_uses_the_average():
    m = model([component("web"), component("orders", 4, 50)],
              [flow("web", "orders", rate=100, peak=150)])
    load = consumer_loads(m)["orders"]
    assert load.estimate.wait_p99_s == pytest.approx(78.6143 * MS, rel=1e-5)
    assert load.estimate_at_rate.utilisation == pytest.approx(0.5)
    assert "M/M/4 (Erlang C)" in load.model
    assert not load.partitioned


def test_unknown_capacity_gives_no_estimate():
    m = model([component("web"), component("a", 2)], [flow("web", "a", rate=10)])
    load = consumer_loads(m)["a"]
    assert load.estimate is None and load.estimate_at_rate is None
    assert load.capacity is None
    assert "capacity unknown" in load.model


def test_headroom_defaults_to_the_system_and_can_be_overridden():
    m = model([component("web"), component("a", 1, 100)], [flow("web", "a", rate=120)],
              system=System(headroom=0.5))
    assert consumer_loads(m)["a"].estimate.servers_needed == 3  # 120/300 < 0.5
    assert consumer_loads(m, headroom=0.9)["a"].estimate.servers_needed == 2


def kafka_model(partitions: int | None, instances: int = 4, extra: list[Flow] = ()) -> Model:
    return model([component("web"), component("orders", instances, 50)],
                 [flow("web", "orders", via="log", pattern="pubsub", rate=150,
                       partitions=partitions), *extra],
                 brokers=[Broker("log", "kafka", SPAN), Broker("bus", "rabbitmq", SPAN)])


def test_per_partition_broker_with_partitions_is_one_mm1_per_partition():
    for per_partition in ({"log"}, lambda broker: broker.kind == "kafka"):
        load = consumer_loads(kafka_model(4), per_partition=per_partition)["orders"]
        assert load.partitioned
        assert load.estimate.model.startswith("M/M/1 x 4 partitions")
        assert load.estimate.wait_p99_s == pytest.approx(345.399 * MS, rel=1e-5)


def test_partitions_bound_the_consumers_that_work():
    load = consumer_loads(kafka_model(2, instances=6), per_partition={"log"})["orders"]
    assert load.estimate.servers == 2 and not load.estimate.stable
    assert load.estimate.backlog_growth_per_s == pytest.approx(50)


def test_partitions_ignored_off_per_partition_brokers_or_when_unknown():
    assert not consumer_loads(kafka_model(4))["orders"].partitioned  # not per-partition
    unknown = consumer_loads(kafka_model(None), per_partition={"log"})["orders"]
    assert unknown.estimate.model.startswith("M/M/4")
    assert "partition count unknown" in unknown.estimate.model
    # a flow without partitions no longer turns the group into M/M/c: the partitioned
    # flow keeps its own partitions (issue 10 item 16; tests/test_capacity_models.py)
    mixed = consumer_loads(kafka_model(4, extra=[flow("web", "orders", rate=10)]),
                           per_partition={"log"})["orders"]
    assert mixed.estimate.mixed and mixed.estimate.model.startswith("M/M/1 per consumer")


def test_partitions_of_several_flows_are_pooled():
    second = flow("web", "orders", via="log", pattern="pubsub", tag="b", rate=50, partitions=4)
    load = consumer_loads(kafka_model(4, instances=8, extra=[second]),
                          per_partition={"log"})["orders"]
    assert load.estimate.partitions == 8 and load.estimate.servers == 8
    assert load.estimate.utilisation == pytest.approx(200 / 8 / 50)
    assert "pooled" in load.estimate.model


# --- brokers without competing consumers (redis-pubsub, tibco-rv) ------------------


def pubsub_model(rate: float, instances: int = 4, capacity: float = 100.0,
                 extra: list[Flow] = ()) -> Model:
    return model([component("pub"), component("sub", instances, capacity)],
                 [flow("pub", "sub", via="fan", pattern="pubsub", rate=rate), *extra],
                 brokers=[Broker("fan", "redis-pubsub", SPAN, nodes=3),
                          Broker("bus", "rabbitmq", SPAN)])


def test_without_competing_consumers_every_instance_receives_the_full_rate():
    for broadcast in ({"fan"}, lambda broker: broker.kind == "redis-pubsub"):
        estimate = consumer_loads(pubsub_model(300), broadcast=broadcast)["sub"].estimate
        assert estimate.broadcast and estimate.arrival_rate == 300
        assert estimate.utilisation == pytest.approx(3.0)  # 300/s into one 100/s instance
        assert not estimate.stable
        assert estimate.backlog_growth_per_s == pytest.approx(4 * 200)
        assert estimate.servers_needed is None and estimate.servers_for_stability is None
        assert estimate.service_rate_needed == pytest.approx(300 / 0.7)
        assert estimate.model.startswith("M/M/1 per instance (4 x M/M/1): each of the 4 "
                                         "instances receives every message (redis-pubsub has "
                                         "no competing consumers)")


def test_without_competing_consumers_more_instances_never_help():
    figures = {consumer_loads(pubsub_model(60, instances=n), broadcast={"fan"})["sub"]
               .estimate.wait_p99_s for n in (1, 2, 8, 64)}
    assert len(figures) == 1
    one = consumer_loads(pubsub_model(60, instances=1), broadcast={"fan"})["sub"].estimate
    shared = consumer_loads(pubsub_model(60, instances=1))["sub"].estimate
    assert one.wait_p99_s == pytest.approx(shared.wait_p99_s)  # M/M/1 either way


def test_without_competing_consumers_a_queue_pattern_still_reaches_every_instance():
    m = model([component("pub"), component("a", 2, 100), component("b", 2, 100)],
              [flow("pub", "a,b", via="fan", pattern="queue", rate=50)],
              brokers=[Broker("fan", "redis-pubsub", SPAN)])
    loads = consumer_loads(m, broadcast={"fan"})
    assert loads["a"].peak == 50 and loads["b"].peak == 50
    assert loads["a"].estimate.arrival_rate == 50


def test_flows_through_other_brokers_are_split_over_the_instances():
    queue = flow("pub", "sub", via="bus", tag="q", rate=90)
    estimate = consumer_loads(pubsub_model(30, instances=2, extra=[queue]),
                              broadcast={"fan"})["sub"].estimate
    assert estimate.arrival_rate == pytest.approx(30 + 90 / 2)
    assert estimate.servers_needed == 3  # 30 + 90/3 = 60/s < 70% of 100/s
    assert "other flows split evenly over the instances" in estimate.model


def test_without_competing_consumers_the_broker_sends_a_copy_per_instance():
    m = pubsub_model(300)
    fan = broker_loads(m, {"fan": 1000}, broadcast={"fan"})["fan"]
    assert (fan.peak.produced, fan.peak.delivered, fan.peak.messages) == (300, 1200, 1500)
    assert "no competing consumers on this broker" in fan.model
    assert broker_loads(m, {"fan": 1000})["fan"].peak.delivered == 300


def test_a_burst_without_competing_consumers_queues_at_every_instance():
    m = model([component("pub"), component("sub", 4, 100)],
              [flow("pub", "sub", via="fan", pattern="pubsub", rate=50, peak=150)],
              brokers=[Broker("fan", "redis-pubsub", SPAN)])
    backlog = consumer_backlog(consumer_loads(m, broadcast={"fan"})["sub"])
    assert backlog.per_instance and backlog.capacity == 100 and backlog.peak_rate == 150
    assert backlog.backlog == pytest.approx(50 * 60)
    assert backlog.drain_s == pytest.approx(50 * 60 / 50)


def test_broker_facts_flag_the_brokers_without_competing_consumers():
    from msgarch.analysis.brokerfacts import broadcast_brokers, broker_facts, per_partition_brokers
    from msgarch.brokers import load_builtin

    m = model([component("pub")], [],
              brokers=[Broker("fan", "redis-pubsub", SPAN), Broker("rv", "tibco-rv", SPAN),
                       Broker("log", "kafka", SPAN), Broker("bus", "rabbitmq", SPAN)])
    facts = broker_facts(m, lambda name: load_builtin(m.brokers[name].kind))
    assert broadcast_brokers(facts) == {"fan", "rv"}
    assert per_partition_brokers(facts) == {"log"}
    assert "redis-pubsub profile, patterns.queue" in facts["fan"].broadcast_source
    assert broadcast_brokers(broker_facts(m, lambda name: None)) == frozenset()


def test_partitioned_labels_count_the_queues_computed():
    estimate = consumer_loads(kafka_model(12, instances=6), per_partition={"log"})["orders"].estimate
    # 12 partitions over 6 consumers: each holds 2, so 6 M/M/1 queues are computed.
    assert estimate.model.startswith("M/M/1 x 6 consumers (12 partitions, the busiest "
                                     "consumer holds 2)")
    single = consumer_loads(kafka_model(1, instances=3), per_partition={"log"})["orders"].estimate
    assert single.model.startswith("M/M/1 x 1 partition (one consumer in use, 2 consumers idle)")


# --- broker load -------------------------------------------------------------------


def test_pubsub_broker_traffic_counts_every_delivered_copy():
    m = model([component("web"), component("a"), component("b"), component("c")],
              [flow("web", "a,b,c", pattern="pubsub", rate=100, peak=200)])
    load = broker_loads(m, {"bus": 1000})["bus"]
    assert (load.average.produced, load.average.delivered, load.average.messages) == (100, 300, 400)
    assert load.average.bytes_per_s == 400_000
    assert load.peak.messages == 800
    assert load.capacity == 1000 and load.utilisation == pytest.approx(0.8)
    assert load.utilisation_at_rate == pytest.approx(0.4)


def test_request_reply_carries_its_reply_through_the_same_broker():
    m = model([component("web"), component("orders")],
              [flow("web", "orders", pattern="request-reply", rate=10)],
              messages=[Message("Msg", SPAN, size=200)])
    traffic = broker_loads(m)["bus"].average
    assert (traffic.produced, traffic.delivered, traffic.replies) == (10, 10, 10)
    assert traffic.messages == 40
    assert traffic.bytes_per_s == 40 * 200


def test_unknown_message_size_makes_bytes_unknown():
    m = model([component("web"), component("a")], [flow("web", "a", rate=10)],
              messages=[Message("Msg", SPAN)])
    traffic = broker_loads(m)["bus"].average
    assert traffic.messages == 20 and traffic.bytes_per_s is None
    assert traffic.unsized_flows == ("web->a:Msg",)


def test_capacity_comes_from_nodes_and_the_profile_unless_overridden():
    brokers = [Broker("bus", "rabbitmq", SPAN, nodes=3),
               Broker("log", "kafka", SPAN, nodes=2, capacity_per_node=5000),
               Broker("idle", "nats", SPAN)]
    m = model([component("web"), component("a")], [flow("web", "a", rate=300)],
              brokers=brokers)
    loads = broker_loads(m, {"bus": 1000, "log": 1})
    assert list(loads) == ["bus", "idle", "log"]
    assert loads["bus"].capacity == 3000 and loads["bus"].utilisation == pytest.approx(0.2)
    assert loads["log"].capacity == 10_000
    assert loads["idle"].capacity is None and loads["idle"].utilisation is None
    assert loads["idle"].average.messages == 0 and loads["idle"].nodes == 1


def test_storage_of_retained_flows_matches_the_worked_example():
    m = model([component("web"), component("a"), component("b")],
              [flow("web", "a,b", via="log", pattern="pubsub", rate=20_000,
                    retention=7 * 86400),
               flow("web", "a", via="log", tag="x", rate=50)],
              brokers=[Broker("log", "kafka", SPAN, nodes=6, replication=3,
                              storage_per_node=12 * TB)])
    load = broker_loads(m)["log"]
    assert load.storage_bytes == pytest.approx(36.288 * TB)
    assert load.retained_flows == ("web->a,b:Msg",)
    assert load.storage_capacity_bytes == pytest.approx(72 * TB)


def test_storage_unknown_when_a_retained_flow_lacks_rate_or_size():
    m = model([component("web"), component("a")],
              [flow("web", "a", peak=10, retention=3600)])
    load = broker_loads(m)["bus"]
    assert load.storage_bytes is None and load.storage_unknown_flows == ("web->a:Msg",)


def test_deliveries_to_external_components_are_counted_apart():
    m = model([component("web"), component("a"), component("partner", external=True)],
              [flow("web", "a,partner", pattern="pubsub", rate=10)])
    traffic = broker_loads(m)["bus"].average
    assert traffic.delivered == 20 and traffic.delivered_to_external == 10


# --- latency -----------------------------------------------------------------------


def latency_model(billing_capacity: float | None = 100, billing_peak: float = 80) -> Model:
    return model(
        [component("web"), component("orders", 4, 50), component("billing", 1, billing_capacity),
         component("audit", 1, 1000)],
        [flow("web", "orders", pattern="request-reply", peak=150),
         flow("orders", "billing", pattern="request-reply", peak=billing_peak),
         flow("orders", "audit", rate=10)])


def test_a_one_way_flow_is_broker_plus_wait_plus_service():
    m = latency_model()
    estimate = flow_latency(m, m.flows[2], consumer_loads(m), {"bus": 2 * MS})
    assert estimate.consumer == "audit"
    assert [part.name for part in estimate.parts] == [
        "broker latency p99 (bus)", "queueing wait p99 at audit", "service time at audit"]
    assert estimate.total_s == pytest.approx(2 * MS + 0 + 1 * MS)
    assert estimate.complete and estimate.bounded


def test_request_reply_adds_the_downstream_calls_and_the_reply_hop():
    m = latency_model()
    estimate = flow_latency(m, m.flows[0], consumer_loads(m), {"bus": 2 * MS})
    expected = (2 * MS + 78.6143 * MS + 20 * MS  # web -> orders
                + 2 * MS + 219.101 * MS + 10 * MS + 2 * MS  # orders -> billing and back
                + 2 * MS)  # reply to web
    assert estimate.total_s == pytest.approx(expected, rel=1e-5)
    assert [part.depth for part in estimate.parts] == [0, 0, 0, 1, 1, 1, 1, 0]
    assert estimate.parts[-1].name == "reply hop (bus)"
    assert estimate.parts[3].flow == "orders->billing:Msg"


def test_unknown_capacity_is_left_out_and_said():
    m = latency_model(billing_capacity=None)
    estimate = flow_latency(m, m.flows[0], consumer_loads(m), {"bus": 2 * MS})
    assert not estimate.complete
    assert estimate.left_out == ("queueing wait p99 at billing", "service time at billing")
    assert estimate.unknown_capacity == ("billing",)
    assert estimate.total_s == pytest.approx(8 * MS + 78.6143 * MS + 20 * MS, rel=1e-5)


def test_an_overloaded_consumer_makes_the_latency_unbounded():
    m = latency_model(billing_peak=500)
    estimate = flow_latency(m, m.flows[0], consumer_loads(m), {"bus": 2 * MS})
    assert not estimate.bounded
    assert "queueing wait p99 at billing" in estimate.left_out


def test_missing_broker_latency_class_is_left_out():
    m = latency_model()
    estimate = flow_latency(m, m.flows[2], consumer_loads(m), {})
    assert estimate.left_out == ("broker latency p99 (bus)",)
    assert estimate.parts[0].left_out_because == "no-latency-class"


@pytest.mark.parametrize("cycle", [["a"], ["a", "b"], ["a", "b", "c"]])
def test_request_reply_cycles_are_cut(cycle):
    flows = [flow(name, cycle[(i + 1) % len(cycle)], pattern="request-reply", peak=1)
             for i, name in enumerate(cycle)]
    m = model([component(name, 1, 100) for name in cycle], flows)
    estimate = flow_latency(m, flows[0], consumer_loads(m), {"bus": MS})
    assert [part.left_out_because for part in estimate.parts].count("cycle") == 1
    assert len(estimate.parts) == 4 * len(cycle) + 1
    assert estimate.bounded and math.isfinite(estimate.total_s)


def test_the_slowest_subscriber_sets_a_pubsub_latency():
    m = model([component("web"), component("fast", 1, 1000), component("slow", 1, 20)],
              [flow("web", "fast,slow", pattern="pubsub", peak=10)])
    estimate = flow_latency(m, m.flows[0], consumer_loads(m), {"bus": MS})
    assert estimate.consumer == "slow"


def test_unresolved_flow_is_refused():
    m = model([component("web")], [flow("web", "ghost")])
    with pytest.raises(ValueError):
        flow_latency(m, m.flows[0], {}, {})


# --- backlog -----------------------------------------------------------------------


def test_backlog_drain_time():
    assert BURST_S == 60
    assert backlog_drain_time(300, 100, 200) == pytest.approx(60)  # 6000 msgs at 100/s
    assert backlog_drain_time(300, 100, 200, burst_s=600) == pytest.approx(600)
    assert backlog_drain_time(150, 100, 200) == 0
    assert backlog_drain_time(300, 200, 200) is None
    with pytest.raises(ValueError):
        backlog_drain_time(-1, 0, 10)


def test_consumer_backlog():
    m = model([component("web"), component("a", 2, 100)],
              [flow("web", "a", rate=100, peak=300), flow("web", "a", tag="2", peak=20)])
    backlog = consumer_backlog(consumer_loads(m)["a"])
    assert backlog.capacity == 200 and backlog.average_rate == 120
    assert backlog.backlog == pytest.approx(120 * 60)
    assert backlog.drain_s == pytest.approx(120 * 60 / 80)
    unknown = model([component("web"), component("a")], [flow("web", "a", rate=1)])
    assert consumer_backlog(consumer_loads(unknown)["a"]) is None


# --- conservation of traffic -------------------------------------------------------

NAMES = ["c0", "c1", "c2", "c3", "c4", "c5"]
PATTERNS = ["queue", "pubsub", "request-reply"]
optional_rate = st.none() | st.floats(min_value=0, max_value=1e6)


@st.composite
def models(draw) -> Model:
    components = [component(name, draw(st.integers(1, 5)),
                            draw(st.none() | st.floats(1, 1e4)), draw(st.booleans()))
                  for name in NAMES]
    flows = []
    for index in range(draw(st.integers(0, 12))):
        consumers = draw(st.lists(st.sampled_from(NAMES + ["ghost"]), min_size=1, max_size=4))
        flows.append(Flow(
            id=f"f{index}", producer=draw(st.sampled_from(NAMES)), consumers=tuple(consumers),
            message=draw(st.sampled_from(["sized", "unsized"])), span=SPAN,
            via=draw(st.sampled_from(["b0", "b1", "b2", None])),
            pattern=draw(st.sampled_from(PATTERNS)),
            rate=draw(optional_rate), peak=draw(optional_rate),
            partitions=draw(st.none() | st.integers(1, 12)),
        ))
    return model(components, flows,
                 brokers=[Broker(f"b{i}", "kafka", SPAN) for i in range(3)],
                 messages=[Message("sized", SPAN, size=512), Message("unsized", SPAN)])


@given(models())
def test_traffic_without_competing_consumers_is_a_copy_per_instance(m):
    """On a broadcast broker every instance of every consumer component gets each message:
    delivered == sum of flow rate x instances of its distinct consumer components."""
    brokers = broker_loads(m, broadcast={"b2"})
    consumers = consumer_loads(m, broadcast={"b2"})
    for at_peak in (False, True):
        traffic = brokers["b2"].peak if at_peak else brokers["b2"].average
        expected = 0.0
        for f in m.flows:
            rate = f.peak_rate if at_peak else f.rate
            if f.via == "b2" and m.resolved(f) and rate is not None:
                expected += rate * sum(m.components[c].instances for c in set(f.consumers))
        assert traffic.delivered == pytest.approx(expected, rel=1e-9, abs=1e-6)
    for load in consumers.values():
        if load.estimate is not None and any(share.broker == "b2" for share in load.shares):
            assert load.estimate.broadcast


@given(models())
def test_traffic_is_conserved(m):
    """Identity: for each rate (average, peak), summed over brokers,
    delivered - delivered_to_external == the sum of the consumer loads, and
    delivered == sum of flow rate x (distinct consumer components if pubsub else 1);
    messages == produced + delivered + 2 x replies."""
    consumers = consumer_loads(m, per_partition={"b1"})
    brokers = broker_loads(m)
    for at_peak in (False, True):
        traffic = [b.peak if at_peak else b.average for b in brokers.values()]
        arrivals = sum(load.peak if at_peak else load.rate for load in consumers.values())
        delivered = sum(t.delivered for t in traffic)
        external = sum(t.delivered_to_external for t in traffic)
        assert delivered - external == pytest.approx(arrivals, rel=1e-9, abs=1e-6)
        expected = 0.0
        for f in m.flows:
            rate = f.peak_rate if at_peak else f.rate
            if m.resolved(f) and rate is not None:
                expected += rate * (len(set(f.consumers)) if f.pattern == "pubsub" else 1)
        assert delivered == pytest.approx(expected, rel=1e-9, abs=1e-6)
        for t in traffic:
            assert t.messages == pytest.approx(t.produced + t.delivered + 2 * t.replies,
                                               rel=1e-9, abs=1e-6)


def test_brokerless_nodes_do_not_add_capacity(write):
    """`nodes` on a brokerless kind is ignored (B213 says so): capacity is one node's."""
    from msgarch.analysis.brokerfacts import broker_facts, sized_loads
    from msgarch.brokers import resolve_profile
    from msgarch.model.loader import load_model

    model = load_model(str(write("z.msgarch", "broker md : zeromq { nodes 4 }\ncomponent a\n"
                                               "component b { capacity 1M/s  instances 4 }\nmessage M\n"
                                               "flow a -> b : M { pattern pubsub  rate 1M/s }\n")))
    facts = broker_facts(model, lambda name: resolve_profile(model.brokers[name]))
    _, brokers = sized_loads(model, facts)
    assert facts["md"].nodes == 1 and brokers["md"].nodes == 1
    assert brokers["md"].capacity == facts["md"].per_node


def test_sns_subscriptions_are_shared_by_instances(write):
    """SNS delivers once per subscription (an SQS queue, an endpoint), not once per instance."""
    from msgarch.analysis.brokerfacts import broker_facts
    from msgarch.brokers import resolve_profile
    from msgarch.model.loader import load_model

    model = load_model(str(write("s.msgarch", "broker t : sns\nbroker r : redis-pubsub\n")))
    facts = broker_facts(model, lambda name: resolve_profile(model.brokers[name]))
    assert not facts["t"].broadcasts and facts["r"].broadcasts
