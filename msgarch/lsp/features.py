"""Hover, completion, navigation, code actions and document symbols over a Project.

Positions here are msgarch's: 1-based line and code-point column (msgarch.lsp.positions
converts them to the protocol's); results are plain data the server turns into protocol
types.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass

from msgarch.diagnostics import Diagnostic, Span
from msgarch.dsl import ast
from msgarch.dsl.parser import BLOCK_PROPERTIES, DECLARATION_KEYWORDS
from msgarch.lsp import names
from msgarch.lsp.project import Project, RootResult, normalise, span_contains
from msgarch.model import settings as _settings
from msgarch.model.model import DELIVERY_GUARANTEES, PATTERNS, PLATFORM_FEATURES, ROUTING_STYLES

#: The generated rule pages (docs/rules/<family>.md), when msgarch runs from its source tree.
DOCS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "docs", "rules")

#: A flow (or kind, publish, consume) property -> the profile fact that judges it.
FLOW_FACTS = {
    "delivery": "delivery", "durable": "durable", "ordered": "ordering", "priority": "priority",
    "ttl": "ttl", "delay": "delay", "dead-letter": "dead-letter", "replay": "replay",
    "retention": "replay", "latency": "latency", "rate": "throughput", "peak": "throughput",
    "timeout": "patterns.request-reply", "partitions": "ordering", "backlog": "latency",
}
BROKER_FACTS = {"nodes": "replicated", "replication": "replicated", "capacity": "throughput",
                "max-message": "max-message", "storage": "replay"}


@functools.lru_cache(maxsize=None)
def rule_doc_url(code: str, name: str) -> str | None:
    """A file: URI of the rule's page: the generated reference page of its family when
    msgarch runs from its source tree, else the rule's doc (as `msgarch rule CODE`
    prints it) written once to the user's cache directory."""
    from pathlib import Path

    from msgarch.lint.registry import find_rule

    rule = find_rule(code) if re.fullmatch(r"[A-Z]\d{3}", code) else None
    if rule is None:
        return None
    page = os.path.join(DOCS_DIR, f"{code[0]}.md")
    if os.path.isfile(page):
        return Path(page).as_uri() + f"#{code.lower()}-{rule.name}"
    import inspect

    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "msgarch" / "rules"
    target = cache / f"{code}.md"
    try:
        if not target.is_file():
            cache.mkdir(parents=True, exist_ok=True)
            target.write_text(f"# {code} {rule.name}\n\n{inspect.cleandoc(rule.__doc__ or '')}\n", encoding="utf-8")
    except OSError:
        return None
    return target.as_uri()


# -- where the cursor is --------------------------------------------------------------
def _block_of(decl) -> str:
    if isinstance(decl, ast.EndpointDecl):
        return decl.role
    return {ast.FlowDecl: "flow", ast.KindDecl: "kind", ast.ChannelDecl: "channel", ast.BrokerDecl: "broker",
            ast.ComponentDecl: "component", ast.MessageDecl: "message", ast.SystemDecl: "system",
            ast.RouteDecl: "route", ast.UseDecl: "use"}[type(decl)]


def _decls(file: ast.File):
    for decl in file.decls:
        yield decl
        if isinstance(decl, ast.ComponentDecl):
            yield from decl.endpoints


def property_at(file: ast.File, line: int, column: int):
    """(declaration, property) whose keyword is under the cursor, else None."""
    for decl in _decls(file):
        for prop in getattr(decl, "props", ()):
            s = prop.span
            if s.line == line and s.column <= column <= s.column + len(prop.name):
                return decl, prop
    return None


def decl_at_line(file: ast.File, line: int):
    """The innermost declaration whose header starts on ``line``."""
    found = None
    for decl in _decls(file):
        if decl.span.line == line:
            found = decl
    return found


# -- profiles -------------------------------------------------------------------------
def _context(result: RootResult):
    from msgarch.lint.rule import LintContext

    return LintContext(result.model, None, result.config.profiles)


def _kind_profile(kind: str, result: RootResult | None, broker_name: str | None):
    from msgarch.brokers import builtin_ids, load_builtin

    if result is not None and result.model is not None and broker_name in result.model.brokers:
        try:
            return _context(result).profile(broker_name)
        except Exception:  # noqa: BLE001 - a broken profile file is E003's to report
            return None
    return load_builtin(kind) if kind in builtin_ids() else None


def _source_link(source: str) -> str:
    return f"[{source}]({source})" if source.startswith("http") else source


def _fact_lines(fact, label: str | None = None) -> list[str]:
    head = f"- **{label or fact.path}**: {fact.summary()}"
    lines = [head]
    if fact.note:
        lines.append(f"  {fact.note}")
    lines.append(f"  source: {_source_link(fact.source) if fact.source else 'none given'}")
    if fact.uncertain:
        lines.append(f"  uncertain: {fact.uncertain}")
    return lines


def profile_hover(profile) -> str:
    from msgarch.brokers.matrix import ROW_LABELS
    from msgarch.brokers.profiles import FACT_PATHS

    assumed = profile.data.get("assumed-version")
    version = f"version {profile.version}" if profile.version else (
        f"version not declared: the profile assumes {assumed} (a default you did not write)" if assumed else "")
    out = [f"**{profile.id}** profile: {profile.name} ({profile.model}" + (f"; {version}" if version else "") + ")",
           "", profile.description, ""]
    for path in FACT_PATHS:
        out.extend(_fact_lines(profile.fact(path), ROW_LABELS.get(path, path)))
    return "\n".join(out)


def _setting_entry(profile, block: str, decl, keyword: str, model) -> dict | None:
    data = profile.data
    if block in ("publish", "consume"):
        return (data.get("endpoints", {}).get(block, {}) or {}).get(keyword)
    if block == "channel":
        ctype = (data.get("channels", {}) or {}).get(decl.type.text, {}) or {}
        return (ctype.get("settings", {}) or {}).get(keyword)
    if block == "broker":
        return (data.get("broker-settings", {}) or {}).get(keyword)
    return None


def _entry_lines(profile, keyword: str, entry: dict) -> list[str]:
    out = [f"**{keyword}** in the {profile.id} profile: {entry.get('vendor', keyword)}"]
    default = entry.get("default")
    out.append(f"- default: {'none' if default is None else default}" +
               (f" ({entry['means']})" if entry.get("means") else ""))
    if entry.get("values"):
        out.append(f"- values: {', '.join(map(str, entry['values']))}")
    if entry.get("since"):
        out.append(f"- since version {entry['since']}")
    out.append(f"- source: {_source_link(entry['source']) if entry.get('source') else 'none given'}")
    if entry.get("uncertain"):
        out.append(f"- uncertain: {entry['uncertain']}")
    return out


def _flows_of(result: RootResult, decl) -> list:
    if result.model is None:
        return []
    return [f for f in result.model.flows if f.span == decl.span or
            any(span == decl.span for span, _ in f.origins)]


def _property_hover(result: RootResult, decl, prop: ast.Property) -> str | None:
    block = _block_of(decl)
    model = result.model
    if model is None:
        return None
    ctx = _context(result)
    keyword = prop.name
    if block == "broker":
        profile = ctx.profile(decl.name.text)
        if profile is None:
            return None
        entry = _setting_entry(profile, block, decl, keyword, model)
        if entry is not None:
            return "\n".join(_entry_lines(profile, keyword, entry))
        path = BROKER_FACTS.get(keyword)
        if keyword == "version":
            return (f"**version** of `{decl.name.text}`: the {profile.id} profile applies the overrides of the "
                    f"version ranges it falls in; without it the profile assumes "
                    f"{profile.data.get('assumed-version', 'its base facts')}")
        return "\n".join(_fact_lines(profile.fact(path))) if path else None
    if block == "channel":
        channel = model.channels.get(decl.name.text)
        profile = ctx.profile(channel.broker) if channel is not None else None
        entry = _setting_entry(profile, block, decl, keyword, model) if profile is not None else None
        return "\n".join(_entry_lines(profile, keyword, entry)) if entry else None
    if block in ("publish", "consume"):
        channel = model.channels.get(decl.channel.text)
        profile = ctx.profile(channel.broker) if channel is not None else None
        if profile is None:
            return None
        entry = _setting_entry(profile, block, decl, keyword, model)
        if entry is not None:
            return "\n".join(_entry_lines(profile, keyword, entry))
        flows = _flows_of(result, decl)
        profile = ctx.flow_profile(flows[0]) if flows else profile
    elif block in ("flow", "kind"):
        flows = _flows_of(result, decl) if block == "flow" else [
            f for f in model.flows if f.kind == decl.name.text]
        if not flows:
            return None
        profile = ctx.flow_profile(flows[0])
        if profile is None:
            return None
    else:
        return None
    flow = flows[0] if flows else None
    value = prop.values[0].text if prop.values and hasattr(prop.values[0], "text") else None
    if keyword == "pattern":
        path = f"patterns.{value or (flow.pattern if flow else 'queue')}"
    elif keyword == "routing":
        path = f"routing.{value}" if value in ROUTING_STYLES else None
    elif keyword == "via":
        return profile_hover(profile)
    else:
        path = FLOW_FACTS.get(keyword)
    if path is None:
        return None
    try:
        fact = profile.fact(path)
    except KeyError:
        return None
    where = ""
    if flow is not None:
        where = f"flow `{flow.id}` via `{flow.via}`"
        if not flow.via_declared:
            where += " (no `via` written: the model's only broker, a default you did not write)"
    out = [f"**{keyword}**" + (f" on {where}" if where else "") + f": {profile.id} profile says", ""]
    out.extend(_fact_lines(fact))
    return "\n".join(out)


def _component_hover(result: RootResult, name: str) -> str | None:
    from msgarch.analysis import figures as fig

    model = result.model
    if model is None or name not in model.components:
        return None
    component = model.components[name]
    _facts, consumers, _brokers = result.loads()
    capacity = f"{fig.rate(component.capacity)} per instance" if component.capacity else "capacity not declared"
    out = [f"**component {name}**: {component.instances} instance{'s' if component.instances != 1 else ''}, {capacity}"]
    load = consumers.get(name)
    if load is None or not load.shares:
        out.append("\nReceives no messages (no flow or consume reaches it).")
        return "\n".join(out)
    out.append(f"\nLoad ({load.model}): {fig.rate(load.rate)} average, {fig.rate(load.peak)} at peak, "
               f"from {len(load.shares)} flow{'s' if len(load.shares) != 1 else ''}")
    estimate = load.estimate
    if estimate is None:
        out.append("\nUtilisation unknown: the component declares no `capacity`.")
    else:
        state = "stable" if estimate.stable else "overloaded: the backlog grows"
        out.append(f"\nUtilisation at peak: {fig.percent(estimate.utilisation)} per consumer "
                   f"({estimate.servers} of {estimate.consumers} consumers working; {state}; "
                   f"queueing model: {estimate.model})")
        if estimate.stable and estimate.wait_p99_s is not None:
            out.append(f"\nWait before processing: p99 {fig.seconds(estimate.wait_p99_s)}")
    if load.unknown_flows:
        out.append(f"\nLeft out (no `rate` or `peak`): {fig.names(list(load.unknown_flows), limit=4)}")
    return "\n".join(out)


def _broker_hover(result: RootResult, name: str) -> str | None:
    from msgarch.analysis import figures as fig

    if result.model is None or name not in result.model.brokers:
        return None
    facts, _consumers, brokers = result.loads()
    broker = result.model.brokers[name]
    out = [f"**broker {name}** : {broker.kind}"]
    load = brokers.get(name)
    item = facts.get(name)
    if load is not None:
        out.append(f"\nTraffic ({load.model}): {fig.rate(load.peak.messages)} at peak over {load.nodes} node"
                   f"{'s' if load.nodes != 1 else ''}")
        if load.utilisation is not None:
            out.append(f"\nUtilisation at peak: {fig.percent(load.utilisation)}")
    if item is not None:
        out.append(f"\nCapacity per node: {item.capacity_source}")
    return "\n".join(out)


def hover(project: Project, path: str, line: int, column: int) -> tuple[str, Span | None] | None:
    """Markdown for the cursor: findings there, then the fact, load or profile of what is under it."""
    path = normalise(path)
    result = project.result_for(path)
    tree = project.syntax_tree(path)
    parts: list[str] = []
    where: Span | None = None
    for d in project.diagnostics_for(path):
        if d.span is not None and span_contains(d.span, line, column):
            text = f"**{d.code} {d.name}** ({d.severity.label}): {d.message}"
            if d.hint:
                text += f"\n\nfix: {d.hint}"
            url = rule_doc_url(d.code, d.name)
            if url:
                text += f"\n\n[{d.code} in the rules reference]({url})"
            parts.append(text)
            where = where or d.span
    if tree is not None:
        found = None
        for decl in tree.decls:
            if isinstance(decl, ast.BrokerDecl) and span_contains(decl.kind.span, line, column):
                profile = _kind_profile(decl.kind.text, result, decl.name.text)
                if profile is not None:
                    found = (profile_hover(profile), decl.kind.span)
                break
        if found is None and result is not None:
            hit = property_at(tree, line, column)
            if hit is not None:
                text = _property_hover(result, *hit)
                if text:
                    found = (text, hit[1].span)
        if found is None and result is not None:
            occurrence = names.at(tree, line, column)
            if occurrence is not None and occurrence.category == "component":
                text = _component_hover(result, occurrence.name)
                found = (text, occurrence.span) if text else None
            elif occurrence is not None and occurrence.category == "broker":
                text = _broker_hover(result, occurrence.name)
                found = (text, occurrence.span) if text else None
        if found is not None:
            parts.append(found[0])
            where = where or found[1]
    if not parts:
        return None
    return "\n\n---\n\n".join(parts), where


# -- navigation -----------------------------------------------------------------------
def _scope_files(project: Project, path: str) -> list[ast.File]:
    """The trees of every file in the models ``path`` belongs to: its roots and what they
    include, followed through the `use` lines (so a typo that stops the lint does not
    hide the names declared in the includes)."""
    path = normalise(path)
    files: list[str] = [path]
    for root in project.roots_of(path):
        files.extend(project.includes(root))
    files = list(dict.fromkeys(files))
    trees = [project.syntax_tree(f) for f in files]
    return [t for t in trees if t is not None]


def _target(project: Project, path: str, line: int, column: int) -> names.Occurrence | None:
    tree = project.syntax_tree(path)
    return names.at(tree, line, column) if tree is not None else None


def definition(project: Project, path: str, line: int, column: int) -> list[Span]:
    target = _target(project, path, line, column)
    if target is None:
        return []
    return [o.span for f in _scope_files(project, path) for o in names.occurrences(f)
            if o.declaration and o.category == target.category and o.name == target.name]


def references(project: Project, path: str, line: int, column: int, include_declaration: bool = True) -> list[Span]:
    target = _target(project, path, line, column)
    if target is None:
        return []
    return [o.span for f in _scope_files(project, path) for o in names.occurrences(f)
            if o.category == target.category and o.name == target.name and (include_declaration or not o.declaration)]


NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(-[A-Za-z0-9_]+)*")


def rename(project: Project, path: str, line: int, column: int, new_name: str) -> dict[str, list[tuple[Span, str]]]:
    """path -> edits; raises ValueError when the new name is not a name."""
    if not NAME_RE.fullmatch(new_name):
        raise ValueError(f"'{new_name}' is not a msgarch name (letters, digits, _ and inner -)")
    edits: dict[str, list[tuple[Span, str]]] = {}
    for span in references(project, path, line, column):
        edits.setdefault(span.path, []).append((span, new_name))
    return edits


# -- document symbols -----------------------------------------------------------------
@dataclass
class Symbol:
    name: str
    detail: str
    kind: str  # "class", "module", "struct", "event", "interface", "function", "namespace", "field"
    span: Span  # whole declaration (header through closing brace where known)
    selection: Span
    children: list


def _full_span(decl, text_lines: list[str]) -> Span:
    """The header span widened to the closing brace of its block, when it has one."""
    s = decl.span
    props = getattr(decl, "props", ()) + tuple(getattr(decl, "endpoints", ()))
    end_line, end_col = s.end_line, s.end_column
    for p in props:
        if (p.span.end_line, p.span.end_column) > (end_line, end_col):
            end_line, end_col = p.span.end_line, p.span.end_column
    line = text_lines[end_line - 1] if 0 < end_line <= len(text_lines) else ""
    rest = line[end_col - 1:]
    brace = rest.find("}")
    if brace < 0 and end_line < len(text_lines) and text_lines[end_line].strip().startswith("}"):
        end_line, end_col = end_line + 1, text_lines[end_line].index("}") + 2
    elif brace >= 0:
        end_col = end_col + brace + 1
    return Span(s.path, s.line, s.column, end_line, end_col)


def symbols(project: Project, path: str) -> list[Symbol]:
    tree = project.syntax_tree(path)
    if tree is None:
        return []
    text_lines = (project.text_of(path) or "").split("\n")
    out: list[Symbol] = []

    def names_text(items) -> str:
        return ", ".join(n.text for n in items)

    def endpoint(decl: ast.EndpointDecl) -> Symbol:
        verb = "publishes" if decl.role == "publish" else "consumes"
        where = "to" if decl.role == "publish" else "from"
        label = f"{verb} {names_text(decl.messages)} {where} {decl.channel.text}"
        if not decl.nested:
            label = f"{decl.component.text} {label}"
        return Symbol(label, decl.role, "event", _full_span(decl, text_lines), decl.span, [])

    for decl in tree.decls:
        if isinstance(decl, ast.SystemDecl):
            out.append(Symbol(decl.name.value, "system", "namespace", _full_span(decl, text_lines), decl.name.span, []))
        elif isinstance(decl, ast.UseDecl):
            out.append(Symbol(decl.path.value, "use", "file", decl.span, decl.path.span, []))
        elif isinstance(decl, ast.BrokerDecl):
            out.append(Symbol(decl.name.text, f"broker : {decl.kind.text}", "module", _full_span(decl, text_lines),
                              decl.name.span, []))
        elif isinstance(decl, ast.ComponentDecl):
            out.append(Symbol(decl.name.text, "component", "class", _full_span(decl, text_lines), decl.name.span,
                              [endpoint(e) for e in decl.endpoints]))
        elif isinstance(decl, ast.MessageDecl):
            out.append(Symbol(decl.name.text, "message", "struct", _full_span(decl, text_lines), decl.name.span, []))
        elif isinstance(decl, ast.KindDecl):
            out.append(Symbol(decl.name.text, "kind", "interface", _full_span(decl, text_lines), decl.name.span, []))
        elif isinstance(decl, ast.FlowDecl):
            label = f"{names_text(decl.producers)} -> {names_text(decl.consumers)} : {decl.message.text}"
            out.append(Symbol(label, "flow", "function", _full_span(decl, text_lines), decl.span, []))
        elif isinstance(decl, ast.ChannelDecl):
            out.append(Symbol(decl.name.text, f"channel on {decl.broker.text} : {decl.type.text}", "field",
                              _full_span(decl, text_lines), decl.name.span, []))
        elif isinstance(decl, ast.RouteDecl):
            label = f"{names_text(decl.sources)} -> {names_text(decl.targets)}"
            out.append(Symbol(label, "route", "operator", _full_span(decl, text_lines), decl.span, []))
        elif isinstance(decl, ast.EndpointDecl):
            out.append(endpoint(decl))
    return out


# -- completion -----------------------------------------------------------------------
@dataclass(frozen=True)
class Item:
    label: str
    kind: str  # keyword, property, value, unit, reference, kind
    detail: str = ""
    replace_from: int = 0  # code-point column (1-based) where the replaced word starts


RATE_UNITS = ("/s", "/min", "/h", "/day", "k/s", "M/s")
SIZE_UNITS = ("B", "KB", "MB", "GB", "TB", "KiB", "MiB", "GiB", "TiB")
DURATION_UNITS = ("us", "ms", "s", "min", "h", "d")
_V1_FAMILY = {
    **{k: "rate" for k in ("rate", "peak", "capacity")},
    **{k: "size" for k in ("size", "max-size", "max-message", "storage", "max-request-size")},
    **{k: "duration" for k in ("latency", "timeout", "ttl", "delay", "retention", "backlog")},
    **{k: "percent" for k in ("growth", "headroom")},
    "horizon": "years",
}
_SHAPE_FAMILY = {"duration": "duration", "size": "size", "rate": "rate", "count": "count"}
_ENUMS = {"pattern": PATTERNS, "delivery": DELIVERY_GUARANTEES, "routing": ROUTING_STYLES,
          "requires": PLATFORM_FEATURES}
_FLAG_WORDS = ("on", "off")


def _setting_shape(block: str, keyword: str) -> str | None:
    table = {"channel": _settings.CHANNEL_SETTINGS, "route": _settings.ROUTE_SETTINGS,
             "publish": _settings.PUBLISH_SETTINGS, "consume": _settings.CONSUME_SETTINGS,
             "broker": _settings.BROKER_SETTINGS}.get(block, {})
    shape = table.get(keyword)
    if shape is None and block == "kind":
        shape = _settings.PUBLISH_SETTINGS.get(keyword) or _settings.CONSUME_SETTINGS.get(keyword)
    return shape


def _unit_family(block: str, keyword: str) -> str | None:
    shape = _setting_shape(block, keyword)
    if shape is not None and block != "broker" or (block == "broker" and keyword in _settings.BROKER_SETTINGS):
        return _SHAPE_FAMILY.get(shape)
    return _V1_FAMILY.get(keyword)


def _strip_comment(text: str) -> str | None:
    """The line before the cursor without strings' contents; None when the cursor is in a comment."""
    in_string = False
    for ch in text:
        if ch == '"':
            in_string = not in_string
        elif ch == "#" and not in_string:
            return None
    return text


def _blocks(text: str) -> list[str]:
    """Headers of the blocks open at the end of ``text``, outermost first."""
    stack: list[str] = []
    header_start = 0
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            j = i + 1
            while j < n and text[j] not in '"\n':
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            continue
        if ch == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if ch == "{":
            stack.append(text[header_start:i].strip())
            header_start = i + 1
        elif ch == "}":
            if stack:
                stack.pop()
            header_start = i + 1
        elif ch in "\n;":
            header_start = i + 1
        i += 1
    return stack


def _block_type(header: str) -> str:
    word = header.split()[0] if header.split() else ""
    return {"publishes": "publish", "consumes": "consume"}.get(word, word)


def _profile_kinds(result: RootResult | None) -> list[str]:
    from msgarch.brokers import builtin_ids
    from msgarch.brokers.profiles import user_profile_ids

    dirs = result.config.profiles if result is not None else ()
    return sorted({*builtin_ids(), *user_profile_ids(dirs), "custom"})


def _broker_profile(result: RootResult | None, broker: str):
    if result is None or result.model is None or broker not in result.model.brokers:
        return None
    try:
        return _context(result).profile(broker)
    except Exception:  # noqa: BLE001
        return None


def completion(project: Project, path: str, line: int, column: int) -> list[Item]:
    path = normalise(path)
    text = project.text_of(path) or ""
    lines = text.split("\n")
    current = lines[line - 1] if 0 < line <= len(lines) else ""
    before = _strip_comment(current[:column - 1])
    if before is None:
        return []
    offset = sum(len(x) + 1 for x in lines[:line - 1]) + column - 1
    blocks = _blocks(text[:offset])
    result = project.result_for(path)
    files = _scope_files(project, path)
    word = re.search(r"[A-Za-z0-9_.\-/%]*$", before).group()
    start = column - len(word)
    statement = re.split(r"[;{]", before)[-1].lstrip()

    def out(labels, kind, detail="", from_col=None) -> list[Item]:
        return [Item(label, kind, detail, start if from_col is None else from_col) for label in labels]

    def declared(category):
        return names.declared(files, category)

    # a number: its units
    number = re.search(r"(?<![A-Za-z0-9_.])(\d+(?:\.\d+)?)$", before)
    if number:
        keyword = statement.split()[0] if statement.split() else ""
        block = _block_type(blocks[-1]) if blocks else ""
        family = _unit_family(block, keyword)
        units = {"rate": RATE_UNITS, "size": SIZE_UNITS, "duration": DURATION_UNITS, "percent": ("%",),
                 "count": ("k", "M")}.get(family or "", ())
        if keyword == "horizon":
            return out(("years",), "keyword", "years", column)
        return out(units, "unit", f"{family} unit", column)
    tokens = statement.split()
    typing_word = not before.endswith((" ", "\t", ",", ":", ">", "[")) and bool(tokens)
    complete_tokens = tokens[:-1] if typing_word else tokens
    if not blocks:
        if not complete_tokens:
            return out(DECLARATION_KEYWORDS, "keyword", "declaration")
        head = complete_tokens[0]
        rest = statement[len(head):]
        if head == "broker" and ":" in rest:
            return out(_profile_kinds(result), "kind", "broker kind")
        if head == "flow":
            if ":" in rest:
                return out(declared("message"), "reference", "message")
            if rest.rstrip().endswith("-[") or re.search(r"-\[\s*[\w-]*$", rest):
                return out(declared("kind"), "reference", "kind")
            return out(declared("component"), "reference", "component")
        if head == "channel":
            m = re.match(r"\s*[\w-]+\s+on\s+([\w-]+)\s*:", rest)
            if m:
                profile = _broker_profile(result, m.group(1))
                types_ = sorted((profile.data.get("channels") or {})) if profile is not None else []
                return out(types_, "value", "channel type")
            if re.match(r"\s*[\w-]+\s+on\b", rest):
                return out(declared("broker"), "reference", "broker")
            if len(complete_tokens) == 2:
                return out(("on",), "keyword")
            return []
        if head == "route":
            return out(declared("channel"), "reference", "channel")
        if head in ("publish", "consume"):
            if ":" in rest:
                return out(declared("message"), "reference", "message")
            first, second = ("component", "channel") if head == "publish" else ("channel", "component")
            return out(declared(second if "->" in rest else first), "reference", second if "->" in rest else first)
        return []
    block = _block_type(blocks[-1])
    if not complete_tokens:
        keywords = BLOCK_PROPERTIES.get(block, ())
        if block == "channel":
            m = re.match(r"channel\s+[\w-]+\s+on\s+([\w-]+)\s*:\s*([\w-]+)", blocks[-1])
            profile = _broker_profile(result, m.group(1)) if m else None
            ctype = ((profile.data.get("channels") or {}).get(m.group(2)) or {}) if profile is not None else {}
            if ctype.get("settings"):
                keywords = [k for k in keywords if k in ctype["settings"]]
        return out(sorted(dict.fromkeys(keywords)), "property", f"{block} property")
    keyword = complete_tokens[0]
    if block == "component" and keyword in ("publishes", "consumes"):
        if len(complete_tokens) >= 2 and complete_tokens[-1] in ("to", "from"):
            return out(declared("channel"), "reference", "channel")
        if len(complete_tokens) >= 2 and not complete_tokens[-1].endswith(","):
            return out(("to" if keyword == "publishes" else "from",), "keyword")
        return out(declared("message"), "reference", "message")
    if len(complete_tokens) > 1 and keyword != "requires":
        return []
    if keyword in _ENUMS and (block != "route" or keyword != "via"):
        if keyword == "requires" and block != "system":
            return []
        return out(_ENUMS[keyword], "value", keyword)
    if keyword == "via" and block in ("flow", "kind"):
        return out(declared("broker"), "reference", "broker")
    if keyword == "kind" and block in ("publish", "consume"):
        return out(declared("kind"), "reference", "kind")
    if keyword in ("dead-letter", "alternate-exchange") and block == "channel":
        return out(declared("channel"), "reference", "channel")
    if keyword == "ordered":
        return out(("by",), "keyword")
    shape = _setting_shape(block, keyword)
    if shape == "flag":
        return out(_FLAG_WORDS, "value", "switch")
    if shape == "word":
        values: list[str] = []
        broker = None
        if block in ("publish", "consume") and result is not None and result.model is not None:
            channel_name = re.search(r"(?:to|from)\s+([\w-]+)\s*$", blocks[-1])
            if channel_name is None:
                m = re.match(r"(?:publish|consume)\s+([\w-]+)\s*->\s*([\w-]+)", blocks[-1])
                channel_name = None if m is None else (m.group(2) if block == "publish" else m.group(1))
            else:
                channel_name = channel_name.group(1)
            channel = result.model.channels.get(channel_name or "")
            broker = channel.broker if channel is not None else None
            profile = _broker_profile(result, broker) if broker else None
            entry = ((profile.data.get("endpoints") or {}).get(block) or {}).get(keyword) if profile else None
            values = list((entry or {}).get("values") or ())
        elif block == "channel":
            m = re.match(r"channel\s+[\w-]+\s+on\s+([\w-]+)\s*:\s*([\w-]+)", blocks[-1])
            profile = _broker_profile(result, m.group(1)) if m else None
            ctype = ((profile.data.get("channels") or {}).get(m.group(2)) or {}) if profile is not None else {}
            values = list(((ctype.get("settings") or {}).get(keyword) or {}).get("values") or ())
        return out(values, "value", keyword)
    return []


# -- code actions ---------------------------------------------------------------------
@dataclass(frozen=True)
class Action:
    title: str
    diagnostic: Diagnostic
    edits: dict  # path -> list of (Span, new text)
    preferred: bool = False


_DID_YOU_MEAN = re.compile(r"did you mean '([^']+)'\?")
_INFERRED = re.compile(r"has no `pattern`: inferred ([\w-]+)")
_KIND_LIST = re.compile(r"use a kind that \w+ \(([^)]*)\)")
_FITTING = re.compile(r"built-in brokers that fit: ([\w\-]+(?:, [\w\-]+)*)")
_BROKER_OF = re.compile(r"broker '([\w\-]+)' \(")
_IGNORE = re.compile(r"(msgarch:\s*ignore\[)([^\]]*)(\])", re.IGNORECASE)


def _line(project: Project, path: str, number: int) -> str:
    lines = (project.text_of(path) or "").split("\n")
    return lines[number - 1].rstrip("\r") if 0 < number <= len(lines) else ""


def _comment_start(text: str) -> int | None:
    from msgarch.lint.suppress import _comment_start

    return _comment_start(text)


def suppression_edit(project: Project, d: Diagnostic) -> tuple[Span, str]:
    """Where and what to insert so that `# msgarch: ignore[CODE]` silences ``d``."""
    path, number = d.span.path, d.span.line
    text = _line(project, path, number)
    start = _comment_start(text)
    if start is not None:
        match = _IGNORE.search(text, start)
        if match is not None:
            at = match.end(2) + 1
            return Span(path, number, at, number, at), f", {d.code}" if match.group(2).strip() else d.code
        indent = re.match(r"[ \t]*", text).group()
        return Span(path, number, 1, number, 1), f"{indent}# msgarch: ignore[{d.code}]\n"
    end = len(text) + 1
    return Span(path, number, end, number, end), f"  # msgarch: ignore[{d.code}]"


def add_property_edit(project: Project, decl, keyword_text: str) -> tuple[Span, str]:
    """Insert a property line into ``decl``'s block (opening a block when it has none)."""
    path = decl.span.path
    header = _line(project, path, decl.span.line)
    after_header = header[decl.span.end_column - 1:]
    indent = re.match(r"[ \t]*", header).group()
    brace = after_header.find("{")
    if brace < 0:
        at = decl.span.end_column
        return Span(path, decl.span.end_line, at, decl.span.end_line, at), f" {{ {keyword_text} }}"
    column = decl.span.end_column + brace + 1
    if "}" in after_header[brace:]:  # a one-line block
        return Span(path, decl.span.line, column, decl.span.line, column), f" {keyword_text} "
    next_line = decl.span.line + 1
    return Span(path, next_line, 1, next_line, 1), f"{indent}  {keyword_text}\n"


def _broker_decl(project: Project, occurrence: names.Occurrence):
    tree = project.syntax_tree(occurrence.span.path)
    return next((x for x in (tree.decls if tree else ()) if isinstance(x, ast.BrokerDecl)
                 and x.name.span == occurrence.span), None)


def code_actions(project: Project, path: str, start: tuple[int, int], end: tuple[int, int]) -> list[Action]:
    path = normalise(path)
    tree = project.syntax_tree(path)
    actions: list[Action] = []
    for d in project.diagnostics_for(path):
        if d.span is None:
            continue
        if (d.span.end_line, d.span.end_column) < start or (d.span.line, d.span.column) > end:
            continue
        mean = _DID_YOU_MEAN.search(d.message)
        if mean is not None:
            actions.append(Action(f"Replace with '{mean.group(1)}'", d, {path: [(d.span, mean.group(1))]}, True))
        if tree is not None and d.code == "R504":
            target = next((x for x in tree.decls if isinstance(x, ast.ComponentDecl) and x.name.span.line == d.span.line), None)
            if target is not None and not any(p.name == "idempotent" for p in target.props):
                actions.append(Action(f"Mark '{target.name.text}' idempotent", d,
                                      {path: [add_property_edit(project, target, "idempotent")]}, True))
        inferred = _INFERRED.search(d.message)
        if tree is not None and d.code == "P103" and inferred is not None:
            target = decl_at_line(tree, d.span.line)
            if target is not None and not any(p.name == "pattern" for p in getattr(target, "props", ())):
                actions.append(Action(f"Declare `pattern {inferred.group(1)}`", d,
                                      {path: [add_property_edit(project, target, f"pattern {inferred.group(1)}")]},
                                      True))
        kinds = _KIND_LIST.search(d.hint)
        if tree is not None and kinds is not None:
            broker = next((x for x in tree.decls if isinstance(x, ast.BrokerDecl) and x.span.line == d.span.line
                           or isinstance(x, ast.BrokerDecl) and span_contains(x.span, d.span.line, d.span.column)),
                          None)
            if broker is not None:
                for kind in [k.strip() for k in kinds.group(1).split(",") if k.strip()][:5]:
                    actions.append(Action(f"Change the kind of '{broker.name.text}' to {kind}", d,
                                          {path: [(broker.kind.span, kind)]}))
        fitting = _FITTING.search(d.message)
        broker_name = _BROKER_OF.search(d.message)
        if fitting is not None and broker_name is not None:
            decl = next((o for f in _scope_files(project, path) for o in names.occurrences(f)
                         if o.declaration and o.category == "broker" and o.name == broker_name.group(1)), None)
            kind_decl = _broker_decl(project, decl) if decl is not None else None
            if kind_decl is not None:
                for kind in fitting.group(1).split(", ")[:5]:
                    actions.append(Action(f"Change the kind of broker '{broker_name.group(1)}' to {kind}", d,
                                          {kind_decl.span.path: [(kind_decl.kind.span, kind)]}))
        if not d.is_input_error:
            actions.append(Action(f"Ignore {d.code} here (# msgarch: ignore[{d.code}])", d,
                                  {path: [suppression_edit(project, d)]}))
    return actions
