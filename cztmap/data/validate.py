"""Validate the curated layers: schema, ids, topology, positions, lengths, dates and speeds.

Every problem names the file, the feature id and the field. :func:`validate_dataset` returns the
list; ``cztmap data validate`` prints it and exits 1 when it is not empty.

Examples
--------
>>> from cztmap.data.validate import validate_dataset
>>> validate_dataset()
[]
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import pandas as pd

from cztmap.data.schema import SCHEMA, read_layer
from cztmap.data.services import BRANCH_OF, THROUGH_END
from cztmap.errors import DataError

__all__ = ["DISTRICT_TOLERANCE_DEG", "LENGTH_TOLERANCE", "Problem", "check_layers", "validate_dataset"]

#: Allowed relative difference between summed section lengths and a published line length.
LENGTH_TOLERANCE = 0.12
#: A station may lie this far (degrees, ≈ 1 km) outside its district polygon (simplified borders).
DISTRICT_TOLERANCE_DEG = 0.01
#: Bounding box of the three cities (lon_min, lat_min, lon_max, lat_max), WGS-84.
REGION = (111.8, 26.0, 114.3, 28.8)
#: Lines that end on a station of another line which their published station count excludes.
#: Line families whose published length and station count cover several line ids.
_ID = {
    "stations": "station_id",
    "sections": "section_id",
    "lines": "line_id",
    "roads": "road_id",
    "districts": "adcode",
}
_SPEED = {"metro": (30, 140), "maglev": (60, 500), "intercity": (80, 250), "hsr": (150, 400), "art": (20, 100)}


@dataclass(frozen=True)
class Problem:
    """One validation problem: where it is and what is wrong."""

    file: str
    feature: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: feature {self.feature!r}, field {self.field!r}: {self.message}"


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT


def _is_date(v: Any) -> bool:
    try:
        d = dt.date.fromisoformat(str(v))
    except ValueError:
        return False
    return dt.date(1950, 1, 1) <= d <= dt.date(2100, 1, 1)


def check_layers(  # noqa: C901  TODO(layout): split into named steps
    layers: dict[str, gpd.GeoDataFrame], base: Path | str = "data/geo", *, raise_errors: bool = False
) -> list[Problem]:
    """Check already-loaded layers; see :func:`validate_dataset`."""

    probs: list[Problem] = []
    base = Path(base)

    def add(layer: str, fid: Any, fld: str, msg: str) -> None:
        probs.append(Problem(str(base / f"{layer}.geojson"), str(fid), fld, msg))

    # --- schema, types, unique ids -------------------------------------------------------------
    for name, cols in SCHEMA.items():
        df = layers[name]
        idc = _ID[name]
        for col, typ in cols.items():
            if col not in df.columns:
                add(name, "*", col, "required column is missing; rebuild with `cztmap data build`")
                continue
            for fid, v in zip(df[idc] if idc in df.columns else df.index, df[col], strict=True):
                if _missing(v):
                    not_open = (
                        name == "sections"
                        and col == "opened"
                        and "status" in df.columns
                        and (df.loc[(df[idc] == fid), "status"].isin(["planned", "under_construction"]).all())
                    )
                    if (
                        col in (idc, "name_zh", "source", "line_id", "from_station", "to_station", "opened", "status")
                        and not not_open
                    ):
                        add(name, fid, col, "is empty; every feature needs it")
                elif not isinstance(v, typ) or (typ is float and isinstance(v, bool)):
                    add(name, fid, col, f"has type {type(v).__name__}, expected {getattr(typ, '__name__', typ)}")
        if idc in df.columns:
            dup = df[idc][df[idc].duplicated()]
            for v in dup:
                add(name, v, idc, "id is not unique")

    if probs and raise_errors:
        raise DataError(
            f"{len(probs)} problem(s) in {base}: {probs[0]}"
            + ("" if len(probs) == 1 else f" (and {len(probs) - 1} more; run `cztmap data validate`)")
        )
    if probs:
        return probs

    st, sec, ln, rd, di = (layers[n] for n in ("stations", "sections", "lines", "roads", "districts"))

    # --- geometry: types, region, swapped coordinates ------------------------------------------------
    def region_ok(x: float, y: float) -> bool:
        return REGION[0] <= x <= REGION[2] and REGION[1] <= y <= REGION[3]

    for name, df, gtype in (
        ("stations", st, "Point"),
        ("sections", sec, "LineString"),
        ("districts", di, "MultiPolygon"),
    ):
        for fid, g in zip(df[_ID[name]], df.geometry, strict=True):
            if g is None or g.is_empty:
                add(name, fid, "geometry", "is missing; every feature of this layer needs one")
                continue
            if g.geom_type != gtype:
                add(name, fid, "geometry", f"is a {g.geom_type}, expected {gtype}")
                continue
            x, y = g.centroid.x, g.centroid.y
            if not region_ok(x, y):
                hint = " (longitude and latitude look swapped)" if region_ok(y, x) else ""
                add(
                    name,
                    fid,
                    "geometry",
                    f"lies at ({x:.4f}, {y:.4f}), outside the Chang-Zhu-Tan region{hint}; coordinates must be WGS-84 lon/lat",
                )
    for fid, g in zip(rd["road_id"], rd.geometry, strict=True):
        if g is not None and not g.is_empty and not region_ok(g.centroid.x, g.centroid.y):
            add("roads", fid, "geometry", "lies outside the Chang-Zhu-Tan region; coordinates must be WGS-84 lon/lat")

    # --- stations inside their district -------------------------------------------------------
    dgeom = dict(zip(di["adcode"], di.geometry, strict=True))
    for sid, ad, g in zip(st["station_id"], st["adcode"], st.geometry, strict=True):
        poly = dgeom.get(ad)
        if poly is None:
            add("stations", sid, "adcode", f"{ad!r} is not a district of the dataset")
        elif g is not None and g.geom_type == "Point" and poly.distance(g) > DISTRICT_TOLERANCE_DEG:
            add(
                "stations",
                sid,
                "adcode",
                f"station lies {poly.distance(g) * 111:.1f} km outside district {ad}; fix its position or adcode",
            )
        q = st.loc[st["station_id"] == sid, "position_quality"].iloc[0]
        if q not in ("sourced", "proxy", "estimated"):
            add("stations", sid, "position_quality", f"{q!r} is not one of sourced, proxy, estimated")

    # --- sections: ends, self-loops, lengths, dates, speeds ----------------------------------------
    pos = {sid: g for sid, g in zip(st["station_id"], st.geometry, strict=True)}
    lines_known = set(ln["line_id"])
    for row in sec.itertuples(index=False):
        fid = row.section_id
        for end in ("from_station", "to_station"):
            v = getattr(row, end)
            if v not in pos:
                add("sections", fid, end, f"{v!r} is not a station id of stations.geojson")
        if row.from_station == row.to_station:
            add("sections", fid, "to_station", "equals from_station (a self-loop); a section joins two stations")
        if row.line_id not in lines_known:
            add("sections", fid, "line_id", f"{row.line_id!r} is not in lines.geojson")
        if not (isinstance(row.length_m, int | float) and 50 <= row.length_m <= 100_000):
            add("sections", fid, "length_m", f"{row.length_m!r} m is not a plausible section length (50 m–100 km)")
        if row.status in ("planned", "under_construction") and _missing(row.opened):
            pass  # not open yet: no opening date
        elif not _is_date(row.opened):
            add("sections", fid, "opened", f"{row.opened!r} is not a plausible ISO date")
        if not _missing(row.closed) and (not _is_date(row.closed) or str(row.closed) <= str(row.opened)):
            add("sections", fid, "closed", f"{row.closed!r} must be an ISO date after opened {row.opened!r}")
        sp: Any = row.speed_kmh if "speed_kmh" in sec.columns else None
        lo, hi = _SPEED.get(row.mode, (20, 500))
        if not _missing(sp) and not (lo <= float(sp) <= hi):
            add("sections", fid, "speed_kmh", f"{sp} km/h is implausible for {row.mode} ({lo}–{hi})")
        if row.status not in ("open", "closed", "under_construction", "planned"):
            add("sections", fid, "status", f"{row.status!r} is not open/closed/under_construction/planned")
        if not re.fullmatch(r"#[0-9A-F]{6}", str(row.colour)):
            add("sections", fid, "colour", f"{row.colour!r} is not a #RRGGBB colour")
        g = None if fid is None else sec.geometry[sec["section_id"] == fid].iloc[0]
        if g is not None and g.geom_type == "LineString" and row.from_station in pos and row.to_station in pos:
            a, b = g.coords[0], g.coords[-1]
            pa, pb = pos[row.from_station], pos[row.to_station]
            if abs(a[0] - pa.x) + abs(a[1] - pa.y) > 1e-5 or abs(b[0] - pb.x) + abs(b[1] - pb.y) > 1e-5:
                add("sections", fid, "geometry", "its ends are not at its stations' positions; rebuild the dataset")

    # --- per line: continuity, station count, length ------------------------------------------
    for lrow in ln.itertuples(index=False):
        lid = lrow.line_id
        if lid in BRANCH_OF:
            continue
        members = [lid] + [k for k, v in BRANCH_OF.items() if v == lid]
        s = sec[sec["line_id"].isin(members)]
        if s.empty:
            continue
        g = nx.Graph()
        for r in s.itertuples(index=False):
            g.add_edge(r.from_station, r.to_station, length=r.length_m, closed=not _missing(r.closed), sid=r.section_id)
        if not nx.is_connected(g):
            parts = sorted((sorted(c) for c in nx.connected_components(g)), key=len)
            add(
                "sections",
                lid,
                "line_id",
                f"line {lid} is broken into {len(parts)} pieces (smallest: {', '.join(parts[0][:3])}); a section is missing",
            )
        if getattr(lrow, "status", "open") != "open":
            continue  # lines not in service are drawn schematically (e.g. between their two termini only)
        pub_n: Any = lrow.n_stations if "n_stations" in ln.columns else None
        if not _missing(pub_n):
            n = g.number_of_nodes() - THROUGH_END.get(lid, 0)
            if n != int(pub_n):
                add(
                    "lines",
                    lid,
                    "n_stations",
                    f"line {lid} has {n} stations in sections.geojson but {int(pub_n)} are published",
                )
        pub_len: Any = lrow.length_km if "length_km" in ln.columns else None
        if not _missing(pub_len):
            total = 0.0
            for a, b, d in list(g.edges(data=True)):
                if d["closed"]:
                    h = g.copy()
                    h.remove_edge(a, b)
                    if nx.has_path(h, a, b):
                        continue  # a superseded bypass (e.g. CZT 大丰–株洲南 before 株洲 opened)
                total += d["length"]
            rel = total / (float(pub_len) * 1000) - 1
            if abs(rel) > LENGTH_TOLERANCE:
                add(
                    "lines",
                    lid,
                    "length_km",
                    f"sections sum to {total / 1000:.2f} km, {rel:+.0%} from the published {pub_len} km (tolerance ±{LENGTH_TOLERANCE:.0%})",
                )
        for col in ("headway_peak_min", "headway_offpeak_min"):
            hw: Any = getattr(lrow, col, None)
            if not _missing(hw) and not (1 <= float(hw) <= 120):
                add("lines", lid, col, f"{hw} min is not a plausible headway (1–120 min)")

    # --- roads, districts -----------------------------------------------------------------------
    for r in rd.itertuples(index=False):
        if r.road_class not in ("expressway", "arterial", "national"):
            add("roads", r.road_id, "road_class", f"{r.road_class!r} is not expressway/arterial/national")
        rsp: Any = getattr(r, "speed_kmh", None)
        if not _missing(rsp) and not (20 <= float(rsp) <= 130):
            add("roads", r.road_id, "speed_kmh", f"{rsp} km/h is implausible for a road (20–130)")
    for r in di.itertuples(index=False):
        pop: Any = getattr(r, "population", None)
        if not _missing(pop) and not (1_000 <= float(pop) <= 5_000_000):
            add("districts", r.adcode, "population", f"{pop} is implausible for a district (1,000–5,000,000)")

    if probs and raise_errors:
        raise DataError(
            f"{len(probs)} problem(s) in {base}: {probs[0]}"
            + ("" if len(probs) == 1 else f" (and {len(probs) - 1} more; run `cztmap data validate`)")
        )
    return probs


#: Written next to the layers by ``cztmap data build`` once they pass :func:`check_layers`: the
#: BLAKE2b digest of every layer file. Loading checks the digests (≈ 1 ms) instead of validating
#: again (≈ 0.2 s); a folder without this record, or with a file changed since, is validated in full.
VALIDATED_RECORD = "validated.json"


def layer_digests(base: str | Path) -> dict[str, str]:
    """BLAKE2b-128 hex digest of every layer file in ``base`` (``""`` for a missing file).

    Examples
    --------
    >>> from cztmap._paths import geo_dir
    >>> sorted(layer_digests(geo_dir()))
    ['districts', 'lines', 'roads', 'sections', 'stations']
    """
    import hashlib

    out = {}
    for name in SCHEMA:
        p = Path(base) / f"{name}.geojson"
        out[name] = hashlib.blake2b(p.read_bytes(), digest_size=16).hexdigest() if p.is_file() else ""
    return out


def recorded_valid(base: str | Path) -> bool:
    """True if ``base`` holds a validation record matching its layer files byte for byte.

    Examples
    --------
    >>> from cztmap._paths import geo_dir
    >>> recorded_valid(geo_dir())
    True
    """
    import json

    rec = Path(base) / VALIDATED_RECORD
    try:
        doc = json.loads(rec.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(doc, dict) and doc.get("layers") == layer_digests(base)


def record_valid(base: str | Path) -> bool:
    """Validate the layers in ``base``; if clean, write the record of their digests (else remove it).

    Returns whether the layers are valid.
    """
    import json

    from cztmap._atomic import atomic_write_text

    rec = Path(base) / VALIDATED_RECORD
    if validate_dataset(base):
        rec.unlink(missing_ok=True)
        return False
    doc = {"about": "digests of layers that passed `cztmap data validate`", "layers": layer_digests(base)}
    atomic_write_text(rec, json.dumps(doc, indent=1, sort_keys=True) + "\n", argument="data/geo")
    return True


def validate_dataset(path: str | Path | None = None) -> list[Problem]:
    """Validate the layer files in ``path`` (default: the embedded ``data/geo``).

    Returns
    -------
    list of Problem
        Empty when the dataset is valid.

    Raises
    ------
    DataError
        Only when a file cannot be read at all (missing, not JSON, not GeoJSON).
    """
    from cztmap._paths import geo_dir

    base = Path(path) if path else geo_dir()
    layers = {name: read_layer(base / f"{name}.geojson", name)[0] for name in SCHEMA}
    return check_layers(layers, base)
