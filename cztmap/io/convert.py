"""A cztmap graph as osmnx's own: integer node ids, and back.

cztmap's graphs use readable string node ids (``S:<station>``, ``P:<station>:<service>``, ``Z:<adcode>``,
``O:<osmid>`` for merged streets). osmnx expects integer OSM ids: ``ox.routing.shortest_path`` with two
string scalars takes them for iterables, ``ox.distance.nearest_nodes`` casts its answer to int and
``ox.io.load_graphml`` casts ids to int. :func:`to_osmnx` gives the same graph with

* OpenStreetMap nodes (``O:<osmid>``, or already integer ids) under their **OSM id**, unchanged;
* cztmap's own nodes under **negative integers** (-1, -2, … in sorted order of the readable ids), as
  OSM editors number new objects, with the readable id kept in the node attribute ``ref``;

and every attribute, edge key and graph attribute kept (``G.graph["node_ids"]`` says how ids were made).
:func:`from_osmnx` restores the readable ids (also after ``ox.io.load_graphml``), and
:func:`street_view` keeps only what has a place on the ground (drops zones, the boarding/alighting
and zone-access links) so that ``ox.plot_graph`` draws the network rather than a web of access edges.

Station names stay usable: :func:`cztmap.network.names.resolve_node` works on the converted graph, so
``ox.routing.shortest_path(H, resolve_node(H, "湘潭北"), resolve_node(H, "五一广场"), weight="travel_time")``.

Examples
--------
>>> import osmnx as ox
>>> from cztmap.network.build import build_graph
>>> from cztmap.network.names import resolve_node
>>> H = to_osmnx(build_graph(as_of="2024-07-01"))
>>> a, b = resolve_node(H, "湘潭北站"), resolve_node(H, "五一广场")
>>> isinstance(a, int) and a < 0, H.nodes[a]["ref"]
(True, 'S:xiangtan-north')
>>> path = ox.routing.shortest_path(H, a, b, weight="travel_time")
>>> path[0] == a and path[-1] == b
True
>>> sorted(from_osmnx(H).nodes) == sorted(build_graph(as_of="2024-07-01").nodes)
True
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import networkx as nx

from cztmap._atomic import atomic_path
from cztmap.errors import UsageError

__all__ = ["VIRTUAL_MODES", "from_osmnx", "read_osmnx_graphml", "street_view", "to_osmnx", "write_osmnx_graphml"]

#: Edge modes that are links in the model rather than ways on the ground (dropped by :func:`street_view`).
VIRTUAL_MODES = frozenset({"access", "board", "alight", "egress"})
#: Node kinds that are not places on the ground (dropped by :func:`street_view`).
VIRTUAL_KINDS = frozenset({"zone", "point"})
_OSM_PREFIX = "O:"
_NODE_IDS = "integer: OSM ids kept; cztmap nodes negative, readable id in the node attribute 'ref'"


def _check(G: Any, what: str) -> None:
    if not isinstance(G, nx.MultiDiGraph):
        raise UsageError(f"{what} needs a networkx.MultiDiGraph, got {type(G).__name__}; build one with build_graph().")


def _osm_id(n: Any) -> int | None:
    if isinstance(n, int) and not isinstance(n, bool):
        return n if n >= 0 else None
    if isinstance(n, str) and n.startswith(_OSM_PREFIX) and n[len(_OSM_PREFIX) :].isdigit():
        return int(n[len(_OSM_PREFIX) :])
    return None


def to_osmnx(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The same graph with integer node ids that osmnx accepts as its own.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        From :func:`cztmap.network.build.build_graph`, a scenario, GTFS import or merged streets.

    Returns
    -------
    networkx.MultiDiGraph
        A new graph: OSM nodes keep their OSM id, other nodes get -1, -2, … (sorted readable ids) and a
        ``ref`` attribute with the readable id; ``street_count`` is an int on every node.

    Raises
    ------
    UsageError
        If ``G`` is not a MultiDiGraph, or already uses negative integer ids.

    Examples
    --------
    >>> from cztmap.network.build import build_graph
    >>> G = build_graph(as_of="2024-07-01", zones=False)
    >>> H = to_osmnx(G)
    >>> all(isinstance(n, int) for n in H.nodes), sorted(d["ref"] for _, d in H.nodes(data=True)) == sorted(G.nodes)
    (True, True)
    """
    _check(G, "to_osmnx")
    own = sorted((n for n in G.nodes if _osm_id(n) is None), key=str)
    if any(isinstance(n, int) for n in own):
        raise UsageError("to_osmnx got a graph with negative integer node ids; it is converted already.")
    mapping: dict[Any, int] = {n: -(i + 1) for i, n in enumerate(own)}
    for n in G.nodes:
        if n not in mapping:
            mapping[n] = _osm_id(n)  # type: ignore[assignment]
    H = nx.MultiDiGraph()
    H.graph.update(G.graph)
    H.graph["node_ids"] = _NODE_IDS
    for n, d in G.nodes(data=True):
        attrs = dict(d)
        if n in own or isinstance(n, str):
            attrs["ref"] = str(n)
        attrs["street_count"] = int(attrs.get("street_count") or 0)
        H.add_node(mapping[n], **attrs)
    for u, v, k, d in G.edges(keys=True, data=True):
        H.add_edge(mapping[u], mapping[v], key=k, **d)
    return H


def from_osmnx(H: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Readable string node ids again (``ref``; OSM nodes become ``O:<osmid>`` when the graph has transit).

    A pure OSM graph (no node has a ``ref``) is returned with its ids unchanged.

    Parameters
    ----------
    H : networkx.MultiDiGraph
        A graph from :func:`to_osmnx` (possibly edited with osmnx), or a pure osmnx street graph.

    Returns
    -------
    networkx.MultiDiGraph
        A new graph with the readable ids; ``ref`` is dropped from the nodes and ``node_ids`` from the graph.

    Raises
    ------
    UsageError
        If ``H`` is not a MultiDiGraph.

    Examples
    --------
    >>> from cztmap.network.build import build_graph
    >>> G = build_graph(as_of="2024-07-01", zones=False)
    >>> sorted(from_osmnx(to_osmnx(G)).nodes) == sorted(G.nodes)
    True
    """
    _check(H, "from_osmnx")
    has_ref = any("ref" in d for _, d in H.nodes(data=True))
    mapping: dict[Any, Any] = {}
    for n, d in H.nodes(data=True):
        ref = d.get("ref")
        if isinstance(ref, str) and ref:
            mapping[n] = ref
        elif has_ref and _osm_id(n) is not None:
            mapping[n] = f"{_OSM_PREFIX}{int(n)}"
        else:
            mapping[n] = n
    G = nx.MultiDiGraph()
    G.graph.update({k: v for k, v in H.graph.items() if k != "node_ids"})
    for n, d in H.nodes(data=True):
        G.add_node(mapping[n], **{k: v for k, v in d.items() if k != "ref"})
    for u, v, k, d in H.edges(keys=True, data=True):
        G.add_edge(mapping[u], mapping[v], key=k, **d)
    return G


def street_view(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The part of ``G`` that is on the ground, for ``ox.plot_graph`` and street statistics.

    Drops zone and point nodes (:data:`VIRTUAL_KINDS`) and the edges whose ``mode`` is a model link
    (:data:`VIRTUAL_MODES`: zone access, boarding, alighting); keeps stations, platforms, rail, walking,
    transfer and road edges. Works on string-id and integer-id graphs alike; returns a copy.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        A cztmap graph (string ids) or its :func:`to_osmnx` view.

    Returns
    -------
    networkx.MultiDiGraph
        A copy without virtual nodes and edges, and without nodes left isolated.

    Raises
    ------
    UsageError
        If ``G`` is not a MultiDiGraph.

    Examples
    --------
    >>> from cztmap.network.build import build_graph
    >>> G = build_graph(as_of="2024-07-01")
    >>> S = street_view(G)
    >>> any(d.get("mode") == "access" for *_, d in S.edges(data=True)), S.number_of_nodes() < G.number_of_nodes()
    (False, True)
    """
    _check(G, "street_view")
    S = G.copy()
    S.remove_edges_from([(u, v, k) for u, v, k, d in G.edges(keys=True, data=True) if d.get("mode") in VIRTUAL_MODES])
    S.remove_nodes_from([n for n, d in G.nodes(data=True) if d.get("kind") in VIRTUAL_KINDS])
    S.remove_nodes_from([n for n in list(S.nodes) if S.degree(n) == 0])
    return S


def write_osmnx_graphml(G: nx.MultiDiGraph, path: str | os.PathLike[str]) -> Path:
    """Save ``G`` as GraphML with integer node ids (:func:`to_osmnx`) that ``ox.io.load_graphml`` reads.

    Read it back with ``ox.io.load_graphml(path)`` (osmnx types) or :func:`read_osmnx_graphml`
    (readable ids again).

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The graph to save (string or integer ids).
    path : str or path-like
        Output file; must end in ``.graphml``. Written atomically.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    UsageError
        A path that does not end in ``.graphml``, or ``G`` not a MultiDiGraph.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from cztmap.network.build import build_graph
    >>> G = build_graph(as_of="2024-07-01", zones=False, roads=False)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = write_osmnx_graphml(G, pathlib.Path(d) / "czt.graphml")
    ...     read_osmnx_graphml(p).number_of_nodes() == G.number_of_nodes()
    True
    """
    import osmnx as ox

    p = Path(path)
    if p.suffix.lower() != ".graphml":
        raise UsageError(f"The graph output {str(p)!r} must end in .graphml; rename it.")
    H = to_osmnx(G)
    with atomic_path(p) as tmp:
        ox.io.save_graphml(H, filepath=tmp)
    return p


def read_osmnx_graphml(path: str | os.PathLike[str]) -> nx.MultiDiGraph:
    """Load a GraphML written by :func:`write_osmnx_graphml` with ``ox.io.load_graphml``, readable ids restored.

    Parameters
    ----------
    path : str or path-like
        A ``.graphml`` file written by :func:`write_osmnx_graphml` (or any osmnx GraphML).

    Returns
    -------
    networkx.MultiDiGraph
        The graph with readable string ids (:func:`from_osmnx`).

    Raises
    ------
    UsageError
        The file does not exist.

    Examples
    --------
    See :func:`write_osmnx_graphml`.
    """
    import osmnx as ox

    p = Path(path)
    if not p.is_file():
        raise UsageError(f"The graph file {str(p)!r} does not exist; write it with write_osmnx_graphml().")
    return from_osmnx(ox.io.load_graphml(p))
