"""What every output format receives: the sorted diagnostics of a run and its sources."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property

from msgarch.diagnostics import Diagnostic, Severity


@dataclass(frozen=True)
class Report:
    diagnostics: tuple[Diagnostic, ...]
    files: int  # source files read
    sources: dict[str, str] = field(default_factory=dict, compare=False)

    def counts(self) -> dict[str, int]:
        counter = Counter(d.severity.label for d in self.diagnostics)
        return {level.label: counter.get(level.label, 0) for level in (Severity.ERROR, Severity.WARNING, Severity.INFO)}

    def by_rule(self) -> list[tuple[str, str, int]]:
        counter = Counter((d.code, d.name) for d in self.diagnostics)
        return sorted(((code, name, n) for (code, name), n in counter.items()), key=lambda t: (-t[2], t[0]))

    def source_line(self, path: str, line: int) -> str | None:
        lines = self._lines(path)
        if lines is None:
            return None
        return lines[line - 1] if 0 < line <= len(lines) else None

    def _lines(self, path: str) -> list[str] | None:
        """Each file is split once, however many findings it has."""
        if path not in self._split_sources:
            text = self.sources.get(path)
            self._split_sources[path] = None if text is None else text.splitlines()
        return self._split_sources[path]

    @cached_property
    def _split_sources(self) -> dict[str, list[str] | None]:
        return {}
