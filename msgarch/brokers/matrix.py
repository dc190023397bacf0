"""Render profiles for `msgarch brokers` (the capability matrix) and `msgarch broker KIND` (one profile, cited)."""

from __future__ import annotations

import json
from typing import Sequence

from msgarch.brokers.profiles import (
    FACT_PATHS,
    Fact,
    Profile,
    builtin_ids,
    human_bytes,
    human_seconds,
    load_builtin,
)

FORMATS = ("text", "markdown", "json")

#: Row labels of the matrix, in FACT_PATHS order.
ROW_LABELS = {
    "patterns.queue": "competing consumers",
    "patterns.pubsub": "pub/sub fan-out",
    "patterns.request-reply": "request-reply",
    "routing.topic": "topic wildcards",
    "routing.header": "header routing",
    "routing.content": "content filters",
    "delivery": "strongest delivery",
    "durable": "durable",
    "durable-subscriptions": "durable subscriptions",
    "replicated": "replicated",
    "ordering": "ordering scope",
    "priority": "priority levels",
    "ttl": "per-message TTL",
    "queue-ttl": "queue TTL",
    "delay": "delayed delivery",
    "dead-letter": "dead-letter",
    "replay": "replay",
    "max-message": "max message (default)",
    "latency": "latency p50 / p99",
    "throughput": "msg/s per node",
    "ops.monitoring": "monitoring",
    "ops.declarative-provisioning": "declarative provisioning",
    "ops.licence": "licence",
    "ops.managed-service": "managed service",
}

_SUPPORT = {"yes": "Y", "no": "N", "partial": "P"}
_DELIVERY = {"at-most-once": "AMO", "at-least-once": "ALO", "exactly-once": "EO"}
_SCOPE = {"none": "none", "per-queue": "queue", "per-partition": "partition", "per-group": "group", "per-publisher": "publisher"}
_LICENCE = {"open-source": "OSS", "source-available": "SA", "proprietary": "prop"}

LEGEND = (
    "Y yes, P partial (see the note), N no; ? uncertain (sources disagree or are missing); "
    "AMO/ALO/EO at-most/at-least/exactly-once, * only under a condition; "
    "priority: number of levels, 'any' = application-defined; delay: longest delay when bounded; "
    "latency and msg/s are estimates; licence OSS open source, SA source-available, prop proprietary."
)
SOURCES_HINT = "Every cell has a source: `msgarch broker KIND` prints each figure with its URL and notes."


def _compact_number(value: float) -> str:
    for suffix, size in (("M", 1e6), ("k", 1e3)):
        if value >= size:
            text = f"{value / size:.1f}".rstrip("0").rstrip(".")
            return text + suffix
    return f"{value:g}"


def _short_bytes(value: float | None) -> str:
    return human_bytes(value).replace(" ", "") if value is not None else "none"


def cell(fact: Fact) -> str:
    """A matrix cell: a few characters that say the verdict."""
    value = fact.value
    leaf = fact.path.rsplit(".", 1)[-1]
    if leaf == "delivery":
        text = _DELIVERY[value["guarantee"]] + ("*" if fact.support == "partial" else "")
    elif leaf == "priority":
        if fact.support == "no":
            text = "N"
        else:
            levels = value.get("levels")
            text = _SUPPORT[fact.support] + ("any" if levels is None else str(levels))
    elif leaf == "delay":
        limit = value.get("max-seconds")
        text = _SUPPORT[fact.support] + ("" if limit is None or fact.support == "no" else " " + human_seconds(limit).replace(" ", ""))
    elif leaf == "ordering":
        text = _SCOPE[value["scope"]] if fact.support != "no" else "none"
    elif leaf == "max-message":
        text = _short_bytes(value.get("default"))
    elif leaf == "latency":
        text = human_seconds(value["p50"]).replace(" ", "") + "/" + human_seconds(value["p99"]).replace(" ", "")
    elif leaf == "throughput":
        per_node = value.get("per-node")
        text = "-" if per_node is None else _compact_number(per_node)
    elif leaf == "licence":
        text = _LICENCE[value["category"]]
    else:
        text = _SUPPORT[fact.support]
    return text + ("?" if fact.uncertain else "")


def _profiles(profiles: Sequence[Profile] | None) -> list[Profile]:
    chosen = list(profiles) if profiles is not None else [load_builtin(kind) for kind in builtin_ids()]
    return sorted(chosen, key=lambda p: p.id)


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})")


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in [header] + rows) for i in range(len(header))]
    line = lambda row: "  ".join(text.ljust(widths[i]) for i, text in enumerate(row)).rstrip()
    return [line(header), "  ".join("-" * w for w in widths)] + [line(row) for row in rows]


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


#: Text matrices wider than this are cut into blocks of brokers, so that a terminal shows them.
TEXT_WIDTH = 120


def _blocks(header: list[str], rows: list[list[str]], width: int) -> list[str]:
    """The table in blocks of broker columns that each fit in ``width`` characters."""
    widths = [max(len(row[i]) for row in [header] + rows) for i in range(len(header))]
    blocks, current, used = [], [], widths[0]
    for column in range(1, len(header)):
        if current and used + 2 + widths[column] > width:
            blocks.append(current)
            current, used = [], widths[0]
        current.append(column)
        used += 2 + widths[column]
    blocks.append(current)
    lines: list[str] = []
    for block in blocks:
        if lines:
            lines.append("")
        pick = lambda row: [row[0]] + [row[c] for c in block]
        lines += _table(pick(header), [pick(row) for row in rows])
    return lines


def render_matrix(profiles: Sequence[Profile] | None = None, fmt: str = "text", width: int = TEXT_WIDTH) -> str:
    """The capability matrix: one row per capability, one column per broker (all built-ins by
    default). The text form is cut into blocks of brokers no wider than ``width``."""
    _check_format(fmt)
    chosen = _profiles(profiles)
    facts = {p.id: {f.path: f for f in p.facts()} for p in chosen}
    if fmt == "json":
        document = {
            "brokers": [
                {"id": p.id, "name": p.name, "version": p.version, "assumed-version": p.data.get("assumed-version")}
                for p in chosen
            ],
            "capabilities": [{"path": path, "label": ROW_LABELS[path]} for path in FACT_PATHS],
            "cells": {
                path: {
                    p.id: {
                        "text": cell(facts[p.id][path]),
                        "summary": facts[p.id][path].summary(),
                        "support": facts[p.id][path].support,
                        "source": facts[p.id][path].source,
                        "uncertain": facts[p.id][path].uncertain,
                    }
                    for p in chosen
                }
                for path in FACT_PATHS
            },
            "legend": LEGEND,
        }
        return json.dumps(document, indent=2, sort_keys=True) + "\n"
    header = ["capability"] + [p.id for p in chosen]
    rows = [[ROW_LABELS[path]] + [cell(facts[p.id][path]) for p in chosen] for path in FACT_PATHS]
    if fmt == "text":
        lines = _blocks(header, rows, width)
        return "\n".join(lines + ["", LEGEND, SOURCES_HINT]) + "\n"
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_md_escape(text) for text in row) + " |" for row in rows]
    lines += ["", LEGEND, "", "## Sources", ""]
    for p in chosen:
        urls = sorted({f.source for f in facts[p.id].values() if f.source})
        lines.append(f"- **{p.id}**: " + ", ".join(f"<{url}>" for url in urls))
    return "\n".join(lines) + "\n"


def _version_lines(profile: Profile) -> list[str]:
    lines = []
    for spec, override in profile.data.get("versions", {}).items():
        changed = sorted(_leaf_paths(override))
        lines.append(f"{spec}: {', '.join(changed)}")
    return lines


def _leaf_paths(override: dict, prefix: str = "") -> list[str]:
    """The fact paths an override touches (capability objects count as one fact)."""
    paths = []
    for key, value in override.items():
        if key in ("sources", "uncertain"):
            continue
        path = prefix + key
        setting = _setting_path(path)
        if setting is not None:  # a channel, endpoint or broker setting counts as one fact
            if setting not in paths:
                paths.append(setting)
        elif path in FACT_PATHS or not isinstance(value, dict):
            paths.append(path)
        else:
            paths.extend(_leaf_paths(value, path + "."))
    return paths


def _setting_path(path: str) -> str | None:
    """`channels.queue.settings.durable.means` -> `channels.queue.settings.durable`."""
    parts = path.split(".")
    if parts[0] == "broker-settings" and len(parts) >= 2:
        return ".".join(parts[:2])
    if parts[0] == "endpoints" and len(parts) >= 3:
        return ".".join(parts[:3])
    if parts[0] == "channels" and len(parts) >= 4 and parts[2] == "settings":
        return ".".join(parts[:4])
    return None


def _default_text(entry: dict) -> str:
    default = entry.get("default")
    shape = entry.get("value")
    if default is None:
        return "unset"
    if isinstance(default, bool):
        return "on" if default else "off"
    if shape == "duration" and isinstance(default, (int, float)):
        return human_seconds(float(default))
    if shape == "size" and isinstance(default, (int, float)):
        return human_bytes(float(default))
    return str(default)


def vocabulary_lines(profile: Profile) -> list[str]:
    """The channel types, endpoint settings and broker settings of a profile, one per line."""
    data = profile.data
    lines: list[str] = []
    for name, entry in sorted((data.get("channels") or {}).items()):
        routing = entry.get("routing", "none")
        routing = routing if isinstance(routing, str) else f"by {routing.get('setting')}"
        delivery = entry.get("delivery", "competing")
        delivery = delivery if isinstance(delivery, str) else f"by {delivery.get('setting')}"
        lines.append(f"channel type {name}: delivery {delivery}, routing {routing}")
        if entry.get("description"):
            lines.append(f"    {entry['description']}")
        for setting, info in sorted((entry.get("settings") or {}).items()):
            lines.append(f"    {setting} (default {_default_text(info)}; {info.get('vendor', setting)}): "
                         f"{info.get('means', '')}")
    for role in ("publish", "consume"):
        for setting, info in sorted(((data.get("endpoints") or {}).get(role) or {}).items()):
            lines.append(f"{role} {setting} (default {_default_text(info)}; {info.get('vendor', setting)}): "
                         f"{info.get('means', '')}")
    for setting, info in sorted((data.get("broker-settings") or {}).items()):
        lines.append(f"broker {setting} (default {_default_text(info)}; {info.get('vendor', setting)}): "
                     f"{info.get('means', '')}")
    return lines


def _conditions(fact: Fact) -> str:
    """The benchmark conditions of a throughput figure (empty for other facts)."""
    return fact.value.get("conditions", "") if isinstance(fact.value, dict) else ""


def render_profile(profile: Profile, fmt: str = "text") -> str:
    """One profile: every fact with its verdict, note, source and doubt."""
    _check_format(fmt)
    facts = profile.facts()
    title = f"{profile.id}: {profile.name}" + (f" (version {profile.version})" if profile.version else "")
    assumed = profile.data.get("assumed-version")
    if fmt == "json":
        document = {
            "id": profile.id,
            "name": profile.name,
            "description": profile.description,
            "model": profile.model,
            "version": profile.version,
            "assumed-version": assumed,
            "facts": [
                {
                    "path": f.path,
                    "summary": f.summary(),
                    "support": f.support,
                    "value": f.value,
                    "note": f.note,
                    "source": f.source,
                    "uncertain": f.uncertain,
                }
                for f in facts
            ],
            "versions": profile.data.get("versions", {}),
            "channels": profile.data.get("channels", {}),
            "endpoints": profile.data.get("endpoints", {}),
            "broker-settings": profile.data.get("broker-settings", {}),
        }
        return json.dumps(document, indent=2, sort_keys=True) + "\n"
    versions = _version_lines(profile)
    if fmt == "text":
        lines = [title, profile.description, f"model: {profile.model}"]
        if assumed:
            lines.append(f"facts for version: {profile.version or assumed}")
        lines.append("")
        for f in facts:
            lines.append(f"{f.path}: {f.summary()}")
            if f.note:
                lines.append(f"    {f.note}")
            if _conditions(f):
                lines.append(f"    conditions: {_conditions(f)}")
            lines.append(f"    source: {f.source or '(none)'}")
            if f.uncertain:
                lines.append(f"    uncertain: {f.uncertain}")
        vocabulary = vocabulary_lines(profile)
        if vocabulary:
            lines += ["", "channels and settings (language v2; sources in `msgarch broker KIND --format json`):"]
            lines += [f"    {line}" for line in vocabulary]
        if versions:
            lines += ["", "version-dependent facts (declare `version \"X\"` on the broker):"]
            lines += [f"    {line}" for line in versions]
        return "\n".join(lines) + "\n"
    lines = [f"# {_md_escape(title)}", "", _md_escape(profile.description), "", f"- model: {profile.model}"]
    if assumed:
        lines.append(f"- facts for version: {profile.version or assumed}")
    lines += ["", "| fact | verdict | note | source |", "|---|---|---|---|"]
    for f in facts:
        verdict = f.summary() + (f" (uncertain: {f.uncertain})" if f.uncertain else "")
        source = f"<{f.source}>" if f.source else ""
        note = " ".join(part for part in (f.note, _conditions(f)) if part)
        lines.append(f"| {f.path} | {_md_escape(verdict)} | {_md_escape(note)} | {source} |")
    vocabulary = vocabulary_lines(profile)
    if vocabulary:
        lines += ["", "## Channels and settings", ""] + [
            ("- " if not line.startswith("    ") else "  - ") + _md_escape(line.strip()) for line in vocabulary]
    if versions:
        lines += ["", "## Version-dependent facts", ""] + [f"- `{_md_escape(line)}`" for line in versions]
    return "\n".join(lines) + "\n"
