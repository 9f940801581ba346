"""Datum conversions: round trips (property tests), cross-check with independent implementations."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point

from cztmap import geo as coords
from cztmap.data.build import haversine_m
from cztmap.errors import UsageError

china_lon = st.floats(73.0, 135.0)
china_lat = st.floats(3.0, 53.0)
czt_lon = st.floats(111.8, 114.3)
czt_lat = st.floats(26.0, 28.8)


@settings(max_examples=300, deadline=None)
@given(czt_lon, czt_lat)
def test_gcj_round_trip_region_better_than_1cm(lon, lat):
    g = coords.wgs84_to_gcj02(lon, lat)
    back = coords.gcj02_to_wgs84(*g)
    assert haversine_m(lon, lat, back[0], back[1]) < 0.01


@settings(max_examples=300, deadline=None)
@given(china_lon, china_lat)
def test_gcj_round_trip_all_china(lon, lat):
    back = coords.gcj02_to_wgs84(*coords.wgs84_to_gcj02(lon, lat))
    assert haversine_m(lon, lat, back[0], back[1]) < 0.01


@settings(max_examples=200, deadline=None)
@given(china_lon, china_lat)
def test_bd_round_trip(lon, lat):
    back = coords.bd09_to_wgs84(*coords.wgs84_to_bd09(lon, lat))
    assert haversine_m(lon, lat, back[0], back[1]) < 0.01
    g = coords.bd09_to_gcj02(*coords.gcj02_to_bd09(lon, lat))
    assert haversine_m(lon, lat, g[0], g[1]) < 0.01


@settings(max_examples=200, deadline=None)
@given(st.floats(-180, 180), st.floats(-89, 89))
def test_outside_china_passes_through(lon, lat):
    if not bool(coords.out_of_china(lon, lat)):
        return
    assert coords.wgs84_to_gcj02(lon, lat) == (lon, lat)
    assert coords.gcj02_to_wgs84(lon, lat) == (lon, lat)


@settings(max_examples=200, deadline=None)
@given(czt_lon, czt_lat)
def test_forward_matches_coordtransform_package(lon, lat):
    """coordTransform (PyPI, MIT, github.com/pkufool/coordTransform) implements the same public formula."""
    from coordTransform import coordTransform as ct

    ref = ct.wgs84_to_gcj02(lon, lat)
    ours = coords.wgs84_to_gcj02(lon, lat)
    assert abs(ours[0] - ref[0]) < 1e-9 and abs(ours[1] - ref[1]) < 1e-9
    ref_bd = ct.gcj02_to_bd09(lon, lat)
    ours_bd = coords.gcj02_to_bd09(lon, lat)
    assert abs(ours_bd[0] - ref_bd[0]) < 1e-9 and abs(ours_bd[1] - ref_bd[1]) < 1e-9


@settings(max_examples=100, deadline=None)
@given(czt_lon, czt_lat)
def test_forward_matches_eviltransform_and_inverse_beats_it(lon, lat):
    """eviltransform (PyPI, github.com/googollee/eviltransform) is a second implementation (lat, lon order)."""
    import eviltransform

    glat, glon = eviltransform.wgs2gcj(lat, lon)
    ours = coords.wgs84_to_gcj02(lon, lat)
    assert haversine_m(ours[0], ours[1], glon, glat) < 0.05
    # its exact inverse is iterative too; ours must be at least as close to the truth
    ilat, ilon = eviltransform.gcj2wgs_exact(glat, glon)
    mine = coords.gcj02_to_wgs84(glon, glat)
    assert haversine_m(lon, lat, mine[0], mine[1]) <= haversine_m(lon, lat, ilon, ilat) + 0.01


def test_known_offset_in_changsha():
    # shared/data/sources/README.md: about +0.0056° lon and −0.0034° lat in this region
    lon, lat = coords.wgs84_to_gcj02(112.98, 28.19)
    assert 0.005 < lon - 112.98 < 0.0062 and -0.004 < lat - 28.19 < -0.0028


def test_reference_station_lands_48m_from_metroman():
    # rail_facts.md §8: ja.wikipedia 長沙南駅 (WGS-84) converted lands 48 m from metroman's GCJ-02 station
    g = coords.wgs84_to_gcj02(113.0587583, 28.1502611)
    assert abs(haversine_m(g[0], g[1], 113.065055, 28.146942) - 48) < 5


def test_vectorised_and_scalar_agree():
    lon = np.array([112.9, 113.1, 2.35])
    lat = np.array([28.2, 27.8, 48.85])
    vx, vy = coords.wgs84_to_gcj02(lon, lat)
    for i in range(3):
        sx, sy = coords.wgs84_to_gcj02(float(lon[i]), float(lat[i]))
        assert vx[i] == pytest.approx(sx, abs=1e-12) and vy[i] == pytest.approx(sy, abs=1e-12)
    assert vx[2] == 2.35  # Paris is outside China


def test_transform_geometries_and_frames():
    import geopandas as gpd

    line = LineString([(112.9, 28.2), (113.0, 28.1)])
    shifted = coords.transform(line, "WGS-84", "GCJ-02")
    assert shifted.coords[0] == pytest.approx(coords.wgs84_to_gcj02(112.9, 28.2))
    gdf = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(112.9, 28.2)], crs="EPSG:4326")
    out = coords.to_gcj02(gdf)
    assert out.crs == gdf.crs and out.geometry.iloc[0].x == pytest.approx(coords.wgs84_to_gcj02(112.9, 28.2)[0])
    assert gdf.geometry.iloc[0].x == 112.9  # input untouched
    back = coords.transform(out, "gcj02", "wgs84")
    assert back.geometry.iloc[0].distance(gdf.geometry.iloc[0]) < 1e-9


def test_unknown_datum_is_a_usage_error():
    with pytest.raises(UsageError, match="Unknown datum"):
        coords.convert(1, 2, "WGS-84", "ETRS89")
