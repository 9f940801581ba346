"""Class breaks, readable class labels and colour-blind-safe palettes for classed maps and plots.

Breaks are rounded to two significant figures (:func:`nice_breaks`) so that a legend reads
"1,900,000 – 4,900,000 people" rather than "1,882,894.00 – 4,814,962.40"; the rounded breaks are the
ones used to colour the zones, so the legend is exact.

Palettes are ColorBrewer (Cynthia Brewer, Apache-2.0) schemes marked colour-blind safe, and viridis
(Smith & van der Walt, CC0): no class is near-white, so the lightest class still shows on the basemap.

Examples
--------
>>> nice_breaks([1882894.0, 4814962.4])
[1900000.0, 4900000.0]
>>> class_labels([0.0, 1900000.0, 4900000.0], lo=0.0, unit="people")
['0 people', '> 0 – 1,900,000 people', '1,900,000 – 4,900,000 people']
>>> class_labels([30.0, 45.0, 60.0], lo=0.0, unit="min", upto=True)
['≤ 30 min', '≤ 45 min', '≤ 60 min']
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from cztmap.errors import UsageError
from cztmap.viz._html import fmt_num

__all__ = [
    "DIVERGING",
    "ISOCHRONE",
    "SEQUENTIAL",
    "class_breaks",
    "class_index",
    "class_labels",
    "nice_breaks",
    "pick",
]

#: ColorBrewer YlGnBu (colour-blind safe), without its near-white first class.
SEQUENTIAL = ["#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#253494", "#081d58"]
#: viridis from yellow (shortest time) to dark violet (longest): every class reads on a light basemap.
ISOCHRONE = ["#fde725", "#a0da39", "#4ac16d", "#1fa187", "#277f8e", "#365c8d", "#46327e", "#440154"]
#: ColorBrewer RdBu (colour-blind safe): blue = decrease (faster, winners), red = increase (slower).
DIVERGING = ["#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7", "#fddbc7", "#f4a582", "#d6604d", "#b2182b"]


def pick(ramp: Sequence[str], n: int) -> list[str]:
    """``n`` colours spread evenly over a ramp (the middle one for ``n == 1``).

    Examples
    --------
    >>> pick(["a", "b", "c"], 2)
    ['a', 'c']
    """
    if n <= 0:
        return []
    if n == 1:
        return [ramp[len(ramp) // 2]]
    idx = np.linspace(0, len(ramp) - 1, n).round().astype(int)
    return [ramp[i] for i in idx]


def class_breaks(values: Sequence[float] | np.ndarray, k: int = 5, scheme: str = "quantiles") -> list[float]:
    """Upper class bounds (k or fewer, last = max) by ``"quantiles"`` or ``"natural_breaks"`` (Fisher-Jenks).

    Parameters
    ----------
    values : sequence of float
        Non-numeric and missing values are ignored.
    k : int
        Number of classes wanted (fewer when there are fewer distinct values).
    scheme : {"quantiles", "natural_breaks"}

    Returns
    -------
    list of float
        Increasing upper bounds; the last is the maximum.

    Raises
    ------
    UsageError
        If ``k`` is not a positive integer, there are no numeric values, or the scheme is unknown.

    Examples
    --------
    >>> class_breaks([1, 2, 3, 10, 11, 12], k=2, scheme="natural_breaks")
    [3.0, 12.0]
    """
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
        raise UsageError(f"k (number of classes) must be a positive integer, got {k!r}.")
    v = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce"), dtype=float)
    v = np.sort(v[np.isfinite(v)])
    if len(v) == 0:
        raise UsageError("There are no numeric values to classify; check the column.")
    uniq = np.unique(v)
    k = min(k, len(uniq))
    if scheme == "quantiles":
        qs = np.quantile(v, np.linspace(0, 1, k + 1)[1:], method="linear")
        breaks = sorted(set(float(x) for x in qs))
    elif scheme in ("natural_breaks", "jenks"):
        breaks = _jenks(v, k)
    else:
        raise UsageError(f"Unknown classification scheme {scheme!r}; choose 'quantiles' or 'natural_breaks'.")
    breaks[-1] = float(v[-1])
    return breaks


def _jenks(v: np.ndarray, k: int) -> list[float]:
    """Fisher-Jenks optimal classes (O(k n²) dynamic programme; sorted values)."""
    n = len(v)
    if n > 3000:  # keep it fast: classify a sample of quantiles
        v = np.quantile(v, np.linspace(0, 1, 3000))
        n = len(v)
    cs = np.concatenate([[0.0], np.cumsum(v)])
    cs2 = np.concatenate([[0.0], np.cumsum(v * v)])

    def ssd(i: int, j: int) -> float:  # values i..j-1
        s = cs[j] - cs[i]
        return float(cs2[j] - cs2[i] - s * s / (j - i))

    cost = np.full((k + 1, n + 1), np.inf)
    back = np.zeros((k + 1, n + 1), dtype=int)
    cost[0, 0] = 0.0
    for c in range(1, k + 1):
        for j in range(c, n + 1):
            best, arg = np.inf, c - 1
            for i in range(c - 1, j):
                val = cost[c - 1, i] + ssd(i, j)
                if val < best:
                    best, arg = val, i
            cost[c, j], back[c, j] = best, arg
    ends = []
    j = n
    for c in range(k, 0, -1):
        ends.append(j)
        j = back[c, j]
    return sorted({float(v[e - 1]) for e in ends})


def _round_sig(x: float, sig: int, up: bool) -> float:
    if x == 0 or not math.isfinite(x):
        return float(x)
    step = 10 ** (math.floor(math.log10(abs(x))) - sig + 1)
    q = x / step
    q = math.ceil(q - 1e-9) if up else round(q)
    return float(round(q * step, 10))


def nice_breaks(breaks: Sequence[float], sig: int = 2) -> list[float]:
    """Breaks rounded to ``sig`` significant figures, still increasing; the last is rounded up.

    Examples
    --------
    >>> nice_breaks([0.0, 12.34, 12.36, 99.1])
    [0.0, 12.0, 12.4, 100.0]
    """
    out: list[float] = []
    for i, b in enumerate(breaks):
        last = i == len(breaks) - 1
        s = sig
        r = _round_sig(float(b), s, up=last)
        while out and r <= out[-1] and s < 8:  # too coarse: keep the classes apart
            s += 1
            r = _round_sig(float(b), s, up=last)
        if out and r <= out[-1]:
            continue
        out.append(r)
    return out


def class_index(value: float, breaks: Sequence[float]) -> int:
    """The class of a value: the first break it does not exceed (the last class above all).

    Examples
    --------
    >>> class_index(5, [1, 10, 20])
    1
    """
    for i, b in enumerate(breaks):
        if value <= b:
            return i
    return len(breaks) - 1


def _digits(values: Sequence[float]) -> int:
    finite = [abs(float(v)) for v in values if math.isfinite(float(v))]
    span = max(finite) if finite else 0.0
    if all(abs(v - round(v)) < 1e-9 for v in finite):
        return 0
    if span >= 10:
        return 0 if all(abs(v - round(v)) < 1e-9 for v in finite) or span >= 100 else 1
    if span >= 1:
        return 1 if any(abs(v - round(v)) > 1e-9 for v in finite) else 0
    return 2


def class_labels(breaks: Sequence[float], *, lo: float, unit: str = "", upto: bool = False) -> list[str]:
    """Readable legend labels of classes ``(previous break, break]`` starting at ``lo``.

    ``upto=True`` gives cumulative labels ("≤ 30 min") for nested classes such as isochrones. A class
    whose bounds are equal is labelled by its single value ("0 people").
    """
    nd = _digits([lo, *breaks])
    suffix = f" {unit}" if unit else ""
    out: list[str] = []
    prev = float(lo)
    single = False  # the previous class was one value: say "> value" for the next lower bound
    for b in breaks:
        if upto:
            out.append(f"≤ {fmt_num(b, nd)}{suffix}")
        elif fmt_num(prev, nd) == fmt_num(b, nd):
            out.append(f"{fmt_num(b, nd)}{suffix}")
            single = True
            prev = float(b)
            continue
        else:
            start = f"> {fmt_num(prev, nd)}" if single else fmt_num(prev, nd)
            out.append(f"{start} – {fmt_num(b, nd)}{suffix}")
        single = False
        prev = float(b)
    return out
