"""Run the selected rules over one model: severities, suppressions, per-file ignores."""

from __future__ import annotations

from collections import defaultdict

from msgarch.diagnostics import Diagnostic, Related, Severity
from msgarch.lint.config import Config
from msgarch.lint.registry import RULES, find_rule
from msgarch.lint.rule import Finding, LintContext
from msgarch.lint.suppress import Suppression, find_suppressions
from msgarch.model.graph import build_graph
from msgarch.model.model import Model


def lint_model(model: Model, config: Config) -> list[Diagnostic]:
    """Every finding of the enabled rules on ``model``, suppressions applied, sorted."""
    ctx = LintContext(model, build_graph(model), config.profiles)
    enabled = config.enabled_codes()
    raw: list[tuple[Diagnostic, int | None]] = []  # with the line of the declaration concerned
    endpoints = None
    for rule_class in RULES:
        if rule_class.code not in enabled:
            continue
        found = []
        for finding in rule_class().check(ctx):
            declaration = finding.declaration()
            found.append((_to_diagnostic(rule_class, finding, config),
                          declaration.line if declaration is not None else None))
        if rule_class.code.startswith("D") and len(found) > 1:
            if endpoints is None:
                endpoints = _endpoint_names(model)
            found = _merge_message_types(found, endpoints)
        raw.extend(found)
    suppressions = {path: find_suppressions(path, text) for path, text in sorted(model.sources.items())}
    kept, used = _apply_suppressions(raw, suppressions)
    if "S007" in enabled:
        kept.extend(_unused_suppressions(suppressions, used, enabled, config))
    kept = [d for d in kept if d.span is None or d.code not in config.ignored_for(d.span.path)]
    kept.extend(ctx.profile_errors)
    return sorted(set(kept), key=Diagnostic.sort_key)


def _endpoint_names(model: Model):
    """(pattern matching any endpoint id, id -> (the id with its message type as *, message type))."""
    import re
    table = {}
    for e in (*model.publishes, *model.consumes):
        verb, where = ("publishes", "to") if e.role == "publish" else ("consumes", "from")
        table[e.id] = (f"{e.component} {verb} \x00 {where} {e.channel}", e.message)
    if not table:
        return None, table
    pattern = re.compile("|".join(re.escape(i) for i in sorted(table, key=lambda i: (-len(i), i))))
    return pattern, table


def _merge_message_types(found, endpoints):
    """The findings of one D rule that differ only in the message type of one publish or
    consume (``consumes A, B, C from q`` is three endpoints with one line of settings) are
    one finding: on the same span, its message naming the endpoint once with every type
    (``worker consumes A, B, C from q``), the related locations of all of them."""
    pattern, table = endpoints
    if pattern is None:
        return found
    groups: dict[tuple, list] = {}
    order = []
    for diagnostic, line in found:
        types: list[list[str]] = []

        def blank(match):
            general, message = table[match.group(0)]
            types.append([message])
            return general

        key = (diagnostic.span, diagnostic.severity, pattern.sub(blank, diagnostic.message), diagnostic.hint)
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append((diagnostic, line, types))
    out = []
    for key in order:
        group = groups[key]
        if len(group) == 1:
            out.append(group[0][:2])
            continue
        first, line, _ = group[0]
        slots = len(group[0][2])
        names = [list(dict.fromkeys(t[i][0] for _, _, t in group)) for i in range(slots)]
        parts = key[2].split("\x00")
        message = parts[0] + "".join(", ".join(names[i]) + parts[i + 1] for i in range(slots))
        related = list(dict.fromkeys(r for d, _, _ in group for r in d.related))
        out.append((Diagnostic(first.code, first.name, first.severity, message, first.span, first.hint,
                               tuple(related)), line))
    return out


def _to_diagnostic(rule_class, finding: Finding, config: Config) -> Diagnostic:
    severity = config.severity.get(rule_class.code, finding.severity or rule_class.severity)
    location = finding.location()
    related = finding.related
    origins = getattr(finding.anchor, "origins", ())
    if origins:
        # a finding on a derived flow points at the declarations that made it
        known = {r.span for r in related} | {location}
        related += tuple(Related(span, label) for span, label in origins if span not in known)
    return Diagnostic(rule_class.code, rule_class.name, severity, finding.message,
                      location, finding.hint, related)


def _matches(suppression: Suppression, diagnostic: Diagnostic) -> bool:
    if not suppression.codes:
        return True
    return any(c.upper() == diagnostic.code or c.lower() == diagnostic.name for c in suppression.codes)


def _apply_suppressions(diagnostics, suppressions):
    by_line: dict[tuple[str, int], list[Suppression]] = defaultdict(list)
    for items in suppressions.values():
        for s in items:
            by_line[(s.span.path, s.target_line)].append(s)
    kept, used = [], set()
    for d, declaration_line in diagnostics:
        if d.span is None:
            kept.append(d)
            continue
        lines = {d.span.line, declaration_line or d.span.line}
        hits = [s for line in sorted(lines) for s in by_line.get((d.span.path, line), ()) if _matches(s, d)]
        if hits:
            for s in hits:
                used.add((s, _matched_code(s, d)))
        else:
            kept.append(d)
    return kept, used


def _matched_code(suppression: Suppression, diagnostic: Diagnostic) -> str:
    for c in suppression.codes:
        if c.upper() == diagnostic.code or c.lower() == diagnostic.name:
            return c
    return ""


def _unused_suppressions(suppressions, used, enabled, config: Config) -> list[Diagnostic]:
    rule = find_rule("S007")
    severity = config.severity.get("S007", rule.severity)
    out = []
    for items in suppressions.values():
        for s in items:
            if not s.codes:
                if not any(u[0] == s for u in used):
                    out.append(Diagnostic("S007", rule.name, severity, "`msgarch: ignore` silences nothing here",
                                          s.span, "remove the comment"))
                continue
            for code in s.codes:
                target = find_rule(code)
                if target is None:
                    out.append(Diagnostic("S007", rule.name, severity,
                                          f"ignore[{code}]: '{code}' is not a rule code or name", s.span,
                                          "see `msgarch rules` for the codes"))
                elif target.code in enabled and (s, code) not in used:
                    out.append(Diagnostic("S007", rule.name, severity,
                                          f"ignore[{code}] silences nothing here ({target.code} {target.name} "
                                          "reports nothing on this line)", s.span, "remove the code from the comment"))
    return out


def exit_code(diagnostics: list[Diagnostic], fail_on: str) -> int:
    """0, 1 or 2 as the command-line spec says."""
    if any(d.is_input_error for d in diagnostics):
        return 2
    if fail_on == "never":
        return 0
    threshold = Severity.parse(fail_on)
    return 1 if any(d.severity >= threshold for d in diagnostics) else 0
