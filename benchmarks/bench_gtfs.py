"""Benchmark GTFS import (synthetic and real feeds), its memory, and one-to-all routing against ferrobus.

Usage::

    python benchmarks/bench_gtfs.py [--routes 40] [--stops-per-route 60] [--trips 12] [--repeat 5] [--seed 7]
    python benchmarks/bench_gtfs.py --real       # read_gtfs + timetable_tables on the committed real feeds
    python benchmarks/bench_gtfs.py --peer       # one-to-all earliest arrival, cztmap vs ferrobus, NYC subway
    python benchmarks/bench_gtfs.py --memory 50  # peak RSS of read_gtfs on a 50 MB stop_times.txt (subprocess)

Builds a feed of ``routes`` straight-ish lines through a 40 km × 40 km city around Changsha, each with
``stops-per-route`` stops (up to one in eight shared with a nearby station of another route),
``trips`` explicit trips per direction for half the routes and ``frequencies.txt`` for the other half,
then times :func:`cztmap.gtfs.read_gtfs` and :func:`cztmap.gtfs.graph_from_gtfs` (median of ``repeat``).
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import statistics
import tempfile
import time
import zipfile
from pathlib import Path

from cztmap.io.gtfs import GtfsWarning, graph_from_gtfs, read_gtfs, timetable_tables

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "gtfs"


def make_feed(path: Path, *, routes: int, stops_per_route: int, trips: int, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    stops: list[list[str]] = []
    parents: list[tuple[str, float, float]] = []
    route_rows, trip_rows, st_rows, freq_rows = [], [], [], []
    made: set[str] = set()
    for r in range(routes):
        x0, y0 = 112.80 + rng.random() * 0.4, 28.00 + rng.random() * 0.4
        ang = rng.random() * 3.1416
        dx, dy = 0.006 * rng.uniform(0.7, 1.3), 0.006 * rng.uniform(0.7, 1.3)
        seq = []
        for k in range(stops_per_route):
            x = x0 + k * dx * (1 if ang < 1.57 else -1)
            y = y0 + k * dy * (1 if r % 2 else -1) * 0.5
            near = (
                [p for p in parents if abs(p[1] - x) < 0.012 and abs(p[2] - y) < 0.012] if rng.random() < 0.12 else []
            )
            pick = rng.choice(near) if near else None  # share a nearby station (a far one would be a 2,000 km/h hop)
            if pick is not None and f"{pick[0]}:R{r}" not in made:  # share a station with an earlier route
                pid, px, py = pick
            else:
                pid, px, py = f"st{r}_{k}", x, y
                parents.append((pid, px, py))
                stops.append([pid, f"站{r}-{k}", f"{py:.6f}", f"{px:.6f}", "1", ""])
            sid = f"{pid}:R{r}"
            made.add(sid)
            stops.append([sid, f"站{r}-{k}", f"{py:.6f}", f"{px:.6f}", "0", pid])
            seq.append(sid)
        route_rows.append([f"R{r}", "a", f"R{r}", f"线路{r}", "1" if r % 3 else "2", "336699"])
        for d, order in enumerate((seq, seq[::-1])):
            n_trips = trips if r % 2 else 1
            for j in range(n_trips):
                tid = f"R{r}_{d}_{j}"
                trip_rows.append([f"R{r}", "wk", tid, str(d)])
                t = 6 * 3600 + j * rng.randint(240, 600)
                for i, sid in enumerate(order):
                    if i:
                        t += rng.randint(70, 150)
                    st_rows.append([tid, _hms(t), _hms(t + 30), sid, str(i + 1)])
                    t += 30
                if not r % 2:
                    freq_rows += [
                        [tid, "06:00:00", "07:00:00", "600"],
                        [tid, "07:00:00", "09:00:00", "240"],
                        [tid, "09:00:00", "23:00:00", "480"],
                    ]
    tables = {
        "agency.txt": [
            ["agency_id", "agency_name", "agency_url", "agency_timezone"],
            ["a", "Synthetic", "https://example.org", "Asia/Shanghai"],
        ],
        "stops.txt": [["stop_id", "stop_name", "stop_lat", "stop_lon", "location_type", "parent_station"], *stops],
        "routes.txt": [
            ["route_id", "agency_id", "route_short_name", "route_long_name", "route_type", "route_color"],
            *route_rows,
        ],
        "trips.txt": [["route_id", "service_id", "trip_id", "direction_id"], *trip_rows],
        "stop_times.txt": [["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"], *st_rows],
        "frequencies.txt": [["trip_id", "start_time", "end_time", "headway_secs"], *freq_rows],
        "calendar.txt": [
            [
                "service_id",
                "monday",
                "tuesday",
                "wednesday",
                "thursday",
                "friday",
                "saturday",
                "sunday",
                "start_date",
                "end_date",
            ],
            ["wk", "1", "1", "1", "1", "1", "0", "0", "20250106", "20251231"],
        ],
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, rows in tables.items():
            buf = io.StringIO()
            csv.writer(buf, lineterminator="\n").writerows(rows)
            zf.writestr(name, buf.getvalue())
    return {"stops": len(stops), "routes": len(route_rows), "trips": len(trip_rows), "stop_times": len(st_rows)}


def _hms(s: int) -> str:
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def bench_real(repeat: int) -> None:
    """read_gtfs and timetable_tables on each committed real feed (medians)."""
    import warnings

    for name in ("caltrain_2017", "zheleznogorsk", "cairns_2014", "nyc_subway_2025"):
        path = DATA / name / "feed.zip"
        rt, tt = [], []
        for _ in range(repeat):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", GtfsWarning)
                t0 = time.perf_counter()
                feed = read_gtfs(path)
                t1 = time.perf_counter()
                timetable_tables(feed)
                t2 = time.perf_counter()
            rt.append(t1 - t0)
            tt.append(t2 - t1)
        rate = len(feed.st) / statistics.median(rt)
        print(
            f"{name:16s} {len(feed.st):7d} stop times  read_gtfs {statistics.median(rt):.3f} s "
            f"({rate / 1e3:.0f} k rows/s)  timetable_tables {statistics.median(tt):.3f} s  (n={repeat})"
        )


def bench_peer(repeat: int, origins: int, seed: int) -> None:
    """One-to-all earliest arrival on the NYC subway feed: cztmap's RAPTOR vs ferrobus's, interleaved."""
    import datetime as dt
    import sys
    import warnings

    import ferrobus

    from cztmap.network.timetable import Timetable, earliest_arrival

    sys.path.insert(0, str(ROOT / "tests" / "io"))
    from test_gtfs_peers import _point, _prepare

    name, day = "nyc_subway_2025", dt.date(2024, 12, 17)
    with tempfile.TemporaryDirectory() as d:
        feed_dir, pbf = _prepare(name, day, Path(d), replace_transfers=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GtfsWarning)
            feed = read_gtfs(feed_dir)
        t = timetable_tables(feed, date=day, footpaths="feed")
        tt = Timetable.from_tables(
            *(t[k] for k in ("stops", "routes", "trips", "stop_times", "transfers")), service_date=day, source="bench"
        )
        model = ferrobus.create_transit_model(str(pbf), [str(feed_dir)], day, 1200)
        stops = sorted(tt.stop_index)
        points = [_point(ferrobus, model, feed.stops[s]["lat"], feed.stops[s]["lon"])[0] for s in stops]
        rng = random.Random(seed)
        ours, theirs = [], []
        for _ in range(repeat):
            for _ in range(origins):
                k = rng.randrange(len(stops))
                dep = rng.randrange(6 * 3600, 20 * 3600)
                t0 = time.perf_counter()
                earliest_arrival(tt, {stops[k]: 0}, dep, max_rides=6)
                t1 = time.perf_counter()
                ferrobus.find_routes_one_to_many(model, points[k], points, dep, 6)
                t2 = time.perf_counter()
                ours.append(t1 - t0)
                theirs.append(t2 - t1)
        a, b = statistics.median(ours), statistics.median(theirs)
        print(f"feed {name}: {tt.n_stops} stops, {tt.n_trips} trips on {day}; {len(ours)} one-to-all queries each")
        print(f"cztmap earliest_arrival      median {a * 1e3:.2f} ms")
        print(f"ferrobus find_routes_one_to_many median {b * 1e3:.2f} ms")
        print(f"ratio cztmap / ferrobus      {a / b:.2f}x ({'within 2x' if a <= 2 * b else 'slower than 2x'})")


_MEASURE = """
import json, resource, sys, time, warnings
warnings.simplefilter("ignore")
from cztmap.io.gtfs import read_gtfs
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
feed = read_gtfs(sys.argv[1])
t = time.perf_counter() - t
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"rows": len(feed.st), "seconds": t, "peak_increase_mb": (after - before) / 1024}))
"""


def bench_memory(mb: float) -> None:
    """Peak resident memory of read_gtfs on a feed whose stop_times.txt has ``mb`` MB of rows."""
    import json
    import subprocess
    import sys

    sys.path.insert(0, str(ROOT / "tests" / "io"))
    from test_gtfs_bounds import _feed_with_stop_times

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "big.zip"
        size = _feed_with_stop_times(path, mb)
        out = subprocess.run([sys.executable, "-c", _MEASURE, str(path)], capture_output=True, text=True, check=True)
        got = json.loads(out.stdout)
        print(
            f"stop_times.txt {size / 1e6:.1f} MB, {got['rows']:,} rows: read_gtfs {got['seconds']:.1f} s, "
            f"peak RSS +{got['peak_increase_mb']:.0f} MB ({got['peak_increase_mb'] * 1e6 / size:.1f}x the member)"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--routes", type=int, default=40)
    ap.add_argument("--stops-per-route", type=int, default=60)
    ap.add_argument("--trips", type=int, default=12)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--real", action="store_true", help="time the committed real feeds")
    ap.add_argument("--peer", action="store_true", help="one-to-all routing against ferrobus (NYC subway)")
    ap.add_argument("--origins", type=int, default=20, help="with --peer: queries per repeat")
    ap.add_argument("--memory", type=float, default=None, metavar="MB", help="peak RSS for a stop_times of MB")
    a = ap.parse_args()
    if a.real:
        return bench_real(a.repeat)
    if a.peer:
        return bench_peer(a.repeat, a.origins, a.seed)
    if a.memory:
        return bench_memory(a.memory)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "synthetic.zip"
        size = make_feed(path, routes=a.routes, stops_per_route=a.stops_per_route, trips=a.trips, seed=a.seed)
        print("feed:", ", ".join(f"{k} {v}" for k, v in size.items()))
        read_t, build_t = [], []
        G = None
        for _ in range(a.repeat):
            t0 = time.perf_counter()
            feed = read_gtfs(path)
            t1 = time.perf_counter()
            G = graph_from_gtfs(feed, period="peak")
            t2 = time.perf_counter()
            read_t.append(t1 - t0)
            build_t.append(t2 - t1)
        assert G is not None
        print(f"graph: {G.number_of_nodes()} nodes, {G.number_of_edges()} edges")
        print(f"read_gtfs (parse + check)  median {statistics.median(read_t):.3f} s  (n={a.repeat})")
        print(f"graph build                median {statistics.median(build_t):.3f} s")
        print(
            f"graph_from_gtfs total      median {statistics.median(r + b for r, b in zip(read_t, build_t, strict=True)):.3f} s"
        )


if __name__ == "__main__":
    main()
