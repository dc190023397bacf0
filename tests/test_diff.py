"""`msgarch diff`: classification of changes, consequences, git sources, formats, exit codes."""

from __future__ import annotations

import json
import subprocess
import textwrap

import pytest

from msgarch.cli.diff_cmd import compare
from msgarch.diff.changes import Level
from msgarch.diff.sources import Loaded
from msgarch.lint.config import Config
from msgarch.model.loader import load_model

BASE = """\
system "Shop" { headroom 70% }
broker events : kafka { nodes 3 }
broker bus : rabbitmq { nodes 3 }
component orders { instances 4  capacity 500/s }
component billing { instances 2  capacity 200/s  idempotent }
component shipping { instances 2  capacity 400/s  idempotent }
component audit { instances 1  capacity 1000/s  idempotent }
message OrderPlaced { size 1KB  max-size 64KB }
message Charge { size 500B }
flow orders -> billing, shipping, audit : OrderPlaced {
  via events
  pattern pubsub
  rate 40/s
  durable
  delivery at-least-once
}
flow orders -> billing : Charge {
  via bus
  pattern queue
  rate 10/s
  priority 3
}
"""


def diff_texts(old: str, new: str):
    return compare(Loaded(load_model("old.msgarch", text=textwrap.dedent(old)), "old.msgarch"),
                   Loaded(load_model("new.msgarch", text=textwrap.dedent(new)), "new.msgarch"), Config())


def change(result, category: str, name: str):
    found = [c for c in result.changes if c.category == category and c.name == name]
    assert found, [(c.category, c.name) for c in result.changes]
    return found[0]


def prop(element, name: str):
    return next(p for p in element.properties if p.name == name)


def test_the_same_model_is_unchanged():
    result = diff_texts(BASE, BASE)
    assert result.changes == () and result.level is None


def test_units_are_normalised():
    result = diff_texts(BASE, BASE.replace("size 1KB", "size 1000B").replace("rate 40/s", "rate 2400/min"))
    assert result.changes == ()


def test_durability_and_delivery_weakened_are_breaking():
    result = diff_texts(BASE, BASE.replace("  durable\n", "").replace("at-least-once", "at-most-once"))
    flow = change(result, "flow", "orders->audit,billing,shipping:OrderPlaced")
    assert prop(flow, "durable").level == Level.BREAKING
    assert prop(flow, "durable").before is True and prop(flow, "durable").after is False
    assert prop(flow, "delivery").level == Level.BREAKING
    assert "weakened" in prop(flow, "delivery").reasons[0].text
    assert result.level == Level.BREAKING


def test_strengthening_is_safe():
    result = diff_texts(BASE.replace("  durable\n", ""), BASE)
    assert change(result, "flow", "orders->audit,billing,shipping:OrderPlaced").level == Level.SAFE


def test_a_consumer_removed_from_a_pubsub_flow_is_breaking():
    result = diff_texts(BASE, BASE.replace("billing, shipping, audit", "billing, shipping"))
    flow = change(result, "flow", "orders->billing,shipping:OrderPlaced")
    assert flow.previous_name == "orders->audit,billing,shipping:OrderPlaced"
    consumers = prop(flow, "consumers")
    assert consumers.before == ("audit", "billing", "shipping") and consumers.after == ("billing", "shipping")
    assert consumers.level == Level.BREAKING and "audit" in consumers.reasons[0].text


def test_a_consumer_added_is_safe():
    result = diff_texts(BASE.replace("billing, shipping, audit", "billing, shipping"), BASE)
    assert change(result, "flow", "orders->audit,billing,shipping:OrderPlaced").level == Level.SAFE


def test_broker_kind_changed_to_one_lacking_a_needed_capability_is_breaking():
    result = diff_texts(BASE, BASE.replace("broker bus : rabbitmq", "broker bus : kafka"))
    broker = change(result, "broker", "bus")
    assert broker.level == Level.BREAKING
    text = " ".join(r.text for r in broker.reasons)
    assert "3 priority levels" in text and "kafka profile, priority" in text  # cites the profile fact


def test_broker_kind_changed_keeping_every_capability_is_only_risky():
    result = diff_texts(BASE, BASE.replace("broker bus : rabbitmq", "broker bus : ibm-mq"))
    assert change(result, "broker", "bus").level == Level.RISKY


def test_max_message_size_grown_past_the_broker_limit_is_breaking():
    result = diff_texts(BASE, BASE.replace("max-size 64KB", "max-size 4MB"))
    message = change(result, "message", "OrderPlaced")
    assert message.level == Level.BREAKING
    assert any("kafka profile, max-message" in r.text for r in message.reasons)


def test_max_message_size_grown_within_the_limit_is_safe():
    result = diff_texts(BASE, BASE.replace("max-size 64KB", "max-size 512KB"))
    assert change(result, "message", "OrderPlaced").level == Level.SAFE


def test_rate_up_past_the_headroom_is_risky_and_shows_the_capacity_delta():
    result = diff_texts(BASE, BASE.replace("rate 40/s", "rate 300/s"))
    flow = change(result, "flow", "orders->audit,billing,shipping:OrderPlaced")
    assert flow.level == Level.RISKY
    assert any("past the 70% headroom" in r.text for r in flow.reasons)
    billing = next(d for d in result.capacity if d.name == "billing")
    assert billing.before.utilisation < 0.7 < billing.after.utilisation
    assert "M/M/2" in billing.after.model  # the figure names its model


def test_rate_up_within_the_headroom_is_safe():
    result = diff_texts(BASE, BASE.replace("rate 40/s", "rate 50/s"))
    assert result.level == Level.SAFE


def test_rate_up_more_than_headroom_allows_with_unknown_capacity_is_risky():
    source = BASE.replace("component audit { instances 1  capacity 1000/s  idempotent }",
                          "component audit { instances 1  idempotent }")
    result = diff_texts(source, source.replace("rate 40/s", "rate 60/s"))
    flow = change(result, "flow", "orders->audit,billing,shipping:OrderPlaced")
    assert flow.level == Level.RISKY
    assert "capacity unknown for audit" in " ".join(r.text for r in prop(flow, "rate").reasons)


def test_instances_down_is_risky():
    result = diff_texts(BASE, BASE.replace("component shipping { instances 2", "component shipping { instances 1"))
    assert change(result, "component", "shipping").level == Level.RISKY


def test_pubsub_to_queue_is_breaking():
    result = diff_texts(BASE, BASE.replace("pattern pubsub", "pattern queue"))
    assert prop(change(result, "flow", "orders->audit,billing,shipping:OrderPlaced"), "pattern").level \
        == Level.BREAKING


def test_added_and_removed_elements():
    extra = BASE + "component reports\nflow orders -> reports : Charge { via bus  rate 1/s }\n"
    result = diff_texts(BASE, extra)
    assert change(result, "component", "reports").change == "added"
    assert change(result, "flow", "orders->reports:Charge").change == "added"
    backwards = diff_texts(extra, BASE)
    assert change(backwards, "flow", "orders->reports:Charge").change == "removed"
    assert change(backwards, "flow", "orders->reports:Charge").level == Level.RISKY


def test_findings_are_matched_by_element_not_by_line():
    moved = "# a comment\n\n" + BASE.replace("component audit { instances 1  capacity 1000/s  idempotent }",
                                             "component audit")
    result = diff_texts(BASE.replace("component audit { instances 1  capacity 1000/s  idempotent }",
                                     "component audit"), moved)
    assert result.findings_introduced == () and result.findings_resolved == ()


def test_findings_introduced_and_resolved():
    broken = BASE.replace("orders -> billing : Charge", "orders -> biling : Charge")
    result = diff_texts(BASE, broken)
    assert any(d.code == "S001" and "biling" in d.message for d in result.findings_introduced)
    assert result.errors_introduced >= 1
    back = diff_texts(broken, BASE)
    assert any(d.code == "S001" for d in back.findings_resolved)


# -- the command line --------------------------------------------------------------------

def test_cli_exit_codes_and_fail_on(write, run):
    old = write("old.msgarch", BASE)
    risky = write("risky.msgarch", BASE.replace("component shipping { instances 2", "component shipping { instances 1"))
    breaking = write("breaking.msgarch", BASE.replace("  durable\n", ""))
    assert run("diff", old, old).exit_code == 0
    assert run("diff", old, risky).exit_code == 0  # default: breaking
    assert run("diff", old, risky, "--fail-on", "risky").exit_code == 1
    assert run("diff", old, breaking).exit_code == 1
    assert run("diff", old, breaking, "--fail-on", "never").exit_code == 0
    errors = write("errors.msgarch", BASE.replace("orders -> billing : Charge", "orders -> biling : Charge"))
    assert run("diff", old, errors, "--fail-on", "new-errors").exit_code == 1
    assert run("diff", old, risky, "--fail-on", "new-errors").exit_code == 0


def test_cli_unusable_input_exits_2(write, run):
    old = write("old.msgarch", BASE)
    bad = write("bad.msgarch", "component x { instances }\n")
    result = run("diff", old, bad)
    assert result.exit_code == 2
    assert run("diff", old).exit_code == 2  # usage
    assert run("diff", old, old.parent / "missing.msgarch").exit_code == 2


def test_cli_json_shape(write, run):
    old = write("old.msgarch", BASE)
    new = write("new.msgarch", BASE.replace("  durable\n", ""))
    document = json.loads(run("diff", old, new, "--format", "json").output)
    assert document["verdict"] == "breaking"
    (one,) = document["diffs"]
    assert set(one) >= {"old", "new", "verdict", "summary", "changes", "findings", "capacity", "notes"}
    (flow,) = [c for c in one["changes"] if c["category"] == "flow"]
    durable = next(p for p in flow["properties"] if p["name"] == "durable")
    assert durable == {"name": "durable", "before": True, "after": False, "unit": "", "before_text": "yes",
                       "after_text": "no", "level": "breaking", "reasons": durable["reasons"]}
    assert one["summary"]["breaking"] == 1


def test_cli_text_and_markdown(write, run):
    old = write("old.msgarch", BASE)
    new = write("new.msgarch", BASE.replace("  durable\n", ""))
    text = run("diff", old, new).output
    assert "durable: yes -> no" in text and "[breaking]" in text
    markdown = run("diff", old, new, "--format", "markdown").output
    assert markdown.splitlines()[0].startswith(":x: **msgarch diff: breaking**")
    assert "| element | change | level | why |" in markdown and markdown.endswith("<!-- msgarch-diff -->\n")


def test_cli_render_marks_the_changes(write, run, tmp_path):
    old = write("old.msgarch", BASE)
    new = write("new.msgarch", BASE.replace("billing, shipping, audit", "billing, shipping")
                .replace("component shipping { instances 2", "component shipping { instances 3"))
    out = tmp_path / "diff.mmd"
    assert run("diff", old, new, "--render", out).exit_code == 1
    text = out.read_text(encoding="utf-8")
    assert "class c_shipping changed" in text or "c_shipping" in [
        n for line in text.splitlines() if line.strip().startswith("class ") and line.endswith(" changed")
        for n in line.split()[1].split(",")]
    assert "stroke-dasharray:6 4" in text  # the removed delivery to audit, kept and dashed
    assert run("diff", old, new, "--render", tmp_path / "diff.txt").exit_code == 2


# -- git ---------------------------------------------------------------------------------

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false"]


@pytest.fixture
def repo(tmp_path, monkeypatch):
    def git(*args):
        subprocess.run([*GIT, *args], cwd=tmp_path, check=True, capture_output=True)

    (tmp_path / "arch").mkdir()
    (tmp_path / "arch" / "shop.msgarch").write_text('use "flows.msgarch"\n' + BASE.split("flow ")[0], encoding="utf-8")
    (tmp_path / "arch" / "flows.msgarch").write_text("flow " + "flow ".join(BASE.split("flow ")[1:]), encoding="utf-8")
    git("init", "-q")
    git("add", "-A")
    git("commit", "-q", "-m", "one")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_rev_path_reads_includes_at_the_revision(repo, run):
    flows = repo / "arch" / "flows.msgarch"
    flows.write_text(flows.read_text(encoding="utf-8").replace("  durable\n", ""), encoding="utf-8")
    result = run("diff", "HEAD:arch/shop.msgarch", "arch/shop.msgarch")
    assert result.exit_code == 1, result.output
    assert "durable: yes -> no" in result.output
    assert "HEAD:arch/shop.msgarch -> arch/shop.msgarch" in result.output
    assert run("diff", "HEAD:arch/shop.msgarch", "HEAD:arch/shop.msgarch").exit_code == 0


def test_base_diffs_every_changed_root(repo, run):
    flows = repo / "arch" / "flows.msgarch"
    flows.write_text(flows.read_text(encoding="utf-8").replace("  durable\n", ""), encoding="utf-8")
    (repo / "new.msgarch").write_text("component lonely\n", encoding="utf-8")
    result = run("diff", "--base", "HEAD", "--format", "json")
    document = json.loads(result.output)
    assert [(d["old"], d["new"]) for d in document["diffs"]] == [
        ("HEAD:arch/shop.msgarch", "arch/shop.msgarch"), ("HEAD:new.msgarch (absent)", "new.msgarch")]
    assert result.exit_code == 1


def test_base_with_nothing_changed(repo, run):
    result = run("diff", "--base", "HEAD")
    assert result.exit_code == 0 and "No architecture changed" in result.output


def test_unknown_revision_is_unusable_input(repo, run):
    result = run("diff", "no-such-rev:arch/shop.msgarch", "arch/shop.msgarch")
    assert result.exit_code == 2
    assert run("diff", "HEAD:arch/missing.msgarch", "arch/shop.msgarch").exit_code == 2
    assert run("diff", "--base", "no-such-rev").exit_code == 2


# -- who receives a message: consumers and patterns (H4) ---------------------------------

QUEUE = """\
broker jobs : rabbitmq-quorum { nodes 3 }
component api
component billing { instances 2  capacity 100/s  idempotent }
component audit { instances 2  capacity 100/s  idempotent }
message Charge
flow api -> billing : Charge { via jobs  pattern queue  rate 10/s  durable }
"""
QUEUE_TWO = QUEUE.replace("flow api -> billing :", "flow api -> billing, audit :")


def test_a_consumer_added_to_a_queue_flow_is_breaking(write, run):
    result = diff_texts(QUEUE, QUEUE_TWO)
    flow = change(result, "flow", "api->audit,billing:Charge")
    consumers = prop(flow, "consumers")
    assert consumers.level == Level.BREAKING and result.level == Level.BREAKING
    (reason,) = consumers.reasons
    assert "billing loses the messages audit takes" in reason.text and "pattern queue" in reason.text
    assert run("diff", write("old.msgarch", QUEUE), write("new.msgarch", QUEUE_TWO)).exit_code == 1


def test_a_consumer_removed_from_a_queue_flow_is_risky():
    result = diff_texts(QUEUE_TWO, QUEUE)
    consumers = prop(change(result, "flow", "api->billing:Charge"), "consumers")
    assert consumers.level == Level.RISKY and result.level == Level.RISKY
    assert "billing" in consumers.reasons[0].text and "more load" in consumers.reasons[0].text


def test_a_replier_added_to_a_request_reply_flow_is_breaking():
    rr = QUEUE.replace("pattern queue", "pattern request-reply  timeout 1s")
    result = diff_texts(rr, rr.replace("flow api -> billing :", "flow api -> billing, audit :"))
    assert prop(change(result, "flow", "api->audit,billing:Charge"), "consumers").level == Level.BREAKING


def test_a_consumer_added_to_a_pubsub_flow_is_safe():
    result = diff_texts(QUEUE.replace("pattern queue", "pattern pubsub"),
                        QUEUE_TWO.replace("pattern queue", "pattern pubsub"))
    assert result.level == Level.SAFE


def test_a_consumer_added_with_the_pattern_inferred_is_a_pattern_change_not_a_loss():
    # one consumer: inferred queue; two: inferred pubsub, so billing still gets every message
    result = diff_texts(QUEUE.replace("pattern queue  ", ""), QUEUE_TWO.replace("pattern queue  ", ""))
    flow = change(result, "flow", "api->audit,billing:Charge")
    assert prop(flow, "consumers").level == Level.SAFE
    assert prop(flow, "pattern").level == Level.RISKY and flow.level == Level.RISKY


def test_pubsub_to_queue_is_breaking_with_several_consumers_and_risky_with_one():
    several = diff_texts(QUEUE_TWO.replace("pattern queue", "pattern pubsub"), QUEUE_TWO)
    pattern = prop(change(several, "flow", "api->audit,billing:Charge"), "pattern")
    assert pattern.level == Level.BREAKING and "audit, billing" in pattern.reasons[0].text
    one = diff_texts(QUEUE.replace("pattern queue", "pattern pubsub"), QUEUE)
    assert prop(change(one, "flow", "api->billing:Charge"), "pattern").level == Level.RISKY


def test_queue_to_pubsub_is_risky_load_up():
    result = diff_texts(QUEUE_TWO, QUEUE_TWO.replace("pattern queue", "pattern pubsub"))
    pattern = prop(change(result, "flow", "api->audit,billing:Charge"), "pattern")
    assert pattern.level == Level.RISKY and "every message" in pattern.reasons[0].text
    assert "load up" in pattern.reasons[0].text
    assert result.level == Level.RISKY


# -- findings matched by what they are about, not by their text (H5) -----------------------

LARGE = """\
broker events : kafka
component a
component b
message M { size 2MiB }
flow a -> b : M { via events  pattern queue }
"""


def codes(findings) -> list[str]:
    return sorted(d.code for d in findings)


def test_an_unchanged_error_stays_unchanged_when_another_property_changes_its_text(write, run):
    new = LARGE.replace("pattern queue }", "pattern queue  priority 3 }")
    result = diff_texts(LARGE, new)
    assert codes(result.findings_introduced) == ["B203"] and result.errors_introduced == 1
    assert result.findings_resolved == ()
    old_path, new_path = write("old.msgarch", LARGE), write("new.msgarch", new)
    text = run("diff", old_path, new_path, "--fail-on", "never").output
    assert "B208" not in text and "B203" in text
    assert run("diff", old_path, new_path, "--fail-on", "new-errors").exit_code == 1  # B203 is new
    # a change that adds no error: the B208 text changes (other brokers fit a pub/sub flow) but it is not new
    pubsub = LARGE.replace("pattern queue", "pattern pubsub")
    assert diff_texts(LARGE, pubsub).findings_introduced == () == diff_texts(LARGE, pubsub).findings_resolved
    assert run("diff", old_path, write("pubsub.msgarch", pubsub), "--fail-on", "new-errors").exit_code == 0


def test_a_finding_follows_its_flow_when_the_consumer_set_changes():
    old = LARGE.replace("component b\n", "component b\ncomponent c\n").replace(
        "flow a -> b : M", "flow a -> b, c : M").replace("pattern queue", "pattern pubsub")
    new = old.replace("flow a -> b, c : M", "flow a -> b : M")
    result = diff_texts(old, new)
    assert "B208" not in codes(result.findings_introduced) + codes(result.findings_resolved)
    assert codes(result.findings_introduced) == ["S003"]  # c has no flow left


def test_the_same_code_on_another_element_is_a_new_finding():
    two = LARGE.replace("message M { size 2MiB }", "message M { size 2MiB }\nmessage N { size 1KB }") + \
        "flow a -> b : N { via events  pattern queue }\n"
    swapped = two.replace("size 2MiB", "size X").replace("size 1KB", "size 2MiB").replace("size X", "size 1KB")
    result = diff_texts(two, swapped)
    (introduced,) = result.findings_introduced
    (resolved,) = result.findings_resolved
    assert introduced.code == resolved.code == "B208"
    assert "a->b:N" in introduced.message and "a->b:M" in resolved.message


def test_findings_at_a_kind_shared_by_flows_stay_with_their_flow():
    old = """\
    broker events : kafka
    component a
    component b
    component c
    message M
    kind expiring { pattern queue  ttl 10min }
    flow a -[expiring]-> b : M { via events }
    flow a -[expiring]-> c : M { via events }
    """
    new = old.replace("flow a -[expiring]-> b : M { via events }",
                      "flow a -[expiring]-> b : M { via events  priority 3 }")
    result = diff_texts(old, new)
    assert codes(result.findings_introduced) == ["B203"]  # the two B204 (at the kind's ttl) are unchanged
    assert result.findings_resolved == ()
