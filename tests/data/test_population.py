"""District populations: complete for 2020, and consistent with the published census city totals.

``data/sources/census_2020_cities.csv`` holds the three city totals of the Hunan 7th-census bulletin
(a validation fact: the district figures come from other sources and are checked against it).
"""

from __future__ import annotations

import csv

from cztmap._paths import sources_dir
from cztmap.data.dataset import load_dataset


def _city_totals() -> dict[str, int]:
    with open(sources_dir() / "census_2020_cities.csv", encoding="utf-8", newline="") as fh:
        return {r["city_en"]: int(r["pop_2020_census"]) for r in csv.DictReader(fh)}


def test_every_district_has_a_2020_figure_with_its_source() -> None:
    di = load_dataset().districts
    assert di["population"].notna().all()
    assert (di["population"] > 0).all()
    assert set(di["population_year"]) == {2020}
    assert di["population_source"].str.len().gt(0).all()


def test_city_sums_match_the_census_totals() -> None:
    di = load_dataset().districts
    sums = di.groupby("city")["population"].sum()
    totals = _city_totals()
    assert set(totals) == set(sums.index)
    for city, total in totals.items():
        # tcmap/maigoo figures are rounded to 100 persons; the Xiangtan yearbook list is 0.05 % off the census
        assert abs(sums[city] / total - 1) < 0.001, (city, int(sums[city]), total)
