"""The setting keywords of language v2: channels, routes, publishes, consumes and brokers.

Every keyword the grammar knows in these blocks is listed here with the shape of its
value. Which keywords a given broker kind and channel type accept, their defaults and
what each default means, are data in the broker profile (``channels``, ``endpoints``,
``broker-settings``); a test keeps this table, the grammar and the profiles in step.

Shapes:
- ``flag``: the keyword alone, or followed by on/off, true/false, yes/no;
- ``word``: one name (``type quorum``, ``acks all``, ``acks 0``);
- ``words``: one or more names;
- ``count``: a whole number, ``k`` and ``M`` allowed (``max-length 100k``); 0 allowed;
- ``duration``, ``size``, ``rate``: a quantity with its unit;
- ``string``: one quoted string; ``strings``: one or more;
- ``channel``: the name of a declared channel;
- ``key``: ``key "literal" ["literal" ...]`` or ``key by FIELD``;
- ``percent``: a percentage (``failure-rate 2%``), below 100%;
- ``processing``: ``processing TYPICAL [max LONGEST]``;
- ``on-error``: ``on-error requeue|drop|dead-letter|reject`` or
  ``on-error retry N [backoff A..B] [then requeue|drop|dead-letter]``.
"""

from __future__ import annotations

FLAG_WORDS = {"on": True, "off": False, "true": True, "false": False, "yes": True, "no": False}

#: Channel settings (inside ``channel NAME on BROKER : TYPE { ... }``).
CHANNEL_SETTINGS: dict[str, str] = {
    "address": "string",            # the real name when it is not a msgarch name ("" = AMQP default exchange)
    "type": "word",                 # exchange type, queue type, stream storage class...
    "durable": "flag",
    "auto-delete": "flag",
    "exclusive": "flag",
    "internal": "flag",
    "alternate-exchange": "channel",
    "message-ttl": "duration",
    "expires": "duration",
    "max-length": "count",
    "max-length-bytes": "size",
    "overflow": "word",
    "dead-letter": "channel",
    "dead-letter-key": "string",
    "delivery-limit": "count",
    "single-active-consumer": "flag",
    "max-priority": "count",
    "partitions": "count",
    "replication": "count",
    "min-insync-replicas": "count",
    "retention": "duration",
    "retention-bytes": "size",
    "cleanup": "word",
    "max-message": "size",
    "fifo": "flag",
    "content-dedup": "flag",
    "visibility-timeout": "duration",
    "delay": "duration",
    "max-receive-count": "count",
    "subjects": "strings",
    "storage": "word",
    "max-age": "duration",
    "max-bytes": "size",
    "max-msgs": "count",
    "discard": "word",
    "replicas": "count",
    "maxlen": "count",
    "trim": "word",
    "high-water-mark": "count",
    "qos": "count",
    "retained": "flag",
    "ledger": "word",
    "persistence": "word",
    "scheduler": "flag",
    "notify": "flag",
}

#: Route settings (inside ``route A -> B { ... }``).
ROUTE_SETTINGS: dict[str, str] = {
    "key": "key",                   # binding key(s); patterns per the source channel's routing
    "filter": "string",             # SNS filter policy, NATS/MQTT subject filter, SQL selector
    "headers": "strings",           # headers exchange: "name=value" pairs
    "match": "word",                # headers exchange x-match: all | any
    "raw-delivery": "flag",         # SNS raw message delivery
    "via": "word",                  # what carries it across brokers: shovel, federation, connect...
}

#: Publish settings specific to producers (the v1 flow properties are accepted too).
PUBLISH_SETTINGS: dict[str, str] = {
    "key": "key",
    "headers": "strings",
    "confirms": "flag",             # RabbitMQ publisher confirms, JMS sync send, SQS always
    "persistent": "flag",           # AMQP delivery_mode 2, JMS PERSISTENT
    "mandatory": "flag",            # AMQP mandatory: unroutable messages come back
    "acks": "word",                 # Kafka producer acks 0 | 1 | all
    "idempotence": "flag",          # Kafka enable.idempotence
    "max-request-size": "size",     # Kafka max.request.size
    "qos": "count",                 # MQTT QoS 0 | 1 | 2
    "retained": "flag",             # MQTT retained message
}

#: Consume settings specific to consumers (the v1 flow properties are accepted too).
CONSUME_SETTINGS: dict[str, str] = {
    "group": "word",                # Kafka consumer group, JetStream durable, NATS queue group...
    "offset-reset": "word",         # Kafka auto.offset.reset earliest | latest | none
    "auto-commit": "flag",          # Kafka enable.auto.commit
    "ack": "word",                  # auto | before-processing | after-processing | none | explicit | all
    "prefetch": "count",            # basic.qos, worker_prefetch_multiplier, max.poll.records
    "on-error": "on-error",
    "processing": "processing",
    "exclusive": "flag",
    "single-active": "flag",
    "filter": "string",
    "ack-wait": "duration",
    "max-deliver": "count",
    "deliver-policy": "word",
    "max-poll-interval": "duration",
    "qos": "count",
    "shared": "flag",               # MQTT shared subscription
    "clean-session": "flag",        # MQTT clean session / clean start
    "reject-on-worker-lost": "flag",  # Celery task_reject_on_worker_lost
    "while-waiting": "flag",        # handled on the loop that waits for the component's own replies
    "concurrency": "count",         # handlers at work at once in one instance: Celery --concurrency, consumer threads
    "failure-rate": "percent",      # share of deliveries whose handler fails (measured): retry traffic
}

#: Consume settings every broker takes (they describe the consumer, not the broker).
GENERIC_CONSUME_SETTINGS = ("while-waiting", "concurrency", "failure-rate")

#: Broker-level settings that change delivery (inside ``broker NAME : KIND { ... }``).
BROKER_SETTINGS: dict[str, str] = {
    "consumer-timeout": "duration",
    "visibility-timeout": "duration",
    "persistence": "word",
    "scheduler": "flag",
    "plugins": "words",
}

#: v1 flow properties a publish or consume block also accepts (needs and figures).
ENDPOINT_FLOW_PROPERTIES = (
    "pattern", "rate", "peak", "latency", "timeout", "durable", "delivery", "ordered",
    "priority", "ttl", "delay", "dead-letter", "retention", "replay", "routing", "backlog",
)

SHAPES = ("flag", "word", "words", "count", "duration", "size", "rate", "string", "strings",
          "channel", "key", "processing", "on-error", "percent")
