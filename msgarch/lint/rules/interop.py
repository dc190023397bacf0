"""X: between imported documents (`msgarch import asyncapi FILE...` only).

X804 does not run in `msgarch lint`: the model holds one value per setting, so a
disagreement between two applications' AsyncAPI documents can only be seen while they are
merged. `msgarch import asyncapi` reports it at the second document's value (FILE:LINE:COL
in that YAML or JSON document), with the first document's value as a related location, in
any of lint's output formats (`--format`), and exits 1 (`--fail-on`, `--exit-zero` as for
lint). The model is still written; it keeps the first document's value and says so in a
`MISMATCH X804` comment on the channel.
"""

from __future__ import annotations

from typing import Iterator

from msgarch.diagnostics import Severity
from msgarch.lint.rule import Finding, LintContext, Rule


class BindingMismatch(Rule):
    """Two documents give the same channel (one address on one server) different binding values.

    Why: one queue, exchange or topic has one set of properties on the broker, so one of
    the documents is wrong about what runs. On RabbitMQ the second application's declaration
    fails: a queue or exchange redeclared with other properties (durable, exclusive,
    auto-delete, type, arguments) is refused with `PRECONDITION_FAILED - inequivalent arg`
    (the Queues guide, "Declaration and Property Equivalence",
    https://www.rabbitmq.com/docs/queues#property-equivalence). On Kafka a topic has one
    partition count and one configuration, whatever each document assumes. Compared: each
    setting the import reads from a later document's amqp, kafka or sqs channel binding,
    against the value the channel already has from an earlier document (its binding or its
    `x-msgarch` settings); a value only one document gives is not a mismatch.

    Fails (`orders/asyncapi.yaml` and `billing/asyncapi.yaml`, the same server):

        # orders/asyncapi.yaml
        channels:
          orders:
            address: orders
            bindings:
              kafka:
                partitions: 3
        # billing/asyncapi.yaml
        channels:
          orders:
            address: orders
            bindings:
              kafka:
                partitions: 6

    Passes: both documents say `partitions: 3`, or only one of them gives partitions.

        # billing/asyncapi.yaml
        channels:
          orders:
            address: orders
            bindings:
              kafka:
                partitions: 3
    """

    code = "X804"
    name = "binding-mismatch"
    summary = "two AsyncAPI documents give one channel different binding values (both given)"
    severity = Severity.ERROR
    #: the examples are AsyncAPI documents, not msgarch
    example_language = "yaml"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        return iter(())  # found by `msgarch import asyncapi` while it merges documents
