"""Broker-fit checks: the cases issue 3 says must be caught, the examples, and the shared verdicts."""

from __future__ import annotations

import re
import textwrap

import pytest
import yaml

from msgarch import api
from msgarch.analysis import fit
from msgarch.brokers import builtin_ids, load_builtin, load_profile_file
from msgarch.diagnostics import Severity
from msgarch.lint.config import Config

from conftest import EXAMPLES, ROOT


def lint(write, source: str, select=("P", "B")):
    path = write("case.msgarch", source)
    report = api.lint([str(path)], Config(select=tuple(select)))
    assert not [d for d in report.diagnostics if d.is_input_error], report.diagnostics
    return list(report.diagnostics)


def only(diagnostics, code):
    found = [d for d in diagnostics if d.code == code]
    assert len(found) == 1, [(d.code, d.message) for d in diagnostics]
    return found[0]


# -- the cases the issue lists ------------------------------------------------------------------

MUST_CATCH = {
    "priority-on-kafka": ("""
        broker events : kafka
        component api
        component worker { instances 2 }
        message Job { size 1KB }
        flow api -> worker : Job { via events  pattern queue  priority 3 }
        """, "B203", Severity.ERROR,
        ["needs 3 priority levels", "has no message priorities", "[kafka profile, priority: no (source: http"]),
    "durable-pubsub-on-redis-pubsub": ("""
        broker cache : redis-pubsub
        component orders
        component billing
        component audit
        message OrderPlaced { size 1KB }
        flow orders -> billing, audit : OrderPlaced { via cache  pattern pubsub  durable }
        """, "B212", Severity.ERROR,
        ["needs durable subscriptions", "redis-pubsub profile, durable-subscriptions: no"]),
    "durable-pubsub-on-core-nats": ("""
        broker bus : nats
        component orders
        component billing
        component audit
        message OrderPlaced { size 1KB }
        flow orders -> billing, audit : OrderPlaced { via bus  pattern pubsub  delivery at-least-once }
        """, "B212", Severity.ERROR,
        ["needs durable subscriptions", "nats profile, durable-subscriptions: no", "nats-jetstream"]),
    "request-reply-over-kafka": ("""
        broker events : kafka
        component web
        component orders
        message PlaceOrder { size 1KB }
        flow web -> orders : PlaceOrder { via events  pattern request-reply }
        """, "P102", Severity.WARNING,
        ["needs pattern request-reply", "has no native request-reply", "kafka profile, patterns.request-reply: no"]),
    "five-megabytes-on-kafka": ("""
        broker events : kafka
        component reports
        component archive
        message Report { size 200KB  max-size 5MB }
        flow reports -> archive : Report { via events  pattern queue }
        """, "B208", Severity.ERROR,
        ["needs messages of up to 5 MB (Report max-size)", "accepts at most 1 MiB (1,048,576 bytes) by default",
         "kafka profile, max-message: default 1 MiB"]),
    "two-hour-delay-on-sqs": ("""
        broker q : sqs
        component billing
        component dunning
        message Reminder { size 1KB }
        flow billing -> dunning : Reminder { via q  pattern queue  delay 2h }
        """, "B205", Severity.ERROR,
        ["needs delayed delivery of up to 2 h", "delays messages by at most 15 min", "sqs profile, delay: yes, up to 15 min"]),
    "fan-out-through-a-plain-sqs-queue": ("""
        broker q : sqs
        component orders
        component billing
        component shipping
        message OrderPlaced { size 1KB }
        flow orders -> billing, shipping : OrderPlaced { via q }
        """, "P102", Severity.WARNING,
        ["needs pattern pubsub (inferred)", "has no native fan-out", "sqs profile, patterns.pubsub: no", "sns"]),
    "per-key-order-with-three-competing-consumers-on-a-classic-queue": ("""
        broker bus : rabbitmq
        component orders
        component billing { instances 3 }
        message OrderEvent { size 1KB }
        flow orders -> billing : OrderEvent { via bus  pattern queue  ordered by order_id }
        """, "B209", Severity.WARNING,
        ["needs order per order_id", "3 competing instances of 'billing'", "rabbitmq profile, ordering:"]),
    "exactly-once-on-rabbitmq": ("""
        broker bus : rabbitmq
        component orders
        component billing
        message ChargeCard { size 1KB }
        flow orders -> billing : ChargeCard { via bus  pattern queue  delivery exactly-once }
        """, "B202", Severity.ERROR,
        ["needs exactly-once delivery", "an idempotent consumer turns at-least-once into effectively-once",
         "rabbitmq profile, delivery: at-least-once"]),
    "max-size-below-a-five-megabyte-size-on-kafka": ("""
        broker events : kafka
        component reports
        component archive
        message M { size 5MB  max-size 1KB }
        flow reports -> archive : M { via events  pattern queue }
        """, "B208", Severity.ERROR,
        ["needs messages of up to 5 MB (M size)", "kafka profile, max-message: default 1 MiB"]),
    "retention-with-replay-on-artemis": ("""
        broker bus : artemis
        component orders
        component analytics
        message OrderPlaced { size 1KB }
        flow orders -> analytics : OrderPlaced { via bus  pattern queue  retention 30d  replay }
        """, "B207", Severity.ERROR,
        ["needs replay of consumed messages (retention 30 d)", "a retention of 30 d is not guaranteed",
         "artemis profile, replay: partial"]),
    "topic-wildcard-routing-on-kafka": ("""
        broker events : kafka
        component shop
        component alerts
        message StockAlert { size 1KB }
        flow shop -> alerts : StockAlert { via events  pattern pubsub  routing topic }
        """, "B210", Severity.INFO,
        ["needs topic-wildcard routing", "fits with a caveat", "kafka profile, routing.topic: partial"]),
}


@pytest.mark.parametrize("case", sorted(MUST_CATCH))
def test_must_catch(write, case):
    source, code, severity, fragments = MUST_CATCH[case]
    finding = only(lint(write, source), code)
    assert finding.severity == severity
    for fragment in fragments:
        assert fragment in finding.message, (fragment, finding.message)
    assert finding.hint
    if severity > Severity.INFO:
        assert "built-in brokers that fit" in finding.message


def test_durable_pubsub_on_redis_is_also_not_durable(write):
    diagnostics = lint(write, MUST_CATCH["durable-pubsub-on-redis-pubsub"][0])
    assert only(diagnostics, "B201").severity == Severity.ERROR


def test_per_key_order_on_kafka_with_partitions_is_fine(write):
    diagnostics = lint(write, """
        broker events : kafka
        component orders
        component billing { instances 3 }
        message OrderEvent { size 1KB }
        flow orders -> billing : OrderEvent { via events  pattern queue  ordered by order_id  partitions 12 }
        """)
    assert not [d for d in diagnostics if d.code == "B209"]


def test_broker_max_message_overrides_the_profile_default(write):
    diagnostics = lint(write, """
        broker events : kafka { max-message 8MB }
        component reports
        component archive
        message Report { max-size 5MB }
        flow reports -> archive : Report { via events  pattern queue }
        """)
    assert not [d for d in diagnostics if d.code == "B208"]


def test_a_clean_well_chosen_design_has_no_finding(write):
    diagnostics = lint(write, """
        system "Shop" { requires monitoring, open-source }
        broker bus : rabbitmq-quorum { nodes 3  version "4.1.0" }
        broker events : kafka { nodes 3  replication 3 }
        component web { instances 2 }
        component orders { instances 3  idempotent }
        component billing { instances 2  idempotent }
        component analytics { idempotent }
        message PlaceOrder { size 2KB  max-size 64KB }
        message OrderPlaced { size 1KB  max-size 256KB }
        flow web -> orders : PlaceOrder { via bus  pattern queue  durable  delivery at-least-once  dead-letter }
        flow orders -> billing, analytics : OrderPlaced {
          via events
          pattern pubsub
          durable
          delivery at-least-once
          ordered by order_id
          partitions 12
          replay
          retention 7d
          latency 1s
        }
        """)
    assert diagnostics == []


def test_uncertain_facts_say_so(write):
    finding = only(lint(write, """
        broker q : sqs
        component a
        component b
        message Scan { max-size 300KB }
        flow a -> b : Scan { via q  pattern queue }
        """), "B208")
    assert "(uncertain: " in finding.message


def test_version_dependent_fact_applies_only_with_a_version(write):
    base = """
        broker jobs : rabbitmq-quorum {VERSION}
        component api
        component worker
        message Job
        flow api -> worker : Job { via jobs  pattern queue  priority 2 }
        """
    old = only(lint(write, base.replace("{VERSION}", '{ version "3.13.7" }')), "B203")
    assert old.severity == Severity.ERROR and "(version 3.13.7)" in old.message
    middle = only(lint(write, base.replace("{VERSION}", '{ version "4.2" }')), "B203")
    assert middle.severity == Severity.INFO
    assert not [d for d in lint(write, base.replace("{VERSION}", "")) if d.code == "B203"]  # 4.3: 32 levels


def test_kind_properties_are_reported_once_per_kind_with_the_flows_related(write):
    """Issue 10 item 20: one finding on the kind's line, the flows as related locations."""
    diagnostics = lint(write, """
        broker events : kafka
        component api
        component a
        component b
        message Job
        kind urgent { via events  pattern queue  priority 3 }
        flow api -[urgent]-> a : Job
        flow api -[urgent]-> b : Job
        """)
    (found,) = [d for d in diagnostics if d.code == "B203"]
    assert found.message.startswith("kind 'urgent' (2 flows: api->a:Job, api->b:Job) needs 3 priority levels")
    assert found.span.line == 7  # the kind's `priority` line
    assert [r.span.line for r in found.related if "takes `priority` from kind 'urgent'" in r.note] == [8, 9]


# -- one check, two users ---------------------------------------------------------------------

EVERYTHING = """
    broker b : {KIND}
    component p
    component c { instances 3 }
    component d { instances 2 }
    message M { size 1KB  max-size 2MB }
    flow p -> c, d : M {
      via b
      pattern pubsub
      durable
      delivery exactly-once
      ordered by k
      priority 4
      ttl 30s
      delay 1h
      dead-letter
      replay
      routing topic
      latency 2ms
    }
    """

_RULE_REQUIREMENT = {code: key for key, code in fit.RULE_FOR.items()}


@pytest.mark.parametrize("kind", ["kafka", "rabbitmq", "sqs", "nats", "mqtt", "postgres", "artemis", "zeromq"])
def test_lint_findings_are_the_fit_verdicts(write, kind):
    """Every P102/B finding is a verdict of msgarch.analysis.fit, and every unmet verdict is a finding."""
    source = EVERYTHING.replace("{KIND}", kind)
    diagnostics = [d for d in lint(write, source) if d.code in _RULE_REQUIREMENT]
    model = api.load_one(str(write("case.msgarch", source)))
    verdicts = fit.check_all(fit.FlowNeeds.of(model.flows[0], model), load_builtin(kind))
    expected = sorted((fit.RULE_FOR[v.requirement], v.status) for v in verdicts if v.status != fit.FITS)
    got = sorted((d.code, fit.NO if d.severity > Severity.INFO else fit.CAVEAT) for d in diagnostics)
    assert got == expected
    for d in diagnostics:
        verdict = next(v for v in verdicts if v.requirement == _RULE_REQUIREMENT[d.code])
        assert verdict.reason() in d.message


def test_alternatives_fit_the_need_and_skip_the_current_kind(write):
    model = api.load_one(str(write("case.msgarch", EVERYTHING.replace("{KIND}", "kafka"))))
    needs = fit.FlowNeeds.of(model.flows[0], model)
    for key in fit.CHECKS:
        first = fit.alternatives(needs, key, exclude="kafka")
        assert first == fit.alternatives(needs, key, exclude="kafka")  # deterministic
        assert "kafka" not in first.brokers and len(first.brokers) <= 2
        for broker in first.brokers:
            verdict = fit.check(key, needs.as_shipped(), load_builtin(broker))
            assert verdict is not None and verdict.status == first.status


def test_alternatives_never_suggest_the_jms_specification(write):
    """`jms` is what the JMS specification alone guarantees, not a broker one can switch to."""
    finding = only(lint(write, """
        broker md : zeromq
        component a
        component b
        message M
        flow a -> b : M { via md  pattern queue  durable }
        """), "B201")
    assert "built-in brokers that fit: kafka, " in finding.message
    assert "jms" not in finding.message
    model = api.load_one(str(write("case.msgarch", EVERYTHING.replace("{KIND}", "zeromq"))))
    needs = fit.FlowNeeds.of(model.flows[0], model)
    for key in fit.CHECKS:
        assert "jms" not in fit.alternatives(needs, key, exclude="zeromq", like=load_builtin("zeromq")).brokers


def test_a_flow_on_jms_itself_is_still_judged(write):
    finding = only(lint(write, """
        broker bus : jms
        component a
        component b
        message M
        flow a -> b : M { via bus  pattern queue  dead-letter }
        """), "B206")
    assert "jms profile, dead-letter: no" in finding.message


def test_partial_replay_is_a_caveat_without_retention_and_unmet_with_it(write):
    base = """
        broker bus : artemis
        component a
        component b
        message M
        flow a -> b : M { via bus  pattern queue  PROPS }
        """
    replay = only(lint(write, base.replace("PROPS", "replay")), "B207")
    assert replay.severity == Severity.INFO
    for props in ("retention 30d", "retention 30d  replay"):
        model = api.load_one(str(write("case.msgarch", base.replace("PROPS", props))))
        verdict = fit.check("replay", fit.FlowNeeds.of(model.flows[0], model), load_builtin("artemis"))
        assert verdict.status == fit.NO and "not guaranteed" in verdict.reason()
        assert only(lint(write, base.replace("PROPS", props)), "B207").severity == Severity.ERROR


def test_recommendation_ignores_the_declared_brokers_overrides(write):
    model = api.load_one(str(write("case.msgarch", """
        broker events : kafka { max-message 8MB }
        component a
        component b
        message M { max-size 5MB }
        flow a -> b : M { via events }
        """)))
    on_broker = fit.check("max-size", fit.FlowNeeds.of(model.flows[0], model), load_builtin("kafka"))
    shipped = fit.check("max-size", fit.FlowNeeds.of(model.flows[0], model, on_broker=False), load_builtin("kafka"))
    assert (on_broker.status, shipped.status) == (fit.FITS, fit.NO)


# -- the examples -----------------------------------------------------------------------------

def _expected_part_of_header(text: str) -> str:
    """The leading comment block, up to a "Not expected" line."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#") or line.lstrip("# ").lower().startswith("not expected"):
            break
        lines.append(line)
    return "\n".join(lines)


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.msgarch")), ids=lambda p: p.name)
def test_examples_have_only_the_pattern_and_broker_findings_their_header_expects(path):
    """Every P/B finding's code is named in the header's expectations, and every P/B code named is found."""
    named = set(re.findall(r"\b([PB]\d{3})\b", _expected_part_of_header(path.read_text(encoding="utf-8"))))
    report = api.lint([str(path)], Config(select=("P", "B")))
    found = {d.code for d in report.diagnostics}
    assert found <= named, [(d.code, d.message) for d in report.diagnostics if d.code not in named]
    assert named <= found, f"{path.name}: the header expects {sorted(named - found)}"


# -- docs/brokers.md --------------------------------------------------------------------------

def _yaml_blocks(markdown: str) -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", markdown, flags=re.S)


def test_the_custom_profiles_in_the_docs_load(tmp_path):
    blocks = _yaml_blocks((ROOT / "docs" / "brokers.md").read_text(encoding="utf-8"))
    complete = [b for b in blocks if b.startswith("id: ")]
    overrides = [b for b in blocks if not b.startswith("id: ")]
    assert complete and overrides
    for i, block in enumerate(complete):
        path = tmp_path / f"full{i}.yaml"
        path.write_text(block, encoding="utf-8")
        profile = load_profile_file(str(path))
        assert profile.at_version("1.4").fact("delay").support == "no"
        assert profile.fact("delay").support == "yes"
    for i, block in enumerate(overrides):
        path = tmp_path / f"override{i}.yaml"
        path.write_text(block, encoding="utf-8")
        assert isinstance(yaml.safe_load(block), dict)
        profile = load_profile_file(str(path), base=load_builtin("kafka"))
        assert profile.max_message_default == 10_000_000


def test_the_custom_profile_example_lints(tmp_path):
    block = next(b for b in _yaml_blocks((ROOT / "docs" / "brokers.md").read_text(encoding="utf-8"))
                 if b.startswith("id: "))
    (tmp_path / "acme-bus.yaml").write_text(block, encoding="utf-8")
    root = tmp_path / "m.msgarch"
    root.write_text(textwrap.dedent("""
        broker bus : custom { profile "acme-bus.yaml"  version "1.4" }
        component api
        component worker
        message Job
        flow api -> worker : Job { via bus  pattern queue  delay 1h }
        """), encoding="utf-8")
    report = api.lint([str(root)], Config(select=("B",)))
    finding = only(report.diagnostics, "B205")
    assert "acme-bus profile (version 1.4), delay: no" in finding.message


@pytest.mark.parametrize("kind", builtin_ids())
@pytest.mark.parametrize("pattern", ["queue", "pubsub", "request-reply"])
def test_every_builtin_profile_gives_cited_verdicts(write, kind, pattern):
    source = EVERYTHING.replace("{KIND}", kind).replace("pattern pubsub", f"pattern {pattern}")
    model = api.load_one(str(write("case.msgarch", source)))
    for version in (None, "1.0", "3.13", "4.0", "99.0"):
        profile = load_builtin(kind, version)
        verdicts = fit.check_all(fit.FlowNeeds.of(model.flows[0], model), profile)
        expected = [key for key in fit.CHECKS if pattern == "pubsub" or key != "durable-subscription"]
        assert [v.requirement for v in verdicts] == expected
        for verdict in verdicts:
            assert verdict.status in (fit.FITS, fit.CAVEAT, fit.NO)
            assert verdict.fact.cite() in verdict.reason()
            assert verdict.status == fit.FITS or verdict.hint


def _examples(doc: str) -> dict[str, str]:
    """The `Fails:` and `Passes:` blocks of a rule docstring, dedented."""
    import inspect

    blocks, current = {}, None
    for line in inspect.cleandoc(doc).splitlines():
        if line in ("Fails:", "Passes:"):
            current = line[:-1]
            blocks[current] = []
        elif current and (line.startswith("    ") or not line.strip()):
            blocks[current].append(line[4:])
        else:
            current = None
    return {name: "\n".join(lines).strip() + "\n" for name, lines in blocks.items()}


@pytest.mark.parametrize("code", [c for c in sorted(_RULE_REQUIREMENT) + ["B213", "B214", "P101", "P103", "P104"]])
def test_docstring_examples_do_what_they_say(write, code):
    from msgarch.lint.registry import find_rule

    examples = _examples(find_rule(code).__doc__)
    fails = [d for d in lint(write, examples["Fails"], select=(code,)) if d.code == code]
    passes = [d for d in lint(write, examples["Passes"], select=(code,)) if d.code == code]
    assert fails and fails[0].severity == find_rule(code).severity, examples["Fails"]
    assert not passes, [d.message for d in passes]
