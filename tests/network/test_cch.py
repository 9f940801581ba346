"""The CCH backend (RoutingKit via pyroutingkit) against the scipy engine, with the rounding stated.

Rounding rule (cztmap.network.cch): weights become integer milliseconds, ``round(s * 1000)``.
So the CCH distance equals, exactly, Dijkstra on the rounded weights; and it is within
0.5 ms × (edges on the path) of Dijkstra on the raw weights.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from benchmarks.synthetic import road_grid_arrays
from cztmap.errors import UsageError
from cztmap.network import cch as cch_mod
from cztmap.network import engine
from cztmap.network.engine import compile_arrays, compile_graph, travel_time_matrix

# pyroutingkit is in the test extra: without it these tests fail (UsageError naming the package), never skip.


def _grid(n: int = 3000, seed: int = 2) -> engine.CompiledGraph:
    a = road_grid_arrays(n, seed=seed)
    return compile_arrays(a["u"], a["v"], a["travel_time"], n_nodes=len(a["x"]), lon=a["x"], lat=a["y"])


def _ms_reference(cg: engine.CompiledGraph, src: np.ndarray, tgt: np.ndarray) -> np.ndarray:
    """Dijkstra (scipy) on the same graph with every weight rounded to integer milliseconds."""
    u, v = _arcs(cg)
    w = cg.edge_weights
    open_ = np.isfinite(w)  # closed edges are absent
    ms = engine.compile_arrays(u[open_], v[open_], np.rint(w[open_] * 1000.0), n_nodes=cg.n_nodes)
    return ms.distances(src.tolist(), tgt.tolist())  # exact integer sums in float64


def _arcs(cg: engine.CompiledGraph) -> tuple[np.ndarray, np.ndarray]:
    u, v, _ = cg._topo.raw_endpoints()  # type: ignore[union-attr]
    return u, v


def test_cch_equals_dijkstra_on_millisecond_weights_and_is_close_to_raw(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CZTMAP_CACHE_DIR", str(tmp_path))
    cg = _grid()
    rng = np.random.default_rng(0)
    src = rng.choice(cg.n_nodes, 40, replace=False)
    tgt = rng.choice(cg.n_nodes, 60, replace=False)
    got = cg.distances(src.tolist(), tgt.tolist(), backend="cch")
    assert np.array_equal(np.rint(got * 1000.0), _ms_reference(cg, src, tgt))  # exact on the stated rounding
    raw = cg.distances(src.tolist(), tgt.tolist(), backend="scipy")
    assert np.isfinite(raw).all()
    # at most 0.5 ms per edge; a path here has < 400 edges
    assert np.abs(got - raw).max() <= 0.0005 * 400
    assert cg.cch().index.loaded is False  # built here...
    again = _grid()
    again.distances([0], [1], backend="cch")
    assert again.cch().index.loaded is True  # ...and loaded from the disk cache by the second graph
    assert any(tmp_path.joinpath("cch").iterdir())


def test_new_customisation_per_closure_and_weight_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CZTMAP_CACHE_DIR", str(tmp_path))
    cg = _grid(2000, seed=5)
    rng = np.random.default_rng(1)
    src = rng.choice(cg.n_nodes, 20, replace=False)
    tgt = rng.choice(cg.n_nodes, 20, replace=False)
    closed = cg.close_edges(rng.choice(cg.edge_weights.size, 300, replace=False))
    slower = cg.with_edge_weights(cg.edge_weights * 1.7)
    for variant in (closed, slower):
        got = variant.distances(src.tolist(), tgt.tolist(), backend="cch")
        ref = _ms_reference(variant, src, tgt)
        assert np.array_equal(np.isinf(got), np.isinf(ref))
        fin = np.isfinite(ref)
        assert np.array_equal(np.rint(got[fin] * 1000.0), ref[fin])
        assert variant.cch().index is cg.cch().index  # one metric-independent index for every edit


def test_auto_backend_and_matrix_api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CZTMAP_CACHE_DIR", str(tmp_path))
    cg = _grid(1500, seed=3)
    nodes = list(range(0, cg.n_nodes, 97))
    assert cg._backend("auto", len(nodes), len(nodes)) == "scipy"  # small graph
    monkeypatch.setattr(engine, "CCH_MIN_NODES", 100)
    monkeypatch.setattr(engine, "CCH_MIN_PAIRS_SIDE", 5)
    assert cg._backend("auto", len(nodes), len(nodes)) == "cch"
    a = travel_time_matrix(cg, nodes, backend="auto")
    b = travel_time_matrix(cg, nodes, backend="scipy")
    assert a.index.equals(b.index) and np.abs(a.to_numpy() - b.to_numpy()).max() < 0.2 / 60  # minutes
    cut = travel_time_matrix(cg, nodes, backend="cch", cutoff_min=2.0).to_numpy()
    assert np.array_equal(np.isinf(cut), a.to_numpy() > 2.0)


def test_cch_from_networkx_and_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CZTMAP_CACHE_DIR", str(tmp_path))
    G = nx.MultiDiGraph()
    for n, (x, y) in enumerate([(112.9, 28.0), (112.91, 28.0), (112.92, 28.01)]):
        G.add_node(n, x=x, y=y)
    G.add_edge(0, 1, travel_time=10.0004)
    G.add_edge(1, 2, travel_time=5.0)
    G.add_edge(1, 1, travel_time=1.0)  # a self loop is harmless
    cg = compile_graph(G, cache=False)
    assert cg.distances([0], [2], backend="cch").tolist() == [[15.0]]
    H = nx.DiGraph([(0, 1, {"travel_time": 1.0})])  # no coordinates
    with pytest.raises(UsageError, match="coordinates"):
        compile_graph(H, cache=False).distances([0], [1], backend="cch")
    with pytest.raises(UsageError, match="backend"):
        cg.distances([0], [1], backend="fast")
    with pytest.raises(UsageError, match="one value per arc"):
        cg.cch().index.customize(np.ones(99))


def test_cache_can_be_disabled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CZTMAP_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("CZTMAP_NO_CACHE", "1")
    assert cch_mod.cache_dir() is None
    _grid(500).distances([0], [1], backend="cch")
    assert not (tmp_path / "cch").exists()
