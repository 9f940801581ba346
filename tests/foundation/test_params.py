"""Params are typed, finite and within their documented physical ranges, however they are made."""

from __future__ import annotations

import dataclasses
import math

import pytest

from cztmap.errors import UsageError
from cztmap.params import DEFAULTS, RANGES, SOURCES, Params


def test_every_numeric_parameter_has_a_range_and_a_source():
    for f in dataclasses.fields(Params):
        assert f.name in SOURCES, f.name
        value = getattr(DEFAULTS, f.name)
        flat = list(value.values()) if isinstance(value, dict) else [value]
        numeric = any(isinstance(v, int | float | tuple) and not isinstance(v, bool) for v in flat)
        clocks = all(isinstance(v, str) or (isinstance(v, tuple) and all(isinstance(x, str) for x in v)) for v in flat)
        if numeric and not clocks and not isinstance(value, tuple):
            assert f.name in RANGES, f"{f.name} needs a physical range in cztmap.params.RANGES"


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, 0.0, -1.2, 1e308, "1.2", None, True])
def test_walk_speed_rejects_non_physical_values(bad):
    with pytest.raises(UsageError, match="walk_speed_mps"):
        DEFAULTS.replace(walk_speed_mps=bad)


@pytest.mark.parametrize(
    ("change", "phrase"),
    [
        ({"dwell_s": {"metro": math.nan}}, r"dwell_s\['metro'\] = nan is not a finite number"),
        ({"dwell_s": {"tram": 10.0}}, "has no key 'tram'"),
        ({"dwell_s": 30.0}, "is a table by key"),
        ({"default_headway_min": {"metro": (0.0, 9.0)}}, "outside its physical range"),
        ({"default_headway_min": {"metro": (8.0,)}}, "must have 2 values"),
        ({"access_k": 0}, "outside its physical range"),
        ({"access_k": 2.5}, "not a whole number"),
        ({"cruise_fraction": {"metro": 1.5}}, r"\(0, 1\]"),
        ({"road_congestion_factor": {"peak": 0.0}}, "outside its physical range"),
        ({"wait_fraction": -0.1}, r"\[0, 1\]"),
        ({"walk_detour": 0.5}, r"\[1, 5\]"),
        ({"nonsense": 1}, "Unknown model parameter"),
    ],
)
def test_bad_replacements_name_the_parameter(change, phrase):
    with pytest.raises(UsageError, match=phrase):
        DEFAULTS.replace(**change)


def test_direct_construction_is_checked_too():
    with pytest.raises(UsageError, match="access_speed_kmh"):
        Params(access_speed_kmh=math.nan)


def test_partial_dicts_keep_the_other_keys():
    p = DEFAULTS.replace(dwell_s={"metro": 20.0}, walk_speed_mps=1.0)
    assert p.dwell_s == {**DEFAULTS.dwell_s, "metro": 20.0} and p.walk_speed_mps == 1.0
    assert DEFAULTS.dwell_s["metro"] == 30.0  # the defaults are untouched


def test_boundaries_are_accepted():
    for name, (lo, hi, _unit, open_) in RANGES.items():
        value = getattr(DEFAULTS, name)
        top = int(hi) if name == "access_k" else hi
        if isinstance(value, dict):
            k = next(iter(value), "any-key")  # an open override table may start empty
            v = value.get(k, top)
            new = (top, top) if isinstance(v, tuple) else top
            DEFAULTS.replace(**{name: {k: new}})
        else:
            DEFAULTS.replace(**{name: top})
            if not open_:
                DEFAULTS.replace(**{name: int(lo) if name == "access_k" else lo})
