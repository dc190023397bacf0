"""The msgarch grammar (msgarch.lark), kept at the top of the repository beside msgarch/
and installed as the package `msgarch.grammar` (pyproject.toml maps the directory)."""
