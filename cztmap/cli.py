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
    if args.line:
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
