"""Text from users, profiles and file names made harmless to print.

A terminal obeys escape sequences (clear the screen, set the window title, draw a fake
"All checks passed"), a CI runner reads any output line starting with `::` as a workflow
command, and bidirectional overrides (U+202E...) make text read differently from what it
is. So every character in those classes becomes U+FFFD (one character for one, so carets
stay aligned), and in one-line fields line breaks become spaces. Lone surrogates, which
no encoder accepts, become U+FFFD too.
"""

from __future__ import annotations

import re

#: C0 controls except tab and line breaks, DEL, C1 controls.
_CONTROLS = [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)]
#: Bidirectional embeddings, overrides and isolates, and the marks (Trojan Source).
BIDI = [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_SURROGATES = range(0xD800, 0xE000)

BLOCK_TABLE = {code: "\ufffd" for code in (*_CONTROLS, *BIDI, *_SURROGATES, 0xFFFE, 0xFFFF)}
_LINE = {**BLOCK_TABLE, 0x09: " ", 0x0A: " ", 0x0D: " ", 0x85: " ", 0x2028: " ", 0x2029: " "}

#: What the source loader refuses in a .msgarch file (tab, CR and LF are fine).
UNSAFE_IN_SOURCE = re.compile("[%s]" % "".join(re.escape(chr(c)) for c in (*_CONTROLS, *BIDI)))
#: What a profile string may not contain (newlines and tabs are fine in notes).
UNSAFE_IN_PROFILE = re.compile("[%s]" % "".join(re.escape(chr(c)) for c in (*_CONTROLS, *BIDI))
                               + "|[\ud800-\udfff]")


def line(text: object) -> str:
    """One line of safe text: no control, bidi or surrogate character, no line break."""
    return str(text).translate(_LINE)


def block(text: object) -> str:
    """Safe text keeping its line breaks and tabs."""
    return str(text).translate(BLOCK_TABLE)


def describe(char: str) -> str:
    """`U+001B` for a character that cannot be shown as itself."""
    return f"U+{ord(char):04X}"
