"""Print a concrete syntax tree in the canonical layout.

- Two spaces of indentation per block level; a file ends with one line break.
- Tokens are separated by one space, except `a, b`, `1s..30s` and `-[kind]->`.
- A block written on one line stays on one line when it fits in LINE_LIMIT columns
  (properties two spaces apart, `{ a 1  b 2 }`); otherwise, or when written over several
  lines, it has one property per line. A one-line block is not spread when a comment
  follows it on its line, or a suppression comment (`# msgarch: ignore[...]`) stands
  above it (the comment speaks of, or silences, everything on its line), nor when its
  header alone is too long (spreading would not make it fit). An empty block with no
  comment in it is `{ }`.
- Properties are in the canonical order (msgarch.fmt.order) within each run of lines
  not separated by a blank line; comments travel with the line they belong to.
- Runs of one-line component, message and kind declarations (consecutive lines) have
  their `{` in one column.
- Blank lines: at most one in a row, none at the start or end of a file or block.
- A comment alone on its line is indented like the line it belongs to; a comment after
  code keeps its column when it is at least two spaces after the code, else sits two
  spaces after it.
"""

from __future__ import annotations

from dataclasses import dataclass

from msgarch.dsl.cst import Block, Comment, Declaration, Node, Property, SourceFile
from msgarch.fmt.order import ALIGNED, RANK

LINE_LIMIT = 100
INDENT = "  "

_NO_SPACE_BEFORE = {",", "..", "]->"}
_NO_SPACE_AFTER = {"..", "-["}


class FormatError(Exception):
    """The formatter cannot print something (a bug: an unknown construct, or an output
    that would not mean what the input meant). The file is left as it was."""


@dataclass
class Line:
    code: str
    comment: Comment | None = None
    keep_column: bool = True  # the comment keeps its column when it still fits

    def render(self) -> str:
        if self.comment is None:
            return self.code.rstrip()
        if not self.code.strip():
            return self.code + self.comment.text
        column = len(self.code) + 2
        if self.keep_column:
            column = max(column, self.comment.column - 1)
        out = self.code + " " * (column - len(self.code)) + self.comment.text
        for more in self.comment.continuation:  # comment lines below it, in its column
            out += "\n" + " " * column + more.text
        return out


def join(tokens) -> str:
    out: list[str] = []
    previous = None
    for token in tokens:
        text = str(token)
        if previous is not None and text not in _NO_SPACE_BEFORE and previous not in _NO_SPACE_AFTER:
            out.append(" ")
        out.append(text)
        previous = text
    return "".join(out)


def _ordered(container: str, items: list[Node]) -> list[tuple[Node, bool]]:
    """Items sorted within each run not broken by a blank line; (item, blank line before)."""
    ranks = RANK.get(container)
    if ranks is None:
        raise FormatError(f"no property order for a '{container}' block")
    for item in items:
        if item.rule not in ranks:
            raise FormatError(f"no place for '{item.rule}' in a '{container}' block")
    out: list[tuple[Node, bool]] = []
    group: list[Node] = []

    def flush() -> None:
        if group:
            blank = group[0].blank_before
            ordered = sorted(group, key=lambda n: ranks[n.rule])
            out.extend((node, blank and i == 0) for i, node in enumerate(ordered))
            group.clear()

    for item in items:
        if item.blank_before:
            flush()
        group.append(item)
    flush()
    return out


class Printer:
    def __init__(self, limit: int = LINE_LIMIT) -> None:
        self.limit = limit

    def file(self, source: SourceFile) -> str:
        lines: list[Line] = []
        self._nodes([(d, d.blank_before) for d in source.declarations], "", lines)
        self._comments(source.end, "", lines)
        return "".join(line.render() + "\n" for line in lines)

    # --- one element --------------------------------------------------------------

    def _inline(self, node: Node) -> str:
        """The element on one line (its block, if any, on the same line)."""
        if isinstance(node, Property):
            return join(node.tokens)
        if not isinstance(node, Declaration):  # pragma: no cover - the tree has no other nodes
            raise FormatError(f"unknown element {node!r}")
        header = join(node.header)
        if node.block is None:
            return header
        return header + " " + self._inline_block(node)

    def _inline_block(self, node: Declaration) -> str:
        items = [item for item, _ in _ordered(node.rule, node.block.items)]
        if not items:
            return "{ }"
        return "{ " + "  ".join(self._inline(item) for item in items) + " }"

    def _one_line(self, node: Declaration, indent: str) -> bool:
        """Whether a declaration with a block prints on one line."""
        block = node.block
        if not block.one_line:  # written over several lines: stays so, unless empty
            return not block.items and not block.end and node.header_trailing is None \
                and block.close_trailing is None
        if len(indent) + len(self._inline(node)) <= self.limit:
            return True
        if node.trailing is not None or _suppressed(node):
            return True  # the comment speaks of (or silences) the whole line: keep it whole
        return len(indent) + len(join(node.header)) + 2 > self.limit  # spreading would not make it fit

    def _declaration(self, node: Declaration, indent: str, pad: int, lines: list[Line]) -> None:
        header = join(node.header)
        if node.block is None:
            lines.append(Line(indent + header, node.trailing))
            return
        if self._one_line(node, indent):
            lines.append(Line(indent + header.ljust(pad) + " " + self._inline_block(node), node.trailing))
            return
        block: Block = node.block
        if block.one_line:  # spread over lines: its comment stays with the header
            lines.append(Line(indent + header + " {", node.trailing, keep_column=False))
        else:
            lines.append(Line(indent + header + " {", node.header_trailing))
        inner = indent + INDENT
        start = len(lines)
        self._nodes(_ordered(node.rule, block.items), inner, lines)
        self._comments(block.end, inner, lines, at_start=len(lines) == start)
        lines.append(Line(indent + "}", block.close_trailing))

    # --- sequences ----------------------------------------------------------------

    def _comments(self, comments: list[Comment], indent: str, lines: list[Line], at_start: bool = False) -> None:
        for i, comment in enumerate(comments):
            if comment.blank_before and not (at_start and i == 0) and lines:
                lines.append(Line(""))
            lines.append(Line(indent, comment))

    def _nodes(self, nodes: list[tuple[Node, bool]], indent: str, lines: list[Line]) -> None:
        pads = self._alignment(nodes, indent)
        start = len(lines)
        for index, (node, blank) in enumerate(nodes):
            first = len(lines) == start
            if node.leading:
                if blank and not first:
                    lines.append(Line(""))
                self._comments(node.leading, indent, lines, at_start=True)
                if node.blank_after_leading:
                    lines.append(Line(""))
            elif blank and not first:
                lines.append(Line(""))
            if isinstance(node, Declaration):
                self._declaration(node, indent, pads[index], lines)
            else:
                lines.append(Line(indent + self._inline(node), node.trailing))

    def _alignment(self, nodes: list[tuple[Node, bool]], indent: str) -> list[int]:
        """The header width each node is padded to: `{` aligned in runs of one-line
        component, message or kind declarations on consecutive lines."""
        pads = [0] * len(nodes)
        run: list[int] = []

        def close() -> None:
            widths = [len(join(nodes[i][0].header)) for i in run if nodes[i][0].block is not None]
            if len(widths) > 1:
                for i in run:
                    pads[i] = max(widths)
            run.clear()

        for index, (node, blank) in enumerate(nodes):
            one_line = isinstance(node, Declaration) and node.rule in ALIGNED and (
                node.block is None or self._one_line(node, indent))
            joins = one_line and run and not blank and not node.leading and node.rule == nodes[run[-1]][0].rule
            if not joins:
                close()
            if one_line:
                run.append(index)
        close()
        return pads


def _suppressed(node: Node) -> bool:
    return (node.trailing is not None and node.trailing.is_suppression) or any(
        c.is_suppression for c in node.leading)
