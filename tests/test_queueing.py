"""Erlang B/C, M/M/c and per-partition M/M/1 against the oracle of analysis.md and capacity.md."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, strategies as st

from msgarch.analysis import queueing
from msgarch.analysis.queueing import (
    erlang_b, erlang_c, mmc, partitioned, servers_needed, wait_quantile,
)

MS = 1e-3

# c, mu, lambda, rho, Erlang C, mean wait, p99 wait (analysis.md; capacity.md section 5).
STABLE_ORACLE = [
    (4, 50, 150, 0.75, 0.509434, 10.1887 * MS, 78.6143 * MS),
    (1, 100, 80, 0.8, 0.8, 40 * MS, 219.101 * MS),
    (10, 20, 180, 0.9, 0.668732, 33.4366 * MS, 210.140 * MS),
]

# c, A, Erlang C: the factorial formula overflows in float64 for all three.
LARGE_C_ORACLE = [
    (200, 180, 0.0944712182),
    (500, 480, 0.266512520),
    (2000, 1950, 0.178675068),
]


@pytest.mark.parametrize("c, mu, lam, rho, erlang, wait_mean, wait_p99", STABLE_ORACLE)
def test_stable_oracle_cases(c, mu, lam, rho, erlang, wait_mean, wait_p99):
    estimate = mmc(lam, mu, c)
    assert estimate.stable
    assert estimate.utilisation == pytest.approx(rho, rel=1e-6)
    assert estimate.p_wait == pytest.approx(erlang, rel=1e-5)
    assert estimate.wait_mean_s == pytest.approx(wait_mean, rel=1e-5)
    assert estimate.wait_p99_s == pytest.approx(wait_p99, rel=1e-5)
    assert estimate.backlog_growth_per_s == 0
    assert estimate.service_time_s == pytest.approx(1 / mu)
    assert estimate.model.startswith(f"M/M/{c} (Erlang C)")


def test_case_1_extras():
    estimate = mmc(150, 50, 4)
    assert erlang_b(4, 3.0) == pytest.approx(0.206107, rel=1e-5)
    assert estimate.p_wait == pytest.approx(27 / 53, rel=1e-12)
    assert estimate.queue_length_mean == pytest.approx(1.52830, rel=1e-5)
    assert estimate.response_mean_s == pytest.approx(30.1887 * MS, rel=1e-5)
    assert estimate.wait_quantile_s(0.50) == pytest.approx(0.373843 * MS, rel=1e-5)
    assert estimate.wait_quantile_s(0.95) == pytest.approx(46.4255 * MS, rel=1e-5)
    assert estimate.wait_quantile_s(0.999) == pytest.approx(124.666 * MS, rel=1e-5)


def test_unstable_case_reports_backlog_and_servers_needed():
    estimate = mmc(250, 50, 4)  # 4b
    assert not estimate.stable
    assert estimate.utilisation == pytest.approx(1.25)
    assert estimate.p_wait == 1.0
    assert estimate.wait_mean_s is None and estimate.wait_p99_s is None
    assert estimate.queue_length_mean is None and estimate.response_mean_s is None
    assert estimate.wait_quantile_s(0.99) is None
    assert estimate.backlog_growth_per_s == pytest.approx(50)
    assert estimate.backlog_growth_per_s * 3600 == pytest.approx(180_000)
    assert estimate.servers_for_stability == 6
    assert estimate.servers_needed == 8  # 250 / (8 x 50) = 0.625 < 0.7 headroom
    assert mmc(250, 50, 4, headroom=1.0).servers_needed == 6


def test_utilisation_exactly_one_is_unstable_with_zero_drift():
    estimate = mmc(200, 50, 4)  # 4a: null-recurrent
    assert not estimate.stable
    assert estimate.backlog_growth_per_s == 0
    assert estimate.wait_p99_s is None
    assert estimate.servers_for_stability == 5


@pytest.mark.parametrize("c, a, expected", LARGE_C_ORACLE)
def test_erlang_c_for_large_c(c, a, expected):
    with pytest.raises(OverflowError):
        _erlang_c_by_factorials(c, float(a))
    assert erlang_c(c, a) == pytest.approx(expected, rel=1e-8)
    assert mmc(float(a), 1.0, c).p_wait == pytest.approx(expected, rel=1e-8)


def test_inverse_sizing_from_the_research_notes():
    assert servers_needed(150, 50, 0.7) == 5
    p99 = [mmc(150, 50, c).wait_p99_s for c in range(4, 10)]
    assert next(c for c, t in zip(range(4, 10), p99) if t <= 20 * MS) == 6
    assert mmc(150, 50, 6).wait_p99_s == pytest.approx(15.2932 * MS, rel=1e-5)
    assert next(c for c in range(4, 20) if erlang_c(c, 3.0) <= 0.01) == 9


def test_servers_needed_counts_equal_to_the_headroom_as_within_it():
    # issue 10 item 7: 4 instances sit exactly at 70%, which meets a 70% headroom
    assert servers_needed(140, 50, 0.7) == 4
    assert servers_needed(140.01, 50, 0.7) == 5
    assert servers_needed(0, 50, 0.7) == 1
    assert servers_needed(100, 100, 1.0) == 2


def test_mm1_special_case():
    assert erlang_c(1, 0.8) == pytest.approx(0.8)
    assert erlang_b(0, 5.0) == 1.0
    assert erlang_c(3, 0.0) == 0.0
    idle = mmc(0, 10, 3)
    assert idle.stable and idle.wait_mean_s == 0 and idle.wait_p99_s == 0


def test_wait_quantile_is_zero_when_most_messages_never_wait():
    assert wait_quantile(0.005, 10.0, 0.99) == 0.0
    assert wait_quantile(0.5, 10.0, 0.5) == 0.0
    assert wait_quantile(0.8, 20.0, 0.99) == pytest.approx(math.log(80) / 20)


def test_partitions_oracle_four_partitions_four_consumers():
    estimate = partitioned(150, 50, consumers=4, partitions=4)
    assert estimate.model.startswith("M/M/1 x 4 partitions")
    assert estimate.servers == 4
    assert estimate.utilisation == pytest.approx(0.75)
    assert estimate.wait_mean_s == pytest.approx(60 * MS, rel=1e-9)
    assert estimate.wait_p99_s == pytest.approx(345.399 * MS, rel=1e-5)
    assert estimate.wait_p99_s > mmc(150, 50, 4).wait_p99_s
    # 0.75 is above the 70% headroom and no count of consumers helps: add partitions.
    assert estimate.servers_needed is None
    assert estimate.partitions_needed == 5
    assert estimate.servers_for_stability == 4


def test_consumers_beyond_partitions_sit_idle():
    estimate = partitioned(60, 50, consumers=6, partitions=2)
    assert estimate.servers == 2 and estimate.consumers == 6
    assert estimate.utilisation == pytest.approx(0.6)
    assert "4 consumers idle" in estimate.model
    assert estimate.servers_needed == 2
    assert estimate.partitions_needed == 2


def test_fewer_consumers_than_partitions_reports_the_busiest():
    estimate = partitioned(150, 50, consumers=3, partitions=8)
    # 8 partitions of 18.75/s over 3 consumers hold 3, 3 and 2: two are overloaded.
    assert estimate.servers == 3
    assert estimate.utilisation == pytest.approx(3 * 18.75 / 50)
    assert not estimate.stable and estimate.wait_p99_s is None
    assert estimate.backlog_growth_per_s == pytest.approx(2 * (3 * 18.75 - 50))
    assert estimate.servers_for_stability == 4  # 2 partitions each: 37.5/s
    assert estimate.servers_needed == 8  # 2 partitions each is 75% > 70%


def test_partitioned_backlog_equals_total_excess_when_every_partition_has_a_consumer():
    estimate = partitioned(300, 50, consumers=4, partitions=4)
    assert estimate.backlog_growth_per_s == pytest.approx(300 - 4 * 50)
    assert estimate.partitions_needed == servers_needed(300, 50, 0.7)


@pytest.mark.parametrize("call", [
    lambda: mmc(-1, 50, 4),
    lambda: mmc(10, 0, 4),
    lambda: mmc(10, 50, 0),
    lambda: mmc(10, 50, 2.5),
    lambda: mmc(10, 50, True),
    lambda: mmc(float("inf"), 50, 4),
    lambda: mmc(float("nan"), 50, 4),
    lambda: mmc(10, 50, 4, headroom=0),
    lambda: mmc(10, 50, 4, headroom=1.5),
    lambda: partitioned(10, 50, 4, 0),
    lambda: erlang_b(-1, 1.0),
    lambda: erlang_c(0, 1.0),
    lambda: servers_needed(10, -5, 0.7),
    lambda: wait_quantile(0.5, 10, 1.0),
    lambda: wait_quantile(1.5, 10, 0.99),
    lambda: wait_quantile(0.5, -1, 0.99),
])
def test_nonsense_input_raises_value_error(call):
    with pytest.raises(ValueError):
        call()


rates = st.floats(min_value=0, max_value=1e5, allow_nan=False, allow_infinity=False)
service = st.floats(min_value=0.01, max_value=1e4, allow_nan=False, allow_infinity=False)
counts = st.integers(min_value=1, max_value=300)


@given(rates, rates, service, counts)
def test_mmc_never_improves_when_arrivals_rise(a, b, mu, c):
    low, high = mmc(min(a, b), mu, c), mmc(max(a, b), mu, c)
    _assert_no_better(low, high)


@given(rates, rates, service, counts, st.integers(min_value=1, max_value=300))
def test_partitioned_never_improves_when_arrivals_rise(a, b, mu, consumers, partitions):
    low = partitioned(min(a, b), mu, consumers, partitions)
    high = partitioned(max(a, b), mu, consumers, partitions)
    _assert_no_better(low, high)


@given(rates, service, counts, st.floats(min_value=0.05, max_value=1.0))
def test_waits_are_finite_and_non_negative_or_absent(lam, mu, c, headroom):
    estimate = mmc(lam, mu, c, headroom)
    if estimate.stable:
        assert 0 <= estimate.wait_mean_s < math.inf
        assert 0 <= estimate.wait_p99_s < math.inf
        assert estimate.backlog_growth_per_s == 0
    else:
        assert estimate.wait_mean_s is None and estimate.wait_p99_s is None
        assert estimate.backlog_growth_per_s == pytest.approx(max(0.0, lam - c * mu))
    needed = estimate.servers_needed
    assert lam / (needed * mu) <= headroom * (1 + 1e-9)  # equal meets it (issue 10)
    assert needed == 1 or lam / ((needed - 1) * mu) >= headroom


@given(st.integers(min_value=1, max_value=40), st.floats(min_value=0, max_value=60))
def test_recursion_matches_the_factorial_formula_where_that_works(c, a):
    expected = _erlang_c_by_factorials(c, a) if a < c else 1.0
    assert erlang_c(c, a) == pytest.approx(expected, rel=1e-9, abs=1e-15)


def _assert_no_better(low, high):
    assert high.utilisation >= low.utilisation
    assert high.p_wait >= low.p_wait
    for attribute in ("wait_mean_s", "wait_p99_s"):
        before, after = getattr(low, attribute), getattr(high, attribute)
        if after is None:  # unstable: unbounded, so never below the earlier wait
            continue
        assert before is not None
        assert after >= before * (1 - 1e-12)
    assert high.backlog_growth_per_s >= low.backlog_growth_per_s


def _erlang_c_by_factorials(c: int, a: float) -> float:
    """The textbook formula, to show where it overflows and check the recursion."""
    x = (a ** c / math.factorial(c)) * c / (c - a)
    return x / (sum(a ** k / math.factorial(k) for k in range(c)) + x)


def test_huge_offered_loads_stay_fast_and_exact():
    """The warm-started recursion matches the full one bit for bit; past a million
    Erlangs the Halfin-Whitt limit answers at once (and agrees within 0.2% at the switch)."""
    import math
    import time

    from msgarch.analysis import queueing

    def full(c, a):
        b = 1.0
        for k in range(1, c + 1):
            b = a * b / (k + a * b)
        return b

    for c, a in [(2000, 1950.0), (15_000, 14_800.0)]:  # the recursion, below UNIFORM_FROM
        assert queueing.erlang_b(c, a) == full(c, a)
    # above it, Temme's uniform expansion: a constant cost, and within 1e-12 of the recursion
    for c, a in [(50_000, 49_000.0), (300_000, 299_000.0), (300_000, 299_990.0), (301_600, 299_000.0)]:
        assert queueing.erlang_b(c, a) == pytest.approx(full(c, a), rel=1e-12)
    a, c = 999_000.0, 1_000_500
    exact = full(c, a) / (1 - a / c * (1 - full(c, a)))
    beta = (c - a) / math.sqrt(a)
    phi = math.exp(-beta * beta / 2) / math.sqrt(2 * math.pi)
    halfin_whitt = 1 / (1 + beta * 0.5 * (1 + math.erf(beta / math.sqrt(2))) / phi)
    assert abs(halfin_whitt - exact) / exact < 0.002
    start = time.perf_counter()
    assert queueing.mmc(1e8, 1.0, 150_000_000).p_wait == 0.0
    assert 0 < queueing.erlang_c(10_000_500, 10_000_000.0) < 1
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize("arrival", [1e6, 7e11, 1e12 * 11 ** 5, 3.3e15, 1e20])
@pytest.mark.parametrize("headroom", [0.7, 1.0])
def test_servers_needed_is_the_smallest_count_and_costs_a_few_steps(arrival, headroom, monkeypatch):
    """A count above 1e9 used to walk down inside beyond()'s 1e-9 slack: 50,000 steps a call,
    seconds of lint for a six-line file (issue 10 item 18: under 1 s for any such model)."""
    calls = []
    real = queueing.beyond
    monkeypatch.setattr(queueing, "beyond", lambda u, limit: calls.append(u) or real(u, limit))
    count = queueing.servers_needed(arrival, 1.0, headroom)
    assert len(calls) <= 4, len(calls)
    if arrival / headroom < 2 ** 52:
        assert not real(arrival / count, headroom)
        assert count == 1 or real(arrival / (count - 1), headroom)
