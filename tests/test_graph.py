"""The graph: producer -> broker -> consumer edges keyed by flow id, plain data only."""

from __future__ import annotations

from msgarch.model.graph import broker_node, build_graph, component_node
from msgarch.model.loader import load_model


def test_edges_are_keyed_by_flow_and_carry_plain_data(write):
    model = load_model(str(write("g.msgarch", """
        broker bus : rabbitmq
        broker events : kafka
        component orders { instances 2 }
        component billing
        component audit
        message OrderPlaced { size 1KB }
        flow orders -> billing, audit : OrderPlaced { via events  rate 10/s }
        flow orders -> billing : OrderPlaced { via bus  pattern queue  rate 2/s }
        flow orders -> ghost : OrderPlaced { via bus }
    """)))
    graph = build_graph(model)
    assert graph.nodes[component_node("orders")] == {
        "type": "component", "name": "orders", "instances": 2, "capacity": None, "zone": None,
        "external": False, "idempotent": False}
    assert graph.nodes[broker_node("events")]["kind"] == "kafka"
    fanout = "orders->audit,billing:OrderPlaced"
    produce = graph.get_edge_data(component_node("orders"), broker_node("events"), key=fanout)
    assert produce["role"] == "produce" and produce["pattern"] == "pubsub" and produce["size"] == 1000
    assert set(graph.successors(broker_node("events"))) == {component_node("billing"), component_node("audit")}
    assert set(graph[broker_node("bus")][component_node("billing")]) == {"orders->billing:OrderPlaced"}
    # the unresolved flow (consumer `ghost` is not declared) stays out of the graph
    assert graph.number_of_edges() == 2 + 1 + 1 + 1 and component_node("ghost") not in graph


def test_a_component_and_a_broker_may_share_a_name(write):
    model = load_model(str(write("g.msgarch", "broker orders : kafka\ncomponent orders\ncomponent b\n"
                                               "message M\nflow orders -> b : M\n")))
    graph = build_graph(model)
    assert graph.has_edge(component_node("orders"), broker_node("orders"))
