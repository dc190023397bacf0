"""Judge each change: breaking, risky or safe, with the reason a reviewer needs.

breaking: what already runs stops getting what it relied on (durability or a delivery
guarantee weakened, order dropped, a subscriber cut off, a pattern that changes who gets
a message, a broker that lacks a capability a flow needs, a message past the broker's
size limit). risky: it can work but needs care or capacity (rate up by more than the
headroom absorbs, fewer instances or nodes, a broker swapped, a schema changed). safe:
everything else (additions, stronger guarantees, documentation).
"""

from __future__ import annotations

from typing import Any

from msgarch.diff.changes import Level, Reason
from msgarch.diff.values import show
from msgarch.model.model import DELIVERY_STRENGTH

B, R, S = Level.BREAKING, Level.RISKY, Level.SAFE


def _up(before, after) -> bool:
    return before is not None and after is not None and after > before


def _down(before, after) -> bool:
    return before is not None and after is not None and after < before


def _delivery_rank(value: str | None) -> int:
    return -1 if value is None else DELIVERY_STRENGTH[value]


def flow_property(name: str, before: Any, after: Any, unit: str, pattern_before: str | None) -> list[Reason]:
    """The reasons for one changed requirement of a flow or a kind."""
    b, a = show(before, unit), show(after, unit)
    if name == "durable":
        if before and not after:
            return [Reason(B, "durability weakened: messages no longer survive a broker restart")]
        return [Reason(S, "durability now required")]
    if name == "delivery":
        if _delivery_rank(after) < _delivery_rank(before):
            if after is None and before == "at-most-once":
                return [Reason(S, "at-most-once was the weakest guarantee anyway")]
            return [Reason(B, f"delivery guarantee weakened: {b} -> {a}: messages may now be lost"
                              + (" or duplicated" if before == "exactly-once" and after is not None else ""))]
        return [Reason(S, f"delivery guarantee strengthened: {b} -> {a}")]
    if name == "pattern":
        if before == "pubsub" and after == "queue":
            return [Reason(B, "pubsub -> queue: the consumer components now compete, each message reaches only one")]
        if "request-reply" in (before, after):
            return [Reason(B, f"{b} -> {a}: requesters and repliers must change how they talk")]
        if before == "queue" and after == "pubsub":
            return [Reason(R, "queue -> pubsub: every consumer component now receives every message")]
        return [Reason(R, f"pattern {b} -> {a}")]
    if name == "consumers":
        removed = sorted(set(before) - set(after))
        added = sorted(set(after) - set(before))
        reasons = []
        if removed and pattern_before == "pubsub":
            reasons.append(Reason(B, f"removed from a pub/sub flow: {', '.join(removed)} no longer"
                                     f" receive{'s' if len(removed) == 1 else ''} its messages"))
        elif removed:
            reasons.append(Reason(R, f"{', '.join(removed)} no longer consume{'s' if len(removed) == 1 else ''}:"
                                     " the other consumers take the share"))
        if added:
            reasons.append(Reason(S, f"{', '.join(added)} now consume{'s' if len(added) == 1 else ''}"))
        return reasons
    if name == "ordered":
        if before and not after:
            return [Reason(B, "ordering guarantee dropped")]
        return [Reason(S, "ordering now required")]
    if name == "ordered-by":
        if before is None:
            return [Reason(R, f"order relaxed to per-{a} (total order before)")] if after is not None else []
        if after is None:
            return [Reason(S, "per-key order now required as total order")]
        return [Reason(R, f"ordering key changed {b} -> {a}: order per {b} is no longer kept")]
    if name == "via":
        return [Reason(R, f"moved from broker {b} to {a}: producers and consumers must move, in-flight"
                          " messages drained")]
    if name == "partitions":
        if _down(before, after):
            return [Reason(R, f"partitions {b} -> {a}: keys map to other partitions (per-key order breaks during"
                              " the change) and fewer consumers can work in parallel")]
        return [Reason(R, f"partitions {b} -> {a}: keys map to other partitions (per-key order breaks"
                          " during the change)")]
    if name in ("latency", "timeout", "backlog"):
        if (before is None and after is not None) or _down(before, after):
            what = {"latency": "latency budget", "timeout": "requesters' timeout",
                    "backlog": "acceptable queueing time"}[name]
            return [Reason(R, f"{what} tightened: {b} -> {a}")]
        return [Reason(S, f"{name} relaxed: {b} -> {a}")]
    if name == "priority":
        if after is None or _down(before, after):
            return [Reason(R, f"priority levels {b} -> {a}: urgent messages may wait behind others")]
        return [Reason(S, f"priority levels {b} -> {a}")]
    if name == "ttl":
        if (before is None and after is not None) or _down(before, after):
            return [Reason(R, f"messages now expire sooner ({b} -> {a}): unconsumed ones are dropped")]
        return [Reason(S, f"ttl {b} -> {a}: messages are kept longer")]
    if name == "retention":
        if after is None or _down(before, after):
            return [Reason(R, f"retention {b} -> {a}: consumers can re-read less far back")]
        return [Reason(S, f"retention {b} -> {a}")]
    if name in ("replay", "dead-letter", "delay"):
        if before and not after:
            text = {"replay": "replay no longer required: consumers that re-read old messages lose that",
                    "dead-letter": "dead-lettering dropped: rejected messages are no longer kept aside",
                    "delay": "delayed delivery no longer required: scheduled messages would arrive at once"}[name]
            return [Reason(R, text)]
        return [Reason(S, f"{name} now required")]
    if name == "routing":
        return [Reason(R, f"routing {b} -> {a}: subscriptions and bindings must be redeclared")]
    if name == "kind":
        return [Reason(S, f"kind {b} -> {a}; the effective requirements are compared one by one")]
    if name in ("rate", "peak"):
        if _up(before, after):
            return [Reason(S, f"{name} up {b} -> {a}")]
        return [Reason(S, f"{name} {b} -> {a}")]
    return [Reason(S, f"{name} {b} -> {a}")]


def component_property(name: str, before: Any, after: Any, unit: str) -> list[Reason]:
    b, a = show(before, unit), show(after, unit)
    if name == "instances":
        if _down(before, after):
            return [Reason(R, f"instances down {b} -> {a}: less capacity and less redundancy")]
        return [Reason(S, f"instances up {b} -> {a}")]
    if name == "capacity":
        if _down(before, after):
            return [Reason(R, f"capacity per instance down {b} -> {a}")]
        if before is not None and after is None:
            return [Reason(R, "capacity no longer stated: capacity checks of this component stop")]
        return [Reason(S, f"capacity {b} -> {a}")]
    if name == "external":
        if after:
            return [Reason(R, "now external: no longer sized or checked as part of this architecture")]
        return [Reason(S, "now part of this architecture (sized and checked)")]
    if name == "idempotent":
        if before and not after:
            return [Reason(R, "no longer idempotent: duplicate deliveries are no longer tolerated")]
        return [Reason(S, "now tolerates duplicate deliveries")]
    if name == "zone":
        return [Reason(S, f"moved from zone {b} to {a}")]
    return [Reason(S, f"{name} changed (documentation)")]


def broker_property(name: str, before: Any, after: Any, unit: str) -> list[Reason]:
    b, a = show(before, unit), show(after, unit)
    if name == "kind":
        return [Reason(R, f"broker kind {b} -> {a}: a migration, with the new broker's capabilities and limits")]
    if name == "nodes":
        if _down(before, after) or (before is not None and after is None):
            return [Reason(R, f"nodes {b} -> {a}: less throughput and fault tolerance")]
        return [Reason(S, f"nodes {b} -> {a}")]
    if name == "replication":
        if (after or 1) < (before or 1):
            if (after or 1) == 1:
                return [Reason(B, f"replication {b} -> {a}: durability weakened, one node failure loses"
                                  " messages")]
            return [Reason(R, f"replication {b} -> {a}: fewer node failures tolerated")]
        return [Reason(S, f"replication {b} -> {a}")]
    if name == "version":
        return [Reason(R, f"version {b} -> {a}: capabilities and limits may differ")]
    if name in ("capacity", "storage", "max-message"):
        if _down(before, after):
            return [Reason(R, f"{name} {b} -> {a}")]
        return [Reason(S, f"{name} {b} -> {a}")]
    if name == "profile":
        return [Reason(R, f"profile file {b} -> {a}: the capabilities checked come from another file")]
    return [Reason(S, f"{name} {b} -> {a}")]


def message_property(name: str, before: Any, after: Any, unit: str) -> list[Reason]:
    b, a = show(before, unit), show(after, unit)
    if name == "schema":
        if before is not None:
            return [Reason(R, f"payload schema {b} -> {a}: check that every consumer reads the new one")]
        return [Reason(S, f"payload schema now recorded: {a}")]
    if name in ("size", "max-size") and _up(before, after):
        return [Reason(S, f"{name} up {b} -> {a}")]
    return [Reason(S, f"{name} {b} -> {a}")]


def system_property(name: str, before: Any, after: Any, unit: str) -> list[Reason]:
    b, a = show(before, unit), show(after, unit)
    if name == "headroom" and _up(before, after):
        return [Reason(R, f"headroom {b} -> {a}: consumers and brokers may run hotter before a warning")]
    return [Reason(S, f"{name} {b} -> {a} (planning parameter)")]


PROPERTY_RULES = {
    "component": component_property,
    "broker": broker_property,
    "message": message_property,
    "system": system_property,
}
