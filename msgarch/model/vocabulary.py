"""Check channels, endpoint settings and broker settings against the broker's profile (E001).

The profile's ``channels`` (channel types and their settings), ``endpoints``
(``publish`` / ``consume`` settings) and ``broker-settings`` are the vocabulary. A
profile without one of these keys (an older user profile) accepts every keyword the
grammar knows there. Unknown channel types, unknown settings and words outside a
setting's ``values`` are E001 with a did-you-mean and the list of what is allowed.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from msgarch.diagnostics import Diagnostic, Span, input_error
from msgarch.model.model import Endpoint, Model

ProfileOf = Callable[[str], Any]


def _close(word: str, allowed) -> str:
    import difflib  # only on the error path
    close = difflib.get_close_matches(word, sorted(allowed), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _words(profile: Any) -> Mapping[str, Any]:
    return getattr(profile, "data", None) or {}


def check(model: Model, profile_of: ProfileOf) -> list[Diagnostic]:
    problems: list[Diagnostic] = []

    def add(message: str, span: Span | None, hint: str = "") -> None:
        problems.append(input_error("E001", message, span, hint))

    def settings(values: Mapping[str, Any], spans: Mapping[str, Span], allowed: Mapping[str, Any],
                 what: str, fallback: Span) -> None:
        for name in values:
            span = spans.get(name, fallback)
            if name not in allowed:
                listed = ", ".join(sorted(allowed)) or "none"
                add(f"'{name}' is not a setting of {what}{_close(name, allowed)}", span,
                    f"{what} takes: {listed}")
                continue
            words = (allowed[name] or {}).get("values")
            value = values[name]
            if words and isinstance(value, str) and value not in words:
                add(f"'{value}' is not a valid {name} for {what}{_close(value, words)}: expected one of "
                    + ", ".join(str(w) for w in words), span)

    profiles: dict[str, Any] = {}

    def profile(broker: str) -> Any:
        if broker not in profiles:
            profiles[broker] = profile_of(broker) if broker in model.brokers else None
        return profiles[broker]

    for name in sorted(model.brokers):
        broker = model.brokers[name]
        data = _words(profile(name))
        if broker.settings and "broker-settings" in data:
            settings(broker.settings, broker.prop_spans, data["broker-settings"],
                     f"a {broker.kind} broker", broker.span)
    route_types: dict[str, bool] = {}
    for name, channel in model.channels.items():
        data = _words(profile(channel.broker))
        vocabulary = data.get("channels")
        if not isinstance(vocabulary, Mapping):
            continue
        kind = model.brokers[channel.broker].kind
        entry = vocabulary.get(channel.type)
        if entry is None:
            add(f"'{channel.type}' is not a channel type of {kind}{_close(channel.type, vocabulary)}: "
                f"expected one of {', '.join(sorted(vocabulary))}", channel.type_span or channel.span,
                f"the {kind} profile lists its channel types under `channels`")
            continue
        route_types[name] = entry.get("delivery") == "route"
        settings(channel.settings, channel.prop_spans, entry.get("settings", {}),
                 f"a {kind} {channel.type}", channel.span)
    for endpoint in (*model.publishes, *model.consumes):
        channel = model.channels.get(endpoint.channel)
        if channel is None:
            continue  # T703 names the undeclared channel
        data = _words(profile(channel.broker))
        allowed = (data.get("endpoints") or {}).get(endpoint.role) if "endpoints" in data else None
        own = dict(endpoint.settings)
        if endpoint.keys or endpoint.key_by:
            own["key"] = "by" if endpoint.key_by else "literal"
        if allowed is not None:
            settings(own, endpoint.prop_spans, {**allowed, **_always(endpoint)},
                     f"a {endpoint.role} on {model.brokers[channel.broker].kind}", endpoint.span)
        if endpoint.role == "consume" and route_types.get(channel.name):
            add(f"{endpoint.id}: '{channel.name}' is a {channel.type}, which holds no messages: consumers read "
                f"from the queues bound to it", endpoint.channel_span or endpoint.span,
                f"declare a queue, `route {channel.name} -> QUEUE`, and consume from the queue")
    return problems


def _always(endpoint: Endpoint) -> dict[str, Any]:
    """Endpoint settings every broker takes: the publish key (routing key, partition key,
    subject) is judged by routing, not by the vocabulary; `while-waiting` describes the
    consumer's own loop."""
    from msgarch.model.settings import GENERIC_CONSUME_SETTINGS

    return {"key": {}} if endpoint.role == "publish" else dict.fromkeys(GENERIC_CONSUME_SETTINGS, {})
