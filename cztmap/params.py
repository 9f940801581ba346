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
from dataclasses import dataclass, field
from typing import Any

from cztmap.errors import UsageError

__all__ = ["DEFAULTS", "SOURCES", "Params"]


@dataclass(frozen=True)
class Params:
    """Parameters of the run-time, waiting, transfer, road and access models.

    Attributes are documented in :data:`SOURCES` (value, unit, source or rationale).
    """

    # --- run-time model (rail) ---------------------------------------------------------------
    accel_mps2: dict[str, float] = field(
        default_factory=lambda: {"metro": 0.8, "maglev": 0.8, "intercity": 0.6, "hsr": 0.4, "rail": 0.3, "art": 0.8}
    )
    decel_mps2: dict[str, float] = field(
        default_factory=lambda: {"metro": 0.8, "maglev": 0.8, "intercity": 0.6, "hsr": 0.4, "rail": 0.3, "art": 0.8}
    )
    cruise_fraction: dict[str, float] = field(
        default_factory=lambda: {
            "metro": 0.57,
            "maglev": 0.72,
            "intercity": 0.67,
            "hsr": 0.41,
            "rail": 0.8,
            "art": 0.57,
        }
    )
    dwell_s: dict[str, float] = field(
        default_factory=lambda: {
            "metro": 30.0,
            "maglev": 40.0,
            "intercity": 60.0,
            "hsr": 120.0,
            "rail": 240.0,
            "art": 30.0,
        }
    )
    default_speed_kmh: dict[str, float] = field(
        default_factory=lambda: {
            "metro": 80.0,
            "maglev": 100.0,
            "intercity": 160.0,
            "hsr": 300.0,
            "rail": 120.0,
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
        default_factory=lambda: {"expressway": 100.0, "arterial": 50.0, "national": 60.0}
    )
    road_congestion_factor: dict[str, float] = field(default_factory=lambda: {"peak": 0.7, "offpeak": 0.9})
    # --- access / egress between places and the network ------------------------------------
    access_speed_kmh: float = 20.0
    access_detour: float = 1.3
    access_max_m: float = 6000.0
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
        """Return a copy with some parameters changed; unknown names raise :class:`UsageError`."""
        names = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - names)
        if unknown:
            raise UsageError(
                f"Unknown model parameter(s) {', '.join(unknown)}; known parameters are {', '.join(sorted(names))}."
            )
        return dataclasses.replace(self, **changes)

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
    "accel_mps2": "m/s²; typical service acceleration of B/A-type metro cars (0.8–1.0); CRH6F and HSR lower; "
    "conventional locomotive-hauled trains (rail) 0.3 (assumption). "
    "Calibrated jointly with cruise_fraction on Line 1 and Line 2 end-to-end times (see runtime.calibrate).",
    "decel_mps2": "m/s²; service braking, same reasoning as accel_mps2.",
    "cruise_fraction": "share of the line's maximum speed held between stations. metro 0.57: least-squares fit "
    "(runtime.calibrate) to Line 1 (41–45 min) and Line 2 (50–55 min) end-to-end times; maglev 0.72 "
    "(assumption, checked against the held-out 65 km/h average speed: −1 %); intercity 0.67: least-squares fit "
    "(runtime.calibrate_rail) to the all-stop CZT times 长沙–株洲南 and 长沙–湘潭 of about 50 min (rednet 2017-01-24), "
    "validated on the held-out express times of about 35 min (+4 % and −14 %); HSR 0.41: fitted to the only "
    "published time found, 长沙南–湘潭北 14 min on a 2014 trial run (huaihuashizx), no held-out fact — it stands for "
    "the slow throats at 长沙南 rather than a cruise speed; conventional rail 0.8 (assumption; checked against the "
    "held-out K9233 长沙→醴陵 88 min, rail_lines.csv RAIL-LC); ART as metro.",
    "dwell_s": "s per intermediate stop; metro 30 s (assumption, typical), maglev 40 s at 榔梨 (travelchinaguide, "
    "rail_lines.csv S2 note), intercity 60 s, HSR 120 s and conventional rail 240 s (assumptions; K/T trains "
    "stop a few minutes at county stations).",
    "default_speed_kmh": "km/h maximum where a line publishes none: metro 80 (all Changsha lines that publish one "
    "run at 80), maglev 100 (at opening), intercity 160 (CZT initial limit, Railway Gazette), HSR 300 (assumption "
    "below the 350 design speed because of station approaches), conventional rail 120 (assumption: the usual limit "
    "of K/T-class trains), ART 70 (assumption).",
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
    "road_speed_kmh": "km/h free-flow speed by road class where roads.csv gives none: expressway 100 "
    "(Chinese expressways post 100–120), arterial 50, national road 60 (assumptions).",
    "road_congestion_factor": "speed multiplier by period (assumption: 0.7 peak, 0.9 off-peak).",
    "access_speed_kmh": "km/h door-to-station speed for places away from stations (feeder bus/taxi mix; assumption).",
    "access_detour": "street distance ÷ straight distance for access links (assumption 1.3).",
    "access_max_m": "m; a place connects to every station within this straight distance, to the nearest station "
    "of each line with none within it (flagged long_access), and to its access_k nearest road nodes within it "
    "(assumption).",
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
    "access_k": "road nodes linked per place; a place with none within access_max_m links to its access_k nearest "
    "road nodes, flagged long_access (assumption).",
}
