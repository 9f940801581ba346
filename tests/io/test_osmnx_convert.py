"""A cztmap graph as osmnx's own (cztmap.io.convert): every osmnx call of issue 16, scalar and list arguments,
on the embedded graph and on a graph with merged OpenStreetMap streets (tests/data/kouvola_tiny.osm, ODbL)."""

from __future__ import annotations

import itertools
from pathlib import Path

import matplotlib
import networkx as nx
import numpy as np
import osmnx as ox
import pytest

from cztmap.io.convert import VIRTUAL_MODES, from_osmnx, read_osmnx_graphml, street_view, to_osmnx, write_osmnx_graphml
from cztmap.network.build import build_graph
from cztmap.network.names import resolve_node

matplotlib.use("Agg")
OSM_XML = Path(__file__).resolve().parents[1] / "data" / "kouvola_tiny.osm"


@pytest.fixture(scope="module")
def embedded():
    G = build_graph(as_of="2024-07-01")
    return G, to_osmnx(G)


@pytest.fixture(scope="module")
def merged():
    from cztmap.io import osm

    G = osm.merge_roads(build_graph(as_of="2024-07-01"), osm.roads_from_file(OSM_XML))
    return G, to_osmnx(G)


def test_ids_are_integers_osm_kept_and_refs_readable(embedded, merged) -> None:
    G, H = embedded
    assert all(isinstance(n, int) and n < 0 for n in H.nodes)
    assert {H.nodes[n]["ref"] for n in H.nodes} == set(G.nodes)
    assert H.number_of_edges() == G.number_of_edges() and H.graph["crs"] == G.graph["crs"]
    Gm, Hm = merged
    osm_nodes = [n for n in Gm.nodes if str(n).startswith("O:")]
    assert osm_nodes, "the fixture merges OSM streets"
    for n in osm_nodes[:50]:
        assert int(n[2:]) in Hm and Hm.nodes[int(n[2:])]["osmid"] == int(n[2:])
    assert sorted(map(str, from_osmnx(Hm).nodes)) == sorted(map(str, Gm.nodes))


def test_shortest_path_scalar_and_list_with_station_names(embedded) -> None:
    G, H = embedded
    a, b = resolve_node(H, "湘潭北站"), resolve_node(H, "五一广场")
    c = resolve_node(H, "长沙南")
    path = ox.routing.shortest_path(H, a, b, weight="travel_time")
    assert isinstance(path, list) and path[0] == a and path[-1] == b
    # same answer as networkx on the readable graph
    ref = nx.shortest_path(G, H.nodes[a]["ref"], H.nodes[b]["ref"], weight="travel_time")
    assert [H.nodes[n]["ref"] for n in path] == ref
    paths = ox.routing.shortest_path(H, [a, c], [b, b], weight="travel_time", cpus=1)
    assert len(paths) == 2 and paths[0] == path and paths[1][0] == c
    k = list(ox.routing.k_shortest_paths(H, a, b, 3, weight="travel_time"))
    assert len(k) == 3 and k[0] == path
    costs = [sum(min(d["travel_time"] for d in H[u][v].values()) for u, v in itertools.pairwise(p)) for p in k]
    assert costs == sorted(costs)


def test_nearest_nodes_scalar_and_array(embedded) -> None:
    _G, H = embedded
    a = resolve_node(H, "五一广场")
    x, y = H.nodes[a]["x"], H.nodes[a]["y"]
    S = street_view(H)
    n = ox.distance.nearest_nodes(S, x, y)
    assert isinstance(n, (int, np.integer)) and S.nodes[n]["x"] == x and S.nodes[n]["y"] == y
    ns = ox.distance.nearest_nodes(S, np.array([x, x + 0.0001]), np.array([y, y]))
    assert len(ns) == 2 and int(ns[0]) == int(n)


@pytest.mark.parametrize("which", ["embedded", "merged"])
def test_graphml_round_trip_through_osmnx(which, request, tmp_path) -> None:
    G, H = request.getfixturevalue(which)
    path = write_osmnx_graphml(G, tmp_path / "g.graphml")
    L = ox.io.load_graphml(path)
    assert set(L.nodes) == set(H.nodes) and L.number_of_edges() == H.number_of_edges()
    n = next(iter(H.nodes))
    assert L.nodes[n]["ref"] == H.nodes[n]["ref"] and L.nodes[n]["x"] == pytest.approx(H.nodes[n]["x"])
    u, v, k = next(iter(H.edges(keys=True)))
    assert L[u][v][k]["travel_time"] == pytest.approx(H[u][v][k]["travel_time"])
    back = read_osmnx_graphml(path)
    assert set(map(str, back.nodes)) == set(map(str, G.nodes))


@pytest.mark.parametrize("which", ["embedded", "merged"])
def test_project_digraph_gdfs_stats_plot(which, request) -> None:
    _G, H = request.getfixturevalue(which)
    P = ox.projection.project_graph(H)
    assert P.graph["crs"] != H.graph["crs"] and P.number_of_nodes() == H.number_of_nodes()
    D = ox.convert.to_digraph(H, weight="travel_time")
    assert isinstance(D, nx.DiGraph) and D.number_of_nodes() == H.number_of_nodes()
    nodes, edges = ox.convert.graph_to_gdfs(H)
    assert len(nodes) == H.number_of_nodes() and len(edges) == H.number_of_edges()
    R = ox.convert.graph_from_gdfs(nodes, edges)
    assert set(R.nodes) == set(H.nodes) and R.number_of_edges() == H.number_of_edges()
    stats = ox.stats.basic_stats(street_view(H))
    assert stats["n"] > 0 and stats["m"] > 0 and stats["street_length_total"] > 0
    S = street_view(H)
    assert not any(d.get("mode") in VIRTUAL_MODES for *_, d in S.edges(data=True))
    fig, ax = ox.plot.plot_graph(S, show=False, close=False, node_size=2)
    drawn = sum(len(c.get_segments()) for c in ax.collections if hasattr(c, "get_segments"))
    assert drawn == S.number_of_edges()
    import matplotlib.pyplot as plt

    plt.close(fig)
