"""Opening a line never lengthens a trip: every shipped scenario against its base, at grid level.

A scenario that only adds (a line, an extension, an opening date) must give every grid-cell pair a
time no longer than its base. The grid is coarse (5-km hexagons) to keep the test fast; the rules that
made the L2 west extension lengthen 320 pairs (a place linked to "the nearest station of each line",
which a new station could replace) are gone: places link to stations within walking distance and to the
fixed road mesh only.
"""

from __future__ import annotations

import numpy as np
import pytest

from cztmap.analysis.integration import analysis_units, unit_matrix
from cztmap.data.scenario import load_scenario, shipped_scenarios
from cztmap.network.build import build_graph, scenario_graph

#: shipped scenario → what it adds to (date of the base network)
PAIRS = {"l2_west_ext2_schematic": None, "with_west_ring": "before_west_ring"}


def _grid_minutes(G):
    H, orig, dest, units = analysis_units(G, level="grid", grid_size_m=5000)
    return unit_matrix(H, orig, dest), units


@pytest.mark.parametrize("modes", ["transit", None])
@pytest.mark.parametrize("name", sorted(PAIRS))
def test_shipped_scenario_never_lengthens_a_trip(name, modes):
    shipped = shipped_scenarios()
    assert name in shipped
    scn = load_scenario(shipped[name])
    other = scenario_graph(scn, modes=modes)
    base_name = PAIRS[name]
    if base_name is None:
        base = build_graph(as_of=scn.as_of, period=scn.period, modes=modes)
    else:
        base = scenario_graph(load_scenario(shipped[base_name]), modes=modes)
    m_other, u_other = _grid_minutes(other)
    m_base, u_base = _grid_minutes(base)
    assert list(u_other["unit_id"]) == list(u_base["unit_id"])
    worse = m_other > m_base + 1e-6
    assert not worse.any(), f"{int(worse.sum())} pairs slower, by up to {np.max(m_other - m_base):.2f} min"
    if modes == "transit":
        assert (m_other < m_base - 1e-6).any()  # and the line does shorten some transit trips


def test_the_checked_scenarios_are_shipped():
    # the project_* scenarios that landed with the county data are not in PAIRS yet (see notes/region.md)
    assert set(PAIRS) | {v for v in PAIRS.values() if v} <= set(shipped_scenarios())
