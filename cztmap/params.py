"""Every number the travel-time model uses, in one place, with its source or rationale.

Users override any of them with :meth:`Params.replace` (unknown names are refused)::

    >>> from cztmap.params import DEFAULTS
    >>> p = DEFAULTS.replace(walk_speed_mps=1.0)
    >>> p.walk_speed_mps
    1.0

Sources are quoted in :data:`SOURCES`; "assumption" marks a value chosen by the developers where no
published figure exists (listed in README, "Model parameters").
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import re
from dataclasses import dataclass, field
from typing import Any

from cztmap.errors import UsageError

__all__ = ["DEFAULTS", "RANGES", "SOURCES", "Params"]

#: Physical range of every numeric parameter: (low, high, unit, low_open). A value must be a finite real
#: number (not bool) with low < value (low_open) or low <= value, and value <= high. Dictionary
#: parameters apply the range to each value; ``default_headway_min`` to both numbers of each pair. Clock
#: parameters (``peak_windows``, ``default_service_hours``) must be HH:MM pairs that start before they end,
#: switches (``weekend_peak``) True or False.
RANGES: dict[str, tuple[float, float, str, bool]] = {
    "accel_mps2": (0.05, 3.0, "m/s²", False),
    "decel_mps2": (0.05, 3.0, "m/s²", False),
    "cruise_fraction": (0.0, 1.0, "", True),
    "dwell_s": (0.0, 1800.0, "s", False),
    "default_speed_kmh": (5.0, 650.0, "km/h", False),
    "default_headway_min": (0.0, 1440.0, "min", True),
    "wait_fraction": (0.0, 1.0, "", False),
    "platform_walk_s": (0.0, 3600.0, "s", False),
    "station_overhead_s": (0.0, 7200.0, "s", False),
    "alight_walk_s": (0.0, 3600.0, "s", False),
    "walk_speed_mps": (0.2, 3.0, "m/s", True),
    "walk_detour": (1.0, 5.0, "", False),
    "walk_link_max_m": (0.0, 5000.0, "m", False),
    "road_speed_kmh": (1.0, 200.0, "km/h", False),
    "road_congestion_factor": (0.0, 2.0, "", True),
    "access_speed_kmh": (1.0, 200.0, "km/h", False),
    "access_detour": (1.0, 5.0, "", False),
    "access_max_m": (0.0, 100000.0, "m", True),
    "access_k": (1.0, 50.0, "", False),
    "min_change_s": (0.0, 3600.0, "s", False),
    "road_node_spacing_m": (100.0, 50000.0, "m", False),
    "mesh_lattice_m": (500.0, 50000.0, "m", False),
    "mesh_max_edge_m": (500.0, 100000.0, "m", False),
    "local_detour": (1.0, 5.0, "", False),
    "corridor_detour": (1.0, 5.0, "", False),
    "car_terminal_s": (0.0, 3600.0, "s", False),
    "forecourt_walk_s": (0.0, 3600.0, "s", False),
    "feeder_speed_kmh": (1.0, 200.0, "km/h", False),
    "feeder_headway_min": (1.0, 1440.0, "min", False),
    "feeder_headway_station_min": (1.0, 1440.0, "min", False),
    "feeder_max_min": (1.0, 600.0, "min", False),
    "walk_access_max_m": (0.0, 10000.0, "m", False),
}
#: What the keys of a dictionary parameter are (for messages).
_KEY_WORD = {"road_speed_kmh": "road class", "road_congestion_factor": "period"}
#: Parameters that must be whole numbers.
_INTEGER = frozenset({"access_k"})


def _range_text(name: str) -> str:
    lo, hi, unit, open_ = RANGES.get(name, (0.0, math.inf, "", False))
    return f"{'(' if open_ else '['}{lo:g}, {hi:g}]" + (f" {unit}" if unit else "")


def _check_number(name: str, value: Any, where: str) -> None:
    label = f"Model parameter {name}{where} = {value!r}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise UsageError(f"{label} is not a number; give a number in {_range_text(name)}.")
    v = float(value)
    if not math.isfinite(v):
        raise UsageError(f"{label} is not a finite number; give a number in {_range_text(name)}.")
    if name in _INTEGER and v != int(v):
        raise UsageError(f"{label} is not a whole number; give an integer in {_range_text(name)}.")
    lo, hi, _unit, open_ = RANGES.get(name, (0.0, math.inf, "", False))
    if v < lo or (open_ and v == lo) or v > hi:
        raise UsageError(f"{label} is outside its physical range; give a number in {_range_text(name)}.")


_CLOCK = re.compile(r"([0-4]?\d):([0-5]\d)")


def _check_clock(name: str, value: Any, where: str) -> int:
    m = _CLOCK.fullmatch(value) if isinstance(value, str) else None
    if m is None or int(m.group(1)) >= 48:
        raise UsageError(
            f"Model parameter {name}{where} = {value!r} is not a clock time; write HH:MM (00:00 to 47:59, "
            "hours past 24 for after midnight)."
        )
    return int(m.group(1)) * 60 + int(m.group(2))


def _check_sequence(name: str, value: Any, default: Any, where: str) -> None:
    if not isinstance(value, tuple | list):
        raise UsageError(f"Model parameter {name}{where} = {value!r} must be a tuple like {default!r}.")
    if default and isinstance(default[0], tuple | list):  # a list of pairs, any length
        for i, v in enumerate(value):
            _check_value(name, v, default[0], f"{where}[{i}]")
        return
    if len(value) != len(default):
        raise UsageError(f"Model parameter {name}{where} = {value!r} must have {len(default)} values.")
    for i, (v, d) in enumerate(zip(value, default, strict=True)):
        _check_value(name, v, d, f"{where}[{i}]")
    if len(value) == 2 and all(isinstance(d, str) for d in default):
        a, b = (_check_clock(name, v, where) for v in value)
        if a >= b:
            raise UsageError(f"Model parameter {name}{where} = {value!r} must start before it ends.")


def _check_value(name: str, value: Any, default: Any, where: str = "") -> None:
    """Check ``value`` against the shape of the parameter's default (bool, number, clock, dict, tuple)."""
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise UsageError(f"Model parameter {name}{where} = {value!r} must be True or False.")
    elif isinstance(default, dict) and not default:  # optional overrides (e.g. per-station headways): numbers
        if not isinstance(value, dict):
            raise UsageError(f"Model parameter {name}{where} = {value!r} must be a dict of numbers.")
        for k, v in value.items():
            _check_number(name, v, f"{where}[{k!r}]")
    elif isinstance(default, dict):
        if not isinstance(value, dict) or not value:
            raise UsageError(f"Model parameter {name}{where} = {value!r} must be a non-empty dict like its default.")
        sample = next(iter(default.values()))
        for k, v in value.items():
            _check_value(name, v, default.get(k, sample), f"{where}[{k!r}]")
    elif isinstance(default, tuple | list):
        _check_sequence(name, value, default, where)
    elif isinstance(default, str):
        if _CLOCK.fullmatch(default):
            _check_clock(name, value, where)
        elif not isinstance(value, str):
            raise UsageError(f"Model parameter {name}{where} = {value!r} must be text.")
    else:
        _check_number(name, value, where)


def _default_of(f: dataclasses.Field[Any]) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    return f.default_factory()  # type: ignore[operator]


@dataclass(frozen=True)
class Params:
    """Parameters of the run-time, waiting, transfer, road and access models.

    Attributes are documented in :data:`SOURCES` (value, unit, source or rationale).
    """

    # --- run-time model (rail) ---------------------------------------------------------------
    accel_mps2: dict[str, float] = field(
        default_factory=lambda: {"metro": 0.8, "maglev": 0.8, "intercity": 0.6, "hsr": 0.2, "rail": 0.3, "art": 0.8}
    )
    decel_mps2: dict[str, float] = field(
        default_factory=lambda: {"metro": 0.8, "maglev": 0.8, "intercity": 0.6, "hsr": 0.2, "rail": 0.3, "art": 0.8}
    )
    cruise_fraction: dict[str, float] = field(
        default_factory=lambda: {
            "metro": 0.57,
            "maglev": 0.72,
            "intercity": 0.67,
            "hsr": 0.84,
            "rail": 0.78,
            "art": 0.57,
        }
    )
    dwell_s: dict[str, float] = field(
        default_factory=lambda: {
            "metro": 30.0,
            "maglev": 40.0,
            "intercity": 60.0,
            "hsr": 120.0,
            "rail": 360.0,
            "art": 30.0,
        }
    )
    default_speed_kmh: dict[str, float] = field(
        default_factory=lambda: {
            "metro": 80.0,
            "maglev": 100.0,
            "intercity": 160.0,
            "hsr": 170.0,
            "rail": 85.0,
            "art": 70.0,
        }
    )
    # --- waiting ------------------------------------------------------------------------------
    default_headway_min: dict[str, tuple[float, float]] = field(
        default_factory=lambda: {
            "metro": (8.0, 9.0),
            "maglev": (10.0, 10.0),
            "intercity": (22.0, 22.0),
            "hsr": (30.0, 30.0),
            "rail": (60.0, 60.0),
            "art": (10.0, 10.0),
        }
    )
    wait_fraction: float = 0.5
    # --- stations and transfers ---------------------------------------------------------------
    platform_walk_s: float = 120.0
    station_overhead_s: dict[str, float] = field(
        default_factory=lambda: {
            "metro": 0.0,
            "maglev": 0.0,
            "intercity": 300.0,
            "hsr": 600.0,
            "rail": 600.0,
            "art": 0.0,
        }
    )
    alight_walk_s: float = 60.0
    walk_speed_mps: float = 1.2
    walk_detour: float = 1.3
    walk_link_max_m: float = 600.0
    # --- roads ----------------------------------------------------------------------------------
    road_speed_kmh: dict[str, float] = field(
        default_factory=lambda: {"expressway": 100.0, "arterial": 50.0, "national": 60.0, "local": 30.0, "rural": 45.0}
    )
    road_congestion_factor: dict[str, float] = field(default_factory=lambda: {"peak": 0.78, "offpeak": 1.0})
    road_node_spacing_m: float = 2000.0
    mesh_lattice_m: float = 6000.0
    mesh_max_edge_m: float = 12000.0
    local_detour: float = 1.3
    corridor_detour: float = 1.15
    car_terminal_s: float = 60.0
    forecourt_walk_s: float = 120.0
    # --- feeder buses ---------------------------------------------------------------------------
    feeder_speed_kmh: dict[str, float] = field(
        default_factory=lambda: {"motorway": 60.0, "trunk": 30.0, "primary": 25.0, "local": 18.0}
    )
    feeder_headway_min: dict[str, float] = field(
        default_factory=lambda: {
            "metro": 10.0,
            "maglev": 15.0,
            "art": 10.0,
            "intercity": 15.0,
            "hsr": 15.0,
            "rail": 20.0,
        }
    )
    feeder_headway_station_min: dict[str, float] = field(default_factory=dict)
    feeder_max_min: float = 30.0
    # --- access / egress between places and the network ------------------------------------
    access_speed_kmh: float = 20.0
    access_detour: float = 1.3
    access_max_m: float = 10000.0
    walk_access_max_m: float = 1500.0
    access_k: int = 3
    # --- timetables (see cztmap.data.timetables) ----------------------------------------------
    peak_windows: tuple[tuple[str, str], ...] = (("07:00", "09:00"), ("17:00", "19:00"))
    weekend_peak: bool = False
    default_service_hours: dict[str, tuple[str, str]] = field(
        default_factory=lambda: {
            "metro": ("06:30", "23:00"),
            "maglev": ("07:00", "22:00"),
            "intercity": ("07:00", "22:00"),
            "hsr": ("07:00", "22:00"),
            "rail": ("07:00", "22:00"),
            "art": ("07:00", "21:00"),
        }
    )
    min_change_s: float = 0.0

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            _check_value(f.name, getattr(self, f.name), _default_of(f))

    def __repr__(self) -> str:
        """``DEFAULTS`` for the default parameters, else only the parameters that differ (short signatures)."""
        default = Params()
        changed = [
            (f.name, getattr(self, f.name))
            for f in dataclasses.fields(self)
            if getattr(self, f.name) != getattr(default, f.name)
        ]
        if not changed:
            return "DEFAULTS"
        return "Params(" + ", ".join(f"{k}={v!r}" for k, v in changed) + ")"

    def replace(self, **changes: Any) -> Params:
        """Return a copy with some parameters changed.

        A dictionary parameter (per mode, class or period) may be given in part: the keys given
        replace those values, the others are kept (``replace(dwell_s={"metro": 20})``). Every value
        is checked against :data:`RANGES`.

        Raises
        ------
        UsageError
            An unknown name, an unknown key of a dictionary parameter, or a value that is not a
            finite number within the parameter's physical range (NaN, zero or negative speeds, ...).

        Examples
        --------
        >>> DEFAULTS.replace(dwell_s={"metro": 20.0}).dwell_s["hsr"]
        120.0
        >>> DEFAULTS.replace(walk_speed_mps=float("nan"))
        Traceback (most recent call last):
        ...
        cztmap.errors.UsageError: Model parameter walk_speed_mps = nan is not a finite number; give a number in (0.2, 3] m/s.
        """
        names = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - names)
        if unknown:
            raise UsageError(
                f"Unknown model parameter(s) {', '.join(unknown)}; known parameters are {', '.join(sorted(names))}."
            )
        merged: dict[str, Any] = {}
        for name, value in changes.items():
            current = getattr(self, name)
            default = _default_of(next(f for f in dataclasses.fields(self) if f.name == name))
            if isinstance(current, dict) and not default:  # open tables of overrides: any key, merged
                if not isinstance(value, dict):
                    raise UsageError(f"Model parameter {name} takes a dict such as {{'station_id': 6.0}}.")
                value = {**current, **value}
            elif isinstance(current, dict):
                if not isinstance(value, dict):
                    raise UsageError(
                        f"Model parameter {name} is a table by {_KEY_WORD.get(name, 'key')} "
                        f"({', '.join(current)}); give a dict such as {{{next(iter(current))!r}: ...}}."
                    )
                extra = sorted(set(map(str, value)) - set(current))
                if extra:
                    raise UsageError(
                        f"Model parameter {name} has no key {extra[0]!r}; its keys are {', '.join(current)}."
                    )
                value = {**current, **value}
            merged[name] = value
        return dataclasses.replace(self, **merged)

    def feeder_headway(self, station_id: str, mode: str | None) -> float:
        """Feeder-bus headway (minutes) at a station: its own entry, else the default of its main mode.

        Examples
        --------
        >>> DEFAULTS.replace(feeder_headway_station_min={"zhuzhou": 6.0}).feeder_headway("zhuzhou", "hsr")
        6.0
        >>> DEFAULTS.feeder_headway("anything", "hsr")
        15.0
        """
        if station_id in self.feeder_headway_station_min:
            return float(self.feeder_headway_station_min[station_id])
        return float(self.feeder_headway_min.get(mode or "", max(self.feeder_headway_min.values())))

    def headway_min(self, mode: str, period: str, peak: float | None, offpeak: float | None) -> tuple[float, str]:
        """Headway in minutes for a line, and where it came from (``published`` or ``default``)."""
        if period == "peak" and peak == peak and peak is not None:
            return float(peak), "published"
        if period == "offpeak":
            if offpeak == offpeak and offpeak is not None:
                return float(offpeak), "published"
            if peak == peak and peak is not None:
                # a published peak figure with no off-peak one: scale by the default off-peak/peak ratio
                dp, do = self.default_headway_min[mode]
                return float(peak) * do / dp, "published peak scaled by default off-peak/peak ratio"
        dp, do = self.default_headway_min[mode]
        return (dp if period == "peak" else do), "default"


DEFAULTS = Params()

#: Source or rationale of every parameter (shown by ``cztmap params`` and in README).
SOURCES: dict[str, str] = {
    "accel_mps2": "m/s²; typical service acceleration of B/A-type metro cars (0.8–1.0); CZT CRH6F 0.6 "
    "(assumption); HSR 0.2 = least-squares fit (runtime.calibrate_rail, with cruise_fraction and default_speed_kmh) "
    "to the three HSR calibration facts of data/sources/rail_run_times.csv — an effective mean rate over the run, "
    "below the EMUs' starting acceleration because it also absorbs the slow station throats and the timetable "
    "allowances; conventional locomotive-hauled trains (rail) 0.3 (assumption).",
    "decel_mps2": "m/s²; service braking, same reasoning as accel_mps2 (HSR: fitted together with accel_mps2, "
    "one rate for both).",
    "cruise_fraction": "share of the line's maximum speed held between stations. metro 0.57: least-squares fit "
    "(runtime.calibrate) to Line 1 (41–45 min) and Line 2 (50–55 min) end-to-end times; maglev 0.72 "
    "(assumption, checked against the held-out 65 km/h average speed: −1 %); intercity 0.67: least-squares fit "
    "(runtime.calibrate_rail) to the all-stop CZT times 长沙–株洲南 and 长沙–湘潭 of about 50 min (rednet 2017-01-24), "
    "validated on the held-out express times of about 35 min (+4 % and −15 %); HSR 0.84 and conventional rail "
    "0.78: least-squares fits (runtime.calibrate_rail) to the calibration facts of data/sources/rail_run_times.csv "
    "— one outbound run from the Changsha hub per line (HSR 长沙南→株洲西 15, →湘潭北 14 min on the 2021-01 "
    "boards of github:thaddywu/RailwayVIS, →醴陵东 24 min on opening day 2014; rail 长沙→株洲 35–38, 株洲→湘潭 "
    "25–26 min); the reverse directions and other dates are held out (`cztmap calibrate` prints both); ART as metro.",
    "dwell_s": "s per intermediate stop; metro 30 s (assumption, typical), maglev 40 s at 榔梨 (travelchinaguide, "
    "rail_lines.csv S2 note), intercity 60 s (assumption), HSR 120 s (the 2-min stop of 82 of the 96 trains calling "
    "at 株洲西 and 61 of 69 at 湘潭北 on the 2021-01 boards of github:thaddywu/RailwayVIS@6721846) and conventional "
    "rail 360 s (median stop of the 104 K/T/Z trains calling at 株洲 and 湘潭 on the same boards; quartiles 6 and 9 "
    "min).",
    "default_speed_kmh": "km/h maximum where a line publishes none: metro 80 (all Changsha lines that publish one "
    "run at 80), maglev 100 (at opening), intercity 160 (CZT initial limit, Railway Gazette), ART 70 (assumption). "
    "HSR 170 and conventional rail 85 are fitted (runtime.calibrate_rail) — in the dataset only HSR-HK and RAIL-HK "
    "publish no speed, so these are their effective speeds from 长沙南→湘潭北 14 min and 株洲→湘潭 25–26 min: HSR-HK "
    "leaves 长沙南 through its slow western throat, RAIL-HK's length is an estimate (straight × 1.1) whose error the "
    "speed absorbs. A new line without a published speed gets them too: give it its speed.",
    "default_headway_min": "(peak, off-peak) minutes where no headway is published: metro 8/9 from the 2019 "
    "network 'production base' (docslib, rail_facts.md §2); maglev 10 (hkcd 2021); intercity branch 22 (2021 "
    "timetable, tus8); HSR 30 (assumption; no published figure); conventional rail 60 (assumption: about 16 "
    "stopping trains a day each way); ART 10 (assumption). County lines with a sourced trains-per-day count carry "
    "their own headway in rail_lines.csv.",
    "wait_fraction": "expected wait = this × headway (random arrivals, regular service).",
    "platform_walk_s": "s from street/concourse to platform, charged on every boarding (assumption).",
    "station_overhead_s": "s extra on boarding China Railway trains: security screening and ticket gates that close "
    "before departure (assumption: HSR and conventional rail 10 min, CZT intercity 5 min; metro security is inside "
    "platform_walk_s).",
    "alight_walk_s": "s from the platform to the concourse/street when alighting (assumption); a change of line therefore costs alight_walk_s + platform_walk_s (3 min) plus the new wait.",
    "walk_speed_mps": "m/s pedestrian speed (1.2 m/s, the common planning value, e.g. HCM).",
    "walk_detour": "street-network distance ÷ straight distance for walking links (assumption 1.3).",
    "walk_link_max_m": "m; separate stations closer than this get a walking transfer link (assumption).",
    "road_speed_kmh": "km/h free-flow speed by road class where roads.csv gives no design speed: expressway 100 "
    "(Chinese expressways post 100–120; the corridors that publish one use it: 120 长株高速, 80 快速化 connector "
    "roads, 60 主干路), arterial 50, national road 60, local 30 for the schematic street mesh (assumptions, "
    "checked against the drive-time facts of data/sources/drive_times.csv).",
    "road_congestion_factor": "speed multiplier by period: off-peak 1.0 fitted (network.drive_times.calibrate_roads, "
    "grid search) to the 4 calibration facts of data/sources/drive_times.csv (all inside their published ranges; "
    "5 held-out validation facts reported by `cztmap calibrate`); peak 0.78 keeps the earlier assumed "
    "peak/off-peak ratio 0.7/0.9 (no published peak drive time was found).",
    "road_node_spacing_m": "m; corridor polylines get a road node at least this often (places join the road there).",
    "mesh_lattice_m": "m; spacing of the lattice of model points of the local street mesh (not features: they stand "
    "for the village roads and streets no source gives; 0 switches the lattice off).",
    "mesh_max_edge_m": "m; longest local-street mesh edge kept (plus the spanning tree that keeps the mesh connected).",
    "local_detour": "street distance ÷ straight distance on the local street mesh and on place/station links to it "
    "(assumption 1.3, as access_detour).",
    "corridor_detour": "road length ÷ schematic polyline length of a corridor without a usable published length "
    "(assumption 1.15: expressways between towns are close to straight).",
    "car_terminal_s": "s at each end of a car trip from a place (to and from the parked car; assumption).",
    "forecourt_walk_s": "s between a station's entrance and its forecourt (drop-off or feeder stop; assumption).",
    "feeder_speed_kmh": "km/h feeder-bus speed by OSM highway class including stops (assumption: urban bus operating "
    "speeds of 15–25 km/h; coaches on expressways 60).",
    "feeder_headway_min": "minutes between feeder buses at a station, by its main mode (assumption: no per-station "
    "figure was found; HSR/CZT 15, conventional rail 20, metro 10 = the city bus network).",
    "feeder_headway_station_min": "per-station feeder headways (station_id → minutes) overriding feeder_headway_min; "
    "a scenario adds or densifies feeders here.",
    "feeder_max_min": "minutes; a place gets a feeder edge to every station it reaches within this (link to the "
    "stop, ride, forecourt; assumption: feeders serve a station's catchment), plus a fixed estimate of its ride to "
    "the nearest station; beyond that a 'county coach' (flagged long_feeder) to each station that was its nearest "
    "open one on some day up to the graph's date (cztmap.network.roads).",
    "access_speed_kmh": "km/h for the short link between a place and its nearest feeder stop beyond walking "
    "distance (local bus/e-bike/taxi mix; assumption).",
    "access_detour": "street distance ÷ straight distance for access links (assumption 1.3).",
    "access_max_m": "m; place links longer than this are flagged long_access (none exists in the default "
    "analyses: tests/analysis).",
    "walk_access_max_m": "m; a place walks to every station and feeder stop within this straight distance "
    "(assumption: 1.5 km ≈ 20 min at walk_speed_mps × walk_detour).",
    "access_k": "road nodes (feeder stops, car access) linked per place (assumption).",
    "peak_windows": "clock windows in which a line runs at its peak headway on weekdays (assumption: 07:00–09:00 "
    "and 17:00–19:00, the usual commuter peaks; the only published Changsha plan with periods is a holiday plan). "
    "Outside them the off-peak headway applies.",
    "weekend_peak": "whether weekends have peaks (assumption: no; weekends run the off-peak headway all day, "
    "as no weekend timetable was found).",
    "default_service_hours": "(first, last) departure from each terminus where data/sources/service_hours.csv has no "
    "row: metro 06:30–23:00 (the 2019 network-wide hours, enghunan.gov.cn), maglev 07:00–22:00 (S2's sourced "
    "hours), intercity 07:00–22:00 (cztshq 2017), HSR 07:00–22:00 (assumption inside the 长沙南 board of "
    "github:thaddywu/RailwayVIS stations/长沙南.csv@116194c, first departure 06:50, last 23:23, which does not say "
    "which trains call at 株洲西/湘潭北/韶山南), conventional rail 07:00–22:00 (assumption, as HSR; the once-a-day RAIL-LC has its sourced 长沙站 departure in service_hours.csv), ART 07:00–21:00 (assumption).",
    "min_change_s": "s between arriving by one vehicle and boarding another at the same stop (platform) in the "
    "timetable router; 0 because changing platform is already a transfer with alight_walk_s + platform_walk_s.",
}
