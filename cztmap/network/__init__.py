"""Network layer: the run-time model, the multimodal graph, the compiled engine and routing.

``from cztmap.network import build_graph`` keeps working (the 0.1 module ``cztmap.network`` became
this package); the names load lazily from :mod:`cztmap.network.build`.
"""

from __future__ import annotations

import importlib
from typing import Any

_BUILD_NAMES = (
    "ALL_MODES",
    "PERIODS",
    "RAIL_MODES",
    "add_point",
    "build_graph",
    "is_place",
    "scenario_graph",
    "service_of",
    "sink",
    "station_node",
    "summary",
)


def __getattr__(name: str) -> Any:
    if name in _BUILD_NAMES:
        return getattr(importlib.import_module("cztmap.network.build"), name)
    raise AttributeError(f"module 'cztmap.network' has no attribute {name!r}")
