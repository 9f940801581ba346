"""THE resolver of places: station names, ids, district names, node ids and ``lon,lat`` points.

Every function that takes a place (:func:`cztmap.route`, isochrones, the command line) resolves it
here, so the same text means the same node everywhere:

* a **station**: Chinese name with or without the 站 suffix, English/pinyin name, station id, alias
  -- compared after :func:`cztmap._text.normalize_name` (NFKC, case-folded, spaces and punctuation
  removed), so ``"Wuyi Guangchang"``, ``"wuyiguangchang"`` and ``"五一广场"`` are one station;
* a **district** (county, county-level city): ``茶陵县``, ``茶陵``, ``Chaling``, ``Chaling County`` or
  its adcode ``430224`` means its government seat (the zone node when the graph has one, else the
  seat as a point);
* a **node id** of the graph (``S:wuyiguangchang``, an OSM id);
* a **point** ``"lon,lat"`` (or a ``(lon, lat)`` pair) in WGS-84 decimal degrees.

The caller's graph is **never modified**. Points are linked to the network in a copy-on-write
overlay (:func:`overlay`): a new graph object that shares the caller's node and edge attribute
dictionaries and copies only the neighbour dictionaries it changes, so adding a point costs
O(nodes) pointer copies instead of a deep copy, and nothing leaks into a graph the caller later
exports.

When a name is unknown the error says what was tried (the normalised form; the Chinese, pinyin and
English names, ids and aliases it was compared with) and suggests the closest names. Only a station
of the embedded network that is closed on the graph's date is reported as "not open on that date".

Examples
--------
>>> from cztmap.network.build import build_graph
>>> G = build_graph(as_of="2024-07-01", modes=["metro"])
>>> resolve_node(G, "Wuyi Guangchang"), resolve_node(G, "五一广场站")
('S:wuyiguangchang', 'S:wuyiguangchang')
>>> resolve_node(G, "茶陵县")
'Z:430224'
>>> n = G.number_of_nodes()
>>> H, (o, d) = resolve_places(G, ["112.9388,28.2282", "橘子洲"])
>>> o, d, G.number_of_nodes() == n, H is G
('X:112.938800,28.228200', 'S:juzizhou', True, False)
"""

from __future__ import annotations

import contextlib
import difflib
import itertools
import math
import os
import re
import sys
import unicodedata
import weakref
from collections.abc import Iterable, Sequence
from typing import Any

import networkx as nx

from cztmap._text import normalize_name, strip_station_suffix
from cztmap.errors import StationNotFoundError, UsageError
from cztmap.params import DEFAULTS, Params

__all__ = [
    "describe_place",
    "overlay",
    "parse_point",
    "resolve_node",
    "resolve_places",
    "station_index",
]

_NUM = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:nan|inf(?:inity)?)"
_POINT = re.compile(rf"\s*[(\[]?\s*({_NUM})\s*[,;\s]\s*({_NUM})\s*[)\]]?\s*", flags=re.IGNORECASE)
#: Suffixes of district names that users often leave out (Chinese, then English).
_DISTRICT_ZH = ("自治县", "县", "区", "市")
_DISTRICT_EN = (" district", " county", " city")


class _Point(tuple[float, float, "str | None"]):
    """A place to add as a point: (lon, lat, name or None)."""


# --------------------------------------------------------------------------------------------------
# the copy-on-write overlay
# --------------------------------------------------------------------------------------------------
class PlaceOverlay(nx.MultiDiGraph):
    """A ``MultiDiGraph`` on top of another one: adding or removing nodes and edges never touches the base.

    The overlay shares the base's node and edge *attribute* dictionaries (read them freely; writing
    an attribute of an existing node or edge through the overlay would change the base too -- copy
    the graph for that) and copies each neighbour dictionary the first time it changes.
    """

    def __init__(self, incoming_graph_data: Any = None, multigraph_input: bool | None = None, **attr: Any) -> None:
        self._own_succ: set[Any] = set()
        self._own_pred: set[Any] = set()
        self._own_keys: set[tuple[Any, Any]] = set()
        self._own_node: set[Any] = set()
        super().__init__(incoming_graph_data, multigraph_input=multigraph_input, **attr)

    @classmethod
    def on(cls, base: nx.MultiDiGraph) -> PlaceOverlay:
        """An overlay of ``base`` (O(nodes) pointer copies)."""
        H = cls()
        H.graph = dict(base.graph)
        H._node = dict(base._node)
        H._adj = dict(base._adj)  # also sets _succ
        H._pred = dict(base._pred)
        return H

    # -- copy on write ----------------------------------------------------------------------------
    def _own(self, u: Any, v: Any) -> None:
        if u in self._succ and u not in self._own_succ:
            self._succ[u] = dict(self._succ[u])
            self._own_succ.add(u)
        if v in self._pred and v not in self._own_pred:
            self._pred[v] = dict(self._pred[v])
            self._own_pred.add(v)
        kd = self._succ[u].get(v) if u in self._succ else None
        if kd is not None and (u, v) not in self._own_keys:
            kd = dict(kd)
            self._succ[u][v] = kd
            self._pred[v][u] = kd
            self._own_keys.add((u, v))

    def _own_attrs(self, n: Any) -> None:
        if n in self._node and n not in self._own_node:
            self._node[n] = dict(self._node[n])
            self._own_node.add(n)

    def add_node(self, node_for_adding: Any, **attr: Any) -> None:
        self._own_attrs(node_for_adding)
        super().add_node(node_for_adding, **attr)

    def add_nodes_from(self, nodes_for_adding: Iterable[Any], **attr: Any) -> None:
        for n in nodes_for_adding:
            if isinstance(n, tuple) and len(n) == 2 and isinstance(n[1], dict):
                self.add_node(n[0], **{**attr, **n[1]})
            else:
                self.add_node(n, **attr)

    def add_edge(self, u_for_edge: Any, v_for_edge: Any, key: Any = None, **attr: Any) -> Any:
        self._own(u_for_edge, v_for_edge)
        return super().add_edge(u_for_edge, v_for_edge, key, **attr)

    def add_edges_from(self, ebunch_to_add: Iterable[Any], **attr: Any) -> list[Any]:
        ebunch = list(ebunch_to_add)
        for e in ebunch:
            self._own(e[0], e[1])
        return super().add_edges_from(ebunch, **attr)

    def remove_edge(self, u: Any, v: Any, key: Any = None) -> None:
        self._own(u, v)
        super().remove_edge(u, v, key)

    def remove_edges_from(self, ebunch: Iterable[Any]) -> None:
        for e in list(ebunch):
            if self.has_edge(e[0], e[1]):
                self._own(e[0], e[1])
                self.remove_edge(e[0], e[1], e[2] if len(e) > 2 else None)

    def remove_node(self, n: Any) -> None:
        if n in self._succ:
            for u in list(self._pred[n]):
                self._own(u, n)
            for v in list(self._succ[n]):
                self._own(n, v)
        super().remove_node(n)

    def remove_nodes_from(self, nodes: Iterable[Any]) -> None:
        for n in list(nodes):
            if n in self._succ:
                self.remove_node(n)


def overlay(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A graph that reads like ``G`` and can take new nodes and edges without changing ``G``.

    Parameters
    ----------
    G : networkx.MultiDiGraph

    Returns
    -------
    networkx.MultiDiGraph
        A :class:`PlaceOverlay` (an overlay of an overlay is flattened into a new one).

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph([(1, 2)])
    >>> H = overlay(G)
    >>> _ = H.add_edge(2, 3)
    >>> sorted(H.edges()), sorted(G.edges())
    ([(1, 2), (2, 3)], [(1, 2)])
    """
    return PlaceOverlay.on(G)


# --------------------------------------------------------------------------------------------------
# the index of names
# --------------------------------------------------------------------------------------------------
_INDEX_CACHE: weakref.WeakKeyDictionary[Any, tuple[tuple[int, int], dict[str, Any]]] = weakref.WeakKeyDictionary()


def _station_forms(node: Any, d: dict[str, Any]) -> set[str]:
    forms = {str(node), str(d.get("station_id") or ""), str(d.get("name_en") or "")}
    forms |= {a for a in str(d.get("aliases") or "").split(";")}
    zh = str(d.get("name_zh") or "")
    forms.add(zh)
    if zh.endswith("站") and len(zh) > 2:
        forms.add(zh[:-1])
    elif zh:
        forms.add(zh + "站")
    return forms


def _alias_stems(d: dict[str, Any]) -> set[str]:
    """Aliases without their trailing 站 (城际长沙站 → 城际长沙): indexed after every full name, so a stem
    never takes a name that another station or a district carries."""
    return {a[:-1] for a in str(d.get("aliases") or "").split(";") if a.endswith("站") and len(a) > 2}


def _district_forms(node: Any, d: dict[str, Any]) -> set[str]:
    zh, en = str(d.get("name_zh") or ""), str(d.get("name_en") or "")
    forms = {str(node), str(d.get("adcode") or ""), zh, en}
    for suf in _DISTRICT_ZH:
        if zh.endswith(suf) and len(zh) - len(suf) >= 2:
            forms.add(zh[: -len(suf)])
    for suf in _DISTRICT_EN:
        if en.lower().endswith(suf):
            forms.add(en[: -len(suf)])
    return forms


def _is_zone_origin(node: Any, d: dict[str, Any]) -> bool:
    return d.get("kind") == "zone" and d.get("role") != "destination" and not str(node).endswith(":in")


def station_index(G: nx.MultiDiGraph) -> dict[str, Any]:
    """Map every normalised name/id form of the stations and districts of ``G`` to its node.

    Keys are :func:`~cztmap._text.normalize_name` of the node id, ``station_id``, ``name_zh`` with
    and without a trailing 站, ``name_en`` and each alias; then, for district (zone) nodes, the
    Chinese and English names with and without 县/区/市 or County/District, and the adcode; last, each
    station alias without its trailing 站 (``城际长沙`` for ``城际长沙站``). A station wins over a district of
    the same name, and a full name over an alias stem. ``长沙`` is the name of 长沙站 (the China Railway
    station, as people mean it); the CZT platforms by 锦泰广场 answer to ``城际长沙站``. The index is cached per graph object (never in
    ``G.graph``) and rebuilt when the node or edge count changes.

    Examples
    --------
    >>> from cztmap.network.build import build_graph
    >>> idx = station_index(build_graph(as_of="2024-07-01"))
    >>> idx["xiangtannorth"], idx["chaling"]
    ('S:xiangtan-north', 'Z:430224')
    """
    sig = (G.number_of_nodes(), G.number_of_edges())
    try:
        hit = _INDEX_CACHE.get(G)
    except TypeError:  # an unhashable graph-like object
        hit = None
    if hit is not None and hit[0] == sig:
        return hit[1]
    idx: dict[str, Any] = {}
    zones: list[tuple[Any, dict[str, Any]]] = []
    stations: list[tuple[Any, dict[str, Any]]] = []
    for n, d in G.nodes(data=True):
        if d.get("kind") == "station":
            stations.append((n, d))
        elif _is_zone_origin(n, d):
            zones.append((n, d))
    passes = (
        [(n, _station_forms(n, d)) for n, d in stations]
        + [(n, _district_forms(n, d)) for n, d in zones]
        + [(n, _alias_stems(d)) for n, d in stations]
    )
    for n, forms in passes:
        for f in forms:
            key = normalize_name(f)
            if key:
                idx.setdefault(key, n)
    with contextlib.suppress(TypeError):
        _INDEX_CACHE[G] = (sig, idx)
    return idx


# --------------------------------------------------------------------------------------------------
# points
# --------------------------------------------------------------------------------------------------
def parse_point(place: Any, *, argument: str = "place") -> tuple[float, float] | None:
    """``(lon, lat)`` if ``place`` is a point (a pair of numbers or ``"lon,lat"`` text), else None.

    Raises
    ------
    UsageError
        A pair whose values are not finite numbers.

    Examples
    --------
    >>> parse_point("112.9388, 28.2282"), parse_point("(112.9 28.2)"), parse_point("五一广场")
    ((112.9388, 28.2282), (112.9, 28.2), None)
    """
    if isinstance(place, str):
        m = _POINT.fullmatch(unicodedata.normalize("NFKC", place))
        if not m:
            return None
        pair: Sequence[Any] = (m.group(1), m.group(2))
    elif isinstance(place, tuple | list) and len(place) == 2:
        pair = place
    else:
        try:
            import numpy as np

            if isinstance(place, np.ndarray) and place.shape == (2,):
                pair = list(place)
            else:
                return None
        except ImportError:  # pragma: no cover
            return None
    try:
        if any(isinstance(v, bool) for v in pair):
            raise TypeError
        lon, lat = float(pair[0]), float(pair[1])
    except (TypeError, ValueError):
        raise UsageError(f"The {argument} {place!r} is not a (longitude, latitude) pair of numbers.") from None
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise UsageError(
            f"The {argument} {place!r} is not a finite longitude/latitude pair; "
            "give decimal degrees in WGS-84, e.g. 112.9388,28.2282."
        )
    return lon, lat


# --------------------------------------------------------------------------------------------------
# resolution
# --------------------------------------------------------------------------------------------------
def _nonstring(G: nx.MultiDiGraph, place: Any, argument: str) -> Any:
    try:
        present = place is not None and not isinstance(place, bool) and place in G  # e.g. an integer OSM id
    except TypeError:  # unhashable (a list of three numbers, a dict, ...)
        present = False
    if present:
        return place
    raise UsageError(
        f"The {argument} {place!r} is not a node of this graph; give a station name (中文 or pinyin), "
        "a station id, a district, a node id or lon,lat."
    )


#: English suffixes that name the kind of station, not the station ("Changsha Railway Station").
_STATION_EN = re.compile(r"\s+(?:(?:railway|metro|subway|intercity|train)\s+)?station\s*$", flags=re.IGNORECASE)


def _lookup(G: nx.MultiDiGraph, text: str) -> Any | None:
    if text in G:
        return text
    idx = station_index(G)
    hit = idx.get(normalize_name(text))
    if hit is None and _STATION_EN.search(text):  # the English counterpart of dropping 站
        hit = idx.get(normalize_name(_STATION_EN.sub("", text)))
    return hit


def _decodings(text: str) -> list[tuple[str, str]]:
    """What an encoding mix-up may have garbled, each with the hint to show.

    UTF-8 bytes read under a C/ASCII locale (surrogate escapes) are simply the intended name;
    GBK bytes in a UTF-8 argv, and UTF-8 text shown as GBK (mojibake such as '浜斾竴骞垮満' for
    '五一广场') get a hint.
    """
    out: list[tuple[str, str]] = []
    attempts = (
        (lambda: os.fsencode(text).decode("utf-8"), ""),
        (lambda: text.encode("utf-8", "surrogateescape").decode("utf-8"), ""),
        (
            lambda: os.fsencode(text).decode("gb18030"),
            " (the text reads as GBK, not UTF-8: set the terminal or file to UTF-8)",
        ),
        (
            lambda: text.encode("gbk").decode("utf-8"),
            " (the text reads as GBK, not UTF-8: set the terminal or file to UTF-8)",
        ),
    )
    for attempt, hint in attempts:
        try:
            fixed = attempt()
        except (UnicodeError, ValueError):
            continue
        if fixed != text and all(f != fixed for f, _ in out):
            out.append((fixed, hint))
    return out


def _district_seat(text: str) -> tuple[float, float, str] | None:
    """(lon, lat, name_zh) of the district whose name or adcode is ``text`` (embedded dataset)."""
    try:
        from cztmap.data.dataset import load_dataset

        dist = load_dataset().districts
    except Exception:  # the dataset itself may be broken; then we cannot say
        return None
    key = normalize_name(text)
    for r in dist.itertuples(index=False):
        forms = {normalize_name(f) for f in _district_forms(f"Z:{r.adcode}", r._asdict())}
        if key in forms and math.isfinite(float(r.seat_lon)) and math.isfinite(float(r.seat_lat)):
            return float(r.seat_lon), float(r.seat_lat), str(r.name_zh)
    return None


def _embedded_station(text: str) -> tuple[str, str, str] | None:
    """(station_id, name_zh, opened) of the embedded station called ``text`` (any date)."""
    try:
        from cztmap.data.dataset import load_dataset

        st = load_dataset().stations
    except Exception:
        return None
    key = normalize_name(text)
    for r in st.itertuples(index=False):
        forms = {normalize_name(f) for f in _station_forms(f"S:{r.station_id}", r._asdict())}
        if key in forms:
            return str(r.station_id), str(r.name_zh), str(r.opened or "")
    return None


def _open_station_ids(as_of: Any) -> set[str] | None:
    try:
        from cztmap.data.dataset import load_dataset

        return set(load_dataset(as_of=as_of).stations["station_id"])
    except Exception:
        return None


def _why_missing(G: nx.MultiDiGraph, text: str) -> str:
    """Why a station of the embedded network is not in ``G`` ("" if it is not one)."""
    found = _embedded_station(text)
    if found is None:
        return ""
    sid, zh, opened = found
    as_of = G.graph.get("as_of")
    if not as_of or f"S:{sid}" in G:
        return f" (it is a station of the embedded network, {zh}, but not of this graph)"
    open_ids = _open_station_ids(as_of)
    if open_ids is not None and sid not in open_ids:
        when = f"; it first opened on {opened}" if opened and opened > str(as_of) else ""
        return f" in the network of {as_of} (it is not open on that date{when}; try a date when it is open)"
    modes = G.graph.get("modes")
    shown = f", modes {modes}" if modes else ""
    return f" in this graph (it is open on {as_of} but not part of this graph{shown})"


def _suggestions(G: nx.MultiDiGraph, text: str) -> list[str]:
    names: set[str] = set()
    for n, d in G.nodes(data=True):
        if d.get("kind") == "station" or _is_zone_origin(n, d):
            names |= {str(d.get("name_zh") or ""), str(d.get("name_en") or "")}
    names.discard("")
    ordered = sorted(names)
    close = difflib.get_close_matches(text, ordered, n=3, cutoff=0.5)
    if not close:
        low: dict[str, str] = {}
        for nm in ordered:
            low.setdefault(normalize_name(nm), nm)
        close = [low[k] for k in difflib.get_close_matches(normalize_name(text), list(low), n=3, cutoff=0.5)]
    return close


def _counts(G: nx.MultiDiGraph) -> tuple[int, int]:
    ns = nz = 0
    for n, d in G.nodes(data=True):
        if d.get("kind") == "station":
            ns += 1
        elif _is_zone_origin(n, d):
            nz += 1
    return ns, nz


def _locale_hint(text: str) -> str:
    enc = (sys.getfilesystemencoding() or "").lower().replace("-", "")
    if any(0xDC80 <= ord(c) <= 0xDCFF for c in text) and enc not in ("utf8",):
        return (
            f" (the command line was decoded as {sys.getfilesystemencoding()}: set LC_ALL=C.UTF-8 "
            "or PYTHONUTF8=1 so Chinese names arrive intact)"
        )
    return ""


def _not_found(G: nx.MultiDiGraph, text: str) -> StationNotFoundError:
    base, doubled = strip_station_suffix(text)
    if doubled >= 2:
        hit = _lookup(G, base) or _lookup(G, base + "站")
        if hit is not None:
            name = str(G.nodes[hit].get("name_zh") or hit)
            return StationNotFoundError(text, [name], extra=" (站 is repeated at the end)")
    for fixed, hint in _decodings(text):
        if _lookup(G, fixed) is not None:
            return StationNotFoundError(text, [fixed], extra=hint or " (the text was garbled by an encoding)")
    nums = re.findall(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?", text)
    if nums and re.fullmatch(r"[\d\s.,;:+\-eE()\[\]]+", unicodedata.normalize("NFKC", text)):
        return StationNotFoundError(
            text,
            [],
            extra=f" (it is not a lon,lat pair either: it holds {len(nums)} number(s))",
            fallback="give a station name, or longitude,latitude in WGS-84 degrees such as 112.9388,28.2282.",
        )
    why = _why_missing(G, text)
    if why:
        return StationNotFoundError(text, _suggestions(G, text), extra=why)
    ns, nz = _counts(G)
    if ns == 0 and nz == 0:
        ids = [str(n) for n in itertools.islice(G.nodes, 100000)]
        close = difflib.get_close_matches(text, ids, n=3, cutoff=0.5)
        eg = f"such as {ids[0]!r} " if ids else ""
        return StationNotFoundError(
            text,
            close,
            extra=" (this graph has no named stations or districts)",
            fallback=f"give a node id {eg}or lon,lat.",
        )
    what = f"{ns} station(s)" + (f" and {nz} district(s)" if nz else "")
    tried = (
        f" (compared as {normalize_name(text)!r} with the Chinese, pinyin and English names, ids and aliases "
        f"of the {what} of this graph){_locale_hint(text)}"
    )
    return StationNotFoundError(text, _suggestions(G, text), extra=tried)


def _resolve_text(G: nx.MultiDiGraph, text: str) -> Any:
    """A node of ``G``, or ``(lon, lat, name)`` of a district seat to add as a point."""
    hit = _lookup(G, text)
    if hit is not None:
        return hit
    for fixed, hint in _decodings(text):
        if not hint:  # UTF-8 bytes under a C locale: the intended name
            hit = _lookup(G, fixed)
            if hit is not None:
                return hit
    seat = _district_seat(text)
    if seat is not None:
        return _Point(seat)
    raise _not_found(G, text)


def _resolve_one(G: nx.MultiDiGraph, place: Any, argument: str) -> Any:
    pt = parse_point(place, argument=argument)
    if pt is not None:
        return _Point((pt[0], pt[1], None))
    if not isinstance(place, str):
        return _nonstring(G, place, argument)
    text = place.strip()
    if not text or not normalize_name(text):
        raise UsageError(
            f"The {argument} {place!r} is empty; give a station name (中文 or pinyin), a station id, "
            "a district or lon,lat."
        )
    return _resolve_text(G, text)


def resolve_places(
    G: nx.MultiDiGraph,
    places: Sequence[Any],
    *,
    arguments: Sequence[str] | None = None,
    params: Params = DEFAULTS,
) -> tuple[nx.MultiDiGraph, list[Any]]:
    """Resolve several places at once; points are linked in an overlay, never in ``G``.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The network (not modified).
    places : sequence
        Each a station name or id, a district, a node id, ``"lon,lat"`` or a ``(lon, lat)`` pair.
    arguments : sequence of str, optional
        How each place is called in messages (default ``origin``, ``destination``, then ``place``).
    params : Params
        Access-link parameters for points (:func:`cztmap.network.build.add_point`).

    Returns
    -------
    (graph, nodes)
        ``graph`` is ``G`` itself when no point had to be added, else an :func:`overlay` of ``G``
        holding the points; ``nodes`` are the departure nodes (use
        :func:`cztmap.network.build.sink` for arrivals).

    Raises
    ------
    StationNotFoundError
        An unknown name: the message says what was compared and suggests the closest names.
    UsageError
        An empty place, a point outside the region or not a pair of numbers.

    Examples
    --------
    >>> from cztmap.network.build import build_graph
    >>> G = build_graph(as_of="2024-07-01", modes=["metro"])
    >>> H, nodes = resolve_places(G, ["五一广场", "Chaling"])
    >>> nodes, H is G
    (['S:wuyiguangchang', 'Z:430224'], True)
    """
    names = list(arguments or ())
    default = ("origin", "destination")
    out: list[Any] = []
    H = G
    for i, place in enumerate(places):
        arg = names[i] if i < len(names) else (default[i] if i < len(default) else "place")
        r = _resolve_one(G, place, arg)
        if isinstance(r, _Point):
            from cztmap.network.build import add_point  # only here: it pulls the dataset layer (geopandas)

            if H is G:
                H = overlay(G)
            out.append(add_point(H, r[0], r[1], name=r[2], params=params, argument=arg))
        else:
            out.append(r)
    return H, out


def resolve_node(G: nx.MultiDiGraph, place: Any, *, argument: str = "place", add_points: bool = False) -> Any:
    """Turn a station name/id, district, node id or point into a node of ``G``.

    Parameters
    ----------
    G : networkx.MultiDiGraph
    place : str or (lon, lat)
    argument : str
        How the place is called in messages.
    add_points : bool
        A point (or a district whose seat is not a node of ``G``) is added **to G** with access
        links -- only for a graph you own (a copy or an :func:`overlay`). False (default): a point
        must already be a node of ``G``; use :func:`resolve_places` to get an overlay.

    Returns
    -------
    node id

    Raises
    ------
    StationNotFoundError
        Unknown name; the message says what was tried and lists the closest names.
    UsageError
        Empty text, a point where a point cannot be added, a point outside the region.

    Examples
    --------
    >>> from cztmap.network.build import build_graph
    >>> resolve_node(build_graph(as_of="2024-07-01"), "xiangtan north")
    'S:xiangtan-north'
    """
    r = _resolve_one(G, place, argument)
    if isinstance(r, _Point):
        from cztmap.network.build import add_point, point_node

        existing = point_node(r[0], r[1], name=r[2])
        if existing in G:
            return existing
        if not add_points:
            raise UsageError(
                f"The {argument} {place!r} is a point (or a district seat) that is not a node of this graph; "
                "give a station here, or resolve it with cztmap.network.names.resolve_places."
            )
        return add_point(G, r[0], r[1], name=r[2], argument=argument)
    return r


def describe_place(G: nx.MultiDiGraph, node: Any) -> str:
    """A short human label of a node: its Chinese name, English name, or id.

    Examples
    --------
    >>> from cztmap.network.build import build_graph
    >>> describe_place(build_graph(as_of="2024-07-01", modes=["metro"]), "S:juzizhou")
    '橘子洲'
    """
    d = G.nodes[node]
    name = d.get("name_zh") or d.get("name_en") or d.get("name")
    if name:
        return str(name)
    if d.get("kind") == "road":
        return f"road node {node}"  # schematic corridor vertices and OpenStreetMap nodes have no names
    return str(node)
