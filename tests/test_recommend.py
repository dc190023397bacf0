"""`msgarch recommend`: the flows x brokers matrix, the ranking and its three formats."""

from __future__ import annotations

import json

from msgarch import api
from msgarch.analysis import fit
from msgarch.analysis.recommend import recommend, to_data
from msgarch.brokers import builtin_ids, load_builtin
from msgarch.lint.config import Config

PRIORITY_TTL_QUEUE = """
    system "Jobs" { requires monitoring, open-source }
    broker q : kafka
    component api
    component worker { instances 3  capacity 50/s }
    message Job { size 2KB  max-size 64KB }
    flow api -> worker : Job { via q  pattern queue  priority 3  ttl 30s  durable  delivery at-least-once }
    """

JMS_SERVERS = {"activemq", "artemis", "ibm-mq"}


def _rank(rec, broker):
    return next(r.rank for r in rec.ranking if r.broker == broker)


def test_priority_and_ttl_queue_ranks_rabbitmq_and_jms_servers_above_kafka(write):
    rec = recommend(api.load_one(str(write("jobs.msgarch", PRIORITY_TTL_QUEUE))))
    kafka = _rank(rec, "kafka")
    assert _rank(rec, "rabbitmq") < kafka
    assert min(_rank(rec, b) for b in JMS_SERVERS) < kafka
    assert rec.ranking[0].broker in JMS_SERVERS | {"rabbitmq"}
    assert rec.ranking[0].fits_every_flow
    cell = rec.cell("api->worker:Job", "kafka")
    assert cell.status == fit.NO
    assert {v.requirement for v in cell.unmet} == {"priority"}
    # topic retention expires messages topic-wide: a caveat, not a miss (issue 10 item 6)
    assert {v.requirement for v in cell.caveats} >= {"ttl"}


def test_matrix_covers_every_flow_and_every_builtin_broker(write):
    """Every broker is judged (the matrix is complete); a kafka flow is ranked against the
    brokers, not the task frameworks (issue 10 item 19), unless --any-kind; equal brokers
    share a rank."""
    model = api.load_one(str(write("jobs.msgarch", PRIORITY_TTL_QUEUE)))
    rec = recommend(model)
    deployable = tuple(b for b in builtin_ids() if b != "jms")
    brokers = tuple(b for b in deployable if load_builtin(b).model != "task-layer")
    assert rec.brokers == brokers
    assert [r.broker for r in rec.references] == ["jms"]
    assert len(rec.cells) == len(rec.flows) * len(builtin_ids())
    ranks = [r.rank for r in rec.ranking]
    assert ranks[0] == 1 and ranks == sorted(ranks) and len(ranks) == len(brokers)
    every = recommend(model, any_kind=True)
    assert every.brokers == deployable and len(every.ranking) == len(deployable)


def test_the_jms_specification_is_a_reference_not_a_ranked_broker(run, write):
    """`jms` fits this flow (the specification has priorities, TTL and delay), yet it is
    nothing one deploys: it is judged and shown apart, never ranked."""
    path = write("jobs.msgarch", PRIORITY_TTL_QUEUE)
    rec = recommend(api.load_one(str(path)))
    assert "jms" not in [r.broker for r in rec.ranking]
    (reference,) = rec.references
    assert reference.broker == "jms" and "specification" in reference.note
    assert reference.flows_unmet == 0 and reference.fits_every_flow
    assert rec.cell("api->worker:Job", "jms").status != fit.NO
    text = run("recommend", path, "--top", "2").output
    assert "   ref  jms" in text
    assert "Reference (not ranked: a specification, not a broker one deploys)" in text
    assert "  jms (reference):" in text
    markdown = run("recommend", path, "--format", "markdown").output
    assert "| *ref* | jms |" in markdown and "## Reference" in markdown
    data = json.loads(run("recommend", path, "--format", "json").output)
    assert "jms" not in data["brokers"] and "jms" not in [r["broker"] for r in data["ranking"]]
    assert [r["broker"] for r in data["reference"]] == ["jms"]
    assert data["matrix"][0]["reference"]["jms"]["verdict"] in ("fits", "fits with caveat")


def test_partial_replay_does_not_fit_a_retention_period(write):
    """Artemis keeps a number of recent messages (retroactive addresses): not 30 days of them."""
    rec = recommend(api.load_one(str(write("m.msgarch", """
        broker bus : artemis
        component orders
        component analytics
        message OrderPlaced { size 1KB }
        flow orders -> analytics : OrderPlaced { via bus  retention 30d  replay }
        """))))
    artemis = next(r for r in rec.ranking if r.broker == "artemis")
    assert not artemis.fits_every_flow
    cell = rec.cell("orders->analytics:OrderPlaced", "artemis")
    (replay,) = cell.unmet
    assert replay.requirement == "replay" and "a retention of 30 d is not guaranteed" in replay.reason()
    report = api.lint([str(write("m.msgarch", """
        broker bus : artemis
        component orders
        component analytics
        message OrderPlaced { size 1KB }
        flow orders -> analytics : OrderPlaced { via bus  retention 30d  replay }
        """))], Config(select=("B207",)))
    (finding,) = report.diagnostics
    assert replay.reason() in finding.message
    assert rec.ranking[0].fits_every_flow and rec.ranking[0].broker in {"kafka", "nats-jetstream", "pulsar",
                                                                          "rabbitmq-stream", "redis-streams"}


def test_ranking_puts_brokers_that_fit_every_flow_first_then_fewest_unmet(write):
    rec = recommend(api.load_one(str(write("m.msgarch", """
        broker bus : rabbitmq
        component web
        component orders { instances 2 }
        component billing
        component audit
        message PlaceOrder { size 1KB }
        message OrderPlaced { size 1KB }
        flow web -> orders : PlaceOrder { via bus  pattern request-reply  latency 100ms }
        flow orders -> billing, audit : OrderPlaced { via bus  durable  delivery at-least-once  replay }
        """))))
    keys = [(not r.fits_every_flow, r.flows_unmet, r.requirements_unmet) for r in rec.ranking]
    assert keys == sorted(keys)
    for r in rec.ranking:
        cells = [rec.cell(row.id, r.broker) for row in rec.flows]
        assert r.flows_unmet == sum(1 for c in cells if c.status == fit.NO)
        assert r.requirements_unmet == sum(len(c.unmet) for c in cells)
        assert r.fits_every_flow == (r.flows_unmet == 0)


def test_ties_are_broken_by_the_systems_requires(write):
    source = """
        system "S" { requires REQUIRES }
        broker q : rabbitmq
        component a
        component b
        message M { size 1KB }
        flow a -> b : M { via q  pattern queue  durable  delivery at-least-once }
        """
    managed = recommend(api.load_one(str(write("a.msgarch", source.replace("REQUIRES", "managed-service")))))
    top = load_builtin(managed.ranking[0].broker)
    assert fit.requires_support(top, "managed-service") == "yes"
    open_source = recommend(api.load_one(str(write("b.msgarch", source.replace("REQUIRES", "open-source")))))
    assert load_builtin(open_source.ranking[0].broker).licence == "open-source"
    ranked = [r for r in open_source.ranking if r.fits_every_flow and r.caveats == 0]
    missing = [len(r.requires_missing) for r in ranked]
    assert missing == sorted(missing)


def test_recommend_and_lint_give_the_same_reason(write):
    path = write("jobs.msgarch", PRIORITY_TTL_QUEUE)
    rec = recommend(api.load_one(str(path)))
    cell = rec.cell("api->worker:Job", "kafka")
    report = api.lint([str(path)], Config(select=("B203",)))
    (finding,) = report.diagnostics
    priority = next(v for v in cell.verdicts if v.requirement == "priority")
    assert priority.reason() in finding.message


def test_json_shape(run, write):
    path = write("jobs.msgarch", PRIORITY_TTL_QUEUE)
    result = run("recommend", path, "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert set(data) >= {"matrix", "ranking"}
    assert data["ranking"][0]["broker"] == recommend(api.load_one(str(path))).ranking[0].broker
    assert {"rank", "broker", "fits_every_flow", "flows_unmet", "requirements_unmet", "caveats", "requires"} \
        <= set(data["ranking"][0])
    (row,) = data["matrix"]
    assert row["flow"] == "api->worker:Job" and row["current"] == "kafka"
    kafka = row["brokers"]["kafka"]
    assert kafka["verdict"] == "does not fit"
    priority = next(r for r in kafka["requirements"] if r["requirement"] == "priority")
    assert priority["rule"] == "B203" and priority["verdict"] == "does not fit"
    assert priority["source"].startswith("http") and "kafka profile, priority: no" in priority["reason"]
    assert data == to_data(recommend(api.load_one(str(path))))


def test_text_and_markdown(run, write):
    path = write("jobs.msgarch", PRIORITY_TTL_QUEUE)
    text = run("recommend", path)
    assert text.exit_code == 0
    for fragment in ("Broker recommendation for", "F1   api->worker:Job (via q, kafka)", "Matrix", "Ranking",
                     "Reasons", "3 priority levels: does not fit: has no message priorities"):
        assert fragment in text.output, fragment
    assert text.output == run("recommend", path).output  # deterministic
    markdown = run("recommend", path, "--format", "markdown")
    assert markdown.exit_code == 0
    assert "# Broker recommendation for" in markdown.output
    assert "| rank | broker | F1 |" in markdown.output
    assert "*does not fit*" in markdown.output


def test_top_limits_the_brokers_shown(run, write):
    path = write("jobs.msgarch", PRIORITY_TTL_QUEUE)
    data = json.loads(run("recommend", path, "--format", "json").output)
    best = [r["broker"] for r in data["ranking"][:3]]
    output = run("recommend", path, "--top", "3").output
    ranking = output.split("Ranking", 1)[1].split("Reference", 1)[0]
    assert [line.split()[1] for line in ranking.strip().splitlines()[1:]] == best


def test_model_without_flows(run, write):
    result = run("recommend", write("empty.msgarch", "component a\n"))
    assert result.exit_code == 0
    assert "no flows" in result.output


def test_unusable_input_exits_2_without_traceback(run, write):
    result = run("recommend", write("bad.msgarch", "flow a -> : M\n"))
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_examples_recommend(run):
    from conftest import EXAMPLES

    for path in sorted(EXAMPLES.glob("*.msgarch")):
        for fmt in ("text", "markdown", "json"):
            assert run("recommend", path, "--format", fmt).exit_code == 0
