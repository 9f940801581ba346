"""How ``长沙`` and the CZT platforms at 锦泰广场 resolve (issue 14 §2).

The resolver has one answer per name: ``长沙`` (and ``Changsha``, ``Changsha Railway Station``) is 长沙站, the
China Railway station, as a journalist means it; the CZT platforms by 锦泰广场, signed 城际长沙站, answer to
that name and its stem. A route from ``长沙`` walks the 300 m to the CZT platforms.
"""

from __future__ import annotations

import pytest

from cztmap.network.names import resolve_node, station_index


def _lines(G, node) -> set[str]:
    return set(str(G.nodes[node].get("lines") or "").split(";"))


@pytest.mark.parametrize("text", ["长沙", "长沙站", "Changsha", "changsha railway station"])
def test_changsha_is_the_china_railway_station(G_2024, text):
    n = resolve_node(G_2024, text)
    assert G_2024.nodes[n]["name_zh"] == "长沙站"
    assert "CZT" not in _lines(G_2024, n)


@pytest.mark.parametrize("text", ["城际长沙站", "城际长沙", "锦泰广场(城际长沙站)"])
def test_the_signed_name_of_the_czt_platforms_resolves_to_them(G_2024, text):
    n = resolve_node(G_2024, text)
    assert {"CZT", "L2"} <= _lines(G_2024, n)
    assert G_2024.nodes[n]["name_zh"] == "锦泰广场"


def test_the_czt_xianfeng_platforms_answer_to_their_signed_name(G_2024):
    n = resolve_node(G_2024, "城际先锋站")
    assert "CZT" in _lines(G_2024, n) and resolve_node(G_2024, "先锋") == n


def test_no_alias_or_stem_takes_another_stations_name(G_2024):
    from cztmap._text import normalize_name

    idx = station_index(G_2024)
    for d in (d for _, d in G_2024.nodes(data=True) if d.get("kind") == "station"):
        hit = idx[normalize_name(d["name_zh"])]
        assert G_2024.nodes[hit]["name_zh"] == d["name_zh"], (d["name_zh"], hit)
