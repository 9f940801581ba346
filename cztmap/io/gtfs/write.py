"""GTFS export of the embedded network (:func:`write_gtfs`).

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
* ``trips.txt`` + ``stop_times.txt`` — by default (``trips="timetable"``) every trip of a weekday (service
  ``weekday``, Monday–Friday) and of a weekend day (``weekend``) as :func:`cztmap.network.timetable.embedded_tables`
  generates them from the sourced headways and first/last trains, so a consumer sees clock times, not averages;
  ``shape_dist_traveled`` where a trip runs its service's full path. With ``trips="frequencies"``: one
  representative trip per direction per service — a train leaves stop *k* at ``start + round(C_k)`` where
  ``C_k`` is the sum of the graph's in-vehicle edge times up to stop *k* (arriving ``dwell`` seconds earlier) —
  repeated by ``frequencies.txt`` from :data:`SERVICE_START` to :data:`SERVICE_END` with the graph's headways:
  the peak headway in :data:`PEAK_WINDOWS`, the off-peak one otherwise. The day split is a documented default:
  06:30–23:00 are the network's hours (enghunan 2019, rail_facts.md §2); the two peaks 07:00–09:00 and
  17:00–19:00 are an assumption (L4 publishes "morning and evening peak" headways without times).
  A service with fewer than one train an hour in some period (headway above :data:`FREQUENCY_MAX_HEADWAY_S`:
  RAIL-LC, RAIL-JH, HSR-HKE) gets one trip per weekday train instead (the timetable's departures, the
  representative trip's run times; no frequency).
* ``calendar.txt`` — services ``weekday`` and ``weekend`` (``daily`` with frequencies), from ``as_of`` for one
  year (365 days); public holidays are not modelled.
* ``shapes.txt`` — from the section geometries, ``shape_dist_traveled`` in metres of route length.
* ``transfers.txt`` — ``transfer_type=2`` with ``min_transfer_time``: with timetables between the platforms
  (child stops) the timetable's footpaths join — changes within a station (``alight_walk_s + platform_walk_s``)
  and walks to nearby stations (alight + walk + platform walk); with frequencies between stations linked by a
  walk edge (``alight_walk_s + walk + platform_walk_s``) and within each station served by two or more
  services (``alight_walk_s + platform_walk_s``).
* ``feed_info.txt`` (publisher cztmap, ``feed_version`` = dataset version, ``feed_lang`` zh) and
  ``attributions.txt`` (the cztmap producer row, then every source URL of each route's lines, scoped
  to that route; GTFS has no "data source" role, so sources are listed as producers of the facts).

The zip is deterministic: rows are sorted, numbers formatted with fixed precision, members written in
name order with a fixed timestamp (1980-01-01), permissions and deflate level.

Examples
--------
>>> import tempfile, pathlib
>>> from cztmap.io.gtfs import write_gtfs, graph_from_gtfs
>>> out = write_gtfs(pathlib.Path(tempfile.mkdtemp()) / "czt.zip", as_of="2024-01-01")
>>> G = graph_from_gtfs(out, period="peak")
>>> G.graph["scenario"], G.graph["as_of"]
('gtfs:czt', '2024-01-01')
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
import warnings
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import networkx as nx

from cztmap._atomic import atomic_write_bytes
from cztmap.data.dataset import Dataset, load_dataset, parse_date
from cztmap.errors import DataError, UsageError
from cztmap.geo import haversine_m
from cztmap.network.build import PERIODS, RAIL_MODES, build_graph
from cztmap.params import DEFAULTS, Params

__all__ = [
    "FREQUENCY_MAX_HEADWAY_S",
    "PEAK_WINDOWS",
    "PROJECT_URL",
    "SERVICE_END",
    "SERVICE_START",
    "export_gtfs",
    "gtfs_tables",
    "period_windows",
    "write_gtfs",
]

#: The project page (pyproject ``[project.urls]``); a placeholder ``agency_url``, see module docs.
PROJECT_URL = "https://github.com/cztmap/cztmap"
#: Service day of the exported feed, seconds after midnight (06:30–23:00, rail_facts.md §2).
SERVICE_START = 6 * 3600 + 30 * 60
SERVICE_END = 23 * 3600
#: Peak windows (assumption, see module docs); off-peak is the rest of the service day.
PEAK_WINDOWS: tuple[tuple[int, int], ...] = ((7 * 3600, 9 * 3600), (17 * 3600, 19 * 3600))
#: Longest headway the frequency export writes as ``frequencies.txt`` (one train an hour). A service with a
#: longer headway in any period (a few trains a day: RAIL-LC runs one train each way, 990 min) is written as
#: its explicit weekday trips instead: a frequency would make a consumer run a train in every window
#: (five a day instead of one), and headways above 32,767 s do not fit the int16 some readers use (gtfs-kit).
FREQUENCY_MAX_HEADWAY_S = 3600

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

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


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


@dataclass
class _Export:
    """What the export steps share: the network of the day and the rows built so far."""

    ds: Dataset
    day: dt.date
    params: Params
    G: nx.MultiDiGraph
    lines: dict[str, Any]
    st: dict[str, Any]
    svc_edges: dict[str, dict[tuple[str, str], dict[str, Any]]] = field(default_factory=lambda: defaultdict(dict))
    svc_forward: dict[str, set[tuple[str, str]]] = field(default_factory=lambda: defaultdict(set))
    headway: dict[tuple[str, str], int] = field(default_factory=dict)
    agency_rows: dict[str, list[str]] = field(default_factory=dict)
    route_rows: list[list[str]] = field(default_factory=list)
    trip_rows: list[list[str]] = field(default_factory=list)
    st_rows: list[list[str]] = field(default_factory=list)
    shape_rows: list[tuple[str, int, tuple[float, float], float]] = field(default_factory=list)
    freq_rows: list[list[str]] = field(default_factory=list)
    transl: list[list[str]] = field(default_factory=list)
    attributions: list[list[str]] = field(default_factory=list)
    child_stops: set[tuple[str, str]] = field(default_factory=set)
    station_services: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    paths: dict[tuple[str, int], list[str]] = field(default_factory=dict)  # (service, direction) -> stations
    path_dist: dict[tuple[str, int], list[float]] = field(default_factory=dict)
    transfers: list[list[str]] = field(default_factory=list)


def _services(ds: Dataset, day: dt.date, params: Params) -> _Export:
    """The day's network: in-vehicle edges per service keyed by (from station, to station), and headways."""
    graphs = {p: build_graph(ds, as_of=None, period=p, modes=RAIL_MODES, params=params, zones=False) for p in PERIODS}
    G = graphs["peak"]
    ex = _Export(
        ds=ds,
        day=day,
        params=params,
        G=G,
        lines={r.line_id: r for r in ds.lines.itertuples(index=False)},
        st={r.station_id: r for r in ds.stations.itertuples(index=False)},
    )
    sec = {r.section_id: r for r in ds.sections.itertuples(index=False)}
    for u, v, d in G.edges(data=True):
        if d.get("mode") in RAIL_MODES:
            a, b = G.nodes[u]["station_id"], G.nodes[v]["station_id"]
            old = ex.svc_edges[d["service_id"]].get((a, b))
            if old is None or d["travel_time"] < old["travel_time"]:
                ex.svc_edges[d["service_id"]][(a, b)] = d
            if sec[d["section_id"]].from_station == a:
                ex.svc_forward[d["service_id"]].add((a, b))
    for p, Gp in graphs.items():
        for _, _, d in Gp.edges(data=True):
            if d.get("mode") == "board":
                ex.headway[(d["service_id"], p)] = max(1, round(d["headway_min"] * 60))
    ex.attributions.append(
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
    )
    return ex


def _route(ex: _Export, svc: str) -> None:
    """The route row of a service, its agency, English name and source attributions."""
    edges = ex.svc_edges[svc]
    mode = next(iter(edges.values()))["mode"]
    ag_id, ag_zh, _ = AGENCIES[mode]
    ex.agency_rows[ag_id] = [ag_id, ag_zh, PROJECT_URL, TIMEZONE, "zh"]
    ln = ex.lines.get(svc)
    colour = ln.colour if ln is not None and isinstance(ln.colour, str) and ln.colour else None
    colour = (colour or next(iter(edges.values())).get("colour") or "#808080").lstrip("#").upper()
    name_zh = ln.name_zh if ln is not None else svc
    name_en = ln.name_en if ln is not None else svc
    through = sorted({e["line_id"] for e in edges.values()} - {svc} - ({"CZT"} if svc.startswith("CZT") else set()))
    for t in through:
        if t in ex.lines:
            name_zh += f"（贯通{ex.lines[t].name_zh}）"
            name_en += f" (through-running onto {ex.lines[t].name_en})"
    ex.route_rows.append([svc, ag_id, svc, name_zh, str(ROUTE_TYPE_OF_MODE[mode]), colour, _text_colour(colour), mode])
    ex.transl.append(["routes", "route_long_name", "en", name_en, svc])
    src_lines = sorted({e["line_id"] for e in edges.values()} | ({svc} if svc in ex.lines else set()))
    urls = sorted({u for lid in src_lines if lid in ex.lines for u in _source_urls(ex.lines[lid].source)})
    for i, url in enumerate(urls, 1):
        host = urlsplit(url).hostname
        ex.attributions.append(
            [f"{svc}-{i:02d}", "", svc, "", f"source of the published facts: {host}", "1", "0", "0", url]
        )


def _section_points(e: dict[str, Any], dist: float) -> list[tuple[float, float, float]]:
    """Vertices of an in-vehicle edge's geometry after its first, with distance spread along its length."""
    cs = list(e["geometry"].coords)
    part = [0.0]
    for (x1, y1), (x2, y2) in itertools.pairwise(cs):
        part.append(part[-1] + float(haversine_m(x1, y1, x2, y2)))
    tot = part[-1] or 1.0
    return [(x, y, dist + e["length"] * f / tot) for (x, y), f in zip(cs[1:], part[1:], strict=True)]


def _representative_trips(ex: _Export, svc: str) -> None:
    """One trip per direction (``<svc>:<d>``) with the graph's in-vehicle times, and its shape."""
    edges = ex.svc_edges[svc]
    for d_id, seq in enumerate(_service_path(edges, ex.svc_forward[svc])):
        simple = len(seq) > 2 or len(edges) == 2
        trip = f"{svc}:{d_id}" if simple else f"{svc}:{seq[0]}>{seq[1]}"
        direction = d_id if simple else int((seq[0], seq[1]) not in ex.svc_forward[svc])
        last = ex.st[seq[-1]]
        ex.trip_rows.append([svc, SERVICE_ID, trip, last.name_zh, str(direction), trip])
        ex.transl.append(["trips", "trip_headsign", "en", last.name_en, trip])
        cum, dist, prev_dep, npt = 0.0, 0.0, SERVICE_START, 0
        dists = []
        for k, sid in enumerate(seq):
            ex.child_stops.add((sid, svc))
            ex.station_services[sid].add(svc)
            if k == 0:
                arr = dep = SERVICE_START
                pts = [(ex.st[sid].geometry.x, ex.st[sid].geometry.y, 0.0)]
            else:
                e = edges[(seq[k - 1], sid)]
                cum += e["travel_time"]
                pts = _section_points(e, dist)
                dist += e["length"]
                dep = SERVICE_START + round(cum)
                arr = min(dep, max(prev_dep, SERVICE_START + round(cum - ex.params.dwell_s[e["mode"]])))
            dists.append(dist)
            ex.st_rows.append([trip, _hms(arr), _hms(dep), f"{sid}:{svc}", str(k + 1), f"{dist:.1f}", "1"])
            prev_dep = dep
            for x, y, dd in pts:
                npt += 1
                ex.shape_rows.append((trip, npt, (x, y), dd))
        ex.paths[(svc, direction if simple else -1 - len(ex.paths))] = seq
        ex.path_dist[(svc, direction if simple else -1 - len(ex.path_dist))] = dists


def _frequency_rows(ex: _Export, svc: str) -> None:
    for p in PERIODS:
        if (svc, p) not in ex.headway:
            raise DataError(
                f"Service {svc} has no {p} board edge in the graph; rebuild the dataset (`cztmap data build`)."
            )
    for a, b in _day_split():
        p = "peak" if (a, b) in PEAK_WINDOWS else "offpeak"
        for trip in sorted({r[2] for r in ex.trip_rows if r[0] == svc}):
            ex.freq_rows.append([trip, _hms(a), _hms(b), str(ex.headway[(svc, p)]), "0"])


#: Service ids of the timetable export and the weekdays they run (Mon..Sun).
DAY_SERVICES = {"weekday": ["1"] * 5 + ["0"] * 2, "weekend": ["0"] * 5 + ["1"] * 2}


def _timetable_trips(ex: _Export) -> None:
    """Replace the representative trips by the real trips of a weekday and a weekend day (embedded_tables)."""
    from cztmap.network.timetable import embedded_tables

    shapes = {tuple(seq): (trip_key, ex.path_dist[k]) for trip_key, (k, seq) in _shape_ids(ex).items()}
    kept_shapes: set[str] = set()
    ex.trip_rows, ex.st_rows, ex.transl = [], [], [r for r in ex.transl if r[0] != "trips"]
    headsigns: dict[str, str] = {}
    for day in DAY_SERVICES:
        t = embedded_tables(ex.ds, as_of=ex.day, day=day, params=ex.params)
        station = dict(zip(t["stops"]["stop_id"], t["stops"]["station"], strict=True))
        by_trip = {tid: g for tid, g in t["stop_times"].groupby("trip_id", sort=True)}
        for r in t["trips"].itertuples(index=False):
            g = by_trip[r.trip_id]
            seq = tuple(station[s] for s in g["stop_id"])
            shape_id, dists = shapes.get(seq, ("", None))
            kept_shapes.add(shape_id)
            tid = f"{r.trip_id}:{day}"
            last = ex.st[seq[-1]]
            headsigns[last.name_zh] = last.name_en
            ex.trip_rows.append([r.route_id, day, tid, last.name_zh, str(r.direction_id), shape_id])
            for k, (sid, a, d) in enumerate(zip(g["stop_id"], g["arrival_s"], g["departure_s"], strict=True)):
                dist = f"{dists[k]:.1f}" if dists is not None else ""
                ex.st_rows.append([tid, _hms(int(a)), _hms(int(d)), sid, str(k + 1), dist, "1"])
        ex.transfers = [
            [a, b, "2", str(int(s))]
            for a, b, s in t["transfers"][["from_stop_id", "to_stop_id", "duration_s"]].itertuples(index=False)
        ]
    for zh, en in sorted(headsigns.items()):
        ex.transl.append(["trips", "trip_headsign", "en", en, "", zh])
    ex.shape_rows = [r for r in ex.shape_rows if r[0] in kept_shapes]
    served = {r[0] for r in ex.trip_rows}
    ex.route_rows = [r for r in ex.route_rows if r[0] in served]
    ex.transl = [r for r in ex.transl if r[0] != "routes" or r[4] in served]
    used = {r[3] for r in ex.st_rows}
    ex.child_stops = {(sid, svc) for sid, svc in ex.child_stops if f"{sid}:{svc}" in used}
    ex.station_services = defaultdict(set)
    for sid, svc in ex.child_stops:
        ex.station_services[sid].add(svc)
    ex.attributions = [r for r in ex.attributions if not r[2] or r[2] in served]
    ex.transfers = sorted({tuple(r) for r in ex.transfers})  # type: ignore[misc]


def _explicit_trips(ex: _Export, services: set[str]) -> None:
    """Replace the representative trips of ``services`` by one trip per weekday train (service ``daily``).

    The trains are those of :func:`cztmap.network.timetable.embedded_tables` (the sourced first/last trains
    and headways); a train that runs a representative trip's stations keeps that trip's stop times shifted
    to its departure (so the whole frequency export has the static graph's run times), others keep the
    timetable's own times.
    """
    from cztmap.network.timetable import embedded_tables

    shapes = {tuple(seq): (trip_key, ex.path_dist[k]) for trip_key, (k, seq) in _shape_ids(ex).items()}
    rep = {r[2] for r in ex.trip_rows if r[0] in services}
    rep_rows: dict[str, list[list[str]]] = defaultdict(list)
    for r in ex.st_rows:
        if r[0] in rep:
            rep_rows[r[0]].append(r)
    ex.trip_rows = [r for r in ex.trip_rows if r[2] not in rep]
    ex.st_rows = [r for r in ex.st_rows if r[0] not in rep]
    ex.transl = [r for r in ex.transl if not (r[0] == "trips" and r[4] in rep)]
    t = embedded_tables(ex.ds, as_of=ex.day, day="weekday", params=ex.params)
    station = dict(zip(t["stops"]["stop_id"], t["stops"]["station"], strict=True))
    trips = t["trips"][t["trips"]["route_id"].isin(services)]
    stop_times = t["stop_times"][t["stop_times"]["trip_id"].isin(set(trips["trip_id"]))]
    by_trip = {tid: g for tid, g in stop_times.groupby("trip_id", sort=True)}
    for r in trips.itertuples(index=False):
        g = by_trip[r.trip_id]
        seq = tuple(station[x] for x in g["stop_id"])
        shape_id, dists = shapes.get(seq, ("", None))
        last = ex.st[seq[-1]]
        ex.trip_rows.append([r.route_id, SERVICE_ID, r.trip_id, last.name_zh, str(r.direction_id), shape_id])
        ex.transl.append(["trips", "trip_headsign", "en", last.name_en, r.trip_id])
        if shape_id in rep_rows:  # the representative trip's times, shifted to this train's departure
            shift = int(g["departure_s"].iloc[0]) - SERVICE_START
            for row in rep_rows[shape_id]:
                arr, dep = (_hms(_seconds(v) + shift) for v in row[1:3])
                ex.st_rows.append([r.trip_id, arr, dep, *row[3:]])
            continue
        for k, (sid, a, d) in enumerate(zip(g["stop_id"], g["arrival_s"], g["departure_s"], strict=True)):
            dist = f"{dists[k]:.1f}" if dists is not None else ""
            ex.st_rows.append([r.trip_id, _hms(int(a)), _hms(int(d)), sid, str(k + 1), dist, "1"])


def _seconds(hms: str) -> int:
    h, m, s = (int(x) for x in hms.split(":"))
    return h * 3600 + m * 60 + s


def _shape_ids(ex: _Export) -> dict[str, tuple[tuple[str, int], list[str]]]:
    """Representative trip id (= its shape id) → (path key, station sequence)."""
    out = {}
    for key, seq in ex.paths.items():
        svc, d = key
        out[f"{svc}:{d}" if d >= 0 else f"{svc}:{seq[0]}>{seq[1]}"] = (key, seq)
    return out


def _stop_rows(ex: _Export) -> list[list[str]]:
    stops = []
    for sid in sorted(ex.station_services):
        r = ex.st[sid]
        stops.append([sid, r.name_zh, _coord(r.geometry.y), _coord(r.geometry.x), "1", ""])
        ex.transl.append(["stops", "stop_name", "en", r.name_en, sid])
    for sid, svc in sorted(ex.child_stops):
        r = ex.st[sid]
        stops.append([f"{sid}:{svc}", r.name_zh, _coord(r.geometry.y), _coord(r.geometry.x), "0", sid])
        ex.transl.append(["stops", "stop_name", "en", r.name_en, f"{sid}:{svc}"])
    for ag_id in ex.agency_rows:
        ex.transl.append(["agency", "agency_name", "en", next(a[2] for a in AGENCIES.values() if a[0] == ag_id), ag_id])
    return stops


def _station_transfers(ex: _Export) -> list[list[str]]:
    """Station-level transfers of the frequency export (walk links and changes within a station)."""
    out = []
    p = ex.params
    for u, v, d in ex.G.edges(data=True):
        if d.get("mode") == "walk":
            a, b = ex.G.nodes[u]["station_id"], ex.G.nodes[v]["station_id"]
            if a in ex.station_services and b in ex.station_services:
                out.append([a, b, "2", str(round(p.alight_walk_s + d["travel_time"] + p.platform_walk_s))])
    for sid, svcs in ex.station_services.items():
        if len(svcs) > 1:
            out.append([sid, sid, "2", str(round(p.alight_walk_s + p.platform_walk_s))])
    return out


def gtfs_tables(
    ds: Dataset | None = None,
    *,
    as_of: str | dt.date | None = "today",
    params: Params = DEFAULTS,
    trips: str = "timetable",
) -> dict[str, list[list[str]]]:
    """The GTFS tables of the network open on ``as_of``: file name → rows (header first), sorted.

    This is what :func:`write_gtfs` zips; exposed for inspection and tests. ``trips="timetable"`` writes
    every trip of a weekday (service ``weekday``) and a weekend day (``weekend``) from
    :func:`cztmap.network.timetable.embedded_tables`; ``trips="frequencies"`` one representative trip per
    direction repeated by ``frequencies.txt`` at the static graph's headways (service ``daily``).
    """
    if trips not in ("timetable", "frequencies"):
        raise UsageError(f"trips={trips!r} is not 'timetable' or 'frequencies'.")
    if ds is None:
        ds = load_dataset()
    day = parse_date(as_of) or ds.as_of or dt.date.today()
    ex = _services(ds.filter(day), day, params)
    sparse: set[str] = set()
    for svc in sorted(ex.svc_edges):
        _route(ex, svc)
        _representative_trips(ex, svc)
        if trips == "frequencies":
            if max(ex.headway.get((svc, p), 0) for p in PERIODS) > FREQUENCY_MAX_HEADWAY_S:
                sparse.add(svc)
            else:
                _frequency_rows(ex, svc)
    if sparse:
        _explicit_trips(ex, sparse)
    if trips == "timetable":
        _timetable_trips(ex)
    stops = _stop_rows(ex)
    if trips == "timetable":
        calendar = [[sid, *days, day.strftime("%Y%m%d"), _end(day)] for sid, days in DAY_SERVICES.items()]
        transfers = [list(r) for r in ex.transfers]
    else:
        calendar = [[SERVICE_ID, *["1"] * 7, day.strftime("%Y%m%d"), _end(day)]]
        transfers = _station_transfers(ex)
    return _assemble(ex, stops, calendar, transfers, with_frequencies=trips == "frequencies")


def _end(day: dt.date) -> str:
    return (day + dt.timedelta(days=364)).strftime("%Y%m%d")


def _assemble(
    ex: _Export,
    stops: list[list[str]],
    calendar: list[list[str]],
    transfers: list[list[str]],
    *,
    with_frequencies: bool,
) -> dict[str, list[list[str]]]:
    shapes = [[trip, _coord(y), _coord(x), str(i), f"{dist:.1f}"] for trip, i, (x, y), dist in ex.shape_rows]
    tables = {
        "agency.txt": [
            ["agency_id", "agency_name", "agency_url", "agency_timezone", "agency_lang"],
            *sorted(ex.agency_rows.values()),
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
            *sorted(ex.route_rows),
        ],
        "trips.txt": [
            ["route_id", "service_id", "trip_id", "trip_headsign", "direction_id", "shape_id"],
            *sorted(ex.trip_rows),
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
            *sorted(ex.st_rows, key=lambda r: (r[0], int(r[4]))),
        ],
        "calendar.txt": [["service_id", *_WEEKDAYS, "start_date", "end_date"], *sorted(calendar)],
        "shapes.txt": [
            ["shape_id", "shape_pt_lat", "shape_pt_lon", "shape_pt_sequence", "shape_dist_traveled"],
            *sorted(shapes, key=lambda r: (r[0], int(r[3]))),
        ],
        "transfers.txt": [["from_stop_id", "to_stop_id", "transfer_type", "min_transfer_time"], *sorted(transfers)],
        "translations.txt": [
            ["table_name", "field_name", "language", "translation", "record_id", "field_value"],
            *sorted(r + [""] * (6 - len(r)) for r in ex.transl),
        ],
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
                ex.day.strftime("%Y%m%d"),
                _end(ex.day),
                ex.ds.version or "unversioned",
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
            *sorted(ex.attributions),
        ],
    }
    if with_frequencies:
        tables["frequencies.txt"] = [
            ["trip_id", "start_time", "end_time", "headway_secs", "exact_times"],
            *sorted(ex.freq_rows),
        ]
    return tables


def _day_split() -> list[tuple[int, int]]:
    return sorted(period_windows("peak") + period_windows("offpeak"))


def _csv_bytes(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def write_gtfs(
    path: str | Path,
    *,
    as_of: str | dt.date | None = "today",
    ds: Dataset | None = None,
    params: Params = DEFAULTS,
    trips: str = "timetable",
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
    trips : {"timetable", "frequencies"}
        Every trip of a weekday and a weekend day (default), or one trip per direction repeated by
        ``frequencies.txt`` at the static graph's headways (see :func:`gtfs_tables`).

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
    tables = gtfs_tables(ds, as_of=as_of, params=params, trips=trips)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in sorted(tables):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            zf.writestr(info, _csv_bytes(tables[name]), compresslevel=9)
    return atomic_write_bytes(p, buf.getvalue(), argument="GTFS output")


def export_gtfs(
    path: str | Path,
    *,
    as_of: str | dt.date | None = "today",
    ds: Dataset | None = None,
    params: Params = DEFAULTS,
) -> Path:
    """Deprecated alias of :func:`write_gtfs` (file functions are ``write_*``).

    Examples
    --------
    >>> import warnings, tempfile, pathlib
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     _ = export_gtfs(pathlib.Path(tempfile.mkdtemp()) / "f.zip", as_of="2024-01-01")
    >>> w[0].category.__name__
    'DeprecationWarning'
    """
    warnings.warn("export_gtfs is deprecated; use write_gtfs.", DeprecationWarning, stacklevel=2)
    return write_gtfs(path, as_of=as_of, ds=ds, params=params)
