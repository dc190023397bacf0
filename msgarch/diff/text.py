"""The human text format of `msgarch diff`: verdict, changes with reasons, findings, capacity."""

from __future__ import annotations

import click

from msgarch.diagnostics import Diagnostic
from msgarch.diff.changes import BrokerFigures, CapacityDelta, ElementChange, Level, ModelDiff, verdict
from msgarch.diff.values import show, show_percent, show_rate

_COLOURS = {Level.BREAKING: "red", Level.RISKY: "yellow", Level.SAFE: "green"}


def counts_sentence(diff: ModelDiff) -> str:
    counts = diff.counts()
    if not diff.changes:
        return "no change"
    parts = [f"{counts[level]} {level}" for level in ("breaking", "risky", "safe") if counts[level]]
    total = len(diff.changes)
    return f"{total} element{'s' if total != 1 else ''} changed ({', '.join(parts)})"


def findings_sentence(diff: ModelDiff) -> str:
    introduced, resolved = len(diff.findings_introduced), len(diff.findings_resolved)
    errors = diff.errors_introduced
    text = f"{introduced} finding{'s' if introduced != 1 else ''} introduced"
    if errors:
        text += f" ({errors} error{'s' if errors != 1 else ''})"
    return text + f", {resolved} resolved"


def element_title(change: ElementChange) -> str:
    if change.category == change.name == "system":
        return "system"  # the one system block, not "system system"
    title = f"{change.category} {change.name}"
    if change.previous_name:
        title += f" (was {change.previous_name})"
    return title


def flow_change(how: str, props) -> str:
    """"changed (consumers, rate)": a derived flow's change, with what differs in it."""
    return f"{how} ({', '.join(props)})" if how == "changed" and props else how


def location(d: Diagnostic) -> str:
    return "model" if d.span is None else f"{d.span.path}:{d.span.line}:{d.span.column}"


def figures_text(delta: CapacityDelta) -> list[str]:
    """(utilisation before -> after, traffic before -> after) in words."""
    def util(f):
        return "-" if f is None else show_percent(f.utilisation)

    def traffic(f):
        if f is None:
            return "-"
        if isinstance(f, BrokerFigures):
            return show_rate(f.peak_messages)
        return show_rate(f.peak)

    return [f"{util(delta.before)} -> {util(delta.after)}", f"{traffic(delta.before)} -> {traffic(delta.after)}"]


def capacity_models(diff: ModelDiff) -> list[str]:
    """The distinct models behind the capacity figures, so every figure names its model."""
    models = []
    for delta in diff.capacity:
        for f in (delta.before, delta.after):
            if f is not None and f.model not in models:
                models.append(f.model)
    return models


def model_refs(delta: CapacityDelta, models: list[str]) -> str:
    """"model 2 -> 3": which of ``models`` produced the figures before and after."""
    refs = ["-" if f is None else str(models.index(f.model) + 1) for f in (delta.before, delta.after)]
    return f"model {refs[0]}" if refs[0] == refs[1] else f"model {refs[0]} -> {refs[1]}"


def render_one(diff: ModelDiff, colour: bool = False) -> list[str]:
    style = (lambda text, **kw: click.style(text, **kw)) if colour else (lambda text, **kw: text)

    def tag(level: Level) -> str:
        return style(f"[{level.label}]", fg=_COLOURS[level], bold=level != Level.SAFE)

    out = [style(f"msgarch diff: {diff.old_label} -> {diff.new_label}", bold=True)]
    level = diff.level
    out.append(f"verdict: {'unchanged' if level is None else level.label}: {counts_sentence(diff)}; "
               f"lint: {findings_sentence(diff)}")
    for change in diff.changes:
        out.append("")
        out.append(f"{style(element_title(change), bold=True)}  {change.change}  {tag(change.level)}")
        for reason in change.reasons:
            out.append(f"  * {tag(reason.level)} {reason.text}")
        for prop in change.properties:
            out.append(f"  {prop.name}: {show(prop.before, prop.unit)} -> {show(prop.after, prop.unit)}")
            for reason in prop.reasons:
                out.append(f"      {tag(reason.level)} {reason.text}")
        for flow_id, how, props in change.flows:
            out.append(f"  derived flow {flow_id}: {flow_change(how, props)}")
    if diff.findings_introduced or diff.findings_resolved:
        out.append("")
        out.append(style("lint findings", bold=True))
        for d in diff.findings_introduced:
            out.append(f"  + {location(d)}: {d.code} [{d.severity.label}] {d.message}")
        for d in diff.findings_resolved:
            out.append(f"  - {location(d)}: {d.code} [{d.severity.label}] {d.message} (in OLD)")
    if diff.capacity:
        out.append("")
        out.append(style("capacity at peak (before -> after)", bold=True))
        models = capacity_models(diff)
        for delta in diff.capacity:
            util, traffic = figures_text(delta)
            what = "utilisation" if delta.category == "component" else "load"
            out.append(f"  {delta.category} {delta.name}: {what} {util}, "
                       f"{'arrivals' if delta.category == 'component' else 'messages in+out'} {traffic} "
                       f"[{model_refs(delta, models)}]")
        for i, model in enumerate(models, 1):
            out.append(f"  model {i}: {model}")
    for note in diff.notes:
        out.append(f"note: {note}")
    return out


def render(diffs: list[ModelDiff], colour: bool = False) -> str:
    if not diffs:
        return "No architecture changed.\n"
    blocks = ["\n".join(render_one(d, colour)) for d in diffs]
    if len(diffs) > 1:
        blocks.append(f"overall verdict: {verdict(diffs)} ({len(diffs)} architectures)")
    return "\n\n".join(blocks) + "\n"
