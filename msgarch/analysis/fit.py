"""Whether a broker profile meets each requirement of a flow: one check per requirement.

The P102 and B2xx lint rules and `msgarch recommend` all read their verdicts from here,
so a fact is judged the same way wherever it is shown. A check returns ``None`` when the
flow does not ask for that requirement, otherwise a :class:`Verdict`:

- ``fits``: the profile supports it (``yes``, or a figure that covers the need);
- ``caveat`` ("fits with caveat"): the profile supports it only partially (``partial``,
  with the condition in its note), or the need sits between typical and worst case;
- ``no`` ("does not fit"): the profile lacks it, or its limit is below the need.

Every verdict keeps the profile fact it was built on, so its reason can cite it.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, replace
from typing import Callable, Iterable, Mapping

from msgarch.brokers import FACT_PATHS, Fact, Profile, builtin_ids, load_builtin
from msgarch.brokers.profiles import human_bytes as _profile_bytes
from msgarch.brokers.profiles import human_seconds
from msgarch.model.model import DELIVERY_STRENGTH, Flow, Message, Model
from msgarch.analysis.figures import written_size as format_size

FITS, CAVEAT, NO = "fits", "caveat", "no"
LABELS = {FITS: "fits", CAVEAT: "fits with caveat", NO: "does not fit"}
_ORDER = {FITS: 0, CAVEAT: 1, NO: 2}

#: The lint rule that reports each requirement (the key of each check below).
RULE_FOR = {
    "pattern": "P102",
    "durable": "B201",
    "delivery": "B202",
    "priority": "B203",
    "ttl": "B204",
    "delay": "B205",
    "dead-letter": "B206",
    "replay": "B207",
    "max-size": "B208",
    "ordering": "B209",
    "routing": "B210",
    "latency": "B211",
    "durable-subscription": "B212",
}

#: What each `requires` feature of the system reads from a profile's `ops`.
REQUIRES_FACT = {
    "monitoring": "ops.monitoring",
    "declarative-provisioning": "ops.declarative-provisioning",
    "open-source": "ops.licence",
    "managed-service": "ops.managed-service",
}


@dataclass(frozen=True)
class FlowNeeds:
    """A flow and what its checks read from the rest of the model.

    ``broker_name`` and ``max_message`` describe the broker the flow is declared on;
    they are None when the flow is judged against a built-in profile as shipped
    (recommendation, alternatives), so broker overrides do not leak into other kinds.
    """

    flow: Flow
    message: Message | None
    competitors: tuple[tuple[str, int], ...]  # (component, instances) that compete for messages
    broker_name: str | None = None
    max_message: float | None = None  # the broker's `max-message` override, bytes
    settings: tuple[tuple[str, object], ...] = ()  # the broker's settings (language v2), sorted

    @classmethod
    def of(cls, flow: Flow, model: Model, on_broker: bool = True) -> "FlowNeeds":
        broker = model.brokers.get(flow.via) if (on_broker and flow.via) else None
        settings = broker_settings(broker) if broker is not None else ()
        instances = {c: (model.components[c].instances if c in model.components else 1)
                     for c in dict.fromkeys(flow.consumers)}
        if flow.derived:
            # a derived flow knows its groups: members compete, groups each get a copy;
            # on a broadcast channel, or with one active consumer, nobody competes
            if flow.broadcast:
                competitors = tuple((c, 1) for c in sorted(instances))
            else:
                competitors = tuple(sorted(
                    ("+".join(sorted(group)), 1 if flow.single_active else sum(instances[c] for c in group))
                    for group in flow.groups))
        elif flow.pattern == "pubsub":
            # each subscribing component gets its own copy, split among its instances
            competitors = tuple(sorted(instances.items()))
        else:
            # one copy, shared by every instance of every consumer component
            competitors = (("+".join(sorted(instances)), sum(instances.values())),) if instances else ()
        return cls(flow, model.messages.get(flow.message), competitors,
                   broker.name if broker is not None else None,
                   broker.max_message if broker is not None else None, settings)

    def as_shipped(self) -> "FlowNeeds":
        """The same needs, judged without the declared broker's overrides."""
        return replace(self, broker_name=None, max_message=None, settings=())

    def setting(self, name: str) -> object | None:
        """The value of one setting the flow's broker declares, or None."""
        return dict(self.settings).get(name)

    @property
    def on(self) -> str:
        """The broker in words, for hints: "broker 'events'" or "the broker"."""
        return f"broker '{self.broker_name}'" if self.broker_name else "the broker"

    @property
    def most_competing(self) -> tuple[str, int]:
        """The component whose instances compete the most, and how many they are."""
        if not self.competitors:
            return ("", 1)
        return max(self.competitors, key=lambda item: (item[1], item[0]))


def broker_settings(broker) -> tuple[tuple[str, object], ...]:
    """A broker's declared settings (language v2; none before it), sorted and hashable."""
    settings = getattr(broker, "settings", None) or {}
    if not isinstance(settings, Mapping):
        return ()
    return tuple(sorted((str(name), tuple(value) if isinstance(value, (list, set, frozenset)) else value)
                        for name, value in settings.items()))


#: Relative slack in limit comparisons: a figure equal to its limit (100 us against a
#: 100 us budget) is within it even when the two were computed along different paths.
_EPSILON = 1e-9


def within(value: float, limit: float) -> bool:
    """``value <= limit``, where equal (to rounding) counts as within."""
    return value <= limit + abs(limit) * _EPSILON


@dataclass(frozen=True)
class Verdict:
    """One requirement of one flow judged against one profile."""

    requirement: str  # key of RULE_FOR
    prop: str  # the flow property that states the need (where a finding points)
    need: str  # what the flow needs, in words: "3 priority levels"
    status: str  # FITS, CAVEAT or NO
    profile_id: str
    finding: str  # what the profile offers or lacks: "has no message priorities"
    fact: Fact | None
    note: str = ""  # the fact's note, or our explanation of the verdict
    hint: str = ""  # what to change in the file

    @property
    def label(self) -> str:
        return LABELS[self.status]

    @property
    def uncertain(self) -> str:
        return self.fact.uncertain if self.fact is not None else ""

    def reason(self) -> str:
        """The finding, the fact's note, and the cited fact: "has no ...: note [kafka profile, ...]"."""
        text = self.finding
        if self.note:
            text += f": {self.note}"
        if self.fact is not None:
            text += f" [{self.fact.cite()}]"
        return text


def human_bytes(value: float | None) -> str:
    """A size as the user most likely wrote it: decimal units when exact (256 KB), else binary (256 KiB)."""
    if value is None:
        return "no limit"
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if value >= size and value % size == 0:
            return f"{int(value // size)} {unit}"
    return _profile_bytes(value)


def worst(statuses: Iterable[str]) -> str:
    """The least favourable of several statuses (FITS when there are none)."""
    return max(statuses, key=_ORDER.__getitem__, default=FITS)


def _verdict(needs: FlowNeeds, profile: Profile, key: str, prop: str, need: str, status: str,
             finding: str, fact: Fact | None, note: str | None = None, hint: str = "") -> Verdict:
    return Verdict(key, prop, need, status, profile.id, finding, fact,
                   fact.note if (note is None and fact is not None) else (note or ""), hint)


def _by_support(fact: Fact, yes: str, partial: str, no: str) -> tuple[str, str]:
    return {"yes": (FITS, yes), "partial": (CAVEAT, partial)}.get(fact.support or "no", (NO, no))


# -- one check per requirement ---------------------------------------------------------------

_PATTERN_WORDS = {
    "queue": "competing consumers (a queue)",
    "pubsub": "fan-out to every subscriber (pub/sub)",
    "request-reply": "request-reply",
}


def check_pattern(needs: FlowNeeds, profile: Profile) -> Verdict:
    flow = needs.flow
    pattern = flow.pattern
    need = f"pattern {pattern}" + ("" if flow.pattern_declared else " (inferred)")
    fact = profile.fact(f"patterns.{pattern}")
    status, finding = _by_support(fact, f"supports {_PATTERN_WORDS[pattern]}",
                                  f"supports {_PATTERN_WORDS[pattern]} only partially",
                                  f"has no native {_PATTERN_WORDS[pattern]}")
    hint = {
        "queue": "send through a broker with queues (competing consumers), or declare `pattern pubsub` "
                 "if every consumer instance should get each message",
        "pubsub": "send through a broker with fan-out (a topic or exchange), or give each consumer its own "
                  "queue and flow (for SQS: an SNS topic fanning out to one queue per subscriber)",
        "request-reply": "send requests through a broker with a reply path (reply-to queues or inboxes), "
                         "or make the flow asynchronous (`pattern queue`) with a separate reply flow",
    }[pattern]
    if (status == NO and pattern == "queue" and not flow.pattern_declared
            and needs.most_competing[1] == 1 and profile.supports("patterns.pubsub") == "yes"):
        # An inferred queue to one consumer instance is served just as well by pub/sub.
        pubsub = profile.fact("patterns.pubsub")
        return _verdict(needs, profile, "pattern", "pattern", need, FITS,
                        "has no queues, but one consumer instance is served by its pub/sub", pubsub)
    if status == CAVEAT:
        hint = f"check that the partial support in the note is enough for this flow; if not, {hint}"
    return _verdict(needs, profile, "pattern", "pattern", need, status, finding, fact,
                    hint=hint if status != FITS else "")


def check_durable(needs: FlowNeeds, profile: Profile) -> Verdict | None:
    if not needs.flow.durable:
        return None
    fact = profile.fact("durable")
    status, finding = _by_support(fact, "persists messages", "persists messages only partially",
                                  "does not persist messages")
    hint = {NO: "send it through a broker that persists messages to disk, or drop `durable` if losing "
                "messages on a broker restart is acceptable",
            CAVEAT: "check the persistence caveat in the note (fsync, snapshot or ledger settings)",
            FITS: ""}[status]
    return _verdict(needs, profile, "durable", "durable", "messages that survive a broker restart",
                    status, finding, fact, hint=hint)


_IDEMPOTENT_NOTE = ("an idempotent consumer turns at-least-once into effectively-once: mark the "
                    "consumer `idempotent` and declare `delivery at-least-once`")


def check_delivery(needs: FlowNeeds, profile: Profile) -> Verdict | None:
    wanted = needs.flow.delivery
    if wanted is None:
        return None
    fact = profile.fact("delivery")
    offered = profile.delivery
    need = f"{wanted} delivery"
    if DELIVERY_STRENGTH[wanted] < DELIVERY_STRENGTH[offered]:
        # A weaker guarantee than the profile's strongest is available unconditionally.
        return _verdict(needs, profile, "delivery", "delivery", need, FITS,
                        f"gives up to {offered}", fact)
    if DELIVERY_STRENGTH[wanted] == DELIVERY_STRENGTH[offered]:
        if fact.support == "partial":
            note = fact.note + (" (where the condition does not hold, an idempotent consumer turns "
                                "at-least-once into effectively-once)" if wanted == "exactly-once" else "")
            return _verdict(needs, profile, "delivery", "delivery", need, CAVEAT,
                            f"gives {offered} only under a condition", fact, note,
                            hint="make sure the condition in the note holds for this flow"
                                 + (", or rely on idempotent consumers" if wanted == "exactly-once" else ""))
        return _verdict(needs, profile, "delivery", "delivery", need, FITS, f"gives {offered}", fact)
    note = fact.note
    hint = "send it through a broker with a stronger guarantee"
    if wanted == "exactly-once":
        note = f"{fact.note} Exactly-once is not native here; {_IDEMPOTENT_NOTE}"
        hint = ("declare `delivery at-least-once` and mark the consumers `idempotent` (dedupe on a "
                "message id), or use a broker with native exactly-once")
    elif wanted == "at-least-once":
        hint = ("send it through a broker with acknowledgements and redelivery, or declare "
                "`delivery at-most-once` if losing messages is acceptable")
    return _verdict(needs, profile, "delivery", "delivery", need, NO,
                    f"gives at most {offered}", fact, note, hint)


def check_priority(needs: FlowNeeds, profile: Profile) -> Verdict | None:
    wanted = needs.flow.priority
    if wanted is None:
        return None
    fact = profile.fact("priority")
    levels = profile.priority_levels
    need = f"{wanted} priority levels"
    value = fact.value if isinstance(fact.value, Mapping) else {}
    configurable = "configurable-levels" in value and levels > 0
    reachable = value.get("configurable-levels") if configurable else levels
    config = value.get("config", "its configuration")
    hint = ""
    if levels == 0:
        status, finding = NO, "has no message priorities"
    elif levels < wanted and configurable and (reachable is None or wanted <= reachable):
        # The default is fewer levels than the flow needs, but configuration gives more.
        status = CAVEAT
        finding = (f"has {levels} priority levels by default: fits if you set `{config}` to at least "
                   f"{wanted} levels" + ("" if reachable is None else f" (up to {reachable})"))
        hint = f"set `{config}` to at least {wanted} levels, or lower `priority` to {levels}"
    elif levels < wanted:
        status, finding = NO, (f"has only {levels} priority levels"
                               + (f" (at most {reachable} with `{config}`)" if configurable else ""))
        levels = reachable if configurable else levels
    elif fact.support == "partial":
        status, finding = CAVEAT, "has priorities, with restrictions"
    else:
        status, finding = FITS, "has enough priority levels"
    if status == CAVEAT and not hint:
        hint = "check the priority caveat in the note"
    if status == NO:
        hint = (f"send it through a broker with at least {wanted} priority levels, or lower `priority` "
                f"to {levels}" if levels >= 2 else
                f"send it through a broker with at least {wanted} priority levels, or use one queue or "
                "topic per priority and drop `priority`")
    return _verdict(needs, profile, "priority", "priority", need, status, finding, fact, hint=hint)


def check_ttl(needs: FlowNeeds, profile: Profile) -> Verdict | None:
    ttl = needs.flow.ttl
    if ttl is None:
        return None
    need = f"messages that expire after {human_seconds(ttl)}"
    fact = profile.fact("ttl")
    if fact.support in ("yes", "partial"):
        status, finding = _by_support(fact, "has per-message expiry", "has per-message expiry only partially", "")
        return _verdict(needs, profile, "ttl", "ttl", need, status, finding, fact,
                        hint="" if status == FITS else "check the expiry caveat in the note")
    queue_ttl = profile.fact("queue-ttl")
    if queue_ttl.support in ("yes", "partial"):
        # Every message of a flow has the same ttl, so an expiry set on a queue that
        # carries only this flow does the job; a partial one (Kafka's retention.ms, which
        # deletes whole segments) expires messages topic-wide, at the earliest after the ttl.
        rough = queue_ttl.support == "partial"
        return _verdict(needs, profile, "ttl", "ttl", need, CAVEAT,
                        "has no per-message expiry, only a queue-wide one"
                        + (" that is approximate" if rough else ""), queue_ttl,
                        f"{queue_ttl.note} That serves only if this flow has a queue of its own"
                        + ("; consumers may still read messages older than the ttl, so they should also "
                           "check timestamps." if rough else "."),
                        hint="give the flow its own queue (topic) and set the queue-wide expiry to the ttl"
                             + (", and have consumers drop messages older than the ttl" if rough else ""))
    return _verdict(needs, profile, "ttl", "ttl", need, NO, "has no per-message expiry", fact,
                    hint="send it through a broker with per-message expiry, or drop `ttl` and have the "
                         "consumer discard stale messages by timestamp")


def check_delay(needs: FlowNeeds, profile: Profile) -> Verdict | None:
    flow = needs.flow
    if not flow.delay and flow.delay_max is None:
        return None
    wanted = flow.delay_max
    need = f"delayed delivery of up to {human_seconds(wanted)}" if wanted else "delayed delivery"
    fact = profile.fact("delay")
    limit = profile.delay_max
    if fact.support == "no":
        return _verdict(needs, profile, "delay", "delay", need, NO, "has no delayed delivery", fact,
                        hint="send it through a broker with scheduled delivery, or keep due times in a "
                             "table and let a scheduler publish messages when they are due")
    bound = fact.value.get("bounded-by") if isinstance(fact.value, Mapping) else None
    if bound and wanted is not None:
        verdict = _delay_bounded_by_setting(needs, profile, fact, bound, wanted, need)
        if verdict is not None:
            return verdict
        limit = None  # the declared setting covers the delay
    if wanted is not None and limit is not None and not within(wanted, limit):
        return _verdict(needs, profile, "delay", "delay", need, NO,
                        f"delays messages by at most {human_seconds(limit)}", fact,
                        hint=f"keep delays of more than {human_seconds(limit)} outside the broker (a table "
                             "with a due time, and a scheduler that publishes when due), or use a broker "
                             "with longer scheduled delivery")
    if fact.support == "partial":
        return _verdict(needs, profile, "delay", "delay", need, CAVEAT,
                        "has delayed delivery only partially", fact, hint="check the delay caveat in the note")
    return _verdict(needs, profile, "delay", "delay", need, FITS, "has delayed delivery", fact)


def _delay_bounded_by_setting(needs: FlowNeeds, profile: Profile, fact: Fact, bound: Mapping, wanted: float,
                              need: str) -> Verdict | None:
    """The verdict when a broker setting (a timeout with a default) bounds the delay, or None
    when the setting the broker declares covers it."""
    setting, vendor, default = bound["setting"], bound["vendor-setting"], float(bound["default"])
    largest = bound.get("max")
    named = f"`{vendor}` (default {human_seconds(default)}" + (
        f", at most {human_seconds(largest)}" if largest else "") + (
        f"; source: {bound['source']}" if bound.get("source") else "") + ")"
    declared = needs.setting(setting)
    if isinstance(declared, (int, float)) and not isinstance(declared, bool):
        if within(wanted, float(declared)):
            return None
        return _verdict(needs, profile, "delay", "delay", need, NO,
                        f"delays messages by at most {human_seconds(float(declared))}, the `{setting}` "
                        f"declared on {needs.on}, which stands for {named}", fact,
                        hint=f"raise `{setting}` on {needs.on} (and {vendor} where the broker is configured) to "
                             f"at least {human_seconds(wanted)}, or keep long delays outside the broker")
    if within(wanted, default):
        return None
    if largest is not None and not within(wanted, float(largest)):
        return _verdict(needs, profile, "delay", "delay", need, NO,
                        f"delays messages by at most {human_seconds(float(largest))}, the largest {vendor} "
                        f"allowed {named}", fact,
                        hint=f"keep delays of more than {human_seconds(float(largest))} outside the broker (a "
                             "table with a due time, and a scheduler that publishes when due)")
    return _verdict(needs, profile, "delay", "delay", need, CAVEAT,
                    f"fits if you raise {named} to at least {human_seconds(wanted)}", fact,
                    hint=f"raise {vendor} to at least {human_seconds(wanted)} and declare `{setting} "
                         f"{human_seconds(wanted).replace(' ', '')}` on {needs.on}, or keep long delays "
                         "outside the broker")


def check_dead_letter(needs: FlowNeeds, profile: Profile) -> Verdict | None:
    if not needs.flow.dead_letter:
        return None
    fact = profile.fact("dead-letter")
    status, finding = _by_support(fact, "has dead-lettering", "has dead-lettering only partially",
                                  "has no dead-lettering")
    hint = {NO: "send it through a broker with dead-letter queues, or have the consumer move failing "
                "messages to a parking flow itself",
            CAVEAT: "check the dead-letter caveat in the note", FITS: ""}[status]
    return _verdict(needs, profile, "dead-letter", "dead-letter",
                    "dead-lettering of messages that cannot be processed", status, finding, fact, hint=hint)


def check_replay(needs: FlowNeeds, profile: Profile) -> Verdict | None:
    flow = needs.flow
    if not flow.replay and flow.retention is None:
        return None
    prop = "replay" if flow.replay else "retention"
    need = "replay of consumed messages"
    if flow.retention is not None:
        need += f" (retention {human_seconds(flow.retention)})"
    fact = profile.fact("replay")
    status, finding = _by_support(fact, "keeps consumed messages for replay",
                                  "keeps consumed messages only partially",
                                  "deletes messages once they are consumed")
    hint = {NO: "send it through a log-based broker (a stream) that retains messages, or drop "
                f"`{prop}` and keep history in a database",
            CAVEAT: "check the replay caveat in the note", FITS: ""}[status]
    if status == CAVEAT and flow.retention is not None:
        # Partial replay keeps a bounded set of messages (a number of recent ones, what
        # fits in memory) or only under a condition: it cannot promise that every message
        # stays readable for a stated time, so a `retention` duration does not fit.
        status = NO
        finding = (f"keeps consumed messages only partially, so a retention of "
                   f"{human_seconds(flow.retention)} is not guaranteed")
        hint = ("send it through a log-based broker (a stream) that retains messages for a time, or "
                "keep history in a database; if the condition in the note does hold for this flow, "
                "silence this finding with `# msgarch: ignore[B207]`")
    return _verdict(needs, profile, "replay", prop, need, status, finding, fact, hint=hint)


def size_literal(value: float) -> str:
    """A size as a `.msgarch` literal that is at least ``value``: exact decimal units when
    they fit (8MB), else exact binary ones (1.5MiB), else decimal rounded up, so that a
    hint's `max-message` never falls short of the size it is meant to cover."""
    for unit, factor in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3), ("GiB", 1024**3), ("MiB", 1024**2),
                         ("KiB", 1024)):
        scaled = value / factor
        if scaled >= 1 and abs(scaled * 100 - round(scaled * 100)) < 1e-6:
            return f"{round(scaled, 2):g}{unit}"
    for unit, factor in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if value >= factor:
            return f"{math.ceil(value / factor * 100) / 100:g}{unit}"
    return f"{math.ceil(value)}B"


def limit_text(value: float) -> str:
    """A byte limit in words, with the exact figure when the unit alone could mislead
    ("1 MiB (1,048,576 bytes)": a vendor's "1MB" is often 1 MiB)."""
    words = human_bytes(value)
    if value >= 1024 and not words.endswith(" B"):
        words += f" ({int(value):,} bytes)"
    return words


#: Within this fraction of its limit, a message that fits is said to be near the edge.
_EDGE = 0.05


def check_max_size(needs: FlowNeeds, profile: Profile) -> Verdict | None:
    message = needs.message
    if message is None:
        return None
    # The larger of `size` and `max-size`: a `max-size` written below `size` must not
    # hide a large message (the structure rules report that contradiction).
    candidates = [(value, prop) for value, prop in ((message.max_size, "max-size"), (message.size, "size"))
                  if value is not None]
    if not candidates:
        return None
    size, which = max(candidates, key=lambda item: item[0])  # ties: max-size, listed first
    fact = profile.fact("max-message")
    value = fact.value if isinstance(fact.value, Mapping) else {}
    config = value.get("config", "")
    # A client library that encodes the body (kombu: base64) sends more than the payload.
    inflation = float(value.get("encoding-inflation", 1) or 1)
    wire = size * inflation
    need = f"messages of up to {human_bytes(size)} ({message.name} {which})"
    if inflation > 1:
        need += f", about {human_bytes(round(wire, -3))} on the wire ({inflation:.3g}x: {value.get('encoding-note', 'encoding')})"
    hard = profile.max_message_hard
    default = profile.max_message_default
    by_pattern = (value.get("by-pattern") or {}).get(needs.flow.pattern)
    raised = False
    if by_pattern is not None:
        # Another mechanism carries this pattern (Postgres pub/sub: NOTIFY) with its own limit.
        limit = hard = float(by_pattern["limit"])
        where = (f"accepts at most {limit_text(limit)} for {needs.flow.pattern} flows "
                 f"({by_pattern['note']}{'; source: ' + by_pattern['source'] if by_pattern.get('source') else ''})")
    elif needs.max_message is not None:
        limit = needs.max_message
        where = f"is set to {limit_text(limit)} by `max-message` on broker '{needs.broker_name}'"
        if hard is not None and limit > hard:
            limit = hard
            where = f"cannot exceed its hard limit of {limit_text(hard)} (the `max-message` override is higher)"
        raised = default is not None and limit > default
    else:
        limit = default
        where = f"accepts at most {limit_text(limit)} by default" if limit is not None else "has no size limit"
        if limit is not None and fact.uncertain and needs.broker_name:
            where += f" (assumed: broker '{needs.broker_name}' declares no `max-message`)"
    if limit is None or within(wire, limit):
        notes = []
        if raised and value.get("raised-note") and not within(wire, default):
            notes.append(value["raised-note"])
        if limit is not None and value.get("edge-note") and wire > limit * (1 - _EDGE):
            notes.append(f"{human_bytes(wire)} is within {_EDGE:.0%} of the limit: {value['edge-note']}")
        if notes:
            return _verdict(needs, profile, "max-size", which, need, CAVEAT,
                            f"accepts {limit_text(limit)}, with conditions", fact, " ".join(notes),
                            hint="check the conditions in the note, or store large payloads elsewhere and send "
                                 "a reference (claim check)")
        return _verdict(needs, profile, "max-size", which, need, FITS,
                        where if limit is None else f"accepts {limit_text(limit)}", fact)
    if by_pattern is None and (hard is None or within(wire, hard)):
        hint = (f"raise {config or 'the limit'} and declare `max-message {size_literal(wire)}` "
                f"on {needs.on}, or store large payloads elsewhere and send a reference (claim check)")
    else:
        hint = (f"{human_bytes(wire)} is above the hard limit of {limit_text(hard)}: store large payloads "
                "elsewhere and send a reference (claim check), or use a broker with larger messages")
    note = None
    if inflation > 1:
        note = (f"{fact.note} The limit applies to the encoded message: {human_bytes(size)} becomes about "
                f"{human_bytes(round(wire, -3))}.").strip()
    return _verdict(needs, profile, "max-size", which, need, NO, where, fact, note, hint=hint)


def check_ordering(needs: FlowNeeds, profile: Profile) -> Verdict | None:
    flow = needs.flow
    if not flow.ordered and not flow.ordered_by:
        return None
    key = flow.ordered_by
    need = f"order per {key}" if key else "total order"
    fact = profile.fact("ordering")
    keeps = profile.ordering_keeps_with
    if profile.ordering_scope == "none" or fact.support == "no":
        return _verdict(needs, profile, "ordering", "ordered", need, NO, "keeps no message order", fact,
                        hint="send it through a broker that keeps order"
                             + (" per key (partitions or message groups)" if key else "")
                             + ", or make the consumer tolerate reordering (sequence numbers per key)")
    component, competing = needs.most_competing
    if competing > 1:
        who = f"{competing} competing instances of '{component}'" if "+" not in component else \
            f"{competing} competing consumer instances ({component.replace('+', ', ')})"
        if key and "key-partitioning" in keeps:
            status = CAVEAT if fact.support == "partial" else FITS
            return _verdict(needs, profile, "ordering", "ordered", need, status,
                            f"keeps order per key across {who} by partitioning on the key", fact)
        if not key and profile.partitioned and flow.partitions == 1:
            status = CAVEAT if fact.support == "partial" else FITS
            return _verdict(needs, profile, "ordering", "ordered", need, status,
                            "keeps total order on a single partition (one instance consumes at a time)", fact)
        if "single-active-consumer" in keeps:
            offers = "keeps order only with a single active consumer, so one instance consumes at a time"
        elif "key-partitioning" in keeps:
            offers = "keeps order across instances only per key (partitions), not totally"
        else:
            offers = "has no way to keep order across competing consumers"
        if key:
            hint = (f"use a broker that partitions by key (Kafka or Pulsar partitions, SQS FIFO or JMS message "
                    f"groups on {key}), enable single active consumer and accept one busy instance, or run "
                    f"one instance of '{component}'")
        elif "key-partitioning" in keeps:
            hint = ("declare `ordered by KEY` if order per key is enough"
                    + (", or `partitions 1`" if profile.partitioned else "")
                    + f", or run one instance of '{component}'")
        else:
            hint = (f"run one instance of '{component}' (or single active consumer), or declare "
                    "`ordered by KEY` on a broker that partitions by key")
        return _verdict(needs, profile, "ordering", "ordered", need, NO,
                        f"cannot keep it with {who}: it {offers}", fact, hint=hint)
    if fact.support == "partial":
        return _verdict(needs, profile, "ordering", "ordered", need, CAVEAT,
                        "keeps order only partially", fact, hint="check the ordering caveat in the note")
    return _verdict(needs, profile, "ordering", "ordered", need, FITS,
                    f"keeps order ({profile.ordering_scope})", fact)


_ROUTING_WORDS = {
    "topic": "topic-wildcard routing",
    "header": "header routing",
    "content": "content-based routing (selectors)",
}


def check_routing(needs: FlowNeeds, profile: Profile) -> Verdict | None:
    style = needs.flow.routing
    if style is None:
        return None
    fact = profile.fact(f"routing.{style}")
    words = _ROUTING_WORDS[style]
    status, finding = _by_support(fact, f"has {words}", f"has {words} only partially", f"has no {words}")
    hint = {NO: f"send it through a broker with {words}, or route in the producer (one destination per "
                "route) and drop `routing`",
            CAVEAT: "check that the restricted form in the note is enough for this flow", FITS: ""}[status]
    return _verdict(needs, profile, "routing", "routing", words, status, finding, fact, hint=hint)


def check_latency(needs: FlowNeeds, profile: Profile) -> Verdict | None:
    flow = needs.flow
    budget = flow.latency
    if budget is None:
        return None
    hops = 2 if flow.pattern == "request-reply" else 1
    p50, p99 = profile.latency_p50 * hops, profile.latency_p99 * hops
    over = " over the request and the reply" if hops == 2 else ""
    need = f"latency within {human_seconds(budget)}"
    fact = profile.fact("latency")
    if not within(p50, budget):
        return _verdict(needs, profile, "latency", "latency", need, NO,
                        f"typically takes {human_seconds(p50)}{over}", fact,
                        hint="use a lower-latency broker (in-memory, no fsync per message) or relax `latency`")
    if not within(p99, budget):
        return _verdict(needs, profile, "latency", "latency", need, CAVEAT,
                        f"meets it at the median but its p99 is {human_seconds(p99)}{over}", fact,
                        hint="accept the slow tail or relax `latency`")
    return _verdict(needs, profile, "latency", "latency", need, FITS,
                    f"typically takes {human_seconds(p50)}, p99 {human_seconds(p99)}{over}", fact)


def check_durable_subscription(needs: FlowNeeds, profile: Profile) -> Verdict | None:
    flow = needs.flow
    if flow.pattern != "pubsub" or not (flow.durable or flow.delivery in ("at-least-once", "exactly-once")):
        return None
    prop = "durable" if flow.durable else "delivery"
    fact = profile.fact("durable-subscriptions")
    status, finding = _by_support(fact, "keeps messages for offline subscribers",
                                  "keeps messages for offline subscribers only partially",
                                  "drops what is published while a subscriber is disconnected")
    hint = {NO: "send it through a broker with durable subscriptions (a queue per subscriber, or a log with "
                "consumer offsets), or declare `delivery at-most-once` if subscribers may miss messages",
            CAVEAT: "check the subscription caveat in the note", FITS: ""}[status]
    return _verdict(needs, profile, "durable-subscription", prop,
                    "durable subscriptions (a subscriber that was offline gets what it missed)",
                    status, finding, fact, hint=hint)


#: Every check, in catalogue order (P102, then B201..B212).
CHECKS: dict[str, Callable[[FlowNeeds, Profile], Verdict | None]] = {
    "pattern": check_pattern,
    "durable": check_durable,
    "delivery": check_delivery,
    "priority": check_priority,
    "ttl": check_ttl,
    "delay": check_delay,
    "dead-letter": check_dead_letter,
    "replay": check_replay,
    "max-size": check_max_size,
    "ordering": check_ordering,
    "routing": check_routing,
    "latency": check_latency,
    "durable-subscription": check_durable_subscription,
}


def check(key: str, needs: FlowNeeds, profile: Profile) -> Verdict | None:
    """One requirement, judged against ``profile`` as the broker's declared settings change it."""
    return CHECKS[key](needs, profile.with_settings(dict(needs.settings)))


def check_all(needs: FlowNeeds, profile: Profile) -> tuple[Verdict, ...]:
    """Every requirement the flow states, judged against ``profile``, in catalogue order."""
    profile = profile.with_settings(dict(needs.settings))
    return tuple(v for v in (fn(needs, profile) for fn in CHECKS.values()) if v is not None)


# -- built-in profiles, platform needs, alternatives ------------------------------------------

@functools.lru_cache(maxsize=1)
def builtin_profiles() -> tuple[Profile, ...]:
    """Every built-in profile as shipped (its assumed version), sorted by id."""
    return tuple(load_builtin(kind) for kind in builtin_ids())


#: Built-in profiles that describe what a specification alone guarantees, not a broker
#: one can deploy: a design may be checked against them (`broker b : jms`), but they are
#: never suggested as an alternative, and `msgarch recommend` shows them apart from the
#: ranking, as a reference. The value says what the reference is.
REFERENCE_PROFILES = {
    "jms": "what the JMS 2.0 specification alone guarantees: a flow that fits it fits every conforming "
           "JMS provider",
}


def is_reference(profile: Profile) -> bool:
    """True for a specification-only profile (see ``REFERENCE_PROFILES``)."""
    return profile.id in REFERENCE_PROFILES


def deployable_profiles() -> tuple[Profile, ...]:
    """The built-in profiles of brokers one can run (every one but the references), sorted by id."""
    return tuple(profile for profile in builtin_profiles() if not is_reference(profile))


def requires_support(profile: Profile, feature: str) -> str:
    """yes / partial / no: how the profile meets one `requires` feature of the system."""
    if feature == "open-source":
        return "yes" if profile.licence == "open-source" else "no"
    return profile.fact(REQUIRES_FACT[feature]).support or "no"


def requires_gaps(profile: Profile, requires: Iterable[str]) -> tuple[int, int]:
    """(features not met, features met only partially)."""
    support = [requires_support(profile, f) for f in requires]
    return support.count("no"), support.count("partial")


def _family(profile_id: str) -> str:
    """The product family of a profile id: "rabbitmq" for rabbitmq-quorum, "sqs" for sqs-fifo."""
    return profile_id.split("-", 1)[0]


def _likeness(profile: Profile, other: Profile | None) -> int:
    """How many yes/no/partial capabilities two profiles state alike."""
    if other is None:
        return 0
    return sum(1 for path in FACT_PATHS
               if profile.fact(path).support is not None
               and profile.fact(path).support == other.fact(path).support)


@dataclass(frozen=True)
class Alternatives:
    """Built-in brokers that would meet one requirement of a flow."""

    brokers: tuple[str, ...]
    status: str  # FITS, or CAVEAT when none fits without a caveat

    def text(self) -> str:
        if not self.brokers:
            return "no built-in broker fits this need"
        names = ", ".join(self.brokers)
        if self.status == FITS:
            return f"built-in brokers that fit: {names}"
        return f"built-in brokers that fit it with a caveat: {names}"


#: The flow fields the checks read; two flows alike in these get the same alternatives.
_NEED_FIELDS = ("pattern", "pattern_declared", "partitions", "latency", "durable",
                "delivery", "ordered", "ordered_by", "priority", "ttl", "delay", "delay_max",
                "dead_letter", "retention", "replay", "routing")


def _needs_signature(needs: FlowNeeds) -> tuple:
    message = needs.message
    return (tuple(getattr(needs.flow, name) for name in _NEED_FIELDS),
            (message.size, message.max_size) if message is not None else None,
            tuple(sorted(count for _, count in needs.competitors)))


_ALTERNATIVES_CACHE: dict[tuple, "Alternatives"] = {}


def alternatives(needs: FlowNeeds, key: str, exclude: str | None = None, requires: Iterable[str] = (),
                 like: Profile | None = None, limit: int = 2) -> Alternatives:
    """Memoised `_alternatives`: judging 25 profiles per finding is the costliest step of a
    lint run, and large models repeat the same needs many times."""
    requires = tuple(requires)
    cache_key = (_needs_signature(needs), key, exclude, requires,
                 (like.id, like.version, tuple(like.origin)) if like is not None else None, limit)
    found = _ALTERNATIVES_CACHE.get(cache_key)
    if found is None:
        found = _ALTERNATIVES_CACHE[cache_key] = _alternatives(needs, key, exclude, requires, like, limit)
    return found


def _alternatives(needs: FlowNeeds, key: str, exclude: str | None = None, requires: Iterable[str] = (),
                  like: Profile | None = None, limit: int = 2) -> Alternatives:
    """Up to ``limit`` built-in brokers that meet requirement ``key`` of the flow.

    Only deployable brokers are candidates: a reference profile (``jms``, what the
    specification alone guarantees) is nothing one can switch to. Candidates must fit the requirement (or, when none does, fit it with a caveat); they
    are ranked by how many of the flow's other requirements they miss, then by the
    system's `requires`, then by closeness to ``like`` (the current broker's profile), so
    that the suggestion changes the design least: the same product family first (nats ->
    nats-jetstream), then the same sort of layer (a managed service suggests managed
    services), then fewer caveats, then more capabilities in common; then by id, so the
    choice is deterministic.
    """
    prefer_model = like.model if like is not None else None
    family = _family(like.id) if like is not None else None
    shipped = needs.as_shipped()
    requires = tuple(requires)
    ranked = []
    for profile in deployable_profiles():
        if profile.id == exclude:
            continue
        verdicts = check_all(shipped, profile)
        this = next((v for v in verdicts if v.requirement == key), None)
        if this is None or this.status == NO:
            continue
        others = [v.status for v in verdicts if v.requirement != key]
        ranked.append(((_ORDER[this.status], others.count(NO), requires_gaps(profile, requires),
                        _family(profile.id) != family, profile.model != prefer_model,
                        others.count(CAVEAT), -_likeness(profile, like), profile.id), this.status))
    if not ranked:
        return Alternatives((), NO)
    ranked.sort()
    best = ranked[0][1]
    chosen = tuple(item[0][-1] for item in ranked if item[1] == best)[:limit]
    return Alternatives(chosen, best)
