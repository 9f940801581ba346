"""Layer, table and graph export: readable back with geopandas / networkx."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import networkx as nx
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import LineString, Point

from cztmap.data.dataset import load_dataset
from cztmap.errors import UsageError
from cztmap.io.layers import read_graph, write_frame, write_graph, write_layers
from cztmap.network.build import build_graph


@pytest.fixture(scope="module")
def ds():
    return load_dataset(as_of="2024-01-01")


def test_gpkg_all_layers(tmp_path: Path, ds) -> None:
    out = write_layers(tmp_path / "czt.gpkg", ds=ds)
    assert out == [tmp_path / "czt.gpkg"]
    names = [n for n, _ in pyogrio.list_layers(out[0])]
    assert names == ["stations", "sections", "lines", "roads", "districts"]
    st = gpd.read_file(out[0], layer="stations")
    assert len(st) == len(ds.stations) and st.crs.to_epsg() == 4326
    assert set(st["station_id"]) == set(ds.stations["station_id"])
    assert list(tmp_path.iterdir()) == [tmp_path / "czt.gpkg"]  # no scratch files left


def test_parquet_one_file_per_layer(tmp_path: Path, ds) -> None:
    out = write_layers(tmp_path / "czt.parquet", ds=ds, layers=["stations", "sections"])
    assert [p.name for p in out] == ["czt.stations.parquet", "czt.sections.parquet"]
    sec = gpd.read_parquet(out[1])
    assert len(sec) == len(ds.sections) and sec.geometry.geom_type.eq("LineString").all()
    single = write_layers(tmp_path / "roads.parquet", ds=ds, layers=["roads"])
    assert single == [tmp_path / "roads.parquet"] and len(gpd.read_parquet(single[0])) == len(ds.roads)


def test_geojson(tmp_path: Path) -> None:
    out = write_layers(tmp_path / "d.geojson", layers="districts", as_of="2024-01-01")
    back = gpd.read_file(out[0])
    assert len(back) == 23 and "adcode" in back


def test_unknown_extension_and_layer(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"use one of \.gpkg, \.parquet, \.geojson"):
        write_layers(tmp_path / "x.shp")
    with pytest.raises(UsageError, match="Unknown layer"):
        write_layers(tmp_path / "x.gpkg", layers=["metro"])
    with pytest.raises(UsageError, match=r"\.csv"):
        write_frame(pd.DataFrame({"a": [1]}), tmp_path / "x.xlsx")


def test_export_frame_formats(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame(
        {"minutes": [15, 30], "name": ["a", "b"]},
        geometry=[Point(112.9, 28.2).buffer(0.01), Point(113.0, 28.1).buffer(0.02)],
        crs="EPSG:4326",
    )
    for ext in (".gpkg", ".parquet", ".geojson"):
        p = write_frame(gdf, tmp_path / f"iso{ext}")
        back = gpd.read_parquet(p) if ext == ".parquet" else gpd.read_file(p)
        assert list(back["minutes"]) == [15, 30]
        assert back.geometry.geom_equals_exact(gdf.geometry, tolerance=1e-9).all()
    p = write_frame(gdf, tmp_path / "iso.csv")
    assert pd.read_csv(p)["geometry"].str.startswith("POLYGON").all()
    matrix = pd.DataFrame({"from": ["a"], "to": ["b"], "minutes": [12.5]})
    assert pd.read_parquet(write_frame(matrix, tmp_path / "m.parquet"))["minutes"].tolist() == [12.5]
    with pytest.raises(UsageError, match="geometry"):
        write_frame(matrix, tmp_path / "m.gpkg")


def test_graphml_round_trip(tmp_path: Path, ds) -> None:
    G = build_graph(ds, as_of=None, zones=True)
    p = write_graph(G, tmp_path / "g.graphml")
    H = read_graph(p)
    assert set(H.nodes) == set(G.nodes) and all(isinstance(n, str) for n in H.nodes)
    assert H.number_of_edges() == G.number_of_edges()
    for u, v, k, d in G.edges(keys=True, data=True):
        h = H.edges[u, v, k]
        assert h["travel_time"] == d["travel_time"] and h["mode"] == d["mode"]
    n = next(n for n in G if n.startswith("Z:"))
    assert H.nodes[n]["x"] == G.nodes[n]["x"] and H.nodes[n]["adcode"] == G.nodes[n]["adcode"]
    assert isinstance(H.nodes[n]["street_count"], int)
    e = next((u, v, k) for u, v, k, d in G.edges(keys=True, data=True) if "geometry" in d)
    assert isinstance(H.edges[e]["geometry"], LineString)
    assert H.graph["crs"] == "EPSG:4326" and H.graph["as_of"] == G.graph["as_of"]
    with pytest.raises(UsageError, match=r"\.graphml"):
        write_graph(G, tmp_path / "g.xml")


def test_old_file_verbs_warn_and_still_work(tmp_path):
    from cztmap.io import layers

    G = nx.MultiDiGraph(crs="EPSG:4326")
    G.add_node("S:a", x=112.9, y=28.2, kind="station")
    G.add_node("S:b", x=112.91, y=28.21, kind="station")
    G.add_edge("S:a", "S:b", mode="walk", length=100.0, travel_time=80.0)
    with pytest.warns(DeprecationWarning, match="write_graph"):
        layers.export_graph(G, tmp_path / "g.graphml")
    with pytest.warns(DeprecationWarning, match="read_graph"):
        H = layers.load_graph(tmp_path / "g.graphml")
    assert set(H.nodes) == {"S:a", "S:b"} and H["S:a"]["S:b"][0]["travel_time"] == 80.0
