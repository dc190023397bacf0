"""The data a semantic diff produces: levels, reasons, property and element changes, deltas."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from msgarch.diagnostics import Diagnostic, Span


class Level(IntEnum):
    """How much a change matters to what already runs; ordered SAFE < RISKY < BREAKING."""

    SAFE = 0
    RISKY = 1
    BREAKING = 2

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, order=True)
class Reason:
    """Why a change has its level, in the reviewer's words (cites the profile fact when one decides)."""

    level: Level
    text: str


def top_level(reasons) -> Level:
    return max((r.level for r in reasons), default=Level.SAFE)


#: Element categories in the order every format lists them (channel, route and endpoint:
#: language v2 declarations; an endpoint is a publish or a consume).
CATEGORIES = ("system", "broker", "component", "message", "kind", "channel", "route", "endpoint", "flow")


@dataclass(frozen=True)
class PropertyChange:
    """One property before -> after, in SI units (``unit`` says which), with its classification."""

    name: str  # as written in the language: "max-size", "dead-letter", "consumers"
    before: Any
    after: Any
    unit: str  # "msg/s", "bytes", "s", "fraction", "years", "" for words, flags and counts
    reasons: tuple[Reason, ...] = ()

    @property
    def level(self) -> Level:
        return top_level(self.reasons)


@dataclass(frozen=True)
class ElementChange:
    """An element added, removed or changed; ``affected`` when only a consequence touched it."""

    category: str  # one of CATEGORIES
    name: str  # the element's name; a flow's id ("producer->c1,c2:Message"), a route's "a->b", an
    # endpoint's "billing consumes OrderPaid from billing-q"
    change: str  # "added", "removed", "changed" or "affected"
    properties: tuple[PropertyChange, ...] = ()
    reasons: tuple[Reason, ...] = ()  # about the element as a whole (added, removed, capabilities, capacity)
    previous_name: str | None = None  # a flow whose consumer set changed, an endpoint moved: its id before
    old_span: Span | None = field(default=None, compare=False)
    new_span: Span | None = field(default=None, compare=False)
    # channel, route and endpoint changes: the derived flows they change, (flow id, change, the
    # flow properties that differ), which are not listed again as flow changes
    flows: tuple[tuple[str, str, tuple[str, ...]], ...] = ()

    @property
    def level(self) -> Level:
        return max([top_level(self.reasons)] + [p.level for p in self.properties])

    @property
    def all_reasons(self) -> tuple[Reason, ...]:
        """Every reason, the element's first, strongest first within each, duplicates dropped."""
        seen: dict[str, Reason] = {}
        for reason in sorted(self.reasons, key=lambda r: -r.level) + sorted(
                (r for p in self.properties for r in p.reasons), key=lambda r: -r.level):
            seen.setdefault(reason.text, reason)
        return tuple(sorted(seen.values(), key=lambda r: -r.level))

    @property
    def sort_key(self) -> tuple:
        return (CATEGORIES.index(self.category), self.name, self.change, self.previous_name or "")


@dataclass(frozen=True)
class ConsumerFigures:
    """One consumer component's load in one model (``consumer_loads``)."""

    utilisation: float | None  # per instance at peak; None when the capacity is unknown
    peak: float  # msg/s arriving at peak
    rate: float  # msg/s arriving on average
    capacity: float | None  # msg/s all instances together
    instances: int
    model: str  # how the figures were computed


@dataclass(frozen=True)
class BrokerFigures:
    """One broker's load in one model (``broker_loads``)."""

    utilisation: float | None  # peak messages / capacity; None when the capacity is unknown
    peak_messages: float  # msg/s in + out at peak
    capacity: float | None  # msg/s, nodes x capacity per node
    bytes_per_s: float | None  # at peak; None when a message size is unknown
    model: str


@dataclass(frozen=True)
class CapacityDelta:
    """A consumer's or a broker's load before -> after (None: absent on that side)."""

    category: str  # "component" or "broker"
    name: str
    before: ConsumerFigures | BrokerFigures | None
    after: ConsumerFigures | BrokerFigures | None
    headroom_before: float
    headroom_after: float


@dataclass(frozen=True)
class Side:
    """What the diff knows of one architecture: the model and what was computed from it.

    ``findings`` are its lint diagnostics; ``consumers`` and ``brokers`` its capacity
    figures (from ``consumer_loads`` / ``broker_loads``, keyed by name); ``label`` says where
    it came from (``HEAD~1:arch.msgarch``, a file path, ``(absent)``).
    """

    label: str
    model: Any  # msgarch.model.model.Model
    findings: tuple[Diagnostic, ...] = ()
    consumers: dict[str, ConsumerFigures] = field(default_factory=dict)
    brokers: dict[str, BrokerFigures] = field(default_factory=dict)
    absent: bool = False  # the file does not exist on this side (added or deleted file)


@dataclass(frozen=True)
class ModelDiff:
    """The semantic diff of one architecture, OLD -> NEW, with its consequences."""

    old_label: str
    new_label: str
    changes: tuple[ElementChange, ...]
    findings_introduced: tuple[Diagnostic, ...] = ()
    findings_resolved: tuple[Diagnostic, ...] = ()
    capacity: tuple[CapacityDelta, ...] = ()
    notes: tuple[str, ...] = ()  # what could not be checked, and why

    @property
    def level(self) -> Level | None:
        """The strongest change; None when nothing changed."""
        return max((c.level for c in self.changes), default=None)

    @property
    def errors_introduced(self) -> int:
        from msgarch.diagnostics import Severity

        return sum(1 for d in self.findings_introduced if d.severity == Severity.ERROR)

    def counts(self) -> dict[str, int]:
        out = {"breaking": 0, "risky": 0, "safe": 0, "added": 0, "removed": 0, "changed": 0, "affected": 0}
        for change in self.changes:
            out[change.level.label] += 1
            out[change.change] += 1
        return out

    @property
    def unchanged(self) -> bool:
        return not self.changes and not self.findings_introduced and not self.findings_resolved


#: --fail-on choices. The levels fail on a change at or above them; new-errors on a lint
#: error present in NEW and not in OLD; never does not fail.
FAIL_ON = ("breaking", "risky", "new-errors", "never")


def fails(diffs, fail_on) -> bool:
    """True when any diff has what one of the ``fail_on`` conditions names."""
    for condition in fail_on:
        for diff in diffs:
            level = diff.level
            if condition == "breaking" and level is not None and level >= Level.BREAKING:
                return True
            if condition == "risky" and level is not None and level >= Level.RISKY:
                return True
            if condition == "new-errors" and diff.errors_introduced:
                return True
    return False


def verdict(diffs) -> str:
    """"breaking", "risky", "safe" or "unchanged" over every diff of a run."""
    levels = [d.level for d in diffs if d.level is not None]
    if not levels:
        return "unchanged"
    return max(levels).label
