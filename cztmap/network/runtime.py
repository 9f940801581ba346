"""The rail run-time model: accelerate, cruise, brake, dwell — and its calibration.

For a section of length ``L`` on a line with maximum speed ``v_max``, a train accelerates at ``a``
to the cruise speed ``v = cruise_fraction × v_max``, cruises, and brakes at ``b``::

    d_acc = v² / 2a,  d_brk = v² / 2b
    if L ≥ d_acc + d_brk:  t = v/a + v/b + (L − d_acc − d_brk) / v          (trapezoid)
    else:                  v_peak = √(2 L a b / (a + b)),  t = v_peak/a + v_peak/b   (triangle)

and then dwells ``dwell_s`` at the station it reaches. The in-vehicle time between two stations of
one line is the sum over the sections between them of (run time + dwell at the section's end).
``cruise_fraction`` captures everything that keeps trains below line speed (curves, approach
signalling, coasting). The metro's is calibrated on the published end-to-end times in
:data:`CALIBRATION_FACTS` by :func:`calibrate`; the China Railway modes (CZT intercity, HSR, conventional
rail) on the published run times of ``data/sources/rail_run_times.csv`` (:data:`RAIL_FACTS`) by
:func:`calibrate_rail`, which fits only the facts whose role is ``calibration`` and reports the error on the
held-out ``validation`` facts too (``cztmap calibrate``). Both use one least-squares grid search.

Examples
--------
>>> round(run_time_s(1200, 80, "metro"), 1)
110.6
"""

from __future__ import annotations

import csv
import itertools
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cztmap._paths import sources_dir
from cztmap.errors import DataError
from cztmap.params import DEFAULTS, Params

__all__ = [
    "CALIBRATION_FACTS",
    "RAIL_FACTS",
    "RAIL_FIT",
    "RAIL_GRID",
    "RESOLUTION_MIN",
    "ROLES",
    "CalibrationFact",
    "RailFact",
    "calibrate",
    "calibrate_rail",
    "calibration_report",
    "rail_calibration_report",
    "read_rail_facts",
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
    v = params.cruise_fraction[mode] * vmax_kmh / 3.6
    return float(_profile_s(length_m, v, params.accel_mps2[mode], params.decel_mps2[mode]))


def _profile_s(length_m: Any, v: Any, a: Any, b: Any) -> Any:
    """Trapezoid/triangle run time (s) over ``length_m`` at cruise ``v`` (m/s); numbers or numpy arrays."""
    d = v * v / (2 * a) + v * v / (2 * b)
    if np.ndim(d) == 0:  # scalar fast path (graph building calls this once per section)
        if length_m >= d:
            return v / a + v / b + (length_m - d) / v
        vp = math.sqrt(2 * length_m * a * b / (a + b))
        return vp / a + vp / b
    vp = np.sqrt(2 * length_m * a * b / (a + b))
    return np.where(length_m >= d, v / a + v / b + (length_m - d) / v, vp / a + vp / b)


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
    ['L1', 'L2', 'S2']
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
    facts = [f for f in CALIBRATION_FACTS if f.used_for_fit]

    def with_cf(cf: float) -> Params:
        return params.replace(cruise_fraction={**params.cruise_fraction, "metro": float(cf)})

    def error(g: dict[str, Any]) -> Any:
        return np.array(
            [sum((_line_time_s(sections, f, with_cf(cf))[0] / 60 - f.target_min) ** 2 for f in facts) for cf in g["cf"]]
        )

    best = with_cf(_grid_fit({"cf": grid}, error)["cf"])
    return best, calibration_report(best, sections)


def _grid_fit(grid: dict[str, Any], error: Callable[[dict[str, Any]], Any]) -> dict[str, float]:
    """Least squares on a grid: the grid point of least ``error`` (the first one in grid order on ties).

    The one search of the module (:func:`calibrate`, :func:`calibrate_rail`). ``error`` gets the grid as
    flat arrays of equal length (one entry per grid point, every combination of the values) and returns
    the sum of squared errors (minutes²) of each point.

    Examples
    --------
    >>> _grid_fit({"x": [1.0, 2.0, 3.0], "y": [0.0, 1.0]}, lambda g: (g["x"] - 2.2) ** 2 + g["y"])
    {'x': 2.0, 'y': 0.0}
    """
    names = list(grid)
    mesh = np.meshgrid(*(np.asarray(grid[n], dtype=float) for n in names), indexing="ij")
    flat = {n: m.ravel() for n, m in zip(names, mesh, strict=True)}
    i = int(np.argmin(np.asarray(error(flat), dtype=float)))
    return {n: float(flat[n][i]) for n in names}


# ---------------------------------------------------------------------------------------------
# China Railway services (CZT intercity, HSR, conventional): published run times, calibration, validation
# ---------------------------------------------------------------------------------------------
#: Roles of a China Railway fact: fitted on (``calibration``) or held out and only reported (``validation``).
ROLES = ("calibration", "validation")
#: Published times are whole minutes: a model time within this of the published range counts as inside it.
RESOLUTION_MIN = 0.5


@dataclass(frozen=True)
class RailFact:
    """A published run time of a China Railway train between two stations, on the network of ``as_of``.

    ``stops`` lists the intermediate stations the train calls at (``()``: non-stop, ``None``: every
    station). ``role`` is ``calibration`` (the fit uses it) or ``validation`` (held out, only reported).
    """

    fact_id: str
    mode: str
    lines: tuple[str, ...]
    from_zh: str
    to_zh: str
    stops: tuple[str, ...] | None
    low_min: float
    high_min: float
    as_of: str
    role: str
    trains: str
    source: str

    @property
    def used_for_fit(self) -> bool:
        """Whether the fit uses this fact (its role is ``calibration``)."""
        return self.role == "calibration"

    @property
    def target_min(self) -> float:
        """Mid-point of the published range, minutes (what the fit aims at)."""
        return (self.low_min + self.high_min) / 2


def _fact_from_row(row: dict[str, str], where: str) -> RailFact:
    try:
        low, high = float(row["low_min"]), float(row["high_min"])
    except ValueError:
        raise DataError(f"{where}: low_min and high_min must be numbers; fix the row.") from None
    if not 0 < low <= high:
        raise DataError(f"{where}: needs 0 < low_min <= high_min; fix the row.")
    if row["role"] not in ROLES:
        raise DataError(f"{where}, field 'role' = {row['role']!r}: write one of {', '.join(ROLES)}.")
    if row["mode"] not in DEFAULTS.cruise_fraction:
        raise DataError(f"{where}, field 'mode' = {row['mode']!r}: write one of {', '.join(DEFAULTS.cruise_fraction)}.")
    stops = row["stops"].strip()
    return RailFact(
        fact_id=row["fact_id"],
        mode=row["mode"],
        lines=tuple(x.strip() for x in row["lines"].split(";") if x.strip()),
        from_zh=row["from_zh"],
        to_zh=row["to_zh"],
        stops=None if stops == "*" else tuple(x.strip() for x in stops.split(";") if x.strip()),
        low_min=low,
        high_min=high,
        as_of=row["as_of"],
        role=row["role"],
        trains=row["trains"],
        source=row["source"],
    )


def read_rail_facts(path: str | Path | None = None) -> tuple[RailFact, ...]:
    """The published China Railway run times (``data/sources/rail_run_times.csv`` by default).

    ``stops`` in the file: empty for a non-stop run, ``*`` for a train calling at every station, else the
    intermediate calls separated by ``;``. ``lines`` are ``;``-separated line ids.

    Parameters
    ----------
    path : str or Path, optional
        Another file of the same columns.

    Returns
    -------
    tuple of RailFact
        In file order.

    Raises
    ------
    DataError
        A missing file or column, or a row with a bad range, role or mode.

    Examples
    --------
    >>> facts = read_rail_facts()
    >>> sorted({f.role for f in facts}), facts[0].fact_id
    (['calibration', 'validation'], 'H01')
    """
    p = Path(path) if path is not None else sources_dir() / "rail_run_times.csv"
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError(f"Rail run-time facts {p} not found; restore data/sources/rail_run_times.csv.") from None
    rows = list(csv.DictReader(text.splitlines()))
    need = ("fact_id", "mode", "lines", "from_zh", "to_zh", "stops", "low_min", "high_min", "as_of", "role")
    missing = [c for c in (*need, "trains", "source") if rows and c not in rows[0]]
    if missing or not rows:
        raise DataError(f"{p} needs a header row with {', '.join(need)}, trains, source and at least one fact.")
    return tuple(_fact_from_row(r, f"{p} row {r['fact_id']}") for r in rows)


#: Published China Railway run times (:func:`read_rail_facts`), calibration and validation facts apart; read
#: from ``data/sources/rail_run_times.csv`` on first use.
RAIL_FACTS: tuple[RailFact, ...]


def __getattr__(name: str) -> Any:
    """``RAIL_FACTS``: the published China Railway run times (:func:`read_rail_facts`), read on first use.

    Read lazily so that importing the module (every graph build does) never depends on the fact file.
    """
    if name == "RAIL_FACTS":
        globals()["RAIL_FACTS"] = facts = read_rail_facts()
        return facts
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _rail_facts() -> tuple[RailFact, ...]:
    """:data:`RAIL_FACTS` (a test or a user may have replaced it on the module)."""
    return globals().get("RAIL_FACTS") or __getattr__("RAIL_FACTS")


#: A run between two calls of a fact: its length (m) and the speed of each section on it (None: unpublished).
_Leg = tuple[float, tuple[float | None, ...]]


def _fact_legs(fact: RailFact, sections: Any) -> list[_Leg]:
    """The runs between the calls of a fact along the open sections of its lines (shortest path by length)."""
    import networkx as nx

    s = sections[sections["line_id"].isin(fact.lines) & (sections["status"] == "open")]
    g = nx.Graph()
    names: dict[str, str] = {}
    for r in s.itertuples(index=False):
        v = float(r.speed_kmh) if r.speed_kmh == r.speed_kmh and r.speed_kmh else None
        g.add_edge(r.from_station, r.to_station, length=float(r.length_m), v=v)
        names[r.from_name_zh] = r.from_station
        names[r.to_name_zh] = r.to_station
    try:
        path = nx.shortest_path(g, names[fact.from_zh], names[fact.to_zh], weight="length")
        calls = set(names[n] for n in fact.stops) if fact.stops is not None else set(path)
    except (KeyError, nx.NetworkXNoPath):
        raise ValueError(f"fact {fact.from_zh}–{fact.to_zh} is not on lines {fact.lines} of {fact.as_of}") from None
    legs: list[_Leg] = []
    length, speeds = 0.0, []
    for a, b in itertools.pairwise(path):
        length += g[a][b]["length"]
        speeds.append(g[a][b]["v"])
        if b in calls or b == path[-1]:
            legs.append((length, tuple(speeds)))
            length, speeds = 0.0, []
    return legs


def _legs_min(legs: list[_Leg], mode: str, params: Params) -> float:
    """Model minutes over the legs: each run at the lowest speed of its sections, a dwell between two runs."""
    default = params.default_speed_kmh[mode]
    run = sum(run_time_s(length, min(v or default for v in speeds), mode, params) for length, speeds in legs)
    return (run + params.dwell_s[mode] * (len(legs) - 1)) / 60


def _fact_path(fact: RailFact, params: Params, sections: Any) -> tuple[float, int]:
    """Model minutes of a fact and the number of runs (calls + 1) it is made of."""
    legs = _fact_legs(fact, sections)
    return _legs_min(legs, fact.mode, params), len(legs)


def _rail_sections(as_of: str) -> Any:
    from cztmap.data.dataset import load_dataset

    return load_dataset(as_of=as_of).sections


def _rail_legs(facts: Iterable[RailFact]) -> dict[str, list[_Leg]]:
    """Legs of every fact by ``fact_id`` (one dataset load per ``as_of``)."""
    facts = list(facts)
    sections = {a: _rail_sections(a) for a in sorted({f.as_of for f in facts})}
    return {f.fact_id: _fact_legs(f, sections[f.as_of]) for f in facts}


def _report_row(f: RailFact, legs: list[_Leg], params: Params) -> dict[str, Any]:
    m = _legs_min(legs, f.mode, params)
    calls = "all stations" if f.stops is None else ("non-stop" if not f.stops else "+".join(f.stops))
    return {
        "fact_id": f.fact_id,
        "mode": f.mode,
        "lines": "+".join(f.lines),
        "from": f.from_zh,
        "to": f.to_zh,
        "calls": calls,
        "as_of": f.as_of,
        "segments": len(legs),
        "published_min": f"{f.low_min:g}–{f.high_min:g}" if f.low_min != f.high_min else f"{f.low_min:g}",
        "model_min": round(m, 2),
        "error_min": round(m - f.target_min, 2),
        "error_pct": round(100 * (m - f.target_min) / f.target_min, 1),
        "inside_range": f.low_min - RESOLUTION_MIN <= m <= f.high_min + RESOLUTION_MIN,
        "role": f.role,
        "used_for_fit": f.used_for_fit,
        "trains": f.trains,
        "source": f.source,
    }


def rail_calibration_report(params: Params = DEFAULTS) -> list[dict[str, Any]]:
    """Model time against every published China Railway fact (:data:`RAIL_FACTS`), one dict per fact.

    ``inside_range`` allows :data:`RESOLUTION_MIN` either side (timetables publish whole minutes);
    ``error_pct`` is against the mid-point of the published range.

    Parameters
    ----------
    params : Params
        Model parameters.

    Returns
    -------
    list of dict
        ``fact_id``, ``mode``, ``lines``, ``from``, ``to``, ``calls``, ``as_of``, ``segments``,
        ``published_min``, ``model_min``, ``error_min``, ``error_pct``, ``inside_range``, ``role``,
        ``used_for_fit``, ``trains`` and ``source``.

    Examples
    --------
    >>> rows = rail_calibration_report()
    >>> sorted({r["mode"] for r in rows}), sorted({r["role"] for r in rows})
    (['hsr', 'intercity', 'rail'], ['calibration', 'validation'])
    """
    facts = _rail_facts()
    legs = _rail_legs(facts)
    return [_report_row(f, legs[f.fact_id], params) for f in facts]


#: Grids of :func:`calibrate_rail`: cruise fraction, acceleration = braking (m/s²), and the speed (km/h) the
#: model gives lines that publish none.
RAIL_GRID: dict[str, tuple[float, ...]] = {
    "cruise_fraction": tuple(float(x) for x in np.round(np.arange(0.30, 1.0001, 0.01), 2)),
    "accel_mps2": tuple(float(x) for x in np.round(np.arange(0.10, 0.6001, 0.01), 2)),
    "default_speed_kmh": tuple(float(x) for x in range(60, 351, 5)),
}
#: Parameters :func:`calibrate_rail` fits per mode (never more than the mode has calibration facts): HSR has
#: one calibration fact per line (three), conventional rail two, the CZT two all-stop facts on one line.
RAIL_FIT: dict[str, tuple[str, ...]] = {
    "intercity": ("cruise_fraction",),
    "hsr": ("cruise_fraction", "accel_mps2", "default_speed_kmh"),
    "rail": ("cruise_fraction", "default_speed_kmh"),
}


def _legs_min_grid(legs: list[_Leg], mode: str, params: Params, g: dict[str, Any]) -> Any:
    """:func:`_legs_min` over the grid points ``g`` (parameters absent from ``g`` are those of ``params``)."""
    cf = g.get("cruise_fraction", params.cruise_fraction[mode])
    a = g.get("accel_mps2", params.accel_mps2[mode])
    b = g.get("accel_mps2", params.decel_mps2[mode])
    default = g.get("default_speed_kmh", params.default_speed_kmh[mode])
    total = params.dwell_s[mode] * (len(legs) - 1)
    for length, speeds in legs:
        vmax: Any = np.inf
        for v in speeds:
            vmax = np.minimum(vmax, default if v is None else v)
        total = total + _profile_s(length, cf * vmax / 3.6, a, b)
    return np.asarray(total) / 60


def _with_fit(params: Params, mode: str, fit: dict[str, float]) -> Params:
    changes: dict[str, Any] = {}
    for name, value in fit.items():
        keys = ("accel_mps2", "decel_mps2") if name == "accel_mps2" else (name,)
        for k in keys:
            changes[k] = {**getattr(params, k), mode: round(value, 2)}
    return params.replace(**changes)


def calibrate_rail(
    params: Params = DEFAULTS, *, grid: dict[str, Any] | None = None
) -> tuple[Params, list[dict[str, Any]]]:
    """Fit the run-time model of each China Railway mode to its calibration facts (least squares on mid-points).

    Per mode the parameters of :data:`RAIL_FIT` are searched on the grid :data:`RAIL_GRID`: the cruise
    fraction; for HSR also one acceleration = braking rate; and, where a calibration fact runs on a line that
    publishes no speed, ``default_speed_kmh`` — the speed the model gives such lines (in the dataset HSR-HK and
    RAIL-HK). Validation facts are not used. Dwell is held at its documented value.

    Parameters
    ----------
    params : Params
        Starting parameters (the other modes and parameters are kept).
    grid : dict, optional
        Replaces entries of :data:`RAIL_GRID` (same keys).

    Returns
    -------
    (Params, list of dict)
        The fitted parameters and :func:`rail_calibration_report` under them.
    """
    grid = {**RAIL_GRID, **(grid or {})}
    all_facts = _rail_facts()
    legs = _rail_legs(all_facts)
    best = params
    for mode, names in RAIL_FIT.items():
        facts = [f for f in all_facts if f.mode == mode and f.used_for_fit]
        if not facts:
            continue
        unpublished = any(v is None for f in facts for _, speeds in legs[f.fact_id] for v in speeds)
        free = {n: grid[n] for n in names if n != "default_speed_kmh" or unpublished}

        def error(g: dict[str, Any], facts: list[RailFact] = facts, mode: str = mode, p: Params = best) -> Any:
            return sum((_legs_min_grid(legs[f.fact_id], mode, p, g) - f.target_min) ** 2 for f in facts)

        best = _with_fit(best, mode, _grid_fit(free, error))
    return best, [_report_row(f, legs[f.fact_id], best) for f in all_facts]
