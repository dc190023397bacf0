"""Build the ModelDiff of two sides: pair elements, classify changes, add consequences."""

from __future__ import annotations

from msgarch.diff.capability import model_profiles, unmet_needs
from msgarch.diff.channels import ChannelChanges
from msgarch.diff.changes import (
    BrokerFigures, CapacityDelta, ConsumerFigures, ElementChange, Level, ModelDiff, PropertyChange, Reason, Side,
)
from msgarch.diff.classify import PROPERTY_RULES, flow_property
from msgarch.diff.compare import Pair, match_flows, pair_elements
from msgarch.diff.findings import introduced_and_resolved
from msgarch.diff.values import same, show, show_percent
from msgarch.model.model import Flow, Model

B, R, S = Level.BREAKING, Level.RISKY, Level.SAFE


class _Work:
    """Element changes under construction: reasons can still be added to any of them."""

    def __init__(self) -> None:
        # keyed by the NEW side's name; a removed element by its OLD name apart, since a
        # removed repeated flow may share its id with a changed one ("a->b:M" and its "#2")
        self.changes: dict[tuple[str, str, bool], dict] = {}
        # a derived flow whose change a channel, route or endpoint change explains: its
        # consequences (capabilities, capacity) go on that declaration's change instead
        self.alias: dict[tuple[str, str], tuple[str, str, bool]] = {}

    def add_pair(self, pair: Pair, props: list[PropertyChange], reasons: list[Reason]) -> None:
        self.changes[(pair.category, pair.name, pair.change == "removed")] = dict(
            category=pair.category, name=pair.name, change=pair.change, properties=props, reasons=reasons,
            previous_name=pair.previous_name,
            old_span=getattr(pair.old, "span", None), new_span=getattr(pair.new, "span", None))

    def add_declaration(self, item) -> None:
        """A channel, route or endpoint change (``msgarch.diff.channels.Item``)."""
        pair = item.pair
        self.changes[(pair.category, pair.name, pair.change == "removed")] = dict(
            category=pair.category, name=pair.name, change=pair.change, properties=item.props,
            reasons=item.reasons, previous_name=pair.previous_name,
            old_span=getattr(pair.old, "span", None), new_span=getattr(pair.new, "span", None),
            flows=item.flows)

    def _key(self, category: str, name: str) -> tuple[str, str, bool]:
        return self.alias.get((category, name), (category, name, False))

    def has(self, category: str, name: str) -> bool:
        return self._key(category, name) in self.changes

    def reason(self, category: str, name: str, reason: Reason, span=None) -> None:
        key = self._key(category, name)
        category, name = key[0], key[1]
        entry = self.changes.setdefault(key, dict(
            category=category, name=name, change="affected", properties=[], reasons=[], previous_name=None,
            old_span=span, new_span=span))
        if reason not in entry["reasons"]:
            entry["reasons"].append(reason)

    def prop_reason(self, category: str, name: str, prop: str, reason: Reason) -> bool:
        if (category, name) in self.alias:
            return False
        entry = self.changes.get((category, name, False))
        if entry is None:
            return False
        for i, p in enumerate(entry["properties"]):
            if p.name == prop:
                entry["properties"][i] = PropertyChange(p.name, p.before, p.after, p.unit, (*p.reasons, reason))
                return True
        return False

    def result(self) -> tuple[ElementChange, ...]:
        out = [ElementChange(e["category"], e["name"], e["change"], tuple(e["properties"]),
                             tuple(sorted(e["reasons"], key=lambda r: (-r.level, r.text))), e["previous_name"],
                             e["old_span"], e["new_span"], tuple(sorted(e.get("flows", ()))))
               for e in self.changes.values()]
        return tuple(sorted(out, key=lambda c: c.sort_key))


def _flow_sentence(flow: Flow) -> str:
    via = f" via {flow.via}" if flow.via else ""
    return f"{flow.producer} -> {', '.join(sorted(set(flow.consumers)))} : {flow.message}{via}"


def _element_reasons(pair: Pair) -> list[Reason]:
    if pair.change == "added":
        if pair.category == "flow":
            return [Reason(S, f"new flow: {_flow_sentence(pair.new)}")]
        return [Reason(S, f"new {pair.category}")]
    if pair.change == "removed":
        if pair.category == "flow":
            old = pair.old
            return [Reason(R, f"flow removed: {', '.join(sorted(set(old.consumers)))} no longer receive "
                              f"{old.message} from {old.producer}")]
        return [Reason(S, f"{pair.category} removed (flows that used it are listed on their own)")]
    return []


def _delivery_fix(pair: Pair, old: Model, new: Model, profiles: tuple[dict, dict]) -> Reason | None:
    """A weaker `delivery` that trades a guarantee the broker could not give for one it gives,
    where every consumer is idempotent (B202's own hint): a fix, not a break."""
    o, n = pair.old, pair.new
    if o.delivery != "exactly-once" or n.delivery != "at-least-once":
        return None
    before, after = unmet_needs(old, o, profiles[0]), unmet_needs(new, n, profiles[1])
    if before is None or after is None:
        return None
    if not any(key.startswith("delivery:") for key in before) or any(key.startswith("delivery:") for key in after):
        return None
    consumers = sorted(set(n.consumers))
    if not all(c in new.components and new.components[c].idempotent for c in consumers):
        return None
    return Reason(S, f"delivery exactly-once -> at-least-once: a fix (lint's B202 hint): broker {n.via} could "
                     f"not give exactly-once and gives at-least-once, and the idempotent "
                     f"{'consumer' if len(consumers) == 1 else 'consumers'} ({', '.join(consumers)}) make it "
                     "effectively-once")


def _property_changes(pair: Pair, old: Model | None = None, new: Model | None = None,
                      profiles: tuple[dict, dict] | None = None) -> list[PropertyChange]:
    out = []
    for _attr, name, unit, before, after in pair.props:
        fix = (_delivery_fix(pair, old, new, profiles)
               if pair.category == "flow" and name == "delivery" and profiles is not None else None)
        if fix is not None:
            reasons = [fix]
        elif pair.category == "flow":
            reasons = flow_property(name, before, after, unit, pair.old.pattern, pair.new.pattern,
                                    tuple(pair.new.consumers))
        elif pair.category == "kind":
            reasons = flow_property(name, before, after, unit, pair.old.props.pattern, pair.new.props.pattern)
        else:
            reasons = PROPERTY_RULES[pair.category](name, before, after, unit)
        out.append(PropertyChange(name, before, after, unit, tuple(reasons)))
    return out


def _broker_changed(pairs: dict, name: str) -> bool:
    pair = pairs.get(("broker", name))
    return pair is not None and pair.change == "changed" and any(
        p[1] in ("kind", "version", "max-message", "profile") for p in pair.props)


def _capabilities(work: _Work, old: Model, new: Model, pairs: dict, notes: list[str]) -> None:
    """Needs a broker newly fails to meet, put on the change that caused them."""
    old_profiles, new_profiles = model_profiles(old), model_profiles(new)
    matched, reshaped, _removed, added = match_flows(old, new)
    for name, profile in new_profiles.items():
        if profile is None and any(f.via == name for f in new.flows):
            notes.append(f"broker {name} ({new.brokers[name].kind}) has no built-in profile: the capabilities "
                         "of its flows were not checked")
    flows = [(o, n) for o, n in matched + reshaped] + [(None, n) for n in added]
    for o, n in sorted(flows, key=lambda t: t[1].id):
        now = unmet_needs(new, n, new_profiles)
        if now is None:
            continue
        before = {} if o is None else unmet_needs(old, o, old_profiles)
        if before is None:
            continue
        broker = new.brokers[n.via]
        named = f"broker {broker.name} ({broker.kind})"
        for key in sorted(set(now) - set(before)):
            unmet = now[key]
            if o is None:
                work.reason("flow", n.id, Reason(R, f"needs {unmet.need}, which {named} lacks: {unmet.fact}"))
            elif o.via != n.via:
                work.reason("flow", n.id, Reason(B, f"moved to {named}, which lacks {unmet.need} it needs: "
                                                    f"{unmet.fact}"))
            elif _broker_changed(pairs, broker.name):
                work.reason("broker", broker.name, Reason(B, f"flow {n.id} needs {unmet.need}, which {named} "
                                                             f"lacks: {unmet.fact}"))
            elif key == "max-size" and ("message", n.message) in pairs:
                work.reason("message", n.message, Reason(B, f"grown past the limit of {named} on flow {n.id}: "
                                                            f"{unmet.need}, {unmet.fact}"))
            else:
                work.reason("flow", n.id, Reason(R, f"now needs {unmet.need}, which {named} lacks: {unmet.fact}"))


def _figures_same(a, b) -> bool:
    """Equal figures, floats to a relative 1e-9: the order flows are summed in must not show."""
    if a is None or b is None or type(a) is not type(b):
        return a is b
    for name in a.__dataclass_fields__:
        x, y = getattr(a, name), getattr(b, name)
        if name == "model":
            continue
        if not same(x, y):
            return False
    return True


def _capacity(old: Side, new: Side) -> tuple[CapacityDelta, ...]:
    h_old, h_new = old.model.system.headroom, new.model.system.headroom
    deltas = []
    for category, before_table, after_table in (("component", old.consumers, new.consumers),
                                                ("broker", old.brokers, new.brokers)):
        for name in sorted(set(before_table) | set(after_table)):
            before, after = before_table.get(name), after_table.get(name)
            if not _figures_same(before, after):
                deltas.append(CapacityDelta(category, name, before, after, h_old, h_new))
    return tuple(deltas)


def _over(delta: CapacityDelta) -> bool:
    after = delta.after.utilisation if delta.after is not None else None
    before = delta.before.utilisation if delta.before is not None else None
    if after is None or after <= delta.headroom_after:
        return False
    return before is None or after > before + 1e-12


def _capacity_reasons(work: _Work, deltas, new: Model, notes: list[str]) -> None:
    by_consumer: dict[str, list] = {}
    by_broker: dict[str, list] = {}
    if any(_over(delta) for delta in deltas):
        # indexed once (scanning every flow for every delta was quadratic), in model order
        for f in new.flows:
            if new.resolved(f):
                for consumer in dict.fromkeys(f.consumers):
                    by_consumer.setdefault(consumer, []).append(f)
                by_broker.setdefault(f.via, []).append(f)
    for delta in deltas:
        if not _over(delta):
            continue
        before = show_percent(delta.before.utilisation if delta.before else None)
        after = show_percent(delta.after.utilisation)
        what = "utilisation at peak" if delta.category == "component" else "load at peak"
        text = (f"{delta.category} {delta.name}: {what} {before} -> {after}, past the "
                f"{show_percent(delta.headroom_after)} headroom (see capacity)")
        via = (by_consumer if delta.category == "component" else by_broker).get(delta.name, [])
        targets = [(delta.category, delta.name)] if work.has(delta.category, delta.name) else []
        targets += [("flow", f.id) for f in via if work.has("flow", f.id)]
        if not targets:
            targets = [(delta.category, delta.name)]
        for category, name in targets:
            work.reason(category, name, Reason(R, text))


def _rate_without_capacity(work: _Work, pairs: dict, new: Side) -> None:
    """Rate up by more than the headroom absorbs, into consumers whose capacity is unknown."""
    headroom = new.model.system.headroom
    for (category, name), pair in pairs.items():
        if category != "flow" or pair.change != "changed":
            continue
        o, n = pair.old, pair.new
        if not o.peak_rate or not n.peak_rate or n.peak_rate <= o.peak_rate / headroom:
            continue
        blind = sorted(c for c in set(n.consumers)
                       if c in new.model.components and not new.model.components[c].external
                       and (new.consumers.get(c) is None or new.consumers[c].utilisation is None))
        if not blind:
            continue
        prop = "peak" if any(p[1] == "peak" for p in pair.props) else "rate"
        text = (f"peak rate x{n.peak_rate / o.peak_rate:.2f} ({show(o.peak_rate, 'msg/s')} -> "
                f"{show(n.peak_rate, 'msg/s')}), more than the {show_percent(headroom)} headroom absorbs "
                f"(x{1 / headroom:.2f}); capacity unknown for {', '.join(blind)}")
        if not work.prop_reason("flow", name, prop, Reason(R, text)):
            work.reason("flow", name, Reason(R, text))


def _has_channels(model: Model) -> bool:
    return bool(model.channels or model.routes or model.publishes or model.consumes)


def diff_sides(old: Side, new: Side, profile_dirs: tuple[str, ...] = ()) -> ModelDiff:
    """The semantic diff OLD -> NEW: every change classified, findings and capacity compared;
    ``profile_dirs`` (the configuration's `profiles`) give channel and endpoint defaults."""
    every = pair_elements(old.model, new.model)
    pairs = {(p.category, p.name): p for p in every if p.change != "removed"}  # by NEW name
    work = _Work()
    profiles = (model_profiles(old.model), model_profiles(new.model))
    declarations = None
    if _has_channels(old.model) or _has_channels(new.model):
        declarations = ChannelChanges(old.model, new.model, profile_dirs)
        explained = declarations.explain([p for p in every if p.category == "flow"])
        for item in declarations.items:
            work.add_declaration(item)
        for flow_id, key in explained.items():
            work.alias[("flow", flow_id)] = key
    for pair in every:
        if declarations is not None and pair.category == "flow" and pair.name in declarations.explained:
            continue  # reported once, on the channel, route or endpoint change that caused it
        work.add_pair(pair, _property_changes(pair, old.model, new.model, profiles), _element_reasons(pair))
    notes: list[str] = []
    _capabilities(work, old.model, new.model, pairs, notes)
    _rate_without_capacity(work, pairs, new)
    deltas = _capacity(old, new)
    _capacity_reasons(work, deltas, new.model, notes)
    introduced, resolved = introduced_and_resolved(old.model, old.findings, new.model, new.findings)
    return ModelDiff(
        old_label=old.label, new_label=new.label, changes=work.result(),
        findings_introduced=introduced, findings_resolved=resolved,
        capacity=deltas, notes=tuple(sorted(set(notes))),
    )


def consumer_figures(load) -> ConsumerFigures:
    """ConsumerFigures from an ``analysis.load.ConsumerLoad``."""
    estimate = load.estimate
    return ConsumerFigures(
        utilisation=None if estimate is None else estimate.utilisation,
        peak=load.peak, rate=load.rate,
        capacity=None if load.capacity is None else load.capacity * load.instances,
        instances=load.instances, model=load.model)


def broker_figures(load) -> BrokerFigures:
    """BrokerFigures from an ``analysis.load.BrokerLoad``."""
    return BrokerFigures(utilisation=load.utilisation, peak_messages=load.peak.messages,
                         capacity=load.capacity, bytes_per_s=load.peak.bytes_per_s, model=load.model)
