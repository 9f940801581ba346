"""Least-squares positions of the CZT intercity stations from independent constraints.

No source publishes coordinates for most CZT stations. ``czt_constraints.csv`` lists every
independent constraint that was found, each with its own standard error ``sigma_m``:

* ``distance``: a straight-line distance between two stations (andyxu12341 edges_km.csv);
* ``cosite``: the station shares a site with a metro station (a 0 km transfer edge in the same table);
* ``point``: a published or derived coordinate of the station (Wikipedia, a named point of a
  railway trace, an address point);
* ``on_trace``: the station lies on a railway trace (``czt_trace.csv``, a coarse polyline);
* ``in_district``: text places the station in a district (``other`` = adcode). Not used by the fit: a
  station with only a trace and a district (九郎山) is estimated at the middle of the stretch of trace
  inside that district between its fitted neighbours (:func:`cztmap.data.build.stations.trace_estimate`).

:func:`fit_positions` solves the weighted non-linear least-squares problem in a local metric plane
(metres east/north of a reference point) with :func:`scipy.optimize.least_squares`, starting from
the positions the constraints themselves suggest. Each station's expected error is derived from the
posterior covariance, ``(JᵀWJ)⁻¹`` scaled by the reduced chi-square when that exceeds 1: the radius
that holds the station with 95 % probability (2.45 × the major semi-axis), at least 100 m. A station
that the constraints do not fix (a direction left free: only a trace and nothing along it) is
reported as ``under-determined``; its expected error is the along-trace uncertainty.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import least_squares

from cztmap.data.build._common import read_csv, to_wgs
from cztmap.errors import DataError

__all__ = ["Constraint", "FitResult", "fit_positions", "read_constraints"]

#: Metres per degree of latitude (spherical Earth, as :func:`cztmap.geo.haversine_m`).
_M_PER_DEG = 6_371_008.8 * math.pi / 180
#: Reference point of the local plane (Changsha–Zhuzhou–Xiangtan centre).
_REF = (113.0, 28.0)
#: 95 % radius of a 2-D normal distribution in units of its major standard deviation.
K95 = 2.45
#: Smallest expected error the fit states (the constraints' own point definitions differ by this much).
MIN_ERROR_M = 100.0
#: A station whose along-trace standard deviation exceeds this is called under-determined.
UNDERDETERMINED_M = 2000.0


def _xy(lon: float, lat: float) -> tuple[float, float]:
    return (
        (lon - _REF[0]) * _M_PER_DEG * math.cos(math.radians(_REF[1])),
        (lat - _REF[1]) * _M_PER_DEG,
    )


def _lonlat(x: float, y: float) -> tuple[float, float]:
    return (
        _REF[0] + x / (_M_PER_DEG * math.cos(math.radians(_REF[1]))),
        _REF[1] + y / _M_PER_DEG,
    )


@dataclass(frozen=True)
class Constraint:
    """One row of ``czt_constraints.csv`` with its target resolved to the local plane (metres)."""

    row: int
    kind: str
    station: str
    other: str
    value_m: float
    sigma_m: float
    used: bool
    target: tuple[float, float] | None = None  # point / cosite
    trace: tuple[tuple[float, float], ...] = ()  # on_trace
    source: str = ""


@dataclass
class FitResult:
    """Fitted positions (WGS-84), expected errors and per-constraint residuals."""

    positions: dict[str, tuple[float, float]]
    error_m: dict[str, float]
    determined: dict[str, bool]
    residuals: list[dict[str, Any]] = field(default_factory=list)
    chi2_reduced: float = 0.0


def _trace_points(src: Path) -> dict[str, list[tuple[float, float]]]:
    out: dict[str, list[tuple[int, tuple[float, float]]]] = {}
    for i, r in enumerate(read_csv(src / "czt_trace.csv"), start=2):
        try:
            lon, lat = float(r["lon"]), float(r["lat"])
            seq = int(r["seq"])
        except (KeyError, ValueError):
            raise DataError(f"czt_trace.csv row {i}: lon, lat and seq must be numbers; fix the row.") from None
        out.setdefault(r["trace_id"], []).append((seq, _xy(*to_wgs(lon, lat, r["datum"]))))
    return {k: [p for _, p in sorted(v)] for k, v in out.items()}


def read_constraints(src: Path, metro: dict[str, tuple[float, float]]) -> list[Constraint]:
    """Read ``czt_constraints.csv`` (and ``czt_trace.csv``) into constraints in the local plane.

    ``metro`` maps ``"<line_id> <station_zh>"`` to a WGS-84 position (for ``cosite`` rows).
    """
    traces = _trace_points(src)
    out: list[Constraint] = []
    for i, r in enumerate(read_csv(src / "czt_constraints.csv"), start=2):
        kind = r.get("kind", "")
        where = f"czt_constraints.csv row {i}"
        try:
            sigma = float(r["sigma_m"])
            value = float(r["value_m"] or 0)
        except (KeyError, ValueError):
            raise DataError(f"{where}: sigma_m and value_m must be numbers; fix the row.") from None
        if not sigma > 0:
            raise DataError(f"{where}: sigma_m must be positive; fix the row.")
        target = None
        trace: tuple[tuple[float, float], ...] = ()
        if kind == "point":
            try:
                target = _xy(*to_wgs(float(r["lon"]), float(r["lat"]), r["datum"]))
            except ValueError:
                raise DataError(f"{where}: lon and lat must be numbers; fix the row.") from None
        elif kind == "cosite":
            if r["other"] not in metro:
                raise DataError(f"{where}: {r['other']!r} is not a '<line_id> <station>' of rail_stations.csv.")
            target = _xy(*metro[r["other"]])
        elif kind == "on_trace":
            if r["other"] not in traces:
                raise DataError(f"{where}: trace {r['other']!r} is not in czt_trace.csv.")
            trace = tuple(traces[r["other"]])
        elif kind == "in_district":
            pass  # text evidence (the station's district): used to estimate a station the fit cannot place
        elif kind != "distance":
            raise DataError(f"{where}: kind {kind!r} is not distance, cosite, point, on_trace or in_district.")
        out.append(
            Constraint(i, kind, r["station"], r["other"], value, sigma, r["used"] != "0", target, trace, r["source"])
        )
    return out


def _seg_dist(p: np.ndarray, trace: tuple[tuple[float, float], ...]) -> tuple[float, np.ndarray]:
    """Signed distance from ``p`` to the nearest segment of a polyline and its gradient."""
    best, signed, grad = math.inf, 0.0, np.zeros(2)
    pts = np.asarray(trace)
    for a, b in itertools.pairwise(pts):
        ab = b - a
        t = float(np.clip(np.dot(p - a, ab) / max(float(np.dot(ab, ab)), 1e-9), 0.0, 1.0))
        q = a + t * ab
        d = float(np.hypot(*(p - q)))
        if d < best:
            normal = np.array([-ab[1], ab[0]]) / max(float(np.hypot(*ab)), 1e-9)
            if 0.0 < t < 1.0 or d < 1e-9:
                best, signed, grad = d, float(np.dot(p - q, normal)), normal
            else:  # beyond a vertex: distance to the vertex
                best, signed, grad = d, d, (p - q) / d
    return signed, grad


def _rows(c: Constraint) -> int:
    return 2 if c.kind in ("point", "cosite") else 1


def _residuals(x: np.ndarray, cons: list[Constraint], index: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    n = sum(_rows(c) for c in cons)
    res = np.zeros(n)
    jac = np.zeros((n, x.size))
    k = 0
    for c in cons:
        i = index[c.station]
        p = x[2 * i : 2 * i + 2]
        if c.kind == "distance":
            j = index[c.other]
            q = x[2 * j : 2 * j + 2]
            d = float(np.hypot(*(p - q)))
            u = (p - q) / max(d, 1e-9)
            res[k] = (d - c.value_m) / c.sigma_m
            jac[k, 2 * i : 2 * i + 2] = u / c.sigma_m
            jac[k, 2 * j : 2 * j + 2] = -u / c.sigma_m
        elif c.kind in ("point", "cosite"):
            assert c.target is not None
            res[k : k + 2] = (p - np.asarray(c.target)) / c.sigma_m
            jac[k, 2 * i] = jac[k + 1, 2 * i + 1] = 1.0 / c.sigma_m
        else:
            d, g = _seg_dist(p, c.trace)
            res[k] = d / c.sigma_m
            jac[k, 2 * i : 2 * i + 2] = g / c.sigma_m
        k += _rows(c)
    return res, jac


def _misfit_m(x: np.ndarray, c: Constraint, index: dict[str, int]) -> float:
    """The constraint's residual in metres (signed for a distance, a distance otherwise)."""
    p = x[2 * index[c.station] : 2 * index[c.station] + 2]
    if c.kind == "distance":
        q = x[2 * index[c.other] : 2 * index[c.other] + 2]
        return float(np.hypot(*(p - q))) - c.value_m
    if c.kind in ("point", "cosite"):
        assert c.target is not None
        return float(np.hypot(*(p - np.asarray(c.target))))
    return abs(_seg_dist(p, c.trace)[0])


def _dense(trace: tuple[tuple[float, float], ...], step: float = 20.0) -> np.ndarray:
    pts = np.asarray(trace)
    out = [pts[0]]
    for a, b in itertools.pairwise(pts):
        n = max(int(np.hypot(*(b - a)) // step), 1)
        out.extend(a + (b - a) * (k / n) for k in range(1, n + 1))
    return np.asarray(out)


def _start(stations: list[str], cons: list[Constraint]) -> np.ndarray:
    """Start values: the mean of a station's point targets; else, walking out from a placed neighbour
    by the measured distance, the point of its trace farthest from the stations already placed.
    """
    x = np.full(2 * len(stations), np.nan)
    for i, s in enumerate(stations):
        pts = [c.target for c in cons if c.station == s and c.target is not None]
        if pts:
            x[2 * i : 2 * i + 2] = np.mean(np.asarray(pts), axis=0)
    traces = {c.station: _dense(c.trace) for c in cons if c.kind == "on_trace"}
    for _ in range(len(stations)):
        for i, s in enumerate(stations):
            if not np.isnan(x[2 * i]):
                continue
            for c in cons:
                if c.kind != "distance" or s not in (c.station, c.other):
                    continue
                j = stations.index(c.other if c.station == s else c.station)
                if np.isnan(x[2 * j]):
                    continue
                q = x[2 * j : 2 * j + 2]
                cand = traces.get(
                    s, q + c.value_m * np.array([[math.cos(a), math.sin(a)] for a in np.linspace(0, 6.2, 64)])
                )
                ring = cand[
                    np.abs(np.hypot(*(cand - q).T) - c.value_m)
                    <= max(np.abs(np.hypot(*(cand - q).T) - c.value_m).min(), 1.0) + 50.0
                ]
                others = np.asarray(
                    [x[2 * k : 2 * k + 2] for k in range(len(stations)) if k != j and not np.isnan(x[2 * k])]
                )
                if len(others):
                    far = [float(np.min(np.hypot(*(others - r).T))) for r in ring]
                    x[2 * i : 2 * i + 2] = ring[int(np.argmax(far))]
                else:
                    x[2 * i : 2 * i + 2] = ring[0]
                break
    if np.isnan(x).any():
        missing = [s for i, s in enumerate(stations) if np.isnan(x[2 * i])]
        raise DataError(f"czt_constraints.csv: no point or distance chain places {', '.join(missing)}; add one.")
    return x


def fit_positions(cons: list[Constraint]) -> FitResult:
    """Fit every station named in the used constraints; see the module docstring.

    Parameters
    ----------
    cons : list of Constraint
        From :func:`read_constraints`; rows with ``used`` false are reported, not fitted.

    Returns
    -------
    FitResult
        WGS-84 positions, expected errors (m), whether each station is determined, and one
        residual record per constraint (``residual_m`` signed, ``normalised`` in units of sigma).

    Examples
    --------
    >>> c = [Constraint(2, "point", "A", "", 0, 10, True, (0.0, 0.0)),
    ...      Constraint(3, "point", "B", "", 0, 10, True, (1000.0, 0.0)),
    ...      Constraint(4, "distance", "A", "B", 1000.0, 10, True)]
    >>> r = fit_positions(c)
    >>> round(r.residuals[2]["residual_m"], 3)
    0.0
    """
    used = [c for c in cons if c.used and c.kind != "in_district"]
    # a station with nothing but a trace is not determined: it is left to trace_estimate
    fixed = {c.station for c in used if c.kind != "on_trace"} | {c.other for c in used if c.kind == "distance"}
    used = [c for c in used if c.station in fixed]
    stations = sorted({c.station for c in used} | {c.other for c in used if c.kind == "distance"})
    index = {s: i for i, s in enumerate(stations)}
    sol = least_squares(
        lambda v: _residuals(v, used, index)[0],
        _start(stations, used),
        jac=lambda v: _residuals(v, used, index)[1],
        method="lm",
        xtol=1e-10,
        ftol=1e-10,
    )
    res, jac = _residuals(sol.x, used, index)
    dof = max(res.size - sol.x.size, 1)
    chi2 = float(np.sum(res**2) / dof)
    cov = np.linalg.pinv(jac.T @ jac) * max(chi2, 1.0)
    positions, errors, determined = {}, {}, {}
    for s, i in index.items():
        c2 = cov[2 * i : 2 * i + 2, 2 * i : 2 * i + 2]
        major = math.sqrt(max(float(np.linalg.eigvalsh(c2).max()), 0.0))
        positions[s] = _lonlat(float(sol.x[2 * i]), float(sol.x[2 * i + 1]))
        determined[s] = major < UNDERDETERMINED_M
        errors[s] = max(MIN_ERROR_M, math.ceil(K95 * major / 50.0) * 50.0)
    records = []
    for c in cons:
        if c.kind == "in_district" or c.station not in index or (c.kind == "distance" and c.other not in index):
            continue
        m = _misfit_m(sol.x, c, index)
        records.append(
            {
                "row": c.row,
                "kind": c.kind,
                "station": c.station,
                "other": c.other,
                "used": c.used,
                "sigma_m": c.sigma_m,
                "residual_m": m,
                "normalised": m / c.sigma_m,
            }
        )
    return FitResult(positions, errors, determined, records, chi2)
