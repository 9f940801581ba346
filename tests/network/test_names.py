"""The one place resolver (cztmap.network.names): names, districts, points, diagnoses, no mutation."""

from __future__ import annotations

import copy

import networkx as nx
import pytest

from cztmap import build_graph, route
from cztmap._text import normalize_name
from cztmap.data.dataset import load_dataset
from cztmap.data.scenario import match_station
from cztmap.errors import StationNotFoundError, UsageError
from cztmap.network.names import overlay, resolve_node, resolve_places, station_index


@pytest.fixture(scope="module")
def G_metro():
    return build_graph(as_of="2024-07-01", modes=["metro"])


def _fingerprint(G: nx.MultiDiGraph) -> tuple:
    return (
        sorted(map(str, G.nodes)),
        sorted((str(u), str(v), k) for u, v, k in G.edges(keys=True)),
        sorted(G.graph),
        {str(n): dict(d) for n, d in G.nodes(data=True)},
    )


def test_route_with_points_never_changes_the_callers_graph(G_metro, tmp_path):
    from cztmap.io.layers import write_graph

    before = _fingerprint(G_metro)
    G = nx.freeze(copy.deepcopy(G_metro))  # a frozen graph raises on any change
    it = route(G, "112.9388,28.2282", (112.97, 28.19))
    assert it.total_s > 0 and it.origin.startswith("X:")
    route(G_metro, "112.9388,28.2282", "橘子洲")
    assert _fingerprint(G_metro) == before
    text = write_graph(G_metro, tmp_path / "g.graphml").read_text(encoding="utf-8")
    assert "X:112.9388" not in text and "_station_index" not in text  # nothing leaks into an export


def test_overlay_copies_on_write_only():
    G = nx.MultiDiGraph()
    G.add_edge("a", "b", travel_time=1.0)
    G.add_edge("b", "c", travel_time=2.0)
    H = overlay(G)
    H.add_edge("a", "b", travel_time=9.0)  # a parallel edge
    H.add_edge("c", "d")
    H.add_node("a", extra=1)
    H.remove_edge("b", "c")
    H.remove_node("d")
    assert sorted(G.edges(keys=True)) == [("a", "b", 0), ("b", "c", 0)] and "extra" not in G.nodes["a"]
    assert sorted(H.edges(keys=True)) == [("a", "b", 0), ("a", "b", 1)] and H.nodes["a"]["extra"] == 1
    assert list(G.predecessors("b")) == ["a"] and G.number_of_nodes() == 3
    assert nx.dijkstra_path_length(H, "a", "b", weight="travel_time") == 1.0
    assert sorted(H.copy().edges()) == sorted(H.edges())


@pytest.mark.parametrize(
    "text",
    [
        "五一广场",
        "五一广场站",
        "Wuyiguangchang",
        "wuyiguangchang",
        "WUYIGUANGCHANG",
        " wuyi guangchang ",
        "五一广场\u200b",
    ],
)
def test_spellings_of_one_station(G_metro, text):
    assert resolve_node(G_metro, text) == "S:wuyiguangchang"


def test_route_and_scenarios_share_one_normaliser(G_metro):
    """Every form the scenario matcher accepts, the route resolver accepts, and they agree."""
    st = load_dataset(as_of="2024-07-01").stations
    st = st[st.station_id.map(lambda s: f"S:{s}" in G_metro)]
    for r in st.itertuples(index=False):
        for form in (r.name_zh, r.name_en, r.station_id, r.name_en.upper(), f" {r.name_zh} "):
            assert resolve_node(G_metro, form) == f"S:{match_station(st, form)}", form


@pytest.mark.parametrize("text", ["茶陵县", "茶陵", "Chaling", "chaling county", "430224"])
def test_a_district_means_its_seat(G_metro, text):
    assert resolve_node(G_metro, text) == "Z:430224"


def test_a_district_without_zone_nodes_is_its_seat_as_a_point():
    G = build_graph(as_of="2024-07-01", modes=["metro"], zones=False)
    seat = load_dataset().districts.set_index("adcode").loc["430224"]
    H, (node,) = resolve_places(G, ["Chaling"])
    assert H is not G and node not in G
    assert (H.nodes[node]["x"], H.nodes[node]["y"]) == (seat.seat_lon, seat.seat_lat)
    assert route(G, "茶陵县", "五一广场").origin_name == "茶陵县"


def test_a_doubled_suffix_is_not_called_closed(G_metro):
    with pytest.raises(StationNotFoundError) as exc:
        resolve_node(build_graph(as_of="2024-07-01"), "湘潭北站站")
    assert "not open" not in str(exc.value) and exc.value.suggestions == ["湘潭北站"]
    assert "repeated" in str(exc.value)


def test_only_a_closed_station_is_not_open_on_the_date():
    full = load_dataset().stations
    day = "2016-01-01"
    open_then = set(load_dataset(as_of=day).stations.station_id)
    later = full[~full.station_id.isin(open_then)].iloc[0]
    G = build_graph(as_of=day)
    with pytest.raises(StationNotFoundError, match="not open on that date"):
        resolve_node(G, later.name_zh)
    for unknown in ("湘潭北站站", "xyzzy", "五一广常"):
        with pytest.raises(StationNotFoundError) as exc:
            resolve_node(G, unknown)
        assert "not open" not in str(exc.value)


def test_unknown_name_explains_what_was_tried(G_metro):
    with pytest.raises(StationNotFoundError) as exc:
        resolve_node(G_metro, "Xyzzy Plaza")
    msg = str(exc.value)
    assert "'xyzzyplaza'" in msg and "pinyin" in msg and "station(s)" in msg


def test_a_station_missing_from_a_reduced_graph_is_not_called_closed(G_metro):
    H = G_metro.copy()
    H.remove_node("S:zhuzhou-west")
    with pytest.raises(StationNotFoundError) as exc:
        resolve_node(H, "株洲西站")
    assert "not open" not in str(exc.value) and "not part of this graph" in str(exc.value)


def test_a_plain_graph_never_says_not_open():
    G = nx.MultiDiGraph()
    G.add_node("a", x=112.9, y=28.2, kind="station", name_zh="甲")
    with pytest.raises(StationNotFoundError) as exc:
        resolve_node(G, "五一广场")
    assert "None" not in str(exc.value) and "not open" not in str(exc.value)


def test_utf8_bytes_under_a_c_locale_still_resolve(G_metro):
    as_ascii = "五一广场".encode().decode("ascii", "surrogateescape")  # what a C-locale argv holds
    assert resolve_node(G_metro, as_ascii) == "S:wuyiguangchang"


def test_points_need_an_owned_graph_with_resolve_node(G_metro):
    with pytest.raises(UsageError, match="resolve_places"):
        resolve_node(G_metro, "112.9,28.2")
    H = overlay(G_metro)
    n = resolve_node(H, "112.9,28.2", add_points=True)
    assert n in H and n not in G_metro and resolve_node(H, "112.9,28.2") == n


@pytest.mark.parametrize(
    ("place", "phrase"),
    [
        ("-112.9388,28.2282", "longitude is negative"),
        ("28.2282,112.9388", "look swapped"),
        ("112.9388,-28.2282", "latitude is negative"),
        ("nan,28", "not a finite"),
        ((True, False), "not a (longitude, latitude) pair"),
    ],
)
def test_bad_points_are_explained(G_metro, place, phrase):
    with pytest.raises(UsageError, match=phrase.replace("(", r"\(").replace(")", r"\)")):
        resolve_places(G_metro, [place])


def test_index_is_not_stored_in_the_graph(G_metro):
    station_index(G_metro)
    assert not any(k.startswith("_") for k in G_metro.graph)
    assert normalize_name("ＷＵＹＩ　guangchang") in station_index(G_metro)
