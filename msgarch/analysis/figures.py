"""How capacity figures are written in messages and reports: rates, shares, durations, bytes.

Shared by the C, L and R rules and by ``msgarch plan`` so that one figure reads the same
everywhere. Pure functions from numbers to short strings; deterministic.
"""

from __future__ import annotations

import math
from functools import lru_cache


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


# -- figures as the language and the diagrams write them ---------------------------------------
# Moved here from model/units.py, render/text.py, diff/values.py and brokers/profiles.py (which
# import them back under their old names), so that one module writes every number and unit.


# as a `.msgarch` file writes a quantity (structure and broker-fit messages): 1200/s, 2KB
def written_rate(value: float) -> str:
    """`1200.0` -> `1200/s`; fractions keep up to 3 significant decimals."""
    return f"{_written_trim(value)}/s"


def written_size(value: float) -> str:
    for unit, factor in (("GB", 1000**3), ("MB", 1000**2), ("KB", 1000)):
        if value >= factor:
            return f"{_written_trim(value / factor)}{unit}"
    return f"{_written_trim(value)}B"


def _written_trim(value: float) -> str:
    if value == int(value):
        return str(int(value))
    return f"{value:.3g}" if value < 100 else f"{value:.0f}"


# the short figures diagrams show (render): 1.5k, 250k/min, 2.4 KB
def significant(value: float, digits: int = 3) -> str:
    """`value` to ``digits`` significant figures, without exponent or trailing zeros."""
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    text = f"{round(value, decimals):.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def quantity(value: float) -> str:
    """1500 -> `1.5k`, 2500000 -> `2.5M`, 12 -> `12`, 0.25 -> `0.25`."""
    for factor, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        rounded = float(significant(value / factor))
        if abs(rounded) >= 1:
            return significant(value / factor) + suffix
    return significant(value)


@lru_cache(maxsize=4096)
def written_rate_round(per_second: float | None) -> str:
    """A rate in the first unit (s, min, h, day) where it is at least 1 and a round
    number (as rates are usually written: `120/s`, `250k/min`, `30/h`, `5k/day`), else
    in the first unit where it is at least 1 (`1.23k/s`)."""
    if per_second is None:
        return "?"
    if per_second <= 0:
        return f"{significant(per_second)}/s"
    units = ((1, "s"), (60, "min"), (3600, "h"), (86400, "day"))
    candidates = [(per_second * factor, unit) for factor, unit in units
                  if per_second * factor >= 1 - 1e-9]
    for value, unit in candidates:
        if abs(float(f"{value:.3g}") - value) <= 1e-6 * value:
            return f"{quantity(value)}/{unit}"
    value, unit = candidates[0] if candidates else (per_second * 86400, "day")
    return f"{quantity(value)}/{unit}"


def diagram_count(number: int) -> str:
    """An instance count: exact below 10,000, then `250k`."""
    return str(number) if number < 10_000 else quantity(number)


def diagram_percent(fraction: float | None) -> str:
    if fraction is None:
        return "?"
    if not math.isfinite(fraction):
        return "unbounded"
    return f"{fraction * 100:.0f}%"


def diagram_size(num_bytes: float | None) -> str:
    if num_bytes is None:
        return "?"
    for factor, unit in ((1e9, "GB"), (1e6, "MB"), (1e3, "KB")):
        if num_bytes >= factor:
            return f"{significant(num_bytes / factor)} {unit}"
    return f"{significant(num_bytes)} B"


def diagram_duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    for factor, unit in ((86400, "d"), (3600, "h"), (60, "min"), (1, "s"), (1e-3, "ms")):
        if seconds >= factor:
            return f"{significant(seconds / factor)} {unit}"
    return f"{significant(seconds * 1e6)} us"


# a value exactly as a reviewer reads it in the language's units (diff): 2KiB, 30s, 10/day
def exact_number(value: float) -> str:
    text = f"{value:.6g}"
    if "e" in text:
        text = f"{value:.0f}" if value >= 1 else f"{value:g}"
    return text


_EXACT_SIZE_UNITS = (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3))
_EXACT_DURATION_UNITS = (("d", 86400.0), ("h", 3600.0), ("min", 60.0), ("s", 1.0), ("ms", 1e-3), ("us", 1e-6))


def exact_size(value: float) -> str:
    for unit, size in _EXACT_SIZE_UNITS:
        if value >= size and math.isclose(value / size, round(value / size), rel_tol=1e-9):
            return f"{round(value / size)}{unit}"
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if value >= size:
            return f"{exact_number(value / size)}{unit}"
    return f"{exact_number(value)}B"


def exact_duration(value: float) -> str:
    for unit, size in _EXACT_DURATION_UNITS:
        if value >= size and math.isclose(value / size, round(value / size), rel_tol=1e-9):
            return f"{round(value / size)}{unit}"
    for unit, size in _EXACT_DURATION_UNITS:
        if value >= size:
            return f"{exact_number(value / size)}{unit}"
    return f"{exact_number(value * 1e6)}us"


def exact_rate(value: float) -> str:
    if value >= 1 or value == 0:
        return f"{exact_number(value)}/s"
    for per, seconds in (("min", 60.0), ("h", 3600.0), ("day", 86400.0)):
        if value * seconds >= 1:
            return f"{exact_number(value * seconds)}/{per}"
    return f"{exact_number(value * 86400)}/day"


# one-line summaries of profile facts (brokers, rules citing them): 1 MiB, 30 s
def human_bytes(value: float | None) -> str:
    if value is None:
        return "no limit"
    for unit, size in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if value >= size and value % size == 0:
            return f"{int(value // size)} {unit}"
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if value >= size and value % size == 0:
            return f"{int(value // size)} {unit}"
    return f"{int(value):,} B"


def human_seconds(value: float) -> str:
    if value < 1e-3:
        return f"{value * 1e6:g} us"
    if value < 1:
        return f"{value * 1e3:g} ms"
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if value >= size and value % size == 0:
            return f"{int(value // size)} {unit}"
    return f"{value:g} s"
