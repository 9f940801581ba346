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

from browser import open_page, require_browser
from test_maps import EVIL, make_ds

from cztmap import maps


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
        # textContent: on short windows the English names are hidden (display:none) but still there, literally
        legend = page.page.evaluate("document.querySelector('.cztmap-legend').textContent")
        assert EVIL[1] in legend and "${window.__pwned=1}" in legend
        labels = page.layer_names()
        assert any(EVIL[0] in lab for lab in labels)
        page.screenshot("xss_offline")
        assert not page.pwned()
        assert page.count("script") == page.page.evaluate("document.scripts.length")
        page.assert_clean()


def test_online_map_without_internet_keeps_its_background(tmp_path) -> None:
    """The default (online-tiles) map with every request blocked: Leaflet is inlined and the vector
    basemap draws, so the page is not blank; the only requests it makes are for tiles."""
    m = maps.network_map(make_ds(), basemap="osm")
    path = maps.save_map(m, tmp_path / "online.html")
    with open_page(path, settle_ms=800) as page:
        assert page.requests, "an online map asks for tiles"
        assert all(u.startswith("https://tile.openstreetmap.org/") for u in page.requests), page.requests[:5]
        assert not page.page_errors, page.page_errors
        assert all("Failed to load resource" in e for e in page.console_errors)  # the blocked tiles only
        assert page.count_shapes("cztmap-station") == 4
        dom = _basemap_dom(page)
        assert dom["water"] > 0 and dom["bounds"] >= 26 and dom["city_labels"] == 3
        page.screenshot("network_online_no_internet")


# --------------------------------------------------------------------------------------------------
# every map type on the offline basemap, built from the real dataset and analyses
# --------------------------------------------------------------------------------------------------
_DOM_JS = """
() => {
  const q = (s) => document.querySelectorAll(s);
  const shown = [...q('.cztmap-label')].filter(e => e.dataset.shown === '1');
  const rects = shown.map(e => e.getBoundingClientRect());
  let overlaps = 0;
  for (let i = 0; i < rects.length; i++) for (let j = i + 1; j < rects.length; j++) {
    const a = rects[i], b = rects[j];
    if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1) overlaps++;
  }
  return {
    water: q('.leaflet-cztmap-water-pane path').length,
    bounds: q('.leaflet-cztmap-bounds-pane path').length,
    land: q('.leaflet-cztmap-land-pane path').length,
    city_labels: q('.cztmap-label-city').length,
    water_labels: [...q('.cztmap-label-water')].map(e => e.textContent),
    shown: shown.length,
    shown_stations: shown.filter(e => e.classList.contains('cztmap-label-station')).length,
    overlaps: overlaps,
    north: q('.cztmap-north').length,
    scale: q('.leaflet-control-scale-line').length,
    attribution: (document.querySelector('.leaflet-control-attribution') || {}).textContent || '',
    legend: (document.querySelector('.cztmap-legend') || {}).textContent || '',
    title: (document.querySelector('.cztmap-title') || {}).textContent || '',
  };
}
"""


def _basemap_dom(page) -> dict:
    return page.page.evaluate(_DOM_JS)


def _map_of(page) -> str:
    return page.page.evaluate("Object.keys(window).find(k => k.startsWith('map_') && window[k] && window[k].setZoom)")


@pytest.fixture(scope="module")
def real_maps(tmp_path_factory):
    """One offline map of each type, from the embedded dataset and real analysis results."""
    from cztmap.analysis.compare import compare
    from cztmap.analysis.integration import accessibility
    from cztmap.analysis.isochrones import isochrones
    from cztmap.network.build import build_graph
    from cztmap.network.routing import route

    ds = _real_dataset().filter("2024-01-01")
    G = build_graph(as_of="2024-01-01")
    it = route(G, "湘潭北站", "五一广场")
    iso = isochrones(G, "五一广场", [30, 45, 60])
    acc = accessibility(G, minutes=[30, 45, 60], other_cities_only=True)
    zones = ds.districts[["adcode", "name_zh", "name_en", "geometry"]].merge(
        acc[["within_60min"]].reset_index(), on="adcode"
    )
    res = compare("before_west_ring", "with_west_ring")
    dzones = ds.districts.merge(res.zones[["change_min"]].reset_index(), on="adcode", how="left")
    node = "S:" + ds.stations.set_index("name_zh").loc["五一广场", "station_id"]
    origin = (G.nodes[node]["x"], G.nodes[node]["y"])
    built = {
        "network": maps.network_map(ds, offline=True),
        "route": maps.route_map(it.to_gdf(), summary=it.to_dict(), offline=True),
        "isochrone": maps.isochrone_map(
            iso, origin=origin, origin_name="五一广场", network=ds, notes=["2024-01-01, peak"], offline=True
        ),
        "choropleth": maps.choropleth_map(
            zones,
            "within_60min",
            unit="people",
            network=ds,
            label="Other-city population within 60 min",
            notes=["2024-01-01, peak"],
            offline=True,
        ),
        "diff": maps.diff_map(
            res.base_sections,
            res.other_sections,
            dzones,
            "change_min",
            label="change of mean cross-city time (min)",
            offline=True,
        ),
    }
    out = tmp_path_factory.mktemp("real")
    return {k: (m, maps.save_map(m, out / f"{k}.html")) for k, m in built.items()}


@pytest.mark.parametrize("kind", ["network", "route", "isochrone", "choropleth", "diff"])
def test_every_map_type_has_the_offline_basemap(real_maps, kind) -> None:
    m, path = real_maps[kind]
    with open_page(path, settle_ms=700) as page:
        page.assert_clean()  # zero requests leave the machine, no errors
        dom = _basemap_dom(page)
        basemap = m._cztmap_basemap
        assert dom["water"] == basemap["water"] > 0
        assert dom["bounds"] == basemap["boundaries"] + basemap["seats"]
        assert dom["land"] == 3 and dom["city_labels"] == 3
        assert any("湘江" in t for t in dom["water_labels"])
        assert dom["shown"] > 0 and dom["overlaps"] == 0, dom
        assert dom["north"] == 1 and dom["scale"] >= 1
        assert "GSHHG" in dom["attribution"]
        page.screenshot(f"{kind}_offline_basemap")
        if kind == "choropleth":
            assert "people" in dom["legend"] and ".00" not in dom["legend"]
            assert page.count("path.cztmap-overlay") == m._cztmap_counts["network"] > 100
        if kind == "diff":
            assert m._cztmap_counts["same"] > 150 and m._cztmap_counts["added"] > 0
            assert page.count_shapes("cztmap-same") == m._cztmap_counts["same"]
            assert "0 unchanged" not in dom["title"]
        if kind == "isochrone":
            assert "≤ 60 min" in dom["legend"] and page.count_shapes("cztmap-isochrone") == 3
        if kind == "route":
            assert page.count_shapes("cztmap-leg") == m._cztmap_counts["legs"] > 0


def test_station_labels_appear_with_zoom_and_never_overlap(real_maps) -> None:
    _m, path = real_maps["network"]
    with open_page(path, settle_ms=700) as page:
        start = _basemap_dom(page)
        name = _map_of(page)
        page.page.evaluate(f"window['{name}'].setView([28.19, 112.98], 13, {{animate: false}})")
        page.page.wait_for_timeout(400)
        zoomed = _basemap_dom(page)
        page.screenshot("network_offline_zoom13")
        assert start["overlaps"] == 0 and zoomed["overlaps"] == 0
        assert start["shown_stations"] < zoomed["shown_stations"]
        assert zoomed["shown_stations"] >= 20
        text = page.page.evaluate(
            "[...document.querySelectorAll('.cztmap-label-station')].filter(e => e.dataset.shown === '1')"
            ".map(e => e.textContent).join('|')"
        )
        import re

        shown = text.split("|")
        assert all(re.search(r"[\u4e00-\u9fff]", t) and re.search(r"[A-Za-z]", t) for t in shown), shown[:5]
        page.assert_clean()


@pytest.mark.parametrize("viewport", [(1400, 1000), (1280, 720), (1920, 1300)])
def test_network_legend_fits_the_window_and_collapses(offline_network, viewport) -> None:
    """Every line of the embedded network is in view in the legend (nothing cut at the bottom); it collapses."""
    ds, _m, path, _s, _e = offline_network
    open_ids = sorted(set(ds.sections.loc[ds.sections["status"] == "open", "line_id"].astype(str)))
    with open_page(path, viewport=viewport, settle_ms=300) as page:
        box = page.page.evaluate(
            "(() => {const e = document.querySelector('.cztmap-legend'); const r = e.getBoundingClientRect();"
            " return {bottom: r.bottom, scroll: e.scrollHeight, client: e.clientHeight,"
            " text: e.innerText, height: r.height};})()"
        )
        assert box["bottom"] <= viewport[1], f"legend runs off the bottom: {box['bottom']} > {viewport[1]}"
        assert box["scroll"] <= box["client"] + 1, "legend content is hidden behind a scroll bar"
        missing = [lid for lid in open_ids if lid not in box["text"]]
        assert not missing, f"lines not shown in the legend: {missing}"
        page.page.click(".cztmap-legend > details > summary")
        collapsed = page.page.evaluate("document.querySelector('.cztmap-legend').getBoundingClientRect().height")
        assert collapsed < 40 < box["height"]
        page.screenshot(f"network_legend_{viewport[0]}x{viewport[1]}")
