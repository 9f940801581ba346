"""Module paths of the flat 0.1 layout, kept importable for one release with a DeprecationWarning.

``import cztmap.matrix`` (0.1) now loads ``cztmap.analysis.matrix``; the old name is an alias of the
same module object, so ``from cztmap.matrix import station_matrix`` keeps working unchanged.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import warnings
from types import ModuleType
from typing import Any

#: Old module path → new module path.
MOVED: dict[str, str] = {
    "cztmap.coords": "cztmap.geo",
    "cztmap._io": "cztmap._atomic",
    "cztmap.dataset": "cztmap.data.dataset",
    "cztmap.validate": "cztmap.data.validate",
    "cztmap.databuild": "cztmap.data.build",
    "cztmap.scenarios": "cztmap.data.scenario",
    "cztmap.runtime": "cztmap.network.runtime",
    "cztmap.routing": "cztmap.network.routing",
    "cztmap.engine": "cztmap.network.engine",
    "cztmap.gtfs": "cztmap.io.gtfs",
    "cztmap.osm": "cztmap.io.osm",
    "cztmap.export": "cztmap.io.layers",
    "cztmap.isochrones": "cztmap.analysis.isochrones",
    "cztmap.matrix": "cztmap.analysis.matrix",
    "cztmap.integration": "cztmap.analysis.integration",
    "cztmap.criticality": "cztmap.analysis.criticality",
    "cztmap.maps": "cztmap.viz.maps",
    "cztmap.plots": "cztmap.viz.plots",
}


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        warnings.warn(
            f"{spec.name} moved to {self.target}; import it from there (the old path goes in 0.3).",
            DeprecationWarning,
            stacklevel=2,
        )
        module = importlib.import_module(self.target)
        sys.modules[spec.name] = module
        return module

    def exec_module(self, module: ModuleType) -> None:
        return None


class _AliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname in MOVED:
            return importlib.machinery.ModuleSpec(fullname, _AliasLoader(MOVED[fullname]))
        return None


def install() -> None:
    """Register the alias finder once (idempotent)."""
    if not any(isinstance(f, _AliasFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _AliasFinder())
