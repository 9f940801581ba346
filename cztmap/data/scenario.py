"""Declarative what-if scenarios (TOML): add lines and roads, close stations/sections/roads, change headways.

A scenario file::

    name = "L2 west extension phase 2 (schematic)"
    description = "..."
    as_of = "2025-06-30"          # the base network: what was open that day
    period = "peak"               # or "offpeak"

    [[add_line]]
    id = "L2-W2"
    name = "长沙地铁2号线西延二期"
    mode = "metro"                # metro | maglev | intercity | hsr | art
    speed_kmh = 80
    length_km = 13.82             # published route length: sections are scaled to it
    extends = "L2"                # optional: run through on this line's service (no change of train)
    headway_peak_min = 4.45       # optional (ignored with `extends`: the extended line's headway applies)
    stations = ["梅溪湖西", "长沙西站", { name = "New stop", lon = 112.85, lat = 28.20 }]

    [[add_road]]
    id = "R05"                    # a new id, or a road of the dataset not open on as_of (it is opened)
    road_class = "national"       # expressway | arterial | national (the classes of the road layer)
    waypoints = ["毛竹塘", "R04[-1]", { name = "x", lon = 113.0, lat = 27.95 }]
    length_km = 20.7              # optional, published; else straight × corridor_detour (1.15)
    speed_kmh = 80                # optional, design speed; else the class speed of cztmap.params
    lanes = "2x3"
    expected_opening = ""         # optional text, e.g. "2027"
    geometry_quality = "schematic"  # or "sourced"
    geometry_error_m = 8000       # expected offset of the drawn line from the real road
    source = "https://..."

    [[close]]
    stations = ["山塘"]          # trains run through, nobody enters, leaves or changes there
    sections = ["CZT-06"]
    roads = ["E01"]
    lines = ["S2"]

    [[headway]]
    line = "L3"
    peak = 5.0
    offpeak = 7.0

Rules (checked by :func:`load_scenario`, each failure is one :class:`~cztmap.errors.ScenarioError`
sentence naming the file, the key and the fix): unknown keys (the valid ones are listed), unknown
station names (did-you-mean), unknown section/road/line ids, a date before any line opened, an
unknown mode or period, non-positive speeds/headways/lengths, new stations outside the districts,
and overlapping edits -- changing the headway of, or extending, a line that the same file closes,
closing a station a new line calls at, or editing the same thing twice.

Value bounds (:data:`SPEED_LIMITS_KMH`, :data:`HEADWAY_LIMITS_MIN`, :data:`LENGTH_RATIO_LIMITS`,
:data:`ROAD_SPEED_LIMITS_KMH`, each documented with its reasoning): a length below the straight line through
the stops or waypoints, a speed outside the mode's physical range or a headway below 30 s or above a day is an
error; a value that is possible but unusual (a metro at 150 km/h, a detour of 2×, a metro every 5 hours) is a
:class:`~cztmap.errors.CztmapWarning` naming the file, key and value.

Road waypoints are a station (name or id), a district (its seat), an anchor of a drawn road of the dataset
(``"R04[-1]"``: the last vertex of R04) or a ``{lon, lat}`` point inside the districts. The road is drawn
straight through them and joins the road mesh at them (the network layer snaps each waypoint to its nearest
mesh node); its other points are no access points, so adding a road only ever adds edges.

Existing stations may be given by Chinese or English name, alias or id. A station of the embedded
dataset that is not open on ``as_of`` (e.g. 长沙西站 while it is being rebuilt) can still be used
by an added line: its sourced position is reinstated. New stations need ``lon``/``lat`` (WGS-84)
from a source: **never invent coordinates**; without them, route the line through existing
stations and say it is schematic.

Section lengths of an added line are the straight distances scaled so that they sum to
``length_km`` (like the curated layers); without ``length_km`` they are the straight distance
× :data:`ROUTE_FACTOR` (1.15, an assumption).

:func:`apply_scenario` returns the edited :class:`~cztmap.dataset.Dataset` (applying an empty
scenario returns the base network unchanged), :func:`scenario_graph` its graph, and
:func:`compare` the before/after result (:class:`Comparison`).

Examples
--------
>>> from cztmap.data.scenario import load_scenario, shipped_scenarios
>>> from cztmap.analysis.compare import compare
>>> before = load_scenario(shipped_scenarios()["before_west_ring"])
>>> after = load_scenario(shipped_scenarios()["with_west_ring"])
>>> res = compare(before, after)
>>> sorted(res.added_sections.line_id.unique())
['WR']
"""

from __future__ import annotations

import datetime as dt
import difflib
import itertools
import math
import numbers
import re
import tomllib
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypedDict

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString, Point

from cztmap._paths import scenarios_dir
from cztmap._text import normalize_name
from cztmap.data.dataset import FIRST_DATE, Dataset, load_dataset, parse_date
from cztmap.data.services import PERIODS, RAIL_MODES, THROUGH_SERVICE
from cztmap.errors import CztmapWarning, ScenarioError, StationNotFoundError, UsageError
from cztmap.geo import haversine_m
from cztmap.params import DEFAULTS, RANGES, Params

__all__ = [
    "HEADWAY_LIMITS_MIN",
    "HEADWAY_PLAUSIBLE_MIN",
    "LENGTH_RATIO_LIMITS",
    "LENGTH_RATIO_PLAUSIBLE",
    "ROAD_CLASSES",
    "ROAD_SPEED_LIMITS_KMH",
    "ROAD_SPEED_PLAUSIBLE_KMH",
    "ROUTE_FACTOR",
    "SPEED_LIMITS_KMH",
    "AddLine",
    "AddRoad",
    "HeadwayChange",
    "NewStation",
    "Scenario",
    "apply_scenario",
    "load_scenario",
    "parse_scenario",
    "shipped_scenarios",
]

#: Route length ÷ straight distance for an added line without a published ``length_km`` (assumption).
ROUTE_FACTOR = 1.15

#: Physical speed range (km/h) per rail mode: outside it a scenario value is an error (impossible). The low
#: end and the maglev top are :data:`cztmap.params.RANGES` ``default_speed_kmh`` (5–650). The other tops are the
#: fastest of the technology in service anywhere, rounded up: metro 160 (Guangzhou lines 18 and 22, 160 km/h);
#: APTS/ART 100 (智轨 design speed 70 km/h); conventional rail 200 (China's classification: above 200 km/h is
#: high-speed rail); intercity 350 and HSR 400 (China's fastest commercial service runs at 350 km/h; 400 leaves
#: room for the CR450 generation). Inside it but outside :data:`cztmap.data.validate._SPEED` (the range that
#: ``cztmap data validate`` checks the curated sections against) a value is a :class:`~cztmap.errors.CztmapWarning`.
SPEED_LIMITS_KMH: dict[str, tuple[float, float]] = {
    "metro": (RANGES["default_speed_kmh"][0], 160.0),
    "maglev": (RANGES["default_speed_kmh"][0], RANGES["default_speed_kmh"][1]),
    "intercity": (RANGES["default_speed_kmh"][0], 350.0),
    "hsr": (RANGES["default_speed_kmh"][0], 400.0),
    "rail": (RANGES["default_speed_kmh"][0], 200.0),
    "art": (RANGES["default_speed_kmh"][0], 100.0),
}
#: Headway bounds (minutes). Error below 0.5 (30 s: no signalling runs trains closer; the shortest operated
#: metro headways are about 90 s) or above :data:`cztmap.params.RANGES` ``default_headway_min``'s 1440 (a
#: service less often than daily has no headway); warning below 1.5 (90 s) or above the mode's usual longest
#: headway: 30 min for metro and APTS (a city service), 60 for maglev, 120 for intercity; HSR and conventional
#: rail run a few trains a day on some lines (the curated RAIL-LC: 990 min), so only the error bound applies.
HEADWAY_LIMITS_MIN = (0.5, RANGES["default_headway_min"][1])
HEADWAY_PLAUSIBLE_MIN: dict[str, tuple[float, float]] = {
    "metro": (1.5, 30.0),
    "art": (1.5, 30.0),
    "maglev": (1.5, 60.0),
    "intercity": (1.5, 120.0),
    "hsr": (1.5, HEADWAY_LIMITS_MIN[1]),
    "rail": (1.5, HEADWAY_LIMITS_MIN[1]),
}
#: Published route length ÷ straight distance through the stops. Below 0.99 is an error (a route cannot be
#: shorter than the straight line; 1 % allows for the stations' position errors), above 5 too (the figure is
#: another line's or in the wrong unit); above 1.6 a warning (the curated lines run at 1.0–1.3).
LENGTH_RATIO_LIMITS = (0.99, 5.0)
LENGTH_RATIO_PLAUSIBLE = 1.6

#: Road classes an added road may have (those of the road layer, ``data/geo/roads.geojson``) and their OSM-style
#: highway (as the data build, :data:`cztmap.data.build._common.HIGHWAY_OF_CLASS`). Without ``speed_kmh`` a road
#: runs at :attr:`cztmap.params.Params.road_speed_kmh` of its class; without ``length_km`` its length is the
#: straight line through its waypoints × :attr:`cztmap.params.Params.corridor_detour` (1.15, an assumption).
ROAD_CLASSES: dict[str, str] = {"expressway": "motorway", "arterial": "trunk", "national": "primary"}
#: Road speed bounds (km/h): error outside 5 (slower than a walk) … 200 (:data:`cztmap.params.RANGES`
#: ``road_speed_kmh``); warning above the legal or design maximum of the class -- 120 on expressways (道路交通安全法
#: 实施条例 art. 78), 100 on 一级公路 (national roads) and urban expressways/arterials (CJJ 37 design speeds
#: ≤ 100) -- or below 30 (60 on an expressway, its legal minimum).
ROAD_SPEED_LIMITS_KMH = (5.0, RANGES["road_speed_kmh"][1])
ROAD_SPEED_PLAUSIBLE_KMH: dict[str, tuple[float, float]] = {
    "expressway": (60.0, 120.0),
    "arterial": (30.0, 100.0),
    "national": (30.0, 100.0),
}

TOP_KEYS = ("name", "description", "as_of", "period", "add_line", "add_road", "close", "headway")
ADD_LINE_KEYS = (
    "id",
    "name",
    "name_en",
    "mode",
    "speed_kmh",
    "length_km",
    "extends",
    "headway_peak_min",
    "headway_offpeak_min",
    "stations",
    "colour",
    "source",
    "note",
)
NEW_STATION_KEYS = ("name", "name_en", "id", "lon", "lat", "source")
ADD_ROAD_KEYS = (
    "id",
    "name_zh",
    "name_en",
    "road_class",
    "waypoints",
    "length_km",
    "speed_kmh",
    "lanes",
    "expected_opening",
    "source",
    "geometry_quality",
    "geometry_error_m",
    "note",
)
WAYPOINT_KEYS = ("name", "lon", "lat", "source")
CLOSE_KEYS = ("stations", "sections", "roads", "lines", "note")
HEADWAY_KEYS = ("line", "peak", "offpeak", "note")


# --------------------------------------------------------------------------------------------------
# station lookup
# --------------------------------------------------------------------------------------------------
def match_station(stations: pd.DataFrame, query: str, *, where: str = "") -> str:
    """Resolve a station name (Chinese or English, alias) or id to its ``station_id``.

    Raises
    ------
    StationNotFoundError
        With up to three did-you-mean suggestions.

    Examples
    --------
    >>> st = load_dataset().stations
    >>> match_station(st, "湘潭北"), match_station(st, "Xiangtan North")
    ('xiangtan-north', 'xiangtan-north')
    """
    q = str(query).strip().removeprefix("S:")
    ids = list(stations["station_id"])
    if q in ids:
        return q
    table: dict[str, str] = {}
    for r in stations.itertuples(index=False):
        names = [r.name_zh, r.name_en, str(r.name_zh).removesuffix("站"), r.station_id]
        aliases = getattr(r, "aliases", "")
        if isinstance(aliases, str) and aliases:
            names += [a.strip() for a in aliases.split(";") if a.strip()]
        for n in names:
            if isinstance(n, str) and normalize_name(n):
                table.setdefault(normalize_name(n), r.station_id)
    key = normalize_name(q)  # the same normaliser as the route resolver (cztmap.network.names)
    for k in (key, normalize_name(q + "站")):
        if k in table:
            return table[k]
    cands = difflib.get_close_matches(key, list(table), n=3, cutoff=0.5)
    shown: list[str] = []
    for c in cands:
        sid = table.get(c, c)
        row = stations[stations["station_id"] == sid]
        label = f"{row.iloc[0]['name_zh']} ({sid})" if not row.empty else sid
        if label not in shown:
            shown.append(label)
    raise StationNotFoundError(query, shown, extra=where)


# --------------------------------------------------------------------------------------------------
# the scenario object and its validation
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Scenario:
    """A validated scenario (build it with :func:`load_scenario` or :func:`parse_scenario`).

    Attributes
    ----------
    name, description : str
    as_of : datetime.date
        Base date: the network open that day.
    period : {"peak", "offpeak"}
    add_lines : tuple of dict
        Normalised ``[[add_line]]`` tables; ``stations`` resolved to ``("existing", station_id)``
        or ``("new", {name, name_en, id, lon, lat})``.
    add_roads : tuple of dict
        Normalised ``[[add_road]]`` tables (:class:`AddRoad`); ``waypoints`` resolved to (label, lon, lat).
    closures : dict
        ``{"stations": [...], "sections": [...], "roads": [...], "lines": [...]}`` (ids).
    headways : tuple of dict
        ``{"line", "peak", "offpeak"}``.
    source : str
        File path or ``"<dict>"``.
    """

    name: str
    as_of: dt.date
    period: str = "peak"
    description: str = ""
    add_lines: tuple[dict[str, Any], ...] = ()
    add_roads: tuple[dict[str, Any], ...] = ()
    closures: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: {k: () for k in ("stations", "sections", "roads", "lines")}
    )
    headways: tuple[dict[str, Any], ...] = ()
    source: str = "<dict>"

    @property
    def is_empty(self) -> bool:
        """True when the scenario changes nothing (it is just the network on ``as_of``)."""
        return not self.add_lines and not self.add_roads and not self.headways and not any(self.closures.values())


class _Ctx:
    def __init__(self, source: str) -> None:
        self.source = source

    def err(self, key: str, what: str, fix: str) -> ScenarioError:
        return ScenarioError(f"Scenario {self.source}, key `{key}`: {what}; {fix}.")

    def warn(self, key: str, what: str) -> None:
        """An implausible but possible value: a :class:`~cztmap.errors.CztmapWarning` naming file, key and value."""
        warnings.warn(CztmapWarning(f"Scenario {self.source}, key `{key}`: {what}."), stacklevel=4)


def _check_keys(ctx: _Ctx, table: Any, valid: tuple[str, ...], where: str) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise ctx.err(
            where, f"expected a table, got {type(table).__name__}", "write it as a TOML table ([name] or [[name]])"
        )
    unknown = [k for k in table if k not in valid]
    if unknown:
        hint = difflib.get_close_matches(unknown[0], valid, n=1)
        dym = f" (did you mean `{hint[0]}`?)" if hint else ""
        raise ctx.err(
            f"{where}.{unknown[0]}" if where else unknown[0],
            f"unknown key{dym}",
            f"valid keys here are {', '.join(valid)}",
        )
    return table


def _positive(ctx: _Ctx, key: str, value: Any, *, optional: bool = True) -> float | None:
    if value is None and optional:
        return None
    ok = (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
        and float(value) > 0
    )
    if not ok:
        raise ctx.err(key, f"{value!r} is not a positive number", "give a finite number > 0")
    return float(value)


def _speed(ctx: _Ctx, key: str, value: Any, mode: str) -> float | None:
    """A positive speed inside the physical range of the mode (:data:`SPEED_LIMITS_KMH`, else an error);
    outside the plausible range that `cztmap data validate` uses, a warning."""
    from cztmap.data.validate import _SPEED

    v = _positive(ctx, key, value)
    if v is None:
        return None
    lo, hi = SPEED_LIMITS_KMH.get(mode, RANGES["default_speed_kmh"][:2])
    if not lo <= v <= hi:
        side = f"above its physical limit of {hi:g} km/h" if v > hi else f"below {lo:g} km/h (slower than a walk)"
        raise ctx.err(
            key,
            f"{value!r} km/h is implausible for {mode}: {side}",
            f"give a speed between {lo:g} and {hi:g} km/h",
        )
    plo, phi = _SPEED.get(mode, (lo, hi))
    if not plo <= v <= phi:
        ctx.warn(key, f"{v:g} km/h is unusual for {mode} (the curated {mode} sections run at {plo}–{phi} km/h)")
    return v


def _headway(ctx: _Ctx, key: str, value: Any, mode: str | None) -> float | None:
    """A headway in minutes inside :data:`HEADWAY_LIMITS_MIN` (else an error), warned outside the plausible range."""
    v = _positive(ctx, key, value)
    if v is None:
        return None
    lo, hi = HEADWAY_LIMITS_MIN
    if not lo <= v <= hi:
        what = "closer than any signalling runs trains" if v < lo else "less often than daily"
        raise ctx.err(key, f"{value!r} min is {what}", f"give a headway between {lo:g} and {hi:g} minutes")
    plo, phi = HEADWAY_PLAUSIBLE_MIN.get(str(mode), (HEADWAY_PLAUSIBLE_MIN["metro"][0], hi))
    if not plo <= v <= phi:
        what = f"{mode} services" if mode in HEADWAY_PLAUSIBLE_MIN else "services"
        ctx.warn(key, f"a headway of {v:g} min is unusual (most {what} run every {plo:g}–{phi:g} min)")
    return v


def _check_length(ctx: _Ctx, key: str, length_km: float | None, straight_m: float, what: str) -> None:
    """A published length must not be below the straight line through the stops (nor 5× above it)."""
    if length_km is None or straight_m <= 0:
        return
    ratio = length_km * 1000.0 / straight_m
    lo, hi = LENGTH_RATIO_LIMITS
    if ratio < lo:
        raise ctx.err(
            key,
            f"{length_km:g} km is shorter than the straight line through {what} ({straight_m / 1000:.2f} km)",
            f"give the published route length (at least {straight_m / 1000:.2f} km) or drop the key",
        )
    if ratio > hi:
        raise ctx.err(
            key,
            f"{length_km:g} km is more than {hi:g} times the straight line through {what} ({straight_m / 1000:.2f} km)",
            "give the route length in km of this stretch only, or drop the key",
        )
    if ratio > LENGTH_RATIO_PLAUSIBLE:
        ctx.warn(
            key,
            f"{length_km:g} km is {ratio:.2f} times the straight line through {what} ({straight_m / 1000:.2f} km); "
            "check that the figure covers this stretch",
        )


def _check_spacing(ctx: _Ctx, key: str, full: Dataset, resolved: list[tuple[str, Any]]) -> None:
    """Consecutive stops of an added line must not sit on the same spot (a zero-length section)."""
    st = full.stations.set_index("station_id").geometry
    pts = [(st[r].x, st[r].y) if kind == "existing" else (r["lon"], r["lat"]) for kind, r in resolved]
    names = [r if kind == "existing" else r["name"] for kind, r in resolved]
    for j in range(len(pts) - 1):
        if float(haversine_m(*pts[j], *pts[j + 1])) < 1.0:
            raise ctx.err(
                f"{key}[{j + 1}]",
                f"station {names[j + 1]!r} is at the same position as {names[j]!r} (a zero-length section)",
                "give the new station its own surveyed lon/lat or drop it",
            )


def _straight_m(full: Dataset, resolved: tuple[tuple[str, Any], ...]) -> float:
    """Straight metres through the resolved stops, in order."""
    st = full.stations.set_index("station_id").geometry
    pts = [(st[r].x, st[r].y) if kind == "existing" else (r["lon"], r["lat"]) for kind, r in resolved]
    return sum(float(haversine_m(*p, *q)) for p, q in itertools.pairwise(pts))


def _str_list(ctx: _Ctx, key: str, value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ctx.err(key, f"{value!r} is not a list of names/ids", 'write e.g. ["山塘", "CZT-06"]')
    return [v.strip() for v in value]


def _station(ctx: _Ctx, key: str, full: Dataset, query: str) -> str:
    try:
        return match_station(full.stations, query)
    except StationNotFoundError as exc:
        sug = f"did you mean {', '.join(exc.suggestions)}" if exc.suggestions else "see `cztmap stations` for the names"
        raise ctx.err(key, f"unknown station {query!r}", sug) from None


def _id(ctx: _Ctx, key: str, query: str, open_ids: list[str], all_ids: list[str], what: str, as_of: dt.date) -> str:
    if query in open_ids:
        return query
    if query in all_ids:
        raise ctx.err(
            key,
            f"{what} {query!r} is not open on {as_of.isoformat()}",
            "remove it or choose an as_of date when it is open",
        )
    hint = difflib.get_close_matches(query, open_ids, n=3, cutoff=0.4)
    raise ctx.err(
        key,
        f"unknown {what} {query!r}",
        f"did you mean {', '.join(hint)}" if hint else f"use one of the ids open on {as_of.isoformat()}",
    )


class NewStation(TypedDict):
    """A station an added line creates (its position from a source, WGS-84)."""

    id: str
    name: str
    name_en: str
    lon: float
    lat: float
    adcode: str
    city: str
    city_zh: str
    district_zh: str
    source: str


class AddLine(TypedDict):
    """One normalised ``[[add_line]]`` table; ``stations`` holds ``("existing", station_id)`` or
    ``("new", NewStation)`` pairs.
    """

    id: str
    name: str
    name_en: str
    mode: str
    extends: str | None
    speed_kmh: float | None
    length_km: float | None
    headway_peak_min: float | None
    headway_offpeak_min: float | None
    colour: str
    source: str
    note: str
    stations: tuple[tuple[str, Any], ...]


class HeadwayChange(TypedDict):
    """One normalised ``[[headway]]`` table (minutes; None keeps the period's headway)."""

    line: str
    peak: float | None
    offpeak: float | None


@dataclass(frozen=True)
class _Base:
    """What a scenario is checked against: the full dataset and the network open on ``as_of``."""

    full: Dataset
    base: Dataset
    day: dt.date

    @property
    def open_lines(self) -> list[str]:
        return list(self.base.lines["line_id"])

    @property
    def all_lines(self) -> list[str]:
        return list(self.full.lines["line_id"])


def _tables(ctx: _Ctx, doc: dict[str, Any], key: str, what: str) -> list[Any]:
    """The array of tables under ``key`` (a single table is accepted as a one-element array)."""
    items = doc.get(key, [])
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list):
        raise ctx.err(key, "is not an array of tables", f"write each {what} as a [[{key}]] table")
    return items


def _parse_header(ctx: _Ctx, doc: dict[str, Any]) -> tuple[str, dt.date, str, str]:
    """``name``, ``as_of``, ``period`` and ``description``, checked."""
    _check_keys(ctx, doc, TOP_KEYS, "")
    for k in ("name", "as_of"):
        if k not in doc:
            raise ctx.err(k, "missing", f"add `{k} = ...` at the top of the file")
    name = doc["name"]
    if not isinstance(name, str) or not name.strip():
        raise ctx.err("name", f"{name!r} is not a non-empty string", 'write e.g. name = "with West Ring"')
    raw_date = doc["as_of"]
    try:
        day = parse_date(raw_date if isinstance(raw_date, (str, dt.date)) else str(raw_date))
    except UsageError:
        raise ctx.err(
            "as_of", f"{raw_date!r} is not a date", "write it as YYYY-MM-DD, e.g. as_of = 2023-06-28"
        ) from None
    assert day is not None
    if day < FIRST_DATE:
        raise ctx.err(
            "as_of",
            f"{day.isoformat()} is before any line of the network opened ({FIRST_DATE.isoformat()})",
            "choose a later date",
        )
    period = doc.get("period", "peak")
    if period not in PERIODS:
        raise ctx.err("period", f"unknown period {period!r}", f"use one of {', '.join(PERIODS)}")
    description = doc.get("description", "")
    if not isinstance(description, str):
        raise ctx.err("description", "is not a string", "write it in quotes")
    return name.strip(), day, period, description


def _parse_closures(ctx: _Ctx, doc: dict[str, Any], b: _Base) -> dict[str, list[str]]:
    """The ``[[close]]`` tables as ids open on ``as_of``, each closed once."""
    open_stations = set(b.base.stations["station_id"])
    kinds = (
        ("sections", list(b.base.sections["section_id"]), list(b.full.sections["section_id"]), "section id"),
        ("roads", list(b.base.roads["road_id"]), list(b.full.roads["road_id"]), "road id"),
        ("lines", b.open_lines, b.all_lines, "line id"),
    )
    closed: dict[str, list[str]] = {"stations": [], "sections": [], "roads": [], "lines": []}
    for i, c in enumerate(_tables(ctx, doc, "close", "closure")):
        where = f"close[{i}]"
        _check_keys(ctx, c, CLOSE_KEYS, where)
        for q in _str_list(ctx, f"{where}.stations", c.get("stations", [])):
            sid = _station(ctx, f"{where}.stations", b.full, q)
            if sid not in open_stations:
                raise ctx.err(
                    f"{where}.stations",
                    f"station {q!r} is not open on {b.day.isoformat()}",
                    "remove it or choose a later as_of",
                )
            closed["stations"].append(sid)
        for kind, ids, all_ids, what in kinds:
            for q in _str_list(ctx, f"{where}.{kind}", c.get(kind, [])):
                closed[kind].append(_id(ctx, f"{where}.{kind}", q, ids, all_ids, what, b.day))
    for kind, ids in closed.items():
        dup = sorted({x for x in ids if ids.count(x) > 1})
        if dup:
            raise ctx.err(f"close.{kind}", f"{dup[0]!r} is closed twice", "list it once")
    return closed


def _line_mode(ctx: _Ctx, where: str, a: dict[str, Any], b: _Base, closed: dict[str, list[str]]) -> tuple[str, Any]:
    """The added line's mode and the line it extends (checked against the extended line)."""
    extends = a.get("extends")
    if extends is not None:
        if extends in closed["lines"]:
            raise ctx.err(
                f"{where}.extends",
                f"line {extends!r} is both extended and closed by this file",
                "drop one of the two edits",
            )
        _id(ctx, f"{where}.extends", str(extends), b.open_lines, b.all_lines, "line id", b.day)
    ext_row = b.base.lines[b.base.lines["line_id"] == extends].iloc[0] if extends is not None else None
    mode = a.get("mode", ext_row["mode"] if ext_row is not None else None)
    if mode not in RAIL_MODES:
        raise ctx.err(f"{where}.mode", f"unknown mode {mode!r}", f"use one of {', '.join(RAIL_MODES)}")
    if ext_row is not None and mode != ext_row["mode"]:
        raise ctx.err(
            f"{where}.mode",
            f"mode {mode!r} differs from the extended line's {ext_row['mode']!r}",
            "drop `mode` or make it match",
        )
    return mode, extends


def _new_station(ctx: _Ctx, key: str, s: dict[str, Any], j: int, lid: str, full: Dataset) -> NewStation:
    """A ``{name, lon, lat}`` stop: inside the districts, with a fresh id."""
    _check_keys(ctx, s, NEW_STATION_KEYS, key)
    if "name" not in s or "lon" not in s or "lat" not in s:
        raise ctx.err(
            key,
            "a new station needs name, lon and lat (WGS-84, from a source)",
            "add them, or use an existing station's name",
        )
    lon, lat = s["lon"], s["lat"]
    if not all(isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v) for v in (lon, lat)):
        raise ctx.err(key, f"lon/lat {lon!r}, {lat!r} are not numbers", "give decimal degrees (WGS-84)")
    hit = full.districts[full.districts.contains(Point(lon, lat))]
    if hit.empty:
        swap = " (lon and lat look swapped)" if 111 <= lat <= 115 and 25 <= lon <= 29.5 else ""
        raise ctx.err(
            key,
            f"({lon}, {lat}) lies outside the Chang-Zhu-Tan districts{swap}",
            "give (longitude, latitude) in WGS-84 inside the region",
        )
    sid = str(s.get("id") or f"scn-{lid.lower()}-{j + 1}")
    if sid in set(full.stations["station_id"]):
        raise ctx.err(
            f"{key}.id", f"station id {sid!r} already exists", "choose another id or use the existing station by name"
        )
    d = hit.iloc[0]
    return NewStation(
        id=sid,
        name=str(s["name"]),
        name_en=str(s.get("name_en", s["name"])),
        lon=float(lon),
        lat=float(lat),
        adcode=d["adcode"],
        city=d["city"],
        city_zh=d.get("city_zh", ""),
        district_zh=d["name_zh"],
        source=str(s.get("source", "")),
    )


def _resolve_stops(
    ctx: _Ctx, where: str, lid: str, stops: Any, b: _Base, closed: dict[str, list[str]]
) -> tuple[tuple[str, Any], ...]:
    """The added line's stops: existing stations by name, or new ones; each once, none at the same spot."""
    if not isinstance(stops, list) or len(stops) < 2:
        raise ctx.err(
            f"{where}.stations",
            "needs a list of at least two stations",
            'write e.g. stations = ["梅溪湖西", "长沙西站"]',
        )
    resolved: list[tuple[str, Any]] = []
    for j, s in enumerate(stops):
        key = f"{where}.stations[{j}]"
        if isinstance(s, str):
            sid = _station(ctx, key, b.full, s)
            if sid in closed["stations"]:
                raise ctx.err(
                    key,
                    f"station {s!r} is closed by this file and also served by the added line",
                    "drop one of the two edits",
                )
            resolved.append(("existing", sid))
        elif isinstance(s, dict):
            resolved.append(("new", _new_station(ctx, key, s, j, lid, b.full)))
        else:
            raise ctx.err(
                key,
                f"{s!r} is neither a station name nor a {{name, lon, lat}} table",
                'write "name" or { name = "...", lon = ..., lat = ... }',
            )
    keys = [r[1] if r[0] == "existing" else r[1]["id"] for r in resolved]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    if dup:
        raise ctx.err(f"{where}.stations", f"station {dup[0]!r} appears twice", "list each station once")
    _check_spacing(ctx, f"{where}.stations", b.full, resolved)
    return tuple(resolved)


def _parse_add_line(ctx: _Ctx, where: str, a: Any, b: _Base, closed: dict[str, list[str]], seen: set[str]) -> AddLine:
    _check_keys(ctx, a, ADD_LINE_KEYS, where)
    lid = a.get("id")
    if not isinstance(lid, str) or not lid.strip():
        raise ctx.err(f"{where}.id", "missing or empty", 'give the line an id, e.g. id = "L2-W2"')
    if lid in b.open_lines:
        raise ctx.err(
            f"{where}.id",
            f"line {lid!r} is already open on {b.day.isoformat()}",
            "use a new id (to lengthen it, give a new id and extends = the open line)",
        )
    if lid in seen:
        raise ctx.err(f"{where}.id", f"line {lid!r} is added twice", "give each added line its own id")
    seen.add(lid)
    mode, extends = _line_mode(ctx, where, a, b, closed)
    stops = _resolve_stops(ctx, where, lid, a.get("stations"), b, closed)
    length_km = _positive(ctx, f"{where}.length_km", a.get("length_km"))
    _check_length(ctx, f"{where}.length_km", length_km, _straight_m(b.full, stops), "its stations")
    return AddLine(
        id=lid,
        name=str(a.get("name", lid)),
        name_en=str(a.get("name_en", a.get("name", lid))),
        mode=mode,
        extends=extends,
        speed_kmh=_speed(ctx, f"{where}.speed_kmh", a.get("speed_kmh"), mode),
        length_km=length_km,
        headway_peak_min=_headway(ctx, f"{where}.headway_peak_min", a.get("headway_peak_min"), mode),
        headway_offpeak_min=_headway(ctx, f"{where}.headway_offpeak_min", a.get("headway_offpeak_min"), mode),
        colour=str(a.get("colour", "#888888")),
        source=str(a.get("source", "")),
        note=str(a.get("note", "")),
        stations=stops,
    )


def _parse_add_lines(ctx: _Ctx, doc: dict[str, Any], b: _Base, closed: dict[str, list[str]]) -> list[AddLine]:
    """The ``[[add_line]]`` tables, normalised."""
    seen: set[str] = set()
    return [
        _parse_add_line(ctx, f"add_line[{i}]", a, b, closed, seen)
        for i, a in enumerate(_tables(ctx, doc, "add_line", "line"))
    ]


class AddRoad(TypedDict):
    """One normalised ``[[add_road]]`` table: a road the scenario opens (WGS-84 waypoints from named places)."""

    id: str
    name_zh: str
    name_en: str
    road_class: str
    waypoints: tuple[tuple[str, float, float], ...]
    length_km: float | None
    speed_kmh: float | None
    lanes: str
    expected_opening: str
    source: str
    geometry_quality: str
    geometry_error_m: float | None
    note: str
    replaces: bool


_VERTEX = re.compile(r"^(?P<road>[A-Za-z][\w-]*)\[(?P<i>-?\d+)\]$")


def _road_vertex(ctx: _Ctx, key: str, full: Dataset, m: re.Match[str]) -> tuple[str, float, float]:
    """``"R04[-1]"``: a vertex (a sourced anchor) of a road of the dataset."""
    rows = full.roads[full.roads["road_id"] == m["road"]]
    g = rows.geometry.iloc[0] if len(rows) else None
    if g is None or g.is_empty:
        what = "has no geometry" if len(rows) else "is not a road of the dataset"
        raise ctx.err(key, f"road {m['road']!r} {what}", "name a drawn road's anchor, a station, a district or lon/lat")
    coords = list(g.coords)
    i = int(m["i"])
    if not -len(coords) <= i < len(coords):
        raise ctx.err(key, f"road {m['road']} has {len(coords)} anchors", f"use an index from 0 to {len(coords) - 1}")
    x, y = coords[i][:2]
    return f"{m['road']}[{i}]", float(x), float(y)


def _place_point(ctx: _Ctx, key: str, full: Dataset, lon: Any, lat: Any) -> None:
    """A lon/lat waypoint: numbers inside the districts."""
    if not all(isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v) for v in (lon, lat)):
        raise ctx.err(key, f"lon/lat {lon!r}, {lat!r} are not numbers", "give decimal degrees (WGS-84)")
    if full.districts[full.districts.contains(Point(lon, lat))].empty:
        swap = " (lon and lat look swapped)" if 111 <= lat <= 115 and 25 <= lon <= 29.5 else ""
        raise ctx.err(
            key,
            f"({lon}, {lat}) lies outside the Chang-Zhu-Tan districts{swap}",
            "give (longitude, latitude) in WGS-84 inside the region",
        )


def _road_waypoint(ctx: _Ctx, key: str, full: Dataset, w: Any) -> tuple[str, float, float]:
    """A waypoint: ``"R04[-1]"`` (a road anchor), a district (its seat), a station, or ``{name, lon, lat}``."""
    if isinstance(w, dict):
        _check_keys(ctx, w, WAYPOINT_KEYS, key)
        if "lon" not in w or "lat" not in w:
            raise ctx.err(key, "a point waypoint needs lon and lat (WGS-84, from a source)", "add them or name a place")
        _place_point(ctx, key, full, w["lon"], w["lat"])
        return str(w.get("name", f"{w['lon']},{w['lat']}")), float(w["lon"]), float(w["lat"])
    if not isinstance(w, str) or not w.strip():
        raise ctx.err(
            key,
            f"{w!r} is not a waypoint",
            'write a station or district name, a road anchor like "R04[-1]", or { lon = ..., lat = ... }',
        )
    w = w.strip()
    m = _VERTEX.match(w)
    if m:
        return _road_vertex(ctx, key, full, m)
    d = full.districts
    hit = d[(d["name_zh"] == w) | (d["adcode"].astype(str) == w) | (d["name_en"].astype(str).str.lower() == w.lower())]
    if len(hit):
        r = hit.iloc[0]
        return f"{r['name_zh']} seat", float(r["seat_lon"]), float(r["seat_lat"])
    sid = _station(ctx, key, full, w)
    g = full.stations.set_index("station_id").geometry[sid]
    return sid, float(g.x), float(g.y)


def _road_speed(ctx: _Ctx, key: str, value: Any, road_class: str) -> float | None:
    """A road speed inside :data:`ROAD_SPEED_LIMITS_KMH`, warned outside the class's plausible range."""
    v = _positive(ctx, key, value)
    if v is None:
        return None
    lo, hi = ROAD_SPEED_LIMITS_KMH
    if not lo <= v <= hi:
        raise ctx.err(key, f"{value!r} km/h is impossible on a road", f"give a speed between {lo:g} and {hi:g} km/h")
    plo, phi = ROAD_SPEED_PLAUSIBLE_KMH[road_class]
    if not plo <= v <= phi:
        ctx.warn(
            key, f"{v:g} km/h is unusual for a road of class {road_class} (legal/design range {plo:g}–{phi:g} km/h)"
        )
    return v


def _road_waypoints(ctx: _Ctx, where: str, full: Dataset, ws: Any) -> tuple[tuple[str, float, float], ...]:
    if not isinstance(ws, list) or len(ws) < 2:
        raise ctx.err(
            f"{where}.waypoints",
            "needs a list of at least two waypoints",
            'write e.g. waypoints = ["毛竹塘", "R04[-1]"]',
        )
    pts = tuple(_road_waypoint(ctx, f"{where}.waypoints[{j}]", full, w) for j, w in enumerate(ws))
    for j, (a, b) in enumerate(itertools.pairwise(pts)):
        if float(haversine_m(a[1], a[2], b[1], b[2])) < 1.0:
            raise ctx.err(
                f"{where}.waypoints[{j + 1}]",
                f"waypoint {b[0]!r} is at the same position as {a[0]!r} (a zero-length road)",
                "drop one of them",
            )
    return pts


def _road_identity(
    ctx: _Ctx, where: str, r: dict[str, Any], b: _Base, closed: dict[str, list[str]], seen: set[str]
) -> tuple[str, dict[str, Any] | None]:
    """The added road's id (new, or a road of the dataset not open on ``as_of``) and that road's row."""
    rid = r.get("id")
    if not isinstance(rid, str) or not rid.strip():
        raise ctx.err(f"{where}.id", "missing or empty", 'give the road an id, e.g. id = "R05"')
    rid = rid.strip()
    if rid in set(b.base.roads["road_id"]):
        raise ctx.err(f"{where}.id", f"road {rid!r} is already open on {b.day.isoformat()}", "use a new id")
    if rid in seen:
        raise ctx.err(f"{where}.id", f"road {rid!r} is added twice", "give each added road its own id")
    seen.add(rid)
    rows = b.full.roads[b.full.roads["road_id"] == rid]
    return rid, (rows.iloc[0].to_dict() if len(rows) else None)


def _parse_add_road(ctx: _Ctx, where: str, r: Any, b: _Base, closed: dict[str, list[str]], seen: set[str]) -> AddRoad:
    _check_keys(ctx, r, ADD_ROAD_KEYS, where)
    rid, old = _road_identity(ctx, where, r, b, closed, seen)
    rc = r.get("road_class", (old or {}).get("road_class"))
    if rc not in ROAD_CLASSES:
        raise ctx.err(f"{where}.road_class", f"unknown road class {rc!r}", f"use one of {', '.join(ROAD_CLASSES)}")
    pts = _road_waypoints(ctx, where, b.full, r.get("waypoints"))
    length_km = _positive(ctx, f"{where}.length_km", r.get("length_km"))
    straight = sum(float(haversine_m(p[1], p[2], q[1], q[2])) for p, q in itertools.pairwise(pts))
    _check_length(ctx, f"{where}.length_km", length_km, straight, "its waypoints")
    quality = r.get("geometry_quality", "schematic")
    if quality not in ("schematic", "sourced"):
        raise ctx.err(f"{where}.geometry_quality", f"{quality!r} is not schematic or sourced", "use one of the two")
    err_m = r.get("geometry_error_m")
    if err_m is not None and not (
        isinstance(err_m, numbers.Real) and not isinstance(err_m, bool) and math.isfinite(err_m) and float(err_m) >= 0
    ):
        raise ctx.err(f"{where}.geometry_error_m", f"{err_m!r} is not a number of metres >= 0", "give e.g. 5000")
    text = {k: r.get(k, "") for k in ("lanes", "expected_opening", "source", "note")}
    for k, v in text.items():
        if not isinstance(v, str):
            raise ctx.err(f"{where}.{k}", f"{v!r} is not text", "write it in quotes")
    old = old or {}
    return AddRoad(
        id=rid,
        name_zh=str(r.get("name_zh", old.get("name_zh", rid))),
        name_en=str(r.get("name_en", old.get("name_en", r.get("name_zh", rid)))),
        road_class=str(rc),
        waypoints=pts,
        length_km=length_km,
        speed_kmh=_road_speed(ctx, f"{where}.speed_kmh", r.get("speed_kmh"), str(rc)),
        lanes=text["lanes"],
        expected_opening=text["expected_opening"],
        source=text["source"],
        geometry_quality=str(quality),
        geometry_error_m=float(err_m) if err_m is not None else None,
        note=text["note"],
        replaces=bool(old),
    )


def _parse_add_roads(ctx: _Ctx, doc: dict[str, Any], b: _Base, closed: dict[str, list[str]]) -> list[AddRoad]:
    """The ``[[add_road]]`` tables, normalised."""
    seen: set[str] = set()
    return [
        _parse_add_road(ctx, f"add_road[{i}]", r, b, closed, seen)
        for i, r in enumerate(_tables(ctx, doc, "add_road", "road"))
    ]


def _parse_headway(
    ctx: _Ctx, where: str, h: Any, b: _Base, closed: dict[str, list[str]], added: set[str], done: list[HeadwayChange]
) -> HeadwayChange:
    _check_keys(ctx, h, HEADWAY_KEYS, where)
    line = h.get("line")
    if not isinstance(line, str):
        raise ctx.err(f"{where}.line", "missing", 'name the line, e.g. line = "L3"')
    if line in THROUGH_SERVICE:
        svc = THROUGH_SERVICE[line]
        raise ctx.err(
            f"{where}.line", f"line {line} runs through as service {svc}", f'set the headway of line = "{svc}"'
        )
    line_of_section = dict(zip(b.base.sections["section_id"], b.base.sections["line_id"], strict=True))
    if line in closed["lines"] or any(line_of_section.get(s) == line for s in closed["sections"]):
        raise ctx.err(
            f"{where}.line",
            f"line {line!r} is both closed (wholly or a section) and re-timed by this file",
            "drop one of the two edits",
        )
    if line not in added:
        _id(ctx, f"{where}.line", line, b.open_lines, b.all_lines, "line id", b.day)
    if any(x["line"] == line for x in done):
        raise ctx.err(f"{where}.line", f"line {line!r} is re-timed twice", "merge the two [[headway]] tables")
    modes = b.full.lines.loc[b.full.lines["line_id"] == line, "mode"]
    mode = str(modes.iloc[0]) if len(modes) else None
    peak = _headway(ctx, f"{where}.peak", h.get("peak"), mode)
    off = _headway(ctx, f"{where}.offpeak", h.get("offpeak"), mode)
    if peak is None and off is None:
        raise ctx.err(where, "gives neither `peak` nor `offpeak`", "add at least one headway in minutes")
    return HeadwayChange(line=line, peak=peak, offpeak=off)


def _parse_headways(
    ctx: _Ctx, doc: dict[str, Any], b: _Base, closed: dict[str, list[str]], add_lines: list[AddLine]
) -> list[HeadwayChange]:
    """The ``[[headway]]`` tables: each line re-timed once, not also closed."""
    added = {a["id"] for a in add_lines if a["extends"] is None}
    out: list[HeadwayChange] = []
    for i, h in enumerate(_tables(ctx, doc, "headway", "change")):
        out.append(_parse_headway(ctx, f"headway[{i}]", h, b, closed, added, out))
    return out


def parse_scenario(doc: dict[str, Any], *, source: str = "<dict>", dataset: Dataset | None = None) -> Scenario:
    """Validate a scenario given as a dict (the parsed TOML) and return a :class:`Scenario`.

    Parameters
    ----------
    doc : dict
    source : str
        Name used in error messages (the file path).
    dataset : Dataset, optional
        Unfiltered dataset to validate against (default: the embedded one).

    Raises
    ------
    ScenarioError
        See the module docstring for the rules.

    Examples
    --------
    >>> parse_scenario({"name": "x", "as_of": "2023-06-28"}).is_empty
    True
    >>> parse_scenario({"name": "x", "as_of": "2023-06-28", "colour": "red"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    cztmap.errors.ScenarioError: Scenario <dict>, key `colour`: unknown key; valid keys here are name, ...
    """
    ctx = _Ctx(source)
    name, day, period, description = _parse_header(ctx, doc)
    full = dataset if dataset is not None else load_dataset()
    b = _Base(full, full.filter(day), day)
    closed = _parse_closures(ctx, doc, b)
    add_lines = _parse_add_lines(ctx, doc, b, closed)
    add_roads = _parse_add_roads(ctx, doc, b, closed)
    headways = _parse_headways(ctx, doc, b, closed, add_lines)
    return Scenario(
        name=name,
        description=description,
        as_of=day,
        period=period,
        add_lines=tuple(add_lines),  # type: ignore[arg-type]
        add_roads=tuple(add_roads),  # type: ignore[arg-type]
        closures={k: tuple(v) for k, v in closed.items()},
        headways=tuple(headways),  # type: ignore[arg-type]
        source=source,
    )


def load_scenario(path: str | Path, *, dataset: Dataset | None = None) -> Scenario:
    """Read and validate a scenario TOML file.

    Parameters
    ----------
    path : str or Path
    dataset : Dataset, optional
        Unfiltered dataset to validate against (default: the embedded one).

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        The file is missing, not TOML, or breaks a rule (the message names file, key and fix).

    Examples
    --------
    >>> scn = load_scenario("with_west_ring")  # a shipped name, or any .toml path
    >>> scn.as_of.isoformat(), scn.is_empty
    ('2023-06-28', True)
    """
    p = Path(path)
    if not p.exists() and p.suffix != ".toml" and str(path) in shipped_scenarios():
        p = shipped_scenarios()[str(path)]  # a shipped name, as compare() accepts ("with_west_ring")
    if p.is_dir():
        raise ScenarioError(f"Scenario file {str(p)!r} is a folder; give the path of a .toml scenario file.")
    if not p.is_file():
        raise ScenarioError(f"Scenario file {str(p)!r} does not exist; give the path of a .toml scenario file.")
    try:  # utf-8-sig: a byte-order mark (Windows editors) is accepted
        doc = tomllib.loads(p.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise ScenarioError(f"Scenario file {str(p)!r} is not UTF-8 text; save it as UTF-8.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"Scenario file {str(p)!r} is not valid TOML ({exc}); fix the syntax there.") from None
    return parse_scenario(doc, source=str(p), dataset=dataset)


def shipped_scenarios() -> dict[str, Path]:
    """The scenario files shipped in the repository's ``scenarios/`` folder, by stem.

    Examples
    --------
    >>> sorted(shipped_scenarios())[:2]
    ['before_west_ring', 'l2_west_ext2_schematic']
    """
    folder = scenarios_dir()
    return {p.stem: p for p in sorted(folder.glob("*.toml"))} if folder.is_dir() else {}


# --------------------------------------------------------------------------------------------------
# applying a scenario
# --------------------------------------------------------------------------------------------------
def _close_station(sec: gpd.GeoDataFrame, sid: str) -> gpd.GeoDataFrame:
    """Trains run through ``sid``: per line, merge the two sections meeting there (drop a terminus one)."""
    keep = sec[(sec["from_station"] != sid) & (sec["to_station"] != sid)]
    touching = sec[(sec["from_station"] == sid) | (sec["to_station"] == sid)]
    merged = []
    for _lid, grp in touching.groupby("line_id", sort=False):
        if len(grp) != 2:
            continue  # terminus (or a junction of one line): the sections end with the station
        a, b = (r for _, r in grp.sort_values("seq").iterrows())
        ga, gb = list(a.geometry.coords), list(b.geometry.coords)
        if a["from_station"] == sid:  # orient a to end at sid, b to start at it
            a_from, ga = a["to_station"], ga[::-1]
        else:
            a_from = a["from_station"]
        if b["to_station"] == sid:
            b_to, gb = b["from_station"], gb[::-1]
        else:
            b_to = b["to_station"]
        row = a.copy()
        row["section_id"] = f"{a['section_id']}+{b['section_id']}"
        row["from_station"], row["to_station"] = a_from, b_to
        row["length_m"] = float(a["length_m"]) + float(b["length_m"])
        row["straight_m"] = float(a.get("straight_m", 0) or 0) + float(b.get("straight_m", 0) or 0)
        row["geometry"] = LineString(ga + gb[1:])
        row["note"] = f"scenario: runs through closed station {sid}"
        merged.append(row)
    if merged:
        keep = pd.concat([keep, gpd.GeoDataFrame(merged, crs=sec.crs)], ignore_index=True)
    return gpd.GeoDataFrame(keep, crs=sec.crs)


def _apply_closures(base: Dataset, c: dict[str, tuple[str, ...]]) -> tuple[Any, Any, Any, Any]:
    """Sections, stations, lines and roads of ``base`` without what the scenario closes."""
    sec, st, ln, rd = base.sections.copy(), base.stations.copy(), base.lines.copy(), base.roads.copy()
    sec = sec[~sec["section_id"].isin(c["sections"]) & ~sec["line_id"].isin(c["lines"])]
    ln = ln[~ln["line_id"].isin(c["lines"])]
    rd = rd[~rd["road_id"].isin(c["roads"])]
    for sid in c["stations"]:
        sec = _close_station(sec, sid)
    st = st[~st["station_id"].isin(c["stations"])]
    return sec, st, ln, rd


def _apply_headways(ln: pd.DataFrame, headways: tuple[dict[str, Any], ...]) -> pd.DataFrame:
    for h in headways:
        m = ln["line_id"] == h["line"]
        if h["peak"] is not None:
            ln.loc[m, "headway_peak_min"] = h["peak"]
        if h["offpeak"] is not None:
            ln.loc[m, "headway_offpeak_min"] = h["offpeak"]
    return ln


def _new_station_row(scn: Scenario, s: dict[str, Any]) -> dict[str, Any]:
    return {
        "station_id": s["id"],
        "name_zh": s["name"],
        "name_en": s["name_en"],
        "city": s["city"],
        "city_zh": s["city_zh"],
        "adcode": s["adcode"],
        "district_zh": s["district_zh"],
        "lines": "",
        "aliases": "",
        "opened": scn.as_of.isoformat(),
        "position_quality": "scenario",
        "position_error_m": 0.0,
        "position_method": "given by the scenario file",
        "source_datum": "WGS-84",
        "source": s["source"] or f"scenario {scn.source}",
        "note": "",
        "geometry": Point(s["lon"], s["lat"]),
    }


def _stops(
    scn: Scenario, a: dict[str, Any], full: Dataset, st: pd.DataFrame, new_st: list[dict[str, Any]]
) -> list[tuple[str, float, float, str]]:
    """(id, lon, lat, name) of the added line's stops; reinstates or creates stations into ``new_st``."""
    pts: list[tuple[str, float, float, str]] = []
    for kind, s in a["stations"]:
        if kind != "existing":
            new_st.append(_new_station_row(scn, s))
            pts.append((s["id"], s["lon"], s["lat"], s["name"]))
            continue
        row = full.stations[full.stations["station_id"] == s].iloc[0]
        if s not in set(st["station_id"]) and not any(r["station_id"] == s for r in new_st):
            rec = row.to_dict()
            rec["note"] = f"scenario {scn.name}: reinstated (not open on {scn.as_of.isoformat()})"
            new_st.append(rec)
        pts.append((s, row.geometry.x, row.geometry.y, row["name_zh"]))
    return pts


def _added_sections(
    scn: Scenario, a: dict[str, Any], pts: list[tuple[str, float, float, str]], speed: float, factor: float
) -> list[dict[str, Any]]:
    out = []
    for k, ((fa, xa, ya, na), (fb, xb, yb, nb)) in enumerate(itertools.pairwise(pts), 1):
        s_m = float(haversine_m(xa, ya, xb, yb))
        out.append(
            {
                "section_id": f"{a['id']}-{k:02d}",
                "line_id": a["extends"] or a["id"],
                "seq": 1000 + k,
                "from_station": fa,
                "to_station": fb,
                "from_name_zh": na,
                "to_name_zh": nb,
                "opened": scn.as_of.isoformat(),
                "closed": None,
                "status": "open",
                "mode": a["mode"],
                "length_m": round(s_m * factor, 1),
                "length_source": f"scenario: straight × {factor:.3f}",
                "straight_m": round(s_m, 1),
                "speed_kmh": speed,
                "speed_source": "scenario",
                "colour": a["colour"],
                "geometry_quality": "straight line between stations (schematic)",
                "source": a["source"] or f"scenario {scn.source}",
                "note": a["note"],
                "geometry": LineString([(xa, ya), (xb, yb)]),
            }
        )
    return out


def _added_line_row(scn: Scenario, a: dict[str, Any], n_stops: int, length_m: float, speed: float) -> dict[str, Any]:
    return {
        "line_id": a["id"],
        "name_zh": a["name"],
        "name_en": a["name_en"],
        "mode": a["mode"],
        "colour": a["colour"],
        "length_km": a["length_km"] or length_m / 1000,
        "n_stations": n_stops,
        "opened": scn.as_of.isoformat(),
        "status": "open",
        "headway_peak_min": a["headway_peak_min"],
        "headway_offpeak_min": a["headway_offpeak_min"],
        "speed_kmh": speed,
        "source": a["source"] or f"scenario {scn.source}",
        "note": a["note"],
        "geometry": None,
    }


def _add_line(
    scn: Scenario, a: dict[str, Any], full: Dataset, st: pd.DataFrame, ln: pd.DataFrame, new_st: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Sections of one added line and its lines row (None for an extension of an open line)."""
    pts = _stops(scn, a, full, st, new_st)
    straight = [float(haversine_m(x1, y1, x2, y2)) for (_, x1, y1, _), (_, x2, y2, _) in itertools.pairwise(pts)]
    factor = (a["length_km"] * 1000 / sum(straight)) if a["length_km"] and sum(straight) > 0 else ROUTE_FACTOR
    ext = ln[ln["line_id"] == a["extends"]].iloc[0] if a["extends"] else None
    speed = a["speed_kmh"] if a["speed_kmh"] is not None else (ext["speed_kmh"] if ext is not None else math.nan)
    secs = _added_sections(scn, a, pts, speed, factor)
    row = None if a["extends"] else _added_line_row(scn, a, len(pts), sum(straight) * factor, speed)
    return secs, row


def _with_served_lines(st: pd.DataFrame, sec: pd.DataFrame) -> pd.DataFrame:
    """Stations that a section serves, with their ``lines``."""
    served: dict[str, set[str]] = {}
    for fa, fb, lid in zip(sec["from_station"], sec["to_station"], sec["line_id"], strict=True):
        served.setdefault(fa, set()).add(lid)
        served.setdefault(fb, set()).add(lid)
    st = st[st["station_id"].isin(served)].copy()
    st["lines"] = [";".join(sorted(served[s])) for s in st["station_id"]]
    return st


def _added_road_row(scn: Scenario, r: dict[str, Any]) -> dict[str, Any]:
    """The roads-layer row of one ``[[add_road]]`` (open on ``scn.as_of``; drawn through its waypoints)."""
    err = r["geometry_error_m"]
    return {
        "road_id": r["id"],
        "name_zh": r["name_zh"],
        "name_en": r["name_en"],
        "road_class": r["road_class"],
        "highway": ROAD_CLASSES[r["road_class"]],
        "speed_kmh": r["speed_kmh"] if r["speed_kmh"] is not None else math.nan,
        "lanes": r["lanes"],
        "status": "open",
        "status_text": f"scenario {scn.name}: open"
        + (f" (expected {r['expected_opening']})" if r["expected_opening"] else ""),
        "opened": scn.as_of.isoformat(),
        "opened_text": r["expected_opening"] or "scenario",
        "length_km": r["length_km"] if r["length_km"] is not None else math.nan,
        "length_text": f"{r['length_km']:g} (scenario)" if r["length_km"] is not None else "straight × corridor_detour",
        "geometry_quality": r["geometry_quality"],
        "geometry_error_m": err if err is not None else math.nan,
        "anchors": ";".join(w[0] for w in r["waypoints"]),
        "anchor_source": f"scenario {scn.source}",
        "source": r["source"] or f"scenario {scn.source}",
        "note": r["note"],
        "scenario": scn.name,
        "geometry": LineString([(w[1], w[2]) for w in r["waypoints"]]),
    }


def _apply_roads(scn: Scenario, rd: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The open roads plus the scenario's (an added road replaces the dataset's unopened row of the same id)."""
    if not scn.add_roads:
        return rd
    ids = {r["id"] for r in scn.add_roads}
    rows = [_added_road_row(scn, r) for r in scn.add_roads]
    keep = rd[~rd["road_id"].isin(ids)]
    return gpd.GeoDataFrame(
        pd.concat([keep, gpd.GeoDataFrame(rows, geometry="geometry", crs=rd.crs)], ignore_index=True), crs=rd.crs
    )


def apply_scenario(scn: Scenario, ds: Dataset | None = None, *, params: Params = DEFAULTS) -> Dataset:
    """The network of ``scn``: the dataset open on ``scn.as_of`` with the scenario's edits applied.

    Parameters
    ----------
    scn : Scenario
    ds : Dataset, optional
        Unfiltered dataset to start from (default: the embedded one).
    params : Params
        Unused today (kept for symmetry with :func:`scenario_graph`).

    Returns
    -------
    Dataset
        Filtered to ``scn.as_of``; an empty scenario returns exactly ``load_dataset(as_of=scn.as_of)``.

    Examples
    --------
    >>> scn = parse_scenario({"name": "no S2", "as_of": "2023-06-28", "close": [{"lines": ["S2"]}]})
    >>> "S2" in set(apply_scenario(scn).sections.line_id)
    False
    """
    full = ds if ds is not None else load_dataset()
    base = full.filter(scn.as_of)
    if scn.is_empty:
        return base
    sec, st, ln, rd = _apply_closures(base, scn.closures)
    rd = _apply_roads(scn, rd)
    ln = _apply_headways(ln, scn.headways)
    new_st: list[dict[str, Any]] = []
    new_sec: list[dict[str, Any]] = []
    new_ln: list[dict[str, Any]] = []
    for a in scn.add_lines:
        secs, row = _add_line(scn, a, full, st, ln, new_st)
        new_sec += secs
        if row is not None:
            new_ln.append(row)
    if new_st:
        st = pd.concat([st, gpd.GeoDataFrame(new_st, geometry="geometry", crs=st.crs)], ignore_index=True)
    if new_sec:
        sec = pd.concat([sec, gpd.GeoDataFrame(new_sec, geometry="geometry", crs=sec.crs)], ignore_index=True)
    if new_ln:
        ln = pd.concat([ln, pd.DataFrame(new_ln)], ignore_index=True)
    st = _with_served_lines(st, sec)
    return replace(
        base,
        stations=gpd.GeoDataFrame(st, crs=base.stations.crs).reset_index(drop=True),
        sections=gpd.GeoDataFrame(sec, crs=base.sections.crs).reset_index(drop=True),
        lines=gpd.GeoDataFrame(ln, geometry="geometry", crs=base.lines.crs).reset_index(drop=True)
        if "geometry" in ln
        else ln.reset_index(drop=True),
        roads=gpd.GeoDataFrame(rd, crs=base.roads.crs).reset_index(drop=True),
    )
