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
    add_time_options(r, depart=True)

    lt = sub.add_parser(
        "last-train", help="latest departure that still arrives today, and the first one tomorrow (timetable)"
    )
    lt.add_argument("origin", help="station name (中文/pinyin), station id, or lon,lat")
    lt.add_argument("destination", help="station name (中文/pinyin), station id, or lon,lat")
    add_graph_options(lt)
    lt.add_argument("--date", metavar="DATE", help="service day (ISO date; default: --as-of)")
    lt.add_argument("--max-transfers", type=int, metavar="N", help="at most N changes between vehicles")
    lt.add_argument("--json", action="store_true", help="print both itineraries as JSON")

    s = sub.add_parser("stations", help="list stations")
    add_date_option(s)
    s.add_argument("--line", help="only stations of this line id (e.g. L1, WR, CZT)")
    s.add_argument("--json", action="store_true", help="print the stations as JSON records")


def add_time_options(p: argparse.ArgumentParser, *, depart: bool = False) -> None:
    """Timetable options: ``--date``, ``--window``, ``--percentiles`` (and ``--depart``/``--arrive-by`` for routes)."""
    if depart:
        p.add_argument("--depart", metavar="HH:MM", help="leave at this time (timetable route, clock times per leg)")
        p.add_argument("--arrive-by", metavar="HH:MM", help="arrive by this time (latest departure that makes it)")
        p.add_argument("--max-transfers", type=int, metavar="N", help="at most N changes between vehicles")
    p.add_argument("--date", metavar="DATE", help="service day of the timetable (ISO date; default: --as-of)")
    p.add_argument(
        "--window",
        metavar="HH:MM-HH:MM",
        help="departure window: travel time for every minute of it, summarised by --percentiles",
    )
    p.add_argument(
        "--percentiles",
        nargs="+",
        metavar="P",
        help="percentiles (0–100) of the window's travel times (default: 5 25 50 75 95)",
    )


def time_args(args: argparse.Namespace) -> dict[str, Any]:
    """Check the timetable options; ``--date`` also selects the network (``--as-of``) unless that is given."""
    from cztmap.network.timetable import parse_percentiles, parse_window

    if getattr(args, "percentiles", None) and not getattr(args, "window", None):
        raise UsageError("--percentiles summarise a departure window; give --window too (e.g. --window 07:00-09:00).")
    if getattr(args, "window", None):
        parse_window(args.window, argument="--window")
    pcts = parse_percentiles(" ".join(args.percentiles), argument="--percentiles") if args.percentiles else None
    if getattr(args, "date", None):
        from cztmap.data.dataset import parse_date

        parse_date(args.date, argument="service")
        if args.as_of == "today":
            args.as_of = args.date
    return {"date": getattr(args, "date", None), "window": getattr(args, "window", None), "percentiles": pcts}


@command("route")
def _cmd_route(args: argparse.Namespace) -> int:
    from cztmap.network.routing import route
    from cztmap.network.timetable import parse_clock

    targs = time_args(args)
    if args.depart is not None:
        parse_clock(args.depart, argument="--depart")
    if args.arrive_by is not None:
        parse_clock(args.arrive_by, argument="--arrive-by")
    if args.depart is not None and args.arrive_by is not None:
        raise UsageError("Give --depart or --arrive-by, not both.")
    if args.window and (args.depart is not None or args.arrive_by is not None):
        raise UsageError("Give --window on its own, not with --depart or --arrive-by (the window sets the departures).")
    timed = args.depart is not None or args.arrive_by is not None or args.window
    if not timed and (args.date or args.max_transfers is not None):
        raise UsageError(
            "--date and --max-transfers apply to timetable routes; give --depart, --arrive-by or --window."
        )
    G = graph(args)
    kw: dict[str, Any] = {}
    if timed:
        kw = {
            "depart": args.depart,
            "arrive_by": args.arrive_by,
            "max_transfers": args.max_transfers,
            "date": targs["date"],
            "window": targs["window"],
            "percentiles": targs["percentiles"],
        }
    it = route(G, place(args.origin), place(args.destination), **kw)
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
        print_json(it.to_dict())
    else:
        print(it)
    return 0


@command("last-train")
def _cmd_last_train(args: argparse.Namespace) -> int:
    import datetime as dt
    import math

    from cztmap.data.dataset import parse_date
    from cztmap.errors import NoRouteError
    from cztmap.network.build import build_graph
    from cztmap.network.routing import route

    day = parse_date(args.date, argument="service") if args.date else None
    if day is not None and args.as_of == "today":
        args.as_of = args.date
    G = graph(args)
    day = day or parse_date(G.graph.get("as_of"))
    if day is None:
        raise UsageError(
            f"The graph {args.graph!r} has no service date and no timetable; last-train runs on the embedded "
            "network's trips (drop --graph, and give --date)."
        )
    o, d = place(args.origin), place(args.destination)
    kw = {"max_transfers": args.max_transfers}
    last = route(G, o, d, arrive_by="23:59:59", date=day, **kw)
    if not last.legs:
        raise UsageError(
            f"The origin {args.origin!r} and the destination {args.destination!r} are the same place; "
            "give two different stations."
        )
    tomorrow = day + dt.timedelta(days=1)
    G2 = G if args.graph else build_graph(as_of=tomorrow, period=args.period, modes=G.graph.get("modes", "").split(","))
    try:
        first_arr = route(G2, o, d, depart="00:00", date=tomorrow, **kw)
        arrive_s = math.ceil(first_arr.total_s)  # it left at 00:00
        first = route(G2, o, d, arrive_by=arrive_s, date=tomorrow, **kw)
    except NoRouteError:
        first = None
    if args.json:
        print_json({"last_today": last.to_dict(), "first_tomorrow": first.to_dict() if first else None})
    else:
        print(f"Last departure on {day.isoformat()} that arrives the same day:")
        print(last)
        print(f"\nFirst departure on {tomorrow.isoformat()}:")
        print(first if first else "  none")
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
