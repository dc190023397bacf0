"""`msgarch config [PATH]`: which configuration file applies to PATH and what it sets."""

from __future__ import annotations

import json
import os
import sys

import click

from msgarch.diagnostics import InputError


def describe(config, search) -> dict:
    """The configuration in force, as JSON-ready data (also the text format's content)."""
    from msgarch.lint.registry import RULES

    enabled = config.enabled_codes()
    return {
        "file": config.path,
        "search": None if search is None else {"folders": list(search.folders), "result": search.stopped},
        "select": list(config.select) if config.select is not None else None,
        "ignore": list(config.ignore),
        "extend-select": list(config.extend_select),
        "severity": {code: level.label for code, level in sorted(config.severity.items())},
        "fail-on": config.fail_on,
        "profiles": list(config.profiles),
        "per-file-ignores": {k: list(v) for k, v in sorted(config.per_file_ignores.items())},
        "rules_enabled": sorted(code for code in enabled),
        "rules_total": len(RULES),
    }


def _text(data: dict) -> str:
    from msgarch.textsafe import line

    out = [f"configuration: {line(data['file'])}" if data["file"]
           else "configuration: none (defaults: every rule, fail on errors)"]
    if data["search"] is not None:
        out.append(f"  searched: {', '.join(line(f) for f in data['search']['folders'])}")
        out.append(f"  {line(data['search']['result'])}")
    else:
        out.append("  given with --config")
    out.append(f"select: {', '.join(data['select']) if data['select'] is not None else 'every rule'}")
    for key in ("ignore", "extend-select", "profiles"):
        out.append(f"{key}: {', '.join(line(v) for v in data[key]) or '-'}")
    severity = ", ".join(f"{code} = {level}" for code, level in data["severity"].items())
    out.append(f"severity: {severity or '-'}")
    out.append(f"fail-on: {data['fail-on']}")
    per_file = "; ".join(f"{line(k)} = {', '.join(v)}" for k, v in data["per-file-ignores"].items())
    out.append(f"per-file-ignores: {per_file or '-'}")
    out.append(f"rules enabled: {len(data['rules_enabled'])} of {data['rules_total']}")
    return "\n".join(out) + "\n"


@click.command("config")
@click.argument("path", default=".", type=click.Path())
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="Configuration file to read instead of searching.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
def config(path, config_path, output_format):
    """Show which configuration file applies to PATH (default: .) and what it sets.

    The search walks up from PATH to the first .msgarch.toml or pyproject.toml with
    [tool.msgarch], stopping at a pyproject.toml without it and at the repository root.
    """
    from msgarch.cli.common import fail_with
    from msgarch.lint.config import load_config, search_config

    try:
        search = None if config_path else search_config(path if os.path.exists(path) else ".")
        loaded = load_config(path, config_path)
    except InputError as error:
        fail_with(error)
    data = describe(loaded, search)
    if output_format == "json":
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        click.echo(_text(data), nl=False)
    sys.exit(0)
