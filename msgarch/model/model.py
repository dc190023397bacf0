"""The domain model: frozen elements with typed units (msg/s, bytes, seconds, fractions)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from msgarch.diagnostics import Span

PATTERNS = ("queue", "pubsub", "request-reply")
DELIVERY_GUARANTEES = ("at-most-once", "at-least-once", "exactly-once")
ROUTING_STYLES = ("topic", "header", "content")
PLATFORM_FEATURES = ("monitoring", "declarative-provisioning", "open-source", "managed-service")
DELIVERY_STRENGTH = {name: rank for rank, name in enumerate(DELIVERY_GUARANTEES)}

#: Spans of individual properties, keyed by the property's name as written
#: (``"rate"``, ``"max-size"``...), so findings can point at the exact line.
PropSpans = Mapping[str, Span]


@dataclass(frozen=True)
class System:
    name: str = ""
    growth: float = 0.0  # fraction per year (0.15 for 15%)
    horizon: int = 3  # years
    headroom: float = 0.70  # fraction
    requires: tuple[str, ...] = ()
    span: Span | None = None
    prop_spans: PropSpans = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Broker:
    name: str
    kind: str
    span: Span
    nodes: int | None = None
    replication: int | None = None
    version: str | None = None
    capacity_per_node: float | None = None  # msg/s per node, overrides the profile
    storage_per_node: float | None = None  # bytes per node
    max_message: float | None = None  # bytes, overrides the profile
    profile_path: str | None = None  # as written; resolved relative to span.path
    kind_span: Span | None = None
    prop_spans: PropSpans = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Component:
    name: str
    span: Span
    instances: int = 1
    capacity: float | None = None  # msg/s one instance processes
    zone: str | None = None
    external: bool = False
    idempotent: bool = False
    description: str = ""
    owner: str = ""
    prop_spans: PropSpans = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Message:
    name: str
    span: Span
    size: float | None = None  # bytes
    max_size: float | None = None  # bytes
    schema: str | None = None
    prop_spans: PropSpans = field(default_factory=dict, compare=False)

    @property
    def largest(self) -> float | None:
        """The largest size the message can have: the larger of ``size`` and ``max-size``."""
        known = [s for s in (self.size, self.max_size) if s is not None]
        return max(known) if known else None


@dataclass(frozen=True)
class FlowProps:
    """The requirements a flow (or a ``kind`` of flow) puts on its broker; None = unset."""

    via: str | None = None
    pattern: str | None = None
    partitions: int | None = None
    rate: float | None = None  # msg/s
    peak: float | None = None  # msg/s
    latency: float | None = None  # s
    timeout: float | None = None  # s
    durable: bool | None = None
    delivery: str | None = None
    ordered: bool | None = None
    ordered_by: str | None = None
    priority: int | None = None
    ttl: float | None = None  # s
    delay: bool | None = None
    delay_max: float | None = None  # s
    dead_letter: bool | None = None
    retention: float | None = None  # s
    replay: bool | None = None
    routing: str | None = None
    backlog: float | None = None  # s


@dataclass(frozen=True)
class Kind:
    name: str
    span: Span
    props: FlowProps = FlowProps()
    prop_spans: PropSpans = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Flow:
    """One flow after ``kind`` defaults are applied; ``pattern`` is the effective one."""

    id: str  # "producer->consumer1,consumer2:Message", stable and unique
    producer: str
    consumers: tuple[str, ...]
    message: str
    span: Span
    kind: str | None = None
    via: str | None = None  # declared, or the only broker of the model
    via_declared: bool = False
    pattern: str = "queue"
    pattern_declared: bool = False
    partitions: int | None = None
    rate: float | None = None
    peak: float | None = None
    latency: float | None = None
    timeout: float | None = None
    durable: bool = False
    delivery: str | None = None
    ordered: bool = False
    ordered_by: str | None = None
    priority: int | None = None
    ttl: float | None = None
    delay: bool = False
    delay_max: float | None = None
    dead_letter: bool = False
    retention: float | None = None
    replay: bool = False
    routing: str | None = None
    backlog: float | None = None
    producer_span: Span | None = None
    consumer_spans: tuple[Span, ...] = ()
    message_span: Span | None = None
    kind_span: Span | None = None
    prop_spans: PropSpans = field(default_factory=dict, compare=False)

    @property
    def peak_rate(self) -> float | None:
        """The rate to size for: the larger of ``peak`` and ``rate`` (a peak below the
        average is a mistake that S008 reports; sizing never takes the smaller one)."""
        known = [r for r in (self.peak, self.rate) if r is not None]
        return max(known) if known else None

    @property
    def is_request_reply(self) -> bool:
        return self.pattern == "request-reply"

    def span_of(self, prop: str) -> Span:
        return self.prop_spans.get(prop, self.span)


@dataclass(frozen=True)
class Duplicate:
    """A declaration whose name was already taken by an earlier one of the same kind."""

    category: str  # "component", "broker", "message", "kind", "system"
    name: str
    span: Span
    first: Span


@dataclass(frozen=True)
class Model:
    """A whole architecture: the root file and everything it includes."""

    root: str  # path of the root file, as given on the command line
    system: System
    brokers: Mapping[str, Broker]
    components: Mapping[str, Component]
    messages: Mapping[str, Message]
    kinds: Mapping[str, Kind]
    flows: tuple[Flow, ...]
    duplicates: tuple[Duplicate, ...] = ()
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)  # path -> text
    files: tuple[str, ...] = ()  # every file read, root first

    def flow(self, flow_id: str) -> Flow:
        for f in self.flows:
            if f.id == flow_id:
                return f
        raise KeyError(flow_id)

    def resolved(self, flow: Flow) -> bool:
        """True when every name the flow uses is declared (it appears in the graph)."""
        return (
            flow.producer in self.components
            and all(c in self.components for c in flow.consumers)
            and flow.message in self.messages
            and flow.via is not None
            and flow.via in self.brokers
        )
