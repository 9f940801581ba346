"""Shared helpers of the data build: constants, CSV reading, numbers, names, datums, GeoJSON writing."""

from __future__ import annotations

import csv
import json
import math
import re
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import mapping

from cztmap import geo
from cztmap.errors import DataError

__all__ = [
    "CITY_EN",
    "COLOUR_OVERRIDE",
    "COMPLEX_MERGE_M",
    "DATASET_VERSION",
    "HIGHWAY_OF_CLASS",
    "LAYERS",
    "OPERATING_SPEED_OVERRIDE",
    "SIMPLIFY_TOLERANCE_DEG",
    "feature_collection",
    "key",
    "num",
    "read_csv",
    "slug",
    "to_wgs",
]

#: Version stamp written into every layer (bump when the build logic changes).
DATASET_VERSION = "2026.11.1"
#: Stations of different lines with the same name closer than this form one complex (metres).
COMPLEX_MERGE_M = 300.0
#: District boundary simplification tolerance in degrees (≈ 110 m north-south).
SIMPLIFY_TOLERANCE_DEG = 0.001
#: Layers written by the build, in order.
LAYERS = ("stations", "sections", "lines", "roads", "districts")

CITY_EN = {"长沙市": "Changsha", "株洲市": "Zhuzhou", "湘潭市": "Xiangtan"}
#: Speeds where rail_lines.csv lists a design speed but a lower operating speed is sourced.
OPERATING_SPEED_OVERRIDE = {
    "CZT": (160.0, "initially limited to 160 km/h of the 200 km/h design (Railway Gazette, rail_facts.md §3)"),
    "CZT-Z": (160.0, "as CZT"),
    "CZT-X": (160.0, "as CZT"),
    "HSR-CYC": (
        220.0,
        "derived: the one 宁乡西–长沙 section is ~34 km of HSR run at 310 km/h (新华社 2022-09-06) plus the 22 km CZT "
        "west line at 160 km/h (Railway Gazette); 220 km/h gives the same cruise time over the section's length",
    ),
}
#: Colours where rail_lines.csv gives none or the line needs its own (source in the value's tuple).
COLOUR_OVERRIDE = {
    "WR": ("#DB7093", "rmg-palette changsha.json 西环线 (rail_lines.csv WR note); metroman draws it in L3 green"),
    "HSR-JG": ("#5B5B5B", "cztmap choice: no colour is published for HSR corridors"),
    "HSR-HK": ("#8A8A8A", "cztmap choice: no colour is published for HSR corridors"),
    "CZT-Z": ("#083D23", "as CZT (rmg-palette)"),
    "CZT-X": ("#083D23", "as CZT (rmg-palette)"),
}
HIGHWAY_OF_CLASS = {"expressway": "motorway", "arterial": "trunk", "national": "primary"}


# ----------------------------------------------------------------------------------------------
# small helpers
# ----------------------------------------------------------------------------------------------


def read_csv(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise DataError(
            f"Source table {str(path)!r} is missing; restore it from the repository (git checkout data/sources)."
        )
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            return [dict(r) for r in csv.DictReader(fh)]
    except UnicodeDecodeError as exc:
        raise DataError(
            f"Source table {str(path)!r} is not UTF-8 text (byte {exc.start}); re-save it as UTF-8."
        ) from None


def num(text: str | None) -> float | None:
    if text is None:
        return None
    m = re.match(r"\s*([0-9]+(?:\.[0-9]+)?)", text)
    return float(m.group(1)) if m else None


def slug(text: str) -> str:
    s = re.sub(r"\(.*?\)|\[.*?\]", "", text).strip().lower()
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-")


def key(name_zh: str) -> str:
    n = re.sub(r"\(.*?\)", "", name_zh).strip()
    return n[:-1] if n.endswith("站") and len(n) > 2 else n


def to_wgs(lon: float, lat: float, datum: str) -> tuple[float, float]:
    d = datum.split()[0] if datum else ""
    if d not in geo.DATUMS:
        raise DataError(f"Unknown datum {datum!r}; rows must say WGS-84, GCJ-02 or BD-09.")
    x, y = geo.convert(lon, lat, d, "WGS-84")
    return float(x), float(y)


def _round_coords(geom: Any) -> Any:
    return shapely.set_precision(geom, 1e-6) if not geom.is_empty else geom


def feature_collection(name: str, rows: list[dict[str, Any]], geoms: list[Any]) -> str:
    feats = []
    for props, geom in zip(rows, geoms, strict=True):
        clean = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in props.items()}
        g = None
        if geom is not None:
            g = json.loads(json.dumps(mapping(_round_coords(geom))))
            g = _round_nested(g)
        feats.append({"type": "Feature", "properties": clean, "geometry": g})
    fc = {
        "type": "FeatureCollection",
        "name": name,
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
        "dataset_version": DATASET_VERSION,
        "features": feats,
    }
    return json.dumps(fc, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n"


def _round_nested(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _round_nested(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_round_nested(v) for v in obj]
    if isinstance(obj, float):
        return round(obj, 6)
    return obj
