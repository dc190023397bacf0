"""`msgarch drift` against a real RabbitMQ (the system package, started on 127.0.0.1 by
tests/rabbitmq_server.py): an exported definitions file loads through the management API,
drift finds nothing, then the broker is changed behind msgarch's back and drift reports
exactly those changes. Skipped, saying how to run them, without the package or root;
scripts/test.sh installs the package and CI runs them."""

from __future__ import annotations

import json
import tempfile
import urllib.parse

import pytest

import rabbitmq_server
from conftest import EXAMPLES, ROOT
from test_broker_interop import SHOP

pytestmark = pytest.mark.slow

DATA = ROOT / "tests" / "data" / "broker-config"


@pytest.fixture(scope="module")
def broker():
    why = rabbitmq_server.unavailable()
    if why:
        pytest.skip(why)
    # directly under the temporary folder: pytest's own folders (0700, root) are closed to the
    # `rabbitmq` user the server drops to
    node = rabbitmq_server.start(tempfile.mkdtemp(prefix="msgarch-rabbitmq-"))
    yield node
    node.stop()


def _load(broker, model_path, vhost="/", policies=False):
    """Export the model as `msgarch export rabbitmq` does and POST it to /api/definitions."""
    from msgarch import api
    from msgarch.interop.rabbitmq import export_definitions, rabbitmq_brokers

    model = api.load_one(str(model_path))
    definitions = export_definitions(model, rabbitmq_brokers(model)[0], vhost=vhost, policies=policies).definitions
    if vhost != "/":
        broker.api("PUT", f"/api/vhosts/{urllib.parse.quote(vhost, safe='')}", {})
        broker.api("PUT", f"/api/permissions/{urllib.parse.quote(vhost, safe='')}/{rabbitmq_server.USER}",
                   {"configure": ".*", "write": ".*", "read": ".*"})
    broker.api("POST", "/api/definitions", definitions)
    return definitions


def _drift(run, model, broker, *extra, url=None):
    result = run("drift", model, "--against", url or broker.url_with_credentials, "--format", "json", *extra)
    assert rabbitmq_server.PASSWORD not in result.output
    data = json.loads(result.stdout)
    return result.exit_code, sorted((d["code"], d["line"], d["message"]) for d in data["findings"])


def _q(text: str) -> str:
    return urllib.parse.quote(text, safe="")


def test_export_loads_into_rabbitmq_and_drift_reports_exactly_the_changes(run, write, broker):
    model = write("shop.msgarch", SHOP)
    _load(broker, model)
    assert _drift(run, model, broker) == (0, [])
    # behind msgarch's back: unbind billing, redeclare `parked` with other arguments
    bindings = broker.api("GET", "/api/bindings/%2F/e/orders/q/billing")
    assert [b["routing_key"] for b in bindings] == ["order.*.paid"]
    broker.api("DELETE", f"/api/bindings/%2F/e/orders/q/billing/{_q(bindings[0]['properties_key'])}")
    broker.api("DELETE", "/api/queues/%2F/parked")
    broker.api("PUT", "/api/queues/%2F/parked", {"durable": True, "auto_delete": False, "arguments": {
        "x-queue-type": "classic", "x-max-length": 500, "x-max-priority": 5}})
    code, found = _drift(run, model, broker)
    lines = SHOP.splitlines()
    parked = lines.index("channel parked on bus : queue {")
    assert code == 1
    assert [(c, line) for c, line, _m in found] == [
        ("X801", lines.index('route orders -> billing { key "order.*.paid" }') + 1),
        ("X803", lines.index("  max-length 1000", parked) + 1),
        ("X803", lines.index("  max-priority 10", parked) + 1),
    ]
    assert "binding orders -> queue billing (key 'order.*.paid') is declared but missing on http://127.0.0.1:" \
        in found[0][2]
    assert "x-max-length is 1000 in the model and 500 on" in found[1][2]
    assert "x-max-priority is 10 in the model and 5 on" in found[2][2]
    text = run("drift", model, "--against", broker.url_with_credentials).stdout
    assert "x-max-priority it cannot be changed in place, not even by a policy" in text
    # a policy changes a setting in place: drift sees it, and says where it came from
    broker.api("PUT", "/api/policies/%2F/ttl", {"pattern": "^dead$", "apply-to": "queues",
                                                 "definition": {"message-ttl": 60000}, "priority": 1})
    code, found = _drift(run, model, broker, "--select", "X803")
    assert any("x-message-ttl is unset in the model and 60000" in m and "(from policy ttl)" in m for *_x, m in found)
    broker.api("DELETE", "/api/policies/%2F/ttl")


def test_credentials_from_the_environment_are_never_printed(run, write, broker, monkeypatch):
    model = write("empty.msgarch", "broker bus : rabbitmq\n")
    monkeypatch.setenv("MSGARCH_RABBITMQ_USER", rabbitmq_server.USER)
    monkeypatch.setenv("MSGARCH_RABBITMQ_PASSWORD", rabbitmq_server.PASSWORD)
    result = run("drift", model, "--against", broker.url, "--vhost", "/", "--select", "X801")
    assert result.exit_code == 0, result.output
    monkeypatch.setenv("MSGARCH_RABBITMQ_PASSWORD", "wrong-" + rabbitmq_server.PASSWORD)
    result = run("drift", model, "--against", broker.url)
    assert result.exit_code == 2
    assert "credentials were refused" in result.stderr
    assert rabbitmq_server.PASSWORD not in result.output and rabbitmq_server.USER not in result.output
    result = run("drift", model, "--against", broker.url_with_credentials, "--vhost", "no-such-vhost")
    assert result.exit_code == 2 and "no-such-vhost" in result.stderr
    assert rabbitmq_server.PASSWORD not in result.output


def test_policies_export_loads_and_has_no_drift(run, write, broker):
    model = write("shop.msgarch", SHOP)
    definitions = _load(broker, model, vhost="with-policies", policies=True)
    assert definitions["policies"]
    assert _drift(run, model, broker, "--vhost", "with-policies") == (0, [])
    held = {p["name"]: p["definition"] for p in broker.api("GET", "/api/policies/with-policies")}
    assert held["msgarch-billing"]["delivery-limit"] == 5  # the broker took the exported policies


@pytest.mark.parametrize("source, vhost", [("sda-definitions.json", "sda"), ("rabbitmq-case13.json", "case13")])
def test_real_definitions_import_export_load_and_no_drift(run, tmp_path, broker, source, vhost):
    imported = tmp_path / "imported.msgarch"
    assert run("import", "rabbitmq", DATA / source, "-o", imported).exit_code == 0
    _load(broker, imported, vhost=vhost)
    code, found = _drift(run, imported, broker, "--vhost", vhost)
    assert (code, found) == (0, [])


def test_eshop_example_loads_and_has_no_drift(run, broker):
    model = EXAMPLES / "real" / "eshop-rabbitmq" / "eshop-rabbitmq.msgarch"
    _load(broker, model, vhost="eshop")
    assert _drift(run, model, broker, "--vhost", "eshop") == (0, [])
