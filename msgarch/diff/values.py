"""Which properties each element has, their units, how to compare them and how to print them."""

from __future__ import annotations

import math
from typing import Any

#: (attribute, name as written, unit) per category, in the order the language lists them.
SYSTEM_PROPS = (
    ("name", "name", ""), ("growth", "growth", "fraction"), ("horizon", "horizon", "years"),
    ("headroom", "headroom", "fraction"), ("requires", "requires", "set"),
)
BROKER_PROPS = (
    ("kind", "kind", ""), ("nodes", "nodes", ""), ("replication", "replication", ""),
    ("version", "version", ""), ("capacity_per_node", "capacity", "msg/s"),
    ("storage_per_node", "storage", "bytes"), ("max_message", "max-message", "bytes"),
    ("profile_path", "profile", ""),
)
COMPONENT_PROPS = (
    ("instances", "instances", ""), ("capacity", "capacity", "msg/s"), ("zone", "zone", ""),
    ("external", "external", ""), ("idempotent", "idempotent", ""),
    ("description", "description", ""), ("owner", "owner", ""),
)
MESSAGE_PROPS = (("size", "size", "bytes"), ("max_size", "max-size", "bytes"), ("schema", "schema", ""))
FLOW_PROPS = (
    ("kind", "kind", ""), ("via", "via", ""), ("pattern", "pattern", ""), ("partitions", "partitions", ""),
    ("rate", "rate", "msg/s"), ("peak", "peak", "msg/s"), ("latency", "latency", "s"),
    ("timeout", "timeout", "s"), ("durable", "durable", ""), ("delivery", "delivery", ""),
    ("ordered", "ordered", ""), ("ordered_by", "ordered-by", ""), ("priority", "priority", ""),
    ("ttl", "ttl", "s"), ("delay", "delay", ""), ("delay_max", "delay-max", "s"),
    ("dead_letter", "dead-letter", ""), ("retention", "retention", "s"), ("replay", "replay", ""),
    ("routing", "routing", ""), ("backlog", "backlog", "s"),
)
#: A kind holds the same requirements as a flow (unset ones are None), minus its own kind.
KIND_PROPS = tuple(p for p in FLOW_PROPS if p[0] != "kind")

PROPS = {"system": SYSTEM_PROPS, "broker": BROKER_PROPS, "component": COMPONENT_PROPS,
         "message": MESSAGE_PROPS, "kind": KIND_PROPS, "flow": FLOW_PROPS}


def normalise(value: Any, unit: str) -> Any:
    """The comparable form: sets for `requires` and consumer lists, plain values otherwise."""
    if unit == "set":
        return tuple(sorted(set(value or ())))
    if isinstance(value, float) and value.is_integer() and unit in ("", "years"):
        return int(value)
    return value


def same(a: Any, b: Any) -> bool:
    """Equal, with floats compared to a relative 1e-9 (2KB and 2000B are one value in bytes)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=0.0)
    return a == b


from msgarch.analysis.figures import exact_duration as show_duration  # noqa: E402,F401 - one module writes figures
from msgarch.analysis.figures import exact_number as _number  # noqa: E402
from msgarch.analysis.figures import exact_rate as show_rate  # noqa: E402
from msgarch.analysis.figures import exact_size as show_size  # noqa: E402


def show(value: Any, unit: str = "") -> str:
    """A value as a reviewer reads it, in the language's own units."""
    if value is None:
        return "(unset)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (tuple, list)):
        return ", ".join(str(v) for v in value) if value else "(none)"
    if isinstance(value, (int, float)):
        if unit == "msg/s":
            return show_rate(float(value))
        if unit == "bytes":
            return show_size(float(value))
        if unit == "s":
            return show_duration(float(value))
        if unit == "fraction":
            return f"{_number(value * 100)}%"
        if unit == "years":
            return f"{_number(value)} year" + ("" if value == 1 else "s")
        return _number(value)
    if value == "":
        return "(none)"
    return str(value)


def show_percent(value: float | None) -> str:
    if value is None:
        return "unknown"
    if 0 < value < 0.001:
        return "<0.1%"
    return f"{value * 100:.1f}%" if value < 0.1 else f"{value * 100:.0f}%"
