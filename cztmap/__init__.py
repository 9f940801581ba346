"""cztmap: map and analyse the Chang-Zhu-Tan (长株潭) transport network.

The public API, in the order data flows::

    load_dataset(as_of=...)      curated layers as GeoDataFrames (WGS-84, sourced)
    build_graph(ds, as_of=...)   osmnx-compatible multimodal MultiDiGraph (travel_time in seconds)
    route(G, a, b)               door-to-door itinerary

Examples
--------
>>> import cztmap
>>> G = cztmap.build_graph(as_of="2023-06-28")
>>> it = cztmap.route(G, "湘潭北站", "五一广场")
>>> it.total_s > 0
True
"""

from __future__ import annotations

from .dataset import Dataset, load_dataset
from .errors import CztmapError, DataError, NoRouteError, ScenarioError, StationNotFoundError, UsageError
from .network import add_point, build_graph
from .params import DEFAULTS, Params
from .routing import Itinerary, in_vehicle_time, route

__version__ = "0.1.0"

__all__ = [
    "DEFAULTS",
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
    "add_point",
    "build_graph",
    "in_vehicle_time",
    "load_dataset",
    "route",
]
