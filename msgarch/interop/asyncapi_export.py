"""`msgarch export asyncapi`: AsyncAPI 3.0 documents for a .msgarch model.

One document per component (its publishes are `send` operations, its consumes
`receive` operations, with the channels, servers and messages they use, and the
channels routes link them to), or one for the whole system (``single``). Every msgarch
declaration also travels in an ``x-msgarch`` extension holding its settings as written
(``{settings: {key: value text}}``), so that `msgarch import asyncapi` reads the same
model back; AsyncAPI's own fields (address, bindings, servers) are filled where they
exist. v1 `flow` declarations and `kind` declarations have no AsyncAPI form here and
are left out (the command says so); docs/interop.md lists every loss.
"""

from __future__ import annotations

import json
import re
from typing import Any


ASYNCAPI_VERSION = "3.0.0"

#: broker kind -> AsyncAPI protocol
PROTOCOLS = {
    "rabbitmq": "amqp", "rabbitmq-quorum": "amqp", "rabbitmq-stream": "amqp", "celery-rabbitmq": "amqp",
    "kafka": "kafka", "mqtt": "mqtt", "nats": "nats", "nats-jetstream": "nats",
    "sqs": "sqs", "sqs-fifo": "sqs", "celery-sqs": "sqs", "sns": "sns",
    "jms": "jms", "activemq": "jms", "artemis": "jms", "ibm-mq": "ibmmq", "pulsar": "pulsar",
    "redis-pubsub": "redis", "redis-streams": "redis", "redis-list": "redis", "celery-redis": "redis",
    "websocket": "ws", "http-stream": "https",
    "zeromq": "zmq", "postgres": "postgres", "tibco-rv": "tibco-rv", "tibco-rvcm": "tibco-rv",
}
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(us|ms|s|min|h|d)$")
_DURATION_S = {"us": 1e-6, "ms": 1e-3, "s": 1, "min": 60, "h": 3600, "d": 86400}


def _text(model, span) -> str:
    source = model.sources.get(span.path, "")
    lines = source.splitlines()
    if span.line == span.end_line:
        return lines[span.line - 1][span.column - 1:span.end_column - 1]
    parts = [lines[span.line - 1][span.column - 1:]]
    parts += lines[span.line:span.end_line - 1]
    parts.append(lines[span.end_line - 1][:span.end_column - 1])
    return " ".join(p.strip() for p in parts)


def _settings(model, prop_spans, skip=()) -> dict:
    """Each property as written: flag -> true, else the value text after the keyword."""
    out: dict[str, Any] = {}
    for key, span in sorted(prop_spans.items(), key=lambda kv: (kv[1].line, kv[1].column)):
        if key in skip:
            continue
        text = " ".join(_text(model, span).split())
        value = text[len(key):].strip() if text.startswith(key) else text
        out[key] = True if value == "" else _plain(value)
    return out


def _plain(value: str):
    """Numbers as numbers (so YAML and JSON show them plainly), everything else as text."""
    if re.fullmatch(r"\d+", value):
        return int(value)
    return value


def _unquote(value) -> str | None:
    if isinstance(value, str) and value.startswith('"') and value.endswith('"') and value.count('"') == 2:
        return value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return None


def _seconds(text) -> float | None:
    match = _DURATION.match(str(text))
    return float(match.group(1)) * _DURATION_S[match.group(2)] if match else None


def _int(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class _Exporter:
    def __init__(self, model) -> None:
        self.model = model
        self.endpoints = self._endpoints()
        self.notes: list[str] = []

    def _endpoints(self) -> list[dict]:
        """Endpoints as declared (one per publishes/consumes line, with its messages)."""
        grouped: dict[tuple, dict] = {}
        for endpoint in list(self.model.publishes) + list(self.model.consumes):
            key = (endpoint.span.path, endpoint.span.line, endpoint.span.column, endpoint.role)
            entry = grouped.setdefault(key, {"role": endpoint.role, "component": endpoint.component,
                                             "channel": endpoint.channel, "messages": [], "endpoint": endpoint})
            if endpoint.message not in entry["messages"]:
                entry["messages"].append(endpoint.message)
        entries = list(grouped.values())
        for entry in entries:
            entry["messages"] = sorted(entry["messages"])
            entry["settings"] = _settings(self.model, entry["endpoint"].prop_spans, skip=("kind",))
        # canonical order (not the source's): the same model written differently exports the same
        return sorted(entries, key=lambda e: (e["component"], e["role"], e["channel"], e["messages"],
                                              json.dumps(e["settings"], sort_keys=True)))

    # -- pieces --------------------------------------------------------------------------
    def server(self, name: str) -> dict:
        broker = self.model.brokers.get(name)
        if broker is None:
            return {"host": name, "protocol": "unknown",
                    "description": f"broker {name} is not declared in the model",
                    "x-msgarch": {"broker": name, "undeclared": True}}
        settings = _settings(self.model, broker.prop_spans)
        return {"host": name, "protocol": PROTOCOLS.get(broker.kind, broker.kind),
                "description": f"msgarch broker {name} ({broker.kind}); the host is not in the model",
                "x-msgarch": {"broker": name, "kind": broker.kind, "settings": settings}}

    def channel(self, name: str, keep: set[str]) -> dict:
        channel = self.model.channels[name]
        settings = _settings(self.model, channel.prop_spans)
        address = _unquote(settings.get("address")) if "address" in settings else name
        out: dict[str, Any] = {"address": address}
        messages = sorted({e["endpoint"].message for e in self.endpoints if e["channel"] == name}
                          | {m for e in self.endpoints if e["channel"] == name for m in e["messages"]})
        if messages:
            out["messages"] = {m: {"$ref": f"#/components/messages/{m}"} for m in messages}
        out["servers"] = [{"$ref": f"#/servers/{channel.broker}"}]
        bindings = self._bindings(channel, settings, address)
        if bindings:
            out["bindings"] = bindings
        ext: dict[str, Any] = {"channel": name, "type": channel.type, "settings": settings}
        routes = []
        for route in self.model.routes:
            if route.source == name and not route.dead_letter and route.target in keep:
                entry = {"to": route.target, "settings": _settings(self.model, route.prop_spans)}
                if entry not in routes:
                    routes.append(entry)
        routes.sort(key=lambda r: (r["to"], json.dumps(r["settings"], sort_keys=True)))
        if routes:
            ext["routes"] = routes
        out["x-msgarch"] = ext
        return out

    def _bindings(self, channel, settings: dict, address: str) -> dict:
        broker = self.model.brokers.get(channel.broker)
        kind = broker.kind if broker else None
        family = PROTOCOLS.get(kind or "")
        if family == "amqp" and channel.type in ("exchange", "queue"):
            if channel.type == "exchange":
                exchange: dict[str, Any] = {"name": address}
                if settings.get("type") in ("topic", "direct", "fanout", "headers"):
                    exchange["type"] = settings["type"]
                for key, field in (("durable", "durable"), ("auto-delete", "autoDelete")):
                    if key in settings:
                        exchange[field] = settings[key] is True
                return {"amqp": {"is": "routingKey", "exchange": exchange, "bindingVersion": "0.3.0"}}
            queue: dict[str, Any] = {"name": address}
            for key, field in (("durable", "durable"), ("exclusive", "exclusive"), ("auto-delete", "autoDelete")):
                if key in settings:
                    queue[field] = settings[key] is True
            return {"amqp": {"is": "queue", "queue": queue, "bindingVersion": "0.3.0"}}
        if kind == "kafka" and channel.type == "topic":
            binding: dict[str, Any] = {"topic": address}
            if _int(settings.get("partitions")):
                binding["partitions"] = settings["partitions"]
            if _int(settings.get("replication")):
                binding["replicas"] = settings["replication"]
            config: dict[str, Any] = {}
            if _seconds(settings.get("retention")) is not None:
                config["retention.ms"] = int(_seconds(settings["retention"]) * 1000)
            if settings.get("cleanup") in ("delete", "compact"):
                config["cleanup.policy"] = [settings["cleanup"]]
            if config:
                binding["topicConfiguration"] = config
            binding["bindingVersion"] = "0.5.0"
            return {"kafka": binding}
        if family == "sqs" and channel.type == "queue":
            queue = {"name": address}
            if settings.get("fifo") is True:
                queue["fifoQueue"] = True
            for key, field in (("visibility-timeout", "visibilityTimeout"), ("delay", "deliveryDelay"),
                               ("retention", "messageRetentionPeriod")):
                seconds = _seconds(settings.get(key))
                if seconds is not None and float(seconds).is_integer():
                    queue[field] = int(seconds)
            return {"sqs": {"queue": queue, "bindingVersion": "0.2.0"}}
        return {}

    def message(self, name: str) -> dict:
        message = self.model.messages.get(name)
        out: dict[str, Any] = {"name": name}
        if message is None:
            out["x-msgarch"] = {"message": name, "settings": {}, "undeclared": True}
            return out
        settings = _settings(self.model, message.prop_spans)
        schema = _unquote(settings.get("schema"))
        if schema:
            out["description"] = f"payload schema: {schema}"
        out["x-msgarch"] = {"message": name, "settings": settings}
        return out

    def operation(self, entry: dict, single: bool) -> dict:
        endpoint = entry["endpoint"]
        settings = entry["settings"]
        if "kind" in endpoint.prop_spans:
            self.notes.append(f"{endpoint.id}: `kind {endpoint.kind}` is left out (kinds have no AsyncAPI form)")
        op: dict[str, Any] = {
            "action": "send" if entry["role"] == "publish" else "receive",
            "channel": {"$ref": f"#/channels/{entry['channel']}"},
            "messages": [{"$ref": f"#/channels/{entry['channel']}/messages/{m}"} for m in entry["messages"]],
        }
        bindings = {}
        broker = self.model.brokers.get(self.model.channels[entry["channel"]].broker) if entry["channel"] in self.model.channels else None
        if broker is not None and broker.kind == "kafka" and isinstance(settings.get("group"), str):
            bindings["kafka"] = {"groupId": {"type": "string", "enum": [settings["group"]]}, "bindingVersion": "0.5.0"}
        if broker is not None and broker.kind == "mqtt" and settings.get("qos") in (0, 1, 2):
            bindings["mqtt"] = {"qos": settings["qos"], "bindingVersion": "0.2.0"}
        if bindings:
            op["bindings"] = bindings
        ext: dict[str, Any] = {"settings": settings}
        if single:
            ext["component"] = entry["component"]
        op["x-msgarch"] = ext
        return op

    # -- documents -----------------------------------------------------------------------
    def closure(self, channels: set[str]) -> set[str]:
        keep = set(channels)
        changed = True
        while changed:
            changed = False
            for route in self.model.routes:
                if (route.source in keep) != (route.target in keep) and route.source in self.model.channels \
                        and route.target in self.model.channels:
                    keep |= {route.source, route.target}
                    changed = True
        return keep

    def document(self, title: str, entries: list[dict], channels: set[str], info_ext: dict, single: bool) -> dict:
        keep = self.closure(channels)
        names = sorted(c for c in keep if c in self.model.channels)
        brokers = sorted({self.model.channels[c].broker for c in names})
        messages = sorted({m for e in entries for m in e["messages"]}
                          | {m for e in self.endpoints if e["channel"] in keep for m in e["messages"]})
        doc: dict[str, Any] = {
            "asyncapi": ASYNCAPI_VERSION,
            "info": {"title": title, "version": "1.0.0",
                     "description": "Exported by `msgarch export asyncapi`; x-msgarch extensions carry what "
                                    "AsyncAPI has no field for (rates, sizes, needs, capacity, channel settings).",
                     "x-msgarch": info_ext},
        }
        if brokers:
            doc["servers"] = {b: self.server(b) for b in brokers}
        if names:
            doc["channels"] = {c: self.channel(c, keep) for c in names}
        operations: dict[str, Any] = {}
        counts: dict[str, int] = {}
        for entry in entries:
            if entry["channel"] not in self.model.channels:
                continue
            base = f"{entry['component']}.{'send' if entry['role'] == 'publish' else 'receive'}.{entry['channel']}"
            counts[base] = counts.get(base, 0) + 1
            key = base if counts[base] == 1 else f"{base}.{counts[base]}"
            operations[key] = self.operation(entry, single)
        if operations:
            doc["operations"] = operations
        if messages:
            doc["components"] = {"messages": {m: self.message(m) for m in messages}}
        return doc

    def component_ext(self, name: str) -> dict:
        component = self.model.components[name]
        return {"component": name, "settings": _settings(self.model, component.prop_spans)}


def _dump(document: dict, output_format: str) -> str:
    if output_format == "json":
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    import yaml

    class _Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data):  # noqa: ARG002 - every value written out
            return True

    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100000,
                     default_flow_style=False)


def export_documents(model, single: bool = False) -> tuple[list[tuple[str, dict]], list[str]]:
    """(name, AsyncAPI document) pairs for ``model``, and notes on what was left out."""
    exporter = _Exporter(model)
    if model.declared_flows if hasattr(model, "declared_flows") else False:
        exporter.notes.append(f"{len(model.declared_flows)} v1 flow(s) left out: a `flow` has no channel to "
                              "export (write it as a channel, a publish and consumes)")
    if getattr(model, "kinds", None):
        exporter.notes.append("kind declarations left out (no AsyncAPI form); endpoints that use one lose its defaults")
    system_ext = None
    if model.system is not None and model.system.span is not None:
        system_ext = {"name": model.system.name, "settings": _settings(model, model.system.prop_spans)}
    if single:
        title = model.system.name if model.system and model.system.name else "system"
        entries = exporter.endpoints
        channels = set(model.channels)
        info_ext = {"single": True, "components": {n: {"settings": exporter.component_ext(n)["settings"]}
                                                   for n in sorted(model.components)}}
        if system_ext:
            info_ext["system"] = system_ext
        return [(title, exporter.document(title, entries, channels, info_ext, True))], exporter.notes
    out = []
    for name in sorted(model.components):
        entries = [e for e in exporter.endpoints if e["component"] == name]
        channels = {e["channel"] for e in entries}
        info_ext = exporter.component_ext(name)
        if system_ext:
            info_ext["system"] = system_ext
        out.append((name, exporter.document(name, entries, channels, info_ext, False)))
    return out, exporter.notes


def export_model(path: str, single: bool = False, config_path: str | None = None,
                 output_format: str = "yaml") -> tuple[list[tuple[str, str]], list[str]]:
    """The documents as text, and every file the run read (never to be written over)."""
    from msgarch import api
    from msgarch.cli.common import input_paths
    from msgarch.lint.config import load_config

    config = load_config(path, config_path)
    model = api.load_one(path, None, config.profiles)
    documents, notes = export_documents(model, single=single)
    import click

    for note in notes:
        click.echo(f"msgarch export asyncapi: note: {note}", err=True)
    return [(name, _dump(doc, output_format)) for name, doc in documents], input_paths([model], config)


__all__ = ["export_documents", "export_model", "ASYNCAPI_VERSION", "PROTOCOLS"]
