"""The request-reply waits-for graph: cycles, chains, who is waited on, up- and downstream."""

from __future__ import annotations

from hypothesis import given, strategies as st

from msgarch.analysis.dependencies import (
    downstream, flow_graph, longest_chain_from, longest_sync_chains, sync_cycles, upstream,
    waited_on, waits_for_graph,
)
from msgarch.diagnostics import Span
from msgarch.model.model import Broker, Component, Flow, Message, Model, System

SPAN = Span.point("t.msgarch")


def calls(*pairs: str, pattern: str = "request-reply", start: int = 0, **props) -> list[Flow]:
    """Flows from "a>b" pairs (consumers may be "b,c")."""
    flows = []
    for index, pair in enumerate(pairs, start):
        producer, consumers = pair.split(">")
        flows.append(Flow(id=f"f{index}:{pair}", producer=producer,
                          consumers=tuple(consumers.split(",")), message="Msg", span=SPAN,
                          via="bus", pattern=pattern, **props))
    return flows


def model(flows: list[Flow], extra: tuple[str, ...] = ()) -> Model:
    names = {f.producer for f in flows} | {c for f in flows for c in f.consumers} | set(extra)
    return Model(
        root="t.msgarch", system=System(),
        brokers={"bus": Broker("bus", "rabbitmq", SPAN)},
        components={n: Component(n, SPAN) for n in sorted(names) if n != "ghost"},
        messages={"Msg": Message("Msg", SPAN)},
        kinds={}, flows=tuple(flows),
    )


def test_waits_for_graph_edges_carry_flows_and_rates():
    m = model(calls("a>b", "a>b", rate=10, peak=20) + calls("b>c", start=2)
              + calls("a>c", pattern="queue", start=3, rate=99))
    graph = waits_for_graph(m)
    assert sorted(graph.edges) == [("a", "b"), ("b", "c")]
    assert graph.edges["a", "b"]["flows"] == ("f0:a>b", "f1:a>b")
    assert graph.edges["a", "b"]["rate"] == 20 and graph.edges["a", "b"]["peak"] == 40
    assert graph.edges["b", "c"]["unknown_rate_flows"] == ("f2:b>c",)


def test_no_request_reply_means_no_cycles_or_chains():
    m = model(calls("a>b", "b>a", pattern="queue"))
    assert sync_cycles(m) == []
    assert longest_sync_chains(m) == []
    assert waited_on(m) == {}


def test_cycles_are_rotated_and_sorted():
    m = model(calls("c>a", "a>b", "b>c", "b>b", "d>e", "e>d"))
    assert sync_cycles(m) == [["b"], ["d", "e"], ["a", "b", "c"]]


def test_unresolved_flows_are_ignored():
    m = model(calls("a>ghost", "ghost>a"))
    assert sync_cycles(m) == []
    assert list(waits_for_graph(m).edges) == []


def test_longest_chains_ignore_calls_inside_cycles():
    m = model(calls("web>orders", "orders>billing", "billing>ledger", "ledger>billing",
                    "web>search", "search>index", "api>orders"))
    # billing <-> ledger is a cycle: its calls do not count towards a chain.
    assert longest_sync_chains(m) == [["api", "orders", "billing"],
                                      ["web", "orders", "billing"],
                                      ["web", "search", "index"]]
    assert longest_chain_from(m) == {
        "api": ["api", "orders", "billing"],
        "orders": ["orders", "billing"],
        "search": ["search", "index"],
        "web": ["web", "orders", "billing"],
    }


def test_a_deep_chain():
    m = model(calls("a>b", "b>c", "c>d", "d>e", "a>e"))
    assert longest_sync_chains(m) == [["a", "b", "c", "d", "e"]]


def test_waited_on_is_transitive():
    m = model(calls("web>orders", "orders>billing", "api>billing", "x>y", "y>x"))
    assert waited_on(m) == {
        "billing": ["api", "orders", "web"],
        "orders": ["web"],
        "x": ["y"],
        "y": ["x"],
    }


def test_upstream_and_downstream_follow_every_flow():
    m = model(calls("web>orders", pattern="queue")
              + calls("orders>billing,audit", pattern="pubsub", start=1)
              + calls("billing>ledger", start=2) + calls("ledger>web", pattern="queue", start=3),
              extra=("lonely",))
    down, up = downstream(m), upstream(m)
    assert down["orders"] == ("audit", "billing", "ledger", "web")
    assert up["audit"] == ("billing", "ledger", "orders", "web")
    assert down["audit"] == ()
    assert up["lonely"] == () and down["lonely"] == ()
    assert "web" not in down["web"]  # never its own neighbour, even on a loop
    assert set(flow_graph(m).nodes) == set(m.components)


NAMES = [f"s{i}" for i in range(12)]


@given(st.integers(1, 8), st.randoms(use_true_random=False),
       st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(NAMES)), max_size=10))
def test_a_request_reply_cycle_of_any_length_is_found(length, rng, noise):
    names = rng.sample(NAMES, length)
    ring = [f"{a}>{names[(i + 1) % length]}" for i, a in enumerate(names)]
    rng.shuffle(ring)
    # One-way flows in any direction never make a synchronous cycle.
    m = model(calls(*ring) + calls(*(f"{a}>{b}" for a, b in noise), pattern="pubsub",
                                   start=len(ring)))
    start = names.index(min(names))
    expected = names[start:] + names[:start]
    assert sync_cycles(m) == [expected]
    assert longest_sync_chains(m) == []
    for name in names:
        assert set(waited_on(m).get(name, [])) == set(names) - {name}


@given(st.lists(st.tuples(st.sampled_from(NAMES[:6]), st.sampled_from(NAMES[:6])),
                max_size=14))
def test_cycles_are_deterministic_and_elementary(pairs):
    m = model(calls(*(f"{a}>{b}" for a, b in pairs)))
    cycles = sync_cycles(m)
    assert cycles == sync_cycles(model(list(reversed(m.flows))))
    graph = waits_for_graph(m)
    for cycle in cycles:
        assert cycle[0] == min(cycle) and len(set(cycle)) == len(cycle)
        assert all(graph.has_edge(a, cycle[(i + 1) % len(cycle)]) for i, a in enumerate(cycle))
    for chain in longest_sync_chains(m):
        assert len(set(chain)) == len(chain)
        assert all(graph.has_edge(a, b) for a, b in zip(chain, chain[1:]))
