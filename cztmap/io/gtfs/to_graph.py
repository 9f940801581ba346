"""A GTFS feed as the static (expected-wait) graph of :mod:`cztmap.network.build` (:func:`graph_from_gtfs`).

A station node per parent station (or per stop without a parent); a platform node per (station, service);
in-vehicle edges from consecutive stop times (the median over the day's trips of ``departure(b) −
departure(a)``); board edges with ``wait_fraction`` × the service's mean headway in the period (from
``frequencies.txt`` as declared — weighted by how long each window overlaps the period — or from the gaps
between trip departures); alight edges; walk edges from
``transfers.txt`` (or, when the feed gives no transfers between stations, between stations closer than
``walk_link_max_m``).

**Services are stop patterns.** A route whose trips all run one stop sequence (and its reverse) is one service
(``service_id`` = ``route_id``). A route with several patterns — a commuter line's locals, limiteds and
expresses under one ``route_id`` — gets one service per pattern (``<route_id>:p<k>``, with its reverse), each
with its own run times and headway, so no path can ride a phantom train that stops where the fast trains
stop and leaves as often as all trains together. (A route whose trips are all two-stop hops, as cztmap's own
export of a branching service writes them, stays one service.)

**Modes** come from ``route_type`` (:func:`~cztmap.io.gtfs.checks.route_type_mode`: bus, tram, subway, rail,
ferry, …), never the embedded network's ``art``. **The China Railway boarding overhead**
(``params.station_overhead_s``) is added only to cztmap's own exported China Railway routes, or to every route
when ``station_overhead`` asks for it.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import networkx as nx
from shapely.geometry import LineString

from cztmap.errors import DataError, UsageError
from cztmap.geo import REGION_ROUGH, haversine_m
from cztmap.io.gtfs.checks import GTFS_MODES, GtfsFeed
from cztmap.io.gtfs.read import GtfsLimits
from cztmap.io.gtfs.timetable import as_feed, board_overheads, patterns, selected_trips, service_day
from cztmap.io.gtfs.write import period_windows
from cztmap.network.build import PERIODS, RAIL_MODES, add_platform, add_walk_link, node_attrs, station_node
from cztmap.params import DEFAULTS, Params

__all__ = ["graph_from_gtfs", "services"]

_MODES = tuple(dict.fromkeys((*RAIL_MODES, *GTFS_MODES)))


def services(feed: GtfsFeed, trips: list[int]) -> dict[int, str]:
    """Service id of each trip index: the route id, or ``<route_id>:p<k>`` when its patterns differ."""
    pat = patterns(feed, trips)
    st = feed.st
    seq_of = {pat[i]: tuple(st.stop[st.start[i] : st.start[i + 1]].tolist()) for i in trips}
    by_route: dict[str, list[str]] = defaultdict(list)
    for pid in sorted(seq_of, key=lambda p: (p.rsplit(":p", 1)[0], int(p.rsplit(":p", 1)[1]))):
        by_route[pid.rsplit(":p", 1)[0]].append(pid)
    name: dict[str, str] = {}
    for rid, pids in by_route.items():
        seqs = [seq_of[p] for p in pids]
        one = len(seqs) == 1 or (len(seqs) == 2 and seqs[1] == seqs[0][::-1]) or all(len(s) == 2 for s in seqs)
        owner: dict[tuple[int, ...], str] = {}
        for p, s in zip(pids, seqs, strict=True):
            name[p] = rid if one else owner.get(s[::-1], p)
            owner[s] = name[p]
    return {i: name[pat[i]] for i in trips}


def graph_from_gtfs(
    path: str | os.PathLike[str] | GtfsFeed,
    *,
    date: str | dt.date | None = None,
    period: str = "peak",
    params: Params = DEFAULTS,
    modes: Iterable[str] | None = None,
    station_overhead: bool | Mapping[str, float] | None = None,
    limits: GtfsLimits | None = None,
) -> nx.MultiDiGraph:
    """Build the multimodal graph contract (transit part) from a GTFS feed.

    Parameters
    ----------
    path : path or GtfsFeed
        A GTFS zip or folder (checked by :func:`~cztmap.io.gtfs.read_gtfs`), or an already read feed.
    date : str or date, optional
        Service day (ISO). Default: the earliest busiest day of the feed's first week.
    period : {"peak", "offpeak"}
        Which windows (:func:`~cztmap.io.gtfs.period_windows`) give the headways.
    params : Params
        ``platform_walk_s``, ``alight_walk_s``, ``wait_fraction``, walking parameters, fallback headways.
    modes : iterable of str, optional
        Keep only routes of these modes.
    station_overhead : bool or mapping, optional
        Extra boarding time per mode (s): default none for imported feeds (cztmap's own exported China
        Railway routes keep theirs); ``True`` for ``params.station_overhead_s``; or a mapping mode → seconds.
    limits : GtfsLimits, optional
        Size limits of the import.

    Returns
    -------
    networkx.MultiDiGraph
        Nodes ``S:<station>`` and ``P:<station>:<service>``; edges ``<mode>`` (in-vehicle), ``board``,
        ``alight``, ``walk``; ``G.graph`` has ``crs``, ``as_of``, ``period``, ``scenario="gtfs:<name>"``.

    Raises
    ------
    DataError
        Malformed feed (all problems listed), a date outside its calendar, or no trips on ``date``.
    UsageError
        Unknown period or mode, bad date, missing file.
    """
    if period not in PERIODS:
        raise UsageError(f"Unknown period {period!r}; use one of {', '.join(PERIODS)}.")
    chosen = None if modes is None else set(modes)
    if chosen is not None and chosen - set(_MODES):
        raise UsageError(f"Unknown mode(s) {', '.join(sorted(chosen - set(_MODES)))}; choose from {', '.join(_MODES)}.")
    feed = as_feed(path, limits)
    day = service_day(feed, date)
    trips = selected_trips(feed, day, chosen)
    if not trips:
        raise DataError(
            f"GTFS feed {feed.name!r} runs no trips on {day.isoformat()} of modes {', '.join(sorted(chosen or ()))}; "
            "choose other modes."
        )
    svc = services(feed, trips)
    times, dists, departures, route_of = _collect(feed, trips, svc)
    G = nx.MultiDiGraph(
        crs="EPSG:4326",
        as_of=day.isoformat(),
        period=period,
        scenario=f"gtfs:{feed.name}",
        dataset_version=feed.feed_version,
        modes=",".join(sorted({feed.routes[r]["mode"] for r in route_of.values()})),
        name=f"cztmap gtfs:{feed.name} {period}",
    )
    svc_stations = _ride_edges(G, feed, times, dists, route_of)
    _station_nodes(G, feed, svc_stations, route_of)
    over = board_overheads(feed, station_overhead, params)
    _platforms(G, feed, svc_stations, departures, route_of, over, period, params)
    _add_walks(G, feed, sorted({s for ss in svc_stations.values() for s in ss}), params)
    for n in G.nodes:
        G.nodes[n]["street_count"] = len(set(G.successors(n)) | set(G.predecessors(n)))
    w, s, e, nth = REGION_ROUGH
    if any(not (w <= d["x"] <= e and s <= d["y"] <= nth) for _, d in G.nodes(data=True)):
        G.graph["region"] = "any"  # a feed of another region: the graph validation accepts its coordinates
    return G


_Key = tuple[str, str, str]


@dataclass
class _Departures:
    """Departures of trips per (service, direction), and declared frequencies.txt headways."""

    trips: dict[tuple[str, str], list[float]]
    declared: dict[tuple[str, str], list[tuple[int, int, int]]]


def _collect(
    feed: GtfsFeed, trips: list[int], svc: dict[int, str]
) -> tuple[dict[_Key, list[float]], dict[_Key, list[float]], _Departures, dict[str, str]]:
    """In-vehicle times and distances per (service, station, next station); departures per service direction."""
    st = feed.st
    times: dict[_Key, list[float]] = defaultdict(list)
    dists: dict[_Key, list[float]] = defaultdict(list)
    departures: dict[tuple[str, str], list[float]] = defaultdict(list)
    declared: dict[tuple[str, str], list[tuple[int, int, int]]] = defaultdict(list)
    route_of: dict[str, str] = {}
    for i in trips:
        tid = feed.trip_ids[i]
        t = feed.trips[tid]
        s = svc[i]
        route_of[s] = t["route_id"]
        lo, hi = int(st.start[i]), int(st.start[i + 1])
        stations = [feed.station_of(feed.stop_ids[k]) for k in st.stop[lo:hi].tolist()]
        dep = st.dep[lo:hi].tolist()
        dist = st.dist[lo:hi].tolist()
        for k in range(len(stations) - 1):
            if stations[k] == stations[k + 1]:
                continue
            key = (s, stations[k], stations[k + 1])
            times[key].append(float(dep[k + 1] - dep[k]))
            if dist[k] == dist[k] and dist[k + 1] == dist[k + 1]:
                dists[key].append(dist[k + 1] - dist[k])
        dkey = (s, t["direction"] or stations[-1])
        windows = feed.frequencies.get(tid)
        if windows:  # a declared headway is used as declared (even one longer than its window)
            declared[dkey].extend((fa, fb, h) for fa, fb, h, _ in windows)
        else:
            departures[dkey].append(float(dep[0]))
    return times, dists, _Departures(departures, declared), route_of


def _pos(feed: GtfsFeed, station: str) -> tuple[float, float]:
    s = feed.stops[station]
    return s["lon"], s["lat"]


def _distance_unit(feed: GtfsFeed, dists: dict[_Key, list[float]]) -> float | None:
    """shape_dist_traveled units: metres if the median ratio to straight distance is plausible, km if ×1000 is."""
    ratios = []
    for (_, a, b), ds_ in dists.items():
        (x1, y1), (x2, y2) = _pos(feed, a), _pos(feed, b)
        straight = float(haversine_m(x1, y1, x2, y2))
        if straight > 50 and ds_:
            ratios.append(statistics.median(ds_) / straight)
    if not ratios:
        return None
    r = statistics.median(ratios)
    return 1.0 if 0.8 <= r <= 3 else 1000.0 if 0.0008 <= r <= 0.003 else None


def _ride_edges(
    G: nx.MultiDiGraph,
    feed: GtfsFeed,
    times: dict[_Key, list[float]],
    dists: dict[_Key, list[float]],
    route_of: dict[str, str],
) -> dict[str, set[str]]:
    unit = _distance_unit(feed, dists)
    svc_stations: dict[str, set[str]] = defaultdict(set)
    for (s, a, b), ts in sorted(times.items()):
        rid = route_of[s]
        (x1, y1), (x2, y2) = _pos(feed, a), _pos(feed, b)
        if unit and dists.get((s, a, b)):
            length = statistics.median(dists[(s, a, b)]) * unit
        else:
            length = float(haversine_m(x1, y1, x2, y2))
        tt = float(statistics.median(ts))
        svc_stations[s] |= {a, b}
        G.add_edge(
            f"P:{a}:{s}",
            f"P:{b}:{s}",
            mode=feed.routes[rid]["mode"],
            line_id=rid,
            service_id=s,
            section_id="",
            length=float(length),
            travel_time=tt,
            in_vehicle_time=tt,
            geometry=LineString([(x1, y1), (x2, y2)]),
            colour=feed.routes[rid]["colour"],
        )
    return svc_stations


def _station_nodes(
    G: nx.MultiDiGraph, feed: GtfsFeed, svc_stations: dict[str, set[str]], route_of: dict[str, str]
) -> None:
    station_routes: dict[str, set[str]] = defaultdict(set)
    for s, members in svc_stations.items():
        for m in members:
            station_routes[m].add(route_of[s])
    for sid in sorted(station_routes):
        x, y = _pos(feed, sid)
        G.add_node(
            station_node(sid),
            **node_attrs(
                "station",
                x,
                y,
                name_zh=feed.stops[sid]["name"],
                name_en=feed.names_en.get(sid, ""),
                station_id=sid,
                lines=";".join(sorted(station_routes[sid])),
                position_quality="gtfs",
            ),
        )


def _mean_headway(departures: list[float], windows: list[tuple[int, int]]) -> float | None:
    """Mean gap between consecutive departures inside each window (gaps across windows ignored)."""
    span, gaps = 0.0, 0
    for a, b in windows:
        inside = sorted(t for t in departures if a <= t < b)
        if len(inside) >= 2:
            span += inside[-1] - inside[0]
            gaps += len(inside) - 1
    return span / gaps if gaps else None


def _declared_headway(windows: list[tuple[int, int, int]], period: list[tuple[int, int]]) -> float | None:
    """Time-weighted mean of declared headways over their overlap with the period's windows."""
    weight = total = 0.0
    for fa, fb, h in windows:
        for a, b in period:
            overlap = min(fb, b) - max(fa, a)
            if overlap > 0:
                weight += overlap
                total += overlap * h
    return total / weight if weight else None


def _headway(deps: _Departures, s: str, mode: str, period: str, params: Params) -> tuple[float, str]:
    keys = sorted({k for k in (*deps.trips, *deps.declared) if k[0] == s})
    for windows, src in ((period_windows(period), f"gtfs {period}"), ([(0, 48 * 3600)], "gtfs whole day")):
        hws = []
        for k in keys:
            h = _declared_headway(deps.declared[k], windows) if deps.declared.get(k) else None
            h = h if h is not None else _mean_headway(deps.trips.get(k, []), windows)
            if h is not None:
                hws.append(h)
        if hws:
            return sum(hws) / len(hws), src
    fallback_mode = mode if mode in params.default_headway_min else "metro"
    return params.headway_min(fallback_mode, period, None, None)[0] * 60, "default"


def _platforms(
    G: nx.MultiDiGraph,
    feed: GtfsFeed,
    svc_stations: dict[str, set[str]],
    departures: _Departures,
    route_of: dict[str, str],
    over: dict[str, float],
    period: str,
    params: Params,
) -> None:
    for s in sorted(svc_stations):
        rid = route_of[s]
        mode = feed.routes[rid]["mode"]
        hw_s, src = _headway(departures, s, mode, period, params)
        extra = over.get(rid, 0.0)
        for sid in sorted(svc_stations[s]):
            x, y = _pos(feed, sid)
            p = add_platform(
                G,
                sid,
                s,
                x,
                y,
                headway_min=hw_s / 60,
                headway_source=src,
                params=params,
                name_zh=feed.stops[sid]["name"],
                name_en=feed.names_en.get(sid, ""),
                line_id=rid,
            )
            if extra:
                for d in G[station_node(sid)][p].values():
                    if d["mode"] == "board":
                        d["walk_time"] += extra
                        d["travel_time"] += extra
                        d["station_overhead_s"] = extra


def _add_walks(G: nx.MultiDiGraph, feed: GtfsFeed, stations: list[str], params: Params) -> None:
    """Walk edges from transfers.txt between distinct stations, else by proximity (``walk_link_max_m``)."""
    declared = _declared_walks(feed, set(stations), params)
    if declared:
        for (a, b), t in sorted(declared.items()):
            if t is None or t >= 0:
                _walk(G, a, b, t, params)
        return
    xs = [G.nodes[station_node(s)]["x"] for s in stations]
    ys = [G.nodes[station_node(s)]["y"] for s in stations]
    cell = params.walk_link_max_m / 111_000 * 1.5
    cell_x = cell / max(math.cos(math.radians(max((abs(y) for y in ys), default=0.0))), 0.05)
    grid: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
        grid[(math.floor(x / cell_x), math.floor(y / cell))].append(i)
    for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
        cx, cy = math.floor(x / cell_x), math.floor(y / cell)
        for j in (j for dx in (-1, 0, 1) for dy in (-1, 0, 1) for j in grid.get((cx + dx, cy + dy), ())):
            if j != i and float(haversine_m(x, y, xs[j], ys[j])) < params.walk_link_max_m:
                _walk(G, stations[i], stations[j], None, params)


def _declared_walks(feed: GtfsFeed, present: set[str], params: Params) -> dict[tuple[str, str], float | None]:
    declared: dict[tuple[str, str], float | None] = {}
    for t in feed.transfers:
        a, b = feed.station_of(t["from"]), feed.station_of(t["to"])
        if a == b or a not in present or b not in present:
            continue
        if t["type"] in (3, 5):
            declared[(a, b)] = -1.0
        elif t["type"] == 2 and t["min_s"] is not None:
            # min_transfer_time counts alighting, the walk and reaching the next platform; the walk is the rest
            declared[(a, b)] = max(t["min_s"] - params.alight_walk_s - params.platform_walk_s, 0.0)
        else:
            declared.setdefault((a, b), None)
    return declared


def _walk(G: nx.MultiDiGraph, a: str, b: str, t: float | None, params: Params) -> None:
    na, nb = G.nodes[station_node(a)], G.nodes[station_node(b)]
    length = float(haversine_m(na["x"], na["y"], nb["x"], nb["y"])) * params.walk_detour
    add_walk_link(G, a, b, length, length / params.walk_speed_mps if t is None else t)
