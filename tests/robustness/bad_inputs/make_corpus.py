"""Regenerate the binary members of the bad-input corpus (GTFS zips) deterministically.

Run ``python tests/robustness/bad_inputs/make_corpus.py``; the text files (scenarios, OSM) are written by hand.
Each zip is the hand-made feed of ``tests/data/gtfs/transfer`` with one hostile edit, stored with a
fixed timestamp so that the bytes never change.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXTURE = HERE.parents[1] / "data" / "gtfs" / "transfer"
STAMP = (2024, 1, 1, 0, 0, 0)


def _files() -> dict[str, bytes]:
    return {f.name: f.read_bytes() for f in sorted(FIXTURE.iterdir())}


def _sub(files: dict[str, bytes], name: str, old: str, new: str) -> dict[str, bytes]:
    text = files[name].decode("utf-8")
    assert old in text, (name, old)
    return {**files, name: text.replace(old, new, 1).encode("utf-8")}


def _write(name: str, files: dict[str, bytes]) -> None:
    with zipfile.ZipFile(HERE / "gtfs" / name, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for n, data in sorted(files.items()):
            info = zipfile.ZipInfo(n, date_time=STAMP)
            info.external_attr = 0o644 << 16
            zf.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)


def _padded_stop_times(files: dict[str, bytes], pad: int, rows: int | None = None) -> dict[str, bytes]:
    """stop_times.txt with a ``stop_headsign`` of ``pad`` characters on every row (or the first ``rows``)."""
    lines = files["stop_times.txt"].decode("utf-8").splitlines()
    out = [lines[0] + ",stop_headsign"]
    for i, line in enumerate(lines[1:]):
        out.append(line + "," + ("终点" * (pad // 6) if rows is None or i < rows else ""))
    return {**files, "stop_times.txt": ("\n".join(out) + "\n").encode("utf-8")}


def feeds() -> dict[str, dict[str, bytes]]:
    f = _files()
    no_bom = {k: v.removeprefix(b"\xef\xbb\xbf") for k, v in f.items()}
    return {
        "empty.zip": {},
        "only_readme.zip": {"README.txt": b"this is not a feed\n"},
        "missing_stops.zip": {k: v for k, v in f.items() if k != "stops.txt"},
        "missing_calendars.zip": {k: v for k, v in f.items() if k not in ("calendar.txt", "calendar_dates.txt")},
        "unknown_route_ref.zip": _sub(f, "trips.txt", "B,WK,B0b,0", "Z,WK,B0b,0"),
        "unknown_stop_ref.zip": _sub(f, "stop_times.txt", "A0,07:06:30,07:06:30,A2,3", "A0,07:06:30,07:06:30,A9,3"),
        "bad_time.zip": _sub(f, "stop_times.txt", "A0,07:03:00,07:03:30", "A0,25:61:00,07:03:30"),
        "unknown_route_type.zip": _sub(f, "routes.txt", "甲线,1,", "甲线,99,"),
        "duplicate_stop_id.zip": _sub(f, "stops.txt", "B2,乙二", "B1,乙二"),
        "gbk_stops.zip": {**f, "stops.txt": f["stops.txt"].decode("utf-8").encode("gbk")},
        "stop_lat_lon_garbage.zip": _sub(f, "stops.txt", "28.2000000,112.9000000", "north,east"),
        "bom_everywhere.zip": {k: b"\xef\xbb\xbf" + v for k, v in no_bom.items()},
        # 1.2 MB of stop_times.txt (headsigns of 110 kB; deflates to a few kB): over a 1 MB member limit
        "big_member.zip": _padded_stop_times(f, 110_000),
        # one CSV field of 300 kB (more than the csv module's default field limit of 128 kB)
        "giant_field.zip": _padded_stop_times(f, 300_000, rows=1),
    }


def main() -> None:
    (HERE / "gtfs").mkdir(exist_ok=True)
    for name, files in feeds().items():
        _write(name, files)
    (HERE / "gtfs" / "not_a_zip.zip").write_bytes(b"route_id,route_type\nA,1\n")


if __name__ == "__main__":
    main()
