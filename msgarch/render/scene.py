"""The visual language, once: what to draw for a model, shared by the DOT, Mermaid and HTML writers.

A Scene is plain sorted data: nodes (components and brokers with their shape, label,
tooltip, heat and finding colour), clusters, and edges (producer -> broker -> consumer,
plus one reply edge per request-reply producer and broker). Building it is a pure
function of the model, its findings and its loads, so every format agrees and the
same input always gives the same scene.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from msgarch.diagnostics import Diagnostic, Severity, Span
from msgarch.model.model import Flow, Model
from msgarch.render.text import count, duration, mangle, percent, rate, short_id, size

GROUPS = ("zone", "broker", "none")

#: Broker shapes by the messaging model of the broker's profile; ``log`` is not a
#: profile model but the kinds below keep an append-only, replayable log.
BROKER_MODELS = ("broker", "log", "brokerless", "database", "managed-service", "task-layer")
LOG_KINDS = frozenset({"kafka", "pulsar", "rabbitmq-stream", "redis-streams"})

#: The profile model of the built-in kinds, for when the profile cannot be read.
BUILTIN_KIND_MODELS = {
    "celery-rabbitmq": "task-layer", "celery-redis": "task-layer", "celery-sqs": "task-layer",
    "postgres": "database",
    "sns": "managed-service", "sqs": "managed-service", "sqs-fifo": "managed-service",
    "tibco-rv": "brokerless", "tibco-rvcm": "brokerless", "zeromq": "brokerless",
}

#: What `msgarch diff --render` marks on the NEW topology; removed elements are kept, drawn dashed.
CHANGES = ("added", "removed", "changed")

#: Utilisation classes of ``--heat``: at or below headroom, above it, at or above 100%.
HEAT_LEVELS = ("ok", "hot", "over")


def broker_model(kind: str, profile_model: str | None = None) -> str:
    """The shape family of a broker: ``log`` for log-based kinds, else the profile's
    model (``broker`` when unknown)."""
    if kind in LOG_KINDS:
        return "log"
    if profile_model in BROKER_MODELS:
        return profile_model
    return BUILTIN_KIND_MODELS.get(kind, "broker")


@dataclass(frozen=True)
class Loads:
    """What ``--heat`` and the capacity table read; each value is duck-typed on
    ``msgarch.analysis.load`` (ConsumerLoad and BrokerLoad)."""

    consumers: Mapping[str, Any] = field(default_factory=dict)  # component -> ConsumerLoad
    brokers: Mapping[str, Any] = field(default_factory=dict)  # broker -> BrokerLoad
    capacity_sources: Mapping[str, str] = field(default_factory=dict)  # broker -> where per-node capacity came from


@dataclass(frozen=True)
class Node:
    id: str
    element: str  # "component" or "broker"
    name: str
    shape: str  # "component", "external", or one of BROKER_MODELS
    detail: str  # "x6" for a component, "kafka x3" for a broker
    heat_line: str  # "62% at peak" with --heat when known, else ""
    tooltip: str
    cluster: str | None
    heat: str | None  # one of HEAT_LEVELS, or None
    severity: str | None  # "error" or "warning" when a finding concerns it
    change: str | None = None  # one of CHANGES when drawn for `msgarch diff --render`


@dataclass(frozen=True)
class Edge:
    id: str
    tail: str
    head: str
    role: str  # "produce", "deliver" or "reply"
    pattern: str  # "queue", "pubsub", "request-reply"
    message: str
    rate_label: str  # "120/s, peak 600/s" on produce edges, else ""
    tooltip: str
    severity: str | None
    change: str | None = None  # one of CHANGES when drawn for `msgarch diff --render`


@dataclass(frozen=True)
class Cluster:
    id: str
    label: str
    kind: str  # "zone", "broker" or "external"


@dataclass(frozen=True)
class ElementFinding:
    """A diagnostic and the element it was found on (``element`` "" when none)."""

    diagnostic: Diagnostic
    element: str  # "component orders", "flow a->b:M", "system", ...


@dataclass(frozen=True)
class Scene:
    title: str
    root: str
    group: str
    heat: bool
    headroom: float
    clusters: tuple[Cluster, ...]
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    findings: tuple[ElementFinding, ...]
    loads: Loads

    def nodes_in(self, cluster_id: str | None) -> tuple[Node, ...]:
        return tuple(node for node in self.nodes if node.cluster == cluster_id)

    @property
    def broker_models(self) -> tuple[str, ...]:
        return tuple(sorted({node.shape for node in self.nodes if node.element == "broker"},
                            key=BROKER_MODELS.index))

    @property
    def patterns(self) -> tuple[str, ...]:
        order = ("queue", "pubsub", "request-reply")
        return tuple(p for p in order if any(e.pattern == p for e in self.edges))

    @property
    def severities(self) -> tuple[str, ...]:
        found = {n.severity for n in self.nodes} | {e.severity for e in self.edges}
        return tuple(s for s in ("error", "warning") if s in found)

    @property
    def changes(self) -> tuple[str, ...]:
        found = {n.change for n in self.nodes} | {e.change for e in self.edges}
        return tuple(c for c in CHANGES if c in found)

    @property
    def has_external(self) -> bool:
        return any(node.shape == "external" for node in self.nodes)


def component_id(name: str) -> str:
    return short_id("c_" + mangle(name))


def broker_id(name: str) -> str:
    return short_id("b_" + mangle(name))


def flow_edge_id(flow_id: str) -> str:
    """The produce edge of a flow; its deliveries are this + `_to_` + the consumer's part."""
    return short_id("e_" + mangle(flow_id))


def delivery_edge_id(flow_id: str, consumer: str) -> str:
    return f"{flow_edge_id(flow_id)}_to_{short_id(mangle(consumer))}"


def build_scene(model: Model, findings: Iterable[Diagnostic] = (), loads: Loads | None = None, *,
                group: str = "zone", heat: bool = False,
                broker_models: Mapping[str, str] | None = None) -> Scene:
    """Everything a diagram of ``model`` shows, sorted.

    ``findings``: lint diagnostics, shown on the element whose declaration they point
    at. ``loads``: consumer and broker loads for ``heat`` and the capacity table.
    ``broker_models``: broker name -> profile model (``broker``, ``database``...);
    missing brokers fall back to the built-in kinds' models.
    """
    if group not in GROUPS:
        raise ValueError(f"group must be one of {', '.join(GROUPS)}, not {group!r}")
    loads = loads or Loads()
    headroom = model.system.headroom
    located = locate_findings(model, findings)
    by_element: dict[str, list[Diagnostic]] = {}
    for item in located:
        by_element.setdefault(item.element, []).append(item.diagnostic)

    flows = sorted((f for f in model.flows if model.resolved(f)), key=lambda f: f.id)
    clusters, membership = _clusters(model, flows, group)

    nodes: list[Node] = []
    for name in sorted(model.components):
        component = model.components[name]
        diagnostics = by_element.get(f"component {name}", [])
        load = loads.consumers.get(name)
        utilisation = _consumer_utilisation(load)
        level = _heat_level(utilisation, headroom) if heat else None
        tip = [f"component {name}" + (" (external)" if component.external else ""),
               f"instances: {component.instances}"]
        if component.capacity is not None:
            tip.append(f"capacity: {rate(component.capacity)} per instance")
        for label, value in (("zone", component.zone), ("owner", component.owner),
                             ("description", component.description)):
            if value:
                tip.append(f"{label}: {value}")
        if component.idempotent:
            tip.append("idempotent")
        if load is not None:
            tip.append(f"arrivals at peak: {rate(load.peak)}")
            if utilisation is not None:
                tip.append(f"utilisation at peak: {percent(utilisation)} "
                           f"(headroom {percent(headroom)}; {load.estimate.model})")
        tip += _finding_lines(diagnostics)
        nodes.append(Node(
            id=component_id(name), element="component", name=name,
            shape="external" if component.external else "component",
            detail=f"x{count(component.instances)}",
            heat_line=f"{percent(utilisation)} at peak" if heat and utilisation is not None else "",
            tooltip="\n".join(tip), cluster=membership.get(component_id(name)),
            heat=level, severity=_worst(diagnostics)))
    for name in sorted(model.brokers):
        broker = model.brokers[name]
        diagnostics = by_element.get(f"broker {name}", [])
        load = loads.brokers.get(name)
        utilisation = getattr(load, "utilisation", None)
        stored = _storage_utilisation(load)
        # the broker's heat is its busier resource: message throughput or retained storage
        hottest = max((u for u in (utilisation, stored) if u is not None), default=None)
        level = _heat_level(hottest, headroom) if heat else None
        shape = broker_model(broker.kind, (broker_models or {}).get(name))
        tip = [f"broker {name}: {broker.kind}" + (f" {broker.version}" if broker.version else ""),
               f"model: {shape}"]
        if broker.nodes is not None:
            tip.append(f"nodes: {broker.nodes}")
        if broker.replication is not None:
            tip.append(f"replication: {broker.replication}")
        if load is not None:
            tip.append(f"messages at peak: {rate(load.peak.messages)} in + out")
            if load.capacity is not None:
                source = loads.capacity_sources.get(name, "")
                tip.append(f"capacity: {rate(load.capacity)}" + (f" ({source})" if source else ""))
                tip.append(f"utilisation at peak: {percent(utilisation)} (headroom {percent(headroom)})")
            if stored is not None:
                tip.append(f"storage: {size(load.storage_bytes)} retained, {percent(stored)} of "
                           f"{load.nodes} x {size(load.storage_capacity_bytes / load.nodes)} (headroom {percent(headroom)})")
        tip += _finding_lines(diagnostics)
        nodes.append(Node(
            id=broker_id(name), element="broker", name=name, shape=shape,
            detail=broker.kind + (f" x{broker.nodes}" if broker.nodes else ""),
            heat_line=_broker_heat_line(utilisation, stored) if heat else "",
            tooltip="\n".join(tip), cluster=membership.get(broker_id(name)),
            heat=level, severity=_worst(diagnostics)))

    edges: list[Edge] = []
    replies: dict[tuple[str, str], list[Flow]] = {}
    for flow in flows:
        diagnostics = (by_element.get(f"flow {flow.id}", [])
                       + by_element.get(f"message {flow.message}", []))
        severity = _worst(diagnostics)
        tip = "\n".join(_flow_lines(model, flow) + _finding_lines(diagnostics))
        edges.append(Edge(
            id=flow_edge_id(flow.id), tail=component_id(flow.producer), head=broker_id(flow.via),
            role="produce", pattern=flow.pattern, message=flow.message,
            rate_label=_rate_label(flow), tooltip=tip, severity=severity))
        for consumer in sorted(set(flow.consumers)):
            edges.append(Edge(
                id=delivery_edge_id(flow.id, consumer), tail=broker_id(flow.via),
                head=component_id(consumer), role="deliver", pattern=flow.pattern,
                message=flow.message, rate_label="", tooltip=tip, severity=severity))
        if flow.is_request_reply:
            replies.setdefault((flow.via, flow.producer), []).append(flow)
    for (via, producer), asked in sorted(replies.items()):
        edges.append(Edge(
            id=f"r_{short_id(mangle(via))}_to_{short_id(mangle(producer))}", tail=broker_id(via),
            head=component_id(producer), role="reply", pattern="request-reply",
            message=", ".join(sorted({f.message for f in asked})), rate_label="",
            tooltip="replies to " + producer + " via " + via + ":\n"
                    + "\n".join(f.id for f in asked),
            severity=None))

    return Scene(
        title=model.system.name or model.root, root=model.root, group=group, heat=heat,
        headroom=headroom, clusters=tuple(clusters), nodes=tuple(nodes), edges=tuple(edges),
        findings=tuple(located), loads=loads)


def locate_findings(model: Model, diagnostics: Iterable[Diagnostic]) -> list[ElementFinding]:
    """Attach each diagnostic to the element whose declaration (or one of whose own
    properties) it points at: exact span first, else the smallest declaration that
    contains it. Properties a flow inherits from its ``kind`` belong to the kind."""
    exact: dict[Span, str] = {}
    extents: list[tuple[Span, Span, str]] = []

    def register(element: str, spans: Iterable[Span | None]) -> None:
        own = [s for s in spans if s is not None]
        for span in own:
            exact.setdefault(span, element)
        if own:
            extents.append((min(own), max(own, key=lambda s: (s.path, s.end_line, s.end_column)), element))

    # Flows first: their own spans are the most specific.
    for flow in model.flows:
        inherited = set(model.kinds[flow.kind].prop_spans.values()) if flow.kind in model.kinds else set()
        own_props = [s for s in flow.prop_spans.values() if s not in inherited]
        register(f"flow {flow.id}", [flow.span, flow.producer_span, *flow.consumer_spans,
                                     flow.message_span, flow.kind_span, *own_props])
    for category, table in (("component", model.components), ("broker", model.brokers),
                            ("message", model.messages), ("kind", model.kinds)):
        for name in sorted(table):
            element = table[name]
            register(f"{category} {name}", [element.span, getattr(element, "kind_span", None),
                                            *element.prop_spans.values()])
    if model.system.span is not None:
        register("system", [model.system.span, *model.system.prop_spans.values()])

    located = []
    for diagnostic in diagnostics:
        span = diagnostic.span
        element = ""
        if span is not None:
            element = exact.get(span, "")
            if not element:
                containing = [(_extent_size(first, last), element_name)
                              for first, last, element_name in extents
                              if first.path == span.path
                              and (first.line, first.column) <= (span.line, span.column)
                              and (span.end_line, span.end_column) <= (last.end_line, last.end_column)]
                if containing:
                    element = min(containing)[1]
        located.append(ElementFinding(diagnostic, element))
    return located


def _extent_size(first: Span, last: Span) -> tuple[int, int]:
    return (last.end_line - first.line, last.end_column - first.column)


def _clusters(model: Model, flows: list[Flow], group: str) -> tuple[list[Cluster], dict[str, str]]:
    """The clusters of the chosen grouping and node id -> cluster id. External
    components always stand apart, in their own cluster."""
    clusters: list[Cluster] = []
    membership: dict[str, str] = {}
    external = sorted(n for n, c in model.components.items() if c.external)
    internal = sorted(n for n, c in model.components.items() if not c.external)
    if group == "zone":
        zones = sorted({model.components[n].zone for n in internal if model.components[n].zone})
        for zone in zones:
            cluster_id = "cluster_zone_" + mangle(zone)
            clusters.append(Cluster(cluster_id, zone, "zone"))
            for name in internal:
                if model.components[name].zone == zone:
                    membership[component_id(name)] = cluster_id
    elif group == "broker":
        used: dict[str, set[str]] = {}
        for flow in flows:
            for name in (flow.producer, *flow.consumers):
                used.setdefault(name, set()).add(flow.via)
        for broker in sorted(model.brokers):
            cluster_id = "cluster_broker_" + mangle(broker)
            clusters.append(Cluster(cluster_id, broker, "broker"))
            membership[broker_id(broker)] = cluster_id
            for name in internal:
                if used.get(name) == {broker}:
                    membership[component_id(name)] = cluster_id
    if external:
        clusters.append(Cluster("cluster_external", "external", "external"))
        for name in external:
            membership[component_id(name)] = "cluster_external"
    return clusters, membership


def _consumer_utilisation(load) -> float | None:
    estimate = getattr(load, "estimate", None)
    return None if estimate is None else estimate.utilisation


def _storage_utilisation(load) -> float | None:
    stored, capacity = getattr(load, "storage_bytes", None), getattr(load, "storage_capacity_bytes", None)
    if not stored or not capacity or not getattr(load, "retained_flows", ()):
        return None
    return stored / capacity


def _broker_heat_line(utilisation: float | None, stored: float | None) -> str:
    parts = []
    if utilisation is not None:
        parts.append(f"{percent(utilisation)} at peak")
    if stored is not None:
        parts.append(f"{percent(stored)} storage")
    return ", ".join(parts)


def _heat_level(utilisation: float | None, headroom: float) -> str | None:
    if utilisation is None:
        return None
    if utilisation >= 1.0:
        return "over"
    return "hot" if utilisation > headroom else "ok"


def _worst(diagnostics: list[Diagnostic]) -> str | None:
    worst = max((d.severity for d in diagnostics), default=None)
    if worst is None or worst < Severity.WARNING:
        return None
    return worst.label


def _finding_lines(diagnostics: list[Diagnostic]) -> list[str]:
    return [f"{d.code} {d.name} ({d.severity.label}): {d.message}"
            for d in sorted(diagnostics, key=Diagnostic.sort_key)]


def _rate_label(flow: Flow) -> str:
    if flow.rate is not None and flow.peak is not None and flow.peak != flow.rate:
        return f"{rate(flow.rate)}, peak {rate(flow.peak)}"
    if flow.rate is not None:
        return rate(flow.rate)
    if flow.peak is not None:
        return f"peak {rate(flow.peak)}"
    return ""


def _flow_lines(model: Model, flow: Flow) -> list[str]:
    message = model.messages[flow.message]
    lines = [f"flow {flow.id}", f"via {flow.via}, {flow.pattern}"
             + ("" if flow.pattern_declared else " (inferred)")]
    if flow.kind:
        lines.append(f"kind: {flow.kind}")
    if flow.rate is not None or flow.peak is not None:
        lines.append(f"rate: {rate(flow.rate)}, peak: {rate(flow.peak_rate)}")
    facts = [f"size {size(message.size)}" if message.size is not None else "",
             f"max-size {size(message.max_size)}" if message.max_size is not None else "",
             flow.delivery or "", "durable" if flow.durable else "",
             f"ordered by {flow.ordered_by}" if flow.ordered_by else ("ordered" if flow.ordered else ""),
             f"partitions {flow.partitions}" if flow.partitions else "",
             f"priority {flow.priority}" if flow.priority is not None else "",
             f"ttl {duration(flow.ttl)}" if flow.ttl is not None else "",
             f"latency {duration(flow.latency)}" if flow.latency is not None else "",
             f"retention {duration(flow.retention)}" if flow.retention is not None else "",
             "replay" if flow.replay else "", "dead-letter" if flow.dead_letter else ""]
    facts = [f for f in facts if f]
    if facts:
        lines.append(", ".join(facts))
    if message.schema:
        lines.append(f"schema: {message.schema}")
    return lines
