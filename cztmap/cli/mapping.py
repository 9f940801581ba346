"""The ``map`` command: the network as an HTML (online or offline) or PNG/SVG map."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from cztmap.cli._common import add_date_option, command, info, output_path, suffix
from cztmap.errors import UsageError


def add_parsers(sub: Any) -> None:
    """Add this family's sub-commands to the ``cztmap`` sub-parsers."""
    m = sub.add_parser("map", help="HTML (or PNG/SVG) map of the network")
    m.add_argument("-o", "--output", required=True, help="output file (.html, .png or .svg); '-' writes to stdout")
    add_date_option(m)
    m.add_argument(
        "--offline", action="store_true", help="self-contained HTML: inlined Leaflet, no tiles, no network requests"
    )
    m.add_argument(
        "--basemap",
        default="osm",
        help="tiles under the built-in background: osm (WGS-84), amap (Gaode, GCJ-02: overlays shifted) or none",
    )
    m.add_argument("--show-planned", action="store_true", help="draw planned/under-construction lines dashed")
    m.add_argument("--format", choices=["html", "png", "svg"], help="output format (default: from the extension)")
    m.add_argument("--title", help="map title (default: the network and its date)")


@command("map")
def _cmd_map(args: argparse.Namespace) -> int:
    from cztmap.viz import maps

    fmt = args.format or ("html" if args.output == "-" else suffix(args.output, ("html", "png", "svg"), "output path"))
    if fmt not in ("html", "png", "svg"):
        raise UsageError(f"Unknown --format {fmt!r}; use html, png or svg.")
    from cztmap._atomic import check_writable
    from cztmap.data.dataset import load_dataset

    if args.output != "-":
        check_writable(args.output, argument="output")
    t0 = time.perf_counter()
    with output_path(args.output, default_suffix=fmt) as out:
        if fmt == "html":
            ds = load_dataset(as_of=None)
            m = maps.network_map(
                ds,
                as_of=args.as_of,
                offline=args.offline,
                basemap=args.basemap,
                show_planned=args.show_planned,
                title=args.title,
            )
            maps.save_map(m, out)
        else:
            from cztmap.viz import plots

            ds = load_dataset(as_of=args.as_of)
            plots.save_figure(plots.plot_network(ds, title=args.title), out)
        size = Path(out).stat().st_size
    info(f"wrote {args.output} ({size / 1e6:.2f} MB) in {time.perf_counter() - t0:.1f} s")
    return 0
