"""Graph validation where a graph enters cztmap (check_graph), and that every API entry point applies it."""

from __future__ import annotations

import math
import warnings

import networkx as nx
import pytest

from cztmap import build_graph, route
from cztmap.errors import CztmapWarning, DataError, UsageError
from cztmap.network.validate_graph import check_graph


@pytest.fixture(scope="module")
def G_metro():
    return build_graph(as_of="2024-07-01", modes=["metro"])


def _tiny(**edge) -> nx.MultiDiGraph:
    G = nx.MultiDiGraph()
    G.add_node("a", x=112.97, y=28.19, kind="station", name_zh="甲")
    G.add_node("b", x=112.98, y=28.195, kind="station", name_zh="乙")
    G.add_edge("a", "b", **{"travel_time": 60.0, "length": 1000.0, **edge})
    G.add_edge("b", "a", travel_time=60.0, length=1000.0)
    return G


@pytest.mark.parametrize("as_of", ["2016-01-01", "2024-07-01", "2026-11-01"])
def test_every_built_graph_passes(as_of):
    with warnings.catch_warnings():
        warnings.simplefilter("error", CztmapWarning)
        check_graph(build_graph(as_of=as_of))


@pytest.mark.parametrize(
    ("edge", "phrase"),
    [
        ({"travel_time": math.nan}, "`travel_time` is nan"),
        ({"travel_time": math.inf}, "`travel_time` is inf"),
        ({"travel_time": -1.0}, "`travel_time` is -1.0"),
        ({"travel_time": "60"}, "`travel_time` is '60'"),
        ({"travel_time": True}, "`travel_time` is True"),
        ({"travel_time": None}, "with no `travel_time`"),
        ({"length": math.nan}, "`length` is nan"),
        ({"length": -3.0}, "`length` is -3.0"),
        ({"wait_time": math.inf}, "`wait_time` is inf"),
    ],
)
def test_bad_edges_are_named(edge, phrase):
    with pytest.raises(DataError, match=phrase.replace("(", r"\(")) as exc:
        check_graph(_tiny(**edge))
    assert "('a', 'b', 0)" in str(exc.value)


@pytest.mark.parametrize(
    ("node", "phrase"),
    [
        ({"x": None}, "with no `x`"),
        ({"y": "north"}, "`y` = 'north', not a number"),
        ({"y": 95.0}, "not a latitude in"),
        ({"x": math.nan}, "not a finite longitude"),
        ({"x": 13.4}, "outside the Chang-Zhu-Tan region"),
    ],
)
def test_bad_nodes_are_named(node, phrase):
    G = _tiny()
    G.nodes["a"].update(node)
    if node.get("x", 0) is None:
        del G.nodes["a"]["x"]
    with pytest.raises(DataError, match=phrase) as exc:
        check_graph(G)
    assert "'a'" in str(exc.value)


def test_swapped_coordinates_are_diagnosed():
    G = _tiny()
    for _, d in G.nodes(data=True):
        d["x"], d["y"] = d["y"], d["x"]
    with pytest.raises(DataError, match="look swapped"):
        check_graph(G)


def test_another_region_when_the_graph_says_so():
    G = _tiny()
    for _, d in G.nodes(data=True):
        d["x"] -= 86.0
        d["y"] += 32.7
    with pytest.raises(DataError, match="region = 'any'"):
        check_graph(G)
    G.graph["region"] = "any"
    check_graph(G)


@pytest.mark.parametrize(
    ("graph", "cls", "phrase"),
    [
        (nx.MultiGraph(), DataError, "undirected"),
        (nx.DiGraph([("a", "b")]), DataError, "without edge keys"),
        (nx.MultiDiGraph(), DataError, "has no nodes"),
        ({"a": "b"}, UsageError, "not a networkx graph"),
        (None, UsageError, "not a networkx graph"),
    ],
)
def test_wrong_shapes(graph, cls, phrase):
    with pytest.raises(cls, match=phrase):
        check_graph(graph)


def test_an_impossible_speed_is_warned_once():
    G = _tiny(length=44000.0, travel_time=1.0)
    with pytest.warns(CztmapWarning, match="faster than 612 km/h"):
        check_graph(G)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CztmapWarning)
        check_graph(G)  # the same graph: said once already


def test_every_api_entry_point_validates(G_metro):
    from cztmap.analysis.criticality import criticality
    from cztmap.analysis.isochrones import isochrones
    from cztmap.analysis.matrix import station_matrix, zone_matrix
    from cztmap.network.routing import in_vehicle_time

    H = G_metro.copy()
    u, v, k = next(iter(H.edges(keys=True)))
    H.edges[u, v, k]["travel_time"] = math.nan
    calls = [
        lambda: route(H, "五一广场", "橘子洲"),
        lambda: in_vehicle_time(H, "L2", "五一广场", "橘子洲"),
        lambda: isochrones(H, "五一广场", [20]),
        lambda: station_matrix(H),
        lambda: zone_matrix(H),
        lambda: criticality(H, kinds=["station"], top=1),
    ]
    for call in calls:
        with pytest.raises(DataError, match="travel_time"):
            call()


def test_graphml_round_trip_of_text_xml_cannot_hold(tmp_path):
    from cztmap.io.layers import read_graph, write_graph

    G = _tiny()
    G.nodes["a"]["name_zh"] = "甲\x00站"
    with pytest.warns(CztmapWarning, match="control characters"):
        write_graph(G, tmp_path / "g.graphml")
    H = read_graph(tmp_path / "g.graphml")
    assert H.nodes["a"]["name_zh"] == "甲\ufffd站" and G.nodes["a"]["name_zh"] == "甲\x00站"


def test_an_undirected_graphml_is_refused(tmp_path):
    from cztmap.io.layers import read_graph

    p = tmp_path / "u.graphml"
    nx.write_graphml(nx.Graph([("a", "b")]), p)
    with pytest.raises(DataError, match="is undirected"):
        read_graph(p)


def test_a_far_extract_is_marked_and_then_routable(tmp_path):
    """Kouvola merged into the embedded network: warned, marked region='any', written, read back, routed on."""
    from pathlib import Path

    from cztmap.io.layers import read_graph, write_graph
    from cztmap.io.osm import merge_roads, roads_from_file

    fixture = Path(__file__).resolve().parents[1] / "data" / "kouvola_tiny.osm"
    with pytest.warns(CztmapWarning, match="lies outside Chang-Zhu-Tan"):
        R = roads_from_file(fixture)
    assert R.graph["region"] == "any"
    H = merge_roads(build_graph(as_of="2024-07-01", modes=["metro"]), R)
    assert H.graph["region"] == "any"
    H2 = read_graph(write_graph(H, tmp_path / "h.graphml"))
    a, b = next((u, v) for u, v in R.edges() if u != v)
    it = route(H2, f"O:{a}", f"O:{b}")
    assert math.isfinite(it.total_s) and it.total_s > 0
