"""Issue 15 benchmarks: CLI wall times, what-ifs, the CCH backend, growth, Dask and peers -- one run.

Every comparison runs both sides in this one process (or its subprocesses), interleaved A B A B,
and reports medians with min–max over ``--repeat`` runs. Build and query are timed separately and
together. Figures that are extrapolated say from how many origins.

Sections (``--only`` picks some):

* ``cli``    -- ``cztmap --version`` / ``--help`` / ``route`` / ``map --offline`` / ``critical`` /
  ``reach --level grid`` wall and CPU time, this tree against ``--before`` (a checkout of the code
  before issue 15, run the same way), interleaved; plus ``import cztmap``.
* ``whatif`` -- criticality at zone and grid level, new (compiled edits + tree screening) against the
  old method (a NetworkX weight-callable rebuild per closure; on a sample of closures at grid level,
  extrapolated).
* ``scale``  -- synthetic road grids (``benchmarks/synthetic.py``) at 50k / 200k / 500k nodes: scipy
  and CCH, first matrix (all preprocessing) and repeated matrix after a weight change, 30-min
  isochrone, memory, growth exponents.
* ``peers``  -- pandana, igraph, networkit and NetworkX (sample) on the 50k graph, same sources.
* ``dask``   -- the matrix on a LocalCluster with 1 and 2 worker processes.

Usage::

    python benchmarks/bench_perf.py --before /tmp/before            # everything (≈ 10 min here)
    python benchmarks/bench_perf.py --only scale --sizes 50000 --pairs 300   # smoke
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.synthetic import road_grid, road_grid_arrays  # noqa: E402
from cztmap.network.engine import compile_arrays  # noqa: E402

RESULTS: dict[str, Any] = {}


def fmt(ts: list[float], unit: str = "s") -> str:
    k = 1e3 if unit == "ms" else 1.0
    med = statistics.median(ts) * k
    if len(ts) == 1:
        return f"{med:.3g} {unit}"
    return f"{med:.3g} {unit} ({min(ts) * k:.3g}–{max(ts) * k:.3g})"


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def rss_mib() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


# ------------------------------------------------------------------------------------------------
# CLI
# ------------------------------------------------------------------------------------------------
CLI_CASES = {
    "--version": ["--version"],
    "--help": ["--help"],
    "route 长沙 株洲南": ["route", "长沙", "株洲南"],
    "map --offline": ["map", "--offline", "-o", "{tmp}/m.html"],
    "critical": ["critical"],
    "reach --level grid": ["reach", "--level", "grid"],
    "import cztmap": None,
}


def _run_cli(tree: Path, argv: list[str] | None, tmp: str, cache: str) -> tuple[float, float]:
    env = {**os.environ, "PYTHONPATH": str(tree), "CZTMAP_CACHE_DIR": cache}
    cmd = (
        [sys.executable, "-c", "import cztmap"]
        if argv is None
        else [sys.executable, "-m", "cztmap", *[a.replace("{tmp}", tmp) for a in argv]]
    )
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    p = subprocess.run(cmd, env=env, capture_output=True, cwd=tmp)
    wall = time.perf_counter() - t
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        raise RuntimeError(f"{cmd} failed: {p.stderr.decode()[-300:]}")
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def bench_cli(before: Path | None, repeat: int) -> None:
    trees = {"after": ROOT} | ({"before": before} if before else {})
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        caches = {k: tempfile.mkdtemp(dir=tmp) for k in trees}
        for name, argv in CLI_CASES.items():
            walls: dict[str, list[float]] = {k: [] for k in trees}
            cpus: dict[str, list[float]] = {k: [] for k in trees}
            for k, tree in trees.items():  # warm-up (fills the graph cache of the new tree)
                _run_cli(tree, argv, tmp, caches[k])
            for _ in range(repeat):
                for k, tree in trees.items():  # interleaved A B A B
                    w, c = _run_cli(tree, argv, tmp, caches[k])
                    walls[k].append(w)
                    cpus[k].append(c)
            row = {"case": name, **{f"{k}_wall": walls[k] for k in trees}, **{f"{k}_cpu": cpus[k] for k in trees}}
            rows.append(row)
            line = f"  {name:<22} after {fmt(walls['after'])} wall, {fmt(cpus['after'])} CPU"
            if before:
                ratio = statistics.median(walls["before"]) / statistics.median(walls["after"])
                line += f" | before {fmt(walls['before'])} wall, {fmt(cpus['before'])} CPU | {ratio:.1f}x"
            print(line, flush=True)
        # the long one, once and only on this tree (before: 3 min 39 s on main, issue 15)
        w, c = _run_cli(ROOT, ["critical", "--level", "grid"], tmp, caches["after"])
        rows.append({"case": "critical --level grid", "after_wall": [w], "after_cpu": [c]})
        print(f"  {'critical --level grid':<22} after {w:.3g} s wall, {c:.3g} s CPU (1 run)", flush=True)
    RESULTS["cli"] = rows


# ------------------------------------------------------------------------------------------------
# what-ifs (criticality)
# ------------------------------------------------------------------------------------------------
def _old_run(H: Any, orig: list[str], dest: list[str], closed: set[Any]) -> np.ndarray:
    from cztmap.network.engine import compile_graph

    def weight(u: Any, v: Any, data: dict[Any, dict[str, Any]]) -> float | None:
        best = None
        for k, d in data.items():
            if (u, v, k) not in closed:
                t = d["travel_time"]
                best = t if best is None or t < best else best
        return best

    m = compile_graph(H, weight, cache=False).distances(orig, dest) / 60.0
    np.fill_diagonal(m, 0.0)
    return m


def bench_whatif(repeat: int, grid_sample: int) -> None:
    from cztmap.analysis import criticality as crit
    from cztmap.analysis.integration import analysis_units
    from cztmap.network.build import build_graph

    G = build_graph(as_of="2023-06-28")
    out: dict[str, Any] = {}
    for level in ("zone", "grid"):
        H, orig, dest, _units = analysis_units(G, level=level)
        elements = crit._elements(H, crit.KINDS)
        keys = list(elements)
        sample = keys if level == "zone" else [keys[i] for i in np.linspace(0, len(keys) - 1, grid_sample).astype(int)]
        new_t, old_t = [], []
        reps = repeat if level == "zone" else 1
        for _ in range(reps):
            new_t.append(timed(lambda lv=level: crit.criticality(G, level=lv))[0])
            t0 = time.perf_counter()
            for key in sample:
                _old_run(H, orig, dest, elements[key][1])
            old_t.append((time.perf_counter() - t0) * len(keys) / len(sample))
        out[level] = {"new": new_t, "old": old_t, "elements": len(keys), "old_sample": len(sample)}
        extra = "" if level == "zone" else f" (extrapolated from {len(sample)} of {len(keys)} closures)"
        print(
            f"  criticality {level:<4}: new {fmt(new_t)} | old method {fmt(old_t)}{extra} | "
            f"{statistics.median(old_t) / statistics.median(new_t):.0f}x",
            flush=True,
        )
    RESULTS["whatif"] = out


# ------------------------------------------------------------------------------------------------
# scale: scipy vs CCH on synthetic road grids
# ------------------------------------------------------------------------------------------------
def _scale_row(n: int, pairs: int, k: int) -> dict[str, Any]:
    a = road_grid_arrays(n, seed=0)
    nn = len(a["x"])
    rng = np.random.default_rng(42)
    src = rng.choice(nn, pairs, replace=False).tolist()
    dst = rng.choice(nn, pairs, replace=False).tolist()
    k = min(k, pairs)
    gc.collect()
    m0 = rss_mib()
    t_compile, cg = timed(lambda: compile_arrays(a["u"], a["v"], a["travel_time"], n_nodes=nn, lon=a["x"], lat=a["y"]))
    m1 = rss_mib()
    t_sp, d_sp = timed(lambda: cg.distances(src[:k], dst, backend="scipy"))
    sp_full = t_sp * pairs / k
    t_cch_build, metric = timed(cg.cch)
    m2 = rss_mib()
    t_cch_q, d_cch = timed(lambda: cg.distances(src, dst, backend="cch"))
    delta = float(np.abs(d_cch[:k] - d_sp).max())
    # repeated matrix after a weight change (a new period: every weight × 1.25): customise + query
    slower = cg.with_edge_weights(cg.edge_weights * 1.25)
    t_cust, _ = timed(slower.cch)
    t_rep, _ = timed(lambda: slower.distances(src, dst, backend="cch"))
    t_sp2, _ = timed(lambda: slower.distances(src[:k], dst, backend="scipy"))
    # 30-minute isochrone from a central node (array result), 5 runs
    centre = int(np.argmin((a["x"] - np.median(a["x"])) ** 2 + (a["y"] - np.median(a["y"])) ** 2))
    iso = [timed(lambda: cg.reached(centre, cutoff=1800.0))[0] for _ in range(5)]
    reached = cg.reached(centre, cutoff=1800.0)[0].size
    return {
        "nodes": nn,
        "edges": int(cg.n_edges),
        "pairs": pairs,
        "compile_s": t_compile,
        "scipy_matrix_s": sp_full,
        "scipy_origins_timed": k,
        "scipy_repeat_s": t_sp2 * pairs / k,
        "cch_topology_s": t_cch_build,
        "cch_loaded": bool(metric.index.loaded),
        "cch_query_s": t_cch_q,
        "cch_first_total_s": t_compile + t_cch_build + t_cch_q,
        "scipy_first_total_s": t_compile + sp_full,
        "cch_customise_s": t_cust,
        "cch_repeat_query_s": t_rep,
        "cch_repeat_total_s": t_cust + t_rep,
        "iso30_ms": [x * 1e3 for x in iso],
        "iso30_reached": int(reached),
        "max_abs_delta_s": delta,
        "engine_mib": cg.nbytes / 2**20,
        "rss_compile_mib": m1 - m0,
        "rss_cch_mib": m2 - m1,
    }


def bench_scale(sizes: list[int], pairs: int, scipy_origins: dict[int, int], cache: str) -> None:
    os.environ["CZTMAP_CACHE_DIR"] = cache
    rows = []
    for n in sizes:
        shutil.rmtree(Path(cache) / "cch", ignore_errors=True)  # "first matrix" = no cached topology
        r = _scale_row(n, pairs, scipy_origins.get(n, pairs))
        rows.append(r)
        k = r["scipy_origins_timed"]
        ex = "" if k == pairs else f" (extrapolated from {k} origins)"
        print(
            f"  {r['nodes']:>7} nodes: compile {r['compile_s']:.2f} s | scipy {pairs}x{pairs} {r['scipy_matrix_s']:.1f} s{ex}"
            f" | CCH topology {r['cch_topology_s']:.1f} s + query {r['cch_query_s']:.1f} s = first "
            f"{r['cch_first_total_s']:.1f} s | repeat after weight change: CCH {r['cch_customise_s']:.2f} + "
            f"{r['cch_repeat_query_s']:.1f} s, scipy {r['scipy_repeat_s']:.1f} s | iso30 "
            f"{statistics.median(r['iso30_ms']):.1f} ms ({r['iso30_reached']} nodes) | max|Δ| "
            f"{r['max_abs_delta_s'] * 1e3:.2f} ms | RSS +{r['rss_compile_mib']:.0f} MiB engine, "
            f"+{r['rss_cch_mib']:.0f} MiB CCH",
            flush=True,
        )
        gc.collect()
    if len(rows) >= 2:
        logn = np.log([r["nodes"] for r in rows])
        for key in ("scipy_matrix_s", "cch_query_s", "cch_topology_s", "cch_first_total_s", "cch_repeat_total_s"):
            slope = float(np.polyfit(logn, np.log([r[key] for r in rows]), 1)[0])
            print(f"  growth exponent {key}: {slope:.2f}")
            RESULTS.setdefault("exponents", {})[key] = slope
    RESULTS["scale"] = rows


def nx_graph_mib(n: int) -> float:
    """Memory of the NetworkX graph itself (RSS delta while building it), for the memory target."""
    gc.collect()
    m0 = rss_mib()
    G = road_grid(n, seed=0)
    m1 = rss_mib()
    nodes = G.number_of_nodes()
    del G
    gc.collect()
    print(f"  NetworkX MultiDiGraph of the {nodes}-node grid: +{m1 - m0:.0f} MiB RSS")
    return m1 - m0


# ------------------------------------------------------------------------------------------------
# peers on the 50k grid
# ------------------------------------------------------------------------------------------------
def bench_peers(n: int, pairs: int, nx_sample: int) -> None:
    a = road_grid_arrays(n, seed=0)
    nn = len(a["x"])
    rng = np.random.default_rng(42)
    src = rng.choice(nn, pairs, replace=False)
    dst = rng.choice(nn, pairs, replace=False)
    cg = compile_arrays(a["u"], a["v"], a["travel_time"], n_nodes=nn, lon=a["x"], lat=a["y"])
    out: dict[str, Any] = {}

    def rec(name: str, build: float, query: float, note: str = "") -> None:
        out[name] = {"build_s": build, "query_s": query, "note": note}
        print(
            f"  {name:<26} build {build:6.2f} s  query {query:7.2f} s  total {build + query:7.2f} s {note}", flush=True
        )

    t, _ = timed(lambda: cg.distances(src.tolist(), dst.tolist(), backend="scipy"))
    rec("cztmap scipy", 0.0, t)
    os.environ["CZTMAP_NO_CACHE"] = "1"
    tb, _ = timed(cg.cch)
    tq, _ = timed(lambda: cg.distances(src.tolist(), dst.tolist(), backend="cch"))
    os.environ.pop("CZTMAP_NO_CACHE")
    rec("cztmap cch (pyroutingkit)", tb, tq)
    _peer_pandana(a, nn, src, dst, rec)
    _peer_igraph(a, nn, src, dst, rec)
    _peer_networkit(a, nn, src, dst, rec)
    import networkx as nx

    G = road_grid(n, seed=0)
    nodes = list(G.nodes)
    k = nx_sample
    t, _ = timed(lambda: [nx.single_source_dijkstra_path_length(G, nodes[s], weight="travel_time") for s in src[:k]])
    rec("networkx", 0.0, t * pairs / k, f"(extrapolated from {k} origins)")
    RESULTS["peers"] = {"nodes": nn, "pairs": pairs, **out}


def _peer_pandana(
    a: dict[str, np.ndarray], nn: int, src: np.ndarray, dst: np.ndarray, rec: Callable[..., None]
) -> None:
    try:
        import pandana
        import pandas as pd
    except ImportError:
        print("  pandana: not installed")
        return
    nodes = pd.DataFrame({"x": a["x"], "y": a["y"]}, index=np.arange(nn))
    edges = pd.DataFrame({"from": a["u"], "to": a["v"], "w": a["travel_time"]})
    tb, net = timed(
        lambda: pandana.Network(nodes["x"], nodes["y"], edges["from"], edges["to"], edges[["w"]], twoway=False)
    )
    o = np.repeat(src, dst.size)
    d = np.tile(dst, src.size)
    tq, _ = timed(lambda: net.shortest_path_lengths(o, d, imp_name="w"))
    rec("pandana (CH)", tb, tq)


def _peer_igraph(a: dict[str, np.ndarray], nn: int, src: np.ndarray, dst: np.ndarray, rec: Callable[..., None]) -> None:
    try:
        import igraph as ig
    except ImportError:
        print("  igraph: not installed")
        return
    tb, g = timed(lambda: ig.Graph(n=nn, edges=np.column_stack([a["u"], a["v"]]).tolist(), directed=True))
    g.es["w"] = a["travel_time"].tolist()
    tq, _ = timed(lambda: g.distances(source=src.tolist(), target=dst.tolist(), weights="w"))
    rec("igraph", tb, tq)


def _peer_networkit(
    a: dict[str, np.ndarray], nn: int, src: np.ndarray, dst: np.ndarray, rec: Callable[..., None]
) -> None:
    try:
        import networkit as nk
    except ImportError:
        print("  networkit: not installed")
        return

    def build() -> Any:
        g = nk.Graph(nn, weighted=True, directed=True)
        for u, v, w in zip(a["u"].tolist(), a["v"].tolist(), a["travel_time"].tolist(), strict=True):
            g.addEdge(u, v, w)
        return g

    tb, g = timed(build)

    def query() -> Any:
        algo = nk.distance.SPSP(g, src.tolist(), dst.tolist())
        algo.run()
        return algo.getDistances()

    tq, _ = timed(query)
    rec(f"networkit ({nk.getMaxNumberOfThreads()} threads)", tb, tq)


# ------------------------------------------------------------------------------------------------
# Dask
# ------------------------------------------------------------------------------------------------
def bench_dask(n: int, pairs: int) -> None:
    from dask.distributed import Client, LocalCluster

    from cztmap.network.engine import travel_time_matrix

    a = road_grid_arrays(n, seed=0)
    nn = len(a["x"])
    rng = np.random.default_rng(7)
    src = rng.choice(nn, pairs, replace=False).tolist()
    dst = rng.choice(nn, pairs, replace=False).tolist()
    cg = compile_arrays(a["u"], a["v"], a["travel_time"], n_nodes=nn, lon=a["x"], lat=a["y"])
    t_local, ref = timed(lambda: travel_time_matrix(cg, src, dst, backend="scipy"))
    out: dict[str, Any] = {"local_s": t_local}
    print(f"  local (1 process): {t_local:.1f} s", flush=True)
    for workers in (1, 2):
        with (
            LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0") as cl,
            Client(cl) as client,
        ):
            t, got = timed(lambda client=client: travel_time_matrix(cg, src, dst, backend="scipy", client=client))
            same = bool(np.array_equal(got.to_numpy(), ref.to_numpy()))
            out[f"workers_{workers}_s"] = t
            print(f"  LocalCluster {workers} worker(s): {t:.1f} s (same as local: {same})", flush=True)
    RESULTS["dask"] = {"nodes": nn, "pairs": pairs, **out}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", nargs="+", choices=["cli", "whatif", "scale", "peers", "dask"])
    ap.add_argument("--before", type=Path, help="a checkout of the code before issue 15 (for the CLI A/B)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--sizes", type=int, nargs="+", default=[50_000, 200_000, 522_000])
    ap.add_argument("--pairs", type=int, default=1000)
    ap.add_argument("--grid-sample", type=int, default=12)
    ap.add_argument("--json", type=Path, help="write the results here")
    args = ap.parse_args()
    only = set(args.only or ["cli", "whatif", "scale", "peers", "dask"])
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.1f}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )
    RESULTS["machine"] = {"cores": os.cpu_count(), "python": platform.python_version(), "load": os.getloadavg()}
    if "cli" in only:
        print("CLI (wall and CPU seconds, median (min–max))")
        bench_cli(args.before, args.repeat)
    if "whatif" in only:
        print("what-ifs")
        bench_whatif(args.repeat, args.grid_sample)
    if "scale" in only:
        print("scale (synthetic road grids; first matrix = compile + all preprocessing + query)")
        with tempfile.TemporaryDirectory() as cache:
            # scipy: 1000 origins at 50k; fewer (extrapolated linearly: independent searches) above
            bench_scale(args.sizes, args.pairs, {50_000: args.pairs, 200_000: 250, 522_000: 100}, cache)
        RESULTS["nx_mib_50k"] = nx_graph_mib(50_000)
    if "peers" in only:
        print(f"peers ({args.pairs}x{args.pairs} on the 50k grid)")
        bench_peers(50_000, args.pairs, 20)
    if "dask" in only:
        print(f"Dask ({args.pairs}x{args.pairs} on the 50k grid)")
        bench_dask(50_000, args.pairs)
    if args.json:
        args.json.write_text(json.dumps(RESULTS, indent=1, default=float))


if __name__ == "__main__":
    main()
