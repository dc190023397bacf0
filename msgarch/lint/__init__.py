"""The linter: rules, their registry, configuration and the runner."""
