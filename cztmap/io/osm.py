"""OpenStreetMap street networks for cztmap, read offline or downloaded on request, via osmnx.

Three ways to get a drive network (an osmnx ``MultiDiGraph``, crs ``EPSG:4326``, nodes ``kind="road"``,
edges ``mode="road"`` with ``highway``, ``length`` (m), ``speed_kph`` and ``travel_time`` (s)):

- :func:`roads_from_file` reads a local ``.osm``/``.osm.xml`` (osmnx) or ``.osm.pbf`` (pyrosm) extract;
- :func:`download_roads` fetches one from Overpass (explicit, online only) and keeps a GraphML copy so the
  next call with the same area is offline;
- :func:`add_china_speeds` fills speeds where OSM has no ``maxspeed``, from Chinese design speeds
  (:data:`CHINA_HWY_SPEEDS_KMH`).

:func:`merge_roads` then replaces the schematic road corridors of a transit graph (see
``docs/architecture.md``, "Graph contract") with the real streets, and links stations, zones and points to
their nearest street node by ``access`` edges.

OSM data is (c) OpenStreetMap contributors, ODbL 1.0; cite it wherever a graph made here is published.

Examples
--------
>>> from cztmap.io.osm import CHINA_HWY_SPEEDS_KMH
>>> CHINA_HWY_SPEEDS_KMH["motorway"], CHINA_HWY_SPEEDS_KMH["primary"]
(100.0, 50.0)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import socket
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import networkx as nx

from cztmap.errors import DataError, UsageError
from cztmap.params import DEFAULTS, Params

__all__ = [
    "CHINA_FALLBACK_SPEED_KMH",
    "CHINA_HWY_SPEEDS_KMH",
    "DEFAULT_BBOX",
    "DOWNLOAD",
    "DRIVE_HIGHWAYS",
    "ROAD_NODE_PREFIX",
    "SPEED_SOURCES",
    "add_china_speeds",
    "download_roads",
    "merge_roads",
    "roads_from_file",
]

# --------------------------------------------------------------------------------------------
# constants (each with its source; "assumption" where no published figure exists)
# --------------------------------------------------------------------------------------------

#: Free-flow speed (km/h) by OSM ``highway`` class, used only where an edge has no ``maxspeed``.
#: OSM China tags ``motorway`` = 高速公路 / 城市快速路 (grade-separated), ``trunk`` = 一级公路 or 城市快速路,
#: ``primary`` = 主干路 / 省道, ``secondary`` = 次干路 / 县道, ``tertiary`` = 支路 / 乡道,
#: ``residential``/``unclassified`` = 支路 and local streets (OSM wiki, "China/Road classification").
#: Values are the middle design speed of the class; see :data:`SPEED_SOURCES`.
CHINA_HWY_SPEEDS_KMH: dict[str, float] = {
    "motorway": 100.0,
    "motorway_link": 50.0,
    "trunk": 80.0,
    "trunk_link": 40.0,
    "primary": 50.0,
    "primary_link": 30.0,
    "secondary": 40.0,
    "secondary_link": 30.0,
    "tertiary": 30.0,
    "tertiary_link": 20.0,
    "unclassified": 30.0,
    "residential": 20.0,
    "living_street": 10.0,
    "road": 30.0,
    "service": 15.0,
}

#: km/h for a highway class missing from :data:`CHINA_HWY_SPEEDS_KMH` (CJJ 37 支路 middle value).
CHINA_FALLBACK_SPEED_KMH: float = 30.0

#: Source or rationale of every speed default above.
SPEED_SOURCES: dict[str, str] = {
    "motorway": "JTG B01-2014 公路工程技术标准 Table 3.6.1: 高速公路 design speed 120/100/80 km/h; middle 100 "
    "(also params.road_speed_kmh['expressway']). Urban 快速路 (CJJ 37-2012 §3.2: 100/80/60) share the tag.",
    "trunk": "JTG B01-2014: 一级公路 100/80/60 km/h; CJJ 37-2012 城市快速路 100/80/60; middle 80.",
    "primary": "CJJ 37-2012 城市道路工程设计规范 §3.2.2: 主干路 60/50/40 km/h; middle 50.",
    "secondary": "CJJ 37-2012: 次干路 50/40/30 km/h; middle 40.",
    "tertiary": "CJJ 37-2012: 支路 40/30/20 km/h; middle 30.",
    "unclassified": "CJJ 37-2012 支路 middle 30 (JTG B01-2014 三级公路 40/30 in rural areas).",
    "residential": "CJJ 37-2012 支路 lowest design speed 20 km/h (residential streets).",
    "*_link": "ramps and slip roads: assumption, about half the class speed (JTG D20-2017 gives ramp "
    "design speeds of 40-80 km/h for interchanges; urban slip roads are slower).",
    "living_street": "assumption: 10 km/h (shared space, walking pace of traffic).",
    "road": "assumption: unknown class treated as 支路 (30 km/h).",
    "service": "assumption: 15 km/h (only used with network_type='drive_service').",
    "verification": "JTG B01 figures checked against the English translation of JTG B01-2003 (same speed "
    "table) on scribd (ADB translation); CJJ 37 ranges (快速路 60-100, 主干路 40-60, 次干路 30-50, 支路 "
    "20-40) checked against secondary summaries (e.g. cjfo.cn/ask/show-317438.html); the standards' own "
    "texts were not reachable offline.",
}

#: OSM ``highway`` values a car may use (osmnx's ``drive`` network, written as a positive list).
DRIVE_HIGHWAYS: frozenset[str] = frozenset(
    {
        "motorway",
        "motorway_link",
        "trunk",
        "trunk_link",
        "primary",
        "primary_link",
        "secondary",
        "secondary_link",
        "tertiary",
        "tertiary_link",
        "unclassified",
        "residential",
        "living_street",
        "road",
    }
)
_SERVICE_EXCLUDED = frozenset({"alley", "driveway", "emergency_access", "parking", "parking_aisle", "private"})

#: (west, south, east, north) in WGS-84 covering the urban areas of Changsha (incl. 望城, 星沙, 黄花 airport),
#: Zhuzhou and Xiangtan; about 45 km x 72 km (assumption, read off the district boundaries).
DEFAULT_BBOX: tuple[float, float, float, float] = (112.80, 27.75, 113.30, 28.40)

#: Settings for :func:`download_roads`: ``probe_timeout_s`` is how long the connectivity check waits
#: before declaring the machine offline; ``requests_timeout_s`` is osmnx's timeout for the real query
#: (Overpass needs minutes for a city-region); ``cache_dir`` is the default cache folder.
DOWNLOAD: dict[str, Any] = {
    "probe_timeout_s": 3.0,
    "requests_timeout_s": 180,
    "cache_dir": "~/.cache/cztmap/osm",
}

#: Prefix of road node ids in a merged graph (``O:<osmid>``), so they never clash with transit ids.
ROAD_NODE_PREFIX = "O:"

_XML_SUFFIXES = (".osm", ".osm.xml", ".xml", ".osm.bz2")
_PBF_SUFFIXES = (".osm.pbf", ".pbf")
_NETWORK_TYPES = ("drive", "drive_service")
_CONTRACT_STR_ATTRS = ("name_zh", "name_en", "city", "adcode")


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _ox_settings(**changes: Any) -> Iterator[None]:
    """Temporarily change ``osmnx.settings`` and restore them afterwards."""
    import osmnx as ox

    old = {k: getattr(ox.settings, k) for k in changes}
    try:
        for k, v in changes.items():
            setattr(ox.settings, k, v)
        yield
    finally:
        for k, v in old.items():
            setattr(ox.settings, k, v)


def _values(v: Any) -> list[Any]:
    """An attribute as a list (osmnx stores merged values of simplified edges as lists)."""
    if isinstance(v, (list, tuple, set)):
        return list(v)
    return [] if v is None else [v]


def _is_drivable(data: dict[str, Any], network_type: str) -> bool:
    """Whether an unsimplified OSM edge belongs to the drive (or drive_service) network."""
    allowed = DRIVE_HIGHWAYS | ({"service"} if network_type == "drive_service" else set())
    hwys = [str(h) for h in _values(data.get("highway"))]
    if not any(h in allowed for h in hwys):
        return False
    for tag in ("area",):
        if "yes" in _values(data.get(tag)):
            return False
    if "private" in _values(data.get("access")):
        return False
    for tag in ("motor_vehicle", "motorcar"):
        if "no" in _values(data.get(tag)):
            return False
    return not ("service" in hwys and any(str(s) in _SERVICE_EXCLUDED for s in _values(data.get("service"))))


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for s in sorted(_XML_SUFFIXES + _PBF_SUFFIXES, key=len, reverse=True):
        if name.endswith(s):
            return s
    return path.suffix.lower()


def _check_file(path: str | os.PathLike[str]) -> tuple[Path, str]:
    """Return the path and ``"xml"``/``"pbf"``, or raise DataError naming the file and the fix."""
    p = Path(path).expanduser()
    suffix = _suffix(p)
    if suffix in _PBF_SUFFIXES:
        kind = "pbf"
    elif suffix in _XML_SUFFIXES:
        kind = "xml"
    else:
        raise DataError(
            f"The road file {str(p)!r} has the extension {suffix or '(none)'!r}; give an OpenStreetMap extract "
            "ending in .osm, .osm.xml or .osm.pbf (e.g. from download.geofabrik.de or extract.bbbike.org)."
        )
    if not p.is_file():
        raise DataError(f"The road file {str(p)!r} does not exist; check the path given to --from-file.")
    if p.stat().st_size == 0:
        raise DataError(f"The road file {str(p)!r} is empty; download the OpenStreetMap extract again.")
    with open(p, "rb") as fh:
        head = fh.read(256)
    if kind == "pbf":
        if b"OSMHeader" not in head[:64]:
            raise DataError(
                f"The road file {str(p)!r} is not an OpenStreetMap PBF file (no OSMHeader block); "
                "download the .osm.pbf extract again or give an .osm XML file."
            )
    elif suffix != ".osm.bz2":
        text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if not text.startswith(b"<") or (b"<osm" not in head and not text.startswith(b"<?xml")):
            raise DataError(
                f"The road file {str(p)!r} is not OpenStreetMap XML (it must start with '<?xml' or '<osm'); "
                "export the area again from openstreetmap.org or give an .osm.pbf file."
            )
    return p, kind


def _largest_component(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    import osmnx as ox

    return ox.truncate.largest_component(G, strongly=False)


def _finish_roads(G: nx.MultiDiGraph, source: str) -> nx.MultiDiGraph:
    """Mark nodes/edges per the graph contract, add speeds and travel times."""
    import osmnx as ox

    G.graph["crs"] = "EPSG:4326"
    G.graph["roads_source"] = source
    G.graph["roads_attribution"] = "(c) OpenStreetMap contributors, ODbL 1.0"
    for _, d in G.nodes(data=True):
        d["kind"] = "road"
    for _, _, d in G.edges(data=True):
        d["mode"] = "road"
    if not all("street_count" in d for _, d in G.nodes(data=True)):
        nx.set_node_attributes(G, ox.stats.count_streets_per_node(G), name="street_count")
    return add_china_speeds(G)


def _filter_simplify(G: nx.MultiDiGraph, network_type: str, path: Path) -> nx.MultiDiGraph:
    import osmnx as ox

    drop = [(u, v, k) for u, v, k, d in G.edges(keys=True, data=True) if not _is_drivable(d, network_type)]
    G.remove_edges_from(drop)
    G.remove_nodes_from([n for n in list(G.nodes) if G.degree(n) == 0])
    if G.number_of_edges() == 0:
        raise DataError(
            f"The road file {str(path)!r} contains no drivable roads (highway=motorway…residential); "
            "give an extract that covers a built-up area."
        )
    G = _largest_component(G)
    if not G.graph.get("simplified"):
        G = ox.simplification.simplify_graph(G)
    return G


def _read_xml(path: Path, network_type: str) -> nx.MultiDiGraph:
    import osmnx as ox

    extra = [t for t in ("motor_vehicle", "motorcar") if t not in ox.settings.useful_tags_way]
    try:
        with _ox_settings(useful_tags_way=list(ox.settings.useful_tags_way) + extra, log_console=False):
            G = ox.graph_from_xml(path, bidirectional=False, simplify=False, retain_all=True)
    except Exception as exc:  # ParseError, osmnx's empty-graph errors, bz2 errors ...
        if "no" in str(exc).lower() and ("node" in str(exc).lower() or "graph" in str(exc).lower()):
            raise DataError(
                f"The road file {str(path)!r} contains no roads; give an OpenStreetMap extract with highways."
            ) from exc
        raise DataError(
            f"The road file {str(path)!r} could not be read as OpenStreetMap XML ({type(exc).__name__}: "
            f"{str(exc)[:120]}); export it again or give an .osm.pbf file."
        ) from exc
    return _filter_simplify(G, network_type, path)


def _read_pbf(path: Path, network_type: str) -> nx.MultiDiGraph:
    import geopandas as gpd
    import osmnx as ox
    import pandas as pd

    try:
        import pyrosm
        from pyrosm.graphs import get_directed_edges
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise DataError(
            f"Reading the .pbf file {str(path)!r} needs pyrosm; run `pip install pyrosm` or convert it to .osm XML."
        ) from exc
    pyrosm_type = "driving+service" if network_type == "drive_service" else "driving"
    try:
        osm = pyrosm.OSM(str(path))
        got = osm.get_network(nodes=True, network_type=pyrosm_type)
    except Exception as exc:
        raise DataError(
            f"The road file {str(path)!r} could not be read as OpenStreetMap PBF ({type(exc).__name__}: "
            f"{str(exc)[:120]}); download the extract again."
        ) from exc
    if got is None or got[0] is None or got[1] is None or len(got[1]) == 0:
        raise DataError(
            f"The road file {str(path)!r} contains no drivable roads; give an extract that covers a built-up area."
        )
    nodes, edges = got
    nodes, edges = get_directed_edges(nodes, edges, direction="oneway", network_type=pyrosm_type, osmnx_flags=True)
    ndf = gpd.GeoDataFrame(
        {"x": nodes["lon"].astype(float).to_numpy(), "y": nodes["lat"].astype(float).to_numpy()},
        geometry=nodes.geometry.to_numpy(),
        index=pd.Index(nodes["id"].astype("int64").to_numpy(), name="osmid"),
        crs="EPSG:4326",
    )
    ndf = ndf[~ndf.index.duplicated()]
    keep = [
        c
        for c in ("highway", "name", "maxspeed", "lanes", "ref", "bridge", "tunnel", "junction", "access", "service")
        if c in edges.columns
    ]
    edf = edges[keep].copy()
    edf["osmid"] = edges["id"].astype("int64").to_numpy()
    edf["oneway"] = edges["osmnx:oneway"].astype(bool).to_numpy()
    edf["reversed"] = edges["osmnx:reversed"].astype(bool).to_numpy()
    edf["length"] = edges["length"].astype(float).to_numpy()
    for c in keep:  # osmnx expects missing tags to be absent, not None/NaN
        edf[c] = edf[c].where(edf[c].notna(), None)
    u = edges["u"].astype("int64").to_numpy()
    v = edges["v"].astype("int64").to_numpy()
    key = pd.Series(0, index=range(len(edf))).groupby([u, v]).cumcount().to_numpy()
    edf.index = pd.MultiIndex.from_arrays([u, v, key], names=["u", "v", "key"])
    edf = gpd.GeoDataFrame(edf, geometry=edges.geometry.to_numpy(), crs="EPSG:4326")
    G = ox.convert.graph_from_gdfs(ndf, edf, graph_attrs={"crs": "EPSG:4326"})
    for _, _, d in G.edges(data=True):  # straight node-to-node segments: osmnx keeps no geometry
        d.pop("geometry", None)
        for k in [k for k, val in d.items() if val is None or (isinstance(val, float) and math.isnan(val))]:
            del d[k]
    for _, d in G.nodes(data=True):
        d.pop("geometry", None)
    return _filter_simplify(G, network_type, path)


# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------


def roads_from_file(path: str | os.PathLike[str], *, network_type: str = "drive") -> nx.MultiDiGraph:
    """Read the drive network of a local OpenStreetMap extract.

    Parameters
    ----------
    path : path-like
        ``.osm`` / ``.osm.xml`` / ``.osm.bz2`` (read by :func:`osmnx.graph_from_xml`) or ``.osm.pbf`` / ``.pbf``
        (read by pyrosm, then :func:`osmnx.convert.graph_from_gdfs`).
    network_type : {"drive", "drive_service"}
        ``drive`` keeps the :data:`DRIVE_HIGHWAYS` classes (osmnx's ``drive`` network: no service roads, no
        ``access=private``, ``motor_vehicle=no`` or ``area=yes``); ``drive_service`` adds public service roads.

    Returns
    -------
    networkx.MultiDiGraph
        Simplified osmnx graph (largest weakly connected component), crs ``EPSG:4326``, node ids the OSM ids,
        nodes ``kind="road"`` with ``x``/``y``/``street_count``, edges ``mode="road"`` with ``highway``,
        ``length`` (m), ``speed_kph`` and ``travel_time`` (s) from :func:`add_china_speeds`.

    Raises
    ------
    DataError
        The file is missing, empty, not OSM XML/PBF, has another extension, or holds no drivable road.
    UsageError
        ``network_type`` is not one of the supported values.

    Examples
    --------
    >>> from pathlib import Path
    >>> import cztmap
    >>> fixture = Path(cztmap.__file__).parents[1] / "tests" / "data" / "kouvola_tiny.osm"
    >>> G = roads_from_file(fixture)  # a tiny real extract (Kouvola, Finland; ODbL)
    >>> {d["kind"] for _, d in G.nodes(data=True)}
    {'road'}
    """
    if network_type not in _NETWORK_TYPES:
        raise UsageError(f"Unknown network_type {network_type!r}; use one of {', '.join(_NETWORK_TYPES)}.")
    p, kind = _check_file(path)
    G = _read_pbf(p, network_type) if kind == "pbf" else _read_xml(p, network_type)
    return _finish_roads(G, f"file:{p.name}")


def add_china_speeds(
    G: nx.MultiDiGraph,
    *,
    hwy_speeds: dict[str, float] | None = None,
    fallback: float = CHINA_FALLBACK_SPEED_KMH,
) -> nx.MultiDiGraph:
    """Add ``speed_kph`` and ``travel_time`` to the road edges, in place, and return ``G``.

    An edge with a numeric OSM ``maxspeed`` keeps it; other edges get the Chinese design speed of their
    ``highway`` class (:data:`CHINA_HWY_SPEEDS_KMH`, sources in :data:`SPEED_SOURCES`), else ``fallback``.
    A simplified edge whose ``highway`` is a list (osmnx merges the classes of the ways it joins) gets the
    mean speed of those classes, not osmnx's "first element". Edges without ``highway`` (transit edges of a
    merged graph) are left alone. Computed with :func:`osmnx.routing.add_edge_speeds` and
    :func:`osmnx.routing.add_edge_travel_times`.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Graph with ``crs``, node ``x``/``y`` and edge ``length`` (m) and ``highway``.
    hwy_speeds : dict, optional
        Overrides of :data:`CHINA_HWY_SPEEDS_KMH` (km/h by class).
    fallback : float
        km/h for classes in neither table.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph(crs="EPSG:4326")
    >>> G.add_node(1, x=113.0, y=28.2); G.add_node(2, x=113.01, y=28.2)
    >>> _ = G.add_edge(1, 2, length=1000.0, highway=["primary", "secondary"])
    >>> _ = G.add_edge(2, 1, length=1000.0, highway="primary", maxspeed="60")
    >>> _ = add_china_speeds(G)
    >>> G.edges[1, 2, 0]["speed_kph"], round(G.edges[1, 2, 0]["travel_time"])
    (45.0, 80)
    >>> G.edges[2, 1, 0]["speed_kph"]
    60.0
    """
    import osmnx as ox

    speeds = dict(CHINA_HWY_SPEEDS_KMH)
    speeds.update(hwy_speeds or {})
    road = [(u, v, k) for u, v, k, d in G.edges(keys=True, data=True) if d.get("highway") is not None]
    if not road:
        return G
    H = nx.MultiDiGraph(crs=G.graph.get("crs", "EPSG:4326"))
    used: set[str] = set()
    for u, v, k in road:
        d = G.edges[u, v, k]
        for n in (u, v):
            if n not in H:
                H.add_node(n, x=G.nodes[n]["x"], y=G.nodes[n]["y"])
        hw = [str(h) for h in _values(d["highway"])]
        key = "|".join(sorted(set(hw)))
        if key not in speeds:
            speeds[key] = sum(speeds.get(h, fallback) for h in set(hw)) / len(set(hw))
        used.add(key)
        attrs = {"highway": key, "length": float(d.get("length", 0.0))}
        if d.get("maxspeed") is not None:
            attrs["maxspeed"] = d["maxspeed"]
        H.add_edge(u, v, key=k, **attrs)
    H = ox.routing.add_edge_speeds(H, hwy_speeds={h: speeds[h] for h in used}, fallback=fallback)
    H = ox.routing.add_edge_travel_times(H)
    for u, v, k, d in H.edges(keys=True, data=True):
        e = G.edges[u, v, k]
        sp = float(d["speed_kph"])
        if not math.isfinite(sp) or sp <= 0:  # e.g. maxspeed="0" or "none"
            sp = speeds.get(d["highway"], fallback)
        e["speed_kph"] = sp
        e["travel_time"] = float(e.get("length", 0.0)) / (sp / 3.6)
    return G


def _probe(url: str, timeout: float) -> str | None:
    """Return None if a TCP connection to the URL's host opens within ``timeout`` s, else the reason."""
    import requests

    proxy = requests.utils.get_environ_proxies(url).get(urlparse(url).scheme)
    u = urlparse(proxy if proxy else url)  # behind an HTTP(S) proxy, probe the proxy
    host = u.hostname or ""
    port = u.port or (443 if u.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except OSError as exc:
        return f"{host}:{port}: {exc.__class__.__name__}"


def _cache_name(bbox: tuple[float, float, float, float] | None, place: str | None) -> str:
    key = json.dumps({"bbox": bbox, "place": place, "network": "drive", "v": 1}, sort_keys=True)
    return f"drive_{hashlib.sha1(key.encode()).hexdigest()[:12]}.graphml"


def download_roads(
    *,
    bbox: tuple[float, float, float, float] | None = None,
    place: str | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
) -> nx.MultiDiGraph:
    """Download the drive network from OpenStreetMap (Overpass) through osmnx; online, explicit only.

    The result is saved as GraphML in ``cache_dir`` (atomically), and a later call for the same area loads
    that copy without any network access. osmnx's HTTP cache is kept in ``cache_dir/http``. Before asking
    Overpass (or Nominatim for ``place``), a TCP connection to the server is tried for
    ``DOWNLOAD["probe_timeout_s"]`` seconds, so an offline machine fails in seconds, not minutes
    (``overpass_rate_limit`` is off: no 60-s status pause).

    Parameters
    ----------
    bbox : (west, south, east, north), optional
        WGS-84 degrees; default :data:`DEFAULT_BBOX` (Changsha, Zhuzhou and Xiangtan urban areas; a large
        download, several minutes and a few hundred MB of RAM).
    place : str, optional
        A place name geocoded by Nominatim (e.g. ``"岳麓区, 长沙市, 湖南省, 中国"``) instead of ``bbox``.
    cache_dir : path-like, optional
        Folder of the GraphML copy and HTTP cache; default ``~/.cache/cztmap/osm``.

    Returns
    -------
    networkx.MultiDiGraph
        As :func:`roads_from_file`.

    Raises
    ------
    DataError
        No internet connection (and no cached copy), or Overpass returned no roads.
    UsageError
        Both ``bbox`` and ``place`` given, or a malformed ``bbox``.
    """
    import osmnx as ox
    import requests

    if bbox is not None and place is not None:
        raise UsageError("Give either bbox or place to download_roads, not both.")
    if place is None:
        bbox = tuple(float(b) for b in (bbox if bbox is not None else DEFAULT_BBOX))  # type: ignore[assignment]
        assert bbox is not None  # for the type checker; set on the line above
        if len(bbox) != 4 or not (-180 <= bbox[0] < bbox[2] <= 180 and -90 <= bbox[1] < bbox[3] <= 90):
            raise UsageError(
                f"The bbox {bbox!r} is not (west, south, east, north) in degrees with west<east and south<north; "
                "e.g. 112.9,28.1,113.1,28.3."
            )
    folder = Path(cache_dir if cache_dir is not None else DOWNLOAD["cache_dir"]).expanduser()
    cached = folder / _cache_name(bbox, place)
    if cached.is_file():
        try:
            G = ox.io.load_graphml(cached)
        except Exception as exc:
            raise DataError(
                f"The cached road graph {str(cached)!r} is unreadable ({type(exc).__name__}); delete it and "
                "download again."
            ) from exc
        G.graph["crs"] = "EPSG:4326"
        return G

    url = ox.settings.nominatim_url if place is not None else ox.settings.overpass_url
    reason = _probe(url, DOWNLOAD["probe_timeout_s"])
    if reason is None and place is not None:
        reason = _probe(ox.settings.overpass_url, DOWNLOAD["probe_timeout_s"])
    if reason is not None:
        raise DataError(
            f"No internet connection (cannot reach {reason}) to download OpenStreetMap roads; "
            "use --from-file with a local .osm or .osm.pbf extract (e.g. from download.geofabrik.de)."
        )
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with _ox_settings(
            use_cache=True,
            cache_folder=str(folder / "http"),
            requests_timeout=DOWNLOAD["requests_timeout_s"],
            overpass_rate_limit=False,
            log_console=False,
        ):
            if place is not None:
                G = ox.graph_from_place(place, network_type="drive", simplify=True, retain_all=False)
            else:
                G = ox.graph_from_bbox(bbox, network_type="drive", simplify=True, retain_all=False)  # type: ignore[arg-type]
    except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
        raise DataError(
            f"No internet connection ({type(exc).__name__} while downloading OpenStreetMap roads); "
            "use --from-file with a local .osm or .osm.pbf extract."
        ) from exc
    except Exception as exc:
        raise DataError(
            f"OpenStreetMap returned no usable roads for {place or bbox!r} ({type(exc).__name__}: "
            f"{str(exc)[:120]}); check the area or use --from-file with a local extract."
        ) from exc
    G = _finish_roads(G, f"overpass:{place or ','.join(map(str, bbox))}")  # type: ignore[arg-type]
    from cztmap._atomic import atomic_path

    with atomic_path(cached, argument="road cache") as tmp:
        ox.io.save_graphml(G, filepath=tmp)
    return G


def _haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    r = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def merge_roads(  # noqa: C901  TODO(layout): split into named steps
    G: nx.MultiDiGraph,
    roads: nx.MultiDiGraph,
    *,
    connect: Iterable[str] = ("station", "zone", "point"),
    params: Params = DEFAULTS,
) -> nx.MultiDiGraph:
    """Return a new graph: transit graph ``G`` with its schematic roads replaced by the street network ``roads``.

    Steps: copy ``G``; drop its schematic road layer (edges ``mode="road"``, nodes ``kind="road"``); add every
    node of ``roads`` as ``O:<osmid>`` (attributes kept, ``kind="road"``, empty ``name_zh``/``name_en``/``city``/
    ``adcode``) and every edge (``mode="road"``; speeds added by :func:`add_china_speeds` if missing); then link
    each node whose ``kind`` is in ``connect`` to its nearest street node (:func:`osmnx.distance.nearest_nodes`,
    needs scikit-learn for unprojected graphs) by two directed ``access`` edges, unless it is farther than
    ``params.access_max_m``. Access ``length`` = haversine distance × ``params.access_detour``; ``travel_time``
    at ``params.walk_speed_mps`` for stations (people walk from the street to the station) and at
    ``params.access_speed_kmh`` for zones and points (door-to-network trip, the same speed used for
    zone/point ↔ station access). Road edges carry free-flow speeds; period congestion
    (``params.road_congestion_factor``) is for the caller to apply.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Transit graph following the graph contract (``docs/architecture.md``).
    roads : networkx.MultiDiGraph
        osmnx street graph (from :func:`roads_from_file` or :func:`download_roads`); projected graphs are
        converted back to WGS-84.
    connect : iterable of str
        Node kinds to link to the streets (subset of ``station``, ``platform``, ``zone``, ``point``).
    params : Params
        Model constants (``walk_speed_mps``, ``access_speed_kmh``, ``access_detour``, ``access_max_m``).

    Returns
    -------
    networkx.MultiDiGraph
        ``G.graph`` plus ``roads_source``, ``roads_attribution`` and ``road_access`` (count of linked nodes).

    Raises
    ------
    UsageError
        ``connect`` names an unknown kind.
    DataError
        ``roads`` is empty, or a node lacks ``x``/``y``.
    """
    import osmnx as ox

    kinds = tuple(connect)
    bad = sorted(set(kinds) - {"station", "platform", "zone", "point"})
    if bad:
        raise UsageError(f"Unknown node kind(s) {', '.join(bad)} in connect; use station, platform, zone or point.")
    if roads.number_of_nodes() == 0 or roads.number_of_edges() == 0:
        raise DataError(
            "The road graph given to merge_roads is empty; load one with roads_from_file or download_roads."
        )
    if str(roads.graph.get("crs", "EPSG:4326")).upper() not in ("EPSG:4326", "WGS84"):
        roads = ox.projection.project_graph(roads, to_latlong=True)
    if any(d.get("travel_time") is None for _, _, d in roads.edges(data=True)):
        roads = add_china_speeds(roads.copy())
    if not all("street_count" in d for _, d in roads.nodes(data=True)):
        roads = roads.copy()
        nx.set_node_attributes(roads, ox.stats.count_streets_per_node(roads), name="street_count")

    H = G.copy()
    H.graph.setdefault("crs", "EPSG:4326")
    H.remove_edges_from([(u, v, k) for u, v, k, d in H.edges(keys=True, data=True) if d.get("mode") == "road"])
    H.remove_nodes_from([n for n, d in list(H.nodes(data=True)) if d.get("kind") == "road"])

    def rid(n: Any) -> str:
        return f"{ROAD_NODE_PREFIX}{n}"

    for n, d in roads.nodes(data=True):
        attrs = dict(d)
        attrs["kind"] = "road"
        attrs["osmid"] = n
        for a in _CONTRACT_STR_ATTRS:
            attrs.setdefault(a, "")
        H.add_node(rid(n), **attrs)
    for u, v, d in roads.edges(data=True):
        attrs = dict(d)
        attrs["mode"] = "road"
        H.add_edge(rid(u), rid(v), **attrs)

    todo = [n for n, d in H.nodes(data=True) if d.get("kind") in kinds]
    linked = 0
    if todo:
        try:
            xs = [float(H.nodes[n]["x"]) for n in todo]
            ys = [float(H.nodes[n]["y"]) for n in todo]
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(
                f"A node of the transit graph has no numeric x/y ({exc}); rebuild it with build_graph."
            ) from exc
        try:
            near = ox.distance.nearest_nodes(roads, xs, ys)
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise DataError(
                "Linking places to OSM roads needs scikit-learn; run `pip install 'osmnx[neighbors]'`."
            ) from exc
        walk = params.walk_speed_mps
        drive = params.access_speed_kmh / 3.6
        for n, x, y, r in zip(todo, xs, ys, near, strict=True):
            rn = roads.nodes[r]
            dist = _haversine_m(x, y, float(rn["x"]), float(rn["y"]))
            if dist > params.access_max_m:
                continue
            length = dist * params.access_detour
            speed = walk if H.nodes[n].get("kind") in ("station", "platform") else drive
            tt = length / speed
            # places are origin/arrival node pairs (network.sink): link each side in its own direction only
            role = H.nodes[n].get("role")
            pairs = (
                [(n, rid(r))]
                if role == "origin"
                else [(rid(r), n)]
                if role == "destination"
                else [(n, rid(r)), (rid(r), n)]
            )
            for a, b in pairs:
                H.add_edge(a, b, mode="access", length=length, travel_time=tt, access_speed_mps=speed)
            linked += 1

    missing = [n for n, d in H.nodes(data=True) if "street_count" not in d]
    if missing:
        counts = ox.stats.count_streets_per_node(H, nodes=missing)
        for n in missing:
            H.nodes[n]["street_count"] = int(counts.get(n, 0))
    H.graph["crs"] = "EPSG:4326"
    H.graph["roads_source"] = roads.graph.get("roads_source", "osm")
    H.graph["roads_attribution"] = "(c) OpenStreetMap contributors, ODbL 1.0"
    H.graph["road_access"] = linked
    return H
