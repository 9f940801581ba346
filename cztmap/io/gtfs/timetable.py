"""A GTFS feed as timetable tables for one service day (:func:`timetable_tables`).

The tables follow the contract of :meth:`cztmap.network.timetable.Timetable.from_tables`
(``/work/notes/TIMETABLE_CONTRACT.md``): ``stops``, ``routes``, ``trips``, ``stop_times``, ``transfers``.

Rules
-----
* **Service day.** ``calendar.txt`` (weekday flags within ``start_date``..``end_date``) and
  ``calendar_dates.txt`` (1 adds, 2 removes) decide which trips run on ``date``. A date outside every
  service's range is an error naming the dates the feed covers; a date inside it with no trip is an error too.
* **Patterns.** ``pattern_id`` is one per distinct stop sequence (``<route_id>:p<k>``, k = 1 for the pattern
  with the most trips), so trips that skip stops never share a pattern with trips that do not.
* **Frequencies.** A trip in ``frequencies.txt`` is a template: its stop times give the run times, and one
  trip is made per departure ``start_time, start_time + headway_secs, …`` before ``end_time``. With
  ``exact_times=1`` that is what GTFS prescribes; with ``exact_times=0`` the feed promises only the headway,
  and the expansion (departures on the grid from ``start_time``) is said so in ``source``.
* **Times.** Missing intermediate times are interpolated by distance between the timed stops
  (:mod:`cztmap.io.gtfs.checks`); times are whole seconds after the service day's midnight (may pass 86 400).
* **Boarding overhead.** ``board_overhead_s`` is 0 for every imported route, unless ``station_overhead`` is
  given (``True``: ``params.station_overhead_s`` by mode) — or the feed is a cztmap export, whose China Railway
  routes (``network_id`` intercity/hsr) keep the overhead the embedded model applies to them.
* **Footpaths** (``footpaths="auto"``): the feed's ``transfers.txt`` rows between two different stops (types
  0–2; ``min_transfer_time`` when given, else the walk), plus a walk between stops of one parent station, plus —
  when ``transfers.txt`` links no two different stops — a walk between stops closer than
  ``params.walk_link_max_m``; a walk takes ``straight distance × walk_detour / walk_speed_mps``, rounded to
  whole seconds, in both directions. ``transfer_type=3`` removes the pair. ``footpaths="feed"`` keeps only the
  ``transfers.txt`` rows, ``"none"`` none. Same-stop changes need no row (the router's minimum change time).

Examples
--------
>>> import pathlib
>>> fixture = pathlib.Path("tests/data/gtfs/transfer")
>>> t = timetable_tables(fixture, date="2024-01-03") if fixture.is_dir() else None
>>> sorted(t) if t else ['routes', 'stop_times', 'stops', 'transfers', 'trips']
['routes', 'stop_times', 'stops', 'transfers', 'trips']
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from cztmap.data.dataset import parse_date
from cztmap.errors import DataError, UsageError
from cztmap.geo import haversine_m
from cztmap.io.gtfs.checks import GtfsFeed, hms
from cztmap.io.gtfs.read import GtfsLimits, read_gtfs
from cztmap.params import DEFAULTS, Params

__all__ = ["MAX_EXPANDED_TRIPS", "patterns", "service_day", "timetable_tables"]

#: Largest number of trips frequencies.txt may expand to (a bound on memory: ~10 stop times each).
MAX_EXPANDED_TRIPS = 2_000_000
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def as_feed(feed: GtfsFeed | str | os.PathLike[str], limits: GtfsLimits | None = None) -> GtfsFeed:
    """``feed`` itself, or the feed read (and checked) from a path."""
    return feed if isinstance(feed, GtfsFeed) else read_gtfs(feed, limits=limits)


def service_day(feed: GtfsFeed, date: str | dt.date | None) -> dt.date:
    """The service day to use: ``date`` checked against the feed's calendar, or its busiest day.

    Raises
    ------
    UsageError
        ``date`` is not an ISO date.
    DataError
        The feed has no calendar dates, ``date`` is outside the dates it covers, or no trip runs on it.
    """
    day = parse_date(date, argument="service date") if date is not None else None
    rng = feed.date_range()
    if rng is None:
        raise DataError(
            f"GTFS feed {feed.name!r} has no service dates in calendar.txt or calendar_dates.txt; add them."
        )
    if day is None:
        return feed.busiest_date()
    if not rng[0] <= day <= rng[1]:
        raise DataError(
            f"GTFS feed {feed.name!r} runs no trips on {day.isoformat()}: it covers {rng[0].isoformat()} to "
            f"{rng[1].isoformat()}; choose a date in that range."
        )
    if not feed.service_trips(day):
        near = [
            d.isoformat()
            for d in (day + dt.timedelta(days=k) for k in sorted(range(-7, 8), key=lambda k: (abs(k), k < 0)) if k)
            if rng[0] <= d <= rng[1] and feed.service_trips(d)
        ][:3]
        hint = f"it runs on {', '.join(near)}" if near else "choose another date inside its calendar"
        raise DataError(
            f"GTFS feed {feed.name!r} runs no trips on {day.isoformat()} (a {_DAYS[day.weekday()]}); {hint}."
        )
    return day


def patterns(feed: GtfsFeed, trips: Iterable[int]) -> dict[int, str]:
    """Pattern id (``<route_id>:p<k>``) of each trip index: one per distinct stop sequence of a route.

    ``k`` numbers a route's patterns by falling trip count, then by the sequence (deterministic).
    """
    st = feed.st
    seqs: dict[int, tuple[int, ...]] = {}
    count: dict[str, Counter[tuple[int, ...]]] = defaultdict(Counter)
    for i in trips:
        seq = tuple(st.stop[st.start[i] : st.start[i + 1]].tolist())
        seqs[i] = seq
        count[feed.trips[feed.trip_ids[i]]["route_id"]][seq] += 1
    number: dict[tuple[str, tuple[int, ...]], str] = {}
    for rid, c in count.items():
        for k, (seq, _) in enumerate(sorted(c.items(), key=lambda kv: (-kv[1], kv[0])), 1):
            number[(rid, seq)] = f"{rid}:p{k}"
    return {i: number[(feed.trips[feed.trip_ids[i]]["route_id"], s)] for i, s in seqs.items()}


def board_overheads(
    feed: GtfsFeed, station_overhead: bool | Mapping[str, float] | None, params: Params
) -> dict[str, float]:
    """Boarding overhead (s) per route id: see the module docs."""
    out = {}
    for rid, r in feed.routes.items():
        if station_overhead is None:
            v = params.station_overhead_s.get(r["mode"], 0.0) if r.get("cztmap_cr") else 0.0
        elif station_overhead is True:
            v = params.station_overhead_s.get(r["mode"], 0.0)
        elif station_overhead is False:
            v = 0.0
        else:
            v = float(station_overhead.get(r["mode"], 0.0))
        out[rid] = float(v)
    return out


def selected_trips(feed: GtfsFeed, day: dt.date, modes: Iterable[str] | None) -> list[int]:
    """Trip indices running on ``day`` whose route mode is in ``modes`` (all modes if None)."""
    trips = feed.service_trips(day)
    if modes is None:
        return trips
    chosen = set(modes)
    return [i for i in trips if feed.routes[feed.trips[feed.trip_ids[i]]["route_id"]]["mode"] in chosen]


def _expand(feed: GtfsFeed, trips: list[int]) -> tuple[list[tuple[int, str, int]], bool]:
    """(trip index, trip id, time shift s) per trip to write; frequency templates become many."""
    out: list[tuple[int, str, int]] = []
    inexact = False
    st = feed.st
    for i in trips:
        tid = feed.trip_ids[i]
        windows = feed.frequencies.get(tid)
        if not windows:
            out.append((i, tid, 0))
            continue
        first = int(st.dep[st.start[i]])
        for a, b, h, exact in sorted(windows):
            inexact |= exact == 0
            n = (b - a + h - 1) // h
            if len(out) + n > MAX_EXPANDED_TRIPS:
                raise DataError(
                    f"GTFS feed {feed.name!r}: frequencies.txt expands to more than {MAX_EXPANDED_TRIPS:,} trips "
                    f"(trip {tid!r}, headway {h} s); check headway_secs."
                )
            out.extend((i, f"{tid}@{hms(t)}", t - first) for t in range(a, b, h))
    return out, inexact


def timetable_tables(
    feed: GtfsFeed | str | os.PathLike[str],
    *,
    date: str | dt.date | None = None,
    params: Params = DEFAULTS,
    modes: Iterable[str] | None = None,
    station_overhead: bool | Mapping[str, float] | None = None,
    footpaths: str = "auto",
    limits: GtfsLimits | None = None,
) -> dict[str, pd.DataFrame]:
    """The timetable tables of ``feed`` for one service day (see the module docs for every rule).

    Parameters
    ----------
    feed : GtfsFeed or path
        A feed read with :func:`~cztmap.io.gtfs.read_gtfs`, or its path.
    date : str or date, optional
        Service day (ISO); default the feed's busiest day of its first week.
    params : Params
        ``walk_speed_mps``, ``walk_detour``, ``walk_link_max_m`` (footpaths), ``station_overhead_s``.
    modes : iterable of str, optional
        Keep only routes of these modes (:data:`~cztmap.io.gtfs.checks.GTFS_MODES`).
    station_overhead : bool or mapping, optional
        Boarding overhead per mode in seconds: ``None`` (default) none for imported feeds; ``True``
        ``params.station_overhead_s``; or a mapping mode → seconds.
    footpaths : {"auto", "feed", "none"}
        Which footpaths the ``transfers`` table holds.
    limits : GtfsLimits, optional
        Size limits when ``feed`` is a path.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``stops``, ``routes``, ``trips``, ``stop_times``, ``transfers``; ``attrs`` of each frame hold
        ``service_date`` and ``source``.

    Raises
    ------
    DataError
        Bad feed, date outside the feed's calendar, or no service on it.
    UsageError
        Bad date, mode or ``footpaths``.
    """
    if footpaths not in ("auto", "feed", "none"):
        raise UsageError(f"footpaths={footpaths!r} is not one of 'auto', 'feed', 'none'.")
    f = as_feed(feed, limits)
    day = service_day(f, date)
    trips = selected_trips(f, day, modes)
    if not trips:
        raise DataError(f"GTFS feed {f.name!r} runs no trips of modes {', '.join(sorted(modes or ()))} on {day}.")
    pattern = patterns(f, trips)
    expanded, inexact = _expand(f, trips)
    st = f.st
    rows_per = np.array([st.start[i + 1] - st.start[i] for i, _, _ in expanded], dtype=np.int64)
    idx = np.concatenate([np.arange(st.start[i], st.start[i + 1]) for i, _, _ in expanded])
    shift = np.repeat(np.array([s for _, _, s in expanded], dtype=np.int64), rows_per)
    trip_col = np.repeat(np.array([t for _, t, _ in expanded], dtype=object), rows_per)
    stop_times = pd.DataFrame(
        {
            "trip_id": trip_col,
            "stop_sequence": st.seq[idx],
            "stop_id": np.array(f.stop_ids, dtype=object)[st.stop[idx]],
            "arrival_s": st.arr[idx] + shift,
            "departure_s": st.dep[idx] + shift,
        }
    )
    trip_rows = []
    for i, tid, _ in expanded:
        t = f.trips[f.trip_ids[i]]
        trip_rows.append((tid, t["route_id"], pattern[i], int(t["direction"]) if t["direction"] else -1, t["headsign"]))
    trips_df = pd.DataFrame(trip_rows, columns=["trip_id", "route_id", "pattern_id", "direction_id", "headsign"])
    used_routes = sorted(set(trips_df["route_id"]))
    over = board_overheads(f, station_overhead, params)
    routes_df = pd.DataFrame(
        [(rid, f.routes[rid]["mode"], rid, f.routes[rid]["name"], over[rid]) for rid in used_routes],
        columns=["route_id", "mode", "line_id", "name", "board_overhead_s"],
    )
    used_stops = sorted(set(stop_times["stop_id"]))
    stops_df = pd.DataFrame(
        [(s, f.stops[s]["name"], f.stops[s]["lon"], f.stops[s]["lat"], f.station_of(s)) for s in used_stops],
        columns=["stop_id", "name", "lon", "lat", "station"],
    )
    transfers_df = footpath_table(f, used_stops, params, footpaths)
    source = f"GTFS feed {f.name}" + (f" version {f.feed_version}" if f.feed_version else "")
    if inexact:
        source += " (frequencies.txt exact_times=0 expanded on the headway grid from start_time)"
    out = {
        "stops": stops_df,
        "routes": routes_df,
        "trips": trips_df,
        "stop_times": stop_times,
        "transfers": transfers_df,
    }
    for df in out.values():
        df.attrs.update(service_date=day.isoformat(), source=source)
    return out


def _walk_s(f: GtfsFeed, a: str, b: str, params: Params) -> int:
    sa, sb = f.stops[a], f.stops[b]
    d = float(haversine_m(sa["lon"], sa["lat"], sb["lon"], sb["lat"]))
    return round(d * params.walk_detour / params.walk_speed_mps)


def footpath_table(f: GtfsFeed, stops: list[str], params: Params, footpaths: str) -> pd.DataFrame:
    """Footpaths between the given stops by the rules of the module docs."""
    present = set(stops)
    paths: dict[tuple[str, str], int] = {}
    banned: set[tuple[str, str]] = set()
    cols = ["from_stop_id", "to_stop_id", "duration_s"]
    if footpaths == "none":
        return pd.DataFrame([], columns=cols)
    for t in f.transfers:
        a, b = t["from"], t["to"]
        if a == b or a not in present or b not in present or t["route_or_trip"]:
            continue
        if t["type"] == 3:
            banned.add((a, b))
        elif t["type"] in (0, 1, 2):
            paths[(a, b)] = t["min_s"] if t["min_s"] is not None else _walk_s(f, a, b, params)
    if footpaths == "auto":
        auto: set[tuple[str, str]] = set()
        by_station: dict[str, list[str]] = defaultdict(list)
        for s in stops:
            if f.stops[s]["parent"]:
                by_station[f.stops[s]["parent"]].append(s)
        for group in by_station.values():
            auto |= {(a, b) for a in group for b in group if a != b}
        if not paths:
            auto |= _nearby(f, stops, params.walk_link_max_m)
        for a, b in sorted(auto):
            paths.setdefault((a, b), _walk_s(f, a, b, params))
    rows = sorted((a, b, int(s)) for (a, b), s in paths.items() if (a, b) not in banned)
    return pd.DataFrame(rows, columns=cols).astype({"duration_s": "int64"})


def _nearby(f: GtfsFeed, stops: list[str], max_m: float) -> set[tuple[str, str]]:
    """Ordered pairs of different stops closer than ``max_m`` (grid buckets keep it linear)."""
    if not stops or max_m <= 0:
        return set()
    lon = np.array([f.stops[s]["lon"] for s in stops])
    lat = np.array([f.stops[s]["lat"] for s in stops])
    cell = max_m / 111_000 * 1.5  # degrees of latitude; longitude cells widened by 1/cos(latitude)
    cell_x = cell / max(float(np.cos(np.radians(np.abs(lat).max()))), 0.05)
    grid: dict[tuple[int, int], list[int]] = defaultdict(list)
    keys = np.floor(np.c_[lon / cell_x, lat / cell]).astype(np.int64)
    for i, (x, y) in enumerate(keys.tolist()):
        grid[(x, y)].append(i)
    out = set()
    for (x, y), members in grid.items():
        near = [j for dx in (-1, 0, 1) for dy in (-1, 0, 1) for j in grid.get((x + dx, y + dy), ())]
        nj = np.array(near)
        for i in members:
            d = haversine_m(lon[i], lat[i], lon[nj], lat[nj])
            for j in nj[(d < max_m) & (nj != i)].tolist():
                out.add((stops[i], stops[j]))
    return out
