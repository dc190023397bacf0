"""`msgarch recommend` as text and as Markdown (the JSON form is
``msgarch.analysis.recommend.to_data``): the flows, the matrix, one ranking per group of
like frameworks (ties shown as ties), the trade-offs, the split where one broker cannot
serve every flow, the references and the reasons."""

from __future__ import annotations

_TEXT_MARK = {"fits": "ok", "caveat": "~", "no": "NO"}
_MD_MARK = {"fits": "fits", "caveat": "caveat", "no": "**no**"}
_THROUGHPUT = {"fits": "fits", "not-needed": "fits", "scale-out": "needs more nodes", "unknown": "no figure"}


def _shown(ranking, top):
    return ranking[:top] if top else ranking


def _labels(rec) -> dict[str, str]:
    return {row.id: f"F{i}" for i, row in enumerate(rec.flows, 1)}


def _via(row) -> str:
    if row.via is None:
        return "no broker"
    return f"via {row.via}" + (f", {row.current_kind}" if row.current_kind else "")


def _requires_text(ranked) -> str:
    if not ranked.requires:
        return "-"
    return ", ".join(f"{feature} {support}" for feature, support in ranked.requires)


def _standing(ranked) -> str:
    if ranked.fits_every_flow:
        text = "fits every flow"
        if ranked.flows_with_caveat:
            text += (f" ({ranked.flows_with_caveat} with caveats, {ranked.caveats} caveat"
                     f"{'s' if ranked.caveats != 1 else ''})")
        return text
    return (f"does not fit {ranked.flows_unmet} flow{'s' if ranked.flows_unmet != 1 else ''} "
            f"({ranked.requirements_unmet} requirement{'s' if ranked.requirements_unmet != 1 else ''} unmet, "
            f"{ranked.caveats} caveat{'s' if ranked.caveats != 1 else ''})")


def _throughput(ranked) -> str:
    t = ranked.throughput
    if t is None or t.peak is None:
        return ""
    return f"; throughput {_THROUGHPUT[t.status]}: {t.text}"


def _current(ranked) -> str:
    return " (current)" if ranked.current else ""


def _groups(rec):
    return rec.groups if rec.groups else ()


def _group_title(group, several: bool) -> str:
    if not several:
        return ""
    return f" [{group.name}: {len(group.flows)} flow{'s' if len(group.flows) != 1 else ''}]"


def _ranked_shown(rec, top):
    """Every ranked broker shown, once, in group order then rank order."""
    seen, out = set(), []
    for group in _groups(rec):
        for r in _shown(group.ranking, top):
            if r.broker not in seen:
                seen.add(r.broker)
                out.append(r)
    return out


def render_text(rec, top: int = 0) -> str:
    labels = _labels(rec)
    out = [f"Broker recommendation for {rec.model}",
           f"Basis: {rec.basis}.",
           f"System requires: {', '.join(rec.requires) if rec.requires else 'nothing'}", ""]
    if not rec.flows:
        out += ["The model has no flows: nothing to recommend.", ""]
        return "\n".join(out)
    groups = _groups(rec)
    several = len(groups) > 1
    out.append("Flows")
    for row in rec.flows:
        out.append(f"  {labels[row.id]:<4} {row.id} ({_via(row)})")
        out.append(f"       needs: {', '.join(row.needs)}")
    out.append("")
    shown = _ranked_shown(rec, top)
    width = max(len(r.broker) for r in tuple(shown) + rec.references)
    for group in groups:
        group_flows = [row for row in rec.flows if row.id in group.flows]
        flow_cols = [labels[row.id] for row in group_flows]
        col = max(3, max((len(c) for c in flow_cols), default=3))
        out.append("Matrix" + _group_title(group, several)
                   + " (ok = fits, ~ = fits with caveat, NO = does not fit; brokers in rank order"
                   + ("; ref = a reference, not ranked)" if rec.references else ")"))
        out.append(f"  {'rank':>4}  {'broker':<{width}}  " + " ".join(f"{c:<{col}}" for c in flow_cols).rstrip())
        rows_shown = [(r.rank_text, r.broker) for r in _shown(group.ranking, top)]
        for rank, broker in rows_shown + [("ref", r.broker) for r in rec.references]:
            marks = [_TEXT_MARK[rec.cell(row.id, broker).status] for row in group_flows]
            out.append(f"  {rank:>4}  {broker:<{width}}  " + " ".join(f"{m:<{col}}" for m in marks).rstrip())
        out.append("")
        out.append("Ranking" + _group_title(group, several)
                   + " (fits every flow first, then fewest flows and requirements unmet, then throughput; "
                     "ties: the system's requires, then fewest caveats; equal brokers share a rank, n=, "
                     "the current one first)")
        for r in _shown(group.ranking, top):
            out.append(f"  {r.rank_text + '.':>5} {r.broker:<{width}}  {_standing(r)}; requires: "
                       f"{_requires_text(r)}{_throughput(r)}{_current(r)}")
        out.append("")
        if several:
            out.append(f"  Why apart: {group.why}.")
            out.append("")
        tradeoffs = [r for r in group.ranking if r.tradeoff]
        if tradeoffs:
            out.append("Trade-offs (a miss is ranked below any number of caveats: both are shown)")
            for r in tradeoffs:
                out.append(f"  {r.broker}: {r.tradeoff}")
            out.append("")
        if group.split or group.unserved:
            out.append("Split (no one broker fits every flow"
                       + (f" of the {group.name} group" if several else "") + ")")
            for broker, flows in group.split:
                out.append(f"  {broker}: {', '.join(labels[f] for f in flows)} ({', '.join(flows)})")
            if group.unserved:
                out.append(f"  no built-in broker fits: {', '.join(labels[f] for f in group.unserved)}")
            out.append("")
    if any(r.throughput is not None and r.throughput.peak is not None for r in shown):
        out.append(f"Throughput model: {rec.throughput_model}.")
        out.append("")
    if rec.references:
        out.append("Reference (not ranked: a specification, not a broker one deploys)")
        for r in rec.references:
            out.append(f"   ref. {r.broker:<{width}}  {_standing(r)}; {r.note}")
        out.append("")
    out.append("Reasons (requirements that do not fit or fit with a caveat)")
    for broker, title in [(r.broker, r.broker) for r in shown] + [(r.broker, f"{r.broker} (reference)")
                                                                   for r in rec.references]:
        problems = [(row, v) for row in rec.flows for v in rec.cell(row.id, broker).verdicts
                    if v.status != "fits"]
        if not problems:
            out.append(f"  {title}: every requirement fits")
            continue
        out.append(f"  {title}:")
        for row, verdict in problems:
            out.append(f"    {labels[row.id]} {verdict.need}: {verdict.label}: {verdict.reason()}")
    out.append("")
    return "\n".join(out)


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(rec, top: int = 0) -> str:
    labels = _labels(rec)
    out = [f"# Broker recommendation for `{rec.model}`", "",
           f"Basis: {rec.basis}.", "",
           f"System requires: {', '.join(rec.requires) if rec.requires else 'nothing'}.", ""]
    if not rec.flows:
        out += ["The model has no flows: nothing to recommend.", ""]
        return "\n".join(out)
    groups = _groups(rec)
    several = len(groups) > 1
    shown = _ranked_shown(rec, top)
    out += ["## Flows", "", "| | flow | broker | needs |", "| --- | --- | --- | --- |"]
    for row in rec.flows:
        out.append(f"| {labels[row.id]} | `{_md(row.id)}` | {_md(_via(row))} | {_md(', '.join(row.needs))} |")
    for group in groups:
        group_flows = [row for row in rec.flows if row.id in group.flows]
        out += ["", "## Matrix" + (f": {group.name}" if several else ""), "",
                "Brokers in rank order; fits, caveat (fits with caveat) or **no** (does not fit)"
                + ("; *ref*: a reference, not ranked." if rec.references else "."), "",
                "| rank | broker | " + " | ".join(labels[row.id] for row in group_flows) + " |",
                "| ---: | --- | " + " | ".join("---" for _ in group_flows) + " |"]
        for rank, broker in [(r.rank_text, r.broker) for r in _shown(group.ranking, top)] + [
                ("*ref*", r.broker) for r in rec.references]:
            marks = [_MD_MARK[rec.cell(row.id, broker).status] for row in group_flows]
            out.append(f"| {rank} | {broker} | " + " | ".join(marks) + " |")
        out += ["", "## Ranking" + (f": {group.name} ({len(group.flows)} flows)" if several else ""), "",
                "Brokers that fit every flow first, then fewest flows and requirements unmet, then throughput; "
                "ties broken by the system's `requires`, then by fewest caveats; equal brokers share a rank "
                "(`n=`), the current one first.", ""]
        if several:
            out += [f"Why apart: {_md(group.why)}.", ""]
        for r in _shown(group.ranking, top):
            out.append(f"{r.rank_text}. **{r.broker}** ({_md(r.name)}){_current(r)}: {_standing(r)}; requires: "
                       f"{_md(_requires_text(r))}{_md(_throughput(r))}")
        tradeoffs = [r for r in group.ranking if r.tradeoff]
        if tradeoffs:
            out += ["", "Trade-offs (a miss is ranked below any number of caveats: both are shown):", ""]
            out += [f"- **{r.broker}**: {_md(r.tradeoff)}" for r in tradeoffs]
        if group.split or group.unserved:
            out += ["", "Split (no one broker fits every flow):", ""]
            out += [f"- **{broker}**: {', '.join(labels[f] for f in flows)}" for broker, flows in group.split]
            if group.unserved:
                out.append(f"- no built-in broker fits: {', '.join(labels[f] for f in group.unserved)}")
    if any(r.throughput is not None and r.throughput.peak is not None for r in shown):
        out += ["", f"Throughput model: {_md(rec.throughput_model)}."]
    if rec.references:
        out += ["", "## Reference", "", "Not ranked: a specification, not a broker one deploys.", ""]
        for r in rec.references:
            out.append(f"- **{r.broker}** ({_md(r.name)}): {_standing(r)}; {_md(r.note)}")
    out += ["", "## Reasons", ""]
    for broker, title in [(r.broker, f"**{r.broker}**") for r in shown] + [
            (r.broker, f"**{r.broker}** (reference)") for r in rec.references]:
        problems = [(row, v) for row in rec.flows for v in rec.cell(row.id, broker).verdicts
                    if v.status != "fits"]
        if not problems:
            out.append(f"- {title}: every requirement fits")
            continue
        out.append(f"- {title}")
        for row, verdict in problems:
            out.append(f"  - {labels[row.id]} {_md(verdict.need)}: *{verdict.label}*: {_md(verdict.reason())}")
    out.append("")
    return "\n".join(out)
