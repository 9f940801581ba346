"""Regenerate ``czt_sample_gtfs.zip``: a small GTFS feed exported by cztmap itself.

The feed holds the lines that cross between the three cities -- the CZT intercity railway (trunk and
the Zhuzhou and Xiangtan branches), Metro Line 3 and the West Ring that runs through with it, and the one Line 2 section that links L3 with
the CZT platforms at 锦泰广场 -- as
open on 2024-07-01. It is cztmap's own model written as GTFS (one representative trip per direction,
headways in ``frequencies.txt``), not an operator's timetable: an illustrative input for
``notebooks/04_bring_your_own_data.ipynb``.

Run from the repository root::

    python notebooks/data/make_sample_gtfs.py
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import cztmap
from cztmap.io.gtfs import write_gtfs

AS_OF = "2024-07-01"
LINES = ("CZT", "CZT-Z", "CZT-X", "L3", "WR")
#: The one Line 2 section that links L3 with the CZT platforms (长沙火车站 → 锦泰广场, the CZT 长沙 platforms
#: lie by 锦泰广场, 675 m from L3's 长沙火车站: beyond a walking link).
LINK = ("L2", "长沙火车站", "锦泰广场")
OUT = Path(__file__).resolve().parent / "czt_sample_gtfs.zip"


def sample_dataset() -> cztmap.Dataset:
    """The embedded dataset on ``AS_OF``, cut down to ``LINES`` (stations served by them only)."""
    ds = cztmap.load_dataset(as_of=AS_OF)
    s = ds.sections
    link = (s["line_id"] == LINK[0]) & (s["from_name_zh"] == LINK[1]) & (s["to_name_zh"] == LINK[2])
    sec = s[s["line_id"].isin(LINES) | link].reset_index(drop=True)
    used = set(sec["from_station"]) | set(sec["to_station"])
    return dataclasses.replace(
        ds,
        sections=sec,
        stations=ds.stations[ds.stations["station_id"].isin(used)].reset_index(drop=True),
        lines=ds.lines[ds.lines["line_id"].isin((*LINES, LINK[0]))].reset_index(drop=True),
    )


if __name__ == "__main__":
    path = write_gtfs(OUT, as_of=AS_OF, ds=sample_dataset(), trips="frequencies")
    print(f"wrote {path} ({path.stat().st_size:,} bytes)")
