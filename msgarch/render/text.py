"""Escaping of model text for DOT, Mermaid and HTML, and the short figures diagrams show."""

from __future__ import annotations

import html
import math
from functools import lru_cache

from msgarch.textsafe import BLOCK_TABLE

#: Tooltips are DOT escStrings, where Graphviz expands `\N`, `\G`, `\E`... even after
#: escaping; a backslash in a tooltip is drawn as this look-alike instead. (Labels are
#: HTML-like and keep backslashes exactly; the SVG post-processing restores exact titles.)
TOOLTIP_BACKSLASH = "\u29f5"


#: clean()'s table: what textsafe.block replaces, plus tabs as spaces and CR as U+FFFD.
_CLEAN = {**BLOCK_TABLE, 0x09: " ", 0x0D: "\ufffd"}


def clean(text: str) -> str:
    """Text safe to place anywhere: tabs become spaces, other control characters (which
    XML forbids and terminals obey), bidirectional overrides and lone surrogates become
    U+FFFD. Newlines are kept. (str.translate: a per-character loop was a quarter of the
    render time at 10,000 flows.)"""
    return str(text).translate(_CLEAN)


def dot_html(text: str) -> str:
    """Text for a Graphviz HTML-like label: entities for markup characters and brackets
    (`]]` can end a label early), doubled backslashes (Graphviz expands `\\N` and kin
    inside HTML labels too), and `<BR/>` for newlines."""
    escaped = html.escape(clean(text), quote=True)
    escaped = escaped.replace("\\", "\\\\").replace("[", "&#91;").replace("]", "&#93;")
    return "<BR/>".join(escaped.split("\n"))


def dot_string(text: str) -> str:
    """The inside of a double-quoted DOT attribute (tooltips): no backslash and no
    double quote reach Graphviz, markup characters are entities, newlines are `&#10;`."""
    escaped = html.escape(clean(text), quote=True).replace("\\", TOOLTIP_BACKSLASH)
    return escaped.replace("\n", "&#10;")


_MERMAID_PLAIN = frozenset(" -_.,:/()+=*!?@$~^'")


def mermaid_text(text: str) -> str:
    """Text for a double-quoted Mermaid label: every character that Mermaid, Markdown
    or HTML could read as syntax becomes a numeric entity code (`#60;`)."""
    out = []
    text = clean(text)
    for index, char in enumerate(text):
        if char == "\n":
            out.append("<br/>")
        elif char == "%" and "%%" not in text[max(0, index - 1):index + 2]:
            out.append(char)  # a lone percent sign reads better; `%%` starts a comment
        elif (char.isalnum() or char in _MERMAID_PLAIN or ord(char) > 0x7F) and char.isprintable():
            out.append(char)
        else:
            out.append(f"#{ord(char)};")
    return "".join(out)


def html_text(text: str) -> str:
    """Text for HTML element content or a quoted attribute."""
    return html.escape(clean(text), quote=True)


#: mangle() of every ASCII character, for str.translate.
_MANGLE_ASCII = {code: chr(code) if chr(code).isalnum() else "__" if code == 0x5F else "_h" if code == 0x2D
                 else f"_{code:x}_" for code in range(128)}


def mangle(name: str) -> str:
    """An injective, identifier-safe spelling of any string: ASCII letters and digits
    stay, `_` becomes `__`, `-` becomes `_h`, anything else `_` + hex code + `_`."""
    if name.isascii():
        return name.translate(_MANGLE_ASCII)
    out = []
    for char in name:
        if char.isascii() and char.isalnum():
            out.append(char)
        elif char == "_":
            out.append("__")
        elif char == "-":
            out.append("_h")
        else:
            out.append(f"_{ord(char):x}_")
    return "".join(out)


#: Longest element id kept as its mangled name (Graphviz rejects ids of about 16 KB, which
#: a flow with 450 consumers of 33-character names reached).
MAX_ID = 200


def short_id(text: str) -> str:
    """``text`` (a mangled id) when at most MAX_ID characters, else its first 184 characters
    + `_z` + 16 hex digits of its SHA-256: deterministic (old and new diagrams of a diff
    agree), and never equal to a short one (202 characters; `_z` is no mangle escape)."""
    if len(text) <= MAX_ID:
        return text
    import hashlib

    return f"{text[:184]}_z{hashlib.sha256(text.encode('utf-8', 'surrogatepass')).hexdigest()[:16]}"


from msgarch.analysis.figures import diagram_count as count  # noqa: E402,F401 - one module writes figures
from msgarch.analysis.figures import diagram_duration as duration  # noqa: E402,F401
from msgarch.analysis.figures import diagram_percent as percent  # noqa: E402,F401
from msgarch.analysis.figures import diagram_size as size  # noqa: E402,F401
from msgarch.analysis.figures import quantity, significant  # noqa: E402,F401
from msgarch.analysis.figures import written_rate_round as rate  # noqa: E402,F401
