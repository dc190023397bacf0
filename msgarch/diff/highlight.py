"""Mark a diff on the NEW topology: added and changed elements coloured, removed ones kept.

Works on two render Scenes (``msgarch.render.build_scene`` of OLD and of NEW): every
node and edge of NEW that the diff names gets its ``change``; the nodes and edges of
OLD that NEW lacks are added with ``change="removed"``, so the renderer draws them
dashed in red where they used to be.
"""

from __future__ import annotations

from dataclasses import replace

from msgarch.diff.changes import ModelDiff
from msgarch.render.scene import broker_id, component_id
from msgarch.render.text import mangle as _mangle


def _flow_edges(scene, flow_id: str) -> list:
    from msgarch.render.scene import flow_edge_id

    key = flow_edge_id(flow_id)
    return [e for e in scene.edges if e.id == key or e.id.startswith(key + "_to_")]


def _carrying(scene, flow_id: str) -> list:
    """The edges of a channel or logical drawing that carry the flow (merged edges list theirs)."""
    return [e for e in scene.edges if flow_id in getattr(e, "flows", ())]


def _declaration_edges(change) -> list[str]:
    """The edge ids a channel drawing gives a route (``rt_A_to_B``) or an endpoint (a publish
    ``p_COMPONENT_to_CHANNEL``, a consume ``d_CHANNEL_to_COMPONENT``)."""
    if change.category == "route":
        source, _, target = change.name.partition("->")
        return [f"rt_{_mangle(source)}_to_{_mangle(target)}"]
    name = change.name.split("#", 1)[0]
    if " publishes " in name:
        component, rest = name.split(" publishes ", 1)
        return [f"p_{_mangle(component)}_to_{_mangle(rest.rsplit(' to ', 1)[-1])}"]
    if " consumes " in name:
        component, rest = name.split(" consumes ", 1)
        return [f"d_{_mangle(rest.rsplit(' from ', 1)[-1])}_to_{_mangle(component)}"]
    return []


def highlight(old_scene, new_scene, diff: ModelDiff):
    """``new_scene`` with the changes of ``diff`` marked and the removed elements of ``old_scene`` added."""
    node_change: dict[str, str] = {}
    edge_change: dict[str, str] = {}
    removed_edges: list = []
    removed_nodes: list = []
    new_node_ids = {n.id for n in new_scene.nodes}
    new_edge_ids = {e.id for e in new_scene.edges}
    for change in diff.changes:
        if change.change == "affected":
            continue
        if change.category in ("component", "broker"):
            node_id = (component_id if change.category == "component" else broker_id)(change.name)
            if change.change == "removed":
                removed_nodes += [n for n in old_scene.nodes if n.id == node_id and n.id not in new_node_ids]
            else:
                node_change[node_id] = change.change
        elif change.category == "flow":
            if change.change == "removed":
                removed_edges += [e for e in _flow_edges(old_scene, change.name) if e.id not in new_edge_ids]
                continue
            for edge in _flow_edges(new_scene, change.name):
                edge_change[edge.id] = change.change
            if change.previous_name:  # consumers dropped from the flow: their old deliveries
                kept = {e.head for e in _flow_edges(new_scene, change.name)}
                removed_edges += [e for e in _flow_edges(old_scene, change.previous_name)
                                  if e.role == "deliver" and e.head not in kept]
        elif change.category in ("channel", "route", "endpoint"):
            # the drawing's own node or edge of the declaration (channel views), then the
            # derived flows it changes (the flow edges of other views)
            if change.category == "channel":
                node_id = "ch_" + _mangle(change.name)
                if change.change == "removed":
                    removed_nodes += [n for n in old_scene.nodes if n.id == node_id and n.id not in new_node_ids]
                else:
                    node_change[node_id] = change.change
            else:
                ids = set(_declaration_edges(change))
                if change.change == "removed":
                    removed_edges += [e for e in old_scene.edges if e.id in ids and e.id not in new_edge_ids]
                else:
                    for edge in new_scene.edges:
                        if edge.id in ids:
                            edge_change[edge.id] = change.change
            for flow_id, how, _props in change.flows:
                if how == "removed":
                    removed_edges += [e for e in _flow_edges(old_scene, flow_id) + _carrying(old_scene, flow_id)
                                      if e.id not in new_edge_ids and e not in removed_edges]
                else:
                    for edge in _flow_edges(new_scene, flow_id) + _carrying(new_scene, flow_id):
                        edge_change.setdefault(edge.id, "changed" if edge.id in edge_change else how)
        elif change.category == "message" and change.change == "changed":
            for edge in new_scene.edges:
                if edge.role != "reply" and edge.message == change.name:
                    edge_change.setdefault(edge.id, "changed")
    clusters = {c.id for c in new_scene.clusters}
    # finding colours (amber warnings) would read as changes here: the diff lists the findings
    nodes = [replace(n, change=node_change.get(n.id), severity=None) for n in new_scene.nodes]
    nodes += [replace(n, change="removed", severity=None, cluster=n.cluster if n.cluster in clusters else None)
              for n in removed_nodes]
    edges = [replace(e, change=edge_change.get(e.id), severity=None) for e in new_scene.edges]
    edges += [replace(e, change="removed", severity=None, id=e.id + "_removed") for e in removed_edges]
    present = {n.id for n in nodes}
    edges = [e for e in edges if e.tail in present and e.head in present]
    return replace(new_scene, nodes=tuple(nodes), edges=tuple(edges))
