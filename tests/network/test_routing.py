"""Routes and itineraries: transfers, through-running, points, names, bad inputs."""

from __future__ import annotations

import json

import networkx as nx
import pytest

from cztmap import build_graph, in_vehicle_time, route
from cztmap.errors import NoRouteError, StationNotFoundError, UsageError


@pytest.fixture(scope="module")
def G_metro():
    return build_graph(as_of="2024-07-01", modes=["metro"])


def test_l2_to_l1_transfer_at_wuyi_square(G_metro):
    it = route(G_metro, "橘子洲", "黄兴广场")
    rides = [leg for leg in it.legs if leg.kind == "ride"]
    assert [r.line_id for r in rides] == ["L2", "L1"]
    assert rides[0].to_name == "五一广场" and rides[1].from_name == "五一广场"
    assert it.n_transfers == 1
    # the transfer costs the walk plus the new wait (half of L1's 6'32" peak headway)
    assert rides[1].wait_s == pytest.approx(0.5 * 6.53 * 60)
    t = it.totals()
    assert t["total_s"] == pytest.approx(
        t["in_vehicle_s"] + t["wait_s"] + t["walk_transfer_s"] + t["access_s"], abs=0.5
    )
    assert it.total_s == pytest.approx(
        nx.dijkstra_path_length(G_metro, "S:juzizhou", "S:huangxingguangchang", weight="travel_time")
    )


def test_west_ring_to_line_2(G_metro):
    it = route(G_metro, "船形山", "橘子洲")
    rides = [leg for leg in it.legs if leg.kind == "ride"]
    assert rides[0].line_id == "L3" and rides[-1].line_id == "L2"
    # no change at 山塘: the West Ring and Line 3 are one service
    assert all(leg.from_name != "山塘" for leg in rides[1:])


def test_same_line_in_vehicle_time_and_no_transfer(G_metro):
    it = route(G_metro, "开福区政府", "尚双塘")
    rides = [leg for leg in it.legs if leg.kind == "ride"]
    assert len(rides) == 1 and rides[0].line_id == "L1" and rides[0].n_stops == 19
    assert in_vehicle_time(G_metro, "L1", "开福区政府", "尚双塘") == pytest.approx(rides[0].in_vehicle_s)
    with pytest.raises(UsageError, match="does not call"):
        in_vehicle_time(G_metro, "L2", "开福区政府", "尚双塘")


def test_names_in_chinese_english_ids_and_points(G_metro):
    a = route(G_metro, "五一广场", "湘江中路").total_s
    assert route(G_metro, "Wuyiguangchang", "xiangjiang zhonglu").total_s == a
    assert route(G_metro, "S:wuyiguangchang", "xiangjiangzhonglu").total_s == a
    assert route(G_metro, "湘潭北", "五一广场").total_s == route(G_metro, "湘潭北站", "五一广场").total_s
    G = build_graph(as_of="2024-07-01")
    it = route(G, (112.9388, 28.2282), "五一广场")
    assert it.legs[0].kind == "access" and it.access_s > 0
    it2 = route(G, "112.9388,28.2282", "五一广场")
    assert it2.total_s == pytest.approx(it.total_s)


def test_itinerary_outputs(G_metro):
    it = route(G_metro, "橘子洲", "黄兴广场")
    d = json.loads(it.to_json())
    assert set(d["totals"]) == {
        "total_s",
        "in_vehicle_s",
        "wait_s",
        "walk_transfer_s",
        "access_s",
        "distance_m",
        "transfers",
    }
    assert len(d["legs"]) == len(it.legs) and d["legs"][0]["line_id"] == "L2"
    gdf = it.to_gdf()
    assert gdf.crs.to_epsg() == 4326 and len(gdf) == len(it.legs) and gdf.geometry.notna().all()
    text = str(it)
    assert "橘子洲 → 黄兴广场" in text and "L2" in text and "L1" in text and "transfer" in text


def test_origin_equals_destination(G_metro):
    it = route(G_metro, "五一广场", "五一广场")
    assert it.legs == [] and it.total_s == 0


def test_unknown_station_suggests(G_metro):
    with pytest.raises(StationNotFoundError) as exc:
        route(G_metro, "五一广常", "橘子洲")
    assert "五一广场" in exc.value.suggestions and "did you mean" in str(exc.value)
    assert isinstance(exc.value, KeyError) and isinstance(exc.value, UsageError)


def test_station_not_open_yet_says_why():
    G = build_graph(as_of="2016-01-01")
    with pytest.raises(StationNotFoundError, match="not open on that date"):
        route(G, "开福区政府", "五一广场")


def test_no_route_is_explained():
    G = build_graph(as_of="2023-06-27", modes=["metro"])
    G.add_node("S:island", x=112.9, y=28.1, kind="station", name_zh="孤岛", name_en="island")
    with pytest.raises(NoRouteError, match="No route"):
        route(G, "五一广场", "S:island")


@pytest.mark.parametrize("bad", [(500, 28), (28.2, 112.9), ("a", "b"), "", None])
def test_bad_points(G_metro, bad):
    with pytest.raises(UsageError):
        route(G_metro, bad, "五一广场")


def test_non_string_node_ids_and_unnamed_road_nodes():
    G = build_graph(as_of="2024-07-01", modes=["metro"])
    G.add_node(12345, x=112.97, y=28.19, kind="road", name_zh="", name_en="", city="", adcode="", street_count=1)
    G.add_edge(12345, "S:wuyiguangchang", mode="walk", length=100.0, travel_time=80.0)
    it = route(G, 12345, "橘子洲")
    assert it.origin == 12345 and it.legs[0].from_name == "road node 12345"
    with pytest.raises(UsageError, match="not a node"):
        route(G, 99999, "橘子洲")
    with pytest.raises(UsageError):
        route(G, [1, 2, 3], "橘子洲")
