"""Service days of the embedded network: first/last trains and headways by period → departure times.

The embedded dataset publishes headways (peak / off-peak, ``lines.geojson``) and, for some lines, first
and last trains (``data/sources/service_hours.csv``); a few services have a sourced all-day headway
(``data/sources/service_headways.csv``). No line of the region publishes a full timetable that could be
found, so every embedded service is *generated from headways* with GTFS ``frequencies.txt`` semantics
(``exact_times=1``): trains leave each terminus at the first time, then every headway of the period the
previous train left in, up to and including the last time. Where no first/last time is sourced,
:attr:`cztmap.params.Params.default_service_hours` gives the assumption and its rationale.

Each generated departure carries its provenance (:func:`service_plan`), so reports can say per line what
was sourced and what was assumed. The run times between stops come from the run-time model
(:mod:`cztmap.network.runtime`), applied in :func:`cztmap.network.timetable.embedded_tables`.

Examples
--------
>>> import datetime as dt
>>> day_type(dt.date(2026, 12, 1)), day_type(dt.date(2026, 12, 5))
('weekday', 'weekend')
>>> deps = departures(6 * 3600 + 1800, 8 * 3600, peak_min=5, offpeak_min=10, windows=[(7 * 3600, 9 * 3600)])
>>> [f"{d // 3600:02d}:{d % 3600 // 60:02d}" for d in deps[:4]], len(deps)
(['06:30', '06:40', '06:50', '07:00'], 16)
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cztmap._paths import sources_dir
from cztmap.errors import DataError, UsageError
from cztmap.params import DEFAULTS, Params

__all__ = ["DAY_TYPES", "ServicePlan", "day_type", "departures", "service_plan"]

#: Service-day types with their own timetables where sources differ.
DAY_TYPES = ("weekday", "weekend")


def _clock(text: str, where: str) -> int:
    h, m = str(text).strip().split(":")
    v = int(h) * 3600 + int(m) * 60
    if not 0 <= v < 48 * 3600:
        raise DataError(f"{where}: {text!r} is not a clock time HH:MM.")
    return v


def day_type(date: dt.date | None) -> str:
    """``weekday`` (Mon–Fri) or ``weekend`` (Sat–Sun); public holidays are not modelled.

    Examples
    --------
    >>> day_type(dt.date(2026, 12, 6))
    'weekend'
    """
    if date is None:
        return "weekday"
    return "weekend" if date.weekday() >= 5 else "weekday"


@functools.lru_cache(maxsize=4)
def _read(name: str) -> tuple[dict[str, str], ...]:
    path = sources_dir() / name
    try:
        with open(path, encoding="utf-8", newline="") as f:
            return tuple(dict(r) for r in csv.DictReader(f))
    except OSError as e:
        raise DataError(f"Cannot read {path}: {e.strerror}; reinstall cztmap or restore the file.") from None


def departures(
    first_s: int,
    last_s: int,
    *,
    peak_min: float,
    offpeak_min: float,
    windows: Sequence[tuple[int, int]] = (),
    last_runs: bool = True,
) -> list[int]:
    """Departure times from a terminus: ``first_s``, then every headway of the current period, to ``last_s``.

    The headway is ``peak_min`` while the previous train left inside one of ``windows`` (``[start, end)``
    in seconds) and ``offpeak_min`` otherwise (GTFS ``frequencies.txt`` with ``exact_times=1``). With
    ``last_runs`` (a sourced last train) a train also leaves at ``last_s`` even if the gap before it is shorter.

    Examples
    --------
    >>> departures(0, 1200, peak_min=10, offpeak_min=10)
    [0, 600, 1200]
    """
    if peak_min <= 0 or offpeak_min <= 0:
        raise DataError(f"Headways must be > 0 minutes, not {peak_min}/{offpeak_min}.")
    out = []
    t = float(first_s)
    while t <= last_s + 1e-9:
        out.append(round(t))
        peak = any(a <= t < b for a, b in windows)
        t += 60 * (peak_min if peak else offpeak_min)
    if last_runs and out and out[-1] < last_s:
        out.append(int(last_s))  # the sourced last train runs, even if the gap before it is shorter
    return out


@dataclass(frozen=True)
class ServicePlan:
    """How the trips of one service in one direction are generated, with the source of every figure."""

    service_id: str
    from_station_zh: str
    first_s: int
    last_s: int
    peak_min: float
    offpeak_min: float
    windows: tuple[tuple[int, int], ...]
    offset_s: int
    hours_source: str
    headway_source: str
    last_sourced: bool = False

    def departures(self) -> list[int]:
        """Departure times (s) from the terminus (none for a service without trains of its own)."""
        if self.peak_min <= 0:
            return []
        return [
            t + self.offset_s
            for t in departures(
                self.first_s,
                self.last_s,
                peak_min=self.peak_min,
                offpeak_min=self.offpeak_min,
                windows=self.windows,
                last_runs=self.last_sourced,
            )
            if t + self.offset_s <= self.last_s
        ]

    def describe(self) -> str:
        """One line for reports: ``generated from headways …``."""
        fmt = "{:02d}:{:02d}".format
        return (
            f"{self.service_id} from {self.from_station_zh}: generated from headways "
            f"(peak {self.peak_min:g} / off-peak {self.offpeak_min:g} min, {self.headway_source}), "
            f"first {fmt(self.first_s // 3600, self.first_s % 3600 // 60)} last "
            f"{fmt(self.last_s // 3600, self.last_s % 3600 // 60)} ({self.hours_source})"
        )


def service_plan(
    service_id: str,
    mode: str,
    from_station_zh: str,
    *,
    day: str = "weekday",
    headway_peak_min: float | None = None,
    headway_offpeak_min: float | None = None,
    params: Params = DEFAULTS,
) -> ServicePlan:
    """The generation plan of one service leaving one terminus on a day type.

    Parameters
    ----------
    service_id : str
        A service of :mod:`cztmap.data.services` (``L1``, ``L3`` with the West Ring, ``CZT-Z`` …).
    mode : str
        Its mode (for defaults).
    from_station_zh : str
        The terminus the trains leave from (direction-specific hours where sourced).
    day : {"weekday", "weekend"}
    headway_peak_min, headway_offpeak_min : float, optional
        The line's published headways (``lines.geojson``); defaults from ``params`` where missing.
    params : Params

    Returns
    -------
    ServicePlan

    Examples
    --------
    >>> p = service_plan("S2", "maglev", "磁浮机场", headway_peak_min=10)
    >>> p.last_s // 60, p.hours_source.split(":")[0]
    (1350, 'sourced')
    """
    if day not in DAY_TYPES:
        raise UsageError(f"Unknown day type {day!r}; use one of {', '.join(DAY_TYPES)}.")
    hours = [r for r in _read("service_hours.csv") if r["service_id"] == service_id and r["day"] in ("all", day)]
    specific = [r for r in hours if r["from_station_zh"] == from_station_zh]
    rows = specific or [r for r in hours if not r["from_station_zh"]]
    row = rows[0] if rows else None
    if row is not None:
        first = _clock(row["first"], "service_hours.csv first")
        last = _clock(row["last"], "service_hours.csv last")
        hsrc = f"{row['confidence']}: {row['source']}"
    else:
        a, b = params.default_service_hours[mode]
        first, last = _clock(a, "default_service_hours"), _clock(b, "default_service_hours")
        hsrc = "assumption: Params.default_service_hours"
    hw = [r for r in _read("service_headways.csv") if r["service_id"] == service_id and r["day"] in ("all", day)]
    if hw and not str(hw[0]["headway_min"]).strip():  # a service with no trains of its own
        return ServicePlan(service_id, from_station_zh, first, last, 0.0, 0.0, (), 0, hsrc, hw[0]["note"])
    if hw:
        peak = off = float(hw[0]["headway_min"])
        wsrc = f"{hw[0]['confidence']}: {hw[0]['source']}"
    else:
        peak, s1 = params.headway_min(mode, "peak", headway_peak_min, headway_offpeak_min)
        off, s2 = params.headway_min(mode, "offpeak", headway_peak_min, headway_offpeak_min)
        wsrc = f"peak {s1}, off-peak {s2} (lines.geojson / Params.default_headway_min)"
    peak_ok = day == "weekday" or params.weekend_peak
    windows = (
        tuple((_clock(a, "peak_windows"), _clock(b, "peak_windows")) for a, b in params.peak_windows) if peak_ok else ()
    )
    offset = 0
    if service_id == "CZT-X":  # branch trains interleave with CZT-Z's on the trunk (2021: 11 min combined)
        offset = round(30 * off)
    return ServicePlan(
        service_id, from_station_zh, first, last, peak, off, windows, offset, hsrc, wsrc, last_sourced=row is not None
    )


def sources_note() -> list[dict[str, Any]]:
    """The sourced rows of ``service_hours.csv`` and ``service_headways.csv`` (for reports)."""
    return [dict(r) for r in _read("service_hours.csv")] + [dict(r) for r in _read("service_headways.csv")]
