"""Checking a GTFS feed: structural errors (the import stops) versus cosmetic warnings (it goes on).

Each file has its own named check; :func:`check_feed` runs them in dependency order over a stream of rows
(see :mod:`cztmap.io.gtfs.read`). Errors carry the file, the 1-based line and the field; warnings are grouped
by kind (a feed with 3,000 unused stops gives one warning line with a count and the first examples).

Errors (structural): a required file or column missing; an id empty or duplicated; a reference to an unknown
agency, route, service, trip, stop or parent station; a malformed time, date, number, coordinate or enumerated
value; ``route_type`` not a GTFS type; departure before arrival; a time that goes back along a trip; the first
or last stop of a trip without a time; two rows with one stop_sequence; a hop faster than any vehicle
(:data:`IMPOSSIBLE_SPEED_MPS`); ``headway_secs`` outside 1..86400; a frequency window that ends before it
starts.

Warnings (cosmetic, other readers accept them): a ``#`` before a colour (stripped) or a colour that is not six
hex digits (dropped); a trip without stop times or with one stop (ignored); a stop no trip uses; a column GTFS
does not define; a route without a name; an empty agency field; control characters in a name (removed); a hop
faster than the mode's plausible top speed (:data:`PLAUSIBLE_SPEED_MPS`); a time after 48:00:00; a headway below
60 s.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from cztmap.data.services import GTFS_MODES
from cztmap.errors import DataError
from cztmap.geo import haversine_m

__all__ = [
    "GTFS_MODES",
    "IMPOSSIBLE_SPEED_MPS",
    "PLAUSIBLE_SPEED_MPS",
    "REQUIRED_COLUMNS",
    "REQUIRED_FILES",
    "GtfsFeed",
    "GtfsWarning",
    "StopTimes",
    "check_feed",
    "route_type_mode",
]


class GtfsWarning(RuntimeWarning):
    """A cosmetic problem of a GTFS feed: reported, and the import goes on."""


REQUIRED_FILES = ("agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "agency.txt": ("agency_name", "agency_url", "agency_timezone"),
    "stops.txt": ("stop_id",),
    "routes.txt": ("route_id", "route_type"),
    "trips.txt": ("route_id", "service_id", "trip_id"),
    "stop_times.txt": ("trip_id", "stop_id", "stop_sequence", "arrival_time", "departure_time"),
    "calendar.txt": ("service_id", *_WEEKDAYS, "start_date", "end_date"),
    "calendar_dates.txt": ("service_id", "date", "exception_type"),
    "frequencies.txt": ("trip_id", "start_time", "end_time", "headway_secs"),
    "transfers.txt": ("from_stop_id", "to_stop_id", "transfer_type"),
    "translations.txt": ("table_name", "field_name", "language", "translation"),
    "feed_info.txt": ("feed_publisher_name", "feed_publisher_url", "feed_lang"),
}
#: Optional columns of the GTFS Schedule reference (2024) for the files the import reads.
_OPTIONAL_COLUMNS: dict[str, tuple[str, ...] | list[str]] = {
    "agency.txt": ("agency_id", "agency_lang", "agency_phone", "agency_fare_url", "agency_email", "cemv_support"),
    "stops.txt": [
        "stop_code",
        "stop_name",
        "tts_stop_name",
        "stop_desc",
        "stop_lat",
        "stop_lon",
        "zone_id",
        "stop_url",
        "location_type",
        "parent_station",
        "stop_timezone",
        "wheelchair_boarding",
        "level_id",
        "platform_code",
        "stop_access",
    ],
    "routes.txt": [
        "agency_id",
        "route_short_name",
        "route_long_name",
        "route_desc",
        "route_url",
        "route_color",
        "route_text_color",
        "route_sort_order",
        "continuous_pickup",
        "continuous_drop_off",
        "network_id",
        "cemv_support",
    ],
    "trips.txt": [
        "trip_headsign",
        "trip_short_name",
        "direction_id",
        "block_id",
        "shape_id",
        "wheelchair_accessible",
        "bikes_allowed",
        "cars_allowed",
    ],
    "stop_times.txt": [
        "location_group_id",
        "location_id",
        "stop_headsign",
        "start_pickup_drop_off_window",
        "end_pickup_drop_off_window",
        "pickup_type",
        "drop_off_type",
        "continuous_pickup",
        "continuous_drop_off",
        "shape_dist_traveled",
        "timepoint",
        "pickup_booking_rule_id",
        "drop_off_booking_rule_id",
    ],
    "calendar.txt": (),
    "calendar_dates.txt": (),
    "frequencies.txt": ("exact_times",),
    "transfers.txt": ("from_route_id", "to_route_id", "from_trip_id", "to_trip_id", "min_transfer_time"),
    "translations.txt": ("record_id", "record_sub_id", "field_value"),
    "feed_info.txt": [
        "default_lang",
        "feed_start_date",
        "feed_end_date",
        "feed_version",
        "feed_contact_email",
        "feed_contact_url",
    ],
}

_BASIC = {
    0: "tram",
    1: "subway",
    2: "rail",
    3: "bus",
    4: "ferry",
    5: "cable_tram",
    6: "aerial",
    7: "funicular",
    11: "trolleybus",
    12: "monorail",
}
# extended route types (Google's "Extended GTFS Route Types", HVT-based): hundreds ranges
_EXTENDED = {
    1: "rail",  # 100-199 railway (101 high speed: below)
    2: "coach",  # 200-299 coach
    3: "rail",  # 300-399 suburban railway
    4: "subway",  # 400-499 urban railway (405 monorail: below)
    5: "subway",  # 500 metro
    6: "subway",  # 600 underground
    7: "bus",  # 700-799 bus
    8: "trolleybus",  # 800-899
    9: "tram",  # 900-999
    10: "ferry",  # 1000-1099 water transport
    11: "air",  # 1100-1199
    12: "ferry",  # 1200-1299
    13: "aerial",  # 1300-1399 aerial lift
    14: "funicular",  # 1400-1499
    15: "taxi",  # 1500-1599
    16: "other",  # 1600-1699 self drive
    17: "other",  # 1700-1799 miscellaneous
}

#: Faster than any scheduled vehicle but an airliner (1200 km/h): a hop this fast is an error.
IMPOSSIBLE_SPEED_MPS = 1200 / 3.6
#: Top plausible scheduled speed by mode (m/s); faster hops are warned about. Rail 450 km/h is above the
#: fastest wheel-on-rail service (350 km/h) and below maglevs (430 km/h Shanghai, counted as monorail/rail);
#: every street or water mode 200 km/h.
PLAUSIBLE_SPEED_MPS: dict[str, float] = {
    "rail": 450 / 3.6,
    "hsr": 450 / 3.6,
    "intercity": 450 / 3.6,
    "monorail": 450 / 3.6,
    "maglev": 450 / 3.6,
    "air": IMPOSSIBLE_SPEED_MPS,
}
_DEFAULT_PLAUSIBLE_MPS = 200 / 3.6
#: Time differences are whole seconds, often rounded to minutes: speeds use at least this many seconds.
MIN_HOP_S = 60
#: Stop times after this (48:00:00) are warned about: a service day that long is unusual.
LATE_S = 48 * 3600

_TIME_RE = re.compile(r"^(\d{1,3}):([0-5]\d):([0-5]\d)$")
_DATE_RE = re.compile(r"^\d{8}$")
_CTRL_RE = re.compile(r"[\x00-\x1f\x7f]")
_CZTMAP_MODES = ("metro", "maglev", "intercity", "hsr", "rail", "art")  # network_id values of cztmap exports


def route_type_mode(rt: int) -> str | None:
    """The mode of a GTFS ``route_type`` (basic 0–12 or extended 100–1799); None if not a route type.

    Examples
    --------
    >>> [route_type_mode(t) for t in (0, 1, 2, 3, 4, 101, 405, 700, 1300, 99)]
    ['tram', 'subway', 'rail', 'bus', 'ferry', 'hsr', 'monorail', 'bus', 'aerial', None]
    """
    if rt in _BASIC:
        return _BASIC[rt]
    if rt == 101:
        return "hsr"
    if rt == 405:
        return "monorail"
    if 100 <= rt < 1800:
        return _EXTENDED.get(rt // 100)
    return None


def time_s(value: str) -> int | None:
    """Seconds after midnight of a GTFS time ``H:MM:SS`` / ``HH:MM:SS`` (hours may pass 24); None if malformed.

    Examples
    --------
    >>> time_s("25:01:02"), time_s("7:00:00"), time_s("8am")
    (90062, 25200, None)
    """
    m = _TIME_RE.match(value)
    if not m:
        return None
    return int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3))


def hms(seconds: int) -> str:
    """A GTFS time ``HH:MM:SS`` for seconds after midnight.

    Examples
    --------
    >>> hms(90062)
    '25:01:02'
    """
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class Report:
    """Problems (errors) and warnings of one import; at most ``max_listed`` errors are listed."""

    def __init__(self, max_listed: int = 100) -> None:
        self.problems: list[str] = []
        self.n_problems = 0
        self.max_listed = max_listed
        self.warnings: dict[str, list[str]] = defaultdict(list)
        self.warning_counts: dict[str, int] = defaultdict(int)

    def fatal(self, message: str) -> None:
        self.n_problems += 1
        if len(self.problems) < self.max_listed:
            self.problems.append(message)

    def error(self, name: str, line: int, fld: str, what: str, fix: str) -> None:
        self.fatal(f"{name} line {line}, field {fld}: {what}; {fix}.")

    def warn(self, kind: str, message: str) -> None:
        self.warning_counts[kind] += 1
        if len(self.warnings[kind]) < 3:
            self.warnings[kind].append(message)

    def problem_lines(self) -> list[str]:
        extra = self.n_problems - len(self.problems)
        return self.problems + ([f"... and {extra} more problem(s) not listed."] if extra > 0 else [])

    def warning_lines(self) -> list[str]:
        out = []
        for kind, msgs in self.warnings.items():
            out.extend(msgs)
            more = self.warning_counts[kind] - len(msgs)
            if more > 0:
                out.append(f"... and {more} more warning(s) like the one above ({kind}).")
        return out


class Source(Protocol):
    """What the checks read from (:mod:`cztmap.io.gtfs.read` provides it)."""

    def members(self) -> set[str]: ...

    def table(self, name: str) -> tuple[list[str], Iterator[tuple[int, list[list[str]]]]] | None: ...


@dataclass
class StopTimes:
    """All stop times of a feed as arrays, sorted by trip then stop_sequence.

    ``trip`` indexes :attr:`GtfsFeed.trip_ids`, ``stop`` indexes :attr:`GtfsFeed.stop_ids`. ``arr``/``dep``
    are seconds after the service day's midnight with missing intermediate times interpolated by distance
    (``timepoint`` is False there); ``dist`` is ``shape_dist_traveled`` (NaN if absent); ``line`` the file line.
    ``start[i]:start[i+1]`` are the rows of trip ``i``.
    """

    trip: np.ndarray
    stop: np.ndarray
    seq: np.ndarray
    arr: np.ndarray
    dep: np.ndarray
    dist: np.ndarray
    line: np.ndarray
    timepoint: np.ndarray
    start: np.ndarray

    @classmethod
    def empty(cls) -> StopTimes:
        """Stop times of a feed with no rows."""
        z = np.zeros(0, dtype=np.int64)
        return cls(z, z, z, z, z, np.zeros(0), z, np.zeros(0, dtype=bool), np.zeros(1, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.trip)


@dataclass
class GtfsFeed:
    """A checked GTFS feed: the parsed tables the graph and timetable builders use."""

    name: str
    stops: dict[str, dict[str, Any]] = field(default_factory=dict)
    routes: dict[str, dict[str, Any]] = field(default_factory=dict)
    trips: dict[str, dict[str, Any]] = field(default_factory=dict)
    stop_ids: list[str] = field(default_factory=list)
    trip_ids: list[str] = field(default_factory=list)
    st: StopTimes = field(default_factory=StopTimes.empty)
    frequencies: dict[str, list[tuple[int, int, int, int]]] = field(default_factory=dict)
    calendar: dict[str, dict[str, Any]] = field(default_factory=dict)
    calendar_dates: dict[str, dict[dt.date, int]] = field(default_factory=dict)
    transfers: list[dict[str, Any]] = field(default_factory=list)
    names_en: dict[str, str] = field(default_factory=dict)
    feed_version: str = ""
    publisher: str = ""
    warnings: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)

    # ---- service days ---------------------------------------------------------------------------------
    def active_services(self, day: dt.date) -> set[str]:
        """Service ids running on ``day`` (calendar within its dates, plus calendar_dates exceptions)."""
        out = set()
        for sid, c in self.calendar.items():
            if c["start"] <= day <= c["end"] and c["days"][day.weekday()]:
                out.add(sid)
        for sid, ex in self.calendar_dates.items():
            if ex.get(day) == 1:
                out.add(sid)
            elif ex.get(day) == 2:
                out.discard(sid)
        return out

    def date_range(self) -> tuple[dt.date, dt.date] | None:
        """First and last date any service may run (calendar ranges and added dates); None if none."""
        starts = [c["start"] for c in self.calendar.values() if c["start"] <= c["end"]]
        ends = [c["end"] for c in self.calendar.values() if c["start"] <= c["end"]]
        added = [d for ex in self.calendar_dates.values() for d, e in ex.items() if e == 1]
        if not starts + added:
            return None
        return min(starts + added), max(ends + added)

    def busiest_date(self) -> dt.date:
        """The earliest date with the most trips among the feed's first week (and its added dates)."""
        rng = self.date_range()
        if rng is None:
            raise DataError(
                f"GTFS feed {self.name!r} has no service dates in calendar.txt or calendar_dates.txt; add them."
            )
        first = rng[0]
        cands = {first + dt.timedelta(days=i) for i in range(7)}
        cands |= {d for ex in self.calendar_dates.values() for d, e in ex.items() if e == 1}
        cands = {d for d in cands if rng[0] <= d <= rng[1]}
        count: dict[str, int] = defaultdict(int)
        for t in self.trips.values():
            count[t["service_id"]] += 1
        return min(cands, key=lambda d: (-sum(count[s] for s in self.active_services(d)), d))

    def service_trips(self, day: dt.date) -> list[int]:
        """Indices (into :attr:`trip_ids`) of trips with two or more stops running on ``day``, sorted."""
        active = self.active_services(day)
        out = []
        for i, tid in enumerate(self.trip_ids):
            if self.trips[tid]["service_id"] in active and self.st.start[i + 1] - self.st.start[i] >= 2:
                out.append(i)
        return out

    def station_of(self, stop_id: str) -> str:
        """The parent station of a stop, or the stop itself."""
        return self.stops[stop_id]["parent"] or stop_id


# =========================================================================================================
# the checks, one per file
# =========================================================================================================


@dataclass
class _Ctx:
    feed: GtfsFeed
    report: Report
    ok: dict[str, bool] = field(default_factory=dict)

    def bad(self, name: str, line: int, fld: str, what: str, fix: str) -> None:
        self.report.error(name, line, fld, what, fix)

    def unique(self, name: str, key: str, store: dict[str, Any], value: str, line: int) -> bool:
        if not value:
            self.bad(name, line, key, "the id is empty", "give every row an id")
            return False
        if value in store:
            self.bad(
                name, line, key, f"duplicate id {value!r} (first on line {store[value]['line']})", "make ids unique"
            )
            return False
        return True


def _columns(ctx: _Ctx, name: str, header: list[str]) -> bool:
    """Required columns present (errors), duplicated or unknown columns (warnings); True if usable."""
    missing = [c for c in REQUIRED_COLUMNS.get(name, ()) if c not in header]
    for c in missing:
        ctx.bad(name, 1, c, "the required column is missing", "add it to the header")
    dup = sorted({h for h in header if header.count(h) > 1})
    if dup:
        ctx.bad(name, 1, dup[0], "the column appears twice in the header", "remove one")
    known = set(REQUIRED_COLUMNS.get(name, ())) | set(_OPTIONAL_COLUMNS.get(name, ()))
    for h in header:
        if h not in known:
            ctx.report.warn(
                "unknown column", f"{name} line 1, field {h}: not a column of the GTFS reference; it is ignored."
            )
    return not missing and not dup


def _rows(ctx: _Ctx, source: Source, name: str) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a small table as dicts (values stripped); nothing if the file is absent or unusable."""
    got = source.table(name)
    if got is None:
        ctx.ok[name] = False
        return
    header, rows = got
    ctx.ok[name] = _columns(ctx, name, header)
    if not ctx.ok[name]:
        for _ in rows:  # drain so that CSV errors are still reported
            pass
        return
    n = len(header)
    for line, rec in ((first + i, rec) for first, recs in rows for i, rec in enumerate(recs)):
        if not rec or all(not v.strip() for v in rec):
            continue
        if len(rec) != n:
            ctx.report.fatal(
                f"{name} line {line}: the row has {len(rec)} fields but the header has {n}; fix the commas or quoting."
            )
            continue
        yield line, {h: v.strip() for h, v in zip(header, rec, strict=True)}


def _clean_name(ctx: _Ctx, name: str, line: int, fld: str, value: str) -> str:
    if _CTRL_RE.search(value):
        ctx.report.warn(
            "control characters", f"{name} line {line}, field {fld}: control characters (e.g. NUL) removed."
        )
        return _CTRL_RE.sub("", value)
    return value


def _check_agency(ctx: _Ctx, source: Source) -> dict[str, int]:
    agencies: dict[str, int] = {}
    rows = list(_rows(ctx, source, "agency.txt"))
    if ctx.ok.get("agency.txt") and not rows:
        ctx.bad("agency.txt", 2, "agency_id", "the file has no agency", "add one row per agency")
    for line, r in rows:
        aid = r.get("agency_id", "")
        if aid in agencies:
            ctx.bad(
                "agency.txt",
                line,
                "agency_id",
                f"duplicate id {aid!r} (first on line {agencies[aid]})",
                "make ids unique",
            )
        agencies.setdefault(aid, line)
        if len(rows) > 1 and not aid:
            ctx.bad(
                "agency.txt", line, "agency_id", "the id is empty in a feed with several agencies", "give each an id"
            )
        for c in ("agency_name", "agency_url", "agency_timezone"):
            if not r[c]:
                ctx.report.warn("empty agency field", f"agency.txt line {line}, field {c}: the value is empty.")
    return agencies


def _stop_position(ctx: _Ctx, line: int, r: dict[str, str], lt: int) -> tuple[float, float]:
    if lt not in (0, 1, 2):
        return float("nan"), float("nan")
    try:
        lat, lon = float(r.get("stop_lat", "")), float(r.get("stop_lon", ""))
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValueError
        return lat, lon
    except ValueError:
        ctx.bad(
            "stops.txt",
            line,
            "stop_lat/stop_lon",
            f"({r.get('stop_lat', '')!r}, {r.get('stop_lon', '')!r}) is not a WGS-84 position",
            "give decimal degrees, latitude in [-90, 90] and longitude in [-180, 180]",
        )
        return float("nan"), float("nan")


def _check_stops(ctx: _Ctx, source: Source) -> None:
    feed = ctx.feed
    for line, r in _rows(ctx, source, "stops.txt"):
        sid = r["stop_id"]
        if not ctx.unique("stops.txt", "stop_id", feed.stops, sid, line):
            continue
        lt_s = r.get("location_type", "") or "0"
        lt = int(lt_s) if lt_s in {"0", "1", "2", "3", "4"} else None
        if lt is None:
            ctx.bad("stops.txt", line, "location_type", f"{lt_s!r} is not a location type", "use 0, 1, 2, 3 or 4")
            lt = 0
        lat, lon = _stop_position(ctx, line, r, lt)
        feed.stops[sid] = {
            "line": line,
            "name": _clean_name(ctx, "stops.txt", line, "stop_name", r.get("stop_name", "")),
            "lat": lat,
            "lon": lon,
            "location_type": lt,
            "parent": r.get("parent_station", ""),
        }
    _check_parents(ctx)
    feed.stop_ids = list(feed.stops)


def _check_parents(ctx: _Ctx) -> None:
    stops = ctx.feed.stops
    for s in stops.values():
        par = s["parent"]
        if par and par not in stops:
            ctx.bad(
                "stops.txt",
                s["line"],
                "parent_station",
                f"unknown stop {par!r}",
                "add the parent station or fix the id",
            )
            s["parent"] = ""
        elif par and stops[par]["location_type"] != 1 and s["location_type"] in (0, 2, 3):
            ctx.bad(
                "stops.txt",
                s["line"],
                "parent_station",
                f"{par!r} is not a station (location_type 1)",
                "point platforms to a station",
            )
        elif s["location_type"] == 1 and par:
            ctx.bad(
                "stops.txt",
                s["line"],
                "parent_station",
                "a station (location_type 1) cannot have a parent",
                "leave parent_station empty",
            )


def _colour(ctx: _Ctx, line: int, col: str) -> str:
    if not col:
        return ""
    if re.fullmatch(r"#[0-9A-Fa-f]{6}", col):
        ctx.report.warn(
            "colour",
            f"routes.txt line {line}, field route_color: {col!r} has a '#' that GTFS does not use; read as {col[1:]}.",
        )
        col = col[1:]
    if not re.fullmatch(r"[0-9A-Fa-f]{6}", col):
        ctx.report.warn(
            "colour",
            f"routes.txt line {line}, field route_color: {col!r} is not six hex digits; the colour is ignored.",
        )
        return ""
    return f"#{col.upper()}"


def _check_routes(ctx: _Ctx, source: Source, agencies: dict[str, int]) -> None:
    feed = ctx.feed
    cztmap_export = feed.publisher == "cztmap"
    for line, r in _rows(ctx, source, "routes.txt"):
        rid = r["route_id"]
        if not ctx.unique("routes.txt", "route_id", feed.routes, rid, line):
            continue
        rt_s = r["route_type"]
        mode = route_type_mode(int(rt_s)) if rt_s.isdigit() and len(rt_s) <= 4 else None
        if mode is None:
            ctx.bad(
                "routes.txt",
                line,
                "route_type",
                f"{rt_s!r} is not a GTFS route type",
                "use a basic type 0–7, 11, 12 or an extended type 100–1702",
            )
        net = r.get("network_id", "")
        if cztmap_export and net in _CZTMAP_MODES:  # cztmap's exports keep the model's mode in network_id
            mode = net
        aid = r.get("agency_id", "")
        if agencies and aid not in agencies and not (len(agencies) == 1 and not aid):
            ctx.bad("routes.txt", line, "agency_id", f"unknown agency {aid!r}", "use an agency_id from agency.txt")
        name = r.get("route_short_name") or r.get("route_long_name", "")
        if not name:
            ctx.report.warn(
                "route name",
                f"routes.txt line {line}: route {rid!r} has neither a short nor a long name; its id is used.",
            )
        feed.routes[rid] = {
            "line": line,
            "mode": mode or "other",
            "route_type": int(rt_s) if rt_s.isdigit() else -1,
            "colour": _colour(ctx, line, r.get("route_color", "")),
            "name": _clean_name(ctx, "routes.txt", line, "route_short_name", name or rid),
            "long_name": r.get("route_long_name", ""),
            "cztmap_cr": cztmap_export and net in ("intercity", "hsr", "rail"),
        }


def _date(ctx: _Ctx, name: str, line: int, fld: str, v: str) -> dt.date | None:
    try:
        if not _DATE_RE.match(v):
            raise ValueError
        return dt.datetime.strptime(v, "%Y%m%d").date()
    except ValueError:
        ctx.bad(name, line, fld, f"{v!r} is not a date", "write YYYYMMDD")
        return None


def _check_calendar(ctx: _Ctx, source: Source) -> None:
    feed = ctx.feed
    for line, r in _rows(ctx, source, "calendar.txt"):
        sid = r["service_id"]
        if not ctx.unique("calendar.txt", "service_id", feed.calendar, sid, line):
            continue
        days = []
        for wd in _WEEKDAYS:
            if r[wd] not in ("0", "1"):
                ctx.bad(
                    "calendar.txt", line, wd, f"{r[wd]!r} is not 0 or 1", "write 1 if the service runs that day, else 0"
                )
            days.append(r[wd] == "1")
        a = _date(ctx, "calendar.txt", line, "start_date", r["start_date"])
        b = _date(ctx, "calendar.txt", line, "end_date", r["end_date"])
        if a and b and b < a:
            ctx.bad(
                "calendar.txt", line, "end_date", f"{r['end_date']} is before start_date {r['start_date']}", "swap them"
            )
        feed.calendar[sid] = {"line": line, "days": days, "start": a or dt.date.max, "end": b or dt.date.min}


def _check_calendar_dates(ctx: _Ctx, source: Source) -> None:
    seen: dict[tuple[str, dt.date], int] = {}
    for line, r in _rows(ctx, source, "calendar_dates.txt"):
        d = _date(ctx, "calendar_dates.txt", line, "date", r["date"])
        if r["exception_type"] not in ("1", "2"):
            ctx.bad(
                "calendar_dates.txt",
                line,
                "exception_type",
                f"{r['exception_type']!r} is not 1 or 2",
                "write 1 (service added) or 2 (service removed)",
            )
            continue
        if d is None:
            continue
        key = (r["service_id"], d)
        if key in seen:
            ctx.bad(
                "calendar_dates.txt",
                line,
                "date",
                f"duplicate date for service {r['service_id']!r} (first on line {seen[key]})",
                "keep one row per service and date",
            )
            continue
        seen[key] = line
        ctx.feed.calendar_dates.setdefault(r["service_id"], {})[d] = int(r["exception_type"])


def _check_trips(ctx: _Ctx, source: Source) -> None:
    feed = ctx.feed
    have_cal = "calendar.txt" in source.members() or "calendar_dates.txt" in source.members()
    for line, r in _rows(ctx, source, "trips.txt"):
        tid = r["trip_id"]
        if not ctx.unique("trips.txt", "trip_id", feed.trips, tid, line):
            continue
        if ctx.ok.get("routes.txt") and r["route_id"] not in feed.routes:
            ctx.bad("trips.txt", line, "route_id", f"unknown route {r['route_id']!r}", "use a route_id from routes.txt")
        sid = r["service_id"]
        if have_cal and sid not in feed.calendar and sid not in feed.calendar_dates:
            ctx.bad(
                "trips.txt",
                line,
                "service_id",
                f"unknown service {sid!r}",
                "use a service_id from calendar.txt or calendar_dates.txt",
            )
        dirn = r.get("direction_id", "")
        if dirn not in ("", "0", "1"):
            ctx.bad("trips.txt", line, "direction_id", f"{dirn!r} is not 0 or 1", "write 0, 1 or leave it empty")
        feed.trips[tid] = {
            "line": line,
            "route_id": r["route_id"],
            "service_id": sid,
            "direction": dirn,
            "headsign": _clean_name(ctx, "trips.txt", line, "trip_headsign", r.get("trip_headsign", "")),
        }


# ---- stop_times: streamed into arrays ------------------------------------------------------------------


class _StopTimeArrays:
    """Valid stop-time rows collected batch by batch (int32 where values fit, so ~33 bytes per row)."""

    def __init__(self) -> None:
        self.parts: dict[str, list[np.ndarray]] = defaultdict(list)

    def add(self, **cols: np.ndarray) -> None:
        for k, v in cols.items():
            self.parts[k].append(v)

    def column(self, k: str, dtype: Any) -> np.ndarray:
        parts = self.parts.pop(k, None)
        return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype=dtype)


_BATCH = 65_536


def parse_times(values: list[str]) -> np.ndarray:
    """Seconds of GTFS times, vectorised: -1 for an empty value, -2 for a malformed one.

    Examples
    --------
    >>> parse_times(["08:00:00", "7:05:30", "", "25:61:00", "100:00:00", "8am"]).tolist()
    [28800, 25530, -1, -2, 360000, -2]
    """
    a = np.char.strip(np.asarray(values, dtype=str)) if values else np.zeros(0, dtype="U8")
    n = np.char.str_len(a)
    out = np.full(len(a), -2, dtype=np.int64)
    out[n == 0] = -1
    short = (n == 7) | (n == 8)
    if short.any():
        s8 = np.char.zfill(a[short], 8).astype("U8")
        b = s8.view(np.uint32).reshape(-1, 8).astype(np.int64) - 48  # '0' is 48, ':' is 58
        digit = (b >= 0) & (b <= 9)
        ok = (b[:, 2] == 10) & (b[:, 5] == 10) & digit[:, [0, 1, 3, 4, 6, 7]].all(axis=1)
        ok &= (b[:, 3] <= 5) & (b[:, 6] <= 5)
        val = (b[:, 0] * 10 + b[:, 1]) * 3600 + (b[:, 3] * 10 + b[:, 4]) * 60 + b[:, 6] * 10 + b[:, 7]
        out[short] = np.where(ok, val, -2)
    for i in np.flatnonzero(n > 8):
        v = time_s(str(a[i]))
        out[i] = -2 if v is None else v
    return out


def _stop_time_batch(
    ctx: _Ctx, lines: list[int], recs: list[list[str]], col: dict[str, int], idx: dict[str, Any], out: _StopTimeArrays
) -> None:
    """Check one batch of stop_times rows (vectorised) and keep the valid ones."""
    tids = [r[col["trip_id"]].strip() for r in recs]
    sids = [r[col["stop_id"]].strip() for r in recs]
    ti = np.array([idx["trip"].get(t, -1) for t in tids], dtype=np.int64)
    si = np.array([idx["stop"].get(x, -1) for x in sids], dtype=np.int64)
    seq_s = [r[col["stop_sequence"]].strip() for r in recs]
    seq_ok = np.array([x.isdigit() and len(x) <= 9 for x in seq_s], dtype=bool)
    seq = np.array([int(x) if ok else -1 for x, ok in zip(seq_s, seq_ok, strict=True)], dtype=np.int64)
    arr_raw = parse_times([r[col["arrival_time"]] for r in recs])
    dep_raw = parse_times([r[col["departure_time"]] for r in recs])
    arr = np.where(arr_raw >= 0, arr_raw, np.where(dep_raw >= 0, dep_raw, -1))
    dep = np.where(dep_raw >= 0, dep_raw, arr)
    lt = idx["location_type"][np.maximum(si, 0)] if len(si) else np.zeros(0, dtype=np.int64)
    bad_time = (arr_raw == -2) | (dep_raw == -2)
    backwards = (arr >= 0) & (dep >= 0) & (dep < arr)
    ok = (ti >= 0) & (si >= 0) & (lt == 0) & seq_ok & ~bad_time & ~backwards
    dist = np.full(len(recs), np.nan)
    if "shape_dist_traveled" in col:
        raw = [r[col["shape_dist_traveled"]].strip() for r in recs]
        dist = np.array([_float_or(x) for x in raw], dtype=float)
        bad_dist = np.array([bool(x) for x in raw]) & np.isnan(dist)
        ok &= ~bad_dist
    for k in np.flatnonzero(~ok):
        _stop_time_problems(ctx, lines[k], recs[k], col, tids[k], sids[k], int(ti[k]), int(si[k]), int(lt[k]))
        if not ok.any() and ctx.report.n_problems > ctx.report.max_listed:
            ctx.report.n_problems += int((~ok).sum()) - 1
            break
    keep = np.flatnonzero(ok)
    out.add(
        trip=ti[keep].astype(np.int32),
        stop=si[keep].astype(np.int32),
        seq=seq[keep].astype(np.int32),
        arr=arr[keep].astype(np.int32),
        dep=dep[keep].astype(np.int32),
        line=np.asarray(lines, dtype=np.int32)[keep],
        **({"dist": dist[keep]} if "shape_dist_traveled" in col else {}),
    )


def _float_or(x: str) -> float:
    try:
        v = float(x) if x else float("nan")
        return v if v == v and abs(v) != float("inf") else float("nan")
    except ValueError:
        return float("nan")


def _stop_time_problems(
    ctx: _Ctx, line: int, rec: list[str], col: dict[str, int], tid: str, sid: str, ti: int, si: int, lt: int
) -> None:
    """The messages of one invalid stop_times row (the batch check found it invalid)."""
    name = "stop_times.txt"
    if ctx.report.n_problems >= ctx.report.max_listed:
        ctx.report.n_problems += 1
        return
    if ti < 0 and ctx.ok.get("trips.txt"):
        ctx.bad(name, line, "trip_id", f"unknown trip {tid!r}", "use a trip_id from trips.txt")
    if si < 0:
        if ctx.ok.get("stops.txt"):
            ctx.bad(name, line, "stop_id", f"unknown stop {sid!r}", "use a stop_id from stops.txt")
    elif lt != 0:
        ctx.bad(name, line, "stop_id", f"{sid!r} is not a stop or platform (location_type {lt})", "refer to a platform")
    seq_s = rec[col["stop_sequence"]].strip()
    if not (seq_s.isdigit() and len(seq_s) <= 9):
        ctx.bad(name, line, "stop_sequence", f"{seq_s!r} is not a non-negative integer", "number the stops 0, 1, 2, …")
    t = {}
    for c in ("arrival_time", "departure_time"):
        v = rec[col[c]].strip()
        t[c] = time_s(v) if v else -1
        if t[c] is None:
            ctx.bad(
                name,
                line,
                c,
                f"{v!r} is not a time",
                "write HH:MM:SS with minutes and seconds below 60 (hours may pass 24)",
            )
    a, d = t["arrival_time"], t["departure_time"]
    if a is not None and d is not None and a >= 0 and d >= 0 and d < a:
        ctx.bad(
            name,
            line,
            "departure_time",
            f"{rec[col['departure_time']].strip()} is before arrival_time {rec[col['arrival_time']].strip()}",
            "make departure_time ≥ arrival_time",
        )
    if "shape_dist_traveled" in col:
        ds = rec[col["shape_dist_traveled"]].strip()
        if ds and _float_or(ds) != _float_or(ds):
            ctx.bad(name, line, "shape_dist_traveled", f"{ds!r} is not a number", "write a distance or leave it empty")


def _check_stop_times(ctx: _Ctx, source: Source) -> None:
    feed = ctx.feed
    feed.trip_ids = list(feed.trips)
    got = source.table("stop_times.txt")
    if got is None:
        ctx.ok["stop_times.txt"] = False
        return
    header, rows = got
    ctx.ok["stop_times.txt"] = _columns(ctx, "stop_times.txt", header)
    out = _StopTimeArrays()
    col = {h: i for i, h in enumerate(header)}
    idx: dict[str, Any] = {
        "trip": {t: i for i, t in enumerate(feed.trip_ids)},
        "stop": {s: i for i, s in enumerate(feed.stop_ids)},
        "location_type": np.array([feed.stops[s]["location_type"] for s in feed.stop_ids] or [0], dtype=np.int64),
    }
    n = len(header)
    for first, recs in rows:
        if not ctx.ok["stop_times.txt"]:
            continue
        lines = list(range(first, first + len(recs)))
        if any(len(r) != n for r in recs):
            good = [k for k, r in enumerate(recs) if len(r) == n]
            for k, r in enumerate(recs):
                if len(r) != n and r and any(v.strip() for v in r):
                    ctx.report.fatal(
                        f"stop_times.txt line {lines[k]}: the row has {len(r)} fields but the header has {n}; "
                        "fix the commas or quoting."
                    )
            recs, lines = [recs[k] for k in good], [lines[k] for k in good]
        if recs:
            _stop_time_batch(ctx, lines, recs, col, idx, out)
    _finish_stop_times(ctx, out)


def _finish_stop_times(ctx: _Ctx, out: _StopTimeArrays) -> None:
    feed = ctx.feed
    trip = out.column("trip", np.int32)
    seq = out.column("seq", np.int32)
    order = np.lexsort((seq, trip))
    n = len(order)
    has_dist = "dist" in out.parts
    st = StopTimes(
        trip=trip[order],
        stop=out.column("stop", np.int32)[order],
        seq=seq[order],
        arr=out.column("arr", np.int32)[order],
        dep=out.column("dep", np.int32)[order],
        dist=out.column("dist", np.float64)[order] if has_dist else np.full(n, np.nan, dtype=np.float32),
        line=out.column("line", np.int32)[order],
        timepoint=np.zeros(n, dtype=bool),
        start=np.zeros(1, dtype=np.int64),
    )
    del out, trip, seq, order
    st.start = np.searchsorted(st.trip, np.arange(len(feed.trip_ids) + 1)).astype(np.int64)
    st.timepoint = st.arr >= 0
    feed.st = st
    _duplicate_sequences(ctx)
    _trip_ends(ctx)
    _times_backwards(ctx)
    if ctx.report.n_problems == 0:
        _interpolate(feed)
        _speeds(ctx)
        _late_times(ctx)
    _empty_and_short_trips(ctx)
    _unused_stops(ctx)


def _duplicate_sequences(ctx: _Ctx) -> None:
    st, feed = ctx.feed.st, ctx.feed
    dup = np.flatnonzero((st.trip[1:] == st.trip[:-1]) & (st.seq[1:] == st.seq[:-1])) + 1
    for i in dup[: ctx.report.max_listed]:
        tid = feed.trip_ids[st.trip[i]]
        ctx.bad(
            "stop_times.txt",
            int(st.line[i]),
            "stop_sequence",
            f"trip {tid!r} already has stop_sequence {st.seq[i]} (line {st.line[i - 1]})",
            "make stop_sequence unique within a trip",
        )
    ctx.report.n_problems += max(0, len(dup) - ctx.report.max_listed)
    if len(dup):
        keep = np.ones(len(st), dtype=bool)
        keep[dup] = False
        _keep_rows(ctx.feed, keep)


def _keep_rows(feed: GtfsFeed, keep: np.ndarray) -> None:
    st = feed.st
    for f in ("trip", "stop", "seq", "arr", "dep", "dist", "line", "timepoint"):
        setattr(st, f, getattr(st, f)[keep])
    st.start = np.searchsorted(st.trip, np.arange(len(feed.trip_ids) + 1)).astype(np.int64)


def _trip_ends(ctx: _Ctx) -> None:
    st, feed = ctx.feed.st, ctx.feed
    n = np.diff(st.start)
    has = np.flatnonzero(n > 0)
    for end, rows in (("first", st.start[has]), ("last", st.start[has + 1] - 1)):
        for i in rows[st.dep[rows] < 0]:
            ctx.bad(
                "stop_times.txt",
                int(st.line[i]),
                "arrival_time",
                f"the {end} stop of trip {feed.trip_ids[st.trip[i]]!r} has no time",
                "give the first and last stop of every trip an arrival and departure time",
            )


_K = 1 << 24  # > any time (999:59:59 = 3.6e6 s): offsets trips so one running maximum serves all


def _times_backwards(ctx: _Ctx) -> None:
    st, feed = ctx.feed.st, ctx.feed
    if len(st) < 2:
        return
    dep = np.where(st.dep >= 0, st.dep, -1).astype(np.int64) + st.trip.astype(np.int64) * _K
    run = np.maximum.accumulate(dep)
    prev = np.concatenate([[-1], run[:-1]])
    known = st.arr >= 0
    bad = np.flatnonzero(known & (st.arr.astype(np.int64) + st.trip.astype(np.int64) * _K < prev))
    for i in bad[: ctx.report.max_listed]:
        tid = feed.trip_ids[st.trip[i]]
        lo = st.start[st.trip[i]]
        j = lo + int(np.argmax(dep[lo:i]))  # the row whose departure is later
        ctx.bad(
            "stop_times.txt",
            int(st.line[i]),
            "arrival_time",
            f"the time goes back from {hms(int(st.dep[j]))} (line {st.line[j]}) to {hms(int(st.arr[i]))} in trip {tid!r}",
            "make times non-decreasing along the trip",
        )
    ctx.report.n_problems += max(0, len(bad) - ctx.report.max_listed)


def hop_lengths(feed: GtfsFeed) -> np.ndarray:
    """Straight-line metres from each stop time's previous stop in the same trip (0 at a trip's first stop)."""
    st = feed.st
    if len(st) == 0:
        return np.zeros(0)
    lon = np.array([feed.stops[s]["lon"] for s in feed.stop_ids], dtype=float)
    lat = np.array([feed.stops[s]["lat"] for s in feed.stop_ids], dtype=float)
    d = np.zeros(len(st), dtype=np.float64)
    step = 1 << 18  # in slices: haversine's temporaries stay a few MB
    for lo in range(1, len(st), step):
        a, b = st.stop[lo - 1 : lo - 1 + step], st.stop[lo : lo + step]
        a = a[: len(b)]
        d[lo : lo + len(b)] = haversine_m(lon[a], lat[a], lon[b], lat[b])
    d[st.start[:-1][np.diff(st.start) > 0]] = 0.0
    return np.nan_to_num(d, copy=False)


def _interpolate(feed: GtfsFeed) -> None:
    """Fill missing intermediate times linearly in distance between the surrounding timed stops."""
    st = feed.st
    missing = st.arr < 0
    if not missing.any():
        return
    hop = hop_lengths(feed)
    cum = np.cumsum(hop)
    for t in np.unique(st.trip[missing]):
        lo, hi = st.start[t], st.start[t + 1]
        known = np.flatnonzero(st.arr[lo:hi] >= 0) + lo
        todo = np.flatnonzero(st.arr[lo:hi] < 0) + lo
        xk = cum[known]
        if np.all(np.diff(xk) > 0):
            st.arr[todo] = np.round(np.interp(cum[todo], xk, st.dep[known])).astype(np.int64)
        else:  # stops at one place: spread evenly by position
            st.arr[todo] = np.round(np.interp(todo, known, st.dep[known])).astype(np.int64)
        st.dep[todo] = st.arr[todo]
    # interpolation keeps times non-decreasing (np.interp is monotone in monotone data)


def _speeds(ctx: _Ctx) -> None:
    feed, st = ctx.feed, ctx.feed.st
    if len(st) < 2:
        return
    hop = hop_lengths(feed)
    dt_s = np.concatenate([[0], st.arr[1:] - st.dep[:-1]])
    speed = hop / np.maximum(dt_s, MIN_HOP_S)
    first = np.zeros(len(st), dtype=bool)
    first[st.start[:-1][np.diff(st.start) > 0]] = True
    speed[first] = 0.0
    modes = [feed.routes.get(feed.trips[t]["route_id"], {}).get("mode", "other") for t in feed.trip_ids]
    cap = np.array([PLAUSIBLE_SPEED_MPS.get(m, _DEFAULT_PLAUSIBLE_MPS) for m in modes] + [0.0])[st.trip]
    air = np.array([m == "air" for m in modes] + [False])[st.trip]
    bad = np.flatnonzero((speed > IMPOSSIBLE_SPEED_MPS) & ~air)
    for i in bad[: ctx.report.max_listed]:
        ctx.bad(
            "stop_times.txt", int(st.line[i]), "arrival_time", _hop_text(feed, i, hop, dt_s), "fix the times or stops"
        )
    ctx.report.n_problems += max(0, len(bad) - ctx.report.max_listed)
    warn = np.flatnonzero((speed > cap) & (speed <= IMPOSSIBLE_SPEED_MPS))
    worst = warn[np.argsort(-speed[warn])]
    for i in worst[:3]:
        ctx.report.warn("fast hop", f"stop_times.txt line {st.line[i]}: {_hop_text(feed, i, hop, dt_s)}.")
    ctx.report.warning_counts["fast hop"] += max(0, len(worst) - 3)


def _hop_text(feed: GtfsFeed, i: int, hop: np.ndarray, dt_s: np.ndarray) -> str:
    st = feed.st
    tid = feed.trip_ids[st.trip[i]]
    a, b = feed.stop_ids[st.stop[i - 1]], feed.stop_ids[st.stop[i]]
    kmh = hop[i] / max(int(dt_s[i]), 1) * 3.6
    return (
        f"trip {tid!r} goes {hop[i] / 1000:.1f} km from stop {a!r} to {b!r} in {int(dt_s[i])} s "
        f"({kmh:,.0f} km/h, faster than any {feed.routes.get(feed.trips[tid]['route_id'], {}).get('mode', '')} runs)"
    )


def _late_times(ctx: _Ctx) -> None:
    st, feed = ctx.feed.st, ctx.feed
    late = np.flatnonzero(st.dep > LATE_S)
    ctx.report.warning_counts["late time"] += max(0, len(late) - 3)
    for i in late[:3]:
        ctx.report.warn(
            "late time",
            f"stop_times.txt line {st.line[i]}: trip {feed.trip_ids[st.trip[i]]!r} runs at {hms(int(st.dep[i]))}, "
            "after 48:00:00; check the times.",
        )


def _empty_and_short_trips(ctx: _Ctx) -> None:
    feed = ctx.feed
    n = np.diff(feed.st.start)
    for i, tid in enumerate(feed.trip_ids):
        if n[i] == 0:
            ctx.report.warn(
                "empty trip",
                f"trips.txt line {feed.trips[tid]['line']}: trip {tid!r} has no stop times; it is ignored.",
            )
        elif n[i] == 1:
            ctx.report.warn(
                "one-stop trip",
                f"stop_times.txt line {feed.st.line[feed.st.start[i]]}: trip {tid!r} has only one stop; it is ignored.",
            )


def _unused_stops(ctx: _Ctx) -> None:
    feed = ctx.feed
    used = np.zeros(len(feed.stop_ids), dtype=bool)
    used[feed.st.stop] = True
    for k, sid in enumerate(feed.stop_ids):
        s = feed.stops[sid]
        if not used[k] and s["location_type"] == 0:
            ctx.report.warn(
                "unused stop", f"stops.txt line {s['line']}: stop {sid!r} is used by no trip; it is ignored."
            )


def _check_frequencies(ctx: _Ctx, source: Source) -> None:
    name = "frequencies.txt"
    for line, r in _rows(ctx, source, name):
        if r["trip_id"] not in ctx.feed.trips:
            ctx.bad(name, line, "trip_id", f"unknown trip {r['trip_id']!r}", "use a trip_id from trips.txt")
            continue
        fa, fb = time_s(r["start_time"]), time_s(r["end_time"])
        for c, fv in (("start_time", fa), ("end_time", fb)):
            if fv is None:
                ctx.bad(name, line, c, f"{r[c]!r} is not a time", "write HH:MM:SS")
        h = r["headway_secs"]
        if not h.isdigit() or not 0 < int(h) <= 86400:
            ctx.bad(
                name, line, "headway_secs", f"{h!r} is not a whole number of seconds in 1..86400", "fix the headway"
            )
            continue
        if int(h) < 60:
            ctx.report.warn("short headway", f"{name} line {line}, field headway_secs: {h} s is below a minute.")
        ex = r.get("exact_times", "") or "0"
        if ex not in ("0", "1"):
            ctx.bad(name, line, "exact_times", f"{ex!r} is not 0 or 1", "write 0, 1 or leave it empty")
            continue
        if fa is not None and fb is not None:
            if fb <= fa:
                ctx.bad(name, line, "end_time", f"{r['end_time']} is not after start_time {r['start_time']}", "fix it")
                continue
            ctx.feed.frequencies.setdefault(r["trip_id"], []).append((fa, fb, int(h), int(ex)))


def _check_transfers(ctx: _Ctx, source: Source) -> None:
    name = "transfers.txt"
    for line, r in _rows(ctx, source, name):
        ok = True
        for c in ("from_stop_id", "to_stop_id"):
            if r[c] and r[c] not in ctx.feed.stops:
                ctx.bad(name, line, c, f"unknown stop {r[c]!r}", "use a stop_id from stops.txt")
                ok = False
        if r["transfer_type"] not in ("", "0", "1", "2", "3", "4", "5"):
            ctx.bad(name, line, "transfer_type", f"{r['transfer_type']!r} is not a transfer type", "use 0–5")
            ok = False
        mtt = r.get("min_transfer_time", "")
        if mtt and not (mtt.isdigit() and len(mtt) <= 6):
            ctx.bad(name, line, "min_transfer_time", f"{mtt!r} is not a whole number of seconds", "fix it")
            ok = False
        if ok and r["from_stop_id"] and r["to_stop_id"]:
            ctx.feed.transfers.append(
                {
                    "from": r["from_stop_id"],
                    "to": r["to_stop_id"],
                    "type": int(r["transfer_type"] or 0),
                    "min_s": int(mtt) if mtt else None,
                    "route_or_trip": bool(
                        r.get("from_route_id") or r.get("to_route_id") or r.get("from_trip_id") or r.get("to_trip_id")
                    ),
                }
            )


def _read_translations(ctx: _Ctx, source: Source) -> None:
    by_value = {}
    for _, r in _rows(ctx, source, "translations.txt"):
        if r["table_name"] == "stops" and r["field_name"] == "stop_name" and r["language"].lower().startswith("en"):
            if r.get("record_id"):
                ctx.feed.names_en[r["record_id"]] = r["translation"]
            elif r.get("field_value"):
                by_value[r["field_value"]] = r["translation"]
    for sid, s in ctx.feed.stops.items():
        if sid not in ctx.feed.names_en and s["name"] in by_value:
            ctx.feed.names_en[sid] = by_value[s["name"]]


def _read_feed_info(ctx: _Ctx, source: Source) -> None:
    for _, r in _rows(ctx, source, "feed_info.txt"):
        ctx.feed.feed_version = r.get("feed_version", "")
        ctx.feed.publisher = r.get("feed_publisher_name", "")
        break


#: The checks in the order they run (each may use what the earlier ones parsed).
_STEPS: tuple[Callable[[_Ctx, Source], Any], ...] = (
    _read_feed_info,
    _check_stops,
    _check_calendar,
    _check_calendar_dates,
    _check_trips,
    _check_stop_times,
    _check_frequencies,
    _check_transfers,
    _read_translations,
)


def check_feed(source: Source, feed: GtfsFeed, report: Report) -> None:
    """Run every check over ``source``, filling ``feed`` and ``report`` (errors and warnings)."""
    ctx = _Ctx(feed, report)
    agencies = _check_agency(ctx, source)
    _read_feed_info(ctx, source)
    _check_routes(ctx, source, agencies)
    for step in _STEPS[1:]:
        step(ctx, source)
