"""Chang-Zhu-Tan's share of Hunan's GDP, recomputed from the sourced city and provincial figures."""

from __future__ import annotations

import pytest

from cztmap.cli.app import main
from cztmap.data.summary import CZT_CITIES, city_gdp, province_totals, region_shares
from cztmap.errors import DataError


@pytest.fixture(scope="module")
def gdp_row() -> dict:
    return {r["quantity"]: r for r in region_shares()}["gdp"]


def test_the_gdp_share_is_the_three_cities_over_the_province_in_the_published_year(gdp_row):
    year = int(province_totals()["published_share_gdp"]["year"])
    g = city_gdp()
    g = g[g["year"] == year]
    cities = g[(g["kind"] == "city") & g["area_zh"].isin(CZT_CITIES)]["gdp_yi_yuan"]
    province = g[g["kind"] == "province"]["gdp_yi_yuan"]
    assert len(cities) == 3 and len(province) == 1
    assert gdp_row["share_pct"] == pytest.approx(100 * cities.sum() / province.iloc[0], abs=0.005)
    assert str(year) in gdp_row["method"]


def test_the_recomputed_share_matches_the_published_one_within_rounding(gdp_row):
    # the published 41.7 % is given to 0.1 point; the city figures are the bulletins' own
    assert abs(gdp_row["difference_pp"]) <= 0.1, gdp_row


def test_the_city_sum_agrees_with_the_provinces_own_rounded_regional_figure():
    g = city_gdp()
    for year, rows in g.groupby("year"):
        region = rows[rows["kind"] == "published_region"]
        if region.empty:
            continue
        cities = rows[(rows["kind"] == "city") & rows["area_zh"].isin(CZT_CITIES)]["gdp_yi_yuan"].sum()
        # 1.92万亿 is rounded to 0.01 万亿 = 100 亿元: the true figure is within ±50 亿元
        assert abs(cities - region["gdp_yi_yuan"].iloc[0]) <= 50, year


def test_every_gdp_figure_cites_its_source():
    g = city_gdp()
    assert (g["source"].str.contains("http")).all()
    assert (g["gdp_yi_yuan"] > 0).all()


def test_a_missing_year_is_refused_with_the_fix(tmp_path, monkeypatch):
    import cztmap.data.summary as summary

    bad = tmp_path / "city_gdp.csv"
    bad.write_text(
        "area_zh,area_en,year,gdp_yi_yuan,kind,source,note\n长沙市,Changsha,2019,1,city,http://x,\n", "utf-8"
    )
    monkeypatch.setattr(summary, "city_gdp", lambda path=None: city_gdp(bad))
    with pytest.raises(DataError, match="no complete 2021 rows"):
        summary.region_shares()


def test_data_summary_prints_the_computed_gdp_share_and_its_year(capsys):
    assert main(["data", "summary"]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.strip().startswith("gdp"))
    assert "41.7 %" in line and "not computed" not in line
    assert "2021:" in out
