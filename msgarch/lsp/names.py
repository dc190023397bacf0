"""Every name a file declares or refers to, from its syntax tree: the index behind
go-to-definition, find-references, rename and completion of declared names."""

from __future__ import annotations

from dataclasses import dataclass

from msgarch.diagnostics import Span
from msgarch.dsl import ast

CATEGORIES = ("component", "message", "broker", "channel", "kind")

#: Property keyword -> category of the name after it, per block.
_REFERENCE_PROPS = {
    "flow": {"via": "broker"},
    "kind": {"via": "broker"},
    "publish": {"kind": "kind"},
    "consume": {"kind": "kind"},
    "channel": {"dead-letter": "channel", "alternate-exchange": "channel"},
}


@dataclass(frozen=True)
class Occurrence:
    category: str
    name: str
    span: Span
    declaration: bool


def _refs(category: str, names, out: list) -> None:
    for n in names:
        if n.text:
            out.append(Occurrence(category, n.text, n.span, False))


def _prop_refs(block: str, props, out: list) -> None:
    table = _REFERENCE_PROPS.get(block, {})
    for prop in props:
        category = table.get(prop.name)
        if category is None:
            continue
        for value in prop.values[:1]:
            if isinstance(value, ast.Name):
                out.append(Occurrence(category, value.text, value.span, False))


def _endpoint(decl: ast.EndpointDecl, out: list) -> None:
    if not decl.nested:
        _refs("component", [decl.component], out)
    _refs("channel", [decl.channel], out)
    _refs("message", decl.messages, out)
    _prop_refs(decl.role, decl.props, out)


def occurrences(file: ast.File) -> list[Occurrence]:
    """Declarations and references in ``file``, in source order."""
    out: list[Occurrence] = []
    for decl in file.decls:
        if isinstance(decl, ast.BrokerDecl):
            out.append(Occurrence("broker", decl.name.text, decl.name.span, True))
        elif isinstance(decl, ast.ComponentDecl):
            out.append(Occurrence("component", decl.name.text, decl.name.span, True))
            for endpoint in decl.endpoints:
                _endpoint(endpoint, out)
        elif isinstance(decl, ast.MessageDecl):
            out.append(Occurrence("message", decl.name.text, decl.name.span, True))
        elif isinstance(decl, ast.KindDecl):
            out.append(Occurrence("kind", decl.name.text, decl.name.span, True))
            _prop_refs("kind", decl.props, out)
        elif isinstance(decl, ast.FlowDecl):
            _refs("component", decl.producers, out)
            if decl.kind is not None:
                _refs("kind", [decl.kind], out)
            _refs("component", decl.consumers, out)
            _refs("message", [decl.message], out)
            _prop_refs("flow", decl.props, out)
        elif isinstance(decl, ast.ChannelDecl):
            out.append(Occurrence("channel", decl.name.text, decl.name.span, True))
            _refs("broker", [decl.broker], out)
            _prop_refs("channel", decl.props, out)
        elif isinstance(decl, ast.RouteDecl):
            _refs("channel", decl.sources, out)
            _refs("channel", decl.targets, out)
        elif isinstance(decl, ast.EndpointDecl):
            _endpoint(decl, out)
    out.sort(key=lambda o: (o.span.line, o.span.column))
    return out


def at(file: ast.File, line: int, column: int) -> Occurrence | None:
    """The name under the 1-based (line, column), a cursor just after it included."""
    for occurrence in occurrences(file):
        s = occurrence.span
        if s.line == line and s.column <= column <= s.end_column:
            return occurrence
    return None


def declared(files, category: str) -> list[str]:
    """Names of one category declared in ``files``, sorted, each once."""
    return sorted({o.name for f in files for o in occurrences(f) if o.declaration and o.category == category})
