"""GTFS import, faithful and forgiving: real feeds, stop patterns, modes, calendars, frequencies, warnings."""

from __future__ import annotations

import itertools
import statistics
import warnings
import zipfile
from pathlib import Path

import networkx as nx
import pytest

from cztmap.errors import DataError
from cztmap.io.gtfs import GtfsFeed, GtfsWarning, graph_from_gtfs, read_gtfs, route_type_mode, timetable_tables

DATA = Path(__file__).resolve().parents[1] / "data" / "gtfs"
REAL = {
    "caltrain_2017": DATA / "caltrain_2017" / "feed.zip",
    "zheleznogorsk": DATA / "zheleznogorsk" / "feed.zip",
    "cairns_2014": DATA / "cairns_2014" / "feed.zip",
    "nyc_subway_2025": DATA / "nyc_subway_2025" / "feed.zip",
}

BASE = {
    "agency.txt": "agency_name,agency_url,agency_timezone\nA,https://example.org,UTC\n",
    "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\nS1,One,0.000,0.000\nS2,Two,0.000,0.010\nS3,Three,0.000,0.020\n",
    "routes.txt": "route_id,route_short_name,route_type\nR,R,3\n",
    "trips.txt": "route_id,service_id,trip_id\nR,WK,T1\n",
    "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
    "T1,08:00:00,08:00:00,S1,1\nT1,08:03:00,08:03:00,S2,2\nT1,08:06:00,08:06:00,S3,3\n",
    "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
    "WK,1,1,1,1,1,0,0,20240101,20240131\n",
}


def make_feed(tmp_path: Path, **edits: str | None) -> Path:
    """A small valid feed (one bus trip S1→S2→S3, weekdays of January 2024) with files replaced or removed."""
    files = {**BASE, **{k.replace("__", "."): v for k, v in edits.items()}}
    out = tmp_path / "feed.zip"
    with zipfile.ZipFile(out, "w") as zf:
        for name, text in sorted(files.items()):
            if text is not None:
                zf.writestr(name, text)
    return out


def read_quiet(path: Path) -> GtfsFeed:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GtfsWarning)
        return read_gtfs(path)


# ---------------------------------------------------------------------------------------------- real feeds


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_feeds_import(name: str) -> None:
    feed = read_quiet(REAL[name])
    G = graph_from_gtfs(feed)
    tables = timetable_tables(feed)
    assert G.number_of_edges() > 100 and len(tables["stop_times"]) > 1000
    assert "art" not in {d["mode"] for _, _, d in G.edges(data=True)}  # never the embedded network's ART mode
    st = tables["stop_times"]
    assert (st["arrival_s"] <= st["departure_s"]).all()
    # in every trip, times never go back (arrival at k+1 ≥ departure at k)
    same = st["trip_id"].to_numpy()[1:] == st["trip_id"].to_numpy()[:-1]
    assert (st["arrival_s"].to_numpy()[1:][same] >= st["departure_s"].to_numpy()[:-1][same]).all()


def test_zheleznogorsk_cosmetic_problems_are_warnings() -> None:
    # a real city bus feed that earlier versions refused: '#' colours and a trip without stop times
    with pytest.warns(GtfsWarning) as record:
        feed = read_gtfs(REAL["zheleznogorsk"])
    text = "\n".join(str(w.message) for w in record)
    assert "field route_color: '#8dc73f' has a '#'" in text
    assert "trip 'bus_3_dir1_23_48_all_weekend' has no stop times; it is ignored" in text
    assert feed.routes["bus_1"]["colour"].startswith("#") and len(feed.routes["bus_1"]["colour"]) == 7
    assert all(r["mode"] == "bus" for r in feed.routes.values())
    assert feed.warnings == [str(w.message).split(": ", 1)[1] for w in record]


def test_caltrain_stop_patterns_are_kept() -> None:
    """Each graph service is one real stop pattern: riding it end to end takes a real trip's time."""
    feed = read_quiet(REAL["caltrain_2017"])
    day = "2017-07-18"  # a Tuesday
    G = graph_from_gtfs(feed, date=day)
    tables = timetable_tables(feed, date=day)
    trips, st = tables["trips"], tables["stop_times"]
    lim = trips[trips["route_id"] == "Li-129"]
    assert lim["pattern_id"].nunique() >= 20  # 26 stop patterns of limited trains on this Tuesday
    station = {s: feed.station_of(s) for s in set(st["stop_id"])}
    services = {d["service_id"] for _, _, d in G.edges(data=True) if d.get("line_id") == "Li-129"}
    assert len(services) >= 20
    seq = {tid: [station[s] for s in g["stop_id"]] for tid, g in st.groupby("trip_id", sort=False)}
    run = {tid: int(g["departure_s"].iloc[-1] - g["departure_s"].iloc[0]) for tid, g in st.groupby("trip_id")}
    for svc in sorted(services):
        H = G.edge_subgraph(
            [
                (u, v, k)
                for u, v, k, d in G.edges(keys=True, data=True)
                if d.get("service_id") == svc and d["mode"] == "rail"
            ]
        )
        edges = {(G.nodes[u]["station_id"], G.nodes[v]["station_id"]) for u, v in H.edges()}
        # the service's rides are exactly the hops of trips of one pattern (and its reverse)
        matching = [t for t, s in seq.items() if set(itertools.pairwise(s)) <= edges and len(s) > 1]
        assert matching, svc
        pattern_edges = set()
        for t in matching:
            pattern_edges |= set(itertools.pairwise(seq[t]))
        assert pattern_edges == edges, svc
        for t in matching:
            a, b = f"P:{seq[t][0]}:{svc}", f"P:{seq[t][-1]}:{svc}"
            ride = nx.shortest_path_length(H, a, b, weight="travel_time")
            times = [run[x] for x in matching if seq[x] == seq[t]]
            assert ride == pytest.approx(statistics.median(times), abs=len(seq[t]) * 30), (svc, t)
    # the phantom (a 7-stop "Limited" at 60 min) is gone: the fastest limited ride end to end in the
    # graph is a real limited trip (70 min in this feed), not a mix of patterns
    fastest = min(run[t] for t in lim["trip_id"])
    assert fastest == 70 * 60


# ---------------------------------------------------------------------------------------------- modes


_MODES = {
    **{0: "tram", 1: "subway", 2: "rail", 3: "bus", 4: "ferry", 5: "cable_tram", 6: "aerial", 7: "funicular"},
    **{11: "trolleybus", 12: "monorail", 100: "rail", 101: "hsr", 109: "rail", 200: "coach", 401: "subway"},
    **{405: "monorail", 700: "bus", 717: "bus", 800: "trolleybus", 900: "tram", 1000: "ferry", 1200: "ferry"},
    **{1300: "aerial", 1400: "funicular", 1700: "other"},
}


@pytest.mark.parametrize(("rt", "mode"), sorted(_MODES.items()))
def test_route_type_modes(rt: int, mode: str) -> None:
    assert route_type_mode(rt) == mode


def test_no_overhead_unless_asked(tmp_path: Path) -> None:
    feed = make_feed(tmp_path, routes__txt="route_id,route_short_name,route_type\nR,R,2\n")
    plain = timetable_tables(feed, date="2024-01-03")["routes"]
    asked = timetable_tables(feed, date="2024-01-03", station_overhead=True)["routes"]
    from cztmap.params import DEFAULTS

    assert plain["board_overhead_s"].tolist() == [0.0]
    assert asked["board_overhead_s"].tolist() == [DEFAULTS.station_overhead_s["rail"]] != [0.0]
    assert plain["mode"].tolist() == ["rail"]


# ---------------------------------------------------------------------------------------------- calendars


def test_calendar_dates_and_ranges(tmp_path: Path) -> None:
    feed = make_feed(
        tmp_path,
        calendar_dates__txt="service_id,date,exception_type\nWK,20240103,2\nWK,20240106,1\n",
    )
    f = read_gtfs(feed)
    assert len(timetable_tables(f, date="2024-01-06")["trips"]) == 1  # a Saturday, added
    with pytest.raises(
        DataError, match=r"runs no trips on 2024-01-03 \(a Wednesday\); it runs on 2024-01-04, 2024-01-02, 2024-01-05"
    ):
        timetable_tables(f, date="2024-01-03")  # removed
    with pytest.raises(DataError, match=r"runs no trips on 2024-01-07 \(a Sunday\)"):
        timetable_tables(f, date="2024-01-07")
    with pytest.raises(DataError, match="runs no trips on 2025-03-01: it covers 2024-01-01 to 2024-01-31"):
        graph_from_gtfs(f, date="2025-03-01")


# ---------------------------------------------------------------------------------------------- frequencies


@pytest.mark.parametrize("exact", ["0", "1", ""])
def test_frequencies_expand(tmp_path: Path, exact: str) -> None:
    freq = f"trip_id,start_time,end_time,headway_secs,exact_times\nT1,07:00:00,08:00:00,600,{exact}\n"
    t = timetable_tables(make_feed(tmp_path, frequencies__txt=freq), date="2024-01-03")
    st = t["stop_times"]
    firsts = st.groupby("trip_id")["departure_s"].min().sort_values().tolist()
    assert firsts == [7 * 3600 + k * 600 for k in range(6)]  # 07:00 … 07:50, none at 08:00
    lasts = st.groupby("trip_id")["arrival_s"].max().sort_values().tolist()
    assert [b - a for a, b in zip(firsts, lasts, strict=True)] == [360] * 6  # the template's run time
    assert ("exact_times=0" in t["trips"].attrs["source"]) == (exact != "1")


# ---------------------------------------------------------------------------------------------- forgiving


COSMETIC = {
    "hash colour": (
        {"routes__txt": "route_id,route_short_name,route_type,route_color\nR,R,3,#FF0000\n"},
        "routes.txt line 2, field route_color: '#FF0000' has a '#'",
    ),
    "bad colour": (
        {"routes__txt": "route_id,route_short_name,route_type,route_color\nR,R,3,red\n"},
        "'red' is not six hex digits; the colour is ignored",
    ),
    "empty trip": (
        {"trips__txt": "route_id,service_id,trip_id\nR,WK,T1\nR,WK,T2\n"},
        "trips.txt line 3: trip 'T2' has no stop times; it is ignored.",
    ),
    "one-stop trip": (
        {
            "trips__txt": "route_id,service_id,trip_id\nR,WK,T1\nR,WK,T2\n",
            "stop_times__txt": BASE["stop_times.txt"] + "T2,09:00:00,09:00:00,S1,1\n",
        },
        "trip 'T2' has only one stop; it is ignored.",
    ),
    "unused stop": (
        {"stops__txt": BASE["stops.txt"] + "S9,Nine,0.0,0.5\n"},
        "stops.txt line 5: stop 'S9' is used by no trip; it is ignored.",
    ),
    "unknown column": (
        {"routes__txt": "route_id,route_short_name,route_type,vehicle_kind\nR,R,3,articulated\n"},
        "routes.txt line 1, field vehicle_kind: not a column of the GTFS reference; it is ignored.",
    ),
    "no route name": ({"routes__txt": "route_id,route_type\nR,3\n"}, "route 'R' has neither a short nor a long name"),
    "NUL in a name": (
        {"stops__txt": BASE["stops.txt"].replace("One", "O\x00ne")},
        "stops.txt line 2, field stop_name: control characters (e.g. NUL) removed.",
    ),
    "late time": (
        {
            "stop_times__txt": BASE["stop_times.txt"]
            .replace("08:0", "48:5")
            .replace("48:56:00,48:56:00", "49:00:00,49:00:00")
        },
        "trip 'T1' runs at 49:00:00, after 48:00:00; check the times.",
    ),
    "fast bus": (
        {"stops__txt": BASE["stops.txt"].replace("0.000,0.020", "0.000,0.090")},  # 8.9 km in 3 min: 178 km/h
        "",
    ),
    "fast bus 2": (
        {"stops__txt": BASE["stops.txt"].replace("0.000,0.020", "0.000,0.120")},  # 12.2 km in 3 min: 245 km/h
        "trip 'T1' goes 12.2 km from stop 'S2' to 'S3' in 180 s (245 km/h",
    ),
    "short headway": (
        {"frequencies__txt": "trip_id,start_time,end_time,headway_secs\nT1,07:00:00,07:10:00,30\n"},
        "frequencies.txt line 2, field headway_secs: 30 s is below a minute.",
    ),
}


@pytest.mark.parametrize("case", sorted(COSMETIC))
def test_cosmetic_problems_warn_and_import(tmp_path: Path, case: str) -> None:
    edits, expected = COSMETIC[case]
    path = make_feed(tmp_path, **edits)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        feed = read_gtfs(path)
        timetable_tables(feed, date="2024-01-03")
    messages = [str(w.message) for w in record if issubclass(w.category, GtfsWarning)]
    assert all(issubclass(w.category, GtfsWarning) for w in record), [str(w.message) for w in record]
    if expected:
        assert any(expected in m for m in messages), messages
        assert any(expected in m for m in feed.warnings)
    else:
        assert messages == []  # 178 km/h is below the 200 km/h street-mode ceiling: nothing to say


STRUCTURAL = {
    "44 km in 1 s": (
        {
            "stops__txt": BASE["stops.txt"].replace("0.000,0.020", "0.000,0.405"),
            "stop_times__txt": BASE["stop_times.txt"].replace("08:06:00,08:06:00", "08:03:01,08:03:01"),
        },
        "stop_times.txt line 4, field arrival_time: trip 'T1' goes 43.9 km from stop 'S2' to 'S3' in 1 s",
    ),
    "times go back": (
        {"stop_times__txt": BASE["stop_times.txt"].replace("08:06:00,08:06:00", "08:01:00,08:01:00")},
        "stop_times.txt line 4, field arrival_time: the time goes back from 08:03:00 (line 3) to 08:01:00",
    ),
    "headway 1e20": (
        {"frequencies__txt": "trip_id,start_time,end_time,headway_secs\nT1,07:00:00,08:00:00,100000000000000000000\n"},
        "frequencies.txt line 2, field headway_secs: '100000000000000000000' is not a whole number of seconds",
    ),
    "unknown stop": (
        {"stop_times__txt": BASE["stop_times.txt"].replace(",S3,", ",S4,")},
        "stop_times.txt line 4, field stop_id: unknown stop 'S4'; use a stop_id from stops.txt.",
    ),
    "missing column": (
        {"stop_times__txt": BASE["stop_times.txt"].replace("departure_time", "departure")},
        "stop_times.txt line 1, field departure_time: the required column is missing; add it to the header.",
    ),
    "8am": (
        {"stop_times__txt": BASE["stop_times.txt"].replace("08:03:00,08:03:00", "8am,8am")},
        "stop_times.txt line 3, field arrival_time: '8am' is not a time",
    ),
}


@pytest.mark.parametrize("case", sorted(STRUCTURAL))
def test_structural_problems_are_errors(tmp_path: Path, case: str) -> None:
    edits, expected = STRUCTURAL[case]
    with pytest.raises(DataError) as info:
        read_gtfs(make_feed(tmp_path, **edits))
    assert any(expected in p for p in info.value.problems), info.value.problems  # type: ignore[attr-defined]


def test_unused_members_are_not_read(tmp_path: Path) -> None:
    # a shapes.txt that is not even CSV, and a fares file: never opened
    path = make_feed(tmp_path, shapes__txt='"\x00\x00 not csv', fare_rules__txt="\xff\xfe")
    feed = read_gtfs(path)
    assert "shapes.txt" in feed.members and len(feed.st) == 3


def test_route_on_an_imported_rail_feed() -> None:
    """Rides of imported modes (here ``rail``) are rides: in-vehicle time, not walking."""
    from cztmap.network.routing import route

    G = graph_from_gtfs(read_quiet(REAL["caltrain_2017"]), date="2017-07-18")
    it = route(G, "San Francisco Caltrain", "San Jose Diridon Caltrain")
    rides = [leg for leg in it.legs if leg.kind == "ride"]
    assert rides and all(leg.mode == "rail" for leg in rides)
    assert 55 * 60 <= it.in_vehicle_s <= 100 * 60  # the feed's SF–San José trains take 59–96 min
