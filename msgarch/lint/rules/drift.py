"""X: drift, the model against what a broker holds (`msgarch drift FILE --against SOURCE`).

These rules do not run in `msgarch lint`: they need a second source, a RabbitMQ
definitions file, a live RabbitMQ management API or Strimzi `KafkaTopic` files, and only
`msgarch drift` reads one. What the model declares is exported as `msgarch export rabbitmq`
or `msgarch export kafka` would write it, then compared, element by element, with what the
source holds. A finding is placed on the model's line: the channel, the setting or the
route concerned; something the model does not declare at all is placed on its broker.
Select, ignore, change severities and `--fail-on` as for lint; `# msgarch: ignore[X803]`
on a line silences a known difference.
"""

from __future__ import annotations

from typing import Iterator

from msgarch.diagnostics import Severity
from msgarch.lint.rule import Finding, LintContext, Rule


class _DriftRule(Rule):
    def check(self, ctx: LintContext) -> Iterator[Finding]:
        yield from ctx._cache.get("drift", {}).get(self.code, ())


class DeclaredButMissing(_DriftRule):
    """A channel or route of the model is not on the broker.

    Why: a queue, exchange, binding or topic the model declares but the broker lacks means
    publishes that go nowhere or consumers that cannot start. The model is wrong, or the
    deployment is behind it.

    Fails (the broker has no binding for the route):

        broker bus : rabbitmq
        channel orders on bus : exchange { type topic }
        channel billing on bus : queue { durable }
        route orders -> billing { key "order.*" }

    Passes: the same model against a broker holding the exchange, the queue and the binding.

        broker bus : rabbitmq
        channel billing on bus : queue { durable }
    """

    code = "X801"
    name = "declared-but-missing"
    summary = "a channel or route the model declares is not on the broker"
    severity = Severity.ERROR


class PresentButUndeclared(_DriftRule):
    """The broker holds a queue, exchange, binding or topic the model does not declare.

    Why: what runs but is not written down is the architecture nobody reviews: an
    undeclared queue collects messages no one reads, an undeclared binding copies messages
    somewhere the model does not show. The finding is placed on the broker's declaration.
    Predefined exchanges (the default exchange and `amq.*`) and server-named exclusive
    queues (`amq.gen-*`) are not reported.

    Fails (the broker also has a queue `audit`):

        broker bus : rabbitmq
        channel billing on bus : queue { durable }

    Passes: the model declares every queue the broker has.

        broker bus : rabbitmq
        channel billing on bus : queue { durable }
        channel audit on bus : queue { durable }
    """

    code = "X802"
    name = "present-but-undeclared"
    summary = "the broker holds a queue, exchange, binding or topic the model does not declare"
    severity = Severity.WARNING


class SettingDiffers(_DriftRule):
    """A setting of a channel differs between the model and the broker; both values are given.

    Why: a queue whose TTL, length limit, dead-letter exchange or type differs from the
    model behaves differently from what was reviewed. The message says which can be changed
    in place and which cannot: RabbitMQ never changes the arguments of an existing queue,
    and `x-queue-type` and `x-max-priority` cannot be set by a policy either, so the queue
    must be deleted and declared again (its messages moved first); the others can be
    changed in place with a policy. On Kafka, partitions can only grow and a replication
    change is a partition reassignment.

    Fails (the broker's queue has `x-max-length` 500):

        broker bus : rabbitmq
        channel billing on bus : queue { durable  max-length 1000 }

    Passes: the broker's queue has `x-max-length` 1000.

        broker bus : rabbitmq
        channel billing on bus : queue { durable  max-length 1000 }
    """

    code = "X803"
    name = "setting-differs"
    summary = "a setting differs between the model and the broker (both values given)"
    severity = Severity.ERROR
