"""Broker recommendation: every flow against every built-in profile, then a ranking.

For each flow and each built-in profile (as shipped: its assumed version and default
limits, not the declared broker's overrides) every requirement the flow states is judged
by `msgarch.analysis.fit` (the same checks as the P102 and B rules): fits, fits with
caveat, or does not fit, with the cited reason. A flow fits a broker when no requirement
fails, and fits with caveat when one has a caveat.

Ranking (analysis.md): brokers that fit every flow first, then fewer flows unmet, then
fewer requirements unmet; ties broken by the system's `requires` list (features missing,
then met only partially), then fewer caveats, then id.

Reference profiles (`fit.REFERENCE_PROFILES`: ``jms``, what the JMS 2.0 specification
alone guarantees) are judged like the others but are not ranked: no one deploys "JMS",
so ranking it first would recommend nothing. They are shown apart, after the ranked
brokers, as a reference column: a flow that fits ``jms`` fits every conforming provider.
"""

from __future__ import annotations

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

    @property
    def requires_missing(self) -> tuple[str, ...]:
        return tuple(feature for feature, support in self.requires if support == "no")


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

    def cell(self, flow: str, broker: str) -> Cell:
        return self.cells[(flow, broker)]


def _judge(needs: fit.FlowNeeds, profile: Profile) -> Cell:
    verdicts = fit.check_all(needs, profile)
    return Cell(needs.flow.id, profile.id, fit.worst(v.status for v in verdicts), verdicts)


def _flow_row(flow: Flow, model: Model, verdicts: tuple[fit.Verdict, ...]) -> FlowRow:
    broker = model.brokers.get(flow.via) if flow.via else None
    return FlowRow(flow.id, flow.via, broker.kind if broker is not None else None,
                   tuple(v.need for v in verdicts))


def recommend(model: Model, profiles: tuple[Profile, ...] | None = None) -> Recommendation:
    """The flows x brokers matrix and the ranking for ``model``; reference profiles are
    judged too but kept out of the ranking (``Recommendation.references``)."""
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
    scored = []
    references = []
    for profile in profiles:
        mine = [cells[(row.id, profile.id)] for row in rows]
        unmet_flows = sum(1 for c in mine if c.status == fit.NO)
        unmet_reqs = sum(len(c.unmet) for c in mine)
        caveats = sum(len(c.caveats) for c in mine)
        support = tuple((feature, fit.requires_support(profile, feature)) for feature in requires)
        if fit.is_reference(profile):
            references.append(Reference(
                profile.id, profile.name, fit.REFERENCE_PROFILES[profile.id], unmet_flows == 0,
                sum(1 for c in mine if c.status == fit.FITS), sum(1 for c in mine if c.status == fit.CAVEAT),
                unmet_flows, unmet_reqs, caveats, support))
            continue
        key = (unmet_flows > 0, unmet_flows, unmet_reqs,
               sum(1 for _, s in support if s == "no"), sum(1 for _, s in support if s == "partial"),
               caveats, profile.id)
        scored.append((key, profile, mine, unmet_flows, unmet_reqs, caveats, support))
    scored.sort(key=lambda item: item[0])
    ranking = tuple(
        Ranked(rank, profile.id, profile.name, unmet_flows == 0,
               sum(1 for c in mine if c.status == fit.FITS), sum(1 for c in mine if c.status == fit.CAVEAT),
               unmet_flows, unmet_reqs, caveats, support)
        for rank, (_, profile, mine, unmet_flows, unmet_reqs, caveats, support) in enumerate(scored, 1))
    ranked_ids = tuple(sorted(item[1].id for item in scored))
    return Recommendation(model.root, BASIS, requires, tuple(rows), ranked_ids, cells, ranking,
                          tuple(sorted(references, key=lambda r: r.broker)))


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
    ranking = [{"rank": r.rank, **_standing_data(r)} for r in rec.ranking]
    reference = [{**_standing_data(r), "note": r.note} for r in rec.references]
    return {"model": rec.model, "basis": rec.basis, "requires": list(rec.requires),
            "brokers": list(rec.brokers), "matrix": matrix, "ranking": ranking, "reference": reference}


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
