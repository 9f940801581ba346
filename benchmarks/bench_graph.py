"""Benchmark: building the graph of the embedded network and routing on it.

Targets (issue 3): graph build well under a second; a route query a few milliseconds.
Runs every measurement in this process and prints medians of ``--repeat`` runs (the machine is
shared and noisy: compare medians and ratios, not single times).

    python benchmarks/bench_graph.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import networkx as nx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_analysis import bench as median_time  # one timing helper for the embedded-network benchmarks


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()

    import cztmap
    from cztmap.data.dataset import load_dataset

    t_load = median_time(lambda: load_dataset(), args.repeat)  # cached after the first call
    ds = load_dataset()
    t_build = median_time(lambda: cztmap.build_graph(ds, as_of="2024-07-01"), args.repeat)
    G = cztmap.build_graph(ds, as_of="2024-07-01")
    pairs = [("湘潭北站", "五一广场"), ("橘子洲", "黄兴广场"), ("株洲站", "长沙南站"), ("麓谷", "磁浮机场")]
    t_route = median_time(lambda: [cztmap.route(G, a, b) for a, b in pairs], args.repeat) / len(pairs)
    src, dst = "S:xiangtan-north", "S:wuyiguangchang"
    t_nx = median_time(lambda: nx.dijkstra_path(G, src, dst, weight="travel_time"), args.repeat)
    print(f"graph: {G.number_of_nodes()} nodes, {G.number_of_edges()} edges")
    print(f"load_dataset (cached)      median {t_load * 1e3:8.2f} ms")
    print(f"build_graph                median {t_build * 1e3:8.2f} ms   (target: well under 1000 ms)")
    print(f"route (name lookup + legs) median {t_route * 1e3:8.2f} ms   (target: a few ms)")
    print(f"bare nx.dijkstra_path      median {t_nx * 1e3:8.2f} ms   (route overhead ×{t_route / t_nx:.1f})")


if __name__ == "__main__":
    main()
