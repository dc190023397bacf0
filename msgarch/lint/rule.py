"""The Rule base class, the Finding a rule yields, and the context every rule reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Iterator

import networkx as nx

from msgarch.diagnostics import Related, Severity, Span
from msgarch.model.model import Model


@dataclass(frozen=True)
class Finding:
    """What a rule reports: a message about a model element (the anchor).

    The framework turns the anchor (and the property named by ``prop``) into a span,
    so rules never deal with line numbers.
    """

    anchor: Any  # a model element with .span and .prop_spans, or a Span
    message: str
    hint: str = ""
    prop: str | None = None
    related: tuple[Related, ...] = ()
    severity: Severity | None = None  # None: the rule's default
    span: Span | None = None  # explicit location, wins over anchor/prop

    def location(self) -> Span | None:
        if self.span is not None:
            return self.span
        if isinstance(self.anchor, Span):
            return self.anchor
        prop_spans = getattr(self.anchor, "prop_spans", None) or {}
        if self.prop is not None and self.prop in prop_spans:
            return prop_spans[self.prop]
        return getattr(self.anchor, "span", None)

    def declaration(self) -> Span | None:
        """The span of the declaration the finding is about (for suppression comments)."""
        if isinstance(self.anchor, Span):
            return self.anchor
        return getattr(self.anchor, "span", None)


@dataclass
class LintContext:
    """What every rule reads: the model, its graph (built once), and shared analyses."""

    model: Model
    graph: nx.MultiDiGraph
    profile_dirs: tuple[str, ...] = ()
    _cache: dict[str, Any] = field(default_factory=dict)
    profile_errors: list = field(default_factory=list)
    broken_profiles: set = field(default_factory=set)  # brokers whose profile file failed (E003)

    def cached(self, key: str, compute: Callable[[], Any]) -> Any:
        """Compute an analysis once per model and share it between rules."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def profile(self, broker_name: str):
        """The capability profile of a declared broker, or None when it cannot be had
        (unknown kind: S001 reports it; a broken profile file: E003 is recorded)."""
        key = f"profile:{broker_name}"
        if key in self._cache:
            return self._cache[key]
        from msgarch import brokers  # imported on first use: keeps `msgarch check` light

        broker = self.model.brokers.get(broker_name)
        profile = None
        if broker is not None:
            try:
                profile = brokers.resolve_profile(broker, self.profile_dirs)
            except KeyError:
                profile = None
            except brokers.ProfileError as exc:
                self.profile_errors.append(exc.to_diagnostic(broker.prop_spans.get("profile", broker.span)))
                self.broken_profiles.add(broker_name)
        self._cache[key] = profile
        return profile

    def flow_profile(self, flow):
        """The profile that judges a flow: its broker's, or, on a derived flow whose
        channel type names another built-in profile (a quorum queue on a `rabbitmq`
        broker: rabbitmq-quorum), that one at the broker's version."""
        base = self.profile(flow.via) if flow.via is not None else None
        kind = getattr(flow, "profile_kind", None)
        if base is None or kind is None or kind == base.id:
            return base
        key = f"profile:{flow.via}:{kind}"
        if key not in self._cache:
            from msgarch import brokers

            broker = self.model.brokers[flow.via]
            try:
                self._cache[key] = brokers.load_builtin(kind, broker.version)
            except KeyError:
                self._cache[key] = base
        return self._cache[key]


class Rule:
    """A lint rule. Subclasses set the class attributes and implement ``check``.

    The subclass docstring is the rule's user documentation: why it matters, then a
    failing and a passing example.
    """

    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    severity: ClassVar[Severity]

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        raise NotImplementedError
