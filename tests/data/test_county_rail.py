"""County rail: every county-level unit is served by a station of the dataset or has a sourced 'none'.

The facts live in ``data/sources/county_rail.csv`` (one row per county-level unit) and in the CR rows
of ``rail_stations.csv`` / ``cr_station_positions.csv``; these tests check the built layers against
them, so a station dropped by the build, a county placed wrongly, or a new station in a county recorded
as having none fails here.
"""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from cztmap._paths import sources_dir
from cztmap.data.dataset import load_dataset
from cztmap.data.services import RAIL_MODES
from cztmap.network.build import build_graph
from cztmap.network.routing import route

AS_OF = dt.date(2026, 12, 1)


def _county_rows() -> list[dict[str, str]]:
    with open(sources_dir() / "county_rail.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def ds():
    return load_dataset().filter(AS_OF)


def test_one_row_per_county_level_unit(ds) -> None:
    rows = _county_rows()
    assert sorted(r["adcode"] for r in rows) == sorted(ds.districts["adcode"])
    assert {r["status"] for r in rows} <= {"served", "none", "none_found"}
    for r in rows:
        assert r["source"].strip(), f"{r['name_zh']}: every statement needs its source"


def test_served_counties_have_their_stations_open(ds) -> None:
    st = ds.stations
    open_lines = st[st["lines"] != ""]
    for r in _county_rows():
        in_county = open_lines[open_lines["adcode"] == r["adcode"]]
        if r["status"] == "served":
            for name in r["stations"].split(";"):
                hit = in_county[in_county["name_zh"] == name]
                assert len(hit) == 1, f"{name} should be an open station in {r['name_zh']} on {AS_OF}"
        else:
            # a county recorded as having no passenger station must not have one in the layers
            assert in_county.empty, f"{r['name_zh']} is recorded '{r['status']}' but has {list(in_county.name_zh)}"


def test_county_stations_carry_position_quality_and_error(ds) -> None:
    st = ds.stations.set_index("name_zh")
    with open(sources_dir() / "cr_station_positions.csv", encoding="utf-8", newline="") as fh:
        table = list(csv.DictReader(fh))
    assert table
    for r in table:
        row = st.loc[r["station_zh"]]
        assert row["position_quality"] == r["position_quality"]
        assert row["position_error_m"] == float(r["expected_error_m"])
        if r["position_quality"] == "estimated":
            assert row["position_error_m"] >= 1000  # a stand-in position says how far off it may be
            assert "no published coordinate" in row["position_method"]


def test_conventional_rail_is_its_own_mode(ds) -> None:
    assert "rail" in RAIL_MODES
    sec = ds.sections
    conventional = sec[sec["line_id"].str.startswith("RAIL-")]
    assert not conventional.empty
    assert set(conventional["mode"]) == {"rail"}
    assert (conventional["status"] == "open").all()


def test_opening_dates_make_as_of_correct() -> None:
    before = load_dataset().filter(dt.date(2022, 9, 5))
    after = load_dataset().filter(dt.date(2022, 9, 6))
    assert "宁乡西站" not in set(before.stations.loc[before.stations["lines"] != "", "name_zh"])
    assert "宁乡西站" in set(after.stations.loc[after.stations["lines"] != "", "name_zh"])
    early = load_dataset().filter(dt.date(2020, 6, 29))
    assert "RAIL-LC" not in set(early.sections["line_id"])


@pytest.fixture(scope="module")
def graph():
    return build_graph(as_of=AS_OF.isoformat(), zones=False)


@pytest.mark.parametrize(
    ("origin", "dest", "line"),
    [("醴陵东站", "长沙南站", "HSR-HKE"), ("宁乡西站", "长沙站", "HSR-CYC"), ("湘乡站", "湘潭站", "RAIL-HK")],
)
def test_county_stations_are_routable(graph, origin: str, dest: str, line: str) -> None:
    it = route(graph, origin, dest)
    rides = [leg for leg in it.legs if leg.kind == "ride"]
    assert rides and rides[0].line_id == line
    assert 5 * 60 < it.total_s < 240 * 60
