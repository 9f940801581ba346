"""Build the multimodal graph: an osmnx-compatible ``networkx.MultiDiGraph``, for a date and a period.

The graph follows the contract in ``docs/architecture.md``:

* a **station** node ``S:<station_id>`` per station complex, and a **platform** node
  ``P:<station_id>:<service_id>`` per service calling there;
* **in-vehicle** edges between consecutive platforms of a service, both directions, timed by the
  run-time model (:mod:`cztmap.network.runtime`);
* **board** edges (station → platform) costing the walk to the platform plus the expected wait,
  half the headway of the period; **alight** edges (platform → station) costing the walk out;
  a change of line is therefore alight + board: walk plus the new wait;
* **walk** edges between separate stations closer than ``walk_link_max_m`` (both positions sourced);
* **road** edges along the schematic connector roads and expressways, at the road's speed times the
  period's congestion factor; road nodes are shared where roads share an anchor point;
* **zone** nodes at each district's government seat, with **access** edges to the nearest stations
  and road nodes (feeder speed). A place is a pair of nodes so that no route passes *through* it:
  ``Z:<adcode>`` (trips start here: access edges out) and ``Z:<adcode>:in`` (trips end here: egress
  edges in); :func:`sink` gives the arrival node of a place. User points work the same way
  (``X:<name>`` and ``X:<name>:in``).

Services: a line is one service, except that the West Ring and Line 3 run through as one service
``L3`` (no change at 山塘), and the CZT intercity is three overlapping services: ``CZT`` (trunk
trains, trunk headway), ``CZT-Z`` and ``CZT-X`` (trains to each branch, branch headway).

Examples
--------
>>> from cztmap.network.build import build_graph
>>> G = build_graph(as_of="2023-06-28")
>>> G.graph["crs"], G.graph["as_of"]
('EPSG:4326', '2023-06-28')
>>> any(d.get("line_id") == "WR" for _, _, d in G.edges(data=True))
True
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import networkx as nx
import numpy as np
from shapely.geometry import LineString

from cztmap.data.dataset import Dataset, load_dataset, parse_date
from cztmap.data.scenario import Scenario, apply_scenario
from cztmap.data.services import ALL_MODES, MODE_GROUPS, PERIODS, RAIL_MODES, service_of
from cztmap.errors import UsageError
from cztmap.geo import REGION_ROUGH, haversine_m
from cztmap.network._nodes import sink
from cztmap.network.roads import add_road_layer, link_places, link_stations
from cztmap.network.runtime import section_time_s
from cztmap.params import DEFAULTS, Params

__all__ = [
    "ALL_MODES",
    "PERIODS",
    "RAIL_MODES",
    "add_point",
    "add_points",
    "build_graph",
    "check_point",
    "is_place",
    "point_node",
    "service_of",
    "sink",
    "station_node",
]


def station_node(station_id: str) -> str:
    """Node id of a station complex."""
    return f"S:{station_id}"


def is_place(node: Any) -> bool:
    """True for zone and point nodes (origin or arrival side)."""
    return isinstance(node, str) and (node.startswith("Z:") or node.startswith("X:"))


def _check_modes(modes: Iterable[str] | None) -> set[str]:
    """The selected modes, with groups (``transit``, ``both``, ``road``) expanded; feeder joins any rail mode."""
    if modes is None:
        return set(ALL_MODES)
    if isinstance(modes, str):
        modes = [m.strip() for m in modes.split(",") if m.strip()]
    chosen: set[str] = set()
    for m in modes:
        chosen.update(MODE_GROUPS.get(m, (m,)))
    unknown = sorted(chosen - set(ALL_MODES))
    if unknown:
        raise UsageError(
            f"Unknown mode(s) {', '.join(unknown)}; choose from {', '.join(ALL_MODES)} "
            f"or a group ({', '.join(MODE_GROUPS)})."
        )
    if not chosen:
        raise UsageError(f"No mode selected; choose one or more of {', '.join(ALL_MODES)}.")
    if chosen & set(RAIL_MODES):
        chosen.add("feeder")  # places reach stations by walking or by feeder bus
    return chosen


def _line_attrs(ds: Dataset) -> dict[str, dict[str, Any]]:
    out = {}
    for r in ds.lines.itertuples(index=False):
        out[r.line_id] = {
            "name_zh": r.name_zh,
            "name_en": r.name_en,
            "mode": r.mode,
            "colour": r.colour,
            "peak": r.headway_peak_min,
            "offpeak": r.headway_offpeak_min,
        }
    return out


def node_attrs(kind: str, x: float, y: float, **kw: Any) -> dict[str, Any]:
    """Node attributes of the graph contract (x, y, kind, names, city, adcode) plus extras."""
    base = {"x": float(x), "y": float(y), "kind": kind, "name_zh": "", "name_en": "", "city": "", "adcode": ""}
    base.update(kw)
    return base


def build_graph(
    ds: Dataset | None = None,
    *,
    as_of: str | dt.date | None = "today",
    period: str = "peak",
    modes: Iterable[str] | str | None = None,
    params: Params = DEFAULTS,
    scenario: str = "base",
    zones: bool = True,
    roads: bool = True,
) -> nx.MultiDiGraph:
    """Build the multimodal graph of the network open on ``as_of``.

    Parameters
    ----------
    ds : Dataset, optional
        Layers to build from (default: the embedded dataset). It is filtered to ``as_of``.
    as_of : str or date, default "today"
        ISO date; what was open that day. ``None`` uses ``ds`` as given (for example a scenario's layers).
    period : {"peak", "offpeak"}
        Selects headways (waits) and road congestion factors.
    modes : iterable of str, optional
        Keep only these of ``metro, maglev, intercity, hsr, rail, art, car, feeder`` or the groups
        ``transit`` (rail and feeder buses), ``both`` (everything), ``road`` (= ``car``). Default: all. Any
        rail mode brings the feeder buses with it (places reach stations by walking or by feeder).
    params : Params
        Model parameters (see :mod:`cztmap.params`).
    scenario : str
        Name stored in ``G.graph["scenario"]``.
    zones : bool
        Add a zone node per district (``Z:<adcode>``) with access links.
    roads : bool
        Add the road skeleton (car and feeder layers) when ``car``/``feeder`` are selected; ``False``
        gives the rail-only graph (GTFS export, round trips).

    Returns
    -------
    networkx.MultiDiGraph
        Weight ``travel_time`` (s) on every edge; ``length`` (m).

    Raises
    ------
    UsageError
        Unknown period or mode, bad date.

    Examples
    --------
    >>> G = build_graph(as_of="2023-06-28", modes="transit")
    >>> G.graph["as_of"], G.nodes["S:xiangtan-north"]["lines"]  # the West Ring's first day
    ('2023-06-28', 'HSR-HK;WR')
    """
    if period not in PERIODS:
        raise UsageError(f"Unknown period {period!r}; use one of {', '.join(PERIODS)}.")
    chosen = _check_modes(modes)
    if ds is None:
        ds = load_dataset()
    day = parse_date(as_of) if as_of is not None else None
    if day is not None:
        ds = ds.filter(day)
    G = _new_graph(ds, day, period, chosen, scenario)
    _add_stations(G, ds)
    _add_rail_services(G, ds, chosen, period, params)
    _add_walk_links(G, ds, params)
    car, feeder = roads and "car" in chosen, roads and "feeder" in chosen
    if car or feeder:
        add_road_layer(G, ds, period, params, car=car, feeder=feeder)
        link_stations(G, params, car=car, feeder=feeder, car_from_station=not (chosen & set(RAIL_MODES)))
    if zones:
        _add_zones(G, ds, params)
    for n in G.nodes:
        G.nodes[n]["street_count"] = len(set(G.successors(n)) | set(G.predecessors(n)))
    return G


def _new_graph(ds: Dataset, day: dt.date | None, period: str, chosen: set[str], scenario: str) -> nx.MultiDiGraph:
    return nx.MultiDiGraph(
        crs="EPSG:4326",
        as_of=(day or ds.as_of or dt.date.today()).isoformat() if (day or ds.as_of) else None,
        period=period,
        scenario=scenario,
        dataset_version=ds.version,
        modes=",".join(sorted(chosen)),
        name=f"cztmap {scenario} {period}",
    )


def _add_stations(G: nx.MultiDiGraph, ds: Dataset) -> None:
    for r in ds.stations.itertuples(index=False):
        G.add_node(
            station_node(r.station_id),
            **node_attrs(
                "station",
                r.geometry.x,
                r.geometry.y,
                name_zh=r.name_zh,
                name_en=r.name_en,
                city=r.city,
                adcode=r.adcode,
                station_id=r.station_id,
                lines=r.lines,
                aliases=r.aliases,
                position_quality=r.position_quality,
            ),
        )


def _add_rail_services(G: nx.MultiDiGraph, ds: Dataset, chosen: set[str], period: str, params: Params) -> None:
    """In-vehicle edges of every open section of a chosen mode, per service, and the platforms they call at."""
    lines = _line_attrs(ds)
    st = ds.stations.set_index("station_id", drop=False)
    platforms: set[tuple[str, str]] = set()
    line_ids = set(ds.sections["line_id"])
    for r in ds.sections.itertuples(index=False):
        if r.mode not in chosen or r.status != "open":
            continue  # sections under construction or planned are not in service
        for svc in service_of(r.line_id):
            if r.line_id == "CZT" and svc != "CZT" and svc not in line_ids:
                continue  # branch service without its branch (date before it opened)
            t = section_time_s(r.length_m, r.speed_kmh, r.mode, params)
            a_st, b_st = r.from_station, r.to_station
            for u_st, v_st, geom in ((a_st, b_st, r.geometry), (b_st, a_st, LineString(list(r.geometry.coords)[::-1]))):
                platforms.update(((u_st, svc), (v_st, svc)))
                G.add_edge(
                    f"P:{u_st}:{svc}",
                    f"P:{v_st}:{svc}",
                    mode=r.mode,
                    line_id=r.line_id,
                    service_id=svc,
                    section_id=r.section_id,
                    length=float(r.length_m),
                    travel_time=float(t),
                    in_vehicle_time=float(t),
                    geometry=geom,
                    colour=r.colour,
                )
    for sid, svc in sorted(platforms):
        s = st.loc[sid]
        mode = next(d["mode"] for _, _, d in G.out_edges(f"P:{sid}:{svc}", data=True))
        la = lines.get(svc) or lines.get(svc.split("-")[0], {})
        hw, hw_src = params.headway_min(mode, period, la.get("peak"), la.get("offpeak"))
        add_platform(
            G,
            sid,
            svc,
            s.geometry.x,
            s.geometry.y,
            headway_min=hw,
            headway_source=hw_src,
            params=params,
            mode=mode,
            name_zh=s.name_zh,
            name_en=s.name_en,
            city=s.city,
            adcode=s.adcode,
        )


def _add_walk_links(G: nx.MultiDiGraph, ds: Dataset, params: Params) -> None:
    """Walking transfers between separate stations closer than ``walk_link_max_m`` (sourced/proxy positions)."""
    good = ds.stations[ds.stations["position_quality"].isin(["sourced", "proxy"])]
    ids = list(good["station_id"])
    xs = np.array([g.x for g in good.geometry])
    ys = np.array([g.y for g in good.geometry])
    for i, a in enumerate(ids):
        d = haversine_m(xs[i], ys[i], xs, ys)
        for j in np.nonzero(d < params.walk_link_max_m)[0]:
            if j == i:
                continue
            length = float(d[j]) * params.walk_detour
            add_walk_link(G, a, ids[j], length, length / params.walk_speed_mps)


def _add_zones(G: nx.MultiDiGraph, ds: Dataset, params: Params) -> None:
    """A place per district at its government seat (origin ``Z:<adcode>``, arrival ``Z:<adcode>:in``)."""
    places = []
    for r in ds.districts.itertuples(index=False):
        z = f"Z:{r.adcode}"
        for node, role in ((z, "origin"), (sink(z), "destination")):
            G.add_node(
                node,
                **node_attrs(
                    "zone",
                    r.seat_lon,
                    r.seat_lat,
                    name_zh=r.name_zh,
                    name_en=r.name_en,
                    city=r.city,
                    adcode=r.adcode,
                    population=r.population,
                    district_kind=r.kind,
                    role=role,
                ),
            )
        places.append((z, sink(z), float(r.seat_lon), float(r.seat_lat)))
    link_places(G, places, params)


def add_platform(
    G: nx.MultiDiGraph,
    station_id: str,
    service_id: str,
    x: float,
    y: float,
    *,
    headway_min: float,
    headway_source: str,
    params: Params = DEFAULTS,
    mode: str | None = None,
    **attrs: Any,
) -> str:
    """Give a station a platform of ``service_id`` with its board and alight edges; return the platform id.

    Boarding costs ``platform_walk_s`` plus the mode's ``station_overhead_s`` (security and ticket
    gates at China Railway stations) plus the expected wait (``wait_fraction`` × headway);
    alighting costs ``alight_walk_s``. Shared by :func:`build_graph` and the GTFS importer.
    """
    p = f"P:{station_id}:{service_id}"
    wait = params.wait_fraction * headway_min * 60
    walk = params.platform_walk_s + (params.station_overhead_s.get(mode, 0.0) if mode else 0.0)
    G.add_node(p)
    G.nodes[p].update(node_attrs("platform", x, y, station_id=station_id, service_id=service_id, **attrs))
    G.add_edge(
        station_node(station_id),
        p,
        mode="board",
        service_id=service_id,
        line_id=service_id,
        length=0.0,
        travel_time=walk + wait,
        wait_time=wait,
        walk_time=walk,
        headway_min=headway_min,
        headway_source=headway_source,
    )
    G.add_edge(
        p,
        station_node(station_id),
        mode="alight",
        service_id=service_id,
        line_id=service_id,
        length=0.0,
        travel_time=params.alight_walk_s,
        walk_time=params.alight_walk_s,
    )
    return p


def add_walk_link(G: nx.MultiDiGraph, a: str, b: str, length: float, travel_time: float) -> None:
    """A walking edge from station ``a`` to station ``b`` (ids without the ``S:`` prefix)."""
    G.add_edge(
        station_node(a), station_node(b), mode="walk", length=length, travel_time=travel_time, walk_time=travel_time
    )


def point_node(lon: float, lat: float, *, name: str | None = None) -> str:
    """Node id :func:`add_point` gives a place: ``X:<name>`` or ``X:<lon>,<lat>`` (6 decimals).

    Examples
    --------
    >>> point_node(112.9388, 28.2282), point_node(0, 0, name="home")
    ('X:112.938800,28.228200', 'X:home')
    """
    return f"X:{name or f'{lon:.6f},{lat:.6f}'}"


def check_point(lon: float, lat: float, *, argument: str = "point") -> None:
    """Refuse a (lon, lat) that is not finite WGS-84 degrees or lies outside the Chang-Zhu-Tan region.

    Raises
    ------
    UsageError
        With a hint when the pair looks swapped or the longitude lost its sign.

    Examples
    --------
    >>> check_point(112.9388, 28.2282)
    >>> check_point(-112.9388, 28.2282)
    Traceback (most recent call last):
    ...
    cztmap.errors.UsageError: The point (-112.9388, 28.2282) is outside the Chang-Zhu-Tan region (the longitude is negative, i.e. west of Greenwich; Chang-Zhu-Tan is at 111-115° E); give (longitude, latitude) in WGS-84, e.g. 112.9388,28.2282.
    """
    where = argument if argument == "point" else f"{argument} point"
    ok = isinstance(lon, int | float) and isinstance(lat, int | float) and lon == lon and lat == lat
    w, s, e, n = REGION_ROUGH
    hint = ""
    if ok and w <= lat <= e and s <= lon <= n:
        hint = " (longitude and latitude look swapped)"
    elif ok and w <= -lon <= e and s <= abs(lat) <= n:
        hint = " (the longitude is negative, i.e. west of Greenwich; Chang-Zhu-Tan is at 111-115° E)"
    elif ok and w <= lon <= e and s <= -lat <= n:
        hint = " (the latitude is negative, i.e. south of the equator; Chang-Zhu-Tan is at 26-29° N)"
    if not ok or not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise UsageError(
            f"The {where} ({lon}, {lat}) is not a WGS-84 longitude/latitude pair{hint}; "
            "give longitude,latitude in decimal degrees, e.g. 112.9388,28.2282."
        )
    if not (w <= lon <= e and s <= lat <= n):
        raise UsageError(
            f"The {where} ({lon}, {lat}) is outside the Chang-Zhu-Tan region{hint}; "
            "give (longitude, latitude) in WGS-84, e.g. 112.9388,28.2282."
        )


def add_point(
    G: nx.MultiDiGraph,
    lon: float,
    lat: float,
    *,
    name: str | None = None,
    params: Params = DEFAULTS,
    argument: str = "point",
) -> str:
    """Add a place (lon, lat, WGS-84) to ``G`` with access links; return its node id ``X:<name>``.

    Trips leave from ``X:<name>`` and arrive at ``X:<name>:in`` (see :func:`sink`); routing functions
    take care of that. This changes ``G``: give it a graph you own (routing functions use an overlay,
    :func:`cztmap.network.names.overlay`, so the caller's graph stays as it was). The place walks to
    stations within ``walk_access_max_m`` and joins the feeder and car layers at its nearest road nodes
    (:func:`cztmap.network.roads.link_places`).

    Parameters
    ----------
    G : networkx.MultiDiGraph
        A graph from :func:`build_graph` (changed in place).
    lon, lat : float
        WGS-84 degrees, roughly inside the region (:data:`cztmap.geo.REGION_ROUGH`).
    name : str, optional
        Node name (default: the rounded coordinates).
    params : Params
        Access parameters (walking speed, ``walk_access_max_m``).
    argument : str
        How to name the point in error messages.

    Returns
    -------
    str
        The origin node id ``X:<name>``.

    Raises
    ------
    UsageError
        Coordinates that are not finite or lie outside the region.

    Examples
    --------
    >>> from cztmap.network.build import build_graph, add_point
    >>> G = build_graph(as_of="2024-01-01", zones=False)
    >>> add_point(G, 112.9388, 28.2282, name="home")
    'X:home'
    """
    return add_points(G, [(lon, lat)], names=[name], params=params, argument=argument)[0]


def add_points(
    G: nx.MultiDiGraph,
    points: Sequence[Any],
    ys: Sequence[float] | None = None,
    *,
    names: Sequence[str | None] | None = None,
    params: Params = DEFAULTS,
    argument: str = "point",
) -> list[str]:
    """Add many places at once (as :func:`add_point`, one node search for all); return their node ids.

    ``points`` is a sequence of (lon, lat) pairs, or of longitudes with the latitudes in ``ys``.

    Examples
    --------
    >>> G = build_graph(as_of="2024-01-01", zones=False)
    >>> add_points(G, [(112.9388, 28.2282), (113.13, 27.83)], names=["a", "b"])
    ['X:a', 'X:b']
    """
    if ys is not None:
        xs = list(points)
        ys = list(ys)
        if len(xs) != len(ys):
            raise UsageError(
                f"add_points needs as many latitudes as longitudes (got {len(xs)} and {len(ys)}); give one of each."
            )
        points = list(zip(xs, ys, strict=True))
    names = list(names) if names is not None else [None] * len(points)
    out, todo = [], []
    for (lon, lat), name in zip(points, names, strict=True):
        check_point(lon, lat, argument=argument)
        lon, lat = float(lon), float(lat)
        node = point_node(lon, lat, name=name)
        out.append(node)
        if node in G:
            continue
        label = name or f"({lon:.5f}, {lat:.5f})"
        for n, role in ((node, "origin"), (sink(node), "destination")):
            G.add_node(n, **node_attrs("point", lon, lat, name_zh=label, name_en=label, role=role))
        todo.append((node, sink(node), lon, lat))
    link_places(G, todo, params)
    for node, arrive, _, _ in todo:
        G.nodes[node]["street_count"] = len(set(G.successors(node)))
        G.nodes[arrive]["street_count"] = len(set(G.predecessors(arrive)))
    return out


def summary(G: nx.MultiDiGraph) -> dict[str, Any]:
    """Counts of nodes by kind and edges by mode (for printing and tests)."""
    kinds: dict[str, int] = defaultdict(int)
    modes: dict[str, int] = defaultdict(int)
    for _, d in G.nodes(data=True):
        kinds[d.get("kind", "?")] += 1
    for _, _, d in G.edges(data=True):
        modes[d.get("mode", "?")] += 1
    return {"nodes": dict(kinds), "edges": dict(modes), "as_of": G.graph.get("as_of"), "period": G.graph.get("period")}


def scenario_graph(
    scn: Scenario,
    ds: Dataset | None = None,
    *,
    params: Params = DEFAULTS,
    period: str | None = None,
    modes: Iterable[str] | str | None = None,
) -> nx.MultiDiGraph:
    """The graph of a scenario: :func:`build_graph` on the dataset :func:`~cztmap.data.scenario.apply_scenario` edits.

    The base is the network open on ``scn.as_of``; the scenario's closures, added lines and roads and headway
    changes are applied to it, then the graph is built as for any dataset (places link to the fixed road mesh, so a
    closure only removes edges and an addition only adds some: ``tests/analysis/test_compare_monotone.py``).

    Parameters
    ----------
    scn : Scenario
        A validated scenario (:func:`~cztmap.data.scenario.load_scenario` or
        :func:`~cztmap.data.scenario.parse_scenario`).
    ds : Dataset, optional
        The unfiltered dataset to start from (default: the embedded one).
    params : Params
        Model parameters (speeds, waits, access rules).
    period : {"peak", "offpeak"}, optional
        Overrides the scenario's ``period`` (headways and road congestion).
    modes : str or iterable of str, optional
        As :func:`build_graph` (``"transit"``, ``"car"``, a list of modes; default every mode).

    Returns
    -------
    networkx.MultiDiGraph
        With ``graph["as_of"]`` = the scenario's date and ``graph["scenario"]`` = its name.

    Raises
    ------
    ScenarioError
        The scenario does not apply to ``ds`` (unknown station, line or road, bad values).
    UsageError
        ``period`` or ``modes`` is not one :func:`build_graph` knows.

    Examples
    --------
    >>> from cztmap.data.scenario import parse_scenario
    >>> G = scenario_graph(parse_scenario({"name": "base", "as_of": "2023-06-28"}), modes="car")
    >>> G.graph["as_of"], G.graph["scenario"]
    ('2023-06-28', 'base')
    """
    d = apply_scenario(scn, ds, params=params)
    return build_graph(d, as_of=None, period=period or scn.period, params=params, scenario=scn.name, modes=modes)
