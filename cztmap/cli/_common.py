"""Shared pieces of the command line: the parser class, the command registry, options and printing."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from cztmap.errors import UsageError

Handler = Callable[[argparse.Namespace], int]
#: Command name (``"data build"`` for nested ones) → its handler.
HANDLERS: dict[str, Handler] = {}


#: A point with a negative longitude or latitude ("-112.9,28.2"): a value, not an option.
_SIGNED_POINT = re.compile(r"-(?:\d|\.\d|inf|nan)[^,=\s]*\s*,\s*\S+", flags=re.IGNORECASE)


class Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors are one sentence and exit code 2 (no usage dump).

    A ``lon,lat`` value starting with a minus sign is a positional value, not an option.
    """

    def _parse_optional(self, arg_string: str) -> Any:
        if _SIGNED_POINT.fullmatch(arg_string):
            return None
        return super()._parse_optional(arg_string)

    def error(self, message: str) -> NoReturn:
        msg = message[:1].upper() + message[1:]
        self.exit(2, f"cztmap: error: {msg.rstrip('.')}; see `{self.prog} --help`.\n")


def command(name: str) -> Callable[[Handler], Handler]:
    def deco(fn: Handler) -> Handler:
        HANDLERS[name] = fn
        return fn

    return deco


def info(msg: str) -> None:
    print(msg, file=sys.stderr)


def modes(values: Sequence[str] | None) -> list[str] | None:
    if not values:
        return None
    out: list[str] = []
    for v in values:
        out.extend(m.strip() for m in v.split(",") if m.strip())
    return out


def graph(args: argparse.Namespace) -> Any:
    """The graph a command works on: a saved GraphML (``--graph``) or the embedded network."""
    if getattr(args, "graph", None):
        from cztmap.io.layers import read_graph

        return read_graph(args.graph)
    from cztmap.network.build import build_graph

    return build_graph(
        as_of=args.as_of, period=getattr(args, "period", "peak"), modes=modes(getattr(args, "modes", None))
    )


def suffix(path: str, allowed: Sequence[str], argument: str) -> str:
    suf = Path(path).suffix.lower().lstrip(".")
    if suf not in allowed:
        raise UsageError(
            f"The {argument} {path!r} has an unsupported extension {('.' + suf) if suf else '(none)'}; "
            f"use one of {', '.join('.' + a for a in allowed)}."
        )
    return suf


def place(text: str) -> Any:
    return text


def parse_budgets(values: Sequence[str] | None, default: Sequence[float], argument: str) -> list[float]:
    from cztmap.analysis.isochrones import check_budgets

    if not values:
        return check_budgets(list(default), argument=argument)
    nums = []
    for v in values:
        try:
            nums.append(float(v))
        except ValueError:
            raise UsageError(f"{argument} value {v!r} is not a number of minutes; e.g. {argument} 30 45 60.") from None
    return check_budgets(nums, argument=argument)


def print_table(df: Any, *, json_out: bool, extra: dict[str, Any] | None = None) -> None:
    import math

    if json_out:
        recs = [
            {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in r.items()}
            for r in df.reset_index(drop=df.index.name is None).to_dict("records")
        ]
        print(json.dumps({"rows": recs, **(extra or {})}, ensure_ascii=False, indent=2, default=str))
    else:
        import pandas as pd

        with pd.option_context(
            "display.width", 200, "display.max_columns", 30, "display.float_format", "{:.3f}".format
        ):
            print(df.to_string())
        for k, v in (extra or {}).items():
            print(f"{k}: {v}")


def add_date_option(p: argparse.ArgumentParser, default: str | None = "today") -> None:
    p.add_argument(
        "--as-of", default=default, metavar="DATE", help="network as open on this ISO date (default: %(default)s)"
    )


def add_graph_options(p: argparse.ArgumentParser) -> None:
    add_date_option(p)
    p.add_argument(
        "--period", choices=["peak", "offpeak"], default="peak", help="headways and road speeds (default: peak)"
    )
    p.add_argument(
        "--modes",
        nargs="+",
        metavar="MODE",
        help="keep only these modes: metro maglev intercity hsr art road (space or comma separated)",
    )
    p.add_argument(
        "--graph",
        metavar="FILE.graphml",
        help="use a saved graph instead of the embedded network (from `cztmap roads` or `cztmap import-gtfs`)",
    )
