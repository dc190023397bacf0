"""Build the ModelDiff of two sides: pair elements, classify changes, add consequences."""

from __future__ import annotations

import math

from msgarch.diagnostics import Severity
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

    def replace_prop_reasons(self, category: str, name: str, prop: str, reasons) -> None:
        entry = self.changes.get((category, name, False))
        if entry is None:
            return
        for i, p in enumerate(entry["properties"]):
            if p.name == prop:
                entry["properties"][i] = PropertyChange(p.name, p.before, p.after, p.unit, tuple(reasons))

    def soften(self, category: str, name: str, why: str) -> None:
        """Every breaking reason of one element's change becomes risky, with ``why``."""
        entry = self.changes.get((category, name, False))
        if entry is None:
            return
        for i, p in enumerate(entry["properties"]):
            if any(r.level == B for r in p.reasons):
                entry["properties"][i] = PropertyChange(p.name, p.before, p.after, p.unit, tuple(
                    Reason(R, f"{r.text}; but {why}") if r.level == B else r for r in p.reasons))
        entry["reasons"] = [Reason(R, f"{r.text}; but {why}") if r.level == B else r for r in entry["reasons"]]

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


def _typical(endpoint) -> float | None:
    value = (endpoint.settings or {}).get("processing") if endpoint is not None else None
    if value is None:
        return None
    typical = value[0] if isinstance(value, tuple) else value
    return float(typical) if typical else None


def _utilisation_text(delta: CapacityDelta | None, figures) -> str:
    if delta is not None and delta.before is not None and delta.after is not None:
        return (f"utilisation at peak {show_percent(delta.before.utilisation)} -> "
                f"{show_percent(delta.after.utilisation)} ({show_percent(delta.headroom_after)} headroom; "
                f"model: {delta.after.model})")
    if figures is not None and figures.utilisation is not None:
        return f"utilisation at peak {show_percent(figures.utilisation)} (model: {figures.model})"
    return ""


def _processing_reason(name: str, endpoint, old_end, figures, delta, headroom: float) -> Reason:
    """`processing` changed: the capacity delta it makes (or why it makes none)."""
    b, a = _typical(old_end), _typical(endpoint)
    what = f"processing {show(b, 's')} -> {show(a, 's')}"
    component = endpoint.component
    if figures is None or figures.peak <= 0:
        return Reason(S if not (a and b and a > b) else R,
                      f"{what}: {component} has no rated flow here, so the capacity delta is not computed"
                      + ("; a slower handler needs more capacity" if a and b and a > b else ""))
    if delta is not None and delta.after is not None and delta.after.utilisation is not None \
            and "`processing`" in delta.after.model:
        after = delta.after.utilisation
        before = delta.before.utilisation if delta.before is not None else None
        level = R if after > headroom and (before is None or after > before) else S
        return Reason(level, f"{what}: {component} {_utilisation_text(delta, figures)}"
                             + (": past the headroom" if level == R else ""))
    capacity = figures.capacity / max(figures.instances, 1) if figures.capacity else None
    if capacity is not None and a:
        implied = 1.0 / a
        if implied < capacity * (1 - 1e-9):
            return Reason(R, f"{what}: {component} declares `capacity {show(capacity, 'msg/s')}` per instance, "
                             f"which the figures use; one message at a time at {show(a, 's')} handles only "
                             f"{show(implied, 'msg/s')}: the declared capacity holds only with concurrency "
                             f"{math.ceil(capacity / implied - 1e-9)} or more per instance")
        return Reason(S, f"{what}: {component}'s declared `capacity {show(capacity, 'msg/s')}` per instance, "
                         f"which the figures use, is within what {show(a, 's')} per message allows "
                         f"({show(implied, 'msg/s')} one at a time)"
                         + (f"; {_utilisation_text(None, figures)}" if figures.utilisation is not None else ""))
    return Reason(S, f"{what}: capacity of {component} unknown, so no delta")


def _prefetch_reason(endpoint, old_end, before, after, figures, headroom: float) -> Reason:
    """`prefetch` changed: the in-flight bound it sets (Little's law: an instance with at most
    ``p`` unacknowledged messages, each held ``t``, completes at most ``p / t`` per second)."""
    bt, at = show(before), show(after)
    what = f"prefetch {bt} -> {at}"
    t = _typical(endpoint) or _typical(old_end)
    if t is None:
        return Reason(S, f"{what}: no `processing` time declared, so its effect on throughput is not computed")
    instances = max(figures.instances, 1) if figures is not None else 1
    model = ("model: Little's law, in-flight <= prefetch per instance, each message held its typical "
             f"`processing` {show(t, 's')} (network round trips ignored)")

    def bound(p):
        return None if p in (None, 0) else p / t * instances

    b_bound, a_bound = bound(before), bound(after)
    shown = f"{show(b_bound, 'msg/s') if b_bound else 'unbounded'} -> {show(a_bound, 'msg/s') if a_bound else 'unbounded'}"
    if figures is not None and figures.peak > 0 and a_bound is not None and figures.peak > a_bound * headroom:
        return Reason(R, f"{what}: {endpoint.component}'s {instances} {'instance' if instances == 1 else 'instances'} can "
                         f"complete at most {shown} "
                         f"({model}), against {show(figures.peak, 'msg/s')} at peak: past the "
                         f"{show_percent(headroom)} headroom")
    wait = None if after in (None, 0) else (after - 1) * t
    tail = (f"; a message waits up to {show(wait, 's')} in the consumer's buffer before its handler starts"
            if wait else "")
    peak = f", against {show(figures.peak, 'msg/s')} at peak" if figures is not None and figures.peak > 0 else ""
    return Reason(S, f"{what}: throughput bound by the messages in flight {shown} ({model}){peak}{tail}")


def _endpoint_capacity(work: _Work, declarations: ChannelChanges, old: Side, new: Side, deltas) -> None:
    """A consume's `processing` or `prefetch` changed: put the capacity delta on the property."""
    by_name = {d.name: d for d in deltas if d.category == "component"}
    headroom = new.model.system.headroom
    for item in declarations.items:
        pair = item.pair
        if pair.category != "endpoint" or pair.change != "changed" or pair.new is None or pair.new.role != "consume":
            continue
        component = pair.new.component
        figures = new.consumers.get(component)
        for prop in item.props:
            if prop.name == "processing":
                reason = _processing_reason(prop.name, pair.new, pair.old, figures, by_name.get(component), headroom)
            elif prop.name == "prefetch":
                reason = _prefetch_reason(pair.new, pair.old, prop.before, prop.after, figures, headroom)
            else:
                continue
            work.replace_prop_reasons("endpoint", pair.name, prop.name, (reason,))


def _touches(d, span) -> bool:
    from msgarch.diff.findings import _contains
    spans = [d.span, *(r.span for r in d.related)]
    return span is not None and any(x is not None and _contains(span, x) for x in spans)


def _fixes(work: _Work, introduced, resolved) -> None:
    """Issue 10 item 23: a change to an endpoint or channel that resolves a lint error about
    it (the error's location or one of its related locations is in the declaration), and
    introduces none there, is not breaking for that reason alone: its breaking reasons
    become risky, naming the error it resolves."""
    gone = [d for d in resolved if d.severity == Severity.ERROR]
    came = [d for d in introduced if d.severity == Severity.ERROR]
    if not gone:
        return
    for (category, name, removed), entry in list(work.changes.items()):
        if removed or category not in ("endpoint", "channel") or entry["change"] != "changed":
            continue
        codes = sorted({d.code for d in gone if _touches(d, entry["old_span"])})
        if not codes or any(_touches(d, entry["new_span"]) for d in came):
            continue
        work.soften(category, name, f"it resolves lint error {', '.join(codes)} about this {category}, and "
                                    "introduces none: what was declared was not delivered before either, so this "
                                    "is a fix, not a break, for this reason alone")


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
    if declarations is not None:
        _endpoint_capacity(work, declarations, old, new, deltas)
        _fixes(work, introduced, resolved)
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
