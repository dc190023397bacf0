"""The `msgarch` entry point. `msgarch --help` and `--version` are answered from static
text before click or any command is imported (tests/test_cli.py checks the text against
click's own); everything else goes to the click group in msgarch.cli.group."""

from __future__ import annotations

import errno
import gc
import os
import sys

from msgarch import __version__

#: command name -> "module:attribute"; imported lazily so `msgarch lint` starts fast.
COMMANDS = {
    "check": "msgarch.cli.lint_cmd:check",
    "config": "msgarch.cli.config_cmd:config",
    "lint": "msgarch.cli.lint_cmd:lint",
    "rules": "msgarch.cli.rules_cmd:rules",
    "rule": "msgarch.cli.rules_cmd:rule",
    "diff": "msgarch.cli.diff_cmd:diff",
    "drift": "msgarch.cli.drift_cmd:drift",
    "recommend": "msgarch.cli.recommend_cmd:recommend",
    "brokers": "msgarch.cli.brokers_cmd:brokers",
    "broker": "msgarch.cli.brokers_cmd:broker",
    "export-schema": "msgarch.cli.brokers_cmd:export_schema",
    "fmt": "msgarch.cli.fmt_cmd:fmt",
    "plan": "msgarch.cli.plan_cmd:plan",
    "render": "msgarch.cli.render_cmd:render",
    "lsp": "msgarch.cli.lsp_cmd:lsp",
    "import": "msgarch.cli.interop_cmd:import_group",
    "export": "msgarch.cli.interop_cmd:export_group",
}

#: `msgarch --help` as click prints it at 80 columns (kept equal by a test).
STATIC_HELP = """\
Usage: msgarch [OPTIONS] COMMAND [ARGS]...

  Design message-driven systems as code and check them against broker
  capabilities.

Options:
  --version   Show the version and exit.
  -h, --help  Show this message and exit.

Commands:
  broker         One built-in profile (KIND such as rabbitmq-quorum),...
  brokers        The matrix of every built-in broker profile: rows...
  check          Parse and build PATHS, and check names and references...
  config         Show which configuration file applies to PATH (default:...
  diff           Semantic diff of two architectures: OLD and NEW are...
  drift          Compare FILE's channels, routes and settings with what a...
  export         Write other descriptions (AsyncAPI documents, broker...
  export-schema  Print a JSON Schema msgarch publishes (`profile`: the...
  fmt            Rewrite PATHS in the canonical layout, comments kept...
  import         Write a .msgarch model from other descriptions (AsyncAPI...
  lint           Lint PATHS: parse, build, analyse and run every selected...
  lsp            Run the msgarch language server over stdio (needs the...
  plan           Capacity plan for PATH year by year over the system's...
  recommend      Judge every flow of PATH against every built-in broker...
  render         Draw the topology of FILE (a .msgarch file, or - for...
  rule           Explain one rule (by CODE such as B203, or by name such...
  rules          List every lint rule: code, name, default severity and...
"""


def __getattr__(name: str):
    """`cli` and `LazyGroup` live in msgarch.cli.group (imported on first use)."""
    if name in ("cli", "LazyGroup"):
        from msgarch.cli import group

        return getattr(group, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _static(argv: list[str]) -> str | None:
    if argv in (["--help"], ["-h"]):
        return STATIC_HELP
    if argv == ["--version"]:
        return f"msgarch, version {__version__}\n"
    return None


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
    text = _static(sys.argv[1:])
    if text is not None:
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except OSError as exc:
            _output_failed(exc)
        sys.exit(0)
    import click

    from msgarch.cli import group
    from msgarch.cli.group import cli

    # A run builds large, long-lived graphs of objects and frees little: the cyclic
    # collector's default gen-0 threshold (700) made it 21-29% of lint, plan and diff at
    # 10,000 flows. Objects imported so far are frozen out of its way (group.py freezes
    # again after importing a command).
    thresholds = gc.get_threshold()
    gc.set_threshold(100_000, 20, 100)
    gc.freeze()
    group.FREEZE_AFTER_IMPORT = True
    _tolerant_streams()
    try:
        try:
            cli.main(prog_name="msgarch", standalone_mode=True)
        finally:
            # as it was, for a host that called main() in-process (a test)
            group.FREEZE_AFTER_IMPORT = False
            gc.set_threshold(*thresholds)
            gc.unfreeze()
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
    import click

    if os.environ.get("MSGARCH_DEBUG"):
        raise exc
    click.echo(f"msgarch: internal error: {type(exc).__name__}: {exc}\n"
               "This is a bug in msgarch; set MSGARCH_DEBUG=1 to see the traceback.", err=True)
    sys.exit(3)


if __name__ == "__main__":  # `python -m msgarch.cli.main` works like `msgarch`
    main()
