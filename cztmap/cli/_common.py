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
    as_of, period, mode_list = args.as_of, getattr(args, "period", "peak"), modes(getattr(args, "modes", None))
    cached = _graph_cache_path(as_of, period, mode_list)
    if cached is not None and cached.is_file():
        import pickle

        try:
            with cached.open("rb") as fh:
                return pickle.load(fh)
        except Exception:  # a truncated or foreign file: rebuild below
            pass
    from cztmap.network.build import build_graph

    G = build_graph(as_of=as_of, period=period, modes=mode_list)
    if cached is not None:
        _store_graph(G, cached)
    return G


def _graph_cache_path(as_of: Any, period: Any, mode_list: list[str] | None) -> Path | None:
    """Where the embedded network's graph for these options is cached (None: caching is off).

    The key is a digest of everything the graph depends on: the layer and source-table files, the
    source code of the data and network packages and the parameters (so an edit of either invalidates it), the
    package version and the options, with ``today`` resolved to the date. The cache lives in
    ``$CZTMAP_CACHE_DIR`` (default ``$XDG_CACHE_HOME/cztmap`` or ``~/.cache/cztmap``) and holds
    only files this command wrote; ``CZTMAP_NO_CACHE=1`` turns it off.
    """
    import datetime as dt
    import hashlib
    import os

    if os.environ.get("CZTMAP_NO_CACHE"):
        return None
    import cztmap
    from cztmap._paths import geo_dir, sources_dir

    root = Path(cztmap.__file__).parent
    h = hashlib.blake2b(digest_size=16)
    day = dt.date.today().isoformat() if as_of in (None, "today") else str(as_of)
    h.update(repr((cztmap.__version__, day, period, mode_list)).encode())
    try:
        files = sorted(
            [*root.rglob("data/**/*.py"), *root.rglob("network/**/*.py"), root / "params.py", root / "geo.py"]
        ) + sorted(p for folder in (geo_dir(), sources_dir()) for p in folder.rglob("*") if p.is_file())
        for f in files:
            h.update(f.name.encode())
            h.update(f.read_bytes())
    except OSError:
        return None
    base = os.environ.get("CZTMAP_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "cztmap"
    )
    return Path(base) / "graphs" / f"{h.hexdigest()}.pickle"


def _store_graph(G: Any, path: Path) -> None:
    import pickle

    from cztmap._atomic import atomic_write_bytes

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, pickle.dumps(G, protocol=pickle.HIGHEST_PROTOCOL), argument="graph cache")
    except Exception:  # a read-only home or a full disk only costs the next run its speed
        pass


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
