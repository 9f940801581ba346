"""Door-to-door routes and itineraries on a cztmap graph.

:func:`route` finds the fastest path (Dijkstra on ``travel_time``) between two places given as a
station name (Chinese or English/pinyin, case- and space-insensitive), a station id, a node id, or a
``(lon, lat)`` point, and returns an :class:`Itinerary`: legs with their mode, line, stops, departure
offset and the time split into in-vehicle, wait, walk/transfer and access.

Examples
--------
>>> from cztmap import build_graph, route
>>> G = build_graph(as_of="2024-07-01", modes=["metro"])
>>> it = route(G, "五一广场", "橘子洲")
>>> [leg.line_id for leg in it.legs if leg.kind == "ride"]
['L2']
>>> it.in_vehicle_s > 0 and it.n_transfers == 0
True
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, NoReturn

import networkx as nx

from cztmap.data.services import TRANSIT_MODES
from cztmap.errors import NoRouteError, UsageError
from cztmap.network._nodes import sink
from cztmap.network.names import describe_place, resolve_node, resolve_places, station_index
from cztmap.network.validate_graph import check_graph

#: ``resolve_node`` and ``station_index`` live in :mod:`cztmap.network.names` (re-exported here).
__all__ = ["Itinerary", "Leg", "in_vehicle_time", "resolve_node", "route", "station_index", "timetable_for"]

_RIDE_MODES = set(TRANSIT_MODES)  # embedded rail modes and imported GTFS modes (bus, tram, subway, rail, …)


@dataclass
class Leg:
    """One leg of an itinerary.

    ``kind`` is ``ride`` (in a vehicle: metro, maglev, intercity, hsr, rail, art), ``drive`` (road),
    ``walk`` (between stations), ``access`` (between a place and the network) or ``transfer``.
    Times are seconds; ``depart_s`` is the offset from the start of the journey.
    """

    kind: str
    mode: str
    line_id: str | None
    from_node: str
    to_node: str
    from_name: str
    to_name: str
    depart_s: float
    in_vehicle_s: float = 0.0
    wait_s: float = 0.0
    walk_s: float = 0.0
    access_s: float = 0.0
    distance_m: float = 0.0
    stops: list[str] = field(default_factory=list)
    colour: str | None = None
    coords: list[tuple[float, float]] = field(default_factory=list)
    #: clock times of a timetable itinerary (``HH:MM``): boarding and alighting for a ride, start and end otherwise
    depart_time: str | None = None
    arrive_time: str | None = None
    trip_id: str | None = None

    @property
    def duration_s(self) -> float:
        """Seconds of the leg: in-vehicle + wait + walk + access."""
        return self.in_vehicle_s + self.wait_s + self.walk_s + self.access_s

    @property
    def n_stops(self) -> int:
        """Stops passed on a ride (calls after boarding, the alighting stop included)."""
        return max(len(self.stops) - 1, 0)


@dataclass
class Itinerary:
    """A door-to-door journey: legs and totals (seconds, metres)."""

    origin: str
    destination: str
    origin_name: str
    destination_name: str
    legs: list[Leg]
    as_of: str | None
    period: str | None
    nodes: list[str] = field(default_factory=list)
    #: timetable itineraries: leaving the origin and arriving at the destination (``HH:MM``), the service day
    depart_time: str | None = None
    arrive_time: str | None = None
    service_date: str | None = None
    timetable: str | None = None
    #: window queries: start, end, departures, percentiles (minutes), mean (see :func:`route`)
    window: dict[str, Any] | None = None

    @property
    def total_s(self) -> float:
        """Door-to-door seconds of the itinerary."""
        return sum(leg.duration_s for leg in self.legs)

    @property
    def in_vehicle_s(self) -> float:
        """Seconds on board, all legs."""
        return sum(leg.in_vehicle_s for leg in self.legs)

    @property
    def wait_s(self) -> float:
        """Seconds waiting (expected waits, or timetable waits), all legs."""
        return sum(leg.wait_s for leg in self.legs)

    @property
    def walk_s(self) -> float:
        """Seconds walking (in stations, between stations), all legs."""
        return sum(leg.walk_s for leg in self.legs)

    @property
    def access_s(self) -> float:
        """Seconds reaching or leaving the network (access/egress, feeder, car), all legs."""
        return sum(leg.access_s for leg in self.legs)

    @property
    def distance_m(self) -> float:
        """Metres travelled, all legs."""
        return sum(leg.distance_m for leg in self.legs)

    @property
    def n_transfers(self) -> int:
        """Changes between vehicles (rides − 1, never negative)."""
        return max(sum(1 for leg in self.legs if leg.kind in ("ride",)) - 1, 0)

    def totals(self) -> dict[str, Any]:
        """Totals by component (seconds) plus distance (m), transfers, and clock times of timetable itineraries."""
        clock = {"depart_time": self.depart_time, "arrive_time": self.arrive_time} if self.depart_time else {}
        return {
            **clock,
            "total_s": round(self.total_s, 1),
            "in_vehicle_s": round(self.in_vehicle_s, 1),
            "wait_s": round(self.wait_s, 1),
            "walk_transfer_s": round(self.walk_s, 1),
            "access_s": round(self.access_s, 1),
            "distance_m": round(self.distance_m, 1),
            "transfers": self.n_transfers,
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: origin, destination, date, period, legs and totals."""
        legs = []
        for leg in self.legs:
            d = asdict(leg)
            d.pop("coords")
            d["duration_s"] = round(leg.duration_s, 1)
            for k in ("depart_s", "in_vehicle_s", "wait_s", "walk_s", "access_s", "distance_m"):
                d[k] = round(d[k], 1)
            legs.append(d)
        out: dict[str, Any] = {
            "origin": {"node": self.origin, "name": self.origin_name},
            "destination": {"node": self.destination, "name": self.destination_name},
            "as_of": self.as_of,
            "period": self.period,
        }
        if self.depart_time:
            out.update(
                {
                    "service_date": self.service_date,
                    "depart_time": self.depart_time,
                    "arrive_time": self.arrive_time,
                    "timetable": self.timetable,
                }
            )
        else:
            for ld in legs:
                for k in ("depart_time", "arrive_time", "trip_id"):
                    ld.pop(k, None)
        out["legs"] = legs
        out["totals"] = self.totals()
        if self.window is not None:
            out["window"] = self.window
        return out

    def to_json(self, **kw: Any) -> str:
        """The itinerary as JSON text (:meth:`to_dict`; keyword arguments go to :func:`json.dumps`)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, **kw)

    def to_gdf(self) -> Any:
        """The legs as a GeoDataFrame (EPSG:4326), one LineString per leg."""
        import geopandas as gpd
        from shapely.geometry import LineString, Point

        rows, geoms = [], []
        for i, leg in enumerate(self.legs):
            rows.append(
                {
                    "leg": i,
                    "kind": leg.kind,
                    "mode": leg.mode,
                    "line_id": leg.line_id,
                    "from_name": leg.from_name,
                    "to_name": leg.to_name,
                    "depart_min": leg.depart_s / 60,
                    "minutes": leg.duration_s / 60,
                    "in_vehicle_min": leg.in_vehicle_s / 60,
                    "wait_min": leg.wait_s / 60,
                    "walk_min": leg.walk_s / 60,
                    "access_min": leg.access_s / 60,
                    "distance_m": leg.distance_m,
                    "n_stops": leg.n_stops,
                    "colour": leg.colour,
                }
            )
            pts = leg.coords
            geoms.append(LineString(pts) if len(pts) >= 2 else (Point(pts[0]) if pts else None))
        return gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4326")

    def _repr_html_(self) -> str:
        """Notebook display: totals and one row per leg (minutes); draw it with ``maps.route_map(it.to_gdf())``."""
        from cztmap._display import summary_html, table_html

        pairs = [
            ("from 起点", self.origin_name),
            ("to 终点", self.destination_name),
            ("date 日期", f"{self.as_of} ({self.period})" if self.as_of else "—"),
            ("total 全程", f"{self.total_s / 60:.0f} min"),
            ("in vehicle 乘车", f"{self.in_vehicle_s / 60:.0f} min"),
            ("wait 候车", f"{self.wait_s / 60:.0f} min"),
            ("walk/transfer 步行换乘", f"{self.walk_s / 60:.0f} min"),
            ("access 接驳", f"{self.access_s / 60:.0f} min"),
            ("transfers 换乘", self.n_transfers),
            ("distance 距离", f"{self.distance_m / 1000:.1f} km"),
        ]
        rows = [
            [
                f"+{leg.depart_s / 60:.0f}",
                leg.kind,
                leg.mode,
                leg.line_id or "",
                leg.from_name,
                leg.to_name,
                round(leg.duration_s / 60, 1),
                round(leg.wait_s / 60, 1),
                leg.n_stops,
            ]
            for leg in self.legs
        ]
        cols = ["depart (min)", "kind", "mode", "line", "from", "to", "minutes", "wait (min)", "stops"]
        return summary_html("Itinerary 行程", pairs, ("legs 行程段", table_html(cols, rows)))

    def __str__(self) -> str:
        def mm(s: float) -> str:
            return f"{s / 60:.0f} min" if s >= 60 else f"{s:.0f} s"

        head = f"{self.origin_name} → {self.destination_name}"
        if self.depart_time:
            when = f" ({self.service_date}, timetable): leave {self.depart_time}, arrive {self.arrive_time}, "
        else:
            when = f" ({self.as_of}, {self.period}): " if self.as_of else ": "
        lines = [f"{head}{when}{mm(self.total_s)}, {self.n_transfers} transfer(s), {self.distance_m / 1000:.1f} km"]
        for leg in self.legs:
            t0 = f"+{leg.depart_s / 60:4.0f}'"
            if leg.depart_time:
                t0 = f"{leg.depart_time} " if leg.kind != "ride" else "      "
            if leg.kind == "ride" and leg.depart_time:
                wait = f", wait {mm(leg.wait_s)}" if leg.wait_s else ""
                lines.append(
                    f"  {t0}  {leg.mode.upper():9} {leg.line_id:6} board {leg.depart_time} {leg.from_name} → "
                    f"{leg.to_name}, arrive {leg.arrive_time}: {leg.n_stops} stop(s), {mm(leg.in_vehicle_s)} in "
                    f"vehicle{wait}, walk {mm(leg.walk_s)}"
                )
            elif leg.kind == "ride":
                wait = f", wait {mm(leg.wait_s)}" if leg.wait_s else ""
                lines.append(
                    f"  {t0}  {leg.mode.upper():9} {leg.line_id:6} {leg.from_name} → {leg.to_name}: "
                    f"{leg.n_stops} stop(s), {mm(leg.in_vehicle_s)} in vehicle{wait}, walk {mm(leg.walk_s)}"
                )
            elif leg.kind == "drive":
                lines.append(
                    f"  {t0}  DRIVE     {leg.line_id or '':6} {leg.from_name} → {leg.to_name}: "
                    f"{mm(leg.in_vehicle_s)}, {leg.distance_m / 1000:.1f} km"
                )
            else:
                lines.append(
                    f"  {t0}  {leg.kind.upper():9}        {leg.from_name} → {leg.to_name}: {mm(leg.duration_s)}"
                )
        t = self.totals()
        lines.append(
            f"  in vehicle {mm(t['in_vehicle_s'])} · wait {mm(t['wait_s'])} · walk/transfer "
            f"{mm(t['walk_transfer_s'])} · access {mm(t['access_s'])}"
        )
        if self.window is not None:
            w = self.window
            pct = ", ".join(
                f"p{p:g} {'unreachable' if v is None else f'{v:.0f} min'}"
                for p, v in zip(w["percentiles"], w["percentile_min"], strict=True)
            )
            mean = "n/a" if w["mean_min"] is None else f"{w['mean_min']:.1f} min"
            lines.append(
                f"  window {w['start']}–{w['end']} ({w['departures']} departures, every {w['step_min']:g} min): "
                f"{pct}; mean {mean}; reachable from {w['reachable_share'] * 100:.0f} % of departures"
            )
        return "\n".join(lines)


def _best_edge(G: nx.MultiDiGraph, u: str, v: str, weight: str) -> dict[str, Any]:
    return min(G[u][v].values(), key=lambda d: d.get(weight, float("inf")))


def _label(G: nx.MultiDiGraph, n: str) -> str:
    return describe_place(G, n)


def _legs(G: nx.MultiDiGraph, path: list[str], weight: str) -> list[Leg]:
    legs: list[Leg] = []
    t = 0.0
    pending_wait = 0.0
    pending_walk = 0.0
    cur: Leg | None = None
    for u, v in itertools.pairwise(path):
        e = _best_edge(G, u, v, weight)
        mode = e.get("mode", "")
        xy_u = (G.nodes[u]["x"], G.nodes[u]["y"])
        xy_v = (G.nodes[v]["x"], G.nodes[v]["y"])
        if mode == "board":
            pending_wait += float(e.get("wait_time", 0.0))
            pending_walk += float(e.get("walk_time", e["travel_time"] - e.get("wait_time", 0.0)))
            continue
        if mode in _RIDE_MODES:
            svc = e.get("service_id")
            if cur is None or cur.kind != "ride" or cur.line_id != svc:
                cur = Leg(
                    "ride",
                    mode,
                    svc,
                    u,
                    v,
                    _label(G, u),
                    _label(G, v),
                    depart_s=t,
                    wait_s=pending_wait,
                    walk_s=pending_walk,
                    stops=[_label(G, u)],
                    colour=e.get("colour"),
                    coords=[xy_u],
                )
                t += pending_wait + pending_walk
                pending_wait = pending_walk = 0.0
                legs.append(cur)
            cur.to_node, cur.to_name = v, _label(G, v)
            cur.in_vehicle_s += float(e["travel_time"])
            cur.distance_m += float(e.get("length", 0.0))
            cur.stops.append(_label(G, v))
            geom = e.get("geometry")
            cur.coords.extend(list(geom.coords)[1:] if geom is not None else [xy_v])
            t += float(e["travel_time"])
            continue
        if mode == "alight":
            if cur is not None:
                cur.walk_s += float(e["travel_time"])
                t += float(e["travel_time"])
            cur = None
            continue
        if mode == "feeder":  # one edge place ↔ station: stop link + ride over the roads + wait
            wait = float(e.get("wait_time", 0.0))
            leg = Leg(
                "ride",
                "feeder",
                "feeder",
                u,
                v,
                _label(G, u),
                _label(G, v),
                depart_s=t,
                wait_s=wait,
                stops=[_label(G, u), _label(G, v)],
                coords=[xy_u, xy_v],
            )
            leg.in_vehicle_s = float(e["travel_time"]) - wait
            legs.append(leg)
            t += float(e["travel_time"])
            cur = None
            continue
        # walk, access, road
        kind = {"walk": "walk", "access": "access", "road": "drive"}.get(mode, mode)
        if pending_walk or pending_wait:  # boarded but never rode (cannot happen on shortest paths)
            t += pending_wait + pending_walk
            pending_wait = pending_walk = 0.0
        tt = float(e["travel_time"])
        if legs and legs[-1].kind == kind and kind in ("drive", "walk", "access") and cur is None:
            leg = legs[-1]
            leg.to_node, leg.to_name = v, _label(G, v)
        else:
            leg = Leg(
                kind,
                mode,
                e.get("road_id") if kind == "drive" else None,
                u,
                v,
                _label(G, u),
                _label(G, v),
                depart_s=t,
                coords=[xy_u],
            )
            legs.append(leg)
        if kind == "drive":
            leg.in_vehicle_s += tt
            if e.get("road_id") and leg.line_id and e.get("road_id") not in str(leg.line_id).split("+"):
                leg.line_id = f"{leg.line_id}+{e['road_id']}"
        elif kind == "access":
            leg.access_s += tt
        else:
            leg.walk_s += tt
        leg.distance_m += float(e.get("length", 0.0))
        geom = e.get("geometry")
        leg.coords.extend(list(geom.coords)[1:] if geom is not None else [xy_v])
        t += tt
        cur = None
    return legs


def route(
    G: nx.MultiDiGraph,
    origin: Any,
    destination: Any,
    *,
    weight: str = "travel_time",
    depart: Any = None,
    arrive_by: Any = None,
    date: Any = None,
    window: Any = None,
    percentiles: Any = None,
    step_min: float = 1.0,
    max_transfers: int | None = None,
    timetable: Any = None,
    params: Any = None,
) -> Itinerary:
    """Fastest door-to-door itinerary from ``origin`` to ``destination``.

    Without a time (``depart``, ``arrive_by`` or ``window``) this is the static, expected-wait route on
    ``G`` (waits are half a headway). With a time it is a timetable route on the trips of the service day
    (:mod:`cztmap.network.timetable`): every leg carries clock times (``depart_time``/``arrive_time``).

    Parameters
    ----------
    G : networkx.MultiDiGraph
        A graph from :func:`cztmap.build_graph` (date, period and modes are chosen there).
    origin, destination : str or (lon, lat)
        Station name (中文 or pinyin/English), station id, district (its seat), node id, ``"lon,lat"``
        or a (lon, lat) tuple (see :mod:`cztmap.network.names`). ``G`` is never modified: points are
        linked to the network in an overlay.
    weight : str
        Edge attribute to minimise (static route).
    depart : str, optional
        Leave the origin at this clock time (``"08:00"``): the earliest arrival.
    arrive_by : str, optional
        Arrive at the destination by this clock time: the latest departure that makes it.
    date : str or date, optional
        The service day (weekday or weekend timetable); default: the graph's ``as_of``.
    window : str or (str, str), optional
        A departure window (``"07:00-09:00"``): the travel time for every ``step_min`` of it, its percentiles
        and mean (``Itinerary.window``); the legs are those of the first departure of the window.
    percentiles : sequence of float, optional
        Percentiles of the window's travel times (default 5, 25, 50, 75, 95).
    step_min : float
        Spacing of the window's departures in minutes (1, as r5py).
    max_transfers : int, optional
        At most this many changes between vehicles (timetable routes).
    timetable : Timetable, optional
        Trips to route on (default: ``G.graph["timetable"]`` or the embedded network's for the date).
    params : Params, optional
        Model parameters for access and egress (default: :data:`cztmap.params.DEFAULTS`).

    Returns
    -------
    Itinerary

    Raises
    ------
    StationNotFoundError
        An unknown name (with suggestions).
    UsageError
        A time that is not a clock time, a window ending before it starts, percentiles outside 0–100,
        ``depart`` together with ``arrive_by``.
    DataError
        No service on the date.
    NoRouteError
        No path (e.g. the destination is cut off on this date or with these modes, or no train runs in time).

    Examples
    --------
    >>> from cztmap import build_graph, route
    >>> G = build_graph(as_of="2026-12-01")
    >>> it = route(G, "树木岭", "株洲南", depart="08:00")
    >>> it.depart_time, it.legs[0].kind, it.legs[0].depart_time >= "08:00"
    ('08:00', 'ride', True)
    """
    check_graph(G)
    timed = depart is not None or arrive_by is not None or window is not None
    if not timed:
        if date is not None or percentiles is not None or max_transfers is not None:
            raise UsageError(
                "date, percentiles and max_transfers apply to timetable routes; give depart=, arrive_by= or window= too."
            )
        return _static_route(G, origin, destination, weight)
    return _timetable_route(
        G,
        origin,
        destination,
        depart=depart,
        arrive_by=arrive_by,
        date=date,
        window=window,
        percentiles=percentiles,
        step_min=step_min,
        max_transfers=max_transfers,
        timetable=timetable,
        params=params,
    )


def _static_route(G: nx.MultiDiGraph, origin: Any, destination: Any, weight: str) -> Itinerary:
    G, (o, d) = resolve_places(G, [origin, destination], arguments=("origin", "destination"))
    d = sink(d)
    if o == d or sink(o) == d:
        return Itinerary(o, d, _label(G, o), _label(G, d), [], G.graph.get("as_of"), G.graph.get("period"), [o])
    try:
        path = nx.dijkstra_path(G, o, d, weight=weight)
    except nx.NetworkXNoPath:
        raise NoRouteError(
            f"No route from {_label(G, o)} to {_label(G, d)} in the network of {G.graph.get('as_of')} "
            f"with modes {G.graph.get('modes', 'all')}; try another date or more modes."
        ) from None
    return Itinerary(
        o, d, _label(G, o), _label(G, d), _legs(G, path, weight), G.graph.get("as_of"), G.graph.get("period"), path
    )


# ---------------------------------------------------------------------------------------------
# timetable routes
# ---------------------------------------------------------------------------------------------
def timetable_for(G: nx.MultiDiGraph, *, date: Any = None, timetable: Any = None, params: Any = None) -> Any:
    """The :class:`~cztmap.network.timetable.Timetable` a timetable query on ``G`` uses.

    ``timetable`` if given, else ``G.graph["timetable"]``, else the embedded network's trips for the graph's
    ``as_of`` and modes on the service day ``date`` (default: ``as_of``).

    Raises
    ------
    UsageError
        ``G`` is not the embedded base network and carries no timetable.
    """
    from cztmap.data.dataset import parse_date
    from cztmap.network.timetable import embedded_timetable

    if timetable is not None:
        return timetable
    if G.graph.get("timetable") is not None:
        return G.graph["timetable"]
    if G.graph.get("scenario", "base") != "base" or not G.graph.get("as_of"):
        raise UsageError(
            f"The graph {G.graph.get('name', '')!r} has no timetable; pass timetable= (for example one built from "
            "a GTFS feed) or use the embedded network."
        )
    modes = [m for m in str(G.graph.get("modes") or "").split(",") if m and m != "road"]
    day = parse_date(date, argument="date") if date is not None else None
    return embedded_timetable(as_of=G.graph["as_of"], date=day, modes=modes, params=params)


def _ends(G: nx.MultiDiGraph, tt: Any, node: Any, params: Any, *, egress: bool) -> dict[str, tuple[float, dict]]:
    """Stops reachable from (or, with ``egress``, reaching) a station or place node: stop_id → (offset s, parts)."""
    out: dict[str, tuple[float, dict]] = {}
    walk_in = params.alight_walk_s if egress else params.platform_walk_s
    ids = tt.stops["stop_id"].to_numpy()

    def add(station_id: Any, base: float, parts: dict) -> None:
        for i in tt.stops_of(str(station_id)):
            off = base + walk_in
            if ids[i] not in out or off < out[ids[i]][0]:
                out[ids[i]] = (off, parts)

    nd = G.nodes[node]
    edges = G.in_edges(node, data=True) if egress else G.out_edges(node, data=True)
    if nd.get("kind") == "station":
        add(nd.get("station_id", str(node).removeprefix("S:")), 0.0, {})
        want = ("walk",)
    else:
        want = ("access",)
    for u, v, e in edges:
        other = u if egress else v
        od = G.nodes[other]
        if e.get("mode") in want and od.get("kind") == "station":
            t = float(e["travel_time"])
            add(od.get("station_id", str(other).removeprefix("S:")), t, {e["mode"]: t, "node": other})
    return out


def _clock(s: float) -> str:
    from cztmap.network.timetable import format_clock

    return format_clock(s)


def _side_leg(G: nx.MultiDiGraph, kind: str, u: Any, v: Any, t0: float, dur: float, start: float) -> Leg:
    xy = [(G.nodes[n]["x"], G.nodes[n]["y"]) for n in (u, v)]
    leg = Leg(kind, kind, None, u, v, _label(G, u), _label(G, v), depart_s=t0 - start, coords=xy)
    if kind == "access":
        leg.access_s = dur
    else:
        leg.walk_s = dur
    leg.depart_time, leg.arrive_time = _clock(t0), _clock(t0 + dur)
    from cztmap.geo import haversine_m

    leg.distance_m = float(haversine_m(xy[0][0], xy[0][1], xy[1][0], xy[1][1]))
    return leg


def _journey_legs(
    G: nx.MultiDiGraph, tt: Any, j: Any, o: Any, d: Any, o_ends: dict, d_ends: dict, params: Any
) -> list[Leg]:
    """Itinerary legs of a timetable journey, with the static graph's split into in-vehicle, wait, walk, access."""
    stops = tt.stops
    ids = stops["stop_id"].to_numpy()
    routes = tt.routes.set_index("route_id")
    start = j.start_s
    legs: list[Leg] = []
    first = ids[j.legs[0].from_stop]
    off, parts = o_ends[first]
    t = start
    for kind in ("access", "walk"):
        if kind in parts:
            legs.append(_side_leg(G, kind, o, parts["node"], t, parts[kind], start))
            t += parts[kind]
    pending = off - sum(parts.get(k, 0.0) for k in ("access", "walk"))  # the walk to the platform
    last_ride: Leg | None = None
    change = params.alight_walk_s + params.platform_walk_s
    for jl in j.legs:
        if jl.kind == "walk":
            dur = jl.arrive_s - jl.depart_s
            if last_ride is not None:
                last_ride.walk_s += params.alight_walk_s
                t += params.alight_walk_s
                dur -= change
                pending = params.platform_walk_s
            if dur > 0.5:
                a, b = stops["station"].iloc[jl.from_stop], stops["station"].iloc[jl.to_stop]
                legs.append(_side_leg(G, "walk", f"S:{a}", f"S:{b}", t, dur, start))
                t += dur
            last_ride = None
            continue
        r = routes.loc[jl.route_id]
        ov = float(r["board_overhead_s"])
        sid = [ids[k] for k in jl.stops]
        names = [str(stops["name"].iloc[k]) for k in jl.stops]
        node = [
            f"P:{x}" if f"P:{x}" in G else f"S:{stops['station'].iloc[k]}" for x, k in zip(sid, jl.stops, strict=True)
        ]
        leg = Leg(
            "ride",
            str(r["mode"]),
            str(r["line_id"]),
            node[0],
            node[-1],
            names[0],
            names[-1],
            depart_s=t - start,
            in_vehicle_s=jl.arrive_s - jl.depart_s,
            walk_s=pending + ov,
            wait_s=jl.depart_s - (t + pending + ov),
            stops=names,
            colour=r.get("colour") if isinstance(r.get("colour"), str) else None,
            coords=[(float(stops["lon"].iloc[k]), float(stops["lat"].iloc[k])) for k in jl.stops],
            depart_time=_clock(jl.depart_s),
            arrive_time=_clock(jl.arrive_s),
            trip_id=jl.trip_id,
        )
        from cztmap.geo import haversine_m

        leg.distance_m = float(sum(haversine_m(a[0], a[1], b[0], b[1]) for a, b in itertools.pairwise(leg.coords)))
        legs.append(leg)
        t = jl.arrive_s
        pending = 0.0
        last_ride = leg
    last = ids[j.legs[-1].to_stop]
    off, parts = d_ends[last]
    if last_ride is not None:
        last_ride.walk_s += params.alight_walk_s
        t += params.alight_walk_s
    for kind in ("walk", "access"):
        if kind in parts:
            legs.append(_side_leg(G, kind, parts["node"], d, t, parts[kind], start))
            t += parts[kind]
    return legs


def _window_summary(
    tt: Any, o_ends: dict, d_ends: dict, window: Any, pcts: Any, step_min: float, max_rides: int
) -> dict[str, Any]:
    import numpy as np

    from cztmap.network.timetable import _percentiles, parse_window, range_query

    a, b = parse_window(window)
    res = range_query(
        tt,
        {k: v[0] for k, v in o_ends.items()},
        (a, b),
        step_s=max(round(step_min * 60), 1),
        percentiles=pcts,
        max_rides=max_rides,
    )
    cols = [tt.stop_index[k] for k in d_ends]
    eg = np.array([v[0] for v in d_ends.values()])
    per_dep = np.min(res.travel_s[0][:, cols] + eg[None, :], axis=1)
    pv = _percentiles(per_dep[:, None], pcts, axis=0)[:, 0]
    fin = np.isfinite(per_dep)
    return {
        "start": _clock(a),
        "end": _clock(b),
        "step_min": step_min,
        "departures": len(per_dep),
        "percentiles": list(pcts),
        "percentile_min": [None if not np.isfinite(v) else round(float(v) / 60, 2) for v in pv],
        "mean_min": round(float(per_dep.mean()) / 60, 2) if fin.all() else None,
        "reachable_share": round(float(fin.mean()), 4),
        "travel_min": [None if not np.isfinite(v) else round(float(v) / 60, 2) for v in per_dep],
    }


def _timetable_route(
    G: nx.MultiDiGraph,
    origin: Any,
    destination: Any,
    *,
    depart: Any,
    arrive_by: Any,
    date: Any,
    window: Any,
    percentiles: Any,
    step_min: float,
    max_transfers: int | None,
    timetable: Any,
    params: Any,
) -> Itinerary:
    from cztmap.network.timetable import journey, latest_departure, parse_clock, parse_percentiles, parse_window
    from cztmap.params import DEFAULTS

    params = params or DEFAULTS
    if depart is not None and arrive_by is not None:
        raise UsageError("Give depart or arrive_by, not both.")
    if window is not None and (depart is not None or arrive_by is not None):
        raise UsageError("Give window on its own (the departures are the window's), not with depart or arrive_by.")
    if percentiles is not None and window is None:
        raise UsageError("percentiles summarise a departure window; give window= too (e.g. 07:00-09:00).")
    if max_transfers is not None and (type(max_transfers) is not int or max_transfers < 0):  # bool is not a count
        raise UsageError(f"max_transfers must be a whole number ≥ 0, not {max_transfers!r}.")
    if step_min <= 0:
        raise UsageError(f"step_min must be > 0 minutes, not {step_min!r}.")
    dep_s = parse_clock(depart, argument="departure time") if depart is not None else None
    arr_s = parse_clock(arrive_by, argument="arrival time") if arrive_by is not None else None
    win = parse_window(window) if window is not None else None
    pcts = parse_percentiles(percentiles if percentiles is not None else (5, 25, 50, 75, 95))
    tt = timetable_for(G, date=date, timetable=timetable, params=params)
    G, (o, d) = resolve_places(G, [origin, destination], arguments=("origin", "destination"))
    d = sink(d)
    max_rides = (max_transfers + 1) if max_transfers is not None else 8
    o_ends = _ends(G, tt, o, params, egress=False)
    d_ends = _ends(G, tt, d, params, egress=True)
    where = f"on {tt.service_date.isoformat()}"
    limit = f" with at most {max_transfers} transfer(s)" if max_transfers is not None else ""
    more = "allow more transfers or " if max_transfers is not None else ""
    if o == d or sink(o) == d:  # already there: a journey of no legs, as the static route
        t0 = next(t for t in (dep_s, arr_s, win[0] if win else 0) if t is not None)
        return _empty_itinerary(G, o, d, tt, t0, _zero_window(win, pcts, step_min) if win else None)
    if not o_ends or not d_ends:
        side = _label(G, o) if not o_ends else _label(G, d)
        raise NoRouteError(f"No timetabled service reaches {side} {where}; try another date or more modes.")
    summary = None
    if win is not None:
        summary = _window_summary(tt, o_ends, d_ends, win, pcts, step_min, max_rides)
        dep_s = win[0]
        if summary["reachable_share"] == 0:
            raise NoRouteError(
                f"No departure from {_label(G, o)} between {_clock(win[0])} and {_clock(win[1])} {where} reaches "
                f"{_label(G, d)}{limit} (service {_clock(tt.first_departure_s)}–{_clock(tt.last_arrival_s)}); "
                f"{more}choose a window within the service hours."
            )
    if arr_s is not None:
        ld = latest_departure(tt, {k: v[0] for k, v in d_ends.items()}, arr_s, max_rides=max_rides)
        cand = [ld[tt.stop_index[k]] - v[0] for k, v in o_ends.items()]
        best = max(cand)
        if best == float("-inf"):
            _no_connection(G, tt, o, d, o_ends, d_ends, max_rides, f"arrives at {_label(G, d)} by {_clock(arr_s)}",
                           where + limit, more, later=True)  # fmt: skip
        dep_s = int(best // 1)
    assert dep_s is not None
    j = journey(
        tt, {k: v[0] for k, v in o_ends.items()}, dep_s, {k: v[0] for k, v in d_ends.items()}, max_rides=max_rides
    )
    if j is None or not j.legs:
        if summary is not None:
            j = None
        else:
            _no_connection(G, tt, o, d, o_ends, d_ends, max_rides, f"to {_label(G, d)} after {_clock(dep_s)}",
                           where + limit, more, later=False)  # fmt: skip
    legs = _journey_legs(G, tt, j, o, d, o_ends, d_ends, params) if j is not None else []
    it = Itinerary(o, d, _label(G, o), _label(G, d), legs, G.graph.get("as_of"), "timetable", [])
    it.depart_time = _clock(dep_s)
    it.arrive_time = _clock(dep_s + it.total_s) if legs else None
    it.service_date = tt.service_date.isoformat()
    it.timetable = tt.source
    it.window = summary
    return it


def _no_connection(
    G: nx.MultiDiGraph,
    tt: Any,
    o: Any,
    d: Any,
    o_ends: dict,
    d_ends: dict,
    max_rides: int,
    what: str,
    where: str,
    more: str,
    *,
    later: bool,
) -> NoReturn:
    """Raise the NoRouteError of a timetable query, saying when the day's first (or last) connection runs.

    With ``later`` (arrive-by) the first arrival of the day is named, else the last departure of the day; a
    pair with no connection at all on that day says so instead of suggesting another time.
    """
    import numpy as np

    from cztmap.network.timetable import earliest_arrival, latest_departure

    origins = {k: v[0] for k, v in o_ends.items()}
    dests = {k: v[0] for k, v in d_ends.items()}
    if later:
        arr = earliest_arrival(tt, origins, 0, max_rides=max_rides)
        first = min((arr[tt.stop_index[k]] + off for k, off in dests.items()), default=np.inf)
        hint = f"the first arrival that day is at {_clock(first)}; {more}try a later time" if np.isfinite(first) else ""
    else:
        ld = latest_departure(tt, dests, 48 * 3600 - 1, max_rides=max_rides)
        last = max((ld[tt.stop_index[k]] - off for k, off in origins.items()), default=-np.inf)
        hint = f"the last one that day leaves at {_clock(last)}; {more}try an earlier time" if np.isfinite(last) else ""
    if not hint:
        hint = f"no timetabled connection links them on that day; {more}choose another date or more modes"
    raise NoRouteError(f"No connection from {_label(G, o)} {what} {where}: {hint}.")


def _zero_window(win: tuple[int, int], pcts: Any, step_min: float) -> dict[str, Any]:
    """The window summary of a trip from a place to itself: 0 min from every departure."""
    n = len(range(win[0], win[1] + 1, max(round(step_min * 60), 1)))
    return {
        "start": _clock(win[0]),
        "end": _clock(win[1]),
        "step_min": step_min,
        "departures": n,
        "percentiles": list(pcts),
        "percentile_min": [0.0] * len(pcts),
        "mean_min": 0.0,
        "reachable_share": 1.0,
        "travel_min": [0.0] * n,
    }


def _empty_itinerary(G: nx.MultiDiGraph, o: Any, d: Any, tt: Any, t0: float, summary: Any) -> Itinerary:
    """The timetable itinerary of a trip from a place to itself: no legs, leave and arrive at ``t0``."""
    it = Itinerary(o, d, _label(G, o), _label(G, d), [], G.graph.get("as_of"), "timetable", [])
    it.depart_time = it.arrive_time = _clock(t0)
    it.service_date = tt.service_date.isoformat()
    it.timetable = tt.source
    it.window = summary
    return it


def in_vehicle_time(G: nx.MultiDiGraph, line_id: str, a: str, b: str) -> float:
    """In-vehicle seconds between stations ``a`` and ``b`` riding only the service ``line_id``.

    Run times and dwells along the service, no wait and no boarding overhead: the figure published
    end-to-end times are compared with.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        A graph from :func:`cztmap.network.build.build_graph`.
    line_id : str
        The service (``L1``, ``CZT-Z``, …).
    a, b : str
        Station names or ids, resolved like :func:`route`'s.

    Returns
    -------
    float
        Seconds.

    Raises
    ------
    StationNotFoundError
        An unknown station.
    NoRouteError
        The service does not run between them.

    Examples
    --------
    >>> from cztmap import build_graph
    >>> G = build_graph(as_of="2024-07-01")
    >>> round(in_vehicle_time(G, "L1", "开福区政府", "尚双塘") / 60, 1)
    45.1
    """
    check_graph(G)
    sa, sb = resolve_node(G, a, add_points=False), resolve_node(G, b, add_points=False)
    pa, pb = f"P:{G.nodes[sa]['station_id']}:{line_id}", f"P:{G.nodes[sb]['station_id']}:{line_id}"
    if pa not in G or pb not in G:
        missing = a if pa not in G else b
        raise UsageError(
            f"Line {line_id!r} does not call at {missing!r} on {G.graph.get('as_of')}; check the line id and station."
        )
    sub = G.edge_subgraph(
        [
            (u, v, k)
            for u, v, k, dd in G.edges(keys=True, data=True)
            if dd.get("service_id") == line_id and dd.get("mode") in _RIDE_MODES
        ]
    )
    try:
        return float(nx.dijkstra_path_length(sub, pa, pb, weight="travel_time"))
    except nx.NetworkXNoPath:
        raise NoRouteError(f"Line {line_id} does not run from {a} to {b}.") from None


_TRANSIT_EDGE_MODES = _RIDE_MODES | {"board", "alight"}


def window_travel_times(
    G: nx.MultiDiGraph,
    origins: Sequence[Any],
    arrivals: Sequence[Any],
    window: Any,
    *,
    percentiles: Any = (5, 25, 50, 75, 95),
    date: Any = None,
    step_min: float = 1.0,
    max_transfers: int | None = None,
    timetable: Any = None,
    params: Any = None,
    roads: bool = True,
) -> dict[str, Any]:
    """Door-to-door travel times from every origin node to every arrival node for every departure of a window.

    Transit legs follow the timetable (:mod:`cztmap.network.timetable`); access, egress and walks between
    stations use the static graph's links (the same rules as :func:`route`). Where ``G`` has roads and
    ``roads`` is true, the door-to-door road time of the static graph (constant over the window) is the
    alternative for every departure (so is a walk between nearby stations, as in the static graph): the
    traveller takes whichever is faster.

    Parameters
    ----------
    G : networkx.MultiDiGraph
    origins, arrivals : sequence of node ids
        Station (``S:…``) or place nodes (zones ``Z:…``, points); arrivals are mapped to their arrival node.
    window : str or (start, end)
        ``"07:00-09:00"``.
    percentiles : sequence of float
    date, step_min, max_transfers, timetable, params
        As in :func:`route`.
    roads : bool
        Offer the static time without transit (roads, walks, access) as an alternative.

    Returns
    -------
    dict
        ``departures_s`` (T,), ``travel_s`` (O, T, D) seconds (``inf`` = not reachable), ``percentiles``,
        ``percentile_s`` (P, O, D), ``mean_s`` (O, D), ``timetable`` (its source).

    Examples
    --------
    >>> from cztmap.network.build import build_graph
    >>> G = build_graph(as_of="2024-07-01", modes="transit")
    >>> r = window_travel_times(G, ["S:wuyiguangchang"], ["S:kaifuquzhengfu"], "08:00-08:30", percentiles=[50])
    >>> r["travel_s"].shape[1], bool(0 < r["percentile_s"][0, 0, 0] < 3600)
    (31, True)
    """
    import numpy as np

    from cztmap.network.timetable import _percentiles, parse_percentiles, parse_window, range_query
    from cztmap.params import DEFAULTS

    params = params or DEFAULTS
    a, b = parse_window(window)
    pcts = parse_percentiles(percentiles)
    tt = timetable_for(G, date=date, timetable=timetable, params=params)
    max_rides = (max_transfers + 1) if max_transfers is not None else 8
    arrivals = [sink(n) for n in arrivals]
    o_ends = [{k: v[0] for k, v in _ends(G, tt, o, params, egress=False).items()} for o in origins]
    d_ends = [_ends(G, tt, d, params, egress=True) for d in arrivals]
    res = range_query(tt, o_ends, (a, b), step_s=max(round(step_min * 60), 1), percentiles=(), max_rides=max_rides)
    n_o, n_t = len(origins), len(res.departures_s)
    out = np.full((n_o, n_t, len(arrivals)), np.inf)
    for j, de in enumerate(d_ends):
        if not de:
            continue
        cols = [tt.stop_index[k] for k in de]
        eg = np.array([v[0] for v in de.values()])
        out[:, :, j] = np.min(res.travel_s[:, :, cols] + eg, axis=2)
    if roads and any(e.get("mode") in ("road", "walk", "access") for _, _, e in G.edges(data=True)):
        from cztmap.network.engine import travel_time_matrix

        view = nx.subgraph_view(G, filter_edge=lambda u, v, k: G[u][v][k].get("mode") not in _TRANSIT_EDGE_MODES)
        road = travel_time_matrix(nx.MultiDiGraph(view), list(origins), arrivals).to_numpy() * 60.0  # minutes → s
        out = np.minimum(out, road[:, None, :])
    for i, o in enumerate(origins):
        for j, d in enumerate(arrivals):
            if sink(o) == d or o == d:
                out[i, :, j] = 0.0
    return {
        "departures_s": res.departures_s,
        "travel_s": out,
        "percentiles": pcts,
        "percentile_s": _percentiles(out, pcts, axis=1).transpose(1, 0, 2),
        "mean_s": out.mean(axis=1),
        "timetable": tt.source,
        "service_date": tt.service_date.isoformat(),
    }
