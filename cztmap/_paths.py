"""Where the embedded data lives: inside the installed package, or in a source checkout."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["geo_dir", "scenarios_dir", "sources_dir"]

_PKG = Path(str(resources.files("cztmap")))
_REPO = _PKG.parent


def _find(sub: str, repo_folder: Path | None = None) -> Path:
    packaged = _PKG / "_data" / sub
    if packaged.is_dir():
        return packaged
    return repo_folder if repo_folder is not None else _REPO / "data" / sub


def geo_dir() -> Path:
    """Folder of the curated WGS-84 layers (``data/geo``)."""
    return _find("geo")


def sources_dir() -> Path:
    """Folder of the sourced raw tables (``data/sources``)."""
    return _find("sources")


def scenarios_dir() -> Path:
    """Folder of the shipped scenario files (the repository's ``scenarios/``)."""
    return _find("scenarios", _REPO / "scenarios")
