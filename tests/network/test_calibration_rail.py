"""China Railway run-time calibration (data/sources/rail_run_times.csv): fitted on calibration facts only,
reported on held-out validation facts, with every miss beyond the tolerance named and explained."""

from __future__ import annotations

import dataclasses

import pytest

from cztmap.errors import DataError
from cztmap.network import runtime
from cztmap.params import DEFAULTS, RANGES

#: Stated tolerance of the held-out validation facts (error against the published mid-point).
TOLERANCE_PCT = 15.0
#: Held-out facts the symmetric run-time model cannot meet, with the sign of the miss their note explains:
#: -1 the model is faster than the timetable (an allowance in that direction only), +1 slower.
EXPLAINED_MISSES = {
    "H03": -1,  # 株洲西→长沙南 18–20 min on the same track as 长沙南→株洲西 15 min: arrival allowance into 长沙南
    "R04": -1,  # 湘潭→株洲 43–52 min against 株洲→湘潭 25–26 min: allowance on the approach to 株洲
    "R05": +1,  # 长沙→湘潭 through trains avoid 株洲站; the model's path runs through it (73 km schematic)
}


@pytest.fixture(scope="module")
def fitted():
    return runtime.calibrate_rail(DEFAULTS)


@pytest.fixture(scope="module")
def report():
    return {r["fact_id"]: r for r in runtime.rail_calibration_report(DEFAULTS)}


def test_defaults_are_the_fitted_values(fitted):
    p, rows = fitted
    for mode, names in runtime.RAIL_FIT.items():
        for name in names:
            assert getattr(p, name)[mode] == getattr(DEFAULTS, name)[mode], (mode, name)
        assert p.decel_mps2[mode] == DEFAULTS.decel_mps2[mode]
    assert {r["mode"] for r in rows} == {"intercity", "hsr", "rail"}


def test_fitted_parameters_are_physical(fitted):
    p, _ = fitted
    for name in ("cruise_fraction", "accel_mps2", "decel_mps2", "default_speed_kmh", "dwell_s"):
        lo, hi, _unit, open_ = RANGES[name]
        for mode in ("intercity", "hsr", "rail"):
            v = getattr(p, name)[mode]
            assert (lo < v if open_ else lo <= v) and v <= hi, (name, mode, v)
    # never more free parameters than calibration facts
    for mode, names in runtime.RAIL_FIT.items():
        assert len(names) <= sum(f.mode == mode and f.used_for_fit for f in runtime.RAIL_FACTS)


def test_validation_facts_do_not_move_the_fit(monkeypatch, fitted):
    base, _ = fitted
    moved = tuple(
        f if f.used_for_fit else dataclasses.replace(f, low_min=f.low_min * 3, high_min=f.high_min * 3)
        for f in runtime.RAIL_FACTS
    )
    monkeypatch.setattr(runtime, "RAIL_FACTS", moved)
    again, _ = runtime.calibrate_rail(DEFAULTS)
    assert again == base


def test_calibration_facts_inside_their_published_range(report):
    """Computed model times of the fitted facts fall inside the published range (± the timetables' half minute)."""
    fit = [r for r in report.values() if r["role"] == "calibration"]
    assert {r["mode"] for r in fit} == {"intercity", "hsr", "rail"}
    hsr_rail = [r for r in fit if r["mode"] != "intercity"]
    assert hsr_rail and all(r["inside_range"] for r in hsr_rail), [r for r in hsr_rail if not r["inside_range"]]
    # the CZT's one cruise fraction on two all-stop facts: within ±10 % of 'about 50 min'
    assert all(abs(r["error_pct"]) <= 10 for r in fit if r["mode"] == "intercity")


def test_validation_facts_within_tolerance_or_an_explained_miss(report):
    held = {k: r for k, r in report.items() if r["role"] == "validation"}
    assert set(EXPLAINED_MISSES) <= set(held)
    for k, r in held.items():
        if k in EXPLAINED_MISSES:
            # still a miss, and in the direction its note explains (else this list is stale)
            assert abs(r["error_pct"]) > TOLERANCE_PCT and EXPLAINED_MISSES[k] * r["error_pct"] > 0, r
        else:
            assert abs(r["error_pct"]) <= TOLERANCE_PCT, r


def test_the_held_out_hsr_and_rail_times_from_the_issue(report):
    """The checks the issue asked for, against the published minutes in the data file."""
    facts = {f.fact_id: f for f in runtime.RAIL_FACTS}
    for k in ("H04", "H06", "R03", "R06"):  # 湘潭北→长沙南, the 2014 trial, 株洲→长沙, K9233 长沙→醴陵
        f, r = facts[k], report[k]
        assert abs(r["model_min"] - f.target_min) <= TOLERANCE_PCT / 100 * f.target_min, r
    # 长沙南→醴陵东 (the +60 % of the single-fact fit) is now a calibration fact, inside its published 24 min
    assert facts["H05"].role == "calibration" and report["H05"]["inside_range"]


def test_skip_stop_faster_than_all_stop(report):
    by = {(r["to"], r["calls"]): r["model_min"] for r in report.values()}
    assert by[("株洲南", "大丰")] < by[("株洲南", "all stations")]


def test_a_fact_off_its_lines_is_refused():
    f = dataclasses.replace(runtime.RAIL_FACTS[0], to_zh="不存在")
    with pytest.raises(ValueError, match="not on lines"):
        runtime._fact_path(f, DEFAULTS, runtime._rail_sections(f.as_of))


def test_bad_fact_files_are_refused(tmp_path):
    src = (runtime.sources_dir() / "rail_run_times.csv").read_text(encoding="utf-8").splitlines()
    header, row = src[0], src[1]
    cases = {
        "role": row.replace(",calibration,", ",fitted,"),
        "low_min <= high_min": row.replace(",15,15,", ",15,9,"),
        "numbers": row.replace(",15,15,", ",x,15,"),
        "mode": row.replace(",hsr,", ",tram,"),
    }
    for needle, bad in cases.items():
        p = tmp_path / "f.csv"
        p.write_text(header + "\n" + bad + "\n", encoding="utf-8")
        with pytest.raises(DataError, match=needle):
            runtime.read_rail_facts(p)
    with pytest.raises(DataError, match="not found"):
        runtime.read_rail_facts(tmp_path / "missing.csv")
    (tmp_path / "h.csv").write_text("fact_id,mode\n", encoding="utf-8")
    with pytest.raises(DataError, match="header row"):
        runtime.read_rail_facts(tmp_path / "h.csv")
