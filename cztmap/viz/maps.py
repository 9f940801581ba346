"""Interactive HTML maps (folium / Leaflet) of the Chang-Zhu-Tan network and analysis results.

Every function returns a :class:`folium.Map`; write it with :func:`save_map` (atomic, deterministic
bytes). Common keyword options:

``offline``
    ``True``: no tiles, plain background, Leaflet and jQuery inlined (:func:`cztmap.viz._offline.make_offline`);
    the file then needs no network at all.
``basemap``
    ``"osm"`` (OpenStreetMap tiles, WGS-84, the default), ``"amap"`` (Gaode/AutoNavi tiles, which are in
    GCJ-02: every overlay is shifted with :func:`cztmap.geo.wgs84_to_gcj02` so that it lines up) or
    ``"none"`` (no tiles). Offline maps have no tiles whatever ``basemap`` says.
``title``
    Text of the title panel (and of the page ``<title>``).

Every user-visible string (station, line, zone names; they may come from GTFS feeds) is HTML-escaped,
and text that ends up inside ``<script>`` is JSON-encoded with ``<``, ``>`` and ``&`` escaped, so a name
can neither inject markup nor close the script.

Examples
--------
>>> import pathlib, tempfile
>>> from cztmap.viz.maps import network_map, save_map
>>> out = pathlib.Path(tempfile.mkdtemp()) / "network.html"
>>> _ = save_map(network_map(as_of="2024-01-01", offline=True), out)
>>> out.stat().st_size > 100_000
True
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from folium.template import Template
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Point, Polygon, mapping

from cztmap._atomic import atomic_write_text
from cztmap.errors import UsageError
from cztmap.viz._offline import make_offline, render_html

__all__ = [
    "BASEMAPS",
    "choropleth_map",
    "class_breaks",
    "diff_map",
    "isochrone_map",
    "network_map",
    "route_map",
    "save_map",
]

#: Valid ``basemap`` names and their tile URL / attribution / datum.
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

#: Colour ramps (ColorBrewer, CC-BY Cynthia Brewer) used for classed maps.
_SEQUENTIAL = ["#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#bd0026", "#800026"]
_ISO = ["#08306b", "#08519c", "#2171b5", "#4292c6", "#6baed6", "#9ecae1", "#c6dbef", "#deebf7", "#f7fbff"]
_DIVERGING = ["#b2182b", "#d6604d", "#f4a582", "#fddbc7", "#f7f7f7", "#d1e5f0", "#92c5de", "#4393c3", "#2166ac"]

_STATUS_ZH = {"open": "运营", "closed": "停运", "under_construction": "在建", "planned": "规划"}
_ROAD_CLASS = {
    "expressway": ("Expressways", "高速公路", "#d95f02", 3.0),
    "arterial": ("Arterial roads", "城市快速路/主干道", "#7570b3", 2.5),
    "national": ("National roads", "国道", "#66a61e", 2.0),
}
_DEFAULT_CENTRE = (28.0, 113.0)  # lat, lon: the Chang-Zhu-Tan region

_CSS = """
.leaflet-container { background: #f2f1ec; }
.cztmap-panel { position: absolute; z-index: 990; background: rgba(255,255,255,0.94);
  border: 1px solid #999; border-radius: 4px; padding: 6px 9px; font: 12px/1.35 "Helvetica Neue", Arial,
  "Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", sans-serif; color: #222; box-shadow: 0 1px 4px rgba(0,0,0,0.25); }
.cztmap-title { top: 10px; left: 55px; max-width: 46%; }
.cztmap-title h1 { font-size: 15px; margin: 0 0 2px 0; }
.cztmap-title .cztmap-meta { color: #555; }
.cztmap-legend { top: 64px; right: 10px; max-height: 55%; max-width: 290px; overflow-y: auto; font-size: 11px; }
.cztmap-legend h2, .cztmap-summary h2 { font-size: 12px; margin: 4px 0 2px 0; }
.cztmap-legend .row { margin: 1px 0; padding-left: 28px; text-indent: -28px; }
.leaflet-control-layers-expanded { max-height: 70vh; overflow-y: auto; max-width: 420px; font-size: 11px; }
.cztmap-swatch { display: inline-block; width: 22px; height: 0; border-top: 4px solid #888; vertical-align: middle;
  margin-right: 5px; }
.cztmap-box { display: inline-block; width: 16px; height: 11px; border: 1px solid #666; vertical-align: middle;
  margin-right: 5px; }
.cztmap-dot { display: inline-block; width: 9px; height: 9px; border-radius: 50%; vertical-align: middle;
  margin: 0 9px 0 6px; border: 2px solid #333; }
.cztmap-summary { bottom: 28px; right: 10px; max-width: 300px; }
.cztmap-summary table { border-collapse: collapse; }
.cztmap-summary td { padding: 1px 6px 1px 0; vertical-align: top; }
.cztmap-popup { font: 12px/1.35 "Helvetica Neue", Arial, "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif; }
.cztmap-popup table { border-collapse: collapse; }
.cztmap-popup td:last-child { overflow-wrap: anywhere; }
.leaflet-tooltip { font-size: 12px; }
.cztmap-popup td { padding: 1px 6px 1px 0; vertical-align: top; }
.cztmap-popup .h { font-weight: bold; font-size: 13px; }
"""


# --------------------------------------------------------------------------------------------------
# escaping and small safe folium elements
# --------------------------------------------------------------------------------------------------
def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _e(value: Any) -> str:
    """HTML-escape any value for text or attribute context ('' for missing)."""
    if _missing(value):
        return ""
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        value = value.date().isoformat()
    elif isinstance(value, dt.date):
        value = value.isoformat()
    return html.escape(str(value), quote=True)


def _js(obj: Any) -> str:
    """JSON for inside ``<script>``: cannot close the script or start markup."""
    text = json.dumps(obj, ensure_ascii=False, sort_keys=True, allow_nan=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


_COLOUR_OK = set("0123456789abcdefABCDEF")


def _colour(value: Any, default: str = "#777777") -> str:
    """A ``#rrggbb`` colour or the default (colours also come from data and go into CSS)."""
    if isinstance(value, str):
        v = value.strip()
        if v.startswith("#") and len(v) in (4, 7) and set(v[1:]) <= _COLOUR_OK:
            return v
    return default


class _Bind(MacroElement):
    """``layer.bindPopup(html)`` / ``bindTooltip(html)`` with the HTML passed as safe JSON."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.{{ this.method }}({{ this.content_js }}, {{ this.options_js }});
        {% endmacro %}
        """
    )

    def __init__(self, method: str, content_html: str, **options: Any) -> None:
        super().__init__()
        self._name = "Popup" if method == "bindPopup" else "Tooltip"
        self.method = method
        self.content_js = _js(content_html)
        self.options_js = _js(options)


def _popup(html_text: str, max_width: int = 360) -> _Bind:
    return _Bind("bindPopup", f'<div class="cztmap-popup">{html_text}</div>', maxWidth=max_width)


def _tooltip(html_text: str, sticky: bool = True) -> _Bind:
    return _Bind("bindTooltip", html_text, sticky=sticky)


class _Panel(MacroElement):
    """A fixed HTML box on the map (title, legend, summary). ``content_html`` must be escaped already."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}
            <div class="cztmap-panel {{ this.css_class }}" id="{{ this.get_name() }}">{{ this.content_html }}</div>
        {% endmacro %}
        """
    )

    def __init__(self, css_class: str, content_html: str) -> None:
        super().__init__()
        self._name = "Panel"
        self.css_class = css_class
        self.content_html = content_html


class _Style(MacroElement):
    _template = Template(
        """
        {% macro header(this, kwargs) %}
            <style>{{ this.css }}</style>
        {% endmacro %}
        """
    )

    def __init__(self, css: str) -> None:
        super().__init__()
        self._name = "Style"
        self.css = css


def _rows(pairs: Iterable[tuple[str, Any]]) -> str:
    """A 2-column table; keys are trusted labels, values are escaped."""
    out = []
    for key, value in pairs:
        if _missing(value) or value == "":
            continue
        out.append(f"<tr><td>{key}</td><td>{_e(value)}</td></tr>")
    return "<table>" + "".join(out) + "</table>"


# --------------------------------------------------------------------------------------------------
# base map, coordinates
# --------------------------------------------------------------------------------------------------
def _check_basemap(basemap: str) -> str:
    if not isinstance(basemap, str) or basemap.lower() not in BASEMAPS:
        raise UsageError(f"Unknown basemap {basemap!r}; choose one of {', '.join(sorted(BASEMAPS))}.")
    return basemap.lower()


def _shift_fn(basemap: str, offline: bool) -> Callable[[Any], Any] | None:
    """The geometry transform for the chosen basemap (None: WGS-84 unchanged)."""
    if offline or basemap != "amap":
        return None
    from cztmap.geo import wgs84_to_gcj02

    def _xy(coords: np.ndarray) -> np.ndarray:
        if len(coords) == 0:
            return coords
        lon, lat = wgs84_to_gcj02(coords[:, 0], coords[:, 1])
        return np.column_stack([np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)])

    def shift(obj: Any) -> Any:
        if isinstance(obj, gpd.GeoDataFrame):
            out = obj.copy()
            geoms = np.asarray(out.geometry.values, dtype=object)
            out[out.geometry.name] = gpd.GeoSeries(shapely.transform(geoms, _xy), index=out.index, crs=obj.crs)
            return out
        if isinstance(obj, tuple) and len(obj) == 2:
            lon, lat = wgs84_to_gcj02(float(obj[0]), float(obj[1]))
            return (float(lon), float(lat))
        return shapely.transform(obj, _xy)

    return shift


def _prepare(gdf: gpd.GeoDataFrame | None, what: str, shift: Callable[[Any], Any] | None) -> gpd.GeoDataFrame:
    """Check a layer is a GeoDataFrame in (or convertible to) EPSG:4326, drop empty geometry, shift."""
    if gdf is None:
        return gpd.GeoDataFrame({"geometry": []}, geometry="geometry", crs="EPSG:4326")
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise UsageError(f"The {what} must be a GeoDataFrame, got {type(gdf).__name__}; read it with geopandas.")
    if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
        gdf = gdf.to_crs("EPSG:4326")
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    if shift is not None and len(gdf):
        gdf = shift(gdf)
    return gdf


def _base_map(*, offline: bool, basemap: str, title: str | None) -> folium.Map:
    basemap = _check_basemap(basemap)
    spec = BASEMAPS[basemap]
    tiles = None if offline else spec["tiles"]
    m = folium.Map(location=_DEFAULT_CENTRE, zoom_start=9, tiles=None, control_scale=True)
    if tiles is not None:
        folium.TileLayer(
            tiles=tiles,
            attr=spec["attr"],
            name="高德地图 AutoNavi (GCJ-02)" if basemap == "amap" else "OpenStreetMap",
            subdomains="1234" if basemap == "amap" else "abc",
            max_zoom=18,
            control=False,
        ).add_to(m)
    if title:
        m.get_root().title = _e(title)  # type: ignore[attr-defined]
    m.add_child(_Style(_CSS))
    return m


def _finish(
    m: folium.Map, bounds: Sequence[float] | None, *, offline: bool, layer_control: bool = True, pad_right: int = 20
) -> folium.Map:
    if bounds is not None and all(np.isfinite(bounds)):
        minx, miny, maxx, maxy = bounds
        # Start at (about) the fitted view, so fitBounds needs no big animated zoom (headless browsers
        # and slow machines otherwise show stale vector clipping until the next pan).
        m.location = [round((miny + maxy) / 2, 6), round((minx + maxx) / 2, 6)]
        dx = max(maxx - minx, 1e-4)
        dy = max((maxy - miny) / max(math.cos(math.radians((miny + maxy) / 2)), 0.2), 1e-4)
        zoom = math.floor(math.log2(min(800 * 360 / (256 * dx), 600 * 360 / (256 * dy))))
        m.options["zoom"] = int(min(max(zoom, 3), 16))
        m.fit_bounds([[miny, minx], [maxy, maxx]], padding_top_left=(20, 70), padding_bottom_right=(pad_right, 20))
    if layer_control:
        folium.LayerControl(collapsed=True).add_to(m)
    if offline:
        make_offline(m)
    return m


def _datum_label(basemap: str, offline: bool) -> str:
    if offline or basemap != "amap":
        return "WGS-84 (EPSG:4326)"
    return "GCJ-02 (overlays shifted from WGS-84 to match Gaode tiles)"


def _latlon_line(geom: Any) -> list[list[list[float]]]:
    """Lines of a (Multi)LineString as lists of [lat, lon]."""
    parts = geom.geoms if isinstance(geom, MultiLineString) else [geom]
    return [[[round(y, 6), round(x, 6)] for x, y, *_ in p.coords] for p in parts if not p.is_empty]


def _latlon_poly(geom: Any) -> list[list[list[list[float]]]]:
    """Polygons of a (Multi)Polygon as [[outer, holes...], ...] rings of [lat, lon]."""
    parts = geom.geoms if isinstance(geom, MultiPolygon) else [geom]
    out = []
    for p in parts:
        rings = [p.exterior, *p.interiors]
        out.append([[[round(y, 6), round(x, 6)] for x, y, *_ in r.coords] for r in rings])
    return out


def _polyline(geom: Any, **opts: Any) -> list[folium.PolyLine]:
    """One PolyLine per line part (a MultiLineString becomes one multi-part PolyLine)."""
    parts = _latlon_line(geom)
    if not parts:
        return []
    locs = parts[0] if len(parts) == 1 else parts
    return [folium.PolyLine(locs, **opts)]


def _polygon(geom: Any, **opts: Any) -> folium.Polygon | None:
    if not isinstance(geom, (Polygon, MultiPolygon)) or geom.is_empty:
        return None
    polys = _latlon_poly(geom)
    poly = folium.Polygon(polys[0], **opts)
    if len(polys) > 1:
        # a multi-part polygon: Leaflet takes [polygon][ring][point] nesting, which folium's location
        # validator refuses; set it after construction (each part keeps its holes)
        poly.locations = polys  # type: ignore[assignment]
    return poly


def _bounds(*gdfs: gpd.GeoDataFrame | None) -> list[float] | None:
    boxes = [g.total_bounds for g in gdfs if g is not None and len(g)]
    if not boxes:
        return None
    arr = np.vstack(boxes)
    return [float(arr[:, 0].min()), float(arr[:, 1].min()), float(arr[:, 2].max()), float(arr[:, 3].max())]


def _fmt_num(value: Any, digits: int = 0) -> str:
    if _missing(value):
        return ""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{v:,.{digits}f}"


def _title_panel(title: str, meta_lines: Sequence[str]) -> _Panel:
    body = f"<h1>{_e(title)}</h1>" + "".join(f'<div class="cztmap-meta">{_e(t)}</div>' for t in meta_lines)
    return _Panel("cztmap-title", body)


# --------------------------------------------------------------------------------------------------
# network map
# --------------------------------------------------------------------------------------------------
def _split_lines(value: Any) -> list[str]:
    if _missing(value):
        return []
    return [s.strip() for s in str(value).split(";") if s.strip()]


def _line_label(line_id: str, info: dict[str, Any] | None) -> str:
    if not info:
        return str(line_id)
    zh, en = info.get("name_zh"), info.get("name_en")
    names = " / ".join(str(x) for x in (zh, en) if not _missing(x) and str(x))
    return f"{line_id} {names}" if names else str(line_id)


def _as_of_label(as_of: Any) -> str:
    if _missing(as_of):
        return "all lines open in the dataset (no date filter)"
    if isinstance(as_of, (dt.date, pd.Timestamp)):
        return pd.Timestamp(as_of).date().isoformat()
    return str(as_of)


def network_map(
    ds: Any = None,
    *,
    as_of: str | dt.date | None = None,
    offline: bool = False,
    basemap: str = "osm",
    show_planned: bool = False,
    title: str | None = None,
) -> folium.Map:
    """The rail network, roads and districts on one interactive map.

    Parameters
    ----------
    ds : Dataset, optional
        From :func:`cztmap.data.dataset.load_dataset`; loaded (filtered to ``as_of``) if omitted. If both are
        given, ``ds`` is filtered to ``as_of``.
    as_of : date or ISO string, optional
        Show the network as it was open on that day.
    offline : bool
        No tiles and no network access (Leaflet/jQuery inlined).
    basemap : {"osm", "amap", "none"}
        Tile layer; ``"amap"`` shifts every overlay to GCJ-02.
    show_planned : bool
        Also draw planned / under-construction sections (dashed, their own layers).
    title : str, optional
        Title panel text (default: bilingual network name).

    Returns
    -------
    folium.Map
        One FeatureGroup per line (sections in the line colour), a station layer (interchanges larger
        with a white fill and dark ring), road layers per class, a district layer (population in the
        tooltip), a legend, a title panel (date, datum) and a layer control.
    """
    basemap = _check_basemap(basemap)
    from cztmap.data.dataset import load_dataset

    full = load_dataset() if ds is None else ds
    ds = full.filter(as_of) if as_of is not None else full
    for layer in ("stations", "sections", "lines", "roads", "districts"):
        if not hasattr(ds, layer):
            raise UsageError(f"network_map needs a Dataset with a {layer!r} layer; use cztmap.load_dataset().")
    ds_as_of = getattr(ds, "as_of", None)

    shift = _shift_fn(basemap, offline)
    stations = _prepare(ds.stations, "stations", shift)
    sections = _prepare(ds.sections, "sections", shift)
    roads = _prepare(ds.roads, "roads", shift)
    districts = _prepare(ds.districts, "districts", shift)
    lines_df = ds.lines if ds.lines is not None else pd.DataFrame(columns=["line_id"])
    line_info = {str(r["line_id"]): dict(r) for _, r in lines_df.iterrows()}

    if ds_as_of is None and "status" in sections:
        operating = sections[sections["status"].fillna("open") == "open"]
    else:
        operating = sections
    planned = sections.iloc[0:0]
    if show_planned and full is not None:
        fsec = _prepare(full.sections, "sections", shift)
        if "status" in fsec:
            planned = fsec[fsec["status"].isin(["planned", "under_construction"])]
            planned = planned[~planned["section_id"].isin(operating["section_id"])]

    title = title or "长株潭轨道交通网络 / Chang-Zhu-Tan rail network"
    m = _base_map(offline=offline, basemap=basemap, title=title)

    # districts first (bottom), then roads, then rail, then stations (top)
    n_districts = _add_districts(m, districts)
    n_roads = _add_roads(m, roads)
    drawn_lines: list[tuple[str, str, bool]] = []
    n_sections = 0
    for line_id, grp in _groups(operating, "line_id"):
        info = line_info.get(line_id)
        colour = _colour(grp["colour"].iloc[0] if "colour" in grp else None, _colour((info or {}).get("colour")))
        fg = folium.FeatureGroup(name=_e(_line_label(line_id, info)), show=True)
        for _, sec in grp.sort_values("seq" if "seq" in grp else "section_id").iterrows():
            for pl in _polyline(sec.geometry, color=colour, weight=5, opacity=0.9, class_name="cztmap-section"):
                pl.add_child(_section_tooltip(sec, info))
                pl.add_child(_popup(_section_popup(sec, info, planned=False)))
                fg.add_child(pl)
                n_sections += 1
        m.add_child(fg)
        drawn_lines.append((_line_label(line_id, info), colour, False))
    n_planned = 0
    for line_id, grp in _groups(planned, "line_id"):
        info = line_info.get(line_id)
        colour = _colour(grp["colour"].iloc[0] if "colour" in grp else None, _colour((info or {}).get("colour")))
        label = _line_label(line_id, info) + " (planned / under construction 规划/在建)"
        fg = folium.FeatureGroup(name=_e(label), show=True)
        for _, sec in grp.iterrows():
            for pl in _polyline(
                sec.geometry, color=colour, weight=4, opacity=0.75, dash_array="8 6", class_name="cztmap-planned"
            ):
                pl.add_child(_section_tooltip(sec, info))
                pl.add_child(_popup(_section_popup(sec, info, planned=True)))
                fg.add_child(pl)
                n_planned += 1
        m.add_child(fg)
        drawn_lines.append((label, colour, True))

    n_stations, n_interchanges = _add_stations(m, stations, line_info)

    meta = [
        f"As of 截至: {_as_of_label(ds_as_of)}",
        f"Datum 坐标系: {_datum_label(basemap, offline)}",
        f"{n_stations} stations 车站 · {n_sections} sections 区间"
        + (f" · {n_planned} planned 规划" if show_planned else ""),
    ]
    if offline:
        meta.append("Offline map: no background tiles 离线地图（无底图）")
    m.add_child(_title_panel(title, meta))
    m.add_child(_network_legend(drawn_lines, roads, n_districts, n_interchanges))
    bounds = _bounds(stations, operating) or _bounds(districts)
    m._cztmap_counts = {  # type: ignore[attr-defined]  # for tests and the CLI summary
        "sections": n_sections,
        "planned_sections": n_planned,
        "stations": n_stations,
        "interchanges": n_interchanges,
        "roads": n_roads,
        "districts": n_districts,
        "lines": len([d for d in drawn_lines if not d[2]]),
    }
    return _finish(m, bounds, offline=offline, pad_right=300)


def _groups(gdf: gpd.GeoDataFrame, column: str) -> list[tuple[str, gpd.GeoDataFrame]]:
    if not len(gdf) or column not in gdf:
        return []
    keys = sorted(gdf[column].astype(str).unique(), key=_line_sort_key)
    return [(k, gdf[gdf[column].astype(str) == k]) for k in keys]


def _line_sort_key(line_id: str) -> tuple[int, str]:
    order = ["L", "S", "WR", "CZT", "HSR", "ZZ"]
    for i, prefix in enumerate(order):
        if line_id.startswith(prefix):
            return (i, line_id)
    return (len(order), line_id)


def _section_tooltip(sec: pd.Series, info: dict[str, Any] | None) -> _Bind:
    a = sec.get("from_name_zh") or sec.get("from_station")
    b = sec.get("to_name_zh") or sec.get("to_station")
    return _tooltip(f"<b>{_e(_line_label(str(sec.get('line_id')), info))}</b><br>{_e(a)} – {_e(b)}")


def _section_popup(sec: pd.Series, info: dict[str, Any] | None, *, planned: bool) -> str:
    status = sec.get("status")
    rows = _rows(
        [
            ("From 起", sec.get("from_name_zh") or sec.get("from_station")),
            ("To 止", sec.get("to_name_zh") or sec.get("to_station")),
            ("Mode 方式", sec.get("mode")),
            ("Status 状态", f"{status} {_STATUS_ZH.get(str(status), '')}".strip() if not _missing(status) else None),
            ("Opened 开通", _e(sec.get("opened"))[:10] or None),
            ("Length 长度", f"{_fmt_num(sec.get('length_m'))} m" if not _missing(sec.get("length_m")) else None),
            ("Geometry 几何", sec.get("geometry_quality") or "straight line between stations (schematic)"),
            ("Source 来源", sec.get("source")),
        ]
    )
    head = f'<div class="h">{_e(_line_label(str(sec.get("line_id")), info))}</div>'
    return head + ("<div><i>planned / under construction 规划/在建</i></div>" if planned else "") + rows


def _add_stations(m: folium.Map, stations: gpd.GeoDataFrame, line_info: dict[str, dict[str, Any]]) -> tuple[int, int]:
    fg = folium.FeatureGroup(name="Stations 车站", show=True)
    n = n_inter = 0
    order = stations.assign(_n=stations["lines"].map(lambda v: len(_split_lines(v))) if "lines" in stations else 1)
    order = order.sort_values(["_n", "station_id"] if "station_id" in order else ["_n"])  # interchanges on top
    for _, st in order.iterrows():
        geom = st.geometry
        if not isinstance(geom, Point):
            geom = geom.representative_point()
        line_ids = _split_lines(st.get("lines"))
        interchange = len(line_ids) >= 2
        first = line_info.get(line_ids[0], {}) if line_ids else {}
        colour = _colour(first.get("colour"), "#555555")
        if interchange:
            style: dict[str, Any] = dict(
                radius=7,
                color="#222222",
                weight=3,
                fill=True,
                fill_color="#ffffff",
                fill_opacity=1.0,
                class_name="cztmap-station cztmap-interchange",
            )
            n_inter += 1
        else:
            style = dict(
                radius=4.5,
                color="#ffffff",
                weight=1.5,
                fill=True,
                fill_color=colour,
                fill_opacity=1.0,
                class_name="cztmap-station",
            )
        cm = folium.CircleMarker((round(geom.y, 6), round(geom.x, 6)), **style)
        cm.add_child(_tooltip(f"{_e(st.get('name_zh'))} {_e(st.get('name_en'))}", sticky=False))
        cm.add_child(_popup(_station_popup(st, line_ids, line_info)))
        fg.add_child(cm)
        n += 1
    m.add_child(fg)
    return n, n_inter


def _station_popup(st: pd.Series, line_ids: list[str], line_info: dict[str, dict[str, Any]]) -> str:
    line_html = "<br>".join(
        f'<span class="cztmap-box" style="background:{_colour(line_info.get(lid, {}).get("colour"))}"></span>'
        f"{_e(_line_label(lid, line_info.get(lid)))}"
        for lid in line_ids
    )
    err = st.get("position_error_m")
    quality = st.get("position_quality")
    pos = (
        None
        if _missing(quality)
        else f"{quality}" + (f" (±{_fmt_num(err)} m expected error)" if not _missing(err) else "")
    )
    rows = _rows(
        [
            ("Station id", st.get("station_id")),
            (
                "City 城市",
                " ".join(x for x in (_e(st.get("city_zh")) and str(st.get("city_zh")), str(st.get("city") or "")) if x)
                or None,
            ),
            ("District 区县", st.get("district_zh")),
            ("Opened 开通", _e(st.get("opened"))[:10] or None),
            ("Position 位置", pos),
            ("Method 方法", st.get("position_method")),
            ("Source datum", st.get("source_datum")),
            ("Source 来源", st.get("source")),
        ]
    )
    kind = " · 换乘站 interchange" if len(line_ids) >= 2 else ""
    return (
        f'<div class="h">{_e(st.get("name_zh"))}</div><div>{_e(st.get("name_en"))}<i>{kind}</i></div>'
        f'<div style="margin:4px 0">{line_html}</div>{rows}'
    )


def _add_roads(m: folium.Map, roads: gpd.GeoDataFrame) -> int:
    n = 0
    if not len(roads):
        return 0
    classes = (
        roads["road_class"].fillna("other").astype(str)
        if "road_class" in roads
        else pd.Series("other", index=roads.index)
    )
    for cls in sorted(classes.unique(), key=lambda c: list(_ROAD_CLASS).index(c) if c in _ROAD_CLASS else 99):
        en, zh, colour, weight = _ROAD_CLASS.get(cls, (f"Roads ({cls})", "道路", "#999999", 2.0))
        fg = folium.FeatureGroup(name=_e(f"{en} {zh}"), show=True)
        for _, rd in roads[classes == cls].iterrows():
            schematic = str(rd.get("geometry_quality") or "") == "schematic"
            opts = dict(color=colour, weight=weight, opacity=0.8, class_name=f"cztmap-road cztmap-road-{_e(cls)}")
            if schematic:
                opts["dash_array"] = "6 5"
            for pl in _polyline(rd.geometry, **opts):
                pl.add_child(_tooltip(f"{_e(rd.get('name_zh'))} {_e(rd.get('name_en'))}"))
                pl.add_child(_popup(_road_popup(rd, schematic)))
                fg.add_child(pl)
                n += 1
        m.add_child(fg)
    return n


def _road_popup(rd: pd.Series, schematic: bool) -> str:
    err = rd.get("geometry_error_m")
    geo = (
        "schematic 示意 — not the real alignment" + (f" (error up to ~{_fmt_num(err)} m)" if not _missing(err) else "")
        if schematic
        else rd.get("geometry_quality")
    )
    rows = _rows(
        [
            ("Class 等级", rd.get("road_class")),
            ("Status 状态", rd.get("status")),
            ("Speed 速度", f"{_fmt_num(rd.get('speed_kmh'))} km/h" if not _missing(rd.get("speed_kmh")) else None),
            (
                "Length 长度",
                f"{_fmt_num(rd.get('length_km'), 1)} km (published)" if not _missing(rd.get("length_km")) else None,
            ),
            ("Geometry 几何", geo),
            ("Source 来源", rd.get("source")),
        ]
    )
    return f'<div class="h">{_e(rd.get("name_zh"))}</div><div>{_e(rd.get("name_en"))}</div>{rows}'


_DISTRICT_TOOLTIP_JS = """
function (feature, layer) {
    if (feature.properties && feature.properties._tooltip) {
        layer.bindTooltip(feature.properties._tooltip, {sticky: true});
    }
}
"""


def _add_districts(m: folium.Map, districts: gpd.GeoDataFrame) -> int:
    if not len(districts):
        return 0
    from folium.utilities import JsCode

    feats = []
    for _, d in districts.iterrows():
        pop = d.get("population")
        year = d.get("population_year")
        tip = f"<b>{_e(d.get('name_zh'))}</b> {_e(d.get('name_en'))}"
        if not _missing(d.get("city_zh")):
            tip += f" · {_e(d.get('city_zh'))}"
        if not _missing(pop):
            tip += f"<br>Population 人口: {_fmt_num(pop)}" + (f" ({_e(int(year))})" if not _missing(year) else "")
        if not _missing(d.get("area_km2")):
            tip += f"<br>Area 面积: {_fmt_num(d.get('area_km2'), 1)} km²"
        feats.append(
            {
                "type": "Feature",
                "properties": {"adcode": str(d.get("adcode", "")), "_tooltip": tip},
                "geometry": _rounded(mapping(d.geometry)),
            }
        )
    gj = folium.GeoJson(
        {"type": "FeatureCollection", "features": feats},
        name="Districts 区县 (population 人口)",
        style_function=lambda f: {
            "color": "#8c8c8c",
            "weight": 1,
            "fillColor": "#c9c3b0",
            "fillOpacity": 0.18,
            "className": "cztmap-district",
        },
        highlight_function=lambda f: {"weight": 2.5, "fillOpacity": 0.3},
        on_each_feature=JsCode(_DISTRICT_TOOLTIP_JS),
        zoom_on_click=False,
    )
    m.add_child(gj)
    return len(feats)


def _rounded(geojson_geom: dict[str, Any], nd: int = 5) -> dict[str, Any]:
    def rnd(c: Any) -> Any:
        if isinstance(c, (list, tuple)) and c and isinstance(c[0], (int, float)):
            return [round(float(v), nd) for v in c[:2]]
        return [rnd(x) for x in c]

    return {"type": geojson_geom["type"], "coordinates": rnd(geojson_geom["coordinates"])}


def _network_legend(
    drawn_lines: list[tuple[str, str, bool]], roads: gpd.GeoDataFrame, n_districts: int, n_interchanges: int
) -> _Panel:
    parts = ["<h2>Lines 线路</h2>"]
    for label, colour, planned in drawn_lines:
        style = f"border-top-color:{colour};" + ("border-top-style:dashed;" if planned else "")
        parts.append(f'<div class="row"><span class="cztmap-swatch" style="{style}"></span>{_e(label)}</div>')
    parts.append("<h2>Stations 车站</h2>")
    parts.append(
        '<div class="row"><span class="cztmap-dot" style="background:#1f78b4;border:1px solid #fff;'
        'width:8px;height:8px"></span>station 车站 (line colour)</div>'
    )
    if n_interchanges:
        parts.append(
            '<div class="row"><span class="cztmap-dot" style="background:#fff;border:3px solid #222;'
            'width:9px;height:9px"></span>interchange 换乘站</div>'
        )
    if len(roads) and "road_class" in roads:
        parts.append("<h2>Roads 道路</h2>")
        for cls in [c for c in _ROAD_CLASS if c in set(roads["road_class"].astype(str))]:
            en, zh, colour, _w = _ROAD_CLASS[cls]
            parts.append(
                f'<div class="row"><span class="cztmap-swatch" style="border-top:3px dashed {colour}">'
                f"</span>{_e(en)} {_e(zh)} (schematic 示意)</div>"
            )
    if n_districts:
        parts.append(
            '<h2>Districts 区县</h2><div class="row"><span class="cztmap-box" '
            'style="background:#c9c3b0;opacity:0.6"></span>population in tooltip 人口见提示</div>'
        )
    return _Panel("cztmap-legend", "".join(parts))


# --------------------------------------------------------------------------------------------------
# route map
# --------------------------------------------------------------------------------------------------
_WALK_MODES = {"walk", "access", "egress", "transfer", "board", "alight"}


def _flat_summary(summary: dict[str, Any]) -> dict[str, Any]:
    """Readable rows from a flat dict, or from ``Itinerary.to_dict()`` (legs and totals in minutes)."""
    if not ({"legs", "totals"} <= set(summary)):
        return summary
    t = summary["totals"]

    def mins(sec: Any) -> str:
        return f"{float(sec) / 60:.0f} min"

    rows: dict[str, Any] = {
        "from 起点": (summary.get("origin") or {}).get("name", ""),
        "to 终点": (summary.get("destination") or {}).get("name", ""),
        "date 日期": f"{summary.get('as_of') or ''} ({summary.get('period') or ''})",
        "total 全程": mins(t.get("total_s", 0)),
        "in vehicle 乘车": mins(t.get("in_vehicle_s", 0)),
        "wait 候车": mins(t.get("wait_s", 0)),
        "walk/transfer 步行换乘": mins(t.get("walk_transfer_s", 0)),
        "access 接驳": mins(t.get("access_s", 0)),
        "transfers 换乘次数": t.get("transfers", 0),
    }
    for i, leg in enumerate(summary["legs"], 1):
        what = leg.get("line_id") or leg.get("kind")
        rows[f"leg {i}"] = (
            f"{what}: {leg.get('from_name')} → {leg.get('to_name')} ({float(leg.get('duration_s', 0)) / 60:.0f} min)"
        )
    return rows


def route_map(
    itinerary_gdf: gpd.GeoDataFrame,
    *,
    summary: dict[str, Any] | None = None,
    offline: bool = False,
    basemap: str = "osm",
    title: str | None = None,
) -> folium.Map:
    """An itinerary: legs in their line colours, walking/access legs dashed grey, transfer points marked.

    Parameters
    ----------
    itinerary_gdf : GeoDataFrame
        One row per leg, in travel order, with LineString geometry and the columns ``mode``, ``line_id``,
        ``colour``, ``from_name``, ``to_name``, ``minutes`` (others are ignored).
    summary : dict, optional
        Shown in a summary panel (keys and values are escaped), e.g. ``{"Total": "42 min"}``.
    """
    basemap = _check_basemap(basemap)
    required = {"mode", "from_name", "to_name"}
    if not isinstance(itinerary_gdf, gpd.GeoDataFrame):
        raise UsageError(f"route_map needs a GeoDataFrame of legs, got {type(itinerary_gdf).__name__}.")
    missing = required - set(itinerary_gdf.columns)
    if missing:
        raise UsageError(f"The itinerary GeoDataFrame lacks the column(s) {', '.join(sorted(missing))}; add them.")
    if summary is not None and not isinstance(summary, dict):
        raise UsageError(f"summary must be a dict of label -> value, got {type(summary).__name__}.")
    shift = _shift_fn(basemap, offline)
    legs = _prepare(itinerary_gdf, "itinerary", shift)
    if not len(legs):
        raise UsageError("The itinerary has no leg with a geometry; nothing to draw.")
    title = title or "Route 路线"
    m = _base_map(offline=offline, basemap=basemap, title=title)
    fg_legs = folium.FeatureGroup(name="Legs 行程段")
    fg_pts = folium.FeatureGroup(name="Stops and transfers 起终点/换乘")
    rows = list(legs.iterrows())
    for _, leg in rows:
        mode = str(leg.get("mode") or "")
        walk = mode in _WALK_MODES or (mode == "road" and _missing(leg.get("line_id")))
        colour = "#666666" if walk else _colour(leg.get("colour"), "#1f78b4")
        opts = dict(color=colour, weight=4 if walk else 7, opacity=0.9, class_name=f"cztmap-leg cztmap-leg-{_e(mode)}")
        if walk:
            opts["dash_array"] = "4 7"
        label = " ".join(x for x in (_e(leg.get("line_id")), _e(mode)) if x)
        text = f"<b>{label}</b><br>{_e(leg.get('from_name'))} → {_e(leg.get('to_name'))}" + (
            f"<br>{_fmt_num(leg.get('minutes'), 1)} min" if not _missing(leg.get("minutes")) else ""
        )
        for pl in _polyline(leg.geometry, **opts):
            pl.add_child(_tooltip(text))
            pl.add_child(_popup(text))
            fg_legs.add_child(pl)
    # points: origin, transfers, destination
    pts: list[tuple[Any, str, str]] = []
    for i, (_, leg) in enumerate(rows):
        g = leg.geometry
        line = g.geoms[0] if isinstance(g, MultiLineString) else g
        start = Point(line.coords[0]) if isinstance(line, LineString) else g.representative_point()
        kind = "origin 起点" if i == 0 else "transfer 换乘"
        pts.append((start, kind, str(leg.get("from_name") or "")))
    last = rows[-1][1].geometry
    lastline = last.geoms[-1] if isinstance(last, MultiLineString) else last
    end = Point(lastline.coords[-1]) if isinstance(lastline, LineString) else last.representative_point()
    pts.append((end, "destination 终点", str(rows[-1][1].get("to_name") or "")))
    for p, kind, name in pts:
        is_end = not kind.startswith("transfer")
        cm = folium.CircleMarker(
            (round(p.y, 6), round(p.x, 6)),
            radius=8 if is_end else 6,
            color="#222222",
            weight=3 if is_end else 2,
            fill=True,
            fill_color="#e31a1c" if kind.startswith("destination") else ("#33a02c" if is_end else "#ffffff"),
            fill_opacity=1.0,
            class_name="cztmap-routepoint",
        )
        cm.add_child(_tooltip(f"{_e(kind)}: {_e(name)}", sticky=False))
        cm.add_child(_popup(f'<div class="h">{_e(name)}</div><div>{_e(kind)}</div>'))
        fg_pts.add_child(cm)
    m.add_child(fg_legs)
    m.add_child(fg_pts)
    m.add_child(_title_panel(title, [f"Datum 坐标系: {_datum_label(basemap, offline)}"]))
    if summary:
        rows_html = "".join(f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in _flat_summary(summary).items())
        m.add_child(_Panel("cztmap-summary", f"<h2>Summary 摘要</h2><table>{rows_html}</table>"))
    legend = ["<h2>Legs 行程段</h2>"]
    seen: set[tuple[str, str]] = set()
    for _, leg in rows:
        mode = str(leg.get("mode") or "")
        walk = mode in _WALK_MODES
        lid = leg.get("line_id")
        key = ("" if _missing(lid) else str(lid), mode)
        if key in seen:
            continue
        seen.add(key)
        colour = "#666666" if walk else _colour(leg.get("colour"), "#1f78b4")
        style = f"border-top-color:{colour};" + ("border-top-style:dashed;" if walk else "")
        legend.append(
            f'<div class="row"><span class="cztmap-swatch" style="{style}"></span>'
            f"{_e(' '.join(x for x in key if x))}</div>"
        )
    m.add_child(_Panel("cztmap-legend", "".join(legend)))
    m._cztmap_counts = {"legs": len(rows), "points": len(pts)}  # type: ignore[attr-defined]
    return _finish(m, legs.total_bounds, offline=offline)


# --------------------------------------------------------------------------------------------------
# isochrones
# --------------------------------------------------------------------------------------------------
def isochrone_map(
    iso_gdf: gpd.GeoDataFrame,
    *,
    origin: tuple[float, float] | None = None,
    origin_name: str | None = None,
    offline: bool = False,
    basemap: str = "osm",
    title: str | None = None,
) -> folium.Map:
    """Nested isochrone polygons (column ``minutes``) on a sequential colour scale, origin marked.

    Parameters
    ----------
    iso_gdf : GeoDataFrame
        (Multi)Polygons with a numeric ``minutes`` column; larger budgets are drawn first, so the
        smaller (darker) ones stay on top.
    origin : (lon, lat), optional
        WGS-84 position of the origin.
    """
    basemap = _check_basemap(basemap)
    if not isinstance(iso_gdf, gpd.GeoDataFrame):
        raise UsageError(f"isochrone_map needs a GeoDataFrame, got {type(iso_gdf).__name__}.")
    if "minutes" not in iso_gdf.columns:
        raise UsageError(
            "The isochrone GeoDataFrame has no 'minutes' column; add the travel-time budget of each polygon."
        )
    if origin is not None:
        origin = _check_lonlat(origin, "origin")
    shift = _shift_fn(basemap, offline)
    iso = _prepare(iso_gdf, "isochrones", shift)
    try:
        minutes = pd.to_numeric(iso["minutes"], errors="raise").astype(float)
    except (TypeError, ValueError) as exc:
        raise UsageError("The 'minutes' column of the isochrones must be numeric.") from exc
    iso = iso.assign(minutes=minutes).sort_values("minutes", ascending=False)
    title = title or "Isochrones 等时圈"
    m = _base_map(offline=offline, basemap=basemap, title=title)
    levels = sorted(iso["minutes"].unique())
    ramp = _pick(_ISO, len(levels))
    colour_of = {lv: ramp[i] for i, lv in enumerate(levels)}
    fg = folium.FeatureGroup(name="Isochrones 等时圈")
    for _, row in iso.iterrows():
        poly = _polygon(
            row.geometry,
            color="#08306b",
            weight=1,
            fill_color=colour_of[row["minutes"]],
            fill_opacity=0.45,
            class_name="cztmap-isochrone",
        )
        if poly is None:
            continue
        poly.add_child(_tooltip(f"≤ {_fmt_num(row['minutes'])} min"))
        fg.add_child(poly)
    m.add_child(fg)
    if origin is not None:
        o = shift(origin) if shift is not None else origin
        cm = folium.CircleMarker(
            (round(o[1], 6), round(o[0], 6)),
            radius=8,
            color="#ffffff",
            weight=3,
            fill=True,
            fill_color="#e31a1c",
            fill_opacity=1.0,
            class_name="cztmap-origin",
        )
        cm.add_child(_tooltip(f"Origin 起点{': ' + _e(origin_name) if origin_name else ''}", sticky=False))
        m.add_child(cm)
    legend = ["<h2>Travel time 出行时间</h2>"]
    for lv in levels:
        legend.append(
            f'<div class="row"><span class="cztmap-box" style="background:{colour_of[lv]}"></span>'
            f"≤ {_fmt_num(lv)} min</div>"
        )
    m.add_child(_Panel("cztmap-legend", "".join(legend)))
    meta = [f"Datum 坐标系: {_datum_label(basemap, offline)}"]
    if origin_name:
        meta.insert(0, f"Origin 起点: {origin_name}")
    m.add_child(_title_panel(title, meta))
    m._cztmap_counts = {"isochrones": len(iso)}  # type: ignore[attr-defined]
    return _finish(m, _bounds(iso), offline=offline)


def _check_lonlat(p: Any, what: str) -> tuple[float, float]:
    try:
        lon, lat = (float(p[0]), float(p[1]))
    except (TypeError, ValueError, IndexError) as exc:
        raise UsageError(f"{what} must be a (lon, lat) pair of numbers, got {p!r}.") from exc
    if not (-180 <= lon <= 180 and -90 <= lat <= 90) or not (math.isfinite(lon) and math.isfinite(lat)):
        raise UsageError(f"{what} {p!r} is not a valid (lon, lat) position; give longitude first.")
    return lon, lat


def _pick(ramp: Sequence[str], n: int) -> list[str]:
    """n colours spread evenly over a ramp."""
    if n <= 0:
        return []
    if n == 1:
        return [ramp[len(ramp) // 2]]
    idx = np.linspace(0, len(ramp) - 1, n).round().astype(int)
    return [ramp[i] for i in idx]


# --------------------------------------------------------------------------------------------------
# classification, choropleth, diff
# --------------------------------------------------------------------------------------------------
def class_breaks(values: Sequence[float] | np.ndarray, k: int = 5, scheme: str = "quantiles") -> list[float]:
    """Upper class bounds (k or fewer, last = max) by ``"quantiles"`` or ``"natural_breaks"`` (Fisher-Jenks).

    Examples
    --------
    >>> class_breaks([1, 2, 3, 10, 11, 12], k=2, scheme="natural_breaks")
    [3.0, 12.0]
    """
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
        raise UsageError(f"k (number of classes) must be a positive integer, got {k!r}.")
    v = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce"), dtype=float)
    v = np.sort(v[np.isfinite(v)])
    if len(v) == 0:
        raise UsageError("There are no numeric values to classify; check the column.")
    uniq = np.unique(v)
    k = min(k, len(uniq))
    if scheme == "quantiles":
        qs = np.quantile(v, np.linspace(0, 1, k + 1)[1:], method="linear")
        breaks = sorted(set(float(x) for x in qs))
    elif scheme in ("natural_breaks", "jenks"):
        breaks = _jenks(v, k)
    else:
        raise UsageError(f"Unknown classification scheme {scheme!r}; choose 'quantiles' or 'natural_breaks'.")
    breaks[-1] = float(v[-1])
    return breaks


def _jenks(v: np.ndarray, k: int) -> list[float]:
    """Fisher-Jenks optimal classes (O(k n²) dynamic programme; sorted values)."""
    n = len(v)
    if n > 3000:  # keep it fast: classify a sample of quantiles
        v = np.quantile(v, np.linspace(0, 1, 3000))
        n = len(v)
    cs = np.concatenate([[0.0], np.cumsum(v)])
    cs2 = np.concatenate([[0.0], np.cumsum(v * v)])

    def ssd(i: int, j: int) -> float:  # values i..j-1
        s = cs[j] - cs[i]
        return float(cs2[j] - cs2[i] - s * s / (j - i))

    cost = np.full((k + 1, n + 1), np.inf)
    back = np.zeros((k + 1, n + 1), dtype=int)
    cost[0, 0] = 0.0
    for c in range(1, k + 1):
        for j in range(c, n + 1):
            best, arg = np.inf, c - 1
            for i in range(c - 1, j):
                val = cost[c - 1, i] + ssd(i, j)
                if val < best:
                    best, arg = val, i
            cost[c, j], back[c, j] = best, arg
    ends = []
    j = n
    for c in range(k, 0, -1):
        ends.append(j)
        j = back[c, j]
    return sorted({float(v[e - 1]) for e in ends})


def _classify(value: float, breaks: Sequence[float]) -> int:
    for i, b in enumerate(breaks):
        if value <= b:
            return i
    return len(breaks) - 1


def choropleth_map(
    zones_gdf: gpd.GeoDataFrame,
    column: str,
    *,
    k: int = 5,
    scheme: str = "quantiles",
    name_column: str | None = None,
    label: str | None = None,
    offline: bool = False,
    basemap: str = "osm",
    title: str | None = None,
) -> folium.Map:
    """Zones coloured by ``column`` in ``k`` classes (quantiles or natural breaks) with a classed legend.

    ``name_column`` (default: ``name_zh`` + ``name_en`` if present, else ``name``) labels the tooltips.
    """
    basemap = _check_basemap(basemap)
    if not isinstance(zones_gdf, gpd.GeoDataFrame):
        raise UsageError(f"choropleth_map needs a GeoDataFrame of zones, got {type(zones_gdf).__name__}.")
    if column not in zones_gdf.columns:
        raise UsageError(
            f"The zones have no column {column!r}; choose one of {', '.join(map(str, zones_gdf.columns[:20]))}."
        )
    vals = pd.to_numeric(zones_gdf[column], errors="coerce")
    if vals.notna().sum() == 0:
        raise UsageError(f"The column {column!r} has no numeric values to map.")
    breaks = class_breaks(vals, k=k, scheme=scheme)
    shift = _shift_fn(basemap, offline)
    zones = _prepare(zones_gdf.assign(_value=vals), "zones", shift)
    colours = _pick(_SEQUENTIAL, len(breaks))
    title = title or f"{label or column}"
    m = _base_map(offline=offline, basemap=basemap, title=title)
    fg = folium.FeatureGroup(name=_e(label or column))
    n = 0
    for _, z in zones.iterrows():
        v = z["_value"]
        fill = "#dddddd" if _missing(v) else colours[_classify(float(v), breaks)]
        poly = _polygon(
            z.geometry, color="#555555", weight=1, fill_color=fill, fill_opacity=0.7, class_name="cztmap-zone"
        )
        if poly is None:
            continue
        name = _zone_name(z, name_column)
        poly.add_child(_tooltip(f"<b>{name}</b><br>{_e(label or column)}: {_e(_fmt_num(v, 2)) or 'no data'}"))
        fg.add_child(poly)
        n += 1
    m.add_child(fg)
    lo = float(vals.min())
    legend = [f"<h2>{_e(label or column)} ({'natural breaks' if scheme != 'quantiles' else 'quantiles'})</h2>"]
    prev = lo
    for i, b in enumerate(breaks):
        legend.append(
            f'<div class="row"><span class="cztmap-box" style="background:{colours[i]}"></span>'
            f"{_fmt_num(prev, 2)} – {_fmt_num(b, 2)}</div>"
        )
        prev = b
    if vals.isna().any():
        legend.append('<div class="row"><span class="cztmap-box" style="background:#dddddd"></span>no data</div>')
    m.add_child(_Panel("cztmap-legend", "".join(legend)))
    m.add_child(_title_panel(title, [f"Datum 坐标系: {_datum_label(basemap, offline)}"]))
    m._cztmap_counts = {"zones": n, "classes": len(breaks)}  # type: ignore[attr-defined]
    m._cztmap_breaks = breaks  # type: ignore[attr-defined]
    return _finish(m, _bounds(zones), offline=offline)


def _zone_name(z: pd.Series, name_column: str | None) -> str:
    if name_column:
        return _e(z.get(name_column))
    parts = [_e(z.get(c)) for c in ("name_zh", "name_en") if c in z.index]
    parts = [p for p in parts if p]
    if not parts and "name" in z.index:
        parts = [_e(z.get("name"))]
    if not parts:
        parts = [_e(z.get("adcode", z.name))]
    return " ".join(parts)


def diff_map(
    base_sections: gpd.GeoDataFrame,
    new_sections: gpd.GeoDataFrame,
    zones_gdf: gpd.GeoDataFrame | None = None,
    column: str | None = None,
    *,
    label: str | None = None,
    offline: bool = False,
    basemap: str = "osm",
    title: str | None = None,
) -> folium.Map:
    """Compare two networks: added sections (green, thick), removed (red, dashed), unchanged (grey).

    Sections are matched by ``section_id``. With ``zones_gdf`` and ``column`` the zones are coloured by
    that change column on a diverging scale centred on 0 (blue = decrease, red = increase).
    """
    basemap = _check_basemap(basemap)
    for what, g in (("base_sections", base_sections), ("new_sections", new_sections)):
        if not isinstance(g, gpd.GeoDataFrame):
            raise UsageError(f"diff_map needs {what} as a GeoDataFrame, got {type(g).__name__}.")
        if "section_id" not in g.columns:
            raise UsageError(f"{what} has no 'section_id' column; sections are matched by it.")
    if (zones_gdf is None) != (column is None):
        raise UsageError("Give both zones_gdf and column (the change to colour the zones by), or neither.")
    shift = _shift_fn(basemap, offline)
    base = _prepare(base_sections, "base sections", shift)
    new = _prepare(new_sections, "new sections", shift)
    base_ids, new_ids = set(base["section_id"].astype(str)), set(new["section_id"].astype(str))
    added = new[~new["section_id"].astype(str).isin(base_ids)]
    removed = base[~base["section_id"].astype(str).isin(new_ids)]
    same = new[new["section_id"].astype(str).isin(base_ids)]
    title = title or "Network change 网络变化"
    m = _base_map(offline=offline, basemap=basemap, title=title)
    counts: dict[str, int] = {}
    if zones_gdf is not None:
        if column not in zones_gdf.columns:
            raise UsageError(
                f"The zones have no column {column!r}; choose one of {', '.join(map(str, zones_gdf.columns[:20]))}."
            )
        vals = pd.to_numeric(zones_gdf[column], errors="coerce")
        zones = _prepare(zones_gdf.assign(_value=vals), "zones", shift)
        vmax = float(np.nanmax(np.abs(vals))) if vals.notna().any() else 0.0
        edges = np.linspace(-vmax, vmax, len(_DIVERGING) + 1) if vmax > 0 else None
        fgz = folium.FeatureGroup(name=_e(f"Zones: {label or column}"))
        nz = 0
        for _, z in zones.iterrows():
            v = z["_value"]
            if _missing(v):
                fill = "#dddddd"
            elif edges is None or v == 0:
                fill = _DIVERGING[len(_DIVERGING) // 2]
            else:
                # _DIVERGING runs red (negative)... -> reverse so that increases are red
                i = int(np.clip(np.searchsorted(edges, v, side="right") - 1, 0, len(_DIVERGING) - 1))
                fill = _DIVERGING[::-1][i]
            poly = _polygon(
                z.geometry, color="#666666", weight=1, fill_color=fill, fill_opacity=0.65, class_name="cztmap-zone"
            )
            if poly is None:
                continue
            poly.add_child(
                _tooltip(
                    f"<b>{_zone_name(z, None)}</b><br>{_e(label or column)}: "
                    f"{'+' if not _missing(v) and v > 0 else ''}{_e(_fmt_num(v, 2)) or 'no data'}"
                )
            )
            fgz.add_child(poly)
            nz += 1
        m.add_child(fgz)
        counts["zones"] = nz
    for name, gdf, style, cls in (
        ("Unchanged sections 未变区间", same, dict(color="#9a9a9a", weight=3, opacity=0.8), "cztmap-same"),
        (
            "Removed sections 删除区间",
            removed,
            dict(color="#d7191c", weight=5, opacity=0.95, dash_array="7 6"),
            "cztmap-removed",
        ),
        ("Added sections 新增区间", added, dict(color="#1a9641", weight=7, opacity=0.95), "cztmap-added"),
    ):
        fg = folium.FeatureGroup(name=name)
        n = 0
        for _, sec in gdf.iterrows():
            for pl in _polyline(sec.geometry, class_name=cls, **style):
                a = sec.get("from_name_zh") or sec.get("from_station")
                b = sec.get("to_name_zh") or sec.get("to_station")
                pl.add_child(_tooltip(f"<b>{_e(name)}</b><br>{_e(sec.get('line_id'))} {_e(a)} – {_e(b)}"))
                fg.add_child(pl)
                n += 1
        m.add_child(fg)
        counts[cls.split("-")[1]] = n
    legend = [
        "<h2>Sections 区间</h2>",
        '<div class="row"><span class="cztmap-swatch" style="border-top:5px solid #1a9641"></span>added 新增</div>',
        '<div class="row"><span class="cztmap-swatch" style="border-top:4px dashed #d7191c"></span>removed 删除</div>',
        '<div class="row"><span class="cztmap-swatch" style="border-top:3px solid #9a9a9a"></span>unchanged 未变</div>',
    ]
    if zones_gdf is not None:
        legend.append(f"<h2>{_e(label or column)}</h2>")
        legend.append('<div class="row"><span class="cztmap-box" style="background:#b2182b"></span>increase 增加</div>')
        legend.append(
            '<div class="row"><span class="cztmap-box" style="background:#f7f7f7"></span>no change 不变</div>'
        )
        legend.append('<div class="row"><span class="cztmap-box" style="background:#2166ac"></span>decrease 减少</div>')
    m.add_child(_Panel("cztmap-legend", "".join(legend)))
    m.add_child(
        _title_panel(
            title,
            [
                f"{len(added)} added · {len(removed)} removed · {len(same)} unchanged",
                f"Datum 坐标系: {_datum_label(basemap, offline)}",
            ],
        )
    )
    m._cztmap_counts = counts  # type: ignore[attr-defined]
    return _finish(m, _bounds(base, new), offline=offline)


# --------------------------------------------------------------------------------------------------
# output
# --------------------------------------------------------------------------------------------------
def save_map(m: folium.Map, path: str | os.PathLike[str]) -> Path:
    """Write the map as a standalone HTML file (atomically, same bytes for the same map)."""
    if not isinstance(m, folium.Map):
        raise UsageError(f"save_map needs a folium.Map, got {type(m).__name__}.")
    p = Path(path)
    if p.suffix.lower() not in (".html", ".htm"):
        raise UsageError(
            f"The map output {str(p)!r} must end in .html (got {p.suffix or 'no extension'!r}); rename it."
        )
    return atomic_write_text(p, render_html(m))
