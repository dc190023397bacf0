"""Who waits for whom: request-reply cycles and chains, and each component's neighbours."""

from __future__ import annotations

import networkx as nx

from msgarch.analysis.load import delivery_shares
from msgarch.model.model import Model


def waits_for_graph(model: Model) -> nx.DiGraph:
    """requester -> replier for every resolved request-reply flow.

    Each edge carries ``flows`` (ids, in model order), ``rate`` and ``peak`` (msg/s of
    requests along the edge: a flow's rate times the replier's share of it, summed over
    the flows whose figure is known) and ``unknown_rate_flows``. A component calling
    itself makes a self-loop.
    """
    graph = nx.DiGraph()
    for flow in model.flows:
        if not (flow.is_request_reply and model.resolved(flow)):
            continue
        for replier, share in delivery_shares(model, flow).items():
            if not graph.has_edge(flow.producer, replier):
                graph.add_edge(flow.producer, replier, flows=(), rate=0.0, peak=0.0,
                               unknown_rate_flows=())
            edge = graph.edges[flow.producer, replier]
            edge["flows"] += (flow.id,)
            if flow.rate is None:
                edge["unknown_rate_flows"] += (flow.id,)
            else:
                edge["rate"] += flow.rate * share
            if flow.peak_rate is not None:
                edge["peak"] += flow.peak_rate * share
    return graph


def flow_graph(model: Model) -> nx.DiGraph:
    """producer -> consumer over every resolved flow, with every component as a node.

    Not ``model.graph.build_graph``: there two flows through one broker meet at the
    broker node, so a path would lead from one flow's producer to the other's consumer.
    """
    graph = nx.DiGraph()
    graph.add_nodes_from(sorted(model.components))
    for flow in model.flows:
        if model.resolved(flow):
            graph.add_edges_from((flow.producer, consumer) for consumer in flow.consumers)
    return graph


def sync_cycles(model: Model) -> list[list[str]]:
    """Every elementary cycle of request-reply calls (R501), a self-call being one of 1.

    Each cycle starts at its alphabetically smallest component and lists the callers in
    call order; cycles are sorted by length, then by names.
    """
    cycles = [_rotated(cycle) for cycle in nx.simple_cycles(waits_for_graph(model))]
    return sorted(cycles, key=lambda cycle: (len(cycle), cycle))


def longest_sync_chains(model: Model) -> list[list[str]]:
    """All the longest chains of request-reply calls (R503), as component names in order.

    Calls inside a cycle (between components of one strongly connected set) are ignored,
    which leaves a DAG; a chain of n names is n - 1 calls deep. Empty when nothing calls
    anything outside a cycle. Sorted by names.
    """
    dag = _acyclic_calls(model)
    depth = _depth_from(dag)
    deepest = max(depth.values(), default=0)
    if deepest == 0:
        return []
    chains: list[list[str]] = []

    def extend(chain: list[str]) -> None:
        last = chain[-1]
        if depth[last] == 0:
            chains.append(chain)
            return
        for nxt in sorted(dag.successors(last)):
            if depth[nxt] == depth[last] - 1:
                extend(chain + [nxt])

    for start in sorted(node for node, value in depth.items() if value == deepest):
        extend([start])
    return chains


def longest_chain_from(model: Model) -> dict[str, list[str]]:
    """For every component that calls another, its longest chain of request-reply calls.

    On the same DAG as ``longest_sync_chains``; ties go to the alphabetically first next
    call. Keys are sorted.
    """
    dag = _acyclic_calls(model)
    depth = _depth_from(dag)
    chains: dict[str, list[str]] = {}
    for start in sorted(node for node, value in depth.items() if value > 0):
        chain = [start]
        while depth[chain[-1]] > 0:
            chain.append(min(nxt for nxt in dag.successors(chain[-1])
                             if depth[nxt] == depth[chain[-1]] - 1))
        chains[start] = chain
    return chains


def waited_on(model: Model) -> dict[str, list[str]]:
    """Component -> every requester that waits on it, directly or through other calls (R502).

    Only components something waits on appear; a component in a cycle is not listed as
    waiting on itself. Keys and lists are sorted.
    """
    graph = waits_for_graph(model)
    result = {node: sorted(nx.ancestors(graph, node)) for node in sorted(graph)}
    return {node: requesters for node, requesters in result.items() if requesters}


def upstream(model: Model) -> dict[str, tuple[str, ...]]:
    """Component -> every component whose messages reach it, directly or not.

    Follows flows from producer to consumer (replies are not followed back); a component
    is never its own upstream. Every declared component is a key; all sorted.
    """
    graph = flow_graph(model)
    return {node: tuple(sorted(nx.ancestors(graph, node) - {node})) for node in graph}


def downstream(model: Model) -> dict[str, tuple[str, ...]]:
    """Component -> every component its messages reach, directly or not (see ``upstream``)."""
    graph = flow_graph(model)
    return {node: tuple(sorted(nx.descendants(graph, node) - {node})) for node in graph}


def _rotated(cycle: list[str]) -> list[str]:
    start = cycle.index(min(cycle))
    return cycle[start:] + cycle[:start]


def _acyclic_calls(model: Model) -> nx.DiGraph:
    """The waits-for graph without the calls that lie on a cycle."""
    graph = waits_for_graph(model)
    component_of = {}
    for index, members in enumerate(nx.strongly_connected_components(graph)):
        component_of.update((member, index) for member in members)
    dag = nx.DiGraph()
    dag.add_nodes_from(graph)
    dag.add_edges_from((a, b) for a, b in graph.edges if component_of[a] != component_of[b])
    return dag


def _depth_from(dag: nx.DiGraph) -> dict[str, int]:
    """Calls in the longest chain starting at each node."""
    depth: dict[str, int] = {}
    for node in reversed(list(nx.topological_sort(dag))):
        depth[node] = max((depth[nxt] + 1 for nxt in dag.successors(node)), default=0)
    return depth
