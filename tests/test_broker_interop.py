"""export rabbitmq / kafka, import rabbitmq / kafka and drift against files (no broker needed;
the live RabbitMQ tests are in tests/test_drift_live.py). Real-world files under
tests/data/broker-config/ (sources and licences in its SOURCES.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from conftest import EXAMPLES, ROOT

DATA = ROOT / "tests" / "data" / "broker-config"

SHOP = """\
broker bus : rabbitmq { version "3.10" }
channel orders on bus : exchange {
  type topic
  durable
}
channel dlx on bus : exchange { type fanout  durable }
channel billing on bus : queue {
  type quorum
  durable
  message-ttl 1h
  dead-letter dlx
  dead-letter-key "billing.dead"
  delivery-limit 5
  max-length 100k
  overflow reject-publish
  single-active-consumer
}
channel urgent on bus : queue {
  durable
  max-priority 10
  max-length-bytes 10MiB
  address "urgent.v1"
}
channel parked on bus : queue {
  durable
  max-length 1000
  max-priority 10
}
channel dead on bus : queue { durable }
route orders -> billing { key "order.*.paid" }
route orders -> urgent { key "order.#" "urgent.*" }
route dlx -> dead
message OrderPaid { size 1KiB }
component checkout {
  publishes OrderPaid to orders { key "order.eu.paid" rate 10/s }
}
component billing_svc {
  consumes OrderPaid from billing
  consumes OrderPaid from urgent
  consumes OrderPaid from dead
  consumes OrderPaid from parked
}
"""

TOPICS = """\
broker events : kafka
channel orders on events : topic {
  address "orders.v1"
  partitions 12
  replication 3
  min-insync-replicas 2
  retention 7d
  retention-bytes 1GiB
  cleanup compact
  max-message 2MiB
}
channel audit on events : topic
"""


@pytest.fixture
def shop(write):
    return write("shop.msgarch", SHOP)


def _export(run, path, *extra) -> dict:
    result = run("export", "rabbitmq", path, *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_vocabulary_follows_the_rabbitmq_and_kafka_profiles():
    from msgarch.interop.kafka import CONFIG_SETTINGS
    from msgarch.interop.rabbitmq import ARGUMENTS, EXCHANGE_ARGUMENTS

    profile = json.loads((ROOT / "msgarch/brokers/profiles/rabbitmq.json").read_text())
    queue = profile["channels"]["queue"]["settings"]
    for setting, (argument, _shape) in ARGUMENTS.items():
        assert queue[setting]["vendor"] == argument, setting
    exchange = profile["channels"]["exchange"]["settings"]
    for setting, (argument, _shape) in EXCHANGE_ARGUMENTS.items():
        assert exchange[setting]["vendor"] == argument
    kafka = json.loads((ROOT / "msgarch/brokers/profiles/kafka.json").read_text())["channels"]["topic"]["settings"]
    for setting, (config, _shape) in CONFIG_SETTINGS.items():
        assert kafka[setting]["vendor"] == config, setting


def test_export_rabbitmq_writes_every_queue_argument(run, shop):
    data = _export(run, shop)
    queues = {q["name"]: q for q in data["queues"]}
    assert queues["billing"]["arguments"] == {
        "x-dead-letter-exchange": "dlx", "x-dead-letter-routing-key": "billing.dead", "x-delivery-limit": 5,
        "x-max-length": 100000, "x-message-ttl": 3600000, "x-overflow": "reject-publish",
        "x-queue-type": "quorum", "x-single-active-consumer": True}
    assert queues["urgent.v1"]["arguments"] == {"x-max-length-bytes": 10485760, "x-max-priority": 10,
                                                "x-queue-type": "classic"}
    assert {(e["name"], e["type"], e["durable"]) for e in data["exchanges"]} == {("dlx", "fanout", True),
                                                                                ("orders", "topic", True)}
    keys = sorted((b["source"], b["destination"], b["routing_key"]) for b in data["bindings"])
    assert keys == [("dlx", "dead", ""), ("orders", "billing", "order.*.paid"), ("orders", "urgent.v1", "order.#"),
                    ("orders", "urgent.v1", "urgent.*")]
    assert data["policies"] == []
    # deterministic
    assert run("export", "rabbitmq", shop).stdout == run("export", "rabbitmq", shop).stdout


def test_export_rabbitmq_policies_move_the_changeable_settings(run, shop):
    data = _export(run, shop, "--policies")
    queues = {q["name"]: q for q in data["queues"]}
    assert queues["billing"]["arguments"] == {"x-queue-type": "quorum", "x-single-active-consumer": True}
    policies = {p["name"]: p for p in data["policies"]}
    assert policies["msgarch-billing"]["pattern"] == "^billing$"
    assert policies["msgarch-billing"]["definition"] == {
        "dead-letter-exchange": "dlx", "dead-letter-routing-key": "billing.dead", "delivery-limit": 5,
        "max-length": 100000, "message-ttl": 3600000, "overflow": "reject-publish"}
    # x-max-priority cannot be set by a policy: it stays an argument
    assert queues["urgent.v1"]["arguments"]["x-max-priority"] == 10
    assert policies["msgarch-urgent.v1"]["pattern"] == r"^urgent\.v1$"


def test_export_rabbitmq_names_what_it_cannot_write(run, write):
    path = write("m.msgarch", """\
        broker bus : rabbitmq
        channel default on bus : exchange { address "" }
        channel mine on bus : queue { exclusive }
        channel q on bus : queue { durable }
        route default -> q
        """)
    result = run("export", "rabbitmq", path)
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["exchanges"] == [] and [q["name"] for q in data["queues"]] == ["q"] and data["bindings"] == []
    assert "exclusive queue" in result.stderr and "predefined" in result.stderr


def test_export_needs_a_broker_of_the_kind(run, write):
    path = write("k.msgarch", TOPICS)
    result = run("export", "rabbitmq", path)
    assert result.exit_code == 2 and "no RabbitMQ broker" in result.stderr
    two = write("two.msgarch", "broker a : rabbitmq\nbroker b : rabbitmq\n")
    result = run("export", "rabbitmq", two)
    assert result.exit_code == 2 and "--broker" in result.stderr
    assert run("export", "rabbitmq", two, "--broker", "b").exit_code == 0


def test_export_never_writes_over_its_input(run, shop):
    result = run("export", "rabbitmq", shop, "-o", shop)
    assert result.exit_code == 2 and "input" in result.stderr
    assert shop.read_text() == SHOP


def test_export_kafka_strimzi_and_gitops(run, write):
    path = write("k.msgarch", TOPICS)
    result = run("export", "kafka", path)
    assert result.exit_code == 0, result.output
    documents = list(yaml.safe_load_all(result.stdout))
    by_topic = {d["spec"].get("topicName", d["metadata"]["name"]): d for d in documents}
    orders = by_topic["orders.v1"]
    assert orders["kind"] == "KafkaTopic" and orders["metadata"]["labels"] == {"strimzi.io/cluster": "events"}
    assert orders["spec"]["partitions"] == 12 and orders["spec"]["replicas"] == 3
    assert orders["spec"]["config"] == {"cleanup.policy": "compact", "max.message.bytes": 2097152,
                                        "min.insync.replicas": 2, "retention.bytes": 1073741824,
                                        "retention.ms": 604800000}
    assert by_topic["audit"]["spec"] == {}  # nothing written, nothing invented
    gitops = yaml.safe_load(run("export", "kafka", path, "--format", "gitops").stdout)
    assert gitops["topics"]["orders.v1"] == {"partitions": 12, "replication": 3,
                                             "configs": orders["spec"]["config"]}


def test_kafka_round_trip_and_drift(run, write, tmp_path):
    path = write("k.msgarch", TOPICS)
    topics = tmp_path / "topics.yaml"
    assert run("export", "kafka", path, "-o", topics).exit_code == 0
    result = run("drift", path, "--against", topics)
    assert result.exit_code == 0, result.output
    imported = tmp_path / "back.msgarch"
    assert run("import", "kafka", topics, "-o", imported).exit_code == 0
    assert run("export", "kafka", imported, "--cluster", "events").stdout == topics.read_text()
    changed = topics.read_text().replace("partitions: 12", "partitions: 6").replace("compact", "delete")
    changed += "---\napiVersion: kafka.strimzi.io/v1beta2\nkind: KafkaTopic\nmetadata:\n  name: extra\nspec: {}\n"
    topics.write_text(changed)
    result = run("drift", path, "--against", topics, "--format", "json")
    assert result.exit_code == 1
    found = sorted((d["code"], d["message"]) for d in json.loads(result.stdout)["findings"])
    assert [code for code, _ in found] == ["X802", "X803", "X803"]
    assert any("partitions is 12 in the model and 6" in m for _, m in found)
    assert any('cleanup.policy is "compact" in the model and "delete"' in m for _, m in found)
    assert any("topic 'extra'" in m for _, m in found)


def test_rabbitmq_round_trip_through_import(run, shop, tmp_path):
    exported = tmp_path / "defs.json"
    assert run("export", "rabbitmq", shop, "-o", exported).exit_code == 0
    imported = tmp_path / "imported.msgarch"
    result = run("import", "rabbitmq", exported, "-o", imported)
    assert result.exit_code == 0, result.output
    assert run("lint", imported).exit_code in (0, 1)
    again = tmp_path / "again.json"
    assert run("export", "rabbitmq", imported, "-o", again).exit_code == 0
    assert json.loads(again.read_text()) == json.loads(exported.read_text())
    # import is deterministic and a fixed point on its own output
    second = tmp_path / "second.msgarch"
    run("import", "rabbitmq", again, "-o", second)
    assert second.read_text().replace("again.json", "defs.json") == imported.read_text()


def _drift(run, model, against, *extra):
    result = run("drift", model, "--against", against, "--format", "json", *extra)
    data = json.loads(result.stdout)
    return result.exit_code, sorted((d["code"], d["message"], d.get("line"))
                                    for d in data["findings"])


def test_drift_against_a_definitions_file(run, shop, tmp_path):
    exported = tmp_path / "defs.json"
    run("export", "rabbitmq", shop, "-o", exported)
    assert _drift(run, shop, exported) == (0, [])
    data = json.loads(exported.read_text())
    data["bindings"] = [b for b in data["bindings"] if b["routing_key"] != "order.*.paid"]
    for queue in data["queues"]:
        if queue["name"] == "parked":
            queue["arguments"]["x-max-length"] = 500
            queue["arguments"]["x-max-priority"] = 5
    data["queues"].append({"name": "audit", "vhost": "/", "durable": True, "auto_delete": False, "arguments": {}})
    exported.write_text(json.dumps(data))
    code, found = _drift(run, shop, exported)
    assert code == 1
    lines = SHOP.splitlines()
    assert [(c, line) for c, _m, line in found] == [
        ("X801", SHOP.splitlines().index('route orders -> billing { key "order.*.paid" }') + 1),
        ("X802", 1),
        ("X803", lines.index("  max-length 1000") + 1),
        ("X803", lines.index("  max-priority 10", lines.index("channel parked on bus : queue {")) + 1),
    ]
    messages = {c + m for c, m, _ in found}
    assert any("binding orders -> queue billing (key 'order.*.paid') is declared but missing" in m for m in messages)
    assert any("queue 'audit'" in m for m in messages)
    assert any("x-max-length is 1000 in the model and 500" in m for m in messages)
    result = run("drift", shop, "--against", exported)
    assert "cannot be changed in place" in result.stdout  # x-max-priority
    assert "policy with `max-length`" in result.stdout  # x-max-length can be changed by a policy
    # --fail-on and --select work as for lint
    assert run("drift", shop, "--against", exported, "--select", "X802").exit_code == 0  # a warning
    assert run("drift", shop, "--against", exported, "--select", "X802", "--fail-on", "warning").exit_code == 1
    assert run("drift", shop, "--against", exported, "--exit-zero").exit_code == 0


def test_drift_reads_policies_and_says_where_a_value_came_from(run, shop, tmp_path):
    exported = tmp_path / "defs.json"
    run("export", "rabbitmq", shop, "-o", exported)
    data = json.loads(exported.read_text())
    data["policies"] = [{"vhost": "/", "name": "ttl", "pattern": "^dead$", "apply-to": "queues",
                         "definition": {"message-ttl": 60000}, "priority": 1}]
    exported.write_text(json.dumps(data))
    code, found = _drift(run, shop, exported)
    assert code == 1 and len(found) == 1
    assert "x-message-ttl is unset in the model and 60000 in" in found[0][1] and "(from policy ttl)" in found[0][1]
    # a model exported with --policies has no drift against itself
    with_policies = tmp_path / "policies.json"
    run("export", "rabbitmq", shop, "--policies", "-o", with_policies)
    assert _drift(run, shop, with_policies) == (0, [])


@pytest.mark.parametrize("output_format", ["text", "concise", "json", "sarif", "github"])
def test_drift_in_every_output_format(run, shop, tmp_path, output_format):
    exported = tmp_path / "defs.json"
    run("export", "rabbitmq", shop, "-o", exported)
    data = json.loads(exported.read_text())
    data["queues"] = [q for q in data["queues"] if q["name"] != "dead"]
    exported.write_text(json.dumps(data))
    result = run("drift", shop, "--against", exported, "--format", output_format)
    assert result.exit_code == 1
    assert "X801" in result.stdout
    if output_format == "sarif":
        sarif = json.loads(result.stdout)
        assert any(r["id"] == "X801" for r in sarif["runs"][0]["tool"]["driver"]["rules"])


def test_drift_suppression_comment(run, write, tmp_path):
    path = write("m.msgarch", "broker bus : rabbitmq\nchannel q on bus : queue { durable }  # msgarch: ignore[X801]\n")
    (tmp_path / "empty.json").write_text('{"queues": [], "exchanges": [], "bindings": []}')
    assert run("drift", path, "--against", tmp_path / "empty.json").exit_code == 0


def test_drift_bad_sources_exit_2(run, shop, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"queues": [1,')
    result = run("drift", shop, "--against", bad)
    assert result.exit_code == 2 and "bad.json:1:" in result.stderr
    result = run("drift", shop, "--against", tmp_path / "missing.yaml")
    assert result.exit_code == 2 and "does not exist" in result.stderr
    result = run("drift", shop, "--against", "ftp://user:hunter2@127.0.0.1/")
    assert result.exit_code == 2


def test_drift_never_prints_credentials(run, shop):
    from msgarch.interop.drift_run import public_url

    assert public_url("http://admin:hunter2@127.0.0.1:15672/?x=1") == "http://127.0.0.1:15672"
    # nothing listens on port 9 of the loopback: the error names the host, not the password
    result = run("drift", shop, "--against", "http://admin:hunter2@127.0.0.1:9")
    assert result.exit_code == 2
    assert "127.0.0.1:9" in result.stderr and "hunter2" not in result.output and "admin" not in result.output


def test_rule_docs_and_explanations(run):
    result = run("rule", "X803")
    assert result.exit_code == 0 and "setting-differs" in result.stdout
    listing = run("rules").stdout
    assert "X801  declared-but-missing" in listing
    page = (ROOT / "docs" / "rules" / "X.md").read_text()
    assert "## X802 present-but-undeclared" in page


def test_lint_does_not_run_drift_rules(run):
    result = run("lint", EXAMPLES / "real" / "eshop-rabbitmq" / "eshop-rabbitmq.msgarch", "--format", "json")
    assert not any(d["code"].startswith("X") for d in json.loads(result.stdout)["findings"])


# ---- real-world files ---------------------------------------------------------------------------


@pytest.mark.parametrize("name, vhost", [("sda-definitions.json", "sda"), ("rabbitmq-case3.json", "/"),
                                         ("rabbitmq-case13.json", "/")])
def test_real_definitions_import_export_and_drift(run, tmp_path, name, vhost):
    from msgarch.interop.rabbitmq import state_of

    source = DATA / name
    imported = tmp_path / "imported.msgarch"
    result = run("import", "rabbitmq", source, "-o", imported)
    assert result.exit_code == 0, result.output
    assert run("lint", imported).exit_code in (0, 1)
    exported = tmp_path / "exported.json"
    assert run("export", "rabbitmq", imported, "--vhost", vhost, "-o", exported).exit_code == 0
    original = state_of(json.loads(source.read_text()), vhost)
    again = state_of(json.loads(exported.read_text()), vhost)
    assert set(again.queues) == set(original.queues)
    assert set(again.bindings) <= set(original.bindings)
    assert {k: v for k, v in original.bindings.items() if v["source"] != ""} == again.bindings | {
        k: v for k, v in original.bindings.items() if k not in again.bindings and v["source"] != ""}
    code, found = _drift(run, imported, source, "--vhost", vhost)
    assert code == 0
    # what msgarch has no setting for (x-queue-mode in case3) is reported as info, never as drift
    assert all(m.startswith("X803") is False or "no setting for it" in m for _c, m, _l in found)


def test_sda_definitions_keep_streams_policies_and_name_the_shovels(run, tmp_path):
    imported = tmp_path / "sda.msgarch"
    run("import", "rabbitmq", DATA / "sda-definitions.json", "-o", imported)
    text = imported.read_text()
    assert "channel completed_stream on rabbitmq : queue {\n  type stream\n  durable\n  max-age 30d\n}" in text
    assert "alternate-exchange sda_dead  # from policy AE" in text
    assert "not modelled: 1 users, 1 permissions, 2 parameters" in text
    assert 'address "catch_all.dead"' in text


def test_real_kafka_topic_files_import_and_drift(run, tmp_path):
    files = [DATA / "strimzi-kafka-topic.yaml", DATA / "kafka-gitops-state.yaml"]
    imported = tmp_path / "topics.msgarch"
    result = run("import", "kafka", *files, "-o", imported)
    assert result.exit_code == 0, result.output
    text = imported.read_text()
    assert "channel my-topic on kafka : topic {\n  partitions 1\n  replication 1\n  retention 2h\n}" in text
    assert "not mapped: segment.bytes=1073741824" in text
    assert "channel new-topic on kafka : topic {\n  partitions 6\n  replication 2\n}" in text
    assert run("lint", imported).exit_code in (0, 1)
    for path in files:
        code = run("drift", imported, "--against", path).exit_code
        assert code == 1  # each file holds only part of the topics: the others are declared but missing
    both = tmp_path / "both"
    both.mkdir()
    for path in files:
        (both / path.name).write_text(path.read_text())
    assert run("drift", imported, "--against", both).exit_code == 0


def test_import_rabbitmq_bad_input_is_located(run, tmp_path):
    bad = tmp_path / "d.json"
    bad.write_text('{"queues": "no"}')
    result = run("import", "rabbitmq", bad)
    assert result.exit_code == 2 and "'queues' must be a list" in result.stderr
    bad.write_text("{\n  oops\n}")
    result = run("import", "rabbitmq", bad)
    assert result.exit_code == 2 and "d.json:2:3" in result.stderr
    two = tmp_path / "two.json"
    two.write_text(json.dumps({"vhosts": [{"name": "/"}, {"name": "b"}], "queues": []}))
    result = run("import", "rabbitmq", two)
    assert result.exit_code == 2 and "--vhost" in result.stderr
    assert run("import", "rabbitmq", two, "--vhost", "b").exit_code == 0


def test_import_kafka_bad_yaml_is_located(run, tmp_path):
    bad = tmp_path / "t.yaml"
    bad.write_text("kind: KafkaTopic\nspec: [\n")
    result = run("import", "kafka", bad)
    assert result.exit_code == 2 and "t.yaml:" in result.stderr


def test_eshop_example_exports(run):
    data = _export(run, EXAMPLES / "real" / "eshop-rabbitmq" / "eshop-rabbitmq.msgarch")
    assert len(data["queues"]) == 7 and len(data["bindings"]) == 20
    assert {q["name"] for q in data["queues"]} >= {"Basket", "Ordering.signalrhub"}


def test_readme_of_the_data_names_every_file():
    listed = (DATA / "SOURCES.md").read_text()
    for path in DATA.iterdir():
        if path.name != "SOURCES.md":
            assert f"`{path.name}`" in listed, path.name


def test_a_hostile_policy_pattern_is_not_run(run, tmp_path):
    import time

    from msgarch.interop.rabbitmq import safe_pattern

    assert safe_pattern("^billing$") and safe_pattern(r"^urgent\.v1$") and safe_pattern("^(a|b)$")
    assert not safe_pattern("(a+)+$") and not safe_pattern("((a*))+") and not safe_pattern("(x|xx){2,}")
    hostile = tmp_path / "d.json"
    hostile.write_text(json.dumps({
        "policies": [{"vhost": "/", "name": "slow", "pattern": "^(a+)+$", "apply-to": "queues",
                      "definition": {"max-length": 1}, "priority": 0}],
        "queues": [{"name": "a" * 40 + "!", "vhost": "/", "durable": True, "auto_delete": False, "arguments": {}}]}))
    started = time.perf_counter()
    result = run("import", "rabbitmq", hostile)
    assert time.perf_counter() - started < 5
    assert result.exit_code == 0 and "not evaluated: policy slow" in result.stdout
    assert "max-length" not in result.stdout


def test_odd_definitions_never_crash(run, tmp_path):
    """Every field of a real export replaced by values of other types, and deep nesting: exit 0 or 2,
    never a traceback (exit 3)."""
    import random

    original = json.loads((DATA / "sda-definitions.json").read_text())
    odd_values = [None, 1, -1, 1.5, True, "", "x", [], {}, [1], {"a": 1}, "(a+)+$"]
    rng = random.Random(11)
    path = tmp_path / "odd.json"
    for _ in range(60):
        data = json.loads(json.dumps(original))
        for _ in range(3):
            key = rng.choice(["queues", "exchanges", "bindings", "policies", "vhosts"])
            if data.get(key):
                item = rng.choice(data[key])
                field = rng.choice(sorted(item) or ["name"])
                item[field] = rng.choice(odd_values)
                if isinstance(item.get("arguments"), dict):
                    item["arguments"][rng.choice(["x-queue-type", "x-max-age", "x-message-ttl", "x-dead-letter-exchange",
                                                  "alternate-exchange", "x-max-length-bytes"])] = rng.choice(odd_values)
        path.write_text(json.dumps(data))
        result = run("import", "rabbitmq", path, "--vhost", "sda")
        assert result.exit_code in (0, 2), result.output
        if result.exit_code == 0:
            model = tmp_path / "odd.msgarch"
            model.write_text(result.stdout)
            linted = run("lint", model)
            assert linted.exit_code in (0, 1), linted.output  # what import writes always parses
            assert run("drift", model, "--against", path, "--vhost", "sda").exit_code in (0, 1, 2)
    path.write_text("[" * 100000 + "]" * 100000)
    assert run("import", "rabbitmq", path).exit_code == 2
    deep = tmp_path / "deep.yaml"
    deep.write_text("a: " + "[" * 5000 + "]" * 5000 + "\n")
    assert run("import", "kafka", deep).exit_code in (0, 2)


def test_odd_topic_files_never_crash(run, tmp_path):
    import random

    documents = [yaml.safe_load((DATA / "strimzi-kafka-topic.yaml").read_text()),
                 yaml.safe_load((DATA / "kafka-gitops-state.yaml").read_text())]
    odd_values = [None, 1, -1, 1.5, True, "", "x y", [], {}, [1], {"a": 1}, "-1", "compact,delete"]
    rng = random.Random(7)
    path = tmp_path / "odd.yaml"
    for _ in range(60):
        document = json.loads(json.dumps(rng.choice(documents)))
        target = document.get("spec") if "spec" in document else rng.choice(list(document["topics"].values()))
        for _ in range(2):
            where = target.get("config") if isinstance(target.get("config"), dict) and rng.random() < 0.5 else target
            where[rng.choice(sorted(where) + ["retention.ms", "cleanup.policy", "max.message.bytes"])] = \
                rng.choice(odd_values)
        path.write_text(yaml.safe_dump(document))
        result = run("import", "kafka", path)
        assert result.exit_code in (0, 2), result.output
        if result.exit_code == 0:
            model = tmp_path / "odd.msgarch"
            model.write_text(result.stdout)
            linted = run("lint", model)
            assert linted.exit_code in (0, 1), linted.output
            assert run("drift", model, "--against", path).exit_code in (0, 1, 2)


def test_the_drift_example_in_docs_interop_is_real(run, tmp_path, monkeypatch):
    import re

    doc = (ROOT / "docs" / "interop.md").read_text(encoding="utf-8")
    model = re.search(r"<!-- drift-model: shop.msgarch -->\n```msgarch\n(.*?)```", doc, re.S)[1]
    shown = re.search(r"<!-- drift: shop.msgarch running.json -->\n```text\n(.*?)```", doc, re.S)[1]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "shop.msgarch").write_text(model, encoding="utf-8")
    assert run("export", "rabbitmq", "shop.msgarch", "-o", "defs.json").exit_code == 0
    data = json.loads((tmp_path / "defs.json").read_text())
    data["queues"][0]["arguments"]["x-max-length"] = 5000
    data["bindings"] = []
    (tmp_path / "running.json").write_text(json.dumps(data))
    result = run("drift", "shop.msgarch", "--against", "running.json")
    assert result.exit_code == 1
    assert result.stdout == shown
