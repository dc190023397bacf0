"""Lint findings introduced and resolved between two models, matched by what they are about.

A finding is about a model element and, often, one property of it: the framework puts it
at the element's declaration or at the property's span (``Finding(anchor, prop=...)``).
That location is turned back into (element, property) through the model's element spans
and ``prop_spans``, and findings are matched on (code, element, property): never on the
line, so moving a declaration changes nothing, and not on the message, whose text depends
on other properties (a B208 "built-in brokers that fit: ..." tail changes when the flow
gains a `ttl`), so a finding that was there before is not reported again as introduced and
resolved. A flow is the same element on both sides when the diff pairs it (same producer,
consumer set and message, or the consumer-set change the diff reports). The message text
decides only for a finding whose location is no element (a duplicate declaration, a
comment) and, last, for model-wide findings anchored at whichever element comes first.
"""

from __future__ import annotations

import re
from collections import Counter

from msgarch.diagnostics import Diagnostic, Span
from msgarch.diff.compare import base_id, match_flows
from msgarch.model.model import Flow, Model

#: (element, property): "flow:a->b:M" or "component:billing", and "" for the declaration itself.
Subject = tuple[str, str]


def flow_subjects(old: Model, new: Model) -> tuple[dict[str, str], dict[str, str]]:
    """The element key of every flow of each model, by ``Flow.id``: the same key for a flow
    the diff pairs between OLD and NEW (symmetric: swapping the models swaps the maps)."""
    matched, reshaped, removed, added = match_flows(old, new)
    old_keys: dict[str, str] = {}
    new_keys: dict[str, str] = {}
    for o, n in matched:
        old_keys[o.id] = new_keys[n.id] = f"flow:{base_id(o)}"
    for o, n in reshaped:
        old_keys[o.id] = new_keys[n.id] = "flow:" + " ~ ".join(sorted((base_id(o), base_id(n))))
    for f in removed:
        old_keys[f.id] = f"flow:{base_id(f)}"
    for f in added:
        new_keys[f.id] = f"flow:{base_id(f)}"
    return old_keys, new_keys


def _span_index(model: Model, flow_keys: dict[str, str]) -> dict[Span, list[tuple[Subject, Flow | None]]]:
    """Span -> every (element, property) located there, with the flow when it is one.

    A flow's requirement inherited from its `kind` is located in the kind's block, so that
    span names the kind and each flow of the kind: ``_pick`` chooses between them."""
    index: dict[Span, list[tuple[Subject, Flow | None]]] = {}

    def claim(span: Span | None, subject: Subject, flow: Flow | None = None) -> None:
        if span is not None and (subject, flow) not in index.setdefault(span, []):
            index[span].append((subject, flow))

    def element(key: str, item) -> None:
        claim(item.span, (key, ""))
        for prop in sorted(item.prop_spans):
            claim(item.prop_spans[prop], (key, prop))

    element("system", model.system)
    for category, table in (("broker", model.brokers), ("component", model.components),
                            ("message", model.messages), ("kind", model.kinds)):
        for name in sorted(table):
            element(f"{category}:{name}", table[name])
            if category == "broker":
                claim(table[name].kind_span, (f"broker:{name}", "kind"))
    for name in sorted(model.channels):  # language v2 declarations
        element(f"channel:{name}", model.channels[name])
    for route in model.routes:
        if not route.dead_letter:
            element(f"route:{route.id}", route)
    for endpoint in (*model.publishes, *model.consumes):
        element(f"endpoint:{endpoint.id}", endpoint)
    for flow in model.flows:
        key = flow_keys.get(flow.id, f"flow:{base_id(flow)}")
        claim(flow.span, (key, ""), flow)
        claim(flow.producer_span, (key, "producer"), flow)
        for consumer, span in zip(flow.consumers, flow.consumer_spans):
            claim(span, (key, f"consumer {consumer}"), flow)
        claim(flow.message_span, (key, "message"), flow)
        claim(flow.kind_span, (key, "kind"), flow)
        for prop in sorted(flow.prop_spans):
            claim(flow.prop_spans[prop], (key, prop), flow)
    return index


def _contains(outer: Span, inner: Span) -> bool:
    return (outer.path == inner.path and (outer.line, outer.column) <= (inner.line, inner.column)
            and (inner.end_line, inner.end_column) <= (outer.end_line, outer.end_column))


def _mentions(message: str, flow_id: str) -> bool:
    if flow_id not in message:  # most are not: no pattern to compile (one per flow thrashed re's cache)
        return False
    return re.search(r"(?<![\w>-])" + re.escape(flow_id) + r"(?![\w#-])", message) is not None


def _pick(candidates: list[tuple[Subject, Flow | None]], message: str) -> Subject:
    """One subject of a shared span: the flow the message names, else the owner of the span
    (the kind whose block it is in), else the first in key order."""
    flows = [subject for subject, flow in candidates if flow is not None and _mentions(message, flow.id)]
    if len(set(flows)) == 1:
        return flows[0]
    owners = sorted(subject for subject, flow in candidates if flow is None)
    if owners:
        return owners[0]
    return min(subject for subject, _ in candidates)


def subject_of(index: dict[Span, list[tuple[Subject, Flow | None]]], d: Diagnostic) -> Subject | None:
    """The (element, property) a finding is about, from its span; None when it is no element's."""
    if d.span is None:
        return None
    exact = index.get(d.span)
    if exact:
        return _pick(exact, d.message)
    around = [span for span in index if _contains(span, d.span)]
    if not around:
        return None
    smallest = min(around, key=lambda s: (s.end_line - s.line, s.end_column - s.column if s.end_line == s.line
                                          else 0, s.line, s.column))
    return _pick(index[smallest], d.message)


#: The ``#2`` of a repeated flow's id depends on declaration order, so it is not part of the match.
_REPEAT = re.compile(r"(->[\w,-]+:[A-Za-z_][\w-]*)#\d+")

_WORD = re.compile(r"[^\s(),;]+")

Key = tuple  # (code, subject or None, normalised message)


def finding_keys(model: Model, findings, flow_keys: dict[str, str] | None = None) -> list[tuple[Key, Diagnostic]]:
    """Each finding, in location order, with (code, (element, property) or None, message)."""
    index = _span_index(model, flow_keys or {})
    return [((d.code, subject_of(index, d), _REPEAT.sub(r"\1", d.message)), d)
            for d in sorted(findings, key=Diagnostic.sort_key)]


def _exact(k: Key):
    return k


def _by_subject(k: Key):
    code, subject, message = k
    return (code, subject) if subject is not None else k


def _by_message(k: Key):
    return k[0], k[2]


def _by_words(k: Key):
    return k[0], tuple(sorted(_WORD.findall(k[2])))


def introduced_and_resolved(old_model: Model, old_findings, new_model: Model, new_findings
                            ) -> tuple[tuple[Diagnostic, ...], tuple[Diagnostic, ...]]:
    """(findings in NEW and not in OLD, findings in OLD and not in NEW), each sorted by location.

    Matched in passes, each over what the earlier ones left: (code, subject, message) so
    that among several findings of one code on one element the identical ones pair first;
    (code, subject), what the finding is about whatever its text now says; then, for
    findings about no element and for model-wide ones (C307 "capacity checks skipped...",
    anchored at whichever element comes first and listing names in declaration order,
    both of which reordering the file changes), (code, message), then the code and the
    words of the message in any order.
    """
    old_keys, new_keys = flow_subjects(old_model, new_model)
    old_left = finding_keys(old_model, old_findings, old_keys)
    new_left = finding_keys(new_model, new_findings, new_keys)
    for key in (_exact, _by_subject, _by_message, _by_words):
        old_left, new_left = _unmatched(old_left, new_left, key), _unmatched(new_left, old_left, key)
    return (tuple(sorted((d for _, d in new_left), key=Diagnostic.sort_key)),
            tuple(sorted((d for _, d in old_left), key=Diagnostic.sort_key)))


def _unmatched(keyed, other, key) -> list:
    """The items of ``keyed`` whose key is not (or no longer, counting repeats) in ``other``."""
    left = Counter(key(k) for k, _ in other)
    out = []
    for k, d in keyed:
        if left[key(k)] > 0:
            left[key(k)] -= 1
        else:
            out.append((k, d))
    return out
