"""The offline basemap layers: committed files equal a fresh build, sourced and in the region."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from cztmap._paths import geo_dir
from cztmap.data.basemap import BASEMAP_LAYERS, build_basemap, read_basemap


def test_committed_basemap_equals_a_fresh_build(tmp_path: Path) -> None:
    texts = build_basemap(out=tmp_path)
    for name in BASEMAP_LAYERS:
        committed = (geo_dir() / "basemap" / f"{name}.geojson").read_text(encoding="utf-8")
        assert texts[name] == committed, f"data/geo/basemap/{name}.geojson is stale: run build_basemap()"
        assert (tmp_path / f"{name}.geojson").read_text(encoding="utf-8") == committed


def test_basemap_layers_are_sourced_and_cover_the_three_cities() -> None:
    layers = read_basemap()
    districts = gpd.read_file(geo_dir() / "districts.geojson")
    for name, gdf in layers.items():
        assert gdf.crs is not None and gdf.crs.to_epsg() == 4326, name
        assert gdf["source"].notna().all() and (gdf["source"].str.len() > 10).all(), name
    water = layers["water"]
    xiang = water[water["name_zh"] == "湘江"].to_crs(32649)
    # the Xiang crosses all three cities: it meets each city's urban districts
    urban = districts[districts["kind"] == "district"].dissolve("city").to_crs(32649)
    for city in ("Changsha", "Zhuzhou", "Xiangtan"):
        assert xiang.intersects(urban.loc[city].geometry).any(), city
    b = layers["boundaries"]
    assert sorted(b.loc[b["level"] == "city", "name_en"]) == ["Changsha", "Xiangtan", "Zhuzhou"]
    assert (b["level"] == "district").sum() == len(districts)
    assert b["name_zh"].notna().all() and b["name_en"].notna().all()
    seats = layers["places"]
    assert (seats["kind"] == "county_seat").sum() >= 5 and (seats["kind"] == "city_label").sum() == 3
    assert len(layers["roads"]) > 0


def test_water_is_near_stations_on_the_river() -> None:
    """橘子洲 station lies under the Xiang on Orange Isle: the WDBII centre line passes within its stated error."""
    from cztmap.data.basemap import WATER_ERROR_M

    water = read_basemap()["water"]
    xiang = water[water["name_zh"] == "湘江"].to_crs(32649)
    st = gpd.read_file(geo_dir() / "stations.geojson")
    isle = st[st["name_zh"] == "橘子洲"].to_crs(32649).geometry.iloc[0]
    assert float(xiang.distance(isle).min()) < WATER_ERROR_M
