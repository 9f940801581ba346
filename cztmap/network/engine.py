"""Compiled array engine for batch shortest paths on a NetworkX graph.

A NetworkX graph is convenient to build and inspect but slow to search: one Dijkstra run over a
200,000-node road graph takes about 2 s in pure Python. :func:`compile_graph` turns the graph into a
:class:`CompiledGraph` -- a node list, a node → index dict and a ``scipy.sparse`` CSR matrix holding,
for every ordered node pair ``(u, v)``, the **minimum** weight over the parallel ``u → v`` edges -- and
the queries below run :func:`scipy.sparse.csgraph.dijkstra` on it (≈ 50 × faster, same results to the
last bit; see ``docs/perf_baselines.md``).

Weights
    ``weight`` is an edge attribute name (default ``"travel_time"``, seconds) or a callable
    ``weight(u, v, data) -> float | None`` with NetworkX semantics: it is called once per connected
    ordered pair ``(u, v)`` with ``data = G[u][v]`` -- for a multigraph that is the dict
    ``{key: edge attributes}`` of all parallel edges -- and returning ``None`` hides the pair. So any
    callable that works with :func:`networkx.single_source_dijkstra` works here, with the same result.
    Weights must be finite and ``>= 0``; a missing, negative, NaN, infinite or non-numeric weight
    raises :class:`~cztmap.errors.DataError` naming the edge and the attribute. (NetworkX silently
    treats a missing attribute as 1; this engine refuses instead.)

Zero weights
    Zero-second edges (e.g. ``alight``) are kept as *explicit* zeros in the CSR matrix;
    ``scipy.sparse.csgraph`` treats an explicitly stored 0 as an edge of length 0 (only an *absent*
    entry means "no edge"). The matrix is assembled directly from ``(data, indices, indptr)`` and never
    passed through ``eliminate_zeros``/``sum_duplicates``, and :func:`compile_graph` checks that every
    reduced edge is still stored. ``tests/test_engine.py`` verifies zero-weight chains against NetworkX.

Caching and its invalidation rule
    The compiled result of a *named* weight is cached per graph object (in a
    :class:`weakref.WeakKeyDictionary`, not in ``G.graph``: ``G.copy()`` shares ``G.graph`` contents
    and osmnx writes ``G.graph`` into GraphML). A cached entry is reused only if the fingerprint
    ``(number_of_nodes, number_of_edges, weight name, digest of the edge-weight array in iteration
    order)`` still matches. Checking it costs one pass over the edge weights (≈ 40 % of a full
    compile: 0.24 s vs 0.58 s at 200k nodes). Any change of the node/edge count or of any weight value is detected; an edit that
    keeps counts and every weight in the same iteration order but rewires endpoints is **not** --
    call :func:`invalidate` after such an edit (or pass ``cache=False``). Callable weights are never
    cached.

Examples
--------
>>> import networkx as nx
>>> from cztmap.network.engine import compile_graph, travel_time_matrix
>>> G = nx.MultiDiGraph()
>>> G.add_edge("a", "b", travel_time=60.0)
0
>>> G.add_edge("a", "b", travel_time=45.0)   # a faster parallel edge
1
>>> G.add_edge("b", "c", travel_time=0.0)    # zero-second transfer
0
>>> cg = compile_graph(G)
>>> cg.distances(["a"], ["b", "c"]).tolist()
[[45.0, 45.0]]
>>> travel_time_matrix(G, ["a", "b"], ["c"])   # minutes
      c
a  0.75
b  0.00
"""

from __future__ import annotations

import hashlib
import math
import os
import weakref
from collections.abc import Callable, Hashable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Literal, NoReturn

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from cztmap.errors import DataError, NoRouteError, UsageError

__all__ = [
    "CompiledGraph",
    "PathTrees",
    "WeightFunc",
    "compile_arrays",
    "compile_graph",
    "edge_index",
    "invalidate",
    "nearest",
    "shortest_path",
    "single_source",
    "travel_time_matrix",
]

WeightFunc = Callable[[Any, Any, dict[Any, Any]], float | None]
"""A NetworkX-style weight callable ``(u, v, data) -> float | None``."""

Weight = str | WeightFunc

#: Largest ``rows × n_nodes`` block of distances materialised at once (float64 → 8 bytes each).
_BLOCK_ELEMENTS = 8_000_000
#: ``backend="auto"`` picks the contraction hierarchy from this many nodes ...
CCH_MIN_NODES = 100_000
#: ... and this many sources and targets (below, Dijkstra beats the CCH's build).
CCH_MIN_PAIRS_SIDE = 200
#: Below ``n_sources × n_edges`` this, a process pool costs more than it saves (≈ 2-3 s of work).
_POOL_MIN_WORK = 60_000_000

_CACHE: weakref.WeakKeyDictionary[nx.Graph, dict[str, tuple[tuple[Any, ...], CompiledGraph]]] = (
    weakref.WeakKeyDictionary()
)


# --------------------------------------------------------------------------------------------------
# compiled graph
# --------------------------------------------------------------------------------------------------
class CompiledGraph:
    """A read-only array form of a weighted directed graph, ready for batch Dijkstra.

    Build it with :func:`compile_graph`; do not call the constructor directly.

    Attributes
    ----------
    nodes : tuple
        Node ids; position ``i`` is matrix row/column ``i``.
    index : dict
        Node id → position in :attr:`nodes`.
    matrix : scipy.sparse.csr_array
        ``n × n`` matrix; entry ``(i, j)`` is the minimum weight over the ``nodes[i] → nodes[j]``
        edges. Explicitly stored zeros are zero-weight edges; absent entries are "no edge".
    weight : str or None
        The attribute name the weights came from, or ``None`` for a callable.
    fingerprint : tuple
        ``(n_nodes, n_edges, weight, digest)`` used by the cache (see the module docstring).
    coords : (numpy.ndarray, numpy.ndarray) or None
        Node ``x``/``y`` (lon/lat) when every node has them; the CCH backend needs them.

    Examples
    --------
    >>> import networkx as nx
    >>> from cztmap.network.engine import compile_graph
    >>> G = nx.DiGraph([(1, 2, {"travel_time": 30.0}), (2, 3, {"travel_time": 20.0})])
    >>> cg = compile_graph(G)
    >>> cg.n_nodes, cg.n_edges
    (3, 2)
    >>> cg.single_source(1)
    {1: 0.0, 2: 30.0, 3: 50.0}
    >>> cg.path(1, 3)
    [1, 2, 3]
    """

    __slots__ = (
        "__weakref__",
        "_edge_w",
        "_frozen",
        "_metric",
        "_topo",
        "_transpose",
        "coords",
        "fingerprint",
        "index",
        "matrix",
        "nodes",
        "weight",
    )

    nodes: tuple[Any, ...]
    index: dict[Any, int]
    matrix: sp.csr_array
    weight: str | None
    fingerprint: tuple[Any, ...]
    _transpose: sp.csr_array | None
    _topo: _Topology | None
    _edge_w: np.ndarray | None
    _metric: Any
    coords: tuple[np.ndarray, np.ndarray] | None

    def __init__(
        self,
        nodes: tuple[Any, ...],
        index: dict[Any, int],
        matrix: sp.csr_array,
        weight: str | None,
        fingerprint: tuple[Any, ...],
        topo: _Topology | None = None,
        edge_w: np.ndarray | None = None,
        coords: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:
        for arr in (matrix.data, matrix.indices, matrix.indptr):
            arr.setflags(write=False)
        if edge_w is not None:
            edge_w.setflags(write=False)
        object.__setattr__(self, "nodes", nodes)
        object.__setattr__(self, "index", index)
        object.__setattr__(self, "matrix", matrix)
        object.__setattr__(self, "weight", weight)
        object.__setattr__(self, "fingerprint", fingerprint)
        object.__setattr__(self, "_transpose", None)
        object.__setattr__(self, "_topo", topo)
        object.__setattr__(self, "_edge_w", edge_w)
        object.__setattr__(self, "coords", coords)
        object.__setattr__(self, "_metric", None)
        object.__setattr__(self, "_frozen", True)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"CompiledGraph is read-only; cannot set {name!r} (compile the graph again instead).")

    def __repr__(self) -> str:
        return f"CompiledGraph(n_nodes={self.n_nodes}, n_edges={self.n_edges}, weight={self.weight!r})"

    def __getstate__(self) -> dict[str, Any]:
        # The edit tables (per-edge weights) stay behind: a pickled graph (e.g. scattered to Dask
        # workers) answers queries; edits are made where the graph was compiled.
        return {
            "nodes": self.nodes,
            "matrix": self.matrix,
            "weight": self.weight,
            "fingerprint": self.fingerprint,
            "coords": self.coords,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        nodes = state["nodes"]
        matrix = state["matrix"].copy()
        index = {n: i for i, n in enumerate(nodes)}
        self.__init__(nodes, index, matrix, state["weight"], state["fingerprint"], coords=state.get("coords"))  # type: ignore[misc]

    # ---- sizes -----------------------------------------------------------------------------------
    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.nodes)

    @property
    def n_edges(self) -> int:
        """Number of stored (reduced) directed edges -- parallel edges count once."""
        return int(self.matrix.nnz)

    @property
    def nbytes(self) -> int:
        """Bytes held by the CSR arrays (not counting the node list and index dict)."""
        m = self.matrix
        return int(m.data.nbytes + m.indices.nbytes + m.indptr.nbytes)

    @property
    def transpose(self) -> sp.csr_array:
        """The reversed graph as CSR (computed once, then kept)."""
        if self._transpose is None:
            t = sp.csr_array(self.matrix.T)  # CSC → CSR conversion keeps explicit zeros
            for arr in (t.data, t.indices, t.indptr):
                arr.setflags(write=False)
            object.__setattr__(self, "_transpose", t)
        return self._transpose

    # ---- node lookup -----------------------------------------------------------------------------
    def positions(self, nodes: Iterable[Any], *, argument: str = "nodes") -> np.ndarray:
        """Matrix positions of ``nodes``.

        Parameters
        ----------
        nodes : iterable of node ids
        argument : str
            Argument name to quote in the error message.

        Returns
        -------
        numpy.ndarray of int

        Raises
        ------
        UsageError
            If a node is not in the graph.

        Examples
        --------
        >>> import networkx as nx
        >>> from cztmap.network.engine import compile_graph
        >>> compile_graph(nx.DiGraph([("a", "b", {"travel_time": 1})])).positions(["b", "a"]).tolist()
        [1, 0]
        """
        index = self.index
        out: list[int] = []
        for n in nodes:
            try:
                out.append(index[n])
            except (KeyError, TypeError):
                raise UsageError(
                    f"Unknown node {n!r} in `{argument}`: it is not in this graph ({self.n_nodes} nodes); "
                    "pass node ids exactly as they appear in G.nodes."
                ) from None
        return np.asarray(out, dtype=np.intp)

    # ---- queries ---------------------------------------------------------------------------------
    def distances(
        self,
        sources: Sequence[Any],
        targets: Sequence[Any] | None = None,
        *,
        cutoff: float | None = None,
        n_jobs: int = 1,
        backend: str = "scipy",
        search: Literal["auto", "forward", "backward"] = "auto",
    ) -> np.ndarray:
        """Shortest-path lengths from every source to every target.

        Parameters
        ----------
        sources : sequence of node ids
        targets : sequence of node ids, optional
            Defaults to all nodes, in :attr:`nodes` order.
        cutoff : float, optional
            Only lengths ``<= cutoff`` are reported; longer ones are ``inf`` (same rule as NetworkX's
            ``cutoff``). Also makes the search stop early.
        n_jobs : int
            Processes to use. ``1`` (default) runs in this process; ``>1`` splits the work over a
            process pool, but only when it is big enough to pay for the pool (≈ 3 s of work).
            ``-1`` means one per CPU.
        backend : {"scipy", "cch", "auto"}
            ``"scipy"``: Dijkstra (exact floats). ``"cch"``: the contraction hierarchy of
            :meth:`cch` (integer-millisecond weights, see :mod:`cztmap.network.cch`). ``"auto"``:
            the CCH for graphs of at least ``CCH_MIN_NODES`` nodes with coordinates and at least
            ``CCH_MIN_PAIRS_SIDE`` sources and targets, when pyroutingkit is installed (or once a
            CCH exists for this graph); scipy otherwise.
        search : {"auto", "forward", "backward"}
            Dijkstra from the sources, or from the targets on the reversed graph; ``"auto"`` takes
            the side with fewer unique nodes. Both give the same lengths up to floating-point
            summation order (last bits), so callers that split a matrix fix it (as the Dask path does).

        Returns
        -------
        numpy.ndarray
            ``float64`` array of shape ``(len(sources), len(targets))``, seconds, ``inf`` where
            unreachable (or beyond ``cutoff``).

        Raises
        ------
        UsageError
            Unknown node id, negative ``cutoff`` or bad ``n_jobs``.

        Notes
        -----
        Work is done for unique sources in blocks so that at most ≈ 64 MB of intermediate
        distances exist at a time. When there are fewer unique targets than sources, the search
        runs backwards from the targets on the transposed graph instead (same numbers, less work).

        Examples
        --------
        >>> import networkx as nx
        >>> from cztmap.network.engine import compile_graph
        >>> G = nx.DiGraph()
        >>> G.add_weighted_edges_from([(0, 1, 5.0), (1, 2, 5.0)], weight="travel_time")
        >>> cg = compile_graph(G)
        >>> cg.distances([0, 2], [0, 2]).tolist()
        [[0.0, 10.0], [inf, 0.0]]
        >>> cg.distances([0], cutoff=6).tolist()
        [[0.0, 5.0, inf]]
        """
        limit = _check_cutoff(cutoff)
        jobs = _check_jobs(n_jobs)
        src = self.positions(sources, argument="sources")
        tgt = None if targets is None else self.positions(targets, argument="targets")
        if src.size == 0 or (tgt is not None and tgt.size == 0):
            return np.full((src.size, self.n_nodes if tgt is None else tgt.size), np.inf)

        usrc, src_inv = np.unique(src, return_inverse=True)
        if tgt is not None and self._backend(backend, usrc.size, tgt.size) == "cch":
            utgt, tgt_inv = np.unique(tgt, return_inverse=True)
            d = self.cch().distances(usrc, utgt)
            if np.isfinite(limit):
                d[d > limit] = np.inf
            return d[np.ix_(src_inv, tgt_inv)]
        if search not in ("auto", "forward", "backward"):
            raise UsageError(f"`search` must be 'auto', 'forward' or 'backward', not {search!r}.")
        if tgt is not None:
            utgt, tgt_inv = np.unique(tgt, return_inverse=True)
            if search == "backward" or (search == "auto" and utgt.size < usrc.size):
                # Fewer targets: search backwards from them on the reversed graph.
                back = self._search("bwd", utgt, usrc, limit, jobs)  # (n_utgt, n_usrc)
                return np.ascontiguousarray(back.T[np.ix_(src_inv, tgt_inv)])
            res = self._search("fwd", usrc, utgt, limit, jobs)
            return res[np.ix_(src_inv, tgt_inv)]
        res = _run_blocks(self.matrix, usrc, None, limit, jobs)
        return res[src_inv]

    def cch(self) -> Any:
        """This graph's customised contraction hierarchy (:mod:`cztmap.network.cch`), built on first use.

        The metric-independent index is shared by every edit of the same compiled graph (and
        cached on disk by topology); each edit gets its own customisation (≈ 1.5 s at 522k nodes).

        Returns
        -------
        cztmap.network.cch.CCHMetric

        Raises
        ------
        UsageError
            pyroutingkit is not installed or the graph has no node coordinates.
        """
        if self._metric is None:
            from cztmap.network import cch

            if self.coords is None:
                raise UsageError(
                    "backend='cch' needs x/y coordinates on every node (the hierarchy is cut along them); "
                    "use backend='scipy' for this graph."
                )
            topo = self._topo
            if topo is not None and self._edge_w is not None:
                if topo.cch_arcs is None:
                    rows, cols = topo.slot_rows(), topo.indices
                    topo.cch_arcs = np.flatnonzero(rows != cols)  # self-loops never shorten a path
                arcs = topo.cch_arcs
                if topo.cch is None:
                    topo.cch = cch.CCHIndex(
                        topo.slot_rows()[arcs], topo.indices[arcs], lon=self.coords[0], lat=self.coords[1]
                    )
                index, w = topo.cch, topo.reduce(self._edge_w)[arcs]
            else:  # compiled from a callable: arcs are the stored entries
                m = self.matrix
                rows = np.repeat(np.arange(self.n_nodes), np.diff(m.indptr))
                keep = rows != m.indices
                index = cch.CCHIndex(rows[keep], m.indices[keep], lon=self.coords[0], lat=self.coords[1])
                w = m.data[keep]
            object.__setattr__(self, "_metric", index.customize(w))
        return self._metric

    def _backend(self, backend: str, n_src: int, n_tgt: int) -> str:
        if backend == "scipy" or backend == "cch":
            return backend
        if backend != "auto":
            raise UsageError(f"Unknown backend={backend!r}; use 'auto', 'scipy' or 'cch'.")
        if self._metric is not None and min(n_src, n_tgt) >= 10:
            return "cch"
        if self.n_nodes < CCH_MIN_NODES or min(n_src, n_tgt) < CCH_MIN_PAIRS_SIDE or self.coords is None:
            return "scipy"
        from cztmap.network import cch

        return "cch" if cch.available() else "scipy"

    def _search(self, direction: str, src: np.ndarray, tgt: np.ndarray, limit: float, jobs: int) -> np.ndarray:
        """Distances ``src × tgt`` on the forward (``"fwd"``) or reversed (``"bwd"``) matrix."""
        return _run_blocks(self.matrix if direction == "fwd" else self.transpose, src, tgt, limit, jobs)

    def single_source(self, source: Any, *, cutoff: float | None = None) -> dict[Any, float]:
        """Shortest-path length from ``source`` to every reachable node.

        Same contract as :func:`networkx.single_source_dijkstra_path_length`: only reachable nodes
        (within ``cutoff``, inclusive) are returned, ordered by distance.

        Parameters
        ----------
        source : node id
        cutoff : float, optional

        Returns
        -------
        dict
            node id → seconds.

        Examples
        --------
        >>> import networkx as nx
        >>> from cztmap.network.engine import compile_graph
        >>> G = nx.DiGraph([("a", "b", {"travel_time": 2.0}), ("b", "c", {"travel_time": 3.0})])
        >>> compile_graph(G).single_source("a", cutoff=2.0)
        {'a': 0.0, 'b': 2.0}
        """
        reach, dist = self.reached(source, cutoff=cutoff)
        nodes = self.nodes
        return {nodes[i]: t for i, t in zip(reach.tolist(), dist.tolist(), strict=True)}

    def reached(self, source: Any, *, cutoff: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Array form of :meth:`single_source`: positions and seconds of the reached nodes, nearest first.

        No per-node Python objects are made (at 522k nodes a 30-minute search reaches ≈ 130k nodes;
        the dict form costs more than the search). ``self.nodes[i]`` gives a node id.

        Parameters
        ----------
        source : node id
        cutoff : float, optional
            Seconds (inclusive).

        Returns
        -------
        positions : numpy.ndarray of int
        seconds : numpy.ndarray of float

        Examples
        --------
        >>> import networkx as nx
        >>> from cztmap.network.engine import compile_graph
        >>> G = nx.DiGraph([("a", "b", {"travel_time": 2.0}), ("b", "c", {"travel_time": 3.0})])
        >>> [x.tolist() for x in compile_graph(G).reached("a", cutoff=2.0)]
        [[0, 1], [0.0, 2.0]]
        """
        (i,) = self.positions([source], argument="source")
        limit = _check_cutoff(cutoff)
        d = dijkstra(self.matrix, directed=True, indices=int(i), limit=limit)
        reach = np.flatnonzero(d <= limit) if np.isfinite(limit) else np.flatnonzero(np.isfinite(d))
        reach = reach[np.argsort(d[reach], kind="stable")]
        return reach, d[reach]

    def predecessors(self, source: Any, *, cutoff: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Distances and shortest-path-tree predecessors from one source.

        Parameters
        ----------
        source : node id
        cutoff : float, optional

        Returns
        -------
        dist : numpy.ndarray
            Seconds to every node (``inf`` if unreachable), in :attr:`nodes` order.
        pred : numpy.ndarray
            Position of each node's predecessor on a shortest path, ``-9999`` for the source and
            unreachable nodes.

        Examples
        --------
        >>> import networkx as nx
        >>> from cztmap.network.engine import compile_graph
        >>> cg = compile_graph(nx.DiGraph([(0, 1, {"travel_time": 1}), (1, 2, {"travel_time": 1})]))
        >>> cg.predecessors(0)[1].tolist()
        [-9999, 0, 1]
        """
        limit = _check_cutoff(cutoff)
        (i,) = self.positions([source], argument="source")
        dist, pred = dijkstra(self.matrix, directed=True, indices=int(i), return_predecessors=True, limit=limit)
        return np.asarray(dist, dtype=float), np.asarray(pred)

    def path(self, source: Any, target: Any, *, cutoff: float | None = None) -> list[Any]:
        """Node list of a shortest path from ``source`` to ``target``.

        Parameters
        ----------
        source, target : node ids
        cutoff : float, optional
            Treat the target as unreachable if it is farther than this.

        Returns
        -------
        list
            ``[source, ..., target]``; ``[source]`` when they are the same node.

        Raises
        ------
        NoRouteError
            If ``target`` cannot be reached (within ``cutoff``).

        Examples
        --------
        >>> import networkx as nx
        >>> from cztmap.network.engine import compile_graph
        >>> G = nx.MultiDiGraph()
        >>> _ = G.add_edge("a", "c", travel_time=10.0)
        >>> _ = G.add_edge("a", "b", travel_time=3.0)
        >>> _ = G.add_edge("b", "c", travel_time=4.0)
        >>> compile_graph(G).path("a", "c")
        ['a', 'b', 'c']
        """
        (t,) = self.positions([target], argument="target")
        dist, pred = self.predecessors(source, cutoff=cutoff)
        if not math.isfinite(dist[t]):
            within = "" if cutoff is None else f" within {cutoff} s"
            raise NoRouteError(
                f"No path from {source!r} to {target!r}{within} in this graph; check the direction of one-way "
                "edges or raise the cutoff."
            )
        out = [int(t)]
        while pred[out[-1]] >= 0:
            out.append(int(pred[out[-1]]))
        nodes = self.nodes
        return [nodes[i] for i in reversed(out)]

    def nearest(
        self,
        sources: Sequence[Any],
        *,
        cutoff: float | None = None,
        direction: Literal["from", "to"] = "from",
    ) -> tuple[np.ndarray, np.ndarray]:
        """Multi-source search: for every node, the closest of ``sources`` and its distance.

        Parameters
        ----------
        sources : sequence of node ids
            E.g. stations or facilities.
        cutoff : float, optional
        direction : {"from", "to"}
            ``"from"``: time *from* the nearest source to each node. ``"to"``: time from each node *to*
            its nearest source (searches the reversed graph) -- the "nearest facility" question.

        Returns
        -------
        dist : numpy.ndarray
            Seconds for every node in :attr:`nodes` order, ``inf`` if no source reaches it.
        which : numpy.ndarray
            Position (into :attr:`nodes`) of the winning source, ``-9999`` where unreachable.

        Examples
        --------
        >>> import networkx as nx
        >>> from cztmap.network.engine import compile_graph
        >>> G = nx.DiGraph()
        >>> G.add_weighted_edges_from([(0, 1, 1.0), (1, 2, 1.0), (3, 2, 0.5)], weight="travel_time")
        >>> d, w = compile_graph(G).nearest([0, 3])
        >>> d.tolist(), w.tolist()
        ([0.0, 1.0, 0.5, 0.0], [0, 0, 3, 3])
        """
        limit = _check_cutoff(cutoff)
        if direction not in ("from", "to"):
            raise UsageError(f"`direction` must be 'from' or 'to', not {direction!r}.")
        src = np.unique(self.positions(sources, argument="sources"))
        if src.size == 0:
            raise UsageError("`sources` is empty; pass at least one node id.")
        m = self.matrix if direction == "from" else self.transpose
        dist, _pred, which = dijkstra(
            m, directed=True, indices=src, min_only=True, return_predecessors=True, limit=limit
        )
        return np.asarray(dist, dtype=float), np.asarray(which)

    # ---- what-if edits (new graphs sharing this one's topology; no NetworkX rebuild) --------------
    @property
    def editable(self) -> bool:
        """Whether per-edge edits are possible (graphs compiled from a named weight or from arrays)."""
        return self._topo is not None and self._edge_w is not None

    def _require_edits(self) -> tuple[_Topology, np.ndarray]:
        if self._topo is None or self._edge_w is None:
            raise UsageError(
                "This compiled graph has no per-edge table (it was compiled from a weight callable or "
                "unpickled); compile it with a named weight to edit it."
            )
        return self._topo, self._edge_w

    @property
    def edge_weights(self) -> np.ndarray:
        """Weight of every input edge, in ``G.edges`` iteration order (``inf`` = closed); read-only.

        Examples
        --------
        >>> import networkx as nx
        >>> from cztmap.network.engine import compile_graph
        >>> compile_graph(nx.DiGraph([(0, 1, {"travel_time": 4.0})])).edge_weights.tolist()
        [4.0]
        """
        return self._require_edits()[1]

    def with_edge_weights(self, weights: np.ndarray) -> CompiledGraph:
        """A new compiled graph with every input edge's weight replaced (``inf`` closes the edge).

        The reduction to the minimum over parallel edges is redone with one vectorised pass over
        the edges; node order, index and the CSR structure of this graph are shared.

        Parameters
        ----------
        weights : numpy.ndarray
            One finite weight >= 0 (or ``inf``) per input edge, in :attr:`edge_weights` order.

        Returns
        -------
        CompiledGraph

        Raises
        ------
        UsageError
            Wrong length, or a negative / NaN weight.

        Examples
        --------
        >>> import networkx as nx
        >>> from cztmap.network.engine import compile_graph
        >>> G = nx.MultiDiGraph()
        >>> _ = G.add_edge("a", "b", travel_time=5.0); _ = G.add_edge("a", "b", travel_time=9.0)
        >>> compile_graph(G).with_edge_weights(np.array([np.inf, 9.0])).distances(["a"], ["b"]).tolist()
        [[9.0]]
        """
        topo, old = self._require_edits()
        w = np.array(weights, dtype=np.float64)
        if w.shape != old.shape:
            raise UsageError(f"`weights` must have one value per edge ({old.size}), not shape {w.shape}.")
        if np.isnan(w).any() or (w < 0).any():
            raise UsageError("`weights` must be >= 0 seconds (inf closes an edge); got a negative or NaN value.")
        slot_w = topo.reduce(w)
        keep = np.isfinite(slot_w)
        if keep.all():
            m = sp.csr_array((slot_w, topo.indices, topo.indptr), shape=(topo.n, topo.n))
        else:
            c = np.zeros(keep.size + 1, dtype=topo.indptr.dtype)
            np.cumsum(keep, out=c[1:])
            m = sp.csr_array((slot_w[keep], topo.indices[keep], c[topo.indptr]), shape=(topo.n, topo.n))
        m.has_sorted_indices = True
        fp = (self.n_nodes, int(w.size), self.weight, _digest(w))
        return CompiledGraph(self.nodes, self.index, m, self.weight, fp, topo, w, self.coords)

    def close_edges(self, edges: Iterable[int]) -> CompiledGraph:
        """A new compiled graph with the given input edges closed (a road closure, a station shut).

        Parameters
        ----------
        edges : iterable of int
            Positions of input edges (see :func:`edge_index`).

        Returns
        -------
        CompiledGraph

        Examples
        --------
        >>> import networkx as nx
        >>> from cztmap.network.engine import compile_graph, edge_index
        >>> G = nx.MultiDiGraph()
        >>> _ = G.add_edge("a", "b", travel_time=5.0); _ = G.add_edge("a", "c", travel_time=1.0)
        >>> _ = G.add_edge("c", "b", travel_time=1.0)
        >>> cg = compile_graph(G)
        >>> cg.close_edges([edge_index(G)[("a", "c", 0)]]).distances(["a"], ["b"]).tolist()
        [[5.0]]
        """
        w = self.edge_weights.copy()
        w[_edge_positions(edges, w.size)] = np.inf
        return self.with_edge_weights(w)

    def set_edge_weights(self, edges: Iterable[int], values: Any) -> CompiledGraph:
        """A new compiled graph with some input edges re-weighted (e.g. a headway change on ``board`` edges).

        Parameters
        ----------
        edges : iterable of int
            Positions of input edges (see :func:`edge_index`).
        values : float or array of float
            New weights (seconds, >= 0; ``inf`` closes).

        Returns
        -------
        CompiledGraph

        Examples
        --------
        >>> import networkx as nx
        >>> from cztmap.network.engine import compile_graph
        >>> cg = compile_graph(nx.DiGraph([(0, 1, {"travel_time": 600.0})]))
        >>> cg.set_edge_weights([0], 300.0).distances([0], [1]).tolist()
        [[300.0]]
        """
        w = self.edge_weights.copy()
        w[_edge_positions(edges, w.size)] = values
        return self.with_edge_weights(w)

    def add_links(self, tails: Sequence[Any], heads: Sequence[Any], weights: Any) -> CompiledGraph:
        """A new compiled graph with directed links added between existing nodes (e.g. a new line's sections).

        The new links get edge positions ``n_input_edges, n_input_edges + 1, ...`` in the order given.

        Parameters
        ----------
        tails, heads : sequences of node ids
        weights : float or array of float
            Seconds, finite and >= 0.

        Returns
        -------
        CompiledGraph

        Raises
        ------
        UsageError
            Unknown node, mismatched lengths or a bad weight.

        Examples
        --------
        >>> import networkx as nx
        >>> from cztmap.network.engine import compile_graph
        >>> G = nx.DiGraph([("a", "b", {"travel_time": 60.0}), ("b", "c", {"travel_time": 60.0})])
        >>> compile_graph(G).add_links(["a"], ["c"], 90.0).distances(["a"], ["c"]).tolist()
        [[90.0]]
        """
        topo, old = self._require_edits()
        u = self.positions(tails, argument="tails")
        v = self.positions(heads, argument="heads")
        w = np.broadcast_to(np.asarray(weights, dtype=np.float64), u.shape).copy()
        if u.size != v.size:
            raise UsageError(f"`tails` and `heads` must have the same length ({u.size} != {v.size}).")
        if not np.isfinite(w).all() or (w < 0).any():
            raise UsageError("Added link `weights` must be finite numbers >= 0 seconds.")
        ru, rv, redge = topo.raw_endpoints()
        m_old = old.size
        ru = np.concatenate([ru, u])
        rv = np.concatenate([rv, v])
        redge = np.concatenate([redge, m_old + np.arange(u.size)])
        all_w = np.concatenate([old, w])
        # the structure must hold every pair, closed ones too, so that later edits can reopen them
        matrix, new_topo = _build_csr_topo(topo.n, ru, rv, np.zeros(ru.size), redge)
        return CompiledGraph(
            self.nodes, self.index, matrix, self.weight, self.fingerprint, new_topo, all_w, self.coords
        ).with_edge_weights(all_w)

    def changed_pairs(self, other: CompiledGraph) -> tuple[np.ndarray, np.ndarray]:
        """Node-position pairs ``(u, v)`` whose weight in ``other`` is higher than here (or gone).

        ``other`` must be an edit of this graph (same topology). These are the only pairs that can
        make a distance longer, see :class:`PathTrees`.

        Returns
        -------
        (numpy.ndarray, numpy.ndarray)
            Tail and head positions.

        Examples
        --------
        >>> import networkx as nx
        >>> from cztmap.network.engine import compile_graph
        >>> cg = compile_graph(nx.DiGraph([(0, 1, {"travel_time": 1.0}), (1, 2, {"travel_time": 1.0})]))
        >>> [a.tolist() for a in cg.changed_pairs(cg.close_edges([1]))]
        [[1], [2]]
        """
        topo, w0 = self._require_edits()
        topo1, w1 = other._require_edits()
        if topo1 is not topo:
            raise UsageError("`other` is not an edit of this compiled graph (different topology).")
        up = np.flatnonzero(topo.reduce(w1) > topo.reduce(w0))
        return topo.slot_rows()[up], topo.indices[up].astype(np.intp)


class PathTrees:
    """Shortest-path trees from ``sources``, pruned to the paths that lead to ``targets``.

    The screening rule of a what-if that only *lengthens* or removes edges (closures, longer
    headways): a source's distances to the targets can change only if one of the changed pairs
    (:meth:`CompiledGraph.changed_pairs`) is an edge of its tree on a path to a target. Otherwise
    the tree is still there with the same weights, removing other paths cannot make anything
    shorter, and the old distances are exactly (bit for bit) those of a new forward search
    (``distances(..., search="forward")``; a backward search may differ in the last bit). So only the
    affected sources need a new search.

    Parameters
    ----------
    cg : CompiledGraph
    sources, targets : sequences of node ids

    Attributes
    ----------
    dist : numpy.ndarray
        ``(len(sources), len(targets))`` seconds on ``cg``.

    Examples
    --------
    >>> import networkx as nx
    >>> from cztmap.network.engine import PathTrees, compile_graph, edge_index
    >>> G = nx.DiGraph()
    >>> G.add_weighted_edges_from([(0, 1, 1.0), (1, 2, 1.0), (0, 3, 1.0)], weight="travel_time")
    >>> cg, ei = compile_graph(G), edge_index(G)
    >>> trees = PathTrees(cg, [0, 3], [2])
    >>> trees.affected(*cg.changed_pairs(cg.close_edges([ei[0, 3]]))).tolist()   # not on a path to 2
    [False, False]
    >>> trees.affected(*cg.changed_pairs(cg.close_edges([ei[1, 2]]))).tolist()
    [True, False]
    """

    def __init__(self, cg: CompiledGraph, sources: Sequence[Any], targets: Sequence[Any]) -> None:
        src = cg.positions(sources, argument="sources")
        tgt = cg.positions(targets, argument="targets")
        n = cg.n_nodes
        dist = np.empty((src.size, n))
        pred = np.empty((src.size, n), dtype=np.int32)
        rows = max(1, _BLOCK_ELEMENTS // max(n, 1))
        for s in range(0, src.size, rows):
            d, p = dijkstra(cg.matrix, directed=True, indices=src[s : s + rows], return_predecessors=True)
            dist[s : s + rows] = d
            pred[s : s + rows] = p
        # mark every node on a tree path to a target: walk all (source, target) paths up at once
        on = np.zeros((src.size, n), dtype=bool)
        who = np.repeat(np.arange(src.size), tgt.size)
        cur = np.tile(tgt, src.size).astype(np.intp)
        while cur.size:
            on[who, cur] = True
            cur = pred[who, cur].astype(np.intp)
            live = cur >= 0
            who, cur = who[live], cur[live]
            fresh = ~on[who, cur]  # a path joining one already walked is done
            who, cur = who[fresh], cur[fresh]
        self.dist = dist[:, tgt]
        self._pred = pred
        self._on = on

    def affected(self, tails: np.ndarray, heads: np.ndarray) -> np.ndarray:
        """Boolean per source: does a changed pair ``tails[i] → heads[i]`` lie on its pruned tree?"""
        if len(tails) == 0:
            return np.zeros(self._pred.shape[0], dtype=bool)
        hit = (self._pred[:, heads] == np.asarray(tails)[None, :]) & self._on[:, heads]
        return np.asarray(hit.any(axis=1))


def _edge_positions(edges: Iterable[int], m: int) -> np.ndarray:
    e = np.fromiter((int(x) for x in edges), dtype=np.intp)
    if e.size and (e.min() < 0 or e.max() >= m):
        raise UsageError(f"Edge positions must be in 0..{m - 1}; see edge_index(G) for the positions of edges.")
    return e


class _Topology:
    """How input edges reduce to CSR entries: what lets an edit skip NetworkX and the sort.

    ``order`` lists raw edges grouped by CSR slot (each group sorted by weight at build time),
    ``starts[s]`` is where slot ``s`` begins in it, ``raw_edge[r]`` is the input edge of raw edge ``r``
    (an undirected input edge gives two raw edges).
    """

    __slots__ = ("_rows", "cch", "cch_arcs", "indices", "indptr", "n", "order", "raw_edge", "starts")

    def __init__(
        self,
        n: int,
        indices: np.ndarray,
        indptr: np.ndarray,
        order: np.ndarray,
        starts: np.ndarray,
        raw_edge: np.ndarray | None,
    ) -> None:
        self.n = n
        self.indices = indices
        self.indptr = indptr
        self.order = order
        self.starts = starts
        self.raw_edge = raw_edge
        self._rows: np.ndarray | None = None
        self.cch: Any = None  # the metric-independent CCH index, shared by every edit
        self.cch_arcs: np.ndarray | None = None

    def reduce(self, w: np.ndarray) -> np.ndarray:
        """Minimum weight per CSR slot for per-input-edge weights ``w``."""
        raw = w if self.raw_edge is None else w[self.raw_edge]
        if self.starts.size == 0:
            return np.zeros(0)
        return np.minimum.reduceat(raw[self.order], self.starts)

    def slot_rows(self) -> np.ndarray:
        if self._rows is None:
            self._rows = np.repeat(np.arange(self.n, dtype=np.intp), np.diff(self.indptr))
        return self._rows

    def raw_endpoints(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(u, v, input edge)`` of every raw edge, in raw order."""
        counts = np.diff(np.append(self.starts, self.order.size))
        slot = np.empty(self.order.size, dtype=np.intp)
        slot[self.order] = np.repeat(np.arange(self.starts.size), counts)
        rows = self.slot_rows()
        redge = np.arange(self.order.size) if self.raw_edge is None else self.raw_edge
        return rows[slot], self.indices[slot].astype(np.intp), np.asarray(redge, dtype=np.intp)


def edge_index(G: nx.Graph) -> dict[tuple[Any, ...], int]:
    """Position of every edge of ``G`` in the compiled edge table (``G.edges`` iteration order).

    Keys are ``(u, v, key)`` for multigraphs and ``(u, v)`` otherwise. Valid for
    :func:`compile_graph` results of a named weight as long as ``G`` is unchanged.

    Examples
    --------
    >>> import networkx as nx
    >>> from cztmap.network.engine import edge_index
    >>> G = nx.MultiDiGraph(); _ = G.add_edge(1, 2); _ = G.add_edge(1, 2); _ = G.add_edge(2, 3)
    >>> edge_index(G)
    {(1, 2, 0): 0, (1, 2, 1): 1, (2, 3, 0): 2}
    """
    it = G.edges(keys=True) if G.is_multigraph() else G.edges()
    return {e: i for i, e in enumerate(it)}


# --------------------------------------------------------------------------------------------------
# compile + cache
# --------------------------------------------------------------------------------------------------
def compile_graph(G: nx.Graph, weight: Weight = "travel_time", *, cache: bool = True) -> CompiledGraph:
    """Compile a NetworkX graph into a :class:`CompiledGraph` (cached per graph).

    Parameters
    ----------
    G : networkx.Graph, DiGraph, MultiGraph or MultiDiGraph
        Undirected graphs are compiled as both directions of every edge.
    weight : str or callable
        Edge attribute (default ``"travel_time"``) or a NetworkX-style callable
        ``(u, v, data) -> float | None`` (``None`` hides the edge; see the module docstring).
    cache : bool
        Reuse / store the compiled result for a named weight (see the module docstring for the
        invalidation rule).

    Returns
    -------
    CompiledGraph

    Raises
    ------
    DataError
        A weight is missing, non-numeric, negative, NaN or infinite (the message names the edge).
    UsageError
        ``weight`` is neither a string nor a callable.

    Examples
    --------
    >>> import networkx as nx
    >>> from cztmap.network.engine import compile_graph
    >>> G = nx.MultiDiGraph()
    >>> _ = G.add_edge("x", "y", travel_time=12.0, mode="metro")
    >>> _ = G.add_edge("x", "y", travel_time=8.0, mode="hsr")
    >>> compile_graph(G).distances(["x"], ["y"]).tolist()
    [[8.0]]
    >>> no_hsr = lambda u, v, d: min((e["travel_time"] for e in d.values() if e["mode"] != "hsr"), default=None)
    >>> compile_graph(G, no_hsr).distances(["x"], ["y"]).tolist()
    [[12.0]]
    >>> compile_graph(G) is compile_graph(G)      # cached
    True
    """
    if isinstance(weight, str):
        if cache:
            entry = _CACHE.get(G, {}).get(weight)
            if entry is not None:
                fp = _fingerprint(G, weight)
                if fp == entry[0]:
                    return entry[1]
        cg = _compile_named(G, weight)
        if cache:
            _CACHE.setdefault(G, {})[weight] = (cg.fingerprint, cg)
        return cg
    if callable(weight):
        return _compile_callable(G, weight)
    raise UsageError(
        f"`weight` must be an edge attribute name or a callable (u, v, data) -> float | None, not {weight!r}."
    )


def compile_arrays(
    tails: np.ndarray,
    heads: np.ndarray,
    weights: np.ndarray,
    *,
    n_nodes: int | None = None,
    nodes: Sequence[Any] | None = None,
    weight: str = "travel_time",
    lon: np.ndarray | None = None,
    lat: np.ndarray | None = None,
) -> CompiledGraph:
    """Compile a directed graph given as edge arrays (no NetworkX graph needed).

    For networks too big to hold comfortably as NetworkX objects (a merged OSM region: a 500k-node
    MultiDiGraph takes ≈ 1.3 GB and 14 s to build, the arrays ≈ 40 MB).

    Parameters
    ----------
    tails, heads : array of int
        Edge endpoints as node positions ``0 .. n_nodes - 1``.
    weights : array of float
        Seconds, finite and >= 0. Parallel edges reduce to their minimum.
    n_nodes : int, optional
        Default ``max(tails, heads) + 1`` (or ``len(nodes)``).
    nodes : sequence, optional
        Node ids by position (default ``0 .. n_nodes - 1``).
    weight : str
        Name recorded on the result.
    lon, lat : array of float, optional
        Node coordinates (WGS-84), needed by ``backend="cch"``.

    Returns
    -------
    CompiledGraph
        Editable (per-edge table in the order given).

    Raises
    ------
    DataError
        A weight is negative, NaN or infinite, or an endpoint is out of range.

    Examples
    --------
    >>> from cztmap.network.engine import compile_arrays
    >>> cg = compile_arrays(np.array([0, 1, 0]), np.array([1, 2, 1]), np.array([5.0, 5.0, 3.0]))
    >>> cg.distances([0], [2]).tolist()
    [[8.0]]
    """
    u = np.asarray(tails, dtype=np.int64)
    v = np.asarray(heads, dtype=np.int64)
    w = np.array(weights, dtype=np.float64)
    if not (u.shape == v.shape == w.shape) or u.ndim != 1:
        raise DataError("`tails`, `heads` and `weights` must be 1-D arrays of the same length.")
    if nodes is not None:
        n = len(nodes)
    else:
        n = int(n_nodes) if n_nodes is not None else (int(max(u.max(), v.max())) + 1 if u.size else 0)
    if u.size and (min(u.min(), v.min()) < 0 or max(u.max(), v.max()) >= n):
        raise DataError(f"Edge endpoints must be node positions in 0..{n - 1}.")
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(f"Edge #{i} ({int(u[i])} → {int(v[i])}) has weight {w[i]!r}; weights must be finite and >= 0.")
    ids = tuple(range(n)) if nodes is None else tuple(nodes)
    matrix, topo = _build_csr_topo(n, u, v, w, None)
    fp = (n, int(w.size), weight, _digest(w))
    coords = None
    if lon is not None and lat is not None:
        coords = (np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
        if coords[0].shape != (n,) or coords[1].shape != (n,):
            raise DataError(f"`lon` and `lat` must have one value per node ({n}).")
    return CompiledGraph(ids, {x: i for i, x in enumerate(ids)}, matrix, weight, fp, topo, w, coords)


def invalidate(G: nx.Graph, weight: str | None = None) -> None:
    """Forget the compiled form(s) cached for ``G``.

    Parameters
    ----------
    G : networkx graph
    weight : str, optional
        Forget only this weight's entry; by default all of them.

    Examples
    --------
    >>> import networkx as nx
    >>> from cztmap.network.engine import compile_graph, invalidate
    >>> G = nx.DiGraph([(0, 1, {"travel_time": 1.0})])
    >>> a = compile_graph(G); invalidate(G)
    >>> compile_graph(G) is a
    False
    """
    if weight is None:
        _CACHE.pop(G, None)
    else:
        _CACHE.get(G, {}).pop(weight, None)


def _compiled(G: nx.Graph | CompiledGraph, weight: Weight) -> CompiledGraph:
    """``G`` itself if already compiled (``weight`` must then agree), else ``compile_graph(G, weight)``."""
    if isinstance(G, CompiledGraph):
        if callable(weight):
            raise UsageError(
                "A weight callable cannot be applied to an already compiled graph; pass it to compile_graph."
            )
        if weight != "travel_time" and weight != G.weight:
            raise UsageError(
                f"`weight={weight!r}` does not match the compiled graph's weight {G.weight!r}; "
                "compile the graph with that weight instead."
            )
        return G
    return compile_graph(G, weight)


def _digest(w: np.ndarray) -> str:
    return hashlib.blake2b(np.ascontiguousarray(w, dtype=np.float64).tobytes(), digest_size=16).hexdigest()


def _fingerprint(G: nx.Graph, weight: str) -> tuple[Any, ...]:
    """Cheap-ish fingerprint: counts plus a digest of the raw weights in edge iteration order."""
    raw = [w for _u, _v, w in G.edges(data=weight)]
    try:
        w = np.array(raw, dtype=np.float64)
    except (TypeError, ValueError):
        return (G.number_of_nodes(), len(raw), weight, None)  # bad data: never matches, compile will raise
    return (G.number_of_nodes(), len(raw), weight, _digest(w))


def _edge_label(G: nx.Graph, i: int) -> str:
    """Describe the ``i``-th edge in ``G.edges`` iteration order (slow path, errors only)."""
    it = G.edges(keys=True) if G.is_multigraph() else G.edges()
    for j, e in enumerate(it):
        if j == i:
            return "(" + ", ".join(repr(x) for x in e) + ")"
    return f"#{i}"  # pragma: no cover


def _compile_named(G: nx.Graph, weight: str) -> CompiledGraph:
    nodes = tuple(G)
    index = {n: i for i, n in enumerate(nodes)}
    us: list[int] = []
    vs: list[int] = []
    raw: list[Any] = []
    ua, va, ra = us.append, vs.append, raw.append
    for u, v, w in G.edges(data=weight):
        ua(index[u])
        va(index[v])
        ra(w)
    try:
        w = np.array(raw, dtype=np.float64)
        bad = ~np.isfinite(w) | (w < 0)
    except (TypeError, ValueError):
        bad_i = next(i for i, x in enumerate(raw) if not _is_number(x) or not math.isfinite(float(x)) or float(x) < 0)
        _raise_bad_weight(G, bad_i, weight, raw[bad_i])
    if bad.any():
        bad_i = int(np.flatnonzero(bad)[0])
        _raise_bad_weight(G, bad_i, weight, raw[bad_i])
    fp = (len(nodes), len(raw), weight, _digest(w))
    u = np.asarray(us, dtype=np.int64)
    v = np.asarray(vs, dtype=np.int64)
    raw_edge = None
    w_in = w
    if not G.is_directed():
        raw_edge = np.concatenate([np.arange(u.size), np.arange(u.size)])
        u, v, w = np.concatenate([u, v]), np.concatenate([v, u]), np.concatenate([w, w])
    matrix, topo = _build_csr_topo(len(nodes), u, v, w, raw_edge)
    return CompiledGraph(nodes, index, matrix, weight, fp, topo, w_in, _node_coords(G))


def _node_coords(G: nx.Graph) -> tuple[np.ndarray, np.ndarray] | None:
    """``(x, y)`` of every node (osmnx convention: lon/lat), or None if any is missing or not a number."""
    try:
        x = np.array([d for _n, d in G.nodes(data="x")], dtype=np.float64)
        y = np.array([d for _n, d in G.nodes(data="y")], dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if x.size and not (np.isfinite(x).all() and np.isfinite(y).all()):
        return None
    return x, y


def _is_number(x: Any) -> bool:
    if isinstance(x, bool) or x is None:
        return False
    try:
        float(x)
    except (TypeError, ValueError):
        return False
    return True


def _raise_bad_weight(G: nx.Graph, i: int, weight: str, value: Any) -> NoReturn:
    what = "missing" if value is None else f"{value!r}"
    raise DataError(
        f"Edge {_edge_label(G, i)} has {'a missing' if value is None else 'an invalid'} `{weight}` attribute "
        f"({what}); every edge needs a finite number >= 0 there -- fix or drop the edge, or pass another weight."
    )


def _compile_callable(G: nx.Graph, weight: WeightFunc) -> CompiledGraph:
    nodes = tuple(G)
    index = {n: i for i, n in enumerate(nodes)}
    us: list[int] = []
    vs: list[int] = []
    ws: list[float] = []
    # G.adj lists both directions of an undirected edge, so calls are per ordered pair as in NetworkX.
    for u, nbrs in G.adj.items():
        iu = index[u]
        for v, data in nbrs.items():
            x = weight(u, v, data)
            if x is None:
                continue
            if not _is_number(x) or not math.isfinite(float(x)) or float(x) < 0:
                raise DataError(
                    f"The weight callable returned {x!r} for edge ({u!r}, {v!r}); it must return a finite "
                    "number >= 0, or None to hide the edge."
                )
            us.append(iu)
            vs.append(index[v])
            ws.append(float(x))
    u = np.asarray(us, dtype=np.int64)
    v = np.asarray(vs, dtype=np.int64)
    w = np.asarray(ws, dtype=np.float64)
    fp = (len(nodes), G.number_of_edges(), None, _digest(w))
    return CompiledGraph(nodes, index, _build_csr(len(nodes), u, v, w), None, fp)


def _build_csr(n: int, u: np.ndarray, v: np.ndarray, w: np.ndarray) -> sp.csr_array:
    """CSR of the minimum weight per (u, v), explicit zeros kept (see :func:`_build_csr_topo`)."""
    return _build_csr_topo(n, u, v, w, None)[0]


def _build_csr_topo(
    n: int, u: np.ndarray, v: np.ndarray, w: np.ndarray, raw_edge: np.ndarray | None
) -> tuple[sp.csr_array, _Topology]:
    """CSR of the minimum weight per (u, v), explicit zeros kept, and the edge → slot table.

    ``csr_matrix((w, (u, v)))`` would *sum* duplicates, so reduce first: sort by (u, v, w) and keep
    the first entry of each (u, v) run, then build ``indptr`` directly.
    """
    if u.size == 0:
        z = np.zeros(0, dtype=np.int32)
        m0 = sp.csr_array((np.zeros(0), z, np.zeros(n + 1, dtype=np.int32)), shape=(n, n))
        return m0, _Topology(n, z, np.zeros(n + 1, dtype=np.int32), z, z, raw_edge)
    order = np.lexsort((w, v, u))
    u, v, w = u[order], v[order], w[order]
    first = np.ones(u.size, dtype=bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    starts = np.flatnonzero(first)
    u, v, w = u[first], v[first], w[first]
    idx_dtype = np.int32 if max(n, order.size) < 2**31 - 1 else np.int64
    indptr = np.zeros(n + 1, dtype=idx_dtype)
    np.cumsum(np.bincount(u, minlength=n), out=indptr[1:])
    m = sp.csr_array((w.astype(np.float64), v.astype(idx_dtype), indptr), shape=(n, n))
    m.has_sorted_indices = True
    if m.nnz != w.size:  # pragma: no cover - would mean scipy dropped explicit zeros
        raise RuntimeError("scipy dropped explicit zero-weight edges while building the CSR matrix.")
    re = None if raw_edge is None else np.asarray(raw_edge, dtype=idx_dtype)
    topo = _Topology(n, m.indices, m.indptr, order.astype(idx_dtype), starts.astype(idx_dtype), re)
    return m, topo


# --------------------------------------------------------------------------------------------------
# dijkstra in blocks (+ optional process pool)
# --------------------------------------------------------------------------------------------------
def _check_cutoff(cutoff: float | None) -> float:
    if cutoff is None:
        return np.inf
    try:
        c = float(cutoff)
    except (TypeError, ValueError):
        raise UsageError(f"`cutoff` must be a number of seconds, not {cutoff!r}.") from None
    if math.isnan(c) or c < 0:
        raise UsageError(f"`cutoff` must be >= 0 seconds, not {cutoff!r}.")
    return c


def _check_jobs(n_jobs: int) -> int:
    if n_jobs == -1:
        return os.cpu_count() or 1
    if not isinstance(n_jobs, int) or isinstance(n_jobs, bool) or n_jobs < 1:
        raise UsageError(f"`n_jobs` must be a positive integer or -1 (all CPUs), not {n_jobs!r}.")
    return n_jobs


def _block(m: sp.csr_array, src: np.ndarray, tgt: np.ndarray | None, limit: float) -> np.ndarray:
    n = m.shape[0]
    rows = max(1, _BLOCK_ELEMENTS // max(n, 1))
    out = np.empty((src.size, n if tgt is None else tgt.size), dtype=np.float64)
    for s in range(0, src.size, rows):
        d = dijkstra(m, directed=True, indices=src[s : s + rows], limit=limit)
        out[s : s + rows] = d if tgt is None else d[:, tgt]
    return out


_WORKER_MATRIX: sp.csr_array | None = None


def _worker_init(data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, n: int) -> None:
    global _WORKER_MATRIX
    _WORKER_MATRIX = sp.csr_array((data, indices, indptr), shape=(n, n))


def _worker_run(src: np.ndarray, tgt: np.ndarray | None, limit: float) -> np.ndarray:
    assert _WORKER_MATRIX is not None
    return _block(_WORKER_MATRIX, src, tgt, limit)


def _run_blocks(m: sp.csr_array, src: np.ndarray, tgt: np.ndarray | None, limit: float, jobs: int) -> np.ndarray:
    jobs = min(jobs, src.size)
    if jobs <= 1 or src.size * max(m.nnz, 1) < _POOL_MIN_WORK:
        return _block(m, src, tgt, limit)
    # Several chunks per worker so that a slow chunk does not leave a core idle.
    chunks = np.array_split(src, min(src.size, jobs * 4))
    with ProcessPoolExecutor(
        max_workers=jobs, initializer=_worker_init, initargs=(m.data, m.indices, m.indptr, m.shape[0])
    ) as pool:
        parts = list(pool.map(_worker_run, chunks, [tgt] * len(chunks), [limit] * len(chunks)))
    return np.concatenate(parts, axis=0)


# --------------------------------------------------------------------------------------------------
# graph-level convenience functions
# --------------------------------------------------------------------------------------------------
def travel_time_matrix(
    G: nx.Graph | CompiledGraph,
    origins: Sequence[Any],
    destinations: Sequence[Any] | None = None,
    *,
    weight: Weight = "travel_time",
    cutoff_min: float | None = None,
    unit: Literal["min", "s"] = "min",
    n_jobs: int = 1,
    backend: Literal["auto", "scipy", "cch"] = "auto",
    client: Any = None,
    cutoff: float | None = None,
) -> pd.DataFrame:
    """Origin × destination shortest travel times as a DataFrame, in **minutes**.

    Parameters
    ----------
    G : networkx graph or CompiledGraph
        A graph is compiled (or fetched from the cache, which costs one pass over its edge weights
        to check the fingerprint); pass a :class:`CompiledGraph` when calling in a loop.
    origins : sequence of node ids
    destinations : sequence of node ids, optional
        Defaults to ``origins`` (a square matrix).
    weight : str or callable
        Edge weight in seconds (default ``"travel_time"``).
    cutoff_min : float, optional
        Times above this many minutes are reported as ``inf``.
    unit : {"min", "s"}
        ``"min"`` (default, like :func:`cztmap.analysis.matrix.station_matrix`). ``"s"`` keeps the
        seconds this function returned up to cztmap 0.1; deprecated, removed in 0.3 (use
        :meth:`CompiledGraph.distances` for engine seconds).
    n_jobs : int
        Processes for big matrices (see :meth:`CompiledGraph.distances`).
    backend : {"auto", "scipy", "cch"}
        Search engine (see :meth:`CompiledGraph.distances`).
    client : dask.distributed.Client, optional
        Split the origins into tasks on this Dask cluster (:mod:`cztmap.network.distributed`).
    cutoff : float, optional
        Deprecated: the cut-off in seconds; use ``cutoff_min``.

    Returns
    -------
    pandas.DataFrame
        Index ``origins``, columns ``destinations``; minutes (or seconds), ``inf`` = unreachable.

    Raises
    ------
    UsageError
        Unknown node, bad unit or backend, or both ``cutoff`` and ``cutoff_min``.

    Examples
    --------
    >>> import networkx as nx
    >>> from cztmap.network.engine import travel_time_matrix
    >>> G = nx.DiGraph()
    >>> G.add_weighted_edges_from([("A", "B", 60.0), ("B", "A", 90.0)], weight="travel_time")
    >>> travel_time_matrix(G, ["A", "B"])
         A    B
    A  0.0  1.0
    B  1.5  0.0
    """
    import warnings

    if unit not in ("min", "s"):
        raise UsageError(f"Unknown unit {unit!r}; use unit='min' (minutes) or unit='s' (seconds).")
    if cutoff is not None:
        if cutoff_min is not None:
            raise UsageError("Give the cut-off once: `cutoff_min` (minutes); `cutoff` (seconds) is deprecated.")
        warnings.warn(
            "travel_time_matrix(cutoff=seconds) is deprecated and will be removed in cztmap 0.3; "
            "pass cutoff_min=minutes instead.",
            DeprecationWarning,
            stacklevel=2,
        )
        limit: float | None = cutoff
    else:
        limit = None if cutoff_min is None else float(cutoff_min) * 60.0
    if unit == "s":
        warnings.warn(
            "travel_time_matrix(unit='s') is deprecated and will be removed in cztmap 0.3; the matrix is in "
            "minutes by default (CompiledGraph.distances gives engine seconds).",
            DeprecationWarning,
            stacklevel=2,
        )
    origins = list(origins)
    destinations = origins if destinations is None else list(destinations)
    cg = _compiled(G, weight)
    if client is not None:
        from cztmap.network.distributed import distributed_distances

        d = distributed_distances(cg, origins, destinations, client=client, cutoff=limit, backend=backend)
    else:
        d = cg.distances(origins, destinations, cutoff=limit, n_jobs=n_jobs, backend=backend)
    if unit == "min":
        d = d / 60.0
    return pd.DataFrame(d, index=pd.Index(origins), columns=pd.Index(destinations))


def single_source(
    G: nx.Graph | CompiledGraph,
    source: Hashable,
    *,
    weight: Weight = "travel_time",
    cutoff: float | None = None,
    as_series: bool = False,
) -> Any:
    """Shortest travel time from ``source`` to every reachable node (an isochrone with ``cutoff``).

    Drop-in for ``networkx.single_source_dijkstra_path_length(G, source, cutoff, weight)``.

    Parameters
    ----------
    G : networkx graph or CompiledGraph
        A graph is compiled (or fetched from the cache, which costs one pass over its edge weights
        to check the fingerprint); pass a :class:`CompiledGraph` when calling in a loop.
    source : node id
    weight : str or callable
    cutoff : float, optional
    as_series : bool
        Return a :class:`pandas.Series` (index node ids, seconds) built from arrays instead of a
        dict; :meth:`CompiledGraph.reached` gives the bare arrays.

    Returns
    -------
    dict or pandas.Series
        node id → seconds, reachable nodes only, nearest first.

    Examples
    --------
    >>> import networkx as nx
    >>> from cztmap.network.engine import single_source
    >>> G = nx.path_graph(4, create_using=nx.DiGraph)
    >>> nx.set_edge_attributes(G, 600.0, "travel_time")
    >>> single_source(G, 0, cutoff=1200)
    {0: 0.0, 1: 600.0, 2: 1200.0}
    """
    cg = _compiled(G, weight)
    if as_series:
        pos, sec = cg.reached(source, cutoff=cutoff)
        ids = np.fromiter(cg.nodes, dtype=object, count=len(cg.nodes))
        return pd.Series(sec, index=pd.Index(ids[pos], dtype=object), name="seconds")
    return cg.single_source(source, cutoff=cutoff)


def shortest_path(
    G: nx.Graph | CompiledGraph,
    source: Hashable,
    target: Hashable,
    *,
    weight: Weight = "travel_time",
    cutoff: float | None = None,
) -> list[Any]:
    """Node list of a fastest path (see :meth:`CompiledGraph.path`).

    Parameters
    ----------
    G : networkx graph or CompiledGraph
        A graph is compiled (or fetched from the cache, which costs one pass over its edge weights
        to check the fingerprint); pass a :class:`CompiledGraph` when calling in a loop.
    source, target : node ids
    weight : str or callable
    cutoff : float, optional

    Returns
    -------
    list

    Raises
    ------
    NoRouteError
        ``target`` is unreachable.

    Examples
    --------
    >>> import networkx as nx
    >>> from cztmap.network.engine import shortest_path
    >>> G = nx.DiGraph()
    >>> G.add_weighted_edges_from([(1, 2, 1.0), (2, 3, 1.0), (1, 3, 5.0)], weight="travel_time")
    >>> shortest_path(G, 1, 3)
    [1, 2, 3]
    """
    return _compiled(G, weight).path(source, target, cutoff=cutoff)


def nearest(
    G: nx.Graph | CompiledGraph,
    sources: Sequence[Any],
    *,
    weight: Weight = "travel_time",
    cutoff: float | None = None,
    direction: Literal["from", "to"] = "from",
) -> pd.DataFrame:
    """For every node, the nearest of ``sources`` and the travel time (one multi-source search).

    Parameters
    ----------
    G : networkx graph or CompiledGraph
        A graph is compiled (or fetched from the cache, which costs one pass over its edge weights
        to check the fingerprint); pass a :class:`CompiledGraph` when calling in a loop.
    sources : sequence of node ids
    weight : str or callable
    cutoff : float, optional
    direction : {"from", "to"}
        ``"from"``: time from the nearest source to the node; ``"to"``: time from the node to its
        nearest source (e.g. nearest station from every home).

    Returns
    -------
    pandas.DataFrame
        Index: all nodes (graph order); columns ``time`` (seconds, ``inf`` if none reachable) and
        ``source`` (the nearest source's id, ``None`` if none).

    Examples
    --------
    >>> import networkx as nx
    >>> from cztmap.network.engine import nearest
    >>> G = nx.DiGraph()
    >>> G.add_weighted_edges_from([("h", "s1", 300.0), ("h", "s2", 200.0), ("s1", "h", 100.0)], weight="travel_time")
    >>> nearest(G, ["s1", "s2"], direction="to")
         time source
    h   200.0     s2
    s1    0.0     s1
    s2    0.0     s2
    """
    cg = _compiled(G, weight)
    dist, which = cg.nearest(sources, cutoff=cutoff, direction=direction)
    ids = np.empty(cg.n_nodes + 1, dtype=object)  # last slot (index -1 after clipping) stays None
    ids[:-1] = cg.nodes
    src_ids = ids[np.where(which >= 0, which, -1)]
    index = pd.Index(cg.nodes)
    # dtype=object keeps None (pandas >= 3 would otherwise infer a string dtype and turn None into NaN)
    return pd.DataFrame({"time": dist, "source": pd.Series(src_ids, index=index, dtype=object)}, index=index)
