"""The Markdown format of `msgarch diff`, made for a pull-request comment.

A one-line verdict, a summary table (one row per element), details per element (each
property before -> after with its level and reason), lint findings introduced and
resolved, and the capacity deltas with the model behind them. The last line is the
marker ``<!-- msgarch-diff -->`` so a workflow can find and update its own comment.
"""

from __future__ import annotations

from msgarch.diff.changes import ElementChange, Level, ModelDiff, verdict
from msgarch.diff.text import (
    capacity_models, counts_sentence, figures_text, findings_sentence, flow_change, location, model_refs,
)
from msgarch.diff.values import show

MARKER = "<!-- msgarch-diff -->"
_ICONS = {"breaking": ":x:", "risky": ":warning:", "safe": ":white_check_mark:", "unchanged": ":white_check_mark:"}


def cell(text: str) -> str:
    """Text safe inside a table cell: no pipes, no line breaks."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def code(text: str) -> str:
    return "`" + str(text).replace("`", "'") + "`"


def level_text(level: Level) -> str:
    return f"**{level.label}**" if level != Level.SAFE else level.label


def _element(change: ElementChange) -> str:
    if change.category == change.name == "system":
        return "system"  # the one system block, not "system `system`"
    text = f"{change.category} {code(change.name)}"
    if change.previous_name:
        text += f" (was {code(change.previous_name)})"
    return text


def _why(change: ElementChange) -> str:
    reasons = change.all_reasons
    if not reasons:
        return ""
    more = len(reasons) - 1
    return cell(reasons[0].text) + (f" (+{more} more)" if more else "")


def _summary_table(diff: ModelDiff) -> list[str]:
    rows = ["| element | change | level | why |", "| --- | --- | --- | --- |"]
    for change in diff.changes:
        rows.append(f"| {_element(change)} | {change.change} | {level_text(change.level)} | {_why(change)} |")
    return rows


def _details(change: ElementChange) -> list[str]:
    out = [f"#### {_element(change)}: {change.change}, {change.level.label}", ""]
    for reason in change.reasons:
        out.append(f"- {level_text(reason.level)}: {cell(reason.text)}")
    if change.reasons:
        out.append("")
    if change.flows:
        out += [f"- derived flow {code(flow_id)}: {cell(flow_change(how, props))}"
                for flow_id, how, props in change.flows] + [""]
    if change.properties:
        out += ["| property | before | after | level | why |", "| --- | --- | --- | --- | --- |"]
        for prop in change.properties:
            why = "; ".join(r.text for r in prop.reasons)
            out.append(f"| {prop.name} | {cell(show(prop.before, prop.unit))} | {cell(show(prop.after, prop.unit))} "
                       f"| {level_text(prop.level)} | {cell(why)} |")
        out.append("")
    return out


def _findings(title: str, findings) -> list[str]:
    if not findings:
        return []
    out = [f"#### {title}", "", "| location | rule | severity | message |", "| --- | --- | --- | --- |"]
    for d in findings:
        message = d.message + (f" (hint: {d.hint})" if d.hint else "")
        out.append(f"| {code(location(d))} | {d.code} {d.name} | {d.severity.label} | {cell(message)} |")
    return out + [""]


def _capacity(diff: ModelDiff) -> list[str]:
    if not diff.capacity:
        return []
    models = capacity_models(diff)
    out = ["#### Capacity at peak", "", "| element | utilisation | traffic | headroom | model |",
           "| --- | --- | --- | --- | --- |"]
    for delta in diff.capacity:
        util, traffic = figures_text(delta)
        headroom = f"{delta.headroom_after * 100:.0f}%"
        out.append(f"| {delta.category} {code(delta.name)} | {cell(util)} | {cell(traffic)} | {headroom} "
                   f"| {model_refs(delta, models)} |")
    out += ["", "Component utilisation is per instance at peak; broker traffic counts messages in and out. Models:", ""]
    out += [f"{i}. {cell(model)}" for i, model in enumerate(models, 1)]
    return out + [""]


def render_one(diff: ModelDiff, heading: bool) -> list[str]:
    level = diff.level
    name = "unchanged" if level is None else level.label
    out = []
    if heading:
        out += [f"### {_ICONS[name]} {code(diff.new_label)}: {name}", ""]
    out += [f"{code(diff.old_label)} → {code(diff.new_label)}: {counts_sentence(diff)}; "
            f"lint: {findings_sentence(diff)}.", ""]
    if diff.changes:
        out += _summary_table(diff) + [""]
        out += ["<details><summary>Details per element</summary>", ""]
        for change in diff.changes:
            out += _details(change)
        out += ["</details>", ""]
    out += _findings("New lint findings", diff.findings_introduced)
    out += _findings(f"Resolved lint findings (located in {code(diff.old_label)})", diff.findings_resolved)
    out += _capacity(diff)
    for note in diff.notes:
        out.append(f"> {cell(note)}")
    if diff.notes:
        out.append("")
    return out


def render(diffs: list[ModelDiff], colour: bool = False) -> str:
    overall = verdict(diffs)
    counts = {level: sum(d.counts()[level] for d in diffs) for level in ("breaking", "risky", "safe")}
    errors = sum(d.errors_introduced for d in diffs)
    if not diffs:
        head = f"{_ICONS['unchanged']} **msgarch diff: no architecture changed**"
    else:
        parts = [f"{counts[k]} {k}" for k in ("breaking", "risky", "safe") if counts[k]] or ["no change"]
        head = (f"{_ICONS[overall]} **msgarch diff: {overall}**: {', '.join(parts)}; "
                f"{errors} new lint error{'s' if errors != 1 else ''}")
    out = [head, ""]
    for diff in diffs:
        out += render_one(diff, heading=len(diffs) > 1)
    out.append(MARKER)
    return "\n".join(out) + "\n"
