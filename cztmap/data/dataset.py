"""Load the curated layers as GeoDataFrames, optionally as the network stood on a date.

Examples
--------
>>> from cztmap.data.dataset import load_dataset
>>> ds = load_dataset(as_of="2023-06-28")
>>> "WR" in set(ds.sections.line_id)
True
>>> "WR" in set(load_dataset(as_of="2023-06-27").sections.line_id)
False
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString

from cztmap._paths import geo_dir
from cztmap.data.schema import FIRST_DATE, SCHEMA, parse_date, read_layer
from cztmap.data.validate import check_layers, recorded_valid
from cztmap.errors import UsageError

__all__ = ["FIRST_DATE", "Dataset", "load_dataset", "parse_date", "suspended_on"]


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

    def __repr__(self) -> str:
        counts = ", ".join(
            f"{k}={len(getattr(self, k))}" for k in ("stations", "sections", "lines", "roads", "districts")
        )
        when = self.as_of.isoformat() if self.as_of else "all dates"
        return f"Dataset(version={self.version!r}, as_of={when!r}, {counts})"

    def _repr_html_(self) -> str:
        """Notebook display: version, date, layer sizes and the lines (a compact table)."""
        from cztmap._display import summary_html, table_html

        pairs = [
            ("version", self.version),
            ("as of", self.as_of.isoformat() if self.as_of else "all dates (open, closed and planned)"),
            *(
                (name, f"{len(getattr(self, name)):,} rows")
                for name in ("stations", "sections", "lines", "roads", "districts")
            ),
        ]
        cols = [
            c for c in ("line_id", "name_zh", "name_en", "mode", "status", "opened", "length_km") if c in self.lines
        ]
        rows = []
        for r in self.lines[cols].itertuples(index=False):
            rows.append(
                [
                    "" if v is None or v != v else (str(v)[:10] if c == "opened" else v)
                    for c, v in zip(cols, r, strict=True)
                ]
            )
        return summary_html("cztmap Dataset 数据集", pairs, ("lines 线路", table_html(cols, rows)))

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
        sec = _through_suspended(sec, suspended_on(self.stations, iso))
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
        return replace(
            self,
            stations=st.reset_index(drop=True),
            sections=sec.reset_index(drop=True),
            lines=ln.reset_index(drop=True),
            roads=rd.reset_index(drop=True),
            as_of=day,
        )

    def station(self, station_id: str) -> pd.Series:
        """One station row by id (raises UsageError if unknown)."""
        hit = self.stations[self.stations["station_id"] == station_id]
        if hit.empty:
            raise UsageError(f"Unknown station id {station_id!r}; see Dataset.stations.station_id for valid ids.")
        return hit.iloc[0]


def suspended_on(stations: pd.DataFrame, as_of: str | dt.date) -> set[str]:
    """Ids of the stations whose passenger service is suspended on ``as_of``.

    Parameters
    ----------
    stations : DataFrame
        A stations layer (``suspended_since``/``suspended_until`` columns; none means no suspension).
    as_of : str or date
        ISO date.

    Returns
    -------
    set of str

    Examples
    --------
    >>> ds = load_dataset()
    >>> sorted(ds.stations.set_index("station_id").loc[sorted(suspended_on(ds.stations, "2024-01-01")), "name_zh"])
    ['九郎山', '长沙西站']
    >>> suspended_on(ds.stations, "2019-01-01")
    set()
    """
    if "suspended_since" not in stations.columns:
        return set()
    iso = as_of.isoformat() if isinstance(as_of, dt.date) else str(as_of)
    since = stations["suspended_since"].fillna("9999")
    until = stations["suspended_until"].fillna("9999") if "suspended_until" in stations.columns else "9999"
    return set(stations.loc[(since <= iso) & (until > iso), "station_id"])


def _through_suspended(sec: gpd.GeoDataFrame, stops: set[str]) -> gpd.GeoDataFrame:
    """Trains run through a suspended station: its two sections of a line become one; a suspended
    terminus loses its section.
    """
    for sid in sorted(stops):
        for lid in sorted(set(sec.loc[(sec["from_station"] == sid) | (sec["to_station"] == sid), "line_id"])):
            into = sec[(sec["line_id"] == lid) & (sec["to_station"] == sid)]
            out = sec[(sec["line_id"] == lid) & (sec["from_station"] == sid)]
            drop = list(into.index) + list(out.index)
            if len(into) == 1 and len(out) == 1:
                a, b = into.iloc[0], out.iloc[0]
                merged = a.copy()
                merged["section_id"] = f"{a['section_id']}+{b['section_id']}"
                merged["to_station"] = b["to_station"]
                if "to_name_zh" in sec.columns:
                    merged["to_name_zh"] = b["to_name_zh"]
                merged["length_m"] = float(a["length_m"]) + float(b["length_m"])
                merged["geometry"] = LineString([*a.geometry.coords, *list(b.geometry.coords)[1:]])
                if "note" in sec.columns:
                    merged["note"] = f"runs through {sid} (passenger service suspended)"
                sec = pd.concat([sec.drop(index=drop), gpd.GeoDataFrame([merged], crs=sec.crs)])
            else:
                sec = sec.drop(index=drop)
    return gpd.GeoDataFrame(sec, geometry="geometry", crs="EPSG:4326")


@lru_cache(maxsize=8)
def _load_cached(folder: str, mtimes: tuple[float, ...]) -> Dataset:
    base = Path(folder)
    layers = {}
    version = ""
    for name in SCHEMA:
        layers[name], version = read_layer(base / f"{name}.geojson", name)
    if not recorded_valid(base):  # shipped/built layers carry a digest record; anything else is checked
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
    mtimes = tuple(
        (folder / f"{n}.geojson").stat().st_mtime if (folder / f"{n}.geojson").exists() else -1.0 for n in SCHEMA
    )
    ds = _load_cached(str(folder.resolve()), mtimes)
    day = parse_date(as_of)
    ds = _copy(ds)
    return ds.filter(day) if day else ds


def _copy(ds: Dataset) -> Dataset:
    return replace(
        ds,
        stations=ds.stations.copy(),
        sections=ds.sections.copy(),
        lines=ds.lines.copy(),
        roads=ds.roads.copy(),
        districts=ds.districts.copy(),
    )
