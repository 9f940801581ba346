"""Validation of a graph where it enters cztmap: a GraphML file, or a graph passed to an API function.

:func:`check_graph` refuses what would otherwise give a silent wrong answer or a crash deep inside a
routing function:

* not a directed multigraph (an undirected graph silently loses directions; a plain ``DiGraph`` has
  no edge keys) -- errors;
* a node without ``x``/``y``, or with a value that is not a finite number, not a longitude in
  [-180, 180] or a latitude in [-90, 90] -- errors;
* coordinates outside Chang-Zhu-Tan (:data:`cztmap.geo.REGION_ROUGH`), including x and y swapped --
  an error, unless the graph says it covers another region (``G.graph["region"] = "any"``);
* an edge without ``travel_time``, or one that is not a finite number >= 0 (text, NaN, inf,
  negative); the same for ``length``, ``wait_time``, ``walk_time`` and ``access_time`` when present
  -- errors;
* an edge faster than :data:`MAX_SPEED_MPS` (length ÷ travel_time, e.g. 44 km in 1 s) -- a
  :class:`~cztmap.errors.CztmapWarning` naming the first such edge and the count.

The check is vectorised (one pass collecting attributes, numpy for the tests): about 20 ms per
100,000 edges.

Examples
--------
>>> import networkx as nx
>>> G = nx.MultiDiGraph()
>>> G.add_node("a", x=112.97, y=28.19); G.add_node("b", x=112.98, y=28.19)
>>> _ = G.add_edge("a", "b", travel_time=float("nan"))
>>> check_graph(G)
Traceback (most recent call last):
...
cztmap.errors.DataError: The graph has an edge ('a', 'b', 0) whose `travel_time` is nan, not a finite number of seconds >= 0; fix or drop that edge.
"""

from __future__ import annotations

import math
import warnings
import weakref
from typing import Any

import networkx as nx
import numpy as np

from cztmap.errors import CztmapWarning, DataError, UsageError
from cztmap.geo import REGION_ROUGH

__all__ = ["MAX_SPEED_MPS", "check_graph"]

#: Edges faster than this (m/s; 170 m/s = 612 km/h, above any train in the region: HSR 350 km/h,
#: the maglev 100 km/h) are warned about as implausible.
MAX_SPEED_MPS = 170.0
#: Edge attributes that, when present, must be finite numbers >= 0 (``travel_time`` is required).
_EDGE_NUMBERS = ("travel_time", "length", "wait_time", "walk_time", "access_time")
_NUMERIC = (int, float, np.integer, np.floating)
#: Graphs already warned about (a warning is given once per graph, not at every call).
_WARNED: weakref.WeakKeyDictionary[Any, tuple[Any, ...]] = weakref.WeakKeyDictionary()


def _where(source: str | None) -> str:
    return source or "The graph"


def _shape(G: Any, where: str) -> None:
    if not isinstance(G, nx.Graph):
        raise UsageError(
            f"{where} is a {type(G).__name__}, not a networkx graph; build one with cztmap.build_graph "
            "or read one with cztmap.io.layers.read_graph."
        )
    if not G.is_directed():
        raise DataError(
            f"{where} is undirected, so every edge would be used both ways and the direction of one-way "
            "roads and of timetabled services would be lost; give a directed graph (networkx.MultiDiGraph) "
            "with one edge per direction."
        )
    if not G.is_multigraph():
        raise DataError(f"{where} is a {type(G).__name__} without edge keys; convert it with networkx.MultiDiGraph(G).")
    if G.number_of_nodes() == 0:
        raise DataError(f"{where} has no nodes; build it with cztmap.build_graph or export a non-empty graph.")


def _bad_number(value: Any) -> bool:
    if value is None or isinstance(value, bool) or not isinstance(value, _NUMERIC):
        return True
    v = float(value)
    return not math.isfinite(v) or v < 0


def _as_floats(values: list[Any]) -> np.ndarray | None:
    """``values`` as float64 if every one is a real number (not bool), else None."""
    if not all(isinstance(v, _NUMERIC) and not isinstance(v, bool) for v in values):
        return None
    return np.asarray(values, dtype=np.float64)


def _coords(nodes: list[Any], attr: str, what: str, where: str) -> np.ndarray:
    vals = [d.get(attr) for _, d in nodes]
    arr = _as_floats(vals)
    if arr is None:
        i = next(i for i, v in enumerate(vals) if v is None or isinstance(v, bool) or not isinstance(v, _NUMERIC))
        got = "no" if vals[i] is None else f"`{attr}` = {vals[i]!r}, not a number as"
        raise DataError(
            f"{where} has a node {nodes[i][0]!r} with {got} `{attr}` ({what}, WGS-84 degrees); "
            "every node needs x (longitude) and y (latitude)."
        )
    bad = ~np.isfinite(arr)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{where} has a node {nodes[i][0]!r} whose `{attr}` is {vals[i]!r}, not a finite {what}; "
            "fix its coordinates (WGS-84 degrees)."
        )
    return arr


def _check_nodes(G: nx.MultiDiGraph, where: str, region: bool) -> None:
    nodes = list(G.nodes(data=True))
    x = _coords(nodes, "x", "longitude", where)
    y = _coords(nodes, "y", "latitude", where)
    w, s, e, n = REGION_ROUGH
    swapped = (y >= w) & (y <= e) & (x >= s) & (x <= n)
    for arr, attr, what, lim in ((x, "x", "longitude", 180.0), (y, "y", "latitude", 90.0)):
        bad = np.abs(arr) > lim
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            hint = " (x and y look swapped: x must be the longitude, y the latitude)" if swapped.mean() > 0.5 else ""
            raise DataError(
                f"{where} has a node {nodes[i][0]!r} whose `{attr}` is {arr[i]:g}, not a {what} in "
                f"[-{lim:g}, {lim:g}]{hint}; fix its coordinates (WGS-84 degrees)."
            )
    if not region:
        return
    out = ~((x >= w) & (x <= e) & (y >= s) & (y <= n))
    if not out.any():
        return
    i = int(np.flatnonzero(out)[0])
    hint = (
        "x and y look swapped (x must be the longitude, y the latitude)"
        if swapped[out].mean() > 0.5
        else "give WGS-84 longitude/latitude, or set the graph attribute region = 'any' if it covers another region"
    )
    raise DataError(
        f"{where} has {int(out.sum())} of {len(nodes)} node(s) outside the Chang-Zhu-Tan region "
        f"{REGION_ROUGH} (first: {nodes[i][0]!r} at x={x[i]:g}, y={y[i]:g}); {hint}."
    )


def _raise_bad_edge(edges: list[Any], vals: list[Any], attr: str, required: bool, where: str) -> None:
    for (u, v, k, _d), val in zip(edges, vals, strict=True):
        if val is None and required:
            raise DataError(
                f"{where} has an edge {(u, v, k)!r} with no `{attr}`; every edge needs its travel time in "
                "seconds (a finite number >= 0) -- fix or drop that edge."
            )
        if val is not None and _bad_number(val):
            unit = "seconds" if attr.endswith("time") else "metres"
            raise DataError(
                f"{where} has an edge {(u, v, k)!r} whose `{attr}` is {val!r}, not a finite number of {unit} "
                ">= 0; fix or drop that edge."
            )


def _check_edges(G: nx.MultiDiGraph, where: str) -> None:
    edges = list(G.edges(keys=True, data=True))
    if not edges:
        return
    arrays: dict[str, np.ndarray] = {}
    for attr in _EDGE_NUMBERS:
        vals = [d.get(attr) for *_, d in edges]
        required = attr == "travel_time"
        if not required and all(v is None for v in vals):
            continue
        arr = _as_floats(vals if required else [0.0 if v is None else v for v in vals])
        if arr is None or not bool(np.all(np.isfinite(arr) & (arr >= 0))):
            _raise_bad_edge(edges, vals, attr, required, where)
        arrays[attr] = arr  # type: ignore[assignment]
    _warn_speeds(edges, arrays, where, G)


def _warn_speeds(edges: list[Any], arrays: dict[str, np.ndarray], where: str, graph: Any = None) -> None:
    if "length" not in arrays:
        return
    length, tt = arrays["length"], arrays["travel_time"]
    with np.errstate(divide="ignore", invalid="ignore"):
        fast = (length > 100.0) & (length > MAX_SPEED_MPS * tt)
    if not fast.any():
        return
    i = int(np.flatnonzero(fast)[0])
    u, v, k, _ = edges[i]
    if graph is not None:
        sig = (len(edges), int(fast.sum()), (u, v, k))
        try:
            if _WARNED.get(graph) == sig:
                return  # said once for this graph already
            _WARNED[graph] = sig
        except TypeError:
            pass
    warnings.warn(
        f"{where} has {int(fast.sum())} edge(s) faster than {MAX_SPEED_MPS * 3.6:.0f} km/h "
        f"(first: {(u, v, k)!r}, {length[i]:.0f} m in {tt[i]:g} s); check their travel_time and length.",
        CztmapWarning,
        stacklevel=3,
    )


def check_graph(G: Any, *, source: str | None = None, region: bool | None = None) -> None:
    """Raise if ``G`` cannot be routed on correctly (see the module docstring for the rules).

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The graph.
    source : str, optional
        How to name the graph in messages, e.g. ``"Graph file 'roads.graphml'"`` (default "The graph").
    region : bool, optional
        Require coordinates in Chang-Zhu-Tan; default: yes unless ``G.graph["region"] == "any"``.

    Raises
    ------
    UsageError
        ``G`` is not a networkx graph.
    DataError
        An undirected or key-less graph, no nodes, a bad coordinate, a node outside the region, or a
        missing or invalid edge time or length; the message names the node or edge and the fix.

    Warns
    -----
    CztmapWarning
        Edges faster than :data:`MAX_SPEED_MPS`.

    Examples
    --------
    >>> from cztmap.network.build import build_graph
    >>> check_graph(build_graph(as_of="2024-07-01", modes=["metro"]))
    """
    where = _where(source)
    _shape(G, where)
    if region is None:
        region = str(G.graph.get("region", "")).lower() != "any"
    _check_nodes(G, where, region)
    _check_edges(G, where)
