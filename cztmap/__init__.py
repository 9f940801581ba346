"""cztmap: map and analyse the Chang-Zhu-Tan (长株潭) transport network.

The public API, in the order data flows::

    load_dataset(as_of=...)      curated layers as GeoDataFrames (WGS-84, sourced)
    build_graph(ds, as_of=...)   osmnx-compatible multimodal MultiDiGraph (travel_time in seconds)
    route(G, a, b)               door-to-door itinerary
    station_matrix, zone_matrix, point_matrix, travel_time_matrix   compiled (scipy) matrices
    isochrones(G, origin, minutes)                                 nested polygons
    cross_city_table, accessibility, criticality                   integration metrics
    load_scenario, apply_scenario, scenario_graph, compare         what-ifs and diffs

The package is layered, and its folders are the layers (each imports only the ones before it)::

    errors, params, geo, _atomic, _paths    foundation
    data/       schema, dataset, validate, services, scenario, build
    network/    runtime, build, engine, routing
    io/         gtfs/, osm, layers
    analysis/   matrix, isochrones, integration, criticality, compare
    viz/        maps, plots, _offline
    cli/        the ``cztmap`` command

Every name here is imported on first use (PEP 562 ``__getattr__``), so ``import cztmap`` is cheap and
does not import folium, osmnx, geopandas or matplotlib. Maps, plots, GTFS, OpenStreetMap and exports
are the modules ``cztmap.maps``, ``cztmap.plots``, ``cztmap.gtfs``, ``cztmap.osm`` and ``cztmap.export``
(aliases of ``cztmap.viz.maps``, ``cztmap.viz.plots``, ``cztmap.io.gtfs``, ``cztmap.io.osm`` and
``cztmap.io.layers``).

Examples
--------
>>> import cztmap
>>> G = cztmap.build_graph(as_of="2023-06-28")
>>> it = cztmap.route(G, "湘潭北站", "五一广场")
>>> it.total_s > 0
True
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from cztmap import _compat

_compat.install()


def _version() -> str:
    """The installed version (read on first use of ``cztmap.__version__``: importlib.metadata is slow)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cztmap")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree that was never installed
        return "0.0.0+unknown"


#: Public name → the module that defines it.
_API: dict[str, str] = {
    "CztmapError": "cztmap.errors",
    "DataError": "cztmap.errors",
    "NoRouteError": "cztmap.errors",
    "ScenarioError": "cztmap.errors",
    "StationNotFoundError": "cztmap.errors",
    "UsageError": "cztmap.errors",
    "DEFAULTS": "cztmap.params",
    "Params": "cztmap.params",
    "Dataset": "cztmap.data.dataset",
    "load_dataset": "cztmap.data.dataset",
    "apply_scenario": "cztmap.data.scenario",
    "load_scenario": "cztmap.data.scenario",
    "add_point": "cztmap.network.build",
    "build_graph": "cztmap.network.build",
    "scenario_graph": "cztmap.network.build",
    "CompiledGraph": "cztmap.network.engine",
    "compile_graph": "cztmap.network.engine",
    "travel_time_matrix": "cztmap.network.engine",
    "Itinerary": "cztmap.network.routing",
    "in_vehicle_time": "cztmap.network.routing",
    "route": "cztmap.network.routing",
    "window_travel_times": "cztmap.network.routing",
    "Timetable": "cztmap.network.timetable",
    "embedded_timetable": "cztmap.network.timetable",
    "hex_grid": "cztmap.analysis.matrix",
    "point_matrix": "cztmap.analysis.matrix",
    "station_matrix": "cztmap.analysis.matrix",
    "zone_matrix": "cztmap.analysis.matrix",
    "isochrones": "cztmap.analysis.isochrones",
    "accessibility": "cztmap.analysis.integration",
    "cross_city_table": "cztmap.analysis.integration",
    "criticality": "cztmap.analysis.criticality",
    "compare": "cztmap.analysis.compare",
    "read_graph": "cztmap.io.layers",
    "write_graph": "cztmap.io.layers",
    "write_layers": "cztmap.io.layers",
    "to_osmnx": "cztmap.io.convert",
    "from_osmnx": "cztmap.io.convert",
    "street_view": "cztmap.io.convert",
    "read_osmnx_graphml": "cztmap.io.convert",
    "write_osmnx_graphml": "cztmap.io.convert",
    "resolve_node": "cztmap.network.names",
}

#: Short module names kept from the flat layout (``from cztmap import maps`` still works).
_MODULES: dict[str, str] = {
    "maps": "cztmap.viz.maps",
    "plots": "cztmap.viz.plots",
    "gtfs": "cztmap.io.gtfs",
    "osm": "cztmap.io.osm",
    "export": "cztmap.io.layers",
    "geo": "cztmap.geo",
    "errors": "cztmap.errors",
    "params": "cztmap.params",
    "data": "cztmap.data",
    "network": "cztmap.network",
    "io": "cztmap.io",
    "analysis": "cztmap.analysis",
    "viz": "cztmap.viz",
    "cli": "cztmap.cli",
}

__all__ = [
    "DEFAULTS",
    "CompiledGraph",
    "CztmapError",
    "DataError",
    "Dataset",
    "Itinerary",
    "NoRouteError",
    "Params",
    "ScenarioError",
    "StationNotFoundError",
    "Timetable",
    "UsageError",
    "__version__",
    "accessibility",
    "add_point",
    "apply_scenario",
    "build_graph",
    "compare",
    "compile_graph",
    "criticality",
    "cross_city_table",
    "embedded_timetable",
    "from_osmnx",
    "hex_grid",
    "in_vehicle_time",
    "isochrones",
    "load_dataset",
    "load_scenario",
    "point_matrix",
    "read_graph",
    "read_osmnx_graphml",
    "resolve_node",
    "route",
    "scenario_graph",
    "station_matrix",
    "street_view",
    "to_osmnx",
    "travel_time_matrix",
    "window_travel_times",
    "write_graph",
    "write_layers",
    "write_osmnx_graphml",
    "zone_matrix",
]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        value: Any = _version()
    elif name in _API:
        value = getattr(importlib.import_module(_API[name]), name)
    elif name in _MODULES:
        value = importlib.import_module(_MODULES[name])
    else:
        raise AttributeError(f"module 'cztmap' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*__all__, *_MODULES])


if TYPE_CHECKING:  # static analysers and IDEs see the real names
    __version__: str
    from cztmap.analysis.compare import compare
    from cztmap.analysis.criticality import criticality
    from cztmap.analysis.integration import accessibility, cross_city_table
    from cztmap.analysis.isochrones import isochrones
    from cztmap.analysis.matrix import hex_grid, point_matrix, station_matrix, zone_matrix
    from cztmap.data.dataset import Dataset, load_dataset
    from cztmap.data.scenario import apply_scenario, load_scenario
    from cztmap.errors import CztmapError, DataError, NoRouteError, ScenarioError, StationNotFoundError, UsageError
    from cztmap.io.convert import from_osmnx, read_osmnx_graphml, street_view, to_osmnx, write_osmnx_graphml
    from cztmap.io.layers import read_graph, write_graph, write_layers
    from cztmap.network.build import add_point, build_graph, scenario_graph
    from cztmap.network.engine import CompiledGraph, compile_graph, travel_time_matrix
    from cztmap.network.names import resolve_node
    from cztmap.network.routing import Itinerary, in_vehicle_time, route, window_travel_times
    from cztmap.network.timetable import Timetable, embedded_timetable
    from cztmap.params import DEFAULTS, Params
