"""Pair the elements of two models and list every property that differs (no judgement yet).

Components, brokers, messages and kinds are paired by name; the system block is one
element. A flow is identified by its producer, its set of consumers and its message
(``Flow.id`` without the ``#2`` of a repeated flow), so reordering a file, or the
consumers of a flow, changes nothing. Two flows that differ only in their consumer set
(same producer and message) are paired when each is the other's unique best match by
shared consumers: the change then reads as consumers added or removed, not as a flow
removed and another added. A derived flow (language v2) is also identified by its channel
(``@channel``), and a v1 flow rewritten as channels is paired with the derived flow of the
same producer, consumers and message when each is the only one on its side. Every rule here is symmetric, so the diff of B to A is the
mirror of the diff of A to B.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from msgarch.diff.values import PROPS, normalise, same
from msgarch.model.model import Flow, Model


@dataclass
class Pair:
    """One element on either side (None where it is absent) and its differing properties."""

    category: str
    name: str
    old: Any
    new: Any
    props: list[tuple[str, str, str, Any, Any]] = field(default_factory=list)  # attr, name, unit, before, after
    previous_name: str | None = None

    @property
    def change(self) -> str:
        if self.old is None:
            return "added"
        if self.new is None:
            return "removed"
        return "changed"


def _values(category: str, element: Any) -> dict[str, Any]:
    source = element.props if category == "kind" else element
    return {attr: normalise(getattr(source, attr), unit) for attr, _, unit in PROPS[category]}


def _property_changes(category: str, old: Any, new: Any) -> list[tuple[str, str, str, Any, Any]]:
    before, after = _values(category, old), _values(category, new)
    return [(attr, name, unit, before[attr], after[attr]) for attr, name, unit in PROPS[category]
            if not same(before[attr], after[attr])]


def _named(category: str, old: dict, new: dict) -> list[Pair]:
    pairs = []
    for name in sorted(set(old) | set(new)):
        o, n = old.get(name), new.get(name)
        pair = Pair(category, name, o, n)
        if o is not None and n is not None:
            pair.props = _property_changes(category, o, n)
            if not pair.props:
                continue
        pairs.append(pair)
    return pairs


def base_id(flow: Flow) -> str:
    """The flow's identity: producer, sorted consumer set and message (no ``#n`` suffix); a
    derived flow adds the channel its consumers read (``@channel``)."""
    where = f"@{flow.channel}" if flow.channel is not None else ""
    return f"{flow.producer}->{','.join(sorted(set(flow.consumers)))}:{flow.message}{where}"


def _canonical(flow: Flow) -> str:
    values = _values("flow", flow)
    return repr(tuple(values[attr] for attr, _, _ in PROPS["flow"]))


def _match_same_identity(old: list[Flow], new: list[Flow]) -> tuple[list[tuple[Flow, Flow]], list[Flow], list[Flow]]:
    """Pair flows that share an identity: identical ones first, the rest in canonical order."""
    canonical = {id(f): _canonical(f) for f in (*old, *new)}  # once per flow, not per comparison
    old_left = sorted(old, key=lambda f: canonical[id(f)])
    new_left = sorted(new, key=lambda f: canonical[id(f)])
    pairs: list[tuple[Flow, Flow]] = []
    for o in list(old_left):
        twin = next((n for n in new_left if canonical[id(n)] == canonical[id(o)]), None)
        if twin is not None:
            pairs.append((o, twin))
            old_left.remove(o)
            new_left.remove(twin)
    k = min(len(old_left), len(new_left))
    pairs.extend(zip(old_left[:k], new_left[:k]))
    return pairs, old_left[k:], new_left[k:]


def _overlap(a: Flow, b: Flow) -> float:
    x, y = set(a.consumers), set(b.consumers)
    return len(x & y) / len(x | y)


def _pair_consumer_changes(removed: list[Flow], added: list[Flow]) -> list[tuple[Flow, Flow]]:
    """Pair a removed and an added flow of one producer and message when each is the other's
    unique best match by shared consumers (a symmetric rule: no order decides)."""
    pairs: list[tuple[Flow, Flow]] = []
    removed, added = list(removed), list(added)
    while True:
        found = None
        for r in removed:
            candidates = [a for a in added if a.producer == r.producer and a.message == r.message
                          and a.channel == r.channel and _overlap(r, a) > 0]
            best_r = _unique_best(r, candidates)
            if best_r is None:
                continue
            back = [x for x in removed if x.producer == best_r.producer and x.message == best_r.message
                    and x.channel == best_r.channel and _overlap(x, best_r) > 0]
            if _unique_best(best_r, back) is r:
                found = (r, best_r)
                break
        if found is None:
            return pairs
        pairs.append(found)
        removed.remove(found[0])
        added.remove(found[1])


def _unique_best(flow: Flow, candidates: list[Flow]) -> Flow | None:
    if not candidates:
        return None
    scores = sorted(((_overlap(flow, c), c) for c in candidates), key=lambda t: -t[0])
    if len(scores) > 1 and scores[1][0] == scores[0][0]:
        return None
    return scores[0][1]


def match_flows(old: Model, new: Model) -> tuple[list[tuple[Flow, Flow]], list[tuple[Flow, Flow]], list[Flow], list[Flow]]:
    """(same identity pairs, consumer-set changes, removed, added) over every flow of both models."""
    groups_old: dict[str, list[Flow]] = {}
    groups_new: dict[str, list[Flow]] = {}
    for f in old.flows:
        groups_old.setdefault(base_id(f), []).append(f)
    for f in new.flows:
        groups_new.setdefault(base_id(f), []).append(f)
    matched: list[tuple[Flow, Flow]] = []
    removed: list[Flow] = []
    added: list[Flow] = []
    for identity in sorted(set(groups_old) | set(groups_new)):
        pairs, only_old, only_new = _match_same_identity(groups_old.get(identity, []), groups_new.get(identity, []))
        matched += pairs
        removed += only_old
        added += only_new
    reshaped = _pair_consumer_changes(removed, added)
    for o, n in reshaped:
        removed.remove(o)
        added.remove(n)
    migrated = _pair_migrations(removed, added)
    for o, n in migrated:
        removed.remove(o)
        added.remove(n)
    return matched + migrated, reshaped, removed, added


def _pair_migrations(removed: list[Flow], added: list[Flow]) -> list[tuple[Flow, Flow]]:
    """A v1 `flow` rewritten as channels (or back): the v1 flow and the derived flow of the same
    producer, consumer set and message, when each is the only such flow on its side."""
    def who(flow: Flow) -> tuple:
        return (flow.producer, tuple(sorted(set(flow.consumers))), flow.message)

    pairs = []
    for r in removed:
        candidates = [a for a in added if (a.channel is None) != (r.channel is None) and who(a) == who(r)]
        back = [x for x in removed if (x.channel is None) == (r.channel is None) and who(x) == who(r)]
        if len(candidates) == 1 and len(back) == 1:
            twins = [x for x in added if (x.channel is None) == (candidates[0].channel is None)
                     and who(x) == who(r)]
            if len(twins) == 1:
                pairs.append((r, candidates[0]))
    return pairs


def _flows(old: Model, new: Model) -> list[Pair]:
    matched, reshaped, removed, added = match_flows(old, new)
    out: list[Pair] = []
    for o, n in matched:
        props = _property_changes("flow", o, n)
        if props:  # a repeated flow's "#2" follows declaration order, so it can differ
            out.append(Pair("flow", n.id, o, n, props, previous_name=o.id if o.id != n.id else None))
    for o, n in reshaped:
        consumers = ("consumers", "consumers", "set", tuple(sorted(set(o.consumers))), tuple(sorted(set(n.consumers))))
        out.append(Pair("flow", n.id, o, n, [consumers] + _property_changes("flow", o, n), previous_name=o.id))
    out += [Pair("flow", f.id, f, None) for f in removed]
    out += [Pair("flow", f.id, None, f) for f in added]
    return sorted(out, key=lambda p: (p.name, p.previous_name or ""))


def pair_elements(old: Model, new: Model) -> list[Pair]:
    """Every element that differs between ``old`` and ``new``, in category then name order."""
    pairs: list[Pair] = []
    system_props = _property_changes("system", old.system, new.system)
    if system_props:
        pairs.append(Pair("system", "system", old.system, new.system, system_props))
    pairs += _named("broker", old.brokers, new.brokers)
    pairs += _named("component", old.components, new.components)
    pairs += _named("message", old.messages, new.messages)
    pairs += _named("kind", old.kinds, new.kinds)
    pairs += _flows(old, new)
    return pairs
