"""The column contract of the curated layers and the readers every data module shares.

The loader (:mod:`cztmap.data.dataset`) and the checks (:mod:`cztmap.data.validate`) both import this
module, so neither imports the other's internals.

Examples
--------
>>> sorted(SCHEMA)
['districts', 'lines', 'roads', 'sections', 'stations']
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry import shape

from cztmap.errors import DataError, UsageError

__all__ = ["FIRST_DATE", "SCHEMA", "parse_date", "read_layer"]

#: The first day any line of the embedded network was open (Line 2, 2014-04-29); HSR opened earlier.
FIRST_DATE = dt.date(2009, 12, 26)

#: Columns each layer must have (the build writes them; `validate` checks them).
SCHEMA: dict[str, dict[str, type | tuple[type, ...]]] = {
    "stations": {
        "station_id": str,
        "name_zh": str,
        "name_en": str,
        "city": str,
        "adcode": str,
        "lines": str,
        "aliases": str,
        "position_quality": str,
        "position_error_m": (int, float),
        "source": str,
    },
    "sections": {
        "section_id": str,
        "line_id": str,
        "seq": int,
        "from_station": str,
        "to_station": str,
        "opened": str,
        "status": str,
        "mode": str,
        "length_m": (int, float),
        "colour": str,
        "source": str,
    },
    "lines": {"line_id": str, "name_zh": str, "name_en": str, "mode": str, "status": str, "source": str},
    "roads": {
        "road_id": str,
        "name_zh": str,
        "name_en": str,
        "road_class": str,
        "highway": str,
        "status": str,
        "geometry_quality": str,
        "source": str,
    },
    "districts": {
        "adcode": str,
        "name_zh": str,
        "name_en": str,
        "city": str,
        "seat_lon": float,
        "seat_lat": float,
        "source": str,
    },
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
        raise UsageError(
            f"The {argument} date {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2023-06-28."
        ) from None


def read_layer(path: Path, name: str) -> tuple[gpd.GeoDataFrame, str]:
    """Read one layer file of ``data/geo`` as a GeoDataFrame (EPSG:4326) and its dataset version.

    Parameters
    ----------
    path : Path
        The ``<name>.geojson`` file.
    name : str
        The layer name, a key of :data:`SCHEMA`.

    Returns
    -------
    tuple of (GeoDataFrame, str)
        The features and the file's ``dataset_version``.

    Raises
    ------
    DataError
        If the file is missing, not UTF-8, not JSON or not a FeatureCollection.
    """
    if not path.is_file():
        raise DataError(f"Layer file {str(path)!r} is missing; run `cztmap data build` to regenerate data/geo.")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise DataError(
            f"Layer file {str(path)!r} is not UTF-8 text; run `cztmap data build` to regenerate it."
        ) from None
    except json.JSONDecodeError as exc:
        raise DataError(
            f"Layer file {str(path)!r} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "run `cztmap data build` to regenerate it."
        ) from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise DataError(
            f"Layer file {str(path)!r} is not a GeoJSON FeatureCollection; run `cztmap data build` to regenerate it."
        )
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
            raise DataError(
                f"Layer file {str(path)!r}: feature {i} has a malformed geometry ({exc}); run `cztmap data build`."
            ) from None
    cols = list(SCHEMA[name])
    df = pd.DataFrame(props) if props else pd.DataFrame(columns=cols)
    gdf = gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"), crs="EPSG:4326")
    return gdf, str(doc.get("dataset_version", ""))
