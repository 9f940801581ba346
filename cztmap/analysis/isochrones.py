"""Isochrones: the area reachable from an origin within travel-time budgets.

Method
------
1. The origin (a station name/id, or a ``(lon, lat)`` place that is linked to the network like a
   district seat) is searched with one compiled Dijkstra run (:func:`cztmap.network.engine.single_source`)
   with ``cutoff`` = the largest budget.
2. Every reached *place* node -- stations (street level, after alighting), district seats and user
   points, plus the origin itself -- with time ``t <= T`` gets a disc whose radius is the distance
   covered in the remaining time ``T - t``:

   * ``speed_beyond="walk"`` (default): ``walk_speed_mps / walk_detour`` (1.2 m/s on streets
     1.3 × longer than the straight line ⇒ ≈ 0.92 m/s, 55 m per minute, as the crow flies);
   * ``speed_beyond="access"``: the feeder speed of the access model, ``access_speed_kmh /
     access_detour`` (20 km/h / 1.3 ⇒ ≈ 256 m per minute), for "by bus/taxi from the station".

   Platform nodes are skipped (a train passing a station does not let you out there), and so are
   road nodes (expressway anchor points are not places one can walk away from).
3. The discs are unioned per budget, buffered in UTM zone 49N (EPSG:32649, metres), and the
   result returned in EPSG:4326. Budgets are then made to nest exactly (30 ⊂ 45 ⊂ 60) by unioning
   each smaller polygon into the next larger one (they nest in theory; the union removes
   floating-point slivers).

The result is a coverage estimate, not a street-level isochrone: away from stations the real
street network, rivers and barriers are ignored.

Examples
--------
>>> from cztmap.network.build import build_graph
>>> from cztmap.analysis.isochrones import isochrones
>>> G = build_graph(as_of="2023-06-28")
>>> iso = isochrones(G, "湘潭北站", minutes=(30, 60))
>>> list(iso["minutes"]), iso.crs.to_string()
([30, 60], 'EPSG:4326')
>>> bool(iso.geometry.iloc[1].contains(iso.geometry.iloc[0]))
True
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Iterable, Sequence
from typing import Any, Literal

import geopandas as gpd
import networkx as nx
import numpy as np
from shapely.geometry import MultiPolygon, Polygon
from shapely.ops import unary_union

from cztmap.analysis.matrix import _percentile_list
from cztmap.errors import UsageError
from cztmap.geo import UTM_CRS
from cztmap.network.build import add_point
from cztmap.network.engine import single_source
from cztmap.network.validate_graph import check_graph
from cztmap.params import DEFAULTS, Params

__all__ = ["UTM_CRS", "check_budgets", "isochrones", "resolve_origin"]

_PLACE_KINDS = ("station", "zone", "point")


#: The largest travel-time budget accepted (minutes): one day.
MAX_BUDGET_MIN = 1440


def minutes_argument(
    minutes: Any, budgets: Any, *, where: str, default: Sequence[float] = (30, 45, 60, 90)
) -> list[float]:
    """The ``minutes=`` argument of an analysis function, accepting its deprecated name ``budgets=``.

    Parameters
    ----------
    minutes : sequence of float or None
        The new argument (None: not given).
    budgets : sequence of float or None
        The old name (None: not given); it warns and goes in 0.3.
    where : str
        The calling function's name, for the messages.
    default : sequence of float
        Used when neither is given.

    Returns
    -------
    list of float
        Validated by :func:`check_budgets` (sorted, unique).

    Raises
    ------
    UsageError
        Both names given, or a bad budget.

    Examples
    --------
    >>> minutes_argument([60, 30], None, where="f")
    [30.0, 60.0]
    >>> minutes_argument(None, None, where="f", default=(45,))
    [45.0]
    """
    if budgets is not None:
        if minutes is not None:
            raise UsageError(f"{where}() got both minutes= and budgets= (its old name); give minutes= only.")
        warnings.warn(
            f"{where}(budgets=...) is now {where}(minutes=...); the old name goes in 0.3.",
            DeprecationWarning,
            stacklevel=3,
        )
        minutes = budgets
    return check_budgets(default if minutes is None else minutes, argument="minutes")


def check_budgets(minutes: Any, *, argument: str = "minutes") -> list[float]:
    """Validate travel-time budgets (minutes): numbers, finite, > 0; returned sorted and unique.

    Examples
    --------
    >>> check_budgets((60, 30, 45, 30))
    [30.0, 45.0, 60.0]
    >>> check_budgets([0])
    Traceback (most recent call last):
    ...
    cztmap.errors.UsageError: Budget 0 in `minutes` must be a finite number of minutes > 0, e.g. minutes=(30, 45, 60).
    """
    if isinstance(minutes, (numbers.Number, str)):
        minutes = [minutes]
    try:
        items = list(minutes)
    except TypeError:
        raise UsageError(f"`{argument}` must be a list of minutes, e.g. (30, 45, 60), not {minutes!r}.") from None
    if not items:
        raise UsageError(f"`{argument}` is empty; give at least one budget in minutes, e.g. (30, 45, 60).")
    out = []
    for m in items:
        ok = isinstance(m, numbers.Real) and not isinstance(m, bool)
        if ok:
            ok = math.isfinite(float(m)) and float(m) > 0
        if not ok:
            raise UsageError(
                f"Budget {m!r} in `{argument}` must be a finite number of minutes > 0, e.g. {argument}=(30, 45, 60)."
            )
        if float(m) > MAX_BUDGET_MIN:  # beyond a day the polygons overflow (buffers of 1e300 m) and mean nothing
            raise UsageError(f"Budget {m!r} in `{argument}` is more than a day; give at most {MAX_BUDGET_MIN} minutes.")
        out.append(float(m))
    return sorted(set(out))


def resolve_origin(G: nx.MultiDiGraph, origin: Any, *, params: Params = DEFAULTS) -> tuple[nx.MultiDiGraph, str]:
    """Turn a station name/id, a node id or a ``(lon, lat)`` pair into a node of (a copy of) ``G``.

    Returns ``(graph, node)``; the graph is ``G`` itself unless a point had to be added (then an overlay of
    ``G``, :func:`cztmap.network.names.overlay`: ``G`` itself is never changed).

    Examples
    --------
    >>> from cztmap.network.build import build_graph
    >>> G = build_graph(as_of="2023-06-28")
    >>> resolve_origin(G, "山塘")[1]
    'S:shantang'
    >>> H, n = resolve_origin(G, (112.95, 28.20)); n, H is G
    ('X:origin', False)
    """
    from cztmap.network.names import overlay, resolve_places  # the package's one resolver

    if isinstance(origin, (tuple, list, np.ndarray)) and len(origin) == 2:
        try:
            lon, lat = (float(v) for v in origin)
        except (TypeError, ValueError):
            raise UsageError(f"Origin {origin!r} is not a (longitude, latitude) pair of numbers.") from None
        H = overlay(G)  # never change the caller's graph
        return H, add_point(H, lon, lat, name="origin", params=params, argument="origin")
    if not isinstance(origin, str):
        raise UsageError(f"Origin {origin!r} must be a station name or id, or a (lon, lat) pair in WGS-84.")
    H, (node,) = resolve_places(G, [origin], arguments=["origin"], params=params)
    return H, node


def isochrones(
    G: nx.MultiDiGraph,
    origin: str | tuple[float, float],
    minutes: Sequence[float] | Iterable[float] = (30, 45, 60),
    *,
    speed_beyond: Literal["walk", "access"] = "walk",
    params: Params = DEFAULTS,
    resolution: int = 16,
    window: str | tuple[str, str] | None = None,
    percentiles: float | Sequence[float] | None = None,
    date: str | None = None,
) -> gpd.GeoDataFrame:
    """Areas reachable from ``origin`` within each budget (see the module docstring for the method).

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Graph from :func:`cztmap.network.build.build_graph`.
    origin : str or (lon, lat)
        Station name (zh/en) or id, a node id, or a WGS-84 ``(lon, lat)`` pair.
    minutes : sequence of float
        Budgets in minutes; each must be finite and > 0.
    speed_beyond : {"walk", "access"}
        How the time left at each reached node is spent: walking, or at the feeder access speed.
    params : Params
        Walking/access speeds and detour factors.
    resolution : int
        Segments per quarter circle of each disc.
    window : str or (str, str), optional
        A departure window (``"07:00-09:00"``): the time to each station is the given percentile of the
        timetable travel times over the window (:func:`cztmap.network.routing.window_travel_times`) instead
        of the static expected-wait time; the output gets a ``percentile`` column (one set of nested polygons
        per percentile).
    percentiles : float or sequence of float, optional
        With ``window`` (default 50).
    date : str, optional
        With ``window``: the service day.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per budget, ascending: ``minutes``, ``origin`` (node id), ``n_stations`` (stations
        reached), ``area_km2``, ``speed_beyond``; MultiPolygon geometry in EPSG:4326. Nested:
        each polygon contains the previous one.

    Raises
    ------
    UsageError
        A budget is ≤ 0, NaN, infinite or not a number; unknown ``speed_beyond``; bad origin.
    StationNotFoundError
        Unknown station name (with suggestions).

    Examples
    --------
    >>> from cztmap.network.build import build_graph
    >>> iso = isochrones(build_graph(as_of="2023-06-28"), "Xiangtan North", minutes=[45])
    >>> iso[["minutes", "n_stations"]].iloc[0].tolist()[0]
    45
    """
    check_graph(G)
    budgets = check_budgets(minutes)
    if speed_beyond == "walk":
        speed = params.walk_speed_mps / params.walk_detour
    elif speed_beyond == "access":
        speed = params.access_speed_kmh / 3.6 / params.access_detour
    else:
        raise UsageError(f"Unknown speed_beyond={speed_beyond!r}; use 'walk' or 'access'.")
    H, node = resolve_origin(G, origin, params=params)
    if window is not None:
        return _window_isochrones(H, node, budgets, speed, speed_beyond, resolution, window, percentiles, date, params)
    if percentiles is not None or date is not None:
        raise UsageError("percentiles and date apply to a departure window; give window= too (e.g. '07:00-09:00').")
    reached = single_source(H, node, cutoff=budgets[-1] * 60.0)
    return _polygons(H, node, reached, budgets, speed, speed_beyond, resolution)


def _window_isochrones(
    H: nx.MultiDiGraph,
    node: str,
    budgets: list[float],
    speed: float,
    speed_beyond: str,
    resolution: int,
    window: Any,
    percentiles: Any,
    date: Any,
    params: Params,
) -> gpd.GeoDataFrame:
    """Isochrones at percentiles of the timetable travel times over a departure window."""
    import pandas as pd

    from cztmap.network.routing import window_travel_times

    pcts = _percentile_list(percentiles)
    stations = [n for n, d in H.nodes(data=True) if d.get("kind") == "station"]
    r = window_travel_times(H, [node], stations, window, percentiles=pcts, date=date, params=params)
    parts = []
    for k, p in enumerate(r["percentiles"]):
        t = r["percentile_s"][k, 0]
        reached = {n: float(v) for n, v in zip(stations, t, strict=True) if v <= budgets[-1] * 60.0}
        reached[node] = 0.0
        g = _polygons(H, node, reached, budgets, speed, speed_beyond, resolution)
        g.insert(0, "percentile", p)
        parts.append(g)
    out = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs="EPSG:4326")
    out.attrs["method"] = parts[0].attrs.get("method", "") + f"; timetable window {window}"
    out.attrs["window"] = str(window)
    return out


def _polygons(
    H: nx.MultiDiGraph,
    node: str,
    reached: dict[Any, float],
    budgets: list[float],
    speed: float,
    speed_beyond: str,
    resolution: int,
) -> gpd.GeoDataFrame:
    names, xs, ys, ts, kinds = [], [], [], [], []
    for n, t in reached.items():
        d = H.nodes[n]
        # places count where trips *arrive* (their ``:in`` node); the origin itself at t = 0
        place_ok = d.get("kind") == "station" or (d.get("kind") in _PLACE_KINDS and d.get("role") == "destination")
        if place_ok or n == node:
            names.append(n)
            xs.append(d["x"])
            ys.append(d["y"])
            ts.append(t)
            kinds.append(d.get("kind"))
    pts = gpd.GeoSeries.from_xy(xs, ys, crs="EPSG:4326").to_crs(UTM_CRS)
    t_arr = np.asarray(ts)
    is_station = np.asarray([k == "station" for k in kinds])
    utm_shapes = []
    rows = []
    for T in budgets:
        left = T * 60.0 - t_arr
        keep = left > 0
        discs = pts[keep].buffer(left[keep] * speed, quad_segs=resolution)
        utm_shapes.append(unary_union(list(discs)) if len(discs) else Polygon())
        rows.append(
            {
                "minutes": int(T) if float(T).is_integer() else T,
                "origin": node,
                "n_stations": int((is_station & (t_arr <= T * 60.0)).sum()),
                "speed_beyond": speed_beyond,
            }
        )
    # nest in the output CRS: union every smaller polygon into the next larger one
    geoms = []
    prev = None
    for g in gpd.GeoSeries(utm_shapes, crs=UTM_CRS).to_crs("EPSG:4326"):
        g = g if prev is None else unary_union([g, prev])
        prev = g
        geoms.append(g if isinstance(g, MultiPolygon) else MultiPolygon([g] if not g.is_empty else []))
    out = gpd.GeoDataFrame(rows, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"), crs="EPSG:4326")
    out.insert(3, "area_km2", (out.geometry.to_crs(UTM_CRS).area / 1e6).round(3))
    out.attrs["method"] = f"reached nodes + remaining time at {speed:.3f} m/s ({speed_beyond}), buffered in {UTM_CRS}"
    return out
