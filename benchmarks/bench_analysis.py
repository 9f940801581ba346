"""Benchmark the analysis layer on the embedded network (run: python benchmarks/bench_analysis.py).

Prints medians of: the full stations × stations matrix (target < 50 ms) with the NetworkX
equivalent measured in the same run (ratio), the cross-city table at zone level (target < 1 s)
and at grid level, isochrones and the criticality ranking.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import networkx as nx

from cztmap.analysis.criticality import criticality
from cztmap.analysis.integration import cross_city_table
from cztmap.analysis.isochrones import isochrones
from cztmap.analysis.matrix import station_matrix
from cztmap.network.build import build_graph


def bench(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def nx_station_matrix(G: nx.MultiDiGraph) -> dict[str, dict[str, float]]:
    nodes = [n for n, d in G.nodes(data=True) if d.get("kind") == "station"]
    wanted = set(nodes)
    out = {}
    for s in nodes:
        d = nx.single_source_dijkstra_path_length(G, s, weight="travel_time")
        out[s] = {t: v for t, v in d.items() if t in wanted}
    return out


def main() -> None:
    G = build_graph(as_of="2023-06-28")
    n = sum(1 for _, d in G.nodes(data=True) if d.get("kind") == "station")
    print(f"embedded network 2023-06-28: {G.number_of_nodes()} nodes, {G.number_of_edges()} edges, {n} stations")
    station_matrix(G)  # warm the compile cache
    fast = bench(lambda: station_matrix(G), 21)
    slow = bench(lambda: nx_station_matrix(G), 3)
    print(
        f"stations x stations ({n}x{n}): engine {fast * 1e3:.1f} ms (target < 50 ms), "
        f"NetworkX {slow * 1e3:.0f} ms, ratio {slow / fast:.0f}x"
    )
    zone = bench(lambda: cross_city_table(G), 11)
    print(f"cross-city table, zone level: {zone * 1e3:.1f} ms (target < 1 s)")
    cross_city_table(G, level="grid")  # build the grid once
    grid = bench(lambda: cross_city_table(G, level="grid"), 3)
    print(f"cross-city table, grid level (~1,200 hexagons): {grid * 1e3:.0f} ms")
    iso = bench(lambda: isochrones(G, "湘潭北站"), 5)
    print(f"isochrones 30/45/60 from 湘潭北站: {iso * 1e3:.0f} ms")
    crit = bench(lambda: criticality(G), 3)
    print(f"criticality, all stations + sections + roads ({criticality(G).attrs['tested']} closures): {crit:.2f} s")


if __name__ == "__main__":
    main()
