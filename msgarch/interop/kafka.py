"""Kafka topics: Strimzi `KafkaTopic` resources and the kafka-gitops state file.

Vocabulary from the kafka profile (msgarch/brokers/profiles/kafka.json, each topic
setting's ``vendor``). Strimzi: https://strimzi.io/docs/operators/latest/configuring.html
(KafkaTopic `spec.topicName`, `spec.partitions`, `spec.replicas`, `spec.config`, label
`strimzi.io/cluster`); kafka-gitops: https://devshawn.github.io/kafka-gitops/ (`topics:`
NAME: `partitions`, `replication`, `configs`).

A setting the model does not write is not written (the broker's default applies:
`num.partitions`, `default.replication.factor`...); every rate, size, producer and
consumer of the model is lost in this direction (topic definitions hold none).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from msgarch.model.model import Model

KAFKA_KINDS = ("kafka",)

#: channel setting -> (topic config, shape), from the kafka profile's vendor names
CONFIG_SETTINGS: dict[str, tuple[str, str]] = {
    "min-insync-replicas": ("min.insync.replicas", "count"),
    "retention": ("retention.ms", "ms"),
    "retention-bytes": ("retention.bytes", "count"),
    "cleanup": ("cleanup.policy", "word"),
    "max-message": ("max.message.bytes", "count"),
}

STRIMZI_API = "kafka.strimzi.io/v1beta2"


class TopicsError(ValueError):
    """A KafkaTopic or kafka-gitops file msgarch cannot read; the message says where."""


@dataclass
class Export:
    topics: dict[str, dict] = field(default_factory=dict)  # topic name -> {partitions, replicas, config}
    origin: dict = field(default_factory=dict)  # topic name -> Channel
    losses: list[str] = field(default_factory=list)


def kafka_brokers(model: Model) -> list[str]:
    return sorted(name for name, b in model.brokers.items() if b.kind in KAFKA_KINDS)


def _config_value(shape: str, value: Any) -> Any:
    if shape == "ms":
        return int(round(float(value) * 1000))
    if shape == "count":
        return int(value)
    return str(value)


def export_topics(model: Model, broker: str) -> Export:
    out = Export()
    for channel in sorted((c for c in model.channels.values() if c.broker == broker), key=lambda c: c.name):
        if channel.type != "topic":
            out.losses.append(f"channel {channel.name}: a {channel.type} is not a Kafka topic; not written")
            continue
        settings = channel.settings
        topic: dict[str, Any] = {}
        if settings.get("partitions") is not None:
            topic["partitions"] = int(settings["partitions"])
        if settings.get("replication") is not None:
            topic["replicas"] = int(settings["replication"])
        config = {}
        for key, (name, shape) in CONFIG_SETTINGS.items():
            if settings.get(key) is not None:
                config[name] = _config_value(shape, settings[key])
        topic["config"] = dict(sorted(config.items()))
        out.topics[channel.address] = topic
        out.origin[channel.address] = channel
    for route in model.routes:
        source = model.channels.get(route.source)
        if source is not None and source.broker == broker:
            out.losses.append(f"route {route.id} (line {route.span.line}): topics have no routes "
                              f"({route.settings.get('via') or 'a bridge'}); not written")
    return out


def resource_name(topic: str) -> str:
    """A Kubernetes resource name (RFC 1123 subdomain: lower case, digits, `-` and `.`)."""
    text = re.sub(r"[^a-z0-9.-]+", "-", topic.lower()).strip("-.")
    return (text or "topic")[:253].rstrip("-.")


def render_strimzi(export: Export, cluster: str, namespace: str | None = None) -> str:
    documents = []
    used: set[str] = set()
    for topic, spec in sorted(export.topics.items()):
        base = resource_name(topic)
        name, n = base, 2
        while name in used:
            name, n = f"{base}-{n}", n + 1
        used.add(name)
        metadata: dict[str, Any] = {"name": name}
        if namespace:
            metadata["namespace"] = namespace
        metadata["labels"] = {"strimzi.io/cluster": cluster}
        body: dict[str, Any] = {}
        if name != topic:
            body["topicName"] = topic
        for key in ("partitions", "replicas"):
            if key in spec:
                body[key] = spec[key]
        if spec.get("config"):
            body["config"] = spec["config"]
        documents.append({"apiVersion": STRIMZI_API, "kind": "KafkaTopic", "metadata": metadata, "spec": body})
    return "".join("---\n" + yaml.safe_dump(d, sort_keys=False, default_flow_style=False, allow_unicode=True)
                   for d in documents)


def render_gitops(export: Export) -> str:
    topics = {}
    for topic, spec in sorted(export.topics.items()):
        body: dict[str, Any] = {}
        if "partitions" in spec:
            body["partitions"] = spec["partitions"]
        if "replicas" in spec:
            body["replication"] = spec["replicas"]
        if spec.get("config"):
            body["configs"] = spec["config"]
        topics[topic] = body
    return yaml.safe_dump({"topics": topics}, sort_keys=False, default_flow_style=False, allow_unicode=True)


# ---------------------------------------------------------------------------------------------
# reading


@dataclass(frozen=True)
class Topic:
    name: str
    partitions: int | None
    replicas: int | None
    config: dict
    where: str  # file and pointer ("topics.yaml#/2/spec")
    cluster: str | None = None


def read_topics(text: str, where: str) -> list[Topic]:
    """Every topic of a YAML file: KafkaTopic resources (several documents, or a `List`), or a
    kafka-gitops state file (`topics:`). Other documents (a Kafka, a KafkaUser) are skipped."""
    try:
        documents = list(yaml.safe_load_all(text))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f"{mark.line + 1}:{mark.column + 1}" if mark is not None else "1:1"
        raise TopicsError(f"{where}:{at}: not YAML: {getattr(exc, 'problem', None) or exc}") from None
    except RecursionError:
        raise TopicsError(f"{where}:1:1: nested too deeply to be a topic file") from None
    topics: list[Topic] = []
    for index, document in enumerate(documents):
        if document is None:
            continue
        if not isinstance(document, dict):
            raise TopicsError(f"{where}: document {index + 1} is not a mapping")
        if document.get("kind") == "List" and isinstance(document.get("items"), list):
            for j, item in enumerate(document["items"]):
                if isinstance(item, dict) and item.get("kind") == "KafkaTopic":
                    topics.append(_strimzi(item, f"{where}#/{index}/items/{j}"))
        elif document.get("kind") == "KafkaTopic":
            topics.append(_strimzi(document, f"{where}#/{index}"))
        elif isinstance(document.get("topics"), dict) and "kind" not in document:
            for name, body in document["topics"].items():
                body = body or {}
                if not isinstance(body, dict):
                    raise TopicsError(f"{where}: topics/{name} is not a mapping")
                topics.append(Topic(str(name), _int(body.get("partitions"), where, name),
                                    _int(body.get("replication"), where, name),
                                    _config(body.get("configs"), where, name), f"{where}#/topics/{name}"))
    return topics


def _int(value, where, name):
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise TopicsError(f"{where}: topic {name}: {value!r} is not a whole number") from None


def _config(value, where, name) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TopicsError(f"{where}: topic {name}: config is not a mapping")
    return {str(k): v for k, v in value.items()}


def _strimzi(document: dict, where: str) -> Topic:
    metadata = document.get("metadata") or {}
    spec = document.get("spec") or {}
    if not isinstance(metadata, dict) or not isinstance(spec, dict):
        raise TopicsError(f"{where}: metadata and spec must be mappings")
    name = spec.get("topicName") or metadata.get("name")
    if not name:
        raise TopicsError(f"{where}: a KafkaTopic needs metadata.name or spec.topicName")
    labels = metadata.get("labels") or {}
    cluster = labels.get("strimzi.io/cluster") if isinstance(labels, dict) else None
    return Topic(str(name), _int(spec.get("partitions"), where, name), _int(spec.get("replicas"), where, name),
                 _config(spec.get("config"), where, name), where + "/spec", cluster)


def observed(topics: list[Topic]) -> dict[str, dict]:
    return {t.name: {"partitions": t.partitions, "replicas": t.replicas, "config": dict(t.config)} for t in topics}


# ---------------------------------------------------------------------------------------------
# import


def import_topics(topics: list[Topic], broker_name: str = "kafka", paths: list[str] | None = None) -> str:
    """A .msgarch skeleton: one `topic` channel per topic (the last file wins for a name given twice)."""
    from msgarch.interop.rabbitmq import duration_text, size_text
    from msgarch.interop.writer import ModelWriter, Names, name as msgarch_name, q

    broker = msgarch_name(broker_name, "kafka")
    writer = ModelWriter(header=[
        f"Imported from {', '.join(paths or []) or 'KafkaTopic files'} by `msgarch import kafka`.",
        "A skeleton of the topics: producers, consumers and their groups, rates and sizes are not in these",
        "files; write them. A setting the files leave out is left out (the cluster's default applies).",
    ])
    clusters = sorted({t.cluster for t in topics if t.cluster})
    writer.broker(broker, "kafka", [], comment=[f"Strimzi cluster {', '.join(clusters)}"] if clusters else None)
    names = Names()
    by_name = {t.name: t for t in topics}
    for topic_name in sorted(by_name):
        topic = by_name[topic_name]
        channel = names.get(topic_name, topic_name)
        settings: list = []
        notes = [f"{topic.where}"]
        if channel != topic_name:
            settings.append(("address", q(topic_name)))
        if topic.partitions is not None and topic.partitions > 0:
            settings.append(("partitions", topic.partitions))
        if topic.replicas is not None and topic.replicas > 0:
            settings.append(("replication", topic.replicas))
        config = dict(topic.config)
        for setting, (key, shape) in CONFIG_SETTINGS.items():
            if key not in config:
                continue
            value = config.pop(key)
            try:
                number = None if isinstance(value, bool) else float(value)
            except (TypeError, ValueError):
                number = None
            if shape == "ms" and number is not None and number >= 0:
                settings.append((setting, duration_text(number / 1000)))
            elif shape == "count" and number is not None and number >= 0 and number == int(number):
                settings.append((setting, size_text(number) if setting in ("retention-bytes", "max-message")
                                 else int(number)))
            elif shape == "word" and str(value) in ("delete", "compact"):
                settings.append((setting, str(value)))
            else:
                notes.append(f"not mapped: {key}={value}" + (" (unlimited)" if str(value) == "-1" else ""))
        for key, value in sorted(config.items()):
            notes.append(f"not mapped: {key}={value}")
        writer.channel(channel, broker, "topic", settings, comment=notes)
    return writer.render()
