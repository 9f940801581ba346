"""Fast checks of the folium maps (no browser): element tree, escaping, offline assets, determinism."""

from __future__ import annotations

import re
from types import SimpleNamespace

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from cztmap import maps
from cztmap.errors import UsageError
from cztmap.viz._offline import iter_elements, make_offline, render_html

EVIL = [
    '<img src=x onerror="window.__pwned=1;alert(1)">',
    "</script><script>window.__pwned=1;alert(2)</script>",
    "${window.__pwned=1}`\\`",
    "a & b \u2028 'q' \"dq\"",
]
ASSET = re.compile(r"<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*[\"']?\s*(?:https?:)?//", re.I)


def make_ds(names: list[str] | None = None) -> SimpleNamespace:
    """A tiny dataset following the architecture.md schema (4 stations, 2 lines, 1 planned section)."""
    n = names or ["甲站", "乙站", "丙站", "丁站"]
    st = gpd.GeoDataFrame(
        {
            "station_id": ["a", "b", "c", "d"],
            "name_zh": n,
            "name_en": [x + " en" for x in n],
            "city": ["Changsha"] * 4,
            "city_zh": ["长沙市"] * 4,
            "adcode": ["430102"] * 4,
            "district_zh": n,
            "lines": ["T1", "T1;T2", "T2", "T2"],
            "opened": ["2020-01-01"] * 4,
            "position_quality": ["sourced", "proxy", "estimated", "sourced"],
            "position_error_m": [50, 200, 800, 50],
            "position_method": n,
            "source_datum": ["GCJ-02"] * 4,
            "source": n,
            "note": n,
        },
        geometry=[Point(112.90, 28.20), Point(112.95, 28.22), Point(113.00, 28.20), Point(113.05, 28.18)],
        crs="EPSG:4326",
    )
    sec = gpd.GeoDataFrame(
        {
            "section_id": ["T1-01", "T2-01", "T2-02", "T2-03"],
            "line_id": ["T1", "T2", "T2", "T2"],
            "seq": [1, 1, 2, 3],
            "from_station": ["a", "b", "c", "d"],
            "to_station": ["b", "c", "d", "e"],
            "from_name_zh": n,
            "to_name_zh": n[1:] + n[:1],
            "opened": ["2020-01-01"] * 3 + ["2030-01-01"],
            "closed": [None] * 4,
            "status": ["open", "open", "open", "planned"],
            "mode": ["metro"] * 4,
            "length_m": [5000.0] * 4,
            "straight_m": [4000.0] * 4,
            "speed_kmh": [80.0] * 4,
            "colour": ["#ff0000", "#0000ff", "#0000ff", '"><script>alert(3)</script>'],
            "source": n,
        },
        geometry=[
            LineString([(112.90, 28.20), (112.95, 28.22)]),
            LineString([(112.95, 28.22), (113.00, 28.20)]),
            LineString([(113.00, 28.20), (113.05, 28.18)]),
            LineString([(113.05, 28.18), (113.10, 28.15)]),
        ],
        crs="EPSG:4326",
    )
    lines = pd.DataFrame(
        {
            "line_id": ["T1", "T2"],
            "name_zh": n[:2],
            "name_en": n[2:],
            "mode": ["metro"] * 2,
            "colour": ["#ff0000", "#0000ff"],
            "status": ["open"] * 2,
            "source": n[:2],
        }
    )
    roads = gpd.GeoDataFrame(
        {
            "road_id": ["R1", "R2", "R3"],
            "name_zh": n[:3],
            "name_en": n[1:],
            "road_class": ["expressway", "arterial", "arterial"],
            "highway": ["motorway", "trunk", "trunk"],
            "speed_kmh": [100, 60, 60],
            "status": ["open"] * 3,
            "length_km": [10.0, None, 3.0],
            "geometry_quality": ["schematic"] * 3,
            "geometry_error_m": [500, 800, 800],
            "source": n[:3],
        },
        geometry=[LineString([(112.9, 28.1), (113.1, 28.3)]), LineString([(112.9, 28.3), (113.1, 28.1)]), None],
        crs="EPSG:4326",
    )
    dist = gpd.GeoDataFrame(
        {
            "adcode": ["1", "2"],
            "name_zh": n[:2],
            "name_en": n[2:],
            "city": ["Changsha"] * 2,
            "city_zh": n[:2],
            "population": [100000, 200000],
            "population_year": [2020, 2020],
            "area_km2": [10.0, 20.0],
            "seat_lon": [112.9, 113.0],
            "seat_lat": [28.2, 28.2],
            "source": n[:2],
        },
        geometry=[
            MultiPolygon([Polygon([(112.85, 28.1), (112.98, 28.1), (112.98, 28.3), (112.85, 28.3)])]),
            MultiPolygon([Polygon([(112.98, 28.1), (113.12, 28.1), (113.12, 28.3), (112.98, 28.3)])]),
        ],
        crs="EPSG:4326",
    )
    return SimpleNamespace(stations=st, sections=sec, lines=lines, roads=roads, districts=dist, as_of=None)


def count(m: folium.Map, cls: type, class_name: str | None = None) -> int:
    n = 0
    for el in iter_elements(m):
        if type(el) is cls and (
            class_name is None or class_name in str(getattr(el, "options", {}).get("className", "")).split()
        ):
            n += 1
    return n


# --- network map: element tree -------------------------------------------------------------------
def test_network_map_element_counts() -> None:
    ds = make_ds()
    m = maps.network_map(ds, offline=True)
    assert count(m, folium.PolyLine, "cztmap-section") == 3  # planned section not drawn by default
    assert count(m, folium.PolyLine, "cztmap-planned") == 0
    assert count(m, folium.CircleMarker, "cztmap-station") == 4
    assert count(m, folium.CircleMarker, "cztmap-interchange") == 1
    assert count(m, folium.PolyLine, "cztmap-road") == 2  # the road without geometry is skipped
    assert count(m, folium.GeoJson) == 1
    assert count(m, folium.LayerControl) == 1
    names = [el.layer_name for el in iter_elements(m) if type(el) is folium.FeatureGroup]
    assert any(nm.startswith("T1 ") for nm in names) and any(nm.startswith("T2 ") for nm in names)
    assert m._cztmap_counts["stations"] == 4 and m._cztmap_counts["districts"] == 2


def test_network_map_planned_dashed_only_when_asked() -> None:
    m = maps.network_map(make_ds(), offline=True, show_planned=True)
    planned = [
        el
        for el in iter_elements(m)
        if type(el) is folium.PolyLine and "cztmap-planned" in el.options.get("className", "")
    ]
    assert len(planned) == 1 and planned[0].options["dashArray"]


def test_interchange_style_differs() -> None:
    m = maps.network_map(make_ds(), offline=True)
    cms = [el for el in iter_elements(m) if type(el) is folium.CircleMarker]
    inter = [c for c in cms if "cztmap-interchange" in c.options["className"]]
    normal = [c for c in cms if "cztmap-interchange" not in c.options["className"]]
    assert inter[0].options["radius"] > normal[0].options["radius"]
    assert inter[0].options["fillColor"] == "#ffffff"


def test_network_html_has_title_legend_datum() -> None:
    html = render_html(maps.network_map(make_ds(), offline=True))
    assert "cztmap-legend" in html and "cztmap-title" in html
    assert "WGS-84" in html and "L.control.layers" in html
    assert "fitBounds" in html


def test_real_dataset_network_map() -> None:
    from cztmap.data.dataset import load_dataset

    ds = load_dataset()
    m = maps.network_map(ds, offline=True)
    drawable = ds.sections[ds.sections.geometry.notna() & (ds.sections["status"] == "open")]
    assert m._cztmap_counts["sections"] == len(drawable)
    assert m._cztmap_counts["stations"] == len(ds.stations)


# --- escaping ---------------------------------------------------------------------------------------
def test_escaping_in_generated_html() -> None:
    m = maps.network_map(make_ds(EVIL), offline=True, title=EVIL[0], show_planned=True)
    html = render_html(m)
    for evil in EVIL[:2]:
        assert evil not in html
    assert (
        "onerror=" not in html.replace("onerror=&quot;", "").replace("onerror=\\&quot;", "") or "<img src=x" not in html
    )
    assert "<img src=x" not in html
    # exactly the scripts folium writes: none injected
    assert html.count("</script>") == html.count("<script")
    assert "alert(3)</script>" not in html  # colour value never used raw
    assert "<title>&lt;img" in html


def test_escaping_other_maps() -> None:
    iso = gpd.GeoDataFrame(
        {"minutes": [15, 30]}, geometry=[Point(113, 28).buffer(0.05), Point(113, 28).buffer(0.1)], crs="EPSG:4326"
    )
    zones = make_ds(EVIL).districts.assign(delta=[-3.0, 5.0])
    legs = gpd.GeoDataFrame(
        {
            "mode": ["walk", "metro"],
            "line_id": [None, EVIL[1]],
            "colour": [None, "#ff0000"],
            "from_name": [EVIL[0], EVIL[1]],
            "to_name": [EVIL[1], EVIL[0]],
            "minutes": [3.0, 12.0],
        },
        geometry=[LineString([(112.9, 28.2), (112.95, 28.2)]), LineString([(112.95, 28.2), (113.0, 28.25)])],
        crs="EPSG:4326",
    )
    sec = make_ds(EVIL).sections
    for m in (
        maps.isochrone_map(iso, origin=(113, 28), origin_name=EVIL[1], offline=True, title=EVIL[1]),
        maps.choropleth_map(zones, "population", k=2, offline=True, title=EVIL[0]),
        maps.route_map(legs, summary={EVIL[0]: EVIL[1]}, offline=True),
        maps.diff_map(sec.iloc[:2], sec.iloc[1:], zones, "delta", label=EVIL[1], offline=True),
    ):
        html = render_html(m)
        assert "<img src=x" not in html and "<script>window.__pwned" not in html
        assert html.count("</script>") == html.count("<script")


# --- offline / determinism ------------------------------------------------------------------------
def test_offline_html_has_no_network_assets() -> None:
    html = render_html(maps.network_map(make_ds(), offline=True))
    assert not ASSET.search(html)
    assert "tile.openstreetmap.org" not in html and "autonavi" not in html
    assert "bootstrap" not in html.lower() and "font-awesome" not in html.lower()
    assert "L.Icon.Default" not in html  # it lives inside the base64 Leaflet payload
    assert html.count('src="data:text/javascript;base64,') == 2


def test_online_html_inlines_leaflet_and_keeps_tiles() -> None:
    """Online maps load only tiles from the network: Leaflet and jQuery are inlined (no CDN)."""
    html = render_html(maps.network_map(make_ds()))
    assert "cdn.jsdelivr.net" not in html and "code.jquery.com" not in html
    assert html.count('src="data:text/javascript;base64,') == 2
    assert "tile.openstreetmap.org" in html and "OpenStreetMap" in html
    assert not re.search(r"autonavi", html)


def test_make_offline_instance_only_and_refuses_unknown() -> None:
    before = list(folium.Map.default_js), list(folium.Map.default_css)
    m = make_offline(folium.Map(tiles=None))
    assert (list(folium.Map.default_js), list(folium.Map.default_css)) == before
    assert all(u.startswith("data:") for _, u in m.default_js)
    with pytest.raises(UsageError, match="network"):
        make_offline(folium.Map())  # OSM tiles
    m2 = folium.Map(tiles=None)
    from folium.plugins import MarkerCluster

    MarkerCluster().add_to(m2)
    with pytest.raises(UsageError, match=r"markercluster|network"):
        make_offline(m2)
    m3 = folium.Map(tiles=None)
    folium.Marker((28, 113), icon=folium.Icon()).add_to(m3)
    with pytest.raises(UsageError, match=r"folium\.Icon"):
        make_offline(m3)


def test_render_html_deterministic() -> None:
    a = render_html(maps.network_map(make_ds(), offline=True))
    b = render_html(maps.network_map(make_ds(), offline=True))
    assert a == b
    m = maps.network_map(make_ds())
    c = render_html(m)
    m._repr_html_()
    assert render_html(m) == c == render_html(maps.network_map(make_ds()))
    assert not re.search(r"_[0-9a-f]{32}\b", a)


def test_save_map(tmp_path) -> None:
    m = maps.network_map(make_ds(), offline=True)
    p = maps.save_map(m, tmp_path / "net.html")
    assert p.read_bytes() == maps.save_map(m, tmp_path / "net2.html").read_bytes()
    with pytest.raises(UsageError, match=r"\.html"):
        maps.save_map(m, tmp_path / "net.png")
    with pytest.raises(UsageError):
        maps.save_map(m, tmp_path / "missing-dir" / "net.html")


# --- amap --------------------------------------------------------------------------------------------
def test_amap_shifts_every_overlay() -> None:
    ds = make_ds()
    wgs = maps.network_map(ds, basemap="osm")
    gcj = maps.network_map(ds, basemap="amap")
    a = [el.location for el in iter_elements(wgs) if type(el) is folium.CircleMarker]
    b = [el.location for el in iter_elements(gcj) if type(el) is folium.CircleMarker]
    d = np.array(b) - np.array(a)  # [lat, lon]
    assert np.allclose(d[:, 1], 0.0056, atol=0.0008), d
    assert np.allclose(d[:, 0], -0.0034, atol=0.0008), d
    la = [el.locations for el in iter_elements(wgs) if type(el) is folium.PolyLine]
    lb = [el.locations for el in iter_elements(gcj) if type(el) is folium.PolyLine]
    assert np.allclose(np.array(lb[0][0]) - np.array(la[0][0]), [-0.0034, 0.0056], atol=0.0008)
    html = render_html(gcj)
    assert "webrd0{s}.is.autonavi.com" in html and '"subdomains": "1234"' in html and "GCJ-02" in html
    tl = next(el for el in iter_elements(gcj) if type(el) is folium.TileLayer)
    assert "高德地图" in tl.options["attribution"] and "AutoNavi" in tl.options["attribution"]
    # the district GeoJson is shifted too
    gj = next(el for el in iter_elements(gcj) if type(el) is folium.GeoJson)
    gw = next(el for el in iter_elements(wgs) if type(el) is folium.GeoJson)
    x0 = gj.data["features"][0]["geometry"]["coordinates"][0][0][0]
    x1 = gw.data["features"][0]["geometry"]["coordinates"][0][0][0]
    assert x0[0] - x1[0] == pytest.approx(0.0056, abs=0.0008)


def test_offline_ignores_amap_shift() -> None:
    m = maps.network_map(make_ds(), basemap="amap", offline=True)
    loc = [el.location for el in iter_elements(m) if type(el) is folium.CircleMarker]
    assert [28.2, 112.9] in loc or [28.20, 112.90] in [list(x) for x in loc]


# --- bad inputs ----------------------------------------------------------------------------------------
def test_bad_inputs() -> None:
    ds = make_ds()
    with pytest.raises(UsageError, match=r"amap.*none.*osm"):
        maps.network_map(ds, basemap="google")
    with pytest.raises(UsageError, match="minutes"):
        maps.isochrone_map(gpd.GeoDataFrame({"x": [1]}, geometry=[Point(0, 0).buffer(1)]), origin=(113, 28))
    with pytest.raises(UsageError, match="lon, lat"):
        maps.isochrone_map(gpd.GeoDataFrame({"minutes": [1]}, geometry=[Point(0, 0).buffer(1)]), origin=("a", 1))
    with pytest.raises(UsageError, match="no column"):
        maps.choropleth_map(ds.districts, "nope")
    with pytest.raises(UsageError, match="positive integer"):
        maps.choropleth_map(ds.districts, "population", k=0)
    with pytest.raises(UsageError, match="scheme"):
        maps.choropleth_map(ds.districts, "population", scheme="equal")
    with pytest.raises(UsageError, match="column"):
        maps.route_map(gpd.GeoDataFrame({"mode": ["walk"]}, geometry=[LineString([(0, 0), (1, 1)])]), summary=None)
    with pytest.raises(UsageError, match="both"):
        maps.diff_map(ds.sections, ds.sections, ds.districts, None)
    with pytest.raises(UsageError):
        maps.save_map("not a map", "x.html")  # type: ignore[arg-type]


# --- other maps -----------------------------------------------------------------------------------------
def test_isochrone_nested_and_coloured() -> None:
    iso = gpd.GeoDataFrame(
        {"minutes": [15, 45, 30]}, geometry=[Point(113, 28).buffer(r) for r in (0.03, 0.1, 0.06)], crs="EPSG:4326"
    )
    m = maps.isochrone_map(iso, origin=(113, 28), offline=True)
    polys = [el for el in iter_elements(m) if type(el) is folium.Polygon]
    assert len(polys) == 3
    assert len({p.options["fillColor"] for p in polys}) == 3
    # largest first, so smaller polygons are drawn on top
    assert len(polys[0].locations) and count(m, folium.CircleMarker, "cztmap-origin") == 1


def test_choropleth_classes() -> None:
    assert maps.class_breaks([1, 2, 3, 10, 11, 12], k=2, scheme="natural_breaks") == [3.0, 12.0]
    assert maps.class_breaks(range(1, 101), k=4)[-1] == 100
    zones = make_ds().districts
    m = maps.choropleth_map(zones, "population", k=5, scheme="natural_breaks", offline=True)
    assert m._cztmap_counts == {"zones": 2, "classes": 2, "network": 0}


def test_choropleth_legend_is_readable_and_exact() -> None:
    """The issue's legends: no "0.00 – 0.00", no "1,882,894.00 – 4,814,962.40"; the rounded breaks colour."""
    ds = make_ds()
    zones = ds.districts.assign(reach=[0.0, 4814962.4])
    m = maps.choropleth_map(zones, "reach", k=5, scheme="natural_breaks", unit="people", network=ds, offline=True)
    assert m._cztmap_legend == ["0 people", "> 0 – 4,900,000 people"]
    assert m._cztmap_counts["network"] == len(ds.sections[ds.sections["status"] == "open"])
    from cztmap.viz.classify import class_labels, nice_breaks

    breaks = nice_breaks([1882894.0, 4814962.4])
    assert class_labels(breaks, lo=1000.0, unit="people") == [
        "1,000 – 1,900,000 people",
        "1,900,000 – 4,900,000 people",
    ]
    assert class_labels([0.0], lo=0.0, unit="min") == ["0 min"]
    html = render_html(m)
    legend = html[html.index('class="cztmap-panel cztmap-legend"') :][:2000]
    assert "&gt; 0 – 4,900,000 people" in legend and ".00" not in legend
    assert "4,814,962 people" in html  # the exact value stays in the zone's tooltip


def test_diff_map_shows_the_unchanged_network() -> None:
    sec = make_ds().sections
    zones = make_ds().districts.assign(delta=[-2.0, 0.0])
    m = maps.diff_map(sec, sec.iloc[1:], zones, "delta", offline=True)
    assert m._cztmap_counts["same"] == len(sec) - 1 and m._cztmap_counts["removed"] == 1
    assert m._cztmap_counts["winners"] == 1 and m._cztmap_counts["losers"] == 0
    html = render_html(m)
    assert f"{len(sec) - 1} unchanged" in html and "1 zones faster (winners)" in html


def test_diff_and_route_counts() -> None:
    sec = make_ds().sections
    m = maps.diff_map(sec.iloc[:3], sec.iloc[1:], offline=True)
    assert m._cztmap_counts == {"same": 2, "removed": 1, "added": 1}
    legs = gpd.GeoDataFrame(
        {
            "mode": ["walk", "metro", "metro"],
            "line_id": [None, "T1", "T2"],
            "colour": [None, "#ff0000", "#0000ff"],
            "from_name": ["A", "B", "C"],
            "to_name": ["B", "C", "D"],
            "minutes": [3.0, 12.0, 8.0],
        },
        geometry=[
            LineString([(112.9, 28.2), (112.95, 28.2)]),
            LineString([(112.95, 28.2), (113.0, 28.25)]),
            LineString([(113.0, 28.25), (113.05, 28.2)]),
        ],
        crs="EPSG:4326",
    )
    r = maps.route_map(legs, summary={"Total": "23 min"}, offline=True)
    assert r._cztmap_counts == {"legs": 3, "points": 4}
    dashed = [el for el in iter_elements(r) if type(el) is folium.PolyLine and el.options.get("dashArray")]
    assert len(dashed) == 1
    html = render_html(r)
    assert "nan" not in re.sub(r"data:[^\"]*", "", html).replace("NaN", "")


def test_plots(tmp_path) -> None:
    from matplotlib.figure import Figure

    from cztmap.viz.plots import plot_isochrones, plot_network, save_figure

    ax = plot_network(make_ds())  # a Figure (ax.figure is the figure itself)
    assert isinstance(ax, Figure) and ax._repr_png_()[1:4] == b"PNG"  # displays inline in notebooks
    assert save_figure(ax.figure, tmp_path / "n.png").stat().st_size > 1000
    svg1 = save_figure(ax.figure, tmp_path / "n.svg").read_bytes()
    assert svg1 == save_figure(ax.figure, tmp_path / "n2.svg").read_bytes()
    iso = gpd.GeoDataFrame(
        {"minutes": [15, 30]}, geometry=[Point(113, 28).buffer(r) for r in (0.03, 0.06)], crs="EPSG:4326"
    )
    save_figure(plot_isochrones(iso, origin=(113, 28)), tmp_path / "i.png")
    with pytest.raises(UsageError, match=r"png or \.svg"):
        save_figure(ax.figure, tmp_path / "n.pdf")
