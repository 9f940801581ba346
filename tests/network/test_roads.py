"""The road layer: car as a mode, feeders, places reach the network without long straight legs."""

from __future__ import annotations

import numpy as np
import pytest

from cztmap.analysis.integration import analysis_units
from cztmap.analysis.matrix import zone_matrix
from cztmap.geo import haversine_m
from cztmap.network.build import build_graph
from cztmap.network.roads import road_mesh
from cztmap.network.routing import route
from cztmap.params import DEFAULTS

AS_OF = "2025-06-30"


@pytest.fixture(scope="module")
def graphs():
    return {m: build_graph(as_of=AS_OF, modes=m) for m in ("car", "transit")}


def _place_legs(H, places):
    """Straight length (m) of every access edge that touches a place, and its access_mode."""
    out = []
    for p in places:
        for n in (p, f"{p}:in"):
            edges = list(H.out_edges(n, data=True)) if not n.endswith(":in") else list(H.in_edges(n, data=True))
            for u, v, d in edges:
                if d["mode"] != "access":
                    continue  # feeder edges run over the roads; only access links are straight legs
                other = v if u == n else u
                o = H.nodes[other]
                km = float(haversine_m(H.nodes[n]["x"], H.nodes[n]["y"], o["x"], o["y"]))
                out.append((km, d.get("access_mode"), d.get("long_access")))
    return out


@pytest.mark.parametrize("level", ["zone", "grid"])
def test_no_access_leg_longer_than_10_km(graphs, level):
    for G in graphs.values():
        H, orig, _, _ = analysis_units(G, level=level)
        legs = _place_legs(H, orig)
        assert legs
        longest = max(km for km, _, _ in legs)
        assert longest <= DEFAULTS.access_max_m, longest
        assert not any(long for _, _, long in legs)
        # beyond walking distance a place never links straight to a station: only to feeder stops / roads
        assert all(km <= DEFAULTS.walk_access_max_m for km, how, _ in legs if how == "walk")


def test_every_county_seat_reaches_every_urban_district_by_car_and_transit(graphs):
    for label, G in graphs.items():
        m = zone_matrix(G)
        kinds = {
            n[2:]: d.get("district_kind")
            for n, d in G.nodes(data=True)
            if d.get("kind") == "zone" and d.get("role") == "origin"
        }
        counties = [a for a, k in kinds.items() if k != "district"]
        urban = [a for a, k in kinds.items() if k == "district"]
        sub = m.loc[counties, urban].to_numpy()
        assert np.isfinite(sub).all(), label
        assert np.isfinite(m.loc[urban, counties].to_numpy()).all(), label


def test_car_and_transit_routes_between_stations(graphs):
    car = route(graphs["car"], "五一广场", "株洲站")
    assert {leg.kind for leg in car.legs} <= {"drive", "access", "walk"} and "drive" in {leg.kind for leg in car.legs}
    tr = route(graphs["transit"], "五一广场", "株洲站")
    assert "drive" not in {leg.kind for leg in tr.legs}
    # the car is on the roads all the way: no access leg longer than a forecourt
    assert all(leg.distance_m < 3000 for leg in car.legs if leg.kind == "access")


def test_car_isochrone_is_road_shaped(graphs):
    from cztmap.analysis.isochrones import isochrones

    iso = isochrones(graphs["car"].copy(), "五一广场", [60])
    area = float(iso.to_crs(32649).area.iloc[0]) / 1e6
    assert area > 200  # a walking circle of 60 min is about 44 km²


def test_feeder_wait_follows_the_station_headway():
    dense = DEFAULTS.replace(feeder_headway_station_min={"zhuzhou": 2.0})
    G0 = build_graph(as_of=AS_OF, modes="transit")
    G1 = build_graph(as_of=AS_OF, modes="transit", params=dense)

    def waits(G):
        return [d["wait_time"] for u, v, d in G.in_edges("S:zhuzhou", data=True) if d["mode"] == "feeder"]

    assert waits(G1) and max(waits(G1)) == pytest.approx(DEFAULTS.wait_fraction * 2.0 * 60)
    assert min(waits(G0)) > max(waits(G1))


def test_feeder_rides_end_at_stations_and_stay_short(graphs):
    G = graphs["transit"]
    feeders = [(u, v, d) for u, v, d in G.edges(data=True) if d["mode"] == "feeder"]
    assert feeders
    for u, v, d in feeders:
        assert str(u).startswith("S:") or str(v).startswith("S:")  # never place to place
        assert d["long_feeder"] or d["in_vehicle_time"] <= DEFAULTS.feeder_max_min * 60 + 1e-6


def test_mesh_is_fixed_and_connected():
    m = road_mesh()
    import networkx as nx

    g = nx.Graph()
    g.add_weighted_edges_from(m.edges)
    assert nx.is_connected(g) and set(g) == set(m.nodes)
    assert road_mesh() is m  # cached: the same for every date and scenario


def test_car_times_inside_the_published_range_for_calibration_facts():
    from cztmap.network.drive_times import check_drive_times, read_drive_times

    facts = read_drive_times()
    assert len(facts) >= 8 and set(facts.role) == {"calibration", "validation"}
    assert facts.source.str.len().min() > 10  # every fact cites its source
    tab = check_drive_times()
    cal = tab[tab.role == "calibration"]
    assert cal.within.all(), cal[["fact_id", "low_min", "high_min", "model_min"]]
    assert tab.model_min.notna().all()
