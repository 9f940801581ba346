"""Which stations, line sections and road corridors matter most for cross-city travel?

Each element is *closed* in turn and the cross-city measures recomputed with the compiled engine:

* **station** ``S:<id>``: every edge at the station node is removed -- boarding, alighting,
  walking links and access links -- so nobody can enter, leave or change there; trains still run
  through it (the in-vehicle edges between platforms stay, dwell included).
* **section** (``section_id``): the in-vehicle edges of that section, both directions, every service.
* **road** corridor (``road_id``): every road edge of that road, both directions.

Metric
------
Over all cross-city zone pairs (i in city A, j in city B ≠ A, the six ordered city pairs pooled),
each weighted by ``pop_i × pop_j`` (districts without a population figure excluded):

* ``index_loss`` -- drop of the integration index (population-weighted mean of ``exp(-t/τ)``,
  τ = 30 min; :mod:`cztmap.analysis.integration`) caused by the closure, **the ranking key**;
* ``mean_increase_min`` -- increase of the population-weighted mean cross-city time over the pairs
  still connected, and ``disconnected_share`` -- weight share of pairs left with no route.

Elements are ranked by ``index_loss`` (then ``mean_increase_min``). With ``level="zone"`` (default)
only elements on the shortest paths between district seats can score; ``level="grid"`` (population
hexagons, :func:`cztmap.analysis.integration.grid_population`) sees more but takes ≈ 100 × longer.

Examples
--------
>>> from cztmap.network.build import build_graph
>>> from cztmap.analysis.criticality import criticality
>>> top = criticality(build_graph(as_of="2023-06-28"), kinds=("road",), top=3)
>>> list(top.columns[:4])
['rank', 'kind', 'element', 'name']
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, Literal

import networkx as nx
import numpy as np
import pandas as pd

from cztmap._progress import track
from cztmap.analysis.integration import CITIES, GRID_SIZE_M, TAU_MIN, analysis_units
from cztmap.errors import UsageError
from cztmap.network.engine import compile_graph

__all__ = ["KINDS", "criticality"]

KINDS: tuple[str, ...] = ("station", "section", "road")


def _cross_weights(units: pd.DataFrame) -> np.ndarray:
    pop = units["population"].to_numpy(dtype=float)
    pop = np.where(np.isfinite(pop), pop, 0.0)
    city = units["city"].to_numpy()
    w = np.outer(pop, pop)
    w[city[:, None] == city[None, :]] = 0.0
    w[:, ~np.isin(city, CITIES)] = 0.0
    return w


def _measures(t_min: np.ndarray, w: np.ndarray, tau: float) -> tuple[float, float, float]:
    tot = w.sum()
    finite = np.isfinite(t_min)
    index = float((np.exp(-np.where(finite, t_min, np.inf) / tau) * w).sum() / tot)
    wf = w * finite
    mean = float((np.where(finite, t_min, 0.0) * wf).sum() / wf.sum()) if wf.sum() > 0 else math.nan
    disc = float((w * ~finite).sum() / tot)
    return index, mean, disc


def _elements(G: nx.MultiDiGraph, kinds: Iterable[str]) -> dict[tuple[str, str], tuple[str, set[tuple[Any, Any, Any]]]]:
    out: dict[tuple[str, str], tuple[str, set[tuple[Any, Any, Any]]]] = {}
    sections: dict[str, set[tuple[Any, Any, Any]]] = defaultdict(set)
    roads: dict[str, set[tuple[Any, Any, Any]]] = defaultdict(set)
    names: dict[str, str] = {}
    for u, v, k, d in G.edges(keys=True, data=True):
        sid = d.get("section_id")
        if sid is not None and d.get("mode") not in ("board", "alight", "walk", "access", "road"):
            sections[sid].add((u, v, k))
            names.setdefault(
                sid, f"{G.nodes[u].get('name_zh', '')}–{G.nodes[v].get('name_zh', '')} ({d.get('line_id', '')})"
            )
        if d.get("mode") == "road" and d.get("road_id") is not None:
            roads[d["road_id"]].add((u, v, k))
            names.setdefault(d["road_id"], str(d.get("name", "")))
    if "station" in kinds:
        for n, d in G.nodes(data=True):
            if d.get("kind") == "station":
                edges = {(u, v, k) for u, v, k in G.in_edges(n, keys=True)} | {
                    (u, v, k) for u, v, k in G.out_edges(n, keys=True)
                }
                out[("station", d.get("station_id", n[2:]))] = (f"{d.get('name_zh', '')} ({d.get('city', '')})", edges)
    if "section" in kinds:
        for sid in sorted(sections):
            out[("section", sid)] = (names[sid], sections[sid])
    if "road" in kinds:
        for rid in sorted(roads):
            out[("road", rid)] = (names[rid], roads[rid])
    return out


def criticality(
    G: nx.MultiDiGraph,
    *,
    kinds: Iterable[str] = KINDS,
    top: int | None = None,
    tau_min: float = TAU_MIN,
    level: Literal["zone", "grid"] = "zone",
    grid_size_m: float = GRID_SIZE_M,
) -> pd.DataFrame:
    """Rank network elements by the loss of cross-city reachability when each is closed.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Graph built with zones.
    kinds : iterable of {"station", "section", "road"}
        Element kinds to test.
    top : int, optional
        Keep only the ``top`` highest-ranked rows.
    tau_min : float
        τ of the integration index (minutes).
    level : {"zone", "grid"}
        Origins/destinations: district seats (fast) or population hexagons (slow).
    grid_size_m : float
        Hexagon side for ``level="grid"``.

    Returns
    -------
    pandas.DataFrame
        ``rank``, ``kind``, ``element`` (station id, section id or road id), ``name``,
        ``index_before``, ``index_after``, ``index_loss``, ``index_loss_pct``,
        ``mean_increase_min``, ``disconnected_share``, ``edges_removed``; sorted by rank.
        ``attrs["elapsed_s"]`` is the run time, ``attrs["tested"]`` the number of elements.

    Raises
    ------
    UsageError
        Unknown kind, bad ``top``, a graph without zones.

    Examples
    --------
    >>> from cztmap.network.build import build_graph
    >>> r = criticality(build_graph(as_of="2023-06-28"), kinds=["section"], top=5)
    >>> len(r), bool((r.index_loss.diff().dropna() <= 1e-12).all())
    (5, True)
    """
    t0 = time.perf_counter()
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    bad = sorted(set(kinds) - set(KINDS))
    if bad or not kinds:
        raise UsageError(f"Unknown kind(s) {', '.join(bad) or '(none given)'}; choose from {', '.join(KINDS)}.")
    if top is not None and (not isinstance(top, int) or isinstance(top, bool) or top < 1):
        raise UsageError(f"`top` must be a positive integer, not {top!r}.")
    if not (isinstance(tau_min, (int, float)) and math.isfinite(tau_min) and tau_min > 0):
        raise UsageError(f"`tau_min` must be a finite number of minutes > 0, not {tau_min!r}.")
    H, orig, dest, units = analysis_units(G, level=level, grid_size_m=grid_size_m)
    w = _cross_weights(units)
    if w.sum() <= 0:
        raise UsageError("No populated zones in two different cities; criticality needs district populations.")

    def run(closed: set[tuple[Any, Any, Any]] | None) -> np.ndarray:
        if closed is None:
            cg = compile_graph(H)
        else:

            def weight(u: Any, v: Any, data: dict[Any, dict[str, Any]]) -> float | None:
                best = None
                for k, d in data.items():
                    if (u, v, k) not in closed:
                        t = d["travel_time"]
                        best = t if best is None or t < best else best
                return best

            cg = compile_graph(H, weight, cache=False)
        m = cg.distances(orig, dest) / 60.0
        np.fill_diagonal(m, 0.0)
        return m

    base_index, base_mean, base_disc = _measures(run(None), w, tau_min)
    rows = []
    for (kind, eid), (name, edges) in track(_elements(H, kinds).items(), "criticality: closing elements"):
        idx, mean, disc = _measures(run(edges), w, tau_min)
        rows.append(
            {
                "kind": kind,
                "element": eid,
                "name": name,
                "index_before": base_index,
                "index_after": idx,
                "index_loss": base_index - idx,
                "index_loss_pct": 100 * (base_index - idx) / base_index,
                "mean_increase_min": mean - base_mean,
                "disconnected_share": disc - base_disc,
                "edges_removed": len(edges),
            }
        )
    cols = [
        "rank",
        "kind",
        "element",
        "name",
        "index_before",
        "index_after",
        "index_loss",
        "index_loss_pct",
        "mean_increase_min",
        "disconnected_share",
        "edges_removed",
    ]
    if not rows:
        out = pd.DataFrame(columns=cols)
    else:
        out = pd.DataFrame(rows).sort_values(["index_loss", "mean_increase_min"], ascending=False, kind="stable")
        out.insert(0, "rank", np.arange(1, len(out) + 1))
        out = out.reset_index(drop=True)[cols]
    tested = len(out)
    if top is not None:
        out = out.head(top)
    out.attrs.update(
        elapsed_s=time.perf_counter() - t0,
        tested=tested,
        tau_min=float(tau_min),
        level=level,
        as_of=G.graph.get("as_of"),
        period=G.graph.get("period"),
    )
    return out
