"""`msgarch lint --format sarif`: valid SARIF 2.1.0 (the official OASIS schema), every rule
described from the registry, repository-relative URIs, fingerprints that survive moves."""

from __future__ import annotations

import inspect
import json

import jsonschema
import pytest

from msgarch.lint.registry import RULES
from tests.conftest import ROOT

SCHEMA_PATH = ROOT.parent / "shared" / "data" / "sarif-schema-2.1.0.json"

ARCH = """\
broker bus : rabbitmq
component web { instances 2 capacity 100/s }
component orders { instances 2 capacity 100/s idempotent }
message PlaceOrder { size 1KB }
flow web -> order : PlaceOrder { via bus  rate 10/s }
flow web -> orders : Missing { via bus }
"""


@pytest.fixture(scope="module")
def validator():
    if not SCHEMA_PATH.exists():
        pytest.skip(f"{SCHEMA_PATH} is not there (tests read it from ../shared/data)")
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema)


def sarif(run, *paths):
    result = run("lint", "--format", "sarif", *paths)
    return result.exit_code, json.loads(result.output)


def test_valid_against_the_official_schema(write, run, validator, monkeypatch, tmp_path):
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    write("arch/shop.msgarch", ARCH)
    code, document = sarif(run, "arch/shop.msgarch")
    assert code == 1
    errors = sorted(validator.iter_errors(document), key=str)
    assert not errors, errors[0]
    assert document["version"] == "2.1.0"
    assert document["runs"][0]["results"]


def test_clean_and_unusable_input_are_valid_too(write, run, validator, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    write("ok.msgarch", "component a\n")
    code, document = sarif(run, "ok.msgarch")
    assert not list(validator.iter_errors(document))
    write("bad.msgarch", "component a {\n")
    code, document = sarif(run, "bad.msgarch")
    assert code == 2 and not list(validator.iter_errors(document))
    (result,) = document["runs"][0]["results"]
    assert result["ruleId"] == "E001" and document["runs"][0]["invocations"][0]["executionSuccessful"] is False


def test_every_rule_is_described_from_its_docstring(write, run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write("ok.msgarch", "component a\n")
    _, document = sarif(run, "ok.msgarch")
    rules = {r["id"]: r for r in document["runs"][0]["tool"]["driver"]["rules"]}
    for rule in RULES:
        described = rules[rule.code]
        assert described["name"] == rule.name
        assert described["shortDescription"]["text"] == rule.summary
        assert described["fullDescription"]["text"] and "Fails:" not in described["fullDescription"]["text"]
        assert described["help"]["text"] == inspect.cleandoc(rule.__doc__)
        assert "```msgarch" in described["help"]["markdown"]
    assert {"E001", "E002", "E003", "E004"} <= set(rules)


def test_uris_are_repository_relative(write, run, tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    write("arch/shop.msgarch", ARCH)
    monkeypatch.chdir(tmp_path / "arch")  # run from below the root: URIs stay root-relative
    _, document = sarif(run, "shop.msgarch")
    run_ = document["runs"][0]
    assert "%SRCROOT%" in run_["originalUriBaseIds"]
    for result in run_["results"]:
        artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert artifact == {"uri": "arch/shop.msgarch", "uriBaseId": "%SRCROOT%"}
        assert run_["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


def test_fingerprints_are_stable_when_lines_move(write, run, tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    write("shop.msgarch", ARCH)
    _, before = sarif(run, "shop.msgarch")
    write("shop.msgarch", "# a new comment\n\n" + ARCH)
    _, after = sarif(run, "shop.msgarch")

    def prints(document):
        return sorted((r["ruleId"], r["partialFingerprints"]["msgarchFindingHash/v1"])
                      for r in document["runs"][0]["results"])

    assert prints(before) == prints(after)
    assert len({p for _, p in prints(before)}) == len(prints(before))  # unique
    lines = sorted(r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in after["runs"][0]["results"])
    assert lines != sorted(r["locations"][0]["physicalLocation"]["region"]["startLine"]
                           for r in before["runs"][0]["results"])


def test_output_is_deterministic(write, run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write("shop.msgarch", ARCH)
    assert run("lint", "--format", "sarif", "shop.msgarch").output == \
        run("lint", "--format", "sarif", "shop.msgarch").output
