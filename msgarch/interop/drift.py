"""`msgarch drift`: the model's channels, routes and settings against what a broker holds.

The model side is what `msgarch export rabbitmq` / `export kafka` would write; the broker
side is a definitions file, the answer of a live management API (`/api/definitions/VHOST`)
or KafkaTopic files. Differences become findings of the X rules
(msgarch/lint/rules/drift.py) at the model's line.
"""

from __future__ import annotations

import json
from typing import Any

from msgarch.diagnostics import Related, Severity
from msgarch.lint.rule import Finding
from msgarch.model.model import Model

_IMMUTABLE_HINT = ("it cannot be changed in place, not even by a policy: delete the queue and declare it "
                   "again (move its messages first), or change the model")
_POLICY_HINT = ("RabbitMQ does not change the arguments of an existing queue; a policy with `{key}` changes "
                "it in place (rabbitmqctl set_policy), or change the model")
_PROPERTY_HINT = "queue and exchange properties cannot be changed in place: delete and declare it again, or change the model"


def _show(value: Any) -> str:
    if value is None:
        return "unset"
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or (a == b and type(a) is type(b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    return a == b


def rabbitmq_findings(model: Model, broker: str, expected, observed, source: str) -> dict[str, list[Finding]]:
    """``expected``: an Export of the model; ``observed``: a State read from ``source``."""
    from msgarch.interop.rabbitmq import (
        IMMUTABLE_ARGUMENTS, POLICY_KEYS, SETTING_OF_ARGUMENT, binding_key, is_builtin_exchange, state_of,
    )

    out: dict[str, list[Finding]] = {"X801": [], "X802": [], "X803": []}
    want = state_of(expected.definitions, expected.definitions["vhosts"][0]["name"])
    broker_decl = model.brokers[broker]
    where = f"on {source}" if source.startswith(("http://", "https://")) else f"in {source}"

    def differ(channel, what: str, key: str | None, model_value, broker_value, hint: str, source_note: str = ""):
        setting = key if key is not None else None
        out["X803"].append(Finding(
            channel, f"{channel.type} '{channel.address}': {what} is {_show(model_value)} in the model and "
                     f"{_show(broker_value)} {where}{source_note}",
            hint, prop=setting))

    for name, exchange in sorted(want.exchanges.items()):
        channel = expected.origin[("exchange", name)]
        have = observed.exchanges.get(name)
        if have is None:
            out["X801"].append(Finding(channel, f"exchange '{name}' is declared but missing {where}",
                                       "declare it (msgarch export rabbitmq writes it), or remove it from the model"))
            continue
        for prop in ("type", "durable", "auto_delete", "internal"):
            if not _same(exchange[prop], have[prop]):
                differ(channel, prop, _setting_prop(prop), exchange[prop], have[prop], _PROPERTY_HINT)
        for argument in sorted(set(exchange["arguments"]) | set(have["arguments"])):
            mine, theirs = exchange["arguments"].get(argument), have["arguments"].get(argument)
            if not _same(mine, theirs):
                differ(channel, f"argument {argument}", SETTING_OF_ARGUMENT.get(argument), mine, theirs,
                       "exchange arguments cannot be changed in place: declare it again, or use a policy "
                       "(`alternate-exchange`)")
    for name, queue in sorted(want.queues.items()):
        channel = expected.origin[("queue", name)]
        have = observed.queues.get(name)
        if have is None:
            out["X801"].append(Finding(channel, f"queue '{name}' is declared but missing {where}",
                                       "declare it (msgarch export rabbitmq writes it), or remove it from the model"))
            continue
        for prop in ("durable", "auto_delete"):
            if not _same(queue[prop], have[prop]):
                differ(channel, prop, _setting_prop(prop), queue[prop], have[prop], _PROPERTY_HINT)
        mine_args = dict(queue["arguments"])
        theirs_args = dict(have["arguments"])
        theirs_args.setdefault("x-queue-type", "classic")  # declared without one: a classic queue
        for argument in sorted(set(mine_args) | set(theirs_args)):
            mine, theirs = mine_args.get(argument), theirs_args.get(argument)
            if _same(mine, theirs):
                continue
            note = ""
            origin = have["sources"].get(argument)
            if origin and origin != "argument":
                note = f" (from {origin})"
            if argument not in SETTING_OF_ARGUMENT:
                out["X803"].append(Finding(
                    channel, f"queue '{channel.address}': argument {argument} is {_show(theirs)} {where}{note}; "
                             "msgarch has no setting for it, so the model cannot say whether that is intended",
                    "nothing to change in the model; silence it with `# msgarch: ignore[X803]` on the channel "
                    "if it is intended", severity=Severity.INFO))
                continue
            if argument in IMMUTABLE_ARGUMENTS:
                hint = f"{argument} {_IMMUTABLE_HINT}"
            elif argument in POLICY_KEYS:
                hint = _POLICY_HINT.format(key=POLICY_KEYS[argument])
            else:
                hint = "queue arguments cannot be changed on an existing queue: declare it again, or change the model"
            differ(channel, f"argument {argument}", SETTING_OF_ARGUMENT.get(argument), mine, theirs, hint, note)
    for key, binding in sorted(want.bindings.items()):
        if key not in observed.bindings:
            route = expected.origin[("binding", key)]
            out["X801"].append(Finding(
                route, f"binding {_binding_text(binding)} is declared but missing {where}",
                "bind it (msgarch export rabbitmq writes it), or remove the route from the model",
                prop="key" if binding.get("routing_key") else None))
    declared_queues = {c.address: c for c in model.channels.values()
                       if c.broker == broker and c.type in ("queue", "stream")}
    declared_exchanges = {c.address: c for c in model.channels.values()
                          if c.broker == broker and c.type == "exchange"}
    for name in sorted(set(observed.exchanges) - set(want.exchanges)):
        if is_builtin_exchange(name) or name in declared_exchanges:
            continue
        out["X802"].append(Finding(broker_decl, f"exchange '{name}' is {where} but the model does not declare it",
                                   f"declare `channel NAME on {broker} : exchange` (msgarch import rabbitmq "
                                   "writes one), or delete it from the broker"))
    for name in sorted(set(observed.queues) - set(want.queues)):
        if name.startswith("amq.gen-") or name in declared_queues:
            continue
        out["X802"].append(Finding(broker_decl, f"queue '{name}' is {where} but the model does not declare it",
                                   f"declare `channel NAME on {broker} : queue` (msgarch import rabbitmq "
                                   "writes one), or delete it from the broker"))
    for key in sorted(set(observed.bindings) - set(want.bindings)):
        binding = observed.bindings[key]
        source_name = binding.get("source", "")
        if source_name == "":
            continue  # the default exchange's implicit bindings
        if source_name not in declared_exchanges and not is_builtin_exchange(source_name):
            continue  # out of an undeclared exchange: that exchange's own X802 says it
        target = (declared_queues if binding.get("destination_type", "queue") == "queue"
                  else declared_exchanges).get(binding.get("destination"))
        anchor = target if target is not None else broker_decl
        out["X802"].append(Finding(anchor, f"binding {_binding_text(binding)} is {where} but the model has no "
                                   "route for it", f"declare `route {binding.get('source')} -> ... "
                                   f"{{ key \"{binding.get('routing_key', '')}\" }}`, or unbind it on the broker",
                                   related=(Related(broker_decl.span, f"broker {broker}"),)
                                   if anchor is not broker_decl else ()))
    return out


def _setting_prop(prop: str) -> str:
    return {"auto_delete": "auto-delete"}.get(prop, prop)


def _binding_text(binding) -> str:
    kind = binding.get("destination_type", "queue")
    text = f"{binding.get('source')} -> {kind} {binding.get('destination')}"
    if binding.get("routing_key"):
        text += f" (key '{binding['routing_key']}')"
    if binding.get("arguments"):
        text += f" (arguments {json.dumps(binding['arguments'], sort_keys=True)})"
    return text


def kafka_findings(model: Model, broker: str, expected, observed: dict, source: str) -> dict[str, list[Finding]]:
    """``expected``: a kafka Export; ``observed``: topic name -> {partitions, replicas, config}."""
    from msgarch.interop.kafka import CONFIG_SETTINGS

    out: dict[str, list[Finding]] = {"X801": [], "X802": [], "X803": []}
    where = f"in {source}"
    setting_of = {config: key for key, (config, _shape) in CONFIG_SETTINGS.items()}
    for name, topic in sorted(expected.topics.items()):
        channel = expected.origin[name]
        have = observed.get(name)
        if have is None:
            out["X801"].append(Finding(channel, f"topic '{name}' is declared but missing {where}",
                                       "create it (msgarch export kafka writes it), or remove it from the model"))
            continue
        for prop, setting, hint in (
                ("partitions", "partitions", "partitions can be added in place (never removed: keys move to other "
                                             "partitions when the count grows); fewer needs a new topic"),
                ("replicas", "replication", "a replication change is a partition reassignment "
                                            "(kafka-reassign-partitions), done in place")):
            mine, theirs = topic.get(prop), have.get(prop)
            if mine is not None and not _same(mine, theirs):
                out["X803"].append(Finding(channel, f"topic '{name}': {prop} is {_show(mine)} in the model and "
                                                    f"{_show(theirs)} {where}", hint, prop=setting))
        mine_config, theirs_config = topic.get("config", {}), have.get("config", {})
        for key in sorted(set(mine_config) | set(theirs_config)):
            mine, theirs = mine_config.get(key), theirs_config.get(key)
            if _same(_norm(mine), _norm(theirs)):
                continue
            if key not in setting_of:
                out["X803"].append(Finding(
                    channel, f"topic '{name}': {key} is {_show(theirs)} {where}; msgarch has no setting for it, "
                             "so the model cannot say whether that is intended",
                    "nothing to change in the model; silence it with `# msgarch: ignore[X803]` on the channel "
                    "if it is intended", severity=Severity.INFO))
                continue
            out["X803"].append(Finding(channel, f"topic '{name}': {key} is {_show(mine)} in the model and "
                                                f"{_show(theirs)} {where}",
                                       "topic configuration changes in place (kafka-configs --alter)",
                                       prop=setting_of.get(key)))
    for name in sorted(set(observed) - set(expected.topics)):
        if any(c.address == name and c.broker == broker for c in model.channels.values()):
            continue
        out["X802"].append(Finding(model.brokers[broker], f"topic '{name}' is {where} but the model does not "
                                                          "declare it",
                                   f"declare `channel NAME on {broker} : topic` (msgarch import kafka writes one)"))
    return out


def _norm(value):
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return value
    return value
