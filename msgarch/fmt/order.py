"""The canonical order of the properties in each kind of block.

v1 properties follow the tables of docs/language.md (which list them in the grammar's
order); v2 settings follow the keyword tables of msgarch/model/settings.py, from which
the grammar's setting rules are generated. Keys are grammar rule names (`rate`,
`broker_capacity`, `set_key`, `endpoint_kind`), so that `capacity` on a broker and on a
component, or `dead-letter` on a flow and on a channel, each have their own place.
"""

from __future__ import annotations

from msgarch.model import settings


def _settings(keywords) -> tuple[str, ...]:
    return tuple("set_" + keyword.replace("-", "_") for keyword in keywords)


FLOW = ("via", "pattern", "partitions", "rate", "peak", "latency", "timeout", "durable", "delivery",
        "ordered", "priority", "ttl", "delay", "dead_letter", "retention", "replay", "routing", "backlog")

_ENDPOINT_SETTINGS = tuple(dict.fromkeys((*settings.PUBLISH_SETTINGS, *settings.CONSUME_SETTINGS)))

#: declaration rule -> the rules of its block's items, in canonical order. Items with the
#: same rank (the publishes and consumes of a component) keep the order they were written in.
ORDER: dict[str, tuple[tuple[str, ...], ...]] = {
    "system": (("growth",), ("horizon",), ("headroom",), ("requires",)),
    "broker": tuple((r,) for r in ("nodes", "replication", "version", "broker_capacity", "storage",
                                   "max_message", "profile", *_settings(settings.BROKER_SETTINGS))),
    "component": (*((r,) for r in ("instances", "capacity", "zone", "external", "idempotent",
                                   "description", "owner")), ("publishes", "consumes")),
    "message": (("size",), ("max_size",), ("schema",)),
    "kind": tuple((r,) for r in (*FLOW, *_settings(_ENDPOINT_SETTINGS))),
    "flow": tuple((r,) for r in FLOW),
    "channel": tuple((r,) for r in _settings(settings.CHANNEL_SETTINGS)),
    "route": tuple((r,) for r in _settings(settings.ROUTE_SETTINGS)),
    # an endpoint: its kind (the defaults it starts from), its settings, then its needs
    "publish": tuple((r,) for r in ("endpoint_kind", *_settings(settings.PUBLISH_SETTINGS), *FLOW)),
    "consume": tuple((r,) for r in ("endpoint_kind", *_settings(settings.CONSUME_SETTINGS), *FLOW)),
}
ORDER["publishes"] = ORDER["publish"]
ORDER["consumes"] = ORDER["consume"]

#: declaration rule -> {item rule: rank}
RANK: dict[str, dict[str, int]] = {
    block: {rule: rank for rank, rules in enumerate(ranks) for rule in rules} for block, ranks in ORDER.items()
}

#: Declarations whose one-line forms are aligned (the `{` of a run in one column): those
#: whose header is the keyword and a name.
ALIGNED = ("component", "message", "kind")
