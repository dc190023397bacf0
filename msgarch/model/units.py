"""Kept for existing imports: quantities are parsed by msgarch.dsl.units (part of the
language) and written by msgarch.analysis.figures (the one module that formats figures)."""

from __future__ import annotations

from msgarch.analysis.figures import written_rate as format_rate  # noqa: F401
from msgarch.analysis.figures import written_size as format_size  # noqa: F401
from msgarch.dsl import units as _units


def __getattr__(name: str):
    return getattr(_units, name)
