"""GTFS export (validator-clean, deterministic, loadable) and import (round trip, transfers, bad feeds)."""

from __future__ import annotations

import shutil
import warnings
import zipfile
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

from cztmap.errors import DataError, UsageError
from cztmap.io.gtfs import graph_from_gtfs, gtfs_tables, period_windows, read_gtfs, write_gtfs
from cztmap.io.gtfs.write import FREQUENCY_MAX_HEADWAY_S
from cztmap.network.build import RAIL_MODES, build_graph

AS_OF = "2024-07-01"  # every line but the L2 west extension 2 is open; WR runs through with L3
FIXTURE = Path(__file__).resolve().parents[1] / "data" / "gtfs" / "transfer"


@pytest.fixture(scope="module")
def feed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The frequency export: one trip per direction repeated at the static graph's headways."""
    return write_gtfs(tmp_path_factory.mktemp("gtfs") / "czt.zip", as_of=AS_OF, trips="frequencies")


@pytest.fixture(scope="module")
def timetable_feed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default export: every trip of a weekday and a weekend day."""
    return write_gtfs(tmp_path_factory.mktemp("gtfs") / "czt_tt.zip", as_of=AS_OF)


def _zip_folder(folder: Path, out: Path) -> Path:
    with zipfile.ZipFile(out, "w") as zf:
        for f in sorted(folder.iterdir()):
            zf.write(f, f.name)
    return out


# ---------------------------------------------------------------------------------------------- export


@pytest.mark.parametrize("which", ["feed", "timetable_feed"])
def test_validator_clean(which: str, request: pytest.FixtureRequest) -> None:
    import gtfs_guru  # the validator is part of the test extra: if it is missing, this test fails

    result = gtfs_guru.validate(str(request.getfixturevalue(which)), date=AS_OF)
    errors = [(n.code, n.file, n.row, n.field, n.message) for n in result.errors()]
    assert result.error_count == 0, errors
    # the only warnings are the validator's mixed-case heuristic, which cannot apply to Chinese names
    assert {n.code for n in result.warnings()} <= {"mixed_case_recommended_field"}


def test_gtfs_kit_and_partridge_load(feed: Path, timetable_feed: Path) -> None:
    import gtfs_kit as gk  # test extra: a missing reader is a failure, not a skip
    import partridge as ptg

    with warnings.catch_warnings():  # both libraries trip pandas 3 deprecations internally
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", getattr(pd.errors, "Pandas4Warning", FutureWarning))
        # the default export: every trip of a weekday and a weekend day
        f = gk.read_feed(timetable_feed, dist_units="m")
        assert set(f.routes.route_id) >= {"L1", "L3", "S2", "CZT-Z", "CZT-X", "HSR-JG"}
        assert "WR" not in set(f.routes.route_id)  # the West Ring runs inside route L3
        stats = f.compute_trip_stats()
        assert (stats["duration"] > 0).all() and len(stats) == len(f.trips)
        day, services = ptg.read_busiest_date(str(timetable_feed))
        assert day.isoformat() == AS_OF and services == frozenset({"weekday"})  # 2024-07-01 is a Monday
        pf = ptg.load_feed(str(timetable_feed), view={"trips.txt": {"service_id": services}})
        assert len(pf.trips) == (f.trips.service_id == "weekday").sum() > 1000
        assert set(pf.routes.route_type) == {1, 2}
        # the frequency export: gtfs-kit reads headway_secs as int16, which a once-a-day train's 59,400 s
        # would overflow; such services are explicit trips instead (FREQUENCY_MAX_HEADWAY_S)
        fk = gk.read_feed(feed, dist_units="m")
        assert 0 < fk.frequencies["headway_secs"].max() <= FREQUENCY_MAX_HEADWAY_S
        assert (fk.compute_trip_stats()["duration"] > 0).all()
        day, services = ptg.read_busiest_date(str(feed))
        assert day.isoformat() == AS_OF and services == frozenset({"daily"})
        pf = ptg.load_feed(str(feed), view={"trips.txt": {"service_id": services}})
        repeated = set(pf.trips[pf.trips.trip_id.isin(set(fk.frequencies["trip_id"]))].route_id)
        assert (pf.trips.route_id.isin(repeated)).sum() == 2 * len(repeated)  # one trip per direction
        assert "RAIL-LC" in set(pf.routes.route_id) - repeated  # one train a day each way: two trips
        assert (pf.trips.route_id == "RAIL-LC").sum() == 2
        assert set(pf.routes.route_type) == {1, 2}


def test_deterministic_bytes(feed: Path, timetable_feed: Path, tmp_path: Path) -> None:
    again = write_gtfs(tmp_path / "again.zip", as_of=AS_OF, trips="frequencies")
    assert again.read_bytes() == feed.read_bytes()
    assert write_gtfs(tmp_path / "again_tt.zip", as_of=AS_OF).read_bytes() == timetable_feed.read_bytes()
    with zipfile.ZipFile(feed) as zf:
        infos = zf.infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}


def test_feed_contents() -> None:
    t = gtfs_tables(as_of=AS_OF, trips="frequencies")
    agencies = {r[0]: r[1] for r in t["agency.txt"][1:]}
    assert agencies == {"csmetro": "长沙地铁", "csmaglev": "长沙磁浮", "cr": "中国铁路"}
    routes = {r[0]: r for r in t["routes.txt"][1:]}
    assert routes["L1"][5] == "FB3039" and routes["S2"][4] == "1" and routes["CZT"][4] == "2"
    assert routes["S2"][7] == "maglev" and routes["HSR-JG"][7] == "hsr"
    stops = t["stops.txt"]
    parents = [r for r in stops[1:] if r[4] == "1"]
    children = [r for r in stops[1:] if r[4] == "0"]
    assert all(r[5] for r in children) and {r[5] for r in children} == {r[0] for r in parents}
    langs = {r[2] for r in t["translations.txt"][1:]}
    assert langs == {"en"}
    # peak headway of L1 is the published 6.53 min
    assert ["L1:0", "07:00:00", "09:00:00", "392", "0"] in t["frequencies.txt"]
    fi = dict(zip(*t["feed_info.txt"], strict=True))
    assert fi["feed_publisher_name"] == "cztmap" and fi["feed_lang"] == "zh" and fi["feed_start_date"] == "20240701"
    assert any("wikiclassic.com" in r[-1] and r[2] == "L1" for r in t["attributions.txt"][1:])


def test_sparse_services_are_written_as_their_trips() -> None:
    """A service with fewer than one train an hour gets its exact weekday trips, not a frequency."""
    from cztmap.network.timetable import embedded_tables

    t = gtfs_tables(as_of=AS_OF, trips="frequencies")
    repeated = {r[0].split(":")[0] for r in t["frequencies.txt"][1:]}
    assert max(int(r[3]) for r in t["frequencies.txt"][1:]) <= FREQUENCY_MAX_HEADWAY_S
    tables = embedded_tables(as_of=AS_OF, day="weekday")
    plans = tables["plans"]
    sparse = set(plans.loc[plans[["peak_min", "offpeak_min"]].max(axis=1) * 60 > FREQUENCY_MAX_HEADWAY_S, "route_id"])
    assert "RAIL-LC" in sparse and not sparse & repeated
    trips = [r for r in t["trips.txt"][1:] if r[0] in sparse]
    want = tables["trips"][tables["trips"]["route_id"].isin(sparse)]
    assert sorted(r[2] for r in trips) == sorted(want["trip_id"]) and {r[1] for r in trips} == {"daily"}
    # each train leaves its first stop at the timetable's time (the sourced first train; 潇湘晨报: K9233 leaves
    # 长沙 at 09:12, the model's plan is its own) and runs the static graph's times, as every frequency trip
    first = tables["stop_times"].sort_values("stop_sequence").groupby("trip_id")["departure_s"].first()
    rows = {}
    for trip, _arr, dep, _stop, seq, *_ in t["stop_times.txt"][1:]:
        if trip.startswith("RAIL-LC") and seq == "1":
            rows[trip] = dep
    assert rows and all(
        d == f"{first[k] // 3600:02d}:{first[k] % 3600 // 60:02d}:{first[k] % 60:02d}" for k, d in rows.items()
    )


def test_timetable_export_round_trip_clock_times(timetable_feed: Path) -> None:
    """Export → import → route gives the embedded timetable's clock times, to the second, on both day types."""
    import datetime as dt

    import numpy as np

    from cztmap.io.gtfs import timetable_tables
    from cztmap.network.timetable import Timetable, earliest_arrival, embedded_timetable
    from cztmap.params import DEFAULTS

    with zipfile.ZipFile(timetable_feed) as zf:
        assert "frequencies.txt" not in zf.namelist()
        assert zf.read("calendar.txt").decode().count("week") == 2  # services weekday and weekend
    feed = read_gtfs(timetable_feed)
    for day in (dt.date(2024, 7, 2), dt.date(2024, 7, 6)):  # a Tuesday and a Saturday
        emb = embedded_timetable(as_of=AS_OF, date=day)
        t = timetable_tables(feed, date=day)
        imp = Timetable.from_tables(
            *(t[k] for k in ("stops", "routes", "trips", "stop_times", "transfers")),
            service_date=day,
            source=t["trips"].attrs["source"],
            min_change_s=DEFAULTS.min_change_s,
        )
        assert set(emb.stop_index) == set(imp.stop_index) and emb.n_trips == imp.n_trips
        common = sorted(emb.stop_index)
        ie = np.array([emb.stop_index[s] for s in common])
        ii = np.array([imp.stop_index[s] for s in common])
        rng = np.random.default_rng(7)
        compared = 0
        for origin in rng.choice(common, 8, replace=False):
            for dep in (6 * 3600 + 1234, 8 * 3600, 18 * 3600 + 555, 22 * 3600):
                a = earliest_arrival(emb, {origin: 0}, dep)[ie]
                b = earliest_arrival(imp, {origin: 0}, dep)[ii]
                assert np.array_equal(a, b), (day, origin, dep)
                compared += int(np.isfinite(a).sum())
        assert compared > 4000


def test_export_needs_zip(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"\.zip"):
        write_gtfs(tmp_path / "feed.txt", as_of=AS_OF)


# ---------------------------------------------------------------------------------------------- round trip


def _dist_and_bound(G: nx.MultiDiGraph, source: str) -> tuple[dict[str, float], dict[str, float]]:
    """Shortest times from ``source`` and the largest rounding difference along each shortest path:
    < 1 s per ride (stop times are whole seconds, rounded cumulatively), ≤ 0.25 s per boarding (headway
    rounded to whole seconds, half of it waited), ≤ 0.5 s per walk (min_transfer_time in whole seconds)."""
    pred, dist = nx.dijkstra_predecessor_and_distance(G, source, weight="travel_time")
    bound = {source: 0.0}
    for t in sorted(dist, key=dist.__getitem__):
        if t != source:
            u = pred[t][0]
            mode = min(G[u][t].values(), key=lambda d: d["travel_time"])["mode"]
            bound[t] = bound[u] + {"board": 1.25, "walk": 0.5}.get(mode, 0.0)
    return dist, bound


def _without_services(G: nx.MultiDiGraph, services: set[str]) -> nx.MultiDiGraph:
    """``G`` without the rides, boardings and alightings of ``services``."""
    return G.edge_subgraph(
        [(u, v, k) for u, v, k, d in G.edges(keys=True, data=True) if d.get("service_id") not in services]
    )


def _service_subgraph(G: nx.MultiDiGraph, svc: str) -> nx.MultiDiGraph:
    return G.edge_subgraph(
        [
            (u, v, k)
            for u, v, k, d in G.edges(keys=True, data=True)
            if d["mode"] in RAIL_MODES and d["service_id"] == svc
        ]
    )


@pytest.mark.parametrize("period", ["peak", "offpeak"])
def test_round_trip(feed: Path, period: str) -> None:
    G = build_graph(as_of=AS_OF, period=period, modes=RAIL_MODES, zones=False, roads=False)
    H = graph_from_gtfs(feed, period=period)
    assert H.graph["as_of"] == AS_OF and H.graph["scenario"] == "gtfs:czt" and H.graph["period"] == period
    assert set(G.nodes) == set(H.nodes)
    key = lambda g: {(u, v, d["mode"]) for u, v, d in g.edges(data=True)}  # noqa: E731
    assert key(G) == key(H)
    # station-to-station in-vehicle time along each service: within one second (cumulative rounding)
    for svc in sorted({d["service_id"] for _, _, d in G.edges(data=True) if d["mode"] in RAIL_MODES}):
        a = dict(nx.all_pairs_dijkstra_path_length(_service_subgraph(G, svc), weight="travel_time"))
        b = dict(nx.all_pairs_dijkstra_path_length(_service_subgraph(H, svc), weight="travel_time"))
        assert a.keys() == b.keys()
        worst = max(abs(a[s][t] - b[s][t]) for s in a for t in a[s])
        assert worst < 1.0, (svc, worst)
    # door to door, station to station: equal up to the documented rounding bound, on the services written
    # as frequencies (a service with fewer than a train an hour is written as its trains, whose waits the
    # import derives from the gaps between them, not from the static graph's headway)
    sparse = {d["service_id"] for _, _, d in G.edges(data=True) if d["mode"] == "board"} - {
        r[0].rsplit(":", 1)[0] for r in gtfs_tables(as_of=AS_OF, trips="frequencies")["frequencies.txt"][1:]
    }
    assert "RAIL-LC" in sparse and len(sparse) <= 3
    G, H = (_without_services(g, sparse) for g in (G, H))
    worst = 0.0
    for s in sorted(n for n in G if n.startswith("S:")):
        da, ba = _dist_and_bound(G, s)
        db, bb = _dist_and_bound(H, s)
        assert da.keys() == db.keys()
        for t in da:
            diff = abs(da[t] - db[t])
            worst = max(worst, diff)
            assert diff <= max(ba[t], bb[t]) + 1e-6, (s, t, diff)
    assert worst < 3.0


def test_import_hand_made_transfer_feed() -> None:
    H = graph_from_gtfs(FIXTURE)  # a folder; agency.txt starts with a UTF-8 BOM
    assert H.graph["as_of"] == "2024-01-01" and H.graph["dataset_version"] == "test-1"
    assert H.nodes["S:HUB"]["name_en"] == "Hub" and H.nodes["S:HUB"]["lines"] == "A;B"
    path = nx.shortest_path(H, "S:A1", "S:B2", weight="travel_time")
    assert path == ["S:A1", "P:A1:A", "P:HUB:A", "S:HUB", "P:HUB:B", "P:B2:B", "S:B2"]
    # board A: 120 + 300/2; ride 210; alight 60; board B (route_type 2 = rail): 120 + 1200/2 (mean gap of
    # trip departures), no China Railway overhead for an imported feed; ride 600 (median over trips, one
    # interpolated); alight 60
    t = nx.shortest_path_length(H, "S:A1", "S:B2", weight="travel_time")
    assert t == pytest.approx(270 + 210 + 60 + 720 + 600 + 60, abs=1e-6)
    assert H["P:A1:A"]["P:HUB:A"][0]["mode"] == "subway" and H["P:HUB:B"]["P:B2:B"][0]["mode"] == "rail"
    # asked for, the overhead (security, ticket gates; params.station_overhead_s["rail"]) is added to boarding B
    H2 = graph_from_gtfs(FIXTURE, station_overhead=True)
    t2 = nx.shortest_path_length(H2, "S:A1", "S:B2", weight="travel_time")
    from cztmap.params import DEFAULTS

    assert DEFAULTS.station_overhead_s["rail"] > 0
    assert t2 == pytest.approx(t + DEFAULTS.station_overhead_s["rail"], abs=1e-6)


def test_import_date_without_service(tmp_path: Path) -> None:
    feed = _zip_folder(FIXTURE, tmp_path / "f.zip")
    with pytest.raises(DataError, match="runs no trips on 2024-01-02"):
        graph_from_gtfs(feed, date="2024-01-02")  # removed by calendar_dates
    with pytest.raises(DataError, match="runs no trips on 2024-01-06"):
        graph_from_gtfs(feed, date="2024-01-06")  # a Saturday
    assert graph_from_gtfs(feed, date="2024-01-03", period="offpeak").graph["as_of"] == "2024-01-03"


def test_period_windows() -> None:
    assert period_windows("peak") == [(25200, 32400), (61200, 68400)]
    with pytest.raises(UsageError):
        period_windows("night")


# ---------------------------------------------------------------------------------------------- bad feeds


def _broken(tmp_path: Path, edits: dict[str, bytes | str | None]) -> Path:
    folder = tmp_path / "feed"
    shutil.copytree(FIXTURE, folder)
    for name, text in edits.items():
        if text is None:
            (folder / name).unlink()
        elif isinstance(text, bytes):
            (folder / name).write_bytes(text)
        else:
            (folder / name).write_text(text, encoding="utf-8")
    return _zip_folder(folder, tmp_path / "broken.zip")


def _sub(name: str, old: str, new: str) -> str:
    text = (FIXTURE / name).read_text(encoding="utf-8-sig")
    assert old in text
    return text.replace(old, new, 1)


def _problems(path: Path) -> list[str]:
    with pytest.raises(DataError) as info:
        read_gtfs(path)
    return info.value.problems  # type: ignore[attr-defined]


CASES = {
    "trip route unknown": (
        {"trips.txt": _sub("trips.txt", "B,WK,B0b,0", "Z,WK,B0b,0")},
        "trips.txt line 5, field route_id: unknown route 'Z'; use a route_id from routes.txt.",
    ),
    "stop_time stop unknown": (
        {"stop_times.txt": _sub("stop_times.txt", "A0,07:06:30,07:06:30,A2,3", "A0,07:06:30,07:06:30,A9,3")},
        "stop_times.txt line 4, field stop_id: unknown stop 'A9'; use a stop_id from stops.txt.",
    ),
    "bad time": (
        {"stop_times.txt": _sub("stop_times.txt", "A0,07:03:00,07:03:30", "A0,25:61:00,07:03:30")},
        "stop_times.txt line 3, field arrival_time: '25:61:00' is not a time; write HH:MM:SS with minutes and "
        "seconds below 60 (hours may pass 24).",
    ),
    "empty first time": (
        {"stop_times.txt": _sub("stop_times.txt", "A1,07:00:00,07:00:00,A2,1", "A1,,,A2,1")},
        "stop_times.txt line 5, field arrival_time: the first stop of trip 'A1' has no time; give the first "
        "and last stop of every trip an arrival and departure time.",
    ),
    "unknown route_type": (
        {"routes.txt": _sub("routes.txt", "甲线,1,", "甲线,99,")},
        "routes.txt line 2, field route_type: '99' is not a GTFS route type; use a basic type 0–7, 11, 12 "
        "or an extended type 100–1702.",
    ),
    "duplicate stop id": (
        {"stops.txt": _sub("stops.txt", "B2,乙二", "B1,乙二")},
        "stops.txt line 5, field stop_id: duplicate id 'B1' (first on line 4); make ids unique.",
    ),
    "duplicate trip id": (
        {"trips.txt": _sub("trips.txt", "A,WK,A1,1", "A,WK,A0,1")},
        "trips.txt line 3, field trip_id: duplicate id 'A0' (first on line 2); make ids unique.",
    ),
    "GBK text": (
        {"stops.txt": (FIXTURE / "stops.txt").read_text(encoding="utf-8").encode("gbk")},
        "stops.txt line 2: the text is not UTF-8 (it reads as GBK/GB18030); re-save the file as UTF-8, e.g. "
        "`iconv -f GBK -t UTF-8`.",
    ),
    "missing stops": ({"stops.txt": None}, "stops.txt: the required file is missing from the feed; add it."),
    "missing calendars": (
        {"calendar.txt": None, "calendar_dates.txt": None},
        "calendar.txt: neither calendar.txt nor calendar_dates.txt is in the feed; add one of them.",
    ),
    "missing column": (
        {"routes.txt": _sub("routes.txt", "route_type", "kind")},
        "routes.txt line 1, field route_type: the required column is missing; add it to the header.",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_feed_messages(tmp_path: Path, case: str) -> None:
    edits, expected = CASES[case]
    problems = _problems(_broken(tmp_path, edits))
    assert expected in problems, problems


def test_all_problems_reported_together(tmp_path: Path) -> None:
    edits = {**CASES["trip route unknown"][0], **CASES["bad time"][0], **CASES["unknown route_type"][0]}
    with pytest.raises(DataError) as info:
        read_gtfs(_broken(tmp_path, edits))
    msg = str(info.value)
    assert msg.startswith(f"GTFS feed {str(tmp_path / 'broken.zip')!r} has 3 problem(s)")
    for case in ("trip route unknown", "bad time", "unknown route_type"):
        assert CASES[case][1] in msg


def test_not_a_zip_and_missing_path(tmp_path: Path) -> None:
    bad = tmp_path / "feed.zip"
    bad.write_bytes(b"hello")
    assert _problems(bad) == ["feed.zip: the file is not a zip archive; give a GTFS .zip (or a folder of .txt files)."]
    with pytest.raises(UsageError, match="does not exist"):
        read_gtfs(tmp_path / "nope.zip")


def test_bom_accepted(tmp_path: Path) -> None:
    assert (FIXTURE / "agency.txt").read_bytes().startswith(b"\xef\xbb\xbf")
    feed = read_gtfs(_zip_folder(FIXTURE, tmp_path / "f.zip"))
    assert set(feed.routes) == {"A", "B"}
