"""D rules: the delivery chain from publisher to processed message, as it is configured.

A v1 flow says what a consumer needs; a channel model also says how the chain is set
up: how the publisher sends (confirms, persistence, `acks`), what the channels keep
(durability, overflow, trimming), how the consumer acknowledges and what it does on a
failure, and which timers redeliver. Every setting is read as written or, when it is
not written, from the broker profile's default for that channel type and version (the
finding then says the verdict rests on a default the file does not state). Each
finding cites the profile fact: `[PROFILE profile, PATH: VALUE (vendor name); source]`.

Settings the profile does not list for a kind are not judged (msgarch never guesses).
"""

from __future__ import annotations

import re

from dataclasses import dataclass
from typing import Any, Iterator

from msgarch.brokers.profiles import human_seconds
from msgarch.diagnostics import Related, Severity, Span
from msgarch.lint.rule import Finding, LintContext, Rule
from msgarch.model.model import Channel, Endpoint, Flow

_WEAK_ACKS = {"auto": "acknowledged on delivery (auto-ack)", "before-processing": "acknowledged before processing",
              "none": "never acknowledged (ack none)"}


@dataclass(frozen=True)
class Setting:
    """One setting of one declaration: its value, whether the file wrote it, and the fact."""

    name: str
    value: Any
    written: bool
    span: Span | None
    profile: str
    path: str
    vendor: str
    source: str
    means: str
    shape: str = ""

    def cite(self) -> str:
        shown = (human_seconds(float(self.value)) if self.shape == "duration" and isinstance(self.value, (int, float))
                 else _show(self.value))
        where = f"{self.profile} profile, {self.path}: {shown} ({self.vendor})"
        if self.source:
            where += f"; source: {self.source}"
        return f"[{where}]"

    @property
    def origin(self) -> str:
        return "as written" if self.written else "the default: the file does not set it"


def _show(value: Any) -> str:
    if hasattr(value, "action"):  # OnError
        if value.action != "retry":
            return value.action
        return f"retry {value.retries}" + (f" then {value.then}" if value.then else "")
    if isinstance(value, bool):
        return "on" if value else "off"
    if value is None:
        return "unset"
    return str(value)


def _profile_of_channel(ctx: LintContext, channel: Channel):
    """The profile that knows this channel type's defaults (a quorum queue: rabbitmq-quorum)."""
    derivation = ctx.model.derivation
    info = derivation.info.get(channel.name) if derivation is not None else None
    base = ctx.profile(channel.broker)
    kind = info.profile_kind if info is not None else None
    if base is None or kind is None or kind == base.id:
        return base
    key = f"profile:{channel.broker}:{kind}"
    if key not in ctx._cache:
        from msgarch import brokers

        try:
            ctx._cache[key] = brokers.load_builtin(kind, ctx.model.brokers[channel.broker].version)
        except KeyError:
            ctx._cache[key] = base
    return ctx._cache[key]


def _lookup(profile, section: tuple[str, ...], name: str) -> tuple[dict | None, str]:
    data: Any = getattr(profile, "data", None) or {}
    for part in section:
        data = data.get(part) if isinstance(data, dict) else None
        if data is None:
            return None, ""
    entry = data.get(name) if isinstance(data, dict) else None
    return entry, ".".join((*section, name))


def _setting(profile, section: tuple[str, ...], name: str, written: dict, spans) -> Setting | None:
    """The setting as written, else its profile default; None when the profile does not list it."""
    if profile is None:
        return None
    entry, path = _lookup(profile, section, name)
    if entry is None:
        return None
    is_written = name in written
    value = written[name] if is_written else entry.get("default")
    return Setting(name, value, is_written, spans.get(name) if is_written else None, profile.id, path,
                   entry.get("vendor", name), entry.get("source", ""), entry.get("means", ""),
                   entry.get("value", ""))


def channel_setting(ctx: LintContext, channel: Channel, name: str) -> Setting | None:
    return _setting(_profile_of_channel(ctx, channel), ("channels", channel.type, "settings"), name,
                    channel.settings, channel.prop_spans)


def endpoint_setting(ctx: LintContext, endpoint: Endpoint, name: str) -> Setting | None:
    channel = ctx.model.channels.get(endpoint.channel)
    if channel is None:
        return None
    return _setting(_profile_of_channel(ctx, channel), ("endpoints", endpoint.role), name,
                    endpoint.settings, endpoint.prop_spans)


def broker_setting(ctx: LintContext, channel: Channel, name: str) -> Setting | None:
    broker = ctx.model.brokers.get(channel.broker)
    if broker is None:
        return None
    return _setting(_profile_of_channel(ctx, channel), ("broker-settings",), name, broker.settings, broker.prop_spans)


_ENDPOINT_ID = re.compile(r"^(?P<who>\S+) (?P<verb>publishes|consumes) (?P<message>\S+) (?P<where>to|from) "
                          r"(?P<channel>\S+)(?P<rest>.*)$", re.S)


def merge_endpoint_ids(texts: list[str], most: int | None = None) -> str:
    """Texts that start with an endpoint id and differ only in its message type, merged:
    ["w consumes A from q", "w consumes B from q"] -> "w consumes A, B from q"; texts that
    differ otherwise are joined with "and"."""
    groups: dict[tuple, list[str]] = {}
    loose: list[str] = []
    for text in texts:
        m = _ENDPOINT_ID.match(text)
        if m is None:
            loose.append(text)
            continue
        key = (m["who"], m["verb"], m["where"], m["channel"], m["rest"])
        names = groups.setdefault(key, [])
        if m["message"] not in names:
            names.append(m["message"])
    parts = [f"{who} {verb} {', '.join(names)} {where} {channel}{rest}"
             for (who, verb, where, channel, rest), names in groups.items()]
    parts += [t for t in loose if t not in parts]
    if most is not None and len(parts) > most:
        return ", ".join(parts[:most - 1]) + f" and {len(parts) - most + 1} more (the related locations)"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _needs_every_message(consume: Endpoint) -> bool:
    return consume.needs.delivery in ("at-least-once", "exactly-once") or bool(consume.needs.durable)


def _need_words(consume: Endpoint) -> str:
    if consume.needs.delivery in ("at-least-once", "exactly-once"):
        return f"`delivery {consume.needs.delivery}`"
    return "`durable`"


def _paths(ctx: LintContext, consume: Endpoint) -> list[tuple[Flow, Endpoint]]:
    """The derived flows into this consume, each with the publish that made it."""
    def index():
        # keyed by span and message type: one publish line of several types is several endpoints
        publishes = {(p.span, p.message): p for p in ctx.model.publishes}
        by_place: dict[tuple[str, str], list[tuple[Flow, Endpoint]]] = {}
        for flow in ctx.model.flows:
            publish = publishes.get((flow.span, flow.message)) if flow.derived else None
            if publish is not None:
                by_place.setdefault((flow.channel, flow.message), []).append((flow, publish))
        return by_place

    candidates = ctx.cached("delivery:paths", index).get((consume.channel, consume.message), ())
    return [(flow, publish) for flow, publish in candidates if consume.component in flow.consumers]


class DeliveryChainBroken(Rule):
    """A consume needs every message (`delivery at-least-once` or `durable`) and a link of
    the chain that brings them loses some.

    Why: at-least-once holds only if every link holds it: the publisher waits for the
    broker's confirmation (publisher confirms, Kafka `acks all` with `min-insync-replicas`
    above 1), the message is persistent on durable, non-exclusive, non-auto-delete
    channels, no overflow policy drops it, and the consumer acknowledges only after it
    has processed the message and does not drop it on an error. One finding per broken
    link, at the setting (or at the declaration that lacks it), citing the profile fact
    and saying when the verdict rests on a default the file does not write.

    Fails:

        broker bus : rabbitmq
        channel jobs on bus : queue
        message Job
        component web    { publishes Job to jobs }
        component worker { consumes Job from jobs { ack auto  delivery at-least-once } }

    Passes:

        broker bus : rabbitmq
        channel jobs on bus : queue { durable }
        message Job
        component web    { publishes Job to jobs { confirms  persistent } }
        component worker { consumes Job from jobs { ack after-processing  delivery at-least-once } }
    """

    code = "D601"
    name = "delivery-chain-broken"
    summary = "a consume needs at-least-once or durable and a link of the chain breaks it"
    severity = Severity.ERROR

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        # one finding per break (its key), naming every consume it breaks: the message types
        # of one declaration (`consumes A, B from q`) together, as `worker consumes A, B from q`
        reported: dict[tuple, list] = {}
        for consume in ctx.model.consumes:
            if not _needs_every_message(consume) or consume.channel not in ctx.model.channels:
                continue
            for anchor, setting, what, key in self._breaks(ctx, consume):
                entry = reported.setdefault(key, [anchor, setting, [], []])
                if consume not in entry[2]:
                    entry[2].append(consume)
                if what not in entry[3]:
                    entry[3].append(what)
        for anchor, setting, consumes, whats in reported.values():
            needs = _need_words(consumes[0])
            if any(_need_words(c) != needs for c in consumes):
                needs = "`delivery at-least-once` or `durable`"
            who = merge_endpoint_ids([c.id for c in consumes], most=3)
            what = merge_endpoint_ids(whats) if len(whats) > 1 else whats[0]
            origin = "" if setting is None else f" ({setting.origin})"
            cite = "" if setting is None else f" {setting.cite()}"
            verb = "need" if " and " in who else "needs"  # several consumes, or one of several types
            yield Finding(anchor, f"{who} {verb} {needs}, but {what}{origin}{cite}",
                          hint=self._hint(setting, what),
                          span=setting.span if setting is not None and setting.span is not None else None,
                          related=tuple(dict.fromkeys(Related(c.span, f"{c.id}: the need") for c in consumes)))

    @staticmethod
    def _hint(setting: Setting | None, what: str) -> str:
        if setting is None:
            return "fix the link named in the message"
        fixes = {
            "durable": "declare the channel `durable`",
            "exclusive": "drop `exclusive`: an exclusive queue is deleted with its connection",
            "auto-delete": "drop `auto-delete`",
            "persistent": "publish with `persistent` (delivery mode 2)",
            "confirms": "enable publisher confirms (`confirms`) and republish what is not confirmed",
            "acks": "set `acks all` on the producer",
            "min-insync-replicas": "set `min-insync-replicas 2` (or more) on the topic, with replication 3",
            "replication": "replicate the topic (`replication 3` with `min-insync-replicas 2`) on three brokers",
            "ack": "acknowledge after processing (`ack after-processing`)",
            "on-error": "dead-letter or retry failed messages instead of dropping them",
            "overflow": "use `overflow reject-publish` with publisher confirms, or raise `max-length`",
            "trim": "trim only acknowledged entries (`trim acked`, Redis 8.2), or drop `maxlen`",
            "maxlen": "trim only acknowledged entries (`trim acked`, Redis 8.2), or drop `maxlen`",
        }
        return fixes.get(setting.name, "fix the setting named in the message")

    def _breaks(self, ctx: LintContext, consume: Endpoint):
        model = ctx.model
        paths = _paths(ctx, consume)
        for flow, _ in paths:
            profile = ctx.flow_profile(flow)
            if profile is not None and profile.delivery == "at-most-once":
                return  # the channel itself cannot redeliver: B202 reports that, once
        for flow, publish in paths:
            for name in flow.path:
                channel = model.channels[name]
                durable = channel_setting(ctx, channel, "durable")
                if durable is not None and durable.value is False:
                    info = model.derivation.info.get(name) if model.derivation is not None else None
                    lost = ("it and its bindings are gone after a broker restart: publishes to it fail, or, "
                            "once it is declared again, reach no queue until every binding is redeclared"
                            if info is not None and info.delivery == "route"
                            else "it and its messages are gone after a broker restart")
                    yield (channel, durable, f"{channel.type} '{name}' is not durable: {lost}", (name, "durable"))
                for flag in ("exclusive", "auto-delete"):
                    setting = channel_setting(ctx, channel, flag)
                    if setting is not None and setting.value is True:
                        yield (channel, setting, f"{channel.type} '{name}' is {flag}: it is deleted with "
                                                 "its connection or last consumer, messages included", (name, flag))
                overflow = channel_setting(ctx, channel, "overflow")
                if overflow is not None and "max-length" in channel.settings and overflow.value == "drop-head":
                    yield (channel, overflow, f"{channel.type} '{name}' drops its oldest messages when it "
                                              "reaches max-length (overflow drop-head)", (name, "overflow"))
                maxlen = channel_setting(ctx, channel, "maxlen")
                trim = channel_setting(ctx, channel, "trim")
                if maxlen is not None and maxlen.value and (trim is None or trim.value != "acked"):
                    yield (channel, maxlen, f"{channel.type} '{name}' is trimmed to maxlen {maxlen.value} "
                                            "whether or not its entries were delivered or acknowledged",
                           (name, "maxlen"))
                if channel.type == "topic":
                    acks = endpoint_setting(ctx, publish, "acks")
                    isr = channel_setting(ctx, channel, "min-insync-replicas")
                    if acks is not None and str(acks.value) not in ("all", "-1"):
                        yield (publish, acks, f"{publish.id} uses acks {acks.value}: the leader alone (or "
                                              "nobody) confirms, so a leader failure loses messages",
                               (publish.span, "acks"))
                    elif isr is not None and isr.value is not None and int(isr.value) < 2:
                        replication = channel_setting(ctx, channel, "replication")
                        factor = replication.value if replication is not None else None
                        if factor == 1:
                            yield (channel, replication, f"topic '{name}' has a single replica (replication 1): "
                                                         "losing that broker's disk loses its messages, acks all "
                                                         "or not", (name, "replication"))
                        else:
                            yield (channel, isr, f"topic '{name}' has min-insync-replicas {isr.value}"
                                                 f"{f' with replication {factor}' if factor else ''}: acks all "
                                                 "is then confirmed by one replica, and losing it loses messages",
                                   (name, "min-insync-replicas"))
            for name in ("persistent", "confirms"):
                setting = endpoint_setting(ctx, publish, name)
                if setting is not None and setting.value is False:
                    what = ("messages are published transient (not persistent): a broker restart loses them"
                            if name == "persistent" else
                            f"{publish.id} has no publisher confirms: a message lost on the way to the broker "
                            "is never known, so never resent")
                    if name == "persistent":
                        what = f"{publish.id}: {what}"
                    yield (publish, setting, what, (publish.span, name))
        ack = endpoint_setting(ctx, consume, "ack")
        if ack is not None and ack.value in _WEAK_ACKS:
            yield (consume, ack, f"its messages are {_WEAK_ACKS[ack.value]}: a crash during processing "
                                 "loses the message", (consume.span, "ack"))
        # a handler that fails was delivered and ran: only an explicit `on-error drop` is judged
        # (Celery's default acks a failed task, and that is the framework's documented choice)
        on_error = endpoint_setting(ctx, consume, "on-error")
        if on_error is not None and on_error.written and on_error.value is not None:
            action = on_error.value if isinstance(on_error.value, str) else (
                on_error.value.then or on_error.value.action)
            if action == "drop":
                yield (consume, on_error, "a message whose handler fails is dropped (on-error drop)",
                       (consume.span, "on-error"))


class RequeueLoop(Rule):
    """`on-error requeue` on a channel without a delivery limit: one poison message is
    redelivered forever.

    Why: a message that always fails goes back to the head of the queue and is delivered
    again, at full speed, and holds up the messages behind it. Classic queues have no
    limit; quorum queues default to 20 deliveries from RabbitMQ 4.0; SQS needs a redrive
    policy (`max-receive-count`), JetStream `max-deliver`. Read from the profile per
    channel type and version.

    Fails:

        broker bus : rabbitmq
        channel jobs on bus : queue { durable }
        message Job
        component web    { publishes Job to jobs }
        component worker { consumes Job from jobs { on-error requeue } }

    Passes:

        broker bus : rabbitmq
        channel jobs on bus : queue { type quorum  dead-letter parked  delivery-limit 5 }
        channel parked on bus : queue { type quorum }
        message Job
        component web    { publishes Job to jobs }
        component worker { consumes Job from jobs { on-error requeue } }
        component triage { consumes Job from parked }
    """

    code = "D602"
    name = "requeue-loop"
    summary = "`on-error requeue` with no delivery limit on the channel"
    severity = Severity.ERROR

    LIMITS = (("channels", "delivery-limit"), ("channels", "max-receive-count"), ("consume", "max-deliver"))

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for consume in ctx.model.consumes:
            on_error = consume.settings.get("on-error")
            if on_error is None:
                continue
            action = on_error.action if on_error.action != "retry" else on_error.then
            if action != "requeue":
                continue
            channel = ctx.model.channels.get(consume.channel)
            if channel is None:
                continue
            limits = [channel_setting(ctx, channel, name) if where == "channels" else
                      endpoint_setting(ctx, consume, name) for where, name in self.LIMITS]
            known = [s for s in limits if s is not None]
            if not known:
                continue  # the profile names no limit for this kind: not judged
            if any(s.value for s in known):
                continue
            cites = "; ".join(f"{s.vendor}: {_show(s.value)} ({s.origin}) {s.cite()}" for s in known)
            yield Finding(consume, f"{consume.id} requeues failed messages, and {channel.type} '{channel.name}' "
                                   f"has no delivery limit ({cites}): a message that always fails is "
                                   "redelivered forever", prop="on-error",
                          hint=f"set `{known[0].name} N` on the channel (with a `dead-letter` target), or "
                               "retry a bounded number of times and then dead-letter")


class DeadLetterUnread(Rule):
    """A dead-letter target no component consumes, or `on-error dead-letter` on a channel
    with no dead-letter target.

    Why: dead-lettering keeps a failed message for someone to look at; a dead-letter queue
    nobody reads fills up silently, and `on-error dead-letter` without a target discards
    the message (RabbitMQ drops a rejected message when the queue has no dead-letter
    exchange).

    Fails:

        broker bus : rabbitmq
        channel jobs on bus : queue { durable  dead-letter parked }
        channel parked on bus : queue { durable }
        message Job
        component web    { publishes Job to jobs }
        component worker { consumes Job from jobs }

    Passes:

        broker bus : rabbitmq
        channel jobs on bus : queue { durable  dead-letter parked }
        channel parked on bus : queue { durable }
        message Job
        component web    { publishes Job to jobs }
        component worker { consumes Job from jobs }
        component triage { consumes Job from parked }
    """

    code = "D603"
    name = "dead-letter-unread"
    summary = "a dead-letter target no component consumes, or dead-lettering with no target"
    severity = Severity.WARNING

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        model = ctx.model
        read = {c.channel for c in model.consumes} | {r.source for r in model.routes if not r.dead_letter}
        for route in model.routes:
            if route.dead_letter and route.target in model.channels and route.target not in read:
                yield Finding(route.span, f"'{route.source}' dead-letters into '{route.target}', which no component "
                                          "consumes: failed messages pile up there unseen",
                              hint=f"add a consumer (`consumes MESSAGE from {route.target}`) that alerts, parks or "
                                   "replays them", span=route.span)
        for consume in model.consumes:
            on_error = consume.settings.get("on-error")
            channel = model.channels.get(consume.channel)
            if on_error is None or channel is None:
                continue
            action = on_error.action if on_error.action != "retry" else on_error.then
            target = channel_setting(ctx, channel, "dead-letter")
            if action == "dead-letter" and target is not None and target.value is None:
                yield Finding(consume, f"{consume.id} dead-letters failed messages, but {channel.type} "
                                       f"'{channel.name}' has no dead-letter target ({target.vendor} unset) "
                                       f"{target.cite()}: they are discarded", prop="on-error",
                              hint=f"declare `dead-letter QUEUE` on '{channel.name}' and consume from it")


class RedeliveryTimer(Rule):
    """A handler's longest run reaches the timer after which the broker gives its message
    to another consumer.

    Why: SQS and Celery on Redis or SQS make a message visible again after the visibility
    timeout, JetStream redelivers after `ack-wait`, Kafka rebalances a consumer that does
    not poll within `max.poll.interval.ms`, and RabbitMQ closes the channel (or, on 4.3
    quorum queues, returns the message) after `consumer_timeout`. A handler still running
    then is run a second time elsewhere. Celery ETA/countdown tasks scheduled further
    ahead than the visibility timeout are delivered again too. Timers are read as written
    or from the profile's default for the channel type and version.

    Fails:

        broker tasks : celery-redis { visibility-timeout 1h }
        channel builds on tasks : queue
        message BuildDocs
        component web { publishes BuildDocs to builds }
        component builder {
          consumes BuildDocs from builds { ack after-processing  processing 5min max 2h }
        }

    Passes:

        broker tasks : celery-redis { visibility-timeout 3h }
        channel builds on tasks : queue
        message BuildDocs
        component web { publishes BuildDocs to builds }
        component builder {
          consumes BuildDocs from builds { ack after-processing  processing 5min max 2h }
        }
    """

    code = "D604"
    name = "redelivery-timer"
    summary = "`processing max` reaches the visibility timeout / consumer-timeout / ack-wait / max-poll-interval"
    severity = Severity.ERROR

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        model = ctx.model
        for consume in model.consumes:
            channel = model.channels.get(consume.channel)
            processing = consume.settings.get("processing")
            if channel is None or processing is None:
                continue
            longest = processing[1] if processing[1] is not None else processing[0]
            for timer in self._timers(ctx, consume, channel):
                if timer.value is None or not isinstance(timer.value, (int, float)) or longest < timer.value:
                    continue
                yield Finding(consume, f"{consume.id} runs up to {human_seconds(longest)}, which reaches the "
                                       f"{timer.vendor} of {human_seconds(float(timer.value))} ({timer.origin}) "
                                       f"{timer.cite()}: a message still being processed then is delivered "
                                       "again and processed twice", prop="processing",
                              hint=f"raise {timer.vendor} above the longest run (with a margin), or make the "
                                   "handler shorter or extend its lease while it runs")
        for publish in model.publishes:
            channel = model.channels.get(publish.channel)
            delay = publish.needs.delay_max
            if channel is None or delay is None:
                continue
            timer = broker_setting(ctx, channel, "visibility-timeout")
            if timer is not None and isinstance(timer.value, (int, float)) and delay >= timer.value:
                yield Finding(publish, f"{publish.id} is delayed up to {human_seconds(delay)}, beyond the "
                                       f"{timer.vendor} of {human_seconds(float(timer.value))} ({timer.origin}) "
                                       f"{timer.cite()}: an ETA/countdown task is held unacknowledged and is "
                                       "delivered again, so it runs twice", prop="delay",
                              hint=f"raise {timer.vendor} above the longest delay, or schedule far-off work "
                                   "elsewhere (a database table polled by a scheduler)")

    @staticmethod
    def _timers(ctx: LintContext, consume: Endpoint, channel: Channel) -> list[Setting]:
        found = [channel_setting(ctx, channel, "visibility-timeout"),
                 broker_setting(ctx, channel, "visibility-timeout"),
                 endpoint_setting(ctx, consume, "ack-wait"),
                 endpoint_setting(ctx, consume, "max-poll-interval"),
                 broker_setting(ctx, channel, "consumer-timeout")]
        timers = [t for t in found if t is not None]
        # a visibility timeout written on the channel wins over the broker's
        if timers and timers[0].path.startswith("channels") and len(timers) > 1 and \
                timers[1].name == "visibility-timeout" and timers[0].written:
            timers.pop(1)
        return timers


class LateStartLoses(Rule):
    """A consume that needs every message on a group that starts at the newest one.

    Why: a Kafka consumer group without committed offsets starts at `latest` by default
    (`auto.offset.reset`), and a JetStream consumer with `deliver-policy new` starts at
    the next message: whatever was published before the group first joined (or after its
    offsets expired) is skipped for good.

    Fails:

        broker log : kafka
        channel payments on log : topic
        message Payment
        component checkout { publishes Payment to payments }
        component ledger   { consumes Payment from payments { group ledger  delivery at-least-once } }

    Passes:

        broker log : kafka
        channel payments on log : topic
        message Payment
        component checkout { publishes Payment to payments }
        component ledger {
          consumes Payment from payments { group ledger  offset-reset earliest  delivery at-least-once }
        }
    """

    code = "D605"
    name = "late-start-loses"
    summary = "a consume that needs every message starts at `latest` / `deliver-policy new`"
    severity = Severity.WARNING

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for consume in ctx.model.consumes:
            if not _needs_every_message(consume):
                continue
            for name, late in (("offset-reset", ("latest",)), ("deliver-policy", ("new",))):
                setting = endpoint_setting(ctx, consume, name)
                if setting is not None and setting.value in late:
                    yield Finding(consume, f"{consume.id} needs {_need_words(consume)}, but it starts at "
                                           f"{setting.vendor} {setting.value} ({setting.origin}) {setting.cite()}: "
                                           "messages published before the group first joined, or after its "
                                           "offsets expired, are skipped",
                                  prop=name if setting.written else None,
                                  hint=f"set `{name} {'earliest' if name == 'offset-reset' else 'all'}`")


class IdleCompetitors(Rule):
    """Several instances on a single active consumer, or on an exclusive queue.

    Why: with single active consumer one instance receives everything and the others stand
    by (that keeps order, and failover is the point, so this is information); on an
    exclusive queue the other instances are refused (RESOURCE_LOCKED) and the queue is
    deleted with its connection, which is a design error.

    Fails:

        broker bus : rabbitmq
        channel ledger on bus : queue { durable  single-active-consumer }
        message Entry
        component src  { publishes Entry to ledger }
        component book { instances 3  consumes Entry from ledger }

    Passes:

        broker bus : rabbitmq
        channel ledger on bus : queue { durable  single-active-consumer }
        message Entry
        component src  { publishes Entry to ledger }
        component book { consumes Entry from ledger }
    """

    code = "D606"
    name = "idle-competitors"
    summary = "several instances on a single active consumer (info) or an exclusive queue (warning)"
    severity = Severity.INFO

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        model = ctx.model
        for consume in model.consumes:
            channel = model.channels.get(consume.channel)
            component = model.components.get(consume.component)
            if channel is None or component is None or component.instances < 2:
                continue
            if channel.settings.get("exclusive") or consume.settings.get("exclusive"):
                yield Finding(consume, f"'{component.name}' runs {component.instances} instances on exclusive "
                                       f"{channel.type} '{channel.name}': only one connection may use it, the "
                                       "others are refused (RESOURCE_LOCKED)", severity=Severity.WARNING,
                              hint="drop `exclusive`, or run one instance")
            elif channel.settings.get("single-active-consumer") or consume.settings.get("single-active"):
                yield Finding(consume, f"'{component.name}' runs {component.instances} instances on a single "
                                       f"active consumer of '{channel.name}': one works, the other "
                                       f"{component.instances - 1} stand by (order is kept; capacity is one "
                                       "instance's)", hint="intended for ordering and failover; size one "
                                                            "instance for the whole load")


class OrderKeyMismatch(Rule):
    """`ordered by KEY` where the partitioning key is not KEY, or retries with backoff reorder.

    Why: Kafka keeps order per partition, and a record's partition comes from its key: a
    publish keyed by another field (or by none: spread over partitions) gives no order
    per KEY. Retrying a failed message later (`on-error retry N backoff ...`) lets the
    messages behind it overtake it.

    Fails:

        broker log : kafka
        channel payments on log : topic { partitions 12 }
        message Payment
        component checkout { publishes Payment to payments { key by customer_id } }
        component ledger   { consumes Payment from payments { ordered by order_id } }

    Passes:

        broker log : kafka
        channel payments on log : topic { partitions 12 }
        message Payment
        component checkout { publishes Payment to payments { key by order_id } }
        component ledger   { consumes Payment from payments { ordered by order_id } }
    """

    code = "D607"
    name = "order-key-mismatch"
    summary = "`ordered by KEY` where the publish key is not KEY, or retries with backoff reorder"
    severity = Severity.WARNING

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        model = ctx.model
        derivation = model.derivation
        for consume in model.consumes:
            if not consume.needs.ordered:
                continue
            on_error = consume.settings.get("on-error")
            if on_error is not None and on_error.action == "retry" and on_error.backoff is not None:
                yield Finding(consume, f"{consume.id} needs order, but it retries failed messages with a backoff: "
                                       "the messages behind a failed one are processed before it", prop="on-error",
                              hint="retry in place (block the key until it succeeds), or accept reordering")
            key = consume.needs.ordered_by
            info = derivation.info.get(consume.channel) if derivation is not None else None
            if key is None or info is None or not info.per_partition:
                continue
            for flow, publish in _paths(ctx, consume):
                if publish.key_by == key:
                    continue
                keyed = f"keyed by {publish.key_by}" if publish.key_by else "not keyed (spread over partitions)"
                yield Finding(publish, f"{consume.id} needs order by {key}, but {publish.id} is {keyed}: "
                                       f"messages of one {key} land on different partitions and are processed "
                                       "out of order", prop="key",
                              hint=f"publish with `key by {key}`",
                              related=(Related(consume.span, f"{consume.id}: ordered by {key}"),))


class UnboundedPrefetch(Rule):
    """A consumer whose prefetch is unlimited, or larger than it can process before its
    messages are redelivered.

    Why: with no prefetch limit (RabbitMQ's default: no `basic.qos`) the broker pushes the
    whole queue to the first consumer, which holds it in memory while the others idle; a
    prefetch larger than the handler processes within the redelivery timer leaves
    messages waiting in the client until the timer redelivers them. Judged where the
    consume states its `processing` time; the second case only for a prefetch the file
    writes (a default such as JetStream's `max_ack_pending` caps what is in flight).

    Fails:

        broker bus : rabbitmq
        channel jobs on bus : queue { durable }
        message Job
        component web    { publishes Job to jobs }
        component worker { instances 3  consumes Job from jobs { prefetch 0  processing 2s } }

    Passes:

        broker bus : rabbitmq
        channel jobs on bus : queue { durable }
        message Job
        component web    { publishes Job to jobs }
        component worker { instances 3  consumes Job from jobs { prefetch 10  processing 2s } }
    """

    code = "D608"
    name = "unbounded-prefetch"
    summary = "prefetch 0 (unlimited) or far above what the handler drains in its timeout"
    severity = Severity.WARNING

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        model = ctx.model
        for consume in model.consumes:
            channel = model.channels.get(consume.channel)
            processing = consume.settings.get("processing")
            if channel is None or processing is None:
                continue
            prefetch = endpoint_setting(ctx, consume, "prefetch")
            if prefetch is None:
                continue
            if prefetch.written and prefetch.value == 0 or (not prefetch.written and prefetch.value is None
                                                           and channel.type == "queue"
                                                           and "basic.qos" in prefetch.vendor):
                yield Finding(consume, f"{consume.id} has no prefetch limit ({prefetch.origin}) {prefetch.cite()}: "
                                       "the broker pushes every ready message to the first consumer, which holds "
                                       "them in memory while others idle", prop="prefetch",
                              hint="set `prefetch N` near the messages one handler processes in a second or two")
                continue
            if not prefetch.written or not isinstance(prefetch.value, int) or prefetch.value <= 1:
                # one message in flight is the one being processed (D604 judges it); a default
                # such as JetStream's max_ack_pending caps what is in flight, it is not pushed
                continue
            for timer in RedeliveryTimer._timers(ctx, consume, channel):
                if isinstance(timer.value, (int, float)) and timer.value and \
                        prefetch.value * processing[0] >= timer.value:
                    yield Finding(consume, f"{consume.id} prefetches {prefetch.value} ({prefetch.origin}) at "
                                           f"{human_seconds(processing[0])} each: the last waits "
                                           f"{human_seconds(prefetch.value * processing[0])} in the client, past the "
                                           f"{timer.vendor} of {human_seconds(float(timer.value))} {timer.cite()}, "
                                           "and is delivered again", prop="prefetch",
                                  hint="lower the prefetch so prefetch x processing stays well under the timer")
                    break
