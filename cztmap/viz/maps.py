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
import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Point, Polygon, mapping

from cztmap._atomic import atomic_write_text
from cztmap.errors import UsageError
from cztmap.viz._html import Bind as _Bind
from cztmap.viz._html import Panel as _Panel
from cztmap.viz._html import colour as _colour
from cztmap.viz._html import esc as _e
from cztmap.viz._html import fmt_num as _fmt_num
from cztmap.viz._html import is_missing as _missing
from cztmap.viz._html import popup as _popup
from cztmap.viz._html import rows as _rows
from cztmap.viz._html import title_panel as _title_panel
from cztmap.viz._html import tooltip as _tooltip
from cztmap.viz._offline import make_offline, render_html
from cztmap.viz.basemaps import BASEMAPS, LabelLayer, add_basemap, add_cartography
from cztmap.viz.basemaps import check_basemap as _check_basemap
from cztmap.viz.classify import DIVERGING, ISOCHRONE, SEQUENTIAL, class_breaks, class_index, class_labels, nice_breaks
from cztmap.viz.classify import pick as _pick

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

_STATUS_ZH = {"open": "运营", "closed": "停运", "under_construction": "在建", "planned": "规划"}
_ROAD_CLASS = {
    "expressway": ("Expressways", "高速公路", "#d95f02", 3.0),
    "arterial": ("Arterial roads", "城市快速路/主干道", "#7570b3", 2.5),
    "national": ("National roads", "国道", "#66a61e", 2.0),
}
_DEFAULT_CENTRE = (28.0, 113.0)  # lat, lon: the Chang-Zhu-Tan region

_CSS = """
.cztmap-panel { position: absolute; z-index: 990; background: rgba(255,255,255,0.94);
  border: 1px solid #999; border-radius: 4px; padding: 6px 9px; font: 12px/1.35 "Helvetica Neue", Arial,
  "Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", sans-serif; color: #222; box-shadow: 0 1px 4px rgba(0,0,0,0.25); }
.cztmap-title { top: 10px; left: 55px; max-width: 46%; }
.cztmap-title h1 { font-size: 15px; margin: 0 0 2px 0; }
.cztmap-title .cztmap-meta { color: #555; }
.cztmap-legend { top: 64px; right: 10px; max-height: calc(100% - 150px); max-width: 290px; overflow-y: auto;
  font-size: 11px; }
.cztmap-legend h2, .cztmap-summary h2 { font-size: 12px; margin: 4px 0 2px 0; }
.cztmap-legend .row { margin: 1px 0; padding-left: 28px; text-indent: -28px; }
.cztmap-legend summary { cursor: pointer; font-weight: bold; font-size: 12px; margin: 3px 0 1px 0; }
.cztmap-legend details details summary { font-weight: normal; font-size: 11px; color: #333; }
.cztmap-legend .en { color: #555; }
@media (max-height: 1150px) { .cztmap-legend .en { display: none; } }
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


def _base_map(
    *,
    offline: bool,
    basemap: str,
    title: str | None,
    shift: Callable[[Any], Any] | None = None,
    roads: bool = True,
) -> folium.Map:
    """An empty map with the tiles (online only), the offline vector basemap, labels and north arrow."""
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
    m._cztmap_basemap = add_basemap(m, shift, roads=roads, land=tiles is None)  # type: ignore[attr-defined]
    add_cartography(m, _CSS)
    return m


def _finish(
    m: folium.Map, bounds: Sequence[float] | None, *, offline: bool, layer_control: bool = True, pad_right: int = 20
) -> folium.Map:
    """Fit the view, add the layer control, inline Leaflet/jQuery (always: the map renders without internet)."""
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
    make_offline(m, allow_tiles=not offline)
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
    m = _base_map(offline=offline, basemap=basemap, title=title, shift=shift, roads=False)

    # districts first (bottom), then roads, then rail, then stations (top)
    n_districts = _add_districts(m, districts)
    n_roads = _add_roads(m, roads)
    drawn_lines: list[tuple[str, dict[str, Any] | None, str, bool]] = []
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
        drawn_lines.append((str(line_id), info, colour, False))
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
        drawn_lines.append((str(line_id), info, colour, True))

    n_stations, n_interchanges = _add_stations(m, stations, line_info)
    n_labels = _add_network_labels(m, stations, operating, line_info)

    meta = [
        f"As of 截至: {_as_of_label(ds_as_of)}",
        f"Datum 坐标系: {_datum_label(basemap, offline)}",
        f"{n_stations} stations 车站 · {n_sections} sections 区间"
        + (f" · {n_planned} planned 规划" if show_planned else ""),
    ]
    if offline:
        meta.append("Offline map: built-in background, no tiles 离线地图（内置底图）")
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
        "lines": len([d for d in drawn_lines if not d[3]]),
        "labels": n_labels,
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


def _add_network_labels(
    m: folium.Map, stations: gpd.GeoDataFrame, sections: gpd.GeoDataFrame, line_info: dict[str, dict[str, Any]]
) -> int:
    """Bilingual station labels (interchanges from zoom 11, others from 12) and one label per line."""
    labels: list[tuple[float, float, str, str, float, float]] = []
    for _, st in stations.iterrows():
        g = st.geometry if isinstance(st.geometry, Point) else st.geometry.representative_point()
        inter = len(_split_lines(st.get("lines"))) >= 2
        text = _e(st.get("name_zh")) + (
            f'<br><span class="en">{_e(st.get("name_en"))}</span>' if not _missing(st.get("name_en")) else ""
        )
        cls = "cztmap-label-station" + (" cztmap-label-interchange" if inter else "")
        labels.append((g.y, g.x, text, cls, 70 if inter else 30, 11 if inter else 12))
    for line_id, grp in _groups(sections, "line_id"):
        grp = grp.sort_values("seq") if "seq" in grp else grp
        mid = grp.iloc[len(grp) // 2].geometry
        if mid is None or mid.is_empty:
            continue
        p = mid.interpolate(0.5, normalized=True)
        info = line_info.get(line_id) or {}
        col = _colour(grp["colour"].iloc[0] if "colour" in grp else None, _colour(info.get("colour")))
        name = info.get("name_zh")
        short = _e(line_id) + (f" {_e(name)}" if not _missing(name) and len(str(name)) <= 8 else "")
        labels.append(
            (
                p.y,
                p.x,
                f'<span style="background:{col};padding:1px 4px;border-radius:3px">{short}</span>',
                "cztmap-label-line",
                90,
                10,
            )
        )
    if labels:
        m.add_child(LabelLayer(labels, name="Station and line names 站名/线路名", pane="cztmap-places"))
    return len(labels)


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


#: Legend groups of the network map, in this order (mode → heading).
_MODE_GROUPS = (
    (("metro", "maglev"), "Metro and maglev 地铁与磁浮"),
    (("intercity",), "Intercity 城际铁路"),
    (("hsr",), "High-speed rail 高速铁路"),
    (("rail",), "Conventional rail 普速铁路"),
)


def _legend_line_row(line_id: str, info: dict[str, Any] | None, colour: str, planned: bool) -> str:
    """One legend row: the swatch, the id and Chinese name; the English name in a span that short screens hide.

    The full bilingual label is also the row's ``title`` (shown on hover), so nothing is lost when hidden.
    """
    style = f"border-top-color:{colour};" + ("border-top-style:dashed;" if planned else "")
    zh = (info or {}).get("name_zh")
    en = (info or {}).get("name_en")
    zh_s = "" if _missing(zh) else str(zh)
    en_s = "" if _missing(en) else str(en)
    tail = " (planned / under construction 规划/在建)" if planned else ""
    full = _line_label(line_id, info) + tail
    en_html = f'<span class="en"> / {_e(en_s)}</span>' if en_s else ""
    return (
        f'<div class="row" title="{_e(full)}"><span class="cztmap-swatch" style="{style}"></span>'
        f"{_e(line_id)} {_e(zh_s)}{en_html}{_e(tail)}</div>"
    )


def _legend_lines(drawn_lines: list[tuple[str, dict[str, Any] | None, str, bool]]) -> list[str]:
    """The line rows, grouped by mode in collapsible sections (open by default)."""
    groups: dict[str, list[str]] = {}
    for line_id, info, colour, planned in drawn_lines:
        mode = str((info or {}).get("mode") or "")
        head = next((h for modes, h in _MODE_GROUPS if mode in modes), "Other lines 其他线路")
        groups.setdefault(head, []).append(_legend_line_row(line_id, info, colour, planned))
    order = [h for _, h in _MODE_GROUPS] + ["Other lines 其他线路"]
    if len(groups) == 1:
        return [row for h in order for row in groups.get(h, [])]
    return [
        f"<details open><summary>{_e(h)} ({len(groups[h])})</summary>{''.join(groups[h])}</details>"
        for h in order
        if h in groups
    ]


def _network_legend(
    drawn_lines: list[tuple[str, dict[str, Any] | None, str, bool]],
    roads: gpd.GeoDataFrame,
    n_districts: int,
    n_interchanges: int,
) -> _Panel:
    """The network map's legend: lines grouped by mode, stations, roads and districts; the whole is collapsible."""
    parts = ["<h2>Lines 线路</h2>", *_legend_lines(drawn_lines)]
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
    return _Panel("cztmap-legend", "<details open><summary>Legend 图例</summary>" + "".join(parts) + "</details>")


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
    m = _base_map(offline=offline, basemap=basemap, title=title, shift=shift)
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
    when = []
    if summary and summary.get("as_of"):
        when = [f"As of 截至 {summary.get('as_of')} · {summary.get('period') or ''}".rstrip(" ·")]
    m.add_child(_title_panel(title, [*when, f"Datum 坐标系: {_datum_label(basemap, offline)}"]))
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
def _add_network_overlay(m: folium.Map, network: Any, shift: Callable[[Any], Any] | None) -> int:
    """Draw rail sections (thin, in their line colours, non-interactive) over zones or isochrones."""
    if network is None:
        return 0
    sections = getattr(network, "sections", network)
    if not isinstance(sections, gpd.GeoDataFrame):
        raise UsageError(f"network must be a Dataset or a GeoDataFrame of sections, got {type(network).__name__}.")
    secs = _prepare(sections, "network sections", shift)
    if "status" in secs:
        secs = secs[secs["status"].fillna("open") == "open"]
    fg = folium.FeatureGroup(name="Rail network 轨道网络")
    n = 0
    for _, sec in secs.iterrows():
        col = _colour(sec.get("colour"), "#333333")
        for pl in _polyline(
            sec.geometry, color=col, weight=2.5, opacity=0.95, interactive=False, class_name="cztmap-overlay"
        ):
            fg.add_child(pl)
            n += 1
    m.add_child(fg)
    return n


def _meta(notes: Sequence[str] | None, basemap: str, offline: bool) -> list[str]:
    return [*(str(n) for n in (notes or ()) if str(n)), f"Datum 坐标系: {_datum_label(basemap, offline)}"]


def isochrone_map(
    iso_gdf: gpd.GeoDataFrame,
    *,
    origin: tuple[float, float] | None = None,
    origin_name: str | None = None,
    network: Any = None,
    notes: Sequence[str] | None = None,
    offline: bool = False,
    basemap: str = "osm",
    title: str | None = None,
) -> folium.Map:
    """Nested isochrone polygons (column ``minutes``) on a colour-blind-safe scale, origin marked.

    Parameters
    ----------
    iso_gdf : GeoDataFrame
        (Multi)Polygons with a numeric ``minutes`` column; larger budgets are drawn first, so the
        smaller ones stay on top.
    origin : (lon, lat), optional
        WGS-84 position of the origin.
    origin_name : str, optional
        Shown in the title panel and the origin tooltip.
    network : Dataset or GeoDataFrame of sections, optional
        Rail sections drawn over the polygons.
    notes : list of str, optional
        Extra title lines, e.g. the date, period and departure window.
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
    m = _base_map(offline=offline, basemap=basemap, title=title, shift=shift)
    levels = sorted(iso["minutes"].unique())
    ramp = _pick(ISOCHRONE, len(levels))
    colour_of = {lv: ramp[i] for i, lv in enumerate(levels)}
    labels = dict(zip(levels, class_labels(levels, lo=0.0, unit="min", upto=True), strict=True))
    fg = folium.FeatureGroup(name="Isochrones 等时圈")
    for _, row in iso.iterrows():
        poly = _polygon(
            row.geometry,
            color="#3b3b3b",
            weight=1,
            fill_color=colour_of[row["minutes"]],
            fill_opacity=0.5,
            class_name="cztmap-isochrone",
        )
        if poly is None:
            continue
        poly.add_child(_tooltip(_e(labels[row["minutes"]])))
        fg.add_child(poly)
    m.add_child(fg)
    n_net = _add_network_overlay(m, network, shift)
    if origin is not None:
        o = shift(origin) if shift is not None else origin
        cm = folium.CircleMarker(
            (round(o[1], 6), round(o[0], 6)),
            radius=8,
            color="#ffffff",
            weight=3,
            fill=True,
            fill_color="#d62728",
            fill_opacity=1.0,
            class_name="cztmap-origin",
        )
        cm.add_child(_tooltip(f"Origin 起点{': ' + _e(origin_name) if origin_name else ''}", sticky=False))
        m.add_child(cm)
    legend = ["<h2>Door-to-door travel time 出行时间 (min)</h2>"]
    for lv in levels:
        legend.append(
            f'<div class="row"><span class="cztmap-box" style="background:{colour_of[lv]};opacity:0.8"></span>'
            f"{_e(labels[lv])}</div>"
        )
    if n_net:
        legend.append(
            '<div class="row"><span class="cztmap-swatch" style="border-top-color:#333"></span>rail network 轨道 (line colours)</div>'
        )
    m.add_child(_Panel("cztmap-legend", "".join(legend)))
    meta = _meta(notes, basemap, offline)
    if origin_name:
        meta.insert(0, f"Origin 起点: {origin_name}")
    m.add_child(_title_panel(title, meta))
    m._cztmap_counts = {"isochrones": len(iso), "network": n_net}  # type: ignore[attr-defined]
    return _finish(m, _bounds(iso), offline=offline)


def _check_lonlat(p: Any, what: str) -> tuple[float, float]:
    try:
        lon, lat = (float(p[0]), float(p[1]))
    except (TypeError, ValueError, IndexError) as exc:
        raise UsageError(f"{what} must be a (lon, lat) pair of numbers, got {p!r}.") from exc
    if not (-180 <= lon <= 180 and -90 <= lat <= 90) or not (math.isfinite(lon) and math.isfinite(lat)):
        raise UsageError(f"{what} {p!r} is not a valid (lon, lat) position; give longitude first.")
    return lon, lat


# --------------------------------------------------------------------------------------------------
# choropleth, diff
# --------------------------------------------------------------------------------------------------
def _check_column(zones_gdf: Any, column: str, what: str) -> pd.Series:
    if not isinstance(zones_gdf, gpd.GeoDataFrame):
        raise UsageError(f"{what} needs a GeoDataFrame of zones, got {type(zones_gdf).__name__}.")
    if column not in zones_gdf.columns:
        raise UsageError(
            f"The zones have no column {column!r}; choose one of {', '.join(map(str, zones_gdf.columns[:20]))}."
        )
    return pd.to_numeric(zones_gdf[column], errors="coerce")


def _breaks_with_floor(vals: pd.Series, k: int, scheme: str) -> list[float]:
    """Class breaks; a minimum shared by more than 1/k of the zones (often 0) gets a class of its own."""
    v = vals.dropna().astype(float)
    lo = float(v.min())
    rest = v[v > lo]
    if k > 1 and len(rest) and (v == lo).mean() > 1.0 / k:
        return [lo, *class_breaks(rest, k=k - 1, scheme=scheme)]
    return class_breaks(v, k=k, scheme=scheme)


def choropleth_map(
    zones_gdf: gpd.GeoDataFrame,
    column: str,
    *,
    k: int = 5,
    scheme: str = "quantiles",
    name_column: str | None = None,
    label: str | None = None,
    unit: str = "",
    network: Any = None,
    notes: Sequence[str] | None = None,
    offline: bool = False,
    basemap: str = "osm",
    title: str | None = None,
) -> folium.Map:
    """Zones coloured by ``column`` in ``k`` classes with readable breaks, the network drawn on top.

    Parameters
    ----------
    zones_gdf : GeoDataFrame
        Zone polygons with the value column.
    column : str
        Numeric column to map.
    k : int
        Number of classes (fewer if there are fewer distinct values).
    scheme : {"quantiles", "natural_breaks"}
        How the breaks are chosen; they are then rounded to two significant figures (the legend is exact).
    name_column : str, optional
        Labels the tooltips (default: ``name_zh`` + ``name_en`` if present, else ``name``).
    label, unit : str, optional
        Legend heading and unit of the values (``"people"``, ``"min"``...).
    network : Dataset or GeoDataFrame of sections, optional
        Rail sections drawn over the zones.
    notes : list of str, optional
        Extra title lines (date, period, departure window).
    """
    basemap = _check_basemap(basemap)
    vals = _check_column(zones_gdf, column, "choropleth_map")
    if vals.notna().sum() == 0:
        raise UsageError(f"The column {column!r} has no numeric values to map.")
    breaks = nice_breaks(_breaks_with_floor(vals, k, scheme))
    shift = _shift_fn(basemap, offline)
    zones = _prepare(zones_gdf.assign(_value=vals), "zones", shift)
    colours = _pick(SEQUENTIAL, len(breaks))
    texts = class_labels(breaks, lo=float(vals.min()), unit=unit)
    head = label or column
    title = title or f"{head}"
    m = _base_map(offline=offline, basemap=basemap, title=title, shift=shift)
    fg = folium.FeatureGroup(name=_e(head))
    n = 0
    nd = 0 if float(vals.abs().max()) >= 10 else 2
    for _, z in zones.iterrows():
        v = z["_value"]
        fill = "#dddddd" if _missing(v) else colours[class_index(float(v), breaks)]
        poly = _polygon(
            z.geometry, color="#6b6b6b", weight=1, fill_color=fill, fill_opacity=0.72, class_name="cztmap-zone"
        )
        if poly is None:
            continue
        name = _zone_name(z, name_column)
        shown = f"{_fmt_num(v, nd)} {_e(unit)}".strip() if not _missing(v) else "no data"
        poly.add_child(_tooltip(f"<b>{name}</b><br>{_e(head)}: {shown}"))
        fg.add_child(poly)
        n += 1
    m.add_child(fg)
    n_net = _add_network_overlay(m, network, shift)
    how = "natural breaks" if scheme != "quantiles" else "quantiles"
    legend = [f"<h2>{_e(head)}</h2><div class='cztmap-meta'>classes: {how}, rounded</div>"]
    for i, text in enumerate(texts):
        legend.append(
            f'<div class="row"><span class="cztmap-box" style="background:{colours[i]}"></span>{_e(text)}</div>'
        )
    if vals.isna().any():
        legend.append('<div class="row"><span class="cztmap-box" style="background:#dddddd"></span>no data</div>')
    if n_net:
        legend.append(
            '<div class="row"><span class="cztmap-swatch" style="border-top-color:#333"></span>rail network 轨道 (line colours)</div>'
        )
    m.add_child(_Panel("cztmap-legend", "".join(legend)))
    m.add_child(_title_panel(title, _meta(notes, basemap, offline)))
    m._cztmap_counts = {"zones": n, "classes": len(breaks), "network": n_net}  # type: ignore[attr-defined]
    m._cztmap_breaks = breaks  # type: ignore[attr-defined]
    m._cztmap_legend = texts  # type: ignore[attr-defined]
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


def _change_classes(vals: pd.Series, unit: str) -> tuple[list[float], list[str], list[str]]:
    """Symmetric classes of a change: edges, labels and colours (blue = decrease, grey = no change)."""
    eps = 0.05
    a = float(np.nanmax(np.abs(vals))) if vals.notna().any() else 0.0
    if a <= eps:
        return [], ["no change 不变"], ["#f7f7f7"]
    top = nice_breaks([a])[0]
    mid = nice_breaks([top / 2])[0] if top / 2 > eps else top
    edges = sorted({-top, -mid, -eps, eps, mid, top})
    u = f" {unit}" if unit else ""
    labels = [
        f"−{_fmt_num(mid, 1)} to −{_fmt_num(top, 1)}{u} (decrease 减少)",
        f"−{_fmt_num(eps, 2)} to −{_fmt_num(mid, 1)}{u}",
        f"no change 不变 (|Δ| < {_fmt_num(eps, 2)}{u})",
        f"+{_fmt_num(eps, 2)} to +{_fmt_num(mid, 1)}{u}",
        f"+{_fmt_num(mid, 1)} to +{_fmt_num(top, 1)}{u} (increase 增加)",
    ]
    colours = [DIVERGING[0], DIVERGING[2], DIVERGING[4], DIVERGING[6], DIVERGING[8]]
    if mid == top:
        labels, colours = [labels[1], labels[2], labels[3]], [colours[0], colours[2], colours[4]]
    return edges, labels, colours


def _change_class(v: float, edges: list[float], n: int) -> int:
    if not edges or abs(v) < 0.05:
        return n // 2
    if n == 3:
        return 0 if v < 0 else 2
    mid = edges[-2]
    if v < 0:
        return 0 if -v > mid else 1
    return 4 if v > mid else 3


def diff_map(
    base_sections: gpd.GeoDataFrame,
    new_sections: gpd.GeoDataFrame,
    zones_gdf: gpd.GeoDataFrame | None = None,
    column: str | None = None,
    *,
    label: str | None = None,
    unit: str = "min",
    notes: Sequence[str] | None = None,
    offline: bool = False,
    basemap: str = "osm",
    title: str | None = None,
    added_roads: gpd.GeoDataFrame | None = None,
    removed_roads: gpd.GeoDataFrame | None = None,
) -> folium.Map:
    """Compare two networks: added sections (green), removed (red, dashed), the unchanged network (grey).

    Pass the *complete* section sets of both networks: sections are matched by ``section_id``, and those
    in both are the unchanged network. With ``zones_gdf`` and ``column`` the zones are coloured by that
    change on a colour-blind-safe diverging scale (blue = decrease, e.g. faster: winners; red = increase).
    ``added_roads`` / ``removed_roads`` (``road_id``, ``name``, geometry; :attr:`Comparison.added_roads
    <cztmap.analysis.compare.Comparison>`) are drawn dashed in green / red: road corridors are schematic.
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
    m = _base_map(offline=offline, basemap=basemap, title=title, shift=shift)
    counts: dict[str, int] = {}
    legend_zones: list[str] = []
    if zones_gdf is not None and column is not None:
        vals = _check_column(zones_gdf, column, "diff_map")
        zones = _prepare(zones_gdf.assign(_value=vals), "zones", shift)
        edges, texts, colours = _change_classes(vals, unit)
        fgz = folium.FeatureGroup(name=_e(f"Zones: {label or column}"))
        nz = winners = losers = 0
        for _, z in zones.iterrows():
            v = z["_value"]
            fill = "#dddddd" if _missing(v) else colours[_change_class(float(v), edges, len(colours))]
            if not _missing(v):
                winners += int(v <= -0.05)
                losers += int(v >= 0.05)
            unchanged = not _missing(v) and abs(float(v)) < 0.05
            poly = _polygon(
                z.geometry,
                color="#6b6b6b",
                weight=1,
                fill_color=fill,
                fill_opacity=0.25 if unchanged else 0.7,  # unchanged zones let the basemap show through
                class_name="cztmap-zone",
            )
            if poly is None:
                continue
            sign = "+" if not _missing(v) and v > 0 else ""
            shown = f"{sign}{_fmt_num(v, 2)} {_e(unit)}" if not _missing(v) else "no data"
            poly.add_child(_tooltip(f"<b>{_zone_name(z, None)}</b><br>{_e(label or column)}: {shown}"))
            fgz.add_child(poly)
            nz += 1
        m.add_child(fgz)
        counts.update(zones=nz, winners=winners, losers=losers)
        legend_zones.append(f"<h2>{_e(label or column)}</h2>")
        for text, col in zip(texts, colours, strict=True):
            legend_zones.append(
                f'<div class="row"><span class="cztmap-box" style="background:{col}"></span>{_e(text)}</div>'
            )
    for name, gdf, style, cls in (
        ("Unchanged network 未变网络", same, dict(color="#8a8a8a", weight=3, opacity=0.85), "cztmap-same"),
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
                ends = f" {_e(a)} – {_e(b)}" if not (_missing(a) or _missing(b)) else f" {_e(sec.get('section_id'))}"
                pl.add_child(_tooltip(f"<b>{_e(name)}</b><br>{_e(sec.get('line_id'))}{ends}"))
                fg.add_child(pl)
                n += 1
        m.add_child(fg)
        counts[cls.split("-")[1]] = n
    legend = [
        "<h2>Sections 区间</h2>",
        f'<div class="row"><span class="cztmap-swatch" style="border-top:5px solid #1a9641"></span>added 新增 ({len(added)})</div>',
        f'<div class="row"><span class="cztmap-swatch" style="border-top:4px dashed #d7191c"></span>removed 删除 ({len(removed)})</div>',
        f'<div class="row"><span class="cztmap-swatch" style="border-top:3px solid #8a8a8a"></span>unchanged 未变 ({len(same)})</div>',
        *legend_zones,
    ]
    road_rows, road_meta, road_bounds = _add_road_changes(m, added_roads, removed_roads, shift, counts)
    legend[4:4] = road_rows
    m.add_child(_Panel("cztmap-legend", "".join(legend)))
    meta = [f"{len(added)} added · {len(removed)} removed · {len(same)} unchanged sections", *road_meta]
    if "winners" in counts:
        meta.append(f"{counts['winners']} zones faster (winners) · {counts['losers']} slower (losers)")
    m.add_child(_title_panel(title, meta + _meta(notes, basemap, offline)))
    m._cztmap_counts = counts  # type: ignore[attr-defined]
    return _finish(m, _bounds(base, new) or road_bounds, offline=offline)


def _add_road_changes(
    m: folium.Map,
    added: gpd.GeoDataFrame | None,
    removed: gpd.GeoDataFrame | None,
    shift: Callable[[Any], Any] | None,
    counts: dict[str, int],
) -> tuple[list[str], list[str], Any]:
    """Draw added (green) and removed (red) road corridors, dashed; return legend rows, title lines, bounds."""
    groups = []
    for (word, zh), g, colour, cls in (
        (("added", "新增道路"), added, "#1a9641", "cztmap-road-added"),
        (("removed", "删除道路"), removed, "#d7191c", "cztmap-road-removed"),
    ):
        what = f"{word.capitalize()} roads {zh}"
        if g is None or not len(g):
            continue
        if not isinstance(g, gpd.GeoDataFrame):
            raise UsageError(f"diff_map needs road changes as a GeoDataFrame, got {type(g).__name__}.")
        g = _prepare(g, "road changes", shift)
        fg = folium.FeatureGroup(name=what)
        n = 0
        for _, r in g.iterrows():
            for pl in _polyline(r.geometry, class_name=cls, color=colour, weight=5, opacity=0.95, dash_array="10 6"):
                name = r.get("name")
                quality = r.get("geometry_quality")
                pl.add_child(
                    _tooltip(
                        f"<b>{_e(what)}</b><br>{_e(r.get('road_id'))}"
                        + ("" if _missing(name) else f" {_e(name)}")
                        + ("" if _missing(quality) else f"<br>geometry: {_e(quality)}")
                    )
                )
                fg.add_child(pl)
                n += 1
        m.add_child(fg)
        counts[cls.removeprefix("cztmap-")] = n
        groups.append((word, zh, g, colour))
    if not groups:
        return [], [], None
    rows = ["<h2>Roads 道路 (schematic 示意)</h2>"] + [
        f'<div class="row"><span class="cztmap-swatch" style="border-top:4px dashed {colour}"></span>'
        f"{word} {zh} ({len(g)})</div>"
        for word, zh, g, colour in groups
    ]
    meta = [" · ".join(f"{len(g)} {word} roads" for word, _, g, _ in groups)]
    return rows, meta, _bounds(*(g for *_, g, _ in groups))


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
