"""Issue 10: verdicts that rest on corrected broker facts, broker settings and limit boundaries.

Cases that need only the language as it is live in tests/rules/*.yaml; the ones here need
a broker setting (language v2 gives `Broker` a `settings` mapping: until it lands, the
tests set the attribute on the built model), or compare two verdicts.
"""

from __future__ import annotations

import pytest

from msgarch import api
from msgarch.analysis import fit
from msgarch.brokers import load_builtin
from msgarch.diagnostics import Severity
from msgarch.lint.config import Config
from msgarch.lint.runner import lint_model


def findings(write, source: str, settings: dict | None = None, code: str | None = None, select=("B",)):
    """Lint ``source`` with ``settings`` on its first broker; the findings of ``code``."""
    model = api.load_one(str(write("case.msgarch", source)))
    if settings is not None:
        broker = next(iter(model.brokers.values()))
        object.__setattr__(broker, "settings", settings)  # what language v2's builder will set
    found = lint_model(model, Config(select=tuple(select)))
    assert not [d for d in found if d.is_input_error], found
    return [d for d in found if code is None or d.code == code]


CELERY_RABBIT_DELAY = """
broker tasks : celery-rabbitmq { version "4.2" }
component web
component worker
message SendReminder
flow web -> worker : SendReminder { via tasks  delay 2h }
"""


# -- item 2: Celery's delay bounds are configurable defaults -----------------------------------
def test_celery_delay_beyond_the_default_consumer_timeout_is_a_caveat_naming_the_setting(write):
    (finding,) = findings(write, CELERY_RABBIT_DELAY, code="B205")
    assert finding.severity == Severity.INFO
    assert "fits if you raise `consumer_timeout` (default 30 min" in finding.message
    assert "to at least 2 h" in finding.message
    assert "consumer-timeout 2h" in finding.hint


def test_a_declared_consumer_timeout_that_covers_the_delay_leaves_only_the_eta_caveat(write):
    (finding,) = findings(write, CELERY_RABBIT_DELAY, {"consumer-timeout": 3 * 3600.0}, code="B205")
    assert finding.severity == Severity.INFO
    assert "has delayed delivery only partially" in finding.message and "raise" not in finding.message


def test_a_declared_consumer_timeout_below_the_delay_does_not_fit(write):
    (finding,) = findings(write, CELERY_RABBIT_DELAY, {"consumer-timeout": 3600.0}, code="B205")
    assert finding.severity == Severity.ERROR
    assert "delays messages by at most 1 h, the `consumer-timeout` declared on broker 'tasks'" in finding.message
    assert "raise `consumer-timeout`" in finding.hint


def test_visibility_timeout_on_celery_redis_and_its_sqs_maximum(write):
    redis = CELERY_RABBIT_DELAY.replace('celery-rabbitmq { version "4.2" }', "celery-redis").replace("2h", "5h")
    assert findings(write, redis, {"visibility-timeout": 6 * 3600.0}, code="B205")[0].severity == Severity.INFO
    assert findings(write, redis, {"visibility-timeout": 3600.0}, code="B205")[0].severity == Severity.ERROR
    sqs = redis.replace("celery-redis", "celery-sqs").replace("5h", "13h")
    (finding,) = findings(write, sqs, code="B205")
    assert finding.severity == Severity.ERROR and "the largest visibility_timeout allowed" in finding.message


def test_a_delay_equal_to_the_default_timeout_fits_within_it(write):
    exact = CELERY_RABBIT_DELAY.replace("2h", "30min")
    (finding,) = findings(write, exact, code="B205")
    assert "raise" not in finding.message and finding.severity == Severity.INFO


# -- item 5: RabbitMQ delay through wait queues, or the plugin ------------------------------------
RABBIT_DELAY = CELERY_RABBIT_DELAY.replace('celery-rabbitmq { version "4.2" }', "rabbitmq")


def test_rabbitmq_delay_is_a_caveat_and_yes_with_the_plugin_declared(write):
    (finding,) = findings(write, RABBIT_DELAY, code="B205")
    assert finding.severity == Severity.INFO and "x-dead-letter-exchange" in finding.message
    assert findings(write, RABBIT_DELAY, {"plugins": ("rabbitmq_delayed_message_exchange",)}, code="B205") == []
    assert findings(write, RABBIT_DELAY, {"plugins": "delayed-message-exchange"}, code="B205") == []
    assert len(findings(write, RABBIT_DELAY, {"plugins": ("rabbitmq_shovel",)}, code="B205")) == 1


# -- item 11: Mosquitto persistence is off by default ------------------------------------------------
MQTT_DURABLE = """
broker devices : mqtt
component sensor
component store
message Reading
flow sensor -> store : Reading { via devices  durable }
"""


def test_durable_on_mqtt_without_persistence_is_an_error_that_names_the_assumed_default(write):
    (finding,) = findings(write, MQTT_DURABLE, code="B201")
    assert finding.severity >= Severity.WARNING
    assert "Assumes Mosquitto's default `persistence false`" in finding.message


def test_durable_on_mqtt_with_persistence_declared_is_the_autosave_caveat(write):
    (finding,) = findings(write, MQTT_DURABLE, {"persistence": True}, code="B201")
    assert finding.severity == Severity.INFO and "autosave" in finding.message
    (finding,) = findings(write, MQTT_DURABLE, {"persistence": "true"}, code="B201")
    assert finding.severity == Severity.INFO
    assert findings(write, MQTT_DURABLE, {"persistence": False}, code="B201")[0].severity == Severity.ERROR


# -- item 12: the ActiveMQ Classic scheduler is off by default ------------------------------------------
def test_activemq_delay_is_partial_until_the_scheduler_is_declared(write):
    source = RABBIT_DELAY.replace("rabbitmq", "activemq")
    (finding,) = findings(write, source, code="B205")
    assert finding.severity == Severity.INFO and 'schedulerSupport="true"' in finding.message
    assert findings(write, source, {"scheduler": True}, code="B205") == []


def test_settings_never_leak_into_alternatives_or_recommend(write):
    model = api.load_one(str(write("case.msgarch", RABBIT_DELAY)))
    object.__setattr__(model.brokers["tasks"], "settings", {"plugins": ("rabbitmq_delayed_message_exchange",)})
    needs = fit.FlowNeeds.of(model.flows[0], model)
    assert needs.settings and needs.as_shipped().settings == ()
    assert fit.check("delay", needs, load_builtin("rabbitmq")).status == fit.FITS
    assert fit.check("delay", needs.as_shipped(), load_builtin("rabbitmq")).status == fit.CAVEAT


# -- items 3, 8, 9, 10, 22: message sizes --------------------------------------------------------------
def sized(kind: str, size: str, extra: str = "", pattern: str = "queue") -> str:
    return f"""
broker b : {kind}{(' { ' + extra + ' }') if extra else ''}
component p
component c
message M {{ size {size} }}
flow p -> c : M {{ via b  pattern {pattern} }}
"""


def test_sns_accepts_1_mib_when_raised_and_says_what_that_costs(write):
    (finding,) = findings(write, sized("sns", "600KB", "max-message 1MiB", "pubsub"), code="B208")
    assert finding.severity == Severity.INFO
    assert "at most 100 per topic" in finding.message and "body plus its attributes" in finding.message
    assert findings(write, sized("sns", "1MiB", "max-message 1MiB", "pubsub"), code="B208")[0].severity == Severity.INFO
    assert findings(write, sized("sns", "600KB", "", "pubsub"), code="B208")[0].severity == Severity.ERROR


def test_kafka_compares_with_the_producer_limit_and_warns_near_the_edge(write):
    (finding,) = findings(write, sized("kafka", "1048580B"), code="B208")  # under message.max.bytes
    assert finding.severity == Severity.ERROR and "max.request.size" in finding.message
    (edge,) = findings(write, sized("kafka", "1MB"), code="B208")
    assert edge.severity == Severity.INFO and "record batch" in edge.message
    assert findings(write, sized("kafka", "900KB"), code="B208") == []


def test_base64_inflation_on_celery_transports(write):
    (finding,) = findings(write, sized("celery-sqs", "200KB"), code="B208")
    assert finding.severity == Severity.ERROR
    assert "about 356 KB on the wire" in finding.message and "assumed: broker 'b' declares no `max-message`" in finding.message
    assert "max-message 355.56KB" in finding.hint
    assert findings(write, sized("celery-sqs", "200KB", "max-message 1MiB"), code="B208") == []
    assert findings(write, sized("celery-sqs", "140KB"), code="B208") == []
    profile = load_builtin("celery-redis")
    assert profile.fact("max-message").value["encoding-inflation"] == pytest.approx(4 / 3, rel=1e-3)


def test_postgres_pubsub_goes_through_notify(write):
    (finding,) = findings(write, sized("postgres", "8000B", pattern="pubsub"), code="B208")
    assert finding.severity == Severity.ERROR and "shorter than 8000 bytes" in finding.message
    assert findings(write, sized("postgres", "7999B", pattern="pubsub"), code="B208") == []
    assert findings(write, sized("postgres", "8000B"), code="B208") == []  # queue tables: 1 GB fields


def test_exact_byte_figures_and_hints_that_cover_the_size(write):
    (finding,) = findings(write, sized("nats", "1.5MiB"), code="B208")
    assert "1 MiB (1,048,576 bytes)" in finding.message
    assert "max-message 1.5MiB" in finding.hint
    assert fit.size_literal(1.5 * 1024**2) == "1.5MiB" and fit.size_literal(8e6) == "8MB"
    assert fit.size_literal(355555.6) == "355.56KB"
    from msgarch.model.units import parse_size
    for value in (355555.6, 1234567.0, 1572864.0, 999.5):
        literal = fit.size_literal(value)
        assert parse_size(literal) >= value, literal


# -- item 7: equal to a limit is within it ----------------------------------------------------------------
def test_a_p99_equal_to_the_budget_meets_it(write):
    source = """
    broker md : zeromq
    component a
    component b
    message M
    flow a -> b : M { via md  latency 100us }
    """
    assert findings(write, source, code="B211") == []


def test_a_message_exactly_at_the_maximum_fits(write):
    assert findings(write, sized("rabbitmq", "16MiB"), code="B208") == []
    assert findings(write, sized("sqs", "256KiB"), code="B208") == []


def test_every_when_set_override_gives_a_valid_profile():
    from msgarch.brokers import builtin_ids
    from msgarch.brokers.profiles import FACT_PATHS, _lookup, validate_profile_data

    checked = 0
    for kind in builtin_ids():
        profile = load_builtin(kind)
        for path in FACT_PATHS:
            value = _lookup(profile.data, path)
            for case in (value.get("when-set") or ()) if isinstance(value, dict) else ():
                setting = case["setting"]
                declared = case.get("includes", case.get("equals"))
                changed = profile.with_settings({setting: (declared,) if "includes" in case else declared})
                assert changed.data is not profile.data, (kind, path)
                validate_profile_data(changed.data, kind)
                assert "when-set" not in _lookup(changed.data, path)
                checked += 1
    assert checked >= 4


# -- item 13: storage already over capacity today ------------------------------------------------
STORAGE = """
system "s" { growth 30% per year  horizon 3 years  headroom 75% }
broker log : kafka { nodes 3  replication 3  storage 1TB per node  capacity 1M/s per node }
component a
component b { instances 3  capacity 10000/s }
message M { size 1KB }
flow a -> b : M { via log  pattern queue  partitions 3  rate RATE  retention 7d }
"""


def test_storage_over_the_disks_today_is_a_c303_error_and_heat_shows_it(write):
    from msgarch.analysis.load import broker_loads, consumer_loads
    from msgarch.render.scene import Loads, build_scene

    source = STORAGE.replace("RATE", "5000/s")  # 5000 x 1 KB x 7 d x 3 = 9.07 TB on 3 TB
    (finding,) = findings(write, source, code="C303", select=("C",))
    assert finding.severity == Severity.ERROR
    assert "retains 9.07 TB today, 302% of 3 nodes x 1 TB: more than its disks hold" in finding.message
    assert "shorten `retention`" in finding.hint
    model = api.load_one(str(write("case.msgarch", source)))
    scene = build_scene(model, (), Loads(consumer_loads(model), broker_loads(model, {})), heat=True)
    log = next(n for n in scene.nodes if n.name == "log")
    assert log.heat == "over" and "302% storage" in log.heat_line


def test_storage_above_the_headroom_today_is_a_c303_warning(write):
    (finding,) = findings(write, STORAGE.replace("RATE", "1300/s"), code="C303", select=("C",))
    assert finding.severity == Severity.WARNING and "above the 75% headroom" in finding.message
    assert findings(write, STORAGE.replace("RATE", "1000/s"), code="C303", select=("C",)) == []


# -- item 18: Erlang C at a constant cost ---------------------------------------------------------
def test_a_model_of_million_instance_consumers_lints_in_under_a_second():
    """Ten consumers of 1,000,500 instances at about 600k-1M Erlangs over a 50-year horizon:
    the warm-started recursion took 50 s of CPU here (about 80 sqrt(A) steps per call)."""
    import time

    from conftest import ROOT

    path = ROOT / "tests" / "fixtures" / "million-instance-consumers.msgarch"
    start = time.process_time()
    report = api.lint([str(path)], Config())
    assert time.process_time() - start < 1.0
    assert any(d.code == "C304" for d in report.diagnostics)


def test_the_uniform_expansion_agrees_with_the_recursion_where_both_run():
    from msgarch.analysis import queueing

    def recursion(c, a):
        b = 1.0
        for k in range(max(1, int(a - 40 * a ** 0.5)), c + 1):
            b = a * b / (k + a * b)
        return b

    for a in (2e4, 1.3e5, 9.99e5):
        for above in (1, 0.5 * a ** 0.5, 3 * a ** 0.5, 12 * a ** 0.5):
            c = int(a + above) + 1
            assert queueing.erlang_b(c, a) == pytest.approx(recursion(c, a), rel=1e-12)


# -- item 21: a broken user profile gives E003 alone, with every problem -------------------------
def test_a_broken_profile_is_one_e003_listing_its_problems_with_the_yaml_hint(write):
    write("ours.yaml", "priority:\n  support: no\n  levels: ten\ndurable:\n  support: yes\nreplay:\n  support: maybe\n"
                       "ttl:\n  support: 3\n")
    path = write("case.msgarch", """
    broker events : kafka { profile "ours.yaml" }
    component a
    component b
    message M
    flow a -> b : M { via events  rate 10/s }
    """)
    report = api.lint([str(path)], Config())
    codes = [d.code for d in report.diagnostics]
    assert codes.count("E003") == 1, codes
    assert not [d for d in report.diagnostics if "no profile for kind" in d.message]
    (error,) = [d for d in report.diagnostics if d.code == "E003"]
    assert "/durable/support" in error.message and "/priority/levels" in error.message
    assert "more problem" in error.message
    assert 'quote "yes" and "no" in YAML' in error.hint


# -- item 23: diff does not call lint's own fix breaking ---------------------------------------------
def test_following_b202s_hint_is_a_fix_in_diff_and_resolves_the_lint_error():
    import textwrap

    from msgarch.cli.diff_cmd import compare
    from msgarch.diff.changes import Level
    from msgarch.diff.sources import Loaded
    from msgarch.model.loader import load_model

    old = """
    broker bus : rabbitmq
    component orders
    component billing
    message ChargeCard
    flow orders -> billing : ChargeCard { via bus  delivery exactly-once }
    """
    new = old.replace("component billing", "component billing { idempotent }").replace(
        "exactly-once", "at-least-once")

    def diff(a, b):
        return compare(Loaded(load_model("old.msgarch", text=textwrap.dedent(a)), "old.msgarch"),
                       Loaded(load_model("new.msgarch", text=textwrap.dedent(b)), "new.msgarch"), Config())

    result = diff(old, new)
    assert [d.code for d in result.findings_resolved] == ["B202"]
    assert result.level is not None and result.level < Level.BREAKING
    flow = next(c for c in result.changes if c.category == "flow")
    text = " ".join(r.text for p in flow.properties for r in p.reasons)
    assert "a fix" in text and "may now be lost" not in text
    # without the idempotent consumer the guarantee is really weaker: duplicates, nothing lost
    weaker = diff(old, old.replace("exactly-once", "at-least-once"))
    flow = next(c for c in weaker.changes if c.category == "flow")
    assert flow.level == Level.BREAKING
    assert "duplicated (at-least-once loses nothing)" in " ".join(r.text for p in flow.properties for r in p.reasons)


def test_diff_and_lint_agree_on_what_a_broker_lacks():
    """A need lint calls a caveat (ttl on Kafka, from topic retention) is not "lacked" in diff."""
    import textwrap

    from msgarch.diff.capability import model_profiles, unmet_needs
    from msgarch.model.loader import load_model

    model = load_model("m.msgarch", text=textwrap.dedent("""
    broker events : kafka
    component a
    component b
    message M
    flow a -> b : M { via events  ttl 10min  priority 3 }
    """))
    unmet = unmet_needs(model, model.flows[0], model_profiles(model))
    assert sorted(unmet) == ["priority:3 priority levels"]


# -- items 1, 4, 17: facts that now match their sources -------------------------------------------
def test_figures_match_their_sources():
    quorum = load_builtin("rabbitmq-quorum")
    assert (quorum.latency_p50, quorum.latency_p99) == (0.018, 0.03)  # default flow control, cited benchmark
    assert load_builtin("kafka").latency_p99 == 0.01 and load_builtin("kafka", "3.9").latency_p99 == 0.005
    assert load_builtin("mqtt").throughput_per_node is None  # 43k/node divided a burst peak
    assert "advisory locks" in load_builtin("postgres").fact("throughput").value["conditions"]
    jetstream = load_builtin("nats-jetstream")
    assert jetstream.fact("priority").source == "https://docs.nats.io/release-notes/whats_new/whats_new_211"
    assert "1,048,576 bytes" in load_builtin("nats").fact("max-message").note
    # ordering now cites the page that states it (test_ibm_mq_facts_cite_a_page_that_states_them)
    assert "q026260_" in load_builtin("ibm-mq").fact("ordering").source


def test_kombu_routing_facts(write):
    assert load_builtin("celery-sqs").supports("routing.topic") == "partial"
    redis = load_builtin("celery-redis").fact("routing.topic")
    assert redis.support == "yes" and not redis.uncertain
    source = RABBIT_DELAY.replace("rabbitmq", "celery-sqs").replace("delay 2h", "routing topic")
    (finding,) = findings(write, source, code="B210")
    assert finding.severity == Severity.INFO and "kept in memory only" in finding.message


def test_version_keys_are_current():
    assert load_builtin("rabbitmq").version is None and load_builtin("rabbitmq").data["assumed-version"] == "4.3"
    assert load_builtin("redis-streams").data["assumed-version"] == "8.6"
    assert "IDMP" in load_builtin("redis-streams").fact("delivery").note
    assert "IDMP" not in load_builtin("redis-streams", "8.2").fact("delivery").note


def test_nats_facts_follow_the_current_release_line():
    """Issue 10 item 1: NATS 2.12 was current; 2.14 and 2.15 are out (2.13 was skipped:
    nats.docs' 2.14 guide is for users upgrading from 2.12.x). 2.14's additions (fast batch
    publish, recurring schedules, consumer reset) change no fact msgarch checks; 2.15 limits a
    stream to 1000 consumers by default (nats.docs, 'Upgrade to NATS 2.15')."""
    for kind in ("nats", "nats-jetstream"):
        profile = load_builtin(kind)
        assert profile.data["assumed-version"] == "2.15"
        assert "2.13 was skipped" in profile.description
    pubsub = load_builtin("nats-jetstream").fact("patterns.pubsub")
    assert "1000 consumers" in pubsub.note and pubsub.source.endswith("/v2.15.0")
    older = load_builtin("nats-jetstream", "2.14").fact("patterns.pubsub")
    assert "1000" not in older.note and "no default limit" in older.note
    assert load_builtin("nats-jetstream").supports("delay") == "yes"
    assert load_builtin("nats-jetstream", "2.11").supports("delay") == "no"


IBM_LANDING = ("https://www.ibm.com/docs/en/ibm-mq/9.4.x", "https://www.ibm.com/products/mq")


def _is_landing(url: str) -> bool:
    """The IBM MQ documentation's landing page (any version, with or without a trailing slash,
    without a topic) or the product page: neither states a single fact the profile cites."""
    url = url.rstrip("/")
    return url in IBM_LANDING or url.startswith("https://www.ibm.com/products/mq") or (
        url.startswith("https://www.ibm.com/docs/en/ibm-mq/") and "?topic=" not in url
        and url.count("/") <= 6)


@pytest.mark.parametrize("path,page", [
    ("durable-subscriptions", "q004970_"),
    ("ops.declarative-provisioning", "automatic-configuration-startup"),
    ("ops.managed-service", "SSCL78"),
    ("ops.monitoring", "mq-metric-samples"),
    ("ordering", "q026260_"),
    ("routing.topic", "wildcard-schemes"),
    ("patterns.pubsub", "q004970_"),
    ("replay", "configmsgdup"),
    # the last six cited the landing or product page until the h-ibm pass
    ("patterns.queue", "q103540_"),            # Shareability (MQLONG): MQOO_INPUT_SHARED
    ("patterns.request-reply", "q097570_"),    # MsgType (MQLONG): ReplyToQ, Report -> MsgId/CorrelId
    ("routing.header", "q022990_"),            # Selectors (9.4): SelectionString on MQOPEN/MQSUB
    ("routing.content", "q023040_"),           # Selecting on the content of a message
    ("throughput", "MQ_V9.3_Performance_Report_xLinux"),
    ("latency", "mqio_v1.pdf"),
    ("ops.licence", "mq-container/blob/"),
])
def test_ibm_mq_facts_cite_a_page_that_states_them(path, page):
    """Issue 10 item 17: facts cited to the IBM MQ documentation's landing page now cite
    the page that states them."""
    fact = load_builtin("ibm-mq").fact(path)
    assert not _is_landing(fact.source) and page in fact.source
    assert "landing page" not in fact.uncertain and "product page" not in fact.uncertain


def test_ibm_mq_cites_no_landing_page_for_any_fact():
    """No fact of the IBM MQ profile (capabilities, figures, channel and endpoint settings)
    may cite the landing or product page again, and the sources table may not hold one
    (a bare `patterns` or `routing` entry would cover every sub-fact without its own)."""
    profile = load_builtin("ibm-mq")
    for fact in profile.facts():
        assert fact.source and not _is_landing(fact.source), fact.path
    for key, url in profile.data["sources"].items():
        assert not _is_landing(url), key
    for kind in profile.data["channels"].values():
        assert not _is_landing(kind["source"])
        for name, setting in kind["settings"].items():
            assert not _is_landing(setting["source"]), name
    for role in profile.data["endpoints"].values():
        for name, setting in role.items():
            assert not _is_landing(setting["source"]), name
    assert _is_landing("https://www.ibm.com/docs/en/ibm-mq/9.4.x/") and _is_landing("https://www.ibm.com/docs/en/ibm-mq/9.3")
    assert not _is_landing("https://www.ibm.com/docs/en/ibm-mq/9.4.x?topic=reference-define-queues")


def test_ibm_mq_figures_match_the_ibm_reports():
    """Throughput is the MQ 9.3 xLinux report's 116,051 round trips/s (2 KB persistent, RR-CC,
    no TLS) counted as two messages each; the p50 rounds the persistent-messaging paper's
    0.95 ms round trip; the p99 stays an estimate and says so."""
    profile = load_builtin("ibm-mq")
    assert profile.throughput_per_node == 232000
    throughput = profile.fact("throughput")
    assert "116,051 round trips/s" in throughput.value["conditions"] and "round trips" in throughput.uncertain
    assert profile.latency_p50 == 0.001 and profile.data["latency"]["estimate"] is True
    latency = profile.fact("latency")
    assert "0.95 ms" in latency.note and "percentile" in latency.uncertain


def test_ibm_mq_settled_facts_are_not_marked_uncertain():
    """Where the cited page settles the fact, the matrix no longer marks it `?`; content
    routing names the extended message selection provider (not an exit)."""
    profile = load_builtin("ibm-mq")
    for path in ("patterns.queue", "patterns.request-reply", "routing.header", "routing.content", "ops.licence"):
        assert not profile.fact(path).uncertain, path
    content = profile.fact("routing.content")
    assert content.support == "partial" and "extended message selection provider" in content.note
    assert "exit" not in content.note
    assert profile.data["ops"]["licence"]["category"] == "proprietary"
    assert "International Program License Agreement" in profile.data["ops"]["licence"]["name"]
