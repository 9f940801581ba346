"""Closing never helps, adding never hurts: every pair and every summary figure of ``compare``.

Hypothesis draws closures (roads, rail sections, whole lines) of the network open on a date and compares
the network with and without them, by car and by transit. Closing may only lengthen a pair (or cut it off:
``+inf``) and may only move every cross-city figure and every zone figure the "worse" way; the same pair
read the other way round (the closure scenario as base, the open network as other) is an addition, which
may only shorten. Closing a *station* is left out on purpose: trains then run through without stopping,
which really does make through trips faster (no braking, dwell or acceleration there).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cztmap.analysis.compare import compare
from cztmap.data.dataset import load_dataset
from cztmap.data.scenario import parse_scenario
from cztmap.errors import CztmapWarning, ScenarioError
from cztmap.network.build import scenario_graph

DAY = "2026-12-01"
HYP = settings(max_examples=6, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])

_BASE = load_dataset().filter(DAY)
_OPEN = {m: scenario_graph(parse_scenario({"name": "open", "as_of": DAY}), modes=m) for m in ("car", "transit")}
ROADS = sorted(_BASE.roads.loc[_BASE.roads["status"] == "open", "road_id"])
SECTIONS = sorted(_BASE.sections["section_id"])
LINES = sorted(_BASE.lines["line_id"])

#: cross-city column → +1 if larger is better, -1 if larger is worse
BETTER = {"reachable_share": 1, "unreachable_pairs": -1, "median_min": -1, "mean_min": -1, "integration_index": 1}


def _closure(draw: st.DrawFn) -> dict:
    roads = draw(st.lists(st.sampled_from(ROADS), max_size=4, unique=True))
    sections = draw(st.lists(st.sampled_from(SECTIONS), max_size=3, unique=True))
    lines = draw(st.lists(st.sampled_from(LINES), max_size=1, unique=True))
    sections = [s for s in sections if _BASE.sections.set_index("section_id").loc[s, "line_id"] not in lines]
    close = {k: v for k, v in (("roads", roads), ("sections", sections), ("lines", lines)) if v}
    return {"name": "closed", "as_of": DAY, "close": [close] if close else []}


closures = st.composite(_closure)


def _check_worse(res, sign: int) -> None:
    """``sign=+1``: other must be no better than base (a closure); -1: no worse (an addition)."""
    b, a = res.before.to_numpy(), res.after.to_numpy()
    bad = (a < b - 1e-6) if sign > 0 else (a > b + 1e-6)
    assert not bad.any(), f"{int(bad.sum())} zone pairs moved the wrong way"
    for col in [c for c in res.cross_city_before.columns if c.startswith("share_")] + list(BETTER):
        good = BETTER.get(col, 1)
        x, y = res.cross_city_before[col].to_numpy(float), res.cross_city_after[col].to_numpy(float)
        both_inf = np.isinf(x) & np.isinf(y)
        wrong = (sign * good * (y - np.where(both_inf, y, x))) > 1e-9
        assert not wrong.any(), f"{col} moved the wrong way: {x} → {y}"
    z = res.zones
    worse_t = sign * (z["cross_city_min_after"] - z["cross_city_min_before"]) < -1e-9
    worse_r = sign * (z["reachable_share_after"] - z["reachable_share_before"]) > 1e-12
    assert not worse_t.any() and not worse_r.any(), z[worse_t | worse_r]
    if sign > 0:
        assert res.winners.empty and (z["improved_pairs"] == 0).all()
    else:
        assert res.losers.empty and (z["worsened_pairs"] == 0).all()


@HYP
@given(doc=closures())
def test_closing_never_improves_and_reopening_never_worsens(doc):
    closed = parse_scenario(doc)
    for modes in ("car", "transit"):
        g_open, g_closed = _OPEN[modes], scenario_graph(closed, modes=modes)
        _check_worse(compare(g_open, g_closed), +1)
        _check_worse(compare(g_closed, g_open), -1)


def test_a_cut_off_pair_counts_as_unreachable_not_dropped():
    # every rail line closed, transit only: the zones far from any walk are cut off -- they must show up as
    # a lower reachable share and a larger (or infinite) median, never as a faster figure
    doc = {"name": "no rail", "as_of": DAY, "close": [{"lines": LINES}]}
    res = compare(parse_scenario({"name": "open", "as_of": DAY}), parse_scenario(doc), modes="transit")
    after = res.cross_city_after
    assert (after["unreachable_pairs"] > 0).any()  # the case this test is about does happen
    assert (after["reachable_share"] <= res.cross_city_before["reachable_share"] + 1e-12).all()
    assert (after["pairs"] == res.cross_city_before["pairs"]).all()  # no pair dropped out of the count
    _check_worse(res, +1)
    doc_json = res.to_dict()
    for rec in doc_json["cross_city_after"]:
        assert all(not (isinstance(v, float) and not math.isfinite(v)) for v in rec.values())


PLACES = sorted(_BASE.stations["name_zh"])[:80] + sorted(load_dataset().districts["name_zh"])


@settings(max_examples=3, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    ends=st.lists(st.sampled_from(PLACES), min_size=2, max_size=3, unique=True),
    road_class=st.sampled_from(["expressway", "arterial", "national"]),
    speed=st.one_of(st.none(), st.floats(min_value=30, max_value=100)),
)
def test_adding_a_road_never_worsens(ends, road_class, speed):
    road = {"id": "X1", "road_class": road_class, "waypoints": ends}
    if speed is not None:
        road["speed_kmh"] = speed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CztmapWarning)  # a 30 km/h expressway is unusual, and still a road
        try:
            added = parse_scenario({"name": "road", "as_of": DAY, "add_road": [road]})
        except ScenarioError:  # e.g. two waypoints at one spot
            assume(False)
    for modes in ("car", "transit"):
        _check_worse(compare(_OPEN[modes], scenario_graph(added, modes=modes)), -1)
