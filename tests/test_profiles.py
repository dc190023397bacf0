"""Broker profiles: built-ins against the schema, version-dependent facts, user profiles, renderers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import jsonschema
import pytest
import yaml

from msgarch.brokers import (
    FACT_PATHS,
    ProfileError,
    UnknownKindError,
    builtin_ids,
    load_builtin,
    load_profile_file,
    resolve_profile,
)
from msgarch.brokers.matrix import FORMATS, render_matrix, render_profile
from msgarch.brokers.profiles import (
    BUILTIN_DIR,
    SCHEMA_PATH,
    UNBOUNDED_PRIORITY_LEVELS,
    parse_version,
    version_matches,
)
from msgarch.diagnostics import Severity, Span
from msgarch.model.model import Broker

MiB = 1024 * 1024

#: The built-in KIND ids of language.md.
LANGUAGE_KINDS = {
    "rabbitmq", "rabbitmq-quorum", "rabbitmq-stream", "zeromq", "activemq", "artemis", "ibm-mq",
    "jms", "tibco-rv", "tibco-rvcm", "redis-pubsub", "redis-streams", "redis-list", "postgres",
    "kafka", "nats", "nats-jetstream", "pulsar", "sqs", "sqs-fifo", "sns", "mqtt",
    "celery-rabbitmq", "celery-redis", "celery-sqs",
}


@pytest.fixture(scope="module")
def validator():
    with open(SCHEMA_PATH, encoding="utf-8") as handle:
        schema = json.load(handle)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def raw(kind: str) -> dict:
    with open(os.path.join(BUILTIN_DIR, kind + ".json"), encoding="utf-8") as handle:
        return json.load(handle)


def sample_versions(kind: str) -> list[str | None]:
    """None plus versions on and around every bound named in the profile's version ranges."""
    samples: set[str] = set()
    for spec in raw(kind)["versions"]:
        for clause in spec.split(","):
            bound = parse_version(clause.strip().lstrip("<>=!"))
            samples.add(".".join(map(str, bound)))
            samples.add(".".join(map(str, bound[:-1] + (bound[-1] + 1,))))
            below = bound[:-1] + (bound[-1] - 1,) if bound[-1] > 0 else (bound[0] - 1, 99)
            samples.add(".".join(map(str, below)))
    return [None] + sorted(samples)


def broker(tmp_path: Path, kind: str, **fields) -> Broker:
    return Broker(name="bus", kind=kind, span=Span.point(str(tmp_path / "arch.msgarch"), 3, 1), **fields)


def dump_yaml(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


# -- the built-in set -----------------------------------------------------------------------
def test_builtin_ids_are_exactly_the_language_kinds():
    assert set(builtin_ids()) == LANGUAGE_KINDS
    assert list(builtin_ids()) == sorted(LANGUAGE_KINDS)


@pytest.mark.parametrize("kind", sorted(LANGUAGE_KINDS))
def test_builtin_validates_at_every_version(kind, validator):
    assert raw(kind)["id"] == kind
    for version in sample_versions(kind):
        profile = load_builtin(kind, version)
        errors = sorted(validator.iter_errors(profile.data), key=lambda e: list(e.absolute_path))
        assert not errors, f"{kind} at {version}: {list(errors[0].absolute_path)}: {errors[0].message}"


@pytest.mark.parametrize("kind", sorted(LANGUAGE_KINDS))
def test_builtin_covers_every_field(kind, validator):
    data = raw(kind)
    assert set(validator.schema["required"]) <= set(data)
    assert data.get("assumed-version"), "the version whose facts the profile carries"
    profile = load_builtin(kind)
    for fact in profile.facts():
        assert fact.value is not None
        if fact.support == "partial":
            assert fact.note, f"{kind} {fact.path}: partial needs a note"
    assert profile.latency_p50 < profile.latency_p99


@pytest.mark.parametrize("kind", sorted(LANGUAGE_KINDS))
def test_every_fact_has_a_source_at_every_version(kind):
    for version in sample_versions(kind):
        for fact in load_builtin(kind, version).facts():
            assert fact.source.startswith(("https://", "http://")), f"{kind}@{version} {fact.path} has no source"


@pytest.mark.parametrize("kind", sorted(LANGUAGE_KINDS))
def test_sources_and_doubts_name_real_fields(kind):
    data = raw(kind)
    overrides = [data] + list(data["versions"].values())
    for table in ("sources", "uncertain"):
        for override in overrides:
            for path in override.get(table, {}):
                node = data
                for part in path.split("."):
                    assert isinstance(node, dict) and part in node, f"{kind} {table}: no field {path}"
                    node = node[part]


@pytest.mark.parametrize("kind", sorted(LANGUAGE_KINDS))
def test_version_overrides_only_touch_existing_fields(kind):
    data = raw(kind)

    def check(base, override, where):
        for key, value in override.items():
            if key in ("sources", "uncertain"):
                continue
            assert key in base, f"{kind} versions {where}: unknown field {key}"
            if isinstance(value, dict) and isinstance(base[key], dict) and "support" not in value:
                check(base[key], value, f"{where}.{key}")

    for spec, override in data["versions"].items():
        check(data, override, spec)


# -- version-dependent facts ----------------------------------------------------------------
@pytest.mark.parametrize("version, levels", [("3.13", 0), ("3.12.4", 0), ("4.0", 2), ("4.1", 2), ("4.2.3", 2), ("4.3", 32), (None, 32)])
def test_quorum_queue_priorities_by_version(version, levels):
    profile = load_builtin("rabbitmq-quorum", version)
    assert profile.priority_levels == levels
    assert profile.supports("priority") == {0: "no", 2: "partial", 32: "yes"}[levels]


@pytest.mark.parametrize("kind", ["rabbitmq", "rabbitmq-quorum", "celery-rabbitmq"])
def test_rabbitmq_max_message_by_version(kind):
    assert load_builtin(kind, "3.13").max_message_default == 128 * MiB
    assert load_builtin(kind, "4.1").max_message_default == 16 * MiB
    assert load_builtin(kind).max_message_default == 16 * MiB
    assert load_builtin(kind, "3.13").max_message_hard == 512 * MiB


def test_quorum_delivery_limit_by_version():
    assert load_builtin("rabbitmq-quorum", "4.0").data["dead-letter"]["default-delivery-limit"] == 20
    assert load_builtin("rabbitmq-quorum", "3.13").data["dead-letter"]["default-delivery-limit"] is None


def test_classic_queue_mirroring_only_before_4_0():
    assert load_builtin("rabbitmq", "3.13").supports("replicated") == "partial"
    assert load_builtin("rabbitmq", "4.0").supports("replicated") == "no"


def test_nats_jetstream_ttl_and_schedules_by_version():
    assert load_builtin("nats-jetstream", "2.10").supports("ttl") == "no"
    assert load_builtin("nats-jetstream", "2.11").supports("ttl") == "yes"
    assert load_builtin("nats-jetstream", "2.11.3").supports("delay") == "no"
    assert load_builtin("nats-jetstream", "2.12").supports("delay") == "yes"
    assert load_builtin("nats-jetstream", "2.10").ordering_keeps_with == ()
    assert load_builtin("nats-jetstream").ordering_keeps_with == ("single-active-consumer",)


def test_rabbitmq_stream_filters_by_version():
    assert load_builtin("rabbitmq-stream", "4.0").supports("routing.header") == "partial"
    assert load_builtin("rabbitmq-stream", "4.1").supports("routing.header") == "yes"
    assert load_builtin("rabbitmq-stream", "4.1").supports("routing.content") == "partial"
    assert load_builtin("rabbitmq-stream", "4.2").supports("routing.content") == "yes"


@pytest.mark.parametrize("kind", ["redis-pubsub", "redis-streams", "redis-list", "celery-redis"])
def test_redis_licence_by_version(kind):
    assert load_builtin(kind, "7.2").licence == "open-source"
    assert load_builtin(kind, "7.4").licence == "source-available"
    assert load_builtin(kind, "7.8.1").licence == "source-available"
    assert load_builtin(kind, "8.0").licence == "open-source"


def test_kafka_linger_change_shifts_latency():
    assert load_builtin("kafka", "3.9").latency_p50 < load_builtin("kafka", "4.0").latency_p50


def test_version_ranges():
    assert version_matches(">=7.4,<8.0", (7, 4))
    assert version_matches(">=7.4,<8.0", (7, 10, 2))
    assert not version_matches(">=7.4,<8.0", (8,))
    assert version_matches("<4.0", (3, 13))
    assert version_matches(">=4.0", (4,))
    assert version_matches("==2.0", (2, 0, 0))
    assert parse_version("v4.1.0-rc1") == (4, 1, 0)
    assert parse_version("latest") is None


def test_bad_version_is_a_profile_error():
    with pytest.raises(ProfileError) as caught:
        load_builtin("kafka", "latest")
    assert caught.value.pointer == "/versions"
    assert "latest" in caught.value.message


def test_unknown_builtin_is_a_key_error():
    with pytest.raises(KeyError):
        load_builtin("rabbit")


def test_load_builtin_is_cached():
    assert load_builtin("kafka") is load_builtin("kafka")
    assert load_builtin("kafka", "3.9") is load_builtin("kafka", "3.9")


# -- typed accessors and facts --------------------------------------------------------------
def test_partitioned_brokers():
    partitioned = {kind for kind in builtin_ids() if load_builtin(kind).partitioned}
    assert partitioned == {"kafka", "sqs-fifo", "rabbitmq-stream"}


def test_accessors():
    kafka = load_builtin("kafka")
    assert kafka.priority_levels == 0
    assert kafka.ordering_scope == "per-partition"
    assert kafka.ordering_keeps_with == ("key-partitioning",)
    assert kafka.delivery == "exactly-once" and kafka.supports("delivery") == "partial"
    assert kafka.throughput_per_node == 200000
    assert kafka.licence == "open-source" and kafka.ops["monitoring"]["support"] == "yes"
    sqs = load_builtin("sqs")
    assert sqs.delay_max == 900 and sqs.supports("delay") == "yes"
    assert sqs.throughput_per_node is None and sqs.model == "managed-service"
    assert load_builtin("sqs-fifo").supports("delay") == "partial"
    assert load_builtin("postgres").priority_levels == UNBOUNDED_PRIORITY_LEVELS
    assert load_builtin("zeromq").max_message_default is None
    assert load_builtin("zeromq").model == "brokerless"
    assert load_builtin("redis-pubsub").supports("patterns.queue") == "no"
    assert load_builtin("rabbitmq").supports("delay") == "partial"  # TTL + dead-letter wait queues
    assert load_builtin("jms").delivery == "at-least-once"
    with pytest.raises(ValueError):
        kafka.supports("max-message")
    with pytest.raises(KeyError):
        kafka.fact("no-such-field")


def test_celery_adds_task_layer_semantics():
    for kind, version, levels, delay_max in (("celery-rabbitmq", "4.2", 255, 1800), ("celery-rabbitmq", None, 255, None),
                                             ("celery-redis", None, 4, 3600), ("celery-sqs", None, 0, 1800)):
        profile = load_builtin(kind, version)
        assert profile.model == "task-layer"
        assert profile.priority_levels == levels
        assert profile.supports("delay") == "partial" and profile.delay_max == delay_max
        assert "RAM" in profile.fact("delay").note
        assert "acks_late" in profile.fact("delivery").note
        assert profile.ordering_scope == "none"
    assert load_builtin("celery-sqs").supports("ops.monitoring") == "partial"
    assert load_builtin("celery-redis").max_message_default == load_builtin("redis-list").max_message_default


def test_fact_cites_source_and_doubt():
    cite = load_builtin("kafka").fact("priority").cite()
    assert cite.startswith("kafka profile, priority: no (source: https://")
    doubtful = load_builtin("pulsar").fact("throughput")
    assert doubtful.uncertain and doubtful.cite().endswith(f"(uncertain: {doubtful.uncertain})")
    versioned = load_builtin("rabbitmq-quorum", "3.13").fact("priority")
    assert versioned.cite().startswith("rabbitmq-quorum profile (version 3.13), priority: no")
    assert "3.13" in versioned.source


def test_parent_source_covers_children():
    fact = load_builtin("zeromq").fact("patterns.pubsub")
    assert fact.source == raw("zeromq")["sources"]["patterns"]


# -- user profiles --------------------------------------------------------------------------
def test_valid_custom_yaml_profile(tmp_path):
    data = raw("nats")
    data.update(id="acme-bus", name="ACME bus", description="In-house bus (version 1).")
    data.pop("$schema")
    dump_yaml(tmp_path / "acme.yaml", data)
    profile = resolve_profile(broker(tmp_path, "custom", profile_path="acme.yaml"))
    assert profile.id == "acme-bus" and profile.supports("patterns.request-reply") == "yes"
    assert profile.origin == (str(tmp_path / "acme.yaml"),)


def test_override_yaml_on_a_builtin(tmp_path):
    (tmp_path / "kafka-prio.yaml").write_text(
        textwrap.dedent(
            """\
            # our fork has priorities
            priority: {support: partial, levels: 3, note: "Fork with three priority topics per partition."}
            sources: {priority: "https://example.com/fork"}
            """
        ),
        encoding="utf-8",
    )
    profile = resolve_profile(broker(tmp_path, "kafka", profile_path="kafka-prio.yaml", version="3.9"))
    assert profile.id == "kafka" and profile.priority_levels == 3
    assert profile.fact("priority").source == "https://example.com/fork"
    assert profile.version == "3.9" and profile.latency_p50 == load_builtin("kafka", "3.9").latency_p50


def test_invalid_override_names_the_pointer(tmp_path):
    (tmp_path / "bad.yaml").write_text("priority:\n  levels: ten\n", encoding="utf-8")
    with pytest.raises(ProfileError) as caught:
        resolve_profile(broker(tmp_path, "rabbitmq", profile_path="bad.yaml"))
    error = caught.value
    assert error.pointer == "/priority/levels"
    assert error.path == str(tmp_path / "bad.yaml")
    diagnostic = error.to_diagnostic()
    assert diagnostic.code == "E003" and diagnostic.severity == Severity.ERROR
    assert diagnostic.message.startswith(f"{tmp_path / 'bad.yaml'}: /priority/levels: ")
    assert diagnostic.span == Span.point(str(tmp_path / "arch.msgarch"), 3, 1)


def test_levels_must_be_zero_when_priority_is_unsupported(tmp_path):
    (tmp_path / "bad.json").write_text('{"priority": {"levels": 10}}', encoding="utf-8")
    with pytest.raises(ProfileError) as caught:
        load_profile_file(str(tmp_path / "bad.json"), base=load_builtin("kafka"))
    assert caught.value.pointer == "/priority/levels"


def test_partial_without_note_is_refused(tmp_path):
    (tmp_path / "bad.yaml").write_text("delay: {support: partial, max-seconds: 60}\n", encoding="utf-8")
    with pytest.raises(ProfileError) as caught:
        load_profile_file(str(tmp_path / "bad.yaml"), base=load_builtin("nats"))
    assert caught.value.pointer == "/delay" and "note" in caught.value.message


def test_incomplete_custom_profile_is_refused(tmp_path):
    dump_yaml(tmp_path / "thin.yaml", {"id": "thin", "name": "Thin", "description": "d", "model": "broker"})
    with pytest.raises(ProfileError) as caught:
        resolve_profile(broker(tmp_path, "custom", profile_path="thin.yaml"))
    assert caught.value.pointer == "" and "required" in caught.value.message


def test_bad_field_inside_a_version_override(tmp_path):
    dump_yaml(tmp_path / "v.yaml", {"versions": {">=9.0": {"priority": {"levels": "x"}}}})
    with pytest.raises(ProfileError) as caught:
        load_profile_file(str(tmp_path / "v.yaml"), base=load_builtin("kafka"))
    assert caught.value.pointer == "/versions/>=9.0/priority/levels"


def test_bad_version_range_key(tmp_path):
    dump_yaml(tmp_path / "v.yaml", {"versions": {"4.x": {}}})
    with pytest.raises(ProfileError) as caught:
        load_profile_file(str(tmp_path / "v.yaml"), base=load_builtin("kafka"))
    assert caught.value.pointer == "/versions"


def test_yaml_python_tags_are_refused(tmp_path):
    marker = tmp_path / "pwned"
    (tmp_path / "evil.yaml").write_text(
        f"id: !!python/object/apply:os.system ['touch {marker}']\n", encoding="utf-8"
    )
    with pytest.raises(ProfileError) as caught:
        resolve_profile(broker(tmp_path, "custom", profile_path="evil.yaml"))
    assert caught.value.pointer == "" and "invalid YAML" in caught.value.message
    assert not marker.exists()


def test_unparsable_files(tmp_path):
    (tmp_path / "broken.json").write_text('{"id": ', encoding="utf-8")
    with pytest.raises(ProfileError, match="invalid JSON at line 1"):
        load_profile_file(str(tmp_path / "broken.json"))
    (tmp_path / "list.yaml").write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="must be a mapping"):
        load_profile_file(str(tmp_path / "list.yaml"))
    with pytest.raises(ProfileError, match="cannot read"):
        load_profile_file(str(tmp_path / "missing.yaml"))


def test_custom_kind_needs_a_profile_file(tmp_path):
    with pytest.raises(ProfileError) as caught:
        resolve_profile(broker(tmp_path, "custom"))
    assert "profile" in caught.value.message
    assert caught.value.to_diagnostic().span == Span.point(str(tmp_path / "arch.msgarch"), 3, 1)


def test_unknown_kind_suggests_the_closest(tmp_path):
    with pytest.raises(ProfileError, match="did you mean 'rabbitmq'") as caught:
        resolve_profile(broker(tmp_path, "rabitmq"))
    assert isinstance(caught.value, UnknownKindError) and isinstance(caught.value, KeyError)
    assert str(caught.value) == caught.value.text


def test_profile_dirs_override_and_add_kinds(tmp_path):
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    dump_yaml(profiles / "kafka.yaml", {"id": "kafka", "throughput": {"per-node": 50000, "conditions": "our hardware"}})
    acme = raw("zeromq")
    acme.update(id="acme-mq", name="ACME MQ", description="In-house (version 2).")
    (profiles / "acme.json").write_text(json.dumps(acme), encoding="utf-8")
    (profiles / "README.txt").write_text("not a profile", encoding="utf-8")
    dirs = (str(profiles),)
    assert resolve_profile(broker(tmp_path, "kafka"), dirs).throughput_per_node == 50000
    assert resolve_profile(broker(tmp_path, "acme-mq"), dirs).name == "ACME MQ"
    assert resolve_profile(broker(tmp_path, "sqs"), dirs).id == "sqs"


def test_resolve_builtin_with_version(tmp_path):
    profile = resolve_profile(broker(tmp_path, "rabbitmq-quorum", version="3.13"))
    assert profile.priority_levels == 0 and profile.version == "3.13"


# -- renderers ------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
def test_matrix_is_deterministic_and_cites(fmt):
    first = render_matrix(fmt=fmt)
    assert first == render_matrix(fmt=fmt)
    for kind in LANGUAGE_KINDS:
        assert kind in first
    if fmt == "json":
        document = json.loads(first)
        assert [c["path"] for c in document["capabilities"]] == list(FACT_PATHS)
        assert all(cell["source"].startswith("http") for row in document["cells"].values() for cell in row.values())
    elif fmt == "markdown":
        assert "## Sources" in first and "<https://" in first
    else:
        assert "source" in first and "msgarch broker KIND" in first


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", sorted(LANGUAGE_KINDS))
def test_profile_report_shows_every_fact_with_its_source(kind, fmt):
    profile = load_builtin(kind)
    text = render_profile(profile, fmt)
    assert text == render_profile(profile, fmt)
    for fact in profile.facts():
        assert fact.path in text and fact.source in text


def test_profile_report_lists_version_dependent_facts():
    text = render_profile(load_builtin("rabbitmq-quorum"))
    assert "<4.0: dead-letter, max-message, priority" in text
    assert "(version 3.13)" in render_profile(load_builtin("rabbitmq-quorum", "3.13"))


def test_unknown_format_is_refused():
    with pytest.raises(ValueError):
        render_matrix(fmt="html")


def test_loading_builtins_imports_neither_jsonschema_nor_yaml():
    code = (
        "import sys; from msgarch.brokers import load_builtin; load_builtin('kafka', '4.0').fact('priority').cite();"
        "print('jsonschema' in sys.modules, 'yaml' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).resolve().parent.parent)
    assert result.stdout.split() == ["False", "False"]


def test_override_drops_the_base_citation_of_the_facts_it_changes(tmp_path):
    (tmp_path / "o.yaml").write_text(
        "patterns:\n  queue: {support: partial, partitioned: false, note: Only via our gateway.}\n",
        encoding="utf-8",
    )
    profile = load_profile_file(str(tmp_path / "o.yaml"), base=load_builtin("zeromq"))
    assert profile.fact("patterns.queue").source == ""
    assert profile.fact("patterns.queue").note == "Only via our gateway."
    assert profile.fact("patterns.pubsub").source == raw("zeromq")["sources"]["patterns"]
    assert profile.fact("ordering").uncertain  # untouched facts keep their doubts
