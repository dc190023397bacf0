"""Broker configuration: `msgarch export rabbitmq|kafka` and `msgarch import rabbitmq|kafka`
(`msgarch drift` is in msgarch.cli.drift_cmd).

The export and import subcommands join the `export` / `import` groups of
msgarch.cli.interop_cmd (which imports this module when either group runs).
"""

from __future__ import annotations

import os
import sys

import click

from msgarch.cli.common import fail_with
from msgarch.cli.drift_cmd import _error, _load, _pick_broker
from msgarch.cli.interop_cmd import emit, export_group, import_group
from msgarch.diagnostics import InputError


def _say_losses(command: str, losses) -> None:
    for loss in losses:
        click.echo(f"msgarch {command}: not exported: {loss}", err=True)


def _inputs(model, config):
    from msgarch.cli.common import input_paths

    return input_paths([model], config)


# ---------------------------------------------------------------------------------------------
# export


@export_group.command("rabbitmq")
@click.argument("path", metavar="FILE")
@click.option("-o", "--output", default="-", show_default=True, metavar="OUT",
              help="The definitions file to write (`-`: stdout); never one of the inputs.")
@click.option("--broker", default=None, help="The broker to export when the model has several RabbitMQ brokers.")
@click.option("--vhost", default="/", show_default=True, help="The virtual host the definitions declare.")
@click.option("--policies", is_flag=True,
              help="Write the queue settings a policy can carry (TTL, length limits, overflow, dead-lettering, "
                   "delivery limit, expiry) as one policy per queue, so they can be changed in place later.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="Configuration file, for `profiles` directories.")
def export_rabbitmq(path, output, broker, vhost, policies, config_path):
    """RabbitMQ definitions (JSON) for the exchanges, queues and bindings of FILE's RabbitMQ broker.

    The file loads with `rabbitmqctl import_definitions FILE` or a POST to the management
    API's /api/definitions. Queue settings become x-arguments (x-queue-type always, the
    profile default when the model writes no type); routes out of exchanges become bindings,
    one per key. What definitions cannot hold is named on stderr.
    """
    from msgarch.interop.rabbitmq import export_definitions, rabbitmq_brokers, render

    model, config = _load(path, config_path)
    chosen = _pick_broker(model, rabbitmq_brokers(model), broker, "RabbitMQ")
    result = export_definitions(model, chosen, vhost=vhost, policies=policies)
    emit(output, render(result.definitions), _inputs(model, config), "export rabbitmq")
    _say_losses("export rabbitmq", result.losses)
    sys.exit(0)


@export_group.command("kafka")
@click.argument("path", metavar="FILE")
@click.option("-o", "--output", default="-", show_default=True, metavar="OUT",
              help="The YAML file to write (`-`: stdout); never one of the inputs.")
@click.option("--broker", default=None, help="The broker to export when the model has several Kafka brokers.")
@click.option("--format", "output_format", type=click.Choice(["strimzi", "gitops"]), default="strimzi",
              show_default=True, help="Strimzi KafkaTopic resources, or a kafka-gitops state file.")
@click.option("--cluster", default=None, help="The `strimzi.io/cluster` label (default: the broker's name).")
@click.option("--namespace", default=None, help="metadata.namespace of every KafkaTopic (default: none).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="Configuration file, for `profiles` directories.")
def export_kafka(path, output, broker, output_format, cluster, namespace, config_path):
    """Kafka topics of FILE's Kafka broker, as Strimzi KafkaTopic resources or kafka-gitops state.

    partitions, replication, min-insync-replicas, retention, retention-bytes, cleanup and
    max-message become spec.partitions, spec.replicas and the topic configs
    (min.insync.replicas, retention.ms, retention.bytes, cleanup.policy, max.message.bytes).
    A setting the model leaves unset is not written: the cluster's default applies.
    """
    from msgarch.interop.kafka import export_topics, kafka_brokers, render_gitops, render_strimzi

    model, config = _load(path, config_path)
    chosen = _pick_broker(model, kafka_brokers(model), broker, "Kafka")
    result = export_topics(model, chosen)
    text = render_gitops(result) if output_format == "gitops" else render_strimzi(
        result, cluster or chosen, namespace)
    emit(output, text, _inputs(model, config), "export kafka")
    _say_losses("export kafka", result.losses)
    sys.exit(0)


# ---------------------------------------------------------------------------------------------
# import


def _read_input(path: str, command: str) -> str:
    from msgarch.fsread import leaves

    if os.path.islink(path) and leaves(path, os.path.dirname(path) or "."):
        fail_with(_error(f"'{path}' is a symbolic link leading outside its directory; it is not read", path))
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except UnicodeDecodeError:
        fail_with(_error(f"'{path}' is not UTF-8 text", path))
    except OSError as exc:
        fail_with(_error(f"cannot read '{path}': {exc.strerror or exc}", path))
    return ""


@import_group.command("rabbitmq")
@click.argument("path", metavar="DEFINITIONS.json", type=click.Path(dir_okay=False))
@click.option("-o", "--output", default="-", show_default=True, metavar="FILE",
              help="The .msgarch file to write (`-`: stdout); never the input.")
@click.option("--vhost", default=None, help="The virtual host to import (needed when the file has several).")
@click.option("--broker-name", default="rabbitmq", show_default=True, help="The name of the broker declared.")
def import_rabbitmq(path, output, vhost, broker_name):
    """A model skeleton from a RabbitMQ definitions export: exchanges and queues become channels,
    bindings become routes, queue arguments and the policies that apply become settings.

    Users, permissions, parameters (shovels, federation) and unknown arguments are not
    modelled; each is named in a comment. Components, publishes and consumes are left for
    you to write: definitions do not say who publishes or consumes.
    """
    from msgarch.interop.rabbitmq import DefinitionsError, import_definitions

    text = _read_input(path, "import rabbitmq")
    try:
        model_text = import_definitions(text, path, vhost=vhost, broker_name=broker_name)
    except DefinitionsError as exc:
        fail_with(_located(exc, path))
    emit(output, model_text, [path], "import rabbitmq")
    sys.exit(0)


@import_group.command("kafka")
@click.argument("paths", metavar="FILE...", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("-o", "--output", default="-", show_default=True, metavar="FILE",
              help="The .msgarch file to write (`-`: stdout); never one of the inputs.")
@click.option("--broker-name", default="kafka", show_default=True, help="The name of the broker declared.")
def import_kafka(paths, output, broker_name):
    """A model skeleton from Strimzi KafkaTopic YAML files (or kafka-gitops state files): one
    topic channel per topic with its partitions, replication and topic configs."""
    from msgarch.interop.kafka import TopicsError, import_topics, read_topics

    topics = []
    for path in paths:
        text = _read_input(path, "import kafka")
        try:
            topics.extend(read_topics(text, path))
        except TopicsError as exc:
            fail_with(_located(exc, path))
    emit(output, import_topics(topics, broker_name, list(paths)), list(paths), "import kafka")
    sys.exit(0)


def _located(exc: Exception, path: str) -> InputError:
    """'FILE:LINE:COL: message' (or 'FILE: message') as an E001 at that place."""
    import re

    text = str(exc)
    match = re.match(r"^(?P<path>.+?):(?P<line>[0-9]+):(?P<col>[0-9]+): (?P<msg>.*)$", text, re.S)
    if match:
        return _error(match["msg"], match["path"], int(match["line"]), int(match["col"]))
    prefix = path + ": "
    return _error(text[len(prefix):] if text.startswith(prefix) else text, path)
