"""S rules: the structure of the model (names, references, orphans)."""

from __future__ import annotations

from typing import Iterator

from msgarch.diagnostics import Related, Severity
from msgarch.lint.rule import Finding, LintContext, Rule
from msgarch.model.model import Flow
from msgarch.analysis.figures import written_rate as format_rate
from msgarch.analysis.figures import written_size as format_size


def _closest(name: str, candidates) -> str:
    import difflib  # only on the error path: keeps start-up light
    close = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


class UnknownReference(Rule):
    """A flow, or a broker's kind, names something that is not declared.

    Why: an undeclared component, message or broker means the model does not describe
    what the flow really connects, so every other check of that flow is blind. The
    message suggests the closest declared name.

    Fails:

        component orders
        flow web -> order : PlaceOrder    # `order`, `web` and `PlaceOrder` are not declared

    Passes:

        component web
        component orders
        message PlaceOrder
        flow web -> orders : PlaceOrder
    """

    code = "S001"
    name = "unknown-reference"
    summary = "a flow names a component, message or broker that is not declared"
    severity = Severity.ERROR

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        from msgarch.brokers import builtin_ids, user_profile_ids
        from msgarch.brokers.profiles import transport_ids

        model = ctx.model
        for endpoint in (*model.publishes, *model.consumes):
            names = [("message", endpoint.message, endpoint.message_span, model.messages)]
            if endpoint.kind is not None:
                names.append(("kind", endpoint.kind, endpoint.prop_spans.get("kind"), model.kinds))
            if not endpoint.component:
                continue
            names.append(("component", endpoint.component, endpoint.component_span, model.components))
            for category, name, span, table in names:
                if name not in table:
                    yield Finding(endpoint.span, f"{category} '{name}' is not declared{_closest(name, table)}",
                                  hint=f"declare it (`{category} {name}`) or fix the name", span=span)
        for channel in model.channels.values():
            if channel.broker not in model.brokers:
                yield Finding(channel, f"broker '{channel.broker}' is not declared{_closest(channel.broker, model.brokers)}",
                              hint=f"declare it (`broker {channel.broker} : KIND`) or fix the name",
                              span=channel.broker_span)
        for flow in model.declared_flows:
            names = [("component", flow.producer, flow.producer_span, model.components)]
            names += [("component", c, s, model.components) for c, s in zip(flow.consumers, flow.consumer_spans)]
            names.append(("message", flow.message, flow.message_span, model.messages))
            if flow.via_declared:
                names.append(("broker", flow.via, flow.prop_spans.get("via"), model.brokers))
            if flow.kind is not None:
                names.append(("kind", flow.kind, flow.kind_span, model.kinds))
            for category, name, span, table in names:
                if name not in table:
                    yield Finding(flow, f"{category} '{name}' is not declared{_closest(name, table)}",
                                  hint=f"declare it (`{category} {name}`) or fix the name", span=span)
        from msgarch.brokers import ProfileError

        try:
            user_ids = set(user_profile_ids(ctx.profile_dirs))
        except ProfileError as error:
            ctx.profile_errors.append(error.to_diagnostic())
            user_ids = set()
        known = set(builtin_ids()) | set(transport_ids()) | user_ids | {"custom"}
        for broker in model.brokers.values():
            if broker.kind not in known:
                yield Finding(broker, f"broker kind '{broker.kind}' is not a built-in profile"
                                      f"{_closest(broker.kind, known)}",
                              hint="use a kind listed by `msgarch brokers`, or `custom` with `profile \"file\"` "
                                   "(a profile file only overrides the facts of a known kind)",
                              span=broker.kind_span)
            elif broker.kind == "custom" and broker.profile_path is None:
                yield Finding(broker, f"broker '{broker.name}' is `custom` but names no profile file",
                              hint='add `profile "my-broker.yaml"` to the broker block', span=broker.kind_span)


class DuplicateName(Rule):
    """Two declarations of the same kind share a name.

    Why: flows refer to components, brokers and messages by name; with two of them the
    model is ambiguous. msgarch keeps the first and reports the second. A model may also
    have only one `system` block.

    Fails:

        component orders { instances 2 }
        component orders { instances 4 }

    Passes:

        component orders        { instances 2 }
        component order-history { instances 4 }
    """

    code = "S002"
    name = "duplicate-name"
    summary = "two declarations of the same kind share a name"
    severity = Severity.ERROR

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for dup in ctx.model.duplicates:
            what = "a second `system` block" if dup.category == "system" else f"{dup.category} '{dup.name}' is declared twice"
            yield Finding(dup.span, f"{what}; the first declaration is used",
                          hint="rename or remove one of them",
                          related=(Related(dup.first, "first declared here"),))
        first_of: dict[str, Flow] = {}
        for flow in ctx.model.declared_flows:
            base = flow.id.split("#", 1)[0]
            if base not in first_of:
                first_of[base] = flow
                continue
            yield Finding(flow, f"flow {base} is declared twice (same producer, consumers and message): "
                                "its traffic is counted twice",
                          hint="merge the two blocks, or give the second flow its own message type",
                          related=(Related(first_of[base].span, "first declared here"),))


class ContradictoryFigures(Rule):
    """Two figures of one element contradict each other.

    Why: a `peak` below the average `rate`, or a `max-size` below the typical `size`,
    is a typo that would otherwise make capacity and size checks use the smaller, wrong
    figure. msgarch sizes with the larger one and reports the contradiction.

    Fails:

        message Invoice { size 5MB  max-size 1KB }
        flow billing -> archive : Invoice { rate 100/s  peak 10/s }

    Passes:

        message Invoice { size 20KB  max-size 5MB }
        flow billing -> archive : Invoice { rate 100/s  peak 400/s }
    """

    code = "S008"
    name = "contradictory-figures"
    summary = "a peak below the rate, or a max-size below the size"
    severity = Severity.ERROR

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for message in ctx.model.messages.values():
            if message.size is not None and message.max_size is not None and message.max_size < message.size:
                yield Finding(message, f"message '{message.name}': max-size {format_size(message.max_size)} is "
                                       f"below its size {format_size(message.size)}; size checks use "
                                       f"{format_size(message.size)}", prop="max-size",
                              hint="max-size is the largest message that can occur: at least `size`")
        figures = [(flow, f"flow {flow.id}", flow.rate, flow.peak) for flow in ctx.model.declared_flows]
        figures += [(p, p.id, p.needs.rate, p.needs.peak) for p in ctx.model.publishes]
        for anchor, what, rate, peak in figures:
            if rate is not None and peak is not None and peak < rate:
                yield Finding(anchor, f"{what}: peak {format_rate(peak)} is below its rate "
                                      f"{format_rate(rate)}; capacity checks use {format_rate(rate)}",
                              prop="peak", hint="peak is the highest rate the flow reaches: at least `rate`")


class OrphanComponent(Rule):
    """A component has no flow in or out.

    Why: a component that neither sends nor receives messages is either dead, or its
    flows are missing from the model, so the capacity and dependency analyses miss it.

    Fails:

        component legacy-reports     # no flow mentions it

    Passes:

        component legacy-reports
        flow orders -> legacy-reports : OrderPlaced
    """

    code = "S003"
    name = "orphan-component"
    summary = "a component has no flow in or out"
    severity = Severity.WARNING

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        used = {endpoint.component for endpoint in (*ctx.model.publishes, *ctx.model.consumes)}
        for flow in ctx.model.flows:
            used.add(flow.producer)
            used.update(flow.consumers)
        for component in ctx.model.components.values():
            if component.name not in used:
                yield Finding(component, f"component '{component.name}' has no flow in or out",
                              hint="add its flows, or remove it from the model")


class UnusedDeclaration(Rule):
    """A message type or broker that no flow uses.

    Why: an unused broker is infrastructure someone will run and pay for; an unused
    message type is usually a flow that was forgotten or renamed.

    Fails:

        broker legacy : activemq        # no flow goes `via legacy`
        message OrderCancelled          # no flow carries it

    Passes:

        broker bus : rabbitmq
        message OrderCancelled
        flow orders -> billing : OrderCancelled { via bus }
    """

    code = "S004"
    name = "unused-declaration"
    summary = "a message or broker that no flow uses"
    severity = Severity.WARNING

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        model = ctx.model
        messages = {f.message for f in model.flows}
        messages.update(e.message for e in (*model.publishes, *model.consumes))
        brokers = {f.via for f in model.flows if f.via is not None}
        brokers.update(channel.broker for channel in model.channels.values())
        for message in model.messages.values():
            if message.name not in messages:
                yield Finding(message, f"message '{message.name}' is not carried by any flow",
                              hint="add the flow that carries it, or remove the declaration")
        for broker in model.brokers.values():
            if broker.name not in brokers:
                yield Finding(broker, f"broker '{broker.name}' carries no flow",
                              hint=f"route flows through it with `via {broker.name}`, or remove it")


class AmbiguousBroker(Rule):
    """A flow has no `via` and the model has several brokers, or none.

    Why: `via` may be left out only when the model has exactly one broker; otherwise
    msgarch cannot tell which broker's capabilities the flow relies on.

    Fails:

        broker bus : rabbitmq
        broker events : kafka
        flow orders -> billing : OrderPlaced     # which broker?

    Passes:

        flow orders -> billing : OrderPlaced { via events }
    """

    code = "S005"
    name = "ambiguous-broker"
    summary = "a flow has no `via` and the model has several brokers (or none)"
    severity = Severity.ERROR

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        brokers = sorted(ctx.model.brokers)
        for flow in ctx.model.flows:
            if flow.via_declared:
                continue
            if not brokers:
                yield Finding(flow, f"flow {flow.id} has no broker: the model declares none",
                              hint="declare a broker (`broker bus : rabbitmq`) and add `via bus`")
            elif len(brokers) > 1:
                yield Finding(flow, f"flow {flow.id} has no `via` and the model has {len(brokers)} brokers "
                                    f"({', '.join(brokers)})",
                              hint="add `via NAME` to the flow")


class SelfFlow(Rule):
    """A flow whose only consumer is its producer.

    Why: a component sending messages to itself through a broker is sometimes a
    deliberate work queue (fan-out of its own jobs), but more often a typo in the
    producer or consumer name.

    Fails:

        flow orders -> orders : OrderPlaced

    Passes:

        flow orders -> billing : OrderPlaced
    """

    code = "S006"
    name = "self-flow"
    summary = "a flow whose only consumer is its producer"
    severity = Severity.WARNING

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for flow in ctx.model.declared_flows:
            # a derived flow from a component to itself is a pool that consumes one
            # channel and publishes to another (Celery task chains): not a typo
            if set(flow.consumers) == {flow.producer}:
                yield Finding(flow, f"flow {flow.id} sends from '{flow.producer}' to itself",
                              hint="check the producer and consumer names; if it is a work queue, "
                                   "silence this with `# msgarch: ignore[S006]`")


class UnusedSuppression(Rule):
    """A `# msgarch: ignore[...]` comment that silences nothing.

    Why: stale suppressions hide future problems on that line and mislead readers, as
    unused `noqa` comments do in Python linters. Only codes of rules that ran are
    judged; an unknown code in an ignore comment is reported too.

    Fails:

        component audit { instances 1 }   # msgarch: ignore[B203]  (nothing to silence)

    Passes:

        flow a -> b : M { via events  priority 3 }   # msgarch: ignore[B203]
    """

    code = "S007"
    name = "unused-suppression"
    summary = "a suppression comment that silences nothing"
    severity = Severity.WARNING

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        # The runner emits S007 itself once every other rule has run, because only it
        # knows which findings each comment silenced.
        return iter(())
