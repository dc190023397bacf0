"""Judge each change: breaking, risky or safe, with the reason a reviewer needs.

breaking: what already runs stops getting what it relied on (durability or a delivery
guarantee weakened, order dropped, a subscriber cut off, a consumer component added to a
queue, where it takes messages the others received, a pattern that changes who gets
a message, a broker that lacks a capability a flow needs, a message past the broker's
size limit). risky: it can work but needs care or capacity (rate up by more than the
headroom absorbs, fewer instances or nodes, a broker swapped, a schema changed, a consumer
component removed from a queue or a queue made pub/sub: more load on the others). safe:
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


#: Patterns whose consumer components compete for the messages: each message reaches one of them.
COMPETING = ("queue", "request-reply")


def _names(names) -> str:
    return ", ".join(sorted(set(names)))


def _verb(names, singular: str, plural: str) -> str:
    return singular if len(set(names)) == 1 else plural


def _pattern_change(before: str | None, after: str | None, consumers) -> list[Reason]:
    """A flow's (or a kind's) effective pattern changed; ``consumers`` are the consumer
    components after the change (None for a kind, whose flows are judged on their own)."""
    b, a = show(before, ""), show(after, "")
    several = consumers is None or len(set(consumers)) > 1
    if "request-reply" in (before, after):
        return [Reason(B, f"{b} -> {a}: requesters and repliers must change how they talk")]
    if before == "pubsub" and after == "queue":
        if several:
            who = "" if consumers is None else f" ({_names(consumers)})"
            return [Reason(B, f"pubsub -> queue: the consumer components{who} now compete, each message reaches "
                              "only one: each of them loses the messages the others take")]
        return [Reason(R, f"pubsub -> queue with one consumer component ({_names(consumers)}): it still receives "
                          "every message, but a consumer component added later would take a share of them")]
    if before == "queue" and after == "pubsub":
        if several:
            who = "" if consumers is None else f" ({_names(consumers)})"
            return [Reason(R, f"queue -> pubsub: every consumer component{who} now receives every message, "
                              "not a share: load up on each")]
        return [Reason(R, f"queue -> pubsub with one consumer component ({_names(consumers)}): every message reaches "
                          "it, and a consumer component added later would get its own copy")]
    return [Reason(R, f"pattern {b} -> {a}")]


def _consumer_change(before, after, pattern_before: str | None, pattern_after: str | None) -> list[Reason]:
    """A flow's consumer components changed, judged by who receives each message before and after."""
    removed = sorted(set(before) - set(after))
    added = sorted(set(after) - set(before))
    kept = sorted(set(before) & set(after))
    pattern_after = pattern_after or pattern_before
    reasons = []
    if removed and pattern_before == "pubsub":
        reasons.append(Reason(B, f"removed from a pub/sub flow: {_names(removed)} no longer"
                                 f" {_verb(removed, 'receives', 'receive')} its messages"))
    elif removed:
        took = (f"with `pattern {pattern_after}` the remaining consumer "
                f"{_verb(kept, 'component', 'components')} ({_names(kept)}) take{'s' if len(kept) == 1 else ''} "
                f"{_verb(removed, 'its', 'their')} share of the messages: more load on "
                f"{_verb(kept, 'it', 'them')}") if kept and pattern_after in COMPETING else (
                f"with `pattern {pattern_after}` the others receive every message" if kept
                else "the others take the share")
        reasons.append(Reason(R, f"{_names(removed)} no longer {_verb(removed, 'consumes', 'consume')}: {took}"))
    if added and pattern_after in COMPETING and kept:
        reasons.append(Reason(B, f"{_names(added)} now {_verb(added, 'competes', 'compete')} for the messages: with "
                                 f"`pattern {pattern_after}` each message reaches only one consumer component, so "
                                 f"{_names(kept)} {_verb(kept, 'loses', 'lose')} the messages "
                                 f"{_names(added)} {_verb(added, 'takes', 'take')}"))
    elif added:
        reasons.append(Reason(S, f"{_names(added)} now {_verb(added, 'consumes', 'consume')}"))
    return reasons


def flow_property(name: str, before: Any, after: Any, unit: str, pattern_before: str | None,
                  pattern_after: str | None = None, consumers_after=None) -> list[Reason]:
    """The reasons for one changed requirement of a flow or a kind.

    ``pattern_before``/``pattern_after`` are the effective patterns on each side and
    ``consumers_after`` the consumer components in NEW (None for a kind): who receives a
    message depends on them, so they decide how a pattern or consumer change is judged.
    """
    b, a = show(before, unit), show(after, unit)
    if name == "durable":
        if before and not after:
            return [Reason(B, "durability weakened: messages no longer survive a broker restart")]
        return [Reason(S, "durability now required")]
    if name == "delivery":
        if _delivery_rank(after) < _delivery_rank(before):
            if after is None and before == "at-most-once":
                return [Reason(S, "at-most-once was the weakest guarantee anyway")]
            effect = "duplicated (at-least-once loses nothing)" if after == "at-least-once" else "lost"
            return [Reason(B, f"delivery guarantee weakened: {b} -> {a}: messages may now be {effect}")]
        return [Reason(S, f"delivery guarantee strengthened: {b} -> {a}")]
    if name == "pattern":
        return _pattern_change(before, after, consumers_after)
    if name == "consumers":
        return _consumer_change(before, after, pattern_before, pattern_after)
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
    if name == "name":
        return [Reason(S, f"name {b} -> {a} (documentation)")]
    return [Reason(S, f"{name} {b} -> {a} (planning parameter)")]


PROPERTY_RULES = {
    "component": component_property,
    "broker": broker_property,
    "message": message_property,
    "system": system_property,
}
