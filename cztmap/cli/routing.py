"""The ``route`` and ``stations`` commands: door-to-door itineraries and station lists."""

from __future__ import annotations

import argparse
from typing import Any

from cztmap.cli._common import (
    add_date_option,
    add_graph_options,
    command,
    graph,
    info,
    output_path,
    place,
    print_json,
    print_table,
    suffix,
)
from cztmap.errors import UsageError


def add_parsers(sub: Any) -> None:
    """Add this family's sub-commands to the ``cztmap`` sub-parsers."""
    r = sub.add_parser("route", help="fastest door-to-door route between two places")
    r.add_argument("origin", help="station name (中文/pinyin), station id, or lon,lat")
    r.add_argument("destination", help="station name (中文/pinyin), station id, or lon,lat")
    add_graph_options(r)
    r.add_argument("--json", action="store_true", help="print the itinerary as JSON")
    r.add_argument("-o", "--output", help="also write a route map (.html; '-' writes the map to stdout)")
    r.add_argument("--offline", action="store_true", help="self-contained route map (no tiles, no network requests)")

    s = sub.add_parser("stations", help="list stations")
    add_date_option(s)
    s.add_argument("--line", help="only stations of this line id (e.g. L1, WR, CZT)")
    s.add_argument("--json", action="store_true", help="print the stations as JSON records")


@command("route")
def _cmd_route(args: argparse.Namespace) -> int:
    from cztmap.network.routing import route

    G = graph(args)
    it = route(G, place(args.origin), place(args.destination))
    if args.output:
        from cztmap.viz import maps

        if args.output != "-":
            suffix(args.output, ("html",), "output path")
        with output_path(args.output, default_suffix="html") as out:
            maps.save_map(maps.route_map(it.to_gdf(), summary=it.to_dict(), offline=args.offline), out)
        if args.output == "-":
            return 0  # stdout holds the map; the itinerary would corrupt it
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
        st = _in_line_order(st, ds.sections, args.line)
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
        print_json(st[cols].to_dict(orient="records"))
    else:
        out = st[cols].copy()
        out["opened"] = out["opened"].astype(str).str[:10]
        print_table(out.rename(columns={"position_error_m": "error_m"}), json_out=False, index=False)
        info(f"{len(out)} stations" + (f" of {args.line} in line order" if args.line else ""))
    return 0


def _in_line_order(stations: Any, sections: Any, line_id: str) -> Any:
    """Stations of one line in travel order (its sections by ``seq``); stations not on a section last."""
    sec = sections[sections["line_id"] == line_id]
    if "seq" in sec:
        sec = sec.sort_values("seq")
    order: list[str] = []
    for a, b in zip(sec["from_station"], sec["to_station"], strict=True):
        for sid in (a, b):
            if sid not in order:
                order.append(sid)
    rank = {sid: i for i, sid in enumerate(order)}
    key = stations["station_id"].map(lambda s: rank.get(s, len(rank)))
    return stations.assign(_rank=key).sort_values(["_rank", "station_id"]).drop(columns="_rank")
