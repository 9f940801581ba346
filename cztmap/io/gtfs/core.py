"""GTFS export of the network, and GTFS import into the graph contract of :mod:`cztmap.network.build`.

Export (:func:`export_gtfs`)
----------------------------
A static GTFS feed of the rail network open on ``as_of``, built from the same graph as
:func:`cztmap.network.build.build_graph` (so from the same run-time model):

* ``agency.txt`` — one agency per operator family: 长沙地铁 / Changsha Metro (metro lines and the West
  Ring, whose fares are integrated, rail_facts.md §4), 长沙磁浮 / Changsha Maglev, 中国铁路 / China
  Railway (CZT intercity and HSR), 株洲智轨 / Zhuzhou ART. No operator web site is cited in
  ``data/sources``, so ``agency_url`` is the cztmap project page (:data:`PROJECT_URL`) — a placeholder,
  said so in ``attributions.txt`` — and not an operator's site.
* ``stops.txt`` — a parent station (``location_type=1``, ``stop_id`` = station id) per station
  complex and a child stop ``<station_id>:<service_id>`` per service platform; names in Chinese, English
  names in ``translations.txt``.
* ``routes.txt`` — one route per service (``L3`` includes the through-running West Ring; ``CZT``,
  ``CZT-Z``, ``CZT-X`` are the trunk and branch services). ``route_type``: metro 1 (subway/metro),
  maglev 1, intercity and HSR 2 (rail), ART 0 (tram). The maglev gets 1 rather than 12 (monorail):
  1 is a basic type every consumer and validator accepts, 12 is a later addition some consumers still
  reject and describes a different technology, and the Changsha maglev is a grade-separated urban
  line run like a metro line. The model's mode is kept losslessly in the standard ``network_id`` column
  (``metro|maglev|intercity|hsr|art``: the fare networks — metro and West Ring share fares, the maglev,
  the intercity and the HSR are priced separately), which :func:`graph_from_gtfs` reads back.
* ``trips.txt`` + ``stop_times.txt`` — one representative trip per direction per service. A train
  leaves stop *k* at ``start + round(C_k)`` where ``C_k`` is the sum of the graph's in-vehicle edge
  times (run time + dwell at the station reached) up to stop *k*; it arrives ``dwell`` seconds earlier.
  At the last stop the departure time also includes the dwell, so ``departure(b) − departure(a)`` is
  the graph's in-vehicle time between any two stops of the trip (rounded cumulatively, never off by
  a second or more).
* ``frequencies.txt`` — the trips repeat from :data:`SERVICE_START` to :data:`SERVICE_END` with the
  graph's headways (``headway_min`` of the board edges, rounded to whole seconds): the peak headway in
  :data:`PEAK_WINDOWS`, the off-peak one otherwise. The day split is a documented default: 06:30–23:00
  are the network's hours (enghunan 2019, rail_facts.md §2); the two peaks 07:00–09:00 and 17:00–19:00
  are an assumption (L4 publishes "morning and evening peak" headways without times; the only timed
  windows, the L1/L2 holiday plan, describe a holiday, not a working day). A service whose headway is
  the whole service day or longer (the once-a-day county train RAIL-LC) gets no frequencies: its
  template trips run once, at :data:`SERVICE_START` (read back as a headway of the service day); one whose
  headway is at least a peak window and the same all day (a few trains a day) gets one row over the whole
  service day, so that its spacing survives the round trip.
* ``calendar.txt`` — service ``daily``, every day from ``as_of`` for one year (365 days).
* ``shapes.txt`` — from the section geometries, ``shape_dist_traveled`` in metres of route length.
* ``transfers.txt`` — ``transfer_type=2`` between stations linked by a walk edge, with
  ``min_transfer_time = alight_walk_s + walk + platform_walk_s``; and within each station served by
  two or more services, ``alight_walk_s + platform_walk_s``.
* ``feed_info.txt`` (publisher cztmap, ``feed_version`` = dataset version, ``feed_lang`` zh) and
  ``attributions.txt`` (the cztmap producer row, then every source URL of each route's lines, scoped
  to that route; GTFS has no "data source" role, so sources are listed as producers of the facts).

The zip is deterministic: rows are sorted, numbers formatted with fixed precision, members written in
name order with a fixed timestamp (1980-01-01), permissions and deflate level.

Import (:func:`graph_from_gtfs`, :func:`read_gtfs`)
--------------------------------------------------
:func:`read_gtfs` checks a feed (zip or folder) and collects every problem — file, 1-based line number
and field — before raising one :class:`~cztmap.errors.DataError`; nothing is built from a bad feed.
:func:`graph_from_gtfs` builds the graph contract from it: a station node per parent station (or per
stop without a parent), a platform node per (station, route), in-vehicle edges from consecutive
stop times (the median over the day's trips of ``departure(b) − departure(a)``), board edges with
half the route's mean headway in the period (from ``frequencies.txt`` expanded to departures, or from
trip departures), alight edges, and walk edges from ``transfers.txt`` (or, when the feed gives no
transfers between stations, between stations closer than ``walk_link_max_m``).

Examples
--------
>>> import tempfile, pathlib
>>> from cztmap.io.gtfs import export_gtfs, graph_from_gtfs
>>> out = export_gtfs(pathlib.Path(tempfile.mkdtemp()) / "czt.zip", as_of="2024-01-01")
>>> G = graph_from_gtfs(out, period="peak")
>>> G.graph["scenario"], G.graph["as_of"]
('gtfs:czt', '2024-01-01')
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import math
import re
import statistics
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import networkx as nx
from shapely.geometry import LineString

from cztmap._atomic import atomic_write_bytes
from cztmap.data.dataset import Dataset, load_dataset, parse_date
from cztmap.errors import DataError, UsageError
from cztmap.geo import haversine_m
from cztmap.network.build import PERIODS, RAIL_MODES, add_platform, add_walk_link, build_graph, node_attrs, station_node
from cztmap.params import DEFAULTS, Params

__all__ = [
    "PEAK_WINDOWS",
    "PROJECT_URL",
    "SERVICE_END",
    "SERVICE_START",
    "GtfsFeed",
    "export_gtfs",
    "graph_from_gtfs",
    "gtfs_tables",
    "period_windows",
    "read_gtfs",
]

#: The project page (pyproject ``[project.urls]``); a placeholder ``agency_url``, see module docs.
PROJECT_URL = "https://github.com/cztmap/cztmap"
#: Service day of the exported feed, seconds after midnight (06:30–23:00, rail_facts.md §2).
SERVICE_START = 6 * 3600 + 30 * 60
SERVICE_END = 23 * 3600
#: Peak windows (assumption, see module docs); off-peak is the rest of the service day.
PEAK_WINDOWS: tuple[tuple[int, int], ...] = ((7 * 3600, 9 * 3600), (17 * 3600, 19 * 3600))

#: Operator family by mode: (agency_id, name_zh, name_en).
AGENCIES: dict[str, tuple[str, str, str]] = {
    "metro": ("csmetro", "长沙地铁", "Changsha Metro"),
    "maglev": ("csmaglev", "长沙磁浮", "Changsha Maglev"),
    "intercity": ("cr", "中国铁路", "China Railway"),
    "hsr": ("cr", "中国铁路", "China Railway"),
    "rail": ("cr", "中国铁路", "China Railway"),
    "art": ("zzart", "株洲智轨", "Zhuzhou ART"),
}
ROUTE_TYPE_OF_MODE = {"metro": 1, "maglev": 1, "intercity": 2, "hsr": 2, "rail": 2, "art": 0}
TIMEZONE = "Asia/Shanghai"
SERVICE_ID = "daily"

REQUIRED_FILES = ("agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt")
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "agency.txt": ("agency_name", "agency_url", "agency_timezone"),
    "stops.txt": ("stop_id",),
    "routes.txt": ("route_id", "route_type"),
    "trips.txt": ("route_id", "service_id", "trip_id"),
    "stop_times.txt": ("trip_id", "stop_id", "stop_sequence"),
    "calendar.txt": (
        "service_id",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "start_date",
        "end_date",
    ),
    "calendar_dates.txt": ("service_id", "date", "exception_type"),
    "frequencies.txt": ("trip_id", "start_time", "end_time", "headway_secs"),
    "transfers.txt": ("from_stop_id", "to_stop_id", "transfer_type"),
}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TIME_RE = re.compile(r"^(\d{1,3}):([0-5]\d):([0-5]\d)$")
_DATE_RE = re.compile(r"^\d{8}$")


def period_windows(period: str) -> list[tuple[int, int]]:
    """Time windows (seconds after midnight) of ``period`` in the service day.

    Examples
    --------
    >>> [(a // 60, b // 60) for a, b in period_windows("offpeak")]
    [(390, 420), (540, 1020), (1140, 1380)]
    """
    if period not in PERIODS:
        raise UsageError(f"Unknown period {period!r}; use one of {', '.join(PERIODS)}.")
    if period == "peak":
        return list(PEAK_WINDOWS)
    out, t = [], SERVICE_START
    for a, b in PEAK_WINDOWS:
        if a > t:
            out.append((t, a))
        t = max(t, b)
    if t < SERVICE_END:
        out.append((t, SERVICE_END))
    return out


# =====================================================================================================
# export
# =====================================================================================================


def _hms(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _coord(v: float) -> str:
    return f"{v:.7f}"


def _text_colour(hex6: str) -> str:
    r, g, b = (int(hex6[i : i + 2], 16) / 255 for i in (0, 2, 4))
    lum = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    y = 0.2126 * lum[0] + 0.7152 * lum[1] + 0.0722 * lum[2]
    return "000000" if (y + 0.05) / 0.05 >= 1.05 / (y + 0.05) else "FFFFFF"


def _source_urls(text: str) -> list[str]:
    """URLs in a ``source`` cell; ``owner/repo path@commit`` references become GitHub URLs."""
    out = []
    for part in re.split(r";\s*", text or ""):
        part = re.sub(r"^[a-z ]+:\s+", "", part.strip())  # "colour: owner/repo ..." label
        m = re.match(r"(https?://\S+)", part)
        if m:
            out.append(quote(m.group(1), safe=":/?#[]@!$&'()*+,;=%~"))
            continue
        m = re.match(r"(?:github:)?([\w.-]+/[\w.-]+) (\S+)@([0-9a-f]{7,40})", part)
        if m:
            out.append(f"https://github.com/{m.group(1)}/blob/{m.group(3)}/{m.group(2)}")
    return out


def _service_path(edges: dict[tuple[str, str], dict[str, Any]], forward: set[tuple[str, str]]) -> list[list[str]]:
    """Station sequences, one per direction, of a service whose in-vehicle edges are ``edges``.

    A simple path gives its two directions (direction 0 the one running most sections from→to);
    anything else (a loop, a branch) gives a two-stop trip per directed edge so nothing is lost.
    """
    adj: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        adj[a].add(b)
        adj[b].add(a)
    ends = sorted(n for n, nb in adj.items() if len(nb) == 1)
    if len(ends) == 2 and all(len(nb) <= 2 for nb in adj.values()):
        seq = [ends[0]]
        prev = None
        while True:
            nxt = [n for n in sorted(adj[seq[-1]]) if n != prev]
            if not nxt:
                break
            prev = seq[-1]
            seq.append(nxt[0])
        if (
            len(seq) == len(adj)
            and all((a, b) in edges for a, b in itertools.pairwise(seq))
            and all((b, a) in edges for a, b in itertools.pairwise(seq))
        ):
            fw = sum((a, b) in forward for a, b in itertools.pairwise(seq))
            if fw * 2 < len(seq) - 1:
                seq = seq[::-1]
            return [seq, seq[::-1]]
    return [[a, b] for a, b in sorted(edges)]


def gtfs_tables(  # noqa: C901  TODO(layout): split into named steps
    ds: Dataset | None = None, *, as_of: str | dt.date | None = "today", params: Params = DEFAULTS
) -> dict[str, list[list[str]]]:
    """The GTFS tables of the network open on ``as_of``: file name → rows (header first), sorted.

    This is what :func:`export_gtfs` zips; exposed for inspection and tests.
    """
    if ds is None:
        ds = load_dataset()
    day = parse_date(as_of) or ds.as_of or dt.date.today()
    ds = ds.filter(day)
    graphs = {p: build_graph(ds, as_of=None, period=p, modes=RAIL_MODES, params=params, zones=False) for p in PERIODS}
    G = graphs["peak"]
    lines = {r.line_id: r for r in ds.lines.itertuples(index=False)}
    st = {r.station_id: r for r in ds.stations.itertuples(index=False)}
    sec = {r.section_id: r for r in ds.sections.itertuples(index=False)}

    # services: in-vehicle edges keyed by (from station, to station)
    svc_edges: dict[str, dict[tuple[str, str], dict[str, Any]]] = defaultdict(dict)
    svc_forward: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for u, v, d in G.edges(data=True):
        if d.get("mode") in RAIL_MODES:
            a, b = G.nodes[u]["station_id"], G.nodes[v]["station_id"]
            old = svc_edges[d["service_id"]].get((a, b))
            if old is None or d["travel_time"] < old["travel_time"]:
                svc_edges[d["service_id"]][(a, b)] = d
            if sec[d["section_id"]].from_station == a:
                svc_forward[d["service_id"]].add((a, b))
    headway: dict[tuple[str, str], int] = {}
    for p, Gp in graphs.items():
        for _, _, d in Gp.edges(data=True):
            if d.get("mode") == "board":
                headway[(d["service_id"], p)] = max(1, round(d["headway_min"] * 60))

    agency_rows: dict[str, list[str]] = {}
    route_rows, trip_rows, st_rows, shape_rows, freq_rows = [], [], [], [], []
    transl: list[list[str]] = []
    attributions: list[list[str]] = [
        [
            "cztmap",
            "",
            "",
            "",
            "cztmap (feed producer; agency_url values are this placeholder page, not the operators' sites)",
            "1",
            "0",
            "0",
            PROJECT_URL,
        ]
    ]
    child_stops: set[tuple[str, str]] = set()
    station_services: dict[str, set[str]] = defaultdict(set)
    for svc in sorted(svc_edges):
        edges = svc_edges[svc]
        mode = next(iter(edges.values()))["mode"]
        ag_id, ag_zh, _ = AGENCIES[mode]
        agency_rows[ag_id] = [ag_id, ag_zh, PROJECT_URL, TIMEZONE, "zh"]
        ln = lines.get(svc)
        colour = (
            (
                ln.colour
                if ln is not None and isinstance(ln.colour, str) and ln.colour
                else next(iter(edges.values())).get("colour") or "#808080"
            )
            .lstrip("#")
            .upper()
        )
        name_zh = ln.name_zh if ln is not None else svc
        name_en = ln.name_en if ln is not None else svc
        through = sorted({e["line_id"] for e in edges.values()} - {svc} - ({"CZT"} if svc.startswith("CZT") else set()))
        for t in through:
            if t in lines:
                name_zh += f"（贯通{lines[t].name_zh}）"
                name_en += f" (through-running onto {lines[t].name_en})"
        route_rows.append([svc, ag_id, svc, name_zh, str(ROUTE_TYPE_OF_MODE[mode]), colour, _text_colour(colour), mode])
        transl.append(["routes", "route_long_name", "en", name_en, svc])
        src_lines = sorted({e["line_id"] for e in edges.values()} | ({svc} if svc in lines else set()))
        urls = sorted({u for lid in src_lines if lid in lines for u in _source_urls(lines[lid].source)})
        for i, url in enumerate(urls, 1):
            attributions.append(
                [
                    f"{svc}-{i:02d}",
                    "",
                    svc,
                    "",
                    f"source of the published facts: {urlsplit(url).hostname}",
                    "1",
                    "0",
                    "0",
                    url,
                ]
            )
        for d_id, seq in enumerate(_service_path(edges, svc_forward[svc])):
            trip = f"{svc}:{d_id}" if len(seq) > 2 or len(edges) == 2 else f"{svc}:{seq[0]}>{seq[1]}"
            direction = d_id if len(seq) > 2 or len(edges) == 2 else int((seq[0], seq[1]) not in svc_forward[svc])
            last = st[seq[-1]]
            trip_rows.append([svc, SERVICE_ID, trip, last.name_zh, str(direction), trip])
            transl.append(["trips", "trip_headsign", "en", last.name_en, trip])
            cum, dist = 0.0, 0.0
            prev_dep = SERVICE_START
            npt = 0
            for k, sid in enumerate(seq):
                stop_id = f"{sid}:{svc}"
                child_stops.add((sid, svc))
                station_services[sid].add(svc)
                if k == 0:
                    arr = dep = SERVICE_START
                    pts = [(st[sid].geometry.x, st[sid].geometry.y, 0.0)]
                else:
                    e = edges[(seq[k - 1], sid)]
                    cum += e["travel_time"]
                    # vertices of the section, distance spread along its geometric length
                    line = e["geometry"]
                    cs = list(line.coords)
                    part = [0.0]
                    for (x1, y1), (x2, y2) in itertools.pairwise(cs):
                        part.append(part[-1] + float(haversine_m(x1, y1, x2, y2)))
                    tot = part[-1] or 1.0
                    pts = [(x, y, dist + e["length"] * f / tot) for (x, y), f in zip(cs[1:], part[1:], strict=True)]
                    dist += e["length"]
                    dep = SERVICE_START + round(cum)
                    arr = min(dep, max(prev_dep, SERVICE_START + round(cum - params.dwell_s[e["mode"]])))
                st_rows.append([trip, _hms(arr), _hms(dep), stop_id, str(k + 1), f"{dist:.1f}", "1"])
                prev_dep = dep
                for x, y, dd in pts:
                    npt += 1
                    shape_rows.append((trip, npt, (x, y), dd))
        for p in PERIODS:
            if (svc, p) not in headway:
                raise DataError(
                    f"Service {svc} has no {p} board edge in the graph; rebuild the dataset (`cztmap data build`)."
                )
        if min(headway[(svc, p)] for p in PERIODS) >= SERVICE_END - SERVICE_START:
            continue  # a train a day or fewer (county rail): the template trips run once, no frequencies
        if headway[(svc, "peak")] == headway[(svc, "offpeak")] >= max(b - a for a, b in PEAK_WINDOWS):
            # a few trains a day: one row over the whole day keeps the spacing (per-window rows would not)
            for trip in sorted({r[2] for r in trip_rows if r[0] == svc}):
                freq_rows.append([trip, _hms(SERVICE_START), _hms(SERVICE_END), str(headway[(svc, "peak")]), "0"])
            continue
        for a, b in _day_split():
            p = "peak" if (a, b) in PEAK_WINDOWS else "offpeak"
            for trip in sorted({r[2] for r in trip_rows if r[0] == svc}):
                freq_rows.append([trip, _hms(a), _hms(b), str(headway[(svc, p)]), "0"])

    stops = []
    for sid in sorted(station_services):
        r = st[sid]
        stops.append([sid, r.name_zh, _coord(r.geometry.y), _coord(r.geometry.x), "1", ""])
        transl.append(["stops", "stop_name", "en", r.name_en, sid])
    for sid, svc in sorted(child_stops):
        r = st[sid]
        stops.append([f"{sid}:{svc}", r.name_zh, _coord(r.geometry.y), _coord(r.geometry.x), "0", sid])
        transl.append(["stops", "stop_name", "en", r.name_en, f"{sid}:{svc}"])
    for ag_id in agency_rows:
        transl.append(["agency", "agency_name", "en", next(a[2] for a in AGENCIES.values() if a[0] == ag_id), ag_id])

    transfers = []
    for u, v, d in G.edges(data=True):
        if d.get("mode") == "walk":
            a, b = G.nodes[u]["station_id"], G.nodes[v]["station_id"]
            if a in station_services and b in station_services:
                t = params.alight_walk_s + d["travel_time"] + params.platform_walk_s
                transfers.append([a, b, "2", str(round(t))])
    for sid, svcs in station_services.items():
        if len(svcs) > 1:
            transfers.append([sid, sid, "2", str(round(params.alight_walk_s + params.platform_walk_s))])

    end = day + dt.timedelta(days=364)
    shapes = [[trip, _coord(y), _coord(x), str(i), f"{dist:.1f}"] for trip, i, (x, y), dist in shape_rows]
    return {
        "agency.txt": [
            ["agency_id", "agency_name", "agency_url", "agency_timezone", "agency_lang"],
            *sorted(agency_rows.values()),
        ],
        "stops.txt": [
            ["stop_id", "stop_name", "stop_lat", "stop_lon", "location_type", "parent_station"],
            *sorted(stops),
        ],
        "routes.txt": [
            [
                "route_id",
                "agency_id",
                "route_short_name",
                "route_long_name",
                "route_type",
                "route_color",
                "route_text_color",
                "network_id",
            ],
            *sorted(route_rows),
        ],
        "trips.txt": [
            ["route_id", "service_id", "trip_id", "trip_headsign", "direction_id", "shape_id"],
            *sorted(trip_rows),
        ],
        "stop_times.txt": [
            [
                "trip_id",
                "arrival_time",
                "departure_time",
                "stop_id",
                "stop_sequence",
                "shape_dist_traveled",
                "timepoint",
            ],
            *sorted(st_rows, key=lambda r: (r[0], int(r[4]))),
        ],
        "frequencies.txt": [["trip_id", "start_time", "end_time", "headway_secs", "exact_times"], *sorted(freq_rows)],
        "calendar.txt": [
            ["service_id", *_WEEKDAYS, "start_date", "end_date"],
            [SERVICE_ID, *["1"] * 7, day.strftime("%Y%m%d"), end.strftime("%Y%m%d")],
        ],
        "shapes.txt": [
            ["shape_id", "shape_pt_lat", "shape_pt_lon", "shape_pt_sequence", "shape_dist_traveled"],
            *sorted(shapes, key=lambda r: (r[0], int(r[3]))),
        ],
        "transfers.txt": [["from_stop_id", "to_stop_id", "transfer_type", "min_transfer_time"], *sorted(transfers)],
        "translations.txt": [["table_name", "field_name", "language", "translation", "record_id"], *sorted(transl)],
        "feed_info.txt": [
            [
                "feed_publisher_name",
                "feed_publisher_url",
                "feed_lang",
                "default_lang",
                "feed_start_date",
                "feed_end_date",
                "feed_version",
                "feed_contact_url",
            ],
            [
                "cztmap",
                PROJECT_URL,
                "zh",
                "zh",
                day.strftime("%Y%m%d"),
                end.strftime("%Y%m%d"),
                ds.version or "unversioned",
                PROJECT_URL,
            ],
        ],
        "attributions.txt": [
            [
                "attribution_id",
                "agency_id",
                "route_id",
                "trip_id",
                "organization_name",
                "is_producer",
                "is_operator",
                "is_authority",
                "attribution_url",
            ],
            *sorted(attributions),
        ],
    }


def _day_split() -> list[tuple[int, int]]:
    return sorted(period_windows("peak") + period_windows("offpeak"))


def _csv_bytes(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def export_gtfs(
    path: str | Path,
    *,
    as_of: str | dt.date | None = "today",
    ds: Dataset | None = None,
    params: Params = DEFAULTS,
) -> Path:
    """Write a GTFS feed (zip) of the rail network open on ``as_of``; return its path.

    Parameters
    ----------
    path : path
        The ``.zip`` to write (atomically; the folder must exist).
    as_of : str or date, default "today"
        ISO date: the network of that day; also the feed's first service day (valid one year).
    ds : Dataset, optional
        Layers to export (default: the embedded dataset).
    params : Params
        Run-time, headway and transfer parameters.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    UsageError
        Bad date, unwritable path, or a path not ending in ``.zip``.
    """
    p = Path(path)
    if p.suffix.lower() != ".zip":
        raise UsageError(f"The GTFS output {str(p)!r} must end in .zip; give a path such as 'czt_gtfs.zip'.")
    tables = gtfs_tables(ds, as_of=as_of, params=params)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in sorted(tables):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            zf.writestr(info, _csv_bytes(tables[name]), compresslevel=9)
    return atomic_write_bytes(p, buf.getvalue(), argument="GTFS output")


# =====================================================================================================
# import: reading and checking
# =====================================================================================================


@dataclass
class Table:
    """One GTFS file: its rows as (1-based line number, {field: value}) with whitespace stripped."""

    name: str
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]


@dataclass
class GtfsFeed:
    """A checked GTFS feed: parsed tables and the structures :func:`graph_from_gtfs` builds from."""

    name: str
    tables: dict[str, Table]
    stops: dict[str, dict[str, Any]] = field(default_factory=dict)
    routes: dict[str, dict[str, Any]] = field(default_factory=dict)
    trips: dict[str, dict[str, Any]] = field(default_factory=dict)
    stop_times: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    frequencies: dict[str, list[tuple[int, int, int]]] = field(default_factory=dict)
    calendar: dict[str, dict[str, Any]] = field(default_factory=dict)
    calendar_dates: dict[str, dict[dt.date, int]] = field(default_factory=dict)
    names_en: dict[str, str] = field(default_factory=dict)
    feed_version: str = ""

    def active_services(self, day: dt.date) -> set[str]:
        """Service ids running on ``day`` (calendar plus calendar_dates exceptions)."""
        out = set()
        for sid, c in self.calendar.items():
            if c["start"] <= day <= c["end"] and c["days"][day.weekday()]:
                out.add(sid)
        for sid, ex in self.calendar_dates.items():
            if ex.get(day) == 1:
                out.add(sid)
            elif ex.get(day) == 2:
                out.discard(sid)
        return out

    def busiest_date(self) -> dt.date:
        """The earliest date with the most trips among the feed's first week (and its added dates)."""
        starts = [c["start"] for c in self.calendar.values()] + [d for ex in self.calendar_dates.values() for d in ex]
        if not starts:
            raise DataError(
                f"GTFS feed {self.name!r} has no service dates in calendar.txt or calendar_dates.txt; add them."
            )
        first = min(starts)
        cands = {first + dt.timedelta(days=i) for i in range(7)}
        cands |= {d for ex in self.calendar_dates.values() for d, e in ex.items() if e == 1}
        count: dict[str, int] = defaultdict(int)
        for t in self.trips.values():
            count[t["service_id"]] += 1
        return min(cands, key=lambda d: (-sum(count[s] for s in self.active_services(d)), d))


def _time_s(value: str) -> int | None:
    m = _TIME_RE.match(value)
    if not m:
        return None
    return int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3))


def _route_type_mode(rt: int) -> str | None:
    """The graph mode of a GTFS route_type (basic or extended); None if not a GTFS route type."""
    if rt == 1 or 400 <= rt <= 405:
        return "metro"
    if rt == 12:
        return "maglev"
    if rt == 101:
        return "hsr"
    if rt == 2 or 100 <= rt <= 117:
        return "intercity"
    # surface and other modes: the contract's only surface public-transport mode is ART
    if (
        rt in (0, 3, 4, 5, 6, 7, 11)
        or 200 <= rt <= 209
        or rt
        in (
            700,
            701,
            702,
            703,
            704,
            705,
            706,
            707,
            708,
            709,
            710,
            711,
            712,
            713,
            714,
            715,
            716,
            717,
            800,
            1000,
            1100,
            1200,
            1300,
            1301,
            1302,
            1303,
            1304,
            1305,
            1306,
            1307,
            1400,
            1500,
            1501,
            1502,
            1503,
            1504,
            1505,
            1506,
            1507,
            1700,
            1702,
        )
        or 900 <= rt <= 906
    ):
        return "art"
    return None


def _open_members(path: Path, problems: list[str]) -> dict[str, bytes] | None:
    if path.is_dir():
        return {f.name: f.read_bytes() for f in sorted(path.glob("*.txt"))}
    try:
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if n.endswith(".txt") and not n.startswith("__MACOSX")]
            out: dict[str, bytes] = {}
            for n in names:
                base = n.rsplit("/", 1)[-1]
                if base in out:
                    problems.append(f"{n}: the zip holds two files named {base}; keep only one.")
                    continue
                out[base] = zf.read(n)
            return out
    except zipfile.BadZipFile:
        problems.append(f"{path.name}: the file is not a zip archive; give a GTFS .zip (or a folder of .txt files).")
    return None


def _parse_table(name: str, raw: bytes, problems: list[str]) -> Table | None:
    if raw.startswith(codecs.BOM_UTF8):  # a UTF-8 byte-order mark is legal
        raw = raw[len(codecs.BOM_UTF8) :]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        try:
            raw.decode("gb18030")
            guess = " (it reads as GBK/GB18030)"
        except UnicodeDecodeError:
            guess = ""
        problems.append(
            f"{name} line {line}: the text is not UTF-8{guess}; re-save the file as UTF-8, "
            "e.g. `iconv -f GBK -t UTF-8`."
        )
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        problems.append(f"{name} line 1: the file is empty; write a header row and data rows.")
        return None
    except csv.Error as exc:
        problems.append(f"{name} line 1: the header is not valid CSV ({exc}); fix the quoting.")
        return None
    dup = sorted({h for h in header if header.count(h) > 1})
    if dup:
        problems.append(f"{name} line 1, field {dup[0]}: the column appears twice in the header; remove one.")
    rows = []
    try:
        for rec in reader:
            if not rec or all(not v.strip() for v in rec):
                continue
            if len(rec) != len(header):
                problems.append(
                    f"{name} line {reader.line_num}: the row has {len(rec)} fields but the header has "
                    f"{len(header)}; fix the commas or quoting."
                )
                continue
            rows.append((reader.line_num, {h: v.strip() for h, v in zip(header, rec, strict=True)}))
    except csv.Error as exc:
        problems.append(f"{name} line {reader.line_num}: the row is not valid CSV ({exc}); fix the quoting.")
    return Table(name, header, rows)


def read_gtfs(path: str | Path) -> GtfsFeed:
    """Read and check a GTFS feed (a zip or a folder of ``.txt`` files).

    Every problem found — not a zip, missing required file or column, duplicate id, broken reference
    (unknown route, stop, trip, service, parent station or agency), malformed time/date/number,
    unknown ``route_type``, text that is not UTF-8 — is collected with its file, 1-based line number
    and field, and all of them are raised together as one :class:`DataError` (``.problems`` holds the
    list). A UTF-8 byte-order mark is accepted.

    Raises
    ------
    UsageError
        ``path`` does not exist.
    DataError
        The feed has problems.
    """
    p = Path(path)
    if not p.exists():
        raise UsageError(f"GTFS feed {str(p)!r} does not exist; give the path of a GTFS .zip or folder.")
    problems: list[str] = []
    members = _open_members(p, problems)
    tables: dict[str, Table] = {}
    if members is not None:
        for name in sorted(members):
            t = _parse_table(name, members[name], problems)
            if t is not None:
                tables[name] = t
        if not any(n in members for n in (*REQUIRED_FILES, "calendar.txt", "calendar_dates.txt")):
            # nothing of a feed at all (an empty zip, the wrong archive): one problem, not six
            problems.append(
                f"{p.name}: holds none of the GTFS files ({', '.join(REQUIRED_FILES)}, calendar.txt); "
                "give a GTFS .zip or a folder of those .txt files."
            )
        else:
            for name in REQUIRED_FILES:
                if name not in members:
                    problems.append(f"{name}: the required file is missing from the feed; add it.")
            if "calendar.txt" not in members and "calendar_dates.txt" not in members:
                problems.append(
                    "calendar.txt: neither calendar.txt nor calendar_dates.txt is in the feed; add one of them."
                )
    feed = GtfsFeed(p.stem if p.is_file() else p.name, tables)
    if tables:
        _check(feed, problems)
    if problems:
        if len(problems) == 1:  # one problem: one sentence
            err = DataError(f"GTFS feed {str(p)!r}: {problems[0]}")
        else:
            err = DataError(
                f"GTFS feed {str(p)!r} has {len(problems)} problem(s); fix them and import again:\n"
                + "\n".join(f"- {m}" for m in problems)
            )
        err.problems = problems  # type: ignore[attr-defined]
        raise err
    return feed


def _check(feed: GtfsFeed, problems: list[str]) -> None:  # noqa: C901  TODO(layout): split into named steps
    T = feed.tables
    ok_cols: dict[str, bool] = {}
    for name, cols in REQUIRED_COLUMNS.items():
        if name in T:
            missing = [c for c in cols if c not in T[name].header]
            for c in missing:
                problems.append(f"{name} line 1, field {c}: the required column is missing; add it to the header.")
            ok_cols[name] = not missing
    if "stop_times.txt" in T and ok_cols.get("stop_times.txt"):
        for c in ("arrival_time", "departure_time"):
            if c not in T["stop_times.txt"].header:
                problems.append(
                    f"stop_times.txt line 1, field {c}: the column is missing; add arrival and departure times."
                )
                ok_cols["stop_times.txt"] = False

    def bad(name: str, line: int, fld: str, what: str, fix: str) -> None:
        problems.append(f"{name} line {line}, field {fld}: {what}; {fix}.")

    def unique(name: str, key: str, store: dict[str, Any], value: str, line: int) -> bool:
        if not value:
            bad(name, line, key, "the id is empty", "give every row an id")
            return False
        if value in store:
            bad(name, line, key, f"duplicate id {value!r} (first on line {store[value]['line']})", "make ids unique")
            return False
        return True

    # ---- agency -----------------------------------------------------------------------------
    agencies: dict[str, dict[str, Any]] = {}
    if ok_cols.get("agency.txt"):
        rows = T["agency.txt"].rows
        if not rows:
            bad("agency.txt", 2, "agency_id", "the file has no agency", "add one row per agency")
        for line, r in rows:
            aid = r.get("agency_id", "")
            if aid in agencies:
                bad(
                    "agency.txt",
                    line,
                    "agency_id",
                    f"duplicate id {aid!r} (first on line {agencies[aid]['line']})",
                    "make ids unique",
                )
            agencies[aid] = {"line": line}
            if len(rows) > 1 and not aid:
                bad(
                    "agency.txt",
                    line,
                    "agency_id",
                    "the id is empty in a feed with several agencies",
                    "give each agency an id",
                )
            for c in ("agency_name", "agency_url", "agency_timezone"):
                if not r[c]:
                    bad("agency.txt", line, c, "the value is empty", f"fill in {c}")

    # ---- stops --------------------------------------------------------------------------------
    if ok_cols.get("stops.txt"):
        for line, r in T["stops.txt"].rows:
            sid = r["stop_id"]
            if not unique("stops.txt", "stop_id", feed.stops, sid, line):
                continue
            lt_s = r.get("location_type", "") or "0"
            lt = int(lt_s) if lt_s in {"0", "1", "2", "3", "4"} else None
            if lt is None:
                bad("stops.txt", line, "location_type", f"{lt_s!r} is not a location type", "use 0, 1, 2, 3 or 4")
                lt = 0
            lat = lon = float("nan")
            if lt in (0, 1, 2):
                try:
                    lat, lon = float(r.get("stop_lat", "")), float(r.get("stop_lon", ""))
                    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                        raise ValueError
                except ValueError:
                    bad(
                        "stops.txt",
                        line,
                        "stop_lat/stop_lon",
                        f"({r.get('stop_lat', '')!r}, {r.get('stop_lon', '')!r}) is not a WGS-84 position",
                        "give decimal degrees, latitude in [-90, 90] and longitude in [-180, 180]",
                    )
            feed.stops[sid] = {
                "line": line,
                "name": r.get("stop_name", ""),
                "lat": lat,
                "lon": lon,
                "location_type": lt,
                "parent": r.get("parent_station", ""),
            }
        for s in feed.stops.values():
            par = s["parent"]
            if par and par not in feed.stops:
                bad(
                    "stops.txt",
                    s["line"],
                    "parent_station",
                    f"unknown stop {par!r}",
                    "add the parent station or fix the id",
                )
            elif par and feed.stops[par]["location_type"] != 1 and s["location_type"] in (0, 2, 3):
                bad(
                    "stops.txt",
                    s["line"],
                    "parent_station",
                    f"{par!r} is not a station (location_type 1)",
                    "point platforms to a station",
                )
            elif s["location_type"] == 1 and par:
                bad(
                    "stops.txt",
                    s["line"],
                    "parent_station",
                    "a station (location_type 1) cannot have a parent",
                    "leave parent_station empty",
                )

    # ---- routes -------------------------------------------------------------------------------
    if ok_cols.get("routes.txt"):
        for line, r in T["routes.txt"].rows:
            rid = r["route_id"]
            if not unique("routes.txt", "route_id", feed.routes, rid, line):
                continue
            rt_s = r["route_type"]
            mode = _route_type_mode(int(rt_s)) if rt_s.isdigit() else None
            if mode is None:
                bad(
                    "routes.txt",
                    line,
                    "route_type",
                    f"{rt_s!r} is not a GTFS route type",
                    "use a basic type 0–7, 11, 12 or an extended type 100–1702",
                )
            net = r.get("network_id", "")
            if net in RAIL_MODES:  # cztmap exports keep the model's mode in network_id
                mode = net
            aid = r.get("agency_id", "")
            if agencies and aid not in agencies and not (len(agencies) == 1 and not aid):
                bad("routes.txt", line, "agency_id", f"unknown agency {aid!r}", "use an agency_id from agency.txt")
            col = r.get("route_color", "")
            if col and not re.fullmatch(r"[0-9A-Fa-f]{6}", col):
                bad("routes.txt", line, "route_color", f"{col!r} is not a colour", "write six hex digits without '#'")
                col = ""
            if not r.get("route_short_name") and not r.get("route_long_name"):
                bad(
                    "routes.txt",
                    line,
                    "route_short_name",
                    "the route has neither a short nor a long name",
                    "give route_short_name or route_long_name",
                )
            feed.routes[rid] = {
                "line": line,
                "mode": mode,
                "colour": f"#{col.upper()}" if col else "",
                "name": r.get("route_short_name") or r.get("route_long_name", ""),
            }

    # ---- calendar ----------------------------------------------------------------------------
    def date_of(name: str, line: int, fld: str, v: str) -> dt.date | None:
        try:
            if not _DATE_RE.match(v):
                raise ValueError
            return dt.datetime.strptime(v, "%Y%m%d").date()
        except ValueError:
            bad(name, line, fld, f"{v!r} is not a date", "write YYYYMMDD")
            return None

    if ok_cols.get("calendar.txt"):
        for line, r in T["calendar.txt"].rows:
            sid = r["service_id"]
            if not unique("calendar.txt", "service_id", feed.calendar, sid, line):
                continue
            days = []
            for wd in _WEEKDAYS:
                if r[wd] not in ("0", "1"):
                    bad(
                        "calendar.txt",
                        line,
                        wd,
                        f"{r[wd]!r} is not 0 or 1",
                        "write 1 if the service runs that day, else 0",
                    )
                days.append(r[wd] == "1")
            a = date_of("calendar.txt", line, "start_date", r["start_date"])
            b = date_of("calendar.txt", line, "end_date", r["end_date"])
            if a and b and b < a:
                bad(
                    "calendar.txt",
                    line,
                    "end_date",
                    f"{r['end_date']} is before start_date {r['start_date']}",
                    "swap them",
                )
            feed.calendar[sid] = {"line": line, "days": days, "start": a or dt.date.max, "end": b or dt.date.min}
    seen_cd: dict[tuple[str, dt.date], int] = {}
    if ok_cols.get("calendar_dates.txt"):
        for line, r in T["calendar_dates.txt"].rows:
            d = date_of("calendar_dates.txt", line, "date", r["date"])
            if r["exception_type"] not in ("1", "2"):
                bad(
                    "calendar_dates.txt",
                    line,
                    "exception_type",
                    f"{r['exception_type']!r} is not 1 or 2",
                    "write 1 (service added) or 2 (service removed)",
                )
                continue
            if d is None:
                continue
            if (r["service_id"], d) in seen_cd:
                bad(
                    "calendar_dates.txt",
                    line,
                    "date",
                    f"duplicate date for service {r['service_id']!r} (first on line {seen_cd[(r['service_id'], d)]})",
                    "keep one row per service and date",
                )
                continue
            seen_cd[(r["service_id"], d)] = line
            feed.calendar_dates.setdefault(r["service_id"], {})[d] = int(r["exception_type"])

    # ---- trips --------------------------------------------------------------------------------
    have_cal = "calendar.txt" in T or "calendar_dates.txt" in T
    if ok_cols.get("trips.txt"):
        for line, r in T["trips.txt"].rows:
            tid = r["trip_id"]
            if not unique("trips.txt", "trip_id", feed.trips, tid, line):
                continue
            if ok_cols.get("routes.txt") and r["route_id"] not in feed.routes:
                bad("trips.txt", line, "route_id", f"unknown route {r['route_id']!r}", "use a route_id from routes.txt")
            if have_cal and r["service_id"] not in feed.calendar and r["service_id"] not in feed.calendar_dates:
                bad(
                    "trips.txt",
                    line,
                    "service_id",
                    f"unknown service {r['service_id']!r}",
                    "use a service_id from calendar.txt or calendar_dates.txt",
                )
            dirn = r.get("direction_id", "")
            if dirn not in ("", "0", "1"):
                bad("trips.txt", line, "direction_id", f"{dirn!r} is not 0 or 1", "write 0, 1 or leave it empty")
            feed.trips[tid] = {
                "line": line,
                "route_id": r["route_id"],
                "service_id": r["service_id"],
                "direction": dirn,
            }

    # ---- stop_times ---------------------------------------------------------------------------
    if ok_cols.get("stop_times.txt"):
        seen_seq: dict[tuple[str, int], int] = {}
        for line, r in T["stop_times.txt"].rows:
            tid, sid = r["trip_id"], r["stop_id"]
            ok = True
            if tid not in feed.trips:
                if ok_cols.get("trips.txt"):
                    bad("stop_times.txt", line, "trip_id", f"unknown trip {tid!r}", "use a trip_id from trips.txt")
                ok = False
            if sid not in feed.stops:
                if ok_cols.get("stops.txt"):
                    bad("stop_times.txt", line, "stop_id", f"unknown stop {sid!r}", "use a stop_id from stops.txt")
                ok = False
            elif feed.stops[sid]["location_type"] != 0:
                bad(
                    "stop_times.txt",
                    line,
                    "stop_id",
                    f"{sid!r} is not a stop or platform (location_type {feed.stops[sid]['location_type']})",
                    "refer to a platform (location_type 0)",
                )
                ok = False
            seq_s = r["stop_sequence"]
            if not seq_s.isdigit():
                bad(
                    "stop_times.txt",
                    line,
                    "stop_sequence",
                    f"{seq_s!r} is not a non-negative integer",
                    "number the stops 0, 1, 2, …",
                )
                ok = False
            elif (tid, int(seq_s)) in seen_seq:
                bad(
                    "stop_times.txt",
                    line,
                    "stop_sequence",
                    f"trip {tid!r} already has stop_sequence {seq_s} (line {seen_seq[(tid, int(seq_s))]})",
                    "make stop_sequence unique within a trip",
                )
                ok = False
            else:
                seen_seq[(tid, int(seq_s))] = line
            times: dict[str, int | None] = {}
            for c in ("arrival_time", "departure_time"):
                v = r[c]
                if v == "":
                    times[c] = None
                    continue
                secs = _time_s(v)
                if secs is None:
                    bad(
                        "stop_times.txt",
                        line,
                        c,
                        f"{v!r} is not a time",
                        "write HH:MM:SS with minutes and seconds below 60 (hours may pass 24)",
                    )
                    ok = False
                times[c] = secs
            if times["arrival_time"] is None:
                times["arrival_time"] = times["departure_time"]
            if times["departure_time"] is None:
                times["departure_time"] = times["arrival_time"]
            if (
                times["arrival_time"] is not None
                and times["departure_time"] is not None
                and times["departure_time"] < times["arrival_time"]
            ):
                bad(
                    "stop_times.txt",
                    line,
                    "departure_time",
                    f"{r['departure_time']} is before arrival_time {r['arrival_time']}",
                    "make departure_time ≥ arrival_time",
                )
                ok = False
            dist = r.get("shape_dist_traveled", "")
            try:
                dist_v = float(dist) if dist else None
            except ValueError:
                bad(
                    "stop_times.txt",
                    line,
                    "shape_dist_traveled",
                    f"{dist!r} is not a number",
                    "write a distance or leave it empty",
                )
                dist_v = None
            if ok:
                feed.stop_times.setdefault(tid, []).append(
                    {
                        "line": line,
                        "seq": int(seq_s),
                        "stop_id": sid,
                        "arr": times["arrival_time"],
                        "dep": times["departure_time"],
                        "dist": dist_v,
                    }
                )
        for tid, sts in feed.stop_times.items():
            sts.sort(key=lambda s: s["seq"])
            for end_i in (0, len(sts) - 1):
                s = sts[end_i]
                if s["dep"] is None:
                    what = "first" if end_i == 0 else "last"
                    bad(
                        "stop_times.txt",
                        s["line"],
                        "arrival_time",
                        f"the {what} stop of trip {tid!r} has no time",
                        "give the first and last stop of every trip an arrival and departure time",
                    )
            last = None
            for s in sts:
                if s["arr"] is None:
                    continue
                if last is not None and s["arr"] < last["dep"]:
                    bad(
                        "stop_times.txt",
                        s["line"],
                        "arrival_time",
                        f"the time goes back from {_hms(last['dep'])} "
                        f"(line {last['line']}) to {_hms(s['arr'])} in trip {tid!r}",
                        "make times non-decreasing along the trip",
                    )
                last = s
            if len(sts) < 2:
                bad(
                    "stop_times.txt",
                    sts[0]["line"],
                    "trip_id",
                    f"trip {tid!r} has only one stop",
                    "give every trip two or more stops",
                )
        referenced = {r["trip_id"] for _, r in T["stop_times.txt"].rows}
        for tid, t in feed.trips.items():
            if tid not in referenced:
                bad(
                    "trips.txt",
                    t["line"],
                    "trip_id",
                    f"trip {tid!r} has no stop_times",
                    "add its stop times or remove it",
                )

    # ---- frequencies ---------------------------------------------------------------------------
    if ok_cols.get("frequencies.txt"):
        for line, r in T["frequencies.txt"].rows:
            if r["trip_id"] not in feed.trips:
                bad(
                    "frequencies.txt", line, "trip_id", f"unknown trip {r['trip_id']!r}", "use a trip_id from trips.txt"
                )
                continue
            fa, fb = _time_s(r["start_time"]), _time_s(r["end_time"])
            for c, fv in (("start_time", fa), ("end_time", fb)):
                if fv is None:
                    bad("frequencies.txt", line, c, f"{r[c]!r} is not a time", "write HH:MM:SS")
            if not r["headway_secs"].isdigit() or int(r["headway_secs"]) <= 0:
                bad(
                    "frequencies.txt",
                    line,
                    "headway_secs",
                    f"{r['headway_secs']!r} is not a positive whole number",
                    "give the headway in seconds",
                )
                continue
            if fa is not None and fb is not None:
                if fb <= fa:
                    bad(
                        "frequencies.txt",
                        line,
                        "end_time",
                        f"{r['end_time']} is not after start_time {r['start_time']}",
                        "give a later end_time",
                    )
                    continue
                feed.frequencies.setdefault(r["trip_id"], []).append((fa, fb, int(r["headway_secs"])))

    # ---- transfers, translations, feed_info (optional) ------------------------------------------
    if ok_cols.get("transfers.txt"):
        for line, r in T["transfers.txt"].rows:
            for c in ("from_stop_id", "to_stop_id"):
                if r[c] and r[c] not in feed.stops:
                    bad("transfers.txt", line, c, f"unknown stop {r[c]!r}", "use a stop_id from stops.txt")
            if r["transfer_type"] not in ("", "0", "1", "2", "3", "4", "5"):
                bad("transfers.txt", line, "transfer_type", f"{r['transfer_type']!r} is not a transfer type", "use 0–5")
            mtt = r.get("min_transfer_time", "")
            if mtt and not mtt.isdigit():
                bad("transfers.txt", line, "min_transfer_time", f"{mtt!r} is not a whole number of seconds", "fix it")
    tr = T.get("translations.txt")
    if tr is not None and {"table_name", "field_name", "language", "translation"} <= set(tr.header):
        by_value = {}
        for _, r in tr.rows:
            if r["table_name"] == "stops" and r["field_name"] == "stop_name" and r["language"].lower().startswith("en"):
                if r.get("record_id"):
                    feed.names_en[r["record_id"]] = r["translation"]
                elif r.get("field_value"):
                    by_value[r["field_value"]] = r["translation"]
        for sid, s in feed.stops.items():
            if sid not in feed.names_en and s["name"] in by_value:
                feed.names_en[sid] = by_value[s["name"]]
    fi = T.get("feed_info.txt")
    if fi is not None and fi.rows:
        feed.feed_version = fi.rows[0][1].get("feed_version", "")


# =====================================================================================================
# import: building the graph
# =====================================================================================================


def _station_of(feed: GtfsFeed, stop_id: str) -> str:
    s = feed.stops[stop_id]
    return s["parent"] or stop_id


def _interpolate(feed: GtfsFeed, sts: list[dict[str, Any]]) -> list[float]:
    """Departure times (s) of a trip's stops; missing intermediate times interpolated by distance."""
    deps: list[float | None] = [s["dep"] for s in sts]
    if all(d is not None for d in deps):
        return [float(d) for d in deps]  # type: ignore[arg-type]
    cum = [0.0]
    for a, b in itertools.pairwise(sts):
        sa, sb = feed.stops[a["stop_id"]], feed.stops[b["stop_id"]]
        cum.append(cum[-1] + float(haversine_m(sa["lon"], sa["lat"], sb["lon"], sb["lat"])))
    out: list[float] = []
    i = 0
    while i < len(deps):
        if deps[i] is not None:
            out.append(float(deps[i]))  # type: ignore[arg-type]
            i += 1
            continue
        j = i
        while deps[j] is None:
            j += 1
        t0, t1 = float(deps[i - 1]), float(deps[j])  # type: ignore[arg-type]
        d0, d1 = cum[i - 1], cum[j]
        for k in range(i, j):
            out.append(t0 + (t1 - t0) * ((cum[k] - d0) / (d1 - d0) if d1 > d0 else (k - i + 1) / (j - i + 1)))
        i = j
    return out


def _mean_headway(departures: list[float], windows: list[tuple[int, int]]) -> float | None:
    """Mean gap between consecutive departures inside each window (gaps across windows ignored)."""
    span, gaps = 0.0, 0
    for a, b in windows:
        inside = sorted(t for t in departures if a <= t < b)
        if len(inside) >= 2:
            span += inside[-1] - inside[0]
            gaps += len(inside) - 1
    return span / gaps if gaps else None


def graph_from_gtfs(  # noqa: C901  TODO(layout): split into named steps
    path: str | Path | GtfsFeed,
    *,
    date: str | dt.date | None = None,
    period: str = "peak",
    params: Params = DEFAULTS,
    modes: Iterable[str] | None = None,
) -> nx.MultiDiGraph:
    """Build the multimodal graph contract (rail part) from a GTFS feed.

    Parameters
    ----------
    path : path or GtfsFeed
        A GTFS zip or folder (checked by :func:`read_gtfs`), or an already read feed.
    date : str or date, optional
        Service day (ISO). Default: the earliest busiest day of the feed's first week.
    period : {"peak", "offpeak"}
        Which windows (:func:`period_windows`) give the headways: half the mean headway of a route in
        the period is its wait (``params.wait_fraction``).
    params : Params
        ``platform_walk_s``, ``alight_walk_s``, ``wait_fraction``, walking parameters, fallback headways.
    modes : iterable of str, optional
        Keep only routes of these modes.

    Returns
    -------
    networkx.MultiDiGraph
        Nodes ``S:<station>`` and ``P:<station>:<route_id>``; edges ``<mode>`` (in-vehicle), ``board``,
        ``alight``, ``walk``; ``G.graph`` has ``crs``, ``as_of``, ``period``, ``scenario="gtfs:<name>"``.

    Raises
    ------
    DataError
        Malformed feed (all problems listed), or no trips run on ``date``.
    UsageError
        Unknown period or mode, bad date, missing file.
    """
    if period not in PERIODS:
        raise UsageError(f"Unknown period {period!r}; use one of {', '.join(PERIODS)}.")
    chosen = set(RAIL_MODES if modes is None else modes)
    if chosen - set(RAIL_MODES):
        raise UsageError(
            f"Unknown mode(s) {', '.join(sorted(chosen - set(RAIL_MODES)))}; choose from {', '.join(RAIL_MODES)}."
        )
    feed = path if isinstance(path, GtfsFeed) else read_gtfs(path)
    day = parse_date(date, argument="--date service") or feed.busiest_date()
    active = feed.active_services(day)
    trips = {
        t: v
        for t, v in feed.trips.items()
        if v["service_id"] in active and feed.routes[v["route_id"]]["mode"] in chosen and t in feed.stop_times
    }
    if not trips:
        raise DataError(
            f"GTFS feed {feed.name!r} runs no trips on {day.isoformat()} (modes {', '.join(sorted(chosen))}); "
            "choose a date inside its calendar."
        )
    windows = period_windows(period)

    times: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    dists: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    departures: dict[tuple[str, str], list[float]] = defaultdict(list)
    for tid in sorted(trips):
        t = trips[tid]
        rid = t["route_id"]
        sts = feed.stop_times[tid]
        deps = _interpolate(feed, sts)
        stations = [_station_of(feed, s["stop_id"]) for s in sts]
        for i in range(len(sts) - 1):
            key = (rid, stations[i], stations[i + 1])
            if stations[i] == stations[i + 1]:
                continue
            times[key].append(deps[i + 1] - deps[i])
            if sts[i]["dist"] is not None and sts[i + 1]["dist"] is not None:
                dists[key].append(sts[i + 1]["dist"] - sts[i]["dist"])
        dkey = (rid, t["direction"] or stations[-1])
        if tid in feed.frequencies:
            for fa, fb, h in feed.frequencies[tid]:
                departures[dkey].extend(range(fa, fb, h))
        else:
            departures[dkey].append(deps[0])

    G = nx.MultiDiGraph(
        crs="EPSG:4326",
        as_of=day.isoformat(),
        period=period,
        scenario=f"gtfs:{feed.name}",
        dataset_version=feed.feed_version,
        modes=",".join(sorted(chosen)),
        name=f"cztmap gtfs:{feed.name} {period}",
    )

    def pos(st: str) -> tuple[float, float]:
        s = feed.stops[st]
        return s["lon"], s["lat"]

    # shape_dist_traveled units: metres if the median ratio to straight distance is plausible, km if ×1000 is
    ratios = []
    for (_, a, b), ds_ in dists.items():
        (x1, y1), (x2, y2) = pos(a), pos(b)
        straight = float(haversine_m(x1, y1, x2, y2))
        if straight > 50 and ds_:
            ratios.append(statistics.median(ds_) / straight)
    unit = None
    if ratios:
        r = statistics.median(ratios)
        unit = 1.0 if 0.8 <= r <= 3 else 1000.0 if 0.0008 <= r <= 0.003 else None

    route_stations: dict[str, set[str]] = defaultdict(set)
    for (rid, a, b), ts in sorted(times.items()):
        mode = feed.routes[rid]["mode"]
        (x1, y1), (x2, y2) = pos(a), pos(b)
        if unit and dists.get((rid, a, b)):
            length = statistics.median(dists[(rid, a, b)]) * unit
        else:
            length = float(haversine_m(x1, y1, x2, y2))
        tt = float(statistics.median(ts))
        route_stations[rid] |= {a, b}
        G.add_edge(
            f"P:{a}:{rid}",
            f"P:{b}:{rid}",
            mode=mode,
            line_id=rid,
            service_id=rid,
            section_id="",
            length=float(length),
            travel_time=tt,
            in_vehicle_time=tt,
            geometry=LineString([(x1, y1), (x2, y2)]),
            colour=feed.routes[rid]["colour"],
        )

    station_routes: dict[str, set[str]] = defaultdict(set)
    for rid, members in route_stations.items():
        for m in members:
            station_routes[m].add(rid)
    for sid in sorted(station_routes):
        x, y = pos(sid)
        G.add_node(
            station_node(sid),
            **node_attrs(
                "station",
                x,
                y,
                name_zh=feed.stops[sid]["name"],
                name_en=feed.names_en.get(sid, ""),
                station_id=sid,
                lines=";".join(sorted(station_routes[sid])),
                position_quality="gtfs",
            ),
        )

    for rid in sorted(route_stations):
        mode = feed.routes[rid]["mode"]
        keys = [k for k in departures if k[0] == rid]
        hws = [h for h in (_mean_headway(departures[k], windows) for k in keys) if h is not None]
        if hws:
            hw_s, src = sum(hws) / len(hws), f"gtfs {period}"
        else:
            day_hws = [h for h in (_mean_headway(departures[k], [(0, 48 * 3600)]) for k in keys) if h is not None]
            if day_hws:
                hw_s, src = sum(day_hws) / len(day_hws), "gtfs whole day"
            elif any(departures[k] for k in keys):
                # one departure a day each way (county rail): the service day is the headway, as exported
                n = max(len(departures[k]) for k in keys)
                hw_s, src = (SERVICE_END - SERVICE_START) / n, "gtfs one trip a day"
            else:
                hw_s, src = params.headway_min(mode, period, None, None)[0] * 60, "default"
        for sid in sorted(route_stations[rid]):
            x, y = pos(sid)
            add_platform(
                G,
                sid,
                rid,
                x,
                y,
                headway_min=hw_s / 60,
                headway_source=src,
                params=params,
                mode=mode,
                name_zh=feed.stops[sid]["name"],
                name_en=feed.names_en.get(sid, ""),
            )

    _add_walks(G, feed, sorted(station_routes), params)
    for n in G.nodes:
        G.nodes[n]["street_count"] = len(set(G.successors(n)) | set(G.predecessors(n)))
    return G


def _add_walks(G: nx.MultiDiGraph, feed: GtfsFeed, stations: list[str], params: Params) -> None:  # noqa: C901  TODO(layout): split into named steps
    """Walk edges from transfers.txt between distinct stations, else by proximity (``walk_link_max_m``)."""
    present = set(stations)

    def add(a: str, b: str, t: float | None) -> None:
        xa, ya = G.nodes[station_node(a)]["x"], G.nodes[station_node(a)]["y"]
        xb, yb = G.nodes[station_node(b)]["x"], G.nodes[station_node(b)]["y"]
        length = float(haversine_m(xa, ya, xb, yb)) * params.walk_detour
        walk = length / params.walk_speed_mps if t is None else t
        add_walk_link(G, a, b, length, walk)

    declared: dict[tuple[str, str], float | None] = {}
    tr = feed.tables.get("transfers.txt")
    for _, r in tr.rows if tr is not None else []:
        if not r["from_stop_id"] or not r["to_stop_id"]:
            continue
        a, b = _station_of(feed, r["from_stop_id"]), _station_of(feed, r["to_stop_id"])
        if a == b or a not in present or b not in present:
            continue
        if r["transfer_type"] == "3" or r["transfer_type"] == "5":
            declared[(a, b)] = -1.0
        elif r["transfer_type"] == "2" and r.get("min_transfer_time", "").isdigit():
            # min_transfer_time counts alighting, the walk and reaching the next platform; the walk is the rest
            walk = max(int(r["min_transfer_time"]) - params.alight_walk_s - params.platform_walk_s, 0.0)
            declared[(a, b)] = walk
        else:
            declared.setdefault((a, b), None)
    if declared:
        for (a, b), t in sorted(declared.items()):
            if t is None or t >= 0:
                add(a, b, t)
        return
    xs = [G.nodes[station_node(s)]["x"] for s in stations]
    ys = [G.nodes[station_node(s)]["y"] for s in stations]
    # grid bucketing keeps this linear for city-size feeds
    cell = params.walk_link_max_m / 111_000 * 1.5
    grid: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
        grid[(math.floor(x / cell), math.floor(y / cell))].append(i)
    for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
        cx, cy = math.floor(x / cell), math.floor(y / cell)
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for j in grid.get((cx + dx, cy + dy), ()):
                    if j != i and float(haversine_m(x, y, xs[j], ys[j])) < params.walk_link_max_m:
                        add(stations[i], stations[j], None)
