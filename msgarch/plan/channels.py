"""Channels as `msgarch plan` and the HTML report list them (language v2).

``channel_rows(model)`` gives, per declared channel (sorted by name): its broker and the
broker's kind, its type, how the broker delivers it (competing consumers, a copy per
group, a copy per instance, routing only), its settings as written, the routes into and
out of it, the publishes into it and the consumes out of it, and the rates derivation
gives: what arrives in the channel (from every publish whose messages reach it, directly
or through routes; a publish with several keys split evenly over them, as derivation
does) and what each consume receives. Pure functions of the model.

``channel_traffic(model)`` is the arithmetic alone, shared with the renderer, which
labels route lines with their rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable, Mapping

from msgarch.diagnostics import Span
from msgarch.model.model import Endpoint, Flow, Model, OnError, Route

#: How a channel type hands its messages to consumers, in words (``ChannelInfo.delivery``).
DELIVERY_WORDS = {
    "route": "routes only: holds nothing, forwards to the channels its routes match",
    "competing": "competing consumers: each message to one consumer instance",
    "groups": "a copy to each group, shared by the group's members",
    "broadcast": "a copy to every consumer instance",
    "broadcast-unless-group": "a copy to every subscriber; a queue group shares one copy",
}


@dataclass
class Rate:
    """A sum of rates in msg/s: ``rate`` of the parts that give one, ``peak`` of the parts
    that give a rate or a peak; ``unknown`` counts the parts that give neither."""

    rate: float | None = None
    peak: float | None = None
    unknown: int = 0

    def add(self, rate: float | None, peak: float | None, share: float = 1.0) -> None:
        top = max((r for r in (rate, peak) if r is not None), default=None)
        if top is None:
            self.unknown += 1
            return
        if rate is not None:
            self.rate = (self.rate or 0.0) + rate * share
        self.peak = (self.peak or 0.0) + top * share

    @property
    def known(self) -> bool:
        return self.peak is not None


def publish_rate(publish: Endpoint) -> tuple[float | None, float | None]:
    return publish.needs.rate, publish.needs.peak


def flow_deliveries(model: Model, flow: Flow) -> dict[str, float]:
    """Consumer component -> the fraction of the flow's messages it receives (per instance
    where every instance gets every message), as the capacity analysis counts it."""
    from msgarch.analysis.load import delivery_shares

    if flow.broadcast:
        return dict.fromkeys(flow.consumers, 1.0)
    return delivery_shares(model, flow)


def channel_traffic(model: Model) -> tuple[dict[str, Rate], dict[tuple[str, str], Rate]]:
    """(channel -> messages arriving in it, (source, target) -> messages through that route),
    from what routing found for every publish."""
    into: dict[str, Rate] = {}
    through: dict[tuple[str, str], Rate] = {}
    derivation = model.derivation
    if derivation is None:
        return into, through
    for outcome in derivation.outcomes:
        if not outcome.keys:
            continue
        rate, peak = publish_rate(outcome.publish)
        share = 1.0 / len(outcome.keys)
        channels: dict[str, float] = {}
        pairs: dict[tuple[str, str], float] = {}
        for key in outcome.keys:
            for name in key.visited:
                channels[name] = channels.get(name, 0.0) + share
            crossed = set()
            for path in getattr(key, "paths", {}).values():
                crossed.update(zip(path, path[1:]))
            for pair in crossed:
                pairs[pair] = pairs.get(pair, 0.0) + share
        for name, part in channels.items():
            into.setdefault(name, Rate()).add(rate, peak, part)
        for pair, part in pairs.items():
            through.setdefault(pair, Rate()).add(rate, peak, part)
    return into, through


def consume_traffic(model: Model) -> dict[tuple[str, str, str], Rate]:
    """(channel, component, message) -> what that consume receives, from the derived flows."""
    out: dict[tuple[str, str, str], Rate] = {}
    for flow in model.flows:
        if not flow.derived or not model.resolved(flow):
            continue
        for name, share in flow_deliveries(model, flow).items():
            out.setdefault((flow.channel, name, flow.message), Rate()).add(flow.rate, flow.peak, share)
    return out


# --- text as written --------------------------------------------------------------------


@lru_cache(maxsize=16)
def _lines(text: str) -> list[str]:
    return text.splitlines()


def written(model: Model, span: Span | None) -> str | None:
    """The source text a span covers, whitespace collapsed; None when the source is not kept."""
    if span is None:
        return None
    text = model.sources.get(span.path)
    if text is None:
        return None
    lines = _lines(text)
    if not (1 <= span.line <= len(lines)) or span.end_line > len(lines):
        return None
    if span.line == span.end_line:
        piece = lines[span.line - 1][span.column - 1:span.end_column - 1]
    else:
        piece = " ".join([lines[span.line - 1][span.column - 1:],
                          *lines[span.line:span.end_line - 1],
                          lines[span.end_line - 1][:span.end_column - 1]])
    return " ".join(piece.split()) or None


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, OnError):
        text = value.action + (f" {value.retries}" if value.retries is not None else "")
        if value.backoff:
            text += f" backoff {value.backoff[0]:g}s..{value.backoff[1]:g}s"
        return text + (f" then {value.then}" if value.then else "")
    if isinstance(value, (tuple, list)):
        return " ".join(_value(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def settings_written(model: Model, settings: Mapping[str, Any], prop_spans: Mapping[str, Span],
                     skip: Iterable[str] = ()) -> list[str]:
    """Each setting (and, for an endpoint, each need) as the file writes it
    (``max-length 100k``), in the file's order; a setting without a span (a kind's
    default) as ``name value``, after them."""
    skip = set(skip)
    placed = []
    for name in dict.fromkeys([*prop_spans, *settings]):
        if name in skip:
            continue
        span = prop_spans.get(name)
        text = written(model, span)
        if text is None:
            if name not in settings:
                continue
            value = settings[name]
            text = name if value is True else f"{name} {_value(value)}"
        order = (span.path, span.line, span.column) if span is not None else ("\uffff", 0, 0)
        placed.append((order, name, text))
    return [text for _, _, text in sorted(placed)]


def json_value(value: Any) -> Any:
    """A parsed setting as JSON data."""
    if isinstance(value, OnError):
        return {"action": value.action, "retries": value.retries,
                "backoff_s": list(value.backoff) if value.backoff else None, "then": value.then}
    if isinstance(value, (tuple, list)):
        return [json_value(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in sorted(value.items())}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


# --- rows -------------------------------------------------------------------------------


def route_filter(route: Route) -> str:
    """What a route matches, in words: ``key "a.*"``, ``filter "type = paid"``, ``dead-letter``."""
    if route.dead_letter:
        return "dead-letter"
    parts = []
    if route.keys:
        parts.append("key " + " ".join(f'"{k}"' for k in route.keys))
    for name in ("filter", "headers"):
        value = route.settings.get(name)
        if value:
            parts.append(f"{name} " + (" ".join(f'"{v}"' for v in value) if isinstance(value, (tuple, list))
                                       else f'"{value}"'))
    if route.settings.get("match"):
        parts.append(f"match {route.settings['match']}")
    return ", ".join(parts) or "every message"


def _rate_json(rate: Rate | None) -> dict:
    rate = rate or Rate()
    return {"rate_per_s": _num(rate.rate), "peak_per_s": _num(rate.peak), "without_rate": rate.unknown}


def _num(value: float | None) -> float | int | None:
    from msgarch.plan.plan import _num as number

    return number(value)


def traffic(model: Model) -> tuple[dict, dict, dict]:
    """(channel_traffic's two tables, consume_traffic), computed once for a scene."""
    into, through = channel_traffic(model)
    return into, through, consume_traffic(model)


def channel_rows(model: Model, figures: tuple[dict, dict, dict] | None = None) -> list[dict]:
    """Per declared channel, sorted by name: JSON-ready data (see the module's doc).
    ``figures``: ``traffic(model)`` when the caller has it."""
    if not model.channels:
        return []
    into, through, received = figures if figures is not None else traffic(model)
    derivation = model.derivation
    info = derivation.info if derivation is not None else {}
    publishes: dict[str, list[Endpoint]] = {}
    for publish in model.publishes:
        publishes.setdefault(publish.channel, []).append(publish)
    consumes: dict[str, list[Endpoint]] = {}
    for consume in model.consumes:
        consumes.setdefault(consume.channel, []).append(consume)
    routes_in: dict[str, list[Route]] = {}
    routes_out: dict[str, list[Route]] = {}
    for route in model.routes:
        routes_out.setdefault(route.source, []).append(route)
        routes_in.setdefault(route.target, []).append(route)
    dropped: dict[str, set[str]] = {}
    for outcome in (derivation.outcomes if derivation is not None else ()):
        for key in outcome.keys:
            for name, what in key.dropped:
                dropped.setdefault(name, set()).add(f"{outcome.publish.id} key '{key.key}': {what}")
    rows = []
    for name in sorted(model.channels):
        channel = model.channels[name]
        broker = model.brokers.get(channel.broker)
        here = info.get(name)
        rows.append({
            "channel": name,
            "broker": channel.broker,
            "broker_kind": broker.kind if broker is not None else None,
            "type": channel.type,
            "address": channel.settings.get("address"),
            "delivery": here.delivery if here is not None else None,
            "delivery_means": DELIVERY_WORDS.get(here.delivery, here.delivery) if here is not None else None,
            "routing": here.routing if here is not None else None,
            "semantics_from": here.source if here is not None else None,
            "settings": {key: json_value(value) for key, value in sorted(channel.settings.items())},
            "settings_written": settings_written(model, channel.settings, channel.prop_spans),
            "into": _rate_json(into.get(name)),
            "routes_in": [{"from": r.source, "match": route_filter(r), "dead_letter": r.dead_letter,
                           **_rate_json(None if r.dead_letter else through.get((r.source, r.target)))}
                          for r in sorted(routes_in.get(name, ()), key=lambda r: (r.source, r.dead_letter))],
            "routes_out": [{"to": r.target, "match": route_filter(r), "dead_letter": r.dead_letter,
                            **_rate_json(None if r.dead_letter else through.get((r.source, r.target)))}
                           for r in sorted(routes_out.get(name, ()), key=lambda r: (r.target, r.dead_letter))],
            "publishes": [{
                "component": p.component, "message": p.message, "keys": list(p.keys), "key_by": p.key_by,
                "rate_per_s": _num(p.needs.rate), "peak_per_s": _num(p.needs.peak),
                "settings_written": settings_written(model, p.settings, p.prop_spans, skip=("key", "rate", "peak")),
            } for p in sorted(publishes.get(name, ()), key=lambda p: (p.component, p.message))],
            "consumes": [{
                "component": c.component, "message": c.message, "group": c.group,
                **_rate_json(received.get((name, c.component, c.message))),
                "per_instance": bool(here is not None and here.delivery == "broadcast"),
                "settings_written": settings_written(model, c.settings, c.prop_spans, skip=("group",)),
            } for c in sorted(consumes.get(name, ()), key=lambda c: (c.component, c.message))],
            "dropped": sorted(dropped.get(name, ())),
        })
    return rows
