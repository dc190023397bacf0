"""B rules: a flow needs something its broker's profile says the broker lacks.

B201-B212 (and P102) each ask one check of `msgarch.analysis.fit`, the same check that
`msgarch recommend` uses, and turn its verdict into a finding:

- does not fit: a finding at the rule's default severity;
- fits with a caveat (the profile says `partial`, with the condition in its note, or
  the need sits between the typical and the worst case): an *info* finding that quotes
  the condition, so the design review sees it without failing the build;
- fits: nothing.

Messages say what the flow needs, what the broker lacks (citing the profile fact and
its source, and saying "uncertain" when the fact is), and name built-in brokers that
would fit; the hint says what to change in the file. Flows whose broker has no usable
profile are skipped: S001 reports unknown kinds and E003 broken profile files.

B213 and B214 report declarations that cannot work as written whatever the broker can
do: a broker's `nodes` and `replication` that do not add up (or `nodes` on a brokerless
kind), and a flow whose messages expire before their delay has passed.
"""

from __future__ import annotations

from typing import ClassVar, Iterator

from msgarch.analysis import fit
from msgarch.brokers.profiles import human_seconds
from msgarch.diagnostics import Related, Severity
from msgarch.lint.rule import Finding, LintContext, Rule
from msgarch.model.model import Flow


def flow_needs(ctx: LintContext, flow: Flow) -> fit.FlowNeeds:
    return ctx.cached(f"fit:needs:{flow.id}", lambda: fit.FlowNeeds.of(flow, ctx.model))


def fit_findings(ctx: LintContext, requirement: str) -> Iterator[Finding]:
    """Findings for one requirement over every flow whose broker has a profile.

    A need that flows inherit from a `kind` gets one finding on the kind's line for every
    flow it fails alike (same broker, same verdict), with the flows as related locations,
    instead of one finding per flow at the same line.
    """
    by_kind: dict[tuple, list[tuple[Flow, fit.FlowNeeds, fit.Verdict]]] = {}
    by_line: dict[tuple, list[tuple[Flow, fit.FlowNeeds, fit.Verdict]]] = {}
    for flow in ctx.model.flows:
        if flow.via is None or flow.via not in ctx.model.brokers:
            continue
        profile = ctx.flow_profile(flow)
        if profile is None:
            continue
        needs = flow_needs(ctx, flow)
        verdict = fit.check(requirement, needs, profile)
        if verdict is None or verdict.status == fit.FITS:
            continue
        kind = _inherited_from(ctx, flow, verdict.prop)
        if kind is None:
            # the derived flows of one publish or consume of several message types share the
            # span of the need: one finding for them, the others as related locations
            span = flow.prop_spans.get(verdict.prop)
            key = (span, flow.via, verdict.status, verdict.need, verdict.reason())
            if span is None or not flow.derived:
                yield _finding(ctx, flow, needs, verdict)
            else:
                by_line.setdefault(key, []).append((flow, needs, verdict))
        else:
            by_kind.setdefault((kind.name, flow.via, verdict.status, verdict.need, verdict.reason()), []).append(
                (flow, needs, verdict))
    for key in by_line:
        group = by_line[key]
        if len(group) == 1:
            yield _finding(ctx, *group[0])
        else:
            yield _line_finding(ctx, group)
    for key in sorted(by_kind):
        group = by_kind[key]
        if len(group) == 1:
            yield _finding(ctx, *group[0])
        else:
            yield _kind_finding(ctx, ctx.model.kinds[key[0]], group)


def _inherited_from(ctx: LintContext, flow: Flow, prop: str):
    """The kind a flow's property comes from (its span is the kind's), or None."""
    kind = ctx.model.kinds.get(flow.kind) if flow.kind else None
    if kind is None or prop not in kind.prop_spans:
        return None
    return kind if flow.prop_spans.get(prop) == kind.prop_spans[prop] else None


def _kind_finding(ctx: LintContext, kind, group) -> Finding:
    """One finding for the flows of a kind that fail one requirement alike."""
    flow, needs, verdict = group[0]
    first = _finding(ctx, flow, needs, verdict)
    ids = [item[0].id for item in group]
    prefix = f"flow {flow.id} "
    message = first.message
    if message.startswith(prefix):
        message = (f"kind '{kind.name}' ({len(ids)} flows: {', '.join(ids)}) "
                   + message[len(prefix):])
    related = first.related + tuple(Related(item[0].span, f"flow {item[0].id} takes `{verdict.prop}` from kind "
                                                          f"'{kind.name}'") for item in group)
    return Finding(kind, message, hint=first.hint, prop=verdict.prop, related=related,
                   severity=first.severity)


#: The condition Celery profiles put first in their delivery note, and the settings that meet it.
_ACKS_LATE = ("At-least-once only with acks_late=True (plus task_reject_on_worker_lost); by default a task is "
              "acknowledged when it starts, so it is lost if the worker dies mid-run.")


def _as_written(ctx: LintContext, flow: Flow, verdict: fit.Verdict, reason: str) -> str:
    """A Celery delivery caveat says what the consume wrote: `ack after-processing` is
    acks_late=True, `reject-on-worker-lost` is task_reject_on_worker_lost (instead of
    repeating "only with acks_late" to a file that sets it)."""
    if _ACKS_LATE not in reason or not flow.derived:
        return reason
    consumes = [c for c in ctx.model.consumes if c.component in flow.consumers and c.channel == flow.channel
                and c.message == flow.message]
    if not consumes:
        return reason
    late = all(c.settings.get("ack") == "after-processing" for c in consumes)
    lost = all(c.settings.get("reject-on-worker-lost") is True for c in consumes)
    if not late:
        return reason
    if lost:
        said = ("The consume sets `ack after-processing` (acks_late=True) and `reject-on-worker-lost` "
                "(task_reject_on_worker_lost): a task whose worker dies mid-run is redelivered.")
    else:
        said = ("The consume sets `ack after-processing` (acks_late=True) but not `reject-on-worker-lost` "
                "(task_reject_on_worker_lost, off by default): a task whose worker process is killed (OOM, "
                "SIGKILL) is still acknowledged, not redelivered.")
    reason = reason.replace(_ACKS_LATE, said)
    broker = ctx.model.brokers.get(flow.via)
    timeout = (broker.settings or {}).get("visibility-timeout") if broker is not None else None
    if timeout is not None:
        from msgarch.diff.values import show_duration
        reason = reason.replace("visibility_timeout (1 h by default)",
                                f"visibility_timeout (here {show_duration(float(timeout))}, as written)")
    return reason


def _line_finding(ctx: LintContext, group) -> Finding:
    """One finding for the derived flows of one endpoint (several message types on one
    publish or consume) that fail one requirement alike: on the line of the need."""
    flow, needs, verdict = group[0]
    first = _finding(ctx, flow, needs, verdict)
    ids = [item[0].id for item in group]
    prefix = f"flow {flow.id} needs"
    message = first.message
    if message.startswith(prefix):
        message = f"{len(ids)} flows of one declaration ({', '.join(ids)}) need" + message[len(prefix):]
    seen = {flow.span}
    related = list(first.related)
    for item in group[1:]:
        if item[0].span is not None and item[0].span not in seen:
            seen.add(item[0].span)
            related.append(Related(item[0].span, f"flow {item[0].id}: the same need, the same broker"))
    return Finding(flow, message, hint=first.hint, prop=verdict.prop, related=tuple(related),
                   severity=first.severity)


def _finding(ctx: LintContext, flow: Flow, needs: fit.FlowNeeds, verdict: fit.Verdict) -> Finding:
    broker = ctx.model.brokers[flow.via]
    profile = ctx.flow_profile(flow)
    kind = verdict.profile_id
    others = ctx.cached(
        f"fit:alternatives:{flow.id}:{verdict.requirement}:{kind}",
        lambda: fit.alternatives(needs, verdict.requirement, exclude=kind, requires=ctx.model.system.requires,
                                 like=profile))
    where = f"broker '{broker.name}' ({kind})"
    if verdict.status == fit.NO:
        message = f"flow {flow.id} needs {verdict.need}, but {where} {verdict.reason()}; {others.text()}"
        severity = None
    else:
        reason = verdict.reason()
        if verdict.requirement == "delivery":
            reason = _as_written(ctx, flow, verdict, reason)
        message = f"flow {flow.id} needs {verdict.need}; {where} fits with a caveat: it {reason}"
        if others.brokers and others.status == fit.FITS:
            message += f"; {others.text()}"
        severity = Severity.INFO
    related: tuple[Related, ...] = ()
    if verdict.requirement == "max-size":
        if needs.message is not None:
            span = needs.message.prop_spans.get(verdict.prop, needs.message.span)
            related += (Related(span, f"message {needs.message.name} declares its {verdict.prop} here"),)
        if needs.max_message is not None and "max-message" in broker.prop_spans:
            related += (Related(broker.prop_spans["max-message"], f"broker '{broker.name}' sets max-message here"),)
    return Finding(flow, message, hint=verdict.hint, prop=verdict.prop, related=related, severity=severity)


class _BrokerFitRule(Rule):
    requirement: ClassVar[str]

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        yield from fit_findings(ctx, self.requirement)


class NotDurable(_BrokerFitRule):
    """A flow is `durable` but its broker does not persist messages.

    Why: `durable` says the messages must survive a broker restart. A broker that keeps
    messages only in memory (core NATS, Redis Pub/Sub, ZeroMQ, TIBCO RV) loses every
    message in flight when it restarts. Partial persistence (for example Redis with only
    RDB snapshots, which loses the last minutes of writes) is reported as an info caveat
    that quotes the profile's note.

    Fails:

        broker cache : redis-pubsub
        flow orders -> billing : OrderPlaced { via cache  durable }

    Passes:

        broker bus : rabbitmq-quorum
        flow orders -> billing : OrderPlaced { via bus  durable }
    """

    code = "B201"
    name = "not-durable"
    summary = "`durable` but the broker does not persist messages"
    severity = Severity.ERROR
    requirement = "durable"


class DeliveryGuarantee(_BrokerFitRule):
    """The delivery guarantee a flow needs is stronger than its broker gives.

    Why: `delivery at-least-once` on an at-most-once broker (core NATS, Redis Pub/Sub,
    ZeroMQ) loses messages; `delivery exactly-once` where the broker has no exactly-once
    (RabbitMQ, SQS standard, ActiveMQ) cannot be had at all. An idempotent consumer
    turns at-least-once into effectively-once: that is usually the fix, and the message
    says so. Where exactly-once exists only under a condition (Kafka: Kafka-to-Kafka with
    transactions; SQS FIFO: within the deduplication window), the finding is an info
    caveat quoting the condition.

    Fails:

        broker bus : rabbitmq
        flow orders -> billing : ChargeCard { via bus  delivery exactly-once }

    Passes:

        broker bus : rabbitmq
        component billing { idempotent }
        flow orders -> billing : ChargeCard { via bus  delivery at-least-once }
    """

    code = "B202"
    name = "delivery-guarantee"
    summary = "the delivery guarantee needed is stronger than the broker gives"
    severity = Severity.ERROR
    requirement = "delivery"


class NoPriority(_BrokerFitRule):
    """A flow needs `priority N` but its broker has no priorities, or fewer than N levels.

    Why: without broker priorities, urgent messages wait behind the backlog. Kafka,
    Pulsar, SQS and NATS have none; RabbitMQ quorum queues have none before 4.0, two
    relative levels in 4.0-4.2 and 32 strict levels from 4.3. Priorities that exist with
    restrictions (off by default, not strict, only with prefetch 1), or more levels than the
    default that a setting gives (Celery on Redis: `priority_steps`), are an info caveat
    quoting the profile's note or naming the setting.

    Fails:

        broker events : kafka
        flow api -> worker : Job { via events  priority 3 }

    Passes:

        broker bus : rabbitmq
        flow api -> worker : Job { via bus  priority 3 }
    """

    code = "B203"
    name = "no-priority"
    summary = "`priority N` but the broker has no priority, or fewer levels than N"
    severity = Severity.ERROR
    requirement = "priority"


class NoTtl(_BrokerFitRule):
    """A flow needs `ttl` but its broker has no per-message expiry.

    Why: a message that must not be acted on after its deadline has to be dropped by
    the broker, or every consumer must check timestamps. When the broker has no
    per-message expiry but has a queue-wide one (SQS retention, Pulsar topic TTL), the
    finding is an info caveat: every message of a flow has the same `ttl`, so a queue
    used by this flow alone does the job. Kafka's topic retention (`retention.ms`) is such
    an expiry too, only approximate (it deletes whole segments, so consumers may still read
    older messages): also a caveat, that says consumers should check timestamps as well.

    Fails:

        broker jobs : redis-list
        flow pricing -> shop : PriceUpdate { via jobs  ttl 30s }

    Passes:

        broker bus : rabbitmq
        flow pricing -> shop : PriceUpdate { via bus  ttl 30s }
    """

    code = "B204"
    name = "no-ttl"
    summary = "`ttl` but the broker has no per-message expiry"
    severity = Severity.ERROR
    requirement = "ttl"


class NoDelay(_BrokerFitRule):
    """A flow needs `delay` but its broker has no delayed delivery, or only a shorter one.

    Why: scheduled delivery that the broker cannot do ends up held in consumer memory
    or redelivered early. SQS delays at most 15 minutes. Celery's ETA tasks are held
    unacknowledged in worker RAM and bounded by the transport's timeout (RabbitMQ's
    `consumer_timeout` before 4.3, the `visibility_timeout` on Redis and SQS): that is a
    configurable default, so a longer delay is an info caveat, "fits if you raise X to at
    least Y", unless the broker declares the setting (`consumer-timeout 2h`), which then
    decides. RabbitMQ has no core delayed delivery, only wait queues with a TTL and a
    dead-letter exchange, or the delayed-message plugin. Delays that work with
    restrictions are an info caveat.

    Fails:

        broker q : sqs
        flow billing -> dunning : Reminder { via q  delay 2h }

    Passes:

        broker q : sqs
        flow billing -> dunning : Reminder { via q  delay 10min }
    """

    code = "B205"
    name = "no-delay"
    summary = "`delay` but the broker has no delayed delivery (or only up to a shorter bound)"
    severity = Severity.ERROR
    requirement = "delay"


class NoDeadLetter(_BrokerFitRule):
    """A flow needs `dead-letter` but its broker has no dead-lettering.

    Why: a poison message that is redelivered forever blocks its queue; one that is
    dropped is lost. Without broker dead-lettering the consumer must park failing
    messages itself. Dead-lettering that the client library or application implements
    (Pulsar, Celery, a Postgres table) is an info caveat quoting the profile's note.

    Fails:

        broker events : kafka
        flow orders -> billing : ChargeCard { via events  dead-letter }

    Passes:

        broker bus : rabbitmq-quorum
        flow orders -> billing : ChargeCard { via bus  dead-letter }
    """

    code = "B206"
    name = "no-dead-letter"
    summary = "`dead-letter` but the broker has none"
    severity = Severity.WARNING
    requirement = "dead-letter"


class NoReplay(_BrokerFitRule):
    """A flow needs `replay` or `retention` but its broker deletes consumed messages.

    Why: queues delete a message once it is acknowledged, so a new subscriber or a
    rebuilt read model cannot start from the past. Logs (Kafka, Pulsar, RabbitMQ and
    Redis streams, JetStream) keep messages for a retention period. Limited replay
    (retroactive consumers, FIFO topic archives) is an info caveat for `replay` alone, but
    does not fit a `retention` duration: a broker that keeps a fixed number of recent
    messages (Artemis retroactive addresses), or what fits in memory, cannot promise that
    messages stay readable for a stated time.

    Fails:

        broker bus : rabbitmq
        flow orders -> analytics : OrderPlaced { via bus  replay }

    Passes:

        broker events : kafka
        flow orders -> analytics : OrderPlaced { via events  retention 7d  replay }
    """

    code = "B207"
    name = "no-replay"
    summary = "`replay` or `retention` but consumed messages are gone"
    severity = Severity.ERROR
    requirement = "replay"


class MessageTooLarge(_BrokerFitRule):
    """A message's largest size (the larger of `size` and `max-size`) exceeds its broker's
    maximum message size.

    Why: the broker rejects larger messages at publish time, usually in production and
    on the rare large message. The larger of the two sizes is checked, so a `max-size`
    written below `size` does not hide a large message. The limit is the broker's
    `max-message` when declared (bounded by the profile's hard limit), otherwise the
    profile's default, which is version-dependent (RabbitMQ: 128 MiB in 3.13, 16 MiB in
    4.x; Kafka: 1 MiB, the producer's `max.request.size`). What goes on the wire counts:
    Celery's transports base64-encode the message (about 1.33x on Redis, 1.78x on SQS), and
    Postgres pub/sub (NOTIFY) takes less than 8000 bytes. A message exactly at the limit
    fits; one within 5% of it, or a limit raised with strings attached (SNS above 256 KiB),
    is an info caveat.

    Fails:

        broker events : kafka
        message Report { max-size 5MB }
        flow reports -> archive : Report { via events }

    Passes:

        broker events : kafka { max-message 8MB }
        message Report { max-size 5MB }
        flow reports -> archive : Report { via events }
    """

    code = "B208"
    name = "message-too-large"
    summary = "the message's largest size (`size` or `max-size`, whichever is larger) exceeds the broker's maximum"
    severity = Severity.ERROR
    requirement = "max-size"


class OrderingAtRisk(_BrokerFitRule):
    """A flow is `ordered` but its broker cannot keep that order for this flow.

    Why: with competing consumers (a consumer component with `instances` above 1), two
    messages can be processed at the same time and finish out of order. Order per key
    survives when the broker partitions by key (Kafka and Pulsar partitions, SQS FIFO
    and JMS message groups); a single active consumer keeps order only by letting one
    instance work at a time, so it does not count as keeping order *with* competing
    consumers. Total order survives competing instances only on a single partition
    (`partitions 1`). A broker without ordering fails even with one instance; ordering
    the profile calls partial is an info caveat.

    Fails:

        broker bus : rabbitmq
        component billing { instances 3 }
        flow orders -> billing : OrderEvent { via bus  ordered by order_id }

    Passes:

        broker events : kafka
        component billing { instances 3 }
        flow orders -> billing : OrderEvent { via events  partitions 12  ordered by order_id }
    """

    code = "B209"
    name = "ordering-at-risk"
    summary = "`ordered` but the broker cannot keep that order for this flow"
    severity = Severity.WARNING
    requirement = "ordering"


class NoRouting(_BrokerFitRule):
    """A flow needs a `routing` style its broker cannot do.

    Why: topic wildcards, header matching and content selectors decide which consumers
    get which messages; without them in the broker, the producer or every consumer must
    do the filtering. Partial support is a caveat, not an error: Kafka can subscribe to
    topics by regular expression (so one topic per subject gives wildcard-like
    subscriptions, but nothing routes within a topic), and JMS selectors see properties,
    not the body. The info finding quotes the restriction so the reader can judge.

    Fails:

        broker q : sqs
        flow shop -> alerts : StockAlert { via q  routing topic }

    Passes:

        broker bus : rabbitmq
        flow shop -> alerts : StockAlert { via bus  routing topic }
    """

    code = "B210"
    name = "no-routing"
    summary = "`routing` style the broker cannot do"
    severity = Severity.ERROR
    requirement = "routing"


class LatencyClass(_BrokerFitRule):
    """A flow's `latency` budget is below what its broker typically achieves.

    Why: the broker's own latency class (the profile's p50, an estimate) is a floor no
    tuning of consumers removes: a sub-millisecond budget on a broker that persists to
    disk cannot be met. A request-reply flow crosses the broker twice, so its budget is
    compared with twice the figures. A budget above the median but below the profile's
    p99 is an info caveat: most messages make it, the slow tail does not. L401 adds
    queueing and downstream waits to the estimate.

    Fails:

        broker events : kafka
        flow ticks -> pricer : Quote { via events  latency 500us }

    Passes:

        broker md : zeromq
        flow ticks -> pricer : Quote { via md  latency 500us }
    """

    code = "B211"
    name = "latency-class"
    summary = "`latency` budget below what the broker typically achieves"
    severity = Severity.WARNING
    requirement = "latency"


class DurableSubscription(_BrokerFitRule):
    """A pub/sub flow needs `durable` or at-least-once delivery, but a subscriber that is
    disconnected misses messages on its broker.

    Why: on Redis Pub/Sub, core NATS, ZeroMQ or TIBCO RV, a message reaches only the
    subscribers connected at that moment: a subscriber that restarts loses what was
    published meanwhile, whatever the publisher did. Durable subscriptions (a queue per
    subscriber, or a log with consumer offsets) keep it. Durable subscriptions with
    limits (MQTT persistent sessions capped by a queue length; SNS only through an SQS
    subscription) are an info caveat.

    Fails:

        broker cache : redis-pubsub
        flow orders -> billing, audit : OrderPlaced { via cache  pattern pubsub  delivery at-least-once }

    Passes:

        broker events : kafka
        flow orders -> billing, audit : OrderPlaced { via events  pattern pubsub  delivery at-least-once }
    """

    code = "B212"
    name = "durable-subscription"
    summary = "pubsub with `durable` or at-least-once on a broker where a disconnected subscriber misses messages"
    severity = Severity.ERROR
    requirement = "durable-subscription"


# -- declarations that cannot work as written -------------------------------------------------

def _replicated_kinds(profile) -> tuple[str, ...]:
    """Deployable built-in kinds of the same product family that do replicate."""
    family = fit._family(profile.id)
    return tuple(other.id for other in fit.deployable_profiles()
                 if other.id != profile.id and fit._family(other.id) == family
                 and other.fact("replicated").support == "yes")


class BrokerSizing(Rule):
    """A broker's `nodes` and `replication` cannot work as declared.

    Why: each copy of a message (or of a partition) must live on a different node, so
    `replication 5` on 3 nodes cannot be placed: Kafka refuses to create the topic, and
    other brokers keep fewer copies than the file promises. A broker without `nodes` counts
    as one node. `replication` above 1 on a broker whose profile says it does not replicate
    (RabbitMQ classic queues in 4.x, MQTT, ZeroMQ) promises copies that never exist: the
    finding cites the profile fact and names a kind of the same family that replicates.
    Both are warnings. And `nodes` on a brokerless kind (ZeroMQ, TIBCO RV) is ignored, since
    there is no broker to size: an info finding says so. Managed services without declared
    `nodes` are not counted (the provider places the copies).

    Fails:

        broker events : kafka { nodes 3  replication 5 }

    Passes:

        broker events : kafka { nodes 5  replication 3 }
    """

    code = "B213"
    name = "broker-sizing"
    summary = "`replication` above `nodes` or on a broker that does not replicate; `nodes` on a brokerless kind"
    severity = Severity.WARNING

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for name in sorted(ctx.model.brokers):
            broker = ctx.model.brokers[name]
            profile = ctx.profile(name)
            kind_model = profile.model if profile is not None else None
            where = f"broker '{name}' ({broker.kind})"
            if kind_model == "brokerless" and broker.nodes is not None:
                yield Finding(
                    broker,
                    f"{where} is brokerless (the {profile.id} profile's model: brokerless): `nodes "
                    f"{broker.nodes}` is ignored, there are no broker nodes to size; messages go straight "
                    "from producers to consumers",
                    hint="drop `nodes`; size the producing and consuming components instead "
                         "(`instances`, `capacity`)",
                    prop="nodes", severity=Severity.INFO)
            replication = broker.replication
            if replication is None or replication <= 1:
                continue
            fact = None
            if profile is not None:
                try:
                    fact = profile.fact("replicated")
                except KeyError:
                    fact = None
            if fact is not None and fact.support == "no":
                kinds = _replicated_kinds(profile)
                hint = (f"use a kind that replicates ({', '.join(kinds)}) or drop `replication`" if kinds else
                        "use a broker kind that replicates, or drop `replication` and plan for losing "
                        "what a failed node holds")
                yield Finding(
                    broker,
                    f"{where} declares `replication {replication}`, but it does not replicate messages: "
                    f"{fact.note + ' ' if fact.note else ''}[{fact.cite()}]",
                    hint=hint, prop="replication")
                continue
            if kind_model == "brokerless":
                continue  # nodes are ignored, so there is nothing to compare with
            if kind_model == "managed-service" and broker.nodes is None:
                continue  # the provider places the copies; the user declares no nodes
            nodes = broker.nodes or 1
            if replication <= nodes:
                continue
            declared = f"{nodes} node{'s' if nodes != 1 else ''}" + (
                "" if broker.nodes is not None else " (no `nodes` declared: one assumed)")
            related = ()
            if "nodes" in broker.prop_spans:
                related = (Related(broker.prop_spans["nodes"], f"broker '{name}' declares nodes {nodes} here"),)
            yield Finding(
                broker,
                f"{where} declares `replication {replication}` on {declared}: each copy needs a node of its "
                f"own, so at most {nodes} cop{'y' if nodes == 1 else 'ies'} can be placed",
                hint=f"declare `nodes {replication}` or more, or lower `replication` to {nodes}",
                prop="replication", related=related)


class TtlBeforeDelay(Rule):
    """A flow's `ttl` is no longer than its `delay`: every message expires before it is due.

    Why: a delayed message becomes deliverable only when its delay has passed, while its
    expiry runs from the moment it is sent (JMS 2.0 computes the expiration as the send
    time plus the time-to-live, whatever the delivery delay). With `ttl` at or below the
    delay, every message expires before (or just as) it can be delivered, so the flow
    delivers nothing. Only a `delay` with a duration can be compared.

    Fails:

        flow billing -> dunning : Reminder { ttl 10min  delay 1h }

    Passes:

        flow billing -> dunning : Reminder { ttl 2h  delay 1h }
    """

    code = "B214"
    name = "ttl-before-delay"
    summary = "`ttl` no longer than `delay`: every message expires before it is delivered"
    severity = Severity.WARNING

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for flow in ctx.model.flows:
            ttl, delay = flow.ttl, flow.delay_max
            if ttl is None or delay is None or ttl > delay:
                continue
            relation, outcome = (("shorter than", "every message expires before it is delivered") if ttl < delay
                                 else ("equal to", "every message expires just as it becomes due"))
            related = ()
            if "delay" in flow.prop_spans:
                related = (Related(flow.span_of("delay"), f"flow {flow.id} declares its delay here"),)
            yield Finding(
                flow,
                f"flow {flow.id} has a ttl of {human_seconds(ttl)}, {relation} its delay of "
                f"{human_seconds(delay)}: {outcome}",
                hint="make `ttl` longer than the delay plus the time a consumer may take (the expiry "
                     "counts from the send), or drop `ttl`",
                prop="ttl", related=related)
