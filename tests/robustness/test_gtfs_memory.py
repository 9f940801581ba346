"""The GTFS memory bound of issue 17, measured on the whole import of a 50 MB ``stop_times.txt``.

Stated bound (module docs of :mod:`cztmap.io.gtfs.read`): importing a feed raises the peak resident memory of
the process by at most **300 MB for a 50 MB ``stop_times.txt``** — read, checked, expanded into the day's
timetable and turned into the graph (``cztmap import-gtfs``: :func:`~cztmap.io.gtfs.graph_from_gtfs`);
a member above the size limits is refused before it is decompressed (``cases_gtfs_limits.toml``). The
feed is generated here: 60 stops on four routes, 29,400 trips of 50 stops (1.47 million rows, as many as
the 50 MB case of ``benchmarks/bench_gtfs.py``), with distinct clock times, so nothing deduplicates.

The import runs in a fresh interpreter; ``ru_maxrss`` (peak RSS, kB on Linux) is read before and after it,
so the interpreter and the imported libraries are not counted.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

#: Peak resident memory the import of a 50 MB stop_times.txt may add (bytes): the bound of issue 17.
BOUND_BYTES = 300e6
MEMBER_MB = 50

_MEASURE = textwrap.dedent(
    """
    import json, resource, sys, time, warnings
    warnings.simplefilter("ignore")
    import cztmap.io.gtfs, cztmap.network.build, cztmap.network.timetable  # the libraries, before measuring
    from cztmap.io.gtfs import graph_from_gtfs
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    G = graph_from_gtfs(sys.argv[1], date="2024-01-03")
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"edges": G.number_of_edges(), "before_kb": before, "peak_increase_kb": after - before,
                      "seconds": time.perf_counter() - t0}))
    """
)

_FILES = {
    "agency.txt": "agency_name,agency_url,agency_timezone\nA,https://example.org,Asia/Shanghai\n",
    "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
    "WK,1,1,1,1,1,0,0,20240101,20241231\n",
}


def _feed(path: Path, mb: float) -> int:
    """A valid feed whose stop_times.txt holds ``mb`` MB of distinct rows; returns the member's size in bytes."""
    n_stops, per_trip = 60, 50
    row_bytes = 34  # len("t000123,07:00:00,07:00:00,s001,01\n")
    n_trips = int(mb * 1e6 / (per_trip * row_bytes))
    stops = "stop_id,stop_name,stop_lat,stop_lon\n" + "".join(
        f"s{i:03d},站{i},{28.0 + i * 0.004:.4f},{112.9 + i * 0.002:.4f}\n" for i in range(n_stops)
    )
    routes = "route_id,route_short_name,route_type\n" + "".join(f"R{r},R{r},3\n" for r in range(4))
    trips = "route_id,service_id,trip_id\n" + "".join(f"R{t % 4},WK,t{t:06d}\n" for t in range(n_trips))
    size = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, text in {**_FILES, "stops.txt": stops, "routes.txt": routes, "trips.txt": trips}.items():
            zf.writestr(name, text)
        with zf.open("stop_times.txt", "w", force_zip64=True) as f:
            head = b"trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
            f.write(head)
            size += len(head)
            for t in range(n_trips):
                first = (t % 4) * 3  # four routes, four stop patterns
                start = 5 * 3600 + (t // 4) * 13 % (17 * 3600)  # distinct departures over the day
                rows = []
                for k in range(per_trip):
                    s = start + k * 90
                    hms = f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"
                    rows.append(f"t{t:06d},{hms},{hms},s{first + k:03d},{k + 1:02d}\n")
                block = "".join(rows).encode()
                size += len(block)
                f.write(block)
    return size


def test_import_of_a_50_mb_stop_times_stays_within_300_mb(tmp_path: Path) -> None:
    path = tmp_path / "big.zip"
    size = _feed(path, MEMBER_MB)
    assert size >= MEMBER_MB * 1e6 * 0.98, size / 1e6
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)], capture_output=True, text=True, check=True, timeout=600
    )
    got = json.loads(out.stdout)
    assert got["edges"] > 0
    increase = got["peak_increase_kb"] * 1024
    assert increase <= BOUND_BYTES, f"peak RSS +{increase / 1e6:.0f} MB for a {size / 1e6:.0f} MB stop_times.txt"
