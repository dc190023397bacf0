"""L rules: latency budgets and backlog budgets against the queueing estimates.

The p99 latency of a flow is estimated term by term: the broker's p99 latency class
from its profile (cited in the message), the p99 queueing wait at the consumer from its
M/M/c (or per-partition M/M/1) model at peak, one service time, and for request-reply
the calls the consumer makes before answering plus the reply hop. Terms that cannot be
computed are left out and listed once per model by L403.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from msgarch.analysis import figures as fig
from msgarch.analysis.load import LatencyEstimate, consumer_backlog, flow_latency
from msgarch.diagnostics import Related, Severity
from msgarch.lint.rule import Finding, LintContext, Rule
from msgarch.lint.rules.capacity import broker_facts, consumer_head, consumer_loads, latency_classes


def latency_estimates(ctx: LintContext) -> dict[str, LatencyEstimate]:
    """Flow id -> latency estimate, for every resolved flow with a `latency` budget or a
    request-reply `timeout` (computed once per model)."""
    def compute():
        model = ctx.model
        loads = consumer_loads(ctx)
        classes = latency_classes(ctx)
        return {flow.id: flow_latency(model, flow, loads, classes) for flow in model.flows
                if model.resolved(flow)
                and (flow.latency is not None or (flow.is_request_reply and flow.timeout is not None))}
    return ctx.cached("latency:estimates", compute)


def breakdown(estimate: LatencyEstimate) -> str:
    """'broker latency p99 (bus) 3 ms + queueing wait p99 at inventory 0.6 ms + ...'."""
    return " + ".join(f"{part.name} {fig.seconds(part.seconds)}"
                      for part in estimate.parts if part.seconds is not None)


def brokers_on_path(ctx: LintContext, estimate: LatencyEstimate) -> list[str]:
    flows = {flow.id: flow for flow in ctx.model.flows}
    names = []
    for part in estimate.parts:
        if part.component is None and part.flow in flows:
            via = flows[part.flow].via
            if via not in names:
                names.append(via)
    return names


def latency_citations(ctx: LintContext, estimate: LatencyEstimate) -> tuple[str, bool]:
    """The profile facts behind the broker terms, and whether any is uncertain."""
    facts = broker_facts(ctx)
    cites, uncertain = [], False
    for name in brokers_on_path(ctx, estimate):
        if name in facts and facts[name].latency_source:
            cites.append(f"{name}: {facts[name].latency_source}")
            uncertain = uncertain or facts[name].latency_uncertain
    return "; ".join(cites), uncertain


@dataclass(frozen=True)
class BudgetBreach:
    """A flow's estimated p99 latency against one of its time limits (`latency`, `timeout`)."""

    estimate: LatencyEstimate
    overloaded: tuple[str, ...]  # components on the path over capacity: the wait has no bound
    floor: str  # "at least " when terms were left out for missing inputs
    doubt: str  # says so when the broker latency class is uncertain
    cites: str  # the profile facts of the broker latency classes used


def budget_breach(ctx: LintContext, flow_id: str, limit: float) -> BudgetBreach | None:
    """How the flow's estimate breaks ``limit`` seconds, or None when it keeps it (or
    cannot be estimated). Shared by L401 (latency budget) and R505 (timeout)."""
    estimate = latency_estimates(ctx).get(flow_id)
    if estimate is None:
        return None
    cites, uncertain = latency_citations(ctx, estimate)
    doubt = " (the broker latency class is uncertain)" if uncertain else ""
    if not estimate.bounded:
        return BudgetBreach(estimate, tuple(overloaded_on_path(estimate)), "", doubt, cites)
    if fig.stable(estimate.total_s) <= limit:
        return None
    return BudgetBreach(estimate, (), "at least " if estimate.left_out else "", doubt, cites)


def overloaded_on_path(estimate: LatencyEstimate) -> list[str]:
    return list(dict.fromkeys(part.component for part in estimate.parts
                              if part.left_out_because == "overloaded" and part.component))


class LatencyBudget(Rule):
    """The estimated p99 latency of a flow exceeds its `latency` budget.

    Why: a budget that the design cannot meet on paper will not be met in production.
    The estimate adds the broker's p99 latency class (from its profile, an estimate that
    the message cites), the p99 queueing wait at the consumer from its M/M/c model at
    peak (Erlang C; one M/M/1 per partition on partitioned brokers), one service time
    1/capacity, and for request-reply every request-reply call the consumer makes
    before it can answer, plus the reply hop. Terms that cannot be computed (no
    `capacity`) are left out and listed by L403; if what remains already exceeds the
    budget the finding says "at least". An overloaded consumer on the path makes the
    latency grow without bound.

    Fails:

        component pricing { instances 1  capacity 100/s }
        flow web -> pricing : Quote { via bus  pattern request-reply  peak 95/s  latency 50ms }

    Passes:

        component pricing { instances 4  capacity 100/s }
        flow web -> pricing : Quote { via bus  pattern request-reply  peak 95/s  latency 50ms }
    """

    code = "L401"
    name = "latency-budget"
    summary = "the estimated p99 latency (broker class + M/M/c wait + request-reply chain) exceeds `latency`"
    severity = Severity.WARNING

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for flow in ctx.model.flows:
            breach = budget_breach(ctx, flow.id, flow.latency) if flow.latency is not None else None
            if breach is None:
                continue
            budget, estimate = fig.seconds(flow.latency), breach.estimate
            if breach.overloaded:
                stuck = breach.overloaded
                yield Finding(
                    flow,
                    f"the {budget} latency budget cannot be met: {fig.names(stuck)} on its path "
                    f"{'is' if len(stuck) == 1 else 'are'} overloaded at peak (C301), so the "
                    f"queueing wait grows without bound",
                    hint=f"fix the overload first. model: {estimate.model}",
                    prop="latency",
                )
                continue
            loads = consumer_loads(ctx)
            repeat = [name for name in dict.fromkeys(part.component for part in estimate.parts
                                                     if part.component)
                      if name in loads and loads[name].estimate is not None
                      and loads[name].estimate.broadcast]
            more = ("add consumer instances" if not repeat else
                    f"make the handlers faster (instances of {fig.names(repeat)} each receive "
                    f"every message, so more of them do not shorten the wait)")
            yield Finding(
                flow,
                f"estimated p99 latency {breach.floor}{fig.seconds(estimate.total_s)} exceeds the "
                f"{budget} budget{breach.doubt}: {breakdown(estimate)}",
                hint=(f"{more}, shorten the request-reply chain, pick a faster "
                      f"broker, or relax the budget. model: {estimate.model}"
                      + (f"; broker latency class: {breach.cites}" if breach.cites else "")),
                prop="latency",
            )


class BacklogBudget(Rule):
    """A burst at `peak` builds a backlog that takes longer than `backlog` to drain.

    Why: `backlog` says how long a message may wait in the queue after a burst. A burst
    of one minute at the peak rate against the consumer's capacity (c x mu, the
    instances doing work) leaves (peak - c x mu) x 60 s messages queued; once arrivals
    fall back to the average rate they drain at c x mu - average. The last message of
    the burst waits that long. The burst is every flow into the component at its peak at
    once (flows without `rate` count at their peak, conservatively). On a broker without
    competing consumers every instance receives every message, so the burst is reckoned
    per instance against its own mu. Components without
    `capacity` are skipped (L403 lists them).

    Fails:

        component billing { instances 2  capacity 100/s }
        flow orders -> billing : Invoice { via jobs  rate 150/s  peak 1k/s  backlog 2min }

    Passes:

        component billing { instances 4  capacity 100/s }
        flow orders -> billing : Invoice { via jobs  rate 150/s  peak 1k/s  backlog 10min }
    """

    code = "L402"
    name = "backlog-budget"
    summary = "a burst at peak builds a backlog that takes longer than `backlog` to drain"
    severity = Severity.WARNING

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        model = ctx.model
        loads = consumer_loads(ctx)
        for flow in model.flows:
            if flow.backlog is None or not model.resolved(flow):
                continue
            for consumer in sorted(set(flow.consumers)):
                load = loads.get(consumer)
                if load is None or load.estimate is None:
                    continue
                backlog = consumer_backlog(load)
                if backlog is None or fig.stable(backlog.backlog) <= 0:
                    continue
                if backlog.per_instance:
                    head = (f"a {fig.seconds(backlog.burst_s)} burst at peak "
                            f"{fig.rate(backlog.peak_rate)} into each instance of {consumer} "
                            f"({consumer_head(load.estimate)}: every instance receives every "
                            f"message) leaves {fig.count(backlog.backlog)} messages queued at "
                            f"each instance")
                else:
                    head = (f"a {fig.seconds(backlog.burst_s)} burst at peak "
                            f"{fig.rate(backlog.peak_rate)} into {consumer} "
                            f"({consumer_head(load.estimate)}: {fig.rate(backlog.capacity)} in "
                            f"all) leaves {fig.count(backlog.backlog)} messages queued")
                if backlog.drain_s is None:
                    message = (f"{head}, and the average rate {fig.rate(backlog.average_rate)} "
                               f"alone fills the capacity: it never drains, whatever the "
                               f"{fig.seconds(flow.backlog)} `backlog` budget")
                elif fig.stable(backlog.drain_s) > flow.backlog:
                    spare = backlog.capacity - backlog.average_rate
                    message = (f"{head}; at {fig.rate(spare)} spare (capacity minus the average "
                               f"{fig.rate(backlog.average_rate)}) they take "
                               f"{fig.seconds(backlog.drain_s)} to drain, longer than the "
                               f"{fig.seconds(flow.backlog)} `backlog` budget")
                else:
                    continue
                yield Finding(
                    flow,
                    message,
                    hint=((f"make the handler of {consumer} faster (more instances would each "
                           f"receive every message too), or accept a longer backlog"
                           if backlog.per_instance else
                           f"add instances of {consumer}, or accept a longer backlog")
                          + f". model: {backlog.model}"),
                    prop="backlog",
                )


class LatencyUnknown(Rule):
    """Latency, backlog or timeout budgets that could not be fully checked.

    Why: msgarch never guesses. When a consumer on a flow's path has no `capacity` (or
    is external), its queueing wait and service time are left out of the latency
    estimate; a broker without a profile has no latency class; a `backlog` budget into
    a component without `capacity` cannot be checked at all. L401, L402 and R505 then
    judge only what is known. This note lists those flows once per model.

    Fails:

        component pricing                      # no capacity
        flow web -> pricing : Quote { via bus  pattern request-reply  latency 50ms }

    Passes:

        component pricing { instances 2  capacity 500/s }
        flow web -> pricing : Quote { via bus  pattern request-reply  rate 100/s  latency 50ms }
    """

    code = "L403"
    name = "latency-unknown"
    summary = "latency, backlog or timeout budgets only partly checked for lack of inputs (listed once per model)"
    severity = Severity.INFO

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        model = ctx.model
        estimates = latency_estimates(ctx)
        loads = consumer_loads(ctx)
        entries = []  # (flow, note)
        for flow in model.flows:
            notes = []
            estimate = estimates.get(flow.id)
            if estimate is not None and estimate.left_out:
                reasons = {}
                for part in estimate.parts:
                    if part.seconds is None and part.left_out_because not in ("overloaded", "cycle"):
                        key = part.component or model.flow(part.flow).via
                        reasons.setdefault(key, _reason(part.left_out_because))
                if reasons:
                    notes.append("latency estimate leaves out "
                                 + ", ".join(f"{name} ({why})" for name, why in reasons.items()))
            if flow.backlog is not None and model.resolved(flow):
                unknown = [c for c in sorted(set(flow.consumers))
                           if not model.components[c].external
                           and (loads.get(c) is None or loads[c].estimate is None)]
                if unknown:
                    notes.append(f"`backlog` not checked for {fig.names(unknown)} (no `capacity`)")
            if notes:
                entries.append((flow, "; ".join(notes)))
        if not entries:
            return
        first = min((flow for flow, _ in entries),
                    key=lambda flow: (flow.span.path, flow.span.line, flow.span.column))
        entries.sort(key=lambda entry: entry[0].id)
        yield Finding(
            first,
            f"{fig.plural(len(entries), 'flow')} with a latency, timeout or backlog budget "
            f"could only be partly checked (missing inputs are never guessed): "
            + " | ".join(f"{flow.id}: {note}" for flow, note in entries),
            hint="declare `capacity N/s` (and `instances`) on the consumers to have them checked",
            related=tuple(Related(flow.span, f"{flow.id}: {note}") for flow, note in entries
                          if flow is not first),
        )


def _reason(code: str) -> str:
    return {
        "capacity-unknown": "no `capacity`",
        "external": "external, not modelled",
        "no-latency-class": "no profile latency class",
    }.get(code, code)
