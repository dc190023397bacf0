"""Diagrams at scale: draw part of a Scene, and merge parallel lines.

- ``restrict(scene, model, focus=..., depth=..., zone=..., broker=...)``: the part of the
  scene around a component or channel (its neighbours up to ``depth`` lines away), the
  components of a zone (with every line touching them and what is at its other end), or
  what one broker carries (its node or cluster, its channels, every line touching them
  and, in the logical view, every line whose flows go through it). Each option narrows
  what the one before kept. Findings, loads and channel rows follow the drawn elements.
- ``merge_parallel(scene, model)``: in a v1 drawing each flow has its own producer ->
  broker line and its own broker -> consumer lines; lines with the same ends, role and
  pattern become one, labelled with the message types, the summed rate and the count
  (``3 flows``). (The channel and logical views already draw one line per pair.)
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable

from msgarch.diagnostics import Severity
from msgarch.model.model import Model
from msgarch.render.scene import (
    Edge, Scene, _messages, _sum_label, broker_id, channel_id, component_id, flow_edge_id,
)
from msgarch.render.text import mangle, short_id


class ScopeError(ValueError):
    """A --focus, --zone or --broker name that the model does not have (the message says
    which names it has)."""


def _suggest(name: str, names: Iterable[str]) -> str:
    import difflib

    names = sorted(set(names))
    close = difflib.get_close_matches(name, names, n=3)
    if close:
        return "; did you mean " + " or ".join(f"'{c}'" for c in close) + "?"
    shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
    return f" (it has {shown or 'none'})"


def restrict(scene: Scene, model: Model, *, focus: str | None = None, depth: int = 1,
             zone: str | None = None, broker: str | None = None) -> Scene:
    """The part of ``scene`` the options name (see the module's doc); ``scene`` itself
    when none is given. Raises ScopeError for a name the model does not have."""
    if focus is None and zone is None and broker is None:
        return scene
    if depth < 0:
        raise ScopeError("--depth must be 0 or more")
    keep: set[str] = {n.id for n in scene.nodes} | {c.id for c in scene.clusters}
    edges = list(scene.edges)
    scope: list[str] = []
    if focus is not None:
        if focus not in model.components and focus not in model.channels:
            raise ScopeError(f"--focus: no component or channel named '{focus}'"
                             + _suggest(focus, [*model.components, *model.channels]))
        starts = {component_id(focus)} if focus in model.components else set()
        if focus in model.channels:
            starts.add(channel_id(focus))
        starts &= {n.id for n in scene.nodes}
        if not starts:
            raise ScopeError(f"--focus: '{focus}' is not drawn in the {scene.view} view"
                             + (" (channels are drawn in the channels view only)" if focus in model.channels else ""))
        neighbours: dict[str, set[str]] = {}
        for edge in edges:
            neighbours.setdefault(edge.tail, set()).add(edge.head)
            neighbours.setdefault(edge.head, set()).add(edge.tail)
        reached, frontier = set(starts), set(starts)
        for _ in range(depth):
            frontier = {n for f in frontier for n in neighbours.get(f, ())} - reached
            reached |= frontier
        keep = reached
        edges = [e for e in edges if e.tail in keep and e.head in keep]
        scope.append(f"{focus} and its neighbours to depth {depth}")
    if zone is not None:
        zones = {c.zone for c in model.components.values() if c.zone}
        if zone not in zones:
            raise ScopeError(f"--zone: no component is in zone '{zone}'" + _suggest(zone, zones))
        members = {component_id(n) for n, c in model.components.items() if c.zone == zone} & keep
        edges = [e for e in edges if (e.tail in members or e.head in members) and e.tail in keep and e.head in keep]
        keep = members | {e.tail for e in edges} | {e.head for e in edges}
        scope.append(f"zone {zone}")
    if broker is not None:
        if broker not in model.brokers:
            raise ScopeError(f"--broker: no broker named '{broker}'" + _suggest(broker, model.brokers))
        cluster = "cluster_broker_" + mangle(broker)
        own = {broker_id(broker)} | {n.id for n in scene.nodes if n.cluster == cluster and n.element == "channel"}
        via = {f.id for f in model.flows if f.via == broker}
        edges = [e for e in edges if e.tail in keep and e.head in keep
                 and (e.tail in own or e.head in own or (e.role == "link" and via.intersection(e.flows)))]
        keep = ({n for n in own if n in keep} | {e.tail for e in edges} | {e.head for e in edges}
                | ({cluster} if cluster in keep else set()))
        scope.append(f"broker {broker}")
    nodes = tuple(n for n in scene.nodes if n.id in keep)
    drawn = {n.id for n in nodes}
    clusters = tuple(c for c in scene.clusters
                     if any(n.cluster == c.id for n in nodes) or (c.kind == "channels" and c.id in keep))
    kept_edges = tuple(e for e in edges if e.tail in drawn and e.head in drawn)
    return replace(scene, nodes=nodes, clusters=clusters, edges=kept_edges,
                   findings=_findings_on(scene, nodes, clusters, kept_edges),
                   loads=_loads_of(scene, nodes, clusters),
                   channels=tuple(row for row in scene.channels if channel_id(row["channel"]) in drawn),
                   scope="; ".join(scope))


def _findings_on(scene: Scene, nodes, clusters, edges) -> tuple:
    """The findings drawn on a kept element, and those on no element (the system's)."""
    lines = set()
    for tip in [n.tooltip for n in nodes] + [e.tooltip for e in edges] + [c.tooltip for c in clusters]:
        lines.update(tip.split("\n"))
    kept = []
    for item in scene.findings:
        d = item.diagnostic
        if f"{d.code} {d.name} ({d.severity.label}): {d.message}" in lines or item.element in ("", "system"):
            kept.append(item)
    return tuple(kept)


def _loads_of(scene: Scene, nodes, clusters):
    components = {n.name for n in nodes if n.element == "component"}
    brokers = {n.name for n in nodes if n.element == "broker"}
    brokers |= {c.id for c in clusters if c.kind == "channels"}
    names = {name for name in scene.loads.brokers
             if name in brokers or "cluster_broker_" + mangle(name) in brokers}
    return replace(scene.loads, consumers={k: v for k, v in scene.loads.consumers.items() if k in components},
                   brokers={k: v for k, v in scene.loads.brokers.items() if k in names})


def merge_parallel(scene: Scene, model: Model) -> Scene:
    """One line per (tail, head, role, pattern) in a v1 drawing: see the module's doc."""
    groups: dict[tuple[str, str, str, str], list[Edge]] = {}
    for edge in scene.edges:
        if edge.role in ("produce", "deliver") and not edge.change:
            groups.setdefault((edge.tail, edge.head, edge.role, edge.pattern), []).append(edge)
    if all(len(group) == 1 for group in groups.values()):
        return scene
    flows = {flow_edge_id(f.id): f for f in model.flows}
    merged: dict[str, Edge] = {}
    dropped: set[str] = set()
    for (tail, head, role, pattern), group in groups.items():
        if len(group) == 1:
            continue
        first = group[0]
        messages = _messages(e.message for e in group)
        count = f"{len(group)} flows"
        if role == "produce":
            from msgarch.plan.channels import Rate

            total = Rate()
            for edge in group:
                flow = flows.get(edge.id)
                if flow is not None:
                    total.add(flow.rate, flow.peak)
            label = _sum_label(total)
            rate_label = f"{label} ({count})" if label else count
        else:
            rate_label = count
        severities = [e.severity for e in group if e.severity]
        worst = max(severities, key=lambda s: Severity[s.upper()]) if severities else None
        prefix = "mp_" if role == "produce" else "md_"
        merged[first.id] = replace(
            first, id=short_id(f"{prefix}{tail}_to_{head}" + ("" if pattern == "queue" else "_" + mangle(pattern))),
            message=messages, rate_label=rate_label, severity=worst,
            tooltip=f"{count} between the same two elements:\n\n" + "\n\n".join(e.tooltip for e in group),
            flows=tuple(dict.fromkeys(f for e in group for f in e.flows)))
        dropped.update(e.id for e in group[1:])
    edges = tuple(merged.get(e.id, e) for e in scene.edges if e.id not in dropped)
    return replace(scene, edges=edges)


__all__ = ["ScopeError", "merge_parallel", "restrict"]
