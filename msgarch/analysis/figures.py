"""How capacity figures are written in messages and reports: rates, shares, durations, bytes.

Shared by the C, L and R rules and by ``msgarch plan`` so that one figure reads the same
everywhere. Pure functions from numbers to short strings; deterministic.
"""

from __future__ import annotations

import math


#: Beyond these magnitudes a figure is written with an exponent (1.43e19, 2e-7): written
#: out in full it is unreadable, and past 2**53 its last digits are float noise.
LARGE = 1e9
SMALL = 1e-4


def number(value: float, digits: int = 3) -> str:
    """A number to ``digits`` significant figures, without trailing zeros; with an
    exponent (1.43e19) only when it is at least a billion or below 0.0001."""
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    value = stable(value)
    if abs(value) >= LARGE or abs(value) < SMALL:
        return scientific(value, digits)
    magnitude = math.floor(math.log10(abs(value)))
    decimals = max(0, digits - 1 - magnitude)
    text = f"{round(value, decimals):.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def scientific(value: float, digits: int = 3) -> str:
    """``value`` as mantissa and exponent, to ``digits`` significant figures: 1.43e19, 2e-7."""
    mantissa, exponent = f"{value:.{max(1, digits) - 1}e}".split("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}"


def whole(value: int | float) -> str:
    """A count (instances, partitions, nodes): 12, 40000; 1.43e19 from a million up, where
    the digits of a count computed from floats are noise."""
    if abs(value) >= 1e6:
        return scientific(float(value), 3)
    return str(int(value)) if float(value).is_integer() else number(value)


def stable(value: float) -> float:
    """``value`` to 12 significant figures: drops the last-bit noise of summing the same
    figures in another order, so a reordered model prints (and judges) the same."""
    return float(f"{value:.12g}") if math.isfinite(value) else value


def count(value: float) -> str:
    """A message count or a rate without its unit: 1450, 20k, 1.5M; 2e15 from a billion up."""
    if abs(value) >= LARGE:
        return number(value)
    if abs(value) >= 1e6:
        return f"{number(value / 1e6)}M"
    if abs(value) >= 1e4:
        return f"{number(value / 1e3)}k"
    return number(value, 4 if abs(value) >= 1 else 3)


def rate(value: float) -> str:
    """msg/s as the language writes it: 1450/s, 20k/s, 1.5M/s; below 1/s in the first of
    /min, /h, /day where it is at least 1 (0.5/s is 30/min, 0.000116/s is 10/day)."""
    if value >= 1 or value <= 0 or not math.isfinite(value):
        return f"{count(value)}/s"
    for factor, unit in ((60, "min"), (3600, "h")):
        if value * factor >= 1 - 1e-9:
            return f"{count(value * factor)}/{unit}"
    return f"{count(value * 86400)}/day"


def percent(value: float) -> str:
    """A fraction as a percentage, rounded half up: 0.625 -> 63%; small shares keep a
    decimal (0.4%), tiny ones read <0.01%, and absurd overloads take an exponent (3.33e11%)."""
    scaled = stable(value * 100)
    if 0 < abs(scaled) < 0.01:
        return "<0.01%"
    if 0 < abs(scaled) < 1:
        return f"{number(scaled, 2)}%"
    if abs(scaled) >= 1e6:
        return f"{scientific(scaled, 3)}%"
    return f"{int(math.floor(scaled + 0.5))}%"


def probability(value: float) -> str:
    """A probability to 3 significant figures: 0.509, 0.0521; below 0.0001 it reads
    <0.0001 (an M/M/40 at 1% has P(wait) around 1e-64: no one needs those digits)."""
    if value == 0 or value >= 1:
        return "0" if value == 0 else "1"
    if value < 1e-4:
        return "<0.0001"
    return number(value, 3)


def seconds(value: float) -> str:
    """A duration: 120 us, 12.3 ms, 4.5 s, 2.5 min, 3 h, 2 d; below a nanosecond <0.001 us."""
    if value == 0:
        return "0 ms"
    if value < 1e-9:
        return "<0.001 us"
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


#: duration units, smallest first: (unit, seconds)
_DURATIONS = (("us", 1e-6), ("ms", 1e-3), ("s", 1.0), ("min", 60.0), ("h", 3600.0), ("d", 86400.0))


def seconds_unit(values) -> str:
    """One unit for durations shown side by side (a message's p99 and mean, one
    component's waits in a table): the unit `seconds` gives the largest; `ms` when all are 0."""
    finite = [v for v in values if v is not None and math.isfinite(v) and v > 0]
    if not finite:
        return "ms"
    largest = max(finite)
    return seconds(largest).split()[-1] if largest >= 1e-9 else "us"


def seconds_in(value: float, unit: str) -> str:
    """A duration in the given unit (from `seconds_unit`): `0 us` beside `0.0902 us`, not
    `0 ms`; a value too small to show in it reads `<0.001 UNIT`."""
    if value == 0:
        return f"0 {unit}"
    if not math.isfinite(value):
        return seconds(value)
    scaled = stable(value / dict(_DURATIONS)[unit])
    if scaled < 1e-3:
        return f"<0.001 {unit}"
    return f"{number(scaled)} {unit}"


def seconds_alike(*values: float) -> list[str]:
    """Several durations in one unit (see `seconds_unit`)."""
    unit = seconds_unit(values)
    return [seconds_in(v, unit) for v in values]


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
    """'1 instance', '3 instances'; counts of a million or more take an exponent."""
    return f"{whole(n)} {word if n == 1 else (many or word + 's')}"


def names(items, limit: int = 8) -> str:
    """A readable list: 'a, b and c'; long lists end with 'and N more'."""
    items = list(items)
    if len(items) > limit:
        shown = items[:limit]
        return ", ".join(shown) + f" and {len(items) - limit} more"
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
