"""msgarch spans (1-based line and column in code points, end exclusive) to and from LSP
positions (0-based line, column in the negotiated code units: UTF-16 unless the client
asked for another)."""

from __future__ import annotations

from lsprotocol import types


def _units(text: str, encoding: str) -> int:
    if encoding == types.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8", errors="surrogatepass"))
    if encoding == types.PositionEncodingKind.Utf32:
        return len(text)
    return len(text.encode("utf-16-le", errors="surrogatepass")) // 2


class Lines:
    """One document's lines, for converting columns."""

    def __init__(self, text: str, encoding: str = types.PositionEncodingKind.Utf16):
        self.lines = text.split("\n")
        self.encoding = encoding
        self._ascii: dict[int, bool] = {}

    def _is_ascii(self, index: int) -> bool:
        known = self._ascii.get(index)
        if known is None:
            known = self._ascii[index] = self.line(index).isascii()
        return known

    def line(self, index: int) -> str:
        return self.lines[index].rstrip("\r") if 0 <= index < len(self.lines) else ""

    def to_lsp(self, line: int, column: int) -> types.Position:
        """1-based line and code-point column -> LSP position."""
        index = max(line - 1, 0)
        if self._is_ascii(index):  # one unit per character in every encoding
            return types.Position(line=index, character=min(max(column - 1, 0), len(self.line(index))))
        text = self.line(index)
        return types.Position(line=index, character=_units(text[:max(column - 1, 0)], self.encoding))

    def range(self, span) -> types.Range:
        return types.Range(start=self.to_lsp(span.line, span.column), end=self.to_lsp(span.end_line, span.end_column))

    def from_lsp(self, position: types.Position) -> tuple[int, int]:
        """LSP position -> 1-based line and code-point column."""
        text = self.line(position.line)
        units = 0
        for index, char in enumerate(text):
            if units >= position.character:
                return position.line + 1, index + 1
            units += _units(char, self.encoding)
        return position.line + 1, len(text) + 1
