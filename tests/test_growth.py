"""Compound growth against the worked example of capacity.md section 4."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from msgarch.analysis.growth import (
    first_year_over, grown, needed_per_year, project, years_until,
)

TB = 1e12
# 20 MB/s, 7 days, RF 3; 12 TB disks kept at most 70% full; six brokers today.
STORAGE_NOW = 20e6 * 7 * 86400 * 3
DISK = 12 * TB
USABLE = 6 * DISK * 0.7

# growth, n*, runs out in year, brokers needed years 0..5 (from zero, at least RF 3)
WORKED_EXAMPLE = [
    (0.15, 2.35045, 3, [5, 5, 6, 7, 8, 9]),
    (0.50, 0.810191, 1, [5, 7, 10, 15, 22, 33]),
]


def test_storage_of_the_worked_example():
    assert STORAGE_NOW == pytest.approx(36.288 * TB)
    assert USABLE == pytest.approx(50.4 * TB)


@pytest.mark.parametrize("growth, n_star, year, brokers", WORKED_EXAMPLE)
def test_worked_example(growth, n_star, year, brokers):
    assert years_until(STORAGE_NOW, USABLE, growth) == pytest.approx(n_star, rel=1e-5)
    assert first_year_over(STORAGE_NOW, USABLE, growth, horizon=5) == year
    assert needed_per_year(STORAGE_NOW, DISK, 0.7, growth, 5, current=0, minimum=3) == brokers
    # With the six brokers of today, no year asks for fewer than six.
    assert needed_per_year(STORAGE_NOW, DISK, 0.7, growth, 5, current=6, minimum=3) == [
        max(6, n) for n in brokers]


def test_project_gathers_the_figures():
    plan = project(STORAGE_NOW, DISK, 0.7, 0.15, horizon=5, current=6, minimum=3)
    assert plan.limit == pytest.approx(USABLE)
    assert plan.years_until == pytest.approx(2.35045, rel=1e-5)
    assert plan.first_year_over == 3
    assert plan.needed == (6, 6, 6, 7, 8, 9)
    assert plan.to_add == 3
    assert plan.loads[0] == STORAGE_NOW and len(plan.loads) == 6
    assert plan.model.startswith("compound growth")


def test_already_past_is_year_zero():
    assert years_until(120, 100, 0.1) == 0.0
    assert first_year_over(120, 100, 0.1, 3) == 0
    assert first_year_over(100, 100, 0.0, 3) is None  # equal to a headroom limit is within it
    assert first_year_over(100, 100, 0.0, 3, inclusive=False) == 0  # at 100% reaching it counts
    assert years_until(100, 100, 0.0) == 0.0


def test_never_without_growth():
    assert years_until(50, 100, 0.0) is None
    assert years_until(50, 100, -0.2) is None
    assert years_until(0, 100, 0.5) is None
    assert first_year_over(50, 100, 0.0, 10) is None


def test_beyond_the_horizon_is_none():
    assert first_year_over(50, 100, 0.10, 5) is None  # n* = 7.27
    assert first_year_over(50, 100, 0.10, 8) == 8


def test_needed_never_falls_below_current_or_minimum():
    assert needed_per_year(10, 100, 0.7, 0.0, 2, current=4) == [4, 4, 4]
    assert needed_per_year(10, 100, 0.7, -0.5, 2, current=0, minimum=3) == [3, 3, 3]
    assert needed_per_year(0, 100, 0.7, 0.3, 1, current=0, minimum=0) == [1, 1]


def test_needed_is_within_headroom():
    # 140/s on 50/s instances at 70%: four would sit exactly at headroom.
    assert needed_per_year(140, 50, 0.7, 0.0, 0, current=0) == [4]  # exactly 70% meets 70%


@pytest.mark.parametrize("call", [
    lambda: years_until(-1, 100, 0.1),
    lambda: years_until(1, 0, 0.1),
    lambda: years_until(1, 100, -1.0),
    lambda: first_year_over(1, 100, 0.1, -1),
    lambda: needed_per_year(1, 0, 0.7, 0.1, 3, 1),
    lambda: needed_per_year(1, 10, 0.7, 0.1, 3, -1),
    lambda: needed_per_year(1, 10, 0.7, 0.1, 3, 1, minimum=1.5),
    lambda: grown(float("nan"), 0.1, 1),
])
def test_nonsense_input_raises_value_error(call):
    with pytest.raises(ValueError):
        call()


loads = st.floats(min_value=1e-3, max_value=1e9)
growths = st.floats(min_value=0.0, max_value=3.0)


@given(loads, loads, growths, growths, st.integers(min_value=0, max_value=30))
def test_saturation_never_comes_later_when_growth_rises(load, limit, g1, g2, horizon):
    slow, fast = min(g1, g2), max(g1, g2)
    slow_years, fast_years = years_until(load, limit, slow), years_until(load, limit, fast)
    if slow_years is not None:
        assert fast_years is not None and fast_years <= slow_years * (1 + 1e-12)
    slow_year = first_year_over(load, limit, slow, horizon)
    fast_year = first_year_over(load, limit, fast, horizon)
    if slow_year is not None:
        assert fast_year is not None and fast_year <= slow_year


@given(st.floats(min_value=0, max_value=1e7), st.floats(min_value=0.1, max_value=1e6),
       st.floats(min_value=0.1, max_value=1.0), st.floats(min_value=-0.5, max_value=1.0),
       st.integers(min_value=0, max_value=20), st.integers(min_value=0, max_value=50))
def test_needed_never_falls_over_the_years_and_keeps_under_headroom(load, capacity, headroom,
                                                                     growth, horizon, current):
    needed = needed_per_year(load, capacity, headroom, growth, horizon, current)
    assert len(needed) == horizon + 1
    if growth >= 0:
        assert needed == sorted(needed)
    for year, units in enumerate(needed):
        assert units >= max(current, 1)
        assert grown(load, growth, year) / (units * capacity) <= headroom * (1 + 1e-9)
