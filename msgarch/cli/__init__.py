"""The `msgarch` command line (click)."""
