"""Tests of the analysis layer: matrices, isochrones, integration, criticality."""

from __future__ import annotations

import itertools
import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

from cztmap.analysis.criticality import criticality
from cztmap.analysis.integration import accessibility, cross_city_table, grid_population
from cztmap.analysis.isochrones import check_budgets, isochrones
from cztmap.analysis.matrix import hex_grid, point_matrix, station_matrix, zone_matrix
from cztmap.data.dataset import load_dataset
from cztmap.errors import StationNotFoundError, UsageError
from cztmap.network.build import build_graph, sink

FAST = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def G():
    return build_graph(as_of="2023-06-28")


@pytest.fixture(scope="module")
def S(G):
    return station_matrix(G, unit="s")


def test_station_matrix_equals_networkx_to_the_second(G, S):
    ids = list(S.index)
    for sid in ids[::7]:
        ref = nx.single_source_dijkstra_path_length(G, f"S:{sid}", weight="travel_time")
        for tid in ids:
            assert S.loc[sid, tid] == pytest.approx(ref.get(f"S:{tid}", math.inf), abs=1.0)


def test_zone_matrix_equals_networkx(G):
    Z = zone_matrix(G, unit="s")
    for a in list(Z.index)[::5]:
        ref = nx.single_source_dijkstra_path_length(G, f"Z:{a}", weight="travel_time")
        for b in Z.columns:
            want = 0.0 if a == b else ref.get(sink(f"Z:{b}"), math.inf)
            assert Z.loc[a, b] == pytest.approx(want, abs=1.0)


def test_station_matrix_minutes_and_diagonal(G, S):
    M = station_matrix(G)
    assert np.allclose(M.to_numpy() * 60, S.to_numpy())
    assert (np.diag(M.to_numpy()) == 0).all()


def test_triangle_inequality_whole_matrix(S):
    m = S.to_numpy()
    via = np.min(m[:, :, None] + m[None, :, :], axis=1)  # best i -> j -> k over every j
    assert (m <= via + 1e-6).all()


@FAST
@given(data=st.data())
def test_triangle_inequality_sampled(S, data):
    n = len(S)
    i, j, k = (data.draw(st.integers(0, n - 1)) for _ in range(3))
    m = S.to_numpy()
    assert m[i, k] <= m[i, j] + m[j, k] + 1e-6


def test_point_matrix_and_hex_grid(G):
    grid = hex_grid((112.90, 28.10, 112.98, 28.20), 2000)
    assert grid.crs.to_string() == "EPSG:4326" and len(grid) > 5
    m = point_matrix(G, grid.head(6), id_column="hex_id")
    assert m.shape == (6, 6) and (np.diag(m.to_numpy()) == 0).all()
    z = point_matrix(G, grid.head(2), id_column="hex_id", to="zones")
    assert z.shape[1] == 23
    pts = gpd.GeoDataFrame(geometry=[Point(120.0, 30.0)], crs="EPSG:4326")
    with pytest.raises(UsageError):
        point_matrix(G, pts)


@FAST
@given(budgets=st.lists(st.integers(5, 90), min_size=1, max_size=4, unique=True), idx=st.integers(0, 150))
def test_isochrones_nest(G, budgets, idx):
    origins = [d["station_id"] for _, d in G.nodes(data=True) if d.get("kind") == "station"]
    iso = isochrones(G, origins[idx % len(origins)], minutes=budgets)
    assert list(iso["minutes"]) == sorted(budgets)
    assert iso.crs.to_string() == "EPSG:4326"
    geoms = list(iso.geometry)
    for small, big in itertools.pairwise(geoms):
        assert small.difference(big).area < 1e-12
    assert (iso["area_km2"].diff().dropna() >= -1e-9).all()


def test_isochrone_from_point_and_access_speed(G):
    walk = isochrones(G, (112.95, 28.20), minutes=[30])
    car = isochrones(G, (112.95, 28.20), minutes=[30], speed_beyond="access")
    assert car.area_km2.iloc[0] > walk.area_km2.iloc[0] > 0
    assert "X:origin" not in G  # G itself untouched


@pytest.mark.parametrize("bad", [[0], [-5], [float("nan")], [float("inf")], ["30"], [True], [], None])
def test_bad_budgets(G, bad):
    with pytest.raises(UsageError):
        isochrones(G, "山塘", minutes=bad)


def test_unknown_origin_suggests(G):
    with pytest.raises(StationNotFoundError):
        isochrones(G, "湘潭北战", minutes=[30])


def test_check_budgets_sorted_unique():
    assert check_budgets([60, 30, 30.0]) == [30.0, 60.0]


def test_cross_city_table(G):
    tab = cross_city_table(G)
    assert len(tab) == 6
    assert tab.attrs["population_missing"] == []  # every district has its 2020 figure
    shares = tab[["share_30min", "share_45min", "share_60min", "share_90min"]].to_numpy()
    assert (np.diff(shares, axis=1) >= 0).all() and ((shares >= 0) & (shares <= 1)).all()
    # the transit network is symmetric, so A -> B equals B -> A (with cars it is not: park and ride, no ride and drive)
    t = cross_city_table(build_graph(as_of=G.graph["as_of"], modes="transit")).set_index(
        ["origin_city", "destination_city"]
    )
    assert t.loc[("Changsha", "Xiangtan"), "mean_min"] == pytest.approx(t.loc[("Xiangtan", "Changsha"), "mean_min"])
    within = cross_city_table(G, include_within=True)
    assert len(within) == 9


def test_grid_population_conserves_population():
    g = grid_population(5000)
    assert g.population.sum() == pytest.approx(load_dataset().districts["population"].sum())
    assert g.attrs["population_surface"] == "uniform within each district"


def test_accessibility(G):
    acc = accessibility(G, minutes=[30, 60])
    assert (acc["within_60min"] >= acc["within_30min"]).all()
    assert acc.attrs["population_missing"] == []
    p = accessibility(G, decay="power", beta=1.0, other_cities_only=True)
    assert (p["gravity"] > 0).all()
    with pytest.raises(UsageError):
        accessibility(G, decay="linear")


def test_criticality_ranks_and_is_fast(G):
    r = criticality(G)
    assert r.attrs["tested"] > 300 and r.attrs["elapsed_s"] < 15
    assert (r["index_loss"].diff().dropna() <= 1e-12).all()
    assert (r["index_loss"] >= -1e-12).all()  # closing something never raises the index
    assert set(r["kind"]) == {"station", "section", "road"}
    with pytest.raises(UsageError):
        criticality(G, kinds=["bridge"])


def test_budgets_is_the_deprecated_name_of_minutes(G):
    """``budgets=`` still works everywhere it did, warns, and gives what ``minutes=`` gives; both at once is an error."""
    new = cross_city_table(G, minutes=[45, 60])
    with pytest.warns(DeprecationWarning, match=r"cross_city_table\(minutes=\.\.\.\)"):
        old = cross_city_table(G, budgets=[45, 60])
    pd.testing.assert_frame_equal(new, old)
    with pytest.warns(DeprecationWarning, match=r"accessibility\(minutes=\.\.\.\)"):
        acc_old = accessibility(G, budgets=[60])
    pd.testing.assert_frame_equal(accessibility(G, minutes=[60]), acc_old)
    with pytest.raises(UsageError, match="both minutes= and budgets="):
        accessibility(G, minutes=[60], budgets=[60])
