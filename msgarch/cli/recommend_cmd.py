"""`msgarch recommend FILE`: which built-in broker fits the model's flows, with reasons."""

from __future__ import annotations

import json

import click

from msgarch.diagnostics import InputError

FORMATS = ("text", "markdown", "json")
_TEXT_MARK = {"fits": "ok", "caveat": "~", "no": "NO"}
_MD_MARK = {"fits": "fits", "caveat": "caveat", "no": "**no**"}


@click.command()
@click.argument("path")
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="text", show_default=True,
              help="Output format.")
@click.option("--top", type=click.IntRange(min=0), default=0, show_default=True,
              help="Show only the N best-ranked brokers in the matrix and reasons (0: all).")
def recommend(path, output_format, top):
    """Judge every flow of PATH against every built-in broker profile and rank the brokers.

    For each flow and broker: fits, fits with caveat, or does not fit, per requirement,
    with the profile fact behind each verdict. Brokers that fit every flow rank first,
    then those missing the fewest flows and requirements; ties follow the system's
    `requires` list. `jms` (what the JMS 2.0 specification alone guarantees) is not a
    broker one deploys: it is shown apart as a reference (matrix row `ref`), never ranked,
    and --top does not hide it.
    """
    from msgarch import api
    from msgarch.analysis.recommend import recommend as compute
    from msgarch.analysis.recommend import to_data
    from msgarch.cli.common import fail_with, read_stdin_if_needed

    try:
        stdin_text = read_stdin_if_needed((path,))
        model = api.load_one(path, stdin_text)
    except InputError as error:
        fail_with(error)
    rec = compute(model)
    if output_format == "json":
        click.echo(json.dumps(to_data(rec), indent=2, ensure_ascii=False, sort_keys=False))
    elif output_format == "markdown":
        click.echo(render_markdown(rec, top), nl=False)
    else:
        click.echo(render_text(rec, top), nl=False)


def _shown(rec, top):
    return rec.ranking[:top] if top else rec.ranking


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


def render_text(rec, top: int = 0) -> str:
    labels = _labels(rec)
    shown = _shown(rec, top)
    out = [f"Broker recommendation for {rec.model}",
           f"Basis: {rec.basis}.",
           f"System requires: {', '.join(rec.requires) if rec.requires else 'nothing'}", ""]
    if not rec.flows:
        out += ["The model has no flows: nothing to recommend.", ""]
        return "\n".join(out)
    out.append("Flows")
    for row in rec.flows:
        out.append(f"  {labels[row.id]:<4} {row.id} ({_via(row)})")
        out.append(f"       needs: {', '.join(row.needs)}")
    out.append("")
    width = max(len(r.broker) for r in tuple(shown) + rec.references)
    flow_cols = [labels[row.id] for row in rec.flows]
    col = max(3, max(len(c) for c in flow_cols))
    out.append("Matrix (ok = fits, ~ = fits with caveat, NO = does not fit; brokers in rank order"
               + ("; ref = a reference, not ranked)" if rec.references else ")"))
    out.append(f"  {'rank':>4}  {'broker':<{width}}  " + " ".join(f"{c:<{col}}" for c in flow_cols).rstrip())
    for rank, broker in [(r.rank, r.broker) for r in shown] + [("ref", r.broker) for r in rec.references]:
        marks = [_TEXT_MARK[rec.cell(row.id, broker).status] for row in rec.flows]
        out.append(f"  {rank:>4}  {broker:<{width}}  " + " ".join(f"{m:<{col}}" for m in marks).rstrip())
    out.append("")
    out.append("Ranking (fits every flow first, then fewest flows and requirements unmet; "
               "ties: the system's requires, then fewest caveats)")
    for r in shown:
        out.append(f"  {r.rank:>4}. {r.broker:<{width}}  {_standing(r)}; requires: {_requires_text(r)}")
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
    shown = _shown(rec, top)
    out = [f"# Broker recommendation for `{rec.model}`", "",
           f"Basis: {rec.basis}.", "",
           f"System requires: {', '.join(rec.requires) if rec.requires else 'nothing'}.", ""]
    if not rec.flows:
        out += ["The model has no flows: nothing to recommend.", ""]
        return "\n".join(out)
    out += ["## Flows", "", "| | flow | broker | needs |", "| --- | --- | --- | --- |"]
    for row in rec.flows:
        out.append(f"| {labels[row.id]} | `{_md(row.id)}` | {_md(_via(row))} | {_md(', '.join(row.needs))} |")
    out += ["", "## Matrix", "",
            "Brokers in rank order; fits, caveat (fits with caveat) or **no** (does not fit)"
            + ("; *ref*: a reference, not ranked." if rec.references else "."), "",
            "| rank | broker | " + " | ".join(labels[row.id] for row in rec.flows) + " |",
            "| ---: | --- | " + " | ".join("---" for _ in rec.flows) + " |"]
    for rank, broker in [(str(r.rank), r.broker) for r in shown] + [("*ref*", r.broker) for r in rec.references]:
        marks = [_MD_MARK[rec.cell(row.id, broker).status] for row in rec.flows]
        out.append(f"| {rank} | {broker} | " + " | ".join(marks) + " |")
    out += ["", "## Ranking", "",
            "Brokers that fit every flow first, then fewest flows and requirements unmet; ties broken by "
            "the system's `requires`, then by fewest caveats.", ""]
    for r in shown:
        out.append(f"{r.rank}. **{r.broker}** ({_md(r.name)}): {_standing(r)}; requires: {_md(_requires_text(r))}")
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
