"""Customizable contraction hierarchy (CCH) backend for big graphs: RoutingKit through ``pyroutingkit``.

Why a CCH
    Dijkstra (the scipy engine) answers a 1,000 × 1,000 matrix on a 522k-node road graph by 1,000
    full searches (≈ 95 ms each here). A contraction hierarchy answers each pair in a few µs after a
    preprocessing step; a *customizable* one (Dibbelt, Strasser & Wagner, "Customizable Contraction
    Hierarchies", ACM JEA 21, 2016) splits that step into a **metric-independent** part (a nested
    dissection order and the contracted topology -- tens of seconds, depends only on the graph's
    shape) and a **customisation** for a weight vector (≈ 1.5 s at 522k nodes). New weights -- another
    period, a scenario, a closure -- only need a new customisation. RoutingKit
    (https://github.com/RoutingKit/RoutingKit, BSD-2) is the reference implementation;
    ``pyroutingkit`` (PyPI, BSD-2) binds it with numpy arrays. pandana's CH (the other maintained
    option on PyPI) has no customisation step: a new weight means a full rebuild (≈ 27 s).

Exactness
    RoutingKit works on ``uint32`` weights. Weights are rounded to **integer milliseconds**
    (``round(seconds × 1000)``) and results are exact sums of those integers, returned as seconds
    (``ms / 1000``). So a CCH distance equals the scipy distance on the rounded weights exactly, and
    differs from the scipy distance on the raw weights by at most 0.5 ms per edge of the path
    (``tests/network/test_cch.py`` checks both statements).

Disk cache
    The metric-independent topology is saved under ``$CZTMAP_CACHE_DIR/cch/<key>/`` (default
    ``~/.cache/cztmap``), the key being a BLAKE2b digest of the node count, the arc list and the
    coordinates -- the way r5py keys its network cache by the input files. Weights are not part of
    the key. The folder is written under a temporary name and renamed into place (atomic on one file
    system); ``CZTMAP_NO_CACHE=1`` disables the cache.

This module works on plain arrays; :meth:`cztmap.network.engine.CompiledGraph.cch` connects it to
compiled graphs and :func:`cztmap.network.engine.travel_time_matrix` chooses it with ``backend=``.

Examples
--------
>>> import numpy as np
>>> from cztmap.network.cch import CCHIndex
>>> tails, heads = np.array([0, 1, 2]), np.array([1, 2, 0])
>>> idx = CCHIndex(tails, heads, lon=np.array([112.9, 112.91, 112.92]), lat=np.array([28.0, 28.0, 28.01]), cache=False)
>>> idx.customize(np.array([1.2344, 2.0, 3.0])).distances(np.array([0]), np.array([2])).tolist()
[[3.234]]
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

import numpy as np

from cztmap.errors import UsageError

__all__ = ["CCHIndex", "CCHMetric", "available", "cache_dir"]

#: Largest weight RoutingKit accepts (its ``inf_weight`` is 2**31 - 1 ms ≈ 24.8 days).
_MAX_MS = 2**31 - 2


def available() -> bool:
    """Whether ``pyroutingkit`` can be imported (the optional ``cch`` extra).

    Examples
    --------
    >>> isinstance(available(), bool)
    True
    """
    try:
        import pyroutingkit  # noqa: F401
    except ImportError:
        return False
    return True


def _prk() -> Any:
    try:
        import pyroutingkit
    except ImportError:
        raise UsageError(
            "backend='cch' needs the optional package pyroutingkit; install it with "
            "`pip install pyroutingkit` (or `pip install cztmap[cch]`), or use backend='scipy'."
        ) from None
    return pyroutingkit


def cache_dir() -> Path | None:
    """Folder of the cached CCH topologies (None when ``CZTMAP_NO_CACHE`` is set).

    Examples
    --------
    >>> cache_dir() is None or cache_dir().name == "cch"
    True
    """
    if os.environ.get("CZTMAP_NO_CACHE"):
        return None
    base = os.environ.get("CZTMAP_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "cztmap"
    )
    return Path(base) / "cch"


class CCHIndex:
    """The metric-independent part of a CCH over arcs ``tails[i] → heads[i]`` (built or loaded from disk).

    Parameters
    ----------
    tails, heads : array of int
        Arc endpoints (node positions ``0 .. n-1``). Arc ``i`` gets weight ``i`` of every customisation.
    lon, lat : array of float
        Node coordinates (WGS-84); the nested dissection (inertial flow) cuts the graph along them.
    n_nodes : int, optional
        Default ``len(lon)``.
    cache : bool
        Load/save the topology under :func:`cache_dir`.

    Attributes
    ----------
    key : str
        Digest of the topology and coordinates (the cache key).
    loaded : bool
        True if the topology came from the disk cache.

    Raises
    ------
    UsageError
        pyroutingkit is missing, or the coordinates are missing / not finite.
    """

    def __init__(
        self,
        tails: np.ndarray,
        heads: np.ndarray,
        *,
        lon: np.ndarray,
        lat: np.ndarray,
        n_nodes: int | None = None,
        cache: bool = True,
    ) -> None:
        prk = _prk()
        n = len(lon) if n_nodes is None else int(n_nodes)
        lon32 = np.ascontiguousarray(lon, dtype=np.float32)
        lat32 = np.ascontiguousarray(lat, dtype=np.float32)
        if lon32.shape != (n,) or lat32.shape != (n,) or not (np.isfinite(lon32).all() and np.isfinite(lat32).all()):
            raise UsageError(
                "backend='cch' needs finite x/y (longitude/latitude) for every node; the graph has nodes without "
                "coordinates -- give them x and y, or use backend='scipy'."
            )
        self.tails = np.ascontiguousarray(tails, dtype=np.uint32)
        self.heads = np.ascontiguousarray(heads, dtype=np.uint32)
        self.n_nodes = n
        h = hashlib.blake2b(digest_size=16)
        for part in (
            np.int64(n).tobytes(),
            self.tails.tobytes(),
            self.heads.tobytes(),
            lon32.tobytes(),
            lat32.tobytes(),
        ):
            h.update(part)
        self.key = h.hexdigest()
        self.loaded = False
        self.topology = prk.CCHTopology()
        folder = cache_dir() if cache else None
        where = None if folder is None else folder / self.key
        if where is not None and where.is_dir():
            try:
                self.topology.load(str(where))
                self.loaded = True
            except Exception:  # a damaged cache entry: rebuild and replace it
                self.topology = prk.CCHTopology()
        if not self.loaded:
            self.topology.build(self.tails, self.heads, lat32, lon32, n)
            if where is not None:
                _save(self.topology, where)

    @property
    def n_arcs(self) -> int:
        """Number of arcs."""
        return int(self.tails.size)

    def customize(self, seconds: np.ndarray) -> CCHMetric:
        """A metric for per-arc weights in seconds (``inf`` = closed), rounded to integer ms.

        Parameters
        ----------
        seconds : array of float
            One weight per arc, >= 0 (``inf`` closes the arc).

        Returns
        -------
        CCHMetric

        Raises
        ------
        UsageError
            Wrong length, negative/NaN weights, or a weight of 24.8 days or more.
        """
        prk = _prk()
        w = np.asarray(seconds, dtype=np.float64)
        if w.shape != (self.n_arcs,):
            raise UsageError(f"CCH weights must have one value per arc ({self.n_arcs}), not shape {w.shape}.")
        if np.isnan(w).any() or (w < 0).any():
            raise UsageError("CCH weights must be >= 0 seconds (inf closes an arc).")
        fin = np.isfinite(w)
        ms = np.rint(np.where(fin, w, 0.0) * 1000.0)
        if (ms > _MAX_MS).any():
            raise UsageError("A CCH weight is 24.8 days or more; such a graph needs backend='scipy'.")
        wm = np.where(fin, ms, float(prk.INF_WEIGHT)).astype(np.uint32)
        metric = prk.CCHMetric(self.topology)
        metric.customize(wm)
        return CCHMetric(self, metric)


class CCHMetric:
    """A customised CCH: many-to-many distances in seconds (integer milliseconds underneath)."""

    def __init__(self, index: CCHIndex, metric: Any) -> None:
        self.index = index
        self._metric = metric
        # RoutingKit's query object is not thread-safe: Dask's threaded workers share one metric, and two
        # concurrent queries on it crashed the interpreter (segfault in CI). One query at a time per metric.
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_lock", None)  # a lock does not travel to another process; each copy gets its own
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def distances_ms(self, sources: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """``(len(sources), len(targets))`` int64 milliseconds, ``-1`` where unreachable."""
        inf = int(_prk().INF_WEIGHT)
        if len(sources) == 0 or len(targets) == 0:
            return np.full((len(sources), len(targets)), -1, dtype=np.int64)
        s = np.ascontiguousarray(sources, dtype=np.uint32)
        t = np.ascontiguousarray(targets, dtype=np.uint32)
        with self._lock:
            d = np.asarray(self._metric.distances_many_to_many(s, t)).astype(np.int64)
        d[d >= inf] = -1
        return d

    def distances(self, sources: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """``(len(sources), len(targets))`` float64 seconds, ``inf`` where unreachable."""
        d = self.distances_ms(sources, targets)
        out = d / 1000.0
        out[d < 0] = np.inf
        return out


def _save(topology: Any, where: Path) -> None:
    """Save into a temporary sibling folder, then rename it into place (another process may race us)."""
    try:
        where.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{where.name}.", dir=where.parent))
    except OSError:
        return  # read-only cache location: the next run builds again
    try:
        topology.save(str(tmp))
        os.replace(tmp, where)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)  # lost a race to another process, or a full disk
