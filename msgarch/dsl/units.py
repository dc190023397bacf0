"""Quantities with units: parse `300/s`, `2KiB`, `50ms`, `15%` into msg/s, bytes, seconds, fractions.

Part of the language (dsl/), used by the parser and the model builder; figures are written
back as text by msgarch.analysis.figures (`written_rate`, `written_size`)."""

from __future__ import annotations

import re

_QUANTITY = re.compile(r"^(?P<num>[0-9]+(?:\.[0-9]+)?)(?P<unit>[A-Za-zµμ%]*)(?:/(?P<per>[A-Za-z]+))?$")

RATE_PER = {"s": 1.0, "min": 60.0, "h": 3600.0, "day": 86400.0}
RATE_PREFIX = {"": 1.0, "k": 1e3, "M": 1e6}
SIZE_UNITS = {
    "B": 1, "KB": 1000, "MB": 1000**2, "GB": 1000**3, "TB": 1000**4,
    "KiB": 1024, "MiB": 1024**2, "GiB": 1024**3, "TiB": 1024**4,
}
DURATION_UNITS = {"us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0}

UNIT_HELP = {
    "rate": "a rate such as 300/s (units: /s, /min, /h, /day; k or M before the slash: 12k/s)",
    "size": "a size such as 64KB (units: B, KB, MB, GB, TB or KiB, MiB, GiB, TiB)",
    "duration": "a duration such as 50ms (units: us or µs, ms, s, min, h, d)",
    "percent": "a percentage such as 15%",
    "count": "a whole number such as 3, without a unit",
}


#: Larger numbers are typos, not designs, and would overflow the queueing arithmetic.
MAX_NUMBER = 1e15


class UnitError(ValueError):
    """The quantity's unit is missing or not one of the expected family."""


def _split(text: str) -> tuple[float, str, str | None]:
    match = _QUANTITY.match(text)
    if not match:
        raise UnitError(f"'{text}' is not a quantity")
    number = float(match["num"])
    if number > MAX_NUMBER:
        raise UnitError(f"'{match['num']}' is too large to be a real figure (at most {MAX_NUMBER:.0e})")
    return number, match["unit"], match["per"]


def _expected(family: str, text: str, problem: str) -> UnitError:
    return UnitError(f"{problem} in '{text}': expected {UNIT_HELP[family]}")


def parse_rate(text: str) -> float:
    """Messages per second."""
    number, unit, per = _split(text)
    if per is None:
        problem = "a rate needs a unit" if not unit else f"'{unit}' is not a rate unit"
        raise _expected("rate", text, problem)
    if unit not in RATE_PREFIX:
        raise _expected("rate", text, f"'{unit}' is not a multiplier (only k or M)")
    if per not in RATE_PER:
        raise _expected("rate", text, f"'/{per}' is not a time unit")
    return number * RATE_PREFIX[unit] / RATE_PER[per]


def _unit_problem(family: str, unit: str, per: str | None, known) -> str:
    if per is not None:
        return f"'{unit}/{per}' is not a {family} unit"
    if not unit:
        return f"a {family} needs a unit"
    problem = f"'{unit}' is not a {family} unit"
    lowered = {u.lower(): u for u in known}
    if unit.lower() in lowered:
        problem += f" (did you mean '{lowered[unit.lower()]}'?)"
    return problem


def parse_size(text: str) -> float:
    """Bytes."""
    number, unit, per = _split(text)
    if per is not None or unit not in SIZE_UNITS:
        raise _expected("size", text, _unit_problem("size", unit, per, SIZE_UNITS))
    return number * SIZE_UNITS[unit]


def parse_duration(text: str) -> float:
    """Seconds."""
    number, unit, per = _split(text)
    if per is not None or unit not in DURATION_UNITS:
        raise _expected("duration", text, _unit_problem("duration", unit, per, DURATION_UNITS))
    return number * DURATION_UNITS[unit]


def parse_percent(text: str) -> float:
    """A fraction: `15%` -> 0.15."""
    number, unit, per = _split(text)
    if unit != "%" or per is not None:
        raise _expected("percent", text, "a percentage needs '%'" if not unit else f"'{unit}' is not '%'")
    return number / 100.0


def parse_count(text: str) -> int:
    """A whole number without a unit."""
    number, unit, per = _split(text)
    if unit or per is not None or "." in text:
        raise _expected("count", text, "not a whole number")
    return int(number)
