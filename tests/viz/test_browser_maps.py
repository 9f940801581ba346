"""Real-browser checks of the HTML maps (headless Debian Chromium via Playwright).

Skipped with a reason when Chromium/Playwright are missing, and failing instead when ``CI`` is set
(install with ``.ci/install_browser.sh``). Screenshots go to ``tests/artifacts/``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser import ARTIFACTS, open_page, require_browser
from test_maps import EVIL, make_ds

from cztmap import maps
from cztmap.viz._offline import DROPPED_ASSETS, KNOWN_ASSETS


@pytest.fixture(scope="module", autouse=True)
def _browser() -> None:
    require_browser()


def _real_dataset():
    from cztmap.data.dataset import load_dataset

    return load_dataset()  # the embedded dataset always ships; a failure here is a real failure


@pytest.fixture(scope="module")
def offline_network(tmp_path_factory):
    """The offline network map of the embedded dataset, with its build time and expected counts."""
    ds = _real_dataset()
    t0 = time.perf_counter()
    m = maps.network_map(ds, offline=True)
    path = maps.save_map(m, tmp_path_factory.mktemp("maps") / "network_offline.html")
    seconds = time.perf_counter() - t0
    sec = ds.sections[ds.sections.geometry.notna() & ~ds.sections.geometry.is_empty & (ds.sections["status"] == "open")]
    roads = ds.roads[ds.roads.geometry.notna() & ~ds.roads.geometry.is_empty]
    expected = {"sections": len(sec), "roads": len(roads), "districts": len(ds.districts), "stations": len(ds.stations)}
    return ds, m, path, seconds, expected


def test_offline_network_map_in_browser(offline_network) -> None:
    ds, _m, path, seconds, expected = offline_network
    size_mb = path.stat().st_size / 1e6
    print(f"offline network map: {size_mb:.2f} MB, built+saved in {seconds:.2f} s")
    assert size_mb < 3.0
    assert seconds < 10.0
    with open_page(path, settle_ms=500) as page:
        page.assert_clean()  # no page errors, no console errors, zero network requests
        assert page.count_shapes("cztmap-section") == expected["sections"]
        assert page.count_shapes("cztmap-road") == expected["roads"]
        assert page.count_shapes("cztmap-district") == expected["districts"]
        assert page.count_shapes("cztmap-station") == expected["stations"]
        lines = expected["sections"] + expected["roads"] + expected["districts"]
        assert page.count_shapes() == lines + expected["stations"]
        assert page.count(".cztmap-legend") == 1 and page.count(".leaflet-control-layers") == 1
        assert "WGS-84" in page.text(".cztmap-title")
        page.screenshot("network_offline")

        # click an interchange station: its popup names it
        st = ds.stations
        inter = st[st["lines"].str.contains(";", na=False)].sort_values("station_id")
        first = inter.iloc[0]
        page.click_shape("cztmap-interchange", 0)
        text = page.popup_text()
        assert str(first["name_zh"]) in text and str(first["name_en"]) in text
        assert "interchange" in text and "expected error" in text
        page.page.wait_for_timeout(600)  # popup fade-in and auto-pan
        page.screenshot("network_offline_popup")

        # uncheck one line: its shapes disappear, the others stay
        line_id = "L1" if "L1" in set(ds.sections["line_id"]) else sorted(set(ds.sections["line_id"]))[0]
        n_line = int((ds.sections["line_id"] == line_id).sum())
        page.page.keyboard.press("Escape")
        assert page.toggle_layer(f"{line_id} ") is False
        page.page.wait_for_timeout(200)
        assert page.count_shapes("cztmap-section") == expected["sections"] - n_line
        page.screenshot("network_offline_layer_off")
        assert page.toggle_layer(f"{line_id} ") is True
        assert page.count_shapes("cztmap-section") == expected["sections"]
        page.assert_clean()


def test_district_tooltip_shows_population(offline_network) -> None:
    _ds, _m, path, _seconds, _expected = offline_network
    with open_page(path) as page:
        page.page.locator("path.cztmap-district").first.dispatch_event("mouseover")
        page.page.wait_for_timeout(200)
        tip = page.text(".leaflet-tooltip")
        assert "Population" in tip or "人口" in tip
        page.assert_clean()


def test_xss_names_render_literally(tmp_path) -> None:
    m = maps.network_map(make_ds(EVIL), offline=True, title=EVIL[0], show_planned=True)
    path = maps.save_map(m, tmp_path / "xss.html")
    with open_page(path, settle_ms=500) as page:
        assert not page.pwned(), f"injected script ran: dialogs={page.dialogs}"
        page.assert_clean()
        assert EVIL[0] in page.text(".cztmap-title")
        assert page.count_shapes("cztmap-station") == 4 and page.count_shapes("cztmap-planned") == 1
        page.click_shape("cztmap-station", 0)
        text = page.popup_text()
        assert EVIL[0] in text  # shown literally, as text
        assert page.page.locator(".leaflet-popup-content img").count() == 0
        page.page.keyboard.press("Escape")
        for i in range(page.count_shapes("cztmap-station")):
            page.click_shape("cztmap-station", i)
            page.page.wait_for_timeout(50)
        legend = page.text(".cztmap-legend")
        assert EVIL[1] in legend and "${window.__pwned=1}" in legend
        labels = page.layer_names()
        assert any(EVIL[0] in lab for lab in labels)
        page.screenshot("xss_offline")
        assert not page.pwned()
        assert page.count("script") == page.page.evaluate("document.scripts.length")
        page.assert_clean()


def test_online_map_with_cdn_stubs(tmp_path) -> None:
    """Unmodified folium CDN output: CDN URLs served from local files, tiles from a blank stub."""
    import xstatic.pkg.jquery as xj
    import xstatic.pkg.leaflet as xl

    m = maps.network_map(make_ds(), basemap="osm")
    path = maps.save_map(m, tmp_path / "online.html")
    leaflet_dir = Path(xl.BASE_DIR)
    routes: dict = {
        KNOWN_ASSETS["leaflet"]: leaflet_dir / "leaflet.js",
        KNOWN_ASSETS["leaflet_css"]: leaflet_dir / "leaflet.css",
        KNOWN_ASSETS["jquery"]: Path(xj.BASE_DIR) / "jquery.min.js",
        "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/images/*": leaflet_dir / "images",
        "https://tile.openstreetmap.org/*": (leaflet_dir / "images" / "layers.png"),
    }
    for url in DROPPED_ASSETS:  # Bootstrap, icon fonts: not used by cztmap maps
        routes[url] = b""
    with open_page(path, routes=routes, settle_ms=800) as page:
        cdn = [u for u in page.requests if "tile.openstreetmap.org" not in u]
        assert KNOWN_ASSETS["leaflet"] in cdn
        page.assert_clean(
            allow_requests=lambda u: any(u == k or (k.endswith("*") and u.startswith(k[:-1])) for k in routes)
        )
        assert page.count_shapes("cztmap-station") == 4
        assert page.count(".leaflet-tile") > 0
        page.screenshot("network_online_stubbed")


def test_other_maps_render(tmp_path) -> None:
    import geopandas as gpd
    from shapely.geometry import LineString, Point

    iso = gpd.GeoDataFrame(
        {"minutes": [15, 30, 45]}, geometry=[Point(112.98, 28.2).buffer(r) for r in (0.03, 0.07, 0.12)], crs="EPSG:4326"
    )
    legs = gpd.GeoDataFrame(
        {
            "mode": ["walk", "metro", "metro"],
            "line_id": [None, "T1", "T2"],
            "colour": [None, "#ff0000", "#0000ff"],
            "from_name": ["起点", "乙站", "丙站"],
            "to_name": ["乙站", "丙站", "丁站"],
            "minutes": [3.0, 12.0, 8.0],
        },
        geometry=[
            LineString([(112.93, 28.21), (112.95, 28.22)]),
            LineString([(112.95, 28.22), (113.0, 28.2)]),
            LineString([(113.0, 28.2), (113.05, 28.18)]),
        ],
        crs="EPSG:4326",
    )
    ds = make_ds()
    sec = ds.sections
    built = {
        "isochrones": maps.isochrone_map(iso, origin=(112.98, 28.2), offline=True),
        "route": maps.route_map(legs, summary={"Total 总计": "23 min", "Transfers 换乘": 1}, offline=True),
        "choropleth": maps.choropleth_map(ds.districts, "population", k=2, offline=True),
        "diff": maps.diff_map(
            sec.iloc[:3], sec.iloc[1:], ds.districts.assign(delta=[-2.0, 4.0]), "delta", offline=True
        ),
    }
    expected = {"isochrones": 3 + 1, "route": 3 + 4, "choropleth": 2, "diff": 2 + 2 + 1 + 1}
    for name, m in built.items():
        path = maps.save_map(m, tmp_path / f"{name}.html")
        with open_page(path) as page:
            page.assert_clean()
            assert page.count_shapes() == expected[name], name
            page.screenshot(f"{name}_offline")
    assert (ARTIFACTS / "route_offline.png").is_file()
