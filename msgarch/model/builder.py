"""Turn syntax trees into the domain model: convert units, apply kinds, collect every problem."""

from __future__ import annotations

import re
from dataclasses import fields
from typing import Callable, Iterable

from msgarch.diagnostics import Diagnostic, Related, Span, input_error
from msgarch.dsl import ast
from msgarch.model import units
from msgarch.model.model import (
    DELIVERY_GUARANTEES, PATTERNS, PLATFORM_FEATURES, ROUTING_STYLES, Broker, Component,
    Duplicate, Flow, FlowProps, Kind, Message, Model, System,
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
                    )
            elif isinstance(decl, ast.ComponentDecl):
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
                    kinds[decl.name.text] = Kind(decl.name.text, decl.span, _flow_props(props), props.spans)
            elif isinstance(decl, ast.FlowDecl):
                flow_decls.append((decl, _flow_props(props), props.spans))

    flows = _build_flows(flow_decls, kinds, brokers)
    model = Model(
        root=root, system=system or System(), brokers=brokers, components=components,
        messages=messages, kinds=kinds, flows=flows, duplicates=tuple(duplicates),
        sources=dict(sources or {}), files=tuple(f.path for f in file_list),
    )
    return model, problems.items


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
    for decl, own, own_spans in decls:
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

