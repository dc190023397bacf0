"""The concrete syntax tree: declarations, blocks and property lines with their tokens,
comments and blank lines, for the formatter (the syntax tree in `ast` drops all three).

The parser is the same grammar as `msgarch.dsl.parser`, built without callbacks so that
lark builds its tree (every token kept); comments, which the grammar ignores, are
collected by a lexer callback and attached to the element they belong to:

- a comment alone on its line belongs to the next element (a declaration, a property,
  or the closing brace of the block it stands in; at the end of the file, to the file);
- a comment after code belongs to the last element on its line: a declaration written
  on one line, a property, the header of a declaration whose block spans lines (the
  line that opens the block), or that block's closing brace.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import lru_cache

from lark import Lark, Token, Tree

#: Rules of a declaration's header (before its block), printed as part of the header.
HEADER_RULES = ("producers", "consumers", "kind_ref", "names")
#: Rules that are declarations (with an optional block).
DECLARATION_RULES = ("system", "use", "broker", "component", "message", "kind", "flow",
                     "channel", "route", "publish", "consume", "publishes", "consumes")


@dataclass
class Comment:
    text: str  # from the '#', trailing blanks removed
    line: int
    column: int  # 1-based, as written
    blank_before: bool = False  # a blank line separates it from what precedes it
    #: comments alone on the lines right below this one, in its column: its continuation
    continuation: list["Comment"] = field(default_factory=list)

    @property
    def is_suppression(self) -> bool:
        from msgarch.lint.suppress import _DIRECTIVE

        return _DIRECTIVE.search(self.text) is not None


@dataclass
class Node:
    """A property line or a declaration: what a block (or the file) is a list of."""

    rule: str
    line: int
    leading: list[Comment] = field(default_factory=list)  # own-line comments above it
    trailing: Comment | None = None  # after it on its last line (one-line forms)
    blank_before: bool = False  # a blank line before its first comment, or before it
    blank_after_leading: bool = False  # a blank line between its comments and it


@dataclass
class Property(Node):
    tokens: list[Token] = field(default_factory=list)


@dataclass
class Block:
    open: Token
    close: Token
    items: list[Node] = field(default_factory=list)
    end: list[Comment] = field(default_factory=list)  # own-line comments before '}'
    close_trailing: Comment | None = None  # after the '}' of a block spanning lines

    @property
    def one_line(self) -> bool:
        return self.open.line == self.close.line


@dataclass
class Declaration(Node):
    header: list[Token] = field(default_factory=list)
    block: Block | None = None
    header_trailing: Comment | None = None  # after the '{' of a block spanning lines


@dataclass
class SourceFile:
    declarations: list[Declaration]
    end: list[Comment]  # own-line comments after the last declaration
    comments: list[Comment]  # every comment, in source order


_SEPARATORS = ("_NEWLINE", "SEMICOLON")
_LOCK = threading.Lock()
_COLLECTED: list[Token] = []


@lru_cache(maxsize=1)
def _parser() -> Lark:
    from msgarch.dsl import grammar_cache
    from msgarch.dsl.parser import grammar_text

    grammar = grammar_text()
    # the same options as msgarch.dsl.parser (so the same cached tables), no callbacks
    return grammar_cache.load(grammar, {"parser": "lalr", "lexer": "contextual", "keep_all_tokens": True},
                              {"lexer_callbacks": {"COMMENT": _COLLECTED.append}})


def grammar_rules() -> dict[str, list[list[str]]]:
    """Every rule of the grammar (inlined ones included): name -> its expansions, as
    lists of symbol names. For the test that every rule has a formatter case."""
    rules: dict[str, list[list[str]]] = {}
    for rule in _parser().rules:
        rules.setdefault(rule.origin.name, []).append([s.name for s in rule.expansion])
    return rules


class _Builder:
    def __init__(self) -> None:
        self.owner: dict[int, tuple[object, str]] = {}  # id(token) -> (node or block, role)
        self.tokens: list[Token] = []  # every token but separators, in source order
        self.outermost_one_line: dict[int, Declaration] = {}  # id(token) -> declaration
        self.header_lines: dict[int, Declaration] = {}  # line -> the declaration whose header is on it

    def declaration(self, tree: Tree) -> Declaration:
        header: list[Token] = []
        children = list(tree.children)
        index = 0
        while index < len(children):
            child = children[index]
            if isinstance(child, Token) and child.type == "LBRACE":
                break
            if isinstance(child, Tree):
                header.extend(t for t in child.scan_values(lambda v: isinstance(v, Token)))
            elif child.type not in _SEPARATORS:
                header.append(child)
            index += 1
        node = Declaration(str(tree.data), header[0].line, header=header)
        for token in header:
            self._own(token, node, "header")
        if index < len(children):
            open_token = children[index]
            close_token = children[-1]
            block = Block(open_token, close_token)
            self._own(open_token, node, "open")
            for child in children[index + 1:-1]:
                if isinstance(child, Tree):
                    block.items.append(self.item(child))
                elif child.type not in _SEPARATORS:  # pragma: no cover - the grammar allows none
                    raise ValueError(f"unexpected token {child!r} in a block")
            self._own(close_token, block, "close")
            node.block = block
            if not block.one_line:
                self.header_lines.setdefault(node.line, node)
        return node

    def item(self, tree: Tree) -> Node:
        rule = str(tree.data)
        if rule in DECLARATION_RULES:
            return self.declaration(tree)
        tokens = [t for t in tree.scan_values(lambda v: isinstance(v, Token)) if t.type not in _SEPARATORS]
        node = Property(rule, tokens[0].line, tokens=tokens)
        for token in tokens:
            self._own(token, node, "property")
        return node

    def _own(self, token: Token, node, role: str) -> None:
        self.owner[id(token)] = (node, role)
        self.tokens.append(token)


def _mark_one_line(declaration: Declaration, builder: _Builder, outer: Declaration | None) -> None:
    """Record, for each token, the outermost declaration written wholly on its line."""
    here = outer
    if here is None and (declaration.block is None or declaration.block.one_line):
        here = declaration
    tokens = list(declaration.header)
    if declaration.block is not None:
        tokens += [declaration.block.open, declaration.block.close]
    if here is not None:
        for token in tokens:
            builder.outermost_one_line[id(token)] = here
    if declaration.block is not None:
        for item in declaration.block.items:
            if isinstance(item, Declaration):
                _mark_one_line(item, builder, here)
            elif here is not None:
                for token in item.tokens:
                    builder.outermost_one_line[id(token)] = here


def _first_line(node: Node) -> int:
    return node.leading[0].line if node.leading else node.line


def parse(text: str) -> SourceFile:
    """The concrete syntax tree of ``text``. Raises lark's UnexpectedInput on a syntax
    error: callers parse with `msgarch.dsl.parser.parse` first, for the worded error."""
    parser = _parser()
    with _LOCK:
        _COLLECTED.clear()
        try:
            tree = parser.parse(text)
            raw_comments = list(_COLLECTED)
        finally:
            _COLLECTED.clear()
    builder = _Builder()
    declarations = [builder.declaration(c) for c in tree.children if isinstance(c, Tree)]
    for declaration in declarations:
        _mark_one_line(declaration, builder, None)
    comments = [Comment(str(t).rstrip(), t.line, t.column) for t in raw_comments]
    end: list[Comment] = []
    _attach(comments, builder, end)
    source = SourceFile(declarations, end, comments)
    _mark_blank_lines(source, builder, comments)
    return source


def _attach(comments: list[Comment], builder: _Builder, end: list[Comment]) -> None:
    tokens = sorted(builder.tokens, key=lambda t: (t.line, t.column))
    position = 0
    last_on_line: dict[int, Token] = {}
    for token in tokens:
        last_on_line[token.line] = token
    trailing_at: dict[int, Comment] = {}  # line -> the comment a continuation there continues
    for comment in comments:
        continued = trailing_at.get(comment.line - 1)
        if continued is not None and comment.column == continued.column \
                and not comment.is_suppression and comment.line not in last_on_line:
            continued.continuation.append(comment)
            trailing_at[comment.line] = continued
            continue
        while position < len(tokens) and (tokens[position].line, tokens[position].column) < (comment.line, comment.column):
            position += 1
        before = last_on_line.get(comment.line)
        if before is not None and (before.line, before.column) < (comment.line, comment.column):
            _attach_trailing(comment, before, builder)
            trailing_at[comment.line] = comment
            continue
        if position >= len(tokens):
            end.append(comment)
            continue
        following = tokens[position]
        node, role = builder.owner[id(following)]
        if role == "close":
            node.end.append(comment)
        else:
            node.leading.append(comment)


def _attach_trailing(comment: Comment, token: Token, builder: _Builder) -> None:
    one_line = builder.outermost_one_line.get(id(token))
    if one_line is not None:
        one_line.trailing = comment
        return
    node, role = builder.owner[id(token)]
    if role == "close":
        node.close_trailing = comment
    elif role in ("header", "open"):
        node.header_trailing = comment
    else:
        owner = builder.header_lines.get(comment.line)
        if owner is not None:
            owner.header_trailing = comment  # `flow ... { rate 1/s  # c`: the header's line
        else:
            node.trailing = comment


def _mark_blank_lines(source: SourceFile, builder: _Builder, comments: list[Comment]) -> None:
    """Blank lines are the lines with no token and no comment between two that have one."""
    filled = sorted({t.line for t in builder.tokens} | {c.line for c in comments})
    previous: dict[int, int] = {}
    last = 0
    for line in filled:
        previous[line] = last
        last = line

    def blank(line: int) -> bool:
        before = previous.get(line, 0)
        return before > 0 and line - before > 1

    for comment in comments:
        comment.blank_before = blank(comment.line)

    started: set[int] = set()  # lines where an element starts: only the first one there follows the blank

    def visit(nodes: list[Node]) -> None:
        for node in nodes:
            first = _first_line(node)
            node.blank_before = blank(first) and first not in started
            started.add(first)
            node.blank_after_leading = bool(node.leading) and blank(node.line)
            if isinstance(node, Declaration) and node.block is not None:
                visit(node.block.items)

    visit(source.declarations)
