"""`msgarch import asyncapi` and `msgarch export asyncapi` on the official AsyncAPI examples and on
msgarch's own models: every example imports, the five social-media documents merge into one
model, every export validates against the official AsyncAPI 3.0.0 schema, and the round trips
are fixed points."""

from __future__ import annotations

import glob
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest
import yaml

from msgarch import api
from msgarch.diagnostics import InputError
from msgarch.interop.asyncapi_export import export_documents
from msgarch.interop.asyncapi_import import import_documents
from msgarch.lint.config import Config

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "asyncapi"
EXAMPLES = DATA / "examples"
SINGLE = sorted(EXAMPLES.glob("*.yml"))
SOCIAL = sorted(EXAMPLES.glob("social-media/*/asyncapi.yaml"))
MODELS = sorted(glob.glob(str(ROOT / "examples" / "real" / "*" / "*.msgarch"))) + [
    str(p) for p in sorted((ROOT / "examples").glob("*.msgarch"))]


@pytest.fixture(scope="module")
def validator():
    with open(DATA / "asyncapi-3.0.0.schema.json", encoding="utf-8") as handle:
        schema = json.load(handle)
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def _lint(text: str, tmp_path: Path, name: str = "imported.msgarch"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return api.lint([str(path)], Config())


def _strip_comments(text: str) -> str:
    """The model without its comments (which name the documents it came from)."""
    out = []
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        out.append(re.sub(r"  # .*$", "", line))
    return "\n".join(out)


def _run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "msgarch.cli.main", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=120)


# -- import -------------------------------------------------------------------------------
@pytest.mark.parametrize("document", SINGLE, ids=lambda p: p.name)
def test_every_official_example_imports_and_lints(document, tmp_path):
    first = import_documents([str(document)], root=str(EXAMPLES))
    again = import_documents([str(document)], root=str(EXAMPLES))
    assert first.text == again.text, "re-import is byte-identical"
    report = _lint(first.text, tmp_path)
    assert not [d for d in report.diagnostics if d.code.startswith("E")], report.diagnostics
    # every declaration says where it came from
    assert f"{document.name}#/" in first.text


def test_every_example_through_the_command_line(tmp_path):
    """Exit 0 for every official example through the command (in-process), and the result lints
    (exit 0 or 1); one real process for the social-media set, so the entry point is exercised."""
    from click.testing import CliRunner

    from msgarch.cli.main import cli

    runner = CliRunner()
    for document in [str(p.relative_to(ROOT)) for p in SINGLE]:
        out = tmp_path / (Path(document).stem + Path(document).parent.name + ".msgarch")
        result = runner.invoke(cli, ["import", "asyncapi", document, "-o", str(out)])
        assert result.exit_code == 0, (document, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit), (document, result.exception)
        lint = runner.invoke(cli, ["lint", str(out)])
        assert lint.exit_code in (0, 1), (document, lint.output)
    out = tmp_path / "social.msgarch"
    result = _run("import", "asyncapi", *[str(p.relative_to(ROOT)) for p in SOCIAL], "-o", str(out))
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    lint = _run("lint", str(out))
    assert lint.returncode in (0, 1), (lint.stdout, lint.stderr)


def test_kafka_example_maps_servers_channels_and_operations():
    text = import_documents([str(EXAMPLES / "streetlights-kafka-asyncapi.yml")], root=str(EXAMPLES)).text
    assert "broker mtls-connections : kafka" in text
    assert "channel lightingMeasured on mtls-connections : topic" in text
    assert 'address "smartylighting.streetlights.1.0.event.{streetlightId}.lighting.measured"' in text
    assert re.search(r"publishes dimLight to lightsDim\b", text)
    assert re.search(r"consumes lightMeasured from lightingMeasured\b", text)
    assert 'schema "streetlights-kafka-asyncapi.yml#/components/schemas/lightMeasuredPayload"' in text
    assert "no rate: AsyncAPI has no field for it" in text


def test_amqp_bindings_become_queue_settings():
    text = import_documents([str(EXAMPLES / "rpc-server-asyncapi.yml")], root=str(EXAMPLES)).text
    assert "broker production : rabbitmq" in text
    assert re.search(r"channel \w+ on production : queue", text)
    assert "bindings/amqp/queue/durable" in text


def test_reply_makes_the_send_request_reply(tmp_path):
    # the official example is the server side: it receives the request and publishes the reply
    text = import_documents([str(EXAMPLES / "adeo-kafka-request-reply-asyncapi.yml")], root=str(EXAMPLES)).text
    assert re.search(r"reply: the reply of operation receiveACostingRequest\n  publishes CostingResponse to costingResponseChannel\n", text)
    # the client side: a send with a reply is request-reply, and it consumes the reply
    doc = {"asyncapi": "3.0.0", "info": {"title": "client", "version": "1"},
           "servers": {"log": {"host": "k:9092", "protocol": "kafka"}},
           "channels": {"req": {"address": "costing.request", "messages": {"Ask": {"payload": {"type": "string"}}}},
                        "res": {"address": "costing.response", "messages": {"Answer": {"payload": {"type": "string"}}}}},
           "operations": {"ask": {"action": "send", "channel": {"$ref": "#/channels/req"},
                                  "reply": {"channel": {"$ref": "#/channels/res"}}}}}
    path = tmp_path / "client.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    text = import_documents([str(path)], root=str(tmp_path)).text
    assert re.search(r"publishes Ask to req \{\n(.*\n)*?    pattern request-reply", text), text
    assert "consumes Answer from res" in text


@pytest.mark.parametrize("document, kind", [("websocket-gemini-asyncapi.yml", "websocket"),
                                             ("gitter-streaming-asyncapi.yml", "http-stream"),
                                             ("mercure-asyncapi.yml", "http-stream")])
def test_web_transports_get_their_small_profiles(document, kind, tmp_path):
    text = import_documents([str(EXAMPLES / document)], root=str(EXAMPLES)).text
    assert re.search(rf"^broker \S+ : {kind}$", text, re.M)
    assert f"kind {kind}: not a broker" in text
    report = _lint(text, tmp_path)
    assert not [d for d in report.diagnostics if d.code in ("S001", "E003")], report.diagnostics


def test_unknown_protocol_and_no_server_are_left_undeclared(tmp_path):
    doc = {"asyncapi": "3.0.0", "info": {"title": "pubsub", "version": "1"},
           "servers": {"gcp": {"host": "pubsub.googleapis.com", "protocol": "googlepubsub"}},
           "channels": {"t": {"address": "topic-a"}},
           "operations": {"o": {"action": "send", "channel": {"$ref": "#/channels/t"}}}}
    path = tmp_path / "g.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    text = import_documents([str(path)], root=str(tmp_path)).text
    assert "has no profile for protocol googlepubsub" in text
    report = _lint(text, tmp_path)
    assert any(d.code == "S001" for d in report.diagnostics)
    text = import_documents([str(EXAMPLES / "simple-asyncapi.yml")], root=str(EXAMPLES)).text
    assert "documents that name no server are on broker unspecified" in text


def test_transport_profiles_pass_the_profile_schema():
    from msgarch.brokers.profiles import TRANSPORT_DIR, builtin_ids, transport_ids, validate_profile_data

    assert transport_ids() == ("http-stream", "websocket")
    assert not set(transport_ids()) & set(builtin_ids())  # not compared by `brokers` or `recommend`
    for kind in transport_ids():
        with open(os.path.join(TRANSPORT_DIR, kind + ".json"), encoding="utf-8") as handle:
            data = json.load(handle)
        validate_profile_data(data, kind)
        assert all(url.startswith("https://") for url in data["sources"].values())
        shown = _run("broker", kind)
        assert shown.returncode == 0 and shown.stdout.startswith(f"{kind}: ")


def test_social_media_documents_merge_into_one_model(tmp_path):
    result = import_documents([str(p) for p in SOCIAL], root=str(EXAMPLES))
    text = result.text
    # one channel per address and server, whichever document named it
    assert len(re.findall(r'^channel \S+ on mosquitto : topic', text, re.M)) == 2
    assert text.count('address "comment/liked"') == 1
    assert "social-media/comments-service/asyncapi.yaml#/channels/commentLiked" in text
    assert "social-media/notification-service/asyncapi.yaml#/channels/commentLiked" in text
    # the sibling files were read, nothing outside the tree
    assert any(p.endswith(os.path.join("common", "messages.yaml")) for p in result.inputs)
    assert all(str(EXAMPLES) in p for p in result.inputs)
    assert 'schema "social-media/common/schemas.yaml#/commentLikedPayload"' in text
    for component in ("Website_Backend", "Comments_Service", "Notifications_Service", "Public_API",
                      "Website_WebSocket_Client"):
        assert f"component {component}" in text
    report = _lint(text, tmp_path)
    codes = {d.code for d in report.diagnostics}
    assert "T702" not in codes, "every channel has a producer and a consumer across the five documents"
    assert not [d for d in report.diagnostics if d.severity.name == "ERROR"], report.diagnostics


def test_a_missing_document_shows_as_cross_document_findings(tmp_path):
    """Without the frontend's document, the backend's WebSocket channels have no other side."""
    result = import_documents([str(p) for p in SOCIAL if p.parent.name != "frontend"], root=str(EXAMPLES))
    report = _lint(result.text, tmp_path)
    dead = [d.message for d in report.diagnostics if d.code == "T702"]
    assert any("updateCommentsCount" in m and "read by nothing" in m for m in dead), dead
    assert any("newLikeComment" in m and "fed by nothing" in m for m in dead), dead


def test_binding_mismatch_between_documents_is_reported(tmp_path):
    base = {"asyncapi": "3.0.0", "servers": {"bus": {"host": "rabbit:5672", "protocol": "amqp"}}}

    def doc(title, action, durable):
        return {**base, "info": {"title": title, "version": "1"},
                "channels": {"jobs": {"address": "jobs", "messages": {"Job": {"payload": {"type": "object"}}},
                                      "bindings": {"amqp": {"is": "queue", "queue": {"name": "jobs", "durable": durable}}}}},
                "operations": {"op": {"action": action, "channel": {"$ref": "#/channels/jobs"}}}}

    (tmp_path / "a.yaml").write_text(yaml.safe_dump(doc("producer", "send", True)), encoding="utf-8")
    (tmp_path / "b.yaml").write_text(yaml.safe_dump(doc("worker", "receive", False)), encoding="utf-8")
    result = import_documents([str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")], root=str(tmp_path))
    assert result.text.count("channel jobs on bus : queue") == 1
    assert "binding mismatch between documents" in result.text and "MISMATCH X804" in result.text
    [finding] = result.findings
    assert finding.code == "X804" and "amqp queue.durable is false in b.yaml but true in a.yaml" in finding.message
    assert not any("mismatch" in n for n in result.notes), result.notes


def _two_documents(tmp_path, channel_a: dict, channel_b: dict, protocol: str = "kafka"):
    """Two applications' documents on one server, one channel `orders` each, as YAML files."""
    def doc(title, action, channel):
        return {"asyncapi": "3.0.0", "info": {"title": title, "version": "1"},
                "servers": {"bus": {"host": "broker:1234", "protocol": protocol}},
                "channels": {"orders": {"address": "orders", **channel}},
                "operations": {"op": {"action": action, "channel": {"$ref": "#/channels/orders"}}}}

    (tmp_path / "a.yaml").write_text(yaml.safe_dump(doc("orders", "send", channel_a), sort_keys=False), encoding="utf-8")
    (tmp_path / "b.yaml").write_text(yaml.safe_dump(doc("billing", "receive", channel_b), sort_keys=False), encoding="utf-8")
    return ["a.yaml", "b.yaml"]


def _line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


@pytest.mark.parametrize("case", ["kafka-partitions", "amqp-exchange-type"])
def test_a_binding_mismatch_is_one_finding_with_both_locations_and_exit_1(tmp_path, case):
    if case == "kafka-partitions":
        files = _two_documents(tmp_path, {"bindings": {"kafka": {"partitions": 3}}},
                               {"bindings": {"kafka": {"partitions": 6}}})
        wanted, first, second, setting = "kafka partitions is 6 in b.yaml but 3 in a.yaml", "partitions: 3", "partitions: 6", "partitions 3"
    else:
        def exchange(kind):
            return {"bindings": {"amqp": {"is": "routingKey", "exchange": {"name": "shop", "type": kind}}}}
        files = _two_documents(tmp_path, exchange("topic"), exchange("fanout"), protocol="amqp")
        wanted, first, second, setting = "amqp exchange.type is fanout in b.yaml but topic in a.yaml", "type: topic", "type: fanout", "type topic"
    result = _run("import", "asyncapi", *files, "-o", "model.msgarch", "--format", "json", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    [finding] = json.loads(result.stderr)["findings"]
    assert finding["code"] == "X804" and finding["name"] == "binding-mismatch" and finding["severity"] == "error"
    assert wanted in finding["message"] and f"keeps `{setting}`" in finding["message"]
    assert (finding["path"], finding["line"]) == ("b.yaml", _line_of(tmp_path / "b.yaml", second))
    assert [(r["path"], r["line"]) for r in finding["related"]] == [("a.yaml", _line_of(tmp_path / "a.yaml", first))]
    model = (tmp_path / "model.msgarch").read_text(encoding="utf-8")
    assert "MISMATCH X804" in model and f"  {setting}  # a.yaml#" in model  # still written, the first value kept

    text = _run("import", "asyncapi", *files, "-o", "model.msgarch", cwd=tmp_path)
    assert text.returncode == 1
    line = _line_of(tmp_path / "b.yaml", second)
    assert f"b.yaml:{line}:" in text.stderr and " X804 [error] " in text.stderr and "note: a.yaml:" in text.stderr
    assert second in text.stderr  # the source line under the finding
    for flags in (("--fail-on", "never"), ("--exit-zero",)):
        assert _run("import", "asyncapi", *files, "-o", "model.msgarch", *flags, cwd=tmp_path).returncode == 0
    sarif = _run("import", "asyncapi", *files, "-o", "model.msgarch", "--format", "sarif", "--report", "r.sarif", cwd=tmp_path)
    assert sarif.returncode == 1 and "X804" not in sarif.stderr
    run = json.loads((tmp_path / "r.sarif").read_text(encoding="utf-8"))["runs"][0]
    assert [r["ruleId"] for r in run["results"]] == ["X804"]
    assert any(r["id"] == "X804" for r in run["tool"]["driver"]["rules"])
    github = _run("import", "asyncapi", *files, "-o", "model.msgarch", "--format", "github", cwd=tmp_path)
    assert github.returncode == 1 and f"file=b.yaml,line={line}" in github.stderr


def test_documents_that_agree_import_with_exit_0_and_no_finding(tmp_path):
    files = _two_documents(tmp_path, {"bindings": {"kafka": {"partitions": 3}}}, {"bindings": {"kafka": {"partitions": 3}}})
    result = _run("import", "asyncapi", *files, cwd=tmp_path)
    assert result.returncode == 0 and "X804" not in result.stderr and "MISMATCH" not in result.stdout, result.stderr
    only_one = _two_documents(tmp_path, {"bindings": {"kafka": {"partitions": 3}}}, {})
    assert _run("import", "asyncapi", *only_one, cwd=tmp_path).returncode == 0


def test_the_report_never_goes_over_an_input_or_the_model(tmp_path):
    files = _two_documents(tmp_path, {"bindings": {"kafka": {"partitions": 3}}}, {"bindings": {"kafka": {"partitions": 6}}})
    before = (tmp_path / "a.yaml").read_text(encoding="utf-8")
    over_input = _run("import", "asyncapi", *files, "-o", "m.msgarch", "--report", "a.yaml", cwd=tmp_path)
    assert over_input.returncode == 2 and (tmp_path / "a.yaml").read_text(encoding="utf-8") == before
    same = _run("import", "asyncapi", *files, "-o", "m.msgarch", "--report", "m.msgarch", cwd=tmp_path)
    assert same.returncode == 2 and "same file" in same.stderr


def test_x_msgarch_figures_are_read_and_checked(tmp_path):
    doc = {"asyncapi": "3.0.0", "info": {"title": "shop", "version": "1",
                                         "x-msgarch": {"settings": {"instances": 3, "capacity": "100/s"}}},
           "servers": {"log": {"host": "k:9092", "protocol": "kafka"}},
           "channels": {"orders": {"address": "orders", "messages": {"Order": {"x-msgarch": {"settings": {"size": "1KB"}}}}}},
           "operations": {"send": {"action": "send", "channel": {"$ref": "#/channels/orders"},
                                   "x-msgarch": {"settings": {"rate": "50/s", "acks": "all"}}}}}
    path = tmp_path / "shop.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    text = import_documents([str(path)], root=str(tmp_path)).text
    assert "rate 50/s" in text and "acks all" in text and "capacity 100/s" in text and "size 1KB" in text
    doc["operations"]["send"]["x-msgarch"]["settings"]["rate"] = "50/s } component evil {"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        import_documents([str(path)], root=str(tmp_path))
    assert "not a msgarch value" in caught.value.diagnostics[0].message
    doc["operations"]["send"]["x-msgarch"]["settings"]["rate"] = "fast"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        import_documents([str(path)], root=str(tmp_path))
    assert "does not build" in caught.value.diagnostics[0].message


# -- unusable input: exit 2 with file:line:col, never a traceback; nothing read outside the tree
def test_bad_input_exits_2_with_a_location(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("asyncapi: 3.0.0\ninfo: [unclosed\n", encoding="utf-8")
    result = _run("import", "asyncapi", str(bad), cwd=tmp_path)
    assert result.returncode == 2 and "bad.yaml:" in result.stderr and "Traceback" not in result.stderr
    notasync = tmp_path / "other.yaml"
    notasync.write_text("openapi: 3.0.0\n", encoding="utf-8")
    result = _run("import", "asyncapi", str(notasync), cwd=tmp_path)
    assert result.returncode == 2 and "not an AsyncAPI document" in result.stderr


def test_refs_stay_inside_the_tree_and_urls_are_never_fetched(tmp_path):
    secret = tmp_path / "secret.yaml"
    secret.write_text("Msg: {payload: {type: string}}\n", encoding="utf-8")
    tree = tmp_path / "tree"
    tree.mkdir()
    doc = tree / "app.yaml"
    doc.write_text(
        "asyncapi: 3.0.0\ninfo: {title: app, version: '1'}\n"
        "channels:\n  c:\n    address: c\n    messages:\n      m: {$ref: '../secret.yaml#/Msg'}\n"
        "operations:\n  o: {action: receive, channel: {$ref: '#/channels/c'}}\n", encoding="utf-8")
    result = _run("import", "asyncapi", "app.yaml", cwd=tree)
    assert result.returncode == 2 and "outside the tree" in result.stderr
    assert "app.yaml:7:" in result.stderr
    doc.write_text(
        "asyncapi: 3.0.0\ninfo: {title: app, version: '1'}\n"
        "channels:\n  c:\n    address: c\n    messages:\n      m: {$ref: 'http://127.0.0.1:9/x.yaml#/Msg'}\n"
        "operations:\n  o: {action: receive, channel: {$ref: '#/channels/c'}}\n", encoding="utf-8")
    result = _run("import", "asyncapi", "app.yaml", cwd=tree)
    assert result.returncode == 0, result.stderr
    assert "is a URL and was not fetched" in result.stderr
    circular = tree / "loop.yaml"
    circular.write_text("asyncapi: 3.0.0\ninfo: {title: a, version: '1'}\nchannels:\n  c: {$ref: '#/channels/c'}\n",
                        encoding="utf-8")
    result = _run("import", "asyncapi", "loop.yaml", cwd=tree)
    assert result.returncode == 2 and "circular" in result.stderr


def test_output_never_overwrites_an_input(tmp_path):
    target = tmp_path / "simple.yml"
    target.write_bytes((EXAMPLES / "simple-asyncapi.yml").read_bytes())
    result = _run("import", "asyncapi", str(target), "-o", str(target), cwd=tmp_path)
    assert result.returncode == 2 and "refusing to write" in result.stderr
    assert target.read_bytes() == (EXAMPLES / "simple-asyncapi.yml").read_bytes()


def test_asyncapi_2_documents_import(tmp_path):
    doc = {"asyncapi": "2.6.0", "info": {"title": "Account Service", "version": "1"},
           "servers": {"prod": {"url": "mqtt://broker:1883", "protocol": "mqtt"}},
           "channels": {"user/signedup": {"subscribe": {"operationId": "emit", "message": {"$ref": "#/components/messages/UserSignedUp"}}},
                        "user/{id}/deleted": {"publish": {"message": {"oneOf": [{"$ref": "#/components/messages/UserDeleted"}]}}}},
           "components": {"messages": {"UserSignedUp": {"payload": {"type": "object"}}, "UserDeleted": {"payload": {"type": "object"}}}}}
    path = tmp_path / "v2.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    text = import_documents([str(path)], root=str(tmp_path)).text
    assert "broker prod : mqtt" in text
    assert "publishes UserSignedUp to user_signedup" in text   # 2.x subscribe: the application sends
    assert "consumes UserDeleted from user_id_deleted" in text  # 2.x publish: it receives
    assert 'address "user/+/deleted"' in text


# -- export -------------------------------------------------------------------------------
def _export(model_path: str, single: bool):
    model = api.load_one(model_path)
    documents, _ = export_documents(model, single=single)
    return documents


@pytest.mark.parametrize("model_path", MODELS, ids=lambda p: Path(p).name)
def test_every_export_validates_against_the_official_schema(model_path, validator):
    for single in (False, True):
        for _, document in _export(model_path, single):
            plain = json.loads(json.dumps(document))
            errors = sorted(validator.iter_errors(plain), key=lambda e: list(e.path))
            assert not errors, [(list(e.path), e.message) for e in errors[:3]]


def test_the_schema_check_can_fail(validator):
    document = _export(MODELS[0], True)[0][1]
    broken = json.loads(json.dumps(document))
    next(iter(broken["operations"].values()))["action"] = "publish"
    assert list(validator.iter_errors(broken))


def test_imported_official_examples_export_valid_documents(tmp_path, validator):
    for sources in [[p] for p in SINGLE] + [SOCIAL]:
        text = import_documents([str(p) for p in sources], root=str(EXAMPLES)).text
        path = tmp_path / "m.msgarch"
        path.write_text(text, encoding="utf-8")
        for _, document in export_documents(api.load_one(str(path)), single=False)[0]:
            assert not list(validator.iter_errors(json.loads(json.dumps(document)))), sources


def _write_docs(folder: Path, documents) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, document in documents:
        path = folder / f"{name}.asyncapi.yaml"
        path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
        paths.append(str(path))
    return paths


@pytest.mark.parametrize("single", [False, True], ids=["per-component", "single"])
@pytest.mark.parametrize("model_path", MODELS, ids=lambda p: Path(p).name)
def test_export_import_export_is_a_fixed_point(model_path, single, tmp_path):
    first = _export(model_path, single)
    if not first:
        pytest.skip("no component: nothing to export per component")
    paths = _write_docs(tmp_path / "one", first)
    model_text = import_documents(paths, root=str(tmp_path)).text
    model_file = tmp_path / "m.msgarch"
    model_file.write_text(model_text, encoding="utf-8")
    second = _export(str(model_file), single)
    assert second == first
    # and import -> export -> import: the same model (comments name other documents)
    again_paths = _write_docs(tmp_path / "two", second)
    again = import_documents(again_paths, root=str(tmp_path)).text
    assert _strip_comments(again) == _strip_comments(model_text)


@pytest.mark.parametrize("model_path", [m for m in MODELS if "/real/" in m], ids=lambda p: Path(p).name)
def test_single_export_keeps_the_findings(model_path, tmp_path):
    """Channel models: the imported export gives the same findings, code for code."""
    paths = _write_docs(tmp_path / "docs", _export(model_path, True))
    text = import_documents(paths, root=str(tmp_path)).text
    before = sorted(d.code for d in api.lint([model_path], Config()).diagnostics)
    after = sorted(d.code for d in _lint(text, tmp_path).diagnostics)
    assert after == before


@pytest.mark.parametrize("document", SINGLE + SOCIAL[:1], ids=lambda p: p.name)
def test_import_export_import_is_a_fixed_point_on_official_examples(document, tmp_path):
    sources = SOCIAL if "social-media" in str(document) else [document]
    first = import_documents([str(p) for p in sources], root=str(EXAMPLES)).text
    model_file = tmp_path / "m.msgarch"
    model_file.write_text(first, encoding="utf-8")
    paths = _write_docs(tmp_path / "docs", _export(str(model_file), False))
    second = import_documents(paths, root=str(tmp_path)).text
    assert _strip_comments(second) == _strip_comments(first)


def test_export_command_writes_one_document_per_component(tmp_path, validator):
    model = ROOT / "examples" / "real" / "sentry" / "sentry.msgarch"
    result = _run("export", "asyncapi", str(model), "-o", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    files = sorted((tmp_path / "out").glob("*.asyncapi.yaml"))
    assert len(files) == len(api.load_one(str(model)).components)
    for path in files:
        assert not list(validator.iter_errors(yaml.safe_load(path.read_text(encoding="utf-8"))))
    single = _run("export", "asyncapi", str(model), "--single", "--format", "json", "-o", "-")
    assert single.returncode == 0 and json.loads(single.stdout)["asyncapi"] == "3.0.0"
    again = _run("export", "asyncapi", str(model), "--single", "--format", "json", "-o", "-")
    assert again.stdout == single.stdout
