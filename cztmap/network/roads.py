"""The road layer: corridors, a local street mesh, car and feeder-bus layers, and how places reach the network.

Three things live on the roads:

* **car** -- ``road`` edges between road nodes ``R:<lon>,<lat>``: the sourced corridors of ``roads.csv``
  (expressways, national roads, connector roads; schematic polylines through sourced anchors, densified to a
  node every ``road_node_spacing_m``) plus a **local street mesh** (``highway="local"``): a Delaunay
  triangulation over every corridor node, every station of the embedded dataset, every district seat and a
  regular lattice of points (``mesh_lattice_m`` apart, inside the three cities). The mesh stands for the
  streets and village roads no source gives: its edges are straight lines × ``local_detour`` at
  ``road_speed_kmh["local"]``. It is schematic (expected error: about ± 30 % on local legs) and is
  replaced by OpenStreetMap streets with :func:`cztmap.io.osm.merge_roads`.
* **feeder buses** -- the road graph at bus speeds (``feeder_speed_kmh`` by road class), compiled once
  per graph (:class:`FeederNet`, ``G.graph["_feeder"]``). A place gets one ``feeder`` edge to each
  station it reaches within ``feeder_max_min`` (stop link + ride + forecourt) plus that station's feeder
  wait (``wait_fraction`` × its feeder headway, :meth:`cztmap.params.Params.feeder_headway`), so a
  scenario densifies feeders at a station by setting ``feeder_headway_station_min``. A feeder ride
  always ends at a station: there is no bus ride from place to place. A place's feeder reach is
  ``feeder_max_min`` plus a fixed estimate of its ride to the nearest station of the embedded dataset
  (straight distance × ``local_detour`` at the expressway feeder speed); beyond it a place keeps a "county
  coach" (flagged ``long_feeder``) to each station that was its nearest open one on some day up to the
  graph's date. Both depend on geography and the embedded dataset only, never on this graph's roads or
  stations, so a scenario can only add or remove feeder edges the way it adds or removes roads and stations
  (``tests/analysis/test_compare_monotone.py``), and a later, nearer station never takes a coach away.
* **places** (zones, user points, grid cells) reach the network over these layers: a walk to every
  station within ``walk_access_max_m``; a short link to the ``access_k`` nearest road nodes (walking up to
  ``walk_access_max_m``, beyond at ``access_speed_kmh``, flagged ``long_access`` beyond ``access_max_m``)
  where the feeder ride starts (transit) or the car joins the roads (car). There is no straight place → station leg
  beyond walking distance any more.

The mesh is built once from the **embedded** dataset (all dates and statuses), so it does not depend on
the date, the scenario or the modes: opening a line or a road only *adds* edges, never removes one, and
no trip gets longer (monotonicity; ``tests/properties``).

Examples
--------
>>> from cztmap.network.roads import road_node_id
>>> road_node_id(112.98, 28.19)
'R:112.98000,28.19000'
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import networkx as nx
import numpy as np
from shapely.geometry import LineString

from cztmap.data.dataset import Dataset, load_dataset
from cztmap.geo import haversine_m
from cztmap.params import DEFAULTS, Params

__all__ = [
    "FeederNet",
    "RoadMesh",
    "add_feeder_layer",
    "add_road_layer",
    "link_places",
    "link_stations",
    "road_mesh",
    "road_node_id",
]

#: Road-class → OSM-style highway of the corridors (as in the dataset build).
_LOCAL = "local"
_STATION_MODE_ORDER = ("hsr", "intercity", "rail", "maglev", "metro", "art")
#: An opening date no station precedes (stations without one count as open from the start).
FIRST_OPENING = "0000"


def road_node_id(x: float, y: float) -> str:
    """Id of the road node at (lon, lat): ``R:<lon>,<lat>`` with 5 decimals (about 1 m)."""
    return f"R:{x:.5f},{y:.5f}"


def _densify(coords: Sequence[tuple[float, float]], spacing_m: float) -> list[tuple[float, float]]:
    """The polyline's vertices plus points interpolated so that no gap exceeds ``spacing_m``."""
    out = [(float(coords[0][0]), float(coords[0][1]))]
    for (x1, y1), (x2, y2) in itertools.pairwise(coords):
        d = float(haversine_m(x1, y1, x2, y2))
        n = max(1, math.ceil(d / spacing_m))
        for i in range(1, n + 1):
            f = i / n
            out.append((round(x1 + (x2 - x1) * f, 5), round(y1 + (y2 - y1) * f, 5)))
    return out


def _xy_m(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Equirectangular metres around the region's centre latitude (good to < 0.5 % here)."""
    k = math.cos(math.radians(27.8))
    return np.column_stack([np.asarray(lon) * 111_320.0 * k, np.asarray(lat) * 110_540.0])


@dataclass(frozen=True)
class RoadMesh:
    """Nodes and local-street edges of the fixed road skeleton (see the module docstring).

    ``nodes`` maps node id → (lon, lat); ``source`` maps node id → ``corridor``, ``station``, ``seat`` or
    ``lattice``; ``edges`` are (u, v, straight metres) pairs of the local street mesh (one per pair) and
    ``urban`` tells for each edge whether its mid-point lies in an urban district (streets at
    ``road_speed_kmh["local"]``) or in a county (county and village roads at ``road_speed_kmh["rural"]``).
    """

    nodes: dict[str, tuple[float, float]]
    source: dict[str, str]
    edges: tuple[tuple[str, str, float], ...]
    urban: tuple[bool, ...] = ()


def _lattice(ds: Dataset, spacing_m: float) -> list[tuple[float, float]]:
    """Points of a triangular lattice ``spacing_m`` apart inside the districts (model points, not features)."""
    import shapely

    union = shapely.union_all(list(ds.districts.geometry))
    w, s, e, n = union.bounds
    dy = spacing_m * math.sqrt(3) / 2 / 110_540.0
    dx = spacing_m / (111_320.0 * math.cos(math.radians(27.8)))
    pts: list[tuple[float, float]] = []
    for row, lat in enumerate(np.arange(s, n, dy)):
        lons = np.arange(w + (dx / 2 if row % 2 else 0.0), e, dx)
        inside = shapely.contains_xy(union, lons, np.full_like(lons, lat))
        pts.extend((round(float(x), 5), round(float(lat), 5)) for x in lons[inside])
    return pts


def _corridor_points(ds: Dataset, spacing_m: float) -> dict[str, tuple[float, float]]:
    out: dict[str, tuple[float, float]] = {}
    for g in ds.roads.geometry:
        if g is None or g.is_empty:
            continue
        for x, y in _densify(list(g.coords), spacing_m):
            out.setdefault(road_node_id(x, y), (x, y))
    return out


def _corridor_segments(ds: Dataset, spacing_m: float) -> set[tuple[str, str]]:
    """Node pairs joined by a corridor segment (both orders): the mesh leaves them to the corridor."""
    out: set[tuple[str, str]] = set()
    for g in ds.roads.geometry:
        if g is None or g.is_empty:
            continue
        pts = [road_node_id(x, y) for x, y in _densify(list(g.coords), spacing_m)]
        for a, b in itertools.pairwise(pts):
            out.update(((a, b), (b, a)))
    return out


def _mesh_edges(ids: list[str], xy: np.ndarray, max_m: float) -> list[tuple[str, str, float]]:
    """Delaunay edges no longer than ``max_m`` plus the minimum spanning tree (so the mesh is connected)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import minimum_spanning_tree
    from scipy.spatial import Delaunay

    tri = Delaunay(xy)
    pairs = set()
    for a, b, c in tri.simplices:
        for u, v in ((a, b), (b, c), (a, c)):
            pairs.add((min(u, v), max(u, v)))
    pu = np.array([p[0] for p in pairs])
    pv = np.array([p[1] for p in pairs])
    dist = np.hypot(*(xy[pu] - xy[pv]).T)
    n = len(ids)
    mst = minimum_spanning_tree(coo_matrix((dist + 1e-9, (pu, pv)), shape=(n, n))).tocoo()
    keep = {(min(int(u), int(v)), max(int(u), int(v))) for u, v in zip(mst.row, mst.col, strict=True)}
    keep |= {(int(u), int(v)) for u, v, d in zip(pu, pv, dist, strict=True) if d <= max_m}
    out = []
    for u, v in sorted(keep):
        d = float(np.hypot(*(xy[u] - xy[v])))
        out.append((ids[u], ids[v], d))
    return out


@lru_cache(maxsize=4)
def _mesh_cached(version: str, spacing_m: float, lattice_m: float, max_m: float) -> RoadMesh:
    ds = load_dataset()
    nodes: dict[str, tuple[float, float]] = {}
    source: dict[str, str] = {}
    for nid, xy in _corridor_points(ds, spacing_m).items():
        nodes[nid], source[nid] = xy, "corridor"
    for g in ds.stations.geometry:
        nid = road_node_id(g.x, g.y)
        if nid not in nodes:
            nodes[nid], source[nid] = (round(g.x, 5), round(g.y, 5)), "station"
    for r in ds.districts.itertuples(index=False):
        nid = road_node_id(r.seat_lon, r.seat_lat)
        if nid not in nodes:
            nodes[nid], source[nid] = (round(float(r.seat_lon), 5), round(float(r.seat_lat), 5)), "seat"
    if lattice_m > 0:
        for x, y in _lattice(ds, lattice_m):
            nid = road_node_id(x, y)
            if nid not in nodes:
                nodes[nid], source[nid] = (x, y), "lattice"
    segments = _corridor_segments(ds, spacing_m)
    ids = sorted(nodes)
    pos = _xy_m(np.array([nodes[i][0] for i in ids]), np.array([nodes[i][1] for i in ids]))
    edges = [(u, v, d) for u, v, d in _mesh_edges(ids, pos, max_m) if (u, v) not in segments]
    import shapely

    urban = shapely.union_all(list(ds.districts[ds.districts["kind"] == "district"].geometry))
    mx = np.array([(nodes[u][0] + nodes[v][0]) / 2 for u, v, _ in edges])
    my = np.array([(nodes[u][1] + nodes[v][1]) / 2 for u, v, _ in edges])
    inside = shapely.contains_xy(urban, mx, my)
    return RoadMesh(
        nodes=nodes,
        source=source,
        edges=tuple((u, v, d) for u, v, d in edges),
        urban=tuple(bool(b) for b in inside),
    )


def road_mesh(params: Params = DEFAULTS) -> RoadMesh:
    """The fixed road skeleton of the embedded dataset (cached per dataset version and parameters).

    Examples
    --------
    >>> m = road_mesh()
    >>> sorted(set(m.source.values()))
    ['corridor', 'lattice', 'seat', 'station']
    """
    ds = load_dataset()
    return _mesh_cached(
        ds.version, float(params.road_node_spacing_m), float(params.mesh_lattice_m), float(params.mesh_max_edge_m)
    )


# ----------------------------------------------------------------------------------------------
# the car layer
# ----------------------------------------------------------------------------------------------


def _road_attrs(x: float, y: float, source: str) -> dict[str, Any]:
    return {
        "x": float(x),
        "y": float(y),
        "kind": "road",
        "name_zh": "",
        "name_en": "",
        "city": "",
        "adcode": "",
        "node_source": source,
    }


def _is_scenario_road(r: Any) -> bool:
    """A road a scenario adds (``[[add_road]]``): its row names the scenario."""
    tag = getattr(r, "scenario", None)
    return isinstance(tag, str) and bool(tag)


def _snap(coords: Sequence[tuple[float, float]], mesh: RoadMesh) -> list[tuple[float, float]]:
    """Each vertex moved onto its nearest mesh node (an added road joins the fixed road skeleton there)."""
    if not coords:
        return []
    ids = list(mesh.nodes)
    xs = np.array([mesh.nodes[i][0] for i in ids])
    ys = np.array([mesh.nodes[i][1] for i in ids])
    out = []
    for x, y in coords:
        nid = road_node_id(x, y)
        if nid in mesh.nodes:
            out.append(mesh.nodes[nid])
            continue
        k = int(np.argmin(haversine_m(x, y, xs, ys)))
        out.append(mesh.nodes[ids[k]])
    return out


def _corridor_edges(
    ds: Dataset, period: str, params: Params, mesh: RoadMesh | None = None
) -> list[tuple[str, str, dict[str, Any]]]:
    """Directed car edges of the open corridors of ``ds`` (published length spread over the polyline).

    A road a scenario adds has its waypoints snapped to the mesh (``mesh``) and its length (published, else
    straight × ``corridor_detour``) spread over its polyline whatever the ratio.
    """
    factor = params.road_congestion_factor[period]
    out = []
    for r in ds.roads.itertuples(index=False):
        g = r.geometry
        if g is None or g.is_empty or r.status != "open":
            continue
        added = _is_scenario_road(r)
        coords = [(float(c[0]), float(c[1])) for c in g.coords]
        if added and mesh is not None:
            coords = _snap(coords, mesh)
        pts = _densify(coords, params.road_node_spacing_m)
        seg = [float(haversine_m(x1, y1, x2, y2)) for (x1, y1), (x2, y2) in itertools.pairwise(pts)]
        total = sum(seg)
        if total <= 0:
            continue
        # a published length is spread over the polyline when it describes the drawn piece (0.9–1.6 × its
        # straight length); otherwise (a length of a longer or shorter section) schematic length × detour
        has_length = bool(r.length_km == r.length_km and r.length_km)
        published = has_length and (added or 0.9 <= r.length_km * 1000 / total <= 1.6)
        scale = (r.length_km * 1000 / total) if published else params.corridor_detour
        speed = r.speed_kmh if r.speed_kmh == r.speed_kmh and r.speed_kmh else params.road_speed_kmh[r.road_class]
        v = speed * factor / 3.6
        for (p, q), s in zip(itertools.pairwise(pts), seg, strict=True):
            if s <= 0:
                continue
            u, w = road_node_id(*p), road_node_id(*q)
            length = s * scale
            for a, b, line in ((u, w, [p, q]), (w, u, [q, p])):
                out.append(
                    (
                        a,
                        b,
                        {
                            "mode": "road",
                            "highway": r.highway,
                            "road_id": r.road_id,
                            "line_id": r.road_id,
                            "name": r.name_zh,
                            "length": length,
                            "travel_time": length / v,
                            "speed_kph": speed * factor,
                            "geometry": LineString(line),
                            "geometry_quality": "schematic",
                            "geometry_error_m": r.geometry_error_m,
                        },
                    )
                )
    return out


def add_road_layer(
    G: nx.MultiDiGraph, ds: Dataset, period: str, params: Params = DEFAULTS, *, car: bool = True, feeder: bool = True
) -> None:
    """Add the road skeleton's nodes, the car edges (``car``) and the feeder-bus layers (``feeder``) to ``G``."""
    mesh = road_mesh(params)
    for nid, (x, y) in mesh.nodes.items():
        G.add_node(nid, **_road_attrs(x, y, mesh.source[nid]))
    edges = _corridor_edges(ds, period, params, mesh)
    added = {r.road_id for r in ds.roads.itertuples(index=False) if _is_scenario_road(r)}
    for u, _, attrs in edges:  # corridor points of roads absent from the embedded dataset (a custom Dataset)
        if u not in G:
            # points of a road a scenario adds are no access points: places and stations keep their links to
            # the fixed mesh, so an added road only adds edges (it joins the mesh at its snapped waypoints)
            lon, lat = (float(t) for t in u[2:].split(","))
            G.add_node(u, **_road_attrs(lon, lat, "scenario" if attrs["road_id"] in added else "corridor"))
    factor = params.road_congestion_factor[period]
    for (u, v, d), urban in zip(mesh.edges, mesh.urban, strict=True):
        local_v = params.road_speed_kmh[_LOCAL if urban else "rural"] * factor / 3.6
        length = d * params.local_detour
        for a, b in ((u, v), (v, u)):
            edges.append(
                (
                    a,
                    b,
                    {
                        "mode": "road",
                        "highway": _LOCAL,
                        "road_id": None,
                        "name": "local streets (schematic mesh)" if urban else "county roads (schematic mesh)",
                        "length": length,
                        "travel_time": length / local_v,
                        "speed_kph": local_v * 3.6,
                        "geometry_quality": "schematic_mesh",
                    },
                )
            )
    if car:
        fastest: dict[tuple[str, str], dict[str, Any]] = {}
        for a, b, attrs in edges:  # one car edge per ordered pair (corridors sharing a segment: the faster)
            if (a, b) not in fastest or attrs["travel_time"] < fastest[(a, b)]["travel_time"]:
                fastest[(a, b)] = attrs
        for (a, b), attrs in fastest.items():
            G.add_edge(a, b, **attrs)
    if feeder:
        add_feeder_layer(G, params, edges=edges)


def _feeder_speed_mps(highway: Any, params: Params) -> float:
    h = str(highway[0] if isinstance(highway, list) and highway else highway or _LOCAL)
    h = h.removesuffix("_link")
    table = params.feeder_speed_kmh
    return float(table.get(h, table[_LOCAL])) / 3.6


class FeederNet:
    """The road graph at feeder-bus speeds (compiled) and where each station's feeders stop.

    Kept in a registry under the token ``G.graph["feeder_net"]`` (a short string, so ``G.copy()``
    shares it and GraphML exports carry only the token; a graph read back in another process finds no
    network and rebuilds it from its road edges, see :func:`cztmap.io.osm.merge_roads`).
    """

    __slots__ = ("ids", "index", "matrix", "stations")

    def __init__(self, ids: list[str], matrix: Any) -> None:
        self.ids = ids
        self.index = {n: i for i, n in enumerate(ids)}
        self.matrix = matrix
        #: station node → (road indices, forecourt seconds, wait seconds)
        self.stations: dict[str, tuple[np.ndarray, np.ndarray, float]] = {}

    def __repr__(self) -> str:
        return f"<cztmap feeder network: {len(self.ids)} road nodes, {len(self.stations)} stations>"

    __str__ = __repr__


def add_feeder_layer(
    G: nx.MultiDiGraph, params: Params = DEFAULTS, *, edges: list[tuple[str, str, dict[str, Any]]] | None = None
) -> FeederNet:
    """Compile the road edges at feeder-bus speeds into ``G.graph["_feeder"]`` and return it.

    ``edges`` defaults to every ``mode="road"`` edge of ``G`` (e.g. OpenStreetMap streets).
    """
    import scipy.sparse as sp

    if edges is None:
        edges = [(u, v, d) for u, v, d in G.edges(data=True) if d.get("mode") == "road"]
    ids = sorted({n for u, v, _ in edges for n in (u, v)}, key=str)
    index = {n: i for i, n in enumerate(ids)}
    best: dict[tuple[int, int], float] = {}
    for a, b, d in edges:
        t = float(d.get("length", 0.0)) / _feeder_speed_mps(d.get("highway"), params)
        key = (index[a], index[b])
        if t < best.get(key, math.inf):
            best[key] = t
    rows = np.array([k[0] for k in best], dtype=np.int64)
    cols = np.array([k[1] for k in best], dtype=np.int64)
    vals = np.array(list(best.values()), dtype=float) + 1e-9  # keep zero-length edges as edges
    net = FeederNet(ids, sp.csr_array((vals, (rows, cols)), shape=(len(ids), len(ids))))
    _register(G, net)
    return net


def _register(G: nx.MultiDiGraph, net: FeederNet) -> None:
    """Store ``net`` under a digest of its content (deterministic: the same network gives the same token)."""
    h = hashlib.sha256()
    h.update("\n".join(map(str, net.ids)).encode())
    for arr in (net.matrix.data, net.matrix.indices, net.matrix.indptr):
        h.update(np.ascontiguousarray(arr).tobytes())
    for st in sorted(net.stations):
        idx, fc, wait = net.stations[st]
        h.update(st.encode())
        h.update(idx.tobytes())
        h.update(fc.tobytes())
        h.update(np.float64(wait).tobytes())
    token = f"feeder-{h.hexdigest()[:20]}"
    _REGISTRY.pop(token, None)
    _REGISTRY[token] = net
    while len(_REGISTRY) > _REGISTRY_SIZE:
        _REGISTRY.pop(next(iter(_REGISTRY)))
    G.graph["feeder_net"] = token


_REGISTRY: dict[str, FeederNet] = {}
_REGISTRY_SIZE = 256


def _feeder(G: nx.MultiDiGraph) -> FeederNet | None:
    token = G.graph.get("feeder_net")
    return _REGISTRY.get(token) if isinstance(token, str) else None


# ----------------------------------------------------------------------------------------------
# stations and places
# ----------------------------------------------------------------------------------------------


@dataclass
class _Index:
    ids: list[str]
    xs: np.ndarray
    ys: np.ndarray

    def near(self, lon: float, lat: float, k: int) -> list[tuple[str, float]]:
        if not self.ids:
            return []
        d = np.atleast_1d(haversine_m(lon, lat, self.xs, self.ys))
        order = np.argsort(d, kind="stable")[:k]
        return [(self.ids[i], float(d[i])) for i in order]

    def within(self, lon: float, lat: float, radius: float) -> list[tuple[str, float]]:
        if not self.ids:
            return []
        d = np.atleast_1d(haversine_m(lon, lat, self.xs, self.ys))
        hit = np.flatnonzero(d <= radius)
        return [(self.ids[i], float(d[i])) for i in hit[np.argsort(d[hit], kind="stable")]]


def _index(G: nx.MultiDiGraph, kind: str) -> _Index:
    net = _feeder(G)
    feeder = net.index if net is not None else {}
    ids = [
        n
        for n, d in G.nodes(data=True)
        if d.get("kind") == kind
        and (kind != "road" or ((G.degree(n) > 0 or n in feeder) and d.get("node_source") != "scenario"))
    ]
    xs = np.array([float(G.nodes[n]["x"]) for n in ids])
    ys = np.array([float(G.nodes[n]["y"]) for n in ids])
    return _Index(ids, xs, ys)


@lru_cache(maxsize=4)
def _fixed_station_modes(version: str) -> dict[str, str]:
    """Station node → its main mode over every section of the embedded dataset (all dates and statuses)."""
    sec = load_dataset().sections
    modes: dict[str, set[str]] = {}
    for a, b, m in zip(sec["from_station"], sec["to_station"], sec["mode"], strict=True):
        for sid in (a, b):
            modes.setdefault(f"S:{sid}", set()).add(str(m))
    return {
        st: next(m for m in _STATION_MODE_ORDER if m in ms)
        for st, ms in modes.items()
        if set(ms) & set(_STATION_MODE_ORDER)
    }


def _station_mode(G: nx.MultiDiGraph, st: str) -> str | None:
    modes = {d.get("mode") for _, p in G.out_edges(st) for _, _, d in G.out_edges(p, data=True)}
    for m in _STATION_MODE_ORDER:
        if m in modes:
            return m
    return None


def link_stations(
    G: nx.MultiDiGraph,
    params: Params = DEFAULTS,
    *,
    car: bool = True,
    feeder: bool = True,
    car_from_station: bool = True,
) -> int:
    """Put every station on the road graph: car forecourt links and feeder stops; return stations linked.

    A station whose position is a road node uses it with ``forecourt_walk_s``; other stations (for
    example added by a scenario, or on OpenStreetMap streets) use their ``access_k`` nearest road nodes
    over local streets. ``car_from_station=False`` keeps only road → station car links (drive or be
    driven to the station, then ride): in a graph with both cars and trains nobody leaves a train and
    drives on from the station. Feeder stops are recorded in ``G.graph["_feeder"]`` with the station's
    feeder wait (:meth:`cztmap.params.Params.feeder_headway`); :func:`link_places` turns them into edges.
    """
    roads = _index(G, "road")
    net = _feeder(G) if feeder else None
    fixed_modes = _fixed_station_modes(load_dataset().version)
    linked = 0
    factor = params.road_congestion_factor.get(str(G.graph.get("period", "peak")), 1.0)
    local_v = params.road_speed_kmh[_LOCAL] * factor / 3.6
    for st, d in list(G.nodes(data=True)):
        if d.get("kind") != "station":
            continue
        x, y = float(d["x"]), float(d["y"])
        own = road_node_id(x, y)
        has_own = own in G and (G.degree(own) > 0 or (net is not None and own in net.index))
        targets = [(own, 0.0)] if has_own else roads.near(x, y, params.access_k)
        if not targets:
            continue
        for r, dist in targets:
            length = dist * params.local_detour
            t = params.forecourt_walk_s + length / local_v
            attrs = {
                "length": length,
                "long_access": dist > params.access_max_m,
                "access_mode": "forecourt",
            }
            if car:
                G.add_edge(r, st, mode="access", travel_time=t, access_time=t, **attrs)
                if car_from_station:
                    G.add_edge(st, r, mode="access", travel_time=t, access_time=t, **attrs)
        served = _station_mode(G, st)
        # the feeder headway follows the station's main mode in the embedded dataset (all dates), not in this
        # graph: closing the HSR line of a station that metro also serves must not densify its feeders
        mode = fixed_modes.get(st, served)
        if net is not None and served is not None and mode is not None:
            idx = [
                (net.index[r], params.forecourt_walk_s + dist * params.local_detour / local_v)
                for r, dist in targets
                if r in net.index
            ]
            if idx:
                wait = params.wait_fraction * params.feeder_headway(st.removeprefix("S:"), mode) * 60.0
                net.stations[st] = (
                    np.array([i for i, _ in idx], dtype=np.int64),
                    np.array([t for _, t in idx], dtype=float),
                    wait,
                )
        linked += 1
    if net is not None:
        _register(G, net)  # its content changed: a new token
    return linked


def link_places(
    G: nx.MultiDiGraph,
    places: Sequence[tuple[str, str, float, float]],
    params: Params = DEFAULTS,
) -> int:
    """Link places ``(origin node, arrival node, lon, lat)`` to stations (walk, feeder) and roads (car).

    * a walk to every station within ``walk_access_max_m``;
    * a **feeder** edge (``mode="feeder"``) to every station whose feeders the place reaches within
      ``feeder_max_min`` over the roads: the short link to the place's ``access_k`` nearest road nodes
      (walking up to ``walk_access_max_m``, beyond at ``access_speed_kmh``), the ride along the road graph
      at bus speeds, the forecourt walk and the station's feeder wait (the reach grows with the place's
      distance to the nearest station; see the module docstring), and a county coach (``long_feeder``) to
      the stations that were its nearest open one on some day up to the graph's date;
    * a **car** link to the ``access_k`` nearest road nodes (local streets), if the graph has cars.

    Returns the number of edges added.
    """
    stations = _index(G, "station")
    roads = _index(G, "road")
    net = _feeder(G)
    car = any(d.get("mode") == "road" for r in roads.ids[:50] for _, _, d in G.out_edges(r, data=True))
    walk_v = params.walk_speed_mps
    feed_v = params.access_speed_kmh / 3.6
    factor = params.road_congestion_factor.get(str(G.graph.get("period", "peak")), 1.0)
    car_v = params.road_speed_kmh[_LOCAL] * factor / 3.6
    added = 0

    def edge(a: str, b: str, length: float, t: float, how: str, long: bool) -> None:
        nonlocal added
        G.add_edge(
            a,
            b,
            mode="access",
            length=length,
            travel_time=t,
            access_time=t,
            access_mode=how,
            long_access=long,
        )
        added += 1

    starts: list[list[tuple[int, float, float]]] = []  # per place: (feeder road index, seconds, metres)
    walks: list[dict[str, tuple[float, float]]] = []  # per place: station → (metres, seconds) on foot
    for origin, arrive, lon, lat in places:
        walks.append(
            {
                st: (max(dist, 1.0) * params.walk_detour, max(dist, 1.0) * params.walk_detour / walk_v)
                for st, dist in stations.within(lon, lat, params.walk_access_max_m)
            }
        )
        near = roads.near(lon, lat, params.access_k)
        near = [(r, d) for i, (r, d) in enumerate(near) if i == 0 or d <= params.access_max_m]
        mine = []
        for r, dist in near:
            long = dist > params.access_max_m
            if car:
                length = max(dist, 1.0) * params.local_detour
                t = params.car_terminal_s + length / car_v
                edge(origin, r, length, t, "car", long)
                edge(r, arrive, length, t, "car", long)
            if net is not None and r in net.index:
                walking = dist <= params.walk_access_max_m
                length = max(dist, 1.0) * (params.walk_detour if walking else params.access_detour)
                mine.append((net.index[r], length / (walk_v if walking else feed_v), length))
        starts.append(mine)
        if not near and not net:  # a graph without roads (e.g. GTFS import): nearest station of each line
            added += _link_without_roads(G, origin, arrive, lon, lat, stations, params)
    as_of = G.graph.get("as_of")
    gm = G.graph.get("modes")
    modes = frozenset(str(gm).split(",")) if isinstance(gm, str) and gm and gm != "all" else None
    rides = (
        _feeder_times(net, places, starts, params, str(as_of) if as_of else None, modes)
        if net is not None and net.stations
        else {}
    )
    for p, (origin, arrive, _, _) in enumerate(places):
        # one edge per place and station: the faster of walking and the feeder
        for st, (length, t) in walks[p].items():
            if (p, st) not in rides or t <= rides[(p, st)][0]:
                edge(origin, st, length, t, "walk", False)
                edge(st, arrive, length, t, "walk", False)
                rides.pop((p, st), None)
    for (p, st), (t, ride, wait, long) in sorted(rides.items()):
        origin, arrive = places[p][0], places[p][1]
        for a, b in ((origin, st), (st, arrive)):
            G.add_edge(
                a,
                b,
                mode="feeder",
                service_id="feeder",
                line_id="feeder",
                length=0.0,
                travel_time=t,
                in_vehicle_time=ride,
                wait_time=wait,
                long_feeder=long,
            )
            added += 1
    return added


def _link_without_roads(
    G: nx.MultiDiGraph, origin: str, arrive: str, lon: float, lat: float, stations: _Index, params: Params
) -> int:
    covered: set[str] = set()
    added = 0
    v = params.access_speed_kmh / 3.6
    for st, dist in stations.near(lon, lat, len(stations.ids)):
        lines = [ln for ln in str(G.nodes[st].get("lines") or "").split(";") if ln]
        if any(ln not in covered for ln in lines) or not covered:
            covered.update(lines)
            length = max(dist, 1.0) * params.access_detour
            long = dist > params.access_max_m
            for a, b in ((origin, st), (st, arrive)):
                G.add_edge(
                    a,
                    b,
                    mode="access",
                    length=length,
                    travel_time=length / v,
                    access_time=length / v,
                    access_mode="feeder_access",
                    long_access=long,
                )
                added += 1
    return added


@lru_cache(maxsize=4)
def _fixed_stations(
    version: str,
) -> tuple[tuple[str, ...], np.ndarray, np.ndarray, tuple[str, ...], tuple[frozenset[str], ...]]:
    """Graph nodes, positions, opening dates (ISO) and modes (all dates) of every station of the embedded dataset."""
    ds = load_dataset()
    st, sec = ds.stations, ds.sections
    modes: dict[str, set[str]] = {}
    for a, b, m in zip(sec["from_station"], sec["to_station"], sec["mode"], strict=True):
        modes.setdefault(a, set()).add(str(m))
        modes.setdefault(b, set()).add(str(m))
    return (
        tuple(f"S:{s}" for s in st["station_id"]),
        np.array([g.x for g in st.geometry], dtype=float),
        np.array([g.y for g in st.geometry], dtype=float),
        tuple(str(o)[:10] if isinstance(o, str) and o else FIRST_OPENING for o in st["opened"]),
        tuple(frozenset(modes.get(s, set())) for s in st["station_id"]),
    )


def _ever_nearest(order: np.ndarray, opened: tuple[str, ...], as_of: str) -> list[int]:
    """Stations (indices, nearest first) that were the nearest *open* one on some day up to ``as_of``.

    ``order`` lists the candidates nearest first; a station qualifies when it was open on ``as_of`` and no
    closer station opened before it (or on the same day).
    """
    out: list[int] = []
    first = "9999-12-31"  # earliest opening among the closer stations seen so far
    earliest = min((opened[int(k)] for k in order), default=first)
    for k in order:
        o = opened[int(k)]
        if o <= as_of and o < first:
            out.append(int(k))
        first = min(first, o)
        if first <= earliest or first <= FIRST_OPENING:
            break  # no farther station can have opened before a closer one
    return out


_FIXED_NET: dict[tuple[Any, ...], tuple[dict[str, int], Any, np.ndarray]] = {}


def _fixed_feeder_net(params: Params) -> tuple[dict[str, int], Any, np.ndarray]:
    """The feeder-bus network of the embedded dataset's roads on every date (mesh + every open corridor).

    Returns (node → index, the compiled matrix of feeder seconds, indices of every embedded station's road
    node). Fixed for a dataset version and the road parameters: scenarios and dates do not change it.
    """
    import scipy.sparse as sp

    ds = load_dataset()
    key = (
        ds.version,
        float(params.road_node_spacing_m),
        float(params.mesh_lattice_m),
        float(params.mesh_max_edge_m),
        float(params.local_detour),
        float(params.corridor_detour),
        tuple(sorted(params.feeder_speed_kmh.items())),
    )
    if key not in _FIXED_NET:
        mesh = road_mesh(params)
        edges = [(u, v, d["length"], d["highway"]) for u, v, d in _corridor_edges(ds, "peak", params, mesh)]
        for u, v, d in mesh.edges:
            edges += [(u, v, d * params.local_detour, _LOCAL), (v, u, d * params.local_detour, _LOCAL)]
        ids = sorted({n for u, v, _, _ in edges for n in (u, v)} | set(mesh.nodes))
        index = {n: i for i, n in enumerate(ids)}
        best: dict[tuple[int, int], float] = {}
        for a, b, length, hw in edges:
            t = length / _feeder_speed_mps(hw, params)
            k = (index[a], index[b])
            best[k] = min(t, best.get(k, math.inf))
        rows = np.array([k[0] for k in best], dtype=np.int64)
        cols = np.array([k[1] for k in best], dtype=np.int64)
        mat = sp.csr_array((np.array(list(best.values())) + 1e-9, (rows, cols)), shape=(len(ids), len(ids)))
        st = np.array(
            sorted({index[road_node_id(g.x, g.y)] for g in ds.stations.geometry if road_node_id(g.x, g.y) in index}),
            dtype=np.int64,
        )
        if len(_FIXED_NET) > 4:
            _FIXED_NET.clear()
        _FIXED_NET[key] = (index, mat, st)
    return _FIXED_NET[key]


def _fixed_ride_s(net: FeederNet, starts: list[list[tuple[int, float, float]]], params: Params) -> np.ndarray:
    """Per place: seconds to the nearest station road node of the embedded dataset over the fixed network."""
    from scipy.sparse.csgraph import dijkstra

    index, mat, st = _fixed_feeder_net(params)
    out = np.full(len(starts), np.inf)
    src_of = [[(index[net.ids[i]], t0) for i, t0, _ in sp if net.ids[i] in index] for sp in starts]
    chunk = max(1, 2_000_000 // max(len(index), 1))
    for lo in range(0, len(starts), chunk):
        block = range(lo, min(lo + chunk, len(starts)))
        srcs = sorted({i for p in block for i, _ in src_of[p]})
        if not srcs or not len(st):
            continue
        pos = {s: k for k, s in enumerate(srcs)}
        dist = dijkstra(mat, directed=True, indices=srcs)[:, st]
        for p in block:
            if src_of[p]:
                out[p] = float(min(np.min(dist[pos[i]]) + t0 for i, t0 in src_of[p]))
    return out


def _fixed_reach(
    places: Sequence[tuple[str, str, float, float]],
    params: Params,
    as_of: str | None,
    modes: frozenset[str] | None = None,
    ride_s: np.ndarray | None = None,
) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    """Per place: its feeder reach (s) and the stations its county coach always reaches.

    The reach is ``feeder_max_min`` + ``ride_s``, the place's feeder ride to the nearest station of the
    embedded dataset (any date) over the roads of the embedded dataset (any date; :func:`_fixed_feeder_net`),
    or without it the straight metres × ``local_detour`` at the expressway feeder speed. The coach stations are those of
    the embedded dataset that were the place's straight-nearest open station on some day up to ``as_of``
    (so a later, nearer station adds a coach and never takes one away), among the stations of the
    graph's ``modes`` (a metro-only graph coaches a county seat to the nearest metro stations). Both depend on geography
    and the embedded dataset only, never on the roads or stations of this graph: a reach measured over the
    graph's roads grew when a scenario closed a road, and a "two nearest open stations" fallback switched
    on when it closed a station -- either way a closure linked a place to stations it had not reached
    before and made trips faster.
    """
    limit = params.feeder_max_min * 60.0
    nodes, xs, ys, opened, st_modes = _fixed_stations(load_dataset().version)
    if not nodes:
        return np.full(len(places), limit), [() for _ in places]
    day = as_of or "9999-12-31"
    usable = np.array([modes is None or bool(m & modes) for m in st_modes])
    v = _feeder_speed_mps("motorway", params)
    reach = np.empty(len(places))
    near: list[tuple[str, ...]] = []
    for i, (_, _, lon, lat) in enumerate(places):
        d = np.atleast_1d(haversine_m(lon, lat, xs, ys))
        order = np.argsort(d, kind="stable")
        ride = float(ride_s[i]) if ride_s is not None and np.isfinite(ride_s[i]) else None
        reach[i] = limit + (ride if ride is not None else float(d[order[0]]) * params.local_detour / v)
        near.append(tuple(nodes[k] for k in _ever_nearest(order[usable[order]], opened, day)))
    return reach, near


def _feeder_times(
    net: FeederNet,
    places: Sequence[tuple[str, str, float, float]],
    starts: list[list[tuple[int, float, float]]],
    params: Params,
    as_of: str | None = None,
    modes: frozenset[str] | None = None,
) -> dict[tuple[int, str], tuple[float, float, float, bool]]:
    """(place index, station) → (seconds incl. wait, ride seconds, wait seconds, long_feeder) over the roads."""
    from scipy.sparse.csgraph import dijkstra

    st_nodes = list(net.stations)
    att_road = np.concatenate([net.stations[s][0] for s in st_nodes])
    att_fc = np.concatenate([net.stations[s][1] for s in st_nodes])
    att_st = np.concatenate([np.full(len(net.stations[s][0]), i) for i, s in enumerate(st_nodes)])
    waits = np.array([net.stations[s][2] for s in st_nodes])
    limit = params.feeder_max_min * 60.0
    reach_s, nearest = _fixed_reach(places, params, as_of, modes, _fixed_ride_s(net, starts, params))
    st_pos = {s: k for k, s in enumerate(st_nodes)}
    out: dict[tuple[int, str], tuple[float, float, float, bool]] = {}
    chunk = max(1, 2_000_000 // max(len(net.ids), 1))
    for lo in range(0, len(places), chunk):
        block = list(range(lo, min(lo + chunk, len(places))))
        srcs = sorted({i for p in block for i, _, _ in starts[p]})
        if not srcs:
            continue
        pos = {s: k for k, s in enumerate(srcs)}
        dist = dijkstra(net.matrix, directed=True, indices=srcs)
        for p in block:
            if not starts[p]:
                continue
            t_road = np.min([dist[pos[i]] + t0 for i, t0, _ in starts[p]], axis=0)
            best = np.full(len(st_nodes), np.inf)
            np.minimum.at(best, att_st, t_road[att_road] + att_fc)
            # every station within its reach, and its coach stations (see _fixed_reach) if this graph has them:
            # a county seat far from rail still gets its coach (flagged long_feeder)
            fixed_k = [st_pos[n] for n in nearest[p] if n in st_pos and np.isfinite(best[st_pos[n]])]
            ok = np.union1d(np.flatnonzero(best <= reach_s[p]), np.array(fixed_k, dtype=np.int64))
            for k in ok:
                out[(p, st_nodes[int(k)])] = (
                    float(best[k] + waits[k]),
                    float(best[k]),
                    float(waits[k]),
                    bool(best[k] > limit),
                )
    return out
