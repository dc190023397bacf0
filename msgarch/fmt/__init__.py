"""`msgarch fmt`: rewrite msgarch source in its canonical layout, every comment kept.

`format_source(text, path)` is the whole contract (the command line and the language
server call it): the canonical text, or InputError (E001, with file:line:col) when the
text does not parse. Before returning, it parses its own output and checks that the
syntax tree is the same apart from positions and property order, and that every
comment is still there; otherwise it raises FormatError and nothing is written.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass

from msgarch.diagnostics import InputError, Span
from msgarch.fmt.layout import LINE_LIMIT, FormatError, Printer

__all__ = ["LINE_LIMIT", "FormatError", "format_source"]


def format_source(text: str, path: str) -> str:
    """The canonical form of ``text`` (the file at ``path``, named in error messages).

    Raises InputError on text msgarch cannot read (a syntax error, a control character),
    and FormatError if the output would not mean what the input means (a bug)."""
    from msgarch.dsl import cst, parser
    from msgarch.model.loader import check_text

    text = text.removeprefix("\ufeff")
    problem = check_text(text, path)
    if problem is not None:
        raise InputError([problem], {path: text})
    try:
        before = parser.parse(text, path)
    except InputError as error:
        raise InputError(error.diagnostics, {path: text}) from None
    source = cst.parse(text)
    out = Printer().file(source)
    _verify(before, source, out, path)
    return out


def _verify(before, source, out: str, path: str) -> None:
    from msgarch.dsl import cst, parser

    try:
        after = parser.parse(out, path)
    except InputError as error:
        raise FormatError(f"the formatted text of {path} does not parse: {error}") from None
    if _shape(before) != _shape(after):
        raise FormatError(f"the formatted text of {path} would not mean the same")
    kept = sorted(c.text for c in cst.parse(out).comments)
    if kept != sorted(c.text for c in source.comments):
        raise FormatError(f"the formatted text of {path} would lose a comment")


def _shape(value):
    """A syntax tree without positions, each block's properties as a sorted multiset."""
    if isinstance(value, Span):
        return None
    if is_dataclass(value):
        items = {f.name: _shape(getattr(value, f.name)) for f in fields(value) if f.name != "span"}
        if "props" in items:
            items["props"] = tuple(sorted(items["props"], key=repr))
        return type(value).__name__, tuple(sorted(items.items(), key=lambda kv: kv[0]))
    if isinstance(value, (tuple, list)):
        return tuple(_shape(v) for v in value)
    return value
