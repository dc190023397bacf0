"""Language v2: channels, routes, publishes and consumes, and the flows derived from them."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from msgarch import api
from msgarch.diagnostics import InputError
from msgarch.lint.config import Config
from msgarch.model.loader import load_model
from msgarch.model import routing

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "channels"
SPEC = ROOT.parent / "shared" / "spec" / "channels.md"


def _model(tmp_path, text: str, name: str = "m.msgarch"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_model(str(path))


def _lint(tmp_path, text: str, select=None):
    path = tmp_path / "m.msgarch"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    config = Config(select=tuple(select)) if select else Config()
    return api.lint([str(path)], config).diagnostics


# --- the spec's examples --------------------------------------------------------------

def test_spec_examples_are_the_fixtures():
    """The fixtures are channels.md's examples, verbatim (when shared/ is beside the repo)."""
    if not SPEC.exists():
        pytest.skip("shared/spec/channels.md is not beside the checkout")
    blocks = [b for b in re.findall(r"```\n(.*?)```", SPEC.read_text(encoding="utf-8"), re.S) if "broker" in b]
    assert [(FIXTURES / f"spec-{i}.msgarch").read_text(encoding="utf-8") for i in range(1, len(blocks) + 1)] == blocks


@pytest.mark.parametrize("name", ["spec-1", "spec-2"])
def test_spec_examples_parse_and_lint_without_input_errors(name):
    report = api.lint([str(FIXTURES / f"{name}.msgarch")], Config())
    assert not [d for d in report.diagnostics if d.is_input_error], report.diagnostics


def test_spec_example_one_derives_the_quorum_flow():
    model = load_model(str(FIXTURES / "spec-1.msgarch"))
    derived = [f for f in model.flows if f.derived]
    assert [f.id for f in derived] == ["checkout->billing-svc:OrderPaid@billing"]
    flow = derived[0]
    assert flow.path == ("orders", "billing")
    assert flow.profile_kind == "rabbitmq-quorum"  # a quorum queue on a rabbitmq broker
    assert (flow.rate, flow.peak, flow.delivery) == (50.0, 200.0, "at-least-once")


def test_spec_example_two_names_its_verdicts():
    report = api.lint([str(FIXTURES / "spec-2.msgarch")], Config())
    t705 = [d for d in report.diagnostics if d.code == "T705"]
    assert len(t705) == 1 and "8 instances of 'pricer'" in t705[0].message
    # D604: the 5 min / 2 h build reaches the 1 h visibility timeout, so the task runs twice
    errors = [d for d in report.diagnostics if d.severity.label == "error"]
    assert [d.code for d in errors] == ["D604"], [d.message for d in errors]
    assert "1 h" in errors[0].message and "visibility_timeout" in errors[0].message


# --- v1 keeps its verdicts ------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(p.stem for p in (ROOT / "examples").glob("*.msgarch")))
def test_v1_examples_give_the_same_findings_as_before(name, monkeypatch):
    """Findings of every v1 example, byte for byte, as the release before language v2 gave them."""
    from click.testing import CliRunner

    from msgarch.cli.main import cli

    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(cli, ["lint", "--format", "json", f"examples/{name}.msgarch"])
    golden = (ROOT / "tests" / "golden" / "v1-findings" / f"{name}.json").read_text(encoding="utf-8")
    assert json.loads(result.output) == json.loads(golden)


# --- the five verdicts the issue names ------------------------------------------------

EVENT_BUS = """
broker bus : rabbitmq
channel event-bus on bus : exchange { type direct  durable }
channel ordering on bus : queue { durable }
route event-bus -> ordering { key "OrderPaid" "OrderShipped" }
message OrderPaid
message OrderShipped
component payments { publishes OrderPaid to event-bus { key "OrderPaid" } }
component shipping { publishes OrderShipped to event-bus { key "OrderShipped" } }
component orders { consumes OrderPaid, OrderShipped from ordering }
"""


def test_direct_exchange_with_a_binding_per_event_is_not_p104(tmp_path):
    found = _lint(tmp_path, EVENT_BUS, select=["P104"])
    assert not found


def test_a_type_that_reaches_a_queue_whose_consumers_do_not_take_it_is_p104(tmp_path):
    text = EVENT_BUS.replace('route event-bus -> ordering { key "OrderPaid" "OrderShipped" }',
                             'route event-bus -> ordering { key "OrderPaid" "OrderShipped" "OrderLost" }')
    text += 'message OrderLost\ncomponent lost { publishes OrderLost to event-bus { key "OrderLost" } }\n'
    found = _lint(tmp_path, text, select=["P104"])
    assert len(found) == 1 and "OrderLost from lost reaches channel 'ordering'" in found[0].message


CELERY_CHAIN = """
broker tasks : celery-redis
channel build on tasks : queue
channel upload on tasks : queue
message BuildDocs
message UploadHtml
component web { publishes BuildDocs to build }
component builder {
  instances 4
  consumes BuildDocs from build
  publishes UploadHtml to upload
  consumes UploadHtml from upload
}
"""


def test_celery_chain_across_two_queues_of_one_pool_is_not_s006(tmp_path):
    assert not _lint(tmp_path, CELERY_CHAIN, select=["S006"])
    model = _model(tmp_path, CELERY_CHAIN)
    assert "builder->builder:UploadHtml@upload" in [f.id for f in model.flows]


def test_one_stream_four_producers_six_consumers_is_ten_lines(tmp_path):
    producers = "\n".join(f"component p{i} {{ publishes Reading to readings {{ rate 100/s }} }}" for i in range(4))
    consumers = "\n".join(f"component c{i} {{ consumes Reading from readings }}" for i in range(6))
    model = _model(tmp_path, f"""
        broker log : kafka
        channel readings on log : topic {{ partitions 6 }}
        message Reading
        {producers}
        {consumers}
    """.replace("\n        ", "\n"))
    derived = [f for f in model.flows if f.derived]
    assert len(derived) == 4  # one per publish, each reaching the six groups
    assert all(len(f.groups) == 6 and f.pattern == "pubsub" for f in derived)


def test_fan_in_flow_is_accepted(tmp_path):
    model = _model(tmp_path, """
        broker bus : rabbitmq
        component a
        component b
        component c
        message M
        flow a, b -> c : M { rate 10/s }
    """)
    assert [f.id for f in model.flows] == ["a->c:M", "b->c:M"]


def test_zeromq_pub_is_sized_per_instance(tmp_path):
    found = _lint(tmp_path, """
        broker feed : zeromq
        channel ticks on feed : pub
        message Tick { size 120B }
        component gateway { publishes Tick to ticks { rate 50k/s } }
        component pricer { instances 10  capacity 30k/s  consumes Tick from ticks }
    """, select=["C301"])
    assert len(found) == 1
    assert "more instances cannot help" in found[0].message
    assert "each of 10 instances" in found[0].message


def test_zeromq_push_pull_shares(tmp_path):
    found = _lint(tmp_path, """
        broker feed : zeromq
        channel work on feed : push
        message Job
        component gateway { publishes Job to work { rate 50k/s } }
        component worker { instances 10  capacity 30k/s  consumes Job from work }
    """, select=["C301", "T705"])
    assert not found


# --- derivation -----------------------------------------------------------------------

def test_rates_split_by_matched_keys(tmp_path):
    model = _model(tmp_path, """
        broker bus : rabbitmq
        channel orders on bus : exchange { type topic }
        channel eu on bus : queue
        channel all on bus : queue
        route orders -> eu { key "order.eu.*" }
        route orders -> all { key "order.#" }
        message OrderPaid
        component checkout { publishes OrderPaid to orders { key "order.eu.paid" "order.us.paid"  rate 100/s } }
        component eu-billing { consumes OrderPaid from eu }
        component audit { consumes OrderPaid from all }
    """)
    rates = {f.channel: f.rate for f in model.flows}
    assert rates == {"eu": 50.0, "all": 100.0}


def test_one_copy_per_queue_however_many_bindings_match(tmp_path):
    model = _model(tmp_path, """
        broker bus : rabbitmq
        channel orders on bus : exchange { type topic }
        channel billing on bus : queue
        route orders -> billing { key "order.*.paid" "order.#" }
        message OrderPaid
        component checkout { publishes OrderPaid to orders { key "order.eu.paid"  rate 100/s } }
        component billing-svc { consumes OrderPaid from billing }
    """)
    assert [f.rate for f in model.flows] == [100.0]


def test_groups_share_and_each_group_gets_a_copy(tmp_path):
    from msgarch.analysis.load import broker_loads, delivery_shares

    model = _model(tmp_path, """
        broker log : kafka
        channel payments on log : topic { partitions 12 }
        message P { size 1KB }
        component checkout { publishes P to payments { rate 300/s } }
        component ledger-a { instances 2  consumes P from payments { group ledger } }
        component ledger-b { instances 1  consumes P from payments { group ledger } }
        component audit { consumes P from payments }
    """)
    flow = next(f for f in model.flows if f.derived)
    shares = delivery_shares(model, flow)
    assert shares == pytest.approx({"ledger-a": 2 / 3, "ledger-b": 1 / 3, "audit": 1.0})
    load = broker_loads(model)["log"]
    assert load.average.produced == pytest.approx(300.0)
    assert load.average.delivered == pytest.approx(600.0)


def test_fanout_to_two_queues_is_produced_once(tmp_path):
    from msgarch.analysis.load import broker_loads

    model = _model(tmp_path, """
        broker bus : rabbitmq
        channel events on bus : exchange { type fanout }
        channel a on bus : queue
        channel b on bus : queue
        route events -> a, b
        message E { size 1KB }
        component src { publishes E to events { rate 100/s } }
        component x { consumes E from a }
        component y { consumes E from b }
    """)
    load = broker_loads(model)["bus"]
    assert load.average.produced == pytest.approx(100.0)
    assert load.average.delivered == pytest.approx(200.0)


def test_cross_broker_route_carries_traffic_on_both(tmp_path):
    from msgarch.analysis.load import broker_loads

    model = _model(tmp_path, """
        broker notify : sns
        broker work : sqs
        channel order-events on notify : topic
        channel billing-jobs on work : queue
        route order-events -> billing-jobs { filter "type = paid" }
        message OrderEvent { size 1KB }
        component orders { publishes OrderEvent to order-events { headers "type=paid"  rate 10/s } }
        component billing { consumes OrderEvent from billing-jobs }
    """)
    [flow] = [f for f in model.flows if f.derived]
    assert (flow.via, flow.transit, flow.path) == ("work", ("notify",), ("order-events", "billing-jobs"))
    loads = broker_loads(model)
    assert loads["notify"].average.messages == pytest.approx(20.0)
    assert loads["work"].average.messages == pytest.approx(20.0)


def test_sns_filter_policy_excludes(tmp_path):
    model = _model(tmp_path, """
        broker notify : sns
        broker work : sqs
        channel order-events on notify : topic
        channel billing-jobs on work : queue
        route order-events -> billing-jobs { filter "type = paid" }
        message OrderEvent
        component orders { publishes OrderEvent to order-events { headers "type=refunded" } }
        component billing { consumes OrderEvent from billing-jobs }
    """)
    assert [f for f in model.flows if f.derived] == []


def test_single_active_consumer_keeps_order(tmp_path):
    found = _lint(tmp_path, """
        broker bus : rabbitmq
        channel ledger on bus : queue { single-active-consumer }
        message Entry
        component src { publishes Entry to ledger }
        component book { instances 3  consumes Entry from ledger { ordered } }
    """, select=["B209"])
    assert not found
    found = _lint(tmp_path, """
        broker bus : rabbitmq
        channel ledger on bus : queue
        message Entry
        component src { publishes Entry to ledger }
        component book { instances 3  consumes Entry from ledger { ordered } }
    """, select=["B209"])
    assert len(found) == 1


def test_findings_on_derived_flows_point_at_their_declarations(tmp_path):
    found = _lint(tmp_path, """
        broker log : kafka
        channel orders on log : topic
        message M
        component web { publishes M to orders { priority 3 } }
        component billing { consumes M from orders }
    """, select=["B203"])
    assert len(found) == 1
    labels = [r.note for r in found[0].related]
    assert "web publishes M to orders" in labels and "billing consumes M from orders" in labels


def test_derivation_is_deterministic(tmp_path):
    text = (FIXTURES / "spec-2.msgarch").read_text(encoding="utf-8")
    first = _model(tmp_path, text, "a.msgarch")
    second = _model(tmp_path, text, "a.msgarch")
    assert [f.id for f in first.flows] == [f.id for f in second.flows]


# --- errors in the new constructs -----------------------------------------------------

@pytest.mark.parametrize(("text", "fragment"), [
    ("broker bus : rabbitmq\nchannel q on bus : queu\n", "'queu' is not a channel type of rabbitmq (did you mean 'queue'?)"),
    ("broker bus : rabbitmq\nchannel q on bus : queue { partitions 3 }\n", "'partitions' is not a setting of a rabbitmq queue"),
    ("broker bus : rabbitmq\nchannel x on bus : exchange { type topik }\n", "'topik' is not a valid type"),
    ("broker bus : rabbitmq\nchannel q on bus : queue\nmessage M\ncomponent a { consumes M from q { on-error requeu } }\n",
     "'requeu' is not an on-error action (did you mean 'requeue'?)"),
    ("broker bus : rabbitmq\nchannel q on bus : queue\nmessage M\ncomponent a { publishes M to q { via bus } }\n",
     "`via` on a publish"),
    ("broker bus : rabbitmq\nchannel q on bus : queue { max-length 10x }\n", "max-length"),
    ("broker bus : rabbitmq\nchannel x on bus : exchange\nmessage M\ncomponent a { consumes M from x }\n",
     "holds no messages"),
])
def test_bad_v2_input_is_a_located_e001(tmp_path, text, fragment):
    path = tmp_path / "m.msgarch"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_model(str(path))
    diagnostics = error.value.diagnostics
    assert any(fragment in d.message for d in diagnostics), [d.message for d in diagnostics]
    assert all(d.code == "E001" and d.span is not None and d.span.line >= 1 for d in diagnostics)


def test_unknown_setting_is_a_syntax_error_with_did_you_mean(tmp_path):
    path = tmp_path / "m.msgarch"
    path.write_text("broker bus : rabbitmq\nchannel q on bus : queue { durabel }\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_model(str(path))
    [diagnostic] = error.value.diagnostics
    assert (diagnostic.span.line, diagnostic.span.column) == (2, 28)
    assert "did you mean 'durable'" in diagnostic.message


# --- matchers -------------------------------------------------------------------------

@pytest.mark.parametrize(("pattern", "key", "expected"), [
    ("order.*.paid", "order.eu.paid", True), ("order.*.paid", "order.paid", False),
    ("order.#", "order", True), ("#", "a.b.c", True), ("#.paid", "order.eu.paid", True),
    ("a.#.z", "a.z", True), ("a.#.z", "a.b.c.z", True), ("a.*", "a.b.c", False),
])
def test_amqp_topic(pattern, key, expected):
    assert routing.amqp_topic(pattern, key) is expected


@pytest.mark.parametrize(("pattern", "key", "expected"), [
    ("orders.>", "orders.eu.new", True), ("orders.>", "orders", False), ("orders.*", "orders.eu", True),
    ("orders.*", "orders.eu.new", False), ("orders.new", "orders.new", True),
])
def test_nats_subject(pattern, key, expected):
    assert routing.nats_subject(pattern, key) is expected


@pytest.mark.parametrize(("pattern", "key", "expected"), [
    ("sensors/+/temp", "sensors/a/temp", True), ("sensors/#", "sensors", True),
    ("sensors/#", "sensors/a/b", True), ("sensors/+", "sensors/a/b", False),
])
def test_mqtt_topic(pattern, key, expected):
    assert routing.mqtt_topic(pattern, key) is expected


def test_grammar_settings_are_generated_from_the_tables():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_grammar.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_an_https_subscriber_consumes_an_sns_topic_directly(tmp_path):
    model = _model(tmp_path, """
        broker notify : sns
        channel alerts on notify : topic
        message Alert
        component monitor { publishes Alert to alerts { rate 1/s } }
        component pager { instances 2  consumes Alert from alerts }
        component mailer { consumes Alert from alerts }
    """)
    [flow] = [f for f in model.flows if f.derived]
    assert flow.groups == (("pager",), ("mailer",)) and flow.pattern == "pubsub"


def test_broker_command_lists_channel_types_and_settings():
    from click.testing import CliRunner

    from msgarch.cli.main import cli

    result = CliRunner().invoke(cli, ["broker", "kafka"])
    assert result.exit_code == 0
    assert "channel type topic: delivery groups, routing whole" in result.output
    assert "consume offset-reset (default latest; auto.offset.reset)" in result.output


def test_a_user_profile_adds_a_channel_type(tmp_path):
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "rabbitmq.yaml").write_text(textwrap.dedent("""
        id: rabbitmq
        channels:
          superstream:
            description: A RabbitMQ super stream (partitioned streams behind one exchange).
            delivery: groups
            routing: whole
            per-partition: true
            source: https://www.rabbitmq.com/docs/streams#super-streams
            settings:
              partitions: {value: count, default: 3, vendor: partitions, means: three partitions, source: https://www.rabbitmq.com/docs/streams#super-streams}
    """), encoding="utf-8")
    text = """
        broker bus : rabbitmq
        channel events on bus : superstream { partitions 6 }
        message E
        component src { publishes E to events }
        component dst { instances 6  consumes E from events }
    """
    path = tmp_path / "m.msgarch"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    with pytest.raises(InputError):  # the built-in vocabulary has no such type
        load_model(str(path))
    report = api.lint([str(path)], Config(profiles=(str(profiles),)))
    assert not [d for d in report.diagnostics if d.is_input_error], report.diagnostics
    model = load_model(str(path), profile_dirs=(str(profiles),))
    [flow] = [f for f in model.flows if f.derived]
    assert flow.per_partition and flow.partitions == 6


def test_processing_time_gives_the_capacity_when_none_is_declared(tmp_path):
    found = _lint(tmp_path, """
        broker bus : rabbitmq
        channel jobs on bus : queue { durable }
        message Job
        component web { publishes Job to jobs { rate 40/s } }
        component worker { instances 2  consumes Job from jobs { processing 100ms max 1s } }
    """, select=["C301", "C307"])
    assert [d.code for d in found] == ["C301"]
    assert "2 x 10/s" in found[0].message and "typical `processing` time" in found[0].hint


def test_a_declared_capacity_wins_over_processing(tmp_path):
    found = _lint(tmp_path, """
        broker bus : rabbitmq
        channel jobs on bus : queue { durable }
        message Job
        component web { publishes Job to jobs { rate 40/s } }
        component worker { instances 2  capacity 100/s  consumes Job from jobs { processing 100ms } }
    """, select=["C301"])
    assert not found


def test_a_channel_on_an_undeclared_broker_is_s001_not_a_crash(tmp_path):
    found = _lint(tmp_path, """
        channel ticks on feed : pub
        message Tick
        component gateway { publishes Tick to ticks }
        component pricer { instances 8  consumes Tick from ticks }
    """)
    assert [d.code for d in found if d.severity.label == "error"] == ["S001"]


def test_p104_does_not_depend_on_declaration_order(tmp_path):
    text = EVENT_BUS.replace('route event-bus -> ordering { key "OrderPaid" "OrderShipped" }',
                             'route event-bus -> ordering { key "OrderPaid" "OrderShipped" "X" }')
    first = 'message X\ncomponent zed { publishes X to event-bus { key "X" } }\ncomponent amy { publishes X to event-bus { key "X" } }\n'
    second = 'message X\ncomponent amy { publishes X to event-bus { key "X" } }\ncomponent zed { publishes X to event-bus { key "X" } }\n'
    a = [d.message for d in _lint(tmp_path, text + first, select=["P104"])]
    b = [d.message for d in _lint(tmp_path, text + second, select=["P104"])]
    assert a == b and len(a) == 1 and "from amy" in a[0]
