"""CZT station positions against the independent constraint table they were fitted to.

A position may not violate a used constraint by more than the stated errors allow: for a distance
between two stations, |model − published| ≤ error(a) + error(b) + sigma; for a point, a co-site or
the railway trace, the miss ≤ error + sigma. The errors are the ones shipped in stations.geojson.
"""

from __future__ import annotations

import csv
import math

import pytest

from cztmap._paths import sources_dir
from cztmap.data.build.fit import Constraint, fit_positions, read_constraints
from cztmap.data.build.stations import czt_fit
from cztmap.data.dataset import load_dataset
from cztmap.geo import haversine_m


@pytest.fixture(scope="module")
def czt() -> dict[str, tuple[float, float, float]]:
    """CZT stations of the shipped dataset by every CZT name: (lon, lat, error_m)."""
    st = load_dataset().stations
    out = {}
    for r in st.itertuples(index=False):
        if "CZT" not in r.lines and not str(r.note).count("[CZT"):
            continue
        names = {r.name_zh, r.name_zh.removesuffix("站"), *str(r.aliases).split(";")}
        for n in names:
            out[n] = (r.geometry.x, r.geometry.y, float(r.position_error_m))
    return out


@pytest.fixture(scope="module")
def constraints() -> list[Constraint]:
    src = sources_dir()
    with open(src / "rail_stations.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    from cztmap.data.build.stations import _metro_positions

    return read_constraints(src, _metro_positions(rows))


def test_every_czt_station_is_placed_with_an_honest_quality():
    st = load_dataset().stations
    czt = st[st["lines"].str.contains("CZT")]
    assert len(czt) == 24  # 全线共设站点24个 (tielu.cn 2017-12-27)
    assert set(czt["position_quality"]) <= {"sourced", "fitted", "estimated"}
    assert (czt["position_error_m"] >= 30).all()
    estimated = set(czt.loc[czt["position_quality"] == "estimated", "name_zh"])
    assert estimated == {"九郎山"}, "only 九郎山 has nothing that places it along the track"
    jls = czt.set_index("name_zh").loc["九郎山"]
    assert jls["district_zh"] == "石峰区", "the text source places 九郎山 at 白马垅村, 石峰区"
    assert jls["position_error_m"] < 5000


def test_no_position_violates_a_constraint_beyond_its_stated_error(czt, constraints):
    bad = []
    for c in constraints:
        if not c.used or c.station not in czt:
            continue
        lon, lat, err = czt[c.station]
        if c.kind == "distance":
            lon2, lat2, err2 = czt[c.other]
            miss = abs(haversine_m(lon, lat, lon2, lat2) - c.value_m)
            allowed = err + err2 + c.sigma_m
        elif c.kind in ("point", "cosite"):
            from cztmap.data.build.fit import _lonlat

            tlon, tlat = _lonlat(*c.target)
            miss = haversine_m(lon, lat, tlon, tlat)
            allowed = err + c.sigma_m
        else:
            continue  # the trace is checked by the fit's residuals below
        if miss > allowed:
            bad.append(f"row {c.row} {c.kind} {c.station}–{c.other}: misses by {miss:.0f} m > {allowed:.0f} m")
    assert not bad, "\n".join(bad)


def test_fit_residuals_are_within_three_sigma_of_the_used_constraints():
    src = sources_dir()
    with open(src / "rail_stations.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    fit, joins = czt_fit(src, rows)
    worst = max((r for r in fit.residuals if r["used"]), key=lambda r: abs(r["normalised"]))
    assert abs(worst["normalised"]) < 3.5, worst
    assert fit.chi2_reduced < 3.0
    assert joins == {
        "观沙岭": "L4 观沙岭",
        "开福寺": "L1 开福寺",
        "长沙": "L2 锦泰广场",
        "树木岭": "L4 树木岭",
        "先锋": "L1 中信广场",
    }


def test_changsha_czt_platforms_are_east_of_the_china_railway_building():
    st = load_dataset().stations.set_index("station_id")
    cr = st.loc["changsha"]
    czt = st[st["lines"].str.contains("CZT") & st["aliases"].str.contains("城际长沙站")].iloc[0]
    d = haversine_m(cr.geometry.x, cr.geometry.y, czt.geometry.x, czt.geometry.y)
    assert 200 < d < 450 and czt.geometry.x > cr.geometry.x
    assert "CZT" not in cr["lines"]


def test_fit_recovers_a_known_layout():
    """Three stations on a line 1 km apart, the middle one only constrained by distances."""
    c = [
        Constraint(2, "point", "A", "", 0, 10, True, (0.0, 0.0)),
        Constraint(3, "point", "C", "", 0, 10, True, (2000.0, 0.0)),
        Constraint(4, "distance", "A", "B", 1000.0, 10, True),
        Constraint(5, "distance", "B", "C", 1000.0, 10, True),
        Constraint(6, "on_trace", "B", "t", 0, 10, True, None, ((0.0, 0.0), (2000.0, 0.0))),
    ]
    r = fit_positions(c)
    from cztmap.data.build.fit import _xy

    x, y = _xy(*r.positions["B"])
    assert math.hypot(x - 1000, y) < 1.0
    assert r.error_m["B"] >= 100


# ----------------------------------------------------------------------------------------------
# metro, maglev and West Ring positions against independent station points (validation table)
# ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def metro_disagreements():
    from cztmap.data.validate import position_disagreements, read_position_validation

    ds = load_dataset()
    return position_disagreements(ds.stations, ds.lines, read_position_validation())


def test_every_independent_point_names_a_station_of_the_dataset(metro_disagreements):
    from cztmap.data.validate import read_position_validation

    v = read_position_validation()
    assert set(v["station_zh"]) == set(metro_disagreements["station_zh"])
    assert len(metro_disagreements) == len(v)


def test_no_metro_position_is_farther_from_an_independent_point_than_the_stated_errors(metro_disagreements):
    d = metro_disagreements[metro_disagreements["usable"] == 1]
    allowed = d["position_error_m"] + d["error_m"]
    bad = d[d["distance_m"] > allowed]
    assert bad.empty, bad[["source_key", "station_zh", "distance_m", "position_error_m", "error_m"]].to_string()


def test_stated_metro_errors_are_the_ones_the_disagreement_calls_for(metro_disagreements):
    from cztmap.data.build.stations import read_position_errors
    from cztmap.data.validate import derived_position_errors

    shipped = {k: v[0] for k, v in read_position_errors(sources_dir()).items()}
    assert shipped == derived_position_errors(metro_disagreements)


def test_independent_points_agree_at_the_median_per_line(metro_disagreements):
    from cztmap.data.validate import MIN_POSITION_ERROR_M, position_agreement_by_line

    t = position_agreement_by_line(metro_disagreements)
    eamd = t[(t["source_key"] == "eamd_2025") & (t["n"] >= 5)]
    assert set(eamd["line_id"]) >= {"L1", "L2", "L3", "L4", "L5", "L6", "WR"}
    assert (eamd["median_m"] <= MIN_POSITION_ERROR_M).all(), eamd.to_string()


def test_unusable_independent_points_say_why():
    from cztmap.data.validate import read_position_validation

    v = read_position_validation()
    bad = v[v["usable"] == 0]
    assert not bad.empty
    assert bad["note"].str.startswith("not usable: ").all()


def test_the_build_never_reads_the_validation_table():
    import pathlib

    import cztmap.data.build as build

    text = "".join(p.read_text(encoding="utf-8") for p in pathlib.Path(build.__file__).parent.glob("*.py"))
    assert "validation/" not in text and "POSITION_VALIDATION" not in text


def test_validate_warns_when_a_metro_station_drifts_from_the_independent_points():
    from shapely.geometry import Point

    from cztmap.data.validate import independent_position_problems

    ds = load_dataset()
    st = ds.stations.copy()
    i = st.index[st["name_zh"] == "橘子洲"][0]
    g = st.at[i, "geometry"]
    st.at[i, "geometry"] = Point(g.x + 0.005, g.y)  # ≈ 490 m east
    probs = independent_position_problems({"stations": st, "lines": ds.lines})
    assert probs and {p.feature for p in probs} == {st.at[i, "station_id"]}
    assert all(p.severity == "warning" and "validation/metro_positions.csv" in p.message for p in probs)
    assert independent_position_problems({"stations": ds.stations, "lines": ds.lines}) == []
