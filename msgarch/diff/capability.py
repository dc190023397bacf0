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
    """Every need of ``flow`` its broker does not meet, keyed; None when it cannot be checked
    (the flow names undeclared elements, or the broker has no built-in profile).

    The verdicts are lint's own (``analysis.fit``, the B rules and P102): a need that lint
    calls a caveat is met here too, so a diff never calls breaking what lint accepts.
    """
    from msgarch.analysis import fit

    if not model.resolved(flow):
        return None
    profile = profiles.get(flow.via)
    if profile is None:
        return None
    out: dict[str, Unmet] = {}
    for verdict in fit.check_all(fit.FlowNeeds.of(flow, model), profile):
        if verdict.status != fit.NO:
            continue
        key = "max-size" if verdict.requirement == "max-size" else f"{verdict.requirement}:{verdict.need}"
        cited = verdict.fact.cite() if verdict.fact is not None else verdict.finding
        # a limit needs its figure said ("accepts at most 16 MiB by default"); a missing
        # capability is said by the cited fact alone
        limited = verdict.requirement in ("max-size", "delay") and verdict.fact is not None
        out[key] = Unmet(key, verdict.need, f"{verdict.finding} ({cited})" if limited else cited)
    return out


def model_profiles(model: Model) -> dict:
    """Broker name -> built-in profile (None where there is none), for ``unmet_needs``."""
    return {name: profile_for(broker) for name, broker in sorted(model.brokers.items())}
