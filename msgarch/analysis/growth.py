"""Compound growth: when a load passes a limit, and what must run in each year of the horizon."""

from __future__ import annotations

import math
from dataclasses import dataclass

from msgarch.analysis.queueing import servers_needed

MODEL = "compound growth: load in year t = load now x (1 + g)^t"


@dataclass(frozen=True)
class GrowthProjection:
    """One resource (a consumer group or a broker) projected over the horizon.

    ``limit`` is what today's deployment carries at headroom (current x capacity per unit
    x headroom); ``needed`` holds, for years 0..horizon, the units that keep the load
    under headroom (never fewer than today's, never fewer than ``minimum``).
    """

    model: str
    load: float
    per_unit_capacity: float
    headroom: float
    growth: float
    horizon: int
    current: int
    minimum: int
    limit: float
    years_until: float | None
    first_year_over: int | None  # within the horizon; None when it stays under
    loads: tuple[float, ...]  # years 0..horizon
    needed: tuple[int, ...]  # years 0..horizon

    @property
    def to_add(self) -> int:
        """Units to add by the end of the horizon."""
        return self.needed[-1] - self.current


def grown(load: float, growth: float, years: float) -> float:
    """The load after ``years`` of compound growth at ``growth`` per year."""
    _check_non_negative("load", load)
    _check_number("years", years)
    _check_growth(growth)
    return load * (1.0 + growth) ** years


def years_until(load: float, limit: float, growth: float) -> float | None:
    """Years until the load reaches the limit: ln(limit/load) / ln(1 + g).

    0 when it already has; None when it never will (no growth, shrinking, or no load).
    """
    _check_non_negative("load", load)
    _check_positive("limit", limit)
    _check_growth(growth)
    if load >= limit:
        return 0.0
    if load == 0 or growth <= 0:
        return None
    return math.log(limit / load) / math.log1p(growth)


def first_year_over(load: float, limit: float, growth: float, horizon: int,
                    inclusive: bool = True) -> int | None:
    """The first whole year t in 0..horizon with load x (1+g)^t beyond the limit, or None.

    Year 0 means the limit is already passed today. With ``inclusive`` (a headroom below
    100%), a load equal to the limit is within it, as in ``servers_needed``, so this year
    is the first in which ``needed_per_year`` asks for more than today; without it (a
    limit at 100% utilisation, where a queue is unstable) reaching the limit passes it.
    """
    _check_non_negative("load", load)
    _check_positive("limit", limit)
    _check_growth(growth)
    _check_horizon(horizon)
    for year in range(horizon + 1):
        now = grown(load, growth, year)
        if (now > limit * (1.0 + 1e-9)) if inclusive else (now >= limit):
            return year
    return None


def needed_per_year(load_now: float, per_unit_capacity: float, headroom: float, growth: float,
                    horizon: int, current: int, minimum: int = 1) -> list[int]:
    """Units (instances, broker nodes) needed in each year 0..horizon to stay under headroom.

    Each year's figure is the smallest n with load_t / (n x per_unit_capacity) within headroom
    (``queueing.servers_needed``, the rounding-up of load_t / (capacity x headroom)), never
    fewer than ``current`` (today's count) nor ``minimum`` (the replication factor, for
    brokers).
    """
    _check_non_negative("load", load_now)
    _check_growth(growth)
    _check_horizon(horizon)
    _check_count("current", current)
    _check_count("minimum", minimum)
    return [max(servers_needed(grown(load_now, growth, year), per_unit_capacity, headroom),
                current, minimum)
            for year in range(horizon + 1)]


def project(load_now: float, per_unit_capacity: float, headroom: float, growth: float,
            horizon: int, current: int, minimum: int = 1) -> GrowthProjection:
    """Everything ``msgarch plan`` and C304 say about one resource, from one set of inputs.

    The limit is today's capacity at headroom, ``current x per_unit_capacity x headroom``;
    with ``current`` 0 nothing runs today and the limit is taken as one unit's.
    """
    _check_positive("capacity per unit", per_unit_capacity)
    limit = max(current, 1) * per_unit_capacity * headroom
    needed = needed_per_year(load_now, per_unit_capacity, headroom, growth, horizon,
                             current, minimum)
    return GrowthProjection(
        model=f"{MODEL}, sized to stay under {headroom:.0%} utilisation",
        load=float(load_now),
        per_unit_capacity=float(per_unit_capacity),
        headroom=headroom,
        growth=growth,
        horizon=horizon,
        current=current,
        minimum=minimum,
        limit=limit,
        years_until=years_until(load_now, limit, growth),
        first_year_over=first_year_over(load_now, limit, growth, horizon, inclusive=headroom < 1.0),
        loads=tuple(grown(load_now, growth, year) for year in range(horizon + 1)),
        needed=tuple(needed),
    )


def _check_number(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, not {value!r}")


def _check_non_negative(name: str, value: float) -> None:
    _check_number(name, value)
    if value < 0:
        raise ValueError(f"{name} must not be negative, not {value!r}")


def _check_positive(name: str, value: float) -> None:
    _check_number(name, value)
    if value <= 0:
        raise ValueError(f"{name} must be positive, not {value!r}")


def _check_growth(growth: float) -> None:
    _check_number("growth", growth)
    if growth <= -1.0:
        raise ValueError(f"growth is a yearly fraction above -1 (-100%), not {growth!r}")


def _check_horizon(horizon: int) -> None:
    _check_count("horizon", horizon)


def _check_count(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a whole number >= 0, not {value!r}")
