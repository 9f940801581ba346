"""Car times against published drive times (``data/sources/drive_times.csv``): check and calibrate.

Each fact is a published drive time between two named places (news reports on the connector roads
after 快速化, opening reports of expressways, travel guides), with a range ``low_min``–``high_min``
(the published figure, or a stated tolerance around a single value) and a role: ``calibration``
facts fit the road parameters, ``validation`` facts are held out and only reported.

Times are door to door on the car graph (``build_graph(modes="car")``) in the off-peak period (the
reports quote ordinary driving, not rush hour), including ``car_terminal_s`` at place ends.

Examples
--------
>>> tab = check_drive_times()
>>> sorted(set(tab.role))
['calibration', 'validation']
>>> bool(tab.model_min.notna().all())
True
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from cztmap._paths import sources_dir
from cztmap.errors import DataError
from cztmap.network.build import build_graph, sink
from cztmap.network.engine import travel_time_matrix
from cztmap.params import DEFAULTS, Params

__all__ = ["calibrate_roads", "check_drive_times", "read_drive_times"]

#: Parameter grid of :func:`calibrate_roads`: off-peak congestion factor × local-street speed (km/h).
GRID = {"offpeak_factor": (0.8, 0.9, 1.0), "local_kmh": (25.0, 30.0, 35.0, 40.0, 45.0)}


def read_drive_times(path: Any = None) -> pd.DataFrame:
    """The drive-time facts (``data/sources/drive_times.csv`` by default).

    Raises
    ------
    DataError
        A missing file or a row without a numeric range.
    """
    p = path or (sources_dir() / "drive_times.csv")
    try:
        df = pd.read_csv(p, dtype=str, keep_default_na=False)
    except FileNotFoundError as exc:
        raise DataError(f"Drive-time facts {p} not found; restore data/sources/drive_times.csv.") from exc
    for c in ("low_min", "high_min"):
        df[c] = pd.to_numeric(df[c], errors="coerce")
    bad = df[df["low_min"].isna() | df["high_min"].isna() | (df["low_min"] > df["high_min"])]
    if len(bad):
        raise DataError(f"{p}: row {bad.iloc[0]['fact_id']} needs numeric low_min <= high_min.")
    return df


def _times(G: nx.MultiDiGraph, facts: pd.DataFrame) -> np.ndarray:
    orig = list(facts["origin"])
    dest = [sink(d) for d in facts["destination"]]
    missing = sorted({n for n in orig + dest if n not in G})
    if missing:
        raise DataError(f"drive_times.csv names nodes absent from the car graph: {', '.join(missing)}.")
    return np.array([float(travel_time_matrix(G, [o], [d]).to_numpy()[0, 0]) for o, d in zip(orig, dest, strict=True)])


def check_drive_times(
    params: Params = DEFAULTS, *, period: str = "offpeak", facts: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Model car time of every fact next to its published range, with the error.

    Returns
    -------
    pandas.DataFrame
        The facts plus ``model_min``, ``within`` (inside the published range), ``error_min`` (0 inside
        the range, else the distance to the nearer end) and ``error_pct`` (of the range's mid-point).
    """
    facts = read_drive_times() if facts is None else facts
    out = facts.copy()
    out["model_min"] = math.nan
    for as_of, idx in out.groupby("as_of").groups.items():
        G = build_graph(as_of=as_of, period=period, modes="car", params=params)
        out.loc[idx, "model_min"] = _times(G, out.loc[idx])
    lo, hi, t = out["low_min"], out["high_min"], out["model_min"]
    out["within"] = (t >= lo) & (t <= hi)
    out["error_min"] = np.where(t < lo, t - lo, np.where(t > hi, t - hi, 0.0))
    out["error_pct"] = 100 * (t - (lo + hi) / 2) / ((lo + hi) / 2)
    out.attrs.update(period=period)
    return out


def calibrate_roads(params: Params = DEFAULTS) -> tuple[Params, pd.DataFrame]:
    """Fit the off-peak congestion factor and the local-street speed to the calibration facts.

    A grid search (:data:`GRID`) minimising the squared distance (minutes) of each calibration fact to
    its published range, ties broken by the squared error to the range's mid-point. The peak factor
    keeps its ratio to the off-peak one. Validation facts are never used for the fit.

    Returns
    -------
    (Params, pandas.DataFrame)
        The fitted parameters and :func:`check_drive_times` with them (all facts).
    """
    facts = read_drive_times()
    cal = facts[facts["role"] == "calibration"]
    ratio = params.road_congestion_factor["peak"] / params.road_congestion_factor["offpeak"]
    best: tuple[float, float, Params] | None = None
    for f, v in itertools.product(GRID["offpeak_factor"], GRID["local_kmh"]):
        p = params.replace(
            road_congestion_factor={"peak": round(f * ratio, 3), "offpeak": f},
            road_speed_kmh={**params.road_speed_kmh, "local": v},
        )
        r = check_drive_times(p, facts=cal)
        score = (float((r["error_min"] ** 2).sum()), float((r["error_pct"] ** 2).sum()))
        if best is None or score < best[:2]:
            best = (*score, p)
    assert best is not None
    return best[2], check_drive_times(best[2], facts=facts)
