"""Broker recommendation: every flow against every built-in profile, then a ranking.

For each flow and each built-in profile (as shipped: its assumed version and default
limits, not the declared broker's overrides) every requirement the flow states is judged
by `msgarch.analysis.fit` (the same checks as the P102 and B rules): fits, fits with
caveat, or does not fit, with the cited reason. A flow fits a broker when no requirement
fails, and fits with caveat when one has a caveat.

Flows are compared in groups of like frameworks (issue 10 item 19): flows declared on a
task framework (a profile whose `model` is `task-layer`: Celery over RabbitMQ, Redis or
SQS) are judged against task frameworks only, every other flow against the other
profiles only (a Celery app cannot move to Artemis without being rewritten); `any_kind`
compares every flow with every profile.

Ranking of one group (analysis.md): brokers that fit every flow first, then fewer flows
unmet, then fewer requirements unmet; then throughput: the group's declared peak
(published messages per second, the flows' peaks assumed to coincide) against the
profile's per-node figure, on the nodes the current brokers declare (fits; needs more
nodes; no published figure, which counts only above the lowest per-node figure any
profile publishes, since every broker carries that much); then the system's `requires`
(features missing, then partial); then fewer caveats. Brokers equal on all of these are
tied: they share a rank, the current broker (the kind the flows are declared on) first
among them, then by id. A broker ranked above another that misses a requirement only
because the other has one miss and fewer caveats is shown with that trade-off. When no
broker fits every flow of a group, a split is proposed: the fewest brokers that fit every
flow between them, chosen greedily in rank order, with the flows each would carry.

Reference profiles (`fit.REFERENCE_PROFILES`: ``jms``, what the JMS 2.0 specification
alone guarantees) are judged like the others but are not ranked: no one deploys "JMS",
so ranking it first would recommend nothing. They are shown apart, after the ranked
brokers, as a reference column: a flow that fits ``jms`` fits every conforming provider.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from msgarch.analysis import fit
from msgarch.brokers import Profile
from msgarch.model.model import Flow, Model

BASIS = ("each flow's requirements checked against every built-in broker profile as shipped "
         "(its assumed version and default limits; `max-message` and `version` on the declared "
         "brokers are not applied); every reason cites the profile fact it rests on")


@dataclass(frozen=True)
class FlowRow:
    """One flow of the model and what it asks of a broker."""

    id: str
    via: str | None
    current_kind: str | None  # kind of the broker the flow is declared on
    needs: tuple[str, ...]  # what it needs, in words, catalogue order


@dataclass(frozen=True)
class Cell:
    """One flow against one profile: the verdict of every requirement."""

    flow: str
    broker: str
    status: str  # worst of the requirement verdicts
    verdicts: tuple[fit.Verdict, ...]

    @property
    def label(self) -> str:
        return fit.LABELS[self.status]

    @property
    def unmet(self) -> tuple[fit.Verdict, ...]:
        return tuple(v for v in self.verdicts if v.status == fit.NO)

    @property
    def caveats(self) -> tuple[fit.Verdict, ...]:
        return tuple(v for v in self.verdicts if v.status == fit.CAVEAT)


#: Throughput verdicts, best first (the order they rank in).
THROUGHPUT_ORDER = ("fits", "not-needed", "scale-out", "unknown")
THROUGHPUT_MODEL = ("published msg/s at peak (each flow's peak, or its rate; peaks assumed to coincide) "
                    "against the profile's per-node throughput figure times the nodes the current brokers declare")


@dataclass(frozen=True)
class Throughput:
    """A group's declared peak against one profile's published per-node figure."""

    status: str  # one of THROUGHPUT_ORDER
    peak: float | None  # msg/s the group's flows publish at peak; None when no flow has a rate
    per_node: float | None  # the profile's figure
    nodes: int  # nodes declared on the current brokers (1 when none)
    nodes_needed: int | None
    text: str  # the verdict in words, with the cited fact

    @property
    def order(self) -> int:
        return 0 if self.status in ("fits", "not-needed") else THROUGHPUT_ORDER.index(self.status) - 1


@dataclass(frozen=True)
class Ranked:
    """One broker's place in the ranking and the counts that put it there."""

    rank: int
    broker: str
    name: str
    fits_every_flow: bool
    flows_fit: int
    flows_with_caveat: int
    flows_unmet: int
    requirements_unmet: int
    caveats: int
    requires: tuple[tuple[str, str], ...]  # (feature, yes/partial/no) for the system's `requires`
    throughput: Throughput | None = None
    tied: bool = False  # another broker has the same rank
    current: bool = False  # the kind some of these flows are declared on
    tradeoff: str = ""  # a broker ranked below with one miss and fewer caveats, in words

    @property
    def requires_missing(self) -> tuple[str, ...]:
        return tuple(feature for feature, support in self.requires if support == "no")

    @property
    def rank_text(self) -> str:
        return f"{self.rank}=" if self.tied else str(self.rank)


@dataclass(frozen=True)
class Group:
    """Flows compared with one set of candidate profiles, and their ranking."""

    name: str  # "messaging", "task framework", or "all" (--any-kind)
    why: str  # why these flows and candidates go together
    flows: tuple[str, ...]
    candidates: tuple[str, ...]  # ranked profile ids, sorted
    ranking: tuple[Ranked, ...]
    split: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (broker, flow ids) when no broker fits every flow
    unserved: tuple[str, ...] = ()  # flows no candidate fits


@dataclass(frozen=True)
class Reference:
    """A reference profile (a specification, not a broker): judged, counted, never ranked."""

    broker: str
    name: str
    note: str  # what the reference is, from fit.REFERENCE_PROFILES
    fits_every_flow: bool
    flows_fit: int
    flows_with_caveat: int
    flows_unmet: int
    requirements_unmet: int
    caveats: int
    requires: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Recommendation:
    model: str  # path of the model's root file
    basis: str
    requires: tuple[str, ...]
    flows: tuple[FlowRow, ...]
    brokers: tuple[str, ...]  # the ranked (deployable) built-in profile ids, sorted
    cells: dict  # (flow id, broker id) -> Cell, for ranked brokers and references alike
    ranking: tuple[Ranked, ...]
    references: tuple[Reference, ...] = ()  # reference profiles, by id: shown apart, not ranked
    groups: tuple[Group, ...] = ()  # one per kind of framework; `ranking` is the first's
    throughput_model: str = THROUGHPUT_MODEL

    def cell(self, flow: str, broker: str) -> Cell:
        return self.cells[(flow, broker)]


def _judge(needs: fit.FlowNeeds, profile: Profile) -> Cell:
    verdicts = fit.check_all(needs, profile)
    return Cell(needs.flow.id, profile.id, fit.worst(v.status for v in verdicts), verdicts)


def _flow_row(flow: Flow, model: Model, verdicts: tuple[fit.Verdict, ...]) -> FlowRow:
    broker = model.brokers.get(flow.via) if flow.via else None
    return FlowRow(flow.id, flow.via, broker.kind if broker is not None else None,
                   tuple(v.need for v in verdicts))


def _group_of(flow: Flow, model: Model, kinds: dict[str, str]) -> str:
    """"task framework" for a flow declared on a task-layer broker, else "messaging"."""
    broker = model.brokers.get(flow.via) if flow.via else None
    kind = (flow.profile_kind or broker.kind) if broker is not None else None
    return "task framework" if kinds.get(kind) == "task-layer" else "messaging"


def _published_peak(flows: list[Flow]) -> float | None:
    """Messages per second the flows publish at peak: one per publish (the derived flows of
    one publish to several channels or consumers count once per channel)."""
    seen: dict[tuple, float] = {}
    for flow in flows:
        rate = flow.peak_rate
        if rate is None:
            continue
        key = (flow.producer, flow.message, flow.channel or flow.id)
        seen[key] = max(seen.get(key, 0.0), rate)
    return sum(seen.values()) if seen else None


def _rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.4g}"


def _throughput(profile: Profile, peak: float | None, nodes: int, floor: tuple[float, str] | None) -> Throughput:
    per_node = profile.throughput_per_node
    fact = profile.fact("throughput")
    if peak is None:
        return Throughput("not-needed", None, per_node, nodes, None, "no flow declares a rate")
    if per_node is None:
        if floor is not None and peak <= floor[0]:
            return Throughput("not-needed", peak, None, nodes, None,
                              f"{_rate(peak)} msg/s at peak, below the lowest per-node figure any profile "
                              f"publishes ({floor[0]:,.0f} msg/s, {floor[1]}); none published here")
        return Throughput("unknown", peak, None, nodes, None,
                          f"{_rate(peak)} msg/s at peak, and the profile publishes no throughput figure: "
                          f"unverified at that rate [{fact.cite()}]")
    needed = max(1, math.ceil(peak / per_node - 1e-9))
    if needed <= nodes:
        return Throughput("fits", peak, per_node, nodes, needed,
                          f"{_rate(peak)} msg/s at peak within {nodes} x {per_node:,.0f} msg/s per node "
                          f"[{fact.cite()}]")
    return Throughput("scale-out", peak, per_node, nodes, needed,
                      f"{_rate(peak)} msg/s at peak needs {needed} nodes at {per_node:,.0f} msg/s per node "
                      f"({nodes} declared) [{fact.cite()}]")


def _rank_group(name: str, why: str, rows: list[FlowRow], flows: list[Flow], candidates: list[Profile],
                cells: dict, requires: tuple[str, ...], current: set[str], nodes: int) -> Group:
    peak = _published_peak(flows)
    known = [(p.throughput_per_node, p.id) for p in fit.deployable_profiles() if p.throughput_per_node]
    floor = min(known) if known else None
    scored = []
    for profile in candidates:
        mine = [cells[(row.id, profile.id)] for row in rows]
        unmet_flows = sum(1 for c in mine if c.status == fit.NO)
        unmet_reqs = sum(len(c.unmet) for c in mine)
        caveats = sum(len(c.caveats) for c in mine)
        support = tuple((feature, fit.requires_support(profile, feature)) for feature in requires)
        throughput = _throughput(profile, peak, nodes, floor)
        tie = (unmet_flows > 0, unmet_flows, unmet_reqs, throughput.order,
               sum(1 for _, s in support if s == "no"), sum(1 for _, s in support if s == "partial"), caveats)
        scored.append((tie, profile.id not in current, profile.id, profile, mine, unmet_flows, unmet_reqs,
                       caveats, support, throughput))
    scored.sort(key=lambda item: item[:3])
    ties: dict[tuple, int] = {}
    for item in scored:
        ties[item[0]] = ties.get(item[0], 0) + 1
    ranking = []
    rank = 0
    previous = None
    for position, item in enumerate(scored, 1):
        tie, _, _, profile, mine, unmet_flows, unmet_reqs, caveats, support, throughput = item
        if tie != previous:
            rank, previous = position, tie
        ranking.append(Ranked(
            rank, profile.id, profile.name, unmet_flows == 0,
            sum(1 for c in mine if c.status == fit.FITS), sum(1 for c in mine if c.status == fit.CAVEAT),
            unmet_flows, unmet_reqs, caveats, support, throughput, ties[tie] > 1, profile.id in current))
    ranking = _tradeoffs(ranking, rows, cells)
    split, unserved = _split(ranking, rows, cells)
    return Group(name, why, tuple(row.id for row in rows), tuple(sorted(p.id for p in candidates)),
                 tuple(ranking), split, unserved)


def _tradeoffs(ranking: list[Ranked], rows: list[FlowRow], cells: dict) -> list[Ranked]:
    """On each broker of the first rank: the best broker ranked below it that misses one
    requirement and has fewer caveats (so a long list of caveats never outranks one miss
    silently)."""
    if not ranking:
        return ranking
    out = []
    for r in ranking:
        note = ""
        if r.rank == ranking[0].rank and r.caveats > 0:
            other = next((o for o in ranking if o.rank > r.rank and o.requirements_unmet == 1
                          and o.caveats < r.caveats), None)
            if other is not None:
                miss = next(f"{row.id}: {v.need}" for row in rows for v in cells[(row.id, other.broker)].unmet)
                note = (f"{other.broker} (rank {other.rank_text}) misses one requirement ({miss}) and has "
                        f"{other.caveats} caveat{'s' if other.caveats != 1 else ''} against {r.caveats} here: "
                        f"check whether those caveats cost more than that miss")
        out.append(Ranked(**{**r.__dict__, "tradeoff": note}))
    return out


def _split(ranking: list[Ranked], rows: list[FlowRow], cells: dict):
    """When no broker fits every flow: the brokers that fit them between them, greedily (the
    broker that fits the most flows still unserved, in rank order), with their flows."""
    if not ranking or ranking[0].fits_every_flow or len(rows) < 2:
        return (), ()
    left = [row.id for row in rows]
    split = []
    while left:
        best = None
        for r in ranking:
            served = [f for f in left if cells[(f, r.broker)].status != fit.NO]
            if served and (best is None or len(served) > len(best[1])):
                best = (r.broker, served)
        if best is None:
            break
        split.append((best[0], tuple(best[1])))
        left = [f for f in left if f not in best[1]]
    if len(split) < 2:
        return (), tuple(left)
    return tuple(split), tuple(left)


def recommend(model: Model, profiles: tuple[Profile, ...] | None = None, any_kind: bool = False) -> Recommendation:
    """The flows x brokers matrix and the ranking for ``model``; reference profiles are
    judged too but kept out of the ranking (``Recommendation.references``). Flows on task
    frameworks and the other flows are ranked apart unless ``any_kind``."""
    profiles = fit.builtin_profiles() if profiles is None else profiles
    requires = tuple(model.system.requires)
    cells: dict[tuple[str, str], Cell] = {}
    rows = []
    for flow in model.flows:
        needs = fit.FlowNeeds.of(flow, model, on_broker=False)
        judged = [_judge(needs, profile) for profile in profiles]
        for cell in judged:
            cells[(flow.id, cell.broker)] = cell
        rows.append(_flow_row(flow, model, judged[0].verdicts if judged else ()))
    references = []
    for profile in profiles:
        if not fit.is_reference(profile):
            continue
        mine = [cells[(row.id, profile.id)] for row in rows]
        unmet_flows = sum(1 for c in mine if c.status == fit.NO)
        support = tuple((feature, fit.requires_support(profile, feature)) for feature in requires)
        references.append(Reference(
            profile.id, profile.name, fit.REFERENCE_PROFILES[profile.id], unmet_flows == 0,
            sum(1 for c in mine if c.status == fit.FITS), sum(1 for c in mine if c.status == fit.CAVEAT),
            unmet_flows, sum(len(c.unmet) for c in mine), sum(len(c.caveats) for c in mine), support))
    deployable = [p for p in profiles if not fit.is_reference(p)]
    kinds = {p.id: p.model for p in deployable}
    by_flow = {flow.id: flow for flow in model.flows}
    if any_kind:
        plan = [("all", "every flow against every broker (--any-kind)", rows, deployable)]
    else:
        plan = []
        for name, why, pick in (
                ("messaging", "flows on brokers, compared with brokers and managed services (task frameworks "
                              "left out: moving to one rewrites the producers and consumers)",
                 lambda p: p.model != "task-layer"),
                ("task framework", "flows of a task framework (Celery), compared with task frameworks only: a "
                                   "Celery app cannot use a broker its transport library does not speak",
                 lambda p: p.model == "task-layer")):
            mine = [row for row in rows if _group_of(by_flow[row.id], model, kinds) == name]
            if mine or (not rows and name == "messaging"):
                plan.append((name, why, mine, [p for p in deployable if pick(p)]))
    groups = []
    for name, why, group_rows, candidates in plan:
        flows = [by_flow[row.id] for row in group_rows]
        current = {f.profile_kind or model.brokers[f.via].kind for f in flows if f.via in model.brokers}
        nodes = max([model.brokers[f.via].nodes or 1 for f in flows if f.via in model.brokers] or [1])
        groups.append(_rank_group(name, why, group_rows, flows, candidates, cells, requires, current, nodes))
    ranking = groups[0].ranking if len(groups) == 1 else ()
    ranked_ids = groups[0].candidates if len(groups) == 1 else tuple(sorted({c for g in groups for c in g.candidates}))
    return Recommendation(model.root, BASIS, requires, tuple(rows), ranked_ids, cells, ranking,
                          tuple(sorted(references, key=lambda r: r.broker)), tuple(groups))


def _verdict_data(verdict: fit.Verdict) -> dict:
    data = {
        "requirement": verdict.requirement,
        "rule": fit.RULE_FOR[verdict.requirement],
        "need": verdict.need,
        "verdict": verdict.label,
        "reason": verdict.reason(),
    }
    if verdict.fact is not None:
        data["fact"] = verdict.fact.path
        data["source"] = verdict.fact.source or None
        data["uncertain"] = verdict.fact.uncertain or None
    return data


def _cell_data(cell: Cell) -> dict:
    return {"verdict": cell.label, "requirements": [_verdict_data(v) for v in cell.verdicts]}


def to_data(rec: Recommendation) -> dict:
    """The recommendation as plain JSON-ready data: {"model", "basis", "requires", "brokers",
    "matrix", "ranking", "reference"}; each matrix row has the ranked brokers under "brokers"
    and the reference profiles (not ranked) under "reference"."""
    matrix = []
    for row in rec.flows:
        matrix.append({
            "flow": row.id,
            "via": row.via,
            "current": row.current_kind,
            "needs": list(row.needs),
            "brokers": {broker: _cell_data(rec.cell(row.id, broker)) for broker in rec.brokers},
            "reference": {ref.broker: _cell_data(rec.cell(row.id, ref.broker)) for ref in rec.references},
        })
    ranking = [_ranked_data(r) for r in rec.ranking]
    reference = [{**_standing_data(r), "note": r.note} for r in rec.references]
    groups = [{"group": g.name, "why": g.why, "flows": list(g.flows), "candidates": list(g.candidates),
               "ranking": [_ranked_data(r) for r in g.ranking],
               "split": [{"broker": broker, "flows": list(flows)} for broker, flows in g.split],
               "unserved": list(g.unserved)} for g in rec.groups]
    return {"model": rec.model, "basis": rec.basis, "requires": list(rec.requires),
            "brokers": list(rec.brokers), "matrix": matrix, "ranking": ranking, "reference": reference,
            "groups": groups, "throughput_model": rec.throughput_model}


def _ranked_data(r: Ranked) -> dict:
    data = {"rank": r.rank, **_standing_data(r), "tied": r.tied, "current": r.current}
    if r.throughput is not None:
        t = r.throughput
        data["throughput"] = {"verdict": t.status, "peak": t.peak, "per_node": t.per_node, "nodes": t.nodes,
                              "nodes_needed": t.nodes_needed, "text": t.text}
    data["tradeoff"] = r.tradeoff or None
    return data


def _standing_data(r) -> dict:
    """How a ranked or reference broker stands against the whole model, as JSON data."""
    return {
        "broker": r.broker,
        "name": r.name,
        "fits_every_flow": r.fits_every_flow,
        "flows_fit": r.flows_fit,
        "flows_with_caveat": r.flows_with_caveat,
        "flows_unmet": r.flows_unmet,
        "requirements_unmet": r.requirements_unmet,
        "caveats": r.caveats,
        "requires": {feature: support for feature, support in r.requires},
    }
