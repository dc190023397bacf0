"""`msgarch diff`: the semantic diff of two architectures, or of every one changed since a revision."""

from __future__ import annotations

import importlib
import sys

import click

from msgarch.cli.common import fail_with, read_stdin_if_needed, use_colour
from msgarch.diagnostics import InputError
from msgarch.diff.changes import FAIL_ON, ModelDiff, Side, fails

RENDER_SUFFIXES = ("svg", "mmd", "mermaid", "dot", "gv", "png", "pdf", "html")

FORMATS = {
    "text": "msgarch.diff.text",
    "json": "msgarch.diff.json_format",
    "markdown": "msgarch.diff.markdown",
}


class Analysed:
    """One side's model with its lint findings and loads, as the diff and the renderer read them."""

    def __init__(self, loaded, config):
        from msgarch import api

        self.loaded = loaded
        self.analysis = api.analyse(loaded.model, config)

    def side(self) -> Side:
        from msgarch.diff.engine import broker_figures, consumer_figures

        analysis = self.analysis
        return Side(self.loaded.label, analysis.model, analysis.findings,
                    {name: consumer_figures(load) for name, load in analysis.consumers.items()},
                    {name: broker_figures(load) for name, load in analysis.brokers.items()},
                    self.loaded.absent)

    def scene(self):
        from msgarch.render import Loads, build_scene

        analysis = self.analysis
        return build_scene(analysis.model, analysis.findings,
                           Loads(analysis.consumers, analysis.brokers, analysis.capacity_sources),
                           broker_models=analysis.broker_models)


def compare(old, new, config, keep: list | None = None) -> ModelDiff:
    """The diff of two loaded sides (``msgarch.diff.sources.Loaded``) under a lint ``config``;
    ``keep`` receives the two Analysed sides (for drawing)."""
    from msgarch.diff.engine import diff_sides

    before, after = Analysed(old, config), Analysed(new, config)
    if keep is not None:
        keep += [before, after]
    return diff_sides(before.side(), after.side(), tuple(config.profiles or ()))


def _render(path: str, old, new, result: ModelDiff, config=None, force: bool = False) -> None:
    """Draw NEW with the diff marked into ``path`` (.svg, .mmd, .dot, .png, .pdf, .html)."""
    import os

    from msgarch.cli.common import check_output, draw_to, input_paths
    from msgarch.diff.highlight import highlight

    check_output(path, input_paths([old.analysis.model, new.analysis.model], config), "diff", force)

    output_format = os.path.splitext(path)[1].lower().lstrip(".")
    output_format = {"mermaid": "mmd", "gv": "dot"}.get(output_format, output_format)
    draw_to(path, highlight(old.scene(), new.scene(), result), output_format, "diff")


def _pairs(sides, base, stdin_text):
    from msgarch.diff import sources

    if base is None:
        if len(sides) != 2:
            raise click.UsageError("give OLD and NEW (files or REV:PATH), or --base REV")
        return [(sources.load_side(sides[0], stdin_text), sources.load_side(sides[1], stdin_text))]
    top, commit = sources.check_revision(base)
    return [sources.load_changed(root, base, top, commit) for root in sources.changed_roots(base, tuple(sides))]


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
@click.option("--render", "render_path", type=click.Path(dir_okay=False), default=None,
              help="Also draw the NEW topology into this file (.svg, .mmd, .dot, .png, .pdf, .html): "
                   "added elements green, removed ones kept dashed red, changed ones amber.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="Lint configuration (default: .msgarch.toml or pyproject.toml found walking up).")
@click.option("--force", is_flag=True,
              help="Write --render's file even through a symbolic link leading out of the working directory.")
def diff(sides, base, output_format, fail_on, render_path, config_path, force):
    """Semantic diff of two architectures: OLD and NEW are .msgarch files or REV:PATH
    read from git (HEAD~1:arch.msgarch); includes are read at the same revision.

    Every element added, removed or changed is listed with each property before -> after
    and classified breaking, risky or safe with the reason (on channel models: each
    channel, route, publish and consume, with the derived flows it changes); lint findings
    introduced and resolved and capacity deltas follow. Exit codes: 0 nothing at or above --fail-on,
    1 otherwise, 2 unusable input.
    """
    from msgarch.lint.config import load_config

    if base is None and len(sides) != 2:
        raise click.UsageError("give OLD and NEW (files or REV:PATH), or --base REV")
    if render_path is not None:
        suffix = render_path.rsplit(".", 1)[-1].lower() if "." in render_path else ""
        if suffix not in RENDER_SUFFIXES:
            raise click.UsageError(f"--render: cannot tell the format from '{render_path}': use a suffix among "
                                   f"{', '.join('.' + s for s in RENDER_SUFFIXES)}")
    analysed: list = []
    try:
        stdin_text = read_stdin_if_needed(sides)
        first = next((s for s in sides if s != "-" and ":" not in s), ".")
        config = load_config(first, config_path)
        diffs = [compare(old, new, config, analysed) for old, new in _pairs(sides, base, stdin_text)]
    except InputError as error:
        fail_with(error)
    if render_path is not None:
        if len(diffs) != 1:
            raise click.UsageError(f"--render draws one architecture, and {len(diffs)} changed: "
                                   "give OLD NEW, or limit --base to one file")
        _render(render_path, analysed[0], analysed[1], diffs[0], config, force)
    module = importlib.import_module(FORMATS[output_format])
    click.echo(module.render(diffs, colour=use_colour() and output_format == "text"), nl=False)
    conditions = fail_on or ("breaking",)
    sys.exit(0 if "never" in conditions else (1 if fails(diffs, conditions) else 0))
