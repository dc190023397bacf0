"""`msgarch lsp`: the language server, over stdin and stdout."""

from __future__ import annotations

import os
import sys

import click


@click.command()
@click.option("--stdio", is_flag=True, help="Talk over stdin and stdout (the default and only transport).")
def lsp(stdio):
    """Run the msgarch language server over stdio (needs the `lsp` extra: pip install 'msgarch[lsp]').

    Editors start it themselves: see editors/README.md for VS Code, Neovim and Helix.
    """
    try:
        from msgarch.lsp.server import main
    except ImportError as exc:
        click.echo(f"msgarch lsp: {exc.name or 'pygls'} is not installed; install the extra: "
                   "pip install 'msgarch[lsp]'", err=True)
        sys.exit(2)
    try:
        main()
        code = 0
    except SystemExit as done:  # the client's `exit`: 0 after `shutdown`, else 1
        code = done.code if isinstance(done.code, int) else 0
    # the server has closed stdout: leave without the flush at interpreter exit failing on it
    sys.stderr.flush()
    os._exit(code)
