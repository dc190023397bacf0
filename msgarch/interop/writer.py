"""Write `.msgarch` text canonically: the one place importers produce model text.

Usage (every importer: AsyncAPI, RabbitMQ definitions, KafkaTopic files)::

    from msgarch.interop.writer import ModelWriter, q

    w = ModelWriter(header=["Imported from definitions.json by msgarch import rabbitmq"])
    w.broker("bus", "rabbitmq", [("nodes", 3)], comment="definitions.json#/")
    w.channel("orders", "bus", "exchange",
              [("type", "topic"), ("durable", True), ("address", q("orders.v1"), "the vhost's name")],
              comment="definitions.json#/exchanges/0")
    w.route(["orders"], ["billing"], [("key", q("order.*.paid"))], comment="definitions.json#/bindings/0")
    w.message("OrderPaid", [("schema", q("orders.yaml#/components/schemas/OrderPaid"))])
    c = w.component("checkout", comment="...")
    c.publishes(["OrderPaid"], "orders", [("key", q("order.eu.paid"))], comment="...")
    c.consumes(["OrderPaid"], "billing", [], comment="...")
    text = w.render()

Settings are a list of ``(key, value)`` or ``(key, value, comment)`` tuples, written one a
line in the order given (callers give them in a fixed order). A value is

- ``True``: a flag (``durable``), ``False``: ``key off``, ``None``: the setting is skipped;
- an ``int`` or ``float``: a number (``partitions 12``; floats without trailing zeros);
- a ``str``: written as it is: a word, a quantity (``7d``, ``1MiB``, ``50/s``) or a
  keyword phrase (``after-processing``); it must not contain spaces that would change
  the meaning, quotes or line breaks (ValueError otherwise);
- ``q("text")``: a double-quoted string with ``\\`` and ``"`` escaped; line breaks and
  control characters become spaces;
- a ``list`` of those: written comma-separated (``headers "a=1", "b=2"``);
- ``raw("text")``: value text already in msgarch syntax (words, quantities, quoted
  strings, commas: ``retry 3 backoff 1s..30s then dead-letter``, ``"a", "b"``); checked
  to hold no brace, ``;``, ``#`` or line break (ValueError otherwise).

``name(text)`` turns any text into a msgarch name (letters, digits, ``_``, single ``-``
between them); ``Names`` keeps them unique within one model. Comments are one line each
(line breaks and control characters become spaces).

``render()`` is deterministic: sections in a fixed order (header, brokers, channels,
routes, messages, components, top-level lines), declarations in each section sorted by
name (routes by their text), a component's publishes and consumes sorted by verb, channel
and messages. Blocks with settings are written one setting a line, indented two spaces;
a declaration without settings has no block. A declaration's comment is written on the
line above it (``# comment``), a setting's comment after it (``  # comment``). The text
ends with exactly one line break, and is passed through ``msgarch fmt`` last, so it is in
the canonical layout (fmt's property order within a block).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from msgarch.textsafe import line as _safe_line

__all__ = ["ModelWriter", "ComponentWriter", "Quoted", "Raw", "q", "raw", "raw_ok", "name", "Names", "format_number"]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*$")
_BARE = re.compile(r"^[A-Za-z0-9_./:+*%-]+(?:\.\.[A-Za-z0-9_./:+*%-]+)?$")


@dataclass(frozen=True)
class Quoted:
    """A value written as a double-quoted string."""

    text: str


@dataclass(frozen=True)
class Raw:
    """Value text in msgarch syntax, written as it is (made by ``raw``, which checks it)."""

    text: str


_TOKEN = re.compile(r'\s*(?:"(?:[^"\\\n]|\\.)*"|[A-Za-z0-9_./:+*%<>=!-]+|,)')


def raw_ok(value: str) -> bool:
    """Words, quantities, quoted strings and commas only: nothing that could end a block."""
    if not isinstance(value, str) or not value or value != value.strip() or "\n" in value or "\r" in value:
        return False
    at = 0
    while at < len(value):
        match = _TOKEN.match(value, at)
        if not match or match.end() == at:
            return False
        at = match.end()
    return True


def raw(text: str) -> Raw:
    if not raw_ok(text):
        raise ValueError(f"not msgarch value text: {text!r}")
    return Raw(text)


def q(text: object) -> Quoted:
    """A string value: written in double quotes, escaped."""
    return Quoted(str(text))


def format_number(value: float) -> str:
    """12 -> "12", 0.5 -> "0.5", 2.0 -> "2" (no exponent for ordinary figures)."""
    if isinstance(value, bool):
        raise ValueError("a flag is not a number")
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text


def name(text: object, fallback: str = "unnamed") -> str:
    """A msgarch name for any text: runs of other characters become one `_`."""
    raw = str(text)
    out = re.sub(r"[^A-Za-z0-9_-]+", "_", raw)
    out = re.sub(r"-{2,}", "-", out)
    out = re.sub(r"-(?=_)|(?<=_)-", "", out)
    out = out.strip("-")
    if not out or out == "_" * len(out):
        out = fallback
    if not re.match(r"[A-Za-z_]", out):
        out = "_" + out
    out = re.sub(r"_{2,}", "_", out) if out != "_" else out
    if not _NAME.match(out):  # pragma: no cover - the steps above make it a name
        out = fallback
    return out


class Names:
    """Unique msgarch names within one namespace: the same key always gets the same name."""

    def __init__(self) -> None:
        self._by_key: dict[Any, str] = {}
        self._taken: set[str] = set()

    def get(self, key: Any, text: object) -> str:
        if key in self._by_key:
            return self._by_key[key]
        base = name(text)
        candidate, n = base, 2
        while candidate in self._taken:
            candidate = f"{base}-{n}" if not base.endswith("-") else f"{base}{n}"
            n += 1
        self._taken.add(candidate)
        self._by_key[key] = candidate
        return candidate

    def __contains__(self, key: Any) -> bool:
        return key in self._by_key


def _comment(text: object) -> str:
    return " ".join(_safe_line(text).split())


def _value(value: Any) -> str:
    if isinstance(value, Quoted):
        text = " ".join(_safe_line(value.text).replace("\t", " ").splitlines()) if value.text else ""
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, Raw):
        if not raw_ok(value.text):
            raise ValueError(f"not msgarch value text: {value.text!r}")
        return value.text
    if isinstance(value, bool):
        raise ValueError("flags are written by the setting, not as a value")
    if isinstance(value, (int, float)):
        return format_number(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(_value(item) for item in value)
    if isinstance(value, str):
        parts = value.split(" ")
        if not value or any(not _BARE.match(part) for part in parts):
            raise ValueError(f"not a bare value (use q() for a string): {value!r}")
        return value
    raise ValueError(f"cannot write a value of type {type(value).__name__}")


def _setting_line(setting: tuple) -> str | None:
    if len(setting) == 2:
        key, value = setting
        comment = None
    elif len(setting) == 3:
        key, value, comment = setting
    else:
        raise ValueError(f"a setting is (key, value) or (key, value, comment): {setting!r}")
    if value is None:
        return None
    if value is True:
        text = key
    elif value is False:
        text = f"{key} off"
    else:
        text = f"{key} {_value(value)}"
    if comment:
        text += "  # " + _comment(comment)
    return text


@dataclass
class _Decl:
    head: str
    sort_key: tuple
    settings: list = field(default_factory=list)
    comment: str | None = None
    children: list = field(default_factory=list)

    def lines(self, indent: str = "") -> list[str]:
        out: list[str] = []
        if self.comment:
            out.extend(indent + "# " + _comment(part) for part in _comment_lines(self.comment))
        body = [text for text in (_setting_line(s) for s in self.settings) if text is not None]
        children = [child for child in sorted(self.children, key=lambda d: d.sort_key)]
        if not body and not children:
            out.append(indent + self.head)
            return out
        out.append(indent + self.head + " {")
        out.extend(indent + "  " + text for text in body)
        for child in children:
            out.extend(child.lines(indent + "  "))
        out.append(indent + "}")
        return out


def _comment_lines(comment: str | Iterable[str]) -> list[str]:
    if isinstance(comment, str):
        return [comment]
    return list(comment)


class ComponentWriter:
    """A component being written: add its publishes and consumes."""

    def __init__(self, decl: _Decl) -> None:
        self._decl = decl

    def settings(self, settings: list) -> "ComponentWriter":
        """Component properties (instances, capacity, external, description...), before its endpoints."""
        self._decl.settings.extend(settings)
        return self

    def publishes(self, messages: list[str], channel: str, settings: list | None = None,
                  comment: str | list[str] | None = None) -> None:
        self._endpoint("publishes", "to", 0, messages, channel, settings, comment)

    def consumes(self, messages: list[str], channel: str, settings: list | None = None,
                 comment: str | list[str] | None = None) -> None:
        self._endpoint("consumes", "from", 1, messages, channel, settings, comment)

    def _endpoint(self, verb, word, order, messages, channel, settings, comment) -> None:
        for item in (*messages, channel):
            _check_name(item)
        head = f"{verb} {', '.join(messages)} {word} {channel}"
        self._decl.children.append(_Decl(head, (order, channel, tuple(messages), head, _key(settings)),
                                         list(settings or []), comment))


def _check_name(text: str) -> None:
    if not _NAME.match(text):
        raise ValueError(f"not a msgarch name: {text!r} (use name())")


def _key(settings) -> tuple:
    return tuple(str(s) for s in settings or ())


class ModelWriter:
    """Collects declarations and renders them as canonical `.msgarch` text."""

    _SECTIONS = ("system", "broker", "channel", "route", "message", "component", "other")

    def __init__(self, header: list[str] | None = None) -> None:
        self.header = list(header or [])
        self._decls: dict[str, list[_Decl]] = {section: [] for section in self._SECTIONS}
        self._components: dict[str, ComponentWriter] = {}

    def system(self, system_name: str, settings: list | None = None,
               comment: str | list[str] | None = None) -> None:
        """The `system "NAME" { ... }` declaration (at most one)."""
        head = f"system {_value(q(system_name))}" if system_name else "system"
        self._decls["system"] = [_Decl(head, (head,), list(settings or []), comment)]

    def broker(self, broker_name: str, kind: str, settings: list | None = None,
               comment: str | list[str] | None = None) -> None:
        _check_name(broker_name)
        self._add("broker", f"broker {broker_name} : {kind}", (broker_name,), settings, comment)

    def channel(self, channel_name: str, broker: str, channel_type: str, settings: list | None = None,
                comment: str | list[str] | None = None) -> None:
        _check_name(channel_name)
        _check_name(broker)
        self._add("channel", f"channel {channel_name} on {broker} : {channel_type}", (channel_name,),
                  settings, comment)

    def route(self, sources: list[str], targets: list[str], settings: list | None = None,
              comment: str | list[str] | None = None) -> None:
        for item in (*sources, *targets):
            _check_name(item)
        head = f"route {', '.join(sources)} -> {', '.join(targets)}"
        self._add("route", head, (head, _key(settings)), settings, comment)

    def message(self, message_name: str, settings: list | None = None,
                comment: str | list[str] | None = None) -> None:
        _check_name(message_name)
        self._add("message", f"message {message_name}", (message_name,), settings, comment)

    def component(self, component_name: str, settings: list | None = None,
                  comment: str | list[str] | None = None) -> ComponentWriter:
        """The component of that name (created on first use; later calls return the same one)."""
        _check_name(component_name)
        if component_name not in self._components:
            decl = self._add("component", f"component {component_name}", (component_name,), settings, comment)
            self._components[component_name] = ComponentWriter(decl)
        elif settings:
            self._components[component_name].settings(settings)
        return self._components[component_name]

    def line(self, text: str, comment: str | list[str] | None = None) -> None:
        """Any other top-level declaration, written as given (after the components)."""
        self._add("other", text, (text,), None, comment)

    def _add(self, section, head, sort_key, settings, comment) -> _Decl:
        decl = _Decl(head, sort_key, list(settings or []), comment)
        self._decls[section].append(decl)
        return decl

    def render(self) -> str:
        out: list[str] = ["# " + _comment(text) if text else "#" for text in self.header]
        for section in self._SECTIONS:
            decls = sorted(self._decls[section], key=lambda d: d.sort_key)
            if not decls:
                continue
            if out:
                out.append("")
            for decl in decls:
                out.extend(decl.lines())
        text = "\n".join(out).rstrip("\n") + "\n"
        # the canonical layout is msgarch fmt's (property order, alignment): what an import
        # writes is what `msgarch fmt --check` accepts
        # text that does not parse is returned as it is: the importer's own build check names
        # the value that broke it, with its source document
        from msgarch.diagnostics import InputError
        from msgarch.fmt import format_source

        try:
            return format_source(text, "<import>")
        except InputError:
            return text
