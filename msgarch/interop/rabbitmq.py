"""RabbitMQ definitions (the JSON of `rabbitmqctl export_definitions` and of the management
API's `/api/definitions`): export a model's channels and routes, read one back, import one.

The vocabulary is the rabbitmq profile's: each channel setting's ``vendor`` name in
msgarch/brokers/profiles/rabbitmq.json is the queue argument or property written here
(tests/test_broker_interop.py keeps ARGUMENTS and the profile in step).

What a definitions file cannot hold, and so is left out of an export (each named on
stderr by the command): exclusive queues (they belong to one connection), the default
exchange and the predefined ``amq.*`` exchanges (they exist on every virtual host), routes
out of a queue other than dead-lettering, and every rate, size, consumer and publisher of
the model (definitions describe the broker's topology only).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from msgarch.model.model import Channel, Model

#: The kinds whose channels are RabbitMQ exchanges and queues.
RABBITMQ_KINDS = ("rabbitmq", "rabbitmq-quorum", "rabbitmq-stream", "celery-rabbitmq")

#: The queue type a `queue` channel has when it writes no `type`: the profile's default per kind.
DEFAULT_QUEUE_TYPE = {"rabbitmq": "classic", "rabbitmq-quorum": "quorum", "rabbitmq-stream": "stream",
                      "celery-rabbitmq": "classic"}

#: channel setting -> (queue argument, shape). Vendor names from the rabbitmq profile.
ARGUMENTS: dict[str, tuple[str, str]] = {
    "type": ("x-queue-type", "word"),
    "message-ttl": ("x-message-ttl", "ms"),
    "expires": ("x-expires", "ms"),
    "max-length": ("x-max-length", "count"),
    "max-length-bytes": ("x-max-length-bytes", "count"),
    "overflow": ("x-overflow", "word"),
    "dead-letter": ("x-dead-letter-exchange", "channel"),
    "dead-letter-key": ("x-dead-letter-routing-key", "word"),
    "delivery-limit": ("x-delivery-limit", "count"),
    "single-active-consumer": ("x-single-active-consumer", "flag"),
    "max-priority": ("x-max-priority", "count"),
    "max-age": ("x-max-age", "age"),
}
#: exchange setting -> exchange argument
EXCHANGE_ARGUMENTS = {"alternate-exchange": ("alternate-exchange", "channel")}

#: Queue arguments no policy can set or change: a different value needs the queue deleted
#: and declared again. https://www.rabbitmq.com/docs/policies: "policies cannot be used to
#: configure queue type, by design"; https://www.rabbitmq.com/docs/priority: "priority
#: declaration using policies is not supported by design". Every other x-argument is fixed
#: at declaration too (a redeclaration with another value fails with PRECONDITION_FAILED),
#: but the policy keys below override it in place.
IMMUTABLE_ARGUMENTS = ("x-queue-type", "x-max-priority")
#: Queue arguments a policy key can set (https://www.rabbitmq.com/docs/policies):
#: argument -> policy key.
POLICY_KEYS = {
    "x-message-ttl": "message-ttl",
    "x-expires": "expires",
    "x-max-length": "max-length",
    "x-max-length-bytes": "max-length-bytes",
    "x-overflow": "overflow",
    "x-dead-letter-exchange": "dead-letter-exchange",
    "x-dead-letter-routing-key": "dead-letter-routing-key",
    "x-delivery-limit": "delivery-limit",
    "x-max-age": "max-age",
}
SETTING_OF_ARGUMENT = {arg: key for key, (arg, _shape) in {**ARGUMENTS, **EXCHANGE_ARGUMENTS}.items()}
SETTING_OF_PROPERTY = {"durable": "durable", "auto_delete": "auto-delete", "internal": "internal",
                       "type": "type", "exclusive": "exclusive"}

_AGE_UNITS = (("Y", 365 * 86400), ("M", 30 * 86400), ("D", 86400), ("h", 3600), ("m", 60), ("s", 1))


class DefinitionsError(ValueError):
    """A definitions document msgarch cannot read; the message says where."""


def rabbitmq_brokers(model: Model) -> list[str]:
    return sorted(name for name, b in model.brokers.items() if b.kind in RABBITMQ_KINDS)


def is_builtin_exchange(name: str) -> bool:
    return name == "" or name.startswith("amq.")


def age_text(seconds: float) -> str:
    """x-max-age: a number and one of Y, M, D, h, m, s (https://www.rabbitmq.com/docs/streams#retention)."""
    whole = int(round(seconds))
    for unit, factor in _AGE_UNITS:
        if whole and whole % factor == 0:
            return f"{whole // factor}{unit}"
    return f"{max(whole, 1)}s"


def age_seconds(text: str) -> float | None:
    match = re.fullmatch(r"([0-9]+)([YMDhms])", str(text))
    if match is None:
        return None
    return float(int(match[1]) * dict(_AGE_UNITS)[match[2]])


# ---------------------------------------------------------------------------------------------
# export


@dataclass
class Export:
    definitions: dict
    losses: list[str] = field(default_factory=list)  # what the model has that the file cannot hold
    origin: dict = field(default_factory=dict)  # ("queue"|"exchange"|"binding", key) -> model element


def _queue_type(model: Model, channel: Channel) -> str:
    if channel.type == "stream":
        return "stream"
    kind = model.brokers[channel.broker].kind
    return str(channel.settings.get("type") or DEFAULT_QUEUE_TYPE.get(kind, "classic"))


def _argument_value(model: Model, channel: Channel, key: str, shape: str, value: Any) -> Any:
    if shape == "ms":
        return int(round(float(value) * 1000))
    if shape == "count":
        return int(value)
    if shape == "flag":
        return bool(value)
    if shape == "age":
        return age_text(float(value))
    if shape == "channel":
        target = model.channels.get(value)
        return target.address if target is not None else str(value)
    return str(value)


def export_definitions(model: Model, broker: str, vhost: str = "/", policies: bool = False) -> Export:
    """The definitions of ``broker``'s exchanges, queues and bindings. With ``policies``, the
    queue settings a policy can carry are written as one policy per queue (so they can be
    changed in place later) instead of queue arguments."""
    out = Export({})
    exchanges, queues, bindings, policy_list = [], [], [], []
    channels = sorted((c for c in model.channels.values() if c.broker == broker), key=lambda c: c.name)
    kinds: dict[str, str] = {}
    for channel in channels:
        if channel.type == "exchange":
            name = channel.address
            kinds[channel.name] = "exchange"
            if is_builtin_exchange(name):
                out.losses.append(f"channel {channel.name}: '{name or '(default)'}' is predefined on every "
                                  "virtual host; not written")
                continue
            arguments = {}
            for key, (argument, shape) in EXCHANGE_ARGUMENTS.items():
                if channel.settings.get(key) is not None:
                    arguments[argument] = _argument_value(model, channel, key, shape, channel.settings[key])
            exchanges.append({"name": name, "vhost": vhost, "type": str(channel.settings.get("type", "direct")),
                              "durable": bool(channel.settings.get("durable", False)),
                              "auto_delete": bool(channel.settings.get("auto-delete", False)),
                              "internal": bool(channel.settings.get("internal", False)),
                              "arguments": dict(sorted(arguments.items()))})
            out.origin[("exchange", name)] = channel
        elif channel.type in ("queue", "stream"):
            kinds[channel.name] = "queue"
            name = channel.address
            if channel.settings.get("exclusive"):
                out.losses.append(f"channel {channel.name}: an exclusive queue belongs to one connection; "
                                  "definitions cannot declare it")
                continue
            qtype = _queue_type(model, channel)
            arguments: dict[str, Any] = {"x-queue-type": qtype}
            for key, (argument, shape) in ARGUMENTS.items():
                if key == "type" or channel.settings.get(key) is None:
                    continue
                arguments[argument] = _argument_value(model, channel, key, shape, channel.settings[key])
            dead = model.channels.get(channel.settings.get("dead-letter") or "")
            if dead is not None and dead.type != "exchange":
                # dead-lettering straight into a queue: through the default exchange, by its name
                arguments["x-dead-letter-exchange"] = ""
                arguments.setdefault("x-dead-letter-routing-key", dead.address)
            durable = channel.settings.get("durable")
            if durable is None:
                durable = qtype in ("quorum", "stream")
            if policies:
                moved = {POLICY_KEYS[a]: arguments.pop(a) for a in sorted(arguments) if a in POLICY_KEYS}
                if moved:
                    policy_list.append({"vhost": vhost, "name": f"msgarch-{name}",
                                        "pattern": "^" + re.escape(name) + "$", "apply-to": "queues",
                                        "definition": dict(sorted(moved.items())), "priority": 0})
            queues.append({"name": name, "vhost": vhost, "durable": bool(durable),
                           "auto_delete": bool(channel.settings.get("auto-delete", False)),
                           "arguments": dict(sorted(arguments.items()))})
            out.origin[("queue", name)] = channel
    for route in model.routes:
        source = model.channels.get(route.source)
        target = model.channels.get(route.target)
        if source is None or target is None or source.broker != broker:
            continue
        if route.dead_letter:
            continue  # written as the queue's x-dead-letter-exchange
        if target.broker != broker:
            out.losses.append(f"route {route.id} (line {route.span.line}): crosses to broker {target.broker} "
                              f"({route.settings.get('via') or 'a shovel or federation'}); definitions of one "
                              "broker cannot hold it")
            continue
        if kinds.get(route.source) != "exchange":
            out.losses.append(f"route {route.id} (line {route.span.line}): out of a {source.type}; only "
                              "exchanges have bindings")
            continue
        if source.address == "":
            continue  # the default exchange binds every queue by its name already
        destination_type = kinds.get(route.target)
        if destination_type is None:
            continue
        arguments = _binding_arguments(route)
        for key in (route.keys or ("",)):
            binding = {"source": source.address, "vhost": vhost, "destination": target.address,
                       "destination_type": destination_type, "routing_key": key,
                       "arguments": arguments}
            bindings.append(binding)
            out.origin[("binding", binding_key(binding))] = route
    bindings.sort(key=lambda b: binding_key(b))
    out.definitions = {
        "rabbit_version": _version(model, broker),
        "rabbitmq_version": _version(model, broker),
        "product_name": "RabbitMQ",
        "vhosts": [{"name": vhost}],
        "policies": sorted(policy_list, key=lambda p: p["name"]),
        "exchanges": sorted(exchanges, key=lambda e: e["name"]),
        "queues": sorted(queues, key=lambda q: q["name"]),
        "bindings": bindings,
    }
    return out


def _version(model: Model, broker: str) -> str:
    return model.brokers[broker].version or "3.10.0"


def _binding_arguments(route) -> dict:
    arguments: dict[str, Any] = {}
    for pair in route.settings.get("headers") or ():
        name, _, value = str(pair).partition("=")
        arguments[name] = value
    if route.settings.get("match"):
        arguments["x-match"] = route.settings["match"]
    return dict(sorted(arguments.items()))


def binding_key(binding: Mapping) -> tuple:
    return (binding.get("source", ""), binding.get("destination_type", "queue"), binding.get("destination", ""),
            binding.get("routing_key", ""), json.dumps(binding.get("arguments") or {}, sort_keys=True))


def render(definitions: dict) -> str:
    return json.dumps(definitions, indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------------------------
# reading definitions (a file, or the management API's answer)


@dataclass
class State:
    """What a broker holds on one virtual host, with policies applied to the queues."""

    exchanges: dict[str, dict] = field(default_factory=dict)
    queues: dict[str, dict] = field(default_factory=dict)  # name -> {durable, auto_delete, arguments, policy}
    bindings: dict[tuple, dict] = field(default_factory=dict)
    skipped_policies: list[str] = field(default_factory=list)  # patterns not evaluated (see safe_pattern)


def parse_definitions(text: str, where: str) -> dict:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DefinitionsError(f"{where}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from None
    except RecursionError:
        raise DefinitionsError(f"{where}:1:1: nested too deeply to be a definitions document") from None
    return check_definitions(data, where)


#: field -> the JSON types it may have, per list of a definitions document
_FIELDS = {
    "exchanges": {"name": str, "vhost": str, "type": str, "durable": bool, "auto_delete": bool, "internal": bool,
                  "arguments": dict},
    "queues": {"name": str, "vhost": str, "durable": bool, "auto_delete": bool, "arguments": dict},
    "bindings": {"source": str, "vhost": str, "destination": str, "destination_type": str, "routing_key": str,
                 "arguments": dict},
    "policies": {"name": str, "vhost": str, "pattern": str, "apply-to": str, "definition": dict,
                 "priority": (int, float)},
    "vhosts": {"name": str},
}


def check_definitions(data: Any, where: str) -> dict:
    """The document, when every list and field has the shape RabbitMQ writes; else DefinitionsError."""
    if not isinstance(data, dict):
        raise DefinitionsError(f"{where}:1:1: a definitions document is a JSON object")
    for key, fields in _FIELDS.items():
        value = data.get(key, [])
        if value is None:
            data[key] = []
            continue
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise DefinitionsError(f"{where}:1:1: '{key}' must be a list of objects")
        for index, item in enumerate(value):
            for name, kind in fields.items():
                if item.get(name) is not None and (not isinstance(item[name], kind) or
                                                   (kind is not bool and isinstance(item[name], bool))):
                    raise DefinitionsError(f"{where}:1:1: {key}[{index}].{name} has the wrong type "
                                           f"({type(item[name]).__name__})")
    return data


def vhosts_of(data: Mapping) -> list[str]:
    found = {str(item["vhost"]) for key in ("exchanges", "queues", "bindings", "policies")
             for item in data.get(key, []) if "vhost" in item}  # no field: a one-host export
    found |= {str(v.get("name")) for v in data.get("vhosts", []) if v.get("name") is not None}
    return sorted(found)


def _policy_applies(policy: Mapping, name: str, kind: str, queue_type: str | None) -> bool:
    target = policy.get("apply-to", "all")
    if kind == "queue":
        allowed = {"all", "queues", f"{queue_type}_queues", "streams" if queue_type == "stream" else ""}
        if target not in allowed:
            return False
    elif target not in ("all", "exchanges"):
        return False
    pattern = str(policy.get("pattern", ""))
    if not safe_pattern(pattern):
        return False
    try:
        return re.search(pattern, name) is not None
    except re.error:
        return False


_GROUP_REPEATED = re.compile(r"\)\s*(?:[+*]|\{[0-9]*,)")


def safe_pattern(pattern: str) -> bool:
    """A policy pattern msgarch evaluates: at most 1000 characters, and no repeated group after
    any other repetition or alternative (`(a+)+`, `(x|xx)*`, `((a*))+`): Python's regex engine
    can take exponential time on those, so such a policy is not evaluated (conservatively:
    `^a+(bc)+$` is not evaluated either)."""
    if len(pattern) > 1000:
        return False
    plain = re.sub(r"\\.", "", pattern)  # escaped characters repeat nothing
    for match in _GROUP_REPEATED.finditer(plain):
        if re.search(r"[+*?|]|\{[0-9]*,", plain[:match.start()]):
            return False
    return True


def state_of(data: Mapping, vhost: str = "/") -> State:
    """A definitions document as a State of one virtual host. A queue's policy (the matching
    one of highest priority) fills in the arguments the queue does not set itself."""
    state = State()
    policies = sorted((p for p in data.get("policies", []) if str(p.get("vhost", vhost)) == vhost),
                      key=lambda p: (-int(p.get("priority", 0) or 0), str(p.get("name", ""))))
    argument_of_policy = {policy_key: argument for argument, policy_key in POLICY_KEYS.items()}
    state.skipped_policies = sorted(str(p.get("name")) for p in policies if not safe_pattern(str(p.get("pattern", ""))))
    for exchange in data.get("exchanges", []):
        if str(exchange.get("vhost", vhost)) != vhost:
            continue
        name = str(exchange.get("name", ""))
        arguments = dict(exchange.get("arguments") or {})
        sources = dict.fromkeys(arguments, "argument")
        unmapped = []
        policy = next((p for p in policies if _policy_applies(p, name, "exchange", None)), None)
        if policy is not None:
            for key, value in sorted((policy.get("definition") or {}).items()):
                if key == "alternate-exchange":
                    if key not in arguments:
                        arguments[key] = value
                        sources[key] = f"policy {policy.get('name')}"
                else:
                    unmapped.append(f"policy {policy.get('name')}: {key}={json.dumps(value)}")
        state.exchanges[name] = {
            "type": exchange.get("type", "direct"), "durable": bool(exchange.get("durable", False)),
            "auto_delete": bool(exchange.get("auto_delete", False)),
            "internal": bool(exchange.get("internal", False)),
            "arguments": arguments, "sources": sources, "unmapped": unmapped}
    for queue in data.get("queues", []):
        if str(queue.get("vhost", vhost)) != vhost:
            continue
        name = str(queue.get("name", ""))
        arguments = dict(queue.get("arguments") or {})
        queue_type = str(arguments.get("x-queue-type", queue.get("type") or "classic"))
        sources = dict.fromkeys(arguments, "argument")
        unmapped = []
        policy = next((p for p in policies if _policy_applies(p, name, "queue", queue_type)), None)
        if policy is not None:
            for key, value in sorted((policy.get("definition") or {}).items()):
                argument = argument_of_policy.get(key)
                if argument is None:
                    unmapped.append(f"policy {policy.get('name')}: {key}={json.dumps(value)}")
                elif argument not in arguments:
                    arguments[argument] = value
                    sources[argument] = f"policy {policy.get('name')}"
        state.queues[name] = {"durable": bool(queue.get("durable", False)),
                              "auto_delete": bool(queue.get("auto_delete", False)),
                              "arguments": arguments, "sources": sources, "unmapped": unmapped}
    for binding in data.get("bindings", []):
        if str(binding.get("vhost", vhost)) != vhost:
            continue
        state.bindings[binding_key(binding)] = dict(binding)
    return state


# ---------------------------------------------------------------------------------------------
# import


def duration_text(seconds: float) -> str:
    """Seconds as a msgarch duration: the largest unit that divides it exactly."""
    ms = int(round(seconds * 1000))
    for unit, factor in (("d", 86_400_000), ("h", 3_600_000), ("min", 60_000), ("s", 1000)):
        if ms and ms % factor == 0:
            return f"{ms // factor}{unit}"
    return f"{ms}ms"


def size_text(count: float) -> str:
    value = int(count)
    for unit, factor in (("TiB", 1024**4), ("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024),
                         ("TB", 1000**4), ("GB", 1000**3), ("MB", 1000**2), ("KB", 1000)):
        if value and value % factor == 0:
            return f"{value // factor}{unit}"
    return f"{value}B"


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


def import_definitions(text: str, where: str, vhost: str | None = None, broker_name: str = "rabbitmq") -> str:
    """A .msgarch skeleton (channels and routes) of one virtual host of a definitions document."""
    from msgarch.interop.writer import ModelWriter, Names, name as msgarch_name, q

    data = parse_definitions(text, where)
    hosts = vhosts_of(data) or ["/"]
    if vhost is None:
        if len(hosts) > 1:
            raise DefinitionsError(f"{where}:1:1: the file holds several virtual hosts ({', '.join(hosts)}); "
                                   "choose one with --vhost")
        vhost = hosts[0]
    elif vhost not in hosts:
        raise DefinitionsError(f"{where}:1:1: no virtual host '{vhost}' in the file (it has {', '.join(hosts)})")
    state = state_of(data, vhost)
    broker = msgarch_name(broker_name, "rabbitmq")
    version = data.get("rabbitmq_version") or data.get("rabbit_version")
    writer = ModelWriter(header=[
        f"Imported from {where} (virtual host {vhost}) by `msgarch import rabbitmq`.",
        "A skeleton of the broker's topology: components, messages, publishes and consumes are not in a",
        "definitions file; write them. Rates and sizes are left out (definitions hold none).",
    ])
    skipped: list[str] = []
    for key in ("users", "permissions", "topic_permissions", "parameters", "global_parameters", "operator_policies"):
        if data.get(key):
            skipped.append(f"{len(data[key])} {key.replace('_', ' ')}")
    writer.broker(broker, "rabbitmq", [("version", q(version))] if version else [],
                  comment=[f"{where}: definitions of RabbitMQ {version or '(version not given)'}"] +
                          ([f"not modelled: {', '.join(skipped)}"] if skipped else []) +
                          [f"not evaluated: policy {p} (its pattern repeats a repetition; msgarch does not "
                           "run such patterns)" for p in state.skipped_policies])
    names = Names()
    exchange_names: dict[str, str] = {}
    queue_names: dict[str, str] = {}
    for exchange_name in sorted(state.exchanges):
        if exchange_name == "":
            continue
        exchange_names[exchange_name] = names.get(("exchange", exchange_name), exchange_name)
    for queue_name in sorted(state.queues):
        queue_names[queue_name] = names.get(("queue", queue_name), queue_name)
    used_builtin: set[str] = set()
    for binding in state.bindings.values():
        source = str(binding.get("source", ""))
        if source.startswith("amq.") and source not in exchange_names:
            used_builtin.add(source)
    builtin_types = {"amq.direct": "direct", "amq.fanout": "fanout", "amq.topic": "topic", "amq.headers": "headers",
                     "amq.match": "headers", "amq.rabbitmq.trace": "topic"}
    for source in sorted(used_builtin):
        exchange_names[source] = names.get(("exchange", source), source)
        state.exchanges[source] = {"type": builtin_types.get(source, "direct"), "durable": True,
                                   "auto_delete": False, "internal": False, "arguments": {}, "builtin": True}
    for exchange_name, channel in sorted(exchange_names.items(), key=lambda item: item[1]):
        exchange = state.exchanges[exchange_name]
        if is_builtin_exchange(exchange_name) and not exchange.get("builtin") and exchange_name not in used_builtin:
            continue  # predefined and unused: every virtual host has it
        settings: list = []
        if channel != exchange_name:
            settings.append(("address", q(exchange_name)))
        settings.append(("type", str(exchange.get("type", "direct"))
                         if str(exchange.get("type")) in ("direct", "topic", "fanout", "headers") else "direct"))
        settings.append(("durable", bool(exchange["durable"])))
        if exchange["auto_delete"]:
            settings.append(("auto-delete", True))
        if exchange["internal"]:
            settings.append(("internal", True))
        notes = []
        if str(exchange.get("type")) not in ("direct", "topic", "fanout", "headers"):
            notes.append(f"not mapped: exchange type {exchange.get('type')} (a plugin's), written as direct")
        arguments = dict(exchange["arguments"])
        alternate = arguments.pop("alternate-exchange", None)
        notes += [f"not mapped: {item}" for item in exchange.get("unmapped", [])]
        if alternate is not None:
            found = exchange.get("sources", {}).get("alternate-exchange")
            if alternate in exchange_names:
                settings.append(("alternate-exchange", exchange_names[alternate],
                                 f"from {found}" if found and found != "argument" else None))
            else:
                notes.append(f"not mapped: alternate-exchange {alternate} (not an exchange of the file)")
        for key, value in sorted(arguments.items()):
            notes.append(f"not mapped: exchange argument {key}={json.dumps(value)}")
        comment = [f"{where}: exchange {exchange_name}" + (" (predefined)" if exchange.get("builtin") else "")]
        writer.channel(channel, broker, "exchange", settings, comment=comment + notes)
    for queue_name, channel in sorted(queue_names.items(), key=lambda item: item[1]):
        queue = state.queues[queue_name]
        arguments = dict(queue["arguments"])
        sources = queue["sources"]
        settings = []
        notes = []
        if channel != queue_name:
            settings.append(("address", q(queue_name)))

        def origin(argument: str) -> str | None:
            found = sources.get(argument)
            return f"from {found}" if found and found != "argument" else None

        qtype = arguments.pop("x-queue-type", None)
        if qtype is not None:
            if qtype in ("classic", "quorum", "stream"):
                settings.append(("type", str(qtype)))
            else:
                notes.append(f"not mapped: x-queue-type {qtype}")
        settings.append(("durable", bool(queue["durable"])))
        if queue["auto_delete"]:
            settings.append(("auto-delete", True))
        dead_exchange = arguments.pop("x-dead-letter-exchange", None)
        dead_key = arguments.pop("x-dead-letter-routing-key", None)
        for setting, (argument, shape) in ARGUMENTS.items():
            if argument not in arguments or setting in ("type", "dead-letter", "dead-letter-key"):
                continue
            value = arguments.pop(argument)
            number = _number(value)
            if shape == "ms" and number is not None:
                settings.append((setting, duration_text(number / 1000), origin(argument)))
            elif shape == "count" and number is not None and number >= 0:
                settings.append((setting, size_text(number) if setting == "max-length-bytes" else int(number),
                                 origin(argument)))
            elif shape == "flag" and isinstance(value, bool):
                settings.append((setting, value, origin(argument)))
            elif shape == "age" and age_seconds(value) is not None:
                settings.append((setting, duration_text(age_seconds(value)), origin(argument)))
            elif shape == "word" and str(value) in ("drop-head", "reject-publish", "reject-publish-dlx"):
                settings.append((setting, str(value), origin(argument)))
            else:
                notes.append(f"not mapped: {argument}={json.dumps(value)}")
        if dead_exchange is not None:
            if dead_exchange == "" and dead_key in queue_names:
                settings.append(("dead-letter", queue_names[dead_key], origin("x-dead-letter-exchange")))
                dead_key = None
            elif dead_exchange in exchange_names:
                settings.append(("dead-letter", exchange_names[dead_exchange], origin("x-dead-letter-exchange")))
            else:
                notes.append(f"not mapped: x-dead-letter-exchange {json.dumps(dead_exchange)} "
                             "(no such exchange in the file)")
        if dead_key is not None:
            settings.append(("dead-letter-key", q(dead_key), origin("x-dead-letter-routing-key")))
        for key, value in sorted(arguments.items()):
            notes.append(f"not mapped: {key}={json.dumps(value)}" + (f" ({origin(key)})" if origin(key) else ""))
        notes += [f"not mapped: {item}" for item in queue.get("unmapped", [])]
        order = ["address", "type", "durable", "auto-delete"] + list(ARGUMENTS)
        settings.sort(key=lambda s: order.index(s[0]) if s[0] in order else len(order))
        writer.channel(channel, broker, "queue", settings, comment=[f"{where}: queue {queue_name}"] + notes)
    for key in sorted(state.bindings):
        binding = state.bindings[key]
        source = str(binding.get("source", ""))
        destination = str(binding.get("destination", ""))
        kind = binding.get("destination_type", "queue")
        target = (queue_names if kind == "queue" else exchange_names).get(destination)
        if source == "" or source not in exchange_names or target is None:
            if source != "":
                writer.line(f"# not mapped: binding {source} -> {kind} {destination} "
                            "(its source or destination is not in the file)")
            continue
        settings = []
        if binding.get("routing_key"):
            settings.append(("key", q(binding["routing_key"])))
        arguments = dict(binding.get("arguments") or {})
        match = arguments.pop("x-match", None)
        if arguments:
            settings.append(("headers", [q(f"{k}={v}") for k, v in sorted(arguments.items())]))
        if match in ("all", "any"):
            settings.append(("match", str(match)))
        writer.route([exchange_names[source]], [target], settings,
                     comment=f"{where}: binding {source} -> {kind} {destination}")
    return writer.render()
