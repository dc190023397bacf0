"""`msgarch recommend FILE`: which built-in broker fits the model's flows, with reasons."""

from __future__ import annotations

import json

import click

from msgarch.diagnostics import InputError

FORMATS = ("text", "markdown", "json")


@click.command()
@click.argument("path")
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="text", show_default=True,
              help="Output format.")
@click.option("--top", type=click.IntRange(min=0), default=0, show_default=True,
              help="Show only the N best-ranked brokers in the matrix and reasons (0: all).")
@click.option("--any-kind", is_flag=True, default=False,
              help="Compare every flow with every broker: by default flows on a task framework (Celery) are "
                   "compared with task frameworks only, and the other flows with brokers only.")
def recommend(path, output_format, top, any_kind):
    """Judge every flow of PATH against every built-in broker profile and rank the brokers.

    For each flow and broker: fits, fits with caveat, or does not fit, per requirement,
    with the profile fact behind each verdict. Brokers that fit every flow rank first,
    then those missing the fewest flows and requirements, then the declared peak against
    each broker's published throughput; ties follow the system's `requires` list, then
    the caveats; brokers still equal share a rank (`2=`), the current one first. Flows on
    a task framework are ranked against task frameworks only (unless --any-kind), and
    where no broker fits every flow a split says which flows would go where. `jms` (what
    the JMS 2.0 specification alone guarantees) is not a broker one deploys: it is shown
    apart as a reference (matrix row `ref`), never ranked, and --top does not hide it.
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
    rec = compute(model, any_kind=any_kind)
    if output_format == "json":
        click.echo(json.dumps(to_data(rec), indent=2, ensure_ascii=False, sort_keys=False))
    elif output_format == "markdown":
        from msgarch.output.recommend_text import render_markdown
        click.echo(render_markdown(rec, top), nl=False)
    else:
        from msgarch.output.recommend_text import render_text
        click.echo(render_text(rec, top), nl=False)
