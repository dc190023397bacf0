"""The language: every construct parses into the syntax tree, and errors are worded for people."""

from __future__ import annotations

import pytest

from msgarch.diagnostics import InputError
from msgarch.dsl import ast
from msgarch.dsl.parser import parse

SPEC_EXAMPLE = '''\
# Order platform
system "Order platform" {
  growth 15% per year        # volume grows 15% year on year
  horizon 5 years            # plan capacity this far ahead
  headroom 70%               # keep every consumer and broker below this utilisation
}

broker bus : rabbitmq {
  nodes 3
}

broker events : kafka {
  nodes 3
  replication 3
}

component web      { instances 4 }
component orders   { instances 4  capacity 500/s }
component billing  { instances 2  capacity 120/s  zone finance }
component shipping { instances 2  capacity 400/s }
component audit    { instances 1  capacity 2000/s }

message PlaceOrder  { size 2KB }
message OrderPlaced { size 1KB  max-size 64KB }

flow web -> orders : PlaceOrder {
  via bus
  pattern request-reply
  rate 300/s
  peak 1200/s
  latency 50ms
}

flow orders -> billing, shipping, audit : OrderPlaced {
  via events
  pattern pubsub
  rate 300/s
  durable
  delivery at-least-once
  ordered by order_id
  retention 7d
}
'''


def error_of(text: str):
    with pytest.raises(InputError) as caught:
        parse(text, "t.msgarch")
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.code == "E001"
    return diagnostic


def test_spec_example_parses():
    tree = parse(SPEC_EXAMPLE, "t.msgarch")
    kinds = [type(d).__name__ for d in tree.decls]
    assert kinds == ["SystemDecl", "BrokerDecl", "BrokerDecl"] + ["ComponentDecl"] * 5 + \
        ["MessageDecl"] * 2 + ["FlowDecl"] * 2
    fanout = tree.decls[-1]
    assert [c.text for c in fanout.consumers] == ["billing", "shipping", "audit"]
    assert fanout.span.line == 34 and fanout.span.column == 1


def test_hyphenated_names_and_arrows():
    tree = parse("flow order-service->billing-v2 : M\nflow a-b->c : M\n", "t.msgarch")
    assert tree.decls[0].producer.text == "order-service"
    assert tree.decls[0].consumers[0].text == "billing-v2"
    assert tree.decls[1].producer.text == "a-b" and tree.decls[1].consumers[0].text == "c"


def test_kind_arrow_and_semicolons():
    tree = parse('kind fast { latency 5ms; durable }\nflow a -[fast]-> b : M { rate 1/s; peak 2/s }', "t.msgarch")
    flow = tree.decls[1]
    assert flow.kind.text == "fast"
    assert [p.name for p in flow.props] == ["rate", "peak"]


def test_keywords_are_not_reserved_as_names():
    tree = parse("component message\ncomponent rate\nmessage flow\nflow message -> rate : flow\n", "t.msgarch")
    flow = tree.decls[-1]
    assert (flow.producer.text, flow.consumers[0].text, flow.message.text) == ("message", "rate", "flow")


def test_all_flow_properties_parse():
    text = """flow a -> b : M {
      via bus; pattern queue; partitions 6; rate 12k/s; peak 1.5M/min; latency 200us
      timeout 2s; durable; delivery exactly-once; ordered by key; priority 3; ttl 1h
      delay 15min; dead-letter; retention 7d; replay; routing topic; backlog 4h
    }"""
    flow = parse(text, "t.msgarch").decls[0]
    assert len(flow.props) == 18


def test_strings_with_escapes():
    tree = parse('component a { description "say \\"hi\\" \\\\ bye" }', "t.msgarch")
    assert tree.decls[0].props[0].values[0].value == 'say "hi" \\ bye'


def test_comments_anywhere():
    tree = parse("# top\ncomponent a { # after brace\n instances 2 # here\n} # trailing\n", "t.msgarch")
    assert tree.decls[0].props[0].name == "instances"


def test_unknown_property_suggests_the_closest():
    d = error_of("flow a -> b : M {\n  rat 300/s\n}\n")
    assert "unknown flow or kind property 'rat'" in d.message and "did you mean 'rate'" in d.message
    assert (d.span.line, d.span.column) == (2, 3)


def test_property_of_another_block_is_named():
    d = error_of("component a {\n  size 3KB\n}\n")
    assert "'size' is a property of message blocks" in d.message


def test_missing_closing_brace_points_at_the_opening_one():
    d = error_of("component a {\n  instances 3\n\ncomponent b\n")
    assert "missing '}'" in d.message and "line 1" in d.message
    assert d.related[0].span.line == 1 and d.related[0].span.column == 13


def test_missing_brace_at_end_of_file():
    d = error_of("flow a -> b : M {\n  rate 3/s\n")
    assert "missing '}'" in d.message


def test_expected_tokens_are_in_words():
    d = error_of("flow a -> : M\n")
    assert "expected a consumer component name" in d.message
    d = error_of("flow a -> b : M { rate fast }\n")
    assert "a rate such as 300/s" in d.message
    assert "QUANTITY" not in d.message and "NAME" not in d.message


def test_unterminated_string():
    d = error_of('system "x {\n}\n')
    assert "unterminated string" in d.message


def test_single_dash_is_explained():
    d = error_of("flow a - b : M\n")
    assert "'->'" in d.message


def test_ast_is_frozen():
    tree = parse("component a", "t.msgarch")
    with pytest.raises(Exception):
        tree.decls[0].name = ast.Name("b", tree.decls[0].name.span)  # type: ignore[misc]
