"""Tests of the compiled array engine (cztmap.engine) against NetworkX as the reference."""

from __future__ import annotations

import gc
import importlib
import itertools
import math
import pickle
import sys
import weakref
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cztmap.errors import DataError, NoRouteError, UsageError
from cztmap.network import engine
from cztmap.network.engine import (
    CompiledGraph,
    compile_graph,
    invalidate,
    nearest,
    shortest_path,
    single_source,
    travel_time_matrix,
)

TOL = 1e-6
HYP = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------
@st.composite
def multidigraphs(draw: st.DrawFn, max_nodes: int = 12) -> nx.MultiDiGraph:
    """Random MultiDiGraphs with parallel edges, self loops and many zero / tied weights."""
    n = draw(st.integers(1, max_nodes))
    weight = st.one_of(
        st.sampled_from([0.0, 0.0, 1.0, 2.5, 60.0]),
        st.floats(0, 1000, allow_nan=False, allow_infinity=False),
    )
    edges = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), weight), max_size=4 * n))
    G = nx.MultiDiGraph()
    G.add_nodes_from(f"n{i}" for i in range(n))
    for u, v, w in edges:
        G.add_edge(f"n{u}", f"n{v}", travel_time=w, mode="metro" if w > 100 else "walk")
    return G


def nx_matrix(G: nx.Graph, nodes: list, weight: object = "travel_time", cutoff: float | None = None) -> np.ndarray:
    out = np.full((len(nodes), len(nodes)), np.inf)
    pos = {n: i for i, n in enumerate(nodes)}
    for i, s in enumerate(nodes):
        for t, d in nx.single_source_dijkstra_path_length(G, s, cutoff=cutoff, weight=weight).items():
            out[i, pos[t]] = d
    return out


def assert_same(a: np.ndarray, b: np.ndarray) -> None:
    assert a.shape == b.shape
    assert np.array_equal(np.isinf(a), np.isinf(b)), "reachability differs"
    fin = np.isfinite(a)
    if fin.any():
        assert np.max(np.abs(a[fin] - b[fin])) < TOL


def chain(weights: list[float]) -> nx.MultiDiGraph:
    G = nx.MultiDiGraph()
    for i, w in enumerate(weights):
        G.add_edge(i, i + 1, travel_time=w)
    return G


# --------------------------------------------------------------------------------------------------
# equality with NetworkX
# --------------------------------------------------------------------------------------------------
@HYP
@given(multidigraphs())
def test_matches_networkx_all_pairs(G: nx.MultiDiGraph) -> None:
    nodes = list(G)
    assert_same(compile_graph(G, cache=False).distances(nodes, nodes), nx_matrix(G, nodes))


@HYP
@given(multidigraphs(), st.sampled_from([0.0, 1.0, 2.5, 60.0, 500.0]))
def test_cutoff_matches_networkx(G: nx.MultiDiGraph, cutoff: float) -> None:
    nodes = list(G)
    cg = compile_graph(G, cache=False)
    assert_same(cg.distances(nodes, nodes, cutoff=cutoff), nx_matrix(G, nodes, cutoff=cutoff))
    s = nodes[0]
    assert cg.single_source(s, cutoff=cutoff) == pytest.approx(
        nx.single_source_dijkstra_path_length(G, s, cutoff=cutoff, weight="travel_time"), abs=TOL
    )


@HYP
@given(multidigraphs())
def test_callable_weight_matches_networkx(G: nx.MultiDiGraph) -> None:
    def no_metro(u: object, v: object, d: dict) -> float | None:
        return min((e["travel_time"] for e in d.values() if e["mode"] != "metro"), default=None)

    nodes = list(G)
    assert_same(compile_graph(G, no_metro).distances(nodes, nodes), nx_matrix(G, nodes, weight=no_metro))


@HYP
@given(multidigraphs())
def test_triangle_inequality_and_diagonal(G: nx.MultiDiGraph) -> None:
    nodes = list(G)
    D = compile_graph(G, cache=False).distances(nodes, nodes)
    assert np.all(np.diag(D) == 0)
    # D[i, k] <= D[i, j] + D[j, k] for all i, j, k
    via = D[:, :, None] + D[None, :, :]
    assert np.all(D[:, None, :] <= via + 1e-9)


@HYP
@given(multidigraphs(), st.data())
def test_path_weight_equals_distance(G: nx.MultiDiGraph, data: st.DataObject) -> None:
    nodes = list(G)
    s = data.draw(st.sampled_from(nodes))
    cg = compile_graph(G, cache=False)
    dist = cg.single_source(s)
    for t, d in dist.items():
        p = cg.path(s, t)
        assert p[0] == s and p[-1] == t
        total = sum(min(e["travel_time"] for e in G[a][b].values()) for a, b in itertools.pairwise(p))
        assert abs(total - d) < TOL
    for t in set(nodes) - set(dist):
        with pytest.raises(NoRouteError):
            cg.path(s, t)


@HYP
@given(multidigraphs(), st.data())
def test_transposed_search_and_duplicates(G: nx.MultiDiGraph, data: st.DataObject) -> None:
    nodes = list(G)
    src = data.draw(st.lists(st.sampled_from(nodes), min_size=1, max_size=8))
    tgt = data.draw(st.lists(st.sampled_from(nodes), min_size=1, max_size=3))
    full = nx_matrix(G, nodes)
    pos = {n: i for i, n in enumerate(nodes)}
    expect = full[np.ix_([pos[s] for s in src], [pos[t] for t in tgt])]
    assert_same(compile_graph(G, cache=False).distances(src, tgt), expect)


@HYP
@given(multidigraphs(), st.data(), st.sampled_from(["from", "to"]))
def test_nearest_matches_min_over_sources(G: nx.MultiDiGraph, data: st.DataObject, direction: str) -> None:
    nodes = list(G)
    src = data.draw(st.lists(st.sampled_from(nodes), min_size=1, max_size=4, unique=True))
    full = nx_matrix(G, nodes)
    pos = [nodes.index(s) for s in src]
    sub = full[pos, :] if direction == "from" else full[:, pos].T
    df = nearest(G, src, direction=direction)  # type: ignore[arg-type]
    assert list(df.index) == nodes
    assert_same(df["time"].to_numpy(), sub.min(axis=0))
    for node, row in df.iterrows():
        if math.isinf(row["time"]):
            assert row["source"] is None
        else:  # the reported source really achieves the minimum
            j = src.index(row["source"])
            assert abs(sub[j, nodes.index(node)] - row["time"]) < TOL


# --------------------------------------------------------------------------------------------------
# zero weights, parallel edges
# --------------------------------------------------------------------------------------------------
def test_zero_weight_edges_are_usable() -> None:
    G = chain([0.0, 0.0, 5.0, 0.0])
    cg = compile_graph(G)
    assert cg.n_edges == 4  # explicit zeros stored, not dropped
    assert cg.distances([0], [1, 2, 3, 4]).tolist() == [[0.0, 0.0, 5.0, 5.0]]
    assert cg.distances([4], [0]).tolist() == [[math.inf]]  # absent entry = no edge
    assert cg.path(0, 4) == [0, 1, 2, 3, 4]
    assert cg.nearest([0], direction="to")[0].tolist() == [0.0, math.inf, math.inf, math.inf, math.inf]
    assert cg.transpose.nnz == 4  # the reversed graph keeps the zeros too
    assert compile_graph(G).distances([4], [0, 2], cutoff=0).tolist() == [[math.inf, math.inf]]
    assert single_source(G, 0, cutoff=0.0) == {0: 0.0, 1: 0.0, 2: 0.0}


def test_parallel_edges_take_minimum_not_sum() -> None:
    G = nx.MultiDiGraph()
    for w in (30.0, 10.0, 20.0):
        G.add_edge("a", "b", travel_time=w)
    cg = compile_graph(G)
    assert cg.n_edges == 1
    assert cg.distances(["a"], ["b"])[0, 0] == 10.0


def test_undirected_graph_both_directions() -> None:
    G = nx.Graph()
    G.add_edge("a", "b", travel_time=7.0)
    assert travel_time_matrix(G, ["a", "b"]).to_numpy().tolist() == [[0.0, 7.0 / 60], [7.0 / 60, 0.0]]


def test_graph_without_edges() -> None:
    G = nx.DiGraph()
    G.add_nodes_from([1, 2])
    assert compile_graph(G).distances([1, 2]).tolist() == [[0.0, math.inf], [math.inf, 0.0]]


# --------------------------------------------------------------------------------------------------
# callable weights, errors
# --------------------------------------------------------------------------------------------------
def test_callable_none_hides_edge_and_bad_return_rejected() -> None:
    G = nx.MultiDiGraph()
    G.add_edge("a", "b", travel_time=10.0, mode="hsr")
    G.add_edge("a", "c", travel_time=10.0, mode="metro")
    G.add_edge("c", "b", travel_time=10.0, mode="metro")

    def no_hsr(u: object, v: object, d: dict) -> float | None:
        return None if any(e["mode"] == "hsr" for e in d.values()) else 1.0 * min(e["travel_time"] for e in d.values())

    assert shortest_path(G, "a", "b", weight=no_hsr) == ["a", "c", "b"]
    assert travel_time_matrix(G, ["a"], ["b"], weight=no_hsr).iloc[0, 0] == 20.0 / 60
    with pytest.raises(DataError, match=r"callable returned -1"):
        compile_graph(G, lambda u, v, d: -1)
    with pytest.raises(DataError, match="callable returned nan"):
        compile_graph(G, lambda u, v, d: float("nan"))
    with pytest.raises(UsageError, match="`weight` must be"):
        compile_graph(G, 42)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "word"),
    [(None, "missing"), (-1.0, "-1.0"), (float("nan"), "nan"), (float("inf"), "inf"), ("fast", "'fast'")],
)
def test_bad_weight_names_edge_and_attribute(value: object, word: str) -> None:
    G = nx.MultiDiGraph()
    G.add_edge("S:a", "S:b", travel_time=1.0)
    G.add_edge("S:b", "S:c", travel_time=2.0)
    G.add_edge("S:b", "S:c", travel_time=value) if value is not None else G.add_edge("S:b", "S:c")
    with pytest.raises(DataError) as exc:
        compile_graph(G)
    msg = str(exc.value)
    assert "('S:b', 'S:c', 1)" in msg and "`travel_time`" in msg and word in msg


def test_unknown_node_is_usage_error_naming_it() -> None:
    G = chain([1.0, 2.0])
    cg = compile_graph(G)
    with pytest.raises(UsageError, match=r"Unknown node 'zz' in `sources`"):
        cg.distances(["zz"])
    with pytest.raises(UsageError, match=r"Unknown node 99 in `targets`"):
        travel_time_matrix(G, [0], [99])
    with pytest.raises(UsageError, match=r"Unknown node 'x' in `source`"):
        single_source(G, "x")
    with pytest.raises(UsageError, match=r"Unknown node \[1\] in `target`"):
        shortest_path(G, 0, [1])  # unhashable
    with pytest.raises(UsageError, match="cutoff"):
        cg.distances([0], cutoff=-1)
    with pytest.raises(UsageError, match="n_jobs"):
        cg.distances([0], n_jobs=0)
    with pytest.raises(UsageError, match="direction"):
        cg.nearest([0], direction="sideways")  # type: ignore[arg-type]


def test_no_route_error() -> None:
    G = chain([1.0])
    with pytest.raises(NoRouteError, match="No path from 1 to 0"):
        shortest_path(G, 1, 0)
    with pytest.raises(NoRouteError, match=r"within 0\.5 s"):
        shortest_path(G, 0, 1, cutoff=0.5)
    assert shortest_path(G, 0, 0) == [0]


# --------------------------------------------------------------------------------------------------
# caching
# --------------------------------------------------------------------------------------------------
def test_cache_reuse_and_invalidation() -> None:
    G = chain([1.0, 2.0])
    a = compile_graph(G)
    assert compile_graph(G) is a
    assert compile_graph(G, cache=False) is not a

    G[0][1][0]["travel_time"] = 5.0  # weight edit, same counts -> detected
    b = compile_graph(G)
    assert b is not a and b.distances([0], [2])[0, 0] == 7.0

    G.add_edge(2, 0, travel_time=1.0)  # structure edit -> detected
    c = compile_graph(G)
    assert c is not b and c.distances([2], [0])[0, 0] == 1.0

    # Rewiring that keeps counts and the weight sequence is NOT detected: that is what invalidate() is for.
    G.remove_edge(2, 0)
    G.add_edge(2, 1, travel_time=1.0)
    stale = compile_graph(G)
    assert stale is c and stale.distances([2], [1])[0, 0] == 6.0  # old graph: 2 -> 0 -> 1
    invalidate(G)
    fresh = compile_graph(G)
    assert fresh.distances([2], [1])[0, 0] == 1.0

    # per-weight entries, invalidate(G, weight)
    nx.set_edge_attributes(G, 100.0, "length")
    L = compile_graph(G, "length")
    assert compile_graph(G, "length") is L and compile_graph(G) is fresh
    invalidate(G, "length")
    assert compile_graph(G, "length") is not L and compile_graph(G) is fresh

    # callables are never cached
    f = lambda u, v, d: 1.0  # noqa: E731
    assert compile_graph(G, f) is not compile_graph(G, f)


def test_cache_does_not_keep_graph_alive_or_pollute_graph_attrs() -> None:
    G = chain([1.0])
    compile_graph(G)
    assert G.graph == {}
    assert G in engine._CACHE
    ref = weakref.ref(G)
    del G
    gc.collect()
    assert ref() is None


def test_compiled_graph_is_read_only_and_picklable() -> None:
    cg = compile_graph(chain([0.0, 3.0]))
    with pytest.raises(AttributeError):
        cg.nodes = ()  # type: ignore[misc]
    with pytest.raises(ValueError):
        cg.matrix.data[0] = 1.0
    cg2 = pickle.loads(pickle.dumps(cg))
    assert isinstance(cg2, CompiledGraph) and cg2.index == cg.index
    assert cg2.distances([0]).tolist() == cg.distances([0]).tolist() == [[0.0, 0.0, 3.0]]


# --------------------------------------------------------------------------------------------------
# matrix API and process pool
# --------------------------------------------------------------------------------------------------
def test_module_functions_accept_compiled_graph() -> None:
    G = chain([1.0, 2.0])
    cg = compile_graph(G)
    assert travel_time_matrix(cg, [0], [2]).iloc[0, 0] == 3.0 / 60
    assert single_source(cg, 1) == {1: 0.0, 2: 2.0}
    assert shortest_path(cg, 0, 2) == [0, 1, 2]
    assert nearest(cg, [1])["source"].tolist() == [None, 1, 1]
    with pytest.raises(UsageError, match="does not match"):
        single_source(cg, 0, weight="length")
    with pytest.raises(UsageError, match="callable"):
        single_source(cg, 0, weight=lambda u, v, d: 1.0)


def test_travel_time_matrix_frame() -> None:
    G = nx.DiGraph()
    G.add_weighted_edges_from([("A", "B", 60.0), ("B", "C", 30.0), ("C", "A", 10.0)], weight="travel_time")
    df = travel_time_matrix(G, ["A", "B", "A"], ["C", "A"])
    assert isinstance(df, pd.DataFrame)
    assert list(df.index) == ["A", "B", "A"] and list(df.columns) == ["C", "A"]
    assert df.to_numpy().tolist() == [[1.5, 0.0], [0.5, 40 / 60], [1.5, 0.0]]  # minutes
    assert travel_time_matrix(G, ["A"], ["C"], cutoff_min=1).iloc[0, 0] == math.inf
    assert travel_time_matrix(G, ["A"], ["C"], cutoff_min=1.5).iloc[0, 0] == 1.5
    assert travel_time_matrix(G, []).shape == (0, 0)


def test_travel_time_matrix_seconds_are_deprecated_but_kept() -> None:
    G = nx.DiGraph()
    G.add_weighted_edges_from([("A", "B", 60.0), ("B", "C", 30.0)], weight="travel_time")
    with pytest.warns(DeprecationWarning, match="unit='s'"):
        assert travel_time_matrix(G, ["A"], ["C"], unit="s").iloc[0, 0] == 90.0
    with pytest.warns(DeprecationWarning, match="cutoff_min"):
        assert travel_time_matrix(G, ["A"], ["C"], cutoff=60).iloc[0, 0] == math.inf
    with pytest.raises(UsageError, match="once"):
        travel_time_matrix(G, ["A"], ["C"], cutoff=60, cutoff_min=1)
    with pytest.raises(UsageError, match="unit"):
        travel_time_matrix(G, ["A"], unit="h")  # type: ignore[arg-type]


def test_process_pool_matches_serial(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(5)
    G = nx.gnm_random_graph(300, 1500, seed=5, directed=True)
    for u, v in G.edges:
        G[u][v]["travel_time"] = float(rng.integers(0, 100))
    cg = compile_graph(G)
    src = list(range(0, 300, 7))
    serial = cg.distances(src, [*range(50), 0])
    monkeypatch.setattr(engine, "_POOL_MIN_WORK", 0)
    monkeypatch.setattr(engine, "_BLOCK_ELEMENTS", 1000)  # also exercise several blocks per chunk
    assert np.array_equal(cg.distances(src, [*range(50), 0], n_jobs=2), serial)
    assert np.array_equal(cg.distances(src, n_jobs=2)[:, :50], serial[:, :50])


# --------------------------------------------------------------------------------------------------
# synthetic road-like graph + benchmark smoke run
# --------------------------------------------------------------------------------------------------
_BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name: str) -> Any:
    if str(_BENCH) not in sys.path:
        sys.path.insert(0, str(_BENCH))
    return importlib.import_module(name)


def test_synthetic_road_grid_matches_networkx() -> None:
    synthetic = _load("synthetic")
    G = synthetic.road_grid(1500, seed=3)
    assert G.graph["crs"] == "EPSG:4326" and nx.is_strongly_connected(G)
    assert list(synthetic.road_grid(1500, seed=3).edges(keys=True, data=True)) == list(G.edges(keys=True, data=True))
    assert any(k == 1 for _, _, k in G.edges(keys=True))  # has parallel edges
    x, y = G.nodes[0]["x"], G.nodes[0]["y"]
    assert 112.8 < x < 113.1 and 27.9 < y < 28.2
    nodes = list(G)
    src = nodes[::300]
    cg = compile_graph(G)
    assert_same(cg.distances(src), _nx_rows(G, src, nodes))
    iso = cg.single_source(src[0], cutoff=120)
    assert iso == pytest.approx(nx.single_source_dijkstra_path_length(G, src[0], cutoff=120, weight="travel_time"))


def _nx_rows(G: nx.Graph, src: list, nodes: list) -> np.ndarray:
    pos = {n: i for i, n in enumerate(nodes)}
    out = np.full((len(src), len(nodes)), np.inf)
    for i, s in enumerate(src):
        for t, d in nx.single_source_dijkstra_path_length(G, s, weight="travel_time").items():
            out[i, pos[t]] = d
    return out


def test_benchmark_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    bench = _load("bench_matrix")
    bench.main(["--nodes", "800", "--pairs", "20", "--repeat", "1", "--nx-sample", "5", "--no-pandana", "--no-osm"])
    out = capsys.readouterr().out
    assert "OD matrix 20×20" in out and "extrapolated" in out and "max |Δ| vs networkx" in out
