"""T rules: channels, routes, publishes and consumes (language v2) as routing evaluates them.

Routing is evaluated per broker semantics by `msgarch.model.derive` (AMQP direct, topic
and fanout exchanges, the default exchange's routing by queue name, alternate
exchanges, NATS and MQTT wildcards, SNS filter policies, Kafka's whole topic); these
rules read what it found. A publish that declares no key is never reported as
unroutable: msgarch cannot tell where it goes, so it counts it in full and says so.
"""

from __future__ import annotations

from typing import Iterator

from msgarch.diagnostics import Related, Severity
from msgarch.lint.rule import Finding, LintContext, Rule
from msgarch.lint.rules.structure import _closest


def _derivation(ctx: LintContext):
    return ctx.model.derivation


class UnroutablePublish(Rule):
    """A publish whose key no route of its channel matches.

    Why: an AMQP exchange that finds no binding for a routing key drops the message
    silently (or returns it when the publish is `mandatory`, or hands it to an
    alternate exchange); a JetStream publish to a subject no stream captures fails. The
    design looks connected, and nothing arrives. Routing is evaluated as the broker
    does it: direct keys exactly, topic patterns with `*` and `#`, NATS `*` and `>`,
    MQTT `+` and `#`; publishing straight to a queue goes through the default
    exchange, which routes by queue name.

    Fails:

        broker bus : rabbitmq
        channel orders on bus : exchange { type topic  durable }
        channel billing on bus : queue { durable }
        route orders -> billing { key "order.*.paid" }
        message OrderPaid
        component checkout    { publishes OrderPaid to orders { key "order.paid" } }
        component billing-svc { consumes OrderPaid from billing }

    Passes:

        broker bus : rabbitmq
        channel orders on bus : exchange { type topic  durable }
        channel billing on bus : queue { durable }
        route orders -> billing { key "order.*.paid" }
        message OrderPaid
        component checkout    { publishes OrderPaid to orders { key "order.eu.paid" } }
        component billing-svc { consumes OrderPaid from billing }
    """

    code = "T701"
    name = "unroutable-publish"
    summary = "a publish whose key no route of its channel matches"
    severity = Severity.ERROR

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        derivation = _derivation(ctx)
        if derivation is None:
            return
        for outcome in derivation.outcomes:
            lost = [k for k in outcome.keys if k.key is not None and not k.reached and k.dropped]
            if not lost:
                continue
            publish = outcome.publish
            where, what = lost[0].dropped[0]
            channel = ctx.model.channels[where]
            info = derivation.info[where]
            keys = ", ".join(f"'{k.key}'" for k in lost)
            part = "" if len(lost) == len(outcome.keys) else f" ({len(lost)} of its {len(outcome.keys)} keys)"
            if what.startswith("not among the subjects"):
                yield Finding(publish, f"{publish.id} with key {keys}{part}: {what}", prop="key",
                              hint=f"publish to a subject that '{where}' captures, or add it to its `subjects`")
                continue
            routes = [r for r in ctx.model.routes if r.source == where and not r.dead_letter]
            bound = sorted({key for r in routes for key in r.keys})
            against = (f"the routes of {channel.type} '{where}' bind {', '.join(repr(b) for b in bound)}"
                       if bound else f"{channel.type} '{where}' has no route with a key")
            yield Finding(
                publish,
                f"{publish.id} with key {keys}{part} matches no route: {against} "
                f"({info.routing} matching); the message is {what}",
                prop="key",
                hint=f"fix the key, add `route {where} -> QUEUE {{ key \"...\" }}`, or give '{where}' an "
                     "`alternate-exchange` that catches unroutable messages",
                related=tuple(Related(r.span, f"route {r.id}") for r in routes[:5]),
            )


class DeadChannel(Rule):
    """A channel that nothing feeds, or that nothing reads.

    Why: a queue no publish and no route feeds is a consumer waiting for messages that
    never come (a binding was forgotten, or a name differs); a queue or topic that
    nothing consumes and no route leaves fills up until it hits its limits, and an
    exchange with no route drops everything sent to it. A dead-letter target counts as
    fed by the channels that dead-letter into it.

    Fails:

        broker bus : rabbitmq
        channel billing on bus : queue { durable }
        message OrderPaid
        component billing-svc { consumes OrderPaid from billing }

    Passes:

        broker bus : rabbitmq
        channel billing on bus : queue { durable }
        message OrderPaid
        component checkout    { publishes OrderPaid to billing }
        component billing-svc { consumes OrderPaid from billing }
    """

    code = "T702"
    name = "dead-channel"
    summary = "a channel that nothing publishes to and no route feeds, or that nothing consumes and no route leaves"
    severity = Severity.WARNING

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        model = ctx.model
        derivation = _derivation(ctx)
        if derivation is None:
            return
        fed = {p.channel for p in model.publishes} | {r.target for r in model.routes}
        read = {c.channel for c in model.consumes} | {r.source for r in model.routes if not r.dead_letter}
        for outcome in derivation.outcomes:  # the default exchange feeds queues by name
            for key in outcome.keys:
                fed.update(key.visited)
        dead_letter_targets = {r.target for r in model.routes if r.dead_letter}
        for name in sorted(model.channels):
            channel = model.channels[name]
            info = derivation.info.get(name)
            if name not in fed:
                yield Finding(channel, f"channel '{name}' ({channel.type}) is fed by nothing: no publish and "
                                       "no route brings messages to it",
                              hint=f"add the publish or `route SOURCE -> {name}` that feeds it, or remove it")
            elif name not in read and name not in dead_letter_targets:  # D603 reports those
                retention = channel.settings.get("retention") or channel.settings.get("max-age")
                if info is not None and info.delivery == "route":
                    tail = "messages sent to it are dropped"
                elif info is not None and info.delivery == "broadcast":
                    tail = "with no subscriber, every message sent to it is lost"
                elif retention:
                    from msgarch.brokers.profiles import human_seconds
                    tail = f"its messages are deleted unread when its retention ({human_seconds(retention)}) ends"
                elif info is not None and info.delivery == "groups":
                    tail = "its messages are kept until the topic's retention deletes them unread"
                else:
                    tail = "its messages pile up until a limit drops or refuses them"
                yield Finding(channel, f"channel '{name}' ({channel.type}) is read by nothing: no consume and "
                                       f"no route takes messages from it; {tail}",
                              hint=f"add `consumes MESSAGE from {name}` on the component that reads it, "
                                   "or a route out of it")


class UnknownChannel(Rule):
    """A publish, consume, route or dead-letter target names a channel that is not declared.

    Why: the messages go to (or are expected from) a place the model does not have,
    so nothing about their path can be checked. The message suggests the closest
    declared channel name.

    Fails:

        broker bus : rabbitmq
        channel billing on bus : queue
        message OrderPaid
        component checkout { publishes OrderPaid to biling }

    Passes:

        broker bus : rabbitmq
        channel billing on bus : queue
        message OrderPaid
        component checkout    { publishes OrderPaid to billing }
        component billing-svc { consumes OrderPaid from billing }
    """

    code = "T703"
    name = "unknown-channel"
    summary = "a publish, consume, route or dead-letter target names an undeclared channel"
    severity = Severity.ERROR

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        model = ctx.model
        channels = model.channels

        def unknown(name: str) -> str:
            return f"channel '{name}' is not declared{_closest(name, channels)}"

        for endpoint in (*model.publishes, *model.consumes):
            if endpoint.channel not in channels:
                yield Finding(endpoint, f"{endpoint.id}: {unknown(endpoint.channel)}",
                              hint=f"declare it (`channel {endpoint.channel} on BROKER : TYPE`) or fix the name",
                              span=endpoint.channel_span)
        for route in model.routes:
            what = "dead-letter target" if route.dead_letter else "route"
            ends = ((route.target, route.target_span),) if route.dead_letter else (
                (route.source, route.source_span), (route.target, route.target_span))
            for name, span in ends:
                if name not in channels:
                    yield Finding(route.span, f"{what} {route.id}: {unknown(name)}",
                                  hint=f"declare it (`channel {name} on BROKER : TYPE`) or fix the name", span=span)
        for channel in channels.values():
            alternate = channel.settings.get("alternate-exchange")
            if alternate is not None and alternate not in channels:
                yield Finding(channel, f"alternate-exchange of '{channel.name}': {unknown(alternate)}",
                              prop="alternate-exchange", hint="declare the alternate exchange or fix the name")


class PatternMatchesNothing(Rule):
    """A route's key or pattern matches none of the keys published into its channel.

    Why: a binding that never matches is a typo or a leftover: the queue behind it
    gets nothing through it, usually while the author believes it does. Judged only
    where every publish reaching the channel declares its key (otherwise msgarch cannot
    tell, and stays silent).

    Fails:

        broker bus : rabbitmq
        channel orders on bus : exchange { type topic  durable }
        channel billing on bus : queue { durable }
        channel audit on bus : queue { durable }
        route orders -> billing { key "order.*.paid" }
        route orders -> audit { key "invoice.#" }
        message OrderPaid
        component checkout    { publishes OrderPaid to orders { key "order.eu.paid" } }
        component billing-svc { consumes OrderPaid from billing }
        component auditor     { consumes OrderPaid from audit }

    Passes:

        broker bus : rabbitmq
        channel orders on bus : exchange { type topic  durable }
        channel billing on bus : queue { durable }
        route orders -> billing { key "order.*.paid" }
        message OrderPaid
        component checkout    { publishes OrderPaid to orders { key "order.eu.paid" } }
        component billing-svc { consumes OrderPaid from billing }
    """

    code = "T704"
    name = "pattern-matches-nothing"
    summary = "a route pattern no published key can match"
    severity = Severity.WARNING

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        model = ctx.model
        derivation = _derivation(ctx)
        if derivation is None:
            return
        keys_into: dict[str, set[str]] = {}
        for outcome in derivation.outcomes:
            for key in outcome.keys:
                if key.key is not None:
                    for name in key.visited:
                        keys_into.setdefault(name, set()).add(key.key)
        for index, route in enumerate(model.routes):
            if route.dead_letter or not route.keys or index in derivation.route_unknown:
                continue
            if derivation.route_hits.get(index) or route.source not in keys_into:
                continue
            info = derivation.info.get(route.source)
            if info is None or info.routing in ("all", "whole", "headers", "sns-filter", "none"):
                continue
            published = sorted(keys_into[route.source])
            shown = ", ".join(repr(k) for k in published[:5]) + (" ..." if len(published) > 5 else "")
            yield Finding(route.span, f"route {route.id}: key {', '.join(repr(k) for k in route.keys)} matches "
                                      f"none of the keys published into '{route.source}' ({shown}; "
                                      f"{info.routing} matching)",
                          hint="fix the pattern, or remove the route if nothing should take it",
                          prop="key", span=route.prop_spans.get("key", route.span))


class BroadcastPerInstance(Rule):
    """A channel type that gives every consumer instance every message, on a component
    with several instances.

    Why: ZeroMQ SUB sockets, Redis pub/sub, core NATS subscriptions without a queue
    group, MQTT subscriptions without `$share`, TIBCO RV subjects and Postgres NOTIFY
    copy each message to every connection. Each instance works the full rate, so more
    instances add redundancy, not capacity; capacity is sized per instance.

    Fails:

        broker feed : zeromq
        channel ticks on feed : pub
        message Tick
        component gateway { publishes Tick to ticks }
        component pricer  { instances 8  consumes Tick from ticks }

    Passes:

        broker feed : zeromq
        channel ticks on feed : pub
        message Tick
        component gateway { publishes Tick to ticks }
        component pricer  { consumes Tick from ticks }
    """

    code = "T705"
    name = "broadcast-per-instance"
    summary = "a channel type gives every instance every message (sized at the full rate per instance)"
    severity = Severity.INFO

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        model = ctx.model
        derivation = _derivation(ctx)
        if derivation is None:
            return
        seen: set[tuple[str, str]] = set()
        for flow in model.flows:
            if not flow.derived or not flow.broadcast:
                continue
            for name in flow.consumers:
                component = model.components.get(name)
                if component is None or component.instances < 2 or (name, flow.channel) in seen:
                    continue
                seen.add((name, flow.channel))
                channel = model.channels[flow.channel]
                info = derivation.info[flow.channel]
                consume = next(c for c in model.consumes if c.component == name and c.channel == flow.channel)
                yield Finding(consume, f"each of the {component.instances} instances of '{name}' receives every "
                                       f"message on {channel.type} '{channel.name}' ({model.brokers[channel.broker].kind}): "
                                       f"capacity is sized per instance at the full rate, and more instances add "
                                       f"no capacity [{info.source}]",
                              hint="to share the work, use a channel type with competing consumers (a PUSH/PULL "
                                   "socket, a queue group, a shared subscription) or partition the feed")
