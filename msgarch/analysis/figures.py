"""How capacity figures are written in messages and reports: rates, shares, durations, bytes.

Shared by the C, L and R rules and by ``msgarch plan`` so that one figure reads the same
everywhere. Pure functions from numbers to short strings; deterministic.
"""

from __future__ import annotations

import math


def number(value: float, digits: int = 3) -> str:
    """A number to ``digits`` significant figures, without trailing zeros or an exponent."""
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    value = stable(value)
    magnitude = math.floor(math.log10(abs(value)))
    decimals = max(0, digits - 1 - magnitude)
    text = f"{round(value, decimals):.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def stable(value: float) -> float:
    """``value`` to 12 significant figures: drops the last-bit noise of summing the same
    figures in another order, so a reordered model prints (and judges) the same."""
    return float(f"{value:.12g}") if math.isfinite(value) else value


def count(value: float) -> str:
    """A message count or a rate without its unit: 1450, 20k, 1.5M."""
    if abs(value) >= 1e6:
        return f"{number(value / 1e6)}M"
    if abs(value) >= 1e4:
        return f"{number(value / 1e3)}k"
    return number(value, 4 if abs(value) >= 1 else 3)


def rate(value: float) -> str:
    """msg/s as the language writes it: 0.5/s, 1450/s, 20k/s, 1.5M/s."""
    return f"{count(value)}/s"


def percent(value: float) -> str:
    """A fraction as a percentage, rounded half up: 0.625 -> 63%; small shares keep a decimal."""
    scaled = stable(value * 100)
    if 0 < abs(scaled) < 1:
        return f"{number(scaled, 2)}%"
    return f"{int(math.floor(scaled + 0.5))}%"


def seconds(value: float) -> str:
    """A duration: 120 us, 12.3 ms, 4.5 s, 2.5 min, 3 h, 2 d."""
    if value == 0:
        return "0 ms"
    if value < 1e-3:
        return f"{number(value * 1e6)} us"
    if value < 1:
        return f"{number(value * 1e3)} ms"
    if value < 120:
        return f"{number(value)} s"
    if value < 2 * 3600:
        return f"{number(value / 60)} min"
    if value < 2 * 86400:
        return f"{number(value / 3600)} h"
    return f"{number(value / 86400)} d"


def size(value: float) -> str:
    """Bytes in decimal units: 600 B, 2.4 KB, 1.3 TB."""
    for unit, scale in (("PB", 1e15), ("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if abs(value) >= scale:
            return f"{number(value / scale)} {unit}"
    return f"{number(value)} B"


def bandwidth(value: float) -> str:
    """Bytes per second: 1.2 MB/s."""
    return f"{size(value)}/s"


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 instance', '3 instances'."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def names(items, limit: int = 8) -> str:
    """A readable list: 'a, b and c'; long lists end with 'and N more'."""
    items = list(items)
    if len(items) > limit:
        shown = items[:limit]
        return ", ".join(shown) + f" and {len(items) - limit} more"
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
