"""Traffic into each consumer and through each broker, flow latency and burst backlog."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Collection, Mapping

from msgarch.analysis.queueing import QueueEstimate, broadcast, mixed, mmc, partitioned
from msgarch.model.model import Broker, Flow, Model

#: How long a burst at ``peak`` lasts when nothing says otherwise (L402): one minute.
BURST_S = 60.0

#: Which brokers give each partition to one consumer (kafka, pulsar per partition,
#: sqs-fifo per group, rabbitmq single-active-consumer): a collection of broker *names*,
#: or a test applied to each Broker (so a caller can decide from its kind and version).
PerPartition = Collection[str] | Callable[[Broker], bool]

#: Which brokers have no competing consumers (redis-pubsub, tibco-rv, sns): every instance
#: connection of a consumer receives every message. Same two forms as ``PerPartition``.
Broadcast = Collection[str] | Callable[[Broker], bool]

LOAD_MODEL = ("lambda = sum of delivered rates (pubsub: the full rate to each subscribing "
              "component; queue and request-reply: one copy, shared by the instances of "
              "the consumer components), flow peaks assumed to coincide")


@dataclass(frozen=True)
class FlowShare:
    """What one flow delivers to one consumer component."""

    flow: str
    broker: str
    share: float  # fraction of the flow's messages the component receives
    rate: float | None  # msg/s delivered, average; None when the flow has no rate
    peak: float | None  # msg/s delivered at peak; None when the flow has neither
    partitions: int | None  # set when the broker gives each partition to one consumer
    broadcast: bool = False  # the broker has no competing consumers: every instance gets it all
    total_order: bool = False  # `ordered` without `by`: one order for the whole flow
    channel: str | None = None  # derived flows: the channel consumed, and its type
    channel_type: str = ""
    service_s: float | None = None  # the consume's typical `processing` time, when it states one
    #: why every instance receives it when that is not the broker's only delivery: a v1
    #: `pattern pubsub` flow on a broker whose subscriptions are per connection (the fact)
    broadcast_why: str = ""
    #: handlers at work at once in one instance (`concurrency`, bounded by `prefetch`
    #: where the profile says prefetch bounds what is in flight); used with `processing`
    parallel: int = 1
    parallel_note: str = ""
    #: deliveries per message with retries (`failure-rate` r and `on-error`): up to 1/(1-r)
    attempts: float = 1.0
    attempts_note: str = ""


@dataclass(frozen=True)
class ConsumerLoad:
    """The arrivals at one consumer component and, when its capacity is known, its queue.

    ``rate`` and ``peak`` sum what is known; flows without the figure are listed.
    ``estimate`` is the queue at peak (for overload and latency), ``estimate_at_rate``
    the queue at the average rate; both are None when the capacity is unknown.
    """

    model: str
    component: str
    instances: int
    capacity: float | None  # msg/s one instance processes
    shares: tuple[FlowShare, ...]
    rate: float
    peak: float
    unrated_flows: tuple[str, ...]  # no `rate`: left out of ``rate``
    unknown_flows: tuple[str, ...]  # neither `rate` nor `peak`: left out of both
    estimate: QueueEstimate | None
    estimate_at_rate: QueueEstimate | None

    @property
    def flows(self) -> tuple[str, ...]:
        return tuple(share.flow for share in self.shares)

    @property
    def partitioned(self) -> bool:
        return self.estimate is not None and self.estimate.partitions is not None


@dataclass(frozen=True)
class FlowTraffic:
    """The messages one flow puts through its broker, per message produced."""

    flow: str
    broker: str
    copies: float  # deliveries per produced message: consumer components for pubsub, else 1
    external_copies: float  # the part of ``copies`` delivered to external components
    replies: bool  # request-reply: each request also produces and delivers one reply
    message_size: float | None  # bytes
    rate: float | None  # msg/s produced, average
    peak: float | None  # msg/s produced at peak
    retention: float | None  # seconds the broker keeps messages; None: not retained
    produced: float = 1.0  # produces per message of ``rate`` (below 1 when a derived flow
    #                         shares one publish with other channels on the same broker)

    @property
    def messages_per_produced(self) -> float:
        """Broker messages (in + out) per request: 1 produce + copies (+ 2 for the reply)."""
        return self.produced + self.copies + (2.0 if self.replies else 0.0)


@dataclass(frozen=True)
class Traffic:
    """A broker's traffic at one rate (average or peak), in msg/s and bytes/s.

    Identity: messages = produced + delivered + 2 x replies (a reply is produced once and
    delivered once). ``delivered`` includes ``delivered_to_external``.
    """

    produced: float
    delivered: float
    delivered_to_external: float
    replies: float
    messages: float
    bytes_per_s: float | None  # None when a flow's message size is unknown
    unknown_rate_flows: tuple[str, ...]  # left out of every figure
    unsized_flows: tuple[str, ...]  # why ``bytes_per_s`` is None


@dataclass(frozen=True)
class ProcessLoad:
    """What one component's processes send and receive through a brokerless library.

    ``fixed`` is what each instance carries whatever the count (every instance receives
    every message of a broadcast flow); ``split`` is what its instances share (the sends
    of what it publishes, one copy per subscriber connection, and its share of a
    competing flow). One instance carries ``fixed + split / instances`` msg/s.
    """

    component: str
    instances: int
    fixed: float
    split: float

    @property
    def per_instance(self) -> float:
        return self.fixed + self.split / self.instances


@dataclass(frozen=True)
class BrokerLoad:
    """Traffic, utilisation and retained storage of one broker."""

    model: str
    broker: str
    kind: str
    nodes: int  # declared, else 1
    replication: int  # declared, else 1
    capacity_per_node: float | None  # msg/s
    capacity: float | None  # msg/s, nodes x capacity per node
    flows: tuple[FlowTraffic, ...]
    average: Traffic
    peak: Traffic
    utilisation: float | None  # peak messages / capacity
    utilisation_at_rate: float | None
    storage_bytes: float | None  # retained flows; None when one lacks a rate or a size
    retained_flows: tuple[str, ...]
    storage_unknown_flows: tuple[str, ...]
    storage_capacity_bytes: float | None  # nodes x storage per node, when declared
    #: brokerless kinds (zeromq, tibco-rv): no broker process; the library runs in each
    #: producer and consumer process, so the load to size is the busiest process's, at
    #: peak and at the average rate, against the per-process figure (``capacity_per_node``)
    busiest_process: ProcessLoad | None = None
    busiest_process_at_rate: ProcessLoad | None = None

    @property
    def brokerless(self) -> bool:
        return self.busiest_process is not None


@dataclass(frozen=True)
class LatencyPart:
    """One term of a latency estimate; ``seconds`` is None when it was left out."""

    name: str
    seconds: float | None
    flow: str
    component: str | None
    depth: int  # 0: the flow itself; 1: a call its consumer makes before answering; ...
    left_out_because: str = ""  # capacity-unknown, external, overloaded, no-latency-class, cycle


@dataclass(frozen=True)
class LatencyEstimate:
    """Send-to-processed (request-reply: send-to-reply) p99 estimate of one flow.

    The sum of per-hop p99s, which bounds the p99 of the sum from above for independent
    hops. For a flow with several consumer components it is the slowest one's path.
    ``total_s`` sums the known terms only: with ``left_out`` non-empty it is a lower
    bound, and with ``bounded`` False a consumer on the path is overloaded and the real
    latency grows without bound.
    """

    model: str
    flow: str
    consumer: str | None
    total_s: float
    parts: tuple[LatencyPart, ...]
    left_out: tuple[str, ...]
    unknown_capacity: tuple[str, ...]  # components whose queueing terms were left out
    bounded: bool

    @property
    def complete(self) -> bool:
        return not self.left_out


@dataclass(frozen=True)
class BacklogEstimate:
    """The backlog a burst at peak leaves at one consumer component, and its drain time."""

    model: str
    component: str
    burst_s: float
    peak_rate: float
    average_rate: float
    capacity: float  # msg/s the working consumers process together
    backlog: float  # messages queued when the burst ends
    drain_s: float | None  # None: the average rate alone keeps it from draining
    per_instance: bool = False  # broadcast group: every figure is one instance's


def delivery_shares(model: Model, flow: Flow) -> dict[str, float]:
    """The fraction of the flow's messages each of its consumer components receives.

    pubsub: every subscribing component receives every message. Queue and request-reply:
    each message reaches one consumer instance; when several components compete for one
    queue the broker spreads messages over all their instances, so each component's share
    is its share of the instances.
    """
    consumers = list(dict.fromkeys(flow.consumers))
    if flow.derived:
        # a derived flow knows its groups: each group gets every message, shared by
        # the instances of its members; a component in two groups gets both shares
        shares: dict[str, float] = {}
        for group in flow.groups:
            weights = {name: _instances(model, name) for name in dict.fromkeys(group)}
            total = sum(weights.values())
            for name, weight in weights.items():
                shares[name] = shares.get(name, 0.0) + weight / total
        return shares
    if flow.pattern == "pubsub":
        return {name: 1.0 for name in consumers}
    weights = {name: _instances(model, name) for name in consumers}
    total = sum(weights.values())
    return {name: weight / total for name, weight in weights.items()}


def consumer_loads(model: Model, headroom: float | None = None,
                   per_partition: PerPartition = (),
                   broadcast: Broadcast = (),
                   pubsub_broadcast: Mapping[str, str] | Collection[str] = (),
                   consume_vocabulary: Mapping[str, Mapping] | None = None) -> dict[str, ConsumerLoad]:
    """The load on every non-external component that receives at least one resolved flow.

    mu is the component's ``capacity`` and c its ``instances``; a capacity that is unset
    or not positive counts as unknown. When a flow into the component passes through a
    ``broadcast`` broker (no competing consumers), every instance receives every one of
    its messages whatever the pattern: the queue is one M/M/1 per instance at the full
    rate (other flows split evenly over the instances). Otherwise, when every flow
    passes through a ``per_partition`` broker and declares ``partitions``, it is one
    M/M/1 per partition (their partitions pooled, assumed evenly loaded); when only some
    do, each of those flows on its own partitions and the others shared by every instance
    (``queueing.mixed``: the busiest consumer's M/M/1); else M/M/c, and the model string
    says when partitions were ignored. A v1 `pattern pubsub` flow through a
    ``pubsub_broadcast`` broker (a subscription is per connection: zeromq SUB, NATS plain
    subscriptions, MQTT non-shared ones; mapped to the profile fact that says so) reaches
    every subscribing instance, as on a broadcast broker. Replies of request-reply flows
    are not counted as work for the requester. Keys are sorted.
    """
    limit = model.system.headroom if headroom is None else headroom
    is_per_partition = _broker_test(model, per_partition)
    is_broadcast = _broker_test(model, broadcast)
    shares: dict[str, list[FlowShare]] = {}
    processing = {(c.component, c.channel, c.message): c.settings["processing"][0]
                  for c in model.consumes if "processing" in c.settings}
    consumes = {(c.component, c.channel, c.message): c for c in model.consumes}
    vocabulary = consume_vocabulary or {}
    per_connection = _pubsub_facts(pubsub_broadcast)
    for flow in _resolved_flows(model):
        why = _per_connection(flow, per_connection)
        everyone = (flow.broadcast if flow.broadcast is not None
                    else is_broadcast(flow.via) or bool(why))
        by_partition = flow.per_partition if flow.per_partition is not None else is_per_partition(flow.via)
        partitions = (flow.partitions if flow.partitions and flow.partitions > 0
                      and by_partition and not everyone else None)
        delivered = (dict.fromkeys(flow.consumers, 1.0) if everyone
                     else delivery_shares(model, flow))
        for name, share in delivered.items():
            if model.components[name].external:
                continue
            consume = consumes.get((name, flow.channel, flow.message)) if flow.derived else None
            vocab = vocabulary.get(flow.via, {})
            parallel, parallel_note = _parallelism(consume, vocab, _instances(model, name))
            attempts, attempts_note = _attempts(consume, vocab)
            share = share * attempts  # retries deliver the same message again
            shares.setdefault(name, []).append(FlowShare(
                flow=flow.id, broker=flow.via, share=share,
                rate=None if flow.rate is None else flow.rate * share,
                peak=None if flow.peak_rate is None else flow.peak_rate * share,
                partitions=partitions,
                broadcast=everyone,
                total_order=flow.ordered and not flow.ordered_by,
                channel=flow.channel,
                channel_type=model.channels[flow.channel].type if flow.channel in model.channels else "",
                service_s=processing.get((name, flow.channel, flow.message)) if flow.derived else None,
                broadcast_why=why if everyone and not is_broadcast(flow.via) else "",
                parallel=parallel, parallel_note=parallel_note,
                attempts=attempts, attempts_note=attempts_note,
            ))
    return {name: _consumer_load(model, name, tuple(shares[name]), limit, is_per_partition)
            for name in sorted(shares)}


def broker_loads(model: Model,
                 capacity_per_node: Mapping[str, float | None] | None = None,
                 broadcast: Broadcast = (),
                 nodes: Mapping[str, int] | None = None,
                 pubsub_broadcast: Mapping[str, str] | Collection[str] = (),
                 brokerless: Collection[str] = ()) -> dict[str, BrokerLoad]:
    """Traffic through every broker of the model, keyed and sorted by broker name.

    Messages in + out = produced + delivered copies (rate x consumer components for
    pubsub, x1 for queue and request-reply; on a ``broadcast`` broker, without competing
    consumers, x the instances of every consumer component, since each instance
    connection receives its own copy). A request-reply flow also carries its reply
    back through the same broker: one more produce and one more delivery per request.
    The model does not declare reply messages, so a reply is taken to be as large as
    its request. Bytes/s = messages x message size; a flow whose size is unknown makes
    the broker's bytes unknown (listed in ``unsized_flows``). ``capacity_per_node`` maps
    broker names to msg/s per node (the profile's figure); a broker's own
    ``capacity_per_node`` overrides it. Storage counts retained flows only:
    average rate x size x retention x replication. ``nodes`` maps broker names to the
    nodes that carry traffic (default: the declared ``nodes``, else 1).
    """
    capacities = capacity_per_node or {}
    is_broadcast = _broker_test(model, broadcast)
    per_connection = _pubsub_facts(pubsub_broadcast)
    brokerless = frozenset(brokerless)
    traffic: dict[str, list[FlowTraffic]] = {name: [] for name in model.brokers}
    consumes = {(c.component, c.channel, c.message): c for c in model.consumes}
    for flow in _resolved_flows(model):
        everyone = (flow.broadcast if flow.broadcast is not None
                    else is_broadcast(flow.via) or bool(_per_connection(flow, per_connection)))
        shares = ({name: float(_instances(model, name)) for name in dict.fromkeys(flow.consumers)}
                  if everyone else delivery_shares(model, flow))
        if flow.derived:  # a retried message is delivered again (failure-rate and on-error)
            shares = {name: share * _attempts(consumes.get((name, flow.channel, flow.message)), {})[0]
                      for name, share in shares.items()}
        size = model.messages[flow.message].size
        traffic[flow.via].append(FlowTraffic(
            flow=flow.id, broker=flow.via,
            copies=sum(shares.values()),
            external_copies=sum(share for name, share in shares.items()
                                if model.components[name].external),
            replies=flow.is_request_reply,
            message_size=size,
            rate=flow.rate, peak=flow.peak_rate, retention=flow.retention,
            produced=flow.produce_share,
        ))
        for broker in flow.transit:  # a broker crossed on the way (SNS before SQS): in and out once
            if broker in traffic:
                traffic[broker].append(FlowTraffic(
                    flow=flow.id, broker=broker, copies=1.0, external_copies=0.0, replies=False,
                    message_size=size, rate=flow.rate, peak=flow.peak_rate, retention=None,
                    produced=flow.produce_share))
    node_counts = nodes or {}
    loads = {name: _broker_load(model.brokers[name], tuple(traffic[name]),
                                capacities.get(name), is_broadcast(name), node_counts.get(name))
             for name in sorted(model.brokers)}
    for name in sorted(set(brokerless) & set(loads)):
        if loads[name].flows:
            loads[name] = _brokerless(model, loads[name], is_broadcast, per_connection)
    return loads


def _process_loads(model: Model, broker: str, at_peak: bool, is_broadcast,
                   per_connection: Mapping[str, str]) -> dict[str, ProcessLoad]:
    """Per component: what its processes send and receive through a brokerless broker."""
    fixed: dict[str, float] = {}
    split: dict[str, float] = {}

    def add(table: dict[str, float], name: str, value: float) -> None:
        component = model.components.get(name)
        if component is not None and not component.external:
            table[name] = table.get(name, 0.0) + value

    for flow in _resolved_flows(model):
        if flow.via != broker:
            continue
        rate = flow.peak_rate if at_peak else (flow.rate if flow.rate is not None else flow.peak_rate)
        if rate is None:
            continue
        everyone = (flow.broadcast if flow.broadcast is not None
                    else is_broadcast(flow.via) or bool(_per_connection(flow, per_connection)))
        if everyone:
            copies = {name: float(_instances(model, name)) for name in dict.fromkeys(flow.consumers)}
        else:
            copies = delivery_shares(model, flow)
        produced = rate * flow.produce_share
        # the publisher sends one copy per subscriber connection (PUB to each SUB)
        add(split, flow.producer, produced * sum(copies.values()))
        if flow.is_request_reply:
            add(split, flow.producer, rate)  # the replies it receives
        for name, share in copies.items():
            if everyone:
                add(fixed, name, rate)
            else:
                add(split, name, rate * share)
            if flow.is_request_reply:
                add(split, name, rate * (1.0 if everyone else share))  # the replies it sends
    return {name: ProcessLoad(name, _instances(model, name), fixed.get(name, 0.0),
                              split.get(name, 0.0))
            for name in sorted(set(fixed) | set(split))}


def _brokerless(model: Model, load: BrokerLoad, is_broadcast, per_connection) -> BrokerLoad:
    """A brokerless broker's load: its busiest process against the per-process figure."""
    def busiest(at_peak: bool) -> ProcessLoad | None:
        processes = _process_loads(model, load.broker, at_peak, is_broadcast, per_connection)
        if not processes:
            return None
        return max(processes.values(), key=lambda p: (p.per_instance, p.component))

    peak, average = busiest(True), busiest(False)
    if peak is None:
        return load
    per_process = load.capacity_per_node
    return replace(
        load,
        model=(f"no broker process ({load.kind} is a library in each process): the busiest "
               "process, sending one copy per subscriber connection of what it publishes and "
               "receiving what reaches it (every message of a broadcast flow; its share of a "
               "competing one), against the per-process figure; utilisation = busiest "
               "process msg/s / per-process figure"),
        nodes=1,
        capacity=per_process,
        utilisation=None if not per_process else peak.per_instance / per_process,
        utilisation_at_rate=(None if not per_process or average is None
                             else average.per_instance / per_process),
        busiest_process=peak,
        busiest_process_at_rate=average,
    )


def flow_latency(model: Model, flow: Flow, consumer_loads: Mapping[str, ConsumerLoad],
                 broker_latency_p99: Mapping[str, float]) -> LatencyEstimate:
    """Estimate a resolved flow's p99 latency, term by term.

    broker latency class (``broker_latency_p99``, keyed by broker name) + p99 queueing
    wait at the consumer (from its ``consumer_loads`` estimate at peak) + one service
    time 1/mu; for request-reply, the same again for every request-reply flow the
    consumer makes before it can answer (taken as sequential calls, recursively), + the
    reply hop (one more broker latency). A call that would close a request-reply cycle is
    not followed; a ``cycle`` term records where the cycle was cut.
    """
    if not model.resolved(flow):
        raise ValueError(f"flow {flow.id!r} names undeclared elements: resolve it first")
    calls: dict[str, list[Flow]] = {}
    for other in _resolved_flows(model):
        if other.is_request_reply:
            calls.setdefault(other.producer, []).append(other)

    def broker_part(of: Flow, name: str, depth: int) -> LatencyPart:
        seconds = broker_latency_p99.get(of.via)
        return LatencyPart(f"{name} ({of.via})", seconds, of.id, None, depth,
                           "" if seconds is not None else "no-latency-class")

    # consumer_path and slowest_path call each other once per request-reply hop; they are
    # generators that yield the call they need (`yield slowest_path(...)`) and _drive runs
    # them on an explicit stack, so a chain of hundreds of hops cannot exhaust the stack.
    def consumer_path(of: Flow, consumer: str, depth: int,
                      visiting: frozenset[str]):
        parts = [broker_part(of, "broker latency p99", depth)]
        load = consumer_loads.get(consumer)
        wait_name = f"queueing wait p99 at {consumer}"
        service_name = f"service time at {consumer}"
        if model.components[consumer].external:
            parts += [LatencyPart(wait_name, None, of.id, consumer, depth, "external"),
                      LatencyPart(service_name, None, of.id, consumer, depth, "external")]
        elif load is None or load.estimate is None:
            parts += [LatencyPart(wait_name, None, of.id, consumer, depth, "capacity-unknown"),
                      LatencyPart(service_name, None, of.id, consumer, depth,
                                  "capacity-unknown")]
        else:
            estimate = load.estimate
            parts += [LatencyPart(wait_name, estimate.wait_p99_s, of.id, consumer, depth,
                                  "" if estimate.stable else "overloaded"),
                      LatencyPart(service_name, estimate.handler_s or estimate.service_time_s,
                                  of.id, consumer, depth)]
        if of.is_request_reply:
            for call in calls.get(consumer, ()):
                if call.id in visiting:
                    parts.append(LatencyPart(f"request-reply cycle back to {call.id}", None,
                                             call.id, consumer, depth + 1, "cycle"))
                else:
                    parts += (yield slowest_path(call, depth + 1, visiting | {call.id}))[1]
            parts.append(broker_part(of, "reply hop", depth))
        return parts

    def slowest_path(of: Flow, depth: int,
                     visiting: frozenset[str]):
        consumers = sorted(set(of.consumers))
        if not consumers:
            return None, [broker_part(of, "broker latency p99", depth)]
        paths = []
        for name in consumers:
            paths.append((name, (yield consumer_path(of, name, depth, visiting))))
        return max(paths, key=lambda path: (not _bounded(path[1]), _known_total(path[1])))

    consumer, parts = _drive(slowest_path(flow, 0, frozenset({flow.id})))
    return LatencyEstimate(
        model=("sum of per-hop p99s: broker latency class + M/M/c (or per-partition M/M/1) "
               "p99 wait at peak + one service time 1/mu, request-reply calls made "
               "before answering taken as sequential, + the reply hop"),
        flow=flow.id,
        consumer=consumer,
        total_s=_known_total(parts),
        parts=tuple(parts),
        left_out=tuple(part.name for part in parts if part.seconds is None),
        unknown_capacity=tuple(dict.fromkeys(
            part.component for part in parts
            if part.left_out_because == "capacity-unknown" and part.component is not None)),
        bounded=_bounded(parts),
    )


def _drive(generator):
    """Run a generator that yields the generators whose results it needs (each sent back
    to it when done) with an explicit stack instead of Python recursion; its return value."""
    stack, value = [generator], None
    while True:
        try:
            needed = stack[-1].send(value)
        except StopIteration as done:
            stack.pop()
            if not stack:
                return done.value
            value = done.value
            continue
        stack.append(needed)
        value = None


def backlog_drain_time(peak_rate: float, average_rate: float, capacity: float,
                       burst_s: float = BURST_S) -> float | None:
    """Seconds to drain what a burst at peak leaves behind, once arrivals fall back.

    A burst of ``burst_s`` seconds (one minute unless told) at ``peak_rate`` against
    ``capacity`` (c x mu) leaves (peak - c*mu) x T messages queued; they drain at
    c*mu - average. 0 when the burst builds no backlog; None when the backlog never
    drains (the average rate alone fills the capacity).
    """
    for name, value in (("peak rate", peak_rate), ("average rate", average_rate),
                        ("capacity", capacity), ("burst", burst_s)):
        if value < 0:
            raise ValueError(f"{name} must not be negative, not {value!r}")
    backlog = max(0.0, peak_rate - capacity) * burst_s
    if backlog == 0:
        return 0.0
    if average_rate >= capacity:
        return None
    return backlog / (capacity - average_rate)


def consumer_backlog(load: ConsumerLoad, burst_s: float = BURST_S) -> BacklogEstimate | None:
    """``backlog_drain_time`` for one consumer component; None when its capacity is unknown.

    The burst is every flow into the component at peak at once; the average rate uses a
    flow's peak when it has no rate (conservative). The capacity is the working consumers
    (for partitions: those holding a partition) times mu. In a broadcast group every
    instance receives every message, so the figures are one instance's: its arrivals
    against its own mu (``per_instance``).
    """
    estimate = load.estimate
    if estimate is None:
        return None
    averages = [(share, share.rate if share.rate is not None else (share.peak or 0.0))
                for share in load.shares]
    if estimate.broadcast:
        instances = estimate.consumers
        average = sum(rate if share.broadcast else rate / instances for share, rate in averages)
        peak = estimate.arrival_rate
        capacity = estimate.service_rate
        how = (f"burst at peak for {burst_s:g} s builds (peak - mu) x T messages at each "
               f"instance, drained at mu - average rate")
    else:
        average = sum(rate for _, rate in averages)
        peak = load.peak
        capacity = estimate.servers * estimate.service_rate
        how = (f"burst at peak for {burst_s:g} s builds (peak - c*mu) x T messages, "
               f"drained at c*mu - average rate")
    backlog = max(0.0, peak - capacity) * burst_s
    return BacklogEstimate(
        model=f"{how}; {'mu' if estimate.broadcast else 'c*mu'} from {estimate.model}",
        component=load.component,
        burst_s=burst_s,
        peak_rate=peak,
        average_rate=average,
        capacity=capacity,
        backlog=backlog,
        drain_s=backlog_drain_time(peak, average, capacity, burst_s),
        per_instance=estimate.broadcast,
    )


def _consumer_load(model: Model, name: str, shares: tuple[FlowShare, ...], headroom: float,
                   is_per_partition: Callable[[str], bool]) -> ConsumerLoad:
    component = model.components[name]
    rate = sum(share.rate for share in shares if share.rate is not None)
    peak = sum(share.peak for share in shares if share.peak is not None)
    capacity = component.capacity if component.capacity and component.capacity > 0 else None
    from_processing = ""
    handler_s = None
    if capacity is None and shares and all(share.service_s for share in shares):
        capacity, from_processing, handler_s = _capacity_from_processing(shares)
    instances = max(component.instances, 1)
    estimate = at_rate = None
    if capacity is not None:
        partitions = [share.partitions for share in shares]
        if any(share.broadcast for share in shares):
            reason = _broadcast_reason(model, shares)

            def split(at_peak: bool) -> tuple[float, float]:
                everyone = other = 0.0
                for share in shares:
                    rate = share.peak if at_peak else share.rate
                    if share.broadcast:
                        everyone += rate or 0.0
                    else:
                        other += rate or 0.0
                return everyone, other

            everyone, other = split(True)
            estimate = broadcast(everyone, capacity, instances, headroom, other, reason)
            everyone, other = split(False)
            at_rate = broadcast(everyone, capacity, instances, headroom, other, reason)
        elif all(partitions):
            total = sum(partitions)
            note = "" if len(shares) == 1 else f"; partitions of {len(shares)} flows pooled"
            estimate = _with_note(partitioned(peak, capacity, instances, total, headroom), note)
            at_rate = _with_note(partitioned(rate, capacity, instances, total, headroom), note)
        elif any(partitions):
            # each partitioned flow on its own partitions, the others shared by every
            # instance: a flow without `partitions` must not hide another's bottleneck
            note = _mixed_note(shares, is_per_partition)

            def parts(at_peak: bool) -> tuple[list[tuple[float, int]], float]:
                split, other = [], 0.0
                for share in shares:
                    value = (share.peak if at_peak else share.rate) or 0.0
                    if share.partitions:
                        split.append((value, share.partitions))
                    else:
                        other += value
                return split, other

            estimate = _with_note(mixed(*parts(True), capacity, instances, headroom), note)
            at_rate = _with_note(mixed(*parts(False), capacity, instances, headroom), note)
        else:
            note = _shared_queue_note(shares, is_per_partition)
            estimate = _with_note(mmc(peak, capacity, instances, headroom), note)
            at_rate = _with_note(mmc(rate, capacity, instances, headroom), note)
    if from_processing and estimate is not None:
        estimate = replace(_with_note(estimate, from_processing), handler_s=handler_s)
        at_rate = replace(_with_note(at_rate, from_processing), handler_s=handler_s)
    retries = "".join(dict.fromkeys(share.attempts_note for share in shares if share.attempts_note))
    if retries and estimate is not None:
        estimate = _with_note(estimate, retries)
        at_rate = _with_note(at_rate, retries)
    queue = estimate.model if estimate is not None else "none (capacity unknown)"
    return ConsumerLoad(
        model=f"{LOAD_MODEL}; queue: {queue}",
        component=name,
        instances=instances,
        capacity=capacity,
        shares=shares,
        rate=rate,
        peak=peak,
        unrated_flows=tuple(share.flow for share in shares if share.rate is None),
        unknown_flows=tuple(share.flow for share in shares if share.peak is None),
        estimate=estimate,
        estimate_at_rate=at_rate,
    )


def _capacity_from_processing(shares: tuple[FlowShare, ...]) -> tuple[float, str, float]:
    """mu = k / mean typical `processing` time, weighted by each flow's peak rate (equal
    weights when no flow has a rate), k the handlers at work at once in one instance
    (`concurrency`, bounded by `prefetch`; the fewest over the component's consumes):
    (mu per instance, how, the mean handler time)."""
    weights = [(share.peak or 0.0, share.service_s) for share in shares]
    total = sum(w for w, _ in weights)
    if total > 0:
        mean = sum(w * s for w, s in weights) / total
    else:
        mean = sum(s for _, s in weights) / len(weights)
    parallel = min(share.parallel for share in shares)
    notes = list(dict.fromkeys(share.parallel_note for share in shares if share.parallel_note))
    if parallel == 1:
        why = "one message at a time per instance" + (f": {'; '.join(notes)}" if notes else "")
        how = (f"; mu = 1/{mean * 1000:.4g} ms = {1 / mean:.4g}/s per instance, from the consumes' "
               f"typical `processing` time (no `capacity` declared; {why})")
    else:
        how = (f"; mu = {parallel}/{mean * 1000:.4g} ms = {parallel / mean:.4g}/s per instance, from "
               f"the consumes' typical `processing` time and {parallel} handlers at work at once "
               f"({'; '.join(notes)}; no `capacity` declared); the {parallel} handlers of an "
               "instance are taken as one server that many times as fast: utilisation is exact, "
               "queueing waits approximate, and the latency counts the full handler time")
    return parallel / mean, how, mean


def _parallelism(consume, vocab: Mapping, instances: int) -> tuple[int, str]:
    """(handlers at work at once in one instance, how that was decided).

    ``concurrency N`` as written (else 1: the profile's own default is named when it has
    one msgarch cannot see, such as Celery's one process per CPU core), bounded by the
    prefetch where the profile says prefetch bounds what is in flight
    (``endpoints.consume.prefetch.in-flight``): per consumer, min(concurrency, prefetch);
    across the group, prefetch / instances; a Celery multiplier never binds. The prefetch
    is the one written, else the profile's default (the note says which)."""
    if consume is None:
        return 1, ""
    written = consume.settings.get("concurrency")
    described = vocab.get("concurrency") or {}
    if written is not None:
        concurrency = int(written)
        said = f"concurrency {concurrency} ({described.get('vendor', 'handlers per instance')}, written)"
    elif isinstance(described.get("default"), int):
        concurrency = int(described["default"])
        said = f"concurrency {concurrency} ({described.get('vendor')}, the profile's default)"
    else:
        concurrency = 1
        said = (f"concurrency not written ({described['vendor']}): {described['means']}"
                if described.get("means") else "concurrency not written: one handler per instance assumed")
    prefetch = vocab.get("prefetch") or {}
    mode = prefetch.get("in-flight", "none")
    if "prefetch" in consume.settings:
        limit, whose = consume.settings["prefetch"], "written"
    else:
        limit, whose = prefetch.get("default"), "the profile's default"
    vendor = prefetch.get("vendor", "prefetch")
    if mode in ("per-consumer", "per-group") and isinstance(limit, (int, float)) and limit > 0:
        cap = int(limit) if mode == "per-consumer" else max(1, int(limit) // max(instances, 1))
        if cap < concurrency:
            where = "per consumer" if mode == "per-consumer" else f"across the group's {instances} instances"
            return cap, (f"{said}, bounded by prefetch {int(limit)} ({vendor}, {whose}) in flight "
                         f"{where}: {cap} at work at once")
    return concurrency, said if (written is not None or described) else ""


def _attempts(consume, vocab: Mapping) -> tuple[float, str]:
    """Deliveries per message when handlers fail: with ``failure-rate`` r (each attempt
    failing independently) and ``on-error retry N``, 1 + r + ... + r^N; with a requeue
    that never gives up, 1/(1-r) (the bound); 1 for drop, dead-letter and reject. Never
    assumed: without a written ``failure-rate`` nothing is added, and the model says so
    where ``on-error`` would retry."""
    if consume is None:
        return 1.0, ""
    on_error = consume.settings.get("on-error")
    rate = consume.settings.get("failure-rate")
    retries = None
    if on_error is not None and getattr(on_error, "action", "") == "retry":
        retries = on_error.retries or 0
        words = f"on-error retry {retries}"
    elif on_error is not None and getattr(on_error, "action", "") == "requeue":
        words = "on-error requeue"
    else:
        return 1.0, ""
    if rate is None:
        return 1.0, (f"; retry traffic left out: {words} is written but no `failure-rate` (a "
                     "failure rate r would multiply the load by up to 1/(1 - r); msgarch never "
                     "assumes one)")
    if retries is None:
        limit = consume.settings.get("max-deliver") or consume.settings.get("delivery-limit")
        if limit:
            attempts = sum(rate ** k for k in range(int(limit)))
            bound = f"at most {int(limit)} deliveries"
        else:
            attempts = 1.0 / (1.0 - rate)
            bound = "requeued until it succeeds: the bound 1/(1 - r)"
    else:
        attempts = sum(rate ** k for k in range(retries + 1))
        bound = f"1 + r + ... + r^{retries}, below the bound 1/(1 - r) = {1 / (1 - rate):.4g}"
    return attempts, (f"; retries: failure-rate {rate * 100:.4g}% (written) with {words}: x{attempts:.4g} "
                      f"deliveries per message ({bound}; attempts fail independently)")


def _pubsub_facts(pubsub_broadcast: Mapping[str, str] | Collection[str]) -> dict[str, str]:
    if isinstance(pubsub_broadcast, Mapping):
        return dict(pubsub_broadcast)
    return {name: "" for name in pubsub_broadcast}


def _per_connection(flow: Flow, per_connection: Mapping[str, str]) -> str:
    """The profile fact when a v1 `pattern pubsub` flow reaches every subscribing
    instance on its broker (its subscriptions are per connection), else ''."""
    if flow.derived or flow.pattern != "pubsub" or flow.via not in per_connection:
        return ""
    return per_connection[flow.via] or f"broker '{flow.via}' delivers pub/sub per connection"


def _broadcast_reason(model: Model, shares: tuple[FlowShare, ...]) -> str:
    """'redis-pubsub has no competing consumers', naming the kinds of the brokers."""
    per_connection = list(dict.fromkeys(
        f"{model.brokers[share.broker].kind} delivers `pattern pubsub` to every subscribing "
        f"instance, as plain (unshared) subscriptions do: {share.broadcast_why}"
        for share in shares if share.broadcast and share.broadcast_why))
    if per_connection:
        rest = [share for share in shares if share.broadcast and not share.broadcast_why]
        return "; ".join(per_connection + ([_broadcast_reason(model, tuple(rest))] if rest else []))
    kinds = list(dict.fromkeys(
        f"{model.brokers[share.broker].kind} {share.channel_type} '{share.channel}'"
        if share.channel else model.brokers[share.broker].kind
        for share in shares if share.broadcast))
    if len(kinds) == 1:
        return f"{kinds[0]} has no competing consumers"
    return ", ".join(kinds[:-1]) + f" and {kinds[-1]} have no competing consumers"


def _shared_queue_note(shares: tuple[FlowShare, ...],
                       is_per_partition: Callable[[str], bool]) -> str:
    """Why a component behind a per-partition broker was still modelled as M/M/c."""
    through = [share for share in shares if is_per_partition(share.broker)]
    if not through:
        return ""
    if all(share.partitions is None for share in through):
        return "; partition count unknown, modelled as a shared queue (optimistic)"
    return "; partitioned and shared flows mixed, modelled as a shared queue (optimistic)"


def _mixed_note(shares: tuple[FlowShare, ...], is_per_partition: Callable[[str], bool]) -> str:
    """What the mixed model took as shared: flows through a per-partition broker without a
    `partitions` count are shared over every instance, which is optimistic."""
    unknown = [share.flow for share in shares
               if not share.partitions and is_per_partition(share.broker)]
    if not unknown:
        return ""
    names = ", ".join(unknown[:3]) + (f" and {len(unknown) - 3} more" if len(unknown) > 3 else "")
    return (f"; partition count unknown for {names}: shared over the instances "
            "(optimistic)")


def _with_note(estimate: QueueEstimate, note: str) -> QueueEstimate:
    return replace(estimate, model=estimate.model + note, note=note) if note else estimate


def _broker_load(broker: Broker, flows: tuple[FlowTraffic, ...],
                 profile_capacity: float | None, broadcasts: bool = False,
                 node_count: int | None = None) -> BrokerLoad:
    nodes = node_count if node_count is not None else (broker.nodes or 1)
    replication = broker.replication or 1
    per_node = broker.capacity_per_node if broker.capacity_per_node is not None else (
        profile_capacity)
    capacity = nodes * per_node if per_node else None
    average = _traffic(flows, at_peak=False)
    peak = _traffic(flows, at_peak=True)
    retained = [flow for flow in flows if flow.retention]
    everyone = ("; no competing consumers on this broker: x the instances of each"
                if broadcasts else "")
    unknown = tuple(flow.flow for flow in retained
                    if flow.rate is None or flow.message_size is None)
    storage = None if unknown else sum(
        flow.rate * flow.message_size * flow.retention * replication
        for flow in retained)
    return BrokerLoad(
        model=("messages = produced + delivered copies (pubsub: x consumer components"
               f"{everyone}) "
               "+ 2 per reply (request-reply; reply as large as its request); bytes = "
               "messages x message size; utilisation = peak messages / (nodes x capacity "
               "per node); storage = rate x size x retention x replication"),
        broker=broker.name,
        kind=broker.kind,
        nodes=nodes,
        replication=replication,
        capacity_per_node=per_node,
        capacity=capacity,
        flows=flows,
        average=average,
        peak=peak,
        utilisation=None if capacity is None else peak.messages / capacity,
        utilisation_at_rate=None if capacity is None else average.messages / capacity,
        storage_bytes=storage,
        retained_flows=tuple(flow.flow for flow in retained),
        storage_unknown_flows=unknown,
        storage_capacity_bytes=(nodes * broker.storage_per_node
                                if broker.storage_per_node is not None else None),
    )


def _traffic(flows: tuple[FlowTraffic, ...], at_peak: bool) -> Traffic:
    produced = delivered = external = replies = messages = size_known = 0.0
    unknown_rate: list[str] = []
    unsized: list[str] = []
    for flow in flows:
        rate = flow.peak if at_peak else flow.rate
        if rate is None:
            unknown_rate.append(flow.flow)
            continue
        produced += rate * flow.produced
        delivered += rate * flow.copies
        external += rate * flow.external_copies
        replies += rate if flow.replies else 0.0
        messages += rate * flow.messages_per_produced
        if flow.message_size is None:
            unsized.append(flow.flow)
        else:
            size_known += rate * flow.messages_per_produced * flow.message_size
    return Traffic(
        produced=produced,
        delivered=delivered,
        delivered_to_external=external,
        replies=replies,
        messages=messages,
        bytes_per_s=None if unsized else size_known,
        unknown_rate_flows=tuple(unknown_rate),
        unsized_flows=tuple(unsized),
    )


def _resolved_flows(model: Model) -> list[Flow]:
    return [flow for flow in model.flows if model.resolved(flow)]


def _instances(model: Model, name: str) -> int:
    component = model.components.get(name)
    return max(component.instances, 1) if component is not None else 1


def _broker_test(model: Model, per_partition: PerPartition) -> Callable[[str], bool]:
    """Turn either form of ``per_partition`` (or ``broadcast``) into a test on a broker name."""
    if callable(per_partition):
        return lambda name: name in model.brokers and bool(per_partition(model.brokers[name]))
    names = frozenset(per_partition)
    return lambda name: name in names


def _known_total(parts: list[LatencyPart] | tuple[LatencyPart, ...]) -> float:
    return sum(part.seconds for part in parts if part.seconds is not None)


def _bounded(parts: list[LatencyPart] | tuple[LatencyPart, ...]) -> bool:
    return all(part.left_out_because != "overloaded" for part in parts)
