"""Scenario value bounds: lengths against the straight line, speeds and headways against physical limits.

Impossible values are one-sentence :class:`ScenarioError` naming the file, the key and both numbers;
implausible-but-possible ones a :class:`CztmapWarning` naming file, key and value; and whatever hypothesis
throws at the numeric keys, the outcome is an error or a graph whose times are all finite and positive.
"""

from __future__ import annotations

import math
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cztmap.data.scenario import (
    HEADWAY_LIMITS_MIN,
    LENGTH_RATIO_LIMITS,
    SPEED_LIMITS_KMH,
    parse_scenario,
)
from cztmap.errors import CztmapWarning, ScenarioError
from cztmap.network.build import scenario_graph

DAY = "2023-06-28"
STRAIGHT_KM = 15.09  # 山塘 → 湘潭北站, straight


def _line(**kw) -> dict:
    line = {"id": "N", "mode": "metro", "speed_kmh": 80, "stations": ["山塘", "湘潭北站"], **kw}
    return {"name": "bounds", "as_of": DAY, "add_line": [line]}


def test_a_length_below_the_straight_line_names_both_numbers():
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(_line(length_km=0.001), source="f.toml")
    msg = str(exc.value)
    assert "f.toml" in msg and "`add_line[0].length_km`" in msg
    assert "0.001 km" in msg and f"{STRAIGHT_KM:.2f} km" in msg and "give the published route length" in msg


@pytest.mark.parametrize("ratio", [LENGTH_RATIO_LIMITS[1] * 1.01, 1e300])
def test_a_length_far_above_the_straight_line_is_refused(ratio):
    with pytest.raises(ScenarioError, match="times the straight line"):
        parse_scenario(_line(length_km=STRAIGHT_KM * ratio))


def test_a_long_detour_is_warned_and_accepted():
    with pytest.warns(CztmapWarning, match=r"`add_line\[0\]\.length_km`: 31 km is 2\.05 times"):
        scn = parse_scenario(_line(length_km=31.0))
    assert scn.add_lines[0]["length_km"] == 31.0


@pytest.mark.parametrize("mode,station_pair", [("metro", ["山塘", "湘潭北站"]), ("hsr", ["长沙南", "株洲西"])])
def test_speeds_above_the_physical_limit_are_errors(mode, station_pair):
    hi = SPEED_LIMITS_KMH[mode][1]
    with pytest.raises(ScenarioError, match=f"above its physical limit of {hi:g} km/h"):
        parse_scenario(_line(mode=mode, speed_kmh=hi + 1, stations=station_pair))
    with pytest.raises(ScenarioError, match="slower than a walk"):
        parse_scenario(_line(mode=mode, speed_kmh=1, stations=station_pair))


def test_an_unusual_but_possible_speed_is_a_warning():
    with pytest.warns(CztmapWarning, match="150 km/h is unusual for metro"):
        parse_scenario(_line(speed_kmh=150))


@pytest.mark.parametrize("value,phrase", [(1e308, "less often than daily"), (0.1, "closer than any signalling")])
def test_impossible_headways_are_errors(value, phrase):
    with pytest.raises(ScenarioError, match=phrase):
        parse_scenario({"name": "h", "as_of": DAY, "headway": [{"line": "L3", "peak": value}]})
    with pytest.raises(ScenarioError, match=phrase):
        parse_scenario(_line(headway_offpeak_min=value))


def test_an_unusual_headway_is_a_warning():
    with pytest.warns(CztmapWarning, match=r"`headway\[0\]\.offpeak`: a headway of 300 min is unusual"):
        parse_scenario({"name": "h", "as_of": DAY, "headway": [{"line": "L3", "offpeak": 300}]})


def test_plausible_values_pass_silently():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        parse_scenario(_line(length_km=17.0, headway_peak_min=5))


numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=1e-6, max_value=2e3),
    st.integers(min_value=-5, max_value=10**6),
)


@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(length=st.one_of(st.none(), numbers), speed=numbers, headway=st.one_of(st.none(), numbers))
def test_any_number_gives_an_error_or_finite_times(length, speed, headway):
    doc = _line(speed_kmh=speed)
    if length is not None:
        doc["add_line"][0]["length_km"] = length
    if headway is not None:
        doc["add_line"][0]["headway_peak_min"] = headway
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CztmapWarning)
        try:
            scn = parse_scenario(doc)
        except ScenarioError:
            return
    lo, hi = HEADWAY_LIMITS_MIN
    assert headway is None or lo <= headway <= hi
    G = scenario_graph(scn, modes="transit")
    times = [d["travel_time"] for _, _, d in G.edges(data=True) if d.get("line_id") == "N"]
    assert times and all(math.isfinite(t) and t > 0 for t in times)
