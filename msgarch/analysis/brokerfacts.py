"""What the capacity and latency analyses take from a broker's declaration and profile.

One place decides where a broker's per-node throughput comes from (the declared
`capacity N/s per node`, else the profile's published figure, else unknown), its p99
latency class, whether it gives each partition to one consumer, and whether it has no
competing consumers at all (every instance of a consumer receives every message), so
that the lint rules and `msgarch plan` always agree. Profiles are passed in (any object with the
``msgarch.brokers.Profile`` accessors), so this module reads no files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from msgarch.analysis import figures as fig
from msgarch.model.model import Model


@dataclass(frozen=True)
class BrokerFacts:
    """Capacity and latency inputs of one broker, with where each comes from."""

    name: str
    kind: str
    profile: Any | None
    model: str  # profile model: broker, brokerless, database, managed-service, task-layer
    per_node: float | None  # msg/s per node: declared `capacity`, else the profile's
    capacity_source: str  # where per_node comes from, or why it is unknown
    sized: bool  # False: a managed service without a figure has no nodes to size
    latency_p99: float | None
    latency_source: str
    latency_uncertain: bool
    partitioned: bool  # the broker gives each partition to one consumer
    broadcasts: bool = False  # no competing consumers: every instance receives every message
    broadcast_source: str = ""  # the profile fact that says so (patterns.queue)
    nodes: int = 1  # nodes that carry traffic: declared, else 1; always 1 when brokerless
    #: a v1 `pattern pubsub` subscription belongs to one connection (zeromq SUB, NATS plain
    #: subscriptions, MQTT non-shared...): every subscribing instance receives every message
    pubsub_per_instance: bool = False
    pubsub_per_instance_source: str = ""  # the profile's note and source, for the message


def broker_facts(model: Model, profile_of: Callable[[str], Any | None]) -> dict[str, BrokerFacts]:
    """Facts for every declared broker, keyed and sorted by name; ``profile_of(name)``
    returns the broker's resolved profile or None when it has none."""
    facts: dict[str, BrokerFacts] = {}
    for name in sorted(model.brokers):
        broker = model.brokers[name]
        profile = profile_of(name)
        kind_model = getattr(profile, "model", "") if profile is not None else ""
        profile_rate = profile.throughput_per_node if profile is not None else None
        if broker.capacity_per_node is not None and broker.capacity_per_node > 0:
            per_node = broker.capacity_per_node
            source = f"declared `capacity {fig.rate(per_node)} per node`"
        elif profile_rate:
            per_node = profile_rate
            source = profile.fact("throughput").cite()
        else:
            per_node = None
            source = (profile.fact("throughput").cite() if profile is not None
                      else f"no profile for kind '{broker.kind}'")
        latency, latency_source, uncertain = None, "", False
        if profile is not None:
            latency = profile.latency_p99
            fact = profile.fact("latency")
            latency_source = fact.cite()
            uncertain = bool(fact.uncertain)
        broadcasts = _broadcasts(profile)
        per_instance, per_instance_source = _pubsub_per_instance(profile)
        facts[name] = BrokerFacts(
            name=name, kind=broker.kind, profile=profile, model=kind_model,
            per_node=per_node, capacity_source=source,
            sized=per_node is not None or kind_model != "managed-service",
            latency_p99=latency, latency_source=latency_source,
            latency_uncertain=uncertain,
            partitioned=bool(profile is not None and profile.partitioned) and not broadcasts,
            broadcasts=broadcasts,
            broadcast_source=profile.fact("patterns.queue").cite() if broadcasts else "",
            # a brokerless layer (zeromq, tibco-rv) has no broker nodes: `nodes` is ignored
            # there (B213 says so), so its capacity is one node's figure
            nodes=1 if kind_model == "brokerless" else (broker.nodes or 1),
            pubsub_per_instance=per_instance,
            pubsub_per_instance_source=per_instance_source,
        )
    return facts


def _broadcasts(profile: Any | None) -> bool:
    """The profile says the broker has no competing consumers (``patterns.queue``: no)."""
    if profile is None or getattr(profile, "model", "") == "managed-service":
        # a managed service (sns) delivers once per subscription, and a subscription
        # (an SQS queue, an HTTPS endpoint) is shared by the component's instances
        return False
    try:
        return profile.supports("patterns.queue") == "no"
    except (KeyError, ValueError, AttributeError):
        return False


def _pubsub_per_instance(profile: Any | None) -> tuple[bool, str]:
    """(the profile says a pub/sub subscription is per connection, its source)."""
    if profile is None or not getattr(profile, "pubsub_per_instance", False):
        return False, ""
    fact = profile.data["patterns"]["pubsub"]
    version = f" (version {profile.version})" if getattr(profile, "version", None) else ""
    return True, (f"{profile.id} profile{version}, patterns.pubsub.per-instance: "
                  f"{fact.get('per-instance-note', '')} (source: {fact.get('per-instance-source', '')})")


def pubsub_broadcast_brokers(facts: dict[str, BrokerFacts]) -> dict[str, str]:
    """Broker name -> the profile fact, for the brokers on which a v1 `pattern pubsub`
    flow reaches every subscribing instance (the subscription belongs to one connection)."""
    return {name: item.pubsub_per_instance_source for name, item in facts.items()
            if item.pubsub_per_instance}


def brokerless_brokers(facts: dict[str, BrokerFacts]) -> frozenset[str]:
    """Names of the brokers whose kind has no broker process (zeromq, tibco-rv)."""
    return frozenset(name for name, item in facts.items() if item.model == "brokerless")


def broadcast_brokers(facts: dict[str, BrokerFacts]) -> frozenset[str]:
    """Names of the brokers that broadcast every message to every instance of a consumer
    (no competing consumers): their consumers are modelled as one M/M/1 per instance at
    the full rate, and their traffic counts a delivered copy per instance."""
    return frozenset(name for name, item in facts.items() if item.broadcasts)


def per_partition_brokers(facts: dict[str, BrokerFacts]) -> frozenset[str]:
    """Names of the brokers whose consumers are modelled as one M/M/1 per partition."""
    return frozenset(name for name, item in facts.items() if item.partitioned)


def capacities(facts: dict[str, BrokerFacts]) -> dict[str, float | None]:
    """Broker name -> msg/s per node, for ``load.broker_loads``."""
    return {name: item.per_node for name, item in facts.items()}


def node_counts(facts: dict[str, BrokerFacts]) -> dict[str, int]:
    """Broker name -> nodes that carry its traffic, for ``load.broker_loads``."""
    return {name: item.nodes for name, item in facts.items()}


def sized_loads(model: Model, facts: dict[str, BrokerFacts], headroom: float | None = None):
    """(consumer loads, broker loads) of the model with what the profiles say about each
    broker: partitions, broadcast to every instance, capacity per node and node count.
    The one place lint, plan, render and diff size a model from."""
    from msgarch.analysis.load import broker_loads, consumer_loads

    everyone = broadcast_brokers(facts)
    pubsub = pubsub_broadcast_brokers(facts)
    vocabulary = {name: ((getattr(item.profile, "data", None) or {}).get("endpoints") or {}).get("consume") or {}
                  for name, item in facts.items() if item.profile is not None}
    consumers = consumer_loads(model, headroom, per_partition=per_partition_brokers(facts),
                               broadcast=everyone, pubsub_broadcast=pubsub,
                               consume_vocabulary=vocabulary)
    brokers = broker_loads(model, capacities(facts), broadcast=everyone, nodes=node_counts(facts),
                           pubsub_broadcast=pubsub, brokerless=brokerless_brokers(facts))
    return consumers, brokers
