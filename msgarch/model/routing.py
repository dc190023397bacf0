"""Key matching per broker semantics: AMQP direct/topic/fanout/headers, NATS, MQTT, SNS filters.

Every matcher answers for one binding pattern and one published key. ``None`` from
``matches`` means "cannot tell" (the publish declares no key, or a filter msgarch
cannot read), which derivation counts in full and says so.
"""

from __future__ import annotations

import re
from functools import lru_cache

#: Routing styles a channel type can have (profile ``channels.TYPE.routing``).
STYLES = ("exact", "amqp-topic", "all", "headers", "nats", "mqtt", "sns-filter", "whole", "none")

#: Styles whose routes carry everything, whatever the key.
CARRY_ALL = ("all", "whole")


def amqp_topic(pattern: str, key: str) -> bool:
    """AMQP topic exchange: words split on '.', ``*`` is exactly one word, ``#`` zero or more."""
    return _amqp(tuple(pattern.split(".")), tuple(key.split(".")))


@lru_cache(maxsize=4096)
def _amqp(pattern: tuple[str, ...], words: tuple[str, ...]) -> bool:
    # iterative dynamic programme over (pattern position, word position): no recursion depth
    reachable = {0}
    for part in pattern:
        following: set[int] = set()
        for at in reachable:
            if part == "#":
                following.update(range(at, len(words) + 1))
            elif at < len(words) and (part == "*" or part == words[at]):
                following.add(at + 1)
        reachable = following
        if not reachable:
            return False
    return len(words) in reachable


def nats_subject(pattern: str, subject: str) -> bool:
    """NATS subjects: tokens split on '.', ``*`` is one token, a final ``>`` one or more."""
    parts, tokens = pattern.split("."), subject.split(".")
    for index, part in enumerate(parts):
        if part == ">" and index == len(parts) - 1:
            return len(tokens) > index
        if index >= len(tokens) or (part != "*" and part != tokens[index]):
            return False
    return len(tokens) == len(parts)


def mqtt_topic(topic_filter: str, topic: str) -> bool:
    """MQTT topic filters: levels split on '/', ``+`` is one level, a final ``#`` any number
    of levels including none (``a/#`` matches ``a``)."""
    parts, levels = topic_filter.split("/"), topic.split("/")
    for index, part in enumerate(parts):
        if part == "#" and index == len(parts) - 1:
            return True
        if index >= len(levels) or (part != "+" and part != levels[index]):
            return False
    return len(levels) == len(parts)


_FILTER_EQ = re.compile(r"^\s*([A-Za-z0-9_.:-]+)\s*=\s*['\"]?([^'\"]*?)['\"]?\s*$")
_FILTER_IN = re.compile(r"^\s*([A-Za-z0-9_.:-]+)\s+in\s*\(([^)]*)\)\s*$", re.IGNORECASE)


def parse_attributes(pairs: tuple[str, ...]) -> dict[str, str] | None:
    """``headers "type=paid" "region=eu"`` -> {"type": "paid", "region": "eu"}; None if malformed."""
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            return None
        out[name.strip()] = value.strip()
    return out


def sns_filter(expression: str, attributes: dict[str, str]) -> bool | None:
    """A filter policy in msgarch's short form: ``name = value``, ``name in (a, b)``, several
    joined by ``and``. None when msgarch cannot read the expression."""
    for clause in re.split(r"\s+and\s+", expression.strip(), flags=re.IGNORECASE):
        equal, within = _FILTER_EQ.match(clause), _FILTER_IN.match(clause)
        if within:
            name = within.group(1)
            allowed = {v.strip().strip("'\"") for v in within.group(2).split(",")}
        elif equal:
            name, allowed = equal.group(1), {equal.group(2)}
        else:
            return None
        if attributes.get(name) not in allowed:
            return False
    return True


def headers_match(required: tuple[str, ...], mode: str, attributes: dict[str, str]) -> bool | None:
    """Headers exchange: x-match all (default) or any over ``name=value`` pairs."""
    wanted = parse_attributes(required)
    if wanted is None:
        return None
    hits = [attributes.get(name) == value for name, value in wanted.items()]
    return any(hits) if mode == "any" else all(hits)


def key_matches(style: str, pattern: str, key: str) -> bool:
    """Does one binding ``pattern`` match one published ``key`` under ``style``?"""
    if style in CARRY_ALL:
        return True
    if style == "amqp-topic":
        return amqp_topic(pattern, key)
    if style == "nats":
        return nats_subject(pattern, key)
    if style == "mqtt":
        return mqtt_topic(pattern, key)
    return pattern == key  # exact (and anything msgarch reads as exact)


def is_pattern(style: str, pattern: str) -> bool:
    """True when ``pattern`` has wildcards under ``style`` (so it may match several keys)."""
    if style == "amqp-topic":
        return any(part in ("*", "#") for part in pattern.split("."))
    if style == "nats":
        return any(part in ("*", ">") for part in pattern.split("."))
    if style == "mqtt":
        return any(part in ("+", "#") for part in pattern.split("/"))
    return False
