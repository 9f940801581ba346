"""A summary of the dataset: counts per line and mode, lengths, position quality, checks, region shares.

:func:`region_shares` reproduces Hunan's statement that Chang-Zhu-Tan holds 13.3 % of the province's
land, 25.7 % of its residents and 41.7 % of its GDP from the shipped district layer, sourced provincial
totals (``data/sources/province_totals.csv``) and the three cities' GDP (``data/sources/city_gdp.csv``). :func:`dataset_summary` gathers everything ``cztmap data
summary`` prints.

Examples
--------
>>> from cztmap.data.summary import region_shares
>>> s = {r["quantity"]: r for r in region_shares()}
>>> 12.5 < s["land"]["share_pct"] < 14.0
True
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pandas as pd

from cztmap._paths import sources_dir
from cztmap.data.dataset import Dataset, load_dataset
from cztmap.data.services import BRANCH_OF
from cztmap.errors import DataError

__all__ = ["CZT_CITIES", "city_gdp", "dataset_summary", "line_lengths", "province_totals", "region_shares"]

#: Equal-area CRS for district areas (China Albers, as used by the national statistics maps).
ALBERS = "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +datum=WGS84 +units=m +no_defs"


def province_totals(path: str | Path | None = None) -> dict[str, dict[str, str]]:
    """The sourced provincial totals and published shares by quantity name.

    Parameters
    ----------
    path : path, optional
        A ``province_totals.csv`` (default: the embedded one).

    Returns
    -------
    dict
        ``quantity`` → the row (``value``, ``unit``, ``year``, ``source``, ``note``).

    Raises
    ------
    DataError
        If the file is missing.

    Examples
    --------
    >>> province_totals()["residents_census_2020"]["value"]
    '66444864'
    """
    p = Path(path) if path else sources_dir() / "province_totals.csv"
    if not p.is_file():
        raise DataError(f"Provincial totals {str(p)!r} are missing; restore data/sources/province_totals.csv.")
    with open(p, encoding="utf-8", newline="") as fh:
        return {r["quantity"]: r for r in csv.DictReader(fh)}


def region_shares(ds: Dataset | None = None) -> list[dict[str, Any]]:
    """Chang-Zhu-Tan's share of Hunan's land, residents and GDP, computed from the data.

    Parameters
    ----------
    ds : Dataset, optional
        Default: the embedded dataset.

    Returns
    -------
    list of dict
        One record per quantity (``land``, ``residents``, ``gdp``): the region's value from the data,
        the provincial total, the computed share (%), the published share (%), the difference in
        percentage points and how the value was made (``method``). GDP is the sum of the three cities'
        GDP against Hunan's for the year of the published share (``city_gdp.csv``, 亿元).

    Examples
    --------
    >>> [r["quantity"] for r in region_shares()]
    ['land', 'residents', 'gdp']
    """
    ds = ds or load_dataset()
    tot = province_totals()
    di = ds.districts
    area_poly = float(di.to_crs(ALBERS).area.sum() / 1e6)
    pub_area = pd.to_numeric(di["area_km2"], errors="coerce")
    n_pub = int(pub_area.notna().sum())
    pop = pd.to_numeric(di["population"], errors="coerce")
    years = di.loc[pop.notna(), "population_year"].value_counts().sort_index()
    land_total = float(tot["land_area"]["value"])
    res_total = float(tot["residents_census_2020"]["value"])
    czt_census = float(tot["czt_residents_census_2020"]["value"])
    out = [
        _share(
            "land",
            area_poly,
            land_total,
            tot["published_share_land"],
            f"area of the {len(di)} district polygons in an equal-area projection (km²; the {n_pub} published "
            f"district areas sum to {pub_area.sum():,.0f} km² where given)",
            tot["land_area"]["source"],
        ),
        _share(
            "residents",
            float(pop.sum()),
            res_total,
            tot["published_share_residents"],
            f"sum of the {int(pop.notna().sum())} of {len(di)} district populations in the data (by year: "
            + ", ".join(f"{int(y)}: {n}" for y, n in years.items())
            + f"; {len(di) - int(pop.notna().sum())} without a figure) against the 2020 census total; the census "
            f"bulletin's own three-city total is {czt_census:,.0f} ({100 * czt_census / res_total:.2f} %)",
            tot["residents_census_2020"]["source"],
        ),
        _gdp_share(tot["published_share_gdp"]),
    ]
    return out


#: The three cities of Chang-Zhu-Tan as ``city_gdp.csv`` names them.
CZT_CITIES = ("长沙市", "株洲市", "湘潭市")


def city_gdp(path: str | Path | None = None) -> pd.DataFrame:
    """The sourced GDP of the three cities and of Hunan (``data/sources/city_gdp.csv``).

    Parameters
    ----------
    path : path, optional
        A ``city_gdp.csv`` (default: the embedded one).

    Returns
    -------
    pandas.DataFrame
        One row per area and year: ``area_zh``, ``area_en``, ``year``, ``gdp_yi_yuan`` (亿元, 10⁸ yuan),
        ``kind`` (``city``, ``province`` or ``published_region``), ``source``, ``note``.

    Raises
    ------
    DataError
        If the file is missing or a value is not a number.

    Examples
    --------
    >>> g = city_gdp()
    >>> sorted(g.loc[g["kind"] == "city", "area_zh"])
    ['株洲市', '湘潭市', '长沙市']
    """
    p = Path(path) if path else sources_dir() / "city_gdp.csv"
    if not p.is_file():
        raise DataError(f"City GDP table {str(p)!r} is missing; restore data/sources/city_gdp.csv.")
    df = pd.read_csv(p, dtype=str, keep_default_na=False)
    try:
        df["year"] = df["year"].astype(int)
        df["gdp_yi_yuan"] = df["gdp_yi_yuan"].astype(float)
    except (KeyError, ValueError) as exc:
        raise DataError(f"{str(p)!r}: {exc}; give a year and a GDP in 亿元 on every row.") from None
    return df


def _gdp_share(published: dict[str, str]) -> dict[str, Any]:
    """Chang-Zhu-Tan's share of Hunan's GDP in the year of the published share, from city_gdp.csv."""
    year = int(published["year"])
    g = city_gdp()
    g = g[g["year"] == year]
    cities = g[(g["kind"] == "city") & g["area_zh"].isin(CZT_CITIES)]
    province = g[g["kind"] == "province"]
    if len(cities) != len(CZT_CITIES) or len(province) != 1:
        raise DataError(
            f"city_gdp.csv has no complete {year} rows (the three cities and the province); add them or change "
            "the year of published_share_gdp in province_totals.csv."
        )
    parts = " + ".join(f"{r.area_zh} {r.gdp_yi_yuan:,.2f}" for r in cities.itertuples())
    total = float(province["gdp_yi_yuan"].iloc[0])
    region = g[g["kind"] == "published_region"]
    own = (
        f"; the province's own regional figure, {region['gdp_yi_yuan'].iloc[0]:,.0f} 亿元 (rounded), gives "
        f"{100 * region['gdp_yi_yuan'].iloc[0] / total:.2f} %"
        if len(region) == 1
        else ""
    )
    return _share(
        "gdp",
        float(cities["gdp_yi_yuan"].sum()),
        total,
        published,
        f"{year}: {parts} = {cities['gdp_yi_yuan'].sum():,.2f} 亿元 of Hunan's {total:,.2f} 亿元 "
        f"(city and provincial figures for {year}, city_gdp.csv); the published share is for {year}{own}",
        "; ".join(f"{r.area_zh}: {r.source}" for r in pd.concat([cities, province]).itertuples()),
    )


def _share(
    quantity: str, value: float, total: float, published: dict[str, str], method: str, source: str
) -> dict[str, Any]:
    share = 100 * value / total
    pub = float(published["value"])
    return {
        "quantity": quantity,
        "region_value": round(value, 1),
        "province_total": total,
        "share_pct": round(share, 2),
        "published_pct": pub,
        "difference_pp": round(share - pub, 2),
        "method": method,
        "source": f"{source}; published share: {published['source']}",
    }


def _line_graph(sec: pd.DataFrame, lid: str) -> Any:
    from cztmap.data.validate import _line_graph as graph

    return graph(sec, lid)


def _open_length_m(g: Any) -> float:
    from cztmap.data.validate import _open_length_m as length

    return length(g)


def line_lengths(ds: Dataset | None = None) -> pd.DataFrame:
    """Per line (family): stations, sections, modelled length and published length with the difference.

    Examples
    --------
    >>> t = line_lengths()
    >>> bool(abs(t.set_index("line_id").loc["WR", "difference_pct"]) < 3)
    True
    """
    ds = ds or load_dataset()
    sec = ds.sections
    rows = []
    for ln in ds.lines.itertuples(index=False):
        if ln.line_id in BRANCH_OF:
            continue
        members = [ln.line_id, *(b for b, t in BRANCH_OF.items() if t == ln.line_id)]
        s = sec[sec["line_id"].isin(members)]
        model = _open_length_m(_line_graph(sec, ln.line_id)) / 1000  # superseded bypasses left out
        pub = None if pd.isna(ln.length_km) else float(ln.length_km)
        stations = len(set(s["from_station"]) | set(s["to_station"]))
        rows.append(
            {
                "line_id": ln.line_id,
                "mode": ln.mode,
                "status": ln.status,
                "stations": stations,
                "sections": len(s),
                "model_km": round(model, 2) if len(s) else None,
                "published_km": pub,
                "difference_pct": round(100 * (model / pub - 1), 1) if pub and len(s) else None,
            }
        )
    return pd.DataFrame(rows)


def dataset_summary(ds: Dataset | None = None) -> dict[str, Any]:
    """Everything ``cztmap data summary`` prints, as plain data.

    Returns
    -------
    dict
        ``version``, ``counts`` (features per layer), ``modes`` (stations and sections per mode),
        ``lines`` (records of :func:`line_lengths`), ``positions`` (stations per position quality, for
        the CZT stations, and ``metro_vs_independent``: per metro/maglev line and independent source the
        median, 90th percentile and largest distance to the independent station points), ``checked_on`` (the newest and oldest status check), ``warnings`` (statuses that
        may be stale) and ``region`` (:func:`region_shares`).

    Examples
    --------
    >>> s = dataset_summary()
    >>> s["counts"]["stations"] > 100
    True
    """
    from cztmap.data.validate import (
        position_agreement_by_line,
        position_disagreements,
        read_position_validation,
        validate_dataset,
    )

    ds = ds or load_dataset()
    st, sec, ln = ds.stations, ds.sections, ds.lines
    czt = st[st["lines"].str.contains("CZT")]
    checked = ln["status_checked_on"].dropna() if "status_checked_on" in ln.columns else pd.Series([], dtype=str)
    modes = {
        m: {
            "sections": int((sec["mode"] == m).sum()),
            "km": round(float(sec.loc[sec["mode"] == m, "length_m"].sum()) / 1000, 1),
        }
        for m in sorted(set(sec["mode"]))
    }
    return {
        "version": ds.version,
        "counts": {n: len(getattr(ds, n)) for n in ("stations", "sections", "lines", "roads", "districts")},
        "modes": modes,
        "lines": [
            {k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()}
            for r in line_lengths(ds).to_dict(orient="records")
        ],
        "positions": {
            "all": {str(k): int(v) for k, v in st["position_quality"].value_counts().sort_index().items()},
            "czt": {str(k): int(v) for k, v in czt["position_quality"].value_counts().sort_index().items()},
            "czt_error_m": {
                "median": float(czt["position_error_m"].median()),
                "max": float(czt["position_error_m"].max()),
            },
            "metro_vs_independent": position_agreement_by_line(
                position_disagreements(st, ln, read_position_validation())
            ).to_dict(orient="records"),
        },
        "checked_on": {
            "newest": checked.max() if len(checked) else None,
            "oldest": checked.min() if len(checked) else None,
        },
        "warnings": [str(p) for p in validate_dataset(ds.path, warnings=True) if p.severity == "warning"],
        "region": region_shares(ds),
    }
