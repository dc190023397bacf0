"""Packages: every msgarch* package under msgarch/, plus msgarch.grammar from the
top-level grammar/ directory (mapped by [tool.setuptools.package-dir] in pyproject.toml).
Everything else is configured in pyproject.toml."""

from setuptools import find_packages, setup

setup(packages=[*find_packages(include=["msgarch", "msgarch.*"]), "msgarch.grammar"])
