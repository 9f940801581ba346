"""Static figures (matplotlib, no display needed) of the network and of isochrones.

Figures are built with :class:`matplotlib.figure.Figure` directly (never ``pyplot``), so they work with
any backend and do not touch global state. Every plot function returns the :class:`PlotFigure` (a
Figure that shows itself inline in Jupyter through ``_repr_png_``, whatever the backend); pass ``ax=`` to
draw into your own axes (its figure is returned). Labels are English: the default fonts have no CJK glyphs.

Examples
--------
>>> import pathlib, tempfile
>>> from cztmap import load_dataset
>>> from cztmap.viz.plots import plot_network, save_figure
>>> out = pathlib.Path(tempfile.mkdtemp()) / "network.png"
>>> fig = plot_network(load_dataset(as_of="2024-01-01"))
>>> _ = save_figure(fig, out)
>>> out.read_bytes()[1:4]
b'PNG'
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from shapely.geometry import MultiLineString, MultiPolygon, Polygon

from cztmap._atomic import atomic_path, atomic_write_bytes
from cztmap.errors import UsageError
from cztmap.viz.classify import ISOCHRONE as _ISO  # viridis: no near-white class

__all__ = ["PlotFigure", "plot_isochrones", "plot_network", "save_figure"]


class PlotFigure(Figure):
    """A matplotlib Figure that displays itself in notebooks (PNG), with no pyplot and any backend."""

    def _repr_png_(self) -> bytes:
        import io

        buf = io.BytesIO()
        self.savefig(buf, format="png", dpi=90)
        return buf.getvalue()


def _new_axes(ax: Axes | None, figsize: tuple[float, float] = (9, 9)) -> Axes:
    if ax is not None:
        if not isinstance(ax, Axes):
            raise UsageError(f"ax must be a matplotlib Axes, got {type(ax).__name__}.")
        return ax
    fig = PlotFigure(figsize=figsize, dpi=100, layout="constrained")
    return fig.add_subplot()


def _colour(value: Any, default: str = "#777777") -> str:
    if isinstance(value, str) and value.startswith("#") and len(value) in (4, 7):
        return value
    return default


def _lines_xy(geom: Any) -> list[tuple[np.ndarray, np.ndarray]]:
    if not hasattr(geom, "is_empty") or geom.is_empty:
        return []
    parts = geom.geoms if isinstance(geom, MultiLineString) else [geom]
    out = []
    for p in parts:
        xy = np.asarray(p.coords)
        out.append((xy[:, 0], xy[:, 1]))
    return out


def _polys(geom: Any) -> list[Polygon]:
    if not hasattr(geom, "is_empty") or geom.is_empty:
        return []
    return list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom] if isinstance(geom, Polygon) else []


def _aspect(ax: Axes, lat: float) -> None:
    ax.set_aspect(1.0 / max(np.cos(np.radians(lat)), 0.1))


def plot_network(ds: Any, ax: Axes | None = None, *, title: str | None = None) -> Figure:
    """Districts (outlines), roads (dashed, schematic), sections in line colours and stations.

    Returns the Axes (``ax.figure`` is the figure to save with :func:`save_figure`).
    """
    for layer in ("stations", "sections", "districts"):
        if not hasattr(ds, layer):
            raise UsageError(f"plot_network needs a Dataset with a {layer!r} layer; use cztmap.load_dataset().")
    ax = _new_axes(ax)
    districts = ds.districts
    if districts is not None and len(districts):
        for geom in districts.geometry:
            for p in _polys(geom):
                x, y = p.exterior.xy
                ax.fill(x, y, facecolor="#efece3", edgecolor="#b0ab9c", linewidth=0.5, zorder=1)
    roads = getattr(ds, "roads", None)
    if roads is not None and len(roads):
        for _, rd in roads.iterrows():
            for x, y in _lines_xy(rd.geometry):
                ax.plot(
                    x,
                    y,
                    color="#d95f02" if rd.get("road_class") == "expressway" else "#7570b3",
                    linewidth=1.0,
                    linestyle="--",
                    alpha=0.7,
                    zorder=2,
                )
    sections = ds.sections
    handles: dict[str, Line2D] = {}
    if sections is not None and len(sections):
        status = sections["status"] if "status" in sections else pd.Series("open", index=sections.index)
        for (_, sec), st in zip(sections.iterrows(), status, strict=False):
            planned = st in ("planned", "under_construction")
            c = _colour(sec.get("colour"))
            for x, y in _lines_xy(sec.geometry):
                ax.plot(
                    x,
                    y,
                    color=c,
                    linewidth=1.6 if planned else 2.6,
                    linestyle=":" if planned else "-",
                    solid_capstyle="round",
                    zorder=3,
                )
            lid = str(sec.get("line_id"))
            if lid not in handles and not planned:
                handles[lid] = Line2D([], [], color=c, linewidth=2.6, label=lid)
    stations = ds.stations
    if stations is not None and len(stations):
        n_lines = (
            stations["lines"].fillna("").map(lambda v: len([s for s in str(v).split(";") if s]))
            if "lines" in stations
            else pd.Series(1, index=stations.index)
        )
        pts = stations.geometry.representative_point()
        inter = (n_lines >= 2).to_numpy()
        ax.scatter(pts.x[~inter], pts.y[~inter], s=9, c="#333333", zorder=4, linewidths=0)
        ax.scatter(pts.x[inter], pts.y[inter], s=34, c="white", edgecolors="#111111", linewidths=1.3, zorder=5)
        _aspect(ax, float(pts.y.mean()))
        minx, miny, maxx, maxy = stations.total_bounds
        if sections is not None and len(sections):
            sb = sections.total_bounds
            minx, miny, maxx, maxy = min(minx, sb[0]), min(miny, sb[1]), max(maxx, sb[2]), max(maxy, sb[3])
        padx, pady = (maxx - minx) * 0.05 + 0.01, (maxy - miny) * 0.05 + 0.01
        ax.set_xlim(minx - padx, maxx + padx)
        ax.set_ylim(miny - pady, maxy + pady)
    legend = [
        *list(handles.values()),
        Line2D(
            [], [], marker="o", linestyle="", markerfacecolor="white", markeredgecolor="#111111", label="interchange"
        ),
    ]
    ax.legend(handles=legend, loc="upper left", fontsize=7, ncol=2, framealpha=0.9)
    as_of = getattr(ds, "as_of", None)
    ax.set_title(title or f"Chang-Zhu-Tan rail network{f' as of {as_of}' if as_of else ''} (WGS-84)", fontsize=11)
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.tick_params(labelsize=7)
    return ax.figure  # type: ignore[return-value]


def plot_isochrones(
    iso_gdf: gpd.GeoDataFrame,
    ax: Axes | None = None,
    *,
    origin: tuple[float, float] | None = None,
    ds: Any = None,
    title: str | None = None,
) -> Figure:
    """Nested isochrone polygons (column ``minutes``), largest first; optional origin and network."""
    if not isinstance(iso_gdf, gpd.GeoDataFrame) or "minutes" not in iso_gdf.columns:
        raise UsageError("plot_isochrones needs a GeoDataFrame with a numeric 'minutes' column.")
    ax = _new_axes(ax)
    iso = iso_gdf.assign(minutes=pd.to_numeric(iso_gdf["minutes"], errors="coerce")).dropna(subset=["minutes"])
    iso = iso[iso.geometry.notna() & ~iso.geometry.is_empty].sort_values("minutes", ascending=False)
    levels = sorted(iso["minutes"].unique())
    idx = np.linspace(0, len(_ISO) - 1, max(len(levels), 1)).round().astype(int)
    colour_of = {lv: _ISO[i] for lv, i in zip(levels, idx, strict=False)}
    for _, row in iso.iterrows():
        for p in _polys(row.geometry):
            x, y = p.exterior.xy
            ax.fill(x, y, facecolor=colour_of[row["minutes"]], edgecolor="#08306b", linewidth=0.6, alpha=0.55, zorder=2)
    if ds is not None and getattr(ds, "sections", None) is not None:
        for _, sec in ds.sections.iterrows():
            for x, y in _lines_xy(sec.geometry):
                ax.plot(x, y, color=_colour(sec.get("colour")), linewidth=1.0, alpha=0.8, zorder=3)
    if origin is not None:
        ax.scatter([origin[0]], [origin[1]], s=60, c="#e31a1c", edgecolors="white", linewidths=1.5, zorder=5)
    if len(iso):
        minx, miny, maxx, maxy = iso.total_bounds
        _aspect(ax, (miny + maxy) / 2)
        padx, pady = (maxx - minx) * 0.05 + 0.005, (maxy - miny) * 0.05 + 0.005
        ax.set_xlim(minx - padx, maxx + padx)
        ax.set_ylim(miny - pady, maxy + pady)
    ax.legend(
        handles=[Patch(facecolor=colour_of[lv], alpha=0.55, label=f"≤ {lv:g} min") for lv in levels],
        loc="upper left",
        fontsize=8,
        title="travel time",
        title_fontsize=8,
    )
    ax.set_title(title or "Isochrones (WGS-84)", fontsize=11)
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.tick_params(labelsize=7)
    return ax.figure  # type: ignore[return-value]


def save_figure(fig: Figure, path: str | os.PathLike[str], *, dpi: int = 150) -> Path:
    """Save a figure as .png or .svg atomically (SVG without a creation date, so it is reproducible)."""
    if isinstance(fig, Axes):
        fig = fig.figure
    if not isinstance(fig, Figure):
        raise UsageError(f"save_figure needs a matplotlib Figure, got {type(fig).__name__}.")
    p = Path(path)
    fmt = p.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise UsageError(f"The figure output {str(p)!r} must end in .png or .svg (got {p.suffix or 'no extension'!r}).")
    metadata: dict[str, Any] = {"Date": None} if fmt == "svg" else {"Software": None}
    if fmt == "svg":
        import io
        import re

        import matplotlib

        buf = io.BytesIO()
        with matplotlib.rc_context({"svg.hashsalt": "cztmap"}):
            fig.savefig(buf, format=fmt, metadata=metadata)
        text = buf.getvalue().decode("utf-8")
        # clip-path ids hash object identities: renumber them in order of appearance
        ids: dict[str, str] = {}
        text = re.sub(r"\bp[0-9a-f]{10}\b", lambda mt: ids.setdefault(mt.group(0), f"clip{len(ids):04d}"), text)
        atomic_write_bytes(p, text.encode("utf-8"))
    else:
        with atomic_path(p) as tmp:
            fig.savefig(tmp, format=fmt, dpi=dpi, metadata=metadata)
    return p
