"""The syntax tree: frozen dataclasses with source spans, free of lark types."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from msgarch.diagnostics import Span


@dataclass(frozen=True)
class Name:
    text: str
    span: Span


@dataclass(frozen=True)
class Str:
    """A quoted string; ``raw`` is the text between the quotes, escapes undecoded."""

    raw: str
    span: Span

    @property
    def value(self) -> str:
        out, i = [], 0
        while i < len(self.raw):
            ch = self.raw[i]
            if ch == "\\" and i + 1 < len(self.raw):
                out.append(self.raw[i + 1])
                i += 2
                continue
            out.append(ch)
            i += 1
        return "".join(out)

    def bad_escapes(self) -> list[str]:
        """Escapes other than ``\\"`` and ``\\\\``, which the language does not define."""
        bad, i = [], 0
        while i < len(self.raw):
            if self.raw[i] == "\\":
                nxt = self.raw[i + 1] if i + 1 < len(self.raw) else ""
                if nxt not in ('"', "\\"):
                    bad.append("\\" + nxt)
                i += 2
                continue
            i += 1
        return bad


@dataclass(frozen=True)
class Quantity:
    """A number with its unit as written (``300/s``, ``2KB``, ``15%``, ``3``)."""

    text: str
    span: Span


Value = Union[Name, Str, Quantity]


@dataclass(frozen=True)
class Property:
    """One property line: its keyword, the values after it, and where it stands."""

    name: str
    values: tuple[Value, ...]
    span: Span


@dataclass(frozen=True)
class SystemDecl:
    name: Str
    props: tuple[Property, ...]
    span: Span


@dataclass(frozen=True)
class UseDecl:
    path: Str
    span: Span


@dataclass(frozen=True)
class BrokerDecl:
    name: Name
    kind: Name
    props: tuple[Property, ...]
    span: Span


@dataclass(frozen=True)
class EndpointDecl:
    """A publish or a consume (language v2): a component sending message types to a
    channel, or taking them from one. ``nested`` when written inside the component."""

    role: str  # "publish" or "consume"
    component: Name
    channel: Name
    messages: tuple[Name, ...]
    props: tuple[Property, ...]
    span: Span
    nested: bool = True


@dataclass(frozen=True)
class ComponentDecl:
    name: Name
    props: tuple[Property, ...]
    span: Span
    endpoints: tuple[EndpointDecl, ...] = ()


@dataclass(frozen=True)
class ChannelDecl:
    """``channel NAME on BROKER : TYPE { settings }`` (language v2)."""

    name: Name
    broker: Name
    type: Name
    props: tuple[Property, ...]
    span: Span


@dataclass(frozen=True)
class RouteDecl:
    """``route A[, B] -> C[, D] { key/filter }``: one route per (source, target) pair."""

    sources: tuple[Name, ...]
    targets: tuple[Name, ...]
    props: tuple[Property, ...]
    span: Span


@dataclass(frozen=True)
class MessageDecl:
    name: Name
    props: tuple[Property, ...]
    span: Span


@dataclass(frozen=True)
class KindDecl:
    name: Name
    props: tuple[Property, ...]
    span: Span


@dataclass(frozen=True)
class FlowDecl:
    """``flow A[, B] -> C[, D] : Message``: several producers (fan-in) give one flow each."""

    producers: tuple[Name, ...]
    consumers: tuple[Name, ...]
    message: Name
    kind: Name | None
    props: tuple[Property, ...]
    span: Span

    @property
    def producer(self) -> Name:
        return self.producers[0]


Decl = Union[SystemDecl, UseDecl, BrokerDecl, ComponentDecl, MessageDecl, KindDecl, FlowDecl,
             ChannelDecl, RouteDecl, EndpointDecl]


@dataclass(frozen=True)
class File:
    path: str
    decls: tuple[Decl, ...]
