"""What a flow needs of its broker that the broker's profile says it cannot do, citing the fact."""

from __future__ import annotations

from dataclasses import dataclass

from msgarch.diff.values import show_duration, show_size
from msgarch.model.model import DELIVERY_STRENGTH, Broker, Flow, Model


@dataclass(frozen=True)
class Unmet:
    """One need the broker does not meet: ``key`` identifies it across two models."""

    key: str  # "durable", "pattern:pubsub", "priority:3", "max-size"...
    need: str  # "durable messages", "3 priority levels"
    fact: str  # the profile fact, cited (or the broker's own max-message)


def profile_for(broker: Broker):
    """The built-in profile for the broker's kind and version; None for custom or unknown kinds
    (and for a version the profile cannot read: lint reports that)."""
    from msgarch.brokers import ProfileError, builtin_ids, load_builtin

    if broker.kind not in builtin_ids() or broker.profile_path is not None:
        return None
    try:
        return load_builtin(broker.kind, broker.version)
    except (KeyError, ProfileError):
        return None


def _lacks(profile, path: str) -> str | None:
    """The cited fact when the profile says "no" to ``path``; None when it supports it at least partly."""
    try:
        fact = profile.fact(path)
    except KeyError:
        return None
    return fact.cite() if fact.support == "no" else None


def message_limit(broker: Broker, profile) -> tuple[float | None, str]:
    """The largest message the broker takes and where that figure comes from."""
    if broker.max_message is not None:
        return broker.max_message, f"broker {broker.name} declares max-message {show_size(broker.max_message)}"
    if profile is None:
        return None, ""
    return profile.max_message_default, profile.fact("max-message").cite()


def unmet_needs(model: Model, flow: Flow, profiles: dict) -> dict[str, Unmet] | None:
    """Every need of ``flow`` its broker lacks, keyed; None when it cannot be checked
    (the flow names undeclared elements, or the broker has no built-in profile)."""
    if not model.resolved(flow):
        return None
    broker = model.brokers[flow.via]
    profile = profiles.get(flow.via)
    if profile is None:
        return None
    out: dict[str, Unmet] = {}

    def check(key: str, need: str, path: str) -> None:
        cited = _lacks(profile, path)
        if cited is not None:
            out[key] = Unmet(key, need, cited)

    check(f"pattern:{flow.pattern}", f"the {flow.pattern} pattern", f"patterns.{flow.pattern}")
    if flow.durable:
        check("durable", "durable messages", "durable")
    if flow.delivery is not None and DELIVERY_STRENGTH[flow.delivery] > DELIVERY_STRENGTH.get(profile.delivery, -1):
        out[f"delivery:{flow.delivery}"] = Unmet(f"delivery:{flow.delivery}", f"{flow.delivery} delivery",
                                                 profile.fact("delivery").cite())
    if flow.ordered:
        check("ordered", "ordered delivery", "ordering")
    if flow.priority is not None and profile.priority_levels < flow.priority:
        out[f"priority:{flow.priority}"] = Unmet(f"priority:{flow.priority}", f"{flow.priority} priority levels",
                                                 profile.fact("priority").cite())
    if flow.ttl is not None:
        check("ttl", "per-message expiry (ttl)", "ttl")
    if flow.delay:
        check("delay", "delayed delivery", "delay")
        limit = profile.delay_max
        if "delay" not in out and flow.delay_max is not None and limit is not None and flow.delay_max > limit:
            out["delay-max"] = Unmet("delay-max", f"delays of up to {show_duration(flow.delay_max)}",
                                     profile.fact("delay").cite())
    if flow.dead_letter:
        check("dead-letter", "dead-lettering", "dead-letter")
    if flow.replay or flow.retention:
        check("replay", "retention and replay of consumed messages", "replay")
    if flow.routing is not None:
        check(f"routing:{flow.routing}", f"{flow.routing} routing", f"routing.{flow.routing}")
    message = model.messages[flow.message]
    largest = message.max_size if message.max_size is not None else message.size
    limit, cited = message_limit(broker, profile)
    if largest is not None and limit is not None and largest > limit:
        out["max-size"] = Unmet("max-size", f"messages of up to {show_size(largest)} ({message.name})", cited)
    return out


def model_profiles(model: Model) -> dict:
    """Broker name -> built-in profile (None where there is none), for ``unmet_needs``."""
    return {name: profile_for(broker) for name, broker in sorted(model.brokers.items())}
