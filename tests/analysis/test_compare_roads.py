"""A road scenario's comparison names the roads it adds or removes, and its diff map draws them."""

from __future__ import annotations

import json

import pytest

from cztmap.analysis.compare import compare
from cztmap.data.scenario import load_scenario
from cztmap.viz import maps


@pytest.fixture(scope="module")
def added():
    return compare("project_rongcheng_roads", modes="car")


def test_added_roads_are_the_scenarios_roads(added) -> None:
    want = sorted(r["id"] for r in load_scenario("project_rongcheng_roads").add_roads)
    assert added.road_changes() == (want, [])
    assert added.added_roads["geometry"].notna().all() and (added.added_roads.to_crs(32649).length > 1000).all()
    assert json.loads(json.dumps(added.to_dict()))["added_roads"] == want
    assert "roads added 新增道路" in added._repr_html_()


def test_closed_roads_are_listed_as_removed() -> None:
    res = compare("without_rongcheng_roads", modes="car")
    closed = sorted(load_scenario("without_rongcheng_roads").closures["roads"])
    assert res.road_changes() == ([], closed)


def test_transit_comparisons_have_no_road_layer() -> None:
    res = compare("before_west_ring", "with_west_ring")
    assert res.road_changes() == ([], [])


def test_diff_map_draws_added_roads(added) -> None:
    m = maps.diff_map(
        added.base_sections, added.other_sections, added_roads=added.added_roads, removed_roads=added.removed_roads
    )
    assert m._cztmap_counts["road-added"] >= len(added.added_roads)
    html = m.get_root().render()
    assert "cztmap-road-added" in html and "Roads 道路 (schematic 示意)" in html
