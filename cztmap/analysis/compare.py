"""Compare two networks: zone matrices, the cross-city table, winners and losers, added/removed sections.

Unreachable pairs
-----------------
A pair that one network does not connect (a closed road or line can cut one off) is **counted**, never
dropped: its time is ``+inf`` -- beyond every budget. So ``share_<T>min`` counts it as not reached,
``median_min`` is the population-weighted median over *all* pairs (``+inf`` when at least half of them
are cut off), ``mean_min`` is ``+inf`` as soon as one is, and ``integration_index`` gives it 0. The
cross-city tables add ``reachable_share`` (population-weighted share of pairs with a route) and
``unreachable_pairs``; :attr:`Comparison.zones` adds ``reachable_share_before/after``. Printed tables
show ``+inf`` as "unreachable" and JSON as ``null``; a change between two unreachable figures is NaN
("–", nothing to compare).

Why it matters: an average over reachable pairs only would make a closure look *faster* (the slow pairs
that lose their route drop out of it). The paradox seen in 0.1 with the old closure scenario
(Changsha→Zhuzhou median −17.3 min, 芙蓉区 −16.4 min when four roads close) had another cause, in the
graph: a place was linked to its ``access_k`` nearest road nodes *of that graph*, so closing R01 moved
芙蓉区's third link to a 长株高速 node 19 km away -- a straight, fast access leg that made 40 pairs
faster. Since 0.2 places link to the fixed road mesh only, and roads a scenario adds join it at mesh
nodes (:mod:`cztmap.network.roads`); ``tests/analysis/test_compare_monotone.py`` checks that closing
never improves and adding never worsens any pair or any summary figure.

Examples
--------
>>> res = compare("2023-06-27", "2023-06-28")
>>> res.base_name, res.other_name
('2023-06-27', '2023-06-28')
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal, TypeAlias

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from cztmap.analysis.integration import (
    CITIES,
    analysis_units,
    cross_city_from_matrix,
    graph_attrs,
    unit_matrix,
    zone_table,
)
from cztmap.analysis.isochrones import minutes_argument
from cztmap.analysis.matrix import zone_matrix
from cztmap.data.scenario import Scenario, load_scenario, shipped_scenarios
from cztmap.data.schema import parse_date
from cztmap.data.services import RAIL_MODES
from cztmap.errors import UsageError
from cztmap.network.build import build_graph, scenario_graph
from cztmap.params import DEFAULTS, Params

__all__ = ["Comparison", "NetworkSpec", "compare"]


# --------------------------------------------------------------------------------------------------
# comparing two networks
# --------------------------------------------------------------------------------------------------
def _fmt_share(v: float) -> str:
    return f"{100 * v:.2f} %"


def _fmt_change(v: float) -> str:
    """A zone's change of mean minutes for the notebook table (cut off: "unreachable")."""
    return _fmt_value(v) if math.isinf(v) else f"{v:+.2f}"


def _fmt_value(v: float, *, signed: bool = False, pp: bool = False) -> str:
    """A figure of the notebook table: +inf (a pair cut off) reads "unreachable", never "inf"."""
    if math.isinf(v):
        return "unreachable" if v > 0 else "reconnected"
    if pp:
        return f"{100 * v:+.2f} pp"
    return f"{v:+.3f}" if signed else f"{v:.3f}"


# --------------------------------------------------------------------------------------------------
# the comparison
# --------------------------------------------------------------------------------------------------
@dataclass
class Comparison:
    """Before/after result of :func:`compare`.

    Attributes
    ----------
    base_name, other_name : str
    before, after, diff : pandas.DataFrame
        Zone × zone door-to-door minutes (adcodes), and ``after - before`` (negative = faster).
    cross_city_before, cross_city_after, cross_city_change : pandas.DataFrame
        :func:`cztmap.analysis.integration.cross_city_table` of each network plus ``reachable_share`` and
        ``unreachable_pairs`` (see "Unreachable pairs" in the module docstring), and after − before of its
        numeric columns (same rows).
    zones : pandas.DataFrame
        Per zone: ``cross_city_min_before/after`` (mean time to the other two cities' zones weighted
        by their population; ``+inf`` if one of them is unreachable), ``reachable_share_before/after``
        (population share of those zones it reaches), ``change_min``, ``improved_pairs``,
        ``worsened_pairs`` (a pair cut off counts as worsened, one reconnected as improved).
    winners, losers : pandas.DataFrame
        The ``top`` zones with the largest decrease / increase of ``cross_city_min``.
    added_sections, removed_sections : geopandas.GeoDataFrame
        Rail sections (``section_id``, ``line_id``, ``mode``, geometry) only in ``other`` / only in ``base``.
    base_sections, other_sections : geopandas.GeoDataFrame or None
        Every rail section of each network (for a diff map with the unchanged network in grey).
    added_roads, removed_roads : geopandas.GeoDataFrame or None
        Road corridors (``road_id``, ``name``, ``highway``, ``geometry_quality``, geometry) only in ``other`` /
        only in ``base`` (graphs with the car layer; empty otherwise).
    """

    base_name: str
    other_name: str
    before: pd.DataFrame
    after: pd.DataFrame
    diff: pd.DataFrame
    cross_city_before: pd.DataFrame
    cross_city_after: pd.DataFrame
    cross_city_change: pd.DataFrame
    zones: pd.DataFrame
    winners: pd.DataFrame
    losers: pd.DataFrame
    added_sections: gpd.GeoDataFrame
    removed_sections: gpd.GeoDataFrame
    base_sections: gpd.GeoDataFrame | None = None
    other_sections: gpd.GeoDataFrame | None = None
    added_roads: gpd.GeoDataFrame | None = None
    removed_roads: gpd.GeoDataFrame | None = None

    def road_changes(self) -> tuple[list[str], list[str]]:
        """Ids of the road corridors added and removed (sorted; empty without the car layer)."""

        def ids(g: gpd.GeoDataFrame | None) -> list[str]:
            return sorted(str(r) for r in g["road_id"]) if g is not None and len(g) else []

        return ids(self.added_roads), ids(self.removed_roads)

    def pair(self, origin_city: str, destination_city: str) -> pd.DataFrame:
        """Before / after / change rows of one ordered city pair (columns = measures).

        Examples
        --------
        >>> res = compare("2023-06-27", "2023-06-28")
        >>> list(res.pair("Changsha", "Xiangtan").index)
        ['before', 'after', 'change']
        """

        def pick(df: pd.DataFrame) -> pd.Series:
            m = (df["origin_city"] == origin_city) & (df["destination_city"] == destination_city)
            if not m.any():
                raise UsageError(
                    f"No row for {origin_city} → {destination_city}; cities are Changsha, Zhuzhou, Xiangtan."
                )
            return df[m].iloc[0].drop(["origin_city", "destination_city"])

        return pd.DataFrame(
            {
                "before": pick(self.cross_city_before),
                "after": pick(self.cross_city_after),
                "change": pick(self.cross_city_change),
            }
        ).T

    def __repr__(self) -> str:
        return (
            f"Comparison({self.base_name!r} → {self.other_name!r}: {len(self.added_sections)} sections added, "
            f"{len(self.removed_sections)} removed, {len(self.winners)} winner / {len(self.losers)} loser zones)"
        )

    def _repr_html_(self) -> str:
        """Notebook display: what changed, the cross-city figures that moved (signed), winners and losers."""
        from cztmap._display import summary_html, table_html

        added = sorted(set(self.added_sections["line_id"].astype(str))) if len(self.added_sections) else []
        pairs = [
            ("base 之前", self.base_name),
            ("other 之后", self.other_name),
            ("sections added 新增区间", f"{len(self.added_sections)}" + (f" ({', '.join(added)})" if added else "")),
            ("sections removed 删除区间", len(self.removed_sections)),
        ]
        road_add, road_rm = self.road_changes()
        if road_add or road_rm:
            pairs += [
                ("roads added 新增道路", f"{len(road_add)}" + (f" ({', '.join(road_add)})" if road_add else "")),
                ("roads removed 删除道路", f"{len(road_rm)}" + (f" ({', '.join(road_rm)})" if road_rm else "")),
            ]
        keys = ("origin_city", "destination_city", "origin_pop", "destination_pop", "pairs")
        rows = []
        for i in range(len(self.cross_city_change)):
            for col in self.cross_city_change.columns:
                if col in keys:
                    continue
                d = self.cross_city_change[col].iloc[i]
                if d != d or abs(float(d)) < 1e-9:
                    continue
                b, a = self.cross_city_before[col].iloc[i], self.cross_city_after[col].iloc[i]
                share = col.startswith("share") or col.endswith("_share")
                f = _fmt_share if share else _fmt_value
                rows.append(
                    [
                        self.cross_city_change["origin_city"].iloc[i],
                        self.cross_city_change["destination_city"].iloc[i],
                        col,
                        f(b),
                        f(a),
                        _fmt_value(d, signed=True, pp=share),
                    ]
                )
        sections = [
            (
                "cross-city figures that changed (after − before)",
                table_html(["from", "to", "measure", "before", "after", "change"], rows)
                if rows
                else "<p>no cross-city figure changed</p>",
            )
        ]
        for caption, frame in (("winners (faster, min)", self.winners), ("losers (slower, min)", self.losers)):
            if len(frame):
                zr = [[r.name_zh, r.city, _fmt_change(float(r.change_min))] for r in frame.itertuples()]
                sections.append((caption, table_html(["district", "city", "change (min)"], zr)))
        return summary_html("Comparison 比较", pairs, *sections)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (for ``cztmap compare --json``)."""

        def recs(df: pd.DataFrame) -> list[dict[str, Any]]:
            return [
                {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in r.items()}
                for r in df.reset_index().to_dict("records")
            ]

        road_add, road_rm = self.road_changes()
        return {
            "base": self.base_name,
            "other": self.other_name,
            "cross_city_before": recs(self.cross_city_before),
            "cross_city_after": recs(self.cross_city_after),
            "cross_city_change": recs(self.cross_city_change),
            "winners": recs(self.winners),
            "losers": recs(self.losers),
            "added_sections": list(self.added_sections["section_id"]),
            "removed_sections": list(self.removed_sections["section_id"]),
            "added_roads": road_add,
            "removed_roads": road_rm,
        }


def _as_graph(x: Any, *, period: str | None, params: Params, modes: Any = None) -> tuple[nx.MultiDiGraph, str]:
    if isinstance(x, nx.MultiDiGraph):
        return x, str(x.graph.get("scenario") or x.graph.get("as_of"))
    if isinstance(x, Scenario):
        return scenario_graph(x, params=params, period=period, modes=modes), x.name
    if isinstance(x, (dt.date, dt.datetime)):
        d = parse_date(x)
        assert d is not None
        return build_graph(
            as_of=d, period=period or "peak", params=params, scenario=d.isoformat(), modes=modes
        ), d.isoformat()
    if isinstance(x, (str, Path)):
        p = Path(x)
        if p.suffix == ".toml" or p.is_file():
            scn = load_scenario(p)
            return scenario_graph(scn, params=params, period=period, modes=modes), scn.name
        shipped = shipped_scenarios()
        if str(x) in shipped:
            scn = load_scenario(shipped[str(x)])
            return scenario_graph(scn, params=params, period=period, modes=modes), scn.name
        d = parse_date(str(x), argument="compare")
        if d is None:
            raise UsageError(f"Cannot compare {x!r}; give a scenario, a .toml path or an ISO date.")
        return build_graph(
            as_of=d, period=period or "peak", params=params, scenario=d.isoformat(), modes=modes
        ), d.isoformat()
    raise UsageError(
        f"Cannot compare {x!r}; give a Scenario, a .toml path, a shipped scenario name, a date or a graph."
    )


def _sections(G: nx.MultiDiGraph) -> gpd.GeoDataFrame:
    rows: dict[str, dict[str, Any]] = {}
    for _u, _v, d in G.edges(data=True):
        sid = d.get("section_id")
        if sid is not None and sid not in rows and d.get("mode") in RAIL_MODES:
            rows[sid] = {
                "section_id": sid,
                "line_id": d.get("line_id"),
                "mode": d.get("mode"),
                "travel_time_s": d.get("travel_time"),
                "geometry": d.get("geometry"),
            }
    return gpd.GeoDataFrame(
        list(rows.values()),
        columns=["section_id", "line_id", "mode", "travel_time_s", "geometry"],
        geometry="geometry",
        crs="EPSG:4326",
    )


def _roads(G: nx.MultiDiGraph) -> gpd.GeoDataFrame:
    """One row per road corridor of ``G`` (car edges with a ``road_id``), its edge geometries merged."""
    import shapely

    parts: dict[str, list[Any]] = {}
    info: dict[str, dict[str, Any]] = {}
    for _u, _v, d in G.edges(data=True):
        rid = d.get("road_id")
        if rid is None or d.get("mode") != "road":
            continue
        rid = str(rid)
        info.setdefault(
            rid,
            {
                "road_id": rid,
                "name": d.get("name"),
                "highway": d.get("highway"),
                "geometry_quality": d.get("geometry_quality"),
            },
        )
        if d.get("geometry") is not None:
            parts.setdefault(rid, []).append(d["geometry"])
    rows = [
        {**info[r], "geometry": shapely.line_merge(shapely.union_all(parts[r])) if r in parts else None}
        for r in sorted(info)
    ]
    cols = ["road_id", "name", "highway", "geometry_quality", "geometry"]
    return gpd.GeoDataFrame(rows, columns=cols, geometry="geometry", crs="EPSG:4326")


def _reachable(t: np.ndarray, zt: pd.DataFrame) -> pd.DataFrame:
    """Per ordered city pair (rows as ``cross_city_from_matrix``): weighted reachable share, unreachable pairs."""
    pop = zt["population"].to_numpy(dtype=float)
    known = np.isfinite(pop)
    city = zt["city"].to_numpy()
    rows = []
    for a in CITIES:
        for b in CITIES:
            if a == b:
                continue
            ia = np.flatnonzero((city == a) & known)
            ib = np.flatnonzero((city == b) & known)
            w = np.outer(pop[ia], pop[ib])
            ok = np.isfinite(t[np.ix_(ia, ib)])
            tot = float(w.sum())
            rows.append(
                {
                    "reachable_share": float((w * ok).sum() / tot) if tot > 0 else math.nan,
                    "unreachable_pairs": int(((w > 0) & ~ok).sum()),
                }
            )
    return pd.DataFrame(rows)


def _cross_city(G: nx.MultiDiGraph, budgets: tuple[float, ...], level: Literal["zone", "grid"]) -> pd.DataFrame:
    """:func:`cztmap.analysis.integration.cross_city_table` of ``G`` with ``reachable_share`` and
    ``unreachable_pairs`` from the same unit matrix (one routing pass)."""
    H, orig, dest, units = analysis_units(G, level=level)
    m = unit_matrix(H, orig, dest)
    tab = cross_city_from_matrix(m, units, minutes=budgets)
    extra = _reachable(m, units)
    at = list(tab.columns).index("median_min")
    tab.insert(at, "reachable_share", extra["reachable_share"].to_numpy())
    tab.insert(at + 1, "unreachable_pairs", extra["unreachable_pairs"].to_numpy())
    zt = zone_table(G)
    tab.attrs.update(
        population_missing=[a for a, p in zip(zt["adcode"], zt["population"], strict=True) if pd.isna(p)],
        **graph_attrs(G, level, len(orig)),
    )
    return tab


def _zone_rows(zt: pd.DataFrame, before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Per zone: mean time to the other cities' zones (population-weighted, +inf if one is cut off),
    the share of them it reaches, the change and the improved/worsened pair counts."""
    pop = zt["population"].fillna(0.0).to_numpy()
    city = zt["city"].to_numpy()
    wts = (city[:, None] != city[None, :]) * pop[None, :]
    tot = wts.sum(axis=1)

    def mean_other(t: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return (np.where(wts > 0, t, 0.0) * wts).sum(axis=1) / tot

    def reach(t: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return (np.isfinite(t) * wts).sum(axis=1) / tot

    b, a = before.to_numpy(), after.to_numpy()
    rows = zt[["name_zh", "name_en", "city", "population"]].copy()
    rows["cross_city_min_before"] = mean_other(b)
    rows["cross_city_min_after"] = mean_other(a)
    rows["reachable_share_before"] = reach(b)
    rows["reachable_share_after"] = reach(a)
    with np.errstate(invalid="ignore"):
        rows["change_min"] = rows["cross_city_min_after"] - rows["cross_city_min_before"]
    rows["improved_pairs"] = (a < b - 1e-9).sum(axis=1)  # inf → finite: reconnected
    rows["worsened_pairs"] = (a > b + 1e-9).sum(axis=1)  # finite → inf: cut off
    return rows


#: What :func:`compare` accepts for each side: a scenario, a scenario file or shipped scenario name, a date
#: (the network open that day), or a graph from ``build_graph`` / ``scenario_graph``.
NetworkSpec: TypeAlias = "Scenario | nx.MultiDiGraph | dt.date | str | os.PathLike[str]"


def compare(
    base: NetworkSpec,
    other: NetworkSpec | None = None,
    *,
    minutes: Sequence[float] | None = None,
    budgets: Sequence[float] | None = None,
    level: Literal["zone", "grid"] = "zone",
    top: int = 5,
    period: str | None = None,
    params: Params = DEFAULTS,
    modes: Any = "transit",
) -> Comparison:
    """Compare two networks: matrices, cross-city table, winners/losers, added/removed sections.

    Parameters
    ----------
    base, other : NetworkSpec
        Scenario, path, shipped scenario name, date or graph:
        A ``.toml`` path or the stem of a shipped scenario (``"with_west_ring"``), an ISO date
        (the network open that day), a :class:`Scenario`, or a graph from ``build_graph``.
        With ``other=None``, ``base`` must be a scenario and is compared with its own base
        network (the network open on its ``as_of``, no edits) -- the usual what-if question.
    minutes : sequence of float, optional
        Time budgets (minutes) for the cross-city ``share_<T>min`` columns (default 30, 45, 60, 90).
    budgets : sequence of float, optional
        Deprecated name of ``minutes`` (0.1); removed in 0.3.
    level : {"zone", "grid"}
        Resolution of the cross-city table (see :mod:`cztmap.analysis.integration`; ``"grid"`` sees lines
        that serve no district seat). The zone matrices are always district × district.
    top : int
        Rows in ``winners`` / ``losers``.
    period : str, optional
        Override the scenarios' period.
    params : Params
    modes : str or iterable of str, optional
        Modes of the graphs built here (as ``build_graph``; graphs given as such are used as they are).
        Default ``"transit"`` (rail, feeder buses, walking): what a rail scenario changes; with cars
        (``None`` or ``"both"``) the car is faster door to door for most pairs and hides it.

    Returns
    -------
    Comparison

    Examples
    --------
    >>> res = compare("before_west_ring", "with_west_ring")
    >>> list(res.added_sections.line_id.unique()), len(res.removed_sections)
    (['WR'], 0)
    """
    budgets_t = tuple(minutes_argument(minutes, budgets, where="compare"))
    if other is None:
        scn = base if isinstance(base, Scenario) else None
        if scn is None and isinstance(base, (str, Path)):
            p = Path(base)
            scn = load_scenario(p if (p.suffix == ".toml" or p.is_file()) else shipped_scenarios().get(str(base), p))
        if scn is None:
            raise UsageError(
                "compare(base) with one argument needs a scenario (a Scenario or a .toml path); "
                "otherwise give two networks."
            )
        base, other = (
            replace(
                scn,
                name=f"{scn.as_of.isoformat()} (no edits)",
                add_lines=(),
                add_roads=(),
                headways=(),
                closures={k: () for k in scn.closures},
            ),
            scn,
        )
    Ga, na = _as_graph(base, period=period, params=params, modes=modes)
    Gb, nb = _as_graph(other, period=period, params=params, modes=modes)
    za, zb = zone_table(Ga), zone_table(Gb)
    zones = [a for a in za["adcode"] if a in set(zb["adcode"])]
    before, after = zone_matrix(Ga, zones), zone_matrix(Gb, zones)
    with np.errstate(invalid="ignore"):
        diff = after - before  # NaN where both are unreachable (nothing to compare)
    cca = _cross_city(Ga, budgets_t, level)
    ccb = _cross_city(Gb, budgets_t, level)
    num = [c for c in cca.columns if c not in ("origin_city", "destination_city")]
    change = cca[["origin_city", "destination_city"]].copy()
    with np.errstate(invalid="ignore"):
        for c in num:
            change[c] = ccb[c].to_numpy() - cca[c].to_numpy()
    zrows = _zone_rows(za.set_index("adcode").loc[zones], before, after)
    winners = zrows[zrows["change_min"] < -1e-9].sort_values("change_min").head(top)
    losers = zrows[zrows["change_min"] > 1e-9].sort_values("change_min", ascending=False).head(top)
    sa, sb = _sections(Ga), _sections(Gb)
    added = sb[~sb["section_id"].isin(set(sa["section_id"]))].reset_index(drop=True)
    removed = sa[~sa["section_id"].isin(set(sb["section_id"]))].reset_index(drop=True)
    ra, rb = _roads(Ga), _roads(Gb)
    road_add = rb[~rb["road_id"].isin(set(ra["road_id"]))].reset_index(drop=True)
    road_rm = ra[~ra["road_id"].isin(set(rb["road_id"]))].reset_index(drop=True)
    return Comparison(
        na, nb, before, after, diff, cca, ccb, change, zrows, winners, losers, added, removed, sa, sb, road_add, road_rm
    )
