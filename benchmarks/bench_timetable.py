"""Benchmark the timetable router on the embedded network (run: python benchmarks/bench_timetable.py).

Interleaved rounds (every measurement once per round, so machine load hits all alike), medians printed:

* one-to-all earliest arrival for one departure (target ≤ 5 ms), next to the static engine's one-to-all
  Dijkstra on the expected-wait graph (same process, ratio);
* a 2-hour departure window (121 departures) with percentiles 5/25/50/75/95, one origin to all stops
  (target ≤ 50 ms), next to the naive loop of 121 one-to-all queries (ratio);
* the station × station matrix over a 2-hour window with the median (target ≤ 5 s).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from cztmap.analysis.matrix import station_matrix, station_nodes
from cztmap.network.build import build_graph
from cztmap.network.engine import compile_graph
from cztmap.network.timetable import earliest_arrival, embedded_timetable, range_query

AS_OF = "2026-12-01"


def timed(fn: Callable[[], Any]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main(rounds: int = 9) -> None:
    G = build_graph(as_of=AS_OF)
    tt = embedded_timetable(as_of=AS_OF)
    cg = compile_graph(G)
    print(f"embedded network {AS_OF}: {tt}")
    origin = {s: 120.0 for s in tt.stops["stop_id"].iloc[tt.stops_of("wuyiguangchang")]}
    deps = np.arange(7 * 3600, 9 * 3600 + 1, 60, dtype=float)

    def loop() -> None:
        for d in deps:
            earliest_arrival(tt, origin, d)

    cases: dict[str, Callable[[], Any]] = {
        "one-to-all earliest arrival (timetable RAPTOR)": lambda: earliest_arrival(tt, origin, 8 * 3600),
        "one-to-all static expected-wait Dijkstra (engine)": lambda: cg.single_source("S:wuyiguangchang"),
        "2-h window, percentiles, one-to-all (batched)": lambda: range_query(tt, origin, "07:00-09:00"),
        "2-h window, 121 separate one-to-all queries": loop,
        "station x station matrix, 2-h window, median": lambda: station_matrix(G, window="07:00-09:00"),
    }
    for fn in cases.values():  # warm caches (compiled arrays, road matrix)
        fn()
    times: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(rounds):
        for k, fn in cases.items():
            if k.startswith("station x station") and len(times[k]) >= 3:
                continue  # the slow one: three samples are enough
            times[k].append(timed(fn))
    med = {k: statistics.median(v) for k, v in times.items()}
    n = len(station_nodes(G))
    targets = {
        "one-to-all earliest arrival (timetable RAPTOR)": 5e-3,
        "2-h window, percentiles, one-to-all (batched)": 50e-3,
        "station x station matrix, 2-h window, median": 5.0,
    }
    for k, v in med.items():
        tgt = f" (target ≤ {targets[k] * 1e3:g} ms)" if k in targets else ""
        print(f"{k}: {v * 1e3:.2f} ms median of {len(times[k])}{tgt}")
    a = med["2-h window, 121 separate one-to-all queries"] / med["2-h window, percentiles, one-to-all (batched)"]
    b = med["one-to-all earliest arrival (timetable RAPTOR)"] / med["one-to-all static expected-wait Dijkstra (engine)"]
    print(f"window batched vs 121 separate queries: {a:.1f}x faster; RAPTOR / static Dijkstra time: {b:.2f}")
    print(f"matrix size: {n} x {n} stations, {tt.n_stops} stops, {tt.n_trips} trips")


if __name__ == "__main__":
    main()
