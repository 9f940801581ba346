"""Fuzzing: hostile graphs, parameters, scenarios and GTFS tables never give a crash or a non-finite answer.

Every outcome must be either a correct result -- finite times and distances, JSON without NaN/Infinity --
or a :class:`~cztmap.errors.CztmapError` with a one-line message. Any other exception is a bug (exit 3 at
the command line). Example counts are small and deadlines off so the file runs in well under a minute.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import zipfile
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from cztmap.errors import CztmapError

QUICK = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ROUND_TRIP = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TIMETABLE = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
FEEDS = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
HEAVY = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
FIXTURE = Path(__file__).resolve().parents[1] / "data" / "gtfs" / "transfer"

#: Values a hostile file or caller may put where a number belongs.
HOSTILE_NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, -0.0, 1e308, -1e308, 5e-324, True, False, None, "", "60", "fast", "nan", [1], {}]),
    st.integers(-(10**20), 10**20),
)


def _assert_clean_error(exc: CztmapError) -> None:
    """One sentence; a list of problems (``exc.problems``, printed one per line by the CLI) may span lines."""
    msg = str(exc)
    assert msg and "Traceback" not in msg, msg
    if "\n" in msg:
        problems = getattr(exc, "problems", None) or []
        assert len(problems) >= 2 and all(str(p) in msg for p in problems), msg


def _assert_finite_itinerary(it: Any) -> None:
    doc = it.to_dict()
    json.dumps(doc, allow_nan=False)  # raises on NaN/inf anywhere
    for k, v in doc["totals"].items():
        if k in ("depart_time", "arrive_time"):  # timetable routes: clock times (HH:MM)
            assert v is None or (isinstance(v, str) and len(v.split(":")) == 2), (k, v)
            continue
        assert isinstance(v, int | float) and math.isfinite(v) and v >= 0, (k, v)
    assert "nan" not in str(it).lower().replace("nanning", "")


# ---------------------------------------------------------------------------------------------
# hostile graphs
# ---------------------------------------------------------------------------------------------
@st.composite
def hostile_graphs(draw: st.DrawFn) -> tuple[Any, Any, Any]:
    cls = draw(st.sampled_from([nx.MultiDiGraph] * 6 + [nx.DiGraph, nx.MultiGraph, nx.Graph]))
    G = cls()
    n = draw(st.integers(1, 6))
    good_xy = st.tuples(st.floats(112.8, 113.2), st.floats(27.8, 28.3))
    for i in range(n):
        attrs: dict[str, Any] = {"kind": draw(st.sampled_from(["station", "road", "zone", "platform", None, 7]))}
        if draw(st.booleans()):
            attrs["x"], attrs["y"] = draw(good_xy)
        else:
            for a in ("x", "y"):
                if draw(st.booleans()):
                    attrs[a] = draw(HOSTILE_NUMBERS)
        attrs["name_zh"] = draw(st.sampled_from(["甲", "乙站", "", None, 3, "\x00名", "五一广场"]))
        G.add_node(f"n{i}", **{k: v for k, v in attrs.items() if v is not None})
    for _ in range(draw(st.integers(0, 3 * n))):
        u, v = f"n{draw(st.integers(0, n - 1))}", f"n{draw(st.integers(0, n - 1))}"
        e: dict[str, Any] = {"mode": draw(st.sampled_from(["walk", "metro", "road", "board", "alight", "access", ""]))}
        e["travel_time"] = draw(st.one_of(st.floats(0, 5000), HOSTILE_NUMBERS))
        if draw(st.booleans()):
            e["length"] = draw(st.one_of(st.floats(0, 1e5), HOSTILE_NUMBERS))
        if draw(st.booleans()):
            del e["travel_time"]
        G.add_edge(u, v, **e)
    places = st.one_of(
        st.sampled_from([f"n{i}" for i in range(n)]),
        st.sampled_from(["五一广场", "112.97,28.19", "-112.97,28.19", "nan,nan", "", "  ", "甲", "1,2,3"]),
        st.tuples(HOSTILE_NUMBERS, HOSTILE_NUMBERS),
        HOSTILE_NUMBERS,
    )
    return G, draw(places), draw(places)


@QUICK
@given(hostile_graphs())
def test_route_on_a_hostile_graph(case: tuple[Any, Any, Any]) -> None:
    from cztmap.network.routing import route

    G, a, b = case
    before = (G.number_of_nodes(), G.number_of_edges(), dict(G.graph))
    try:
        it = route(G, a, b)
    except CztmapError as exc:
        _assert_clean_error(exc)
    else:
        _assert_finite_itinerary(it)
    assert (G.number_of_nodes(), G.number_of_edges(), dict(G.graph)) == before  # never changed


@ROUND_TRIP
@given(hostile_graphs())
def test_graphml_round_trip_of_a_hostile_graph(tmp_path_factory: pytest.TempPathFactory, case: Any) -> None:
    """Whatever write_graph accepts, read_graph reads back or refuses with a sentence; nothing crashes."""
    import warnings

    from cztmap.errors import CztmapWarning
    from cztmap.io.layers import read_graph, write_graph

    G = case[0]
    path = tmp_path_factory.mktemp("g") / "g.graphml"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CztmapWarning)
        try:
            write_graph(G, path)
        except CztmapError as exc:
            _assert_clean_error(exc)
            return
        except (nx.NetworkXError, TypeError, ValueError):
            return  # networkx refuses to serialise some Python values (lists, dicts): nothing was written
        try:
            H = read_graph(path)
        except CztmapError as exc:
            _assert_clean_error(exc)
            return
    assert H.number_of_nodes() == G.number_of_nodes()


# ---------------------------------------------------------------------------------------------
# hostile parameters
# ---------------------------------------------------------------------------------------------
PARAM_NAMES = st.sampled_from(
    ["walk_speed_mps", "access_speed_kmh", "wait_fraction", "dwell_s", "default_headway_min", "access_k",
     "road_speed_kmh", "cruise_fraction", "access_max_m", "walk_detour", "min_change_s", "weekend_peak",
     "peak_windows", "default_service_hours", "no_such_parameter"]
)  # fmt: skip


@st.composite
def hostile_params(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in draw(st.lists(PARAM_NAMES, min_size=1, max_size=3, unique=True)):
        out[name] = draw(
            st.one_of(
                HOSTILE_NUMBERS,
                st.dictionaries(st.sampled_from(["metro", "hsr", "tram", "peak"]), HOSTILE_NUMBERS, max_size=2),
                st.tuples(HOSTILE_NUMBERS, HOSTILE_NUMBERS),
                st.sampled_from([(("07:00", "09:00"),), (("09:00", "07:00"),), ("25:99", "x")]),
            )
        )
    return out


@QUICK
@given(hostile_params())
def test_params_are_valid_or_refused(changes: dict[str, Any]) -> None:
    from cztmap.params import DEFAULTS, RANGES

    try:
        p = DEFAULTS.replace(**changes)
    except CztmapError as exc:
        _assert_clean_error(exc)
        return
    for name, (lo, hi, _u, _o) in RANGES.items():
        value = getattr(p, name)
        flat = (
            [x for v in value.values() for x in (v if isinstance(v, tuple) else (v,))]
            if isinstance(value, dict)
            else [value]
        )
        assert all(math.isfinite(float(x)) and lo <= float(x) <= hi for x in flat), (name, value)


@pytest.fixture(scope="module")
def metro_graph() -> nx.MultiDiGraph:
    from cztmap.network.build import build_graph

    return build_graph(as_of="2024-07-01", modes=["metro"], zones=False)


@HEAVY
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "walk_speed_mps": st.floats(0.21, 3.0),
            "wait_fraction": st.floats(0.0, 1.0),
            "dwell_s": st.fixed_dictionaries({"metro": st.floats(0, 1800)}),
            "access_speed_kmh": st.floats(1.0, 200.0),
            "platform_walk_s": st.floats(0, 3600),
            "cruise_fraction": st.fixed_dictionaries({"metro": st.floats(0.05, 1.0)}),
        },
    )
)
def test_any_accepted_params_give_finite_routes(changes: dict[str, Any]) -> None:
    from cztmap.network.build import build_graph
    from cztmap.network.routing import route
    from cztmap.params import DEFAULTS

    p = DEFAULTS.replace(**changes)
    G = build_graph(as_of="2024-07-01", modes=["metro"], zones=False, params=p)
    _assert_finite_itinerary(route(G, "五一广场", "112.90,28.21"))


# ---------------------------------------------------------------------------------------------
# hostile scenarios
# ---------------------------------------------------------------------------------------------
@st.composite
def hostile_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "name": "fuzz",
        "as_of": draw(st.sampled_from(["2024-07-01", "1999-01-01", "2024-02-30", 5])),
    }
    if draw(st.booleans()):
        doc["headway"] = [{"line": draw(st.sampled_from(["L1", "L2", "ZZ", ""])), "peak": draw(HOSTILE_NUMBERS)}]
    if draw(st.booleans()):
        doc["add_line"] = [
            {
                "id": "FZ",
                "name": "fuzz line",
                "mode": draw(st.sampled_from(["metro", "hsr", "tram", None])),
                "speed_kmh": draw(st.one_of(st.floats(20, 200), HOSTILE_NUMBERS)),
                "length_km": draw(st.one_of(st.floats(0.001, 50), HOSTILE_NUMBERS)),
                "headway_peak_min": draw(st.one_of(st.floats(1, 30), HOSTILE_NUMBERS)),
                "stations": draw(
                    st.lists(st.sampled_from(["五一广场", "橘子洲", "湘潭北站站", "长沙南站", "nowhere"]), max_size=4)
                ),
            }
        ]
        doc["add_line"][0] = {k: v for k, v in doc["add_line"][0].items() if v is not None}
    if draw(st.booleans()):
        doc["close"] = [{"stations": draw(st.lists(st.sampled_from(["五一广场", "橘子洲", "xyz"]), max_size=2))}]
    return doc


@HEAVY
@given(hostile_scenarios())
def test_scenarios_are_valid_or_refused(metro_graph: nx.MultiDiGraph, doc: dict[str, Any]) -> None:
    from cztmap.data.scenario import parse_scenario
    from cztmap.network.build import scenario_graph
    from cztmap.network.routing import route

    try:
        scn = parse_scenario(doc)
        G = scenario_graph(scn)
        it = route(G, "五一广场", "112.95,28.25")
    except CztmapError as exc:
        _assert_clean_error(exc)
        return
    _assert_finite_itinerary(it)


# ---------------------------------------------------------------------------------------------
# hostile GTFS tables
# ---------------------------------------------------------------------------------------------
TIMES = ["07:03:00", "99:99:99", "", "-01:00:00", "07:03", "1e9", "48:00:00", "47:59:59", "06:59:00", "7:3:0"]
#: (member, column) → values a hostile feed puts there; stop_times and frequencies get most of them.
GTFS_EDITS = {
    ("stop_times.txt", "arrival_time"): TIMES,
    ("stop_times.txt", "departure_time"): TIMES,
    ("stop_times.txt", "stop_sequence"): ["1", "0", "-1", "2", "99999999999", "1.5", "", "x"],
    ("stop_times.txt", "stop_id"): ["A1", "HUB:A", "", "B2", "nowhere", "A1\x00"],
    ("stop_times.txt", "trip_id"): ["A0", "A1", "", "B0a", "ghost"],
    ("stops.txt", "stop_lat"): ["28.2", "95", "nan", "", "north", "-28.2", "1e308"],
    ("frequencies.txt", "headway_secs"): ["600", "0", "-5", "1e20", "", "abc", "86400", "59"],
    ("frequencies.txt", "start_time"): TIMES,
    ("frequencies.txt", "end_time"): TIMES,
    ("frequencies.txt", "trip_id"): ["A0", "A1", "B0a", "ghost", ""],
    ("trips.txt", "route_id"): ["A", "", "ZZ", "A\x00"],
    ("routes.txt", "route_type"): ["1", "99", "", "-1", "3"],
}


@st.composite
def hostile_feeds(draw: st.DrawFn) -> bytes:
    files = {f.name: f.read_text(encoding="utf-8") for f in sorted(FIXTURE.iterdir())}
    for name, column in draw(st.lists(st.sampled_from(sorted(GTFS_EDITS)), min_size=1, max_size=4, unique=True)):
        if name not in files:
            continue
        values = GTFS_EDITS[(name, column)]
        lines = files[name].splitlines()
        header = lines[0].split(",")
        if column not in header or len(lines) < 2:
            continue
        row = draw(st.integers(1, len(lines) - 1))
        cells = lines[row].split(",")
        cells[header.index(column)] = draw(st.sampled_from(values))
        lines[row] = ",".join(cells)
        files[name] = "\n".join(lines) + "\n"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return buf.getvalue()


@FEEDS
@given(hostile_feeds())
def test_gtfs_import_is_valid_or_refused(tmp_path_factory: pytest.TempPathFactory, feed: bytes) -> None:
    import warnings

    from cztmap.errors import CztmapWarning
    from cztmap.io.gtfs import graph_from_gtfs
    from cztmap.network.validate_graph import check_graph

    path = tmp_path_factory.mktemp("feed") / "feed.zip"
    path.write_bytes(feed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CztmapWarning)
        try:
            G = graph_from_gtfs(path)
        except CztmapError as exc:
            event("feed refused")
            _assert_clean_error(exc)
            return
        check_graph(G)  # whatever the import accepts is a routable graph
        # ... and its timetable: the day's trips route with finite times that never go back in time
        from cztmap.io.gtfs import timetable_tables
        from cztmap.network.timetable import Timetable

        try:
            t = timetable_tables(path)
            day = dt.date.fromisoformat(t["stops"].attrs["service_date"])
            tt = Timetable.from_tables(
                t["stops"], t["routes"], t["trips"], t["stop_times"], t["transfers"], service_date=day, source="fuzz"
            )
        except CztmapError as exc:
            event("graph imported, timetable refused")
            _assert_clean_error(exc)
            return
    event("graph and timetable imported")
    for origin in tt.stops["stop_id"].iloc[:2]:
        _assert_sane_arrivals(tt, str(origin), 7 * 3600)


# ---------------------------------------------------------------------------------------------
# the timetable router: hostile departure times, windows, percentiles and transfer limits
# ---------------------------------------------------------------------------------------------
#: Mostly real clock times of the service day (so most draws reach the router), then hostile ones.
VALID_CLOCKS = st.builds("{:02d}:{:02d}".format, st.integers(4, 27), st.integers(0, 59))
CLOCKS = st.one_of(
    VALID_CLOCKS,
    VALID_CLOCKS,
    VALID_CLOCKS,
    st.builds("{:02d}:{:02d}:{:02d}".format, st.integers(0, 60), st.integers(0, 70), st.integers(0, 70)),
    st.builds("{}:{:02d}".format, st.integers(-3, 50), st.integers(0, 61)),
    st.integers(-100_000, 250_000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", "noon", "08:00pm", "０８:００", "-01:00", "8", "24:00", "47:59:59", "7.5", dt.time(8), True]),
)
#: A real window: start in the service day, 0–90 minutes long.
VALID_WINDOWS = st.builds(
    lambda a, d: f"{a // 60:02d}:{a % 60:02d}-{(a + d) // 60:02d}:{(a + d) % 60:02d}",
    st.integers(5 * 60, 24 * 60),
    st.integers(0, 90),
)
WINDOWS = st.one_of(
    VALID_WINDOWS,
    VALID_WINDOWS,
    st.tuples(CLOCKS, CLOCKS),
    st.builds("{}{}{}".format, CLOCKS, st.sampled_from(["-", "–", " to ", "/", "~", ""]), CLOCKS),
    st.sampled_from(["", "07:00", "07:00-08:00-09:00", "00:00-24:00", "23:00-26:00", "06:00-31:00"]),
    HOSTILE_NUMBERS,
)
PERCENTILES = st.one_of(
    st.none(),
    st.none(),
    st.lists(st.floats(0, 100), min_size=1, max_size=3),
    st.lists(st.one_of(st.floats(-10, 110), HOSTILE_NUMBERS), max_size=4),
    st.sampled_from(["5, 50 95", "", "x", "50,,"]),
    HOSTILE_NUMBERS,
)
TRANSFERS = st.one_of(
    st.none(), st.none(), st.integers(0, 4), st.integers(-2, 6), st.sampled_from([10**12, 1.5, "2", True, float("nan")])
)
TT_PLACES = st.sampled_from(["五一广场", "橘子洲", "长沙火车站", "S:wuyiguangchang", "112.98,28.19", "长沙南", "xyz"])


def _assert_sane_arrivals(tt: Any, origin: str, depart_s: int) -> None:
    """Arrivals are finite or ``inf`` (never NaN, never before the departure); the origin is reached at once."""
    import numpy as np

    from cztmap.network.timetable import earliest_arrival, range_query

    arr = earliest_arrival(tt, {origin: 0}, depart_s)
    assert not np.isnan(arr).any()
    assert (arr[np.isfinite(arr)] >= depart_s - 1e-6).all()
    assert arr[tt.stop_index[origin]] == depart_s
    res = range_query(tt, {origin: 0}, (depart_s, depart_s + 600), step_s=300, percentiles=(50,))
    assert not np.isnan(res.travel_s).any() and (res.travel_s >= 0).all()


@pytest.fixture(scope="module")
def timetable_graph() -> nx.MultiDiGraph:
    from cztmap.network.build import build_graph

    return build_graph(as_of="2024-07-01", modes=["metro", "maglev"], zones=False)


@TIMETABLE
@given(
    kind=st.sampled_from(["depart", "arrive_by", "window"]),
    when=CLOCKS,
    window=WINDOWS,
    percentiles=PERCENTILES,
    transfers=TRANSFERS,
    a=TT_PLACES,
    b=TT_PLACES,
)
def test_timetable_route_inputs(
    timetable_graph: nx.MultiDiGraph,
    kind: str,
    when: Any,
    window: Any,
    percentiles: Any,
    transfers: Any,
    a: str,
    b: str,
) -> None:
    from cztmap.network.routing import route
    from cztmap.network.timetable import parse_clock

    kw: dict[str, Any] = {kind: window if kind == "window" else when, "max_transfers": transfers}
    if kind == "window":  # (percentiles without a window: a corpus case)
        kw["percentiles"] = percentiles
    try:
        it = route(timetable_graph, a, b, **kw)
    except CztmapError as exc:
        event(f"refused: {type(exc).__name__}")
        _assert_clean_error(exc)
        return
    event(f"routed: {kind}")
    _assert_finite_itinerary(it)
    assert transfers is None or (type(transfers) is int and it.n_transfers <= transfers)  # bools/floats refused
    if it.window is not None:
        w = it.window
        json.dumps(w, allow_nan=False)
        assert 0 < w["reachable_share"] <= 1 and w["departures"] >= 1
        assert all(v is None or (math.isfinite(v) and v >= 0) for v in w["percentile_min"] + w["travel_min"])
        assert parse_clock(w["end"]) - parse_clock(w["start"]) <= 24 * 3600
    if kind == "depart" and it.legs:  # never leaves before the asked time
        assert parse_clock(it.legs[0].depart_time) >= parse_clock(it.depart_time) == parse_clock(when) // 60 * 60
    if kind == "arrive_by" and it.legs:  # never arrives after it
        assert parse_clock(it.arrive_time) <= parse_clock(when)


# ---------------------------------------------------------------------------------------------
# GTFS-semantics stop_times tables straight into the timetable (Timetable.from_tables)
# ---------------------------------------------------------------------------------------------
CELLS = st.one_of(
    st.integers(-100, 200_000),
    st.sampled_from([float("nan"), float("inf"), -float("inf"), 1e12, -1, "x", "", None, "28800", 1.5, True]),
)


@st.composite
def hostile_tables(draw: st.DrawFn) -> dict[str, Any]:
    """Two trips over three stops, then one to four hostile cells in stop_times, transfers or routes."""
    import pandas as pd

    stops = pd.DataFrame(
        {
            "stop_id": ["a", "b", "c"],
            "name": ["甲", "乙", "丙"],
            "lon": [112.90, 112.95, 113.00],
            "lat": [28.2, 28.2, 28.2],
            "station": ["a", "b", "c"],
        }
    )
    routes = pd.DataFrame(
        {"route_id": ["R"], "mode": ["metro"], "line_id": ["R"], "name": ["R"], "board_overhead_s": [0.0]}
    )
    trips = pd.DataFrame(
        {
            "trip_id": ["t0", "t1"],
            "route_id": ["R", "R"],
            "pattern_id": ["p", "p"],
            "direction_id": [0, 0],
            "headsign": ["丙", "丙"],
        }
    )
    base = [(0, "a", 28800, 28800), (1, "b", 29100, 29130), (2, "c", 29400, 29400)]
    rows = [(f"t{k}", seq + 1, stop, arr + 600 * k, dep + 600 * k) for k in (0, 1) for seq, stop, arr, dep in base]
    stop_times = pd.DataFrame(rows, columns=["trip_id", "stop_sequence", "stop_id", "arrival_s", "departure_s"])
    transfers = pd.DataFrame({"from_stop_id": ["a", "b"], "to_stop_id": ["b", "a"], "duration_s": [300, 300]})
    tables = {"stops": stops, "routes": routes, "trips": trips, "stop_times": stop_times, "transfers": transfers}
    targets = [
        ("stop_times", "arrival_s"),
        ("stop_times", "departure_s"),
        ("stop_times", "stop_sequence"),
        ("stop_times", "stop_id"),
        ("stop_times", "trip_id"),
        ("transfers", "duration_s"),
        ("routes", "board_overhead_s"),
    ]
    for table, col in draw(st.lists(st.sampled_from(targets), min_size=1, max_size=4)):
        df = tables[table] = tables[table].astype({col: object})
        df.iloc[draw(st.integers(0, len(df) - 1)), df.columns.get_loc(col)] = draw(
            st.one_of(CELLS, st.sampled_from(["a", "b", "zz", "t0", "t1"]))
        )
    return tables


@TIMETABLE
@given(hostile_tables(), st.integers(6 * 3600, 10 * 3600))
def test_timetable_tables_are_valid_or_refused(tables: dict[str, Any], depart_s: int) -> None:
    from cztmap.network.timetable import Timetable

    try:
        tt = Timetable.from_tables(**tables, service_date=dt.date(2024, 7, 1), source="fuzz")
    except CztmapError as exc:
        event("tables refused")
        _assert_clean_error(exc)
        return
    event("tables accepted")
    for origin in ("a", "b"):
        _assert_sane_arrivals(tt, origin, depart_s)
