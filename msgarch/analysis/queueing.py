"""Queueing maths: Erlang B and C, M/M/c, per-partition and per-instance M/M/1 estimates."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

DEFAULT_HEADROOM = 0.70
#: The quantile every estimate reports as ``wait_p99_s``.
P99 = 0.99
ASSUMPTIONS = "Poisson arrivals, exponential service"


@dataclass(frozen=True)
class QueueEstimate:
    """Steady-state figures for one consumer group at one arrival rate.

    A stable estimate (utilisation < 1) carries waits; an unstable one carries ``None``
    waits, ``p_wait`` 1 and the rate at which its backlog grows. Waits are never negative
    or infinite. For a partitioned group every per-server figure (utilisation, waits,
    queue length, spare rate) is the busiest consumer's: the one holding most partitions.
    For a broadcast group (a broker without competing consumers, where every instance
    receives every message) they are any one instance's, ``arrival_rate`` is what each
    instance receives, and ``broadcast_rate`` is set.
    """

    model: str
    servers: int  # consumers doing work
    consumers: int  # consumers deployed (more than servers when partitions leave some idle)
    partitions: int | None  # None for a shared queue
    arrival_rate: float  # msg/s into the whole group
    service_rate: float  # msg/s one consumer processes (mu)
    utilisation: float  # per server
    stable: bool
    p_wait: float  # probability that a message waits at all (Erlang C)
    wait_mean_s: float | None  # Wq
    wait_p99_s: float | None
    queue_length_mean: float | None  # Lq, messages waiting (Little's law)
    backlog_growth_per_s: float  # 0 when stable
    servers_needed: int | None  # smallest consumer count with utilisation < headroom
    servers_for_stability: int | None  # smallest consumer count with utilisation < 1
    partitions_needed: int | None  # partitioned groups only: fewest partitions that fit
    headroom: float
    service_time_s: float  # 1/mu
    spare_rate: float  # c*mu - lambda of the modelled servers; <= 0 when unstable
    note: str = ""  # caveats appended to ``model`` by the caller (kept when re-run)
    broadcast_rate: float | None = None  # broadcast groups: msg/s every instance receives
    shared_rate: float = 0.0  # broadcast groups: msg/s of other flows, split over instances
    broadcast_reason: str = ""  # broadcast groups: why (which brokers have no competing consumers)
    #: mixed groups: (rate, partitions) of each partitioned flow, each on its own partitions;
    #: ``shared_rate`` is then the flows without partitions, split over every consumer
    partition_rates: tuple[tuple[float, int], ...] = ()
    #: capacity from `processing` with several handlers per instance: the time one message
    #: takes (``service_time_s`` is 1/mu of the instance, shorter); latency uses this
    handler_s: float | None = None

    @property
    def mixed(self) -> bool:
        """Partitioned flows on their own partitions plus flows shared by every consumer."""
        return bool(self.partition_rates)

    @property
    def broadcast(self) -> bool:
        """Every instance receives every message: more instances never lower the load."""
        return self.broadcast_rate is not None

    @property
    def service_rate_needed(self) -> float:
        """The capacity per consumer above which the busiest one stays under headroom
        with today's consumers (and partitions): what a faster handler must reach."""
        return self.utilisation * self.service_rate / self.headroom

    @property
    def response_mean_s(self) -> float | None:
        """Mean time from arrival to processed (W = Wq + 1/mu); None when unstable."""
        return None if self.wait_mean_s is None else self.wait_mean_s + self.service_time_s

    def wait_quantile_s(self, p: float) -> float | None:
        """The p-quantile of the wait; None when unstable."""
        if not self.stable:
            return None
        return wait_quantile(self.p_wait, self.spare_rate, p)


#: The recursion forgets its starting value within this many standard deviations of the
#: offered load (the error shrinks by k/A per step below A), so it can start there.
_WARMUP_SIGMAS = 40.0
#: From this offered load (in Erlangs) on, Erlang C is taken from the Halfin-Whitt limit,
#: whose error shrinks like 1/sqrt(A): exact recursion would take millions of steps.
HALFIN_WHITT_FROM = 1e6
#: From this offered load (in Erlangs) on, Erlang B with c above A comes from the uniform
#: asymptotic expansion (constant cost) instead of the recursion (about 80 sqrt(A) steps).
UNIFORM_FROM = 2e4


def erlang_b(servers: int, offered_load: float) -> float:
    """Blocking probability of M/M/c/c, by the recursion that never overflows.

    B_0 = 1, B_k = A*B_{k-1} / (k + A*B_{k-1}); exact to float precision for c in the
    thousands, where the factorial formula overflows. When c is above A, the recursion
    starts 40 standard deviations below A (from B = 1): in 1/B_k = 1 + (k/A)/B_{k-1} an
    error in the start shrinks by k/A < 1 per step, to a factor exp(-800) by k = A.

    From ``UNIFORM_FROM`` Erlangs with c above A, where the recursion would take about
    80 sqrt(A) steps (a lint of a large model spent seconds here), B is read instead from
    the Poisson law, B = P(N = c) / P(N <= c) for N ~ Poisson(A), with P(N <= c) by Temme's
    uniform asymptotic expansion of the incomplete gamma function: a constant cost, and a
    relative error below 1e-12 there (the terms left out shrink like A^-2.5).
    """
    _check_count("servers", servers, minimum=0)
    _check_number("offered load", offered_load, positive=False)
    if offered_load >= UNIFORM_FROM and servers > offered_load:
        return _erlang_b_uniform(servers, offered_load)
    start = int(offered_load - _WARMUP_SIGMAS * math.sqrt(offered_load))
    start = start if 0 < start < servers else 0
    b = 1.0
    for k in range(start + 1, servers + 1):
        ab = offered_load * b
        b = ab / (k + ab)
        if b == 0.0:  # underflowed: every later term is 0 too (millions of instances)
            break
    return b


def _erlang_b_uniform(servers: int, offered_load: float) -> float:
    """Erlang B as P(N = c) / P(N <= c), P(N <= c) = Q(c + 1, A) by Temme (DLMF 8.12.3, 8.12.8).

    Q(a, x) = erfc(eta sqrt(a/2)) / 2 + exp(-a eta^2 / 2) / sqrt(2 pi a) (c0(eta) + c1(eta) / a),
    lambda = x / a, eta^2 / 2 = lambda - 1 - ln(lambda) with the sign of lambda - 1. The
    coefficients c0 and c1 cancel badly near lambda = 1 (where c is close to A), so they
    are worked out in 40-digit decimals.
    """
    import decimal

    a = servers + 1
    with decimal.localcontext() as ctx:
        ctx.prec = 40
        big_a, x = decimal.Decimal(a), decimal.Decimal(repr(float(offered_load)))
        t = (x - big_a) / big_a  # lambda - 1, negative here (c >= A)
        half_eta2 = t - (1 + t).ln()
        eta = -(2 * half_eta2).sqrt()
        c0 = 1 / t - 1 / eta
        c1 = 1 / eta ** 3 - 1 / t ** 3 - 1 / t ** 2 - 1 / (12 * t)
        correction = float(c0 + c1 / big_a)
        eta_f = float(eta)
        # ln P(N = c) = c - A + c ln(A/c) - (ln c! - c ln c + c), the last by Stirling's
        # series: the large terms cancel exactly here, not in floating point.
        c = decimal.Decimal(servers)
        u = (x - c) / c
        log_pmf = float(c * ((1 + u).ln() - u)) - (0.5 * math.log(2.0 * math.pi * servers)
                                                     + 1.0 / (12.0 * servers) - 1.0 / (360.0 * servers ** 3))
    tail = math.exp(-a * eta_f * eta_f / 2.0) / math.sqrt(2.0 * math.pi * a) * correction
    cdf = 0.5 * math.erfc(eta_f * math.sqrt(a / 2.0)) + tail
    return math.exp(log_pmf) / cdf


def erlang_c(servers: int, offered_load: float) -> float:
    """Probability that an arrival waits in M/M/c: C = B / (1 - rho*(1 - B)); 1 when rho >= 1.

    Above ``HALFIN_WHITT_FROM`` Erlangs: C = 1 / (1 + beta*Phi(beta)/phi(beta)) with
    beta = (c - A)/sqrt(A), the Halfin-Whitt limit of the same quantity.
    """
    _check_count("servers", servers)
    _check_number("offered load", offered_load, positive=False)
    rho = offered_load / servers
    if rho >= 1.0:
        return 1.0
    if offered_load >= HALFIN_WHITT_FROM:
        beta = (servers - offered_load) / math.sqrt(offered_load)
        if beta > 37.0:  # phi(beta) underflows: nobody waits
            return 0.0
        phi = math.exp(-beta * beta / 2.0) / math.sqrt(2.0 * math.pi)
        cdf = 0.5 * (1.0 + math.erf(beta / math.sqrt(2.0)))
        return 1.0 / (1.0 + beta * cdf / phi)
    b = erlang_b(servers, offered_load)
    return b / (1.0 - rho * (1.0 - b))


def wait_quantile(p_wait: float, spare_rate: float, p: float = P99) -> float:
    """The p-quantile of an M/M/c wait, P(Wq > t) = C*exp(-(c*mu - lambda)*t).

    0 when C <= 1 - p (at least a fraction p of messages do not wait at all), else
    ln(C / (1 - p)) / (c*mu - lambda).
    """
    if not 0.0 < p < 1.0:
        raise ValueError(f"quantile must lie strictly between 0 and 1, not {p!r}")
    if not 0.0 <= p_wait <= 1.0:
        raise ValueError(f"probability of waiting must lie in [0, 1], not {p_wait!r}")
    if p_wait <= 1.0 - p:
        return 0.0
    if not spare_rate > 0.0:
        raise ValueError("the wait has no quantile when the queue is unstable")
    return math.log(p_wait / (1.0 - p)) / spare_rate


def beyond(utilisation: float, limit: float) -> bool:
    """Whether a utilisation passes a limit. Equal to a headroom below 100% is within it
    (60% meets a 60% headroom); at 100% or more a queue is unstable, so reaching 1 is beyond.
    A relative slack of 1e-9 keeps figures computed along different paths equal."""
    if limit >= 1.0:
        return utilisation >= limit
    return utilisation > limit * (1.0 + 1e-9)


def servers_needed(arrival_rate: float, service_rate: float,
                   headroom: float = DEFAULT_HEADROOM) -> int:
    """The smallest count c >= 1 with arrival / (c * service) within the headroom (``beyond``).

    The same test decides every "how many are needed" answer (consumers here, broker
    nodes and yearly plans in ``growth``), so figures from different reports agree even
    where the ratio lands exactly on the headroom.
    """
    _check_number("arrival rate", arrival_rate, positive=False)
    _check_number("service rate", service_rate)
    _check_headroom(headroom)
    ratio = arrival_rate / (service_rate * headroom)
    if ratio >= 2 ** 52:  # one more or less no longer changes a float product
        return max(1, math.ceil(ratio))
    # Start from the answer to ``beyond``'s own test (its slack of 1e-9 below 100%, reaching
    # the limit at 100% or more), so the loops below move a step at most: starting from
    # ceil(ratio), a count above 1e9 would walk down ratio * 1e-9 steps inside the slack.
    if headroom >= 1.0:
        count = max(1, math.floor(ratio) + 1)
    else:
        count = max(1, math.ceil(ratio / (1.0 + 1e-9)))
    # Rounding can put the first estimate one off where the ratio is a whole number.
    while beyond(arrival_rate / (count * service_rate), headroom):
        count += 1
    while count > 1 and not beyond(arrival_rate / ((count - 1) * service_rate), headroom):
        count -= 1
    return count


def mmc(arrival_rate: float, service_rate: float, servers: int,
        headroom: float = DEFAULT_HEADROOM) -> QueueEstimate:
    """A shared queue with competing consumers: M/M/c by Erlang C."""
    _check_number("arrival rate", arrival_rate, positive=False)
    _check_number("service rate", service_rate)
    _check_count("servers", servers)
    _check_headroom(headroom)
    offered = arrival_rate / service_rate
    rho = arrival_rate / (servers * service_rate)
    spare = servers * service_rate - arrival_rate
    stable = rho < 1.0
    p_wait = erlang_c(servers, offered)
    wait_mean = p_wait / spare if stable else None
    return QueueEstimate(
        model=f"M/M/{servers} (Erlang C), {ASSUMPTIONS}",
        servers=servers,
        consumers=servers,
        partitions=None,
        arrival_rate=float(arrival_rate),
        service_rate=float(service_rate),
        utilisation=rho,
        stable=stable,
        p_wait=p_wait,
        wait_mean_s=wait_mean,
        wait_p99_s=wait_quantile(p_wait, spare) if stable else None,
        queue_length_mean=None if wait_mean is None else arrival_rate * wait_mean,
        backlog_growth_per_s=0.0 if stable else max(0.0, float(-spare)),
        servers_needed=servers_needed(arrival_rate, service_rate, headroom),
        servers_for_stability=servers_needed(arrival_rate, service_rate, 1.0),
        partitions_needed=None,
        headroom=headroom,
        service_time_s=1.0 / service_rate,
        spare_rate=float(spare),
    )


def partitioned(arrival_rate: float, service_rate: float, consumers: int, partitions: int,
                headroom: float = DEFAULT_HEADROOM) -> QueueEstimate:
    """A group whose broker gives each partition to one consumer: one M/M/1 per consumer.

    Every partition gets arrival/partitions (keys spread evenly). With at least as many
    consumers as partitions, each partition has a consumer of its own and the rest sit
    idle; with fewer, a consumer serves several partitions and the busiest one, holding
    ceil(partitions/consumers) of them, is the one reported. ``servers_needed`` is the
    fewest consumers that fit with today's partitions (None when no count does: the
    partitions themselves are too few) and ``partitions_needed`` the fewest partitions,
    with as many consumers, that fit.
    """
    _check_number("arrival rate", arrival_rate, positive=False)
    _check_number("service rate", service_rate)
    _check_count("consumers", consumers)
    _check_count("partitions", partitions)
    _check_headroom(headroom)
    servers = min(consumers, partitions)
    per_partition = arrival_rate / partitions
    busiest = _busiest_rate(arrival_rate, partitions, consumers)
    queue = _mm1(busiest, service_rate)
    growth = sum(max(0.0, held * per_partition - service_rate) * count
                 for held, count in _partitions_held(partitions, consumers))
    needed = _consumers_needed(arrival_rate, service_rate, partitions, headroom)
    idle = consumers - servers
    if consumers >= partitions:  # one queue per partition, each with a consumer of its own
        idle_note = f", {idle} consumer{'s' if idle != 1 else ''} idle" if idle else ""
        queues = (f"M/M/1 x {partitions} partition{'s' if partitions != 1 else ''} "
                  f"(one consumer {'each' if partitions != 1 else 'in use'}{idle_note})")
    else:  # one queue per consumer, fed by the partitions it holds
        queues = (f"M/M/1 x {consumers} consumer{'s' if consumers != 1 else ''} "
                  f"({partitions} partitions, the busiest consumer holds "
                  f"{math.ceil(partitions / consumers)})")
    return QueueEstimate(
        model=f"{queues}, {ASSUMPTIONS}, keys spread evenly over partitions",
        servers=servers,
        consumers=consumers,
        partitions=partitions,
        arrival_rate=float(arrival_rate),
        **queue,
        backlog_growth_per_s=growth,
        servers_needed=needed,
        servers_for_stability=_consumers_needed(arrival_rate, service_rate, partitions, 1.0),
        partitions_needed=(partitions if needed is not None
                           else servers_needed(arrival_rate, service_rate, headroom)),
        headroom=headroom,
    )


def broadcast(broadcast_rate: float, service_rate: float, instances: int,
              headroom: float = DEFAULT_HEADROOM, shared_rate: float = 0.0,
              reason: str = "the broker has no competing consumers") -> QueueEstimate:
    """A group on a broker without competing consumers: one M/M/1 per instance.

    Every instance connection receives every message of ``broadcast_rate``, so each one
    is an M/M/1 at the full rate and adding instances never lowers it; ``shared_rate``
    (flows through brokers with competing consumers, if any) is split evenly over the
    instances. ``servers_needed`` is the fewest instances that fit (1 when only broadcast
    flows arrive and they fit), None when no count does: the broadcast part alone is
    at or over the headroom. ``reason`` says why, in the model string.
    """
    _check_number("broadcast rate", broadcast_rate, positive=False)
    _check_number("shared rate", shared_rate, positive=False)
    _check_number("service rate", service_rate)
    _check_count("instances", instances)
    _check_headroom(headroom)
    each = broadcast_rate + shared_rate / instances
    queue = _mm1(each, service_rate)
    who = (f"each of the {instances} instances receives every message" if instances != 1
           else "the one instance receives every message, as would each added one")
    split = ", other flows split evenly over the instances" if shared_rate > 0 else ""
    return QueueEstimate(
        model=(f"M/M/1 per instance ({instances} x M/M/1): {who} ({reason}){split}, "
               f"{ASSUMPTIONS}"),
        servers=instances,
        consumers=instances,
        partitions=None,
        arrival_rate=float(each),
        **queue,
        backlog_growth_per_s=instances * max(0.0, -queue["spare_rate"]),
        servers_needed=_instances_needed(broadcast_rate, shared_rate, service_rate, headroom),
        servers_for_stability=_instances_needed(broadcast_rate, shared_rate, service_rate, 1.0),
        partitions_needed=None,
        headroom=headroom,
        broadcast_rate=float(broadcast_rate),
        shared_rate=float(shared_rate),
        broadcast_reason=reason,
    )


def _mm1(arrival_rate: float, service_rate: float) -> dict:
    """The QueueEstimate fields of one M/M/1 queue (the one reported when a group is
    several identical or busiest-first M/M/1 queues): Wq = rho/(mu - lambda), the p99
    from the same exponential tail as M/M/c with C = rho."""
    rho = arrival_rate / service_rate
    spare = service_rate - arrival_rate
    stable = rho < 1.0
    wait_mean = rho / spare if stable else None
    return dict(
        service_rate=float(service_rate),
        utilisation=rho,
        stable=stable,
        p_wait=min(rho, 1.0),
        wait_mean_s=wait_mean,
        wait_p99_s=wait_quantile(rho, spare) if stable else None,
        queue_length_mean=None if wait_mean is None else arrival_rate * wait_mean,
        service_time_s=1.0 / service_rate,
        spare_rate=float(spare),
    )


def _instances_needed(broadcast_rate: float, shared_rate: float, service_rate: float,
                      limit: float) -> int | None:
    """Fewest instances c with (broadcast + shared/c) / mu < limit; None when none does."""
    room = limit * service_rate - broadcast_rate
    if beyond(broadcast_rate / service_rate, limit) or room <= 0:
        return None
    if shared_rate == 0:
        return 1
    count = max(1, math.floor(shared_rate / room) + 1)
    if shared_rate / room >= 2 ** 52:
        return count
    while beyond((broadcast_rate + shared_rate / count) / service_rate, limit):
        count += 1
    while count > 1 and not beyond((broadcast_rate + shared_rate / (count - 1)) / service_rate, limit):
        count -= 1
    return count


def _partitions_held(partitions: int, consumers: int) -> list[tuple[int, int]]:
    """(partitions held, number of consumers holding that many), for a balanced assignment."""
    if consumers >= partitions:
        return [(1, partitions)]
    share, extra = divmod(partitions, consumers)
    return [(share + 1, extra), (share, consumers - extra)]


def _busiest_rate(arrival_rate: float, partitions: int, consumers: int) -> float:
    held = 1 if consumers >= partitions else math.ceil(partitions / consumers)
    return arrival_rate * held / partitions


def _consumers_needed(arrival_rate: float, service_rate: float, partitions: int,
                      limit: float) -> int | None:
    """Fewest consumers (at most one per partition) whose busiest stays below ``limit``."""
    low, high = 1, partitions
    if beyond(_busiest_rate(arrival_rate, partitions, high) / service_rate, limit):
        return None
    # The busiest consumer's load never rises as consumers are added: bisect.
    while low < high:
        middle = (low + high) // 2
        if not beyond(_busiest_rate(arrival_rate, partitions, middle) / service_rate, limit):
            high = middle
        else:
            low = middle + 1
    return low


def _check_number(name: str, value: float, positive: bool = True) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number, not {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, not {value!r}")
    if positive and value <= 0:
        raise ValueError(f"{name} must be positive, not {value!r}")
    if value < 0:
        raise ValueError(f"{name} must not be negative, not {value!r}")


def _check_count(name: str, value: int, minimum: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number, not {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, not {value!r}")


def _check_headroom(headroom: float) -> None:
    _check_number("headroom", headroom)
    if headroom > 1.0:
        raise ValueError(f"headroom is a fraction in (0, 1], not {headroom!r}")


def mixed(partition_rates: Sequence[tuple[float, int]], shared_rate: float, service_rate: float,
          consumers: int, headroom: float = DEFAULT_HEADROOM) -> QueueEstimate:
    """A consumer group fed by partitioned flows and by flows its instances share.

    Each partitioned flow (rate, partitions) gives each of its partitions to one
    consumer: rate / partitions per partition, the busiest consumer holding
    ceil(partitions / consumers) of them (a range assignment gives the extra partitions
    of every flow to the same first consumers, so the busiest holds the most of each);
    the shared flows (no partitions) are split evenly over all the consumers. Each
    consumer is one M/M/1; the busiest one is reported. ``servers_needed`` is the fewest
    consumers that keep the busiest within the headroom (None when no count does: the
    partitions alone put one consumer over it), ``partitions_needed`` the fewest
    partitions in all (each flow's scaled alike, one consumer per partition) that do.
    """
    _check_number("shared rate", shared_rate, positive=False)
    _check_number("service rate", service_rate)
    _check_count("consumers", consumers)
    _check_headroom(headroom)
    parts = tuple((float(rate), int(count)) for rate, count in partition_rates)
    if not parts:
        raise ValueError("a mixed group needs at least one partitioned flow")
    for rate, count in parts:
        _check_number("arrival rate", rate, positive=False)
        _check_count("partitions", count)
    total_partitions = sum(count for _, count in parts)
    partitioned_rate = sum(rate for rate, _ in parts)
    arrival = partitioned_rate + shared_rate
    busiest = _mixed_busiest(parts, shared_rate, consumers)
    queue = _mm1(busiest, service_rate)
    growth = sum(max(0.0, load - service_rate) * count
                 for load, count in _mixed_loads(parts, shared_rate, consumers))
    needed = _mixed_needed(parts, shared_rate, service_rate, headroom)
    widest = max(count for _, count in parts)
    idle = 0 if shared_rate > 0 else max(0, consumers - widest)
    flows = " + ".join(f"{fig_rate(rate)} over {count} partition{'s' if count != 1 else ''}"
                       for rate, count in parts)
    shared = (f", {fig_rate(shared_rate)} of flows without partitions split evenly over the "
              f"{consumers} consumers" if shared_rate > 0 else "")
    return QueueEstimate(
        model=(f"M/M/1 per consumer, the busiest of {consumers} reported: each flow on its own "
               f"partitions ({flows}; the busiest consumer holds the most of each){shared}"
               + (f", {idle} consumer{'s' if idle != 1 else ''} idle" if idle else "")
               + f", {ASSUMPTIONS}, keys spread evenly over partitions"),
        servers=consumers - idle,
        consumers=consumers,
        partitions=total_partitions,
        arrival_rate=float(arrival),
        **queue,
        backlog_growth_per_s=growth,
        servers_needed=needed,
        servers_for_stability=_mixed_needed(parts, shared_rate, service_rate, 1.0),
        partitions_needed=(total_partitions if needed is not None
                           else _mixed_partitions_needed(parts, shared_rate, service_rate,
                                                         consumers, headroom)),
        headroom=headroom,
        shared_rate=float(shared_rate),
        partition_rates=parts,
    )


def fig_rate(value: float) -> str:
    """'300/s', '1.5k/s': a rate as the model strings write it."""
    for scale, suffix in ((1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{value / scale:.4g}{suffix}/s"
    return f"{value:.4g}/s"


def scaled_partitions(parts: Sequence[tuple[float, int]], total: int) -> tuple[tuple[float, int], ...]:
    """Each flow's partitions scaled alike so that they add up to at least ``total``."""
    now = sum(count for _, count in parts)
    return tuple((rate, max(count, math.ceil(count * total / now))) for rate, count in parts)


def _mixed_loads(parts, shared_rate: float, consumers: int) -> list[tuple[float, int]]:
    """(load of a consumer, how many consumers carry it), for a range assignment."""
    cuts = {0, consumers}
    for _, count in parts:
        cuts.add(min(count, consumers) if consumers >= count else count % consumers)
    edges = sorted(cut for cut in cuts if 0 <= cut <= consumers)
    loads = []
    for low, high in zip(edges, edges[1:]):
        if high <= low:
            continue
        load = shared_rate / consumers
        for rate, count in parts:
            if consumers >= count:
                held = 1 if low < count else 0
            else:
                held = count // consumers + (1 if low < count % consumers else 0)
            load += rate * held / count
        loads.append((load, high - low))
    return loads


def _mixed_busiest(parts, shared_rate: float, consumers: int) -> float:
    return shared_rate / consumers + sum(
        rate * (1 if consumers >= count else math.ceil(count / consumers)) / count
        for rate, count in parts)


def _mixed_needed(parts, shared_rate: float, service_rate: float, limit: float) -> int | None:
    """Fewest consumers whose busiest stays within ``limit``; None when no count does."""
    floor = sum(rate / count for rate, count in parts)
    room = limit * service_rate - floor
    if room <= 0 or beyond(floor / service_rate, limit):
        return None
    widest = max(count for _, count in parts)
    high = max(widest, math.floor(shared_rate / room) + 1 if shared_rate > 0 else 1)
    while beyond(_mixed_busiest(parts, shared_rate, high) / service_rate, limit):
        high *= 2  # rounding at the edge: the busiest falls towards the floor
        if high > 2 ** 40:
            return None
    low = 1
    while low < high:
        middle = (low + high) // 2
        if not beyond(_mixed_busiest(parts, shared_rate, middle) / service_rate, limit):
            high = middle
        else:
            low = middle + 1
    return low


def _mixed_partitions_needed(parts, shared_rate: float, service_rate: float, consumers: int,
                             headroom: float) -> int | None:
    """Fewest partitions in all (each flow's scaled alike, with a consumer for each
    partition, never fewer consumers than today) that keep the busiest within headroom."""
    now = sum(count for _, count in parts)

    def fits(total: int) -> bool:
        scaled = scaled_partitions(parts, total)
        return not beyond(_mixed_busiest(scaled, shared_rate, max(consumers, sum(c for _, c in scaled)))
                          / service_rate, headroom)

    high = max(now, 1)
    while not fits(high):
        high *= 2
        if high > 2 ** 40:
            return None
    low = now
    while low < high:
        middle = (low + high) // 2
        if fits(middle):
            high = middle
        else:
            low = middle + 1
    return low
