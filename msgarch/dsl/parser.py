"""Parse msgarch source into the syntax tree; syntax errors become E001 diagnostics."""

from __future__ import annotations

import threading
from dataclasses import replace
from functools import lru_cache
from importlib import resources

from lark import Lark, Token
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from msgarch.diagnostics import Diagnostic, InputError, Related, Span, input_error
from msgarch.dsl import ast
from msgarch.model import settings as _settings

#: Every v2 setting keyword (channels, routes, publishes, consumes, brokers).
SETTING_KEYWORDS = tuple(dict.fromkeys([
    *_settings.CHANNEL_SETTINGS, *_settings.ROUTE_SETTINGS, *_settings.PUBLISH_SETTINGS,
    *_settings.CONSUME_SETTINGS, *_settings.BROKER_SETTINGS]))

#: Grammar rule name -> the property keyword as users write it.
_PROPERTY_RULES = {
    "growth": "growth", "horizon": "horizon", "headroom": "headroom", "requires": "requires",
    "nodes": "nodes", "replication": "replication", "version": "version",
    "broker_capacity": "capacity", "storage": "storage", "max_message": "max-message",
    "profile": "profile", "instances": "instances", "capacity": "capacity", "zone": "zone",
    "external": "external", "idempotent": "idempotent", "description": "description",
    "owner": "owner", "size": "size", "max_size": "max-size", "schema": "schema",
    "via": "via", "pattern": "pattern", "partitions": "partitions", "rate": "rate",
    "peak": "peak", "latency": "latency", "timeout": "timeout", "durable": "durable",
    "delivery": "delivery", "ordered": "ordered", "priority": "priority", "ttl": "ttl",
    "delay": "delay", "dead_letter": "dead-letter", "retention": "retention",
    "replay": "replay", "routing": "routing", "backlog": "backlog",
}

#: Properties each block accepts, used to word "unknown property" errors.
BLOCK_PROPERTIES = {
    "system": ("growth", "horizon", "headroom", "requires"),
    "broker": ("nodes", "replication", "version", "capacity", "storage", "max-message", "profile"),
    "component": ("instances", "capacity", "zone", "external", "idempotent", "description", "owner"),
    "message": ("size", "max-size", "schema"),
    "flow": ("via", "pattern", "partitions", "rate", "peak", "latency", "timeout", "durable",
             "delivery", "ordered", "priority", "ttl", "delay", "dead-letter", "retention",
             "replay", "routing", "backlog"),
}

_FLOW_WORDS = BLOCK_PROPERTIES["flow"]
BLOCK_PROPERTIES.update({
    "broker": (*BLOCK_PROPERTIES["broker"], *_settings.BROKER_SETTINGS),
    "component": (*BLOCK_PROPERTIES["component"], "publishes", "consumes"),
    "channel": tuple(_settings.CHANNEL_SETTINGS),
    "route": tuple(_settings.ROUTE_SETTINGS),
    "publish": (*_settings.PUBLISH_SETTINGS, *(w for w in _FLOW_WORDS if w not in ("via", "partitions")), "kind"),
    "consume": (*_settings.CONSUME_SETTINGS, *(w for w in _FLOW_WORDS if w not in ("via", "partitions")), "kind"),
})
BLOCK_PROPERTIES["kind"] = tuple(dict.fromkeys((*_FLOW_WORDS, *_settings.PUBLISH_SETTINGS, *_settings.CONSUME_SETTINGS)))

DECLARATION_KEYWORDS = ("system", "use", "broker", "component", "message", "kind", "flow",
                        "channel", "route", "publish", "consume")

#: What a quantity after a given keyword looks like, in the user's words.
QUANTITY_WORDS = {
    **{k: "a rate such as 300/s" for k in ("rate", "peak", "capacity")},
    **{k: "a size such as 64KB" for k in ("size", "max-size", "max-message", "storage")},
    **{k: "a duration such as 50ms" for k in ("latency", "timeout", "ttl", "delay", "retention", "backlog")},
    **{k: "a percentage such as 15%" for k in ("growth", "headroom")},
    **{k: "a whole number such as 3" for k in ("instances", "nodes", "replication", "partitions", "priority", "horizon")},
    "version": 'a version such as "4.0"',
}

NAME_WORDS = {
    "component": "a component name", "broker": "a broker name", "message": "a message name",
    "kind": "a kind name", "flow": "a producer component name", "->": "a consumer component name",
    ",": "another name", "]->": "a consumer component name", "-[": "a kind name",
    ":": "a name (a broker kind after `broker NAME :`, a message after a flow's consumers)",
    "via": "a broker name",
    "pattern": "a pattern (queue, pubsub or request-reply)",
    "delivery": "a delivery guarantee (at-most-once, at-least-once or exactly-once)",
    "routing": "a routing style (topic, header or content)",
    "by": "a key name such as order_id", "zone": "a zone name",
    "channel": "a channel name", "on": "a broker name", "to": "a channel name", "from": "a channel name",
    "publishes": "a message name", "consumes": "a message name", "route": "a channel name",
    "publish": "a component name", "consume": "a channel name", "then": "an action (requeue, drop, dead-letter)",
    "on-error": "an action (requeue, drop, dead-letter, reject) or retry N", "group": "a group name",
    "type": "a type word", "ack": "an ack mode (auto, before-processing, after-processing)",
    "acks": "acks 0, 1 or all", "offset-reset": "earliest or latest", "deliver-policy": "a deliver policy (all, new, last...)", "dead-letter": "a channel name", "alternate-exchange": "a channel name",
    "requires": "a platform feature (monitoring, declarative-provisioning, open-source, managed-service)",
}

_TERMINAL_WORDS = {
    "STRING": 'a quoted string such as "orders"',
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "YEARS": "'years'",
    "$END": "the end of the file",
    "_NEWLINE": "a new line",
    "SEMICOLON": "a new line",
}


def grammar_text() -> str:
    """The grammar: grammar/msgarch.lark, installed as the package `msgarch.grammar`; run
    from a source checkout that is not installed (PYTHONPATH), the file beside msgarch/."""
    try:
        return resources.files("msgarch.grammar").joinpath("msgarch.lark").read_text(encoding="utf-8")
    except ModuleNotFoundError:
        import pathlib

        return (pathlib.Path(__file__).resolve().parents[2] / "grammar" / "msgarch.lark").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _parser() -> Lark:
    grammar = grammar_text()
    # The compiled LALR tables are cached in the user's own cache directory (never lark's
    # cache=True, which unpickles from the shared temp directory): see grammar_cache.
    # The callbacks build the syntax tree during parsing: no lark tree is built, which
    # halves the time on large models.
    from msgarch.dsl import grammar_cache

    return grammar_cache.load(grammar, {"parser": "lalr", "lexer": "contextual", "keep_all_tokens": True},
                              {"transformer": _CALLBACKS})


def _span(path: str, token: Token) -> Span:
    return Span(path, token.line, token.column, token.end_line or token.line,
                token.end_column or token.column + len(token))


class _Callbacks:
    """One callback per grammar rule, called by lark as it reduces: tokens -> frozen dataclasses.

    The only state is the path of the file being parsed, set by `parse` (under a lock)
    because lark's LALR parser takes its callbacks once, when it is built.
    """

    def __init__(self) -> None:
        self.path = ""

    def _value(self, token: Token) -> ast.Value | None:
        kind = token.type
        if kind == "NAME":
            return ast.Name(str(token), _span(self.path, token))
        if kind == "STRING":
            return ast.Str(str(token)[1:-1], _span(self.path, token))
        if kind == "QUANTITY":
            return ast.Quantity(str(token), _span(self.path, token))
        return None

    def _values(self, children) -> list:
        return [v for c in children if isinstance(c, Token) and (v := self._value(c)) is not None]

    @staticmethod
    def _props(children) -> tuple[ast.Property, ...]:
        return tuple(c for c in children if isinstance(c, ast.Property))

    def _property(self, keyword: str, children) -> ast.Property:
        first, last = children[0], children[-1]
        span = Span(self.path, first.line, first.column, last.end_line, last.end_column)
        return ast.Property(keyword, tuple(self._values(children)), span)

    def _setting(self, keyword: str, children) -> ast.Property:
        """A v2 setting keeps every token after its keyword: words such as ``by``,
        ``max``, ``retry``, ``backoff``, ``..`` and ``then`` become names, so the builder
        can read ``key by order_id`` or ``on-error retry 3 backoff 1s..30s then drop``."""
        first, last = children[0], children[-1]
        span = Span(self.path, first.line, first.column, last.end_line, last.end_column)
        values = []
        for token in children[1:]:
            if not isinstance(token, Token):
                continue
            value = self._value(token)
            values.append(value if value is not None else ast.Name(str(token), _span(self.path, token)))
        return ast.Property(keyword, tuple(values), span)

    def start(self, children):
        return tuple(c for c in children if not isinstance(c, Token))

    def system(self, children):
        return ast.SystemDecl(self._values(children)[0], self._props(children), self._decl_span(children))

    def use(self, children):
        return ast.UseDecl(self._values(children)[0], self._decl_span(children))

    def broker(self, children):
        name, kind = self._values(children)[:2]
        return ast.BrokerDecl(name, kind, self._props(children), self._decl_span(children))

    def component(self, children):
        name = self._values(children)[0]
        endpoints = tuple(replace(c, component=name) for c in children if isinstance(c, ast.EndpointDecl))
        return ast.ComponentDecl(name, self._props(children), self._decl_span(children), endpoints)

    def channel(self, children):
        name, broker, kind = self._values(children)[:3]
        return ast.ChannelDecl(name, broker, kind, self._props(children), self._decl_span(children))

    def route(self, children):
        sources, targets = [c[1] for c in children if isinstance(c, tuple) and c[0] == "names"]
        return ast.RouteDecl(sources, targets, self._props(children), self._decl_span(children))

    def names(self, children):
        return ("names", tuple(self._values(children)), children[-1])

    def _endpoint(self, role: str, children, nested: bool, component=None) -> ast.EndpointDecl:
        values = self._values(children)
        messages = next(c[1] for c in children if isinstance(c, tuple) and c[0] == "names")
        if nested:
            channel = values[0]
            component = ast.Name("", channel.span)  # filled in by the component
        else:
            first, second = values[0], values[1]
            component, channel = (first, second) if role == "publish" else (second, first)
        return ast.EndpointDecl(role, component, channel, messages, self._props(children),
                                self._decl_span(children), nested)

    def publishes(self, children):
        return self._endpoint("publish", children, nested=True)

    def consumes(self, children):
        return self._endpoint("consume", children, nested=True)

    def publish(self, children):
        return self._endpoint("publish", children, nested=False)

    def consume(self, children):
        return self._endpoint("consume", children, nested=False)

    def message(self, children):
        return ast.MessageDecl(self._values(children)[0], self._props(children), self._decl_span(children))

    def kind(self, children):
        return ast.KindDecl(self._values(children)[0], self._props(children), self._decl_span(children))

    def kind_ref(self, children):
        return ("kind_ref", self._values(children)[0], children[-1])

    def consumers(self, children):
        return ("consumers", tuple(self._values(children)), children[-1])

    def producers(self, children):
        return ("producers", tuple(self._values(children)), children[-1])

    def flow(self, children):
        values = self._values(children)
        kind = next((c[1] for c in children if isinstance(c, tuple) and c[0] == "kind_ref"), None)
        consumers = next(c[1] for c in children if isinstance(c, tuple) and c[0] == "consumers")
        producers = next(c[1] for c in children if isinstance(c, tuple) and c[0] == "producers")
        return ast.FlowDecl(producers, consumers, values[-1], kind, self._props(children),
                            self._decl_span(children))

    def _decl_span(self, children) -> Span:
        """From the keyword to the end of the header (the opening brace excluded)."""
        first = children[0]
        last = first
        for c in children:
            if isinstance(c, Token):
                if c.type == "LBRACE":
                    break
                last = c
            elif isinstance(c, tuple):
                last = c[2]  # the last token of the consumers list or of "-[kind]->"
        return Span(self.path, first.line, first.column, last.end_line, last.end_column)


def _property_callback(keyword: str):
    def callback(self, children):
        return self._property(keyword, children)

    return callback


def _setting_callback(keyword: str):
    def callback(self, children):
        return self._setting(keyword, children)

    return callback


for _rule, _keyword in _PROPERTY_RULES.items():
    setattr(_Callbacks, _rule, _property_callback(_keyword))
for _keyword in SETTING_KEYWORDS:
    setattr(_Callbacks, "set_" + _keyword.replace("-", "_"), _setting_callback(_keyword))
setattr(_Callbacks, "endpoint_kind", _property_callback("kind"))

_CALLBACKS = _Callbacks()
_LOCK = threading.Lock()


def decode_source(path: str, data: bytes) -> str:
    """Decode a file's bytes as UTF-8, or raise an E001 InputError saying why not."""
    if b"\x00" in data[:8192]:
        raise InputError([input_error(
            "E001", "this is a binary file, not msgarch source (msgarch files are UTF-8 text)",
            Span.point(path))])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise InputError([input_error(
            "E001", f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                    "msgarch files must be UTF-8 text", Span.point(path, line, column))]) from None
    return text.removeprefix("\ufeff")


def parse(text: str, path: str) -> ast.File:
    """Parse one file's text. Raises InputError with an E001 diagnostic on a syntax error."""
    parser = _parser()
    try:
        with _LOCK:
            _CALLBACKS.path = path
            decls = parser.parse(text)
    except UnexpectedInput as exc:
        raise InputError([_syntax_error(exc, text, path)]) from None
    except LarkError as exc:  # pragma: no cover - lark's other errors are internal
        raise InputError([input_error("E001", f"could not parse the file: {exc}", Span.point(path))]) from None
    return ast.File(path, decls)


# --- syntax error wording ------------------------------------------------------------

def _terminal_patterns() -> dict[str, str]:
    """Terminal name -> the literal text of keyword terminals."""
    out = {}
    for term in _parser().terminals:
        if term.pattern.type == "str":
            out[term.name] = term.pattern.value
    return out


def _previous_token(exc: UnexpectedInput) -> Token | None:
    parser_state = getattr(getattr(exc, "interactive_parser", None), "parser_state", None)
    stack = getattr(parser_state, "value_stack", None) or []
    # the keyword just read (still a token) tells what kind of value was expected after it
    return stack[-1] if stack and isinstance(stack[-1], Token) else None


def _open_brace(exc: UnexpectedInput) -> Token | None:
    parser_state = getattr(getattr(exc, "interactive_parser", None), "parser_state", None)
    for item in reversed(getattr(parser_state, "value_stack", None) or []):
        if isinstance(item, Token) and item.type == "LBRACE":
            return item
    return None


def _is_unit(text: str) -> bool:
    from msgarch.dsl import units

    return text in units.SIZE_UNITS or text in units.DURATION_UNITS or text.lstrip("/") in units.RATE_PER


def _after_number(text: str, token: Token) -> bool:
    """True when only blanks separate the token from a number before it (`2 KB`)."""
    before = text[: token.start_pos].rstrip(" \t")
    return len(before) < token.start_pos and before[-1:].isdigit()


def _looks_like_name(text: str) -> bool:
    return bool(text) and (text[0].isalpha() or text[0] == "_") and all(
        ch.isalnum() or ch in "_-" for ch in text)


def _acceptable(exc: UnexpectedToken) -> set[str]:
    """The terminals the parser accepts where it stopped. (``exc.expected`` can be the
    whole vocabulary when the contextual lexer fell back to the root lexer.)"""
    interactive = getattr(exc, "interactive_parser", None)
    if interactive is not None:
        try:
            return set(interactive.accepts())
        except LarkError:  # pragma: no cover - defensive: fall back to lark's own set
            return set(exc.expected or ())
    return set(exc.expected or ())


def _block_of(keywords: set[str]) -> str | None:
    """The block whose keywords best match what the parser accepts (Jaccard similarity:
    blocks share keywords, and a publish block accepts every flow property)."""
    best, best_score = None, 0.0
    for block, props in BLOCK_PROPERTIES.items():
        words = set(props)
        overlap = len(keywords & words)
        score = overlap / len(keywords | words) if overlap else 0.0
        if score > best_score:
            best, best_score = block, score
    return best


def _describe_expected(expected: set[str], previous: Token | None) -> list[str]:
    literals = _terminal_patterns()
    prev_text = str(previous) if previous is not None else ""
    words, keywords = [], set()
    for name in sorted(expected):
        if name in literals and name not in _TERMINAL_WORDS:
            keywords.add(literals[name])
        elif name == "QUANTITY":
            words.append(QUANTITY_WORDS.get(prev_text, "a number with its unit, such as 300/s, 2KB or 50ms"))
        elif name == "NAME":
            words.append(NAME_WORDS.get(prev_text, "a name"))
        elif name in _TERMINAL_WORDS:
            words.append(_TERMINAL_WORDS[name])
        else:
            words.append(name.lower())
    props = keywords - set(DECLARATION_KEYWORDS) - {";", "->", "-[", "]->", ",", ":"}
    block = _block_of(props)
    decls = keywords & set(DECLARATION_KEYWORDS)
    if block and len(props) > 2:
        words.insert(0, f"a {block if block != 'flow' else 'flow (or kind)'} property "
                        f"({', '.join(BLOCK_PROPERTIES[block])})")
        keywords -= props
    if len(decls) > 2:
        words.insert(0, "a declaration (" + ", ".join(d for d in DECLARATION_KEYWORDS if d in decls) + ")")
        keywords -= decls
    words.extend(f"'{k}'" for k in sorted(keywords))
    return list(dict.fromkeys(words))


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " or " + words[-1]


def _syntax_error(exc: UnexpectedInput, text: str, path: str) -> Diagnostic:
    line, column = exc.line if exc.line > 0 else 1, exc.column if exc.column > 0 else 1
    previous = _previous_token(exc)
    related: tuple[Related, ...] = ()
    hint = ""
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        expected = _acceptable(exc)
        at_end = token.type == "$END"
        if at_end:
            lines = text.splitlines() or [""]
            line, column = len(lines), len(lines[-1]) + 1
            found = "end of file"
        else:
            found = f"'{token}'" if token.type != "_NEWLINE" else "end of line"
        brace = _open_brace(exc)
        literals = _terminal_patterns()
        expected_keywords = {literals[n] for n in expected if n in literals}
        block = _block_of(expected_keywords)
        if "RBRACE" in expected and brace is not None and (at_end or str(token) in DECLARATION_KEYWORDS):
            message = f"missing '}}' to close the block opened at line {brace.line}"
            related = (Related(_span(path, brace), "the block opened here"),)
            hint = "add '}' at the end of the block"
        elif _looks_like_name(str(token)) and str(token) not in DECLARATION_KEYWORDS and block \
                and len(expected_keywords & set(BLOCK_PROPERTIES[block])) > 2:
            allowed = BLOCK_PROPERTIES[block]
            import difflib  # only on the error path: keeps start-up light
            close = difflib.get_close_matches(str(token), allowed, n=1, cutoff=0.6)
            where = "flow or kind" if block == "flow" else block
            where = "kind (flow or endpoint defaults)" if block == "kind" else where
            message = f"unknown {where} property '{token}'"
            elsewhere = [b for b, props in BLOCK_PROPERTIES.items() if str(token) in props]
            if close:
                message += f" (did you mean '{close[0]}'?)"
            elif elsewhere:
                message += f" ('{token}' is a property of {' and '.join(elsewhere)} blocks)"
            hint = f"a {where} block accepts: {', '.join(allowed)}"
            if _is_unit(str(token)) and _after_number(text, token):
                message = f"'{token}' is a unit: write it right after the number, without a space"
                hint = "quantities carry their unit with no space: 2KB, 300/s, 50ms"
        else:
            message = f"unexpected {found} (expected {_join(_describe_expected(expected, previous))})"
            if str(token) in DECLARATION_KEYWORDS and previous is not None and str(previous) in NAME_WORDS:
                hint = f"'{token}' is a keyword here; names go after it"
        end_column = column + max(1, len(str(token))) if not at_end else column + 1
        span = Span(path, line, column, line, end_column)
        return input_error("E001", message, span, hint, related)
    if isinstance(exc, UnexpectedCharacters):
        char = text[exc.pos_in_stream] if 0 <= exc.pos_in_stream < len(text) else ""
        if char == '"':
            message = "unterminated string: a string must close with '\"' on the same line"
        elif char == "-" and text[exc.pos_in_stream + 1: exc.pos_in_stream + 2].isdigit():
            message = "a number cannot be negative here"
        elif char == "-":
            message = "unexpected '-' (expected '->' between a producer and its consumers, or '-[kind]->')"
        else:
            shown = char if char.isprintable() else f"\\u{ord(char):04x}" if char else "?"
            allowed = set(exc.allowed or ())
            message = f"unexpected character '{shown}'"
            if allowed:
                message += f" (expected {_join(_describe_expected(allowed, previous))})"
        return input_error("E001", message, Span(path, line, column, line, column + 1))
    return input_error("E001", f"syntax error: {exc}", Span.point(path, line, column))
