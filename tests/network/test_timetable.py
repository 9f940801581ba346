"""Timetable router: hand-checked toy timetables, an independent connection scan on the embedded network,
arrive-by and window queries consistent with earliest arrival, validation and clock parsing."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from cztmap.errors import DataError, UsageError
from cztmap.network.timetable import (
    Timetable,
    earliest_arrival,
    embedded_timetable,
    format_clock,
    journey,
    latest_departure,
    parse_clock,
    parse_percentiles,
    parse_window,
    range_query,
)

DAY = dt.date(2026, 12, 1)


def _tables(trips_spec, transfers=(), overhead=None):
    """trips_spec: {trip_id: (route_id, [(stop, arr, dep), ...])}."""
    stops = sorted({s for _, sts in trips_spec.values() for s, _, _ in sts} | {x for t in transfers for x in t[:2]})
    routes = sorted({r for r, _ in trips_spec.values()})
    st_rows = [(tid, i + 1, s, a, d) for tid, (_, sts) in trips_spec.items() for i, (s, a, d) in enumerate(sts)]
    return dict(
        stops=pd.DataFrame(
            {"stop_id": stops, "name": [s.upper() for s in stops], "lon": 0.0, "lat": 0.0, "station": stops}
        ),
        routes=pd.DataFrame(
            {
                "route_id": routes,
                "mode": "bus",
                "line_id": routes,
                "name": routes,
                "board_overhead_s": [float((overhead or {}).get(r, 0.0)) for r in routes],
            }
        ),
        trips=pd.DataFrame(
            {
                "trip_id": list(trips_spec),
                "route_id": [r for r, _ in trips_spec.values()],
                "pattern_id": ["-".join(s for s, _, _ in sts) for _, sts in trips_spec.values()],
                "direction_id": 0,
                "headsign": "",
            }
        ),
        stop_times=pd.DataFrame(st_rows, columns=["trip_id", "stop_sequence", "stop_id", "arrival_s", "departure_s"]),
        transfers=pd.DataFrame(list(transfers), columns=["from_stop_id", "to_stop_id", "duration_s"]),
    )


def _tt(spec, transfers=(), overhead=None, min_change_s=0.0):
    return Timetable.from_tables(
        **_tables(spec, transfers, overhead), service_date=DAY, source="test", min_change_s=min_change_s
    )


def test_transfer_footpath_and_overhead_hand_checked():
    spec = {
        "a1": ("A", [("a", 100, 100), ("b", 200, 210), ("c", 300, 300)]),
        "a2": ("A", [("a", 400, 400), ("b", 500, 510), ("c", 600, 600)]),
        "b1": ("B", [("d", 350, 350), ("e", 450, 450)]),  # reached from c by a 40 s walk
        "b2": ("B", [("d", 700, 700), ("e", 800, 800)]),
    }
    tt = _tt(spec, transfers=[("c", "d", 40), ("d", "c", 40)])
    arr = earliest_arrival(tt, {"a": 0}, 50)
    i = tt.stop_index
    assert (arr[i["b"]], arr[i["c"]], arr[i["d"]], arr[i["e"]]) == (200, 300, 340, 450)
    # departing just after a1 leaves: the next trip
    assert earliest_arrival(tt, {"a": 0}, 101)[i["e"]] == 800
    # a 60 s boarding overhead on route B misses b1 (340 + 60 > 350)
    tt2 = _tt(spec, transfers=[("c", "d", 40)], overhead={"B": 60})
    assert earliest_arrival(tt2, {"a": 0}, 50)[i["e"]] == 800
    # access offset at the origin delays boarding
    assert earliest_arrival(tt, {"a": 60}, 50)[i["c"]] == 600


def test_max_rides_and_pareto_front():
    spec = {
        "slow": ("S", [("a", 0, 0), ("z", 3000, 3000)]),
        "f1": ("F", [("a", 0, 0), ("m", 600, 600)]),
        "f2": ("G", [("m", 700, 700), ("z", 1200, 1200)]),
    }
    tt = _tt(spec)
    best, rounds = earliest_arrival(tt, {"a": 0}, 0, by_rounds=True)
    z = tt.stop_index["z"]
    assert best[z] == 1200
    assert rounds[1][z] == 3000 and rounds[2][z] == 1200  # one ride: slow; two rides: faster
    assert earliest_arrival(tt, {"a": 0}, 0, max_rides=1)[z] == 3000
    j = journey(tt, {"a": 0}, 0, {"z": 0}, rides=1)
    assert j is not None and j.n_rides == 1 and j.arrive_s == 3000


def test_overtaking_trips_are_split_into_fifo_patterns():
    spec = {
        "local": ("R", [("a", 0, 0), ("b", 600, 600), ("c", 1800, 1800)]),
        "express": ("R", [("a", 60, 60), ("b", 300, 300), ("c", 900, 900)]),
    }
    tt = _tt(spec)
    arr = earliest_arrival(tt, {"a": 0}, 0)
    assert arr[tt.stop_index["b"]] == 300 and arr[tt.stop_index["c"]] == 900


def test_validation_names_row_and_field():
    spec = {"t": ("R", [("a", 0, 0), ("b", 600, 500)])}
    with pytest.raises(DataError, match=r"stop_times row 2.*departure_s"):
        _tt(spec)
    t = _tables({"t": ("R", [("a", 0, 0), ("b", 600, 600)])})
    t["stop_times"].loc[1, "stop_id"] = "nowhere"
    with pytest.raises(DataError, match="stop_times row 2: stop_id 'nowhere' is not in stops"):
        Timetable.from_tables(**t, service_date=DAY, source="x")
    t = _tables({"t": ("R", [("a", 0, 0), ("b", 600, 600), ("c", 500, 500)])})
    with pytest.raises(DataError, match="goes backwards"):
        Timetable.from_tables(**t, service_date=DAY, source="x")
    t = _tables({"t": ("R", [("a", 0, 0), ("b", 600, 600)])})
    with pytest.raises(DataError, match="lacks column"):
        Timetable.from_tables(**{**t, "stops": t["stops"].drop(columns=["station"])}, service_date=DAY, source="x")


@pytest.mark.parametrize("bad", ["25:61", "8am", "", "12:60", "48:00", "7"])
def test_bad_clock_times(bad):
    with pytest.raises(UsageError, match="clock time"):
        parse_clock(bad)


def test_clock_window_percentile_parsing():
    assert parse_clock("7:05") == 7 * 3600 + 300
    assert format_clock(parse_clock("23:59:59"), with_seconds=True) == "23:59:59"
    assert parse_window("07:00-09:00") == (25200, 32400)
    with pytest.raises(UsageError, match="ends before it starts"):
        parse_window("09:00-07:00")
    with pytest.raises(UsageError, match="outside 0–100"):
        parse_percentiles([50, 101])
    with pytest.raises(UsageError, match="outside 0–100"):
        parse_percentiles("-5")


# ---------------------------------------------------------------------------------------------
# the embedded network against an independent connection scan (CSA) with the same rules
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tt():
    return embedded_timetable(as_of="2026-12-01")


def _csa(tt, origin, depart):
    st = tt.stop_times
    ov = dict(zip(tt.routes["route_id"], tt.routes["board_overhead_s"], strict=True))
    trip_ov = tt.trips["route_id"].map(ov).to_numpy(float)
    trip = st["_trip"].to_numpy()
    stop = st["_stop"].to_numpy()
    a = st["arrival_s"].to_numpy(float)
    d = st["departure_s"].to_numpy(float)
    same = np.r_[trip[1:] == trip[:-1], False]
    idx = np.nonzero(same)[0]
    conns = sorted(zip(d[idx], a[idx + 1], stop[idx], stop[idx + 1], trip[idx], strict=True))
    foot = np.full(tt.n_stops, np.inf)
    for s, off in origin.items():
        foot[tt.stop_index[s]] = depart + off
    tr = tt.transfers
    f = tr["from_stop_id"].map(tt.stop_index).to_numpy()
    t = tr["to_stop_id"].map(tt.stop_index).to_numpy()
    dur = tr["duration_s"].to_numpy(float)
    out_of: dict[int, list[tuple[int, float]]] = {}
    for x, y, z in zip(f, t, dur, strict=True):
        out_of.setdefault(int(x), []).append((int(y), float(z)))
    for x in list(np.nonzero(np.isfinite(foot))[0]):
        for y, z in out_of.get(int(x), []):
            foot[y] = min(foot[y], foot[x] + z)
    ride = np.full(tt.n_stops, np.inf)
    on = np.zeros(tt.n_trips, dtype=bool)
    for dep, arr, u, v, tr_ in conns:
        if not on[tr_]:
            ready = min(ride[u] + tt.min_change_s, foot[u])
            if ready + trip_ov[tr_] <= dep:
                on[tr_] = True
        if on[tr_] and arr < ride[v]:
            ride[v] = arr
            for y, z in out_of.get(int(v), []):
                foot[y] = min(foot[y], arr + z)
    return np.minimum(ride, foot)


def test_raptor_equals_connection_scan_on_embedded_network(tt):
    rng = np.random.default_rng(12)
    stations = sorted(set(tt.stops["station"]))
    for _ in range(12):
        sid = stations[rng.integers(len(stations))]
        origin = {tt.stops["stop_id"].iloc[i]: 120.0 for i in tt.stops_of(sid)}
        dep = float(rng.integers(6 * 3600, 22 * 3600))
        got = earliest_arrival(tt, origin, dep, max_rides=30)
        want = _csa(tt, origin, dep)
        np.testing.assert_array_equal(got, want, err_msg=f"{sid} at {format_clock(dep)}")


def test_latest_departure_is_consistent_with_earliest_arrival(tt):
    rng = np.random.default_rng(3)
    stations = sorted(set(tt.stops["station"]))
    for _ in range(8):
        o, d = (stations[i] for i in rng.choice(len(stations), 2, replace=False))
        origin = {tt.stops["stop_id"].iloc[i]: 0.0 for i in tt.stops_of(o)}
        dest = {tt.stops["stop_id"].iloc[i]: 0.0 for i in tt.stops_of(d)}
        dep = float(rng.integers(7 * 3600, 20 * 3600))
        arr = min(earliest_arrival(tt, origin, dep, max_rides=30)[tt.stops_of(d)])
        if not np.isfinite(arr):
            continue
        ld = max(latest_departure(tt, dest, arr, max_rides=30)[tt.stops_of(o)])
        assert dep <= ld <= arr
        # leaving at the latest departure still arrives in time, and one second later does not arrive earlier
        assert min(earliest_arrival(tt, origin, ld, max_rides=30)[tt.stops_of(d)]) <= arr
        assert min(earliest_arrival(tt, origin, ld + 1, max_rides=30)[tt.stops_of(d)]) >= arr


def test_window_equals_minute_by_minute_queries(tt):
    origin = {s: 120.0 for s in tt.stops["stop_id"].iloc[tt.stops_of("wuyiguangchang")]}
    res = range_query(tt, origin, "07:00-07:30", percentiles=(5, 50, 95))
    assert res.travel_s.shape == (1, 31, tt.n_stops)
    for k, dep in enumerate(res.departures_s[::10]):
        one = earliest_arrival(tt, origin, dep) - dep
        np.testing.assert_array_equal(res.travel_s[0, 10 * k], one)
    p = res.percentile_s()[0]
    fin = np.isfinite(p[2])
    assert np.all(p[0][fin] <= p[1][fin]) and np.all(p[1][fin] <= p[2][fin])
    j = int(np.nonzero(tt.stops["name"].to_numpy() == "湘潭北站")[0][0])
    np.testing.assert_allclose(p[1, j], np.median(res.travel_s[0, :, j]))


def test_journey_legs_have_consistent_clock_times(tt):
    czt_changsha = "jintaiguangchangchengjichangshazhan"  # the CZT 长沙 platforms, by 锦泰广场
    origin = {s: 120.0 for s in tt.stops["stop_id"].iloc[tt.stops_of(czt_changsha)]}
    target = {s: 60.0 for s in tt.stops["stop_id"].iloc[tt.stops_of("zhuzhounan")]}
    j = journey(tt, origin, parse_clock("08:00"), target)
    assert j is not None and j.legs and j.legs[0].kind == "ride"
    prev = j.start_s
    for leg in j.legs:
        assert leg.depart_s >= prev and leg.arrive_s >= leg.depart_s
        prev = leg.arrive_s
    best = earliest_arrival(tt, origin, parse_clock("08:00"))
    assert j.arrive_s == min(best[tt.stops_of("zhuzhounan")])
