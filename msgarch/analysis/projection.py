"""Consumer and broker loads projected year by year over the horizon (C304, `msgarch plan`).

Composes the other analysers: the load of a consumer component (``load.ConsumerLoad``)
is grown by ``growth.grown`` and re-run through the same queueing model (M/M/c, one
M/M/1 per partition, or one M/M/1 per instance where every instance receives every
message) with today's instances, so each year carries the utilisation and waits the
deployment of today would see, and the instances (or partitions) that keep it under the
headroom; where no count can (a broker without competing consumers, or partitions that
a totally ordered flow cannot gain), the capacity per instance that would. A broker
(``load.BrokerLoad``) is projected by ``growth.project`` for its throughput and for its
retained storage. Pure data; nothing is printed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from msgarch.analysis.figures import stable
from msgarch.analysis.growth import GrowthProjection, grown, project, years_until
from msgarch.analysis.load import BrokerLoad, ConsumerLoad
from msgarch.analysis.queueing import _instances_needed
from msgarch.analysis.queueing import (
    QueueEstimate, beyond, broadcast, mixed, mmc, partitioned, scaled_partitions,
)

GROWTH_MODEL = "compound growth: load in year t = load now x (1 + g)^t"


def short_model(estimate: QueueEstimate) -> str:
    """'M/M/4' for a shared queue; 'N x M/M/1' for the N M/M/1 queues the estimate
    computes: one per partition, one per consumer when consumers hold several partitions
    (6 x M/M/1 for 12 partitions over 6 consumers), one per instance on a broker without
    competing consumers."""
    if estimate.broadcast:
        return f"{estimate.consumers} x M/M/1"
    if estimate.partitions is not None:
        return f"{estimate.servers} x M/M/1"
    return f"M/M/{estimate.servers}"


def total_order_flows(load: ConsumerLoad) -> tuple[str, ...]:
    """The partitioned flows into the component that are `ordered` without `by`: their
    order is one sequence, so their partitions cannot be added."""
    return tuple(share.flow for share in load.shares
                 if share.total_order and share.partitions is not None)


@dataclass(frozen=True)
class ConsumerYear:
    """One consumer component in one year of the horizon, at peak rate."""

    year: int
    load: float  # msg/s at peak
    estimate: QueueEstimate  # with today's instances (and partitions)
    instances_needed: int  # to stay under headroom; never fewer than today's
    partitions_needed: int | None  # partitioned groups: fewest partitions that fit
    estimate_needed: QueueEstimate  # with ``instances_needed`` (and ``partitions_needed``)
    #: Set when no count of instances (or partitions) keeps it under headroom: the msg/s
    #: one instance must process to do so, with today's instances (``scaling_limit`` says why).
    capacity_needed: float | None = None


@dataclass(frozen=True)
class ConsumerProjection:
    component: str
    model: str  # the queueing model of today's estimate, with its notes
    capacity: float  # msg/s per instance
    instances: int
    partitions: int | None
    headroom: float
    growth: float
    horizon: int
    years: tuple[ConsumerYear, ...]  # 0..horizon
    years_until: float | None  # to utilisation = headroom with today's instances
    first_year_over: int | None  # first year at or over headroom; None: stays under
    #: Why more instances (or partitions) may not help, "" when they do: every instance
    #: receives every message, or a flow needs one total order over its partitions.
    scaling_limit: str = ""

    @property
    def today(self) -> ConsumerYear:
        return self.years[0]


@dataclass(frozen=True)
class BrokerYear:
    """One broker in one year: peak traffic, retained storage at the average rate."""

    year: int
    messages: float  # msg/s at peak (in + out)
    bytes_per_s: float | None  # at peak; None when a message size is unknown
    storage_bytes: float | None  # None when nothing is retained or a figure is missing
    utilisation: float | None  # with today's nodes; None without a capacity figure
    storage_utilisation: float | None  # with today's nodes; None without `storage per node`
    nodes_needed: int  # the larger of throughput and storage needs, never fewer than today


@dataclass(frozen=True)
class BrokerProjection:
    broker: str
    kind: str
    nodes: int
    replication: int
    capacity_per_node: float | None
    storage_per_node: float | None
    headroom: float
    growth: float
    horizon: int
    years: tuple[BrokerYear, ...]
    throughput: GrowthProjection | None  # None without a capacity figure
    storage: GrowthProjection | None  # None without storage per node or a storage figure
    #: brokerless kinds: the busiest process (``throughput`` is its load against the
    #: per-process figure, ``throughput.needed`` instances of its component), and per
    #: year the instances that keep it under headroom (None: no count can)
    process: object | None = None
    process_needed: tuple[int | None, ...] = ()


def _estimate_like(today: QueueEstimate, arrival: float, scale: float, instances: int,
                   partitions: int | None, headroom: float) -> QueueEstimate:
    """Today's model at another load (``arrival`` in all, ``scale`` x today's) and count,
    with today's caveats."""
    if today.broadcast:
        estimate = broadcast(today.broadcast_rate * scale, today.service_rate, instances,
                             headroom, today.shared_rate * scale, today.broadcast_reason)
    elif today.mixed:
        parts = tuple((rate * scale, count) for rate, count in today.partition_rates)
        if partitions and partitions != today.partitions:
            parts = scaled_partitions(parts, partitions)
        estimate = mixed(parts, today.shared_rate * scale, today.service_rate, instances, headroom)
    elif today.partitions is not None:
        estimate = partitioned(arrival, today.service_rate, instances,
                               partitions or today.partitions, headroom)
    else:
        estimate = mmc(arrival, today.service_rate, instances, headroom)
    if today.note:
        estimate = replace(estimate, model=estimate.model + today.note, note=today.note)
    return estimate


def project_consumer(load: ConsumerLoad, growth: float, horizon: int,
                     headroom: float) -> ConsumerProjection | None:
    """The component year by year; None when its capacity is unknown (no estimate)."""
    today = load.estimate
    if today is None or load.capacity is None:
        return None
    ordered = total_order_flows(load) if today.partitions is not None else ()
    limit = ""
    if today.broadcast:
        limit = f"each instance receives every message, as {today.broadcast_reason}"
    elif ordered:
        limit = (f"more partitions would break the total order that `ordered` asks of "
                 f"{', '.join(ordered)}")
    years = []
    for year in range(horizon + 1):
        arrival = grown(load.peak, growth, year)
        scale = grown(1.0, growth, year)
        estimate = _estimate_like(today, arrival, scale, load.instances, None, headroom)
        capacity_needed = None
        if estimate.servers_needed is None and (estimate.broadcast or ordered):
            # No count helps: every instance receives it all, or partitions are fixed.
            needed, partitions_needed = load.instances, estimate.partitions
            capacity_needed = estimate.service_rate_needed
            at_needed = estimate
        elif estimate.partitions is None:
            needed = max(load.instances, estimate.servers_needed or load.instances)
            partitions_needed = None
            at_needed = _estimate_like(today, arrival, scale, needed, None, headroom)
        elif estimate.servers_needed is not None:
            needed = max(load.instances, estimate.servers_needed)
            partitions_needed = estimate.partitions
            at_needed = _estimate_like(today, arrival, scale, needed, None, headroom)
        else:  # the partitions themselves are too few: one consumer per (new) partition
            partitions_needed = estimate.partitions_needed or estimate.partitions
            needed = max(load.instances, partitions_needed)
            at_needed = _estimate_like(today, arrival, scale, needed, partitions_needed,
                                       headroom)
        years.append(ConsumerYear(year, arrival, estimate, needed, partitions_needed, at_needed,
                                  capacity_needed))
    first = next((y.year for y in years if beyond(stable(y.estimate.utilisation), headroom)), None)
    utilisation = today.utilisation
    until = None
    if load.peak > 0 and utilisation > 0:
        until = years_until(load.peak, load.peak * headroom / utilisation, growth)
    elif beyond(utilisation, headroom):
        until = 0.0
    return ConsumerProjection(
        component=load.component,
        model=today.model,
        capacity=load.capacity,
        instances=load.instances,
        partitions=today.partitions,
        headroom=headroom,
        growth=growth,
        horizon=horizon,
        years=tuple(years),
        years_until=until,
        first_year_over=first,
        scaling_limit=limit,
    )


def project_broker(load: BrokerLoad, growth: float, horizon: int,
                   headroom: float) -> BrokerProjection:
    """The broker year by year: traffic, storage, and the nodes each needs."""
    throughput = None
    process = load.busiest_process
    process_needed: tuple[int | None, ...] = ()
    if load.capacity_per_node and process is not None:
        # brokerless: no nodes; the busiest process against the per-process figure, and
        # the instances of its component that spread it (None: each receives it all)
        throughput = project(process.per_instance, load.capacity_per_node, headroom, growth,
                             horizon, current=1, minimum=1)
        process_needed = tuple(
            _instances_needed(grown(process.fixed, growth, year), grown(process.split, growth, year),
                              load.capacity_per_node, headroom)
            for year in range(horizon + 1))
        throughput = replace(throughput, current=process.instances, minimum=1, needed=tuple(
            max(process.instances, n if n is not None else process.instances)
            for n in process_needed))
    elif load.capacity_per_node:
        throughput = project(load.peak.messages, load.capacity_per_node, headroom, growth,
                             horizon, current=load.nodes, minimum=load.replication)
    per_node_storage = (load.storage_capacity_bytes / load.nodes
                        if load.storage_capacity_bytes else None)
    storage = None
    if per_node_storage and load.storage_bytes is not None and load.retained_flows:
        storage = project(load.storage_bytes, per_node_storage, headroom, growth, horizon,
                          current=load.nodes, minimum=load.replication)
    years = []
    for year in range(horizon + 1):
        messages = grown(load.peak.messages, growth, year)
        bytes_per_s = (None if load.peak.bytes_per_s is None
                       else grown(load.peak.bytes_per_s, growth, year))
        stored = (grown(load.storage_bytes, growth, year)
                  if load.storage_bytes is not None and load.retained_flows else None)
        needs = [load.nodes]
        if throughput is not None and process is None:
            needs.append(throughput.needed[year])
        if storage is not None:
            needs.append(storage.needed[year])
        years.append(BrokerYear(
            year=year,
            messages=messages,
            bytes_per_s=bytes_per_s,
            storage_bytes=stored,
            utilisation=(None if load.capacity is None
                         else grown(process.per_instance, growth, year) / load.capacity
                         if process is not None else messages / load.capacity),
            storage_utilisation=(None if stored is None or not load.storage_capacity_bytes
                                 else stored / load.storage_capacity_bytes),
            nodes_needed=max(needs),
        ))
    return BrokerProjection(
        broker=load.broker,
        kind=load.kind,
        nodes=load.nodes,
        replication=load.replication,
        capacity_per_node=load.capacity_per_node,
        storage_per_node=per_node_storage,
        headroom=headroom,
        growth=growth,
        horizon=horizon,
        years=tuple(years),
        throughput=throughput,
        storage=storage,
        process=process,
        process_needed=process_needed,
    )
