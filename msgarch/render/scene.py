"""The visual language, once: what to draw for a model, shared by the DOT, Mermaid and HTML writers.

A Scene is plain sorted data: nodes (components, brokers and channels with their shape,
label, tooltip, heat and finding colour), clusters, and edges. Building it is a pure
function of the model, its findings and its loads, so every format agrees and the
same input always gives the same scene.

Three views (``VIEWS``):

- ``channels`` (the default): v1 flows as producer -> broker -> consumer, plus one reply
  edge per request-reply producer and broker; and, for language v2, producers ->
  channels -> consumers: each channel a node of its kind's shape inside its broker's
  cluster, routes as channel -> channel edges (dead-letter routes dashed), publishes
  and consumes as component <-> channel edges, parallel edges merged into one per pair
  (labelled with the message types and the summed rate). On a model without channels
  this is exactly the v1 drawing.
- ``logical``: producer -> consumer only, one edge per pair, from every flow (derived or
  v1); brokers and channels are left out. For large systems.
- ``brokers``: every flow (derived ones included) as producer -> broker -> consumer, as
  v1 draws it; channels are left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping

from msgarch.diagnostics import Diagnostic, Severity, Span
from msgarch.model.model import Flow, Model
from msgarch.render.text import count, duration, mangle, percent, rate, short_id, size

GROUPS = ("zone", "broker", "none")

#: What a diagram shows: see the module's doc.
VIEWS = ("channels", "logical", "brokers")

#: Channel shapes, by how the channel's broker delivers it (the profile's
#: ``channels.TYPE.delivery``) and its type: an exchange (routing only, holds nothing),
#: a queue (competing consumers), a topic or stream (a log: a copy per group), a
#: subject (a copy per subscriber: NATS, MQTT and JMS topics, Redis pub/sub, TIBCO), a
#: socket (ZeroMQ).
CHANNEL_SHAPES = ("exchange", "queue", "topic", "subject", "socket")
SOCKET_TYPES = frozenset({"pub", "sub", "xpub", "xsub", "push", "pull", "req", "rep", "dealer", "router", "pair"})

#: Edge roles of the channel and logical views (v1: "produce", "deliver", "reply").
CHANNEL_ROLES = ("publish", "consume", "route", "dead-letter", "link")

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
    element: str  # "component", "broker" or "channel"
    name: str
    shape: str  # "component", "external", one of BROKER_MODELS or one of CHANNEL_SHAPES
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
    role: str  # "produce", "deliver" or "reply"; or one of CHANNEL_ROLES
    pattern: str  # "queue", "pubsub", "request-reply"
    message: str  # the message type(s); on a route, what it matches
    rate_label: str  # "120/s, peak 600/s" on produce edges and the channel roles, else ""
    tooltip: str
    severity: str | None
    change: str | None = None  # one of CHANGES when drawn for `msgarch diff --render`
    flows: tuple[str, ...] = ()  # the ids of the flows it carries (channel and logical views)


@dataclass(frozen=True)
class Cluster:
    id: str
    label: str
    kind: str  # "zone", "broker", "external", or "channels" (a broker holding its channels)
    tooltip: str = ""  # "" : the caption
    severity: str | None = None  # "channels": a finding on the broker
    heat: str | None = None  # "channels": the broker's utilisation class with --heat


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
    view: str = "channels"
    channels: tuple[Mapping[str, Any], ...] = ()  # msgarch.plan.channels.channel_rows, for the report
    counts: Mapping[str, int] = field(default_factory=dict)  # model totals, for the report
    scope: str = ""  # what part of the model is drawn ("" : all of it), e.g. "zone edge"

    def nodes_in(self, cluster_id: str | None) -> tuple[Node, ...]:
        return tuple(node for node in self.nodes if node.cluster == cluster_id)

    @property
    def broker_models(self) -> tuple[str, ...]:
        return tuple(sorted({node.shape for node in self.nodes if node.element == "broker"},
                            key=BROKER_MODELS.index))

    @property
    def channel_shapes(self) -> tuple[str, ...]:
        return tuple(sorted({node.shape for node in self.nodes if node.element == "channel"},
                            key=CHANNEL_SHAPES.index))

    @property
    def patterns(self) -> tuple[str, ...]:
        order = ("queue", "pubsub", "request-reply")
        return tuple(p for p in order if any(e.pattern == p and e.role not in ("route", "dead-letter")
                                             for e in self.edges))

    @property
    def route_roles(self) -> tuple[str, ...]:
        return tuple(r for r in ("route", "dead-letter") if any(e.role == r for e in self.edges))

    @property
    def has_replies(self) -> bool:
        return any(e.role == "reply" for e in self.edges)

    @property
    def severities(self) -> tuple[str, ...]:
        found = ({n.severity for n in self.nodes} | {e.severity for e in self.edges}
                 | {c.severity for c in self.clusters})
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


def channel_id(name: str) -> str:
    return "ch_" + mangle(name)


def has_channels(model: Model) -> bool:
    return bool(model.channels or model.publishes or model.consumes)


def resolve_view(model: Model, view: str | None = None) -> str:
    """``view``, or the default: ``channels`` (on a model without channels it draws what
    v1 drew)."""
    if view is None or view == "auto":
        return "channels"
    if view not in VIEWS:
        raise ValueError(f"view must be one of {', '.join(VIEWS)}, not {view!r}")
    return view


def channel_shape(channel, info=None, broker_kind: str | None = None) -> str:
    """The shape family of a channel (one of CHANNEL_SHAPES)."""
    delivery = getattr(info, "delivery", None)
    if channel.type == "exchange" or delivery == "route":
        return "exchange"
    if channel.type in SOCKET_TYPES or broker_kind == "zeromq":
        return "socket"
    if channel.type == "stream" or channel.settings.get("type") == "stream" or delivery == "groups":
        return "topic"
    if delivery in ("broadcast", "broadcast-unless-group"):
        return "subject"
    return "queue"


def build_scene(model: Model, findings: Iterable[Diagnostic] = (), loads: Loads | None = None, *,
                group: str = "zone", heat: bool = False,
                broker_models: Mapping[str, str] | None = None, view: str | None = None) -> Scene:
    """Everything a diagram of ``model`` shows, sorted.

    ``findings``: lint diagnostics, shown on the element whose declaration they point
    at. ``loads``: consumer and broker loads for ``heat`` and the capacity table.
    ``broker_models``: broker name -> profile model (``broker``, ``database``...);
    missing brokers fall back to the built-in kinds' models. ``view``: one of VIEWS
    (default ``channels``).
    """
    if group not in GROUPS:
        raise ValueError(f"group must be one of {', '.join(GROUPS)}, not {group!r}")
    view = resolve_view(model, view)
    loads = loads or Loads()
    headroom = model.system.headroom
    located = locate_findings(model, findings)
    by_element: dict[str, list[Diagnostic]] = {}
    for item in located:
        by_element.setdefault(item.element, []).append(item.diagnostic)

    resolved = sorted((f for f in model.flows if model.resolved(f)), key=lambda f: f.id)
    if view == "brokers":
        flows = resolved
    elif view == "channels":
        flows = [f for f in resolved if not f.derived]
    else:
        flows = []
    drawn_channels = (sorted(model.channels) if view == "channels" else [])
    channel_brokers = sorted({model.channels[n].broker for n in drawn_channels
                              if model.channels[n].broker in model.brokers})
    used: dict[str, set[str]] = {}
    for flow in (resolved if view == "logical" else flows):
        for name in (flow.producer, *flow.consumers):
            used.setdefault(name, set()).add(flow.via)
    if view == "channels":
        for endpoint in (*model.publishes, *model.consumes):
            channel = model.channels.get(endpoint.channel)
            if channel is not None and channel.broker in model.brokers:
                used.setdefault(endpoint.component, set()).add(channel.broker)

    brokers = {name: _broker_view(model, name, by_element, loads, heat, headroom, broker_models)
               for name in sorted(model.brokers)}
    clusters, membership = _clusters(model, used, group, {name: brokers[name] for name in channel_brokers})

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
    if view != "logical":
        carried = {flow.via for flow in flows}
        holding = set(channel_brokers)
        for name in sorted(model.brokers):
            if name in holding and name not in carried:
                continue  # drawn as the cluster of its channels
            nodes.append(replace(brokers[name], cluster=membership.get(broker_id(name))))

    edges: list[Edge] = []
    figures = None
    if has_channels(model):
        from msgarch.plan.channels import traffic

        figures = traffic(model)
    if view == "channels" and figures is not None:
        channel_nodes, channel_edges = _channel_parts(model, drawn_channels, by_element, membership, figures)
        nodes += channel_nodes
    else:
        channel_edges = []
    replies: dict[tuple[str, str], list[Flow]] = {}
    for flow in flows:
        diagnostics = _flow_diagnostics(flow, by_element)
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
    edges += channel_edges
    if view == "logical":
        edges += _logical_edges(model, resolved, by_element)

    rows: tuple = ()
    counts: dict[str, int] = {}
    if has_channels(model):
        from msgarch.plan.channels import channel_rows

        rows = tuple(channel_rows(model, figures))
        counts = {"components": len(model.components), "brokers": len(model.brokers),
                  "channels": len(model.channels), "routes": len(model.routes),
                  "publishes": len(model.publishes), "consumes": len(model.consumes),
                  "flows": len(resolved), "derived": sum(1 for f in resolved if f.derived)}
    return Scene(
        title=model.system.name or model.root, root=model.root, group=group, heat=heat,
        headroom=headroom, clusters=tuple(clusters), nodes=tuple(nodes), edges=tuple(edges),
        findings=tuple(located), loads=loads, view=view, channels=rows, counts=counts)


def _broker_view(model: Model, name: str, by_element, loads: Loads, heat: bool, headroom: float,
                 broker_models: Mapping[str, str] | None) -> Node:
    """The broker as a node (its cluster is set by the caller); its tooltip, heat and
    severity also dress the cluster that holds its channels."""
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
    return Node(
        id=broker_id(name), element="broker", name=name, shape=shape,
        detail=broker.kind + (f" x{broker.nodes}" if broker.nodes else ""),
        heat_line=_broker_heat_line(utilisation, stored) if heat else "",
        tooltip="\n".join(tip), cluster=None, heat=level, severity=_worst(diagnostics))


def _flow_diagnostics(flow: Flow, by_element) -> list[Diagnostic]:
    """Findings on a flow, on its message and, for a derived flow, on the publish,
    channels, routes and consumes it was made from."""
    found = by_element.get(f"flow {flow.id}", []) + by_element.get(f"message {flow.message}", [])
    for _, label in flow.origins:
        found = found + by_element.get(label, [])
    return found


#: Past this many characters a list in a label (message types, route keys) takes one
#: line per item: long event names side by side make a diagram thousands of points wide.
LABEL_WIDTH = 40


def _listed(parts: list[str], limit: int = 3) -> str:
    shown = parts[:limit] + ([f"+{len(parts) - limit} more"] if len(parts) > limit else [])
    one_line = ", ".join(parts[:limit]) + (f" +{len(parts) - limit} more" if len(parts) > limit else "")
    return one_line if len(one_line) <= LABEL_WIDTH else "\n".join(shown)


def _messages(names: Iterable[str], limit: int = 3) -> str:
    return _listed(sorted(set(names)), limit)


def _sum_label(total) -> str:
    """The label of a summed rate (``msgarch.plan.channels.Rate``)."""
    if total is None or not total.known:
        return ""
    if total.rate is not None and total.peak is not None and abs(total.peak - total.rate) > 1e-9 * total.peak:
        return f"{rate(total.rate)}, peak {rate(total.peak)}"
    if total.rate is not None:
        return rate(total.rate)
    return f"peak {rate(total.peak)}"


def _sum_line(total) -> str:
    text = _sum_label(total)
    if total is not None and total.unknown:
        text = (text + " + " if text else "") + f"{total.unknown} without a rate"
    return text or "rate unknown"


_PATTERN_ORDER = ("request-reply", "pubsub", "queue")


def _pattern_of(flows: Iterable[Flow], fallback: str = "queue") -> str:
    found = {f.pattern for f in flows}
    return next((p for p in _PATTERN_ORDER if p in found), fallback)


def _channel_parts(model: Model, drawn: list[str], by_element, membership,
                   figures) -> tuple[list[Node], list[Edge]]:
    """Channel nodes, and the publish, route and consume edges between them and the
    components, one edge per pair."""
    from msgarch.plan.channels import DELIVERY_WORDS, Rate, route_filter, settings_written

    derivation = model.derivation
    info = derivation.info if derivation is not None else {}
    into, through, received = figures
    drawn_set = set(drawn)
    derived = sorted((f for f in model.flows if f.derived and model.resolved(f)), key=lambda f: f.id)
    by_publish: dict[tuple[str, str], list[Flow]] = {}
    by_consume: dict[tuple[str, str], list[Flow]] = {}
    by_route: dict[tuple[str, str], list[Flow]] = {}
    for flow in derived:
        if flow.path:
            by_publish.setdefault((flow.producer, flow.path[0]), []).append(flow)
        for consumer in dict.fromkeys(flow.consumers):
            by_consume.setdefault((flow.channel, consumer), []).append(flow)
        for pair in dict.fromkeys(zip(flow.path, flow.path[1:])):
            by_route.setdefault(pair, []).append(flow)

    def flow_findings(flows: list[Flow]) -> list[Diagnostic]:
        return [d for f in flows for d in by_element.get(f"flow {f.id}", [])]

    nodes: list[Node] = []
    for name in drawn:
        channel = model.channels[name]
        broker = model.brokers.get(channel.broker)
        here = info.get(name)
        shape = channel_shape(channel, here, broker.kind if broker is not None else None)
        diagnostics = by_element.get(f"channel {name}", [])
        kind = broker.kind if broker is not None else "undeclared broker"
        tip = [f"channel {name} on {channel.broker} ({kind}): {channel.type}"]
        if channel.address != name:
            tip.append(f"address: {channel.address!r}")
        settings = settings_written(model, channel.settings, channel.prop_spans, skip=("address",))
        if settings:
            tip.append("settings: " + ", ".join(settings))
        if here is not None:
            tip.append(f"delivery: {DELIVERY_WORDS.get(here.delivery, here.delivery)}"
                       + (f"; routing: {here.routing}" if here.routing not in ("none", "whole") else ""))
            tip.append(f"from: {here.source.partition(' (source: ')[0]}")
        arriving = into.get(name)
        if arriving is not None:
            tip.append(f"in: {_sum_line(arriving)}")
        tip += _finding_lines(diagnostics)
        nodes.append(Node(
            id=channel_id(name), element="channel", name=name, shape=shape,
            detail=_channel_detail(channel, shape), heat_line="", tooltip="\n".join(tip),
            cluster=membership.get(channel_id(name)), heat=None, severity=_worst(diagnostics)))

    edges: list[Edge] = []
    publishes: dict[tuple[str, str], list] = {}
    for publish in model.publishes:
        if publish.component in model.components and publish.channel in drawn_set:
            publishes.setdefault((publish.component, publish.channel), []).append(publish)
    for (component, name), endpoints in sorted(publishes.items()):
        flows = by_publish.get((component, name), [])
        total = Rate()
        lines = [f"{component} publishes to {model.channels[name].type} {name}"]
        diagnostics: list[Diagnostic] = []
        for publish in sorted(endpoints, key=lambda p: p.message):
            total.add(publish.needs.rate, publish.needs.peak)
            one = Rate()
            one.add(publish.needs.rate, publish.needs.peak)
            facts = settings_written(model, publish.settings, publish.prop_spans, skip=("rate", "peak"))
            lines.append(f"{publish.message}: {_sum_line(one)}" + (f"; {', '.join(facts)}" if facts else ""))
            diagnostics += by_element.get(publish.id, []) + by_element.get(f"message {publish.message}", [])
        diagnostics += flow_findings(flows)
        lines += [f"flow {f.id}" for f in flows]
        edges.append(Edge(
            id=f"p_{mangle(component)}_to_{mangle(name)}", tail=component_id(component), head=channel_id(name),
            role="publish", pattern=_pattern_of(flows), message=_messages(p.message for p in endpoints),
            rate_label=_sum_label(total), tooltip="\n".join(lines + _finding_lines(diagnostics)),
            severity=_worst(diagnostics), flows=tuple(f.id for f in flows)))

    routes: dict[tuple[str, str, bool], list] = {}
    for route in model.routes:
        if route.source in drawn_set and route.target in drawn_set:
            routes.setdefault((route.source, route.target, route.dead_letter), []).append(route)
    for (source, target, dead), declared in sorted(routes.items()):
        flows = [] if dead else by_route.get((source, target), [])
        matches = "; ".join(dict.fromkeys(route_filter(r) for r in declared))
        source_broker, target_broker = model.channels[source].broker, model.channels[target].broker
        lines = [("dead-letter route " if dead else "route ") + f"{source} -> {target}"
                 + (f" (across brokers: {source_broker} -> {target_broker})" if source_broker != target_broker else ""),
                 f"matches: {matches}"]
        total = None if dead else through.get((source, target))
        if not dead:
            lines.append(f"carries: {_sum_line(total)}")
        diagnostics = [d for r in declared for d in by_element.get(f"route {r.id}", [])] + flow_findings(flows)
        lines += [f"flow {f.id}" for f in flows]
        edges.append(Edge(
            id=("dl_" if dead else "rt_") + f"{mangle(source)}_to_{mangle(target)}",
            tail=channel_id(source), head=channel_id(target), role="dead-letter" if dead else "route",
            pattern=_pattern_of(flows), message="dead-letter" if dead else _route_label(declared),
            rate_label=_sum_label(total), tooltip="\n".join(lines + _finding_lines(diagnostics)),
            severity=_worst(diagnostics), flows=tuple(f.id for f in flows)))

    consumes: dict[tuple[str, str], list] = {}
    for consume in model.consumes:
        if consume.component in model.components and consume.channel in drawn_set:
            consumes.setdefault((consume.channel, consume.component), []).append(consume)
    for (name, component), endpoints in sorted(consumes.items()):
        flows = by_consume.get((name, component), [])
        here = info.get(name)
        total = Rate()
        per_instance = bool(flows) and all(f.broadcast for f in flows)
        lines = [f"{component} consumes from {model.channels[name].type} {name}"
                 + (" (every instance receives every message)" if per_instance else "")]
        diagnostics = []
        for consume in sorted(endpoints, key=lambda c: c.message):
            got = received.get((name, component, consume.message))
            if got is not None:
                total.add(got.rate, got.peak)
            facts = settings_written(model, consume.settings, consume.prop_spans)
            lines.append(f"{consume.message}: {_sum_line(got) if got is not None else 'nothing derived reaches it'}"
                         + (f"; {', '.join(facts)}" if facts else ""))
            diagnostics += by_element.get(consume.id, []) + by_element.get(f"message {consume.message}", [])
        diagnostics += flow_findings(flows)
        lines += [f"flow {f.id}" for f in flows]
        fallback = "queue" if here is None or here.delivery == "competing" else "pubsub"
        label = _sum_label(total) if total.known else ""
        edges.append(Edge(
            id=f"d_{mangle(name)}_to_{mangle(component)}", tail=channel_id(name), head=component_id(component),
            role="consume", pattern=_pattern_of(flows, fallback), message=_messages(c.message for c in endpoints),
            rate_label=label + (" per instance" if label and per_instance else ""),
            tooltip="\n".join(lines + _finding_lines(diagnostics)),
            severity=_worst(diagnostics), flows=tuple(f.id for f in flows)))
    return nodes, edges


def _route_label(routes) -> str:
    """What a route line says: its keys or filter, short."""
    parts: list[str] = []
    for route in routes:
        if route.keys:
            parts += list(route.keys)
        for name in ("filter", "headers"):
            value = route.settings.get(name)
            if value:
                parts.append(" ".join(value) if isinstance(value, (tuple, list)) else str(value))
    return _listed(list(dict.fromkeys(parts)))


def _channel_detail(channel, shape: str) -> str:
    """The small line under a channel's name: ``topic exchange``, ``quorum queue``,
    ``topic, 12 partitions``."""
    sub = channel.settings.get("type")
    text = f"{sub} {channel.type}" if isinstance(sub, str) and sub != channel.type else channel.type
    partitions = channel.settings.get("partitions")
    if partitions:
        text += f", {partitions} partitions"
    if channel.settings.get("fifo"):
        text += ", fifo"
    return text


def _logical_edges(model: Model, flows: list[Flow], by_element) -> list[Edge]:
    """One producer -> consumer edge per pair, from every flow."""
    from msgarch.plan.channels import Rate, flow_deliveries

    pairs: dict[tuple[str, str], list[tuple[Flow, float]]] = {}
    for flow in flows:
        for consumer, share in flow_deliveries(model, flow).items():
            pairs.setdefault((flow.producer, consumer), []).append((flow, share))
    edges = []
    for (producer, consumer), carried in sorted(pairs.items()):
        total = Rate()
        diagnostics: list[Diagnostic] = []
        lines = [f"{producer} -> {consumer}"]
        for flow, share in carried:
            total.add(flow.rate, flow.peak, share)
            where = flow.via + (f" ({' -> '.join(flow.path)})" if flow.path else "")
            lines.append(f"flow {flow.id}: via {where}, {flow.pattern}")
            diagnostics += _flow_diagnostics(flow, by_element)
        flows_here = [f for f, _ in carried]
        edges.append(Edge(
            id=f"l_{mangle(producer)}_to_{mangle(consumer)}", tail=component_id(producer),
            head=component_id(consumer), role="link", pattern=_pattern_of(flows_here),
            message=_messages(f.message for f in flows_here), rate_label=_sum_label(total),
            tooltip="\n".join(lines + [f"delivered: {_sum_line(total)}"] + _finding_lines(diagnostics)),
            severity=_worst(diagnostics), flows=tuple(f.id for f in flows_here)))
    return edges


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

    # Flows first: their own spans are the most specific. A derived flow has no span of
    # its own (it borrows those of the publish and consumes that made it), so a finding
    # on it lands on that declaration, and the renderer colours the flows made from it.
    for route in model.routes:
        register(f"route {route.id}", [route.span, *route.prop_spans.values()])
    for endpoint in (*model.publishes, *model.consumes):
        register(endpoint.id, [endpoint.span, endpoint.channel_span, endpoint.message_span,
                               *endpoint.prop_spans.values()])
    for name in sorted(model.channels):
        channel = model.channels[name]
        register(f"channel {name}", [channel.span, channel.broker_span, channel.type_span,
                                     *channel.prop_spans.values()])
    for flow in model.flows:
        if flow.derived:
            continue
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


def _clusters(model: Model, used: Mapping[str, set[str]], group: str,
              holding: Mapping[str, Node] | None = None) -> tuple[list[Cluster], dict[str, str]]:
    """The clusters of the chosen grouping and node id -> cluster id. External
    components always stand apart, in their own cluster. ``holding``: the brokers whose
    channels are drawn (name -> the broker's node, for its caption, tooltip and colours):
    each is a cluster of its channels whatever the grouping. ``used``: component -> the
    brokers it uses (for ``--group broker``)."""
    holding = holding or {}
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
    for broker in sorted(model.brokers):
        if group != "broker" and broker not in holding:
            continue
        cluster_id = "cluster_broker_" + mangle(broker)
        if broker in holding:
            node = holding[broker]
            caption = f"{broker}: {node.detail}" + (f", {node.heat_line}" if node.heat_line else "")
            clusters.append(Cluster(cluster_id, caption, "channels", tooltip=node.tooltip,
                                    severity=node.severity, heat=node.heat))
        else:
            clusters.append(Cluster(cluster_id, broker, "broker"))
        membership[broker_id(broker)] = cluster_id
        if group == "broker":
            for name in internal:
                if used.get(name) == {broker}:
                    membership[component_id(name)] = cluster_id
    for name, channel in model.channels.items():
        if channel.broker in holding:
            membership[channel_id(name)] = "cluster_broker_" + mangle(channel.broker)
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
    if flow.derived:
        lines.append("derived: " + " -> ".join((flow.producer, *flow.path)) + " -> "
                     + " | ".join(", ".join(group) for group in flow.groups)
                     + (" (every instance receives every message)" if flow.broadcast else ""))
        lines += list(flow.notes)
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
