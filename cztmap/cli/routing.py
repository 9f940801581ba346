"""The ``route`` and ``stations`` commands: door-to-door itineraries and station lists."""

from __future__ import annotations

import argparse
import json
from typing import Any

from cztmap.cli._common import add_date_option, add_graph_options, command, graph, info, place, suffix
from cztmap.errors import UsageError


def add_parsers(sub: Any) -> None:
    """Add this family's sub-commands to the ``cztmap`` sub-parsers."""
    r = sub.add_parser("route", help="fastest door-to-door route between two places")
    r.add_argument("origin", help="station name (中文/pinyin), station id, or lon,lat")
    r.add_argument("destination", help="station name (中文/pinyin), station id, or lon,lat")
    add_graph_options(r)
    r.add_argument("--json", action="store_true", help="print the itinerary as JSON")
    r.add_argument("-o", "--output", help="also write a route map (.html)")
    r.add_argument("--offline", action="store_true", help="self-contained route map")

    s = sub.add_parser("stations", help="list stations")
    add_date_option(s)
    s.add_argument("--line", help="only stations of this line id (e.g. L1, WR, CZT)")
    s.add_argument("--json", action="store_true")


@command("route")
def _cmd_route(args: argparse.Namespace) -> int:
    from cztmap.network.routing import route

    G = graph(args)
    it = route(G, place(args.origin), place(args.destination))
    if args.output:
        from cztmap.viz import maps

        suffix(args.output, ("html",), "output path")
        maps.save_map(maps.route_map(it.to_gdf(), summary=it.to_dict(), offline=args.offline), args.output)
        info(f"wrote {args.output}")
    if args.json:
        print(it.to_json(indent=2))
    else:
        print(it)
    return 0


@command("stations")
def _cmd_stations(args: argparse.Namespace) -> int:
    from cztmap.data.dataset import load_dataset

    ds = load_dataset(as_of=args.as_of)
    st = ds.stations
    if args.line is not None:
        known = set(ds.lines["line_id"])
        if args.line not in known:
            raise UsageError(f"Unknown line {args.line!r}; lines on this date: {', '.join(sorted(known))}.")
        st = st[st["lines"].str.split(";").apply(lambda ls: args.line in ls)]
    cols = [
        "station_id",
        "name_zh",
        "name_en",
        "city",
        "district_zh",
        "lines",
        "opened",
        "position_quality",
        "position_error_m",
    ]
    if args.json:
        print(json.dumps(st[cols].to_dict(orient="records"), ensure_ascii=False, indent=2, default=str))
    else:
        print(st[cols].to_string(index=False))
    return 0
