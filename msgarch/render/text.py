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


def significant(value: float, digits: int = 3) -> str:
    """`value` to ``digits`` significant figures, without exponent or trailing zeros."""
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    text = f"{round(value, decimals):.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def quantity(value: float) -> str:
    """1500 -> `1.5k`, 2500000 -> `2.5M`, 12 -> `12`, 0.25 -> `0.25`."""
    for factor, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        rounded = float(significant(value / factor))
        if abs(rounded) >= 1:
            return significant(value / factor) + suffix
    return significant(value)


@lru_cache(maxsize=4096)
def rate(per_second: float | None) -> str:
    """A rate in the first unit (s, min, h, day) where it is at least 1 and a round
    number (as rates are usually written: `120/s`, `250k/min`, `30/h`, `5k/day`), else
    in the first unit where it is at least 1 (`1.23k/s`)."""
    if per_second is None:
        return "?"
    if per_second <= 0:
        return f"{significant(per_second)}/s"
    units = ((1, "s"), (60, "min"), (3600, "h"), (86400, "day"))
    candidates = [(per_second * factor, unit) for factor, unit in units
                  if per_second * factor >= 1 - 1e-9]
    for value, unit in candidates:
        if abs(float(f"{value:.3g}") - value) <= 1e-6 * value:
            return f"{quantity(value)}/{unit}"
    value, unit = candidates[0] if candidates else (per_second * 86400, "day")
    return f"{quantity(value)}/{unit}"


def count(number: int) -> str:
    """An instance count: exact below 10,000, then `250k`."""
    return str(number) if number < 10_000 else quantity(number)


def percent(fraction: float | None) -> str:
    if fraction is None:
        return "?"
    if not math.isfinite(fraction):
        return "unbounded"
    return f"{fraction * 100:.0f}%"


def size(num_bytes: float | None) -> str:
    if num_bytes is None:
        return "?"
    for factor, unit in ((1e9, "GB"), (1e6, "MB"), (1e3, "KB")):
        if num_bytes >= factor:
            return f"{significant(num_bytes / factor)} {unit}"
    return f"{significant(num_bytes)} B"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    for factor, unit in ((86400, "d"), (3600, "h"), (60, "min"), (1, "s"), (1e-3, "ms")):
        if seconds >= factor:
            return f"{significant(seconds / factor)} {unit}"
    return f"{significant(seconds * 1e6)} us"
