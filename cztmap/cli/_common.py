"""Shared pieces of the command line: the parser class, the command registry, options and printing."""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

from cztmap.errors import UsageError

Handler = Callable[[argparse.Namespace], int]
#: Command name (``"data build"`` for nested ones) → its handler.
HANDLERS: dict[str, Handler] = {}


#: A point with a negative longitude or latitude ("-112.9,28.2") or a negative clock time ("-01:00"): a value
#: (that the option's check then explains), not an option.
_SIGNED_POINT = re.compile(r"-(?:\d|\.\d|inf|nan)[^,=\s]*\s*,\s*\S+|-\d{1,2}:\d{2}(?::\d{2})?", flags=re.IGNORECASE)


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
    """A status line on stderr (dropped with ``--quiet``)."""
    from cztmap._progress import enabled_flag

    if enabled_flag():
        print(msg, file=sys.stderr)


def modes(values: Sequence[str] | None) -> list[str] | None:
    """Mode (or kind) names of a list option: split on commas and spaces, case-folded (``"Metro HSR"`` works).

    ``None`` when the option was not given; a given but empty value stays an empty list, so the caller can
    say that nothing was selected.
    """
    if values is None:
        return None
    out: list[str] = []
    for v in values:
        out.extend(m.casefold() for m in re.split(r"[\s,，、;]+", v) if m)
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


def json_safe(obj: Any) -> Any:
    """NaN/inf → None, numpy scalars → Python, recursively (for ``--json``)."""
    import math

    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes)):
        with contextlib.suppress(TypeError, ValueError):
            obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def print_json(obj: Any) -> None:
    """One JSON document on stdout (UTF-8, indented, NaN as null)."""
    print(json.dumps(json_safe(obj), ensure_ascii=False, indent=2, default=str))


#: Column-name endings → (unit shown in the header, kind of number).
_UNITS: tuple[tuple[str, str, str], ...] = (
    ("_pct", "%", "pct"),
    ("_min", "min", "min"),
    ("min", "min", "min"),
    ("_km", "km", "km"),
    ("_m", "m", "m"),
    ("_s", "s", "s"),
    ("_kmh", "km/h", "km"),
)


def _kind(col: str) -> tuple[str, str]:
    """(unit, kind) of a column from its name: shares in %, people, minutes, km, metres."""
    c = col.lower()
    if c.endswith("_pct"):
        return "%", "pct"
    if c.startswith("share") or c.endswith("_share") or c == "disconnected_share":
        return "%", "share"
    if c.startswith("within_") or c in ("population", "people") or c.endswith("_pop"):
        return "people", "people"
    if c.startswith("index") or "index" in c:
        return "", "index"
    for end, unit, kind in _UNITS:
        if c.endswith(end):
            return unit, kind
    return "", "num"


def format_cell(col: str, value: Any, *, signs: bool = False) -> str:
    """A table cell: rounded, thousands separators, shares in % (pp with ``signs``), '–' for missing."""
    import math

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool) or (not isinstance(value, (int, float)) and not hasattr(value, "dtype")):
        return str(value)
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isinf(v):
        return "unreachable" if v > 0 else "-inf"
    sign = "+" if signs else ""
    _unit, kind = _kind(col)
    if signs:  # a change: two more decimals, so small changes do not read as +0.0
        if kind == "share":
            return f"{100 * v:+,.2f} pp"
        if kind == "index":
            return f"{v:+.4f}"
        if kind == "people" or float(v).is_integer():
            return f"{v:+,.0f}"
        return f"{v:+,.2f}"
    if kind == "share":
        return f"{100 * v:,.1f} %"
    if kind == "people" or (kind == "num" and float(v).is_integer()):
        return f"{v:{sign},.0f}"
    if kind in ("min", "km", "pct"):
        return f"{v:{sign},.1f}"
    if kind == "index":
        return f"{v:{sign}.3f}"
    if kind in ("m", "s"):
        return f"{v:{sign},.0f}"
    return f"{v:{sign},.2f}"


def _header(col: str) -> str:
    unit, kind = _kind(col)
    if kind == "share" or not unit:
        return col
    for end, u, _k in _UNITS:
        if u == unit and col.lower().endswith(end) and len(col) > len(end):
            return f"{col[: -len(end)].rstrip('_')} ({unit})"
    return f"{col} ({unit})"


def print_table(
    df: Any,
    *,
    json_out: bool,
    extra: dict[str, Any] | None = None,
    signs: bool = False,
    title: str | None = None,
    index: bool | None = None,
) -> None:
    """Print a DataFrame: ``--json`` records, or an aligned table (East-Asian width aware, via rich).

    Numbers are rounded with units in the header (min, km, people; shares in %, changes in
    percentage points with ``signs=True``); ``extra`` lines follow the table.
    """
    if json_out:
        recs = df.reset_index(drop=df.index.name is None).to_dict("records")
        print_json({"rows": recs, **(extra or {})})
        return
    from rich import box
    from rich.console import Console
    from rich.table import Table

    show_index = (df.index.name is not None) if index is None else index
    frame = df.reset_index() if show_index else df
    table = Table(box=box.SIMPLE_HEAD, title=title, title_justify="left", pad_edge=False, show_edge=False)
    numeric = {c: hasattr(frame[c], "dtype") and frame[c].dtype.kind in "iuf" for c in frame.columns}
    for c in frame.columns:
        table.add_column(_header(str(c)), justify="right" if numeric[c] else "left", overflow="fold")
    for row in frame.itertuples(index=False):
        table.add_row(*(format_cell(str(c), v, signs=signs) for c, v in zip(frame.columns, row, strict=True)))
    console = Console(file=sys.stdout, width=max(Console().width, 200) if not sys.stdout.isatty() else None)
    console.print(table)
    for k, v in (extra or {}).items():
        console.print(f"{k}: {v}", highlight=False, markup=False)


@contextlib.contextmanager
def output_path(path: str, *, default_suffix: str, binary: bool = False) -> Iterator[str]:
    """The file a command writes; ``-`` writes it to a scratch file and then copies it to stdout."""
    if path != "-":
        yield path
        return
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory(prefix="cztmap-") as tmp:
        target = str(Path(tmp) / f"out.{default_suffix}")
        yield target
        with open(target, "rb") as fh:
            sys.stdout.flush()
            shutil.copyfileobj(fh, sys.stdout.buffer)
            sys.stdout.buffer.flush()


def add_json_option(p: argparse.ArgumentParser, what: str = "the result") -> None:
    p.add_argument("--json", action="store_true", help=f"print {what} as JSON on stdout (no progress output)")


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
        help="keep only these modes: metro maglev intercity hsr rail art car feeder, or transit/both (space or comma separated)",
    )
    p.add_argument(
        "--graph",
        metavar="FILE.graphml",
        help="use a saved graph instead of the embedded network (from `cztmap roads` or `cztmap import-gtfs`)",
    )
