"""Regenerate the hostile GraphML files (``graphs/``) and OSM edits (``osm/``) of the corpus deterministically.

Run ``python tests/robustness/bad_inputs/make_graphs.py``. Each file is the small valid graph of
:func:`base` (three stations in central Changsha joined by walking links, as ``write_graph`` would
write it: every attribute as text) with one hostile edit. They feed ``--graph FILE`` cases.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

HERE = Path(__file__).resolve().parent / "graphs"

Node = tuple[str, dict[str, str]]
Edge = tuple[str, str, dict[str, str]]


def base() -> tuple[dict[str, str], list[Node], list[Edge]]:
    graph = {"crs": "EPSG:4326", "name": "corpus graph", "created_by": "make_graphs.py"}
    pts = {
        "S:a": ("112.9700", "28.1900", "甲站", "Jia"),
        "S:b": ("112.9800", "28.1950", "乙站", "Yi"),
        "S:c": ("112.9900", "28.2000", "丙站", "Bing"),
    }
    nodes = [
        (n, {"x": x, "y": y, "kind": "station", "name_zh": zh, "name_en": en, "station_id": n[2:]})
        for n, (x, y, zh, en) in pts.items()
    ]
    edges: list[Edge] = []
    for u, v in (("S:a", "S:b"), ("S:b", "S:c")):
        for a, b in ((u, v), (v, u)):
            edges.append((a, b, {"mode": "walk", "length": "1150.0", "travel_time": "958.3"}))
    return graph, nodes, edges


def render(graph: dict[str, str], nodes: list[Node], edges: list[Edge], *, directed: bool = True) -> bytes:
    keys: dict[tuple[str, str], str] = {}
    for scope, items in (("graph", [graph]), ("node", [d for _, d in nodes]), ("edge", [d for *_, d in edges])):
        for d in items:
            for k in d:
                keys.setdefault((scope, k), f"d{len(keys)}")
    out = ['<?xml version="1.0" encoding="utf-8"?>', '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">']
    for (scope, name), kid in keys.items():
        out.append(f'<key id="{kid}" for="{scope}" attr.name={quoteattr(name)} attr.type="string" />')
    out.append(f'<graph edgedefault="{"directed" if directed else "undirected"}">')
    for k, v in graph.items():
        out.append(f'<data key="{keys["graph", k]}">{escape(v)}</data>')
    for n, d in nodes:
        out.append(
            f"<node id={quoteattr(n)}>"
            + "".join(f'<data key="{keys["node", k]}">{escape(v)}</data>' for k, v in d.items())
            + "</node>"
        )
    for i, (u, v, d) in enumerate(edges):
        out.append(
            f'<edge source={quoteattr(u)} target={quoteattr(v)} id="{i}">'
            + "".join(f'<data key="{keys["edge", k]}">{escape(val)}</data>' for k, val in d.items())
            + "</edge>"
        )
    out += ["</graph>", "</graphml>", ""]
    return "\n".join(out).encode("utf-8")


def _edit_edge(attr: str, value: str | None):
    def f(g, nodes, edges):
        u, v, d = edges[0]
        d = dict(d)
        if value is None:
            d.pop(attr)
        else:
            d[attr] = value
        return g, nodes, [(u, v, d), *edges[1:]]

    return f


def _edit_node(attr: str, value: str | None, which: int = 0):
    def f(g, nodes, edges):
        n, d = nodes[which]
        d = dict(d)
        if value is None:
            d.pop(attr)
        else:
            d[attr] = value
        return g, [*nodes[:which], (n, d), *nodes[which + 1 :]], edges

    return f


def _swap(g, nodes, edges):
    return g, [(n, {**d, "x": d["y"], "y": d["x"]}) for n, d in nodes], edges


def _far(region_any: bool):
    def f(g, nodes, edges):
        moved = [(n, {**d, "x": str(float(d["x"]) - 86.0), "y": str(float(d["y"]) + 32.7)}) for n, d in nodes]
        return ({**g, "region": "any"} if region_any else g), moved, edges

    return f


def _plain(g, nodes, edges):
    return (
        {},
        [(n.replace("S:", ""), {"x": d["x"], "y": d["y"]}) for n, d in nodes],
        [(u.replace("S:", ""), v.replace("S:", ""), {"travel_time": d["travel_time"]}) for u, v, d in edges],
    )


def _empty(g, nodes, edges):
    return g, [], []


def variants():
    return {
        "valid.graphml": lambda g, n, e: (g, n, e),
        "nan_travel_time.graphml": _edit_edge("travel_time", "nan"),
        "inf_travel_time.graphml": _edit_edge("travel_time", "inf"),
        "text_travel_time.graphml": _edit_edge("travel_time", "fast"),
        "negative_travel_time.graphml": _edit_edge("travel_time", "-60"),
        "missing_travel_time.graphml": _edit_edge("travel_time", None),
        "huge_travel_time.graphml": _edit_edge("travel_time", "1e400"),
        "negative_length.graphml": _edit_edge("length", "-5"),
        "nan_wait_time.graphml": _edit_edge("wait_time", "nan"),
        "bad_geometry.graphml": _edit_edge("geometry", "LINESTRING (1 2, oops)"),
        "teleport_speed.graphml": _edit_edge(
            "length",
            "44000",
        ),
        "missing_x.graphml": _edit_node("x", None),
        "text_y.graphml": _edit_node("y", "north"),
        "latitude_95.graphml": _edit_node("y", "95"),
        "one_node_far.graphml": _edit_node("x", "13.40", which=2),
        "swapped_xy.graphml": _swap,
        "far_region.graphml": _far(False),
        "far_region_declared.graphml": _far(True),
        "plain_networkx.graphml": _plain,
        "empty.graphml": _empty,
    }


KOUVOLA = Path(__file__).resolve().parents[2] / "data" / "kouvola_tiny.osm"
OSM = Path(__file__).resolve().parent / "osm"


def osm_variants() -> dict[str, bytes]:
    """Hostile edits of the real Kouvola extract (tests/data/kouvola_tiny.osm, ODbL)."""
    text = KOUVOLA.read_text(encoding="utf-8")
    first = 'lat="60.5223076" lon="26.9477820"'
    assert first in text
    return {
        "latitude_95.osm": text.replace(first, 'lat="95.0000000" lon="26.9477820"', 1).encode("utf-8"),
        "longitude_nan.osm": text.replace(first, 'lat="60.5223076" lon="nan"', 1).encode("utf-8"),
        "far_from_region.osm": text.encode("utf-8"),
    }


def main() -> None:
    for name, data in osm_variants().items():
        (OSM / name).write_bytes(data)
    HERE.mkdir(exist_ok=True)
    for name, edit in variants().items():
        g, nodes, edges = edit(*base())
        if name == "teleport_speed.graphml":
            u, v, d = edges[0]
            edges = [(u, v, {**d, "travel_time": "1"}), *edges[1:]]
        (HERE / name).write_bytes(render(g, nodes, edges))
    (HERE / "undirected.graphml").write_bytes(render(*base(), directed=False))
    (HERE / "truncated.graphml").write_bytes(render(*base())[:700])


if __name__ == "__main__":
    main()
