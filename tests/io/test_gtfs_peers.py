"""Peer cross-check: cztmap's earliest arrivals on imported real feeds equal ferrobus's (a RAPTOR in Rust).

Both routers read the same files: the real feed (``tests/data/gtfs/<name>/``) plus one ``transfers.txt`` this
test writes — a footpath between every two stops of the day closer than 300 m, ``min_transfer_time`` =
``ceil(distance × 1.3 / 1.2 m/s)`` — which cztmap reads with ``footpaths="feed"`` and ferrobus as its GTFS
transfers (they take precedence over its street walks). ferrobus also needs an OpenStreetMap street network;
the test gives it one it cannot walk: every stop is a node joined by one footway to a hub 11 km away, so any
street walk between two stops takes ≥ 4 hours, more than ferrobus's 1200 s transfer limit. Queries start and
end at the stops themselves.

Rules that match (so times must be equal to the second): a trip is boarded when its departure is ≥ the arrival
at the stop (no minimum change time, no boarding overhead: ``Timetable.min_change_s`` = 0 and imported routes
have ``board_overhead_s`` = 0); one footpath between two rides, never chained; at most 6 vehicles
(``max_rides=6`` in cztmap, ``max_transfers=6`` in ferrobus, which counts rounds, i.e. rides).

Rules that differ, and how the test makes them agree:

1. **Calendar ranges.** ferrobus ignores ``calendar.txt`` ``start_date``/``end_date`` (a service runs on every
   matching weekday of any year); cztmap honours them. The service dates chosen lie inside every range.
2. **Access to the network.** ferrobus snaps a point to the nearest street node and charges
   ``ceil(distance / 1.4 m/s)`` for it: for a point on a stop's own node that is 0 or 1 s depending on how
   the coordinate survives the 1e-7° rounding of OSM. The test finds that second per stop (a point with a
   0-second walking limit is refused exactly when it is 1) and gives cztmap the same access offset.
3. **Co-located stops.** ferrobus joins stops snapped to one street node by 0-second transfers; the
   generated ``transfers.txt`` holds a 0-second footpath for every two stops at one position (distance 0), so
   cztmap has them too; such stops are not used as origins or destinations (ferrobus reaches only one of them).
   Every stop of ``stops.txt`` gets its own street node, or an unused stop would snap to a used stop's node
   and take its place as the node's stop.
4. **Dwell times.** ferrobus starts a footpath or a change at the arriving trip's *departure* from the stop,
   cztmap at its *arrival*. The two feeds have no dwell (arrival = departure at every stop time), so this
   cannot differ; a feed with dwells (NYC) is not part of the exact check.
5. **Frequencies and untimed stops.** ferrobus reads neither ``frequencies.txt`` nor empty times; the two feeds
   have neither.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
import sys
import warnings
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from cztmap.geo import haversine_m
from cztmap.io.gtfs import GtfsWarning, read_gtfs, timetable_tables
from cztmap.network.timetable import Timetable, earliest_arrival

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _osm_pbf import write_pbf

DATA = Path(__file__).resolve().parents[1] / "data" / "gtfs"
#: Feed → service date: a Tuesday inside every calendar.txt range of the feed (rule 1).
FEEDS = {"caltrain_2017": dt.date(2017, 7, 18), "zheleznogorsk": dt.date(2024, 6, 4)}
FOOT_M, WALK_MPS, DETOUR, RIDES = 300.0, 1.2, 1.3, 6


def _prepare(name: str, day: dt.date, folder: Path, *, replace_transfers: bool = False) -> tuple[Path, Path]:
    """The feed unzipped with the generated transfers.txt, and the street network for ferrobus."""
    feed_dir = folder / name
    with zipfile.ZipFile(DATA / name / "feed.zip") as zf:
        zf.extractall(feed_dir)
        assert replace_transfers or "transfers.txt" not in zf.namelist()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GtfsWarning)
        used = sorted(set(timetable_tables(read_gtfs(feed_dir), date=day)["stop_times"]["stop_id"]))
    with open(feed_dir / "stops.txt", encoding="utf-8-sig", newline="") as fh:
        rows = {r["stop_id"]: r for r in csv.DictReader(fh)}
    pos = {s: (float(r["stop_lat"]), float(r["stop_lon"])) for s, r in rows.items() if r.get("stop_lat")}
    lat = np.array([pos[s][0] for s in used])
    lon = np.array([pos[s][1] for s in used])
    with open(feed_dir / "transfers.txt", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["from_stop_id", "to_stop_id", "transfer_type", "min_transfer_time"])
        for i, a in enumerate(used):
            d = haversine_m(lon[i], lat[i], lon, lat)
            for j in np.flatnonzero(d < FOOT_M):
                if j != i:
                    w.writerow([a, used[j], 2, math.ceil(d[j] * DETOUR / WALK_MPS)])
    # a node for every stop of stops.txt (used or not): each stop snaps to its own node
    nodes = [(k + 1, *pos[s]) for k, s in enumerate(sorted(pos))]
    hub = (len(nodes) + 1, max(p[0] for p in pos.values()) + 0.1, float(lon.mean()))
    ways = [(100_000 + nid, [nid, hub[0]], {"highway": "footway"}) for nid, _, _ in nodes]
    pbf = write_pbf(folder / f"{name}.osm.pbf", [*nodes, hub], ways)
    return feed_dir, pbf


@pytest.fixture(scope="module", params=sorted(FEEDS))
def peers(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict:
    import ferrobus  # the test extra: a missing peer router is a failure, not a skip

    name = request.param
    day = FEEDS[name]
    feed_dir, pbf = _prepare(name, day, tmp_path_factory.mktemp(name))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GtfsWarning)
        feed = read_gtfs(feed_dir)
    t = timetable_tables(feed, date=day, footpaths="feed")
    tt = Timetable.from_tables(
        *(t[k] for k in ("stops", "routes", "trips", "stop_times", "transfers")),
        service_date=day,
        source=t["trips"].attrs["source"],
    )
    model = ferrobus.create_transit_model(str(pbf), [str(feed_dir)], day, 1200)
    return {"name": name, "feed": feed, "tables": t, "tt": tt, "model": model, "ferrobus": ferrobus}


def _point(fb, model, lat: float, lon: float) -> tuple[object, int]:
    """A ferrobus point on a stop's node and its access seconds (rule 2)."""
    try:
        fb.create_transit_point(lat, lon, model, 0, 10)
        access = 0
    except ValueError:
        fb.create_transit_point(lat, lon, model, 1, 10)  # raises if the stop is not on its node at all
        access = 1
    return fb.create_transit_point(lat, lon, model, 10, 10), access


def test_rules_hold_for_the_feeds(peers: dict) -> None:
    st = peers["feed"].st
    assert (st.arr == st.dep).all()  # rule 4: no dwell
    assert not peers["feed"].frequencies and st.timepoint.all()  # rule 5
    assert peers["tables"]["routes"]["board_overhead_s"].eq(0).all() and peers["tt"].min_change_s == 0
    assert len(peers["tables"]["transfers"]) > 20  # footpaths are part of the check


def test_earliest_arrivals_equal_ferrobus(peers: dict) -> None:
    fb, model, tt, feed = peers["ferrobus"], peers["model"], peers["tt"], peers["feed"]
    used = sorted(tt.stop_index)
    pos = {s: (v["lat"], v["lon"]) for s, v in feed.stops.items()}
    count = Counter(pos.values())
    single = [s for s in used if count[pos[s]] == 1]  # rule 3 (positions shared with any stop of stops.txt)
    rng = random.Random(20261201)
    points = {s: _point(fb, model, *pos[s]) for s in single}
    equal = unreachable = 0
    differ = []
    for _ in range(12):
        origin = rng.choice(single)
        depart = rng.randrange(6 * 3600, 20 * 3600)
        dests = [s for s in rng.sample(single, min(25, len(single))) if s != origin]
        got = fb.find_routes_one_to_many(model, points[origin][0], [points[s][0] for s in dests], depart, RIDES)
        ours = earliest_arrival(tt, {origin: points[origin][1]}, depart, max_rides=RIDES)
        for s, r in zip(dests, got, strict=True):
            mine = ours[tt.stop_index[s]]
            theirs = None if r is None else depart + r["travel_time_seconds"] - points[s][1]
            if theirs is None and not np.isfinite(mine):
                unreachable += 1
            elif theirs is not None and np.isfinite(mine) and int(mine) == theirs:
                equal += 1
            else:
                differ.append((origin, s, depart, mine, theirs))
    print(f"{peers['name']}: {equal} equal, {unreachable} unreachable by both, {len(differ)} differ")
    assert not differ, differ[:5]
    assert equal >= 100, (equal, unreachable)  # ≥ 100 reachable (origin, destination, departure) triples agree


def test_in_vehicle_times_equal_the_schedule(peers: dict) -> None:
    """Run times in cztmap's tables equal gtfs-kit's trip durations of the same feed, to the second."""
    import gtfs_kit as gk  # test extra

    t = peers["tables"]
    st = t["stop_times"]
    ours = (st.groupby("trip_id")["arrival_s"].max() - st.groupby("trip_id")["departure_s"].min()).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        zf = DATA / peers["name"] / "feed.zip"
        stats = gk.read_feed(zf, dist_units="km").compute_trip_stats()
    theirs = (stats.set_index("trip_id")["duration"] * 3600).round().astype(int)
    assert set(ours.index) <= set(theirs.index)
    assert (ours == theirs.loc[ours.index]).all()
    # and the router rides them: boarding at a trip's first stop at its departure reaches its last stop at its
    # scheduled arrival (or earlier, by another trip)
    tt = peers["tt"]
    for tid in sorted(ours.index)[:: max(1, len(ours) // 20)]:
        g = st[st["trip_id"] == tid]
        arr = earliest_arrival(tt, {g["stop_id"].iloc[0]: 0}, int(g["departure_s"].iloc[0]), max_rides=1)
        assert arr[tt.stop_index[g["stop_id"].iloc[-1]]] <= g["arrival_s"].iloc[-1]
