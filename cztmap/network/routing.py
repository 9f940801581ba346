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
from dataclasses import asdict, dataclass, field
from typing import Any

import networkx as nx

from cztmap.data.services import TRANSIT_MODES
from cztmap.errors import NoRouteError, UsageError
from cztmap.network.build import sink
from cztmap.network.names import describe_place, resolve_node, resolve_places, station_index

#: ``resolve_node`` and ``station_index`` live in :mod:`cztmap.network.names` (re-exported here).
__all__ = ["Itinerary", "Leg", "in_vehicle_time", "resolve_node", "route", "station_index"]

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

    @property
    def duration_s(self) -> float:
        return self.in_vehicle_s + self.wait_s + self.walk_s + self.access_s

    @property
    def n_stops(self) -> int:
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

    @property
    def total_s(self) -> float:
        return sum(leg.duration_s for leg in self.legs)

    @property
    def in_vehicle_s(self) -> float:
        return sum(leg.in_vehicle_s for leg in self.legs)

    @property
    def wait_s(self) -> float:
        return sum(leg.wait_s for leg in self.legs)

    @property
    def walk_s(self) -> float:
        return sum(leg.walk_s for leg in self.legs)

    @property
    def access_s(self) -> float:
        return sum(leg.access_s for leg in self.legs)

    @property
    def distance_m(self) -> float:
        return sum(leg.distance_m for leg in self.legs)

    @property
    def n_transfers(self) -> int:
        return max(sum(1 for leg in self.legs if leg.kind in ("ride",)) - 1, 0)

    def totals(self) -> dict[str, float]:
        """Totals by component (seconds) plus distance (m) and transfers."""
        return {
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
        return {
            "origin": {"node": self.origin, "name": self.origin_name},
            "destination": {"node": self.destination, "name": self.destination_name},
            "as_of": self.as_of,
            "period": self.period,
            "legs": legs,
            "totals": self.totals(),
        }

    def to_json(self, **kw: Any) -> str:
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
        when = f" ({self.as_of}, {self.period})" if self.as_of else ""
        lines = [f"{head}{when}: {mm(self.total_s)}, {self.n_transfers} transfer(s), {self.distance_m / 1000:.1f} km"]
        for leg in self.legs:
            t0 = f"+{leg.depart_s / 60:4.0f}'"
            if leg.kind == "ride":
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
) -> Itinerary:
    """Fastest door-to-door itinerary from ``origin`` to ``destination``.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        A graph from :func:`cztmap.build_graph` (date, period and modes are chosen there).
    origin, destination : str or (lon, lat)
        Station name (中文 or pinyin/English), station id, district (its seat), node id, ``"lon,lat"``
        or a (lon, lat) tuple (see :mod:`cztmap.network.names`). ``G`` is never modified: points are
        linked to the network in an overlay.
    weight : str
        Edge attribute to minimise.

    Returns
    -------
    Itinerary

    Raises
    ------
    StationNotFoundError
        An unknown name (with suggestions).
    NoRouteError
        No path (e.g. the destination is cut off on this date or with these modes).
    """
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


def in_vehicle_time(G: nx.MultiDiGraph, line_id: str, a: str, b: str) -> float:
    """In-vehicle seconds between stations ``a`` and ``b`` riding only the service ``line_id``.

    Examples
    --------
    >>> from cztmap import build_graph
    >>> G = build_graph(as_of="2024-07-01")
    >>> round(in_vehicle_time(G, "L1", "开福区政府", "尚双塘") / 60, 1)
    45.1
    """
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
