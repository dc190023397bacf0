"""Lint noise: one finding per declaration, not per message type of it; what the user wrote
is what a caveat says; SQS FIFO partitioning follows the queue's `fifo` setting."""

from __future__ import annotations

import pytest

from msgarch.lint.config import Config
from msgarch.lint.runner import lint_model
from msgarch.model.loader import load_model


def lint(text: str):
    return lint_model(load_model("m.msgarch", text=text), Config())


ZMQ = """\
broker bus : zeromq
channel feed on bus : pub
message A
message B
message C
component src { publishes A, B, C to feed }
component sink { consumes A, B, C from feed { delivery at-least-once } }
"""


@pytest.mark.parametrize("code", ["B202", "B212"])
def test_a_broker_fit_finding_is_reported_once_per_consume_line(code):
    found = [d for d in lint(ZMQ) if d.code == code]
    assert len(found) == 1, [d.message for d in found]
    message = found[0].message
    assert message.startswith("3 flows of one declaration (")
    for name in ("src->sink:A@feed", "src->sink:B@feed", "src->sink:C@feed"):
        assert name in message


def test_separate_consume_lines_keep_separate_findings():
    text = ZMQ.replace("consumes A, B, C from feed { delivery at-least-once }",
                       "consumes A from feed { delivery at-least-once }\n"
                       "  consumes B from feed { delivery at-least-once }")
    assert len([d for d in lint(text) if d.code == "B202"]) == 2


CELERY = """\
broker tasks : celery-redis { visibility-timeout 2h }
channel jobs on tasks : queue
message Job
component web { publishes Job to jobs }
component worker { consumes Job from jobs { delivery at-least-once  ACK } }
"""


def _b202(text: str) -> str:
    (found,) = [d for d in lint(text) if d.code == "B202"]
    return found.message


def test_celery_caveat_says_what_the_consume_wrote():
    late = _b202(CELERY.replace("ACK", "ack after-processing"))
    assert "only with acks_late" not in late
    assert "sets `ack after-processing` (acks_late=True) but not `reject-on-worker-lost`" in late
    assert "visibility_timeout (here 2h, as written)" in late
    both = _b202(CELERY.replace("ACK", "ack after-processing  reject-on-worker-lost"))
    assert "and `reject-on-worker-lost` (task_reject_on_worker_lost)" in both


def test_celery_caveat_keeps_the_condition_when_the_consume_does_not_meet_it():
    assert "At-least-once only with acks_late=True" in _b202(CELERY.replace("ACK", ""))


RABBIT = """\
broker bus : rabbitmq { version "4.1" }
channel jobs on bus : queue { type classic }
message A
message B
message C
component web { publishes A, B, C to jobs { rate 1/s } }
component worker { consumes A, B, C from jobs { delivery at-least-once  on-error drop  prefetch 0  processing 100ms } }
"""


def test_d_rule_findings_of_one_consume_line_are_one_finding_naming_every_type():
    found = lint(RABBIT)
    d608 = [d for d in found if d.code == "D608"]
    assert len(d608) == 1 and d608[0].message.startswith("worker consumes A, B, C from jobs has no prefetch")
    d601 = [d for d in found if d.code == "D601"]
    # one per broken link: not durable, no confirms, not persistent, on-error drop
    assert len(d601) == 4, [d.message for d in d601]
    confirms = [d for d in d601 if "publisher confirms" in d.message]
    assert confirms[0].message.startswith("worker consumes A, B, C from jobs needs")
    assert "but web publishes A, B, C to jobs has no publisher confirms" in confirms[0].message


def test_d601_names_each_consume_a_shared_link_breaks():
    text = RABBIT + "component audit { consumes A from jobs { delivery at-least-once } }\n"
    confirms = [d for d in lint(text) if d.code == "D601" and "publisher confirms" in d.message]
    assert len(confirms) == 1
    assert confirms[0].message.startswith("worker consumes A, B, C from jobs and audit consumes A from jobs need")


SQS = """\
broker q : KIND
channel jobs on q : queue { FIFO }
message Job
component web { publishes Job to jobs { rate 10/s  key by tenant } }
component worker { instances 4  capacity 5/s  consumes Job from jobs }
"""


@pytest.mark.parametrize("kind,fifo,expected", [
    ("sqs", "", False),
    ("sqs", "fifo", True),
    ("sqs-fifo", "", True),
    ("sqs-fifo", "fifo off", False),
])
def test_sqs_per_partition_follows_the_fifo_setting(kind, fifo, expected):
    model = load_model("m.msgarch", text=SQS.replace("KIND", kind).replace("{ FIFO }", f"{{ {fifo} }}"))
    (flow,) = [f for f in model.flows if f.derived]
    assert flow.per_partition is expected
