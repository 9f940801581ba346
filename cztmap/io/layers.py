"""Write the dataset layers, graphs and result tables to GIS formats (every file atomically).

* :func:`write_layers` — the dataset layers (``stations``, ``sections``, ``lines``, ``roads``,
  ``districts``) to a **GeoPackage** (``.gpkg``: one file, one layer per dataset layer), **GeoParquet**
  (``.parquet``) or **GeoJSON** (``.geojson``). GeoParquet and GeoJSON hold one layer per file: with
  one layer selected the file is ``path`` itself; with several, one file per layer is written next to
  it as ``<stem>.<layer>.<ext>`` (``out/czt.parquet`` → ``out/czt.stations.parquet``, …).
* :func:`write_graph` / :func:`read_graph` — GraphML through ``osmnx.io.save_graphml``, and back with
  string node ids, integer edge keys and numeric/boolean/geometry attributes restored (osmnx's own
  ``load_graphml`` would cast node ids to int, which fails on ``S:<station_id>``).
* :func:`write_frame` — an isochrone or matrix (Geo)DataFrame, format by extension (``.gpkg``,
  ``.parquet``, ``.geojson``, ``.csv`` with geometry as WKT).

Examples
--------
>>> import tempfile, pathlib, geopandas as gpd
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> [p.name for p in write_layers(d / "czt.gpkg", as_of="2024-01-01", layers=["stations"])]
['czt.gpkg']
>>> len(gpd.read_file(d / "czt.gpkg", layer="stations")) > 100
True
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import warnings
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import pandas as pd
from shapely import wkt

from cztmap._atomic import atomic_path, check_writable
from cztmap.data.dataset import SCHEMA, Dataset, load_dataset
from cztmap.errors import DataError, UsageError

__all__ = [
    "FRAME_FORMATS",
    "LAYER_FORMATS",
    "export_frame",
    "export_graph",
    "export_layers",
    "load_graph",
    "read_graph",
    "write_frame",
    "write_graph",
    "write_layers",
]

LAYER_FORMATS = (".gpkg", ".parquet", ".geojson")
FRAME_FORMATS = (".gpkg", ".parquet", ".geojson", ".csv")
_DRIVER = {".gpkg": "GPKG", ".geojson": "GeoJSON"}
#: The write time GDAL records in GeoPackages (fixed: same input, same bytes).
GDAL_TIMESTAMP = "2000-01-01T00:00:00.000Z"

#: Attributes restored as numbers/booleans by :func:`read_graph` (everything else stays a string).
FLOAT_ATTRS = frozenset(
    {
        "x",
        "y",
        "length",
        "travel_time",
        "in_vehicle_time",
        "wait_time",
        "walk_time",
        "headway_min",
        "access_time",
        "speed_kph",
        "population",
        "position_error_m",
        "lat",
        "lon",
    }
)
INT_ATTRS = frozenset({"street_count"})
BOOL_ATTRS = frozenset({"long_access", "reversed", "oneway"})


def _suffix(path: Path, allowed: tuple[str, ...], what: str) -> str:
    ext = path.suffix.lower()
    if ext not in allowed:
        raise UsageError(
            f"Cannot write {what} to {str(path)!r}: unknown extension {ext or '(none)'!r}; "
            f"use one of {', '.join(allowed)}."
        )
    return ext


def _write_gdf(gdf: gpd.GeoDataFrame | pd.DataFrame, tmp: Path, ext: str, layer: str | None = None) -> None:
    if ext == ".parquet":
        if isinstance(gdf, gpd.GeoDataFrame) and gdf.geometry.name in gdf:
            gdf.to_parquet(tmp, index=False)
        else:
            pd.DataFrame(gdf).to_parquet(tmp, index=False)
    elif ext == ".csv":
        df = pd.DataFrame(gdf).copy()
        if isinstance(gdf, gpd.GeoDataFrame) and gdf.geometry.name in gdf:
            df[gdf.geometry.name] = gdf.geometry.to_wkt()
        df.to_csv(tmp, index=False)
    else:
        if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf:
            raise UsageError(f"A {ext} file needs a geometry column; write this table as .csv or .parquet instead.")
        with _gdal_target(tmp, ext) as out:
            gdf.to_file(out, layer=layer, driver=_DRIVER[ext], engine="pyogrio")


@contextlib.contextmanager
def _gdal_target(tmp: Path, ext: str) -> Iterator[Path]:
    """A scratch name ending in ``ext`` next to ``tmp`` (GDAL wants the right extension), moved onto ``tmp``.

    GDAL stamps a GeoPackage with the time of writing (``gpkg_contents.last_change``); it is pinned to
    :data:`GDAL_TIMESTAMP` while writing so that the same layers give the same bytes.
    """
    import pyogrio

    out = tmp.with_name(tmp.name + ext)
    old = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": GDAL_TIMESTAMP})
    try:
        yield out
        os.replace(out, tmp)
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": old})
        out.unlink(missing_ok=True)


def _prepare(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = gdf.copy()
    for c in out.columns:
        if c != out.geometry.name and out[c].dtype == object:
            out[c] = out[c].map(lambda v: v if v is None or isinstance(v, str | int | float | bool) else str(v))
    return out


def write_layers(
    path: str | os.PathLike[str],
    *,
    as_of: str | dt.date | None = None,
    ds: Dataset | None = None,
    layers: Iterable[str] | None = None,
) -> list[Path]:
    """Write dataset layers to a GeoPackage, GeoParquet or GeoJSON; return the files written.

    Parameters
    ----------
    path : path
        ``.gpkg`` (all layers in one file), ``.parquet`` or ``.geojson`` (one file per layer; see module docs).
    as_of : str or date, optional
        Export the network open that day (default: every feature, including closed and planned).
    ds : Dataset, optional
        Layers to export (default: the embedded dataset).
    layers : iterable of str, optional
        Subset of ``stations, sections, lines, roads, districts`` (default: all).

    Returns
    -------
    list of Path
        The files written (one GeoPackage, or one file per layer).

    Raises
    ------
    UsageError
        Unknown extension or layer, unwritable path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = write_layers(pathlib.Path(tempfile.mkdtemp()) / "stations.geojson", layers=["stations"])
    >>> [p.name for p in out]
    ['stations.geojson']
    """
    p = Path(path)
    ext = _suffix(p, LAYER_FORMATS, "layers")
    names = list(SCHEMA) if layers is None else ([layers] if isinstance(layers, str) else list(layers))
    unknown = [n for n in names if n not in SCHEMA]
    if unknown or not names:
        raise UsageError(f"Unknown layer(s) {', '.join(unknown) or '(none given)'}; choose from {', '.join(SCHEMA)}.")
    if ds is None:
        ds = load_dataset()
    if as_of is not None:
        ds = ds.filter(as_of)
    frames = {n: _prepare(getattr(ds, n)) for n in names}
    if ext == ".gpkg":
        with atomic_path(p, argument="layers output") as tmp, _gdal_target(tmp, ext) as out:
            for i, (n, gdf) in enumerate(frames.items()):
                gdf.to_file(out, layer=n, driver="GPKG", engine="pyogrio", mode="a" if i else "w")
        return [p]
    targets = {names[0]: p} if len(names) == 1 else {n: p.with_name(f"{p.stem}.{n}{ext}") for n in names}
    for t in targets.values():
        check_writable(t, argument="layers output")
    for n, t in targets.items():
        with atomic_path(t, argument="layers output") as tmp:
            _write_gdf(frames[n], tmp, ext, layer=n)
    return list(targets.values())


def write_frame(
    frame: gpd.GeoDataFrame | pd.DataFrame, path: str | os.PathLike[str], *, layer: str | None = None
) -> Path:
    """Write an isochrone/matrix table; the format follows the extension (``.gpkg .parquet .geojson .csv``).

    Raises
    ------
    UsageError
        Unknown extension, or a geometry-only format for a table without geometry.
    """
    p = Path(path)
    ext = _suffix(p, FRAME_FORMATS, "the table")
    gdf = _prepare(frame) if isinstance(frame, gpd.GeoDataFrame) else frame
    with atomic_path(p, argument="output") as tmp:
        _write_gdf(gdf, tmp, ext, layer=layer or p.stem)
    return p


def write_graph(G: nx.MultiDiGraph, path: str | os.PathLike[str]) -> Path:
    """Save ``G`` as GraphML (``osmnx.io.save_graphml``), atomically; read it back with :func:`read_graph`.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        A cztmap graph (``build_graph``, ``scenario_graph``, an imported feed or a merged OSM network).
    path : path
        The ``.graphml`` file to write (replaced atomically).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    UsageError
        The extension is not ``.graphml`` or the folder cannot be written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from cztmap.network.build import build_graph
    >>> G = build_graph(as_of="2024-01-01", modes=["maglev"], zones=False)
    >>> out = write_graph(G, pathlib.Path(tempfile.mkdtemp()) / "maglev.graphml")
    >>> H = read_graph(out)
    >>> (H.number_of_nodes(), H.number_of_edges()) == (G.number_of_nodes(), G.number_of_edges())
    True
    """
    import osmnx as ox

    p = Path(path)
    _suffix(p, (".graphml",), "a graph")
    with atomic_path(p, argument="graph output") as tmp:
        ox.io.save_graphml(G, filepath=tmp)
    return p


def _convert(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if key in FLOAT_ATTRS:
        return float(value) if value not in ("", "None") else float("nan")
    if key in INT_ATTRS:
        return int(float(value))
    if key in BOOL_ATTRS:
        return value == "True"
    if key == "geometry" and value:
        return wkt.loads(value)
    return value


def read_graph(path: str | os.PathLike[str]) -> nx.MultiDiGraph:
    """Read a GraphML written by :func:`write_graph`: string node ids, int edge keys, typed attributes.

    Parameters
    ----------
    path : path
        A ``.graphml`` written by :func:`write_graph` (or ``cztmap export graph``, ``cztmap roads -o``,
        ``cztmap import-gtfs -o``).

    Returns
    -------
    networkx.MultiDiGraph
        The graph, with the attribute types of the graph contract (``docs/architecture.md``).

    Raises
    ------
    UsageError
        The file does not exist.
    DataError
        The file is not GraphML.

    Examples
    --------
    See :func:`write_graph`.
    """
    p = Path(path)
    if not p.is_file():
        raise UsageError(f"Graph file {str(p)!r} does not exist; give a .graphml written by `write_graph`.")
    try:
        raw = nx.read_graphml(p, force_multigraph=True)
    except Exception as exc:  # ElementTree and networkx raise several types
        raise DataError(
            f"Graph file {str(p)!r} is not valid GraphML ({exc}); write it again with `write_graph`."
        ) from None
    G = nx.MultiDiGraph()
    G.graph.update({k: _convert(k, v) for k, v in raw.graph.items() if k not in ("node_default", "edge_default")})
    for n, d in raw.nodes(data=True):
        G.add_node(str(n), **{k: _convert(k, v) for k, v in d.items()})
    for u, v, k, d in raw.edges(keys=True, data=True):
        key = int(k) if isinstance(k, str) and k.isdigit() else k
        G.add_edge(str(u), str(v), key=key, **{a: _convert(a, b) for a, b in d.items() if a != "id"})
    return G


def _deprecated(old: str, new: Callable[..., Any]) -> Callable[..., Any]:
    """A 0.1 name kept for one release: warns, then calls ``new``."""

    @functools.wraps(new)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        warnings.warn(
            f"cztmap.io.layers.{old} is now {new.__name__}; the old name goes in 0.3.", DeprecationWarning, stacklevel=2
        )
        return new(*args, **kwargs)

    wrapper.__name__ = old
    wrapper.__doc__ = f"Deprecated alias of :func:`{new.__name__}` (0.1 name, removed in 0.3)."
    return wrapper


export_layers = _deprecated("export_layers", write_layers)
export_frame = _deprecated("export_frame", write_frame)
export_graph = _deprecated("export_graph", write_graph)
load_graph = _deprecated("load_graph", read_graph)
