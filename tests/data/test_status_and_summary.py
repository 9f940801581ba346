"""Status over time (suspensions, expected openings), lengths against published figures, and the summary."""

from __future__ import annotations

import json
import shutil

import pytest

from cztmap._paths import geo_dir
from cztmap.cli import main
from cztmap.data.dataset import load_dataset, suspended_on
from cztmap.data.summary import line_lengths, province_totals, region_shares
from cztmap.data.validate import LENGTH_TOLERANCE, validate_dataset
from cztmap.errors import UsageError
from cztmap.network.build import build_graph
from cztmap.network.routing import resolve_node


def test_jiulangshan_is_not_routable_while_suspended():
    before = build_graph(load_dataset(as_of="2022-06-01"), as_of=None)
    during = build_graph(load_dataset(as_of="2024-06-01"), as_of=None)
    assert resolve_node(before, "九郎山")
    with pytest.raises(UsageError):
        resolve_node(during, "九郎山")
    # trains run through: 暮云 still reaches 田心东 in one section of the summed length
    sec = load_dataset(as_of="2024-06-01").sections
    through = sec[(sec["from_name_zh"] == "暮云") & (sec["to_name_zh"] == "田心东")]
    full = load_dataset().sections
    parts = full[(full["line_id"] == "CZT-Z") & full["section_id"].isin(["CZT-Z-01", "CZT-Z-02"])]
    assert len(through) == 1 and through["length_m"].iloc[0] == pytest.approx(parts["length_m"].sum())


def test_suspensions_carry_dates_and_sources():
    st = load_dataset().stations.set_index("name_zh")
    assert st.loc["九郎山", "suspended_since"] == "2023-10-21"
    assert st.loc["长沙西站", "suspended_since"] == "2020-05-08"
    assert "wybk" in st.loc["九郎山", "status_source"]
    assert suspended_on(load_dataset().stations, "2020-01-01") == set()


def test_changsha_west_routes_while_it_was_open(capsys):
    assert main(["route", "长沙西", "株洲南", "--as-of", "2019-06-01"]) == 0
    out = capsys.readouterr().out
    assert "株洲南" in out and "CZT" in out


def test_lines_with_an_expected_opening_carry_it_and_the_check_date():
    ln = load_dataset().lines.set_index("line_id")
    assert ln.loc["L2-W2", "expected_opening"] == "2026-06-30"
    assert ln.loc["CLX", "expected_opening"] == "2029-12-31"
    assert ln["status_checked_on"].dropna().str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()


def test_open_lines_match_their_published_length_within_tolerance():
    t = line_lengths().set_index("line_id")
    open_ = t[(t["status"] == "open") & t["model_km"].notna() & t["published_km"].notna()]
    assert len(open_) >= 10
    assert (open_["difference_pct"].abs() <= 100 * LENGTH_TOLERANCE).all(), open_
    assert t.loc["WR", "model_km"] == pytest.approx(17.29, abs=0.01)


def test_validation_fails_when_a_line_is_off_its_published_length(tmp_path):
    geo = tmp_path / "geo"
    shutil.copytree(geo_dir(), geo)
    doc = json.loads((geo / "lines.geojson").read_text(encoding="utf-8"))
    for f in doc["features"]:
        if f["properties"]["line_id"] == "WR":
            f["properties"]["length_km"] = 18.91  # the old model length
    (geo / "lines.geojson").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    probs = [p for p in validate_dataset(geo) if p.feature == "WR"]
    assert probs and probs[0].field == "length_km" and "±3%" in probs[0].message


def test_region_shares_reproduce_the_published_land_share_and_the_census():
    s = {r["quantity"]: r for r in region_shares()}
    assert abs(s["land"]["share_pct"] - s["land"]["published_pct"]) < 0.5
    tot = province_totals()
    census_share = 100 * float(tot["czt_residents_census_2020"]["value"]) / float(tot["residents_census_2020"]["value"])
    assert abs(s["residents"]["share_pct"] - census_share) < 1.0
    assert s["gdp"]["share_pct"] is not None  # computed from city_gdp.csv: tests/data/test_summary_gdp.py


def test_data_summary_prints_the_shares_next_to_the_published_ones(capsys):
    assert main(["data", "summary"]) == 0
    out = capsys.readouterr().out
    assert "13.3 %" in out and "25.7 %" in out and "41.7 %" in out
    assert "fitted" in out and "status last checked: 2026-12-01" in out
    assert main(["data", "summary", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {r["line_id"] for r in doc["lines"]} >= {"CZT", "WR", "L5"}
