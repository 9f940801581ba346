"""The shipped project scenarios (what the region is building): each parses, says what is schematic, and
``cztmap compare`` runs on it with a before/after table."""

from __future__ import annotations

import json

import pytest

from cztmap.cli import main
from cztmap.data.scenario import load_scenario, shipped_scenarios

PROJECTS = {
    "project_s1_changning": "S1-CN",
    "project_changliu_clx": "CLX",
    "project_west_ring_phase2": "WR2",
    "l2_west_ext2_schematic": "L2-W2",
    "project_rongcheng_roads": None,
    "without_rongcheng_roads": None,  # the counterfactual: the open 融城干道 closed
}
#: road projects: scenario → the roads it adds
ROADS = {"project_rongcheng_roads": ["R05", "R06", "R07", "R08", "R09", "R11"], "without_rongcheng_roads": []}


def test_every_project_ships_as_a_scenario():
    assert set(PROJECTS) <= set(shipped_scenarios())


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_project_scenario_is_sourced_and_flags_what_is_schematic(name):
    path = shipped_scenarios()[name]
    text = path.read_text(encoding="utf-8")
    assert "http" in text and ("SCHEMATIC" in text or "cannot be drawn" in text)
    scn = load_scenario(path)
    if PROJECTS[name]:
        assert [a["id"] for a in scn.add_lines] == [PROJECTS[name]]
        assert all(a.get("source") for a in scn.add_lines)
    elif ROADS[name]:
        assert [r["id"] for r in scn.add_roads] == ROADS[name]
        assert all(r.get("source") for r in scn.add_roads)
    else:
        assert scn.closures["roads"]


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_compare_runs_on_each_project(name, capsys):
    assert main(["compare", name, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc, "compare printed an empty result"
    text = json.dumps(doc, ensure_ascii=False)
    assert "Changsha" in text and "Xiangtan" in text
