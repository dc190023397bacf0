"""The `msgarch` entry point: a click group that imports each command only when it runs."""

from __future__ import annotations

import errno
import importlib
import os
import sys

import click

from msgarch import __version__

#: command name -> "module:attribute"; imported lazily so `msgarch lint` starts fast.
COMMANDS = {
    "check": "msgarch.cli.lint_cmd:check",
    "lint": "msgarch.cli.lint_cmd:lint",
    "rules": "msgarch.cli.rules_cmd:rules",
    "rule": "msgarch.cli.rules_cmd:rule",
    "diff": "msgarch.cli.diff_cmd:diff",
    "recommend": "msgarch.cli.recommend_cmd:recommend",
    "brokers": "msgarch.cli.brokers_cmd:brokers",
    "broker": "msgarch.cli.brokers_cmd:broker",
    "export-schema": "msgarch.cli.brokers_cmd:export_schema",
    "plan": "msgarch.cli.plan_cmd:plan",
    "render": "msgarch.cli.render_cmd:render",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, attribute = target.split(":")
        return getattr(importlib.import_module(module), attribute)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="msgarch")
def cli() -> None:
    """Design message-driven systems as code and check them against broker capabilities."""


def _tolerant_streams() -> None:
    """Text no encoder accepts (a lone surrogate, a non-UTF-8 terminal) is replaced, not fatal."""
    for stream in (sys.stdout, sys.stderr):
        if stream is not None and hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="replace")
            except (OSError, ValueError):  # pragma: no cover - a closed or odd stream
                pass


def _output_failed(exc: OSError) -> None:
    """stdout cannot take the output (a full disk, a closed pipe): exit 2, saying so if possible."""
    try:
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - nothing more can reach the old one
        if sys.stderr is not None and not isinstance(exc, BrokenPipeError):
            sys.stderr.write(f"msgarch: cannot write the output: {exc.strerror or exc}\n")
            sys.stderr.flush()
    except OSError:
        pass
    os._exit(2)


def main() -> None:
    """Run the command line; an unexpected exception is a bug, reported without a traceback."""
    _tolerant_streams()
    try:
        try:
            cli.main(prog_name="msgarch", standalone_mode=True)
        finally:
            # written now, inside the handlers: a full disk is an exit 2, not a lost error at exit
            if sys.stdout is not None:
                sys.stdout.flush()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.exit(130)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EPIPE, errno.EIO, errno.EFBIG, errno.EDQUOT):
            _output_failed(exc)
        _internal_error(exc)
    except Exception as exc:  # noqa: BLE001 - the last line of defence against tracebacks
        _internal_error(exc)


def _internal_error(exc: Exception) -> None:
    if os.environ.get("MSGARCH_DEBUG"):
        raise exc
    click.echo(f"msgarch: internal error: {type(exc).__name__}: {exc}\n"
               "This is a bug in msgarch; set MSGARCH_DEBUG=1 to see the traceback.", err=True)
    sys.exit(3)


if __name__ == "__main__":  # `python -m msgarch.cli.main` works like `msgarch`
    main()
