"""The ``isochrone``, ``reach``, ``critical``, ``matrix`` and ``compare`` commands."""

from __future__ import annotations

import argparse
from typing import Any

from cztmap._progress import status
from cztmap.cli._common import (
    add_graph_options,
    command,
    graph,
    info,
    modes,
    output_path,
    parse_budgets,
    print_json,
    print_table,
    suffix,
)
from cztmap.cli.routing import add_time_options, time_args
from cztmap.errors import UsageError


def add_parsers(sub: Any) -> None:
    """Add this family's sub-commands to the ``cztmap`` sub-parsers."""
    iso = sub.add_parser("isochrone", help="areas reachable within time budgets (polygons)")
    iso.add_argument("origin", help="station name (中文/pinyin), station id, or lon,lat")
    iso.add_argument("--minutes", nargs="+", metavar="MIN", help="budgets in minutes (default: 30 45 60)")
    iso.add_argument(
        "-o",
        "--output",
        required=True,
        help=".geojson/.gpkg/.parquet, .html (map) or .png/.svg; '-' writes GeoJSON (or --format) to stdout",
    )
    iso.add_argument(
        "--format",
        choices=["geojson", "gpkg", "parquet", "html", "png", "svg"],
        help="output format (default: extension)",
    )
    iso.add_argument("--json", action="store_true", help="print the polygons' table as JSON (no progress output)")
    iso.add_argument(
        "--speed-beyond",
        choices=["walk", "access"],
        default="walk",
        help="how the time left at each reached node is spent (default: walk)",
    )
    iso.add_argument("--offline", action="store_true", help="self-contained HTML map (no tiles, no network requests)")
    add_graph_options(iso)
    add_time_options(iso)

    re_ = sub.add_parser("reach", help="cross-city integration table (who reaches which city within T)")
    add_graph_options(re_)
    re_.add_argument(
        "--minutes", "--budgets", dest="budgets", nargs="+", metavar="MIN", help="time budgets (default: 30 45 60 90)"
    )
    re_.add_argument(
        "--level",
        choices=["zone", "grid"],
        default="zone",
        help="zone: district seats; grid: 3-km hexagons with district population spread by area",
    )
    re_.add_argument("--json", action="store_true", help="print the table as JSON (no progress output)")
    re_.add_argument(
        "-o",
        "--output",
        help="choropleth map (.html) of each district's (or, with --level grid, hexagon's) reach into the other "
        "cities; '-' writes it to stdout",
    )
    re_.add_argument("--offline", action="store_true", help="self-contained HTML map (no tiles, no network requests)")
    add_time_options(re_)

    cr = sub.add_parser(
        "critical", help="rank stations, sections and roads by cross-city reachability lost when closed"
    )
    add_graph_options(cr)
    cr.add_argument("--top", type=int, default=10, help="rows to show (default: 10)")
    cr.add_argument("--kinds", nargs="+", metavar="KIND", help="station section road (default: all)")
    cr.add_argument(
        "--level",
        choices=["zone", "grid"],
        default="zone",
        help="zone: district seats (fast); grid: 3-km population hexagons (seconds; shows a progress bar)",
    )
    cr.add_argument(
        "--jobs", type=int, metavar="N", help="processes for the closures (default: 1 at zone level, all CPUs at grid)"
    )
    cr.add_argument("--json", action="store_true", help="print the ranking as JSON (no progress output)")

    mx = sub.add_parser("matrix", help="travel-time matrix (minutes) between zones, stations or all graph nodes")
    add_graph_options(mx)
    mx.add_argument(
        "--between",
        choices=["zones", "stations", "nodes"],
        default="zones",
        help="zones: district seats (default); stations; nodes: every node of the graph (for --graph road networks)",
    )
    mx.add_argument("--cutoff", type=float, metavar="MIN", help="report times above this many minutes as empty")
    mx.add_argument("--backend", choices=["auto", "scipy", "cch"], default="auto", help="search engine (default: auto)")
    mx.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on a Dask cluster (e.g. tcp://10.0.0.5:8786): origins are split into tasks",
    )
    mx.add_argument(
        "--scheduler-timeout",
        type=float,
        default=10.0,
        metavar="SEC",
        help="seconds to wait for the scheduler's answer (default: 10)",
    )
    mx.add_argument(
        "-o",
        "--output",
        help=".csv (wide) or .parquet (a folder of part-*.parquet files: origin, destination, minutes)",
    )

    co = sub.add_parser("compare", help="compare two networks (scenario files, shipped names or dates)")
    co.add_argument(
        "scenarios",
        nargs="*",
        metavar="SCENARIO",
        help="scenario .toml files or shipped names (before_west_ring, with_west_ring, l2_west_ext2_schematic)",
    )
    co.add_argument("--as-of", dest="as_of_pair", nargs=2, metavar=("DATE1", "DATE2"), help="compare two dates instead")
    co.add_argument(
        "--level",
        choices=["zone", "grid"],
        default="zone",
        help="resolution of the cross-city table: district seats or 3-km population hexagons",
    )
    co.add_argument("--top", type=int, default=5, help="winners/losers to list (default: 5)")
    co.add_argument(
        "--modes",
        nargs="+",
        metavar="MODE",
        help="modes of both networks (default: transit -- cars would hide what a rail scenario changes; "
        "`both` for everything)",
    )
    co.add_argument("-o", "--output", help="diff map (.html); '-' writes it to stdout")
    co.add_argument("--offline", action="store_true", help="self-contained HTML map (no tiles, no network requests)")
    co.add_argument("--json", action="store_true", help="print the full comparison as JSON")


@command("isochrone")
def _cmd_isochrone(args: argparse.Namespace) -> int:
    from cztmap.analysis.isochrones import isochrones

    minutes = parse_budgets(args.minutes, (30, 45, 60), "--minutes")
    targs = time_args(args)
    allowed = ("geojson", "gpkg", "parquet", "html", "png", "svg")
    if args.output == "-":
        fmt = args.format or "geojson"
    else:
        fmt = args.format or suffix(args.output, allowed, "output path")
        from cztmap._atomic import check_writable

        check_writable(args.output, argument="output")
    G = graph(args)
    kw = targs if targs["window"] else {}
    iso = isochrones(G, args.origin, minutes, speed_beyond=args.speed_beyond, **kw)
    with output_path(args.output, default_suffix=fmt) as out:
        _write_isochrones(G, iso, args, fmt, out)
    if args.output == "-":
        return 0  # stdout holds the file
    info(f"wrote {args.output}")
    table = iso.drop(columns="geometry")
    print_table(table, json_out=args.json, extra=None if args.json else {"as_of": G.graph.get("as_of")}, index=False)
    return 0


def _write_isochrones(G: Any, iso: Any, args: argparse.Namespace, fmt: str, out: str) -> None:
    if fmt == "html":
        from cztmap.network.names import resolve_places
        from cztmap.viz import maps

        H, (node,) = resolve_places(G, [args.origin])
        origin = (H.nodes[node]["x"], H.nodes[node]["y"])
        maps.save_map(
            maps.isochrone_map(
                iso,
                origin=origin,
                origin_name=H.nodes[node].get("name_zh") or args.origin,
                network=_network_sections(G),
                notes=[f"As of 截至 {G.graph.get('as_of')} · {G.graph.get('period')} headways · door to door"],
                offline=args.offline,
            ),
            out,
        )
    elif fmt in ("png", "svg"):
        from cztmap.viz import plots

        plots.save_figure(plots.plot_isochrones(iso), out)
    else:
        from cztmap.io.layers import write_frame

        write_frame(iso, out)


@command("reach")
def _cmd_reach(args: argparse.Namespace) -> int:
    from cztmap.analysis.integration import REACH_MODES, cross_city_table, reach_table, station_coverage

    budgets = parse_budgets(args.budgets, (30, 45, 60, 90), "--minutes")
    targs = time_args(args)
    if targs["window"] and args.output:
        raise UsageError("The reach map (-o) shows the static network; drop -o or --window.")
    if args.output and args.output != "-":
        suffix(args.output, ("html",), "output path")
        from cztmap._atomic import check_writable

        check_writable(args.output, argument="output")
    chosen = modes(args.modes)
    if chosen == []:
        raise UsageError("--modes selects no mode; give one or more modes, e.g. --modes transit (default: by mode).")
    if targs["window"]:  # the timetable view: one graph, the window's percentiles
        G = graph(args)
        with status(f"cross-city table ({args.level} level, timetable window)"):
            tab = cross_city_table(G, minutes=budgets, level=args.level, **targs)
    elif args.graph or (chosen and set(chosen) - set(REACH_MODES)):
        G = graph(args)  # one given graph (a file or a custom mode set): one table, as before
        with status(f"cross-city table ({args.level} level)"):
            tab = cross_city_table(G, minutes=budgets, level=args.level)
        tab = tab.rename(columns={"median_min": "pop_median_min", "mean_min": "pop_mean_min"})
    else:
        from cztmap.network.build import build_graph

        labels = chosen or list(REACH_MODES)
        with status(f"cross-city tables by mode ({args.level} level)"):
            graphs = {m: build_graph(as_of=args.as_of, period=args.period, modes=REACH_MODES[m]) for m in labels}
            G = graphs[labels[-1]]
            tab = reach_table(period=args.period, modes=labels, minutes=budgets, level=args.level, graphs=graphs)
    if args.output:
        from cztmap.viz import maps

        with status("accessibility map"):
            zones, col = _reach_units(G, budgets, args.level)
        unit_name = "district" if args.level == "zone" else "3-km hexagon"
        m = maps.choropleth_map(
            zones,
            col,
            name_column="name_zh",
            unit="people",
            network=_network_sections(G),
            offline=args.offline,
            label=f"Population of the other two cities reachable within {budgets[-1]:g} min",
            notes=[
                f"As of 截至 {G.graph.get('as_of')} · {G.graph.get('period')} headways · door to door",
                f"Level: {args.level} (one {unit_name} per polygon)",
            ],
            title=f"Cross-city accessibility 跨市可达性, {G.graph.get('as_of')} ({G.graph.get('period')})",
        )
        with output_path(args.output, default_suffix="html") as out:
            maps.save_map(m, out)
        if args.output == "-":
            return 0
        info(f"wrote {args.output}")
    extra: dict[str, Any] = {
        "as_of": G.graph.get("as_of"),
        "period": G.graph.get("period"),
        "level": args.level,
        "weighting": "shares, pop_median_min and pop_mean_min are population-weighted over resident pairs",
        "areas": "core = urban districts of the three cities; region = all 23 districts and counties",
        "population_missing": tab.attrs.get("population_missing", []),
    }
    if targs["window"]:
        extra.update(window=targs["window"], timetable=tab.attrs.get("timetable"))
    elif not args.graph:
        cov = station_coverage(as_of=G.graph.get("as_of"))
        extra["no_rail_station_within"] = {
            c: {k.removeprefix("no_station_within_"): round(float(v), 3) for k, v in r.items() if k != "population"}
            for c, r in cov.iterrows()
        }
    print_table(tab, json_out=args.json, extra=extra)
    return 0


def _network_sections(G: Any) -> Any:
    """The dataset's rail sections open on the graph's date (drawn over result maps)."""
    from cztmap.data.dataset import load_dataset

    return load_dataset(as_of=G.graph.get("as_of")).sections


def _reach_units(G: Any, budgets: list[float], level: str) -> tuple[Any, str]:
    """Polygons (districts or hexagons) with the other-city population reachable within each budget."""
    import numpy as np

    from cztmap.data.dataset import load_dataset

    col = f"within_{budgets[-1]:g}min"
    districts = load_dataset().districts
    if level == "zone":
        from cztmap.analysis.integration import accessibility

        acc = accessibility(G, minutes=budgets, other_cities_only=True)
        zones = districts[["adcode", "geometry"]].merge(acc.reset_index(), on="adcode", how="inner")
        return zones, col
    from cztmap.analysis.integration import GRID_SIZE_M, analysis_units, unit_matrix
    from cztmap.analysis.matrix import hex_grid

    H, orig, arr, tab = analysis_units(G, level="grid")
    t = unit_matrix(H, orig, arr)
    pop = tab["population"].fillna(0.0).to_numpy(dtype=float)
    other = tab["city"].to_numpy()[:, None] != tab["city"].to_numpy()[None, :]
    tab = tab.copy()
    for T in budgets:
        tab[f"within_{T:g}min"] = ((t <= T) & other) @ pop
    hexes = hex_grid(tuple(districts.total_bounds), GRID_SIZE_M)[["hex_id", "geometry"]]
    zones = hexes.merge(tab, left_on="hex_id", right_on="unit_id", how="inner")
    zones["name_zh"] = zones["name_zh"].astype(str) + " " + zones["unit_id"].astype(str)
    return zones[np.isfinite(zones[col].to_numpy(dtype=float))], col


@command("critical")
def _cmd_critical(args: argparse.Namespace) -> int:
    from cztmap.analysis.criticality import criticality

    if args.top is not None and args.top < 1:
        raise UsageError(f"--top {args.top} must be a positive whole number, e.g. --top 10.")
    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"--jobs {args.jobs} must be a positive whole number, e.g. --jobs 2.")
    G = graph(args)
    kinds = modes(args.kinds)
    if kinds == []:
        raise UsageError("--kinds selects nothing; give one or more of station, section, road (default: all).")
    kinds = kinds or ["station", "section", "road"]
    jobs = args.jobs or (1 if args.level == "zone" else -1)
    tab = criticality(G, kinds=kinds, top=args.top, level=args.level, n_jobs=jobs)
    print_table(
        tab,
        json_out=args.json,
        extra={"as_of": G.graph.get("as_of"), "elapsed_s": round(float(tab.attrs.get("elapsed_s", 0.0)), 2)},
    )
    return 0


def _matrix_nodes(G: Any, between: str) -> tuple[list[Any], list[Any], list[str]]:
    """Origins, arrival nodes and labels of ``cztmap matrix --between``."""
    from cztmap.analysis.matrix import station_nodes, zone_nodes
    from cztmap.network._nodes import sink

    if between == "zones":
        nodes = zone_nodes(G)
        if not nodes:
            raise UsageError("This graph has no zone nodes; use --between stations or --between nodes.")
        return nodes, [sink(n) for n in nodes], [n[2:] for n in nodes]
    if between == "stations":
        nodes = station_nodes(G)
        if not nodes:
            raise UsageError("This graph has no station nodes; use --between nodes.")
        return nodes, nodes, [n[2:] for n in nodes]
    nodes = list(G.nodes)
    return nodes, nodes, [str(n) for n in nodes]


@command("matrix")
def _cmd_matrix(args: argparse.Namespace) -> int:
    import numpy as np
    import pandas as pd

    from cztmap.network.engine import compile_graph

    if args.output:
        suffix(args.output, ("csv", "parquet"), "output path")
    if args.cutoff is not None and not (args.cutoff > 0 and np.isfinite(args.cutoff)):
        raise UsageError(f"--cutoff {args.cutoff} must be a positive number of minutes, e.g. --cutoff 60.")
    client = None
    if args.scheduler is not None:
        from cztmap.network.distributed import connect_scheduler

        if not (args.scheduler_timeout > 0 and args.scheduler_timeout <= 3600):
            raise UsageError(
                f"--scheduler-timeout {args.scheduler_timeout:g} must be a number of seconds in (0, 3600], "
                "e.g. --scheduler-timeout 10."
            )
        client = connect_scheduler(args.scheduler, timeout_s=args.scheduler_timeout)
    try:
        G = graph(args)
        orig, arrive, labels = _matrix_nodes(G, args.between)
        cg = compile_graph(G)
        cutoff_s = None if args.cutoff is None else args.cutoff * 60.0
        if args.output and args.output.lower().endswith(".parquet"):
            from cztmap.network.distributed import write_matrix_parquet

            write_matrix_parquet(
                cg,
                orig,
                arrive,
                args.output,
                client=client,
                cutoff=cutoff_s,
                backend=args.backend,
                labels=(labels, labels) if args.between != "nodes" else None,
            )
            info(f"wrote {args.output}/ (part-*.parquet: origin, destination, minutes)")
            return 0
        if client is not None:
            from cztmap.network.distributed import distributed_distances

            d = distributed_distances(cg, orig, arrive, client=client, cutoff=cutoff_s, backend=args.backend)
        else:
            d = cg.distances(orig, arrive, cutoff=cutoff_s, backend=args.backend)
    finally:
        if client is not None:
            client.close()
    m = d / 60.0
    if args.between != "nodes":
        np.fill_diagonal(m, 0.0)  # a place to itself
    df = pd.DataFrame(m, index=pd.Index(labels, name="origin"), columns=pd.Index(labels, name="destination"))
    if args.output:
        from cztmap._atomic import atomic_write_text

        atomic_write_text(args.output, df.round(3).replace(np.inf, np.nan).to_csv(), argument="output")
        info(f"wrote {args.output} ({len(df)} × {df.shape[1]} minutes)")
        return 0
    print_table(df.round(1), json_out=False)
    return 0


@command("compare")
def _cmd_compare(args: argparse.Namespace) -> int:
    from cztmap.analysis.compare import compare

    chosen = modes(args.modes)
    if chosen is not None:
        from cztmap.data.services import ALL_MODES, MODE_GROUPS

        unknown = [m for m in chosen if m not in ALL_MODES and m not in MODE_GROUPS]
        if unknown and not args.scenarios and not args.as_of_pair:
            raise UsageError(
                f"--modes took {' '.join(unknown)!r}, which are not modes; --modes takes every word after it, "
                "so put the scenarios first: cztmap compare A B --modes transit."
            )
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
    if args.output and args.output != "-":
        suffix(args.output, ("html",), "output path")
        from cztmap._atomic import check_writable

        check_writable(args.output, argument="output")
    with status(f"building and comparing both networks ({args.level} level)"):
        res = compare(a, b, level=args.level, top=args.top, modes="transit" if chosen is None else chosen)
    if args.output:
        from cztmap.data.dataset import load_dataset
        from cztmap.viz import maps

        zones = load_dataset().districts.merge(res.zones[["change_min"]].reset_index(), on="adcode", how="left")
        m = maps.diff_map(
            res.base_sections if res.base_sections is not None else res.removed_sections,
            res.other_sections if res.other_sections is not None else res.added_sections,
            zones,
            "change_min",
            label="change of mean cross-city time (min)",
            unit="min",
            notes=[f"Level: {args.level} · blue = faster (winners), red = slower (losers)"],
            offline=args.offline,
            title=f"{res.base_name} → {res.other_name}",
            added_roads=res.added_roads,
            removed_roads=res.removed_roads,
        )
        with output_path(args.output, default_suffix="html") as out:
            maps.save_map(m, out)
        if args.output == "-":
            return 0
        info(f"wrote {args.output}")
    if args.json:
        print_json(res.to_dict())
        return 0
    _print_comparison(res)
    return 0


def _changed_figures(res: Any) -> Any:
    """One row per city pair and measure that changed: before, after, change (signed)."""
    import pandas as pd

    from cztmap.cli._common import format_cell

    before, after, change = res.cross_city_before, res.cross_city_after, res.cross_city_change
    keys = ["origin_city", "destination_city"]
    rows = []
    for i in range(len(change)):
        for col in change.columns:
            if col in keys or col in ("origin_pop", "destination_pop", "pairs"):
                continue
            d = change[col].iloc[i]
            if pd.isna(d) or set(format_cell(col, d, signs=True)) <= set("+-0.,pp "):
                continue  # unchanged at the printed precision
            rows.append(
                {
                    "from": change["origin_city"].iloc[i],
                    "to": change["destination_city"].iloc[i],
                    "measure": col,
                    "before": before[col].iloc[i],
                    "after": after[col].iloc[i],
                    "change": d,
                }
            )
    return pd.DataFrame(rows, columns=["from", "to", "measure", "before", "after", "change"])


def _print_comparison(res: Any) -> None:
    from cztmap.cli._common import format_cell

    print(f"{res.base_name} → {res.other_name}")
    added = sorted(set(res.added_sections["line_id"].astype(str))) if len(res.added_sections) else []
    print(
        f"sections added: {len(res.added_sections)}"
        + (f" ({', '.join(added)})" if added else "")
        + f", removed: {len(res.removed_sections)}"
    )
    road_add, road_rm = res.road_changes()
    if road_add or road_rm:
        print(
            f"roads added: {len(road_add)}"
            + (f" ({', '.join(road_add)})" if road_add else "")
            + f", removed: {len(road_rm)}"
            + (f" ({', '.join(road_rm)})" if road_rm else "")
        )
    figs = _changed_figures(res)
    if figs.empty:
        print("\nno cross-city figure changed (every share, median, mean and index is the same)")
    else:
        print("\ncross-city figures that changed (after − before):")
        shown = figs.assign(
            before=[format_cell(m, v) for m, v in zip(figs["measure"], figs["before"], strict=True)],
            after=[format_cell(m, v) for m, v in zip(figs["measure"], figs["after"], strict=True)],
            change=[format_cell(m, v, signs=True) for m, v in zip(figs["measure"], figs["change"], strict=True)],
        )
        print_table(shown, json_out=False, index=False)
    cols = ["name_zh", "name_en", "city", "cross_city_min_before", "cross_city_min_after", "change_min"]
    for title, frame, word in (("winners (faster)", res.winners, "faster"), ("losers (slower)", res.losers, "slower")):
        if frame.empty:
            print(f"\nno zone is {word} on average to the other cities")
        else:
            print(f"\nbiggest {title}, mean time to the other two cities:")
            print_table(frame[[c for c in cols if c in frame.columns]], json_out=False, signs=False, index=True)
