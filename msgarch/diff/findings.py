"""Lint findings introduced and resolved between two models, matched by what they are about.

A finding is matched by its code, its message and the element it is about (found from
its location), never by its line, so moving a declaration does not turn an old finding
into a "new" one.
"""

from __future__ import annotations

import re
from collections import Counter

from msgarch.diagnostics import Diagnostic, Span
from msgarch.diff.compare import base_id
from msgarch.model.model import Model


def _element_lines(model: Model) -> dict[tuple[str, int], str]:
    """(path, line) -> the element declared or configured on that line."""
    index: dict[tuple[str, int], str] = {}

    def claim(key: str, spans) -> None:
        for span in spans:
            if span is not None:
                for line in range(span.line, span.end_line + 1):
                    index.setdefault((span.path, line), key)

    system = model.system
    claim("system", [system.span, *system.prop_spans.values()])
    for category, table in (("broker", model.brokers), ("component", model.components),
                            ("message", model.messages), ("kind", model.kinds)):
        for name in sorted(table):
            element = table[name]
            # the header line only: a multi-line block's span would swallow the lines below it
            header = element.span
            claim(f"{category}:{name}", [Span.point(header.path, header.line, header.column),
                                         *element.prop_spans.values()])
    for flow in model.flows:
        # a kind's lines were claimed by the kind above, so the kind's spans merged into the
        # flow's prop_spans stay the kind's
        spans = [flow.span, flow.producer_span, *flow.consumer_spans, flow.message_span, flow.kind_span,
                 *flow.prop_spans.values()]
        claim(f"flow:{base_id(flow)}", spans)
    return index


def _file_key(model: Model, path: str) -> str:
    return "file:(root)" if path == model.root else f"file:{path}"


#: The ``#2`` of a repeated flow's id depends on declaration order, so it is not part of the match.
_REPEAT = re.compile(r"(->[\w,-]+:[A-Za-z_][\w-]*)#\d+")


_WORD = re.compile(r"[^\s(),;]+")


def finding_keys(model: Model, findings) -> list[tuple[tuple[str, str, str], Diagnostic]]:
    """Each finding with its matching key (code, message, element)."""
    index = _element_lines(model)
    out = []
    for d in findings:
        if d.span is None:
            element = "model"
        else:
            element = index.get((d.span.path, d.span.line)) or _file_key(model, d.span.path)
        out.append(((d.code, _REPEAT.sub(r"\1", d.message), element), d))
    return out


def introduced_and_resolved(old_model: Model, old_findings, new_model: Model, new_findings
                            ) -> tuple[tuple[Diagnostic, ...], tuple[Diagnostic, ...]]:
    """(findings in NEW and not in OLD, findings in OLD and not in NEW), each sorted by location.

    Matched first by (code, message, element), then what is left by (code, message) alone,
    then by code and the words of the message in any order: a model-wide finding (C307
    "capacity checks skipped...") is anchored at whichever element comes first in the file
    and may list names in declaration order, both of which reordering the file changes.
    """
    old_left, new_left = finding_keys(old_model, old_findings), finding_keys(new_model, new_findings)
    for key in (lambda k: k, lambda k: k[:2], lambda k: (k[0], tuple(sorted(_WORD.findall(k[1]))))):
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
