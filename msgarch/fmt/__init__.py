"""`msgarch fmt`: rewrite msgarch source in its canonical layout, every comment kept.

`format_source(text, path)` is the whole contract (the command line and the language
server call it): the canonical text, or InputError (E001, with file:line:col) when the
text does not parse. Before returning, it parses its own output and checks that every
declaration and property is there with the same tokens (only the order of properties
within a block may change) and every comment too; otherwise it raises FormatError and
nothing is written.
"""

from __future__ import annotations

from msgarch.diagnostics import InputError
from msgarch.dsl.cst import Declaration
from msgarch.fmt.layout import LINE_LIMIT, FormatError, Printer

__all__ = ["LINE_LIMIT", "FormatError", "format_source"]


def format_source(text: str, path: str) -> str:
    """The canonical form of ``text`` (the file at ``path``, named in error messages).

    Raises InputError on text msgarch cannot read (a syntax error, a control character),
    and FormatError if the output would not mean what the input means (a bug)."""
    from lark.exceptions import UnexpectedInput

    from msgarch.dsl import cst, parser
    from msgarch.model.loader import check_text

    text = text.removeprefix("\ufeff")
    problem = check_text(text, path)
    if problem is not None:
        raise InputError([problem], {path: text})
    try:
        source = cst.parse(text)
    except UnexpectedInput:
        try:  # the same grammar: the parser words the error (file:line:col, what was expected)
            parser.parse(text, path)
        except InputError as error:
            raise InputError(error.diagnostics, {path: text}) from None
        raise FormatError(f"{path} parses for msgarch but not for the formatter") from None
    out = Printer().file(source)
    _verify(source, out, path)
    return out


def _verify(source, out: str, path: str) -> None:
    """The output must hold the same declarations, properties (as a multiset per block:
    only their order may change) and comments as the input."""
    from lark.exceptions import UnexpectedInput

    from msgarch.dsl import cst

    try:
        again = cst.parse(out)
    except UnexpectedInput as error:
        raise FormatError(f"the formatted text of {path} does not parse: {error}") from None
    if [_shape(d) for d in again.declarations] != [_shape(d) for d in source.declarations]:
        raise FormatError(f"the formatted text of {path} would not mean the same")
    if sorted(c.text for c in again.comments) != sorted(c.text for c in source.comments):
        raise FormatError(f"the formatted text of {path} would lose a comment")


def _shape(node):
    """A declaration or property as its rule and token texts, without positions; a
    block's properties as a sorted multiset, its nested declarations in order."""
    if not isinstance(node, Declaration):
        return node.rule, tuple(str(t) for t in node.tokens)
    block = None
    if node.block is not None:
        items = node.block.items
        block = (tuple(sorted(_shape(i) for i in items if not isinstance(i, Declaration))),
                 tuple(_shape(i) for i in items if isinstance(i, Declaration)))
    return node.rule, tuple(str(t) for t in node.header), block
