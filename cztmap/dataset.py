"""Load the curated layers as GeoDataFrames, optionally as the network stood on a date.

Examples
--------
>>> from cztmap.dataset import load_dataset
>>> ds = load_dataset(as_of="2023-06-28")
>>> "WR" in set(ds.sections.line_id)
True
>>> "WR" in set(load_dataset(as_of="2023-06-27").sections.line_id)
False
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry import shape

from ._paths import geo_dir
from .errors import DataError, UsageError

__all__ = ["FIRST_DATE", "Dataset", "load_dataset", "parse_date"]

#: The first day any line of the embedded network was open (Line 2, 2014-04-29); HSR opened earlier.
FIRST_DATE = dt.date(2009, 12, 26)

#: Columns each layer must have (the build writes them; `validate` checks them).
SCHEMA: dict[str, dict[str, type | tuple[type, ...]]] = {
    "stations": {"station_id": str, "name_zh": str, "name_en": str, "city": str, "adcode": str, "lines": str, "aliases": str,
                 "position_quality": str, "position_error_m": (int, float), "source": str},
    "sections": {"section_id": str, "line_id": str, "seq": int, "from_station": str, "to_station": str,
                 "opened": str, "status": str, "mode": str, "length_m": (int, float), "colour": str, "source": str},
    "lines": {"line_id": str, "name_zh": str, "name_en": str, "mode": str, "status": str, "source": str},
    "roads": {"road_id": str, "name_zh": str, "name_en": str, "road_class": str, "highway": str, "status": str,
              "geometry_quality": str, "source": str},
    "districts": {"adcode": str, "name_zh": str, "name_en": str, "city": str, "seat_lon": float,
                  "seat_lat": float, "source": str},
}


def parse_date(value: str | dt.date | None, *, argument: str = "as_of") -> dt.date | None:
    """Parse an ISO date (``YYYY-MM-DD``); ``"today"`` means today and ``None`` means no date (no filter).

    Examples
    --------
    >>> parse_date("2023-06-28")
    datetime.date(2023, 6, 28)
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if text.lower() == "today":
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"The {argument} date {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2023-06-28.") from None


@dataclass(frozen=True)
class Dataset:
    """The curated layers of the network (GeoDataFrames, EPSG:4326).

    Attributes
    ----------
    stations, sections, lines, roads, districts : geopandas.GeoDataFrame
        Layers as documented in ``docs/architecture.md``.
    as_of : datetime.date or None
        The date the layers were filtered to (None: everything, including closed and planned).
    version : str
        Dataset version stamp.
    """

    stations: gpd.GeoDataFrame
    sections: gpd.GeoDataFrame
    lines: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame
    districts: gpd.GeoDataFrame
    as_of: dt.date | None = None
    version: str = ""
    path: Path | None = field(default=None, compare=False)

    def filter(self, as_of: str | dt.date | None) -> Dataset:
        """The network as it was open on ``as_of`` (sections, roads and stations in service)."""
        day = parse_date(as_of)
        if day is None:
            return self
        if day < FIRST_DATE:
            raise UsageError(
                f"as_of {day.isoformat()} is before any line of the network opened "
                f"({FIRST_DATE.isoformat()}); choose a later date."
            )
        iso = day.isoformat()
        sec = self.sections
        open_mask = (sec["opened"].fillna("9999") <= iso) & (sec["closed"].isna() | (sec["closed"].fillna("") > iso))
        sec = sec[open_mask & sec["status"].isin(["open", "closed"])].copy()
        sec["status"] = "open"
        used = set(sec["from_station"]) | set(sec["to_station"])
        st = self.stations[self.stations["station_id"].isin(used)].copy()
        served: dict[str, set[str]] = {}
        for a, b, lid in zip(sec["from_station"], sec["to_station"], sec["line_id"], strict=True):
            served.setdefault(a, set()).add(lid)
            served.setdefault(b, set()).add(lid)
        st["lines"] = [";".join(sorted(served.get(s, set()))) for s in st["station_id"]]
        rd = self.roads
        rd = rd[(rd["status"] == "open") & (rd["opened"].isna() | (rd["opened"].fillna("") <= iso))].copy()
        ln = self.lines[self.lines["line_id"].isin(set(sec["line_id"]))].copy()
        return replace(self, stations=st.reset_index(drop=True), sections=sec.reset_index(drop=True),
                       lines=ln.reset_index(drop=True), roads=rd.reset_index(drop=True), as_of=day)

    def station(self, station_id: str) -> pd.Series:
        """One station row by id (raises UsageError if unknown)."""
        hit = self.stations[self.stations["station_id"] == station_id]
        if hit.empty:
            raise UsageError(f"Unknown station id {station_id!r}; see Dataset.stations.station_id for valid ids.")
        return hit.iloc[0]


def _read_layer(path: Path, name: str) -> tuple[gpd.GeoDataFrame, str]:
    if not path.is_file():
        raise DataError(f"Layer file {str(path)!r} is missing; run `cztmap data build` to regenerate data/geo.")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise DataError(f"Layer file {str(path)!r} is not UTF-8 text; run `cztmap data build` to regenerate it.") from None
    except json.JSONDecodeError as exc:
        raise DataError(
            f"Layer file {str(path)!r} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "run `cztmap data build` to regenerate it."
        ) from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise DataError(f"Layer file {str(path)!r} is not a GeoJSON FeatureCollection; run `cztmap data build` to regenerate it.")
    props: list[dict[str, Any]] = []
    geoms: list[Any] = []
    for i, f in enumerate(doc["features"]):
        if not isinstance(f, dict) or not isinstance(f.get("properties"), dict):
            raise DataError(f"Layer file {str(path)!r}: feature {i} has no properties object; run `cztmap data build`.")
        props.append(f["properties"])
        g = f.get("geometry")
        try:
            geoms.append(shape(g) if g else None)
        except Exception as exc:  # shapely raises several types for malformed geometry
            raise DataError(f"Layer file {str(path)!r}: feature {i} has a malformed geometry ({exc}); run `cztmap data build`.") from None
    cols = list(SCHEMA[name])
    df = pd.DataFrame(props) if props else pd.DataFrame(columns=cols)
    gdf = gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"), crs="EPSG:4326")
    return gdf, str(doc.get("dataset_version", ""))


@lru_cache(maxsize=8)
def _load_cached(folder: str, mtimes: tuple[float, ...]) -> Dataset:
    base = Path(folder)
    layers = {}
    version = ""
    for name in SCHEMA:
        layers[name], version = _read_layer(base / f"{name}.geojson", name)
    from .validate import check_layers  # late import: validate imports this module's SCHEMA

    check_layers(layers, base, raise_errors=True)
    return Dataset(**layers, version=version, path=base)


def load_dataset(as_of: str | dt.date | None = None, *, path: str | Path | None = None) -> Dataset:
    """Load the curated layers (the embedded dataset by default), filtered to ``as_of``.

    Parameters
    ----------
    as_of : str or date, optional
        ISO date; keep only what was open that day. ``None`` keeps every feature.
    path : path, optional
        A folder with the five layer files (default: the embedded ``data/geo``).

    Returns
    -------
    Dataset

    Raises
    ------
    DataError
        A layer is missing, unreadable or fails validation (the message names file, feature and field).
    UsageError
        ``as_of`` is not a date or is before any line opened.

    Examples
    --------
    >>> ds = load_dataset(as_of="2016-01-01")
    >>> sorted(set(ds.sections.line_id) & {"L1", "L2"})
    ['L2']
    """
    folder = Path(path) if path else geo_dir()
    if not folder.is_dir():
        raise UsageError(f"Dataset folder {str(folder)!r} does not exist; give a folder made by `cztmap data build`.")
    mtimes = tuple((folder / f"{n}.geojson").stat().st_mtime if (folder / f"{n}.geojson").exists() else -1.0 for n in SCHEMA)
    ds = _load_cached(str(folder.resolve()), mtimes)
    day = parse_date(as_of)
    ds = _copy(ds)
    return ds.filter(day) if day else ds


def _copy(ds: Dataset) -> Dataset:
    return replace(ds, stations=ds.stations.copy(), sections=ds.sections.copy(), lines=ds.lines.copy(),
                   roads=ds.roads.copy(), districts=ds.districts.copy())
