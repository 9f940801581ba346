"""Datum conversions between WGS-84, GCJ-02 (Chinese "Mars" coordinates) and BD-09 (Baidu).

Chinese map providers publish coordinates in GCJ-02 (Amap/Gaode, Tencent, WeChat) or BD-09 (Baidu).
In Chang-Zhu-Tan the GCJ-02 shift is about +0.0056° longitude and −0.0034° latitude (≈ 650 m), enough
to put a station on the wrong street. cztmap stores everything in WGS-84 (EPSG:4326) and converts at
the edges: when the data build reads a GCJ-02 source, and when a map is drawn over GCJ-02 tiles.

Distances (:func:`haversine_m`) and the metric CRS of the region (:data:`UTM_CRS`) live here too,
so every layer measures the same way.

The forward WGS-84 → GCJ-02 formula is the public one used by every open implementation. It has no
closed-form inverse; :func:`gcj02_to_wgs84` iterates the forward formula (fixed point on the
residual) until the round trip is below 1e-9 degrees (≈ 0.1 mm). Points outside mainland China (the
rough rectangle 72.004–137.8347 °E, 0.8293–55.8271 °N that the rule uses) pass through unchanged,
as GCJ-02 does.

All functions take scalars or numpy arrays (broadcast) and return the same shape. :func:`transform`
applies a conversion to shapely geometries, GeoSeries and GeoDataFrames.

Examples
--------
>>> lon, lat = wgs84_to_gcj02(113.0587583, 28.1502611)   # Changsha South railway station
>>> round(float(lon - 113.0587583), 4), round(float(lat - 28.1502611), 4)
(0.0058, -0.0032)
>>> back = gcj02_to_wgs84(lon, lat)
>>> abs(float(back[0]) - 113.0587583) < 1e-9 and abs(float(back[1]) - 28.1502611) < 1e-9
True
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from cztmap.errors import UsageError

__all__ = [
    "DATUMS",
    "UTM_CRS",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "convert",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "haversine_m",
    "out_of_china",
    "to_gcj02",
    "transform",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

ArrayLike = npt.ArrayLike
FloatArray = npt.NDArray[np.float64]

#: Datum names accepted by :func:`convert` and :func:`transform`.
DATUMS = ("WGS-84", "GCJ-02", "BD-09")

_A = 6378245.0  # Krasovsky 1940 semi-major axis used by the GCJ-02 rule
_EE = 0.00669342162296594323  # its first eccentricity squared
_X_PI = math.pi * 3000.0 / 180.0


def _as_arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    lo = np.asarray(lon, dtype=np.float64)
    la = np.asarray(lat, dtype=np.float64)
    return np.broadcast_arrays(lo, la)  # type: ignore[return-value]


def _ret(lon: FloatArray, lat: FloatArray, scalar: bool) -> tuple[Any, Any]:
    if scalar:
        return float(lon), float(lat)
    return lon, lat


def out_of_china(lon: ArrayLike, lat: ArrayLike) -> npt.NDArray[np.bool_]:
    """True where the GCJ-02 rule leaves a point unchanged (outside the China rectangle).

    Examples
    --------
    >>> bool(out_of_china(2.35, 48.85)), bool(out_of_china(112.94, 28.23))
    (True, False)
    """
    lo, la = _as_arrays(lon, lat)
    return (lo < 72.004) | (lo > 137.8347) | (la < 0.8293) | (la > 55.8271)


def _delta(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    x = lon - 105.0
    y = lat - 35.0
    sq = np.sqrt(np.abs(x))
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sq
    dlat += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sq
    dlon += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    radlat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]:
    """Convert WGS-84 longitude/latitude to GCJ-02 (the public forward formula).

    Parameters
    ----------
    lon, lat : float or array-like
        Degrees, WGS-84.

    Returns
    -------
    (lon, lat) : floats or numpy arrays
        Degrees, GCJ-02; unchanged outside China.

    Examples
    --------
    >>> lon, lat = wgs84_to_gcj02(112.9388, 28.2282)
    >>> round(lon, 6), round(lat, 6)
    (112.94425, 28.224692)
    """
    scalar = np.ndim(lon) == 0 and np.ndim(lat) == 0
    lo, la = _as_arrays(lon, lat)
    dlon, dlat = _delta(lo, la)
    outside = out_of_china(lo, la)
    return _ret(np.where(outside, lo, lo + dlon), np.where(outside, la, la + dlat), scalar)


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike, *, tol_deg: float = 1e-10, max_iter: int = 30) -> tuple[Any, Any]:
    """Convert GCJ-02 to WGS-84 by iterating the forward formula.

    Starting from the GCJ-02 point, the estimate is corrected by the residual of its forward
    conversion until the residual is below ``tol_deg`` (default 1e-10°, about 0.01 mm); three to
    five iterations suffice in practice. The common one-step inverse is off by 1–2 m.

    Examples
    --------
    >>> lon, lat = gcj02_to_wgs84(112.94425, 28.224692)
    >>> round(lon, 5), round(lat, 5)
    (112.9388, 28.2282)
    """
    scalar = np.ndim(lon) == 0 and np.ndim(lat) == 0
    glon, glat = _as_arrays(lon, lat)
    wlon, wlat = glon.copy(), glat.copy()
    outside = out_of_china(glon, glat)
    for _ in range(max_iter):
        flon, flat = wgs84_to_gcj02(wlon, wlat)
        rlon = np.asarray(flon) - glon
        rlat = np.asarray(flat) - glat
        wlon = wlon - rlon
        wlat = wlat - rlat
        if np.all(np.abs(rlon) < tol_deg) and np.all(np.abs(rlat) < tol_deg):
            break
    return _ret(np.where(outside, glon, wlon), np.where(outside, glat, wlat), scalar)


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]:
    """Convert GCJ-02 to BD-09 (Baidu), the published closed formula."""
    scalar = np.ndim(lon) == 0 and np.ndim(lat) == 0
    x, y = _as_arrays(lon, lat)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return _ret(z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006, scalar)


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike, *, tol_deg: float = 1e-10, max_iter: int = 30) -> tuple[Any, Any]:
    """Convert BD-09 to GCJ-02, iterating :func:`gcj02_to_bd09` to machine precision."""
    scalar = np.ndim(lon) == 0 and np.ndim(lat) == 0
    blon, blat = _as_arrays(lon, lat)
    # closed-form approximate inverse as the start
    x, y = blon - 0.0065, blat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    glon, glat = z * np.cos(theta), z * np.sin(theta)
    for _ in range(max_iter):
        flon, flat = gcj02_to_bd09(glon, glat)
        rlon = np.asarray(flon) - blon
        rlat = np.asarray(flat) - blat
        glon, glat = glon - rlon, glat - rlat
        if np.all(np.abs(rlon) < tol_deg) and np.all(np.abs(rlat) < tol_deg):
            break
    return _ret(glon, glat, scalar)


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]:
    """Convert WGS-84 to BD-09 (through GCJ-02)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]:
    """Convert BD-09 to WGS-84 (through GCJ-02)."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


_FUNCS: dict[tuple[str, str], Callable[[ArrayLike, ArrayLike], tuple[Any, Any]]] = {
    ("WGS-84", "GCJ-02"): wgs84_to_gcj02,
    ("GCJ-02", "WGS-84"): gcj02_to_wgs84,
    ("GCJ-02", "BD-09"): gcj02_to_bd09,
    ("BD-09", "GCJ-02"): bd09_to_gcj02,
    ("WGS-84", "BD-09"): wgs84_to_bd09,
    ("BD-09", "WGS-84"): bd09_to_wgs84,
}


def _norm(datum: str) -> str:
    key = datum.upper().replace("_", "-").replace(" ", "")
    aliases = {
        "WGS84": "WGS-84",
        "WGS-84": "WGS-84",
        "EPSG:4326": "WGS-84",
        "GCJ02": "GCJ-02",
        "GCJ-02": "GCJ-02",
        "BD09": "BD-09",
        "BD-09": "BD-09",
    }
    if key not in aliases:
        raise UsageError(f"Unknown datum {datum!r}; use one of {', '.join(DATUMS)}.")
    return aliases[key]


def convert(lon: ArrayLike, lat: ArrayLike, src: str, dst: str) -> tuple[Any, Any]:
    """Convert coordinates from datum ``src`` to datum ``dst`` (names in :data:`DATUMS`).

    Examples
    --------
    >>> convert(112.9, 28.2, "WGS-84", "WGS-84")
    (112.9, 28.2)
    """
    s, d = _norm(src), _norm(dst)
    if s == d:
        scalar = np.ndim(lon) == 0 and np.ndim(lat) == 0
        lo, la = _as_arrays(lon, lat)
        return _ret(lo.copy(), la.copy(), scalar)
    return _FUNCS[(s, d)](lon, lat)


G = TypeVar("G")


def transform(obj: G, src: str, dst: str) -> G:
    """Apply a datum conversion to a shapely geometry, GeoSeries or GeoDataFrame.

    The CRS of a GeoSeries/GeoDataFrame stays EPSG:4326 (GCJ-02 and BD-09 have no EPSG code;
    they are distortions of WGS-84 longitude/latitude).

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> p = transform(Point(113.0, 28.0), "WGS-84", "GCJ-02")
    >>> round(p.x - 113.0, 3), round(p.y - 28.0, 3)
    (0.006, -0.003)
    """
    import shapely

    s, d = _norm(src), _norm(dst)

    def _coords(xy: FloatArray) -> FloatArray:
        if s == d or len(xy) == 0:
            return xy
        lo, la = _FUNCS[(s, d)](xy[:, 0], xy[:, 1])
        return np.column_stack([np.asarray(lo, dtype=np.float64), np.asarray(la, dtype=np.float64)])

    if hasattr(obj, "geometry") and hasattr(obj, "set_geometry"):  # GeoDataFrame
        out = obj.copy()  # type: ignore[attr-defined]
        geom = out.geometry
        out[geom.name] = shapely.transform(geom.values, _coords)
        return out
    if hasattr(obj, "values") and hasattr(obj, "crs"):  # GeoSeries
        import geopandas as gpd

        return gpd.GeoSeries(shapely.transform(obj.values, _coords), index=obj.index, crs=obj.crs)  # type: ignore[attr-defined]
    return shapely.transform(obj, _coords)


def to_gcj02(obj: G) -> G:
    """Shift a WGS-84 geometry, GeoSeries or GeoDataFrame into GCJ-02 (for Amap/Gaode basemaps)."""
    return transform(obj, "WGS-84", "GCJ-02")


#: Metric CRS for the whole region: UTM zone 49N (EPSG:32649) covers all three cities.
UTM_CRS = "EPSG:32649"


def haversine_m(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> Any:
    """Great-circle distance in metres (spherical Earth, R = 6 371 008.8 m); vectorised.

    Examples
    --------
    >>> round(haversine_m(112.0, 28.0, 112.0, 28.01))
    1112
    """
    r = 6371008.8
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    d = 2 * r * np.arcsin(np.sqrt(a))
    return float(d) if np.ndim(d) == 0 else d
