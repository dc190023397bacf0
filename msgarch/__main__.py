"""Entry point for ``python -m msgarch``."""

from msgarch.cli.main import main

main()
