"""The graph contract in docs/architecture.md lists every attribute that exists, and only those."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

from cztmap.data.services import RAIL_MODES

DOC = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"
IN_VEHICLE = "in-vehicle"


def _table(heading: str) -> list[list[str]]:
    """Rows (cells) of the first markdown table after ``heading`` in docs/architecture.md."""
    text = DOC.read_text(encoding="utf-8")
    body = text.split(heading, 1)[1]
    rows = []
    for line in body.splitlines()[1:]:
        if line.startswith("#"):
            break
        if line.startswith("|") and not set(line) <= set("|- "):
            rows.append([c.strip() for c in line.strip("|").split("|")])
    return rows[1:]  # drop the header row


def _names(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def _documented(heading: str) -> tuple[dict[str, set[str]], set[str]]:
    """attribute → kinds/modes it is documented on ('all' or names), and the optional ones."""
    on: dict[str, set[str]] = {}
    optional: set[str] = set()
    for attr_cell, on_cell, meaning in _table(heading):
        kinds = {"all"} if on_cell.strip() == "all" else set(_names(on_cell))
        if IN_VEHICLE in on_cell:
            kinds |= set(RAIL_MODES)
        for attr in _names(attr_cell):
            on[attr] = kinds
            if "*optional*" in meaning:
                optional.add(attr)
    return on, optional


def _observed(items: list[tuple[str, dict]]) -> dict[str, set[str]]:
    seen: dict[str, set[str]] = defaultdict(set)
    for group, data in items:
        for attr in data:
            seen[attr].add(group)
    return seen


@pytest.fixture(scope="module")
def graphs(G_2024):
    import cztmap

    H = G_2024.copy()
    cztmap.add_point(H, 112.9388, 28.2282, name="user point")
    return [G_2024, H]


def _check(documented: dict[str, set[str]], optional: set[str], seen: dict[str, set[str]], what: str) -> None:
    undocumented = sorted(f"{a} on {sorted(g)}" for a, g in seen.items() if a not in documented)
    assert not undocumented, f"{what} attributes missing from docs/architecture.md: {undocumented}"
    wrong_place = sorted(
        f"{a} on {sorted(g - documented[a])}"
        for a, g in seen.items()
        if "all" not in documented[a] and g - documented[a]
    )
    assert not wrong_place, f"{what} attributes found where the contract does not list them: {wrong_place}"
    never = sorted(a for a in documented if a not in seen and a not in optional)
    assert not never, f"{what} attributes documented but never present on a built graph: {never}"


def test_graph_attributes_are_documented(graphs):
    rows = _table("### Graph attributes")
    documented = {n for row in rows for n in _names(row[0])}
    optional = {n for row in rows if "*optional*" in row[1] for n in _names(row[0])}
    seen = set().union(*(G.graph for G in graphs))
    assert seen <= documented, f"graph attributes not documented: {sorted(seen - documented)}"
    assert documented - optional <= seen, f"documented but never built: {sorted(documented - optional - seen)}"


def test_node_attributes_are_documented(graphs):
    documented, optional = _documented("### Node attributes")
    kinds = {row[1].strip("`") for row in _table("### Node ids and kinds")}
    seen = _observed([(d.get("kind"), d) for G in graphs for _, d in G.nodes(data=True)])
    assert seen["kind"] <= kinds, f"node kinds not in the contract: {sorted(seen['kind'] - kinds)}"
    _check(documented, optional, seen, "node")


def test_edge_attributes_are_documented(graphs):
    documented, optional = _documented("### Edge modes and attributes")
    seen = _observed([(d.get("mode"), d) for G in graphs for _, _, d in G.edges(data=True)])
    _check(documented, optional, seen, "edge")


def test_node_ids_follow_the_documented_grammar(graphs):
    prefixes = {row[0].split("`")[1].split(":")[0] for row in _table("### Node ids and kinds")}
    ids = {str(n).split(":")[0] for G in graphs for n in G.nodes}
    assert ids <= prefixes, f"node id prefixes not in the contract: {sorted(ids - prefixes)}"
