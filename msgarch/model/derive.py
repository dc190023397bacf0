"""Derive flows from channels, routes, publishes and consumes (language v2).

For every publish, routing is evaluated as its broker does it (profile
``channels.TYPE.routing``: AMQP direct/topic/fanout/headers, NATS and MQTT wildcards,
SNS filter policies, Kafka's whole topic), the channels its messages reach are found
(one copy per channel, however many bindings match, as AMQP delivers), and the consumes
of that message type on each reached channel are grouped by who shares what
(``channels.TYPE.delivery``: competing consumers share; each group gets a copy; on
broadcast types every instance gets every message). Each (publish, reached channel)
becomes one derived `Flow` that every analyser reads as it reads a v1 flow, with the
declarations that made it as ``origins`` (related locations of its findings).

A publish with several literal keys is split evenly over them (stated in the flow's
notes); a publish that declares no key is counted in full on every route a key could
take, and the flow says so.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping

from msgarch.model import routing
from msgarch.model.model import DELIVERY_STRENGTH, Channel, Endpoint, Flow, FlowProps, Model, Route

#: How consumers of a channel type share its messages.
DELIVERIES = ("route", "competing", "groups", "broadcast", "broadcast-unless-group")

#: What msgarch assumes for a channel type its broker's profile does not describe.
_FALLBACK = {
    "exchange": ("route", {"setting": "type", "values": {"direct": "exact", "topic": "amqp-topic",
                                                          "fanout": "all", "headers": "headers"}}),
    "topic": ("groups", "whole"),
    "stream": ("groups", "whole"),
    "subject": ("broadcast-unless-group", "nats"),
    "channel": ("broadcast", "exact"),
    "pub": ("broadcast", "whole"),
}
_FALLBACK_DEFAULT = ("competing", "exact")


@dataclass(frozen=True)
class ChannelInfo:
    """What derivation needs to know of one declared channel, and where it came from."""

    delivery: str
    routing: str
    profile_kind: str | None = None
    per_partition: bool = False
    name_routing: bool = False
    source: str = ""  # the profile fact, or "assumed: ..." when the profile has no vocabulary
    known: bool = True  # the broker's profile describes this channel type


@dataclass(frozen=True)
class KeyOutcome:
    """Where one published key went."""

    key: str | None
    reached: tuple[str, ...]  # channels the message lands in (queues, topics, streams...)
    dropped: tuple[tuple[str, str], ...] = ()  # (channel, what happens to it there)
    visited: tuple[str, ...] = ()  # every channel it passes, exchanges included
    paths: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # reached -> channels on the way


@dataclass(frozen=True)
class PublishOutcome:
    publish: Endpoint
    keys: tuple[KeyOutcome, ...]

    @property
    def unroutable(self) -> bool:
        """Every declared key is dropped before it reaches a channel that holds messages."""
        return bool(self.keys) and all(k.key is not None and not k.reached and k.dropped for k in self.keys)


@dataclass(frozen=True)
class Derivation:
    """What routing found, for the T rules and the renderers."""

    info: Mapping[str, ChannelInfo] = field(default_factory=dict)
    outcomes: tuple[PublishOutcome, ...] = ()
    route_hits: Mapping[int, int] = field(default_factory=dict)  # route index -> keys it matched
    route_unknown: frozenset[int] = frozenset()  # routes reached by a publish without a key


ProfileOf = Callable[[str], Any]


def _resolve(spec: Any, channel: Channel, settings_info: Mapping[str, Any]) -> Any:
    """A fixed value, or ``{"setting": S, "values": {...}}`` read from the channel's setting S
    (its default from the profile when the channel does not set it)."""
    if not isinstance(spec, Mapping):
        return spec
    name = spec.get("setting")
    value = channel.settings.get(name)
    if value is None:
        value = (settings_info.get(name) or {}).get("default")
    return spec.get("values", {}).get(value if not isinstance(value, bool) else str(value).lower())


def channel_info(channel: Channel, profile: Any | None) -> ChannelInfo:
    vocabulary = (getattr(profile, "data", None) or {}).get("channels") if profile is not None else None
    entry = vocabulary.get(channel.type) if isinstance(vocabulary, Mapping) else None
    if entry is None:
        delivery, style = _FALLBACK.get(channel.type, _FALLBACK_DEFAULT)
        style = _resolve(style, channel, {}) or "exact"
        why = ("the profile lists no channel types" if not vocabulary
               else f"the profile has no channel type '{channel.type}'")
        return ChannelInfo(delivery, style, source=f"assumed from the type's name ({why})", known=False)
    settings_info = entry.get("settings", {})
    delivery = _resolve(entry.get("delivery", "competing"), channel, settings_info) or "competing"
    style = _resolve(entry.get("routing", "none"), channel, settings_info) or "none"
    kind = _resolve(entry.get("profile"), channel, settings_info)
    profile_id = getattr(profile, "id", "?")
    return ChannelInfo(
        delivery=delivery, routing=style, profile_kind=kind,
        per_partition=bool(_resolve(entry.get("per-partition", False), channel, settings_info)),
        name_routing=bool(entry.get("name-routing", False)),
        source=f"{profile_id} profile, channels.{channel.type}" + (
            f" (source: {entry['source']})" if entry.get("source") else ""),
    )


def derive(model: Model, profile_of: ProfileOf) -> Model:
    """The model with its derived flows appended to ``flows`` and ``derivation`` set."""
    if not model.channels and not model.publishes and not model.consumes:
        return model
    info = {name: channel_info(channel, profile_of(channel.broker) if channel.broker in model.brokers else None)
            for name, channel in model.channels.items()}
    outgoing: dict[str, list[tuple[int, Route]]] = {}
    routes_by_pair: dict[tuple[str, str], list[Route]] = {}
    for index, route in enumerate(model.routes):
        if not route.dead_letter:
            outgoing.setdefault(route.source, []).append((index, route))
            routes_by_pair.setdefault((route.source, route.target), []).append(route)
    by_address: dict[tuple[str, str], list[str]] = {}  # (broker, address) -> channels, for the default exchange
    for name, channel in model.channels.items():
        if info[name].delivery != "route":
            by_address.setdefault((channel.broker, channel.address), []).append(name)
    consumes: dict[tuple[str, str], list[Endpoint]] = {}
    for consume in model.consumes:
        consumes.setdefault((consume.channel, consume.message), []).append(consume)
    hits: dict[int, int] = {}
    unknown: set[int] = set()
    outcomes: list[PublishOutcome] = []
    flows: list[Flow] = []
    seen_ids: dict[str, int] = {f.id: 1 for f in model.flows}
    for publish in model.publishes:
        if publish.channel not in model.channels:
            outcomes.append(PublishOutcome(publish, ()))
            continue
        keys: tuple[str | None, ...] = publish.keys or (None,)
        key_outcomes = [_walk(model, info, outgoing, publish, key, hits, unknown, by_address) for key in keys]
        outcomes.append(PublishOutcome(publish, tuple(key_outcomes)))
        flows.extend(_flows_of(model, info, publish, key_outcomes, consumes, seen_ids, routes_by_pair))
    derivation = Derivation(info, tuple(outcomes), hits, frozenset(unknown))
    return replace(model, flows=(*model.flows, *flows), derivation=derivation)


def _attributes(publish: Endpoint) -> dict[str, str] | None:
    pairs = publish.settings.get("headers")
    return routing.parse_attributes(pairs) if pairs else None


def _route_matches(style: str, route: Route, key: str | None, publish: Endpoint) -> bool | None:
    """True, False, or None (cannot tell: counted in full)."""
    if style in routing.CARRY_ALL:
        return True
    if style == "headers":
        attributes = _attributes(publish)
        required = route.settings.get("headers", ())
        if not required:
            return True
        return None if attributes is None else routing.headers_match(required, route.settings.get("match", "all"),
                                                                    attributes)
    if style == "sns-filter":
        expression = route.settings.get("filter")
        if not expression:
            return True
        attributes = _attributes(publish)
        return None if attributes is None else routing.sns_filter(expression, attributes)
    patterns = route.keys or ((route.settings["filter"],) if route.settings.get("filter") else ())
    if not patterns:
        return True  # a route that names no key carries every key (said in the flow's notes)
    if key is None:
        return None
    return any(routing.key_matches(style, pattern, key) for pattern in patterns)


def _walk(model: Model, info: Mapping[str, ChannelInfo], outgoing, publish: Endpoint, key: str | None,
          hits: dict[int, int], unknown: set[int], by_address) -> KeyOutcome:
    start = model.channels[publish.channel]
    reached: list[str] = []
    dropped: list[tuple[str, str]] = []
    subjects = start.settings.get("subjects")
    if subjects and key is not None and not any(routing.nats_subject(s, key) or s == key for s in subjects):
        what = (f"not among the subjects of {start.type} '{start.name}' ({', '.join(subjects)}): no stream "
                "captures it, so the publish fails (no responders) or is lost")
        return KeyOutcome(key, (), ((start.name, what),), (start.name,))
    queue = deque([start.name])
    parent: dict[str, str] = {start.name: ""}
    visited = {start.name}
    while queue:
        name = queue.popleft()
        channel = model.channels[name]
        here = info[name]
        if here.delivery != "route":
            reached.append(name)
        targets: list[str] = []
        for index, route in outgoing.get(name, ()):
            verdict = _route_matches(here.routing, route, key, publish)
            if verdict is None:
                unknown.add(index)
            elif verdict and key is not None:
                hits[index] = hits.get(index, 0) + 1
            if verdict is not False:
                targets.append(route.target)
        if here.name_routing and channel.address == "" and key is not None:
            targets.extend(other for other in by_address.get((channel.broker, key), ()) if other != name)
        if not targets and here.delivery == "route":
            alternate = channel.settings.get("alternate-exchange")
            if alternate in model.channels:
                targets.append(alternate)
            else:
                dropped.append((name, "returned to the publisher (mandatory)" if publish.settings.get("mandatory")
                                else "dropped without a trace (no alternate exchange, not mandatory)"))
        for target in targets:
            if target in model.channels and target not in visited:
                visited.add(target)
                parent[target] = name
                queue.append(target)
    paths = {}
    for name in reached:
        chain = [name]
        while parent[chain[-1]]:
            chain.append(parent[chain[-1]])
        paths[name] = tuple(reversed(chain))
    return KeyOutcome(key, tuple(sorted(reached)), tuple(dropped), tuple(sorted(visited)), paths)


def _consume_filter_allows(style: str, consume: Endpoint, key: str | None) -> bool:
    pattern = consume.settings.get("filter")
    if not pattern or key is None:
        return True
    if style in ("nats", "mqtt", "amqp-topic"):
        return routing.key_matches(style, pattern, key)
    return True  # other filters (SQL, property filters) are not evaluated: counted in full


def _groups(here: ChannelInfo, consumes: list[Endpoint]) -> tuple[tuple[tuple[str, ...], ...], bool]:
    """(groups of components, broadcast to every instance)."""
    order = list(dict.fromkeys(c.component for c in consumes))
    if here.delivery == "competing":
        return (tuple(order),), False
    if here.delivery == "broadcast":
        return tuple((name,) for name in order), True
    named: dict[str, list[str]] = {}
    for consume in consumes:
        group = consume.group if consume.group is not None else (
            None if here.delivery == "broadcast-unless-group" else consume.component)
        if group is None:
            continue
        named.setdefault(group, [])
        if consume.component not in named[group]:
            named[group].append(consume.component)
    if here.delivery == "broadcast-unless-group":
        loose = [c.component for c in consumes if c.group is None]
        if loose and not named:
            return tuple((name,) for name in dict.fromkeys(loose)), True
        return tuple(tuple(m) for m in named.values()) + tuple((n,) for n in dict.fromkeys(loose)), False
    return tuple(tuple(m) for m in named.values()), False


def _combine(publish: Endpoint, consumes: list[Endpoint]) -> tuple[FlowProps, dict]:
    """The publish's figures and the strongest need of its consumers (the channel must meet all)."""
    base = publish.needs
    spans = dict(publish.prop_spans)
    values: dict[str, Any] = {name: getattr(base, name) for name in FlowProps.__dataclass_fields__}
    for consume in consumes:
        own = consume.needs
        for name in FlowProps.__dataclass_fields__:
            mine, theirs = values[name], getattr(own, name)
            if theirs is None or name in ("rate", "peak", "via", "partitions"):
                continue
            if mine is None:
                better = True
            elif name == "delivery":
                better = DELIVERY_STRENGTH[theirs] > DELIVERY_STRENGTH[mine]
            elif name in ("latency", "timeout", "ttl", "backlog"):
                better = theirs < mine
            elif name in ("priority", "retention", "delay_max"):
                better = theirs > mine
            else:
                better = False
            if better:
                values[name] = theirs
                prop = {"delay_max": "delay", "ordered_by": "ordered", "dead_letter": "dead-letter"}.get(name, name)
                if prop in consume.prop_spans:
                    spans[prop] = consume.prop_spans[prop]
    return FlowProps(**values), spans


def _flows_of(model: Model, info: Mapping[str, ChannelInfo], publish: Endpoint,
              outcomes: list[KeyOutcome], consumes: dict, seen_ids: dict[str, int],
              routes_by_pair: Mapping[tuple[str, str], list[Route]]) -> list[Flow]:
    total = len(outcomes)
    share: dict[str, float] = {}
    for outcome in outcomes:
        for name in outcome.reached:
            share[name] = share.get(name, 0.0) + 1.0 / total
    flows: list[Flow] = []
    pending: list[tuple[str, float, list[Endpoint], ChannelInfo]] = []
    for name in sorted(share):
        if model.channels[name].broker not in model.brokers:
            continue  # S001 names the undeclared broker; nothing is derived through it
        here = info[name]
        readers = [c for c in consumes.get((name, publish.message), ())
                   if all(_consume_filter_allows(here.routing, c, o.key) for o in outcomes if name in o.reached)]
        if readers:
            pending.append((name, share[name], readers, here))
    # the publish is produced once per broker it lands on, however many channels there
    # receive it: split that one produce over the flows on the broker
    on_broker: dict[str, set[str]] = {}
    for name, _, _, _ in pending:
        on_broker.setdefault(model.channels[name].broker, set()).add(name)
    landed = {broker: sum(1 for o in outcomes if names & set(o.reached)) / total
              for broker, names in on_broker.items()}
    for name, fraction, readers, here in pending:
        channel = model.channels[name]
        groups, everyone = _groups(here, readers)
        if not groups:
            continue
        needs, spans = _combine(publish, readers)
        consumers = tuple(dict.fromkeys(c for group in groups for c in group))
        span_of: dict[str, object] = {}
        for reader in readers:
            span_of.setdefault(reader.component, reader.component_span)
        path = next(o.paths[name] for o in outcomes if name in o.paths)
        siblings = len(on_broker[channel.broker])
        produce_share = landed[channel.broker] / (siblings * fraction) if fraction else 1.0
        pattern = "request-reply" if needs.pattern == "request-reply" else (
            "pubsub" if everyone or len(groups) > 1 else "queue")
        notes = []
        if total > 1:
            notes.append(f"the publish names {total} keys: its rate is split evenly over them; "
                         f"{fraction:.0%} reaches {name}")
        if publish.keys == () and len(path) > 1:
            notes.append("the publish declares no key: counted in full on every route it could take")
        base_id = f"{publish.component}->{','.join(sorted(consumers))}:{publish.message}@{name}"
        seen_ids[base_id] = seen_ids.get(base_id, 0) + 1
        flow_id = base_id if seen_ids[base_id] == 1 else f"{base_id}#{seen_ids[base_id]}"
        single = bool(channel.settings.get("single-active-consumer") or channel.settings.get("exclusive")
                      or any(c.settings.get("single-active") or c.settings.get("exclusive") for c in readers))
        origins = [(publish.span, f"{publish.id}")]
        origins += [(model.channels[step].span, f"channel {step}") for step in path]
        origins += [(route.span, f"route {route.id}") for step in zip(path, path[1:])
                    for route in routes_by_pair.get(step, ())]
        origins += [(c.span, c.id) for c in readers]
        flows.append(Flow(
            id=flow_id, producer=publish.component, consumers=consumers, message=publish.message,
            span=publish.span, kind=None, via=channel.broker, via_declared=True,
            pattern=pattern, pattern_declared=needs.pattern is not None,
            partitions=channel.settings.get("partitions"),
            rate=None if needs.rate is None else needs.rate * fraction,
            peak=None if needs.peak is None else needs.peak * fraction,
            latency=needs.latency, timeout=needs.timeout, durable=bool(needs.durable),
            delivery=needs.delivery, ordered=bool(needs.ordered), ordered_by=needs.ordered_by,
            priority=needs.priority, ttl=needs.ttl, delay=bool(needs.delay), delay_max=needs.delay_max,
            dead_letter=bool(needs.dead_letter), retention=needs.retention or channel.settings.get("retention"),
            replay=bool(needs.replay), routing=needs.routing, backlog=needs.backlog,
            producer_span=publish.component_span, consumer_spans=tuple(span_of[name_] for name_ in consumers),
            message_span=publish.message_span, prop_spans=spans,
            channel=name, path=path, groups=groups, broadcast=everyone,
            per_partition=here.per_partition, profile_kind=here.profile_kind,
            produce_share=produce_share,
            transit=tuple(dict.fromkeys(model.channels[step].broker for step in path
                                        if model.channels[step].broker != channel.broker)),
            origins=tuple(origins), notes=tuple(notes), single_active=single,
        ))
    return flows
