"""P rules: messaging patterns (queue, pub/sub, request-reply), as declared or inferred."""

from __future__ import annotations

from collections import defaultdict
from typing import Iterator

from msgarch.diagnostics import Related, Severity
from msgarch.lint.rule import Finding, LintContext, Rule
from msgarch.lint.rules.broker_fit import fit_findings


def _distinct(names) -> list[str]:
    return list(dict.fromkeys(names))


class QueueWithFanout(Rule):
    """A flow declared `pattern queue` has several consumer components.

    Why: on a queue each message reaches exactly one consumer. Listing several
    consumer components suggests each of them needs every message (that is `pattern
    pubsub`); with a queue they would silently share the messages between them,
    each seeing only a part. If the components really share the work, they are one
    component with several `instances`.

    Fails:

        flow orders -> billing, shipping : OrderPlaced { pattern queue }

    Passes:

        flow orders -> billing, shipping : OrderPlaced { pattern pubsub }
        flow orders -> billing : ChargeCard { pattern queue }
    """

    code = "P101"
    name = "queue-with-fanout"
    summary = "`pattern queue` with several consumer components: each message reaches only one of them"
    severity = Severity.WARNING

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for flow in ctx.model.flows:
            consumers = _distinct(flow.consumers)
            if flow.pattern_declared and flow.pattern == "queue" and len(consumers) > 1:
                yield Finding(
                    flow,
                    f"flow {flow.id} is `pattern queue` with {len(consumers)} consumer components "
                    f"({', '.join(consumers)}): each message reaches only one of them, not each",
                    hint="declare `pattern pubsub` if every component needs each message; if they share "
                         "the work, make them one component with `instances N`",
                    prop="pattern")


class PatternUnsupported(Rule):
    """The flow's broker has no native support for the flow's pattern.

    Why: request-reply over Kafka, competing consumers on Redis Pub/Sub, or fan-out
    through a plain SQS queue all have to be built by hand in the clients (reply topics
    and correlation, one queue per subscriber), which is where such designs break. The
    pattern checked is the declared one or the inferred one (several consumer
    components: pubsub). An inferred queue to a single consumer instance is also
    served by a broker's pub/sub. Patterns the broker supports only partially (MQTT
    shared subscriptions, Celery broadcast queues) are an info caveat quoting the
    profile's note.

    Fails:

        broker events : kafka
        flow web -> orders : PlaceOrder { via events  pattern request-reply }

    Passes:

        broker bus : rabbitmq
        flow web -> orders : PlaceOrder { via bus  pattern request-reply }
    """

    code = "P102"
    name = "pattern-unsupported"
    summary = "the broker has no native support for the flow's pattern"
    severity = Severity.WARNING

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        yield from fit_findings(ctx, "pattern")


class PatternInferred(Rule):
    """A flow has no `pattern`: msgarch reports what it inferred and why.

    Why: the pattern decides how consumers share messages and which broker features a
    flow needs, so a reader should not have to guess it. With several consumer
    components msgarch infers pubsub (each gets a copy), with one it infers queue (its
    instances compete). Declaring the pattern silences this and documents the intent.

    Fails:

        flow inventory -> storefront, analytics : StockAlert

    Passes:

        flow inventory -> storefront, analytics : StockAlert { pattern pubsub }
    """

    code = "P103"
    name = "pattern-inferred"
    summary = "no `pattern` given: reports what was inferred and why"
    severity = Severity.INFO

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        model = ctx.model
        for flow in model.declared_flows:  # a derived flow's channel type decides its pattern
            if flow.pattern_declared:
                continue
            consumers = _distinct(flow.consumers)
            if flow.pattern == "pubsub":
                why = (f"it has {len(consumers)} consumer components ({', '.join(consumers)}), "
                       "so each gets a copy of every message")
            else:
                instances = model.components[consumers[0]].instances if consumers[0] in model.components else 1
                why = f"it has one consumer component ('{consumers[0]}')"
                if instances > 1:
                    why += f", whose {instances} instances compete for the messages"
            yield Finding(flow, f"flow {flow.id} has no `pattern`: inferred {flow.pattern}, because {why}",
                          hint=f"declare `pattern {flow.pattern}` (or the pattern you mean) to make it explicit")


class MixedMessageTypes(Rule):
    """Several message types share one channel (same broker, producer and consumers).

    Why: when different message types travel the same way without `routing`, every
    consumer receives all of them and must dispatch on the type itself; a consumer
    that knows only one type chokes on the others, and one slow type delays the rest.
    That is often intended (Celery dispatches by task name); this note makes it visible.
    Request-reply flows are left out: a service answering several request types is
    ordinary RPC dispatch. Flows that all declare `routing` are routed apart.

    Fails:

        flow web -> worker : SendEmail { via tasks }
        flow web -> worker : SendReminder { via tasks }

    Passes:

        flow web -> worker : SendEmail { via tasks }
        flow web -> reminders : SendReminder { via tasks }
    """

    code = "P104"
    name = "mixed-message-types"
    summary = "several message types share one channel without routing: consumers must filter"
    severity = Severity.INFO

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        yield from self._unhandled_types(ctx)
        channels = defaultdict(list)
        for flow in ctx.model.declared_flows:
            if flow.pattern == "request-reply" or flow.via is None:
                continue
            channels[(flow.via, flow.producer, tuple(sorted(set(flow.consumers))))].append(flow)
        for (via, producer, consumers), flows in sorted(channels.items()):
            messages = _distinct(f.message for f in flows)
            if len(messages) < 2 or all(f.routing for f in flows):
                continue
            first = flows[0]
            others = [f for f in flows[1:] if f.message != first.message]
            yield Finding(
                first,
                f"message types {', '.join(messages)} share one channel ({producer} -> {', '.join(consumers)} "
                f"via {via}) without routing: the consumers receive all of them and must dispatch on the type",
                hint="fine if the consumer dispatches by type (as Celery does by task name); otherwise give "
                     "each type its own queue or topic, or declare `routing` on the flows",
                related=tuple(Related(f.span, f"{f.message} also travels this channel") for f in others))

    @staticmethod
    def _unhandled_types(ctx: LintContext) -> Iterator[Finding]:
        """On channel models, routing decides which types reach a channel and each consume
        names the types it takes: a type that reaches a channel whose consumers do not
        declare it is delivered to them anyway."""
        model = ctx.model
        derivation = model.derivation
        if derivation is None:
            return
        declared: dict[str, set[str]] = defaultdict(set)
        readers: dict[str, list[str]] = defaultdict(list)
        for consume in model.consumes:
            declared[consume.channel].add(consume.message)
            if consume.component not in readers[consume.channel]:
                readers[consume.channel].append(consume.component)
        reported = set()
        # in a stable order, whatever the order of the declarations: the first publisher by name
        for outcome in sorted(derivation.outcomes, key=lambda o: (o.publish.component, o.publish.message,
                                                                  o.publish.channel)):
            publish = outcome.publish
            for key in outcome.keys:
                for name in key.reached:
                    if not declared.get(name) or publish.message in declared[name] or \
                            (name, publish.message) in reported:
                        continue
                    reported.add((name, publish.message))
                    takes = ", ".join(sorted(declared[name]))
                    yield Finding(
                        publish, f"{publish.message} from {publish.component} reaches channel '{name}', whose "
                                 f"consumers ({', '.join(readers[name])}) declare only {takes}: they receive it "
                                 "anyway and must dispatch on the type or reject it",
                        hint=f"declare `consumes {publish.message} from {name}` where it is handled, or narrow "
                             f"the route into '{name}' so {publish.message} does not reach it",
                        related=(Related(model.channels[name].span, f"channel {name}"),))
