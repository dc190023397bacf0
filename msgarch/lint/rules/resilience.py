"""R rules: resilience and dependencies.

Request-reply flows make a "waits-for" graph (requester -> replier): its cycles (R501),
the components callers wait on (R502), its long chains (R503) and mutual callers
(R506). R504 and R505 look at delivery guarantees and timeouts.
"""

from __future__ import annotations

from typing import Iterator

import networkx as nx

from msgarch.analysis import dependencies
from msgarch.analysis import figures as fig
from msgarch.diagnostics import Related, Severity
from msgarch.lint.rule import Finding, LintContext, Rule
from msgarch.lint.rules.capacity import broker_facts, flows_by_id
from msgarch.lint.rules.latency import breakdown, budget_breach

#: R503: a chain of more request-reply calls than this is too deep.
MAX_SYNC_DEPTH = 3
#: R506: each direction of a mutual request-reply pair at least this many requests per second.
CHATTY_RATE = 50.0


def waits_for(ctx: LintContext) -> nx.DiGraph:
    return ctx.cached("deps:waits-for", lambda: dependencies.waits_for_graph(ctx.model))


def _call_flow(ctx: LintContext, requester: str, replier: str):
    """The first request-reply flow (model order) from requester to replier."""
    graph = waits_for(ctx)
    flows = flows_by_id(ctx)
    return flows[graph.edges[requester, replier]["flows"][0]]


class SyncCycle(Rule):
    """A cycle made only of request-reply calls.

    Why: each component in the cycle holds a request open while it waits for the next
    one, which eventually waits for the first: when handler threads or connections run
    out the cycle deadlocks, and a slow member makes every caller time out in turn
    (cascading timeouts). Break the cycle with an asynchronous event, or move the shared
    logic into one component. Found on the waits-for graph (requester -> replier of
    every request-reply flow); a component calling itself is a cycle of one. On channel
    models a consume marked `while-waiting` (the component answers it from the same loop
    that waits for its own replies, as a Jupyter client answers `input_request` while it
    waits for `execute_reply`) holds no thread, so a cycle through it is not reported.

    Fails:

        flow orders -> pricing : Quote { via bus  pattern request-reply }
        flow pricing -> orders : OrderInfo { via bus  pattern request-reply }

    Passes:

        flow orders -> pricing : Quote { via bus  pattern request-reply }
        flow orders -> pricing : OrderInfo { via bus  pattern pubsub }
    """

    code = "R501"
    name = "sync-cycle"
    summary = "a cycle made only of request-reply flows: deadlock and cascading-timeout risk"
    severity = Severity.ERROR

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        cycles = ctx.cached("deps:cycles", lambda: dependencies.sync_cycles(ctx.model))
        served = {(c.component, c.channel, c.message) for c in ctx.model.consumes
                  if c.settings.get("while-waiting")}
        for cycle in cycles:
            calls = [_call_flow(ctx, cycle[i], cycle[(i + 1) % len(cycle)]) for i in range(len(cycle))]
            if any(call.derived and all((c, call.channel, call.message) in served for c in call.consumers)
                   for call in calls):
                continue  # a link is answered on the loop that waits: no thread is held, no deadlock
            loop = " -> ".join(cycle + [cycle[0]])
            yield Finding(
                calls[0],
                f"request-reply cycle {loop}: each waits for the next while holding its own "
                f"request open, so the loop can deadlock when handler threads run out, and a "
                f"slow member makes every caller time out in turn",
                hint="break the cycle: turn one call into an asynchronous event, or move the "
                     "shared logic into one component",
                related=tuple(Related(flow.span, f"{flow.id}: part of the cycle")
                              for flow in calls[1:]),
            )


class SinglePointOfFailure(Rule):
    """A single instance that request-reply callers depend on, or a single-node broker
    carrying durable flows.

    Why: a request-reply caller stops when its replier stops; with one instance, a
    deploy, a crash or a long GC pause stops every caller (directly or through other
    calls). A broker with one node that carries `durable` flows loses availability, and
    possibly the messages themselves, with that node. The message lists who waits. A
    broker that declares no `nodes` counts as one node, as in the capacity checks;
    brokerless layers and managed services have no node of their own and are skipped.
    External components are someone else's to run.

    Fails:

        component inventory { instances 1  capacity 8k/s }
        flow storefront -> inventory : CheckStock { via bus  pattern request-reply }

    Passes:

        component inventory { instances 2  capacity 8k/s }
        flow storefront -> inventory : CheckStock { via bus  pattern request-reply }
    """

    code = "R502"
    name = "single-point-of-failure"
    summary = "one instance that request-reply callers depend on, or one broker node carrying durable flows"
    severity = Severity.WARNING

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        model = ctx.model
        graph = waits_for(ctx)
        waiting = ctx.cached("deps:waited-on", lambda: dependencies.waited_on(model))
        for name, requesters in waiting.items():
            component = model.components.get(name)
            if component is None or component.external or component.instances != 1:
                continue
            direct = sorted(p for p in graph.predecessors(name) if p != name)
            indirect = [r for r in requesters if r not in direct and r != name]
            if not direct:
                continue
            text = (f"'{name}' runs a single instance and {fig.names(direct)} "
                    f"{'waits' if len(direct) == 1 else 'wait'} on it request-reply")
            if indirect:
                text += f" ({fig.names(indirect)} through them)"
            yield Finding(
                component,
                text + ": a restart, crash or pause stops them too",
                hint="run at least two instances, or make the callers degrade gracefully "
                     "(cached answers, a fallback, a circuit breaker)",
                prop="instances" if "instances" in component.prop_spans else None,
                related=tuple(Related(_call_flow(ctx, p, name).span, f"{p} waits on {name} here")
                              for p in direct),
            )
        facts = broker_facts(ctx)
        for name in sorted(model.brokers):
            broker = model.brokers[name]
            if facts[name].model in ("brokerless", "managed-service"):
                continue
            if (broker.nodes or 1) != 1:
                continue
            durable = sorted((flow for flow in model.flows
                              if flow.via == name and flow.durable and model.resolved(flow)),
                             key=lambda flow: flow.id)
            if not durable:
                continue
            assumed = "" if broker.nodes is not None else " (no `nodes` declared: one assumed)"
            loss, advice, cite = _single_node_loss(facts[name].profile)
            yield Finding(
                broker,
                f"broker '{name}' ({broker.kind}) has a single node{assumed} and carries "
                f"{fig.plural(len(durable), 'durable flow')} "
                f"({fig.names([f.id for f in durable], limit=4)}): when the node is down they "
                f"stop, and {loss}",
                hint=f"{advice} or accept the risk with an ignore comment that says why"
                     + (f"; {cite}" if cite else ""),
                prop="nodes" if "nodes" in broker.prop_spans else None,
                related=tuple(Related(f.span, f"{f.id}: durable") for f in durable),
            )


def _single_node_loss(profile) -> tuple[str, str, str]:
    """What a single node's failure does to the messages it holds, worded from the
    profile's `durable` fact; what to do about it; and the fact's citation ("" without
    a profile)."""
    replicate = "run a replicated cluster (`nodes 3`, `replication 3`)"
    fact = None
    if profile is not None:
        try:
            fact = profile.fact("durable")
        except KeyError:
            fact = None
    if fact is None:
        return "an unreplicated disk can lose them", replicate, ""
    cite = f"durability: {fact.cite()}"
    if fact.support == "no":
        return ("a restart loses them: the broker stores no messages (durable: no)",
                "more nodes keep the flows running but cannot keep messages the broker never "
                "stores: move these flows to a broker that persists them", cite)
    if fact.support == "partial":
        return ("a crash can lose the latest of them and a lost disk all of them (durable: "
                "partial)", replicate + " and make the broker sync its writes", cite)
    return "an unreplicated disk can lose them", replicate, cite


class DeepSyncChain(Rule):
    """A chain of request-reply calls deeper than 3.

    Why: the first caller waits for every hop: latencies and timeouts add up along the
    chain, availability multiplies (four 99.9% services in a row give 99.6%), and a
    failure at the end cascades back to the start. Calls inside a request-reply cycle
    are R501's and are not counted. The chain reported starts at a component no one
    calls.

    Fails:

        flow a -> b : Q { via bus  pattern request-reply }
        flow b -> c : Q { via bus  pattern request-reply }
        flow c -> d : Q { via bus  pattern request-reply }
        flow d -> e : Q { via bus  pattern request-reply }

    Passes:

        flow a -> b : Q { via bus  pattern request-reply }
        flow b -> c : Q { via bus  pattern request-reply }
        flow c -> d : Q { via bus  pattern queue }
    """

    code = "R503"
    name = "deep-sync-chain"
    summary = "a chain of request-reply calls deeper than 3"
    severity = Severity.WARNING

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        chains = ctx.cached("deps:chains", lambda: dependencies.longest_chain_from(ctx.model))
        graph = waits_for(ctx)
        starts = set(chains)
        for start, chain in chains.items():
            depth = len(chain) - 1
            if depth <= MAX_SYNC_DEPTH:
                continue
            # Report only chains that start at a component no one (outside a cycle) calls
            # into with a chain of its own: their suffixes are the same problem.
            if any(caller in starts and caller != start and start in chains[caller]
                   for caller in graph.predecessors(start)):
                continue
            calls = [_call_flow(ctx, chain[i], chain[i + 1]) for i in range(depth)]
            yield Finding(
                calls[0],
                f"request-reply chain {depth} calls deep: {' -> '.join(chain)}; the first caller "
                f"waits for every hop, so latencies and timeouts add up and a failure at the "
                f"end cascades back (more than {MAX_SYNC_DEPTH} is too deep)",
                hint="make some hops asynchronous (events, a cached read model), or collapse "
                     "components that only forward",
                related=tuple(Related(flow.span, f"{flow.id}: hop {i + 2}")
                              for i, flow in enumerate(calls[1:])),
            )


class DuplicateDelivery(Rule):
    """At-least-once delivery into a component not marked `idempotent`.

    Why: at-least-once means a message can arrive twice (a redelivery after a lost
    acknowledgement, a producer retry). Unless handling it twice is harmless (an
    upsert, a dedupe on the message id), the component double-charges, double-sends or
    double-counts. Mark the component `idempotent` once its handler is, or lower the
    flow to at-most-once if losing a message is acceptable. External components are
    skipped: their handlers are not ours to change, and so are flows whose broker (or
    channel type) is at-most-once in its profile: nothing on that path redelivers, and
    B202 already reports that it cannot give at-least-once. Informational.

    Fails:

        component audit
        flow orders -> audit : OrderPlaced { via events  delivery at-least-once }

    Passes:

        component audit { idempotent }
        flow orders -> audit : OrderPlaced { via events  delivery at-least-once }
    """

    code = "R504"
    name = "duplicate-delivery"
    summary = "at-least-once delivery into a component not marked `idempotent`"
    severity = Severity.INFO

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        model = ctx.model
        into: dict[str, list] = {}
        for flow in model.flows:
            if flow.delivery != "at-least-once" or not model.resolved(flow):
                continue
            profile = ctx.flow_profile(flow)
            if profile is not None and profile.delivery == "at-most-once":
                continue  # nothing on this path redelivers: B202 reports the weaker guarantee
            for consumer in dict.fromkeys(flow.consumers):
                component = model.components[consumer]
                if not component.idempotent and not component.external:
                    into.setdefault(consumer, []).append(flow)
        for name in sorted(into):
            flows = sorted(into[name], key=lambda flow: flow.id)
            yield Finding(
                model.components[name],
                f"'{name}' receives at-least-once deliveries "
                f"({fig.names([f.id for f in flows], limit=4)}) and is not marked `idempotent`: "
                f"a redelivered message is handled twice",
                hint="make the handler idempotent (dedupe on a message id, upsert) and add "
                     "`idempotent` to the component",
                related=tuple(Related(f.span, f"{f.id}: at-least-once") for f in flows),
            )


class TimeoutBelowLatency(Rule):
    """A request-reply `timeout` shorter than the flow's estimated latency.

    Why: the caller gives up on requests that would have been answered, usually retries
    them, and so adds load exactly when the replier is slow. The estimate is L401's:
    broker p99 latency class + p99 queueing wait (M/M/c at peak) + service time + the
    calls the replier makes before answering + the reply hop. An overloaded replier
    makes every request time out.

    Fails:

        component risk { instances 1  capacity 1k/s }
        flow oms -> risk : Check { via bus  pattern request-reply  peak 950/s  timeout 10ms }

    Passes:

        component risk { instances 4  capacity 1k/s }
        flow oms -> risk : Check { via bus  pattern request-reply  peak 950/s  timeout 100ms }
    """

    code = "R505"
    name = "timeout-below-latency"
    summary = "a request-reply `timeout` shorter than the flow's estimated latency"
    severity = Severity.WARNING

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for flow in ctx.model.flows:
            if not flow.is_request_reply or flow.timeout is None:
                continue
            breach = budget_breach(ctx, flow.id, flow.timeout)
            if breach is None:
                continue
            timeout, estimate = fig.seconds(flow.timeout), breach.estimate
            if breach.overloaded:
                stuck = breach.overloaded
                yield Finding(
                    flow,
                    f"every request can time out ({timeout}): {fig.names(stuck)} on its path "
                    f"{'is' if len(stuck) == 1 else 'are'} overloaded at peak (C301)",
                    hint=f"fix the overload first. model: {estimate.model}",
                    prop="timeout",
                )
                continue
            yield Finding(
                flow,
                f"timeout {timeout} is shorter than the estimated p99 latency "
                f"{breach.floor}{fig.seconds(estimate.total_s)}{breach.doubt}: {breakdown(estimate)}; callers "
                f"give up on requests that would succeed, and their retries add load",
                hint=(f"raise the timeout above the p99, or make the replier faster. "
                      f"model: {estimate.model}" + (f"; broker latency class: {breach.cites}" if breach.cites else "")),
                prop="timeout",
            )


class ChattyCoupling(Rule):
    """Two components call each other request-reply in both directions at a high rate.

    Why: components that need each other's answers this often are usually one
    component split too finely: every call pays a broker round trip, and neither can be
    deployed, scaled or fail on its own. (The pair is also a request-reply cycle: R501.)
    Reported when each direction carries at least 50 requests/s at peak. Informational.

    Fails:

        flow cart -> pricing : Quote { via bus  pattern request-reply  peak 400/s }
        flow pricing -> cart : CartInfo { via bus  pattern request-reply  peak 300/s }

    Passes:

        flow cart -> pricing : Quote { via bus  pattern request-reply  peak 400/s }
        flow pricing -> cart : CartInfo { via bus  pattern request-reply  peak 2/s }
    """

    code = "R506"
    name = "chatty-coupling"
    summary = "two components call each other request-reply in both directions at a high rate"
    severity = Severity.INFO

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        graph = waits_for(ctx)
        for a, b in sorted(graph.edges):
            if not a < b or not graph.has_edge(b, a):
                continue
            there, back = graph.edges[a, b]["peak"], graph.edges[b, a]["peak"]
            if fig.stable(there) < CHATTY_RATE or fig.stable(back) < CHATTY_RATE:
                continue
            yield Finding(
                _call_flow(ctx, a, b),
                f"'{a}' and '{b}' call each other request-reply at {fig.rate(there)} "
                f"({a} -> {b}) and {fig.rate(back)} ({b} -> {a}) at peak: they may be one "
                f"component split too finely",
                hint="merge them, or replace one direction with events the other keeps a copy of",
                related=(Related(_call_flow(ctx, b, a).span, f"{b} calls {a} here"),),
            )
