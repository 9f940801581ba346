"""Checks of the source tables before the build: the build refuses what ``validate`` would reject.

Each problem is one sentence naming the file, the row (as a spreadsheet shows it: the header is row 1)
and the field, with the fix. :func:`check_sources` raises one :class:`~cztmap.errors.DataError` with
the first problem (and how many more there are). After the build, :func:`cztmap.data.build.build_dataset`
also runs the layer checks of :mod:`cztmap.data.validate` on the layers it made and refuses to write
them when any fails.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from cztmap.data.build._common import read_csv
from cztmap.errors import DataError

__all__ = ["SOURCE_SCHEMA", "check_sources"]

#: Required columns of each source table and how their values must parse
#: (``float``/``int``: a number or empty; ``+float``: a non-negative number or empty; ``date``: an ISO
#: date or empty; ``date-prefix``: text that, when it starts with a date, starts with a possible one; ``text``).
SOURCE_SCHEMA: dict[str, dict[str, str]] = {
    "rail_stations.csv": {
        "line_id": "text",
        "seq": "int",
        "station_zh": "text",
        "station_en": "text",
        "lon": "float",
        "lat": "float",
        "datum": "text",
        "source": "text",
        "note": "text",
    },
    "rail_lines.csv": {
        "line_id": "text",
        "name_zh": "text",
        "name_en": "text",
        "mode": "text",
        "colour_hex": "text",
        "length_km": "+float",
        "n_stations": "int",
        "opened": "date-prefix",
        "status": "text",
        "headway_peak_min": "+float",
        "headway_offpeak_min": "+float",
        "speed_kmh": "+float-prefix",
        "source": "text",
        "note": "text",
    },
    "section_history.csv": {
        "line_id": "text",
        "from_station": "text",
        "to_station": "text",
        "direct": "int",
        "opened": "date",
        "closed": "date",
        "length_km": "+float",
        "source": "text",
        "note": "text",
    },
    "roads.csv": {"road_id": "text", "name_zh": "text", "name_en": "text", "class": "text", "source": "text"},
    "road_anchors.csv": {"road_id": "text", "seq": "int", "lon": "float", "lat": "float", "datum": "text"},
    "districts.csv": {
        "adcode": "text",
        "city_zh": "text",
        "name_zh": "text",
        "pop_2020_census": "+float",
        "pop_latest": "+float",
        "area_km2": "+float-prefix",
        "centre_lon": "float",
        "centre_lat": "float",
        "source": "text",
    },
    "station_status.csv": {"station_zh": "text", "since": "date", "until": "date", "expected_resumption": "date"},
    "line_status.csv": {"line_id": "text", "expected_opening": "date", "checked_on": "date"},
    "line_lengths.csv": {"line_id": "text", "from_station": "text", "to_station": "text", "length_km": "+float"},
    "metro_position_errors.csv": {"station_zh": "text", "position_error_m": "+float", "basis": "text"},
}
#: Tables that must have at least one row.
NON_EMPTY = ("rail_stations.csv", "rail_lines.csv", "section_history.csv", "districts.csv")
#: Tables the build can do without.
OPTIONAL = (
    "station_status.csv",
    "line_status.csv",
    "line_lengths.csv",
    "road_anchors.csv",
    "metro_position_errors.csv",
)

_NUM = re.compile(r"\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$")
_NUM_PREFIX = re.compile(r"\s*([-+]?\d+(\.\d+)?)")
_DATE_PREFIX = re.compile(r"\s*(\d{4}-\d{2}-\d{2})")


def _date_ok(text: str) -> bool:
    try:
        d = dt.date.fromisoformat(text.strip())
    except ValueError:
        return False
    return dt.date(1950, 1, 1) <= d <= dt.date(2100, 1, 1)


def _value_problem(kind: str, v: str) -> str | None:
    """Why ``v`` is not a valid ``kind`` (None when it is, or when it is empty)."""
    if not v.strip():
        return None
    if kind in ("float", "+float", "int"):
        if not _NUM.match(v) or (kind == "int" and not re.fullmatch(r"\s*[-+]?\d+\s*", v)):
            return f"{v!r} is not a {'whole ' if kind == 'int' else ''}number"
        if kind == "+float" and float(v) < 0:
            return f"{v!r} is negative"
    elif kind == "+float-prefix":
        m = _NUM_PREFIX.match(v)
        if m and float(m.group(1)) < 0:
            return f"{v!r} is negative"
    elif kind == "date" and not _date_ok(v):
        return f"{v!r} is not a possible date; write YYYY-MM-DD"
    elif kind == "date-prefix":
        m = _DATE_PREFIX.match(v)
        if m and not _date_ok(m.group(1)):
            return f"{v!r} starts with an impossible date {m.group(1)!r}; write YYYY-MM-DD"
    return None


def _check_table(src: Path, name: str, cols: dict[str, str]) -> list[str]:
    path = src / name
    if not path.is_file():
        return [] if name in OPTIONAL else [f"{path} is missing; restore it (git checkout data/sources)."]
    rows = read_csv(path)
    with open(path, encoding="utf-8", newline="") as fh:
        header = fh.readline().strip().lstrip("\ufeff").split(",")
    missing = [c for c in cols if c not in header]
    if missing:
        return [f"{path}: column {missing[0]!r} is missing from the header; add it (required: {', '.join(cols)})."]
    if not rows and name in NON_EMPTY:
        return [f"{path} has no rows; the dataset needs at least one."]
    out = []
    for i, r in enumerate(rows, start=2):
        if None in r:
            out.append(f"{path} row {i} has more fields than the header; quote values that contain commas.")
            continue
        for col, kind in cols.items():
            why = _value_problem(kind, r.get(col) or "")
            if why:
                out.append(f"{path} row {i}, field {col!r}: {why}; fix the value.")
    return out


def check_sources(src: Path) -> None:
    """Refuse source tables that would make an invalid dataset.

    Parameters
    ----------
    src : Path
        The folder of the source tables.

    Raises
    ------
    DataError
        One sentence naming the file, row and field of the first problem (and how many more).

    Examples
    --------
    >>> from cztmap._paths import sources_dir
    >>> check_sources(sources_dir())
    """
    problems: list[str] = []
    for name, cols in SOURCE_SCHEMA.items():
        problems += _check_table(src, name, cols)
    if problems:
        more = "" if len(problems) == 1 else f" ({len(problems) - 1} more problem(s) after this one)"
        raise DataError(problems[0].rstrip(".") + more + ".")
