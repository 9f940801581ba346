"""Timetable itineraries, arrive-by, windows, last trains, analysis windows and the CLI on top of them."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cztmap import build_graph, route
from cztmap.analysis.integration import cross_city_table
from cztmap.analysis.isochrones import isochrones
from cztmap.analysis.matrix import station_matrix
from cztmap.cli.app import main
from cztmap.errors import DataError, NoRouteError, UsageError
from cztmap.network.timetable import parse_clock
from cztmap.params import DEFAULTS

AS_OF = "2026-12-01"


@pytest.fixture(scope="module")
def G():
    return build_graph(as_of=AS_OF)


def _s(clock):
    return parse_clock(clock)


def test_depart_gives_clock_times_per_leg(G):
    it = route(G, "树木岭", "株洲南", depart="08:00")
    assert it.depart_time == "08:00" and it.service_date == AS_OF
    rides = [leg for leg in it.legs if leg.kind == "ride"]
    assert rides and rides[0].line_id == "CZT-Z"
    r = rides[0]
    # boarding needs the platform walk and the China Railway overhead after leaving at 08:00
    assert _s(r.depart_time) >= _s("08:00") + DEFAULTS.platform_walk_s + DEFAULTS.station_overhead_s["intercity"]
    assert _s(r.arrive_time) - _s(r.depart_time) == pytest.approx(r.in_vehicle_s, abs=60)
    assert r.wait_s == pytest.approx(_s(r.depart_time) - _s("08:00") - r.walk_s + DEFAULTS.alight_walk_s, abs=60)
    d = it.to_dict()
    assert d["totals"]["depart_time"] == "08:00" and d["totals"]["arrive_time"] == it.arrive_time
    assert all(leg["depart_time"] and leg["arrive_time"] for leg in d["legs"])
    # the leg times add up to the clock times
    assert _s(it.depart_time) + it.total_s == pytest.approx(_s(it.arrive_time), abs=60)


def test_arrive_by_is_the_latest_departure(G):
    it = route(G, "五一广场", "湘潭北站", arrive_by="09:00")
    assert _s(it.arrive_time) <= _s("09:00")
    later = route(G, "五一广场", "湘潭北站", depart=_s(it.depart_time) + 60)
    assert _s(later.depart_time) + later.total_s > _s("09:00")


def test_window_percentiles_and_first_departure(G):
    it = route(G, "树木岭", "株洲南", window="07:00-09:00", percentiles=[50, 95])
    w = it.window
    assert w["departures"] == 121 and w["percentiles"] == [50.0, 95.0]
    mins = np.array(w["travel_min"], dtype=float)
    assert w["percentile_min"][0] == pytest.approx(np.median(mins), abs=0.01)
    assert w["percentile_min"][0] <= w["percentile_min"][1] <= mins.max()
    assert mins[0] == pytest.approx(it.total_s / 60, abs=0.02)
    assert w["mean_min"] == pytest.approx(mins.mean(), abs=0.01)


def test_no_train_after_the_last_one(G):
    last = route(G, "树木岭", "株洲南", arrive_by="23:59:59")
    with pytest.raises(NoRouteError, match="after"):
        route(G, "树木岭", "株洲南", depart=_s(last.depart_time) + 60 * 60)


@pytest.mark.parametrize(
    "kw,match",
    [
        ({"depart": "25:61"}, "not a valid clock time"),
        ({"depart": "8am"}, "not a clock time"),
        ({"window": "09:00-07:00"}, "ends before it starts"),
        ({"window": "07:00-09:00", "percentiles": [50, 120]}, "outside 0–100"),
        ({"depart": "08:00", "arrive_by": "09:00"}, "not both"),
        ({"percentiles": [50]}, "window"),
    ],
)
def test_bad_time_arguments(G, kw, match):
    with pytest.raises(UsageError, match=match):
        route(G, "树木岭", "株洲南", **kw)


def test_no_service_is_a_data_error():
    Gr = build_graph(as_of=AS_OF, modes=["road"])
    with pytest.raises(DataError, match="No rail service"):
        route(Gr, "Z:430302", "Z:430102", depart="08:00")


def test_static_expected_times_agree_with_the_window_mean():
    """The static graph's expected-wait times (half a headway per boarding) against the mean over a window
    of the timetable: metro, off-peak graph against 10:00–12:00 (constant off-peak headways).

    Stated tolerance: at least 98 % of station pairs within max(4 min, 10 %), and the median difference
    between −2 and +0.5 min (the timetable is a little faster on average: at a station served by several
    lines the first train of any useful line is taken, and no dwell is charged at the last stop)."""
    Gm = build_graph(as_of=AS_OF, modes=["metro"], period="offpeak")
    static = station_matrix(Gm).to_numpy()
    mean = station_matrix(Gm, window="10:00-12:00").attrs["mean"].to_numpy()
    ok = np.isfinite(static) & (static > 0)
    assert np.isfinite(mean[ok]).all()
    d = mean[ok] - static[ok]
    assert np.mean(np.abs(d) <= np.maximum(4.0, 0.1 * static[ok])) >= 0.98
    assert -2.0 <= np.median(d) <= 0.5


def test_analysis_accepts_a_window(G):
    m = station_matrix(G, stations=["shumuling", "zhuzhounan"], window="07:00-09:00", percentiles=[25, 75])
    p25 = m["p25"].to_numpy()
    p75 = m["p75"].to_numpy()
    assert (p25 <= p75).all() and p25[0, 1] > 30
    tab = cross_city_table(G, minutes=[60], window="07:00-08:00", percentiles=[50, 95])
    assert sorted(set(tab["percentile"])) == [50.0, 95.0] and len(tab) == 12
    # the window's median sits near the static expected-wait median (units of every alternative agree)
    static = cross_city_table(G, minutes=[60]).set_index(["origin_city", "destination_city"])["median_min"]
    p50 = tab[tab["percentile"] == 50.0].set_index(["origin_city", "destination_city"])["median_min"]
    assert ((p50 - static).abs() <= 0.2 * static).all()
    iso = isochrones(G, "湘潭北站", [30, 60], window="07:00-08:00", percentiles=[50])
    assert list(iso["minutes"]) == [30, 60] and (iso["n_stations"].diff().dropna() >= 0).all()


def _run(argv, capsys):
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_route_depart_window_and_last_train(capsys):
    # the command: whatever place 长沙 resolves to, every leg has clock times
    code, out, _ = _run(["route", "长沙", "株洲南", "--depart", "08:00", "--as-of", AS_OF, "--json"], capsys)
    d = json.loads(out)
    assert code == 0 and d["depart_time"] == "08:00" and d["legs"]
    assert all(leg["depart_time"] >= "08:00" and leg["arrive_time"] for leg in d["legs"])
    assert d["totals"]["arrive_time"] == d["arrive_time"]
    code, out, _ = _run(["route", "树木岭", "株洲南", "--depart", "08:00", "--as-of", AS_OF, "--json"], capsys)
    d = json.loads(out)
    assert code == 0 and d["legs"][0]["kind"] == "ride" and d["legs"][0]["depart_time"] >= "08:07"
    code, out, _ = _run(["route", "树木岭", "株洲南", "--window", "07:00-09:00", "--percentiles", "50", "95"], capsys)
    assert code == 0 and "p50" in out and "p95" in out and "board" in out
    code, out, _ = _run(["last-train", "树木岭", "株洲南", "--date", "2026-12-04", "--json"], capsys)
    d = json.loads(out)
    assert code == 0 and d["last_today"]["arrive_time"] <= "23:59"
    assert d["first_tomorrow"]["service_date"] == "2026-12-05"
    assert d["first_tomorrow"]["depart_time"] < "09:00"


@pytest.mark.parametrize(
    "extra,code,needle",
    [
        (["--depart", "25:61"], 2, "not a valid clock time"),
        (["--depart", "8am"], 2, "not a clock time"),
        (["--window", "09:00-07:00"], 2, "ends before"),
        (["--window", "07:00-09:00", "--percentiles", "-1"], 2, "outside 0–100"),
        (["--percentiles", "50"], 2, "--window"),
        (["--depart", "08:00", "--date", "2026-02-30"], 2, "YYYY-MM-DD"),
        (["--depart", "08:00", "--modes", "road"], 1, "No rail service"),
    ],
)
def test_cli_bad_time_input_writes_nothing(capsys, tmp_path, extra, code, needle):
    out = tmp_path / "route.html"
    got, _, err = _run(["route", "树木岭", "株洲南", "-o", str(out), *extra], capsys)
    assert got == code and needle in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and not out.exists()
