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
    #: findings of the run left out of the listing (`--quiet`, `--show`): counted, not shown
    hidden: tuple[Diagnostic, ...] = field(default=(), compare=False)
    #: the lowest severity shown when some are hidden ("error", "warning")
    shown_from: str = field(default="info", compare=False)

    def counts(self) -> dict[str, int]:
        """Findings by severity, hidden ones included."""
        counter = Counter(d.severity.label for d in (*self.diagnostics, *self.hidden))
        return {level.label: counter.get(level.label, 0) for level in (Severity.ERROR, Severity.WARNING, Severity.INFO)}

    def hidden_counts(self) -> dict[str, int]:
        counter = Counter(d.severity.label for d in self.hidden)
        return {level.label: counter[level.label] for level in (Severity.ERROR, Severity.WARNING, Severity.INFO)
                if counter[level.label]}

    def showing(self, lowest: Severity) -> "Report":
        """The same run listing only findings at or above ``lowest`` (input errors always)."""
        shown = tuple(d for d in self.diagnostics if d.severity >= lowest or d.is_input_error)
        hidden = tuple(d for d in self.diagnostics if not (d.severity >= lowest or d.is_input_error))
        return Report(shown, self.files, self.sources, hidden, lowest.label)

    def by_rule(self) -> list[tuple[str, str, int]]:
        counter = Counter((d.code, d.name) for d in (*self.diagnostics, *self.hidden))
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
