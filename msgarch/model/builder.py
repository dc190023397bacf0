"""Turn syntax trees into the domain model: convert units, apply kinds, collect every problem."""

from __future__ import annotations

import re
from dataclasses import fields, replace
from typing import Callable, Iterable

from msgarch.diagnostics import Diagnostic, Related, Span, input_error
from msgarch.dsl import ast
from msgarch.model import settings as vocabulary
from msgarch.dsl import units
from msgarch.model.model import (
    DELIVERY_GUARANTEES, PATTERNS, PLATFORM_FEATURES, ROUTING_STYLES, Broker, Channel, Component,
    Duplicate, Endpoint, Flow, FlowProps, Kind, Message, Model, OnError, Route, System,
)

_FLOW_PROP_FIELDS = {f.name for f in fields(FlowProps)}


class _Problems:
    """Collects E001 diagnostics for values that parse but mean nothing."""

    def __init__(self) -> None:
        self.items: list[Diagnostic] = []

    def add(self, message: str, span: Span, hint: str = "", related: tuple[Related, ...] = ()) -> None:
        self.items.append(input_error("E001", message, span, hint, related))


class _Props:
    """Reads one block's properties, converting each and remembering where it stands."""

    def __init__(self, props: Iterable[ast.Property], problems: _Problems):
        self.problems = problems
        self.by_name: dict[str, ast.Property] = {}
        for prop in props:
            first = self.by_name.get(prop.name)
            if first is not None:
                problems.add(f"property '{prop.name}' is given twice in this block", prop.span,
                             "keep one of them", (Related(first.span, "first given here"),))
                continue
            self.by_name[prop.name] = prop
        for prop in self.by_name.values():
            for value in prop.values:
                if isinstance(value, ast.Str):
                    for bad in value.bad_escapes():
                        problems.add(f"unknown escape '{bad}' in a string (only \\\" and \\\\ are allowed)",
                                     value.span)

    @property
    def spans(self) -> dict[str, Span]:
        return {name: prop.span for name, prop in self.by_name.items()}

    def has(self, name: str) -> bool:
        return name in self.by_name

    def _convert(self, name: str, parse: Callable[[str], object], check=None, check_message: str = ""):
        prop = self.by_name.get(name)
        if prop is None or not prop.values:
            return None
        value = prop.values[0]
        try:
            result = parse(value.text)
        except units.UnitError as exc:
            self.problems.add(f"{name}: {exc}", value.span)
            return None
        if check is not None and not check(result):
            self.problems.add(f"{name} {value.text}: {check_message}", value.span)
            return None
        return result

    def rate(self, name: str):
        return self._convert(name, units.parse_rate, lambda v: v > 0, "a rate must be above zero")

    def size(self, name: str):
        return self._convert(name, units.parse_size, lambda v: v > 0, "a size must be above zero")

    def duration(self, name: str):
        return self._convert(name, units.parse_duration, lambda v: v > 0, "a duration must be above zero")

    def percent(self, name: str, check=None, message: str = ""):
        return self._convert(name, units.parse_percent, check, message)

    def count(self, name: str, minimum: int = 1, maximum: int = 10_000_000):
        return self._convert(name, units.parse_count, lambda v: minimum <= v <= maximum,
                             f"must be between {minimum} and {maximum}")

    def word(self, name: str, allowed: tuple[str, ...] | None = None):
        prop = self.by_name.get(name)
        if prop is None or not prop.values:
            return None
        value = prop.values[0]
        text = value.value if isinstance(value, ast.Str) else value.text
        if allowed is not None and text not in allowed:
            self._not_allowed(name, value, allowed)
            return None
        return text

    def words(self, name: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
        prop = self.by_name.get(name)
        if prop is None:
            return ()
        out = []
        for value in prop.values:
            if value.text not in allowed:
                self._not_allowed(name, value, allowed)
            elif value.text not in out:
                out.append(value.text)
        return tuple(out)

    def _not_allowed(self, name: str, value: ast.Value, allowed: tuple[str, ...]) -> None:
        import difflib  # only on the error path: keeps start-up light
        close = difflib.get_close_matches(value.text, allowed, n=1, cutoff=0.5)
        suggestion = f" (did you mean '{close[0]}'?)" if close else ""
        self.problems.add(f"'{value.text}' is not a valid {name}{suggestion}: expected one of "
                          + ", ".join(allowed), value.span)

    def string(self, name: str) -> str | None:
        prop = self.by_name.get(name)
        if prop is None or not prop.values:
            return None
        value = prop.values[0]
        return value.value if isinstance(value, ast.Str) else value.text

    def flag(self, name: str) -> bool | None:
        return True if name in self.by_name else None


def _flow_props(props: _Props) -> FlowProps:
    delay_prop = props.by_name.get("delay")
    ordered_prop = props.by_name.get("ordered")
    return FlowProps(
        via=props.word("via"),
        pattern=props.word("pattern", PATTERNS),
        partitions=props.count("partitions"),
        rate=props.rate("rate"),
        peak=props.rate("peak"),
        latency=props.duration("latency"),
        timeout=props.duration("timeout"),
        durable=props.flag("durable"),
        delivery=props.word("delivery", DELIVERY_GUARANTEES),
        ordered=props.flag("ordered"),
        ordered_by=ordered_prop.values[0].text if ordered_prop and ordered_prop.values else None,
        priority=props.count("priority", minimum=2, maximum=1000),
        ttl=props.duration("ttl"),
        delay=props.flag("delay"),
        delay_max=props.duration("delay") if delay_prop and delay_prop.values else None,
        dead_letter=props.flag("dead-letter"),
        retention=props.duration("retention"),
        replay=props.flag("replay"),
        routing=props.word("routing", ROUTING_STYLES),
        backlog=props.duration("backlog"),
    )


_ON_ERROR_ACTIONS = ("requeue", "drop", "dead-letter", "reject")


def _count_value(text: str) -> int:
    """A whole number, 0 allowed, with an optional k or M (``100k``)."""
    multiplier = {"k": 1000, "M": 1_000_000}.get(text[-1:], 1)
    number = text[:-1] if multiplier != 1 else text
    if not number.isdigit():
        raise units.UnitError(f"'{text}' is not a whole number: expected a count such as 20, 100k or 2M")
    value = int(number) * multiplier
    if value > 10_000_000_000:
        raise units.UnitError(f"'{text}' is too large to be a real figure")
    return value


def _setting_values(props: "_Props", table: dict[str, str]) -> dict[str, object]:
    """Parse every v2 setting of ``table`` present in ``props``, by its shape."""
    out: dict[str, object] = {}
    for name, shape in table.items():
        prop = props.by_name.get(name)
        if prop is None:
            continue
        value = _setting_value(prop, shape, props.problems)
        if value is not None:
            out[name] = value
    return out


def _setting_value(prop: ast.Property, shape: str, problems: "_Problems"):
    values = prop.values
    texts = [v.value if isinstance(v, ast.Str) else v.text for v in values]
    try:
        if shape == "flag":
            if not values:
                return True
            return vocabulary.FLAG_WORDS[texts[0]]
        if shape in ("word", "channel", "string"):
            return texts[0]
        if shape in ("words", "strings"):
            return tuple(dict.fromkeys(texts))
        if shape == "count":
            value = _count_value(texts[0])
            if prop.name == "concurrency" and value < 1:
                problems.add(f"concurrency {texts[0]}: at least one handler works in an instance",
                             values[0].span, "write `concurrency N` with N at least 1")
                return None
            return value
        if shape == "percent":
            value = units.parse_percent(texts[0])
            if not 0.0 <= value < 1.0:
                problems.add(f"{prop.name} {texts[0]}: must be at least 0% and below 100% (at 100% "
                             "every attempt fails and retries never end)", values[0].span)
                return None
            return value
        if shape in ("duration", "size", "rate"):
            parse = {"duration": units.parse_duration, "size": units.parse_size, "rate": units.parse_rate}[shape]
            result = parse(texts[0])
            if result <= 0:
                problems.add(f"{prop.name} {texts[0]}: must be above zero", values[0].span)
                return None
            return result
        if shape == "key":
            if texts and texts[0] == "by" and not isinstance(values[0], ast.Str):
                return ("by", texts[1])
            return ("literal", tuple(dict.fromkeys(texts)))
        if shape == "processing":
            typical = units.parse_duration(texts[0])
            longest = units.parse_duration(texts[2]) if len(texts) > 2 else None
            if longest is not None and longest < typical:
                problems.add(f"processing {texts[0]} max {texts[2]}: the longest run is shorter than the typical one",
                             prop.span, "write `processing TYPICAL max LONGEST`, the longest last")
                return None
            return (typical, longest)
        if shape == "on-error":
            return _on_error(prop, texts, problems)
    except units.UnitError as exc:
        problems.add(f"{prop.name}: {exc}", prop.span)
        return None
    raise AssertionError(f"unknown setting shape {shape!r}")  # pragma: no cover - tables are fixed


def _on_error(prop: ast.Property, texts: list[str], problems: "_Problems") -> OnError | None:
    def check(word: str, span: Span) -> bool:
        if word in _ON_ERROR_ACTIONS:
            return True
        import difflib  # only on the error path
        close = difflib.get_close_matches(word, _ON_ERROR_ACTIONS, n=1, cutoff=0.5)
        problems.add(f"'{word}' is not an on-error action{f' (did you mean {close[0]!r}?)' if close else ''}: "
                     "expected requeue, drop, dead-letter, reject or retry N", span)
        return False

    if texts[0] != "retry":
        return OnError(texts[0]) if check(texts[0], prop.values[0].span) else None
    retries = _count_value(texts[1])
    backoff = then = None
    rest = texts[2:]
    if rest[:1] == ["backoff"]:
        backoff = (units.parse_duration(rest[1]), units.parse_duration(rest[3]))
        if backoff[1] < backoff[0]:
            problems.add(f"backoff {rest[1]}..{rest[3]}: the last wait is shorter than the first", prop.span)
            return None
        rest = rest[4:]
    if rest[:1] == ["then"]:
        then = rest[1]
        if not check(then, prop.values[-1].span):
            return None
    return OnError("retry", retries, backoff, then)


def _merge(base: FlowProps, own: FlowProps) -> FlowProps:
    """The flow's own properties win over its kind's."""
    return FlowProps(**{
        name: getattr(own, name) if getattr(own, name) is not None else getattr(base, name)
        for name in _FLOW_PROP_FIELDS
    })


def build(files: Iterable[ast.File], root: str, sources: dict[str, str] | None = None) -> tuple[Model, list[Diagnostic]]:
    """Build the model from parsed files (root first). Returns the model and E001 problems."""
    problems = _Problems()
    system: System | None = None
    brokers: dict[str, Broker] = {}
    components: dict[str, Component] = {}
    messages: dict[str, Message] = {}
    kinds: dict[str, Kind] = {}
    duplicates: list[Duplicate] = []
    flow_decls: list[tuple[ast.FlowDecl, FlowProps, dict[str, Span]]] = []
    channels: dict[str, Channel] = {}
    routes: list[Route] = []
    endpoint_decls: list[ast.EndpointDecl] = []
    file_list = list(files)

    def claim(table: dict, category: str, name: str, span: Span) -> bool:
        if name in table:
            duplicates.append(Duplicate(category, name, span, table[name].span))
            return False
        return True

    for file in file_list:
        for decl in file.decls:
            if isinstance(decl, ast.UseDecl):
                continue
            props = _Props(getattr(decl, "props", ()), problems)
            if isinstance(decl, ast.SystemDecl):
                for bad in decl.name.bad_escapes():
                    problems.add(f"unknown escape '{bad}' in a string (only \\\" and \\\\ are allowed)", decl.name.span)
                candidate = System(
                    name=decl.name.value,
                    growth=_default(props.percent("growth", lambda v: 0 <= v <= 10,
                                                  "growth must be between 0% and 1000% a year"), 0.0),
                    horizon=_default(props.count("horizon", maximum=50), 3),
                    headroom=_default(props.percent("headroom", lambda v: 0 < v <= 1,
                                                    "headroom must be above 0% and at most 100%"), 0.70),
                    requires=props.words("requires", PLATFORM_FEATURES),
                    span=decl.span, prop_spans=props.spans,
                )
                if system is not None:
                    duplicates.append(Duplicate("system", decl.name.value, decl.span, system.span))
                else:
                    system = candidate
            elif isinstance(decl, ast.BrokerDecl):
                if claim(brokers, "broker", decl.name.text, decl.span):
                    brokers[decl.name.text] = Broker(
                        name=decl.name.text, kind=decl.kind.text, span=decl.span,
                        nodes=props.count("nodes"), replication=props.count("replication"),
                        version=_version(props, problems),
                        capacity_per_node=props.rate("capacity"),
                        storage_per_node=props.size("storage"),
                        max_message=props.size("max-message"),
                        profile_path=props.string("profile"),
                        kind_span=decl.kind.span, prop_spans=props.spans,
                        settings=_setting_values(props, vocabulary.BROKER_SETTINGS),
                    )
            elif isinstance(decl, ast.ComponentDecl):
                endpoint_decls.extend(decl.endpoints)
                if claim(components, "component", decl.name.text, decl.span):
                    components[decl.name.text] = Component(
                        name=decl.name.text, span=decl.span,
                        instances=_default(props.count("instances"), 1),
                        capacity=props.rate("capacity"), zone=props.string("zone"),
                        external=bool(props.flag("external")), idempotent=bool(props.flag("idempotent")),
                        description=props.string("description") or "", owner=props.string("owner") or "",
                        prop_spans=props.spans,
                    )
            elif isinstance(decl, ast.MessageDecl):
                if claim(messages, "message", decl.name.text, decl.span):
                    messages[decl.name.text] = Message(
                        name=decl.name.text, span=decl.span, size=props.size("size"),
                        max_size=props.size("max-size"), schema=props.string("schema"),
                        prop_spans=props.spans,
                    )
            elif isinstance(decl, ast.KindDecl):
                if claim(kinds, "kind", decl.name.text, decl.span):
                    kinds[decl.name.text] = Kind(decl.name.text, decl.span, _flow_props(props), props.spans,
                                                 decl_props=decl.props)
            elif isinstance(decl, ast.FlowDecl):
                flow_decls.append((decl, _flow_props(props), props.spans))
            elif isinstance(decl, ast.ChannelDecl):
                if claim(channels, "channel", decl.name.text, decl.span):
                    channels[decl.name.text] = Channel(
                        name=decl.name.text, broker=decl.broker.text, type=decl.type.text, span=decl.span,
                        settings=_setting_values(props, vocabulary.CHANNEL_SETTINGS),
                        broker_span=decl.broker.span, type_span=decl.type.span, prop_spans=props.spans,
                    )
            elif isinstance(decl, ast.RouteDecl):
                values = _setting_values(props, vocabulary.ROUTE_SETTINGS)
                key = values.pop("key", None)
                if key is not None and key[0] == "by":
                    problems.add("a route matches keys: write `key \"pattern\"`; `key by FIELD` belongs on a publish",
                                 props.by_name["key"].span)
                    key = None
                for source in decl.sources:
                    for target in decl.targets:
                        routes.append(Route(
                            source=source.text, target=target.text, span=decl.span,
                            keys=key[1] if key is not None else (), settings=values,
                            source_span=source.span, target_span=target.span, prop_spans=props.spans))
            elif isinstance(decl, ast.EndpointDecl):
                endpoint_decls.append(decl)

    flows = _build_flows(flow_decls, kinds, brokers)
    endpoints = _build_endpoints(endpoint_decls, kinds, problems)
    for channel in channels.values():
        target = channel.settings.get("dead-letter")
        if target is not None:
            routes.append(Route(source=channel.name, target=target, span=channel.prop_spans["dead-letter"],
                                settings={"key": channel.settings.get("dead-letter-key")}
                                if "dead-letter-key" in channel.settings else {},
                                source_span=channel.span, target_span=channel.prop_spans["dead-letter"],
                                dead_letter=True))
    model = Model(
        root=root, system=system or System(), brokers=brokers, components=components,
        messages=messages, kinds=kinds, flows=flows, duplicates=tuple(duplicates),
        sources=dict(sources or {}), files=tuple(f.path for f in file_list),
        channels=channels, routes=tuple(routes),
        publishes=tuple(e for e in endpoints if e.role == "publish"),
        consumes=tuple(e for e in endpoints if e.role == "consume"),
    )
    return model, problems.items


#: v1 flow properties that mean nothing on a publish or consume, and why.
_NOT_ON_ENDPOINTS = {
    "via": "a publish or consume goes through its channel's broker: remove `via`",
    "partitions": "partitions live on the channel: write `partitions N` in the channel's block",
}


def _build_endpoints(decls: list[ast.EndpointDecl], kinds: dict[str, Kind],
                     problems: _Problems) -> list[Endpoint]:
    out: list[Endpoint] = []
    for decl in decls:
        props = _Props(decl.props, problems)
        for name, why in _NOT_ON_ENDPOINTS.items():
            if props.has(name):
                problems.add(f"`{name}` on a {decl.role}: {why}", props.by_name[name].span)
        if props.has("pattern") and props.word("pattern", PATTERNS) not in (None, "request-reply"):
            problems.add("on a publish or consume, `pattern` can only be request-reply: the channel's type "
                         "decides whether consumers share messages or each get a copy",
                         props.by_name["pattern"].span)
        table = vocabulary.PUBLISH_SETTINGS if decl.role == "publish" else vocabulary.CONSUME_SETTINGS
        own = _flow_props(props)
        values = _setting_values(props, table)
        kind_name = props.string("kind")
        kind = kinds.get(kind_name) if kind_name is not None else None
        needs = _merge(kind.props, own) if kind is not None else own
        spans = {**(kind.prop_spans if kind is not None else {}), **props.spans}
        if kind is not None:
            values = {**_setting_values(_Props(_kind_decl_props(kind), _Problems()), table), **values}
        key = values.pop("key", None)
        for message in decl.messages:
            out.append(Endpoint(
                role=decl.role, component=decl.component.text, channel=decl.channel.text,
                message=message.text, span=decl.span, needs=needs, settings=values,
                keys=key[1] if key is not None and key[0] == "literal" else (),
                key_by=key[1] if key is not None and key[0] == "by" else None,
                kind=kind_name, component_span=decl.component.span, channel_span=decl.channel.span,
                message_span=message.span, prop_spans=spans,
            ))
    return out


def _kind_decl_props(kind: Kind) -> tuple[ast.Property, ...]:
    return getattr(kind, "decl_props", ())


#: A version starts with its number ("4.0", "v3.13.2", "7.4-alpine"): profiles key facts by it.
_VERSION = re.compile(r"^v?[0-9]+(\.[0-9]+)*")


def _version(props: _Props, problems: _Problems) -> str | None:
    text = props.string("version")
    if text is not None and not _VERSION.match(text):
        problems.add(f"version '{text}' does not start with a version number like \"4.0\" or \"3.13.2\"",
                     props.by_name["version"].values[0].span)
        return None
    return text


def _default(value, fallback):
    return fallback if value is None else value


def _build_flows(decls, kinds: dict[str, Kind], brokers: dict[str, Broker]) -> tuple[Flow, ...]:
    flows: list[Flow] = []
    seen: dict[str, int] = {}
    only_broker = next(iter(brokers)) if len(brokers) == 1 else None
    expanded = [(replace(decl, producers=(producer,)), own, own_spans)
                for decl, own, own_spans in decls for producer in decl.producers]
    for decl, own, own_spans in expanded:
        kind = kinds.get(decl.kind.text) if decl.kind is not None else None
        props = _merge(kind.props, own) if kind is not None else own
        spans = {**(kind.prop_spans if kind is not None else {}), **own_spans}
        consumers = tuple(c.text for c in decl.consumers)
        base_id = f"{decl.producer.text}->{','.join(sorted(set(consumers)))}:{decl.message.text}"
        seen[base_id] = seen.get(base_id, 0) + 1
        flow_id = base_id if seen[base_id] == 1 else f"{base_id}#{seen[base_id]}"
        pattern = props.pattern or ("pubsub" if len(set(consumers)) > 1 else "queue")
        flows.append(Flow(
            id=flow_id, producer=decl.producer.text, consumers=consumers, message=decl.message.text,
            span=decl.span, kind=decl.kind.text if decl.kind is not None else None,
            via=props.via if props.via is not None else only_broker,
            via_declared=props.via is not None,
            pattern=pattern, pattern_declared=props.pattern is not None,
            partitions=props.partitions, rate=props.rate, peak=props.peak, latency=props.latency,
            timeout=props.timeout, durable=bool(props.durable), delivery=props.delivery,
            ordered=bool(props.ordered), ordered_by=props.ordered_by, priority=props.priority,
            ttl=props.ttl, delay=bool(props.delay), delay_max=props.delay_max,
            dead_letter=bool(props.dead_letter), retention=props.retention, replay=bool(props.replay),
            routing=props.routing, backlog=props.backlog,
            producer_span=decl.producer.span, consumer_spans=tuple(c.span for c in decl.consumers),
            message_span=decl.message.span,
            kind_span=decl.kind.span if decl.kind is not None else None,
            prop_spans=spans,
        ))
    return tuple(flows)

