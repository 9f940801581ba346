"""The roads layer: ``roads.csv`` with a schematic polyline through the anchors of ``road_anchors.csv``."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from shapely.geometry import LineString

from cztmap.data.build._common import HIGHWAY_OF_CLASS, num, read_csv, to_wgs

__all__ = ["build_roads"]


def _road_class(text: str) -> str:
    t = text.lower()
    if t.startswith("expressway"):
        return "expressway"
    if t.startswith("national"):
        return "national"
    return "arterial"


def _road_status(text: str) -> str:
    t = text.lower()
    if t.startswith("open"):
        return "open"
    if "under construction" in t:
        return "under_construction"
    if t.startswith("planned"):
        return "planned"
    return "unknown"


def build_roads(src: Path) -> tuple[list[dict[str, Any]], list[Any]]:
    """Rows and WGS-84 geometries (None where fewer than two anchors are known) of the roads layer."""
    rows = read_csv(src / "roads.csv")
    anchors: dict[str, list[dict[str, str]]] = defaultdict(list)
    apath = src / "road_anchors.csv"
    if apath.is_file():
        for a in read_csv(apath):
            if a["lon"] and a["lat"]:
                anchors[a["road_id"]].append(a)
    out: list[dict[str, Any]] = []
    geoms: list[Any] = []
    for r in rows:
        rc = _road_class(r["class"])
        pts = sorted(anchors.get(r["road_id"], []), key=lambda a: int(a["seq"]))
        geom = None
        err = None
        asrc = ""
        if len(pts) >= 2:
            xy = [to_wgs(float(a["lon"]), float(a["lat"]), a["datum"]) for a in pts]
            geom = LineString(xy)
            err = max(float(a["expected_error_m"] or 0) for a in pts)
            asrc = " | ".join(f"{a['anchor_name']}: {a['source']}" for a in pts)
        opened = re.match(r"\s*(\d{4}-\d{2}-\d{2})", r["opened"] or "")
        year = re.match(r"\s*(\d{4})\b", r["opened"] or "")
        out.append(
            {
                "road_id": r["road_id"],
                "name_zh": r["name_zh"],
                "name_en": r["name_en"],
                "road_class": rc,
                "highway": HIGHWAY_OF_CLASS[rc],
                "speed_kmh": num(r["speed_kmh"]),
                "lanes": r["lanes"] or None,
                "status": _road_status(r["status"]),
                "status_text": r["status"],
                "opened": opened.group(1) if opened else (f"{year.group(1)}-12-31" if year else None),
                "opened_text": r["opened"],
                "length_km": num(r["length_km"]),
                "length_text": r["length_km"],
                "geometry_quality": "schematic" if geom is not None else "none",
                "geometry_error_m": err,
                "anchors": ";".join(a["anchor_name"] for a in pts),
                "anchor_source": asrc,
                "source": r["source"],
                "note": r["note"],
            }
        )
        geoms.append(geom)
    return out, geoms
