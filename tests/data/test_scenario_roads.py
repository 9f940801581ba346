"""``[[add_road]]``: a scenario opens a road; the car graph (and feeders over the roads) use it.

Waypoints are sourced places (stations, district seats, anchors of drawn roads) or WGS-84 points; the road
joins the fixed road mesh at its waypoints, so it only adds edges. Every mistake is one ScenarioError
sentence naming the file and the key.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from cztmap.analysis.compare import compare
from cztmap.data.scenario import ROAD_CLASSES, apply_scenario, load_scenario, parse_scenario
from cztmap.errors import CztmapWarning, ScenarioError
from cztmap.network.build import scenario_graph

DAY = "2026-12-01"


def _road(**kw) -> dict:
    road = {"id": "X1", "road_class": "arterial", "waypoints": ["毛竹塘", "R04[-1]"], **kw}
    return {"name": "road", "as_of": DAY, "add_road": [road]}


def test_waypoints_resolve_to_stations_seats_anchors_and_points():
    scn = parse_scenario(_road(waypoints=["毛竹塘", "石峰区", "R04[-1]", {"lon": 113.0, "lat": 27.95, "name": "p"}]))
    (road,) = scn.add_roads
    labels = [w[0] for w in road["waypoints"]]
    assert labels == ["maozhutang", "石峰区 seat", "R04[-1]", "p"]
    assert all(111 < w[1] < 115 and 25 < w[2] < 30 for w in road["waypoints"])


def test_an_added_road_is_open_in_the_dataset_and_replaces_the_unopened_row():
    scn = parse_scenario(_road(id="R05", road_class="national", length_km=20.7, speed_kmh=80))
    assert scn.add_roads[0]["replaces"]
    rd = apply_scenario(scn).roads
    row = rd[rd["road_id"] == "R05"]
    assert len(row) == 1 and row.iloc[0]["status"] == "open" and row.iloc[0]["highway"] == ROAD_CLASSES["national"]
    assert row.iloc[0]["scenario"] == "road"


def test_the_car_graph_uses_the_road_and_its_points_are_no_access_points():
    scn = parse_scenario(_road(length_km=20.0, speed_kmh=60))
    G = scenario_graph(scn, modes="car")
    edges = [(u, v, d) for u, v, d in G.edges(data=True) if d.get("road_id") == "X1"]
    assert edges
    total_m = sum(d["length"] for u, v, d in edges) / 2  # both directions
    assert total_m == pytest.approx(20_000, rel=1e-6)  # the published length, spread over the snapped polyline
    inner = {n for u, v, _ in edges for n in (u, v) if G.nodes[n].get("node_source") == "scenario"}
    assert inner, "the densified points of the added road are its own nodes"
    for n in inner:  # nobody walks or drives onto the road between its waypoints
        assert all(G.nodes[p].get("kind") == "road" for p in G.predecessors(n))
    ends = {edges[0][0], edges[-1][1]}
    assert all(G.nodes[n].get("node_source") != "scenario" for n in ends)  # it joins the fixed mesh


def test_adding_a_road_never_lengthens_a_car_trip_and_shortens_some():
    fast = _road(road_class="expressway", speed_kmh=120, waypoints=["宁乡市", "韶山市"])
    res = compare(parse_scenario({"name": "open", "as_of": DAY}), parse_scenario(fast), modes="car")
    d = res.diff.to_numpy()
    assert not (d > 1e-6).any()
    assert (d < -1e-6).any(), "a 120 km/h road between two county seats must shorten their trip"


@pytest.mark.parametrize(
    "edit,phrase",
    [
        ({"road_class": "motorway"}, "unknown road class 'motorway'; use one of expressway, arterial, national"),
        ({"id": "R01"}, "road 'R01' is already open on 2026-12-01; use a new id"),
        ({"waypoints": ["毛竹塘"]}, "needs a list of at least two waypoints"),
        ({"waypoints": ["毛竹塘", "R03[0]"]}, "is at the same position as 'maozhutang' (a zero-length road)"),
        ({"waypoints": ["毛竹塘", "R04[7]"]}, "road R04 has 2 anchors; use an index from 0 to 1"),
        ({"waypoints": ["毛竹塘", "R07[0]"]}, "road 'R07' has no geometry"),
        ({"waypoints": ["毛竹塘", {"lon": 27.9, "lat": 113.0}]}, "(lon and lat look swapped)"),
        ({"waypoints": ["毛竹塘", "山糖"]}, "unknown station '山糖'"),
        ({"length_km": 3.0}, "3 km is shorter than the straight line through its waypoints (14.64 km)"),
        ({"speed_kmh": 250}, "250 km/h is impossible on a road"),
        ({"geometry_error_m": -5}, "-5 is not a number of metres >= 0"),
        ({"lane": "2x3"}, "unknown key (did you mean `lanes`?)"),
    ],
)
def test_mistakes_are_one_sentence_naming_file_and_key(edit, phrase):
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(_road(**edit), source="r.toml")
    msg = str(exc.value)
    assert msg.startswith("Scenario r.toml, key `add_road[0]") and phrase in msg, msg


def test_a_road_added_twice_is_refused():
    doc = _road()
    doc["add_road"].append(dict(doc["add_road"][0]))
    with pytest.raises(ScenarioError, match="road 'X1' is added twice; give each added road its own id"):
        parse_scenario(doc)


def test_an_unusual_road_speed_is_a_warning():
    with pytest.warns(CztmapWarning, match=r"`add_road\[0\]\.speed_kmh`: 130 km/h is unusual for a road of class"):
        parse_scenario(_road(speed_kmh=130))


def test_the_shipped_project_adds_the_six_planned_roads_with_sources():
    scn = load_scenario("project_rongcheng_roads")
    assert [r["id"] for r in scn.add_roads] == ["R05", "R06", "R07", "R08", "R09", "R11"]
    for r in scn.add_roads:
        assert r["source"] and r["geometry_quality"] == "schematic"
        assert r["geometry_error_m"] is not None and r["geometry_error_m"] >= 1000
    counter = load_scenario("without_rongcheng_roads")
    assert set(counter.closures["roads"]) == {"R01", "R03", "R04", "R10"}


def test_compare_on_the_roads_project_is_finite_and_never_slower():
    res = compare("project_rongcheng_roads", modes="car")
    assert np.isfinite(res.after.to_numpy()).all()
    assert not (res.diff.to_numpy() > 1e-6).any()
    for rec in res.to_dict()["cross_city_after"]:
        assert all(not (isinstance(v, float) and not math.isfinite(v)) for v in rec.values())
