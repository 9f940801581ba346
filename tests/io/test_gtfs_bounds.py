"""GTFS import within bounded resources: size limits from the zip directory and while streaming, memory."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from cztmap.errors import UsageError
from cztmap.io.gtfs import FeedTooLargeError, GtfsLimits, read_gtfs

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from test_gtfs_import import BASE  # noqa: E402

ROW = "T1,08:00:00,08:00:00,S1,1\n"


def _bomb(path: Path, member: str, mb: int) -> Path:
    """A valid small feed plus ``member`` inflating to ``mb`` MB (one repeated line: it deflates ~1000:1)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in sorted(BASE.items()):
            if name != member:
                zf.writestr(name, text)
        with zf.open(member, "w", force_zip64=True) as f:
            f.write(
                b"trip_id,arrival_time,departure_time,stop_id,stop_sequence\n" if member == "stop_times.txt" else b"a\n"
            )
            block = (ROW * (1_000_000 // len(ROW))).encode()
            for _ in range(mb):
                f.write(block)
    return path


def test_bomb_refused_from_the_directory(tmp_path: Path) -> None:
    bomb = _bomb(tmp_path / "bomb.zip", "stop_times.txt", 50)
    assert bomb.stat().st_size < 200_000  # < 200 kB on disk, 50 MB inflated
    with pytest.raises(FeedTooLargeError) as info:
        read_gtfs(bomb, limits=GtfsLimits(max_member_mb=20))
    msg = str(info.value)
    assert "stop_times.txt declares 50 MB uncompressed, more than the max_member_mb limit of 20 MB" in msg
    assert "raise the limit (max_member_mb=...)" in msg and info.value.limit == "max_member_mb"
    with pytest.raises(FeedTooLargeError, match="more than the max_total_mb limit of 30 MB"):
        read_gtfs(bomb, limits=GtfsLimits(max_total_mb=30))


def test_streaming_count_stops_at_the_limit() -> None:
    """The inflated bytes are counted while reading, whatever the directory declared."""
    import io

    from cztmap.io.gtfs.read import _Counted

    hit = []
    stream = _Counted(io.BytesIO(b"x" * 3_000_000), 1_000_000, lambda: hit.append(True) or 1 / 0)
    with pytest.raises(ZeroDivisionError):
        while stream.read(65536):
            pass
    assert hit and 1_000_000 < stream.count <= 1_000_000 + 65536


def test_unused_member_is_never_decompressed(tmp_path: Path) -> None:
    bomb = _bomb(tmp_path / "bomb.zip", "shapes.txt", 50)
    feed = read_gtfs(bomb, limits=GtfsLimits(max_member_mb=1, max_total_mb=1))  # shapes.txt is not counted
    assert "shapes.txt" in feed.members and len(feed.st) == 3


def test_limits_are_checked() -> None:
    for bad in (0, -1, float("nan"), float("inf")):
        with pytest.raises(UsageError, match="must be a positive finite number of MB"):
            GtfsLimits(max_member_mb=bad)


_MEASURE = textwrap.dedent(
    """
    import json, resource, sys, warnings
    warnings.simplefilter("ignore")
    from cztmap.io.gtfs import read_gtfs
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    feed = read_gtfs(sys.argv[1])
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"rows": len(feed.st), "peak_increase_kb": after - before}))
    """
)


def _feed_with_stop_times(path: Path, mb: float) -> int:
    """A valid feed whose stop_times.txt has ``mb`` MB of distinct rows (50 stops a trip); returns its size."""
    n_trips = int(mb * 1_000_000 / (50 * 34))
    stops = "stop_id,stop_name,stop_lat,stop_lon\n" + "".join(f"s{i:03d},S{i},0.{i:04d},0.0\n" for i in range(50))
    trips = "route_id,service_id,trip_id\n" + "".join(f"R,WK,t{t:05d}\n" for t in range(n_trips))
    size = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, text in BASE.items():
            if name != "stop_times.txt":
                zf.writestr(name, {"stops.txt": stops, "trips.txt": trips}.get(name, text))
        with zf.open("stop_times.txt", "w") as f:
            head = b"trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
            f.write(head)
            size += len(head)
            for t in range(n_trips):
                rows = []
                for k in range(50):
                    s = 21600 + t % 600 * 60 + k * 60
                    hh = f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"
                    rows.append(f"t{t:05d},{hh},{hh},s{k:03d},{k:03d}\n")
                block = "".join(rows).encode()
                size += len(block)
                f.write(block)
    return size


def test_memory_stays_within_the_stated_bound(tmp_path: Path) -> None:
    """Peak resident memory grows by at most 5× stop_times.txt + 60 MB (module docs of cztmap.io.gtfs.read).

    Measured in a fresh interpreter with ``resource.getrusage`` around ``read_gtfs`` of a 6 MB member
    (180,000 rows): fast enough for the suite. The 50 MB case (1.47 M rows) is in benchmarks/bench_gtfs.py.
    """
    path = tmp_path / "big.zip"
    size = _feed_with_stop_times(path, 6)
    out = subprocess.run([sys.executable, "-c", _MEASURE, str(path)], capture_output=True, text=True, check=True)
    got = json.loads(out.stdout)
    assert got["rows"] > 170_000
    increase = got["peak_increase_kb"] * 1024
    assert increase <= 5 * size + 60e6, (increase / 1e6, size / 1e6)
