"""The multimodal graph: contract, osmnx interoperability, dates, services and the run-time model."""

from __future__ import annotations

import networkx as nx
import osmnx as ox
import pytest

from cztmap.errors import UsageError
from cztmap.network.build import build_graph, service_of, summary
from cztmap.network.runtime import CALIBRATION_FACTS, calibrate, calibration_report, run_time_s
from cztmap.params import DEFAULTS

ox.settings.use_cache = False
ox.settings.requests_timeout = 5
ox.settings.overpass_rate_limit = False


def test_graph_contract(G_2024):
    G = G_2024
    assert isinstance(G, nx.MultiDiGraph)
    assert G.graph["crs"] == "EPSG:4326" and G.graph["as_of"] == "2024-07-01" and G.graph["period"] == "peak"
    for n, d in G.nodes(data=True):
        assert {"x", "y", "kind", "name_zh", "name_en", "city", "adcode", "street_count"} <= set(d), n
        assert 111.8 < d["x"] < 114.3 and 26 < d["y"] < 28.8
    kinds = summary(G)["nodes"]
    assert set(kinds) == {"station", "platform", "road", "zone"}
    for u, v, d in G.edges(data=True):
        assert d["travel_time"] >= 0 and d["length"] >= 0 and d["mode"], (u, v)
        if d["mode"] == "road":
            assert d["highway"] in {"motorway", "trunk", "primary", "local"}
    modes = summary(G)["edges"]
    assert {"metro", "maglev", "intercity", "hsr", "walk", "board", "alight", "road", "access"} <= set(modes)


def test_osmnx_accepts_the_graph(G_2024):
    G = G_2024
    nodes, edges = ox.graph_to_gdfs(G)
    assert len(nodes) == len(G) and len(edges) == G.number_of_edges()
    G2 = ox.graph_from_gdfs(nodes, edges)
    assert len(G2) == len(G) and G2.number_of_edges() == G.number_of_edges()
    stats = ox.stats.basic_stats(G)
    assert stats["n"] == len(G) and stats["m"] == G.number_of_edges()
    # osmnx treats a string id as a sequence; pass lists (documented in README)
    path = ox.routing.shortest_path(G, ["S:wuyiguangchang"], ["S:juzizhou"], weight="travel_time", cpus=1)[0]
    assert path[0] == "S:wuyiguangchang" and path[-1] == "S:juzizhou"
    assert path == nx.dijkstra_path(G, "S:wuyiguangchang", "S:juzizhou", weight="travel_time")
    x, y = G.nodes["S:wuyiguangchang"]["x"], G.nodes["S:wuyiguangchang"]["y"]
    nn = ox.distance.nearest_nodes(G, [x + 0.0002], [y - 0.0001])  # array input (scalar casts ids to int)
    assert G.nodes[nn[0]]["name_zh"] == "五一广场"
    _fig, ax = ox.plot_graph(G, show=False, close=True)
    assert len(ax.collections) >= 1


def test_as_of_dates():
    g27 = build_graph(as_of="2023-06-27")
    g28 = build_graph(as_of="2023-06-28")
    lines27 = {d.get("line_id") for _, _, d in g27.edges(data=True)}
    lines28 = {d.get("line_id") for _, _, d in g28.edges(data=True)}
    assert "WR" not in lines27 and "WR" in lines28
    g16 = build_graph(as_of="2016-01-01")
    lines16 = {d.get("line_id") for _, _, d in g16.edges(data=True)}
    assert "L2" in lines16 and "L1" not in lines16


def test_west_ring_runs_through_with_line_3(G_wr):
    # one service: WR sections carry service L3 and 山塘 has a single L3 platform
    svc = {d["service_id"] for _, _, d in G_wr.edges(data=True) if d.get("line_id") == "WR"}
    assert svc == {"L3"}
    assert "P:shantang:L3" in G_wr and "P:shantang:WR" not in G_wr
    assert service_of("CZT") == ["CZT", "CZT-Z", "CZT-X"]


def test_waits_are_half_the_headway():
    Gp = build_graph(as_of="2024-07-01", period="peak", modes=["metro"])
    Go = build_graph(as_of="2024-07-01", period="offpeak", modes=["metro"])
    e = next(iter(Gp["S:wuyiguangchang"]["P:wuyiguangchang:L2"].values()))
    assert e["wait_time"] == pytest.approx(0.5 * 4.45 * 60)  # L2 peak 4'27" (rail_lines.csv)
    assert e["travel_time"] == pytest.approx(e["wait_time"] + DEFAULTS.platform_walk_s)
    eo = next(iter(Go["S:wuyiguangchang"]["P:wuyiguangchang:L2"].values()))
    assert eo["wait_time"] == pytest.approx(0.5 * 5.6 * 60)
    e3 = next(iter(Gp["S:houjiatang"]["P:houjiatang:L3"].values()))
    assert e3["headway_source"] == "default" and e3["wait_time"] == pytest.approx(0.5 * 8 * 60)


def test_modes_filter_and_errors():
    G = build_graph(as_of="2024-07-01", modes="metro,maglev")
    rail = {"metro", "maglev", "board", "alight", "walk", "access"}
    assert {d["mode"] for _, _, d in G.edges(data=True)} <= rail | {"feeder", "feeder_alight"}  # feeders come along
    C = build_graph(as_of="2024-07-01", modes="car")
    assert {d["mode"] for _, _, d in C.edges(data=True)} <= {"road", "access", "walk"}
    assert build_graph(as_of="2024-07-01", modes="road").graph["modes"] == "car"  # the old name still works
    T = build_graph(as_of="2024-07-01", modes="transit")
    assert "road" not in {d["mode"] for _, _, d in T.edges(data=True)}
    with pytest.raises(UsageError, match="Unknown mode"):
        build_graph(modes=["bus"])
    with pytest.raises(UsageError, match="period"):
        build_graph(period="rush")


def test_params_override_changes_times():
    slow = DEFAULTS.replace(dwell_s={**DEFAULTS.dwell_s, "metro": 60.0})
    G1 = build_graph(as_of="2024-07-01", modes=["metro"])
    G2 = build_graph(as_of="2024-07-01", modes=["metro"], params=slow)
    t1 = nx.dijkstra_path_length(G1, "S:wuyiguangchang", "S:juzizhou", weight="travel_time")
    t2 = nx.dijkstra_path_length(G2, "S:wuyiguangchang", "S:juzizhou", weight="travel_time")
    assert t2 > t1
    with pytest.raises(UsageError, match="Unknown model parameter"):
        DEFAULTS.replace(top_speed=1)


def test_build_is_deterministic():
    a = build_graph(as_of="2024-07-01")
    b = build_graph(as_of="2024-07-01")
    assert list(a.nodes) == list(b.nodes)
    assert [(u, v, d["travel_time"]) for u, v, d in a.edges(data=True)] == [
        (u, v, d["travel_time"]) for u, v, d in b.edges(data=True)
    ]


# ------------------------------------------------------------------ run-time model and calibration


def test_run_time_profile():
    # long section: trapezoid; short section: triangle, never faster than a straight cruise at v_max
    for length in (200, 800, 1500, 5000):
        t = run_time_s(length, 80, "metro")
        assert t > length / (80 / 3.6)
    assert run_time_s(2000, 80, "metro") > run_time_s(1000, 80, "metro")


def test_calibration_error_on_published_facts():
    p, report = calibrate()
    assert p.cruise_fraction["metro"] == DEFAULTS.cruise_fraction["metro"], "DEFAULTS must hold the calibrated value"
    by = {r["line_id"]: r for r in report}
    assert by["L1"]["inside_range"] and by["L2"]["inside_range"]  # 41–45 and 50–55 min
    assert abs(by["L1"]["error_pct"]) < 5 and abs(by["L2"]["error_pct"]) < 5
    assert abs(by["S2"]["error_pct"]) < 5  # held-out maglev average speed
    assert [f.line_id for f in CALIBRATION_FACTS] == [r["line_id"] for r in calibration_report()]
