"""The channel vocabulary of the built-in profiles: `channels`, `endpoints`, `broker-settings`.

Every keyword is one of msgarch/model/settings.py with the same shape; every setting has a
default, what the default means, the vendor's name and a source, at every version the
profile distinguishes; `delivery`, `routing` and `profile` name real settings, words and
profiles; the settings the channels.md examples use are all listed.
"""

from __future__ import annotations

import json
import os
from typing import Any, Iterator

import jsonschema
import pytest

from msgarch.brokers import builtin_ids, load_builtin
from msgarch.brokers.profiles import BUILTIN_DIR, SCHEMA_PATH, parse_version
from msgarch.model import settings as table

DELIVERY = {"route", "competing", "groups", "broadcast", "broadcast-unless-group"}
ROUTING = {"exact", "amqp-topic", "all", "headers", "nats", "mqtt", "sns-filter", "whole", "none"}
#: Word settings whose words are a closed set (the others, like a group name, are free).
CLOSED_WORDS = {"type", "overflow", "cleanup", "storage", "discard", "trim", "ledger", "persistence",
                "acks", "offset-reset", "ack", "deliver-policy"}
KEYWORDS = {
    "channel": table.CHANNEL_SETTINGS,
    "publish": table.PUBLISH_SETTINGS,
    "consume": table.CONSUME_SETTINGS,
    "broker": table.BROKER_SETTINGS,
}

#: (profile, where, channel type or None, setting or None): what the examples of
#: ../shared/spec/channels.md write. `where` is channel / publish / consume / broker; a
#: None setting only needs the channel type.
EXAMPLE_USES = [
    ("rabbitmq", "channel", "exchange", "type"),
    ("rabbitmq", "channel", "exchange", "durable"),
    ("rabbitmq", "channel", "queue", "type"),
    ("rabbitmq", "channel", "queue", "dead-letter"),
    ("rabbitmq", "channel", "queue", "delivery-limit"),
    ("rabbitmq", "channel", "queue", "max-length"),
    ("rabbitmq", "channel", "queue", "overflow"),
    ("rabbitmq", "publish", None, "key"),
    ("rabbitmq", "publish", None, "confirms"),
    ("rabbitmq", "publish", None, "persistent"),
    ("rabbitmq", "consume", None, "ack"),
    ("rabbitmq", "consume", None, "prefetch"),
    ("rabbitmq", "consume", None, "on-error"),
    ("rabbitmq", "consume", None, "processing"),
    ("kafka", "channel", "topic", "partitions"),
    ("kafka", "channel", "topic", "min-insync-replicas"),
    ("kafka", "channel", "topic", "retention"),
    ("kafka", "publish", None, "key"),
    ("kafka", "publish", None, "acks"),
    ("kafka", "consume", None, "group"),
    ("kafka", "consume", None, "offset-reset"),
    ("kafka", "consume", None, "auto-commit"),
    ("kafka", "consume", None, "processing"),
    ("sns", "channel", "topic", None),
    ("sqs", "channel", "queue", "visibility-timeout"),
    ("sqs", "channel", "queue", "dead-letter"),
    ("sqs", "channel", "queue", "max-receive-count"),
    ("celery-redis", "broker", None, "visibility-timeout"),
    ("celery-redis", "channel", "queue", None),
    ("celery-redis", "consume", None, "ack"),
    ("celery-redis", "consume", None, "prefetch"),
    ("celery-redis", "consume", None, "processing"),
    ("zeromq", "channel", "pub", "high-water-mark"),
]

#: Example values the channels.md examples give word settings.
EXAMPLE_WORDS = [
    ("rabbitmq", "channel", "exchange", "type", "topic"),
    ("rabbitmq", "channel", "queue", "type", "quorum"),
    ("rabbitmq", "channel", "queue", "overflow", "reject-publish"),
    ("rabbitmq", "consume", None, "ack", "after-processing"),
    ("kafka", "publish", None, "acks", "all"),
    ("kafka", "consume", None, "offset-reset", "earliest"),
    ("celery-redis", "consume", None, "ack", "after-processing"),
]


def raw(kind: str) -> dict:
    with open(os.path.join(BUILTIN_DIR, kind + ".json"), encoding="utf-8") as handle:
        return json.load(handle)


def with_vocabulary() -> list[str]:
    return [kind for kind in builtin_ids() if "channels" in raw(kind)]


def versions_of(kind: str) -> list[str | None]:
    """None plus versions on and around every bound of the profile's version ranges."""
    samples: set[str] = set()
    for spec in raw(kind)["versions"]:
        for clause in spec.split(","):
            bound = parse_version(clause.strip().lstrip("<>=!"))
            samples.add(".".join(map(str, bound)))
            samples.add(".".join(map(str, bound[:-1] + (bound[-1] + 1,))))
            below = bound[:-1] + (bound[-1] - 1,) if bound[-1] > 0 else (bound[0] - 1, 99)
            samples.add(".".join(map(str, below)))
    return [None] + sorted(samples)


def settings_of(data: dict) -> Iterator[tuple[str, str, str | None, str, dict]]:
    """(where, path, channel type, keyword, setting) for every setting of a profile."""
    for ctype, entry in (data.get("channels") or {}).items():
        for name, setting in entry.get("settings", {}).items():
            yield "channel", f"channels.{ctype}.settings.{name}", ctype, name, setting
    for role in ("publish", "consume"):
        for name, setting in ((data.get("endpoints") or {}).get(role) or {}).items():
            yield role, f"endpoints.{role}.{name}", None, name, setting
    for name, setting in (data.get("broker-settings") or {}).items():
        yield "broker", f"broker-settings.{name}", None, name, setting


def lookup(kind: str, where: str, ctype: str | None, name: str | None) -> Any:
    data = load_builtin(kind).data
    if where == "channel":
        entry = data["channels"].get(ctype)
        assert entry is not None, f"{kind} has no channel type {ctype!r}"
        return entry if name is None else entry["settings"].get(name)
    if where == "broker":
        return data["broker-settings"].get(name)
    return data["endpoints"][where].get(name)


@pytest.fixture(scope="module")
def validator():
    with open(SCHEMA_PATH, encoding="utf-8") as handle:
        schema = json.load(handle)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_every_builtin_has_a_vocabulary():
    missing = [kind for kind in builtin_ids() if not {"channels", "endpoints", "broker-settings"} <= set(raw(kind))]
    assert not missing, f"no channel vocabulary in: {', '.join(missing)}"


@pytest.mark.parametrize("kind", with_vocabulary())
def test_vocabulary_validates_at_every_version(kind, validator):
    for version in versions_of(kind):
        data = load_builtin(kind, version).data
        for key in ("channels", "endpoints", "broker-settings"):
            errors = list(validator.evolve(schema={"$ref": f"#/$defs/{key}", "$defs": validator.schema["$defs"]})
                          .iter_errors(data[key]))
            assert not errors, f"{kind}@{version} {key}: {list(errors[0].absolute_path)}: {errors[0].message}"


@pytest.mark.parametrize("kind", with_vocabulary())
def test_keys_sit_before_versions(kind):
    keys = list(raw(kind))
    at = keys.index("versions")
    assert keys[at - 3:at] == ["channels", "endpoints", "broker-settings"]


@pytest.mark.parametrize("kind", with_vocabulary())
def test_keywords_and_shapes_are_those_of_settings_py(kind):
    for version in versions_of(kind):
        for where, path, _, name, setting in settings_of(load_builtin(kind, version).data):
            known = KEYWORDS[where]
            assert name in known, f"{kind} {path}: {name!r} is not a {where} keyword of settings.py"
            assert setting["value"] == known[name], (
                f"{kind} {path}: shape {setting['value']!r}, settings.py says {known[name]!r}")


@pytest.mark.parametrize("kind", with_vocabulary())
def test_every_setting_has_default_means_vendor_and_source(kind):
    for version in versions_of(kind):
        for _, path, _, _, setting in settings_of(load_builtin(kind, version).data):
            where = f"{kind}@{version} {path}"
            assert "default" in setting, f"{where}: no default"
            assert setting.get("means", "").strip(), f"{where}: no means"
            assert setting.get("vendor", "").strip(), f"{where}: no vendor name"
            assert str(setting.get("source", "")).startswith(("https://", "http://")), f"{where}: no source"
            default, shape = setting["default"], setting["value"]
            if shape == "flag":
                assert isinstance(default, bool), f"{where}: a flag's default is true or false"
            if shape in ("count", "duration", "size"):
                assert default is None or (isinstance(default, (int, float)) and not isinstance(default, bool)
                                           and default >= 0), f"{where}: a {shape} default is a number or null"
            if shape == "count" and default is not None:
                assert isinstance(default, int), f"{where}: a count is whole"
            if shape == "word" and (setting.get("values") or path.split(".")[-1] in CLOSED_WORDS):
                assert setting.get("values"), f"{where}: a word setting of a closed set lists its words"
                assert default is None or default in setting["values"], f"{where}: default not among its values"


@pytest.mark.parametrize("kind", with_vocabulary())
def test_channel_types_resolve(kind):
    """delivery, routing and profile: fixed words, or decided by a word/flag setting of the type."""
    ids = set(builtin_ids())
    for version in versions_of(kind):
        data = load_builtin(kind, version).data
        for ctype, entry in data["channels"].items():
            where = f"{kind}@{version} channels.{ctype}"
            assert entry.get("source", "").startswith("https://"), f"{where}: no source"
            for field, allowed in (("delivery", DELIVERY), ("routing", ROUTING), ("profile", ids)):
                spec = entry.get(field)
                if spec is None:
                    assert field != "delivery", f"{where}: no delivery"
                    continue
                if isinstance(spec, str):
                    assert spec in allowed, f"{where}.{field}: {spec!r}"
                    continue
                setting = entry["settings"].get(spec["setting"])
                assert setting is not None, f"{where}.{field}: decided by {spec['setting']!r}, not a setting of the type"
                words = setting.get("values") or (["true", "false"] if setting["value"] == "flag" else [])
                assert set(spec["values"]) == set(words), (
                    f"{where}.{field}: maps {sorted(spec['values'])}, the setting takes {sorted(words)}")
                for word, result in spec["values"].items():
                    assert result in allowed, f"{where}.{field}: {word} -> {result!r}"
                default = setting["default"]
                default = str(default).lower() if isinstance(default, bool) else default
                assert default in spec["values"], f"{where}.{field}: the default {default!r} maps to nothing"
            if entry.get("name-routing"):
                assert entry["delivery"] == "route", f"{where}: name-routing is for exchanges"
            if entry.get("delivery") == "route":
                assert "routing" in entry, f"{where}: a routing channel says how it routes"


@pytest.mark.parametrize("kind", with_vocabulary())
def test_profile_mappings_keep_their_own_vocabulary(kind):
    """A channel type judged by another profile exists there too, with the same keywords."""
    data = load_builtin(kind).data
    for ctype, entry in data["channels"].items():
        spec = entry.get("profile")
        targets = {spec} if isinstance(spec, str) else set((spec or {}).get("values", {}).values())
        for target in targets - {kind}:
            there = load_builtin(target).data.get("channels", {})
            if not there:
                continue  # that family is not written yet
            assert ctype in there, f"{kind} {ctype} is judged by {target}, which has no {ctype}"


@pytest.mark.parametrize("kind, where, ctype, name", EXAMPLE_USES)
def test_channels_md_examples_are_covered(kind, where, ctype, name):
    if "channels" not in raw(kind):
        pytest.skip(f"{kind} has no vocabulary yet")
    found = lookup(kind, where, ctype, name)
    assert found is not None, f"channels.md writes {name!r} on a {kind} {where} {ctype or ''}"


@pytest.mark.parametrize("kind, where, ctype, name, word", EXAMPLE_WORDS)
def test_channels_md_example_words_are_allowed(kind, where, ctype, name, word):
    if "channels" not in raw(kind):
        pytest.skip(f"{kind} has no vocabulary yet")
    assert word in lookup(kind, where, ctype, name)["values"]


# -- version-dependent defaults -------------------------------------------------------------
def _consumer_timeout(kind: str, version: str | None):
    return load_builtin(kind, version).data["broker-settings"]["consumer-timeout"]["default"]


@pytest.mark.parametrize("kind", ["rabbitmq", "rabbitmq-quorum", "rabbitmq-stream"])
@pytest.mark.parametrize("version, seconds", [("3.8.14", None), ("3.8.15", 900), ("3.8.16", 900),
                                              ("3.8.17", 1800), ("3.13", 1800), ("4.2", 1800)])
def test_rabbitmq_consumer_timeout_by_version(kind, version, seconds):
    assert _consumer_timeout(kind, version) == seconds


@pytest.mark.parametrize(("kind", "seconds"), [("rabbitmq", None), ("rabbitmq-quorum", 1800),
                                               ("rabbitmq-stream", 1800), ("celery-rabbitmq", None)])
def test_an_undeclared_version_takes_the_assumed_versions_timeout(kind, seconds):
    """With no `version`, the defaults are those of the profile's assumed version (4.3 for
    rabbitmq and celery-rabbitmq, where classic queues no longer evaluate consumer_timeout;
    quorum queues still do; rabbitmq-stream assumes 4.2), like every other fact."""
    assert _consumer_timeout(kind, None) == seconds


def test_rabbitmq_consumer_timeout_from_4_3_by_queue_type():
    assert _consumer_timeout("rabbitmq", "4.3") is None
    assert _consumer_timeout("rabbitmq-stream", "4.3") is None
    quorum = load_builtin("rabbitmq-quorum", "4.3").data["broker-settings"]["consumer-timeout"]
    assert quorum["default"] == 1800 and "returned" in quorum["means"]


@pytest.mark.parametrize("version, limit", [("3.13", None), ("4.0", 20), ("4.2", 20), ("4.3", 20), (None, 20)])
def test_quorum_delivery_limit_by_version(version, limit):
    setting = load_builtin("rabbitmq-quorum", version).data["channels"]["queue"]["settings"]["delivery-limit"]
    assert setting["default"] == limit
    if version == "4.3":
        assert "nack" in setting["means"]


def test_classic_queue_type_defaults():
    queue = load_builtin("rabbitmq").data["channels"]["queue"]
    assert queue["settings"]["type"]["default"] == "classic"
    assert queue["settings"]["delivery-limit"]["default"] is None
    assert load_builtin("rabbitmq-quorum").data["channels"]["queue"]["settings"]["type"]["default"] == "quorum"
    assert "refused" in load_builtin("rabbitmq", "4.3").data["channels"]["queue"]["settings"]["durable"]["means"]
