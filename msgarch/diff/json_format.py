"""The stable JSON format of `msgarch diff --format json` (fields are added, never renamed).

    {"msgarch": "<version>", "verdict": "breaking|risky|safe|unchanged",
     "diffs": [{
       "old": "HEAD~1:arch.msgarch", "new": "arch.msgarch",
       "verdict": "breaking|risky|safe|unchanged",
       "summary": {"breaking": 1, "risky": 0, "safe": 2, "added": 1, "removed": 0, "changed": 2,
                   "affected": 0, "findings_introduced": 1, "findings_resolved": 0, "errors_introduced": 1},
       "changes": [{"category": "system|broker|component|message|kind|channel|route|endpoint|flow",
                    "name": "...", "previous_name": null, "change": "added|removed|changed|affected",
                    "level": "breaking|risky|safe",
                    "reasons": [{"level": "...", "text": "..."}],
                    "properties": [{"name": "durable", "before": true, "after": false, "unit": "",
                                    "before_text": "yes", "after_text": "no", "level": "breaking",
                                    "reasons": [{"level": "breaking", "text": "..."}]}],
                    "old_location": {"path": "...", "line": 3, "column": 1} | null,
                    "new_location": {...} | null,
                    "flows": [{"name": "p->c:Message@channel", "change": "changed",
                               "properties": ["consumers", "rate"]}]}],
       "findings": {"introduced": [<lint finding>], "resolved": [<lint finding>]},
       "capacity": [{"category": "component|broker", "name": "...", "headroom_before": 0.7,
                     "headroom_after": 0.7, "before": {...} | null, "after": {...} | null}],
       "notes": ["..."]}]}

Values are in SI units (``unit``: msg/s, bytes, s, fraction, years, set, or "" for words,
flags and counts); ``before_text``/``after_text`` are the same values as the language writes
them. A lint finding has the shape of `msgarch lint --format json`. Component figures:
utilisation (per instance at peak, null when the capacity is unknown), peak, rate (msg/s),
capacity (msg/s, all instances), instances, model. Broker figures: utilisation,
peak_messages, capacity (msg/s), bytes_per_s, model. Changes are sorted by category
(in the order above) then name.

Language v2 declarations: a channel is named as declared, a route ``source->target`` (the
routes between two channels together), an endpoint by what it does (``billing-svc consumes
OrderPaid from billing``; ``previous_name`` when it moved to another channel). Only their
changes carry ``flows``: the derived flows (``producer->consumers:Message@channel``) the
change adds, removes or changes, which are not listed again as flow changes.
"""

from __future__ import annotations

import dataclasses
import json

from msgarch import __version__
from msgarch.diff.changes import ModelDiff, verdict
from msgarch.diff.values import show
from msgarch.output.json_format import finding


def _plain(value):
    if isinstance(value, tuple):
        return list(value)
    return value


def _location(span):
    return None if span is None else {"path": span.path, "line": span.line, "column": span.column}


def _reasons(reasons):
    return [{"level": r.level.label, "text": r.text} for r in reasons]


#: Language v2 declarations: their changes also list the derived flows they change.
_DECLARATIONS = ("channel", "route", "endpoint")


def _change(c) -> dict:
    out = {
        "category": c.category, "name": c.name, "previous_name": c.previous_name, "change": c.change,
        "level": c.level.label, "reasons": _reasons(c.reasons),
        "properties": [{"name": p.name, "before": _plain(p.before), "after": _plain(p.after), "unit": p.unit,
                        "before_text": show(p.before, p.unit), "after_text": show(p.after, p.unit),
                        "level": p.level.label, "reasons": _reasons(p.reasons)} for p in c.properties],
        "old_location": _location(c.old_span), "new_location": _location(c.new_span),
    }
    if c.category in _DECLARATIONS:
        out["flows"] = [{"name": name, "change": how, "properties": list(props)} for name, how, props in c.flows]
    return out


def diff_document(diff: ModelDiff) -> dict:
    level = diff.level
    return {
        "old": diff.old_label,
        "new": diff.new_label,
        "verdict": "unchanged" if level is None else level.label,
        "summary": {**diff.counts(), "findings_introduced": len(diff.findings_introduced),
                    "findings_resolved": len(diff.findings_resolved),
                    "errors_introduced": diff.errors_introduced},
        "changes": [_change(c) for c in diff.changes],
        "findings": {"introduced": [finding(d) for d in diff.findings_introduced],
                     "resolved": [finding(d) for d in diff.findings_resolved]},
        "capacity": [{
            "category": d.category, "name": d.name,
            "headroom_before": d.headroom_before, "headroom_after": d.headroom_after,
            "before": None if d.before is None else dataclasses.asdict(d.before),
            "after": None if d.after is None else dataclasses.asdict(d.after),
        } for d in diff.capacity],
        "notes": list(diff.notes),
    }


def render(diffs: list[ModelDiff], colour: bool = False) -> str:
    document = {"msgarch": __version__, "verdict": verdict(diffs), "diffs": [diff_document(d) for d in diffs]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
