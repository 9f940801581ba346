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
hexagons, :func:`cztmap.analysis.integration.grid_population`) sees more but takes longer.

Speed: the graph is compiled once; each closure is an edit of the compiled arrays (no NetworkX
rebuild), and only origins whose shortest-path tree toward the destinations uses a closed edge are
searched again -- the others keep their base distances, which is exact (see
:class:`cztmap.network.engine.PathTrees`).

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
import multiprocessing
import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, Literal

import networkx as nx
import numpy as np
import pandas as pd

from cztmap._progress import track
from cztmap.analysis.integration import CITIES, GRID_SIZE_M, TAU_MIN, analysis_units
from cztmap.errors import UsageError
from cztmap.network.engine import PathTrees, compile_graph, edge_index

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


def _screening_groups(cg: Any, orig: list[str], dest: list[str], w: np.ndarray) -> list[tuple[np.ndarray, PathTrees]]:
    """Origins grouped by the destinations that carry weight for them, each with its pruned trees.

    Only weighted pairs enter the measures (a pair of weight 0 adds exactly 0 whatever its time),
    so an origin needs a new search only if a closure touches its paths to *weighted* destinations
    (e.g. the other two cities); origins without any weighted pair are never searched again.
    """
    pos = w > 0
    keys: dict[bytes, list[int]] = {}
    for i in np.flatnonzero(pos.any(axis=1)):
        keys.setdefault(np.packbits(pos[i]).tobytes(), []).append(int(i))
    out = []
    for members in keys.values():
        cols = np.flatnonzero(pos[members[0]])
        trees = PathTrees(cg, [orig[i] for i in members], [dest[j] for j in cols])
        out.append((np.asarray(members, dtype=np.intp), trees))
    return out


#: What the closure workers need (set before forking a pool, so it is inherited, not pickled).
_STATE: dict[str, Any] = {}


def _closure_measures(edge_ids: list[int]) -> tuple[float, float, float]:
    """``(index, mean, disconnected)`` with ``edge_ids`` closed (reads :data:`_STATE`)."""
    st = _STATE
    cg = st["cg"]
    closed = cg.close_edges(edge_ids)
    pairs = cg.changed_pairs(closed)
    hit = np.zeros(len(st["orig"]), dtype=bool)
    for members, trees in st["groups"]:
        hit[members[trees.affected(*pairs)]] = True
    if not hit.any():
        return st["base_measures"]
    m = st["base"].copy()
    m[hit] = closed.distances(list(st["orig_arr"][hit]), st["dest"])
    m /= 60.0
    np.fill_diagonal(m, 0.0)
    return _measures(m, st["w"], st["tau"])


def _closure_rows(
    H: nx.MultiDiGraph,
    orig: list[str],
    dest: list[str],
    elements: dict[tuple[str, str], tuple[str, set[tuple[Any, Any, Any]]]],
    w: np.ndarray,
    tau_min: float,
    progress: Callable[[int, int], None] | None,
    n_jobs: int = 1,
) -> list[dict[str, Any]]:
    """One row of measures per closed element, on one compiled graph edited per closure.

    Each closure is an edit of the compiled arrays (:meth:`CompiledGraph.close_edges`), and only
    the origins whose shortest-path tree toward their weighted destinations uses a closed edge are
    searched again (:class:`PathTrees`, :func:`_screening_groups`); the others keep their exact base
    distances, so every measure equals the full recomputation bit for bit. ``n_jobs > 1`` spreads
    the closures over forked processes (same numbers).
    """
    cg = compile_graph(H)
    base = cg.distances(orig, dest)
    base_m = base / 60.0
    np.fill_diagonal(base_m, 0.0)
    base_measures = _measures(base_m, w, tau_min)
    eidx = edge_index(H)
    work = [[eidx[e] for e in edges] for _name, edges in elements.values()]
    _STATE.update(
        cg=cg,
        base=base,
        base_measures=base_measures,
        groups=_screening_groups(cg, orig, dest, w),
        orig=orig,
        orig_arr=np.asarray(orig, dtype=object),
        dest=dest,
        w=w,
        tau=tau_min,
    )
    try:
        results = _run_closures(work, progress, n_jobs)
    finally:
        _STATE.clear()
    base_index, base_mean, base_disc = base_measures
    rows = []
    for ((kind, eid), (name, edges)), (idx, mean, disc) in zip(elements.items(), results, strict=True):
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
    return rows


def _run_closures(
    work: list[list[int]], progress: Callable[[int, int], None] | None, n_jobs: int
) -> list[tuple[float, float, float]]:
    total = len(work)
    jobs = min(n_jobs, total)
    if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        out = []
        for done, ids in enumerate(track(work, "criticality: closing elements"), start=1):
            out.append(_closure_measures(ids))
            if progress is not None:
                progress(done, total)
        return out
    from concurrent.futures import ProcessPoolExecutor

    ctx = multiprocessing.get_context("fork")  # workers inherit _STATE (the compiled graph and trees)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        out = []
        results = pool.map(_closure_measures, work, chunksize=max(1, total // (8 * jobs)))
        for done, res in enumerate(track(results, "criticality: closing elements", total=total), start=1):
            out.append(res)
            if progress is not None:
                progress(done, total)
    return out


def criticality(
    G: nx.MultiDiGraph,
    *,
    kinds: Iterable[str] = KINDS,
    top: int | None = None,
    tau_min: float = TAU_MIN,
    level: Literal["zone", "grid"] = "zone",
    grid_size_m: float = GRID_SIZE_M,
    progress: Callable[[int, int], None] | None = None,
    n_jobs: int = 1,
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
    progress : callable, optional
        Called as ``progress(done, total)`` after each element (e.g. to drive a progress bar).
    n_jobs : int
        Processes for the closures (``-1``: one per CPU); the numbers do not depend on it.

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

    elements = _elements(H, kinds)
    if n_jobs == -1:
        n_jobs = os.cpu_count() or 1
    if not isinstance(n_jobs, int) or isinstance(n_jobs, bool) or n_jobs < 1:
        raise UsageError(f"`n_jobs` must be a positive integer or -1 (all CPUs), not {n_jobs!r}.")
    rows = _closure_rows(H, orig, dest, elements, w, tau_min, progress, n_jobs)
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
