"""Timetables for one service day and a RAPTOR router on numpy arrays.

A :class:`Timetable` holds the trips of one service day in GTFS semantics (stops, routes, trips,
stop times, footpaths), built with :meth:`Timetable.from_tables` from whoever produced them: the
embedded network (:func:`cztmap.data.timetables.embedded_tables`) or an imported GTFS feed.

Queries (times are seconds after the service day's midnight; ``inf`` = not reached):

* :func:`earliest_arrival` — earliest arrival at every stop for a departure (RAPTOR), optionally for
  many departures or origins at once, with a limit on the number of vehicles (``max_rides``), and the
  arrival per number of rides (Pareto front time × transfers) with ``by_rounds=True``;
* :func:`latest_departure` — latest departure from every stop that still reaches the destination by a
  given time (``arrive_by``; RAPTOR on the time-reversed timetable);
* :func:`range_query` — the travel time for every minute of a departure window (rRAPTOR-style: all
  departures of the window in one vectorised batch) and its percentiles (like r5py's
  ``TravelTimeMatrix(departure_time_window=…, percentiles=…)``);
* :func:`journey` — the legs (ride, walk) of the fastest journey to one stop, with clock times.

How the router works (why numpy): RAPTOR scans every route pattern once per round. Here a round is a
handful of whole-array numpy operations over *all* patterns and *all* queried departures at once:

1. every (pattern, position) pair is a *column*; the departures of a column are sorted (trips of a
   pattern never overtake: patterns whose trips do are split into FIFO sub-patterns on load), and all
   columns live in one sorted key array ``departure + column × 2²²`` — one ``np.searchsorted`` finds,
   for every column and every query row, the first trip that can be boarded there;
2. the trip ridden at each position is the best one boarded at any *earlier* position of the same
   pattern: an exclusive cumulative minimum per pattern, done for all patterns in one
   ``np.minimum.accumulate`` by giving each pattern an offset that is smaller than every earlier one;
3. arrivals are gathered, reduced to stops with ``np.minimum.reduceat``, and footpaths relaxed the same way.

This costs ``O(rounds × queries × columns × log entries)`` in C loops with no per-stop Python work:
about a millisecond for one departure on the embedded network, and a 2-hour window (121 departures)
costs little more than one departure because numpy works on the whole batch (see
``benchmarks/bench_timetable.py``). No compiler (numba) is needed, so nothing is added to the install.

Rules: boarding a trip at a stop needs ``departure ≥ arrival at the stop + board_overhead_s`` of its
route (+ ``min_change_s`` when the traveller arrived there by another vehicle; arriving on foot or from
the origin needs none); footpaths (the ``transfers`` table) are taken once between two rides, not
chained; a trip is never boarded at its last stop nor left at its first.

Examples
--------
>>> import datetime as dt, pandas as pd
>>> stops = pd.DataFrame({"stop_id": ["a", "b", "c"], "name": ["A", "B", "C"], "lon": [0.0, 0.1, 0.2],
...                       "lat": [0.0, 0.0, 0.0], "station": ["a", "b", "c"]})
>>> routes = pd.DataFrame({"route_id": ["r"], "mode": ["bus"], "line_id": ["r"], "name": ["R"],
...                        "board_overhead_s": [0.0]})
>>> trips = pd.DataFrame({"trip_id": ["t1", "t2"], "route_id": ["r", "r"], "pattern_id": ["p", "p"],
...                       "direction_id": [0, 0], "headsign": ["", ""]})
>>> st = pd.DataFrame({"trip_id": ["t1"] * 3 + ["t2"] * 3, "stop_sequence": [1, 2, 3] * 2,
...                    "stop_id": ["a", "b", "c"] * 2,
...                    "arrival_s": [28800, 29400, 30000, 30600, 31200, 31800],
...                    "departure_s": [28800, 29460, 30000, 30600, 31260, 31800]})
>>> tr = pd.DataFrame(columns=["from_stop_id", "to_stop_id", "duration_s"])
>>> tt = Timetable.from_tables(stops, routes, trips, st, tr, service_date=dt.date(2026, 12, 1), source="doc")
>>> arr = earliest_arrival(tt, {"a": 0}, 28900)
>>> format_clock(arr[tt.stop_index["c"]])
'08:50'
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cztmap.errors import DataError, UsageError

__all__ = [
    "Journey",
    "JourneyLeg",
    "RangeResult",
    "Timetable",
    "earliest_arrival",
    "embedded_tables",
    "embedded_timetable",
    "format_clock",
    "journey",
    "latest_departure",
    "parse_clock",
    "parse_percentiles",
    "parse_window",
    "range_query",
]

INF = np.inf
_BIG = float(1 << 22)  # column stride of the key array: larger than any time span of a service day
_OFF = _BIG / 2  # times are shifted by this so that reversed (negative) times stay inside a column
_POS = 1 << 12  # position stride when (trip, position) are packed into one integer
_MAX_S = 3 * 86400  # stop times beyond three days are refused

_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")


# ---------------------------------------------------------------------------------------------
# clock times
# ---------------------------------------------------------------------------------------------
def parse_clock(text: Any, *, argument: str = "time") -> int:
    """Seconds after midnight of a clock time ``HH:MM`` or ``HH:MM:SS``.

    Hours may run to 47 (GTFS: times after midnight belong to the previous service day).

    Parameters
    ----------
    text : str or int
        ``"08:00"``, ``"7:05:30"``, ``"25:10"``; an int is taken as seconds already.
    argument : str
        Name used in the error message.

    Returns
    -------
    int
        Seconds after the service day's midnight.

    Raises
    ------
    UsageError
        Not a clock time (``"8am"``, ``"25:61"``, ``""``).

    Examples
    --------
    >>> parse_clock("08:07"), parse_clock("24:30")
    (29220, 88200)
    """
    if isinstance(text, bool):
        raise UsageError(f"The {argument} {text!r} is not a clock time; give HH:MM such as 08:00.")
    if isinstance(text, int | np.integer):
        if not 0 <= int(text) < 48 * 3600:
            raise UsageError(f"The {argument} {int(text)} s is outside 00:00–47:59; give HH:MM such as 08:00.")
        return int(text)
    if isinstance(text, dt.time):
        return text.hour * 3600 + text.minute * 60 + text.second
    m = _CLOCK.match(str(text)) if isinstance(text, str) else None
    if m is None:
        raise UsageError(f"The {argument} {text!r} is not a clock time; give HH:MM (24-hour) such as 08:00.")
    h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    if h > 47 or mi > 59 or s > 59:
        raise UsageError(
            f"The {argument} {text!r} is not a valid clock time (hours 0–47, minutes and seconds 0–59); "
            "give HH:MM such as 08:00."
        )
    return h * 3600 + mi * 60 + s


def format_clock(seconds: float, *, with_seconds: bool = False) -> str:
    """``HH:MM`` (or ``HH:MM:SS``) of seconds after midnight; ``--:--`` for unreachable.

    Seconds are rounded down for ``HH:MM`` (a train at 08:07:40 shows as 08:07, as timetables print it)
    and hours past 24 are kept (``24:10`` is ten past midnight of the next day).

    Examples
    --------
    >>> format_clock(29220), format_clock(88200), format_clock(float("inf"))
    ('08:07', '24:30', '--:--')
    """
    if not np.isfinite(seconds):
        return "--:--"
    s = int(np.floor(seconds + 1e-6))
    if with_seconds:
        return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}"


#: Longest departure window: one day (the trips of one service day; later departures would need tomorrow's).
_MAX_WINDOW_S = 24 * 3600


def parse_window(window: Any, *, argument: str = "window") -> tuple[int, int]:
    """A departure window ``"07:00-09:00"`` or ``(start, end)`` as seconds; the end must not precede the start.

    A window is at most 24 hours long: departures beyond the service day's trips would count as unreachable
    although tomorrow's first trains serve them.

    Examples
    --------
    >>> parse_window("07:00-09:00")
    (25200, 32400)
    """
    if isinstance(window, str):
        parts = re.split(r"\s*[-–/]\s*|\s+to\s+", window.strip())
        if len(parts) != 2:
            raise UsageError(f"The {argument} {window!r} is not START-END; give two clock times such as 07:00-09:00.")
    elif isinstance(window, Sequence) and len(window) == 2:
        parts = list(window)
    else:
        raise UsageError(f"The {argument} {window!r} is not START-END; give two clock times such as 07:00-09:00.")
    a = parse_clock(parts[0], argument=f"{argument} start")
    b = parse_clock(parts[1], argument=f"{argument} end")
    if b < a:
        raise UsageError(
            f"The {argument} {window!r} ends before it starts; give START-END with END later, e.g. 07:00-09:00."
        )
    if b - a > _MAX_WINDOW_S:
        raise UsageError(
            f"The {argument} {window!r} is {(b - a) / 3600:g} h long; a window lies within one service day's "
            "timetable, so give at most 24 h, e.g. 07:00-09:00."
        )
    return a, b


def parse_percentiles(values: Any, *, argument: str = "percentiles") -> tuple[float, ...]:
    """Percentiles as floats in 0–100 (``"25,50,75"``, ``[50, 95]``).

    Examples
    --------
    >>> parse_percentiles("5, 50 95")
    (5.0, 50.0, 95.0)
    """
    if isinstance(values, str):
        items: list[Any] = [v for v in re.split(r"[\s,;]+", values.strip()) if v]
    elif isinstance(values, int | float):
        items = [values]
    else:
        items = list(values)
    if not items:
        raise UsageError(f"No {argument} given; give numbers between 0 and 100 such as 25 50 75.")
    out = []
    for v in items:
        try:
            f = float(v)
        except (TypeError, ValueError):
            raise UsageError(f"The {argument} value {v!r} is not a number; give numbers between 0 and 100.") from None
        if not 0 <= f <= 100:
            raise UsageError(f"The {argument} value {v!r} is outside 0–100; give numbers between 0 and 100.")
        out.append(f)
    return tuple(out)


# ---------------------------------------------------------------------------------------------
# the timetable
# ---------------------------------------------------------------------------------------------
@dataclass
class _Scan:
    """Array form of the timetable for one direction of time (forward, or reversed for arrive-by)."""

    key: np.ndarray  # float64 (entries,): departure + _OFF + column × _BIG, sorted
    arr: np.ndarray  # float64 (entries,): arrival of the same trip at the same column
    trip: np.ndarray  # int64 (entries,): global trip index
    col_base: np.ndarray  # int64 (columns,): first entry of the column
    col_n: np.ndarray  # int64 (columns,): trips in the column's pattern
    col_stop: np.ndarray  # int64 (columns,)
    col_pos: np.ndarray  # int64 (columns,): position in its pattern
    col_first: np.ndarray  # bool (columns,): first column of its pattern
    col_seg: np.ndarray  # int64 (columns,): segment offset for the per-pattern cumulative minimum
    board_extra: np.ndarray  # float64 (columns,): added to the ready time before boarding
    alight_extra: np.ndarray  # float64 (columns,): added to the arrival when alighting
    red_perm: np.ndarray  # columns sorted by stop
    red_starts: np.ndarray
    red_stops: np.ndarray
    tr_from: np.ndarray  # transfers sorted by target
    tr_dur: np.ndarray
    tr_starts: np.ndarray
    tr_to: np.ndarray
    tr_index: np.ndarray  # original transfer row of each sorted transfer
    pat_cols: list[np.ndarray]  # columns of each pattern


@dataclass
class Timetable:
    """Trips of one service day as arrays for routing; build with :meth:`from_tables`.

    Attributes
    ----------
    stops, routes, trips, stop_times, transfers : pandas.DataFrame
        The tables given to :meth:`from_tables` (validated, stops in index order).
    stop_index : dict
        ``stop_id`` → row of ``stops`` (the index into every per-stop array a query returns).
    service_date : datetime.date
    source : str
        Provenance of the trips.
    min_change_s : float
        Minimum time between arriving by one vehicle and boarding another at the same stop.
    """

    stops: pd.DataFrame
    routes: pd.DataFrame
    trips: pd.DataFrame
    stop_times: pd.DataFrame
    transfers: pd.DataFrame
    stop_index: dict[str, int]
    service_date: dt.date
    source: str
    min_change_s: float = 0.0
    _fwd: _Scan | None = field(default=None, repr=False)
    _bwd: _Scan | None = field(default=None, repr=False)
    _patterns: list[dict[str, Any]] = field(default_factory=list, repr=False)
    _trip_route: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64), repr=False)

    @property
    def n_stops(self) -> int:
        """Number of stops of the timetable."""
        return len(self.stops)

    @property
    def n_trips(self) -> int:
        """Number of trips of the service day."""
        return len(self.trips)

    @property
    def first_departure_s(self) -> float:
        """Earliest departure of any trip (s), ``inf`` for an empty timetable."""
        return float(self.stop_times["departure_s"].min()) if len(self.stop_times) else INF

    @property
    def last_arrival_s(self) -> float:
        """Latest arrival of any trip (s), ``-inf`` for an empty timetable."""
        return float(self.stop_times["arrival_s"].max()) if len(self.stop_times) else -INF

    def __repr__(self) -> str:
        return (
            f"Timetable({self.service_date.isoformat()}, {self.n_stops} stops, {len(self.routes)} routes, "
            f"{self.n_trips} trips, {len(self._patterns)} patterns; {self.source})"
        )

    # -----------------------------------------------------------------------------------------
    @classmethod
    def from_tables(
        cls,
        stops: pd.DataFrame,
        routes: pd.DataFrame,
        trips: pd.DataFrame,
        stop_times: pd.DataFrame,
        transfers: pd.DataFrame,
        *,
        service_date: dt.date,
        source: str,
        min_change_s: float = 0.0,
    ) -> Timetable:
        """Validate GTFS-semantics tables of one service day and compile them for routing.

        Parameters
        ----------
        stops : DataFrame
            ``stop_id`` (unique), ``name``, ``lon``, ``lat`` (WGS-84), ``station`` (parent id).
        routes : DataFrame
            ``route_id``, ``mode``, ``line_id``, ``name``, ``board_overhead_s`` (s added before boarding).
        trips : DataFrame
            ``trip_id`` (unique), ``route_id``, ``pattern_id``, ``direction_id``, ``headsign``.
        stop_times : DataFrame
            ``trip_id``, ``stop_sequence`` (increasing within a trip), ``stop_id``, ``arrival_s``,
            ``departure_s`` (s after the service day's midnight; ``arrival ≤ departure ≤ next arrival``).
        transfers : DataFrame
            ``from_stop_id``, ``to_stop_id``, ``duration_s``: footpaths (each direction its own row).
        service_date : datetime.date
            The day the trips run.
        source : str
            Provenance (shown in reports).
        min_change_s : float
            Minimum change time between two vehicles at the same stop.

        Returns
        -------
        Timetable

        Raises
        ------
        DataError
            A missing column, duplicate id, unknown stop/trip/route id, or times going backwards;
            the message names the table, the row and the field.
        """
        _require(stops, "stops", ["stop_id", "name", "lon", "lat", "station"])
        _require(routes, "routes", ["route_id", "mode", "line_id", "name", "board_overhead_s"])
        _require(trips, "trips", ["trip_id", "route_id", "pattern_id", "direction_id", "headsign"])
        _require(stop_times, "stop_times", ["trip_id", "stop_sequence", "stop_id", "arrival_s", "departure_s"])
        _require(transfers, "transfers", ["from_stop_id", "to_stop_id", "duration_s"])
        stops = stops.reset_index(drop=True).copy()
        stops["stop_id"] = stops["stop_id"].astype(str)
        _unique(stops, "stops", "stop_id")
        routes = routes.reset_index(drop=True).copy()
        routes["route_id"] = routes["route_id"].astype(str)
        _unique(routes, "routes", "route_id")
        trips = trips.reset_index(drop=True).copy()
        trips["trip_id"] = trips["trip_id"].astype(str)
        trips["route_id"] = trips["route_id"].astype(str)
        _unique(trips, "trips", "trip_id")
        stop_index = {s: i for i, s in enumerate(stops["stop_id"])}
        route_index = {r: i for i, r in enumerate(routes["route_id"])}
        bad = ~trips["route_id"].isin(route_index)
        if bad.any():
            i = int(np.argmax(bad.to_numpy()))
            raise DataError(
                f"trips row {i + 1}: route_id {trips['route_id'].iloc[i]!r} is not in routes; "
                "add the route or drop the trip."
            )
        st = stop_times.copy()
        st["trip_id"] = st["trip_id"].astype(str)
        st["stop_id"] = st["stop_id"].astype(str)
        trip_index = {t: i for i, t in enumerate(trips["trip_id"])}
        for col, index, table in (("trip_id", trip_index, "trips"), ("stop_id", stop_index, "stops")):
            bad = ~st[col].isin(index)
            if bad.any():
                i = int(np.argmax(bad.to_numpy()))
                raise DataError(
                    f"stop_times row {i + 1}: {col} {st[col].iloc[i]!r} is not in {table}; fix the id or add it there."
                )
        for col in ("arrival_s", "departure_s", "stop_sequence"):
            v = pd.to_numeric(st[col], errors="coerce")
            if v.isna().any():
                i = int(np.argmax(v.isna().to_numpy()))
                raise DataError(f"stop_times row {i + 1}: {col} {st[col].iloc[i]!r} is not a number; give seconds.")
            st[col] = v
        st["_trip"] = st["trip_id"].map(trip_index).astype(np.int64)
        st["_stop"] = st["stop_id"].map(stop_index).astype(np.int64)
        st["_row"] = np.arange(len(st))
        st = st.sort_values(["_trip", "stop_sequence"], kind="stable").reset_index(drop=True)
        _check_times(st)
        tr = transfers.copy()
        tr["from_stop_id"] = tr["from_stop_id"].astype(str)
        tr["to_stop_id"] = tr["to_stop_id"].astype(str)
        for col in ("from_stop_id", "to_stop_id"):
            bad = ~tr[col].isin(stop_index)
            if bad.any():
                i = int(np.argmax(bad.to_numpy()))
                raise DataError(f"transfers row {i + 1}: {col} {tr[col].iloc[i]!r} is not in stops; fix the id.")
        tr["duration_s"] = pd.to_numeric(tr["duration_s"], errors="coerce")
        if tr["duration_s"].isna().any() or (tr["duration_s"] < 0).any():
            i = int(np.argmax((tr["duration_s"].isna() | (tr["duration_s"] < 0)).to_numpy()))
            raise DataError(f"transfers row {i + 1}: duration_s must be a number of seconds ≥ 0.")
        tr = tr.reset_index(drop=True)
        overhead = pd.to_numeric(routes["board_overhead_s"], errors="coerce").fillna(0.0).to_numpy(float)
        trip_route = trips["route_id"].map(route_index).to_numpy(np.int64)
        tt = cls(
            stops=stops,
            routes=routes,
            trips=trips,
            stop_times=st.drop(columns=["_row"]),
            transfers=tr,
            stop_index=stop_index,
            service_date=service_date,
            source=source,
            min_change_s=float(min_change_s),
        )
        tt._trip_route = trip_route
        tt._patterns = _patterns(st, trips, len(trips))
        tt._fwd = _compile(tt._patterns, overhead[trip_route], tt, reverse=False)
        return tt

    @property
    def fwd(self) -> _Scan:
        """The forward scan arrays (earliest-arrival queries)."""
        assert self._fwd is not None
        return self._fwd

    @property
    def bwd(self) -> _Scan:
        """The backward scan arrays (latest-departure queries), built on first use."""
        if self._bwd is None:
            overhead = pd.to_numeric(self.routes["board_overhead_s"], errors="coerce").fillna(0.0).to_numpy(float)
            self._bwd = _compile(self._patterns, overhead[self._trip_route], self, reverse=True)
        return self._bwd

    def stops_of(self, station: str) -> np.ndarray:
        """Indices of the stops whose ``station`` (or ``stop_id``) is ``station``."""
        index = self.__dict__.get("_station_stops")
        if index is None:
            groups: dict[str, list[int]] = {}
            for i, (sid, st) in enumerate(zip(self.stops["stop_id"], self.stops["station"].astype(str), strict=True)):
                groups.setdefault(st, []).append(i)
                if sid != st:
                    groups.setdefault(sid, []).append(i)
            index = {k: np.asarray(sorted(set(v)), dtype=np.int64) for k, v in groups.items()}
            self.__dict__["_station_stops"] = index
        return index.get(str(station), np.zeros(0, dtype=np.int64)).copy()

    def origin_vector(self, origin: Mapping[str, float] | Mapping[int, float]) -> np.ndarray:
        """Per-stop offsets (s) from ``{stop_id or index: offset}``; ``inf`` elsewhere."""
        v = np.full(self.n_stops, INF)
        for k, off in origin.items():
            i = k if isinstance(k, int | np.integer) else self.stop_index.get(str(k))
            if i is None:
                raise UsageError(f"Stop {k!r} is not in this timetable; give a stop_id of its stops table.")
            v[int(i)] = min(v[int(i)], float(off))
        return v


def _require(df: pd.DataFrame, name: str, cols: list[str]) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise DataError(f"The {name} table lacks column(s) {', '.join(missing)}; add them (see Timetable.from_tables).")


def _unique(df: pd.DataFrame, name: str, col: str) -> None:
    dup = df[col].duplicated()
    if dup.any():
        i = int(np.argmax(dup.to_numpy()))
        raise DataError(f"{name} row {i + 1}: {col} {df[col].iloc[i]!r} is duplicated; ids must be unique.")


def _check_times(st: pd.DataFrame) -> None:
    a = st["arrival_s"].to_numpy(float)
    d = st["departure_s"].to_numpy(float)
    trip = st["_trip"].to_numpy()
    seq = st["stop_sequence"].to_numpy(float)
    rows = st["_row"].to_numpy()
    bad = (d < a) | (a < -1) | (d > _MAX_S)
    if bad.any():
        i = int(np.argmax(bad))
        raise DataError(
            f"stop_times row {rows[i] + 1} (trip {st['trip_id'].iloc[i]!r}): departure_s {d[i]:.0f} is before "
            f"arrival_s {a[i]:.0f} or outside 0–{_MAX_S} s; fix the times."
        )
    same = trip[1:] == trip[:-1]
    back = same & ((a[1:] < d[:-1]) | (seq[1:] <= seq[:-1]))
    if back.any():
        i = int(np.argmax(back)) + 1
        raise DataError(
            f"stop_times row {rows[i] + 1} (trip {st['trip_id'].iloc[i]!r}, stop_sequence {seq[i]:.0f}): the time "
            f"goes backwards (arrival_s {a[i]:.0f} before the previous departure_s {d[i - 1]:.0f}) or the "
            "stop_sequence repeats; fix the times."
        )


def _patterns(st: pd.DataFrame, trips: pd.DataFrame, n_trips: int) -> list[dict[str, Any]]:
    """Group trips by identical stop sequence, sorted by first departure, split into FIFO sub-patterns."""
    trip = st["_trip"].to_numpy()
    stop = st["_stop"].to_numpy()
    a = st["arrival_s"].to_numpy(float)
    d = st["departure_s"].to_numpy(float)
    starts = np.r_[0, np.nonzero(trip[1:] != trip[:-1])[0] + 1] if len(trip) else np.zeros(0, dtype=np.int64)
    ends = np.r_[starts[1:], len(trip)] if len(trip) else starts
    groups: dict[tuple[int, ...], list[int]] = {}
    for s, e in zip(starts, ends, strict=True):
        if e - s < 2:
            continue  # a trip with one stop carries nobody
        groups.setdefault(tuple(stop[s:e].tolist()), []).append(int(s))
    out: list[dict[str, Any]] = []
    for seq, firsts in groups.items():
        k = len(seq)
        idx = np.asarray(firsts)[:, None] + np.arange(k)[None, :]
        dep, arr, tr = d[idx], a[idx], trip[idx[:, 0]]
        order = np.lexsort((arr[:, -1], dep[:, 0]))
        dep, arr, tr = dep[order], arr[order], tr[order]
        # split into sub-patterns in which no trip overtakes another (FIFO), greedily
        chains: list[list[int]] = []
        for i in range(len(tr)):
            for ch in chains:
                j = ch[-1]
                if np.all(dep[i] >= dep[j]) and np.all(arr[i] >= arr[j]):
                    ch.append(i)
                    break
            else:
                chains.append([i])
        for ch in chains:
            c = np.asarray(ch)
            out.append({"stops": np.asarray(seq, dtype=np.int64), "dep": dep[c], "arr": arr[c], "trip": tr[c]})
    return out


def _compile(patterns: list[dict[str, Any]], trip_overhead: np.ndarray, tt: Timetable, *, reverse: bool) -> _Scan:
    keys, arrs, trips = [], [], []
    col_base, col_n, col_stop, col_pos, col_first, col_pat = [], [], [], [], [], []
    board_extra, alight_extra = [], []
    pat_cols: list[np.ndarray] = []
    base = 0
    c = 0
    for p, pat in enumerate(patterns):
        stops = pat["stops"]
        dep, arr, trip = pat["dep"], pat["arr"], pat["trip"]
        if reverse:  # time runs backwards: stops reversed, departure' = −arrival, arrival' = −departure
            stops = stops[::-1]
            dep, arr = -pat["arr"][::-1, ::-1], -pat["dep"][::-1, ::-1]
            trip = trip[::-1]
        n, k = dep.shape
        oh = trip_overhead[trip]
        if n and not np.all(oh == oh[0]):
            raise DataError("A route pattern mixes trips of routes with different board_overhead_s; split the pattern.")
        ohv = float(oh[0]) if n else 0.0
        cols = []
        for i in range(k):
            keys.append(dep[:, i] + _OFF + c * _BIG)
            arrs.append(arr[:, i])
            trips.append(trip)
            col_base.append(base)
            col_n.append(n)
            col_stop.append(int(stops[i]))
            col_pos.append(i)
            col_first.append(i == 0)
            col_pat.append(p)
            # forward: the overhead is paid before boarding; reversed: it is paid "after alighting"
            board_extra.append(0.0 if reverse else ohv)
            alight_extra.append(ohv if reverse else 0.0)
            cols.append(c)
            base += n
            c += 1
        pat_cols.append(np.asarray(cols, dtype=np.int64))
    n_cols = c
    npat = len(patterns)
    maxn = max((len(p["trip"]) for p in patterns), default=0)
    maxk = max((len(p["stops"]) for p in patterns), default=0)
    if maxk >= _POS:
        raise DataError(f"A trip has {maxk} stops; at most {_POS - 1} are supported.")
    stride = (maxn + 1) * _POS + _POS
    pat_arr = np.asarray(col_pat, dtype=np.int64)
    seg = (npat - pat_arr) * stride
    col_stop_a = np.asarray(col_stop, dtype=np.int64)
    perm = np.argsort(col_stop_a, kind="stable")
    sorted_stops = col_stop_a[perm]
    starts = np.r_[0, np.nonzero(sorted_stops[1:] != sorted_stops[:-1])[0] + 1] if n_cols else np.zeros(0, np.int64)
    tr = tt.transfers
    if len(tr):
        f = tr["from_stop_id"].map(tt.stop_index).to_numpy(np.int64)
        t = tr["to_stop_id"].map(tt.stop_index).to_numpy(np.int64)
        dur = tr["duration_s"].to_numpy(float)
        if reverse:
            f, t = t, f
        o = np.argsort(t, kind="stable")
        ts = t[o]
        tstarts = np.r_[0, np.nonzero(ts[1:] != ts[:-1])[0] + 1]
        tr_from, tr_dur, tr_to, tr_index = f[o], dur[o], ts[tstarts], o
    else:
        tr_from = tr_to = tr_index = tstarts = np.zeros(0, dtype=np.int64)
        tr_dur = np.zeros(0)
    cat = np.concatenate
    return _Scan(
        key=cat(keys) if keys else np.zeros(0),
        arr=cat(arrs) if arrs else np.zeros(0),
        trip=cat(trips).astype(np.int64) if trips else np.zeros(0, np.int64),
        col_base=np.asarray(col_base, dtype=np.int64),
        col_n=np.asarray(col_n, dtype=np.int64),
        col_stop=col_stop_a,
        col_pos=np.asarray(col_pos, dtype=np.int64),
        col_first=np.asarray(col_first, dtype=bool),
        col_seg=seg,
        board_extra=np.asarray(board_extra, dtype=float),
        alight_extra=np.asarray(alight_extra, dtype=float),
        red_perm=perm,
        red_starts=starts,
        red_stops=sorted_stops[starts] if n_cols else np.zeros(0, np.int64),
        tr_from=tr_from,
        tr_dur=tr_dur,
        tr_starts=tstarts,
        tr_to=tr_to,
        tr_index=tr_index,
        pat_cols=pat_cols,
    )


# ---------------------------------------------------------------------------------------------
# RAPTOR rounds on arrays
# ---------------------------------------------------------------------------------------------
@dataclass
class _Rounds:
    """Labels of every round (rows = queries). ``ride[k]``: arrival by vehicle with k rides;
    ``foot[k]``: arrival on foot (origin or footpath) after k rides.
    """

    ride: list[np.ndarray]
    foot: list[np.ndarray]
    ride_col: list[np.ndarray]  # column alighted at (−1 none), per round, carried forward
    ride_trip: list[np.ndarray]  # entry index in the scan arrays of the trip ridden
    ride_board: list[np.ndarray]  # column boarded at
    foot_tr: list[np.ndarray]  # sorted transfer index used (−1: origin / none)


def _relax(scan: _Scan, x: np.ndarray, want_arg: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """Per-stop minimum over footpaths of ``x[from] + duration`` (``inf`` where none)."""
    out = np.full_like(x, INF)
    if not len(scan.tr_from):
        return out, (np.full(x.shape, -1, dtype=np.int64) if want_arg else None)
    vals = x[:, scan.tr_from] + scan.tr_dur
    red = np.minimum.reduceat(vals, scan.tr_starts, axis=1)
    out[:, scan.tr_to] = red
    arg = None
    if want_arg:
        arg = np.full(x.shape, -1, dtype=np.int64)
        counts = np.diff(np.r_[scan.tr_starts, len(scan.tr_from)])
        hit = vals == np.repeat(red, counts, axis=1)
        pos = np.where(hit, np.arange(len(scan.tr_from))[None, :], len(scan.tr_from))
        arg[:, scan.tr_to] = np.minimum.reduceat(pos, scan.tr_starts, axis=1)
        arg[~np.isfinite(out)] = -1
    return out, arg


def _run_transit(scan: _Scan, origin: np.ndarray, *, min_change_s: float, max_rides: int) -> np.ndarray:
    """Earliest arrival per stop using at least one vehicle (rows × stops), with rows dropped from the
    work as soon as a round improves none of their labels (RAPTOR's marking, by row).
    """
    m = origin.shape[0]
    walk0, _ = _relax(scan, origin)
    foot = np.minimum(origin, walk0)
    ride = np.full_like(origin, INF)
    foot_t = np.full_like(origin, INF)
    active = np.arange(m)
    for _k in range(1, max_rides + 1):
        if not len(active):
            break
        r, f = ride[active], foot[active]
        new_ride = _scan_round(scan, np.minimum(r + min_change_s, f))[0]
        improved = new_ride < r
        rows_imp = improved.any(axis=1)
        if not rows_imp.any():
            break
        keep = active[rows_imp]
        imp = improved[rows_imp]
        nr = np.where(imp, new_ride[rows_imp], r[rows_imp])
        walk, _ = _relax(scan, np.where(imp, new_ride[rows_imp], INF))
        ride[keep] = nr
        foot[keep] = np.minimum(f[rows_imp], walk)
        foot_t[keep] = np.minimum(foot_t[keep], walk)
        active = keep
    return np.minimum(ride, foot_t)


def _scan_round(scan: _Scan, ready: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One RAPTOR round over every pattern: (new ride label per stop, arrival per column, entry per column,
    decoded (trip, board position) per column, arrivals sorted by stop).
    """
    m = ready.shape[0]
    n_cols = len(scan.col_stop)
    colkey = np.arange(n_cols) * _BIG + _OFF
    q = ready[:, scan.col_stop] + scan.board_extra
    cap = colkey - _OFF + _BIG - 1
    qk = np.where(np.isfinite(q), np.minimum(q + colkey, cap), cap)
    pos = np.searchsorted(scan.key, qk.ravel(), side="left").reshape(m, n_cols)
    enc = (pos - scan.col_base) * _POS + scan.col_pos + scan.col_seg
    cum = np.minimum.accumulate(enc, axis=1)
    excl = np.empty_like(cum)
    excl[:, 1:] = cum[:, :-1]
    excl[:, 0] = 0
    dec = excl - scan.col_seg
    tb = dec // _POS
    ok = (~scan.col_first) & (tb < scan.col_n) & (tb >= 0)
    entry = scan.col_base + np.minimum(np.where(ok, tb, 0), np.maximum(scan.col_n - 1, 0))
    arr = np.where(ok, scan.arr[entry] + scan.alight_extra, INF)
    a_sorted = arr[:, scan.red_perm]
    red = np.minimum.reduceat(a_sorted, scan.red_starts, axis=1)
    new_ride = np.full(ready.shape, INF)
    new_ride[:, scan.red_stops] = red
    return new_ride, arr, entry, dec, a_sorted


def _run(
    scan: _Scan, origin: np.ndarray, *, min_change_s: float, max_rides: int, record: bool
) -> tuple[np.ndarray, list[np.ndarray], _Rounds | None]:
    """RAPTOR from per-stop start labels ``origin`` (rows × stops). Returns the best arrival per stop,
    the best arrival after each number of rides (0..), and (``record``) the parents for journeys.
    """
    m = origin.shape[0]
    walk0, arg0 = _relax(scan, origin, record)
    foot = np.minimum(origin, walk0)
    ride = np.full_like(origin, INF)
    best = foot.copy()
    per_round = [best.copy()]
    rec = None
    if record:
        assert arg0 is not None
        ftr = np.where(walk0 < origin, arg0, -1)
        neg = np.full(origin.shape, -1, dtype=np.int64)
        rec = _Rounds([ride.copy()], [foot.copy()], [neg], [neg], [neg], [ftr])
    n_cols = len(scan.col_stop)
    if n_cols == 0:
        return best, per_round, rec
    for _k in range(1, max_rides + 1):
        new_ride, _arr, entry, dec, a_sorted = _scan_round(scan, np.minimum(ride + min_change_s, foot))
        red = new_ride[:, scan.red_stops]
        improved = new_ride < ride
        if not improved.any():
            break
        ride_k = np.where(improved, new_ride, ride)
        walk, warg = _relax(scan, np.where(improved, new_ride, INF), record)
        foot_imp = walk < foot
        foot_k = np.where(foot_imp, walk, foot)
        if rec is not None:
            assert warg is not None
            counts = np.diff(np.r_[scan.red_starts, n_cols])
            hit = a_sorted == np.repeat(red, counts, axis=1)
            cpos = np.where(hit, np.arange(n_cols)[None, :], n_cols)
            first = np.minimum.reduceat(cpos, scan.red_starts, axis=1)
            best_col = np.full(ride.shape, -1, dtype=np.int64)
            best_col[:, scan.red_stops] = scan.red_perm[np.minimum(first, n_cols - 1)]
            rows = np.arange(m)[:, None]
            bc = np.where(improved, best_col, 0)
            ent = entry[rows, bc]
            board_pos = (dec % _POS)[rows, bc]
            board_col = np.where(improved, bc - scan.col_pos[bc] + board_pos, -1)
            rec.ride_col.append(np.where(improved, bc, rec.ride_col[-1]))
            rec.ride_trip.append(np.where(improved, ent, rec.ride_trip[-1]))
            rec.ride_board.append(np.where(improved, board_col, rec.ride_board[-1]))
            rec.foot_tr.append(np.where(foot_imp, warg, rec.foot_tr[-1]))
        ride, foot = ride_k, foot_k
        if rec is not None:
            rec.ride.append(ride.copy())
            rec.foot.append(foot.copy())
        best = np.minimum(ride, foot)
        per_round.append(best.copy())
    return best, per_round, rec


def _origin_matrix(tt: Timetable, origins: Any, depart_s: Any) -> tuple[np.ndarray, np.ndarray]:
    """Rows of start labels for every (origin, departure) pair, origin-major; and the departures per row."""
    if isinstance(origins, Mapping):
        origins = [origins]
    deps = np.atleast_1d(np.asarray(depart_s, dtype=float))
    rows = []
    for o in origins:
        v = tt.origin_vector(o)
        rows.append(v[None, :] + deps[:, None])
    mat = np.vstack(rows) if rows else np.zeros((0, tt.n_stops))
    return mat, np.tile(deps, len(origins))


def earliest_arrival(
    tt: Timetable,
    origin: Mapping[str, float] | Sequence[Mapping[str, float]],
    depart_s: float | Sequence[float] | np.ndarray,
    *,
    max_rides: int = 8,
    by_rounds: bool = False,
) -> Any:
    """Earliest arrival (s after midnight) at every stop, leaving ``origin`` at ``depart_s``.

    Parameters
    ----------
    tt : Timetable
    origin : dict or list of dict
        ``{stop_id: access offset in s}`` — the stops the traveller can reach from the start and how long
        that takes (0 for the stop itself). A list gives several origins (one result row each).
    depart_s : float or array
        Departure time(s) (s after midnight). An array gives one row per departure (per origin).
    max_rides : int
        Most vehicles in one journey (transfers + 1).
    by_rounds : bool
        Also return the best arrival after 0, 1, … rides (the Pareto front time × transfers).

    Returns
    -------
    numpy.ndarray
        Shape ``(n_stops,)`` for one origin and one departure, else ``(rows, n_stops)``; ``inf`` where
        not reachable. With ``by_rounds``: ``(best, rounds)`` where ``rounds[k]`` has the same shape.

    Examples
    --------
    See the module docstring.
    """
    if max_rides < 0:
        raise UsageError(f"max_rides must be ≥ 0, not {max_rides}.")
    single = isinstance(origin, Mapping) and np.ndim(depart_s) == 0
    start, _ = _origin_matrix(tt, origin, depart_s)
    best, rounds, _ = _run(tt.fwd, start, min_change_s=tt.min_change_s, max_rides=max_rides, record=False)
    if single:
        best, rounds = best[0], [r[0] for r in rounds]
    return (best, rounds) if by_rounds else best


def latest_departure(
    tt: Timetable,
    destination: Mapping[str, float] | Sequence[Mapping[str, float]],
    arrive_s: float | Sequence[float] | np.ndarray,
    *,
    max_rides: int = 8,
) -> np.ndarray:
    """Latest departure (s after midnight) from every stop that still reaches ``destination`` by ``arrive_s``.

    Parameters
    ----------
    destination : dict or list of dict
        ``{stop_id: egress offset in s}`` — stops from which the destination is reached and how long that takes.
    arrive_s : float or array
        Latest arrival time(s) at the destination.
    max_rides : int
        Most vehicles in one journey.

    Returns
    -------
    numpy.ndarray
        Latest departure per stop (``-inf`` where the destination cannot be reached in time).
    """
    single = isinstance(destination, Mapping) and np.ndim(arrive_s) == 0
    start, _ = _origin_matrix(tt, destination, -np.atleast_1d(np.asarray(arrive_s, dtype=float)))
    best, _, _ = _run(tt.bwd, start, min_change_s=tt.min_change_s, max_rides=max_rides, record=False)
    out = -best
    return out[0] if single else out


@dataclass
class RangeResult:
    """Result of :func:`range_query`: travel time (s) for every departure of the window, per stop."""

    departures_s: np.ndarray  # (n_departures,)
    travel_s: np.ndarray  # (n_origins, n_departures, n_stops); inf where not reached
    percentiles: tuple[float, ...]

    def percentile_s(self) -> np.ndarray:
        """Percentiles over the window, shape ``(n_origins, len(percentiles), n_stops)``; ``inf`` where the
        share of departures that reach the stop is below the percentile (as r5py reports no value).
        """
        return _percentiles(self.travel_s, self.percentiles, axis=1)

    def mean_s(self) -> np.ndarray:
        """Mean travel time over the window (``inf`` if any departure cannot reach the stop)."""
        return self.travel_s.mean(axis=1)


def _percentiles(x: np.ndarray, pcts: Sequence[float], *, axis: int) -> np.ndarray:
    """Nearest-rank-free linear percentiles that treat ``inf`` as 'longer than everything'."""
    if not len(pcts):
        shape = list(x.shape)
        shape[axis] = 0
        return np.zeros(shape)
    srt = np.sort(x, axis=axis)
    n = x.shape[axis]
    out = []
    for p in pcts:
        pos = p / 100 * (n - 1)
        lo, hi = int(np.floor(pos)), int(np.ceil(pos))
        a = np.take(srt, lo, axis=axis)
        b = np.take(srt, hi, axis=axis)
        w = pos - lo
        with np.errstate(invalid="ignore"):
            v = np.where(np.isfinite(b), a + (b - a) * w, np.where(w == 0, a, INF))
        out.append(v)
    return np.stack(out, axis=axis)


def range_query(
    tt: Timetable,
    origin: Mapping[str, float] | Sequence[Mapping[str, float]],
    window: Any,
    *,
    step_s: int = 60,
    percentiles: Sequence[float] = (5, 25, 50, 75, 95),
    max_rides: int = 8,
    chunk_rows: int = 1024,
) -> RangeResult:
    """Travel time to every stop for every departure of a window (one per ``step_s``), with percentiles.

    Parameters
    ----------
    origin : dict or list of dict
        As in :func:`earliest_arrival`.
    window : str or (start, end)
        ``"07:00-09:00"`` or seconds; departures at start, start + step, …, end (inclusive).
    step_s : int
        Spacing of departures (60 s: every minute, as r5py).
    percentiles : sequence of float
        In 0–100.

    Returns
    -------
    RangeResult

    Examples
    --------
    See ``tests/network/test_timetable.py``.
    """
    a, b = (
        parse_window(window) if not (isinstance(window, tuple) and all(isinstance(v, int) for v in window)) else window
    )
    if b < a:
        raise UsageError("The window ends before it starts; give START-END with END later.")
    pcts = parse_percentiles(percentiles) if len(percentiles) else ()
    if step_s <= 0:
        raise UsageError(f"step_s must be > 0, not {step_s}.")
    deps = np.arange(a, b + 1, step_s, dtype=float)
    origins = [origin] if isinstance(origin, Mapping) else list(origin)
    scan = tt.fwd
    # Travel with a vehicle depends on the departure time t only through which trips can be boarded first:
    # the arrival for t equals the arrival for the next boarding deadline (trip departure − access − overhead)
    # at or after t. So RAPTOR runs once per distinct deadline (rRAPTOR's observation), not once per minute.
    rel0 = np.vstack([tt.origin_vector(o) for o in origins]) if origins else np.zeros((0, tt.n_stops))
    walk0, _ = _relax(scan, rel0)
    rel = np.minimum(rel0, walk0)  # on foot only: constant over the window
    ecol = np.repeat(np.arange(len(scan.col_stop)), scan.col_n)
    edep = scan.key - _OFF - ecol * _BIG
    last_col = np.r_[scan.col_first[1:], True]
    boardable = ~last_col[ecol]
    rows, owner, dls = [], [], []
    for i in range(len(origins)):
        dl = edep - rel[i, scan.col_stop[ecol]] - scan.board_extra[ecol]
        dl = dl[boardable & np.isfinite(dl)]
        inside = np.unique(dl[(dl >= a) & (dl <= deps[-1])]) if len(deps) else np.zeros(0)
        after = dl[dl > (deps[-1] if len(deps) else b)]
        if len(after):
            inside = np.r_[inside, after.min()]
        dls.append(inside)
        rows.append(rel0[i][None, :] + inside[:, None])
        owner.append(np.full(len(inside), i))
    start = np.vstack(rows) if rows else np.zeros((0, tt.n_stops))
    ea = np.empty_like(start)
    for i in range(0, len(start), chunk_rows):
        ea[i : i + chunk_rows] = _run_transit(
            scan, start[i : i + chunk_rows], min_change_s=tt.min_change_s, max_rides=max_rides
        )
    out = np.empty((len(origins), len(deps), tt.n_stops))
    base = 0
    for i, dl in enumerate(dls):
        k = np.searchsorted(dl, deps, side="left")
        blk = ea[base : base + len(dl)]
        base += len(dl)
        trans = np.full((len(deps), tt.n_stops), INF)
        ok = k < len(dl)
        if ok.any():
            trans[ok] = blk[k[ok]] - deps[ok, None]
        out[i] = np.minimum(trans, rel[i][None, :])
    return RangeResult(deps, out, pcts)


# ---------------------------------------------------------------------------------------------
# journeys (legs with clock times)
# ---------------------------------------------------------------------------------------------
@dataclass
class JourneyLeg:
    """One leg of a timetable journey: ``ride`` (a trip between two of its stops) or ``walk`` (a footpath)."""

    kind: str
    from_stop: int
    to_stop: int
    depart_s: float
    arrive_s: float
    trip_id: str | None = None
    route_id: str | None = None
    stops: list[int] = field(default_factory=list)
    stop_times: list[tuple[float, float]] = field(default_factory=list)


@dataclass
class Journey:
    """Legs of the fastest journey to one stop (see :func:`journey`)."""

    legs: list[JourneyLeg]
    start_s: float  # when the traveller leaves the origin
    arrive_s: float  # arrival at the target stop

    @property
    def n_rides(self) -> int:
        """Number of ride legs of the journey."""
        return sum(1 for leg in self.legs if leg.kind == "ride")


def journey(
    tt: Timetable,
    origin: Mapping[str, float],
    depart_s: float,
    target: Mapping[str, float],
    *,
    max_rides: int = 8,
    rides: int | None = None,
) -> Journey | None:
    """Fastest journey from ``origin`` (leaving at ``depart_s``) to the best stop of ``target``.

    ``target`` is ``{stop_id: egress offset in s}``; the stop minimising arrival + egress is chosen.
    ``rides`` picks the best journey with at most that many vehicles (a point of the Pareto front).
    Returns ``None`` when no stop of ``target`` is reached.
    """
    start, _ = _origin_matrix(tt, origin, depart_s)
    _, _, rec = _run(tt.fwd, start, min_change_s=tt.min_change_s, max_rides=max_rides, record=True)
    assert rec is not None
    k = len(rec.ride) - 1 if rides is None else min(rides, len(rec.ride) - 1)
    egress = tt.origin_vector(target)
    lab = np.minimum(rec.ride[k][0], rec.foot[k][0]) + egress
    s = int(np.argmin(lab))
    if not np.isfinite(lab[s]):
        return None
    arrive = float(min(rec.ride[k][0][s], rec.foot[k][0][s]))
    legs: list[JourneyLeg] = []
    scan = tt.fwd
    on_foot = rec.foot[k][0][s] < rec.ride[k][0][s]
    for _ in range(4 * (max_rides + 2)):
        if on_foot:
            j = int(rec.foot_tr[k][0][s])
            if j < 0:
                break  # reached the origin
            f = int(scan.tr_from[j])
            by_ride = k > 0 and rec.ride[k][0][f] <= rec.foot[k][0][f]
            t_from = float(rec.ride[k][0][f] if by_ride else rec.foot[k][0][f])
            legs.append(JourneyLeg("walk", f, s, t_from, t_from + float(scan.tr_dur[j])))
            s, on_foot = f, not by_ride
            continue
        c = int(rec.ride_col[k][0][s])
        e = int(rec.ride_trip[k][0][s])
        bc = int(rec.ride_board[k][0][s])
        row = e - int(scan.col_base[c])
        cols = range(bc, c + 1)
        stops = [int(scan.col_stop[cc]) for cc in cols]
        times = [
            (float(scan.arr[scan.col_base[cc] + row]), float(scan.key[scan.col_base[cc] + row] - _OFF - cc * _BIG))
            for cc in cols
        ]
        trip = int(scan.trip[e])
        legs.append(
            JourneyLeg(
                "ride",
                stops[0],
                stops[-1],
                times[0][1],
                times[-1][0],
                trip_id=str(tt.trips["trip_id"].iloc[trip]),
                route_id=str(tt.trips["route_id"].iloc[trip]),
                stops=stops,
                stop_times=times,
            )
        )
        s = stops[0]
        k -= 1
        on_foot = not (k > 0 and rec.ride[k][0][s] + tt.min_change_s <= rec.foot[k][0][s])
    legs.reverse()
    return Journey(legs, float(depart_s), arrive)


def stop_names(tt: Timetable, idx: Iterable[int]) -> list[str]:
    """Names of stops by index."""
    names = tt.stops["name"].astype(str).to_numpy()
    return [str(names[i]) for i in idx]


# ---------------------------------------------------------------------------------------------
# the embedded network as timetables
# ---------------------------------------------------------------------------------------------
def _service_paths(ds: Any, chosen: set[str]) -> dict[str, dict[str, Any]]:
    """Ordered station sequence, mode and section rows of every open service (as the static graph has them)."""
    from cztmap.data.services import service_of

    lines_present = set(ds.sections["line_id"])
    adj: dict[str, dict[str, dict[str, Any]]] = {}
    mode_of: dict[str, str] = {}
    for r in ds.sections.itertuples(index=False):
        if r.mode not in chosen or r.status != "open":
            continue
        for svc in service_of(r.line_id):
            if r.line_id == "CZT" and svc != "CZT" and svc not in lines_present:
                continue
            g = adj.setdefault(svc, {})
            g.setdefault(r.from_station, {})[r.to_station] = {"length_m": r.length_m, "speed_kmh": r.speed_kmh}
            g.setdefault(r.to_station, {})[r.from_station] = {"length_m": r.length_m, "speed_kmh": r.speed_kmh}
            mode_of[svc] = r.mode
    out = {}
    for svc, g in adj.items():
        ends = sorted(s for s, nb in g.items() if len(nb) == 1)
        if len(ends) != 2 or any(len(nb) > 2 for nb in g.values()):
            raise DataError(f"Service {svc} is not a simple line in the sections layer; check its sections.")
        seq = [ends[0]]
        prev = None
        while True:
            nxt = [s for s in g[seq[-1]] if s != prev]
            if not nxt:
                break
            prev = seq[-1]
            seq.append(nxt[0])
        if len(seq) != len(g):
            raise DataError(f"Service {svc} is not connected in the sections layer; check its sections.")
        out[svc] = {"seq": seq, "mode": mode_of[svc], "adj": g}
    return out


def embedded_tables(
    ds: Any = None,
    *,
    as_of: Any = "today",
    day: str = "weekday",
    modes: Iterable[str] | str | None = None,
    params: Any = None,
) -> dict[str, pd.DataFrame]:
    """GTFS-semantics tables (stops, routes, trips, stop_times, transfers) of the embedded network for one day type.

    Every service of the static graph (:func:`cztmap.network.build.build_graph`) becomes trips in both
    directions, generated from its headways and first/last trains (:func:`cztmap.data.timetables.service_plan`)
    with run times from :mod:`cztmap.network.runtime`. Stops are the platforms of the static graph
    (``stop_id`` ``<station_id>:<service_id>``, ``station`` = station id); transfers are the changes between
    platforms of one station (``alight_walk_s + platform_walk_s``) and the walks between nearby stations
    (alight + walk + platform walk), as the static graph charges them.

    Parameters
    ----------
    ds : Dataset, optional
        Default: the embedded dataset.
    as_of : str or date
        The network of that date (what was open).
    day : {"weekday", "weekend"}
    modes : iterable of str, optional
        Rail modes to keep (as ``build_graph``; roads have no timetable).
    params : Params, optional

    Returns
    -------
    dict of str to DataFrame
        Keys ``stops``, ``routes``, ``trips``, ``stop_times``, ``transfers`` (columns of
        :meth:`Timetable.from_tables`), plus ``plans`` (one row per service and direction: how it was generated).

    Examples
    --------
    >>> t = embedded_tables(as_of="2024-07-01", day="weekday", modes=["maglev"])
    >>> sorted(t["routes"]["route_id"]), int(t["stop_times"]["departure_s"].min()) // 60
    (['S2'], 420)
    """
    from cztmap.data.dataset import load_dataset, parse_date
    from cztmap.data.services import ALL_MODES
    from cztmap.data.timetables import service_plan
    from cztmap.geo import haversine_m
    from cztmap.network.runtime import run_time_s
    from cztmap.params import DEFAULTS

    params = params or DEFAULTS
    if ds is None:
        ds = load_dataset()
    if as_of is not None:
        ds = ds.filter(parse_date(as_of))
    if isinstance(modes, str):
        modes = [m.strip() for m in modes.split(",") if m.strip()]
    chosen = set(modes) if modes is not None else set(ALL_MODES)
    st = ds.stations.set_index("station_id", drop=False)
    line_attrs = {r.line_id: r for r in ds.lines.itertuples(index=False)}
    paths = _service_paths(ds, chosen)
    stops_rows: dict[str, dict[str, Any]] = {}
    routes_rows, trips_rows, plans_rows = [], [], []
    st_trip: list[str] = []
    st_seq: list[int] = []
    st_stop: list[str] = []
    st_arr: list[int] = []
    st_dep: list[int] = []
    for svc in sorted(paths):
        info = paths[svc]
        mode, seq, g = info["mode"], info["seq"], info["adj"]
        la = line_attrs.get(svc) or line_attrs.get(svc.split("-")[0])
        routes_rows.append(
            {
                "route_id": svc,
                "mode": mode,
                "line_id": svc,
                "name": getattr(la, "name_zh", svc) if la is not None else svc,
                "board_overhead_s": float(params.station_overhead_s.get(mode, 0.0)),
                "colour": getattr(la, "colour", None) if la is not None else None,
            }
        )
        for sid in seq:
            s = st.loc[sid]
            stops_rows[f"{sid}:{svc}"] = {
                "stop_id": f"{sid}:{svc}",
                "name": s.name_zh,
                "lon": float(s.geometry.x),
                "lat": float(s.geometry.y),
                "station": sid,
                "route_id": svc,
            }
        for direction, order in ((0, seq), (1, seq[::-1])):
            run, dwell = [], float(params.dwell_s[mode])
            for a, b in itertools.pairwise(order):
                e = g[a][b]
                v = e["speed_kmh"] if e["speed_kmh"] and e["speed_kmh"] == e["speed_kmh"] else None
                run.append(run_time_s(e["length_m"], v or params.default_speed_kmh[mode], mode, params))
            plan = service_plan(
                svc,
                mode,
                str(st.loc[order[0], "name_zh"]),
                day=day,
                headway_peak_min=getattr(la, "headway_peak_min", None) if la is not None else None,
                headway_offpeak_min=getattr(la, "headway_offpeak_min", None) if la is not None else None,
                params=params,
            )
            deps = plan.departures()
            plans_rows.append(
                {
                    "route_id": svc,
                    "direction_id": direction,
                    "from": plan.from_station_zh,
                    "to": str(st.loc[order[-1], "name_zh"]),
                    "trips": len(deps),
                    "first": format_clock(deps[0]) if deps else "",
                    "last": format_clock(deps[-1]) if deps else "",
                    "peak_min": plan.peak_min,
                    "offpeak_min": plan.offpeak_min,
                    "how": "generated from headways (frequencies.txt semantics, exact_times=1)",
                    "hours_source": plan.hours_source,
                    "headway_source": plan.headway_source,
                }
            )
            # offsets of arrival/departure at each stop relative to the departure from the terminus
            arr_off, dep_off = [0.0], [0.0]
            for r in run:
                arr_off.append(dep_off[-1] + r)
                dep_off.append(arr_off[-1] + dwell)
            dep_off[-1] = arr_off[-1]
            arr_o, dep_o = np.round(arr_off), np.round(dep_off)
            for n, t0 in enumerate(deps):
                tid = f"{svc}-{direction}-{n + 1:03d}"
                trips_rows.append(
                    {
                        "trip_id": tid,
                        "route_id": svc,
                        "pattern_id": f"{svc}-{direction}",
                        "direction_id": direction,
                        "headsign": str(st.loc[order[-1], "name_zh"]),
                    }
                )
                st_trip.extend([tid] * len(order))
                st_seq.extend(range(1, len(order) + 1))
                st_stop.extend(f"{sid}:{svc}" for sid in order)
                st_arr.extend((t0 + arr_o).astype(np.int64).tolist())
                st_dep.extend((t0 + dep_o).astype(np.int64).tolist())
    served = {r for r in (t["route_id"] for t in trips_rows)}
    routes_rows = [r for r in routes_rows if r["route_id"] in served]  # services without trains of their own
    stops = pd.DataFrame(
        [r for r in stops_rows.values() if r["route_id"] in served],
        columns=["stop_id", "name", "lon", "lat", "station", "route_id"],
    )
    # transfers: between platforms of one station, and between nearby stations (the static graph's walk links)
    change = float(params.alight_walk_s + params.platform_walk_s)
    by_station: dict[str, list[str]] = {}
    for sid, stop_id in zip(stops["station"], stops["stop_id"], strict=True):
        by_station.setdefault(sid, []).append(stop_id)
    tr_rows = [(a, b, change) for plats in by_station.values() for a in plats for b in plats if a != b]
    good = st[st["position_quality"].isin(["sourced", "proxy"]) & st["station_id"].isin(list(by_station))]
    ids = list(good["station_id"])
    xs = np.array([p.x for p in good.geometry])
    ys = np.array([p.y for p in good.geometry])
    for i, a in enumerate(ids):
        d = np.atleast_1d(haversine_m(xs[i], ys[i], xs, ys))
        for j in np.nonzero(d < params.walk_link_max_m)[0]:
            if j == i:
                continue
            walk = float(d[j]) * params.walk_detour / params.walk_speed_mps
            tr_rows.extend((pa, pb, change + walk) for pa in by_station[a] for pb in by_station[ids[j]])
    transfers = pd.DataFrame(tr_rows, columns=["from_stop_id", "to_stop_id", "duration_s"])
    transfers["duration_s"] = transfers["duration_s"].round().astype(np.int64)
    return {
        "stops": stops,
        "routes": pd.DataFrame(
            routes_rows, columns=["route_id", "mode", "line_id", "name", "board_overhead_s", "colour"]
        ),
        "trips": pd.DataFrame(trips_rows, columns=["trip_id", "route_id", "pattern_id", "direction_id", "headsign"]),
        "stop_times": pd.DataFrame(
            {
                "trip_id": st_trip,
                "stop_sequence": st_seq,
                "stop_id": st_stop,
                "arrival_s": st_arr,
                "departure_s": st_dep,
            }
        ),
        "transfers": transfers,
        "plans": pd.DataFrame(plans_rows),
    }


_CACHE: dict[tuple[Any, ...], Timetable] = {}


def embedded_timetable(
    *,
    as_of: Any = "today",
    date: dt.date | None = None,
    modes: Iterable[str] | str | None = None,
    params: Any = None,
) -> Timetable:
    """The embedded network's :class:`Timetable` for a service date (cached per date type, modes and params).

    Parameters
    ----------
    as_of : str or date
        The network of that date (what was open).
    date : datetime.date, optional
        The service day (weekday/weekend timetable); default: ``as_of``.
    modes : iterable of str, optional
        Keep only these modes (as :func:`cztmap.network.build.build_graph`); default all rail modes.
    params : Params, optional
        Model parameters (default :data:`cztmap.params.DEFAULTS`).

    Returns
    -------
    Timetable
        Every trip of that day, compiled for the router; cached, so treat it as read-only.

    Raises
    ------
    DataError
        No service runs on that date with these modes (for example before the first line opened), or
        ``modes`` holds no rail mode (roads and feeders have no timetable).

    Examples
    --------
    >>> tt = embedded_timetable(as_of="2024-07-01")
    >>> tt.service_date.isoformat(), tt.n_trips > 1000
    ('2024-07-01', True)
    """
    from cztmap.data.dataset import parse_date
    from cztmap.data.services import MODE_GROUPS, RAIL_MODES
    from cztmap.data.timetables import day_type
    from cztmap.params import DEFAULTS

    params = params or DEFAULTS
    net_day = parse_date(as_of)
    if net_day is None:
        raise UsageError("as_of must be a date for a timetable; give an ISO date such as 2026-12-01.")
    service_day: dt.date = date or net_day
    day = day_type(service_day)
    if isinstance(modes, str):
        modes = [m.strip() for m in modes.split(",") if m.strip()]
    if modes is not None:  # groups (transit, both, road) stand for their modes
        modes = {x for m in modes for x in MODE_GROUPS.get(m, (m,))}
    mkey = tuple(sorted(modes)) if modes is not None else None
    if mkey is not None and not set(mkey) & set(RAIL_MODES):
        raise DataError(
            f"No rail service runs with modes {', '.join(mkey) or '(none)'}: roads and feeder buses have no "
            f"timetable (only {', '.join(RAIL_MODES)} run trips); add a rail mode, or ask without a clock time."
        )
    key = (net_day, day, mkey, repr(params))
    tt = _CACHE.get(key)
    if tt is None:
        t = embedded_tables(as_of=net_day, day=day, modes=mkey, params=params)
        if not len(t["trips"]):
            raise DataError(
                f"No rail service runs on {service_day.isoformat()} with modes {', '.join(mkey or ['all'])}; "
                "choose a later date or more modes."
            )
        tt = Timetable.from_tables(
            t["stops"],
            t["routes"],
            t["trips"],
            t["stop_times"],
            t["transfers"],
            service_date=service_day,
            source=f"embedded cztmap network of {net_day.isoformat()}, {day} (generated from headways)",
            min_change_s=params.min_change_s,
        )
        tt.plans = t["plans"]  # type: ignore[attr-defined]
        if len(_CACHE) > 16:
            _CACHE.clear()
        _CACHE[key] = tt
    if tt.service_date != service_day:
        import copy

        tt = copy.copy(tt)
        tt.service_date = service_day
    return tt
