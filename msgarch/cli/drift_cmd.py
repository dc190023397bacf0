"""`msgarch drift FILE --against SOURCE`: the model against what a broker holds."""

from __future__ import annotations

import sys
import time

import click

from msgarch.cli.common import fail_with, read_stdin_if_needed
from msgarch.diagnostics import InputError, Span, input_error


def _error(message: str, path: str | None = None, line: int = 1, column: int = 1, hint: str = "") -> InputError:
    return InputError([input_error("E001", message, Span.point(path, line, column) if path else None, hint)])


def _load(path: str, config_path: str | None = None):
    from msgarch import api
    from msgarch.lint.config import load_config

    try:
        stdin_text = read_stdin_if_needed([path])
        config = load_config(path if path != "-" else ".", config_path)
        model = api.load_one(path, stdin_text, config.profiles)
    except InputError as error:
        fail_with(error)
    return model, config


def _pick_broker(model, names: list[str], wanted: str | None, what: str) -> str:
    if wanted is not None:
        if wanted not in names:
            known = ", ".join(names) or "none"
            fail_with(_error(f"'{wanted}' is not a {what} broker of the model (its {what} brokers: {known})",
                             model.root))
        return wanted
    if not names:
        fail_with(_error(f"the model declares no {what} broker", model.root,
                         hint=f"declare `broker NAME : {'rabbitmq' if what == 'RabbitMQ' else 'kafka'}`"))
    if len(names) > 1:
        fail_with(_error(f"the model has several {what} brokers ({', '.join(names)}); choose one with --broker",
                         model.root))
    return names[0]


@click.command()
@click.argument("path", metavar="FILE")
@click.option("--against", "source", required=True, metavar="SOURCE",
              help="A definitions file (.json), KafkaTopic or kafka-gitops YAML files (a file or a directory), "
                   "or a RabbitMQ management API (http://[user:pass@]HOST:15672; credentials also from "
                   "MSGARCH_RABBITMQ_USER and MSGARCH_RABBITMQ_PASSWORD).")
@click.option("--broker", default=None, help="The model's broker to compare (when it has several of the kind).")
@click.option("--vhost", default="/", show_default=True, help="The RabbitMQ virtual host to compare.")
@click.option("--format", "output_format", type=click.Choice(["concise", "github", "json", "sarif", "text"]),
              default="text", show_default=True, help="Output format.")
@click.option("--select", multiple=True, help="Drift rules to report: codes or names (X801...), comma-separated.")
@click.option("--ignore", multiple=True, help="Drift rules not to report.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info", "never"]), default=None,
              help="Lowest severity that makes the exit code 1 (default: error, or the configuration's).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even with findings (2 still means unusable input).")
@click.option("--timing", is_flag=True, help="Say on stderr how long reading the source and comparing took.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="Configuration file (severities, per-file ignores, fail-on, profiles).")
def drift(path, source, broker, vhost, output_format, select, ignore, fail_on, exit_zero, timing, config_path):
    """Compare FILE's channels, routes and settings with what a broker holds (SOURCE).

    Differences are findings X801 (declared but missing), X802 (present but undeclared)
    and X803 (a setting differs, with both values; says when it cannot be changed in place),
    at the model's line, in every lint output format.
    Exit codes: 0 no finding at or above --fail-on, 1 drift, 2 unusable input or source.
    """
    from msgarch.cli.common import split_codes
    from msgarch.interop.drift_run import DriftSourceError, run_drift
    from msgarch.lint.runner import exit_code
    from msgarch.output.report import Report

    model, config = _load(path, config_path)
    started = time.perf_counter()
    try:
        diagnostics, read_seconds, label = run_drift(model, config, source, broker=broker, vhost=vhost,
                                                     select=split_codes(select), ignore=split_codes(ignore))
    except DriftSourceError as exc:
        click.echo(f"msgarch drift: {exc}", err=True)
        sys.exit(2)
    except InputError as error:
        fail_with(error)
    total = time.perf_counter() - started
    from msgarch.cli.lint_cmd import _Output, _emit

    _emit(Report(tuple(diagnostics), len(model.sources), model.sources), output_format, False, _Output(None, "auto"))
    if timing:
        click.echo(f"msgarch drift: {label}: read in {read_seconds:.3f} s, compared in "
                   f"{total - read_seconds:.3f} s ({total:.3f} s in all)", err=True)
    code = exit_code(list(diagnostics), fail_on or config.fail_on)
    sys.exit(0 if exit_zero and code == 1 else code)
