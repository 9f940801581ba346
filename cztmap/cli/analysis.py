"""The ``isochrone``, ``reach``, ``critical`` and ``compare`` commands."""

from __future__ import annotations

import argparse
import json
from typing import Any

from cztmap.cli._common import add_graph_options, command, graph, info, modes, parse_budgets, print_table, suffix
from cztmap.errors import UsageError


def add_parsers(sub: Any) -> None:
    """Add this family's sub-commands to the ``cztmap`` sub-parsers."""
    iso = sub.add_parser("isochrone", help="areas reachable within time budgets (polygons)")
    iso.add_argument("origin", help="station name (中文/pinyin), station id, or lon,lat")
    iso.add_argument("--minutes", nargs="+", metavar="MIN", help="budgets in minutes (default: 30 45 60)")
    iso.add_argument("-o", "--output", required=True, help=".geojson/.gpkg/.parquet, .html (map) or .png/.svg")
    iso.add_argument(
        "--speed-beyond",
        choices=["walk", "access"],
        default="walk",
        help="how the time left at each reached node is spent (default: walk)",
    )
    iso.add_argument("--offline", action="store_true", help="self-contained HTML map")
    add_graph_options(iso)

    re_ = sub.add_parser("reach", help="cross-city integration table (who reaches which city within T)")
    add_graph_options(re_)
    re_.add_argument("--budgets", nargs="+", metavar="MIN", help="minutes (default: 30 45 60 90)")
    re_.add_argument(
        "--level",
        choices=["zone", "grid"],
        default="zone",
        help="zone: district seats; grid: 3-km hexagons with district population spread by area",
    )
    re_.add_argument("--json", action="store_true")
    re_.add_argument("-o", "--output", help="choropleth map (.html) of each district's reach into the other cities")
    re_.add_argument("--offline", action="store_true", help="self-contained HTML map")

    cr = sub.add_parser(
        "critical", help="rank stations, sections and roads by cross-city reachability lost when closed"
    )
    add_graph_options(cr)
    cr.add_argument("--top", type=int, default=10, help="rows to show (default: 10)")
    cr.add_argument("--kinds", nargs="+", metavar="KIND", help="station section road (default: all)")
    cr.add_argument("--level", choices=["zone", "grid"], default="zone")
    cr.add_argument("--json", action="store_true")

    co = sub.add_parser("compare", help="compare two networks (scenario files, shipped names or dates)")
    co.add_argument(
        "scenarios",
        nargs="*",
        metavar="SCENARIO",
        help="scenario .toml files or shipped names (before_west_ring, with_west_ring, l2_west_ext2_schematic)",
    )
    co.add_argument("--as-of", dest="as_of_pair", nargs=2, metavar=("DATE1", "DATE2"), help="compare two dates instead")
    co.add_argument("--level", choices=["zone", "grid"], default="zone")
    co.add_argument("--top", type=int, default=5, help="winners/losers to list")
    co.add_argument("-o", "--output", help="diff map (.html)")
    co.add_argument("--offline", action="store_true")
    co.add_argument("--json", action="store_true")


@command("isochrone")
def _cmd_isochrone(args: argparse.Namespace) -> int:
    from cztmap.analysis.isochrones import isochrones

    minutes = parse_budgets(args.minutes, (30, 45, 60), "--minutes")
    fmt = suffix(args.output, ("geojson", "gpkg", "parquet", "html", "png", "svg"), "output path")
    from cztmap._atomic import check_writable

    check_writable(args.output, argument="output")
    G = graph(args)
    iso = isochrones(G, args.origin, minutes, speed_beyond=args.speed_beyond)
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
            args.output,
        )
    elif fmt in ("png", "svg"):
        from cztmap.viz import plots

        ax = plots.plot_isochrones(iso)
        plots.save_figure(ax.figure, args.output)  # type: ignore[arg-type]
    else:
        from cztmap.io.layers import write_frame

        write_frame(iso, args.output)
    info(f"wrote {args.output}")
    print(iso.drop(columns="geometry").to_string(index=False))
    return 0


@command("reach")
def _cmd_reach(args: argparse.Namespace) -> int:
    from cztmap.analysis.integration import cross_city_table

    budgets = parse_budgets(args.budgets, (30, 45, 60, 90), "--budgets")
    if args.output:
        suffix(args.output, ("html",), "output path")
        from cztmap._atomic import check_writable

        check_writable(args.output, argument="output")
    G = graph(args)
    tab = cross_city_table(G, budgets=budgets, level=args.level)
    if args.output:
        from cztmap.viz import maps

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
        maps.save_map(m, args.output)
        info(f"wrote {args.output}")
    extra = {
        "as_of": G.graph.get("as_of"),
        "period": G.graph.get("period"),
        "level": args.level,
        "population_missing": tab.attrs.get("population_missing", []),
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

        acc = accessibility(G, budgets=budgets, other_cities_only=True)
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
    G = graph(args)
    kinds = modes(args.kinds) or ["station", "section", "road"]
    tab = criticality(G, kinds=kinds, top=args.top, level=args.level)
    print_table(
        tab,
        json_out=args.json,
        extra={"as_of": G.graph.get("as_of"), "elapsed_s": round(float(tab.attrs.get("elapsed_s", 0.0)), 2)},
    )
    return 0


@command("compare")
def _cmd_compare(args: argparse.Namespace) -> int:
    from cztmap.analysis.compare import compare

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
        suffix(args.output, ("html",), "output path")
        from cztmap._atomic import check_writable

        check_writable(args.output, argument="output")
    res = compare(a, b, level=args.level, top=args.top)
    if args.output:
        from cztmap.data.dataset import load_dataset
        from cztmap.viz import maps

        zones = load_dataset().districts.merge(res.zones.reset_index(), on="adcode", how="left")
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
        )
        maps.save_map(m, args.output)
        info(f"wrote {args.output}")
    if args.json:
        print(json.dumps(res.to_dict(), ensure_ascii=False, indent=2, default=str))
        return 0
    print(f"{res.base_name} → {res.other_name}")
    print(f"sections added: {len(res.added_sections)}, removed: {len(res.removed_sections)}")
    print("\ncross-city table, change (after − before):")
    print_table(res.cross_city_change, json_out=False)
    print("\nbiggest winners (zones):")
    print_table(res.winners, json_out=False)
    print("\nbiggest losers (zones):")
    print_table(res.losers, json_out=False)
    return 0
