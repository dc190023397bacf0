"""The domain model: frozen elements with typed units (msg/s, bytes, seconds, fractions)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

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
    settings: Mapping[str, Any] = field(default_factory=dict)  # v2 broker settings, parsed
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
    decl_props: tuple = field(default=(), compare=False, repr=False)  # syntax, for endpoint settings


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
    # --- derived flows (language v2): None / empty on a v1 `flow` -------------------
    channel: str | None = None  # the channel its consumers read from
    path: tuple[str, ...] = ()  # channels from the published one to ``channel``
    groups: tuple[tuple[str, ...], ...] = ()  # consumer groups: members share, groups each get all
    broadcast: bool | None = None  # every consumer instance receives every message
    per_partition: bool | None = None  # ``partitions`` bound each group's parallelism
    profile_kind: str | None = None  # the profile that judges the channel type (rabbitmq-quorum...)
    produce_share: float = 1.0  # part of ``rate`` that counts as produced on ``via``
    transit: tuple[str, ...] = ()  # brokers crossed before ``via`` (SNS before SQS)
    origins: tuple[tuple[Span, str], ...] = ()  # publish, routes, consumes that made it
    notes: tuple[str, ...] = ()  # how derivation counted it ("the publish declares no key...")
    single_active: bool = False  # one consumer at a time (single active consumer, exclusive)

    @property
    def derived(self) -> bool:
        return self.channel is not None

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
class OnError:
    """``on-error``: what a consumer does with a message its handler fails on."""

    action: str  # requeue | drop | dead-letter | reject | retry
    retries: int | None = None
    backoff: tuple[float, float] | None = None  # seconds, first and last wait
    then: str | None = None  # after the retries: requeue | drop | dead-letter | reject


@dataclass(frozen=True)
class Channel:
    """A named place on a broker (exchange, queue, topic, stream, subject...): language v2."""

    name: str
    broker: str
    type: str
    span: Span
    settings: Mapping[str, Any] = field(default_factory=dict)  # keyword -> parsed value
    broker_span: Span | None = None
    type_span: Span | None = None
    prop_spans: PropSpans = field(default_factory=dict, compare=False)

    @property
    def address(self) -> str:
        """The name the broker knows it by (``address``), else its msgarch name."""
        value = self.settings.get("address")
        return self.name if value is None else value


@dataclass(frozen=True)
class Route:
    """Messages moving from one channel to another (a binding, a subscription, a bridge)."""

    source: str
    target: str
    span: Span
    keys: tuple[str, ...] = ()  # binding keys or patterns
    settings: Mapping[str, Any] = field(default_factory=dict)
    source_span: Span | None = None
    target_span: Span | None = None
    prop_spans: PropSpans = field(default_factory=dict, compare=False)
    dead_letter: bool = False  # made from a channel's `dead-letter` setting

    @property
    def id(self) -> str:
        return f"{self.source}->{self.target}"


@dataclass(frozen=True)
class Endpoint:
    """A publish (component -> channel) or a consume (channel -> component) of one message type."""

    role: str  # "publish" | "consume"
    component: str
    channel: str
    message: str
    span: Span
    needs: FlowProps = FlowProps()  # v1 flow properties: rate, peak and the needs
    settings: Mapping[str, Any] = field(default_factory=dict)
    keys: tuple[str, ...] = ()  # `key "literal"...` (publish)
    key_by: str | None = None  # `key by FIELD`
    kind: str | None = None
    component_span: Span | None = None
    channel_span: Span | None = None
    message_span: Span | None = None
    prop_spans: PropSpans = field(default_factory=dict, compare=False)

    @property
    def id(self) -> str:
        verb = "publishes" if self.role == "publish" else "consumes"
        where = "to" if self.role == "publish" else "from"
        return f"{self.component} {verb} {self.message} {where} {self.channel}"

    @property
    def group(self) -> str | None:
        return self.settings.get("group")


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
    channels: Mapping[str, Channel] = field(default_factory=dict)
    routes: tuple[Route, ...] = ()
    publishes: tuple[Endpoint, ...] = ()
    consumes: tuple[Endpoint, ...] = ()
    derivation: Any = None  # model.derive.Derivation: what routing found, for the T rules

    @property
    def declared_flows(self) -> tuple[Flow, ...]:
        """The v1 `flow` declarations only (derived flows left out)."""
        return tuple(f for f in self.flows if not f.derived)

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
