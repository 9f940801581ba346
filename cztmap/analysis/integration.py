"""How integrated are Changsha, Zhuzhou and Xiangtan? Cross-city reach and zone accessibility.

Both measures use the district × district door-to-door matrix (:func:`cztmap.analysis.matrix.zone_matrix`:
district seat → access → network → access → district seat) and district populations as weights.
Districts with no population figure are left out of every weight and listed in the result's
``attrs["population_missing"]``.

Cross-city table (:func:`cross_city_table`)
    For an ordered city pair A → B, every zone pair (i in A, j in B) is weighted by
    ``pop_i × pop_j`` -- the number of (resident of A, resident of B) pairs it represents:

    * ``share_<T>min`` -- share of B's population reachable within T minutes, averaged over A's
      population: ``Σ_i pop_i Σ_j pop_j [t_ij ≤ T] / (Σ_i pop_i · Σ_j pop_j)``;
    * ``median_min`` / ``mean_min`` -- population-weighted median and mean door-to-door time;
    * ``integration_index`` -- population-weighted mean of ``exp(-t_ij / τ)``, τ = 30 min by default.

    Why this index: it lies in [0, 1] (1 = everyone in A is next to everyone in B); unlike a
    threshold share it responds to *every* minute saved on every pair, so a line that cuts 70 → 50
    minutes counts even if no pair crosses a budget; and it is the negative-exponential decay of the
    classic gravity/Hansen accessibility measure. τ = 30 min is an assumption (no calibrated
    Chang-Zhu-Tan trip-distribution decay was found): a 30-minute trip weighs 0.37, 60 minutes
    0.14, 90 minutes 0.05, so the index is sensitive across the range of the budgets in the table.
    Change it with ``tau_min=``.

Resolution (``level=``)
    ``"zone"`` (default) uses one point per district, its government seat: fast, but blind to a
    line that serves no seat -- the West Ring (湘潭北站–山塘) changes **no** seat-to-seat time.
    ``"grid"`` uses ≈ 1,200 hexagon centres (3 km side) carrying the district population spread
    uniformly over its area (:func:`grid_population`); it sees such lines, at the price of the
    uniform-density assumption.

Accessibility (:func:`accessibility`)
    Per zone: cumulative opportunities (population by default) reachable within each budget,
    the zone itself included, and a gravity measure ``Σ_j O_j f(t_ij)`` with
    ``f(t) = exp(-β t)`` (``decay="exp"``, β per minute, default 1/30) or ``f(t) = max(t, 1)^-β``
    (``decay="power"``, default β = 1); ``t`` in minutes.

Examples
--------
>>> from cztmap.network.build import build_graph
>>> from cztmap.analysis.integration import cross_city_table
>>> tab = cross_city_table(build_graph(as_of="2023-06-28"))
>>> sorted(set(tab.origin_city))
['Changsha', 'Xiangtan', 'Zhuzhou']
>>> bool(((tab.integration_index > 0) & (tab.integration_index < 1)).all())
True
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import networkx as nx
import numpy as np
import pandas as pd

from cztmap.analysis.isochrones import minutes_argument
from cztmap.analysis.matrix import _percentile_list, hex_grid, zone_matrix
from cztmap.errors import UsageError
from cztmap.network.build import add_points, build_graph, sink
from cztmap.network.engine import travel_time_matrix
from cztmap.network.validate_graph import check_graph
from cztmap.params import DEFAULTS, Params

__all__ = [
    "CITIES",
    "GRID_SIZE_M",
    "POPULATION_SURFACE",
    "TAU_MIN",
    "accessibility",
    "analysis_units",
    "cross_city_from_matrix",
    "cross_city_table",
    "grid_population",
    "reach_table",
    "station_coverage",
    "zone_table",
]

CITIES = ("Changsha", "Zhuzhou", "Xiangtan")
#: Default decay constant of the integration index (minutes); see the module docstring.
TAU_MIN = 30.0
#: Default hexagon side (m) of ``level="grid"``: ≈ 23 km² cells, ≈ 1,200 over the three cities.
GRID_SIZE_M = 3000.0
#: How grid population is distributed (copied into the ``attrs`` of every grid table; print it with results).
#: No sourced finer surface (WorldPop/GHS extract) ships with any installable package or public repository
#: found; the districts' 2020 census figures are spread evenly over their area.
POPULATION_SURFACE = {
    "population_surface": "uniform within each district",
    "population_surface_note": "2020 census district totals spread evenly over each district's area; "
    "no finer sourced population surface is embedded",
}


def zone_table(G: nx.MultiDiGraph, zones: Iterable[str] | None = None) -> pd.DataFrame:
    """Zones of ``G`` with ``adcode``, ``name_zh``, ``name_en``, ``city``, ``population`` (NaN if unknown).

    Examples
    --------
    >>> from cztmap.network.build import build_graph
    >>> zt = zone_table(build_graph(as_of="2023-06-28"))
    >>> len(zt), int(zt.population.isna().sum())
    (23, 0)
    """
    nodes = [n for n, d in G.nodes(data=True) if d.get("kind") == "zone" and d.get("role", "origin") == "origin"]
    if zones is not None:
        want = {str(z).removeprefix("Z:") for z in zones}
        unknown = sorted(want - {n[2:] for n in nodes})
        if unknown:
            raise UsageError(
                f"Unknown zone adcode(s) {', '.join(unknown)} in `zones`; use adcodes of Dataset.districts."
            )
        nodes = [n for n in nodes if n[2:] in want]
    if not nodes:
        raise UsageError("The graph has no zone nodes; build it with build_graph(..., zones=True).")
    rows = []
    for n in nodes:
        d = G.nodes[n]
        p = d.get("population")
        try:
            p = float(p) if p is not None else math.nan
        except (TypeError, ValueError):
            p = math.nan
        if not (p == p and p > 0):
            p = math.nan
        rows.append(
            {
                "adcode": n[2:],
                "kind": d.get("district_kind", ""),
                "name_zh": d.get("name_zh", ""),
                "name_en": d.get("name_en", ""),
                "city": d.get("city", ""),
                "population": p,
            }
        )
    return pd.DataFrame(rows)


def _missing(zt: pd.DataFrame) -> list[str]:
    return [f"{r.adcode} {r.name_zh} ({r.name_en})" for r in zt.itertuples() if r.population != r.population]


def _wmedian(values: np.ndarray, weights: np.ndarray) -> float:
    if weights.sum() <= 0:
        return math.nan
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order]
    cum = np.cumsum(w)
    return float(v[np.searchsorted(cum, 0.5 * cum[-1])])


def grid_population(size_m: float = GRID_SIZE_M, *, districts: Any = None) -> Any:
    """Hexagon centres over the districts, each carrying an equal share of its district's population.

    Population is spread **uniformly over each district's area** (no finer population data is
    embedded; ``attrs`` carries :data:`POPULATION_SURFACE` so that outputs can say so): a hexagon
    whose centre lies in district d gets ``pop_d / n_d`` where ``n_d`` is the
    number of hexagon centres in d. A district too small to hold a centre gets one point at its seat.
    Districts without a population figure get NaN.

    Parameters
    ----------
    size_m : float
        Hexagon side in metres (see :func:`cztmap.analysis.matrix.hex_grid`).
    districts : GeoDataFrame, optional
        Default: the embedded districts layer.

    Returns
    -------
    geopandas.GeoDataFrame
        Points (EPSG:4326) with ``unit_id``, ``adcode``, ``city``, ``population``.

    Examples
    --------
    >>> g = grid_population(5000)
    >>> from cztmap.data.dataset import load_dataset
    >>> bool(abs(g.population.sum() - load_dataset().districts.population.sum()) < 1)
    True
    >>> g.attrs["population_surface"]
    'uniform within each district'
    """
    import geopandas as gpd

    if districts is None:
        from cztmap.data.dataset import load_dataset

        districts = load_dataset().districts
    d = districts[["adcode", "city", "population", "seat_lon", "seat_lat", "geometry"]]
    hexes = hex_grid(tuple(d.total_bounds), size_m)
    pts = gpd.GeoDataFrame(
        {"unit_id": hexes["hex_id"]}, geometry=gpd.points_from_xy(hexes.lon, hexes.lat), crs="EPSG:4326"
    )
    j = gpd.sjoin(pts, d[["adcode", "geometry"]], how="inner", predicate="within")
    j = j[~j.index.duplicated(keep="first")].drop(columns="index_right")
    extra = [r for r in d.itertuples() if r.adcode not in set(j["adcode"])]
    if extra:
        j = pd.concat(
            [
                j,
                gpd.GeoDataFrame(
                    {"unit_id": [f"seat{r.adcode}" for r in extra], "adcode": [r.adcode for r in extra]},
                    geometry=gpd.points_from_xy([r.seat_lon for r in extra], [r.seat_lat for r in extra]),
                    crs="EPSG:4326",
                ),
            ]
        )
    info = d.set_index("adcode")
    n = j.groupby("adcode")["unit_id"].transform("count")
    pop = info["population"].astype(float)
    j["city"] = j["adcode"].map(info["city"])
    j["population"] = j["adcode"].map(pop).to_numpy() / n.to_numpy()
    out = j.reset_index(drop=True)[["unit_id", "adcode", "city", "population", "geometry"]]
    out.attrs.update(POPULATION_SURFACE)
    return out


def analysis_units(
    G: nx.MultiDiGraph,
    *,
    level: Literal["zone", "grid"] = "zone",
    zones: Iterable[str] | None = None,
    grid_size_m: float = GRID_SIZE_M,
    params: Params = DEFAULTS,
) -> tuple[nx.MultiDiGraph, list[str], list[str], pd.DataFrame]:
    """The units of the integration measures: ``(graph, origin nodes, arrival nodes, table)``.

    ``level="zone"``: the district seats (``Z:<adcode>``) of ``G``. ``level="grid"``: hexagon
    centres from :func:`grid_population`, added as points to a copy of ``G``. The table has
    ``adcode``, ``name_zh``, ``name_en``, ``city``, ``population`` in node order.
    """
    check_graph(G)
    zt = zone_table(G, zones)
    if level == "zone":
        orig = [f"Z:{a}" for a in zt["adcode"]]
        return G, orig, [sink(n) for n in orig], zt
    if level != "grid":
        raise UsageError(f"Unknown level {level!r}; use 'zone' (district seats) or 'grid' (population hexagons).")
    grid = _cached_grid(float(grid_size_m))
    grid = grid[grid["adcode"].isin(set(zt["adcode"]))]
    H = G.copy()
    nodes = add_points(
        H, [(p.x, p.y) for p in grid.geometry], names=[f"grid:{u}" for u in grid["unit_id"]], params=params
    )
    names = zt.set_index("adcode")
    tab = pd.DataFrame(
        {
            "adcode": grid["adcode"].to_numpy(),
            "unit_id": grid["unit_id"].to_numpy(),
            "name_zh": grid["adcode"].map(names["name_zh"]).to_numpy(),
            "name_en": grid["adcode"].map(names["name_en"]).to_numpy(),
            "city": grid["city"].to_numpy(),
            "kind": grid["adcode"].map(names["kind"]).to_numpy(),
            "population": grid["population"].to_numpy(),
        }
    )
    tab.attrs.update(POPULATION_SURFACE)
    return H, nodes, [sink(n) for n in nodes], tab


_GRID_CACHE: dict[float, Any] = {}


def _cached_grid(size_m: float) -> Any:
    if not (math.isfinite(size_m) and size_m >= 500):
        raise UsageError(f"`grid_size_m` must be a number of metres >= 500, not {size_m!r}.")
    if size_m not in _GRID_CACHE:
        _GRID_CACHE[size_m] = grid_population(size_m)
    return _GRID_CACHE[size_m]


def unit_matrix(H: Any, origins: Sequence[str], arrivals: Sequence[str]) -> np.ndarray:
    """Minutes from every origin node to every arrival node (compiled engine), diagonal set to 0."""
    m = travel_time_matrix(H, list(origins), list(arrivals)).to_numpy().copy()
    np.fill_diagonal(m, 0.0)
    return m


def cross_city_from_matrix(
    t_min: np.ndarray,
    zt: pd.DataFrame,
    *,
    minutes: Sequence[float] | None = None,
    tau_min: float = TAU_MIN,
    include_within: bool = False,
    budgets: Sequence[float] | None = None,
) -> pd.DataFrame:
    """The cross-city table from a zone × zone matrix in minutes (rows/columns in ``zt`` order).

    The building block of :func:`cross_city_table`, exposed so loops (criticality, scenarios)
    can reuse one matrix. ``minutes`` defaults to (30, 45, 60, 90); ``budgets`` is its deprecated name.
    """
    budgets_l = minutes_argument(minutes, budgets, where="cross_city_from_matrix")
    pop = zt["population"].to_numpy(dtype=float)
    known = np.isfinite(pop)
    city = zt["city"].to_numpy()
    rows = []
    for a in CITIES:
        for b in CITIES:
            if a == b and not include_within:
                continue
            ia = np.flatnonzero((city == a) & known)
            ib = np.flatnonzero((city == b) & known)
            row: dict[str, Any] = {"origin_city": a, "destination_city": b}
            w = np.outer(pop[ia], pop[ib])
            t = t_min[np.ix_(ia, ib)]
            if a == b:  # within a city: leave out the zero-length i == i pairs
                w = w * (1 - np.eye(len(ia)))
            tot = w.sum() if w.size else 0.0
            for T in budgets_l:
                key = f"share_{int(T) if float(T).is_integer() else T}min"
                row[key] = float((w * (t <= T)).sum() / tot) if tot > 0 else math.nan
            flat_t, flat_w = t.ravel(), w.ravel()
            finite = np.isfinite(flat_t)
            row["median_min"] = _wmedian(flat_t[flat_w > 0], flat_w[flat_w > 0]) if tot > 0 else math.nan
            row["mean_min"] = (
                float((flat_t * flat_w).sum() / tot)
                if tot > 0 and finite[flat_w > 0].all()
                else (math.inf if tot > 0 else math.nan)
            )
            row["integration_index"] = float((np.exp(-t / tau_min) * w).sum() / tot) if tot > 0 else math.nan
            row["origin_pop"] = float(pop[ia].sum())
            row["destination_pop"] = float(pop[ib].sum())
            row["pairs"] = int((w > 0).sum())
            rows.append(row)
    return pd.DataFrame(rows)


def cross_city_table(
    G: nx.MultiDiGraph,
    *,
    minutes: Sequence[float] | None = None,
    tau_min: float = TAU_MIN,
    zones: Iterable[str] | None = None,
    include_within: bool = False,
    level: Literal["zone", "grid"] = "zone",
    grid_size_m: float = GRID_SIZE_M,
    window: str | tuple[str, str] | None = None,
    percentiles: float | Sequence[float] | None = None,
    date: str | None = None,
    budgets: Sequence[float] | None = None,
) -> pd.DataFrame:
    """Cross-city reach per ordered city pair (see the module docstring for every definition).

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Graph built with zones (``build_graph(..., zones=True)``).
    minutes : sequence of float, optional
        Time budgets for the ``share_<T>min`` columns (default 30, 45, 60, 90).
    tau_min : float
        Decay constant τ (minutes) of the integration index.
    zones : iterable of str, optional
        Restrict to these adcodes (e.g. the urban core); default every district.
    include_within : bool
        Also report A → A (zone pairs of one city, a zone to itself excluded).
    level : {"zone", "grid"}
        ``"zone"`` (default, fast): one point per district, its government seat. ``"grid"``:
        hexagon centres with the district population spread uniformly over its area
        (:func:`grid_population`) -- slower (≈ 1 s) but sees lines that serve no district seat,
        such as the West Ring.
    grid_size_m : float
        Hexagon side for ``level="grid"``.
    window : str or (str, str), optional
        A departure window (``"07:00-09:00"``): unit-to-unit times are percentiles of the timetable travel
        times over the window (:func:`cztmap.network.routing.window_travel_times`; the static road time is
        the alternative for every departure) instead of the static expected-wait times. The table then has
        one block of rows per percentile, marked in a first column ``percentile``.
    percentiles : float or sequence of float, optional
        With ``window`` (default 50).
    date : str, optional
        With ``window``: the service day.
    budgets : sequence of float, optional
        Deprecated name of ``minutes`` (warns; goes in 0.3).

    Returns
    -------
    pandas.DataFrame
        One row per ordered pair: ``origin_city``, ``destination_city``, ``share_<T>min`` …,
        ``median_min``, ``mean_min``, ``integration_index``, ``origin_pop``, ``destination_pop``,
        ``pairs`` (unit pairs with weight). ``attrs``: ``population_missing``, ``tau_min``, ``as_of``, ``period``.

    Raises
    ------
    UsageError
        Bad budgets or τ, unknown zones, or a graph without zones.

    Examples
    --------
    >>> from cztmap.network.build import build_graph
    >>> tab = cross_city_table(build_graph(as_of="2023-06-28"), minutes=[60])
    >>> row = tab.set_index(["origin_city", "destination_city"]).loc[("Changsha", "Xiangtan")]
    >>> bool(0 <= row.share_60min <= 1)
    True
    >>> tab.attrs["population_missing"]  # every district has its 2020 figure
    []
    """
    check_graph(G)
    mins = minutes_argument(minutes, budgets, where="cross_city_table")
    if not (isinstance(tau_min, (int, float)) and math.isfinite(tau_min) and tau_min > 0):
        raise UsageError(f"`tau_min` must be a finite number of minutes > 0, not {tau_min!r}.")
    H, orig, dest, units = analysis_units(G, level=level, zones=zones, grid_size_m=grid_size_m)
    if window is not None:
        from cztmap.network.routing import window_travel_times

        pcts = _percentile_list(percentiles)
        r = window_travel_times(H, orig, dest, window, percentiles=pcts, date=date)
        blocks = []
        for k, p in enumerate(r["percentiles"]):
            m = r["percentile_s"][k] / 60.0
            np.fill_diagonal(m, 0.0)
            b = cross_city_from_matrix(m, units, minutes=mins, tau_min=tau_min, include_within=include_within)
            b.insert(0, "percentile", p)
            blocks.append(b)
        out = pd.concat(blocks, ignore_index=True)
        out.attrs.update(window=str(window), percentiles=list(r["percentiles"]), timetable=r["timetable"])
    else:
        if percentiles is not None or date is not None:
            raise UsageError("percentiles and date apply to a departure window; give window= too (e.g. '07:00-09:00').")
        m = unit_matrix(H, orig, dest)
        out = cross_city_from_matrix(m, units, minutes=mins, tau_min=tau_min, include_within=include_within)
    out.attrs.update(
        population_missing=_missing(zone_table(G, zones)), tau_min=float(tau_min), **graph_attrs(G, level, len(orig))
    )
    return out


def graph_attrs(G: nx.MultiDiGraph, level: str, units: int) -> dict[str, Any]:
    """The ``attrs`` a cross-city table carries about its network: ``as_of``, ``period``, ``scenario``, ``level``, ``units``.

    Examples
    --------
    >>> import networkx as nx
    >>> graph_attrs(nx.MultiDiGraph(as_of="2024-07-01", period="peak"), "zone", 23)["as_of"]
    '2024-07-01'
    """
    return {
        "as_of": G.graph.get("as_of"),
        "period": G.graph.get("period"),
        "scenario": G.graph.get("scenario"),
        "level": level,
        "units": units,
    }


def accessibility(
    G: nx.MultiDiGraph,
    *,
    minutes: Sequence[float] | None = None,
    decay: Literal["exp", "power"] = "exp",
    beta: float | None = None,
    opportunities: Literal["population"] | Mapping[str, float] | pd.Series = "population",
    other_cities_only: bool = False,
    budgets: Sequence[float] | None = None,
) -> pd.DataFrame:
    """Per-zone accessibility: cumulative opportunities within each budget and a gravity measure.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Graph built with zones.
    minutes : sequence of float, optional
        Time budgets for the ``within_<T>min`` columns (default 30, 45, 60, 90).
    decay : {"exp", "power"}
        ``exp``: ``f(t) = exp(-β t)``; ``power``: ``f(t) = max(t, 1)^-β`` (t in minutes).
    beta : float, optional
        Decay parameter; default 1/30 per minute (``exp``) or 1.0 (``power``).
    opportunities : "population" or mapping adcode → number
        What is counted at each destination zone (default: its population; zones without a
        figure count 0 and are listed in ``attrs["population_missing"]``).
    other_cities_only : bool
        Count only destinations in the other two cities (cross-city accessibility).
    budgets : sequence of float, optional
        Deprecated name of ``minutes`` (warns; goes in 0.3).

    Returns
    -------
    pandas.DataFrame
        Index ``adcode``; columns ``name_zh``, ``name_en``, ``city``, ``population``,
        ``within_<T>min`` …, ``share_<T>min`` … (of all opportunities counted), ``gravity``.

    Raises
    ------
    UsageError
        Bad budgets, decay, beta or opportunities.

    Examples
    --------
    >>> from cztmap.network.build import build_graph
    >>> acc = accessibility(build_graph(as_of="2023-06-28"), minutes=[60])
    >>> bool(acc.loc["430104", "within_60min"] >= acc.loc["430104", "population"])
    True
    """
    check_graph(G)
    mins = minutes_argument(minutes, budgets, where="accessibility")
    if decay not in ("exp", "power"):
        raise UsageError(f"Unknown decay {decay!r}; use 'exp' (exp(-beta*t)) or 'power' (t**-beta).")
    if beta is None:
        beta = 1 / 30 if decay == "exp" else 1.0
    if not (isinstance(beta, (int, float)) and not isinstance(beta, bool) and math.isfinite(beta) and beta > 0):
        raise UsageError(f"`beta` must be a finite number > 0, not {beta!r}.")
    zt = zone_table(G)
    if isinstance(opportunities, str):
        if opportunities != "population":
            raise UsageError(f"Unknown opportunities {opportunities!r}; use 'population' or a mapping adcode → count.")
        opp = zt["population"].fillna(0.0).to_numpy()
        missing = _missing(zt)
    else:
        mp = dict(opportunities)
        unknown = sorted(set(map(str, mp)) - set(zt["adcode"]))
        if unknown:
            raise UsageError(
                f"`opportunities` has unknown adcode(s) {', '.join(unknown)}; key it by Dataset.districts.adcode."
            )
        opp = np.array([float(mp.get(a, 0.0)) for a in zt["adcode"]])
        if (~np.isfinite(opp) | (opp < 0)).any():
            raise UsageError("`opportunities` values must be finite numbers >= 0.")
        missing = [a for a in zt["adcode"] if a not in mp]
    t = zone_matrix(G, list(zt["adcode"])).to_numpy()  # diagonal 0: a zone reaches its own population
    mask = np.ones_like(t, dtype=bool)
    if other_cities_only:
        city = zt["city"].to_numpy()
        mask = city[:, None] != city[None, :]
    o = opp[None, :] * mask
    out = zt.set_index("adcode")
    total = o.sum(axis=1)
    for T in mins:
        lab = int(T) if float(T).is_integer() else T
        out[f"within_{lab}min"] = ((t <= T) * o).sum(axis=1)
    for T in mins:
        lab = int(T) if float(T).is_integer() else T
        out[f"share_{lab}min"] = np.where(total > 0, out[f"within_{lab}min"] / np.where(total > 0, total, 1), np.nan)
    f = np.exp(-beta * t) if decay == "exp" else np.maximum(t, 1.0) ** (-beta)
    out["gravity"] = (np.where(np.isfinite(t), f, 0.0) * o).sum(axis=1)
    out.attrs.update(
        population_missing=missing,
        decay=decay,
        beta=float(beta),
        as_of=G.graph.get("as_of"),
        period=G.graph.get("period"),
    )
    return out


#: The urban core: the urban districts (``kind == "district"``) of the three cities.
CORE_KIND = "district"
#: Modes of :func:`reach_table`: what each label builds.
REACH_MODES: dict[str, str | None] = {"transit": "transit", "car": "car", "both": None}


def reach_table(
    *,
    as_of: str | None = "today",
    period: str = "peak",
    modes: Sequence[str] = ("transit", "car", "both"),
    minutes: Sequence[float] | None = None,
    tau_min: float = TAU_MIN,
    level: Literal["zone", "grid"] = "zone",
    grid_size_m: float = GRID_SIZE_M,
    params: Params = DEFAULTS,
    graphs: Mapping[str, nx.MultiDiGraph] | None = None,
    budgets: Sequence[float] | None = None,
) -> pd.DataFrame:
    """Cross-city reach by mode (transit, car, both) for the urban core and for the whole region.

    ``core`` keeps only units in the urban districts of the three cities (both ends); ``region`` keeps
    every unit. ``transit`` is rail plus feeder buses and walking; ``car`` drives door to door; ``both``
    is the graph with everything (the better of the two, and park-and-ride). Every median and mean is
    population-weighted over (resident of A, resident of B) pairs, and labelled so: ``pop_median_min``,
    ``pop_mean_min``.

    Parameters
    ----------
    as_of, period : str
        Network date and period (as :func:`cztmap.network.build.build_graph`).
    modes : sequence of {"transit", "car", "both"}
        Rows to compute.
    minutes, tau_min, level, grid_size_m
        As :func:`cross_city_table` (``budgets`` is the deprecated name of ``minutes``).
    params : Params
        Model parameters.
    graphs : mapping, optional
        Prebuilt graphs by mode label (for scenarios); missing ones are built.

    Returns
    -------
    pandas.DataFrame
        ``mode``, ``area``, ``origin_city``, ``destination_city``, ``share_<T>min`` …, ``pop_median_min``,
        ``pop_mean_min``, ``integration_index``, ``origin_pop``, ``destination_pop``, ``pairs``.

    Raises
    ------
    UsageError
        An unknown mode label.

    Examples
    --------
    >>> tab = reach_table(as_of="2024-07-01", modes=["car"], minutes=[60])
    >>> list(dict.fromkeys(tab.area)), "pop_median_min" in tab.columns
    (['region', 'core'], True)
    """
    mins = minutes_argument(minutes, budgets, where="reach_table")
    bad = sorted(set(modes) - set(REACH_MODES))
    if bad or not modes:
        raise UsageError(f"Unknown reach mode(s) {', '.join(bad) or '(none)'}; use transit, car or both.")
    frames = []
    G: nx.MultiDiGraph | None = None
    for label in modes:
        G = (graphs or {}).get(label)
        if G is None:
            G = build_graph(as_of=as_of, period=period, modes=REACH_MODES[label], params=params)
        H, orig, dest, units = analysis_units(G, level=level, grid_size_m=grid_size_m, params=params)
        m = unit_matrix(H, orig, dest)
        core = (units["kind"] == CORE_KIND).to_numpy()
        for area, sel in (("region", np.ones(len(units), dtype=bool)), ("core", core)):
            idx = np.flatnonzero(sel)
            tab = cross_city_from_matrix(
                m[np.ix_(idx, idx)], units.iloc[idx].reset_index(drop=True), minutes=mins, tau_min=tau_min
            )
            tab.insert(0, "area", area)
            tab.insert(0, "mode", label)
            frames.append(tab)
    out = pd.concat(frames, ignore_index=True).rename(
        columns={"median_min": "pop_median_min", "mean_min": "pop_mean_min"}
    )
    assert G is not None
    out.attrs.update(
        as_of=G.graph.get("as_of"),
        period=period,
        level=level,
        weighting="population-weighted over resident pairs (pop_i × pop_j)",
        core="urban districts (kind = district) of Changsha, Zhuzhou and Xiangtan",
        population_missing=_missing(zone_table(G)),
    )
    return out


def station_coverage(
    *,
    as_of: str | None = "today",
    distances_km: Sequence[float] = (5, 10, 20),
    grid_size_m: float = 1000.0,
    modes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Share of each city's population with **no** rail station within each straight distance.

    Population is spread over hexagons of ``grid_size_m`` (:func:`grid_population`, even spread per
    district); a station counts if it is open on ``as_of`` (and of one of ``modes``, default any rail).

    Returns
    -------
    pandas.DataFrame
        Index: the three cities and ``region``; columns ``no_station_within_<d>km`` (share 0..1) and
        ``population``.

    Examples
    --------
    >>> cov = station_coverage(as_of="2024-07-01", grid_size_m=3000)
    >>> bool((cov["no_station_within_5km"] >= cov["no_station_within_20km"]).all())
    True
    """
    from cztmap.data.dataset import load_dataset
    from cztmap.data.services import RAIL_MODES
    from cztmap.geo import haversine_m

    ds = load_dataset().filter(as_of) if as_of is not None else load_dataset()
    want = set(modes or RAIL_MODES)
    lines = ds.sections[ds.sections["mode"].isin(want)]
    used = set(lines["from_station"]) | set(lines["to_station"])
    st = ds.stations[ds.stations["station_id"].isin(used)]
    xs = np.array([g.x for g in st.geometry])
    ys = np.array([g.y for g in st.geometry])
    g = _cached_grid(float(grid_size_m))
    pop = g["population"].to_numpy(dtype=float)
    near = np.array([float(np.min(haversine_m(p.x, p.y, xs, ys))) if len(xs) else math.inf for p in g.geometry])
    rows = {}
    for name, sel in [*((c, (g["city"] == c).to_numpy()) for c in CITIES), ("region", np.ones(len(g), bool))]:
        ok = sel & np.isfinite(pop)
        tot = pop[ok].sum()
        row = {f"no_station_within_{d:g}km": float(pop[ok & (near > d * 1000)].sum() / tot) for d in distances_km}
        row["population"] = float(tot)
        rows[name] = row
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.attrs.update(as_of=ds.as_of.isoformat() if ds.as_of else None, grid_size_m=grid_size_m)
    return out
