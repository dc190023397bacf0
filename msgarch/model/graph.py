"""The one bridge to networkx: producer -> broker -> consumer edges keyed by flow id."""

from __future__ import annotations

import networkx as nx

from msgarch.model.model import Model


def component_node(name: str) -> str:
    return f"component:{name}"


def broker_node(name: str) -> str:
    return f"broker:{name}"


def build_graph(model: Model) -> nx.MultiDiGraph:
    """One node per component and broker; per resolved flow, producer -> broker and
    broker -> each consumer, every edge keyed by the flow id and carrying plain data."""
    graph = nx.MultiDiGraph(root=model.root)
    for name in sorted(model.components):
        c = model.components[name]
        graph.add_node(component_node(name), type="component", name=name, instances=c.instances,
                       capacity=c.capacity, zone=c.zone, external=c.external, idempotent=c.idempotent)
    for name in sorted(model.brokers):
        b = model.brokers[name]
        graph.add_node(broker_node(name), type="broker", name=name, kind=b.kind, nodes=b.nodes,
                       replication=b.replication)
    for flow in model.flows:
        if not model.resolved(flow):
            continue
        data = dict(flow=flow.id, message=flow.message, pattern=flow.pattern, rate=flow.rate,
                    peak=flow.peak, size=model.messages[flow.message].size)
        via = broker_node(flow.via)
        graph.add_edge(component_node(flow.producer), via, key=flow.id, role="produce", **data)
        for consumer in sorted(set(flow.consumers)):
            graph.add_edge(via, component_node(consumer), key=flow.id, role="deliver", **data)
    return graph
