"""The ``export``, ``import-gtfs`` and ``roads`` commands: GTFS, GIS layers, GraphML and OpenStreetMap."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from cztmap.cli._common import Parser, add_date_option, add_graph_options, command, graph, info, json_safe, suffix
from cztmap.errors import UsageError


def add_parsers(sub: Any) -> None:
    """Add this family's sub-commands to the ``cztmap`` sub-parsers."""
    ex = sub.add_parser("export", help="GTFS feed, GIS layers or the graph")
    exsub = ex.add_subparsers(dest="export_command", metavar="WHAT", parser_class=Parser)
    eg = exsub.add_parser("gtfs", help="the embedded network as a GTFS feed (.zip)")
    eg.add_argument("output", help="feed file, .zip")
    add_date_option(eg)
    eg.add_argument(
        "--trips",
        choices=["timetable", "frequencies"],
        default="timetable",
        help="every trip of a weekday and a weekend day (default), or one trip per direction + frequencies.txt",
    )
    el = exsub.add_parser("layers", help="every dataset layer to .gpkg, .parquet or .geojson")
    el.add_argument("output", help="OUT.gpkg (one file, a layer each) or OUT.parquet/OUT.geojson (a file per layer)")
    add_date_option(el, default=None)
    el.add_argument("--layers", help="comma-separated subset of stations,sections,lines,roads,districts")
    egr = exsub.add_parser("graph", help="the multimodal graph as GraphML (osmnx)")
    egr.add_argument("output", help="OUT.graphml")
    add_graph_options(egr)

    ig = sub.add_parser("import-gtfs", help="build the graph from any GTFS feed")
    ig.add_argument("feed", help="GTFS .zip or folder")
    ig.add_argument("--date", help="service date (default: the feed's busiest day of its first week)")
    ig.add_argument(
        "--period", choices=["peak", "offpeak"], default="peak", help="headways of this period (default: peak)"
    )
    ig.add_argument("-o", "--output", help="write the graph as GraphML (use it later with --graph)")
    ig.add_argument("--json", action="store_true", help="print the graph summary as indented JSON")
    ig.add_argument(
        "--station-overhead",
        action="store_true",
        help="add the China Railway boarding overhead (security, ticket gates) to rail routes of the feed",
    )
    ig.add_argument("--max-member-mb", type=float, default=None, help="largest uncompressed member (default 1024)")
    ig.add_argument("--max-total-mb", type=float, default=None, help="largest uncompressed feed (default 2048)")

    ro = sub.add_parser("roads", help="merge an OpenStreetMap street network (osmnx) into the graph")
    ro.add_argument("--from-file", metavar="AREA.osm[.pbf]", help="local OpenStreetMap extract (.osm, .osm.bz2, .pbf)")
    ro.add_argument("--download", action="store_true", help="fetch the drive network online (cached; needs internet)")
    ro.add_argument("--bbox", help="with --download: west,south,east,north (default: the three cities)")
    ro.add_argument("--place", help="with --download: a place name instead of a bbox")
    ro.add_argument("--cache-dir", help="with --download: cache folder (default ~/.cache/cztmap/osm)")
    ro.add_argument("-o", "--output", help="write the merged graph as GraphML (use it with --graph)")
    add_date_option(ro)
    ro.add_argument(
        "--period", choices=["peak", "offpeak"], default="peak", help="headways and road speeds (default: peak)"
    )
    ro.add_argument(
        "--allow-far",
        action="store_true",
        help="merge an extract that lies outside Chang-Zhu-Tan anyway (no station will reach its streets)",
    )


@command("export gtfs")
def _cmd_export_gtfs(args: argparse.Namespace) -> int:
    from cztmap.io.gtfs import write_gtfs

    path = write_gtfs(args.output, as_of=args.as_of, trips=args.trips)
    info(f"wrote {path} ({Path(path).stat().st_size / 1e3:.0f} kB)")
    return 0


@command("export layers")
def _cmd_export_layers(args: argparse.Namespace) -> int:
    from cztmap.io.layers import write_layers

    layers = [x.strip() for x in args.layers.split(",")] if args.layers is not None else None
    paths = write_layers(args.output, as_of=args.as_of, layers=layers)
    for p in paths:
        info(f"wrote {p}")
    return 0


@command("export graph")
def _cmd_export_graph(args: argparse.Namespace) -> int:
    from cztmap._atomic import check_writable
    from cztmap.io.layers import write_graph

    if Path(args.output).suffix.lower() == ".graphml":
        check_writable(args.output, argument="graph output")  # before the (slow) build
    G = graph(args)
    write_graph(G, args.output)
    info(f"wrote {args.output} ({G.number_of_nodes()} nodes, {G.number_of_edges()} edges)")
    return 0


@command("import-gtfs")
def _cmd_import_gtfs(args: argparse.Namespace) -> int:
    import warnings

    from cztmap.errors import DataError
    from cztmap.io.gtfs import DEFAULT_LIMITS, FeedTooLargeError, GtfsLimits, GtfsWarning, graph_from_gtfs
    from cztmap.network.build import summary

    if args.output:
        from cztmap._atomic import check_writable

        suffix(args.output, ("graphml",), "output path")
        check_writable(args.output, argument="graph output")  # before the (slow) import
    for flag, value, default in (
        ("--max-member-mb", args.max_member_mb, DEFAULT_LIMITS.max_member_mb),
        ("--max-total-mb", args.max_total_mb, DEFAULT_LIMITS.max_total_mb),
    ):
        if value is not None and not (0 < value < float("inf")):
            raise UsageError(
                f"{flag} {value:g} must be a positive number of MB (default {default:g}), e.g. {flag} 4096."
            )
    limits = GtfsLimits(
        max_member_mb=DEFAULT_LIMITS.max_member_mb if args.max_member_mb is None else args.max_member_mb,
        max_total_mb=DEFAULT_LIMITS.max_total_mb if args.max_total_mb is None else args.max_total_mb,
    )
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", GtfsWarning)
            G = graph_from_gtfs(
                args.feed,
                date=args.date,
                period=args.period,
                station_overhead=True if args.station_overhead else None,
                limits=limits,
            )
    except FeedTooLargeError as exc:
        flag = "--" + exc.limit.replace("_", "-")
        raise DataError(str(exc).replace(f"({exc.limit}=...)", f"(`{flag} N`)")) from None
    except DataError as exc:
        problems = getattr(exc, "problems", None) or []
        if len(problems) < 2:
            raise
        for p in problems:  # like `data validate`: the list on stdout, one sentence on stderr
            print(p)
        raise DataError(
            f"GTFS feed {args.feed!r} has {len(problems)} problems (listed above); fix them and import again."
        ) from None
    _print_warnings(caught)
    if args.output:
        from cztmap.io.layers import write_graph

        write_graph(G, args.output)
        info(f"wrote {args.output}")
    print(json.dumps(json_safe(summary(G)), ensure_ascii=False, indent=None if not args.json else 2, allow_nan=False))
    return 0


def _print_warnings(caught: list[Any]) -> None:
    """GTFS warnings as one ``cztmap: warning:`` line each on stderr; other warnings re-issued."""
    import warnings

    from cztmap.io.gtfs import GtfsWarning

    for w in caught:
        if issubclass(w.category, GtfsWarning):
            info(f"cztmap: warning: {w.message}")
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


@command("roads")
def _cmd_roads(args: argparse.Namespace) -> int:
    from cztmap.io import osm
    from cztmap.network.build import build_graph, summary

    if bool(args.from_file) == bool(args.download):
        raise UsageError("Give exactly one of --from-file FILE or --download.")
    if args.output:
        suffix(args.output, ("graphml",), "output path")
        from cztmap._atomic import check_writable

        check_writable(args.output, argument="output")
    if args.from_file:
        roads = osm.roads_from_file(args.from_file)
    else:
        bbox = None
        if args.bbox:
            try:
                bbox = tuple(float(v) for v in args.bbox.split(","))
            except ValueError:
                raise UsageError(f"--bbox {args.bbox!r} must be four numbers west,south,east,north.") from None
        roads = osm.download_roads(bbox=bbox, place=args.place, cache_dir=args.cache_dir)  # type: ignore[arg-type]
    if roads.graph.get("region") == "any" and not args.allow_far:
        raise UsageError(
            f"The OpenStreetMap extract {args.from_file or args.place or args.bbox or 'downloaded'!r} lies outside "
            "Chang-Zhu-Tan, so no station or district would reach its streets; give an extract of the region, "
            "or add --allow-far to merge it anyway."
        )
    G = osm.merge_roads(build_graph(as_of=args.as_of, period=args.period), roads)
    stats = summary(G)
    stats["road_access_links"] = G.graph.get("road_access")
    if args.output:
        from cztmap.io.layers import write_graph

        write_graph(G, args.output)
        info(f"wrote {args.output}; use it with --graph {args.output}")
    print(json.dumps(json_safe(stats), ensure_ascii=False, allow_nan=False))
    return 0
