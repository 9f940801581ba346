"""Deterministic road-like synthetic graphs at the Chang-Zhu-Tan latitude (for benchmarks and scale tests).

The generator lays a jittered planar grid (≈ 130 m blocks) around 28.0° N 112.9° E, gives every row
and column a speed class (motorway every 40th line, primary every 10th, secondary every 5th, the rest
residential), drops ≈ 12 % of the links (irregular blocks), turns ≈ 10 % of the residential links into
one-way streets, hangs two-way dead-end spurs off ≈ 3 % of the nodes, duplicates ≈ 0.3 % of the links
as slower parallel edges (key 1), and keeps only the largest strongly connected component. The result
is an osmnx-compatible :class:`networkx.MultiDiGraph`: ``G.graph["crs"] == "EPSG:4326"``, nodes carry
``x``/``y`` (lon/lat) and ``street_count``, edges carry ``osmid``, ``highway``, ``oneway``,
``reversed``, ``length`` (m), ``speed_kph`` and ``travel_time`` (s).

Same ``(n_nodes, seed)`` → identical graph (node ids, order, attributes).

Examples
--------
>>> from benchmarks.synthetic import road_grid
>>> G = road_grid(400, seed=1)
>>> G.graph["crs"], G.is_multigraph(), 300 < G.number_of_nodes() < 500
('EPSG:4326', True, True)
>>> import networkx as nx
>>> nx.is_strongly_connected(G)
True
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

__all__ = ["LAT0", "LON0", "road_grid", "road_grid_arrays"]

LAT0 = 28.0
LON0 = 112.9
_BLOCK_M = 130.0
_M_PER_DEG_LAT = 111_320.0

# highway class → speed (km/h)
_CLASSES = {"motorway": 80.0, "primary": 60.0, "secondary": 45.0, "residential": 30.0}


def _line_class(i: int) -> str:
    if i % 40 == 0:
        return "motorway"
    if i % 10 == 0:
        return "primary"
    if i % 5 == 0:
        return "secondary"
    return "residential"


def road_grid_arrays(n_nodes: int, seed: int = 0) -> dict[str, np.ndarray]:
    """The synthetic network as plain arrays (before building the NetworkX graph).

    Parameters
    ----------
    n_nodes : int
        Approximate number of nodes wanted (the strongly connected component is typically within
        ±5 % of it).
    seed : int

    Returns
    -------
    dict
        ``x``, ``y`` (per kept node, lon/lat), ``u``, ``v`` (edge endpoints as positions into x/y),
        ``key``, ``length``, ``speed_kph``, ``travel_time``, ``highway`` (str array), ``oneway`` (bool).

    Examples
    --------
    >>> from benchmarks.synthetic import road_grid_arrays
    >>> a = road_grid_arrays(100, seed=3)
    >>> len(a["u"]) == len(a["travel_time"]) and bool((a["travel_time"] > 0).all())
    True
    """
    if n_nodes < 4:
        raise ValueError("n_nodes must be at least 4")
    rng = np.random.default_rng(seed)
    side = max(2, math.ceil(math.sqrt(n_nodes / 1.02)))
    rows = cols = side
    n_grid = rows * cols
    r, c = np.divmod(np.arange(n_grid), cols)
    ym = r * _BLOCK_M + rng.uniform(-25, 25, n_grid)
    xm = c * _BLOCK_M + rng.uniform(-25, 25, n_grid)

    # links: horizontal (r, c)-(r, c+1) on row r, vertical (r, c)-(r+1, c) on column c
    hid = np.flatnonzero(c < cols - 1)
    vid = np.flatnonzero(r < rows - 1)
    a = np.concatenate([hid, vid])
    b = np.concatenate([hid + 1, vid + cols])
    line = np.concatenate([r[hid], c[vid]])
    classes = np.array([_line_class(int(i)) for i in range(max(rows, cols))])
    hw = classes[line]

    # drop ~12 % of residential / secondary links (never the arterials)
    minor = (hw == "residential") | (hw == "secondary")
    keep = ~(minor & (rng.random(a.size) < 0.12))
    a, b, hw = a[keep], b[keep], hw[keep]

    # dead-end spurs: a new node 60-120 m off ~3 % of grid nodes, linked both ways
    n_spur = int(0.03 * n_grid)
    anchor = rng.choice(n_grid, n_spur, replace=False)
    ang = rng.uniform(0, 2 * np.pi, n_spur)
    dist = rng.uniform(60, 120, n_spur)
    xm = np.concatenate([xm, xm[anchor] + dist * np.cos(ang)])
    ym = np.concatenate([ym, ym[anchor] + dist * np.sin(ang)])
    spur = n_grid + np.arange(n_spur)
    a = np.concatenate([a, anchor])
    b = np.concatenate([b, spur])
    hw = np.concatenate([hw, np.full(n_spur, "residential")])
    n_all = n_grid + n_spur

    # directions: ~10 % of residential links one-way (random direction), others two-way
    oneway = (hw == "residential") & (rng.random(a.size) < 0.10)
    if n_spur:
        oneway[-n_spur:] = False  # spurs are two-way dead ends
    flip = oneway & (rng.random(a.size) < 0.5)
    a, b = np.where(flip, b, a), np.where(flip, a, b)
    two = ~oneway
    u = np.concatenate([a, b[two]])
    v = np.concatenate([b, a[two]])
    hw = np.concatenate([hw, hw[two]])
    ow = np.concatenate([oneway, oneway[two]])
    key = np.zeros(u.size, dtype=np.int64)

    # geometry → metres, lengths with a little curvature, speeds with ±10 % noise
    straight = np.hypot(xm[u] - xm[v], ym[u] - ym[v])
    length = straight * rng.uniform(1.0, 1.15, u.size)
    speed = np.vectorize(_CLASSES.__getitem__)(hw) * rng.uniform(0.9, 1.1, u.size)

    # ~0.3 % parallel edges: a slower alternative (key 1)
    par = np.flatnonzero(rng.random(u.size) < 0.003)
    u = np.concatenate([u, u[par]])
    v = np.concatenate([v, v[par]])
    hw = np.concatenate([hw, hw[par]])
    ow = np.concatenate([ow, ow[par]])
    key = np.concatenate([key, np.ones(par.size, dtype=np.int64)])
    length = np.concatenate([length, length[par] * rng.uniform(1.05, 1.4, par.size)])
    speed = np.concatenate([speed, speed[par] * rng.uniform(0.6, 1.0, par.size)])

    # largest strongly connected component
    adj = coo_array((np.ones(u.size), (u, v)), shape=(n_all, n_all)).tocsr()
    _, lab = connected_components(adj, directed=True, connection="strong")
    big = np.bincount(lab).argmax()
    kept = lab == big
    new_id = np.full(n_all, -1, dtype=np.int64)
    new_id[kept] = np.arange(int(kept.sum()))
    e = kept[u] & kept[v]

    lat = LAT0 + ym[kept] / _M_PER_DEG_LAT
    lon = LON0 + xm[kept] / (_M_PER_DEG_LAT * math.cos(math.radians(LAT0)))
    length = np.round(length[e], 3)
    speed = np.round(speed[e], 1)
    return {
        "x": np.round(lon, 7),
        "y": np.round(lat, 7),
        "u": new_id[u[e]],
        "v": new_id[v[e]],
        "key": key[e],
        "length": length,
        "speed_kph": speed,
        "travel_time": np.round(length / (speed / 3.6), 3),
        "highway": hw[e],
        "oneway": ow[e],
    }


def road_grid(n_nodes: int, seed: int = 0) -> nx.MultiDiGraph:
    """Build the synthetic road network as an osmnx-compatible MultiDiGraph.

    Parameters
    ----------
    n_nodes : int
        Approximate node count (see :func:`road_grid_arrays`).
    seed : int

    Returns
    -------
    networkx.MultiDiGraph
        Integer node ids ``0..n-1`` (like OSM ids), strongly connected.

    Examples
    --------
    >>> from benchmarks.synthetic import road_grid
    >>> G = road_grid(200, seed=7)
    >>> sorted(next(iter(G.edges(data=True)))[2])
    ['highway', 'length', 'oneway', 'osmid', 'reversed', 'speed_kph', 'travel_time']
    """
    a = road_grid_arrays(n_nodes, seed)
    G = nx.MultiDiGraph(crs="EPSG:4326", created_with="cztmap benchmarks.synthetic", seed=seed)
    n = a["x"].size
    deg = np.bincount(np.concatenate([a["u"], a["v"]]), minlength=n)
    G.add_nodes_from(
        (i, {"x": float(x), "y": float(y), "street_count": int(d) // 2 or 1})
        for i, (x, y, d) in enumerate(zip(a["x"].tolist(), a["y"].tolist(), deg.tolist(), strict=True))
    )
    cols = zip(
        a["u"].tolist(),
        a["v"].tolist(),
        a["key"].tolist(),
        a["length"].tolist(),
        a["speed_kph"].tolist(),
        a["travel_time"].tolist(),
        a["highway"].tolist(),
        a["oneway"].tolist(),
        strict=True,
    )
    G.add_edges_from(
        (
            u,
            v,
            k,
            {
                "osmid": j,
                "highway": h,
                "oneway": o,
                "reversed": False,
                "length": ln,
                "speed_kph": s,
                "travel_time": t,
            },
        )
        for j, (u, v, k, ln, s, t, h, o) in enumerate(cols)
    )
    return G
