"""cztmap: map and analyse the Chang-Zhu-Tan (长株潭) transport network.

The public API, in the order data flows::

    load_dataset(as_of=...)      curated layers as GeoDataFrames (WGS-84, sourced)
    build_graph(ds, as_of=...)   osmnx-compatible multimodal MultiDiGraph (travel_time in seconds)
    route(G, a, b)               door-to-door itinerary
    station_matrix, zone_matrix, point_matrix, travel_time_matrix   compiled (scipy) matrices
    isochrones(G, origin, minutes)                                 nested polygons
    cross_city_table, accessibility, criticality                   integration metrics
    load_scenario, apply_scenario, scenario_graph, compare         what-ifs and diffs

Maps, plots, GTFS, OpenStreetMap and exports live in ``cztmap.maps``, ``cztmap.plots``,
``cztmap.gtfs``, ``cztmap.osm`` and ``cztmap.export`` (imported on demand).

Examples
--------
>>> import cztmap
>>> G = cztmap.build_graph(as_of="2023-06-28")
>>> it = cztmap.route(G, "湘潭北站", "五一广场")
>>> it.total_s > 0
True
"""

from __future__ import annotations

from .criticality import criticality
from .dataset import Dataset, load_dataset
from .engine import CompiledGraph, compile_graph, travel_time_matrix
from .errors import CztmapError, DataError, NoRouteError, ScenarioError, StationNotFoundError, UsageError
from .integration import accessibility, cross_city_table
from .isochrones import isochrones
from .matrix import hex_grid, point_matrix, station_matrix, zone_matrix
from .network import add_point, build_graph
from .params import DEFAULTS, Params
from .routing import Itinerary, in_vehicle_time, route
from .scenarios import apply_scenario, compare, load_scenario, scenario_graph

__version__ = "0.1.0"

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
    "hex_grid",
    "in_vehicle_time",
    "isochrones",
    "load_dataset",
    "load_scenario",
    "point_matrix",
    "route",
    "scenario_graph",
    "station_matrix",
    "travel_time_matrix",
    "zone_matrix",
]
