"""Semantic diff of two architectures: what changed, how much it matters, and its consequences."""

from msgarch.diff.changes import FAIL_ON, ElementChange, Level, ModelDiff, PropertyChange, Reason, Side, fails, verdict
from msgarch.diff.engine import broker_figures, consumer_figures, diff_sides

__all__ = [
    "FAIL_ON", "ElementChange", "Level", "ModelDiff", "PropertyChange", "Reason", "Side",
    "broker_figures", "consumer_figures", "diff_sides", "fails", "verdict",
]
