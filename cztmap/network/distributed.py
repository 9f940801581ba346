"""Travel-time matrices on a Dask cluster: origins split into tasks, the compiled graph scattered once.

One machine runs a 1,000 × 1,000 matrix on a 500k-node road graph in well under a minute; a
region-wide 100k × 100k matrix (500 m cells over Chang-Zhu-Tan on an OpenStreetMap network) is
100 000 full searches -- hours on one core, minutes on a cluster. This module sends the compiled graph
(:class:`~cztmap.network.engine.CompiledGraph`: CSR arrays, ≈ 40 MB at 500k nodes) to every worker
**once** (``client.scatter(..., broadcast=True)``), submits one task per chunk of origins, and either
gathers the blocks into one array or lets every task write its block as one Parquet file of a
partitioned dataset (for matrices too big for the client's memory).

It needs only a :class:`dask.distributed.Client`, so the same code runs on a laptop
(``LocalCluster``), an HPC queue (``dask_jobqueue.SLURMCluster`` / ``PBSCluster``) or Kubernetes
(``dask_kubernetes.operator.KubeCluster``) -- only the line that makes the cluster changes. Workers
need cztmap installed (and pyroutingkit for ``backend="cch"``: each worker then builds or loads its
CCH once -- put ``CZTMAP_CACHE_DIR`` on a shared file system to build it once for all).

Examples
--------
>>> import networkx as nx
>>> from dask.distributed import Client, LocalCluster
>>> from cztmap.network.engine import travel_time_matrix
>>> G = nx.DiGraph()
>>> G.add_weighted_edges_from([(0, 1, 60.0), (1, 2, 60.0), (2, 0, 60.0)], weight="travel_time")
>>> # ":0": any free port for the scheduler's HTTP endpoint (8787 may be taken by another cluster)
>>> with LocalCluster(n_workers=1, processes=False, dashboard_address=":0") as cluster, Client(cluster) as client:
...     travel_time_matrix(G, [0, 1, 2], client=client).to_numpy().tolist()
[[0.0, 1.0, 2.0], [2.0, 0.0, 1.0], [1.0, 2.0, 0.0]]
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from cztmap.errors import DataError, UsageError

# The graph is duck-typed (``positions`` and ``distances`` of a CompiledGraph): the engine imports
# this module for ``travel_time_matrix(client=...)``, so importing the engine here would be a cycle.
CompiledGraph = Any

__all__ = ["connect_scheduler", "distributed_distances", "write_matrix_parquet"]

#: Address schemes of a Dask scheduler (``distributed.comm``); the ones with a host:port are probed first.
_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx", "inproc")
_PROBED = ("tcp", "tls", "ws", "wss")


def _host_port(address: str, scheme: str, location: str) -> tuple[str, int]:
    """``(host, port)`` of a scheduler address, or a UsageError naming what is wrong with it."""
    host, sep, port_text = location.rpartition(":")
    host = host.strip("[]")
    if not sep or not host:
        raise UsageError(
            f"The scheduler address {address!r} has no port; give {scheme}://HOST:PORT such as tcp://10.0.0.5:8786."
        )
    try:
        port = int(port_text)
    except ValueError:
        port = -1
    if not 1 <= port <= 65535:
        raise UsageError(
            f"The scheduler address {address!r} has port {port_text!r}, not a number 1–65535; "
            "give HOST:PORT such as tcp://10.0.0.5:8786."
        )
    return host, port


def _probe(address: str, host: str, port: int, timeout_s: float) -> None:
    """Fail at once (not after the client's retries) when nothing listens at ``host:port``."""
    import socket

    try:
        socket.create_connection((host, port), timeout=min(timeout_s, 5.0)).close()
    except socket.gaierror:
        raise DataError(
            f"Cannot reach the Dask scheduler at {address!r}: the host name {host!r} is unknown; check the address."
        ) from None
    except TimeoutError:
        raise DataError(
            f"Cannot reach the Dask scheduler at {address!r}: no answer within {min(timeout_s, 5.0):g} s; "
            "check the address and that the scheduler is running."
        ) from None
    except OSError as exc:
        raise DataError(
            f"Cannot reach the Dask scheduler at {address!r} ({exc.strerror or exc}); "
            "check the address and that the scheduler is running."
        ) from None


def connect_scheduler(address: str, *, timeout_s: float = 10.0) -> Any:
    """A :class:`dask.distributed.Client` of the scheduler at ``address``, or one sentence saying why not.

    The address is checked first (scheme, host, port 1–65535), and for network schemes a plain socket
    connection is tried before the client starts, so a refused port or an unknown host fails at once
    instead of after the client's retries; a server that answers but is not a Dask scheduler (a web
    server, the dashboard port) fails within ``timeout_s``.

    Parameters
    ----------
    address : str
        ``tcp://HOST:PORT`` (or ``HOST:PORT``, ``tls://…``, ``ws://…``, ``ucx://…``, ``inproc://…``).
    timeout_s : float
        Seconds to wait for the scheduler's answer.

    Returns
    -------
    dask.distributed.Client

    Raises
    ------
    UsageError
        An empty or malformed address, a bad timeout, or dask.distributed is not installed.
    DataError
        Nothing answers at the address, the host is unknown, or the server is not a Dask scheduler.

    Examples
    --------
    >>> connect_scheduler("tcp://127.0.0.1")
    Traceback (most recent call last):
    ...
    cztmap.errors.UsageError: The scheduler address 'tcp://127.0.0.1' has no port; give tcp://HOST:PORT such as tcp://10.0.0.5:8786.
    """
    if not isinstance(timeout_s, int | float) or isinstance(timeout_s, bool) or not 0 < timeout_s <= 3600:
        raise UsageError(f"The scheduler timeout {timeout_s!r} must be a number of seconds in (0, 3600].")
    text = str(address).strip()
    if not text:
        raise UsageError("The scheduler address is empty; give tcp://HOST:PORT such as tcp://10.0.0.5:8786.")
    scheme, sep, location = text.partition("://")
    if not sep:
        scheme, location = "tcp", text
    scheme = scheme.lower()
    if scheme in ("http", "https"):
        raise UsageError(
            f"The scheduler address {address!r} is a web address (the dashboard?); give the scheduler's "
            "tcp://HOST:PORT (port 8786 by default)."
        )
    if scheme not in _SCHEMES:
        raise UsageError(
            f"The scheduler address {address!r} has the unknown scheme {scheme!r}; use one of "
            f"{', '.join(s + '://' for s in _SCHEMES)}."
        )
    if scheme in _PROBED:
        host, port = _host_port(text, scheme, location)
        _probe(text, host, port, timeout_s)
    try:
        from dask.distributed import Client
    except ImportError:
        raise UsageError("A Dask scheduler needs dask.distributed: `pip install cztmap[dask]`.") from None
    outcome: dict[str, Any] = {}
    lock = threading.Lock()

    def start() -> None:
        try:
            client = Client(text, timeout=f"{timeout_s}s")
        except BaseException as exc:  # a web server's reply read as a frame length is a MemoryError
            outcome["error"] = exc
            return
        with lock:
            if outcome.get("abandoned"):  # connected after the caller gave up: do not leak the client
                client.close()
            else:
                outcome["client"] = client

    # The client's own timeout does not cover a server that accepts and then stays silent (its handshake
    # read waits forever), so the start runs in a thread that is given up after the timeout.
    starter = threading.Thread(target=start, name="cztmap-dask-connect", daemon=True)
    starter.start()
    starter.join(timeout_s + 2.0)
    with lock:
        outcome["abandoned"] = True
        if "client" in outcome:
            return outcome["client"]
    exc = outcome.get("error")
    why = "no answer in time" if exc is None or isinstance(exc, TimeoutError | OSError) else "it did not answer as one"
    raise DataError(
        f"Cannot connect to a Dask scheduler at {address!r} ({why}{f': {type(exc).__name__}' if exc else ''}); "
        "check that the address is the scheduler's (port 8786 by default), not a web server or the dashboard."
    ) from None


def _chunks(n: int, client: Any, chunk_size: int | None) -> list[slice]:
    if chunk_size is None:
        try:
            workers = max(1, len(client.scheduler_info().get("workers", {})))
        except Exception:  # an exotic client: assume a few workers
            workers = 4
        chunk_size = max(1, math.ceil(n / (4 * workers)))  # a few tasks per worker balance the load
    if not isinstance(chunk_size, int) or chunk_size < 1:
        raise UsageError(f"`chunk_size` must be a positive integer, not {chunk_size!r}.")
    return [slice(s, min(n, s + chunk_size)) for s in range(0, n, chunk_size)]


def _scatter(client: Any, cg: CompiledGraph, destinations: list[Any]) -> tuple[Any, Any]:
    """Send the graph and the destination list to every worker once (unique keys: no reuse races)."""
    graph = client.scatter(cg, broadcast=True, hash=False)
    # an object array travels as one piece (a list would be scattered element by element)
    dest = client.scatter(np.asarray([*destinations, None], dtype=object)[:-1], broadcast=True, hash=False)
    return graph, dest


def _direction(origins: list[Any], destinations: list[Any]) -> str:
    """The search direction the whole matrix would use locally (chunks must not flip it: last-bit rounding)."""
    return "backward" if len(set(destinations)) < len(set(origins)) else "forward"


def _task(
    cg: CompiledGraph, origins: list[Any], destinations: Any, cutoff: float | None, backend: str, search: str
) -> Any:
    return cg.distances(origins, list(destinations), cutoff=cutoff, backend=backend, search=search)


def distributed_distances(
    cg: CompiledGraph,
    origins: Sequence[Any],
    destinations: Sequence[Any],
    *,
    client: Any,
    cutoff: float | None = None,
    backend: str = "auto",
    chunk_size: int | None = None,
) -> np.ndarray:
    """``(len(origins), len(destinations))`` seconds computed on ``client``'s workers.

    Parameters
    ----------
    cg : CompiledGraph
    origins, destinations : sequences of node ids
    client : dask.distributed.Client
    cutoff : float, optional
        Seconds; longer times are ``inf``.
    backend : {"auto", "scipy", "cch"}
        Engine used on the workers (see :meth:`CompiledGraph.distances`).
    chunk_size : int, optional
        Origins per task (default: about four tasks per worker).

    Returns
    -------
    numpy.ndarray
        Identical to ``cg.distances(origins, destinations, cutoff=cutoff, backend=backend)``.

    Raises
    ------
    UsageError
        An unknown node (checked here, before anything is sent) or a bad ``chunk_size``.
    """
    origins, destinations = list(origins), list(destinations)
    cg.positions(origins, argument="origins")
    cg.positions(destinations, argument="destinations")
    if not origins or not destinations:
        return np.full((len(origins), len(destinations)), np.inf)
    search = _direction(origins, destinations)
    graph, dest = _scatter(client, cg, destinations)
    futures = [
        client.submit(_task, graph, origins[s], dest, cutoff, backend, search, pure=False)
        for s in _chunks(len(origins), client, chunk_size)
    ]
    return np.concatenate(client.gather(futures), axis=0)


def _write_part(
    cg: CompiledGraph,
    origins: list[Any],
    destinations: list[Any],
    cutoff: float | None,
    backend: str,
    search: str,
    path: str,
    labels: tuple[list[Any], list[Any]] | None = None,
) -> int:
    import pandas as pd

    from cztmap._atomic import atomic_path

    destinations = list(destinations)
    d = cg.distances(origins, destinations, cutoff=cutoff, backend=backend, search=search) / 60.0
    o_lab, d_lab = (origins, destinations) if labels is None else labels
    o_arr = np.asarray([*o_lab, None], dtype=object)[:-1]
    d_arr = np.asarray([*d_lab, None], dtype=object)[:-1]
    if labels is not None:  # a place to itself is 0 (its own arrival node is a round trip away)
        d[o_arr[:, None] == d_arr[None, :]] = 0.0
    o = np.repeat(np.arange(len(origins)), len(destinations))
    t = np.tile(np.arange(len(destinations)), len(origins))
    flat = d.ravel()
    keep = np.isfinite(flat)
    frame = pd.DataFrame(
        {
            "origin": pd.Series(o_arr[o[keep]]).astype(str),
            "destination": pd.Series(d_arr[t[keep]]).astype(str),
            "minutes": flat[keep],
        }
    )
    with atomic_path(path, argument="output") as tmp:
        frame.to_parquet(tmp, index=False)
    return int(keep.sum())


def write_matrix_parquet(
    cg: CompiledGraph,
    origins: Sequence[Any],
    destinations: Sequence[Any],
    path: str | Path,
    *,
    client: Any = None,
    cutoff: float | None = None,
    backend: str = "auto",
    chunk_size: int | None = None,
    labels: tuple[Sequence[Any], Sequence[Any]] | None = None,
) -> Path:
    """Write a matrix as a partitioned Parquet dataset of ``origin, destination, minutes`` rows.

    One file ``part-00000.parquet, ...`` per chunk of origins, written by the task that computed it
    (each through an atomic rename), so the client never holds the whole matrix. Unreachable pairs
    (and pairs beyond ``cutoff``) are left out. Read it back with ``pandas.read_parquet(path)`` or
    ``dask.dataframe.read_parquet(path)``. Node ids are written as strings. The parts are written into a
    hidden folder inside ``path`` first and replace the old ``part-*.parquet`` files only when all are
    written: a failure leaves the old dataset (or, for a new folder, nothing) behind.

    Parameters
    ----------
    cg : CompiledGraph
    origins, destinations : sequences of node ids
    path : path
        A folder (created; existing ``part-*.parquet`` files in it are replaced).
    client : dask.distributed.Client, optional
        Without one, the chunks are computed here one after another. With one, the workers must see
        ``path`` (a shared file system).
    cutoff : float, optional
        Seconds.
    backend : {"auto", "scipy", "cch"}
    chunk_size : int, optional
        Origins per file (default: about four per worker, or 1000 without a client).
    labels : (sequence, sequence), optional
        Names written instead of the origin and destination node ids (e.g. adcodes for
        ``Z:<adcode>`` → ``Z:<adcode>:in``); a pair with equal labels is a place to itself: 0.

    Returns
    -------
    pathlib.Path
        The folder.

    Raises
    ------
    UsageError
        An unknown node, or a folder that cannot be created.

    Examples
    --------
    >>> import tempfile, pandas as pd, networkx as nx
    >>> from cztmap.network.engine import compile_graph
    >>> G = nx.DiGraph([(0, 1, {"travel_time": 120.0})])
    >>> out = write_matrix_parquet(compile_graph(G), [0, 1], [0, 1], tempfile.mkdtemp() + "/m.parquet")
    >>> pd.read_parquet(out).sort_values(["origin", "destination"]).to_numpy().tolist()
    [['0', '0', 0.0], ['0', '1', 2.0], ['1', '1', 0.0]]
    """
    origins, destinations = list(origins), list(destinations)
    cg.positions(origins, argument="origins")
    cg.positions(destinations, argument="destinations")
    if labels is not None and (len(labels[0]) != len(origins) or len(labels[1]) != len(destinations)):
        raise UsageError("`labels` must give one origin label per origin and one destination label per destination.")
    folder = Path(path)
    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # the parts go to a hidden folder inside the target (same file system, seen by the workers, skipped by
        # Parquet readers), then replace the old parts: a failure leaves the old dataset as it was
        stage = Path(tempfile.mkdtemp(prefix=f".{folder.name[:40]}.", suffix=".part", dir=folder))
    except OSError as exc:
        raise UsageError(f"Cannot create the output folder {str(folder)!r} ({exc.strerror or exc}).") from None
    try:
        _write_parts(cg, origins, destinations, stage, client, cutoff, backend, chunk_size, labels)
        for old in folder.glob("part-*.parquet"):
            old.unlink()
        for part in sorted(stage.glob("part-*.parquet")):
            os.replace(part, folder / part.name)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        if created:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    stage.rmdir()
    return folder


def _write_parts(
    cg: CompiledGraph,
    origins: list[Any],
    destinations: list[Any],
    folder: Path,
    client: Any,
    cutoff: float | None,
    backend: str,
    chunk_size: int | None,
    labels: tuple[Sequence[Any], Sequence[Any]] | None,
) -> None:
    """Every chunk of origins as ``folder/part-NNNNN.parquet`` (here, or by the client's workers)."""
    search = _direction(origins, destinations)

    def lab(s: slice) -> tuple[list[Any], list[Any]] | None:
        return None if labels is None else (list(labels[0])[s], list(labels[1]))

    if client is None:
        size = chunk_size or 1000
        for k, s in enumerate(range(0, len(origins), size)):
            part = str(folder / f"part-{k:05d}.parquet")
            _write_part(cg, origins[s : s + size], destinations, cutoff, backend, search, part, lab(slice(s, s + size)))
        return
    graph, dest = _scatter(client, cg, destinations)
    futures = [
        client.submit(
            _write_part,
            graph,
            origins[s],
            dest,
            cutoff,
            backend,
            search,
            str(folder / f"part-{k:05d}.parquet"),
            lab(s),
            pure=False,
        )
        for k, s in enumerate(_chunks(len(origins), client, chunk_size))
    ]
    client.gather(futures)
