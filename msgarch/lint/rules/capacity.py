"""C rules: capacity and growth of consumers and brokers, from stated queueing models.

Every figure in a message names the model that produced it: M/M/c by Erlang C for a
shared queue, one M/M/1 per partition where the broker gives each partition to one
consumer (kafka, sqs-fifo, rabbitmq streams), one M/M/1 per instance at the full rate
where the broker has no competing consumers (redis-pubsub, tibco-rv: every instance
receives every message), broker traffic as produced + delivered copies, and compound
growth over the system's horizon. The models assume Poisson
arrivals and exponential service times; docs/capacity.md says when that misleads.
Missing inputs are never guessed: the rules skip what they cannot judge, and C307
lists it once per model. `msgarch plan` prints the same figures year by year.
"""

from __future__ import annotations

from typing import Any, Iterator

from msgarch.analysis import brokerfacts
from msgarch.analysis import figures as fig
from msgarch.analysis import load as load_analysis
from msgarch.analysis.brokerfacts import BrokerFacts
from msgarch.analysis.projection import (
    BrokerProjection, ConsumerProjection, project_broker, project_consumer, short_model,
    total_order_flows,
)
from msgarch.analysis.queueing import QueueEstimate, beyond, servers_needed
from msgarch.diagnostics import Related, Severity
from msgarch.lint.rule import Finding, LintContext, Rule

#: C305: an element is a hotspot when its share is at least this and at least twice its
#: fair share (1/n), among at least HOTSPOT_MIN_PEERS peers.
HOTSPOT_SHARE = 0.5
HOTSPOT_MIN_PEERS = 3
#: C305: fan-in (distinct producing components) at least this and twice the mean.
HOTSPOT_FAN_IN = 4
#: C306: a flow is latency-sensitive with a `latency` budget up to this (or request-reply).
SENSITIVE_LATENCY_S = 0.1
#: C306: a heavy flow carries at least this share of its broker's messages at peak,
#: at least HEAVY_MIN_RATE msg/s, and at least HEAVY_RATIO times a sensitive flow's.
HEAVY_SHARE = 0.5
HEAVY_MIN_RATE = 1000.0
HEAVY_RATIO = 10.0


# --- shared inputs ------------------------------------------------------------------


def broker_facts(ctx: LintContext) -> dict[str, BrokerFacts]:
    """Per-broker capacity and latency facts, from the declaration and the profile."""
    return ctx.cached("capacity:broker-facts",
                      lambda: brokerfacts.broker_facts(ctx.model, ctx.profile))


def _sized_loads(ctx: LintContext):
    return ctx.cached("capacity:loads", lambda: brokerfacts.sized_loads(ctx.model, broker_facts(ctx)))


def consumer_loads(ctx: LintContext) -> dict[str, load_analysis.ConsumerLoad]:
    """Load and queue of every consumer component (once per model)."""
    return _sized_loads(ctx)[0]


def broker_loads(ctx: LintContext) -> dict[str, load_analysis.BrokerLoad]:
    """Traffic through every broker (once per model); the profile gives capacity per node."""
    return _sized_loads(ctx)[1]


def consumer_projections(ctx: LintContext) -> dict[str, ConsumerProjection]:
    def compute():
        system = ctx.model.system
        result = {}
        for name, load in consumer_loads(ctx).items():
            projection = project_consumer(load, system.growth, system.horizon, system.headroom)
            if projection is not None:
                result[name] = projection
        return result
    return ctx.cached("capacity:consumer-projections", compute)


def broker_projections(ctx: LintContext) -> dict[str, BrokerProjection]:
    def compute():
        system = ctx.model.system
        return {name: project_broker(load, system.growth, system.horizon, system.headroom)
                for name, load in broker_loads(ctx).items() if load.flows}
    return ctx.cached("capacity:broker-projections", compute)


def flows_by_id(ctx: LintContext) -> dict:
    return ctx.cached("capacity:flows-by-id", lambda: {f.id: f for f in ctx.model.flows})


def latency_classes(ctx: LintContext) -> dict[str, float]:
    """Broker name -> p99 latency class from its profile (brokers with a profile only)."""
    return {name: facts.latency_p99 for name, facts in broker_facts(ctx).items()
            if facts.latency_p99 is not None}


# --- wording --------------------------------------------------------------------------


def consumer_head(estimate: QueueEstimate, arrival: float | None = None) -> str:
    """'M/M/6 at peak 400/s into 6 x 50/s', or the per-partition or per-instance equivalent."""
    arrival = estimate.arrival_rate if arrival is None else arrival
    if estimate.broadcast:
        return (f"{short_model(estimate)} at peak {fig.rate(arrival)} into each of "
                f"{fig.plural(estimate.consumers, 'instance')} x {fig.rate(estimate.service_rate)}")
    if estimate.partitions is None:
        return (f"M/M/{fig.whole(estimate.servers)} at peak {fig.rate(arrival)} into "
                f"{fig.whole(estimate.servers)} x {fig.rate(estimate.service_rate)}")
    if estimate.mixed:
        split = ", ".join(f"{fig.rate(rate)} over {fig.plural(count, 'partition')}"
                          for rate, count in estimate.partition_rates)
        return (f"{short_model(estimate)} at peak {fig.rate(arrival)} ({split}, "
                f"{fig.rate(estimate.shared_rate)} without partitions, shared) into "
                f"{fig.whole(estimate.consumers)} x {fig.rate(estimate.service_rate)}")
    text = (f"{short_model(estimate)} at peak {fig.rate(arrival)} over "
            f"{fig.plural(estimate.partitions, 'partition')} into "
            f"{fig.whole(estimate.consumers)} x {fig.rate(estimate.service_rate)}")
    if estimate.mixed:
        if estimate.consumers > estimate.servers:
            text += f" ({fig.whole(estimate.consumers - estimate.servers)} idle)"
    elif estimate.consumers < estimate.partitions:
        held = -(-estimate.partitions // estimate.consumers)
        text += f" (the busiest consumer holds {fig.whole(held)})"
    elif estimate.consumers > estimate.partitions:
        text += f" ({fig.whole(estimate.consumers - estimate.partitions)} idle)"
    return text


def utilisation_phrase(estimate: QueueEstimate) -> str:
    if estimate.broadcast and estimate.consumers > 1:
        who = "each instance is at"
    elif estimate.partitions is not None:
        who = "the busiest consumer is at"
    else:
        who = "utilisation"
    return f"{who} {fig.percent(estimate.utilisation)}"


def instances_phrase(estimate: QueueEstimate, headroom: float) -> str:
    """What keeps the group under headroom: instances, or (partitioned) partitions."""
    limit = fig.percent(headroom)
    if estimate.partitions is None:
        return f"{fig.plural(estimate.servers_needed, 'instance')} keep it under the {limit} headroom"
    if estimate.servers_needed is not None:
        return (f"{fig.plural(estimate.servers_needed, 'consumer')} keep it under the "
                f"{limit} headroom")
    needed = fig.whole(estimate.partitions_needed)
    if estimate.mixed and estimate.consumers >= (estimate.partitions_needed or 0):
        return (f"more consumers cannot help with {fig.plural(estimate.partitions, 'partition')}: "
                f"{needed} partitions with today's {fig.whole(estimate.consumers)} consumers keep it "
                f"under the {limit} headroom")
    return (f"more consumers cannot help with {fig.plural(estimate.partitions, 'partition')}: "
            f"{needed} partitions and {needed} consumers keep it under the {limit} headroom")


def faster_handler(estimate: QueueEstimate) -> str:
    """'a handler faster than 429/s': the capacity per instance that fits the headroom."""
    return f"a handler faster than {fig.rate(estimate.service_rate_needed)}"


def if_shared(estimate: QueueEstimate) -> str:
    """'5 instances on a broker with competing consumers': the M/M/c answer a broadcast
    group would get if its instances shared the messages."""
    total = (estimate.broadcast_rate or 0.0) + estimate.shared_rate
    needed = servers_needed(total, estimate.service_rate, estimate.headroom)
    return f"{fig.plural(needed, 'instance')} on a broker with competing consumers"


def remedy(load: load_analysis.ConsumerLoad, estimate: QueueEstimate,
           overloaded: bool) -> tuple[str, str]:
    """(what keeps the component under headroom, what to do) for C301 and C302.

    Adding instances is the answer only where instances share the messages and the
    partitions (if any) leave room for them; the other answers: more partitions with
    consumers to match, a faster handler (a flow in total order cannot gain partitions),
    or a broker with competing consumers (where every instance receives every message).
    """
    headroom = estimate.headroom
    limit = fig.percent(headroom)

    def action(main: str, caveat: str = "") -> str:
        if overloaded:
            return (f"{main}; {caveat + ', and ' if caveat else ''}until then waits grow for "
                    f"as long as the peak lasts")
        return f"{main} before the next peak" + (f"; {caveat}" if caveat else "")

    if estimate.broadcast and estimate.servers_needed is None:
        what = (f"more instances cannot help, each would receive every message too "
                f"({estimate.broadcast_reason}): {faster_handler(estimate)} keeps each instance "
                f"under the {limit} headroom, and so would {if_shared(estimate)}")
        return what, action("make the handler faster, or move the flow to a broker with "
                            "competing consumers (a queue, a list or a stream)",
                            "more instances only do the same work again")
    if estimate.broadcast:
        what = (f"{fig.plural(estimate.servers_needed, 'instance')} keep it under the {limit} "
                f"headroom (each still receives every message: {estimate.broadcast_reason})")
        return what, action("add instances or make the handler faster" if overloaded
                            else "add instances")
    ordered = total_order_flows(load)
    if estimate.partitions is not None and estimate.servers_needed is None and ordered:
        needed = fig.whole(estimate.partitions_needed)
        what = (f"more consumers cannot help with {fig.plural(estimate.partitions, 'partition')}, "
                f"and more partitions would break the total order that `ordered` asks of "
                f"{fig.names(list(ordered), limit=4)}: only {faster_handler(estimate)} keeps "
                f"the busiest consumer under the {limit} headroom, or per-key order "
                f"(`ordered by KEY`) with {needed} partitions and {needed} consumers")
        return what, action("make the handler faster, or order per key with `ordered by KEY` "
                            "and add partitions", "adding partitions alone breaks the total order")
    if estimate.partitions is not None and estimate.servers_needed is None:
        needed = fig.whole(estimate.partitions_needed)
        main = f"add partitions ({needed} in all) and consumers to match"
        return instances_phrase(estimate, headroom), action(
            main + ", or make the handler faster" if overloaded else main)
    return instances_phrase(estimate, headroom), action(
        "add instances or make the handler faster" if overloaded else "add instances")


def backlog_phrase(estimate: QueueEstimate) -> str:
    """How the backlog of an unstable group grows; at exactly 100% it has no bound."""
    growth = fig.stable(estimate.backlog_growth_per_s)
    if growth <= 0:
        return ("at exactly 100% the queue is null-recurrent: the backlog has no bound (a "
                "random walk) and the wait grows without limit")
    if estimate.broadcast and estimate.consumers > 1:
        return (f"the backlog of each instance grows by "
                f"{fig.count(growth / estimate.consumers)} msg/s")
    return f"the backlog grows by {fig.count(growth)} msg/s"


def model_hint(estimate: QueueEstimate) -> str:
    return f"model: {estimate.model}"


def flow_related(ctx: LintContext, load: load_analysis.ConsumerLoad) -> tuple[Related, ...]:
    flows = flows_by_id(ctx)
    related = []
    for share in load.shares:
        flow = flows.get(share.flow)
        if flow is None:
            continue
        figure = "no rate" if share.peak is None else f"{fig.rate(share.peak)} at peak"
        related.append(Related(flow.span, f"{share.flow}: {figure}"))
    return tuple(related)


def broker_traffic_phrase(load: load_analysis.BrokerLoad) -> str:
    peak = load.peak
    parts = [f"{fig.count(peak.produced)} produced", f"{fig.count(peak.delivered)} delivered"]
    if peak.replies:
        parts.append(f"{fig.count(2 * peak.replies)} replies in and out")
    return f"{fig.rate(peak.messages)} at peak ({' + '.join(parts)})"


def broker_head(load: load_analysis.BrokerLoad) -> str:
    nodes = fig.plural(load.nodes, "node")
    return (f"broker '{load.broker}' ({load.kind}): {broker_traffic_phrase(load)} into "
            f"{nodes} x {fig.rate(load.capacity_per_node)} = {fig.rate(load.capacity)}")


def brokerless_head(load: load_analysis.BrokerLoad, process=None) -> str:
    """'broker 'md' (zeromq) has no broker process: the busiest process, ...'."""
    process = process or load.busiest_process
    parts = []
    if process.fixed:
        parts.append(f"{fig.rate(process.fixed)} that every instance receives")
    if process.split:
        parts.append(f"{fig.rate(process.split / process.instances)} of "
                     f"{fig.rate(process.split)} its instances share (sends, a copy per "
                     f"subscriber connection, and receives)")
    who = (f"an instance of '{process.component}' ({fig.plural(process.instances, 'instance')})"
           if process.instances != 1 else f"'{process.component}' (1 instance)")
    return (f"broker '{load.broker}' ({load.kind}) has no broker process, so there are no "
            f"nodes to add: the busiest process, {who}, carries "
            f"{fig.rate(process.per_instance)} at peak ({' + '.join(parts)}) against the "
            f"per-process figure of {fig.rate(load.capacity_per_node)}")


def brokerless_remedy(load: load_analysis.BrokerLoad, headroom: float,
                      overloaded: bool, process=None) -> tuple[str, str]:
    """(what keeps the busiest process under headroom, what to do) on a brokerless kind."""
    from msgarch.analysis.queueing import _instances_needed

    process = process or load.busiest_process
    limit = fig.percent(headroom)
    needed = _instances_needed(process.fixed, process.split, load.capacity_per_node, headroom)
    if needed is None:
        what = (f"more instances of '{process.component}' cannot help: each receives every "
                f"message ({fig.rate(process.fixed)}), which is "
                f"{fig.percent(process.fixed / load.capacity_per_node)} of the figure alone")
        action = ("send fewer copies per process (a multicast transport such as pgm/epgm, or "
                  "a forwarder per host), or measure the library in your processes and declare "
                  "the figure with `capacity N/s per node` (per process on a brokerless kind)")
    else:
        what = (f"{fig.plural(needed, 'instance')} of '{process.component}' share it under the "
                f"{limit} headroom")
        action = (f"run more instances of '{process.component}' to spread its sends and "
                  "receives, send fewer copies (multicast, a forwarder per host), or measure the "
                  "library in your processes and declare the figure with `capacity N/s per "
                  "node` (per process on a brokerless kind)")
    return what, action


# --- rules ----------------------------------------------------------------------------


class ConsumerOverloaded(Rule):
    """The traffic into a component at peak exceeds what its instances can process.

    Why: with utilisation rho = lambda / (c x mu) at or above 100%, arrivals outpace the
    instances and the backlog grows without bound for as long as the peak lasts; every
    wait grows with it. lambda sums the peak (or rate) of every flow delivered to the
    component (pub/sub delivers the full rate to each subscribing component; a queue is
    shared by the instances); mu is `capacity` and c `instances`. The model is M/M/c, or
    one M/M/1 per partition when the broker gives each partition to one consumer (kafka):
    then the busiest consumer decides, and more consumers than partitions sit idle; flows
    without partitions into the same component are split over every instance while each
    partitioned flow keeps its own partitions. On a broker without competing consumers
    (redis-pubsub, tibco-rv), and for a `pattern pubsub` flow where a subscription is per
    connection (zeromq SUB, NATS plain subscriptions, MQTT non-shared subscriptions), every
    instance receives every message: each is one M/M/1 at the full rate, and more instances
    never help. Without `capacity`, mu comes from the consumes' `processing`, `concurrency`
    and `prefetch`, and a written `failure-rate` adds retry traffic (docs/capacity.md). The
    message gives the backlog growth and what keeps the component under the system's
    headroom: more instances, more partitions with consumers to match, or, where neither
    can help (no competing consumers; a flow `ordered` without `by`, whose partitions
    cannot be added), a faster handler. At exactly 100% the backlog has no bound.
    Components without `capacity` are skipped (C307 lists them).

    Fails:

        component billing { instances 2  capacity 100/s }
        flow orders -> billing : Invoice { via jobs  rate 150/s  peak 250/s }

    Passes:

        component billing { instances 4  capacity 100/s }
        flow orders -> billing : Invoice { via jobs  rate 150/s  peak 250/s }
    """

    code = "C301"
    name = "consumer-overloaded"
    summary = "peak traffic into a component exceeds instances x capacity: the backlog grows without bound"
    severity = Severity.ERROR

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for name, load in consumer_loads(ctx).items():
            estimate = load.estimate
            if estimate is None or estimate.stable:
                continue
            component = ctx.model.components[name]
            what, action = remedy(load, estimate, overloaded=True)
            yield Finding(
                component,
                f"{consumer_head(estimate)}: {utilisation_phrase(estimate)}, "
                f"{backlog_phrase(estimate)}; {what}",
                hint=f"{action}. {model_hint(estimate)}",
                prop="capacity",
                related=flow_related(ctx, load),
            )


class ConsumerHeadroom(Rule):
    """A component runs above the system's headroom at peak.

    Why: queueing delay climbs steeply as utilisation nears 100% (the M/M/1 multiplier
    rho/(1-rho) is 2.3 at 70%, 9 at 90%), and there is no margin left for a slow
    dependency or a lost instance. The system's `headroom` (70% unless declared) is the
    utilisation to stay under. The message gives the queueing model, the p99 wait it
    predicts, and what brings the component back under the headroom: instances, or
    partitions and consumers, or (as in C301) a faster handler where counts cannot help.

    Fails:

        system "Shop" { headroom 70% }
        component billing { instances 4  capacity 100/s }
        flow orders -> billing : Invoice { via jobs  peak 320/s }    # 80%

    Passes:

        component billing { instances 5  capacity 100/s }            # 64%
    """

    code = "C302"
    name = "consumer-headroom"
    summary = "a component's utilisation at peak is above the system's headroom"
    severity = Severity.WARNING

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        headroom = ctx.model.system.headroom
        for name, load in consumer_loads(ctx).items():
            estimate = load.estimate
            if estimate is None or not estimate.stable or not beyond(fig.stable(estimate.utilisation), headroom):
                continue
            p99, mean = fig.seconds_alike(estimate.wait_p99_s, estimate.wait_mean_s)
            waits = f"p99 wait {p99}, mean {mean}"
            what, action = remedy(load, estimate, overloaded=False)
            yield Finding(
                ctx.model.components[name],
                f"{consumer_head(estimate)}: {utilisation_phrase(estimate)}, above the "
                f"{fig.percent(headroom)} headroom ({waits}); {what}",
                hint=f"{action}. {model_hint(estimate)}",
                prop="capacity",
                related=flow_related(ctx, load),
            )


class BrokerOverloaded(Rule):
    """The traffic through a broker at peak exceeds its nodes' capacity, or its headroom.

    Why: a broker past its capacity throttles publishers (flow control) or builds queues
    in memory and on disk until alarms stop it; past the headroom it has no margin for a
    node failure or a rebalance. Traffic counts every message in and out: produced, plus
    a delivered copy per consumer component for pub/sub (one for a queue), plus the
    reply of a request-reply flow; a broker without competing consumers (redis-pubsub)
    sends a copy to every instance. Capacity is `nodes` x the per-node throughput: the
    broker's `capacity N/s per node` when declared, else the profile's published figure
    (cited in the message, with its doubts). Retained storage counts too, today: average
    rate x size x retention x replication against `nodes` x `storage SIZE per node` (C304
    projects the same figure over the horizon). Error at 100% or more, warning above the
    headroom (equal to it is within). Brokers without a figure are skipped (C307 lists them).
    A brokerless kind (zeromq, tibco-rv) has no broker process and no nodes: the library
    runs in every producer and consumer, so the busiest process is sized instead (a
    publisher sends a copy per subscriber connection, split over its instances; a
    subscriber receives what reaches it) against the per-process figure (`capacity N/s per
    node`, read per process, else the profile's, such as zeromq's 2008 per-stream
    measurement), and the message names the instances that spread it, or says that none
    can when every instance receives every message.

    Fails:

        broker bus : rabbitmq { nodes 1  capacity 5k/s per node }
        flow a -> b, c, d : Tick { via bus  pattern pubsub  peak 2k/s }   # 8k/s in + out

    Passes:

        broker bus : rabbitmq { nodes 3  capacity 5k/s per node }         # 53%
    """

    code = "C303"
    name = "broker-overloaded"
    summary = "the traffic through a broker exceeds nodes x per-node capacity (or its headroom)"
    severity = Severity.ERROR

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        from msgarch.analysis.queueing import servers_needed

        headroom = ctx.model.system.headroom
        facts = broker_facts(ctx)
        for name, load in broker_loads(ctx).items():
            yield from _storage_today(ctx, load, headroom)
            if load.capacity is None or load.utilisation is None:
                continue
            if not beyond(fig.stable(load.utilisation), headroom):
                continue
            over = fig.stable(load.utilisation) >= 1.0
            if load.brokerless:
                what, action = brokerless_remedy(load, headroom, overloaded=over)
                yield Finding(
                    ctx.model.brokers[name],
                    f"{brokerless_head(load)}: utilisation {fig.percent(load.utilisation)}, "
                    + ("over the figure: sends block or drop at the high-water mark"
                       if over else f"above the {fig.percent(headroom)} headroom")
                    + f"; {what}; per-process figure: {facts[name].capacity_source}",
                    hint=f"{action}. model: {load.model}",
                    severity=Severity.ERROR if over else Severity.WARNING,
                    related=_broker_flow_related(ctx, load),
                )
                continue
            needed = max(servers_needed(load.peak.messages, load.capacity_per_node, headroom),
                         load.replication)
            verdict = ("over capacity: publishers are throttled or queues grow in the broker"
                       if over else f"above the {fig.percent(headroom)} headroom")
            yield Finding(
                ctx.model.brokers[name],
                f"{broker_head(load)}: utilisation {fig.percent(load.utilisation)}, {verdict}; "
                f"{fig.plural(needed, 'node')} keep it under the {fig.percent(headroom)} "
                f"headroom; per-node capacity: {facts[name].capacity_source}",
                hint=("add nodes, move heavy flows to another broker, or measure the real "
                      "per-node figure and declare it with `capacity N/s per node`. "
                      f"model: {load.model}"),
                severity=Severity.ERROR if over else Severity.WARNING,
                related=_broker_flow_related(ctx, load),
            )


def storage_utilisation(load: load_analysis.BrokerLoad) -> float | None:
    """Retained bytes over the broker's storage today; None without both figures."""
    if not load.storage_bytes or not load.storage_capacity_bytes or not load.retained_flows:
        return None
    return load.storage_bytes / load.storage_capacity_bytes


def _storage_today(ctx: LintContext, load: load_analysis.BrokerLoad, headroom: float) -> Iterator[Finding]:
    """C303 on retained storage: over the broker's disks, or above the headroom, today."""
    used = storage_utilisation(load)
    if used is None or not beyond(fig.stable(used), headroom):
        return
    from msgarch.analysis.queueing import servers_needed

    over = fig.stable(used) >= 1.0
    per_node = load.storage_capacity_bytes / load.nodes
    needed = max(servers_needed(load.storage_bytes, per_node, headroom), load.replication)
    broker = ctx.model.brokers[load.broker]
    verdict = ("more than its disks hold: writes fail or retention is cut short" if over
               else f"above the {fig.percent(headroom)} headroom")
    yield Finding(
        broker,
        f"broker '{load.broker}' ({load.kind}) retains {fig.size(load.storage_bytes)} today, "
        f"{fig.percent(used)} of {fig.plural(load.nodes, 'node')} x {fig.size(per_node)}: {verdict}; "
        f"{fig.plural(needed, 'node')} of storage keep it under the {fig.percent(headroom)} headroom, "
        "or shorten `retention`",
        hint=("add nodes or disks (`storage SIZE per node`), shorten `retention`, or lower "
              "`replication`. model: storage = average rate x size x retention x replication"),
        prop="storage" if "storage" in broker.prop_spans else None,
        severity=Severity.ERROR if over else Severity.WARNING,
        related=tuple(Related(flows_by_id(ctx)[flow].span, f"{flow}: retained")
                      for flow in load.retained_flows[:5] if flow in flows_by_id(ctx)),
    )


def _broker_flow_related(ctx: LintContext, load: load_analysis.BrokerLoad,
                         limit: int = 5) -> tuple[Related, ...]:
    flows = flows_by_id(ctx)
    ranked = sorted((traffic for traffic in load.flows if traffic.peak is not None),
                    key=lambda t: -t.peak * t.messages_per_produced)
    related = []
    for traffic in ranked[:limit]:
        flow = flows.get(traffic.flow)
        if flow is not None:
            related.append(Related(flow.span, f"{traffic.flow}: "
                           f"{fig.rate(traffic.peak * traffic.messages_per_produced)} in + out at peak"))
    return tuple(related)


class GrowthRunway(Rule):
    """At the system's growth rate, a consumer or broker passes its headroom within the horizon.

    Why: capacity takes time to add (procurement, a partition change, a cluster resize);
    knowing the year a resource runs out lets the team plan for it instead of finding
    out at the next peak. Load in year t is load now x (1 + growth)^t (compound growth,
    `growth` and `horizon` of the `system` block); each year is re-run through the same
    queueing model with today's instances. The message names the first year at or over
    the headroom and what must be added by then (instances, partitions or broker nodes;
    a faster handler where no count can help), and what the end of the horizon needs.
    Retained storage counts too: rate x size x retention x replication against
    `storage SIZE per node`. Throughput already over its headroom today is C301, C302
    and C303; `msgarch plan` shows every year.

    Fails:

        system "Shop" { growth 15% per year  horizon 5 years  headroom 70% }
        component notifications { instances 4  capacity 600/s }
        flow orders -> notifications : OrderPlaced { via events  peak 1450/s }   # 60% today

    Passes:

        component notifications { instances 8  capacity 600/s }                  # 30% today
    """

    code = "C304"
    name = "growth-runway"
    summary = "at the growth rate, a consumer or broker passes its headroom within the horizon"
    severity = Severity.WARNING

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        system = ctx.model.system
        if system.growth <= 0:
            return
        headroom = fig.percent(system.headroom)
        growth = fig.percent(system.growth)
        for name, projection in consumer_projections(ctx).items():
            year = projection.first_year_over
            if year is None or year == 0:
                continue
            today = projection.today.estimate
            then = projection.years[year]
            yield Finding(
                ctx.model.components[name],
                f"{consumer_head(today)}: {utilisation_phrase(today)} today; at {growth} "
                f"growth a year it passes the {headroom} headroom in year {year} "
                f"({fig.percent(then.estimate.utilisation)} at {fig.rate(then.load)}); "
                f"{_consumer_additions(projection, year)}{_consumer_horizon(projection, year)}",
                hint=(f"plan the change before year {year}; `msgarch plan` shows every year. "
                      f"model: {today.model}; compound growth: load in year t = load now "
                      f"x (1 + {growth})^t"),
                prop=_runway_prop(ctx.model.components[name], then.capacity_needed is not None),
                related=flow_related(ctx, consumer_loads(ctx)[name]),
            )
        facts = broker_facts(ctx)
        for name, projection in broker_projections(ctx).items():
            yield from _storage_runway(ctx, name, projection, growth, headroom)
            plan = projection.throughput
            if plan is None or plan.first_year_over is None or plan.first_year_over == 0:
                continue
            year = plan.first_year_over
            load = broker_loads(ctx)[name]
            if load.brokerless:
                then = projection.process_needed[year]
                process = load.busiest_process
                add = (f"{fig.plural(then, 'instance')} of '{process.component}' share it by "
                       f"year {year}" if then is not None else
                       f"more instances of '{process.component}' cannot help (each receives "
                       f"every message): send fewer copies or measure a higher per-process "
                       f"figure by year {year}")
                yield Finding(
                    ctx.model.brokers[name],
                    f"{brokerless_head(load)}: utilisation {fig.percent(load.utilisation)} today; "
                    f"at {growth} growth a year it passes the {headroom} headroom in year {year} "
                    f"({fig.percent(projection.years[year].utilisation)}); {add}; per-process "
                    f"figure: {facts[name].capacity_source}",
                    hint=(f"plan the change before year {year}; `msgarch plan` shows every year. "
                          f"model: {plan.model}; {load.model}"),
                    related=_broker_flow_related(ctx, load),
                )
                continue
            needed = plan.needed[year]
            tail = (f"; {plan.needed[-1]} by year {plan.horizon}"
                    if plan.horizon != year and plan.needed[-1] != needed else "")
            yield Finding(
                ctx.model.brokers[name],
                f"{broker_head(load)}: utilisation {fig.percent(load.utilisation)} today; at "
                f"{growth} growth a year it passes the {headroom} headroom in year {year} "
                f"({fig.percent(projection.years[year].utilisation)} at "
                f"{fig.rate(projection.years[year].messages)}); add "
                f"{fig.plural(needed - plan.current, 'node')} by year {year} ({needed} in all)"
                f"{tail}; per-node capacity: {facts[name].capacity_source}",
                hint=(f"plan the resize before year {year}; `msgarch plan` shows every year. "
                      f"model: {plan.model}; {load.model}"),
                related=_broker_flow_related(ctx, load),
            )


def _storage_runway(ctx: LintContext, name: str, projection, growth: str, headroom: str) -> Iterator[Finding]:
    """The retained data outgrows `storage SIZE per node` within the horizon."""
    plan = projection.storage
    if plan is None or plan.first_year_over is None or plan.first_year_over == 0:
        return
    year = plan.first_year_over
    today, then = projection.years[0], projection.years[year]
    needed = plan.needed[year]
    tail = (f"; {plan.needed[-1]} by year {plan.horizon}"
            if plan.horizon != year and plan.needed[-1] != needed else "")
    broker = ctx.model.brokers[name]
    yield Finding(
        broker,
        f"broker '{name}' ({broker.kind}) retains {fig.size(today.storage_bytes)} today, "
        f"{fig.percent(today.storage_utilisation)} of {projection.nodes} x "
        f"{fig.size(projection.storage_per_node)}; at {growth} growth a year it passes the "
        f"{headroom} headroom in year {year} ({fig.size(then.storage_bytes)}, "
        f"{fig.percent(then.storage_utilisation)}); add "
        f"{fig.plural(needed - plan.current, 'node')} of storage by year {year} ({needed} in all){tail}, "
        "or shorten `retention`",
        hint=(f"plan the disks before year {year}; `msgarch plan` shows every year. model: storage = "
              "average rate x size x retention x replication, grown by (1 + g)^t"),
        prop="storage" if "storage" in broker.prop_spans else None,
    )


def _runway_prop(component, faster: bool) -> str | None:
    """Point at what must change: `capacity` when only a faster handler helps, else `instances`."""
    prop = "capacity" if faster else "instances"
    return prop if prop in component.prop_spans else None


def _consumer_additions(projection: ConsumerProjection, year: int) -> str:
    then = projection.years[year]
    added = then.instances_needed - projection.instances
    if then.capacity_needed is not None:
        estimate = then.estimate
        faster = f"a handler faster than {fig.rate(then.capacity_needed)}"
        if estimate.broadcast:
            return (f"more instances cannot help ({projection.scaling_limit}): by year {year} "
                    f"it needs {faster}, or {if_shared(estimate)}")
        needed = fig.whole(estimate.partitions_needed)
        return (f"more consumers cannot help with "
                f"{fig.plural(estimate.partitions, 'partition')}, and "
                f"{projection.scaling_limit}: by year {year} it needs {faster}, or per-key "
                f"order (`ordered by KEY`) with {needed} partitions and {needed} consumers")
    if projection.partitions is not None and then.partitions_needed not in (None, projection.partitions):
        return (f"add partitions by year {year}: {fig.whole(then.partitions_needed)} partitions "
                f"and {fig.whole(then.instances_needed)} consumers")
    word = "consumer" if projection.partitions is not None else "instance"
    return (f"add {fig.plural(added, word)} by year {year} "
            f"({fig.whole(then.instances_needed)} in all)")


def _consumer_horizon(projection: ConsumerProjection, year: int) -> str:
    """What the end of the horizon needs when it differs from the first year over, in
    the words of `msgarch plan`: '; 15 by year 5 (with 15 partitions by year 5, from 12)'."""
    then, last = projection.years[year], projection.years[-1]
    if last.year == year:
        return ""
    if last.capacity_needed is not None:
        if then.capacity_needed is not None and (
                fig.rate(last.capacity_needed) == fig.rate(then.capacity_needed)):
            return ""
        return f"; a handler faster than {fig.rate(last.capacity_needed)} by year {last.year}"
    text = ""
    if last.instances_needed != then.instances_needed:
        text = f"; {fig.whole(last.instances_needed)} by year {last.year}"
    if (projection.partitions is not None and last.partitions_needed is not None
            and last.partitions_needed != projection.partitions
            and last.partitions_needed != then.partitions_needed):
        text = text or f"; {fig.whole(last.instances_needed)} by year {last.year}"
        text += (f" (with {fig.whole(last.partitions_needed)} partitions by year {last.year}, "
                 f"from {fig.whole(projection.partitions)})")
    return text


class Hotspot(Rule):
    """A component or broker carries a disproportionate share of all traffic or fan-in.

    Why: an element that most messages pass through, or that most producers send to, is
    where an outage, a slow release or a schema change hurts everything at once; it
    deserves the most capacity margin, monitoring and care, and sometimes a split. A
    component is a hotspot when it receives at least half of all messages delivered to
    components at peak (and at least twice its fair share, among 3 or more consumers),
    or when at least 4 components send to it, twice the average fan-in. A broker is one
    when it carries at least half of all broker traffic and twice its fair share, among
    3 or more brokers. Informational.

    Fails:

        flow a -> hub : M { via bus  peak 900/s }
        flow b -> x : M { via bus  peak 50/s }
        flow c -> y : M { via bus  peak 50/s }     # hub takes 90% of all deliveries

    Passes:

        flow a -> hub : M { via bus  peak 300/s }
        flow b -> x : M { via bus  peak 300/s }
        flow c -> y : M { via bus  peak 300/s }
    """

    code = "C305"
    name = "hotspot"
    summary = "a component or broker carries a disproportionate share of all traffic or fan-in"
    severity = Severity.INFO

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        model = ctx.model
        loads = consumer_loads(ctx)
        total = sum(load.peak for load in loads.values())
        reasons: dict[str, list[str]] = {}
        if len(loads) >= HOTSPOT_MIN_PEERS and total > 0:
            limit = max(HOTSPOT_SHARE, 2.0 / len(loads))
            for name, load in loads.items():
                if fig.stable(load.peak / total) >= limit:
                    reasons.setdefault(name, []).append(
                        f"takes {fig.percent(load.peak / total)} of all messages delivered to "
                        f"components ({fig.rate(load.peak)} of {fig.rate(total)} at peak, "
                        f"{len(loads)} consumer components)")
        producers: dict[str, set[str]] = {}
        for flow in model.flows:
            if not model.resolved(flow):
                continue
            for consumer in flow.consumers:
                if not model.components[consumer].external and consumer != flow.producer:
                    producers.setdefault(consumer, set()).add(flow.producer)
        if producers:
            mean = sum(len(p) for p in producers.values()) / len(producers)
            for name in sorted(producers):
                fan_in = len(producers[name])
                if fan_in >= HOTSPOT_FAN_IN and fan_in >= 2 * mean:
                    reasons.setdefault(name, []).append(
                        f"receives from {fan_in} components "
                        f"({fig.names(sorted(producers[name]))}), against an average fan-in of "
                        f"{fig.number(mean, 2)}")
        for name in sorted(reasons):
            yield Finding(
                model.components[name],
                f"component '{name}' is a hotspot: it {' and '.join(reasons[name])}",
                hint=("give it the most capacity margin and monitoring; consider splitting "
                      "it if its inputs are unrelated. model: " + load_analysis.LOAD_MODEL),
            )
        facts = broker_facts(ctx)
        brokers = {name: load for name, load in broker_loads(ctx).items()
                   if load.peak.messages > 0 and facts[name].model != "brokerless"}
        total = sum(load.peak.messages for load in brokers.values())
        if len(brokers) >= HOTSPOT_MIN_PEERS and total > 0:
            limit = max(HOTSPOT_SHARE, 2.0 / len(brokers))
            for name, load in brokers.items():
                share = load.peak.messages / total
                if fig.stable(share) >= limit:
                    yield Finding(
                        model.brokers[name],
                        f"broker '{name}' is a hotspot: it carries {fig.percent(share)} of all "
                        f"broker traffic ({fig.rate(load.peak.messages)} of {fig.rate(total)} "
                        f"at peak, {len(brokers)} brokers)",
                        hint=f"size and monitor it first; an outage here stops most flows. "
                             f"model: {load.model}",
                    )


class IsolateHeavyFlow(Rule):
    """A high-throughput flow shares a broker with latency-sensitive flows.

    Why: on a shared broker the heavy flow's bursts, backlogs and disk or network
    saturation delay every other flow; latency-sensitive flows (a `latency` budget of
    100 ms or less, or request-reply) then miss their budgets for reasons that have
    nothing to do with them. A flow is heavy when it carries at least half of its
    broker's messages at peak, at least 1000/s, and at least 10 times a sensitive flow's
    traffic. Advice: a separate broker, vhost or cluster for the heavy flow. Brokerless
    layers (zeromq, tibco-rv) have no shared broker and are skipped. Informational.

    Fails:

        flow sensors -> archive : Reading { via bus  peak 20k/s }
        flow web -> pricing : Quote { via bus  pattern request-reply  peak 100/s  latency 20ms }

    Passes:

        flow sensors -> archive : Reading { via stream  peak 20k/s }
        flow web -> pricing : Quote { via bus  pattern request-reply  peak 100/s  latency 20ms }
    """

    code = "C306"
    name = "isolate-heavy-flow"
    summary = "a high-throughput flow shares a broker with latency-sensitive flows"
    severity = Severity.INFO

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        facts = broker_facts(ctx)
        flows = flows_by_id(ctx)
        for name, load in broker_loads(ctx).items():
            if facts[name].model == "brokerless" or load.peak.messages <= 0:
                continue
            traffic = {t.flow: (t.peak * t.messages_per_produced if t.peak is not None else None)
                       for t in load.flows}
            sensitive = [t.flow for t in load.flows if _sensitive(flows[t.flow])]
            for heavy in load.flows:
                volume = traffic[heavy.flow]
                if volume is None or fig.stable(volume) < HEAVY_MIN_RATE:
                    continue
                share = volume / load.peak.messages
                if fig.stable(share) < HEAVY_SHARE:
                    continue
                victims = sorted(f for f in sensitive if f != heavy.flow and traffic[f] is not None
                                 and fig.stable(volume) >= fig.stable(HEAVY_RATIO * traffic[f]))
                if not victims:
                    continue
                yield Finding(
                    flows[heavy.flow],
                    f"flow {heavy.flow} carries {fig.percent(share)} of broker '{name}' "
                    f"({fig.rate(volume)} of {fig.rate(load.peak.messages)} in + out at peak) "
                    f"and shares it with latency-sensitive {fig.names(victims)}: its bursts "
                    f"and backlogs delay them; a separate broker or cluster for it keeps them apart",
                    hint=f"move the heavy flow with `via OTHER` to a broker of its own. "
                         f"model: {load.model}",
                    related=tuple(Related(flows[v].span, f"{v}: latency-sensitive, "
                                                         f"{fig.rate(traffic[v])} in + out at peak")
                                  for v in victims),
                )


def _sensitive(flow) -> bool:
    return flow.is_request_reply or (flow.latency is not None and flow.latency <= SENSITIVE_LATENCY_S)


class CapacityUnknown(Rule):
    """Capacity checks skipped a part of the model because an input is missing.

    Why: msgarch never guesses a capacity or a rate. A component without `capacity`, a
    broker whose profile publishes no throughput figure (and that declares no
    `capacity N/s per node`), or a flow with neither `rate` nor `peak` cannot be
    checked by C301-C304, so its overload would go unnoticed. This note lists them once
    per model. External components are never capacity subjects, and managed services
    without a published figure (sqs, sns) have no nodes to size.

    Fails:

        component billing                       # no capacity
        flow orders -> billing : Invoice { via jobs  rate 50/s }

    Passes:

        component billing { instances 2  capacity 100/s }
        flow orders -> billing : Invoice { via jobs  rate 50/s }
    """

    code = "C307"
    name = "capacity-unknown"
    summary = "capacity checks skipped where a capacity or a rate is missing (listed once per model)"
    severity = Severity.INFO

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        model = ctx.model
        missing: list[tuple[Any, str]] = []  # (element, what)
        parts = []
        components = [model.components[name] for name, load in consumer_loads(ctx).items()
                      if load.estimate is None]
        if components:
            parts.append(f"no `capacity` on {fig.plural(len(components), 'component')} "
                         f"({fig.names([c.name for c in components])})")
            missing += [(c, f"{c.name}: no `capacity`, load not checked") for c in components]
        facts = broker_facts(ctx)
        # a broker whose profile file is broken has its E003; saying "no profile" again would mislead
        brokers = [model.brokers[name] for name, load in broker_loads(ctx).items()
                   if load.flows and facts[name].per_node is None and facts[name].sized
                   and name not in ctx.broken_profiles]
        if brokers:
            why = "; ".join(f"{b.name}: {facts[b.name].capacity_source}" for b in brokers)
            parts.append(f"no throughput figure for {fig.plural(len(brokers), 'broker')} ({why})")
            missing += [(b, f"{b.name}: no throughput figure, traffic not checked") for b in brokers]
        flows = sorted((f for f in model.flows if model.resolved(f) and f.peak_rate is None),
                       key=lambda f: f.id)
        if flows:
            parts.append(f"neither `rate` nor `peak` on {fig.plural(len(flows), 'flow')} "
                         f"({fig.names([f.id for f in flows])})")
            missing += [(f, f"{f.id}: no `rate` or `peak`, left out of every load") for f in flows]
        if not missing:
            return
        missing.sort(key=lambda item: (item[0].span.path, item[0].span.line, item[0].span.column))
        first = missing[0][0]
        yield Finding(
            first,
            "capacity checks skipped where inputs are missing (never guessed): " + "; ".join(parts),
            hint=("declare `capacity N/s` on components, `capacity N/s per node` on brokers "
                  "and `rate`/`peak` on flows to have them checked"),
            related=tuple(Related(element.span, note) for element, note in missing[1:]),
        )
