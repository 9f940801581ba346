"""The embedded dataset: deterministic build, committed == fresh build, validation, date filters."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cztmap import geo as coords
from cztmap._paths import geo_dir, sources_dir
from cztmap.data.build import LAYERS, build_dataset, haversine_m
from cztmap.data.dataset import load_dataset
from cztmap.data.validate import POSITION_QUALITIES, validate_dataset
from cztmap.errors import DataError, UsageError


def test_committed_layers_equal_a_fresh_build():
    texts = build_dataset(write=False)
    for name in LAYERS:
        committed = (geo_dir() / f"{name}.geojson").read_text(encoding="utf-8")
        assert committed == texts[name], f"data/geo/{name}.geojson is stale: run `cztmap data build`"


def test_build_is_byte_deterministic(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    build_dataset(out=a)
    build_dataset(out=b)
    for name in LAYERS:
        assert (a / f"{name}.geojson").read_bytes() == (b / f"{name}.geojson").read_bytes()


def test_shipped_dataset_is_valid():
    assert validate_dataset() == []


def test_everything_is_wgs84_and_sourced(ds):
    for name in LAYERS:
        gdf = getattr(ds, name)
        assert gdf.crs.to_epsg() == 4326
        assert gdf["source"].str.len().min() > 10, f"{name} has a feature without a source"
    st = ds.stations
    assert set(st["position_quality"]) <= set(POSITION_QUALITIES)
    assert (st.loc[st["position_quality"] != "sourced", "position_error_m"] > 0).all()
    assert st["position_method"].str.len().min() > 5


def test_metroman_gcj_points_were_converted(ds):
    """五一广场 is GCJ-02 (112.976341, 28.195346) in the source; shipped WGS-84 must be the inverse."""
    s = ds.stations.set_index("station_id").loc["wuyiguangchang"]
    lon, lat = coords.gcj02_to_wgs84(112.976341, 28.195346)
    assert haversine_m(s.geometry.x, s.geometry.y, lon, lat) < 0.2
    assert haversine_m(s.geometry.x, s.geometry.y, 112.976341, 28.195346) > 500


def test_wikipedia_wgs_points_were_not_shifted(ds):
    s = ds.stations.set_index("station_id").loc["changsha-south"]
    assert haversine_m(s.geometry.x, s.geometry.y, 113.0587583, 28.1502611) < 0.2


# published station counts (rail_facts.md §4)
PUBLISHED = {"L1": 25, "L2": 23, "L3": 25, "L4": 25, "L5": 18, "L6": 34, "S2": 3, "WR": 8}


@pytest.mark.parametrize("line_id,count", sorted(PUBLISHED.items()))
def test_station_counts_per_line(ds, line_id, count):
    sec = ds.sections[ds.sections["line_id"] == line_id]
    n = len(set(sec["from_station"]) | set(sec["to_station"]))
    if line_id == "WR":
        n -= 1  # its last section runs to L3's 山塘, which the published 8 excludes
    assert n == count


def test_czt_has_24_stations_including_zhuzhou(ds):
    sec = ds.sections[ds.sections["line_id"].str.startswith("CZT")]
    assert len(set(sec["from_station"]) | set(sec["to_station"])) == 24


def test_interchanges_form_complexes(ds):
    st = ds.stations.set_index("station_id")
    assert set(st.loc["wuyiguangchang", "lines"].split(";")) == {"L1", "L2"}
    assert {"L3", "WR", "L1"} <= set(st.loc["houjiatang", "lines"].split(";")) | {"WR"}
    assert "WR" in st.loc["xiangtan-north", "lines"] and "HSR-HK" in st.loc["xiangtan-north", "lines"]
    # three cities are present
    assert set(st["city"]) == {"Changsha", "Zhuzhou", "Xiangtan"}


@pytest.mark.parametrize(
    "day,present,absent",
    [
        ("2016-01-01", {"L2"}, {"L1", "WR", "CZT", "S2"}),
        ("2016-05-06", {"L2", "S2"}, {"L1"}),
        ("2016-07-01", {"L1", "L2"}, {"CZT", "WR"}),
        ("2023-06-27", {"L3", "L6", "CZT"}, {"WR"}),
        ("2023-06-28", {"WR", "L3"}, set()),
    ],
)
def test_as_of_selects_open_lines(day, present, absent):
    lines = set(load_dataset(as_of=day).sections["line_id"])
    assert present <= lines and not (absent & lines)


def test_l1_north_extension_opens_2024_06_28():
    before = load_dataset(as_of="2024-06-27").stations
    after = load_dataset(as_of="2024-06-28").stations
    assert "金盆丘" not in set(before["name_zh"]) and "金盆丘" in set(after["name_zh"])


def test_changsha_west_closed_since_2020():
    names = set(load_dataset(as_of="2021-01-01").stations["name_zh"])
    assert "长沙西站" not in names and "麓谷" in names
    assert "长沙西站" in set(load_dataset(as_of="2019-01-01").stations["name_zh"])


def test_bad_dates():
    with pytest.raises(UsageError, match="YYYY-MM-DD"):
        load_dataset(as_of="28/06/2023")
    with pytest.raises(UsageError, match="before any line"):
        load_dataset(as_of="1990-01-01")


def test_districts(ds):
    di = ds.districts
    assert len(di) == 23 and di["adcode"].is_unique
    assert di.geometry.is_valid.all()
    assert di["population"].notna().all()  # every unit has its 2020 figure (tests/data/test_population.py)
    assert set(di["city"]) == {"Changsha", "Zhuzhou", "Xiangtan"}


# ---------------------------------------------------------------------------------------------
# corrupted copies: validation must fail and name the problem
# ---------------------------------------------------------------------------------------------


def _copy(tmp_path: Path) -> Path:
    out = tmp_path / "geo"
    shutil.copytree(geo_dir(), out)
    return out


def _edit(folder: Path, layer: str, fn) -> None:
    p = folder / f"{layer}.geojson"
    doc = json.loads(p.read_text(encoding="utf-8"))
    fn(doc["features"])
    p.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def _props(features, key, value):
    return next(f["properties"] for f in features if f["properties"].get(key) == value)


CORRUPTIONS = {
    "duplicate station id": ("stations", lambda fs: fs.append(fs[0]), "not unique"),
    "section end unknown": (
        "sections",
        lambda fs: fs[0]["properties"].update(to_station="nowhere"),
        "not a station id",
    ),
    "self loop": (
        "sections",
        lambda fs: fs[0]["properties"].update(to_station=fs[0]["properties"]["from_station"]),
        "self-loop",
    ),
    "zero length": ("sections", lambda fs: fs[0]["properties"].update(length_m=0), "plausible section length"),
    "bad date": ("sections", lambda fs: fs[0]["properties"].update(opened="2016-13-45"), "ISO date"),
    "closed before opened": ("sections", lambda fs: fs[0]["properties"].update(closed="2000-01-01"), "after opened"),
    "implausible speed": ("sections", lambda fs: fs[0]["properties"].update(speed_kmh=900), "implausible"),
    "missing section": ("sections", lambda fs: fs.pop(5), "broken into"),
    "swapped coordinates": (
        "stations",
        lambda fs: fs[3]["geometry"].update(coordinates=fs[3]["geometry"]["coordinates"][::-1]),
        "swapped",
    ),
    "station outside district": (
        "stations",
        lambda fs: fs[3]["properties"].update(adcode="430225"),
        "outside district",
    ),
    "missing source": ("roads", lambda fs: fs[0]["properties"].update(source=None), "is empty"),
    "wrong type": ("districts", lambda fs: fs[0]["properties"].update(seat_lon="112.9"), "type str"),
    "bad colour": ("sections", lambda fs: fs[0]["properties"].update(colour="red"), "colour"),
    "long line": (
        "sections",
        lambda fs: [
            f["properties"].update(length_m=f["properties"]["length_m"] * 1.5)
            for f in fs
            if f["properties"]["line_id"] == "L4"
        ],
        "published",
    ),
}


@pytest.mark.parametrize("case", sorted(CORRUPTIONS))
def test_validate_catches_corruption(tmp_path, case):
    layer, fn, expected = CORRUPTIONS[case]
    folder = _copy(tmp_path)
    _edit(folder, layer, fn)
    problems = validate_dataset(folder)
    assert problems, f"{case}: no problem reported"
    text = "\n".join(str(p) for p in problems)
    assert expected in text
    assert f"{layer}.geojson" in text or "lines.geojson" in text


def test_unreadable_layers_raise_data_error(tmp_path):
    folder = _copy(tmp_path)
    (folder / "roads.geojson").write_text("{not json", encoding="utf-8")
    with pytest.raises(DataError, match=r"roads\.geojson.*not valid JSON.*cztmap data build"):
        validate_dataset(folder)
    (folder / "roads.geojson").write_bytes('{"a": "长沙"}'.encode("gbk"))
    with pytest.raises(DataError, match=r"not UTF-8"):
        load_dataset(path=folder)
    (folder / "roads.geojson").unlink()
    with pytest.raises(DataError, match="missing"):
        load_dataset(path=folder)


def test_load_refuses_corrupt_copy(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "sections", lambda fs: fs[0]["properties"].update(from_station=None))
    with pytest.raises(DataError, match=r"sections\.geojson"):
        load_dataset(path=folder)


def test_build_from_copied_sources(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(sources_dir(), src)
    texts = build_dataset(src, tmp_path / "out")
    assert (tmp_path / "out" / "stations.geojson").read_text(encoding="utf-8") == texts["stations"]
    (src / "rail_stations.csv").write_bytes("line_id,seq\nL1,1\n".encode("utf-16"))
    with pytest.raises(DataError, match="UTF-8"):
        build_dataset(src, tmp_path / "out2")


def test_line_under_construction_is_kept_but_not_in_service(ds):
    """L2 west extension phase 2: sourced termini and length, drawn schematically, never routed."""
    from cztmap.network.build import build_graph

    sec = ds.sections[ds.sections["line_id"] == "L2-W2"]
    assert len(sec) == 1 and sec["status"].iloc[0] == "under_construction" and sec["opened"].isna().all()
    assert sec["length_m"].iloc[0] == 13820.0  # published 13.82 km (rail_lines.csv)
    assert "L2-W2" not in set(load_dataset(as_of="2026-11-28").sections["line_id"])
    G = build_graph(ds, as_of=None)
    assert not any(d.get("line_id") == "L2-W2" for _, _, d in G.edges(data=True))
