"""The stations layer: positions from the sources, station complexes, and each complex's attributes.

Steps: :func:`station_rows` reads every line's ordered stations with a WGS-84 position;
:func:`group_complexes` merges rows of different lines that are one station; :func:`station_features`
turns each complex into a feature (name, district, lines served, first opening, position quality).
"""

from __future__ import annotations

import itertools
import math
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from shapely.geometry import Point

from cztmap.data.build._common import COMPLEX_MERGE_M, key, read_csv, slug, to_wgs
from cztmap.data.build.districts import locate
from cztmap.data.build.fit import FitResult, fit_positions, read_constraints
from cztmap.errors import DataError
from cztmap.geo import haversine_m

__all__ = [
    "Complex",
    "complex_ids",
    "czt_fit",
    "group_complexes",
    "interpolate_unplaced",
    "read_position_errors",
    "station_features",
    "station_rows",
]

#: A station complex: its merge key, reference position and member rows (one per line).
Complex = dict[str, Any]
#: Preference when several member rows place one complex (best first).
QUALITY_RANK = {"sourced": 0, "fitted": 1, "proxy": 2, "estimated": 3}
#: Position tables for rail_stations.csv rows that neither publish a coordinate nor are CZT stations of the
#: fit: the China Railway county stations (``CR`` rows), placed from an OSM node or estimated with a method
#: and an expected error.
POSITION_TABLES = ("cr_station_positions.csv",)


#: Expected errors of published metro positions that disagree with independent station points.
POSITION_ERRORS = "metro_position_errors.csv"


def read_position_errors(src: Path) -> dict[str, tuple[float, str]]:
    """Expected errors of published GCJ-02 metro positions from ``metro_position_errors.csv``.

    The table is derived from the disagreement with independent station points (the validation
    table, which the build itself never reads). Returns ``station_zh`` → (error in m, basis).
    """
    path = src / POSITION_ERRORS
    if not path.is_file():
        return {}
    return {r["station_zh"]: (float(r["position_error_m"]), r["basis"]) for r in read_csv(path)}


def _published(
    r: dict[str, str], errors: dict[str, tuple[float, str]] | None = None
) -> tuple[float, float, str, str, float, str]:
    lon, lat, datum = float(r["lon"]), float(r["lat"]), r["datum"]
    if "PROXY" in r["note"]:
        return lon, lat, datum, "proxy", 150.0, "coordinate of a co-sited station (see note)"
    method = "coordinate as published by the source"
    # metroman positions (GCJ-02): compared with a WGS-84 reference, 48 m (rail_facts.md §8)
    err = 50.0 if datum == "GCJ-02" else 30.0
    if datum == "GCJ-02" and errors and r["station_zh"] in errors:
        err, basis = errors[r["station_zh"]]
        method += f"; expected error from the {basis} ({POSITION_ERRORS})"
    return lon, lat, datum, "sourced", err, method


def _metro_positions(rows: list[dict[str, str]]) -> dict[str, tuple[float, float]]:
    return {
        f"{r['line_id']} {r['station_zh']}": to_wgs(float(r["lon"]), float(r["lat"]), r["datum"])
        for r in rows
        if r["lon"] and r["lat"]
    }


def trace_estimate(
    src: Path, cons: list[Any], fit: FitResult, name: str, neighbours: tuple[str, str]
) -> tuple[float, float, float, str] | None:
    """Estimate a station that only a trace and a district place: the middle of the trace between its
    fitted neighbours that lies inside the district; expected error half that stretch plus the trace's sigma.

    Returns (lon, lat, error_m, method) or None when the constraints do not allow it.
    """
    import json

    from shapely.geometry import LineString, shape
    from shapely.ops import substring

    from cztmap import geo
    from cztmap.data.build.fit import _lonlat

    trace = next((c for c in cons if c.kind == "on_trace" and c.station == name and c.used), None)
    district = next((c for c in cons if c.kind == "in_district" and c.station == name and c.used), None)
    if trace is None or district is None or any(n not in fit.positions for n in neighbours):
        return None
    path = src / "boundaries" / f"{district.other}.geojson"
    poly = geo.transform(shape(json.loads(path.read_text(encoding="utf-8"))), "GCJ-02", "WGS-84")
    line = LineString([_lonlat(*p) for p in trace.trace])
    a, b = sorted(line.project(Point(fit.positions[n])) for n in neighbours)
    inside = substring(line, a, b).intersection(poly)
    if inside.is_empty or inside.length == 0:
        return None
    mid = inside.interpolate(0.5, normalized=True)
    pts = list(getattr(inside, "coords", []))
    span = sum(haversine_m(*p, *q) for p, q in itertools.pairwise(pts)) if pts else inside.length * 1.1e5
    err = math.ceil((span / 2 + trace.sigma_m) / 100) * 100
    method = (
        f"no source places it along the track: the middle of the railway trace between {neighbours[0]} and "
        f"{neighbours[1]} that lies inside district {district.other} ({span / 1000:.1f} km; czt_constraints.csv "
        "in_district row); error half that stretch plus the trace's sigma"
    )
    return mid.x, mid.y, float(err), method


def czt_fit(src: Path, rows: list[dict[str, str]]) -> tuple[FitResult, dict[str, str]]:
    """The least-squares fit of the CZT stations (:mod:`cztmap.data.build.fit`) and the co-site joins.

    Returns the fit and, for each CZT station name with a used ``cosite`` constraint, the
    ``"<line_id> <station_zh>"`` of the metro station it shares a site with.
    """
    cons = read_constraints(src, _metro_positions(rows))
    joins = {c.station: c.other for c in cons if c.kind == "cosite" and c.used}
    return fit_positions(cons), joins


def _estimate_on_trace(
    src: Path, cons: list[Any], fit: FitResult, r: dict[str, str], by_line: dict[str, list[dict[str, str]]]
) -> tuple[float, float, float, str] | None:
    if not r["line_id"].startswith("CZT"):
        return None
    seq = sorted(by_line[r["line_id"]], key=lambda x: int(x["seq"]))
    i = next(k for k, x in enumerate(seq) if x["seq"] == r["seq"])
    if i == 0 or i == len(seq) - 1:
        return None
    return trace_estimate(src, cons, fit, r["station_zh"], (seq[i - 1]["station_zh"], seq[i + 1]["station_zh"]))


def station_rows(src: Path) -> list[dict[str, Any]]:
    """Every row of ``rail_stations.csv`` with its WGS-84 position, quality, expected error and method.

    A published coordinate is used as it is (``sourced``, or ``proxy`` for a co-sited stand-in). A CZT
    station without one takes its least-squares position (``fitted``, :func:`czt_fit`). Rows still
    unplaced get ``_skip`` (their reason) unless they can be interpolated along their line.
    """
    rows = read_csv(src / "rail_stations.csv")
    fit, joins = czt_fit(src, rows)
    cons = read_constraints(src, _metro_positions(rows))
    by_line: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        by_line.setdefault(r["line_id"], []).append(r)
    extra = {}
    for name in POSITION_TABLES:
        if (src / name).is_file():
            for r in read_csv(src / name):
                extra[(r["line_id"], r["station_zh"])] = r
    errors = read_position_errors(src)
    out = []
    for r in rows:
        rec: dict[str, Any] = dict(r)
        rec["seq"] = int(r["seq"])
        if r["lon"] and r["lat"]:
            lon, lat, datum, quality, err, method = _published(r, errors)
            wlon, wlat = to_wgs(lon, lat, datum)
        elif r["line_id"].startswith("CZT") and r["station_zh"] in fit.positions:
            wlon, wlat = fit.positions[r["station_zh"]]
            quality, err, datum = "fitted", fit.error_m[r["station_zh"]], "WGS-84 (fitted)"
            method = (
                "least-squares fit to the independent constraints of czt_constraints.csv (distances, co-sites, "
                f"points, the railway trace); reduced chi-square {fit.chi2_reduced:.2f}; error = 95 % radius "
                "of the posterior covariance"
            )
            rec["source"] = "position: czt_constraints.csv (see its sources); " + r["source"]
            if r["station_zh"] in joins:
                rec["_join"] = joins[r["station_zh"]]
        elif (est := _estimate_on_trace(src, cons, fit, r, by_line)) is not None:
            wlon, wlat, err, method = est
            quality, datum = "estimated", "WGS-84 (estimated)"
            rec["source"] = "position: czt_constraints.csv (trace and district); " + r["source"]
        else:
            e = extra.get((r["line_id"], r["station_zh"]))
            if e is None or not e.get("lon") or not e.get("lat"):
                rec["_skip"] = (
                    "no position in any source (rail_stations.csv, czt_constraints.csv, "
                    + ", ".join(POSITION_TABLES)
                    + ")"
                )
                out.append(rec)
                continue
            # a China Railway county station placed by its own table (an OSM node or a flagged estimate)
            wlon, wlat = to_wgs(float(e["lon"]), float(e["lat"]), e["datum"])
            quality, err, method, datum = (
                e["position_quality"],
                float(e["expected_error_m"] or 0),
                e["method"],
                e["datum"],
            )
            rec["source"] = f"position: {e['source']}; " + r["source"]
        rec.update(
            wlon=wlon,
            wlat=wlat,
            position_quality=quality,
            position_error_m=err,
            position_method=method,
            source_datum=datum,
        )
        out.append(rec)
    interpolate_unplaced(out)
    return out


def interpolate_unplaced(rows: list[dict[str, Any]]) -> None:
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


def _aliases(rows: list[dict[str, Any]], name_zh: str, name_en: str, taken: frozenset[str] = frozenset()) -> list[str]:
    """Other names of a station complex: each member line's names and bracketed forms."""
    out: dict[str, None] = {}
    for r in rows:
        names = [r["station_zh"], r["station_en"]]
        disp = re.search(r"display name in source: ([^;]+)", r["note"])
        if disp:  # e.g. 锦泰广场(城际长沙站): the bracket is the name signed for the CZT platforms
            names.append(disp.group(1).strip())
        for n in names:
            out[n] = None
            for inner in re.findall(r"\(([^)]*)\)", n):
                if len(inner) >= 2:  # 松雅湖(南): a one-character bracket is a qualifier, not a name
                    out[inner] = None
            out[re.sub(r"\s*[\(\[].*?[\)\]]", "", n).strip()] = None
    own = {key(name_zh), _en_stem(name_en)}
    # an alias never shadows another station's name (CZT 长沙 joins 锦泰广场: "长沙" and "Changsha Railway
    # Station" stay 长沙站, the China Railway station's names)
    return [
        a
        for a in out
        if a
        and a not in (name_zh, name_en)
        and "sic" not in a
        and ({key(a), _en_stem(a)} & own or not {key(a), _en_stem(a)} & taken)
    ]


def _en_stem(name: str) -> str:
    """An English name without 'railway station' / 'station', case-folded ('Changsha Railway Station' → 'changsha')."""
    n = name.strip().casefold()
    for suffix in (" railway station", " station"):
        n = n.removesuffix(suffix)
    return n


def group_complexes(rows: list[dict[str, Any]]) -> tuple[list[Complex], dict[tuple[str, int], int]]:
    """Merge placed rows of different lines that share a name and lie within :data:`COMPLEX_MERGE_M`,
    and rows with a sourced co-site (``_join``: ``"<line_id> <station_zh>"``) into that station's complex.

    Returns the complexes and, for each ``(line_id, seq)``, the index of its complex.
    """
    complexes: list[Complex] = []
    member_of: dict[tuple[str, int], int] = {}
    joined = [r for r in rows if "_join" in r]
    for r in (r for r in rows if "_join" not in r):
        found = next((i for i, c in enumerate(complexes) if _same_site(c, r)), None)
        if found is None:
            complexes.append({"key": key(r["station_zh"]), "wlon": r["wlon"], "wlat": r["wlat"], "rows": [r]})
            found = len(complexes) - 1
        else:
            complexes[found]["rows"].append(r)
        member_of[(r["line_id"], r["seq"])] = found
    by_name = {
        f"{r['line_id']} {r['station_zh']}": member_of[(r["line_id"], r["seq"])] for r in rows if "_join" not in r
    }
    for r in joined:
        if r["_join"] not in by_name:
            raise DataError(
                f"czt_constraints.csv: co-site {r['_join']!r} of {r['station_zh']} is not a placed station."
            )
        found = by_name[r["_join"]]
        complexes[found]["rows"].append(r)
        member_of[(r["line_id"], r["seq"])] = found
    return complexes, member_of


def _same_site(c: Complex, r: dict[str, Any]) -> bool:
    return (
        c["key"] == key(r["station_zh"])
        and haversine_m(c["wlon"], c["wlat"], r["wlon"], r["wlat"]) < COMPLEX_MERGE_M
        # an estimated position (a stand-in) is no evidence that two stations share a site
        and r["position_quality"] != "estimated"
        and all(m["position_quality"] != "estimated" for m in c["rows"])
    )


def complex_ids(complexes: list[Complex]) -> list[str]:
    """A stable, unique station id per complex (slug of its English name)."""
    used: set[str] = set()
    ids: list[str] = []
    for c in complexes:
        best = best_row(c["rows"])
        sid = slug(_complex_name_en(c["rows"], best)) or slug(best["line_id"] + str(best["seq"]))
        if sid in used:
            sid = f"{sid}-{slug(best['line_id'])}"
        used.add(sid)
        ids.append(sid)
    return ids


def best_row(rs: list[dict[str, Any]]) -> dict[str, Any]:
    """The best-positioned member (sourced < fitted < proxy < estimated, then the smaller error)."""
    return min(rs, key=lambda r: (QUALITY_RANK.get(r["position_quality"], 9), r["position_error_m"], r["line_id"]))


def _complex_name_zh(rs: list[dict[str, Any]]) -> str:
    # the China Railway name where the complex includes a CR station (长沙站, not 长沙), else the first line's
    return next((r["station_zh"] for r in rs if r["line_id"] == "CR"), rs[0]["station_zh"])


def _complex_name_en(rs: list[dict[str, Any]], best: dict[str, Any]) -> str:
    cr = next((r for r in rs if r["line_id"] == "CR"), None)
    return _name_en(cr if cr is not None else best)


def _suspension(rs: list[dict[str, Any]], status: dict[str, dict[str, str]]) -> dict[str, Any]:
    s = next((status[r["station_zh"]] for r in rs if r["station_zh"] in status), None)
    return {
        "suspended_since": (s["since"] or None) if s else None,
        "suspended_until": (s["until"] or None) if s else None,
        "expected_resumption": (s["expected_resumption"] or None) if s else None,
        "status_source": s["source"] if s else None,
    }


def read_station_status(src: Path) -> dict[str, dict[str, str]]:
    """Suspensions by station name (``station_status.csv``): since, until, expected resumption, source."""
    path = src / "station_status.csv"
    return {r["station_zh"]: r for r in read_csv(path)} if path.is_file() else {}


def station_features(
    complexes: list[Complex],
    ids: list[str],
    sections: list[dict[str, Any]],
    districts: list[dict[str, Any]],
    dgeoms: list[Any],
    src: Path | None = None,
) -> tuple[list[dict[str, Any]], list[Any]]:
    """One feature per complex: names, district, lines served and first opening (from open sections)."""
    served: dict[str, set[str]] = defaultdict(set)
    first: dict[str, str] = {}
    for s in sections:
        if s["status"] != "open":
            continue  # a line under construction serves nobody yet
        for sid in (s["from_station"], s["to_station"]):
            served[sid].add(s["line_id"])
            first[sid] = min(first.get(sid, "9999"), s["opened"])
    rows: list[dict[str, Any]] = []
    geoms: list[Any] = []
    taken = frozenset(key(_complex_name_zh(c["rows"])) for c in complexes) | frozenset(
        _en_stem(_complex_name_en(c["rows"], best_row(c["rows"]))) for c in complexes
    )
    status = read_station_status(src) if src is not None else {}
    for c, sid in zip(complexes, ids, strict=True):
        rs = c["rows"]
        best = best_row(rs)
        # the China Railway name where the complex includes a CR station (长沙站, not 长沙), else the first line's
        name_zh = _complex_name_zh(rs)
        name_en = _complex_name_en(rs, best)
        g = Point(best["wlon"], best["wlat"])
        d = locate(g.x, g.y, districts, dgeoms)
        if d is None:
            raise DataError(
                f"Station {name_zh} ({g.x:.5f}, {g.y:.5f}) lies outside every district of the three cities; "
                "check its coordinate and datum."
            )
        rows.append(
            {
                "station_id": sid,
                "name_zh": name_zh,
                "name_en": name_en,
                "city": d["city"],
                "city_zh": d["city_zh"],
                "adcode": d["adcode"],
                "district_zh": d["name_zh"],
                "lines": ";".join(sorted(served.get(sid, set()))),
                "aliases": ";".join(_aliases(rs, name_zh, name_en, taken)),
                "opened": first.get(sid),
                "position_quality": best["position_quality"],
                # the point stands for every platform of the complex: its error is the largest member error
                "position_error_m": max(r["position_error_m"] for r in rs),
                "position_method": best["position_method"],
                "source_datum": best["source_datum"],
                "source": "; ".join(dict.fromkeys(r["source"] for r in rs)),
                "note": "; ".join(dict.fromkeys(f"[{r['line_id']}] {r['note']}" for r in rs if r["note"])),
                **_suspension(rs, status),
            }
        )
        geoms.append(g)
    return rows, geoms
