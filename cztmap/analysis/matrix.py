"""Travel-time matrices between stations, districts and arbitrary points.

All matrices are computed by the compiled engine (:mod:`cztmap.network.engine`, scipy Dijkstra) on the
graph's ``travel_time`` weight and returned as :class:`pandas.DataFrame` objects in **minutes**
(float; ``inf`` = unreachable). Minutes are what users read; ``unit="s"`` gives seconds, exactly
the engine's numbers. Every time is door-to-door *on the graph*: from a station it includes the
walk to the platform and the expected wait (``board`` edges); from a zone it includes the access
trip from the district seat.

* :func:`station_matrix` -- stations × stations, indexed by ``station_id``.
* :func:`zone_matrix` -- districts × districts, indexed by ``adcode``.
* :func:`point_matrix` -- arbitrary points (e.g. a :func:`hex_grid`) to themselves, or to zones or stations.

Examples
--------
>>> from cztmap.network.build import build_graph
>>> from cztmap.analysis.matrix import station_matrix, zone_matrix
>>> G = build_graph(as_of="2023-06-28")
>>> m = station_matrix(G)
>>> m.shape[0] == m.shape[1] and float(m.iloc[0, 0]) == 0.0
True
>>> z = zone_matrix(G, zones=["430104", "430302"])
>>> bool(20 < z.loc["430104", "430302"] < 120)
True
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Literal

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from cztmap.errors import UsageError
from cztmap.geo import UTM_CRS
from cztmap.network.build import add_point, sink
from cztmap.network.engine import compile_graph
from cztmap.network.validate_graph import check_graph

__all__ = ["UTM_CRS", "hex_grid", "point_matrix", "station_matrix", "station_nodes", "zone_matrix", "zone_nodes"]

#: Metric CRS for the region (UTM zone 49N, WGS-84).

Unit = Literal["min", "s"]


def _scale(unit: str) -> float:
    if unit == "min":
        return 60.0
    if unit == "s":
        return 1.0
    raise UsageError(f"Unknown unit {unit!r}; use unit='min' (minutes) or unit='s' (seconds).")


def station_nodes(G: nx.MultiDiGraph) -> list[str]:
    """Station node ids ``S:<station_id>`` in graph order."""
    return [n for n, d in G.nodes(data=True) if d.get("kind") == "station"]


def zone_nodes(G: nx.MultiDiGraph) -> list[str]:
    """Zone node ids ``Z:<adcode>`` (origin side) in graph order; arrivals are ``sink(node)``."""
    return [n for n, d in G.nodes(data=True) if d.get("kind") == "zone" and d.get("role", "origin") == "origin"]


def _no_window_args(percentiles: object, date: object) -> None:
    if percentiles is not None or date is not None:
        raise UsageError("percentiles and date apply to a departure window; give window= too (e.g. '07:00-09:00').")


def _columns(df: pd.DataFrame, ids: Sequence[str]) -> pd.Index:
    if isinstance(df.columns, pd.MultiIndex):
        return pd.MultiIndex.from_arrays(
            [df.columns.get_level_values(0), [ids[i] for i in df.columns.get_level_values(1)]],
            names=["percentile", "destination"],
        )
    return pd.Index(ids, name="destination")


def _window_frame(
    G: nx.Graph,
    origins: Sequence[str],
    destinations: Sequence[str],
    unit: str,
    cutoff_min: float | None,
    window: object,
    percentiles: float | Sequence[float] | None,
    date: object,
) -> pd.DataFrame:
    """Percentiles over a departure window (timetable); columns are destination positions (renamed by callers)."""
    from cztmap.network.routing import window_travel_times

    pcts = _percentile_list(percentiles)
    r = window_travel_times(G, list(origins), list(destinations), window, percentiles=pcts, date=date)
    scale = _scale(unit)
    vals = r["percentile_s"] / scale
    mean = r["mean_s"] / scale
    if cutoff_min is not None:
        lim = float(cutoff_min) * 60.0 / scale
        vals = np.where(vals > lim, np.inf, vals)
        mean = np.where(mean > lim, np.inf, mean)
    n = len(destinations)
    if len(r["percentiles"]) == 1:
        df = pd.DataFrame(vals[0], columns=pd.RangeIndex(n))
    else:
        cols = pd.MultiIndex.from_product([[f"p{p:g}" for p in r["percentiles"]], range(n)])
        df = pd.DataFrame(np.concatenate(list(vals), axis=1), columns=cols)
    df.attrs.update(
        window=str(window),
        percentiles=list(r["percentiles"]),
        mean=pd.DataFrame(mean),
        timetable=r["timetable"],
        service_date=r["service_date"],
    )
    return df


def _frame(
    G: nx.Graph, origins: Sequence[str], destinations: Sequence[str], unit: str, cutoff_min: float | None = None
) -> pd.DataFrame:
    """Origins × destinations; places arrive at their ``sink`` node, a place to itself is 0."""
    scale = _scale(unit)
    cutoff = None if cutoff_min is None else float(cutoff_min) * 60.0
    origins, destinations = list(origins), list(destinations)
    arrive = [sink(d) if d in G and sink(d) in G else d for d in destinations]
    values = compile_graph(G).distances(origins, arrive, cutoff=cutoff)
    pos = {d: j for j, d in enumerate(destinations)}
    for i, o in enumerate(origins):
        j = pos.get(o)
        if j is not None:
            values[i, j] = 0.0
    df = pd.DataFrame(values, index=pd.Index(origins), columns=pd.Index(destinations))
    return df / scale if scale != 1.0 else df


def _describe(df: pd.DataFrame, G: nx.MultiDiGraph, nodes: Sequence[str], unit: str) -> None:
    """Result metadata in ``df.attrs`` (one vocabulary for every matrix; see docs/architecture.md)."""
    df.attrs["unit"] = unit
    for key in ("as_of", "period", "scenario"):
        df.attrs[key] = G.graph.get(key)
    if nodes:
        ids = {n: n.split(":", 1)[1] for n in nodes if n in G}
        for key in ("name_zh", "name_en", "city"):
            df.attrs[key] = {i: G.nodes[n].get(key, "") for n, i in ids.items()}


def station_matrix(
    G: nx.MultiDiGraph,
    *,
    stations: Iterable[str] | None = None,
    unit: Unit = "min",
    cutoff_min: float | None = None,
    window: str | tuple[str, str] | None = None,
    percentiles: float | Sequence[float] | None = None,
    date: str | None = None,
) -> pd.DataFrame:
    """Stations × stations travel times (street/concourse of one station to that of another).

    Parameters
    ----------
    G : networkx.MultiDiGraph
        A graph from :func:`cztmap.network.build.build_graph`.
    stations : iterable of str, optional
        Station ids (with or without the ``S:`` prefix); default all stations of ``G``.
    unit : {"min", "s"}
        Minutes (default) or seconds.
    cutoff_min : float, optional
        Times above this many minutes are reported as ``inf`` (faster search).
    window : str or (str, str), optional
        A departure window (``"07:00-09:00"``): times from the timetable for every minute of it
        (:func:`cztmap.network.routing.window_travel_times`) summarised by ``percentiles``, instead of
        the static expected-wait times.
    percentiles : float or sequence of float, optional
        With ``window``: one value (default 50) gives the usual square frame; several give columns
        ``(p<P>, destination)``. ``attrs["mean"]`` holds the mean over the window.
    date : str, optional
        With ``window``: the service day (default: the graph's ``as_of``).

    Returns
    -------
    pandas.DataFrame
        Index and columns ``station_id``; ``attrs`` as documented in docs/architecture.md ("Result metadata").

    Examples
    --------
    >>> from cztmap.network.build import build_graph
    >>> G = build_graph(as_of="2023-06-28")
    >>> m = station_matrix(G, stations=["xiangtan-north", "shantang"])
    >>> bool(m.loc["xiangtan-north", "shantang"] > 10)
    True
    """
    check_graph(G)
    nodes = station_nodes(G) if stations is None else [s if s.startswith("S:") else f"S:{s}" for s in stations]
    if window is not None:
        df = _window_frame(G, nodes, nodes, unit, cutoff_min, window, percentiles, date)
    else:
        _no_window_args(percentiles, date)
        df = _frame(G, nodes, nodes, unit, cutoff_min)
    ids = [n[2:] for n in nodes]
    df.index = pd.Index(ids, name="origin")
    df.columns = _columns(df, ids)
    if "mean" in df.attrs:
        df.attrs["mean"].index, df.attrs["mean"].columns = df.index, pd.Index(ids, name="destination")
    _describe(df, G, nodes, unit)
    return df


def zone_matrix(
    G: nx.MultiDiGraph,
    zones: Iterable[str] | None = None,
    *,
    unit: Unit = "min",
    cutoff_min: float | None = None,
) -> pd.DataFrame:
    """Districts × districts door-to-door travel times (district seat to district seat).

    Trips start at ``Z:<a>`` and end at its arrival node ``Z:<b>:in`` (so no route passes through
    a seat); the diagonal is 0 by definition.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        A graph built with ``zones=True``.
    zones : iterable of str, optional
        Adcodes (with or without the ``Z:`` prefix); default every zone of ``G``.
    unit : {"min", "s"}
    cutoff_min : float, optional

    Returns
    -------
    pandas.DataFrame
        Index ``origin`` and columns ``destination`` (adcodes); ``attrs`` as documented in
        docs/architecture.md ("Result metadata"): unit, network and the id → name_zh / name_en / city maps.

    Raises
    ------
    UsageError
        The graph has no zone nodes, or an adcode is unknown.

    Examples
    --------
    >>> from cztmap.network.build import build_graph
    >>> z = zone_matrix(build_graph(as_of="2023-06-28"))
    >>> z.shape
    (23, 23)
    """
    check_graph(G)
    if zones is None:
        nodes = zone_nodes(G)
        if not nodes:
            raise UsageError("The graph has no zone nodes; build it with build_graph(..., zones=True).")
    else:
        nodes = [z if str(z).startswith("Z:") else f"Z:{z}" for z in zones]
    df = _frame(G, nodes, nodes, unit, cutoff_min)
    ids = [n[2:] for n in nodes]
    df.index = pd.Index(ids, name="origin")
    df.columns = pd.Index(ids, name="destination")
    _describe(df, G, nodes, unit)
    return df


def point_matrix(
    G: nx.MultiDiGraph,
    points: gpd.GeoDataFrame,
    *,
    to: Literal["points", "zones", "stations"] = "points",
    id_column: str | None = None,
    unit: Unit = "min",
    cutoff_min: float | None = None,
) -> pd.DataFrame:
    """Travel times from arbitrary points (any geometry; its representative point is used).

    Each point is linked to the network like a district seat (:func:`cztmap.network.build.add_point`:
    nearest stations and road nodes at the feeder access speed; trips end at its arrival node
    ``sink(X:…)``). ``G`` itself is not modified.

    Parameters
    ----------
    G : networkx.MultiDiGraph
    points : geopandas.GeoDataFrame
        Points or polygons (e.g. from :func:`hex_grid`); any CRS, converted to EPSG:4326.
    to : {"points", "zones", "stations"}
        Destinations: the points themselves (square matrix), every zone, or every station.
    id_column : str, optional
        Column giving row labels (default: the frame's index).
    unit : {"min", "s"}
    cutoff_min : float, optional

    Returns
    -------
    pandas.DataFrame
        Rows: points; columns: points, adcodes or station ids.

    Raises
    ------
    UsageError
        Empty input, a point outside the region, or a bad ``to``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> from cztmap.network.build import build_graph
    >>> G = build_graph(as_of="2023-06-28")
    >>> pts = gpd.GeoDataFrame({"name": ["a", "b"]},
    ...     geometry=[Point(112.94, 28.23), Point(112.92, 27.85)], crs="EPSG:4326")
    >>> m = point_matrix(G, pts, id_column="name")
    >>> bool(m.loc["a", "b"] > 0)
    True
    """
    check_graph(G)
    if to not in ("points", "zones", "stations"):
        raise UsageError(f"Unknown destination set to={to!r}; use 'points', 'zones' or 'stations'.")
    if not isinstance(points, gpd.GeoDataFrame) or points.empty:
        raise UsageError("`points` must be a non-empty GeoDataFrame of points or polygons.")
    pts = points.to_crs("EPSG:4326") if points.crs is not None and str(points.crs) != "EPSG:4326" else points
    labels = list(pts[id_column]) if id_column else list(pts.index)
    H = G.copy()
    nodes = []
    for i, geom in enumerate(pts.geometry):
        if geom is None or geom.is_empty:
            raise UsageError(f"Point row {i} ({labels[i]!r}) has no geometry; drop it or give it a location.")
        p = geom if geom.geom_type == "Point" else geom.representative_point()
        nodes.append(add_point(H, p.x, p.y, name=f"__pm{i}"))
    if to == "points":
        dest, cols = nodes, labels
    elif to == "zones":
        dest = zone_nodes(H)
        cols = [n[2:] for n in dest]
    else:
        dest = station_nodes(H)
        cols = [n[2:] for n in dest]
    df = _frame(H, nodes, dest, unit, cutoff_min)
    df.index = pd.Index(labels, name="origin")
    df.columns = pd.Index(cols, name="destination")
    _describe(df, G, [], unit)
    return df


def hex_grid(bounds: Sequence[float], size_m: float) -> gpd.GeoDataFrame:
    """A flat-topped hexagon grid covering ``bounds``, built in UTM 49N, returned in EPSG:4326.

    Parameters
    ----------
    bounds : (min_lon, min_lat, max_lon, max_lat)
        WGS-84 bounding box.
    size_m : float
        Hexagon side length (= circumradius) in metres; centres of neighbouring hexagons are
        ``size_m * sqrt(3)`` apart and each cell covers ``2.598 * size_m**2`` m².

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``hex_id`` (``"h<col>_<row>"``), ``lon``, ``lat`` (cell centre) and hexagon geometry.

    Raises
    ------
    UsageError
        Bad bounds or size, or more than 200,000 cells.

    Examples
    --------
    >>> g = hex_grid((112.90, 28.15, 112.95, 28.20), 1000)
    >>> len(g) > 10, g.crs.to_string()
    (True, 'EPSG:4326')
    """
    try:
        x0, y0, x1, y1 = (float(b) for b in bounds)
        size = float(size_m)
    except (TypeError, ValueError):
        raise UsageError("hex_grid needs bounds=(min_lon, min_lat, max_lon, max_lat) and a size in metres.") from None
    if not all(math.isfinite(v) for v in (x0, y0, x1, y1, size)) or x1 <= x0 or y1 <= y0 or size <= 0:
        raise UsageError(
            f"hex_grid bounds {tuple(bounds)!r} / size {size_m!r} are invalid; give min < max and a size > 0 m."
        )
    box = gpd.GeoSeries.from_xy([x0, x1], [y0, y1], crs="EPSG:4326").to_crs(UTM_CRS)
    bx0, by0 = box.x.min(), box.y.min()
    bx1, by1 = box.x.max(), box.y.max()
    dx, dy = 1.5 * size, math.sqrt(3) * size
    ncol = math.ceil((bx1 - bx0) / dx) + 1
    nrow = math.ceil((by1 - by0) / dy) + 1
    if ncol * nrow > 200_000:
        raise UsageError(f"hex_grid would make {ncol * nrow} cells; use a larger size_m (metres).")
    ang = np.deg2rad(np.arange(7) * 60.0)  # six corners and the closing one
    ox, oy = size * np.cos(ang), size * np.sin(ang)
    col, row = np.divmod(np.arange(ncol * nrow), nrow)  # column-major: the order of the cell ids
    cx = bx0 + col * dx
    cy = by0 + row * dy + np.where(col % 2 == 1, dy / 2, 0.0)
    rings = np.stack([cx[:, None] + ox[None, :], cy[:, None] + oy[None, :]], axis=-1)
    polys = shapely.polygons(rings)
    ids = [f"h{c}_{r}" for c, r in zip(col.tolist(), row.tolist(), strict=True)]
    g = gpd.GeoDataFrame({"hex_id": ids}, geometry=polys, crs=UTM_CRS).to_crs("EPSG:4326")
    centres = gpd.GeoSeries.from_xy(cx, cy, crs=UTM_CRS).to_crs("EPSG:4326")
    g["lon"] = centres.x.to_numpy()
    g["lat"] = centres.y.to_numpy()
    return g[["hex_id", "lon", "lat", "geometry"]]


def _percentile_list(percentiles: float | Sequence[float] | None) -> list[float]:
    """Percentiles of a window query as a list (default: the median)."""
    if percentiles is None:
        return [50.0]
    if isinstance(percentiles, int | float):
        return [float(percentiles)]
    return [float(p) for p in percentiles]
