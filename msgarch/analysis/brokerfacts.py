"""What the capacity and latency analyses take from a broker's declaration and profile.

One place decides where a broker's per-node throughput comes from (the declared
`capacity N/s per node`, else the profile's published figure, else unknown), its p99
latency class, and whether it gives each partition to one consumer, so that the lint
rules and `msgarch plan` always agree. Profiles are passed in (any object with the
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
        facts[name] = BrokerFacts(
            name=name, kind=broker.kind, profile=profile, model=kind_model,
            per_node=per_node, capacity_source=source,
            sized=per_node is not None or kind_model != "managed-service",
            latency_p99=latency, latency_source=latency_source,
            latency_uncertain=uncertain,
            partitioned=bool(profile is not None and profile.partitioned),
        )
    return facts


def per_partition_brokers(facts: dict[str, BrokerFacts]) -> frozenset[str]:
    """Names of the brokers whose consumers are modelled as one M/M/1 per partition."""
    return frozenset(name for name, item in facts.items() if item.partitioned)


def capacities(facts: dict[str, BrokerFacts]) -> dict[str, float | None]:
    """Broker name -> msg/s per node, for ``load.broker_loads``."""
    return {name: item.per_node for name, item in facts.items()}
