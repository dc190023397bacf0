"""Issue 10 item 19: `msgarch recommend` weighs what matters.

Declared rates against each broker's published throughput; a miss against caveats (both
shown); task frameworks compared with task frameworks; ties shown as ties; the current
broker first among equals; a split per flow group where one broker cannot serve all.
"""

from __future__ import annotations

import json

from msgarch import api
from msgarch.analysis.recommend import recommend, to_data
from msgarch.brokers import load_builtin

FEED = """
    broker bus : artemis
    component feed
    component sink
    message Tick { size 100B }
    flow feed -> sink : Tick { via bus  rate 1M/s  pattern pubsub }
    """


def _by(rec, broker):
    return next(r for r in rec.ranking if r.broker == broker)


def test_a_million_a_second_feed_does_not_rank_artemis_first(write):
    rec = recommend(api.load_one(str(write("feed.msgarch", FEED))))
    top = rec.ranking[0]
    assert top.broker != "artemis"
    assert top.throughput.status == "fits" and top.throughput.per_node >= 1_000_000
    artemis = _by(rec, "artemis")
    assert artemis.rank > top.rank and artemis.throughput.status == "unknown"
    assert "no throughput figure" in artemis.throughput.text and "artemis profile, throughput" in \
        artemis.throughput.text
    kafka = _by(rec, "kafka")
    assert kafka.throughput.status == "scale-out" and kafka.throughput.nodes_needed == 5
    assert "200,000 msg/s per node" in kafka.throughput.text and "source: https://" in kafka.throughput.text


def test_declared_nodes_count_and_low_rates_do_not_weigh(write):
    many = recommend(api.load_one(str(write("f.msgarch", FEED.replace("broker bus : artemis",
                                                                      "broker bus : kafka { nodes 5 }")))))
    assert _by(many, "kafka").throughput.status == "fits"
    slow = recommend(api.load_one(str(write("s.msgarch", FEED.replace("rate 1M/s", "rate 50/s")))))
    assert _by(slow, "artemis").throughput.status == "not-needed"
    assert {r.throughput.order for r in slow.ranking} == {0}


def test_a_miss_is_ranked_below_caveats_but_both_are_shown(run, write):
    path = write("m.msgarch", """
        broker q : kafka
        component api
        component w0
        message M { size 1KB }
        flow api -> w0 : M { via q  pattern queue  ttl 30s }
        flow api -> w0 : M { via q  pattern queue  delivery exactly-once }
        """)
    rec = recommend(api.load_one(str(path)))
    top = rec.ranking[0]
    assert top.fits_every_flow and top.caveats >= 1
    assert "misses one requirement" in top.tradeoff and "exactly-once delivery" in top.tradeoff
    other = top.tradeoff.split(" ", 1)[0]
    assert _by(rec, other).requirements_unmet == 1 and _by(rec, other).caveats < top.caveats
    text = run("recommend", path).output
    assert "Trade-offs (a miss is ranked below any number of caveats: both are shown)" in text
    assert json.loads(run("recommend", path, "--format", "json").output)["ranking"][0]["tradeoff"]


CELERY = """
    broker tasks : celery-redis
    component web
    component worker
    message Job { size 1KB }
    flow web -> worker : Job { via tasks  pattern queue  durable  delivery at-least-once }
    """


def test_a_celery_app_is_compared_with_task_frameworks_only(run, write):
    path = write("c.msgarch", CELERY)
    rec = recommend(api.load_one(str(path)))
    assert {r.broker for r in rec.ranking} == {"celery-rabbitmq", "celery-redis", "celery-sqs"}
    assert all(load_builtin(b).model == "task-layer" for b in rec.brokers)
    assert "artemis" not in run("recommend", path).output.split("Reasons", 1)[0]
    every = recommend(api.load_one(str(path)), any_kind=True)
    assert "artemis" in {r.broker for r in every.ranking}
    assert "artemis" in run("recommend", path, "--any-kind").output


def test_a_model_with_celery_and_kafka_flows_gets_one_ranking_per_group(run, write):
    path = write("both.msgarch", CELERY + """
    broker log : kafka
    component audit
    message Audit { size 1KB }
    flow web -> audit : Audit { via log  pattern pubsub  replay  retention 7d }
    """)
    rec = recommend(api.load_one(str(path)))
    groups = {g.name: g for g in rec.groups}
    assert set(groups) == {"messaging", "task framework"}
    assert groups["task framework"].flows == ("web->worker:Job",)
    assert groups["messaging"].flows == ("web->audit:Audit",)
    assert not {r.broker for r in groups["messaging"].ranking} & {"celery-redis", "celery-rabbitmq", "celery-sqs"}
    text = run("recommend", path).output
    assert "Ranking [messaging: 1 flow]" in text and "Ranking [task framework: 1 flow]" in text
    data = to_data(rec)
    assert [g["group"] for g in data["groups"]] == ["messaging", "task framework"]


TIE = """
    broker bus : KIND
    component a
    component b
    message M { size 1KB }
    flow a -> b : M { via bus  pattern queue }
    """


def test_equal_brokers_share_a_rank_and_the_current_one_comes_first(run, write):
    rec = recommend(api.load_one(str(write("t.msgarch", TIE.replace("KIND", "rabbitmq-quorum")))))
    first = [r for r in rec.ranking if r.rank == 1]
    assert len(first) > 2 and all(r.tied for r in first)
    assert first[0].broker == "rabbitmq-quorum" and first[0].current
    assert [r.broker for r in first[1:]] == sorted(r.broker for r in first[1:])
    other = recommend(api.load_one(str(write("u.msgarch", TIE.replace("KIND", "pulsar")))))
    assert other.ranking[0].broker == "pulsar"
    text = run("recommend", write("t2.msgarch", TIE.replace("KIND", "rabbitmq-quorum"))).output
    assert "   1=. rabbitmq-quorum" in text and "(current)" in text


def test_where_no_broker_serves_every_flow_the_split_says_which_flows_go_where(run, write):
    path = write("split.msgarch", """
        broker bus : rabbitmq
        component api
        component worker
        component analytics
        message Job { size 1KB }
        message Event { size 1KB }
        flow api -> worker : Job { via bus  pattern queue  priority 3  durable  delivery at-least-once }
        flow api -> analytics : Event { via bus  pattern pubsub  retention 30d  replay  durable }
        """)
    rec = recommend(api.load_one(str(path)))
    assert not rec.ranking[0].fits_every_flow
    (group,) = rec.groups
    assert len(group.split) == 2 and group.unserved == ()
    carried = {flow: broker for broker, flows in group.split for flow in flows}
    assert set(carried) == {"api->worker:Job", "api->analytics:Event"}
    assert rec.cell("api->worker:Job", carried["api->worker:Job"]).status != "no"
    assert rec.cell("api->analytics:Event", carried["api->analytics:Event"]).status != "no"
    assert carried["api->worker:Job"] == "rabbitmq"  # the current broker keeps what it can serve
    text = run("recommend", path).output
    assert "Split (no one broker fits every flow)" in text and "rabbitmq: F1 (api->worker:Job)" in text
    assert json.loads(run("recommend", path, "--format", "json").output)["groups"][0]["split"]


def test_text_rendering_lives_outside_the_cli():
    import inspect

    from msgarch.cli import recommend_cmd
    from msgarch.output import recommend_text

    assert hasattr(recommend_text, "render_text") and hasattr(recommend_text, "render_markdown")
    assert "def render_text" not in inspect.getsource(recommend_cmd)
