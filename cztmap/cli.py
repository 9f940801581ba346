"""The ``cztmap`` command line: a thin layer over the public API.

Exit codes: 0 success, 1 data error or no route (:class:`~cztmap.errors.DataError`,
:class:`~cztmap.errors.NoRouteError`), 2 usage error (bad argument, unknown station),
3 unexpected internal error, 130 interrupted. Errors are one sentence on stderr; ``--debug``
shows the traceback. Every file written goes through an atomic rename: no half-written output.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from .errors import CztmapError, UsageError

__all__ = ["build_parser", "main"]

Handler = Callable[[argparse.Namespace], int]
_HANDLERS: dict[str, Handler] = {}


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors are one sentence and exit code 2 (no usage dump)."""

    def error(self, message: str) -> NoReturn:
        msg = message[:1].upper() + message[1:]
        self.exit(2, f"cztmap: error: {msg.rstrip('.')}; see `{self.prog} --help`.\n")


def _handler(name: str) -> Callable[[Handler], Handler]:
    def deco(fn: Handler) -> Handler:
        _HANDLERS[name] = fn
        return fn

    return deco


def _info(msg: str) -> None:
    print(msg, file=sys.stderr)


def _modes(values: Sequence[str] | None) -> list[str] | None:
    if not values:
        return None
    out: list[str] = []
    for v in values:
        out.extend(m.strip() for m in v.split(",") if m.strip())
    return out


def _graph(args: argparse.Namespace) -> Any:
    """The graph a command works on: a saved GraphML (``--graph``) or the embedded network."""
    if getattr(args, "graph", None):
        from .export import load_graph

        return load_graph(args.graph)
    from .network import build_graph

    return build_graph(as_of=args.as_of, period=getattr(args, "period", "peak"), modes=_modes(getattr(args, "modes", None)))


def _suffix(path: str, allowed: Sequence[str], argument: str) -> str:
    suf = Path(path).suffix.lower().lstrip(".")
    if suf not in allowed:
        raise UsageError(
            f"The {argument} {path!r} has an unsupported extension {('.' + suf) if suf else '(none)'}; "
            f"use one of {', '.join('.' + a for a in allowed)}."
        )
    return suf


# ----------------------------------------------------------------------------------------------
# commands
# ----------------------------------------------------------------------------------------------


@_handler("map")
def _cmd_map(args: argparse.Namespace) -> int:
    from . import maps

    fmt = args.format or _suffix(args.output, ("html", "png", "svg"), "output path")
    if fmt not in ("html", "png", "svg"):
        raise UsageError(f"Unknown --format {fmt!r}; use html, png or svg.")
    from ._io import check_writable
    from .dataset import load_dataset

    check_writable(args.output, argument="output")
    t0 = time.perf_counter()
    if fmt == "html":
        ds = load_dataset(as_of=None)
        m = maps.network_map(ds, as_of=args.as_of, offline=args.offline, basemap=args.basemap,
                             show_planned=args.show_planned, title=args.title)
        maps.save_map(m, args.output)
    else:
        from . import plots

        ds = load_dataset(as_of=args.as_of)
        ax = plots.plot_network(ds, title=args.title)
        plots.save_figure(ax.figure, args.output)  # type: ignore[arg-type]
    size = Path(args.output).stat().st_size
    _info(f"wrote {args.output} ({size / 1e6:.2f} MB) in {time.perf_counter() - t0:.1f} s")
    return 0


@_handler("route")
def _cmd_route(args: argparse.Namespace) -> int:
    from .routing import route

    G = _graph(args)
    it = route(G, _place(args.origin), _place(args.destination))
    if args.output:
        from . import maps

        _suffix(args.output, ("html",), "output path")
        maps.save_map(maps.route_map(it.to_gdf(), summary=it.to_dict(), offline=args.offline), args.output)
        _info(f"wrote {args.output}")
    if args.json:
        print(it.to_json(indent=2))
    else:
        print(it)
    return 0


def _place(text: str) -> Any:
    return text


@_handler("stations")
def _cmd_stations(args: argparse.Namespace) -> int:
    from .dataset import load_dataset

    ds = load_dataset(as_of=args.as_of)
    st = ds.stations
    if args.line is not None:
        known = set(ds.lines["line_id"])
        if args.line not in known:
            raise UsageError(f"Unknown line {args.line!r}; lines on this date: {', '.join(sorted(known))}.")
        st = st[st["lines"].str.split(";").apply(lambda ls: args.line in ls)]
    cols = ["station_id", "name_zh", "name_en", "city", "district_zh", "lines", "opened", "position_quality", "position_error_m"]
    if args.json:
        print(json.dumps(st[cols].to_dict(orient="records"), ensure_ascii=False, indent=2, default=str))
    else:
        print(st[cols].to_string(index=False))
    return 0


@_handler("data build")
def _cmd_data_build(args: argparse.Namespace) -> int:
    from .databuild import build_dataset

    texts = build_dataset(args.sources, args.out)
    _info(f"built {len(texts)} layers into {args.out or 'the embedded data/geo'}")
    return 0


@_handler("data validate")
def _cmd_data_validate(args: argparse.Namespace) -> int:
    from .validate import validate_dataset

    problems = validate_dataset(args.path)
    if args.json:
        print(json.dumps([p.__dict__ for p in problems], ensure_ascii=False, indent=2))
    for p in problems if not args.json else []:
        print(p)
    if problems:
        _info(f"cztmap: error: {len(problems)} problem(s) found; fix them or run `cztmap data build`.")
        return 1
    _info("dataset valid")
    return 0


@_handler("params")
def _cmd_params(args: argparse.Namespace) -> int:
    import dataclasses

    from .params import DEFAULTS, SOURCES

    rows = {f.name: {"value": getattr(DEFAULTS, f.name), "source": SOURCES.get(f.name, "")} for f in dataclasses.fields(DEFAULTS)}
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for k, v in rows.items():
            print(f"{k} = {v['value']}\n    {v['source']}")
    return 0


@_handler("calibrate")
def _cmd_calibrate(args: argparse.Namespace) -> int:
    from .runtime import calibrate

    p, report = calibrate()
    if args.json:
        print(json.dumps({"cruise_fraction_metro": p.cruise_fraction["metro"], "facts": report}, ensure_ascii=False, indent=2))
    else:
        print(f"calibrated metro cruise_fraction = {p.cruise_fraction['metro']}")
        for r in report:
            fit = "fit" if r["used_for_fit"] else "held out"
            print(f"  {r['line_id']:3} {r['from']}–{r['to']} ({r['sections']} sections): published {r['published_min']} min, "
                  f"model {r['model_min']:.1f} min, error {r['error_min']:+.1f} min ({r['error_pct']:+.1f} %), {fit}")
    return 0


@_handler("export gtfs")
def _cmd_export_gtfs(args: argparse.Namespace) -> int:
    from .gtfs import export_gtfs

    path = export_gtfs(args.output, as_of=args.as_of)
    _info(f"wrote {path} ({Path(path).stat().st_size / 1e3:.0f} kB)")
    return 0


@_handler("export layers")
def _cmd_export_layers(args: argparse.Namespace) -> int:
    from .export import export_layers

    layers = [x.strip() for x in args.layers.split(",")] if args.layers is not None else None
    paths = export_layers(args.output, as_of=args.as_of, layers=layers)
    for p in paths:
        _info(f"wrote {p}")
    return 0


@_handler("export graph")
def _cmd_export_graph(args: argparse.Namespace) -> int:
    from .export import export_graph

    G = _graph(args)
    export_graph(G, args.output)
    _info(f"wrote {args.output} ({G.number_of_nodes()} nodes, {G.number_of_edges()} edges)")
    return 0


@_handler("import-gtfs")
def _cmd_import_gtfs(args: argparse.Namespace) -> int:
    from .errors import DataError
    from .gtfs import graph_from_gtfs
    from .network import summary

    try:
        G = graph_from_gtfs(args.feed, date=args.date, period=args.period)
    except DataError as exc:
        problems = getattr(exc, "problems", None) or []
        if len(problems) < 2:
            raise
        for p in problems:  # like `data validate`: the list on stdout, one sentence on stderr
            print(p)
        raise DataError(f"GTFS feed {args.feed!r} has {len(problems)} problems (listed above); fix them and "
                        "import again.") from None
    if args.output:
        from .export import export_graph

        _suffix(args.output, ("graphml",), "output path")
        export_graph(G, args.output)
        _info(f"wrote {args.output}")
    print(json.dumps(summary(G), ensure_ascii=False, indent=None if not args.json else 2))
    return 0


@_handler("roads")
def _cmd_roads(args: argparse.Namespace) -> int:
    from . import osm
    from .network import build_graph, summary

    if bool(args.from_file) == bool(args.download):
        raise UsageError("Give exactly one of --from-file FILE or --download.")
    if args.output:
        _suffix(args.output, ("graphml",), "output path")
        from ._io import check_writable

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
    G = osm.merge_roads(build_graph(as_of=args.as_of, period=args.period), roads)
    info = summary(G)
    info["road_access_links"] = G.graph.get("road_access")
    if args.output:
        from .export import export_graph

        export_graph(G, args.output)
        _info(f"wrote {args.output}; use it with --graph {args.output}")
    print(json.dumps(info, ensure_ascii=False))
    return 0


def _budgets(values: Sequence[str] | None, default: Sequence[float], argument: str) -> list[float]:
    from .isochrones import check_budgets

    if not values:
        return check_budgets(list(default), argument=argument)
    nums = []
    for v in values:
        try:
            nums.append(float(v))
        except ValueError:
            raise UsageError(f"{argument} value {v!r} is not a number of minutes; e.g. {argument} 30 45 60.") from None
    return check_budgets(nums, argument=argument)


def _print_table(df: Any, *, json_out: bool, extra: dict[str, Any] | None = None) -> None:
    import math

    if json_out:
        recs = [{k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in r.items()}
                for r in df.reset_index(drop=df.index.name is None).to_dict("records")]
        print(json.dumps({"rows": recs, **(extra or {})}, ensure_ascii=False, indent=2, default=str))
    else:
        import pandas as pd

        with pd.option_context("display.width", 200, "display.max_columns", 30, "display.float_format", "{:.3f}".format):
            print(df.to_string())
        for k, v in (extra or {}).items():
            print(f"{k}: {v}")


@_handler("isochrone")
def _cmd_isochrone(args: argparse.Namespace) -> int:
    from .isochrones import isochrones

    minutes = _budgets(args.minutes, (30, 45, 60), "--minutes")
    fmt = _suffix(args.output, ("geojson", "gpkg", "parquet", "html", "png", "svg"), "output path")
    from ._io import check_writable

    check_writable(args.output, argument="output")
    G = _graph(args)
    iso = isochrones(G, args.origin, minutes, speed_beyond=args.speed_beyond)
    if fmt == "html":
        from . import maps
        from .routing import resolve_node

        H = G.copy()
        node = resolve_node(H, args.origin)
        origin = (H.nodes[node]["x"], H.nodes[node]["y"])
        maps.save_map(maps.isochrone_map(iso, origin=origin, origin_name=H.nodes[node].get("name_zh") or args.origin,
                                         offline=args.offline), args.output)
    elif fmt in ("png", "svg"):
        from . import plots

        ax = plots.plot_isochrones(iso)
        plots.save_figure(ax.figure, args.output)  # type: ignore[arg-type]
    else:
        from .export import export_frame

        export_frame(iso, args.output)
    _info(f"wrote {args.output}")
    print(iso.drop(columns="geometry").to_string(index=False))
    return 0


@_handler("reach")
def _cmd_reach(args: argparse.Namespace) -> int:
    from .integration import cross_city_table

    budgets = _budgets(args.budgets, (30, 45, 60, 90), "--budgets")
    if args.output:
        _suffix(args.output, ("html",), "output path")
        from ._io import check_writable

        check_writable(args.output, argument="output")
    G = _graph(args)
    tab = cross_city_table(G, budgets=budgets, level=args.level)
    if args.output:
        from . import maps
        from .dataset import load_dataset
        from .integration import accessibility

        acc = accessibility(G, budgets=budgets, other_cities_only=True)
        col = f"within_{budgets[-1]:g}min"
        zones = load_dataset().districts[["adcode", "geometry"]].merge(acc.reset_index(), on="adcode", how="inner")
        m = maps.choropleth_map(zones, col, name_column="name_zh", offline=args.offline,
                                label=f"population of the other two cities reachable within {budgets[-1]:g} min",
                                title=f"Cross-city accessibility, {G.graph.get('as_of')} ({G.graph.get('period')})")
        maps.save_map(m, args.output)
        _info(f"wrote {args.output}")
    extra = {"as_of": G.graph.get("as_of"), "period": G.graph.get("period"), "level": args.level,
             "population_missing": tab.attrs.get("population_missing", [])}
    _print_table(tab, json_out=args.json, extra=extra)
    return 0


@_handler("critical")
def _cmd_critical(args: argparse.Namespace) -> int:
    from .criticality import criticality

    if args.top is not None and args.top < 1:
        raise UsageError(f"--top {args.top} must be a positive whole number, e.g. --top 10.")
    G = _graph(args)
    kinds = _modes(args.kinds) or ["station", "section", "road"]
    tab = criticality(G, kinds=kinds, top=args.top, level=args.level)
    _print_table(tab, json_out=args.json, extra={"as_of": G.graph.get("as_of"),
                                                 "elapsed_s": round(float(tab.attrs.get("elapsed_s", 0.0)), 2)})
    return 0


@_handler("compare")
def _cmd_compare(args: argparse.Namespace) -> int:
    from .scenarios import compare

    if args.as_of_pair:
        if args.scenarios:
            raise UsageError("Give two scenario files or --as-of DATE1 DATE2, not both.")
        a, b = args.as_of_pair
    elif len(args.scenarios) in (1, 2):
        a, b = args.scenarios[0], (args.scenarios[1] if len(args.scenarios) == 2 else None)
    else:
        raise UsageError("Give one or two scenario files (or shipped names), or --as-of DATE1 DATE2.")
    if args.top < 1:
        raise UsageError(f"--top {args.top} must be a positive whole number, e.g. --top 5.")
    if args.output:
        _suffix(args.output, ("html",), "output path")
        from ._io import check_writable

        check_writable(args.output, argument="output")
    res = compare(a, b, level=args.level, top=args.top)
    if args.output:
        from . import maps
        from .dataset import load_dataset

        zones = load_dataset().districts.merge(res.zones.reset_index(), on="adcode", how="left")
        m = maps.diff_map(res.removed_sections, res.added_sections, zones, "change_min",
                          label="change of mean cross-city time (min)", offline=args.offline,
                          title=f"{res.base_name} → {res.other_name}")
        maps.save_map(m, args.output)
        _info(f"wrote {args.output}")
    if args.json:
        print(json.dumps(res.to_dict(), ensure_ascii=False, indent=2, default=str))
        return 0
    print(f"{res.base_name} → {res.other_name}")
    print(f"sections added: {len(res.added_sections)}, removed: {len(res.removed_sections)}")
    print("\ncross-city table, change (after − before):")
    _print_table(res.cross_city_change, json_out=False)
    print("\nbiggest winners (zones):")
    _print_table(res.winners, json_out=False)
    print("\nbiggest losers (zones):")
    _print_table(res.losers, json_out=False)
    return 0


# ----------------------------------------------------------------------------------------------
# parser
# ----------------------------------------------------------------------------------------------


def _common_date(p: argparse.ArgumentParser, default: str | None = "today") -> None:
    p.add_argument("--as-of", default=default, metavar="DATE",
                   help="network as open on this ISO date (default: %(default)s)")


def _common_graph(p: argparse.ArgumentParser) -> None:
    _common_date(p)
    p.add_argument("--period", choices=["peak", "offpeak"], default="peak", help="headways and road speeds (default: peak)")
    p.add_argument("--modes", nargs="+", metavar="MODE",
                   help="keep only these modes: metro maglev intercity hsr art road (space or comma separated)")
    p.add_argument("--graph", metavar="FILE.graphml",
                   help="use a saved graph instead of the embedded network (from `cztmap roads` or `cztmap import-gtfs`)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``cztmap`` command."""
    from . import __version__

    p = _Parser(prog="cztmap", description="Map and analyse the Chang-Zhu-Tan (长株潭) transport network.")
    p.add_argument("--version", action="version", version=f"cztmap {__version__}")
    p.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    m = sub.add_parser("map", help="HTML (or PNG/SVG) map of the network")
    m.add_argument("-o", "--output", required=True, help="output file (.html, .png or .svg)")
    _common_date(m)
    m.add_argument("--offline", action="store_true", help="self-contained HTML: inlined Leaflet, no tiles, no network requests")
    m.add_argument("--basemap", default="osm", help="osm (WGS-84), amap (Gaode, GCJ-02: overlays shifted) or none")
    m.add_argument("--show-planned", action="store_true", help="draw planned/under-construction lines dashed")
    m.add_argument("--format", choices=["html", "png", "svg"], help="output format (default: from the extension)")
    m.add_argument("--title", help="map title (default: the network and its date)")

    r = sub.add_parser("route", help="fastest door-to-door route between two places")
    r.add_argument("origin", help="station name (中文/pinyin), station id, or lon,lat")
    r.add_argument("destination", help="station name (中文/pinyin), station id, or lon,lat")
    _common_graph(r)
    r.add_argument("--json", action="store_true", help="print the itinerary as JSON")
    r.add_argument("-o", "--output", help="also write a route map (.html)")
    r.add_argument("--offline", action="store_true", help="self-contained route map")

    s = sub.add_parser("stations", help="list stations")
    _common_date(s)
    s.add_argument("--line", help="only stations of this line id (e.g. L1, WR, CZT)")
    s.add_argument("--json", action="store_true")

    d = sub.add_parser("data", help="build or validate the curated dataset")
    dsub = d.add_subparsers(dest="data_command", metavar="ACTION", parser_class=_Parser)
    db = dsub.add_parser("build", help="rebuild data/geo from data/sources (deterministic)")
    db.add_argument("--sources", help="source folder (default: embedded data/sources)")
    db.add_argument("--out", help="output folder (default: embedded data/geo)")
    dv = dsub.add_parser("validate", help="check the curated layers; exit 1 on any problem")
    dv.add_argument("path", nargs="?", help="layer folder (default: embedded data/geo)")
    dv.add_argument("--json", action="store_true")

    pa = sub.add_parser("params", help="show every model parameter with its source")
    pa.add_argument("--json", action="store_true")
    ca = sub.add_parser("calibrate", help="run-time model against the published end-to-end times")
    ca.add_argument("--json", action="store_true")

    iso = sub.add_parser("isochrone", help="areas reachable within time budgets (polygons)")
    iso.add_argument("origin", help="station name (中文/pinyin), station id, or lon,lat")
    iso.add_argument("--minutes", nargs="+", metavar="MIN", help="budgets in minutes (default: 30 45 60)")
    iso.add_argument("-o", "--output", required=True, help=".geojson/.gpkg/.parquet, .html (map) or .png/.svg")
    iso.add_argument("--speed-beyond", choices=["walk", "access"], default="walk",
                     help="how the time left at each reached node is spent (default: walk)")
    iso.add_argument("--offline", action="store_true", help="self-contained HTML map")
    _common_graph(iso)

    re_ = sub.add_parser("reach", help="cross-city integration table (who reaches which city within T)")
    _common_graph(re_)
    re_.add_argument("--budgets", nargs="+", metavar="MIN", help="minutes (default: 30 45 60 90)")
    re_.add_argument("--level", choices=["zone", "grid"], default="zone",
                     help="zone: district seats; grid: 3-km hexagons with district population spread by area")
    re_.add_argument("--json", action="store_true")
    re_.add_argument("-o", "--output", help="choropleth map (.html) of each district's reach into the other cities")
    re_.add_argument("--offline", action="store_true", help="self-contained HTML map")

    cr = sub.add_parser("critical", help="rank stations, sections and roads by cross-city reachability lost when closed")
    _common_graph(cr)
    cr.add_argument("--top", type=int, default=10, help="rows to show (default: 10)")
    cr.add_argument("--kinds", nargs="+", metavar="KIND", help="station section road (default: all)")
    cr.add_argument("--level", choices=["zone", "grid"], default="zone")
    cr.add_argument("--json", action="store_true")

    co = sub.add_parser("compare", help="compare two networks (scenario files, shipped names or dates)")
    co.add_argument("scenarios", nargs="*", metavar="SCENARIO",
                    help="scenario .toml files or shipped names (before_west_ring, with_west_ring, l2_west_ext2_schematic)")
    co.add_argument("--as-of", dest="as_of_pair", nargs=2, metavar=("DATE1", "DATE2"), help="compare two dates instead")
    co.add_argument("--level", choices=["zone", "grid"], default="zone")
    co.add_argument("--top", type=int, default=5, help="winners/losers to list")
    co.add_argument("-o", "--output", help="diff map (.html)")
    co.add_argument("--offline", action="store_true")
    co.add_argument("--json", action="store_true")

    ex = sub.add_parser("export", help="GTFS feed, GIS layers or the graph")
    exsub = ex.add_subparsers(dest="export_command", metavar="WHAT", parser_class=_Parser)
    eg = exsub.add_parser("gtfs", help="the embedded network as a GTFS feed (.zip)")
    eg.add_argument("output", help="feed file, .zip")
    _common_date(eg)
    el = exsub.add_parser("layers", help="every dataset layer to .gpkg, .parquet or .geojson")
    el.add_argument("output", help="OUT.gpkg (one file, a layer each) or OUT.parquet/OUT.geojson (a file per layer)")
    _common_date(el, default=None)
    el.add_argument("--layers", help="comma-separated subset of stations,sections,lines,roads,districts")
    egr = exsub.add_parser("graph", help="the multimodal graph as GraphML (osmnx)")
    egr.add_argument("output", help="OUT.graphml")
    _common_graph(egr)

    ig = sub.add_parser("import-gtfs", help="build the graph from any GTFS feed")
    ig.add_argument("feed", help="GTFS .zip or folder")
    ig.add_argument("--date", help="service date (default: the feed's busiest day of its first week)")
    ig.add_argument("--period", choices=["peak", "offpeak"], default="peak")
    ig.add_argument("-o", "--output", help="write the graph as GraphML (use it later with --graph)")
    ig.add_argument("--json", action="store_true")

    ro = sub.add_parser("roads", help="merge an OpenStreetMap street network (osmnx) into the graph")
    ro.add_argument("--from-file", metavar="AREA.osm[.pbf]", help="local OpenStreetMap extract (.osm, .osm.bz2, .pbf)")
    ro.add_argument("--download", action="store_true", help="fetch the drive network online (cached; needs internet)")
    ro.add_argument("--bbox", help="with --download: west,south,east,north (default: the three cities)")
    ro.add_argument("--place", help="with --download: a place name instead of a bbox")
    ro.add_argument("--cache-dir", help="with --download: cache folder (default ~/.cache/cztmap/osm)")
    ro.add_argument("-o", "--output", help="write the merged graph as GraphML (use it with --graph)")
    _common_date(ro)
    ro.add_argument("--period", choices=["peak", "offpeak"], default="peak")

    for extra in _EXTRA_PARSERS:
        extra(sub)
    return p


#: Hooks that add sub-commands (analysis, exports) defined below.
_EXTRA_PARSERS: list[Callable[[Any], None]] = []


def _dispatch(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    cmd = args.command
    if cmd is None:
        parser.print_help(sys.stderr)
        return 2
    if cmd == "data":
        if not args.data_command:
            raise UsageError("`cztmap data` needs an action: build or validate.")
        cmd = f"data {args.data_command}"
    if cmd == "export":
        if not args.export_command:
            raise UsageError("`cztmap export` needs what to export: gtfs, layers or graph.")
        cmd = f"export {args.export_command}"
    return _HANDLERS[cmd](args)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors: argparse already printed
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    try:
        return _dispatch(args, parser)
    except CztmapError as exc:
        if args.debug:
            raise
        print(f"cztmap: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("cztmap: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # an unexpected failure: one line, traceback only with --debug
        if args.debug:
            raise
        print(f"cztmap: internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback "
              "and report it)", file=sys.stderr)
        return 3


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
