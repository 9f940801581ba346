"""Properties (hypothesis) of the network model that the other test files do not already check.

Already covered elsewhere, not repeated here:

- coordinate round trips WGS-84 ⇄ GCJ-02 ⇄ BD-09: ``tests/foundation/test_geo.py``;
- engine = NetworkX on random multigraphs, cutoffs, triangle inequality and zero diagonal:
  ``tests/network/test_engine.py``; the station matrix = NetworkX and its triangle inequality: ``tests/analysis/test_analysis.py``;
- isochrones nest (a larger budget covers a smaller one): ``tests/analysis/test_analysis.py::test_isochrones_nest``;
- adding a line / closing a section, road or line on the real network: ``tests/data/test_scenarios.py``.

Added here: adding an edge never lengthens and removing one never shortens a shortest time (random
graphs, through the engine); isochrones nest across the two ``speed_beyond`` modes; ``build_graph``
gives the same nodes, edges, keys and attributes in the same order twice; a scenario that changes
nothing (empty, or re-setting a line's headway to its own value) gives back the base network, and
applying a scenario never alters the base dataset.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cztmap.data.dataset import load_dataset
from cztmap.data.scenario import apply_scenario, parse_scenario
from cztmap.network.build import build_graph, scenario_graph
from cztmap.network.engine import compile_graph

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(
    max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
DAY = "2023-06-28"


@st.composite
def graphs_and_edge(draw: st.DrawFn) -> tuple[nx.MultiDiGraph, tuple[str, str, float]]:
    """A random MultiDiGraph (parallel edges, self loops, zero weights) and one more edge for it."""
    n = draw(st.integers(2, 10))
    w = st.one_of(st.sampled_from([0.0, 1.0, 60.0]), st.floats(0, 1000, allow_nan=False, allow_infinity=False))
    edges = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), w), min_size=1, max_size=3 * n))
    G = nx.MultiDiGraph()
    G.add_nodes_from(f"n{i}" for i in range(n))
    for u, v, x in edges:
        G.add_edge(f"n{u}", f"n{v}", travel_time=x)
    extra = (f"n{draw(st.integers(0, n - 1))}", f"n{draw(st.integers(0, n - 1))}", draw(w))
    return G, extra


def _matrix(G: nx.MultiDiGraph) -> np.ndarray:
    nodes = sorted(G.nodes)
    return compile_graph(G).distances(nodes, nodes)  # engine seconds


@FAST
@given(graphs_and_edge())
def test_adding_an_edge_never_increases_a_travel_time(case: tuple[nx.MultiDiGraph, tuple[str, str, float]]) -> None:
    G, (u, v, w) = case
    before = _matrix(G)
    H = G.copy()
    H.add_edge(u, v, travel_time=w)
    after = _matrix(H)
    assert (after <= before + 1e-9).all()
    # and the new edge is an upper bound on u -> v
    nodes = sorted(G.nodes)
    assert after[nodes.index(u), nodes.index(v)] <= w + 1e-9


@FAST
@given(graphs_and_edge(), st.data())
def test_removing_an_edge_never_decreases_a_travel_time(
    case: tuple[nx.MultiDiGraph, tuple[str, str, float]], data: st.DataObject
) -> None:
    G, _ = case
    edges = list(G.edges(keys=True))
    u, v, k = data.draw(st.sampled_from(edges))
    before = _matrix(G)
    H = G.copy()
    H.remove_edge(u, v, k)
    after = _matrix(H)
    assert (after >= before - 1e-9).all()


# ---------------------------------------------------------------------------------------------- real network


@pytest.fixture(scope="module")
def G_day() -> nx.MultiDiGraph:
    return build_graph(as_of=DAY)


@SLOW
@given(minutes=st.integers(10, 60), origin=st.sampled_from(["山塘", "五一广场", "株洲南", "湘潭北站"]))
def test_isochrone_access_speed_covers_walk(G_day: nx.MultiDiGraph, minutes: int, origin: str) -> None:
    """Spending the time left at a reached node at access (feeder) speed covers at least the walk area."""
    from cztmap.analysis.isochrones import isochrones

    walk = isochrones(G_day, origin, [minutes], speed_beyond="walk").geometry.iloc[0]
    acc = isochrones(G_day, origin, [minutes], speed_beyond="access").geometry.iloc[0]
    assert walk.difference(acc).area <= 1e-6 * max(walk.area, 1e-12) + 1e-9


def _snapshot(G: nx.MultiDiGraph) -> tuple:
    def norm(d: dict) -> tuple:
        return tuple(sorted((k, ("nan" if isinstance(v, float) and math.isnan(v) else repr(v))) for k, v in d.items()))

    return (
        norm(G.graph),
        [(n, norm(d)) for n, d in G.nodes(data=True)],
        [(u, v, k, norm(d)) for u, v, k, d in G.edges(keys=True, data=True)],
    )


@SLOW
@given(
    as_of=st.sampled_from(["2014-04-29", DAY, "2024-07-01"]),
    period=st.sampled_from(["peak", "offpeak"]),
    modes=st.sampled_from([None, ["metro"], ["metro", "road"], ["intercity", "hsr"]]),
)
def test_build_graph_is_deterministic(as_of: str, period: str, modes: list[str] | None) -> None:
    """Same inputs: the same nodes, edges and keys in the same order, with identical attributes."""
    a = build_graph(as_of=as_of, period=period, modes=modes)
    b = build_graph(as_of=as_of, period=period, modes=modes)
    assert _snapshot(a) == _snapshot(b)


def _edges(G: nx.MultiDiGraph) -> list:
    return sorted((u, v, round(d["travel_time"], 9), d.get("mode"), d.get("line_id")) for u, v, d in G.edges(data=True))


def _frame(df):
    return df.drop(columns="geometry").astype(str).sort_values(list(df.columns[:1])).reset_index(drop=True), sorted(
        g.wkt for g in df.geometry if g is not None
    )


def test_empty_scenario_apply_returns_the_base_dataset() -> None:
    base = load_dataset(as_of=DAY)
    out = apply_scenario(parse_scenario({"name": "nothing", "as_of": DAY}))
    for layer in ("stations", "sections"):
        a, ga = _frame(getattr(base, layer))
        b, gb = _frame(getattr(out, layer)[list(getattr(base, layer).columns)])
        assert a.equals(b) and ga == gb, layer


_RETIMABLE = None


def _retimable() -> list[tuple[str, float]]:
    global _RETIMABLE
    if _RETIMABLE is None:
        lines = load_dataset(as_of=DAY).lines
        _RETIMABLE = [
            (r.line_id, float(r.headway_peak_min))
            for r in lines.itertuples()
            if r.line_id != "WR" and r.headway_peak_min == r.headway_peak_min
        ]
    return _RETIMABLE


@SLOW
@given(i=st.integers(0, 100))
def test_self_cancelling_headway_gives_back_the_base_graph(G_day: nx.MultiDiGraph, i: int) -> None:
    """Re-setting a line's peak headway to its own value changes no edge of the graph."""
    line, peak = _retimable()[i % len(_retimable())]
    scn = parse_scenario({"name": "same", "as_of": DAY, "headway": [{"line": line, "peak": peak}]})
    G = scenario_graph(scn)
    assert set(G.nodes) == set(G_day.nodes) and _edges(G) == _edges(G_day)


@SLOW
@given(kind=st.sampled_from(["sections", "lines", "stations"]), k=st.integers(0, 10_000))
def test_applying_a_scenario_leaves_the_base_untouched(kind: str, k: int) -> None:
    """Apply a closure, then rebuild without it: the base network is exactly as before (no shared state)."""
    before = _edges(build_graph(as_of=DAY))
    base = load_dataset(as_of=DAY)
    col = {
        "sections": (base.sections, "section_id"),
        "lines": (base.lines, "line_id"),
        "stations": (base.stations, "name_zh"),
    }[kind]
    ids = sorted(col[0][col[1]])
    scn = parse_scenario({"name": "shut", "as_of": DAY, "close": [{kind: [ids[k % len(ids)]]}]})
    scenario_graph(scn)
    assert _edges(build_graph(as_of=DAY)) == before
    assert _edges(scenario_graph(parse_scenario({"name": "nothing", "as_of": DAY}))) == before
