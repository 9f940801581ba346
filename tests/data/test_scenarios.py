"""Tests of scenario files: validation, apply/revert, monotonicity, the West Ring before/after."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cztmap.analysis.compare import compare
from cztmap.analysis.matrix import station_matrix
from cztmap.data.dataset import load_dataset
from cztmap.data.scenario import apply_scenario, load_scenario, parse_scenario, shipped_scenarios
from cztmap.errors import ScenarioError
from cztmap.network.build import build_graph, scenario_graph

FAST = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
DAY = "2023-06-28"


@pytest.fixture(scope="module")
def base_ds():
    return load_dataset(as_of=DAY)


@pytest.fixture(scope="module")
def base_S():
    return station_matrix(build_graph(as_of=DAY), unit="s")


def _edges(G):
    return sorted((u, v, round(d["travel_time"], 9), d.get("mode")) for u, v, d in G.edges(data=True))


def test_empty_scenario_is_the_base_network():
    scn = parse_scenario({"name": "nothing", "as_of": DAY})
    assert scn.is_empty
    G = scenario_graph(scn)
    B = build_graph(as_of=DAY)
    assert set(G.nodes) == set(B.nodes) and _edges(G) == _edges(B)


def test_shipped_scenarios_load():
    files = shipped_scenarios()
    assert {"before_west_ring", "with_west_ring", "l2_west_ext2_schematic"} <= set(files)
    for p in files.values():
        load_scenario(p)


def _common(a, b):
    ids = [i for i in a.index if i in b.index]
    return a.loc[ids, ids].to_numpy(), b.loc[ids, ids].to_numpy()


@FAST
@given(i=st.integers(0, 10_000), j=st.integers(0, 10_000), speed=st.sampled_from([60, 80, 120]))
def test_adding_a_line_never_lengthens(base_ds, base_S, i, j, speed):
    ids = list(base_ds.stations.station_id)
    a, b = ids[i % len(ids)], ids[j % len(ids)]
    if a == b:
        return
    scn = parse_scenario(
        {
            "name": "new",
            "as_of": DAY,
            "add_line": [
                {"id": "TEST", "mode": "metro", "speed_kmh": speed, "headway_peak_min": 6, "stations": [a, b]}
            ],
        }
    )
    before, after = _common(base_S, station_matrix(scenario_graph(scn), unit="s"))
    assert (after <= before + 1e-6).all()
    assert (after < before - 1e-6).any() or np.allclose(after, before)


@FAST
@given(k=st.integers(0, 10_000), kind=st.sampled_from(["sections", "roads", "lines"]))
def test_closing_never_shortens(base_ds, base_S, k, kind):
    col = {
        "sections": (base_ds.sections, "section_id"),
        "roads": (base_ds.roads, "road_id"),
        "lines": (base_ds.lines, "line_id"),
    }[kind]
    ids = list(col[0][col[1]])
    scn = parse_scenario({"name": "shut", "as_of": DAY, "close": [{kind: [ids[k % len(ids)]]}]})
    before, after = _common(base_S, station_matrix(scenario_graph(scn), unit="s"))
    assert (after >= before - 1e-6).all()


def test_closing_a_station_lets_trains_run_through():
    scn = parse_scenario({"name": "shut", "as_of": DAY, "close": [{"stations": ["船形山"]}]})
    ds = apply_scenario(scn)
    assert "chuanxingshan" not in set(ds.stations.station_id)
    wr = ds.sections[ds.sections.line_id == "WR"]
    assert len(wr) == 7 and wr.section_id.str.contains(r"\+").any()


def test_headway_change_changes_times(base_S):
    scn = parse_scenario({"name": "fast L3", "as_of": DAY, "headway": [{"line": "L3", "peak": 2.0}]})
    before, after = _common(base_S, station_matrix(scenario_graph(scn), unit="s"))
    assert (after <= before + 1e-6).all() and (after < before - 1).any()


def _write(tmp_path, text):
    p = tmp_path / "s.toml"
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize(
    "text, needle",
    [
        ('name = "x"\nas_of = 2023-06-28\ncolor = "red"\n', "valid keys here are"),
        ('name = "x"\nas_of = 2023-06-28\n[[close]]\nstation = ["山塘"]\n', "did you mean `stations`"),
        ('name = "x"\nas_of = 2023-06-28\n[[close]]\nstations = ["山糖"]\n', "did you mean"),
        ('name = "x"\nas_of = 2023-06-28\n[[close]]\nsections = ["WR-99"]\n', "unknown section id"),
        ('name = "x"\nas_of = 2023-06-27\n[[close]]\nsections = ["WR-01"]\n', "is not open on 2023-06-27"),
        ('name = "x"\nas_of = 1990-01-01\n', "before any line"),
        ('name = "x"\nas_of = "yesterday"\n', "is not a date"),
        ('name = "x"\n', "`as_of`: missing"),
        ('name = "x"\nas_of = 2023-06-28\nperiod = "night"\n', "unknown period"),
        (
            'name = "x"\nas_of = 2023-06-28\n[[close]]\nlines = ["L3"]\n[[headway]]\nline = "L3"\npeak = 5\n',
            "both closed",
        ),
        (
            'name = "x"\nas_of = 2023-06-28\n[[close]]\nsections = ["L3-01"]\n[[headway]]\nline = "L3"\npeak = 5\n',
            "both closed",
        ),
        (
            'name = "x"\nas_of = 2023-06-28\n[[close]]\nstations = ["山塘"]\n[[add_line]]\nid = "N"\nmode = "metro"\n'
            'stations = ["山塘", "湘潭北站"]\n',
            "also served by the added line",
        ),
        (
            'name = "x"\nas_of = 2023-06-28\n[[add_line]]\nid = "N"\nmode = "tram"\nstations = ["山塘", "湘潭北站"]\n',
            "unknown mode",
        ),
        (
            'name = "x"\nas_of = 2023-06-28\n[[add_line]]\nid = "N"\nmode = "metro"\nspeed_kmh = -3\n'
            'stations = ["山塘", "湘潭北站"]\n',
            "not a positive number",
        ),
        (
            'name = "x"\nas_of = 2023-06-28\n[[add_line]]\nid = "N"\nmode = "metro"\n'
            'stations = ["山塘", {name = "far", lon = 28.0, lat = 112.9}]\n',
            "look swapped",
        ),
        (
            'name = "x"\nas_of = 2023-06-28\n[[add_line]]\nid = "WR"\nmode = "metro"\n'
            'stations = ["山塘", "湘潭北站"]\n',
            "already open",
        ),
        ('name = "x"\nas_of = 2023-06-28\n[[headway]]\nline = "WR"\npeak = 5\n', "runs through as service L3"),
        ('name = "x"\nas_of = 2023-06-28\n[[headway]]\nline = "L3"\n', "neither `peak` nor `offpeak`"),
        ('name = "x"\nas_of = [2023\n', "not valid TOML"),
    ],
)
def test_bad_scenarios(tmp_path, text, needle):
    p = _write(tmp_path, text)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(p)
    msg = str(exc.value)
    assert needle in msg and str(p) in msg


def test_missing_file(tmp_path):
    with pytest.raises(ScenarioError, match="does not exist"):
        load_scenario(tmp_path / "nope.toml")


def test_new_station_with_coordinates():
    scn = parse_scenario(
        {
            "name": "n",
            "as_of": DAY,
            "add_line": [
                {"id": "N", "mode": "metro", "stations": ["山塘", {"name": "test stop", "lon": 112.93, "lat": 28.10}]}
            ],
        }
    )
    ds = apply_scenario(scn)
    row = ds.stations[ds.stations.name_zh == "test stop"].iloc[0]
    assert row.city == "Changsha" and row.position_quality == "scenario"


def test_west_ring_before_after():
    """The West Ring serves no district seat: seat-to-seat times are unchanged (zone level), while
    on the population grid the Changsha <-> Xiangtan integration index rises and the mean time falls
    in both directions (a new rail link between them; it removes no edge, so any loss can only come
    from the access model re-linking places to a new nearest station)."""
    res = compare("before_west_ring", "with_west_ring")
    assert set(res.added_sections.line_id) == {"WR"} and res.removed_sections.empty
    assert np.allclose(res.diff.to_numpy(), 0.0)
    grid = compare("before_west_ring", "with_west_ring", level="grid")
    for a, b in (("Changsha", "Xiangtan"), ("Xiangtan", "Changsha")):
        p = grid.pair(a, b)
        assert p.loc["after", "integration_index"] > p.loc["before", "integration_index"]
        assert p.loc["after", "mean_min"] < p.loc["before", "mean_min"]


def test_compare_scenario_with_its_base():
    res = compare(shipped_scenarios()["l2_west_ext2_schematic"])
    assert list(res.added_sections.section_id) == ["L2-W2-01"]
    assert res.to_dict()["added_sections"] == ["L2-W2-01"]


def test_compare_budgets_is_a_deprecated_name_of_minutes():
    new = compare("2023-06-27", "2023-06-28", minutes=(60,))
    with pytest.warns(DeprecationWarning, match="minutes"):
        old = compare("2023-06-27", "2023-06-28", budgets=(60,))
    assert list(new.cross_city_after.columns) == list(old.cross_city_after.columns)
    assert "share_60min" in new.cross_city_after.columns
