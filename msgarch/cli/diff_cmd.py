"""`msgarch diff`: the semantic diff of two architectures, or of every one changed since a revision."""

from __future__ import annotations

import importlib
import sys

import click

from msgarch.cli.common import fail_with, read_stdin_if_needed, use_colour
from msgarch.diagnostics import InputError
from msgarch.diff.changes import FAIL_ON, ModelDiff, Side, fails

FORMATS = {
    "text": "msgarch.diff.text",
    "json": "msgarch.diff.json_format",
    "markdown": "msgarch.diff.markdown",
}


def side(loaded, config) -> Side:
    """Lint one model and size it: everything the diff compares besides the model itself."""
    from msgarch.analysis.load import broker_loads, consumer_loads
    from msgarch.diff.capability import model_profiles, profile_for
    from msgarch.diff.engine import broker_figures, consumer_figures
    from msgarch.lint.runner import lint_model

    model = loaded.model
    findings = tuple(lint_model(model, config))
    profiles = model_profiles(model)

    def per_partition(broker) -> bool:
        profile = profile_for(broker)
        return profile is not None and profile.partitioned

    capacities = {name: (p.throughput_per_node if p is not None else None) for name, p in profiles.items()}
    consumers = {name: consumer_figures(load) for name, load in consumer_loads(model, per_partition=per_partition).items()}
    brokers = {name: broker_figures(load) for name, load in broker_loads(model, capacities).items()}
    return Side(loaded.label, model, findings, consumers, brokers, loaded.absent)


def compare(old, new, config) -> ModelDiff:
    """The diff of two loaded sides (``msgarch.diff.sources.Loaded``) under a lint ``config``."""
    from msgarch.diff.engine import diff_sides

    return diff_sides(side(old, config), side(new, config))


def _pairs(sides, base, stdin_text):
    from msgarch.diff import sources

    if base is None:
        if len(sides) != 2:
            raise click.UsageError("give OLD and NEW (files or REV:PATH), or --base REV")
        return [(sources.load_side(sides[0], stdin_text), sources.load_side(sides[1], stdin_text))]
    top = sources.check_revision(base)
    return [sources.load_changed(root, base, top) for root in sources.changed_roots(base, tuple(sides))]


@click.command()
@click.argument("sides", nargs=-1, metavar="[OLD NEW]")
@click.option("--base", metavar="REV", default=None,
              help="Diff every .msgarch root changed since REV against the work tree "
                   "(arguments, if any, limit it to those files or directories).")
@click.option("--format", "output_format", type=click.Choice(sorted(FORMATS)), default="text", show_default=True,
              help="Output format (markdown: for a pull-request comment).")
@click.option("--fail-on", multiple=True, type=click.Choice(FAIL_ON),
              help="Exit 1 on a change at or above this level, or on new lint errors; repeatable "
                   "[default: breaking].")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="Lint configuration (default: .msgarch.toml or pyproject.toml found walking up).")
def diff(sides, base, output_format, fail_on, config_path):
    """Semantic diff of two architectures: OLD and NEW are .msgarch files or REV:PATH
    read from git (HEAD~1:arch.msgarch); includes are read at the same revision.

    Every element added, removed or changed is listed with each property before -> after
    and classified breaking, risky or safe with the reason; lint findings introduced and
    resolved and capacity deltas follow. Exit codes: 0 nothing at or above --fail-on,
    1 otherwise, 2 unusable input.
    """
    from msgarch.lint.config import load_config

    if base is None and len(sides) != 2:
        raise click.UsageError("give OLD and NEW (files or REV:PATH), or --base REV")
    try:
        stdin_text = read_stdin_if_needed(sides)
        first = next((s for s in sides if s != "-" and ":" not in s), ".")
        config = load_config(first, config_path)
        diffs = [compare(old, new, config) for old, new in _pairs(sides, base, stdin_text)]
    except InputError as error:
        fail_with(error)
    module = importlib.import_module(FORMATS[output_format])
    click.echo(module.render(diffs, colour=use_colour() and output_format == "text"), nl=False)
    conditions = fail_on or ("breaking",)
    sys.exit(0 if "never" in conditions else (1 if fails(diffs, conditions) else 0))
