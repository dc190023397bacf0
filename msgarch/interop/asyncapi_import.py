"""`msgarch import asyncapi`: AsyncAPI 2.x / 3.x documents (one per application) as one .msgarch model.

The mapping (docs/interop.md has the table and what is lost):

- a server is a broker; its protocol picks the kind (``KINDS``); a server of a protocol
  msgarch has no profile for (WebSocket, HTTP streaming, Mercure, ...) or a document with
  no server at all keeps its channels and endpoints on a broker left *undeclared*, with a
  comment saying why: lint reports it (S001) and still matches producers with consumers;
- the same server (protocol, host, path) in several documents is one broker; the same
  channel address on the same server is one channel;
- a channel's bindings give its type and settings (amqp exchange/queue, kafka topic
  configuration, sqs queue, sns topic, jms/ibmmq destination, mqtt/nats subject);
- an operation (3.x `send`/`receive`; 2.x `subscribe`/`publish`, read from the
  application's side) is a publish or consume of the document's application (its
  ``info.title``, or ``info.x-msgarch.component``); a `reply` makes the send
  request-reply and adds the consume (or, on a receive, the publish) of the reply;
- a message is a message; its payload schema is recorded as ``schema "FILE#POINTER"``;
- figures (rates, sizes, capacity, instances) come only from ``x-msgarch`` extensions
  and are otherwise left out, with a comment saying so.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from typing import Any

from msgarch.diagnostics import Diagnostic, InputError, Related, Span, input_error
from msgarch.interop.asyncapi_source import Located, Remote, Sources, pointer_join
from msgarch.interop.writer import ModelWriter, Names, Quoted, Raw, q, raw, raw_ok

#: protocol -> broker kind (the AsyncAPI protocol names of the 3.0 spec's server object)
KINDS = {
    "amqp": "rabbitmq", "amqps": "rabbitmq",
    "kafka": "kafka", "kafka-secure": "kafka",
    "mqtt": "mqtt", "mqtts": "mqtt", "secure-mqtt": "mqtt", "mqtt5": "mqtt",
    "nats": "nats",
    "sqs": "sqs", "sns": "sns",
    "jms": "jms", "ibmmq": "ibm-mq",
    "pulsar": "pulsar",
    "redis": "redis-pubsub",
    # transports that are not brokers: small profiles in msgarch/brokers/transports/
    "ws": "websocket", "wss": "websocket",
    "http": "http-stream", "https": "http-stream", "mercure": "http-stream", "sse": "http-stream",
}
#: what the kinds of transports that are not brokers say about themselves in the model
TRANSPORT_NOTE = {
    "websocket": "kind websocket: not a broker; a small profile of RFC 6455 (no acknowledgement, nothing stored) "
                 "so that lint can judge what travels over it",
    "http-stream": "kind http-stream: not a broker; a small profile of HTTP streaming (Server-Sent Events, chunked "
                   "responses, Mercure hubs): one direction, no acknowledgement; an http(s) server is read as streaming",
}
#: the channel type a kind's channels get when no binding says otherwise
DEFAULT_TYPE = {
    "rabbitmq": "queue", "kafka": "topic", "mqtt": "topic", "nats": "subject", "sqs": "queue",
    "sns": "topic", "jms": "queue", "ibm-mq": "queue", "pulsar": "topic", "redis-pubsub": "channel",
    "websocket": "channel", "http-stream": "stream",
}
#: how a channel address parameter `{id}` is written in the kind's wildcard syntax
WILDCARD = {"mqtt": "+", "nats": "*", "rabbitmq": "*"}
_PARAM = re.compile(r"\{[^{}]*\}")
_SETTING_KEY = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")


class _Origin(str):
    """A setting's comment (``FILE#POINTER``) that also knows where it is and what the document wrote."""

    file: str
    pointer: str
    field: str
    raw: Any

    def __new__(cls, text: str, file: str, pointer: str, field_: str, raw: Any) -> "_Origin":
        made = super().__new__(cls, text)
        made.file, made.pointer, made.field, made.raw = file, pointer, field_, raw
        return made


@dataclass
class Mismatch:
    """Two documents give one channel different values for one setting (X804 binding-mismatch)."""

    channel: str
    setting: str
    kept: Any  # the msgarch value the model keeps (the first document's)
    first: _Origin | None
    first_where: str
    other: Any
    second: _Origin
    text: str


@dataclass
class ImportResult:
    text: str
    inputs: list[str]
    notes: list[str] = field(default_factory=list)
    #: X804 findings (binding mismatches between documents), located in the documents
    findings: list = field(default_factory=list)
    #: display path -> text of the documents the findings are in (for source lines)
    sources: dict = field(default_factory=dict)


@dataclass
class _Broker:
    key: tuple
    name: str
    kind: str | None  # None: no profile, left undeclared
    protocol: str
    sources: list[str] = field(default_factory=list)
    settings: list = field(default_factory=list)
    comment: list[str] = field(default_factory=list)


@dataclass
class _Channel:
    key: tuple
    name: str
    broker: _Broker
    type: str
    settings: list = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    bindings: dict = field(default_factory=dict)  # protocol -> (where, binding) per document, for mismatches


@dataclass
class _Use:
    """A channel as one AsyncAPI channel uses it (an amqp exchange used with one routing key)."""

    channel: _Channel
    key: str | None = None
    from_binding: bool = False  # an amqp routing-key binding: a receive reads a queue named for it


@dataclass
class _Message:
    name: str
    settings: list
    sources: list[str]


class Importer:
    def __init__(self, sources: Sources) -> None:
        self.src = sources
        self.brokers: dict[tuple, _Broker] = {}
        self.channels: dict[tuple, _Channel] = {}
        self.messages: dict[str, _Message] = {}
        self.message_by_loc: dict[tuple, str] = {}
        self.routes: dict[tuple, tuple[list, list[str]]] = {}
        self.endpoints: list[tuple] = []  # (component, verb, messages, channel, settings, comment)
        self.components: dict[str, tuple[list, list[str]]] = {}
        self.broker_names = Names()
        self.channel_names = Names()
        self.message_names = Names()
        self.component_names = Names()
        self.notes: list[str] = []
        self.system: tuple | None = None
        self.mismatch: list[str] = []
        self.mismatches: list[Mismatch] = []

    # -- documents -----------------------------------------------------------------------
    def document(self, file: str) -> None:
        doc = self.src.load(file)
        if not isinstance(doc, dict) or "asyncapi" not in doc:
            raise self.src.error(file, "", "not an AsyncAPI document: no `asyncapi` field at the top",
                                 "give AsyncAPI 2.x or 3.x documents")
        version = str(doc.get("asyncapi"))
        major = version.split(".")[0]
        if major not in ("2", "3"):
            raise self.src.error(file, "/asyncapi", f"AsyncAPI {version} is not supported (2.x and 3.x are)")
        info = doc.get("info") if isinstance(doc.get("info"), dict) else {}
        ext = _ext(info)
        title = ext.get("component") or info.get("title") or os.path.splitext(os.path.basename(file))[0]
        where = self.src.where(file, "/info")
        if isinstance(ext.get("system"), dict) and self.system is None:
            sys_ext = ext["system"]
            settings, _ = self._ext_settings(file, "/info/x-msgarch/system", sys_ext)
            self.system = (str(sys_ext.get("name") or ""), settings, self.src.where(file, "/info/x-msgarch/system"))
        if ext.get("single") is True:
            # one document for a whole system (`msgarch export asyncapi --single`)
            listed = ext.get("components") if isinstance(ext.get("components"), dict) else {}
            for cname in sorted(listed, key=str):
                ptr = pointer_join("/info/x-msgarch/components", cname)
                entry = listed[cname] if isinstance(listed[cname], dict) else {}
                settings, notes = self._ext_settings(file, ptr, entry)
                component = self.component_names.get(("component", str(cname)), cname)
                self.components.setdefault(component, (settings, [self.src.where(file, ptr)] + notes))
            component = self.component_names.get(("component", str(title)), title)
        else:
            component = self.component_names.get(("component", str(title)), title)
            settings, notes = self._ext_settings(file, "/info/x-msgarch", ext)
            if component in self.components:
                self.components[component][1].append(where)
            else:
                self.components[component] = (settings, [where] + notes)
        self._document_component = (component, where)
        servers = self._servers(file, doc, major)
        if major == "3":
            self._v3(file, doc, component, servers)
        else:
            self._v2(file, doc, component, servers)

    # -- servers -------------------------------------------------------------------------
    def _servers(self, file: str, doc: dict, major: str) -> dict[str, _Broker]:
        out: dict[str, _Broker] = {}
        servers = doc.get("servers")
        if not isinstance(servers, dict):
            return out
        for key in sorted(servers, key=str):
            loc = self._deref(file, pointer_join("/servers", key), servers[key])
            if loc is None or not isinstance(loc.value, dict):
                continue
            server = loc.value
            protocol = str(server.get("protocol") or "").lower()
            if major == "3":
                host, path = str(server.get("host") or ""), str(server.get("pathname") or "")
            else:
                url = str(server.get("url") or "")
                host, path = url.split("://", 1)[-1], ""
            ext = _ext(server)
            identity = ("server", protocol, host.lower(), path)
            kind = None if ext.get("undeclared") is True else (ext.get("kind") or KINDS.get(protocol))
            where = self.src.where(loc.file, loc.pointer)
            broker = self.brokers.get(identity)
            if broker is None:
                name = self.broker_names.get(identity, ext.get("broker") or key)
                broker = _Broker(identity, name, str(kind) if kind else None, protocol)
                settings, notes = self._ext_settings(loc.file, pointer_join(loc.pointer, "x-msgarch"), ext)
                broker.settings = settings
                broker.comment = notes
                if kind in TRANSPORT_NOTE:
                    broker.comment.append(TRANSPORT_NOTE[str(kind)])
                if kind is None:
                    broker.comment.append(
                        f"server {key} ({protocol or 'no protocol'} {host}{path}): msgarch has no profile for "
                        f"protocol {protocol or '(none)'}, so broker {name} is left undeclared (lint: S001); its "
                        "channels, publishes and consumes are kept so producers and consumers are still matched")
                self.brokers[identity] = broker
            broker.sources.append(where)
            out[key] = broker
        return out

    def _unspecified(self, file: str) -> _Broker:
        identity = ("unspecified",)
        broker = self.brokers.get(identity)
        if broker is None:
            name = self.broker_names.get(identity, "unspecified")
            broker = _Broker(identity, name, None, "")
            broker.comment.append(
                f"channels of documents that name no server are on broker {name}, left undeclared (lint: S001): "
                "the documents do not say which broker carries them")
            self.brokers[identity] = broker
        broker.sources.append(self.src.display(file))
        return broker

    # -- 3.x -----------------------------------------------------------------------------
    def _v3(self, file: str, doc: dict, component: str, servers: dict[str, _Broker]) -> None:
        channels = doc.get("channels") if isinstance(doc.get("channels"), dict) else {}
        by_pointer: dict[tuple, list[_Channel]] = {}
        for key in sorted(channels, key=str):
            loc = self._deref(file, pointer_join("/channels", key), channels[key])
            if loc is None or not isinstance(loc.value, dict):
                continue
            made = self._channel_v3(file, key, loc, servers)
            by_pointer[(loc.file, loc.pointer)] = made
            by_pointer[(file, pointer_join("/channels", key))] = made
        operations = doc.get("operations") if isinstance(doc.get("operations"), dict) else {}
        for key in sorted(operations, key=str):
            oploc = self._deref(file, pointer_join("/operations", key), operations[key])
            if oploc is None or not isinstance(oploc.value, dict):
                continue
            op = self._with_traits(oploc)
            action = op.get("action")
            if action not in ("send", "receive"):
                raise self.src.error(oploc.file, pointer_join(oploc.pointer, "action"),
                                     f"operation {key!r}: action must be send or receive, not {action!r}")
            chloc = self._deref(oploc.file, pointer_join(oploc.pointer, "channel"), op.get("channel"))
            if chloc is None:
                continue
            targets = by_pointer.get((chloc.file, chloc.pointer))
            if targets is None:
                targets = self._channel_v3(chloc.file, chloc.pointer.rsplit("/", 1)[-1], chloc, servers)
                by_pointer[(chloc.file, chloc.pointer)] = targets
            messages = self._op_messages(oploc, op.get("messages"), chloc)
            verb = "publishes" if action == "send" else "consumes"
            reply = op.get("reply")
            reply_info = None
            if isinstance(reply, dict):
                rloc = self._deref(oploc.file, pointer_join(oploc.pointer, "reply"), reply)
                reply_info = self._reply(rloc, by_pointer, servers, chloc) if rloc else None
            for channel in targets:
                self._endpoint(component, verb, messages, channel, oploc, op, key, reply_info is not None and verb == "publishes")
                if reply_info is not None:
                    reply_channels, reply_messages, rwhere = reply_info
                    for ruse in reply_channels or [channel]:
                        rverb = "consumes" if verb == "publishes" else "publishes"
                        rchannel = ruse.channel
                        if ruse.from_binding and rverb == "consumes":
                            rchannel = self._queue_for(component, rchannel, ruse.key, rwhere)
                        self._add_endpoint(component, rverb, reply_messages, rchannel, [],
                                           [f"{rwhere}: the reply of operation {key}"])

    def _channel_v3(self, file: str, key: str, loc: Located, servers: dict[str, _Broker]) -> list[_Use]:
        channel = loc.value
        address = channel.get("address", key)
        refs = channel.get("servers")
        brokers: list[_Broker] = []
        if isinstance(refs, list) and refs:
            for index, ref in enumerate(refs):
                sloc = self._deref(loc.file, pointer_join(loc.pointer, "servers", index), ref)
                if sloc is None:
                    continue
                skey = sloc.pointer.rsplit("/", 1)[-1]
                broker = servers.get(skey) or self._server_by_value(sloc, servers)
                if broker is not None:
                    brokers.append(broker)
        else:
            brokers = [servers[k] for k in sorted(servers)]
        if not brokers:
            brokers = [self._unspecified(file)]
        bindings = self._bindings(loc, channel.get("bindings"))
        out = []
        for broker in brokers:
            out.append(self._make_channel(broker, key, None if address is None else str(address), bindings, loc, _ext(channel)))
        return out

    def _server_by_value(self, sloc: Located, servers: dict[str, _Broker]) -> _Broker | None:
        for broker in self.brokers.values():
            if self.src.where(sloc.file, sloc.pointer) in broker.sources:
                return broker
        return None

    def _reply(self, rloc: Located, by_pointer, servers, request_channel: Located):
        reply = rloc.value
        channels = None
        if reply.get("channel") is not None:
            cloc = self._deref(rloc.file, pointer_join(rloc.pointer, "channel"), reply.get("channel"))
            if cloc is not None:
                channels = by_pointer.get((cloc.file, cloc.pointer))
                if channels is None:
                    channels = self._channel_v3(cloc.file, cloc.pointer.rsplit("/", 1)[-1], cloc, servers)
                    by_pointer[(cloc.file, cloc.pointer)] = channels
                request_channel = cloc
        messages = self._op_messages(rloc, reply.get("messages"), request_channel)
        return channels, messages, self.src.where(rloc.file, rloc.pointer)

    def _op_messages(self, oploc: Located, refs, chloc: Located) -> list[str]:
        names: list[str] = []
        if isinstance(refs, list) and refs:
            for index, ref in enumerate(refs):
                mloc = self._deref(oploc.file, pointer_join(oploc.pointer, "messages", index), ref)
                if mloc is not None:
                    names.extend(self._message(mloc))
        else:
            messages = chloc.value.get("messages") if isinstance(chloc.value, dict) else None
            if isinstance(messages, dict):
                for key in sorted(messages, key=str):
                    mloc = self._deref(chloc.file, pointer_join(chloc.pointer, "messages", key), messages[key])
                    if mloc is not None:
                        names.extend(self._message(mloc, fallback=key))
        return sorted(dict.fromkeys(names)) or [self._anonymous(chloc)]

    def _anonymous(self, chloc: Located) -> str:
        base = chloc.pointer.rsplit("/", 1)[-1] + "Message"
        name = self.message_names.get(("anonymous", chloc.file, chloc.pointer), base)
        if name not in self.messages:
            self.messages[name] = _Message(name, [], [self.src.where(chloc.file, chloc.pointer)
                                                      + ": the channel names no message"])
        return name

    # -- 2.x -----------------------------------------------------------------------------
    def _v2(self, file: str, doc: dict, component: str, servers: dict[str, _Broker]) -> None:
        channels = doc.get("channels") if isinstance(doc.get("channels"), dict) else {}
        for address in sorted(channels, key=str):
            loc = self._deref(file, pointer_join("/channels", address), channels[address])
            if loc is None or not isinstance(loc.value, dict):
                continue
            item = loc.value
            names = item.get("servers")
            brokers = [servers[n] for n in names if n in servers] if isinstance(names, list) and names else [
                servers[k] for k in sorted(servers)]
            if not brokers:
                brokers = [self._unspecified(file)]
            bindings = self._bindings(loc, item.get("bindings"))
            made = [self._make_channel(b, address, str(address), bindings, loc, _ext(item)) for b in brokers]
            # 2.x is written from the application's side turned around: `subscribe` = it sends
            for word, verb in (("subscribe", "publishes"), ("publish", "consumes")):
                if not isinstance(item.get(word), dict):
                    continue
                oploc = Located(loc.file, pointer_join(loc.pointer, word), item[word])
                op = self._with_traits(oploc)
                messages: list[str] = []
                mval = op.get("message")
                mloc = self._deref(oploc.file, pointer_join(oploc.pointer, "message"), mval) if mval is not None else None
                if mloc is not None and isinstance(mloc.value, dict) and isinstance(mloc.value.get("oneOf"), list):
                    for index, one in enumerate(mloc.value["oneOf"]):
                        sub = self._deref(mloc.file, pointer_join(mloc.pointer, "oneOf", index), one)
                        if sub is not None:
                            messages.extend(self._message(sub))
                elif mloc is not None:
                    messages.extend(self._message(mloc, fallback=op.get("operationId")))
                messages = sorted(dict.fromkeys(messages)) or [self._anonymous(loc)]
                for channel in made:
                    self._endpoint(component, verb, messages, channel, oploc, op, op.get("operationId") or word, False)

    # -- pieces shared by both versions ----------------------------------------------------
    def _deref(self, file: str, pointer: str, value: Any) -> Located | None:
        try:
            return self.src.deref(file, pointer, value)
        except Remote as remote:
            self.notes.append(f"{self.src.where(file, pointer)}: '$ref' {remote.ref} is a URL and was not "
                              "fetched; what it refers to is left out")
            return None

    def _with_traits(self, loc: Located) -> dict:
        op = dict(loc.value)
        traits = op.get("traits")
        if isinstance(traits, list):
            for index, trait in enumerate(traits):
                tloc = self._deref(loc.file, pointer_join(loc.pointer, "traits", index), trait)
                if tloc is not None and isinstance(tloc.value, dict):
                    for k, v in tloc.value.items():
                        if k == "bindings" and isinstance(v, dict):
                            merged = dict(v)
                            merged.update(op.get("bindings") or {})
                            op["bindings"] = merged
                        else:
                            op.setdefault(k, v)
        return op

    def _bindings(self, loc: Located, value) -> dict:
        if value is None:
            return {}
        bloc = self._deref(loc.file, pointer_join(loc.pointer, "bindings"), value)
        if bloc is None or not isinstance(bloc.value, dict):
            return {}
        out = {}
        for proto in sorted(bloc.value, key=str):
            inner = self._deref(bloc.file, pointer_join(bloc.pointer, proto), bloc.value[proto])
            if inner is not None and isinstance(inner.value, dict):
                out[proto] = inner
        return out

    def _message(self, mloc: Located, fallback: str | None = None) -> list[str]:
        key = (mloc.file, mloc.pointer)
        if key in self.message_by_loc:
            return [self.message_by_loc[key]]
        msg = mloc.value if isinstance(mloc.value, dict) else {}
        if isinstance(msg.get("oneOf"), list):  # 2.x message with oneOf inside components
            out = []
            for index, one in enumerate(msg["oneOf"]):
                sub = self._deref(mloc.file, pointer_join(mloc.pointer, "oneOf", index), one)
                if sub is not None:
                    out.extend(self._message(sub))
            return out
        ext = _ext(msg)
        last = mloc.pointer.rsplit("/", 1)[-1] if mloc.pointer else ""
        if last in ("message", "payload", "") or last.isdigit():
            last = ""
        label = ext.get("message") or msg.get("name") or msg.get("messageId") or last or fallback or "Message"
        name = self.message_names.get(("message", str(label)), label)
        self.message_by_loc[key] = name
        where = self.src.where(mloc.file, mloc.pointer)
        settings, notes = self._ext_settings(mloc.file, pointer_join(mloc.pointer, "x-msgarch"), ext)
        keys = {s[0] for s in settings}
        if "payload" in msg and "schema" not in keys:
            ploc = self._deref(mloc.file, pointer_join(mloc.pointer, "payload"), msg["payload"])
            if ploc is not None:
                schema_ptr = ploc.pointer
                if isinstance(ploc.value, dict) and "schemaFormat" in ploc.value and "schema" in ploc.value:
                    sloc = self._deref(ploc.file, pointer_join(ploc.pointer, "schema"), ploc.value["schema"])
                    if sloc is not None:
                        ploc = sloc
                        schema_ptr = sloc.pointer
                settings.append(("schema", q(self.src.where(ploc.file, schema_ptr)), "payload schema"))
        if not ({"size", "max-size"} & keys):
            notes.append("no size: AsyncAPI has no field for it and no x-msgarch gives one")
        content = msg.get("contentType")
        if isinstance(content, str):
            notes.append(f"content type {content}")
        existing = self.messages.get(name)
        if existing is None:
            self.messages[name] = _Message(name, settings, [where] + notes)
        else:
            existing.sources.append("also from " + where)
        return [name]

    def _make_channel(self, broker: _Broker, key: str, address: str | None, bindings: dict, loc: Located,
                      ext: dict) -> _Use:
        kind = broker.kind
        where = self.src.where(loc.file, loc.pointer)
        has_ext = isinstance(ext.get("settings"), dict)

        def at(b: Located, *parts: str, raw: Any = None, suffix: str = "") -> _Origin:
            pointer = pointer_join(b.pointer, *parts)
            proto = next((k for k, v in bindings.items() if v is b), "")
            return _Origin(self.src.where(b.file, pointer) + suffix, b.file, pointer,
                           " ".join(x for x in (proto, ".".join(parts)) if x), raw)
        amqp = bindings.get("amqp") if kind == "rabbitmq" and not has_ext else None
        ctype = ext.get("type") or (DEFAULT_TYPE.get(kind, "channel") if kind else "channel")
        settings: list = []
        notes: list[str] = []
        real = address
        identity_name = address if address is not None else f"{where}"
        publish_key = None
        if amqp is not None and not ext.get("type"):
            b = amqp.value
            if b.get("is") == "routingKey":
                exchange = b.get("exchange") if isinstance(b.get("exchange"), dict) else {}
                ctype = "exchange"
                real = str(exchange.get("name", "")) if exchange.get("name") is not None else ""
                identity_name = ("exchange", real)
                publish_key = address
                etype = exchange.get("type")
                if etype == "default":
                    settings.append(("type", "direct", at(amqp, "exchange", "type", raw=etype, suffix=": default")))
                elif etype in ("topic", "direct", "fanout", "headers"):
                    settings.append(("type", etype, at(amqp, "exchange", "type", raw=etype)))
                for field_, setting in (("durable", "durable"), ("autoDelete", "auto-delete")):
                    if isinstance(exchange.get(field_), bool):
                        settings.append((setting, exchange[field_], at(amqp, "exchange", field_, raw=exchange[field_])))
                if exchange.get("vhost"):
                    notes.append(f"vhost {exchange['vhost']} (not modelled)")
            else:
                queue = b.get("queue") if isinstance(b.get("queue"), dict) else {}
                ctype = "queue"
                real = str(queue.get("name")) if queue.get("name") is not None else address
                identity_name = ("queue", real)
                for field_, setting in (("durable", "durable"), ("exclusive", "exclusive"), ("autoDelete", "auto-delete")):
                    if isinstance(queue.get(field_), bool):
                        settings.append((setting, queue[field_], at(amqp, "queue", field_, raw=queue[field_])))
                if queue.get("vhost"):
                    notes.append(f"vhost {queue['vhost']} (not modelled)")
        elif kind == "rabbitmq" and not ext.get("type"):
            notes.append("no amqp binding: read as a queue of that name (the default exchange routes to it by name)")
        if kind == "kafka" and "kafka" in bindings and not has_ext:
            b = bindings["kafka"]
            value = b.value
            if value.get("topic"):
                real = str(value["topic"])
                identity_name = real
            for field_, setting in (("partitions", "partitions"), ("replicas", "replication")):
                if isinstance(value.get(field_), int) and not isinstance(value.get(field_), bool):
                    settings.append((setting, value[field_], at(b, field_, raw=value[field_])))
            config = value.get("topicConfiguration") if isinstance(value.get("topicConfiguration"), dict) else {}
            for field_, setting, conv in (("retention.ms", "retention", _ms), ("retention.bytes", "retention-bytes", _bytes),
                                          ("max.message.bytes", "max-message", _bytes),
                                          ("min.insync.replicas", "min-insync-replicas", _count)):
                if field_ in config:
                    converted = conv(config[field_])
                    if converted is None:
                        notes.append(f"{field_} {config[field_]!r} not mapped (no limit, or not a number)")
                    else:
                        settings.append((setting, converted, at(b, "topicConfiguration", field_, raw=config[field_])))
            policy = config.get("cleanup.policy")
            if isinstance(policy, list) and len(policy) == 1 and policy[0] in ("delete", "compact"):
                settings.append(("cleanup", policy[0], at(b, "topicConfiguration", "cleanup.policy", raw=policy)))
            elif policy is not None:
                notes.append(f"cleanup.policy {policy!r} not mapped (msgarch has delete or compact)")
            for other in sorted(set(config) - {"retention.ms", "retention.bytes", "max.message.bytes",
                                               "min.insync.replicas", "cleanup.policy"}):
                notes.append(f"topicConfiguration {other} not modelled")
        if kind in ("sqs",) and "sqs" in bindings and not has_ext:
            b = bindings["sqs"]
            queue = b.value.get("queue") if isinstance(b.value.get("queue"), dict) else {}
            if queue.get("name"):
                real = str(queue["name"])
                identity_name = real
            if queue.get("fifoQueue") is True:
                settings.append(("fifo", True, at(b, "queue", "fifoQueue", raw=True)))
            for field_, setting in (("visibilityTimeout", "visibility-timeout"), ("deliveryDelay", "delay"),
                                    ("messageRetentionPeriod", "retention")):
                if isinstance(queue.get(field_), (int, float)) and not isinstance(queue.get(field_), bool):
                    settings.append((setting, _seconds(queue[field_]), at(b, "queue", field_, raw=queue[field_])))
        if kind in ("jms", "ibm-mq") and not ext.get("type"):
            b = bindings.get("jms" if kind == "jms" else "ibmmq")
            if b is not None:
                value = b.value
                dtype = value.get("destinationType")
                if dtype == "topic":
                    ctype = "topic"
                if kind == "jms" and value.get("destination"):
                    real = str(value["destination"])
                    identity_name = real
                if kind == "ibm-mq":
                    inner = value.get("queue" if ctype == "queue" else "topic")
                    field_ = "objectName" if ctype == "queue" else "string"
                    if isinstance(inner, dict) and inner.get(field_):
                        real = str(inner[field_])
                        identity_name = real
        # address parameters become the kind's wildcard (the raw address stays in the comment)
        if real is not None and _PARAM.search(real) and kind in WILDCARD and ctype not in ("exchange", "queue"):
            notes.append(f"address {real} (parameters as {WILDCARD[kind]})")
            real = _PARAM.sub(WILDCARD[kind], real)
        if real is not None and publish_key is not None and _PARAM.search(publish_key):
            publish_key = _PARAM.sub("*", publish_key)
        identity = ("channel", broker.key, ctype if ctype in ("exchange",) else "", identity_name)
        channel = self.channels.get(identity)
        if channel is None:
            label = ext.get("channel") or (key if not isinstance(identity_name, tuple) or ctype != "exchange" else (real or "default"))
            cname = self.channel_names.get(identity, label)
            if has_ext:
                ext_settings, ext_notes = self._ext_settings(loc.file, pointer_join(loc.pointer, "x-msgarch"), ext)
                settings = ext_settings
                notes = ext_notes
            elif real is not None and real != cname:
                settings.insert(0, ("address", q(real), "the name the broker knows"))
            channel = _Channel(identity, cname, broker, str(ctype), settings, [where], notes)
            self.channels[identity] = channel
            if ext.get("routes"):
                self._ext_routes(loc, channel, ext["routes"])
        else:
            channel.sources.append(where)
            self._compare_bindings(channel, settings, where)
        return _Use(channel, publish_key, publish_key is not None)

    def _compare_bindings(self, channel: _Channel, settings: list, where: str) -> None:
        mine = {s[0]: s for s in channel.settings}
        for setting in settings:
            if setting[0] in mine and _show(mine[setting[0]][1]) != _show(setting[1]):
                kept = mine[setting[0]]
                text = (f"channel {channel.name}: {setting[0]} is {_show(kept[1])} in {channel.sources[0]} "
                        f"but {_show(setting[1])} in {where}")
                channel.notes.append("MISMATCH X804 " + text)
                self.mismatch.append(text)
                first = kept[2] if len(kept) > 2 and isinstance(kept[2], _Origin) else None
                second = setting[2] if len(setting) > 2 and isinstance(setting[2], _Origin) else None
                if second is not None:
                    self.mismatches.append(Mismatch(channel.name, setting[0], kept[1], first, channel.sources[0],
                                                    setting[1], second, text))

    def _ext_routes(self, loc: Located, channel: _Channel, routes) -> None:
        if not isinstance(routes, list):
            raise self.src.error(loc.file, pointer_join(loc.pointer, "x-msgarch", "routes"), "x-msgarch routes must be a list")
        for index, route in enumerate(routes):
            ptr = pointer_join(loc.pointer, "x-msgarch", "routes", index)
            if not isinstance(route, dict) or not isinstance(route.get("to"), str):
                raise self.src.error(loc.file, ptr, "an x-msgarch route is a mapping with `to: CHANNEL`")
            settings, _ = self._ext_settings(loc.file, ptr, route)
            self.pending_routes.append((channel, route["to"], settings, self.src.where(loc.file, ptr)))  # type: ignore[attr-defined]

    def _endpoint(self, component, verb, messages, use: _Use, oploc: Located, op: dict, key, request_reply) -> None:
        channel = use.channel
        ext = _ext(op)
        where = self.src.where(oploc.file, oploc.pointer)
        settings, notes = self._ext_settings(oploc.file, pointer_join(oploc.pointer, "x-msgarch"), ext)
        given = {s[0] for s in settings}
        owner = ext.get("component")
        if owner:
            component = self.component_names.get(("component", str(owner)), owner)
            self.components.setdefault(component, ([], [where]))
        if component not in self.components:  # a system document's operation without an owner
            self.components[component] = ([], [self._document_component[1]])
        bindings = self._bindings(oploc, op.get("bindings"))
        if verb == "publishes" and use.key and "key" not in given:
            settings.insert(0, ("key", q(use.key), "the channel address: the amqp routing key"))
        if channel.broker.kind == "kafka" and verb == "consumes" and "kafka" in bindings and "group" not in given:
            group = _schema_value(bindings["kafka"].value.get("groupId"))
            if group:
                settings.append(("group", _word_or_none(group), self.src.where(bindings["kafka"].file, bindings["kafka"].pointer) + "/groupId"))
        if channel.broker.kind == "mqtt" and "mqtt" in bindings:
            b = bindings["mqtt"]
            qos = b.value.get("qos")
            if qos in (0, 1, 2) and "qos" not in given:
                settings.append(("qos", qos, self.src.where(b.file, b.pointer) + "/qos"))
            if verb == "publishes" and b.value.get("retain") is True and "retained" not in given:
                settings.append(("retained", True, self.src.where(b.file, b.pointer) + "/retain"))
        if channel.broker.kind == "nats" and verb == "consumes" and "nats" in bindings and "group" not in given:
            queue = bindings["nats"].value.get("queue")
            if isinstance(queue, str) and queue:
                settings.append(("group", _word_or_none(queue), self.src.where(bindings["nats"].file, bindings["nats"].pointer) + "/queue"))
        settings = [s for s in settings if s[1] is not None]
        if request_reply and "pattern" not in given:
            settings.append(("pattern", "request-reply", where + "/reply"))
        if not ({"rate", "peak"} & given) and verb == "publishes":
            notes.append("no rate: AsyncAPI has no field for it and no x-msgarch gives one")
        if use.from_binding and verb == "consumes":
            channel = self._queue_for(component, channel, use.key, where)
        self._add_endpoint(component, verb, messages, channel, settings, [f"{where} (operation {key})"] + notes)

    def _queue_for(self, component: str, exchange: _Channel, key: str | None, where: str) -> _Channel:
        """A receive on an amqp routing key: the queue it reads is not in the document; one is named for it."""
        identity = ("channel", exchange.broker.key, "queue-for", component, exchange.name, key)
        channel = self.channels.get(identity)
        if channel is None:
            cname = self.channel_names.get(identity, f"{component}-{exchange.name}")
            channel = _Channel(identity, cname, exchange.broker, "queue", [], [where],
                               ["not in the document: AsyncAPI's amqp binding names no queue for a receive on a "
                                "routing key; this one is named after the application"])
            self.channels[identity] = channel
            route_settings = [("key", q(key), "the channel address")] if key else []
            self.routes[(exchange.name, cname, key)] = (route_settings, [where])
        return channel

    def _add_endpoint(self, component, verb, messages, channel: _Channel, settings, comment) -> None:
        self.endpoints.append((component, verb, tuple(messages), channel.name, tuple(settings), tuple(comment)))

    def _ext_settings(self, file: str, pointer: str, ext: dict) -> tuple[list, list[str]]:
        """``x-msgarch: {settings: {key: value}}`` as writer settings; figures only from here."""
        settings = ext.get("settings") if isinstance(ext, dict) else None
        if settings is None:
            return [], []
        if not isinstance(settings, dict):
            raise self.src.error(file, pointer_join(pointer, "settings"), "x-msgarch settings must be a mapping")
        out = []
        for key, value in settings.items():
            ptr = pointer_join(pointer, "settings", key)
            if not isinstance(key, str) or not _SETTING_KEY.match(key):
                raise self.src.error(file, ptr, f"x-msgarch setting {key!r} is not a msgarch setting name")
            out.append((key, _ext_value(value, self.src, file, ptr),
                        _Origin(self.src.where(file, ptr), file, ptr, f"x-msgarch settings.{key}", value)))
        return out, []

    # -- output --------------------------------------------------------------------------
    def render(self, header: list[str]) -> str:
        w = ModelWriter(header=header)
        if self.system is not None:
            name, settings, where = self.system
            w.system(name, settings, f"from {where}")
        for broker in self.brokers.values():
            comment = [f"from {', '.join(dict.fromkeys(broker.sources))}"] + broker.comment
            if broker.kind is None:
                w.line(f"# broker {broker.name} : (undeclared, protocol {broker.protocol or 'none'})", comment)
                continue
            settings = list(broker.settings)
            if not any(s[0] in ("capacity", "nodes") for s in settings):
                comment.append("no capacity or nodes: AsyncAPI has no field for them and no x-msgarch gives them")
            w.broker(broker.name, broker.kind, settings, comment)
        for channel in self.channels.values():
            comment = [f"from {', '.join(dict.fromkeys(channel.sources))}"] + channel.notes
            w.channel(channel.name, channel.broker.name, channel.type, channel.settings, comment)
        for source, target, settings, where in getattr(self, "pending_routes", []):
            targets = [c for c in self.channels.values() if c.name == target]
            if not targets:
                raise self._build_error(f"x-msgarch route to {target!r}: no channel of that name ({where})")
            rkey = (source.name, target, tuple((s[0], _show(s[1])) for s in settings))
            if rkey in self.routes:
                self.routes[rkey][1].append(where)
            else:
                self.routes[rkey] = (settings, [where])
        for (source, target, _), (settings, sources) in self.routes.items():
            w.route([source], [target], settings, [f"from {', '.join(sources)}"])
        for message in self.messages.values():
            w.message(message.name, message.settings, [f"from {message.sources[0]}"] + message.sources[1:])
        for component, (settings, sources) in self.components.items():
            if not any(s[0] in ("capacity", "instances") for s in settings):
                sources = sources + ["no instances or capacity: AsyncAPI has no field for them and no x-msgarch gives them"]
            w.component(component, settings, [f"from {sources[0]}"] + sources[1:])
        seen = set()
        for component, verb, messages, channel, settings, comment in sorted(self.endpoints, key=lambda e: (e[0], e[1], e[3], e[2], str(e[4]), e[5])):
            if (component, verb, messages, channel) in seen:
                continue  # the same endpoint from a second operation (or server) is written once
            seen.add((component, verb, messages, channel))
            cw = w.component(component)
            if verb == "publishes":
                cw.publishes(list(messages), channel, list(settings), list(comment))
            else:
                cw.consumes(list(messages), channel, list(settings), list(comment))
        try:
            return w.render()
        except ValueError as exc:
            raise self._build_error(str(exc)) from None

    def _build_error(self, message: str) -> InputError:
        return InputError([input_error("E001", f"the documents cannot be written as a model: {message}", None)])


def _ext(value) -> dict:
    ext = value.get("x-msgarch") if isinstance(value, dict) else None
    return ext if isinstance(ext, dict) else {}


def _ext_value(value, src: Sources, file: str, ptr: str):
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        if not raw_ok(value):
            raise src.error(file, ptr, f"x-msgarch value {value!r} is not a msgarch value",
                            "write a word, a number, a quantity (50/s, 2KB, 30s) or a quoted string")
        if value.startswith('"') and value.endswith('"') and value.count('"') == 2:
            return Quoted(value[1:-1].replace('\\"', '"').replace("\\\\", "\\"))
        return raw(value)
    raise src.error(file, ptr, f"x-msgarch value of type {type(value).__name__} is not a msgarch value")


def _show(value) -> str:
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, Quoted):
        return f'"{value.text}"'
    if value is True:
        return "on"
    if value is False:
        return "off"
    return str(value)


def _schema_value(schema) -> str | None:
    if isinstance(schema, dict):
        if isinstance(schema.get("const"), str):
            return schema["const"]
        enum = schema.get("enum")
        if isinstance(enum, list) and len(enum) == 1 and isinstance(enum[0], str):
            return enum[0]
    if isinstance(schema, str):
        return schema
    return None


def _word_or_none(text: str):
    from msgarch.interop.writer import name

    return name(text)


def _number(value) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?", value.strip()):
        return float(value)
    return None


def _ms(value):
    number = _number(value)
    if number is None or number < 0:
        return None
    return _seconds(number / 1000.0)


def _seconds(value: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60), ("s", 1)):
        if value >= size and float(value) % size == 0:
            return f"{int(value // size)}{unit}"
    millis = value * 1000
    if float(millis).is_integer():
        return f"{int(millis)}ms"
    return f"{value:g}s"


def _bytes(value):
    number = _number(value)
    if number is None or number < 0:
        return None
    number = int(number)
    for unit, size in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if number >= size and number % size == 0:
            return f"{number // size}{unit}"
    return f"{number}B"


def _count(value):
    number = _number(value)
    return int(number) if number is not None and number >= 1 and float(number).is_integer() else None


def default_root(paths: list[str]) -> str:
    """The working directory when every path is under it, else their common folder."""
    cwd = os.path.realpath(os.getcwd())
    reals = [os.path.realpath(os.path.abspath(p)) for p in paths]
    if all(r == cwd or r.startswith(cwd.rstrip(os.sep) + os.sep) for r in reals):
        return cwd
    return os.path.commonpath([os.path.dirname(r) for r in reals])


def import_documents(paths: list[str], root: str | None = None) -> ImportResult:
    """The .msgarch text for the AsyncAPI documents at ``paths`` (merged into one model)."""
    for path in paths:
        if not os.path.isfile(path):
            raise InputError([input_error("E002", f"cannot read '{path}': not a file", Span.point(path))])
    src = Sources(root or default_root(paths))
    files = sorted(dict.fromkeys(os.path.abspath(p) for p in paths), key=lambda f: src.display(f))
    for file in files:
        if not src.inside(file):
            raise InputError([input_error("E001", f"'{file}' is outside the root {src.root}", Span.point(file),
                                          "pass --root with a folder holding every document")])
    importer = Importer(src)
    importer.pending_routes = []  # type: ignore[attr-defined]
    for file in files:
        importer.document(file)
    header = ["Imported by `msgarch import asyncapi` from " + ", ".join(src.display(f) for f in files) + ".",
              "Each comment names the document and JSON pointer a declaration came from.",
              "Rates, sizes, instances and capacities are written only where an x-msgarch extension gives them."]
    for text in importer.mismatch:
        header.append("binding mismatch between documents (X804): " + text)
    text = importer.render(header)
    _check_builds(text)
    notes = list(dict.fromkeys(importer.notes))
    findings = [mismatch_diagnostic(src, m) for m in importer.mismatches]
    findings = sorted(set(findings), key=lambda d: d.sort_key())
    shown = {}
    for d in findings:
        for span in [d.span] + [r.span for r in d.related]:
            file = next((f for f in src.read if src.display(f) == span.path), None)
            if file is not None and src.text(file) is not None:
                shown[span.path] = src.text(file)
    return ImportResult(text, list(src.read), notes, findings, dict(sorted(shown.items())))


def _raw_show(value) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True)


def mismatch_diagnostic(src: Sources, m: Mismatch) -> Diagnostic:
    """An X804 finding at the second document's value, the first document's as a related location."""
    from msgarch.lint.registry import find_rule

    rule = find_rule("X804")
    second_doc = src.display(m.second.file)
    first_doc = src.display(m.first.file) if m.first is not None else m.first_where.split("#", 1)[0]
    first_value = (f"{m.first.field} {_raw_show(m.first.raw)}" if m.first is not None else f"{m.setting} {_show(m.kept)}")
    said = _raw_show(m.first.raw) if m.first is not None and m.first.field == m.second.field else first_value
    message = (f"binding mismatch on channel {m.channel}: {m.second.field} is {_raw_show(m.second.raw)} in "
               f"{second_doc} but {said} in {first_doc}; the imported model keeps "
               f"`{m.setting} {_show(m.kept)}` (the first document's) and says so in a comment")
    hint = ("make the documents agree: the broker holds one value for a channel (RabbitMQ refuses to redeclare "
            "a queue or exchange with other properties: PRECONDITION_FAILED, inequivalent arg)")
    if m.first is not None:
        related = (Related(src.span(m.first.file, m.first.pointer),
                           f"{first_value} here, in {first_doc}: the value the model keeps"),)
    else:
        related = ()
    return Diagnostic(rule.code, rule.name, rule.severity, message, src.span(m.second.file, m.second.pointer),
                      hint, related)


def _check_builds(text: str) -> None:
    """The text must parse and build (x-msgarch settings are checked against the vocabulary here)."""
    import tempfile

    from msgarch.api import load_models

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "imported.msgarch")
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        loaded = load_models([path])
    errors = [d for d in loaded.problems]
    if errors:
        lines = text.splitlines()
        described = []
        for d in errors[:5]:
            at = lines[d.span.line - 1].strip() if d.span and 0 < d.span.line <= len(lines) else ""
            described.append(f"{d.message} [{d.code}] in the line `{at}`")
        raise InputError([input_error("E001", "the imported model does not build: " + "; ".join(described), None,
                                      "the line's comment (or the one above it) names the document and pointer it came from")])
