"""Channels, routes and endpoints (language v2): pair them, judge each change, find who it hurts.

Channels are paired by name, routes by ``source->target`` (several routes between the
same two channels are one element: their keys together), publishes and consumes by
``Endpoint.id`` (``billing-svc consumes OrderPaid from billing``); an endpoint whose
channel changed, and that is the only one of its component, role and message on each side,
is paired with its old self (``channel: a -> b``).

A setting is compared by its effective value: as declared, else the default its broker's
profile gives for the channel type or endpoint role (removing ``durable`` from a RabbitMQ
queue makes it transient; removing ``auto-commit off`` from a Kafka consumer turns auto
commit on). Only settings declared on one side at least are compared.

Consequences come from the derived flows of both models: which consumes each publish
reaches (a consumer that no longer receives a message type because a route or a key
changed), which message types reach each channel (a new route that sends a type into a
queue whose consumers do not declare it), and who shares a channel's messages (a consumer
joining an existing group). Each is put on the one declaration that caused it, and a
derived flow whose change such a declaration explains is not listed again as a flow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from msgarch.diff.changes import Level, PropertyChange, Reason
from msgarch.diff.classify import flow_property
from msgarch.diff.compare import Pair
from msgarch.diff.values import KIND_PROPS, normalise, same, show, show_duration
from msgarch.model import settings as vocabulary
from msgarch.model.model import Channel, Endpoint, Flow, Model, OnError, Route

B, R, S = Level.BREAKING, Level.RISKY, Level.SAFE

_UNITS = {"duration": "s", "size": "bytes", "rate": "msg/s"}
#: Order in which a consequence looks for its cause among the declarations that changed.
_CAUSE_ORDER = ("route", "channel", "endpoint")


# ----------------------------------------------------------------------------- values


def _text_of_processing(value) -> str:
    typical, longest = value if isinstance(value, tuple) else (value, None)
    text = show_duration(float(typical)) if typical is not None else "?"
    return text + (f" max {show_duration(float(longest))}" if longest is not None else "")


def _text_of_on_error(value: OnError) -> str:
    text = value.action
    if value.action == "retry":
        text = f"retry {value.retries}" if value.retries is not None else "retry"
        if value.backoff:
            text += f" backoff {show_duration(value.backoff[0])}..{show_duration(value.backoff[1])}"
        if value.then:
            text += f" then {value.then}"
    return text


def _setting(shape: str, value: Any) -> tuple[Any, str]:
    """(comparable value, unit) of one setting of the given shape."""
    unit = _UNITS.get(shape, "")
    if value is None:
        return None, unit
    if shape == "processing":
        return _text_of_processing(value), ""
    if shape == "on-error":
        return (_text_of_on_error(value) if isinstance(value, OnError) else str(value)), ""
    if shape in ("words", "strings"):
        items = value if isinstance(value, (tuple, list)) else (value,)
        return tuple(sorted(str(v) for v in items)), ""
    if shape == "word":
        return (str(value).lower() if isinstance(value, bool) else str(value)), ""
    if shape == "flag":
        return bool(value), ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return normalise(float(value) if unit else value, unit), unit
    return value, unit


class Profiles:
    """The profiles of one model's brokers (None where none can be had), memoised."""

    def __init__(self, model: Model, profile_dirs: tuple[str, ...] = ()):
        self.model = model
        self.profile_dirs = tuple(profile_dirs)
        self._cache: dict[str, Any] = {}

    def broker(self, name: str):
        if name not in self._cache:
            broker = self.model.brokers.get(name)
            profile = None
            if broker is not None:
                from msgarch.brokers import resolve_profile
                try:
                    profile = resolve_profile(broker, self.profile_dirs)
                except Exception:  # an unreadable profile: lint reports it; here: no defaults
                    from msgarch.diff.capability import profile_for
                    profile = profile_for(broker)
            self._cache[name] = profile
        return self._cache[name]

    def kind(self, kind: str, version: str | None):
        key = f"kind:{kind}@{version}"
        if key not in self._cache:
            from msgarch.brokers import builtin_ids, load_builtin
            try:
                self._cache[key] = load_builtin(kind, version) if kind in builtin_ids() else None
            except Exception:
                self._cache[key] = None
        return self._cache[key]

    def channel_vocabulary(self, channel: Channel) -> tuple[Mapping[str, Any], str]:
        """(settings vocabulary of the channel's type, the profile id it comes from)."""
        profile = self.broker(channel.broker)
        derivation = self.model.derivation
        info = derivation.info.get(channel.name) if derivation is not None else None
        if info is not None and info.profile_kind and getattr(profile, "id", None) != info.profile_kind:
            broker = self.model.brokers.get(channel.broker)
            other = self.kind(info.profile_kind, broker.version if broker is not None else None)
            if other is not None:
                profile = other
        data = (getattr(profile, "data", None) or {}).get("channels") or {}
        entry = data.get(channel.type) or {}
        return entry.get("settings") or {}, getattr(profile, "id", "")

    def endpoint_vocabulary(self, endpoint: Endpoint) -> tuple[Mapping[str, Any], str]:
        channel = self.model.channels.get(endpoint.channel)
        if channel is None:
            return {}, ""
        profile = self.broker(channel.broker)
        data = (getattr(profile, "data", None) or {}).get("endpoints") or {}
        return data.get(endpoint.role) or {}, getattr(profile, "id", "")


@dataclass
class Value:
    """One property's effective value on one side, and what a default means when it is one."""

    value: Any
    unit: str
    declared: bool = True
    means: str = ""  # the profile's words for this value, when it is the default
    profile: str = ""


def _effective(name: str, shape: str, declared: Mapping[str, Any], vocab: Mapping[str, Any],
               profile: str) -> Value:
    if name in declared:
        value, unit = _setting(shape, declared[name])
        return Value(value, unit, True, "", profile)
    entry = vocab.get(name) or {}
    value, unit = _setting(shape, entry.get("default"))
    return Value(value, unit, False, entry.get("means", ""), profile)


def _channel_values(channel: Channel, profiles: Profiles, names) -> dict[str, Value]:
    vocab, profile = profiles.channel_vocabulary(channel)
    out = {"broker": Value(channel.broker, ""), "channel-type": Value(channel.type, "")}
    for name in names:
        out[name] = _effective(name, vocabulary.CHANNEL_SETTINGS.get(name, "word"), channel.settings, vocab, profile)
    return out


def _endpoint_values(endpoint: Endpoint, profiles: Profiles, names) -> dict[str, Value]:
    vocab, profile = profiles.endpoint_vocabulary(endpoint)
    table = vocabulary.PUBLISH_SETTINGS if endpoint.role == "publish" else vocabulary.CONSUME_SETTINGS
    out: dict[str, Value] = {"channel": Value(endpoint.channel, ""), "kind": Value(endpoint.kind, "")}
    if endpoint.role == "publish":
        out["key"] = Value(tuple(sorted(endpoint.keys)) if endpoint.keys else None, "")
        out["key-by"] = Value(endpoint.key_by, "")
    for name in names:
        out[name] = _effective(name, table.get(name, "word"), endpoint.settings, vocab, profile)
    for attr, name, unit in KIND_PROPS:
        if attr == "via":
            continue
        out[name] = Value(normalise(getattr(endpoint.needs, attr), unit), unit)
    return out


def _route_values(routes: list[Route]) -> dict[str, Value]:
    keys = sorted({k for r in routes for k in r.keys})
    out = {"key": Value(tuple(keys) if keys else None, "")}
    names = sorted({name for r in routes for name in r.settings})
    for name in names:
        shape = vocabulary.ROUTE_SETTINGS.get(name, "word")
        values = [_setting(shape, r.settings.get(name)) for r in routes]
        distinct = sorted({repr(v) for v, _ in values if v is not None})
        if len(routes) == 1 or len(distinct) <= 1:
            value = next((v for v, _ in values if v is not None), None)
        else:
            value = tuple(distinct)
        out[name] = Value(value, values[0][1])
    return out


# ----------------------------------------------------------------------------- pairing


def _routes(model: Model) -> dict[str, list[Route]]:
    out: dict[str, list[Route]] = {}
    for route in model.routes:
        if not route.dead_letter:  # made from a channel's `dead-letter`: judged on the channel
            out.setdefault(route.id, []).append(route)
    return out


def _endpoints(model: Model) -> dict[str, Endpoint]:
    out: dict[str, Endpoint] = {}
    for endpoint in (*model.publishes, *model.consumes):
        name, n = endpoint.id, 1
        while name in out:
            n += 1
            name = f"{endpoint.id}#{n}"
        out[name] = endpoint
    return out


@dataclass
class Item:
    """One declaration pair with its effective values on each side."""

    pair: Pair
    before: dict[str, Value] = field(default_factory=dict)
    after: dict[str, Value] = field(default_factory=dict)
    props: list[PropertyChange] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)
    flows: list[tuple] = field(default_factory=list)  # derived flows it changes: (id, change, properties)

    @property
    def key(self) -> tuple[str, str]:
        return (self.pair.category, self.pair.name)

    def changed(self, prop: str) -> bool:
        return any(p[1] == prop for p in self.pair.props)


def _differences(before: dict[str, Value], after: dict[str, Value], order) -> list[tuple]:
    out = []
    for name in order:
        b, a = before.get(name), after.get(name)
        bv = None if b is None else b.value
        av = None if a is None else a.value
        if not same(bv, av):
            unit = (a or b).unit
            out.append((name, name, unit, bv, av))
    return out


def _declared_names(*elements) -> list[str]:
    names: list[str] = []
    for element in elements:
        if element is not None:
            for name in element.settings:
                if name not in names:
                    names.append(name)
    return names


def pair_declarations(old: Model, new: Model, old_profiles: Profiles, new_profiles: Profiles) -> list[Item]:
    """Every channel, route and endpoint that differs between ``old`` and ``new``."""
    items: list[Item] = []
    for name in sorted(set(old.channels) | set(new.channels)):
        o, n = old.channels.get(name), new.channels.get(name)
        names = _declared_names(o, n)
        before = _channel_values(o, old_profiles, names) if o is not None else {}
        after = _channel_values(n, new_profiles, names) if n is not None else {}
        pair = Pair("channel", name, o, n)
        if o is not None and n is not None:
            pair.props = _differences(before, after, ["broker", "channel-type", *names])
            if not pair.props:
                continue
        items.append(Item(pair, before, after))
    old_routes, new_routes = _routes(old), _routes(new)
    for name in sorted(set(old_routes) | set(new_routes)):
        o, n = old_routes.get(name), new_routes.get(name)
        before = _route_values(o) if o else {}
        after = _route_values(n) if n else {}
        pair = Pair("route", name, o[0] if o else None, n[0] if n else None)
        if o and n:
            pair.props = _differences(before, after, list(dict.fromkeys([*before, *after])))
            if not pair.props:
                continue
        items.append(Item(pair, before, after))
    old_ends, new_ends = _endpoints(old), _endpoints(new)
    kept, gone, come = _pair_same_ids(old_ends, new_ends)
    moved: list[tuple[str, str]] = []
    for k in gone:  # the same component, role and message on another channel: moved
        e = old_ends[k]
        same_o = [g for g in gone if _who(old_ends[g]) == _who(e)]
        same_n = [c for c in come if _who(new_ends[c]) == _who(e)]
        if len(same_o) == 1 and len(same_n) == 1:
            moved.append((k, same_n[0]))
    moved_old = {o for o, _ in moved}
    moved_new = {n for _, n in moved}
    pairs: list[tuple[str | None, str | None]] = list(kept)
    pairs += moved + [(k, None) for k in gone if k not in moved_old] + [(None, k) for k in come if k not in moved_new]
    for ko, kn in pairs:
        o = old_ends.get(ko) if ko else None
        n = new_ends.get(kn) if kn else None
        names = _declared_names(o, n)
        before = _endpoint_values(o, old_profiles, names) if o is not None else {}
        after = _endpoint_values(n, new_profiles, names) if n is not None else {}
        moved_here = o is not None and n is not None and o.channel != n.channel
        pair = Pair("endpoint", kn or ko, o, n, previous_name=ko if moved_here else None)
        if o is not None and n is not None:
            order = ["channel", "key", "key-by", "kind", *names] + [name for attr, name, _ in KIND_PROPS
                                                                    if attr != "via"]
            pair.props = _differences(before, after, order)
            if not pair.props:
                continue
        items.append(Item(pair, before, after))
    return items


def _canonical(endpoint: Endpoint) -> str:
    return repr((sorted((k, repr(v)) for k, v in endpoint.settings.items()), endpoint.keys, endpoint.key_by,
                 endpoint.needs, endpoint.kind))


def _pair_same_ids(old_ends: dict[str, Endpoint], new_ends: dict[str, Endpoint]):
    """(pairs of keys, old keys left, new keys left) for endpoints of the same id; a component
    that declares the same publish or consume twice has them paired identical ones first, so
    reordering the two changes nothing."""
    def groups(ends):
        out: dict[str, list[str]] = {}
        for key, endpoint in ends.items():
            out.setdefault(endpoint.id, []).append(key)
        return out

    old_groups, new_groups = groups(old_ends), groups(new_ends)
    kept: list[tuple[str, str]] = []
    gone: list[str] = []
    come: list[str] = []
    for identity in sorted(set(old_groups) | set(new_groups)):
        o_left, n_left = list(old_groups.get(identity, ())), list(new_groups.get(identity, ()))
        for ko in list(o_left):
            twin = next((kn for kn in n_left if _canonical(new_ends[kn]) == _canonical(old_ends[ko])), None)
            if twin is not None:
                kept.append((ko, twin))
                o_left.remove(ko)
                n_left.remove(twin)
        k = min(len(o_left), len(n_left))
        kept += list(zip(o_left[:k], n_left[:k]))
        gone += o_left[k:]
        come += n_left[k:]
    return kept, gone, come


def _who(endpoint: Endpoint) -> tuple[str, str, str]:
    return (endpoint.role, endpoint.component, endpoint.message)


# ----------------------------------------------------------------------------- sides


def _deliveries(flow: Flow) -> set[tuple[str, str, str]]:
    return {(flow.producer, consumer, flow.message) for consumer in flow.consumers}


def publish_id(flow: Flow) -> str:
    return f"{flow.producer} publishes {flow.message} to {flow.path[0] if flow.path else flow.channel}"


def consume_id(component: str, message: str, channel: str) -> str:
    return f"{component} consumes {message} from {channel}"


class SideFacts:
    """What one model's derivation says: who receives what, what reaches where, who shares."""

    def __init__(self, model: Model, profiles: Profiles):
        self.model = model
        self.profiles = profiles
        self.endpoints = _endpoints(model)
        # consume id -> publish id -> the derived flow that carries it
        self.receipts: dict[str, dict[str, Flow]] = {}
        for flow in model.flows:
            if not flow.derived:
                continue
            for component in dict.fromkeys(flow.consumers):
                self.receipts.setdefault(consume_id(component, flow.message, flow.channel), {})[
                    publish_id(flow)] = flow
        # channel -> the components that consume from it (any message type)
        self.readers: dict[str, set[str]] = {}
        for consume in model.consumes:
            self.readers.setdefault(consume.channel, set()).add(consume.component)
        # (producer, consumer, message) of every flow, v1 and derived
        self.deliveries = {d for flow in model.flows for d in _deliveries(flow)}
        # (channel, message) -> publish id -> the channels on the way there
        self.arrivals: dict[tuple[str, str], dict[str, tuple[str, ...]]] = {}
        derivation = model.derivation
        for outcome in (derivation.outcomes if derivation is not None else ()):
            for key in outcome.keys:
                paths = getattr(key, "paths", None) or {}
                for name in key.reached:
                    self.arrivals.setdefault((name, outcome.publish.message), {}).setdefault(
                        outcome.publish.id, tuple(paths.get(name, (outcome.publish.channel, name))))

    def consumes_on(self, channel: str) -> list[Endpoint]:
        return [c for c in self.model.consumes if c.channel == channel]

    def group_of(self, component: str, channel: str, message: str) -> tuple[str, ...]:
        """The consumer components that share ``channel``'s messages with ``component`` (each
        message goes to one of them), the component included. Whatever message type each
        declares: the competing consumers of a queue, or the members of a consumer group,
        take any message of the channel."""
        from msgarch.model import derive

        derivation = self.model.derivation
        info = derivation.info.get(channel) if derivation is not None else None
        if info is None:
            return (component,)
        readers = [c for c in self.model.consumes if c.channel == channel]
        groups, everyone = derive._groups(info, readers)
        if everyone:
            return (component,)
        for group in groups:
            if component in group:
                return tuple(group)
        return (component,)

    def routes_on(self, path: tuple[str, ...]) -> list[str]:
        pairs = set(zip(path, path[1:]))
        return sorted({r.id for r in self.model.routes if (r.source, r.target) in pairs and not r.dead_letter})


# ----------------------------------------------------------------------------- judging


def _names(names) -> str:
    return ", ".join(sorted(set(names)))


def _verb(names, one: str, many: str) -> str:
    return one if len(set(names)) == 1 else many


def _default_note(value: Value, means: bool = False) -> str:
    """Where a value no longer declared comes from: the profile's default (and what it means)."""
    if value.declared or not value.profile:
        return ""
    if means and value.means:
        return f" (not declared: the {value.profile} default: {value.means})"
    return f" (not declared: the {value.profile} default)"


def _down(before, after) -> bool:
    return isinstance(before, (int, float)) and isinstance(after, (int, float)) and after < before


_ACKS_RANK = {"0": 0, "1": 1, "all": 2, "-1": 2}
_ACK_RANK = {"none": 0, "auto": 0, "before-processing": 1, "after-processing": 2, "explicit": 2, "all": 2}
#: Limits after which a channel deletes messages, consumed or not: shorter is risky.
_RETENTION = ("retention", "retention-bytes", "max-age", "max-bytes", "max-msgs", "maxlen", "message-ttl",
              "max-length", "max-length-bytes", "expires")
_MIGRATION = {
    "queue": "a queue's type cannot be changed in place: declare a new queue, move the consumers to it and "
             "drain the old one",
    "exchange": "an exchange's type cannot be changed in place: it is deleted and declared again, and its "
                "bindings with it",
}


def channel_property(name: str, b: Value | None, a: Value | None, channel: Channel, broker_kind: str | None,
                     ) -> list[Reason]:
    before, after = (b.value if b else None), (a.value if a else None)
    bt, at = show(before, (a or b).unit), show(after, (a or b).unit)
    note = _default_note(a) if a is not None else ""
    if name == "broker":
        return [Reason(R, f"moved from broker {bt} to {at}: publishers and consumers must move, messages still in "
                          "it drained")]
    if name == "channel-type":
        return [Reason(R, f"channel type {bt} -> {at}: a different kind of channel, declared anew (migration)")]
    if name == "type":
        how = _MIGRATION.get(channel.type, f"a {channel.type}'s type cannot be changed in place: it is declared "
                                           "anew")
        return [Reason(R, f"{channel.type} type {bt} -> {at}: a migration: {how}")]
    if name == "partitions":
        if _down(before, after) and broker_kind == "kafka":
            return [Reason(B, f"partitions {bt} -> {at}: Kafka cannot remove partitions from a topic (it can only "
                              "add them): the topic must be recreated, and keys map to other partitions")]
        return [Reason(R, f"partitions {bt} -> {at}: the key-to-partition mapping changes, so order per key "
                          "breaks while old and new partitions both hold a key's messages"
                          + (", and fewer consumers of a group can work in parallel" if _down(before, after)
                             else ""))]
    if name in ("durable", "ledger", "persistence", "storage"):
        weakened = {"durable": before is True and after is not True,
                    "ledger": before in ("file", "process") and after in ("none", None),
                    "persistence": before == "persistent" and after != "persistent",
                    "storage": before == "file" and after == "memory"}[name]
        if weakened:
            what = {"durable": "durable removed", "ledger": f"ledger {bt} -> {at}",
                    "persistence": f"persistence {bt} -> {at}", "storage": f"storage {bt} -> {at}"}[name]
            held = "it and its bindings" if channel.type == "exchange" else f"the {channel.type} and its messages"
            return [Reason(B, f"{what}: {held} no longer survive a broker restart{note}")]
        return [Reason(S, f"{name} {bt} -> {at}: messages survive a broker restart")] if name == "durable" and after \
            else [Reason(S, f"{name} {bt} -> {at}")]
    if name in ("auto-delete", "exclusive"):
        if after and not before:
            what = ("deleted, with its messages, when its last consumer unsubscribes" if name == "auto-delete"
                    else "used by one connection only and deleted, with its messages, when it closes")
            return [Reason(B, f"{name} turned on: the {channel.type} is now {what}")]
        return [Reason(S, f"{name} {bt} -> {at}")]
    if name == "dead-letter":
        if before is not None and after is None:
            return [Reason(R, f"dead-letter target removed ({bt}): rejected and expired messages are discarded "
                              f"instead of kept aside{note}")]
        return [Reason(S, f"dead-letter {bt} -> {at}")]
    if name in ("delivery-limit", "max-receive-count", "max-deliver"):
        if before is not None and after is None:
            return [Reason(B, f"{name} removed ({bt}): a message that always fails is redelivered forever (a "
                              f"poison message loops and blocks or starves the others){note}")]
        return [Reason(S, f"{name} {bt} -> {at}")]
    if name in _RETENTION:
        if (before is None and after is not None) or _down(before, after):
            return [Reason(R, f"{name} {bt} -> {at}: messages are deleted sooner, consumed or not: a consumer that "
                              "lags or re-reads loses them")]
        return [Reason(S, f"{name} {bt} -> {at}: messages are kept longer")]
    if name == "overflow":
        if after == "drop-head":
            return [Reason(R, f"overflow {bt} -> {at}: at the length limit the oldest messages are dropped "
                              f"silently{note}")]
        return [Reason(S, f"overflow {bt} -> {at}")]
    if name in ("replication", "replicas", "min-insync-replicas"):
        if _down(before, after) or (before is not None and after is None):
            if after in (1, None):
                return [Reason(B, f"{name} {bt} -> {at}: one node failure can lose acknowledged messages{note}")]
            return [Reason(R, f"{name} {bt} -> {at}: fewer node failures tolerated")]
        return [Reason(S, f"{name} {bt} -> {at}")]
    if name == "fifo":
        return [Reason(R, f"fifo {bt} -> {at}: a queue's FIFO type cannot be changed: a new queue must be created "
                          "and the consumers moved (migration)")]
    if name == "cleanup":
        return [Reason(R, f"cleanup {bt} -> {at}: "
                          + ("only the latest message per key is kept: consumers re-reading lose the others"
                             if after == "compact" else "old messages are now deleted by age or size"))]
    if name in ("max-message", "visibility-timeout"):
        if _down(before, after):
            why = ("larger messages are now refused" if name == "max-message"
                   else "a handler that runs longer than this sees its message delivered again")
            return [Reason(R, f"{name} {bt} -> {at}: {why}")]
        return [Reason(S, f"{name} {bt} -> {at}")]
    if name == "single-active-consumer":
        return [Reason(R, f"single-active-consumer {bt} -> {at}: "
                          + ("one consumer works at a time, the others stand by: less throughput" if after
                             else "every consumer now works at once: order across consumers is no longer kept"))]
    if name in ("subjects", "address", "alternate-exchange"):
        return [Reason(R, f"{name} {bt} -> {at}: which messages reach the {channel.type} changes")]
    return [Reason(S, f"{name} {bt} -> {at}")]


def route_property(name: str, b: Value | None, a: Value | None, route: Route) -> list[Reason]:
    before, after = (b.value if b else None), (a.value if a else None)
    bt, at = show(before, (a or b).unit), show(after, (a or b).unit)
    if name == "key" and before and after:
        gone = sorted(set(before) - set(after))
        came = sorted(set(after) - set(before))
        parts = []
        if gone:
            parts.append(f"binding {_verb(gone, 'key', 'keys')} {', '.join(gone)} removed: what "
                         f"{_verb(gone, 'it', 'they')} matched no longer reaches {route.target} by this route")
        if came:
            parts.append(f"binding {_verb(came, 'key', 'keys')} {', '.join(came)} added: what "
                         f"{_verb(came, 'it matches', 'they match')} now reaches {route.target}")
        return [Reason(R, "; ".join(parts))]
    if name in ("key", "filter", "headers", "match"):
        return [Reason(R, f"{'binding key' if name == 'key' else name} {bt} -> {at}: other messages match the "
                          "route")]
    if name == "raw-delivery":
        return [Reason(R, f"raw-delivery {bt} -> {at}: the consumers receive "
                          + ("the bare message instead of the notification envelope" if after
                             else "the notification envelope instead of the bare message")
                          + ": they must parse the new form")]
    return [Reason(S, f"{name} {bt} -> {at}")]


def _drops(text: str) -> bool:
    return text == "drop" or text.endswith(" then drop") or text == "reject"


def _bounded(text: str) -> bool:
    """An on-error that stops redelivering a failing message (a retry count, or no requeue at all)."""
    return bool(text) and not (text == "requeue" or text.endswith(" then requeue") or text == "retry")


def _on_error_change(before, after, bt: str, at: str, note: str, limit: str | None) -> list[Reason]:
    """``on-error``: to drop is breaking (failed messages lost); from a bounded policy to an
    unbounded requeue removes the delivery limit (breaking unless the channel or the
    consumer still has one: ``limit`` names it)."""
    b_text, a_text = str(before or ""), str(after or "")
    if _drops(a_text) and not _drops(b_text):
        return [Reason(B, f"on-error {bt} -> {at}: a message whose handler fails is now discarded, not "
                          f"{'kept' if b_text else 'redelivered'}: it is lost{note}")]
    if not _bounded(a_text) and _bounded(b_text):
        if limit:
            return [Reason(R, f"on-error {bt} -> {at}: a message that always fails is redelivered until {limit} "
                              "stops it")]
        return [Reason(B, f"on-error {bt} -> {at}: the retry limit is removed and nothing else bounds "
                          "redelivery (no delivery limit on the channel): a message that always fails loops "
                          f"forever{note}")]
    if not _bounded(a_text) and not b_text:
        return [Reason(R, f"on-error {bt} -> {at}: a message that always fails is redelivered again and again"
                          + (f" until {limit} stops it" if limit else ""))]
    return [Reason(S, f"on-error {bt} -> {at}")]


def endpoint_property(name: str, b: Value | None, a: Value | None, endpoint: Endpoint, old_end: Endpoint,
                      limit: str | None = None) -> list[Reason]:
    """One endpoint setting's change; ``limit`` names the delivery limit still in force on the
    consume's channel or the consume itself in NEW (``delivery-limit 5``), or None."""
    before, after = (b.value if b else None), (a.value if a else None)
    unit = (a or b).unit
    bt, at = show(before, unit), show(after, unit)
    note = _default_note(a) if a is not None else ""
    if name == "channel":
        if endpoint.role == "publish":
            return [Reason(R, f"now publishes to {at} instead of {bt}: its messages take the routes of {at}")]
        return [Reason(R, f"now consumes from {at} instead of {bt}: what is still in {bt} is no longer read by it")]
    if name in ("key", "key-by", "headers"):
        what = {"key": "routing key", "key-by": "partition key", "headers": "headers"}[name]
        extra = (": which partition each message goes to changes, so order per key breaks during the change"
                 if name == "key-by" else ": its messages may take other routes")
        return [Reason(R, f"{what} {bt} -> {at}{extra}")]
    if name in ("confirms", "persistent", "idempotence", "mandatory", "reject-on-worker-lost"):
        if before is True and after is not True:
            text = {
                "confirms": "publisher confirms removed: the publisher no longer learns that the broker did not "
                            "take a message, which is then lost silently",
                "persistent": "persistent removed: messages are transient and lost when their node restarts, even "
                              "on a durable queue",
                "idempotence": "idempotence removed: a retried send can write a message twice",
                "mandatory": "mandatory removed: an unroutable message is dropped silently instead of returned",
                "reject-on-worker-lost": "reject-on-worker-lost removed: a task whose worker dies is acknowledged, "
                                         "not redelivered",
            }[name]
            level = B if name in ("confirms", "persistent") else R
            return [Reason(level, text + note)]
        return [Reason(S, f"{name} {bt} -> {at}")]
    if name == "acks":
        rb, ra = _ACKS_RANK.get(str(before)), _ACKS_RANK.get(str(after))
        if rb is not None and ra is not None and ra < rb:
            why = ("the producer no longer waits for any broker" if ra == 0
                   else "only the leader has the record when it is acknowledged: a leader lost loses it")
            return [Reason(B, f"acks {bt} -> {at}: {why}{note}")]
        return [Reason(S, f"acks {bt} -> {at}")]
    if name == "ack":
        rb, ra = _ACK_RANK.get(str(before)), _ACK_RANK.get(str(after))
        if rb is not None and ra is not None and ra < rb:
            return [Reason(B, f"ack mode weakened {bt} -> {at}: a message is acknowledged before it is processed, "
                              f"so a crash while handling it loses it{note}")]
        return [Reason(S, f"ack {bt} -> {at}")]
    if name == "auto-commit":
        if after is True and before is not True:
            return [Reason(B, f"auto-commit turned on: offsets are committed on a timer, whether or not the "
                              f"records were processed: a crash loses what was committed unprocessed"
                              f"{_default_note(a, means=True)}")]
        return [Reason(S, f"auto-commit {bt} -> {at}: offsets are committed by the application")]
    if name == "qos":
        if _down(before, after):
            return [Reason(B if after == 0 else R, f"qos {bt} -> {at}"
                           + (": at most once, a message lost in transit is not sent again" if after == 0
                              else ": duplicates are no longer prevented"))]
        return [Reason(S, f"qos {bt} -> {at}")]
    if name == "prefetch":
        return [Reason(S, f"prefetch {bt} -> {at}")]
    if name == "group":
        return [Reason(B, f"consumer group {bt} -> {at}: it leaves its group and joins another: a new group "
                          "starts where offset-reset says (re-reads what is retained, or skips what was published "
                          "during the move)")]
    if name in ("offset-reset", "deliver-policy"):
        later = {"latest", "new", "last", "next", "last-per-subject"}
        if after in later and before not in later:
            return [Reason(B, f"{name} {bt} -> {at}: a consumer that starts (or restarts without a position, or "
                              f"whose committed offsets expired) skips what was published before it"
                              f"{_default_note(a, means=True)}")]
        return [Reason(S, f"{name} {bt} -> {at}")]
    if name == "on-error":
        return _on_error_change(before, after, bt, at, note, limit)
    if name in ("ack-wait", "max-poll-interval"):
        if _down(before, after):
            return [Reason(R, f"{name} {bt} -> {at}: a handler that runs longer sees its message delivered again")]
        return [Reason(S, f"{name} {bt} -> {at}")]
    if name in ("clean-session",):
        if after and not before:
            return [Reason(R, "clean-session turned on: messages queued while the consumer is away are lost")]
        return [Reason(S, f"{name} {bt} -> {at}")]
    if name in ("exclusive", "single-active", "shared"):
        return [Reason(R, f"{name} {bt} -> {at}: who among the instances receives the messages changes")]
    if name in ("max-deliver",):
        if before is not None and after is None:
            return [Reason(B, f"max-deliver removed ({bt}): a message that always fails is redelivered forever (a "
                              f"poison message loops){note}")]
        return [Reason(S, f"{name} {bt} -> {at}")]
    if name in ("filter",):
        return [Reason(R, f"filter {bt} -> {at}: it receives other messages")]
    attrs = {n: attr for attr, n, _ in KIND_PROPS}
    if name in attrs or name == "kind":
        return flow_property(name, before, after, unit, old_end.needs.pattern if old_end else None,
                             endpoint.needs.pattern)
    return [Reason(S, f"{name} {bt} -> {at}")]


# ----------------------------------------------------------------------------- the whole


class ChannelChanges:
    """Every channel, route and endpoint change with its reasons, and which derived flow
    changes they explain (``explained``: flow id -> the (category, name, removed) key of
    the declaration change it is reported on)."""

    def __init__(self, old: Model, new: Model, profile_dirs: tuple[str, ...] = ()):
        self.old, self.new = old, new
        self.old_facts = SideFacts(old, Profiles(old, profile_dirs))
        self.new_facts = SideFacts(new, Profiles(new, profile_dirs))
        self.items = pair_declarations(old, new, self.old_facts.profiles, self.new_facts.profiles)
        self.by_key: dict[tuple[str, str], Item] = {}
        for item in self.items:
            self.by_key[item.key] = item
            if item.pair.previous_name:
                self.by_key.setdefault(("endpoint", item.pair.previous_name), item)
        self.explained: dict[str, tuple[str, str, bool]] = {}  # filled by explain()
        for item in self.items:
            self._judge(item)
        self._receipts()
        self._arrivals()

    # --- element-level judgement

    def _judge(self, item: Item) -> None:
        pair = item.pair
        category = pair.category
        element = pair.new if pair.new is not None else pair.old
        if pair.change == "added":
            item.reasons.append(self._added(category, element))
        elif pair.change == "removed":
            item.reasons.extend(self._removed(category, element))
        for attr, name, unit, before, after in pair.props:
            b, a = item.before.get(name), item.after.get(name)
            if category == "channel":
                broker = self.new.brokers.get(pair.new.broker) or self.old.brokers.get(pair.old.broker)
                reasons = channel_property(name, b, a, pair.new, broker.kind if broker else None)
            elif category == "route":
                reasons = route_property(name, b, a, pair.new)
            else:
                reasons = endpoint_property(name, b, a, pair.new, pair.old,
                                            self._limit(pair.new) if name == "on-error" else None)
            item.props.append(PropertyChange(name, before, after, unit, tuple(reasons)))
        if category == "endpoint" and pair.new is not None and pair.new.role == "consume":
            self._group(item)

    def _limit(self, endpoint: Endpoint | None) -> str | None:
        """The delivery limit in force in NEW for a consume: its channel's or its own, as
        declared or as the profile's default (a quorum queue's delivery-limit 20 on 4.x)."""
        if endpoint is None:
            return None
        channel = self.new.channels.get(endpoint.channel)
        names = ("delivery-limit", "max-receive-count", "max-deliver")
        if channel is not None:
            values = _channel_values(channel, self.new_facts.profiles, names)
            for name in names:
                value = values[name]
                if value.value not in (None, 0, -1):
                    return f"{name} {show(value.value, value.unit)}" + ("" if value.declared else
                                                                         f" (the {value.profile} default)")
        own = _endpoint_values(endpoint, self.new_facts.profiles, ("max-deliver",))["max-deliver"]
        if own.value not in (None, 0, -1):
            return f"max-deliver {show(own.value, own.unit)}" + ("" if own.declared else
                                                                 f" (the {own.profile} default)")
        return None

    def _added(self, category: str, element) -> Reason:
        if category == "channel":
            return Reason(S, f"new channel: {element.type} on {element.broker}")
        if category == "route":
            return Reason(S, f"new route {element.source} -> {element.target}")
        if element.role == "publish":
            reached = sorted({c.split(" consumes ")[0] for c, sent in self.new_facts.receipts.items()
                              if element.id in sent})
            return Reason(S, f"new publish: {element.id}" + (f", received by {_names(reached)}" if reached
                                                            else ", which reaches no consumer yet"))
        return Reason(S, f"new consume: {element.id}")

    def _removed(self, category: str, element) -> list[Reason]:
        old, new = self.old_facts, self.new_facts
        if category == "channel":
            publishers = sorted({e.component for e in self.old.publishes if e.channel == element.name})
            consumers = sorted({e.component for e in self.old.consumes if e.channel == element.name})
            routed = [r.id for r in self.old.routes if element.name in (r.source, r.target) and not r.dead_letter]
            if not publishers and not consumers and not routed:
                return [Reason(S, "channel removed: nothing published to it, consumed from it or routed through it")]
            through = {d for f in self.old.flows if f.derived and element.name in f.path for d in _deliveries(f)}
            still_named = any(e.channel == element.name for e in (*self.new.publishes, *self.new.consumes))
            if through and through <= new.deliveries and not still_named:
                return [Reason(R, "channel removed: its publishers and consumers still exchange the same messages "
                                  "by other channels or flows; messages still in it are lost when it is deleted")]
            who = []
            if publishers:
                who.append(f"its publishers ({_names(publishers)}) lose the channel they send to")
            if consumers:
                who.append(f"its consumers ({_names(consumers)}) lose the channel they read")
            if routed:
                who.append(f"its routes ({_names(routed)}) go with it")
            return [Reason(B, "channel removed: " + "; ".join(who) + "; messages still in it are lost")]
        if category == "route":
            return [Reason(S, f"route removed: messages no longer move from {element.source} to {element.target}")]
        if element.role == "publish":
            reached = sorted({c.split(" consumes ")[0] for c, sent in old.receipts.items() if element.id in sent})
            if not reached:
                return [Reason(S, "publish removed: it reached no consumer")]
            lost = [c for c in reached if (element.component, c, element.message) not in new.deliveries]
            if not lost:
                return [Reason(S, f"publish removed: {_names(reached)} still {_verb(reached, 'receives', 'receive')} "
                                  f"{element.message} from {element.component} by another channel or flow")]
            return [Reason(R, f"publish removed: {_names(lost)} no longer {_verb(lost, 'receives', 'receive')} "
                              f"{element.message} from {element.component}")]
        if element.component in new.readers.get(element.channel, ()):
            return [Reason(R, f"consume removed: {element.component} no longer declares {element.message} from "
                              f"{element.channel}, which it still reads (on a queue it still receives them)")]
        group = old.group_of(element.component, element.channel, element.message)
        mates = [m for m in group if m != element.component and m in new.readers.get(element.channel, ())]
        if mates:
            return [Reason(R, f"leaves the consumers that share {element.message} on {element.channel}: "
                              f"{_names(mates)} {_verb(mates, 'takes', 'take')} its share: more load on "
                              f"{_verb(mates, 'it', 'them')}")]
        producers = sorted({p.split(" publishes ")[0] for p in old.receipts.get(element.id, {})})
        if producers and all((p, element.component, element.message) in new.deliveries for p in producers):
            return [Reason(S, f"consume removed: {element.component} still receives {element.message} from "
                              f"{_names(producers)} by another channel or flow")]
        return [Reason(R, f"consume removed: {element.component} no longer receives {element.message} from "
                          f"{element.channel}")]

    def _group(self, item: Item) -> None:
        """A consume added, or its group changed: who it now shares the messages with."""
        pair = item.pair
        n = pair.new
        if pair.change not in ("added", "changed"):
            return
        if pair.change == "changed" and not (item.changed("group") or item.changed("channel")):
            return
        old_facts, new_facts = self.old_facts, self.new_facts
        if pair.old is not None:
            old_group = old_facts.group_of(pair.old.component, pair.old.channel, pair.old.message)
            if pair.old.channel != n.channel:
                old_group = ()  # a group of another channel: everyone on the new one is new to it
        elif n.component in old_facts.readers.get(n.channel, ()):
            old_group = old_facts.group_of(n.component, n.channel, n.message)  # another type, same group
        else:
            old_group = ()
        new_group = new_facts.group_of(n.component, n.channel, n.message)
        existing = [m for m in new_group if m != n.component and m in old_facts.readers.get(n.channel, ())
                    and m not in old_group]
        name = n.group
        where = f"group {name}" if name else f"the consumers of {n.channel}"
        if existing:
            item.reasons.append(Reason(B, f"{n.component} joins {where}, shared with "
                                          f"{_names(existing)}: each message of {n.channel} goes to one member, so "
                                          f"{_names(existing)} {_verb(existing, 'loses', 'lose')} the messages "
                                          f"{n.component} takes"))
        if pair.old is not None:
            old_group = old_facts.group_of(pair.old.component, pair.old.channel, pair.old.message)
            left = [m for m in old_group if m != n.component and m not in new_group
                    and m in new_facts.readers.get(pair.old.channel, ())]
            if left:
                item.reasons.append(Reason(R, f"{n.component} leaves the group it shared with {_names(left)}: "
                                              f"{_verb(left, 'it takes', 'they take')} its share: more load"))

    # --- consequences through the derived flows

    def _origin_keys(self, flow: Flow) -> list[tuple[str, str]]:
        out = []
        for _span, label in flow.origins:
            if label.startswith("channel "):
                out.append(("channel", label[len("channel "):]))
            elif label.startswith("route "):
                out.append(("route", label[len("route "):]))
            else:
                out.append(("endpoint", label))
        return out

    def _touching(self, paths) -> list[tuple[str, str]]:
        on = {name for path in paths for name in path}
        out = []
        for item in self.items:
            if item.pair.category == "route":
                route = item.pair.new if item.pair.new is not None else item.pair.old
                if route.source in on or route.target in on:
                    out.append(item.key)
            elif item.pair.category == "channel" and item.pair.name in on:
                out.append(item.key)
        return out

    def cause(self, flows: list[Flow], extra: list[tuple[str, str]] = (), pair: Pair | None = None) -> Item | None:
        """The declaration change that explains a change of these flows (old and/or new), or None.

        A flow that comes or goes (or a consumer that loses or gains a publisher) is put on
        the route, else the channel, else the endpoint that changed on its path; a flow that
        changed in place (``pair``) on the consume that joined, left or moved when its
        consumers changed, else on the endpoint whose figures or needs it carries. Changed
        routes and channels that touch the path but are not on it come last."""
        keys = [k for flow in flows for k in self._origin_keys(flow)] + list(extra)
        found = [self.by_key[k] for k in dict.fromkeys(keys) if k in self.by_key]
        if not found:
            found = [self.by_key[k] for k in dict.fromkeys(self._touching([f.path for f in flows]))
                     if k in self.by_key]
        if not found:
            return None
        rank = {"removed": 0, "changed": 1, "added": 2}
        if pair is not None and pair.change == "changed":
            names = {p[1] for p in pair.props}
            if names & {"consumers", "pattern"}:
                movers = [i for i in found if i.pair.category == "endpoint"
                          and (i.pair.new or i.pair.old).role == "consume"
                          and (i.pair.change != "changed" or i.changed("group") or i.changed("channel"))]
                if movers:
                    return movers[0]
            order = ("endpoint", "channel", "route")
            return sorted(found, key=lambda i: (order.index(i.pair.category),
                                                (i.pair.new or i.pair.old).role == "consume"
                                                if i.pair.category == "endpoint" else False))[0]
        return sorted(found, key=lambda i: (_CAUSE_ORDER.index(i.pair.category), rank[i.pair.change]))[0]

    def _receipts(self) -> None:
        old, new = self.old_facts, self.new_facts
        lost: dict[tuple[str, str], dict[str, list[str]]] = {}
        gained: dict[tuple[str, str], dict[str, list[str]]] = {}
        causes: dict[tuple[str, str], Item] = {}
        moved = {i.pair.previous_name: i.pair.name for i in self.items
                 if i.pair.category == "endpoint" and i.pair.previous_name}
        pairs = [(c, c) for c in old.endpoints if c in new.endpoints and old.endpoints[c].role == "consume"]
        pairs += [(o, n) for o, n in moved.items() if old.endpoints[o].role == "consume"]
        for was, consume in sorted(pairs):
            # by the publish's NEW id (a publish that moved to another channel is the same publish)
            before = {moved.get(p, p): f for p, f in old.receipts.get(was, {}).items()}
            after = new.receipts.get(consume, {})
            itself = [("endpoint", consume)] if was != consume else []
            for publish in sorted(set(before) - set(after)):
                if publish not in new.endpoints:
                    continue  # the publish went: its own change names who loses
                item = self.cause([before[publish]], [("endpoint", publish), *itself])
                if item is not None:
                    lost.setdefault(item.key, {}).setdefault(consume, []).append(publish)
                    causes[item.key] = item
            for publish in sorted(set(after) - set(before)):
                if publish not in old.endpoints and publish not in moved.values():
                    continue  # a new publish: its own change says whom it reaches
                item = self.cause([after[publish]], [("endpoint", publish), *itself])
                if item is not None:
                    gained.setdefault(item.key, {}).setdefault(consume, []).append(publish)
                    causes[item.key] = item
        for key, by_consume in lost.items():
            item = causes[key]
            for consume, publishes in sorted(by_consume.items()):
                component, rest = consume.split(" consumes ", 1)
                message, channel = rest.split(" from ", 1)
                producers = [p.split(" publishes ")[0] for p in publishes]
                everything = not new.receipts.get(consume)
                if everything:
                    level = B
                    text = (f"{component} no longer receives any {message} on {channel} (it received it from "
                            f"{_names(producers)}): it loses all its messages of that type")
                else:
                    level = B if item.pair.category == "route" and item.pair.change == "removed" else R
                    text = f"{component} no longer receives {message} from {_names(producers)} on {channel}"
                item.reasons.append(Reason(level, text))
        for key, by_consume in gained.items():
            item = causes[key]
            for consume, publishes in sorted(by_consume.items()):
                component, rest = consume.split(" consumes ", 1)
                message, channel = rest.split(" from ", 1)
                producers = [p.split(" publishes ")[0] for p in publishes]
                item.reasons.append(Reason(S, f"{component} now also receives {message} from {_names(producers)} "
                                              f"on {channel}"))
        # a removed route through which nobody lost anything
        for item in self.items:
            if item.pair.category == "route" and item.pair.change == "removed" and len(item.reasons) == 1:
                item.reasons[0] = Reason(S, "route removed: no consumer received messages through it")

    def explain(self, flow_pairs: list[Pair]) -> dict[str, tuple[str, str, bool]]:
        """The derived flow changes (``compare.Pair`` of category flow) that a declaration change
        explains: flow id -> the key of that change, which lists the flow under ``flows``."""
        for pair in flow_pairs:
            flows = [f for f in (pair.old, pair.new) if f is not None]
            if not all(f.derived for f in flows):
                continue  # a v1 flow, or one rewritten as channels: its requirements are compared as a flow's
            item = self.cause(flows, pair=pair)
            if item is not None:
                self.explained[pair.name] = (*item.key, item.pair.change == "removed")
                item.flows.append((pair.name, pair.change, tuple(p[1] for p in pair.props)))
        return self.explained

    def _arrivals(self) -> None:
        """A message type newly reaching a channel whose consumers do not declare it."""
        old, new = self.old_facts, self.new_facts
        for (channel, message), publishes in sorted(new.arrivals.items()):
            if (channel, message) in old.arrivals:
                continue
            consumers = new.consumes_on(channel)
            takers = {c.component for c in consumers if c.message == message}
            strangers = sorted({c.component for c in consumers} - takers)
            if not strangers:
                continue
            extra: list[tuple[str, str]] = []
            for publish_name, path in sorted(publishes.items()):
                extra += [("route", r) for r in new.routes_on(path)] + [("channel", c) for c in path]
                extra.append(("endpoint", publish_name))
            found = [self.by_key[k] for k in dict.fromkeys(extra) if k in self.by_key]
            if not found:
                continue
            item = sorted(found, key=lambda i: (_CAUSE_ORDER.index(i.pair.category),
                                                {"added": 0, "changed": 1, "removed": 2}[i.pair.change]))[0]
            they = _verb(strangers, "it receives messages it does", "they receive messages they do")
            item.reasons.append(Reason(R, f"{message} now reaches {channel}, whose "
                                          f"{_verb(strangers, 'consumer', 'consumers')} ({_names(strangers)}) "
                                          f"{_verb(strangers, 'does', 'do')} not declare it: {they} not expect"))
