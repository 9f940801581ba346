"""The rail run-time model: accelerate, cruise, brake, dwell — and its calibration.

For a section of length ``L`` on a line with maximum speed ``v_max``, a train accelerates at ``a``
to the cruise speed ``v = cruise_fraction × v_max``, cruises, and brakes at ``b``::

    d_acc = v² / 2a,  d_brk = v² / 2b
    if L ≥ d_acc + d_brk:  t = v/a + v/b + (L − d_acc − d_brk) / v          (trapezoid)
    else:                  v_peak = √(2 L a b / (a + b)),  t = v_peak/a + v_peak/b   (triangle)

and then dwells ``dwell_s`` at the station it reaches. The in-vehicle time between two stations of
one line is the sum over the sections between them of (run time + dwell at the section's end).
``cruise_fraction`` captures everything that keeps trains below line speed (curves, approach
signalling, coasting); it is calibrated on the published end-to-end times in :data:`CALIBRATION_FACTS`
by :func:`calibrate`, which also reports the model's error on each fact.

Examples
--------
>>> round(run_time_s(1200, 80, "metro"), 1)
110.6
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from cztmap.params import DEFAULTS, Params

__all__ = [
    "CALIBRATION_FACTS",
    "RAIL_FACTS",
    "CalibrationFact",
    "RailFact",
    "calibrate",
    "calibrate_rail",
    "calibration_report",
    "rail_calibration_report",
    "run_time_s",
    "section_time_s",
]


def run_time_s(length_m: float, vmax_kmh: float, mode: str, params: Params = DEFAULTS) -> float:
    """Seconds in motion over ``length_m`` metres (no dwell), for a line of ``vmax_kmh``.

    Parameters
    ----------
    length_m : float
        Section length (m), > 0.
    vmax_kmh : float
        The line's maximum operating speed (km/h).
    mode : str
        ``metro``, ``maglev``, ``intercity``, ``hsr`` or ``art`` (selects accel/decel/cruise parameters).
    params : Params
        Model parameters.
    """
    a = params.accel_mps2[mode]
    b = params.decel_mps2[mode]
    v = params.cruise_fraction[mode] * vmax_kmh / 3.6
    d_acc, d_brk = v * v / (2 * a), v * v / (2 * b)
    if length_m >= d_acc + d_brk:
        return v / a + v / b + (length_m - d_acc - d_brk) / v
    vp = math.sqrt(2 * length_m * a * b / (a + b))
    return vp / a + vp / b


def section_time_s(length_m: float, vmax_kmh: float | None, mode: str, params: Params = DEFAULTS) -> float:
    """In-vehicle seconds for one section: run time plus the dwell at the station reached."""
    v = vmax_kmh if vmax_kmh and vmax_kmh == vmax_kmh else params.default_speed_kmh[mode]
    return run_time_s(length_m, v, mode, params) + params.dwell_s[mode]


@dataclass(frozen=True)
class CalibrationFact:
    """A published end-to-end time between two stations of one line."""

    line_id: str
    from_zh: str
    to_zh: str
    low_min: float
    high_min: float
    vmax_kmh: float | None
    used_for_fit: bool
    source: str

    @property
    def target_min(self) -> float:
        """Mid-point of the published range, minutes (what the fit aims at)."""
        return (self.low_min + self.high_min) / 2


#: Published facts (shared/data/sources/README.md "Calibration facts").
CALIBRATION_FACTS = (
    CalibrationFact(
        "L1",
        "开福区政府",
        "尚双塘",
        41,
        45,
        80,
        True,
        "rail_lines.csv L1 note: ~45 min at opening (gyxmad) / 41 min (Craig Moore 2019, docslib)",
    ),
    CalibrationFact(
        "L2", "光达", "梅溪湖西", 50, 55, None, True, "rail_lines.csv L2 note: 50–55 min (travelchinaguide)"
    ),
    CalibrationFact(
        "S2",
        "磁浮高铁",
        "磁浮机场",
        18.55 / 65 * 60,
        18.55 / 65 * 60,
        100,
        False,
        "rail_facts.md §3: average speed about 65 km/h quoted before opening, 18.55 km at 100 km/h "
        "(utahskigirl reprint of 潇湘晨报); held out of the fit",
    ),
    CalibrationFact(
        "HSR-HKE",
        "醴陵东站",
        "长沙南站",
        24,
        24,
        None,
        False,
        "sd.3158.cn 2014-09-17 (opening-day report): G636 长沙南 → 醴陵东 '24分钟'; held out of the fit",
    ),
    CalibrationFact(
        "RAIL-LC",
        "长沙站",
        "醴陵站",
        88,
        88,
        None,
        False,
        "潇湘晨报 2021-01-17: K9233 长沙 09:12 → 醴陵 10:40, stopping at 株洲; held out of the fit",
    ),
)


def _line_time_s(sections: Any, fact: CalibrationFact, params: Params) -> tuple[float, int]:
    """Model time (s) between the fact's stations along the open sections of its line."""
    import networkx as nx

    s = sections[sections["line_id"] == fact.line_id]
    g = nx.Graph()
    names: dict[str, str] = {}
    for r in s.itertuples(index=False):
        vmax = fact.vmax_kmh or (r.speed_kmh if r.speed_kmh == r.speed_kmh else None)
        t = section_time_s(r.length_m, vmax, r.mode, params)
        g.add_edge(r.from_station, r.to_station, t=t)
        names[r.from_name_zh] = r.from_station
        names[r.to_name_zh] = r.to_station
    path = nx.shortest_path(g, names[fact.from_zh], names[fact.to_zh], weight="t")
    total = sum(g[u][v]["t"] for u, v in itertools.pairwise(path))
    # the dwell at the last station is not part of a published end-to-end time
    mode = s["mode"].iloc[0]
    return total - params.dwell_s[mode], len(path) - 1


def calibration_report(params: Params = DEFAULTS, sections: Any = None) -> list[dict[str, Any]]:
    """Model time against every published fact: one dict per fact with the error in minutes and %.

    Examples
    --------
    >>> rows = calibration_report()
    >>> [r["line_id"] for r in rows]
    ['L1', 'L2', 'S2', 'HSR-HKE', 'RAIL-LC']
    """
    if sections is None:
        from cztmap.data.dataset import load_dataset

        sections = load_dataset().sections
        sections = sections[sections["closed"].isna()]
    out = []
    for f in CALIBRATION_FACTS:
        t, n = _line_time_s(sections, f, params)
        m = t / 60
        out.append(
            {
                "line_id": f.line_id,
                "from": f.from_zh,
                "to": f.to_zh,
                "sections": n,
                "published_min": f"{f.low_min:.1f}–{f.high_min:.1f}" if f.low_min != f.high_min else f"{f.low_min:.1f}",
                "model_min": round(m, 2),
                "error_min": round(m - f.target_min, 2),
                "error_pct": round(100 * (m - f.target_min) / f.target_min, 1),
                "inside_range": f.low_min - 1e-9 <= m <= f.high_min + 1e-9,
                "used_for_fit": f.used_for_fit,
                "source": f.source,
            }
        )
    return out


def calibrate(
    params: Params = DEFAULTS, sections: Any = None, *, grid: Any = None
) -> tuple[Params, list[dict[str, Any]]]:
    """Fit the metro ``cruise_fraction`` to the facts marked ``used_for_fit`` (least squares on mid-points).

    Returns the calibrated parameters and the report of :func:`calibration_report` under them.
    Acceleration, braking and dwell are held at their documented values: with two facts, fitting
    more than one parameter would only reproduce them.
    """
    if sections is None:
        from cztmap.data.dataset import load_dataset

        sections = load_dataset().sections
        sections = sections[sections["closed"].isna()]
    grid = np.round(np.arange(0.40, 1.0001, 0.01), 2) if grid is None else grid
    best, best_err = params, float("inf")
    for cf in grid:
        p = params.replace(cruise_fraction={**params.cruise_fraction, "metro": float(cf)})
        err = 0.0
        for f in CALIBRATION_FACTS:
            if f.used_for_fit:
                t, _ = _line_time_s(sections, f, p)
                err += (t / 60 - f.target_min) ** 2
        if err < best_err:
            best, best_err = p, err
    return best, calibration_report(best, sections)


# ---------------------------------------------------------------------------------------------
# China Railway services (CZT intercity, HSR): published run times, calibration and validation
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RailFact:
    """A published run time of a China Railway train between two stations, on the network of ``as_of``.

    ``stops`` lists the intermediate stations the train calls at (``None``: every station, all-stop).
    """

    mode: str
    lines: tuple[str, ...]
    from_zh: str
    to_zh: str
    stops: tuple[str, ...] | None
    low_min: float
    high_min: float
    as_of: str
    used_for_fit: bool
    source: str

    @property
    def target_min(self) -> float:
        """Mid-point of the published range, minutes (what the fit aims at)."""
        return (self.low_min + self.high_min) / 2


_REDNET_2017 = (
    "https://hn.rednet.cn/c/2017/01/24/976785.htm (三湘都市报 2017-01-24: 长沙往返湘潭/株洲南 most trains about 50 min; "
    "from 2017-01-26 four pairs of express trains, 长沙→湘潭 stopping only 板塘, 长沙→株洲南 only 大丰, "
    "'about 35 min')"
)

#: Published China Railway run times. Calibration facts (``used_for_fit``) and held-out validation facts are apart.
RAIL_FACTS = (
    RailFact("intercity", ("CZT", "CZT-Z"), "长沙", "株洲南", None, 48, 52, "2017-01-20", True, _REDNET_2017),
    RailFact("intercity", ("CZT", "CZT-X"), "长沙", "湘潭", None, 48, 52, "2017-01-20", True, _REDNET_2017),
    RailFact("intercity", ("CZT", "CZT-Z"), "长沙", "株洲南", ("大丰",), 33, 37, "2017-01-30", False, _REDNET_2017),
    RailFact("intercity", ("CZT", "CZT-X"), "长沙", "湘潭", ("板塘",), 33, 37, "2017-01-30", False, _REDNET_2017),
    RailFact(
        "hsr",
        ("HSR-HK",),
        "长沙南站",
        "湘潭北站",
        (),
        14,
        14,
        "2014-12-16",
        True,
        "http://www.huaihuashizx.com/hhms/39874.html (2014-12-09 trial run: left 长沙南 08:40, at 湘潭北 14 minutes "
        "later; trial speeds 'not yet optimal')",
    ),
)


def _fact_path(fact: RailFact, params: Params, sections: Any) -> tuple[float, int]:
    """Model minutes of a fact (run times between the stops it calls at, dwell at intermediate stops)."""
    import networkx as nx

    s = sections[sections["line_id"].isin(fact.lines) & (sections["status"] == "open")]
    g = nx.Graph()
    names: dict[str, str] = {}
    for r in s.itertuples(index=False):
        g.add_edge(r.from_station, r.to_station, length=float(r.length_m), v=r.speed_kmh)
        names[r.from_name_zh] = r.from_station
        names[r.to_name_zh] = r.to_station
    try:
        path = nx.shortest_path(g, names[fact.from_zh], names[fact.to_zh], weight="length")
    except (KeyError, nx.NetworkXNoPath):
        raise ValueError(f"fact {fact.from_zh}–{fact.to_zh} is not on lines {fact.lines} of {fact.as_of}") from None
    calls = set(names[n] for n in fact.stops) if fact.stops is not None else set(path)
    total, seg_len, seg_v, segments = 0.0, 0.0, [], 0
    for a, b in itertools.pairwise(path):
        e = g[a][b]
        seg_len += e["length"]
        seg_v.append(e["v"] if e["v"] == e["v"] and e["v"] else params.default_speed_kmh[fact.mode])
        if b in calls or b == path[-1]:
            total += run_time_s(seg_len, min(seg_v), fact.mode, params)
            segments += 1
            if b != path[-1]:
                total += params.dwell_s[fact.mode]
            seg_len, seg_v = 0.0, []
    return total / 60, segments


def _rail_sections(as_of: str) -> Any:
    from cztmap.data.dataset import load_dataset

    return load_dataset(as_of=as_of).sections


def rail_calibration_report(params: Params = DEFAULTS) -> list[dict[str, Any]]:
    """Model time against every published China Railway fact (:data:`RAIL_FACTS`), one dict per fact.

    Examples
    --------
    >>> rows = rail_calibration_report()
    >>> sorted({r["mode"] for r in rows}), all("error_min" in r for r in rows)
    (['hsr', 'intercity'], True)
    """
    out = []
    for f in RAIL_FACTS:
        m, n = _fact_path(f, params, _rail_sections(f.as_of))
        out.append(
            {
                "mode": f.mode,
                "from": f.from_zh,
                "to": f.to_zh,
                "calls": "all stations" if f.stops is None else ("non-stop" if not f.stops else "+".join(f.stops)),
                "as_of": f.as_of,
                "segments": n,
                "published_min": f"{f.low_min:g}–{f.high_min:g}" if f.low_min != f.high_min else f"{f.low_min:g}",
                "model_min": round(m, 2),
                "error_min": round(m - f.target_min, 2),
                "error_pct": round(100 * (m - f.target_min) / f.target_min, 1),
                "inside_range": f.low_min - 1e-9 <= m <= f.high_min + 1e-9,
                "used_for_fit": f.used_for_fit,
                "source": f.source,
            }
        )
    return out


def calibrate_rail(params: Params = DEFAULTS, *, grid: Any = None) -> tuple[Params, list[dict[str, Any]]]:
    """Fit ``cruise_fraction`` of the intercity and HSR modes to their calibration facts (least squares on
    mid-points; validation facts are not used) and report every fact under the fitted parameters.

    Acceleration, braking and dwell are held at their documented values (two intercity facts and one HSR fact
    cannot identify more than one parameter per mode).
    """
    grid = np.round(np.arange(0.30, 1.0001, 0.01), 2) if grid is None else grid
    cache = {f.as_of: _rail_sections(f.as_of) for f in RAIL_FACTS}
    best = params
    for mode in ("intercity", "hsr"):
        facts = [f for f in RAIL_FACTS if f.mode == mode and f.used_for_fit]
        if not facts:
            continue
        best_cf, best_err = best.cruise_fraction[mode], float("inf")
        for cf in grid:
            p = best.replace(cruise_fraction={**best.cruise_fraction, mode: float(cf)})
            err = sum((_fact_path(f, p, cache[f.as_of])[0] - f.target_min) ** 2 for f in facts)
            if err < best_err - 1e-12:
                best_cf, best_err = float(cf), err
        best = best.replace(cruise_fraction={**best.cruise_fraction, mode: best_cf})
    return best, rail_calibration_report(best)
