"""msgarch.interop.writer: canonical, parseable, deterministic .msgarch text."""

from __future__ import annotations

import pytest

from msgarch.api import check
from msgarch.interop.writer import ModelWriter, Names, name, q


def _sample(order: int) -> str:
    w = ModelWriter(header=["imported by a test"])
    channels = [("orders", "exchange", [("type", "topic"), ("durable", True)]),
                ("billing", "queue", [("type", "quorum"), ("address", q('billing "q"\\x'), "real name")])]
    for channel, kind, settings in (channels if order else channels[::-1]):
        w.channel(channel, "bus", kind, settings, comment=f"from {channel}")
    w.broker("bus", "rabbitmq", [("nodes", 3)])
    w.route(["orders"], ["billing"], [("key", q("order.*.paid"))])
    w.message("OrderPaid", [("size", "2KB")])
    c = w.component("checkout")
    c.publishes(["OrderPaid"], "orders", [("key", q("order.eu.paid")), ("rate", "50/s")])
    w.component("billing-svc").consumes(["OrderPaid"], "billing", [("ack", "after-processing")])
    return w.render()


def test_render_is_canonical_and_parses(tmp_path):
    text = _sample(0)
    assert text == _sample(1)
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert 'address "billing \\"q\\"\\\\x"  # real name' in text
    path = tmp_path / "m.msgarch"
    path.write_text(text, encoding="utf-8")
    report = check([str(path)])
    assert report.diagnostics == (), report.diagnostics
    assert text.index("broker bus") < text.index("channel billing") < text.index("channel orders")


def test_names():
    assert name("smartylighting.streetlights.1.0") == "smartylighting_streetlights_1_0"
    assert name("1st") == "_1st"
    assert name("--a--b--") == "a-b"
    assert name("") == "unnamed"
    names = Names()
    assert names.get(("x", 1), "a.b") == "a_b"
    assert names.get(("x", 2), "a b") == "a_b-2"
    assert names.get(("x", 1), "zzz") == "a_b"


def test_bad_values_refused():
    w = ModelWriter()
    with pytest.raises(ValueError):
        w.channel("a b", "bus", "queue")
    w.channel("a", "bus", "queue", [("address", "has space\"")])
    with pytest.raises(ValueError):
        w.render()
