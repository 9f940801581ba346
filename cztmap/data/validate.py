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

__all__ = [
    "CHECKS",
    "DISTRICT_TOLERANCE_DEG",
    "LENGTH_TOLERANCE",
    "MIN_POSITION_ERROR_M",
    "POSITION_QUALITIES",
    "POSITION_VALIDATION",
    "VALIDATED_MODES",
    "Problem",
    "check_layers",
    "derived_position_errors",
    "independent_position_problems",
    "position_agreement_by_line",
    "position_disagreements",
    "read_position_validation",
    "validate_dataset",
]

#: Allowed relative difference between summed section lengths and a published line length.
LENGTH_TOLERANCE = 0.03
#: A station may lie this far (degrees, ≈ 1 km) outside its district polygon (simplified borders).
DISTRICT_TOLERANCE_DEG = 0.01
#: Bounding box of the three cities (lon_min, lat_min, lon_max, lat_max), WGS-84.
REGION = (111.8, 26.0, 114.3, 28.8)
#: How a station position was obtained (best first).
POSITION_QUALITIES = ("sourced", "fitted", "proxy", "estimated")
#: Lines that end on a station of another line which their published station count excludes.
#: Line families whose published length and station count cover several line ids.
_ID = {
    "stations": "station_id",
    "sections": "section_id",
    "lines": "line_id",
    "roads": "road_id",
    "districts": "adcode",
}
#: Longest plausible headway by mode (min); China Railway county services run a few times a day.
_MAX_HEADWAY_MIN = {"hsr": 1440, "rail": 1440}
_SPEED = {
    "metro": (30, 140),
    "maglev": (60, 500),
    "intercity": (80, 250),
    "hsr": (150, 400),
    "rail": (40, 200),
    "art": (20, 100),
}


@dataclass(frozen=True)
class Problem:
    """One validation problem: where it is and what is wrong."""

    file: str
    feature: str
    field: str
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        tag = "warning: " if self.severity == "warning" else ""
        return f"{tag}{self.file}: feature {self.feature!r}, field {self.field!r}: {self.message}"


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT


def _is_date(v: Any) -> bool:
    try:
        d = dt.date.fromisoformat(str(v))
    except ValueError:
        return False
    return dt.date(1950, 1, 1) <= d <= dt.date(2100, 1, 1)


class _Collector:
    """Collects problems of one dataset folder (each check appends; the caller decides to raise)."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.problems: list[Problem] = []

    def add(self, layer: str, fid: Any, fld: str, msg: str, severity: str = "error") -> None:
        self.problems.append(Problem(str(self.base / f"{layer}.geojson"), str(fid), fld, msg, severity))


def _region_ok(x: float, y: float) -> bool:
    return REGION[0] <= x <= REGION[2] and REGION[1] <= y <= REGION[3]


#: Columns that may never be empty (``opened`` may be, for a section not yet open).
_REQUIRED = ("name_zh", "source", "line_id", "from_station", "to_station", "opened", "status")


def check_schema(layers: dict[str, gpd.GeoDataFrame], out: _Collector) -> None:
    """Required columns present, required values filled, value types as in :data:`SCHEMA`, unique ids."""
    for name, cols in SCHEMA.items():
        df = layers[name]
        idc = _ID[name]
        for col, typ in cols.items():
            if col not in df.columns:
                out.add(name, "*", col, "required column is missing; rebuild with `cztmap data build`")
                continue
            _check_column(name, df, idc, col, typ, out)
        if idc in df.columns:
            for v in df[idc][df[idc].duplicated()]:
                out.add(name, v, idc, "id is not unique")


def _check_column(
    name: str, df: gpd.GeoDataFrame, idc: str, col: str, typ: type | tuple[type, ...], out: _Collector
) -> None:
    ids = df[idc] if idc in df.columns else df.index
    not_open = (
        df["status"].isin(["planned", "under_construction"])
        if name == "sections" and col == "opened" and "status" in df.columns
        else None
    )
    for i, (fid, v) in enumerate(zip(ids, df[col], strict=True)):
        if _missing(v):
            if (col == idc or col in _REQUIRED) and not (not_open is not None and bool(not_open.iloc[i])):
                out.add(name, fid, col, "is empty; every feature needs it")
        elif not isinstance(v, typ) or (typ is float and isinstance(v, bool)):
            out.add(name, fid, col, f"has type {type(v).__name__}, expected {getattr(typ, '__name__', typ)}")


def check_geometry(layers: dict[str, gpd.GeoDataFrame], out: _Collector) -> None:
    """Geometry present (where the layer needs one), of the right type, inside the region (swaps named)."""
    for name, gtype in (("stations", "Point"), ("sections", "LineString"), ("districts", "MultiPolygon")):
        df = layers[name]
        for fid, g in zip(df[_ID[name]], df.geometry, strict=True):
            if g is None or g.is_empty:
                out.add(name, fid, "geometry", "is missing; every feature of this layer needs one")
                continue
            if g.geom_type != gtype:
                out.add(name, fid, "geometry", f"is a {g.geom_type}, expected {gtype}")
                continue
            x, y = g.centroid.x, g.centroid.y
            if not _region_ok(x, y):
                hint = " (longitude and latitude look swapped)" if _region_ok(y, x) else ""
                out.add(
                    name,
                    fid,
                    "geometry",
                    f"lies at ({x:.4f}, {y:.4f}), outside the Chang-Zhu-Tan region{hint}; "
                    "coordinates must be WGS-84 lon/lat",
                )
    rd = layers["roads"]
    for fid, g in zip(rd["road_id"], rd.geometry, strict=True):
        if g is not None and not g.is_empty and not _region_ok(g.centroid.x, g.centroid.y):
            out.add(
                "roads", fid, "geometry", "lies outside the Chang-Zhu-Tan region; coordinates must be WGS-84 lon/lat"
            )


def check_station_districts(layers: dict[str, gpd.GeoDataFrame], out: _Collector) -> None:
    """Each station lies in (or within ~1 km of) its district and has a known position quality."""
    st, di = layers["stations"], layers["districts"]
    dgeom = dict(zip(di["adcode"], di.geometry, strict=True))
    for sid, ad, g, q in zip(st["station_id"], st["adcode"], st.geometry, st["position_quality"], strict=True):
        poly = dgeom.get(ad)
        if poly is None:
            out.add("stations", sid, "adcode", f"{ad!r} is not a district of the dataset")
        elif g is not None and g.geom_type == "Point" and poly.distance(g) > DISTRICT_TOLERANCE_DEG:
            out.add(
                "stations",
                sid,
                "adcode",
                f"station lies {poly.distance(g) * 111:.1f} km outside district {ad}; fix its position or adcode",
            )
        if q not in POSITION_QUALITIES:
            out.add("stations", sid, "position_quality", f"{q!r} is not one of {', '.join(POSITION_QUALITIES)}")


def check_sections(layers: dict[str, gpd.GeoDataFrame], out: _Collector) -> None:
    """Section ends, self-loops, line ids, lengths, dates, speeds, status, colour and end positions."""
    st, sec, ln = layers["stations"], layers["sections"], layers["lines"]
    pos = dict(zip(st["station_id"], st.geometry, strict=True))
    lines_known = set(ln["line_id"])
    has_speed = "speed_kmh" in sec.columns
    for row, g in zip(sec.itertuples(index=False), sec.geometry, strict=True):
        fid = row.section_id
        _check_section_refs(row, pos, lines_known, out)
        _check_section_values(row, row.speed_kmh if has_speed else None, out)
        if g is not None and g.geom_type == "LineString" and row.from_station in pos and row.to_station in pos:
            a, b = g.coords[0], g.coords[-1]
            pa, pb = pos[row.from_station], pos[row.to_station]
            if pa is None or pb is None:
                continue
            if abs(a[0] - pa.x) + abs(a[1] - pa.y) > 1e-5 or abs(b[0] - pb.x) + abs(b[1] - pb.y) > 1e-5:
                out.add("sections", fid, "geometry", "its ends are not at its stations' positions; rebuild the dataset")


def _check_section_refs(row: Any, pos: dict[str, Any], lines_known: set[str], out: _Collector) -> None:
    fid = row.section_id
    for end in ("from_station", "to_station"):
        v = getattr(row, end)
        if v not in pos:
            out.add("sections", fid, end, f"{v!r} is not a station id of stations.geojson")
    if row.from_station == row.to_station:
        out.add("sections", fid, "to_station", "equals from_station (a self-loop); a section joins two stations")
    if row.line_id not in lines_known:
        out.add("sections", fid, "line_id", f"{row.line_id!r} is not in lines.geojson")


def _check_section_values(row: Any, sp: Any, out: _Collector) -> None:
    fid = row.section_id
    if not (isinstance(row.length_m, int | float) and 50 <= row.length_m <= 100_000):
        out.add("sections", fid, "length_m", f"{row.length_m!r} m is not a plausible section length (50 m–100 km)")
    if not (row.status in ("planned", "under_construction") and _missing(row.opened)) and not _is_date(row.opened):
        out.add("sections", fid, "opened", f"{row.opened!r} is not a plausible ISO date")
    if not _missing(row.closed) and (not _is_date(row.closed) or str(row.closed) <= str(row.opened)):
        out.add("sections", fid, "closed", f"{row.closed!r} must be an ISO date after opened {row.opened!r}")
    lo, hi = _SPEED.get(row.mode, (20, 500))
    if not _missing(sp) and not (lo <= float(sp) <= hi):
        out.add("sections", fid, "speed_kmh", f"{sp} km/h is implausible for {row.mode} ({lo}–{hi})")
    if row.status not in ("open", "closed", "under_construction", "planned"):
        out.add("sections", fid, "status", f"{row.status!r} is not open/closed/under_construction/planned")
    if not re.fullmatch(r"#[0-9A-F]{6}", str(row.colour)):
        out.add("sections", fid, "colour", f"{row.colour!r} is not a #RRGGBB colour")


def _line_graph(sec: gpd.GeoDataFrame, lid: str) -> nx.Graph:
    members = [lid] + [k for k, v in BRANCH_OF.items() if v == lid]
    g = nx.Graph()
    for r in sec[sec["line_id"].isin(members)].itertuples(index=False):
        g.add_edge(r.from_station, r.to_station, length=r.length_m, closed=not _missing(r.closed), sid=r.section_id)
    return g


def _open_length_m(g: nx.Graph) -> float:
    """Summed section length, leaving out closed sections that a newer path bypasses."""
    total = 0.0
    for a, b, d in list(g.edges(data=True)):
        if d["closed"]:
            h = g.copy()
            h.remove_edge(a, b)
            if nx.has_path(h, a, b):
                continue  # a superseded bypass (e.g. CZT 大丰–株洲南 before 株洲 opened)
        total += d["length"]
    return total


def check_lines(layers: dict[str, gpd.GeoDataFrame], out: _Collector) -> None:
    """Per line family: continuity, then (open lines) station count, length and headways as published."""
    sec, ln = layers["sections"], layers["lines"]
    for lrow in ln.itertuples(index=False):
        lid = lrow.line_id
        if lid in BRANCH_OF:
            continue
        g = _line_graph(sec, lid)
        if g.number_of_nodes() == 0:
            continue
        if not nx.is_connected(g):
            parts = sorted((sorted(c) for c in nx.connected_components(g)), key=len)
            out.add(
                "sections",
                lid,
                "line_id",
                f"line {lid} is broken into {len(parts)} pieces (smallest: {', '.join(parts[0][:3])}); "
                "a section is missing",
            )
        if getattr(lrow, "status", "open") != "open":
            continue  # lines not in service are drawn schematically (e.g. between their two termini only)
        _check_line_published(lrow, g, out)


def _check_line_published(lrow: Any, g: nx.Graph, out: _Collector) -> None:
    lid = lrow.line_id
    pub_n: Any = getattr(lrow, "n_stations", None)
    if not _missing(pub_n):
        n = g.number_of_nodes() - THROUGH_END.get(lid, 0)
        if n != int(pub_n):
            out.add(
                "lines",
                lid,
                "n_stations",
                f"line {lid} has {n} stations in sections.geojson but {int(pub_n)} are published",
            )
    pub_len: Any = getattr(lrow, "length_km", None)
    if not _missing(pub_len):
        total = _open_length_m(g)
        rel = total / (float(pub_len) * 1000) - 1
        if abs(rel) > LENGTH_TOLERANCE:
            out.add(
                "lines",
                lid,
                "length_km",
                f"sections sum to {total / 1000:.2f} km, {rel:+.0%} from the published {pub_len} km "
                f"(tolerance ±{LENGTH_TOLERANCE:.0%})",
            )
    hi = _MAX_HEADWAY_MIN.get(getattr(lrow, "mode", ""), 120)
    for col in ("headway_peak_min", "headway_offpeak_min"):
        hw: Any = getattr(lrow, col, None)
        if not _missing(hw) and not (1 <= float(hw) <= hi):
            out.add("lines", lid, col, f"{hw} min is not a plausible headway (1–{hi} min)")


def check_roads(layers: dict[str, gpd.GeoDataFrame], out: _Collector) -> None:
    """Road class vocabulary and plausible speeds."""
    for r in layers["roads"].itertuples(index=False):
        if r.road_class not in ("expressway", "arterial", "national"):
            out.add("roads", r.road_id, "road_class", f"{r.road_class!r} is not expressway/arterial/national")
        rsp: Any = getattr(r, "speed_kmh", None)
        if not _missing(rsp) and not (20 <= float(rsp) <= 130):
            out.add("roads", r.road_id, "speed_kmh", f"{rsp} km/h is implausible for a road (20–130)")


def check_districts(layers: dict[str, gpd.GeoDataFrame], out: _Collector) -> None:
    """Plausible district populations."""
    for r in layers["districts"].itertuples(index=False):
        pop: Any = getattr(r, "population", None)
        if not _missing(pop) and not (1_000 <= float(pop) <= 5_000_000):
            out.add("districts", r.adcode, "population", f"{pop} is implausible for a district (1,000–5,000,000)")


def _date_problem(v: Any) -> str | None:
    if _missing(v):
        return None
    return None if _is_date(v) else f"{v!r} is not a possible ISO date (YYYY-MM-DD between 1950 and 2100)"


def check_dates(layers: dict[str, gpd.GeoDataFrame], out: _Collector) -> None:
    """Every date field of lines and stations is a possible date; a suspension ends after it starts."""
    for layer, cols in (
        ("lines", ("opened", "expected_opening", "status_checked_on")),
        ("stations", ("opened", "suspended_since", "suspended_until", "expected_resumption")),
    ):
        df = layers[layer]
        for col in (c for c in cols if c in df.columns):
            for fid, v in zip(df[_ID[layer]], df[col], strict=True):
                msg = _date_problem(v)
                if msg:
                    out.add(layer, fid, col, msg)
    st = layers["stations"]
    if {"suspended_since", "suspended_until"} <= set(st.columns):
        for fid, a, b in zip(st["station_id"], st["suspended_since"], st["suspended_until"], strict=True):
            if not _missing(a) and not _missing(b) and str(b) <= str(a):
                out.add("stations", fid, "suspended_until", f"{b!r} must be after suspended_since {a!r}")


def check_staleness(layers: dict[str, gpd.GeoDataFrame], out: _Collector, today: dt.date | None = None) -> None:
    """Warn where a planned opening has passed but the line is not open (the status may be stale),
    and where the status was last checked before that opening.
    """
    ln = layers["lines"]
    if "expected_opening" not in ln.columns:
        return
    day = (today or dt.date.today()).isoformat()
    for r in ln.itertuples(index=False):
        exp: Any = r.expected_opening
        if _missing(exp) or not _is_date(exp) or r.status == "open" or str(exp) > day:
            continue
        checked: Any = getattr(r, "status_checked_on", None)
        when = "never" if _missing(checked) else f"on {checked}"
        stale = _missing(checked) or str(checked) < str(exp)
        out.add(
            "lines",
            r.line_id,
            "status",
            f"is {r.status!r} but the line was expected to open by {exp}; status last checked {when}"
            + (", before that date: check whether it opened" if stale else ": check again whether it opened"),
            "warning",
        )


#: The checks run after the schema check passes, in order.
CHECKS = (
    check_geometry,
    check_station_districts,
    check_sections,
    check_lines,
    check_roads,
    check_districts,
    check_dates,
    check_staleness,
)


def _raise(problems: list[Problem], base: Path) -> None:
    raise DataError(
        f"{len(problems)} problem(s) in {base}: {problems[0]}"
        + ("" if len(problems) == 1 else f" (and {len(problems) - 1} more; run `cztmap data validate`)")
    )


def check_layers(
    layers: dict[str, gpd.GeoDataFrame],
    base: Path | str = "data/geo",
    *,
    raise_errors: bool = False,
    warnings: bool = False,
) -> list[Problem]:
    """Check already-loaded layers; see :func:`validate_dataset`.

    Parameters
    ----------
    layers : dict of str to GeoDataFrame
        The five layers by name.
    base : path
        The folder the layers came from (named in every problem).
    raise_errors : bool
        Raise one :class:`~cztmap.errors.DataError` for all errors instead of returning them.
    warnings : bool
        Also return warnings (``severity == "warning"``: a status that may be stale); they never raise.

    Returns
    -------
    list of Problem
        Empty when the layers are valid. The schema is checked first; the other checks run only on a
        schema-valid dataset (they rely on the columns and types).

    Raises
    ------
    DataError
        When ``raise_errors`` and a problem was found.
    """
    out = _Collector(Path(base))
    check_schema(layers, out)
    if not out.problems:
        for check in CHECKS:
            check(layers, out)
    errors = [p for p in out.problems if p.severity == "error"]
    if errors and raise_errors:
        _raise(errors, out.base)
    return out.problems if warnings else errors


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


def validate_dataset(path: str | Path | None = None, *, warnings: bool = False) -> list[Problem]:
    """Validate the layer files in ``path`` (default: the embedded ``data/geo``).

    Parameters
    ----------
    path : path, optional
        A folder with the five layer files.
    warnings : bool
        Also return warnings (for example a planned opening that has passed while the line is still
        listed as under construction, or a metro station farther from an independent point than the
        stated errors allow: :func:`independent_position_problems`).

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
    problems = check_layers(layers, base, warnings=warnings)
    if warnings and not [p for p in problems if p.file.endswith("stations.geojson")]:
        problems += independent_position_problems(layers, base)
    return problems


# ----------------------------------------------------------------------------------------------
# positions against independent station points (validation facts, never read by the build)
# ----------------------------------------------------------------------------------------------

#: Independent station points of the metro, maglev and West Ring, relative to ``data/sources``.
POSITION_VALIDATION = "validation/metro_positions.csv"
#: Modes whose stations the independent points check (the West Ring is a ``metro`` line).
VALIDATED_MODES = ("metro", "maglev")
#: The smallest stated error of a station with a published coordinate (m).
MIN_POSITION_ERROR_M = 50.0


def read_position_validation(src: str | Path | None = None) -> pd.DataFrame:
    """Read the independent station points of ``validation/metro_positions.csv`` (WGS-84 added).

    Parameters
    ----------
    src : path, optional
        The ``data/sources`` folder (default: the embedded one).

    Returns
    -------
    pandas.DataFrame
        One row per independent point: ``source_key``, ``station_zh``, ``lon``/``lat`` as published,
        ``datum``, ``error_m`` (the point's own expected error), ``rounding_m`` (how far the published
        rounding alone can move it), ``usable`` (0 for a documented defect of the source), ``note``,
        and ``wlon``/``wlat`` (WGS-84).

    Raises
    ------
    DataError
        When the table is missing or a number does not parse.

    Examples
    --------
    >>> v = read_position_validation()
    >>> sorted(v["source_key"].unique())
    ['amap_raw', 'eamd_2025', 'enwiki_bd09']
    """
    from cztmap import geo
    from cztmap._paths import sources_dir

    path = Path(src or sources_dir()) / POSITION_VALIDATION
    try:
        df = pd.read_csv(path, dtype={"node": str, "note": str}, keep_default_na=False)
        for col in ("lon", "lat", "error_m", "rounding_m", "usable"):
            df[col] = pd.to_numeric(df[col], errors="raise")
    except FileNotFoundError:
        raise DataError(
            f"{str(path)!r} is missing; restore it from the repository (git checkout data/sources)."
        ) from None
    except (ValueError, KeyError) as exc:
        raise DataError(f"{str(path)!r} cannot be read ({exc}); fix the table.") from None
    wlon, wlat = [], []
    for r in df.itertuples(index=False):
        x, y = geo.convert(r.lon, r.lat, r.datum, "WGS-84")
        wlon.append(float(x))
        wlat.append(float(y))
    return df.assign(wlon=wlon, wlat=wlat)


def _validated_lines(lines: gpd.GeoDataFrame | pd.DataFrame) -> set[str]:
    return set(lines.loc[lines["mode"].isin(VALIDATED_MODES), "line_id"])


def _names(row: Any) -> set[str]:
    aliases = "" if _missing(row.aliases) else str(row.aliases)
    return {row.name_zh, str(row.name_zh).removesuffix("站"), *[a for a in aliases.split(";") if a]}


def position_disagreements(
    stations: gpd.GeoDataFrame, lines: gpd.GeoDataFrame | pd.DataFrame, validation: pd.DataFrame
) -> pd.DataFrame:
    """Distance from every independent point to the station of the dataset it names.

    Only stations served by a metro or maglev line are matched (by name or alias); a station complex
    that also serves another mode (a CZT co-site) is matched too, with the complex's stated error.

    Parameters
    ----------
    stations, lines : GeoDataFrame
        The stations and lines layers.
    validation : pandas.DataFrame
        As :func:`read_position_validation` returns it.

    Returns
    -------
    pandas.DataFrame
        One row per matched point: ``source_key``, ``station_zh``, ``station_id``, ``lines`` (the
        validated lines of the station, ``;``-joined), ``distance_m``, ``position_error_m`` (ours),
        ``error_m`` and ``rounding_m`` (the point's), ``usable``.

    Examples
    --------
    >>> from cztmap.data.dataset import load_dataset
    >>> ds = load_dataset()
    >>> d = position_disagreements(ds.stations, ds.lines, read_position_validation())
    >>> bool((d["distance_m"] >= 0).all())
    True
    """
    from cztmap.geo import haversine_m

    valid_lines = _validated_lines(lines)
    by_name: dict[str, Any] = {}
    for r in stations.itertuples(index=False):
        served = sorted(set(str(r.lines).split(";")) & valid_lines)
        if served:
            for n in _names(r):
                by_name.setdefault(n, (r, served))
    out = []
    for v in validation.itertuples(index=False):
        hit = by_name.get(v.station_zh)
        if hit is None:
            continue
        r, served = hit
        out.append(
            {
                "source_key": v.source_key,
                "station_zh": v.station_zh,
                "station_id": r.station_id,
                "lines": ";".join(served),
                "distance_m": float(haversine_m(r.geometry.x, r.geometry.y, v.wlon, v.wlat)),
                "position_error_m": float(r.position_error_m),
                "error_m": float(v.error_m),
                "rounding_m": float(v.rounding_m),
                "usable": int(v.usable),
            }
        )
    return pd.DataFrame(out)


def position_agreement_by_line(disagreements: pd.DataFrame) -> pd.DataFrame:
    """Per validated line and independent source: count, median, 90th percentile and largest distance.

    Parameters
    ----------
    disagreements : pandas.DataFrame
        As :func:`position_disagreements` returns it (only ``usable`` rows are counted).

    Returns
    -------
    pandas.DataFrame
        Columns ``line_id``, ``source_key``, ``n``, ``median_m``, ``p90_m``, ``max_m`` (metres, rounded).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"source_key": ["a", "a"], "lines": ["L1", "L1;L2"], "distance_m": [10.0, 30.0],
    ...                   "usable": [1, 1]})
    >>> position_agreement_by_line(d)["median_m"].tolist()
    [20.0, 30.0]
    """
    d = disagreements[disagreements["usable"] == 1].assign(line_id=lambda x: x["lines"].str.split(";"))
    d = d.explode("line_id")
    g = d.groupby(["line_id", "source_key"])["distance_m"]
    res = pd.DataFrame(
        {
            "n": g.size(),
            "median_m": g.median().round(0),
            "p90_m": g.quantile(0.9).round(0),
            "max_m": g.max().round(0),
        }
    ).reset_index()
    return res.sort_values(["line_id", "source_key"], ignore_index=True)


def derived_position_errors(disagreements: pd.DataFrame) -> dict[str, float]:
    """The expected error each station's disagreement with the independent points calls for.

    The largest distance to a usable independent point, less that point's rounding, rounded up to
    10 m; only stations where this exceeds :data:`MIN_POSITION_ERROR_M` are returned. No third source
    says which of the two is right, so the disagreement is the honest size of the error.

    Parameters
    ----------
    disagreements : pandas.DataFrame
        As :func:`position_disagreements` returns it.

    Returns
    -------
    dict
        ``station_zh`` → error in metres.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"station_zh": ["a", "a", "b"], "distance_m": [248.0, 20.0, 60.0],
    ...                   "rounding_m": [0.0, 0.0, 49.0], "usable": [1, 1, 1]})
    >>> derived_position_errors(d)
    {'a': 250.0}
    """
    d = disagreements[disagreements["usable"] == 1]
    need = (d["distance_m"] - d["rounding_m"]).groupby(d["station_zh"]).max()
    return {str(k): float(math.ceil(v / 10) * 10) for k, v in need.items() if v > MIN_POSITION_ERROR_M}


def independent_position_problems(layers: dict[str, gpd.GeoDataFrame], base: Path | str = "data/geo") -> list[Problem]:
    """Warnings for metro, maglev and West Ring stations farther from an independent point than allowed.

    A usable point of ``validation/metro_positions.csv`` may lie at most the station's
    ``position_error_m`` plus the point's own ``error_m`` away. Only ``cztmap data validate`` runs this
    (the build never reads the validation table).

    Parameters
    ----------
    layers : dict of str to GeoDataFrame
        The layers by name (``stations`` and ``lines`` are used).
    base : path
        The folder the layers came from (named in every problem).

    Returns
    -------
    list of Problem
        One warning per disagreement beyond the allowance (empty for the shipped dataset).

    Examples
    --------
    >>> from cztmap.data.dataset import load_dataset
    >>> ds = load_dataset()
    >>> independent_position_problems({"stations": ds.stations, "lines": ds.lines})
    []
    """
    d = position_disagreements(layers["stations"], layers["lines"], read_position_validation())
    if d.empty:
        return []
    bad = d[(d["usable"] == 1) & (d["distance_m"] > d["position_error_m"] + d["error_m"])]
    out = _Collector(Path(base))
    for r in bad.itertuples(index=False):
        out.add(
            "stations",
            r.station_id,
            "geometry",
            f"{r.distance_m:.0f} m from the independent point of {r.source_key} (validation/metro_positions.csv), "
            f"more than its stated error {r.position_error_m:.0f} m plus the point's {r.error_m:.0f} m; "
            "check the position or state a larger position_error_m",
            "warning",
        )
    return out.problems
