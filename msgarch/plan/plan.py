"""The capacity plan: model -> data -> text, Markdown or JSON. Pure functions.

``build(model, profiles)`` gathers, for every year of the horizon, each consumer
component's load at peak, its queue (utilisation, probability of waiting, mean and p99
wait, from M/M/c, one M/M/1 per partition, or one M/M/1 per instance where every instance
receives every message) with today's instances, and the instances that keep it under
the headroom (or, where no count can, the capacity per instance that would); each broker's traffic (msg/s and MB/s at peak), its
retained storage (at the average rate) and the nodes it needs; and the year each
resource passes the headroom. The renderers only format that data. The same analysers
feed the C rules, so `msgarch plan` and `msgarch lint` agree.
"""

from __future__ import annotations

import json
import math
import textwrap
from typing import Any, Callable

from msgarch.analysis import brokerfacts
from msgarch.analysis import figures as fig
from msgarch.analysis.load import LOAD_MODEL
from msgarch.analysis.projection import (
    GROWTH_MODEL, BrokerProjection, ConsumerProjection, project_broker, project_consumer,
    short_model,
)
from msgarch.analysis.queueing import ASSUMPTIONS
from msgarch.model.model import Model

FORMATS = ("text", "markdown", "json")

QUEUE_MODEL = ("each consumer component is a queue served by its instances: M/M/c (Erlang C) "
               "for a shared queue with competing consumers, or one M/M/1 per partition (per "
               "consumer, where consumers hold several partitions) where the broker gives each "
               "partition to one consumer ({partitioned})")
BROADCAST_MODEL = ("; on a broker without competing consumers ({broadcast}) every instance "
                   "receives every message: one M/M/1 per instance at the full rate, which more "
                   "instances never lower")
QUEUE_ASSUMPTIONS = (f"{ASSUMPTIONS} times; the flows into a component peak together; keys "
                     "spread evenly over partitions")
PER_CONNECTION_MODEL = ("; a `pattern pubsub` flow on a broker whose subscriptions are per "
                        "connection ({kinds}) reaches every subscribing instance: one M/M/1 per "
                        "instance at the full rate")
MIXED_MODEL = ("; where only some flows into a component are partitioned, each keeps its own "
               "partitions and the others are split over every instance: the busiest "
               "consumer's M/M/1")
BROKERLESS_MODEL = ("; a brokerless kind ({kinds}) has no broker nodes: its busiest process "
                    "(sending a copy per subscriber connection, receiving what reaches it) is "
                    "compared with the per-process figure, and \"needed\" is instances of that "
                    "process's component")
BROADCAST_TRAFFIC = ("; a broker without competing consumers delivers a copy to every "
                     "instance of each consumer component")
BROKER_MODEL = ("broker traffic = produced + a delivered copy per consumer component "
                "(+ 2 per request-reply reply), compared with nodes x capacity per node; "
                "storage = average rate x size x retention x replication")


# --- data ---------------------------------------------------------------------------


def build(model: Model, profile_of: Callable[[str], Any | None]) -> dict:
    """The whole plan as plain data (JSON-ready, deterministic)."""
    system = model.system
    facts = brokerfacts.broker_facts(model, profile_of)
    loads, traffic = brokerfacts.sized_loads(model, facts)
    growth, horizon, headroom = system.growth, system.horizon, system.headroom

    components: list[dict] = []
    runway: list[dict] = []
    unplanned_components: list[dict] = []
    for name, load in loads.items():
        projection = project_consumer(load, growth, horizon, headroom)
        if projection is None:
            unplanned_components.append({
                "component": name,
                "load_per_s": _num(load.peak),
                "load_per_s_at_horizon": _num(load.peak * (1 + growth) ** horizon),
                "reason": "no `capacity`",
            })
            continue
        components.extend(_component_years(projection))
        runway.append(_component_runway(projection))

    brokers: list[dict] = []
    unplanned_brokers: list[dict] = []
    sources: list[dict] = []
    for name, load in traffic.items():
        if not load.flows:
            continue
        projection = project_broker(load, growth, horizon, headroom)
        brokers.extend(_broker_years(projection, facts[name].model))
        sources.append({"broker": name, "capacity_per_node": _num(load.capacity_per_node),
                        "source": facts[name].capacity_source})
        if projection.throughput is not None:
            runway.append(_broker_runway(projection, "throughput"))
        elif facts[name].sized:
            unplanned_brokers.append({"broker": name, "reason": "no throughput figure",
                                      "source": facts[name].capacity_source})
        if projection.storage is not None:
            runway.append(_broker_runway(projection, "storage"))

    brokerless = list(dict.fromkeys(sorted(facts[name].kind for name in brokerfacts.brokerless_brokers(facts)
                                           if traffic[name].flows)))
    partitioned = sorted(facts[name].kind for name in brokerfacts.per_partition_brokers(facts))
    broadcasting = sorted(facts[name].kind for name in brokerfacts.broadcast_brokers(facts))
    queue_model = QUEUE_MODEL.format(
        partitioned=", ".join(dict.fromkeys(partitioned)) or "none in this model")
    if broadcasting:
        queue_model += BROADCAST_MODEL.format(broadcast=", ".join(dict.fromkeys(broadcasting)))
    per_connection = sorted(facts[name].kind for name in brokerfacts.pubsub_broadcast_brokers(facts)
                            if any(f.via == name and f.pattern == "pubsub" and not f.derived
                                   for f in model.flows))
    if per_connection:
        queue_model += PER_CONNECTION_MODEL.format(kinds=", ".join(dict.fromkeys(per_connection)))
    if any(load.estimate is not None and load.estimate.mixed for load in loads.values()):
        queue_model += MIXED_MODEL
    data = {
        "plan": {
            "system": system.name,
            "file": model.root,
            "growth": _num(growth),
            "horizon": horizon,
            "headroom": _num(headroom),
        },
        "models": {
            "consumers": queue_model,
            "assumptions": QUEUE_ASSUMPTIONS,
            "load": LOAD_MODEL,
            "brokers": BROKER_MODEL + (BROADCAST_TRAFFIC if broadcasting else "")
            + (BROKERLESS_MODEL.format(kinds=", ".join(brokerless)) if brokerless else ""),
            "growth": GROWTH_MODEL,
        },
        "components": components,
        "brokers": brokers,
        "runway": runway,
        "capacity_sources": sources,
        "not_planned": {
            "components": unplanned_components,
            "brokers": unplanned_brokers,
            "flows_without_rate": [flow.id for flow in model.flows
                                   if model.resolved(flow) and flow.peak_rate is None],
            "flows_unresolved": [flow.id for flow in model.flows if not model.resolved(flow)],
        },
    }
    if model.channels:
        # language v2: per channel its broker, type, settings, routes, publishes and
        # consumes, with the rates derivation gives (today's, at the declared rates)
        from msgarch.plan.channels import channel_rows

        data["channels"] = channel_rows(model)
    return data


def _component_years(projection: ConsumerProjection) -> list[dict]:
    rows = []
    for year in projection.years:
        estimate, scaled = year.estimate, year.estimate_needed
        rows.append({
            "component": projection.component,
            "year": year.year,
            "load_per_s": _num(year.load),
            "model": short_model(estimate),
            "instances": projection.instances,
            "capacity_per_instance": _num(projection.capacity),
            "partitions": estimate.partitions,
            "utilisation": _num(estimate.utilisation),
            "stable": estimate.stable,
            "p_wait": _num(estimate.p_wait),
            "wait_mean_s": _num(estimate.wait_mean_s),
            "wait_p99_s": _num(estimate.wait_p99_s),
            "backlog_growth_per_s": _num(estimate.backlog_growth_per_s),
            "instances_needed": year.instances_needed,
            "partitions_needed": year.partitions_needed,
            "capacity_needed_per_instance": _num(year.capacity_needed),
            "at_needed": {
                "model": short_model(scaled),
                "utilisation": _num(scaled.utilisation),
                "p_wait": _num(scaled.p_wait),
                "wait_mean_s": _num(scaled.wait_mean_s),
                "wait_p99_s": _num(scaled.wait_p99_s),
            },
        })
    return rows


def _component_runway(projection: ConsumerProjection) -> dict:
    year = projection.first_year_over
    return {
        "resource": projection.component,
        "kind": "component",
        "model": short_model(projection.today.estimate),
        "utilisation_now": _num(projection.today.estimate.utilisation),
        "utilisation_at_horizon": _num(projection.years[-1].estimate.utilisation),
        "years_until_headroom": _num(projection.years_until),
        "first_year_over": year,
        "unit": "consumers" if projection.partitions is not None else "instances",
        "now": projection.instances,
        "needed_that_year": None if year is None else projection.years[year].instances_needed,
        "needed_at_horizon": projection.years[-1].instances_needed,
        "partitions_now": projection.partitions,
        "partitions_needed_at_horizon": projection.years[-1].partitions_needed,
        "capacity_needed_that_year": (None if year is None
                                      else _num(projection.years[year].capacity_needed)),
        "capacity_needed_at_horizon": _num(projection.years[-1].capacity_needed),
        "scaling_limit": projection.scaling_limit or None,
    }


def _broker_years(projection: BrokerProjection, kind_model: str) -> list[dict]:
    rows = []
    for year in projection.years:
        rows.append({
            "broker": projection.broker,
            "kind": projection.kind,
            "year": year.year,
            "messages_per_s": _num(year.messages),
            "bytes_per_s": _num(year.bytes_per_s),
            "storage_bytes": _num(year.storage_bytes),
            "nodes": projection.nodes,
            "capacity_per_node": _num(projection.capacity_per_node),
            "utilisation": _num(year.utilisation),
            "nodes_needed_throughput": (None if projection.throughput is None
                                        else projection.throughput.needed[year.year]),
            "storage_per_node_bytes": _num(projection.storage_per_node),
            "storage_utilisation": _num(year.storage_utilisation),
            "nodes_needed_storage": (None if projection.storage is None
                                     else projection.storage.needed[year.year]),
            "nodes_needed": year.nodes_needed,
            "brokerless": kind_model == "brokerless",
        })
        if projection.process is not None:
            # no broker nodes: the busiest process against the per-process figure
            process = projection.process
            rows[-1].update({
                "nodes": None,
                "nodes_needed": None,
                "nodes_needed_throughput": None,
                "busiest_process": process.component,
                "busiest_process_per_s": _num(process.per_instance * (1 + projection.growth) ** year.year),
                "busiest_process_instances": process.instances,
                "instances_needed": (projection.process_needed[year.year]
                                     if projection.process_needed else None),
            })
    return rows


def _broker_runway(projection: BrokerProjection, what: str) -> dict:
    plan = projection.throughput if what == "throughput" else projection.storage
    year = plan.first_year_over
    if what == "throughput" and projection.process is not None and projection.process_needed:
        process = projection.process
        return {
            "resource": projection.broker,
            "kind": f"busiest process, an instance of '{process.component}'",
            "model": GROWTH_MODEL + "; no broker nodes: the busiest process against the per-process figure",
            "utilisation_now": _num(projection.years[0].utilisation),
            "utilisation_at_horizon": _num(projection.years[-1].utilisation),
            "years_until_headroom": _num(plan.years_until),
            "first_year_over": year,
            "unit": f"instances of '{process.component}'",
            "now": process.instances,
            "needed_that_year": None if year is None else projection.process_needed[year],
            "needed_at_horizon": projection.process_needed[-1],
            "partitions_now": None,
            "partitions_needed_at_horizon": None,
            "capacity_needed_that_year": None,
            "capacity_needed_at_horizon": None,
            "scaling_limit": ("each instance receives every message: send fewer copies or "
                              "measure a higher per-process figure")
            if year is not None and projection.process_needed[year] is None else None,
        }
    if what == "throughput":
        now, last = projection.years[0].utilisation, projection.years[-1].utilisation
    else:
        now, last = projection.years[0].storage_utilisation, projection.years[-1].storage_utilisation
    return {
        "resource": projection.broker,
        "kind": f"broker {what}",
        "model": GROWTH_MODEL,
        "utilisation_now": _num(now),
        "utilisation_at_horizon": _num(last),
        "years_until_headroom": _num(plan.years_until),
        "first_year_over": year,
        "unit": "nodes",
        "now": projection.nodes,
        "needed_that_year": None if year is None else plan.needed[year],
        "needed_at_horizon": plan.needed[-1],
        "partitions_now": None,
        "partitions_needed_at_horizon": None,
        "capacity_needed_that_year": None,
        "capacity_needed_at_horizon": None,
        "scaling_limit": None,
    }


def _num(value: float | None) -> float | int | None:
    """Round to 6 significant figures for the report (None stays None)."""
    if value is None:
        return None
    if isinstance(value, int) or value == 0 or not math.isfinite(value):
        return value
    digits = 6 - 1 - math.floor(math.log10(abs(value)))
    rounded = round(value, digits)
    return int(rounded) if rounded == int(rounded) and abs(rounded) < 2 ** 53 else rounded


# --- rendering ------------------------------------------------------------------------


def render(data: dict, output_format: str) -> str:
    if output_format == "json":
        return render_json(data)
    if output_format == "markdown":
        return render_markdown(data)
    return render_text(data)


def render_json(data: dict) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _title(data: dict) -> str:
    plan = data["plan"]
    name = f'"{plan["system"]}"' if plan["system"] else "(unnamed system)"
    return f"Capacity plan for {name} ({plan['file']})"


def _basis(data: dict) -> str:
    plan = data["plan"]
    growth = fig.percent(plan["growth"])
    return (f"Growth {growth} a year (compound), horizon {fig.plural(plan['horizon'], 'year')}, "
            f"headroom {fig.percent(plan['headroom'])}. Figures are estimates at peak rate "
            f"(storage at the average rate).")


def _models(data: dict) -> list[str]:
    models = data["models"]
    return [
        f"Queueing model: {models['consumers']}.",
        f"Assumptions: {models['assumptions']}; figures are estimates.",
        f"Load: {models['load']}.",
        f"Brokers: {models['brokers']}.",
        f"{models['growth'][0].upper()}{models['growth'][1:]}.",
    ]


def _component_rows(rows: list[dict]) -> list[list[str]]:
    """The component table: one duration unit per component (its largest wait's), so
    mean and p99, and the years down a column, read alike (never `0.0902 us` beside
    `0 ms`); years that read the same are merged."""
    units: dict[str, list[float]] = {}
    for r in rows:
        if r["stable"]:
            units.setdefault(r["component"], []).extend((r["wait_mean_s"], r["wait_p99_s"]))
    unit = {name: fig.seconds_unit(values) for name, values in units.items()}
    return _merge_years([_component_cells(r, unit.get(r["component"])) for r in rows], name=0, year=1)


def _broker_rows(rows: list[dict]) -> list[list[str]]:
    return _merge_years([_broker_cells(r) for r in rows], name=0, year=2)


def _merge_years(rows: list[list[str]], name: int, year: int) -> list[list[str]]:
    """Consecutive years of one resource that read the same (0% growth) become one row
    whose year is a range (`0-3`), instead of the same row repeated."""
    out: list[list[str]] = []
    first: str | None = None
    for row in rows:
        rest = row[:year] + row[year + 1:]
        if out and out[-1][name] == row[name] and out[-1][:year] + out[-1][year + 1:] == rest:
            out[-1][year] = f"{first}-{row[year]}"
            continue
        first = row[year]
        out.append(list(row))
    return out


def _component_cells(row: dict, unit: str | None = None) -> list[str]:
    if row["stable"]:
        unit = unit or fig.seconds_unit([row["wait_mean_s"], row["wait_p99_s"]])
        mean, p99 = fig.seconds_in(row["wait_mean_s"], unit), fig.seconds_in(row["wait_p99_s"], unit)
    else:
        mean, p99 = "unstable", f"backlog +{fig.count(row['backlog_growth_per_s'])}/s"
    needed = fig.whole(row["instances_needed"])
    if row.get("capacity_needed_per_instance") is not None:
        needed = f"capacity >{fig.rate(row['capacity_needed_per_instance'])}"
    elif row["partitions_needed"] not in (None, row["partitions"]):
        needed += f" ({fig.whole(row['partitions_needed'])} partitions)"
    return [row["component"], str(row["year"]), fig.count(row["load_per_s"]), row["model"],
            fig.percent(row["utilisation"]), fig.probability(row["p_wait"]), mean, p99,
            fig.whole(row["instances"]), needed]


COMPONENT_HEADER = ["component", "year", "load/s", "model", "util", "P(wait)", "mean wait",
                    "p99 wait", "instances", "needed"]
BROKER_HEADER = ["broker", "kind", "year", "msg/s", "MB/s", "storage", "util", "storage util",
                 "nodes", "needed"]


def _broker_cells(row: dict) -> list[str]:
    megabytes = "?" if row["bytes_per_s"] is None else fig.number(row["bytes_per_s"] / 1e6, 3)
    storage = "-" if row["storage_bytes"] is None else fig.size(row["storage_bytes"])
    util = "-" if row["utilisation"] is None else fig.percent(row["utilisation"])
    storage_util = ("-" if row["storage_utilisation"] is None
                    else fig.percent(row["storage_utilisation"]))
    if row.get("busiest_process"):
        # brokerless: no nodes; "needed" is instances of the busiest process's component
        needed = row["instances_needed"]
        return [row["broker"], row["kind"], str(row["year"]), fig.count(row["messages_per_s"]),
                megabytes, storage, util, storage_util, "-",
                "-" if needed is None else f"{fig.whole(max(needed, row['busiest_process_instances']))} x "
                f"{row['busiest_process']}"]
    if row.get("brokerless"):  # no broker nodes, and no rated flow to size a process by
        return [row["broker"], row["kind"], str(row["year"]), fig.count(row["messages_per_s"]),
                megabytes, storage, util, storage_util, "-", "-"]
    return [row["broker"], row["kind"], str(row["year"]), fig.count(row["messages_per_s"]),
            megabytes, storage, util, storage_util, fig.whole(row["nodes"]),
            fig.whole(row["nodes_needed"])]


def _runway_line(entry: dict, headroom: float, horizon: int) -> str:
    limit = fig.percent(headroom)
    label = entry["resource"] + ("" if entry["kind"] == "component" else f" ({entry['kind']})")
    now = fig.percent(entry["utilisation_now"])
    unit = entry["unit"]
    year = entry["first_year_over"]
    if year is not None and entry.get("scaling_limit") and entry["needed_that_year"] is None:
        when = "today" if year == 0 else f"in year {year}{_after(entry)}"
        return (f"{label}: {'at or over' if year == 0 else 'passes'} {limit} {when} ({now} today); "
                f"more {unit} do not help ({entry['scaling_limit']})")
    if year is None:
        return (f"{label}: stays under {limit} through year {horizon} ({now} today, "
                f"{fig.percent(entry['utilisation_at_horizon'])} in year {horizon}); "
                f"{fig.whole(entry['now'])} {_unit(unit, entry['now'])}")
    capacity = entry.get("capacity_needed_that_year")
    if capacity is not None:
        # No count of instances or partitions helps: say why, and what would.
        cause = f"more {unit} do not help ({entry['scaling_limit']}); "
        faster = f"a handler faster than {fig.rate(capacity)}"
        if year == 0:
            text = f"{label}: at or over {limit} today ({now}); {cause}{faster} needed now"
        else:
            text = (f"{label}: passes {limit} in year {year}{_after(entry)} ({now} today); "
                    f"{cause}{faster} by year {year}")
        last = entry.get("capacity_needed_at_horizon")
        if last is not None and fig.rate(last) != fig.rate(capacity):
            text += f", faster than {fig.rate(last)} by year {horizon}"
        return text
    if year == 0:
        text = (f"{label}: at or over {limit} today ({now}); {fig.whole(entry['needed_that_year'])} "
                f"{_unit(unit, entry['needed_that_year'])} needed now")
    else:
        text = (f"{label}: passes {limit} in year {year}{_after(entry)} ({now} today); "
                f"{fig.whole(entry['needed_that_year'])} {_unit(unit, entry['needed_that_year'])} "
                f"by year {year} (today {fig.whole(entry['now'])})")
    if entry["needed_at_horizon"] != entry["needed_that_year"]:
        text += f", {fig.whole(entry['needed_at_horizon'])} by year {horizon}"
    partitions = entry.get("partitions_needed_at_horizon")
    if partitions is not None and partitions != entry.get("partitions_now"):
        text += (f" (with {fig.whole(partitions)} partitions by year {horizon}, from "
                 f"{fig.whole(entry['partitions_now'])})")
    return text


def _after(entry: dict) -> str:
    until = entry["years_until_headroom"]
    if until is None:
        return ""
    text = fig.number(until, 3)
    return f", after {text} year{'' if text == '1' else 's'}"


def _unit(unit: str, n: int) -> str:
    if n == 1 and unit.startswith("instances of "):
        return "instance of " + unit[len("instances of "):]
    return unit[:-1] if n == 1 else unit


def _not_planned(data: dict) -> list[str]:
    skipped = data["not_planned"]
    lines = []
    for item in skipped["components"]:
        lines.append(f"{item['component']}: {item['reason']}; load {fig.rate(item['load_per_s'])} "
                     f"at peak today, {fig.rate(item['load_per_s_at_horizon'])} at the horizon")
    for item in skipped["brokers"]:
        lines.append(f"{item['broker']}: {item['reason']} ({item['source']}); declare "
                     f"`capacity N/s per node`")
    if skipped["flows_without_rate"]:
        lines.append("flows with neither `rate` nor `peak`, left out of every load: "
                     + ", ".join(skipped["flows_without_rate"]))
    if skipped["flows_unresolved"]:
        lines.append("flows naming undeclared elements, left out (see `msgarch lint`): "
                     + ", ".join(skipped["flows_unresolved"]))
    return lines


def _table(header: list[str], rows: list[list[str]], numeric: set[int]) -> list[str]:
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows)]

    def line(cells: list[str]) -> str:
        return "  ".join(cell.rjust(width) if index in numeric else cell.ljust(width)
                         for index, (cell, width) in enumerate(zip(cells, widths))).rstrip()

    return [line(header), line(["-" * width for width in widths])] + [line(row) for row in rows]


def _channel_rate(entry: dict) -> str:
    from msgarch.render.text import rate  # as rates are written: 20/h, 250k/min

    value, peak = entry.get("rate_per_s"), entry.get("peak_per_s")
    if value is not None and peak is not None and peak != value:
        text = f"{rate(value)}, peak {rate(peak)}"
    elif value is not None:
        text = rate(value)
    elif peak is not None:
        text = f"peak {rate(peak)}"
    else:
        text = ""
    if entry.get("without_rate"):
        text = (text + " + " if text else "") + f"{entry['without_rate']} without a rate"
    return text


def _publish_text(p: dict) -> str:
    key = (" key " + " ".join(f'"{k}"' for k in p["keys"]) if p["keys"]
           else f" key by {p['key_by']}" if p["key_by"] else "")
    figure = _channel_rate(p)
    return (f"{p['component']} publishes {p['message']}{key}" + (f", {figure}" if figure else "")
            + (f" ({', '.join(p['settings_written'])})" if p["settings_written"] else ""))


def _consume_text(c: dict) -> str:
    figure = _channel_rate(c)
    return (f"{c['component']} consumes {c['message']}" + (f" (group {c['group']})" if c["group"] else "")
            + (f", receives {figure}" + (" per instance" if c["per_instance"] else "") if figure
               else ", nothing derived reaches it")
            + (f" ({', '.join(c['settings_written'])})" if c["settings_written"] else ""))


def _route_texts(row: dict) -> list[str]:
    out = [f"-> {r['to']}: {r['match']}" + (f", {_channel_rate(r)}" if _channel_rate(r) else "")
           for r in row["routes_out"]]
    out += [f"<- {r['from']}: {r['match']}" + (f", {_channel_rate(r)}" if _channel_rate(r) else "")
            for r in row["routes_in"]]
    return out


def _channel_head(row: dict) -> str:
    kind = f" ({row['broker_kind']})" if row["broker_kind"] else ""
    settings = f" {{ {'  '.join(row['settings_written'])} }}" if row["settings_written"] else ""
    into = _channel_rate(row["into"])
    return (f"{row['channel']} on {row['broker']}{kind}: {row['type']}{settings}"
            + (f"; {row['delivery_means']}" if row["delivery_means"] else "")
            + (f"; in {into}" if into else ""))


def _channel_lines(row: dict) -> list[str]:
    lines = [f"in:  {_publish_text(p)}" for p in row["publishes"]]
    lines += [f"route {text}" for text in _route_texts(row)]
    lines += [f"out: {_consume_text(c)}" for c in row["consumes"]]
    lines += [f"dropped: {text}" for text in row["dropped"]]
    return lines


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_text(data: dict) -> str:
    plan = data["plan"]
    out = [_title(data), _basis(data), ""]
    for paragraph in _models(data):
        out += textwrap.wrap(paragraph, width=92, subsequent_indent="  ")
    out.append("")
    out.append(f"Consumer components at peak (today's instances; \"needed\" stays under "
               f"{fig.percent(plan['headroom'])})")
    if data["components"]:
        out += _table(COMPONENT_HEADER, _component_rows(data["components"]),
                      numeric={1, 2, 4, 5, 6, 7, 8})
    else:
        out.append("  none with a known capacity")
    out.append("")
    out.append("Brokers (traffic at peak, storage at the average rate, today's nodes)")
    if data["brokers"]:
        out += _table(BROKER_HEADER, _broker_rows(data["brokers"]),
                      numeric={2, 3, 4, 5, 6, 7, 8})
    else:
        out.append("  none carries a flow")
    if data.get("channels"):
        out.append("")
        out.append("Channels (today's rates, derived from the publishes through the routes)")
        for row in data["channels"]:
            out += textwrap.wrap(_channel_head(row), width=100, initial_indent="  ", subsequent_indent="      ",
                                 break_on_hyphens=False)
            for line in _channel_lines(row):
                out += textwrap.wrap(line, width=100, initial_indent="    ", subsequent_indent="        ",
                                     break_on_hyphens=False)
    out.append("")
    out.append(f"Runway: the first year each resource is at or over the "
               f"{fig.percent(plan['headroom'])} headroom")
    out += ["  " + _runway_line(e, plan["headroom"], plan["horizon"]) for e in data["runway"]]
    if not data["runway"]:
        out.append("  nothing to project")
    if data["capacity_sources"]:
        out.append("")
        out.append("Broker capacity per node")
        out += ["  " + f"{s['broker']}: {s['source']}" for s in data["capacity_sources"]]
    skipped = _not_planned(data)
    if skipped:
        out.append("")
        out.append("Not planned (missing inputs are never guessed)")
        out += ["  " + line for line in skipped]
    return "\n".join(out) + "\n"


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def _md_table(header: list[str], rows: list[list[str]], numeric: set[int]) -> list[str]:
    align = ["---:" if index in numeric else "---" for index in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(_md_escape(cell) for cell in row) + " |" for row in rows]
    return lines


def render_markdown(data: dict) -> str:
    plan = data["plan"]
    out = [f"# {_title(data)}", "", _basis(data), ""]
    out += [f"- {paragraph}" for paragraph in _models(data)]
    out += ["", "## Consumer components at peak", "",
            f"Today's instances; *needed* keeps utilisation under {fig.percent(plan['headroom'])}.", ""]
    if data["components"]:
        out += _md_table(COMPONENT_HEADER, _component_rows(data["components"]),
                         numeric={1, 2, 4, 5, 6, 7, 8})
    else:
        out.append("None with a known capacity.")
    out += ["", "## Brokers", "", "Traffic at peak, storage at the average rate, today's nodes.", ""]
    if data["brokers"]:
        out += _md_table(BROKER_HEADER, _broker_rows(data["brokers"]),
                         numeric={2, 3, 4, 5, 6, 7, 8})
    else:
        out.append("None carries a flow.")
    if data.get("channels"):
        out += ["", "## Channels", "", "Today's rates, derived from the publishes through the routes.", "",
                "| channel | broker | type | settings | publishes into it | routes | consumes from it | in |",
                "| --- | --- | --- | --- | --- | --- | --- | ---: |"]
        for row in data["channels"]:
            kind = f" ({row['broker_kind']})" if row["broker_kind"] else ""
            cells = [f"`{row['channel']}`", row["broker"] + kind, row["type"],
                     "<br>".join(row["settings_written"]) or "-",
                     "<br>".join(_publish_text(p) for p in row["publishes"]) or "-",
                     "<br>".join(_route_texts(row)) or "-",
                     "<br>".join(_consume_text(c) for c in row["consumes"]) or "-",
                     _channel_rate(row["into"]) or "-"]
            out.append("| " + " | ".join(_md_cell(cell) for cell in cells) + " |")
    out += ["", "## Runway", "",
            f"The first year each resource is at or over the {fig.percent(plan['headroom'])} headroom.", ""]
    out += [f"- {_md_escape(_runway_line(e, plan['headroom'], plan['horizon']))}" for e in data["runway"]]
    if not data["runway"]:
        out.append("Nothing to project.")
    if data["capacity_sources"]:
        out += ["", "## Broker capacity per node", ""]
        out += [f"- **{s['broker']}**: {s['source']}" for s in data["capacity_sources"]]
    skipped = _not_planned(data)
    if skipped:
        out += ["", "## Not planned", "", "Missing inputs are never guessed.", ""]
        out += [f"- {line}" for line in skipped]
    return "\n".join(out) + "\n"
