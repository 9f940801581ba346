"""Tests of cztmap.osm on real OpenStreetMap data, fully offline.

Fixtures: ``tests/data/kouvola_tiny.osm`` (cut from pyrosm's bundled extract, see tests/data/README.md) and
pyrosm's own ``test.osm.pbf`` (Kouvola, Finland). OSM data (c) OpenStreetMap contributors, ODbL 1.0.
"""

from __future__ import annotations

import itertools
import math
import time
from pathlib import Path

import networkx as nx
import osmnx as ox
import pytest

from cztmap import osm
from cztmap.errors import CztmapError, DataError, UsageError
from cztmap.params import DEFAULTS

DATA = Path(__file__).resolve().parents[1] / "data"
OSM_XML = DATA / "kouvola_tiny.osm"
UNREACHABLE = "http://127.0.0.1:9/api"  # discard port: connection refused at once
#: the fixtures are real extracts of Kouvola, Finland: reading them warns that they are not Chang-Zhu-Tan
pytestmark = pytest.mark.filterwarnings("ignore:The road file .* lies outside Chang-Zhu-Tan")


@pytest.fixture(autouse=True)
def _offline_osmnx(monkeypatch):
    monkeypatch.setattr(ox.settings, "use_cache", False)
    monkeypatch.setattr(ox.settings, "overpass_rate_limit", False)
    monkeypatch.setattr(ox.settings, "requests_timeout", 2)
    monkeypatch.setattr(ox.settings, "overpass_url", UNREACHABLE)
    monkeypatch.setattr(ox.settings, "nominatim_url", "http://127.0.0.1:9/nominatim")
    monkeypatch.setattr(ox.settings, "log_console", False)


@pytest.fixture(scope="module")
def xml_roads() -> nx.MultiDiGraph:
    return osm.roads_from_file(OSM_XML)


@pytest.fixture(scope="module")
def pbf_path() -> str:
    import pyrosm  # test extra

    return pyrosm.get_data("test_pbf")  # bundled in the wheel, no download


def _check_road_graph(G: nx.MultiDiGraph) -> None:
    assert isinstance(G, nx.MultiDiGraph)
    assert G.graph["crs"] == "EPSG:4326"
    assert G.number_of_edges() > 10
    for _, d in G.nodes(data=True):
        assert d["kind"] == "road"
        assert -180 <= d["x"] <= 180 and -90 <= d["y"] <= 90
        assert "street_count" in d
    for _, _, d in G.edges(data=True):
        assert d["mode"] == "road"
        hw = d["highway"] if isinstance(d["highway"], list) else [d["highway"]]
        assert set(hw) <= osm.DRIVE_HIGHWAYS, hw
        for a in ("length", "speed_kph", "travel_time"):
            assert isinstance(d[a], float) and math.isfinite(d[a]) and d[a] >= 0, (a, d)
        assert d["speed_kph"] > 0
    nodes, edges = ox.graph_to_gdfs(G)
    assert len(nodes) == G.number_of_nodes() and len(edges) == G.number_of_edges()


# --- reading ---------------------------------------------------------------------------------


def test_osm_xml_load_keeps_only_drive_network(xml_roads):
    _check_road_graph(xml_roads)
    hws = {h for _, _, d in xml_roads.edges(data=True) for h in osm._values(d["highway"])}
    # the fixture holds cycleways, footways, paths and service roads: none survive
    assert hws.isdisjoint({"cycleway", "footway", "path", "service"})
    assert {"residential", "secondary"} <= hws
    assert ox.stats.basic_stats(xml_roads)["n"] == xml_roads.number_of_nodes()


def test_pbf_load(pbf_path):
    G = osm.roads_from_file(pbf_path)
    _check_road_graph(G)
    # two-way streets exist in both directions, one-way motorway carriageways in one
    two_way = [(u, v) for u, v, d in G.edges(data=True) if d["highway"] == "residential"]
    assert any(G.has_edge(v, u) for u, v in two_way)
    motorway = [(u, v) for u, v, d in G.edges(data=True) if d["highway"] == "motorway"]
    assert motorway and not all(G.has_edge(v, u) for u, v in motorway)
    # maxspeed=80 in the data is kept where tagged
    assert any(d.get("maxspeed") == "80" and d["speed_kph"] == 80.0 for _, _, d in G.edges(data=True))


def test_speeds_no_nan_and_chinese_defaults(xml_roads):
    speeds = {
        (osm._values(d["highway"])[0], d["speed_kph"])
        for _, _, d in xml_roads.edges(data=True)
        if d.get("maxspeed") is None
    }
    for hw, sp in speeds:
        assert sp == osm.CHINA_HWY_SPEEDS_KMH[hw]
    for _, _, d in xml_roads.edges(data=True):
        assert d["travel_time"] == pytest.approx(d["length"] / (d["speed_kph"] / 3.6))


def test_add_china_speeds_list_highway_and_fallback():
    G = nx.MultiDiGraph(crs="EPSG:4326")
    G.add_node(1, x=113.0, y=28.2)
    G.add_node(2, x=113.01, y=28.2)
    G.add_edge(1, 2, length=900.0, highway=["primary", "secondary"])
    G.add_edge(2, 1, length=900.0, highway="motorway", maxspeed="120")
    G.add_edge(1, 2, length=900.0, highway="weird_class")
    G.add_edge(2, 1, length=50.0, mode="walk", travel_time=42.0)  # non-road edge untouched
    osm.add_china_speeds(G)
    assert G.edges[1, 2, 0]["speed_kph"] == pytest.approx(45.0)
    assert G.edges[2, 1, 0]["speed_kph"] == 120.0
    assert G.edges[1, 2, 1]["speed_kph"] == osm.CHINA_FALLBACK_SPEED_KMH
    assert G.edges[2, 1, 1] == {"length": 50.0, "mode": "walk", "travel_time": 42.0}
    assert G.edges[1, 2, 0]["travel_time"] == pytest.approx(900 / (45 / 3.6))


def test_speed_table_is_documented():
    assert set(osm.CHINA_HWY_SPEEDS_KMH) >= osm.DRIVE_HIGHWAYS
    assert "JTG B01-2014" in osm.SPEED_SOURCES["motorway"] and "CJJ 37" in osm.SPEED_SOURCES["primary"]


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("missing.osm", None, "does not exist"),
        ("empty.osm", b"", "is empty"),
        ("garbage.osm", b"this is not xml at all\n", "not OpenStreetMap XML"),
        ("broken.osm", b"<?xml version='1.0'?><osm><node id='1' lat='60' lon=", "could not be read"),
        (
            "noroads.osm",
            b"<?xml version='1.0'?><osm version='0.6'><node id='1' lat='60.5' lon='26.9'/></osm>",
            "no drivable roads",
        ),
        ("garbage.osm.pbf", b"\x00\x00\x00\x0dnot a pbf file at all", "not an OpenStreetMap PBF"),
        ("empty.pbf", b"", "is empty"),
        ("roads.geojson", b"{}", "extension"),
        ("roads", b"<osm/>", "extension"),
    ],
)
def test_bad_files_raise_dataerror_naming_the_file(tmp_path, name, content, needle):
    p = tmp_path / name
    if content is not None:
        p.write_bytes(content)
    with pytest.raises(DataError) as err:
        osm.roads_from_file(p)
    msg = str(err.value)
    assert name in msg and needle in msg, msg
    assert msg.count(". ") == 0 or msg.endswith(".")  # one sentence


def test_xml_with_only_footways_has_no_roads(tmp_path):
    p = tmp_path / "paths.osm"
    p.write_text(
        "<?xml version='1.0'?><osm version='0.6'>"
        "<node id='1' lat='60.52' lon='26.94'/><node id='2' lat='60.521' lon='26.941'/>"
        "<way id='5'><nd ref='1'/><nd ref='2'/><tag k='highway' v='footway'/></way></osm>"
    )
    with pytest.raises(DataError, match="no drivable roads"):
        osm.roads_from_file(p)


def test_unknown_network_type():
    with pytest.raises(UsageError, match="network_type"):
        osm.roads_from_file(OSM_XML, network_type="bike")


# --- download (never touches the internet) ---------------------------------------------------


def test_download_offline_fails_fast_with_clear_message(tmp_path):
    t0 = time.perf_counter()
    with pytest.raises(CztmapError) as err:
        osm.download_roads(bbox=(26.93, 60.52, 26.95, 60.53), cache_dir=tmp_path)
    assert time.perf_counter() - t0 < 5
    msg = str(err.value)
    assert "No internet connection" in msg and "--from-file" in msg
    assert isinstance(err.value, DataError)


def test_download_offline_fails_fast_inside_osmnx(tmp_path, monkeypatch):
    # skip the probe so the request really goes through osmnx/requests to the dead endpoint
    monkeypatch.setattr(osm, "_probe", lambda url, timeout: None)
    t0 = time.perf_counter()
    with pytest.raises(DataError, match=r"No internet connection.*--from-file"):
        osm.download_roads(bbox=(26.93, 60.52, 26.95, 60.53), cache_dir=tmp_path)
    assert time.perf_counter() - t0 < 5
    assert ox.settings.use_cache is False  # settings restored


def test_download_place_offline(tmp_path):
    with pytest.raises(DataError, match="No internet connection"):
        osm.download_roads(place="岳麓区, 长沙市", cache_dir=tmp_path)


def test_download_saves_graphml_then_second_call_is_offline(tmp_path, monkeypatch):
    raw = osm.roads_from_file(OSM_XML)  # stands in for Overpass's answer to a drive query
    for _, _, d in raw.edges(data=True):
        del d["speed_kph"], d["travel_time"], d["mode"]
    calls = []

    def fake_bbox(bbox, **kw):
        calls.append((bbox, kw, ox.settings.use_cache, ox.settings.cache_folder))
        return raw.copy()

    monkeypatch.setattr(osm, "_probe", lambda url, timeout: None)
    monkeypatch.setattr(ox, "graph_from_bbox", fake_bbox)
    bbox = (26.938, 60.5205, 26.95, 60.5275)
    G1 = osm.download_roads(bbox=bbox, cache_dir=tmp_path)
    assert len(calls) == 1 and calls[0][1]["network_type"] == "drive"
    assert calls[0][2] is True and calls[0][3] == str(tmp_path / "http")  # osmnx HTTP cache on, in cache_dir
    saved = list(tmp_path.glob("drive_*.graphml"))
    assert len(saved) == 1 and not list(tmp_path.glob("*.part"))
    _check_road_graph(G1)

    # second call: no probe, no osmnx download, endpoint unreachable -> served from the GraphML copy
    monkeypatch.setattr(osm, "_probe", lambda url, timeout: pytest.fail("probed the network"))
    monkeypatch.setattr(ox, "graph_from_bbox", lambda *a, **k: pytest.fail("downloaded again"))
    G2 = osm.download_roads(bbox=bbox, cache_dir=tmp_path)
    assert G2.number_of_nodes() == G1.number_of_nodes() and G2.number_of_edges() == G1.number_of_edges()
    _check_road_graph(G2)


def test_download_cache_hit_from_roads_file(tmp_path, xml_roads):
    bbox = (26.9, 60.5, 27.0, 60.6)
    ox.io.save_graphml(xml_roads, tmp_path / osm._cache_name(bbox, None))
    G = osm.download_roads(bbox=bbox, cache_dir=tmp_path)
    assert G.number_of_edges() == xml_roads.number_of_edges()


def test_download_bad_arguments(tmp_path):
    with pytest.raises(UsageError):
        osm.download_roads(bbox=(1, 2, 3, 4), place="x", cache_dir=tmp_path)
    with pytest.raises(UsageError, match="west"):
        osm.download_roads(bbox=(113.3, 28.4, 112.8, 27.7), cache_dir=tmp_path)


# --- merge -------------------------------------------------------------------------------------

# Two TEST points inside the fixture's bbox (Kouvola, Finland): not real stations of any network.
A_XY = (26.9433, 60.5259)
B_XY = (26.9487, 60.5235)


def _transit_graph() -> nx.MultiDiGraph:
    """A minimal graph following docs/architecture.md: two stations, a platform pair, a schematic road, a zone."""
    G = nx.MultiDiGraph(crs="EPSG:4326", as_of="2025-01-01", period="peak", scenario="base", dataset_version="test")
    common = {"city": "Test", "adcode": "000000", "street_count": 0}
    G.add_node("S:a", kind="station", x=A_XY[0], y=A_XY[1], name_zh="测试甲", name_en="Test A", **common)
    G.add_node("S:b", kind="station", x=B_XY[0], y=B_XY[1], name_zh="测试乙", name_en="Test B", **common)
    G.add_node("P:a:L1", kind="platform", x=A_XY[0], y=A_XY[1], name_zh="测试甲", name_en="Test A", **common)
    G.add_node("P:b:L1", kind="platform", x=B_XY[0], y=B_XY[1], name_zh="测试乙", name_en="Test B", **common)
    G.add_node("Z:000001", kind="zone", x=26.9450, y=60.5240, name_zh="区", name_en="Zone", **common)
    G.add_node("X:far", kind="point", x=27.5, y=61.0, name_zh="远", name_en="Far", **common)
    for i, (x, y) in enumerate([A_XY, B_XY]):
        G.add_node(f"R:r1:{i}", kind="road", x=x, y=y, name_zh="", name_en="", **common)
    G.add_edge("R:r1:0", "R:r1:1", mode="road", highway="primary", length=500.0, travel_time=30.0)
    G.add_edge("R:r1:1", "R:r1:0", mode="road", highway="primary", length=500.0, travel_time=30.0)
    for s, r in (("S:a", "R:r1:0"), ("S:b", "R:r1:1")):
        G.add_edge(s, r, mode="access", length=10.0, travel_time=8.0)
        G.add_edge(r, s, mode="access", length=10.0, travel_time=8.0)
    G.add_edge("S:a", "P:a:L1", mode="board", length=0.0, travel_time=360.0, wait_time=240.0)
    G.add_edge("P:a:L1", "P:b:L1", mode="metro", line_id="L1", service_id="L1", length=450.0, travel_time=600.0)
    G.add_edge("P:b:L1", "S:b", mode="alight", length=0.0, travel_time=0.0)
    return G


def test_merge_roads_routes_through_streets(xml_roads):
    G = _transit_graph()
    M = osm.merge_roads(G, xml_roads)
    assert G.has_node("R:r1:0")  # input untouched
    # schematic road layer gone
    assert not any(n.startswith("R:") for n in M.nodes)
    assert not any(d.get("highway") == "primary" and d.get("length") == 500.0 for _, _, d in M.edges(data=True))
    road_nodes = [n for n, d in M.nodes(data=True) if d["kind"] == "road"]
    assert len(road_nodes) == xml_roads.number_of_nodes() and all(n.startswith("O:") for n in road_nodes)
    assert M.graph["crs"] == "EPSG:4326" and M.graph["as_of"] == "2025-01-01"
    # contract attributes on every node
    for n, d in M.nodes(data=True):
        for a in ("x", "y", "kind", "name_zh", "name_en", "city", "adcode", "street_count"):
            assert a in d, (n, a)
    # access: stations, the zone and the far point linked (the far one flagged long_access), platforms not
    acc = [(u, v, d) for u, v, d in M.edges(data=True) if d["mode"] == "access"]
    linked = {x.removesuffix(":in") for u, v, _ in acc for x in (u, v) if not x.startswith("O:")}
    assert linked == {"S:a", "S:b", "Z:000001", "X:far"} and M.graph["road_access"] == 4
    speeds = {
        "walk": DEFAULTS.walk_speed_mps,
        "feeder_access": DEFAULTS.access_speed_kmh / 3.6,
    }
    for u, v, d in acc:
        if d["access_mode"] in speeds:
            assert d["travel_time"] == pytest.approx(d["length"] / speeds[d["access_mode"]])
        assert d["long_access"] == any(str(x).startswith("X:far") for x in (u, v))  # 60 km from the streets
    assert {d["access_mode"] for _, _, d in acc} >= {"forecourt", "car"}

    # osmnx treats a str orig/dest as an iterable of characters: wrap string node ids in lists
    path = ox.routing.shortest_path(M, ["Z:000001"], ["S:b"], weight="travel_time", cpus=1)[0]
    assert path is not None and path[0] == "Z:000001" and path[-1] == "S:b"
    assert all(n.startswith("O:") for n in path[1:-1])  # walked, or driven over the streets
    tt = sum(min(d["travel_time"] for d in M.get_edge_data(u, v).values()) for u, v in itertools.pairwise(path))
    straight = osm._haversine_m(M.nodes["Z:000001"]["x"], M.nodes["Z:000001"]["y"], *B_XY)
    assert straight / (120 / 3.6) < tt < 1200, (tt, straight)  # minutes, not hours
    # a station reaches another by metro or by feeder bus over the streets
    assert ox.routing.shortest_path(M, ["S:a"], ["S:b"], weight="travel_time", cpus=1)[0][-1] == "S:b"

    nodes, edges = ox.graph_to_gdfs(M)
    assert len(nodes) == M.number_of_nodes() and len(edges) == M.number_of_edges()
    assert set(edges["mode"]) == {"road", "access", "board", "metro", "alight", "feeder"}


def test_merge_roads_connect_and_params(xml_roads):
    M = osm.merge_roads(_transit_graph(), xml_roads, connect=("station",), params=DEFAULTS.replace(access_max_m=1.0))
    assert M.graph["road_access"] == 2  # the two stations; the zone and the point are not in `connect`
    acc = [d for _, _, d in M.edges(data=True) if d["mode"] == "access"]
    assert acc and all(d["long_access"] for d in acc)  # every street node is farther than 1 m
    with pytest.raises(UsageError, match="connect"):
        osm.merge_roads(_transit_graph(), xml_roads, connect=("bus",))
    with pytest.raises(DataError, match="empty"):
        osm.merge_roads(_transit_graph(), nx.MultiDiGraph(crs="EPSG:4326"))


def test_merge_accepts_projected_roads_and_graphml_roundtrip(xml_roads, tmp_path):
    # ox.load_graphml casts node ids to int, so a merged graph (string ids) is read back with networkx
    proj = ox.projection.project_graph(xml_roads)
    M = osm.merge_roads(_transit_graph(), proj)
    xs = [d["x"] for n, d in M.nodes(data=True) if n.startswith("O:")]
    assert all(26.9 < x < 27.0 for x in xs)
    f = tmp_path / "merged.graphml"
    ox.io.save_graphml(M, f)
    M2 = nx.read_graphml(f, force_multigraph=True)
    assert M2.number_of_edges() == M.number_of_edges() and M2.has_node("S:a")
